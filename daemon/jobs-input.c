/*
 * jobs-input.c: what a job holds only in this daemon's memory, never in
 * the store: the bytes "run --stdin" forwards to every target's command,
 * for "run --host" the credential and the host-key choice, and what a
 * push sends or the directory a pull writes into (jobs-xfer.c).
 * A job with an input skips the queue: jobs_pass starts it on the next
 * loop pass (after the run reply), so its input never waits through a
 * restart. The input belongs to the job from then on and is wiped with
 * it; a job cancelled before it started drops its input.
 */
#include "config.h"

#include <stdlib.h>
#include <unistd.h>

#include <sodium.h>

#include "jobs-int.h"
#include "xmalloc.h"

struct job_input *
jobs_input_new(void)
{
	struct job_input	*in = xcalloc(1, sizeof(struct job_input));

	in->xfer_dirfd = -1;
	return in;
}

void
jobs_input_free(struct job_input *in)
{
	if (in == NULL)
		return;
	secret_free(in->stdin_data);
	if (in->xfer_data != NULL)
		sodium_memzero(in->xfer_data, in->xfer_len);
	free(in->xfer_data);
	free(in->xfer_remote);
	free(in->xfer_local);
	if (in->xfer_dirfd >= 0)
		close(in->xfer_dirfd);
	free(in->cred);
	free(in->actor);
	free(in);
}

void
jobs_input_park(struct jobs *js, int64_t job, struct job_input *in)
{
	in->job = job;
	in->next = js->inputs;
	js->inputs = in;
}

struct job_input *
jobs_input_take(struct jobs *js, int64_t job)
{
	struct job_input	**pp, *in;

	for (pp = &js->inputs; (in = *pp) != NULL; pp = &in->next)
		if (in->job == job) {
			*pp = in->next;
			in->next = NULL;
			return in;
		}
	return NULL;
}

int64_t
jobs_input_next(const struct jobs *js)
{
	return js->inputs != NULL ? js->inputs->job : 0;
}

void
jobs_input_free_all(struct jobs *js)
{
	struct job_input	*in;

	while ((in = js->inputs) != NULL) {
		js->inputs = in->next;
		jobs_input_free(in);
	}
}

/*
 * jobs-xfer.c: the runner's side of push and pull (handlers-xfer.c
 * makes the jobs). A transfer job's runs are the engine's checked
 * transfers (core/ssh.h, ssh_batch_start_xfer) on one target each, with
 * the job's timeout; the bytes to push and the directory to pull into
 * are the job's input, held in memory only (jobs-input.c). A run that
 * succeeds says on its stdout what it copied: "sha256 HEX  BYTES bytes
 * mode MODE  PATH", so run's live output, job logs and --json show it.
 * The job's command is a shell comment describing the transfer
 * (JOB_XFER_TAG), never run: a transfer job whose input a restart
 * lost fails, and job rerun refuses one (handlers-jobs.c).
 */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include "jobs-int.h"

int
jobs_xfer_is(const char *command)
{
	return command != NULL && strncmp(command, JOB_XFER_TAG,
	    strlen(JOB_XFER_TAG)) == 0;
}

/* The engine's done callback: the copy's line first, then as any run. */
static void
xfer_done(void *arg, size_t idx, const struct ssh_result *r)
{
	struct job_slot		*s = arg;
	const char		*base = strrchr(s->xf.remote, '/');
	char			 line[1024];
	int			 n;

	base = base != NULL ? base + 1 : s->xf.remote;
	if (r->ok) {
		if (s->xf.dir == SSH_PUSH)
			n = snprintf(line, sizeof(line), "sha256 %s  %llu "
			    "bytes  mode %04o  %s\n", r->sha256, r->bytes,
			    r->mode & 0777, s->xf.remote);
		else
			n = snprintf(line, sizeof(line), "sha256 %s  %llu "
			    "bytes  mode %04o  %s/%s/%s\n", r->sha256,
			    r->bytes, r->mode & 0777, s->job->input->xfer_local,
			    s->target, base);
		if (n > 0 && (size_t)n < sizeof(line))
			jobs_run_output(arg, idx, s->target, SSH_STDOUT,
			    (const unsigned char *)line, (size_t)n);
	}
	jobs_run_done(arg, idx, r);
}

int
jobs_xfer_start(struct job_slot *s, enum run_class *cls, struct ops_err *err)
{
	struct job		*j = s->job;
	struct job_input	*in = j->input;
	struct ops_ctx		*ctx = j->js->ctx;

	*cls = RUN_CLASS_CONFIG;
	if (in == NULL || in->xfer_dir == 0)
		return ops_err_set(err, OPS_E_INVAL, "the transfer's local "
		    "file or directory was held by an opsicled that stopped "
		    "before the job started: push or pull again");
	if (j->become_user != NULL)
		return ops_err_set(err, OPS_E_INVAL, "a transfer cannot run "
		    "under sudo");
	memset(&s->xf, 0, sizeof(s->xf));
	s->xf.dir = in->xfer_dir;
	s->xf.remote = in->xfer_remote;
	if (in->xfer_dir == SSH_PUSH) {
		/* the bytes the client's descriptor gave; never the path,
		 * which the engine would open with the daemon's rights */
		s->xf.local = NULL;
		s->xf.data = in->xfer_data;
		s->xf.len = in->xfer_len;
		s->xf.mode = in->xfer_mode;
	} else {
		s->xf.local = in->xfer_local;	/* its name, for messages */
		s->xf.has_ldirfd = 1;
		s->xf.ldirfd = in->xfer_dirfd;
	}
	s->xf.timeout_ms = j->timeout_ms;
	s->xf.on_done = xfer_done;
	s->xf.arg = s;
	*cls = RUN_CLASS_INTERNAL;
	return ssh_batch_start_xfer(ctx->ssh, &s->t, 1, &s->xf, &s->b, err);
}

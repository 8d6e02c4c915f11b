/*
 * test-store-queue.c: the store side of the job queue: job specs keep
 * kind, timeout and forks; store_job_next_queued gives the oldest queued
 * job; store_jobs_recover interrupts jobs left running (and their
 * unfinished runs) but keeps queued jobs queued; store_output_prune drops
 * the output of jobs finished before a time and nothing else.
 */
#include "config.h"

#include <stdint.h>
#include <string.h>

#include "store-test.h"
#include "tap.h"

static int64_t
add_job(struct store *st, const char *cmd, int script)
{
	const char *const	targets[] = { "a", "b" };
	struct store_job_spec	js;
	int64_t			id = 0;

	memset(&js, 0, sizeof(js));
	js.command = cmd;
	js.script = script;
	js.timeout_ms = 5000;
	js.forks = 3;
	js.requested_by = "uid:1000";
	js.targets = targets;
	js.ntargets = 2;
	if (store_job_add(st, &js, &id, NULL) != OPS_OK)
		return 0;
	return id;
}

static size_t
output_len(struct store *st, int64_t job)
{
	struct store_run_list	rl = { NULL, 0 };
	size_t			i, n = 0;

	if (store_run_list(st, job, 1, &rl, NULL) != OPS_OK)
		return (size_t)-1;
	for (i = 0; i < rl.n; i++)
		n += rl.v[i].out_len + rl.v[i].errout_len;
	store_run_list_free(&rl);
	return n;
}

int
main(void)
{
	struct store_target_spec	 ta = { .name = "a", .host = "h1" };
	struct store_target_spec	 tb = { .name = "b", .host = "h2" };
	struct keyring			*kr;
	struct store			*st = NULL;
	struct store_job		*j = NULL;
	struct store_run_list		 rl = { NULL, 0 };
	struct ops_err			 err;
	int64_t				 j1, j2, j3, next = -1, n = -1;

	plan(19);
	st_tmpdir();
	kr = st_keyring("q");
	if (store_open(st_path("store.db"), kr, &st, &err) != OPS_OK) {
		diag("%s", err.msg);
		ok(0, "store opens");
		st_cleanup();
		return exit_status();
	}
	ok(store_target_add(st, &ta, NULL, &err) == OPS_OK &&
	    store_target_add(st, &tb, NULL, &err) == OPS_OK, "two targets");
	j1 = add_job(st, "uname -s", 0);
	j2 = add_job(st, "#!/bin/sh\necho hi\n", 1);
	j3 = add_job(st, "true", 0);
	ok(j1 > 0 && j2 > j1 && j3 > j2, "three jobs queued");
	ok(store_job_get(st, j2, &j, &err) == OPS_OK && j->script == 1 &&
	    j->timeout_ms == 5000 && j->forks == 3 &&
	    strcmp(j->command, "#!/bin/sh\necho hi\n") == 0,
	    "a job keeps its kind, timeout and forks");
	store_job_free(j);
	j = NULL;

	ok(store_job_next_queued(st, &next, &err) == OPS_OK && next == j1,
	    "the oldest queued job is next");
	/* j1 runs and finishes with output; j2 runs, one run started. */
	store_job_set_state(st, j1, STORE_JOB_RUNNING, NULL);
	store_run_list(st, j1, 0, &rl, NULL);
	ok(rl.n == 2 && store_run_start(st, rl.v[0].id, &err) == OPS_OK &&
	    store_run_append_output(st, rl.v[0].id, STORE_STDOUT, "Linux\n", 6,
	    &err) == OPS_OK && store_run_finish(st, rl.v[0].id, STORE_RUN_OK,
	    0, 0, NULL, &err) == OPS_OK && store_run_finish(st, rl.v[1].id,
	    STORE_RUN_OK, 0, 0, NULL, &err) == OPS_OK &&
	    store_job_set_state(st, j1, STORE_JOB_DONE, &err) == OPS_OK,
	    "job 1 runs and ends done");
	store_run_list_free(&rl);
	ok(store_job_next_queued(st, &next, &err) == OPS_OK && next == j2,
	    "then job 2 is next");
	store_job_set_state(st, j2, STORE_JOB_RUNNING, NULL);
	store_run_list(st, j2, 0, &rl, NULL);
	ok(store_run_start(st, rl.v[0].id, &err) == OPS_OK &&
	    store_run_append_output(st, rl.v[0].id, STORE_STDERR, "x", 1,
	    &err) == OPS_OK, "job 2 has one run in flight");
	store_run_list_free(&rl);

	/* A crash here: recover. */
	ok(store_jobs_recover(st, &n, &err) == OPS_OK && n == 2,
	    "recover changes job 2's two unfinished runs");
	ok(store_job_get(st, j2, &j, &err) == OPS_OK &&
	    j->state == STORE_JOB_INTERRUPTED && j->finished > 0,
	    "job 2 is interrupted");
	store_job_free(j);
	j = NULL;
	store_run_list(st, j2, 0, &rl, NULL);
	ok(rl.n == 2 && rl.v[0].state == STORE_RUN_INTERRUPTED &&
	    rl.v[1].state == STORE_RUN_INTERRUPTED, "and both its runs");
	store_run_list_free(&rl);
	ok(store_job_get(st, j3, &j, &err) == OPS_OK &&
	    j->state == STORE_JOB_QUEUED, "job 3 stays queued");
	store_job_free(j);
	j = NULL;
	store_run_list(st, j3, 0, &rl, NULL);
	ok(rl.n == 2 && rl.v[0].state == STORE_RUN_QUEUED, "with its runs");
	store_run_list_free(&rl);
	ok(store_job_get(st, j1, &j, &err) == OPS_OK &&
	    j->state == STORE_JOB_DONE, "job 1 stays done");
	store_job_free(j);
	j = NULL;
	ok(store_job_next_queued(st, &next, &err) == OPS_OK && next == j3,
	    "job 3 is next after the restart");
	ok(store_jobs_recover(st, &n, &err) == OPS_OK && n == 0,
	    "a second recover changes nothing");

	/* Retention. */
	ok(output_len(st, j1) == 6 && output_len(st, j2) == 1,
	    "jobs 1 and 2 have output");
	ok(store_output_prune(st, 1, &n, &err) == OPS_OK && n == 0 &&
	    output_len(st, j1) == 6, "pruning before the epoch keeps it");
	ok(store_output_prune(st, INT64_MAX, &n, &err) == OPS_OK && n == 2 &&
	    output_len(st, j1) == 0 && output_len(st, j2) == 0,
	    "pruning now drops the output of finished jobs");
	store_run_list(st, j1, 0, &rl, NULL);
	ok(rl.n == 2 && rl.v[0].state == STORE_RUN_OK &&
	    rl.v[0].out_bytes == 6, "the runs and their counts stay");
	store_run_list_free(&rl);

	store_close(st);
	keyring_free(kr);
	st_cleanup();
	return exit_status();
}

/*
 * test-store-jobcap.c: a job's own limits (migration 6). A job keeps the
 * output cap and connect timeout it was added with; its runs' output is
 * cut at the job's cap, not the store's, and a job without one (0, as
 * every job of an older store) is cut at the store's. A run reads back
 * the bytes it kept as well as those it saw. A store at schema 5 gains
 * the columns, with 0 in its old jobs, and migrating again over a store
 * that has them does not fail. Negative limits are refused.
 */
#include "config.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "store-int.h"
#include "store-test.h"
#include "tap.h"

#define OUT_LEN	10000

static int64_t
add_job(struct store *st, int64_t cap, int connect_ms, int64_t *run)
{
	const char *const	targets[] = { "a" };
	struct store_job_spec	js;
	struct store_run_list	rl = { NULL, 0 };
	int64_t			id = 0;

	memset(&js, 0, sizeof(js));
	js.command = "yes";
	js.requested_by = "uid:1000";
	js.targets = targets;
	js.ntargets = 1;
	js.output_cap = cap;
	js.connect_timeout_ms = connect_ms;
	if (store_job_add(st, &js, &id, NULL) != OPS_OK ||
	    store_run_list(st, id, 0, &rl, NULL) != OPS_OK || rl.n != 1)
		id = 0;
	else
		*run = rl.v[0].id;
	store_run_list_free(&rl);
	return id;
}

/* Append OUT_LEN bytes to run's stdout in two pieces; its row after. */
static struct store_run *
fill(struct store *st, int64_t run)
{
	static unsigned char	 buf[OUT_LEN];
	struct store_run	*r = NULL;

	memset(buf, 'x', sizeof(buf));
	if (store_run_start(st, run, NULL) != OPS_OK ||
	    store_run_append_output(st, run, STORE_STDOUT, buf, 3000,
	    NULL) != OPS_OK ||
	    store_run_append_output(st, run, STORE_STDOUT, buf + 3000,
	    OUT_LEN - 3000, NULL) != OPS_OK ||
	    store_run_get(st, run, &r, NULL) != OPS_OK)
		return NULL;
	return r;
}

static void
test_caps(struct store *st)
{
	struct store_job_spec	 js;
	struct store_job	*j = NULL;
	struct store_run	*r;
	struct ops_err		 err;
	int64_t			 job, run = 0;
	const char *const	 targets[] = { "a" };

	store_set_output_cap(st, 4096);
	job = add_job(st, 2048, 3000, &run);
	ok(job != 0 && store_job_get(st, job, &j, NULL) == OPS_OK &&
	    j->output_cap == 2048 && j->connect_timeout_ms == 3000,
	    "a job keeps its output cap and connect timeout");
	store_job_free(j);
	r = fill(st, run);
	ok(r != NULL && r->out_len == 2048 && r->out_kept == 2048 &&
	    r->out_bytes == OUT_LEN && r->out_truncated,
	    "its run keeps 2048 bytes, the job's cap, not the store's 4096 "
	    "(kept %lld of %lld)", r != NULL ? (long long)r->out_kept : -1LL,
	    r != NULL ? (long long)r->out_bytes : -1LL);
	store_run_free(r);

	job = add_job(st, 8192, 0, &run);
	r = fill(st, run);
	ok(job != 0 && r != NULL && r->out_len == 8192 &&
	    r->out_kept == 8192 && r->out_truncated,
	    "a job's cap may be larger than the store's (kept %lld)",
	    r != NULL ? (long long)r->out_kept : -1LL);
	store_run_free(r);

	job = add_job(st, 0, 0, &run);
	r = fill(st, run);
	ok(job != 0 && r != NULL && r->out_len == 4096 && r->out_kept == 4096,
	    "a job without a cap is cut at the store's (kept %lld)",
	    r != NULL ? (long long)r->out_kept : -1LL);
	store_run_free(r);

	job = add_job(st, 1 << 20, 0, &run);
	r = fill(st, run);
	ok(job != 0 && r != NULL && r->out_len == OUT_LEN &&
	    r->out_kept == OUT_LEN && !r->out_truncated,
	    "output below the cap is kept whole");
	store_run_free(r);

	memset(&js, 0, sizeof(js));
	js.command = "true";
	js.requested_by = "uid:1000";
	js.targets = targets;
	js.ntargets = 1;
	js.output_cap = -1;
	ok(store_job_add(st, &js, &job, &err) == OPS_E_INVAL &&
	    strstr(err.msg, "negative") != NULL,
	    "a negative output cap is refused (%s)", err.msg);
	js.output_cap = 0;
	js.connect_timeout_ms = -5;
	ok(store_job_add(st, &js, &job, &err) == OPS_E_INVAL,
	    "a negative connect timeout is refused");
}

/* A store at schema 5: the jobs table without the two columns. */
static void
test_migrate(struct keyring *kr)
{
	struct store_target_spec	 ts;
	struct store_job		*j = NULL;
	struct store			*st = NULL;
	struct ops_err			 err;
	int64_t				 job = 0, run = 0;
	int				 rc;

	rc = store_open(st_path("v5.db"), kr, &st, &err);
	if (rc == OPS_OK) {
		memset(&ts, 0, sizeof(ts));
		ts.name = "a";
		ts.host = "10.0.0.1";
		(void)store_target_add(st, &ts, NULL, NULL);
		job = add_job(st, 2048, 1000, &run);
		rc = st_exec(store_sqlite_handle(st), "ALTER TABLE jobs DROP"
		    " COLUMN output_cap; ALTER TABLE jobs DROP COLUMN"
		    " connect_timeout_ms; PRAGMA user_version = 5");
	}
	store_close(st);
	st = NULL;
	ok(rc == OPS_OK && job != 0, "a schema-5 store with a job");
	rc = store_open(st_path("v5.db"), kr, &st, &err);
	ok(rc == OPS_OK && store_schema_version(st) == store_schema_latest(),
	    "it migrates to the latest schema: %s", rc == OPS_OK ? "ok" :
	    err.msg);
	ok(rc == OPS_OK && store_job_get(st, job, &j, NULL) == OPS_OK &&
	    j->output_cap == 0 && j->connect_timeout_ms == 0,
	    "its old job reads no limits of its own");
	store_job_free(j);
	if (rc == OPS_OK) {
		st_exec(store_sqlite_handle(st), "PRAGMA user_version = 5");
		store_close(st);
		st = NULL;
		rc = store_open(st_path("v5.db"), kr, &st, &err);
	}
	ok(rc == OPS_OK && store_schema_version(st) == store_schema_latest(),
	    "migration 6 runs again over a store that has the columns: %s",
	    rc == OPS_OK ? "ok" : err.msg);
	store_close(st);
}

int
main(void)
{
	struct store_target_spec	 ts;
	struct keyring			*kr;
	struct store			*st = NULL;
	struct ops_err			 err;

	plan_no_plan();
	kr = st_keyring("k");
	if (store_open(st_path("store.db"), kr, &st, &err) != OPS_OK) {
		ok(0, "open store: %s", err.msg);
	} else {
		memset(&ts, 0, sizeof(ts));
		ts.name = "a";
		ts.host = "10.0.0.1";
		ok(store_target_add(st, &ts, NULL, &err) == OPS_OK,
		    "a target");
		test_caps(st);
		store_close(st);
	}
	test_migrate(kr);
	keyring_free(kr);
	st_cleanup();
	return exit_status();
}

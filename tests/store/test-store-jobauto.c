/*
 * test-store-jobauto.c: what an automation job keeps (store-jobauto.c,
 * migration 10). Parameter values come back in order, a secret's only
 * when asked to open it; the secret is sealed (its bytes are in no
 * column and nowhere in the store file, a sealed blob moved to another
 * parameter does not open); the pin sets the job's automation and
 * version; each run's batch and steps start queued, a step's state sets
 * started and finished and its exit and error; a skipped run has its
 * queued steps skipped; recovery fails the running steps of ended runs;
 * deleting the job deletes all of it.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "store-int.h"
#include "store-test.h"
#include "tap.h"

#define SECRET	"s3cr3t-hunter2-xyz"

static int64_t
add_job(struct store *st, struct ops_err *err)
{
	const char *const	targets[] = { "a", "b" };
	struct store_job_spec	js;
	int64_t			id = 0;

	memset(&js, 0, sizeof(js));
	js.command = "automation x version 1";
	js.requested_by = "uid:1000";
	js.targets = targets;
	js.ntargets = 2;
	if (store_job_add(st, &js, &id, err) != OPS_OK)
		return 0;
	return id;
}

static void
test_params(struct store *st, int64_t job, int64_t auto_id)
{
	struct store_param_spec		 sp[3];
	struct store_job_param_list	 l = { NULL, 0 };
	struct store_job		*j = NULL;
	struct secret			*sec = NULL;
	struct ops_err			 err;
	sqlite3				*db;

	(void)secret_from(SECRET, strlen(SECRET), &sec, &err);
	memset(sp, 0, sizeof(sp));
	sp[0].name = "q";
	sp[0].value = "it's $(x)\nline2";
	sp[1].name = "tok";
	sp[1].secret = sec;
	sp[2].name = "n";
	sp[2].value = "3";
	ok(store_job_params_add(st, job, sp, 3, &err) == OPS_OK,
	    "three values, one secret, stored");
	secret_free(sec);
	ok(store_job_params_get(st, job, 0, &l, &err) == OPS_OK && l.n == 3 &&
	    strcmp(l.v[0].name, "q") == 0 &&
	    strcmp(l.v[0].value, "it's $(x)\nline2") == 0 &&
	    strcmp(l.v[1].name, "tok") == 0 && l.v[1].secret &&
	    l.v[1].value == NULL && l.v[1].sealed_value == NULL &&
	    strcmp(l.v[2].value, "3") == 0,
	    "back in order; the secret only flagged, not opened");
	store_job_param_list_free(&l);
	ok(store_job_params_get(st, job, 1, &l, &err) == OPS_OK && l.n == 3 &&
	    l.v[1].sealed_value != NULL &&
	    secret_len(l.v[1].sealed_value) == strlen(SECRET) &&
	    memcmp(secret_cdata(l.v[1].sealed_value), SECRET,
	    strlen(SECRET)) == 0, "opened on request: the secret's bytes");
	store_job_param_list_free(&l);
	db = st_raw(st);
	ok(st_int(db, "SELECT count(*) FROM job_params WHERE value LIKE "
	    "'%hunter2%' OR CAST(sealed AS TEXT) LIKE '%hunter2%'") == 0 &&
	    st_int(db, "SELECT count(*) FROM job_params WHERE name = 'tok' "
	    "AND value IS NULL AND length(sealed) > 0") == 1,
	    "the secret is sealed: in no column as it is");
	/* the sealed blob under another parameter's name does not open */
	ok(st_exec(db, "UPDATE job_params SET name = 'other' WHERE name = "
	    "'tok'") == SQLITE_OK, "(a sealed blob moved to another name)");
	sqlite3_close(db);
	ok(store_job_params_get(st, job, 1, &l, &err) == OPS_E_CORRUPT &&
	    l.n == 0, "does not open: OPS_E_CORRUPT");
	ok(store_job_params_get(st, job, 0, &l, &err) == OPS_OK, "(unopened: "
	    "still listed)");
	store_job_param_list_free(&l);
	ok(store_job_auto_set(st, job, auto_id, "x", 1, &err) == OPS_OK &&
	    store_job_get(st, job, &j, &err) == OPS_OK &&
	    j->automation_id == auto_id && j->version == 1 &&
	    st_str_eq(j->automation, "x"), "the pin: automation and version");
	store_job_free(j);
}

static void
test_steps(struct store *st, int64_t job)
{
	const char *const		 steps[] = { "one", "two", "three" };
	struct store_run_list		 rl = { NULL, 0 };
	struct store_run_step_list	 sl = { NULL, 0 };
	struct store_run_auto_list	 al = { NULL, 0 };
	struct ops_err			 err;
	int64_t				 n = 0;
	sqlite3				*db;

	if (store_run_list(st, job, 0, &rl, &err) != OPS_OK || rl.n != 2) {
		ok(0, "the job's two runs");
		return;
	}
	ok(store_run_auto_add(st, rl.v[0].id, 1, steps, 3, &err) == OPS_OK &&
	    store_run_auto_add(st, rl.v[1].id, 2, steps, 3, &err) == OPS_OK,
	    "each run's batch and three steps");
	ok(store_run_auto_get(st, job, &al, &err) == OPS_OK && al.n == 2 &&
	    al.v[0].batch == 1 && al.v[1].batch == 2 && !al.v[0].skipped,
	    "batches read back");
	store_run_auto_list_free(&al);
	ok(store_run_step_set(st, rl.v[0].id, 0, "running", -1, NULL,
	    &err) == OPS_OK && store_run_step_set(st, rl.v[0].id, 0, "ok", 0,
	    NULL, &err) == OPS_OK && store_run_step_set(st, rl.v[0].id, 1,
	    "running", -1, NULL, &err) == OPS_OK &&
	    store_run_step_set(st, rl.v[0].id, 1, "failed", 3, "exit 3",
	    &err) == OPS_OK, "step states recorded");
	ok(store_run_step_set(st, rl.v[0].id, 0, "bogus", -1, NULL,
	    &err) != OPS_OK, "an unknown state is refused");
	ok(store_run_skip(st, rl.v[1].id, &err) == OPS_OK &&
	    store_run_finish(st, rl.v[1].id, STORE_RUN_CANCELLED, -1, 0,
	    "skipped", &err) == OPS_OK, "the second run skipped");
	ok(store_run_steps_get(st, job, &sl, &err) == OPS_OK && sl.n == 6 &&
	    strcmp(sl.v[0].state, "ok") == 0 && sl.v[0].exit_status == 0 &&
	    sl.v[0].started > 0 && sl.v[0].finished >= sl.v[0].started &&
	    strcmp(sl.v[1].state, "failed") == 0 && sl.v[1].exit_status == 3 &&
	    st_str_eq(sl.v[1].error, "exit 3") &&
	    strcmp(sl.v[2].state, "queued") == 0 && sl.v[2].finished == 0 &&
	    strcmp(sl.v[3].state, "skipped") == 0 &&
	    strcmp(sl.v[5].name, "three") == 0 &&
	    strcmp(sl.v[5].state, "skipped") == 0,
	    "steps read back per run, in order, with what happened");
	store_run_step_list_free(&sl);
	ok(store_run_auto_get(st, job, &al, &err) == OPS_OK && al.n == 2 &&
	    al.v[1].skipped, "the skipped run is flagged");
	store_run_auto_list_free(&al);
	/* a run that ended with a step left running (a crash) */
	(void)store_run_step_set(st, rl.v[0].id, 2, "running", -1, NULL, &err);
	(void)store_run_finish(st, rl.v[0].id, STORE_RUN_INTERRUPTED, -1, 0,
	    "opsicled stopped", &err);
	ok(store_run_steps_recover(st, &err) == OPS_OK &&
	    store_run_steps_get(st, job, &sl, &err) == OPS_OK &&
	    strcmp(sl.v[2].state, "failed") == 0 &&
	    st_str_eq(sl.v[2].error, "interrupted"),
	    "recovery: a running step of an ended run failed, interrupted");
	store_run_step_list_free(&sl);
	ok(store_job_delete(st, job, &err) == OPS_OK, "the job deleted");
	db = st_raw(st);
	n = st_int(db, "SELECT (SELECT count(*) FROM job_params) + (SELECT "
	    "count(*) FROM run_auto) + (SELECT count(*) FROM run_steps)");
	sqlite3_close(db);
	ok(n == 0, "and its values, batches and steps with it");
	store_run_list_free(&rl);
}

int
main(void)
{
	struct store_target_spec	 ta = { .name = "a", .host = "h1" };
	struct store_target_spec	 tb = { .name = "b", .host = "h2" };
	struct keyring			*kr;
	struct store			*st = NULL;
	struct ops_err			 err;
	int64_t				 job, auto_id = 0;

	plan(20);
	st_tmpdir();
	kr = st_keyring("jobauto");
	if (store_open(st_path("store.db"), kr, &st, &err) != OPS_OK) {
		diag("%s", err.msg);
		ok(0, "store opens");
		st_cleanup();
		return exit_status();
	}
	(void)store_target_add(st, &ta, NULL, &err);
	(void)store_target_add(st, &tb, NULL, &err);
	(void)store_automation_add(st, "x", NULL, STORE_AUTO_COMMAND, "true",
	    &auto_id, &err);
	job = add_job(st, &err);
	ok(job != 0 && auto_id != 0, "a job with two runs, an automation");
	test_params(st, job, auto_id);
	test_steps(st, job);
	store_close(st);
	ok(st_file_contains(st_path("store.db"), SECRET, strlen(SECRET)) == 0 &&
	    st_file_contains(st_path("store.db-wal"), SECRET,
	    strlen(SECRET)) != 1, "the secret is in no store file");
	keyring_free(kr);
	st_cleanup();
	return exit_status();
}

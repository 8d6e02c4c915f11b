/*
 * test-store-errclass.c: a run's error class in its own column
 * (runs.error_class). store_run_finish_class writes the class and the
 * message apart, store_run_get and a target's last run read them back,
 * an out-of-range result drops the class, an unknown class is refused;
 * and migration 5 converts the "class: message" errors of a schema-4
 * store (class names of the model only; other text is left whole).
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "store-int.h"
#include "store-test.h"
#include "tap.h"

/* A queued job on every target of names; its run list in *rl. */
static int64_t
add_job(struct store *st, const char *const *names, size_t n,
    struct store_run_list *rl)
{
	struct store_job_spec	js;
	int64_t			id = 0;

	memset(&js, 0, sizeof(js));
	js.command = "true";
	js.requested_by = "uid:1000";
	js.targets = names;
	js.ntargets = n;
	if (store_job_add(st, &js, &id, NULL) != OPS_OK ||
	    store_run_list(st, id, 0, rl, NULL) != OPS_OK || rl->n != n)
		return 0;
	return id;
}

static void
add_targets(struct store *st, const char *const *names, size_t n)
{
	struct store_target_spec	s;
	size_t				i;

	for (i = 0; i < n; i++) {
		memset(&s, 0, sizeof(s));
		s.name = names[i];
		s.host = "10.0.0.1";
		(void)store_target_add(st, &s, NULL, NULL);
	}
}

static void
test_finish(struct store *st)
{
	const char *const	 names[] = { "a", "b", "c" };
	struct store_run_list	 rl = { NULL, 0 };
	struct store_run	*r = NULL;
	struct store_target	*t = NULL;
	struct ops_err		 err;
	sqlite3			*db;
	int			 rc;

	add_targets(st, names, 3);
	if (add_job(st, names, 3, &rl) == 0) {
		ok(0, "a job with three runs");
		return;
	}
	rc = store_run_finish_class(st, rl.v[0].id, RUN_STATE_ERROR,
	    RUN_CLASS_REFUSED, -1, 0, "connect to a: refused", &err);
	is_int(rc, OPS_OK, "finish a run with a class");
	ok(store_run_get(st, rl.v[0].id, &r, &err) == OPS_OK &&
	    r->cls == RUN_CLASS_REFUSED &&
	    st_str_eq(r->error, "connect to a: refused"),
	    "the run reads back its class and its message apart");
	store_run_free(r);
	r = NULL;
	db = store_sqlite_handle(st);
	is_int(st_int(db, "SELECT count(*) FROM runs WHERE error_class ="
	    " 'connection-refused' AND error = 'connect to a: refused'"), 1,
	    "the column holds the class name, the error the message");
	ok(store_target_get(st, "a", &t, &err) == OPS_OK &&
	    t->last_run.cls == RUN_CLASS_REFUSED &&
	    st_str_eq(t->last_run.error, "connect to a: refused"),
	    "the target's last run has the class and the message");
	store_target_free(t);

	rc = store_run_finish_class(st, rl.v[1].id, RUN_STATE_FAILED,
	    RUN_CLASS_EXIT, 300, 0, "exit 300", &err);
	ok(rc == OPS_OK && store_run_get(st, rl.v[1].id, &r, &err) ==
	    OPS_OK && r->state == RUN_STATE_ERROR &&
	    r->cls == RUN_CLASS_NONE && r->error != NULL &&
	    strstr(r->error, "out of range") != NULL,
	    "an out-of-range exit status ends as an error with no class");
	store_run_free(r);
	r = NULL;

	rc = store_run_finish_class(st, rl.v[2].id, RUN_STATE_ERROR,
	    (enum run_class)99, -1, 0, "x", &err);
	is_int(rc, OPS_E_INVAL, "an unknown class is refused");
	rc = store_run_finish(st, rl.v[2].id, RUN_STATE_CANCELLED, -1, 0,
	    "cancelled", &err);
	ok(rc == OPS_OK && store_run_get(st, rl.v[2].id, &r, &err) ==
	    OPS_OK && r->cls == RUN_CLASS_NONE && st_str_eq(r->error,
	    "cancelled"), "store_run_finish writes no class");
	store_run_free(r);
	store_run_list_free(&rl);
}

/* Old-format errors and what migration 5 makes of them. */
static const struct {
	const char	*old;		/* runs.error at schema 4 */
	const char	*cls;		/* error_class after (NULL: none) */
	const char	*error;		/* error after */
} cases[] = {
	{ "exit: command exited with status 3", "exit",
	    "command exited with status 3" },
	{ "connection-refused: connect to t (h:22): refused",
	    "connection-refused", "connect to t (h:22): refused" },
	{ "connect-timeout: connect to t: timed out", "connect-timeout",
	    "connect to t: timed out" },
	{ "connect: no route", "connect", "no route" },
	{ "hostkey-unknown: host key of t is not known", "hostkey-unknown",
	    "host key of t is not known" },
	{ "config: no credential k", "config", "no credential k" },
	{ "interrupted: opsicled stopped", "interrupted",
	    "opsicled stopped" },
	{ "internal: out of memory", "internal", "out of memory" },
	{ "auth: a: b: c", "auth", "a: b: c" },
	{ "exit: ", "exit", "" },
	{ "cancelled", NULL, "cancelled" },
	{ "ok: not a class", NULL, "ok: not a class" },
	{ "frobnicate: unknown word", NULL, "frobnicate: unknown word" },
	{ "exitx: y", NULL, "exitx: y" },
	{ "Exit: y", NULL, "Exit: y" },
	{ "exit:no space", NULL, "exit:no space" },
	{ "", NULL, "" },
	{ NULL, NULL, NULL },
};
#define NCASES	(sizeof(cases) / sizeof(cases[0]))

/* A store at schema 4 (no error_class) whose runs hold the old errors. */
static int
make_v4(struct keyring *kr, const char *path)
{
	struct store_run_list	 rl = { NULL, 0 };
	const char		*names[NCASES];
	char			 name[16];
	struct store		*st = NULL;
	struct ops_err		 err;
	sqlite3			*db;
	sqlite3_stmt		*stmt = NULL;
	size_t			 i;
	int			 good = 1;
	static char		 bufs[NCASES][16];

	if (store_open(path, kr, &st, &err) != OPS_OK) {
		diag("open %s: %s", path, err.msg);
		return 0;
	}
	for (i = 0; i < NCASES; i++) {
		snprintf(name, sizeof(name), "t%zu", i);
		memcpy(bufs[i], name, sizeof(name));
		names[i] = bufs[i];
	}
	add_targets(st, names, NCASES);
	if (add_job(st, names, NCASES, &rl) == 0)
		good = 0;
	db = store_sqlite_handle(st);
	if (good && sqlite3_prepare_v2(db, "UPDATE runs SET state = 'error',"
	    " error = ?2, finished = 1 WHERE id = ?1", -1, &stmt, NULL) !=
	    SQLITE_OK)
		good = 0;
	for (i = 0; good && i < NCASES; i++) {
		sqlite3_bind_int64(stmt, 1, rl.v[i].id);
		if (cases[i].old != NULL)
			sqlite3_bind_text(stmt, 2, cases[i].old, -1,
			    SQLITE_STATIC);
		else
			sqlite3_bind_null(stmt, 2);
		good = sqlite3_step(stmt) == SQLITE_DONE;
		sqlite3_reset(stmt);
	}
	sqlite3_finalize(stmt);
	if (good && st_exec(db, "ALTER TABLE runs DROP COLUMN error_class;"
	    " PRAGMA user_version = 4") != SQLITE_OK)
		good = 0;
	store_run_list_free(&rl);
	store_close(st);
	return good;
}

static void
test_migrate(struct keyring *kr)
{
	struct store_run_list	 rl = { NULL, 0 };
	struct store_target	*t = NULL;
	struct store		*st = NULL;
	struct ops_err		 err;
	enum run_class		 want;
	const char		*cls;
	size_t			 i;
	int			 rc, same = 1;

	ok(make_v4(kr, st_path("v4.db")), "a schema-4 store with old-format "
	    "run errors");
	rc = store_open(st_path("v4.db"), kr, &st, &err);
	ok(rc == OPS_OK && store_schema_version(st) == store_schema_latest(),
	    "it migrates to the latest schema: %s", rc == OPS_OK ? "ok" :
	    err.msg);
	if (rc != OPS_OK)
		return;
	ok(store_run_list(st, 1, 0, &rl, &err) == OPS_OK && rl.n == NCASES,
	    "its runs are all there");
	for (i = 0; i < rl.n && i < NCASES; i++) {
		want = RUN_CLASS_NONE;
		if (cases[i].cls != NULL &&
		    run_class_parse(cases[i].cls, &want) != OPS_OK)
			same = 0;
		cls = rl.v[i].cls == RUN_CLASS_NONE ? NULL :
		    run_class_name(rl.v[i].cls);
		if (rl.v[i].cls != want ||
		    !st_str_eq(rl.v[i].error, cases[i].error)) {
			diag("%s: got (%s, %s), want (%s, %s)",
			    cases[i].old != NULL ? cases[i].old : "NULL",
			    cls != NULL ? cls : "NULL",
			    rl.v[i].error != NULL ? rl.v[i].error : "NULL",
			    cases[i].cls != NULL ? cases[i].cls : "NULL",
			    cases[i].error != NULL ? cases[i].error : "NULL");
			same = 0;
		}
	}
	ok(same, "every old error is split into class and message, or left "
	    "whole when it has no model class");
	ok(store_target_get(st, "t1", &t, &err) == OPS_OK &&
	    t->last_run.cls == RUN_CLASS_REFUSED &&
	    st_str_eq(t->last_run.error, "connect to t (h:22): refused"),
	    "a target's last run reads the converted row");
	store_target_free(t);
	store_run_list_free(&rl);
	store_close(st);

	/* A store whose version was set back but that has the column
	 * (as test-store-audit does) migrates again without failing. */
	rc = store_open(st_path("v4.db"), kr, &st, &err);
	if (rc == OPS_OK) {
		st_exec(store_sqlite_handle(st), "PRAGMA user_version = 4");
		store_close(st);
		st = NULL;
		rc = store_open(st_path("v4.db"), kr, &st, &err);
	}
	ok(rc == OPS_OK && store_schema_version(st) == store_schema_latest(),
	    "migration 5 runs again over a store that has the column: %s",
	    rc == OPS_OK ? "ok" : err.msg);
	store_close(st);
}

int
main(void)
{
	struct keyring	*kr;
	struct store	*st = NULL;
	struct ops_err	 err;

	plan_no_plan();
	kr = st_keyring("k");
	if (store_open(st_path("store.db"), kr, &st, &err) != OPS_OK) {
		ok(0, "open store: %s", err.msg);
	} else {
		test_finish(st);
		store_close(st);
	}
	test_migrate(kr);
	keyring_free(kr);
	st_cleanup();
	return exit_status();
}

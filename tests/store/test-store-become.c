/*
 * test-store-become.c: a job's become (table job_become, migration 7).
 * store_job_add keeps the become user and credential name and
 * store_job_get and store_job_list read them back; a job without one has
 * NULL; malformed users, a credential without a user and bad credential
 * names are refused with nothing written; deleting the job deletes its
 * become; and a schema-6 store migrates to one with the table.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "store-int.h"
#include "store-test.h"
#include "tap.h"

static int64_t
add_job(struct store *st, const char *user, const char *cred,
    struct ops_err *err)
{
	const char *const	targets[] = { "a" };
	struct store_job_spec	js;
	int64_t			id = 0;

	memset(&js, 0, sizeof(js));
	js.command = "id -u";
	js.requested_by = "uid:1000";
	js.targets = targets;
	js.ntargets = 1;
	js.become_user = user;
	js.become_cred = cred;
	if (store_job_add(st, &js, &id, err) != OPS_OK)
		return 0;
	return id;
}

static void
test_roundtrip(struct store *st)
{
	struct store_job	*j = NULL;
	struct store_job_list	 l = { NULL, 0 };
	struct ops_err		 err;
	int64_t			 a, b, c;
	size_t			 i;
	int			 good = 1;
	sqlite3			*db;

	a = add_job(st, "root", "sudopw", &err);
	b = add_job(st, NULL, NULL, &err);
	c = add_job(st, "#1000", NULL, &err);
	ok(a != 0 && b != 0 && c != 0, "jobs with and without a become");
	ok(store_job_get(st, a, &j, &err) == OPS_OK &&
	    st_str_eq(j->become_user, "root") && st_str_eq(j->become_cred,
	    "sudopw"), "store_job_get reads the become user and credential");
	store_job_free(j);
	j = NULL;
	ok(store_job_get(st, b, &j, &err) == OPS_OK &&
	    j->become_user == NULL && j->become_cred == NULL,
	    "a job without a become has none");
	store_job_free(j);
	j = NULL;
	ok(store_job_get(st, c, &j, &err) == OPS_OK &&
	    st_str_eq(j->become_user, "#1000") && j->become_cred == NULL,
	    "sudo's #UID is a user; no credential is NULL");
	store_job_free(j);
	if (store_job_list(st, NULL, &l, &err) != OPS_OK || l.n != 3)
		good = 0;
	for (i = 0; good && i < l.n; i++) {
		if (l.v[i].id == a)
			good = st_str_eq(l.v[i].become_user, "root") &&
			    st_str_eq(l.v[i].become_cred, "sudopw");
		else if (l.v[i].id == b)
			good = l.v[i].become_user == NULL;
		else
			good = st_str_eq(l.v[i].become_user, "#1000");
	}
	ok(good, "store_job_list reads them too");
	store_job_list_free(&l);

	ok(store_job_delete(st, a, &err) == OPS_OK, "the job is deleted");
	db = st_raw(st);
	ok(st_int(db, "SELECT count(*) FROM job_become") == 1,
	    "and its become with it (only #1000's is left)");
	sqlite3_close(db);
}

static void
test_refused(struct store *st)
{
	static const struct {
		const char	*user, *cred, *why;
	} bad[] = {
		{ "-u", NULL, "starts with '-'" },
		{ "a b", NULL, "not allowed" },
		{ "x;id", NULL, "not allowed" },
		{ "", NULL, "empty" },
		{ "#", NULL, "not allowed" },
		{ "#12a", NULL, "not allowed" },
		{ NULL, "sudopw", "no become user" },
		{ "root", "bad name", "not allowed" },
	};
	struct store_job_list	 l = { NULL, 0 };
	struct ops_err		 err;
	size_t			 i, before = 0;
	int			 good = 1;

	if (store_job_list(st, NULL, &l, NULL) == OPS_OK)
		before = l.n;
	store_job_list_free(&l);
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		memset(&err, 0, sizeof(err));
		if (add_job(st, bad[i].user, bad[i].cred, &err) != 0 ||
		    err.code != OPS_E_INVAL) {
			diag("%s/%s: accepted", bad[i].user ? bad[i].user :
			    "NULL", bad[i].cred ? bad[i].cred : "NULL");
			good = 0;
		}
		if (strstr(err.msg, bad[i].why) == NULL &&
		    strstr(err.msg, "empty") == NULL) {
			diag("%s: message \"%s\"", bad[i].why, err.msg);
			good = 0;
		}
	}
	ok(good, "malformed users and credential names are refused, saying "
	    "why");
	ok(store_job_list(st, NULL, &l, NULL) == OPS_OK && l.n == before,
	    "and no job was written");
	store_job_list_free(&l);
}

static void
test_migrate(struct keyring *kr)
{
	struct store		*st = NULL;
	struct store_job	*j = NULL;
	struct ops_err		 err;
	int64_t			 id;
	int			 rc;

	rc = store_open(st_path("v6.db"), kr, &st, &err);
	if (rc == OPS_OK) {
		st_exec(store_sqlite_handle(st), "DROP TABLE job_become;"
		    " PRAGMA user_version = 6");
		store_close(st);
		st = NULL;
		rc = store_open(st_path("v6.db"), kr, &st, &err);
	}
	ok(rc == OPS_OK && store_schema_version(st) == store_schema_latest(),
	    "a schema-6 store migrates to the latest: %s", rc == OPS_OK ?
	    "ok" : err.msg);
	if (rc != OPS_OK)
		return;
	(void)store_target_add(st, &(struct store_target_spec){ .name = "a",
	    .host = "h" }, NULL, NULL);
	id = add_job(st, "root", NULL, &err);
	ok(id != 0 && store_job_get(st, id, &j, &err) == OPS_OK &&
	    st_str_eq(j->become_user, "root"), "and keeps a become");
	store_job_free(j);
	store_close(st);
}

int
main(void)
{
	struct store_target_spec	 t = { .name = "a", .host = "h1" };
	struct keyring			*kr;
	struct store			*st = NULL;
	struct ops_err			 err;

	plan(11);
	st_tmpdir();
	kr = st_keyring("become");
	if (store_open(st_path("store.db"), kr, &st, &err) != OPS_OK) {
		diag("%s", err.msg);
		ok(0, "store opens");
		st_cleanup();
		return exit_status();
	}
	if (store_target_add(st, &t, NULL, &err) != OPS_OK)
		diag("add target: %s", err.msg);
	test_roundtrip(st);
	test_refused(st);
	store_close(st);
	test_migrate(kr);
	keyring_free(kr);
	st_cleanup();
	return exit_status();
}

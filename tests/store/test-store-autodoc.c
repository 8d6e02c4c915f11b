/*
 * test-store-autodoc.c: automation documents (migration 9). put creates
 * version 1, adds N+1 only when the format, document or files change
 * (files in any order count as the same), keeps the bytes exactly
 * (NUL, CR, no final newline) and the files in path order, with a sha256
 * that store_automation_hash recomputes; doc_get by name and by id, the
 * latest or a given version; refused input writes nothing; list and
 * versions carry the counts, actor and sizes; deleting an automation
 * keeps its jobs by name and version and drops its files; a schema-8
 * store migrates and keeps its command versions.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "store-int.h"
#include "store-test.h"
#include "tap.h"

static const unsigned char DOC1[] = "name: web\nsteps:\n  - command: true\n";
static const unsigned char DOC2[] = "name: web\r\nsteps: [{script: {file: "
	"a.sh}}]\r\n\0tail-no-newline";

static struct store_automation_file
mkfile(const char *path, const char *data)
{
	struct store_automation_file	f;

	f.path = (char *)path;
	f.data = (unsigned char *)data;
	f.len = data != NULL ? strlen(data) : 0;
	return f;
}

static int
versions(struct store *st, const char *name)
{
	struct store_automation	*a = NULL;
	int			 n = -1;

	if (store_automation_get(st, name, &a, NULL) == OPS_OK)
		n = a->versions;
	store_automation_free(a);
	return n;
}

static void
test_put(struct store *st)
{
	struct store_automation_file	 f[3];
	struct store_automation_doc	*d = NULL;
	struct ops_err			 err;
	char				 hex[65];
	int64_t				 id;
	int				 v, ch, rc;

	rc = store_automation_put(st, "web", "yaml", DOC1, sizeof(DOC1) - 1,
	    NULL, 0, "uid:1000", &v, &ch, &err);
	ok(rc == OPS_OK && v == 1 && ch == 1, "put creates version 1: %s",
	    rc == OPS_OK ? "ok" : err.msg);
	rc = store_automation_put(st, "web", "yaml", DOC1, sizeof(DOC1) - 1,
	    NULL, 0, "uid:1001", &v, &ch, &err);
	ok(rc == OPS_OK && v == 1 && ch == 0, "the same again is unchanged");
	f[0] = mkfile("b.txt", "bee\n");
	f[1] = mkfile("a.sh", "#!/bin/sh\necho a\n");
	rc = store_automation_put(st, "web", "yaml", DOC2, sizeof(DOC2) - 1,
	    f, 2, "uid:1000", &v, &ch, &err);
	ok(rc == OPS_OK && v == 2 && ch == 1, "a new document is version 2");
	f[2] = f[0];
	rc = store_automation_put(st, "web", "yaml", DOC2, sizeof(DOC2) - 1,
	    f + 1, 2, "uid:1000", &v, &ch, &err);
	ok(rc == OPS_OK && v == 2 && ch == 0, "files in another order: "
	    "unchanged");
	f[1] = mkfile("a.sh", "#!/bin/sh\necho A\n");
	rc = store_automation_put(st, "web", "yaml", DOC2, sizeof(DOC2) - 1,
	    f, 2, "uid:1000", &v, &ch, &err);
	ok(rc == OPS_OK && v == 3 && ch == 1, "only a file changed: "
	    "version 3");
	rc = store_automation_put(st, "web", "json", DOC2, sizeof(DOC2) - 1,
	    f, 2, "uid:1002", &v, &ch, &err);
	ok(rc == OPS_OK && v == 4 && ch == 1, "only the format changed: "
	    "version 4");
	f[0] = mkfile("empty", NULL);
	rc = store_automation_put(st, "other", "json", (const unsigned char *)
	    "{}", 2, f, 1, "uid:0", &v, &ch, &err);
	ok(rc == OPS_OK && v == 1 && ch == 1, "an empty file is a file");

	rc = store_automation_doc_get(st, "web", 3, &d, &err);
	ok(rc == OPS_OK && d->version == 3 && d->doc_len == sizeof(DOC2) - 1 &&
	    memcmp(d->doc, DOC2, d->doc_len) == 0 && strcmp(d->format,
	    "yaml") == 0 && strcmp(d->actor, "uid:1000") == 0 &&
	    strcmp(d->name, "web") == 0 && d->created > 0,
	    "version 3 is the document byte for byte (CR, NUL, no newline)");
	ok(rc == OPS_OK && d->nfiles == 2 && strcmp(d->files[0].path,
	    "a.sh") == 0 && d->files[0].len == 17 && memcmp(d->files[0].data,
	    "#!/bin/sh\necho A\n", 17) == 0 && strcmp(d->files[1].path,
	    "b.txt") == 0, "and its files, in path order");
	f[0] = mkfile("b.txt", "bee\n");
	ok(rc == OPS_OK && store_automation_hash(DOC2, sizeof(DOC2) - 1, f, 2,
	    hex) == OPS_OK && strcmp(hex, d->sha256) == 0 && strlen(hex) == 64,
	    "sha256 is of doc and files (%s)", hex);
	store_automation_doc_free(d);
	d = NULL;
	ok(store_automation_doc_get(st, "web", 0, &d, &err) == OPS_OK &&
	    d->version == 4 && strcmp(d->format, "json") == 0 &&
	    strcmp(d->actor, "uid:1002") == 0, "version 0 is the latest");
	id = d != NULL ? d->automation_id : 0;
	store_automation_doc_free(d);
	d = NULL;
	rc = store_automation_doc_get_id(st, id, 1, &d, &err);
	ok(d != NULL && rc == OPS_OK && d->version == 1 && d->nfiles == 0 &&
	    d->doc_len == sizeof(DOC1) - 1 && memcmp(d->doc, DOC1,
	    d->doc_len) == 0 && strcmp(d->actor, "uid:1000") == 0,
	    "by id, version 1 (the unchanged put kept the first actor)");
	store_automation_doc_free(d);
	d = NULL;
	ok(store_automation_doc_get(st, "nosuch", 0, &d, &err) ==
	    OPS_E_NOTFOUND && d == NULL && strstr(err.msg, "nosuch") != NULL,
	    "an unknown name: not found (%s)", err.msg);
	ok(store_automation_doc_get(st, "web", 9, &d, &err) ==
	    OPS_E_NOTFOUND && strstr(err.msg, "version 9") != NULL,
	    "an unknown version: not found (%s)", err.msg);
	ok(store_automation_doc_get(st, "web", -1, &d, &err) ==
	    OPS_E_NOTFOUND, "a negative version: not found");
	ok(store_automation_doc_get_id(st, 12345, 0, &d, &err) ==
	    OPS_E_NOTFOUND, "an unknown id: not found");
}

static void
test_refused(struct store *st)
{
	struct store_automation_file	 f[2];
	struct store_automation_file	*many;
	struct ops_err			 err;
	unsigned char			*big;
	size_t				 i;
	int				 v = 7, ch = 7, before;

	before = versions(st, "web");
	f[0] = mkfile("x", "1");
	f[1] = mkfile("x", "2");
	is_int(store_automation_put(st, "bad name", "yaml", DOC1, 3, NULL, 0,
	    "u", &v, &ch, &err), OPS_E_INVAL, "a bad name is refused");
	ok(v == 0 && ch == 0, "and the out values are cleared");
	is_int(store_automation_put(st, "web", "toml", DOC1, 3, NULL, 0, "u",
	    NULL, NULL, &err), OPS_E_INVAL, "a format not yaml/json: %s",
	    err.msg);
	is_int(store_automation_put(st, "web", "yaml", DOC1, 0, NULL, 0, "u",
	    NULL, NULL, &err), OPS_E_INVAL, "an empty document");
	is_int(store_automation_put(st, "web", "yaml", DOC1, 3, NULL, 0, "",
	    NULL, NULL, &err), OPS_E_INVAL, "no actor");
	is_int(store_automation_put(st, "web", "yaml", DOC1, 3, f, 2, "u",
	    NULL, NULL, &err), OPS_E_INVAL, "a path twice: %s", err.msg);
	f[1] = mkfile("a\nb", "2");
	is_int(store_automation_put(st, "web", "yaml", DOC1, 3, f, 2, "u",
	    NULL, NULL, &err), OPS_E_INVAL, "a newline in a path");
	f[1] = mkfile("", "2");
	is_int(store_automation_put(st, "web", "yaml", DOC1, 3, f, 2, "u",
	    NULL, NULL, &err), OPS_E_INVAL, "an empty path");
	big = calloc(1, STORE_AUTOTOTAL_MAX + 1);
	many = calloc(STORE_AUTOFILES_MAX + 1, sizeof(*many));
	if (big != NULL && many != NULL) {
		is_int(store_automation_put(st, "web", "yaml", big,
		    STORE_AUTODOC_MAX + 1, NULL, 0, "u", NULL, NULL, &err),
		    OPS_E_TOOBIG, "a document over the limit: %s", err.msg);
		f[0].data = big;
		f[0].len = STORE_AUTOTOTAL_MAX - 2;
		f[1] = mkfile("y", "22");
		is_int(store_automation_put(st, "web", "yaml", DOC1, 3, f, 2,
		    "u", NULL, NULL, &err), OPS_E_TOOBIG,
		    "doc and files over the total: %s", err.msg);
		for (i = 0; i <= STORE_AUTOFILES_MAX; i++)
			many[i] = mkfile("same", "1");
		is_int(store_automation_put(st, "web", "yaml", DOC1, 3, many,
		    STORE_AUTOFILES_MAX + 1, "u", NULL, NULL, &err),
		    OPS_E_TOOBIG, "too many files: %s", err.msg);
	} else
		skip(3, "no memory");
	free(big);
	free(many);
	is_int(versions(st, "web"), before, "nothing refused was written");
	is_int(versions(st, "bad name"), -1, "and no automation was made");
}

static void
test_lists(struct store *st)
{
	struct store_automation_list		 al = { NULL, 0 };
	struct store_automation_version_list	 vl = { NULL, 0 };
	struct ops_err				 err;

	ok(store_automation_list(st, &al, &err) == OPS_OK && al.n == 2 &&
	    strcmp(al.v[1].name, "web") == 0 && al.v[1].latest == 4 &&
	    al.v[1].versions == 4 && al.v[1].applied > 0 &&
	    al.v[1].applied_by != NULL && strcmp(al.v[1].applied_by,
	    "uid:1002") == 0, "list: latest, count, applied and by whom");
	store_automation_list_free(&al);
	ok(store_automation_versions(st, "web", &vl, &err) == OPS_OK &&
	    vl.n == 4 && vl.v[0].kind == STORE_AUTO_DOCUMENT &&
	    vl.v[0].body == NULL && strcmp(vl.v[0].format, "yaml") == 0 &&
	    vl.v[0].doc_len == sizeof(DOC1) - 1 && vl.v[0].nfiles == 0 &&
	    vl.v[2].nfiles == 2 && strlen(vl.v[2].sha256) == 64 &&
	    strcmp(vl.v[3].actor, "uid:1002") == 0,
	    "versions: kind, format, size, files, sha256, actor");
	store_automation_version_list_free(&vl);
}

static void
test_delete(struct store *st)
{
	struct store_automation_doc	*d = NULL;
	struct store_job		*j = NULL;
	struct ops_err			 err;
	sqlite3				*db;
	long long			 job;

	db = st_raw(st);
	ok(st_exec(db, "INSERT INTO jobs (automation_id, automation_name,"
	    " automation_version, command, requested_by, state, created)"
	    " SELECT id, name, 3, 'automation web', 'uid:1000', 'done', 1"
	    " FROM automations WHERE name = 'web'") == SQLITE_OK,
	    "a job of web version 3");
	job = st_int(db, "SELECT max(id) FROM jobs");
	ok(st_int(db, "SELECT count(*) FROM automation_files") == 7,
	    "7 stored files before (3 versions x 2, other 1)");
	sqlite3_close(db);
	ok(store_automation_delete(st, "web", &err) == OPS_OK,
	    "rm deletes the automation");
	ok(store_job_get(st, job, &j, &err) == OPS_OK && j->automation_id == 0 &&
	    j->automation != NULL && strcmp(j->automation, "web") == 0 &&
	    j->version == 3, "its job stays, by name and version");
	store_job_free(j);
	db = st_raw(st);
	ok(st_int(db, "SELECT count(*) FROM automation_files") == 1 &&
	    st_int(db, "SELECT count(*) FROM automation_versions") == 1,
	    "its versions and files are gone, the other's stay");
	sqlite3_close(db);
	is_int(versions(st, "web"), -1, "web is not found");
	is_int(store_automation_doc_get(st, "web", 0, &d, &err),
	    OPS_E_NOTFOUND, "nor its document");
	store_automation_doc_free(d);
}

/* A schema-8 store (automation_versions without documents) migrates. */
static void
test_migrate8(struct keyring *kr)
{
	static const char to8[] =
	    "DROP TABLE automation_files;"
	    "CREATE TABLE av8 ("
	    " automation_id INTEGER NOT NULL"
	    "  REFERENCES automations(id) ON DELETE CASCADE,"
	    " version INTEGER NOT NULL CHECK (version >= 1),"
	    " kind TEXT NOT NULL CHECK (kind IN ('command', 'script')),"
	    " body TEXT NOT NULL,"
	    " created INTEGER NOT NULL,"
	    " UNIQUE (automation_id, version));"
	    "INSERT INTO av8 SELECT automation_id, version, kind, body, created"
	    " FROM automation_versions;"
	    "DROP TABLE automation_versions;"
	    "ALTER TABLE av8 RENAME TO automation_versions;"
	    "PRAGMA user_version = 8";
	const char *const		 targets[] = { "t1" };
	struct store_target_spec	 ts;
	struct store_job_spec		 js;
	struct store_automation_version	*v = NULL;
	struct store_automation_doc	*d = NULL;
	struct store			*st = NULL;
	struct store_job		*j = NULL;
	struct ops_err			 err;
	int64_t				 job = 0;
	int				 rc, ver = 0, ch = 0;

	memset(&ts, 0, sizeof(ts));
	memset(&js, 0, sizeof(js));
	ts.name = "t1";
	ts.host = "127.0.0.1";
	js.automation = "old";
	js.requested_by = "uid:0";
	js.targets = targets;
	js.ntargets = 1;
	if ((rc = store_open(st_path("v8.db"), kr, &st, &err)) == OPS_OK &&
	    (rc = store_target_add(st, &ts, NULL, &err)) == OPS_OK &&
	    (rc = store_automation_add(st, "old", NULL, STORE_AUTO_COMMAND,
	    "uptime", NULL, &err)) == OPS_OK)
		rc = store_job_add(st, &js, &job, &err);
	if (rc == OPS_OK && st_exec(store_sqlite_handle(st), to8) != SQLITE_OK)
		rc = OPS_E_DB;
	ok(rc == OPS_OK, "a schema-8 store with a command automation and a "
	    "job: %s", rc == OPS_OK ? "ok" : err.msg);
	store_close(st);
	st = NULL;
	if (rc == OPS_OK)
		rc = store_open(st_path("v8.db"), kr, &st, &err);
	ok(rc == OPS_OK && store_schema_version(st) == store_schema_latest(),
	    "migrates to the latest schema: %s", rc == OPS_OK ? "ok" : err.msg);
	if (rc != OPS_OK)
		return;
	ok(store_automation_get_version(st, "old", 1, &v, &err) == OPS_OK &&
	    v->kind == STORE_AUTO_COMMAND && strcmp(v->body, "uptime") == 0 &&
	    v->format == NULL, "and keeps its command version");
	store_automation_version_free(v);
	ok(store_automation_doc_get(st, "old", 1, &d, &err) ==
	    OPS_E_NOTFOUND && strstr(err.msg, "not a document") != NULL,
	    "which is no document (%s)", err.msg);
	ok(store_automation_put(st, "old", "yaml", DOC1, sizeof(DOC1) - 1,
	    NULL, 0, "uid:0", &ver, &ch, &err) == OPS_OK && ver == 2 &&
	    ch == 1, "a document becomes its version 2");
	ok(store_job_get(st, job, &j, &err) == OPS_OK && j->automation_id > 0 &&
	    j->version == 1, "the job still points at it");
	store_job_free(j);
	ok(store_integrity_check(st, &err) == OPS_OK, "integrity ok");
	store_close(st);
}

int
main(void)
{
	struct keyring	*kr;
	struct store	*st = NULL;
	struct ops_err	 err;

	plan_no_plan();
	st_tmpdir();
	kr = st_keyring("main");
	if (store_open(st_path("store.db"), kr, &st, &err) != OPS_OK) {
		diag("%s", err.msg);
		ok(0, "store opens");
		st_cleanup();
		return exit_status();
	}
	test_put(st);
	test_refused(st);
	test_lists(st);
	test_delete(st);
	ok(store_integrity_check(st, &err) == OPS_OK, "integrity ok");
	store_close(st);
	test_migrate8(kr);
	keyring_free(kr);
	st_cleanup();
	return exit_status();
}

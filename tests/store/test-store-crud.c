/*
 * test-store-crud.c: create/get/list/update/delete of every entity, with
 * validation errors and duplicates changing nothing; sealed credential
 * secrets; run output cap; interrupted runs at restart.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "secret.h"
#include "store-int.h"
#include "store-test.h"
#include "tap.h"

static const char SECRET_MARK[] = "pw-MARKER-c0ffee-9d1e";
static const char PASS_MARK[] = "pp-MARKER-f00d-4471";

static int
target_count(struct store *st)
{
	struct store_target_list	l;
	int				n;

	if (store_target_list(st, NULL, &l, NULL) != OPS_OK)
		return -1;
	n = (int)l.n;
	store_target_list_free(&l);
	return n;
}

static void
test_targets(struct store *st)
{
	const char *const		 tags[] = { "web", "prod", "web" };
	const char *const		 tags2[] = { "db" };
	struct store_target_spec	 s = { 0 };
	struct store_target_update	 u = { 0 };
	struct store_target_filter	 f = { 0 };
	struct store_target_list	 l = { 0 };
	struct store_target		*t = NULL;
	struct store_hostkey_list	 hk = { 0 };
	struct ops_err			 err;
	const unsigned char		 blob[] = { 0, 1, 2, 3 };
	int64_t				 id = 0;
	char				 longname[80];

	s.name = "web1";
	s.host = "web1.example.org";
	s.user = "deploy";
	s.tags = tags;
	s.ntags = 3;
	s.notes = "first\nsecond line";
	ok(store_target_add(st, &s, &id, &err) == OPS_OK && id > 0,
	    "add target web1");
	ok(store_target_get(st, "web1", &t, &err) == OPS_OK &&
	    t->port == 22 && strcmp(t->host, "web1.example.org") == 0 &&
	    strcmp(t->user, "deploy") == 0 && t->ntags == 2 &&
	    strcmp(t->tags[0], "prod") == 0 &&
	    strcmp(t->tags[1], "web") == 0 && t->cred_name == NULL &&
	    t->created > 0 && t->updated == t->created,
	    "get web1: default port, sorted unique tags");
	store_target_free(t);
	t = NULL;

	is_int(store_target_add(st, &s, NULL, &err), OPS_E_EXISTS,
	    "duplicate target name refused");
	ok(strstr(err.msg, "web1") != NULL, "message names it: %s", err.msg);
	s.name = "web2";
	s.port = 70000;
	is_int(store_target_add(st, &s, NULL, &err), OPS_E_INVAL,
	    "port 70000 refused");
	ok(strcmp(err.msg, "target port 70000 out of range 1-65535") == 0,
	    "message: %s", err.msg);
	s.port = 2222;
	s.name = "-bad";
	is_int(store_target_add(st, &s, NULL, &err), OPS_E_INVAL,
	    "name starting with '-' refused");
	s.name = "bad name";
	is_int(store_target_add(st, &s, NULL, &err), OPS_E_INVAL,
	    "name with a space refused");
	memset(longname, 'a', 65);
	longname[65] = '\0';
	s.name = longname;
	is_int(store_target_add(st, &s, NULL, &err), OPS_E_INVAL,
	    "65-character name refused");
	longname[64] = '\0';
	s.name = "web2";
	s.host = "";
	is_int(store_target_add(st, &s, NULL, &err), OPS_E_INVAL,
	    "empty host refused");
	s.host = "10.1.2.3";
	s.credential = "nosuch";
	is_int(store_target_add(st, &s, NULL, &err), OPS_E_NOTFOUND,
	    "unknown credential refused");
	s.credential = NULL;
	s.tags = (const char *const[]){ "ok", "b@d" };
	s.ntags = 2;
	is_int(store_target_add(st, &s, NULL, &err), OPS_E_INVAL,
	    "bad tag refused");
	is_int(target_count(st), 1, "failed adds changed nothing");

	s.name = longname;
	s.tags = tags2;
	s.ntags = 1;
	ok(store_target_add(st, &s, NULL, &err) == OPS_OK,
	    "64-character name accepted");
	s.name = "db1";
	ok(store_target_add(st, &s, NULL, &err) == OPS_OK, "add db1");

	f.tag = "db";
	ok(store_target_list(st, &f, &l, &err) == OPS_OK && l.n == 2 &&
	    strcmp(l.v[1].name, "db1") == 0, "filter by tag");
	store_target_list_free(&l);
	f.tag = NULL;
	f.name_glob = "w*";
	ok(store_target_list(st, &f, &l, &err) == OPS_OK && l.n == 1 &&
	    strcmp(l.v[0].name, "web1") == 0, "filter by name glob");
	store_target_list_free(&l);
	f.tag = "web";
	f.name_glob = "d*";
	ok(store_target_list(st, &f, &l, &err) == OPS_OK && l.n == 0,
	    "glob and tag combine");
	store_target_list_free(&l);

	u.name = "web-1";
	u.port = 2200;
	u.user = "";
	u.set_tags = 1;
	u.tags = tags2;
	u.ntags = 1;
	ok(store_target_update(st, "web1", &u, &err) == OPS_OK,
	    "update: rename, port, clear user, replace tags");
	ok(store_target_get(st, "web-1", &t, &err) == OPS_OK &&
	    t->port == 2200 && t->user == NULL && t->ntags == 1 &&
	    strcmp(t->tags[0], "db") == 0 &&
	    strcmp(t->host, "web1.example.org") == 0 && t->id == id,
	    "update took effect, other fields kept");
	store_target_free(t);
	t = NULL;
	is_int(store_target_get(st, "web1", &t, &err), OPS_E_NOTFOUND,
	    "old name is gone");
	memset(&u, 0, sizeof(u));
	u.name = "db1";
	is_int(store_target_update(st, "web-1", &u, &err), OPS_E_EXISTS,
	    "rename onto an existing name refused");
	u.name = NULL;
	u.port = -5;
	is_int(store_target_update(st, "web-1", &u, &err), OPS_E_INVAL,
	    "update with bad port refused");
	is_int(store_target_update(st, "nosuch", &u, &err), OPS_E_INVAL,
	    "validation comes before lookup");
	u.port = 0;
	is_int(store_target_update(st, "nosuch", &u, &err), OPS_E_NOTFOUND,
	    "update of a missing target");

	ok(store_hostkey_add(st, "web-1", "ssh-ed25519",
	    "SHA256:abcDEF0123456789+/abc", blob, sizeof(blob), &err) ==
	    OPS_OK, "add host key");
	is_int(store_hostkey_add(st, "web-1", "ssh-ed25519",
	    "SHA256:abcDEF0123456789+/abc", NULL, 0, &err), OPS_E_EXISTS,
	    "same fingerprint twice refused");
	is_int(store_hostkey_add(st, "web-1", "ssh-ed25519", "MD5:aa", NULL, 0,
	    &err), OPS_E_INVAL, "non-SHA256 fingerprint refused");
	ok(store_hostkey_list(st, "web-1", &hk, &err) == OPS_OK &&
	    hk.n == 1 && hk.v[0].blob_len == 4 &&
	    memcmp(hk.v[0].blob, blob, 4) == 0 &&
	    strcmp(hk.v[0].type, "ssh-ed25519") == 0, "list host keys");
	store_hostkey_list_free(&hk);
	ok(store_hostkey_remove(st, "web-1", "SHA256:abcDEF0123456789+/abc",
	    &err) == OPS_OK, "remove host key");
	is_int(store_hostkey_remove(st, "web-1", "SHA256:abcDEF0123456789+/abc",
	    &err), OPS_E_NOTFOUND, "remove again: not found");

	ok(store_target_delete(st, "db1", &err) == OPS_OK, "delete db1");
	is_int(store_target_delete(st, "db1", &err), OPS_E_NOTFOUND,
	    "delete again: not found");
	is_int(target_count(st), 2, "two targets left");
}

static int
make_secret(const char *s, struct secret **out)
{
	return secret_from(s, strlen(s), out, NULL);
}

static void
test_creds(struct store *st)
{
	struct store_cred_spec		 cs = { 0 };
	struct store_cred_update	 cu = { 0 };
	struct store_target_update	 tu = { 0 };
	struct store_cred		*c = NULL;
	struct store_cred_list		 cl = { 0 };
	struct store_target		*t = NULL;
	struct secret			*pw = NULL, *pp = NULL, *got = NULL;
	struct ops_err			 err;
	sqlite3				*db;
	const void			*raw;
	int				 n, has_mark = 1;

	make_secret(SECRET_MARK, &pw);
	make_secret(PASS_MARK, &pp);
	cs.name = "ops-pw";
	cs.kind = STORE_CRED_PASSWORD;
	cs.username = "ops";
	cs.secret = pw;
	if (!ok(store_cred_add(st, &cs, NULL, &err) == OPS_OK,
	    "add password credential"))
		diag("%s", err.msg);
	cs.name = "ops-key";
	cs.kind = STORE_CRED_SSH_KEY_PASSPHRASE;
	cs.pubkey = "ssh-ed25519 AAAAC3Nza test";
	cs.passphrase = pp;
	ok(store_cred_add(st, &cs, NULL, &err) == OPS_OK,
	    "add key credential with passphrase");
	cs.name = "agent";
	cs.kind = STORE_CRED_AGENT;
	cs.secret = cs.passphrase = NULL;
	cs.pubkey = NULL;
	ok(store_cred_add(st, &cs, NULL, &err) == OPS_OK,
	    "add agent credential");
	is_int(store_cred_add(st, &cs, NULL, &err), OPS_E_EXISTS,
	    "duplicate credential refused");
	cs.name = "nopw";
	cs.kind = STORE_CRED_PASSWORD;
	is_int(store_cred_add(st, &cs, NULL, &err), OPS_E_INVAL,
	    "password credential without a secret refused");
	cs.kind = STORE_CRED_AGENT;
	cs.secret = pw;
	is_int(store_cred_add(st, &cs, NULL, &err), OPS_E_INVAL,
	    "agent credential with a secret refused");
	ok(strstr(err.msg, SECRET_MARK) == NULL, "error holds no secret");

	ok(store_cred_list(st, &cl, &err) == OPS_OK && cl.n == 3 &&
	    strcmp(cl.v[0].name, "agent") == 0 && !cl.v[0].has_secret &&
	    cl.v[1].kind == STORE_CRED_SSH_KEY_PASSPHRASE &&
	    cl.v[1].has_passphrase && cl.v[2].has_secret &&
	    strlen(cl.v[2].uuid) == 36, "list credentials");
	store_cred_list_free(&cl);

	ok(store_cred_open_secret(st, "ops-pw", "secret", &got, &err) ==
	    OPS_OK && secret_len(got) == strlen(SECRET_MARK) &&
	    memcmp(secret_cdata(got), SECRET_MARK, strlen(SECRET_MARK)) == 0,
	    "open_secret returns the password");
	secret_free(got);
	got = NULL;
	ok(store_cred_open_secret(st, "ops-key", "passphrase", &got, &err) ==
	    OPS_OK && secret_len(got) == strlen(PASS_MARK),
	    "open_secret returns the passphrase");
	secret_free(got);
	got = NULL;
	is_int(store_cred_open_secret(st, "ops-pw", "passphrase", &got, &err),
	    OPS_E_NOTFOUND, "absent field: not found");
	is_int(store_cred_open_secret(st, "ops-pw", "bogus", &got, &err),
	    OPS_E_INVAL, "unknown field refused");

	/* an agent credential keeps its socket path; only agents have one */
	memset(&cs, 0, sizeof(cs));
	cs.name = "agent-sock";
	cs.kind = STORE_CRED_AGENT;
	cs.agent_socket = "/run/user/1000/agent.sock";
	ok(store_cred_add(st, &cs, NULL, &err) == OPS_OK &&
	    store_cred_get(st, "agent-sock", &c, &err) == OPS_OK &&
	    c->agent_socket != NULL &&
	    strcmp(c->agent_socket, cs.agent_socket) == 0,
	    "an agent credential keeps its socket path");
	store_cred_free(c);
	c = NULL;
	cs.name = "agent-rel";
	cs.agent_socket = "agent.sock";
	is_int(store_cred_add(st, &cs, NULL, &err), OPS_E_INVAL,
	    "a relative agent socket path is refused");
	cs.name = "pw-sock";
	cs.kind = STORE_CRED_PASSWORD;
	cs.secret = pw;
	cs.agent_socket = "/run/agent.sock";
	is_int(store_cred_add(st, &cs, NULL, &err), OPS_E_INVAL,
	    "a password credential with an agent socket is refused");
	cs.agent_socket = NULL;
	ok(store_cred_delete(st, "agent-sock", &err) == OPS_OK,
	    "remove the agent credential again");

	db = st_raw(st);
	if (db != NULL) {
		sqlite3_stmt *stmt;
		if (sqlite3_prepare_v2(db, "SELECT secret FROM credentials "
		    "WHERE name = 'ops-pw'", -1, &stmt, NULL) == SQLITE_OK &&
		    sqlite3_step(stmt) == SQLITE_ROW) {
			raw = sqlite3_column_blob(stmt, 0);
			n = sqlite3_column_bytes(stmt, 0);
			has_mark = n != (int)(strlen(SECRET_MARK) + 41) ||
			    memmem(raw, n, SECRET_MARK,
			    strlen(SECRET_MARK)) != NULL;
		}
		sqlite3_finalize(stmt);
		ok(!has_mark, "raw secret column is sealed, not plaintext");
		/* Swap the sealed blobs: bound to their owner, they fail. */
		st_exec(db, "UPDATE credentials SET secret = (SELECT secret "
		    "FROM credentials WHERE name = 'ops-key') "
		    "WHERE name = 'ops-pw'");
		sqlite3_close(db);
		is_int(store_cred_open_secret(st, "ops-pw", "secret", &got,
		    &err), OPS_E_CORRUPT, "a blob moved between rows fails");
		secret_free(got);
		got = NULL;
	} else
		skip(2, "raw handle did not open");

	cu.secret = pw;
	cu.username = "";
	ok(store_cred_update(st, "ops-pw", &cu, &err) == OPS_OK,
	    "update: new secret, clear username");
	ok(store_cred_open_secret(st, "ops-pw", "secret", &got, &err) ==
	    OPS_OK && secret_len(got) == strlen(SECRET_MARK),
	    "replaced secret opens");
	secret_free(got);
	got = NULL;
	ok(store_cred_get(st, "ops-pw", &c, &err) == OPS_OK &&
	    c->username == NULL && c->kind == STORE_CRED_PASSWORD,
	    "username cleared");
	store_cred_free(c);
	c = NULL;
	memset(&cu, 0, sizeof(cu));
	cu.passphrase = pp;
	is_int(store_cred_update(st, "ops-pw", &cu, &err), OPS_E_INVAL,
	    "passphrase on a password credential refused");

	tu.credential = "ops-pw";
	ok(store_target_update(st, "web-1", &tu, &err) == OPS_OK,
	    "target uses credential");
	ok(store_target_get(st, "web-1", &t, &err) == OPS_OK &&
	    t->cred_name != NULL && strcmp(t->cred_name, "ops-pw") == 0,
	    "target shows credential name");
	store_target_free(t);
	is_int(store_cred_delete(st, "ops-pw", &err), OPS_E_INVAL,
	    "credential in use is not deleted");
	ok(strstr(err.msg, "web-1") != NULL, "message names the user: %s",
	    err.msg);
	tu.credential = "";
	ok(store_target_update(st, "web-1", &tu, &err) == OPS_OK &&
	    store_cred_delete(st, "ops-pw", &err) == OPS_OK,
	    "clear credential, then delete it");
	is_int(store_cred_get(st, "ops-pw", &c, &err), OPS_E_NOTFOUND,
	    "deleted credential is gone");

	/* Leave a sealed secret in place for the file scan. */
	cs.name = "scan-pw";
	cs.kind = STORE_CRED_PASSWORD;
	cs.secret = pw;
	ok(store_cred_add(st, &cs, NULL, &err) == OPS_OK, "add scan-pw");
	secret_free(pw);
	secret_free(pp);
}

static void
test_automations(struct store *st)
{
	struct store_automation			*a = NULL;
	struct store_automation_version		*v = NULL;
	struct store_automation_version_list	 vl = { 0 };
	struct store_automation_list		 al = { 0 };
	struct ops_err				 err;
	int					 version = 0;

	ok(store_automation_add(st, "uptime", "show uptime",
	    STORE_AUTO_COMMAND, "uptime", NULL, &err) == OPS_OK,
	    "add automation");
	is_int(store_automation_add(st, "uptime", NULL, STORE_AUTO_COMMAND,
	    "x", NULL, &err), OPS_E_EXISTS, "duplicate automation refused");
	is_int(store_automation_add(st, "empty", NULL, STORE_AUTO_COMMAND, "",
	    NULL, &err), OPS_E_INVAL, "empty body refused");
	is_int(store_automation_add(st, "nl", NULL, STORE_AUTO_COMMAND,
	    "a\nb", NULL, &err), OPS_E_INVAL,
	    "newline in a command refused");
	ok(store_automation_add_version(st, "uptime", STORE_AUTO_SCRIPT,
	    "#!/bin/sh\nuptime\n", &version, &err) == OPS_OK && version == 2,
	    "second version is 2");
	ok(store_automation_add_version(st, "uptime", STORE_AUTO_COMMAND,
	    "uptime -p", &version, &err) == OPS_OK && version == 3,
	    "third version is 3");
	is_int(store_automation_add_version(st, "nosuch", STORE_AUTO_COMMAND,
	    "x", &version, &err), OPS_E_NOTFOUND, "version of missing");
	ok(store_automation_get(st, "uptime", &a, &err) == OPS_OK &&
	    a->latest == 3 && strcmp(a->description, "show uptime") == 0,
	    "get automation");
	store_automation_free(a);
	ok(store_automation_get_version(st, "uptime", 2, &v, &err) ==
	    OPS_OK && v->kind == STORE_AUTO_SCRIPT &&
	    strcmp(v->body, "#!/bin/sh\nuptime\n") == 0, "get version 2");
	store_automation_version_free(v);
	ok(store_automation_get_version(st, "uptime", 0, &v, &err) ==
	    OPS_OK && v->version == 3, "version 0 means latest");
	store_automation_version_free(v);
	is_int(store_automation_get_version(st, "uptime", 9, &v, &err),
	    OPS_E_NOTFOUND, "missing version");
	ok(store_automation_versions(st, "uptime", &vl, &err) == OPS_OK &&
	    vl.n == 3 && vl.v[0].version == 1 && vl.v[2].version == 3,
	    "list versions");
	store_automation_version_list_free(&vl);
	ok(store_automation_update(st, "uptime", "up", "", &err) == OPS_OK &&
	    store_automation_get(st, "up", &a, &err) == OPS_OK &&
	    a->description == NULL, "rename and clear description");
	store_automation_free(a);
	ok(store_automation_add(st, "tmp", NULL, STORE_AUTO_COMMAND, "true",
	    NULL, &err) == OPS_OK && store_automation_delete(st, "tmp",
	    &err) == OPS_OK, "add and delete");
	ok(store_automation_list(st, &al, &err) == OPS_OK && al.n == 1 &&
	    strcmp(al.v[0].name, "up") == 0, "list automations");
	store_automation_list_free(&al);
}

static void
test_jobs(struct store *st)
{
	const char *const		 targets[] = { "web-1", "scan-t" };
	struct store_target_spec	 ts = { .name = "scan-t",
					     .host = "127.0.0.1" };
	struct store_job_spec		 js = { 0 };
	struct store_job_filter		 jf = { 0 };
	struct store_job		*j = NULL;
	struct store_job_list		 jl = { 0 };
	struct store_run_list		 rl = { 0 };
	struct store_run		*r = NULL;
	struct ops_err			 err;
	unsigned char			 chunk[700];
	int64_t				 job = 0, job2 = 0, n = 0;
	size_t				 i;
	int				 okc = 1;

	store_target_add(st, &ts, NULL, NULL);
	js.automation = "up";
	js.version = 2;
	js.requested_by = "uid:1000";
	js.targets = targets;
	js.ntargets = 2;
	ok(store_job_add(st, &js, &job, &err) == OPS_OK && job > 0,
	    "add automation job");
	ok(store_job_get(st, job, &j, &err) == OPS_OK &&
	    j->state == STORE_JOB_QUEUED && j->version == 2 &&
	    strcmp(j->command, "#!/bin/sh\nuptime\n") == 0 &&
	    strcmp(j->automation, "up") == 0, "job takes version 2's body");
	store_job_free(j);
	j = NULL;
	js.targets = (const char *const[]){ "web-1", "nosuch" };
	is_int(store_job_add(st, &js, NULL, &err), OPS_E_NOTFOUND,
	    "job with a missing target refused");
	js.targets = (const char *const[]){ "web-1", "web-1" };
	is_int(store_job_add(st, &js, NULL, &err), OPS_E_INVAL,
	    "job listing a target twice refused");
	js.targets = targets;
	js.automation = NULL;
	is_int(store_job_add(st, &js, NULL, &err), OPS_E_INVAL,
	    "job without automation or command refused");
	js.command = "hostname";
	js.ntargets = 1;
	ok(store_job_add(st, &js, &job2, &err) == OPS_OK, "add ad-hoc job");
	ok(store_job_list(st, NULL, &jl, &err) == OPS_OK && jl.n == 2 &&
	    jl.v[0].id == job2, "two jobs, newest first (no orphans)");
	store_job_list_free(&jl);

	ok(store_run_list(st, job, 0, &rl, &err) == OPS_OK && rl.n == 2 &&
	    strcmp(rl.v[0].target, "web-1") == 0 &&
	    rl.v[0].state == STORE_RUN_QUEUED && rl.v[0].exit_status == -1,
	    "job has two queued runs");
	if (rl.n == 2) {
		int64_t r0 = rl.v[0].id, r1 = rl.v[1].id;

		store_set_output_cap(st, 2000);
		for (i = 0; i < sizeof(chunk); i++)
			chunk[i] = (unsigned char)(i * 31);	/* has NULs */
		ok(store_run_start(st, r0, &err) == OPS_OK, "start run");
		is_int(store_run_start(st, r0, &err), OPS_E_INVAL,
		    "start twice refused");
		for (i = 0; i < 4; i++)
			okc &= store_run_append_output(st, r0, STORE_STDOUT,
			    chunk, sizeof(chunk), &err) == OPS_OK;
		okc &= store_run_append_output(st, r0, STORE_STDERR, "oops\n",
		    5, &err) == OPS_OK;
		ok(okc, "append output past the cap");
		ok(store_run_get(st, r0, &r, &err) == OPS_OK &&
		    r->out_len == 2000 && r->out_bytes == 2800 &&
		    r->out_truncated && !r->err_truncated &&
		    r->errout_len == 5 && memcmp(r->errout, "oops\n", 5) == 0 &&
		    memcmp(r->out, chunk, 700) == 0 &&
		    memcmp(r->out + 1400, chunk, 600) == 0,
		    "stdout kept up to the cap, flagged truncated");
		store_run_free(r);
		r = NULL;
		ok(store_run_finish(st, r0, STORE_RUN_OK, 0, 0, NULL, &err) ==
		    OPS_OK, "finish run ok");
		is_int(store_run_finish(st, r0, STORE_RUN_FAILED, 1, 0, NULL,
		    &err), OPS_E_INVAL, "finish twice refused");
		is_int(store_run_finish(st, r1, STORE_RUN_RUNNING, 0, 0, NULL,
		    &err), OPS_E_INVAL, "non-final state refused");
		is_int(store_run_finish(st, 999999, STORE_RUN_OK, 0, 0, NULL,
		    &err), OPS_E_NOTFOUND, "finish of a missing run");
		is_int(store_run_append_output(st, 999999, STORE_STDOUT, "x",
		    1, &err), OPS_E_NOTFOUND, "append to a missing run");
		ok(store_run_start(st, r1, &err) == OPS_OK &&
		    store_job_set_state(st, job, STORE_JOB_RUNNING, &err) ==
		    OPS_OK, "second run and job running");
	} else
		skip(11, "runs missing");
	store_run_list_free(&rl);

	okc = store_runs_mark_interrupted(st, &n, &err) == OPS_OK;
	ok(okc && n == 2, "restart marks 2 runs interrupted (%lld)",
	    (long long)n);
	ok(store_run_list(st, job, 0, &rl, &err) == OPS_OK && rl.n == 2 &&
	    rl.v[0].state == STORE_RUN_OK &&
	    rl.v[1].state == STORE_RUN_INTERRUPTED && rl.v[1].finished > 0,
	    "finished run kept, running one interrupted");
	store_run_list_free(&rl);
	jf.state = STORE_JOB_INTERRUPTED;
	ok(store_job_list(st, &jf, &jl, &err) == OPS_OK && jl.n == 2,
	    "both jobs interrupted");
	store_job_list_free(&jl);
	jf.state = 0;
	jf.limit = 1;
	ok(store_job_list(st, &jf, &jl, &err) == OPS_OK && jl.n == 1,
	    "limit 1");
	store_job_list_free(&jl);

	ok(store_target_delete(st, "scan-t", &err) == OPS_OK &&
	    store_run_list(st, job, 0, &rl, &err) == OPS_OK && rl.n == 2 &&
	    rl.v[1].target_id == 0 && strcmp(rl.v[1].target, "scan-t") == 0,
	    "deleting a target keeps its runs by name");
	store_run_list_free(&rl);
	ok(store_job_delete(st, job, &err) == OPS_OK &&
	    store_run_list(st, job, 0, &rl, &err) == OPS_OK && rl.n == 0,
	    "deleting a job deletes its runs");
	store_run_list_free(&rl);
	ok(store_automation_delete(st, "up", &err) == OPS_OK, "delete "
	    "automation with jobs");
}

static void
scan_files(void)
{
	const char	*files[] = { "store.db", "store.db-wal" };
	size_t		 i;
	int		 c;

	for (i = 0; i < 2; i++) {
		c = st_file_contains(st_path(files[i]), SECRET_MARK,
		    strlen(SECRET_MARK));
		ok(c == 0 || (c == -1 && i == 1),
		    "%s holds no secret marker", files[i]);
		c = st_file_contains(st_path(files[i]), "web1.example.org",
		    16);
		ok(c == 0 || (c == -1 && i == 1),
		    "%s holds no plaintext row data", files[i]);
	}
}

/* A store of schema 5 (no credentials.agent_socket) migrates, keeps its
 * credentials, and takes agent credentials with a socket. */
static void
test_migrate_agent_socket(struct keyring *kr)
{
	struct store_cred_spec	 cs = { 0 };
	struct store_cred	*c = NULL;
	struct store		*st = NULL;
	struct ops_err		 err;
	int			 rc;

	if ((rc = store_open(st_path("v5.db"), kr, &st, &err)) == OPS_OK) {
		cs.name = "old-agent";
		cs.kind = STORE_CRED_AGENT;
		rc = store_cred_add(st, &cs, NULL, &err);
	}
	if (rc == OPS_OK && (st_exec(store_sqlite_handle(st), "ALTER TABLE "
	    "credentials DROP COLUMN agent_socket; PRAGMA user_version = 5") !=
	    SQLITE_OK))
		rc = OPS_E_DB;
	store_close(st);
	st = NULL;
	if (rc == OPS_OK)
		rc = store_open(st_path("v5.db"), kr, &st, &err);
	ok(rc == OPS_OK && store_schema_version(st) == store_schema_latest() &&
	    store_cred_get(st, "old-agent", &c, &err) == OPS_OK &&
	    c->agent_socket == NULL, "a schema 5 store migrates and keeps its "
	    "agent credential (no socket): %s", rc == OPS_OK ? "ok" : err.msg);
	store_cred_free(c);
	c = NULL;
	cs.name = "new-agent";
	cs.agent_socket = "/run/agent.sock";
	ok(st != NULL && store_cred_add(st, &cs, NULL, &err) == OPS_OK &&
	    store_cred_get(st, "new-agent", &c, &err) == OPS_OK &&
	    c->agent_socket != NULL && strcmp(c->agent_socket,
	    "/run/agent.sock") == 0, "and takes an agent socket after it");
	store_cred_free(c);
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
	test_targets(st);
	test_creds(st);
	test_automations(st);
	test_jobs(st);
	scan_files();
	ok(store_integrity_check(st, &err) == OPS_OK, "integrity ok");
	store_close(st);
	scan_files();
	test_migrate_agent_socket(kr);
	keyring_free(kr);
	st_cleanup();
	return exit_status();
}

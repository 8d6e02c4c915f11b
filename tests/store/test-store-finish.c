/*
 * test-store-finish.c: text a target sent can never keep a run
 * "running" nor keep a refusal out of the audit trail. store_run_finish
 * stores an error with control characters escaped (and cut to fit), and
 * ends a run whose exit status is out of range as an error;
 * store_jobs_recover ends runs a finished job left running; audit
 * records whose object, detail or result hold ESC are appended escaped
 * and the chain verifies.
 */
#include "config.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "store-test.h"
#include "tap.h"

/* No byte below 0x20 but TAB and LF, no DEL, no C1 byte. */
static int
printable(const char *s)
{
	const unsigned char	*p;

	if (s == NULL)
		return 0;
	for (p = (const unsigned char *)s; *p != '\0'; p++)
		if ((*p < 0x20 && *p != '\t' && *p != '\n') || *p == 0x7f ||
		    (*p >= 0x80 && *p <= 0x9f && (p == (const unsigned char *)s
		    || p[-1] == 0xc2)))
			return 0;
	return 1;
}

static int64_t
add_job(struct store *st, struct store_run_list *rl)
{
	const char *const	targets[] = { "a", "b", "c" };
	struct store_job_spec	js;
	int64_t			id = 0;

	memset(&js, 0, sizeof(js));
	js.command = "kill -TERM $$";
	js.requested_by = "uid:1000";
	js.targets = targets;
	js.ntargets = 3;
	if (store_job_add(st, &js, &id, NULL) != OPS_OK ||
	    store_run_list(st, id, 0, rl, NULL) != OPS_OK || rl->n != 3)
		return 0;
	return id;
}

static struct store_run *
get_run(struct store *st, int64_t id)
{
	struct store_run	*r = NULL;

	(void)store_run_get(st, id, &r, NULL);
	return r;
}

static void
test_runs(struct store *st)
{
	struct store_run_list	 rl = { NULL, 0 };
	struct store_run	*r;
	struct ops_err		 err;
	char			*big;
	int64_t			 job, n = -1;
	int			 rc;

	if ((job = add_job(st, &rl)) == 0) {
		ok(0, "a job with three runs");
		skip(8, "no job");
		return;
	}
	ok(1, "a job with three runs");
	store_job_set_state(st, job, STORE_JOB_RUNNING, NULL);
	store_run_start(st, rl.v[0].id, NULL);
	store_run_start(st, rl.v[1].id, NULL);
	store_run_start(st, rl.v[2].id, NULL);

	rc = store_run_finish(st, rl.v[0].id, STORE_RUN_FAILED, -1, 15,
	    "signal: command on a was killed by signal \x1b]0;pwned-sig\x07"
	    "\x1b[2JTERM \xc2\x9b\x9b\xff", &err);
	ok(rc == OPS_OK, "a finish whose error holds ESC, BEL, C1 and bad "
	    "UTF-8 succeeds (%s)", rc == OPS_OK ? "ok" : err.msg);
	r = get_run(st, rl.v[0].id);
	ok(r != NULL && r->state == STORE_RUN_FAILED && r->signal == 15,
	    "the run is finished, failed by signal 15");
	ok(r != NULL && r->error != NULL && strcmp(r->error, "signal: "
	    "command on a was killed by signal \\x1b]0;pwned-sig\\x07\\x1b[2J"
	    "TERM \\xc2\\x9b\\x9b\\xff") == 0, "its error is stored escaped "
	    "(%s)", r != NULL && r->error != NULL ? r->error : "none");
	store_run_free(r);

	big = malloc(3001);
	if (big != NULL) {
		memset(big, 0x1b, 3000);
		big[3000] = '\0';
	}
	rc = store_run_finish(st, rl.v[1].id, STORE_RUN_ERROR, -1, 0, big,
	    &err);
	free(big);
	r = get_run(st, rl.v[1].id);
	ok(rc == OPS_OK && r != NULL && r->state == STORE_RUN_ERROR &&
	    r->error != NULL && strlen(r->error) <= 4096 &&
	    strlen(r->error) % 4 == 0 && printable(r->error),
	    "an error that grows past the limit when escaped is cut to fit, "
	    "at a whole escape (%zu bytes)", r != NULL && r->error != NULL ?
	    strlen(r->error) : 0);
	store_run_free(r);

	rc = store_run_finish(st, rl.v[2].id, STORE_RUN_FAILED, 1000, 0, NULL,
	    &err);
	r = get_run(st, rl.v[2].id);
	ok(rc == OPS_OK && r != NULL && r->state == STORE_RUN_ERROR &&
	    r->exit_status == -1 && r->error != NULL &&
	    strstr(r->error, "exit status 1000") != NULL,
	    "exit status 1000 (a target may send it) ends the run as an "
	    "error that says so (%s)", r != NULL && r->error != NULL ?
	    r->error : "none");
	store_run_free(r);
	store_run_list_free(&rl);

	/* A job that ended with a run left running (a finish that failed
	 * before this fix): the next start finishes it. */
	if ((job = add_job(st, &rl)) == 0) {
		skip(3, "no second job");
		return;
	}
	store_job_set_state(st, job, STORE_JOB_RUNNING, NULL);
	store_run_start(st, rl.v[0].id, NULL);
	store_run_finish(st, rl.v[1].id, STORE_RUN_OK, 0, 0, NULL, NULL);
	store_run_finish(st, rl.v[2].id, STORE_RUN_OK, 0, 0, NULL, NULL);
	store_job_set_state(st, job, STORE_JOB_FAILED, NULL);
	rc = store_jobs_recover(st, &n, &err);
	ok(rc == OPS_OK && n == 1,
	    "recover ends the one run a failed job left running (%lld)",
	    (long long)n);
	r = get_run(st, rl.v[0].id);
	ok(r != NULL && r->state == STORE_RUN_INTERRUPTED && r->finished > 0,
	    "that run is interrupted, with a finish time");
	store_run_free(r);
	r = get_run(st, rl.v[1].id);
	ok(r != NULL && r->state == STORE_RUN_OK, "its finished runs stay ok");
	store_run_free(r);
	store_run_list_free(&rl);
}

static void
test_audit(struct store *st)
{
	struct store_audit_entry	 e = {
		.actor = "uid:1000", .action = "target.import",
		.object = "esc\x1b]0;pwn\x07",
		.detail = "line 1\nline 2 \x9b" "31m",
		.result = "\"esc\x1b]0;pwn\x07\" is not a valid target name",
	};
	struct store_audit_filter	 f = { .action = "target.import" };
	struct store_audit_list		 l = { NULL, 0 };
	struct ops_err			 err;
	int64_t				 id = 0, bad = 0;
	int				 rc;

	rc = store_audit_append(st, &e, &id, &err);
	ok(rc == OPS_OK && id > 0, "a refusal whose result holds ESC is "
	    "audited (%s)", rc == OPS_OK ? "ok" : err.msg);
	ok(store_audit_list(st, &f, &l, &err) == OPS_OK && l.n == 1 &&
	    strcmp(l.v[0].object, "esc\\x1b]0;pwn\\x07") == 0 &&
	    strcmp(l.v[0].detail, "line 1\nline 2 \\x9b31m") == 0 &&
	    strcmp(l.v[0].result, "\"esc\\x1b]0;pwn\\x07\" is not a valid "
	    "target name") == 0, "object, detail and result are stored "
	    "escaped, the newline of the detail kept");
	store_audit_list_free(&l);
	e.actor = "uid\x1b";
	ok(store_audit_append(st, &e, NULL, &err) == OPS_E_INVAL,
	    "an actor with ESC is still refused (it never comes from a "
	    "target)");
	ok(store_audit_verify(st, &bad, NULL, &err) == OPS_OK, "the audit chain "
	    "verifies");
}

int
main(void)
{
	struct store_target_spec	 t[3] = {
		{ .name = "a", .host = "h1" }, { .name = "b", .host = "h2" },
		{ .name = "c", .host = "h3" },
	};
	struct keyring			*kr;
	struct store			*st = NULL;
	struct ops_err			 err;

	plan(13);
	st_tmpdir();
	kr = st_keyring("fin");
	if (store_open(st_path("store.db"), kr, &st, &err) != OPS_OK) {
		diag("%s", err.msg);
		ok(0, "store opens");
		st_cleanup();
		return exit_status();
	}
	if (store_target_add(st, &t[0], NULL, &err) != OPS_OK ||
	    store_target_add(st, &t[1], NULL, &err) != OPS_OK ||
	    store_target_add(st, &t[2], NULL, &err) != OPS_OK)
		diag("add targets: %s", err.msg);
	test_runs(st);
	test_audit(st);
	store_close(st);
	keyring_free(kr);
	st_cleanup();
	return exit_status();
}

/*
 * test-store-approvals.c: approval requests and decisions (tables
 * approvals and approval_decisions, core/store-approvals.c). A job can
 * be stored awaiting-approval, rejected and expired (the migration
 * widened jobs.state's CHECK); a request reads back as added; the
 * approvals it has are distinct uids (the same uid twice counts once,
 * a rejection none); a decided request never goes back or changes
 * again; pending requests are listed, their earliest deadline found and
 * the overdue ones picked; recovery after a crash leaves the runs of an
 * awaiting job queued; deleting the job deletes its request and
 * decisions.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "store-int.h"
#include "store-test.h"
#include "tap.h"

static int64_t
add_job(struct store *st)
{
	const char *const	targets[] = { "a" };
	struct store_job_spec	js;
	int64_t			id = 0;

	memset(&js, 0, sizeof(js));
	js.command = "id -u";
	js.requested_by = "root(0)";
	js.targets = targets;
	js.ntargets = 1;
	if (store_job_add(st, &js, &id, NULL) != OPS_OK)
		return 0;
	return id;
}

static int
decide(struct store *st, int64_t job, int64_t uid, const char *what)
{
	struct store_approval_decision	d;
	char				actor[32];

	memset(&d, 0, sizeof(d));
	snprintf(actor, sizeof(actor), "u%lld(%lld)", (long long)uid,
	    (long long)uid);
	d.actor_uid = uid;
	d.actor = actor;
	d.channel = (char *)"cli";
	d.decision = (char *)what;
	d.reason = (char *)"because";
	return store_approval_decision_add(st, job, &d, NULL);
}

static void
test_requests(struct store *st)
{
	struct store_approval			 a, req;
	struct store_approval_list		 l = { NULL, 0 };
	struct store_approval_decision_list	 dl = { NULL, 0 };
	struct store_job			*j = NULL;
	struct ops_err				 err;
	int64_t					 j1, j2, when = 0, *ov = NULL;
	int64_t					 nruns = 0;
	size_t					 nov = 0;
	sqlite3					*db;

	j1 = add_job(st);
	j2 = add_job(st);
	ok(j1 != 0 && j2 != 0 &&
	    store_job_set_state(st, j1, STORE_JOB_AWAITING, &err) == OPS_OK &&
	    store_job_set_state(st, j2, STORE_JOB_AWAITING, &err) == OPS_OK &&
	    store_job_get(st, j1, &j, &err) == OPS_OK &&
	    j->state == STORE_JOB_AWAITING && j->finished == 0,
	    "a job is stored awaiting-approval (not finished)");
	store_job_free(j);
	memset(&req, 0, sizeof(req));
	req.policy = (char *)"{\"required\":2}";
	req.required = 2;
	req.requester_uid = 0;
	req.created = 1000;
	req.expires = 5000;
	ok(store_approval_add(st, j1, &req, &err) == OPS_OK,
	    "a request for job %lld", (long long)j1);
	req.expires = 3000;
	req.required = 1;
	ok(store_approval_add(st, j2, &req, &err) == OPS_OK,
	    "and one for job %lld", (long long)j2);
	req.required = 0;
	ok(store_approval_add(st, j1 + j2, &req, &err) == OPS_E_INVAL,
	    "a request needing 0 approvals is refused");
	ok(store_approval_get(st, j1, &a, &err) == OPS_OK &&
	    a.required == 2 && a.expires == 5000 && a.created == 1000 &&
	    st_str_eq(a.state, "pending") && a.approvals == 0 &&
	    st_str_eq(a.policy, "{\"required\":2}"),
	    "it reads back pending with 0 approvals");
	store_approval_done(&a);
	ok(store_approval_get(st, 999999, &a, &err) == OPS_E_NOTFOUND,
	    "a job without one: not found");

	ok(decide(st, j1, 1001, "approve") == OPS_OK &&
	    decide(st, j1, 1001, "approve") == OPS_OK &&
	    store_approval_get(st, j1, &a, NULL) == OPS_OK &&
	    a.approvals == 1, "the same uid approving twice counts once");
	store_approval_done(&a);
	ok(decide(st, j1, 1002, "reject") == OPS_OK &&
	    decide(st, j1, 1003, "approve") == OPS_OK &&
	    store_approval_get(st, j1, &a, NULL) == OPS_OK &&
	    a.approvals == 2, "a rejection counts none; a second uid counts");
	store_approval_done(&a);
	ok(decide(st, j1, 1004, "maybe") == OPS_E_INVAL,
	    "an unknown decision is refused");
	ok(store_approval_decisions(st, j1, &dl, &err) == OPS_OK &&
	    dl.n == 4 && dl.v[0].actor_uid == 1001 &&
	    st_str_eq(dl.v[0].channel, "cli") &&
	    st_str_eq(dl.v[2].decision, "reject") &&
	    st_str_eq(dl.v[3].reason, "because") && dl.v[3].ts > 0,
	    "the decisions read back in order with who, channel and why");
	store_approval_decision_list_free(&dl);

	ok(store_approval_list(st, "pending", &l, &err) == OPS_OK && l.n == 2 &&
	    l.v[0].job == j1 && l.v[1].job == j2, "both are pending");
	store_approval_list_free(&l);
	ok(store_approval_list(st, "nonsense", &l, &err) == OPS_E_INVAL,
	    "an unknown state is refused");
	ok(store_approval_next_expiry(st, &when, &err) == OPS_OK &&
	    when == 3000, "the earliest pending deadline");
	ok(store_approval_overdue(st, 4000, &ov, &nov, &err) == OPS_OK &&
	    nov == 1 && ov[0] == j2, "overdue at 4000: job %lld only",
	    (long long)j2);
	free(ov);

	/* a crash: the daemon's recovery leaves awaiting jobs as they are */
	ok(store_jobs_recover(st, &nruns, &err) == OPS_OK &&
	    store_runs_mark_interrupted(st, &nruns, &err) == OPS_OK, "recover");
	db = st_raw(st);
	ok(st_int(db, "SELECT count(*) FROM runs WHERE state = 'queued'") == 2,
	    "an awaiting job's runs stay queued through recovery");
	sqlite3_close(db);

	ok(store_approval_set_state(st, j1, "granted", &err) == OPS_OK &&
	    store_approval_get(st, j1, &a, NULL) == OPS_OK &&
	    st_str_eq(a.state, "granted") && a.decided > 0,
	    "granted, with the time");
	store_approval_done(&a);
	ok(store_approval_set_state(st, j1, "rejected", &err) == OPS_E_INVAL &&
	    strstr(err.msg, "is not awaiting approval") != NULL,
	    "a decided request never changes again");
	ok(store_approval_set_state(st, j2, "pending", &err) == OPS_E_INVAL,
	    "nor goes back to pending");
	ok(store_approval_set_state(st, j2, "expired", &err) == OPS_OK &&
	    store_job_set_state(st, j2, STORE_JOB_EXPIRED, &err) == OPS_OK &&
	    store_job_set_state(st, j1, STORE_JOB_REJECTED, &err) == OPS_OK,
	    "jobs end expired and rejected");
	ok(store_approval_next_expiry(st, &when, &err) == OPS_OK && when == 0,
	    "no pending deadline is left");
	ok(store_job_delete(st, j1, &err) == OPS_OK, "delete job %lld",
	    (long long)j1);
	db = st_raw(st);
	ok(st_int(db, "SELECT count(*) FROM approvals") == 1 &&
	    st_int(db, "SELECT count(*) FROM approval_decisions") == 0,
	    "its request and decisions went with it");
	sqlite3_close(db);
}

int
main(void)
{
	struct store_target_spec	 t = { .name = "a", .host = "h1" };
	struct keyring			*kr;
	struct store			*st = NULL;
	struct ops_err			 err;

	plan(23);
	st_tmpdir();
	kr = st_keyring("approvals");
	if (store_open(st_path("store.db"), kr, &st, &err) != OPS_OK) {
		diag("%s", err.msg);
		ok(0, "store opens");
		st_cleanup();
		return exit_status();
	}
	if (store_target_add(st, &t, NULL, &err) != OPS_OK)
		diag("add target: %s", err.msg);
	test_requests(st);
	store_close(st);
	keyring_free(kr);
	st_cleanup();
	return exit_status();
}

/*
 * store-approvals.c: approval requests and decisions (tables approvals
 * and approval_decisions; store.h "store-approvals.c"). A request is one
 * row per job: the policy as it was when the job was asked for (JSON
 * text), how many approvals it needs, the requester's uid, its deadline
 * and its state. Every decision is a row of its own; the approvals a
 * request has are the distinct uids that approved it.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "store-int.h"

#define APPROVAL_COLS							\
	"SELECT a.job_id, a.policy, a.required, a.requester_uid,"	\
	" a.created, a.expires, a.state, coalesce(a.decided, 0),"	\
	" (SELECT count(DISTINCT d.actor_uid) FROM approval_decisions d" \
	"  WHERE d.job_id = a.job_id AND d.decision = 'approve')"	\
	" FROM approvals a"

static const char sql_approval_insert[] =
	"INSERT INTO approvals (job_id, policy, required, requester_uid,"
	" created, expires, state) VALUES (?1, ?2, ?3, ?4, ?5, ?6, 'pending')";
static const char sql_approval_get[] = APPROVAL_COLS " WHERE a.job_id = ?1";
static const char sql_approval_list[] =
	APPROVAL_COLS " WHERE ?1 IS NULL OR a.state = ?1 ORDER BY a.job_id";
static const char sql_approval_state[] =
	"UPDATE approvals SET state = ?2, decided = ?3 WHERE job_id = ?1"
	" AND state = 'pending'";
static const char sql_decision_insert[] =
	"INSERT INTO approval_decisions (job_id, actor_uid, actor, channel,"
	" account, decision, reason, ts) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7,"
	" ?8)";
static const char sql_decision_list[] =
	"SELECT id, actor_uid, actor, channel, account, decision, reason, ts"
	" FROM approval_decisions WHERE job_id = ?1 ORDER BY id";
static const char sql_next_expiry[] =
	"SELECT coalesce(min(expires), 0) FROM approvals"
	" WHERE state = 'pending'";
static const char sql_overdue[] =
	"SELECT job_id FROM approvals WHERE state = 'pending'"
	" AND expires <= ?1 ORDER BY job_id";

static const char *const approval_states[] = { "pending", "granted",
    "rejected", "expired", "overridden", "cancelled", NULL };
static const char *const decisions[] = { "approve", "reject", "override",
    NULL };

static int
one_of(const char *const *names, const char *s)
{
	size_t	i;

	for (i = 0; s != NULL && names[i] != NULL; i++)
		if (strcmp(names[i], s) == 0)
			return 1;
	return 0;
}

int
store_approval_add(struct store *st, int64_t job,
    const struct store_approval *a, struct ops_err *err)
{
	sqlite3_stmt	*stmt = NULL;
	int		 rc;

	if (a->policy == NULL || a->required < 1 ||
	    a->required > STORE_APPROVERS_MAX)
		return ops_err_set(err, OPS_E_INVAL, "approval of job %lld: "
		    "needs a policy and 1 to %d approvals", (long long)job,
		    STORE_APPROVERS_MAX);
	if ((rc = store_stmt(st, sql_approval_insert, &stmt, err)) != OPS_OK)
		return rc;
	sqlite3_bind_int64(stmt, 1, job);
	store_bind_text(stmt, 2, a->policy);
	sqlite3_bind_int(stmt, 3, a->required);
	sqlite3_bind_int64(stmt, 4, a->requester_uid);
	sqlite3_bind_int64(stmt, 5, a->created != 0 ? a->created :
	    store_now_ms());
	sqlite3_bind_int64(stmt, 6, a->expires);
	if ((rc = sqlite3_step(stmt)) != SQLITE_DONE)
		rc = store_dberr(st, rc, err, "add the approval request of "
		    "job %lld", (long long)job);
	else
		rc = OPS_OK;
	store_stmt_done(stmt);
	return rc;
}

static int
load_approval(sqlite3_stmt *stmt, struct store_approval *a)
{
	memset(a, 0, sizeof(*a));
	a->job = sqlite3_column_int64(stmt, 0);
	a->required = sqlite3_column_int(stmt, 2);
	a->requester_uid = sqlite3_column_int64(stmt, 3);
	a->created = sqlite3_column_int64(stmt, 4);
	a->expires = sqlite3_column_int64(stmt, 5);
	a->decided = sqlite3_column_int64(stmt, 7);
	a->approvals = sqlite3_column_int(stmt, 8);
	if (store_col_str(stmt, 1, &a->policy) != OPS_OK ||
	    store_col_str(stmt, 6, &a->state) != OPS_OK)
		return OPS_E_NOMEM;
	return OPS_OK;
}

void
store_approval_done(struct store_approval *a)
{
	if (a == NULL)
		return;
	free(a->policy);
	free(a->state);
	memset(a, 0, sizeof(*a));
}

int
store_approval_get(struct store *st, int64_t job, struct store_approval *out,
    struct ops_err *err)
{
	sqlite3_stmt	*stmt = NULL;
	int		 rc;

	memset(out, 0, sizeof(*out));
	if ((rc = store_stmt(st, sql_approval_get, &stmt, err)) != OPS_OK)
		return rc;
	sqlite3_bind_int64(stmt, 1, job);
	if ((rc = sqlite3_step(stmt)) == SQLITE_DONE)
		rc = ops_err_set(err, OPS_E_NOTFOUND, "job %lld has no "
		    "approval request", (long long)job);
	else if (rc != SQLITE_ROW)
		rc = store_dberr(st, rc, err, "read the approval request of "
		    "job %lld", (long long)job);
	else if (load_approval(stmt, out) != OPS_OK) {
		store_approval_done(out);
		rc = ops_err_set(err, OPS_E_NOMEM, "read approval");
	} else
		rc = OPS_OK;
	store_stmt_done(stmt);
	return rc;
}

void
store_approval_list_free(struct store_approval_list *l)
{
	size_t	i;

	for (i = 0; i < l->n; i++)
		store_approval_done(&l->v[i]);
	free(l->v);
	l->v = NULL;
	l->n = 0;
}

int
store_approval_list(struct store *st, const char *state,
    struct store_approval_list *out, struct ops_err *err)
{
	sqlite3_stmt		*stmt = NULL;
	struct store_approval	*v;
	size_t			 cap = 0;
	int			 rc;

	out->v = NULL;
	out->n = 0;
	if (state != NULL && !one_of(approval_states, state))
		return ops_err_set(err, OPS_E_INVAL, "approval state %s "
		    "unknown (pending, granted, rejected, expired, overridden, "
		    "cancelled)", state);
	if ((rc = store_stmt(st, sql_approval_list, &stmt, err)) != OPS_OK)
		return rc;
	if (state != NULL)
		store_bind_text(stmt, 1, state);
	else
		sqlite3_bind_null(stmt, 1);
	while ((rc = sqlite3_step(stmt)) == SQLITE_ROW) {
		if (out->n == cap) {
			cap = cap == 0 ? 16 : cap * 2;
			if ((v = reallocarray(out->v, cap, sizeof(*v))) ==
			    NULL) {
				rc = ops_err_set(err, OPS_E_NOMEM, "list "
				    "approvals");
				goto out;
			}
			out->v = v;
		}
		if (load_approval(stmt, &out->v[out->n++]) != OPS_OK) {
			rc = ops_err_set(err, OPS_E_NOMEM, "list approvals");
			goto out;
		}
	}
	rc = rc == SQLITE_DONE ? OPS_OK : store_dberr(st, rc, err,
	    "list approvals");
out:
	store_stmt_done(stmt);
	if (rc != OPS_OK)
		store_approval_list_free(out);
	return rc;
}

int
store_approval_set_state(struct store *st, int64_t job, const char *state,
    struct ops_err *err)
{
	sqlite3_stmt	*stmt = NULL;
	int		 rc;

	if (!one_of(approval_states, state) || strcmp(state, "pending") == 0)
		return ops_err_set(err, OPS_E_INVAL, "approval state %s",
		    state != NULL ? state : "(none)");
	if ((rc = store_stmt(st, sql_approval_state, &stmt, err)) != OPS_OK)
		return rc;
	sqlite3_bind_int64(stmt, 1, job);
	store_bind_text(stmt, 2, state);
	sqlite3_bind_int64(stmt, 3, store_now_ms());
	if ((rc = sqlite3_step(stmt)) != SQLITE_DONE)
		rc = store_dberr(st, rc, err, "decide the approval request of "
		    "job %lld", (long long)job);
	else if (sqlite3_changes(store_sqlite_handle(st)) == 0)
		rc = ops_err_set(err, OPS_E_INVAL, "job %lld is not awaiting "
		    "approval", (long long)job);
	else
		rc = OPS_OK;
	store_stmt_done(stmt);
	return rc;
}

int
store_approval_decision_add(struct store *st, int64_t job,
    const struct store_approval_decision *d, struct ops_err *err)
{
	sqlite3_stmt	*stmt = NULL;
	int		 rc;

	if (!one_of(decisions, d->decision) || d->actor == NULL ||
	    d->channel == NULL)
		return ops_err_set(err, OPS_E_INVAL, "approval decision of "
		    "job %lld: needs a decision, an actor and a channel",
		    (long long)job);
	if ((rc = store_check_text("approval actor", d->actor,
	    STORE_USER_MAX, 0, err)) != OPS_OK ||
	    (d->reason != NULL && (rc = store_check_text("approval reason",
	    d->reason, STORE_REASON_MAX, 1, err)) != OPS_OK))
		return rc;
	if ((rc = store_stmt(st, sql_decision_insert, &stmt, err)) != OPS_OK)
		return rc;
	sqlite3_bind_int64(stmt, 1, job);
	sqlite3_bind_int64(stmt, 2, d->actor_uid);
	store_bind_text(stmt, 3, d->actor);
	store_bind_text(stmt, 4, d->channel);
	if (d->account != NULL)
		store_bind_text(stmt, 5, d->account);
	else
		sqlite3_bind_null(stmt, 5);
	store_bind_text(stmt, 6, d->decision);
	if (d->reason != NULL)
		store_bind_text(stmt, 7, d->reason);
	else
		sqlite3_bind_null(stmt, 7);
	sqlite3_bind_int64(stmt, 8, store_now_ms());
	if ((rc = sqlite3_step(stmt)) != SQLITE_DONE)
		rc = store_dberr(st, rc, err, "record a decision on job %lld",
		    (long long)job);
	else
		rc = OPS_OK;
	store_stmt_done(stmt);
	return rc;
}

void
store_approval_decision_list_free(struct store_approval_decision_list *l)
{
	size_t	i;

	for (i = 0; i < l->n; i++) {
		free(l->v[i].actor);
		free(l->v[i].channel);
		free(l->v[i].account);
		free(l->v[i].decision);
		free(l->v[i].reason);
	}
	free(l->v);
	l->v = NULL;
	l->n = 0;
}

int
store_approval_decisions(struct store *st, int64_t job,
    struct store_approval_decision_list *out, struct ops_err *err)
{
	sqlite3_stmt			*stmt = NULL;
	struct store_approval_decision	*v, *d;
	size_t				 cap = 0;
	int				 rc;

	out->v = NULL;
	out->n = 0;
	if ((rc = store_stmt(st, sql_decision_list, &stmt, err)) != OPS_OK)
		return rc;
	sqlite3_bind_int64(stmt, 1, job);
	while ((rc = sqlite3_step(stmt)) == SQLITE_ROW) {
		if (out->n == cap) {
			cap = cap == 0 ? 8 : cap * 2;
			if ((v = reallocarray(out->v, cap, sizeof(*v))) ==
			    NULL) {
				rc = ops_err_set(err, OPS_E_NOMEM, "list "
				    "decisions");
				goto out;
			}
			out->v = v;
		}
		d = &out->v[out->n++];
		memset(d, 0, sizeof(*d));
		d->id = sqlite3_column_int64(stmt, 0);
		d->actor_uid = sqlite3_column_int64(stmt, 1);
		d->ts = sqlite3_column_int64(stmt, 7);
		if (store_col_str(stmt, 2, &d->actor) != OPS_OK ||
		    store_col_str(stmt, 3, &d->channel) != OPS_OK ||
		    store_col_str(stmt, 4, &d->account) != OPS_OK ||
		    store_col_str(stmt, 5, &d->decision) != OPS_OK ||
		    store_col_str(stmt, 6, &d->reason) != OPS_OK) {
			rc = ops_err_set(err, OPS_E_NOMEM, "list decisions");
			goto out;
		}
	}
	rc = rc == SQLITE_DONE ? OPS_OK : store_dberr(st, rc, err,
	    "list the decisions on job %lld", (long long)job);
out:
	store_stmt_done(stmt);
	if (rc != OPS_OK)
		store_approval_decision_list_free(out);
	return rc;
}

int
store_approval_next_expiry(struct store *st, int64_t *when,
    struct ops_err *err)
{
	sqlite3_stmt	*stmt = NULL;
	int		 rc;

	*when = 0;
	if ((rc = store_stmt(st, sql_next_expiry, &stmt, err)) != OPS_OK)
		return rc;
	if ((rc = sqlite3_step(stmt)) == SQLITE_ROW) {
		*when = sqlite3_column_int64(stmt, 0);
		rc = OPS_OK;
	} else
		rc = store_dberr(st, rc, err, "read approval deadlines");
	store_stmt_done(stmt);
	return rc;
}

int
store_approval_overdue(struct store *st, int64_t now, int64_t **jobs,
    size_t *n, struct ops_err *err)
{
	sqlite3_stmt	*stmt = NULL;
	int64_t		*v;
	size_t		 cap = 0;
	int		 rc;

	*jobs = NULL;
	*n = 0;
	if ((rc = store_stmt(st, sql_overdue, &stmt, err)) != OPS_OK)
		return rc;
	sqlite3_bind_int64(stmt, 1, now);
	while ((rc = sqlite3_step(stmt)) == SQLITE_ROW) {
		if (*n == cap) {
			cap = cap == 0 ? 8 : cap * 2;
			if ((v = reallocarray(*jobs, cap, sizeof(*v))) ==
			    NULL) {
				rc = ops_err_set(err, OPS_E_NOMEM, "list "
				    "overdue approvals");
				goto out;
			}
			*jobs = v;
		}
		(*jobs)[(*n)++] = sqlite3_column_int64(stmt, 0);
	}
	rc = rc == SQLITE_DONE ? OPS_OK : store_dberr(st, rc, err,
	    "list overdue approvals");
out:
	store_stmt_done(stmt);
	if (rc != OPS_OK) {
		free(*jobs);
		*jobs = NULL;
		*n = 0;
	}
	return rc;
}

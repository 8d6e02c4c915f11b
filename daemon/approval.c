/*
 * approval.c: four-eyes approval of jobs (approval.h has the contract).
 * Requests and decisions are store rows (core/store-approvals.c); this
 * file decides who may decide, moves the job along (awaiting-approval
 * to queued, rejected or expired), audits and posts the approval-state
 * events. Deadlines: one timer on the loop, armed for the earliest
 * pending deadline; at start (and after an unlock) overdue requests
 * expire at once.
 */
#include "config.h"

#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "approval.h"
#include "automation.h"
#include "totp-user.h"
#include "xmalloc.h"

struct approvals {
	long long	 timer;		/* 0: none armed */
	int64_t		 armed_for;	/* the deadline it is armed for */
};

static const char *const channel_names[] = {
	[APPROVAL_CH_CLI] = "cli",
	[APPROVAL_CH_CONSOLE] = "console",
	[APPROVAL_CH_TELEGRAM] = "telegram",
	[APPROVAL_CH_SLACK] = "slack",
	[APPROVAL_CH_CONTROLLER] = "controller",
};

const char *
approval_channel_name(enum approval_channel ch)
{
	if ((int)ch < 1 || (size_t)ch >= sizeof(channel_names) /
	    sizeof(channel_names[0]))
		return "unknown";
	return channel_names[ch];
}

static int64_t
now_ms(void)
{
	struct timespec	ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void
post(struct ops_ctx *ctx, int64_t job, const char *state, int approvals,
    int required, const char *actor, const char *channel, const char *reason)
{
	struct ops_event	ev = { .kind = OPS_EV_APPROVAL_STATE,
				    .job = job };

	ev.u.approval.state = state;
	ev.u.approval.approvals = approvals;
	ev.u.approval.required = required;
	ev.u.approval.actor = actor;
	ev.u.approval.channel = channel;
	ev.u.approval.reason = reason;
	events_post(ctx, &ev);
}

static void
post_job_state(struct ops_ctx *ctx, int64_t job, enum store_job_state state,
    size_t nruns)
{
	struct ops_event	ev = { .kind = OPS_EV_JOB_STATE, .job = job };

	ev.u.job.state = state;
	ev.u.job.failed = job_state_is_final(state) ? nruns : 0;
	ev.u.job.total = nruns;
	events_post(ctx, &ev);
}

/* "job N" */
static void
object_of(int64_t job, char *buf, size_t len)
{
	snprintf(buf, len, "job %lld", (long long)job);
}

/*
 * End an awaiting job without running it (rejected, expired,
 * cancelled): every run ends cancelled with why, the job with state.
 * In the caller's transaction. *nruns gets the number of runs.
 */
static int
end_unrun(struct ops_ctx *ctx, int64_t job, enum store_job_state state,
    const char *why, size_t *nruns, struct ops_err *err)
{
	struct store_run_list	 rl = { NULL, 0 };
	size_t			 i;
	int			 rc;

	*nruns = 0;
	if ((rc = store_run_list(ctx->store, job, 0, &rl, err)) != OPS_OK)
		return rc;
	for (i = 0; i < rl.n; i++)
		if ((rc = store_run_finish(ctx->store, rl.v[i].id,
		    STORE_RUN_CANCELLED, -1, 0, why, err)) != OPS_OK)
			goto out;
	*nruns = rl.n;
	rc = store_job_set_state(ctx->store, job, state, err);
out:
	store_run_list_free(&rl);
	return rc;
}

/* A transaction of our own unless the caller holds one: 1 when ours. */
static int
tx_begin(struct ops_ctx *ctx)
{
	return store_tx_begin(ctx->store, NULL) == OPS_OK;
}

static int
tx_end(struct ops_ctx *ctx, int ours, int rc, struct ops_err *err)
{
	if (!ours)
		return rc;
	if (rc == OPS_OK)
		return store_tx_commit(ctx->store, err);
	store_tx_rollback(ctx->store);
	return rc;
}

static void
rearm(struct ops_ctx *ctx);

/* Expire job's request (it is overdue); its own transaction. */
static void
expire_one(struct ops_ctx *ctx, int64_t job)
{
	struct store_approval	 a;
	struct ops_err		 err;
	char			 obj[32], why[128];
	size_t			 nruns = 0;
	int			 rc, ours;

	object_of(job, obj, sizeof(obj));
	ours = tx_begin(ctx);
	if ((rc = store_approval_get(ctx->store, job, &a, &err)) == OPS_OK) {
		snprintf(why, sizeof(why), "approval expired (%d of %d "
		    "approvals)", a.approvals, a.required);
		if ((rc = store_approval_set_state(ctx->store, job, "expired",
		    &err)) == OPS_OK &&
		    (rc = end_unrun(ctx, job, STORE_JOB_EXPIRED, why, &nruns,
		    &err)) == OPS_OK)
			rc = audit_append(ctx, "opsicled", "approval.expire",
			    obj, why, "ok", &err);
	}
	if ((rc = tx_end(ctx, ours, rc, &err)) != OPS_OK) {
		log_warnx(&ctx->log, "expire the approval of job %lld: %s",
		    (long long)job, ops_err_msg(&err));
		store_approval_done(&a);
		return;
	}
	log_info(&ctx->log, "job %lld expired: %s", (long long)job, why);
	post(ctx, job, "expired", a.approvals, a.required, NULL, NULL, NULL);
	post_job_state(ctx, job, STORE_JOB_EXPIRED, nruns);
	store_approval_done(&a);
}

static void
expire_overdue(struct ops_ctx *ctx)
{
	struct ops_err	 err;
	int64_t		*jobs = NULL;
	size_t		 n = 0, i;

	if (ctx->store == NULL)
		return;
	if (store_approval_overdue(ctx->store, now_ms(), &jobs, &n,
	    &err) != OPS_OK) {
		log_warnx(&ctx->log, "approvals: %s", ops_err_msg(&err));
		return;
	}
	for (i = 0; i < n; i++)
		expire_one(ctx, jobs[i]);
	free(jobs);
}

static long long
deadline_timer(struct evloop *loop, long long id, void *arg)
{
	struct ops_ctx	*ctx = arg;

	(void)loop;
	(void)id;
	if (ctx->approvals != NULL)
		ctx->approvals->timer = 0;
	expire_overdue(ctx);
	rearm(ctx);
	return EVLOOP_NOMORE;
}

/* Arm the timer for the earliest pending deadline. */
static void
rearm(struct ops_ctx *ctx)
{
	struct approvals	*ap = ctx->approvals;
	struct ops_err		 err;
	int64_t			 when = 0, delay;

	if (ap == NULL || ctx->store == NULL || ctx->loop == NULL)
		return;
	if (store_approval_next_expiry(ctx->store, &when, &err) != OPS_OK) {
		log_warnx(&ctx->log, "approvals: %s", ops_err_msg(&err));
		return;
	}
	if (ap->timer != 0 && ap->armed_for == when)
		return;
	if (ap->timer != 0) {
		evloop_timer_del(ctx->loop, ap->timer);
		ap->timer = 0;
	}
	if (when == 0)
		return;
	delay = when - now_ms();
	if (delay < 0)
		delay = 0;
	ap->armed_for = when;
	if (evloop_timer_add(ctx->loop, delay + 1, deadline_timer, ctx,
	    &ap->timer, &err) != OPS_OK) {
		ap->timer = 0;
		log_warnx(&ctx->log, "approvals: %s", ops_err_msg(&err));
	}
}

void
approval_start(struct ops_ctx *ctx)
{
	if (ctx->approvals == NULL)
		ctx->approvals = xcalloc(1, sizeof(*ctx->approvals));
	expire_overdue(ctx);
	rearm(ctx);
}

void
approval_stop(struct ops_ctx *ctx)
{
	if (ctx->approvals == NULL)
		return;
	if (ctx->approvals->timer != 0 && ctx->loop != NULL)
		evloop_timer_del(ctx->loop, ctx->approvals->timer);
	free(ctx->approvals);
	ctx->approvals = NULL;
}

/* ---- policies -------------------------------------------------------- */

/* 1 when the ad hoc selector matches one of spec's targets or hosts. */
static int
adhoc_touches(struct ops_ctx *ctx, const struct selector_set *set,
    const struct job_spec *spec, struct ops_err *err)
{
	struct store_target	*t;
	size_t			 i;
	int			 hit, rc;

	for (i = 0; i < spec->ntargets; i++) {
		if ((rc = store_target_get(ctx->store, spec->targets[i], &t,
		    err)) != OPS_OK)
			return rc;
		hit = selector_set_match(set, t->name,
		    (const char *const *)t->tags, t->ntags);
		store_target_free(t);
		if (hit)
			return 1;
	}
	for (i = 0; i < spec->nhosts; i++)
		if (selector_set_match(set, spec->hosts[i], NULL, 0))
			return 1;
	return 0;
}

/* The ad hoc policy of opsicle.conf (approval.adhoc-*). */
static struct auto_approval *
adhoc_policy(const struct ops_config *cfg)
{
	struct auto_approval	*p = xcalloc(1, sizeof(*p));
	const char		*list = config_str(cfg,
				    "approval.adhoc-approvers"), *q;
	size_t			 n = 0, len;

	p->required = (int)config_num(cfg, "approval.adhoc-required");
	p->expires_ms = config_num(cfg, "approval.adhoc-expires") * 1000;
	p->totp = strcmp(config_str(cfg, "approval.adhoc-totp"), "yes") == 0;
	p->reason_required = strcmp(config_str(cfg, "approval.adhoc-reason"),
	    "required") == 0;
	for (q = list; *q != '\0'; q++)
		n += *q == ',';
	p->approvers = xcalloc(n + 2, sizeof(char *));
	for (q = list; *q != '\0'; q += len + (q[len] == ',')) {
		len = strcspn(q, ",");
		if (len > 0)
			p->approvers[p->napprovers++] = xstrndup(q, len);
	}
	return p;
}

int
approval_policy_for(struct ops_ctx *ctx, const struct job_spec *spec,
    struct auto_approval **adhoc, const struct auto_approval **out,
    struct ops_err *err)
{
	struct selector_set	 set;
	struct ops_err		 e2;
	const char		*sel;
	int			 rc;

	*adhoc = NULL;
	*out = NULL;
	if (spec->automation != NULL) {
		if (spec->automation->a != NULL)
			*out = spec->automation->a->approval;
		return OPS_OK;
	}
	sel = ctx->config != NULL ? config_str(ctx->config,
	    "approval.adhoc-selector") : "";
	if (*sel == '\0')
		return OPS_OK;
	selector_set_init(&set);
	if (selector_set_add(&set, sel, 0, &e2) != OPS_OK) {
		/* config_load checked it: fail closed all the same */
		selector_set_done(&set);
		return ops_err_set(err, OPS_E_INVAL, "approval.adhoc-selector "
		    "in opsicle.conf: %s", e2.msg);
	}
	rc = adhoc_touches(ctx, &set, spec, err);
	selector_set_done(&set);
	if (rc < 0)
		return rc;
	if (rc == 1) {
		*adhoc = adhoc_policy(ctx->config);
		*out = *adhoc;
	}
	return OPS_OK;
}

static int
load_policy(const struct store_approval *a, struct auto_approval **p,
    struct ops_err *err)
{
	return automation_approval_from_json(a->policy, p, err);
}

int
approval_request(struct ops_ctx *ctx, int64_t job,
    const struct auto_approval *p, const struct job_spec *spec,
    const char *actor, struct ops_err *err)
{
	struct store_approval	 a;
	char			 obj[32], detail[256];
	char			*policy;
	int			 rc;

	memset(&a, 0, sizeof(a));
	if ((policy = automation_approval_json(p)) == NULL)
		return ops_err_set(err, OPS_E_NOMEM, "approval of job %lld",
		    (long long)job);
	a.policy = policy;
	a.required = p->required;
	a.requester_uid = (int64_t)spec->requester_uid;
	a.created = now_ms();
	a.expires = a.created + (p->expires_ms > 0 ? p->expires_ms :
	    AUTO_APPROVAL_EXPIRES_DEF);
	object_of(job, obj, sizeof(obj));
	snprintf(detail, sizeof(detail), "required=%d expires_ms=%lld "
	    "totp=%s", p->required, (long long)(a.expires - a.created),
	    p->totp ? "yes" : "no");
	if ((rc = store_approval_add(ctx->store, job, &a, err)) == OPS_OK &&
	    (rc = store_job_set_state(ctx->store, job, STORE_JOB_AWAITING,
	    err)) == OPS_OK)
		rc = audit_append(ctx, actor, "approval.request", obj, detail,
		    "ok", err);
	free(policy);
	if (rc != OPS_OK)
		return rc;
	log_info(&ctx->log, "job %lld awaits %d approvals", (long long)job,
	    p->required);
	post(ctx, job, "requested", 0, p->required, actor, NULL, NULL);
	rearm(ctx);
	return OPS_OK;
}

int
approval_get(struct ops_ctx *ctx, int64_t job, struct store_approval *a,
    struct ops_err *err)
{
	int	rc;

	if ((rc = store_approval_get(ctx->store, job, a, err)) == OPS_E_NOTFOUND)
		ops_err_set(err, OPS_E_NOTFOUND, "job %lld does not need "
		    "approval (or does not exist)", (long long)job);
	return rc;
}

json_t *
approval_approvers_json(const struct auto_approval *p)
{
	json_t	*ap = json_array();
	size_t	 i;

	for (i = 0; ap != NULL && i < p->napprovers; i++)
		json_array_append_new(ap, json_string(p->approvers[i]));
	if (ap != NULL && p->napprovers == 0)
		json_array_append_new(ap, json_string("role:approver"));
	return ap;
}

/* Does one approvers entry name who? */
static int
entry_names(struct ops_ctx *ctx, const char *entry,
    const struct approval_actor *who)
{
	enum cmd_role	have, need;

	if (strncmp(entry, "role:", 5) == 0) {
		have = acl_role_of(ctx, who->uid, who->gid);
		if (strcmp(entry + 5, "admin") == 0)
			need = CMD_ROLE_ADMIN;
		else if (strcmp(entry + 5, "approver") == 0)
			need = CMD_ROLE_APPROVER;
		else if (strcmp(entry + 5, "operator") == 0)
			need = CMD_ROLE_OPERATOR;
		else if (strcmp(entry + 5, "viewer") == 0)
			need = CMD_ROLE_VIEWER;
		else
			return 0;
		return acl_allows(have, need);
	}
	return acl_names(entry, who->uid, who->gid);
}

static int
eligible(struct ops_ctx *ctx, const struct auto_approval *p,
    const struct approval_actor *who)
{
	size_t	i;

	if (p->napprovers == 0)
		return 1;
	for (i = 0; i < p->napprovers; i++)
		if (entry_names(ctx, p->approvers[i], who))
			return 1;
	return 0;
}

static void
approvers_text(const struct auto_approval *p, char *buf, size_t len)
{
	size_t	i, off = 0;

	buf[0] = '\0';
	if (p->napprovers == 0) {
		snprintf(buf, len, "role:approver");
		return;
	}
	for (i = 0; i < p->napprovers && off < len; i++)
		off += (size_t)snprintf(buf + off, len - off, "%s%s",
		    i > 0 ? ", " : "", p->approvers[i]);
}

/* 1 when uid already approved job. */
static int
has_approved(const struct store_approval_decision_list *dl, uid_t uid)
{
	size_t	i;

	for (i = 0; i < dl->n; i++)
		if (dl->v[i].actor_uid == (int64_t)uid &&
		    strcmp(dl->v[i].decision, "approve") == 0)
			return 1;
	return 0;
}

static int
check_totp(struct ops_ctx *ctx, const struct approval_actor *who,
    const char *code, struct ops_err *err)
{
	if (code == NULL || *code == '\0')
		return ops_err_set(err, OPS_E_PERM, "a TOTP code is required "
		    "(opsicle approve --code CODE)");
	/* wrong, reused, rate-limited, not enrolled: totp-user.c says so
	 * (and audits the failure with the channel) */
	return totp_verify_user(ctx, who->uid, code,
	    approval_channel_name(who->channel), err);
}

/*
 * The decision itself, in the caller's (or our) transaction. kind 0
 * reject, 1 approve, 2 override. *state gets what the request is now;
 * *count its approvals. On a refusal err says why (audited by the
 * caller).
 */
static int
decide_locked(struct ops_ctx *ctx, int64_t job,
    const struct approval_actor *who, int kind, const char *reason,
    const char *code, const char **state, int *count, int *required,
    size_t *nruns, struct ops_err *err)
{
	static const char *const actions[] = { "approval.reject",
	    "approval.approve", "approval.override" };
	static const char *const words[] = { "reject", "approve",
	    "override" };
	struct store_approval			 a;
	struct store_approval_decision_list	 dl = { NULL, 0 };
	struct store_approval_decision		 d;
	struct auto_approval			*p = NULL;
	enum cmd_role				 role;
	char					 obj[32], who_ok[512];
	char					 detail[STORE_REASON_MAX + 128];
	const char				*ch = approval_channel_name(
						    who->channel);
	int					 rc;

	*state = NULL;
	*count = *required = 0;
	*nruns = 0;
	object_of(job, obj, sizeof(obj));
	if ((rc = approval_get(ctx, job, &a, err)) != OPS_OK)
		return rc;
	*required = a.required;
	*count = a.approvals;
	if (strcmp(a.state, "pending") != 0) {
		rc = ops_err_set(err, OPS_E_INVAL, "job %lld is not awaiting "
		    "approval: its request was %s", (long long)job, a.state);
		goto out;
	}
	if (a.expires <= now_ms()) {
		rc = ops_err_set(err, OPS_E_INVAL, "job %lld is not awaiting "
		    "approval: its request expired", (long long)job);
		goto out;
	}
	if ((rc = load_policy(&a, &p, err)) != OPS_OK ||
	    (rc = store_approval_decisions(ctx->store, job, &dl, err)) !=
	    OPS_OK)
		goto out;
	role = acl_role_of(ctx, who->uid, who->gid);
	if (kind != 0 && (int64_t)who->uid == a.requester_uid) {
		rc = ops_err_set(err, OPS_E_PERM, "permission denied: %s "
		    "requested job %lld and can never %s it (four eyes: "
		    "another approver must)", who->actor, (long long)job,
		    words[kind]);
		goto out;
	}
	if (kind == 2) {
		if (!acl_allows(role, CMD_ROLE_ADMIN)) {
			rc = ops_err_set(err, OPS_E_PERM, "permission denied: "
			    "approve --override needs role admin; %s has role "
			    "%s", who->actor, cmd_role_name(role));
			goto out;
		}
		if (reason == NULL || *reason == '\0') {
			rc = ops_err_set(err, OPS_E_INVAL, "approve --override "
			    "of job %lld needs a reason (--reason)",
			    (long long)job);
			goto out;
		}
	} else {
		if (!acl_allows(role, CMD_ROLE_APPROVER)) {
			rc = ops_err_set(err, OPS_E_PERM, "permission denied: "
			    "deciding job %lld needs role approver; %s has "
			    "role %s", (long long)job, who->actor,
			    cmd_role_name(role));
			goto out;
		}
		if (!eligible(ctx, p, who)) {
			approvers_text(p, who_ok, sizeof(who_ok));
			rc = ops_err_set(err, OPS_E_PERM, "permission denied: "
			    "%s is not among the approvers of job %lld (%s)",
			    who->actor, (long long)job, who_ok);
			goto out;
		}
		if (kind == 1 && has_approved(&dl, who->uid)) {
			rc = ops_err_set(err, OPS_E_EXISTS, "%s already "
			    "approved job %lld (%d of %d): the same approver "
			    "counts once", who->actor, (long long)job,
			    a.approvals, a.required);
			goto out;
		}
		if ((kind == 0 || p->reason_required) &&
		    (reason == NULL || *reason == '\0')) {
			rc = ops_err_set(err, OPS_E_INVAL, "%s job %lld needs "
			    "a reason (--reason)", kind == 0 ? "rejecting" :
			    "approving", (long long)job);
			goto out;
		}
		if (kind == 1 && p->totp &&
		    (rc = check_totp(ctx, who, code, err)) != OPS_OK)
			goto out;
	}
	memset(&d, 0, sizeof(d));
	d.actor_uid = (int64_t)who->uid;
	d.actor = (char *)(uintptr_t)who->actor;
	d.channel = (char *)(uintptr_t)ch;
	d.account = (char *)(uintptr_t)who->account;
	d.decision = (char *)(uintptr_t)words[kind];
	d.reason = (char *)(uintptr_t)reason;
	if ((rc = store_approval_decision_add(ctx->store, job, &d, err)) !=
	    OPS_OK)
		goto out;
	if (kind == 1)
		(*count)++;
	if (kind == 0) {
		*state = "rejected";
		rc = store_approval_set_state(ctx->store, job, "rejected",
		    err);
		if (rc == OPS_OK)
			rc = end_unrun(ctx, job, STORE_JOB_REJECTED,
			    "rejected", nruns, err);
	} else if (kind == 2 || *count >= a.required) {
		*state = kind == 2 ? "overridden" : "granted";
		rc = store_approval_set_state(ctx->store, job, *state, err);
		if (rc == OPS_OK)
			rc = store_job_set_state(ctx->store, job,
			    STORE_JOB_QUEUED, err);
	} else
		*state = "approved";
	snprintf(detail, sizeof(detail), "%schannel=%s%s%s approvals=%d/%d "
	    "state=%s%s%s", kind == 2 ? "OVERRIDE by admin: four eyes "
	    "bypassed; " : "", ch, who->account != NULL ? " account=" : "",
	    who->account != NULL ? who->account : "", *count, a.required,
	    *state, reason != NULL ? " reason=" : "",
	    reason != NULL ? reason : "");
	if (rc == OPS_OK)
		rc = audit_append(ctx, who->actor, actions[kind], obj, detail,
		    "ok", err);
out:
	if (rc != OPS_OK)
		*state = NULL;
	automation_approval_free(p);
	store_approval_decision_list_free(&dl);
	store_approval_done(&a);
	return rc;
}

static int
decide(struct ops_ctx *ctx, int64_t job, const struct approval_actor *who,
    int kind, const char *reason, const char *code, const char **state,
    struct ops_err *err)
{
	static const char *const actions[] = { "approval.reject",
	    "approval.approve", "approval.override" };
	const char	*ch = approval_channel_name(who->channel);
	char		 obj[32], detail[128];
	size_t		 nruns = 0;
	int		 rc, ours, count = 0, required = 0;

	*state = NULL;
	if (ctx->store == NULL)
		return ops_err_set(err, OPS_E_LOCKED, "store is locked; run "
		    "opsicle unlock");
	ours = tx_begin(ctx);
	rc = decide_locked(ctx, job, who, kind, reason, code, state, &count,
	    &required, &nruns, err);
	rc = tx_end(ctx, ours, rc, err);
	object_of(job, obj, sizeof(obj));
	if (rc != OPS_OK) {
		snprintf(detail, sizeof(detail), "channel=%s%s%s", ch,
		    who->account != NULL ? " account=" : "",
		    who->account != NULL ? who->account : "");
		audit_refusal(ctx, who->actor, actions[kind], obj, detail,
		    ops_err_msg(err));
		*state = NULL;
		return rc;
	}
	log_info(&ctx->log, "job %lld: %s by %s (%s): %d of %d", (long long)job,
	    *state, who->actor, ch, count, required);
	post(ctx, job, *state, count, required, who->actor, ch, reason);
	if (strcmp(*state, "rejected") == 0)
		post_job_state(ctx, job, STORE_JOB_REJECTED, nruns);
	else if (strcmp(*state, "approved") != 0) {
		post_job_state(ctx, job, STORE_JOB_QUEUED, nruns);
		jobs_kick(ctx);
	}
	rearm(ctx);
	return OPS_OK;
}

int
approval_decide(struct ops_ctx *ctx, int64_t job,
    const struct approval_actor *who, int approve, const char *reason,
    const char *code, struct ops_err *err)
{
	const char	*state;

	return decide(ctx, job, who, approve ? 1 : 0, reason, code, &state,
	    err);
}

int
approval_override(struct ops_ctx *ctx, int64_t job,
    const struct approval_actor *who, const char *reason,
    struct ops_err *err)
{
	const char	*state;

	return decide(ctx, job, who, 2, reason, NULL, &state, err);
}

int
approval_needs_totp(struct ops_ctx *ctx, int64_t job)
{
	struct store_approval	 a;
	struct auto_approval	*p = NULL;
	int			 totp = 0;

	if (ctx->store == NULL || store_approval_get(ctx->store, job, &a,
	    NULL) != OPS_OK)
		return 0;
	if (strcmp(a.state, "pending") == 0 && load_policy(&a, &p,
	    NULL) == OPS_OK)
		totp = p->totp;
	automation_approval_free(p);
	store_approval_done(&a);
	return totp;
}

int
approval_cancel(struct ops_ctx *ctx, int64_t job, const char *actor,
    struct ops_err *err)
{
	struct store_approval	a;
	char			obj[32];
	size_t			nruns = 0;
	int			rc;

	if ((rc = store_approval_get(ctx->store, job, &a, err)) != OPS_OK)
		return rc;
	object_of(job, obj, sizeof(obj));
	/* job cancel's own audit record names who (dispatch.c) */
	if ((rc = store_approval_set_state(ctx->store, job, "cancelled",
	    err)) == OPS_OK &&
	    (rc = end_unrun(ctx, job, STORE_JOB_CANCELLED, "cancelled",
	    &nruns, err)) == OPS_OK && actor != NULL)
		rc = audit_append(ctx, actor, "approval.cancel", obj,
		    "cancelled while awaiting approval", "ok", err);
	if (rc == OPS_OK) {
		post(ctx, job, "cancelled", a.approvals, a.required, actor,
		    NULL, NULL);
		post_job_state(ctx, job, STORE_JOB_CANCELLED, nruns);
	}
	store_approval_done(&a);
	return rc;
}

json_t *
approval_brief(struct ops_ctx *ctx, int64_t job)
{
	struct store_approval	 a;
	struct auto_approval	*p = NULL;
	json_t			*o = NULL, *ap;

	if (ctx->store == NULL || store_approval_get(ctx->store, job, &a,
	    NULL) != OPS_OK)
		return NULL;
	if (load_policy(&a, &p, NULL) == OPS_OK &&
	    (ap = approval_approvers_json(p)) != NULL) {
		o = json_pack("{s:s, s:i, s:i, s:o, s:I, s:b}", "state",
		    a.state, "required", a.required, "approvals",
		    a.approvals, "approvers", ap, "expires",
		    (json_int_t)a.expires, "totp", p->totp);
	}
	automation_approval_free(p);
	store_approval_done(&a);
	return o;
}

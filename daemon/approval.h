/*
 * approval.h: four-eyes approval of jobs (opsicled(8), "Approvals").
 *
 * Contract. runner_submit (jobs.c) is the one way a job comes to exist;
 * it asks approval_policy_for which policy covers the job (the
 * automation's approval: block, else the ad hoc policy of opsicle.conf
 * for a run touching approval.adhoc-selector) and, when one does,
 * stores the job 'awaiting-approval' with an approval request
 * (approval_request): the job opens no connection and the runner never
 * picks it up. It is released to the queue ('queued', then run as
 * stored: the pinned version and sealed parameter values of its
 * request) once `required` distinct eligible approvers approved; one
 * rejection makes it 'rejected'; at its deadline it becomes 'expired'
 * (a timer on the loop; at start, jobs whose deadline passed while the
 * daemon was down expire at once). Neither ever runs.
 *
 * Eligible: the actor's role covers approver (acl.c; admin does), the
 * actor matches an entry of the policy's approvers (a user name or
 * uid, "@group", or "role:NAME": a role that covers NAME), and the
 * actor's uid is not the requester's, whatever roles it holds. One
 * uid counts once. An admin may force a job through with override and
 * a reason (never their own job either), recorded as such. When the
 * policy says totp, every approval (not a rejection) needs a TOTP code
 * of the acting user. Every request, decision, refusal, expiry and
 * override is an audit record (action "approval.request",
 * "approval.approve", "approval.reject", "approval.expire",
 * "approval.override") with the actor and the channel, and an
 * OPS_EV_APPROVAL_STATE event on the bus.
 */
#ifndef OPS_APPROVAL_H
#define OPS_APPROVAL_H

#include <sys/types.h>

#include <stdint.h>

#include "daemon.h"

enum approval_channel {
	APPROVAL_CH_CLI = 1,
	APPROVAL_CH_CONSOLE,
	APPROVAL_CH_TELEGRAM,
	APPROVAL_CH_SLACK,
	APPROVAL_CH_CONTROLLER,
};

/* "cli", "console", "telegram", "slack", "controller"; "unknown". */
const char	*approval_channel_name(enum approval_channel ch);

struct approval_actor {
	uid_t			 uid;	/* the local user acting (a chat
					 * account: the user it is linked to) */
	gid_t			 gid;	/* primary group */
	const char		*actor;	/* "name(uid)", as in the audit */
	enum approval_channel	 channel;
	const char		*account; /* chat account id text, or NULL */
};

/*
 * Approve (approve 1) or reject job as who. Eligibility, distinctness,
 * "never the requester", TOTP (code NULL when the policy needs one:
 * OPS_E_PERM "a TOTP code is required"), expiry, audit and the
 * approval-state event are all here. reason may be NULL unless the
 * policy requires one (a rejection always needs one). OPS_E_NOTFOUND:
 * no such job or it never needed approval; OPS_E_INVAL: it is no
 * longer awaiting approval (the error says what it became);
 * OPS_E_PERM: who may not decide it (the error says why). Opens its
 * own store transaction unless the caller holds one.
 */
int	approval_decide(struct ops_ctx *ctx, int64_t job,
	    const struct approval_actor *who, int approve, const char *reason,
	    const char *code, struct ops_err *err);
/* Force job through (an admin; reason required; never the requester's
 * own job): granted at once, audited as "approval.override". */
int	approval_override(struct ops_ctx *ctx, int64_t job,
	    const struct approval_actor *who, const char *reason,
	    struct ops_err *err);
/* 1 when job awaits approval and its policy needs TOTP, else 0. */
int	approval_needs_totp(struct ops_ctx *ctx, int64_t job);
/*
 * Text for a human about job's request (automation, version,
 * parameters with secrets "***", targets, who requested it, when it
 * expires, the CLI command to approve), caller frees. For notify,
 * telegram and slack.
 */
int	approval_describe(struct ops_ctx *ctx, int64_t job, char **text,
	    struct ops_err *err);

/* ---- daemon internals (approval.c, approval-policy.c) ---------------- */

/*
 * A policy, as an automation's approval: block or the ad hoc one of
 * opsicle.conf gives it (core/automation.h struct auto_approval). NULL
 * from approval_policy_for: the job needs no approval.
 */
struct auto_approval;
struct job_spec;
/* The policy covering spec (borrowed from spec's automation or from
 * *adhoc, which the caller passes in and frees with
 * automation_approval_free); *out NULL when none. */
int	approval_policy_for(struct ops_ctx *ctx, const struct job_spec *spec,
	    struct auto_approval **adhoc, const struct auto_approval **out,
	    struct ops_err *err);
/* Store the request for the just-added job (in its transaction): the
 * job is 'awaiting-approval', audited and announced. */
int	approval_request(struct ops_ctx *ctx, int64_t job,
	    const struct auto_approval *p, const struct job_spec *spec,
	    const char *actor, struct ops_err *err);
/* The runner started (ctx->store open): expire what is overdue and arm
 * the deadline timer. Safe to call again after an unlock. */
void	approval_start(struct ops_ctx *ctx);
void	approval_stop(struct ops_ctx *ctx);
/* The request of job for replies (run, automation run, job show):
 * {state, required, approvals, approvers, expires, totp}; NULL when
 * job has none. Caller owns. */
json_t	*approval_brief(struct ops_ctx *ctx, int64_t job);
/* store_approval_get with OPS_E_NOTFOUND "job N does not need approval
 * (or does not exist)". */
struct store_approval;
int	approval_get(struct ops_ctx *ctx, int64_t job, struct store_approval *a,
	    struct ops_err *err);
/* The policy's approvers as a JSON array ("role:approver" for none). */
json_t	*approval_approvers_json(const struct auto_approval *p);
/* job cancel of an awaiting job: its request ends 'cancelled'. */
int	approval_cancel(struct ops_ctx *ctx, int64_t job, const char *actor,
	    struct ops_err *err);

#endif

/*
 * dispatch.c: the daemon's operation table (one row per request type,
 * indexed by proto type) and the dispatcher that enforces its role and
 * OP_* flags before and around each handler (see daemon.h). Authority
 * lives here, on the server side: the CLI's command table only says
 * which message a command line sends.
 */
#include "config.h"

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "daemon.h"

#define ADMIN		CMD_ROLE_ADMIN
#define OPERATOR	CMD_ROLE_OPERATOR
#define VIEWER		CMD_ROLE_VIEWER
#define APPROVER	CMD_ROLE_APPROVER
#define STORE		OP_STORE
#define TX		OP_TX
#define SELF		OP_SELF_AUDIT
#define DEFER		OP_DEFER

/* The handlers, by file. Each file declares its own again (for
 * -Wmissing-prototypes), so daemon.h lists none: a new request is a
 * line here, its row below and the handler in its file. */
/* handlers-lock.c */
handler_fn	handle_unlock, handle_lock, handle_passwd;
/* handlers-targets.c */
handler_fn	handle_target_add, handle_target_list, handle_target_show,
		handle_target_edit, handle_target_rm;
/* handlers-import.c */
handler_fn	handle_target_import;
/* handlers-creds.c */
handler_fn	handle_cred_add, handle_cred_list, handle_cred_rm;
/* handlers-hostkeys.c */
handler_fn	handle_hostkey_list, handle_hostkey_accept,
		handle_hostkey_import, handle_hostkey_reject;
/* handlers-jobs.c */
handler_fn	handle_automation_run;
handler_fn	handle_run, handle_job_list, handle_job_show, handle_job_logs,
		handle_job_cancel, handle_job_rerun;
/* handlers-xfer.c */
handler_fn	handle_push, handle_pull;
/* handlers-daemon.c */
handler_fn	handle_daemon_status, handle_daemon_stop;
/* handlers-schedules.c */
handler_fn	handle_schedule_add, handle_schedule_list, handle_schedule_show,
		handle_schedule_pause, handle_schedule_resume,
		handle_schedule_rm, handle_schedule_next;
/* handlers-discover.c */
handler_fn	handle_discover;
/* handlers-audit.c */
handler_fn	handle_audit_list, handle_audit_verify;
/* handlers-approval.c */
handler_fn	handle_approval_list, handle_approval_show, handle_approve,
		handle_reject;
/* events-client.c */
handler_fn	handle_subscribe, handle_unsubscribe;
/* handlers-notify.c */
handler_fn	handle_notify_add, handle_notify_list, handle_notify_rm,
		handle_notify_test, handle_notify_log,
		handle_notify_smtp_password;
/* handlers-automations.c */
handler_fn	handle_automation_apply, handle_automation_list,
		handle_automation_show, handle_automation_history,
		handle_automation_export, handle_automation_rm;
/* handlers-totp.c */
handler_fn	handle_totp_enroll, handle_totp_confirm, handle_totp_status,
		handle_totp_disable, handle_approver_link, handle_approver_links,
		handle_approver_unlink;

static const struct dispatch_op ops[] = {
	/* 100s: the handshake, and what opens or closes the store */
	[PROTO_HELLO] = { NULL, CMD_ROLE_NONE, OP_CONN, "hello" },
	[PROTO_UNLOCK] = { handle_unlock, ADMIN, SELF | DEFER, "unlock" },
	[PROTO_LOCK] = { handle_lock, ADMIN, SELF, "lock" },
	[PROTO_PASSWD] = { handle_passwd, ADMIN, STORE | SELF | DEFER,
	    "passwd" },

	/* targets (add and import scan new host keys on the loop) */
	[PROTO_TARGET_ADD] = { handle_target_add, OPERATOR,
	    STORE | TX | DEFER, "target.add" },
	[PROTO_TARGET_LIST] = { handle_target_list, VIEWER, STORE,
	    "target.list" },
	[PROTO_TARGET_SHOW] = { handle_target_show, VIEWER, STORE,
	    "target.show" },
	[PROTO_TARGET_EDIT] = { handle_target_edit, OPERATOR, STORE | TX,
	    "target.edit" },
	[PROTO_TARGET_RM] = { handle_target_rm, OPERATOR, STORE | TX,
	    "target.rm" },
	[PROTO_TARGET_IMPORT] = { handle_target_import, OPERATOR,
	    STORE | TX | DEFER, "target.import" },

	/* credentials */
	[PROTO_CRED_ADD] = { handle_cred_add, ADMIN, STORE | TX,
	    "cred.add" },
	[PROTO_CRED_LIST] = { handle_cred_list, VIEWER, STORE, "cred.list" },
	[PROTO_CRED_RM] = { handle_cred_rm, ADMIN, STORE | TX, "cred.rm" },

	/* host keys: accept scans on the loop and answers later, opening
	 * its own transactions; reject audits with the target as object */
	[PROTO_HOSTKEY_LIST] = { handle_hostkey_list, VIEWER, STORE,
	    "hostkey.list" },
	[PROTO_HOSTKEY_ACCEPT] = { handle_hostkey_accept, OPERATOR,
	    STORE | SELF | DEFER, "hostkey.accept" },
	[PROTO_HOSTKEY_IMPORT] = { handle_hostkey_import, OPERATOR,
	    STORE | TX, "hostkey.import" },
	[PROTO_HOSTKEY_REJECT] = { handle_hostkey_reject, OPERATOR,
	    STORE | SELF, "hostkey.reject" },

	/* jobs (job logs streams its answer, or follows the job) */
	[PROTO_RUN] = { handle_run, OPERATOR, STORE | TX, "run" },
	[PROTO_AUTOMATION_RUN] = { handle_automation_run, OPERATOR,
	    STORE | TX, "automation.run" },
	[PROTO_PUSH] = { handle_push, OPERATOR, STORE | TX, "push" },
	/* notifications: channels bind destinations and secrets */
	[PROTO_NOTIFY_ADD] = { handle_notify_add, ADMIN, STORE | TX,
	    "notify.add" },
	[PROTO_NOTIFY_LIST] = { handle_notify_list, VIEWER, STORE,
	    "notify.list" },
	[PROTO_NOTIFY_RM] = { handle_notify_rm, ADMIN, STORE | TX,
	    "notify.rm" },
	[PROTO_NOTIFY_TEST] = { handle_notify_test, OPERATOR,
	    STORE | TX | DEFER, "notify.test" },
	[PROTO_NOTIFY_LOG] = { handle_notify_log, VIEWER, STORE,
	    "notify.log" },
	[PROTO_NOTIFY_SMTP_PASSWORD] = { handle_notify_smtp_password, ADMIN,
	    STORE | TX, "notify.smtp-password" },
	[PROTO_PULL] = { handle_pull, OPERATOR, STORE | TX, "pull" },
	[PROTO_JOB_LIST] = { handle_job_list, VIEWER, STORE, "job.list" },
	[PROTO_JOB_SHOW] = { handle_job_show, VIEWER, STORE, "job.show" },
	[PROTO_JOB_LOGS] = { handle_job_logs, VIEWER, STORE | DEFER,
	    "job.logs" },
	[PROTO_JOB_CANCEL] = { handle_job_cancel, OPERATOR, STORE | TX | DEFER,
	    "job.cancel" },
	[PROTO_JOB_RERUN] = { handle_job_rerun, OPERATOR, STORE | TX,
	    "job.rerun" },

	/* automations: who may change targets may change automations;
	 * apply audits itself (its object is the document's name, its
	 * detail the version and sha256) */
	[PROTO_AUTOMATION_APPLY] = { handle_automation_apply, OPERATOR,
	    STORE | SELF, "automation.apply" },
	[PROTO_AUTOMATION_LIST] = { handle_automation_list, VIEWER, STORE,
	    "automation.list" },
	[PROTO_AUTOMATION_SHOW] = { handle_automation_show, VIEWER, STORE,
	    "automation.show" },
	[PROTO_AUTOMATION_HISTORY] = { handle_automation_history, VIEWER,
	    STORE, "automation.history" },
	[PROTO_AUTOMATION_EXPORT] = { handle_automation_export, VIEWER,
	    STORE, "automation.export" },
	[PROTO_AUTOMATION_RM] = { handle_automation_rm, OPERATOR,
	    STORE | TX, "automation.rm" },

	/* approvals: approve and reject decide in their own transaction
	 * (approval.c) and audit every decision and refusal with its
	 * channel; who may decide is checked there too (the approver
	 * role, the policy's approvers, never the requester) */
	[PROTO_APPROVAL_LIST] = { handle_approval_list, VIEWER, STORE,
	    "approval.list" },
	[PROTO_APPROVAL_SHOW] = { handle_approval_show, VIEWER, STORE,
	    "approval.show" },
	[PROTO_APPROVE] = { handle_approve, APPROVER, STORE | SELF,
	    "approve" },
	[PROTO_REJECT] = { handle_reject, APPROVER, STORE | SELF,
	    "reject" },
	/* TOTP and approver links: each user their own (admin: anyone's);
	 * they audit themselves, so a wrong code's record and counters
	 * outlive the refusal */
	[PROTO_TOTP_ENROLL] = { handle_totp_enroll, VIEWER, STORE | SELF,
	    "totp.enroll" },
	[PROTO_TOTP_CONFIRM] = { handle_totp_confirm, VIEWER, STORE | SELF,
	    "totp.confirm" },
	[PROTO_TOTP_STATUS] = { handle_totp_status, VIEWER, STORE,
	    "totp.status" },
	[PROTO_TOTP_DISABLE] = { handle_totp_disable, VIEWER, STORE | SELF,
	    "totp.disable" },
	[PROTO_APPROVER_LINK] = { handle_approver_link, VIEWER, STORE | SELF,
	    "approver.link" },
	[PROTO_APPROVER_LINKS] = { handle_approver_links, VIEWER, STORE,
	    "approver.links" },
	[PROTO_APPROVER_UNLINK] = { handle_approver_unlink, VIEWER,
	    STORE | SELF, "approver.unlink" },
	/* schedules: who may run an automation may schedule it */
	[PROTO_SCHEDULE_ADD] = { handle_schedule_add, OPERATOR, STORE | TX,
	    "schedule.add" },
	[PROTO_SCHEDULE_LIST] = { handle_schedule_list, VIEWER, STORE,
	    "schedule.list" },
	[PROTO_SCHEDULE_SHOW] = { handle_schedule_show, VIEWER, STORE,
	    "schedule.show" },
	[PROTO_SCHEDULE_PAUSE] = { handle_schedule_pause, OPERATOR,
	    STORE | TX, "schedule.pause" },
	[PROTO_SCHEDULE_RESUME] = { handle_schedule_resume, OPERATOR,
	    STORE | TX, "schedule.resume" },
	[PROTO_SCHEDULE_RM] = { handle_schedule_rm, OPERATOR, STORE | TX,
	    "schedule.rm" },
	[PROTO_SCHEDULE_NEXT] = { handle_schedule_next, VIEWER, STORE,
	    "schedule.next" },
	/* discovery: probes the network from the daemon's host; the
	 * scan answers later and audits itself (and each target it adds) */
	[PROTO_DISCOVER] = { handle_discover, OPERATOR,
	    STORE | SELF | DEFER, "discover" },

	/* the daemon itself: stop audits itself and goes on when its
	 * audit record cannot be written */
	[PROTO_DAEMON_STATUS] = { handle_daemon_status, VIEWER, 0,
	    "daemon.status" },
	[PROTO_DAEMON_STOP] = { handle_daemon_stop, ADMIN, SELF,
	    "daemon.stop" },

	/* audit */
	[PROTO_AUDIT_LIST] = { handle_audit_list, VIEWER, STORE,
	    "audit.list" },
	[PROTO_AUDIT_VERIFY] = { handle_audit_verify, VIEWER, STORE,
	    "audit.verify" },

	/* event streams: "opsicle events" and the console subscribe;
	 * unsubscribe is wire-only and touches no store */
	[PROTO_SUBSCRIBE] = { handle_subscribe, VIEWER, STORE, "events" },
	[PROTO_UNSUBSCRIBE] = { handle_unsubscribe, VIEWER, 0,
	    "unsubscribe" },
};
#define NOPS	(sizeof(ops) / sizeof(ops[0]))

const struct dispatch_op *
dispatch_find(enum proto_type type)
{
	if ((unsigned)type >= NOPS || ops[type].name == NULL)
		return NULL;
	return &ops[type];
}

const struct dispatch_op *
dispatch_table(size_t *n)
{
	*n = NOPS;
	return ops;
}

void
dispatch_op_name(const struct dispatch_op *op, char *buf, size_t len)
{
	char	*p;

	snprintf(buf, len, "%s", op->name);
	for (p = buf; *p != '\0'; p++)
		if (*p == '.')
			*p = ' ';
}

const char *
cmd_role_name(enum cmd_role role)
{
	switch (role) {
	case CMD_ROLE_VIEWER:
		return "viewer";
	case CMD_ROLE_OPERATOR:
		return "operator";
	case CMD_ROLE_APPROVER:
		return "approver";
	case CMD_ROLE_OPERATOR_APPROVER:
		return "operator+approver";
	case CMD_ROLE_ADMIN:
		return "admin";
	case CMD_ROLE_NONE:
		break;
	}
	return "none";
}

int
dispatch_admit(struct ops_ctx *ctx, struct client *c,
    const struct dispatch_op *op, struct ops_err *err)
{
	char	name[64];

	if (!acl_allows(c->role, op->role)) {
		dispatch_op_name(op, name, sizeof(name));
		return ops_err_set(err, OPS_E_PERM, "permission denied: %s "
		    "needs role %s; %s has role %s", name,
		    cmd_role_name(op->role), c->actor, cmd_role_name(c->role));
	}
	if (server_stopping(ctx))
		return ops_err_set(err, OPS_E_LOCKED, "opsicled is stopping");
	if ((op->flags & OP_STORE) && ctx->store == NULL)
		return ops_err_set(err, OPS_E_LOCKED, "store is locked; run "
		    "opsicle unlock");
	return OPS_OK;
}

/*
 * The approvals feature's hook (daemon.h, "The approval gate"): OPS_OK
 * with *held 0 lets the request run now; *held 1 means the gate took
 * the answer over (client_defer) and the handler runs later; an error
 * refuses it. No approvals exist yet: everything runs now.
 */
static int
approval_gate(struct ops_ctx *ctx, struct client *c,
    const struct dispatch_op *op, const json_t *msg, int *held,
    struct ops_err *err)
{
	(void)ctx;
	(void)c;
	(void)op;
	(void)msg;
	(void)err;
	*held = 0;
	return OPS_OK;
}

/*
 * What an OP_TX request acted on, for its audit record: the "name" it
 * names, else the job it names or (run, rerun) the job it created.
 */
static const char *
audit_object(const json_t *msg, const json_t *result, char *buf,
    size_t len)
{
	const char	*name = NULL;
	long long	 job = -1;

	if (proto_has(msg, "name") && proto_get_str(msg, "name", &name,
	    OPS_PROTO_MAX_NAME, NULL) == OPS_OK)
		return name;
	if (json_is_integer(json_object_get(result, "job")))
		job = json_integer_value(json_object_get(result, "job"));
	else if (proto_has(msg, "job"))
		(void)proto_get_int(msg, "job", 0, LLONG_MAX, &job, NULL);
	if (job < 0)
		return NULL;
	snprintf(buf, len, "job %lld", job);
	return buf;
}

/* The handler and its audit record in one transaction (OP_TX). */
static int
dispatch_tx(struct ops_ctx *ctx, struct client *c,
    const struct dispatch_op *op, json_t *msg, json_t **result,
    struct ops_err *err)
{
	struct ops_err	aerr;
	char		objbuf[64];
	int		rc;

	if ((rc = store_tx_begin(ctx->store, err)) != OPS_OK)
		return rc;
	if ((rc = op->fn(ctx, c, msg, result, err)) == OPS_OK &&
	    (rc = audit_record(ctx, c, op->name, audit_object(msg, *result,
	    objbuf, sizeof(objbuf)), "ok", err)) == OPS_OK &&
	    (rc = store_tx_commit(ctx->store, err)) == OPS_OK)
		return OPS_OK;
	store_tx_rollback(ctx->store);
	json_decref(*result);
	*result = NULL;
	/* The refusal itself is audited, outside the undone transaction. */
	if (audit_record(ctx, c, op->name, audit_object(msg, NULL, objbuf,
	    sizeof(objbuf)), ops_err_msg(err), &aerr) != OPS_OK)
		log_warnx(&ctx->log, "audit %s: %s", op->name,
		    ops_err_msg(&aerr));
	return rc;
}

int
dispatch_call(struct ops_ctx *ctx, struct client *c,
    const struct dispatch_op *op, json_t *msg, json_t **result,
    struct ops_err *err)
{
	int	rc = OPS_OK, held = 0;

	*result = NULL;
	c->defer_reply = 0;
	c->defer_ok = (op->flags & (OP_DEFER | OP_APPROVAL)) != 0;
	if (op->flags & OP_APPROVAL)
		rc = approval_gate(ctx, c, op, msg, &held, err);
	if (rc == OPS_OK && !held) {
		if ((op->flags & OP_TX) && ctx->store != NULL)
			rc = dispatch_tx(ctx, c, op, msg, result, err);
		else
			rc = op->fn(ctx, c, msg, result, err);
	}
	c->defer_ok = 0;
	if (c->defer_reply && !(op->flags & (OP_DEFER | OP_APPROVAL))) {
		/* A broken invariant: the row must say so. */
		log_warnx(&ctx->log, "bug: %s deferred its reply without "
		    "OP_DEFER", op->name);
		abort();
	}
	return rc;
}

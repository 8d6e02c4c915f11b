/*
 * handlers-daemon.c: the handler table (indexed by message type) and the
 * "daemon status" and "daemon stop" requests.
 */
#include "config.h"

#include <stdio.h>
#include <unistd.h>

#include "daemon.h"

static const struct handler handlers[] = {
	{ PROTO_TARGET_ADD, handle_target_add },
	{ PROTO_TARGET_LIST, handle_target_list },
	{ PROTO_TARGET_SHOW, handle_target_show },
	{ PROTO_TARGET_EDIT, handle_target_edit },
	{ PROTO_TARGET_RM, handle_target_rm },
	{ PROTO_CRED_ADD, handle_cred_add },
	{ PROTO_CRED_LIST, handle_cred_list },
	{ PROTO_CRED_RM, handle_cred_rm },
	{ PROTO_DAEMON_STATUS, handle_daemon_status },
	{ PROTO_DAEMON_STOP, handle_daemon_stop },
	{ PROTO_AUDIT_LIST, handle_audit_list },
	{ PROTO_AUDIT_VERIFY, handle_audit_verify },
	{ PROTO_UNLOCK, handle_unlock },
	{ PROTO_LOCK, handle_lock },
	{ PROTO_PASSWD, handle_passwd },
	{ PROTO_TARGET_IMPORT, handle_target_import },
	/* jobs: run, job commands and event streams */
	{ PROTO_RUN, handle_run },
	{ PROTO_JOB_LIST, handle_job_list },
	{ PROTO_JOB_SHOW, handle_job_show },
	{ PROTO_JOB_LOGS, handle_job_logs },
	{ PROTO_JOB_CANCEL, handle_job_cancel },
	{ PROTO_JOB_RERUN, handle_job_rerun },
	{ PROTO_SUBSCRIBE, handle_subscribe },	/* "events" */
	/* hostkeys: list, accept (scans on the loop), import, reject */
	{ PROTO_HOSTKEY_LIST, handle_hostkey_list },
	{ PROTO_HOSTKEY_ACCEPT, handle_hostkey_accept },
	{ PROTO_HOSTKEY_IMPORT, handle_hostkey_import },
	{ PROTO_HOSTKEY_REJECT, handle_hostkey_reject },
};
#define NHANDLERS	(sizeof(handlers) / sizeof(handlers[0]))

const struct handler *
handler_find(enum proto_type type)
{
	size_t	i;

	for (i = 0; i < NHANDLERS; i++)
		if (handlers[i].type == type)
			return &handlers[i];
	return NULL;
}

const struct handler *
handler_table(size_t *n)
{
	*n = NHANDLERS;
	return handlers;
}

int
handler_need_store(struct ops_ctx *ctx, struct ops_err *err)
{
	if (ctx->store == NULL)
		return ops_err_set(err, OPS_E_LOCKED, "store is locked; run "
		    "opsicle unlock");
	return OPS_OK;
}

int
handle_daemon_status(struct ops_ctx *ctx, struct client *c, json_t *msg,
    json_t **result, struct ops_err *err)
{
	long long	up = (evloop_now_ms() - ctx->started_ms) / 1000;
	enum keys_kind	kind;

	(void)c;
	(void)msg;
	if (keys_envelope_kind(ctx->paths.envelope, &kind, NULL) != OPS_OK)
		kind = 0;
	*result = json_pack("{s:I, s:s, s:I, s:I, s:s, s:s, s:b, s:s}",
	    "pid", (json_int_t)getpid(),
	    "version", PACKAGE_VERSION,
	    "started", (json_int_t)ctx->started,
	    "uptime", (json_int_t)up,
	    "store", ctx->paths.store,
	    "socket", ctx->paths.socket,
	    "locked", ctx->store == NULL,
	    "key", kind == KEYS_KIND_PASSPHRASE ? "passphrase" :
	    kind == KEYS_KIND_KEYFILE ? "keyfile" : "none");
	if (*result == NULL)
		return ops_err_set(err, OPS_E_NOMEM, "build daemon status");
	return OPS_OK;
}

/*
 * Answer first, then stop taking jobs: running ones get "grace" seconds
 * (default JOBS_GRACE_MS) to finish before they are interrupted. The
 * stop audits itself (it is not CMD_F_MUTATING): a damaged store must
 * not keep a daemon from stopping, nor make a stop that happens look
 * refused, so a failed audit record is a warning in the reply.
 */
int
handle_daemon_stop(struct ops_ctx *ctx, struct client *c, json_t *msg,
    json_t **result, struct ops_err *err)
{
	struct ops_err	aerr;
	long long	grace = JOBS_GRACE_MS / 1000;
	char		warn[OPS_ERR_MSG_MAX + 64];
	int		rc;

	if (proto_has(msg, "grace") && (rc = proto_get_int(msg, "grace", 0,
	    24 * 3600, &grace, err)) != OPS_OK)
		return rc;
	log_info(&ctx->log, "stop requested by %s", c->actor);
	if (audit_record(ctx, c, "daemon.stop", NULL, "ok", &aerr) != OPS_OK) {
		snprintf(warn, sizeof(warn), "the stop was not audited: %s",
		    ops_err_msg(&aerr));
		log_warnx(&ctx->log, "%s", warn);
		if ((*result = json_pack("{s:s}", "warning", warn)) == NULL)
			return ops_err_set(err, OPS_E_NOMEM, "build reply");
	}
	daemon_request_stop(ctx, grace * 1000);
	return OPS_OK;
}

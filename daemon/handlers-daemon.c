/*
 * handlers-daemon.c: the "daemon status" and "daemon stop" requests.
 */
#include "config.h"

#include <stdio.h>
#include <unistd.h>

#include "daemon.h"

/* Their rows are in dispatch.c, which declares them too. */
handler_fn	handle_daemon_status, handle_daemon_stop;

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
 * stop audits itself (OP_SELF_AUDIT, no OP_TX): a damaged store must
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

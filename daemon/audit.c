/*
 * audit.c: the audit service. Every change the daemon makes is appended
 * to the store's hash-chained audit trail through here, by handlers, the
 * dispatcher and services that finish work later (host key scans), so
 * the shape of a record is decided in one place.
 */
#include "config.h"

#include "daemon.h"

int
audit_append(struct ops_ctx *ctx, const char *actor, const char *action,
    const char *object, const char *detail, const char *result,
    struct ops_err *err)
{
	struct store_audit_entry	e = {
		.actor = actor,
		.action = action,
		.object = object,
		.detail = detail,
		.result = result,
	};

	/* Locked: nothing can be recorded, and nothing was changed. */
	if (ctx->store == NULL)
		return OPS_OK;
	return store_audit_append(ctx->store, &e, NULL, err);
}

int
audit_record(struct ops_ctx *ctx, struct client *c, const char *action,
    const char *object, const char *result, struct ops_err *err)
{
	return audit_append(ctx, c->actor, action, object, NULL, result, err);
}

void
audit_refusal(struct ops_ctx *ctx, const char *actor, const char *action,
    const char *object, const char *detail, const char *why)
{
	struct ops_err	err;

	if (audit_append(ctx, actor, action, object, detail, why,
	    &err) != OPS_OK)
		log_warnx(&ctx->log, "audit %s: %s", action,
		    ops_err_msg(&err));
}

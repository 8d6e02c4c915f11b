/*
 * handlers-audit.c: the "audit list" and "audit verify" requests (records
 * are written by the audit service, audit.c).
 */
#include "config.h"

#include <sodium.h>
#include <stdint.h>

#include "daemon.h"

/* Their rows are in dispatch.c, which declares them too. */
handler_fn	handle_audit_list, handle_audit_verify;

int
handle_audit_list(struct ops_ctx *ctx, struct client *c, json_t *msg,
    json_t **result, struct ops_err *err)
{
	struct store_audit_filter	f = { .newest_first = 1, .limit = 50 };
	struct store_audit_list		l = { NULL, 0 };
	struct audit_rec		rec;
	json_t				*a = NULL, *o;
	long long			 v;
	size_t				 i;
	int				 rc;

	(void)c;
	if (proto_has(msg, "limit")) {
		if ((rc = proto_get_int(msg, "limit", 1, 100000, &v,
		    err)) != OPS_OK)
			return rc;
		f.limit = (size_t)v;
	}
	if (proto_has(msg, "since")) {
		if ((rc = proto_get_int(msg, "since", 0, INT64_MAX, &v,
		    err)) != OPS_OK)
			return rc;
		f.since = v;
	}
	if ((rc = store_audit_list(ctx->store, &f, &l, err)) != OPS_OK)
		return rc;
	if ((a = json_array()) == NULL)
		goto nomem;
	/* Oldest of the selection first, like a log. */
	for (i = l.n; i > 0; i--) {
		rec.id = l.v[i - 1].id;
		rec.ts = l.v[i - 1].ts;
		rec.actor = l.v[i - 1].actor;
		rec.action = l.v[i - 1].action;
		rec.object = l.v[i - 1].object;
		rec.result = l.v[i - 1].result;
		o = audit_rec_encode(&rec);
		if (o == NULL || json_array_append_new(a, o) != 0)
			goto nomem;
	}
	store_audit_list_free(&l);
	*result = a;
	return OPS_OK;
nomem:
	store_audit_list_free(&l);
	json_decref(a);
	return ops_err_set(err, OPS_E_NOMEM, "build audit list");
}

int
handle_audit_verify(struct ops_ctx *ctx, struct client *c, json_t *msg,
    json_t **result, struct ops_err *err)
{
	struct store_audit_head	head;
	char			hex[2 * STORE_HASH_LEN + 1];
	int64_t			bad = 0;
	int			rc;

	(void)c;
	(void)msg;
	/* The store's message names the first broken record. */
	if ((rc = store_audit_verify(ctx->store, &bad, &head, err)) != OPS_OK)
		return rc;
	/* The head, so it can be anchored outside this store. */
	sodium_bin2hex(hex, sizeof(hex), head.hash, sizeof(head.hash));
	if ((*result = json_pack("{s:b, s:I, s:s}", "ok", 1, "head_id",
	    (json_int_t)head.id, "head_hash", hex)) == NULL)
		return ops_err_set(err, OPS_E_NOMEM, "build audit verify");
	return OPS_OK;
}

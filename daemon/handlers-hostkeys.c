/*
 * handlers-hostkeys.c: hostkey list, accept, import and reject, and the
 * key scan after "target add/import --accept-new-hostkey".
 *
 * Host keys are strict: a target is reached only on a key it is known by.
 * Keys get known in three ways, each audited ("hostkey.accept" or
 * "hostkey.import", the key type and fingerprint in the detail):
 *   - hostkey-accept with a fingerprint: the pending key with that
 *     fingerprint, or, when none is pending, the key the server presents
 *     now if (and only if) it has exactly that fingerprint;
 *   - hostkey-accept without one, or accept_new_hostkey on target add and
 *     import: trust on first use, on explicit request only. A target that
 *     already has known keys and presents another key is refused loudly
 *     (the key is kept as pending so it can be inspected and accepted by
 *     fingerprint);
 *   - hostkey-import: known_hosts text matched against each target's
 *     host[:port] (hashed entries included).
 * An explicitly given fingerprint replaces the known key of the same type
 * (a host key that changed on purpose).
 *
 * Credentials and roles (opsicled(8)): trusting a key for a target that
 * has a credential decides who receives that credential, so accept and
 * import need admin for such a target. A scan that ends after the target
 * moved, or gained a credential its requester may not bind, stores
 * nothing.
 *
 * Scans run on the daemon's loop (core/ssh-keyscan.c) and never block
 * it: the handler defers its reply (client_defer, server-client.c) and
 * the scan's callback stores the keys, writes the audit records in one
 * transaction and answers. Accept is not CMD_F_MUTATING for this reason:
 * it opens its own transactions and writes its own audit records.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "daemon.h"
#include "hostkey.h"
#include "ssh-keyscan.h"

#define S	OPS_PROTO_MAX_NAME

enum hk_mode {
	HK_ACCEPT = 1,		/* hostkey-accept, one target */
	HK_NEW,			/* after target add/import */
};

/* Where a scanned target was when the scan started. */
struct hk_dest {
	char			*name;
	char			*host;
	unsigned		 port;
};

struct hk_op {
	struct ops_ctx		*ctx;
	struct client_defer	*d;
	enum hk_mode		 mode;
	char			 actor[64];
	enum cmd_role		 role;		/* the requester's */
	struct hk_dest		*dest;		/* one per scanned target */
	size_t			 ndest;
	char			 want_fp[HOSTKEY_FP_MAX];	/* "" if none */
	struct store_hostkey_list known;	/* accept: at scan start */
	json_t			*base;		/* HK_NEW: result to extend */
	struct ssh_keyscan	*ks;
};

static void
hk_op_free(struct hk_op *op)
{
	size_t	i;

	if (op == NULL)
		return;
	for (i = 0; i < op->ndest; i++) {
		free(op->dest[i].name);
		free(op->dest[i].host);
	}
	free(op->dest);
	ssh_keyscan_free(op->ks);
	store_hostkey_list_free(&op->known);
	json_decref(op->base);
	free(op);
}

/* Append an audit record with our own actor (the client may be gone). */
static int
hk_audit(struct ops_ctx *ctx, const char *actor, const char *action,
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

	return store_audit_append(ctx->store, &e, NULL, err);
}

/* A refusal: audit it (outside any transaction) and log failures. */
static void
hk_audit_refusal_as(struct ops_ctx *ctx, const char *actor,
    const char *action, const char *target, const char *detail,
    const char *why)
{
	struct ops_err	err;

	if (ctx->store == NULL)
		return;
	if (hk_audit(ctx, actor, action, target, detail, why, &err) != OPS_OK)
		log_warnx(&ctx->log, "audit %s: %s", action,
		    ops_err_msg(&err));
}

static void
hk_audit_refusal(struct ops_ctx *ctx, const char *actor, const char *target,
    const char *detail, const char *why)
{
	hk_audit_refusal_as(ctx, actor, "hostkey.accept", target, detail, why);
}

/* Refuse credentialed targets to a requester that is not admin. */
static int
hk_check_cred(enum cmd_role role, const char *actor,
    const struct store_target *t, struct ops_err *err)
{
	if (t->cred_name == NULL)
		return OPS_OK;
	return acl_need_admin(role, actor, err, "trusting a host key for "
	    "target %s, which uses credential %s,", t->name, t->cred_name);
}

/*
 * The scan took a while: the target must still be where it was scanned
 * and, when it gained a credential meanwhile, the requester must still
 * be allowed to trust keys for it. Refusals are audited.
 */
static int
hk_still_allowed(struct hk_op *op, const char *target, const char *detail,
    struct ops_err *err)
{
	struct store_target	*t = NULL;
	const struct hk_dest	*d = NULL;
	size_t			 i;
	int			 rc;

	for (i = 0; i < op->ndest && d == NULL; i++)
		if (strcmp(op->dest[i].name, target) == 0)
			d = &op->dest[i];
	if ((rc = store_target_get(op->ctx->store, target, &t, err)) !=
	    OPS_OK)
		return rc;
	if (d == NULL || strcmp(d->host, t->host) != 0 ||
	    d->port != (unsigned)t->port)
		rc = ops_err_set(err, OPS_E_INVAL, "target %s moved during the "
		    "host key scan; nothing stored", target);
	else
		rc = hk_check_cred(op->role, op->actor, t, err);
	store_target_free(t);
	if (rc != OPS_OK)
		hk_audit_refusal(op->ctx, op->actor, target, detail,
		    ops_err_msg(err));
	return rc;
}

/*
 * Store hk as a known key of target (replacing the known key of the same
 * type when replace) and audit it, in one transaction.
 */
static int
hk_store(struct hk_op *op, const char *target, const struct hostkey *hk,
    const unsigned char *blob, size_t blob_len, int replace,
    const char *how, struct ops_err *err)
{
	struct ops_ctx	*ctx = op->ctx;
	const char	*actor = op->actor;
	char		 detail[256];
	int		 rc;

	snprintf(detail, sizeof(detail), "%s %s (%s)", hk->type, hk->fp, how);
	if ((rc = hk_still_allowed(op, target, detail, err)) != OPS_OK)
		return rc;
	if ((rc = store_tx_begin(ctx->store, err)) != OPS_OK)
		return rc;
	/* Through pending, so the move and the replace share one path. */
	rc = store_hostkey_pending_set(ctx->store, target, hk->type, hk->fp,
	    blob, blob_len, err);
	if (rc == OPS_OK)
		rc = store_hostkey_accept(ctx->store, target, hk->fp, replace,
		    NULL, err);
	if (rc == OPS_OK)
		rc = hk_audit(ctx, actor, "hostkey.accept", target, detail,
		    "ok", err);
	if (rc == OPS_OK && (rc = store_tx_commit(ctx->store, err)) ==
	    OPS_OK)
		return OPS_OK;
	store_tx_rollback(ctx->store);
	return rc;
}

static int
known_has(const struct store_hostkey_list *l, const char *fp)
{
	size_t	i;

	for (i = 0; i < l->n; i++)
		if (strcmp(l->v[i].fp, fp) == 0)
			return 1;
	return 0;
}

/* "ssh-ed25519,ecdsa-sha2-nistp256": the types of the known keys, so the
 * server shows a key comparable with them. "" when any will do. */
static void
known_types(const struct store_hostkey_list *l, char *buf, size_t len)
{
	const char	*add;
	size_t		 i;

	buf[0] = '\0';
	for (i = 0; i < l->n; i++) {
		add = l->v[i].type;
		if (strcmp(add, "ssh-rsa") == 0)
			add = "rsa-sha2-512,rsa-sha2-256,ssh-rsa";
		if (strstr(buf, add) != NULL)
			continue;
		if (strlen(buf) + strlen(add) + 2 >= len) {
			buf[0] = '\0';
			return;
		}
		if (buf[0] != '\0')
			strcat(buf, ",");
		strcat(buf, add);
	}
}

static json_t *
key_json(const char *target, const char *type, const char *fp)
{
	return json_pack("{s:s, s:s, s:s}", "target", target, "type", type,
	    "fingerprint", fp);
}

/* ---- the end of a scan ------------------------------------------------- */

static void
hk_accept_done(struct hk_op *op, const struct ssh_keyscan_result *r)
{
	struct ops_ctx	*ctx = op->ctx;
	struct ops_err	 err;
	const char	*t = r->target;
	char		 msg[1024], detail[256];
	json_t		*res;
	int		 rc, replace = 0;

	if (!r->ok) {
		client_defer_error(op->d, r->status != 0 ? r->status :
		    OPS_E_CONNECT, r->msg);
		op->d = NULL;
		return;
	}
	snprintf(detail, sizeof(detail), "%s %s", r->hk.type, r->hk.fp);
	if (known_has(&op->known, r->hk.fp)) {
		res = json_pack("{s:s, s:s, s:s, s:s}", "target", t, "type",
		    r->hk.type, "fingerprint", r->hk.fp, "status",
		    "already-known");
		client_defer_ok(op->d, res);
		op->d = NULL;
		return;
	}
	if (op->want_fp[0] != '\0') {
		if (strcmp(op->want_fp, r->hk.fp) != 0) {
			snprintf(msg, sizeof(msg), "host key of %s does not "
			    "match: the server presents %s %s, not %s; nothing "
			    "stored", t, r->hk.type, r->hk.fp, op->want_fp);
			hk_audit_refusal(ctx, op->actor, t, detail,
			    "fingerprint mismatch");
			client_defer_error(op->d, OPS_E_HOSTKEY, msg);
			op->d = NULL;
			return;
		}
		replace = 1;
	} else if (op->known.n > 0) {
		/* Keep the new key visible as pending, refuse loudly. */
		(void)store_hostkey_pending_set(ctx->store, t, r->hk.type,
		    r->hk.fp, r->blob, r->blob_len, NULL);
		/* Most important first: replies are cut at 255 bytes. */
		snprintf(msg, sizeof(msg), "HOST KEY CHANGED for %s: it "
		    "presents %s %s but is known by %s. Someone may be "
		    "intercepting the connection, or the host was "
		    "reinstalled; nothing accepted", t, r->hk.type, r->hk.fp,
		    op->known.v[0].fp);
		hk_audit_refusal(ctx, op->actor, t, detail, "host key changed");
		log_warnx(&ctx->log, "host key changed for %s: %s", t,
		    r->hk.fp);
		client_defer_error(op->d, OPS_E_HOSTKEY, msg);
		op->d = NULL;
		return;
	}
	rc = hk_store(op, t, &r->hk, r->blob, r->blob_len, replace,
	    replace ? "scanned, fingerprint given" :
	    "scanned, trusted on first use", &err);
	if (rc != OPS_OK) {
		client_defer_error(op->d, rc, ops_err_msg(&err));
		op->d = NULL;
		return;
	}
	res = json_pack("{s:s, s:s, s:s, s:s}", "target", t, "type",
	    r->hk.type, "fingerprint", r->hk.fp, "status",
	    replace ? "accepted-fingerprint" : "accepted-new");
	client_defer_ok(op->d, res);
	op->d = NULL;
}

static void
hk_new_done(struct hk_op *op)
{
	const struct ssh_keyscan_result	*r;
	struct ops_err			 err;
	json_t				*keys, *errs, *res;
	size_t				 i;

	keys = json_array();
	errs = json_array();
	res = op->base != NULL ? op->base : json_object();
	op->base = NULL;
	if (keys == NULL || errs == NULL || res == NULL) {
		json_decref(keys);
		json_decref(errs);
		json_decref(res);
		client_defer_error(op->d, OPS_E_NOMEM, "build host key reply");
		op->d = NULL;
		return;
	}
	for (i = 0; i < ssh_keyscan_count(op->ks); i++) {
		r = ssh_keyscan_result(op->ks, i);
		if (!r->ok) {
			json_array_append_new(errs, json_pack("{s:s, s:s, "
			    "s:s}", "target", r->target, "class",
			    ssh_class_name(r->cls), "message", r->msg));
			continue;
		}
		if (hk_store(op, r->target, &r->hk, r->blob, r->blob_len, 0,
		    "scanned, accept_new_hostkey", &err) != OPS_OK) {
			json_array_append_new(errs, json_pack("{s:s, s:s, "
			    "s:s}", "target", r->target, "class",
			    err.code == OPS_E_PERM ? "permission" : "store",
			    "message", ops_err_msg(&err)));
			continue;
		}
		json_array_append_new(keys, key_json(r->target, r->hk.type,
		    r->hk.fp));
	}
	json_object_set_new(res, "hostkeys", keys);
	json_object_set_new(res, "hostkey_errors", errs);
	client_defer_ok(op->d, res);
	op->d = NULL;
}

static void
hk_scan_done(struct ssh_keyscan *ks, void *arg)
{
	struct hk_op	*op = arg;

	(void)ks;
	if (op->ctx->store == NULL) {
		client_defer_error(op->d, OPS_E_LOCKED, "the store was locked "
		    "during the host key scan; nothing stored");
		op->d = NULL;
	} else if (op->mode == HK_ACCEPT)
		hk_accept_done(op, ssh_keyscan_result(ks, 0));
	else
		hk_new_done(op);
	hk_op_free(op);
}

/* Start scanning targets for op; on success op belongs to the scan. */
static int
hk_scan_start(struct hk_op *op, struct client *c, const json_t *msg,
    const struct ssh_keyscan_target *t, size_t n, struct ops_err *err)
{
	size_t	i;
	int	rc;

	snprintf(op->actor, sizeof(op->actor), "%s", c->actor);
	op->role = c->role;
	if ((op->dest = calloc(n, sizeof(*op->dest))) == NULL)
		return ops_err_set(err, OPS_E_NOMEM, "scan host keys");
	op->ndest = n;		/* hk_op_free frees what was copied */
	for (i = 0; i < n; i++) {
		op->dest[i].name = strdup(t[i].name);
		op->dest[i].host = strdup(t[i].host);
		op->dest[i].port = t[i].port;
		if (op->dest[i].name == NULL || op->dest[i].host == NULL)
			return ops_err_set(err, OPS_E_NOMEM, "scan host keys");
	}
	if ((rc = ssh_keyscan_start(op->ctx->loop, t, n, 0, 0, hk_scan_done,
	    op, &op->ks, err)) != OPS_OK)
		return rc;
	if ((op->d = client_defer(c, msg)) == NULL) {
		ssh_keyscan_free(op->ks);
		op->ks = NULL;
		return ops_err_set(err, OPS_E_NOMEM, "defer reply");
	}
	return OPS_OK;
}

/* ---- target add / import --accept-new-hostkey ------------------------- */

int
hostkeys_scan_new(struct ops_ctx *ctx, struct client *c, const json_t *msg,
    const char *const *names, size_t n, json_t **result,
    struct ops_err *err)
{
	struct ssh_keyscan_target	*t = NULL;
	struct store_target		**tv = NULL;
	struct hk_op			*op = NULL;
	struct ops_err			 e;
	json_t				*errs;
	size_t				 i;
	int				 rc = OPS_OK;

	(void)err;
	if (n == 0)
		return OPS_OK;
	if ((t = calloc(n, sizeof(*t))) == NULL ||
	    (tv = calloc(n, sizeof(*tv))) == NULL ||
	    (op = calloc(1, sizeof(*op))) == NULL) {
		rc = ops_err_set(&e, OPS_E_NOMEM, "scan host keys");
		goto fail;
	}
	for (i = 0; i < n; i++) {
		if ((rc = store_target_get(ctx->store, names[i], &tv[i],
		    &e)) != OPS_OK)
			goto fail;
		t[i].name = tv[i]->name;
		t[i].host = tv[i]->host;
		t[i].port = (unsigned)tv[i]->port;
	}
	op->ctx = ctx;
	op->mode = HK_NEW;
	if (*result == NULL && (*result = json_object()) == NULL) {
		rc = ops_err_set(&e, OPS_E_NOMEM, "scan host keys");
		goto fail;
	}
	if ((rc = hk_scan_start(op, c, msg, t, n, &e)) != OPS_OK)
		goto fail;
	op->base = *result;	/* the scan's reply carries it */
	*result = NULL;
	op = NULL;
	goto out;
fail:
	/* The targets stay added; the reply says the scan did not run. */
	if (*result == NULL)
		*result = json_object();
	errs = json_array();
	for (i = 0; errs != NULL && i < n; i++)
		json_array_append_new(errs, json_pack("{s:s, s:s, s:s}",
		    "target", names[i], "class", "internal", "message",
		    ops_err_msg(&e)));
	if (*result != NULL) {
		json_object_set_new(*result, "hostkeys", json_array());
		json_object_set_new(*result, "hostkey_errors", errs);
	} else
		json_decref(errs);
	rc = OPS_OK;
out:
	for (i = 0; tv != NULL && i < n; i++)
		store_target_free(tv[i]);
	free(tv);
	free(t);
	hk_op_free(op);
	return rc;
}

/* ---- hostkey-accept ----------------------------------------------------- */

int
handle_hostkey_accept(struct ops_ctx *ctx, struct client *c, json_t *msg,
    json_t **result, struct ops_err *err)
{
	struct ssh_keyscan_target	 t;
	struct store_target		*tg = NULL;
	struct store_hostkey_pending	*got = NULL;
	struct hk_op			*op = NULL;
	struct hostkey			 want;
	const char			*name, *fp = NULL;
	char				 types[512], detail[256];
	int				 rc;

	if ((rc = proto_get_str(msg, "target", &name, S, err)) != OPS_OK ||
	    (proto_has(msg, "fingerprint") && (rc = proto_get_str(msg,
	    "fingerprint", &fp, S, err)) != OPS_OK))
		return rc;
	if (fp != NULL && hostkey_from_fp(NULL, fp, &want, NULL) != OPS_OK)
		return ops_err_set(err, OPS_E_INVAL, "malformed fingerprint "
		    "\"%.80s\": want SHA256: and 43 characters of base64, as "
		    "ssh-keygen -lf prints it", fp);
	if ((rc = store_target_get(ctx->store, name, &tg, err)) != OPS_OK)
		return rc;
	if ((rc = hk_check_cred(c->role, c->actor, tg, err)) != OPS_OK) {
		hk_audit_refusal(ctx, c->actor, name, fp != NULL ? fp : "",
		    ops_err_msg(err));
		goto out;
	}
	if ((op = calloc(1, sizeof(*op))) == NULL) {
		rc = ops_err_set(err, OPS_E_NOMEM, "accept host key");
		goto out;
	}
	op->ctx = ctx;
	op->mode = HK_ACCEPT;
	if ((rc = store_hostkey_list(ctx->store, name, &op->known, err)) !=
	    OPS_OK)
		goto out;
	if (fp != NULL) {
		snprintf(op->want_fp, sizeof(op->want_fp), "%s", fp);
		if (known_has(&op->known, fp)) {
			*result = json_pack("{s:s, s:s, s:s}", "target", name,
			    "fingerprint", fp, "status", "already-known");
			goto out;
		}
		/* A pending key with that fingerprint: accept it now. */
		if ((rc = store_tx_begin(ctx->store, err)) != OPS_OK)
			goto out;
		rc = store_hostkey_accept(ctx->store, name, fp, 1, &got, err);
		if (rc == OPS_OK) {
			snprintf(detail, sizeof(detail), "%s %s (pending, "
			    "fingerprint given)", got->type, got->fp);
			if ((rc = hk_audit(ctx, c->actor, "hostkey.accept",
			    name, detail, "ok", err)) == OPS_OK)
				rc = store_tx_commit(ctx->store, err);
		}
		if (rc != OPS_E_NOTFOUND || got != NULL) {
			if (rc != OPS_OK)
				store_tx_rollback(ctx->store);
			else
				*result = json_pack("{s:s, s:s, s:s, s:s}",
				    "target", name, "type", got->type,
				    "fingerprint", got->fp, "status",
				    "accepted-pending");
			goto out;
		}
		store_tx_rollback(ctx->store);
	}
	/* Scan now; restrict to the known types for a fair comparison. */
	known_types(&op->known, types, sizeof(types));
	memset(&t, 0, sizeof(t));
	t.name = tg->name;
	t.host = tg->host;
	t.port = (unsigned)tg->port;
	t.types = fp == NULL && types[0] != '\0' ? types : NULL;
	if ((rc = hk_scan_start(op, c, msg, &t, 1, err)) != OPS_OK)
		goto out;
	op = NULL;		/* the scan owns it */
out:
	store_hostkey_pending_free(got);
	store_target_free(tg);
	hk_op_free(op);
	return rc;
}

/* ---- hostkey-reject ----------------------------------------------------- */

/*
 * Forget one pending key of a target (a key nobody should trust): it is
 * removed and audited ("hostkey.reject", the key type and fingerprint in
 * the detail) in one transaction. Only pending keys: a known key stays
 * (a fingerprint that is not pending is refused, and that is audited).
 * A later run that meets the key again makes it pending again.
 */
int
handle_hostkey_reject(struct ops_ctx *ctx, struct client *c, json_t *msg,
    json_t **result, struct ops_err *err)
{
	struct store_hostkey_pending_list	 pl = { NULL, 0 };
	struct hostkey				 want;
	const char				*name, *fp, *type = NULL;
	char					 detail[256];
	size_t					 i;
	int					 rc;

	if ((rc = proto_get_str(msg, "target", &name, S, err)) != OPS_OK ||
	    (rc = proto_get_str(msg, "fingerprint", &fp, S, err)) != OPS_OK)
		return rc;
	if (hostkey_from_fp(NULL, fp, &want, NULL) != OPS_OK)
		return ops_err_set(err, OPS_E_INVAL, "malformed fingerprint "
		    "\"%.80s\": want SHA256: and 43 characters of base64, as "
		    "ssh-keygen -lf prints it", fp);
	if ((rc = store_hostkey_pending_list(ctx->store, name, &pl, err)) !=
	    OPS_OK)
		return rc;
	for (i = 0; i < pl.n; i++)
		if (strcmp(pl.v[i].fp, fp) == 0)
			type = pl.v[i].type;
	if (type == NULL) {
		snprintf(detail, sizeof(detail), "%s", fp);
		hk_audit_refusal_as(ctx, c->actor, "hostkey.reject", name,
		    detail, "not pending");
		rc = ops_err_set(err, OPS_E_NOTFOUND, "reject host key of %s: "
		    "%s is not pending (opsicle hostkey list %s shows the "
		    "pending keys)", name, fp, name);
		goto out;
	}
	snprintf(detail, sizeof(detail), "%s %s", type, fp);
	if ((rc = store_tx_begin(ctx->store, err)) != OPS_OK)
		goto out;
	if ((rc = store_hostkey_pending_remove(ctx->store, name, fp,
	    err)) == OPS_OK &&
	    (rc = hk_audit(ctx, c->actor, "hostkey.reject", name, detail,
	    "ok", err)) == OPS_OK &&
	    (rc = store_tx_commit(ctx->store, err)) == OPS_OK) {
		*result = json_pack("{s:s, s:s, s:s, s:s}", "target", name,
		    "type", type, "fingerprint", fp, "status", "rejected");
		if (*result == NULL)
			rc = ops_err_set(err, OPS_E_NOMEM, "reject host key");
		goto out;
	}
	store_tx_rollback(ctx->store);
out:
	store_hostkey_pending_list_free(&pl);
	return rc;
}

/* ---- hostkey-list ------------------------------------------------------- */

static json_t *
target_keys_json(struct ops_ctx *ctx, const struct store_target *t,
    struct ops_err *err)
{
	struct store_hostkey_list		 kl = { NULL, 0 };
	struct store_hostkey_pending_list	 pl = { NULL, 0 };
	json_t					*o = NULL, *ka, *pa;
	const char				*status;
	size_t					 i;

	if (store_hostkey_list(ctx->store, t->name, &kl, err) != OPS_OK ||
	    store_hostkey_pending_list(ctx->store, t->name, &pl, err) !=
	    OPS_OK)
		goto out;
	ka = json_array();
	pa = json_array();
	for (i = 0; ka != NULL && i < kl.n; i++)
		json_array_append_new(ka, json_pack("{s:s, s:s, s:I}", "type",
		    kl.v[i].type, "fingerprint", kl.v[i].fp, "added",
		    (json_int_t)kl.v[i].added));
	for (i = 0; pa != NULL && i < pl.n; i++)
		json_array_append_new(pa, json_pack("{s:s, s:s, s:I, s:I}",
		    "type", pl.v[i].type, "fingerprint", pl.v[i].fp,
		    "first_seen", (json_int_t)pl.v[i].first_seen,
		    "last_seen", (json_int_t)pl.v[i].last_seen));
	if (pl.n > 0)
		status = kl.n > 0 ? "changed" : "new";
	else
		status = kl.n > 0 ? "ok" : "none";
	o = json_pack("{s:s, s:s, s:i, s:s, s:o*, s:o*}", "target", t->name,
	    "host", t->host, "port", t->port, "status", status, "known", ka,
	    "pending", pa);
	if (o == NULL)
		ops_err_set(err, OPS_E_NOMEM, "list host keys");
out:
	store_hostkey_list_free(&kl);
	store_hostkey_pending_list_free(&pl);
	return o;
}

int
handle_hostkey_list(struct ops_ctx *ctx, struct client *c, json_t *msg,
    json_t **result, struct ops_err *err)
{
	struct store_target_list	 l = { NULL, 0 };
	struct store_target		*one = NULL;
	const struct store_target	*tv;
	const char			*name = NULL;
	json_t				*a, *o;
	size_t				 i, n;
	int				 rc;

	(void)c;
	if (proto_has(msg, "target") && (rc = proto_get_str(msg, "target",
	    &name, S, err)) != OPS_OK)
		return rc;
	if (name != NULL) {
		if ((rc = store_target_get(ctx->store, name, &one, err)) !=
		    OPS_OK)
			return rc;
		tv = one;
		n = 1;
	} else {
		if ((rc = store_target_list(ctx->store, NULL, &l, err)) !=
		    OPS_OK)
			return rc;
		tv = l.v;
		n = l.n;
	}
	if ((a = json_array()) == NULL) {
		rc = ops_err_set(err, OPS_E_NOMEM, "list host keys");
		goto out;
	}
	for (i = 0; i < n; i++) {
		if ((o = target_keys_json(ctx, &tv[i], err)) == NULL ||
		    json_array_append_new(a, o) != 0) {
			rc = err != NULL && err->code != 0 ? err->code :
			    OPS_E_NOMEM;
			json_decref(a);
			goto out;
		}
	}
	*result = a;
	rc = OPS_OK;
out:
	store_target_free(one);
	store_target_list_free(&l);
	return rc;
}

/* ---- hostkey-import ----------------------------------------------------- */

/*
 * The keys that @revoked lines name for target t: never imported, and
 * no longer trusted when the store had them; each goes into revoked.
 */
static int
import_revoked(struct ops_ctx *ctx, const struct store_target *t,
    const struct hostkey_kh *kh, json_t *revoked, struct ops_err *err)
{
	size_t	k;
	int	rc, removed;

	for (k = 0; k < kh->nrevoked; k++) {
		rc = store_hostkey_remove(ctx->store, t->name,
		    kh->revoked[k].fp, err);
		if (rc != OPS_OK && rc != OPS_E_NOTFOUND)
			return rc;
		removed = rc == OPS_OK;
		(void)store_hostkey_pending_remove(ctx->store, t->name,
		    kh->revoked[k].fp, NULL);
		if (json_array_append_new(revoked, json_pack("{s:s, s:s, s:s, "
		    "s:b}", "target", t->name, "type", kh->revoked[k].type,
		    "fingerprint", kh->revoked[k].fp, "removed", removed)) != 0)
			return ops_err_set(err, OPS_E_NOMEM, "import host keys");
	}
	return OPS_OK;
}

int
handle_hostkey_import(struct ops_ctx *ctx, struct client *c, json_t *msg,
    json_t **result, struct ops_err *err)
{
	struct store_target_list	 l = { NULL, 0 };
	struct hostkey_kh		 kh;
	const char			*text, *source = "known_hosts";
	json_t				*targets = NULL, *fps, *revoked = NULL;
	size_t				 len, i, k, ncert = 0;
	long long			 added = 0, known = 0;
	int				 rc;

	memset(&kh, 0, sizeof(kh));
	if ((rc = proto_get_strn(msg, "text", &text, &len,
	    OPS_PROTO_MAX_FRAME, err)) != OPS_OK ||
	    (proto_has(msg, "source") && (rc = proto_get_str(msg, "source",
	    &source, S, err)) != OPS_OK))
		return rc;
	if ((rc = store_target_list(ctx->store, NULL, &l, err)) != OPS_OK)
		return rc;
	if ((targets = json_array()) == NULL ||
	    (revoked = json_array()) == NULL)
		goto nomem;
	for (i = 0; i < l.n; i++) {
		hostkey_kh_done(&kh);
		if ((rc = hostkey_known_hosts_scan(text, len, l.v[i].host,
		    (unsigned)l.v[i].port, &kh, err)) != OPS_OK ||
		    (rc = import_revoked(ctx, &l.v[i], &kh, revoked,
		    err)) != OPS_OK)
			goto out;
		ncert += kh.ncert_authority;
		if (kh.nkeys == 0)
			continue;
		if ((fps = json_array()) == NULL ||
		    json_array_append_new(targets, json_pack("{s:s, s:o}",
		    "target", l.v[i].name, "added", fps)) != 0)
			goto nomem;
		for (k = 0; k < kh.nkeys; k++) {
			rc = store_hostkey_add(ctx->store, l.v[i].name,
			    kh.keys[k].type, kh.keys[k].fp, NULL, 0, err);
			if (rc == OPS_E_EXISTS) {
				known++;
				continue;
			}
			if (rc != OPS_OK)
				goto out;
			/* A new key for a credentialed target: the dispatch
			 * transaction undoes the whole import. */
			if ((rc = hk_check_cred(c->role, c->actor, &l.v[i],
			    err)) != OPS_OK)
				goto out;
			(void)store_hostkey_pending_remove(ctx->store,
			    l.v[i].name, kh.keys[k].fp, NULL);
			added++;
			json_array_append_new(fps, key_json(l.v[i].name,
			    kh.keys[k].type, kh.keys[k].fp));
		}
	}
	*result = json_pack("{s:s, s:I, s:I, s:I, s:O, s:O, s:I}", "source",
	    source, "added", (json_int_t)added, "already_known",
	    (json_int_t)known, "targets_matched",
	    (json_int_t)json_array_size(targets), "targets", targets,
	    "revoked", revoked, "cert_authority_skipped", (json_int_t)ncert);
	if (*result == NULL)
		goto nomem;
	rc = OPS_OK;
	goto out;
nomem:
	rc = ops_err_set(err, OPS_E_NOMEM, "import host keys");
out:
	json_decref(targets);
	json_decref(revoked);
	hostkey_kh_done(&kh);
	store_target_list_free(&l);
	return rc;
}

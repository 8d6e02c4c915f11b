/*
 * hostkeys.c: the host key service: scanning targets on the loop and
 * trusting what they present, for "hostkey accept" and for "target
 * add/import --accept-new-hostkey". Callers (handlers) pass C structs and
 * get C structs back; they decode requests and encode replies.
 *
 * Host keys are strict: a target is reached only on a key it is known by.
 * Keys get known here in two ways, each audited ("hostkey.accept", the
 * key type and fingerprint in the detail):
 *   - accept with a fingerprint: the pending key with that fingerprint,
 *     or, when none is pending, the key the server presents now if (and
 *     only if) it has exactly that fingerprint; it replaces the known key
 *     of the same type (a host key that changed on purpose);
 *   - accept without one, or a scan after add/import: trust on first use,
 *     on explicit request only. A target that already has known keys and
 *     presents another key is refused loudly (the key is kept as pending
 *     so it can be inspected and accepted by fingerprint).
 *
 * Credentials and roles (opsicled(8)): trusting a key for a target that
 * has a credential decides who receives that credential, so it needs
 * admin for such a target. A scan that ends after the target moved, or
 * gained a credential its requester may not bind, stores nothing.
 *
 * Scans never block the loop (core/ssh-keyscan.c); their result stores
 * the keys with their audit records, each in one transaction, then calls
 * the caller back exactly once.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "daemon.h"
#include "ssh-keyscan.h"

enum hk_mode {
	HK_ACCEPT = 1,		/* accept, one target */
	HK_NEW,			/* after target add/import */
};

/* Where a scanned target was when the scan started. */
struct hk_dest {
	char			*name;
	char			*host;
	unsigned		 port;
};

struct hostkeys_scan {
	struct ops_ctx		*ctx;
	enum hk_mode		 mode;
	char			 actor[64];
	enum cmd_role		 role;		/* the requester's */
	struct hk_dest		*dest;		/* one per scanned target */
	size_t			 ndest;
	char			 want_fp[HOSTKEY_FP_MAX];	/* "" if none */
	struct store_hostkey_list known;	/* accept: at scan start */
	struct ssh_keyscan	*ks;
	hostkeys_done_fn	*done;
	void			*arg;
};

const char *
hostkeys_status_name(enum hostkeys_status s)
{
	switch (s) {
	case HOSTKEYS_ALREADY_KNOWN:
		return "already-known";
	case HOSTKEYS_ACCEPTED_PENDING:
		return "accepted-pending";
	case HOSTKEYS_ACCEPTED_FINGERPRINT:
		return "accepted-fingerprint";
	case HOSTKEYS_ACCEPTED_NEW:
		return "accepted-new";
	}
	return "unknown";
}

static void
hk_free(struct hostkeys_scan *op)
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
	free(op);
}

void
hostkeys_scan_abandon(struct hostkeys_scan *op)
{
	hk_free(op);
}

static void
outcome_key(struct hostkeys_outcome *o, const char *target,
    enum hostkeys_status status, const char *type, const char *fp)
{
	memset(o, 0, sizeof(*o));
	snprintf(o->target, sizeof(o->target), "%s", target);
	o->status = status;
	snprintf(o->type, sizeof(o->type), "%s", type != NULL ? type : "");
	snprintf(o->fp, sizeof(o->fp), "%s", fp);
}

static void
outcome_error(struct hostkeys_outcome *o, const char *target, int code,
    const char *cls, const char *message)
{
	memset(o, 0, sizeof(*o));
	snprintf(o->target, sizeof(o->target), "%s", target);
	o->code = code;
	o->cls = cls;
	snprintf(o->message, sizeof(o->message), "%s", message);
}

static void
hk_refusal(struct ops_ctx *ctx, const char *actor, const char *target,
    const char *detail, const char *why)
{
	audit_refusal(ctx, actor, "hostkey.accept", target, detail, why);
}

int
hostkeys_check_cred(enum cmd_role role, const char *actor,
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
hk_still_allowed(struct hostkeys_scan *op, const char *target,
    const char *detail, struct ops_err *err)
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
		rc = hostkeys_check_cred(op->role, op->actor, t, err);
	store_target_free(t);
	if (rc != OPS_OK)
		hk_refusal(op->ctx, op->actor, target, detail,
		    ops_err_msg(err));
	return rc;
}

/*
 * Store hk as a known key of target (replacing the known key of the same
 * type when replace) and audit it, in one transaction.
 */
static int
hk_store(struct hostkeys_scan *op, const char *target,
    const struct hostkey *hk, const unsigned char *blob, size_t blob_len,
    int replace, const char *how, struct ops_err *err)
{
	struct ops_ctx	*ctx = op->ctx;
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
		rc = audit_append(ctx, op->actor, "hostkey.accept", target,
		    detail, "ok", err);
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

/* ---- the end of a scan ------------------------------------------------- */

static void
hk_accept_done(struct hostkeys_scan *op, const struct ssh_keyscan_result *r,
    struct hostkeys_outcome *o)
{
	struct ops_ctx	*ctx = op->ctx;
	struct ops_err	 err;
	const char	*t = r->target;
	char		 msg[1024], detail[256];
	int		 rc, replace = 0;

	if (!r->ok) {
		outcome_error(o, t, r->status != 0 ? r->status :
		    OPS_E_CONNECT, ssh_class_name(r->cls), r->msg);
		return;
	}
	snprintf(detail, sizeof(detail), "%s %s", r->hk.type, r->hk.fp);
	if (known_has(&op->known, r->hk.fp)) {
		outcome_key(o, t, HOSTKEYS_ALREADY_KNOWN, r->hk.type,
		    r->hk.fp);
		return;
	}
	if (op->want_fp[0] != '\0') {
		if (strcmp(op->want_fp, r->hk.fp) != 0) {
			snprintf(msg, sizeof(msg), "host key of %s does not "
			    "match: the server presents %s %s, not %s; nothing "
			    "stored", t, r->hk.type, r->hk.fp, op->want_fp);
			hk_refusal(ctx, op->actor, t, detail,
			    "fingerprint mismatch");
			outcome_error(o, t, OPS_E_HOSTKEY, "hostkey-changed",
			    msg);
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
		hk_refusal(ctx, op->actor, t, detail, "host key changed");
		log_warnx(&ctx->log, "host key changed for %s: %s", t,
		    r->hk.fp);
		outcome_error(o, t, OPS_E_HOSTKEY, "hostkey-changed", msg);
		return;
	}
	rc = hk_store(op, t, &r->hk, r->blob, r->blob_len, replace,
	    replace ? "scanned, fingerprint given" :
	    "scanned, trusted on first use", &err);
	if (rc != OPS_OK) {
		outcome_error(o, t, rc, rc == OPS_E_PERM ? "permission" :
		    "store", ops_err_msg(&err));
		return;
	}
	outcome_key(o, t, replace ? HOSTKEYS_ACCEPTED_FINGERPRINT :
	    HOSTKEYS_ACCEPTED_NEW, r->hk.type, r->hk.fp);
}

static void
hk_new_done(struct hostkeys_scan *op, struct hostkeys_outcome *o, size_t n)
{
	const struct ssh_keyscan_result	*r;
	struct ops_err			 err;
	size_t				 i;
	int				 rc;

	for (i = 0; i < n; i++) {
		r = ssh_keyscan_result(op->ks, i);
		if (!r->ok) {
			outcome_error(&o[i], r->target, r->status != 0 ?
			    r->status : OPS_E_CONNECT, ssh_class_name(r->cls),
			    r->msg);
			continue;
		}
		if ((rc = hk_store(op, r->target, &r->hk, r->blob,
		    r->blob_len, 0, "scanned, accept_new_hostkey",
		    &err)) != OPS_OK) {
			outcome_error(&o[i], r->target, rc, rc == OPS_E_PERM ?
			    "permission" : "store", ops_err_msg(&err));
			continue;
		}
		outcome_key(&o[i], r->target, HOSTKEYS_ACCEPTED_NEW,
		    r->hk.type, r->hk.fp);
	}
}

static void
hk_scan_done(struct ssh_keyscan *ks, void *arg)
{
	struct hostkeys_scan	*op = arg;
	struct hostkeys_outcome	*o;
	size_t			 n = ssh_keyscan_count(ks);

	if (op->ctx->store == NULL)
		op->done(op->arg, OPS_E_LOCKED, "the store was locked during "
		    "the host key scan; nothing stored", NULL, 0);
	else if ((o = calloc(n + 1, sizeof(*o))) == NULL)
		op->done(op->arg, OPS_E_NOMEM, "build host key reply", NULL,
		    0);
	else {
		if (op->mode == HK_ACCEPT)
			hk_accept_done(op, ssh_keyscan_result(ks, 0), o);
		else
			hk_new_done(op, o, n);
		op->done(op->arg, OPS_OK, NULL, o, op->mode == HK_ACCEPT ?
		    1 : n);
		free(o);
	}
	hk_free(op);
}

static struct hostkeys_scan *
hk_new(struct ops_ctx *ctx, enum hk_mode mode, const struct hostkeys_who *who,
    hostkeys_done_fn *done, void *arg)
{
	struct hostkeys_scan	*op;

	if ((op = calloc(1, sizeof(*op))) == NULL)
		return NULL;
	op->ctx = ctx;
	op->mode = mode;
	snprintf(op->actor, sizeof(op->actor), "%s", who->actor);
	op->role = who->role;
	op->done = done;
	op->arg = arg;
	return op;
}

/* Start scanning targets for op; on success op belongs to the scan. */
static int
hk_scan_start(struct hostkeys_scan *op, const struct ssh_keyscan_target *t,
    size_t n, struct ops_err *err)
{
	size_t	i;

	if ((op->dest = calloc(n, sizeof(*op->dest))) == NULL)
		return ops_err_set(err, OPS_E_NOMEM, "scan host keys");
	op->ndest = n;		/* hk_free frees what was copied */
	for (i = 0; i < n; i++) {
		op->dest[i].name = strdup(t[i].name);
		op->dest[i].host = strdup(t[i].host);
		op->dest[i].port = t[i].port;
		if (op->dest[i].name == NULL || op->dest[i].host == NULL)
			return ops_err_set(err, OPS_E_NOMEM, "scan host keys");
	}
	return ssh_keyscan_start(op->ctx->loop, t, n, 0, 0, hk_scan_done, op,
	    &op->ks, err);
}

/* ---- after target add / import ----------------------------------------- */

int
hostkeys_scan_new(struct ops_ctx *ctx, const struct hostkeys_who *who,
    const char *const *names, size_t n, hostkeys_done_fn *done, void *arg,
    struct hostkeys_scan **scan, struct ops_err *err)
{
	struct ssh_keyscan_target	*t = NULL;
	struct store_target		**tv = NULL;
	struct hostkeys_scan		*op = NULL;
	size_t				 i;
	int				 rc;

	*scan = NULL;
	if ((t = calloc(n + 1, sizeof(*t))) == NULL ||
	    (tv = calloc(n + 1, sizeof(*tv))) == NULL ||
	    (op = hk_new(ctx, HK_NEW, who, done, arg)) == NULL) {
		rc = ops_err_set(err, OPS_E_NOMEM, "scan host keys");
		goto out;
	}
	for (i = 0; i < n; i++) {
		if ((rc = store_target_get(ctx->store, names[i], &tv[i],
		    err)) != OPS_OK)
			goto out;
		t[i].name = tv[i]->name;
		t[i].host = tv[i]->host;
		t[i].port = (unsigned)tv[i]->port;
	}
	if ((rc = hk_scan_start(op, t, n, err)) != OPS_OK)
		goto out;
	*scan = op;
	op = NULL;
out:
	for (i = 0; tv != NULL && i < n; i++)
		store_target_free(tv[i]);
	free(tv);
	free(t);
	hk_free(op);
	return rc;
}

/* ---- accept -------------------------------------------------------------- */

/* The pending key with fingerprint fp, accepted with its audit record
 * (*o filled). *none: nothing with fp was pending (then scan). */
static int
accept_pending(struct ops_ctx *ctx, const struct hostkeys_who *who,
    const char *name, const char *fp, struct hostkeys_outcome *o,
    int *none, struct ops_err *err)
{
	struct store_hostkey_pending	*got = NULL;
	char				 detail[256];
	int				 rc;

	*none = 0;
	if ((rc = store_tx_begin(ctx->store, err)) != OPS_OK)
		return rc;
	rc = store_hostkey_accept(ctx->store, name, fp, 1, &got, err);
	if (rc == OPS_OK) {
		snprintf(detail, sizeof(detail), "%s %s (pending, fingerprint "
		    "given)", got->type, got->fp);
		if ((rc = audit_append(ctx, who->actor, "hostkey.accept",
		    name, detail, "ok", err)) == OPS_OK)
			rc = store_tx_commit(ctx->store, err);
	}
	if (rc == OPS_OK)
		outcome_key(o, name, HOSTKEYS_ACCEPTED_PENDING, got->type,
		    got->fp);
	else {
		store_tx_rollback(ctx->store);
		*none = rc == OPS_E_NOTFOUND && got == NULL;
	}
	store_hostkey_pending_free(got);
	return rc;
}

int
hostkeys_accept(struct ops_ctx *ctx, const struct hostkeys_who *who,
    const char *name, const char *fp, hostkeys_done_fn *done, void *arg,
    struct hostkeys_outcome *now, struct hostkeys_scan **scan,
    struct ops_err *err)
{
	struct ssh_keyscan_target	 t;
	struct store_target		*tg = NULL;
	struct hostkeys_scan		*op = NULL;
	char				 types[512];
	int				 rc, none;

	*scan = NULL;
	if ((rc = store_target_get(ctx->store, name, &tg, err)) != OPS_OK)
		return rc;
	if ((rc = hostkeys_check_cred(who->role, who->actor, tg,
	    err)) != OPS_OK) {
		hk_refusal(ctx, who->actor, name, fp != NULL ? fp : "",
		    ops_err_msg(err));
		goto out;
	}
	if ((op = hk_new(ctx, HK_ACCEPT, who, done, arg)) == NULL) {
		rc = ops_err_set(err, OPS_E_NOMEM, "accept host key");
		goto out;
	}
	if ((rc = store_hostkey_list(ctx->store, name, &op->known, err)) !=
	    OPS_OK)
		goto out;
	if (fp != NULL) {
		snprintf(op->want_fp, sizeof(op->want_fp), "%s", fp);
		if (known_has(&op->known, fp)) {
			outcome_key(now, name, HOSTKEYS_ALREADY_KNOWN, NULL,
			    fp);
			goto out;
		}
		rc = accept_pending(ctx, who, name, fp, now, &none, err);
		if (!none)
			goto out;
	}
	/* Scan now; restrict to the known types for a fair comparison. */
	known_types(&op->known, types, sizeof(types));
	memset(&t, 0, sizeof(t));
	t.name = tg->name;
	t.host = tg->host;
	t.port = (unsigned)tg->port;
	t.types = fp == NULL && types[0] != '\0' ? types : NULL;
	if ((rc = hk_scan_start(op, &t, 1, err)) != OPS_OK)
		goto out;
	*scan = op;
	op = NULL;		/* the scan owns it */
out:
	store_target_free(tg);
	hk_free(op);
	return rc;
}

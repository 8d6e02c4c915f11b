/*
 * handlers-hostkeys.c: hostkey list, accept, import and reject. Accept
 * decodes the request and calls the host key service (hostkeys.c), which
 * scans on the loop; the reply is deferred (client_defer,
 * server-client.c) until the scan ends. Accept is not CMD_F_MUTATING for
 * this reason: the service opens its own transactions and writes its own
 * audit records.
 *
 * hostkey-import: known_hosts text matched against each target's
 * host[:port] (hashed entries included), audited as "hostkey.import".
 * Credentials and roles (opsicled(8)): a new key for a target that has a
 * credential needs admin, as for accept.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "daemon.h"

/* Their rows are in dispatch.c, which declares them too. */
handler_fn	handle_hostkey_list, handle_hostkey_accept,
		handle_hostkey_import, handle_hostkey_reject;

#define S	OPS_PROTO_MAX_NAME

/* {target, [type,] fingerprint, status}: type when it is known. */
static json_t *
outcome_json(const struct hostkeys_outcome *o)
{
	struct hostkey_rec	k = { .target = o->target, .type = o->type,
				    .fingerprint = o->fp,
				    .status = hostkeys_status_name(o->status) };

	return hostkey_rec_encode(&k);
}

/* ---- hostkey-accept ----------------------------------------------------- */

/* The scan's callback gets its defer handle through this slot, which
 * exists before the scan starts and is filled right after. */
struct accept_slot {
	struct client_defer	*d;
};

static void
accept_done(void *arg, int code, const char *message,
    const struct hostkeys_outcome *v, size_t n)
{
	struct accept_slot	*as = arg;

	if (code != OPS_OK)
		client_defer_error(as->d, code, message);
	else if (n != 1)
		client_defer_error(as->d, OPS_E_NOMEM, "accept host key");
	else if (v[0].code != OPS_OK)
		client_defer_error(as->d, v[0].code, v[0].message);
	else
		client_defer_ok(as->d, outcome_json(&v[0]));
	free(as);
}

int
handle_hostkey_accept(struct ops_ctx *ctx, struct client *c, json_t *msg,
    json_t **result, struct ops_err *err)
{
	struct hostkeys_who	 who = { c->actor, c->role };
	struct hostkeys_outcome	 now;
	struct hostkeys_scan	*scan = NULL;
	struct accept_slot	*as;
	struct hostkey		 want;
	const char		*name, *fp = NULL;
	int			 rc;

	if ((rc = proto_get_str(msg, "target", &name, S, err)) != OPS_OK ||
	    (proto_has(msg, "fingerprint") && (rc = proto_get_str(msg,
	    "fingerprint", &fp, S, err)) != OPS_OK))
		return rc;
	if (fp != NULL && hostkey_from_fp(NULL, fp, &want, NULL) != OPS_OK)
		return ops_err_set(err, OPS_E_INVAL, "malformed fingerprint "
		    "\"%.80s\": want SHA256: and 43 characters of base64, as "
		    "ssh-keygen -lf prints it", fp);
	if ((as = calloc(1, sizeof(*as))) == NULL)
		return ops_err_set(err, OPS_E_NOMEM, "accept host key");
	if ((rc = hostkeys_accept(ctx, &who, name, fp, accept_done, as,
	    &now, &scan, err)) != OPS_OK) {
		free(as);
		return rc;
	}
	if (scan == NULL) {
		free(as);
		if ((*result = outcome_json(&now)) == NULL)
			return ops_err_set(err, OPS_E_NOMEM, "accept host key");
		return OPS_OK;
	}
	if ((as->d = client_defer(c, msg)) == NULL) {
		hostkeys_scan_abandon(scan);
		free(as);
		return ops_err_set(err, OPS_E_NOMEM, "defer reply");
	}
	return OPS_OK;
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
		audit_refusal(ctx, c->actor, "hostkey.reject", name, detail,
		    "not pending");
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
	    (rc = audit_append(ctx, c->actor, "hostkey.reject", name, detail,
	    "ok", err)) == OPS_OK &&
	    (rc = store_tx_commit(ctx->store, err)) == OPS_OK) {
		struct hostkey_rec	k = { .target = name, .type = type,
					    .fingerprint = fp,
					    .status = "rejected" };

		*result = hostkey_rec_encode(&k);
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
	for (i = 0; ka != NULL && i < kl.n; i++) {
		struct hostkey_rec	k = { .type = kl.v[i].type,
					    .fingerprint = kl.v[i].fp,
					    .added = kl.v[i].added };

		json_array_append_new(ka, hostkey_rec_encode(&k));
	}
	for (i = 0; pa != NULL && i < pl.n; i++) {
		struct hostkey_rec	k = { .type = pl.v[i].type,
					    .fingerprint = pl.v[i].fp,
					    .first_seen = pl.v[i].first_seen,
					    .last_seen = pl.v[i].last_seen };

		json_array_append_new(pa, hostkey_rec_encode(&k));
	}
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
	struct hostkey_rec	 rec = { NULL, NULL, NULL, NULL, 0, 0, 0 };
	json_t			*o;
	size_t			 k;
	int			 rc, removed;

	for (k = 0; k < kh->nrevoked; k++) {
		rc = store_hostkey_remove(ctx->store, t->name,
		    kh->revoked[k].fp, err);
		if (rc != OPS_OK && rc != OPS_E_NOTFOUND)
			return rc;
		removed = rc == OPS_OK;
		(void)store_hostkey_pending_remove(ctx->store, t->name,
		    kh->revoked[k].fp, NULL);
		rec.target = t->name;
		rec.type = kh->revoked[k].type;
		rec.fingerprint = kh->revoked[k].fp;
		if ((o = hostkey_rec_encode(&rec)) == NULL ||
		    json_object_set_new(o, "removed", json_boolean(removed)) !=
		    0 || json_array_append_new(revoked, o) != 0)
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
			if ((rc = hostkeys_check_cred(c->role, c->actor, &l.v[i],
			    err)) != OPS_OK)
				goto out;
			(void)store_hostkey_pending_remove(ctx->store,
			    l.v[i].name, kh.keys[k].fp, NULL);
			added++;
			json_array_append_new(fps, hostkeys_key_json(
			    l.v[i].name, kh.keys[k].type, kh.keys[k].fp));
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

/*
 * handlers-lock.c: unlock, lock and passwd. They change whether the store
 * is open at all, so dispatch does not wrap them in a store transaction;
 * each writes its own audit record (never the passphrase). Passphrases
 * arrive only in sensitive messages and are moved out with
 * proto_take_secret, so the JSON copy is wiped before Argon2id runs.
 * Argon2id runs here, in the daemon, with the limits of kdf-cost.
 */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include "daemon.h"

#define PASS_MAX	1024

int
lock_allows(enum proto_type type)
{
	switch (type) {
	case PROTO_HELLO:
	case PROTO_DAEMON_STATUS:
	case PROTO_DAEMON_STOP:
	case PROTO_UNLOCK:
	case PROTO_LOCK:
		return 1;
	default:
		return 0;
	}
}

static void
audit_or_log(struct ops_ctx *ctx, struct client *c, const char *action,
    const char *object, const char *result)
{
	struct ops_err	err;

	if (audit_record(ctx, c, action, object, result, &err) != OPS_OK)
		log_warnx(&ctx->log, "audit %s: %s", action, ops_err_msg(&err));
}

static int
envelope_kind(struct ops_ctx *ctx, enum keys_kind *kind, struct ops_err *err)
{
	return keys_envelope_kind(ctx->paths.envelope, kind, err);
}

int
handle_unlock(struct ops_ctx *ctx, struct client *c, json_t *msg,
    json_t **result, struct ops_err *err)
{
	struct secret	*pass = NULL;
	enum keys_kind	 kind;
	char		 buf[64];
	int		 rc;

	if ((rc = proto_take_secret(msg, "passphrase", PASS_MAX, &pass,
	    err)) != OPS_OK)
		return rc;
	if (ctx->store != NULL) {
		secret_free(pass);
		*result = json_pack("{s:b}", "already", 1);
		return OPS_OK;
	}
	if ((rc = envelope_kind(ctx, &kind, err)) != OPS_OK) {
		secret_free(pass);
		return rc;
	}
	if (kind != KEYS_KIND_PASSPHRASE) {
		secret_free(pass);
		return ops_err_set(err, OPS_E_INVAL, "store %s uses a key "
		    "file, not a passphrase", ctx->paths.store);
	}
	rc = boot_unlock(ctx, pass, err);
	secret_free(pass);
	if (rc != OPS_OK) {
		ctx->failed_unlocks++;
		log_info(&ctx->log, "unlock by %s refused: %s", c->actor,
		    ops_err_msg(err));
		return rc;
	}
	log_info(&ctx->log, "store unlocked by %s", c->actor);
	if (ctx->failed_unlocks > 0) {
		snprintf(buf, sizeof(buf), "%u failed attempts before",
		    ctx->failed_unlocks);
		audit_or_log(ctx, c, "unlock", NULL, buf);
		ctx->failed_unlocks = 0;
	}
	audit_or_log(ctx, c, "unlock", NULL, "ok");
	return OPS_OK;
}

int
handle_lock(struct ops_ctx *ctx, struct client *c, json_t *msg,
    json_t **result, struct ops_err *err)
{
	enum keys_kind	kind;
	int		rc;

	(void)msg;
	if (ctx->store == NULL) {
		*result = json_pack("{s:b}", "already", 1);
		return OPS_OK;
	}
	if ((rc = envelope_kind(ctx, &kind, err)) != OPS_OK)
		return rc;
	if (kind != KEYS_KIND_PASSPHRASE) {
		audit_or_log(ctx, c, "lock", NULL, "refused: key-file store");
		return ops_err_set(err, OPS_E_INVAL, "store %s uses a key "
		    "file and could not be unlocked again without it; set a "
		    "passphrase first (opsicle passwd)", ctx->paths.store);
	}
	audit_or_log(ctx, c, "lock", NULL, "ok");
	boot_lock_store(ctx);
	log_info(&ctx->log, "store locked by %s; keys wiped", c->actor);
	return OPS_OK;
}

int
handle_passwd(struct ops_ctx *ctx, struct client *c, json_t *msg,
    json_t **result, struct ops_err *err)
{
	struct keys_kdf_limits	 lim;
	struct secret		*pass = NULL;
	enum keys_kind		 kind;
	const char		*mode;
	int			 rc;

	(void)result;
	if ((rc = handler_need_store(ctx, err)) != OPS_OK ||
	    (rc = proto_get_str(msg, "mode", &mode, 16, err)) != OPS_OK)
		goto out;
	if (proto_has(msg, "old") && (rc = proto_take_secret(msg, "old",
	    PASS_MAX, &pass, err)) == OPS_OK) {
		/* Not needed: the daemon holds the unlocked keys. */
		secret_free(pass);
		pass = NULL;
	}
	if (rc != OPS_OK || (rc = envelope_kind(ctx, &kind, err)) != OPS_OK)
		goto out;
	if (strcmp(mode, "passphrase") == 0) {
		if (!proto_has(msg, "new")) {
			rc = ops_err_set(err, OPS_E_PROTO, "passwd: missing "
			    "the new passphrase");
			goto out;
		}
		if ((rc = proto_take_secret(msg, "new", PASS_MAX, &pass,
		    err)) != OPS_OK)
			goto out;
		config_kdf_limits(ctx->config, &lim);
		rc = keys_rewrap_passphrase(ctx->paths.envelope, ctx->keys,
		    pass, &lim, kind == KEYS_KIND_KEYFILE ?
		    ctx->paths.keyfile : NULL, err);
	} else if (strcmp(mode, "keyfile") == 0) {
		if (kind == KEYS_KIND_KEYFILE) {
			rc = ops_err_set(err, OPS_E_INVAL, "store %s already "
			    "uses a key file", ctx->paths.store);
			goto out;
		}
		rc = keys_rewrap_keyfile(ctx->paths.envelope, ctx->keys,
		    ctx->paths.keyfile, NULL, err);
	} else
		rc = ops_err_set(err, OPS_E_INVAL, "passwd: mode must be "
		    "\"passphrase\" or \"keyfile\"");
out:
	secret_free(pass);
	if (ctx->store != NULL)
		audit_or_log(ctx, c, "passwd", proto_has(msg, "mode") ?
		    json_string_value(json_object_get(msg, "mode")) : NULL,
		    rc == OPS_OK ? "ok" : ops_err_msg(err));
	if (rc == OPS_OK)
		log_info(&ctx->log, "store key rewrapped by %s", c->actor);
	return rc;
}

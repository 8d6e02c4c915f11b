/*
 * handlers-lock.c: unlock, lock and passwd. They change whether the store
 * is open at all, so their rows (dispatch.c) are OP_SELF_AUDIT, with no
 * dispatch transaction: each writes its own audit record (never the
 * passphrase). Passphrases
 * arrive only in sensitive messages and are moved out with
 * proto_take_secret, so the JSON copy is wiped before Argon2id runs.
 * Argon2id runs in the daemon, with the limits of kdf-cost; for unlock
 * on a helper thread (unlock-kdf.c), throttled per uid (unlock.h).
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "daemon.h"
#include "unlock.h"

/* Their rows are in dispatch.c, which declares them too. */
handler_fn	handle_unlock, handle_lock, handle_passwd;

#define PASS_MAX	1024

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

/* One unlock in flight: who asked, and where the answer goes. */
struct unlock_op {
	struct ops_ctx		*ctx;
	struct client_defer	*d;
	uid_t			 uid;
	char			 actor[64];
	char			 msg[OPS_ERR_MSG_MAX];
};

static void
audit_as(struct ops_ctx *ctx, const char *actor, const char *result)
{
	struct store_audit_entry	e = {
		.actor = actor, .action = "unlock", .object = NULL,
		.result = result,
	};
	struct ops_err			err;

	if (ctx->store != NULL &&
	    store_audit_append(ctx->store, &e, NULL, &err) != OPS_OK)
		log_warnx(&ctx->log, "audit unlock: %s", ops_err_msg(&err));
}

/* The delay after a failure is over: only now say it failed. */
static long long
unlock_answer_late(struct evloop *loop, long long id, void *arg)
{
	struct unlock_op	*op = arg;

	(void)loop;
	(void)id;
	client_defer_error(op->d, OPS_E_BADKEY, op->msg);
	free(op);
	return EVLOOP_NOMORE;
}

static void
unlock_done(int rc, struct keyring *kr, const struct ops_err *kerr,
    void *arg)
{
	struct unlock_op	*op = arg;
	struct ops_ctx		*ctx = op->ctx;
	struct ops_err		 err = *kerr;
	long long		 delay;
	unsigned		 count, total;
	char			 buf[64];

	ctx->unlock_kdf = NULL;
	if (rc == OPS_OK)
		rc = boot_unlock_keys(ctx, kr, &err);
	if (rc == OPS_OK) {
		log_info(&ctx->log, "store unlocked by %s", op->actor);
		if ((total = unlock_throttle_total(ctx)) > 0) {
			snprintf(buf, sizeof(buf), "%u failed attempts before",
			    total);
			audit_as(ctx, op->actor, buf);
		}
		unlock_throttle_clear(ctx);
		audit_as(ctx, op->actor, "ok");
		client_defer_ok(op->d, NULL);
		free(op);
		return;
	}
	if (rc != OPS_E_BADKEY) {
		log_info(&ctx->log, "unlock by %s failed: %s", op->actor,
		    ops_err_msg(&err));
		client_defer_error(op->d, rc, ops_err_msg(&err));
		free(op);
		return;
	}
	delay = unlock_throttle_fail(ctx, op->uid, &count);
	snprintf(op->msg, sizeof(op->msg), "wrong passphrase for store %.150s "
	    "(%u failed attempts; the next one may start in %lld s)",
	    ctx->paths.store, count, delay);
	log_warnx(&ctx->log, "unlock by %s refused: wrong passphrase (%u "
	    "failed attempts by this uid, next in %lld s)", op->actor, count,
	    delay);
	if (evloop_timer_add(ctx->loop, delay * 1000, unlock_answer_late, op,
	    NULL, &err) != OPS_OK) {
		client_defer_error(op->d, OPS_E_BADKEY, op->msg);
		free(op);
	}
}

int
handle_unlock(struct ops_ctx *ctx, struct client *c, json_t *msg,
    json_t **result, struct ops_err *err)
{
	struct secret		*pass = NULL;
	struct unlock_op	*op;
	enum keys_kind		 kind;
	long long		 wait;
	int			 rc;

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
	/* Refused at once, without Argon2id: that is what throttles. */
	if ((wait = unlock_throttle_wait(ctx, c->uid)) > 0) {
		secret_free(pass);
		return ops_err_set(err, OPS_E_LOCKED, "too many failed unlock "
		    "attempts: retry in %lld s", wait);
	}
	if (ctx->unlock_kdf != NULL) {
		secret_free(pass);
		return ops_err_set(err, OPS_E_LOCKED, "busy: another unlock "
		    "is running; retry when it ends");
	}
	if ((op = calloc(1, sizeof(*op))) == NULL) {
		secret_free(pass);
		return ops_err_set(err, OPS_E_NOMEM, "unlock");
	}
	op->ctx = ctx;
	op->uid = c->uid;
	snprintf(op->actor, sizeof(op->actor), "%s", c->actor);
	if ((op->d = client_defer(c, msg)) == NULL) {
		secret_free(pass);
		free(op);
		return ops_err_set(err, OPS_E_NOMEM, "unlock");
	}
	/* Argon2id runs on a helper thread; the answer comes later. */
	if ((rc = unlock_kdf_start(ctx->loop, ctx->paths.envelope, pass,
	    unlock_done, op, &ctx->unlock_kdf, err)) != OPS_OK) {
		client_defer_error(op->d, rc, ops_err_msg(err));
		free(op);
	}
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

/* A passwd waiting for its current passphrase to be checked. */
struct passwd_op {
	struct ops_ctx		*ctx;
	struct client_defer	*d;
	struct secret		*new;	/* NULL: to a key file */
	uid_t			 uid;
	char			 actor[64];
};

/* Rewrap under op->new, or a new key file; the store stays open. */
static int
passwd_apply(struct ops_ctx *ctx, const struct secret *pass,
    enum keys_kind kind, struct ops_err *err)
{
	struct keys_kdf_limits	lim;

	if (pass == NULL)
		return keys_rewrap_keyfile(ctx->paths.envelope, ctx->keys,
		    ctx->paths.keyfile, NULL, err);
	config_kdf_limits(ctx->config, &lim);
	return keys_rewrap_passphrase(ctx->paths.envelope, ctx->keys, pass,
	    &lim, kind == KEYS_KIND_KEYFILE ? ctx->paths.keyfile : NULL, err);
}

static void
passwd_finish(struct ops_ctx *ctx, const char *actor, const char *mode,
    int rc, const struct ops_err *err)
{
	struct store_audit_entry	e = {
		.actor = actor, .action = "passwd", .object = mode,
		.result = rc == OPS_OK ? "ok" : ops_err_msg(err),
	};
	struct ops_err			aerr;

	if (ctx->store != NULL &&
	    store_audit_append(ctx->store, &e, NULL, &aerr) != OPS_OK)
		log_warnx(&ctx->log, "audit passwd: %s", ops_err_msg(&aerr));
	if (rc == OPS_OK)
		log_info(&ctx->log, "store key rewrapped by %s", actor);
}

/* The current passphrase was checked off the loop. */
static void
passwd_checked(int rc, struct keyring *kr, const struct ops_err *kerr,
    void *arg)
{
	struct passwd_op	*op = arg;
	struct ops_ctx		*ctx = op->ctx;
	struct ops_err		 err = *kerr;
	const char		*mode = op->new != NULL ? "passphrase" :
				    "keyfile";
	unsigned		 count;

	ctx->unlock_kdf = NULL;
	keyring_free(kr);
	if (rc == OPS_E_BADKEY) {
		(void)unlock_throttle_fail(ctx, op->uid, &count);
		rc = ops_err_set(&err, OPS_E_BADKEY, "passwd: the current "
		    "passphrase is wrong (%u failed attempts)", count);
	} else if (rc == OPS_OK && ctx->store == NULL)
		rc = ops_err_set(&err, OPS_E_LOCKED, "store is locked; run "
		    "opsicle unlock");
	else if (rc == OPS_OK)
		rc = passwd_apply(ctx, op->new, KEYS_KIND_PASSPHRASE, &err);
	passwd_finish(ctx, op->actor, mode, rc, &err);
	if (rc == OPS_OK)
		client_defer_ok(op->d, NULL);
	else
		client_defer_error(op->d, rc, ops_err_msg(&err));
	secret_free(op->new);
	free(op);
}

/*
 * passwd needs the current passphrase in "old" when the store has one,
 * checked by Argon2id off the loop (and throttled like unlock), so an
 * admin-role peer cannot take the store over without knowing it.
 */
int
handle_passwd(struct ops_ctx *ctx, struct client *c, json_t *msg,
    json_t **result, struct ops_err *err)
{
	struct secret		*old = NULL, *pass = NULL;
	struct passwd_op	*op = NULL;
	enum keys_kind		 kind;
	const char		*mode;
	long long		 wait;
	int			 rc;

	(void)result;
	if ((rc = proto_get_str(msg, "mode", &mode, 16, err)) != OPS_OK ||
	    (proto_has(msg, "old") && (rc = proto_take_secret(msg, "old",
	    PASS_MAX, &old, err)) != OPS_OK) ||
	    (rc = envelope_kind(ctx, &kind, err)) != OPS_OK)
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
	} else if (strcmp(mode, "keyfile") != 0) {
		rc = ops_err_set(err, OPS_E_INVAL, "passwd: mode must be "
		    "\"passphrase\" or \"keyfile\"");
		goto out;
	} else if (kind == KEYS_KIND_KEYFILE) {
		rc = ops_err_set(err, OPS_E_INVAL, "store %s already "
		    "uses a key file", ctx->paths.store);
		goto out;
	}
	if (kind == KEYS_KIND_KEYFILE) {
		rc = passwd_apply(ctx, pass, kind, err);
		goto out;
	}
	if (old == NULL) {
		rc = ops_err_set(err, OPS_E_PERM, "passwd: the current "
		    "passphrase is needed to change it");
		goto out;
	}
	if ((wait = unlock_throttle_wait(ctx, c->uid)) > 0) {
		rc = ops_err_set(err, OPS_E_LOCKED, "too many failed "
		    "passphrase attempts: retry in %lld s", wait);
		goto out;
	}
	if (ctx->unlock_kdf != NULL) {
		rc = ops_err_set(err, OPS_E_LOCKED, "busy: a passphrase "
		    "check is running; retry when it ends");
		goto out;
	}
	if ((op = calloc(1, sizeof(*op))) == NULL ||
	    (op->d = client_defer(c, msg)) == NULL) {
		rc = ops_err_set(err, OPS_E_NOMEM, "passwd");
		goto out;
	}
	op->ctx = ctx;
	op->new = pass;
	op->uid = c->uid;
	snprintf(op->actor, sizeof(op->actor), "%s", c->actor);
	pass = NULL;
	if ((rc = unlock_kdf_start(ctx->loop, ctx->paths.envelope, old,
	    passwd_checked, op, &ctx->unlock_kdf, err)) != OPS_OK) {
		old = NULL;
		client_defer_error(op->d, rc, ops_err_msg(err));
		secret_free(op->new);
		free(op);
	}
	return OPS_OK;
out:
	secret_free(old);
	secret_free(pass);
	free(op);
	if (rc != OPS_E_LOCKED || ctx->store != NULL)
		passwd_finish(ctx, c->actor, proto_has(msg, "mode") ?
		    json_string_value(json_object_get(msg, "mode")) : NULL,
		    rc, err);
	return rc;
}

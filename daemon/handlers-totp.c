/*
 * handlers-totp.c: totp enroll, confirm, status and disable; approver
 * link (make a code, or unlink) and links. The secret is made here
 * (libsodium), sealed by the store and leaves the daemon once, in the
 * enroll reply (never logged). Codes arrive in sensitive messages and
 * are wiped once read. Each op audits itself (OP_SELF_AUDIT): a failed
 * code's audit record and counters must survive the refusal.
 */
#include "config.h"

#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <sodium.h>

#include "daemon.h"
#include "secret.h"
#include "store-totp.h"
#include "totp.h"
#include "totp-user.h"

/* Their rows are in dispatch.c, which declares them too. */
handler_fn	handle_totp_enroll, handle_totp_confirm, handle_totp_status,
		handle_totp_disable, handle_approver_link, handle_approver_links,
		handle_approver_unlink;

#define S	OPS_PROTO_MAX_NAME
#define CODE_MAX	32

static const char *const totp_states[] = { "pending", "active" };

/* Take the code out of msg into buf (wiped by the caller). */
static int
take_code(json_t *msg, char *buf, size_t len, struct ops_err *err)
{
	struct secret	*s = NULL;
	int		 rc;

	buf[0] = '\0';
	if ((rc = proto_take_secret(msg, "code", CODE_MAX, &s, err)) != OPS_OK)
		return rc;
	if (secret_len(s) >= len) {
		secret_free(s);
		return ops_err_set(err, OPS_E_PERM, "wrong or reused TOTP "
		    "code");
	}
	memcpy(buf, secret_cdata(s), secret_len(s));
	buf[secret_len(s)] = '\0';
	secret_free(s);
	return OPS_OK;
}

/* The uid of "name" or "123"; OPS_E_NOTFOUND. */
static int
user_uid(const char *name, uid_t *uid, struct ops_err *err)
{
	struct passwd	 pw, *pwp = NULL;
	char		 buf[1024], *end;
	unsigned long	 v;

	if (getpwnam_r(name, &pw, buf, sizeof(buf), &pwp) == 0 &&
	    pwp != NULL) {
		*uid = pw.pw_uid;
		return OPS_OK;
	}
	v = strtoul(name, &end, 10);
	if (*name >= '0' && *name <= '9' && *end == '\0' &&
	    v < (unsigned long)(uid_t)-1) {
		*uid = (uid_t)v;
		return OPS_OK;
	}
	return ops_err_set(err, OPS_E_NOTFOUND, "no user %.64s", name);
}

/* "name@host" for the authenticator app's label. */
static void
account_of(uid_t uid, char *buf, size_t len)
{
	struct passwd	 pw, *pwp = NULL;
	char		 pbuf[1024], host[256];

	if (gethostname(host, sizeof(host)) != 0)
		snprintf(host, sizeof(host), "localhost");
	host[sizeof(host) - 1] = '\0';
	if (getpwuid_r(uid, &pw, pbuf, sizeof(pbuf), &pwp) == 0 &&
	    pwp != NULL)
		snprintf(buf, len, "%.64s@%.128s", pw.pw_name, host);
	else
		snprintf(buf, len, "uid%ld@%.128s", (long)uid, host);
}

/* Audit this op's outcome; on failure to write, the op fails. */
static int
audit_self(struct ops_ctx *ctx, struct client *c, const char *action,
    const char *object, const char *detail, int rc, struct ops_err *err)
{
	struct ops_err	e;

	if (rc != OPS_OK) {
		audit_refusal(ctx, c->actor, action, object, detail,
		    ops_err_msg(err));
		return rc;
	}
	if ((rc = audit_append(ctx, c->actor, action, object, detail, "ok",
	    &e)) != OPS_OK)
		return ops_err_set(err, rc, "%s", ops_err_msg(&e));
	return OPS_OK;
}

int
handle_totp_enroll(struct ops_ctx *ctx, struct client *c, json_t *msg,
    json_t **result, struct ops_err *err)
{
	struct store_totp_user	 u;
	struct secret		*key = NULL, *uri = NULL;
	char			 account[256];
	int			 rc;

	(void)msg;
	account_of(c->uid, account, sizeof(account));
	rc = store_totp_get(ctx->store, (int64_t)c->uid, &u, NULL, NULL);
	if (rc == OPS_OK && u.state == STORE_TOTP_ACTIVE) {
		rc = ops_err_set(err, OPS_E_EXISTS, "TOTP is already active "
		    "for %s; disable it first (opsicle totp disable CODE)",
		    c->actor);
		goto out;
	}
	if ((rc = secret_new(TOTP_KEY_LEN, &key, err)) != OPS_OK)
		goto out;
	randombytes_buf(secret_data(key), TOTP_KEY_LEN);
	if ((rc = totp_uri(TOTP_ISSUER, account, secret_cdata(key),
	    secret_len(key), &uri, err)) != OPS_OK ||
	    (rc = store_totp_put(ctx->store, (int64_t)c->uid, key,
	    err)) != OPS_OK)
		goto out;
	totp_user_forget(ctx, c->uid);
	if ((*result = json_pack("{s:s%,s:s,s:s}", "uri",
	    (const char *)secret_cdata(uri), secret_len(uri), "account",
	    account, "state", "pending")) == NULL)
		rc = ops_err_set(err, OPS_E_NOMEM, "build reply");
out:
	secret_free(key);
	secret_free(uri);
	return audit_self(ctx, c, "totp.enroll", c->actor, NULL, rc, err);
}

int
handle_totp_confirm(struct ops_ctx *ctx, struct client *c, json_t *msg,
    json_t **result, struct ops_err *err)
{
	struct store_totp_user	u;
	char			code[CODE_MAX + 1];
	int			rc;

	if ((rc = take_code(msg, code, sizeof(code), err)) != OPS_OK)
		return audit_self(ctx, c, "totp.confirm", c->actor, NULL, rc,
		    err);
	if ((rc = store_totp_get(ctx->store, (int64_t)c->uid, &u, NULL,
	    NULL)) != OPS_OK)
		rc = ops_err_set(err, OPS_E_NOTFOUND, "%s has no TOTP "
		    "enrolment to confirm; run opsicle totp enroll", c->actor);
	else if (u.state == STORE_TOTP_ACTIVE)
		rc = ops_err_set(err, OPS_E_EXISTS, "TOTP is already active "
		    "for %s", c->actor);
	else if ((rc = totp_verify_code(ctx, c->uid, code, "cli", 1,
	    err)) != OPS_OK) {
		/* totp_verify_code audited the failure */
		sodium_memzero(code, sizeof(code));
		return rc;
	}
	sodium_memzero(code, sizeof(code));
	if (rc == OPS_OK && (*result = json_pack("{s:s}", "state",
	    "active")) == NULL)
		rc = ops_err_set(err, OPS_E_NOMEM, "build reply");
	return audit_self(ctx, c, "totp.confirm", c->actor, NULL, rc, err);
}

int
handle_totp_status(struct ops_ctx *ctx, struct client *c, json_t *msg,
    json_t **result, struct ops_err *err)
{
	struct store_totp_user	 u;
	const char		*name = NULL;
	char			 actor[64];
	uid_t			 uid = c->uid;
	time_t			 now = time(NULL);
	int64_t			 max, window;
	json_t			*o;
	int			 rc;

	if (proto_has(msg, "user")) {
		if ((rc = proto_get_str(msg, "user", &name, S, err)) != OPS_OK ||
		    (rc = user_uid(name, &uid, err)) != OPS_OK)
			return rc;
		if (uid != c->uid && (rc = acl_need_admin(c->role, c->actor,
		    err, "totp status of another user")) != OPS_OK)
			return rc;
	}
	totp_user_actor(uid, actor, sizeof(actor));
	rc = store_totp_get(ctx->store, (int64_t)uid, &u, NULL, err);
	if (rc == OPS_E_NOTFOUND) {
		*result = json_pack("{s:s,s:I,s:s}", "user", actor, "uid",
		    (json_int_t)uid, "state", "none");
		return *result == NULL ? ops_err_set(err, OPS_E_NOMEM, "build "
		    "reply") : OPS_OK;
	}
	if (rc != OPS_OK)
		return rc;
	if ((o = json_pack("{s:s,s:I,s:s,s:I}", "user", actor, "uid",
	    (json_int_t)uid, "state", totp_states[u.state], "created",
	    (json_int_t)u.created)) == NULL)
		return ops_err_set(err, OPS_E_NOMEM, "build reply");
	if (u.last_step > 0)
		json_object_set_new(o, "last_used", json_integer(
		    (json_int_t)u.last_step * TOTP_PERIOD * 1000));
	totp_fail_limits(ctx, &max, &window);
	if (u.failures > 0 && u.window_start + window > now) {
		json_object_set_new(o, "failures",
		    json_integer((json_int_t)u.failures));
		if (u.failures >= max)
			json_object_set_new(o, "retry_in", json_integer(
			    (json_int_t)(u.window_start + window -
			    now)));
	}
	*result = o;
	return OPS_OK;
}

int
handle_totp_disable(struct ops_ctx *ctx, struct client *c, json_t *msg,
    json_t **result, struct ops_err *err)
{
	const char	*name = NULL;
	char		 code[CODE_MAX + 1] = "", actor[64];
	uid_t		 uid = c->uid;
	int		 rc, have_code = proto_has(msg, "code");

	if (have_code && (rc = take_code(msg, code, sizeof(code),
	    err)) != OPS_OK)
		goto out;
	if (proto_has(msg, "user") && ((rc = proto_get_str(msg, "user", &name,
	    S, err)) != OPS_OK || (rc = user_uid(name, &uid, err)) != OPS_OK))
		goto out;
	totp_user_actor(uid, actor, sizeof(actor));
	if (uid != c->uid) {
		/* an admin resets another user's (a lost phone) */
		if ((rc = acl_need_admin(c->role, c->actor, err,
		    "totp disable --user")) != OPS_OK)
			goto out;
	} else if (!have_code) {
		rc = ops_err_set(err, OPS_E_PERM, "totp disable needs a "
		    "current code");
		goto out;
	} else if (totp_user_enrolled(ctx, uid) &&
	    (rc = totp_verify_user(ctx, uid, code, "cli", err)) != OPS_OK) {
		/* audited by totp_verify_user */
		sodium_memzero(code, sizeof(code));
		return rc;
	}
	if ((rc = store_totp_delete(ctx->store, (int64_t)uid, err)) == OPS_OK) {
		totp_user_forget(ctx, uid);
		if ((*result = json_pack("{s:s}", "user", actor)) == NULL)
			rc = ops_err_set(err, OPS_E_NOMEM, "build reply");
	}
out:
	sodium_memzero(code, sizeof(code));
	return audit_self(ctx, c, "totp.disable", name != NULL ? actor :
	    c->actor, NULL, rc, err);
}

/* Only telegram links today (slack's come with the controller). */
static int
check_service(const char *service, struct ops_err *err)
{
	if (!store_link_service_valid(service) ||
	    strcmp(service, "telegram") != 0)
		return ops_err_set(err, OPS_E_INVAL, "unknown approver service "
		    "\"%.32s\" (known: telegram)", service);
	return OPS_OK;
}

int
handle_approver_link(struct ops_ctx *ctx, struct client *c, json_t *msg,
    json_t **result, struct ops_err *err)
{
	const char	*service = NULL;
	char		 code[LINK_CODE_LEN + 1] = "";
	long long	 expires = 0;
	int		 rc;

	if ((rc = proto_get_str(msg, "service", &service, S, err)) != OPS_OK)
		return rc;
	if ((rc = check_service(service, err)) == OPS_OK &&
	    (rc = approver_link_make(ctx, c->uid, service, code, &expires,
	    err)) == OPS_OK && (*result = json_pack("{s:s,s:s,s:I}",
	    "service", service, "code", code, "expires",
	    (json_int_t)expires)) == NULL)
		rc = ops_err_set(err, OPS_E_NOMEM, "build reply");
	sodium_memzero(code, sizeof(code));
	return audit_self(ctx, c, "approver.link", service, NULL, rc, err);
}

int
handle_approver_unlink(struct ops_ctx *ctx, struct client *c, json_t *msg,
    json_t **result, struct ops_err *err)
{
	const char	*service = NULL, *account = NULL;
	char		 object[128];
	int		 rc;

	if ((rc = proto_get_str(msg, "service", &service, S, err)) != OPS_OK ||
	    (rc = proto_get_str(msg, "account", &account, S, err)) != OPS_OK)
		return rc;
	snprintf(object, sizeof(object), "%.32s:%.64s", service, account);
	if ((rc = check_service(service, err)) == OPS_OK &&
	    (rc = store_link_delete(ctx->store, service, account,
	    acl_allows(c->role, CMD_ROLE_ADMIN) ? -1 : (int64_t)c->uid,
	    err)) == OPS_OK && (*result = json_pack("{s:s,s:s}", "service",
	    service, "account", account)) == NULL)
		rc = ops_err_set(err, OPS_E_NOMEM, "build reply");
	return audit_self(ctx, c, "approver.unlink", object, NULL, rc, err);
}

int
handle_approver_links(struct ops_ctx *ctx, struct client *c, json_t *msg,
    json_t **result, struct ops_err *err)
{
	struct store_link_list	 l = { 0 };
	char			 actor[64];
	json_t			*arr, *o;
	size_t			 i;
	int			 rc;

	(void)msg;
	if ((rc = store_link_list(ctx->store, acl_allows(c->role,
	    CMD_ROLE_ADMIN) ? -1 : (int64_t)c->uid, &l, err)) != OPS_OK)
		return rc;
	if ((arr = json_array()) == NULL) {
		store_link_list_free(&l);
		return ops_err_set(err, OPS_E_NOMEM, "build reply");
	}
	for (i = 0; i < l.n; i++) {
		totp_user_actor((uid_t)l.v[i].uid, actor, sizeof(actor));
		if ((o = json_pack("{s:s,s:s,s:I,s:s,s:I}", "service",
		    l.v[i].service, "account", l.v[i].account, "uid",
		    (json_int_t)l.v[i].uid, "user", actor, "created",
		    (json_int_t)l.v[i].created)) == NULL ||
		    json_array_append_new(arr, o) != 0) {
			json_decref(arr);
			store_link_list_free(&l);
			return ops_err_set(err, OPS_E_NOMEM, "build reply");
		}
	}
	store_link_list_free(&l);
	*result = arr;
	return OPS_OK;
}

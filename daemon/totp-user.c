/*
 * totp-user.c: verifying a user's TOTP codes (replay guard, skew, rate
 * limit, audit) and approver link codes (totp-user.h).
 */
#include "config.h"

#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <sodium.h>

#include "daemon.h"
#include "secret.h"
#include "store-totp.h"
#include "totp.h"
#include "totp-user.h"

#define TOTP_MEM_MAX	256	/* uids remembered */

/* What a rollback must not undo: per uid, the last accepted step and
 * the failure window (the larger of this and the store's counts). */
struct totp_mem {
	uid_t		uid;
	int64_t		last_step;
	int64_t		failures;
	int64_t		window_start;
};

struct totp_state {
	struct totp_mem	v[TOTP_MEM_MAX];
	size_t		n;
	size_t		next;		/* slot reused when full */
};

static const char link_alphabet[] = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789";

void
totp_user_actor(uid_t uid, char *buf, size_t len)
{
	struct passwd	 pw, *pwp = NULL;
	char		 pbuf[1024];

	if (getpwuid_r(uid, &pw, pbuf, sizeof(pbuf), &pwp) == 0 &&
	    pwp != NULL)
		snprintf(buf, len, "%.40s(%ld)", pw.pw_name, (long)uid);
	else
		snprintf(buf, len, "uid %ld", (long)uid);
}

static struct totp_mem *
mem_of(struct ops_ctx *ctx, uid_t uid)
{
	struct totp_state	*s = ctx->totp;
	struct totp_mem		*m;
	size_t			 i;

	if (s == NULL && (s = ctx->totp = calloc(1, sizeof(*s))) == NULL)
		return NULL;
	for (i = 0; i < s->n; i++)
		if (s->v[i].uid == uid)
			return &s->v[i];
	if (s->n < TOTP_MEM_MAX)
		m = &s->v[s->n++];
	else {
		m = &s->v[s->next];
		s->next = (s->next + 1) % TOTP_MEM_MAX;
	}
	memset(m, 0, sizeof(*m));
	m->uid = uid;
	return m;
}

void
totp_user_forget(struct ops_ctx *ctx, uid_t uid)
{
	struct totp_state	*s = ctx->totp;
	size_t			 i;

	if (s == NULL)
		return;
	for (i = 0; i < s->n; i++)
		if (s->v[i].uid == uid) {
			s->v[i] = s->v[--s->n];
			if (s->next >= s->n)
				s->next = 0;
			return;
		}
}

void
totp_user_free(struct ops_ctx *ctx)
{
	free(ctx->totp);
	ctx->totp = NULL;
}

static void
audit_fail(struct ops_ctx *ctx, uid_t uid, const char *channel,
    const char *why)
{
	char	actor[64], detail[80];

	totp_user_actor(uid, actor, sizeof(actor));
	snprintf(detail, sizeof(detail), "channel %.32s",
	    channel != NULL ? channel : "-");
	audit_refusal(ctx, actor, "totp.verify", actor, detail, why);
}

/* Does code match one of steps now-1..now+1 after last? *step gets it. */
static int
code_matches(const struct secret *key, unsigned code, uint64_t now,
    int64_t last, uint64_t *step)
{
	uint64_t	s;
	unsigned	want;
	int		hit = 0;

	for (s = now > 0 ? now - 1 : 0; s <= now + 1; s++) {
		if (totp_code(secret_cdata(key), secret_len(key), s,
		    &want) != OPS_OK)
			continue;
		/* no early exit: every step costs the same */
		if (want == code && (int64_t)s > last && !hit) {
			hit = 1;
			*step = s;
		}
	}
	return hit;
}

int
totp_verify_code(struct ops_ctx *ctx, uid_t uid, const char *code,
    const char *channel, int pending, struct ops_err *err)
{
	struct store_totp_user	 u;
	struct secret		*key = NULL;
	struct totp_mem		*m;
	struct ops_err		 e;
	char			 actor[64];
	time_t			 now = time(NULL);
	uint64_t		 step = 0;
	int64_t			 left;
	unsigned		 typed = 0;
	int			 rc, valid;

	if (ctx->store == NULL)
		return ops_err_set(err, OPS_E_LOCKED, "store is locked; run "
		    "opsicle unlock");
	totp_user_actor(uid, actor, sizeof(actor));
	if ((rc = store_totp_get(ctx->store, (int64_t)uid, &u, &key,
	    &e)) != OPS_OK || (!pending && u.state != STORE_TOTP_ACTIVE)) {
		secret_free(key);
		if (rc == OPS_OK || rc == OPS_E_NOTFOUND)
			return ops_err_set(err, OPS_E_NOTFOUND, "user %s has no "
			    "TOTP enrolled", actor);
		return ops_err_set(err, rc, "%s", ops_err_msg(&e));
	}
	if ((m = mem_of(ctx, uid)) == NULL) {
		secret_free(key);
		return ops_err_set(err, OPS_E_NOMEM, "verify a TOTP code");
	}
	/* the stricter of memory and store */
	if (u.last_step > m->last_step)
		m->last_step = u.last_step;
	if (u.window_start > m->window_start ||
	    (u.window_start == m->window_start && u.failures > m->failures)) {
		m->window_start = u.window_start;
		m->failures = u.failures;
	}
	if (m->window_start + TOTP_FAIL_WINDOW <= (int64_t)now) {
		m->window_start = 0;
		m->failures = 0;
	}
	if (m->failures >= TOTP_FAIL_MAX) {
		secret_free(key);
		left = m->window_start + TOTP_FAIL_WINDOW - (int64_t)now;
		rc = ops_err_set(err, OPS_E_LOCKED, "too many failed TOTP "
		    "codes; try again in %lld s", (long long)left);
		audit_fail(ctx, uid, channel, ops_err_msg(err));
		return rc;
	}
	valid = totp_code_parse(code, &typed);
	if (valid && code_matches(key, typed, totp_step(now), m->last_step,
	    &step)) {
		secret_free(key);
		m->last_step = (int64_t)step;
		m->failures = 0;
		m->window_start = 0;
		rc = store_totp_accept(ctx->store, (int64_t)uid,
		    (int64_t)step, pending, err);
		sodium_memzero(&typed, sizeof(typed));
		return rc;
	}
	secret_free(key);
	sodium_memzero(&typed, sizeof(typed));
	if (m->failures == 0)
		m->window_start = (int64_t)now;
	m->failures++;
	if (store_totp_failures(ctx->store, (int64_t)uid, m->failures,
	    m->window_start, &e) != OPS_OK)
		log_warnx(&ctx->log, "totp: %s", ops_err_msg(&e));
	rc = ops_err_set(err, OPS_E_PERM, "wrong or reused TOTP code");
	audit_fail(ctx, uid, channel, ops_err_msg(err));
	return rc;
}

int
totp_verify_user(struct ops_ctx *ctx, uid_t uid, const char *code,
    const char *channel, struct ops_err *err)
{
	return totp_verify_code(ctx, uid, code, channel, 0, err);
}

int
totp_user_enrolled(struct ops_ctx *ctx, uid_t uid)
{
	struct store_totp_user	u;

	if (ctx->store == NULL || store_totp_get(ctx->store, (int64_t)uid,
	    &u, NULL, NULL) != OPS_OK)
		return 0;
	return u.state == STORE_TOTP_ACTIVE;
}

/* The hash of a code as typed: upper case, without spaces or dashes. */
static int
link_hash(const char *code, unsigned char hash[STORE_LINK_HASH_LEN])
{
	char	norm[LINK_CODE_LEN + 1];
	size_t	n = 0;
	int	ok = 1;

	for (; code != NULL && *code != '\0'; code++) {
		if (*code == ' ' || *code == '-')
			continue;
		if (n == LINK_CODE_LEN) {
			ok = 0;
			break;
		}
		norm[n++] = (*code >= 'a' && *code <= 'z') ?
		    (char)(*code - 'a' + 'A') : *code;
	}
	if (n != LINK_CODE_LEN)
		ok = 0;
	crypto_generichash(hash, STORE_LINK_HASH_LEN,
	    (const unsigned char *)norm, n, NULL, 0);
	sodium_memzero(norm, sizeof(norm));
	return ok;
}

int
approver_link_make(struct ops_ctx *ctx, uid_t uid, const char *service,
    char code[LINK_CODE_LEN + 1], long long *expires_ms, struct ops_err *err)
{
	unsigned char	hash[STORE_LINK_HASH_LEN];
	int		i, rc;

	code[0] = '\0';
	if (ctx->store == NULL)
		return ops_err_set(err, OPS_E_LOCKED, "store is locked; run "
		    "opsicle unlock");
	if (!store_link_service_valid(service))
		return ops_err_set(err, OPS_E_INVAL, "unknown approver service "
		    "\"%.32s\"", service);
	for (i = 0; i < LINK_CODE_LEN; i++)
		code[i] = link_alphabet[randombytes_uniform(
		    sizeof(link_alphabet) - 1)];
	code[LINK_CODE_LEN] = '\0';
	(void)link_hash(code, hash);
	*expires_ms = (long long)time(NULL) * 1000 + LINK_CODE_TTL_S * 1000LL;
	if ((rc = store_link_code_add(ctx->store, hash, (int64_t)uid, service,
	    *expires_ms, err)) != OPS_OK)
		sodium_memzero(code, LINK_CODE_LEN + 1);
	return rc;
}

int
approver_link_redeem(struct ops_ctx *ctx, const char *service,
    const char *code, const char *account, uid_t *uid, struct ops_err *err)
{
	unsigned char	hash[STORE_LINK_HASH_LEN];
	char		who[96], actor[64];
	int64_t		u = -1;
	int		rc;

	*uid = (uid_t)-1;
	if (ctx->store == NULL)
		return ops_err_set(err, OPS_E_LOCKED, "store is locked; run "
		    "opsicle unlock");
	snprintf(who, sizeof(who), "%.32s:%.60s", service != NULL ? service :
	    "-", account != NULL ? account : "-");
	if (!link_hash(code, hash))
		rc = ops_err_set(err, OPS_E_NOTFOUND, "unknown, used or "
		    "expired link code");
	else
		rc = store_link_redeem(ctx->store, hash, service, account,
		    (int64_t)time(NULL) * 1000, &u, err);
	if (rc != OPS_OK) {
		audit_refusal(ctx, who, "approver.link", who, NULL,
		    ops_err_msg(err));
		return rc;
	}
	*uid = (uid_t)u;
	totp_user_actor(*uid, actor, sizeof(actor));
	if ((rc = audit_append(ctx, who, "approver.link", actor, NULL, "ok",
	    err)) != OPS_OK)
		*uid = (uid_t)-1;
	return rc;
}

int
approver_link_lookup(struct ops_ctx *ctx, const char *service,
    const char *account, uid_t *uid, struct ops_err *err)
{
	int64_t	u = -1;
	int	rc;

	*uid = (uid_t)-1;
	if (ctx->store == NULL)
		return ops_err_set(err, OPS_E_LOCKED, "store is locked; run "
		    "opsicle unlock");
	if ((rc = store_link_lookup(ctx->store, service, account, &u,
	    err)) == OPS_OK)
		*uid = (uid_t)u;
	return rc;
}

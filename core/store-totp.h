/*
 * store-totp.h: per-user TOTP secrets, approver links to chat accounts
 * and the one-time codes that make them (core/store-totp.c).
 *
 * Contract. A user (uid) has at most one TOTP row: its secret sealed
 * (seal.h) under owner "totp:<uid>", field "secret", so a blob moved to
 * another user's row fails to open; its state "pending" (enrolled, not
 * yet confirmed with a code) or "active"; the last step a code was
 * accepted for (a code of that step or an earlier one is a replay); and
 * the failure count since window_start (unix seconds) for the rate
 * limit, which the caller decides. Link codes are stored only as a
 * 32-byte hash (crypto_generichash of the code as typed); redeeming one
 * is one transaction that checks service, expiry and one-time use,
 * marks it used and links the account. A link is (service, account) ->
 * uid; an account links to one uid, a uid may link several accounts.
 * Every call returns OPS_OK or an OPS_E_* code with err filled; texts
 * never hold a secret or a code.
 */
#ifndef OPS_STORE_TOTP_H
#define OPS_STORE_TOTP_H

#include <stdint.h>

#include "error.h"

struct store;
struct secret;

#define STORE_TOTP_PENDING	0
#define STORE_TOTP_ACTIVE	1
#define STORE_LINK_HASH_LEN	32
#define STORE_LINK_SERVICE_MAX	32
#define STORE_LINK_ACCOUNT_MAX	128

struct store_totp_user {
	int64_t		uid;
	int		state;		/* STORE_TOTP_* */
	int64_t		last_step;	/* 0: none accepted yet */
	int64_t		failures;
	int64_t		window_start;	/* unix s of the first failure */
	int64_t		created;	/* ms */
};

/* Enrol uid anew: a pending row with key (sealed here), counters reset;
 * an existing row (pending or active) is replaced. */
int	store_totp_put(struct store *st, int64_t uid, const struct secret *key,
	    struct ops_err *err);
/* uid's row; with key non-NULL also its secret (caller frees).
 * OPS_E_NOTFOUND when uid has none. */
int	store_totp_get(struct store *st, int64_t uid, struct store_totp_user *u,
	    struct secret **key, struct ops_err *err);
/* A code for step was accepted: last_step = step, failures 0, and with
 * activate the state becomes active. OPS_E_PERM when step is not after
 * the stored last_step (a replay that raced another), OPS_E_NOTFOUND. */
int	store_totp_accept(struct store *st, int64_t uid, int64_t step,
	    int activate, struct ops_err *err);
/* Record the failure counters. */
int	store_totp_failures(struct store *st, int64_t uid, int64_t failures,
	    int64_t window_start, struct ops_err *err);
/* Forget uid's TOTP; OPS_E_NOTFOUND when it had none. */
int	store_totp_delete(struct store *st, int64_t uid, struct ops_err *err);

/* A new link code (its hash) for uid on service, valid until expires
 * (ms); codes of uid for service made before are dropped. */
int	store_link_code_add(struct store *st,
	    const unsigned char hash[STORE_LINK_HASH_LEN], int64_t uid,
	    const char *service, int64_t expires, struct ops_err *err);
/*
 * Redeem the code with this hash for account on service at now (ms):
 * OPS_OK with *uid when it is unused, unexpired and for service; it is
 * marked used and account is linked to *uid (replacing a link it had).
 * OPS_E_NOTFOUND "unknown, used or expired link code" otherwise, the
 * same text for each case.
 */
int	store_link_redeem(struct store *st,
	    const unsigned char hash[STORE_LINK_HASH_LEN], const char *service,
	    const char *account, int64_t now, int64_t *uid,
	    struct ops_err *err);
/* The uid account is linked to on service; OPS_E_NOTFOUND. */
int	store_link_lookup(struct store *st, const char *service,
	    const char *account, int64_t *uid, struct ops_err *err);

struct store_link {
	char		*service;
	char		*account;
	int64_t		 uid;
	int64_t		 created;	/* ms */
};
struct store_link_list {
	struct store_link	*v;
	size_t			 n;
};
/* Links of uid (uid < 0: of everyone), by service and account. */
int	store_link_list(struct store *st, int64_t uid,
	    struct store_link_list *out, struct ops_err *err);
void	store_link_list_free(struct store_link_list *l);
/* Remove the link of account on service when it belongs to uid (uid <
 * 0: to anyone); OPS_E_NOTFOUND when there is no such link. */
int	store_link_delete(struct store *st, const char *service,
	    const char *account, int64_t uid, struct ops_err *err);

/* 1 when s is a service name this store takes ("telegram", "slack":
 * lower-case letters, at most STORE_LINK_SERVICE_MAX). */
int	store_link_service_valid(const char *s);

#endif

/*
 * totp-user.h: TOTP step-up per local user and approver links, for the
 * handlers (handlers-totp.c), approvals and chat bots.
 *
 * Contract. A user enrols (a pending secret, sealed in the store) and
 * confirms with a code (active). Only an active enrolment verifies.
 * totp_verify_user accepts a code of step now-1, now or now+1 (one step
 * of skew, RFC 6238 5.2) only when that step is after the last accepted
 * one (a code is good once: RFC 6238 5.2's replay rule), and stores the
 * step. Failures are rate-limited per uid: TOTP_FAIL_MAX wrong codes
 * within TOTP_FAIL_WINDOW seconds of the first, then every attempt is
 * refused until the window ends, with "try again in N s"; each failure
 * and each refusal is audited with the channel ("cli", "telegram", ...).
 *
 * The counters and the last step live in the store and also in memory
 * (ctx->totp), so a caller whose transaction rolls back after a failed
 * (or successful) verify loses neither the count nor the replay guard.
 * The failure's audit record is written in the caller's transaction
 * when it has one (an OP_TX op's refusal is audited by dispatch.c
 * anyway, with this error text).
 *
 * Errors: OPS_E_NOTFOUND "user X has no TOTP enrolled" (also when it is
 * still pending: X is "name(uid)"), OPS_E_PERM "wrong or reused TOTP
 * code", OPS_E_LOCKED "too many failed TOTP codes; try again in N s"
 * (OPS_E_LOCKED is also a locked store). Texts never hold a code or a
 * secret.
 */
#ifndef OPS_TOTP_USER_H
#define OPS_TOTP_USER_H

#include <sys/types.h>

#include "error.h"

struct ops_ctx;

#define TOTP_FAIL_MAX		5	/* wrong codes per window */
#define TOTP_FAIL_WINDOW	300	/* seconds */
#define LINK_CODE_TTL_S		600	/* a link code lives 10 min */

/* Verify code (the 6 digits as typed) for uid; see above. */
int	totp_verify_user(struct ops_ctx *ctx, uid_t uid, const char *code,
	    const char *channel, struct ops_err *err);
/* 1 when uid has an active TOTP enrolment, else 0 (also when locked). */
int	totp_user_enrolled(struct ops_ctx *ctx, uid_t uid);

/*
 * Link codes: `opsicle approver link telegram` makes one (one-time,
 * expires in LINK_CODE_TTL_S, stored hashed); the bot redeems it for the
 * account that sent it: OPS_OK with *uid the user account now acts for
 * (audited), or OPS_E_NOTFOUND "unknown, used or expired link code"
 * (audited as a refusal).
 */
int	approver_link_redeem(struct ops_ctx *ctx, const char *service,
	    const char *code, const char *account, uid_t *uid,
	    struct ops_err *err);
/* The local uid linked to account on service; OPS_E_NOTFOUND when
 * unlinked. */
int	approver_link_lookup(struct ops_ctx *ctx, const char *service,
	    const char *account, uid_t *uid, struct ops_err *err);

/* For the handlers (handlers-totp.c). */
/* Like totp_verify_user; with pending, a pending enrolment counts too
 * and an accepted code activates it (totp confirm). */
int	totp_verify_code(struct ops_ctx *ctx, uid_t uid, const char *code,
	    const char *channel, int pending, struct ops_err *err);
/* Forget uid's in-memory counters (enrol, disable). */
void	totp_user_forget(struct ops_ctx *ctx, uid_t uid);
/* "name(uid)" of uid into buf, as the audit names actors. */
void	totp_user_actor(uid_t uid, char *buf, size_t len);
/* Make a link code for uid on service: the code as the user types it
 * into code (LINK_CODE_LEN + 1 bytes); its hash is stored. */
#define LINK_CODE_LEN	8
int	approver_link_make(struct ops_ctx *ctx, uid_t uid, const char *service,
	    char code[LINK_CODE_LEN + 1], long long *expires_ms,
	    struct ops_err *err);
void	totp_user_free(struct ops_ctx *ctx);

#endif

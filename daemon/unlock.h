/*
 * unlock.h: what makes passphrase guessing slow and visible.
 *
 * unlock-kdf.c runs Argon2id on a helper thread (at most one at a time:
 * handlers-lock.c refuses a second unlock as busy). The callback runs on
 * the loop, exactly once, with the keyring on success (the callee owns
 * it); after it the handle is gone. unlock_kdf_abandon, only before the
 * callback, drops the answer (the thread finishes and wipes alone).
 *
 * unlock-throttle.c counts failed unlocks per uid. After the Nth failure
 * that uid waits min(2^(N-1), 60) s: the failure is answered only then
 * (by a loop timer), and an attempt during the wait is refused at once
 * without running the KDF. The counts and the time of the last failure
 * live in $data_dir/unlock-failures (0600), since the store is locked
 * while they matter; they survive a restart and are audited ("N failed
 * attempts before") and cleared at the next successful unlock.
 */
#ifndef OPS_UNLOCK_H
#define OPS_UNLOCK_H

#include <sys/types.h>

#include "error.h"
#include "evloop.h"
#include "keys.h"
#include "secret.h"

#define UNLOCK_DELAY_MAX	60	/* seconds */

struct ops_ctx;
struct unlock_kdf;

typedef void	unlock_kdf_cb(int rc, struct keyring *kr,
		    const struct ops_err *err, void *arg);

/* Unwrap envelope with pass (taken over, wiped) off the loop. */
int	unlock_kdf_start(struct evloop *loop, const char *envelope,
	    struct secret *pass, unlock_kdf_cb *cb, void *arg,
	    struct unlock_kdf **out, struct ops_err *err);
void	unlock_kdf_abandon(struct unlock_kdf *k);

/* Load the persisted counts (a missing file: none). */
int	unlock_throttle_load(struct ops_ctx *ctx, struct ops_err *err);
void	unlock_throttle_free(struct ops_ctx *ctx);
/* Seconds uid must still wait before trying again; 0: may try now. */
long long	unlock_throttle_wait(const struct ops_ctx *ctx, uid_t uid);
/* Count a failure of uid and persist it; *count gets its failures and
 * the return value the delay in seconds before the next try. */
long long	unlock_throttle_fail(struct ops_ctx *ctx, uid_t uid,
		    unsigned *count);
/* Failures of all uids since the last unlock. */
unsigned	unlock_throttle_total(const struct ops_ctx *ctx);
/* A successful unlock: forget every count and remove the file. */
void	unlock_throttle_clear(struct ops_ctx *ctx);

#endif

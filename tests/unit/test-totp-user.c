/*
 * test-totp-user.c: daemon/totp-user.c on a real store, without a
 * socket. totp_verify_user accepts the current code once (a replay is
 * refused), only for an active enrolment; a caller's rollback after a
 * verify undoes neither the replay guard nor the failure count (5 wrong
 * codes in a rolled-back transaction still lock the user out, even for
 * a right code, with "try again in N s"); approver_link_make and
 * approver_link_redeem: the code is taken as typed (lower case, a dash),
 * works once, links the account (approver_link_lookup), and redemptions
 * and refusals are audited; totp.max-failures is obeyed.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "daemon.h"
#include "secret.h"
#include "store-test.h"
#include "store-totp.h"
#include "tap.h"
#include "totp.h"
#include "totp-user.h"

static const unsigned char	raw[20] = "0123456789abcdefghij";

static void
code_at(uint64_t step, char buf[7])
{
	unsigned	c = 0;

	totp_code(raw, sizeof(raw), step, &c);
	snprintf(buf, 7, "%06u", c);
}

int
main(void)
{
	struct ops_ctx	 ctx;
	struct keyring	*kr;
	struct secret	*key = NULL;
	struct ops_err	 err;
	char		 c[7], lc[LINK_CODE_LEN + 1], typed[16];
	long long	 exp = 0;
	uint64_t	 now;
	uid_t		 uid = 0;
	sqlite3		*db;
	int		 i, rc;

	plan(24);
	ops_crypto_init(NULL);
	memset(&ctx, 0, sizeof(ctx));
	log_init(&ctx.log, "test-totp-user", LOG_LEVEL_WARN);
	st_tmpdir();
	kr = st_keyring("tu");
	if (store_open(st_path("store.db"), kr, &ctx.store, &err) != OPS_OK) {
		diag("%s", err.msg);
		ok(0, "store opens");
		st_cleanup();
		return exit_status();
	}
	secret_from(raw, sizeof(raw), &key, NULL);
	store_totp_put(ctx.store, 1000, key, NULL);
	store_totp_accept(ctx.store, 1000, 1, 1, NULL);
	store_totp_put(ctx.store, 1001, key, NULL);
	store_totp_accept(ctx.store, 1001, 1, 1, NULL);
	store_totp_put(ctx.store, 1003, key, NULL);	/* pending */
	secret_free(key);

	ok(totp_user_enrolled(&ctx, 1000) && !totp_user_enrolled(&ctx, 1002) &&
	    !totp_user_enrolled(&ctx, 1003),
	    "enrolled: active only");
	rc = totp_verify_user(&ctx, 1003, "123456", "cli", &err);
	ok(rc == OPS_E_NOTFOUND && strstr(err.msg, "has no TOTP enrolled"),
	    "a pending enrolment does not verify: %s", err.msg);
	rc = totp_verify_user(&ctx, 1002, "123456", "cli", &err);
	ok(rc == OPS_E_NOTFOUND, "nor does a user without one");

	now = totp_step(time(NULL));
	code_at(now, c);
	ok(totp_verify_user(&ctx, 1000, c, "cli", &err) == OPS_OK,
	    "the current code verifies");
	rc = totp_verify_user(&ctx, 1000, c, "telegram", &err);
	ok(rc == OPS_E_PERM && strcmp(err.msg, "wrong or reused TOTP code") ==
	    0, "the same code again is refused");
	code_at(now - 1, c);
	ok(totp_verify_user(&ctx, 1000, c, "cli", &err) == OPS_E_PERM,
	    "so is the step before it, once a later one was used");

	/* a rollback keeps the replay guard */
	code_at(now + 1, c);
	store_tx_begin(ctx.store, NULL);
	rc = totp_verify_user(&ctx, 1000, c, "cli", &err);
	store_tx_rollback(ctx.store);
	ok(rc == OPS_OK, "the next step's code verifies (one step of skew)");
	ok(totp_verify_user(&ctx, 1000, c, "cli", &err) == OPS_E_PERM,
	    "and is refused again after the caller rolled back");

	/* a rollback keeps the failure count */
	store_tx_begin(ctx.store, NULL);
	for (i = 0; i < TOTP_FAIL_MAX; i++)
		(void)totp_verify_user(&ctx, 1001, i == 0 ? "12345" :
		    "000000", "telegram", &err);
	store_tx_rollback(ctx.store);
	code_at(totp_step(time(NULL)), c);
	rc = totp_verify_user(&ctx, 1001, c, "telegram", &err);
	ok(rc == OPS_E_LOCKED && strstr(err.msg, "too many failed TOTP "
	    "codes; try again in ") != NULL, "5 failures lock the user out, "
	    "even for a right code: %s", err.msg);
	ok(totp_verify_user(&ctx, 1000, "999999", "cli", &err) == OPS_E_PERM,
	    "another user is not locked out");
	db = st_raw(ctx.store);
	ok(st_int(db, "SELECT count(*) FROM audit WHERE action = "
	    "'totp.verify' AND detail = 'channel telegram' AND result LIKE "
	    "'too many%'") == 1, "the lockout refusal is audited with its "
	    "channel");
	ok(st_int(db, "SELECT count(*) FROM audit WHERE action = "
	    "'totp.verify' AND (actor = 'uid 1000' OR actor LIKE '%(1000)')") >=
	    3, "and failures of the other user too");
	sqlite3_close(db);

	/* link codes */
	ok(approver_link_make(&ctx, 1000, "telegram", lc, &exp, &err) ==
	    OPS_OK && strlen(lc) == LINK_CODE_LEN &&
	    strspn(lc, "ABCDEFGHJKLMNPQRSTUVWXYZ23456789") == LINK_CODE_LEN &&
	    exp > (long long)time(NULL) * 1000 + 590000,
	    "a link code: 8 characters, 10 minutes");
	ok(approver_link_make(&ctx, 1000, "no such", lc + 0, &exp, &err) ==
	    OPS_E_INVAL, "a bad service is refused");
	approver_link_make(&ctx, 1000, "telegram", lc, &exp, &err);
	for (i = 0; i < 4; i++)
		typed[i] = (char)(lc[i] >= 'A' && lc[i] <= 'Z' ? lc[i] + 32 :
		    lc[i]);
	typed[4] = '-';
	memcpy(typed + 5, lc + 4, 5);
	ok(approver_link_redeem(&ctx, "telegram", "ZZZZZZZZ", "555", &uid,
	    &err) == OPS_E_NOTFOUND && uid == (uid_t)-1,
	    "an unknown code is refused");
	ok(approver_link_redeem(&ctx, "telegram", typed, "555", &uid, &err) ==
	    OPS_OK && uid == 1000, "redeemed as typed (%s): uid 1000", typed);
	ok(approver_link_redeem(&ctx, "telegram", lc, "556", &uid, &err) ==
	    OPS_E_NOTFOUND, "only once");
	ok(approver_link_lookup(&ctx, "telegram", "555", &uid, &err) ==
	    OPS_OK && uid == 1000, "lookup finds the link");
	ok(approver_link_lookup(&ctx, "telegram", "556", &uid, &err) ==
	    OPS_E_NOTFOUND, "an unlinked account is not found");
	db = st_raw(ctx.store);
	ok(st_int(db, "SELECT count(*) FROM audit WHERE action = "
	    "'approver.link' AND actor = 'telegram:555' AND result = 'ok'") ==
	    1, "the redemption is audited by the chat account");
	ok(st_int(db, "SELECT count(*) FROM audit WHERE action = "
	    "'approver.link' AND result = 'unknown, used or expired link "
	    "code'") == 2, "and so are the refusals");
	sqlite3_close(db);
	ok(approver_link_redeem(&ctx, "telegram", "ABCDEFGHJ", "1", &uid,
	    &err) == OPS_E_NOTFOUND, "a code of another length is refused");

	/* totp.max-failures from opsicle.conf */
	ok(config_parse("totp.max-failures = 2\n", 22, "test", &ctx.config,
	    &err) == OPS_OK, "a config with totp.max-failures = 2");
	(void)totp_verify_user(&ctx, 1000, "000000", "cli", &err);
	rc = totp_verify_user(&ctx, 1000, "000000", "cli", &err);
	code_at(totp_step(time(NULL)) + 1, c);
	rc = totp_verify_user(&ctx, 1000, c, "cli", &err);
	ok(rc == OPS_E_LOCKED, "uid 1000 (4 failures before) is now locked "
	    "out: %s", err.msg);
	config_free(ctx.config);
	ctx.config = NULL;

	totp_user_free(&ctx);
	store_close(ctx.store);
	keyring_free(kr);
	st_cleanup();
	return exit_status();
}

/*
 * test-store-totp.c: the TOTP and approver-link tables (store-totp.c).
 * A TOTP secret is sealed (its bytes in no file, a blob moved to another
 * uid's row does not open), starts pending, is activated by an accepted
 * step, and a step at or before the last accepted one is refused;
 * enrolling again resets it. A link code redeems once, only for its
 * service, only before it expires, and links the account (replacing an
 * older link); a new code drops the user's older one; lookup, list and
 * delete (only the owner's, unless any) behave.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "secret.h"
#include "store-int.h"
#include "store-test.h"
#include "store-totp.h"
#include "tap.h"

static void
hash_of(const char *code, unsigned char h[STORE_LINK_HASH_LEN])
{
	crypto_generichash(h, STORE_LINK_HASH_LEN, (const unsigned char *)code,
	    strlen(code), NULL, 0);
}

static void
test_totp(struct store *st)
{
	static const unsigned char	 raw[20] = "Marker-totp-5e1f93ab";
	struct store_totp_user		 u;
	struct secret			*key = NULL, *got = NULL;
	struct ops_err			 err;
	sqlite3				*db;

	secret_from(raw, sizeof(raw), &key, NULL);
	ok(store_totp_get(st, 1000, &u, NULL, &err) == OPS_E_NOTFOUND,
	    "no TOTP row: OPS_E_NOTFOUND");
	ok(store_totp_put(st, 1000, key, &err) == OPS_OK &&
	    store_totp_get(st, 1000, &u, &got, &err) == OPS_OK &&
	    u.state == STORE_TOTP_PENDING && u.last_step == 0 &&
	    secret_len(got) == sizeof(raw) &&
	    memcmp(secret_cdata(got), raw, sizeof(raw)) == 0,
	    "put: pending, and the secret reads back");
	secret_free(got);
	got = NULL;
	ok(store_totp_accept(st, 1000, 100, 1, &err) == OPS_OK &&
	    store_totp_get(st, 1000, &u, NULL, &err) == OPS_OK &&
	    u.state == STORE_TOTP_ACTIVE && u.last_step == 100,
	    "an accepted step activates it");
	ok(store_totp_accept(st, 1000, 100, 0, &err) == OPS_E_PERM &&
	    store_totp_accept(st, 1000, 99, 0, &err) == OPS_E_PERM,
	    "the same or an earlier step is refused (replay)");
	ok(store_totp_accept(st, 1000, 101, 0, &err) == OPS_OK &&
	    store_totp_accept(st, 4242, 101, 0, &err) == OPS_E_NOTFOUND,
	    "a later step is accepted; an unknown uid is not found");
	ok(store_totp_failures(st, 1000, 3, 12345, &err) == OPS_OK &&
	    store_totp_get(st, 1000, &u, NULL, &err) == OPS_OK &&
	    u.failures == 3 && u.window_start == 12345,
	    "failure counters are kept");
	ok(store_totp_accept(st, 1000, 102, 0, &err) == OPS_OK &&
	    store_totp_get(st, 1000, &u, NULL, &err) == OPS_OK &&
	    u.failures == 0, "an accepted code clears them");
	ok(store_totp_put(st, 1000, key, &err) == OPS_OK &&
	    store_totp_get(st, 1000, &u, NULL, &err) == OPS_OK &&
	    u.state == STORE_TOTP_PENDING && u.last_step == 0,
	    "enrolling again resets the row");

	/* a sealed blob moved to another user does not open */
	store_totp_put(st, 1001, key, &err);
	db = st_raw(st);
	st_exec(db, "UPDATE totp_users SET secret = (SELECT secret FROM "
	    "totp_users WHERE uid = 1000) WHERE uid = 1001");
	sqlite3_close(db);
	ok(store_totp_get(st, 1001, &u, &got, &err) == OPS_E_CORRUPT &&
	    got == NULL, "a secret moved to another uid's row is refused");
	ok(store_totp_delete(st, 1001, &err) == OPS_OK &&
	    store_totp_delete(st, 1001, &err) == OPS_E_NOTFOUND,
	    "delete, then not found");
	ok(st_file_contains(st_path("store.db"), raw, sizeof(raw)) == 0,
	    "the secret's bytes are in no store file");
	secret_free(key);
}

static void
test_links(struct store *st)
{
	unsigned char		 h1[32], h2[32], h3[32];
	struct store_link_list	 l = { 0 };
	struct ops_err		 err;
	int64_t			 now = store_now_ms(), uid = 0;

	hash_of("AAAABBBB", h1);
	hash_of("CCCCDDDD", h2);
	hash_of("EEEEFFFF", h3);
	ok(store_link_code_add(st, h1, 1000, "telegram", now + 600000,
	    &err) == OPS_OK, "a link code is stored");
	ok(store_link_code_add(st, h1, 1000, "Tele gram", now, &err) ==
	    OPS_E_INVAL, "a bad service name is refused");
	ok(store_link_redeem(st, h1, "slack", "77", now, &uid, &err) ==
	    OPS_E_NOTFOUND && uid == -1, "not for another service");
	ok(store_link_redeem(st, h2, "telegram", "77", now, &uid, &err) ==
	    OPS_E_NOTFOUND, "an unknown code is not found");
	ok(store_link_redeem(st, h1, "telegram", "77", now + 600001, &uid,
	    &err) == OPS_E_NOTFOUND, "not after it expires");
	ok(store_link_redeem(st, h1, "telegram", "77", now, &uid, &err) ==
	    OPS_OK && uid == 1000, "redeemed: the code's uid");
	ok(store_link_redeem(st, h1, "telegram", "78", now, &uid, &err) ==
	    OPS_E_NOTFOUND && strcmp(err.msg, "unknown, used or expired "
	    "link code") == 0, "only once, with the one message");
	uid = 0;
	ok(store_link_lookup(st, "telegram", "77", &uid, &err) == OPS_OK &&
	    uid == 1000, "the account is linked");
	ok(store_link_lookup(st, "telegram", "78", &uid, &err) ==
	    OPS_E_NOTFOUND && uid == -1, "another is not");

	/* a new code drops the older one of the same user */
	store_link_code_add(st, h2, 1001, "telegram", now + 600000, &err);
	store_link_code_add(st, h3, 1001, "telegram", now + 600000, &err);
	ok(store_link_redeem(st, h2, "telegram", "90", now, &uid, &err) ==
	    OPS_E_NOTFOUND, "a user's new code replaces the older one");
	ok(store_link_redeem(st, h3, "telegram", "77", now, &uid, &err) ==
	    OPS_OK && uid == 1001 && store_link_lookup(st, "telegram", "77",
	    &uid, &err) == OPS_OK && uid == 1001,
	    "redeeming for a linked account moves its link");
	ok(store_link_list(st, 1000, &l, &err) == OPS_OK && l.n == 0,
	    "uid 1000 has no link left");
	store_link_list_free(&l);
	ok(store_link_list(st, -1, &l, &err) == OPS_OK && l.n == 1 &&
	    strcmp(l.v[0].service, "telegram") == 0 &&
	    strcmp(l.v[0].account, "77") == 0 && l.v[0].uid == 1001,
	    "list of everyone");
	store_link_list_free(&l);
	ok(store_link_delete(st, "telegram", "77", 1000, &err) ==
	    OPS_E_NOTFOUND, "another user cannot unlink it");
	ok(store_link_delete(st, "telegram", "77", 1001, &err) == OPS_OK &&
	    store_link_lookup(st, "telegram", "77", &uid, &err) ==
	    OPS_E_NOTFOUND, "its user unlinks it");
	ok(store_link_redeem(st, h3, "telegram", "", now, &uid, &err) ==
	    OPS_E_INVAL, "an empty account is refused");
}

int
main(void)
{
	struct keyring	*kr;
	struct store	*st = NULL;
	struct ops_err	 err;

	plan(27);
	ops_crypto_init(NULL);
	st_tmpdir();
	kr = st_keyring("totp");
	if (store_open(st_path("store.db"), kr, &st, &err) != OPS_OK) {
		diag("%s", err.msg);
		ok(0, "store opens");
		st_cleanup();
		return exit_status();
	}
	test_totp(st);
	test_links(st);
	store_close(st);
	keyring_free(kr);
	st_cleanup();
	return exit_status();
}

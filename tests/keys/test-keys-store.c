/*
 * test-keys-store.c: the key hierarchy and the encrypted store together.
 * A passphrase change rewraps the data key without rewriting a byte of
 * the database; a wrong passphrase or another store's key file is refused
 * with a clear error before the database is touched; a store opened with
 * the wrong keyring is refused and left as it was.
 */
#include "config.h"

#include <sodium.h>
#include <string.h>

#include "keys.h"
#include "keys-test-util.h"
#include "secret.h"
#include "store.h"
#include "tap.h"
#include "vfs-crypt.h"

static const struct keys_kdf_limits fast = {
	crypto_pwhash_OPSLIMIT_MIN, crypto_pwhash_MEMLIMIT_MIN
};

static struct secret *
pass(const char *s)
{
	struct secret	*p = NULL;

	if (secret_from(s, strlen(s), &p, NULL) != OPS_OK)
		return NULL;
	return p;
}

/* Add a target named name; 1 on success. */
static int
add_target(const char *db, const struct keyring *kr, const char *name)
{
	struct store		*st = NULL;
	struct store_target_spec sp;
	struct ops_err		 err;
	int			 rc;

	if (store_open(db, kr, &st, &err) != OPS_OK) {
		diag("store_open: %s", err.msg);
		return 0;
	}
	memset(&sp, 0, sizeof(sp));
	sp.name = name;
	sp.host = "127.0.0.1";
	rc = store_target_add(st, &sp, NULL, &err);
	if (rc != OPS_OK)
		diag("store_target_add: %s", err.msg);
	store_close(st);
	return rc == OPS_OK;
}

static int
has_target(const char *db, const struct keyring *kr, const char *name)
{
	struct store		*st = NULL;
	struct store_target	*t = NULL;
	struct ops_err		 err;
	int			 found;

	if (store_open(db, kr, &st, &err) != OPS_OK) {
		diag("store_open: %s", err.msg);
		return 0;
	}
	found = store_target_get(st, name, &t, &err) == OPS_OK;
	store_target_free(t);
	store_close(st);
	return found;
}

static void
test_rewrap_keeps_database(void)
{
	const char	*env = kt_path("p.key"), *db = kt_path("p.db");
	struct keyring	*kr = NULL, *kr2 = NULL;
	struct secret	*old = pass("correct horse"), *new = pass("battery staple");
	struct ops_err	 err;
	unsigned char	 before[32], after[32];

	ok(keys_create_passphrase(env, old, &fast, &kr, &err) == OPS_OK,
	    "passphrase store created");
	ok(add_target(db, kr, "web-1"), "a target is stored");
	ok(kt_hash(db, before) == 0, "hash the database");
	ok(keys_rewrap_passphrase(env, kr, new, &fast, NULL, &err) == OPS_OK,
	    "passphrase changed");
	ok(kt_hash(db, after) == 0 && memcmp(before, after, 32) == 0,
	    "changing the passphrase left every database byte as it was");
	keyring_free(kr);
	kr = NULL;

	is_int(keys_unlock_passphrase(env, old, &kr, &err), OPS_E_BADKEY,
	    "the old passphrase is refused");
	ok(strstr(err.msg, "passphrase") != NULL, "with a clear message: %s",
	    err.msg);
	ok(keys_unlock_passphrase(env, new, &kr2, &err) == OPS_OK &&
	    has_target(db, kr2, "web-1"),
	    "the new passphrase opens the same data");
	keyring_free(kr2);
	secret_free(old);
	secret_free(new);
}

static void
test_wrong_keyfile(void)
{
	const char	*env = kt_path("a.key"), *kf = kt_path("a.keyfile");
	const char	*db = kt_path("a.db");
	const char	*env_b = kt_path("b.key"), *kf_b = kt_path("b.keyfile");
	struct keyring	*a = NULL, *b = NULL, *x = NULL;
	struct store	*st = NULL;
	struct ops_err	 err;
	unsigned char	 h_db[32], h_env[32], h2[32];

	ok(keys_create_keyfile(env, kf, &a, &err) == OPS_OK &&
	    keys_create_keyfile(env_b, kf_b, &b, &err) == OPS_OK,
	    "two key-file stores");
	ok(add_target(db, a, "db-1"), "store A holds a target");
	kt_hash(db, h_db);
	kt_hash(env, h_env);

	is_int(keys_unlock_keyfile(env, kf_b, &x, &err), OPS_E_BADKEY,
	    "store B's key file does not unlock store A's envelope");
	ok(x == NULL && strstr(err.msg, "key file") != NULL,
	    "no keyring, and the error names the key file: %s", err.msg);

	/* The right envelope but the wrong keyring reaching the database. */
	is_int(store_open(db, b, &st, &err), OPS_E_BADKEY,
	    "store A opened with store B's keys is refused");
	ok(st == NULL && err.msg[0] != '\0', "with a message: %s", err.msg);
	ok(kt_hash(db, h2) == 0 && memcmp(h_db, h2, 32) == 0,
	    "the refused database is untouched");
	ok(kt_hash(env, h2) == 0 && memcmp(h_env, h2, 32) == 0,
	    "the envelope is untouched");
	ok(has_target(db, a, "db-1"), "store A still opens with its own key");
	keyring_free(a);
	keyring_free(b);
}

int
main(void)
{
	struct ops_err	err;

	if (vfscrypt_global_init(&err) != OPS_OK) {
		plan(1);
		ok(0, "vfscrypt_global_init: %s", err.msg);
		return exit_status();
	}
	kt_tmpdir();
	plan(17);
	test_rewrap_keeps_database();
	test_wrong_keyfile();
	kt_cleanup();
	return exit_status();
}

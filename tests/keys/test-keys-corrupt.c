/*
 * test-keys-corrupt.c: every damaged envelope is refused with an error,
 * never opened and never a crash: each byte flipped in turn, every
 * truncation, extra bytes, foreign files, absurd Argon2id limits.
 */
#include "config.h"

#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "keys.h"
#include "keys-test-util.h"
#include "secret.h"
#include "tap.h"

static struct keys_kdf_limits	fast = {
	crypto_pwhash_OPSLIMIT_MIN, crypto_pwhash_MEMLIMIT_MIN
};

/* Try to open the damaged copy; returns the status, frees any keyring. */
static int
try_open(const char *path, const char *kf, const struct secret *pass,
    struct ops_err *err)
{
	struct keyring	*kr = NULL;
	int		 rc;

	if (kf != NULL)
		rc = keys_unlock_keyfile(path, kf, &kr, err);
	else
		rc = keys_unlock_passphrase(path, pass, &kr, err);
	if (rc == OPS_OK && kr == NULL)
		rc = 1;	/* success without a keyring: also wrong */
	keyring_free(kr);
	return rc;
}

static int
good_code(int rc)
{
	return rc == OPS_E_CORRUPT || rc == OPS_E_VERSION ||
	    rc == OPS_E_BADKEY || rc == OPS_E_INVAL;
}

/*
 * Flip each byte with each mask, then truncate at each length; count
 * wrong outcomes. For passphrase envelopes only the low bit is flipped,
 * so a damaged memlimit stays small enough to run (bigger ones are
 * refused by the parser: see the limits tests).
 */
static void
damage_all(const char *what, const char *env, const char *kf,
    const struct secret *pass, const unsigned char *masks, size_t nmasks)
{
	struct ops_err	 err;
	unsigned char	*orig, *copy;
	const char	*bad = kt_path("damaged.key");
	size_t		 len, i, m;
	int		 rc, opened = 0, wrongcode = 0, tries = 0;
	int		 tr_opened = 0, tr_wrong = 0;
	enum keys_kind	 kind;

	if ((orig = kt_read(env, &len)) == NULL || len != KEYS_ENVELOPE_LEN) {
		ok(0, "%s: the envelope is readable and %d bytes", what,
		    KEYS_ENVELOPE_LEN);
		skip(3, "envelope unreadable");
		free(orig);
		return;
	}
	copy = malloc(len + 1);
	kt_write(bad, orig, len, 0600);
	is_int(try_open(bad, kf, pass, &err), OPS_OK,
	    "%s: undamaged copy opens", what);
	for (i = 0; i < len; i++) {
		for (m = 0; m < nmasks; m++) {
			memcpy(copy, orig, len);
			copy[i] ^= masks[m];
			kt_write(bad, copy, len, 0600);
			rc = try_open(bad, kf, pass, &err);
			tries++;
			if (rc == OPS_OK || rc == 1) {
				opened++;
				diag("byte %zu ^ 0x%02x opened", i, masks[m]);
			} else if (!good_code(rc)) {
				wrongcode++;
				diag("byte %zu ^ 0x%02x: %d %s", i, masks[m],
				    rc, err.msg);
			}
		}
	}
	ok(opened == 0 && wrongcode == 0,
	    "%s: %d single-byte flips all refused", what, tries);
	for (i = 0; i < len; i++) {
		kt_write(bad, orig, i, 0600);
		rc = try_open(bad, kf, pass, &err);
		if (rc == OPS_OK || rc == 1)
			tr_opened++;
		else if (rc != OPS_E_CORRUPT)
			tr_wrong++;
		if (keys_envelope_kind(bad, &kind, NULL) == OPS_OK)
			tr_opened++;
	}
	ok(tr_opened == 0 && tr_wrong == 0,
	    "%s: truncation at each of %zu lengths is OPS_E_CORRUPT", what,
	    len);
	memcpy(copy, orig, len);
	copy[len] = 0;
	kt_write(bad, copy, len + 1, 0600);
	is_int(try_open(bad, kf, pass, &err), OPS_E_CORRUPT,
	    "%s: one extra byte is OPS_E_CORRUPT", what);
	free(copy);
	free(orig);
}

static void
patch_open(const char *env, size_t off, const unsigned char *val,
    size_t n, const struct secret *pass, int want, const char *name)
{
	struct ops_err	 err;
	unsigned char	*buf;
	const char	*bad = kt_path("patched.key");
	size_t		 len;
	int		 rc;

	if ((buf = kt_read(env, &len)) == NULL || len < off + n) {
		free(buf);
		ok(0, "the envelope is readable and long enough to patch");
		return;
	}
	memcpy(buf + off, val, n);
	kt_write(bad, buf, len, 0600);
	free(buf);
	rc = try_open(bad, NULL, pass, &err);
	if (!is_int(rc, want, "%s", name))
		diag("%s", err.msg);
	else
		diag("  %s", err.msg);
}

int
main(void)
{
	static const unsigned char	all_masks[] = { 0x01, 0x80, 0xff };
	static const unsigned char	low_mask[] = { 0x01 };
	/* 4 GiB + 1 KiB, little-endian */
	static const unsigned char	big_mem[8] = { 0, 4, 0, 0, 1, 0, 0, 0 };
	static const unsigned char	big_ops[8] = { 0xff, 0xff, 0xff, 0xff };
	static const unsigned char	zero8[8];
	static const unsigned char	v2[1] = { 2 };
	struct keyring	*kr = NULL;
	struct secret	*pass = NULL;
	struct ops_err	 err;
	enum keys_kind	 kind;
	const char	*env = kt_path("store.key"), *kf = kt_path("store.keyfile");
	const char	*penv = kt_path("pass.key");
	unsigned char	 junk[300];

	if (ops_crypto_init(NULL) != OPS_OK) {
		printf("Bail out! libsodium\n");
		return 1;
	}
	kt_tmpdir();
	plan(19);
	secret_from("tamper proof", 12, &pass, NULL);
	ok(keys_create_keyfile(env, kf, &kr, &err) == OPS_OK,
	    "create key-file store");
	keyring_free(kr);
	kr = NULL;
	damage_all("key file", env, kf, NULL, all_masks, sizeof(all_masks));

	ok(keys_create_passphrase(penv, pass, &fast, &kr, &err) == OPS_OK,
	    "create passphrase store");
	keyring_free(kr);
	damage_all("passphrase", penv, NULL, pass, low_mask,
	    sizeof(low_mask));

	/* Named damage with the expected codes. */
	patch_open(penv, 8, v2, 1, pass, OPS_E_VERSION,
	    "format version 2 is OPS_E_VERSION");
	patch_open(penv, 32, big_mem, 8, pass, OPS_E_CORRUPT,
	    "memlimit above 4 GiB refused before Argon2id");
	patch_open(penv, 24, big_ops, 8, pass, OPS_E_CORRUPT,
	    "opslimit of 2^32-1 refused before Argon2id");
	patch_open(penv, 24, zero8, 8, pass, OPS_E_CORRUPT,
	    "opslimit 0 refused");
	patch_open(penv, 0, (const unsigned char *)"SQLite f", 8, pass,
	    OPS_E_CORRUPT, "foreign magic refused");

	randombytes_buf(junk, sizeof(junk));
	kt_write(kt_path("junk.key"), junk, sizeof(junk), 0600);
	is_int(keys_envelope_kind(kt_path("junk.key"), &kind, &err),
	    OPS_E_CORRUPT, "random file is not an envelope");
	kt_write(kt_path("empty.key"), "", 0, 0600);
	is_int(keys_envelope_kind(kt_path("empty.key"), &kind, &err),
	    OPS_E_CORRUPT, "empty file is not an envelope");
	is_int(keys_envelope_kind(kt_tmpdir(), &kind, &err), OPS_E_CORRUPT,
	    "directory is not an envelope");
	is_int(keys_envelope_kind(kt_path("nothing.key"), &kind, &err),
	    OPS_E_NOTFOUND, "missing envelope is not found");

	secret_free(pass);
	kt_cleanup();
	return exit_status();
}

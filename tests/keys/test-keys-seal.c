/* test-keys-seal.c: per-field credential sealing. */
#include "config.h"

#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "keys.h"
#include "keys-test-util.h"
#include "seal.h"
#include "secret.h"
#include "tap.h"

static int
opens_to(const struct keyring *kr, const char *owner, const char *field,
    const unsigned char *blob, size_t len, const char *want,
    struct ops_err *err)
{
	struct secret	*s = NULL;
	int		 rc, same;

	if ((rc = seal_open(kr, owner, field, blob, len, &s, err)) != OPS_OK)
		return rc;
	same = s != NULL && secret_len(s) == strlen(want) &&
	    memcmp(secret_cdata(s), want, strlen(want)) == 0;
	secret_free(s);
	return same ? OPS_OK : 1;
}

int
main(void)
{
	struct keyring	*kr = NULL, *kr2 = NULL, *other = NULL;
	struct secret	*plain = NULL, *plain2 = NULL, *empty = NULL;
	struct ops_err	 err;
	unsigned char	*blob = NULL, *blob2 = NULL, *copy;
	size_t		 len = 0, len2 = 0, i;
	int		 rc, bad_flip = 0, bad_trunc = 0;
	const char	*pw = "s3cret-pa55";

	if (ops_crypto_init(NULL) != OPS_OK) {
		printf("Bail out! libsodium\n");
		return 1;
	}
	kt_tmpdir();
	plan(21);
	ok(keys_create_keyfile(kt_path("a.key"), kt_path("a.keyfile"), &kr,
	    &err) == OPS_OK && keys_create_keyfile(kt_path("b.key"),
	    kt_path("b.keyfile"), &other, &err) == OPS_OK, "two stores");
	secret_from(pw, strlen(pw), &plain, NULL);
	secret_from("other", 5, &plain2, NULL);
	secret_new(0, &empty, NULL);

	rc = seal_secret(kr, "cred-1", "password", plain, &blob, &len, &err);
	if (!is_int(rc, OPS_OK, "seal a password"))
		diag("%s", err.msg);
	ok(len == SEAL_OVERHEAD + strlen(pw) && blob != NULL && blob[0] == 1,
	    "blob is version || nonce || ciphertext || tag");
	ok(!kt_contains(blob, len, (const unsigned char *)pw, strlen(pw)),
	    "plaintext not in the blob");
	is_int(opens_to(kr, "cred-1", "password", blob, len, pw, &err),
	    OPS_OK, "round trip");
	ok(seal_secret(kr, "cred-1", "password", plain, &blob2, &len2,
	    &err) == OPS_OK && len2 == len && memcmp(blob, blob2, len) != 0,
	    "sealing twice gives different blobs (fresh nonce)");
	free(blob2);
	blob2 = NULL;

	ok(keys_unlock_keyfile(kt_path("a.key"), kt_path("a.keyfile"), &kr2,
	    &err) == OPS_OK && opens_to(kr2, "cred-1", "password", blob, len,
	    pw, &err) == OPS_OK, "opens after unlocking the store again");
	is_int(opens_to(other, "cred-1", "password", blob, len, pw, &err),
	    OPS_E_CORRUPT, "another store's key fails");
	is_int(opens_to(kr, "cred-2", "password", blob, len, pw, &err),
	    OPS_E_CORRUPT, "blob moved to another owner fails");
	ok(strstr(err.msg, pw) == NULL, "error does not hold the secret");
	is_int(opens_to(kr, "cred-1", "passphrase", blob, len, pw, &err),
	    OPS_E_CORRUPT, "blob moved to another field fails");
	/* "cred-1" || 0 || "password" vs "cred-1p" || 0 || "assword" */
	is_int(opens_to(kr, "cred-1p", "assword", blob, len, pw, &err),
	    OPS_E_CORRUPT, "owner/field boundary is bound");

	copy = malloc(len);
	for (i = 0; i < len * 8; i++) {
		memcpy(copy, blob, len);
		copy[i / 8] ^= (unsigned char)(1u << (i % 8));
		rc = opens_to(kr, "cred-1", "password", copy, len, pw, &err);
		if (rc != OPS_E_CORRUPT)
			bad_flip++;
	}
	ok(bad_flip == 0, "each of %zu single-bit flips fails with "
	    "OPS_E_CORRUPT", len * 8);
	for (i = 0; i < len; i++) {
		rc = opens_to(kr, "cred-1", "password", blob, i, pw, &err);
		if (rc != OPS_E_CORRUPT)
			bad_trunc++;
	}
	ok(bad_trunc == 0, "each of %zu truncations fails with OPS_E_CORRUPT",
	    len);
	free(copy);
	is_int(opens_to(kr, "cred-1", "password", NULL, 0, pw, &err),
	    OPS_E_CORRUPT, "NULL blob fails cleanly");

	/* Swap two blobs between fields of one owner. */
	ok(seal_secret(kr, "cred-1", "key_passphrase", plain2, &blob2, &len2,
	    &err) == OPS_OK && opens_to(kr, "cred-1", "password", blob2, len2,
	    "other", &err) == OPS_E_CORRUPT, "swapped field blobs fail");
	free(blob2);
	blob2 = NULL;

	ok(seal_secret(kr, "cred-1", "note", empty, &blob2, &len2, &err) ==
	    OPS_OK && len2 == SEAL_OVERHEAD && opens_to(kr, "cred-1", "note",
	    blob2, len2, "", &err) == OPS_OK, "empty secret round trip");
	free(blob2);
	blob2 = NULL;

	is_int(seal_secret(kr, "", "password", plain, &blob2, &len2, &err),
	    OPS_E_INVAL, "empty owner refused");
	ok(blob2 == NULL && len2 == 0, "outputs cleared on failure");
	is_int(seal_secret(kr, "cred-1", NULL, plain, &blob2, &len2, &err),
	    OPS_E_INVAL, "missing field refused");
	is_int(seal_secret(NULL, "cred-1", "password", plain, &blob2, &len2,
	    &err), OPS_E_INVAL, "locked store (no keyring) refused");

	free(blob);
	secret_free(plain);
	secret_free(plain2);
	secret_free(empty);
	keyring_free(kr);
	keyring_free(kr2);
	keyring_free(other);
	kt_cleanup();
	return exit_status();
}

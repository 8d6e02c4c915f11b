/* seal.c: credential fields sealed under the credential key (see seal.h). */
#include "config.h"

#include <sodium.h>
#include <stdlib.h>
#include <string.h>

#include "seal.h"

#define SEAL_VERSION	1
#define SEAL_NONCE_LEN	24
#define SEAL_TAG_LEN	16
#define SEAL_AD_PREFIX	"cred/v1"
#define SEAL_NAME_MAX	1024		/* owner id or field name */
#define SEAL_PLAIN_MAX	(1024 * 1024)	/* largest sealed secret */

_Static_assert(SEAL_OVERHEAD == 1 + SEAL_NONCE_LEN + SEAL_TAG_LEN,
    "seal overhead");
_Static_assert(SEAL_NONCE_LEN == crypto_aead_xchacha20poly1305_ietf_NPUBBYTES,
    "seal nonce");
_Static_assert(SEAL_TAG_LEN == crypto_aead_xchacha20poly1305_ietf_ABYTES,
    "seal tag");

/* AD = "cred/v1" || owner || 0 || field; *ad is malloc'd. */
static int
seal_ad(const char *owner, const char *field, unsigned char **ad,
    size_t *ad_len, struct ops_err *err)
{
	size_t	plen = sizeof(SEAL_AD_PREFIX) - 1, olen, flen;

	*ad = NULL;
	*ad_len = 0;
	if (owner == NULL || field == NULL || *owner == '\0' ||
	    *field == '\0')
		return ops_err_set(err, OPS_E_INVAL,
		    "seal credential: owner and field must be named");
	olen = strlen(owner);
	flen = strlen(field);
	if (olen > SEAL_NAME_MAX || flen > SEAL_NAME_MAX)
		return ops_err_set(err, OPS_E_INVAL,
		    "seal credential: owner or field name too long");
	if ((*ad = malloc(plen + olen + 1 + flen)) == NULL)
		return ops_err_set(err, OPS_E_NOMEM,
		    "seal credential: allocate associated data");
	memcpy(*ad, SEAL_AD_PREFIX, plen);
	memcpy(*ad + plen, owner, olen);
	(*ad)[plen + olen] = '\0';
	memcpy(*ad + plen + olen + 1, field, flen);
	*ad_len = plen + olen + 1 + flen;
	return OPS_OK;
}

int
seal_secret(const struct keyring *kr, const char *owner, const char *field,
    const struct secret *plain, unsigned char **blob, size_t *blob_len,
    struct ops_err *err)
{
	const unsigned char	*key;
	unsigned char		*ad = NULL, *b = NULL;
	unsigned long long	 clen;
	size_t			 ad_len, plen;
	int			 rc;

	*blob = NULL;
	*blob_len = 0;
	if (plain == NULL)
		return ops_err_set(err, OPS_E_INVAL, "seal credential: no "
		    "secret given");
	if ((plen = secret_len(plain)) > SEAL_PLAIN_MAX)
		return ops_err_set(err, OPS_E_TOOBIG, "seal %s of %s: secret "
		    "is %zu bytes, limit %d", field ? field : "?",
		    owner ? owner : "?", plen, SEAL_PLAIN_MAX);
	if ((rc = seal_ad(owner, field, &ad, &ad_len, err)) != OPS_OK)
		return rc;
	if ((b = malloc(SEAL_OVERHEAD + plen)) == NULL) {
		rc = ops_err_set(err, OPS_E_NOMEM, "seal %s of %s: allocate "
		    "%zu bytes", field, owner, SEAL_OVERHEAD + plen);
		goto out;
	}
	b[0] = SEAL_VERSION;
	randombytes_buf(b + 1, SEAL_NONCE_LEN);
	if ((rc = keyring_cred_acquire(kr, &key, err)) != OPS_OK)
		goto out;
	rc = crypto_aead_xchacha20poly1305_ietf_encrypt(b + 1 +
	    SEAL_NONCE_LEN, &clen, secret_cdata(plain), plen, ad, ad_len,
	    NULL, b + 1, key);
	keyring_cred_release(kr);
	if (rc != 0 || clen != plen + SEAL_TAG_LEN) {
		rc = ops_err_set(err, OPS_E_CRYPTO, "seal %s of %s: encrypt "
		    "failed", field, owner);
		goto out;
	}
	*blob = b;
	*blob_len = SEAL_OVERHEAD + plen;
	b = NULL;
	rc = OPS_OK;
out:
	free(b);
	free(ad);
	return rc;
}

int
seal_open(const struct keyring *kr, const char *owner, const char *field,
    const unsigned char *blob, size_t blob_len, struct secret **out,
    struct ops_err *err)
{
	const unsigned char	*key;
	struct secret		*s = NULL;
	unsigned char		*ad = NULL;
	size_t			 ad_len;
	int			 rc;

	*out = NULL;
	if ((rc = seal_ad(owner, field, &ad, &ad_len, err)) != OPS_OK)
		return rc;
	if (blob == NULL || blob_len < SEAL_OVERHEAD) {
		rc = ops_err_set(err, OPS_E_CORRUPT, "open sealed %s of %s: "
		    "truncated (%zu bytes)", field, owner, blob_len);
		goto out;
	}
	if (blob[0] != SEAL_VERSION) {
		rc = ops_err_set(err, OPS_E_CORRUPT, "open sealed %s of %s: "
		    "unknown format version %u", field, owner,
		    (unsigned int)blob[0]);
		goto out;
	}
	if (blob_len - SEAL_OVERHEAD > SEAL_PLAIN_MAX) {
		rc = ops_err_set(err, OPS_E_CORRUPT, "open sealed %s of %s: "
		    "too large (%zu bytes)", field, owner, blob_len);
		goto out;
	}
	if ((rc = secret_new(blob_len - SEAL_OVERHEAD, &s, err)) != OPS_OK)
		goto out;
	if ((rc = keyring_cred_acquire(kr, &key, err)) != OPS_OK)
		goto out;
	rc = crypto_aead_xchacha20poly1305_ietf_decrypt(secret_data(s), NULL,
	    NULL, blob + 1 + SEAL_NONCE_LEN, blob_len - 1 - SEAL_NONCE_LEN,
	    ad, ad_len, blob + 1, key);
	keyring_cred_release(kr);
	if (rc != 0) {
		rc = ops_err_set(err, OPS_E_CORRUPT, "open sealed %s of %s: "
		    "does not authenticate (damaged, moved from another "
		    "credential, or another store's key)", field, owner);
		goto out;
	}
	*out = s;
	s = NULL;
	rc = OPS_OK;
out:
	secret_free(s);
	free(ad);
	return rc;
}

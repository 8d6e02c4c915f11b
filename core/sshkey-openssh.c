/*
 * sshkey-openssh.c: the OpenSSH private key container ("openssh-key-v1",
 * PROTOCOL.key in OpenSSH): a bounds-checked reader, bcrypt_pbkdf and
 * AES for encrypted keys, and the RSA, ECDSA and Ed25519 private parts
 * (see sshkey.h for the contract).
 */
#include "config.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/param_build.h>
#include <sodium.h>

#include "bcrypt-pbkdf.h"
#include "sshkey-int.h"

/* ---- bounded reader and writer of SSH wire data ------------------------- */

struct rd {
	const unsigned char	*p;
	size_t			 len, off;
};

static int
rd_u32(struct rd *r, uint32_t *v)
{
	if (r->len - r->off < 4)
		return -1;
	*v = (uint32_t)r->p[r->off] << 24 | (uint32_t)r->p[r->off + 1] << 16 |
	    (uint32_t)r->p[r->off + 2] << 8 | r->p[r->off + 3];
	r->off += 4;
	return 0;
}

static int
rd_str(struct rd *r, const unsigned char **s, size_t *len)
{
	uint32_t	n;

	if (rd_u32(r, &n) != 0 || n > r->len - r->off)
		return -1;
	*s = r->p + r->off;
	*len = n;
	r->off += n;
	return 0;
}

/* A string that is a name: printable, NUL-free, < cap bytes. */
static int
rd_name(struct rd *r, char *buf, size_t cap)
{
	const unsigned char	*s;
	size_t			 n, i;

	if (rd_str(r, &s, &n) != 0 || n >= cap)
		return -1;
	for (i = 0; i < n; i++)
		if (s[i] < 0x21 || s[i] > 0x7e)
			return -1;
	memcpy(buf, s, n);
	buf[n] = '\0';
	return 0;
}

/* An mpint as a secure BIGNUM (cleared on free); positive only. */
static BIGNUM *
rd_bn(struct rd *r)
{
	const unsigned char	*s;
	size_t			 n;
	BIGNUM			*bn;

	if (rd_str(r, &s, &n) != 0 || n > RSA_MAX_BITS / 8 + 1 ||
	    (n > 0 && (s[0] & 0x80)))
		return NULL;
	if ((bn = BN_secure_new()) == NULL)
		return NULL;
	if (BN_bin2bn(s, (int)n, bn) == NULL) {
		BN_clear_free(bn);
		return NULL;
	}
	return bn;
}

static EVP_PKEY *
pkey_fromdata(const char *alg, OSSL_PARAM_BLD *bld, int check)
{
	OSSL_PARAM	*params = NULL;
	EVP_PKEY_CTX	*ctx = NULL, *chk = NULL;
	EVP_PKEY	*pk = NULL;

	if ((params = OSSL_PARAM_BLD_to_param(bld)) == NULL ||
	    (ctx = EVP_PKEY_CTX_new_from_name(NULL, alg, NULL)) == NULL ||
	    EVP_PKEY_fromdata_init(ctx) != 1 ||
	    EVP_PKEY_fromdata(ctx, &pk, EVP_PKEY_KEYPAIR, params) != 1)
		goto out;
	if (check && ((chk = EVP_PKEY_CTX_new_from_pkey(NULL, pk, NULL)) ==
	    NULL || EVP_PKEY_pairwise_check(chk) != 1)) {
		EVP_PKEY_free(pk);
		pk = NULL;
	}
out:
	EVP_PKEY_CTX_free(chk);
	EVP_PKEY_CTX_free(ctx);
	OSSL_PARAM_free(params);
	return pk;
}

static EVP_PKEY *
rsa_from_wire(struct rd *r)
{
	BIGNUM		*n, *e, *d, *iqmp, *p, *q, *dp = NULL, *dq = NULL;
	BIGNUM		*t = NULL, *u = NULL;
	BN_CTX		*bc = NULL;
	OSSL_PARAM_BLD	*bld = NULL;
	EVP_PKEY	*pk = NULL;

	n = rd_bn(r);
	e = rd_bn(r);
	d = rd_bn(r);
	iqmp = rd_bn(r);
	p = rd_bn(r);
	q = rd_bn(r);
	if (n == NULL || e == NULL || d == NULL || iqmp == NULL ||
	    p == NULL || q == NULL || BN_is_zero(p) || BN_is_zero(q))
		goto out;
	/* n = pq, e d = 1 mod p-1 and mod q-1 (so the key signs) */
	if ((bc = BN_CTX_secure_new()) == NULL ||
	    (t = BN_secure_new()) == NULL || (u = BN_secure_new()) == NULL ||
	    (dp = BN_secure_new()) == NULL || (dq = BN_secure_new()) == NULL ||
	    !BN_mul(t, p, q, bc) || BN_cmp(t, n) != 0 ||
	    !BN_sub(t, p, BN_value_one()) || !BN_mod(dp, d, t, bc) ||
	    !BN_mod_mul(u, e, dp, t, bc) || !BN_is_one(u) ||
	    !BN_sub(t, q, BN_value_one()) || !BN_mod(dq, d, t, bc) ||
	    !BN_mod_mul(u, e, dq, t, bc) || !BN_is_one(u))
		goto out;
	if ((bld = OSSL_PARAM_BLD_new()) == NULL ||
	    !OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_RSA_N, n) ||
	    !OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_RSA_E, e) ||
	    !OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_RSA_D, d) ||
	    !OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_RSA_FACTOR1, p) ||
	    !OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_RSA_FACTOR2, q) ||
	    !OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_RSA_EXPONENT1, dp) ||
	    !OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_RSA_EXPONENT2, dq) ||
	    !OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_RSA_COEFFICIENT1,
	    iqmp))
		goto out;
	if (BN_num_bits(n) >= RSA_MIN_BITS && BN_num_bits(n) <= RSA_MAX_BITS)
		pk = pkey_fromdata("RSA", bld, 0);
out:
	OSSL_PARAM_BLD_free(bld);
	BN_CTX_free(bc);
	BN_clear_free(n);
	BN_clear_free(e);
	BN_clear_free(d);
	BN_clear_free(iqmp);
	BN_clear_free(p);
	BN_clear_free(q);
	BN_clear_free(dp);
	BN_clear_free(dq);
	BN_clear_free(t);
	BN_clear_free(u);
	return pk;
}

static EVP_PKEY *
ec_from_wire(struct rd *r, const char *keytype)
{
	const unsigned char	*pt;
	size_t			 ptlen;
	char			 curve[16];
	BIGNUM			*d = NULL;
	OSSL_PARAM_BLD		*bld = NULL;
	EVP_PKEY		*pk = NULL;
	int			 ci;

	if (rd_name(r, curve, sizeof(curve)) != 0 ||
	    (ci = sshkey_curve_index(curve, 1)) < 0 ||
	    strcmp(keytype + strlen("ecdsa-sha2-"), curve) != 0 ||
	    rd_str(r, &pt, &ptlen) != 0 || (d = rd_bn(r)) == NULL)
		goto out;
	if ((bld = OSSL_PARAM_BLD_new()) == NULL ||
	    !OSSL_PARAM_BLD_push_utf8_string(bld, OSSL_PKEY_PARAM_GROUP_NAME,
	    sshkey_curve_ossl(ci), 0) ||
	    !OSSL_PARAM_BLD_push_octet_string(bld, OSSL_PKEY_PARAM_PUB_KEY,
	    pt, ptlen) ||
	    !OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_PRIV_KEY, d))
		goto out;
	pk = pkey_fromdata("EC", bld, 1);
out:
	OSSL_PARAM_BLD_free(bld);
	BN_clear_free(d);
	return pk;
}

/* ---- the OpenSSH container ---------------------------------------------- */

static const struct {
	const char	*name;
	size_t		 keylen, ivlen, taglen;
	const EVP_CIPHER *(*cipher)(void);
} ciphers[] = {
	{ "aes128-ctr", 16, 16, 0, EVP_aes_128_ctr },
	{ "aes192-ctr", 24, 16, 0, EVP_aes_192_ctr },
	{ "aes256-ctr", 32, 16, 0, EVP_aes_256_ctr },
	{ "aes128-cbc", 16, 16, 0, EVP_aes_128_cbc },
	{ "aes192-cbc", 24, 16, 0, EVP_aes_192_cbc },
	{ "aes256-cbc", 32, 16, 0, EVP_aes_256_cbc },
	{ "aes128-gcm@openssh.com", 16, 12, 16, EVP_aes_128_gcm },
	{ "aes256-gcm@openssh.com", 32, 12, 16, EVP_aes_256_gcm },
};

#define OPENSSH_MAGIC	"openssh-key-v1"	/* and its NUL */

/* Decrypt enc (len bytes, a multiple of 16; tag after it for GCM) into
 * plain with the key and IV bcrypt_pbkdf derives from pass. */
static int
openssh_decrypt(size_t ci, const unsigned char *kdfopts, size_t kdflen,
    const struct secret *pass, const unsigned char *enc, size_t len,
    const unsigned char *tag, struct secret *plain, struct ops_err *err)
{
	struct rd		 r = { kdfopts, kdflen, 0 };
	const unsigned char	*salt;
	size_t			 saltlen;
	uint32_t		 rounds;
	struct secret		*kiv = NULL;
	EVP_CIPHER_CTX		*ctx = NULL;
	unsigned char		*out = secret_data(plain);
	int			 n = 0, m = 0, rc;

	if (rd_str(&r, &salt, &saltlen) != 0 || rd_u32(&r, &rounds) != 0 ||
	    r.off != r.len || saltlen == 0 || saltlen > 1024)
		return ops_err_set(err, OPS_E_INVAL, "damaged OpenSSH key: "
		    "bad KDF options");
	if (rounds == 0 || rounds > BCRYPT_PBKDF_MAX_ROUNDS)
		return ops_err_set(err, OPS_E_TOOBIG, "the key's KDF asks "
		    "for %u rounds; opsicle takes 1 to %d (ssh-keygen's "
		    "default is 16: re-encrypt with ssh-keygen -p -a 16)",
		    rounds, BCRYPT_PBKDF_MAX_ROUNDS);
	if ((rc = secret_new(ciphers[ci].keylen + ciphers[ci].ivlen, &kiv,
	    err)) != OPS_OK)
		return rc;
	if ((rc = bcrypt_pbkdf(secret_cdata(pass), secret_len(pass), salt,
	    saltlen, secret_data(kiv), secret_len(kiv), rounds, err)) !=
	    OPS_OK)
		goto out;
	rc = OPS_E_CRYPTO;
	if ((ctx = EVP_CIPHER_CTX_new()) == NULL ||
	    EVP_DecryptInit_ex(ctx, ciphers[ci].cipher(), NULL, NULL,
	    NULL) != 1 ||
	    (ciphers[ci].taglen > 0 && EVP_CIPHER_CTX_ctrl(ctx,
	    EVP_CTRL_GCM_SET_IVLEN, (int)ciphers[ci].ivlen, NULL) != 1) ||
	    EVP_DecryptInit_ex(ctx, NULL, NULL, secret_cdata(kiv),
	    secret_cdata(kiv) + ciphers[ci].keylen) != 1 ||
	    EVP_CIPHER_CTX_set_padding(ctx, 0) != 1 ||
	    (ciphers[ci].taglen > 0 && EVP_CIPHER_CTX_ctrl(ctx,
	    EVP_CTRL_GCM_SET_TAG, (int)ciphers[ci].taglen,
	    (void *)(uintptr_t)tag) != 1) ||
	    EVP_DecryptUpdate(ctx, out, &n, enc, (int)len) != 1) {
		ops_err_set(err, rc, "decrypt OpenSSH key");
		goto out;
	}
	if (EVP_DecryptFinal_ex(ctx, out + n, &m) != 1 ||
	    (size_t)(n + m) != len) {
		/* only GCM can tell here: its tag does not match */
		rc = ops_err_set(err, OPS_E_BADKEY, "the passphrase does not "
		    "decrypt the key");
		goto out;
	}
	rc = OPS_OK;
out:
	EVP_CIPHER_CTX_free(ctx);
	secret_free(kiv);
	return rc;
}

/* The private section: check ints, one key, comment, padding. */
static int
openssh_private(struct sshkey *k, const unsigned char *p, size_t len,
    const unsigned char *pub, size_t publen, struct ops_err *err)
{
	struct rd		 r = { p, len, 0 };
	struct sshkey_wb		 w = { k->blob, sizeof(k->blob), 0, 0 };
	const unsigned char	*pk, *sk, *comment;
	size_t			 pklen, sklen, clen, i;
	uint32_t		 c1, c2;
	char			 type[32];
	EVP_PKEY		*ep = NULL;
	int			 rc;

	if (rd_u32(&r, &c1) != 0 || rd_u32(&r, &c2) != 0)
		return ops_err_set(err, OPS_E_INVAL, "damaged OpenSSH key: "
		    "private section too short");
	if (c1 != c2) {
		if (k->encrypted)
			return ops_err_set(err, OPS_E_BADKEY, "the passphrase "
			    "does not decrypt the key");
		return ops_err_set(err, OPS_E_INVAL, "damaged OpenSSH key: "
		    "check numbers differ");
	}
	if (rd_name(&r, type, sizeof(type)) != 0)
		return ops_err_set(err, OPS_E_INVAL, "damaged OpenSSH key: "
		    "bad key type");
	if (strcmp(type, "ssh-ed25519") == 0) {
		if (rd_str(&r, &pk, &pklen) != 0 ||
		    pklen != crypto_sign_PUBLICKEYBYTES ||
		    rd_str(&r, &sk, &sklen) != 0 ||
		    sklen != crypto_sign_SECRETKEYBYTES ||
		    memcmp(sk + 32, pk, 32) != 0)
			return ops_err_set(err, OPS_E_INVAL, "damaged "
			    "OpenSSH key: bad Ed25519 key");
		k->type = SSHKEY_ED25519;
		k->label = "ED25519";
		k->bits = 256;
		if ((rc = secret_from(sk, sklen, &k->priv, err)) != OPS_OK)
			return rc;
		sshkey_wb_str(&w, type, strlen(type));
		sshkey_wb_str(&w, pk, pklen);
		k->bloblen = w.len;
		if ((rc = sshkey_finish_id(k, err)) != OPS_OK)
			return rc;
	} else if (strcmp(type, "ssh-rsa") == 0 ||
	    strncmp(type, "ecdsa-sha2-", 11) == 0) {
		ep = type[0] == 's' ? rsa_from_wire(&r) :
		    ec_from_wire(&r, type);
		if (ep == NULL) {
			ERR_clear_error();
			return ops_err_set(err, OPS_E_INVAL, "damaged "
			    "OpenSSH key: bad %s key (or one OpenSSH does "
			    "not take)", type);
		}
		rc = sshkey_finish_pkey(k, ep, err);
		EVP_PKEY_free(ep);
		if (rc != OPS_OK)
			return rc;
	} else
		return ops_err_set(err, OPS_E_VERSION, "a %s key: opsicle "
		    "takes RSA, ECDSA and Ed25519 keys (security keys, "
		    "DSA and certificates are not supported)", type);
	if (rd_str(&r, &comment, &clen) != 0)
		return ops_err_set(err, OPS_E_INVAL, "damaged OpenSSH key: no "
		    "comment");
	for (i = 1; r.off < r.len; i++)
		if (r.p[r.off++] != (unsigned char)i || i > 255)
			return ops_err_set(err, OPS_E_INVAL, "damaged OpenSSH "
			    "key: bad padding");
	if (publen != k->bloblen || memcmp(pub, k->blob, publen) != 0)
		return ops_err_set(err, OPS_E_INVAL, "damaged OpenSSH key: "
		    "its public and private halves differ");
	return OPS_OK;
}

int
sshkey_openssh_load(struct sshkey *k, const char *b64, size_t b64len,
    const struct secret *pass, struct ops_err *err)
{
	struct secret		*raw = NULL, *plain = NULL;
	struct rd		 r;
	const unsigned char	*kdfo, *pub, *enc, *p;
	size_t			 kdflen, publen, enclen, rawlen = 0, ci, n;
	uint32_t		 nkeys;
	char			 cipher[64], kdf[32];
	int			 rc;

	if ((rc = secret_new(b64len, &raw, err)) != OPS_OK)
		return rc;
	if (sodium_base642bin(secret_data(raw), b64len, b64, b64len,
	    " \t\r\n", &rawlen, NULL, sodium_base64_VARIANT_ORIGINAL) != 0) {
		rc = ops_err_set(err, OPS_E_INVAL, "damaged OpenSSH key: not "
		    "valid base64");
		goto out;
	}
	r.p = secret_cdata(raw);
	r.len = rawlen;
	r.off = sizeof(OPENSSH_MAGIC);
	if (rawlen < sizeof(OPENSSH_MAGIC) ||
	    memcmp(r.p, OPENSSH_MAGIC, sizeof(OPENSSH_MAGIC)) != 0 ||
	    rd_name(&r, cipher, sizeof(cipher)) != 0 ||
	    rd_name(&r, kdf, sizeof(kdf)) != 0 ||
	    rd_str(&r, &kdfo, &kdflen) != 0 || rd_u32(&r, &nkeys) != 0) {
		rc = ops_err_set(err, OPS_E_INVAL, "damaged OpenSSH key: bad "
		    "header");
		goto out;
	}
	if (nkeys != 1) {
		rc = ops_err_set(err, OPS_E_VERSION, "the file holds %u keys; "
		    "opsicle takes one key per file", nkeys);
		goto out;
	}
	if (rd_str(&r, &pub, &publen) != 0 || rd_str(&r, &enc, &enclen) != 0) {
		rc = ops_err_set(err, OPS_E_INVAL, "damaged OpenSSH key: "
		    "truncated");
		goto out;
	}
	if (strcmp(cipher, "none") == 0) {
		if (strcmp(kdf, "none") != 0 || r.off != r.len) {
			rc = ops_err_set(err, OPS_E_INVAL, "damaged OpenSSH "
			    "key: unencrypted with a KDF");
			goto out;
		}
		rc = openssh_private(k, enc, enclen, pub, publen, err);
		goto out;
	}
	for (ci = 0; ci < sizeof(ciphers) / sizeof(ciphers[0]); ci++)
		if (strcmp(ciphers[ci].name, cipher) == 0)
			break;
	if (ci == sizeof(ciphers) / sizeof(ciphers[0]) ||
	    strcmp(kdf, "bcrypt") != 0) {
		rc = ops_err_set(err, OPS_E_VERSION, "the key is encrypted "
		    "with %s (KDF %s), which opsicle does not read; "
		    "re-encrypt it with ssh-keygen -p -Z aes256-ctr", cipher,
		    kdf);
		goto out;
	}
	k->encrypted = 1;
	if (pass == NULL) {
		rc = ops_err_set(err, OPS_E_BADKEY, "the key is encrypted: "
		    "give its passphrase (--key-passphrase)");
		goto out;
	}
	n = r.len - r.off;	/* GCM's tag follows the string */
	if (enclen == 0 || enclen % 16 != 0 || n != ciphers[ci].taglen) {
		rc = ops_err_set(err, OPS_E_INVAL, "damaged OpenSSH key: bad "
		    "encrypted length");
		goto out;
	}
	if ((rc = secret_new(enclen, &plain, err)) != OPS_OK)
		goto out;
	if ((rc = openssh_decrypt(ci, kdfo, kdflen, pass, enc, enclen,
	    r.p + r.off, plain, err)) != OPS_OK)
		goto out;
	p = secret_cdata(plain);
	rc = openssh_private(k, p, enclen, pub, publen, err);
out:
	ERR_clear_error();
	secret_free(plain);
	secret_free(raw);
	return rc;
}


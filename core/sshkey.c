/*
 * sshkey.c: SSH private keys (see sshkey.h for the contract). The
 * OpenSSH container is read here with a bounds-checked reader; PEM and
 * the key arithmetic are OpenSSL's.
 */
#include "config.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/ecdsa.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/param_build.h>
#include <openssl/pem.h>
#include <sodium.h>

#include "bcrypt-pbkdf.h"
#include "hostkey.h"
#include "sshkey.h"

#define BLOB_MAX	4096	/* public blob: RSA-16384 needs ~2.1 KB */
#define RSA_MIN_BITS	1024	/* OpenSSH's SSH_RSA_MINIMUM_MODULUS_SIZE */
#define RSA_MAX_BITS	16384	/* OpenSSH's SSHBUF_MAX_BIGNUM * 8 */

struct sshkey {
	enum sshkey_type	 type;
	int			 pkey_id;	/* EVP_PKEY_RSA/EC for priv */
	char			 curve[16];	/* "nistp256"... (ECDSA) */
	const char		*label;
	unsigned		 bits;
	int			 encrypted;
	unsigned char		 blob[BLOB_MAX];
	size_t			 bloblen;
	struct hostkey		 id;		/* type name + SHA256 */
	struct secret		*priv;
};

static const char *const rsa_algs[] = {
	"rsa-sha2-512", "rsa-sha2-256", "ssh-rsa", NULL
};

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

struct wb {
	unsigned char	*p;
	size_t		 cap, len;
	int		 bad;
};

static void
wb_put(struct wb *w, const void *d, size_t n)
{
	if (w->bad || n > w->cap - w->len) {
		w->bad = 1;
		return;
	}
	memcpy(w->p + w->len, d, n);
	w->len += n;
}

static void
wb_u32(struct wb *w, size_t v)
{
	unsigned char	b[4];

	b[0] = (unsigned char)(v >> 24);
	b[1] = (unsigned char)(v >> 16);
	b[2] = (unsigned char)(v >> 8);
	b[3] = (unsigned char)v;
	wb_put(w, b, 4);
}

static void
wb_str(struct wb *w, const void *d, size_t n)
{
	wb_u32(w, n);
	wb_put(w, d, n);
}

/* An SSH mpint from big-endian magnitude bytes. */
static void
wb_mpint_bin(struct wb *w, const unsigned char *b, size_t n)
{
	static const unsigned char zero = 0;

	while (n > 0 && b[0] == 0) {
		b++;
		n--;
	}
	if (n > 0 && (b[0] & 0x80)) {
		wb_u32(w, n + 1);
		wb_put(w, &zero, 1);
		wb_put(w, b, n);
	} else
		wb_str(w, b, n);
}

static void
wb_mpint(struct wb *w, const BIGNUM *bn)
{
	unsigned char	buf[RSA_MAX_BITS / 8 + 1];
	int		n = BN_num_bytes(bn);

	if (n < 0 || (size_t)n > sizeof(buf)) {
		w->bad = 1;
		return;
	}
	BN_bn2bin(bn, buf);
	wb_mpint_bin(w, buf, (size_t)n);
}

/* ---- OpenSSL keys: blob, description, DER in a secret ------------------- */

static const struct {
	const char	*ssh;		/* "nistp256" */
	const char	*ossl;		/* OpenSSL's group name */
	const char	*md;
} curves[] = {
	{ "nistp256", "prime256v1", "SHA256" },
	{ "nistp384", "secp384r1", "SHA384" },
	{ "nistp521", "secp521r1", "SHA512" },
};

static int
curve_index(const char *name, int ssh)
{
	size_t	i;

	for (i = 0; i < sizeof(curves) / sizeof(curves[0]); i++)
		if (strcmp(ssh ? curves[i].ssh : curves[i].ossl, name) == 0)
			return (int)i;
	return -1;
}

static int
finish_id(struct sshkey *k, struct ops_err *err)
{
	if (hostkey_from_blob(k->blob, k->bloblen, &k->id, err) != OPS_OK)
		return ops_err_set(err, OPS_E_INTERNAL, "describe key");
	return OPS_OK;
}

/* Fill k (type, blob, bits, private part) from an OpenSSL key. */
static int
finish_pkey(struct sshkey *k, EVP_PKEY *pk, struct ops_err *err)
{
	struct wb	 w = { k->blob, sizeof(k->blob), 0, 0 };
	BIGNUM		*e = NULL, *n = NULL;
	unsigned char	 pt[256], seed[32], pub[32], *der;
	char		 group[64], name[32];
	size_t		 ptlen = 0, sl = sizeof(seed);
	int		 id = EVP_PKEY_get_base_id(pk), len, ci, rc;

	switch (id) {
	case EVP_PKEY_RSA:
		k->type = SSHKEY_RSA;
		k->label = "RSA";
		k->bits = (unsigned)EVP_PKEY_get_bits(pk);
		if (k->bits < RSA_MIN_BITS || k->bits > RSA_MAX_BITS)
			return ops_err_set(err, OPS_E_VERSION, "an RSA key of "
			    "%u bits: OpenSSH takes %d to %d bits", k->bits,
			    RSA_MIN_BITS, RSA_MAX_BITS);
		if (!EVP_PKEY_get_bn_param(pk, OSSL_PKEY_PARAM_RSA_E, &e) ||
		    !EVP_PKEY_get_bn_param(pk, OSSL_PKEY_PARAM_RSA_N, &n)) {
			BN_free(e);
			return ops_err_set(err, OPS_E_CRYPTO, "read RSA key");
		}
		wb_str(&w, "ssh-rsa", 7);
		wb_mpint(&w, e);
		wb_mpint(&w, n);
		BN_free(e);
		BN_free(n);
		break;
	case EVP_PKEY_EC:
		k->type = SSHKEY_ECDSA;
		k->label = "ECDSA";
		if (!EVP_PKEY_get_utf8_string_param(pk,
		    OSSL_PKEY_PARAM_GROUP_NAME, group, sizeof(group), NULL) ||
		    (ci = curve_index(group, 0)) < 0)
			return ops_err_set(err, OPS_E_VERSION, "an ECDSA key "
			    "on a curve OpenSSH does not use (it takes "
			    "nistp256, nistp384 and nistp521)");
		k->bits = (unsigned)EVP_PKEY_get_bits(pk);
		snprintf(k->curve, sizeof(k->curve), "%s", curves[ci].ssh);
		if (!EVP_PKEY_set_utf8_string_param(pk,
		    OSSL_PKEY_PARAM_EC_POINT_CONVERSION_FORMAT,
		    OSSL_PKEY_EC_POINT_CONVERSION_FORMAT_UNCOMPRESSED) ||
		    !EVP_PKEY_get_octet_string_param(pk,
		    OSSL_PKEY_PARAM_PUB_KEY, pt, sizeof(pt), &ptlen))
			return ops_err_set(err, OPS_E_CRYPTO, "read ECDSA "
			    "key");
		snprintf(name, sizeof(name), "ecdsa-sha2-%s", k->curve);
		wb_str(&w, name, strlen(name));
		wb_str(&w, k->curve, strlen(k->curve));
		wb_str(&w, pt, ptlen);
		break;
	case EVP_PKEY_ED25519:
		k->type = SSHKEY_ED25519;
		k->label = "ED25519";
		k->bits = 256;
		if ((rc = secret_new(crypto_sign_SECRETKEYBYTES, &k->priv,
		    err)) != OPS_OK)
			return rc;
		rc = EVP_PKEY_get_raw_private_key(pk, seed, &sl) == 1 &&
		    sl == sizeof(seed) ? crypto_sign_seed_keypair(pub,
		    secret_data(k->priv), seed) : -1;
		sodium_memzero(seed, sizeof(seed));
		if (rc != 0)
			return ops_err_set(err, OPS_E_CRYPTO, "read Ed25519 "
			    "key");
		wb_str(&w, "ssh-ed25519", 11);
		wb_str(&w, pub, sizeof(pub));
		break;
	default:
		return ops_err_set(err, OPS_E_VERSION, "a key of a type "
		    "OpenSSH does not take (it takes RSA, ECDSA and "
		    "Ed25519)");
	}
	if (w.bad)
		return ops_err_set(err, OPS_E_INTERNAL, "encode public key");
	k->bloblen = w.len;
	if (k->type != SSHKEY_ED25519) {
		k->pkey_id = id;
		if ((len = i2d_PrivateKey(pk, NULL)) <= 0)
			return ops_err_set(err, OPS_E_CRYPTO, "encode key");
		if ((rc = secret_new((size_t)len, &k->priv, err)) != OPS_OK)
			return rc;
		der = secret_data(k->priv);
		if (i2d_PrivateKey(pk, &der) != len)
			return ops_err_set(err, OPS_E_CRYPTO, "encode key");
	}
	return finish_id(k, err);
}

/* An OpenSSL key from parameters. For EC (check set) the private scalar
 * must give the public point; RSA's checks are rsa_from_wire's (OpenSSL's
 * pairwise check of RSA also tests p and q for primality, ~100 ms). */
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
	    (ci = curve_index(curve, 1)) < 0 ||
	    strcmp(keytype + strlen("ecdsa-sha2-"), curve) != 0 ||
	    rd_str(r, &pt, &ptlen) != 0 || (d = rd_bn(r)) == NULL)
		goto out;
	if ((bld = OSSL_PARAM_BLD_new()) == NULL ||
	    !OSSL_PARAM_BLD_push_utf8_string(bld, OSSL_PKEY_PARAM_GROUP_NAME,
	    curves[ci].ossl, 0) ||
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
	struct wb		 w = { k->blob, sizeof(k->blob), 0, 0 };
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
		wb_str(&w, type, strlen(type));
		wb_str(&w, pk, pklen);
		k->bloblen = w.len;
		if ((rc = finish_id(k, err)) != OPS_OK)
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
		rc = finish_pkey(k, ep, err);
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

static int
openssh_load(struct sshkey *k, const char *b64, size_t b64len,
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

/* ---- PEM through OpenSSL ------------------------------------------------ */

struct pem_pass {
	const struct secret	*pass;
	int			 asked;
};

static int
pem_pass_cb(char *buf, int size, int rwflag, void *u)
{
	struct pem_pass	*pp = u;

	(void)rwflag;
	pp->asked = 1;
	if (pp->pass == NULL || size < 0 ||
	    secret_len(pp->pass) > (size_t)size)
		return -1;
	memcpy(buf, secret_cdata(pp->pass), secret_len(pp->pass));
	return (int)secret_len(pp->pass);
}

static int
pem_load(struct sshkey *k, const char *text, size_t len, const char *label,
    const struct secret *pass, struct ops_err *err)
{
	struct pem_pass	 pp = { pass, 0 };
	BIO		*bio;
	EVP_PKEY	*pk;
	int		 rc;

	if ((bio = BIO_new_mem_buf(text, (int)len)) == NULL)
		return ops_err_set(err, OPS_E_NOMEM, "read PEM key");
	pk = PEM_read_bio_PrivateKey(bio, NULL, pem_pass_cb, &pp);
	BIO_free(bio);
	/* encrypted: PKCS#8 says so by its label, PKCS#1 by a header */
	k->encrypted = pp.asked || strcmp(label, "ENCRYPTED PRIVATE KEY") == 0;
	if (pk == NULL) {
		ERR_clear_error();
		if (k->encrypted && pass == NULL)
			return ops_err_set(err, OPS_E_BADKEY, "the key is "
			    "encrypted: give its passphrase "
			    "(--key-passphrase)");
		if (k->encrypted)
			return ops_err_set(err, OPS_E_BADKEY, "the passphrase "
			    "does not decrypt the key");
		return ops_err_set(err, OPS_E_INVAL, "damaged PEM key (%s): "
		    "OpenSSL cannot read it", label);
	}
	rc = finish_pkey(k, pk, err);
	EVP_PKEY_free(pk);
	ERR_clear_error();
	return rc;
}

/* ---- recognising the file ------------------------------------------------ */

static int
starts(const char *t, size_t len, const char *s)
{
	return len >= strlen(s) && memcmp(t, s, strlen(s)) == 0;
}

/* What a file that is not a private key is, for the message. */
static int
not_private(const char *t, size_t len, struct ops_err *err)
{
	struct hostkey	 hk;
	char		 b64[8192];
	const char	*sp, *end;
	size_t		 n;

	if (starts(t, len, "ssh-") || starts(t, len, "ecdsa-sha2-") ||
	    starts(t, len, "sk-")) {
		sp = memchr(t, ' ', len);
		n = sp != NULL ? len - (size_t)(sp + 1 - t) : 0;
		end = sp != NULL ? memchr(sp + 1, ' ', n) : NULL;
		if (end == NULL && sp != NULL)
			end = memchr(sp + 1, '\n', n);
		if (end == NULL && sp != NULL)
			end = t + len;
		if (sp != NULL && (size_t)(end - sp - 1) < sizeof(b64)) {
			memcpy(b64, sp + 1, (size_t)(end - sp - 1));
			b64[end - sp - 1] = '\0';
			if (hostkey_from_base64(b64, &hk, NULL) == OPS_OK)
				return ops_err_set(err, OPS_E_INVAL, "this is "
				    "a public key (%s %s), not a private key: "
				    "give the private key file (the one "
				    "without .pub)", hk.type, hk.fp);
		}
		return ops_err_set(err, OPS_E_INVAL, "this looks like a "
		    "public key line, not a private key: give the private "
		    "key file (the one without .pub)");
	}
	if (starts(t, len, "---- BEGIN SSH2 PUBLIC KEY") ||
	    starts(t, len, "-----BEGIN PUBLIC KEY") ||
	    starts(t, len, "-----BEGIN RSA PUBLIC KEY"))
		return ops_err_set(err, OPS_E_INVAL, "this is a public key, "
		    "not a private key: give the private key file");
	if (starts(t, len, "PuTTY-User-Key-File-"))
		return ops_err_set(err, OPS_E_VERSION, "a PuTTY key (.ppk): "
		    "convert it with puttygen KEY.ppk -O private-openssh "
		    "-o KEY");
	if (starts(t, len, "-----BEGIN DSA PRIVATE KEY") ||
	    starts(t, len, "-----BEGIN SSH2 ENCRYPTED PRIVATE KEY"))
		return ops_err_set(err, OPS_E_VERSION, "a %s key: opsicle "
		    "takes RSA, ECDSA and Ed25519 keys", t[11] == 'D' ?
		    "DSA" : "ssh.com");
	if (starts(t, len, "-----BEGIN CERTIFICATE"))
		return ops_err_set(err, OPS_E_INVAL, "an X.509 certificate, "
		    "not an SSH private key");
	return ops_err_set(err, OPS_E_INVAL, "not a private key file (no "
	    "\"-----BEGIN ... PRIVATE KEY-----\" line)");
}

int
sshkey_load(const struct secret *text, const struct secret *passphrase,
    struct sshkey **out, struct ops_err *err)
{
	const char	*t = (const char *)secret_cdata(text), *lab, *body;
	const char	*endl, *end;
	char		 label[32], endmark[64];
	size_t		 len = secret_len(text), n;
	struct sshkey	*k;
	int		 rc;

	*out = NULL;
	if (len > SSHKEY_TEXT_MAX)
		return ops_err_set(err, OPS_E_TOOBIG, "the key file has %zu "
		    "bytes; a key file has at most %d", len, SSHKEY_TEXT_MAX);
	while (len > 0 && (*t == ' ' || *t == '\t' || *t == '\r' ||
	    *t == '\n')) {
		t++;
		len--;
	}
	if (len == 0)
		return ops_err_set(err, OPS_E_INVAL, "the key file is empty");
	if (!starts(t, len, "-----BEGIN ") ||
	    (endl = memchr(t, '\n', len)) == NULL)
		return not_private(t, len, err);
	lab = t + 11;
	n = (size_t)(endl - lab);
	if (n > 0 && lab[n - 1] == '\r')
		n--;
	if (n < 5 || n - 5 >= sizeof(label) || memcmp(lab + n - 5, "-----",
	    5) != 0)
		return not_private(t, len, err);
	memcpy(label, lab, n - 5);
	label[n - 5] = '\0';
	if (strcmp(label, "OPENSSH PRIVATE KEY") != 0 &&
	    strcmp(label, "RSA PRIVATE KEY") != 0 &&
	    strcmp(label, "EC PRIVATE KEY") != 0 &&
	    strcmp(label, "PRIVATE KEY") != 0 &&
	    strcmp(label, "ENCRYPTED PRIVATE KEY") != 0)
		return not_private(t, len, err);
	snprintf(endmark, sizeof(endmark), "-----END %s-----", label);
	body = endl + 1;
	if ((end = memmem(body, len - (size_t)(body - t), endmark,
	    strlen(endmark))) == NULL)
		return ops_err_set(err, OPS_E_INVAL, "damaged key: no "
		    "\"%s\" line (is the file complete?)", endmark);
	if ((k = calloc(1, sizeof(*k))) == NULL)
		return ops_err_set(err, OPS_E_NOMEM, "read key");
	if (strcmp(label, "OPENSSH PRIVATE KEY") == 0)
		rc = openssh_load(k, body, (size_t)(end - body), passphrase,
		    err);
	else
		rc = pem_load(k, t, (size_t)(end - t) + strlen(endmark),
		    label, passphrase, err);
	if (rc != OPS_OK) {
		sshkey_free(k);
		return rc;
	}
	*out = k;
	return OPS_OK;
}

void
sshkey_free(struct sshkey *k)
{
	if (k == NULL)
		return;
	secret_free(k->priv);
	free(k);
}

enum sshkey_type
sshkey_type(const struct sshkey *k)
{
	return k->type;
}

const char *
sshkey_name(const struct sshkey *k)
{
	return k->id.type;
}

const char *
sshkey_label(const struct sshkey *k)
{
	return k->label;
}

unsigned
sshkey_bits(const struct sshkey *k)
{
	return k->bits;
}

const char *
sshkey_fingerprint(const struct sshkey *k)
{
	return k->id.fp;
}

int
sshkey_encrypted(const struct sshkey *k)
{
	return k->encrypted;
}

const unsigned char *
sshkey_blob(const struct sshkey *k, size_t *len)
{
	*len = k->bloblen;
	return k->blob;
}

const char *
sshkey_alg_of(const char *type, int i)
{
	if (strcmp(type, "ssh-rsa") == 0)
		return i >= 0 && i < 3 ? rsa_algs[i] : NULL;
	return i == 0 ? type : NULL;
}

const char *const *
sshkey_algs(const struct sshkey *k)
{
	static const char *const none[] = { NULL };
	static const char *const ed[] = { "ssh-ed25519", NULL };
	static const char *const ec[][2] = {
		{ "ecdsa-sha2-nistp256", NULL },
		{ "ecdsa-sha2-nistp384", NULL },
		{ "ecdsa-sha2-nistp521", NULL },
	};
	int	ci;

	switch (k->type) {
	case SSHKEY_RSA:
		return rsa_algs;
	case SSHKEY_ED25519:
		return ed;
	case SSHKEY_ECDSA:
		if ((ci = curve_index(k->curve, 1)) >= 0)
			return ec[ci];
		break;
	}
	return none;
}

/* ECDSA's DER signature as mpint r, mpint s. */
static int
ecdsa_sig_wire(const unsigned char *der, size_t len, unsigned char *sig,
    size_t cap, size_t *siglen)
{
	struct wb	 w = { sig, cap, 0, 0 };
	ECDSA_SIG	*es;
	const BIGNUM	*r, *s;

	if ((es = d2i_ECDSA_SIG(NULL, &der, (long)len)) == NULL)
		return -1;
	ECDSA_SIG_get0(es, &r, &s);
	wb_mpint(&w, r);
	wb_mpint(&w, s);
	ECDSA_SIG_free(es);
	*siglen = w.len;
	return w.bad ? -1 : 0;
}

int
sshkey_sign(const struct sshkey *k, const char *alg,
    const unsigned char *data, size_t len, unsigned char *sig, size_t cap,
    size_t *siglen, struct ops_err *err)
{
	const unsigned char	*der;
	unsigned char		 tmp[SSHKEY_SIG_MAX];
	const char		*md = NULL;
	EVP_PKEY		*pk = NULL;
	EVP_MD_CTX		*mc = NULL;
	size_t			 l = sizeof(tmp);
	int			 ci, rc = OPS_E_CRYPTO;

	*siglen = 0;
	if (k->type == SSHKEY_ED25519) {
		unsigned long long	sl = 0;

		if (strcmp(alg, "ssh-ed25519") != 0 || cap < crypto_sign_BYTES)
			return ops_err_set(err, OPS_E_INVAL, "sign: %s with an "
			    "Ed25519 key", alg);
		crypto_sign_detached(sig, &sl, data, len,
		    secret_cdata(k->priv));
		*siglen = (size_t)sl;
		return OPS_OK;
	}
	if (k->type == SSHKEY_RSA)
		md = strcmp(alg, "rsa-sha2-512") == 0 ? "SHA512" :
		    strcmp(alg, "rsa-sha2-256") == 0 ? "SHA256" :
		    strcmp(alg, "ssh-rsa") == 0 ? "SHA1" : NULL;
	else if ((ci = curve_index(k->curve, 1)) >= 0 &&
	    strcmp(alg, k->id.type) == 0)
		md = curves[ci].md;
	if (md == NULL)
		return ops_err_set(err, OPS_E_INVAL, "sign: %s with a %s key",
		    alg, k->id.type);
	der = secret_cdata(k->priv);
	if ((pk = d2i_PrivateKey(k->pkey_id, NULL, &der,
	    (long)secret_len(k->priv))) == NULL ||
	    (mc = EVP_MD_CTX_new()) == NULL ||
	    EVP_DigestSignInit_ex(mc, NULL, md, NULL, NULL, pk, NULL) != 1 ||
	    EVP_DigestSign(mc, tmp, &l, data, len) != 1)
		goto out;
	if (k->type == SSHKEY_RSA) {
		if (l > cap)
			goto out;
		memcpy(sig, tmp, l);
		*siglen = l;
	} else if (ecdsa_sig_wire(tmp, l, sig, cap, siglen) != 0)
		goto out;
	rc = OPS_OK;
out:
	EVP_MD_CTX_free(mc);
	EVP_PKEY_free(pk);
	ERR_clear_error();
	if (rc != OPS_OK)
		return ops_err_set(err, rc, "sign with the %s key", k->label);
	return OPS_OK;
}

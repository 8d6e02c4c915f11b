/*
 * sshkey.c: SSH private keys (see sshkey.h for the contract): telling
 * what a file is, PEM through OpenSSL, the public half, and signing. The
 * OpenSSH container is sshkey-openssh.c's.
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
#include <openssl/pem.h>
#include <sodium.h>

#include "sshkey-int.h"

static const char *const rsa_algs[] = {
	"rsa-sha2-512", "rsa-sha2-256", "ssh-rsa", NULL
};

/* ---- writing SSH wire data ------------------------------------------------ */

static void
wb_put(struct sshkey_wb *w, const void *d, size_t n)
{
	if (w->bad || n > w->cap - w->len) {
		w->bad = 1;
		return;
	}
	memcpy(w->p + w->len, d, n);
	w->len += n;
}

static void
wb_u32(struct sshkey_wb *w, size_t v)
{
	unsigned char	b[4];

	b[0] = (unsigned char)(v >> 24);
	b[1] = (unsigned char)(v >> 16);
	b[2] = (unsigned char)(v >> 8);
	b[3] = (unsigned char)v;
	wb_put(w, b, 4);
}

void
sshkey_wb_str(struct sshkey_wb *w, const void *d, size_t n)
{
	wb_u32(w, n);
	wb_put(w, d, n);
}

/* An SSH mpint from big-endian magnitude bytes. */
static void
wb_mpint_bin(struct sshkey_wb *w, const unsigned char *b, size_t n)
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
		sshkey_wb_str(w, b, n);
}

static void
wb_mpint(struct sshkey_wb *w, const BIGNUM *bn)
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

int
sshkey_curve_index(const char *name, int ssh)
{
	size_t	i;

	for (i = 0; i < sizeof(curves) / sizeof(curves[0]); i++)
		if (strcmp(ssh ? curves[i].ssh : curves[i].ossl, name) == 0)
			return (int)i;
	return -1;
}

const char *
sshkey_curve_ossl(int ci)
{
	return curves[ci].ossl;
}

int
sshkey_finish_id(struct sshkey *k, struct ops_err *err)
{
	if (hostkey_from_blob(k->blob, k->bloblen, &k->id, err) != OPS_OK)
		return ops_err_set(err, OPS_E_INTERNAL, "describe key");
	return OPS_OK;
}

int
sshkey_finish_pkey(struct sshkey *k, EVP_PKEY *pk, struct ops_err *err)
{
	struct sshkey_wb	 w = { k->blob, sizeof(k->blob), 0, 0 };
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
		sshkey_wb_str(&w, "ssh-rsa", 7);
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
		    (ci = sshkey_curve_index(group, 0)) < 0)
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
		sshkey_wb_str(&w, name, strlen(name));
		sshkey_wb_str(&w, k->curve, strlen(k->curve));
		sshkey_wb_str(&w, pt, ptlen);
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
		sshkey_wb_str(&w, "ssh-ed25519", 11);
		sshkey_wb_str(&w, pub, sizeof(pub));
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
	return sshkey_finish_id(k, err);
}

/* An OpenSSL key from parameters. For EC (check set) the private scalar
 * must give the public point; RSA's checks are rsa_from_wire's (OpenSSL's
 * pairwise check of RSA also tests p and q for primality, ~100 ms). */
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
	rc = sshkey_finish_pkey(k, pk, err);
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
		rc = sshkey_openssh_load(k, body, (size_t)(end - body), passphrase,
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
		if ((ci = sshkey_curve_index(k->curve, 1)) >= 0)
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
	struct sshkey_wb	 w = { sig, cap, 0, 0 };
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
	else if ((ci = sshkey_curve_index(k->curve, 1)) >= 0 &&
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


/*
 * bcrypt-pbkdf.c: OpenSSH's bcrypt_pbkdf over OpenSSL's Blowfish (see
 * bcrypt-pbkdf.h for the contract).
 */
#include "config.h"

/* BF_encrypt and BF_KEY are deprecated in OpenSSL 3 in favour of EVP,
 * which has no way to run the eksblowfish key schedule: we need the
 * block function on a state we fill ourselves. */
#define OPENSSL_SUPPRESS_DEPRECATED 1

#include <string.h>

#include <openssl/blowfish.h>
#include <openssl/bn.h>
#include <sodium.h>

#include "bcrypt-pbkdf.h"

#define BF_WORDS	(18 + 1024)
#define HASHSIZE	32		/* bcrypt_hash output */
#define SHA512LEN	crypto_hash_sha512_BYTES

struct bcrypt_state {
	BF_KEY		bf;
	uint32_t	init[BF_WORDS];
	unsigned char	sha2pass[SHA512LEN];
	unsigned char	sha2salt[SHA512LEN];
	unsigned char	countsalt[1024 + 4];
	unsigned char	tmp[HASHSIZE];
	unsigned char	acc[HASHSIZE];
	BF_LONG		cdata[8];
};

/* sum += sign * floor(2^bits / x^(2k+1)) / (2k+1) for k = 0, 1, ...:
 * atan(1/x) scaled by 2^bits, each term truncated (the caller keeps
 * guard bits for the error). */
static int
atan_inv(BIGNUM *sum, unsigned long x, int bits)
{
	BIGNUM		*pw = BN_new(), *t = BN_new();
	unsigned long	 k;
	int		 rc = -1;

	if (pw == NULL || t == NULL || !BN_set_bit(pw, bits))
		goto out;
	if (BN_div_word(pw, x) == (BN_ULONG)-1 || !BN_copy(sum, pw))
		goto out;
	for (k = 1;; k++) {
		if (BN_div_word(pw, x * x) == (BN_ULONG)-1)
			goto out;
		if (BN_is_zero(pw))
			break;
		if (!BN_copy(t, pw) || BN_div_word(t, 2 * k + 1) ==
		    (BN_ULONG)-1)
			goto out;
		if (!((k & 1) ? BN_sub(sum, sum, t) : BN_add(sum, sum, t)))
			goto out;
	}
	rc = 0;
out:
	BN_free(pw);
	BN_free(t);
	return rc;
}

int
bcrypt_blowfish_init(uint32_t out[BF_WORDS], struct ops_err *err)
{
	const int	 guard = 64, bits = BF_WORDS * 32 + guard;
	BIGNUM		*a = BN_new(), *b = BN_new(), *three = BN_new();
	unsigned char	 be[BF_WORDS * 4];
	size_t		 i;
	int		 rc = OPS_E_CRYPTO;

	/* pi = 16 atan(1/5) - 4 atan(1/239); keep its fraction */
	if (a == NULL || b == NULL || three == NULL ||
	    atan_inv(a, 5, bits) != 0 || atan_inv(b, 239, bits) != 0 ||
	    !BN_lshift(a, a, 4) || !BN_lshift(b, b, 2) ||
	    !BN_sub(a, a, b) || !BN_set_word(three, 3) ||
	    !BN_lshift(three, three, bits) || !BN_sub(a, a, three) ||
	    !BN_rshift(a, a, guard) ||
	    BN_bn2binpad(a, be, sizeof(be)) != (int)sizeof(be))
		goto out;
	for (i = 0; i < BF_WORDS; i++)
		out[i] = (uint32_t)be[4 * i] << 24 |
		    (uint32_t)be[4 * i + 1] << 16 |
		    (uint32_t)be[4 * i + 2] << 8 | be[4 * i + 3];
	/* the first and the last word of Blowfish's published tables */
	if (out[0] != 0x243f6a88 || out[BF_WORDS - 1] != 0x3ac372e6) {
		rc = OPS_E_INTERNAL;
		goto out;
	}
	rc = OPS_OK;
out:
	BN_free(a);
	BN_free(b);
	BN_free(three);
	if (rc == OPS_E_INTERNAL)
		return ops_err_set(err, rc, "bcrypt: computed Blowfish "
		    "state is wrong");
	if (rc != OPS_OK)
		return ops_err_set(err, rc, "bcrypt: compute Blowfish state");
	return OPS_OK;
}

/* The next 4 bytes of data (cyclic, big-endian) from *pos. */
static uint32_t
stream_word(const unsigned char *data, size_t len, size_t *pos)
{
	uint32_t	w = 0;
	int		i;

	for (i = 0; i < 4; i++) {
		if (*pos >= len)
			*pos = 0;
		w = w << 8 | data[(*pos)++];
	}
	return w;
}

/* Blowfish's key schedule on the current state, with the key XORed into
 * P and (when salt is not NULL) the salt into the chained blocks. */
static void
expand(BF_KEY *bf, const unsigned char *salt, size_t saltlen,
    const unsigned char *key, size_t keylen)
{
	BF_LONG	d[2] = { 0, 0 };
	size_t	i, j = 0, s = 0;

	for (i = 0; i < 18; i++)
		bf->P[i] ^= stream_word(key, keylen, &j);
	for (i = 0; i < 18 + 1024; i += 2) {
		if (salt != NULL) {
			d[0] ^= stream_word(salt, saltlen, &s);
			d[1] ^= stream_word(salt, saltlen, &s);
		}
		BF_encrypt(d, bf);
		if (i < 18) {
			bf->P[i] = d[0];
			bf->P[i + 1] = d[1];
		} else {
			bf->S[i - 18] = d[0];
			bf->S[i - 18 + 1] = d[1];
		}
	}
}

static void
bcrypt_hash(struct bcrypt_state *st, unsigned char out[HASHSIZE])
{
	static const char	magic[] = "OxychromaticBlowfishSwatDynamite";
	size_t			i, j = 0;

	memcpy(st->bf.P, st->init, 18 * sizeof(st->init[0]));
	memcpy(st->bf.S, st->init + 18, 1024 * sizeof(st->init[0]));
	expand(&st->bf, st->sha2salt, SHA512LEN, st->sha2pass, SHA512LEN);
	for (i = 0; i < 64; i++) {
		expand(&st->bf, NULL, 0, st->sha2salt, SHA512LEN);
		expand(&st->bf, NULL, 0, st->sha2pass, SHA512LEN);
	}
	for (i = 0; i < 8; i++)
		st->cdata[i] = stream_word((const unsigned char *)magic,
		    HASHSIZE, &j);
	for (i = 0; i < 64; i++)
		for (j = 0; j < 8; j += 2)
			BF_encrypt(st->cdata + j, &st->bf);
	for (i = 0; i < 8; i++) {
		out[4 * i + 3] = (unsigned char)(st->cdata[i] >> 24);
		out[4 * i + 2] = (unsigned char)(st->cdata[i] >> 16);
		out[4 * i + 1] = (unsigned char)(st->cdata[i] >> 8);
		out[4 * i] = (unsigned char)st->cdata[i];
	}
}

int
bcrypt_pbkdf(const unsigned char *pass, size_t passlen,
    const unsigned char *salt, size_t saltlen, unsigned char *key,
    size_t keylen, unsigned rounds, struct ops_err *err)
{
	struct bcrypt_state	*st;
	size_t			 stride, amt, left = keylen, i, dest;
	uint32_t		 count;
	unsigned		 r;
	int			 rc;

	if (rounds < 1 || rounds > BCRYPT_PBKDF_MAX_ROUNDS || keylen < 1 ||
	    keylen > 1024 || saltlen < 1 || saltlen > 1024)
		return ops_err_set(err, OPS_E_INVAL, "bcrypt: rounds, salt "
		    "or key length out of range");
	if ((st = sodium_malloc(sizeof(*st))) == NULL)
		return ops_err_set(err, OPS_E_NOMEM, "bcrypt: out of memory");
	if ((rc = bcrypt_blowfish_init(st->init, err)) != OPS_OK)
		goto out;
	stride = (keylen + HASHSIZE - 1) / HASHSIZE;
	amt = (keylen + stride - 1) / stride;
	crypto_hash_sha512(st->sha2pass, pass, passlen);
	memcpy(st->countsalt, salt, saltlen);
	for (count = 1; left > 0; count++) {
		st->countsalt[saltlen] = (unsigned char)(count >> 24);
		st->countsalt[saltlen + 1] = (unsigned char)(count >> 16);
		st->countsalt[saltlen + 2] = (unsigned char)(count >> 8);
		st->countsalt[saltlen + 3] = (unsigned char)count;
		crypto_hash_sha512(st->sha2salt, st->countsalt, saltlen + 4);
		bcrypt_hash(st, st->tmp);
		memcpy(st->acc, st->tmp, HASHSIZE);
		for (r = 1; r < rounds; r++) {
			crypto_hash_sha512(st->sha2salt, st->tmp, HASHSIZE);
			bcrypt_hash(st, st->tmp);
			for (i = 0; i < HASHSIZE; i++)
				st->acc[i] ^= st->tmp[i];
		}
		if (amt > left)
			amt = left;
		for (i = 0; i < amt; i++) {
			dest = i * stride + (count - 1);
			if (dest >= keylen)
				break;
			key[dest] = st->acc[i];
		}
		left -= i;
	}
	rc = OPS_OK;
out:
	sodium_free(st);	/* wipes */
	return rc;
}

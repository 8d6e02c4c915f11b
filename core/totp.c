/*
 * totp.c: RFC 6238 codes, RFC 4648 base32 and otpauth:// URIs (totp.h).
 */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <sodium.h>

#include "secret.h"
#include "totp.h"

static const char b32_alphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";

uint64_t
totp_step(time_t t)
{
	if (t < 0)
		return 0;
	return (uint64_t)t / TOTP_PERIOD;
}

int
totp_code_digits(const unsigned char *key, size_t keylen, uint64_t step,
    unsigned digits, unsigned *code)
{
	unsigned char	msg[8], md[EVP_MAX_MD_SIZE];
	unsigned int	mdlen = 0, off, i;
	uint32_t	bin, mod = 1;
	int		rc = OPS_OK;

	*code = 0;
	if (key == NULL || keylen == 0 || keylen > TOTP_KEY_MAX ||
	    digits < 6 || digits > 9)
		return OPS_E_INVAL;
	for (i = 0; i < 8; i++)
		msg[i] = (unsigned char)(step >> (56 - 8 * i));
	if (HMAC(EVP_sha1(), key, (int)keylen, msg, sizeof(msg), md,
	    &mdlen) == NULL || mdlen != 20) {
		rc = OPS_E_CRYPTO;
		goto out;
	}
	/* RFC 4226 5.3: dynamic truncation */
	off = md[mdlen - 1] & 0x0f;
	bin = ((uint32_t)(md[off] & 0x7f) << 24) |
	    ((uint32_t)md[off + 1] << 16) | ((uint32_t)md[off + 2] << 8) |
	    (uint32_t)md[off + 3];
	for (i = 0; i < digits; i++)
		mod *= 10;
	*code = bin % mod;
out:
	sodium_memzero(md, sizeof(md));
	return rc;
}

int
totp_code(const unsigned char *key, size_t keylen, uint64_t step,
    unsigned *code)
{
	return totp_code_digits(key, keylen, step, TOTP_DIGITS, code);
}

int
totp_base32_encode(const unsigned char *in, size_t len, int pad, char *out,
    size_t outlen)
{
	size_t		i, o = 0, full;
	uint32_t	buf = 0;
	int		bits = 0;

	if (len > (SIZE_MAX - 8) / 8 * 5)
		return OPS_E_TOOBIG;
	full = TOTP_BASE32_LEN(len);
	if (!pad)
		full = (len * 8 + 4) / 5;
	if (outlen == 0 || full > outlen - 1)
		return OPS_E_TOOBIG;
	for (i = 0; i < len; i++) {
		buf = (buf << 8) | in[i];
		bits += 8;
		while (bits >= 5) {
			out[o++] = b32_alphabet[(buf >> (bits - 5)) & 31];
			bits -= 5;
		}
		buf &= (1u << bits) - 1;
	}
	if (bits > 0)
		out[o++] = b32_alphabet[(buf << (5 - bits)) & 31];
	while (pad && o % 8 != 0)
		out[o++] = '=';
	out[o] = '\0';
	return OPS_OK;
}

static int
b32_value(char c)
{
	if (c >= 'A' && c <= 'Z')
		return c - 'A';
	if (c >= '2' && c <= '7')
		return c - '2' + 26;
	return -1;
}

int
totp_base32_decode(const char *in, size_t len, unsigned char *out,
    size_t outlen, size_t *n)
{
	size_t		chars = len, i, o = 0, rem, padn;
	uint32_t	buf = 0;
	int		bits = 0, v, rc = OPS_OK;

	*n = 0;
	/* padding: only at the end, and only to a multiple of 8 */
	while (chars > 0 && in[chars - 1] == '=')
		chars--;
	padn = len - chars;
	rem = chars % 8;
	/* a last group of 1, 3 or 6 characters cannot occur */
	if (rem == 1 || rem == 3 || rem == 6)
		return OPS_E_INVAL;
	if (padn != 0 && (len % 8 != 0 || rem == 0 ||
	    padn != 8 - rem))
		return OPS_E_INVAL;
	if (chars / 8 * 5 + rem * 5 / 8 > outlen)
		return OPS_E_TOOBIG;
	for (i = 0; i < chars; i++) {
		if ((v = b32_value(in[i])) < 0) {
			rc = OPS_E_INVAL;
			goto out;
		}
		buf = (buf << 5) | (uint32_t)v;
		bits += 5;
		if (bits >= 8) {
			out[o++] = (unsigned char)(buf >> (bits - 8));
			bits -= 8;
			buf &= (1u << bits) - 1;
		}
	}
	/* bits left over must be zero (one encoding per value) */
	if (buf != 0)
		rc = OPS_E_INVAL;
out:
	if (rc != OPS_OK) {
		sodium_memzero(out, o);
		return rc;
	}
	*n = o;
	return OPS_OK;
}

/* Append s percent-escaped (all but RFC 3986 unreserved) at p. */
static size_t
uri_escape(char *p, const char *s)
{
	static const char	 hex[] = "0123456789ABCDEF";
	const unsigned char	*u = (const unsigned char *)s;
	size_t			 o = 0;

	for (; *u != '\0'; u++) {
		if ((*u >= 'A' && *u <= 'Z') || (*u >= 'a' && *u <= 'z') ||
		    (*u >= '0' && *u <= '9') || *u == '-' || *u == '.' ||
		    *u == '_' || *u == '~')
			p[o++] = (char)*u;
		else {
			p[o++] = '%';
			p[o++] = hex[*u >> 4];
			p[o++] = hex[*u & 15];
		}
	}
	return o;
}

int
totp_uri(const char *issuer, const char *account, const unsigned char *key,
    size_t keylen, struct secret **out, struct ops_err *err)
{
	static const char	 pre[] = "otpauth://totp/";
	static const char	 tail[] = "&algorithm=SHA1&digits=6&period=30";
	struct secret		*s = NULL;
	char			*p, b32[TOTP_BASE32_LEN(TOTP_KEY_MAX) + 1];
	size_t			 il, al, need, o;
	int			 rc;

	*out = NULL;
	if (issuer == NULL || account == NULL || *issuer == '\0' ||
	    (il = strlen(issuer)) > 255 || (al = strlen(account)) > 512)
		return ops_err_set(err, OPS_E_INVAL, "make a TOTP URI: bad "
		    "issuer or account name");
	if (keylen == 0 || keylen > TOTP_KEY_MAX)
		return ops_err_set(err, OPS_E_INVAL, "make a TOTP URI: the key "
		    "has %zu bytes (1 to %d)", keylen, TOTP_KEY_MAX);
	if (totp_base32_encode(key, keylen, 0, b32, sizeof(b32)) != OPS_OK)
		return ops_err_set(err, OPS_E_INTERNAL, "make a TOTP URI: "
		    "base32");
	need = sizeof(pre) + 3 * il + 1 + 3 * al + strlen("?secret=") +
	    strlen(b32) + strlen("&issuer=") + 3 * il + sizeof(tail);
	if ((rc = secret_new(need + 1, &s, err)) != OPS_OK)
		goto out;
	p = (char *)secret_data(s);
	o = 0;
	memcpy(p, pre, sizeof(pre) - 1);
	o += sizeof(pre) - 1;
	o += uri_escape(p + o, issuer);
	p[o++] = ':';
	o += uri_escape(p + o, account);
	o += (size_t)sprintf(p + o, "?secret=%s&issuer=", b32);
	o += uri_escape(p + o, issuer);
	memcpy(p + o, tail, sizeof(tail));
	o += sizeof(tail) - 1;
	secret_truncate(s, o);
	*out = s;
	s = NULL;
out:
	sodium_memzero(b32, sizeof(b32));
	secret_free(s);
	return rc;
}

int
totp_code_parse(const char *s, unsigned *code)
{
	unsigned	v = 0;
	int		i;

	if (s == NULL)
		return 0;
	for (i = 0; i < TOTP_DIGITS; i++) {
		if (s[i] < '0' || s[i] > '9')
			return 0;
		v = v * 10 + (unsigned)(s[i] - '0');
	}
	if (s[i] != '\0')
		return 0;
	*code = v;
	return 1;
}

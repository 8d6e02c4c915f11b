/*
 * hostkey.c: host key fingerprints and known_hosts lookup; see hostkey.h.
 */
#include <ctype.h>
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "hostkey.h"

#define KH_LINE_MAX	16384
#define KH_BLOB_MAX	8192

/* ---- SHA-1 / HMAC-SHA1 (only for hashed known_hosts names) ---------- */

struct sha1 {
	uint32_t	h[5];
	uint64_t	len;
	unsigned char	buf[64];
	size_t		nbuf;
};

#define ROL(x, n) (((x) << (n)) | ((x) >> (32 - (n))))

static void
sha1_block(struct sha1 *c, const unsigned char *p)
{
	uint32_t w[80], a, b, d, e, f, k, t, cc;
	int i;

	for (i = 0; i < 16; i++)
		w[i] = (uint32_t)p[4 * i] << 24 | (uint32_t)p[4 * i + 1] << 16 |
		    (uint32_t)p[4 * i + 2] << 8 | p[4 * i + 3];
	for (; i < 80; i++)
		w[i] = ROL(w[i - 3] ^ w[i - 8] ^ w[i - 14] ^ w[i - 16], 1);
	a = c->h[0]; b = c->h[1]; cc = c->h[2]; d = c->h[3]; e = c->h[4];
	for (i = 0; i < 80; i++) {
		if (i < 20) {
			f = (b & cc) | (~b & d); k = 0x5a827999;
		} else if (i < 40) {
			f = b ^ cc ^ d; k = 0x6ed9eba1;
		} else if (i < 60) {
			f = (b & cc) | (b & d) | (cc & d); k = 0x8f1bbcdc;
		} else {
			f = b ^ cc ^ d; k = 0xca62c1d6;
		}
		t = ROL(a, 5) + f + e + k + w[i];
		e = d; d = cc; cc = ROL(b, 30); b = a; a = t;
	}
	c->h[0] += a; c->h[1] += b; c->h[2] += cc; c->h[3] += d;
	c->h[4] += e;
}

static void
sha1_init(struct sha1 *c)
{
	static const uint32_t iv[5] = { 0x67452301, 0xefcdab89, 0x98badcfe,
	    0x10325476, 0xc3d2e1f0 };

	memcpy(c->h, iv, sizeof(iv));
	c->len = 0;
	c->nbuf = 0;
}

static void
sha1_update(struct sha1 *c, const unsigned char *p, size_t n)
{
	c->len += n;
	while (n > 0) {
		size_t take = 64 - c->nbuf;

		if (take > n)
			take = n;
		memcpy(c->buf + c->nbuf, p, take);
		c->nbuf += take;
		p += take;
		n -= take;
		if (c->nbuf == 64) {
			sha1_block(c, c->buf);
			c->nbuf = 0;
		}
	}
}

static void
sha1_final(struct sha1 *c, unsigned char out[20])
{
	uint64_t bits = c->len * 8;
	unsigned char pad = 0x80, z = 0, lenb[8];
	int i;

	sha1_update(c, &pad, 1);
	while (c->nbuf != 56)
		sha1_update(c, &z, 1);
	for (i = 0; i < 8; i++)
		lenb[i] = (unsigned char)(bits >> (56 - 8 * i));
	sha1_update(c, lenb, 8);
	for (i = 0; i < 20; i++)
		out[i] = (unsigned char)(c->h[i / 4] >> (24 - 8 * (i % 4)));
}

void
hostkey_hmac_sha1(const unsigned char *key, size_t keylen,
    const unsigned char *msg, size_t msglen, unsigned char out[20])
{
	unsigned char k[64], pad[64], inner[20];
	struct sha1 c;
	size_t i;

	memset(k, 0, sizeof(k));
	if (keylen > 64) {
		sha1_init(&c);
		sha1_update(&c, key, keylen);
		sha1_final(&c, k);
	} else if (keylen > 0)
		memcpy(k, key, keylen);
	for (i = 0; i < 64; i++)
		pad[i] = k[i] ^ 0x36;
	sha1_init(&c);
	sha1_update(&c, pad, 64);
	sha1_update(&c, msg, msglen);
	sha1_final(&c, inner);
	for (i = 0; i < 64; i++)
		pad[i] = k[i] ^ 0x5c;
	sha1_init(&c);
	sha1_update(&c, pad, 64);
	sha1_update(&c, inner, 20);
	sha1_final(&c, out);
}

/* ---- fingerprints ------------------------------------------------------ */

int
hostkey_from_blob(const unsigned char *blob, size_t len, struct hostkey *hk,
    struct ops_err *err)
{
	unsigned char h[crypto_hash_sha256_BYTES];
	uint32_t tlen;

	memset(hk, 0, sizeof(*hk));
	if (blob == NULL || len < 4)
		return ops_err_set(err, OPS_E_INVAL,
		    "read host key: blob too short (%zu bytes)", len);
	tlen = (uint32_t)blob[0] << 24 | (uint32_t)blob[1] << 16 |
	    (uint32_t)blob[2] << 8 | blob[3];
	if (tlen == 0 || tlen >= sizeof(hk->type) || tlen > len - 4)
		return ops_err_set(err, OPS_E_INVAL,
		    "read host key: bad algorithm name length %u", tlen);
	memcpy(hk->type, blob + 4, tlen);
	hk->type[tlen] = '\0';
	crypto_hash_sha256(h, blob, len);
	memcpy(hk->fp, "SHA256:", 7);
	sodium_bin2base64(hk->fp + 7, sizeof(hk->fp) - 7, h, sizeof(h),
	    sodium_base64_VARIANT_ORIGINAL_NO_PADDING);
	return 0;
}

int
hostkey_from_base64(const char *b64, struct hostkey *hk, struct ops_err *err)
{
	unsigned char *blob;
	size_t len = 0;
	int rc;

	memset(hk, 0, sizeof(*hk));
	if ((blob = malloc(KH_BLOB_MAX)) == NULL)
		return ops_err_errno(err, OPS_E_NOMEM, "decode host key");
	if (sodium_base642bin(blob, KH_BLOB_MAX, b64, strlen(b64), NULL,
	    &len, NULL, sodium_base64_VARIANT_ORIGINAL) != 0) {
		rc = ops_err_set(err, OPS_E_INVAL,
		    "decode host key: not valid base64");
		goto out;
	}
	rc = hostkey_from_blob(blob, len, hk, err);
out:
	free(blob);
	return rc;
}

int
hostkey_from_fp(const char *type, const char *fp, struct hostkey *hk,
    struct ops_err *err)
{
	unsigned char h[64];
	size_t hl = 0;

	memset(hk, 0, sizeof(*hk));
	if (fp == NULL || strncmp(fp, "SHA256:", 7) != 0 ||
	    strlen(fp) >= sizeof(hk->fp))
		return ops_err_set(err, OPS_E_INVAL,
		    "parse fingerprint: want SHA256:<base64>");
	if (sodium_base642bin(h, sizeof(h), fp + 7, strlen(fp + 7), NULL,
	    &hl, NULL, sodium_base64_VARIANT_ORIGINAL_NO_PADDING) != 0 ||
	    hl != crypto_hash_sha256_BYTES)
		return ops_err_set(err, OPS_E_INVAL,
		    "parse fingerprint %s: not 32 bytes of base64", fp);
	if (type != NULL) {
		if (strlen(type) >= sizeof(hk->type))
			return ops_err_set(err, OPS_E_INVAL,
			    "parse fingerprint: key type too long");
		strcpy(hk->type, type);
	}
	strcpy(hk->fp, fp);
	return 0;
}

int
hostkey_equal(const struct hostkey *a, const struct hostkey *b)
{
	return a->fp[0] != '\0' && strcmp(a->fp, b->fp) == 0;
}

/* ---- known_hosts --------------------------------------------------------- */

/* Does one hashed "|1|salt|hash" entry match name? */
static int
kh_hashed_match(const char *pat, size_t plen, const char *name)
{
	unsigned char salt[64], want[64], got[20];
	size_t sl = 0, wl = 0;
	const char *s, *bar;
	char tmp[256];

	if (plen < 4 || plen >= sizeof(tmp) || memcmp(pat, "|1|", 3) != 0)
		return 0;
	memcpy(tmp, pat + 3, plen - 3);
	tmp[plen - 3] = '\0';
	s = tmp;
	if ((bar = strchr(s, '|')) == NULL)
		return 0;
	if (sodium_base642bin(salt, sizeof(salt), s, (size_t)(bar - s), NULL,
	    &sl, NULL, sodium_base64_VARIANT_ORIGINAL) != 0)
		return 0;
	if (sodium_base642bin(want, sizeof(want), bar + 1, strlen(bar + 1),
	    NULL, &wl, NULL, sodium_base64_VARIANT_ORIGINAL) != 0 || wl != 20)
		return 0;
	hostkey_hmac_sha1(salt, sl, (const unsigned char *)name, strlen(name),
	    got);
	return sodium_memcmp(got, want, 20) == 0;
}

/* Does pattern p (n bytes; "*" and "?" wildcards) match name, ignoring
 * case? Greedy with one backtrack point: linear, whatever the stars. */
static int
kh_glob(const char *p, size_t n, const char *name)
{
	size_t	pi = 0, si = 0, star = SIZE_MAX, mark = 0;
	size_t	slen = strlen(name);

	while (si < slen) {
		if (pi < n && p[pi] == '*') {
			star = pi++;
			mark = si;
		} else if (pi < n && (p[pi] == '?' ||
		    tolower((unsigned char)p[pi]) ==
		    tolower((unsigned char)name[si]))) {
			pi++;
			si++;
		} else if (star != SIZE_MAX) {
			pi = star + 1;
			si = ++mark;
		} else
			return 0;
	}
	while (pi < n && p[pi] == '*')
		pi++;
	return pi == n;
}

/*
 * Does the comma-separated pattern list match name? As OpenSSH's
 * match_hostname: a negated pattern that matches (wildcards included)
 * vetoes the whole line, whatever else matches. Positive wildcards count
 * only with wild (marker lines: a key revoked for "*" is revoked for
 * all); a key learned for "*.example" would be trusted for every target
 * the pattern covers, so plain lines need the exact name.
 */
static int
kh_hosts_match(const char *pats, size_t len, const char *name, int wild)
{
	const char *p = pats, *end = pats + len, *c;
	size_t n;
	int got = 0;

	while (p < end) {
		if ((c = memchr(p, ',', (size_t)(end - p))) == NULL)
			c = end;
		n = (size_t)(c - p);
		if (n > 1 && p[0] == '!') {
			if (kh_glob(p + 1, n - 1, name))
				return 0;
		} else if (n > 0 && p[0] == '|') {
			if (kh_hashed_match(p, n, name))
				got = 1;
		} else if (n > 0 && p[0] != '!' && wild) {
			if (kh_glob(p, n, name))
				got = 1;
		} else if (n > 0 && p[0] != '!' &&
		    memchr(p, '*', n) == NULL && memchr(p, '?', n) == NULL &&
		    strlen(name) == n && strncasecmp(p, name, n) == 0)
			got = 1;
		p = c + 1;
	}
	return got;
}

static const char *
kh_field(const char **pp, const char *end, size_t *len)
{
	const char *p = *pp, *s;

	while (p < end && (*p == ' ' || *p == '\t'))
		p++;
	s = p;
	while (p < end && *p != ' ' && *p != '\t')
		p++;
	*len = (size_t)(p - s);
	*pp = p;
	return *len ? s : NULL;
}

enum kh_marker { KH_PLAIN, KH_REVOKED, KH_CERT_AUTHORITY, KH_OTHER };

/* Append hk to *v (n entries). */
static int
kh_push(struct hostkey **v, size_t *n, const struct hostkey *hk)
{
	struct hostkey	*nv;

	if ((nv = realloc(*v, (*n + 1) * sizeof(**v))) == NULL)
		return -1;
	*v = nv;
	nv[(*n)++] = *hk;
	return 0;
}

static int
kh_listed(const struct hostkey *v, size_t n, const struct hostkey *hk)
{
	size_t	i;

	for (i = 0; i < n; i++)
		if (hostkey_equal(&v[i], hk))
			return 1;
	return 0;
}

/*
 * One line: its marker, and when its host patterns match name, its key
 * in *hk (1), else 0.
 */
static int
kh_line(const char *p, const char *eol, const char *name,
    enum kh_marker *mark, struct hostkey *hk)
{
	const char	*f;
	char		 b64[KH_LINE_MAX];
	size_t		 fl;

	*mark = KH_PLAIN;
	if ((f = kh_field(&p, eol, &fl)) == NULL || f[0] == '#')
		return 0;
	if (f[0] == '@') {
		if (fl == 8 && memcmp(f, "@revoked", 8) == 0)
			*mark = KH_REVOKED;
		else if (fl == 15 && memcmp(f, "@cert-authority", 15) == 0)
			*mark = KH_CERT_AUTHORITY;
		else
			*mark = KH_OTHER;
		if ((f = kh_field(&p, eol, &fl)) == NULL)
			return 0;
	}
	if (!kh_hosts_match(f, fl, name, *mark != KH_PLAIN))
		return 0;
	if (kh_field(&p, eol, &fl) == NULL)	/* key type */
		return 0;
	if ((f = kh_field(&p, eol, &fl)) == NULL || fl >= sizeof(b64))
		return 0;
	memcpy(b64, f, fl);
	b64[fl] = '\0';
	if (fl > 0 && b64[fl - 1] == '\r')
		b64[fl - 1] = '\0';
	return hostkey_from_base64(b64, hk, NULL) == 0;
}

int
hostkey_known_hosts_scan(const char *text, size_t len, const char *host,
    unsigned port, struct hostkey_kh *res, struct ops_err *err)
{
	const char	*p, *end = text + len, *eol;
	struct hostkey	 hk;
	enum kh_marker	 mark;
	char		 name[300];
	int		 pass;

	memset(res, 0, sizeof(*res));
	if (port == 0 || port == 22)
		snprintf(name, sizeof(name), "%s", host);
	else
		snprintf(name, sizeof(name), "[%s]:%u", host, port);
	/* Revoked keys first: no other line may bring them back. */
	for (pass = 0; pass < 2; pass++) {
		for (p = text; p < end; p = eol + 1) {
			if ((eol = memchr(p, '\n', (size_t)(end - p))) == NULL)
				eol = end;
			if (!kh_line(p, eol, name, &mark, &hk))
				continue;
			if (pass == 0 && mark == KH_REVOKED &&
			    !kh_listed(res->revoked, res->nrevoked, &hk) &&
			    kh_push(&res->revoked, &res->nrevoked, &hk) != 0)
				goto nomem;
			if (pass == 1 && mark == KH_CERT_AUTHORITY)
				res->ncert_authority++;
			if (pass == 1 && mark == KH_PLAIN &&
			    !kh_listed(res->revoked, res->nrevoked, &hk) &&
			    kh_push(&res->keys, &res->nkeys, &hk) != 0)
				goto nomem;
		}
	}
	return OPS_OK;
nomem:
	hostkey_kh_done(res);
	return ops_err_errno(err, OPS_E_NOMEM, "collect known host keys for "
	    "%s", name);
}

void
hostkey_kh_done(struct hostkey_kh *res)
{
	free(res->keys);
	free(res->revoked);
	memset(res, 0, sizeof(*res));
}

int
hostkey_known_hosts_lookup(const char *text, size_t len, const char *host,
    unsigned port, struct hostkey **out, size_t *n, struct ops_err *err)
{
	struct hostkey_kh	res;
	int			rc;

	*out = NULL;
	*n = 0;
	if ((rc = hostkey_known_hosts_scan(text, len, host, port, &res,
	    err)) != OPS_OK)
		return rc;
	*out = res.keys;
	*n = res.nkeys;
	free(res.revoked);
	return OPS_OK;
}

int
hostkey_known_hosts_file(const char *path, const char *host, unsigned port,
    struct hostkey **out, size_t *n, struct ops_err *err)
{
	FILE *fp;
	char *buf = NULL;
	size_t cap = 0, len = 0, r;
	int rc;

	*out = NULL;
	*n = 0;
	if ((fp = fopen(path, "r")) == NULL)
		return ops_err_errno(err, errno == ENOENT ? OPS_E_NOTFOUND :
		    OPS_E_IO, "open known_hosts %s", path);
	for (;;) {
		if (len == cap) {
			char *nb;

			cap = cap ? cap * 2 : 65536;
			if ((nb = realloc(buf, cap)) == NULL) {
				rc = ops_err_errno(err, OPS_E_NOMEM,
				    "read known_hosts %s", path);
				goto out;
			}
			buf = nb;
		}
		r = fread(buf + len, 1, cap - len, fp);
		len += r;
		if (r == 0)
			break;
	}
	if (ferror(fp)) {
		rc = ops_err_errno(err, OPS_E_IO, "read known_hosts %s", path);
		goto out;
	}
	rc = hostkey_known_hosts_lookup(buf ? buf : "", len, host, port, out,
	    n, err);
out:
	free(buf);
	fclose(fp);
	return rc;
}

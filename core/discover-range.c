/*
 * discover-range.c: parse, size and walk the address ranges of a
 * discovery scan. See discover-range.h.
 */
#include "config.h"

#include <sys/socket.h>
#include <netinet/in.h>
#include <arpa/inet.h>

#include <stdio.h>
#include <string.h>

#include "discover-range.h"

/* The input, printable and short, for messages: "\xHH" for the rest. */
static void
quote(const char *s, char *buf, size_t len)
{
	size_t	o = 0, i;

	for (i = 0; s[i] != '\0' && o + 5 < len; i++) {
		unsigned char c = (unsigned char)s[i];

		if (i >= DISCOVER_RANGE_TEXT_MAX) {
			snprintf(buf + o, len - o, "...");
			return;
		}
		if (c >= 0x20 && c < 0x7f && c != '"' && c != '\\')
			buf[o++] = (char)c;
		else
			o += (size_t)snprintf(buf + o, len - o, "\\x%02x", c);
	}
	buf[o] = '\0';
}

static int
bad(struct ops_err *err, const char *text, const char *why)
{
	char	q[DISCOVER_RANGE_TEXT_MAX * 4 + 8];

	quote(text, q, sizeof(q));
	return ops_err_set(err, OPS_E_INVAL, "invalid address range \"%s\": "
	    "%s (want ADDR or ADDR/LEN, IPv4 or IPv6)", q, why);
}

static unsigned
bits_of(int family)
{
	return family == AF_INET ? 32 : 128;
}

int
discover_range_parse(const char *text, struct discover_range *r,
    struct ops_err *err)
{
	char		 addr[DISCOVER_RANGE_TEXT_MAX + 1];
	const char	*slash, *p;
	size_t		 alen, tlen, i;
	unsigned	 len = 0, nbytes, bits;

	memset(r, 0, sizeof(*r));
	if (text == NULL || text[0] == '\0')
		return ops_err_set(err, OPS_E_INVAL, "invalid address range: "
		    "empty");
	tlen = strnlen(text, DISCOVER_RANGE_TEXT_MAX + 1);
	if (tlen > DISCOVER_RANGE_TEXT_MAX)
		return bad(err, text, "too long");
	slash = strchr(text, '/');
	alen = slash != NULL ? (size_t)(slash - text) : tlen;
	if (alen == 0)
		return bad(err, text, "no address");
	memcpy(addr, text, alen);
	addr[alen] = '\0';
	if (inet_pton(AF_INET, addr, r->base) == 1)
		r->family = AF_INET;
	else if (strchr(addr, ':') != NULL &&
	    inet_pton(AF_INET6, addr, r->base) == 1)
		r->family = AF_INET6;
	else
		return bad(err, text, strchr(addr, ':') != NULL ?
		    "not an IPv6 address" : "not an IPv4 address (names are "
		    "not scanned)");
	bits = bits_of(r->family);
	r->prefix = bits;
	if (slash == NULL)
		return OPS_OK;
	p = slash + 1;
	if (*p == '\0')
		return bad(err, text, "no prefix length after '/'");
	for (i = 0; p[i] != '\0'; i++) {
		if (p[i] < '0' || p[i] > '9')
			return bad(err, text, "the prefix length is not a "
			    "decimal number");
		if (i >= 3 || (i == 1 && p[0] == '0'))
			return bad(err, text, "the prefix length is out of "
			    "range");
		len = len * 10 + (unsigned)(p[i] - '0');
	}
	if (len > bits)
		return bad(err, text, r->family == AF_INET ? "the prefix "
		    "length is over 32" : "the prefix length is over 128");
	r->prefix = len;
	/* Clear the host bits. */
	nbytes = bits / 8;
	for (i = 0; i < nbytes; i++) {
		unsigned keep = len >= (i + 1) * 8 ? 8 :
		    len > i * 8 ? len - (unsigned)i * 8 : 0;

		r->base[i] &= (unsigned char)(0xff00u >> keep);
	}
	return OPS_OK;
}

uint64_t
discover_range_count(const struct discover_range *r)
{
	unsigned	host = bits_of(r->family) - r->prefix;

	return host >= 64 ? UINT64_MAX : 1ULL << host;
}

int
discover_range_addr(const struct discover_range *r, uint64_t i, char *buf,
    size_t len)
{
	unsigned char	a[16];
	unsigned	nbytes = bits_of(r->family) / 8, k;
	unsigned	carry;

	if (len < DISCOVER_ADDR_MAX || (discover_range_count(r) !=
	    UINT64_MAX && i >= discover_range_count(r)))
		return OPS_E_INVAL;
	memcpy(a, r->base, sizeof(a));
	/* Add i to the low bytes; host bits are clear, so no carry leaves
	 * the range. */
	carry = 0;
	for (k = nbytes; k-- > 0;) {
		unsigned s = a[k] + (unsigned)(i & 0xff) + carry;

		a[k] = (unsigned char)s;
		carry = s >> 8;
		i >>= 8;
	}
	if (inet_ntop(r->family, a, buf, (socklen_t)len) == NULL)
		return OPS_E_INVAL;
	return OPS_OK;
}

void
discover_range_format(const struct discover_range *r, char *buf, size_t len)
{
	char	a[DISCOVER_ADDR_MAX];

	if (inet_ntop(r->family, r->base, a, sizeof(a)) == NULL)
		snprintf(a, sizeof(a), "?");
	snprintf(buf, len, "%s/%u", a, r->prefix);
}

int
discover_ranges_check(const struct discover_range *r, size_t n, int force,
    uint64_t *total, struct ops_err *err)
{
	uint64_t	sum = 0, c;
	size_t		i;

	for (i = 0; i < n; i++) {
		c = discover_range_count(&r[i]);
		sum = sum > UINT64_MAX - c ? UINT64_MAX : sum + c;
	}
	if (total != NULL)
		*total = sum;
	if (n == 0)
		return ops_err_set(err, OPS_E_INVAL, "discover: no address "
		    "range to scan");
	if (sum > DISCOVER_LIMIT_FORCE)
		return ops_err_set(err, OPS_E_INVAL, "discover: the ranges "
		    "hold more than %llu addresses (an IPv4 /8 or IPv6 /104); "
		    "split the scan", (unsigned long long)DISCOVER_LIMIT_FORCE);
	if (sum > DISCOVER_LIMIT && !force)
		return ops_err_set(err, OPS_E_INVAL, "discover: the ranges "
		    "hold %llu addresses, more than a /16 (%llu); give "
		    "--force to scan them anyway", (unsigned long long)sum,
		    (unsigned long long)DISCOVER_LIMIT);
	return OPS_OK;
}

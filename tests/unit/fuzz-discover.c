/*
 * fuzz-discover.c: fuzz entry point for the discovery range parser
 * (core/discover-range).
 *
 * fuzz_discover_one parses one input and checks the invariants: a
 * refusal is OPS_E_INVAL with a one-line printable message; the same
 * input gets the same verdict twice; an accepted range has a family, a
 * prefix within its bits and no host bit set, its first and last
 * addresses print, parse back as addresses and re-parse to the same
 * range with its formatted "ADDR/LEN", and the size check agrees with
 * the limits. LLVMFuzzerTestOneInput wraps it for libFuzzer;
 * test-discover-range.c drives it over mutants without libFuzzer.
 */
#include "config.h"

#include <sys/socket.h>

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "discover-range.h"
#include "fuzz-discover.h"

static int
fail(char *why, size_t len, const char *what)
{
	if (why != NULL && why[0] == '\0')
		snprintf(why, len, "%s", what);
	return -1;
}

static int
printable(const char *m)
{
	for (; *m != '\0'; m++)
		if ((unsigned char)*m < 0x20 || (unsigned char)*m >= 0x7f)
			return 0;
	return 1;
}

/* Accepted r: its addresses and its formatted form hold up. */
static int
check_range(const struct discover_range *r, char *why, size_t len)
{
	struct discover_range	 back, one;
	struct ops_err		 e;
	char			 a[DISCOVER_ADDR_MAX], f[96];
	uint64_t		 n = discover_range_count(r), total;
	unsigned		 bits = r->family == AF_INET ? 32 : 128, i;
	int			 rc;

	if (r->family != AF_INET && r->family != AF_INET6)
		return fail(why, len, "no family");
	if (r->prefix > bits || n == 0)
		return fail(why, len, "a prefix outside the family's bits");
	for (i = r->prefix; i < bits; i++)
		if (r->base[i / 8] & (0x80 >> (i % 8)))
			return fail(why, len, "a host bit set in the base");
	discover_range_format(r, f, sizeof(f));
	if (discover_range_parse(f, &back, &e) != OPS_OK ||
	    memcmp(&back, r, sizeof(back)) != 0)
		return fail(why, len, "the formatted range parses otherwise");
	if (discover_range_addr(r, 0, a, sizeof(a)) != OPS_OK ||
	    discover_range_parse(a, &one, &e) != OPS_OK ||
	    one.family != r->family)
		return fail(why, len, "the first address does not parse");
	if (n != UINT64_MAX && (discover_range_addr(r, n - 1, a,
	    sizeof(a)) != OPS_OK || discover_range_addr(r, n, a,
	    sizeof(a)) == OPS_OK))
		return fail(why, len, "the last address is wrong");
	rc = discover_ranges_check(r, 1, 0, &total, &e);
	if (total != n || (rc == OPS_OK) != (n <= DISCOVER_LIMIT))
		return fail(why, len, "the size check disagrees");
	rc = discover_ranges_check(r, 1, 1, &total, &e);
	if ((rc == OPS_OK) != (n <= DISCOVER_LIMIT_FORCE))
		return fail(why, len, "the forced size check disagrees");
	return 0;
}

int
fuzz_discover_one(const uint8_t *data, size_t size, char *why, size_t len)
{
	struct discover_range	 r, r2;
	struct ops_err		 e, e2;
	char			*s;
	int			 rc, rc2;

	if ((s = malloc(size + 1)) == NULL)
		return 0;
	memcpy(s, data, size);
	s[size] = '\0';
	rc = discover_range_parse(s, &r, &e);
	rc2 = discover_range_parse(s, &r2, &e2);
	free(s);
	if (rc != rc2 || (rc != OPS_OK && strcmp(ops_err_msg(&e),
	    ops_err_msg(&e2)) != 0) || (rc == OPS_OK &&
	    memcmp(&r, &r2, sizeof(r)) != 0))
		return fail(why, len, "two verdicts for one input");
	if (rc != OPS_OK) {
		if (rc != OPS_E_INVAL)
			return fail(why, len, "a refusal that is not INVAL");
		if (!printable(ops_err_msg(&e)))
			return fail(why, len, "an unprintable message");
		return 0;
	}
	return check_range(&r, why, len);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char	why[128] = "";

	if (fuzz_discover_one(data, size, why, sizeof(why)) != 0)
		abort();
	return 0;
}

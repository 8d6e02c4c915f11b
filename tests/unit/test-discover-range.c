/*
 * test-discover-range.c: the address ranges of "opsicle discover"
 * (core/discover-range): IPv4 and IPv6 CIDR and single addresses, host
 * bits cleared, the addresses of a range in order, the /16 limit (and
 * its IPv6 equivalent) with and without force, refusals with their
 * messages; the fuzz entry (fuzz-discover.c) over seeded mutants.
 */
#include "config.h"

#include <sys/socket.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "discover-range.h"
#include "fuzz-discover.h"
#include "fuzz-rng.h"
#include "tap.h"

/* text parses to want ("ADDR/LEN") holding n addresses */
static void
good(const char *text, const char *want, uint64_t n)
{
	struct discover_range	r;
	struct ops_err		e;
	char			f[96];

	if (discover_range_parse(text, &r, &e) != OPS_OK) {
		ok(0, "%s parses: %s", text, ops_err_msg(&e));
		return;
	}
	discover_range_format(&r, f, sizeof(f));
	ok(strcmp(f, want) == 0 && discover_range_count(&r) == n,
	    "%s is %s with %llu addresses (got %s, %llu)", text, want,
	    (unsigned long long)n, f,
	    (unsigned long long)discover_range_count(&r));
}

/* text is refused with a message containing frag */
static void
refused(const char *text, const char *frag)
{
	struct discover_range	r;
	struct ops_err		e;
	int			rc;

	e.msg[0] = '\0';
	rc = discover_range_parse(text, &r, &e);
	ok(rc == OPS_E_INVAL && strstr(ops_err_msg(&e), frag) != NULL,
	    "\"%s\" refused: %s", text, ops_err_msg(&e));
}

static void
test_parse(void)
{
	good("127.0.0.0/24", "127.0.0.0/24", 256);
	good("127.0.0.77/24", "127.0.0.0/24", 256);
	good("10.1.2.3", "10.1.2.3/32", 1);
	good("10.1.2.3/32", "10.1.2.3/32", 1);
	good("10.255.255.255/9", "10.128.0.0/9", 1ULL << 23);
	good("192.168.7.9/0", "0.0.0.0/0", 1ULL << 32);
	good("127.0.0.1/31", "127.0.0.0/31", 2);
	good("::1", "::1/128", 1);
	good("fd00::17/120", "fd00::/120", 256);
	good("fe80::1:2:3:4/64", "fe80::/64", UINT64_MAX);
	good("2001:db8::ffff/112", "2001:db8::/112", 65536);
	good("::ffff:127.0.0.1/128", "::ffff:127.0.0.1/128", 1);
	refused("", "empty");
	refused("/24", "no address");
	refused("127.0.0.1/", "no prefix length");
	refused("127.0.0.1/33", "over 32");
	refused("::1/129", "over 128");
	refused("127.0.0.1/1000", "out of range");
	refused("127.0.0.1/024", "out of range");
	refused("127.0.0.1/-1", "not a decimal");
	refused("127.0.0.1/2x", "not a decimal");
	refused("127.0.0.1/+8", "not a decimal");
	refused("127.0.0.256/24", "not an IPv4 address");
	refused("localhost", "names are not scanned");
	refused("127.1/16", "not an IPv4 address");
	refused(" 127.0.0.1", "not an IPv4");
	refused("127.0.0.1 ", "not an IPv4");
	refused("[::1]/128", "not an IPv6");
	refused("::g/64", "not an IPv6");
	refused("1.2.3.4/8/8", "not a decimal");
	refused("1.2.3.4\033[2J/8", "\\x1b[2J");
	refused("1111111111111111111111111111111111111111111111111111111111"
	    "1111111111", "too long");
}

static void
test_addrs(void)
{
	struct discover_range	r;
	struct ops_err		e;
	char			a[DISCOVER_ADDR_MAX];

	(void)discover_range_parse("127.0.0.0/24", &r, &e);
	ok(discover_range_addr(&r, 0, a, sizeof(a)) == OPS_OK &&
	    strcmp(a, "127.0.0.0") == 0, "first of a /24: %s", a);
	ok(discover_range_addr(&r, 255, a, sizeof(a)) == OPS_OK &&
	    strcmp(a, "127.0.0.255") == 0, "last of a /24: %s", a);
	ok(discover_range_addr(&r, 256, a, sizeof(a)) == OPS_E_INVAL,
	    "past the end is refused");
	ok(discover_range_addr(&r, 0, a, 8) == OPS_E_INVAL,
	    "a short buffer is refused");
	(void)discover_range_parse("10.0.0.0/8", &r, &e);
	ok(discover_range_addr(&r, 65536 + 258, a, sizeof(a)) == OPS_OK &&
	    strcmp(a, "10.1.1.2") == 0, "carries across bytes: %s", a);
	(void)discover_range_parse("fd00::/112", &r, &e);
	ok(discover_range_addr(&r, 0x1234, a, sizeof(a)) == OPS_OK &&
	    strcmp(a, "fd00::1234") == 0, "IPv6: %s", a);
	ok(discover_range_addr(&r, 0xffff, a, sizeof(a)) == OPS_OK &&
	    strcmp(a, "fd00::ffff") == 0, "IPv6 last: %s", a);
	(void)discover_range_parse("::/0", &r, &e);
	ok(discover_range_addr(&r, 1ULL << 40, a, sizeof(a)) == OPS_OK &&
	    strcmp(a, "::100:0:0") == 0, "the whole IPv6 space: %s", a);
}

static void
test_limits(void)
{
	struct discover_range	r[3];
	struct ops_err		e;
	uint64_t		total = 0;

	(void)discover_range_parse("10.0.0.0/16", &r[0], &e);
	ok(discover_ranges_check(r, 1, 0, &total, &e) == OPS_OK &&
	    total == 65536, "a /16 is allowed");
	(void)discover_range_parse("10.1.0.0/32", &r[1], &e);
	ok(discover_ranges_check(r, 2, 0, &total, &e) == OPS_E_INVAL &&
	    total == 65537 && strstr(ops_err_msg(&e), "--force") != NULL,
	    "a /16 and one more is refused: %s", ops_err_msg(&e));
	ok(discover_ranges_check(r, 2, 1, &total, &e) == OPS_OK,
	    "... unless forced");
	(void)discover_range_parse("10.0.0.0/15", &r[0], &e);
	ok(discover_ranges_check(r, 1, 0, NULL, &e) == OPS_E_INVAL,
	    "a /15 is refused");
	(void)discover_range_parse("10.0.0.0/8", &r[0], &e);
	ok(discover_ranges_check(r, 1, 1, NULL, &e) == OPS_OK,
	    "a forced /8 is allowed");
	(void)discover_range_parse("10.0.0.0/7", &r[0], &e);
	ok(discover_ranges_check(r, 1, 1, NULL, &e) == OPS_E_INVAL &&
	    strstr(ops_err_msg(&e), "split") != NULL,
	    "a /7 is refused even forced: %s", ops_err_msg(&e));
	(void)discover_range_parse("fd00::/112", &r[0], &e);
	ok(discover_ranges_check(r, 1, 0, NULL, &e) == OPS_OK,
	    "an IPv6 /112 is allowed");
	(void)discover_range_parse("fd00::/111", &r[0], &e);
	ok(discover_ranges_check(r, 1, 0, NULL, &e) == OPS_E_INVAL,
	    "an IPv6 /111 is refused");
	(void)discover_range_parse("fd00::/64", &r[0], &e);
	(void)discover_range_parse("fd01::/64", &r[1], &e);
	ok(discover_ranges_check(r, 2, 1, &total, &e) == OPS_E_INVAL &&
	    total == UINT64_MAX, "two IPv6 /64s saturate and are refused");
	ok(discover_ranges_check(r, 0, 0, NULL, &e) == OPS_E_INVAL,
	    "no range is refused");
}

#define FUZZ_MUTANTS	20000

static void
test_fuzz(void)
{
	static const char *const seeds[] = {
		"127.0.0.0/24", "10.1.2.3", "0.0.0.0/0", "::1", "fd00::/120",
		"fe80::1:2:3:4/64", "::ffff:1.2.3.4/100", "255.255.255.255/32",
		"2001:db8:0:0:0:0:0:1/128",
	};
	static const char alphabet[] = "0123456789abcdef:./x";
	uint64_t	 st = 0x6f70736964697363ULL;	/* "opsidisc" */
	uint8_t		 buf[DISCOVER_RANGE_TEXT_MAX + 16];
	char		 why[128] = "";
	size_t		 i, n, k, nseeds = sizeof(seeds) / sizeof(seeds[0]);
	int		 bad = 0;

	for (i = 0; i < FUZZ_MUTANTS && !bad; i++) {
		const char *s = seeds[fuzz_rnd(&st, nseeds)];

		n = strlen(s);
		memcpy(buf, s, n);
		for (k = fuzz_rnd(&st, 3) + 1; k > 0 && n > 0; k--) {
			size_t at = fuzz_rnd(&st, n);

			switch (fuzz_rnd(&st, 5)) {
			case 0:
				buf[at] = (uint8_t)alphabet[fuzz_rnd(&st,
				    sizeof(alphabet) - 1)];
				break;
			case 1:
				buf[at] = (uint8_t)fuzz_rng(&st);
				break;
			case 2:
				n = at;
				break;
			case 3:		/* a new prefix length */
				n = at + (size_t)snprintf((char *)buf + at,
				    sizeof(buf) - at, "/%u",
				    (unsigned)fuzz_rnd(&st, 140));
				break;
			default:	/* duplicate a byte */
				if (n < sizeof(buf) - 1) {
					memmove(buf + at + 1, buf + at, n - at);
					n++;
				}
				break;
			}
		}
		bad = fuzz_discover_one(buf, n, why, sizeof(why)) != 0;
	}
	ok(!bad, "fuzz: %d mutants keep every invariant%s%s", FUZZ_MUTANTS,
	    bad ? ": " : "", why);
}

int
main(void)
{
	plan_no_plan();
	test_parse();
	test_addrs();
	test_limits();
	test_fuzz();
	return exit_status();
}

/*
 * test-cron.c: cron expressions (core/cron) against a table of cases:
 * fields, ranges, lists, steps, names, shorthands and refusals with
 * their messages; next fire times in UTC, Europe/Berlin and
 * America/New_York across both DST transitions (a time in the spring
 * gap runs at the first minute after it, a time in the autumn overlap
 * runs once, an hourly schedule runs in both repeated hours), leap
 * days, the 31st, day-of-month OR day-of-week, a schedule that never
 * fires; zone names checked; TZ put back after a call. The fuzz entry
 * (fuzz-cron.c) over seeded mutants of valid expressions.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cron.h"
#include "fuzz-cron.h"
#include "fuzz-rng.h"
#include "tap.h"

static time_t
utc(int y, int mo, int d, int h, int mi)
{
	struct tm	tm;

	memset(&tm, 0, sizeof(tm));
	tm.tm_year = y - 1900;
	tm.tm_mon = mo - 1;
	tm.tm_mday = d;
	tm.tm_hour = h;
	tm.tm_min = mi;
	return timegm(&tm);
}

static const char *
show(time_t t)
{
	static char	buf[32];
	struct tm	tm;

	gmtime_r(&t, &tm);
	strftime(buf, sizeof(buf), "%Y-%m-%d %H:%MZ", &tm);
	return buf;
}

/* the next fire of expr in zone after `after` is want (UTC) */
static void
next_is(const char *expr, const char *zone, time_t after, time_t want,
    const char *what)
{
	struct cron_spec c;
	struct ops_err	 e;
	time_t		 got = 0;
	int		 rc;

	if ((rc = cron_parse(expr, &c, &e)) != OPS_OK) {
		ok(0, "%s: %s", what, ops_err_msg(&e));
		return;
	}
	rc = cron_next(&c, zone, after, &got, &e);
	if (!ok(rc == OPS_OK && got == want, "%s", what))
		diag("  %s in %s after %s: got %s (rc %d)", expr,
		    zone != NULL ? zone : "local", show(after),
		    rc == OPS_OK ? show(got) : ops_err_msg(&e), rc);
}

static void
refused(const char *expr, const char *want)
{
	struct cron_spec c;
	struct ops_err	 e;

	if (!ok(cron_parse(expr, &c, &e) == OPS_E_INVAL &&
	    strstr(ops_err_msg(&e), want) != NULL, "refused: %s", want))
		diag("  got '%s'", ops_err_msg(&e));
}

static void
test_parse(void)
{
	struct cron_spec c;
	struct ops_err	 e;

	ok(cron_parse("*/15 9-17 * * mon-fri", &c, &e) == OPS_OK &&
	    c.minute == (1ULL | 1ULL << 15 | 1ULL << 30 | 1ULL << 45) &&
	    c.hour == 0x3fe00 && c.dow == 0x3e && c.dom_star && !c.dow_star,
	    "steps, ranges and day names");
	ok(cron_parse("0 0 1,15 JAN-Mar,dec 0,7", &c, &e) == OPS_OK &&
	    c.dom == (1u << 1 | 1u << 15) && c.month == (0xe | 1u << 12) &&
	    c.dow == 1 && !c.dom_star && !c.dow_star,
	    "lists, month names in any case, 0 and 7 both Sunday");
	ok(cron_parse("5/20 0 * * *", &c, &e) == OPS_OK &&
	    c.minute == (1ULL << 5 | 1ULL << 25 | 1ULL << 45), "a/n runs "
	    "from a to the end");
	ok(cron_parse("  @Daily  ", &c, &e) == OPS_OK && c.minute == 1 &&
	    c.hour == 1 && c.dom_star, "@daily, blanks around it");
	ok(cron_parse("@monthly", &c, &e) == OPS_OK && c.dom == 2 &&
	    !c.dom_star, "@monthly is the 1st");
	ok(cron_parse("1\t2 3 4 5", &c, &e) == OPS_OK, "tabs separate "
	    "fields");
	refused("61 * * * *", "minute field '61': 61 is not from 0 to 59");
	refused("* 24 * * *", "hour field '24': 24 is not from 0 to 23");
	refused("* * 0 * *", "day-of-month field '0': 0 is not from 1 to 31");
	refused("* * * 13 *", "month field '13'");
	refused("* * * * 8", "day-of-week field '8'");
	refused("* * * *", "expected 5 fields (M H DOM MON DOW), got 4");
	refused("* * * * * *", "more than 5 fields");
	refused("", "got 0");
	refused("5-1 * * * *", "the range ends before it starts");
	refused("*/0 * * * *", "the step is not from 1 to 60");
	refused("*/61 * * * *", "the step is not from 1 to 60");
	refused("1- * * * *", "expected a number");
	refused("1,,2 * * * *", "an empty list item");
	refused("* * * foo *", "not a number or a month name");
	refused("* * * * monday", "not a number or a day-of-week name");
	refused("x * * * *", "expected a number");
	refused("1/ * * * *", "a step needs a number");
	refused("1x * * * *", "unexpected 'x'");
	refused("@reboot", "is not one of @hourly");
	refused("@daily extra", "is not one of");
	refused("* * * * *\n", "unexpected character at position 10");
	refused("* * * * \x1b[2J", "unexpected character at position 9");
	refused("99999999999999999999 * * * *", "is not from 0 to 59");
}

static void
test_next(void)
{
	const char	*B = "Europe/Berlin", *NY = "America/New_York";
	struct cron_spec c;
	struct ops_err	 e;
	time_t		 t;

	next_is("*/15 * * * *", "UTC", utc(2027, 1, 1, 10, 7),
	    utc(2027, 1, 1, 10, 15), "every 15 minutes, UTC");
	next_is("*/15 * * * *", "UTC", utc(2027, 1, 1, 10, 15),
	    utc(2027, 1, 1, 10, 30), "strictly after");
	next_is("0 9 * * mon-fri", "UTC", utc(2027, 1, 1, 10, 0),
	    utc(2027, 1, 4, 9, 0), "a weekday at 9 after a Friday's 10:00");
	next_is("0 9 * * *", B, utc(2027, 1, 1, 0, 0),
	    utc(2027, 1, 1, 8, 0), "09:00 in Berlin in winter is 08:00Z");
	next_is("0 9 * * *", B, utc(2027, 7, 1, 0, 0),
	    utc(2027, 7, 1, 7, 0), "and in summer 07:00Z");
	/* Berlin 2027: CET -> CEST on 03-28 at 01:00Z, back on 10-31 at
	 * 01:00Z */
	next_is("30 2 * * *", B, utc(2027, 3, 27, 12, 0),
	    utc(2027, 3, 28, 1, 0), "Berlin spring: 02:30 does not exist, "
	    "runs at 03:00 CEST");
	next_is("30 2 * * *", B, utc(2027, 3, 28, 1, 0),
	    utc(2027, 3, 29, 0, 30), "once; the next day at 02:30 CEST");
	next_is("30 2 * * *", B, utc(2027, 10, 30, 12, 0),
	    utc(2027, 10, 31, 0, 30), "Berlin autumn: 02:30 runs at its "
	    "first occurrence (CEST)");
	next_is("30 2 * * *", B, utc(2027, 10, 31, 0, 30),
	    utc(2027, 11, 1, 1, 30), "not again in the repeated hour");
	next_is("0 * * * *", B, utc(2027, 10, 31, 0, 0),
	    utc(2027, 10, 31, 1, 0), "hourly runs in the repeated hour too");
	next_is("0 * * * *", B, utc(2027, 10, 31, 1, 0),
	    utc(2027, 10, 31, 2, 0), "and then on the hour");
	next_is("0 * * * *", B, utc(2027, 3, 28, 0, 30),
	    utc(2027, 3, 28, 1, 0), "hourly skips nothing in spring");
	next_is("*/30 * * * *", B, utc(2027, 10, 31, 0, 45),
	    utc(2027, 10, 31, 1, 0), "every 30 min goes on through the "
	    "overlap");
	/* New York 2027: EST -> EDT on 03-14 at 07:00Z, back on 11-07 at
	 * 06:00Z */
	next_is("15 2 * * *", NY, utc(2027, 3, 13, 12, 0),
	    utc(2027, 3, 14, 7, 0), "New York spring: 02:15 runs at 03:00 "
	    "EDT");
	next_is("30 1 * * *", NY, utc(2027, 11, 6, 12, 0),
	    utc(2027, 11, 7, 5, 30), "New York autumn: 01:30 EDT");
	next_is("30 1 * * *", NY, utc(2027, 11, 7, 5, 30),
	    utc(2027, 11, 8, 6, 30), "not 01:30 EST as well");
	next_is("0 3 * * *", NY, utc(2027, 3, 14, 6, 0),
	    utc(2027, 3, 14, 7, 0), "03:00 EDT, right after the gap");
	next_is("0 0 29 2 *", "UTC", utc(2027, 1, 1, 0, 0),
	    utc(2028, 2, 29, 0, 0), "a leap day");
	next_is("0 0 29 2 *", "UTC", utc(2028, 2, 29, 0, 0),
	    utc(2032, 2, 29, 0, 0), "and four years on");
	next_is("0 0 31 * *", "UTC", utc(2027, 4, 1, 0, 0),
	    utc(2027, 5, 31, 0, 0), "the 31st skips April");
	next_is("@monthly", B, utc(2027, 1, 31, 10, 0),
	    utc(2027, 1, 31, 23, 0), "@monthly: Feb 1st 00:00 in Berlin");
	next_is("0 0 13 * 5", "UTC", utc(2027, 1, 1, 0, 0),
	    utc(2027, 1, 8, 0, 0), "DOM and DOW both given: either one "
	    "(a Friday before the 13th)");
	next_is("0 0 13 * 5", "UTC", utc(2027, 1, 8, 0, 0),
	    utc(2027, 1, 13, 0, 0), "(the 13th, a Wednesday)");
	next_is("0 0 */2 * 1", "UTC", utc(2027, 1, 1, 0, 0),
	    utc(2027, 1, 11, 0, 0), "DOM starting with '*': both (an odd "
	    "day that is a Monday)");
	next_is("59 23 31 12 *", "UTC", utc(2027, 12, 31, 23, 59),
	    utc(2028, 12, 31, 23, 59), "the year's last minute, a year on");

	ok(cron_parse("0 0 30 2 *", &c, &e) == OPS_OK &&
	    cron_next(&c, "UTC", utc(2027, 1, 1, 0, 0), &t, &e) ==
	    OPS_E_NOTFOUND && strstr(ops_err_msg(&e), "never fires") != NULL,
	    "February 30th never fires, saying so");

	setenv("TZ", "UTC", 1);
	tzset();
	(void)cron_parse("0 9 * * *", &c, &e);
	(void)cron_next(&c, B, utc(2027, 1, 1, 0, 0), &t, &e);
	ok(getenv("TZ") != NULL && strcmp(getenv("TZ"), "UTC") == 0,
	    "TZ is put back after a call");
	unsetenv("TZ");
	tzset();
	(void)cron_next(&c, NY, utc(2027, 1, 1, 0, 0), &t, &e);
	ok(getenv("TZ") == NULL, "and stays unset when it was");
}

static void
test_zone(void)
{
	struct ops_err	e;

	ok(cron_zone_check("Europe/Berlin", &e) == OPS_OK, "Europe/Berlin "
	    "is a zone");
	ok(cron_zone_check("UTC", &e) == OPS_OK, "UTC is a zone");
	ok(cron_zone_check("Nowhere/Atlantis", &e) == OPS_E_INVAL &&
	    strstr(ops_err_msg(&e), "not known") != NULL, "an unknown zone "
	    "is refused");
	ok(cron_zone_check("../../etc/passwd", &e) == OPS_E_INVAL,
	    "a path out of the zone directory is refused");
	ok(cron_zone_check("/etc/passwd", &e) == OPS_E_INVAL, "an absolute "
	    "path is refused");
	ok(cron_zone_check("", &e) == OPS_E_INVAL, "an empty name is "
	    "refused");
	ok(cron_zone_check("Europe", &e) == OPS_E_INVAL, "a directory is "
	    "refused");
}

#define FUZZ_MUTANTS	20000

static void
test_fuzz(void)
{
	static const char *const seeds[] = {
		"*/15 9-17 * * mon-fri", "0 0 1,15 jan-mar,dec 0,7",
		"5/20 0 * * *", "@daily", "@monthly", "0 0 29 2 *",
		"0 0 13 * 5", "59 23 31 12 *", "0-59/7 */5 1-31/3 */2 1-5",
	};
	static const char alphabet[] = "0123456789*,/- \t@abcdefjmnorstuvy";
	uint64_t	 st = 0x6f70736963726f6eULL;	/* "opsicron" */
	uint8_t		 buf[CRON_TEXT_MAX + 64];
	char		 why[128] = "";
	size_t		 i, n, k, nseeds = sizeof(seeds) / sizeof(seeds[0]);
	int		 bad = 0;

	for (i = 0; i < FUZZ_MUTANTS && !bad; i++) {
		const char *s = seeds[fuzz_rnd(&st, nseeds)];

		n = strlen(s);
		memcpy(buf, s, n);
		for (k = fuzz_rnd(&st, 4) + 1; k > 0; k--) {
			switch (fuzz_rnd(&st, 4)) {
			case 0:		/* a byte from the alphabet */
				if (n > 0)
					buf[fuzz_rnd(&st, n)] = (uint8_t)
					    alphabet[fuzz_rnd(&st,
					    sizeof(alphabet) - 1)];
				break;
			case 1:		/* any byte */
				if (n > 0)
					buf[fuzz_rnd(&st, n)] =
					    (uint8_t)fuzz_rng(&st);
				break;
			case 2:		/* cut */
				n = fuzz_rnd(&st, n + 1);
				break;
			default:	/* a digit more */
				if (n < sizeof(buf) - 1)
					buf[n++] = (uint8_t)('0' +
					    fuzz_rnd(&st, 10));
				break;
			}
		}
		bad = fuzz_cron_one(buf, n, why, sizeof(why)) != 0;
	}
	ok(!bad, "fuzz: %d mutants keep every invariant%s%s", FUZZ_MUTANTS,
	    bad ? ": " : "", why);
}

int
main(void)
{
	plan_no_plan();
	if (cron_zone_check("Europe/Berlin", NULL) != OPS_OK ||
	    cron_zone_check("America/New_York", NULL) != OPS_OK) {
		skip_all("tzdata is not installed");
		return 0;
	}
	test_parse();
	test_next();
	test_zone();
	test_fuzz();
	return exit_status();
}

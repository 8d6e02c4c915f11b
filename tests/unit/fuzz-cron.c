/*
 * fuzz-cron.c: fuzz entry point for the cron parser (core/cron).
 *
 * fuzz_cron_one parses one input and checks the invariants: a refusal
 * is OPS_E_INVAL with a one-line printable message; the same input gets
 * the same verdict twice; an accepted expression sets only bits inside
 * each field's range and at least one in each, and its next fire time
 * (in UTC from a fixed instant) is later than that instant or the
 * schedule is said never to fire. LLVMFuzzerTestOneInput wraps it for
 * libFuzzer; test-cron.c drives it over mutants without libFuzzer.
 */
#include "config.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cron.h"
#include "fuzz-cron.h"

static int
fail(char *why, size_t len, const char *what)
{
	if (why != NULL && why[0] == '\0')
		snprintf(why, len, "%s", what);
	return -1;
}

int
fuzz_cron_one(const uint8_t *data, size_t size, char *why, size_t len)
{
	struct cron_spec c, c2;
	struct ops_err	 e, e2;
	char		*s;
	const char	*m;
	time_t		 after = 1800000000, next;
	int		 rc, rc2;

	if ((s = malloc(size + 1)) == NULL)
		return 0;
	memcpy(s, data, size);
	s[size] = '\0';
	rc = cron_parse(s, &c, &e);
	rc2 = cron_parse(s, &c2, &e2);
	if (rc != rc2 || (rc != OPS_OK && strcmp(ops_err_msg(&e),
	    ops_err_msg(&e2)) != 0)) {
		free(s);
		return fail(why, len, "two verdicts for one input");
	}
	free(s);
	if (rc != OPS_OK) {
		if (rc != OPS_E_INVAL)
			return fail(why, len, "a refusal that is not INVAL");
		for (m = ops_err_msg(&e); *m != '\0'; m++)
			if ((unsigned char)*m < 0x20 || (unsigned char)*m >= 0x7f)
				return fail(why, len, "an unprintable message");
		return 0;
	}
	if (c.minute == 0 || c.minute >> 60 != 0 || c.hour == 0 ||
	    c.hour >> 24 != 0 || (c.dom & 1) != 0 || c.dom == 0 ||
	    c.month == 0 || (c.month & 1) != 0 || c.month >> 13 != 0 ||
	    c.dow == 0 || c.dow >> 7 != 0)
		return fail(why, len, "a bit outside a field's range");
	rc = cron_next(&c, "UTC", after, &next, &e);
	if (rc == OPS_OK ? next <= after : rc != OPS_E_NOTFOUND)
		return fail(why, len, "a next fire time not after now");
	return 0;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char	why[128] = "";

	if (fuzz_cron_one(data, size, why, sizeof(why)) != 0)
		abort();
	return 0;
}

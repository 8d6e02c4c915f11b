/*
 * cron.c: cron expressions and their next fire time (cron.h).
 *
 * Next fire: walk the calendar days in the zone (pure date arithmetic),
 * and for the matching wall-clock minutes find the instants that show
 * them (none in a spring gap, two in an autumn overlap) with localtime_r.
 */
#include "config.h"

#include <ctype.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cron.h"

#define DAY		86400LL
#define SCAN_DAYS	(366 * 8 + 2)
/* No zone's offset moves by more than this in one transition. */
#define SHIFT_MAX	(4 * 3600LL)
#define ALL_HOURS	0xffffffu

struct field {
	const char		*name;
	int			 lo, hi;
	const char *const	*names;	/* or NULL */
	int			 name_base;
};

static const char *const month_names[] = {
	"jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep",
	"oct", "nov", "dec", NULL
};
static const char *const day_names[] = {
	"sun", "mon", "tue", "wed", "thu", "fri", "sat", NULL
};

static const struct field fields[5] = {
	{ "minute", 0, 59, NULL, 0 },
	{ "hour", 0, 23, NULL, 0 },
	{ "day-of-month", 1, 31, NULL, 0 },
	{ "month", 1, 12, month_names, 1 },
	{ "day-of-week", 0, 7, day_names, 0 },
};

static const struct {
	const char	*name;
	const char	*expr;
} shorthands[] = {
	{ "@hourly", "0 * * * *" },
	{ "@daily", "0 0 * * *" },
	{ "@midnight", "0 0 * * *" },
	{ "@weekly", "0 0 * * 0" },
	{ "@monthly", "0 0 1 * *" },
	{ "@yearly", "0 0 1 1 *" },
	{ "@annually", "0 0 1 1 *" },
};

/* A number or (for f with names) a name at *p, moved past it. */
static int
value(const struct field *f, const char **p, const char *end, int *out,
    const char *item, int ilen, struct ops_err *err)
{
	const char	*s = *p;
	long		 v = 0;
	int		 i;

	if (s < end && isdigit((unsigned char)*s)) {
		while (s < end && isdigit((unsigned char)*s)) {
			v = v * 10 + (*s++ - '0');
			if (v > 1000)
				break;
		}
	} else if (f->names != NULL && end - s >= 3) {
		for (i = 0; f->names[i] != NULL; i++)
			if (strncasecmp(s, f->names[i], 3) == 0)
				break;
		if (f->names[i] == NULL || (end - s > 3 &&
		    isalpha((unsigned char)s[3])))
			return ops_err_set(err, OPS_E_INVAL, "cron: %s field "
			    "'%.*s': not a number or a %s name", f->name,
			    ilen, item, f->name);
		v = i + f->name_base;
		s += 3;
	} else
		return ops_err_set(err, OPS_E_INVAL, "cron: %s field '%.*s': "
		    "expected a number%s", f->name, ilen, item,
		    f->names != NULL ? " or a name" : "");
	if (v < f->lo || v > f->hi)
		return ops_err_set(err, OPS_E_INVAL, "cron: %s field '%.*s': "
		    "%ld is not from %d to %d", f->name, ilen, item, v, f->lo,
		    f->hi);
	*p = s;
	*out = (int)v;
	return OPS_OK;
}

/* One list item (*, a, a-b, with /n) of f into *bits. */
static int
item(const struct field *f, const char *s, const char *end, uint64_t *bits,
    struct ops_err *err)
{
	const char	*p = s;
	int		 ilen = (int)(end - s), a, b, step = 1, v, rc;

	if (p == end)
		return ops_err_set(err, OPS_E_INVAL, "cron: %s field: an empty "
		    "list item", f->name);
	if (*p == '*') {
		a = f->lo;
		b = f->hi;
		p++;
	} else {
		if ((rc = value(f, &p, end, &a, s, ilen, err)) != OPS_OK)
			return rc;
		b = a;
		if (p < end && *p == '-') {
			p++;
			if ((rc = value(f, &p, end, &b, s, ilen, err)) !=
			    OPS_OK)
				return rc;
			if (b < a)
				return ops_err_set(err, OPS_E_INVAL, "cron: %s "
				    "field '%.*s': the range ends before it "
				    "starts", f->name, ilen, s);
		} else if (p < end && *p == '/')
			b = f->hi;	/* a/n: from a to the end */
	}
	if (p < end && *p == '/') {
		p++;
		if (p == end || !isdigit((unsigned char)*p))
			return ops_err_set(err, OPS_E_INVAL, "cron: %s field "
			    "'%.*s': a step needs a number", f->name, ilen, s);
		for (step = 0; p < end && isdigit((unsigned char)*p); p++) {
			step = step * 10 + (*p - '0');
			if (step > f->hi + 1)
				break;
		}
		if (step < 1 || step > f->hi - f->lo + 1)
			return ops_err_set(err, OPS_E_INVAL, "cron: %s field "
			    "'%.*s': the step is not from 1 to %d", f->name,
			    ilen, s, f->hi - f->lo + 1);
	}
	if (p != end)
		return ops_err_set(err, OPS_E_INVAL, "cron: %s field '%.*s': "
		    "unexpected '%c'", f->name, ilen, s, *p);
	for (v = a; v <= b; v += step)
		*bits |= 1ULL << (f == &fields[4] && v == 7 ? 0 : v);
	return OPS_OK;
}

static int
field(const struct field *f, const char *s, const char *end, uint64_t *bits,
    struct ops_err *err)
{
	const char	*comma;
	int		 rc;

	*bits = 0;
	for (;;) {
		comma = memchr(s, ',', (size_t)(end - s));
		if ((rc = item(f, s, comma != NULL ? comma : end, bits,
		    err)) != OPS_OK)
			return rc;
		if (comma == NULL)
			return OPS_OK;
		s = comma + 1;
	}
}

int
cron_parse(const char *text, struct cron_spec *out, struct ops_err *err)
{
	const char	*p, *start[5], *end[5];
	uint64_t	 bits[5];
	size_t		 len = strnlen(text, CRON_TEXT_MAX + 1), i;
	int		 n = 0, rc;

	memset(out, 0, sizeof(*out));
	if (len > CRON_TEXT_MAX)
		return ops_err_set(err, OPS_E_INVAL, "cron: longer than %d "
		    "bytes", CRON_TEXT_MAX);
	for (i = 0; i < len; i++)
		if (!isalnum((unsigned char)text[i]) &&
		    strchr(" \t*,/-@", text[i]) == NULL)
			return ops_err_set(err, OPS_E_INVAL, "cron: unexpected "
			    "character at position %zu", i + 1);
	p = text + strspn(text, " \t");
	if (*p == '@') {
		len = strcspn(p, " \t");
		for (i = 0; i < sizeof(shorthands) / sizeof(shorthands[0]); i++)
			if (strlen(shorthands[i].name) == len &&
			    strncasecmp(p, shorthands[i].name, len) == 0 &&
			    p[len + strspn(p + len, " \t")] == '\0')
				return cron_parse(shorthands[i].expr, out, err);
		return ops_err_set(err, OPS_E_INVAL, "cron: '%.*s' is not one "
		    "of @hourly @daily @midnight @weekly @monthly @yearly "
		    "@annually", (int)(len > 16 ? 16 : len), p);
	}
	while (*p != '\0') {
		if (n == 5)
			return ops_err_set(err, OPS_E_INVAL, "cron: more than 5 "
			    "fields (M H DOM MON DOW)");
		start[n] = p;
		p += strcspn(p, " \t");
		end[n++] = p;
		p += strspn(p, " \t");
	}
	if (n != 5)
		return ops_err_set(err, OPS_E_INVAL, "cron: expected 5 fields "
		    "(M H DOM MON DOW), got %d", n);
	for (i = 0; i < 5; i++)
		if ((rc = field(&fields[i], start[i], end[i], &bits[i], err)) !=
		    OPS_OK)
			return rc;
	out->minute = bits[0];
	out->hour = (uint32_t)bits[1];
	out->dom = (uint32_t)bits[2];
	out->month = (uint16_t)bits[3];
	out->dow = (uint8_t)bits[4];
	out->dom_star = *start[2] == '*';
	out->dow_star = *start[4] == '*';
	return OPS_OK;
}

int
cron_zone_check(const char *zone, struct ops_err *err)
{
	const char	*dir = getenv("TZDIR");
	char		 path[512], magic[4];
	struct stat	 st;
	size_t		 len = strnlen(zone, CRON_ZONE_MAX + 1), i;
	int		 fd, ok;

	if (len == 0 || len > CRON_ZONE_MAX)
		return ops_err_set(err, OPS_E_INVAL, "time zone: a name of 1 "
		    "to %d characters, such as Europe/Berlin", CRON_ZONE_MAX);
	for (i = 0; i < len; i++)
		if (!isalnum((unsigned char)zone[i]) &&
		    strchr("/_+-", zone[i]) == NULL)
			return ops_err_set(err, OPS_E_INVAL, "time zone: not a "
			    "zone name (letters, digits, / _ + -)");
	if (zone[0] == '/' || strstr(zone, "//") != NULL)
		return ops_err_set(err, OPS_E_INVAL, "time zone: not a zone "
		    "name");
	snprintf(path, sizeof(path), "%s/%s", dir != NULL && *dir != '\0' ?
	    dir : "/usr/share/zoneinfo", zone);
	if ((fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW)) == -1 &&
	    (fd = open(path, O_RDONLY | O_CLOEXEC)) == -1)
		return ops_err_set(err, OPS_E_INVAL, "time zone %s is not "
		    "known on this system", zone);
	ok = fstat(fd, &st) == 0 && S_ISREG(st.st_mode) &&
	    read(fd, magic, 4) == 4 && memcmp(magic, "TZif", 4) == 0;
	close(fd);
	if (!ok)
		return ops_err_set(err, OPS_E_INVAL, "time zone %s is not "
		    "known on this system", zone);
	return OPS_OK;
}

/* ---- calendar arithmetic (proleptic Gregorian; H. Hinnant's) -------- */

static void
civil_from_days(long long z, long long *y, int *m, int *d)
{
	long long	era, doe, yoe, doy, mp;

	z += 719468;
	era = (z >= 0 ? z : z - 146096) / 146097;
	doe = z - era * 146097;
	yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	mp = (5 * doy + 2) / 153;
	*d = (int)(doy - (153 * mp + 2) / 5 + 1);
	*m = (int)(mp < 10 ? mp + 3 : mp - 9);
	*y = yoe + era * 400 + (*m <= 2);
}

/* ---- the zone ------------------------------------------------------- */

struct tz_switch {
	char	*old;
	int	 had, set;
};

static int
tz_enter(const char *zone, struct tz_switch *s, struct ops_err *err)
{
	const char	*o;

	memset(s, 0, sizeof(*s));
	if (zone == NULL)
		return OPS_OK;
	if ((o = getenv("TZ")) != NULL && (s->old = strdup(o)) == NULL)
		return ops_err_set(err, OPS_E_NOMEM, "out of memory");
	s->had = o != NULL;
	if (setenv("TZ", zone, 1) != 0) {
		free(s->old);
		return ops_err_set(err, OPS_E_NOMEM, "out of memory");
	}
	tzset();
	s->set = 1;
	return OPS_OK;
}

static void
tz_leave(struct tz_switch *s)
{
	if (!s->set)
		return;
	if (s->had)
		(void)setenv("TZ", s->old, 1);
	else
		(void)unsetenv("TZ");
	free(s->old);
	tzset();
}

/* Local wall time of t as seconds since the epoch ("naive"). */
static long long
naive_of(long long t)
{
	time_t		tt = (time_t)t;
	struct tm	tm;

	if (localtime_r(&tt, &tm) == NULL)
		return t;
	return t + tm.tm_gmtoff;
}

/*
 * The instants whose wall time is n: 1 or 2 of them (ascending) into
 * at[], or 0 with *gap the first instant after the gap n falls in.
 */
static int
instants(long long n, long long at[2], long long *gap)
{
	long long	oa = naive_of(n - DAY) - (n - DAY);
	long long	ob = naive_of(n + DAY) - (n + DAY);
	long long	c[2] = { n - oa, n - ob }, lo, hi, mid;
	int		k = 0, i;

	for (i = 0; i < 2; i++)
		if (naive_of(c[i]) == n && (k == 0 || at[0] != c[i]))
			at[k++] = c[i];
	if (k == 2 && at[1] < at[0]) {
		lo = at[0];
		at[0] = at[1];
		at[1] = lo;
	}
	if (k > 0 || ob <= oa)
		return k;
	/* spring gap: naive_of rises over [n - ob, n - oa]; the first
	 * instant that shows a time at or past n */
	lo = n - ob;
	hi = n - oa;
	while (lo < hi) {
		mid = lo + (hi - lo) / 2;
		if (naive_of(mid) >= n)
			hi = mid;
		else
			lo = mid + 1;
	}
	*gap = lo;
	return 0;
}

static int
day_matches(const struct cron_spec *c, int m, int d, int wday)
{
	int	dm = (c->dom >> d) & 1, wm = (c->dow >> wday) & 1;

	if (!((c->month >> m) & 1))
		return 0;
	return c->dom_star || c->dow_star ? dm && wm : dm || wm;
}

int
cron_next(const struct cron_spec *c, const char *zone, time_t after,
    time_t *next, struct ops_err *err)
{
	struct tz_switch s;
	long long	 a = (long long)after, day0, day, n, best = -1;
	long long	 best_n = 0, at[2], gap = 0, y, cand, na;
	int		 m, d, h, mi, k, i, rc, full = c->hour == ALL_HOURS;

	if ((rc = tz_enter(zone, &s, err)) != OPS_OK)
		return rc;
	/* from the day before after's local day: overlaps reach back */
	na = naive_of(a);
	day0 = (na - (((na % DAY) + DAY) % DAY)) / DAY - 1;
	for (day = day0; day < day0 + SCAN_DAYS; day++) {
		if (best >= 0 && day * DAY > best_n + SHIFT_MAX)
			break;
		civil_from_days(day, &y, &m, &d);
		/* 1970-01-01 was a Thursday */
		if (!day_matches(c, m, d, (int)(((day % 7) + 11) % 7)))
			continue;
		for (h = 0; h < 24; h++) {
			if (!((c->hour >> h) & 1))
				continue;
			for (mi = 0; mi < 60; mi++) {
				if (!((c->minute >> mi) & 1))
					continue;
				n = day * DAY + h * 3600LL + mi * 60LL;
				if (n + 2 * SHIFT_MAX <= na)
					continue;
				if (best >= 0 && n > best_n + SHIFT_MAX)
					break;
				k = instants(n, at, &gap);
				/* every hour: real time, both repeated
				 * hours; else once per wall time */
				for (i = 0; i < (k == 0 ? 1 : full ? k : 1);
				    i++) {
					if (k == 0 && full)
						break;
					cand = k == 0 ? gap : at[i];
					if (cand > a && (best < 0 ||
					    cand < best)) {
						best = cand;
						best_n = n;
					}
				}
			}
		}
	}
	tz_leave(&s);
	if (best < 0)
		return ops_err_set(err, OPS_E_NOTFOUND, "cron: the schedule "
		    "never fires (no matching day within 8 years)");
	*next = (time_t)best;
	return OPS_OK;
}

/*
 * cron.h: five-field cron expressions and their next fire time in an
 * IANA time zone, for schedules.
 *
 * Syntax: "M H DOM MON DOW" with *, numbers, ranges a-b, lists a,b,c and
 * steps (*\/n, a-b/n, a/n = a-max/n); month names jan-dec and day names
 * sun-sat (any case); DOW 0-7 with 0 and 7 both Sunday. Shorthands
 * @hourly, @daily (@midnight), @weekly, @monthly, @yearly (@annually).
 * As in Vixie cron, when both DOM and DOW are restricted (neither starts
 * with '*') a day matches when either does.
 *
 * Time zones and DST: a schedule whose hour field names particular
 * hours runs once per matching wall-clock time. A wall time that does
 * not exist (the spring gap) runs at the first minute after the gap; one
 * that exists twice (the autumn overlap) runs at its first occurrence
 * only. A schedule that runs every hour (hour field "*") is scheduled on
 * real time: it runs in both repeated hours and skips none (cronie's
 * rule for jobs more frequent than hourly).
 *
 * The zone is switched with TZ for the length of a call and put back
 * (the daemon is single-threaded); nothing else of the process changes.
 */
#ifndef OPS_CRON_H
#define OPS_CRON_H

#include <stdint.h>
#include <time.h>

#include "error.h"

#define CRON_TEXT_MAX	256	/* bytes of an expression */
#define CRON_ZONE_MAX	64	/* bytes of a zone name */

struct cron_spec {
	uint64_t	minute;		/* bit 0..59 */
	uint32_t	hour;		/* bit 0..23 */
	uint32_t	dom;		/* bit 1..31 */
	uint16_t	month;		/* bit 1..12 */
	uint8_t		dow;		/* bit 0..6, 0 Sunday */
	unsigned	dom_star:1;	/* DOM began with '*' */
	unsigned	dow_star:1;
};

/* Parse text; OPS_E_INVAL with the field and the problem in err. */
int	cron_parse(const char *text, struct cron_spec *out,
	    struct ops_err *err);
/* OPS_OK when zone names a time zone of this system (its file under
 * /usr/share/zoneinfo or $TZDIR), OPS_E_INVAL otherwise. */
int	cron_zone_check(const char *zone, struct ops_err *err);
/*
 * The first fire time strictly after `after`, in zone (NULL: the
 * process's own zone), into *next. OPS_E_NOTFOUND when it never fires
 * (e.g. "0 0 30 2 *") within the next eight years.
 */
int	cron_next(const struct cron_spec *c, const char *zone, time_t after,
	    time_t *next, struct ops_err *err);

#endif

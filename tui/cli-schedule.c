/*
 * cli-schedule.c: "opsicle schedule add|list|show|pause|resume|rm|next".
 *
 * add checks what it can here first (exactly one of --cron, --every and
 * --at, the cron expression, the zone, the durations, --missed and
 * --overlap); the daemon checks everything again, the automation and
 * its parameter values (automation_bind) too, and stores nothing on a
 * refusal. A refused input is a usage error: exit 2. -p NAME=VALUE as in
 * automation run (a secret value is sealed by the daemon and never shown
 * again). Times print in the local zone; next prints the schedule's zone
 * and UTC side by side.
 */
#include "config.h"

#include <errno.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <sodium.h>

#include "automation.h"
#include "cron.h"
#include "termsafe.h"
#include "tui.h"

static cli_exec_fn	cli_schedule_add, cli_schedule_list, cli_schedule_show,
			cli_schedule_name, cli_schedule_next;

#define ADD_DETAILS \
	"  --cron 'M H DOM MON DOW'  five fields, or @hourly @daily " \
	"@weekly @monthly\n" \
	"  --every DURATION       e.g. 30s, 5m, 1h30m (at least 1s, at most " \
	"7d)\n" \
	"  --at 'YYYY-MM-DD HH:MM'  once, in --tz\n" \
	"  --tz ZONE              an IANA zone (default: the daemon's)\n" \
	"  --missed skip|run-once  after downtime: none, or one catch-up run " \
	"(default)\n" \
	"  --overlap skip|queue   while the previous job runs: skip " \
	"(default) or queue\n" \
	"  --jitter DURATION      a random delay up to it before each run\n" \
	"  --until DATE           no runs after 'YYYY-MM-DD[ HH:MM]'\n" \
	"  --max-runs N           end after N runs\n" \
	"Jobs are requested by schedule:NAME (job list, audit)."

const struct cmd_entry cmd_schedule_add_entry = {
	.name = "schedule add",
	.usage = "schedule add NAME --automation A [-p NAME=VALUE]... "
	    "[SELECTOR...] (--cron EXPR | --every DURATION | --at "
	    "'YYYY-MM-DD HH:MM') [--tz ZONE] [--missed skip|run-once] "
	    "[--overlap skip|queue] [--jitter DURATION] [--until DATE] "
	    "[--max-runs N] [--json]",
	.help = "run an automation on a clock: cron, every DURATION or once at "
	    "a time",
	.details = ADD_DETAILS,
	.min_args = 1, .max_args = -1,
	.options = "automation= param=* cron= every= at= tz= missed= "
	    "overlap= jitter= until= max-runs= json",
	.flags = CMD_RW,
	.type = PROTO_SCHEDULE_ADD,
	.exec = cli_schedule_add,
};

const struct cmd_entry cmd_schedule_list_entry = {
	.name = "schedule list",
	.alias = "schedule ls",
	.usage = "schedule list [--json]",
	.help = "list schedules with their next fire time and runs",
	.min_args = 0, .max_args = 0,
	.options = "json",
	.flags = CMD_RO,
	.type = PROTO_SCHEDULE_LIST,
	.exec = cli_schedule_list,
};

const struct cmd_entry cmd_schedule_show_entry = {
	.name = "schedule show",
	.usage = "schedule show NAME [--json]",
	.help = "show a schedule and what its recent fire times did (fired, "
	    "missed, skipped)",
	.min_args = 1, .max_args = 1,
	.options = "json",
	.flags = CMD_RO,
	.type = PROTO_SCHEDULE_SHOW,
	.exec = cli_schedule_show,
};

const struct cmd_entry cmd_schedule_pause_entry = {
	.name = "schedule pause",
	.usage = "schedule pause NAME [--json]",
	.help = "stop a schedule from firing until it is resumed",
	.min_args = 1, .max_args = 1,
	.options = "json",
	.flags = CMD_RW,
	.type = PROTO_SCHEDULE_PAUSE,
	.exec = cli_schedule_name,
};

const struct cmd_entry cmd_schedule_resume_entry = {
	.name = "schedule resume",
	.usage = "schedule resume NAME [--json]",
	.help = "let a paused schedule fire again (from now on)",
	.min_args = 1, .max_args = 1,
	.options = "json",
	.flags = CMD_RW,
	.type = PROTO_SCHEDULE_RESUME,
	.exec = cli_schedule_name,
};

const struct cmd_entry cmd_schedule_rm_entry = {
	.name = "schedule rm",
	.alias = "schedule remove",
	.usage = "schedule rm NAME [--json]",
	.help = "remove a schedule (its jobs stay in the history)",
	.min_args = 1, .max_args = 1,
	.options = "json",
	.flags = CMD_RW,
	.type = PROTO_SCHEDULE_RM,
	.exec = cli_schedule_name,
};

const struct cmd_entry cmd_schedule_next_entry = {
	.name = "schedule next",
	.usage = "schedule next NAME [--count K] [--json]",
	.help = "the next K (default 5) fire times, in the schedule's zone and "
	    "in UTC",
	.min_args = 1, .max_args = 1,
	.options = "count= json",
	.flags = CMD_RO,
	.type = PROTO_SCHEDULE_NEXT,
	.exec = cli_schedule_next,
};

/* ---- helpers ------------------------------------------------------------- */

static int	usage_err(const char *fmt, ...)
		    __attribute__((format(printf, 1, 2)));

static int
usage_err(const char *fmt, ...)
{
	va_list	ap;

	fprintf(stderr, "opsicle schedule add: ");
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	return EXIT_USAGE;
}

/* t (unix s) as "YYYY-MM-DD HH:MM:SS ZONE" in zone (NULL: UTC). */
static void
zone_time(long long t, const char *zone, char *buf, size_t len)
{
	char		*old = getenv("TZ") != NULL ? strdup(getenv("TZ")) : NULL;
	time_t		 tt = (time_t)t;
	struct tm	 tm;

	if (t <= 0) {
		snprintf(buf, len, "-");
		free(old);
		return;
	}
	if (zone == NULL) {
		gmtime_r(&tt, &tm);
		strftime(buf, len, "%Y-%m-%d %H:%M:%S UTC", &tm);
		free(old);
		return;
	}
	setenv("TZ", zone, 1);
	tzset();
	localtime_r(&tt, &tm);
	strftime(buf, len, "%Y-%m-%d %H:%M:%S %Z", &tm);
	if (old != NULL)
		setenv("TZ", old, 1);
	else
		unsetenv("TZ");
	tzset();
	free(old);
}

/* -p values into m's params (as automation run: NAME=VALUE only). */
static void
add_params(const struct cli_args *a, json_t *m)
{
	const char	**v = NULL;
	json_t		 *arr;
	size_t		  n, i;

	if ((n = cli_opt_all(a, "param", &v)) > 0) {
		arr = json_array();
		for (i = 0; i < n; i++)
			json_array_append_new(arr, json_string(v[i]));
		json_object_set_new(m, "params", arr);
	}
	free(v);
}

static void
wipe_params(json_t *m)
{
	const json_t	*v;
	size_t		 i;

	json_array_foreach(json_object_get(m, "params"), i, v)
		sodium_memzero((void *)(uintptr_t)json_string_value(v),
		    json_string_length(v));
}

/* ---- add ----------------------------------------------------------------- */

static int
add_checked(const struct cli_args *a, json_t *m)
{
	struct cron_spec	 c;
	struct ops_err		 err;
	const char		*v;
	char			*end;
	int			 ms, n = 0;
	long			 runs;
	json_t			*sel;

	if ((v = cli_opt(a, "automation")) == NULL)
		return usage_err("%s", "--automation A is required");
	json_object_set_new(m, "automation", json_string(v));
	n = (cli_opt(a, "cron") != NULL) + (cli_opt(a, "every") != NULL) +
	    (cli_opt(a, "at") != NULL);
	if (n != 1)
		return usage_err("%s", "give exactly one of --cron, --every "
		    "and --at");
	if ((v = cli_opt(a, "cron")) != NULL) {
		if (cron_parse(v, &c, &err) != OPS_OK)
			return usage_err("--cron: %s", ops_err_msg(&err));
		json_object_set_new(m, "cron", json_string(v));
	}
	if ((v = cli_opt(a, "every")) != NULL) {
		if (auto_duration_ms(v, &ms) != 0 || ms < 1000)
			return usage_err("--every %s: a duration of at least "
			    "1s (like 30s, 5m, 1h30m; at most 7d)", v);
		json_object_set_new(m, "every", json_integer(ms));
	}
	if ((v = cli_opt(a, "at")) != NULL)
		json_object_set_new(m, "at", json_string(v));
	if ((v = cli_opt(a, "tz")) != NULL) {
		if (cron_zone_check(v, &err) != OPS_OK)
			return usage_err("--tz: %s", ops_err_msg(&err));
		json_object_set_new(m, "tz", json_string(v));
	}
	if ((v = cli_opt(a, "missed")) != NULL) {
		if (strcmp(v, "skip") != 0 && strcmp(v, "run-once") != 0)
			return usage_err("--missed is skip or run-once, not "
			    "\"%s\"", v);
		json_object_set_new(m, "missed", json_string(v));
	}
	if ((v = cli_opt(a, "overlap")) != NULL) {
		if (strcmp(v, "skip") != 0 && strcmp(v, "queue") != 0)
			return usage_err("--overlap is skip or queue, not "
			    "\"%s\"", v);
		json_object_set_new(m, "overlap", json_string(v));
	}
	if ((v = cli_opt(a, "jitter")) != NULL) {
		if (auto_duration_ms(v, &ms) != 0)
			return usage_err("--jitter %s: not a duration (like "
			    "30s, 5m)", v);
		json_object_set_new(m, "jitter", json_integer(ms));
	}
	if ((v = cli_opt(a, "until")) != NULL)
		json_object_set_new(m, "until", json_string(v));
	if ((v = cli_opt(a, "max-runs")) != NULL) {
		errno = 0;
		runs = strtol(v, &end, 10);
		if (*v == '\0' || *end != '\0' || errno != 0 || runs < 1 ||
		    runs > 1000000000)
			return usage_err("--max-runs %s: a positive number", v);
		json_object_set_new(m, "max_runs", json_integer(runs));
	}
	if (a->npos > 1) {
		sel = json_array();
		for (n = 1; n < a->npos; n++)
			json_array_append_new(sel, json_string(a->pos[n]));
		json_object_set_new(m, "selectors", sel);
	}
	add_params(a, m);
	return 0;
}

static int
cli_schedule_add(const struct cli_args *a)
{
	struct cli_conn	 c;
	struct ops_err	 err;
	json_t		*m = cli_msg(a), *r = NULL;
	char		 when[64];
	int		 rc;

	json_object_set_new(m, "name", json_string(a->pos[0]));
	if ((rc = add_checked(a, m)) != 0) {
		wipe_params(m);
		json_decref(m);
		return rc;
	}
	if ((rc = client_open(&c, !a->no_start && (a->e->flags &
	    CMD_F_START_DAEMON), &err)) != OPS_OK) {
		cli_errmsg(NULL, ops_err_msg(&err));
		rc = c.refused ? EXIT_REFUSED : EXIT_NODAEMON;
		goto out;
	}
	if ((rc = client_request(&c, m, &r, &err)) != OPS_OK) {
		cli_errmsg(a->e->name, ops_err_msg(&err));
		/* a refused input: the daemon stored nothing */
		rc = !c.refused ? EXIT_NODAEMON : err.code == OPS_E_INVAL ||
		    err.code == OPS_E_NOTFOUND || err.code == OPS_E_EXISTS ?
		    EXIT_USAGE : EXIT_REFUSED;
	} else if (a->json)
		cli_print_json(r);
	else {
		cli_time(cli_int(r, "next_fire") * 1000, when, sizeof(when));
		printf("schedule ");
		cli_safe_puts(stdout, cli_str(r, "name"));
		printf(" added; first run %s\n", when);
	}
	client_close(&c);
out:
	wipe_params(m);
	json_decref(m);
	json_decref(r);
	return rc;
}

/* ---- list, show ---------------------------------------------------------- */

static void
when_of(const json_t *o, char *buf, size_t len)
{
	const char	*kind = cli_str(o, "kind");

	snprintf(buf, len, "%s %s", kind, cli_str(o, "spec"));
}

#define LIST_COLS	7

static void
show_list(const struct cli_args *a, const json_t *r)
{
	static const char *const hdr[LIST_COLS] = { "NAME", "AUTOMATION",
	    "WHEN", "TZ", "NEXT", "RUNS", "STATE" };
	char		**cells, buf[128];
	const json_t	*o;
	size_t		  n = json_array_size(r), i, k = 0;

	(void)a;
	if ((cells = calloc((n + 1) * LIST_COLS, sizeof(*cells))) == NULL)
		return;
	for (i = 0; i < LIST_COLS; i++)
		cells[k++] = strdup(hdr[i]);
	for (i = 0; i < n; i++) {
		o = json_array_get(r, i);
		cells[k++] = strdup(cli_str(o, "name"));
		cells[k++] = strdup(cli_str(o, "automation"));
		when_of(o, buf, sizeof(buf));
		cells[k++] = strdup(buf);
		cells[k++] = strdup(cli_str(o, "tz"));
		cli_time(cli_int(o, "next_fire") * 1000, buf, sizeof(buf));
		cells[k++] = strdup(buf);
		snprintf(buf, sizeof(buf), "%lld", cli_int(o, "runs"));
		cells[k++] = strdup(buf);
		cells[k++] = strdup(json_is_true(json_object_get(o,
		    "paused")) ? "paused" : cli_int(o, "next_fire") > 0 ?
		    "active" : "ended");
	}
	for (i = 0; i < k; i++)
		if (cells[i] == NULL)
			cells[i] = strdup("-");
	cli_table(cells, n + 1, LIST_COLS);
	for (i = 0; i < k; i++)
		free(cells[i]);
	free(cells);
}

static int
cli_schedule_list(const struct cli_args *a)
{
	json_t	*m = cli_msg(a);
	int	 rc = cli_send(a, m, show_list);

	json_decref(m);
	return rc;
}

static void
show_one(const struct cli_args *a, const json_t *r)
{
	const json_t	*e, *p;
	char		 buf[128];
	size_t		 i;

	(void)a;
	printf("name:       ");
	cli_safe_puts(stdout, cli_str(r, "name"));
	printf("\nautomation: ");
	cli_safe_puts(stdout, cli_str(r, "automation"));
	when_of(r, buf, sizeof(buf));
	printf("\nwhen:       ");
	cli_safe_puts(stdout, buf);
	printf(" (%s)\n", cli_str(r, "tz"));
	printf("selectors: ");
	json_array_foreach(json_object_get(r, "selectors"), i, p) {
		putchar(' ');
		cli_safe_puts(stdout, json_string_value(p));
	}
	if (json_array_size(json_object_get(r, "selectors")) == 0)
		printf(" (the automation's targets)");
	printf("\nmissed:     %s\noverlap:    %s\n", cli_str(r, "missed"),
	    cli_str(r, "overlap"));
	if (cli_int(r, "jitter") > 0)
		printf("jitter:     %lldms\n", cli_int(r, "jitter"));
	if (cli_int(r, "until") > 0) {
		cli_time(cli_int(r, "until") * 1000, buf, sizeof(buf));
		printf("until:      %s\n", buf);
	}
	if (cli_int(r, "max_runs") > 0)
		printf("max runs:   %lld\n", cli_int(r, "max_runs"));
	printf("state:      %s\nruns:       %lld\n",
	    json_is_true(json_object_get(r, "paused")) ? "paused" :
	    cli_int(r, "next_fire") > 0 ? "active" : "ended",
	    cli_int(r, "runs"));
	cli_time(cli_int(r, "next_fire") * 1000, buf, sizeof(buf));
	printf("next:       %s\n", buf);
	cli_time(cli_int(r, "last_fire") * 1000, buf, sizeof(buf));
	printf("last:       %s\n", buf);
	json_array_foreach(json_object_get(r, "params"), i, p) {
		printf("param:      ");
		cli_safe_puts(stdout, cli_str(p, "name"));
		printf(" = ");
		cli_safe_puts(stdout, cli_str(p, "value"));
		putchar('\n');
	}
	printf("history:\n");
	json_array_foreach(json_object_get(r, "events"), i, e) {
		cli_time(cli_int(e, "time") * 1000, buf, sizeof(buf));
		printf("  %s  %-15s", buf, cli_str(e, "what"));
		if (cli_int(e, "job") > 0)
			printf(" job %lld", cli_int(e, "job"));
		if (json_is_string(json_object_get(e, "detail"))) {
			printf("  ");
			cli_safe_puts(stdout, cli_str(e, "detail"));
		}
		putchar('\n');
	}
}

/* A request naming pos[0]. */
static json_t *
name_msg(const struct cli_args *a)
{
	json_t	*m = cli_msg(a);

	json_object_set_new(m, "name", json_string(a->pos[0]));
	return m;
}

static int
cli_schedule_show(const struct cli_args *a)
{
	json_t	*m = name_msg(a);
	int	 rc = cli_send(a, m, show_one);

	json_decref(m);
	return rc;
}

static void
show_changed(const struct cli_args *a, const json_t *r)
{
	char	when[64];

	printf("schedule ");
	cli_safe_puts(stdout, a->pos[0]);
	if (a->e->type == PROTO_SCHEDULE_RESUME) {
		cli_time(cli_int(r, "next_fire") * 1000, when, sizeof(when));
		printf(" resumed; next run %s\n", when);
	} else
		printf(" %s\n", a->e->type == PROTO_SCHEDULE_PAUSE ? "paused" :
		    "removed");
}

static int
cli_schedule_name(const struct cli_args *a)
{
	json_t	*m = name_msg(a);
	int	 rc = cli_send(a, m, show_changed);

	json_decref(m);
	return rc;
}

/* ---- next ---------------------------------------------------------------- */

static void
show_next(const struct cli_args *a, const json_t *r)
{
	const json_t	*t;
	char		 local[64], utc[64];
	size_t		 i;

	(void)a;
	json_array_foreach(json_object_get(r, "times"), i, t) {
		zone_time(json_integer_value(t), cli_str(r, "tz"), local,
		    sizeof(local));
		zone_time(json_integer_value(t), NULL, utc, sizeof(utc));
		printf("%s  %s\n", local, utc);
	}
}

static int
cli_schedule_next(const struct cli_args *a)
{
	const char	*v = cli_opt(a, "count");
	json_t		*m = name_msg(a);
	char		*end;
	long		 k;
	int		 rc;

	if (v != NULL) {
		errno = 0;
		k = strtol(v, &end, 10);
		if (*v == '\0' || *end != '\0' || errno != 0 || k < 1 ||
		    k > 100) {
			fprintf(stderr, "opsicle schedule next: --count is 1 "
			    "to 100, not \"%s\"\n", v);
			json_decref(m);
			return EXIT_USAGE;
		}
		json_object_set_new(m, "count", json_integer(k));
	}
	rc = cli_send(a, m, show_next);
	json_decref(m);
	return rc;
}

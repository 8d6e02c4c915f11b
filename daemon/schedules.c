/*
 * schedules.c: the daemon's clock for schedules (issue 14).
 *
 * One loop timer waits for the nearest fire time. A fire builds the same
 * job "automation run" would (auto-jobs.c: latest version, the stored
 * values bound again, the selectors resolved then) and hands it to
 * runner_submit, requested by "schedule:NAME"; the schedule's history
 * says what each fire time did (fired, missed, skipped-overlap,
 * skipped-missed, failed-to-start) and each fire is audited.
 *
 * Clocks. --every counts on the monotonic clock (evloop_now_ms): a fire
 * is due every_ms after the one before, whatever the wall clock does;
 * cron and at fire on wall time, rechecked at least once a minute. A
 * fire time is never at or before last_fire, so a clock that goes back
 * repeats nothing. The first tick with the store open (the daemon's
 * start, or an unlock) handles the fire times that passed meanwhile:
 * missed run-once fires once (recorded missed, then fired), missed skip
 * none (recorded skipped-missed).
 *
 * Testing knob: OPSICLE_SCHEDULE_CLOCK_OFFSET (seconds, may be negative)
 * is added to the wall clock schedules read, so a test can be "later".
 */
#include "config.h"

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <sodium.h>

#include "automation.h"
#include "cron.h"
#include "daemon.h"
#include "secret.h"
#include "xmalloc.h"

#define RECHECK_MS	60000	/* wall-clock schedules look again */
#define LOCKED_MS	1000	/* while the store is locked */
#define MISSED_MAX	100000	/* fire times counted after downtime */

/* What the loop remembers of a schedule between ticks. */
struct sched_due {
	int64_t		 id;
	int64_t		 next_fire;	/* the stored value this is for */
	long long	 due_ms;	/* every: monotonic due time */
	long long	 jitter_ms;	/* drawn for this fire time */
	int		 seen;		/* mark and sweep */
};

struct schedules {
	long long		 timer;
	int			 armed;
	int			 caught_up;	/* since the store opened */
	long long		 offset_s;	/* testing knob */
	struct sched_due	*d;
	size_t			 nd;
};

static evloop_timer_cb	tick;

time_t
schedules_now(const struct ops_ctx *ctx)
{
	return time(NULL) + (ctx->schedules != NULL ?
	    (time_t)ctx->schedules->offset_s : 0);
}

int
schedules_init(struct ops_ctx *ctx, struct ops_err *err)
{
	struct schedules	*s = xcalloc(1, sizeof(*s));
	const char		*env;
	char			*end;
	long long		 v;

	if ((env = getenv("OPSICLE_SCHEDULE_CLOCK_OFFSET")) != NULL) {
		errno = 0;
		v = strtoll(env, &end, 10);
		if (*env != '\0' && *end == '\0' && errno == 0 &&
		    llabs(v) < 100LL * 365 * 86400)
			s->offset_s = v;
	}
	ctx->schedules = s;
	if (evloop_timer_add(ctx->loop, 0, tick, ctx, &s->timer,
	    err) != OPS_OK) {
		free(s);
		ctx->schedules = NULL;
		return err->code;
	}
	s->armed = 1;
	return OPS_OK;
}

void
schedules_free(struct ops_ctx *ctx)
{
	struct schedules	*s = ctx->schedules;

	if (s == NULL)
		return;
	if (s->armed && ctx->loop != NULL)
		(void)evloop_timer_del(ctx->loop, s->timer);
	free(s->d);
	free(s);
	ctx->schedules = NULL;
}

void
schedules_changed(struct ops_ctx *ctx)
{
	struct schedules	*s = ctx->schedules;
	struct ops_err		 err;

	if (s == NULL)
		return;
	if (s->armed)
		(void)evloop_timer_del(ctx->loop, s->timer);
	s->armed = evloop_timer_add(ctx->loop, 0, tick, ctx, &s->timer,
	    &err) == OPS_OK;
	if (!s->armed)
		log_warnx(&ctx->log, "schedules: %s", ops_err_msg(&err));
}

/* ---- fire times ---------------------------------------------------------- */

int
schedules_next(const struct store_schedule *s, time_t after, time_t *next,
    struct ops_err *err)
{
	struct cron_spec	c;
	int			rc;

	*next = 0;
	if (strcmp(s->kind, "every") == 0) {
		*next = after + (time_t)((s->every_ms + 999) / 1000);
	} else if (strcmp(s->kind, "cron") == 0) {
		if ((rc = cron_parse(s->spec, &c, err)) != OPS_OK ||
		    (rc = cron_next(&c, s->tz, after, next, err)) != OPS_OK)
			return rc;
	} else
		return OPS_OK;	/* at: once, then never */
	if (s->until > 0 && *next > s->until)
		*next = 0;
	return OPS_OK;
}

int
schedules_parse_time(const char *text, const char *tz, int date_only,
    time_t *out, struct ops_err *err)
{
	struct cron_spec	 c;
	struct tm		 tm;
	char			 expr[64], rest[8];
	int			 y, mo, d, h = 0, mi = 0, n, rc;
	time_t			 t0;

	*out = 0;
	n = sscanf(text, "%4d-%2d-%2d %2d:%2d%7s", &y, &mo, &d, &h, &mi, rest);
	if (!(n == 5 || (date_only && n == 3 && strlen(text) == 10)) ||
	    y < 1970 || y > 9999 || mo < 1 || mo > 12 || d < 1 || d > 31 ||
	    h > 23 || mi > 59 || h < 0 || mi < 0)
		return ops_err_set(err, OPS_E_INVAL, "\"%s\" is not a time as "
		    "YYYY-MM-DD HH:MM%s", text, date_only ? " (or YYYY-MM-DD)" :
		    "");
	/* The zone's wall time through cron_next (DST rules and all): the
	 * first such minute after a day before that date in UTC. */
	memset(&tm, 0, sizeof(tm));
	tm.tm_year = y - 1900;
	tm.tm_mon = mo - 1;
	tm.tm_mday = d;
	tm.tm_hour = h;
	tm.tm_min = mi;
	t0 = timegm(&tm);
	snprintf(expr, sizeof(expr), "%d %d %d %d *", mi, h, d, mo);
	if ((rc = cron_parse(expr, &c, err)) != OPS_OK)
		return rc;
	if (cron_next(&c, tz, t0 - 86400, out, err) != OPS_OK ||
	    *out > t0 + 2 * 86400)
		return ops_err_set(err, OPS_E_INVAL, "%s does not exist in %s",
		    text, tz);
	return OPS_OK;
}

/* ---- firing -------------------------------------------------------------- */

/* "NAME=VALUE" of each stored value (secrets opened; wiped by wipe). */
static char **
assignments(const struct store_job_param_list *pl)
{
	char	**v = xcalloc(pl->n + 1, sizeof(*v));
	size_t	  i, len;

	for (i = 0; i < pl->n; i++) {
		const struct store_job_param *p = &pl->v[i];
		size_t vl = p->secret ? secret_len(p->sealed_value) :
		    strlen(p->value != NULL ? p->value : "");

		len = strlen(p->name) + vl + 2;
		v[i] = xmalloc(len);
		snprintf(v[i], len, "%s=", p->name);
		memcpy(v[i] + strlen(p->name) + 1, p->secret ?
		    (const char *)secret_cdata(p->sealed_value) : p->value !=
		    NULL ? p->value : "", vl);
		v[i][len - 1] = '\0';
	}
	return v;
}

static void
wipe(char **v)
{
	size_t	i;

	for (i = 0; v != NULL && v[i] != NULL; i++) {
		sodium_memzero(v[i], strlen(v[i]));
		free(v[i]);
	}
	free(v);
}

/* The job of one fire time: what automation run would queue. */
static int
submit(struct ops_ctx *ctx, const struct store_schedule *s, int64_t *id,
    struct ops_err *err)
{
	struct store_job_param_list	 pl = { NULL, 0 };
	struct store_automation_doc	*doc = NULL;
	struct automation		*a = NULL;
	struct auto_values		*vals = NULL;
	struct store_target_list	 l = { NULL, 0 };
	struct job_spec			 js;
	const char			**sel = NULL, **names = NULL;
	char				**assign = NULL, actor[160];
	size_t				 nsel = s->nselectors, n = 0, i;
	int				 rc;

	*id = 0;
	if ((rc = auto_load_doc(ctx, s->automation, 0, 0, &doc, &a,
	    err)) != OPS_OK ||
	    (rc = store_schedule_params_get(ctx->store, s->id, 1, &pl,
	    err)) != OPS_OK)
		goto out;
	assign = assignments(&pl);
	if ((rc = automation_bind(a, (const char **)assign, pl.n, &vals,
	    err)) != OPS_OK)
		goto out;
	sel = xcalloc(nsel + 1, sizeof(*sel));
	for (i = 0; i < nsel; i++)
		sel[i] = s->selectors[i];
	if ((rc = auto_targets(ctx, a, &sel, &nsel, NULL, 0, &l, &names, &n,
	    err)) != OPS_OK)
		goto out;
	memset(&js, 0, sizeof(js));
	/* the person who added the schedule asks for its jobs: approvals
	 * never let them approve one */
	js.requester_uid = (uid_t)s->uid;
	js.requester_gid = (gid_t)s->gid;
	snprintf(actor, sizeof(actor), STORE_SCHEDULE_ACTOR "%s", s->name);
	rc = auto_submit(ctx, doc, a, vals, names, n, &js, actor, id, err);
out:
	wipe(assign);
	free(sel);
	free(names);
	store_target_list_free(&l);
	automation_values_free(vals);
	automation_free(a);
	store_automation_doc_free(doc);
	store_job_param_list_free(&pl);
	return rc;
}

static void
record(struct ops_ctx *ctx, const struct store_schedule *s, time_t now,
    const char *what, int64_t job, const char *detail)
{
	struct ops_err	err;

	if (store_schedule_event_add(ctx->store, s->id, now, what, job, detail,
	    &err) != OPS_OK)
		log_warnx(&ctx->log, "schedule %s: %s", s->name,
		    ops_err_msg(&err));
	log_info(&ctx->log, "schedule %s: %s%s%s", s->name, what,
	    detail != NULL ? ": " : "", detail != NULL ? detail : "");
}

/* 1 when s's previous job is still queued or running. */
static int
still_running(struct ops_ctx *ctx, const struct store_schedule *s)
{
	struct store_job	*j = NULL;
	struct ops_err		 err;
	int			 busy;

	if (s->last_job <= 0 || store_job_get(ctx->store, s->last_job, &j,
	    &err) != OPS_OK)
		return 0;
	busy = !events_job_final(j->state);
	store_job_free(j);
	return busy;
}

/* Run the fire time s->next_fire (or, catch-up, a missed one) now. */
static void
fire(struct ops_ctx *ctx, struct store_schedule *s, time_t now)
{
	struct ops_err	 err;
	char		 actor[160], detail[64];
	int64_t		 job = 0;
	time_t		 nominal = s->next_fire > 0 ? s->next_fire : now;

	snprintf(actor, sizeof(actor), STORE_SCHEDULE_ACTOR "%s", s->name);
	if (strcmp(s->overlap, "skip") == 0 && still_running(ctx, s)) {
		snprintf(detail, sizeof(detail), "job %lld still runs",
		    (long long)s->last_job);
		record(ctx, s, now, "skipped-overlap", s->last_job, detail);
	} else if (submit(ctx, s, &job, &err) != OPS_OK) {
		record(ctx, s, now, "failed-to-start", 0, ops_err_msg(&err));
		(void)audit_append(ctx, actor, "schedule.fire", s->name,
		    ops_err_msg(&err), "failed", &err);
	} else {
		snprintf(detail, sizeof(detail), "job %lld", (long long)job);
		record(ctx, s, now, "fired", job, NULL);
		(void)audit_append(ctx, actor, "schedule.fire", s->name,
		    detail, "ok", &err);
		s->runs++;
		s->last_job = job;
	}
	s->last_fire = nominal > s->last_fire ? nominal : s->last_fire;
	if (strcmp(s->kind, "at") == 0 ||
	    (s->max_runs > 0 && s->runs >= s->max_runs))
		s->next_fire = 0;
	else if (schedules_next(s, now > s->last_fire ? now : s->last_fire,
	    &s->next_fire, &err) != OPS_OK) {
		log_warnx(&ctx->log, "schedule %s: %s", s->name,
		    ops_err_msg(&err));
		s->next_fire = 0;
	}
	if (store_schedule_update(ctx->store, s, &err) != OPS_OK)
		log_warnx(&ctx->log, "schedule %s: %s", s->name,
		    ops_err_msg(&err));
}

/* How many fire times of s lie in [s->next_fire, now]. */
static long long
count_missed(const struct store_schedule *s, time_t now)
{
	struct ops_err	err;
	struct store_schedule t = *s;
	long long	n = 0;
	time_t		at = s->next_fire;

	if (strcmp(s->kind, "every") == 0)
		return 1 + (long long)(now - s->next_fire) /
		    ((s->every_ms + 999) / 1000);
	while (at > 0 && at <= now && n < MISSED_MAX) {
		n++;
		if (strcmp(s->kind, "at") == 0 ||
		    schedules_next(&t, at, &at, &err) != OPS_OK)
			break;
	}
	return n;
}

/* The fire times that passed while the daemon was down or locked. */
static void
catch_up(struct ops_ctx *ctx, struct store_schedule *s, time_t now)
{
	struct ops_err	err;
	char		detail[160], when[32];
	struct tm	tm;
	time_t		first = s->next_fire;
	long long	n = count_missed(s, now);

	gmtime_r(&first, &tm);
	strftime(when, sizeof(when), "%Y-%m-%d %H:%M:%S UTC", &tm);
	snprintf(detail, sizeof(detail), "%lld fire time%s missed while the "
	    "daemon was down, the first %s", n, n == 1 ? "" : "s", when);
	if (strcmp(s->missed, "run-once") == 0) {
		record(ctx, s, now, "missed", 0, detail);
		fire(ctx, s, now);
		return;
	}
	record(ctx, s, now, "skipped-missed", 0, detail);
	s->last_fire = s->next_fire;
	if (strcmp(s->kind, "at") == 0)
		s->next_fire = 0;
	else if (schedules_next(s, now, &s->next_fire, &err) != OPS_OK)
		s->next_fire = 0;
	if (store_schedule_update(ctx->store, s, &err) != OPS_OK)
		log_warnx(&ctx->log, "schedule %s: %s", s->name,
		    ops_err_msg(&err));
}

static struct sched_due *
due_of(struct schedules *ss, const struct store_schedule *s, time_t now,
    long long mono)
{
	struct sched_due	*d = NULL;
	size_t			 i;

	for (i = 0; i < ss->nd; i++)
		if (ss->d[i].id == s->id)
			d = &ss->d[i];
	if (d == NULL) {
		ss->d = xreallocarray(ss->d, ss->nd + 1, sizeof(*ss->d));
		d = &ss->d[ss->nd++];
		memset(d, 0, sizeof(*d));
		d->id = s->id;
	}
	if (d->next_fire != s->next_fire || d->due_ms == 0) {
		d->next_fire = s->next_fire;
		d->jitter_ms = s->jitter_ms > 0 ? (long long)
		    randombytes_uniform((uint32_t)s->jitter_ms + 1) : 0;
		d->due_ms = mono + (s->next_fire > now ?
		    (long long)(s->next_fire - now) * 1000 : 0) + d->jitter_ms;
	}
	d->seen = 1;
	return d;
}

static long long
tick(struct evloop *loop, long long id, void *arg)
{
	struct ops_ctx			*ctx = arg;
	struct schedules		*ss = ctx->schedules;
	struct store_schedule_list	 l = { NULL, 0 };
	struct sched_due		*d;
	struct ops_err			 err;
	long long			 mono, wait = RECHECK_MS, left;
	time_t				 now;
	size_t				 i, k;

	(void)loop;
	(void)id;
	if (ctx->store == NULL || jobs_stopping(ctx) || server_stopping(ctx)) {
		ss->caught_up = 0;
		return LOCKED_MS;
	}
	if (store_schedule_list(ctx->store, &l, &err) != OPS_OK) {
		log_warnx(&ctx->log, "schedules: %s", ops_err_msg(&err));
		return LOCKED_MS;
	}
	now = schedules_now(ctx);
	mono = evloop_now_ms();
	for (i = 0; i < ss->nd; i++)
		ss->d[i].seen = 0;
	for (i = 0; i < l.n; i++) {
		struct store_schedule *s = &l.v[i];

		if (s->paused || s->next_fire <= 0)
			continue;
		if (!ss->caught_up && s->next_fire < now)
			catch_up(ctx, s, now);
		if (s->next_fire <= 0)
			continue;
		d = due_of(ss, s, now, mono);
		if (strcmp(s->kind, "every") == 0) {
			if (mono >= d->due_ms && s->next_fire > s->last_fire) {
				long long due = d->due_ms;

				fire(ctx, s, now);
				/* the next one every_ms after this one, on
				 * the monotonic clock */
				d->next_fire = s->next_fire;
				d->due_ms = due + s->every_ms;
				if (d->due_ms <= mono)
					d->due_ms = mono + s->every_ms;
			}
			left = d->due_ms - mono;
		} else {
			left = ((long long)s->next_fire - now) * 1000 +
			    d->jitter_ms;
			if (left <= 0 && s->next_fire > s->last_fire) {
				fire(ctx, s, now);
				if (s->next_fire <= 0)
					continue;
				/* due_of draws anew next tick */
				left = ((long long)s->next_fire - now) * 1000;
			}
		}
		if (left < wait)
			wait = left < 0 ? 0 : left;
	}
	ss->caught_up = 1;
	/* forget removed and ended schedules */
	for (i = k = 0; i < ss->nd; i++)
		if (ss->d[i].seen)
			ss->d[k++] = ss->d[i];
	ss->nd = k;
	store_schedule_list_free(&l);
	return wait < 1 ? 1 : wait;
}

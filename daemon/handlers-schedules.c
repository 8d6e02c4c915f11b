/*
 * handlers-schedules.c: schedule add, list, show, pause, resume, rm and
 * next (schedules.c fires them).
 *
 * add checks everything before anything is stored: exactly one of cron,
 * every and at; the expression; the zone (default: the daemon's own);
 * the automation, its parameter values (automation_bind against the
 * latest version, the same check automation run makes) and the
 * selectors (they must name targets now). Secret values are sealed in
 * the store as an automation job's are. Every request that changes a
 * schedule runs in one transaction with its audit record (dispatch.c).
 */
#include "config.h"

#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "automation.h"
#include "cron.h"
#include "daemon.h"
#include "xmalloc.h"

handler_fn	handle_schedule_add, handle_schedule_list, handle_schedule_show,
		handle_schedule_pause, handle_schedule_resume,
		handle_schedule_rm, handle_schedule_next;

#define S		OPS_PROTO_MAX_NAME
#define EVERY_MAX	(366LL * 86400 * 1000)
#define JITTER_MAX	(86400LL * 1000)
#define MASKED		"***"
#define NEXT_MAX	100
#define EVENTS_SHOWN	20

/* The daemon's own zone: $TZ, else what /etc/localtime links to. */
static void
own_zone(char *buf, size_t len)
{
	const char	*tz = getenv("TZ"), *p;
	char		 link[PATH_MAX];
	ssize_t		 n;

	if (tz != NULL && *tz == ':')
		tz++;
	if (tz != NULL && *tz != '\0') {
		snprintf(buf, len, "%s", tz);
		return;
	}
	snprintf(buf, len, "UTC");
	if ((n = readlink("/etc/localtime", link, sizeof(link) - 1)) <= 0)
		return;
	link[n] = '\0';
	if ((p = strstr(link, "zoneinfo/")) != NULL)
		snprintf(buf, len, "%s", p + strlen("zoneinfo/"));
}

/* The optional choice key of msg, one of a and b (default def). */
static int
choice(const json_t *msg, const char *key, const char *a, const char *b,
    const char *def, const char **out, struct ops_err *err)
{
	int	rc;

	*out = def;
	if (!proto_has(msg, key))
		return OPS_OK;
	if ((rc = proto_get_str(msg, key, out, S, err)) != OPS_OK)
		return rc;
	if (strcmp(*out, a) != 0 && strcmp(*out, b) != 0)
		return ops_err_set(err, OPS_E_INVAL, "--%s is %s "
		    "or %s, not \"%s\"", key, a, b, *out);
	return OPS_OK;
}

/* The when of an add: kind, spec, every_ms and the first fire time. */
static int
add_when(struct ops_ctx *ctx, const json_t *msg, struct store_schedule *s,
    char *every_text, size_t every_len, struct ops_err *err)
{
	struct cron_spec	 c;
	struct ops_err		 e;
	const char		*v = NULL;
	long long		 every = 0;
	time_t			 now = schedules_now(ctx), t;
	int			 n, rc;

	n = proto_has(msg, "cron") + proto_has(msg, "every") +
	    proto_has(msg, "at");
	if (n != 1)
		return ops_err_set(err, OPS_E_INVAL, "give "
		    "exactly one of --cron, --every and --at");
	if (proto_has(msg, "cron")) {
		if ((rc = proto_get_str(msg, "cron", &v, S, err)) != OPS_OK)
			return rc;
		if (cron_parse(v, &c, &e) != OPS_OK)
			return ops_err_set(err, OPS_E_INVAL, "--cron %s: %s", v, ops_err_msg(&e));
		s->kind = "cron";
	} else if (proto_has(msg, "every")) {
		if ((rc = proto_get_int(msg, "every", LLONG_MIN, LLONG_MAX,
		    &every, err)) != OPS_OK)
			return rc;
		if (every < 1000 || every > EVERY_MAX)
			return ops_err_set(err, OPS_E_INVAL, "--every is 1 s to 366 days");
		s->kind = "every";
		s->every_ms = every;
		if (every % 1000 == 0)
			snprintf(every_text, every_len, "%llds", every / 1000);
		else
			snprintf(every_text, every_len, "%lldms", every);
		v = every_text;
	} else {
		if ((rc = proto_get_str(msg, "at", &v, S, err)) != OPS_OK)
			return rc;
		s->kind = "at";
	}
	s->spec = (char *)v;
	if (strcmp(s->kind, "at") == 0) {
		if (schedules_parse_time(v, s->tz, 0, &t, &e) != OPS_OK)
			return ops_err_set(err, OPS_E_INVAL, "--at: %s", ops_err_msg(&e));
		if (t <= now)
			return ops_err_set(err, OPS_E_INVAL, "--at %s (%s) is in the past", v, s->tz);
		s->next_fire = t;
		if (s->until > 0 && t > s->until)
			return ops_err_set(err, OPS_E_INVAL, "--at is after --until");
		return OPS_OK;
	}
	if (schedules_next(s, now, &t, &e) != OPS_OK)
		return ops_err_set(err, OPS_E_INVAL, "%s",
		    ops_err_msg(&e));
	if (t == 0)
		return ops_err_set(err, OPS_E_INVAL, "it would "
		    "never fire (--until is before its first fire time)");
	s->next_fire = t;
	return OPS_OK;
}

/* The automation and values of an add: bound and checked, as specs. */
static int
add_what(struct ops_ctx *ctx, struct client *c, json_t *msg,
    struct store_schedule *s, struct automation **ap,
    struct auto_values **valsp, struct store_param_spec **specs,
    size_t *nspecs, struct ops_err *err)
{
	struct store_automation_doc	*doc = NULL;
	struct automation		*a = NULL;
	struct auto_values		*vals = NULL;
	struct store_target_list	 l = { NULL, 0 };
	const char			**assign = NULL, **sel = NULL;
	const char			**names = NULL;
	size_t				 nassign = 0, nsel = 0, n = 0;
	int				 rc;

	if ((rc = auto_get_assign(msg, &assign, &nassign, err)) != OPS_OK)
		goto out;
	if ((rc = auto_load_doc(ctx, s->automation, 0, 0, &doc, &a,
	    err)) != OPS_OK) {
		if (rc == OPS_E_NOTFOUND)
			rc = ops_err_set(err, OPS_E_NOTFOUND, "no automation %s", s->automation);
		goto out;
	}
	if ((rc = automation_bind(a, assign, nassign, &vals, err)) != OPS_OK ||
	    (rc = auto_check_download(a, c, err)) != OPS_OK)
		goto out;
	if (proto_has(msg, "selectors") && (rc = proto_get_str_array(msg,
	    "selectors", OPS_PROTO_MAX_ITEMS, S, &sel, &nsel, err)) != OPS_OK)
		goto out;
	s->selectors = (char **)sel;
	s->nselectors = nsel;
	sel = NULL;
	sel = xcalloc(nsel + 1, sizeof(*sel));
	if (nsel > 0)
		memcpy(sel, s->selectors, nsel * sizeof(*sel));
	if ((rc = auto_targets(ctx, a, &sel, &nsel, NULL, 0, &l, &names, &n,
	    err)) != OPS_OK)
		goto out;
	rc = auto_specs(vals, specs, nspecs, err);
out:
	/* the specs point into a and vals: the caller frees them after */
	*ap = a;
	*valsp = vals;
	free(sel);
	free(names);
	store_target_list_free(&l);
	store_automation_doc_free(doc);
	free(assign);
	return rc;
}

int
handle_schedule_add(struct ops_ctx *ctx, struct client *c, json_t *msg,
    json_t **result, struct ops_err *err)
{
	struct store_schedule	 s;
	struct store_param_spec	*specs = NULL;
	struct automation	*a = NULL;
	struct auto_values	*vals = NULL;
	struct ops_err		 e;
	const char		*v;
	char			 zone[CRON_ZONE_MAX + 1], every[32];
	long long		 jitter = 0, max_runs = 0;
	time_t			 until = 0;
	size_t			 nspecs = 0;
	int			 rc;

	memset(&s, 0, sizeof(s));
	if ((rc = proto_get_str(msg, "name", (const char **)&s.name, S,
	    err)) != OPS_OK ||
	    (rc = proto_get_str(msg, "automation",
	    (const char **)&s.automation, S, err)) != OPS_OK)
		goto out;
	if (proto_has(msg, "tz")) {
		if ((rc = proto_get_str(msg, "tz", &v, CRON_ZONE_MAX,
		    err)) != OPS_OK)
			goto out;
		snprintf(zone, sizeof(zone), "%s", v);
	} else
		own_zone(zone, sizeof(zone));
	if (cron_zone_check(zone, &e) != OPS_OK) {
		rc = ops_err_set(err, OPS_E_INVAL, "--tz: %s",
		    ops_err_msg(&e));
		goto out;
	}
	s.tz = zone;
	if ((rc = choice(msg, "missed", "skip", "run-once", "run-once",
	    (const char **)&s.missed, err)) != OPS_OK ||
	    (rc = choice(msg, "overlap", "skip", "queue", "skip",
	    (const char **)&s.overlap, err)) != OPS_OK)
		goto out;
	if ((proto_has(msg, "jitter") && (rc = proto_get_int(msg, "jitter", 0,
	    JITTER_MAX, &jitter, err)) != OPS_OK) ||
	    (proto_has(msg, "max_runs") && (rc = proto_get_int(msg,
	    "max_runs", 0, INT_MAX, &max_runs, err)) != OPS_OK))
		goto out;
	if (proto_has(msg, "until")) {
		if ((rc = proto_get_str(msg, "until", &v, S, err)) != OPS_OK)
			goto out;
		if (schedules_parse_time(v, zone, 1, &until, &e) != OPS_OK) {
			rc = ops_err_set(err, OPS_E_INVAL, "--until: %s", ops_err_msg(&e));
			goto out;
		}
	}
	s.jitter_ms = jitter;
	s.max_runs = max_runs;
	s.until = until;
	if ((rc = add_when(ctx, msg, &s, every, sizeof(every),
	    err)) != OPS_OK ||
	    (rc = add_what(ctx, c, msg, &s, &a, &vals, &specs, &nspecs,
	    err)) != OPS_OK)
		goto out;
	s.created = time(NULL);
	s.actor = c->actor;
	s.uid = (int64_t)c->uid;
	s.gid = (int64_t)c->gid;
	if ((rc = store_schedule_add(ctx->store, &s, specs, nspecs, NULL,
	    err)) != OPS_OK)
		goto out;
	schedules_changed(ctx);
	if ((*result = json_pack("{s:s, s:I}", "name", s.name, "next_fire",
	    (json_int_t)s.next_fire)) == NULL)
		rc = ops_err_set(err, OPS_E_NOMEM, "build the reply");
out:
	auto_wipe_assign(msg);
	auto_specs_free(specs, nspecs);
	automation_values_free(vals);
	automation_free(a);
	free(s.selectors);
	return rc;
}

/* ---- reading ------------------------------------------------------------- */

static json_t *
sched_json(const struct store_schedule *s)
{
	json_t	*sel = json_array();
	size_t	 i;

	for (i = 0; i < s->nselectors; i++)
		json_array_append_new(sel, json_string(s->selectors[i]));
	return json_pack("{s:s, s:s, s:o, s:s, s:s, s:s, s:s, s:s, s:I, s:I,"
	    " s:I, s:I, s:b, s:I, s:I, s:I, s:I, s:s}",
	    "name", s->name, "automation", s->automation, "selectors", sel,
	    "kind", s->kind, "spec", s->spec, "tz", s->tz, "missed",
	    s->missed, "overlap", s->overlap, "jitter",
	    (json_int_t)s->jitter_ms, "until", (json_int_t)s->until,
	    "max_runs", (json_int_t)s->max_runs, "runs", (json_int_t)s->runs,
	    "paused", s->paused, "last_fire", (json_int_t)s->last_fire,
	    "next_fire", (json_int_t)s->next_fire, "last_job",
	    (json_int_t)s->last_job, "created", (json_int_t)s->created,
	    "actor", s->actor);
}

int
handle_schedule_list(struct ops_ctx *ctx, struct client *c, json_t *msg,
    json_t **result, struct ops_err *err)
{
	struct store_schedule_list	l = { NULL, 0 };
	size_t				i;
	int				rc;

	(void)c;
	(void)msg;
	if ((rc = store_schedule_list(ctx->store, &l, err)) != OPS_OK)
		return rc;
	*result = json_array();
	for (i = 0; i < l.n; i++)
		json_array_append_new(*result, sched_json(&l.v[i]));
	store_schedule_list_free(&l);
	return OPS_OK;
}

int
handle_schedule_show(struct ops_ctx *ctx, struct client *c, json_t *msg,
    json_t **result, struct ops_err *err)
{
	struct store_schedule			s;
	struct store_job_param_list		pl = { NULL, 0 };
	struct store_schedule_event_list	el = { NULL, 0 };
	const char				*name;
	long long				 limit = EVENTS_SHOWN;
	json_t					*params, *evs, *o;
	size_t					 i;
	int					 rc;

	(void)c;
	if ((rc = proto_get_str(msg, "name", &name, S, err)) != OPS_OK ||
	    (proto_has(msg, "limit") && (rc = proto_get_int(msg, "limit", 1,
	    STORE_SCHEDULE_EVENTS_MAX, &limit, err)) != OPS_OK))
		return rc;
	if ((rc = store_schedule_get(ctx->store, name, &s, err)) != OPS_OK)
		return rc;
	if ((rc = store_schedule_params_get(ctx->store, s.id, 0, &pl,
	    err)) != OPS_OK ||
	    (rc = store_schedule_events(ctx->store, s.id, (int)limit, &el,
	    err)) != OPS_OK)
		goto out;
	params = json_array();
	for (i = 0; i < pl.n; i++)
		json_array_append_new(params, json_pack("{s:s, s:s, s:b}",
		    "name", pl.v[i].name, "value", pl.v[i].secret ? MASKED :
		    pl.v[i].value != NULL ? pl.v[i].value : "", "secret",
		    pl.v[i].secret));
	evs = json_array();
	for (i = 0; i < el.n; i++) {
		o = json_pack("{s:I, s:s}", "time", (json_int_t)el.v[i].time,
		    "what", el.v[i].what);
		if (el.v[i].job > 0)
			json_object_set_new(o, "job", json_integer(
			    el.v[i].job));
		if (el.v[i].detail != NULL)
			json_object_set_new(o, "detail", json_string(
			    el.v[i].detail));
		json_array_append_new(evs, o);
	}
	*result = sched_json(&s);
	json_object_set_new(*result, "params", params);
	json_object_set_new(*result, "events", evs);
out:
	store_schedule_event_list_free(&el);
	store_job_param_list_free(&pl);
	store_schedule_clear(&s);
	return rc;
}

/* ---- changing ------------------------------------------------------------ */

static int
set_paused(struct ops_ctx *ctx, json_t *msg, int paused, json_t **result,
    struct ops_err *err)
{
	struct store_schedule	 s;
	const char		*name;
	int			 rc;

	if ((rc = proto_get_str(msg, "name", &name, S, err)) != OPS_OK ||
	    (rc = store_schedule_set_paused(ctx->store, name, paused,
	    err)) != OPS_OK)
		return rc;
	schedules_changed(ctx);
	if (paused)
		return OPS_OK;
	/* a resumed schedule goes on from now: what passed while it was
	 * paused is not run */
	if ((rc = store_schedule_get(ctx->store, name, &s, err)) != OPS_OK)
		return rc;
	if (s.next_fire > 0 && s.next_fire < schedules_now(ctx) &&
	    strcmp(s.kind, "at") != 0) {
		if ((rc = schedules_next(&s, schedules_now(ctx), &s.next_fire,
		    err)) == OPS_OK)
			rc = store_schedule_update(ctx->store, &s, err);
	}
	if (rc == OPS_OK)
		*result = json_pack("{s:I}", "next_fire",
		    (json_int_t)s.next_fire);
	store_schedule_clear(&s);
	return rc;
}

int
handle_schedule_pause(struct ops_ctx *ctx, struct client *c, json_t *msg,
    json_t **result, struct ops_err *err)
{
	(void)c;
	return set_paused(ctx, msg, 1, result, err);
}

int
handle_schedule_resume(struct ops_ctx *ctx, struct client *c, json_t *msg,
    json_t **result, struct ops_err *err)
{
	(void)c;
	return set_paused(ctx, msg, 0, result, err);
}

int
handle_schedule_rm(struct ops_ctx *ctx, struct client *c, json_t *msg,
    json_t **result, struct ops_err *err)
{
	const char	*name;
	int		 rc;

	(void)c;
	(void)result;
	if ((rc = proto_get_str(msg, "name", &name, S, err)) != OPS_OK ||
	    (rc = store_schedule_rm(ctx->store, name, err)) != OPS_OK)
		return rc;
	schedules_changed(ctx);
	return OPS_OK;
}

int
handle_schedule_next(struct ops_ctx *ctx, struct client *c, json_t *msg,
    json_t **result, struct ops_err *err)
{
	struct store_schedule	 s;
	const char		*name;
	long long		 count = 5, i;
	time_t			 t;
	json_t			*times;
	int			 rc;

	(void)c;
	if ((rc = proto_get_str(msg, "name", &name, S, err)) != OPS_OK ||
	    (proto_has(msg, "count") && (rc = proto_get_int(msg, "count", 1,
	    NEXT_MAX, &count, err)) != OPS_OK))
		return rc;
	if ((rc = store_schedule_get(ctx->store, name, &s, err)) != OPS_OK)
		return rc;
	times = json_array();
	for (i = 0, t = s.next_fire; i < count && t > 0; i++) {
		json_array_append_new(times, json_integer(t));
		if (strcmp(s.kind, "at") == 0 ||
		    (s.max_runs > 0 && s.runs + i + 1 >= s.max_runs) ||
		    (rc = schedules_next(&s, t, &t, err)) != OPS_OK)
			break;
	}
	if (rc == OPS_OK)
		*result = json_pack("{s:s, s:s, s:o}", "name", s.name, "tz",
		    s.tz, "times", times);
	else
		json_decref(times);
	store_schedule_clear(&s);
	return rc;
}

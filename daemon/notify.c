/*
 * notify.c: the event sink, the outbox queueing and the delivery
 * scheduler (contract in notify.h). Requests are built in
 * notify-send.c.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <sodium.h>

#include "daemon.h"
#include "http.h"
#include "notify-int.h"
#include "store-notify.h"
#include "xmalloc.h"

const char *const notify_event_names[] = {
	"job-started", "job-succeeded", "job-failed", "approval-requested",
	"approval-decided", "approval-expired", "target-unreachable", NULL
};

int
notify_event_valid(const char *name)
{
	size_t	i;

	for (i = 0; notify_event_names[i] != NULL; i++)
		if (strcmp(name, notify_event_names[i]) == 0)
			return 1;
	return 0;
}

int64_t
notify_now_ms(void)
{
	struct timespec	ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* ---- the sink: copy, never touch the store --------------------------- */

static void
sink(struct ops_ctx *ctx, const struct ops_event *ev, void *arg)
{
	struct notify		*n = arg;
	struct notify_ev	*e;
	const char		*name = NULL;
	struct ops_err		 err;

	switch (ev->kind) {
	case OPS_EV_JOB_STATE:
		if (ev->u.job.state == JOB_STATE_RUNNING)
			name = "job-started";
		else if (ev->u.job.state == JOB_STATE_DONE)
			name = "job-succeeded";
		else if (ev->u.job.state == JOB_STATE_FAILED ||
		    ev->u.job.state == JOB_STATE_INTERRUPTED)
			name = "job-failed";
		break;
	case OPS_EV_TARGET_STATUS:
		if (ev->u.target.reach == REACH_UNREACHABLE)
			name = "target-unreachable";
		break;
	default:
		name = notify_approval_event(ev);
		break;
	}
	if (name == NULL || n->nqueued >= NOTIFY_QUEUE_MAX)
		return;
	e = xcalloc(1, sizeof(*e));
	snprintf(e->event, sizeof(e->event), "%s", name);
	e->job = ev->job;
	e->target = ev->target != NULL ? xstrdup(ev->target) : NULL;
	if (ev->kind == OPS_EV_JOB_STATE) {
		snprintf(e->state, sizeof(e->state), "%s",
		    job_state_name(ev->u.job.state));
		e->ok = ev->u.job.ok;
		e->failed = ev->u.job.failed;
		e->total = ev->u.job.total;
	} else if (ev->kind == OPS_EV_TARGET_STATUS) {
		snprintf(e->state, sizeof(e->state), "unreachable");
		if (ev->u.target.message != NULL)
			e->detail = xstrdup(ev->u.target.message);
	} else
		notify_approval_copy(ev, e);
	if (n->qtail != NULL)
		n->qtail->next = e;
	else
		n->qhead = e;
	n->qtail = e;
	n->nqueued++;
	if (n->flush_timer == 0 && evloop_timer_add(ctx->loop, 0,
	    notify_flush_timer, n, &n->flush_timer, &err) != OPS_OK)
		log_warnx(&ctx->log, "notify: %s", ops_err_msg(&err));
}

static void
ev_free(struct notify_ev *e)
{
	free(e->target);
	free(e->detail);
	free(e->actor);
	free(e->reason);
	free(e);
}

/* 1 when the comma list events has name. */
static int
subscribed(const char *events, const char *name)
{
	size_t		 len = strlen(name);
	const char	*p = events;

	if (strcmp(name, "test") == 0)
		return 1;
	while (p != NULL && *p != '\0') {
		if (strncmp(p, name, len) == 0 && (p[len] == ',' ||
		    p[len] == '\0'))
			return 1;
		p = strchr(p, ',');
		if (p != NULL)
			p++;
	}
	return 0;
}

void
notify_webhook_id(char out[NOTIFY_ID_MAX])
{
	unsigned char	b[18];

	randombytes_buf(b, sizeof(b));
	memcpy(out, "msg_", 4);
	sodium_bin2base64(out + 4, NOTIFY_ID_MAX - 4, b, sizeof(b),
	    sodium_base64_VARIANT_URLSAFE_NO_PADDING);
}

/* Queue e for every channel subscribed (only, when not NULL). */
int
notify_queue(struct notify *n, const struct notify_ev *e, const char *only,
    int64_t *last_id, struct ops_err *err)
{
	struct ops_ctx				*ctx = n->ctx;
	struct store_notify_channel_list	 l;
	char					*payload = NULL;
	char					 wid[NOTIFY_ID_MAX];
	int64_t					 give_up;
	size_t					 i;
	int					 rc;

	if ((rc = store_notify_list(ctx->store, &l, err)) != OPS_OK)
		return rc;
	give_up = notify_now_ms() + config_num(ctx->config,
	    "notify.give-up") * 1000;
	for (i = 0; i < l.n; i++) {
		if ((only != NULL && strcmp(only, l.v[i].name) != 0) ||
		    (only == NULL && !subscribed(l.v[i].events, e->event)))
			continue;
		if (payload == NULL && (rc = notify_payload(ctx, e, &payload,
		    err)) != OPS_OK)
			break;
		notify_webhook_id(wid);
		if ((rc = store_outbox_add(ctx->store, l.v[i].id, l.v[i].name,
		    e->event, payload, wid, give_up, last_id, err)) != OPS_OK)
			break;
		log_debug(&ctx->log, "notify: queued %s for %s", e->event,
		    l.v[i].name);
	}
	free(payload);
	store_notify_channel_list_free(&l);
	return rc;
}

long long
notify_flush_timer(struct evloop *loop, long long id, void *arg)
{
	struct notify		*n = arg;
	struct notify_ev	*e;
	struct ops_err		 err;

	(void)loop;
	(void)id;
	n->flush_timer = 0;
	while ((e = n->qhead) != NULL) {
		n->qhead = e->next;
		if (n->qhead == NULL)
			n->qtail = NULL;
		n->nqueued--;
		if (n->ctx->store == NULL)
			log_debug(&n->ctx->log, "notify: store locked, %s "
			    "not queued", e->event);
		else if (notify_queue(n, e, NULL, NULL, &err) != OPS_OK)
			log_warnx(&n->ctx->log, "notify: queue %s: %s",
			    e->event, ops_err_msg(&err));
		ev_free(e);
	}
	notify_kick(n->ctx);
	return EVLOOP_NOMORE;
}

/* ---- delivery ---------------------------------------------------------- */

static struct notify_flight *
flight_find(struct notify *n, int64_t id)
{
	struct notify_flight	*f;

	for (f = n->flights; f != NULL; f = f->next)
		if (f->id == id)
			return f;
	return NULL;
}

static void
flight_remove(struct notify *n, struct notify_flight *f)
{
	struct notify_flight	**pp;

	for (pp = &n->flights; *pp != NULL; pp = &(*pp)->next)
		if (*pp == f) {
			*pp = f->next;
			n->nflights--;
			break;
		}
	free(f);
}

/* Answer a notify test waiting for row id. */
static void
answer_waiters(struct notify *n, int64_t id, const char *state,
    const char *wid, int attempts, long status, const char *error)
{
	struct notify_waiter	**pp = &n->waiters, *w;
	json_t			 *r;

	while ((w = *pp) != NULL) {
		if (w->id != id) {
			pp = &w->next;
			continue;
		}
		*pp = w->next;
		r = json_pack("{s:I, s:s, s:s, s:i}", "id", (json_int_t)id,
		    "webhook_id", wid, "state", state, "attempts", attempts);
		if (status > 0)
			json_object_set_new(r, "status", json_integer(status));
		if (error != NULL)
			json_object_set_new(r, "error", json_string(error));
		client_defer_ok(w->d, r);
		free(w);
	}
}

/* The wait before attempt number attempts + 1, in ms. */
static int64_t
backoff_ms(struct ops_ctx *ctx, int attempts, long retry_after_s)
{
	int64_t	base = config_num(ctx->config, "notify.retry-base") * 1000;
	int64_t	max = config_num(ctx->config, "notify.retry-max") * 1000;
	int64_t	d = base;
	int	i;

	for (i = 1; i < attempts && d < max; i++)
		d *= 2;
	if (d > max)
		d = max;
	/* jitter: 75% to 125% */
	d = d * 3 / 4 + (int64_t)randombytes_uniform((uint32_t)(d / 2 + 1));
	if (retry_after_s > 0 && retry_after_s * 1000 > d)
		d = retry_after_s * 1000;
	return d;
}

/* An attempt of row id ended: ok, or why not. */
void
notify_attempt_done(struct notify *n, int64_t id, int ok, long status,
    long retry_after_s, const char *error)
{
	struct ops_ctx		*ctx = n->ctx;
	struct notify_flight	*f = flight_find(n, id);
	struct ops_err		 err;
	const char		*state;
	char			 why[STORE_NOTIFY_ERROR_MAX];
	int64_t			 now = notify_now_ms(), next = 0;
	int			 attempts;

	if (f == NULL)
		return;
	attempts = f->attempts + 1;
	if (ok) {
		state = "delivered";
		why[0] = '\0';
	} else {
		if (error != NULL)
			snprintf(why, sizeof(why), "%s", error);
		else
			snprintf(why, sizeof(why), "%s %ld", f->smtp ? "SMTP" :
			    "HTTP", status);
		next = now + backoff_ms(ctx, attempts, retry_after_s);
		state = next > f->give_up_at ? "failed" : "pending";
	}
	if (ctx->store == NULL)
		log_info(&ctx->log, "notify: %lld: store locked, attempt not "
		    "recorded", (long long)id);
	else if (store_outbox_attempt(ctx->store, id, attempts, state, next,
	    ok ? NULL : why, &err) != OPS_OK)
		log_warnx(&ctx->log, "notify: %s", ops_err_msg(&err));
	if (ok)
		log_info(&ctx->log, "notify: %lld delivered to %s",
		    (long long)id, f->channel);
	else
		log_info(&ctx->log, "notify: %lld to %s: %s (%s)",
		    (long long)id, f->channel, why, state);
	answer_waiters(n, id, state, f->wid, attempts, status,
	    ok ? NULL : why);
	flight_remove(n, f);
	notify_kick(ctx);
}

static void
start_row(struct notify *n, const struct store_outbox *o)
{
	struct notify_flight	*f;
	struct ops_err		 err;
	int			 rc;

	f = xcalloc(1, sizeof(*f));
	f->n = n;
	f->id = o->id;
	f->attempts = o->attempts;
	f->give_up_at = o->give_up_at;
	snprintf(f->wid, sizeof(f->wid), "%s", o->webhook_id);
	snprintf(f->channel, sizeof(f->channel), "%s", o->channel);
	f->next = n->flights;
	n->flights = f;
	n->nflights++;
	if ((rc = notify_send(n, f, o, &err)) != OPS_OK)
		notify_attempt_done(n, o->id, 0, 0, -1, ops_err_msg(&err));
}

static long long
tick(struct evloop *loop, long long id, void *arg)
{
	struct notify			*n = arg;
	struct store_outbox_list	 l;
	struct ops_err			 err;
	size_t				 i;

	(void)loop;
	(void)id;
	if (n->ctx->store == NULL || n->nflights >= NOTIFY_FLIGHTS_MAX)
		return NOTIFY_TICK_MS;
	if (store_outbox_due(n->ctx->store, notify_now_ms(),
	    NOTIFY_FLIGHTS_MAX, &l, &err) != OPS_OK) {
		log_warnx(&n->ctx->log, "notify: %s", ops_err_msg(&err));
		return NOTIFY_TICK_MS;
	}
	for (i = 0; i < l.n && n->nflights < NOTIFY_FLIGHTS_MAX; i++)
		if (flight_find(n, l.v[i].id) == NULL)
			start_row(n, &l.v[i]);
	store_outbox_list_free(&l);
	return NOTIFY_TICK_MS;
}

static long long
kick_timer(struct evloop *loop, long long id, void *arg)
{
	struct notify	*n = arg;

	n->kick_timer = 0;
	tick(loop, id, arg);
	return EVLOOP_NOMORE;
}

void
notify_kick(struct ops_ctx *ctx)
{
	struct notify	*n = ctx->notify;
	struct ops_err	 err;

	if (n == NULL || n->kick_timer != 0)
		return;
	if (evloop_timer_add(ctx->loop, 0, kick_timer, n, &n->kick_timer,
	    &err) != OPS_OK)
		log_warnx(&ctx->log, "notify: %s", ops_err_msg(&err));
}

int
notify_test(struct ops_ctx *ctx, const char *name, struct client_defer *d,
    struct ops_err *err)
{
	struct notify		*n = ctx->notify;
	struct notify_ev	 e;
	struct notify_waiter	*w;
	int64_t			 id = 0;
	int			 rc;

	memset(&e, 0, sizeof(e));
	snprintf(e.event, sizeof(e.event), "test");
	snprintf(e.state, sizeof(e.state), "test");
	if ((rc = notify_queue(n, &e, name, &id, err)) != OPS_OK)
		return rc;
	if (id == 0)
		return ops_err_set(err, OPS_E_NOTFOUND, "no channel named %s",
		    name);
	w = xcalloc(1, sizeof(*w));
	w->id = id;
	w->d = d;
	w->next = n->waiters;
	n->waiters = w;
	notify_kick(ctx);
	return OPS_OK;
}

int
notify_init(struct ops_ctx *ctx, struct ops_err *err)
{
	struct notify	*n;
	int		 rc;

	n = xcalloc(1, sizeof(*n));
	n->ctx = ctx;
	if ((rc = events_sink_add(ctx, sink, n, err)) != OPS_OK ||
	    (rc = evloop_timer_add(ctx->loop, NOTIFY_TICK_MS, tick, n,
	    &n->tick_timer, err)) != OPS_OK) {
		events_sink_remove(ctx, sink, n);
		free(n);
		return rc;
	}
	ctx->notify = n;
	notify_kick(ctx);
	return OPS_OK;
}

void
notify_done(struct ops_ctx *ctx)
{
	struct notify		*n = ctx->notify;
	struct notify_ev	*e;
	struct notify_waiter	*w;

	if (n == NULL)
		return;
	events_sink_remove(ctx, sink, n);
	while (n->flights != NULL) {
		notify_send_cancel(n, n->flights);
		flight_remove(n, n->flights);
	}
	while ((w = n->waiters) != NULL) {
		n->waiters = w->next;
		client_defer_error(w->d, OPS_E_LOCKED, "opsicled is stopping");
		free(w);
	}
	while ((e = n->qhead) != NULL) {
		n->qhead = e->next;
		ev_free(e);
	}
	if (n->flush_timer != 0)
		evloop_timer_del(ctx->loop, n->flush_timer);
	if (n->kick_timer != 0)
		evloop_timer_del(ctx->loop, n->kick_timer);
	evloop_timer_del(ctx->loop, n->tick_timer);
	free(n);
	ctx->notify = NULL;
}

/*
 * test-events.c: the daemon's event bus. Sinks registered on the bus see
 * every typed event the runner posts, in registration order and with the
 * fields the runner gave; removing a sink stops it; the bus refuses a
 * sink past its capacity; runner_submit refuses while the store is
 * locked. Links the daemon's objects and calls the runner's own posting
 * functions (jobs-int.h), with no server: the client-stream sink then
 * sends nothing and must not crash.
 */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include "jobs-int.h"
#include "tap.h"

#define SEEN_MAX	16

struct seen {
	struct ops_event	 v[SEEN_MAX];
	char			 target[SEEN_MAX][64];
	char			 text[SEEN_MAX][128];	/* error or data */
	size_t			 n;
	int			 order[SEEN_MAX];	/* who saw it */
	int			*tick;			/* shared counter */
	int			 id;
};

static void
sink(struct ops_ctx *ctx, const struct ops_event *ev, void *arg)
{
	struct seen	*s = arg;
	const char	*text = NULL;
	size_t		 i = s->n;

	(void)ctx;
	if (i == SEEN_MAX)
		return;
	s->v[i] = *ev;
	snprintf(s->target[i], sizeof(s->target[i]), "%s",
	    ev->target != NULL ? ev->target : "(null)");
	if (ev->kind == OPS_EV_RUN_STATE)
		text = ev->u.run.error;
	else if (ev->kind == OPS_EV_TARGET_STATUS)
		text = reach_name(ev->u.target.reach);
	snprintf(s->text[i], sizeof(s->text[i]), "%s",
	    text != NULL ? text : "");
	s->order[i] = (*s->tick)++ * 10 + s->id;
	s->n++;
}

int
main(void)
{
	struct ops_ctx		 ctx;
	struct ops_err		 err;
	struct ops_event	 ev;
	struct seen		 a, b;
	struct job_spec		 spec;
	const char		*names[] = { "web1" };
	int64_t			 job = 5;
	int			 tick = 0, i, rc;

	plan(17);
	memset(&ctx, 0, sizeof(ctx));
	memset(&a, 0, sizeof(a));
	memset(&b, 0, sizeof(b));
	a.tick = b.tick = &tick;
	a.id = 1;
	b.id = 2;

	/* No bus yet: posting is harmless, adding refused. */
	memset(&ev, 0, sizeof(ev));
	ev.kind = OPS_EV_JOB_STATE;
	events_post(&ctx, &ev);
	ok(events_sink_add(&ctx, sink, &a, &err) == OPS_E_INVAL,
	    "no bus: a sink is refused");

	ok(events_init(&ctx, &err) == OPS_OK, "bus created");
	/* The daemon's own sink first, as main registers it. */
	ok(events_sink_add(&ctx, events_client_sink, NULL, &err) == OPS_OK &&
	    events_sink_add(&ctx, sink, &a, &err) == OPS_OK &&
	    events_sink_add(&ctx, sink, &b, &err) == OPS_OK,
	    "client-stream sink and two more registered");

	/* What the runner posts when a run ends with a connect error. */
	jobs_emit_run_state(&ctx, 7, "web1", STORE_RUN_ERROR,
	    RUN_CLASS_REFUSED, -1, 0, "connect to 127.0.0.1:1: refused");
	jobs_emit_target_status(&ctx, 7, "web1", STORE_RUN_ERROR,
	    RUN_CLASS_REFUSED, "connect to 127.0.0.1:1: refused");
	/* A cancelled run says nothing about its target. */
	jobs_emit_target_status(&ctx, 7, "web2", STORE_RUN_CANCELLED,
	    RUN_CLASS_NONE, "cancelled");
	jobs_emit_run_state(&ctx, 7, "web3", STORE_RUN_FAILED, RUN_CLASS_EXIT,
	    3, 0, NULL);
	jobs_emit_target_status(&ctx, 7, "web3", STORE_RUN_FAILED,
	    RUN_CLASS_EXIT, NULL);

	ok(a.n == 4 && b.n == 4, "each sink saw 4 events (got %zu, %zu)",
	    a.n, b.n);
	ok(a.v[0].kind == OPS_EV_RUN_STATE && a.v[0].job == 7 &&
	    strcmp(a.target[0], "web1") == 0 &&
	    a.v[0].u.run.state == STORE_RUN_ERROR &&
	    a.v[0].u.run.exit_status == -1 &&
	    a.v[0].u.run.cls == RUN_CLASS_REFUSED &&
	    strcmp(a.text[0], "connect to 127.0.0.1:1: refused") == 0,
	    "run-state: job, target, state, class, no exit, the error");
	ok(a.v[1].kind == OPS_EV_TARGET_STATUS &&
	    strcmp(a.target[1], "web1") == 0 &&
	    strcmp(a.text[1], "unreachable") == 0,
	    "target-status: a refused connection is unreachable (%s)",
	    a.text[1]);
	ok(a.v[2].kind == OPS_EV_RUN_STATE && a.v[2].u.run.exit_status == 3 &&
	    strcmp(a.target[2], "web3") == 0,
	    "run-state: a failed run carries its exit status");
	ok(a.v[3].kind == OPS_EV_TARGET_STATUS &&
	    strcmp(a.text[3], "reachable") == 0,
	    "target-status: a failed command means reachable");
	for (rc = 1, i = 0; i < 4; i++)
		if (a.order[i] % 10 != 1 || b.order[i] % 10 != 2 ||
		    b.order[i] / 10 != a.order[i] / 10 + 1)
			rc = 0;
	ok(rc, "sinks see each event in registration order");

	/* Output: bytes as given, borrowed for the call. */
	memset(&ev, 0, sizeof(ev));
	ev.kind = OPS_EV_JOB_OUTPUT;
	ev.job = 7;
	ev.target = "web1";
	ev.u.output.err = 1;
	ev.u.output.seq = 1;
	ev.u.output.data = (const unsigned char *)"a\0b";
	ev.u.output.len = 3;
	events_post(&ctx, &ev);
	ok(b.n == 5 && b.v[4].kind == OPS_EV_JOB_OUTPUT &&
	    b.v[4].u.output.len == 3 && b.v[4].u.output.err == 1 &&
	    memcmp(b.v[4].u.output.data, "a\0b", 3) == 0,
	    "job-output: stream, length and bytes (NUL included)");

	/* Removing one sink leaves the others, in order. */
	events_sink_remove(&ctx, sink, &a);
	events_sink_remove(&ctx, sink, &a);	/* twice: no effect */
	memset(&ev, 0, sizeof(ev));
	ev.kind = OPS_EV_JOB_STATE;
	ev.job = 7;
	ev.u.job.state = STORE_JOB_FAILED;
	ev.u.job.failed = ev.u.job.total = 2;
	events_post(&ctx, &ev);
	ok(a.n == 5 && b.n == 6, "a removed sink sees no more (%zu, %zu)",
	    a.n, b.n);
	ok(b.v[5].kind == OPS_EV_JOB_STATE &&
	    b.v[5].u.job.state == STORE_JOB_FAILED &&
	    b.v[5].u.job.total == 2 && strcmp(b.target[5], "(null)") == 0,
	    "job-state: state and counts, no target");
	ok(events_job_final(STORE_JOB_FAILED) &&
	    events_job_final(STORE_JOB_CANCELLED) &&
	    !events_job_final(STORE_JOB_RUNNING) &&
	    !events_job_final(STORE_JOB_QUEUED),
	    "final job states: failed and cancelled, not queued or running");

	/* Capacity: 2 registered now. */
	for (rc = OPS_OK, i = 2; i < EVENTS_MAX_SINKS && rc == OPS_OK; i++)
		rc = events_sink_add(&ctx, sink, &a, &err);
	ok(rc == OPS_OK, "up to %d sinks", EVENTS_MAX_SINKS);
	ok(events_sink_add(&ctx, sink, &a, &err) == OPS_E_TOOBIG &&
	    strstr(ops_err_msg(&err), "registered") != NULL,
	    "one more is refused: %s", ops_err_msg(&err));

	/* runner_submit: the one way in; a locked store refuses. */
	memset(&spec, 0, sizeof(spec));
	spec.command = "true";
	spec.targets = names;
	spec.ntargets = 1;
	rc = runner_submit(&ctx, &spec, "test(0)", &job, &err);
	ok(rc == OPS_E_LOCKED && job == 0, "runner_submit while locked: %s",
	    ops_err_msg(&err));

	events_done(&ctx);
	ok(ctx.events == NULL, "bus freed");
	return exit_status();
}

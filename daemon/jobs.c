/*
 * jobs.c: the persistent job queue. Jobs are rows in the store: "run"
 * adds a queued job and the runner starts the oldest queued job whenever
 * fewer than JOBS_MAX_RUNNING run. At start (and after an unlock) jobs a
 * crash left running become interrupted with their unfinished runs;
 * queued jobs stay queued and run. A job ends done (every run ok),
 * failed, cancelled or interrupted (the daemon stopped under it).
 *
 * SIGTERM and "daemon stop" (main.c): no job starts any more; running
 * jobs get a grace period to finish, then they are interrupted, and the
 * runner tells main it is drained; main shuts the server down. Jobs come
 * to exist only through runner_submit. Retention: the output of jobs
 * that finished more than retention-days ago is pruned at start and once
 * a day. Events (job-state, run-state, job-output, target-status) go to
 * the bus (events.c) as C structs; the runner encodes no protocol.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "approval.h"
#include "automation.h"
#include "jobs-int.h"
#include "xmalloc.h"

#define TICK_MS			1000
#define RETENTION_PERIOD_MS	(24LL * 3600 * 1000)
#define ENGINE_MAX_PARALLEL	512
#define LINGER_MS		300

static void	jobs_pass(struct jobs *);

void
jobs_emit_run_state(struct ops_ctx *ctx, int64_t job, const char *target,
    enum store_run_state state, enum run_class cls, int exit_status,
    int signal, const char *error)
{
	struct ops_event	ev = { .kind = OPS_EV_RUN_STATE, .job = job,
				    .target = target };

	ev.u.run.state = state;
	ev.u.run.cls = cls;
	ev.u.run.exit_status = exit_status;
	ev.u.run.signal = signal;
	ev.u.run.error = error;
	events_post(ctx, &ev);
}

void
jobs_emit_target_status(struct ops_ctx *ctx, int64_t job, const char *target,
    enum store_run_state state, enum run_class cls, const char *error)
{
	struct ops_event	ev = { .kind = OPS_EV_TARGET_STATUS, .job = job,
				    .target = target };

	/* Only runs with a result say anything about the target. */
	if (!run_state_has_result(state))
		return;
	ev.u.target.reach = reach_of_run(state, cls);
	ev.u.target.message = error;
	events_post(ctx, &ev);
}

/* A final state also ends the job for its followers (events-client.c). */
static void
emit_job_state(struct ops_ctx *ctx, int64_t job, enum store_job_state state,
    size_t nok, size_t nfail, size_t total)
{
	struct ops_event	ev = { .kind = OPS_EV_JOB_STATE, .job = job };

	ev.u.job.state = state;
	ev.u.job.ok = nok;
	ev.u.job.failed = nfail;
	ev.u.job.total = total;
	events_post(ctx, &ev);
}

static void
job_free(struct job *j)
{
	size_t	i;

	if (j == NULL)
		return;
	for (i = 0; i < j->n; i++) {
		jobs_slot_release(&j->slots[i]);
		free(j->slots[i].target);
	}
	jobs_auto_free(j);	/* the slots' parts too */
	free(j->slots);
	free(j->command);
	jobs_input_free(j->input);
	free(j->become_user);
	free(j->become_cred);
	free(j->waiters);
	free(j);
}

static void
job_unlink(struct job *j)
{
	struct job	**pp;

	for (pp = &j->js->running; *pp != NULL; pp = &(*pp)->next_job)
		if (*pp == j) {
			*pp = j->next_job;
			j->js->nrunning--;
			break;
		}
}

/* Every slot is over: record the job's final state and forget it. */
static void
job_finish(struct job *j, enum store_job_state forced)
{
	struct ops_ctx		*ctx = j->js->ctx;
	struct ops_err		 err;
	enum store_job_state	 state = forced;
	size_t			 i;

	if (state == 0)
		state = j->nok == j->n ? STORE_JOB_DONE : STORE_JOB_FAILED;
	if (ctx->store != NULL && store_job_set_state(ctx->store, j->id, state,
	    &err) != OPS_OK)
		log_warnx(&ctx->log, "job %lld: %s", (long long)j->id,
		    ops_err_msg(&err));
	log_info(&ctx->log, "job %lld %s: %zu ok, %zu failed",
	    (long long)j->id, store_job_state_name(state), j->nok,
	    j->n - j->nok);
	emit_job_state(ctx, j->id, state, j->nok, j->n - j->nok, j->n);
	for (i = 0; i < j->nwaiters; i++)
		j->waiters[i].ended(j->waiters[i].arg);
	j->nwaiters = 0;
	job_unlink(j);
	job_free(j);
}

/* Start slots up to the job's concurrency; end the job when all are. */
static void
job_fill(struct job *j)
{
	size_t	i;

	for (i = 0; i < j->n; i++) {
		if (j->slots[i].state == SLOT_DONE) {
			jobs_slot_release(&j->slots[i]);
			j->slots[i].state = SLOT_OVER;
		}
	}
	if (j->au != NULL)
		jobs_auto_fill(j);
	else
		while (!j->ending && j->active < (size_t)j->forks &&
		    j->next < j->n)
			jobs_slot_start(&j->slots[j->next++]);
	if (j->ndone == j->n && j->active == 0)
		job_finish(j, j->ending ? j->end_jstate : 0);
}

/*
 * Stop every run of j with state (cancelled or interrupted; the latter
 * with class "interrupted" and why as its message). Runs not started
 * end now. Running ones are cancelled in the engine, which ends their
 * remote process groups first (bounded: a target that no longer answers
 * costs a few seconds); their on_done records the state, and the job
 * finishes in job_fill when the last one is in. hard (the loop no
 * longer runs: the daemon exits): running ones are cut off at once,
 * their remote processes left as they are.
 */
static void
job_end(struct job *j, enum store_run_state rstate,
    enum store_job_state jstate, const char *why, int hard)
{
	struct job_slot	*s;
	size_t		 i;

	enum run_class	 cls = rstate == STORE_RUN_INTERRUPTED ?
	    RUN_CLASS_INTERRUPTED : RUN_CLASS_NONE;

	j->ending = 1;
	j->end_rstate = rstate;
	j->end_jstate = jstate;
	for (i = 0; i < j->n; i++) {
		s = &j->slots[i];
		if (j->au != NULL)
			jobs_auto_slot_abort(s, why);
		switch (s->state) {
		case SLOT_RUNNING:
			if (!hard) {
				/* on_done may run now: s is DONE then */
				ssh_batch_cancel(s->b, why);
				break;
			}
			/* FALLTHROUGH */
		case SLOT_STEP:	/* automation: no step in flight */
			jobs_slot_release(s);	/* aborts the channel */
			j->active--;
			jobs_slot_end(s, rstate, cls, why);
			break;
		case SLOT_WAIT:
			jobs_slot_end(s, rstate, cls, why);
			break;
		case SLOT_DONE:
			jobs_slot_release(s);
			s->state = SLOT_OVER;
			break;
		case SLOT_OVER:
			break;
		}
	}
	if (hard || j->active == 0)
		job_finish(j, jstate);
	else
		jobs_kick(j->js->ctx);
}

/* job_end on every running job not ending already. */
static void
jobs_end_all(struct jobs *js, enum store_run_state rstate,
    enum store_job_state jstate, const char *why, int hard)
{
	struct job	*j, *next;

	for (j = js->running; j != NULL; j = next) {
		next = j->next_job;
		if (hard || !j->ending)
			job_end(j, rstate, jstate, why, hard);
	}
}

static int
job_start(struct jobs *js, int64_t id, struct ops_err *err)
{
	struct ops_ctx		*ctx = js->ctx;
	struct store_job	*sj = NULL;
	struct store_run_list	 rl = { NULL, 0 };
	struct job		*j = NULL;
	size_t			 i;
	int			 rc;

	if ((rc = store_job_get(ctx->store, id, &sj, err)) != OPS_OK ||
	    (rc = store_run_list(ctx->store, id, 0, &rl, err)) != OPS_OK)
		goto out;
	if ((j = calloc(1, sizeof(*j))) == NULL ||
	    (rl.n > 0 && (j->slots = calloc(rl.n, sizeof(*j->slots))) ==
	    NULL)) {
		rc = ops_err_set(err, OPS_E_NOMEM, "start job %lld",
		    (long long)id);
		goto out;
	}
	j->js = js;
	j->id = id;
	j->input = jobs_input_take(js, id);
	j->n = rl.n;
	j->script = sj->script;
	j->timeout_ms = sj->timeout_ms;
	j->connect_timeout_ms = sj->connect_timeout_ms;
	j->output_cap = (size_t)(sj->output_cap > 0 ? sj->output_cap :
	    config_num(ctx->config, "output-cap"));
	j->forks = sj->forks > 0 ? sj->forks : (int)config_num(ctx->config,
	    "forks");
	if (j->forks <= 0)
		j->forks = 1;
	j->command = sj->command;
	sj->command = NULL;
	j->become_user = sj->become_user;	/* taken */
	j->become_cred = sj->become_cred;
	sj->become_user = sj->become_cred = NULL;
	for (i = 0; i < rl.n; i++) {
		j->slots[i].job = j;
		j->slots[i].run_id = rl.v[i].id;
		j->slots[i].target = rl.v[i].target;
		rl.v[i].target = NULL;
	}
	if ((rc = jobs_auto_load(j, sj, err)) != OPS_OK ||
	    (rc = store_job_set_state(ctx->store, id, STORE_JOB_RUNNING,
	    err)) != OPS_OK)
		goto out;
	j->next_job = js->running;
	js->running = j;
	js->nrunning++;
	log_info(&ctx->log, "job %lld started on %zu targets (forks %d)",
	    (long long)id, j->n, j->forks);
	emit_job_state(ctx, id, STORE_JOB_RUNNING, 0, 0, j->n);
	j = NULL;
out:
	job_free(j);
	store_job_free(sj);
	store_run_list_free(&rl);
	return rc;
}

/* A job that cannot even start fails as a whole (never loops). */
static void
job_refuse(struct jobs *js, int64_t id, const char *why)
{
	struct ops_ctx		*ctx = js->ctx;
	struct store_run_list	 rl = { NULL, 0 };
	size_t			 i, n = 0;

	log_warnx(&ctx->log, "job %lld: %s", (long long)id, why);
	if (store_run_list(ctx->store, id, 0, &rl, NULL) == OPS_OK)
		for (i = 0; i < rl.n; i++)
			(void)store_run_finish(ctx->store, rl.v[i].id,
			    STORE_RUN_ERROR, -1, 0, why, NULL);
	n = rl.n;
	store_run_list_free(&rl);
	(void)store_job_set_state(ctx->store, id, STORE_JOB_FAILED, NULL);
	emit_job_state(ctx, id, STORE_JOB_FAILED, 0, n, n);
}

/*
 * Jobs with an input held in memory (jobs-input.c) start now, whatever
 * else runs: their input must not wait in the queue through a restart.
 * A daemon that is stopping fails them instead of leaving them queued.
 */
static void
start_parked(struct jobs *js)
{
	struct ops_err	 err;
	int64_t		 id;

	while ((id = jobs_input_next(js)) != 0) {
		if (js->stopping) {
			jobs_input_free(jobs_input_take(js, id));
			job_refuse(js, id, "opsicled stopped before the job "
			    "started (its input is not kept)");
		} else if (job_start(js, id, &err) != OPS_OK) {
			jobs_input_free(jobs_input_take(js, id));
			job_refuse(js, id, ops_err_msg(&err));
		} else
			job_fill(js->running);
	}
}

static void
jobs_recover(struct jobs *js)
{
	struct ops_ctx	*ctx = js->ctx;
	struct ops_err	 err;
	int64_t		 n = 0;

	js->recovered = ctx->store;
	/* awaiting jobs stay; those whose deadline passed expire now */
	approval_start(ctx);
	if (store_jobs_recover(ctx->store, &n, &err) != OPS_OK ||
	    store_run_steps_recover(ctx->store, &err) != OPS_OK)
		log_warnx(&ctx->log, "recover jobs: %s", ops_err_msg(&err));
	else if (n > 0)
		log_info(&ctx->log, "marked %lld runs interrupted (the daemon "
		    "stopped under them)", (long long)n);
	js->retention_ms = 0;
}

static void
jobs_retention(struct jobs *js)
{
	struct ops_ctx	*ctx = js->ctx;
	struct ops_err	 err;
	long long	 days = config_num(ctx->config, "retention-days");
	long long	 now = evloop_now_ms();
	int64_t		 n = 0;
	struct timespec	 ts;

	if (js->retention_ms != 0 && now - js->retention_ms <
	    RETENTION_PERIOD_MS)
		return;
	js->retention_ms = now;
	if (days <= 0)
		return;
	clock_gettime(CLOCK_REALTIME, &ts);
	if (store_output_prune(ctx->store, (int64_t)ts.tv_sec * 1000 -
	    days * 24 * 3600 * 1000, &n, &err) != OPS_OK)
		log_warnx(&ctx->log, "retention: %s", ops_err_msg(&err));
	else if (n > 0)
		log_info(&ctx->log, "retention: pruned %lld output chunks of "
		    "jobs older than %lld days", (long long)n, days);
}

static void
jobs_drained(struct jobs *js)
{
	if (js->drained != NULL)
		js->drained(js->ctx);
}

static long long
linger_timer(struct evloop *loop, long long id, void *arg)
{
	struct jobs	*js = arg;

	(void)loop;
	(void)id;
	js->linger_timer = 0;
	jobs_drained(js);
	return EVLOOP_NOMORE;
}

static void
jobs_pass(struct jobs *js)
{
	struct ops_ctx	*ctx = js->ctx;
	struct ops_err	 err;
	struct job	*j, *next;
	int64_t		 id;

	/* The store was locked (or reopened) under running jobs: they
	 * cannot record anything more; recovery marks them on unlock. */
	if (js->running != NULL && ctx->store != js->recovered) {
		if (!js->locked_end)
			log_warnx(&ctx->log, "the store was locked: "
			    "interrupting %zu running jobs", js->nrunning);
		js->locked_end = 1;
		jobs_end_all(js, STORE_RUN_INTERRUPTED, STORE_JOB_INTERRUPTED,
		    "the store was locked", 0);
	} else
		js->locked_end = 0;
	for (j = js->running; j != NULL; j = next) {
		next = j->next_job;
		job_fill(j);
	}
	if (ctx->store != NULL) {
		if (js->recovered != ctx->store)
			jobs_recover(js);
		if (!js->stopping)
			jobs_retention(js);
		start_parked(js);
		while (!js->stopping && js->nrunning < js->max_running) {
			if (store_job_next_queued(ctx->store, &id,
			    &err) != OPS_OK) {
				log_warnx(&ctx->log, "%s", ops_err_msg(&err));
				break;
			}
			if (id == 0)
				break;
			if (job_start(js, id, &err) != OPS_OK)
				job_refuse(js, id, ops_err_msg(&err));
			else
				job_fill(js->running);
		}
	}
	if (js->stopping && js->nrunning == 0 && !js->shut) {
		js->shut = 1;
		log_info(&ctx->log, "no job is running: stopping");
		/* A moment for attached clients to read their job's end. */
		if (evloop_timer_add(ctx->loop, LINGER_MS, linger_timer, js,
		    &js->linger_timer, NULL) != OPS_OK) {
			js->linger_timer = 0;
			jobs_drained(js);
		}
	}
}

static long long
kick_timer(struct evloop *loop, long long id, void *arg)
{
	struct jobs	*js = arg;

	(void)loop;
	(void)id;
	js->kick_timer = 0;
	jobs_pass(js);
	return EVLOOP_NOMORE;
}

static long long
tick_timer(struct evloop *loop, long long id, void *arg)
{
	(void)loop;
	(void)id;
	jobs_pass(arg);
	return TICK_MS;
}

/* Store the output every run holds back, in one commit when we can. */
static void
flush_all(struct jobs *js)
{
	struct ops_ctx	*ctx = js->ctx;
	struct ops_err	 err;
	struct job	*j;
	size_t		 i;
	int		 tx;

	js->held = 0;
	if (ctx->store == NULL)
		return;
	/* Inside a caller's transaction (rare), each run commits with it. */
	tx = store_tx_begin(ctx->store, NULL) == OPS_OK;
	for (j = js->running; j != NULL; j = j->next_job)
		for (i = 0; i < j->n; i++)
			if (j->slots[i].state == SLOT_RUNNING ||
			    j->slots[i].state == SLOT_STEP ||
			    j->slots[i].state == SLOT_DONE)
				jobs_slot_flush(&j->slots[i]);
	if (tx && store_tx_commit(ctx->store, &err) != OPS_OK)
		log_warnx(&ctx->log, "store job output: %s",
		    ops_err_msg(&err));
}

/* Only wakes the loop: before_sleep, which runs next, stores it. */
static long long
flush_timer(struct evloop *loop, long long id, void *arg)
{
	struct jobs	*js = arg;

	(void)loop;
	(void)id;
	js->flush_timer = 0;
	return EVLOOP_NOMORE;
}

/*
 * The loop's before-sleep hook: store held output once it is
 * JOBS_FLUSH_MS old, so one commit carries every run's output of that
 * stretch. Requests never see the runner's batching; those that read
 * output ask for it first (jobs_flush_output).
 */
static void
before_sleep(struct evloop *loop, void *arg)
{
	struct jobs	*js = arg;

	(void)loop;
	if (js->held && evloop_now_ms() - js->held_ms >= JOBS_FLUSH_MS)
		jobs_flush_output(js->ctx);
}

void
jobs_flush_output(struct ops_ctx *ctx)
{
	struct jobs	*js = ctx->jobs;

	if (js == NULL || !js->held)
		return;
	if (js->flush_timer != 0) {
		evloop_timer_del(ctx->loop, js->flush_timer);
		js->flush_timer = 0;
	}
	flush_all(js);
}

void
jobs_flush_soon(struct jobs *js)
{
	if (!js->held)
		js->held_ms = evloop_now_ms();
	js->held = 1;
	if (js->flush_timer == 0 && evloop_timer_add(js->ctx->loop,
	    JOBS_FLUSH_MS, flush_timer, js, &js->flush_timer, NULL) != OPS_OK)
		js->flush_timer = 0;	/* the next request or run end will */
}

void
jobs_kick(struct ops_ctx *ctx)
{
	struct jobs	*js = ctx->jobs;

	if (js == NULL || js->kick_timer != 0)
		return;
	if (evloop_timer_add(ctx->loop, 0, kick_timer, js, &js->kick_timer,
	    NULL) != OPS_OK)
		js->kick_timer = 0;	/* the tick will do it */
}

int
jobs_init(struct ops_ctx *ctx, struct ops_err *err)
{
	struct ssh_engine_config	 cfg;
	struct jobs			*js;
	const char			*env;
	int				 rc;

	ctx->jobs = NULL;
	ssh_engine_config_init(&cfg);
	cfg.max_parallel = ENGINE_MAX_PARALLEL;
	if (ctx->config != NULL) {
		cfg.connect_timeout_ms = (int)config_num(ctx->config,
		    "connect-timeout") * 1000;
		cfg.max_opening = (int)config_num(ctx->config, "handshakes");
	}
	if ((rc = ssh_engine_new(ctx->loop, &cfg, &ctx->ssh, err)) != OPS_OK)
		return rc;
	if ((js = calloc(1, sizeof(*js))) == NULL)
		return ops_err_set(err, OPS_E_NOMEM, "allocate the runner");
	js->ctx = ctx;
	js->max_running = JOBS_MAX_RUNNING;
	/* A testing knob (like $OPSICLE_KDF): fewer jobs at once, so that
	 * tests can hold a job in the queue. */
	if ((env = getenv("OPSICLE_JOBS_MAX")) != NULL && *env >= '1' &&
	    *env <= '9' && env[1] == '\0')
		js->max_running = (size_t)(*env - '0');
	ctx->jobs = js;
	if (ctx->store != NULL)
		jobs_recover(js);
	if ((rc = evloop_timer_add(ctx->loop, TICK_MS, tick_timer, js,
	    &js->tick_timer, err)) != OPS_OK)
		return rc;
	evloop_set_before_sleep(ctx->loop, before_sleep, js);
	jobs_kick(ctx);
	return OPS_OK;
}

void
jobs_free(struct ops_ctx *ctx)
{
	struct jobs	*js = ctx->jobs;

	if (js != NULL) {
		evloop_set_before_sleep(ctx->loop, NULL, NULL);
		jobs_end_all(js, STORE_RUN_INTERRUPTED, STORE_JOB_INTERRUPTED,
		    "opsicled stopped", 1);
		if (js->kick_timer != 0)
			evloop_timer_del(ctx->loop, js->kick_timer);
		if (js->flush_timer != 0)
			evloop_timer_del(ctx->loop, js->flush_timer);
		if (js->tick_timer != 0)
			evloop_timer_del(ctx->loop, js->tick_timer);
		if (js->grace_timer != 0)
			evloop_timer_del(ctx->loop, js->grace_timer);
		if (js->linger_timer != 0)
			evloop_timer_del(ctx->loop, js->linger_timer);
		jobs_auth_free_all(js);
		jobs_input_free_all(js);
		free(js);
		ctx->jobs = NULL;
		approval_stop(ctx);
	}
	ssh_engine_free(ctx->ssh);
	ctx->ssh = NULL;
}

static long long
grace_timer(struct evloop *loop, long long id, void *arg)
{
	struct jobs	*js = arg;

	(void)loop;
	(void)id;
	js->grace_timer = 0;
	if (js->running != NULL)
		log_info(&js->ctx->log, "grace period over: interrupting %zu "
		    "running jobs (their remote processes are ended first)",
		    js->nrunning);
	jobs_end_all(js, STORE_RUN_INTERRUPTED, STORE_JOB_INTERRUPTED,
	    "opsicled stopped", 0);
	jobs_pass(js);
	return EVLOOP_NOMORE;
}

void
jobs_shutdown(struct ops_ctx *ctx, long long grace_ms,
    void (*drained)(struct ops_ctx *))
{
	struct jobs	*js = ctx->jobs;

	if (js == NULL) {
		drained(ctx);
		return;
	}
	if (js->stopping)
		return;
	js->stopping = 1;
	js->drained = drained;
	if (js->nrunning > 0) {
		log_info(&ctx->log, "stopping: %zu jobs still running, waiting "
		    "up to %lld ms", js->nrunning, grace_ms);
		if (evloop_timer_add(ctx->loop, grace_ms, grace_timer, js,
		    &js->grace_timer, NULL) != OPS_OK)
			js->grace_timer = 0;
	}
	jobs_kick(ctx);
}

int
jobs_stopping(const struct ops_ctx *ctx)
{
	return ctx->jobs != NULL && ctx->jobs->stopping;
}

int
jobs_is_running(const struct ops_ctx *ctx, long long id)
{
	const struct job	*j;

	if (ctx->jobs == NULL)
		return 0;
	for (j = ctx->jobs->running; j != NULL; j = j->next_job)
		if (j->id == id)
			return 1;
	return 0;
}

/* ended(arg) when j has ended (now, when out of memory). */
static void
job_wait_for_end(struct job *j, void (*ended)(void *), void *arg)
{
	struct job_waiter	*nw;

	if (ended == NULL)
		return;
	nw = realloc(j->waiters, (j->nwaiters + 1) * sizeof(*nw));
	if (nw == NULL) {
		ended(arg);
		return;
	}
	j->waiters = nw;
	j->waiters[j->nwaiters].ended = ended;
	j->waiters[j->nwaiters++].arg = arg;
}

int
jobs_cancel(struct ops_ctx *ctx, long long id, void (*ended)(void *),
    void *arg, struct ops_err *err)
{
	struct store_job	*sj = NULL;
	struct store_run_list	 rl = { NULL, 0 };
	struct job		*j;
	size_t			 i;
	int			 rc;

	for (j = ctx->jobs != NULL ? ctx->jobs->running : NULL; j != NULL;
	    j = j->next_job)
		if (j->id == id) {
			if (!j->ending) {
				log_info(&ctx->log, "job %lld cancelled", id);
				/* the answer first: job_end may finish j */
				job_wait_for_end(j, ended, arg);
				job_end(j, STORE_RUN_CANCELLED,
				    STORE_JOB_CANCELLED, "cancelled", 0);
			} else
				job_wait_for_end(j, ended, arg);
			return OPS_OK;
		}
	if ((rc = store_job_get(ctx->store, id, &sj, err)) != OPS_OK)
		return rc;
	if (sj->state == STORE_JOB_AWAITING) {
		/* it never started: its request ends with it */
		if ((rc = approval_cancel(ctx, id, NULL, err)) == OPS_OK &&
		    ended != NULL)
			ended(arg);
		goto out;
	}
	if (sj->state == STORE_JOB_QUEUED && ctx->jobs != NULL)
		jobs_input_free(jobs_input_take(ctx->jobs, id));
	if (sj->state != STORE_JOB_QUEUED) {
		rc = ops_err_set(err, OPS_E_INVAL, "cancel job %lld: it "
		    "already ended (%s)", id, store_job_state_name(sj->state));
		goto out;
	}
	if ((rc = store_run_list(ctx->store, id, 0, &rl, err)) != OPS_OK)
		goto out;
	for (i = 0; i < rl.n; i++)
		if ((rc = store_run_finish(ctx->store, rl.v[i].id,
		    STORE_RUN_CANCELLED, -1, 0, "cancelled", err)) != OPS_OK)
			goto out;
	if ((rc = store_job_set_state(ctx->store, id, STORE_JOB_CANCELLED,
	    err)) != OPS_OK)
		goto out;
	emit_job_state(ctx, id, STORE_JOB_CANCELLED, 0, rl.n, rl.n);
	if (ended != NULL)
		ended(arg);
out:
	store_job_free(sj);
	store_run_list_free(&rl);
	return rc;
}

int
runner_submit(struct ops_ctx *ctx, const struct job_spec *spec,
    const char *actor, int64_t *job, struct ops_err *err)
{
	struct store_job_spec	s;
	/* what a transfer holds, taken whatever happens (daemon.h) */
	struct job_input	*xin = NULL;
	struct auto_approval	*adhoc = NULL;
	const struct auto_approval *policy = NULL;
	int			rc;

	*job = 0;
	if (spec->xfer_dir != 0) {
		xin = jobs_input_new();
		xin->xfer_dir = spec->xfer_dir;
		xin->xfer_remote = xstrdup(spec->xfer_remote);
		xin->xfer_local = xstrdup(spec->xfer_local);
		xin->xfer_mode = spec->xfer_mode;
		xin->xfer_data = spec->xfer_data;
		xin->xfer_len = spec->xfer_len;
		if (spec->xfer_dir == SSH_PULL)
			xin->xfer_dirfd = spec->xfer_dirfd;
	}
	if (ctx->store == NULL) {
		secret_free(spec->stdin_data);
		jobs_input_free(xin);
		return ops_err_set(err, OPS_E_LOCKED, "store is locked; run "
		    "opsicle unlock");
	}
	if (jobs_stopping(ctx)) {
		secret_free(spec->stdin_data);
		jobs_input_free(xin);
		return ops_err_set(err, OPS_E_LOCKED, "%s: opsicled is "
		    "stopping and takes no new jobs", spec->rerun_of != 0 ?
		    "rerun" : "run");
	}
	if ((rc = approval_policy_for(ctx, spec, &adhoc, &policy, err)) !=
	    OPS_OK || (policy != NULL && (spec->stdin_data != NULL ||
	    spec->nhosts > 0 || xin != NULL))) {
		if (rc == OPS_OK)
			rc = ops_err_set(err, OPS_E_INVAL, "%s needs approval, "
			    "and a job that waits for approval cannot hold "
			    "input only in memory (run --stdin, run --host, "
			    "push, pull)", spec->automation != NULL ?
			    "this automation" : "this run");
		secret_free(spec->stdin_data);
		jobs_input_free(xin);
		automation_approval_free(adhoc);
		return rc;
	}
	memset(&s, 0, sizeof(s));
	s.command = spec->command;
	s.script = spec->script;
	s.timeout_ms = spec->timeout_ms;
	s.forks = spec->forks;
	/* The cap is fixed now: a reload does not move it mid-job, and the
	 * store and the live stream cut at the same byte. */
	s.output_cap = spec->output_cap > 0 ? (int64_t)spec->output_cap :
	    config_num(ctx->config, "output-cap");
	s.connect_timeout_ms = spec->connect_timeout_ms;
	s.requested_by = actor;
	s.targets = spec->targets;
	s.ntargets = spec->ntargets;
	s.hosts = spec->hosts;
	s.nhosts = spec->nhosts;
	s.become_user = spec->become_user;
	s.become_cred = spec->become_cred;
	/* A target removed since fails with the store's message. */
	if ((rc = store_job_add(ctx->store, &s, job, err)) != OPS_OK ||
	    (spec->automation != NULL && (rc = jobs_auto_submit(ctx, *job,
	    spec, err)) != OPS_OK) ||
	    (policy != NULL && (rc = approval_request(ctx, *job, policy,
	    spec, actor, err)) != OPS_OK)) {
		secret_free(spec->stdin_data);
		*job = 0;
		jobs_input_free(xin);
		automation_approval_free(adhoc);
		return rc;
	}
	automation_approval_free(adhoc);
	if (policy != NULL) {
		log_info(&ctx->log, "job %lld awaits approval (requested by "
		    "%s)", (long long)*job, actor);
		return OPS_OK;
	}
	if ((spec->stdin_data != NULL || spec->nhosts > 0 || xin != NULL) &&
	    ctx->jobs != NULL) {
		struct job_input *in = xin != NULL ? xin : jobs_input_new();

		in->stdin_data = spec->stdin_data;
		in->adhoc = spec->nhosts > 0;
		in->cred = spec->host_cred != NULL ?
		    xstrdup(spec->host_cred) : NULL;
		in->accept_new = spec->accept_new_hostkey;
		in->actor = xstrdup(actor);
		jobs_input_park(ctx->jobs, *job, in);
	} else {
		secret_free(spec->stdin_data);
		jobs_input_free(xin);
	}
	if (spec->rerun_of != 0)
		log_info(&ctx->log, "job %lld queued by %s (rerun of %lld)",
		    (long long)*job, actor, (long long)spec->rerun_of);
	else
		log_info(&ctx->log, "job %lld queued by %s on %zu targets%s",
		    (long long)*job, actor, spec->ntargets + spec->nhosts,
		    spec->nhosts > 0 ? " (some ad-hoc hosts)" : "");
	jobs_kick(ctx);
	return OPS_OK;
}

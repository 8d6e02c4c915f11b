/*
 * ssh-engine.c: the engine and its batches: fan-out with a concurrency
 * limit, and the life of each task: start on a pooled or new session,
 * step it through its kind (struct ssh_task_ops), and act on what the
 * step returns: finish, clean up, drop, reconnect, time out. Only this
 * file finishes a task.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ssh-int.h"

#define DEFAULT_CAP	(1024 * 1024)
#define CLEANUP_MS	10000	/* to remove a temp file after a failure */
#define CANCEL_MS	6000	/* a cancel's kill: 2 s grace, round trips */

static int	engine_run_task(struct ssh_task *tk);
static void	engine_task_failed(struct ssh_task *tk);
static void	engine_schedule(struct ssh_engine *eng);

static const struct ssh_conn_hooks engine_hooks = {
	.run = engine_run_task,
	.failed = engine_task_failed,
	.opened = engine_schedule,
};

void
ssh_engine_config_init(struct ssh_engine_config *cfg)
{
	memset(cfg, 0, sizeof(*cfg));
	cfg->max_parallel = 64;
	cfg->connect_timeout_ms = 15000;
	cfg->max_opening = 64;
	cfg->pool = 1;
	cfg->idle_timeout_ms = 300000;
	cfg->keepalive_s = 30;
}

int
ssh_engine_new(struct evloop *loop, const struct ssh_engine_config *cfg,
    struct ssh_engine **out, struct ops_err *err)
{
	struct ssh_engine *eng;
	int rc;

	*out = NULL;
	if (libssh2_init(0) != 0)
		return ops_err_set(err, OPS_E_CRYPTO, "initialise libssh2");
	if ((eng = calloc(1, sizeof(*eng))) == NULL) {
		libssh2_exit();
		return ops_err_errno(err, OPS_E_NOMEM, "allocate SSH engine");
	}
	eng->loop = loop;
	eng->hooks = &engine_hooks;
	if (cfg != NULL)
		eng->cfg = *cfg;
	else
		ssh_engine_config_init(&eng->cfg);
	if (eng->cfg.max_parallel <= 0)
		eng->cfg.max_parallel = 64;
	if (eng->cfg.connect_timeout_ms <= 0)
		eng->cfg.connect_timeout_ms = 15000;
	if (eng->cfg.max_opening <= 0)
		eng->cfg.max_opening = 64;
	if (eng->cfg.idle_timeout_ms <= 0)
		eng->cfg.idle_timeout_ms = 300000;
	if ((rc = ssh_pool_start(eng, err)) != 0) {
		free(eng);
		libssh2_exit();
		return rc;
	}
	*out = eng;
	return 0;
}

void
ssh_engine_free(struct ssh_engine *eng)
{
	if (eng == NULL)
		return;
	while (eng->conns != NULL)
		ssh_conn_destroy(eng->conns);
	if (eng->ka_timer)
		evloop_timer_del(eng->loop, eng->ka_timer);
	free(eng);
	libssh2_exit();
}

void
ssh_engine_stats(const struct ssh_engine *eng, struct ssh_stats *st)
{
	*st = eng->st;
}

void
ssh_engine_close_idle(struct ssh_engine *eng)
{
	struct ssh_conn *c, *next;

	for (c = eng->conns; c != NULL; c = next) {
		next = c->next;
		if (c->in_pool)
			ssh_conn_destroy(c);
	}
}

/* ---- the task lifecycle ----------------------------------------------- */

/* The session goes: the task forgets its handles, then it is closed. */
static void
task_release_conn(struct ssh_task *tk)
{
	struct ssh_conn *c = tk->conn;

	if (c == NULL)
		return;
	tk->b->ops->release(tk);
	c->task = NULL;
	tk->conn = NULL;
	ssh_conn_destroy(c);
}

/* The result is final: the session back to the pool (reusable) or
 * closed, the slot freed, the caller told. */
static void
task_finish(struct ssh_task *tk, int reusable)
{
	struct ssh_batch *b = tk->b;
	struct ssh_engine *eng = b->eng;
	struct ssh_conn *c = tk->conn;

	if (tk->state == TASK_FINISHED)
		return;
	if (tk->timer) {
		evloop_timer_del(eng->loop, tk->timer);
		tk->timer = 0;
	}
	if (c != NULL && reusable) {
		c->task = NULL;
		tk->conn = NULL;
		ssh_pool_put(c);
	} else
		task_release_conn(tk);
	b->ops->free(tk);
	tk->state = TASK_FINISHED;
	b->ndone++;
	if (tk->r->ok)
		b->nok++;
	eng->st.runs++;
	if (tk->active) {
		tk->active = 0;
		eng->st.active--;
	}
	if (b->x->on_done != NULL)
		b->x->on_done(b->x->arg, tk->idx, tk->r);
	engine_schedule(eng);
}

static int
task_drop(struct ssh_task *tk)
{
	task_finish(tk, 0);
	return DRIVE_GONE;
}

static long long
task_cleanup_expired(struct evloop *loop, long long id, void *arg)
{
	struct ssh_task *tk = arg;

	tk->timer = 0;
	if (tk->b->ops->expire != NULL)
		tk->b->ops->expire(tk);
	task_drop(tk);
	return EVLOOP_NOMORE;
}

/*
 * A failed task (result set). What it made remotely is removed first,
 * while the session lives and within CLEANUP_MS (DRIVE_NEXT: keep
 * driving); else the session is dropped.
 */
static int
task_abort_within(struct ssh_task *tk, int ms)
{
	const struct ssh_task_ops *ops = tk->b->ops;
	struct evloop *loop = tk->b->eng->loop;

	tk->cleaning = 1;
	if (ops->cleanup == NULL || tk->conn == NULL ||
	    ops->cleanup(tk) != STEP_NEXT)
		return task_drop(tk);
	if (tk->timer) {
		evloop_timer_del(loop, tk->timer);
		tk->timer = 0;
	}
	if (evloop_timer_add(loop, ms, task_cleanup_expired, tk,
	    &tk->timer, NULL) != 0)
		return task_drop(tk);
	return DRIVE_NEXT;
}

static int
task_abort(struct ssh_task *tk)
{
	return task_abort_within(tk, CLEANUP_MS);
}

static long long
task_timeout(struct evloop *loop, long long id, void *arg)
{
	struct ssh_task *tk = arg;
	struct ssh_conn *c = tk->conn;
	const char *what = tk->b->xf != NULL ? "transfer" : "command";

	tk->timer = 0;
	ssh_result_fail(tk->r, SSH_CLASS_TIMEOUT, OPS_E_TIMEOUT,
	    "%s on %s timed out after %d ms; channel closed", what,
	    tk->t->name, tk->b->x->timeout_ms);
	if (task_abort(tk) == DRIVE_NEXT && c != NULL)
		ssh_conn_drive(c);
	return EVLOOP_NOMORE;
}

/* The run timeout, once per task, from when its own work begins. */
static int
task_deadline(struct ssh_task *tk)
{
	const struct ssh_exec *x = tk->b->x;

	if (tk->clock)
		return DRIVE_NEXT;
	tk->clock = 1;
	if (x->timeout_ms <= 0 || evloop_timer_add(tk->b->eng->loop,
	    x->timeout_ms, task_timeout, tk, &tk->timer, NULL) == 0)
		return DRIVE_NEXT;
	ssh_result_fail(tk->r, SSH_CLASS_INTERNAL, OPS_E_NOMEM,
	    "arm timeout for %s", tk->t->name);
	return task_abort(tk);
}

/* Put tk on a session: its conn_drive calls engine_run_task when READY. */
static int
task_attach(struct ssh_task *tk, struct ssh_conn *c)
{
	c->task = tk;
	tk->conn = c;
	tk->state = TASK_CONNECTING;
	ssh_conn_drive(c);
	return DRIVE_GONE;
}

/* The pooled session was dead: start over on a fresh one, once. */
static int
task_reconnect(struct ssh_task *tk)
{
	struct ssh_engine *eng = tk->b->eng;
	struct ssh_conn *c;

	task_release_conn(tk);
	tk->retried = 1;
	tk->r->reused = 0;
	eng->st.reconnects++;
	if (ssh_conn_new(eng, tk->t, &c) != 0) {
		ssh_result_fail(tk->r, SSH_CLASS_INTERNAL, OPS_E_NOMEM,
		    "reconnect to %s: out of memory", tk->t->name);
		return task_drop(tk);
	}
	return task_attach(tk, c);
}

/* The session hook: one step of tk's kind, and what comes of it. */
static int
engine_run_task(struct ssh_task *tk)
{
	if (tk->state != TASK_RUNNING) {
		tk->state = TASK_RUNNING;
		tk->b->ops->start(tk);
	}
	switch (tk->b->ops->step(tk)) {
	case STEP_NEXT:
		return DRIVE_NEXT;
	case STEP_WAIT:
		ssh_conn_wait(tk->conn);
		return DRIVE_WAIT;
	case STEP_DEADLINE:
		return task_deadline(tk);
	case STEP_DONE:
		task_finish(tk, 1);
		return DRIVE_GONE;
	case STEP_FAIL:
		return task_abort(tk);
	case STEP_RECONNECT:
		return task_reconnect(tk);
	case STEP_DROP:
	default:
		return task_drop(tk);
	}
}

/* The session hook: it failed before tk could run (result set). */
static void
engine_task_failed(struct ssh_task *tk)
{
	task_finish(tk, 0);
}

static void
task_start(struct ssh_task *tk)
{
	struct ssh_engine *eng = tk->b->eng;
	struct ssh_conn *c;

	eng->st.active++;
	tk->active = 1;
	if ((c = ssh_pool_take(eng, tk->t)) != NULL) {
		eng->st.reuses++;
		tk->r->reused = 1;
		if (ssh_hostkey_check(tk->t, &c->hk, tk->r) != 0) {
			/* the session is fine; the target's keys are not */
			ssh_pool_put(c);
			task_finish(tk, 0);
			return;
		}
		/* READY already: the first drive runs the task */
		task_attach(tk, c);
		return;
	}
	if (ssh_conn_new(eng, tk->t, &c) != 0) {
		ssh_result_fail(tk->r, SSH_CLASS_INTERNAL, OPS_E_NOMEM,
		    "connect to %s: out of memory", tk->t->name);
		task_finish(tk, 0);
		return;
	}
	task_attach(tk, c);
}

/* Would tk open a new session (no pooled one for its target)? */
static int
task_needs_session(struct ssh_engine *eng, const struct ssh_task *tk)
{
	return ssh_pool_find(eng, tk->t) == NULL;
}

static void
engine_schedule(struct ssh_engine *eng)
{
	struct ssh_task *tk;

	/* Tasks that fail at once finish inside task_start: no recursion. */
	if (eng->scheduling)
		return;
	eng->scheduling = 1;
	/*
	 * Handshakes are opened max_opening at a time, in queue order: 500
	 * started at once all share the CPU (ours and sshd's), all finish
	 * late, and many pass the connect timeout; a few dozen at a time
	 * finish one after another. Runs on pooled sessions do not wait.
	 */
	while (eng->st.active < (unsigned long)eng->cfg.max_parallel &&
	    (tk = eng->pend_head) != NULL &&
	    (eng->st.opening < (unsigned long)eng->cfg.max_opening ||
	    !task_needs_session(eng, tk))) {
		eng->pend_head = tk->next_pending;
		if (eng->pend_head == NULL)
			eng->pend_tail = NULL;
		tk->next_pending = NULL;
		task_start(tk);
	}
	eng->scheduling = 0;
}

/* ---- batches ---------------------------------------------------------- */

static int
batch_command(struct ssh_batch *b, struct ops_err *err)
{
	const struct ssh_exec *x = b->x;
	char hex[33];

	if (x->sudo) {
		ssh_rand_hex(hex, 16);
		snprintf(b->marker, sizeof(b->marker), "OPSICLE-SUDO-OK-%.16s",
		    hex);
		snprintf(b->prompt, sizeof(b->prompt),
		    "[opsicle-sudo-%.16s] password:", hex + 16);
		if (x->sudo_password != NULL) {
			size_t pl = secret_len(x->sudo_password);
			int rc;

			if ((rc = secret_new(pl + 1, &b->pre, err)) != 0)
				return rc;
			memcpy(secret_data(b->pre),
			    secret_cdata(x->sudo_password), pl);
			secret_data(b->pre)[pl] = '\n';
		}
	}
	/* scripts and transfers build their commands per task */
	if (x->script != NULL || b->xf != NULL || x->command == NULL)
		return 0;
	/* built to report its process group, for the kill */
	if ((b->command = ssh_batch_wrap_cmd(b, x->command, 1)) == NULL)
		return ops_err_errno(err, OPS_E_NOMEM, "build command");
	return 0;
}

static const struct ssh_task_ops *
batch_kind(const struct ssh_exec *x, const struct ssh_xfer *xf)
{
	if (xf != NULL)
		return xf->dir == SSH_PUSH ? &ssh_task_push_ops :
		    &ssh_task_pull_ops;
	return x->script != NULL ? &ssh_task_script_ops : &ssh_task_exec_ops;
}

static void
batch_release(struct ssh_batch *b)
{
	if (b->ops->unprepare != NULL)
		b->ops->unprepare(b);
	secret_free(b->pre);
	free(b->command);
	free(b->tasks);
	free(b->results);
	free(b);
}

static void
batch_queue(struct ssh_batch *b, const struct ssh_target *t)
{
	struct ssh_engine *eng = b->eng;
	size_t i;

	for (i = 0; i < b->n; i++) {
		struct ssh_task *tk = &b->tasks[i];

		tk->b = b;
		tk->idx = i;
		tk->t = &t[i];
		tk->r = &b->results[i];
		tk->r->target = t[i].name;
		tk->r->exit_status = -1;
		tk->state = TASK_PENDING;
		tk->sf.ldir = -1;
		tk->sf.lfd = -1;
		if (eng->pend_tail != NULL)
			eng->pend_tail->next_pending = tk;
		else
			eng->pend_head = tk;
		eng->pend_tail = tk;
	}
}

static int
batch_new(struct ssh_engine *eng, const struct ssh_target *t, size_t n,
    const struct ssh_exec *x, const struct ssh_xfer *xf,
    struct ssh_batch **out, struct ops_err *err)
{
	struct ssh_batch *b;
	size_t i;
	int rc;

	*out = NULL;
	if (n > 0 && t == NULL)
		return ops_err_set(err, OPS_E_INVAL,
		    "start SSH run: no targets");
	for (i = 0; i < n; i++) {
		if (t[i].name == NULL || t[i].host == NULL)
			return ops_err_set(err, OPS_E_INVAL,
			    "start SSH run: target %zu has no name or host", i);
	}
	if ((b = calloc(1, sizeof(*b))) == NULL)
		return ops_err_errno(err, OPS_E_NOMEM, "allocate SSH run");
	b->eng = eng;
	b->ldirfd = -1;
	b->xf = xf;
	b->ops = batch_kind(x, xf);
	if (xf != NULL) {
		b->xbuf.timeout_ms = xf->timeout_ms;
		b->xbuf.on_done = xf->on_done;
		b->xbuf.arg = xf->arg;
		x = &b->xbuf;
	}
	b->x = x;
	b->n = n;
	b->cap = x->output_cap ? x->output_cap : DEFAULT_CAP;
	if ((rc = batch_command(b, err)) != 0)
		goto fail;
	if (b->ops->prepare != NULL && (rc = b->ops->prepare(b, err)) != 0)
		goto fail;
	if (n > 0 && ((b->tasks = calloc(n, sizeof(*b->tasks))) == NULL ||
	    (b->results = calloc(n, sizeof(*b->results))) == NULL)) {
		rc = ops_err_errno(err, OPS_E_NOMEM,
		    "allocate SSH run of %zu targets", n);
		goto fail;
	}
	batch_queue(b, t);
	*out = b;
	engine_schedule(eng);
	return 0;
fail:
	batch_release(b);
	return rc;
}

int
ssh_batch_start(struct ssh_engine *eng, const struct ssh_target *t,
    size_t n, const struct ssh_exec *x, struct ssh_batch **out,
    struct ops_err *err)
{
	*out = NULL;
	if (x == NULL || (x->command == NULL && x->script == NULL))
		return ops_err_set(err, OPS_E_INVAL,
		    "start SSH run: no command and no script");
	return batch_new(eng, t, n, x, NULL, out, err);
}

int
ssh_batch_start_xfer(struct ssh_engine *eng, const struct ssh_target *t,
    size_t n, const struct ssh_xfer *xf, struct ssh_batch **out,
    struct ops_err *err)
{
	*out = NULL;
	if (xf == NULL || xf->remote == NULL || xf->remote[0] == '\0' ||
	    (xf->dir != SSH_PUSH && xf->dir != SSH_PULL) ||
	    (xf->local == NULL && (xf->dir == SSH_PULL || xf->data == NULL)))
		return ops_err_set(err, OPS_E_INVAL,
		    "start SSH transfer: no direction, remote path or local "
		    "file");
	return batch_new(eng, t, n, NULL, xf, out, err);
}

int
ssh_batch_done(const struct ssh_batch *b)
{
	return b->ndone == b->n;
}

size_t
ssh_batch_count(const struct ssh_batch *b)
{
	return b->n;
}

void
ssh_batch_counts(const struct ssh_batch *b, size_t *nok, size_t *nfail)
{
	if (nok != NULL)
		*nok = b->nok;
	if (nfail != NULL)
		*nfail = b->ndone - b->nok;
}

const struct ssh_result *
ssh_batch_result(const struct ssh_batch *b, size_t i)
{
	return i < b->n ? &b->results[i] : NULL;
}

/* Drop b's pending tasks from the engine's queue. */
static void
batch_unqueue(struct ssh_batch *b)
{
	struct ssh_engine *eng = b->eng;
	struct ssh_task **tp = &eng->pend_head, *tk;

	eng->pend_tail = NULL;
	while ((tk = *tp) != NULL) {
		if (tk->b == b) {
			*tp = tk->next_pending;
			tk->next_pending = NULL;
			continue;
		}
		eng->pend_tail = tk;
		tp = &tk->next_pending;
	}
}

/*
 * Cancel: a task not started yet finishes at once, one still connecting
 * is dropped (nothing of it runs remotely yet); a running one fails with
 * why and aborts like a timed-out one: its kill (and temp file removal)
 * runs first, within CANCEL_MS, then its session is closed. Tasks that
 * clean up already go on. Results come through on_done as usual.
 */
void
ssh_batch_cancel(struct ssh_batch *b, const char *why)
{
	struct ssh_task *tk;
	struct ssh_conn *c;
	size_t i;

	if (b == NULL)
		return;
	batch_unqueue(b);
	for (i = 0; i < b->n; i++) {
		tk = &b->tasks[i];
		if (tk->state == TASK_FINISHED || tk->cleaning)
			continue;
		switch (tk->state) {
		case TASK_PENDING:
			ssh_result_fail(tk->r, SSH_CLASS_CANCELLED, OPS_E_INVAL,
			    "%s before it started on %s", why, tk->t->name);
			task_finish(tk, 0);
			break;
		case TASK_CONNECTING:
			ssh_result_fail(tk->r, SSH_CLASS_CANCELLED, OPS_E_INVAL,
			    "%s while connecting to %s (nothing ran)", why,
			    tk->t->name);
			task_drop(tk);
			break;
		default:
			c = tk->conn;
			ssh_result_fail(tk->r, SSH_CLASS_CANCELLED, OPS_E_INVAL,
			    "%s on %s; channel closed", why, tk->t->name);
			if (task_abort_within(tk, CANCEL_MS) == DRIVE_NEXT &&
			    c != NULL)
				ssh_conn_drive(c);
			break;
		}
	}
}

void
ssh_batch_free(struct ssh_batch *b)
{
	struct ssh_engine *eng;
	struct ssh_task *tk;
	size_t i;

	if (b == NULL)
		return;
	eng = b->eng;
	batch_unqueue(b);
	for (i = 0; i < b->n; i++) {
		tk = &b->tasks[i];
		if (tk->state == TASK_FINISHED)
			continue;
		if (tk->timer)
			evloop_timer_del(eng->loop, tk->timer);
		task_release_conn(tk);
		b->ops->free(tk);
		if (tk->active)
			eng->st.active--;
	}
	for (i = 0; i < b->n; i++) {
		free(b->results[i].out.data);
		free(b->results[i].err.data);
	}
	batch_release(b);
	engine_schedule(eng);	/* slots freed for other batches */
}

/* Run the loop until b is done; b is freed on a loop error. */
static int
batch_wait(struct ssh_engine *eng, struct ssh_batch *b,
    struct ssh_batch **out, struct ops_err *err)
{
	int rc;

	while (!ssh_batch_done(b)) {
		if ((rc = evloop_run_once(eng->loop, 0, err)) < 0) {
			ssh_batch_free(b);
			return rc;
		}
	}
	*out = b;
	return 0;
}

int
ssh_engine_run(struct ssh_engine *eng, const struct ssh_target *t,
    size_t n, const struct ssh_exec *x, struct ssh_batch **out,
    struct ops_err *err)
{
	struct ssh_batch *b;
	int rc;

	*out = NULL;
	if ((rc = ssh_batch_start(eng, t, n, x, &b, err)) != 0)
		return rc;
	return batch_wait(eng, b, out, err);
}

int
ssh_engine_xfer(struct ssh_engine *eng, const struct ssh_target *t,
    size_t n, const struct ssh_xfer *xf, struct ssh_batch **out,
    struct ops_err *err)
{
	struct ssh_batch *b;
	int rc;

	*out = NULL;
	if ((rc = ssh_batch_start_xfer(eng, t, n, xf, &b, err)) != 0)
		return rc;
	return batch_wait(eng, b, out, err);
}

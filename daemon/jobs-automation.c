/*
 * jobs-automation.c: a job that runs an automation (jobs-int.h says how
 * it fits the runner). The job pins (automation id, version); at start
 * the version's document is read from the store and parsed again, and
 * the files its steps name come from the store with it (never from
 * disk). Per target the steps run in order, each a one-target batch on
 * the daemon's engine: the session stays in the engine's pool between
 * two steps, so a target costs one handshake for the whole automation.
 *
 * Parameters reach the remote command as OPSICLE_PARAM_<NAME> through a
 * shell prelude (core/runenv.h: single-quoted exports; secrets on stdin,
 * never in the command line), and every secret value is masked in the
 * output before it is stored or sent (core/mask.h). A step that fails
 * for a connection-class reason (ssh_class_reached: it never got past
 * authentication) is tried again up to its retries, retry_delay apart
 * (a timer wakes the runner); a non-zero exit never is.
 * on_failure stop skips the target's remaining steps; continue goes on
 * with them. Either way the target ends failed (with the first failing
 * step's result), as a Rundeck "keepgoing" run does.
 */
#include "config.h"

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <sodium.h>

#include "automation.h"
#include "jobs-int.h"
#include "mask.h"
#include "remote-write.h"
#include "runenv.h"
#include "xmalloc.h"

#define AUTO_OUT_KEEP	4096	/* the engine's own copy; we stream */

struct job_auto {
	struct store_automation_doc	*doc;
	struct automation		*a;
	struct store_job_param_list	 params;	/* secrets opened */
	struct runenv_var		*vars;
	char				**names;	/* of vars, owned */
	size_t				 nvars;
	struct mask			*mask;
	int				 batch;		/* current, from 1 */
	int				 nbatches;
	size_t				 max_failures;	/* SIZE_MAX: none */
};

struct slot_auto {
	int			 batch;
	size_t			 step;		/* the current one */
	int			 attempt;	/* retries used on it */
	long long		 not_before;	/* a retry waits */
	int			 failed;	/* some step failed */
	int			 target_password; /* sudo: the target's */
	struct ssh_result	 fail;		/* the first failure */
	struct ssh_xfer		 xf;
	char			*cmd;		/* prelude + command */
	struct secret		*in;		/* secrets for the prelude */
	struct mask_stream	 ms[2];		/* stdout, stderr */
};

static struct ops_ctx *
ctx_of(const struct job *j)
{
	return j->js->ctx;
}

/* ---- submit ------------------------------------------------------------ */

/* Rollout batches in the order of the runs (the targets' order the
 * request gave: by name, or by the rollout's tag rank): batch[i] for run
 * i. */
static void
plan_batches(const struct automation *a, const struct store_run_list *rl,
    int *batch)
{
	size_t	 n = rl->n, size, i;

	if (a->rollout.batch.n <= 0)
		size = n;
	else if (a->rollout.batch.pct)
		size = n * (size_t)a->rollout.batch.n / 100;
	else
		size = (size_t)a->rollout.batch.n;
	if (size < 1)
		size = 1;
	for (i = 0; i < n; i++)
		batch[i] = (int)(i / size) + 1;
}

int
jobs_auto_submit(struct ops_ctx *ctx, int64_t id, const struct job_spec *spec,
    struct ops_err *err)
{
	const struct job_auto_plan	*p = spec->automation;
	struct store_run_list		 rl = { NULL, 0 };
	const char			**steps = NULL;
	int				*batch = NULL;
	size_t				 i;
	int				 rc;

	if ((rc = store_job_auto_set(ctx->store, id, p->automation_id,
	    p->name, p->version, err)) != OPS_OK ||
	    (rc = store_job_params_add(ctx->store, id, p->params, p->nparams,
	    err)) != OPS_OK ||
	    (rc = store_run_list(ctx->store, id, 0, &rl, err)) != OPS_OK)
		goto out;
	steps = xcalloc(p->a->nsteps + 1, sizeof(*steps));
	for (i = 0; i < p->a->nsteps; i++)
		steps[i] = p->a->steps[i].name;
	batch = xcalloc(rl.n + 1, sizeof(*batch));
	plan_batches(p->a, &rl, batch);
	for (i = 0; i < rl.n && rc == OPS_OK; i++)
		rc = store_run_auto_add(ctx->store, rl.v[i].id, batch[i],
		    steps, p->a->nsteps, err);
out:
	free(steps);
	free(batch);
	store_run_list_free(&rl);
	return rc;
}

/* ---- load -------------------------------------------------------------- */

void
jobs_auto_free(struct job *j)
{
	struct job_auto	*au = j->au;
	size_t		 i;

	if (au == NULL)
		return;
	for (i = 0; i < j->n; i++) {
		free(j->slots[i].au);
		j->slots[i].au = NULL;
	}
	for (i = 0; i < au->nvars; i++)
		free(au->names[i]);
	free(au->names);
	free(au->vars);
	mask_free(au->mask);
	store_job_param_list_free(&au->params);
	automation_free(au->a);
	store_automation_doc_free(au->doc);
	free(au);
	j->au = NULL;
}

/* The environment of the steps and the mask of the secrets. */
static int
load_values(struct job_auto *au, struct ops_err *err)
{
	const struct automation		*a = au->a;
	const struct store_job_param	*p;
	char				 name[128];
	size_t				 i, k;
	int				 rc;

	au->vars = xcalloc(au->params.n + 1, sizeof(*au->vars));
	au->names = xcalloc(au->params.n + 1, sizeof(*au->names));
	if ((au->mask = mask_new()) == NULL)
		return ops_err_set(err, OPS_E_NOMEM, "load parameters");
	for (i = 0; i < a->nparams; i++) {
		for (k = 0; k < au->params.n; k++)
			if (strcmp(au->params.v[k].name, a->params[i].name) == 0)
				break;
		if (k == au->params.n)
			continue;	/* no value and not required */
		p = &au->params.v[k];
		automation_env_name(&a->params[i], name, sizeof(name));
		au->names[au->nvars] = xstrdup(name);
		au->vars[au->nvars].name = au->names[au->nvars];
		if (p->secret) {
			if (p->sealed_value == NULL)
				return ops_err_set(err, OPS_E_CORRUPT,
				    "parameter %s: its sealed value is missing",
				    p->name);
			au->vars[au->nvars].value = (const char *)
			    secret_cdata(p->sealed_value);
			au->vars[au->nvars].len = secret_len(p->sealed_value);
			au->vars[au->nvars].secret = 1;
			if ((rc = mask_add(au->mask, secret_cdata(
			    p->sealed_value), secret_len(p->sealed_value),
			    err)) != OPS_OK)
				return rc;
		} else {
			au->vars[au->nvars].value = p->value != NULL ?
			    p->value : "";
			au->vars[au->nvars].len = strlen(
			    au->vars[au->nvars].value);
		}
		au->nvars++;
	}
	return OPS_OK;
}

int
jobs_auto_load(struct job *j, const struct store_job *sj,
    struct ops_err *err)
{
	struct store			*st = ctx_of(j)->store;
	struct store_run_auto_list	 ral = { NULL, 0 };
	struct job_auto			*au;
	enum auto_format		 fmt;
	size_t				 i, k;
	int				 rc;

	if ((rc = store_run_auto_get(st, j->id, &ral, err)) != OPS_OK ||
	    ral.n == 0)
		return rc;
	au = j->au = xcalloc(1, sizeof(*au));
	if (sj->automation_id == 0) {
		rc = ops_err_set(err, OPS_E_NOTFOUND, "automation %s was "
		    "removed before its job started", sj->automation != NULL ?
		    sj->automation : "?");
		goto out;
	}
	if ((rc = store_automation_doc_get_id(st, sj->automation_id,
	    sj->version, &au->doc, err)) != OPS_OK)
		goto out;
	fmt = strcmp(au->doc->format, "json") == 0 ? AUTO_FMT_JSON :
	    AUTO_FMT_YAML;
	if ((rc = automation_parse((const char *)au->doc->doc,
	    au->doc->doc_len, fmt, &au->a, err)) != OPS_OK ||
	    (rc = store_job_params_get(st, j->id, 1, &au->params,
	    err)) != OPS_OK ||
	    (rc = load_values(au, err)) != OPS_OK)
		goto out;
	au->batch = 1;
	au->max_failures = SIZE_MAX;
	if (au->a->rollout.max_failures_set)
		au->max_failures = au->a->rollout.max_failures.pct ?
		    j->n * (size_t)au->a->rollout.max_failures.n / 100 :
		    (size_t)au->a->rollout.max_failures.n;
	for (i = 0; i < j->n; i++) {
		j->slots[i].au = xcalloc(1, sizeof(*j->slots[i].au));
		j->slots[i].au->batch = 1;
		for (k = 0; k < ral.n; k++)
			if (ral.v[k].run_id == j->slots[i].run_id)
				j->slots[i].au->batch = ral.v[k].batch;
		if (j->slots[i].au->batch > au->nbatches)
			au->nbatches = j->slots[i].au->batch;
		mask_stream_init(&j->slots[i].au->ms[0], au->mask);
		mask_stream_init(&j->slots[i].au->ms[1], au->mask);
	}
	log_info(&ctx_of(j)->log, "job %lld: automation %s version %d, %zu "
	    "steps, %d batches", (long long)j->id, au->doc->name,
	    au->doc->version, au->a->nsteps, au->nbatches);
out:
	store_run_auto_list_free(&ral);
	if (rc != OPS_OK)
		jobs_auto_free(j);
	return rc;
}

/* ---- steps ------------------------------------------------------------- */

static const struct store_automation_file *
doc_file(const struct job_auto *au, const char *path)
{
	size_t	i;

	for (i = 0; path != NULL && i < au->doc->nfiles; i++)
		if (strcmp(au->doc->files[i].path, path) == 0)
			return &au->doc->files[i];
	return NULL;
}

static void
emit_out(void *arg, const unsigned char *p, size_t len)
{
	jobs_slot_output(arg, SSH_STDOUT, p, len);
}

static void
emit_err(void *arg, const unsigned char *p, size_t len)
{
	jobs_slot_output(arg, SSH_STDERR, p, len);
}

static void
on_output(void *arg, size_t idx, const char *target, enum ssh_stream stream,
    const unsigned char *buf, size_t len)
{
	struct job_slot		*s = arg;
	struct slot_auto	*sa = s->au;
	int			 e = stream == SSH_STDERR;

	(void)idx;
	(void)target;
	if (mask_stream_feed(&sa->ms[e], buf, len, e ? emit_err : emit_out,
	    s) != 0)
		log_warnx(&ctx_of(s->job)->log, "job %lld on %s: out of memory "
		    "masking output (dropped)", (long long)s->job->id,
		    s->target);
}

static void
step_record(struct job_slot *s, size_t idx, const char *state, int exit_st,
    const char *error)
{
	struct ops_ctx	*ctx = ctx_of(s->job);
	struct ops_err	 err;

	struct ops_event ev = { .kind = OPS_EV_STEP_STATE,
			    .job = s->job->id, .target = s->target };
	char		 msg[OPS_ERR_MSG_MAX];

	/* an error text may quote the target's output: masked too */
	if (error != NULL) {
		mask_text(s->job->au->mask, error, msg, sizeof(msg));
		error = msg;
	}

	if (ctx->store != NULL && store_run_step_set(ctx->store, s->run_id,
	    (int)idx, state, exit_st, error, &err) != OPS_OK)
		log_warnx(&ctx->log, "job %lld on %s: %s", (long long)s->job->id,
		    s->target, ops_err_msg(&err));
	ev.u.step.idx = (int)idx;
	ev.u.step.name = s->job->au->a->steps[idx].name;
	ev.u.step.state = state;
	ev.u.step.exit_status = exit_st;
	ev.u.step.error = error;
	events_post(ctx, &ev);
}

/* The target is done: its result (r, or the first failure). */
static void
target_end(struct job_slot *s, const struct ssh_result *r)
{
	struct slot_auto	*sa = s->au;
	size_t			 i;

	for (i = sa->step + 1; i < s->job->au->a->nsteps; i++)
		step_record(s, i, "skipped", -1, NULL);
	if (sa->failed)
		r = &sa->fail;
	jobs_slot_record(s, r);
	jobs_slot_finished(s, r->ok);
}

static void step_done(void *, size_t, const struct ssh_result *);

static long long
retry_due(struct evloop *loop, long long id, void *arg)
{
	(void)loop;
	(void)id;
	jobs_kick(arg);
	return EVLOOP_NOMORE;
}

/* Start s->x (command and stdin set) as step st's exec, under sudo
 * when st has become. */
static int
exec_start(struct job_slot *s, const struct auto_step *st, int timeout,
    struct ops_err *err)
{
	struct slot_auto	*sa = s->au;

	s->x.timeout_ms = timeout;
	s->x.output_cap = AUTO_OUT_KEEP;
	s->x.on_output = on_output;
	s->x.on_done = step_done;
	s->x.arg = s;
	if (st->become != NULL) {
		s->x.sudo = 1;
		s->x.sudo_user = st->become;
		s->x.sudo_password = sa->target_password && s->auth != NULL ?
		    s->auth->auth.password : NULL;
	}
	return ssh_batch_start(ctx_of(s->job)->ssh, &s->t, 1, &s->x, &s->b,
	    err);
}

/*
 * An upload with become: SFTP would write as the login user, so the
 * bytes go on the stdin of a command that writes them under sudo, checks
 * their SHA-256 and renames them into place (core/remote-write.h).
 */
static int
upload_become(struct job_slot *s, const struct auto_step *st, int timeout,
    struct ops_err *err)
{
	struct slot_auto	*sa = s->au;
	unsigned char		 h[crypto_hash_sha256_BYTES];
	char			 hex[crypto_hash_sha256_BYTES * 2 + 1];
	int			 rc;

	crypto_hash_sha256(h, sa->xf.data, sa->xf.len);
	sodium_bin2hex(hex, sizeof(hex), h, sizeof(h));
	if ((rc = remote_write_command(st->dest, sa->xf.mode, hex, &sa->cmd,
	    err)) != OPS_OK)
		return rc;
	s->x.command = sa->cmd;
	s->x.stdin_data = sa->xf.data;
	s->x.stdin_len = sa->xf.len;
	memset(&sa->xf, 0, sizeof(sa->xf));
	return exec_start(s, st, timeout, err);
}

/* Start step sa->step of s; OPS_OK, or err says why it could not. */
static int
step_start(struct job_slot *s, struct ops_err *err)
{
	struct ops_ctx			*ctx = ctx_of(s->job);
	struct job			*j = s->job;
	struct job_auto			*au = j->au;
	struct slot_auto		*sa = s->au;
	const struct auto_step		*st = &au->a->steps[sa->step];
	const struct store_automation_file *f = NULL;
	int				 rc, timeout;

	free(sa->cmd);
	sa->cmd = NULL;
	secret_free(sa->in);
	sa->in = NULL;
	memset(&s->x, 0, sizeof(s->x));
	memset(&sa->xf, 0, sizeof(sa->xf));
	timeout = st->timeout_ms > 0 ? st->timeout_ms : au->a->timeout_ms > 0 ?
	    au->a->timeout_ms : j->timeout_ms;
	if (sa->attempt == 0)
		step_record(s, sa->step, "running", -1, NULL);
	switch (st->kind) {
	case AUTO_STEP_COMMAND:
	case AUTO_STEP_SCRIPT:
		if (st->kind == AUTO_STEP_SCRIPT) {
			if (st->script_file != NULL &&
			    (f = doc_file(au, st->script_file)) == NULL)
				return ops_err_set(err, OPS_E_NOTFOUND, "step "
				    "%s: script %s is not stored with version "
				    "%d", st->name, st->script_file,
				    au->doc->version);
			s->x.script = f != NULL ? f->data :
			    (const unsigned char *)st->script;
			s->x.script_len = f != NULL ? f->len :
			    strlen(st->script);
		}
		if ((rc = runenv_build(au->vars, au->nvars,
		    st->kind == AUTO_STEP_COMMAND ? st->command :
		    st->interpreter != NULL ? st->interpreter : "sh",
		    &sa->cmd, &sa->in, err)) != OPS_OK)
			return rc;
		s->x.command = sa->cmd;
		if (sa->in != NULL) {
			s->x.stdin_data = secret_cdata(sa->in);
			s->x.stdin_len = secret_len(sa->in);
		}
		return exec_start(s, st, timeout, err);
	case AUTO_STEP_UPLOAD:
		if (st->src != NULL && (f = doc_file(au, st->src)) == NULL)
			return ops_err_set(err, OPS_E_NOTFOUND, "step %s: file "
			    "%s is not stored with version %d", st->name,
			    st->src, au->doc->version);
		sa->xf.dir = SSH_PUSH;
		sa->xf.data = f != NULL ? f->data :
		    (const unsigned char *)(st->content != NULL ? st->content :
		    "");
		sa->xf.len = f != NULL ? f->len : st->content != NULL ?
		    strlen(st->content) : 0;
		sa->xf.remote = st->dest;
		sa->xf.mode = st->mode != 0 ? st->mode : 0644;
		if (st->become != NULL)
			return upload_become(s, st, timeout, err);
		break;
	case AUTO_STEP_DOWNLOAD:
		/* the per-target directories are the engine's (0700) */
		if (mkdir(st->dest, 0700) != 0 && errno != EEXIST)
			return ops_err_errno(err, OPS_E_IO, "step %s: make "
			    "directory %s", st->name, st->dest);
		sa->xf.dir = SSH_PULL;
		sa->xf.local = st->dest;
		sa->xf.remote = st->src;
		sa->xf.mode = 0600;
		break;
	}
	sa->xf.timeout_ms = timeout;
	sa->xf.on_done = step_done;
	sa->xf.arg = s;
	return ssh_batch_start_xfer(ctx->ssh, &s->t, 1, &sa->xf, &s->b, err);
}

/* A step could not even start: it failed, and so does the target. */
static void
step_start_failed(struct job_slot *s, const char *why)
{
	struct slot_auto	*sa = s->au;
	struct ssh_result	 r;

	step_record(s, sa->step, "failed", -1, why);
	memset(&r, 0, sizeof(r));
	r.cls = SSH_CLASS_INTERNAL;
	r.exit_status = -1;
	r.target = s->target;
	snprintf(r.msg, sizeof(r.msg), "step %.64s: %.*s",
	    s->job->au->a->steps[sa->step].name, (int)sizeof(r.msg) - 80, why);
	if (!sa->failed) {
		sa->failed = 1;
		sa->fail = r;
	}
	target_end(s, &r);
}

static void
step_done(void *arg, size_t idx, const struct ssh_result *r)
{
	struct job_slot		*s = arg;
	struct job		*j = s->job;
	struct ops_ctx		*ctx = ctx_of(j);
	struct slot_auto	*sa = s->au;
	const struct auto_step	*st = &j->au->a->steps[sa->step];
	char			 msg[OPS_ERR_MSG_MAX];

	(void)idx;
	mask_stream_end(&sa->ms[0], emit_out, s);
	mask_stream_end(&sa->ms[1], emit_err, s);
	if (r->cls == SSH_CLASS_CANCELLED) {
		/* job_end recorded the steps; now what became of it */
		step_record(s, sa->step, "failed", -1, r->msg);
		jobs_slot_cancelled(s, r);
		return;
	}
	if (!r->ok && ssh_class_reached(ssh_class_name(r->cls)) == 0 &&
	    sa->attempt < st->retries) {
		sa->attempt++;
		sa->not_before = evloop_now_ms() + st->retry_delay_ms;
		/* wake the runner when the delay is up, not on its tick */
		(void)evloop_timer_add(ctx->loop, st->retry_delay_ms,
		    retry_due, ctx, NULL, NULL);
		log_info(&ctx->log, "job %lld on %s: step %s: %s: %s; retry "
		    "%d of %d", (long long)j->id, s->target, st->name,
		    ssh_class_name(r->cls), r->msg, sa->attempt, st->retries);
		s->state = SLOT_STEP;
		jobs_kick(ctx);
		return;
	}
	step_record(s, sa->step, r->ok ? "ok" : "failed", r->exit_status,
	    r->ok ? NULL : r->msg);
	if (!r->ok && !sa->failed) {
		sa->failed = 1;
		sa->fail = *r;
		memset(&sa->fail.out, 0, sizeof(sa->fail.out));
		memset(&sa->fail.err, 0, sizeof(sa->fail.err));
		snprintf(sa->fail.msg, sizeof(sa->fail.msg), "step %.64s: "
		    "%.*s", st->name, (int)sizeof(sa->fail.msg) - 80, r->msg);
		if (r->cls == SSH_CLASS_EXIT)
			snprintf(sa->fail.msg, sizeof(sa->fail.msg), "step %s "
			    "exited %d", st->name, r->exit_status);
		mask_text(j->au->mask, sa->fail.msg, msg, sizeof(msg));
		snprintf(sa->fail.msg, sizeof(sa->fail.msg), "%s", msg);
	}
	if ((!r->ok && st->on_failure == AUTO_FAIL_STOP) ||
	    sa->step + 1 >= j->au->a->nsteps) {
		target_end(s, r);
		return;
	}
	sa->step++;
	sa->attempt = 0;
	sa->not_before = 0;
	s->state = SLOT_STEP;
	jobs_kick(ctx);
}

int
jobs_auto_begin(struct job_slot *s, const struct store_cred *cr,
    struct ops_err *err)
{
	struct ops_ctx	*ctx = ctx_of(s->job);
	struct ops_err	 e;
	int		 rc;

	s->au->target_password = cr != NULL && cr->kind == STORE_CRED_PASSWORD;
	if ((rc = store_run_start(ctx->store, s->run_id, err)) != OPS_OK)
		return rc;
	jobs_emit_run_state(ctx, s->job->id, s->target, STORE_RUN_RUNNING,
	    RUN_CLASS_NONE, -1, 0, NULL);
	s->state = SLOT_RUNNING;
	s->job->active++;
	/* step_done may run before this returns */
	if (step_start(s, &e) != OPS_OK)
		step_start_failed(s, ops_err_msg(&e));
	return OPS_OK;
}

/* ---- the rollout ------------------------------------------------------- */

static int
batch_over(const struct job *j, int batch)
{
	size_t	i;

	for (i = 0; i < j->n; i++)
		if (j->slots[i].au->batch == batch &&
		    j->slots[i].state != SLOT_DONE &&
		    j->slots[i].state != SLOT_OVER)
			return 0;
	return 1;
}

/* More targets failed than max_failures allows: the later batches'
 * targets are skipped. */
static void
skip_rest(struct job *j, size_t nfailed)
{
	struct ops_ctx	*ctx = ctx_of(j);
	struct ops_err	 err;
	char		 why[160];
	size_t		 i;

	snprintf(why, sizeof(why), "skipped: %zu targets failed, more than "
	    "max_failures (%zu) allows", nfailed, j->au->max_failures);
	log_info(&ctx->log, "job %lld: %s; batches %d to %d do not start",
	    (long long)j->id, why, j->au->batch, j->au->nbatches);
	for (i = 0; i < j->n; i++) {
		struct job_slot *s = &j->slots[i];

		if (s->state != SLOT_WAIT)
			continue;
		if (ctx->store != NULL && store_run_skip(ctx->store, s->run_id,
		    &err) != OPS_OK)
			log_warnx(&ctx->log, "job %lld: %s", (long long)j->id,
			    ops_err_msg(&err));
		jobs_slot_end(s, STORE_RUN_CANCELLED, RUN_CLASS_NONE, why);
	}
}

void
jobs_auto_fill(struct job *j)
{
	struct job_auto	*au = j->au;
	struct ops_err	 err;
	long long	 now = evloop_now_ms();
	size_t		 i, nfailed;

	for (i = 0; i < j->n; i++) {
		struct job_slot *s = &j->slots[i];

		if (s->state != SLOT_STEP || j->ending ||
		    now < s->au->not_before)
			continue;
		ssh_batch_free(s->b);
		s->b = NULL;
		s->state = SLOT_RUNNING;
		if (step_start(s, &err) != OPS_OK)
			step_start_failed(s, ops_err_msg(&err));
	}
	if (j->ending)
		return;
	while (au->batch <= au->nbatches && batch_over(j, au->batch)) {
		if (au->batch == au->nbatches)
			return;
		au->batch++;
		nfailed = j->ndone - j->nok;
		if (nfailed > au->max_failures) {
			skip_rest(j, nfailed);
			return;
		}
	}
	for (i = 0; i < j->n && j->active < (size_t)j->forks; i++)
		if (j->slots[i].state == SLOT_WAIT &&
		    j->slots[i].au->batch == au->batch)
			jobs_slot_start(&j->slots[i]);
}

void
jobs_auto_slot_abort(struct job_slot *s, const char *why)
{
	struct slot_auto	*sa = s->au;
	size_t			 i;

	if (sa == NULL || s->state == SLOT_DONE || s->state == SLOT_OVER)
		return;
	if (s->state == SLOT_RUNNING || s->state == SLOT_STEP) {
		step_record(s, sa->step, "failed", -1, why);
		for (i = sa->step + 1; i < s->job->au->a->nsteps; i++)
			step_record(s, i, "skipped", -1, NULL);
	} else
		for (i = 0; i < s->job->au->a->nsteps; i++)
			step_record(s, i, "skipped", -1, NULL);
}

void
jobs_auto_slot_release(struct job_slot *s)
{
	struct slot_auto	*sa = s->au;

	if (sa == NULL)
		return;
	mask_stream_done(&sa->ms[0]);
	mask_stream_done(&sa->ms[1]);
	mask_stream_init(&sa->ms[0], s->job->au->mask);
	mask_stream_init(&sa->ms[1], s->job->au->mask);
	free(sa->cmd);
	sa->cmd = NULL;
	secret_free(sa->in);
	sa->in = NULL;
}

/*
 * handlers-jobs.c: run, job list, show, logs, cancel and rerun. "run"
 * resolves its selectors (names, globs, "tag:X", "all"), adds a queued
 * job with one run per target and answers at once with the job id; the
 * runner (jobs.c) starts it. The JSON forms of jobs and runs are stable
 * and documented in opsicle(1).
 */
#include "config.h"

#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "daemon.h"

/* Their rows are in dispatch.c, which declares them too. */
handler_fn	handle_run, handle_job_list, handle_job_show, handle_job_logs,
		handle_job_cancel, handle_job_rerun;

#define S		OPS_PROTO_MAX_NAME
#define JOB_LIST_DEFAULT 20
#define TIMEOUT_MAX	(7 * 24 * 3600)		/* seconds */
#define FORKS_MAX	4096
#define OUTPUT_CAP_MIN	1024
#define CONNECT_TIMEOUT_MAX 600			/* seconds, as the config */

/*
 * A run's own limits: output_cap (bytes per stream, up to output-cap-max
 * or output-cap, whichever is larger) and connect_timeout (seconds).
 */
static int
run_limits(struct ops_ctx *ctx, json_t *msg, struct job_spec *s,
    struct ops_err *err)
{
	long long	v, max;
	int		rc;

	max = config_num(ctx->config, "output-cap-max");
	if (config_num(ctx->config, "output-cap") > max)
		max = config_num(ctx->config, "output-cap");
	if (proto_has(msg, "output_cap")) {
		if ((rc = proto_get_int(msg, "output_cap", LLONG_MIN,
		    LLONG_MAX, &v, err)) != OPS_OK)
			return rc;
		if (v < OUTPUT_CAP_MIN || v > max)
			return ops_err_set(err, OPS_E_INVAL, "run: the output "
			    "cap must be from %d to %lld bytes (output-cap-max "
			    "in opsicle.conf), not %lld", OUTPUT_CAP_MIN, max,
			    v);
		s->output_cap = (size_t)v;
	}
	if (proto_has(msg, "connect_timeout")) {
		if ((rc = proto_get_int(msg, "connect_timeout", 1,
		    CONNECT_TIMEOUT_MAX, &v, err)) != OPS_OK)
			return rc;
		s->connect_timeout_ms = (int)v * 1000;
	}
	return OPS_OK;
}

static json_t *
ms_or_null(int64_t ms)
{
	return ms > 0 ? json_integer(ms) : json_null();
}

/*
 * The names selected by sel (sorted, no duplicates; the strings in *out
 * are borrowed from *l): a list of selectors adds up (model.h). A
 * malformed selector is refused; one that matches nothing is an error
 * that lists every such selector.
 */
static int
resolve(struct ops_ctx *ctx, const char **sel, size_t nsel,
    struct store_target_list *l, const char ***out, size_t *nout,
    struct ops_err *err)
{
	struct selector	 term;
	char		*picked = NULL, bad[OPS_ERR_MSG_MAX];
	const struct store_target *t;
	size_t		 i, k, nbad = 0, hits, off = 0;
	int		 rc;

	*out = NULL;
	*nout = 0;
	bad[0] = '\0';
	for (i = 0; i < nsel; i++)
		if ((rc = selector_parse(sel[i], &term, err)) != OPS_OK)
			return rc;
	if ((rc = store_target_list(ctx->store, NULL, l, err)) != OPS_OK)
		return rc;
	if ((picked = calloc(l->n + 1, 1)) == NULL ||
	    (*out = calloc(l->n + 1, sizeof(**out))) == NULL) {
		free(picked);
		return ops_err_set(err, OPS_E_NOMEM, "resolve targets");
	}
	for (i = 0; i < nsel; i++) {
		hits = 0;
		(void)selector_parse(sel[i], &term, NULL);
		for (k = 0; k < l->n; k++) {
			t = &l->v[k];
			if (selector_match(&term, t->name,
			    (const char *const *)t->tags, t->ntags)) {
				picked[k] = 1;
				hits++;
			}
		}
		if (hits == 0) {
			nbad++;
			if (off < sizeof(bad))
				off += (size_t)snprintf(bad + off,
				    sizeof(bad) - off, "%s%s",
				    nbad > 1 ? ", " : "", sel[i]);
		}
	}
	if (nbad > 0) {
		free(picked);
		free(*out);
		*out = NULL;
		return ops_err_set(err, OPS_E_NOTFOUND, "run: %s no target: "
		    "%s", nbad > 1 ? "these selectors match" :
		    "this selector matches", bad);
	}
	for (k = 0; k < l->n; k++)
		if (picked[k])
			(*out)[(*nout)++] = l->v[k].name;
	free(picked);
	return OPS_OK;
}

int
handle_run(struct ops_ctx *ctx, struct client *c, json_t *msg,
    json_t **result, struct ops_err *err)
{
	struct job_spec			 s;
	struct store_target_list	 l = { NULL, 0 };
	const char			**sel = NULL, **names = NULL;
	const char			*body = NULL;
	long long			 timeout = 0, forks = 0;
	int64_t				 id;
	size_t				 nsel = 0, n = 0, i;
	json_t				*a;
	int				 rc, script, follow = 0;

	memset(&s, 0, sizeof(s));
	script = proto_has(msg, "script");
	if (script == proto_has(msg, "command"))
		return ops_err_set(err, OPS_E_INVAL, "run: give a command or "
		    "a script (not both)");
	if ((rc = proto_get_str(msg, script ? "script" : "command", &body,
	    STORE_BODY_MAX, err)) != OPS_OK)
		return rc;
	if (*body == '\0')
		return ops_err_set(err, OPS_E_INVAL, "run: the %s is empty",
		    script ? "script" : "command");
	if (proto_has(msg, "timeout") && (rc = proto_get_int(msg, "timeout",
	    1, TIMEOUT_MAX, &timeout, err)) != OPS_OK)
		return rc;
	if (proto_has(msg, "forks") && (rc = proto_get_int(msg, "forks", 1,
	    FORKS_MAX, &forks, err)) != OPS_OK)
		return rc;
	if (proto_has(msg, "follow") && (rc = proto_get_bool(msg, "follow",
	    &follow, err)) != OPS_OK)
		return rc;
	if ((rc = run_limits(ctx, msg, &s, err)) != OPS_OK)
		return rc;
	if ((rc = proto_get_str_array(msg, "selectors", OPS_PROTO_MAX_ITEMS,
	    S, &sel, &nsel, err)) != OPS_OK)
		return rc;
	if (nsel == 0) {
		rc = ops_err_set(err, OPS_E_INVAL, "run: no targets selected");
		goto out;
	}
	if ((rc = resolve(ctx, sel, nsel, &l, &names, &n, err)) != OPS_OK)
		goto out;
	s.command = body;
	s.script = script;
	s.targets = names;
	s.ntargets = n;
	s.timeout_ms = (int)timeout * 1000;
	s.forks = (int)forks;
	if ((rc = runner_submit(ctx, &s, c->actor, &id, err)) != OPS_OK)
		goto out;
	if ((a = json_array()) == NULL ||
	    (*result = json_pack("{s:I, s:o}", "job", (json_int_t)id,
	    "targets", a)) == NULL) {
		rc = ops_err_set(err, OPS_E_NOMEM, "build run reply");
		goto out;
	}
	for (i = 0; i < n; i++)
		json_array_append_new(a, json_string(names[i]));
	/* The job's events start on a later loop pass, after this reply:
	 * the client misses none and sees no other job's. */
	if (follow)
		events_client_follow(c, id);
out:
	free(sel);
	free(names);
	store_target_list_free(&l);
	return rc;
}

static json_t *
run_json(const struct store_run *r)
{
	char		 sig[16];
	const char	*cls = NULL;
	json_t		*o;

	if (r->cls != RUN_CLASS_NONE)
		cls = run_class_name(r->cls);
	/* A run stopped on purpose names why by its state. */
	if (r->state == RUN_STATE_CANCELLED || r->state ==
	    RUN_STATE_INTERRUPTED)
		cls = run_state_name(r->state);
	snprintf(sig, sizeof(sig), "%d", r->signal);
	o = json_pack("{s:s, s:s, s:o, s:o, s:o, s:o, s:o, s:o, s:o, s:I, "
	    "s:I, s:b, s:b}",
	    "target", r->target,
	    "state", store_run_state_name(r->state),
	    "exit", r->exit_status >= 0 ? json_integer(r->exit_status) :
	    json_null(),
	    "signal", r->signal > 0 ? json_string(sig) : json_null(),
	    "class", cls != NULL ? json_string(cls) : json_null(),
	    "error", r->error != NULL ? json_string(r->error) : json_null(),
	    "started", ms_or_null(r->started),
	    "finished", ms_or_null(r->finished),
	    "duration_ms", r->started > 0 && r->finished >= r->started ?
	    json_integer(r->finished - r->started) : json_null(),
	    "stdout_bytes", (json_int_t)r->out_bytes,
	    "stderr_bytes", (json_int_t)r->err_bytes,
	    "stdout_truncated", r->out_truncated,
	    "stderr_truncated", r->err_truncated);
	if (o != NULL) {
		json_object_set_new(o, "stdout_kept",
		    json_integer(r->out_kept));
		json_object_set_new(o, "stderr_kept",
		    json_integer(r->err_kept));
	}
	return o;
}

static int
run_is_ok(const struct store_run *r)
{
	return r->state == STORE_RUN_OK;
}


/* The job object; with runs, its "runs" array too. */
static json_t *
job_json(const struct store_job *j, const struct store_run_list *rl,
    int with_runs)
{
	json_t	*o, *a = NULL, *r;
	size_t	 i, nok = 0, nfail = 0;

	for (i = 0; i < rl->n; i++) {
		if (run_is_ok(&rl->v[i]))
			nok++;
		else if (run_state_is_final(rl->v[i].state))
			nfail++;
	}
	o = json_pack("{s:I, s:s, s:s, s:s, s:s, s:o, s:o, s:o, s:o, s:I, s:o, "
	    "s:o, s:I, s:I, s:I}",
	    "id", (json_int_t)j->id,
	    "state", store_job_state_name(j->state),
	    "kind", j->script ? "script" : "command",
	    "command", j->command,
	    "requested_by", j->requested_by,
	    "timeout", j->timeout_ms > 0 ? json_integer(j->timeout_ms / 1000) :
	    json_null(),
	    "forks", j->forks > 0 ? json_integer(j->forks) : json_null(),
	    "output_cap", j->output_cap > 0 ? json_integer(j->output_cap) :
	    json_null(),
	    "connect_timeout", j->connect_timeout_ms > 0 ?
	    json_integer(j->connect_timeout_ms / 1000) : json_null(),
	    "created", (json_int_t)j->created,
	    "started", ms_or_null(j->started),
	    "finished", ms_or_null(j->finished),
	    "total", (json_int_t)rl->n,
	    "ok", (json_int_t)nok,
	    "failed", (json_int_t)nfail);
	if (o == NULL || !with_runs)
		return o;
	if ((a = json_array()) == NULL) {
		json_decref(o);
		return NULL;
	}
	for (i = 0; i < rl->n; i++)
		if ((r = run_json(&rl->v[i])) == NULL ||
		    json_array_append_new(a, r) != 0) {
			json_decref(a);
			json_decref(o);
			return NULL;
		}
	json_object_set_new(o, "runs", a);
	return o;
}

int
handle_job_list(struct ops_ctx *ctx, struct client *c, json_t *msg,
    json_t **result, struct ops_err *err)
{
	struct store_job_filter	 f = { 0, JOB_LIST_DEFAULT, 0 };
	struct store_job_list	 l = { NULL, 0 };
	struct store_run_list	 rl = { NULL, 0 };
	const char		*state;
	long long		 limit;
	json_t			*a = NULL, *o;
	size_t			 i;
	int			 rc;

	(void)c;
	if (proto_has(msg, "limit")) {
		if ((rc = proto_get_int(msg, "limit", 0, 100000, &limit,
		    err)) != OPS_OK)
			return rc;
		f.limit = (size_t)limit;
	}
	if (proto_has(msg, "state")) {
		if ((rc = proto_get_str(msg, "state", &state, S,
		    err)) != OPS_OK)
			return rc;
		if (store_job_state_parse(state, &f.state) != OPS_OK)
			return ops_err_set(err, OPS_E_INVAL, "job list: "
			    "unknown state %s (queued, running, done, failed, "
			    "cancelled, interrupted)", state);
	}
	if ((rc = store_job_list(ctx->store, &f, &l, err)) != OPS_OK)
		return rc;
	if ((a = json_array()) == NULL) {
		rc = ops_err_set(err, OPS_E_NOMEM, "build job list");
		goto out;
	}
	for (i = 0; i < l.n; i++) {
		if ((rc = store_run_list(ctx->store, l.v[i].id, 0, &rl,
		    err)) != OPS_OK)
			goto out;
		o = job_json(&l.v[i], &rl, 0);
		store_run_list_free(&rl);
		if (o == NULL || json_array_append_new(a, o) != 0) {
			rc = ops_err_set(err, OPS_E_NOMEM, "build job list");
			goto out;
		}
	}
	*result = a;
	a = NULL;
out:
	json_decref(a);
	store_job_list_free(&l);
	return rc;
}

/* The job and its runs (with output when with_output). */
static int
load(struct ops_ctx *ctx, const json_t *msg, int with_output,
    struct store_job **j, struct store_run_list *rl, struct ops_err *err)
{
	long long	id;
	int		rc;

	*j = NULL;
	rl->v = NULL;
	rl->n = 0;
	if ((rc = proto_get_int(msg, "job", 1, INT64_MAX, &id,
	    err)) != OPS_OK)
		return rc;
	/* Runs and their output as they are now, none held back. */
	jobs_flush_output(ctx);
	if ((rc = store_job_get(ctx->store, id, j, err)) != OPS_OK)
		return rc;
	if ((rc = store_run_list(ctx->store, id, with_output, rl,
	    err)) != OPS_OK) {
		store_job_free(*j);
		*j = NULL;
	}
	return rc;
}

int
handle_job_show(struct ops_ctx *ctx, struct client *c, json_t *msg,
    json_t **result, struct ops_err *err)
{
	struct store_job	*j;
	struct store_run_list	 rl;
	int			 rc;

	(void)c;
	if ((rc = load(ctx, msg, 0, &j, &rl, err)) != OPS_OK)
		return rc;
	if ((*result = job_json(j, &rl, 1)) == NULL)
		rc = ops_err_set(err, OPS_E_NOMEM, "build job %lld",
		    (long long)j->id);
	store_job_free(j);
	store_run_list_free(&rl);
	return rc;
}

/* The stored output of r, for the follow replay. */
static int
replay_run(struct ops_ctx *ctx, struct client *c, int64_t job,
    const struct store_run *r, struct ops_err *err)
{
	struct store_run	*full;
	int			 rc;

	if ((rc = store_run_get(ctx->store, r->id, &full, err)) != OPS_OK)
		return rc;
	logs_replay(c, job, full);
	store_run_free(full);
	return OPS_OK;
}

int
handle_job_logs(struct ops_ctx *ctx, struct client *c, json_t *msg,
    json_t **result, struct ops_err *err)
{
	struct store_job	*j;
	struct store_run_list	 rl;
	const char		*target = NULL;
	int64_t			*ids = NULL;
	size_t			 i, nmatch = 0;
	int			 rc, follow = 0;

	if ((rc = load(ctx, msg, 0, &j, &rl, err)) != OPS_OK)
		return rc;
	if (proto_has(msg, "follow") && (rc = proto_get_bool(msg, "follow",
	    &follow, err)) != OPS_OK)
		goto out;
	if (proto_has(msg, "target") && (rc = proto_get_str(msg, "target",
	    &target, S, err)) != OPS_OK)
		goto out;
	if ((ids = calloc(rl.n + 1, sizeof(*ids))) == NULL) {
		rc = ops_err_set(err, OPS_E_NOMEM, "logs of job %lld",
		    (long long)j->id);
		goto out;
	}
	for (i = 0; i < rl.n; i++)
		if (target == NULL || strcmp(rl.v[i].target, target) == 0)
			ids[nmatch++] = rl.v[i].id;
	if (nmatch == 0) {
		rc = ops_err_set(err, OPS_E_NOTFOUND, "job %lld did not run "
		    "on target %s", (long long)j->id, target);
		goto out;
	}
	if (!follow) {
		/* Pieces on the loop, then the reply (logs-stream.c). */
		rc = logs_stream_start(ctx, c, msg, j->id, ids, nmatch, err);
		goto out;
	}
	for (i = 0; i < rl.n; i++) {
		if (target != NULL && strcmp(rl.v[i].target, target) != 0)
			continue;
		if ((rc = replay_run(ctx, c, j->id, &rl.v[i], err)) != OPS_OK)
			goto out;
	}
	if (jobs_is_running(ctx, j->id) || j->state == STORE_JOB_QUEUED) {
		c->follow_id = proto_msg_id(msg);
		c->follow_job = j->id;
		snprintf(c->follow_target, sizeof(c->follow_target), "%s",
		    target != NULL ? target : "");
		c->defer_reply = 1;
		goto out;
	}
	*result = json_pack("{s:I, s:s}", "job", (json_int_t)j->id, "state",
	    store_job_state_name(j->state));
out:
	free(ids);
	store_job_free(j);
	store_run_list_free(&rl);
	return rc;
}

int
handle_job_cancel(struct ops_ctx *ctx, struct client *c, json_t *msg,
    json_t **result, struct ops_err *err)
{
	long long	id;
	int		rc;

	(void)result;
	if ((rc = proto_get_int(msg, "job", 1, INT64_MAX, &id,
	    err)) != OPS_OK)
		return rc;
	log_info(&ctx->log, "job %lld: cancel requested by %s", id,
	    c->actor);
	return jobs_cancel(ctx, id, err);
}

int
handle_job_rerun(struct ops_ctx *ctx, struct client *c, json_t *msg,
    json_t **result, struct ops_err *err)
{
	struct store_job	*j;
	struct store_run_list	 rl;
	struct job_spec		 s;
	const char		**names = NULL;
	int64_t			 id;
	size_t			 i;
	int			 rc;

	if ((rc = load(ctx, msg, 0, &j, &rl, err)) != OPS_OK)
		return rc;
	memset(&s, 0, sizeof(s));
	if ((names = calloc(rl.n + 1, sizeof(*names))) == NULL) {
		rc = ops_err_set(err, OPS_E_NOMEM, "rerun job");
		goto out;
	}
	for (i = 0; i < rl.n; i++)
		names[i] = rl.v[i].target;
	s.command = j->command;
	s.script = j->script;
	s.timeout_ms = j->timeout_ms;
	s.forks = j->forks;
	s.output_cap = (size_t)j->output_cap;
	s.connect_timeout_ms = j->connect_timeout_ms;
	s.targets = names;
	s.ntargets = rl.n;
	s.rerun_of = j->id;
	if ((rc = runner_submit(ctx, &s, c->actor, &id, err)) != OPS_OK)
		goto out;
	if ((*result = json_pack("{s:I, s:I}", "job", (json_int_t)id,
	    "rerun_of", (json_int_t)j->id)) == NULL)
		rc = ops_err_set(err, OPS_E_NOMEM, "build rerun reply");
out:
	free(names);
	store_job_free(j);
	store_run_list_free(&rl);
	return rc;
}

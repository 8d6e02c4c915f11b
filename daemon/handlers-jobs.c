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

#include <sodium.h>

#include "approval.h"
#include "daemon.h"
#include "secret.h"
#include "xmalloc.h"

/* Their rows are in dispatch.c, which declares them too. */
handler_fn	handle_run, handle_job_list, handle_job_show, handle_job_logs,
		handle_job_cancel, handle_job_rerun;

#define S		OPS_PROTO_MAX_NAME
#define JOB_LIST_DEFAULT 20
#define TIMEOUT_MAX	(7 * 24 * 3600)		/* seconds */
#define FORKS_MAX	4096

/*
 * run --host: the hosts of msg, parsed (model.h adhoc_host) into *names
 * (canonical, caller frees the array and each), their credential (must
 * exist) and whether to trust a new key.
 */
static int
get_hosts(struct ops_ctx *ctx, const json_t *msg, struct job_spec *s,
    char ***names, struct ops_err *err)
{
	struct adhoc_host	  h;
	struct store_cred	 *cr = NULL;
	const char		**v = NULL;
	size_t			  n = 0, i, k;
	int			  rc, accept = 0;

	*names = NULL;
	if (proto_has(msg, "hosts") && (rc = proto_get_str_array(msg, "hosts",
	    OPS_PROTO_MAX_ITEMS, S, &v, &n, err)) != OPS_OK)
		return rc;
	if (n == 0 && (proto_has(msg, "cred") ||
	    proto_has(msg, "accept_new_hostkey"))) {
		free(v);
		return ops_err_set(err, OPS_E_INVAL, "run: --cred and "
		    "--accept-new-hostkey are for --host");
	}
	*names = xcalloc(n + 1, sizeof(**names));
	for (i = 0; i < n; i++) {
		if ((rc = adhoc_host_parse(v[i], &h, err)) != OPS_OK)
			goto fail;
		for (k = 0; k < i; k++)
			if (strcmp((*names)[k], h.name) == 0) {
				rc = ops_err_set(err, OPS_E_INVAL, "run: "
				    "--host %s given twice", h.name);
				goto fail;
			}
		(*names)[i] = xstrdup(h.name);
	}
	free(v);
	v = NULL;
	if (proto_has(msg, "cred") && ((rc = proto_get_str(msg, "cred",
	    &s->host_cred, S, err)) != OPS_OK || (rc = store_cred_get(
	    ctx->store, s->host_cred, &cr, err)) != OPS_OK))
		goto fail;
	store_cred_free(cr);
	if (proto_has(msg, "accept_new_hostkey") && (rc = proto_get_bool(msg,
	    "accept_new_hostkey", &accept, err)) != OPS_OK)
		goto fail;
	s->hosts = (const char *const *)*names;
	s->nhosts = n;
	s->accept_new_hostkey = accept;
	return OPS_OK;
fail:
	free(v);
	for (i = 0; *names != NULL && (*names)[i] != NULL; i++)
		free((*names)[i]);
	free(*names);
	*names = NULL;
	return rc;
}

/* run --stdin: the base64 "stdin" of msg, decoded into a secret (the
 * JSON copy is wiped); NULL without one. */
static int
take_stdin(json_t *msg, struct secret **out, struct ops_err *err)
{
	struct secret	*b64 = NULL;
	size_t		 len = 0;
	int		 rc;

	*out = NULL;
	if (!proto_has(msg, "stdin"))
		return OPS_OK;
	if ((rc = proto_take_secret(msg, "stdin", OPS_RUN_STDIN_MAX / 3 * 4 +
	    4, &b64, err)) != OPS_OK)
		return rc;
	if ((rc = secret_new(secret_len(b64) / 4 * 3 + 3, out, err)) !=
	    OPS_OK)
		goto out;
	if (sodium_base642bin(secret_data(*out), secret_len(*out),
	    (const char *)secret_cdata(b64), secret_len(b64), NULL, &len,
	    NULL, sodium_base64_VARIANT_ORIGINAL) != 0 ||
	    len > OPS_RUN_STDIN_MAX) {
		rc = ops_err_set(err, OPS_E_INVAL, "run: stdin is not base64 "
		    "of at most %d bytes", OPS_RUN_STDIN_MAX);
		secret_free(*out);
		*out = NULL;
		goto out;
	}
	secret_truncate(*out, len);
out:
	secret_free(b64);
	return rc;
}

/* run --become: the user and the password credential (jobs-become.c). */
static int
run_become(struct ops_ctx *ctx, const json_t *msg, struct job_spec *s,
    struct ops_err *err)
{
	int	rc;

	if (proto_has(msg, "become") && (rc = proto_get_str(msg, "become",
	    &s->become_user, OPS_PROTO_MAX_NAME, err)) != OPS_OK)
		return rc;
	if (proto_has(msg, "become_cred") && (rc = proto_get_str(msg,
	    "become_cred", &s->become_cred, OPS_PROTO_MAX_NAME,
	    err)) != OPS_OK)
		return rc;
	return jobs_become_check(ctx, s->become_user, s->become_cred, err);
}

int
handle_run(struct ops_ctx *ctx, struct client *c, json_t *msg,
    json_t **result, struct ops_err *err)
{
	struct job_spec			 s;
	struct store_target_list	 l = { NULL, 0 };
	const char			**sel = NULL, **names = NULL;
	const char			**excl = NULL;
	char				**hosts = NULL;
	const char			*body = NULL;
	long long			 timeout = 0, forks = 0;
	int64_t				 id;
	size_t				 nsel = 0, nexcl = 0, n = 0, i;
	json_t				*a, *ap;
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
	if ((rc = run_limits(ctx, msg, &s, err)) != OPS_OK ||
	    (rc = run_become(ctx, msg, &s, err)) != OPS_OK)
		return rc;
	if ((rc = proto_get_str_array(msg, "selectors", OPS_PROTO_MAX_ITEMS,
	    S, &sel, &nsel, err)) != OPS_OK)
		return rc;
	if (proto_has(msg, "exclude") && (rc = proto_get_str_array(msg,
	    "exclude", OPS_PROTO_MAX_ITEMS, S, &excl, &nexcl, err)) != OPS_OK)
		goto out;
	if ((rc = get_hosts(ctx, msg, &s, &hosts, err)) != OPS_OK)
		goto out;
	/* "!db1" alone is every target but db1 (model.h). */
	if (nsel == 0 && nexcl == 0 && s.nhosts == 0) {
		rc = ops_err_set(err, OPS_E_INVAL, "run: no targets selected");
		goto out;
	}
	if ((nsel > 0 || nexcl > 0) && (rc = jobs_resolve_targets(ctx, sel,
	    nsel, excl, nexcl, &l, &names, &n, err)) != OPS_OK)
		goto out;
	s.command = body;
	s.script = script;
	s.targets = names;
	s.ntargets = n;
	s.timeout_ms = (int)timeout * 1000;
	s.forks = (int)forks;
	/* Taken last: runner_submit takes it, whatever it returns. */
	if ((rc = take_stdin(msg, &s.stdin_data, err)) != OPS_OK)
		goto out;
	s.requester_uid = c->uid;
	s.requester_gid = c->gid;
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
	for (i = 0; i < s.nhosts; i++)
		json_array_append_new(a, json_string(s.hosts[i]));
	if ((ap = approval_brief(ctx, id)) != NULL)
		json_object_set_new(*result, "approval", ap);
	/* The job's events start on a later loop pass, after this reply:
	 * the client misses none and sees no other job's. */
	if (follow)
		events_client_follow(c, id);
out:
	for (i = 0; hosts != NULL && hosts[i] != NULL; i++)
		free(hosts[i]);
	free(hosts);
	free(sel);
	free(excl);
	free(names);
	store_target_list_free(&l);
	return rc;
}

/* A run in the record form of the codecs (core/model-json.h). */
static void
run_rec_of(const struct store_run *r, struct run_rec *out)
{
	memset(out, 0, sizeof(*out));
	out->target = r->target;
	out->state = (enum run_state)r->state;
	out->cls = r->cls;
	out->exit_status = r->exit_status;
	out->signal = r->signal;
	out->error = r->error;
	out->started = r->started;
	out->finished = r->finished;
	out->out_bytes = r->out_bytes;
	out->err_bytes = r->err_bytes;
	out->out_kept = r->out_kept;
	out->err_kept = r->err_kept;
	out->out_truncated = r->out_truncated;
	out->err_truncated = r->err_truncated;
}

/* The job object; with runs, its "runs" array too. */
static json_t *
job_json(const struct store_job *j, const struct store_run_list *rl,
    int with_runs)
{
	struct job_rec	 rec = {
		.id = j->id, .state = (enum job_state)j->state,
		.script = j->script, .command = j->command,
		.requested_by = j->requested_by,
		.timeout_s = j->timeout_ms > 0 ? j->timeout_ms / 1000 : 0,
		.forks = j->forks, .output_cap = j->output_cap,
		.connect_timeout_s = j->connect_timeout_ms / 1000,
		.become_user = j->become_user, .become_cred = j->become_cred,
		.created = j->created,
		.started = j->started, .finished = j->finished,
		.nruns = rl->n, .has_runs = with_runs,
	};
	struct run_rec	*runs;
	json_t		*o;
	size_t		 i;

	if ((runs = calloc(rl->n + 1, sizeof(*runs))) == NULL)
		return NULL;
	for (i = 0; i < rl->n; i++)
		run_rec_of(&rl->v[i], &runs[i]);
	rec.runs = runs;
	o = job_rec_encode(&rec);
	free(runs);
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
	json_t			*ap;
	int			 rc;

	(void)c;
	if ((rc = load(ctx, msg, 0, &j, &rl, err)) != OPS_OK)
		return rc;
	if ((*result = job_json(j, &rl, 1)) == NULL)
		rc = ops_err_set(err, OPS_E_NOMEM, "build job %lld",
		    (long long)j->id);
	else if ((rc = auto_job_show(ctx, j, &rl, *result, err)) == OPS_OK &&
	    (ap = approval_brief(ctx, j->id)) != NULL)
		json_object_set_new(*result, "approval", ap);
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
	if (jobs_is_running(ctx, j->id) || !job_state_is_final(j->state)) {
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

static void
cancel_answer(void *arg)
{
	client_defer_ok(arg, NULL);
}

int
handle_job_cancel(struct ops_ctx *ctx, struct client *c, json_t *msg,
    json_t **result, struct ops_err *err)
{
	struct client_defer	*d;
	long long		 id;
	int			 rc;

	(void)result;
	if ((rc = proto_get_int(msg, "job", 1, INT64_MAX, &id,
	    err)) != OPS_OK)
		return rc;
	log_info(&ctx->log, "job %lld: cancel requested by %s", id,
	    c->actor);
	/* A running job ends its remote processes first: the answer
	 * waits for the job's end, so its record is final by then. */
	if (jobs_is_running(ctx, id) && (d = client_defer(c, msg)) != NULL)
		return jobs_cancel(ctx, id, cancel_answer, d, err);
	return jobs_cancel(ctx, id, NULL, NULL, err);
}

int
handle_job_rerun(struct ops_ctx *ctx, struct client *c, json_t *msg,
    json_t **result, struct ops_err *err)
{
	struct store_job	*j;
	struct store_run_list	 rl;
	struct job_spec		 s;
	const char		**names = NULL;
	int64_t			 id = 0;
	size_t			 i, n = 0;
	int			 rc, failed = 0;
	json_t			*t;

	if ((rc = load(ctx, msg, 0, &j, &rl, err)) != OPS_OK)
		return rc;
	memset(&s, 0, sizeof(s));
	if (proto_has(msg, "failed") && (rc = proto_get_bool(msg, "failed",
	    &failed, err)) != OPS_OK)
		goto out;
	/* A push's bytes and a pull's directory were the client's. */
	if (!j->script && jobs_xfer_is(j->command)) {
		rc = ops_err_set(err, OPS_E_INVAL, "rerun job %lld: it was a "
		    "transfer (its local file or directory was the client's): "
		    "run opsicle push or pull again", (long long)j->id);
		goto out;
	}
	if ((names = calloc(rl.n + 1, sizeof(*names))) == NULL) {
		rc = ops_err_set(err, OPS_E_NOMEM, "rerun job");
		goto out;
	}
	/* --failed: the targets that did not end ok (skipped ones too) */
	for (i = 0; i < rl.n; i++)
		if (!failed || rl.v[i].state != STORE_RUN_OK)
			names[n++] = rl.v[i].target;
	if (n == 0) {
		rc = ops_err_set(err, OPS_E_INVAL, "rerun job %lld --failed: "
		    "no target failed or was skipped", (long long)j->id);
		goto out;
	}
	if ((rc = auto_job_rerun(ctx, c, j, names, n, &id, err)) != OPS_OK)
		goto out;
	for (i = 0; i < n && id == 0; i++) {
		/* Its credential and host-key choice were never kept. */
		if (adhoc_host_is_name(names[i])) {
			rc = ops_err_set(err, OPS_E_INVAL, "rerun job %lld: "
			    "it ran on the ad-hoc host %s; run it again with "
			    "run --host", (long long)j->id, names[i]);
			goto out;
		}
	}
	s.command = j->command;
	s.script = j->script;
	s.timeout_ms = j->timeout_ms;
	s.forks = j->forks;
	s.output_cap = (size_t)j->output_cap;
	s.connect_timeout_ms = j->connect_timeout_ms;
	s.targets = names;
	s.ntargets = n;
	s.rerun_of = j->id;
	s.become_user = j->become_user;
	s.become_cred = j->become_cred;
	s.requester_uid = c->uid;
	s.requester_gid = c->gid;
	if (id == 0 && (rc = runner_submit(ctx, &s, c->actor, &id,
	    err)) != OPS_OK)
		goto out;
	if ((*result = json_pack("{s:I, s:I}", "job", (json_int_t)id,
	    "rerun_of", (json_int_t)j->id)) == NULL) {
		rc = ops_err_set(err, OPS_E_NOMEM, "build rerun reply");
		goto out;
	}
	/* --failed: which targets it picked */
	if (failed && (t = json_array()) != NULL) {
		for (i = 0; i < n; i++)
			json_array_append_new(t, json_string(names[i]));
		json_object_set_new(*result, "targets", t);
	}
out:
	free(names);
	store_job_free(j);
	store_run_list_free(&rl);
	return rc;
}

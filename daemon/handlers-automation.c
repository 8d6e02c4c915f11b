/*
 * handlers-automation.c: "automation run" (and its dry run), and the
 * parts of job show and job rerun that are an automation job's.
 *
 * automation run takes the latest version of the automation, parses the
 * stored document again (the daemon never trusts a client's parse),
 * binds the parameter values (automation_bind: the authoritative check;
 * the CLI checked them too, for an early error), resolves the selectors
 * (default: the automation's targets) and hands the plan to
 * runner_submit, which pins the version and seals the secret values.
 * dry_run answers with the targets, batches, steps and values (secrets
 * "***") and opens no connection. A download step writes on the
 * daemon's host, so only the daemon's own user may run one.
 */
#include "config.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <sodium.h>

#include "automation.h"
#include "daemon.h"
#include "secret.h"
#include "xmalloc.h"

handler_fn	handle_automation_run;

#define S		OPS_PROTO_MAX_NAME
#define TIMEOUT_MAX	(7 * 24 * 3600)
#define FORKS_MAX	4096
#define MASKED		"***"

/* The "params" of msg as NAME=VALUE strings (borrowed from msg). */
static int
get_assign(const json_t *msg, const char ***out, size_t *n,
    struct ops_err *err)
{
	const json_t	*a = json_object_get(msg, "params"), *v;
	size_t		 i;

	*out = NULL;
	*n = 0;
	if (a == NULL)
		return OPS_OK;
	if (json_array_size(a) > AUTO_PARAMS_MAX)
		return ops_err_set(err, OPS_E_INVAL, "automation run: at most "
		    "%d parameter values", AUTO_PARAMS_MAX);
	*out = xcalloc(json_array_size(a) + 1, sizeof(**out));
	json_array_foreach(a, i, v) {
		if (!json_is_string(v) || json_string_length(v) >
		    AUTO_VALUE_MAX + 128 || strlen(json_string_value(v)) !=
		    json_string_length(v)) {
			free(*out);
			*out = NULL;
			return ops_err_set(err, OPS_E_INVAL, "automation run: "
			    "params must be NAME=VALUE strings");
		}
		(*out)[(*n)++] = json_string_value(v);
	}
	return OPS_OK;
}

/* Wipe the values in msg (secrets among them) before it is freed. */
static void
wipe_assign(json_t *msg)
{
	const json_t	*a = json_object_get(msg, "params"), *v;
	size_t		 i;

	json_array_foreach(a, i, v)
		if (json_is_string(v))
			sodium_memzero((void *)(uintptr_t)json_string_value(v),
			    json_string_length(v));
}

/* The latest (version 0) or given version of name, parsed. */
static int
load_doc(struct ops_ctx *ctx, const char *name, int64_t id, int version,
    struct store_automation_doc **doc, struct automation **a,
    struct ops_err *err)
{
	struct ops_err	e;
	int		rc;

	*a = NULL;
	rc = name != NULL ? store_automation_doc_get(ctx->store, name,
	    version, doc, err) : store_automation_doc_get_id(ctx->store, id,
	    version, doc, err);
	if (rc != OPS_OK)
		return rc;
	if ((rc = automation_parse((const char *)(*doc)->doc, (*doc)->doc_len,
	    strcmp((*doc)->format, "json") == 0 ? AUTO_FMT_JSON :
	    AUTO_FMT_YAML, a, &e)) != OPS_OK)
		return ops_err_set(err, rc, "automation %s version %d: %s",
		    (*doc)->name, (*doc)->version, ops_err_msg(&e));
	return OPS_OK;
}

/* Download steps write here, on the daemon's host: only for its user. */
static int
check_download(const struct automation *a, const struct client *c,
    struct ops_err *err)
{
	size_t	i;

	for (i = 0; i < a->nsteps; i++) {
		if (a->steps[i].kind != AUTO_STEP_DOWNLOAD)
			continue;
		if (c->uid != geteuid())
			return ops_err_set(err, OPS_E_PERM, "automation %s: "
			    "step %s downloads into %s on the daemon's host; "
			    "only the daemon's own user (uid %ld) may run it, "
			    "not %s", a->name, a->steps[i].name,
			    a->steps[i].dest, (long)geteuid(), c->actor);
		if (a->steps[i].dest[0] != '/')
			return ops_err_set(err, OPS_E_INVAL, "automation %s: "
			    "step %s downloads into %s: the directory must be "
			    "an absolute path on the daemon's host", a->name,
			    a->steps[i].name, a->steps[i].dest);
	}
	return OPS_OK;
}

/* The bound values as the store takes them (secrets copied into
 * secrets, freed with free_specs). */
static int
make_specs(const struct auto_values *v, struct store_param_spec **out,
    size_t *n, struct ops_err *err)
{
	struct store_param_spec	*sp;
	size_t			 i;
	int			 rc;

	*n = 0;
	*out = sp = xcalloc(v->n + 1, sizeof(*sp));
	for (i = 0; i < v->n; i++) {
		if (v->v[i].value == NULL)
			continue;
		sp[*n].name = v->v[i].param->name;
		if (v->v[i].param->type == AUTO_P_SECRET) {
			if ((rc = secret_from(v->v[i].value,
			    strlen(v->v[i].value),
			    (struct secret **)&sp[*n].secret, err)) != OPS_OK)
				return rc;
		} else
			sp[*n].value = v->v[i].value;
		(*n)++;
	}
	return OPS_OK;
}

static void
free_specs(struct store_param_spec *sp, size_t n)
{
	size_t	i;

	for (i = 0; sp != NULL && i < n; i++)
		secret_free((struct secret *)sp[i].secret);
	free(sp);
}

/* The rank of target t under order ("tag:a,tag:b"): the place of the
 * first of its tags the order names; after them all without one. */
static size_t
order_rank(const char *order, const struct store_target *t)
{
	const char	*p = order, *e;
	size_t		 rank = 0, k, len;

	while (*p != '\0') {
		if ((e = strchr(p, ',')) == NULL)
			e = p + strlen(p);
		len = (size_t)(e - p);
		if (len > 4 && strncmp(p, "tag:", 4) == 0)
			for (k = 0; k < t->ntags; k++)
				if (strlen(t->tags[k]) == len - 4 &&
				    strncmp(t->tags[k], p + 4, len - 4) == 0)
					return rank;
		rank++;
		p = *e == ',' ? e + 1 : e;
	}
	return rank;
}

/* rollout.order: names (by name now) stably by tag rank. */
static void
order_names(const struct automation *a, const struct store_target_list *l,
    const char **names, size_t n)
{
	size_t		*rank, i, k;
	const char	*tn;
	size_t		 tr;

	if (a->rollout.order == NULL || a->rollout.order[0] == '\0' || n < 2)
		return;
	rank = xcalloc(n, sizeof(*rank));
	for (i = 0; i < n; i++)
		for (k = 0; k < l->n; k++)
			if (strcmp(l->v[k].name, names[i]) == 0)
				rank[i] = order_rank(a->rollout.order, &l->v[k]);
	/* insertion sort: stable, and n is small */
	for (i = 1; i < n; i++) {
		tn = names[i];
		tr = rank[i];
		for (k = i; k > 0 && rank[k - 1] > tr; k--) {
			names[k] = names[k - 1];
			rank[k] = rank[k - 1];
		}
		names[k] = tn;
		rank[k] = tr;
	}
	free(rank);
}

/* The plan of a dry run: batches, steps and values (secrets masked). */
static json_t *
dry_run_json(const struct automation *a, const struct auto_values *v,
    const char **names, size_t n)
{
	json_t	*batches = json_array(), *steps = json_array();
	json_t	*params = json_array(), *b = NULL, *o;
	size_t	 size, i;

	size = a->rollout.batch.n <= 0 ? n : a->rollout.batch.pct ?
	    n * (size_t)a->rollout.batch.n / 100 : (size_t)a->rollout.batch.n;
	if (size < 1)
		size = 1;
	for (i = 0; i < n; i++) {
		if (i % size == 0) {
			b = json_array();
			json_array_append_new(batches, b);
		}
		json_array_append_new(b, json_string(names[i]));
	}
	for (i = 0; i < a->nsteps; i++) {
		const struct auto_step *st = &a->steps[i];

		o = json_pack("{s:s, s:s}", "name", st->name, "kind",
		    automation_step_kind_name(st->kind));
		if (st->become != NULL)
			json_object_set_new(o, "become", json_string(
			    st->become));
		if (st->kind == AUTO_STEP_COMMAND)
			json_object_set_new(o, "command", json_string(
			    st->command));
		if (st->kind == AUTO_STEP_UPLOAD ||
		    st->kind == AUTO_STEP_DOWNLOAD)
			json_object_set_new(o, "dest", json_string(st->dest));
		json_object_set_new(o, "on_failure", json_string(
		    st->on_failure == AUTO_FAIL_STOP ? "stop" : "continue"));
		json_array_append_new(steps, o);
	}
	for (i = 0; i < v->n; i++) {
		int secret = v->v[i].param->type == AUTO_P_SECRET;

		json_array_append_new(params, json_pack("{s:s, s:s?, s:b}",
		    "name", v->v[i].param->name, "value", v->v[i].value ==
		    NULL ? NULL : secret ? MASKED : v->v[i].value, "secret",
		    secret));
	}
	return json_pack("{s:o, s:o, s:o}", "batches", batches, "steps", steps,
	    "params", params);
}

int
handle_automation_run(struct ops_ctx *ctx, struct client *c, json_t *msg,
    json_t **result, struct ops_err *err)
{
	struct store_automation_doc	*doc = NULL;
	struct automation		*a = NULL;
	struct auto_values		*vals = NULL;
	struct store_param_spec		*specs = NULL;
	struct store_target_list	 l = { NULL, 0 };
	struct job_auto_plan		 plan;
	struct job_spec			 s;
	const char			*name, **assign = NULL, **sel = NULL;
	const char			**excl = NULL, **names = NULL;
	char				 label[160];
	long long			 timeout = 0, forks = 0;
	size_t				 nassign = 0, nsel = 0, nexcl = 0;
	size_t				 n = 0, nspecs = 0, i;
	int64_t				 id;
	int				 rc, dry = 0, follow = 0;
	json_t				*t = NULL, *plan_o;

	memset(&s, 0, sizeof(s));
	if ((rc = proto_get_str(msg, "name", &name, S, err)) != OPS_OK ||
	    (rc = get_assign(msg, &assign, &nassign, err)) != OPS_OK)
		goto out;
	if ((proto_has(msg, "dry_run") && (rc = proto_get_bool(msg,
	    "dry_run", &dry, err)) != OPS_OK) ||
	    (proto_has(msg, "follow") && (rc = proto_get_bool(msg, "follow",
	    &follow, err)) != OPS_OK) ||
	    (proto_has(msg, "timeout") && (rc = proto_get_int(msg, "timeout",
	    1, TIMEOUT_MAX, &timeout, err)) != OPS_OK) ||
	    (proto_has(msg, "forks") && (rc = proto_get_int(msg, "forks", 1,
	    FORKS_MAX, &forks, err)) != OPS_OK) ||
	    (rc = run_limits(ctx, msg, &s, err)) != OPS_OK)
		goto out;
	if ((rc = load_doc(ctx, name, 0, 0, &doc, &a, err)) != OPS_OK ||
	    (rc = automation_bind(a, assign, nassign, &vals, err)) != OPS_OK ||
	    (rc = check_download(a, c, err)) != OPS_OK)
		goto out;
	if (proto_has(msg, "selectors") && (rc = proto_get_str_array(msg,
	    "selectors", OPS_PROTO_MAX_ITEMS, S, &sel, &nsel, err)) != OPS_OK)
		goto out;
	if (proto_has(msg, "exclude") && (rc = proto_get_str_array(msg,
	    "exclude", OPS_PROTO_MAX_ITEMS, S, &excl, &nexcl, err)) != OPS_OK)
		goto out;
	if (nsel == 0) {
		free(sel);
		sel = xcalloc(a->ntargets + 1, sizeof(*sel));
		for (i = 0; i < a->ntargets; i++)
			sel[i] = a->targets[i];
		nsel = a->ntargets;
	}
	if (nsel == 0 && nexcl == 0) {
		rc = ops_err_set(err, OPS_E_INVAL, "automation run: %s names "
		    "no targets; give selectors", a->name);
		goto out;
	}
	if ((rc = jobs_resolve_targets(ctx, sel, nsel, excl, nexcl, &l,
	    &names, &n, err)) != OPS_OK)
		goto out;
	order_names(a, &l, names, n);
	t = json_array();
	for (i = 0; i < n; i++)
		json_array_append_new(t, json_string(names[i]));
	if (dry) {
		plan_o = dry_run_json(a, vals, names, n);
		*result = json_pack("{s:o, s:s, s:i, s:b}", "targets", t,
		    "automation", doc->name, "version", doc->version,
		    "dry_run", 1);
		t = NULL;
		if (*result == NULL || plan_o == NULL ||
		    json_object_update(*result, plan_o) != 0)
			rc = ops_err_set(err, OPS_E_NOMEM, "build the plan");
		json_decref(plan_o);
		goto out;
	}
	if ((rc = make_specs(vals, &specs, &nspecs, err)) != OPS_OK)
		goto out;
	snprintf(label, sizeof(label), "automation %s version %d", doc->name,
	    doc->version);
	memset(&plan, 0, sizeof(plan));
	plan.automation_id = doc->automation_id;
	plan.name = doc->name;
	plan.version = doc->version;
	plan.a = a;
	plan.params = specs;
	plan.nparams = nspecs;
	s.command = label;
	s.targets = names;
	s.ntargets = n;
	s.timeout_ms = (int)timeout * 1000;
	s.forks = forks > 0 ? (int)forks : a->rollout.forks;
	s.automation = &plan;
	if ((rc = runner_submit(ctx, &s, c->actor, &id, err)) != OPS_OK)
		goto out;
	if ((*result = json_pack("{s:I, s:o, s:s, s:i}", "job",
	    (json_int_t)id, "targets", t, "automation", doc->name, "version",
	    doc->version)) == NULL) {
		rc = ops_err_set(err, OPS_E_NOMEM, "build the reply");
		goto out;
	}
	t = NULL;
	if (follow)
		events_client_follow(c, id);
out:
	json_decref(t);
	wipe_assign(msg);
	free_specs(specs, nspecs);
	automation_values_free(vals);
	automation_free(a);
	store_automation_doc_free(doc);
	free(assign);
	free(sel);
	free(excl);
	free(names);
	store_target_list_free(&l);
	return rc;
}

/* ---- job show ---------------------------------------------------------- */

int
auto_job_show(struct ops_ctx *ctx, const struct store_job *j,
    const struct store_run_list *rl, json_t *o, struct ops_err *err)
{
	struct store_run_auto_list	 ral = { NULL, 0 };
	struct store_run_step_list	 sl = { NULL, 0 };
	struct store_job_param_list	 pl = { NULL, 0 };
	json_t				*runs = json_object_get(o, "runs");
	json_t				*params, *steps, *r;
	size_t				 i, k;
	int				 rc, nb = 0;

	if ((rc = store_run_auto_get(ctx->store, j->id, &ral, err)) != OPS_OK ||
	    ral.n == 0)
		return rc;
	if ((rc = store_run_steps_get(ctx->store, j->id, &sl, err)) != OPS_OK ||
	    (rc = store_job_params_get(ctx->store, j->id, 0, &pl,
	    err)) != OPS_OK)
		goto out;
	params = json_array();
	for (i = 0; i < pl.n; i++)
		json_array_append_new(params, json_pack("{s:s, s:s, s:b}",
		    "name", pl.v[i].name, "value", pl.v[i].secret ? MASKED :
		    pl.v[i].value != NULL ? pl.v[i].value : "", "secret",
		    pl.v[i].secret));
	json_object_set_new(o, "params", params);
	if (j->automation != NULL)
		json_object_set_new(o, "automation", json_string(
		    j->automation));
	json_object_set_new(o, "version", json_integer(j->version));
	for (i = 0; i < rl->n; i++) {
		if ((r = json_array_get(runs, i)) == NULL)
			continue;
		for (k = 0; k < ral.n; k++)
			if (ral.v[k].run_id == rl->v[i].id) {
				json_object_set_new(r, "batch",
				    json_integer(ral.v[k].batch));
				json_object_set_new(r, "skipped",
				    json_boolean(ral.v[k].skipped));
				if (ral.v[k].batch > nb)
					nb = ral.v[k].batch;
			}
		steps = json_array();
		for (k = 0; k < sl.n; k++) {
			const struct store_run_step *st = &sl.v[k];
			json_t *so;

			if (st->run_id != rl->v[i].id)
				continue;
			so = json_pack("{s:s, s:s}", "name", st->name,
			    "state", st->state);
			if (st->exit_status >= 0)
				json_object_set_new(so, "exit",
				    json_integer(st->exit_status));
			if (st->error != NULL)
				json_object_set_new(so, "error",
				    json_string(st->error));
			if (st->started > 0)
				json_object_set_new(so, "started",
				    json_integer(st->started));
			if (st->finished > 0)
				json_object_set_new(so, "finished",
				    json_integer(st->finished));
			json_array_append_new(steps, so);
		}
		json_object_set_new(r, "steps", steps);
	}
	json_object_set_new(o, "batches", json_integer(nb));
out:
	store_run_auto_list_free(&ral);
	store_run_step_list_free(&sl);
	store_job_param_list_free(&pl);
	return rc;
}

/* ---- job rerun --------------------------------------------------------- */

int
auto_job_rerun(struct ops_ctx *ctx, struct client *c,
    const struct store_job *j, const char *const *names, size_t n,
    int64_t *id, struct ops_err *err)
{
	struct store_run_auto_list	 ral = { NULL, 0 };
	struct store_job_param_list	 pl = { NULL, 0 };
	struct store_automation_doc	*doc = NULL;
	struct automation		*a = NULL;
	struct store_param_spec		*specs = NULL;
	struct job_auto_plan		 plan;
	struct job_spec			 s;
	size_t				 i;
	int				 rc;

	*id = 0;
	if ((rc = store_run_auto_get(ctx->store, j->id, &ral, err)) != OPS_OK ||
	    ral.n == 0)
		goto out;
	if (j->automation_id == 0) {
		rc = ops_err_set(err, OPS_E_NOTFOUND, "rerun job %lld: "
		    "automation %s was removed", (long long)j->id,
		    j->automation != NULL ? j->automation : "?");
		goto out;
	}
	if ((rc = load_doc(ctx, NULL, j->automation_id, j->version, &doc, &a,
	    err)) != OPS_OK || (rc = check_download(a, c, err)) != OPS_OK ||
	    (rc = store_job_params_get(ctx->store, j->id, 1, &pl,
	    err)) != OPS_OK)
		goto out;
	specs = xcalloc(pl.n + 1, sizeof(*specs));
	for (i = 0; i < pl.n; i++) {
		specs[i].name = pl.v[i].name;
		specs[i].value = pl.v[i].value;
		specs[i].secret = pl.v[i].sealed_value;
	}
	memset(&plan, 0, sizeof(plan));
	plan.automation_id = j->automation_id;
	plan.name = doc->name;
	plan.version = j->version;
	plan.a = a;
	plan.params = specs;
	plan.nparams = pl.n;
	memset(&s, 0, sizeof(s));
	s.command = j->command;
	s.timeout_ms = j->timeout_ms;
	s.forks = j->forks;
	s.output_cap = (size_t)j->output_cap;
	s.connect_timeout_ms = j->connect_timeout_ms;
	s.targets = names;
	s.ntargets = n;
	s.rerun_of = j->id;
	s.automation = &plan;
	rc = runner_submit(ctx, &s, c->actor, id, err);
out:
	free(specs);
	store_job_param_list_free(&pl);
	automation_free(a);
	store_automation_doc_free(doc);
	store_run_auto_list_free(&ral);
	return rc;
}

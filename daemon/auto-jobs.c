/*
 * auto-jobs.c: what "automation run", job show and job rerun share about
 * an automation job: loading and parsing a pinned version, the download
 * rule, the job's automation fields, and a rerun of it (not a handler
 * file: the handlers call it, it calls no handler).
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

#define MASKED		"***"

/* The latest (version 0) or given version of name, parsed. */
int
auto_load_doc(struct ops_ctx *ctx, const char *name, int64_t id, int version,
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
int
auto_check_download(const struct automation *a, const struct client *c,
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

/* ---- automation run and schedules: targets and the job ------------------ */

/* The "params" of msg as NAME=VALUE strings (borrowed from msg). */
int
auto_get_assign(const json_t *msg, const char ***out, size_t *n,
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
void
auto_wipe_assign(json_t *msg)
{
	const json_t	*a = json_object_get(msg, "params"), *v;
	size_t		 i;

	json_array_foreach(a, i, v)
		if (json_is_string(v))
			sodium_memzero((void *)(uintptr_t)json_string_value(v),
			    json_string_length(v));
}

/* The bound values as the store takes them (secrets copied into
 * secrets, freed with free_specs). */
int
auto_specs(const struct auto_values *v, struct store_param_spec **out,
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

void
auto_specs_free(struct store_param_spec *sp, size_t n)
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

int
auto_targets(struct ops_ctx *ctx, const struct automation *a,
    const char ***sel, size_t *nsel, const char **excl, size_t nexcl,
    struct store_target_list *l, const char ***names, size_t *n,
    struct ops_err *err)
{
	size_t	i;
	int	rc;

	if (*nsel == 0) {
		free(*sel);
		*sel = xcalloc(a->ntargets + 1, sizeof(**sel));
		for (i = 0; i < a->ntargets; i++)
			(*sel)[i] = a->targets[i];
		*nsel = a->ntargets;
	}
	if (*nsel == 0 && nexcl == 0)
		return ops_err_set(err, OPS_E_INVAL, "automation run: %s names "
		    "no targets; give selectors", a->name);
	if ((rc = jobs_resolve_targets(ctx, *sel, *nsel, excl, nexcl, l,
	    names, n, err)) != OPS_OK)
		return rc;
	order_names(a, l, *names, *n);
	return OPS_OK;
}

int
auto_submit(struct ops_ctx *ctx, const struct store_automation_doc *doc,
    const struct automation *a, const struct auto_values *vals,
    const char **names, size_t n, struct job_spec *s, const char *actor,
    int64_t *id, struct ops_err *err)
{
	struct store_param_spec	*specs = NULL;
	struct job_auto_plan	 plan;
	char			 label[160];
	size_t			 nspecs = 0;
	int			 rc;

	*id = 0;
	if ((rc = auto_specs(vals, &specs, &nspecs, err)) != OPS_OK)
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
	s->command = label;
	s->targets = names;
	s->ntargets = n;
	if (s->forks <= 0)
		s->forks = a->rollout.forks;
	s->automation = &plan;
	rc = runner_submit(ctx, s, actor, id, err);
	s->automation = NULL;
	s->command = NULL;
out:
	auto_specs_free(specs, nspecs);
	return rc;
}

/* ---- job show ---------------------------------------------------------- */

json_t *
auto_params_json(const struct store_job_param_list *pl)
{
	json_t	*params = json_array();
	size_t	 i;

	for (i = 0; params != NULL && i < pl->n; i++)
		json_array_append_new(params, json_pack("{s:s, s:s, s:b}",
		    "name", pl->v[i].name, "value", pl->v[i].secret ? MASKED :
		    pl->v[i].value != NULL ? pl->v[i].value : "", "secret",
		    pl->v[i].secret));
	return params;
}

int
auto_job_show(struct ops_ctx *ctx, const struct store_job *j,
    const struct store_run_list *rl, json_t *o, struct ops_err *err)
{
	struct store_run_auto_list	 ral = { NULL, 0 };
	struct store_run_step_list	 sl = { NULL, 0 };
	struct store_job_param_list	 pl = { NULL, 0 };
	json_t				*runs = json_object_get(o, "runs");
	json_t				*steps, *r;
	size_t				 i, k;
	int				 rc, nb = 0;

	if ((rc = store_run_auto_get(ctx->store, j->id, &ral, err)) != OPS_OK ||
	    ral.n == 0)
		return rc;
	if ((rc = store_run_steps_get(ctx->store, j->id, &sl, err)) != OPS_OK ||
	    (rc = store_job_params_get(ctx->store, j->id, 0, &pl,
	    err)) != OPS_OK)
		goto out;
	json_object_set_new(o, "params", auto_params_json(&pl));
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
	if ((rc = auto_load_doc(ctx, NULL, j->automation_id, j->version, &doc, &a,
	    err)) != OPS_OK || (rc = auto_check_download(a, c, err)) != OPS_OK ||
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
	s.requester_uid = c->uid;
	s.requester_gid = c->gid;
	rc = runner_submit(ctx, &s, c->actor, id, err);
out:
	free(specs);
	store_job_param_list_free(&pl);
	automation_free(a);
	store_automation_doc_free(doc);
	store_run_auto_list_free(&ral);
	return rc;
}

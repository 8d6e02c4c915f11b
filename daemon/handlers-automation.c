/*
 * handlers-automation.c: "automation run" and its dry run (auto-jobs.c
 * has what job show and job rerun add for an automation job).
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
#include "approval.h"
#include "daemon.h"
#include "secret.h"
#include "xmalloc.h"

handler_fn	handle_automation_run;

#define S		OPS_PROTO_MAX_NAME
#define TIMEOUT_MAX	(7 * 24 * 3600)
#define FORKS_MAX	4096
#define MASKED		"***"

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
	struct store_target_list	 l = { NULL, 0 };
	struct job_spec			 s;
	const char			*name, **assign = NULL, **sel = NULL;
	const char			**excl = NULL, **names = NULL;
	long long			 timeout = 0, forks = 0;
	size_t				 nassign = 0, nsel = 0, nexcl = 0;
	size_t				 n = 0, i;
	int64_t				 id;
	int				 rc, dry = 0, follow = 0;
	json_t				*t = NULL, *plan_o, *ap;

	memset(&s, 0, sizeof(s));
	if ((rc = proto_get_str(msg, "name", &name, S, err)) != OPS_OK ||
	    (rc = auto_get_assign(msg, &assign, &nassign, err)) != OPS_OK)
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
	if ((rc = auto_load_doc(ctx, name, 0, 0, &doc, &a, err)) != OPS_OK ||
	    (rc = automation_bind(a, assign, nassign, &vals, err)) != OPS_OK ||
	    (rc = auto_check_download(a, c, err)) != OPS_OK)
		goto out;
	if (proto_has(msg, "selectors") && (rc = proto_get_str_array(msg,
	    "selectors", OPS_PROTO_MAX_ITEMS, S, &sel, &nsel, err)) != OPS_OK)
		goto out;
	if (proto_has(msg, "exclude") && (rc = proto_get_str_array(msg,
	    "exclude", OPS_PROTO_MAX_ITEMS, S, &excl, &nexcl, err)) != OPS_OK)
		goto out;
	if ((rc = auto_targets(ctx, a, &sel, &nsel, excl, nexcl, &l, &names,
	    &n, err)) != OPS_OK)
		goto out;
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
	s.timeout_ms = (int)timeout * 1000;
	s.forks = (int)forks;
	s.requester_uid = c->uid;
	s.requester_gid = c->gid;
	if ((rc = auto_submit(ctx, doc, a, vals, names, n, &s, c->actor, &id,
	    err)) != OPS_OK)
		goto out;
	if ((*result = json_pack("{s:I, s:o, s:s, s:i}", "job",
	    (json_int_t)id, "targets", t, "automation", doc->name, "version",
	    doc->version)) == NULL) {
		rc = ops_err_set(err, OPS_E_NOMEM, "build the reply");
		goto out;
	}
	t = NULL;
	if ((ap = approval_brief(ctx, id)) != NULL)
		json_object_set_new(*result, "approval", ap);
	if (follow)
		events_client_follow(c, id);
out:
	json_decref(t);
	auto_wipe_assign(msg);
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

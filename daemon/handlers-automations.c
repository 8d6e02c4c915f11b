/*
 * handlers-automations.c: automation apply, list, show, history, export
 * and rm (proto 225-230). apply never trusts the client: the document is
 * parsed again here with automation_parse (its message, with line and
 * column, is the refusal), its name is the document's, and the files
 * sent must be exactly those its steps name (autodoc.h). The store adds a
 * version only when the format, document or files changed; the audit
 * record gives the version and sha256, and "unchanged" when nothing was
 * added. show answers with the version's metadata and a summary of the
 * parsed document (a secret parameter's default never leaves the store
 * that way: only whether it has one).
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "autodoc.h"
#include "automation.h"
#include "daemon.h"

/* Their rows are in dispatch.c, which declares them too. */
handler_fn	handle_automation_apply, handle_automation_list,
		handle_automation_show, handle_automation_history,
		handle_automation_export, handle_automation_rm;

#define S		OPS_PROTO_MAX_NAME
#define B64(n)		(((size_t)(n) + 2) / 3 * 4)
/* The largest apply (document and files at their limits, base64, with
 * every path at its longest) must fit a frame. */
_Static_assert(B64(STORE_AUTOTOTAL_MAX) + STORE_AUTOFILES_MAX *
    (B64(STORE_AUTOPATH_MAX) * 2 + 64) + 4096 < OPS_PROTO_MAX_FRAME,
    "an automation apply at the store's limits fits a frame");

/* version:i? as an int: 0 (the latest) when absent. */
static int
opt_version(const json_t *msg, int *version, struct ops_err *err)
{
	long long	v = 0;
	int		rc;

	*version = 0;
	if (proto_has(msg, "version") && (rc = proto_get_int(msg, "version",
	    0, 1000000000, &v, err)) != OPS_OK)
		return rc;
	*version = (int)v;
	return OPS_OK;
}

/* ---- automation-apply --------------------------------------------------- */

struct apply_in {
	const char			*format;
	const char			*source;	/* or NULL */
	unsigned char			*doc;
	size_t				 doc_len;
	struct store_automation_file	*files;
	size_t				 nfiles;
	struct automation		*a;
};

static void
apply_in_done(struct apply_in *in)
{
	size_t	i;

	for (i = 0; i < in->nfiles; i++)
		free(in->files[i].data);
	free(in->files);
	free(in->doc);
	automation_free(in->a);
	memset(in, 0, sizeof(*in));
}

/* files: [{path, data}] with data base64. Paths are borrowed from msg. */
static int
take_files(const json_t *msg, struct apply_in *in, struct ops_err *err)
{
	const json_t	*l, *o;
	const char	*path, *data;
	size_t		 i, dlen;
	int		 rc;

	if (!proto_has(msg, "files"))
		return OPS_OK;
	l = json_object_get(msg, "files");
	if (json_array_size(l) > STORE_AUTOFILES_MAX)
		return ops_err_set(err, OPS_E_TOOBIG, "apply: %zu files, more "
		    "than %d", json_array_size(l), STORE_AUTOFILES_MAX);
	if (json_array_size(l) == 0)
		return OPS_OK;
	if ((in->files = calloc(json_array_size(l), sizeof(*in->files))) ==
	    NULL)
		return ops_err_set(err, OPS_E_NOMEM, "apply automation");
	for (i = 0; i < json_array_size(l); i++) {
		o = json_array_get(l, i);
		if (!json_is_object(o) || json_object_size(o) != 2 ||
		    (rc = proto_get_str(o, "path", &path, STORE_AUTOPATH_MAX,
		    err)) != OPS_OK ||
		    (rc = proto_get_strn(o, "data", &data, &dlen,
		    OPS_PROTO_MAX_FRAME, err)) != OPS_OK)
			return ops_err_set(err, OPS_E_PROTO, "apply: files[%zu] "
			    "is not {path, data}", i);
		in->files[in->nfiles].path = (char *)path;
		if ((rc = autodoc_unb64(path, data, dlen, STORE_AUTOTOTAL_MAX,
		    &in->files[in->nfiles].data,
		    &in->files[in->nfiles].len, err)) != OPS_OK)
			return rc;
		in->nfiles++;
	}
	return OPS_OK;
}

/* The files sent are exactly those the document names. */
static int
check_files(const struct apply_in *in, struct ops_err *err)
{
	const char	**want = NULL;
	size_t		  n = 0, i, j;
	int		  rc;

	if ((rc = autodoc_files(in->a, &want, &n, err)) != OPS_OK)
		return rc;
	for (i = 0; i < n && rc == OPS_OK; i++) {
		for (j = 0; j < in->nfiles; j++)
			if (strcmp(in->files[j].path, want[i]) == 0)
				break;
		if (j == in->nfiles)
			rc = ops_err_set(err, OPS_E_INVAL, "automation %s: file "
			    "%s, named by its steps, was not sent",
			    in->a->name, want[i]);
	}
	for (j = 0; j < in->nfiles && rc == OPS_OK; j++) {
		for (i = 0; i < n; i++)
			if (strcmp(in->files[j].path, want[i]) == 0)
				break;
		if (i == n)
			rc = ops_err_set(err, OPS_E_INVAL, "automation %s: file "
			    "%s was sent but no step names it", in->a->name,
			    in->files[j].path);
	}
	free(want);
	return rc;
}

static int
apply_read(const json_t *msg, struct apply_in *in, struct ops_err *err)
{
	const char	*doc;
	size_t		 dlen;
	int		 rc;

	if ((rc = proto_get_str(msg, "format", &in->format, S, err)) !=
	    OPS_OK ||
	    (proto_has(msg, "source") && (rc = proto_get_str(msg, "source",
	    &in->source, S, err)) != OPS_OK) ||
	    (rc = proto_get_strn(msg, "doc", &doc, &dlen, OPS_PROTO_MAX_FRAME,
	    err)) != OPS_OK)
		return rc;
	if (autodoc_format(in->format) == AUTO_FMT_AUTO)
		return ops_err_set(err, OPS_E_INVAL, "apply: format \"%s\" is "
		    "not yaml or json", in->format);
	if ((rc = autodoc_unb64("the document", doc, dlen, STORE_AUTODOC_MAX,
	    &in->doc, &in->doc_len, err)) != OPS_OK ||
	    (rc = take_files(msg, in, err)) != OPS_OK)
		return rc;
	if ((rc = automation_parse((const char *)in->doc, in->doc_len,
	    autodoc_format(in->format), &in->a, err)) != OPS_OK)
		return rc;
	return check_files(in, err);
}

static json_t *
apply_result(const char *name, int version, int changed, const char *hex)
{
	json_t	*o = json_object();

	if (o == NULL)
		return NULL;
	json_object_set_new(o, "name", json_string(name));
	json_object_set_new(o, "version", json_integer(version));
	json_object_set_new(o, "changed", json_boolean(changed));
	json_object_set_new(o, "created", json_boolean(changed &&
	    version == 1));
	json_object_set_new(o, "sha256", json_string(hex));
	return o;
}

int
handle_automation_apply(struct ops_ctx *ctx, struct client *c, json_t *msg,
    json_t **result, struct ops_err *err)
{
	struct apply_in	 in;
	struct ops_err	 why;
	char		 hex[65], detail[160];
	const char	*name;
	int		 rc, version = 0, changed = 0;

	memset(&in, 0, sizeof(in));
	if ((rc = apply_read(msg, &in, err)) != OPS_OK) {
		name = in.a != NULL ? in.a->name : in.source;
		audit_refusal(ctx, c->actor, "automation.apply",
		    name != NULL ? name : "-", in.source, ops_err_msg(err));
		goto out;
	}
	name = in.a->name;
	if ((rc = store_automation_hash(in.doc, in.doc_len, in.files,
	    in.nfiles, hex)) != OPS_OK) {
		rc = ops_err_set(err, rc, "apply automation %s", name);
		goto out;
	}
	if ((rc = store_tx_begin(ctx->store, err)) != OPS_OK)
		goto out;
	if ((rc = store_automation_put(ctx->store, name, in.format, in.doc,
	    in.doc_len, in.files, in.nfiles, c->actor, &version, &changed,
	    err)) == OPS_OK && changed &&
	    (rc = store_automation_update(ctx->store, name, NULL,
	    in.a->description != NULL ? in.a->description : "", err)) !=
	    OPS_OK) {
		why = *err;
		rc = ops_err_set(err, rc, "automation %s: %s", name,
		    ops_err_msg(&why));
	}
	if (rc == OPS_OK) {
		snprintf(detail, sizeof(detail), "%sversion %d sha256 %s",
		    changed ? "" : "unchanged ", version, hex);
		rc = audit_append(ctx, c->actor, "automation.apply", name,
		    detail, "ok", err);
	}
	if (rc == OPS_OK && (rc = store_tx_commit(ctx->store, err)) ==
	    OPS_OK) {
		if ((*result = apply_result(name, version, changed, hex)) ==
		    NULL)
			rc = ops_err_set(err, OPS_E_NOMEM, "apply automation");
		goto out;
	}
	store_tx_rollback(ctx->store);
	audit_refusal(ctx, c->actor, "automation.apply", name, in.source,
	    ops_err_msg(err));
out:
	apply_in_done(&in);
	return rc;
}

/* ---- automation-list, -history, -rm ------------------------------------- */

static void
set_str(json_t *o, const char *key, const char *v)
{
	json_object_set_new(o, key, v != NULL ? json_string(v) : json_null());
}

int
handle_automation_list(struct ops_ctx *ctx, struct client *c, json_t *msg,
    json_t **result, struct ops_err *err)
{
	struct store_automation_list	 l = { NULL, 0 };
	json_t				*a, *o;
	size_t				 i;
	int				 rc;

	(void)c;
	(void)msg;
	if ((rc = store_automation_list(ctx->store, &l, err)) != OPS_OK)
		return rc;
	if ((a = json_array()) == NULL)
		rc = ops_err_set(err, OPS_E_NOMEM, "list automations");
	for (i = 0; a != NULL && i < l.n; i++) {
		if ((o = json_object()) == NULL) {
			rc = ops_err_set(err, OPS_E_NOMEM, "list automations");
			break;
		}
		set_str(o, "name", l.v[i].name);
		set_str(o, "description", l.v[i].description);
		json_object_set_new(o, "latest", json_integer(l.v[i].latest));
		json_object_set_new(o, "versions",
		    json_integer(l.v[i].versions));
		json_object_set_new(o, "created",
		    json_integer(l.v[i].created));
		json_object_set_new(o, "applied",
		    json_integer(l.v[i].applied));
		set_str(o, "applied_by", l.v[i].applied_by);
		json_array_append_new(a, o);
	}
	store_automation_list_free(&l);
	if (rc != OPS_OK)
		json_decref(a);
	else
		*result = a;
	return rc;
}

int
handle_automation_history(struct ops_ctx *ctx, struct client *c, json_t *msg,
    json_t **result, struct ops_err *err)
{
	struct store_automation_version_list	 l = { NULL, 0 };
	const struct store_automation_version	*v;
	const char				*name;
	json_t					*a, *o;
	size_t					 i;
	int					 rc;

	(void)c;
	if ((rc = proto_get_str(msg, "name", &name, S, err)) != OPS_OK ||
	    (rc = store_automation_versions(ctx->store, name, &l, err)) !=
	    OPS_OK)
		return rc;
	if ((a = json_array()) == NULL)
		rc = ops_err_set(err, OPS_E_NOMEM, "automation history");
	for (i = 0; a != NULL && i < l.n; i++) {
		v = &l.v[i];
		if ((o = json_object()) == NULL) {
			rc = ops_err_set(err, OPS_E_NOMEM,
			    "automation history");
			break;
		}
		json_object_set_new(o, "version", json_integer(v->version));
		set_str(o, "kind", store_auto_kind_name(v->kind));
		set_str(o, "format", v->format);
		set_str(o, "sha256", v->sha256[0] != '\0' ? v->sha256 : NULL);
		set_str(o, "actor", v->actor);
		json_object_set_new(o, "created", json_integer(v->created));
		json_object_set_new(o, "size", json_integer(v->body != NULL ?
		    (json_int_t)strlen(v->body) : (json_int_t)v->doc_len));
		json_object_set_new(o, "files", json_integer(v->nfiles));
		json_array_append_new(a, o);
	}
	store_automation_version_list_free(&l);
	if (rc != OPS_OK)
		json_decref(a);
	else
		*result = a;
	return rc;
}

int
handle_automation_rm(struct ops_ctx *ctx, struct client *c, json_t *msg,
    json_t **result, struct ops_err *err)
{
	const char	*name;
	int		 rc;

	(void)c;
	(void)result;
	if ((rc = proto_get_str(msg, "name", &name, S, err)) != OPS_OK)
		return rc;
	return store_automation_delete(ctx->store, name, err);
}

/* ---- automation-export -------------------------------------------------- */

/* The version's files as apply sends them: [{path, data}], base64. */
static json_t *
files_b64(const struct store_automation_doc *d)
{
	json_t	*l = json_array(), *o;
	char	*b64;
	size_t	 i;

	for (i = 0; l != NULL && i < d->nfiles; i++) {
		b64 = autodoc_b64(d->files[i].data, d->files[i].len);
		if (b64 == NULL || (o = json_object()) == NULL) {
			free(b64);
			json_decref(l);
			return NULL;
		}
		set_str(o, "path", d->files[i].path);
		set_str(o, "data", b64);
		free(b64);
		json_array_append_new(l, o);
	}
	return l;
}

int
handle_automation_export(struct ops_ctx *ctx, struct client *c, json_t *msg,
    json_t **result, struct ops_err *err)
{
	struct store_automation_doc	*d = NULL;
	const char			*name;
	char				*b64 = NULL;
	json_t				*o = NULL;
	int				 rc, version, files = 0;

	(void)c;
	if ((rc = proto_get_str(msg, "name", &name, S, err)) != OPS_OK ||
	    (rc = opt_version(msg, &version, err)) != OPS_OK ||
	    (proto_has(msg, "files") && (rc = proto_get_bool(msg, "files",
	    &files, err)) != OPS_OK) ||
	    (rc = store_automation_doc_get(ctx->store, name, version, &d,
	    err)) != OPS_OK)
		return rc;
	if ((b64 = autodoc_b64(d->doc, d->doc_len)) == NULL ||
	    (o = json_object()) == NULL ||
	    (files && json_object_set_new(o, "files", files_b64(d)) != 0)) {
		rc = ops_err_set(err, OPS_E_NOMEM, "export automation %s",
		    name);
		goto out;
	}
	set_str(o, "name", d->name);
	json_object_set_new(o, "version", json_integer(d->version));
	set_str(o, "format", d->format);
	set_str(o, "doc", b64);
	set_str(o, "sha256", d->sha256);
	*result = o;
	o = NULL;
out:
	json_decref(o);
	free(b64);
	store_automation_doc_free(d);
	return rc;
}

/* ---- automation-show ---------------------------------------------------- */

static json_t *
param_json(const struct auto_param *p)
{
	json_t	*o = json_object(), *ch;
	size_t	 i;

	if (o == NULL)
		return NULL;
	set_str(o, "name", p->name);
	set_str(o, "type", automation_param_type_name(p->type));
	json_object_set_new(o, "required", json_boolean(p->required));
	/* A secret's default is never shown, only that there is one. */
	if (p->type == AUTO_P_SECRET)
		json_object_set_new(o, "has_default",
		    json_boolean(p->def != NULL));
	else
		set_str(o, "default", p->def);
	set_str(o, "description", p->description);
	set_str(o, "pattern", p->pattern);
	if (p->has_min)
		json_object_set_new(o, "min", json_real(p->min));
	if (p->has_max)
		json_object_set_new(o, "max", json_real(p->max));
	if (p->nchoices > 0 && (ch = json_array()) != NULL) {
		for (i = 0; i < p->nchoices; i++)
			json_array_append_new(ch, json_string(p->choices[i]));
		json_object_set_new(o, "choices", ch);
	}
	return o;
}

static json_t *
step_json(const struct auto_step *s)
{
	json_t	*o = json_object();

	if (o == NULL)
		return NULL;
	set_str(o, "name", s->name);
	set_str(o, "kind", automation_step_kind_name(s->kind));
	if (s->command != NULL)
		set_str(o, "command", s->command);
	if (s->script != NULL)
		set_str(o, "script", s->script);
	if (s->script_file != NULL)
		set_str(o, "file", s->script_file);
	if (s->interpreter != NULL)
		set_str(o, "interpreter", s->interpreter);
	if (s->kind == AUTO_STEP_UPLOAD) {
		if (s->content != NULL)
			json_object_set_new(o, "content_bytes",
			    json_integer((json_int_t)strlen(s->content)));
		json_object_set_new(o, "mode", json_integer(s->mode != 0 ?
		    s->mode : 0644));
	}
	if (s->src != NULL)
		set_str(o, "src", s->src);
	if (s->dest != NULL)
		set_str(o, "dest", s->dest);
	set_str(o, "become", s->become);
	json_object_set_new(o, "timeout", json_integer(s->timeout_ms));
	json_object_set_new(o, "retries", json_integer(s->retries));
	json_object_set_new(o, "retry_delay", json_integer(s->retry_delay_ms));
	set_str(o, "on_failure", s->on_failure == AUTO_FAIL_CONTINUE ?
	    "continue" : "stop");
	return o;
}

static json_t *
amount_json(const struct auto_amount *m)
{
	json_t	*o = json_object();

	if (o != NULL) {
		json_object_set_new(o, "n", json_integer(m->n));
		json_object_set_new(o, "percent", json_boolean(m->pct));
	}
	return o;
}

static json_t *
rollout_json(const struct auto_rollout *r)
{
	json_t	*o = json_object();

	if (o == NULL)
		return NULL;
	json_object_set_new(o, "batch", r->batch.n > 0 ?
	    amount_json(&r->batch) : json_null());
	json_object_set_new(o, "max_failures", r->max_failures_set ?
	    amount_json(&r->max_failures) : json_null());
	set_str(o, "order", r->order);
	json_object_set_new(o, "forks", json_integer(r->forks));
	return o;
}

/* params, steps, targets and rollout of the parsed document into o. */
static int
summary_json(json_t *o, const struct automation *a)
{
	json_t	*p, *s, *t;
	size_t	 i;

	if ((p = json_array()) == NULL || (s = json_array()) == NULL ||
	    (t = json_array()) == NULL)
		return -1;
	json_object_set_new(o, "params", p);
	json_object_set_new(o, "steps", s);
	json_object_set_new(o, "targets", t);
	for (i = 0; i < a->nparams; i++)
		if (json_array_append_new(p, param_json(&a->params[i])) != 0)
			return -1;
	for (i = 0; i < a->nsteps; i++)
		if (json_array_append_new(s, step_json(&a->steps[i])) != 0)
			return -1;
	for (i = 0; i < a->ntargets; i++)
		if (json_array_append_new(t, json_string(a->targets[i])) != 0)
			return -1;
	json_object_set_new(o, "rollout", rollout_json(&a->rollout));
	json_object_set_new(o, "timeout", json_integer(a->timeout_ms));
	return 0;
}

static json_t *
files_json(const struct store_automation_doc *d)
{
	json_t	*l = json_array(), *o;
	size_t	 i;

	for (i = 0; l != NULL && i < d->nfiles; i++) {
		if ((o = json_object()) == NULL) {
			json_decref(l);
			return NULL;
		}
		set_str(o, "path", d->files[i].path);
		json_object_set_new(o, "size", json_integer(d->files[i].len));
		json_array_append_new(l, o);
	}
	return l;
}

int
handle_automation_show(struct ops_ctx *ctx, struct client *c, json_t *msg,
    json_t **result, struct ops_err *err)
{
	struct store_automation_doc	*d = NULL;
	struct store_automation		*meta = NULL;
	struct automation		*a = NULL;
	struct ops_err			 perr;
	const char			*name;
	json_t				*o = NULL;
	int				 rc, version;

	(void)c;
	if ((rc = proto_get_str(msg, "name", &name, S, err)) != OPS_OK ||
	    (rc = opt_version(msg, &version, err)) != OPS_OK ||
	    (rc = store_automation_get(ctx->store, name, &meta, err)) !=
	    OPS_OK ||
	    (rc = store_automation_doc_get(ctx->store, name, version, &d,
	    err)) != OPS_OK)
		goto out;
	/* It was parsed at apply; a parser that changed since may differ. */
	if ((rc = automation_parse((const char *)d->doc, d->doc_len,
	    autodoc_format(d->format), &a, &perr)) != OPS_OK) {
		rc = ops_err_set(err, OPS_E_CORRUPT, "automation %s version %d "
		    "no longer parses: %s", name, d->version,
		    ops_err_msg(&perr));
		goto out;
	}
	if ((o = json_object()) == NULL)
		goto nomem;
	set_str(o, "name", d->name);
	json_object_set_new(o, "version", json_integer(d->version));
	json_object_set_new(o, "latest", json_integer(meta->latest));
	json_object_set_new(o, "versions", json_integer(meta->versions));
	set_str(o, "format", d->format);
	set_str(o, "sha256", d->sha256);
	set_str(o, "actor", d->actor);
	json_object_set_new(o, "created", json_integer(d->created));
	json_object_set_new(o, "size", json_integer(d->doc_len));
	set_str(o, "description", a->description);
	json_object_set_new(o, "files", files_json(d));
	if (summary_json(o, a) != 0)
		goto nomem;
	*result = o;
	o = NULL;
	goto out;
nomem:
	rc = ops_err_set(err, OPS_E_NOMEM, "show automation %s", name);
out:
	json_decref(o);
	automation_free(a);
	store_automation_doc_free(d);
	store_automation_free(meta);
	return rc;
}

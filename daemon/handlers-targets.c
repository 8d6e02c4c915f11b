/*
 * handlers-targets.c: target add, list, show, edit and rm. Validation is
 * the store's: its messages (naming the field and the limit) reach the
 * client verbatim. Credentials and roles (opsicled(8)): attaching a
 * credential, or changing where or as whom a target that has one logs
 * in, needs admin; operators manage targets without credentials.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "daemon.h"

/* Their rows are in dispatch.c, which declares them too. */
handler_fn	handle_target_add, handle_target_list, handle_target_show,
		handle_target_edit, handle_target_rm;

#define S	OPS_PROTO_MAX_NAME

/* The stable JSON form of a target (core/model-json.h, opsicle(1)). */
static json_t *
target_json(const struct store_target *t)
{
	const struct store_last_run	*r = &t->last_run;
	struct target_rec		 rec = {
		.name = t->name, .host = t->host, .port = t->port,
		.user = t->user, .cred = t->cred_name,
		.tags = (const char *const *)t->tags, .ntags = t->ntags,
		.notes = t->notes, .created = t->created,
		.updated = t->updated, .has_last_run = r->job_id != 0,
	};

	rec.last_run.job = r->job_id;
	rec.last_run.state = (enum run_state)r->state;
	rec.last_run.cls = r->cls;
	rec.last_run.exit_status = r->exit_status;
	rec.last_run.signal = r->signal;
	rec.last_run.error = r->error;
	rec.last_run.finished = r->finished;
	return target_rec_encode(&rec);
}

/* Optional string field: *out stays NULL when absent. */
static int
opt_str(const json_t *msg, const char *key, size_t max, const char **out,
    struct ops_err *err)
{
	*out = NULL;
	if (!proto_has(msg, key))
		return OPS_OK;
	return proto_get_str(msg, key, out, max, err);
}

/* "" and NULL both mean no user (the credential's or the daemon's). */
static int
same_user(const char *a, const char *b)
{
	if (a == NULL || *a == '\0' || b == NULL || *b == '\0')
		return (a == NULL || *a == '\0') == (b == NULL || *b == '\0');
	return strcmp(a, b) == 0;
}

/* Does edit u change where, or as whom, target t logs in? */
static const char *
edit_moves(const struct store_target *t, const struct store_target_update *u)
{
	if (u->host != NULL && strcmp(u->host, t->host) != 0)
		return "host";
	if (u->port != 0 && u->port != t->port)
		return "port";
	if (u->user != NULL && !same_user(u->user, t->user))
		return "user";
	return NULL;
}

/*
 * An edit that leaves the target with a credential needs admin when it
 * attaches that credential or moves the target (host, port, user): both
 * send the credential somewhere new. Clearing it, renaming, tags and
 * notes do not.
 */
static int
edit_check_binding(struct ops_ctx *ctx, const struct client *c,
    const char *name, const struct store_target_update *u,
    struct ops_err *err)
{
	struct store_target	*t = NULL;
	const char		*after, *moved;
	int			 rc;

	if (acl_allows(c->role, CMD_ROLE_ADMIN))
		return OPS_OK;
	if ((rc = store_target_get(ctx->store, name, &t, err)) != OPS_OK)
		return rc;
	after = u->credential == NULL ? t->cred_name :
	    *u->credential != '\0' ? u->credential : NULL;
	if (after != NULL && (t->cred_name == NULL ||
	    strcmp(after, t->cred_name) != 0))
		rc = acl_need_admin(c->role, c->actor, err, "attaching "
		    "credential %s to target %s", after, name);
	else if (after != NULL && (moved = edit_moves(t, u)) != NULL)
		rc = acl_need_admin(c->role, c->actor, err, "changing the %s "
		    "of target %s, which uses credential %s,", moved, name,
		    after);
	store_target_free(t);
	return rc;
}

int
handle_target_add(struct ops_ctx *ctx, struct client *c, json_t *msg,
    json_t **result, struct ops_err *err)
{
	struct store_target_spec	 s;
	const char			**tags = NULL;
	long long			 port = 0;
	int				 rc, accept = 0;

	memset(&s, 0, sizeof(s));
	if ((rc = proto_get_str(msg, "name", &s.name, S, err)) != OPS_OK ||
	    (rc = proto_get_str(msg, "host", &s.host, S, err)) != OPS_OK ||
	    (rc = opt_str(msg, "user", S, &s.user, err)) != OPS_OK ||
	    (rc = opt_str(msg, "cred", S, &s.credential, err)) != OPS_OK ||
	    (rc = opt_str(msg, "notes", STORE_NOTES_MAX, &s.notes,
	    err)) != OPS_OK)
		return rc;
	if (proto_has(msg, "port")) {
		if ((rc = proto_get_int(msg, "port", -1000000, 1000000, &port,
		    err)) != OPS_OK)
			return rc;
		if (port < 1 || port > 65535)
			return ops_err_set(err, OPS_E_INVAL, "invalid port "
			    "%lld for target %s: must be 1-65535", port,
			    s.name);
		s.port = (int)port;
	}
	if (s.credential != NULL && *s.credential != '\0' &&
	    (rc = acl_need_admin(c->role, c->actor, err, "attaching "
	    "credential %s to target %s", s.credential, s.name)) != OPS_OK)
		return rc;
	if (proto_has(msg, "tags") && (rc = proto_get_str_array(msg, "tags",
	    STORE_TAGS_MAX, S, &tags, &s.ntags, err)) != OPS_OK)
		return rc;
	s.tags = tags;
	rc = store_target_add(ctx->store, &s, NULL, err);
	free(tags);
	/* hostkeys: TOFU on explicit request, scanned after the add. */
	if (rc == OPS_OK && proto_has(msg, "accept_new_hostkey") &&
	    proto_get_bool(msg, "accept_new_hostkey", &accept, err) ==
	    OPS_OK && accept) {
		*result = json_pack("{s:s}", "name", s.name);
		rc = hostkeys_reply_scan_new(ctx, c, msg, &s.name, 1,
		    result);
	}
	return rc;
}

int
handle_target_list(struct ops_ctx *ctx, struct client *c, json_t *msg,
    json_t **result, struct ops_err *err)
{
	struct store_target_filter	 f = { NULL, NULL };
	struct store_target_list	 l = { NULL, 0 };
	const char			**sel = NULL;
	json_t				*a = NULL, *o;
	size_t				 nsel = 0, i;
	int				 rc;

	(void)c;
	if (proto_has(msg, "selectors") && (rc = proto_get_str_array(msg,
	    "selectors", 2, S, &sel, &nsel, err)) != OPS_OK)
		return rc;
	for (i = 0; i < nsel; i++) {
		/* "tag:X" alone is --tag; anything else an expression. */
		int tag = strncmp(sel[i], "tag:", 4) == 0 &&
		    selector_name_valid(sel[i] + 4);

		if (tag && f.tag == NULL)
			f.tag = sel[i] + 4;
		else if (!tag && f.name_glob == NULL)
			f.name_glob = sel[i];
		else {
			free(sel);
			return ops_err_set(err, OPS_E_INVAL, "list targets: "
			    "at most one tag and one selector");
		}
	}
	rc = store_target_list(ctx->store, &f, &l, err);
	free(sel);
	if (rc != OPS_OK)
		return rc;
	if ((a = json_array()) == NULL)
		goto nomem;
	for (i = 0; i < l.n; i++) {
		if ((o = target_json(&l.v[i])) == NULL ||
		    json_array_append_new(a, o) != 0)
			goto nomem;
	}
	store_target_list_free(&l);
	*result = a;
	return OPS_OK;
nomem:
	store_target_list_free(&l);
	json_decref(a);
	return ops_err_set(err, OPS_E_NOMEM, "build target list");
}

int
handle_target_show(struct ops_ctx *ctx, struct client *c, json_t *msg,
    json_t **result, struct ops_err *err)
{
	struct store_target	*t = NULL;
	const char		*name;
	int			 rc;

	(void)c;
	if ((rc = proto_get_str(msg, "name", &name, S, err)) != OPS_OK ||
	    (rc = store_target_get(ctx->store, name, &t, err)) != OPS_OK)
		return rc;
	*result = target_json(t);
	store_target_free(t);
	if (*result == NULL)
		return ops_err_set(err, OPS_E_NOMEM, "build target %s", name);
	return OPS_OK;
}

int
handle_target_edit(struct ops_ctx *ctx, struct client *c, json_t *msg,
    json_t **result, struct ops_err *err)
{
	struct store_target_update	 u;
	const char			*name, **tags = NULL;
	long long			 port;
	int				 rc, clear = 0;

	/* Selectors (and what only they take): targets-edit.c. */
	if (proto_has(msg, "selectors") || proto_has(msg, "add_tags") ||
	    proto_has(msg, "rm_tags") || proto_has(msg, "dry_run"))
		return targets_edit_many(ctx, c, msg, result, err);
	memset(&u, 0, sizeof(u));
	if ((rc = proto_get_str(msg, "name", &name, S, err)) != OPS_OK ||
	    (rc = opt_str(msg, "new_name", S, &u.name, err)) != OPS_OK ||
	    (rc = opt_str(msg, "host", S, &u.host, err)) != OPS_OK ||
	    (rc = opt_str(msg, "user", S, &u.user, err)) != OPS_OK ||
	    (rc = opt_str(msg, "cred", S, &u.credential, err)) != OPS_OK ||
	    (rc = opt_str(msg, "notes", STORE_NOTES_MAX, &u.notes,
	    err)) != OPS_OK)
		return rc;
	if (proto_has(msg, "port")) {
		if ((rc = proto_get_int(msg, "port", -1000000, 1000000, &port,
		    err)) != OPS_OK)
			return rc;
		if (port < 1 || port > 65535)
			return ops_err_set(err, OPS_E_INVAL, "invalid port "
			    "%lld for target %s: must be 1-65535", port, name);
		u.port = (int)port;
	}
	if (proto_has(msg, "clear_cred") &&
	    (rc = proto_get_bool(msg, "clear_cred", &clear, err)) != OPS_OK)
		return rc;
	if (clear) {
		if (u.credential != NULL)
			return ops_err_set(err, OPS_E_INVAL, "edit target "
			    "%s: both a credential and no credential", name);
		u.credential = "";
	}
	if (proto_has(msg, "tags")) {
		if ((rc = proto_get_str_array(msg, "tags", STORE_TAGS_MAX, S,
		    &tags, &u.ntags, err)) != OPS_OK)
			return rc;
		u.set_tags = 1;
		u.tags = tags;
	}
	if ((rc = edit_check_binding(ctx, c, name, &u, err)) == OPS_OK)
		rc = store_target_update(ctx->store, name, &u, err);
	free(tags);
	return rc;
}

int
handle_target_rm(struct ops_ctx *ctx, struct client *c, json_t *msg,
    json_t **result, struct ops_err *err)
{
	const char	*name;
	int		 rc;

	(void)c;
	(void)result;
	if ((rc = proto_get_str(msg, "name", &name, S, err)) != OPS_OK)
		return rc;
	return store_target_delete(ctx->store, name, err);
}

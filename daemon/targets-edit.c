/*
 * targets-edit.c: target edit on many targets at once (the service
 * behind handle_target_edit when the request carries "selectors").
 *
 * The selectors add up as for run (model.h); each must match a target.
 * Every matched target gets the same change: host, port, user,
 * credential (or none), notes, tags replaced, or tags added and removed;
 * a rename or a new host needs exactly one match. All updates run in the
 * request's one transaction (dispatch's OP_TX), so a refusal on any
 * target changes none. A target the change leaves as it was is listed
 * as unchanged. dry_run applies everything the same way (so validation
 * is exact), then rolls it back and opens a fresh transaction for the
 * audit record. Roles are as for one target: attaching a credential, or
 * moving a target that keeps one, needs admin.
 */
#include "config.h"

#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "daemon.h"
#include "xmalloc.h"

#define S		OPS_PROTO_MAX_NAME
#define SELECTORS_MAX	256

struct edit {
	struct store_target_update	  u;
	const char			**sel, **tags, **add, **rm;
	size_t				  nsel, ntags, nadd, nrm;
	int				  clear, dry;
};

static void
edit_free(struct edit *e)
{
	free(e->sel);
	free(e->tags);
	free(e->add);
	free(e->rm);
}

/* The string fields of an edit, where they go in the update. */
static const struct {
	const char	*key;
	size_t		 max;
	size_t		 off;
} strs[] = {
	{ "new_name", S, offsetof(struct store_target_update, name) },
	{ "host", S, offsetof(struct store_target_update, host) },
	{ "user", S, offsetof(struct store_target_update, user) },
	{ "cred", S, offsetof(struct store_target_update, credential) },
	{ "notes", STORE_NOTES_MAX, offsetof(struct store_target_update,
	    notes) },
};

/* The tag lists, where they go in the edit. */
static const struct {
	const char	*key;
	size_t		 off;
	size_t		 noff;
} lists[] = {
	{ "selectors", offsetof(struct edit, sel), offsetof(struct edit,
	    nsel) },
	{ "tags", offsetof(struct edit, tags), offsetof(struct edit, ntags) },
	{ "add_tags", offsetof(struct edit, add), offsetof(struct edit,
	    nadd) },
	{ "rm_tags", offsetof(struct edit, rm), offsetof(struct edit, nrm) },
};

static int
get_edit(const json_t *msg, struct edit *e, struct ops_err *err)
{
	long long	port;
	size_t		i;
	int		rc;

	memset(e, 0, sizeof(*e));
	if (!proto_has(msg, "selectors"))
		return ops_err_set(err, OPS_E_PROTO, "edit targets: add_tags, "
		    "rm_tags and dry_run go with selectors");
	for (i = 0; i < sizeof(strs) / sizeof(strs[0]); i++)
		if (proto_has(msg, strs[i].key) && (rc = proto_get_str(msg,
		    strs[i].key, (const char **)(void *)((char *)&e->u +
		    strs[i].off), strs[i].max, err)) != OPS_OK)
			return rc;
	for (i = 0; i < sizeof(lists) / sizeof(lists[0]); i++)
		if (proto_has(msg, lists[i].key) && (rc = proto_get_str_array(
		    msg, lists[i].key, i == 0 ? SELECTORS_MAX : STORE_TAGS_MAX,
		    S, (const char ***)(void *)((char *)e + lists[i].off),
		    (size_t *)(void *)((char *)e + lists[i].noff), err)) !=
		    OPS_OK)
			return rc;
	if ((proto_has(msg, "clear_cred") && (rc = proto_get_bool(msg,
	    "clear_cred", &e->clear, err)) != OPS_OK) ||
	    (proto_has(msg, "dry_run") && (rc = proto_get_bool(msg, "dry_run",
	    &e->dry, err)) != OPS_OK) ||
	    (proto_has(msg, "port") && (rc = proto_get_int(msg, "port", 1,
	    65535, &port, err)) != OPS_OK))
		return rc;
	if (proto_has(msg, "port"))
		e->u.port = (int)port;
	if (e->nsel == 0)
		return ops_err_set(err, OPS_E_INVAL, "edit targets: no "
		    "selector");
	if (e->clear) {
		if (e->u.credential != NULL)
			return ops_err_set(err, OPS_E_INVAL, "edit targets: "
			    "both a credential and no credential");
		e->u.credential = "";
	}
	if (e->tags != NULL && (e->add != NULL || e->rm != NULL))
		return ops_err_set(err, OPS_E_INVAL, "edit targets: replace "
		    "the tags or add and remove some, not both");
	e->u.set_tags = e->tags != NULL;
	e->u.tags = e->tags;
	e->u.ntags = e->ntags;
	return OPS_OK;
}

static int
has(const char *const *v, size_t n, const char *s)
{
	size_t	i;

	for (i = 0; i < n; i++)
		if (strcmp(v[i], s) == 0)
			return 1;
	return 0;
}

/* The tags of t after adding e->add and removing e->rm, into out
 * (room for STORE_TAGS_MAX * 2); returns how many. */
static size_t
new_tags(const struct store_target *t, const struct edit *e,
    const char **out)
{
	size_t	n = 0, i;

	for (i = 0; i < t->ntags; i++)
		if (!has(e->rm, e->nrm, t->tags[i]))
			out[n++] = t->tags[i];
	for (i = 0; i < e->nadd; i++)
		if (!has(e->rm, e->nrm, e->add[i]) && !has(out, n, e->add[i]))
			out[n++] = e->add[i];
	return n;
}

static int
same_str(const char *want, const char *have)
{
	if (want == NULL)
		return 1;
	if (*want == '\0')
		return have == NULL || *have == '\0';
	return have != NULL && strcmp(want, have) == 0;
}

static int
same_tags(const char *const *v, size_t n, const struct store_target *t)
{
	size_t	i;

	for (i = 0; i < n; i++)
		if (!has((const char *const *)t->tags, t->ntags, v[i]))
			return 0;
	for (i = 0; i < t->ntags; i++)
		if (!has(v, n, t->tags[i]))
			return 0;
	return 1;
}

/* Does u leave t as it is? */
static int
no_change(const struct store_target *t, const struct store_target_update *u)
{
	return (u->name == NULL || strcmp(u->name, t->name) == 0) &&
	    (u->host == NULL || strcmp(u->host, t->host) == 0) &&
	    (u->port == 0 || u->port == t->port) &&
	    same_str(u->user, t->user) &&
	    same_str(u->credential, t->cred_name) &&
	    same_str(u->notes, t->notes) &&
	    (!u->set_tags || same_tags(u->tags, u->ntags, t));
}

/* As for one target: attaching a credential, or moving a target that
 * keeps one (host, port, user), needs admin. */
static int
check_role(const struct client *c, const struct store_target *t,
    const struct store_target_update *u, struct ops_err *err)
{
	const char	*after;

	if (acl_allows(c->role, CMD_ROLE_ADMIN))
		return OPS_OK;
	after = u->credential == NULL ? t->cred_name :
	    *u->credential != '\0' ? u->credential : NULL;
	if (after == NULL)
		return OPS_OK;
	if (t->cred_name == NULL || strcmp(after, t->cred_name) != 0)
		return acl_need_admin(c->role, c->actor, err, "attaching "
		    "credential %s to target %s", after, t->name);
	if ((u->host != NULL && strcmp(u->host, t->host) != 0) ||
	    (u->port != 0 && u->port != t->port) ||
	    !same_str(u->user, t->user))
		return acl_need_admin(c->role, c->actor, err, "moving target "
		    "%s, which uses credential %s,", t->name, after);
	return OPS_OK;
}

/* Which targets of l the selectors pick (1 in pick[i]); each selector
 * must pick one. */
static int
select_targets(const struct edit *e, const struct store_target_list *l,
    char *pick, size_t *n, struct ops_err *err)
{
	struct selector	 s;
	size_t		 i, j, hits;
	int		 rc;

	*n = 0;
	for (i = 0; i < e->nsel; i++) {
		if ((rc = selector_parse(e->sel[i], &s, err)) != OPS_OK)
			return rc;
		for (j = 0, hits = 0; j < l->n; j++) {
			if (!selector_match(&s, l->v[j].name,
			    (const char *const *)l->v[j].tags, l->v[j].ntags))
				continue;
			hits++;
			if (!pick[j])
				(*n)++;
			pick[j] = 1;
		}
		if (hits == 0)
			return ops_err_set(err, OPS_E_NOTFOUND, "edit targets: "
			    "\"%.64s\" matches no target; nothing changed",
			    e->sel[i]);
	}
	return OPS_OK;
}

int
targets_edit_many(struct ops_ctx *ctx, struct client *c, json_t *msg,
    json_t **result, struct ops_err *err)
{
	struct store_target_list	 l = { NULL, 0 };
	struct store_target_update	 u;
	struct edit			 e;
	struct ops_err			 e2;
	const char			*tags[STORE_TAGS_MAX * 2];
	json_t				*changed = NULL, *same = NULL;
	char				*pick = NULL;
	size_t				 i, n;
	int				 rc;

	if ((rc = get_edit(msg, &e, err)) != OPS_OK)
		goto out;
	if ((rc = store_target_list(ctx->store, NULL, &l, err)) != OPS_OK)
		goto out;
	pick = xcalloc(l.n > 0 ? l.n : 1, 1);
	if ((rc = select_targets(&e, &l, pick, &n, err)) != OPS_OK)
		goto out;
	if ((e.u.name != NULL || e.u.host != NULL) && n != 1) {
		rc = ops_err_set(err, OPS_E_INVAL, "edit targets: a new name "
		    "or host is for one target, and the selectors match %zu; "
		    "nothing changed", n);
		goto out;
	}
	changed = json_array();
	same = json_array();
	for (i = 0; i < l.n; i++) {
		if (!pick[i])
			continue;
		u = e.u;
		if (e.add != NULL || e.rm != NULL) {
			u.set_tags = 1;
			u.tags = tags;
			u.ntags = new_tags(&l.v[i], &e, tags);
		}
		if (no_change(&l.v[i], &u)) {
			json_array_append_new(same, json_string(l.v[i].name));
			continue;
		}
		if ((rc = check_role(c, &l.v[i], &u, err)) != OPS_OK)
			goto out;
		if ((rc = store_target_update(ctx->store, l.v[i].name, &u,
		    &e2)) != OPS_OK) {
			rc = ops_err_set(err, rc, "edit target %s: %s; nothing "
			    "changed", l.v[i].name, ops_err_msg(&e2));
			goto out;
		}
		json_array_append_new(changed, json_string(u.name != NULL ?
		    u.name : l.v[i].name));
	}
	if (e.dry) {
		store_tx_rollback(ctx->store);
		if ((rc = store_tx_begin(ctx->store, err)) != OPS_OK)
			goto out;
	}
	*result = json_pack("{s:O, s:O, s:b}", "changed", changed,
	    "unchanged", same, "dry_run", e.dry);
	rc = OPS_OK;
out:
	json_decref(changed);
	json_decref(same);
	free(pick);
	store_target_list_free(&l);
	edit_free(&e);
	return rc;
}

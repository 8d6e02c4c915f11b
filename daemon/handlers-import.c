/*
 * handlers-import.c: target import. The client sends the text of an
 * ssh_config file or an Ansible INI or YAML inventory; the parsers in
 * core/import-*.c read it here, and every new host is added inside the
 * one transaction dispatch opened for this request, so one bad entry
 * imports nothing (its error names the file and line). Hosts whose name
 * already exists are skipped and reported, and so are hosts reached
 * through a jump host (ProxyJump, ProxyCommand), with a warning each.
 * --cred gives every added target a credential (admin; it must exist);
 * --create-creds gives each the key credential of its IdentityFile
 * (import-creds.c). The reply's "keys" lists, per key file, the added
 * hosts that use it and the credential chosen (none without
 * --create-creds: the client then says how to add one). A dry run adds everything the same way (so validation is
 * exact), then rolls the additions back and starts a fresh transaction
 * for dispatch's audit record.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "daemon.h"
#include "import.h"
#include "xmalloc.h"

/* Their rows are in dispatch.c, which declares them too. */
handler_fn	handle_target_import;

#define S	OPS_PROTO_MAX_NAME

/* What the import applies to every host besides its own fields. */
struct import_opts {
	const char		**extra;	/* --tag */
	size_t			  nextra;
	const char		 *cred;		/* --cred; NULL: none */
	int			  create;	/* --create-creds */
	struct import_keys	  keys;
};

static int
add_one(struct ops_ctx *ctx, const struct import_host *h,
    const struct import_opts *o, const char *cred, const char *source,
    struct ops_err *err)
{
	struct store_target_spec	 s;
	const char			*tags[IMPORT_TAGS_MAX + STORE_TAGS_MAX];
	struct ops_err			 e;
	size_t				 n = 0, i;
	int				 rc;

	memset(&s, 0, sizeof(s));
	for (i = 0; i < h->ntags; i++)
		tags[n++] = h->tags[i];
	for (i = 0; i < o->nextra && n < sizeof(tags) / sizeof(tags[0]); i++)
		tags[n++] = o->extra[i];
	s.name = h->name;
	s.host = h->host;
	s.port = h->port;
	s.user = h->user;
	s.credential = cred;
	s.tags = tags;
	s.ntags = n;
	if (!store_name_valid(h->name))
		return ops_err_set(err, OPS_E_INVAL, "%s:%u: \"%.64s\" is not "
		    "a valid target name (1-64 of [A-Za-z0-9._-]); nothing "
		    "imported", source, h->line, h->name);
	if ((rc = store_target_add(ctx->store, &s, NULL, &e)) != OPS_OK)
		return ops_err_set(err, rc, "%s:%u: %s; nothing imported",
		    source, h->line, ops_err_msg(&e));
	return OPS_OK;
}

static int
exists(struct ops_ctx *ctx, const char *name)
{
	struct store_target	*t = NULL;
	int			 rc;

	rc = store_target_get(ctx->store, name, &t, NULL);
	store_target_free(t);
	return rc == OPS_OK;
}

/* The request's options; the keys are taken out first, so that they are
 * wiped on every path. */
static int
get_opts(struct ops_ctx *ctx, struct client *c, json_t *msg,
    struct import_opts *o, struct ops_err *err)
{
	struct store_cred	*cr = NULL;
	size_t			 i;
	int			 rc;

	memset(o, 0, sizeof(*o));
	if ((rc = import_keys_take(msg, &o->keys, err)) != OPS_OK ||
	    (proto_has(msg, "tags") && (rc = proto_get_str_array(msg, "tags",
	    STORE_TAGS_MAX, S, &o->extra, &o->nextra, err)) != OPS_OK) ||
	    (proto_has(msg, "cred") && (rc = proto_get_str(msg, "cred",
	    &o->cred, S, err)) != OPS_OK) ||
	    (proto_has(msg, "create_creds") && (rc = proto_get_bool(msg,
	    "create_creds", &o->create, err)) != OPS_OK))
		return rc;
	for (i = 0; i < o->nextra; i++)
		if (!store_name_valid(o->extra[i]))
			return ops_err_set(err, OPS_E_INVAL, "import: invalid "
			    "tag \"%.64s\"", o->extra[i]);
	if (o->cred != NULL && o->create)
		return ops_err_set(err, OPS_E_INVAL, "import: --cred and "
		    "--create-creds exclude each other");
	if (o->cred != NULL) {
		if ((rc = acl_need_admin(c->role, c->actor, err, "attaching "
		    "credential %s to imported targets", o->cred)) != OPS_OK)
			return rc;
		if ((rc = store_cred_get(ctx->store, o->cred, &cr,
		    NULL)) != OPS_OK)
			return ops_err_set(err, rc == OPS_E_NOTFOUND ?
			    OPS_E_NOTFOUND : rc, "import: no credential "
			    "\"%.64s\" (see opsicle cred list; nothing "
			    "imported)", o->cred);
		store_cred_free(cr);
	}
	if (o->create && (rc = acl_need_admin(c->role, c->actor, err,
	    "creating key credentials for imported targets")) != OPS_OK)
		return rc;
	return OPS_OK;
}

/* The "keys" entry for path in a (created when new). */
static json_t *
key_entry(json_t *a, const char *path)
{
	json_t	*o;
	size_t	 i;

	json_array_foreach(a, i, o)
		if (strcmp(json_string_value(json_object_get(o, "path")),
		    path) == 0)
			return o;
	o = json_pack("{s:s, s:[], s:n, s:n}", "path", path, "hosts",
	    "cred", "action");
	json_array_append_new(a, o);
	return o;
}

/* A host reached through another one is not imported: the engine
 * cannot jump yet, and connecting straight to its address could reach
 * another machine. */
static void
skip_proxied(const struct import_host *h, const char *source, json_t *skipped,
    json_t *warn)
{
	char	*w;

	w = xasprintf("%s:%u: host %s NOT IMPORTED: it is reached through "
	    "%s, and opsicle cannot connect through a jump host yet; add it "
	    "by hand (opsicle target add) if it is reachable directly", source,
	    h->line, h->name, h->proxy);
	json_array_append_new(warn, json_string(w));
	free(w);
	json_array_append_new(skipped, json_pack("{s:s, s:s}", "name",
	    h->name, "reason", "reached through a jump host (ProxyJump or "
	    "ProxyCommand), which opsicle cannot use yet"));
}

/* Add h, with the credential --cred names or the one for its key. */
static int
import_one(struct ops_ctx *ctx, const struct import_host *h,
    struct import_opts *o, json_t *keys, const char *source,
    struct ops_err *err)
{
	struct import_key	*k = NULL;
	const char		*cred = o->cred;
	json_t			*e;
	int			 rc;

	if (o->cred == NULL && h->identity != NULL && o->create &&
	    (rc = import_keys_cred(ctx, &o->keys, h->identity, h->name, &k,
	    err)) != OPS_OK)
		return rc;
	if (k != NULL)
		cred = k->cred;
	if ((rc = add_one(ctx, h, o, cred, source, err)) != OPS_OK)
		return rc;
	if (o->cred != NULL || h->identity == NULL)
		return OPS_OK;
	e = key_entry(keys, h->identity);
	json_array_append_new(json_object_get(e, "hosts"),
	    json_string(h->name));
	if (k != NULL) {
		json_object_set_new(e, "cred", json_string(k->cred));
		json_object_set_new(e, "action", json_string(k->created ?
		    "created" : "reused"));
	}
	return OPS_OK;
}

int
handle_target_import(struct ops_ctx *ctx, struct client *c, json_t *msg,
    json_t **result, struct ops_err *err)
{
	struct import_list	 l = { NULL, 0, NULL, 0 };
	struct import_opts	 o;
	const char		*format, *text, *source = "import";
	json_t			*added = NULL, *skipped = NULL, *warn = NULL;
	json_t			*keys = NULL;
	size_t			 len, i;
	int			 rc, dry = 0, accept = 0;

	if ((rc = get_opts(ctx, c, msg, &o, err)) != OPS_OK)
		goto out;
	if ((rc = proto_get_str(msg, "format", &format, S, err)) != OPS_OK ||
	    (rc = proto_get_strn(msg, "text", &text, &len,
	    OPS_PROTO_MAX_FRAME, err)) != OPS_OK ||
	    (proto_has(msg, "source") && (rc = proto_get_str(msg, "source",
	    &source, S, err)) != OPS_OK) ||
	    (proto_has(msg, "dry_run") && (rc = proto_get_bool(msg, "dry_run",
	    &dry, err)) != OPS_OK) ||
	    (proto_has(msg, "accept_new_hostkey") && (rc = proto_get_bool(msg,
	    "accept_new_hostkey", &accept, err)) != OPS_OK))
		goto out;
	if (strcmp(format, "ssh-config") == 0)
		rc = import_sshconfig_parse(text, len, source, &l, err);
	else if (strcmp(format, "ansible-ini") == 0)
		rc = import_ansible_parse(text, len, source, &l, err);
	else if (strcmp(format, "ansible-yaml") == 0)
		rc = import_yaml_parse(text, len, source, &l, err);
	else
		rc = ops_err_set(err, OPS_E_INVAL, "import: format must be "
		    "\"ssh-config\", \"ansible-ini\" or \"ansible-yaml\"");
	if (rc != OPS_OK)
		goto out;
	added = json_array();
	skipped = json_array();
	warn = json_array();
	keys = json_array();
	for (i = 0; i < l.nwarnings; i++)
		json_array_append_new(warn, json_string(l.warnings[i]));
	for (i = 0; i < l.n; i++) {
		if (exists(ctx, l.v[i].name)) {
			json_array_append_new(skipped, json_pack("{s:s, s:s}",
			    "name", l.v[i].name, "reason",
			    "a target of that name exists"));
			continue;
		}
		if (l.v[i].proxy != NULL) {
			skip_proxied(&l.v[i], source, skipped, warn);
			continue;
		}
		if ((rc = import_one(ctx, &l.v[i], &o, keys, source,
		    err)) != OPS_OK)
			goto out;
		json_array_append_new(added, json_string(l.v[i].name));
	}
	if (dry) {
		store_tx_rollback(ctx->store);
		if ((rc = store_tx_begin(ctx->store, err)) != OPS_OK)
			goto out;
	}
	*result = json_pack("{s:O, s:O, s:O, s:b, s:O}", "added", added,
	    "skipped", skipped, "warnings", warn, "dry_run", dry, "keys",
	    keys);
	rc = OPS_OK;
	/* hostkeys: scan the added targets and store their keys (TOFU on
	 * explicit request); the reply is deferred until the scan ends. */
	if (!dry && accept && json_array_size(added) > 0) {
		const char	**names;

		names = xcalloc(json_array_size(added), sizeof(*names));
		for (i = 0; i < json_array_size(added); i++)
			names[i] = json_string_value(json_array_get(added, i));
		rc = hostkeys_reply_scan_new(ctx, c, msg, names,
		    json_array_size(added), result);
		free(names);
	}
out:
	json_decref(added);
	json_decref(skipped);
	json_decref(warn);
	json_decref(keys);
	free(o.extra);
	import_keys_free(&o.keys);
	import_list_free(&l);
	return rc;
}

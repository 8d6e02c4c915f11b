/*
 * handlers-import.c: target import. The client sends the text of an
 * ssh_config or Ansible INI file; the parsers in core/import-*.c read it
 * here, and every new host is added inside the one transaction dispatch
 * opened for this request, so one bad entry imports nothing (its error
 * names the file and line). Hosts whose name already exists are skipped
 * and reported. A dry run adds everything the same way (so validation is
 * exact), then rolls the additions back and starts a fresh transaction
 * for dispatch's audit record.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "daemon.h"
#include "import.h"

/* Their rows are in dispatch.c, which declares them too. */
handler_fn	handle_target_import;

#define S	OPS_PROTO_MAX_NAME

static int
add_one(struct ops_ctx *ctx, const struct import_host *h,
    const char *const *extra, size_t nextra, const char *source,
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
	for (i = 0; i < nextra && n < sizeof(tags) / sizeof(tags[0]); i++)
		tags[n++] = extra[i];
	s.name = h->name;
	s.host = h->host;
	s.port = h->port;
	s.user = h->user;
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

int
handle_target_import(struct ops_ctx *ctx, struct client *c, json_t *msg,
    json_t **result, struct ops_err *err)
{
	struct import_list	 l = { NULL, 0, NULL, 0 };
	const char		*format, *text, *source = "import", **extra = NULL;
	json_t			*added = NULL, *skipped = NULL, *warn = NULL;
	size_t			 len, nextra = 0, i;
	int			 rc, dry = 0, accept = 0;

	if ((rc = proto_get_str(msg, "format", &format, S, err)) != OPS_OK ||
	    (rc = proto_get_strn(msg, "text", &text, &len,
	    OPS_PROTO_MAX_FRAME, err)) != OPS_OK ||
	    (proto_has(msg, "source") && (rc = proto_get_str(msg, "source",
	    &source, S, err)) != OPS_OK) ||
	    (proto_has(msg, "dry_run") && (rc = proto_get_bool(msg, "dry_run",
	    &dry, err)) != OPS_OK) ||
	    (proto_has(msg, "accept_new_hostkey") && (rc = proto_get_bool(msg,
	    "accept_new_hostkey", &accept, err)) != OPS_OK) ||
	    (proto_has(msg, "tags") && (rc = proto_get_str_array(msg, "tags",
	    STORE_TAGS_MAX, S, &extra, &nextra, err)) != OPS_OK))
		goto out;
	if (strcmp(format, "ssh-config") == 0)
		rc = import_sshconfig_parse(text, len, source, &l, err);
	else if (strcmp(format, "ansible-ini") == 0)
		rc = import_ansible_parse(text, len, source, &l, err);
	else
		rc = ops_err_set(err, OPS_E_INVAL, "import: format must be "
		    "\"ssh-config\" or \"ansible-ini\"");
	if (rc != OPS_OK)
		goto out;
	for (i = 0; i < nextra; i++) {
		if (!store_name_valid(extra[i])) {
			rc = ops_err_set(err, OPS_E_INVAL, "import: invalid "
			    "tag \"%.64s\"", extra[i]);
			goto out;
		}
	}
	added = json_array();
	skipped = json_array();
	warn = json_array();
	if (added == NULL || skipped == NULL || warn == NULL)
		goto nomem;
	for (i = 0; i < l.nwarnings; i++)
		if (json_array_append_new(warn, json_string(l.warnings[i])))
			goto nomem;
	for (i = 0; i < l.n; i++) {
		if (exists(ctx, l.v[i].name)) {
			if (json_array_append_new(skipped, json_pack("{s:s, "
			    "s:s}", "name", l.v[i].name, "reason",
			    "a target of that name exists")))
				goto nomem;
			continue;
		}
		if ((rc = add_one(ctx, &l.v[i], extra, nextra, source,
		    err)) != OPS_OK)
			goto out;
		if (json_array_append_new(added, json_string(l.v[i].name)))
			goto nomem;
	}
	if (dry) {
		store_tx_rollback(ctx->store);
		if ((rc = store_tx_begin(ctx->store, err)) != OPS_OK)
			goto out;
	}
	*result = json_pack("{s:O, s:O, s:O, s:b}", "added", added,
	    "skipped", skipped, "warnings", warn, "dry_run", dry);
	if (*result == NULL)
		goto nomem;
	rc = OPS_OK;
	/* hostkeys: scan the added targets and store their keys (TOFU on
	 * explicit request); the reply is deferred until the scan ends. */
	if (!dry && accept && json_array_size(added) > 0) {
		const char	**names;

		if ((names = calloc(json_array_size(added),
		    sizeof(*names))) == NULL)
			goto nomem;
		for (i = 0; i < json_array_size(added); i++)
			names[i] = json_string_value(json_array_get(added, i));
		rc = hostkeys_reply_scan_new(ctx, c, msg, names,
		    json_array_size(added), result);
		free(names);
	}
	goto out;
nomem:
	rc = ops_err_set(err, OPS_E_NOMEM, "build import result");
out:
	json_decref(added);
	json_decref(skipped);
	json_decref(warn);
	free(extra);
	import_list_free(&l);
	return rc;
}

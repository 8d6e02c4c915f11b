/*
 * handlers-creds.c: cred add, list and rm. The secret of a cred-add
 * arrives in a sensitive message (never logged); it is moved into a
 * struct secret at once, sealed by the store, and wiped. No reply ever
 * carries a secret.
 */
#include "config.h"

#include <string.h>

#include "daemon.h"
#include "secret-read.h"

/* Their rows are in dispatch.c, which declares them too. */
handler_fn	handle_cred_add, handle_cred_list, handle_cred_rm;

#define S	OPS_PROTO_MAX_NAME

int
handle_cred_add(struct ops_ctx *ctx, struct client *c, json_t *msg,
    json_t **result, struct ops_err *err)
{
	struct store_cred_spec	 s;
	struct secret		*sec = NULL, *pass = NULL;
	const char		*kind;
	int			 rc;

	(void)c;
	(void)result;
	memset(&s, 0, sizeof(s));
	/* Take the secrets out first so they are wiped on every path. */
	if ((rc = proto_take_secret(msg, "secret", SECRET_READ_FD_MAX, &sec,
	    err)) != OPS_OK)
		goto out;
	if (proto_has(msg, "key_passphrase") &&
	    (rc = proto_take_secret(msg, "key_passphrase",
	    SECRET_READ_TTY_MAX, &pass, err)) != OPS_OK)
		goto out;
	if ((rc = proto_get_str(msg, "name", &s.name, S, err)) != OPS_OK ||
	    (rc = proto_get_str(msg, "kind", &kind, S, err)) != OPS_OK)
		goto out;
	if (proto_has(msg, "user") && (rc = proto_get_str(msg, "user",
	    &s.username, S, err)) != OPS_OK)
		goto out;
	if (strcmp(kind, "password") == 0 && pass == NULL)
		s.kind = STORE_CRED_PASSWORD;
	else if (strcmp(kind, "ssh-key") == 0)
		s.kind = pass != NULL ? STORE_CRED_SSH_KEY_PASSPHRASE :
		    STORE_CRED_SSH_KEY;
	else {
		rc = ops_err_set(err, OPS_E_INVAL, "add credential %s: kind "
		    "must be password or ssh-key (a passphrase only goes "
		    "with a key)", s.name);
		goto out;
	}
	if (secret_len(sec) == 0) {
		rc = ops_err_set(err, OPS_E_INVAL, "add credential %s: the "
		    "secret is empty", s.name);
		goto out;
	}
	s.secret = sec;
	s.passphrase = pass;
	rc = store_cred_add(ctx->store, &s, NULL, err);
out:
	secret_free(sec);
	secret_free(pass);
	return rc;
}

int
handle_cred_list(struct ops_ctx *ctx, struct client *c, json_t *msg,
    json_t **result, struct ops_err *err)
{
	struct store_cred_list	 l = { NULL, 0 };
	json_t			*a = NULL, *o;
	size_t			 i;
	int			 rc;

	(void)c;
	(void)msg;
	if ((rc = store_cred_list(ctx->store, &l, err)) != OPS_OK)
		return rc;
	if ((a = json_array()) == NULL)
		goto nomem;
	for (i = 0; i < l.n; i++) {
		o = json_pack("{s:s, s:s, s:o, s:b, s:b, s:I, s:I}",
		    "name", l.v[i].name,
		    "kind", store_cred_kind_name(l.v[i].kind),
		    "user", l.v[i].username != NULL ?
		    json_string(l.v[i].username) : json_null(),
		    "has_secret", l.v[i].has_secret,
		    "has_passphrase", l.v[i].has_passphrase,
		    "created", (json_int_t)l.v[i].created,
		    "updated", (json_int_t)l.v[i].updated);
		if (o == NULL || json_array_append_new(a, o) != 0)
			goto nomem;
	}
	store_cred_list_free(&l);
	*result = a;
	return OPS_OK;
nomem:
	store_cred_list_free(&l);
	json_decref(a);
	return ops_err_set(err, OPS_E_NOMEM, "build credential list");
}

int
handle_cred_rm(struct ops_ctx *ctx, struct client *c, json_t *msg,
    json_t **result, struct ops_err *err)
{
	const char	*name;
	int		 rc;

	(void)c;
	(void)result;
	if ((rc = proto_get_str(msg, "name", &name, S, err)) != OPS_OK)
		return rc;
	return store_cred_delete(ctx->store, name, err);
}

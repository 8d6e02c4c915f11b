/*
 * handlers-creds.c: cred add, list and rm. The secret of a cred-add
 * arrives in a sensitive message (never logged); it is moved into a
 * struct secret at once, checked (a key is decrypted and parsed), sealed
 * by the store, and wiped. No reply or error ever carries a secret.
 */
#include "config.h"

#include <sys/stat.h>

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "daemon.h"
#include "hostkey.h"
#include "secret-read.h"
#include "sshkey.h"
#include "xmalloc.h"

/* Their rows are in dispatch.c, which declares them too. */
handler_fn	handle_cred_add, handle_cred_list, handle_cred_rm;

#define S	OPS_PROTO_MAX_NAME

/*
 * A key credential is parsed now, with its passphrase, so that one that
 * can never work (a public key, an encrypted key without its passphrase,
 * a wrong passphrase, garbage) is refused with the reason and nothing is
 * stored. Its public half is kept ("TYPE BASE64") for cred list.
 */
static int
check_key(const char *name, const struct secret *key,
    const struct secret *pass, char **pubkey, struct hostkey *id,
    struct ops_err *err)
{
	struct sshkey		*k = NULL;
	struct ops_err		 e;
	const unsigned char	*blob;
	char			*b64;
	size_t			 bl, n;
	int			 rc;

	*pubkey = NULL;
	if ((rc = sshkey_load(key, pass, &k, &e)) != OPS_OK)
		return ops_err_set(err, rc, "add credential %s: the key cannot "
		    "be used: %s", name, ops_err_msg(&e));
	if (pass != NULL && !sshkey_encrypted(k)) {
		sshkey_free(k);
		return ops_err_set(err, OPS_E_INVAL, "add credential %s: the "
		    "key is not encrypted: add it without --key-passphrase",
		    name);
	}
	snprintf(id->type, sizeof(id->type), "%s", sshkey_name(k));
	snprintf(id->fp, sizeof(id->fp), "%s", sshkey_fingerprint(k));
	blob = sshkey_blob(k, &bl);
	n = sodium_base64_ENCODED_LEN(bl, sodium_base64_VARIANT_ORIGINAL);
	b64 = xmalloc(strlen(sshkey_name(k)) + 1 + n);
	n = (size_t)sprintf(b64, "%s ", sshkey_name(k));
	sodium_bin2base64(b64 + n, sodium_base64_ENCODED_LEN(bl,
	    sodium_base64_VARIANT_ORIGINAL), blob, bl,
	    sodium_base64_VARIANT_ORIGINAL);
	sshkey_free(k);
	*pubkey = b64;
	return OPS_OK;
}

/* The agent's socket: an absolute path to a socket the requester owns. */
static int
check_agent_socket(const char *name, const char *path, uid_t uid,
    struct ops_err *err)
{
	struct stat	sb;

	if (path[0] != '/')
		return ops_err_set(err, OPS_E_INVAL, "add credential %s: agent "
		    "socket \"%s\" is not an absolute path", name, path);
	if (lstat(path, &sb) == -1)
		return ops_err_errno(err, OPS_E_INVAL, "add credential %s: "
		    "agent socket %s", name, path);
	if (!S_ISSOCK(sb.st_mode))
		return ops_err_set(err, OPS_E_INVAL, "add credential %s: %s is "
		    "not a socket (give the ssh-agent's SSH_AUTH_SOCK)", name,
		    path);
	if (sb.st_uid != uid)
		return ops_err_set(err, OPS_E_PERM, "add credential %s: agent "
		    "socket %s belongs to uid %u, not to you (uid %u)", name,
		    path, (unsigned)sb.st_uid, (unsigned)uid);
	return OPS_OK;
}

int
handle_cred_add(struct ops_ctx *ctx, struct client *c, json_t *msg,
    json_t **result, struct ops_err *err)
{
	struct store_cred_spec	 s;
	struct secret		*sec = NULL, *pass = NULL;
	const char		*kind;
	char			*pubkey = NULL;
	struct hostkey		 id;
	int			 rc;

	memset(&s, 0, sizeof(s));
	memset(&id, 0, sizeof(id));
	/* Take the secrets out first so they are wiped on every path. */
	if (proto_has(msg, "secret") && (rc = proto_take_secret(msg,
	    "secret", SECRET_READ_FD_MAX, &sec, err)) != OPS_OK)
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
	if (proto_has(msg, "agent_socket") && (rc = proto_get_str(msg,
	    "agent_socket", &s.agent_socket, PATH_MAX, err)) != OPS_OK)
		goto out;
	if (strcmp(kind, "password") == 0 && pass == NULL)
		s.kind = STORE_CRED_PASSWORD;
	else if (strcmp(kind, "ssh-key") == 0)
		s.kind = pass != NULL ? STORE_CRED_SSH_KEY_PASSPHRASE :
		    STORE_CRED_SSH_KEY;
	else if (strcmp(kind, "agent") == 0 && sec == NULL && pass == NULL)
		s.kind = STORE_CRED_AGENT;
	else {
		rc = ops_err_set(err, OPS_E_INVAL, "add credential %s: kind "
		    "must be password, ssh-key or agent (a passphrase only "
		    "goes with a key, an agent takes no secret)", s.name);
		goto out;
	}
	if (s.kind == STORE_CRED_AGENT) {
		if (s.agent_socket == NULL) {
			rc = ops_err_set(err, OPS_E_INVAL, "add credential %s: "
			    "an agent credential needs the agent's socket",
			    s.name);
			goto out;
		}
		if ((rc = check_agent_socket(s.name, s.agent_socket, c->uid,
		    err)) != OPS_OK)
			goto out;
	} else if (s.agent_socket != NULL) {
		rc = ops_err_set(err, OPS_E_INVAL, "add credential %s: only an "
		    "agent credential names an agent socket", s.name);
		goto out;
	} else if (sec == NULL || secret_len(sec) == 0) {
		rc = ops_err_set(err, OPS_E_INVAL, "add credential %s: the "
		    "secret is empty", s.name);
		goto out;
	}
	if (s.kind == STORE_CRED_SSH_KEY ||
	    s.kind == STORE_CRED_SSH_KEY_PASSPHRASE) {
		if ((rc = check_key(s.name, sec, pass, &pubkey, &id,
		    err)) != OPS_OK)
			goto out;
		s.pubkey = pubkey;
	}
	s.secret = sec;
	s.passphrase = pass;
	if ((rc = store_cred_add(ctx->store, &s, NULL, err)) != OPS_OK)
		goto out;
	*result = json_pack("{s:s}", "kind", store_cred_kind_name(s.kind));
	if (*result == NULL || (id.fp[0] != '\0' &&
	    (json_object_set_new(*result, "key_type",
	    json_string(id.type)) != 0 || json_object_set_new(*result,
	    "fingerprint", json_string(id.fp)) != 0)))
		rc = ops_err_set(err, OPS_E_NOMEM, "build the reply");
out:
	free(pubkey);
	secret_free(sec);
	secret_free(pass);
	return rc;
}

/* The key type (which 0) or SHA256 fingerprint (1) of a stored public
 * key "TYPE BASE64", or null. */
static json_t *
key_field(const char *pubkey, int which)
{
	struct hostkey	 hk;
	const char	*sp;

	if (pubkey == NULL || (sp = strchr(pubkey, ' ')) == NULL ||
	    hostkey_from_base64(sp + 1, &hk, NULL) != OPS_OK)
		return json_null();
	return json_string(which ? hk.fp : hk.type);
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
		o = json_pack("{s:s, s:s, s:o, s:b, s:b, s:I, s:I, s:o, s:o, "
		    "s:o}",
		    "name", l.v[i].name,
		    "kind", store_cred_kind_name(l.v[i].kind),
		    "user", l.v[i].username != NULL ?
		    json_string(l.v[i].username) : json_null(),
		    "has_secret", l.v[i].has_secret,
		    "has_passphrase", l.v[i].has_passphrase,
		    "created", (json_int_t)l.v[i].created,
		    "updated", (json_int_t)l.v[i].updated,
		    "key_type", key_field(l.v[i].pubkey, 0),
		    "fingerprint", key_field(l.v[i].pubkey, 1),
		    "agent_socket", l.v[i].agent_socket != NULL ?
		    json_string(l.v[i].agent_socket) : json_null());
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

/*
 * import-creds.c: key credentials for imported hosts (target import
 * --create-creds). The client reads every distinct key file the
 * inventory names and sends it in the sensitive target-import message,
 * "keys": [{"path": P, "key": TEXT}]; here each key moves into a struct
 * secret at once (the JSON copy wiped). For a path an added host uses,
 * an ssh-key credential holding byte-for-byte the same key is reused;
 * otherwise one is created, named after the file ("id_ed25519", then
 * "id_ed25519-2"... when that name is taken by another key). It all
 * happens in the request's transaction, so a failed import creates
 * nothing.
 */
#include "config.h"

#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "daemon.h"
#include "import.h"
#include "secret-read.h"
#include "xmalloc.h"

#define KEYS_MAX	64

void
import_keys_free(struct import_keys *k)
{
	size_t	i;

	for (i = 0; i < k->n; i++) {
		free(k->v[i].path);
		secret_free(k->v[i].key);
		free(k->v[i].cred);
	}
	free(k->v);
	memset(k, 0, sizeof(*k));
}

/* Wipe and drop every "key" string of msg's "keys" list. */
static void
wipe_keys(json_t *msg)
{
	json_t		*keys = json_object_get(msg, "keys"), *o, *s;
	size_t		 i;

	json_array_foreach(keys, i, o) {
		if ((s = json_object_get(o, "key")) != NULL &&
		    json_is_string(s))
			sodium_memzero((void *)(uintptr_t)json_string_value(s),
			    json_string_length(s));
		json_object_del(o, "key");
	}
	json_object_del(msg, "keys");
}

int
import_keys_take(json_t *msg, struct import_keys *out, struct ops_err *err)
{
	json_t		*keys = json_object_get(msg, "keys"), *o, *p, *k;
	struct import_key *v;
	size_t		 i;
	int		 rc = OPS_OK;

	memset(out, 0, sizeof(*out));
	if (keys == NULL)
		return OPS_OK;
	if (json_array_size(keys) > KEYS_MAX) {
		rc = ops_err_set(err, OPS_E_INVAL, "import: more than %d key "
		    "files", KEYS_MAX);
		goto out;
	}
	json_array_foreach(keys, i, o) {
		p = json_object_get(o, "path");
		k = json_object_get(o, "key");
		if (!json_is_object(o) || json_object_size(o) != 2 ||
		    !json_is_string(p) || !json_is_string(k) ||
		    json_string_length(p) == 0 ||
		    json_string_length(p) > OPS_PROTO_MAX_NAME ||
		    memchr(json_string_value(p), '\0',
		    json_string_length(p)) != NULL ||
		    json_string_length(k) > SECRET_READ_FD_MAX) {
			rc = ops_err_set(err, OPS_E_PROTO, "import: keys[%zu] "
			    "must be {path, key} strings", i);
			goto out;
		}
		out->v = xreallocarray(out->v, out->n + 1, sizeof(*out->v));
		v = &out->v[out->n++];
		memset(v, 0, sizeof(*v));
		v->path = xstrdup(json_string_value(p));
		if ((rc = secret_from(json_string_value(k),
		    json_string_length(k), &v->key, err)) != OPS_OK)
			goto out;
	}
out:
	wipe_keys(msg);
	if (rc != OPS_OK)
		import_keys_free(out);
	return rc;
}

/* An ssh-key credential whose key is exactly k, or NULL (caller frees). */
static char *
same_key(struct ops_ctx *ctx, const struct secret *k, struct ops_err *err)
{
	struct store_cred_list	 l = { NULL, 0 };
	struct secret		*s;
	char			*found = NULL;
	size_t			 i;

	if (store_cred_list(ctx->store, &l, err) != OPS_OK)
		return NULL;
	for (i = 0; i < l.n && found == NULL; i++) {
		if (l.v[i].kind != STORE_CRED_SSH_KEY)
			continue;
		s = NULL;
		if (store_cred_open_secret(ctx->store, l.v[i].name, "secret",
		    &s, NULL) != OPS_OK)
			continue;
		if (secret_len(s) == secret_len(k) && sodium_memcmp(
		    secret_cdata(s), secret_cdata(k), secret_len(k)) == 0)
			found = xstrdup(l.v[i].name);
		secret_free(s);
	}
	store_cred_list_free(&l);
	return found;
}

/* A credential name from the file name: its last component, with what
 * a name cannot hold turned into '-'. */
static void
name_of(const char *path, char *buf, size_t len)
{
	const char	*b = strrchr(path, '/');
	size_t		 i, o = 0;
	char		 ch;

	b = b != NULL ? b + 1 : path;
	for (i = 0; b[i] != '\0' && o + 1 < len && o < 56; i++) {
		ch = b[i];
		if (!((ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') ||
		    (ch >= '0' && ch <= '9') || ch == '.' || ch == '_' ||
		    ch == '-'))
			ch = '-';
		if (o == 0 && (ch == '-' || ch == '.'))
			continue;
		buf[o++] = ch;
	}
	buf[o] = '\0';
	if (o == 0)
		snprintf(buf, len, "key");
}

static int
create(struct ops_ctx *ctx, struct import_key *k, struct ops_err *err)
{
	struct store_cred_spec	 s;
	struct store_cred	*c = NULL;
	char			 base[64], name[80];
	int			 i, rc;

	switch (import_key_kind(secret_cdata(k->key), secret_len(k->key))) {
	case IMPORT_KEY_PRIVATE:
		break;
	case IMPORT_KEY_ENCRYPTED:
		return ops_err_set(err, OPS_E_INVAL, "import: key file %.128s "
		    "is encrypted: add it with opsicle cred add NAME --ssh-key "
		    "FILE --key-passphrase, then import with --cred NAME",
		    k->path);
	case IMPORT_KEY_PUBLIC:
		return ops_err_set(err, OPS_E_INVAL, "import: key file %.128s "
		    "holds a public key; IdentityFile must name the private "
		    "key", k->path);
	default:
		return ops_err_set(err, OPS_E_INVAL, "import: key file %.128s "
		    "is not an SSH private key", k->path);
	}
	name_of(k->path, base, sizeof(base));
	for (i = 1; i < 100; i++) {
		if (i == 1)
			snprintf(name, sizeof(name), "%s", base);
		else
			snprintf(name, sizeof(name), "%s-%d", base, i);
		rc = store_cred_get(ctx->store, name, &c, NULL);
		store_cred_free(c);
		c = NULL;
		if (rc == OPS_E_NOTFOUND)
			break;
	}
	if (i == 100)
		return ops_err_set(err, OPS_E_EXISTS, "import: no free "
		    "credential name for key file %.128s", k->path);
	memset(&s, 0, sizeof(s));
	s.name = name;
	s.kind = STORE_CRED_SSH_KEY;
	s.secret = k->key;
	if ((rc = store_cred_add(ctx->store, &s, NULL, err)) != OPS_OK)
		return rc;
	k->cred = xstrdup(name);
	k->created = 1;
	return OPS_OK;
}

int
import_keys_cred(struct ops_ctx *ctx, struct import_keys *keys,
    const char *path, const char *host, struct import_key **out,
    struct ops_err *err)
{
	struct import_key	*k = NULL;
	size_t			 i;
	int			 rc;

	*out = NULL;
	for (i = 0; i < keys->n; i++)
		if (strcmp(keys->v[i].path, path) == 0)
			k = &keys->v[i];
	if (k == NULL)
		return ops_err_set(err, OPS_E_INVAL, "import: key file %.128s "
		    "of host %s was not sent (the client reads every "
		    "IdentityFile with --create-creds)", path, host);
	if (k->cred == NULL) {
		if ((k->cred = same_key(ctx, k->key, err)) == NULL &&
		    (rc = create(ctx, k, err)) != OPS_OK)
			return rc;
	}
	*out = k;
	return OPS_OK;
}

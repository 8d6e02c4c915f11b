/*
 * store-creds.c: credentials, with their secrets sealed field by field
 * (seal.h) under the owner id "<uuid>" before they reach SQL.
 */
#include "config.h"

#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "seal.h"
#include "store-int.h"

#define CRED_SECRET_MAX		(64 * 1024)
#define CRED_PUBKEY_MAX		(16 * 1024)
#define CRED_UUID_LEN		36
#define CRED_SOCKET_MAX		4096

static const char *const cred_kinds[] = {
	[STORE_CRED_PASSWORD] = "password",
	[STORE_CRED_SSH_KEY] = "ssh-key",
	[STORE_CRED_SSH_KEY_PASSPHRASE] = "ssh-key-passphrase",
	[STORE_CRED_AGENT] = "agent",
};

static const char sql_cred_id[] =
	"SELECT id FROM credentials WHERE name = ?1";
static const char sql_cred_get[] =
	"SELECT id, name, uuid, kind, username, pubkey, secret IS NOT NULL,"
	" passphrase IS NOT NULL, created, updated, agent_socket"
	" FROM credentials WHERE name = ?1";
static const char sql_cred_list[] =
	"SELECT id, name, uuid, kind, username, pubkey, secret IS NOT NULL,"
	" passphrase IS NOT NULL, created, updated, agent_socket"
	" FROM credentials ORDER BY name";
static const char sql_cred_insert[] =
	"INSERT INTO credentials (name, uuid, kind, username, pubkey, secret,"
	" passphrase, created, updated, agent_socket)"
	" VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?8, ?9)";
static const char sql_cred_update[] =
	"UPDATE credentials SET name = coalesce(?2, name),"
	" username = CASE WHEN ?3 IS NULL THEN username WHEN ?3 = ''"
	"  THEN NULL ELSE ?3 END,"
	" pubkey = CASE WHEN ?4 IS NULL THEN pubkey WHEN ?4 = '' THEN NULL"
	"  ELSE ?4 END,"
	" secret = coalesce(?5, secret),"
	" passphrase = coalesce(?6, passphrase),"
	" updated = ?7 WHERE id = ?1";
static const char sql_cred_used[] =
	"SELECT name FROM targets WHERE cred_id = ?1 ORDER BY name LIMIT 1";
static const char sql_cred_delete[] =
	"DELETE FROM credentials WHERE id = ?1";
static const char sql_cred_secret[] =
	"SELECT uuid, secret FROM credentials WHERE name = ?1";
static const char sql_cred_passphrase[] =
	"SELECT uuid, passphrase FROM credentials WHERE name = ?1";
static const char sql_cred_sealinfo[] =
	"SELECT uuid, kind FROM credentials WHERE id = ?1";

const char *
store_cred_kind_name(enum store_cred_kind kind)
{
	if (kind < STORE_CRED_PASSWORD || kind > STORE_CRED_AGENT)
		return "unknown";
	return cred_kinds[kind];
}

int
store_cred_kind_parse(const char *s, enum store_cred_kind *kind)
{
	int	i;

	for (i = STORE_CRED_PASSWORD; i <= STORE_CRED_AGENT; i++) {
		if (s != NULL && strcmp(s, cred_kinds[i]) == 0) {
			*kind = (enum store_cred_kind)i;
			return OPS_OK;
		}
	}
	return OPS_E_INVAL;
}

int
store_cred_id(struct store *st, const char *name, int64_t *id,
    struct ops_err *err)
{
	sqlite3_stmt	*stmt = NULL;
	int		 rc;

	*id = 0;
	if ((rc = store_stmt(st, sql_cred_id, &stmt, err)) != OPS_OK)
		return rc;
	store_bind_text(stmt, 1, name);
	if ((rc = sqlite3_step(stmt)) == SQLITE_ROW) {
		*id = sqlite3_column_int64(stmt, 0);
		rc = OPS_OK;
	} else if (rc == SQLITE_DONE)
		rc = ops_err_set(err, OPS_E_NOTFOUND,
		    "credential %s not found", name);
	else
		rc = store_dberr(st, rc, err, "look up credential %s", name);
	store_stmt_done(stmt);
	return rc;
}

static int
check_fields(const char *username, const char *pubkey, struct ops_err *err)
{
	int	rc;

	if ((rc = store_check_text("credential username", username,
	    STORE_USER_MAX, 0, err)) != OPS_OK ||
	    (rc = store_check_text("credential public key", pubkey,
	    CRED_PUBKEY_MAX, 0, err)) != OPS_OK)
		return rc;
	if (username != NULL && username[0] == '-')
		return ops_err_set(err, OPS_E_INVAL,
		    "credential username \"%s\" starts with '-'", username);
	return OPS_OK;
}

static int
check_secret(const char *what, const struct secret *s, struct ops_err *err)
{
	if (s == NULL)
		return OPS_OK;
	if (secret_len(s) == 0)
		return ops_err_set(err, OPS_E_INVAL, "credential %s is empty",
		    what);
	if (secret_len(s) > CRED_SECRET_MAX)
		return ops_err_set(err, OPS_E_INVAL,
		    "credential %s is %zu bytes, longer than %d", what,
		    secret_len(s), CRED_SECRET_MAX);
	return OPS_OK;
}

/* Which secrets a kind takes: 2 required, 0 refused. */
static int
check_kind_secrets(enum store_cred_kind kind, int has_secret,
    int has_passphrase, struct ops_err *err)
{
	const char	*k = store_cred_kind_name(kind);

	switch (kind) {
	case STORE_CRED_PASSWORD:
	case STORE_CRED_SSH_KEY:
		if (!has_secret)
			return ops_err_set(err, OPS_E_INVAL,
			    "%s credential needs a secret", k);
		if (has_passphrase)
			return ops_err_set(err, OPS_E_INVAL,
			    "%s credential takes no passphrase", k);
		return OPS_OK;
	case STORE_CRED_SSH_KEY_PASSPHRASE:
		if (!has_secret || !has_passphrase)
			return ops_err_set(err, OPS_E_INVAL,
			    "%s credential needs a key and its passphrase", k);
		return OPS_OK;
	case STORE_CRED_AGENT:
		if (has_secret || has_passphrase)
			return ops_err_set(err, OPS_E_INVAL,
			    "agent credential takes no secret");
		return OPS_OK;
	}
	return ops_err_set(err, OPS_E_INVAL, "credential kind %d unknown",
	    (int)kind);
}

/* Only an agent credential names a socket, and by an absolute path. */
static int
check_socket(enum store_cred_kind kind, const char *path,
    struct ops_err *err)
{
	int	rc;

	if (path == NULL)
		return OPS_OK;
	if (kind != STORE_CRED_AGENT)
		return ops_err_set(err, OPS_E_INVAL, "only an agent "
		    "credential names an agent socket");
	if ((rc = store_check_text("agent socket path", path,
	    CRED_SOCKET_MAX, 0, err)) != OPS_OK)
		return rc;
	if (path[0] != '/')
		return ops_err_set(err, OPS_E_INVAL, "agent socket path \"%s\" "
		    "is not absolute", path);
	return OPS_OK;
}

static void
make_uuid(char out[CRED_UUID_LEN + 1])
{
	unsigned char	b[16];

	randombytes_buf(b, sizeof(b));
	b[6] = (b[6] & 0x0f) | 0x40;
	b[8] = (b[8] & 0x3f) | 0x80;
	snprintf(out, CRED_UUID_LEN + 1, "%02x%02x%02x%02x-%02x%02x-%02x%02x-"
	    "%02x%02x-%02x%02x%02x%02x%02x%02x", b[0], b[1], b[2], b[3], b[4],
	    b[5], b[6], b[7], b[8], b[9], b[10], b[11], b[12], b[13], b[14],
	    b[15]);
}

struct sealed {
	unsigned char	*secret, *passphrase;
	size_t		 secret_len, passphrase_len;
};

static int
seal_fields(struct store *st, const char *uuid, const struct secret *secret,
    const struct secret *passphrase, struct sealed *out, struct ops_err *err)
{
	int	rc;

	memset(out, 0, sizeof(*out));
	if (secret != NULL && (rc = seal_secret(st->kr, uuid, "secret", secret,
	    &out->secret, &out->secret_len, err)) != OPS_OK)
		return rc;
	if (passphrase != NULL && (rc = seal_secret(st->kr, uuid,
	    "passphrase", passphrase, &out->passphrase, &out->passphrase_len,
	    err)) != OPS_OK)
		return rc;
	return OPS_OK;
}

static void
sealed_free(struct sealed *s)
{
	free(s->secret);
	free(s->passphrase);
}

static void
bind_sealed(sqlite3_stmt *stmt, int idx, const unsigned char *p, size_t len)
{
	if (p != NULL)
		sqlite3_bind_blob(stmt, idx, p, (int)len, SQLITE_STATIC);
}

int
store_cred_add(struct store *st, const struct store_cred_spec *s,
    int64_t *id, struct ops_err *err)
{
	sqlite3_stmt	*stmt = NULL;
	struct sealed	 sl = { 0 };
	char		 uuid[CRED_UUID_LEN + 1];
	int64_t		 old, new_id = 0;
	int		 rc;

	if (id != NULL)
		*id = 0;
	if ((rc = store_check_name("credential", s->name, err)) != OPS_OK ||
	    (rc = check_fields(s->username, s->pubkey, err)) != OPS_OK ||
	    (rc = check_secret("secret", s->secret, err)) != OPS_OK ||
	    (rc = check_secret("passphrase", s->passphrase, err)) != OPS_OK ||
	    (rc = check_kind_secrets(s->kind, s->secret != NULL,
	    s->passphrase != NULL, err)) != OPS_OK ||
	    (rc = check_socket(s->kind, s->agent_socket, err)) != OPS_OK)
		return rc;
	make_uuid(uuid);
	if ((rc = seal_fields(st, uuid, s->secret, s->passphrase, &sl,
	    err)) != OPS_OK) {
		sealed_free(&sl);
		return rc;
	}
	if ((rc = store_tx_enter(st, err)) != OPS_OK) {
		sealed_free(&sl);
		return rc;
	}
	if (store_cred_id(st, s->name, &old, NULL) == OPS_OK) {
		rc = ops_err_set(err, OPS_E_EXISTS,
		    "credential %s already exists", s->name);
		goto out;
	}
	if ((rc = store_stmt(st, sql_cred_insert, &stmt, err)) != OPS_OK)
		goto out;
	store_bind_text(stmt, 1, s->name);
	store_bind_text(stmt, 2, uuid);
	store_bind_text(stmt, 3, store_cred_kind_name(s->kind));
	store_bind_text(stmt, 4, s->username != NULL && *s->username != '\0' ?
	    s->username : NULL);
	store_bind_text(stmt, 5, s->pubkey != NULL && *s->pubkey != '\0' ?
	    s->pubkey : NULL);
	bind_sealed(stmt, 6, sl.secret, sl.secret_len);
	bind_sealed(stmt, 7, sl.passphrase, sl.passphrase_len);
	sqlite3_bind_int64(stmt, 8, store_now_ms());
	store_bind_text(stmt, 9, s->agent_socket);
	if ((rc = sqlite3_step(stmt)) != SQLITE_DONE)
		rc = store_dberr(st, rc, err, "add credential %s", s->name);
	else {
		rc = OPS_OK;
		new_id = sqlite3_last_insert_rowid(st->db);
	}
out:
	store_stmt_done(stmt);
	sealed_free(&sl);
	rc = store_tx_leave(st, rc, err);
	if (rc == OPS_OK && id != NULL)
		*id = new_id;
	return rc;
}

static void
cred_clear(struct store_cred *c)
{
	free(c->name);
	free(c->uuid);
	free(c->username);
	free(c->pubkey);
	free(c->agent_socket);
}

static int
load_cred(sqlite3_stmt *stmt, struct store_cred *c, struct ops_err *err)
{
	memset(c, 0, sizeof(*c));
	c->id = sqlite3_column_int64(stmt, 0);
	if (store_cred_kind_parse((const char *)sqlite3_column_text(stmt, 3),
	    &c->kind) != OPS_OK)
		c->kind = 0;
	c->has_secret = sqlite3_column_int(stmt, 6);
	c->has_passphrase = sqlite3_column_int(stmt, 7);
	c->created = sqlite3_column_int64(stmt, 8);
	c->updated = sqlite3_column_int64(stmt, 9);
	if (store_col_str(stmt, 1, &c->name) != OPS_OK ||
	    store_col_str(stmt, 2, &c->uuid) != OPS_OK ||
	    store_col_str(stmt, 4, &c->username) != OPS_OK ||
	    store_col_str(stmt, 5, &c->pubkey) != OPS_OK ||
	    store_col_str(stmt, 10, &c->agent_socket) != OPS_OK)
		return ops_err_set(err, OPS_E_NOMEM, "read credential");
	return OPS_OK;
}

int
store_cred_get(struct store *st, const char *name, struct store_cred **out,
    struct ops_err *err)
{
	sqlite3_stmt		*stmt = NULL;
	struct store_cred	*c = NULL;
	int			 rc;

	*out = NULL;
	if ((rc = store_stmt(st, sql_cred_get, &stmt, err)) != OPS_OK)
		return rc;
	store_bind_text(stmt, 1, name);
	if ((rc = sqlite3_step(stmt)) == SQLITE_DONE)
		rc = ops_err_set(err, OPS_E_NOTFOUND,
		    "credential %s not found", name != NULL ? name : "");
	else if (rc != SQLITE_ROW)
		rc = store_dberr(st, rc, err, "read credential");
	else if ((c = calloc(1, sizeof(*c))) == NULL)
		rc = ops_err_set(err, OPS_E_NOMEM, "read credential");
	else if ((rc = load_cred(stmt, c, err)) != OPS_OK)
		store_cred_free(c);
	else
		*out = c;
	store_stmt_done(stmt);
	return rc;
}

int
store_cred_list(struct store *st, struct store_cred_list *out,
    struct ops_err *err)
{
	sqlite3_stmt		*stmt = NULL;
	struct store_cred	*v;
	int			 rc;

	out->v = NULL;
	out->n = 0;
	if ((rc = store_stmt(st, sql_cred_list, &stmt, err)) != OPS_OK)
		return rc;
	while ((rc = sqlite3_step(stmt)) == SQLITE_ROW) {
		if ((v = reallocarray(out->v, out->n + 1, sizeof(*v))) ==
		    NULL) {
			rc = ops_err_set(err, OPS_E_NOMEM, "list credentials");
			goto out;
		}
		out->v = v;
		if ((rc = load_cred(stmt, &out->v[out->n++], err)) != OPS_OK)
			goto out;
	}
	rc = rc == SQLITE_DONE ? OPS_OK :
	    store_dberr(st, rc, err, "list credentials");
out:
	store_stmt_done(stmt);
	if (rc != OPS_OK)
		store_cred_list_free(out);
	return rc;
}

/* The uuid and kind of credential id, for sealing replacements. */
static int
seal_info(struct store *st, int64_t id, char uuid[CRED_UUID_LEN + 1],
    enum store_cred_kind *kind, struct ops_err *err)
{
	sqlite3_stmt	*stmt = NULL;
	const char	*u;
	int		 rc;

	if ((rc = store_stmt(st, sql_cred_sealinfo, &stmt, err)) != OPS_OK)
		return rc;
	sqlite3_bind_int64(stmt, 1, id);
	if ((rc = sqlite3_step(stmt)) != SQLITE_ROW)
		rc = store_dberr(st, rc, err, "read credential");
	else if ((u = (const char *)sqlite3_column_text(stmt, 0)) == NULL ||
	    strlen(u) != CRED_UUID_LEN ||
	    store_cred_kind_parse((const char *)sqlite3_column_text(stmt, 1),
	    kind) != OPS_OK)
		rc = ops_err_set(err, OPS_E_CORRUPT,
		    "credential row %lld is damaged", (long long)id);
	else {
		memcpy(uuid, u, CRED_UUID_LEN + 1);
		rc = OPS_OK;
	}
	store_stmt_done(stmt);
	return rc;
}

int
store_cred_update(struct store *st, const char *name,
    const struct store_cred_update *u, struct ops_err *err)
{
	sqlite3_stmt		*stmt = NULL;
	struct sealed		 sl = { 0 };
	char			 uuid[CRED_UUID_LEN + 1];
	enum store_cred_kind	 kind;
	int64_t			 id, other;
	int			 rc;

	if (name == NULL)
		return ops_err_set(err, OPS_E_INVAL,
		    "update credential: no name");
	if ((u->name != NULL &&
	    (rc = store_check_name("credential", u->name, err)) != OPS_OK) ||
	    (rc = check_fields(u->username, u->pubkey, err)) != OPS_OK ||
	    (rc = check_secret("secret", u->secret, err)) != OPS_OK ||
	    (rc = check_secret("passphrase", u->passphrase, err)) != OPS_OK)
		return rc;
	if ((rc = store_tx_enter(st, err)) != OPS_OK)
		return rc;
	if ((rc = store_cred_id(st, name, &id, err)) != OPS_OK ||
	    (rc = seal_info(st, id, uuid, &kind, err)) != OPS_OK)
		goto out;
	if ((kind == STORE_CRED_AGENT && u->secret != NULL) ||
	    (kind != STORE_CRED_SSH_KEY_PASSPHRASE && u->passphrase != NULL)) {
		rc = ops_err_set(err, OPS_E_INVAL,
		    "%s credential %s takes no %s", store_cred_kind_name(kind),
		    name, u->passphrase != NULL ? "passphrase" : "secret");
		goto out;
	}
	if (u->name != NULL && strcmp(u->name, name) != 0 &&
	    store_cred_id(st, u->name, &other, NULL) == OPS_OK) {
		rc = ops_err_set(err, OPS_E_EXISTS,
		    "credential %s already exists", u->name);
		goto out;
	}
	if ((rc = seal_fields(st, uuid, u->secret, u->passphrase, &sl,
	    err)) != OPS_OK)
		goto out;
	if ((rc = store_stmt(st, sql_cred_update, &stmt, err)) != OPS_OK)
		goto out;
	sqlite3_bind_int64(stmt, 1, id);
	store_bind_text(stmt, 2, u->name);
	store_bind_text(stmt, 3, u->username);
	store_bind_text(stmt, 4, u->pubkey);
	bind_sealed(stmt, 5, sl.secret, sl.secret_len);
	bind_sealed(stmt, 6, sl.passphrase, sl.passphrase_len);
	sqlite3_bind_int64(stmt, 7, store_now_ms());
	if ((rc = sqlite3_step(stmt)) != SQLITE_DONE)
		rc = store_dberr(st, rc, err, "update credential %s", name);
	else
		rc = OPS_OK;
out:
	store_stmt_done(stmt);
	sealed_free(&sl);
	return store_tx_leave(st, rc, err);
}

int
store_cred_delete(struct store *st, const char *name, struct ops_err *err)
{
	sqlite3_stmt	*stmt = NULL;
	int64_t		 id;
	int		 rc;

	if ((rc = store_tx_enter(st, err)) != OPS_OK)
		return rc;
	if ((rc = store_cred_id(st, name, &id, err)) != OPS_OK)
		goto out;
	if ((rc = store_stmt(st, sql_cred_used, &stmt, err)) != OPS_OK)
		goto out;
	sqlite3_bind_int64(stmt, 1, id);
	if ((rc = sqlite3_step(stmt)) == SQLITE_ROW) {
		rc = ops_err_set(err, OPS_E_INVAL,
		    "credential %s is used by target %s", name,
		    sqlite3_column_text(stmt, 0));
		goto out;
	}
	store_stmt_done(stmt);
	stmt = NULL;
	if (rc != SQLITE_DONE) {
		rc = store_dberr(st, rc, err, "delete credential %s", name);
		goto out;
	}
	if ((rc = store_stmt(st, sql_cred_delete, &stmt, err)) != OPS_OK)
		goto out;
	sqlite3_bind_int64(stmt, 1, id);
	if ((rc = sqlite3_step(stmt)) != SQLITE_DONE)
		rc = store_dberr(st, rc, err, "delete credential %s", name);
	else
		rc = OPS_OK;
out:
	store_stmt_done(stmt);
	return store_tx_leave(st, rc, err);
}

int
store_cred_open_secret(struct store *st, const char *name, const char *field,
    struct secret **out, struct ops_err *err)
{
	sqlite3_stmt	*stmt = NULL;
	const char	*sql;
	int		 rc;

	*out = NULL;
	if (field != NULL && strcmp(field, "secret") == 0)
		sql = sql_cred_secret;
	else if (field != NULL && strcmp(field, "passphrase") == 0)
		sql = sql_cred_passphrase;
	else
		return ops_err_set(err, OPS_E_INVAL,
		    "open credential field: must be secret or passphrase");
	if ((rc = store_stmt(st, sql, &stmt, err)) != OPS_OK)
		return rc;
	store_bind_text(stmt, 1, name);
	if ((rc = sqlite3_step(stmt)) == SQLITE_DONE)
		rc = ops_err_set(err, OPS_E_NOTFOUND,
		    "credential %s not found", name != NULL ? name : "");
	else if (rc != SQLITE_ROW)
		rc = store_dberr(st, rc, err, "read credential %s", name);
	else if (sqlite3_column_type(stmt, 1) == SQLITE_NULL)
		rc = ops_err_set(err, OPS_E_NOTFOUND,
		    "credential %s has no %s", name, field);
	else
		rc = seal_open(st->kr,
		    (const char *)sqlite3_column_text(stmt, 0), field,
		    sqlite3_column_blob(stmt, 1),
		    (size_t)sqlite3_column_bytes(stmt, 1), out, err);
	store_stmt_done(stmt);
	return rc;
}

void
store_cred_free(struct store_cred *c)
{
	if (c == NULL)
		return;
	cred_clear(c);
	free(c);
}

void
store_cred_list_free(struct store_cred_list *l)
{
	size_t	i;

	if (l == NULL)
		return;
	for (i = 0; i < l->n; i++)
		cred_clear(&l->v[i]);
	free(l->v);
	l->v = NULL;
	l->n = 0;
}

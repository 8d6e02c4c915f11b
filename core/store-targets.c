/*
 * store-targets.c: targets, their tags and their known host keys
 * (pending host keys are in store-hostkeys.c).
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "model.h"
#include "store-int.h"

/* The target's columns, then its last run with a result (store.h). */
#define TARGET_SELECT \
	"SELECT t.id, t.name, t.host, t.port, t.user, t.cred_id, c.name," \
	" t.notes, t.created, t.updated, r.id, r.job_id, r.state," \
	" r.exit_status, r.signal, r.error, r.finished, r.error_class"
#define TARGET_JOINS \
	" LEFT JOIN credentials c ON c.id = t.cred_id" \
	" LEFT JOIN runs r ON r.id = (SELECT id FROM runs" \
	"  WHERE target_id = t.id AND state IN" \
	"  ('ok', 'failed', 'timeout', 'error') ORDER BY id DESC LIMIT 1)"
#define TARGET_COLS \
	TARGET_SELECT " FROM targets t" TARGET_JOINS

static const char sql_target_id[] =
	"SELECT id FROM targets WHERE name = ?1";
static const char sql_target_by_name[] =
	TARGET_COLS " WHERE t.name = ?1";
static const char sql_target_by_id[] =
	TARGET_COLS " WHERE t.id = ?1";
/* The name is matched in C, by the model's selector (model.h). */
static const char sql_target_list[] =
	TARGET_COLS " ORDER BY t.name";
static const char sql_target_list_tag[] =
	TARGET_SELECT " FROM target_tags g"
	" JOIN targets t ON t.id = g.target_id"
	TARGET_JOINS
	" WHERE g.tag = ?1 ORDER BY t.name";
static const char sql_tags_of[] =
	"SELECT tag FROM target_tags WHERE target_id = ?1 ORDER BY tag";
static const char sql_tags_clear[] =
	"DELETE FROM target_tags WHERE target_id = ?1";
static const char sql_tag_add[] =
	"INSERT OR IGNORE INTO target_tags (target_id, tag) VALUES (?1, ?2)";
static const char sql_target_insert[] =
	"INSERT INTO targets (name, host, port, user, cred_id, notes, created,"
	" updated) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?7)";
static const char sql_target_update[] =
	"UPDATE targets SET name = coalesce(?2, name),"
	" host = coalesce(?3, host), port = coalesce(?4, port),"
	" user = CASE WHEN ?5 IS NULL THEN user WHEN ?5 = '' THEN NULL"
	"  ELSE ?5 END,"
	" cred_id = CASE ?6 WHEN 0 THEN cred_id WHEN -1 THEN NULL ELSE ?6 END,"
	" notes = CASE WHEN ?7 IS NULL THEN notes WHEN ?7 = '' THEN NULL"
	"  ELSE ?7 END,"
	" updated = ?8 WHERE id = ?1";
/* Known and pending keys belong to one host:port: a target that moves
 * starts with none (run before the update, ?2 ?3 its new host, port). */
#define MOVED_TARGET \
	" WHERE target_id = ?1 AND EXISTS (SELECT 1 FROM targets WHERE id = ?1" \
	" AND (host <> coalesce(?2, host) OR port <> coalesce(?3, port)))"
static const char sql_hostkeys_reset[] =
	"DELETE FROM target_hostkeys" MOVED_TARGET;
static const char sql_pending_reset[] =
	"DELETE FROM target_hostkeys_pending" MOVED_TARGET;
static const char sql_target_delete[] =
	"DELETE FROM targets WHERE id = ?1";
static const char sql_hostkey_add[] =
	"INSERT INTO target_hostkeys (target_id, key_type, fingerprint,"
	" key_blob, added) VALUES (?1, ?2, ?3, ?4, ?5)";
static const char sql_hostkey_list[] =
	"SELECT key_type, fingerprint, key_blob, added FROM target_hostkeys"
	" WHERE target_id = ?1 ORDER BY id";
static const char sql_hostkey_remove[] =
	"DELETE FROM target_hostkeys WHERE target_id = ?1 AND fingerprint = ?2";

int
store_target_id(struct store *st, const char *name, int64_t *id,
    struct ops_err *err)
{
	sqlite3_stmt	*stmt = NULL;
	int		 rc;

	*id = 0;
	if ((rc = store_stmt(st, sql_target_id, &stmt, err)) != OPS_OK)
		return rc;
	store_bind_text(stmt, 1, name);
	if ((rc = sqlite3_step(stmt)) == SQLITE_ROW) {
		*id = sqlite3_column_int64(stmt, 0);
		rc = OPS_OK;
	} else if (rc == SQLITE_DONE)
		rc = ops_err_set(err, OPS_E_NOTFOUND, "target %s not found",
		    name);
	else
		rc = store_dberr(st, rc, err, "look up target %s", name);
	store_stmt_done(stmt);
	return rc;
}

static int
check_host(const char *host, struct ops_err *err)
{
	size_t	i, len;

	if (host == NULL || *host == '\0')
		return ops_err_set(err, OPS_E_INVAL, "target host is empty");
	if ((len = strlen(host)) > STORE_HOST_MAX)
		return ops_err_set(err, OPS_E_INVAL,
		    "target host is %zu characters, longer than %d", len,
		    STORE_HOST_MAX);
	if (host[0] == '-')
		return ops_err_set(err, OPS_E_INVAL,
		    "target host \"%s\" starts with '-'", host);
	for (i = 0; i < len; i++)
		if (strchr("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
		    "0123456789.-_:%[]", host[i]) == NULL)
			return ops_err_set(err, OPS_E_INVAL,
			    "target host \"%.*s...\": character 0x%02x not "
			    "allowed", (int)i, host, (unsigned char)host[i]);
	return OPS_OK;
}

static int
check_port(int port, struct ops_err *err)
{
	if (port < 1 || port > 65535)
		return ops_err_set(err, OPS_E_INVAL,
		    "target port %d out of range 1-65535", port);
	return OPS_OK;
}

static int
check_user(const char *user, struct ops_err *err)
{
	int	rc;

	if (user == NULL)
		return OPS_OK;
	if ((rc = store_check_text("target user", user, STORE_USER_MAX, 0,
	    err)) != OPS_OK)
		return rc;
	if (user[0] == '-')
		return ops_err_set(err, OPS_E_INVAL,
		    "target user \"%s\" starts with '-'", user);
	if (strpbrk(user, " \t@") != NULL)
		return ops_err_set(err, OPS_E_INVAL,
		    "target user \"%s\" holds a space or '@'", user);
	return OPS_OK;
}

static int
check_tags(const char *const *tags, size_t ntags, struct ops_err *err)
{
	size_t	i;
	int	rc;

	if (ntags > STORE_TAGS_MAX)
		return ops_err_set(err, OPS_E_INVAL,
		    "target has %zu tags, more than %d", ntags, STORE_TAGS_MAX);
	for (i = 0; i < ntags; i++)
		if ((rc = store_check_name("tag", tags[i], err)) != OPS_OK)
			return rc;
	return OPS_OK;
}

static int
set_tags(struct store *st, int64_t id, const char *const *tags,
    size_t ntags, struct ops_err *err)
{
	sqlite3_stmt	*stmt = NULL;
	size_t		 i;
	int		 rc;

	if ((rc = store_stmt(st, sql_tags_clear, &stmt, err)) != OPS_OK)
		return rc;
	sqlite3_bind_int64(stmt, 1, id);
	rc = sqlite3_step(stmt);
	store_stmt_done(stmt);
	if (rc != SQLITE_DONE)
		return store_dberr(st, rc, err, "clear tags of target");
	if ((rc = store_stmt(st, sql_tag_add, &stmt, err)) != OPS_OK)
		return rc;
	for (i = 0; i < ntags; i++) {
		sqlite3_bind_int64(stmt, 1, id);
		store_bind_text(stmt, 2, tags[i]);
		rc = sqlite3_step(stmt);
		sqlite3_reset(stmt);
		if (rc != SQLITE_DONE) {
			store_stmt_done(stmt);
			return store_dberr(st, rc, err, "tag target with %s",
			    tags[i]);
		}
	}
	store_stmt_done(stmt);
	return OPS_OK;
}

/* A store name that is not "." or "..": those read as paths (and as
 * the current and parent directory to anything that makes files of
 * target names), never as a host. */
static int
check_target_name(const char *name, struct ops_err *err)
{
	int	rc;

	if ((rc = store_check_name("target", name, err)) != OPS_OK)
		return rc;
	if (strcmp(name, ".") == 0 || strcmp(name, "..") == 0)
		return ops_err_set(err, OPS_E_INVAL, "target name \"%s\" is "
		    "not allowed (it reads as a directory)", name);
	return OPS_OK;
}

static int
check_absent(struct store *st, const char *name, struct ops_err *err)
{
	int64_t	id;
	int	rc;

	rc = store_target_id(st, name, &id, NULL);
	if (rc == OPS_OK)
		return ops_err_set(err, OPS_E_EXISTS,
		    "target %s already exists", name);
	if (rc != OPS_E_NOTFOUND)
		return store_target_id(st, name, &id, err);
	return OPS_OK;
}

int
store_target_add(struct store *st, const struct store_target_spec *s,
    int64_t *id, struct ops_err *err)
{
	sqlite3_stmt	*stmt = NULL;
	int64_t		 cred_id = 0, new_id = 0;
	int		 rc, port;

	if (id != NULL)
		*id = 0;
	port = s->port == 0 ? 22 : s->port;
	if ((rc = check_target_name(s->name, err)) != OPS_OK ||
	    (rc = check_host(s->host, err)) != OPS_OK ||
	    (rc = check_port(port, err)) != OPS_OK ||
	    (rc = check_user(s->user, err)) != OPS_OK ||
	    (rc = store_check_text("target notes", s->notes, STORE_NOTES_MAX,
	    1, err)) != OPS_OK ||
	    (rc = check_tags(s->tags, s->ntags, err)) != OPS_OK)
		return rc;
	if ((rc = store_tx_enter(st, err)) != OPS_OK)
		return rc;
	if ((rc = check_absent(st, s->name, err)) != OPS_OK)
		goto out;
	if (s->credential != NULL && *s->credential != '\0' &&
	    (rc = store_cred_id(st, s->credential, &cred_id, err)) != OPS_OK)
		goto out;
	if ((rc = store_stmt(st, sql_target_insert, &stmt, err)) != OPS_OK)
		goto out;
	store_bind_text(stmt, 1, s->name);
	store_bind_text(stmt, 2, s->host);
	sqlite3_bind_int(stmt, 3, port);
	store_bind_text(stmt, 4, s->user != NULL && *s->user != '\0' ?
	    s->user : NULL);
	if (cred_id != 0)
		sqlite3_bind_int64(stmt, 5, cred_id);
	store_bind_text(stmt, 6, s->notes != NULL && *s->notes != '\0' ?
	    s->notes : NULL);
	sqlite3_bind_int64(stmt, 7, store_now_ms());
	if ((rc = sqlite3_step(stmt)) != SQLITE_DONE) {
		rc = store_dberr(st, rc, err, "add target %s", s->name);
		goto out;
	}
	new_id = sqlite3_last_insert_rowid(st->db);
	rc = set_tags(st, new_id, s->tags, s->ntags, err);
out:
	store_stmt_done(stmt);
	rc = store_tx_leave(st, rc, err);
	if (rc == OPS_OK && id != NULL)
		*id = new_id;
	return rc;
}

/* The last run columns of a TARGET_COLS row (from column 10). */
static int
load_last_run(sqlite3_stmt *row, struct store_last_run *r)
{
	const char	*st;
	enum run_state	 state;

	r->exit_status = -1;
	if (sqlite3_column_type(row, 10) == SQLITE_NULL)
		return OPS_OK;
	r->run_id = sqlite3_column_int64(row, 10);
	r->job_id = sqlite3_column_int64(row, 11);
	st = (const char *)sqlite3_column_text(row, 12);
	if (st != NULL && run_state_parse(st, &state) == OPS_OK)
		r->state = (int)state;
	if (sqlite3_column_type(row, 13) != SQLITE_NULL)
		r->exit_status = sqlite3_column_int(row, 13);
	r->signal = sqlite3_column_int(row, 14);
	r->finished = sqlite3_column_int64(row, 16);
	if (run_class_parse((const char *)sqlite3_column_text(row, 17),
	    &r->cls) != OPS_OK)
		r->cls = RUN_CLASS_NONE;
	if (store_col_str(row, 15, &r->error) != OPS_OK)
		return OPS_E_NOMEM;
	return OPS_OK;
}

/* Fill t from a TARGET_COLS row and its tags. */
static int
load_target(struct store *st, sqlite3_stmt *row, struct store_target *t,
    struct ops_err *err)
{
	sqlite3_stmt	*stmt = NULL;
	char		**v;
	int		 rc;

	memset(t, 0, sizeof(*t));
	t->id = sqlite3_column_int64(row, 0);
	t->port = sqlite3_column_int(row, 3);
	t->cred_id = sqlite3_column_int64(row, 5);
	t->created = sqlite3_column_int64(row, 8);
	t->updated = sqlite3_column_int64(row, 9);
	if (store_col_str(row, 1, &t->name) != OPS_OK ||
	    store_col_str(row, 2, &t->host) != OPS_OK ||
	    store_col_str(row, 4, &t->user) != OPS_OK ||
	    store_col_str(row, 6, &t->cred_name) != OPS_OK ||
	    store_col_str(row, 7, &t->notes) != OPS_OK ||
	    load_last_run(row, &t->last_run) != OPS_OK)
		return ops_err_set(err, OPS_E_NOMEM, "read target");
	if ((rc = store_stmt(st, sql_tags_of, &stmt, err)) != OPS_OK)
		return rc;
	sqlite3_bind_int64(stmt, 1, t->id);
	while ((rc = sqlite3_step(stmt)) == SQLITE_ROW) {
		v = reallocarray(t->tags, t->ntags + 1, sizeof(*v));
		if (v == NULL) {
			rc = ops_err_set(err, OPS_E_NOMEM, "read target tags");
			goto out;
		}
		t->tags = v;
		if (store_col_str(stmt, 0, &t->tags[t->ntags]) != OPS_OK) {
			rc = ops_err_set(err, OPS_E_NOMEM, "read target tags");
			goto out;
		}
		t->ntags++;
	}
	rc = rc == SQLITE_DONE ? OPS_OK :
	    store_dberr(st, rc, err, "read tags of target %s", t->name);
out:
	store_stmt_done(stmt);
	return rc;
}

static void
target_clear(struct store_target *t)
{
	size_t	i;

	free(t->name);
	free(t->host);
	free(t->user);
	free(t->cred_name);
	free(t->notes);
	free(t->last_run.error);
	for (i = 0; i < t->ntags; i++)
		free(t->tags[i]);
	free(t->tags);
}

void
store_target_free(struct store_target *t)
{
	if (t == NULL)
		return;
	target_clear(t);
	free(t);
}

void
store_target_list_free(struct store_target_list *l)
{
	size_t	i;

	if (l == NULL)
		return;
	for (i = 0; i < l->n; i++)
		target_clear(&l->v[i]);
	free(l->v);
	l->v = NULL;
	l->n = 0;
}

static int
target_get(struct store *st, const char *sql, const char *name, int64_t id,
    struct store_target **out, struct ops_err *err)
{
	sqlite3_stmt	*stmt = NULL;
	struct store_target *t = NULL;
	int		 rc;

	*out = NULL;
	if ((rc = store_stmt(st, sql, &stmt, err)) != OPS_OK)
		return rc;
	if (name != NULL)
		store_bind_text(stmt, 1, name);
	else
		sqlite3_bind_int64(stmt, 1, id);
	if ((rc = sqlite3_step(stmt)) == SQLITE_DONE) {
		if (name != NULL)
			rc = ops_err_set(err, OPS_E_NOTFOUND,
			    "target %s not found", name);
		else
			rc = ops_err_set(err, OPS_E_NOTFOUND,
			    "target %lld not found", (long long)id);
		goto out;
	}
	if (rc != SQLITE_ROW) {
		rc = store_dberr(st, rc, err, "read target");
		goto out;
	}
	if ((t = calloc(1, sizeof(*t))) == NULL) {
		rc = ops_err_set(err, OPS_E_NOMEM, "read target");
		goto out;
	}
	if ((rc = load_target(st, stmt, t, err)) != OPS_OK) {
		store_target_free(t);
		goto out;
	}
	*out = t;
out:
	store_stmt_done(stmt);
	return rc;
}

int
store_target_get(struct store *st, const char *name,
    struct store_target **out, struct ops_err *err)
{
	*out = NULL;
	if (name == NULL)
		return ops_err_set(err, OPS_E_INVAL, "get target: no name");
	return target_get(st, sql_target_by_name, name, 0, out, err);
}

int
store_target_get_id(struct store *st, int64_t id, struct store_target **out,
    struct ops_err *err)
{
	return target_get(st, sql_target_by_id, NULL, id, out, err);
}

int
store_target_list(struct store *st, const struct store_target_filter *f,
    struct store_target_list *out, struct ops_err *err)
{
	sqlite3_stmt		*stmt = NULL;
	struct store_target	*v;
	struct selector_set	 sel;
	size_t			 cap = 0;
	const char		*glob = f != NULL ? f->name_glob : NULL;
	const char		*tag = f != NULL ? f->tag : NULL;
	int			 rc, by_name;

	out->v = NULL;
	out->n = 0;
	selector_set_init(&sel);
	if (glob != NULL && (rc = selector_set_add(&sel, glob, 0, err)) !=
	    OPS_OK) {
		selector_set_done(&sel);
		return rc;
	}
	/* Without tag terms, the name alone decides (before loading). */
	by_name = glob != NULL && !selector_set_uses_tags(&sel);
	if ((rc = store_stmt(st, tag != NULL ? sql_target_list_tag :
	    sql_target_list, &stmt, err)) != OPS_OK)
		goto out;
	if (tag != NULL)
		store_bind_text(stmt, 1, tag);
	while ((rc = sqlite3_step(stmt)) == SQLITE_ROW) {
		if (by_name && !selector_set_match(&sel, (const char *)
		    sqlite3_column_text(stmt, 1), NULL, 0))
			continue;
		if (out->n == cap) {
			cap = cap == 0 ? 16 : cap * 2;
			if ((v = reallocarray(out->v, cap, sizeof(*v))) ==
			    NULL) {
				rc = ops_err_set(err, OPS_E_NOMEM,
				    "list targets");
				goto out;
			}
			out->v = v;
		}
		if ((rc = load_target(st, stmt, &out->v[out->n], err)) !=
		    OPS_OK) {
			target_clear(&out->v[out->n]);
			goto out;
		}
		if (glob != NULL && !by_name &&
		    !selector_set_match(&sel, out->v[out->n].name,
		    (const char *const *)out->v[out->n].tags,
		    out->v[out->n].ntags)) {
			target_clear(&out->v[out->n]);
			continue;
		}
		out->n++;
	}
	rc = rc == SQLITE_DONE ? OPS_OK :
	    store_dberr(st, rc, err, "list targets");
out:
	store_stmt_done(stmt);
	selector_set_done(&sel);
	if (rc != OPS_OK)
		store_target_list_free(out);
	return rc;
}

/* Forget the host keys of target id when host or port (either NULL/0 for
 * unchanged) differ from its current ones. */
static int
reset_hostkeys_if_moved(struct store *st, int64_t id, const char *host,
    int port, struct ops_err *err)
{
	const char *const	 sql[] = { sql_hostkeys_reset, sql_pending_reset };
	sqlite3_stmt		*stmt = NULL;
	size_t			 i;
	int			 rc;

	for (i = 0; i < sizeof(sql) / sizeof(sql[0]); i++) {
		if ((rc = store_stmt(st, sql[i], &stmt, err)) != OPS_OK)
			return rc;
		sqlite3_bind_int64(stmt, 1, id);
		store_bind_text(stmt, 2, host);
		if (port != 0)
			sqlite3_bind_int(stmt, 3, port);
		rc = sqlite3_step(stmt);
		store_stmt_done(stmt);
		if (rc != SQLITE_DONE)
			return store_dberr(st, rc, err, "reset host keys");
	}
	return OPS_OK;
}

int
store_target_update(struct store *st, const char *name,
    const struct store_target_update *u, struct ops_err *err)
{
	sqlite3_stmt	*stmt = NULL;
	int64_t		 id, cred_id = 0;
	int		 rc;

	if (name == NULL)
		return ops_err_set(err, OPS_E_INVAL, "update target: no name");
	if ((u->name != NULL &&
	    (rc = check_target_name(u->name, err)) != OPS_OK) ||
	    (u->host != NULL && (rc = check_host(u->host, err)) != OPS_OK) ||
	    (u->port != 0 && (rc = check_port(u->port, err)) != OPS_OK) ||
	    (rc = check_user(u->user, err)) != OPS_OK ||
	    (rc = store_check_text("target notes", u->notes, STORE_NOTES_MAX,
	    1, err)) != OPS_OK ||
	    (u->set_tags &&
	    (rc = check_tags(u->tags, u->ntags, err)) != OPS_OK))
		return rc;
	if ((rc = store_tx_enter(st, err)) != OPS_OK)
		return rc;
	if ((rc = store_target_id(st, name, &id, err)) != OPS_OK)
		goto out;
	if (u->name != NULL && strcmp(u->name, name) != 0 &&
	    (rc = check_absent(st, u->name, err)) != OPS_OK)
		goto out;
	if (u->credential != NULL) {
		if (*u->credential == '\0')
			cred_id = -1;
		else if ((rc = store_cred_id(st, u->credential, &cred_id,
		    err)) != OPS_OK)
			goto out;
	}
	if ((rc = reset_hostkeys_if_moved(st, id, u->host, u->port,
	    err)) != OPS_OK)
		goto out;
	if ((rc = store_stmt(st, sql_target_update, &stmt, err)) != OPS_OK)
		goto out;
	sqlite3_bind_int64(stmt, 1, id);
	store_bind_text(stmt, 2, u->name);
	store_bind_text(stmt, 3, u->host);
	if (u->port != 0)
		sqlite3_bind_int(stmt, 4, u->port);
	store_bind_text(stmt, 5, u->user);
	sqlite3_bind_int64(stmt, 6, cred_id);
	store_bind_text(stmt, 7, u->notes);
	sqlite3_bind_int64(stmt, 8, store_now_ms());
	if ((rc = sqlite3_step(stmt)) != SQLITE_DONE) {
		rc = store_dberr(st, rc, err, "update target %s", name);
		goto out;
	}
	rc = OPS_OK;
	if (u->set_tags)
		rc = set_tags(st, id, u->tags, u->ntags, err);
out:
	store_stmt_done(stmt);
	return store_tx_leave(st, rc, err);
}

int
store_target_delete(struct store *st, const char *name, struct ops_err *err)
{
	sqlite3_stmt	*stmt = NULL;
	int64_t		 id;
	int		 rc;

	if (name == NULL)
		return ops_err_set(err, OPS_E_INVAL, "delete target: no name");
	if ((rc = store_tx_enter(st, err)) != OPS_OK)
		return rc;
	if ((rc = store_target_id(st, name, &id, err)) != OPS_OK)
		goto out;
	if ((rc = store_stmt(st, sql_target_delete, &stmt, err)) != OPS_OK)
		goto out;
	sqlite3_bind_int64(stmt, 1, id);
	if ((rc = sqlite3_step(stmt)) != SQLITE_DONE)
		rc = store_dberr(st, rc, err, "delete target %s", name);
	else
		rc = OPS_OK;
out:
	store_stmt_done(stmt);
	return store_tx_leave(st, rc, err);
}

int
store_check_hostkey(const char *type, const char *fp, struct ops_err *err)
{
	size_t	i;

	if (type == NULL || *type == '\0' || strlen(type) > 47)
		return ops_err_set(err, OPS_E_INVAL,
		    "host key type is empty or longer than 47 characters");
	for (i = 0; type[i] != '\0'; i++)
		if (strchr("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
		    "0123456789.-_@", type[i]) == NULL)
			return ops_err_set(err, OPS_E_INVAL,
			    "host key type: character 0x%02x not allowed",
			    (unsigned char)type[i]);
	if (fp == NULL || strncmp(fp, "SHA256:", 7) != 0 || fp[7] == '\0' ||
	    strlen(fp) > 63)
		return ops_err_set(err, OPS_E_INVAL,
		    "host key fingerprint must be \"SHA256:\" and base64");
	for (i = 7; fp[i] != '\0'; i++)
		if (strchr("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
		    "0123456789+/=", fp[i]) == NULL)
			return ops_err_set(err, OPS_E_INVAL,
			    "host key fingerprint: character 0x%02x not "
			    "allowed", (unsigned char)fp[i]);
	return OPS_OK;
}

int
store_hostkey_add(struct store *st, const char *target, const char *type,
    const char *fp, const unsigned char *blob, size_t blob_len,
    struct ops_err *err)
{
	sqlite3_stmt	*stmt = NULL;
	int64_t		 id;
	int		 rc;

	if ((rc = store_check_hostkey(type, fp, err)) != OPS_OK)
		return rc;
	if (blob_len > 16384)
		return ops_err_set(err, OPS_E_INVAL,
		    "host key blob is %zu bytes, longer than 16384", blob_len);
	if ((rc = store_tx_enter(st, err)) != OPS_OK)
		return rc;
	if ((rc = store_target_id(st, target, &id, err)) != OPS_OK)
		goto out;
	if ((rc = store_stmt(st, sql_hostkey_add, &stmt, err)) != OPS_OK)
		goto out;
	sqlite3_bind_int64(stmt, 1, id);
	store_bind_text(stmt, 2, type);
	store_bind_text(stmt, 3, fp);
	if (blob != NULL)
		sqlite3_bind_blob(stmt, 4, blob, (int)blob_len, SQLITE_STATIC);
	sqlite3_bind_int64(stmt, 5, store_now_ms());
	rc = sqlite3_step(stmt);
	if (rc == SQLITE_CONSTRAINT_UNIQUE)
		rc = ops_err_set(err, OPS_E_EXISTS,
		    "host key %s of target %s already known", fp, target);
	else if (rc != SQLITE_DONE)
		rc = store_dberr(st, rc, err, "add host key to target %s",
		    target);
	else
		rc = OPS_OK;
out:
	store_stmt_done(stmt);
	return store_tx_leave(st, rc, err);
}

int
store_hostkey_list(struct store *st, const char *target,
    struct store_hostkey_list *out, struct ops_err *err)
{
	sqlite3_stmt		*stmt = NULL;
	struct store_hostkey	*v, *k;
	int64_t			 id;
	int			 rc;

	out->v = NULL;
	out->n = 0;
	if ((rc = store_target_id(st, target, &id, err)) != OPS_OK)
		return rc;
	if ((rc = store_stmt(st, sql_hostkey_list, &stmt, err)) != OPS_OK)
		return rc;
	sqlite3_bind_int64(stmt, 1, id);
	while ((rc = sqlite3_step(stmt)) == SQLITE_ROW) {
		if ((v = reallocarray(out->v, out->n + 1, sizeof(*v))) ==
		    NULL) {
			rc = ops_err_set(err, OPS_E_NOMEM, "list host keys");
			goto out;
		}
		out->v = v;
		k = &out->v[out->n++];
		memset(k, 0, sizeof(*k));
		k->added = sqlite3_column_int64(stmt, 3);
		if (store_col_str(stmt, 0, &k->type) != OPS_OK ||
		    store_col_str(stmt, 1, &k->fp) != OPS_OK ||
		    store_col_blob(stmt, 2, &k->blob, &k->blob_len) !=
		    OPS_OK) {
			rc = ops_err_set(err, OPS_E_NOMEM, "list host keys");
			goto out;
		}
	}
	rc = rc == SQLITE_DONE ? OPS_OK :
	    store_dberr(st, rc, err, "list host keys of %s", target);
out:
	store_stmt_done(stmt);
	if (rc != OPS_OK)
		store_hostkey_list_free(out);
	return rc;
}

int
store_hostkey_remove(struct store *st, const char *target, const char *fp,
    struct ops_err *err)
{
	sqlite3_stmt	*stmt = NULL;
	int64_t		 id;
	int		 rc;

	if ((rc = store_tx_enter(st, err)) != OPS_OK)
		return rc;
	if ((rc = store_target_id(st, target, &id, err)) != OPS_OK)
		goto out;
	if ((rc = store_stmt(st, sql_hostkey_remove, &stmt, err)) != OPS_OK)
		goto out;
	sqlite3_bind_int64(stmt, 1, id);
	store_bind_text(stmt, 2, fp);
	if ((rc = sqlite3_step(stmt)) != SQLITE_DONE)
		rc = store_dberr(st, rc, err, "remove host key");
	else if (sqlite3_changes(st->db) == 0)
		rc = ops_err_set(err, OPS_E_NOTFOUND,
		    "host key %s of target %s not found", fp != NULL ? fp : "",
		    target);
	else
		rc = OPS_OK;
out:
	store_stmt_done(stmt);
	return store_tx_leave(st, rc, err);
}

void
store_hostkey_list_free(struct store_hostkey_list *l)
{
	size_t	i;

	if (l == NULL)
		return;
	for (i = 0; i < l->n; i++) {
		free(l->v[i].type);
		free(l->v[i].fp);
		free(l->v[i].blob);
	}
	free(l->v);
	l->v = NULL;
	l->n = 0;
}

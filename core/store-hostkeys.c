/*
 * store-hostkeys.c: pending host keys (presented, not yet accepted) and
 * accepting one into a target's known keys; see store.h.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "store-int.h"

#define HOSTKEY_BLOB_MAX	16384

static const char sql_known_has[] =
	"SELECT 1 FROM target_hostkeys WHERE target_id = ?1"
	" AND fingerprint = ?2";
static const char sql_pending_upsert[] =
	"INSERT INTO target_hostkeys_pending (target_id, key_type,"
	" fingerprint, key_blob, first_seen, last_seen)"
	" VALUES (?1, ?2, ?3, ?4, ?5, ?5)"
	" ON CONFLICT (target_id, fingerprint) DO UPDATE SET"
	" key_type = excluded.key_type,"
	" key_blob = coalesce(excluded.key_blob, key_blob),"
	" last_seen = max(last_seen, excluded.last_seen)";
static const char sql_pending_list[] =
	"SELECT t.name, p.key_type, p.fingerprint, p.key_blob, p.first_seen,"
	" p.last_seen FROM target_hostkeys_pending p"
	" JOIN targets t ON t.id = p.target_id"
	" WHERE ?1 IS NULL OR p.target_id = ?1"
	" ORDER BY t.name, p.first_seen, p.id";
static const char sql_pending_get[] =
	"SELECT t.name, p.key_type, p.fingerprint, p.key_blob, p.first_seen,"
	" p.last_seen FROM target_hostkeys_pending p"
	" JOIN targets t ON t.id = p.target_id"
	" WHERE p.target_id = ?1 AND p.fingerprint = ?2";
static const char sql_pending_remove[] =
	"DELETE FROM target_hostkeys_pending WHERE target_id = ?1"
	" AND (?2 IS NULL OR fingerprint = ?2)";
static const char sql_known_replace[] =
	"DELETE FROM target_hostkeys WHERE target_id = ?1 AND key_type = ?2"
	" AND fingerprint <> ?3";
static const char sql_known_insert[] =
	"INSERT OR IGNORE INTO target_hostkeys (target_id, key_type,"
	" fingerprint, key_blob, added) VALUES (?1, ?2, ?3, ?4, ?5)";

static int
pending_load(sqlite3_stmt *row, struct store_hostkey_pending *p)
{
	memset(p, 0, sizeof(*p));
	p->first_seen = sqlite3_column_int64(row, 4);
	p->last_seen = sqlite3_column_int64(row, 5);
	if (store_col_str(row, 0, &p->target) != OPS_OK ||
	    store_col_str(row, 1, &p->type) != OPS_OK ||
	    store_col_str(row, 2, &p->fp) != OPS_OK ||
	    store_col_blob(row, 3, &p->blob, &p->blob_len) != OPS_OK)
		return OPS_E_NOMEM;
	return OPS_OK;
}

static void
pending_clear(struct store_hostkey_pending *p)
{
	free(p->target);
	free(p->type);
	free(p->fp);
	free(p->blob);
	memset(p, 0, sizeof(*p));
}

void
store_hostkey_pending_free(struct store_hostkey_pending *p)
{
	if (p == NULL)
		return;
	pending_clear(p);
	free(p);
}

void
store_hostkey_pending_list_free(struct store_hostkey_pending_list *l)
{
	size_t	i;

	if (l == NULL)
		return;
	for (i = 0; i < l->n; i++)
		pending_clear(&l->v[i]);
	free(l->v);
	l->v = NULL;
	l->n = 0;
}

/* 1 when fp is one of the target's known keys, 0 if not, or an error. */
static int
known_has(struct store *st, int64_t id, const char *fp, struct ops_err *err)
{
	sqlite3_stmt	*stmt = NULL;
	int		 rc;

	if ((rc = store_stmt(st, sql_known_has, &stmt, err)) != OPS_OK)
		return rc;
	sqlite3_bind_int64(stmt, 1, id);
	store_bind_text(stmt, 2, fp);
	rc = sqlite3_step(stmt);
	if (rc == SQLITE_ROW)
		rc = 1;
	else if (rc == SQLITE_DONE)
		rc = 0;
	else
		rc = store_dberr(st, rc, err, "look up known host key");
	store_stmt_done(stmt);
	return rc;
}

int
store_hostkey_pending_set(struct store *st, const char *target,
    const char *type, const char *fp, const unsigned char *blob,
    size_t blob_len, struct ops_err *err)
{
	sqlite3_stmt	*stmt = NULL;
	int64_t		 id;
	int		 rc;

	if (target == NULL)
		return ops_err_set(err, OPS_E_INVAL,
		    "record pending host key: no target");
	if ((rc = store_check_hostkey(type, fp, err)) != OPS_OK)
		return rc;
	if (blob_len > HOSTKEY_BLOB_MAX)
		return ops_err_set(err, OPS_E_INVAL,
		    "host key blob is %zu bytes, longer than %d", blob_len,
		    HOSTKEY_BLOB_MAX);
	if ((rc = store_tx_enter(st, err)) != OPS_OK)
		return rc;
	if ((rc = store_target_id(st, target, &id, err)) != OPS_OK)
		goto out;
	if ((rc = known_has(st, id, fp, err)) < 0)
		goto out;
	if (rc == 1) {
		rc = ops_err_set(err, OPS_E_EXISTS,
		    "host key %s of target %s is already known", fp, target);
		goto out;
	}
	if ((rc = store_stmt(st, sql_pending_upsert, &stmt, err)) != OPS_OK)
		goto out;
	sqlite3_bind_int64(stmt, 1, id);
	store_bind_text(stmt, 2, type);
	store_bind_text(stmt, 3, fp);
	if (blob != NULL && blob_len > 0)
		sqlite3_bind_blob(stmt, 4, blob, (int)blob_len, SQLITE_STATIC);
	sqlite3_bind_int64(stmt, 5, store_now_ms());
	if ((rc = sqlite3_step(stmt)) != SQLITE_DONE)
		rc = store_dberr(st, rc, err,
		    "record pending host key of target %s", target);
	else
		rc = OPS_OK;
out:
	store_stmt_done(stmt);
	return store_tx_leave(st, rc, err);
}

int
store_hostkey_pending_list(struct store *st, const char *target,
    struct store_hostkey_pending_list *out, struct ops_err *err)
{
	sqlite3_stmt			*stmt = NULL;
	struct store_hostkey_pending	*v;
	int64_t				 id = 0;
	size_t				 cap = 0;
	int				 rc;

	out->v = NULL;
	out->n = 0;
	if (target != NULL &&
	    (rc = store_target_id(st, target, &id, err)) != OPS_OK)
		return rc;
	if ((rc = store_stmt(st, sql_pending_list, &stmt, err)) != OPS_OK)
		return rc;
	if (target != NULL)
		sqlite3_bind_int64(stmt, 1, id);
	while ((rc = sqlite3_step(stmt)) == SQLITE_ROW) {
		if (out->n == cap) {
			cap = cap == 0 ? 8 : cap * 2;
			if ((v = reallocarray(out->v, cap, sizeof(*v))) ==
			    NULL) {
				rc = ops_err_set(err, OPS_E_NOMEM,
				    "list pending host keys");
				goto out;
			}
			out->v = v;
		}
		if (pending_load(stmt, &out->v[out->n]) != OPS_OK) {
			pending_clear(&out->v[out->n]);
			rc = ops_err_set(err, OPS_E_NOMEM,
			    "list pending host keys");
			goto out;
		}
		out->n++;
	}
	rc = rc == SQLITE_DONE ? OPS_OK :
	    store_dberr(st, rc, err, "list pending host keys");
out:
	store_stmt_done(stmt);
	if (rc != OPS_OK)
		store_hostkey_pending_list_free(out);
	return rc;
}

int
store_hostkey_pending_remove(struct store *st, const char *target,
    const char *fp, struct ops_err *err)
{
	sqlite3_stmt	*stmt = NULL;
	int64_t		 id;
	int		 rc;

	if (target == NULL)
		return ops_err_set(err, OPS_E_INVAL,
		    "remove pending host key: no target");
	if ((rc = store_tx_enter(st, err)) != OPS_OK)
		return rc;
	if ((rc = store_target_id(st, target, &id, err)) != OPS_OK)
		goto out;
	if ((rc = store_stmt(st, sql_pending_remove, &stmt, err)) != OPS_OK)
		goto out;
	sqlite3_bind_int64(stmt, 1, id);
	store_bind_text(stmt, 2, fp);
	if ((rc = sqlite3_step(stmt)) != SQLITE_DONE)
		rc = store_dberr(st, rc, err,
		    "remove pending host key of target %s", target);
	else if (fp != NULL && sqlite3_changes(st->db) == 0)
		rc = ops_err_set(err, OPS_E_NOTFOUND,
		    "no pending host key %s for target %s", fp, target);
	else
		rc = OPS_OK;
out:
	store_stmt_done(stmt);
	return store_tx_leave(st, rc, err);
}

/* Run a statement bound with (id, text, text) to completion. */
static int
exec3(struct store *st, const char *sql, int64_t id, const char *a,
    const char *b, struct ops_err *err)
{
	sqlite3_stmt	*stmt = NULL;
	int		 rc;

	if ((rc = store_stmt(st, sql, &stmt, err)) != OPS_OK)
		return rc;
	sqlite3_bind_int64(stmt, 1, id);
	store_bind_text(stmt, 2, a);
	store_bind_text(stmt, 3, b);
	rc = sqlite3_step(stmt);
	store_stmt_done(stmt);
	if (rc != SQLITE_DONE)
		return store_dberr(st, rc, err, "accept host key");
	return OPS_OK;
}

int
store_hostkey_accept(struct store *st, const char *target, const char *fp,
    int replace, struct store_hostkey_pending **out, struct ops_err *err)
{
	sqlite3_stmt			*stmt = NULL;
	struct store_hostkey_pending	*p = NULL;
	int64_t				 id;
	int				 rc;

	if (out != NULL)
		*out = NULL;
	if (target == NULL || fp == NULL)
		return ops_err_set(err, OPS_E_INVAL,
		    "accept host key: no target or fingerprint");
	if ((rc = store_tx_enter(st, err)) != OPS_OK)
		return rc;
	if ((rc = store_target_id(st, target, &id, err)) != OPS_OK)
		goto out;
	if ((p = calloc(1, sizeof(*p))) == NULL) {
		rc = ops_err_set(err, OPS_E_NOMEM, "accept host key");
		goto out;
	}
	if ((rc = store_stmt(st, sql_pending_get, &stmt, err)) != OPS_OK)
		goto out;
	sqlite3_bind_int64(stmt, 1, id);
	store_bind_text(stmt, 2, fp);
	rc = sqlite3_step(stmt);
	if (rc == SQLITE_DONE) {
		rc = ops_err_set(err, OPS_E_NOTFOUND,
		    "no pending host key %s for target %s", fp, target);
		goto out;
	}
	if (rc != SQLITE_ROW) {
		rc = store_dberr(st, rc, err, "read pending host key");
		goto out;
	}
	if ((rc = pending_load(stmt, p)) != OPS_OK) {
		rc = ops_err_set(err, OPS_E_NOMEM, "accept host key");
		goto out;
	}
	store_stmt_done(stmt);
	stmt = NULL;
	if (replace && (rc = exec3(st, sql_known_replace, id, p->type, p->fp,
	    err)) != OPS_OK)
		goto out;
	if ((rc = store_stmt(st, sql_known_insert, &stmt, err)) != OPS_OK)
		goto out;
	sqlite3_bind_int64(stmt, 1, id);
	store_bind_text(stmt, 2, p->type);
	store_bind_text(stmt, 3, p->fp);
	if (p->blob != NULL)
		sqlite3_bind_blob(stmt, 4, p->blob, (int)p->blob_len,
		    SQLITE_STATIC);
	sqlite3_bind_int64(stmt, 5, store_now_ms());
	if ((rc = sqlite3_step(stmt)) != SQLITE_DONE) {
		rc = store_dberr(st, rc, err, "add host key to target %s",
		    target);
		goto out;
	}
	store_stmt_done(stmt);
	stmt = NULL;
	rc = exec3(st, sql_pending_remove, id, p->fp, NULL, err);
out:
	store_stmt_done(stmt);
	rc = store_tx_leave(st, rc, err);
	if (rc == OPS_OK && out != NULL) {
		*out = p;
		p = NULL;
	}
	store_hostkey_pending_free(p);
	return rc;
}

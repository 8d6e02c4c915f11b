/*
 * store-audit.c: the append-only, hash-chained audit trail (see store.h
 * for the hash definition).
 */
#include "config.h"

#include <sodium.h>
#include <stdlib.h>
#include <string.h>

#include "store-int.h"
#include "termsafe.h"

#define AUDIT_WORD_MAX	255	/* actor and action */

static const char sql_audit_last[] =
	"SELECT id, hash FROM audit ORDER BY id DESC LIMIT 1";
static const char sql_audit_insert[] =
	"INSERT INTO audit (id, ts, actor, action, object, detail, result,"
	" prev_hash, hash) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)";
#define AUDIT_COLS \
	"SELECT id, ts, actor, action, object, detail, result, prev_hash," \
	" hash FROM audit"
#define AUDIT_WHERE \
	" WHERE id BETWEEN ?1 AND ?2 AND ts >= ?3 AND ts < ?4" \
	" AND (?5 IS NULL OR actor = ?5) AND (?6 IS NULL OR action = ?6)"
static const char sql_audit_list[] =
	AUDIT_COLS AUDIT_WHERE " ORDER BY id LIMIT ?7";
static const char sql_audit_list_desc[] =
	AUDIT_COLS AUDIT_WHERE " ORDER BY id DESC LIMIT ?7";
static const char sql_audit_all[] = AUDIT_COLS " ORDER BY id";

static void
put_be64(crypto_generichash_state *h, int64_t v)
{
	unsigned char	b[8];
	uint64_t	u = (uint64_t)v;
	int		i;

	for (i = 7; i >= 0; i--) {
		b[i] = u & 0xff;
		u >>= 8;
	}
	crypto_generichash_update(h, b, sizeof(b));
}

static void
put_str(crypto_generichash_state *h, const void *p, size_t len)
{
	unsigned char	b[4];

	b[0] = (len >> 24) & 0xff;
	b[1] = (len >> 16) & 0xff;
	b[2] = (len >> 8) & 0xff;
	b[3] = len & 0xff;
	crypto_generichash_update(h, b, sizeof(b));
	if (len > 0)
		crypto_generichash_update(h, p, len);
}

struct audit_fields {
	int64_t		 id, ts;
	const char	*s[5];		/* actor action object detail result */
	size_t		 len[5];
};

/* key: the store's audit key, or NULL for the unkeyed chain of schema
 * versions before 4 (read once, at the migration that rekeys it). */
static void
audit_hash(const unsigned char *key, const unsigned char prev[STORE_HASH_LEN],
    const struct audit_fields *f, unsigned char out[STORE_HASH_LEN])
{
	crypto_generichash_state	h;
	int				i;

	crypto_generichash_init(&h, key, key != NULL ? KEYS_KEY_LEN : 0,
	    STORE_HASH_LEN);
	crypto_generichash_update(&h, prev, STORE_HASH_LEN);
	put_be64(&h, f->id);
	put_be64(&h, f->ts);
	for (i = 0; i < 5; i++)
		put_str(&h, f->s[i], f->len[i]);
	crypto_generichash_final(&h, out, STORE_HASH_LEN);
}

static int
check_word(const char *what, const char *s, struct ops_err *err)
{
	if (s == NULL || *s == '\0')
		return ops_err_set(err, OPS_E_INVAL, "audit %s is empty", what);
	return store_check_text(what, s, AUDIT_WORD_MAX, 0, err);
}

static int
audit_append(struct store *st, const struct store_audit_entry *e,
    int64_t *id, struct ops_err *err)
{
	sqlite3_stmt		*stmt = NULL;
	struct audit_fields	 f;
	unsigned char		 prev[STORE_HASH_LEN], hash[STORE_HASH_LEN];
	const char		*v[5];
	int			 rc, i;

	if (id != NULL)
		*id = 0;
	v[0] = e->actor;
	v[1] = e->action;
	v[2] = e->object != NULL ? e->object : "";
	v[3] = e->detail != NULL ? e->detail : "";
	v[4] = e->result != NULL ? e->result : "";
	if ((rc = check_word("actor", v[0], err)) != OPS_OK ||
	    (rc = check_word("action", v[1], err)) != OPS_OK ||
	    (rc = store_check_text("audit object", v[2],
	    STORE_AUDIT_FIELD_MAX, 0, err)) != OPS_OK ||
	    (rc = store_check_text("audit detail", v[3],
	    STORE_AUDIT_FIELD_MAX, 1, err)) != OPS_OK ||
	    (rc = store_check_text("audit result", v[4],
	    STORE_AUDIT_FIELD_MAX, 1, err)) != OPS_OK)
		return rc;
	memset(&f, 0, sizeof(f));
	for (i = 0; i < 5; i++) {
		f.s[i] = v[i];
		f.len[i] = strlen(v[i]);
	}
	if ((rc = store_tx_enter(st, err)) != OPS_OK)
		return rc;
	if ((rc = store_stmt(st, sql_audit_last, &stmt, err)) != OPS_OK)
		goto out;
	memset(prev, 0, sizeof(prev));
	f.id = 1;
	if ((rc = sqlite3_step(stmt)) == SQLITE_ROW) {
		f.id = sqlite3_column_int64(stmt, 0) + 1;
		if (sqlite3_column_bytes(stmt, 1) != STORE_HASH_LEN) {
			rc = ops_err_set(err, OPS_E_CORRUPT,
			    "audit record %lld: bad hash length",
			    (long long)f.id - 1);
			goto out;
		}
		memcpy(prev, sqlite3_column_blob(stmt, 1), STORE_HASH_LEN);
	} else if (rc != SQLITE_DONE) {
		rc = store_dberr(st, rc, err, "read audit trail");
		goto out;
	}
	store_stmt_done(stmt);
	stmt = NULL;
	f.ts = store_now_ms();
	audit_hash(keyring_audit_key(st->kr), prev, &f, hash);
	if ((rc = store_stmt(st, sql_audit_insert, &stmt, err)) != OPS_OK)
		goto out;
	sqlite3_bind_int64(stmt, 1, f.id);
	sqlite3_bind_int64(stmt, 2, f.ts);
	for (i = 0; i < 5; i++)
		store_bind_text(stmt, 3 + i, v[i]);
	sqlite3_bind_blob(stmt, 8, prev, STORE_HASH_LEN, SQLITE_STATIC);
	sqlite3_bind_blob(stmt, 9, hash, STORE_HASH_LEN, SQLITE_STATIC);
	if ((rc = sqlite3_step(stmt)) != SQLITE_DONE)
		rc = store_dberr(st, rc, err, "append audit record");
	else
		rc = OPS_OK;
out:
	store_stmt_done(stmt);
	rc = store_tx_leave(st, rc, err);
	if (rc == OPS_OK && id != NULL)
		*id = f.id;
	return rc;
}

/*
 * s, or an escaped copy in *own (caller frees) when it holds control
 * characters or bad UTF-8: a refusal that quotes hostile text (a name
 * with ESC) is still audited. Cut to fit the field.
 */
static const char *
audit_safe(const char *s, int flags, char **own)
{
	size_t	len;

	*own = NULL;
	if (s == NULL || termsafe_clean(s, (len = strlen(s)), flags) ||
	    (*own = malloc(STORE_AUDIT_FIELD_MAX + 1)) == NULL)
		return s;
	(void)termsafe_escape(s, len, flags, *own, STORE_AUDIT_FIELD_MAX + 1);
	return *own;
}

int
store_audit_append(struct store *st, const struct store_audit_entry *e,
    int64_t *id, struct ops_err *err)
{
	struct store_audit_entry	 safe = *e;
	char				*own[3];
	int				 rc;

	safe.object = audit_safe(e->object, 0, &own[0]);
	safe.detail = audit_safe(e->detail, TERMSAFE_LF, &own[1]);
	safe.result = audit_safe(e->result, TERMSAFE_LF, &own[2]);
	rc = audit_append(st, &safe, id, err);
	free(own[0]);
	free(own[1]);
	free(own[2]);
	return rc;
}

static int
load_rec(sqlite3_stmt *stmt, struct store_audit_rec *r, struct ops_err *err)
{
	memset(r, 0, sizeof(*r));
	r->id = sqlite3_column_int64(stmt, 0);
	r->ts = sqlite3_column_int64(stmt, 1);
	if (sqlite3_column_bytes(stmt, 7) == STORE_HASH_LEN)
		memcpy(r->prev_hash, sqlite3_column_blob(stmt, 7),
		    STORE_HASH_LEN);
	if (sqlite3_column_bytes(stmt, 8) == STORE_HASH_LEN)
		memcpy(r->hash, sqlite3_column_blob(stmt, 8), STORE_HASH_LEN);
	if (store_col_str(stmt, 2, &r->actor) != OPS_OK ||
	    store_col_str(stmt, 3, &r->action) != OPS_OK ||
	    store_col_str(stmt, 4, &r->object) != OPS_OK ||
	    store_col_str(stmt, 5, &r->detail) != OPS_OK ||
	    store_col_str(stmt, 6, &r->result) != OPS_OK)
		return ops_err_set(err, OPS_E_NOMEM, "read audit record");
	return OPS_OK;
}

static void
rec_clear(struct store_audit_rec *r)
{
	free(r->actor);
	free(r->action);
	free(r->object);
	free(r->detail);
	free(r->result);
}

int
store_audit_list(struct store *st, const struct store_audit_filter *f,
    struct store_audit_list *out, struct ops_err *err)
{
	static const struct store_audit_filter	 none;
	sqlite3_stmt				*stmt = NULL;
	struct store_audit_rec			*v;
	size_t					 cap = 0;
	int					 rc;

	out->v = NULL;
	out->n = 0;
	if (f == NULL)
		f = &none;
	if ((rc = store_stmt(st, f->newest_first ? sql_audit_list_desc :
	    sql_audit_list, &stmt, err)) != OPS_OK)
		return rc;
	sqlite3_bind_int64(stmt, 1, f->from_id > 0 ? f->from_id : 1);
	sqlite3_bind_int64(stmt, 2, f->to_id > 0 ? f->to_id : INT64_MAX);
	sqlite3_bind_int64(stmt, 3, f->since != 0 ? f->since : INT64_MIN);
	sqlite3_bind_int64(stmt, 4, f->until != 0 ? f->until : INT64_MAX);
	store_bind_text(stmt, 5, f->actor);
	store_bind_text(stmt, 6, f->action);
	sqlite3_bind_int64(stmt, 7, f->limit != 0 && f->limit < INT64_MAX ?
	    (int64_t)f->limit : -1);
	while ((rc = sqlite3_step(stmt)) == SQLITE_ROW) {
		if (out->n == cap) {
			cap = cap == 0 ? 32 : cap * 2;
			if ((v = reallocarray(out->v, cap, sizeof(*v))) ==
			    NULL) {
				rc = ops_err_set(err, OPS_E_NOMEM,
				    "list audit records");
				goto out;
			}
			out->v = v;
		}
		if ((rc = load_rec(stmt, &out->v[out->n++], err)) != OPS_OK)
			goto out;
	}
	rc = rc == SQLITE_DONE ? OPS_OK : store_dberr(st, rc, err,
	    "list audit records");
out:
	store_stmt_done(stmt);
	if (rc != OPS_OK)
		store_audit_list_free(out);
	return rc;
}

/* One row of sql_audit_all as hash input (strings borrowed from stmt). */
static void
row_fields(sqlite3_stmt *stmt, struct audit_fields *f)
{
	int	i;

	memset(f, 0, sizeof(*f));
	f->id = sqlite3_column_int64(stmt, 0);
	f->ts = sqlite3_column_int64(stmt, 1);
	for (i = 0; i < 5; i++) {
		f->s[i] = (const char *)sqlite3_column_text(stmt, 2 + i);
		f->len[i] = (size_t)sqlite3_column_bytes(stmt, 2 + i);
	}
}

/*
 * Check one row against the chain so far: prev is the previous record's
 * hash (zeros before the first), *expect the id it must have. On success
 * prev becomes this record's hash.
 */
static int
check_row(sqlite3_stmt *stmt, const unsigned char *key,
    const struct audit_fields *f, unsigned char prev[STORE_HASH_LEN],
    int64_t *expect, struct ops_err *err)
{
	unsigned char	hash[STORE_HASH_LEN];

	if (f->id != *expect || sqlite3_column_bytes(stmt, 7) !=
	    STORE_HASH_LEN || memcmp(sqlite3_column_blob(stmt, 7), prev,
	    STORE_HASH_LEN) != 0)
		return ops_err_set(err, OPS_E_CORRUPT,
		    "audit record %lld: chain broken (record %lld "
		    "missing or changed)", (long long)f->id,
		    (long long)(f->id != *expect ? *expect : f->id - 1));
	audit_hash(key, prev, f, hash);
	if (sqlite3_column_bytes(stmt, 8) != STORE_HASH_LEN ||
	    memcmp(sqlite3_column_blob(stmt, 8), hash, STORE_HASH_LEN) != 0)
		return ops_err_set(err, OPS_E_CORRUPT,
		    "audit record %lld: hash mismatch", (long long)f->id);
	memcpy(prev, hash, STORE_HASH_LEN);
	*expect = f->id + 1;
	return OPS_OK;
}

int
store_audit_verify(struct store *st, int64_t *first_broken,
    struct store_audit_head *head, struct ops_err *err)
{
	sqlite3_stmt		*stmt = NULL;
	struct audit_fields	 f;
	unsigned char		 prev[STORE_HASH_LEN];
	int64_t			 expect = 1;
	int			 rc;

	if (first_broken != NULL)
		*first_broken = 0;
	if (head != NULL)
		memset(head, 0, sizeof(*head));
	memset(prev, 0, sizeof(prev));
	if ((rc = store_stmt(st, sql_audit_all, &stmt, err)) != OPS_OK)
		return rc;
	while ((rc = sqlite3_step(stmt)) == SQLITE_ROW) {
		row_fields(stmt, &f);
		if ((rc = check_row(stmt, keyring_audit_key(st->kr), &f, prev,
		    &expect, err)) != OPS_OK) {
			if (first_broken != NULL)
				*first_broken = f.id;
			store_stmt_done(stmt);
			return rc;
		}
	}
	rc = rc == SQLITE_DONE ? OPS_OK : store_dberr(st, rc, err,
	    "read audit trail");
	store_stmt_done(stmt);
	if (rc == OPS_OK && head != NULL) {
		head->id = expect - 1;
		memcpy(head->hash, prev, STORE_HASH_LEN);
	}
	return rc;
}

int
store_audit_head(struct store *st, struct store_audit_head *head,
    struct ops_err *err)
{
	sqlite3_stmt	*stmt = NULL;
	int		 rc;

	memset(head, 0, sizeof(*head));
	if ((rc = store_stmt(st, sql_audit_last, &stmt, err)) != OPS_OK)
		return rc;
	if ((rc = sqlite3_step(stmt)) == SQLITE_ROW) {
		head->id = sqlite3_column_int64(stmt, 0);
		if (sqlite3_column_bytes(stmt, 1) == STORE_HASH_LEN)
			memcpy(head->hash, sqlite3_column_blob(stmt, 1),
			    STORE_HASH_LEN);
		rc = OPS_OK;
	} else if (rc == SQLITE_DONE)
		rc = OPS_OK;
	else
		rc = store_dberr(st, rc, err, "read audit trail");
	store_stmt_done(stmt);
	return rc;
}

static const char sql_audit_rehash[] =
	"UPDATE audit SET prev_hash = ?1, hash = ?2 WHERE id = ?3";

/*
 * Schema 4: the chain becomes keyed. Every record is first checked
 * against the unkeyed chain it was written with (a trail altered before
 * the upgrade is refused, not blessed), then rehashed with the audit
 * key. Runs inside the migration's transaction, before its SQL: it
 * drops the update trigger, which migration 4 then makes again.
 */
int
store_audit_rekey(struct store *st, struct ops_err *err)
{
	sqlite3_stmt		*all = NULL, *upd = NULL;
	struct audit_fields	 f;
	struct ops_err		 why;
	unsigned char		 old[STORE_HASH_LEN], prev[STORE_HASH_LEN];
	unsigned char		 hash[STORE_HASH_LEN];
	int64_t			 expect = 1;
	int			 rc;

	memset(old, 0, sizeof(old));
	memset(prev, 0, sizeof(prev));
	if ((rc = sqlite3_exec(st->db, "DROP TRIGGER audit_no_update", NULL,
	    NULL, NULL)) != SQLITE_OK)
		return store_dberr(st, rc, err, "rekey audit trail");
	if ((rc = sqlite3_prepare_v2(st->db, sql_audit_all, -1, &all,
	    NULL)) != SQLITE_OK ||
	    (rc = sqlite3_prepare_v2(st->db, sql_audit_rehash, -1, &upd,
	    NULL)) != SQLITE_OK) {
		rc = store_dberr(st, rc, err, "rekey audit trail");
		goto out;
	}
	while ((rc = sqlite3_step(all)) == SQLITE_ROW) {
		row_fields(all, &f);
		if ((rc = check_row(all, NULL, &f, old, &expect, &why)) !=
		    OPS_OK) {
			ops_err_set(err, rc, "migrate store %s to a keyed audit "
			    "chain: %s; the trail was altered before this "
			    "upgrade", st->path, ops_err_msg(&why));
			goto out;
		}
		audit_hash(keyring_audit_key(st->kr), prev, &f, hash);
		sqlite3_bind_blob(upd, 1, prev, STORE_HASH_LEN, SQLITE_STATIC);
		sqlite3_bind_blob(upd, 2, hash, STORE_HASH_LEN, SQLITE_STATIC);
		sqlite3_bind_int64(upd, 3, f.id);
		rc = sqlite3_step(upd);
		sqlite3_reset(upd);
		if (rc != SQLITE_DONE) {
			rc = store_dberr(st, rc, err, "rekey audit record %lld",
			    (long long)f.id);
			goto out;
		}
		memcpy(prev, hash, STORE_HASH_LEN);
	}
	if (rc != SQLITE_DONE) {
		rc = store_dberr(st, rc, err, "rekey audit trail");
		goto out;
	}
	rc = OPS_OK;
out:
	sqlite3_finalize(all);
	sqlite3_finalize(upd);
	return rc;
}

void
store_audit_list_free(struct store_audit_list *l)
{
	size_t	i;

	if (l == NULL)
		return;
	for (i = 0; i < l->n; i++)
		rec_clear(&l->v[i]);
	free(l->v);
	l->v = NULL;
	l->n = 0;
}

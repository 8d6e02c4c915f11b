/*
 * store-totp.c: TOTP secrets (sealed), approver links and link codes
 * (store-totp.h).
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "seal.h"
#include "store-int.h"
#include "store-totp.h"

static const char sql_totp_put[] =
	"INSERT INTO totp_users (uid, secret, state, last_step, failures,"
	" window_start, created) VALUES (?1, ?2, 'pending', 0, 0, 0, ?3)"
	" ON CONFLICT (uid) DO UPDATE SET secret = ?2, state = 'pending',"
	" last_step = 0, failures = 0, window_start = 0, created = ?3";
static const char sql_totp_get[] =
	"SELECT state, last_step, failures, window_start, created, secret"
	" FROM totp_users WHERE uid = ?1";
static const char sql_totp_accept[] =
	"UPDATE totp_users SET last_step = ?2, failures = 0,"
	" window_start = 0,"
	" state = CASE WHEN ?3 THEN 'active' ELSE state END"
	" WHERE uid = ?1 AND last_step < ?2";
static const char sql_totp_exists[] =
	"SELECT 1 FROM totp_users WHERE uid = ?1";
static const char sql_totp_failures[] =
	"UPDATE totp_users SET failures = ?2, window_start = ?3"
	" WHERE uid = ?1";
static const char sql_totp_delete[] =
	"DELETE FROM totp_users WHERE uid = ?1";

static const char sql_code_drop[] =
	"DELETE FROM link_codes WHERE (uid = ?1 AND service = ?2)"
	" OR expires < ?3";
static const char sql_code_add[] =
	"INSERT INTO link_codes (hash, uid, service, expires, used, created)"
	" VALUES (?1, ?2, ?3, ?4, 0, ?5)";
static const char sql_code_take[] =
	"UPDATE link_codes SET used = 1 WHERE hash = ?1 AND service = ?2"
	" AND used = 0 AND expires > ?3 RETURNING uid";
static const char sql_link_put[] =
	"INSERT INTO approver_links (service, account, uid, created)"
	" VALUES (?1, ?2, ?3, ?4) ON CONFLICT (service, account)"
	" DO UPDATE SET uid = ?3, created = ?4";
static const char sql_link_lookup[] =
	"SELECT uid FROM approver_links WHERE service = ?1 AND account = ?2";
static const char sql_link_list[] =
	"SELECT service, account, uid, created FROM approver_links"
	" WHERE ?1 < 0 OR uid = ?1 ORDER BY service, account";
static const char sql_link_delete[] =
	"DELETE FROM approver_links WHERE service = ?1 AND account = ?2"
	" AND (?3 < 0 OR uid = ?3)";

static void
owner_of(int64_t uid, char *buf, size_t len)
{
	snprintf(buf, len, "totp:%lld", (long long)uid);
}

/* Step a statement that returns no row. */
static int
step_done(struct store *st, sqlite3_stmt *stmt, const char *what,
    struct ops_err *err)
{
	int	rc = sqlite3_step(stmt);

	if (rc != SQLITE_DONE)
		return store_dberr(st, rc, err, "%s", what);
	return OPS_OK;
}

int
store_link_service_valid(const char *s)
{
	size_t	i;

	if (s == NULL || *s == '\0' || strlen(s) > STORE_LINK_SERVICE_MAX)
		return 0;
	for (i = 0; s[i] != '\0'; i++)
		if (s[i] < 'a' || s[i] > 'z')
			return 0;
	return 1;
}

static int
check_account(const char *service, const char *account, struct ops_err *err)
{
	if (!store_link_service_valid(service))
		return ops_err_set(err, OPS_E_INVAL, "unknown approver service "
		    "\"%.32s\"", service != NULL ? service : "");
	if (account == NULL || *account == '\0')
		return ops_err_set(err, OPS_E_INVAL, "%s account id is empty",
		    service);
	return store_check_text("account id", account, STORE_LINK_ACCOUNT_MAX,
	    0, err);
}

int
store_totp_put(struct store *st, int64_t uid, const struct secret *key,
    struct ops_err *err)
{
	sqlite3_stmt	*stmt = NULL;
	unsigned char	*blob = NULL;
	size_t		 blen = 0;
	char		 owner[32];
	int		 rc;

	owner_of(uid, owner, sizeof(owner));
	if ((rc = seal_secret(st->kr, owner, "secret", key, &blob, &blen,
	    err)) != OPS_OK)
		return rc;
	if ((rc = store_tx_enter(st, err)) != OPS_OK)
		goto out;
	if ((rc = store_stmt(st, sql_totp_put, &stmt, err)) == OPS_OK) {
		sqlite3_bind_int64(stmt, 1, uid);
		sqlite3_bind_blob(stmt, 2, blob, (int)blen, SQLITE_STATIC);
		sqlite3_bind_int64(stmt, 3, store_now_ms());
		rc = step_done(st, stmt, "store a TOTP secret", err);
		store_stmt_done(stmt);
	}
	rc = store_tx_leave(st, rc, err);
out:
	free(blob);
	return rc;
}

int
store_totp_get(struct store *st, int64_t uid, struct store_totp_user *u,
    struct secret **key, struct ops_err *err)
{
	sqlite3_stmt	*stmt = NULL;
	const char	*state;
	char		 owner[32];
	int		 rc;

	memset(u, 0, sizeof(*u));
	if (key != NULL)
		*key = NULL;
	if ((rc = store_stmt(st, sql_totp_get, &stmt, err)) != OPS_OK)
		return rc;
	sqlite3_bind_int64(stmt, 1, uid);
	if ((rc = sqlite3_step(stmt)) == SQLITE_DONE) {
		rc = ops_err_set(err, OPS_E_NOTFOUND, "uid %lld has no TOTP "
		    "enrolled", (long long)uid);
		goto out;
	}
	if (rc != SQLITE_ROW) {
		rc = store_dberr(st, rc, err, "read the TOTP of uid %lld",
		    (long long)uid);
		goto out;
	}
	u->uid = uid;
	state = (const char *)sqlite3_column_text(stmt, 0);
	u->state = state != NULL && strcmp(state, "active") == 0 ?
	    STORE_TOTP_ACTIVE : STORE_TOTP_PENDING;
	u->last_step = sqlite3_column_int64(stmt, 1);
	u->failures = sqlite3_column_int64(stmt, 2);
	u->window_start = sqlite3_column_int64(stmt, 3);
	u->created = sqlite3_column_int64(stmt, 4);
	rc = OPS_OK;
	if (key != NULL) {
		owner_of(uid, owner, sizeof(owner));
		rc = seal_open(st->kr, owner, "secret",
		    sqlite3_column_blob(stmt, 5),
		    (size_t)sqlite3_column_bytes(stmt, 5), key, err);
	}
out:
	store_stmt_done(stmt);
	return rc;
}

static int
totp_exists(struct store *st, int64_t uid, struct ops_err *err)
{
	sqlite3_stmt	*stmt = NULL;
	int		 rc;

	if ((rc = store_stmt(st, sql_totp_exists, &stmt, err)) != OPS_OK)
		return rc;
	sqlite3_bind_int64(stmt, 1, uid);
	rc = sqlite3_step(stmt);
	if (rc == SQLITE_ROW)
		rc = OPS_OK;
	else if (rc == SQLITE_DONE)
		rc = ops_err_set(err, OPS_E_NOTFOUND, "uid %lld has no TOTP "
		    "enrolled", (long long)uid);
	else
		rc = store_dberr(st, rc, err, "read the TOTP of uid %lld",
		    (long long)uid);
	store_stmt_done(stmt);
	return rc;
}

int
store_totp_accept(struct store *st, int64_t uid, int64_t step, int activate,
    struct ops_err *err)
{
	sqlite3_stmt	*stmt = NULL;
	int		 rc;

	if ((rc = store_tx_enter(st, err)) != OPS_OK)
		return rc;
	if ((rc = store_stmt(st, sql_totp_accept, &stmt, err)) == OPS_OK) {
		sqlite3_bind_int64(stmt, 1, uid);
		sqlite3_bind_int64(stmt, 2, step);
		sqlite3_bind_int(stmt, 3, activate != 0);
		rc = step_done(st, stmt, "record a TOTP code", err);
		store_stmt_done(stmt);
		if (rc == OPS_OK && sqlite3_changes(st->db) == 0 &&
		    (rc = totp_exists(st, uid, err)) == OPS_OK)
			rc = ops_err_set(err, OPS_E_PERM, "wrong or reused "
			    "TOTP code");
	}
	return store_tx_leave(st, rc, err);
}

int
store_totp_failures(struct store *st, int64_t uid, int64_t failures,
    int64_t window_start, struct ops_err *err)
{
	sqlite3_stmt	*stmt = NULL;
	int		 rc;

	if ((rc = store_tx_enter(st, err)) != OPS_OK)
		return rc;
	if ((rc = store_stmt(st, sql_totp_failures, &stmt, err)) == OPS_OK) {
		sqlite3_bind_int64(stmt, 1, uid);
		sqlite3_bind_int64(stmt, 2, failures);
		sqlite3_bind_int64(stmt, 3, window_start);
		rc = step_done(st, stmt, "record a failed TOTP code", err);
		store_stmt_done(stmt);
	}
	return store_tx_leave(st, rc, err);
}

int
store_totp_delete(struct store *st, int64_t uid, struct ops_err *err)
{
	sqlite3_stmt	*stmt = NULL;
	int		 rc;

	if ((rc = store_tx_enter(st, err)) != OPS_OK)
		return rc;
	if ((rc = store_stmt(st, sql_totp_delete, &stmt, err)) == OPS_OK) {
		sqlite3_bind_int64(stmt, 1, uid);
		rc = step_done(st, stmt, "remove a TOTP secret", err);
		store_stmt_done(stmt);
		if (rc == OPS_OK && sqlite3_changes(st->db) == 0)
			rc = ops_err_set(err, OPS_E_NOTFOUND, "uid %lld has no "
			    "TOTP enrolled", (long long)uid);
	}
	return store_tx_leave(st, rc, err);
}

int
store_link_code_add(struct store *st,
    const unsigned char hash[STORE_LINK_HASH_LEN], int64_t uid,
    const char *service, int64_t expires, struct ops_err *err)
{
	sqlite3_stmt	*stmt = NULL;
	int64_t		 now = store_now_ms();
	int		 rc;

	if (!store_link_service_valid(service))
		return ops_err_set(err, OPS_E_INVAL, "unknown approver service");
	if ((rc = store_tx_enter(st, err)) != OPS_OK)
		return rc;
	if ((rc = store_stmt(st, sql_code_drop, &stmt, err)) == OPS_OK) {
		sqlite3_bind_int64(stmt, 1, uid);
		store_bind_text(stmt, 2, service);
		sqlite3_bind_int64(stmt, 3, now);
		rc = step_done(st, stmt, "drop old link codes", err);
		store_stmt_done(stmt);
	}
	if (rc == OPS_OK && (rc = store_stmt(st, sql_code_add, &stmt,
	    err)) == OPS_OK) {
		sqlite3_bind_blob(stmt, 1, hash, STORE_LINK_HASH_LEN,
		    SQLITE_STATIC);
		sqlite3_bind_int64(stmt, 2, uid);
		store_bind_text(stmt, 3, service);
		sqlite3_bind_int64(stmt, 4, expires);
		sqlite3_bind_int64(stmt, 5, now);
		rc = step_done(st, stmt, "store a link code", err);
		store_stmt_done(stmt);
	}
	return store_tx_leave(st, rc, err);
}

static int
link_put(struct store *st, const char *service, const char *account,
    int64_t uid, struct ops_err *err)
{
	sqlite3_stmt	*stmt = NULL;
	int		 rc;

	if ((rc = store_stmt(st, sql_link_put, &stmt, err)) != OPS_OK)
		return rc;
	store_bind_text(stmt, 1, service);
	store_bind_text(stmt, 2, account);
	sqlite3_bind_int64(stmt, 3, uid);
	sqlite3_bind_int64(stmt, 4, store_now_ms());
	rc = step_done(st, stmt, "link an approver account", err);
	store_stmt_done(stmt);
	return rc;
}

int
store_link_redeem(struct store *st,
    const unsigned char hash[STORE_LINK_HASH_LEN], const char *service,
    const char *account, int64_t now, int64_t *uid, struct ops_err *err)
{
	sqlite3_stmt	*stmt = NULL;
	int		 rc;

	*uid = -1;
	if ((rc = check_account(service, account, err)) != OPS_OK)
		return rc;
	if ((rc = store_tx_enter(st, err)) != OPS_OK)
		return rc;
	if ((rc = store_stmt(st, sql_code_take, &stmt, err)) == OPS_OK) {
		sqlite3_bind_blob(stmt, 1, hash, STORE_LINK_HASH_LEN,
		    SQLITE_STATIC);
		store_bind_text(stmt, 2, service);
		sqlite3_bind_int64(stmt, 3, now);
		if ((rc = sqlite3_step(stmt)) == SQLITE_ROW) {
			*uid = sqlite3_column_int64(stmt, 0);
			rc = sqlite3_step(stmt) == SQLITE_DONE ? OPS_OK :
			    store_dberr(st, SQLITE_ERROR, err, "redeem a "
			    "link code");
		} else if (rc == SQLITE_DONE)
			rc = ops_err_set(err, OPS_E_NOTFOUND, "unknown, used "
			    "or expired link code");
		else
			rc = store_dberr(st, rc, err, "redeem a link code");
		store_stmt_done(stmt);
	}
	if (rc == OPS_OK)
		rc = link_put(st, service, account, *uid, err);
	if (rc != OPS_OK)
		*uid = -1;
	return store_tx_leave(st, rc, err);
}

int
store_link_lookup(struct store *st, const char *service, const char *account,
    int64_t *uid, struct ops_err *err)
{
	sqlite3_stmt	*stmt = NULL;
	int		 rc;

	*uid = -1;
	if ((rc = check_account(service, account, err)) != OPS_OK)
		return rc;
	if ((rc = store_stmt(st, sql_link_lookup, &stmt, err)) != OPS_OK)
		return rc;
	store_bind_text(stmt, 1, service);
	store_bind_text(stmt, 2, account);
	if ((rc = sqlite3_step(stmt)) == SQLITE_ROW) {
		*uid = sqlite3_column_int64(stmt, 0);
		rc = OPS_OK;
	} else if (rc == SQLITE_DONE)
		rc = ops_err_set(err, OPS_E_NOTFOUND, "%s account %.64s is not "
		    "linked to a local user", service, account);
	else
		rc = store_dberr(st, rc, err, "look up a %s link", service);
	store_stmt_done(stmt);
	return rc;
}

void
store_link_list_free(struct store_link_list *l)
{
	size_t	i;

	if (l == NULL)
		return;
	for (i = 0; i < l->n; i++) {
		free(l->v[i].service);
		free(l->v[i].account);
	}
	free(l->v);
	l->v = NULL;
	l->n = 0;
}

int
store_link_list(struct store *st, int64_t uid, struct store_link_list *out,
    struct ops_err *err)
{
	sqlite3_stmt		*stmt = NULL;
	struct store_link	*nv, *l;
	int			 rc;

	out->v = NULL;
	out->n = 0;
	if ((rc = store_stmt(st, sql_link_list, &stmt, err)) != OPS_OK)
		return rc;
	sqlite3_bind_int64(stmt, 1, uid);
	while ((rc = sqlite3_step(stmt)) == SQLITE_ROW) {
		if ((nv = reallocarray(out->v, out->n + 1,
		    sizeof(*nv))) == NULL) {
			rc = ops_err_set(err, OPS_E_NOMEM, "list links");
			goto out;
		}
		out->v = nv;
		l = &out->v[out->n++];
		memset(l, 0, sizeof(*l));
		if (store_col_str(stmt, 0, &l->service) != OPS_OK ||
		    store_col_str(stmt, 1, &l->account) != OPS_OK) {
			rc = ops_err_set(err, OPS_E_NOMEM, "list links");
			goto out;
		}
		l->uid = sqlite3_column_int64(stmt, 2);
		l->created = sqlite3_column_int64(stmt, 3);
	}
	rc = rc == SQLITE_DONE ? OPS_OK : store_dberr(st, rc, err,
	    "list approver links");
out:
	store_stmt_done(stmt);
	if (rc != OPS_OK)
		store_link_list_free(out);
	return rc;
}

int
store_link_delete(struct store *st, const char *service, const char *account,
    int64_t uid, struct ops_err *err)
{
	sqlite3_stmt	*stmt = NULL;
	int		 rc;

	if ((rc = check_account(service, account, err)) != OPS_OK)
		return rc;
	if ((rc = store_tx_enter(st, err)) != OPS_OK)
		return rc;
	if ((rc = store_stmt(st, sql_link_delete, &stmt, err)) == OPS_OK) {
		store_bind_text(stmt, 1, service);
		store_bind_text(stmt, 2, account);
		sqlite3_bind_int64(stmt, 3, uid);
		rc = step_done(st, stmt, "unlink an approver account", err);
		store_stmt_done(stmt);
		if (rc == OPS_OK && sqlite3_changes(st->db) == 0)
			rc = ops_err_set(err, OPS_E_NOTFOUND, "no link of %s "
			    "account %.64s%s", service, account, uid < 0 ? "" :
			    " of yours");
	}
	return store_tx_leave(st, rc, err);
}

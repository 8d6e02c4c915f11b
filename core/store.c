/*
 * store.c: open and close the encrypted store, transactions, statement
 * cache, backup and integrity checks (see store.h).
 */
#include "config.h"

#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "store-int.h"

#define STORE_BUSY_MS		5000

int64_t
store_now_ms(void)
{
	struct timespec	ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

char *
store_strdup(const char *s)
{
	return s == NULL ? NULL : strdup(s);
}

/* Map a SQLite result code (and the VFS's reason) onto OPS_E_*. */
static int
store_map_rc(sqlite3 *db, int rc)
{
	switch (rc & 0xff) {
	case SQLITE_NOTADB:
		return vfscrypt_map_error(db, rc, "open", NULL);
	case SQLITE_CORRUPT:
		return OPS_E_CORRUPT;
	case SQLITE_IOERR:
		return rc == SQLITE_IOERR_DATA ? OPS_E_CORRUPT : OPS_E_IO;
	case SQLITE_BUSY:
	case SQLITE_LOCKED:
		return OPS_E_LOCKED;
	case SQLITE_CANTOPEN:
	case SQLITE_FULL:
		return OPS_E_IO;
	case SQLITE_PERM:
	case SQLITE_READONLY:
	case SQLITE_AUTH:
		return OPS_E_PERM;
	case SQLITE_NOMEM:
		return OPS_E_NOMEM;
	case SQLITE_TOOBIG:
		return OPS_E_TOOBIG;
	case SQLITE_CONSTRAINT:
		return rc == SQLITE_CONSTRAINT_UNIQUE ||
		    rc == SQLITE_CONSTRAINT_PRIMARYKEY ? OPS_E_EXISTS :
		    OPS_E_INVAL;
	default:
		return OPS_E_DB;
	}
}

int
store_dberr(struct store *st, int rc, struct ops_err *err, const char *fmt,
    ...)
{
	char		 what[160];
	const char	*why = NULL, *msg;
	va_list		 ap;
	int		 code;

	va_start(ap, fmt);
	vsnprintf(what, sizeof(what), fmt, ap);
	va_end(ap);
	code = store_map_rc(st != NULL ? st->db : NULL, rc);
	if (st != NULL && st->db != NULL) {
		msg = sqlite3_errmsg(st->db);
		why = vfscrypt_db_reason(st->db);
	} else
		msg = sqlite3_errstr(rc);
	if (why != NULL)
		return ops_err_set(err, code, "%s: %s (%s)", what, msg, why);
	return ops_err_set(err, code, "%s: %s", what, msg);
}

int
store_stmt(struct store *st, const char *sql, sqlite3_stmt **out,
    struct ops_err *err)
{
	struct store_stmt_slot	*free_slot = NULL;
	size_t			 i;
	int			 rc;

	*out = NULL;
	for (i = 0; i < STORE_STMT_CACHE; i++) {
		if (st->stmts[i].sql == sql) {
			*out = st->stmts[i].stmt;
			return OPS_OK;
		}
		if (st->stmts[i].sql == NULL && free_slot == NULL)
			free_slot = &st->stmts[i];
	}
	if (free_slot == NULL)
		return ops_err_set(err, OPS_E_INTERNAL,
		    "prepare statement: cache full");
	rc = sqlite3_prepare_v3(st->db, sql, -1, SQLITE_PREPARE_PERSISTENT,
	    out, NULL);
	if (rc != SQLITE_OK)
		return store_dberr(st, rc, err, "prepare statement");
	free_slot->sql = sql;
	free_slot->stmt = *out;
	return OPS_OK;
}

void
store_stmt_done(sqlite3_stmt *stmt)
{
	if (stmt == NULL)
		return;
	sqlite3_reset(stmt);
	sqlite3_clear_bindings(stmt);
}

static int
store_exec(struct store *st, const char *sql, struct ops_err *err)
{
	int	rc;

	if ((rc = sqlite3_exec(st->db, sql, NULL, NULL, NULL)) != SQLITE_OK)
		return store_dberr(st, rc, err, "run \"%.40s\"", sql);
	return OPS_OK;
}

int
store_tx_enter(struct store *st, struct ops_err *err)
{
	int	owned, rc;

	if (st->tx_depth >= STORE_TX_DEPTH_MAX)
		return ops_err_set(err, OPS_E_INTERNAL,
		    "begin transaction: nested too deeply");
	owned = sqlite3_get_autocommit(st->db);
	rc = store_exec(st, owned ? "BEGIN IMMEDIATE" : "SAVEPOINT op", err);
	if (rc != OPS_OK)
		return rc;
	st->tx_owned[st->tx_depth++] = owned;
	return OPS_OK;
}

int
store_tx_leave(struct store *st, int rc, struct ops_err *err)
{
	int	owned, rc2;

	if (st->tx_depth == 0)
		return rc != OPS_OK ? rc : ops_err_set(err, OPS_E_INTERNAL,
		    "end transaction: none open");
	owned = st->tx_owned[--st->tx_depth];
	if (rc == OPS_OK) {
		rc2 = store_exec(st, owned ? "COMMIT" : "RELEASE op", err);
		if (rc2 == OPS_OK)
			return OPS_OK;
		rc = rc2;
	}
	/* Keep the first error; rolling back cannot make it better. */
	if (owned) {
		if (!sqlite3_get_autocommit(st->db))
			sqlite3_exec(st->db, "ROLLBACK", NULL, NULL, NULL);
	} else
		sqlite3_exec(st->db, "ROLLBACK TO op; RELEASE op", NULL, NULL,
		    NULL);
	return rc;
}

int
store_tx_begin(struct store *st, struct ops_err *err)
{
	int	rc;

	if (st->user_tx || !sqlite3_get_autocommit(st->db))
		return ops_err_set(err, OPS_E_INVAL,
		    "begin transaction: one is already open");
	if ((rc = store_tx_enter(st, err)) == OPS_OK)
		st->user_tx = 1;
	return rc;
}

int
store_tx_commit(struct store *st, struct ops_err *err)
{
	if (!st->user_tx)
		return ops_err_set(err, OPS_E_INVAL,
		    "commit transaction: none open");
	st->user_tx = 0;
	return store_tx_leave(st, OPS_OK, err);
}

void
store_tx_rollback(struct store *st)
{
	if (!st->user_tx)
		return;
	st->user_tx = 0;
	store_tx_leave(st, OPS_E_INTERNAL, NULL);
}

int
store_bind_text(sqlite3_stmt *stmt, int idx, const char *s)
{
	if (s == NULL)
		return sqlite3_bind_null(stmt, idx);
	return sqlite3_bind_text(stmt, idx, s, -1, SQLITE_STATIC);
}

int
store_col_str(sqlite3_stmt *stmt, int col, char **out)
{
	const unsigned char	*p;

	*out = NULL;
	if (sqlite3_column_type(stmt, col) == SQLITE_NULL)
		return OPS_OK;
	if ((p = sqlite3_column_text(stmt, col)) == NULL)
		return OPS_E_NOMEM;
	if ((*out = strdup((const char *)p)) == NULL)
		return OPS_E_NOMEM;
	return OPS_OK;
}

int
store_col_blob(sqlite3_stmt *stmt, int col, unsigned char **out,
    size_t *len)
{
	const void	*p;
	int		 n;

	*out = NULL;
	*len = 0;
	if (sqlite3_column_type(stmt, col) == SQLITE_NULL)
		return OPS_OK;
	p = sqlite3_column_blob(stmt, col);
	n = sqlite3_column_bytes(stmt, col);
	/* Always allocate, so an empty blob is not NULL. */
	if ((*out = malloc(n > 0 ? (size_t)n : 1)) == NULL)
		return OPS_E_NOMEM;
	if (n > 0)
		memcpy(*out, p, n);
	*len = n;
	return OPS_OK;
}

int
store_name_valid(const char *name)
{
	/* One rule for names, shared with the selectors that name them. */
	return selector_name_valid(name);
}

int
store_check_name(const char *what, const char *name, struct ops_err *err)
{
	size_t	i, len;

	if (name == NULL || *name == '\0')
		return ops_err_set(err, OPS_E_INVAL, "%s name is empty", what);
	len = strlen(name);
	if (len > STORE_NAME_MAX)
		return ops_err_set(err, OPS_E_INVAL,
		    "%s name is %zu characters, longer than %d", what, len,
		    STORE_NAME_MAX);
	if (name[0] == '-')
		return ops_err_set(err, OPS_E_INVAL,
		    "%s name \"%s\" starts with '-'", what, name);
	for (i = 0; i < len; i++) {
		if (strchr("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
		    "0123456789._-", name[i]) == NULL)
			return ops_err_set(err, OPS_E_INVAL,
			    "%s name \"%.*s...\": character 0x%02x not allowed "
			    "(use A-Z a-z 0-9 . _ -)", what, (int)i, name,
			    (unsigned char)name[i]);
	}
	return OPS_OK;
}

int
store_check_text(const char *what, const char *s, size_t max,
    int allow_newlines, struct ops_err *err)
{
	size_t		 i, len;
	unsigned char	 c;

	if (s == NULL)
		return OPS_OK;
	len = strlen(s);
	if (len > max)
		return ops_err_set(err, max >= STORE_BODY_MAX ? OPS_E_TOOBIG :
		    OPS_E_INVAL, "%s is %zu bytes, longer than %zu", what, len,
		    max);
	for (i = 0; i < len; i++) {
		c = (unsigned char)s[i];
		if (c == '\t' || (allow_newlines && (c == '\n' || c == '\r')))
			continue;
		if (c < 0x20 || c == 0x7f)
			return ops_err_set(err, OPS_E_INVAL,
			    "%s holds control character 0x%02x at byte %zu",
			    what, c, i);
	}
	return OPS_OK;
}

sqlite3 *
store_sqlite_handle(struct store *st)
{
	return st->db;
}

const char *
store_vfs_name(struct store *st)
{
	return vfscrypt_name(st->vfs);
}

/* Create the file owner-only when missing, so SQLite inherits the mode
 * for -wal and -shm. */
static int
store_precreate(const char *path, int excl, struct ops_err *err)
{
	int	fd;

	fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
	if (fd == -1) {
		if (errno == EEXIST && !excl)
			return OPS_OK;
		if (errno == EEXIST)
			return ops_err_set(err, OPS_E_EXISTS,
			    "create %s: file exists", path);
		return ops_err_errno(err, OPS_E_IO, "create %s", path);
	}
	close(fd);
	return OPS_OK;
}

/* The VFS's recipe (reserve, page 1 check, WAL, ...) then ours. */
static int
store_prepare_db(struct store *st, struct ops_err *err)
{
	static const char	*const pragmas[] = {
		"PRAGMA cache_size=-32768",
		"PRAGMA foreign_keys=ON",
		"PRAGMA trusted_schema=OFF",
	};
	size_t		 i;
	int		 rc;

	if ((rc = vfscrypt_prepare_db(st->db, err)) != OPS_OK)
		return rc;
	for (i = 0; i < sizeof(pragmas) / sizeof(pragmas[0]); i++) {
		rc = sqlite3_exec(st->db, pragmas[i], NULL, NULL, NULL);
		if (rc != SQLITE_OK)
			return store_dberr(st, rc, err, "%s on %s",
			    pragmas[i], st->path);
	}
	return OPS_OK;
}

int
store_open(const char *path, const struct keyring *kr, struct store **out,
    struct ops_err *err)
{
	return store_open_flags(path, kr, 0, out, err);
}

int
store_open_flags(const char *path, const struct keyring *kr, int oflags,
    struct store **out, struct ops_err *err)
{
	struct store	*st = NULL;
	struct stat	 sb;
	char		 name[64];
	int		 rc, flags, existed, version;

	*out = NULL;
	if (path == NULL || kr == NULL)
		return ops_err_set(err, OPS_E_INVAL, "open store: no %s",
		    path == NULL ? "path" : "keyring");
	if ((rc = ops_crypto_init(err)) != OPS_OK)
		return rc;
	if ((st = calloc(1, sizeof(*st))) == NULL ||
	    (st->path = strdup(path)) == NULL) {
		rc = ops_err_set(err, OPS_E_NOMEM, "open store %s", path);
		goto out;
	}
	st->kr = kr;
	st->flags = oflags;
	st->output_cap = STORE_OUTPUT_CAP;
	snprintf(name, sizeof(name), "opsicle-%p", (void *)st);
	if ((rc = vfscrypt_new(name, keyring_page_key(kr), keyring_db_id(kr),
	    &st->vfs, err)) != OPS_OK)
		goto out;
	existed = stat(path, &sb) == 0 && sb.st_size > 0;
	if ((rc = store_state_load(st, existed, err)) != OPS_OK)
		goto out;
	if ((rc = store_precreate(path, 0, err)) != OPS_OK)
		goto out;
	/* NOMUTEX: one event-loop thread owns the connection. */
	flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE |
	    SQLITE_OPEN_NOMUTEX | SQLITE_OPEN_EXRESCODE;
	if ((rc = sqlite3_open_v2(path, &st->db, flags,
	    vfscrypt_name(st->vfs))) != SQLITE_OK) {
		rc = store_dberr(st, rc, err, "open store %s", path);
		goto out;
	}
	sqlite3_extended_result_codes(st->db, 1);
	sqlite3_busy_timeout(st->db, STORE_BUSY_MS);
	/* No ATTACH: a URI there could bypass the encrypting VFS. */
	sqlite3_limit(st->db, SQLITE_LIMIT_ATTACHED, 0);
	sqlite3_db_config(st->db, SQLITE_DBCONFIG_DEFENSIVE, 1, NULL);
	sqlite3_db_config(st->db, SQLITE_DBCONFIG_TRUSTED_SCHEMA, 0, NULL);
	if ((rc = store_prepare_db(st, err)) != OPS_OK)
		goto out;
	if ((version = store_schema_version(st)) < 0) {
		rc = store_dberr(st, SQLITE_ERROR, err, "read schema version "
		    "of %s", path);
		goto out;
	}
	if ((rc = store_state_check(st, existed, version, err)) != OPS_OK ||
	    (rc = store_migrate(st, err)) != OPS_OK)
		goto out;
	rc = store_state_begin(st, err);
out:
	if (rc != OPS_OK) {
		store_close(st);
		return rc;
	}
	*out = st;
	return OPS_OK;
}

void
store_close(struct store *st)
{
	sqlite3_stmt	*stmt;
	size_t		 i;
	int		 clean;

	if (st == NULL)
		return;
	/* Before the statement cache goes: it reads the audit head. */
	clean = store_state_quiesce(st);
	for (i = 0; i < STORE_STMT_CACHE; i++)
		sqlite3_finalize(st->stmts[i].stmt);
	if (st->db != NULL) {
		if (!sqlite3_get_autocommit(st->db))
			sqlite3_exec(st->db, "ROLLBACK", NULL, NULL, NULL);
		while ((stmt = sqlite3_next_stmt(st->db, NULL)) != NULL)
			sqlite3_finalize(stmt);
		if (sqlite3_close(st->db) == SQLITE_OK && clean)
			store_state_mark_clean(st);
	}
	vfscrypt_free(st->vfs);
	free(st->path);
	free(st);
}

void
store_set_output_cap(struct store *st, size_t cap)
{
	st->output_cap = cap;
}

int
store_schema_version(struct store *st)
{
	sqlite3_stmt	*stmt = NULL;
	int		 rc, v;

	if ((rc = store_stmt(st, "PRAGMA user_version", &stmt, NULL)) != OPS_OK)
		return rc;
	if (sqlite3_step(stmt) == SQLITE_ROW)
		v = sqlite3_column_int(stmt, 0);
	else
		v = OPS_E_DB;
	store_stmt_done(stmt);
	return v;
}

int
store_backup(struct store *st, const char *dest_path, struct ops_err *err)
{
	sqlite3		*dest = NULL;
	sqlite3_backup	*bk;
	struct stat	 sb;
	int		 rc, created = 0;

	if (dest_path == NULL || *dest_path == '\0')
		return ops_err_set(err, OPS_E_INVAL, "back up store: no path");
	if (lstat(dest_path, &sb) == 0)
		return ops_err_set(err, OPS_E_EXISTS,
		    "back up store to %s: file exists", dest_path);
	if ((rc = store_precreate(dest_path, 1, err)) != OPS_OK)
		return rc;
	created = 1;
	/* Same VFS instance, so the copy is sealed under the same key. */
	if ((rc = sqlite3_open_v2(dest_path, &dest, SQLITE_OPEN_READWRITE |
	    SQLITE_OPEN_NOMUTEX, vfscrypt_name(st->vfs))) != SQLITE_OK) {
		rc = ops_err_set(err, store_map_rc(dest, rc),
		    "back up store to %s: %s", dest_path,
		    dest != NULL ? sqlite3_errmsg(dest) : sqlite3_errstr(rc));
		goto out;
	}
	if ((rc = vfscrypt_prepare_db(dest, err)) != OPS_OK)
		goto out;
	if ((bk = sqlite3_backup_init(dest, "main", st->db, "main")) == NULL) {
		rc = ops_err_set(err, OPS_E_DB, "back up store to %s: %s",
		    dest_path, sqlite3_errmsg(dest));
		goto out;
	}
	rc = sqlite3_backup_step(bk, -1);
	sqlite3_backup_finish(bk);
	if (rc != SQLITE_DONE) {
		rc = ops_err_set(err, store_map_rc(dest, rc),
		    "back up store to %s: %s", dest_path, sqlite3_errstr(rc));
		goto out;
	}
	rc = OPS_OK;
out:
	if (dest != NULL && sqlite3_close(dest) != SQLITE_OK && rc == OPS_OK)
		rc = ops_err_set(err, OPS_E_DB, "close backup %s", dest_path);
	/* The copy opens only with its own state file (see store.h). */
	if (rc == OPS_OK)
		rc = store_state_backup(st, dest_path, err);
	if (rc != OPS_OK && created)
		unlink(dest_path);
	return rc;
}

int
store_integrity_check(struct store *st, struct ops_err *err)
{
	sqlite3_stmt	*stmt = NULL;
	const char	*msg;
	int		 rc, step;

	if ((rc = store_stmt(st, "PRAGMA integrity_check(1)", &stmt,
	    err)) != OPS_OK)
		return rc;
	step = sqlite3_step(stmt);
	if (step != SQLITE_ROW)
		rc = store_dberr(st, step, err, "check store %s", st->path);
	else if ((msg = (const char *)sqlite3_column_text(stmt, 0)) == NULL ||
	    strcmp(msg, "ok") != 0)
		rc = ops_err_set(err, OPS_E_CORRUPT, "check store %s: %s",
		    st->path, msg != NULL ? msg : "no answer");
	store_stmt_done(stmt);
	if (rc != OPS_OK)
		return rc;
	if ((rc = store_stmt(st, "PRAGMA foreign_key_check", &stmt,
	    err)) != OPS_OK)
		return rc;
	step = sqlite3_step(stmt);
	if (step == SQLITE_ROW)
		rc = ops_err_set(err, OPS_E_CORRUPT,
		    "check store %s: foreign key violation in table %s row "
		    "%lld", st->path, sqlite3_column_text(stmt, 0),
		    (long long)sqlite3_column_int64(stmt, 1));
	else if (step != SQLITE_DONE)
		rc = store_dberr(st, step, err, "check store %s", st->path);
	store_stmt_done(stmt);
	return rc;
}

/*
 * vfs-crypt-db.c: helpers for connections on the encrypting VFS: process
 * setup, the per-connection recipe (reserve bytes, WAL, PRAGMAs), error
 * mapping and reading a file's prefix without a key.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "secret.h"
#include "vfs-crypt-int.h"

int
vfscrypt_global_init(struct ops_err *err)
{
	int	rc;

	if ((rc = ops_crypto_init(err)) != OPS_OK)
		return rc;
	if (sqlite3_config(SQLITE_CONFIG_URI, 0) != SQLITE_OK)
		return ops_err_set(err, OPS_E_INTERNAL, "turn off SQLite URI "
		    "filenames: SQLite is already initialised (call "
		    "vfscrypt_global_init first)");
	if ((rc = sqlite3_initialize()) != SQLITE_OK)
		return ops_err_set(err, OPS_E_DB, "initialise SQLite: %s",
		    sqlite3_errstr(rc));
	return OPS_OK;
}

/* The main file of db if it is open through an encrypting VFS. */
static struct vc_file *
vc_db_file(sqlite3 *db)
{
	sqlite3_file	*fp = NULL;

	if (db == NULL || sqlite3_file_control(db, "main",
	    SQLITE_FCNTL_FILE_POINTER, &fp) != SQLITE_OK || fp == NULL ||
	    fp->pMethods != &vfscrypt_io_methods)
		return NULL;
	return (struct vc_file *)fp;
}

const char *
vfscrypt_db_reason(sqlite3 *db)
{
	struct vc_file	*f = vc_db_file(db);

	if (f == NULL || f->why == VC_WHY_NONE)
		return NULL;
	return f->reason;
}

static const char *
vc_db_path(sqlite3 *db)
{
	const char	*p = db != NULL ? sqlite3_db_filename(db, "main") :
			    NULL;

	return p != NULL && *p != '\0' ? p : "database";
}

int
vfscrypt_map_error(sqlite3 *db, int rc, const char *action,
    struct ops_err *err)
{
	struct vc_file	*f = vc_db_file(db);
	const char	*reason = vfscrypt_db_reason(db);
	const char	*msg = db != NULL ? sqlite3_errmsg(db) : sqlite3_errstr(rc);
	int		 ext = db != NULL ? sqlite3_extended_errcode(db) : rc;
	int		 code;

	if (rc == SQLITE_OK)
		return OPS_OK;
	if (action == NULL)
		action = "use database";
	switch (rc & 0xff) {
	case SQLITE_NOTADB:
		code = OPS_E_CORRUPT;
		if (f != NULL) {
			switch (f->why) {
			case VC_WHY_PLAINTEXT:
				code = OPS_E_PLAINTEXT;
				break;
			case VC_WHY_OTHERDB:
			case VC_WHY_KEYGEN:
			case VC_WHY_BADKEY:
				code = OPS_E_BADKEY;
				break;
			case VC_WHY_VERSION:
				code = OPS_E_VERSION;
				break;
			default:
				break;
			}
		}
		return ops_err_set(err, code, "%s %s: %s", action,
		    vc_db_path(db), reason != NULL ? reason :
		    "file is not a database");
	case SQLITE_CORRUPT:
		return ops_err_set(err, OPS_E_CORRUPT, "%s %s: %s", action,
		    vc_db_path(db), msg);
	case SQLITE_IOERR:
		if (ext == SQLITE_IOERR_DATA || rc == SQLITE_IOERR_DATA)
			return ops_err_set(err, OPS_E_CORRUPT, "%s %s: %s",
			    action, vc_db_path(db), reason != NULL &&
			    (f->why == VC_WHY_PAGE || f->why == VC_WHY_WAL) ?
			    reason :
			    "a page failed authentication");
		return ops_err_set(err, OPS_E_IO, "%s %s: %s", action,
		    vc_db_path(db), msg);
	case SQLITE_CANTOPEN:
	case SQLITE_FULL:
		return ops_err_set(err, OPS_E_IO, "%s %s: %s", action,
		    vc_db_path(db), msg);
	case SQLITE_BUSY:
	case SQLITE_LOCKED:
		return ops_err_set(err, OPS_E_LOCKED, "%s %s: %s", action,
		    vc_db_path(db), msg);
	case SQLITE_NOMEM:
		return ops_err_set(err, OPS_E_NOMEM, "%s %s: out of memory",
		    action, vc_db_path(db));
	default:
		return ops_err_set(err, OPS_E_DB, "%s %s: %s", action,
		    vc_db_path(db), msg);
	}
}

/* Run one statement; copy the first column of its first row to out. */
static int
vc_exec1(sqlite3 *db, const char *sql, char *out, size_t outlen)
{
	sqlite3_stmt		*st = NULL;
	const unsigned char	*t;
	int			 rc;

	if (out != NULL && outlen > 0)
		out[0] = '\0';
	if ((rc = sqlite3_prepare_v2(db, sql, -1, &st, NULL)) != SQLITE_OK)
		return rc;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		if (out != NULL && outlen > 0 && out[0] == '\0' &&
		    (t = sqlite3_column_text(st, 0)) != NULL) {
			strncpy(out, (const char *)t, outlen - 1);
			out[outlen - 1] = '\0';
		}
	}
	sqlite3_finalize(st);
	return rc == SQLITE_DONE ? SQLITE_OK : rc;
}

int
vfscrypt_prepare_db(sqlite3 *db, struct ops_err *err)
{
	static const char *const pragmas[] = {
		"PRAGMA synchronous=NORMAL",
		"PRAGMA temp_store=MEMORY",
		"PRAGMA mmap_size=0",
	};
	struct vc_file	*f;
	char		 mode[32];
	int		 n, rc;
	size_t		 i;

	if (db == NULL)
		return ops_err_set(err, OPS_E_INVAL, "prepare database: no "
		    "connection");
	if ((f = vc_db_file(db)) == NULL)
		return ops_err_set(err, OPS_E_INVAL, "prepare %s: not open "
		    "through the encrypting VFS", vc_db_path(db));
	n = VFSCRYPT_RESERVE;
	if ((rc = sqlite3_file_control(db, "main", SQLITE_FCNTL_RESERVE_BYTES,
	    &n)) != SQLITE_OK)
		return vfscrypt_map_error(db, rc, "reserve page bytes in", err);
	/* Authenticate page 1 now, before anything else. */
	if ((rc = vc_exec1(db, "SELECT count(*) FROM sqlite_schema", NULL,
	    0)) != SQLITE_OK)
		return vfscrypt_map_error(db, rc, "open", err);
	if ((rc = vc_exec1(db, "PRAGMA journal_mode=WAL", mode,
	    sizeof(mode))) != SQLITE_OK)
		return vfscrypt_map_error(db, rc, "switch to WAL", err);
	if (sqlite3_stricmp(mode, "wal") != 0)
		return ops_err_set(err, OPS_E_DB, "switch %s to WAL: journal "
		    "mode stayed %s", vc_db_path(db), mode);
	for (i = 0; i < sizeof(pragmas) / sizeof(pragmas[0]); i++) {
		if ((rc = vc_exec1(db, pragmas[i], NULL, 0)) != SQLITE_OK)
			return vfscrypt_map_error(db, rc, pragmas[i], err);
	}
	n = -1;
	if ((rc = sqlite3_file_control(db, "main", SQLITE_FCNTL_RESERVE_BYTES,
	    &n)) != SQLITE_OK)
		return vfscrypt_map_error(db, rc, "read reserve bytes of", err);
	if (n != VFSCRYPT_RESERVE)
		return ops_err_set(err, OPS_E_CORRUPT, "prepare %s: %d reserved "
		    "bytes per page, need %d", vc_db_path(db), n,
		    VFSCRYPT_RESERVE);
	if (vc_exec1(db, "PRAGMA page_size", mode, sizeof(mode)) !=
	    SQLITE_OK || f->pgsz == 0 || strtol(mode, NULL, 10) !=
	    (long)f->pgsz)
		return ops_err_set(err, OPS_E_CORRUPT, "prepare %s: page size "
		    "%s does not match the file format", vc_db_path(db), mode);
	return OPS_OK;
}

int
vfscrypt_open(struct vfscrypt *v, const char *path, int flags,
    sqlite3 **out, struct ops_err *err)
{
	sqlite3	*db = NULL;
	int	 rc;

	*out = NULL;
	if (flags == 0)
		flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE;
	rc = sqlite3_open_v2(path, &db, flags, v->name);
	if (rc != SQLITE_OK) {
		rc = vfscrypt_map_error(db, rc, "open", err);
		sqlite3_close(db);
		return rc;
	}
	if ((rc = vfscrypt_prepare_db(db, err)) != OPS_OK) {
		sqlite3_close(db);
		return rc;
	}
	*out = db;
	return OPS_OK;
}

int
vfscrypt_peek(const char *path, struct vfscrypt_info *info,
    struct ops_err *err)
{
	unsigned char	pfx[VC_PREFIX_LEN];
	ssize_t		n;
	size_t		got = 0;
	int		fd;

	memset(info, 0, sizeof(*info));
	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) == -1)
		return ops_err_errno(err, errno == ENOENT ? OPS_E_NOTFOUND :
		    OPS_E_IO, "read database prefix of %s", path);
	while (got < sizeof(pfx)) {
		n = pread(fd, pfx + got, sizeof(pfx) - got, (off_t)got);
		if (n == -1 && errno == EINTR)
			continue;
		if (n == -1) {
			close(fd);
			return ops_err_errno(err, OPS_E_IO, "read database "
			    "prefix of %s", path);
		}
		if (n == 0)
			break;
		got += (size_t)n;
	}
	close(fd);
	if (got == 0)
		return ops_err_set(err, OPS_E_NOTFOUND, "read database prefix "
		    "of %s: the file is empty", path);
	if (got < sizeof(pfx))
		return ops_err_set(err, OPS_E_CORRUPT, "read database prefix "
		    "of %s: file too short", path);
	if (memcmp(pfx, VC_SQLITE_MAGIC, VC_PREFIX_LEN) == 0)
		return ops_err_set(err, OPS_E_PLAINTEXT, "read database prefix "
		    "of %s: plaintext database", path);
	if (memcmp(pfx, VC_MAGIC, VC_MAGIC_LEN) != 0)
		return ops_err_set(err, OPS_E_CORRUPT, "read database prefix "
		    "of %s: not an encrypted database", path);
	if (pfx[5] != VC_VERSION)
		return ops_err_set(err, OPS_E_VERSION, "read database prefix "
		    "of %s: unsupported format version %u", path, pfx[5]);
	if (pfx[6] < 10 || pfx[6] > 16)
		return ops_err_set(err, OPS_E_CORRUPT, "read database prefix "
		    "of %s: invalid page size", path);
	info->version = pfx[5];
	info->page_size = 1u << pfx[6];
	info->keygen = pfx[7];
	memcpy(info->db_id, pfx + 8, sizeof(info->db_id));
	return OPS_OK;
}

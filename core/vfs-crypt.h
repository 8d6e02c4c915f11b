/*
 * vfs-crypt.h: a SQLite VFS shim that encrypts every page on disk.
 *
 * Each instance registers a VFS under its own name (never as the
 * default) over the system "unix" VFS, holding the page key and the
 * database id it was given. Main database pages, WAL frame bodies and
 * rollback journal page records are sealed with XChaCha20-Poly1305: a
 * fresh random nonce at each write, nonce (24) and tag (16) in the page's
 * 40 reserved bytes, and the file prefix, a domain byte (D/W/J) and the
 * page number as associated data. Page 1's first 16 bytes hold the file
 * prefix (format magic, version, log2 page size, key generation, database
 * id) in place of SQLite's magic. Temp files (sorter spills, temp
 * databases, sub-journals) are encrypted with an XChaCha20 stream under a
 * per-open random key. Memory-mapped I/O is refused. A page that fails
 * authentication is reported (SQLITE_IOERR_DATA, or SQLITE_NOTADB for
 * page 1) and never returned as data. See
 * shared/research/encrypted-sqlite.md for the design.
 *
 * A refused main database (plaintext, unknown prefix, another database's
 * id or key generation, page 1 failing authentication) still opens, but
 * every page access fails with SQLITE_NOTADB and nothing is written;
 * vfscrypt_db_reason says why. A WAL frame that fails authentication
 * in a whole-frame read (WAL recovery) is damage when its salts are the
 * WAL header's and an authentic commit frame of that generation follows
 * it: the read fails with SQLITE_IOERR_DATA and the reason "<name>-wal
 * frame N failed authentication: the store is damaged". Otherwise (a
 * torn, never committed end of the log, frames of an older generation)
 * it comes back as random bytes and SQLite's frame checksum ends the log
 * there; journal records likewise. Not covered: rolling a page or file
 * back to an older valid version, a damaged last commit frame (it looks
 * torn), and edits of the plaintext frame and WAL headers or a cut WAL,
 * which end the log early like a crash would.
 *
 * Connections opened with vfscrypt_name(v) must be closed before
 * vfscrypt_free(v).
 */
#ifndef OPS_VFS_CRYPT_H
#define OPS_VFS_CRYPT_H

#include <sqlite3.h>

#include "error.h"

#define VFSCRYPT_RESERVE	40	/* nonce 24 + tag 16 */

struct vfscrypt;

/* What vfscrypt_peek reads from a file's plaintext prefix. */
struct vfscrypt_info {
	unsigned int	version;	/* format version (1) */
	unsigned int	page_size;	/* P, fixed at creation */
	unsigned int	keygen;		/* key generation that sealed it */
	unsigned char	db_id[8];	/* database id given to vfscrypt_new */
};

/*
 * Process setup, once, before ANY other SQLite call (sqlite3_config only
 * works before sqlite3_initialize, and vfscrypt_new initialises SQLite):
 * initialises libsodium, turns URI filenames off (Debian builds with
 * SQLITE_USE_URI, so "file:x?vfs=unix" in an ATTACH or VACUUM INTO would
 * otherwise bypass the shim) and initialises SQLite. Fails with
 * OPS_E_INTERNAL if SQLite was already initialised; the daemon calls it
 * first thing in main, tests may skip it.
 */
int		 vfscrypt_global_init(struct ops_err *err);

/*
 * Register a new encrypting VFS (name unique per process, < 64 bytes).
 * key is the 32-byte page key (copied into read-only sodium_malloc
 * memory), db_id the 8-byte database id stamped into new files and
 * required of existing ones. Caller frees.
 */
int		 vfscrypt_new(const char *name, const unsigned char key[32],
		     const unsigned char db_id[8], struct vfscrypt **out,
		     struct ops_err *err);
/*
 * The key generation (1-255, default 1) stamped into new files and
 * required of existing ones. Set it before opening any file.
 */
int		 vfscrypt_set_keygen(struct vfscrypt *v, unsigned int gen,
		     struct ops_err *err);
const char	*vfscrypt_name(const struct vfscrypt *v);
/* Unregister and wipe the key; accepts NULL. */
void		 vfscrypt_free(struct vfscrypt *v);

/*
 * The per-connection recipe; call right after sqlite3_open_v2(...,
 * vfscrypt_name(v)). Sets SQLITE_FCNTL_RESERVE_BYTES to 40 (a no-op on an
 * existing database), reads sqlite_schema so page 1 is authenticated up
 * front, then journal_mode=WAL, synchronous=NORMAL, temp_store=MEMORY,
 * mmap_size=0, and checks the reserve reads back 40 and the page size
 * matches the file. cache_size is left to the caller. Errors:
 * OPS_E_BADKEY (wrong key, another database's key or key generation),
 * OPS_E_PLAINTEXT (an ordinary SQLite file), OPS_E_CORRUPT (garbage,
 * truncated, a page failed authentication), OPS_E_VERSION,
 * OPS_E_LOCKED, OPS_E_INVAL (db not opened through this shim), OPS_E_DB.
 * The connection stays open either way; the caller closes it.
 */
int		 vfscrypt_prepare_db(sqlite3 *db, struct ops_err *err);

/*
 * sqlite3_open_v2 through v (flags 0 means READWRITE|CREATE) plus
 * vfscrypt_prepare_db. On failure the connection is closed and *out is
 * NULL. Caller closes *out with sqlite3_close.
 */
int		 vfscrypt_open(struct vfscrypt *v, const char *path, int flags,
		     sqlite3 **out, struct ops_err *err);

/*
 * Turn a SQLite result code rc on db (which may be NULL) into an OPS_E_*
 * code and an err message "<action> <path>: <why>", using the shim's
 * reason when there is one: SQLITE_NOTADB maps as in prepare_db,
 * SQLITE_IOERR_DATA and SQLITE_CORRUPT to OPS_E_CORRUPT, BUSY/LOCKED to
 * OPS_E_LOCKED, other I/O errors to OPS_E_IO, the rest to OPS_E_DB.
 * Returns OPS_OK for SQLITE_OK.
 */
int		 vfscrypt_map_error(sqlite3 *db, int rc, const char *action,
		     struct ops_err *err);

/*
 * Read the plaintext prefix of an encrypted database file, without a
 * key, to learn its key generation and database id before choosing a
 * key. OPS_E_NOTFOUND (missing or empty), OPS_E_PLAINTEXT, OPS_E_CORRUPT
 * (not ours), OPS_E_VERSION. info is zeroed on failure.
 */
int		 vfscrypt_peek(const char *path, struct vfscrypt_info *info,
		     struct ops_err *err);

/*
 * Why the shim last refused something on db's main file ("wrong key or
 * corrupt page 1", "plaintext database", "database belongs to another
 * key", "database page 5 failed authentication", ...), or NULL if nothing
 * was refused. The open itself succeeds on a refused file; the first
 * statement fails with SQLITE_NOTADB and this names why. Borrowed, valid
 * while db is open.
 */
const char	*vfscrypt_db_reason(sqlite3 *db);

#endif

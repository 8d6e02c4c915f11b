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
 * Connections opened with vfscrypt_name(v) must be closed before
 * vfscrypt_free(v).
 */
#ifndef OPS_VFS_CRYPT_H
#define OPS_VFS_CRYPT_H

#include <sqlite3.h>

#include "error.h"

#define VFSCRYPT_RESERVE	40	/* nonce 24 + tag 16 */

struct vfscrypt;

/* Register a new encrypting VFS (name unique per process). Caller frees. */
int		 vfscrypt_new(const char *name, const unsigned char key[32],
		     const unsigned char db_id[8], struct vfscrypt **out,
		     struct ops_err *err);
const char	*vfscrypt_name(const struct vfscrypt *v);
/* Unregister and wipe the key; accepts NULL. */
void		 vfscrypt_free(struct vfscrypt *v);

/*
 * Why the shim last refused something on db's main file ("wrong key or
 * corrupt page 1", "plaintext database", "database belongs to another
 * key", ...), or NULL if nothing was refused. Borrowed.
 */
const char	*vfscrypt_db_reason(sqlite3 *db);

#endif

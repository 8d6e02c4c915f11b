/*
 * vfs-test-util.h: helpers shared by the encrypting-VFS tests: a private
 * temp dir, VFS instances from one-byte seeds, SQL shortcuts, and byte
 * scans and hashes of the files on disk.
 */
#ifndef OPS_VFS_TEST_UTIL_H
#define OPS_VFS_TEST_UTIL_H

#include <stddef.h>

#include <sqlite3.h>

#include "vfs-crypt.h"

#define TV_MARK		"PLAINMARK"

/* mkdtemp under $TMPDIR (or /tmp); SQLITE_TMPDIR points there too. */
const char	*tv_tmpdir(void);
void		 tv_rmdir(void);
/* A path under the temp dir, in one of 32 rotating static buffers. */
const char	*tv_path(const char *fmt, ...)
		     __attribute__((format(printf, 1, 2)));

/* A VFS named name, key filled with kseed, database id with idseed. */
struct vfscrypt	*tv_vfs(const char *name, int kseed, int idseed);

/* sqlite3_open_v2 read-write/create through vfs (NULL: default VFS). */
int		 tv_open(const char *path, const char *vfs, sqlite3 **out);
/* Reserve 40 bytes and set the journal mode; SQLite rc. */
int		 tv_setup(sqlite3 *db, const char *journal_mode);
int		 tv_exec(sqlite3 *db, const char *sql);
/* First column of the first row as an integer; -1 on error. */
long long	 tv_int(sqlite3 *db, const char *sql);
/* First column of the first row as text into a static buffer. */
const char	*tv_text(sqlite3 *db, const char *sql);

/* Occurrences of needle in the file (0 if it does not exist). */
long		 tv_count_file(const char *path, const char *needle);
long		 tv_count_buf(const unsigned char *p, size_t n,
		     const char *needle);
/* Read a whole file into a malloc'd buffer; NULL if missing. */
unsigned char	*tv_slurp(const char *path, size_t *len);
int		 tv_spit(const char *path, const void *p, size_t len);
/* BLAKE2b of a file into out (32 bytes); 0 if missing (all zeros). */
int		 tv_hash(const char *path, unsigned char out[32]);
/* Flip bit 0 of the byte at off. */
int		 tv_flip(const char *path, long off);
int		 tv_exists(const char *path);

#endif

/*
 * store-test.h: helpers shared by the store tests: a private temporary
 * directory (removed by st_cleanup), a key-file keyring made in it, byte
 * searches over files, and a raw SQLite handle opened through a store's
 * own encrypting VFS (tests may use SQL directly, e.g. to tamper).
 */
#ifndef OPS_STORE_TEST_H
#define OPS_STORE_TEST_H

#include <sqlite3.h>
#include <stddef.h>

#include "keys.h"
#include "store.h"

/* mkdtemp under $TMPDIR (or /tmp); exits the test on failure. */
const char	*st_tmpdir(void);
/* Remove the st_tmpdir directory and everything in it. */
void		 st_cleanup(void);
/* "<tmpdir>/<name>", in one of a few rotating static buffers. */
const char	*st_path(const char *name);
/* A new key-file keyring whose files are "<tag>.key" and "<tag>.kf". */
struct keyring	*st_keyring(const char *tag);
/* Does the file contain the bytes? 1, 0, or -1 when unreadable. */
int		 st_file_contains(const char *path, const void *needle,
		     size_t len);
/* A raw connection to <tmpdir>/store.db through st's VFS (close it
 * before store_close). */
sqlite3		*st_raw(struct store *st);
/* Run SQL on a raw handle; the SQLite result code. */
int		 st_exec(sqlite3 *db, const char *sql);
/* One integer from a query, or -1. */
long long	 st_int(sqlite3 *db, const char *sql);
/* Both NULL, or the same string. */
int		 st_str_eq(const char *a, const char *b);
/* OPS_TEST_SCALE as a divisor (1 when unset). */
int		 st_scale(void);

#endif

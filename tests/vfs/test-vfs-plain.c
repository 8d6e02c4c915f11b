/*
 * test-vfs-plain.c: no plaintext reaches the disk through the encrypting
 * VFS: db, -wal and -journal during an open write transaction, after
 * commit and after close, in WAL and rollback mode; sorter spill files
 * (scanned through /proc/self/fd while the statement is mid-step, and
 * compared with the default VFS, which does leak); sqlite3_backup into a
 * shim database and VACUUM INTO.
 */
#include "config.h"

#include <dirent.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "tap.h"
#include "vfs-test-util.h"

#define NROWS		800
#define NBLOBS		20
#define BLOBLEN		12000	/* overflow pages */
#define SORTROWS	120000

/* Markers and magic in db, -wal and -journal of path. */
static long
scan(const char *path, const char *needle)
{
	char	side[600];
	long	c = tv_count_file(path, needle);

	snprintf(side, sizeof(side), "%s-wal", path);
	c += tv_count_file(side, needle);
	snprintf(side, sizeof(side), "%s-journal", path);
	c += tv_count_file(side, needle);
	return c;
}

static int
insert_rows(sqlite3 *db, int from, int to, const char *tag)
{
	sqlite3_stmt	*st;
	unsigned char	*blob;
	char		 s[64];
	int		 i, rc = SQLITE_OK;

	if ((blob = malloc(BLOBLEN)) == NULL)
		return SQLITE_NOMEM;
	for (i = 0; i + 9 <= BLOBLEN; i += 9)
		memcpy(blob + i, TV_MARK, 9);
	sqlite3_prepare_v2(db, "INSERT OR REPLACE INTO t VALUES(?, ?, ?)", -1,
	    &st, NULL);
	for (i = from; i < to && rc == SQLITE_OK; i++) {
		snprintf(s, sizeof(s), TV_MARK "-%s-%06d", tag, i);
		sqlite3_bind_int(st, 1, i);
		sqlite3_bind_text(st, 2, s, -1, SQLITE_TRANSIENT);
		if (i % (NROWS / NBLOBS) == 0)
			sqlite3_bind_blob(st, 3, blob, BLOBLEN, SQLITE_STATIC);
		else
			sqlite3_bind_null(st, 3);
		rc = sqlite3_step(st) == SQLITE_DONE ? SQLITE_OK : SQLITE_ERROR;
		sqlite3_reset(st);
	}
	sqlite3_finalize(st);
	free(blob);
	return rc;
}

static void
test_mode(struct vfscrypt *v, const char *mode)
{
	const char	*p = tv_path("plain-%s.db", mode);
	char		 side[600];
	sqlite3		*db = NULL;
	int		 rc;

	rc = tv_open(p, vfscrypt_name(v), &db);
	if (rc == SQLITE_OK)
		rc = tv_setup(db, mode);
	if (rc == SQLITE_OK)
		rc = tv_exec(db, "PRAGMA cache_size=10; PRAGMA "
		    "wal_autocheckpoint=0; CREATE TABLE t(id INTEGER PRIMARY "
		    "KEY, s TEXT, b BLOB)");
	if (rc == SQLITE_OK)
		rc = tv_exec(db, "BEGIN");
	if (rc == SQLITE_OK)
		rc = insert_rows(db, 0, NROWS, "ins");
	ok(rc == SQLITE_OK, "%s: first transaction open with %d rows and "
	    "%d overflow blobs", mode, NROWS, NBLOBS);
	ok(scan(p, TV_MARK) == 0 && scan(p, "SQLite format 3") == 0,
	    "%s: no markers or magic on disk during the first transaction",
	    mode);
	is_int(tv_exec(db, "COMMIT"), SQLITE_OK, "%s: commit", mode);
	ok(scan(p, TV_MARK) == 0 && scan(p, "SQLite format 3") == 0,
	    "%s: none after commit", mode);

	/* Updates: the journal now holds old pages, the WAL new ones. */
	rc = tv_exec(db, "BEGIN");
	if (rc == SQLITE_OK)
		rc = insert_rows(db, 0, NROWS, "upd");
	if (rc == SQLITE_OK)
		rc = tv_exec(db, "UPDATE t SET s = s || '-" TV_MARK "' "
		    "WHERE id % 3 = 0");
	snprintf(side, sizeof(side), "%s-%s", p, strcmp(mode, "WAL") == 0 ?
	    "wal" : "journal");
	ok(rc == SQLITE_OK,
	    "%s: update transaction open", mode);
	{
		size_t		 n;
		unsigned char	*raw = tv_slurp(side, &n);

		ok(raw != NULL && n > 100000, "%s: %s holds %zu bytes during "
		    "the transaction", mode, strrchr(side, '-') + 1, n);
		free(raw);
	}
	ok(scan(p, TV_MARK) == 0 && scan(p, "SQLite format 3") == 0,
	    "%s: no markers or magic in db/wal/journal mid-update", mode);
	is_int(tv_exec(db, "COMMIT"), SQLITE_OK, "%s: commit updates", mode);
	ok(scan(p, TV_MARK) == 0 && scan(p, "SQLite format 3") == 0,
	    "%s: none after the update commit", mode);
	is_int(tv_int(db, "SELECT count(*) FROM t WHERE s LIKE '" TV_MARK
	    "-upd-%'"), NROWS, "%s: updated rows read back", mode);
	sqlite3_close(db);
	ok(scan(p, TV_MARK) == 0 && scan(p, "SQLite format 3") == 0,
	    "%s: none after close", mode);
}

/* Teeth: the same rows through the default VFS are readable on disk. */
static void
test_default_leaks(void)
{
	const char	*p = tv_path("plain-default.db");
	sqlite3		*db = NULL;

	tv_open(p, NULL, &db);
	tv_exec(db, "CREATE TABLE t(id INTEGER PRIMARY KEY, s TEXT, b BLOB)");
	insert_rows(db, 0, NROWS, "ins");
	sqlite3_close(db);
	ok(tv_count_file(p, TV_MARK) > NROWS, "default VFS: %ld markers in "
	    "the file (the scan has teeth)", tv_count_file(p, TV_MARK));
}

/*
 * Sort enough rows to spill to temp files, stop after the first row and
 * scan every open SQLite temp file (unlinked, so through /proc/self/fd).
 */
static void
sorter_spill(const char *vfs, long *files, long *marks, long *sorted)
{
	const char	*p = tv_path("sort-%s.db", vfs ? vfs : "default");
	sqlite3_stmt	*st = NULL;
	struct dirent	*de;
	sqlite3		*db = NULL;
	DIR		*d;
	char		 link[300], target[700];
	ssize_t		 n;
	int		 i, rc;

	*files = *marks = 0;
	tv_open(p, vfs, &db);
	if (vfs != NULL)
		tv_setup(db, "WAL");
	tv_exec(db, "CREATE TABLE s(x TEXT); BEGIN");
	sqlite3_prepare_v2(db, "INSERT INTO s VALUES(?)", -1, &st, NULL);
	for (i = 0; i < SORTROWS; i++) {
		char	buf[64];

		snprintf(buf, sizeof(buf), TV_MARK "-%08u",
		    (unsigned)i * 2654435761u);
		sqlite3_bind_text(st, 1, buf, -1, SQLITE_TRANSIENT);
		sqlite3_step(st);
		sqlite3_reset(st);
	}
	sqlite3_finalize(st);
	tv_exec(db, "COMMIT; PRAGMA temp_store=FILE; PRAGMA cache_size=10");
	sqlite3_prepare_v2(db, "SELECT x FROM s ORDER BY x", -1, &st, NULL);
	rc = sqlite3_step(st);
	if (rc != SQLITE_ROW)
		diag("sort step: %s", sqlite3_errmsg(db));
	if ((d = opendir("/proc/self/fd")) != NULL) {
		while ((de = readdir(d)) != NULL) {
			if (de->d_name[0] == '.')
				continue;
			snprintf(link, sizeof(link), "/proc/self/fd/%s",
			    de->d_name);
			n = readlink(link, target, sizeof(target) - 1);
			if (n <= 0)
				continue;
			target[n] = '\0';
			if (strstr(target, "etilqs_") == NULL)
				continue;
			(*files)++;
			*marks += tv_count_file(link, TV_MARK);
		}
		closedir(d);
	}
	/* Read the rest: all rows, in order, through the spill files. */
	{
		char	prev[64] = "";
		const char *x;

		*sorted = 0;
		while (rc == SQLITE_ROW) {
			x = (const char *)sqlite3_column_text(st, 0);
			if (x == NULL || strcmp(prev, x) > 0)
				break;
			snprintf(prev, sizeof(prev), "%s", x);
			(*sorted)++;
			rc = sqlite3_step(st);
		}
	}
	sqlite3_finalize(st);
	sqlite3_close(db);
}

static void
test_sorter(struct vfscrypt *v)
{
	long	files, marks, sorted;

	sorter_spill(vfscrypt_name(v), &files, &marks, &sorted);
	ok(files > 0, "shim: the sort spilled to %ld temp file(s)", files);
	is_int(marks, 0, "shim: no markers in the spill files");
	is_int(sorted, SORTROWS, "shim: the sort returns every row in order");
	sorter_spill(NULL, &files, &marks, &sorted);
	ok(files > 0 && marks >= SORTROWS / 2, "default VFS: %ld markers in "
	    "%ld spill file(s) (the scan has teeth)", marks, files);
}

static void
test_copies(struct vfscrypt *v, struct vfscrypt *other)
{
	const char	*src = tv_path("plain-WAL.db");
	const char	*bk = tv_path("backup.db"), *vi = tv_path("vacinto.db");
	sqlite3_backup	*b;
	struct ops_err	 err;
	sqlite3		*db = NULL, *dst = NULL;
	char		 sql[700];
	int		 rc;

	rc = vfscrypt_open(v, src, 0, &db, &err);
	ok(rc == OPS_OK, "reopen the WAL-mode database");
	rc = vfscrypt_open(other, bk, 0, &dst, &err);
	ok(rc == OPS_OK, "open a backup target through another instance");
	b = sqlite3_backup_init(dst, "main", db, "main");
	ok(b != NULL && sqlite3_backup_step(b, -1) == SQLITE_DONE &&
	    sqlite3_backup_finish(b) == SQLITE_OK, "sqlite3_backup copies");
	sqlite3_close(dst);
	ok(scan(bk, TV_MARK) == 0 && scan(bk, "SQLite format 3") == 0,
	    "backup file holds no markers or magic");
	rc = vfscrypt_open(other, bk, 0, &dst, &err);
	ok(rc == OPS_OK && tv_int(dst, "SELECT count(*) FROM t") == NROWS &&
	    strcmp(tv_text(dst, "PRAGMA integrity_check"), "ok") == 0,
	    "backup reads back under the other key");
	sqlite3_close(dst);

	snprintf(sql, sizeof(sql), "VACUUM INTO '%s'", vi);
	is_int(tv_exec(db, sql), SQLITE_OK, "VACUUM INTO");
	sqlite3_close(db);
	ok(tv_exists(vi) && scan(vi, TV_MARK) == 0 &&
	    scan(vi, "SQLite format 3") == 0,
	    "VACUUM INTO file holds no markers or magic");
	rc = vfscrypt_open(v, vi, 0, &dst, &err);
	ok(rc == OPS_OK && tv_int(dst, "SELECT count(*) FROM t") == NROWS,
	    "VACUUM INTO copy opens through the shim");
	sqlite3_close(dst);
}

int
main(void)
{
	struct vfscrypt	*v, *w;

	plan_no_plan();
	tv_tmpdir();
	v = tv_vfs("plain-a", 0x51, 0x33);
	w = tv_vfs("plain-b", 0x52, 0x44);
	test_mode(v, "WAL");
	test_mode(v, "DELETE");
	test_default_leaks();
	test_sorter(v);
	test_copies(v, w);
	vfscrypt_free(v);
	vfscrypt_free(w);
	tv_rmdir();
	return exit_status();
}

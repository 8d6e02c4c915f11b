/*
 * test-vfs-ops.c: everyday operations through the encrypting VFS: create,
 * reopen, rollback, savepoints, VACUUM, page-size and mmap refusal, other
 * page sizes, two instances with different keys side by side.
 */
#include "config.h"

#include <sodium.h>
#include <stdio.h>
#include <string.h>

#include "tap.h"
#include "vfs-test-util.h"

static int
fill(sqlite3 *db, int from, int to)
{
	char	sql[256];
	int	i, rc;

	if ((rc = tv_exec(db, "CREATE TABLE IF NOT EXISTS t(id INTEGER "
	    "PRIMARY KEY, s TEXT, b BLOB); BEGIN")) != SQLITE_OK)
		return rc;
	for (i = from; i < to; i++) {
		snprintf(sql, sizeof(sql), "INSERT INTO t VALUES(%d, "
		    "'" TV_MARK "-%06d', zeroblob(%d))", i, i, i % 7 * 100);
		if ((rc = tv_exec(db, sql)) != SQLITE_OK)
			return rc;
	}
	return tv_exec(db, "COMMIT");
}

static void
test_basic(struct vfscrypt *v)
{
	const char		*p = tv_path("basic.db");
	struct vfscrypt_info	 info;
	struct ops_err		 err;
	unsigned char		*raw;
	sqlite3			*db = NULL;
	sqlite_int64		 mm = 12345;
	size_t			 n;
	int			 rc;

	rc = vfscrypt_open(v, p, 0, &db, &err);
	ok(rc == OPS_OK, "open a new database through the shim (%s)",
	    rc ? ops_err_msg(&err) : "ok");
	ok(vfscrypt_db_reason(db) == NULL, "no refusal reason on a good db");
	is_int(fill(db, 0, 2000), SQLITE_OK, "insert 2000 rows");
	ok(strcmp(tv_text(db, "PRAGMA journal_mode"), "wal") == 0,
	    "prepare_db switched to WAL");
	is_int(tv_int(db, "PRAGMA temp_store"), 2, "temp_store is MEMORY");

	/* page_size and mmap. */
	rc = tv_exec(db, "PRAGMA page_size=8192");
	ok(rc == SQLITE_ERROR && strstr(sqlite3_errmsg(db), "fixed") != NULL,
	    "PRAGMA page_size=8192 refused: %s", sqlite3_errmsg(db));
	is_int(tv_exec(db, "PRAGMA page_size=4096"), SQLITE_OK,
	    "PRAGMA page_size=4096 (unchanged) allowed");
	rc = tv_exec(db, "PRAGMA mmap_size=10000000");
	ok(rc == SQLITE_ERROR && strstr(sqlite3_errmsg(db), "memory-mapped"),
	    "PRAGMA mmap_size=10MB refused: %s", sqlite3_errmsg(db));
	is_int(tv_int(db, "PRAGMA mmap_size"), 0, "mmap_size reads 0");
	sqlite3_file_control(db, "main", SQLITE_FCNTL_MMAP_SIZE, &mm);
	is_int(mm, 0, "FCNTL_MMAP_SIZE reports no mapping");
	is_int(tv_exec(db, "VACUUM"), SQLITE_OK, "VACUUM in WAL mode");
	ok(strcmp(tv_text(db, "PRAGMA integrity_check"), "ok") == 0,
	    "integrity ok after VACUUM");
	is_int(tv_exec(db, "DELETE FROM t WHERE id % 2 = 0"), SQLITE_OK,
	    "delete half the rows");
	is_int(tv_exec(db, "PRAGMA wal_checkpoint(TRUNCATE); VACUUM; "
	    "PRAGMA wal_checkpoint(TRUNCATE)"), SQLITE_OK, "VACUUM again");
	is_int(tv_int(db, "SELECT count(*) FROM t"), 1000, "1000 rows left");
	sqlite3_close(db);

	rc = vfscrypt_peek(p, &info, &err);
	ok(rc == OPS_OK && info.page_size == 4096 &&
	    info.keygen == 1 && info.version == 1 && info.db_id[0] == 0x11,
	    "peek reads the prefix: P=%u gen=%u", info.page_size, info.keygen);
	raw = tv_slurp(p, &n);
	ok(raw != NULL && n % 4096 == 0 && memcmp(raw, "opsdb", 5) == 0 &&
	    tv_count_buf(raw, n, TV_MARK) == 0 &&
	    tv_count_buf(raw, n, "SQLite format 3") == 0,
	    "file on disk: our prefix, no markers, no SQLite magic");
	free(raw);

	rc = vfscrypt_open(v, p, 0, &db, &err);
	ok(rc == OPS_OK && tv_int(db, "SELECT count(*) FROM t") == 1000 &&
	    tv_int(db, "SELECT count(*) FROM t WHERE s = '" TV_MARK
	    "-000777'") == 1, "reopen reads the rows back");
	ok(strcmp(tv_text(db, "PRAGMA integrity_check"), "ok") == 0,
	    "integrity ok after reopen");
	sqlite3_close(db);
}

static void
test_rollback(struct vfscrypt *v)
{
	const char	*p = tv_path("rollback.db");
	sqlite3		*db = NULL;
	int		 i, good = 1;

	ok(tv_open(p, vfscrypt_name(v), &db) == SQLITE_OK &&
	    tv_setup(db, "DELETE") == SQLITE_OK, "open in DELETE mode");
	is_int(fill(db, 0, 3000), SQLITE_OK, "3000 rows in rollback mode");
	tv_exec(db, "PRAGMA cache_size=5");
	/* A transaction big enough to spill the cache, then rolled back. */
	ok(tv_exec(db, "BEGIN; UPDATE t SET s = 'changed' || id; "
	    "DELETE FROM t WHERE id > 1500") == SQLITE_OK &&
	    tv_exists(tv_path("rollback.db-journal")),
	    "big update spills with a journal");
	is_int(tv_exec(db, "ROLLBACK"), SQLITE_OK, "ROLLBACK");
	is_int(tv_int(db, "SELECT count(*) FROM t WHERE s LIKE '"
	    TV_MARK "-%'"), 3000, "every row restored from the journal");
	/* Savepoints use the (temp, stream-encrypted) sub-journal. */
	is_int(tv_exec(db, "BEGIN; UPDATE t SET s = 'a' WHERE id < 100; "
	    "SAVEPOINT sp; UPDATE t SET s = 'b' WHERE id < 2000; "
	    "ROLLBACK TO sp; RELEASE sp; COMMIT"), SQLITE_OK,
	    "savepoint rolled back inside a transaction");
	is_int(tv_int(db, "SELECT count(*) FROM t WHERE s = 'a'"), 100,
	    "savepoint rollback kept the outer change");
	is_int(tv_int(db, "SELECT count(*) FROM t WHERE s = 'b'"), 0,
	    "savepoint rollback undid the inner change");
	ok(strcmp(tv_text(db, "PRAGMA integrity_check"), "ok") == 0,
	    "integrity ok in rollback mode");
	is_int(tv_exec(db, "VACUUM"), SQLITE_OK, "VACUUM in rollback mode");
	for (i = 0; i < 3000; i += 500)
		good &= tv_int(db, "SELECT count(*) FROM t") == 3000;
	ok(good && strcmp(tv_text(db, "PRAGMA integrity_check"), "ok") == 0,
	    "rows and integrity after VACUUM");
	sqlite3_close(db);
	is_int(tv_count_file(p, TV_MARK), 0, "no markers in rollback-mode db");
}

static void
test_page_sizes(struct vfscrypt *v)
{
	static const int	 sizes[] = { 1024, 8192, 65536 };
	struct vfscrypt_info	 info;
	struct ops_err		 err;
	sqlite3			*db;
	char			 sql[64];
	size_t			 i;
	int			 rc;

	for (i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
		const char *p = tv_path("pgsz-%d.db", sizes[i]);

		db = NULL;
		snprintf(sql, sizeof(sql), "PRAGMA page_size=%d", sizes[i]);
		rc = tv_open(p, vfscrypt_name(v), &db);
		if (rc == SQLITE_OK)
			rc = tv_exec(db, sql);
		if (rc == SQLITE_OK)
			rc = tv_setup(db, "WAL");
		if (rc == SQLITE_OK)
			rc = fill(db, 0, 300);
		sqlite3_close(db);
		ok(rc == SQLITE_OK, "create with page size %d", sizes[i]);
		rc = vfscrypt_peek(p, &info, &err);
		ok(rc == OPS_OK && info.page_size == (unsigned)sizes[i],
		    "prefix records page size %d", sizes[i]);
		rc = vfscrypt_open(v, p, 0, &db, &err);
		ok(rc == OPS_OK && tv_int(db, "SELECT count(*) FROM t") ==
		    300 && strcmp(tv_text(db, "PRAGMA integrity_check"),
		    "ok") == 0, "reopen with page size %d", sizes[i]);
		sqlite3_close(db);
	}
}

static void
test_no_reserve(struct vfscrypt *v)
{
	const char	*p = tv_path("noreserve.db");
	sqlite3		*db = NULL;
	int		 rc;

	tv_open(p, vfscrypt_name(v), &db);
	rc = tv_exec(db, "CREATE TABLE t(x)");
	ok(rc != SQLITE_OK, "a first write without 40 reserved bytes is "
	    "refused (%s)", sqlite3_errstr(rc));
	sqlite3_close(db);
	is_int(tv_count_file(p, "SQLite format 3"), 0,
	    "and nothing plaintext reached the file");
}

static void
test_two_keys(struct vfscrypt *a, struct vfscrypt *b)
{
	const char	*pa = tv_path("two-a.db"), *pb = tv_path("two-b.db");
	struct ops_err	 err;
	sqlite3		*da = NULL, *db = NULL, *x = NULL;
	int		 i, rc = OPS_OK;

	rc |= vfscrypt_open(a, pa, 0, &da, &err);
	rc |= vfscrypt_open(b, pb, 0, &db, &err);
	ok(rc == OPS_OK, "two instances open two databases");
	for (i = 0; i < 10; i++) {
		fill(da, i * 100, i * 100 + 100);
		fill(db, i * 50, i * 50 + 50);
	}
	ok(tv_int(da, "SELECT count(*) FROM t") == 1000 &&
	    tv_int(db, "SELECT count(*) FROM t") == 500,
	    "interleaved writes land in the right databases");
	sqlite3_close(da);
	sqlite3_close(db);
	rc = vfscrypt_open(b, pa, 0, &x, &err);
	ok(rc == OPS_E_BADKEY && x == NULL, "database A through key B "
	    "refused: %s", ops_err_msg(&err));
	rc = vfscrypt_open(a, pa, 0, &x, &err);
	ok(rc == OPS_OK && tv_int(x, "SELECT count(*) FROM t") == 1000,
	    "database A through key A still opens");
	sqlite3_close(x);
}

/* Two connections on one file, each with its own file objects. */
static void
test_two_conns(struct vfscrypt *v, const char *mode)
{
	const char	*p = tv_path("twoconn-%s.db", mode);
	sqlite3		*c1 = NULL, *c2 = NULL;
	int		 i, good = 1;

	tv_open(p, vfscrypt_name(v), &c1);
	tv_setup(c1, mode);
	fill(c1, 0, 10);
	tv_open(p, vfscrypt_name(v), &c2);
	tv_exec(c2, "PRAGMA busy_timeout=5000");
	for (i = 1; i < 20 && good; i++) {
		good &= fill(i % 2 ? c2 : c1, i * 10, i * 10 + 10) ==
		    SQLITE_OK;
		good &= tv_int(i % 2 ? c1 : c2, "SELECT count(*) FROM t") ==
		    i * 10 + 10;
	}
	ok(good && strcmp(tv_text(c2, "PRAGMA integrity_check"), "ok") == 0,
	    "%s: two connections take turns writing and see each other",
	    mode);
	sqlite3_close(c1);
	sqlite3_close(c2);
}

static void
test_api(struct vfscrypt *v)
{
	unsigned char	 key[32] = { 0 }, id[8] = { 0 };
	struct vfscrypt	*dup = NULL;
	struct ops_err	 err;
	sqlite3		*db = NULL;

	ok(vfscrypt_new(vfscrypt_name(v), key, id, &dup, &err) ==
	    OPS_E_EXISTS && dup == NULL, "a taken VFS name is refused");
	vfscrypt_free(NULL);
	ok(vfscrypt_set_keygen(v, 0, &err) == OPS_E_INVAL,
	    "key generation 0 refused");
	tv_open(tv_path("plainvfs.db"), NULL, &db);
	ok(vfscrypt_prepare_db(db, &err) == OPS_E_INVAL,
	    "prepare_db refuses a default-VFS connection: %s",
	    ops_err_msg(&err));
	ok(vfscrypt_db_reason(db) == NULL, "no reason on a foreign db");
	sqlite3_close(db);
}

int
main(void)
{
	struct vfscrypt	*a, *b;
	struct ops_err	 err;
	int		 rc;

	plan_no_plan();
	tv_tmpdir();
	ok(vfscrypt_global_init(&err) == OPS_OK, "global init before any "
	    "other SQLite call turns URI filenames off");
	rc = vfscrypt_global_init(&err);
	ok(rc == OPS_E_INTERNAL, "a second global init says SQLite is "
	    "already initialised: %s", ops_err_msg(&err));
	a = tv_vfs("ops-a", 0x41, 0x11);
	b = tv_vfs("ops-b", 0x42, 0x22);
	test_basic(a);
	test_rollback(a);
	test_page_sizes(a);
	test_no_reserve(a);
	test_two_keys(a, b);
	test_two_conns(a, "WAL");
	test_two_conns(a, "DELETE");
	test_api(a);
	vfscrypt_free(a);
	vfscrypt_free(b);
	tv_rmdir();
	return exit_status();
}

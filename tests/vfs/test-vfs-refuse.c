/*
 * test-vfs-refuse.c: files the shim must refuse (wrong key, another
 * database's id, another key generation, a plaintext database, garbage)
 * fail with a clear code and reason and are left byte for byte
 * unchanged, WAL included; random and truncated files never crash and
 * never read back as data.
 */
#include "config.h"

#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tap.h"
#include "vfs-test-util.h"

#define P	4096
#define NROWS	400

static char	db_path[600], wal_path[620];

static void
make_db(struct vfscrypt *v)
{
	struct ops_err	 err;
	sqlite3		*db = NULL;
	char		 sql[128];
	int		 i;

	snprintf(db_path, sizeof(db_path), "%s", tv_path("ref.db"));
	snprintf(wal_path, sizeof(wal_path), "%s-wal", db_path);
	if (vfscrypt_open(v, db_path, 0, &db, &err) != OPS_OK) {
		diag("create: %s", ops_err_msg(&err));
		exit(99);
	}
	tv_exec(db, "CREATE TABLE t(id INTEGER PRIMARY KEY, v TEXT)");
	tv_exec(db, "PRAGMA wal_checkpoint(TRUNCATE)");
	/* Later commits stay in the WAL only. */
	sqlite3_db_config(db, SQLITE_DBCONFIG_NO_CKPT_ON_CLOSE, 1, NULL);
	tv_exec(db, "PRAGMA wal_autocheckpoint=0");
	for (i = 0; i < NROWS; i++) {
		snprintf(sql, sizeof(sql), "INSERT INTO t VALUES(%d, 'v%d')",
		    i, i);
		tv_exec(db, sql);
	}
	sqlite3_close(db);
}

/*
 * Open path through v both ways: vfscrypt_open must fail with want and a
 * reason holding why; a raw connection opens but its first read fails
 * with SQLITE_NOTADB and vfscrypt_db_reason names why. The files stay
 * unchanged.
 */
static void
refused(struct vfscrypt *v, const char *path, const char *side, int want,
    const char *why, const char *what)
{
	unsigned char	 h1[32], h2[32], s1[32], s2[32];
	struct ops_err	 err;
	sqlite3		*db = NULL;
	const char	*r;
	int		 rc, rc2;

	tv_hash(path, h1);
	tv_hash(side, s1);
	rc = vfscrypt_open(v, path, 0, &db, &err);
	ok(rc == want && db == NULL && strstr(ops_err_msg(&err), why) != NULL,
	    "%s: vfscrypt_open gives %s: %s", what, ops_strerror(rc),
	    ops_err_msg(&err));
	rc = tv_open(path, vfscrypt_name(v), &db);
	rc2 = tv_exec(db, "SELECT count(*) FROM sqlite_schema");
	r = vfscrypt_db_reason(db);
	ok(rc == SQLITE_OK && rc2 == SQLITE_NOTADB && r != NULL &&
	    strstr(r, why) != NULL, "%s: raw read fails with %s, reason "
	    "\"%s\"", what, sqlite3_errstr(rc2), r ? r : "(none)");
	tv_exec(db, "CREATE TABLE x(y); INSERT INTO t VALUES(9999, 'x')");
	sqlite3_close(db);
	tv_hash(path, h2);
	tv_hash(side, s2);
	ok(memcmp(h1, h2, 32) == 0 && memcmp(s1, s2, 32) == 0,
	    "%s: file bytes unchanged (write attempts included)", what);
}

static void
test_refusals(struct vfscrypt *good)
{
	unsigned char	 key[32], id[8], junk[3 * P];
	struct vfscrypt	*v;
	struct ops_err	 err;
	sqlite3		*db = NULL;
	char		 plain[600], garbage[600];
	int		 rc;

	memset(key, 0x62, sizeof(key));
	memset(id, 0x77, sizeof(id));
	vfscrypt_new("ref-badkey", key, id, &v, &err);
	refused(v, db_path, wal_path, OPS_E_BADKEY, "wrong key or corrupt "
	    "page 1", "wrong key");
	vfscrypt_free(v);

	memset(key, 0x61, sizeof(key));
	memset(id, 0x78, sizeof(id));
	vfscrypt_new("ref-otherid", key, id, &v, &err);
	refused(v, db_path, wal_path, OPS_E_BADKEY, "belongs to another key",
	    "wrong database id");
	vfscrypt_free(v);

	memset(id, 0x77, sizeof(id));
	vfscrypt_new("ref-gen2", key, id, &v, &err);
	vfscrypt_set_keygen(v, 2, &err);
	refused(v, db_path, wal_path, OPS_E_BADKEY, "key generation",
	    "other key generation");
	vfscrypt_free(v);

	snprintf(plain, sizeof(plain), "%s", tv_path("plain.db"));
	tv_open(plain, NULL, &db);
	tv_exec(db, "CREATE TABLE t(x); INSERT INTO t VALUES('secret')");
	sqlite3_close(db);
	refused(good, plain, tv_path("plain.db-journal"), OPS_E_PLAINTEXT,
	    "plaintext database", "plaintext database");

	snprintf(garbage, sizeof(garbage), "%s", tv_path("garbage.db"));
	randombytes_buf(junk, sizeof(junk));
	tv_spit(garbage, junk, sizeof(junk));
	refused(good, garbage, tv_path("garbage.db-wal"), OPS_E_CORRUPT,
	    "unknown file prefix", "garbage file");

	/* SQLite's unix VFS reports a 1-byte file as empty: still refused. */
	snprintf(garbage, sizeof(garbage), "%s", tv_path("onebyte.db"));
	tv_spit(garbage, junk, 1);
	refused(good, garbage, tv_path("onebyte.db-wal"), OPS_E_CORRUPT,
	    "too short", "one-byte file");

	/* The right key still sees every row, WAL commits included. */
	rc = vfscrypt_open(good, db_path, 0, &db, &err);
	ok(rc == OPS_OK && tv_int(db, "SELECT count(*) FROM t") == NROWS,
	    "right key after all that: %d rows intact", NROWS);
	sqlite3_close(db);
}

static void
test_peek_and_default(void)
{
	struct vfscrypt_info	 info;
	struct ops_err		 err;
	sqlite3			*db = NULL;
	char			 copy[600];
	unsigned char		*raw;
	size_t			 n;
	int			 rc;

	rc = vfscrypt_peek(db_path, &info, &err);
	ok(rc == OPS_OK && info.keygen == 1 && info.page_size == P &&
	    info.db_id[0] == 0x77, "peek: generation and id without a key");
	rc = vfscrypt_peek(tv_path("plain.db"), &info, &err);
	is_int(rc, OPS_E_PLAINTEXT, "peek: plaintext database");
	rc = vfscrypt_peek(tv_path("garbage.db"), &info, &err);
	is_int(rc, OPS_E_CORRUPT, "peek: garbage");
	rc = vfscrypt_peek(tv_path("missing.db"), &info, &err);
	is_int(rc, OPS_E_NOTFOUND, "peek: missing file");

	/* The default VFS sees no database (on a copy without WAL). */
	snprintf(copy, sizeof(copy), "%s", tv_path("copy.db"));
	raw = tv_slurp(db_path, &n);
	tv_spit(copy, raw, n);
	free(raw);
	tv_open(copy, NULL, &db);
	rc = tv_exec(db, "SELECT count(*) FROM sqlite_schema");
	ok(rc == SQLITE_NOTADB, "default VFS: %s", sqlite3_errmsg(db));
	sqlite3_close(db);
}

/* Open and read everything; only success with the right rows is ok. */
static int
try_open(struct vfscrypt *v, const char *path, int *opened)
{
	sqlite3_stmt	*st = NULL;
	sqlite3		*db = NULL;
	const char	*t;
	char		 want[32];
	int		 wrong = 0;

	*opened = 0;
	if (tv_open(path, vfscrypt_name(v), &db) != SQLITE_OK) {
		sqlite3_close(db);
		return 0;
	}
	if (tv_exec(db, "SELECT count(*) FROM sqlite_schema") == SQLITE_OK)
		*opened = 1;
	if (sqlite3_prepare_v2(db, "SELECT id, v FROM t", -1, &st, NULL) ==
	    SQLITE_OK) {
		while (sqlite3_step(st) == SQLITE_ROW) {
			snprintf(want, sizeof(want), "v%d",
			    sqlite3_column_int(st, 0));
			t = (const char *)sqlite3_column_text(st, 1);
			if (t == NULL || strcmp(t, want) != 0)
				wrong++;
		}
	}
	sqlite3_finalize(st);
	tv_text(db, "PRAGMA integrity_check");
	sqlite3_close(db);
	return wrong;
}

static void
test_malformed(struct vfscrypt *v)
{
	unsigned char	*good, *junk;
	char		 path[600], wal[620];
	size_t		 n, len;
	long		 cuts[] = { 1, 15, 16, 17, 100, P - 1, P, P + 1,
			    2 * P - 1, 2 * P, -P, -1 };
	int		 i, opened, nopen = 0, wrong = 0, kind;

	/* Checkpointed copy of the good database. */
	{
		struct ops_err	 err;
		sqlite3		*db = NULL;

		vfscrypt_open(v, db_path, 0, &db, &err);
		sqlite3_close(db);	/* checkpoints, drops the WAL */
	}
	good = tv_slurp(db_path, &n);
	junk = malloc(3 * P + 100);
	snprintf(path, sizeof(path), "%s", tv_path("fuzz.db"));
	snprintf(wal, sizeof(wal), "%s-wal", path);
	for (i = 0; i < 300; i++) {
		len = 1 + randombytes_uniform(3 * P + 99);
		randombytes_buf(junk, len);
		kind = i % 3;
		if (kind == 1 && len >= 16)
			memcpy(junk, "SQLite format 3", 16);
		else if (kind == 2)
			memcpy(junk, good, len < 16 ? len : 16);
		remove(wal);
		tv_spit(path, junk, len);
		wrong += try_open(v, path, &opened);
		if (opened)
			diag("opened: kind %d, %zu bytes", kind, len);
		nopen += opened;
	}
	ok(nopen == 0 && wrong == 0, "300 random files (some with SQLite's "
	    "magic or our prefix): none opens, no crash");

	nopen = wrong = 0;
	for (i = 0; i < (int)(sizeof(cuts) / sizeof(cuts[0])); i++) {
		len = cuts[i] > 0 ? (size_t)cuts[i] : n + cuts[i];
		remove(wal);
		tv_spit(path, good, len);
		wrong += try_open(v, path, &opened);
		nopen += opened;
	}
	ok(wrong == 0, "%zu truncations: no wrong rows, no crash (%d opened)",
	    sizeof(cuts) / sizeof(cuts[0]), nopen);

	/* Garbage WAL next to a good database: ignored, rows intact. */
	tv_spit(path, good, n);
	randombytes_buf(junk, 3 * P + 100);
	tv_spit(wal, junk, 3 * P + 100);
	wrong = try_open(v, path, &opened);
	ok(opened && wrong == 0, "random -wal beside a good db is ignored");
	memcpy(junk, "\x37\x7f\x06\x82\x00\x2d\xe2\x18\x00\x00\x10\x00", 12);
	remove(tv_path("fuzz.db-shm"));
	tv_spit(wal, junk, 3 * P + 100);
	wrong = try_open(v, path, &opened);
	ok(opened && wrong == 0, "-wal with a valid-looking header and "
	    "random frames is ignored");
	free(good);
	free(junk);
}

int
main(void)
{
	struct vfscrypt	*v;
	unsigned char	 key[32], id[8];
	struct ops_err	 err;

	plan_no_plan();
	tv_tmpdir();
	memset(key, 0x61, sizeof(key));
	memset(id, 0x77, sizeof(id));
	if (vfscrypt_new("ref-good", key, id, &v, &err) != OPS_OK)
		return 99;
	make_db(v);
	ok(tv_exists(wal_path), "test database has WAL-only commits");
	test_refusals(v);
	test_peek_and_default();
	test_malformed(v);
	vfscrypt_free(v);
	tv_rmdir();
	return exit_status();
}

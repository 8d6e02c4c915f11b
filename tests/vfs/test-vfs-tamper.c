/*
 * test-vfs-tamper.c: a flipped bit anywhere in a page (ciphertext, page 1
 * header, nonce, tag, prefix), a page copied over another, and a flipped
 * bit in a committed WAL frame are reported, never read back as data.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tap.h"
#include "vfs-test-util.h"

#define P	4096
#define U	(P - VFSCRYPT_RESERVE)
#define NROWS	3000

static void
expected(int id, int fresh, char *buf, size_t len)
{
	snprintf(buf, len, "%s-%06d-padding-padding-padding", fresh ? "new" :
	    "val", id);
}

static void
make_db(struct vfscrypt *v, const char *p)
{
	struct ops_err	 err;
	sqlite3_stmt	*st;
	sqlite3		*db = NULL;
	char		 buf[64];
	int		 i;

	remove(p);
	if (vfscrypt_open(v, p, 0, &db, &err) != OPS_OK) {
		diag("create %s: %s", p, ops_err_msg(&err));
		exit(99);
	}
	tv_exec(db, "CREATE TABLE t(id INTEGER PRIMARY KEY, v TEXT); BEGIN");
	sqlite3_prepare_v2(db, "INSERT INTO t VALUES(?, ?)", -1, &st, NULL);
	for (i = 0; i < NROWS; i++) {
		expected(i, 0, buf, sizeof(buf));
		sqlite3_bind_int(st, 1, i);
		sqlite3_bind_text(st, 2, buf, -1, SQLITE_TRANSIENT);
		sqlite3_step(st);
		sqlite3_reset(st);
	}
	sqlite3_finalize(st);
	tv_exec(db, "COMMIT");
	sqlite3_close(db);
}

/*
 * Open p and read everything. *detected: the open, a read or the
 * integrity check failed; *wrong: a row came back with a value that was
 * never written; *fresh_rows: rows holding the "new" value.
 */
static void
probe(struct vfscrypt *v, const char *p, int *detected, int *wrong,
    int *fresh_rows, int *xcode)
{
	sqlite3_stmt	*st = NULL;
	struct ops_err	 err;
	sqlite3		*db = NULL;
	char		 a[64], b[64];
	const char	*got;
	int		 rc, id, n = 0;

	*detected = *wrong = *fresh_rows = *xcode = 0;
	if (vfscrypt_open(v, p, 0, &db, &err) != OPS_OK) {
		*detected = 1;
		*xcode = err.code;
		return;
	}
	sqlite3_prepare_v2(db, "SELECT id, v FROM t ORDER BY id", -1, &st,
	    NULL);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		id = sqlite3_column_int(st, 0);
		got = (const char *)sqlite3_column_text(st, 1);
		expected(id, 0, a, sizeof(a));
		expected(id, 1, b, sizeof(b));
		if (got == NULL || id < 0 || id >= NROWS)
			*wrong = 1;
		else if (strcmp(got, b) == 0)
			(*fresh_rows)++;
		else if (strcmp(got, a) != 0)
			*wrong = 1;
		n++;
	}
	if (rc != SQLITE_DONE) {
		*detected = 1;
		*xcode = sqlite3_extended_errcode(db);
	}
	sqlite3_finalize(st);
	if (strcmp(tv_text(db, "PRAGMA integrity_check"), "ok") != 0)
		*detected = 1;
	if (!*detected && n != NROWS)
		*wrong = 1;	/* rows vanished without an error */
	sqlite3_close(db);
}

static void
test_pages(struct vfscrypt *v)
{
	const char	*p = tv_path("tamper.db"), *pristine;
	const char	*pw = tv_path("tamper.db-wal"), *ps = tv_path("tamper.db-shm");
	unsigned char	*raw;
	size_t		 n;
	long		 npages, i;
	int		 det, wrong, fresh, xc;
	struct {
		const char	*what;
		long		 page;	/* 1-based; 0 = middle, -1 = last */
		long		 off;
	} cases[] = {
		{ "page 1 prefix (magic)", 1, 2 },
		{ "page 1 prefix (db id)", 1, 12 },
		{ "page 1 encrypted header", 1, 21 },
		{ "page 1 content", 1, 200 },
		{ "page 1 nonce", 1, U + 5 },
		{ "page 1 tag", 1, P - 1 },
		{ "page 2 content", 2, 100 },
		{ "middle page content", 0, 2000 },
		{ "last page content", -1, 10 },
		{ "page 3 nonce", 3, U },
		{ "page 4 tag", 4, U + 24 },
		{ "page 5 last ciphertext byte", 5, U - 1 },
	};

	make_db(v, p);
	raw = tv_slurp(p, &n);
	npages = (long)(n / P);
	ok(raw != NULL && npages > 10 && !tv_exists(pw),
	    "test database has %ld pages, checkpointed", npages);
	probe(v, p, &det, &wrong, &fresh, &xc);
	ok(!det && !wrong, "untouched database reads cleanly");
	pristine = tv_path("tamper.pristine");
	tv_spit(pristine, raw, n);

	for (i = 0; i < (long)(sizeof(cases) / sizeof(cases[0])); i++) {
		long	pg = cases[i].page;

		if (pg == 0)
			pg = npages / 2;
		else if (pg < 0)
			pg = npages;
		tv_spit(p, raw, n);
		remove(pw);
		remove(ps);
		tv_flip(p, (pg - 1) * P + cases[i].off);
		probe(v, p, &det, &wrong, &fresh, &xc);
		ok(det && !wrong, "%s (page %ld) flipped: detected (code %d), "
		    "no wrong data", cases[i].what, pg, xc);
	}

	/* Page 3 copied over page 4. */
	memcpy(raw + 3 * P, raw + 2 * P, P);
	tv_spit(p, raw, n);
	remove(pw);
	remove(ps);
	probe(v, p, &det, &wrong, &fresh, &xc);
	ok(det && !wrong && xc == SQLITE_IOERR_DATA, "page 3 copied over "
	    "page 4: detected (code %d), no wrong data", xc);
	free(raw);
}

/* Commit "new" values for ids < 500 into the WAL, no checkpoint. */
static sqlite3 *
wal_update(struct vfscrypt *v, const char *p, int keep_open)
{
	sqlite3_stmt	*st;
	struct ops_err	 err;
	sqlite3		*db = NULL;
	char		 buf[64];
	int		 i;

	if (vfscrypt_open(v, p, 0, &db, &err) != OPS_OK)
		return NULL;
	sqlite3_db_config(db, SQLITE_DBCONFIG_NO_CKPT_ON_CLOSE, 1, NULL);
	tv_exec(db, "PRAGMA wal_autocheckpoint=0; BEGIN");
	sqlite3_prepare_v2(db, "UPDATE t SET v = ? WHERE id = ?", -1, &st,
	    NULL);
	for (i = 0; i < 500; i++) {
		expected(i, 1, buf, sizeof(buf));
		sqlite3_bind_text(st, 1, buf, -1, SQLITE_TRANSIENT);
		sqlite3_bind_int(st, 2, i);
		sqlite3_step(st);
		sqlite3_reset(st);
	}
	sqlite3_finalize(st);
	tv_exec(db, "COMMIT");
	if (!keep_open) {
		sqlite3_close(db);
		db = NULL;
	}
	return db;
}

static void
test_wal(struct vfscrypt *v)
{
	const char	*p = tv_path("walt.db"), *wal = tv_path("walt.db-wal");
	struct ops_err	 err;
	sqlite3		*keep, *db2 = NULL;
	long		 body2 = 32 + (P + 24) + 24 + 200;
	int		 det, wrong, fresh, xc, rc;

	/* Control: the WAL recovers cleanly when untouched. */
	make_db(v, p);
	wal_update(v, p, 0);
	ok(tv_exists(wal), "committed frames left in the WAL");
	probe(v, p, &det, &wrong, &fresh, &xc);
	ok(!det && !wrong && fresh == 500, "untouched WAL: all 500 "
	    "committed rows read back after recovery");

	/* Live: another connection keeps the WAL index; flip a frame. */
	make_db(v, p);
	keep = wal_update(v, p, 1);
	ok(keep != NULL && tv_flip(wal, body2) == 0, "flip a byte in a "
	    "committed, not checkpointed frame (connection still open)");
	probe(v, p, &det, &wrong, &fresh, &xc);
	ok(det && !wrong && xc == SQLITE_IOERR_DATA, "live WAL frame flip: "
	    "SQLITE_IOERR_DATA (%d), no wrong data", xc);
	rc = vfscrypt_open(v, p, 0, &db2, &err);
	if (rc == OPS_OK) {
		rc = tv_exec(db2, "SELECT count(*), max(v) FROM t");
		rc = vfscrypt_map_error(db2, rc, "read", &err);
	}
	ok(rc == OPS_E_CORRUPT && strstr(ops_err_msg(&err), "WAL frame"),
	    "mapped to OPS_E_CORRUPT: %s", ops_err_msg(&err));
	sqlite3_close(db2);
	sqlite3_close(keep);

	/*
	 * Recovery: with every connection gone the frame reads as torn, so
	 * SQLite drops it and what follows (the whole transaction): old
	 * values, never damaged ones. Rollback to an older valid state is
	 * outside what the format can detect.
	 */
	make_db(v, p);
	wal_update(v, p, 0);
	tv_flip(wal, body2);
	probe(v, p, &det, &wrong, &fresh, &xc);
	ok(!wrong && (det || fresh == 0 || fresh == 500), "WAL frame flip "
	    "before recovery: transaction %s, no wrong data",
	    det ? "reported" : fresh ? "kept" : "dropped as torn");
}

int
main(void)
{
	struct vfscrypt	*v;

	plan_no_plan();
	tv_tmpdir();
	v = tv_vfs("tamper", 0x71, 0x55);
	test_pages(v);
	test_wal(v);
	vfscrypt_free(v);
	tv_rmdir();
	return exit_status();
}

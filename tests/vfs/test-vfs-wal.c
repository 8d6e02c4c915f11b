/*
 * test-vfs-wal.c: which damage to a WAL left by a crash is reported.
 * A frame of the current log that fails authentication with an
 * authentic commit after it is corruption: the open fails and names the
 * frame (before, SQLite's checksum quietly ended the log there and the
 * later commits vanished). A torn end of the log, a damaged last commit
 * frame (it cannot be told from a torn one) and frames of an older log
 * generation still recover quietly to the last intact commit.
 */
#include "config.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tap.h"
#include "vfs-test-util.h"

#define P	4096
#define FRAME	(24 + P)
#define NCOMMIT	6

static long
frame_off(long k)	/* 1-based frame k */
{
	return 32 + (k - 1) * FRAME;
}

static uint32_t
be32(const unsigned char *p)
{
	return ((uint32_t)p[0] << 24) | ((uint32_t)p[1] << 16) |
	    ((uint32_t)p[2] << 8) | p[3];
}

/* A database with NCOMMIT commits (rows 1..NCOMMIT) left in its WAL. */
static void
make_wal(struct vfscrypt *v, const char *p)
{
	struct ops_err	 err;
	sqlite3		*db = NULL;
	char		 sql[128];
	int		 i;

	remove(p);
	remove(tv_path("%s-wal", p));
	remove(tv_path("%s-shm", p));
	if (vfscrypt_open(v, p, 0, &db, &err) != OPS_OK) {
		diag("create %s: %s", p, ops_err_msg(&err));
		exit(99);
	}
	tv_exec(db, "CREATE TABLE t(id INTEGER PRIMARY KEY, v BLOB)");
	tv_exec(db, "PRAGMA wal_checkpoint(TRUNCATE)");
	sqlite3_db_config(db, SQLITE_DBCONFIG_NO_CKPT_ON_CLOSE, 1, NULL);
	tv_exec(db, "PRAGMA wal_autocheckpoint=0");
	for (i = 1; i <= NCOMMIT; i++) {
		/* Two pages of blob: each commit spans several frames. */
		snprintf(sql, sizeof(sql), "INSERT INTO t VALUES(%d, "
		    "zeroblob(6000))", i);
		tv_exec(db, sql);
	}
	sqlite3_close(db);
}

/* The 1-based commit frames of wal into c[], their count returned. */
static int
commits(const char *wal, long c[], int max)
{
	unsigned char	*raw;
	size_t		 n;
	long		 k;
	int		 nc = 0;

	if ((raw = tv_slurp(wal, &n)) == NULL)
		return 0;
	for (k = 1; frame_off(k) + FRAME <= (long)n && nc < max; k++)
		if (be32(raw + frame_off(k) + 4) != 0)
			c[nc++] = k;
	free(raw);
	return nc;
}

/* Open p; rows in t, or -1 with the error in err. */
static long long
rows(struct vfscrypt *v, const char *p, struct ops_err *err)
{
	sqlite3		*db = NULL;
	long long	 n;

	ops_err_clear(err);
	if (vfscrypt_open(v, p, 0, &db, err) != OPS_OK)
		return -1;
	n = tv_int(db, "SELECT count(*) FROM t");
	sqlite3_close(db);
	return n;
}

int
main(void)
{
	struct vfscrypt	*v;
	struct ops_err	 err;
	const char	*p, *wal, *keep;
	unsigned char	*raw;
	size_t		 n;
	long		 c[16];
	int		 nc;
	long long	 got;

	plan(9);
	tv_tmpdir();
	v = tv_vfs("walt", 0x33, 0x44);
	p = tv_path("w.db");
	wal = tv_path("w.db-wal");
	keep = tv_path("w.pristine-wal");

	make_wal(v, p);
	nc = commits(wal, c, 16);
	raw = tv_slurp(wal, &n);
	ok(nc == NCOMMIT && raw != NULL, "%d commits left in the WAL (%zu "
	    "bytes)", nc, n);
	tv_spit(keep, raw, n);
	/* The open recovers the WAL into a new -shm; start from none. */
	remove(tv_path("w.db-shm"));
	got = rows(v, p, &err);
	ok(got == NCOMMIT, "untouched WAL: all %d commits recovered (%lld)",
	    NCOMMIT, got);

	/* A byte of the first frame of commit 3: commits 3-6 would go. */
	tv_spit(wal, raw, n);
	remove(tv_path("w.db-shm"));
	tv_flip(wal, frame_off(c[1] + 1) + 24 + 100);
	got = rows(v, p, &err);
	ok(got == -1 && err.code == OPS_E_CORRUPT, "frame %ld flipped: the "
	    "open fails with OPS_E_CORRUPT (%lld rows)", c[1] + 1, got);
	ok(strstr(ops_err_msg(&err), "w.db-wal frame") != NULL &&
	    strstr(ops_err_msg(&err), "failed authentication: the store is "
	    "damaged") != NULL, "the error names the frame: %s",
	    ops_err_msg(&err));

	/* A frame inside the last commit, before its commit frame. */
	tv_spit(wal, raw, n);
	remove(tv_path("w.db-shm"));
	tv_flip(wal, frame_off(c[NCOMMIT - 1] - 1) + 24 + 7);
	got = rows(v, p, &err);
	ok(got == -1 && err.code == OPS_E_CORRUPT, "a frame of the last "
	    "transaction flipped: refused too (%s)", ops_err_msg(&err));

	/* The frame header's page number is authenticated data too. */
	tv_spit(wal, raw, n);
	remove(tv_path("w.db-shm"));
	tv_flip(wal, frame_off(2) + 3);
	got = rows(v, p, &err);
	ok(got == -1 && err.code == OPS_E_CORRUPT, "page number of frame 2 "
	    "changed: refused (%s)", ops_err_msg(&err));

	/* The last commit frame itself: looks torn, the last commit goes. */
	tv_spit(wal, raw, n);
	remove(tv_path("w.db-shm"));
	tv_flip(wal, frame_off(c[NCOMMIT - 1]) + 24 + 50);
	got = rows(v, p, &err);
	ok(got == NCOMMIT - 1, "last commit frame flipped: tolerated as a "
	    "torn end, %lld of %d commits (%s)", got, NCOMMIT,
	    ops_err_msg(&err));

	/* A torn end: the last frame half written. */
	tv_spit(wal, raw, n - P / 2);
	remove(tv_path("w.db-shm"));
	got = rows(v, p, &err);
	ok(got == NCOMMIT - 1, "WAL cut inside its last frame: recovers to "
	    "the commit before (%lld rows) %s", got, ops_err_msg(&err));

	/* Garbage after the last commit (an older generation, a torn
	 * frame): salts differ from the WAL header, tolerated. */
	raw = realloc(raw, n + 2 * FRAME);
	memcpy(raw + n, raw + frame_off(1), FRAME);
	raw[n + 8] ^= 0x5a;		/* other salt-1 */
	raw[n + 24 + 10] ^= 1;		/* body fails */
	memcpy(raw + n + FRAME, raw + frame_off(c[0]), FRAME);
	raw[n + FRAME + 8] ^= 0x5a;
	tv_spit(wal, raw, n + 2 * FRAME);
	remove(tv_path("w.db-shm"));
	got = rows(v, p, &err);
	ok(got == NCOMMIT, "frames of another generation after the log: all "
	    "%d commits, no error (%lld) %s", NCOMMIT, got,
	    ops_err_msg(&err));

	free(raw);
	vfscrypt_free(v);
	tv_rmdir();
	return exit_status();
}

/*
 * test-vfs-crash.c: a child writes through the shim, acknowledging each
 * COMMIT on a pipe; the parent SIGKILLs it at a random point. After
 * reopening, integrity_check is ok and every acknowledged row is there.
 * WAL mode (also with -shm deleted, and with a small autocheckpoint so
 * the WAL is reused) and rollback mode (hot journals rolled back through
 * the shim).
 */
#include "config.h"

#include <errno.h>
#include <signal.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "tap.h"
#include "vfs-test-util.h"

#define NTX	1000

/*
 * Insert NTX rows, one transaction each, acknowledging each COMMIT. With
 * stop_at > 0, after that many commits start a transaction big enough
 * to spill into the database or WAL, report -1 and wait to be killed.
 */
static void
child(struct vfscrypt *v, const char *path, int wal, int fd, int stop_at)
{
	struct ops_err	 err;
	sqlite3		*db = NULL;
	char		 sql[256];
	int		 i, rc;

	if (wal)
		rc = vfscrypt_open(v, path, 0, &db, &err) == OPS_OK ?
		    SQLITE_OK : SQLITE_ERROR;
	else {
		rc = tv_open(path, vfscrypt_name(v), &db);
		if (rc == SQLITE_OK)
			rc = tv_setup(db, "DELETE");
		if (rc == SQLITE_OK)
			rc = tv_exec(db, "PRAGMA cache_size=5; "
			    "PRAGMA synchronous=OFF");
	}
	if (rc == SQLITE_OK)
		rc = tv_exec(db, "PRAGMA wal_autocheckpoint=20; CREATE TABLE "
		    "IF NOT EXISTS t(id INTEGER PRIMARY KEY, v BLOB, n INT)");
	if (rc != SQLITE_OK)
		_exit(2);
	for (i = 1; i <= NTX; i++) {
		/* Insert row i, touch older rows so journals hold pages. */
		snprintf(sql, sizeof(sql), "BEGIN; INSERT INTO t VALUES(%d, "
		    "randomblob(%d), 0); UPDATE t SET n = n + 1 WHERE id %% "
		    "17 = %d; COMMIT", i, 100 + i % 900, i % 17);
		if (tv_exec(db, sql) != SQLITE_OK)
			_exit(3);
		if (write(fd, &i, sizeof(i)) != sizeof(i))
			_exit(4);
		if (i == stop_at) {
			if (tv_exec(db, "BEGIN; UPDATE t SET v = "
			    "randomblob(600), n = -1") != SQLITE_OK)
				_exit(5);
			i = -1;
			if (write(fd, &i, sizeof(i)) != sizeof(i))
				_exit(4);
			for (;;)
				pause();
		}
	}
	sqlite3_close(db);
	_exit(0);
}

static void
round_trip(struct vfscrypt *v, int round, int wal, int drop_shm, int mid)
{
	const char	*p = tv_path("crash-%d.db", round);
	struct ops_err	 err;
	sqlite3		*db = NULL;
	pid_t		 pid;
	int		 fds[2], acked = 0, target, got, st, rc, hot;
	long long	 have;

	target = 100 + (int)randombytes_uniform(801);
	if (pipe(fds) == -1) {
		ok(0, "pipe: %s", strerror(errno));
		return;
	}
	fflush(stdout);
	if ((pid = fork()) == 0) {
		close(fds[0]);
		child(v, p, wal, fds[1], mid ? target : 0);
	}
	close(fds[1]);
	while (read(fds[0], &got, sizeof(got)) == sizeof(got)) {
		if (got < 0 || (!mid && got >= target)) {
			if (got >= 0)
				acked = got;
			break;
		}
		acked = got;
	}
	kill(pid, SIGKILL);
	waitpid(pid, &st, 0);
	close(fds[0]);
	if (drop_shm)
		remove(tv_path("crash-%d.db-shm", round));
	hot = tv_exists(tv_path("crash-%d.db-%s", round, wal ? "wal" :
	    "journal"));
	if (mid)
		ok(hot, "%s round %d: killed inside an open, spilled "
		    "transaction; %s left behind", wal ? "WAL" : "rollback",
		    round, wal ? "WAL" : "hot journal");

	if (wal)
		rc = vfscrypt_open(v, p, 0, &db, &err);
	else
		rc = tv_open(p, vfscrypt_name(v), &db) == SQLITE_OK &&
		    tv_setup(db, "DELETE") == SQLITE_OK ? OPS_OK : OPS_E_DB;
	have = rc == OPS_OK ? tv_int(db, "SELECT count(*) FROM t WHERE id "
	    "<= (SELECT max(id) FROM t)") : -1;
	ok(rc == OPS_OK && acked >= target && WIFSIGNALED(st) &&
	    tv_int(db, "SELECT count(*) FROM t WHERE n < 0") == 0 &&
	    strcmp(tv_text(db, "PRAGMA integrity_check"), "ok") == 0,
	    "%s round %d%s: killed after %d acks, integrity ok",
	    wal ? "WAL" : "rollback", round, drop_shm ? " (-shm deleted)" :
	    "", acked);
	ok(tv_int(db, "SELECT count(*) FROM t WHERE id <= (SELECT max(id) "
	    "FROM t)") >= acked && tv_int(db, "SELECT max(id) FROM t") >=
	    acked && have == tv_int(db, "SELECT max(id) FROM t"),
	    "%s round %d: all %d acknowledged rows present (%lld rows, "
	    "no gaps)", wal ? "WAL" : "rollback", round, acked, have);
	sqlite3_close(db);
}

int
main(void)
{
	struct vfscrypt	*v;
	int		 r;

	plan_no_plan();
	tv_tmpdir();
	v = tv_vfs("crash", 0x21, 0x31);
	for (r = 0; r < 6; r++)
		round_trip(v, r, 1, r == 2 || r == 5, r % 2);
	for (r = 6; r < 9; r++)
		round_trip(v, r, 0, 0, r != 6);
	vfscrypt_free(v);
	tv_rmdir();
	return exit_status();
}

/*
 * test-store-state.c: the state file. A clean close leaves the counter
 * and audit head it recorded and no WAL; store_open refuses an older
 * database put back, a WAL put back after a clean close, a missing,
 * altered or foreign state file, and a missing database beside one. After
 * a crash (the child exits without closing) the store opens with every
 * commit, and an older copy is still refused. A backup carries its own
 * state file; STORE_OPEN_RESET_STATE takes a database as it is.
 */
#include "config.h"

#include <sys/wait.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "store-int.h"
#include "store-test.h"
#include "tap.h"

static struct keyring	*kr;

static const char *
db(void)
{
	return st_path("store.db");
}

static const char *
side(const char *suffix)
{
	static char	buf[4][512];
	static int	next;
	char		*p = buf[next++ % 4];

	snprintf(p, sizeof(buf[0]), "%s%s", db(), suffix);
	return p;
}

static int
copy_file(const char *from, const char *to)
{
	unsigned char	*b;
	size_t		 n = 0, cap = 1 << 16, got;
	FILE		*f;
	int		 rc = -1;

	if ((f = fopen(from, "rb")) == NULL)
		return -1;
	b = malloc(cap);
	while (b != NULL && (got = fread(b + n, 1, cap - n, f)) > 0) {
		n += got;
		if (n == cap && (b = realloc(b, cap *= 2)) == NULL)
			break;
	}
	fclose(f);
	if (b != NULL && (f = fopen(to, "wb")) != NULL) {
		rc = fwrite(b, 1, n, f) == n ? 0 : -1;
		fclose(f);
	}
	free(b);
	return rc;
}

static long
fsize(const char *path)
{
	FILE	*f = fopen(path, "rb");
	long	 n;

	if (f == NULL)
		return -1;
	fseek(f, 0, SEEK_END);
	n = ftell(f);
	fclose(f);
	return n;
}

/* Open, append n audit records, close cleanly; 0 on success. */
static int
session(int n, struct ops_err *err)
{
	struct store_audit_entry	 e = { .actor = "uid:0",
					    .action = "target.add" };
	struct store			*st = NULL;
	int				 i, rc;

	if ((rc = store_open(db(), kr, &st, err)) != OPS_OK)
		return rc;
	for (i = 0; i < n && rc == OPS_OK; i++)
		rc = store_audit_append(st, &e, NULL, err);
	store_close(st);
	return rc;
}

/* A child appends n records and exits without closing (a crash). */
static int
crash_session(int n)
{
	struct store_audit_entry	 e = { .actor = "uid:0",
					    .action = "job.run" };
	struct store			*st = NULL;
	struct ops_err			 err;
	pid_t				 pid;
	int				 i, status;

	if ((pid = fork()) == -1)
		return -1;
	if (pid == 0) {
		if (store_open(db(), kr, &st, &err) != OPS_OK)
			_exit(2);
		for (i = 0; i < n; i++)
			if (store_audit_append(st, &e, NULL, &err) != OPS_OK)
				_exit(3);
		_exit(0);
	}
	if (waitpid(pid, &status, 0) != pid || !WIFEXITED(status))
		return -1;
	return WEXITSTATUS(status);
}

/* Open; the error in err, the audit head in *head. */
static int
probe(struct store_audit_head *head, struct ops_err *err)
{
	struct store	*st = NULL;
	int		 rc;

	memset(head, 0, sizeof(*head));
	ops_err_clear(err);
	if ((rc = store_open(db(), kr, &st, err)) == OPS_OK)
		rc = store_audit_verify(st, NULL, head, err);
	store_close(st);
	return rc;
}

static void
test_clean(void)
{
	struct store_audit_head	 h;
	struct ops_err		 err;
	int			 rc;

	ok(session(3, &err) == OPS_OK, "new store, 3 records, clean close");
	ok(fsize(side("-state")) == 104 && fsize(side("-wal")) == -1,
	    "clean close: a 104-byte state file and no WAL");
	copy_file(db(), st_path("old.db"));
	rc = session(4, &err) == OPS_OK && probe(&h, &err) == OPS_OK;
	ok(rc && h.id == 7, "reopen, 4 more records, clean close: head %lld",
	    (long long)h.id);

	/* The older database put back, state file left. */
	copy_file(db(), st_path("new.db"));
	copy_file(st_path("old.db"), db());
	rc = probe(&h, &err);
	ok(rc == OPS_E_CORRUPT && strstr(err.msg, "does not match its last "
	    "clean close") != NULL, "older database put back: refused: %s",
	    err.msg);
	copy_file(st_path("new.db"), db());
	rc = probe(&h, &err);
	ok(rc == OPS_OK && h.id == 7, "the right database opens again (head "
	    "%lld)", (long long)h.id);
}

static void
test_wal_back(void)
{
	struct store_audit_head	 h;
	struct ops_err		 err;
	int			 rc;

	rc = crash_session(5);
	ok(rc == 0 && fsize(side("-wal")) > 32, "a crash leaves 5 commits in "
	    "the WAL (%ld bytes)", fsize(side("-wal")));
	copy_file(side("-wal"), st_path("crash.wal"));
	rc = probe(&h, &err);
	ok(rc == OPS_OK && h.id == 7 + 5, "after the crash: opens with every "
	    "commit (head %lld) %s", (long long)h.id, err.msg);
	ok(fsize(side("-wal")) == -1, "and closes cleanly");

	/* That WAL put back beside the cleanly closed store. */
	copy_file(st_path("crash.wal"), side("-wal"));
	remove(side("-shm"));
	rc = probe(&h, &err);
	ok(rc == OPS_E_CORRUPT && strstr(err.msg, "closed cleanly with an "
	    "empty log") != NULL, "WAL put back after a clean close: refused: "
	    "%s", err.msg);
	remove(side("-wal"));
	ok(probe(&h, &err) == OPS_OK, "opens once it is gone");
}

static void
test_crash_older(void)
{
	struct store_audit_head	 h;
	struct ops_err		 err;
	int			 rc;

	copy_file(db(), st_path("before.db"));
	ok(session(2, &err) == OPS_OK && crash_session(1) == 0,
	    "two more clean sessions' worth, then a crash");
	copy_file(st_path("before.db"), db());
	remove(side("-wal"));
	remove(side("-shm"));
	rc = probe(&h, &err);
	ok(rc == OPS_E_CORRUPT && strstr(err.msg, "older than when it was "
	    "last opened") != NULL, "after a crash, an older database put "
	    "back: refused: %s", err.msg);
}

static void
test_state_file(void)
{
	struct store_audit_head	 h;
	struct store		*st = NULL;
	struct ops_err		 err;
	struct keyring		*other;
	int			 rc;

	ops_err_clear(&err);
	rc = store_open_flags(db(), kr, STORE_OPEN_RESET_STATE, &st, &err);
	ok(rc == OPS_OK, "STORE_OPEN_RESET_STATE takes the database as it is "
	    "%s", err.msg);
	store_close(st);
	st = NULL;
	ok(probe(&h, &err) == OPS_OK, "and a normal open works after it");

	copy_file(side("-state"), st_path("state.keep"));
	remove(side("-state"));
	rc = probe(&h, &err);
	ok(rc == OPS_E_CORRUPT && strstr(err.msg, "is missing") != NULL,
	    "state file removed: refused: %s", err.msg);

	copy_file(st_path("state.keep"), side("-state"));
	{
		FILE	*f = fopen(side("-state"), "r+b");

		fseek(f, 30, SEEK_SET);
		fputc(0x42, f);
		fclose(f);
	}
	rc = probe(&h, &err);
	ok(rc == OPS_E_CORRUPT && strstr(err.msg, "failed authentication") !=
	    NULL, "state file byte changed: refused: %s", err.msg);

	/* A state file of another store (another key) beside this one. */
	other = st_keyring("other");
	if (store_open(st_path("o.db"), other, &st, &err) == OPS_OK)
		store_close(st);
	st = NULL;
	copy_file(st_path("o.db-state"), side("-state"));
	rc = probe(&h, &err);
	ok(rc == OPS_E_CORRUPT && strstr(err.msg, "failed authentication") !=
	    NULL, "another store's state file: refused: %s", err.msg);
	keyring_free(other);
	copy_file(st_path("state.keep"), side("-state"));
	ok(probe(&h, &err) == OPS_OK, "its own state file back: opens");

	/* The database gone, its state file left. */
	copy_file(db(), st_path("keep.db"));
	remove(db());
	rc = probe(&h, &err);
	ok(rc == OPS_E_CORRUPT && strstr(err.msg, "missing or empty") !=
	    NULL && fsize(db()) == -1, "database removed: refused, no new "
	    "database made: %s", err.msg);
	copy_file(st_path("keep.db"), db());
}

static void
test_backup(void)
{
	struct store_audit_head	 h, hb;
	struct store		*st = NULL, *bk = NULL;
	struct ops_err		 err;
	int			 rc;

	ops_err_clear(&err);
	rc = store_open(db(), kr, &st, &err) == OPS_OK &&
	    store_backup(st, st_path("backup.db"), &err) == OPS_OK &&
	    store_audit_head(st, &h, &err) == OPS_OK;
	ok(rc, "back up the store %s", err.msg);
	store_close(st);
	ok(fsize(st_path("backup.db-state")) == 104, "the backup has its "
	    "state file");
	rc = store_open(st_path("backup.db"), kr, &bk, &err) == OPS_OK &&
	    store_audit_verify(bk, NULL, &hb, &err) == OPS_OK;
	ok(rc && hb.id == h.id, "the backup opens with its audit trail (head "
	    "%lld)", (long long)hb.id);
	store_close(bk);
}

int
main(void)
{
	plan(22);
	st_tmpdir();
	kr = st_keyring("main");
	test_clean();
	test_wal_back();
	test_crash_older();
	test_state_file();
	test_backup();
	keyring_free(kr);
	st_cleanup();
	return exit_status();
}

/*
 * test-store-schema.c: open, migrations, version and key errors,
 * transactions, backup and integrity checks on real store files.
 */
#include "config.h"

#include <sys/stat.h>

#include <stdio.h>
#include <string.h>

#include "store-int.h"
#include "store-test.h"
#include "tap.h"

static const char MARK[] = "SCHEMA-PLAINTEXT-MARKER-7f3a";

static long long
object_count(struct store *st)
{
	sqlite3		*db = st_raw(st);
	long long	 n;

	if (db == NULL)
		return -1;
	n = st_int(db, "SELECT count(*) FROM sqlite_schema");
	sqlite3_close(db);
	return n;
}

static void
test_migrate(struct keyring *kr)
{
	struct store	*st = NULL;
	struct ops_err	 err;
	struct stat	 sb;
	long long	 objs;
	int		 rc;

	rc = store_open(st_path("store.db"), kr, &st, &err);
	if (!ok(rc == OPS_OK, "open creates a new store"))
		diag("%s", ops_err_msg(&err));
	if (st == NULL)
		return;
	is_int(store_schema_version(st), store_schema_latest(),
	    "new store is at the latest schema version");
	ok(store_schema_latest() >= 1, "there is at least one migration");
	objs = object_count(st);
	ok(objs > 10, "schema has its tables, indexes and triggers (%lld)",
	    objs);
	ok(stat(st_path("store.db"), &sb) == 0 && (sb.st_mode & 077) == 0,
	    "store file is owner-only");
	ok(store_integrity_check(st, &err) == OPS_OK, "integrity check ok");
	store_close(st);
	st = NULL;

	rc = store_open(st_path("store.db"), kr, &st, &err);
	ok(rc == OPS_OK, "reopen works");
	if (st == NULL)
		return;
	is_int(store_schema_version(st), store_schema_latest(),
	    "reopen leaves user_version unchanged");
	is_int(object_count(st), objs, "reopen adds no objects");
	store_close(st);
}

static void
test_version_too_new(struct keyring *kr)
{
	struct store	*st = NULL;
	struct ops_err	 err;
	sqlite3		*db;
	char		 sql[64];
	int		 rc;

	if (store_open(st_path("store.db"), kr, &st, &err) != OPS_OK) {
		skip(3, "store does not open");
		return;
	}
	db = st_raw(st);
	snprintf(sql, sizeof(sql), "PRAGMA user_version=%d",
	    store_schema_latest() + 1);
	ok(db != NULL && st_exec(db, sql) == SQLITE_OK,
	    "raw handle bumps user_version");
	sqlite3_close(db);
	store_close(st);
	st = NULL;
	rc = store_open(st_path("store.db"), kr, &st, &err);
	is_int(rc, OPS_E_VERSION, "newer schema is refused with OPS_E_VERSION");
	ok(st == NULL && strstr(err.msg, "newer") != NULL,
	    "message says the schema is newer: %s", err.msg);
	store_close(st);
}

static void
test_bad_files(struct keyring *kr)
{
	struct keyring	*other = st_keyring("other");
	struct store	*st = NULL;
	struct ops_err	 err;
	sqlite3		*db = NULL;
	FILE		*f;
	int		 rc;

	if (store_open(st_path("good.db"), kr, &st, &err) == OPS_OK)
		store_close(st);
	st = NULL;
	rc = store_open(st_path("good.db"), other, &st, &err);
	is_int(rc, OPS_E_BADKEY, "another key is refused with OPS_E_BADKEY");
	diag("wrong key: %s", err.msg);
	ok(st == NULL, "no store handed out on a wrong key");

	ok(sqlite3_open(st_path("plain.db"), &db) == SQLITE_OK &&
	    st_exec(db, "CREATE TABLE t(x)") == SQLITE_OK,
	    "plain SQLite file made");
	sqlite3_close(db);
	rc = store_open(st_path("plain.db"), kr, &st, &err);
	is_int(rc, OPS_E_PLAINTEXT, "plaintext database refused");

	if ((f = fopen(st_path("junk.db"), "wb")) != NULL) {
		for (rc = 0; rc < 8192; rc++)
			fputc((rc * 7919) & 0xff, f);
		fclose(f);
	}
	rc = store_open(st_path("junk.db"), kr, &st, &err);
	ok(rc == OPS_E_CORRUPT || rc == OPS_E_BADKEY,
	    "garbage file refused (%s)", err.msg);
	keyring_free(other);
}

static void
test_tx_and_backup(struct keyring *kr)
{
	struct store		*st = NULL, *bk = NULL;
	struct store_target_spec ts = { .host = "10.0.0.1", .notes = MARK };
	struct store_target_list l = { 0 };
	struct store_target	*t = NULL;
	struct ops_err		 err;
	char			 name[32];
	int			 i, rc;

	if (store_open(st_path("tx.db"), kr, &st, &err) != OPS_OK) {
		diag("%s", err.msg);
		return;
	}
	ok(store_tx_begin(st, &err) == OPS_OK, "begin transaction");
	is_int(store_tx_begin(st, &err), OPS_E_INVAL, "nested begin refused");
	ts.name = "rolled-back";
	ok(store_target_add(st, &ts, NULL, &err) == OPS_OK,
	    "add inside transaction");
	store_tx_rollback(st);
	is_int(store_target_get(st, "rolled-back", &t, &err), OPS_E_NOTFOUND,
	    "rollback drops the target");
	ok(store_tx_begin(st, &err) == OPS_OK, "begin again");
	for (i = 0; i < 50; i++) {
		snprintf(name, sizeof(name), "host%02d", i);
		ts.name = name;
		if (store_target_add(st, &ts, NULL, &err) != OPS_OK)
			break;
	}
	ts.name = "host00";
	is_int(store_target_add(st, &ts, NULL, &err), OPS_E_EXISTS,
	    "duplicate inside transaction fails alone");
	ok(store_tx_commit(st, &err) == OPS_OK, "commit");
	ok(store_target_list(st, NULL, &l, &err) == OPS_OK && l.n == 50,
	    "50 targets committed, failed call rolled back only itself");
	store_target_list_free(&l);

	ok(store_backup(st, st_path("backup.db"), &err) == OPS_OK,
	    "backup written");
	is_int(store_backup(st, st_path("backup.db"), &err), OPS_E_EXISTS,
	    "backup refuses an existing file");
	ok(st_file_contains(st_path("backup.db"), MARK, strlen(MARK)) == 0 &&
	    st_file_contains(st_path("backup.db"), "SQLite format 3", 15) == 0,
	    "backup file holds no plaintext");
	store_close(st);

	rc = store_open(st_path("backup.db"), kr, &bk, &err);
	if (!ok(rc == OPS_OK, "backup opens with the same keyring"))
		diag("%s", err.msg);
	if (bk != NULL) {
		ok(store_target_list(bk, NULL, &l, &err) == OPS_OK &&
		    l.n == 50 && strcmp(l.v[0].name, "host00") == 0 &&
		    strcmp(l.v[49].notes, MARK) == 0,
		    "backup holds the same rows");
		store_target_list_free(&l);
		ok(store_integrity_check(bk, &err) == OPS_OK,
		    "backup passes integrity check");
		store_close(bk);
	} else
		skip(2, "backup did not open");
}

int
main(void)
{
	struct keyring	*kr;

	plan_no_plan();
	st_tmpdir();
	kr = st_keyring("main");
	test_migrate(kr);
	test_version_too_new(kr);
	test_bad_files(kr);
	test_tx_and_backup(kr);
	keyring_free(kr);
	st_cleanup();
	return exit_status();
}

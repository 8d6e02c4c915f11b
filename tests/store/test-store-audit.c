/*
 * test-store-audit.c: the hash-chained audit trail: appends, listing
 * filters, the keyed hash format and the head verify returns, append-only
 * triggers, tampering (an edited record, a deleted middle record, an
 * edited record with the chain recomputed without the audit key) found by
 * store_audit_verify, and the migration of an unkeyed chain.
 */
#include "config.h"

#include <sodium.h>
#include <stdio.h>
#include <string.h>

#include "store-int.h"
#include "store-test.h"
#include "tap.h"

#define NREC	100

static const char triggers[] =
	"CREATE TRIGGER audit_no_update BEFORE UPDATE ON audit BEGIN"
	" SELECT RAISE(ABORT, 'audit records are append-only'); END;"
	"CREATE TRIGGER audit_no_delete BEFORE DELETE ON audit BEGIN"
	" SELECT RAISE(ABORT, 'audit records are append-only'); END;";

static void
be(unsigned char *b, uint64_t v, int n)
{
	int	i;

	for (i = n - 1; i >= 0; i--) {
		b[i] = v & 0xff;
		v >>= 8;
	}
}

/* The documented hash, computed independently of store-audit.c; key is
 * the audit key, or NULL for the unkeyed hash of schema versions < 4. */
static void
expect_hash(const unsigned char *key, const struct store_audit_rec *r,
    unsigned char out[32])
{
	crypto_generichash_state	 h;
	const char			*s[5];
	unsigned char			 b[8];
	int				 i;

	s[0] = r->actor;
	s[1] = r->action;
	s[2] = r->object;
	s[3] = r->detail;
	s[4] = r->result;
	crypto_generichash_init(&h, key, key != NULL ? 32 : 0, 32);
	crypto_generichash_update(&h, r->prev_hash, 32);
	be(b, (uint64_t)r->id, 8);
	crypto_generichash_update(&h, b, 8);
	be(b, (uint64_t)r->ts, 8);
	crypto_generichash_update(&h, b, 8);
	for (i = 0; i < 5; i++) {
		be(b, strlen(s[i]), 4);
		crypto_generichash_update(&h, b, 4);
		crypto_generichash_update(&h, (const unsigned char *)s[i],
		    strlen(s[i]));
	}
	crypto_generichash_final(&h, out, 32);
}

/*
 * What a tamperer who can run SQL but lacks the audit key does: drop the
 * triggers, then recompute prev_hash and hash of every record from id
 * from on with the hash function key (NULL: unkeyed), so the chain is
 * consistent again. With put_back the triggers are made again.
 */
static int
rehash(struct store *st, sqlite3 *db, const unsigned char *key,
    int64_t from, int put_back)
{
	struct store_audit_list	 l = { 0 };
	struct ops_err		 err;
	sqlite3_stmt		*u = NULL;
	unsigned char		 prev[32] = { 0 };
	size_t			 i;
	int			 rc = 0;

	st_exec(db, "DROP TRIGGER IF EXISTS audit_no_update; "
	    "DROP TRIGGER IF EXISTS audit_no_delete");
	if (store_audit_list(st, NULL, &l, &err) != OPS_OK ||
	    sqlite3_prepare_v2(db, "UPDATE audit SET prev_hash = ?1, hash = ?2"
	    " WHERE id = ?3", -1, &u, NULL) != SQLITE_OK)
		rc = -1;
	for (i = 0; rc == 0 && i < l.n; i++) {
		if (l.v[i].id >= from) {
			memcpy(l.v[i].prev_hash, prev, 32);
			expect_hash(key, &l.v[i], l.v[i].hash);
			sqlite3_bind_blob(u, 1, l.v[i].prev_hash, 32,
			    SQLITE_STATIC);
			sqlite3_bind_blob(u, 2, l.v[i].hash, 32, SQLITE_STATIC);
			sqlite3_bind_int64(u, 3, l.v[i].id);
			if (sqlite3_step(u) != SQLITE_DONE)
				rc = -1;
			sqlite3_reset(u);
		}
		memcpy(prev, l.v[i].hash, 32);
	}
	sqlite3_finalize(u);
	store_audit_list_free(&l);
	if (put_back && st_exec(db, triggers) != SQLITE_OK)
		rc = -1;
	return rc;
}

static void
test_append_list(struct store *st, const unsigned char *key)
{
	struct store_audit_head		 head;
	struct store_audit_entry	 e = { 0 };
	struct store_audit_filter	 f = { 0 };
	struct store_audit_list		 l = { 0 };
	struct ops_err			 err;
	unsigned char			 zero[32] = { 0 }, h[32];
	char				 detail[64], object[32];
	int64_t				 id = 0, bad = -1;
	int				 i, good = 1, linked = 1;

	for (i = 1; i <= NREC; i++) {
		snprintf(detail, sizeof(detail), "detail %d", i);
		snprintf(object, sizeof(object), "target/web%d", i % 7);
		e.actor = i % 3 == 0 ? "uid:0" : "uid:1000";
		e.action = i % 2 == 0 ? "target.add" : "job.run";
		e.object = i % 10 == 0 ? NULL : object;
		e.detail = detail;
		e.result = "ok";
		good &= store_audit_append(st, &e, &id, &err) == OPS_OK &&
		    id == i;
	}
	ok(good, "%d records appended with ids 1..%d", NREC, NREC);
	ok(store_audit_verify(st, &bad, &head, &err) == OPS_OK && bad == 0,
	    "chain verifies");

	ok(store_audit_list(st, NULL, &l, &err) == OPS_OK && l.n == NREC,
	    "list all");
	if (l.n == NREC) {
		ok(memcmp(l.v[0].prev_hash, zero, 32) == 0,
		    "first record's prev_hash is zero");
		for (i = 0; i < NREC; i++) {
			expect_hash(key, &l.v[i], h);
			good &= memcmp(h, l.v[i].hash, 32) == 0;
			if (i > 0)
				linked &= memcmp(l.v[i].prev_hash,
				    l.v[i - 1].hash, 32) == 0;
		}
		ok(good, "every hash matches the documented encoding (keyed "
		    "with the audit key)");
		ok(linked, "every prev_hash is the previous hash");
		ok(head.id == NREC && memcmp(head.hash, l.v[NREC - 1].hash,
		    32) == 0, "verify returns the head: record %lld and its "
		    "hash", (long long)head.id);
		ok(strcmp(l.v[9].object, "") == 0 &&
		    strcmp(l.v[8].detail, "detail 9") == 0,
		    "NULL object stored as empty");
	} else
		skip(4, "list failed");
	store_audit_list_free(&l);

	f.newest_first = 1;
	f.limit = 5;
	ok(store_audit_list(st, &f, &l, &err) == OPS_OK && l.n == 5 &&
	    l.v[0].id == NREC && l.v[4].id == NREC - 4, "newest 5");
	store_audit_list_free(&l);
	memset(&f, 0, sizeof(f));
	f.from_id = 10;
	f.to_id = 20;
	ok(store_audit_list(st, &f, &l, &err) == OPS_OK && l.n == 11 &&
	    l.v[0].id == 10, "id range 10-20");
	store_audit_list_free(&l);
	f.actor = "uid:0";
	f.action = "target.add";
	ok(store_audit_list(st, &f, &l, &err) == OPS_OK && l.n == 2 &&
	    l.v[0].id == 12 && l.v[1].id == 18, "actor and action filter");
	store_audit_list_free(&l);
	memset(&f, 0, sizeof(f));
	f.until = 1;
	ok(store_audit_list(st, &f, &l, &err) == OPS_OK && l.n == 0,
	    "time filter before everything");
	store_audit_list_free(&l);

	e.actor = "";
	is_int(store_audit_append(st, &e, NULL, &err), OPS_E_INVAL,
	    "empty actor refused");
	e.actor = "uid:1";
	e.action = "bad\033action";
	is_int(store_audit_append(st, &e, NULL, &err), OPS_E_INVAL,
	    "control character in action refused");
	e.action = "x";
	ok(store_tx_begin(st, &err) == OPS_OK &&
	    store_audit_append(st, &e, &id, &err) == OPS_OK,
	    "append inside a transaction");
	store_tx_rollback(st);
	ok(store_audit_list(st, NULL, &l, &err) == OPS_OK && l.n == NREC,
	    "rolled-back append left nothing");
	store_audit_list_free(&l);
}

static void
test_tamper(struct store *st)
{
	struct ops_err	 err;
	sqlite3		*db = st_raw(st);
	int64_t		 bad = 0;
	int		 rc;

	if (db == NULL) {
		skip(9, "raw handle did not open");
		return;
	}
	ok(sqlite3_exec(db, "UPDATE audit SET detail = 'x' WHERE id = 37",
	    NULL, NULL, NULL) != SQLITE_OK, "trigger refuses UPDATE");
	ok(sqlite3_exec(db, "DELETE FROM audit WHERE id = 37", NULL, NULL,
	    NULL) != SQLITE_OK, "trigger refuses DELETE");
	ok(st_exec(db, "DROP TRIGGER audit_no_update") == SQLITE_OK &&
	    st_exec(db, "DROP TRIGGER audit_no_delete") == SQLITE_OK,
	    "tamperer drops the triggers");

	st_exec(db, "UPDATE audit SET detail = 'detail 0' WHERE id = 37");
	rc = store_audit_verify(st, &bad, NULL, &err);
	is_int(rc, OPS_E_CORRUPT, "edited record fails verification");
	is_int(bad, 37, "verify names record 37");
	ok(strcmp(err.msg, "audit record 37: hash mismatch") == 0,
	    "message: %s", err.msg);

	st_exec(db, "UPDATE audit SET detail = 'detail 37' WHERE id = 37");
	ok(store_audit_verify(st, &bad, NULL, &err) == OPS_OK && bad == 0,
	    "restored record verifies again");

	st_exec(db, "DELETE FROM audit WHERE id = 50");
	rc = store_audit_verify(st, &bad, NULL, &err);
	ok(rc == OPS_E_CORRUPT && bad == 51 &&
	    strstr(err.msg, "audit record 51: chain broken") == err.msg,
	    "deleted middle record found at 51: %s", err.msg);
	sqlite3_close(db);
}

/* An edited record with the chain recomputed: only the key makes it
 * verify again. */
static void
test_recompute(struct store *st, const unsigned char *key)
{
	struct ops_err	 err;
	sqlite3		*db = st_raw(st);
	int64_t		 bad = 0;
	int		 rc;

	if (db == NULL) {
		skip(4, "raw handle did not open");
		return;
	}
	ok(st_exec(db, "DROP TRIGGER audit_no_update") == SQLITE_OK &&
	    st_exec(db, "UPDATE audit SET detail = 'forged' WHERE id = 37") ==
	    SQLITE_OK && rehash(st, db, NULL, 37, 0) == 0,
	    "tamperer edits record 37 and recomputes 37..%d unkeyed", NREC);
	rc = store_audit_verify(st, &bad, NULL, &err);
	ok(rc == OPS_E_CORRUPT && bad == 37 &&
	    strcmp(err.msg, "audit record 37: hash mismatch") == 0,
	    "recomputed chain fails verification at 37: %s", err.msg);
	st_exec(db, "UPDATE audit SET detail = 'detail 37' WHERE id = 37");
	ok(rehash(st, db, key, 37, 1) == 0, "put the record back, rehash "
	    "with the audit key, triggers back");
	ok(store_audit_verify(st, &bad, NULL, &err) == OPS_OK && bad == 0,
	    "with the key the chain verifies again");
	sqlite3_close(db);
}

/*
 * A store of schema 3 (unkeyed chain, no store_meta, no state file) is
 * migrated: its chain is checked unkeyed, then rehashed with the key. If
 * the unkeyed chain is already broken the open is refused.
 */
static void
make_v3(struct keyring *kr, const char *path, int damage)
{
	struct store_audit_entry	 e = { .actor = "uid:0",
					    .action = "target.add" };
	struct store			*st = NULL;
	struct ops_err			 err;
	sqlite3				*db;
	char				 state[512];
	int				 i;

	if (store_open(path, kr, &st, &err) != OPS_OK) {
		diag("open %s: %s", path, err.msg);
		return;
	}
	for (i = 0; i < 5; i++)
		store_audit_append(st, &e, NULL, &err);
	db = store_sqlite_handle(st);
	rehash(st, db, NULL, 1, 1);
	if (damage)
		st_exec(db, "DROP TRIGGER audit_no_update; UPDATE audit SET "
		    "object = 'x' WHERE id = 3; " "CREATE TRIGGER "
		    "audit_no_update BEFORE UPDATE ON audit BEGIN SELECT "
		    "RAISE(ABORT, 'append-only'); END");
	st_exec(db, "DROP TABLE store_meta; PRAGMA user_version = 3");
	store_close(st);
	snprintf(state, sizeof(state), "%s-state", path);
	remove(state);
}

static void
test_migrate(struct keyring *kr)
{
	struct store_audit_list	 l = { 0 };
	struct store		*st = NULL;
	struct ops_err		 err;
	unsigned char		 h[32];
	int64_t			 bad = 0;
	size_t			 i;
	int			 good = 1, rc;

	make_v3(kr, st_path("v3.db"), 0);
	rc = store_open(st_path("v3.db"), kr, &st, &err);
	ok(rc == OPS_OK && store_schema_version(st) == store_schema_latest(),
	    "schema 3 store with an unkeyed chain migrates: %s",
	    rc == OPS_OK ? "ok" : err.msg);
	if (rc != OPS_OK) {
		skip(2, "no store");
	} else {
		ok(store_audit_verify(st, &bad, NULL, &err) == OPS_OK,
		    "its chain verifies keyed");
		if (store_audit_list(st, NULL, &l, &err) != OPS_OK || l.n != 5)
			good = 0;
		for (i = 0; good && i < l.n; i++) {
			expect_hash(keyring_audit_key(kr), &l.v[i], h);
			good &= memcmp(h, l.v[i].hash, 32) == 0;
		}
		ok(good, "all 5 records rehashed with the audit key");
		store_audit_list_free(&l);
	}
	store_close(st);

	make_v3(kr, st_path("v3bad.db"), 1);
	st = NULL;
	rc = store_open(st_path("v3bad.db"), kr, &st, &err);
	ok(rc == OPS_E_CORRUPT && strstr(err.msg, "audit record 3: hash "
	    "mismatch; the trail was altered before this upgrade") != NULL,
	    "a broken unkeyed chain is not blessed by the migration: %s",
	    err.msg);
	store_close(st);
}

int
main(void)
{
	struct keyring	*kr;
	struct store	*st = NULL;
	struct ops_err	 err;

	plan_no_plan();
	st_tmpdir();
	kr = st_keyring("main");
	if (store_open(st_path("store.db"), kr, &st, &err) != OPS_OK) {
		diag("%s", err.msg);
		ok(0, "store opens");
	} else {
		test_append_list(st, keyring_audit_key(kr));
		test_recompute(st, keyring_audit_key(kr));
		test_tamper(st);
		store_close(st);
	}
	test_migrate(kr);
	keyring_free(kr);
	st_cleanup();
	return exit_status();
}

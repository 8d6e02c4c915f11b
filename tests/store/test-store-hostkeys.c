/*
 * test-store-hostkeys.c: pending host keys (record, refresh, list, remove),
 * accepting one into the known keys (with and without replacing a key of
 * the same type), refusals that change nothing, cascade on target delete,
 * and the migration from a version-1 store.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "store-int.h"
#include "store-test.h"
#include "tap.h"

#define FP_A	"SHA256:AAAAaaaa0123456789+/aaaaAAAAbbbbBBBBccccCCCCddd"
#define FP_B	"SHA256:BBBBbbbb0123456789+/bbbbBBBBccccCCCCddddDDDDeee"
#define FP_C	"SHA256:CCCCcccc0123456789+/ccccCCCCddddDDDDeeeeEEEEfff"

static void
add_target(struct store *st, const char *name)
{
	struct store_target_spec	s = { 0 };
	struct ops_err			err;

	s.name = name;
	s.host = "127.0.0.1";
	if (store_target_add(st, &s, NULL, &err) != OPS_OK)
		diag("add target %s: %s", name, err.msg);
}

static size_t
npending(struct store *st, const char *target)
{
	struct store_hostkey_pending_list	l;
	size_t					n;

	if (store_hostkey_pending_list(st, target, &l, NULL) != OPS_OK)
		return (size_t)-1;
	n = l.n;
	store_hostkey_pending_list_free(&l);
	return n;
}

static size_t
nknown(struct store *st, const char *target)
{
	struct store_hostkey_list	l;
	size_t				n;

	if (store_hostkey_list(st, target, &l, NULL) != OPS_OK)
		return (size_t)-1;
	n = l.n;
	store_hostkey_list_free(&l);
	return n;
}

static void
test_pending(struct store *st)
{
	struct store_hostkey_pending_list	 l = { 0 };
	struct ops_err				 err;
	const unsigned char			 blob[] = { 0, 0, 0, 3, 'a',
	    'b', 'c', 9 };
	sqlite3					*db;

	add_target(st, "web1");
	add_target(st, "web2");
	ok(store_hostkey_pending_set(st, "web1", "ssh-ed25519", FP_A, blob,
	    sizeof(blob), &err) == OPS_OK, "record a pending key");
	ok(store_hostkey_pending_list(st, "web1", &l, &err) == OPS_OK &&
	    l.n == 1 && strcmp(l.v[0].target, "web1") == 0 &&
	    strcmp(l.v[0].type, "ssh-ed25519") == 0 &&
	    strcmp(l.v[0].fp, FP_A) == 0 && l.v[0].blob_len == sizeof(blob) &&
	    memcmp(l.v[0].blob, blob, sizeof(blob)) == 0 &&
	    l.v[0].first_seen > 0 && l.v[0].last_seen == l.v[0].first_seen,
	    "pending key listed with type, blob and times");
	store_hostkey_pending_list_free(&l);

	/* Push last_seen back so a refresh is visible without sleeping. */
	db = st_raw(st);
	ok(st_exec(db, "UPDATE target_hostkeys_pending SET first_seen = 1000,"
	    " last_seen = 1000") == SQLITE_OK, "age the pending key");
	sqlite3_close(db);
	ok(store_hostkey_pending_set(st, "web1", "ssh-ed25519", FP_A, NULL, 0,
	    &err) == OPS_OK, "record the same key again");
	ok(store_hostkey_pending_list(st, "web1", &l, &err) == OPS_OK &&
	    l.n == 1 && l.v[0].first_seen == 1000 && l.v[0].last_seen > 1000 &&
	    l.v[0].blob_len == sizeof(blob),
	    "again: one row, first_seen kept, last_seen updated, blob kept");
	store_hostkey_pending_list_free(&l);

	ok(store_hostkey_pending_set(st, "web1", "ecdsa-sha2-nistp256", FP_B,
	    NULL, 0, &err) == OPS_OK, "second pending key on web1");
	ok(store_hostkey_pending_set(st, "web2", "ssh-ed25519", FP_C, NULL, 0,
	    &err) == OPS_OK, "pending key on web2");
	is_int((int)npending(st, "web1"), 2, "web1 has two pending keys");
	ok(store_hostkey_pending_list(st, NULL, &l, &err) == OPS_OK &&
	    l.n == 3 && strcmp(l.v[0].target, "web1") == 0 &&
	    strcmp(l.v[2].target, "web2") == 0,
	    "all pending keys, by target name");
	store_hostkey_pending_list_free(&l);

	is_int(store_hostkey_pending_set(st, "nosuch", "ssh-ed25519", FP_A,
	    NULL, 0, &err), OPS_E_NOTFOUND, "pending on unknown target");
	is_int(store_hostkey_pending_set(st, "web1", "ssh-ed25519", "MD5:aa",
	    NULL, 0, &err), OPS_E_INVAL, "non-SHA256 fingerprint refused");
	is_int(store_hostkey_pending_set(st, "web1", "bad type", FP_A, NULL,
	    0, &err), OPS_E_INVAL, "key type with a space refused");
	is_int(store_hostkey_pending_list(st, "nosuch", &l, &err),
	    OPS_E_NOTFOUND, "list for unknown target");
	ok(l.v == NULL && l.n == 0, "list cleared after failure");
	is_int((int)npending(st, NULL), 3, "refusals changed nothing");

	is_int(store_hostkey_pending_remove(st, "web1", FP_C, &err),
	    OPS_E_NOTFOUND, "remove a key pending on another target");
	ok(store_hostkey_pending_remove(st, "web1", FP_B, &err) == OPS_OK,
	    "remove one pending key");
	is_int((int)npending(st, "web1"), 1, "web1 has one pending key");
}

static void
test_accept(struct store *st)
{
	struct store_hostkey_pending	*got = NULL;
	struct store_hostkey_list	 kl = { 0 };
	struct ops_err			 err;

	is_int(store_hostkey_accept(st, "web1", FP_B, 0, &got, &err),
	    OPS_E_NOTFOUND, "accept a key that is not pending");
	ok(got == NULL, "no key returned on failure");
	ok(strstr(err.msg, "web1") != NULL && strstr(err.msg, FP_B) != NULL,
	    "error names target and fingerprint");
	is_int(store_hostkey_accept(st, "nosuch", FP_A, 0, NULL, &err),
	    OPS_E_NOTFOUND, "accept on unknown target");
	ok(store_hostkey_accept(st, "web1", FP_A, 0, &got, &err) == OPS_OK &&
	    got != NULL && strcmp(got->fp, FP_A) == 0 &&
	    strcmp(got->type, "ssh-ed25519") == 0,
	    "accept the pending key, get it back");
	store_hostkey_pending_free(got);
	got = NULL;
	is_int((int)npending(st, "web1"), 0, "accepted key is no longer pending");
	ok(store_hostkey_list(st, "web1", &kl, &err) == OPS_OK && kl.n == 1 &&
	    strcmp(kl.v[0].fp, FP_A) == 0 && kl.v[0].blob_len == 8 &&
	    kl.v[0].added > 0, "accepted key is known, with its blob");
	store_hostkey_list_free(&kl);
	is_int(store_hostkey_pending_set(st, "web1", "ssh-ed25519", FP_A, NULL,
	    0, &err), OPS_E_EXISTS, "a known key cannot become pending");
	is_int((int)npending(st, "web1"), 0, "still nothing pending");

	/* A changed key of the same type, accepted without replace: both
	 * known; then another with replace: only the newest of that type. */
	ok(store_hostkey_pending_set(st, "web1", "ssh-ed25519", FP_B, NULL, 0,
	    &err) == OPS_OK, "a changed key becomes pending");
	ok(store_hostkey_pending_set(st, "web1", "ssh-rsa", FP_C, NULL, 0,
	    &err) == OPS_OK, "an rsa key becomes pending");
	ok(store_hostkey_accept(st, "web1", FP_C, 0, NULL, &err) == OPS_OK,
	    "accept the rsa key, no replace");
	is_int((int)nknown(st, "web1"), 2, "two known keys");
	ok(store_hostkey_accept(st, "web1", FP_B, 1, NULL, &err) == OPS_OK,
	    "accept the changed key with replace");
	ok(store_hostkey_list(st, "web1", &kl, &err) == OPS_OK && kl.n == 2 &&
	    ((strcmp(kl.v[0].fp, FP_C) == 0 && strcmp(kl.v[1].fp, FP_B) == 0) ||
	    (strcmp(kl.v[0].fp, FP_B) == 0 && strcmp(kl.v[1].fp, FP_C) == 0)),
	    "replace dropped the old ed25519 key and kept the rsa key");
	store_hostkey_list_free(&kl);

	/* Inside a caller's transaction, a rollback undoes an accept. */
	ok(store_hostkey_pending_set(st, "web2", "ssh-ed25519", FP_A, NULL, 0,
	    &err) == OPS_OK, "second pending key on web2");
	ok(store_tx_begin(st, &err) == OPS_OK &&
	    store_hostkey_accept(st, "web2", FP_A, 0, NULL, &err) == OPS_OK,
	    "accept inside a transaction");
	store_tx_rollback(st);
	is_int((int)npending(st, "web2"), 2, "rollback: still pending");
	is_int((int)nknown(st, "web2"), 0, "rollback: not known");

	ok(store_target_delete(st, "web2", &err) == OPS_OK, "delete web2");
	is_int((int)npending(st, NULL), 0, "its pending keys went with it");
}

/* The table is in the schema, with its cascade and uniqueness. (Rolling
 * a store back to an older version is not possible here: later
 * migrations of other areas would run again.) */
static void
test_schema(struct keyring *kr)
{
	struct store	*st = NULL;
	struct ops_err	 err;
	sqlite3		*db;

	if (store_open(st_path("store.db"), kr, &st, &err) != OPS_OK) {
		ok(0, "reopen store: %s", err.msg);
		skip(3, "no store");
		return;
	}
	ok(store_schema_latest() >= 2 &&
	    store_schema_version(st) == store_schema_latest(),
	    "store is at the latest schema (pending keys are migration 2)");
	db = st_raw(st);
	is_int(st_int(db, "SELECT count(*) FROM pragma_foreign_key_list("
	    "'target_hostkeys_pending') WHERE \"table\" = 'targets' AND"
	    " on_delete = 'CASCADE'"), 1, "pending keys cascade on target delete");
	is_int(st_int(db, "SELECT count(*) FROM pragma_index_list("
	    "'target_hostkeys_pending') WHERE \"unique\" = 1"), 1,
	    "one row per target and fingerprint");
	sqlite3_close(db);
	store_close(st);
}

int
main(void)
{
	struct keyring	*kr;
	struct store	*st = NULL;
	struct ops_err	 err;

	plan_no_plan();
	kr = st_keyring("k");
	if (store_open(st_path("store.db"), kr, &st, &err) != OPS_OK) {
		ok(0, "open store: %s", err.msg);
		st_cleanup();
		return exit_status();
	}
	test_pending(st);
	test_accept(st);
	store_close(st);
	test_schema(kr);
	keyring_free(kr);
	st_cleanup();
	return exit_status();
}

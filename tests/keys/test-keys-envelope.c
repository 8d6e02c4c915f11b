/* test-keys-envelope.c: key files, passphrases, rewrapping, memory. */
#include "config.h"

#include <sys/stat.h>
#include <sys/wait.h>

#include <dirent.h>
#include <signal.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "keys.h"
#include "keys-test-util.h"
#include "secret.h"
#include "tap.h"

static struct keys_kdf_limits	fast = {
	crypto_pwhash_OPSLIMIT_MIN, crypto_pwhash_MEMLIMIT_MIN
};

static struct secret *
pass(const char *s)
{
	struct secret	*p = NULL;

	if (secret_from(s, strlen(s), &p, NULL) != OPS_OK)
		abort();
	return p;
}

static int
same_keys(const struct keyring *a, const struct keyring *b)
{
	return a != NULL && b != NULL &&
	    memcmp(keyring_page_key(a), keyring_page_key(b), KEYS_KEY_LEN) ==
	    0 && memcmp(keyring_db_id(a), keyring_db_id(b), KEYS_DBID_LEN) == 0;
}

static int
file_mode(const char *path)
{
	struct stat	st;

	if (stat(path, &st) == -1)
		return -1;
	return (int)(st.st_mode & 07777);
}

static int
exists(const char *path)
{
	struct stat	st;

	return lstat(path, &st) == 0;
}

static int
unchanged(const char *path, const unsigned char before[32])
{
	unsigned char	now[32];

	return kt_hash(path, now) == 0 && memcmp(now, before, 32) == 0;
}

/* Did an atomic write leave a "*.tmp-*" file in the test directory? */
static int
tmp_left(void)
{
	DIR		*d;
	struct dirent	*de;
	int		 found = 0;

	if ((d = opendir(kt_tmpdir())) == NULL)
		return 1;
	while ((de = readdir(d)) != NULL)
		if (strstr(de->d_name, ".tmp-") != NULL) {
			diag("left behind: %s", de->d_name);
			found = 1;
		}
	closedir(d);
	return found;
}

static void
test_keyfile(void)
{
	struct keyring	*kr = NULL, *kr2 = NULL, *other = NULL;
	struct secret	*p;
	struct ops_err	 err;
	enum keys_kind	 kind;
	unsigned char	 h[32], *buf;
	const char	*env = kt_path("store.key"), *kf = kt_path("store.keyfile");
	const char	*env2, *kf2;
	size_t		 len;
	int		 rc;

	rc = keys_create_keyfile(env, kf, &kr, &err);
	if (!is_int(rc, OPS_OK, "create key-file store"))
		diag("%s", err.msg);
	ok(file_mode(env) == 0600 && file_mode(kf) == 0600,
	    "envelope and key file are mode 0600");
	buf = kt_read(env, &len);
	ok(buf != NULL && len == KEYS_ENVELOPE_LEN, "envelope is %d bytes",
	    KEYS_ENVELOPE_LEN);
	ok(buf != NULL && kr != NULL &&
	    !kt_contains(buf, len, keyring_page_key(kr), KEYS_KEY_LEN),
	    "page key bytes do not appear in the envelope");
	ok(buf != NULL && kr != NULL &&
	    kt_contains(buf, len, keyring_db_id(kr), KEYS_DBID_LEN),
	    "envelope carries the database id");
	free(buf);
	buf = kt_read(kf, &len);
	ok(buf != NULL && len == KEYS_KEY_LEN && kr != NULL &&
	    !kt_contains(buf, len, keyring_page_key(kr), KEYS_KEY_LEN),
	    "key file is 32 bytes and is not the page key");
	free(buf);
	ok(keys_envelope_kind(env, &kind, &err) == OPS_OK &&
	    kind == KEYS_KIND_KEYFILE, "envelope kind is key file");

	rc = keys_unlock_keyfile(env, kf, &kr2, &err);
	if (!is_int(rc, OPS_OK, "unlock with key file"))
		diag("%s", err.msg);
	ok(same_keys(kr, kr2) && keyring_generation(kr2) == 1,
	    "unlock gives the same page key, db id and generation");
	keyring_free(kr2);
	kr2 = NULL;

	/* Permissions: refused, clear message, nothing changed. */
	kt_hash(env, h);
	chmod(kf, 0644);
	rc = keys_unlock_keyfile(env, kf, &kr2, &err);
	is_int(rc, OPS_E_PERM, "key file mode 0644 is refused");
	ok(strstr(err.msg, kf) != NULL && strstr(err.msg, "0644") != NULL &&
	    strstr(err.msg, "chmod 600") != NULL,
	    "message names the file, its mode and the fix");
	diag("%s", err.msg);
	ok(kr2 == NULL && unchanged(env, h), "no keyring, envelope untouched");
	chmod(kf, 0640);
	is_int(keys_unlock_keyfile(env, kf, &kr2, &err), OPS_E_PERM,
	    "key file mode 0640 is refused");
	chmod(kf, 0602);
	is_int(keys_unlock_keyfile(env, kf, &kr2, &err), OPS_E_PERM,
	    "key file mode 0602 (world-writable) is refused");
	chmod(kf, 0600);
	ok(symlink(kf, kt_path("link.keyfile")) == 0 &&
	    keys_unlock_keyfile(env, kt_path("link.keyfile"), &kr2, &err) ==
	    OPS_E_PERM, "symbolic link to the key file is refused");
	ok(mkdir(kt_path("dir.keyfile"), 0700) == 0 &&
	    keys_unlock_keyfile(env, kt_path("dir.keyfile"), &kr2, &err) ==
	    OPS_E_PERM, "directory as key file is refused");
	rmdir(kt_path("dir.keyfile"));
	if (geteuid() == 0) {
		buf = kt_read(kf, &len);
		kt_write(kt_path("foreign.keyfile"), buf, len, 0600);
		free(buf);
		ok(chown(kt_path("foreign.keyfile"), 1, 1) == 0 &&
		    keys_unlock_keyfile(env, kt_path("foreign.keyfile"), &kr2,
		    &err) == OPS_E_PERM && strstr(err.msg, "owned by") != NULL,
		    "key file owned by another uid is refused");
	} else
		skip(1, "needs root to chown a file to another uid");
	is_int(keys_unlock_keyfile(env, kt_path("missing"), &kr2, &err),
	    OPS_E_NOTFOUND, "missing key file is not found");

	/* Another store's key file. */
	env2 = kt_path("other.key");
	kf2 = kt_path("other.keyfile");
	ok(keys_create_keyfile(env2, kf2, &other, &err) == OPS_OK &&
	    !same_keys(kr, other), "second store has its own keys");
	rc = keys_unlock_keyfile(env, kf2, &kr2, &err);
	is_int(rc, OPS_E_BADKEY, "another store's key file is a bad key");
	ok(strstr(err.msg, "does not open this store") != NULL,
	    "message says the key file does not open this store");
	ok(kt_write(kt_path("short.keyfile"), "abc", 3, 0600) == 0 &&
	    keys_unlock_keyfile(env, kt_path("short.keyfile"), &kr2, &err) ==
	    OPS_E_BADKEY, "key file of the wrong size is a bad key");
	ok(kr2 == NULL && unchanged(env, h), "envelope still untouched");

	/* Never overwrite. */
	is_int(keys_create_keyfile(env, kt_path("new.keyfile"), &kr2, &err),
	    OPS_E_EXISTS, "create over an existing envelope fails");
	ok(unchanged(env, h) && !exists(kt_path("new.keyfile")),
	    "envelope unchanged and no key file left behind");
	kt_hash(kf, h);
	is_int(keys_create_keyfile(kt_path("new.key"), kf, &kr2, &err),
	    OPS_E_EXISTS, "create over an existing key file fails");
	ok(unchanged(kf, h) && !exists(kt_path("new.key")),
	    "key file unchanged and no envelope left behind");
	kt_hash(env, h);
	p = pass("x");
	is_int(keys_create_passphrase(env, p, &fast, &kr2, &err),
	    OPS_E_EXISTS, "passphrase create over an envelope fails");
	ok(unchanged(env, h), "envelope unchanged");
	secret_free(p);

	/* Rewrapping with another database's keyring is refused. */
	is_int(keys_rewrap_keyfile(env, other, kt_path("x.keyfile"), NULL,
	    &err), OPS_E_INVAL, "rewrap with another store's keyring refused");
	ok(unchanged(env, h) && !exists(kt_path("x.keyfile")),
	    "envelope unchanged, no key file made");

	keyring_free(kr);
	keyring_free(other);
}

static void
test_passphrase(void)
{
	struct keyring	*kr = NULL, *kr2 = NULL;
	struct ops_err	 err;
	struct secret	*good = pass("correct horse"), *bad = pass("correct hors");
	struct secret	*empty = NULL, *newp = pass("battery staple");
	struct keys_kdf_limits lim;
	enum keys_kind	 kind;
	unsigned char	 h[32], *buf;
	const char	*env = kt_path("pass.key");
	size_t		 len;
	int		 rc;

	secret_new(0, &empty, NULL);
	is_int(keys_create_passphrase(env, empty, &fast, &kr, &err),
	    OPS_E_INVAL, "empty passphrase refused at create");
	ok(!exists(env), "no envelope after refusal");
	lim.opslimit = 1000;
	lim.memlimit = crypto_pwhash_MEMLIMIT_MIN;
	is_int(keys_create_passphrase(env, good, &lim, &kr, &err),
	    OPS_E_INVAL, "absurd opslimit refused");
	lim.opslimit = crypto_pwhash_OPSLIMIT_MIN;
	lim.memlimit = 1024;
	is_int(keys_create_passphrase(env, good, &lim, &kr, &err),
	    OPS_E_INVAL, "tiny memlimit refused");

	rc = keys_create_passphrase(env, good, &fast, &kr, &err);
	if (!is_int(rc, OPS_OK, "create passphrase store (MIN limits)"))
		diag("%s", err.msg);
	ok(keys_envelope_kind(env, &kind, &err) == OPS_OK &&
	    kind == KEYS_KIND_PASSPHRASE, "envelope kind is passphrase");
	buf = kt_read(env, &len);
	ok(buf != NULL && len == KEYS_ENVELOPE_LEN && buf[24] ==
	    crypto_pwhash_OPSLIMIT_MIN && buf[32] == 0 && buf[33] == 0x20 &&
	    kr != NULL && !kt_contains(buf, len, keyring_page_key(kr), 32) &&
	    !kt_contains(buf, len, (const unsigned char *)"correct", 7),
	    "envelope holds the limits, not the key or passphrase");
	free(buf);

	rc = keys_unlock_passphrase(env, good, &kr2, &err);
	if (!is_int(rc, OPS_OK, "unlock with passphrase"))
		diag("%s", err.msg);
	ok(same_keys(kr, kr2), "same page key and db id");
	keyring_free(kr2);
	kr2 = NULL;

	kt_hash(env, h);
	rc = keys_unlock_passphrase(env, bad, &kr2, &err);
	is_int(rc, OPS_E_BADKEY, "wrong passphrase is a bad key");
	ok(strstr(err.msg, "wrong passphrase") != NULL &&
	    strstr(err.msg, "correct") == NULL,
	    "message says wrong passphrase and does not hold it");
	ok(kr2 == NULL && unchanged(env, h), "envelope bytes unchanged");
	is_int(keys_unlock_passphrase(env, empty, &kr2, &err), OPS_E_INVAL,
	    "empty passphrase refused at unlock");
	is_int(keys_unlock_keyfile(env, kt_path("store.keyfile"), &kr2,
	    &err), OPS_E_INVAL, "key file offered to a passphrase envelope");
	is_int(keys_unlock_passphrase(kt_path("store.key"), good, &kr2, &err),
	    OPS_E_INVAL, "passphrase offered to a key-file envelope");

	/* Change the passphrase. */
	rc = keys_rewrap_passphrase(env, kr, newp, &fast, NULL, &err);
	if (!is_int(rc, OPS_OK, "rewrap under a new passphrase"))
		diag("%s", err.msg);
	ok(file_mode(env) == 0600, "new envelope is mode 0600");
	is_int(keys_unlock_passphrase(env, good, &kr2, &err), OPS_E_BADKEY,
	    "old passphrase no longer opens it");
	ok(keys_unlock_passphrase(env, newp, &kr2, &err) == OPS_OK &&
	    same_keys(kr, kr2), "new passphrase gives the same keys");
	keyring_free(kr2);
	kr2 = NULL;
	is_int(keys_rewrap_passphrase(env, kr, empty, &fast, NULL, &err),
	    OPS_E_INVAL, "rewrap with an empty passphrase refused");

	/* Default opslimit with a small memlimit: stored as MODERATE. */
	lim.opslimit = 0;
	lim.memlimit = crypto_pwhash_MEMLIMIT_MIN;
	ok(keys_rewrap_passphrase(env, kr, newp, &lim, NULL, &err) ==
	    OPS_OK && (buf = kt_read(env, &len)) != NULL &&
	    buf[24] == crypto_pwhash_OPSLIMIT_MODERATE,
	    "zero opslimit means the MODERATE default");
	free(buf);

	keyring_free(kr);
	secret_free(good);
	secret_free(bad);
	secret_free(empty);
	secret_free(newp);
}

static void
test_moves(void)
{
	struct keyring	*kr = NULL, *kr2 = NULL;
	struct ops_err	 err;
	struct secret	*p = pass("moving day");
	enum keys_kind	 kind;
	unsigned char	 h[32], id[KEYS_DBID_LEN], *buf;
	const char	*env = kt_path("move.key"), *kf = kt_path("move.keyfile");
	const char	*kf2 = kt_path("move2.keyfile");
	const char	*kf3 = kt_path("move3.keyfile");
	size_t		 len;

	ok(keys_create_keyfile(env, kf, &kr, &err) == OPS_OK,
	    "create key-file store to move");
	memcpy(id, keyring_db_id(kr), sizeof(id));

	ok(keys_rewrap_passphrase(env, kr, p, &fast, kf, &err) == OPS_OK,
	    "move from key file to passphrase");
	ok(!exists(kf), "old key file removed");
	ok(keys_envelope_kind(env, &kind, &err) == OPS_OK &&
	    kind == KEYS_KIND_PASSPHRASE, "envelope now wants a passphrase");
	buf = kt_read(env, &len);
	ok(buf != NULL && len == KEYS_ENVELOPE_LEN &&
	    memcmp(buf + 16, id, sizeof(id)) == 0,
	    "envelope keeps the database id");
	free(buf);
	ok(keys_unlock_passphrase(env, p, &kr2, &err) == OPS_OK &&
	    same_keys(kr, kr2), "passphrase gives the same keys");
	keyring_free(kr2);
	kr2 = NULL;

	ok(keys_rewrap_keyfile(env, kr, kf2, NULL, &err) == OPS_OK,
	    "move from passphrase to key file");
	ok(file_mode(kf2) == 0600, "new key file is mode 0600");
	ok(keys_unlock_keyfile(env, kf2, &kr2, &err) == OPS_OK &&
	    same_keys(kr, kr2), "new key file gives the same keys");
	keyring_free(kr2);
	kr2 = NULL;
	is_int(keys_unlock_passphrase(env, p, &kr2, &err), OPS_E_INVAL,
	    "passphrase no longer accepted");

	kt_hash(env, h);
	is_int(keys_rewrap_keyfile(env, kr, kf2, kf2, &err), OPS_E_INVAL,
	    "rotating a key file onto its own path is refused");
	is_int(keys_rewrap_keyfile(env, kr, kt_path("store.keyfile"), kf2,
	    &err), OPS_E_EXISTS, "new key file path must not exist");
	ok(unchanged(env, h) && exists(kf2), "nothing changed");

	ok(keys_rewrap_keyfile(env, kr, kf3, kf2, &err) == OPS_OK &&
	    !exists(kf2), "rotate key file; old one removed");
	ok(keys_unlock_keyfile(env, kf3, &kr2, &err) == OPS_OK &&
	    same_keys(kr, kr2) && keyring_generation(kr2) == 1,
	    "rotated key file gives the same keys and generation");
	keyring_free(kr2);
	keyring_free(kr);
	secret_free(p);
	ok(!tmp_left(), "no temporary files left behind");
}

#define FAULT_EXIT	42

static void
on_fault(int sig)
{
	(void)sig;
	_exit(FAULT_EXIT);
}

/* Run fn in a child; did it take a memory-protection fault? */
static int
child_faults(void (*fn)(const struct keyring *), const struct keyring *kr)
{
	struct sigaction	sa;
	pid_t			pid;
	int			status;

	fflush(stdout);
	fflush(stderr);
	if ((pid = fork()) == -1)
		return 0;
	if (pid == 0) {
		/* Our handler, also over the sanitizers' own. */
		memset(&sa, 0, sizeof(sa));
		sa.sa_handler = on_fault;
		sigemptyset(&sa.sa_mask);
		sigaction(SIGSEGV, &sa, NULL);
		sigaction(SIGBUS, &sa, NULL);
		fn(kr);
		_exit(0);
	}
	if (waitpid(pid, &status, 0) != pid)
		return 0;
	if (!WIFEXITED(status) || WEXITSTATUS(status) != FAULT_EXIT)
		diag("child status 0x%x", status);
	return WIFEXITED(status) && WEXITSTATUS(status) == FAULT_EXIT;
}

static void
poke_cred(const struct keyring *kr)
{
	const unsigned char	*key;
	volatile unsigned char	 c;

	if (keyring_cred_acquire(kr, &key, NULL) != OPS_OK)
		_exit(0);
	keyring_cred_release(kr);
	c = key[0];	/* PROT_NONE: must fault */
	(void)c;
}

static void
poke_page(const struct keyring *kr)
{
	/* Read-only: writing must fault. */
	*(volatile unsigned char *)(uintptr_t)keyring_page_key(kr) = 0;
}

static void
test_memory(void)
{
	struct keyring		*kr = NULL;
	struct ops_err		 err;
	const unsigned char	*key;
	unsigned char		*buf;
	size_t			 len;

	keyring_free(NULL);
	ok(1, "keyring_free(NULL) is harmless");
	if (keys_unlock_keyfile(kt_path("move.key"), kt_path("move3.keyfile"),
	    &kr, &err) != OPS_OK) {
		skip(4, "no keyring to inspect");
		return;
	}
	ok(keyring_cred_acquire(kr, &key, &err) == OPS_OK && key != NULL &&
	    memcmp(key, keyring_page_key(kr), KEYS_KEY_LEN) != 0,
	    "credential key differs from the page key");
	buf = kt_read(kt_path("move.key"), &len);
	ok(buf != NULL && !kt_contains(buf, len, key, KEYS_KEY_LEN),
	    "credential key bytes do not appear in the envelope");
	free(buf);
	keyring_cred_release(kr);
	ok(child_faults(poke_cred, kr),
	    "credential key is inaccessible outside seal/open");
	ok(child_faults(poke_page, kr), "page key is read-only");
	keyring_free(kr);
}

int
main(void)
{
	if (ops_crypto_init(NULL) != OPS_OK) {
		printf("Bail out! libsodium\n");
		return 1;
	}
	kt_tmpdir();
	plan(73);
	test_keyfile();
	test_passphrase();
	test_moves();
	test_memory();
	kt_cleanup();
	return exit_status();
}

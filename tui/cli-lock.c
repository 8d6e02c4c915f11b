/*
 * cli-lock.c: init, unlock, lock and passwd. Passphrases never come from
 * argv: they are read from --passphrase-file, else from the terminal
 * without echo (twice when a new one is set), else from stdin. init
 * creates the store here, holding opsicled.lock so no daemon can start
 * meanwhile; the others ask the daemon, which runs Argon2id, and the
 * JSON copies of the passphrase are wiped once sent.
 */
#include "config.h"

#include <sys/file.h>
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <sodium.h>

#include "config-file.h"
#include "keys.h"
#include "secret-read.h"
#include "secret.h"
#include "store.h"
#include "tui.h"
#include "vfs-crypt.h"

/* ---- command entries (listed in cli-table.c) ---------------------------- */

/* The entries are the way in: the functions that run them are static. */
static cli_exec_fn	cli_init, cli_unlock, cli_lock, cli_passwd;

/* init runs in the CLI alone (no daemon may hold the store). */
const struct cmd_entry cmd_init_entry = {
	.name = "init",
	.usage = "init [--passphrase] [--passphrase-file FILE]",
	.help = "create the store: with a key file, or protected by a "
	    "passphrase",
	.min_args = 0, .max_args = 0,
	.options = "passphrase passphrase-file=",
	.flags = CMD_F_LOCAL | CMD_F_SECRET,
	.type = PROTO_NONE,
	.exec = cli_init,
};

const struct cmd_entry cmd_unlock_entry = {
	.name = "unlock",
	.usage = "unlock [--passphrase-file FILE]",
	.help = "unlock a passphrase-protected store",
	.min_args = 0, .max_args = 0,
	.options = "passphrase-file=",
	.flags = CMD_F_SECRET | CMD_F_START_DAEMON,
	.type = PROTO_UNLOCK,
	.exec = cli_unlock,
};

const struct cmd_entry cmd_lock_entry = {
	.name = "lock",
	.usage = "lock",
	.help = "close the store and wipe its keys from the daemon",
	.min_args = 0, .max_args = 0,
	.flags = 0,
	.type = PROTO_LOCK,
	.exec = cli_lock,
};

const struct cmd_entry cmd_passwd_entry = {
	.name = "passwd",
	.usage = "passwd [--to-keyfile] [--passphrase-file FILE] "
	    "[--old-passphrase-file FILE]",
	.help = "set a new passphrase, or go back to a key file; the "
	    "current passphrase is asked for",
	.min_args = 0, .max_args = 0,
	.options = "to-keyfile passphrase-file= old-passphrase-file=",
	.flags = CMD_F_SECRET | CMD_F_START_DAEMON,
	.type = PROTO_PASSWD,
	.exec = cli_passwd,
};

#define PASS_MAX	1024

/* A passphrase from a file (the whole file, one newline stripped). */
static int
read_pass_file(const char *file, struct secret **out, struct ops_err *err)
{
	int	fd, rc;

	if ((fd = open(file, O_RDONLY | O_CLOEXEC)) == -1)
		return ops_err_errno(err, OPS_E_IO, "open passphrase file %s",
		    file);
	rc = secret_read_fd(fd, PASS_MAX, out, err);
	close(fd);
	return rc;
}

/* A passphrase from --passphrase-file, the terminal or stdin. */
static int
read_pass(const struct cli_args *a, const char *prompt, int twice,
    struct secret **out, struct ops_err *err)
{
	const char	*file = cli_opt(a, "passphrase-file");
	struct secret	*again = NULL;
	int		 rc;

	*out = NULL;
	if (file != NULL)
		rc = read_pass_file(file, out, err);
	else if (isatty(STDIN_FILENO)) {
		if ((rc = secret_read_tty(prompt, out, err)) == OPS_OK &&
		    twice && (rc = secret_read_tty("Again: ", &again,
		    err)) == OPS_OK && (secret_len(*out) != secret_len(again) ||
		    sodium_memcmp(secret_cdata(*out), secret_cdata(again),
		    secret_len(again)) != 0))
			rc = ops_err_set(err, OPS_E_INVAL, "the passphrases "
			    "differ");
		secret_free(again);
	} else
		rc = secret_read_fd(STDIN_FILENO, PASS_MAX, out, err);
	if (rc == OPS_OK && secret_len(*out) == 0)
		rc = ops_err_set(err, OPS_E_INVAL, "the passphrase is empty");
	if (rc != OPS_OK) {
		secret_free(*out);
		*out = NULL;
	}
	return rc;
}

static int
exists(const char *path)
{
	struct stat	st;

	return lstat(path, &st) == 0;
}

/* Create the key envelope (and key file) and an empty store. */
static int
init_store(const struct ops_paths *p, const struct secret *pass,
    struct ops_err *err)
{
	struct ops_config	*cfg = NULL;
	struct keys_kdf_limits	 lim;
	struct keyring		*kr = NULL;
	struct store		*st = NULL;
	int			 rc;

	if (exists(p->envelope) || exists(p->store))
		return ops_err_set(err, OPS_E_EXISTS, "a store already exists "
		    "in %s", p->data_dir);
	if ((rc = vfscrypt_global_init(err)) != OPS_OK)
		return rc;
	if (pass != NULL) {
		if ((rc = config_load(p->config, &cfg, err)) != OPS_OK)
			return rc;
		config_kdf_limits(cfg, &lim);
		config_free(cfg);
		rc = keys_create_passphrase(p->envelope, pass, &lim, &kr, err);
	} else
		rc = keys_create_keyfile(p->envelope, p->keyfile, &kr, err);
	if (rc != OPS_OK)
		return rc;
	rc = store_open(p->store, kr, &st, err);
	store_close(st);
	keyring_free(kr);
	return rc;
}

int
cli_init(const struct cli_args *a)
{
	struct ops_paths	 p;
	struct ops_err		 err;
	struct secret		*pass = NULL;
	int			 lfd = -1, rc, want_pass;

	want_pass = cli_flag(a, "passphrase") ||
	    cli_opt(a, "passphrase-file") != NULL;
	if ((rc = ops_paths_resolve(&p, &err)) != OPS_OK ||
	    (rc = ops_paths_mkdirs(&p, &err)) != OPS_OK)
		goto out;
	/* No daemon may run (or start) while the store is made. */
	if ((lfd = open(p.lock, O_RDWR | O_CREAT | O_CLOEXEC, 0600)) == -1) {
		rc = ops_err_errno(&err, OPS_E_IO, "open %s", p.lock);
		goto out;
	}
	if (flock(lfd, LOCK_EX | LOCK_NB) == -1) {
		rc = ops_err_set(&err, OPS_E_LOCKED, "opsicled is running for "
		    "%s; a store exists already", p.data_dir);
		goto out;
	}
	if (exists(p.envelope) || exists(p.store)) {
		rc = ops_err_set(&err, OPS_E_EXISTS, "a store already exists "
		    "in %s", p.data_dir);
		goto out;
	}
	if (want_pass && (rc = read_pass(a, "New passphrase: ", 1, &pass,
	    &err)) != OPS_OK)
		goto out;
	rc = init_store(&p, pass, &err);
out:
	secret_free(pass);
	if (lfd != -1)
		close(lfd);
	if (rc != OPS_OK) {
		fprintf(stderr, "opsicle init: %s\n", ops_err_msg(&err));
		return EXIT_REFUSED;
	}
	printf("created %s store %s\n", want_pass ? "passphrase-protected" :
	    "key-file", p.store);
	return 0;
}

/* Wipe a passphrase field the message still holds. */
static void
wipe(json_t *m, const char *key)
{
	struct secret	*s = NULL;

	if (proto_has(m, key) && proto_take_secret(m, key,
	    OPS_PROTO_MAX_FRAME, &s, NULL) == OPS_OK)
		secret_free(s);
}

/* Is the daemon's store locked? -1 when it cannot be asked. */
static int
is_locked(struct cli_conn *c, struct ops_err *err)
{
	json_t	*m, *r = NULL;
	int	 locked;

	if ((m = proto_msg_new(PROTO_DAEMON_STATUS, 0)) == NULL)
		return -1;
	if (client_request(c, m, &r, err) != OPS_OK) {
		json_decref(m);
		return -1;
	}
	locked = json_is_true(json_object_get(r, "locked"));
	json_decref(r);
	json_decref(m);
	return locked;
}

int
cli_unlock(const struct cli_args *a)
{
	struct cli_conn	 c;
	struct ops_err	 err;
	struct secret	*pass = NULL;
	json_t		*m = NULL, *r = NULL;
	int		 rc, locked;

	if ((rc = client_open(&c, !a->no_start, &err)) != OPS_OK) {
		fprintf(stderr, "opsicle: %s\n", ops_err_msg(&err));
		rc = c.refused ? EXIT_REFUSED : EXIT_NODAEMON;
		client_close(&c);
		return rc;
	}
	if ((locked = is_locked(&c, &err)) == 0) {
		printf("the store is not locked\n");
		client_close(&c);
		return 0;
	}
	if (locked == -1 || (rc = read_pass(a, "Passphrase: ", 0, &pass,
	    &err)) != OPS_OK)
		goto fail;
	m = cli_msg(a);
	rc = proto_add_strn(m, "passphrase", (const char *)secret_cdata(pass),
	    secret_len(pass), &err);
	secret_free(pass);
	if (rc != OPS_OK || (rc = client_request(&c, m, &r, &err)) != OPS_OK)
		goto fail;
	wipe(m, "passphrase");
	json_decref(m);
	json_decref(r);
	client_close(&c);
	printf("unlocked\n");
	return 0;
fail:
	if (m != NULL)
		wipe(m, "passphrase");
	json_decref(m);
	fprintf(stderr, "opsicle unlock: %s\n", ops_err_msg(&err));
	rc = c.refused || locked != -1 ? EXIT_REFUSED : EXIT_NODAEMON;
	client_close(&c);
	return rc;
}

int
cli_lock(const struct cli_args *a)
{
	json_t	*m = cli_msg(a);
	int	 rc = cli_send(a, m, NULL);

	json_decref(m);
	if (rc == 0)
		printf("locked\n");
	return rc;
}

/* The store's key kind from daemon status: "passphrase", "keyfile". */
static int
key_kind(struct cli_conn *c, char *kind, size_t len, struct ops_err *err)
{
	json_t	*m, *r = NULL;
	int	 rc;

	if ((m = proto_msg_new(PROTO_DAEMON_STATUS, 0)) == NULL)
		return ops_err_set(err, OPS_E_NOMEM, "daemon status");
	rc = client_request(c, m, &r, err);
	json_decref(m);
	if (rc == OPS_OK)
		snprintf(kind, len, "%s", json_is_string(json_object_get(r,
		    "key")) ? json_string_value(json_object_get(r, "key")) :
		    "");
	json_decref(r);
	return rc;
}

/* The current passphrase: --old-passphrase-file, else the terminal. */
static int
read_old_pass(const struct cli_args *a, struct secret **out,
    struct ops_err *err)
{
	const char	*file = cli_opt(a, "old-passphrase-file");
	int		 rc;

	*out = NULL;
	if (file != NULL)
		rc = read_pass_file(file, out, err);
	else if (isatty(STDIN_FILENO))
		rc = secret_read_tty("Current passphrase: ", out, err);
	else
		rc = ops_err_set(err, OPS_E_INVAL, "the current passphrase is "
		    "needed: give --old-passphrase-file FILE");
	if (rc != OPS_OK) {
		secret_free(*out);
		*out = NULL;
	}
	return rc;
}

/* Move a secret into field key of m. */
static int
add_secret(json_t *m, const char *key, struct secret *s, struct ops_err *err)
{
	int	rc = proto_add_strn(m, key, (const char *)secret_cdata(s),
		    secret_len(s), err);

	secret_free(s);
	return rc;
}

int
cli_passwd(const struct cli_args *a)
{
	struct cli_conn	 c;
	struct secret	*pass = NULL;
	struct ops_err	 err;
	json_t		*m, *r = NULL;
	char		 kind[32] = "";
	int		 rc, to_keyfile = cli_flag(a, "to-keyfile");

	if (to_keyfile && cli_opt(a, "passphrase-file") != NULL) {
		fprintf(stderr, "opsicle passwd: --to-keyfile takes no "
		    "passphrase\n");
		cli_usage(stderr, a->e);
		return EXIT_USAGE;
	}
	if ((rc = client_open(&c, !a->no_start, &err)) != OPS_OK) {
		fprintf(stderr, "opsicle: %s\n", ops_err_msg(&err));
		rc = c.refused ? EXIT_REFUSED : EXIT_NODAEMON;
		client_close(&c);
		return rc;
	}
	m = cli_msg(a);
	proto_add_str(m, "mode", to_keyfile ? "keyfile" : "passphrase", NULL);
	if ((rc = key_kind(&c, kind, sizeof(kind), &err)) == OPS_OK &&
	    strcmp(kind, "keyfile") != 0 &&
	    (rc = read_old_pass(a, &pass, &err)) == OPS_OK)
		rc = add_secret(m, "old", pass, &err);
	if (rc == OPS_OK && !to_keyfile &&
	    (rc = read_pass(a, "New passphrase: ", 1, &pass, &err)) == OPS_OK)
		rc = add_secret(m, "new", pass, &err);
	if (rc == OPS_OK)
		rc = client_request(&c, m, &r, &err);
	wipe(m, "old");
	wipe(m, "new");
	json_decref(m);
	json_decref(r);
	if (rc != OPS_OK) {
		fprintf(stderr, "opsicle passwd: %s\n", ops_err_msg(&err));
		rc = c.refused || rc != OPS_E_IO ? EXIT_REFUSED : EXIT_NODAEMON;
		client_close(&c);
		return rc;
	}
	client_close(&c);
	printf("the store key is now wrapped by %s\n", to_keyfile ?
	    "a key file" : "the new passphrase");
	return 0;
}

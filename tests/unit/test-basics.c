/* test-basics.c: errors, secrets and state paths. */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "error.h"
#include "paths.h"
#include "secret.h"
#include "tap.h"

static void
test_errors(void)
{
	struct ops_err	err;
	char		long_arg[600];

	ops_err_clear(&err);
	ok(strcmp(ops_err_msg(&err), "success") == 0, "cleared error reads success");
	is_int(ops_err_set(&err, OPS_E_NOTFOUND, "target %s", "web1"),
	    OPS_E_NOTFOUND, "ops_err_set returns its code");
	ok(strcmp(err.msg, "target web1") == 0, "message is formatted");
	memset(long_arg, 'x', sizeof(long_arg) - 1);
	long_arg[sizeof(long_arg) - 1] = '\0';
	ops_err_set(&err, OPS_E_INVAL, "%s", long_arg);
	ok(strlen(err.msg) == OPS_ERR_MSG_MAX - 1, "long message is truncated");
	ok(strcmp(ops_strerror(OPS_E_BADKEY), "wrong passphrase or key") == 0,
	    "strerror names codes");
	ok(strcmp(ops_strerror(-9999), "unknown error") == 0 &&
	    strcmp(ops_strerror(5), "unknown error") == 0,
	    "strerror survives out-of-range codes");
	ok(ops_err_set(NULL, OPS_E_IO, "x") == OPS_E_IO, "NULL error is allowed");
}

static void
test_secrets(void)
{
	struct secret	*s = NULL;
	struct ops_err	 err;

	ok(ops_crypto_init(&err) == OPS_OK, "libsodium initialises");
	ok(secret_from("hunter2", 7, &s, &err) == OPS_OK &&
	    secret_len(s) == 7 && memcmp(secret_cdata(s), "hunter2", 7) == 0,
	    "secret holds a copy");
	secret_truncate(s, 3);
	ok(secret_len(s) == 3 && secret_data(s)[3] == 0,
	    "truncate wipes the tail");
	secret_free(s);
	secret_free(NULL);
	ok(secret_new(0, &s, &err) == OPS_OK && secret_len(s) == 0,
	    "empty secret");
	secret_free(s);
}

static void
test_paths(void)
{
	struct ops_paths	p;
	struct ops_err		err;

	setenv("OPSICLE_HOME", "/tmp/opsh", 1);
	ok(ops_paths_resolve(&p, &err) == OPS_OK &&
	    strcmp(p.store, "/tmp/opsh/store.db") == 0 &&
	    strcmp(p.socket, "/tmp/opsh/opsicled.sock") == 0 &&
	    strcmp(p.log_dir, "/tmp/opsh/logs") == 0,
	    "OPSICLE_HOME holds all state");
	setenv("OPSICLE_HOME", "relative", 1);
	ok(ops_paths_resolve(&p, &err) == OPS_E_INVAL &&
	    strstr(err.msg, "absolute") != NULL,
	    "relative OPSICLE_HOME refused");
	unsetenv("OPSICLE_HOME");
	setenv("HOME", "/home/u", 1);
	setenv("XDG_DATA_HOME", "/xd", 1);
	setenv("XDG_RUNTIME_DIR", "/run/user/7", 1);
	unsetenv("XDG_STATE_HOME");
	ok(ops_paths_resolve(&p, &err) == OPS_OK &&
	    strcmp(p.store, "/xd/opsicle/store.db") == 0 &&
	    strcmp(p.socket, "/run/user/7/opsicle/opsicled.sock") == 0 &&
	    strcmp(p.log_dir, "/home/u/.local/state/opsicle/logs") == 0,
	    "XDG directories without OPSICLE_HOME");
	unsetenv("XDG_DATA_HOME");
	unsetenv("XDG_RUNTIME_DIR");
	unsetenv("HOME");
	ok(ops_paths_resolve(&p, &err) == OPS_E_INVAL,
	    "no HOME and no OPSICLE_HOME is an error");
}

int
main(void)
{
	plan(15);
	test_errors();
	test_secrets();
	test_paths();
	return exit_status();
}

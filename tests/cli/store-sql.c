/*
 * store-sql.c: test helper. "store-sql SQL" opens the stopped store of
 * $OPSICLE_HOME with its key file, runs SQL and prints each row's
 * columns joined by '|' (NULL as "NULL"), one row a line, then closes
 * the store cleanly, so a shell test can read what no command shows (an
 * audit record's detail) or make a row no command makes yet.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>

#include "keys.h"
#include "paths.h"
#include "secret.h"
#include "store.h"
#include "store-int.h"
#include "vfs-crypt.h"

static int
print_row(void *arg, int n, char **v, char **names)
{
	int	i;

	(void)arg;
	(void)names;
	for (i = 0; i < n; i++)
		printf("%s%s", i > 0 ? "|" : "", v[i] != NULL ? v[i] : "NULL");
	printf("\n");
	return 0;
}

int
main(int argc, char **argv)
{
	struct ops_paths	 p;
	struct ops_err		 err;
	struct keyring		*kr = NULL;
	struct store		*st = NULL;
	char			*msg = NULL;
	int			 rc = 0;

	if (argc != 2) {
		fprintf(stderr, "usage: store-sql SQL\n");
		return 2;
	}
	if (ops_crypto_init(&err) != OPS_OK ||
	    vfscrypt_global_init(&err) != OPS_OK ||
	    ops_paths_resolve(&p, &err) != OPS_OK ||
	    keys_unlock_keyfile(p.envelope, p.keyfile, &kr, &err) != OPS_OK ||
	    store_open(p.store, kr, &st, &err) != OPS_OK) {
		fprintf(stderr, "store-sql: %s\n", ops_err_msg(&err));
		keyring_free(kr);
		return 1;
	}
	if (sqlite3_exec(st->db, argv[1], print_row, NULL, &msg) !=
	    SQLITE_OK) {
		fprintf(stderr, "store-sql: %s\n", msg != NULL ? msg : "?");
		rc = 1;
	}
	sqlite3_free(msg);
	store_close(st);
	keyring_free(kr);
	return rc;
}

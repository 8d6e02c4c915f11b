/*
 * store-page.c: test helper. "store-page TABLE" opens the stopped store
 * of $OPSICLE_HOME with its key file and prints the root page number of
 * TABLE and the page size, so a shell test can damage exactly that page
 * (an audit page that fails authentication, say) of the encrypted file.
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

int
main(int argc, char **argv)
{
	struct ops_paths	 p;
	struct ops_err		 err;
	struct keyring		*kr = NULL;
	struct store		*st = NULL;
	sqlite3_stmt		*q = NULL;
	long long		 root = -1, psize = -1;

	if (argc != 2) {
		fprintf(stderr, "usage: store-page TABLE\n");
		return 2;
	}
	if (ops_crypto_init(&err) != OPS_OK ||
	    vfscrypt_global_init(&err) != OPS_OK ||
	    ops_paths_resolve(&p, &err) != OPS_OK ||
	    keys_unlock_keyfile(p.envelope, p.keyfile, &kr, &err) != OPS_OK ||
	    store_open(p.store, kr, &st, &err) != OPS_OK) {
		fprintf(stderr, "store-page: %s\n", ops_err_msg(&err));
		keyring_free(kr);
		return 1;
	}
	if (sqlite3_prepare_v2(st->db, "SELECT rootpage, (SELECT page_size "
	    "FROM pragma_page_size) FROM sqlite_schema WHERE type = 'table' "
	    "AND name = ?", -1, &q, NULL) == SQLITE_OK) {
		sqlite3_bind_text(q, 1, argv[1], -1, SQLITE_STATIC);
		if (sqlite3_step(q) == SQLITE_ROW) {
			root = sqlite3_column_int64(q, 0);
			psize = sqlite3_column_int64(q, 1);
		}
	}
	sqlite3_finalize(q);
	store_close(st);
	keyring_free(kr);
	if (root < 1) {
		fprintf(stderr, "store-page: no table %s\n", argv[1]);
		return 1;
	}
	printf("%lld %lld\n", root, psize);
	return 0;
}

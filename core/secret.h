/*
 * secret.h: a buffer for secret bytes (keys, passphrases, passwords).
 *
 * Contract: the bytes live in sodium_malloc memory (guard pages, locked,
 * kept out of core dumps where the kernel allows); secret_free wipes and
 * releases them and accepts NULL. Nothing here copies the bytes anywhere
 * else. libsodium must be initialised (ops_crypto_init) first.
 */
#ifndef OPS_SECRET_H
#define OPS_SECRET_H

#include <stddef.h>

#include "error.h"

struct secret;

/* Initialise libsodium once per process; safe to call again. */
int		 ops_crypto_init(struct ops_err *err);

/* A zero-filled secret of len bytes (len may be 0). Caller frees. */
int		 secret_new(size_t len, struct secret **out,
		     struct ops_err *err);
/* A secret holding a copy of len bytes at p. Caller frees. */
int		 secret_from(const void *p, size_t len, struct secret **out,
		     struct ops_err *err);
void		 secret_free(struct secret *s);

unsigned char	*secret_data(struct secret *s);
const unsigned char *secret_cdata(const struct secret *s);
size_t		 secret_len(const struct secret *s);

/*
 * Shrink the visible length (never grows), for secrets read into a buffer
 * larger than what arrived, e.g. a passphrase line.
 */
void		 secret_truncate(struct secret *s, size_t len);

#endif

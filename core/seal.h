/*
 * seal.h: credential secrets sealed a second time, field by field.
 *
 * A sealed blob is: version (1 byte) || nonce (24) || ciphertext || tag
 * (16), XChaCha20-Poly1305 under the keyring's credential key, with
 * associated data "cred/v1" || owner id || 0 || field name, so a blob moved
 * to another row or field fails to open. Blobs are stored as SQLite BLOBs;
 * the plaintext exists only inside a struct secret for the moment of use.
 *
 * owner and field must be non-empty strings of at most 1024 bytes
 * (OPS_E_INVAL otherwise, also for a NULL keyring, i.e. a locked store);
 * a secret may be 0 to 1 MiB (OPS_E_TOOBIG above). Any blob that is
 * truncated, damaged, of another version, moved, or sealed under another
 * store's key is OPS_E_CORRUPT, and nothing is returned. The credential
 * key is readable only inside these calls (see keys.h), so a keyring must
 * not be used from two threads at once.
 */
#ifndef OPS_SEAL_H
#define OPS_SEAL_H

#include <stddef.h>

#include "error.h"
#include "keys.h"
#include "secret.h"

#define SEAL_OVERHEAD	(1 + 24 + 16)

/* Seal plain under (owner, field). *blob is malloc'd; caller frees. */
int	seal_secret(const struct keyring *kr, const char *owner,
	    const char *field, const struct secret *plain,
	    unsigned char **blob, size_t *blob_len, struct ops_err *err);

/* Open a sealed blob into a new secret (caller frees); OPS_E_CORRUPT when
 * it does not authenticate for (owner, field). */
int	seal_open(const struct keyring *kr, const char *owner,
	    const char *field, const unsigned char *blob, size_t blob_len,
	    struct secret **out, struct ops_err *err);

#endif

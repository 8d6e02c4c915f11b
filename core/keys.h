/*
 * keys.h: the store's key hierarchy and its envelope file.
 *
 * A random 32-byte root key R is made when a store is created. Two
 * sub-keys are derived from it with crypto_kdf: the page key (id 1), which
 * the encrypting VFS uses for every database, WAL and journal page, and
 * the credential key (id 2), which seals credential secrets a second time
 * (see seal.h). The envelope file (store.key, mode 0600, written
 * atomically) holds R wrapped with XChaCha20-Poly1305 under a
 * key-encryption key (KEK) and the store's 8-byte database id. The KEK
 * comes either from a passphrase through Argon2id (limits stored in the
 * envelope so they can be raised later) or from a key file of 32 random
 * bytes (mode 0600; refused when group- or world-accessible). Changing the
 * passphrase, or moving between passphrase and key file, rewraps R and
 * never touches the database.
 *
 * A struct keyring holds R and the sub-keys in sodium_malloc memory; the
 * credential key stays PROT_NONE except inside seal/open calls.
 * keyring_free wipes everything and accepts NULL.
 */
#ifndef OPS_KEYS_H
#define OPS_KEYS_H

#include <stddef.h>

#include "error.h"
#include "secret.h"

#define KEYS_KEY_LEN	32
#define KEYS_DBID_LEN	8

enum keys_kind {
	KEYS_KIND_KEYFILE = 1,
	KEYS_KIND_PASSPHRASE = 2,
};

/* Argon2id cost; zero fields mean the defaults (libsodium MODERATE). */
struct keys_kdf_limits {
	unsigned long long	opslimit;
	size_t			memlimit;
};

struct keyring;

/*
 * Create a new root key, a new key file at keyfile_path (fails if it
 * exists) and the envelope at envelope_path (fails if it exists).
 * On success *out holds the unlocked keyring; caller frees.
 */
int	keys_create_keyfile(const char *envelope_path,
	    const char *keyfile_path, struct keyring **out,
	    struct ops_err *err);

/* As keys_create_keyfile, with the KEK derived from a passphrase. */
int	keys_create_passphrase(const char *envelope_path,
	    const struct secret *passphrase,
	    const struct keys_kdf_limits *limits, struct keyring **out,
	    struct ops_err *err);

/* Which kind of KEK the envelope expects. */
int	keys_envelope_kind(const char *envelope_path, enum keys_kind *kind,
	    struct ops_err *err);

/* Unwrap R with a key file (OPS_E_PERM if the file is not 0600-safe,
 * OPS_E_BADKEY if it does not open this envelope). Caller frees. */
int	keys_unlock_keyfile(const char *envelope_path,
	    const char *keyfile_path, struct keyring **out,
	    struct ops_err *err);

/* Unwrap R with a passphrase (OPS_E_BADKEY when wrong). Caller frees. */
int	keys_unlock_passphrase(const char *envelope_path,
	    const struct secret *passphrase, struct keyring **out,
	    struct ops_err *err);

/* Rewrap the unlocked R under a new passphrase, replacing the envelope
 * atomically. If old_keyfile_path is not NULL that key file is removed
 * after the new envelope is in place. */
int	keys_rewrap_passphrase(const char *envelope_path,
	    const struct keyring *kr, const struct secret *passphrase,
	    const struct keys_kdf_limits *limits, const char *old_keyfile_path,
	    struct ops_err *err);

/* Rewrap the unlocked R under a new key file (created, must not exist). */
int	keys_rewrap_keyfile(const char *envelope_path,
	    const struct keyring *kr, const char *keyfile_path,
	    struct ops_err *err);

/* Borrowed views, valid until keyring_free. */
const unsigned char	*keyring_page_key(const struct keyring *kr);
const unsigned char	*keyring_db_id(const struct keyring *kr);

void	keyring_free(struct keyring *kr);

#endif

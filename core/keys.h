/*
 * keys.h: the store's key hierarchy and its envelope file.
 *
 * A random 32-byte root key R is made when a store is created. Two
 * sub-keys are derived from it with crypto_kdf (context "opsstore"): the
 * page key (id 1), which the encrypting VFS uses for every database, WAL
 * and journal page, the credential key (id 2), which seals credential
 * secrets a second time (see seal.h), the audit key (id 3), which keys
 * the audit trail's hash chain, and the state key (id 4), which
 * authenticates the store's state file (see store.h). A random 8-byte
 * database id is
 * minted at creation too; the VFS stamps it into the database file.
 *
 * The envelope file (store.key, mode 0600) is 128 bytes, integers
 * little-endian:
 *
 *	0   magic "OPSKEYS\x1a"   8	   40  Argon2id salt      16
 *	8   format version (1)    1	   56  nonce              24
 *	9   kind (1 file, 2 pass) 1	   80  wrapped R + tag    48
 *	10  reserved (0)          2
 *	12  key generation        4
 *	16  database id           8
 *	24  Argon2id opslimit     8
 *	32  Argon2id memlimit     8
 *
 * R is wrapped with XChaCha20-Poly1305 under a key-encryption key (KEK)
 * with the whole 80-byte header as associated data, so no field can be
 * altered. The KEK is either a passphrase through Argon2id13 (limits and
 * salt kept in the envelope so they can be raised later; zero for a key
 * file) or the 32 random bytes of a key file (store.keyfile, mode 0600,
 * refused with OPS_E_PERM when group- or world-accessible, not a regular
 * file, or owned by another user). Parsing is strict: a short, long or
 * foreign file is OPS_E_CORRUPT, another format version OPS_E_VERSION,
 * and Argon2id limits outside [MIN, KEYS_KDF_*_MAX] are refused before
 * any work. Envelopes are written atomically (temporary file made with
 * O_EXCL and mode 0600, fsync, rename or link, fsync of the directory);
 * creation never replaces an existing envelope or key file
 * (OPS_E_EXISTS). Changing the passphrase, or moving between passphrase
 * and key file, rewraps the same R and database id and never touches the
 * database; an old key file is removed only once the new envelope is
 * durable.
 *
 * A struct keyring holds R and the sub-keys in separate sodium_malloc
 * regions: the page, audit and state keys are read-only, R and the
 * credential key are PROT_NONE except inside the calls that use them
 * (rewrap, seal/open).
 * Because of that toggling, one keyring must not be used by two threads
 * at once. keyring_free wipes everything and accepts NULL. Passphrase
 * copies, KEKs and temporaries are wiped before return.
 */
#ifndef OPS_KEYS_H
#define OPS_KEYS_H

#include <stddef.h>
#include <stdint.h>

#include "error.h"
#include "secret.h"

#define KEYS_KEY_LEN	32
#define KEYS_DBID_LEN	8
#define KEYS_ENVELOPE_LEN	128

/* Highest Argon2id costs accepted from callers or from an envelope. */
#define KEYS_KDF_OPSLIMIT_MAX	32ULL
#define KEYS_KDF_MEMLIMIT_MAX	(4ULL * 1024 * 1024 * 1024)

enum keys_kind {
	KEYS_KIND_KEYFILE = 1,
	KEYS_KIND_PASSPHRASE = 2,
};

/*
 * Argon2id cost; a zero field means its default (libsodium MODERATE:
 * 3 passes, 256 MiB). Tests may use crypto_pwhash_OPSLIMIT_MIN and
 * crypto_pwhash_MEMLIMIT_MIN. Out-of-range values are OPS_E_INVAL.
 */
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

/* As keys_create_keyfile, with the KEK derived from a passphrase (an
 * empty one is OPS_E_INVAL). limits may be NULL for the defaults. */
int	keys_create_passphrase(const char *envelope_path,
	    const struct secret *passphrase,
	    const struct keys_kdf_limits *limits, struct keyring **out,
	    struct ops_err *err);

/* Which kind of KEK the envelope expects (OPS_E_NOTFOUND if missing). */
int	keys_envelope_kind(const char *envelope_path, enum keys_kind *kind,
	    struct ops_err *err);

/* Unwrap R with a key file (OPS_E_PERM if the file is not 0600-safe,
 * OPS_E_BADKEY if it does not open this envelope, OPS_E_INVAL if the
 * envelope expects a passphrase). Caller frees. */
int	keys_unlock_keyfile(const char *envelope_path,
	    const char *keyfile_path, struct keyring **out,
	    struct ops_err *err);

/* Unwrap R with a passphrase (OPS_E_BADKEY when wrong, OPS_E_INVAL if
 * the envelope expects a key file). Caller frees. */
int	keys_unlock_passphrase(const char *envelope_path,
	    const struct secret *passphrase, struct keyring **out,
	    struct ops_err *err);

/*
 * Rewrap the unlocked R under a new passphrase, replacing the envelope
 * atomically (an existing envelope of another database is refused). If
 * old_keyfile_path is not NULL that key file is removed after the new
 * envelope is durable.
 */
int	keys_rewrap_passphrase(const char *envelope_path,
	    const struct keyring *kr, const struct secret *passphrase,
	    const struct keys_kdf_limits *limits, const char *old_keyfile_path,
	    struct ops_err *err);

/*
 * Rewrap the unlocked R under a new key file created at keyfile_path
 * (must not exist). If old_keyfile_path is not NULL (and differs from
 * keyfile_path) it is removed after the new envelope is durable.
 */
int	keys_rewrap_keyfile(const char *envelope_path,
	    const struct keyring *kr, const char *keyfile_path,
	    const char *old_keyfile_path, struct ops_err *err);

/*
 * Write len bytes to path atomically and durably (temporary file made
 * O_EXCL mode 0600, fsync, rename, fsync of the directory; what names
 * the file in errors). With replace an existing file is replaced;
 * without, OPS_E_EXISTS. Also used for the store's state file.
 */
int	keys_write_atomic(const char *path, const char *what,
	    const unsigned char *buf, size_t len, int replace,
	    struct ops_err *err);

/* Borrowed views, valid until keyring_free. */
const unsigned char	*keyring_page_key(const struct keyring *kr);
const unsigned char	*keyring_audit_key(const struct keyring *kr);
const unsigned char	*keyring_state_key(const struct keyring *kr);
const unsigned char	*keyring_db_id(const struct keyring *kr);
uint32_t		 keyring_generation(const struct keyring *kr);

/*
 * For seal.c: make the credential key readable and return it in *key;
 * keyring_cred_release makes it PROT_NONE again. Pair them on every path.
 */
int	keyring_cred_acquire(const struct keyring *kr,
	    const unsigned char **key, struct ops_err *err);
void	keyring_cred_release(const struct keyring *kr);

void	keyring_free(struct keyring *kr);

#endif

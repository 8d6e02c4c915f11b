/* keys.c: root key, sub-keys, key file and key envelope (see keys.h). */
#include "config.h"

#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <sodium.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "file-check.h"
#include "keys.h"

/* Envelope layout (see keys.h). */
#define ENV_VERSION	1
#define OFF_VERSION	8
#define OFF_KIND	9
#define OFF_RESERVED	10
#define OFF_GEN		12
#define OFF_DBID	16
#define OFF_OPS		24
#define OFF_MEM		32
#define OFF_SALT	40
#define OFF_NONCE	56
#define ENV_HDR_LEN	80
#define OFF_WRAPPED	ENV_HDR_LEN
#define SALT_LEN	16
#define NONCE_LEN	24
#define TAG_LEN		16
#define ENV_LEN		(ENV_HDR_LEN + KEYS_KEY_LEN + TAG_LEN)
#define ENV_READ_MAX	4096	/* anything bigger is not ours */

#define KDF_CTX		"opsstore"
#define KDF_ID_PAGE	1
#define KDF_ID_CRED	2
#define KDF_ID_AUDIT	3
#define KDF_ID_STATE	4

static const unsigned char env_magic[8] = {
	'O', 'P', 'S', 'K', 'E', 'Y', 'S', 0x1a
};

struct keyring {
	unsigned char	*root;	/* R, PROT_NONE except while rewrapping */
	unsigned char	*page;	/* read-only */
	unsigned char	*cred;	/* PROT_NONE except inside seal/open */
	unsigned char	*audit;	/* read-only: keys the audit hash chain */
	unsigned char	*state;	/* read-only: MACs the store state file */
	unsigned char	 db_id[KEYS_DBID_LEN];
	uint32_t	 generation;
};

/* A parsed envelope; raw holds the bytes, the header being the AD. */
struct envelope {
	unsigned char	raw[ENV_LEN];
	int		kind;
	uint32_t	generation;
	uint64_t	opslimit;
	uint64_t	memlimit;
};

_Static_assert(ENV_LEN == KEYS_ENVELOPE_LEN, "envelope size");
_Static_assert(SALT_LEN == crypto_pwhash_SALTBYTES, "salt size");
_Static_assert(NONCE_LEN == crypto_aead_xchacha20poly1305_ietf_NPUBBYTES,
    "nonce size");
_Static_assert(TAG_LEN == crypto_aead_xchacha20poly1305_ietf_ABYTES,
    "tag size");
_Static_assert(sizeof(KDF_CTX) - 1 == crypto_kdf_CONTEXTBYTES, "kdf ctx");

static void
put_le(unsigned char *p, uint64_t v, size_t n)
{
	size_t	i;

	for (i = 0; i < n; i++)
		p[i] = (unsigned char)(v >> (8 * i));
}

static uint64_t
get_le(const unsigned char *p, size_t n)
{
	uint64_t	v = 0;
	size_t		i;

	for (i = 0; i < n; i++)
		v |= (uint64_t)p[i] << (8 * i);
	return v;
}

static int
all_zero(const unsigned char *p, size_t n)
{
	unsigned char	acc = 0;
	size_t		i;

	for (i = 0; i < n; i++)
		acc |= p[i];
	return acc == 0;
}

static int
kdf_in_range(uint64_t ops, uint64_t mem)
{
	return ops >= crypto_pwhash_argon2id_OPSLIMIT_MIN &&
	    ops <= KEYS_KDF_OPSLIMIT_MAX &&
	    mem >= crypto_pwhash_argon2id_MEMLIMIT_MIN &&
	    mem <= KEYS_KDF_MEMLIMIT_MAX && mem <= SIZE_MAX;
}

/* Caller limits (zero fields: defaults) resolved and checked. */
static int
kdf_resolve(const struct keys_kdf_limits *lim, uint64_t *ops, uint64_t *mem,
    struct ops_err *err)
{
	*ops = crypto_pwhash_argon2id_OPSLIMIT_MODERATE;
	*mem = crypto_pwhash_argon2id_MEMLIMIT_MODERATE;
	if (lim != NULL && lim->opslimit != 0)
		*ops = lim->opslimit;
	if (lim != NULL && lim->memlimit != 0)
		*mem = lim->memlimit;
	if (!kdf_in_range(*ops, *mem))
		return ops_err_set(err, OPS_E_INVAL,
		    "Argon2id limits out of range (opslimit %llu, memlimit "
		    "%llu)", (unsigned long long)*ops,
		    (unsigned long long)*mem);
	return OPS_OK;
}

static int
write_all(int fd, const unsigned char *p, size_t len)
{
	ssize_t	n;

	while (len > 0) {
		if ((n = write(fd, p, len)) == -1) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

/* Read until EOF or len bytes; returns bytes read or -1. */
static ssize_t
read_full(int fd, unsigned char *p, size_t len)
{
	size_t	got = 0;
	ssize_t	n;

	while (got < len) {
		if ((n = read(fd, p + got, len - got)) == -1) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		if (n == 0)
			break;
		got += (size_t)n;
	}
	return (ssize_t)got;
}

/* fsync the directory holding path, so a rename or unlink is durable. */
static int
fsync_dir(const char *path, struct ops_err *err)
{
	char		 dir[PATH_MAX];
	const char	*slash;
	int		 fd, rc = OPS_OK;

	if ((slash = strrchr(path, '/')) == NULL)
		snprintf(dir, sizeof(dir), ".");
	else if (slash == path)
		snprintf(dir, sizeof(dir), "/");
	else {
		if ((size_t)(slash - path) >= sizeof(dir))
			return ops_err_set(err, OPS_E_INVAL,
			    "directory of %s: path too long", path);
		memcpy(dir, path, (size_t)(slash - path));
		dir[slash - path] = '\0';
	}
	if ((fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) == -1)
		return ops_err_errno(err, OPS_E_IO, "open directory %s", dir);
	if (fsync(fd) == -1 && errno != EINVAL)
		rc = ops_err_errno(err, OPS_E_IO, "fsync directory %s", dir);
	close(fd);
	return rc;
}

/* Strictly parse len bytes read from path into env. */
static int
env_parse(const char *path, const unsigned char *buf, size_t len,
    struct envelope *env, struct ops_err *err)
{
	unsigned int	version;

	if (len < sizeof(env_magic) ||
	    memcmp(buf, env_magic, sizeof(env_magic)) != 0)
		return ops_err_set(err, OPS_E_CORRUPT,
		    "read key envelope %s: not an opsicle key envelope", path);
	if (len <= OFF_VERSION)
		return ops_err_set(err, OPS_E_CORRUPT,
		    "read key envelope %s: truncated (%zu of %d bytes)", path,
		    len, ENV_LEN);
	version = buf[OFF_VERSION];
	if (version != ENV_VERSION)
		return ops_err_set(err, OPS_E_VERSION,
		    "read key envelope %s: format version %u is not supported "
		    "(this opsicle reads version %d)", path, version,
		    ENV_VERSION);
	if (len < ENV_LEN)
		return ops_err_set(err, OPS_E_CORRUPT,
		    "read key envelope %s: truncated (%zu of %d bytes)", path,
		    len, ENV_LEN);
	if (len > ENV_LEN)
		return ops_err_set(err, OPS_E_CORRUPT,
		    "read key envelope %s: too long (%zu bytes, expected %d)",
		    path, len, ENV_LEN);
	memcpy(env->raw, buf, ENV_LEN);
	env->kind = buf[OFF_KIND];
	env->generation = (uint32_t)get_le(buf + OFF_GEN, 4);
	env->opslimit = get_le(buf + OFF_OPS, 8);
	env->memlimit = get_le(buf + OFF_MEM, 8);
	if (env->kind != KEYS_KIND_KEYFILE && env->kind != KEYS_KIND_PASSPHRASE)
		return ops_err_set(err, OPS_E_CORRUPT,
		    "read key envelope %s: unknown key kind %d", path,
		    env->kind);
	if (!all_zero(buf + OFF_RESERVED, 2) || env->generation == 0)
		return ops_err_set(err, OPS_E_CORRUPT,
		    "read key envelope %s: damaged header", path);
	if (env->kind == KEYS_KIND_KEYFILE) {
		if (!all_zero(buf + OFF_OPS, OFF_NONCE - OFF_OPS))
			return ops_err_set(err, OPS_E_CORRUPT,
			    "read key envelope %s: key-file envelope holds "
			    "passphrase parameters", path);
	} else if (!kdf_in_range(env->opslimit, env->memlimit))
		return ops_err_set(err, OPS_E_CORRUPT,
		    "read key envelope %s: Argon2id limits out of range "
		    "(opslimit %llu, memlimit %llu)", path,
		    (unsigned long long)env->opslimit,
		    (unsigned long long)env->memlimit);
	return OPS_OK;
}

static int
env_read(const char *path, struct envelope *env, struct ops_err *err)
{
	unsigned char	buf[ENV_LEN + 1];
	struct stat	st;
	ssize_t		n;
	int		fd, rc;

	memset(env, 0, sizeof(*env));
	if ((fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW |
	    O_NONBLOCK)) == -1) {
		if (errno == ENOENT)
			return ops_err_set(err, OPS_E_NOTFOUND,
			    "read key envelope %s: no such file", path);
		return ops_err_errno(err, OPS_E_IO, "open key envelope %s",
		    path);
	}
	if (fstat(fd, &st) == -1) {
		rc = ops_err_errno(err, OPS_E_IO, "stat key envelope %s",
		    path);
		goto out;
	}
	if (!S_ISREG(st.st_mode)) {
		rc = ops_err_set(err, OPS_E_CORRUPT,
		    "read key envelope %s: not a regular file", path);
		goto out;
	}
	/* The envelope is all an offline passphrase guesser needs. */
	if ((rc = file_check_secret(&st, path, "key envelope", err)) != OPS_OK)
		goto out;
	if (st.st_size > ENV_READ_MAX) {
		rc = ops_err_set(err, OPS_E_CORRUPT,
		    "read key envelope %s: too long (%lld bytes, expected %d)",
		    path, (long long)st.st_size, ENV_LEN);
		goto out;
	}
	if ((n = read_full(fd, buf, sizeof(buf))) == -1) {
		rc = ops_err_errno(err, OPS_E_IO, "read key envelope %s",
		    path);
		goto out;
	}
	rc = env_parse(path, buf, (size_t)n, env, err);
out:
	close(fd);
	return rc;
}

/*
 * Write len bytes to path atomically through a temporary file in the same
 * directory. With replace, rename over any existing file; without, link
 * so an existing file is never replaced (OPS_E_EXISTS).
 */
int
keys_write_atomic(const char *path, const char *what,
    const unsigned char *buf, size_t len, int replace, struct ops_err *err)
{
	char		tmp[PATH_MAX];
	struct stat	st;
	int		fd = -1, rc, n, made = 0;

	n = snprintf(tmp, sizeof(tmp), "%s.tmp-%08x", path,
	    (unsigned int)randombytes_random());
	if (n < 0 || (size_t)n >= sizeof(tmp))
		return ops_err_set(err, OPS_E_INVAL, "write %s %s: path too "
		    "long", what, path);
	if ((fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC |
	    O_NOFOLLOW, 0600)) == -1) {
		rc = ops_err_errno(err, OPS_E_IO, "create temporary %s %s",
		    what, tmp);
		goto out;
	}
	made = 1;
	if (fchmod(fd, 0600) == -1 || write_all(fd, buf, len) == -1 ||
	    fsync(fd) == -1) {
		rc = ops_err_errno(err, OPS_E_IO, "write temporary %s %s",
		    what, tmp);
		goto out;
	}
	if (close(fd) == -1) {
		fd = -1;
		rc = ops_err_errno(err, OPS_E_IO, "close temporary %s %s",
		    what, tmp);
		goto out;
	}
	fd = -1;
	if (replace) {
		if (rename(tmp, path) == -1) {
			rc = ops_err_errno(err, OPS_E_IO, "rename %s to %s",
			    tmp, path);
			goto out;
		}
	} else if (link(tmp, path) == -1) {
		if (errno == EEXIST) {
			rc = ops_err_set(err, OPS_E_EXISTS, "create %s %s: "
			    "already exists", what, path);
			goto out;
		}
		/* No hard links here (some filesystems): check, rename. */
		if (errno != EPERM && errno != EOPNOTSUPP && errno != ENOSYS) {
			rc = ops_err_errno(err, OPS_E_IO, "create %s %s",
			    what, path);
			goto out;
		}
		if (lstat(path, &st) == 0) {
			rc = ops_err_set(err, OPS_E_EXISTS, "create %s %s: "
			    "already exists", what, path);
			goto out;
		}
		if (rename(tmp, path) == -1) {
			rc = ops_err_errno(err, OPS_E_IO, "rename %s to %s",
			    tmp, path);
			goto out;
		}
	} else
		unlink(tmp);
	made = 0;
	rc = fsync_dir(path, err);
out:
	if (fd != -1)
		close(fd);
	if (made)
		unlink(tmp);
	return rc;
}

/* Make 32 random bytes into a new key file at path (mode 0600). */
static int
keyfile_create(const char *path, struct secret **out, struct ops_err *err)
{
	struct secret	*kek = NULL;
	int		 fd = -1, rc, made = 0;

	*out = NULL;
	if ((rc = secret_new(KEYS_KEY_LEN, &kek, err)) != OPS_OK)
		return rc;
	randombytes_buf(secret_data(kek), KEYS_KEY_LEN);
	if ((fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC |
	    O_NOFOLLOW, 0600)) == -1) {
		if (errno == EEXIST)
			rc = ops_err_set(err, OPS_E_EXISTS,
			    "create key file %s: already exists", path);
		else
			rc = ops_err_errno(err, OPS_E_IO,
			    "create key file %s", path);
		goto out;
	}
	made = 1;
	if (fchmod(fd, 0600) == -1 ||
	    write_all(fd, secret_cdata(kek), KEYS_KEY_LEN) == -1 ||
	    fsync(fd) == -1) {
		rc = ops_err_errno(err, OPS_E_IO, "write key file %s", path);
		goto out;
	}
	if (close(fd) == -1) {
		fd = -1;
		rc = ops_err_errno(err, OPS_E_IO, "close key file %s", path);
		goto out;
	}
	fd = -1;
	if ((rc = fsync_dir(path, err)) != OPS_OK)
		goto out;
	made = 0;
	*out = kek;
	kek = NULL;
out:
	if (fd != -1)
		close(fd);
	if (made)
		unlink(path);
	secret_free(kek);
	return rc;
}

/* Read a key file, refusing one that others could read or replace. */
static int
keyfile_read(const char *path, struct secret **out, struct ops_err *err)
{
	struct secret	*kek = NULL;
	struct stat	 st;
	unsigned int	 mode;
	ssize_t		 n;
	int		 fd, rc;

	*out = NULL;
	if ((fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW |
	    O_NONBLOCK)) == -1) {
		if (errno == ENOENT)
			return ops_err_set(err, OPS_E_NOTFOUND,
			    "read key file %s: no such file", path);
		if (errno == ELOOP)
			return ops_err_set(err, OPS_E_PERM,
			    "key file %s is a symbolic link; name the file "
			    "itself", path);
		return ops_err_errno(err, OPS_E_IO, "open key file %s", path);
	}
	if (fstat(fd, &st) == -1) {
		rc = ops_err_errno(err, OPS_E_IO, "stat key file %s", path);
		goto out;
	}
	mode = (unsigned int)st.st_mode & 07777;
	if (!S_ISREG(st.st_mode)) {
		rc = ops_err_set(err, OPS_E_PERM,
		    "key file %s is not a regular file", path);
		goto out;
	}
	if (st.st_uid != geteuid()) {
		rc = ops_err_set(err, OPS_E_PERM,
		    "key file %s is owned by uid %u, not by uid %u; run chown",
		    path, (unsigned int)st.st_uid, (unsigned int)geteuid());
		goto out;
	}
	if ((mode & 077) != 0) {
		rc = ops_err_set(err, OPS_E_PERM,
		    "key file %s is %s by group or others (mode %04o); run "
		    "chmod 600 %s", path, (mode & 044) ? "readable" :
		    "accessible", mode, path);
		goto out;
	}
	if (st.st_size != KEYS_KEY_LEN) {
		rc = ops_err_set(err, OPS_E_BADKEY,
		    "key file %s is %lld bytes, not %d: not an opsicle key "
		    "file", path, (long long)st.st_size, KEYS_KEY_LEN);
		goto out;
	}
	if ((rc = secret_new(KEYS_KEY_LEN, &kek, err)) != OPS_OK)
		goto out;
	if ((n = read_full(fd, secret_data(kek), KEYS_KEY_LEN)) == -1) {
		rc = ops_err_errno(err, OPS_E_IO, "read key file %s", path);
		goto out;
	}
	if (n != KEYS_KEY_LEN) {
		rc = ops_err_set(err, OPS_E_BADKEY,
		    "read key file %s: short read (%zd bytes)", path, n);
		goto out;
	}
	*out = kek;
	kek = NULL;
out:
	secret_free(kek);
	close(fd);
	return rc;
}

/* KEK = Argon2id13(passphrase, salt) with the envelope's limits. */
static int
kek_from_passphrase(const struct secret *pass, const unsigned char *salt,
    uint64_t ops, uint64_t mem, struct secret **out, struct ops_err *err)
{
	struct secret	*kek = NULL;
	int		 rc;

	*out = NULL;
	if (pass == NULL || secret_len(pass) == 0)
		return ops_err_set(err, OPS_E_INVAL,
		    "derive key from passphrase: passphrase is empty");
	if ((rc = secret_new(KEYS_KEY_LEN, &kek, err)) != OPS_OK)
		return rc;
	if (crypto_pwhash(secret_data(kek), KEYS_KEY_LEN,
	    (const char *)secret_cdata(pass), secret_len(pass), salt,
	    (unsigned long long)ops, (size_t)mem,
	    crypto_pwhash_ALG_ARGON2ID13) != 0) {
		secret_free(kek);
		return ops_err_set(err, OPS_E_NOMEM,
		    "derive key from passphrase: Argon2id failed (memlimit "
		    "%llu bytes)", (unsigned long long)mem);
	}
	*out = kek;
	return OPS_OK;
}

/* Build the keyring from R; R itself is copied, never kept by pointer. */
static int
keyring_build(const unsigned char *root, const unsigned char *db_id,
    uint32_t generation, struct keyring **out, struct ops_err *err)
{
	struct keyring	*kr;

	*out = NULL;
	if ((kr = calloc(1, sizeof(*kr))) == NULL)
		return ops_err_set(err, OPS_E_NOMEM, "allocate keyring");
	kr->root = sodium_malloc(KEYS_KEY_LEN);
	kr->page = sodium_malloc(KEYS_KEY_LEN);
	kr->cred = sodium_malloc(KEYS_KEY_LEN);
	kr->audit = sodium_malloc(KEYS_KEY_LEN);
	kr->state = sodium_malloc(KEYS_KEY_LEN);
	if (kr->root == NULL || kr->page == NULL || kr->cred == NULL ||
	    kr->audit == NULL || kr->state == NULL) {
		keyring_free(kr);
		return ops_err_set(err, OPS_E_NOMEM,
		    "allocate keyring: secure memory exhausted");
	}
	memcpy(kr->root, root, KEYS_KEY_LEN);
	memcpy(kr->db_id, db_id, KEYS_DBID_LEN);
	kr->generation = generation;
	if (crypto_kdf_derive_from_key(kr->page, KEYS_KEY_LEN, KDF_ID_PAGE,
	    KDF_CTX, kr->root) != 0 ||
	    crypto_kdf_derive_from_key(kr->cred, KEYS_KEY_LEN, KDF_ID_CRED,
	    KDF_CTX, kr->root) != 0 ||
	    crypto_kdf_derive_from_key(kr->audit, KEYS_KEY_LEN, KDF_ID_AUDIT,
	    KDF_CTX, kr->root) != 0 ||
	    crypto_kdf_derive_from_key(kr->state, KEYS_KEY_LEN, KDF_ID_STATE,
	    KDF_CTX, kr->root) != 0) {
		keyring_free(kr);
		return ops_err_set(err, OPS_E_CRYPTO, "derive sub-keys");
	}
	if (sodium_mprotect_readonly(kr->page) != 0 ||
	    sodium_mprotect_readonly(kr->audit) != 0 ||
	    sodium_mprotect_readonly(kr->state) != 0 ||
	    sodium_mprotect_noaccess(kr->cred) != 0 ||
	    sodium_mprotect_noaccess(kr->root) != 0) {
		keyring_free(kr);
		return ops_err_errno(err, OPS_E_CRYPTO,
		    "protect keyring memory");
	}
	*out = kr;
	return OPS_OK;
}

/*
 * Wrap root into a new envelope for path: kind, database id and
 * generation given; the KEK is the key-file bytes (kind keyfile) or
 * derived from pass with lim (kind passphrase).
 */
static int
env_store(const char *path, int kind, const unsigned char *root,
    const unsigned char *db_id, uint32_t generation,
    const struct secret *keyfile_kek, const struct secret *pass,
    uint64_t ops, uint64_t mem, int replace, struct ops_err *err)
{
	unsigned char		 raw[ENV_LEN];
	struct secret		*derived = NULL;
	const struct secret	*kek = keyfile_kek;
	unsigned long long	 clen;
	int			 rc;

	memset(raw, 0, sizeof(raw));
	memcpy(raw, env_magic, sizeof(env_magic));
	raw[OFF_VERSION] = ENV_VERSION;
	raw[OFF_KIND] = (unsigned char)kind;
	put_le(raw + OFF_GEN, generation, 4);
	memcpy(raw + OFF_DBID, db_id, KEYS_DBID_LEN);
	if (kind == KEYS_KIND_PASSPHRASE) {
		put_le(raw + OFF_OPS, ops, 8);
		put_le(raw + OFF_MEM, mem, 8);
		randombytes_buf(raw + OFF_SALT, SALT_LEN);
		if ((rc = kek_from_passphrase(pass, raw + OFF_SALT, ops, mem,
		    &derived, err)) != OPS_OK)
			return rc;
		kek = derived;
	}
	if (kek == NULL)
		return ops_err_set(err, OPS_E_INTERNAL,
		    "wrap key for envelope %s: no key-encryption key", path);
	randombytes_buf(raw + OFF_NONCE, NONCE_LEN);
	if (crypto_aead_xchacha20poly1305_ietf_encrypt(raw + OFF_WRAPPED,
	    &clen, root, KEYS_KEY_LEN, raw, ENV_HDR_LEN, NULL,
	    raw + OFF_NONCE, secret_cdata(kek)) != 0 ||
	    clen != KEYS_KEY_LEN + TAG_LEN) {
		rc = ops_err_set(err, OPS_E_CRYPTO, "wrap key for envelope %s",
		    path);
		goto out;
	}
	rc = keys_write_atomic(path, "key envelope", raw, sizeof(raw),
	    replace, err);
out:
	secret_free(derived);
	return rc;
}

/* Unwrap R from env with kek into a new secret. */
static int
env_unwrap(const struct envelope *env, const struct secret *kek,
    struct secret **root, struct ops_err *err)
{
	int	rc;

	if ((rc = secret_new(KEYS_KEY_LEN, root, err)) != OPS_OK)
		return rc;
	if (crypto_aead_xchacha20poly1305_ietf_decrypt(secret_data(*root),
	    NULL, NULL, env->raw + OFF_WRAPPED, KEYS_KEY_LEN + TAG_LEN,
	    env->raw, ENV_HDR_LEN, env->raw + OFF_NONCE,
	    secret_cdata(kek)) != 0) {
		secret_free(*root);
		*root = NULL;
		return OPS_E_BADKEY;	/* caller words the message */
	}
	return OPS_OK;
}

static int
check_new_path(const char *path, const char *what, struct ops_err *err)
{
	struct stat	st;

	if (path == NULL || *path == '\0')
		return ops_err_set(err, OPS_E_INVAL, "create %s: no path", what);
	if (lstat(path, &st) == 0)
		return ops_err_set(err, OPS_E_EXISTS,
		    "create %s %s: already exists", what, path);
	if (errno != ENOENT)
		return ops_err_errno(err, OPS_E_IO, "check %s %s", what, path);
	return OPS_OK;
}

int
keys_create_keyfile(const char *envelope_path, const char *keyfile_path,
    struct keyring **out, struct ops_err *err)
{
	struct secret	*kek = NULL, *root = NULL;
	unsigned char	 db_id[KEYS_DBID_LEN];
	int		 rc, made_keyfile = 0;

	*out = NULL;
	if ((rc = ops_crypto_init(err)) != OPS_OK)
		return rc;
	if ((rc = check_new_path(envelope_path, "key envelope", err)) !=
	    OPS_OK || (rc = check_new_path(keyfile_path, "key file", err)) !=
	    OPS_OK)
		return rc;
	if ((rc = secret_new(KEYS_KEY_LEN, &root, err)) != OPS_OK)
		goto out;
	randombytes_buf(secret_data(root), KEYS_KEY_LEN);
	randombytes_buf(db_id, sizeof(db_id));
	if ((rc = keyfile_create(keyfile_path, &kek, err)) != OPS_OK)
		goto out;
	made_keyfile = 1;
	if ((rc = env_store(envelope_path, KEYS_KIND_KEYFILE,
	    secret_cdata(root), db_id, 1, kek, NULL, 0, 0, 0, err)) != OPS_OK)
		goto out;
	made_keyfile = 0;
	rc = keyring_build(secret_cdata(root), db_id, 1, out, err);
out:
	if (made_keyfile)
		unlink(keyfile_path);
	secret_free(kek);
	secret_free(root);
	return rc;
}

int
keys_create_passphrase(const char *envelope_path,
    const struct secret *passphrase, const struct keys_kdf_limits *limits,
    struct keyring **out, struct ops_err *err)
{
	struct secret	*root = NULL;
	unsigned char	 db_id[KEYS_DBID_LEN];
	uint64_t	 ops, mem;
	int		 rc;

	*out = NULL;
	if ((rc = ops_crypto_init(err)) != OPS_OK)
		return rc;
	if (passphrase == NULL || secret_len(passphrase) == 0)
		return ops_err_set(err, OPS_E_INVAL,
		    "create key envelope %s: passphrase is empty",
		    envelope_path);
	if ((rc = kdf_resolve(limits, &ops, &mem, err)) != OPS_OK ||
	    (rc = check_new_path(envelope_path, "key envelope", err)) !=
	    OPS_OK)
		return rc;
	if ((rc = secret_new(KEYS_KEY_LEN, &root, err)) != OPS_OK)
		return rc;
	randombytes_buf(secret_data(root), KEYS_KEY_LEN);
	randombytes_buf(db_id, sizeof(db_id));
	if ((rc = env_store(envelope_path, KEYS_KIND_PASSPHRASE,
	    secret_cdata(root), db_id, 1, NULL, passphrase, ops, mem, 0,
	    err)) != OPS_OK)
		goto out;
	rc = keyring_build(secret_cdata(root), db_id, 1, out, err);
out:
	secret_free(root);
	return rc;
}

int
keys_envelope_kind(const char *envelope_path, enum keys_kind *kind,
    struct ops_err *err)
{
	struct envelope	env;
	int		rc;

	*kind = 0;
	if ((rc = env_read(envelope_path, &env, err)) != OPS_OK)
		return rc;
	*kind = (enum keys_kind)env.kind;
	return OPS_OK;
}

int
keys_unlock_keyfile(const char *envelope_path, const char *keyfile_path,
    struct keyring **out, struct ops_err *err)
{
	struct envelope	 env;
	struct secret	*kek = NULL, *root = NULL;
	int		 rc;

	*out = NULL;
	if ((rc = ops_crypto_init(err)) != OPS_OK ||
	    (rc = env_read(envelope_path, &env, err)) != OPS_OK)
		return rc;
	if (env.kind != KEYS_KIND_KEYFILE)
		return ops_err_set(err, OPS_E_INVAL,
		    "unlock key envelope %s: it is protected by a passphrase, "
		    "not a key file", envelope_path);
	if ((rc = keyfile_read(keyfile_path, &kek, err)) != OPS_OK)
		goto out;
	if ((rc = env_unwrap(&env, kek, &root, err)) != OPS_OK) {
		rc = ops_err_set(err, rc, "key file %s does not open this "
		    "store (envelope %s)", keyfile_path, envelope_path);
		goto out;
	}
	rc = keyring_build(secret_cdata(root), env.raw + OFF_DBID,
	    env.generation, out, err);
out:
	secret_free(root);
	secret_free(kek);
	return rc;
}

int
keys_unlock_passphrase(const char *envelope_path,
    const struct secret *passphrase, struct keyring **out,
    struct ops_err *err)
{
	struct envelope	 env;
	struct secret	*kek = NULL, *root = NULL;
	int		 rc;

	*out = NULL;
	if ((rc = ops_crypto_init(err)) != OPS_OK)
		return rc;
	if (passphrase == NULL || secret_len(passphrase) == 0)
		return ops_err_set(err, OPS_E_INVAL,
		    "unlock key envelope %s: passphrase is empty",
		    envelope_path);
	if ((rc = env_read(envelope_path, &env, err)) != OPS_OK)
		return rc;
	if (env.kind != KEYS_KIND_PASSPHRASE)
		return ops_err_set(err, OPS_E_INVAL,
		    "unlock key envelope %s: it is opened by a key file, not a "
		    "passphrase", envelope_path);
	if ((rc = kek_from_passphrase(passphrase, env.raw + OFF_SALT,
	    env.opslimit, env.memlimit, &kek, err)) != OPS_OK)
		goto out;
	if ((rc = env_unwrap(&env, kek, &root, err)) != OPS_OK) {
		rc = ops_err_set(err, rc, "unlock key envelope %s: wrong "
		    "passphrase", envelope_path);
		goto out;
	}
	rc = keyring_build(secret_cdata(root), env.raw + OFF_DBID,
	    env.generation, out, err);
out:
	secret_free(root);
	secret_free(kek);
	return rc;
}

/* Refuse to replace an envelope that belongs to another database. */
static int
rewrap_check(const char *envelope_path, const struct keyring *kr,
    struct ops_err *err)
{
	struct envelope	env;

	if (kr == NULL)
		return ops_err_set(err, OPS_E_INVAL,
		    "rewrap key envelope %s: store is locked", envelope_path);
	/* A missing or damaged envelope may be rewritten from the keyring. */
	if (env_read(envelope_path, &env, NULL) != OPS_OK)
		return OPS_OK;
	if (sodium_memcmp(env.raw + OFF_DBID, kr->db_id, KEYS_DBID_LEN) != 0)
		return ops_err_set(err, OPS_E_INVAL,
		    "rewrap key envelope %s: it belongs to another database",
		    envelope_path);
	return OPS_OK;
}

static int
remove_old_keyfile(const char *path, struct ops_err *err)
{
	if (path == NULL)
		return OPS_OK;
	if (unlink(path) == -1 && errno != ENOENT)
		return ops_err_errno(err, OPS_E_IO, "new key envelope written, "
		    "but remove old key file %s", path);
	return fsync_dir(path, err);
}

int
keys_rewrap_passphrase(const char *envelope_path, const struct keyring *kr,
    const struct secret *passphrase, const struct keys_kdf_limits *limits,
    const char *old_keyfile_path, struct ops_err *err)
{
	uint64_t	ops, mem;
	int		rc;

	if ((rc = ops_crypto_init(err)) != OPS_OK ||
	    (rc = rewrap_check(envelope_path, kr, err)) != OPS_OK)
		return rc;
	if (passphrase == NULL || secret_len(passphrase) == 0)
		return ops_err_set(err, OPS_E_INVAL,
		    "rewrap key envelope %s: passphrase is empty",
		    envelope_path);
	if ((rc = kdf_resolve(limits, &ops, &mem, err)) != OPS_OK)
		return rc;
	if (sodium_mprotect_readonly(kr->root) != 0)
		return ops_err_errno(err, OPS_E_CRYPTO,
		    "unprotect keyring memory");
	rc = env_store(envelope_path, KEYS_KIND_PASSPHRASE, kr->root,
	    kr->db_id, kr->generation, NULL, passphrase, ops, mem, 1, err);
	sodium_mprotect_noaccess(kr->root);
	if (rc != OPS_OK)
		return rc;
	return remove_old_keyfile(old_keyfile_path, err);
}

int
keys_rewrap_keyfile(const char *envelope_path, const struct keyring *kr,
    const char *keyfile_path, const char *old_keyfile_path,
    struct ops_err *err)
{
	struct secret	*kek = NULL;
	int		 rc, made_keyfile = 0;

	if ((rc = ops_crypto_init(err)) != OPS_OK ||
	    (rc = rewrap_check(envelope_path, kr, err)) != OPS_OK)
		return rc;
	if (keyfile_path == NULL || (old_keyfile_path != NULL &&
	    strcmp(keyfile_path, old_keyfile_path) == 0))
		return ops_err_set(err, OPS_E_INVAL,
		    "rewrap key envelope %s: the new key file needs a new path",
		    envelope_path);
	if ((rc = keyfile_create(keyfile_path, &kek, err)) != OPS_OK)
		return rc;
	made_keyfile = 1;
	if (sodium_mprotect_readonly(kr->root) != 0) {
		rc = ops_err_errno(err, OPS_E_CRYPTO,
		    "unprotect keyring memory");
		goto out;
	}
	rc = env_store(envelope_path, KEYS_KIND_KEYFILE, kr->root, kr->db_id,
	    kr->generation, kek, NULL, 0, 0, 1, err);
	sodium_mprotect_noaccess(kr->root);
	if (rc != OPS_OK)
		goto out;
	made_keyfile = 0;	/* the envelope now needs it */
	rc = remove_old_keyfile(old_keyfile_path, err);
out:
	if (made_keyfile)
		unlink(keyfile_path);
	secret_free(kek);
	return rc;
}

const unsigned char *
keyring_page_key(const struct keyring *kr)
{
	return kr->page;
}

const unsigned char *
keyring_audit_key(const struct keyring *kr)
{
	return kr->audit;
}

const unsigned char *
keyring_state_key(const struct keyring *kr)
{
	return kr->state;
}

const unsigned char *
keyring_db_id(const struct keyring *kr)
{
	return kr->db_id;
}

uint32_t
keyring_generation(const struct keyring *kr)
{
	return kr->generation;
}

int
keyring_cred_acquire(const struct keyring *kr, const unsigned char **key,
    struct ops_err *err)
{
	*key = NULL;
	if (kr == NULL)
		return ops_err_set(err, OPS_E_INVAL, "use credential key: "
		    "store is locked");
	if (sodium_mprotect_readonly(kr->cred) != 0)
		return ops_err_errno(err, OPS_E_CRYPTO,
		    "unprotect credential key");
	*key = kr->cred;
	return OPS_OK;
}

void
keyring_cred_release(const struct keyring *kr)
{
	if (kr != NULL)
		sodium_mprotect_noaccess(kr->cred);
}

void
keyring_free(struct keyring *kr)
{
	if (kr == NULL)
		return;
	/* sodium_free makes each region writable, wipes and unmaps it. */
	sodium_free(kr->root);
	sodium_free(kr->page);
	sodium_free(kr->cred);
	sodium_free(kr->audit);
	sodium_free(kr->state);
	sodium_memzero(kr, sizeof(*kr));
	free(kr);
}

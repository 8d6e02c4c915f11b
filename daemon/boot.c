/*
 * boot.c: what opsicled does before it serves: harden the process, take
 * the per-state-dir lock, read opsicle.conf, and open (or on first use
 * create) the store. A passphrase-protected store stays locked (keys and
 * store NULL) until "opsicle unlock" or -P; boot_unlock and
 * boot_lock_store move between the two states at run time.
 */
#include "config.h"

#include <sys/file.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/syscall.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "daemon.h"
#include "file-check.h"
#include "secret-read.h"

/*
 * Keys and decrypted pages live in this process: keep them out of core
 * dumps and ptrace, and make every file we create owner-only.
 */
void
boot_harden(void)
{
	struct rlimit	rl = { 0, 0 };

	(void)prctl(PR_SET_DUMPABLE, 0, 0, 0, 0);
	(void)setrlimit(RLIMIT_CORE, &rl);
	umask(077);
}

/*
 * Close every descriptor above stderr that whoever started us left open
 * (a shell's "exec 7<file", a parent's sockets): the daemon and the SSH
 * sessions it runs must not hold or leak them. Needs nothing passed in:
 * -P names a file, not a descriptor. close_range(2) when the kernel has
 * it, else the /proc/self/fd list.
 */
void
boot_close_fds(void)
{
	DIR		*d;
	struct dirent	*e;
	char		*end;
	long		 fd;

#ifdef SYS_close_range
	if (syscall(SYS_close_range, STDERR_FILENO + 1, ~0U, 0) == 0)
		return;
#endif
	if ((d = opendir("/proc/self/fd")) == NULL)
		return;
	while ((e = readdir(d)) != NULL) {
		fd = strtol(e->d_name, &end, 10);
		if (*end != '\0' || end == e->d_name || fd <= STDERR_FILENO ||
		    fd == dirfd(d))
			continue;
		(void)close((int)fd);
	}
	closedir(d);
}

/* One daemon per state directory: an flock held for the process's life. */
int
boot_lock(struct ops_ctx *ctx, struct ops_err *err)
{
	int	fd;

	fd = open(ctx->paths.lock, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
	if (fd == -1)
		return ops_err_errno(err, OPS_E_IO, "open lock file %s",
		    ctx->paths.lock);
	if (flock(fd, LOCK_EX | LOCK_NB) == -1) {
		close(fd);
		if (errno == EWOULDBLOCK)
			return ops_err_set(err, OPS_E_LOCKED,
			    "another opsicled is already running for %s "
			    "(lock %s held)", ctx->paths.data_dir,
			    ctx->paths.lock);
		return ops_err_errno(err, OPS_E_IO, "lock %s",
		    ctx->paths.lock);
	}
	ctx->lock_fd = fd;
	return boot_write_pid(ctx, err);
}

/* The lock file names the daemon's pid; rewritten after detaching. */
int
boot_write_pid(struct ops_ctx *ctx, struct ops_err *err)
{
	char	pid[32];
	int	n;

	n = snprintf(pid, sizeof(pid), "%ld\n", (long)getpid());
	if (ftruncate(ctx->lock_fd, 0) == -1 ||
	    pwrite(ctx->lock_fd, pid, (size_t)n, 0) != n)
		return ops_err_errno(err, OPS_E_IO, "write lock file %s",
		    ctx->paths.lock);
	return OPS_OK;
}

static int
file_exists(const char *path)
{
	struct stat	st;

	return lstat(path, &st) == 0;
}

/*
 * The envelope exists, so the store was made: a missing or empty store
 * file was lost or removed, and opening would silently start an empty
 * one (with an empty audit trail that verifies).
 */
static int
boot_need_store(struct ops_ctx *ctx, struct ops_err *err)
{
	struct stat	st;

	if (stat(ctx->paths.store, &st) == 0 && st.st_size > 0)
		return OPS_OK;
	return ops_err_set(err, OPS_E_NOTFOUND, "store %s is %s but its key "
	    "envelope %s exists: restore the store from backup (remove the "
	    "envelope and key file only to start again with an empty store)",
	    ctx->paths.store, file_exists(ctx->paths.store) ? "empty" :
	    "missing", ctx->paths.envelope);
}

/* First use: a new store whose key is a generated key file beside it. */
static int
boot_create(struct ops_ctx *ctx, struct ops_err *err)
{
	int	rc;

	if (file_exists(ctx->paths.store))
		return ops_err_set(err, OPS_E_NOTFOUND,
		    "store %s exists but its key envelope %s is missing; "
		    "restore the envelope from backup", ctx->paths.store,
		    ctx->paths.envelope);
	if ((rc = keys_create_keyfile(ctx->paths.envelope,
	    ctx->paths.keyfile, &ctx->keys, err)) != OPS_OK)
		return rc;
	log_info(&ctx->log, "created key envelope %s and key file %s",
	    ctx->paths.envelope, ctx->paths.keyfile);
	return OPS_OK;
}

int
boot_load_config(struct ops_ctx *ctx, struct ops_err *err)
{
	struct ops_config	*cfg = NULL;
	enum log_level		 level = LOG_LEVEL_INFO;
	int			 rc;

	if ((rc = config_load(ctx->paths.config, &cfg, err)) != OPS_OK)
		return rc;
	config_free(ctx->config);
	ctx->config = cfg;
	/* log-level applies on SIGHUP too; "log" is read at start only. */
	(void)log_level_parse(config_str(cfg, "log-level"), &level);
	ctx->log.level = level > ctx->log_min ? level : ctx->log_min;
	if (ctx->store != NULL)
		store_set_output_cap(ctx->store,
		    (size_t)config_num(cfg, "output-cap"));
	return OPS_OK;
}

/*
 * Open the store once ctx->keys holds the unlocked keyring; fresh: the
 * envelope was made just now, so the store is new.
 */
static int
boot_open_db(struct ops_ctx *ctx, int fresh, struct ops_err *err)
{
	int	rc;

	if ((!fresh && (rc = boot_need_store(ctx, err)) != OPS_OK) ||
	    (rc = store_open_flags(ctx->paths.store, ctx->keys,
	    ctx->reset_state ? STORE_OPEN_RESET_STATE : 0, &ctx->store,
	    err)) != OPS_OK) {
		keyring_free(ctx->keys);
		ctx->keys = NULL;
		return rc;
	}
	ctx->reset_state = 0;	/* -R: once, not at every later unlock */
	if (ctx->config != NULL)
		store_set_output_cap(ctx->store,
		    (size_t)config_num(ctx->config, "output-cap"));
	return OPS_OK;
}

int
boot_unlock(struct ops_ctx *ctx, const struct secret *pass,
    struct ops_err *err)
{
	int	rc;

	if (ctx->store != NULL)
		return OPS_OK;
	rc = keys_unlock_passphrase(ctx->paths.envelope, pass, &ctx->keys,
	    err);
	if (rc == OPS_E_BADKEY)
		return ops_err_set(err, OPS_E_BADKEY, "wrong passphrase for "
		    "store %s", ctx->paths.store);
	if (rc != OPS_OK)
		return rc;
	return boot_open_db(ctx, 0, err);
}

int
boot_unlock_keys(struct ops_ctx *ctx, struct keyring *kr, struct ops_err *err)
{
	if (ctx->store != NULL) {
		keyring_free(kr);
		return OPS_OK;
	}
	ctx->keys = kr;
	return boot_open_db(ctx, 0, err);
}

void
boot_lock_store(struct ops_ctx *ctx)
{
	store_close(ctx->store);
	ctx->store = NULL;
	keyring_free(ctx->keys);
	ctx->keys = NULL;
}

/* -P FILE: unlock at start from a file; without it, start locked. */
static int
boot_unlock_passphrase(struct ops_ctx *ctx, struct ops_err *err)
{
	struct secret	*pass = NULL;
	struct stat	 st;
	int		 fd, rc;

	if (ctx->passphrase_file == NULL) {
		log_info(&ctx->log, "store %s is protected by a passphrase: "
		    "serving locked until \"opsicle unlock\"",
		    ctx->paths.store);
		return OPS_OK;
	}
	if ((fd = open(ctx->passphrase_file, O_RDONLY | O_CLOEXEC)) == -1)
		return ops_err_errno(err, OPS_E_IO, "open passphrase file %s",
		    ctx->passphrase_file);
	if (fstat(fd, &st) == -1)
		rc = ops_err_errno(err, OPS_E_IO, "stat passphrase file %s",
		    ctx->passphrase_file);
	else if ((rc = file_check_secret(&st, ctx->passphrase_file,
	    "passphrase file", err)) == OPS_OK)
		rc = secret_read_fd(fd, 1024, &pass, err);
	close(fd);
	if (rc != OPS_OK)
		return rc;
	rc = boot_unlock(ctx, pass, err);
	secret_free(pass);
	return rc;
}

int
boot_open_store(struct ops_ctx *ctx, struct ops_err *err)
{
	enum keys_kind	kind;
	int		rc, fresh;

	fresh = !file_exists(ctx->paths.envelope);
	if (fresh)
		rc = boot_create(ctx, err);
	else if ((rc = boot_need_store(ctx, err)) != OPS_OK)
		return rc;
	else if ((rc = keys_envelope_kind(ctx->paths.envelope, &kind,
	    err)) != OPS_OK)
		return rc;
	else if (kind == KEYS_KIND_PASSPHRASE)
		return boot_unlock_passphrase(ctx, err);
	else
		rc = keys_unlock_keyfile(ctx->paths.envelope,
		    ctx->paths.keyfile, &ctx->keys, err);
	if (rc != OPS_OK)
		return rc;
	return boot_open_db(ctx, fresh, err);
}

void
boot_close(struct ops_ctx *ctx)
{
	boot_lock_store(ctx);
	config_free(ctx->config);
	ctx->config = NULL;
	if (ctx->lock_fd != -1)
		close(ctx->lock_fd);
	ctx->lock_fd = -1;
}

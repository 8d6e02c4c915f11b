/*
 * ssh-task-pull.c: the pull task: read a remote file over SFTP into
 * LOCALDIR/<target>/ through a temp file created O_EXCL|O_NOFOLLOW, hash
 * what arrives, refuse a file that changed while read, read the local
 * copy back, set the mode and rename it into place.
 */
#include <sys/stat.h>
#include <sys/types.h>

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <sodium.h>

#include "ssh-int.h"

#define SFTP_READ	65536

enum pull_state {
	PL_OPEN = SFTP_FIRST,
	PL_FSTAT,
	PL_READ,
	PL_FSTAT2,		/* unchanged while read? */
	PL_CLOSE,
};

static int
pull_prepare(struct ssh_batch *b, struct ops_err *err)
{
	const struct ssh_xfer *xf = b->xf;
	const char *base = ssh_path_base(xf->remote);

	if (base[0] == '\0' || strcmp(base, ".") == 0 ||
	    strcmp(base, "..") == 0)
		return ops_err_set(err, OPS_E_INVAL,
		    "transfer %s: the remote path must name a file",
		    xf->remote);
	if (xf->has_ldirfd)
		b->ldirfd = fcntl(xf->ldirfd, F_DUPFD_CLOEXEC, 3);
	else
		b->ldirfd = open(xf->local, O_RDONLY | O_DIRECTORY |
		    O_CLOEXEC);
	if (b->ldirfd < 0)
		return ops_err_errno(err, OPS_E_IO,
		    "open local directory %s for pulling", xf->local);
	return 0;
}

static void
pull_unprepare(struct ssh_batch *b)
{
	if (b->ldirfd >= 0)
		close(b->ldirfd);
	b->ldirfd = -1;
}

static int
write_all(int fd, const unsigned char *p, size_t n)
{
	ssize_t w;

	while (n > 0) {
		w = write(fd, p, n);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return -1;
		p += w;
		n -= (size_t)w;
	}
	return 0;
}

/* The local side of a pull: directory, then temp file. */
static int
pull_local_open(struct ssh_task *tk)
{
	const struct ssh_xfer *xf = tk->b->xf;
	struct ssh_sftp_run *sf = &tk->sf;
	const char *name = tk->t->name, *base = ssh_path_base(xf->remote);
	char hex[17];
	size_t n;

	if (name[0] == '\0' || strchr(name, '/') != NULL ||
	    strcmp(name, ".") == 0 || strcmp(name, "..") == 0) {
		ssh_sftp_fail(tk, OPS_E_INVAL, "pull %s from %s: the target "
		    "name cannot be a directory name", xf->remote, name);
		return -1;
	}
	if (mkdirat(tk->b->ldirfd, name, 0700) != 0 && errno != EEXIST)
		goto fail;
	sf->ldir = openat(tk->b->ldirfd, name, O_RDONLY | O_DIRECTORY |
	    O_NOFOLLOW | O_CLOEXEC);
	if (sf->ldir < 0)
		goto fail;
	ssh_rand_hex(hex, 8);
	n = strlen(base) + 32;
	if ((sf->ltmp = malloc(n)) == NULL)
		goto fail;
	snprintf(sf->ltmp, n, ".%s.opsicle-%s", base, hex);
	sf->lfd = openat(sf->ldir, sf->ltmp, O_RDWR | O_CREAT | O_EXCL |
	    O_NOFOLLOW | O_CLOEXEC, 0600);
	if (sf->lfd < 0) {
		free(sf->ltmp);
		sf->ltmp = NULL;
		goto fail;
	}
	return 0;
fail:
	ssh_sftp_fail(tk, OPS_E_IO, "pull %s from %s: local directory %s/%s: "
	    "%s", xf->remote, name, xf->local, name, strerror(errno));
	return -1;
}

/* The bytes on disk are the bytes received; then into place. */
static int
pull_local_finish(struct ssh_task *tk, const unsigned char *digest)
{
	const struct ssh_xfer *xf = tk->b->xf;
	struct ssh_sftp_run *sf = &tk->sf;
	crypto_hash_sha256_state hs;
	unsigned char buf[SFTP_READ], d2[32];
	unsigned mode;
	off_t off = 0;
	ssize_t n;

	mode = xf->keep_mode ? (unsigned)sf->rmode & 0777 :
	    xf->mode ? xf->mode & 0777 : 0600;
	if (fsync(sf->lfd) != 0)
		goto fail;
	crypto_hash_sha256_init(&hs);
	while ((n = pread(sf->lfd, buf, sizeof(buf), off)) != 0) {
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			goto fail;
		crypto_hash_sha256_update(&hs, buf, (size_t)n);
		off += n;
	}
	crypto_hash_sha256_final(&hs, d2);
	if ((unsigned long long)off != sf->off ||
	    sodium_memcmp(d2, digest, 32) != 0) {
		ssh_sftp_fail(tk, OPS_E_CORRUPT, "pull %s from %s: the local "
		    "copy differs from what was received; not installed",
		    xf->remote, tk->t->name);
		return -1;
	}
	if (fchmod(sf->lfd, mode) != 0 || close(sf->lfd) != 0) {
		sf->lfd = -1;
		goto fail;
	}
	sf->lfd = -1;
	if (renameat(sf->ldir, sf->ltmp, sf->ldir,
	    ssh_path_base(xf->remote)) != 0)
		goto fail;
	free(sf->ltmp);
	sf->ltmp = NULL;
	ssh_sftp_ok(tk, sf->off, digest, mode);
	return 0;
fail:
	ssh_sftp_fail(tk, OPS_E_IO, "pull %s from %s: write %s/%s: %s",
	    xf->remote, tk->t->name, xf->local, tk->t->name, strerror(errno));
	return -1;
}

static enum ssh_step
pull_open(struct ssh_task *tk)
{
	const char *remote = tk->b->xf->remote;
	struct ssh_sftp_run *sf = &tk->sf;

	if (sf->ldir < 0 && pull_local_open(tk) != 0)
		return STEP_FAIL;
	sf->fh = libssh2_sftp_open_ex(sf->sftp, remote,
	    (unsigned)strlen(remote), LIBSSH2_FXF_READ, 0,
	    LIBSSH2_SFTP_OPENFILE);
	if (sf->fh == NULL) {
		if (ssh_sftp_eagain(tk))
			return STEP_WAIT;
		ssh_sftp_fail(tk, OPS_E_IO, "pull %s from %s: %s", remote,
		    tk->t->name, ssh_sftp_err(tk));
		return STEP_FAIL;
	}
	tk->step = PL_FSTAT;
	return STEP_NEXT;
}

/* Before reading: a regular file, its size and mtime; after: the same. */
static enum ssh_step
pull_fstat(struct ssh_task *tk)
{
	const char *remote = tk->b->xf->remote, *tn = tk->t->name;
	struct ssh_sftp_run *sf = &tk->sf;
	LIBSSH2_SFTP_ATTRIBUTES a;
	int rc;

	memset(&a, 0, sizeof(a));
	rc = libssh2_sftp_fstat_ex(sf->fh, &a, 0);
	if (rc == LIBSSH2_ERROR_EAGAIN)
		return STEP_WAIT;
	if (rc != 0) {
		ssh_sftp_fail(tk, OPS_E_IO, "pull %s from %s: stat: %s",
		    remote, tn, ssh_sftp_err(tk));
		return STEP_FAIL;
	}
	if (tk->step == PL_FSTAT) {
		if ((a.flags & LIBSSH2_SFTP_ATTR_PERMISSIONS) &&
		    !LIBSSH2_SFTP_S_ISREG(a.permissions)) {
			ssh_sftp_fail(tk, OPS_E_INVAL, "pull %s from %s: not a "
			    "regular file", remote, tn);
			return STEP_FAIL;
		}
		sf->rsize = a.filesize;
		sf->rmtime = a.mtime;
		sf->rmode = a.permissions;
		if (ssh_sftp_hash_start(tk) != 0)
			return ssh_sftp_nomem(tk);
		sf->off = 0;
		tk->step = PL_READ;
		return STEP_NEXT;
	}
	if (((a.flags & LIBSSH2_SFTP_ATTR_SIZE) &&
	    (a.filesize != sf->rsize || sf->off != sf->rsize)) ||
	    a.mtime != sf->rmtime) {
		ssh_sftp_fail(tk, OPS_E_CORRUPT, "pull %s from %s: the file "
		    "changed while it was read; not installed", remote, tn);
		return STEP_FAIL;
	}
	tk->step = PL_CLOSE;
	return STEP_NEXT;
}

static enum ssh_step
pull_read(struct ssh_task *tk)
{
	const struct ssh_xfer *xf = tk->b->xf;
	const char *tn = tk->t->name;
	struct ssh_sftp_run *sf = &tk->sf;
	unsigned char buf[SFTP_READ];
	ssize_t n;

	for (;;) {
		n = libssh2_sftp_read(sf->fh, (char *)buf, sizeof(buf));
		if (n == LIBSSH2_ERROR_EAGAIN)
			return STEP_WAIT;
		if (n < 0) {
			ssh_sftp_fail(tk, OPS_E_IO, "pull %s from %s: read: %s",
			    xf->remote, tn, ssh_sftp_err(tk));
			return STEP_FAIL;
		}
		if (n == 0)
			break;
		if (write_all(sf->lfd, buf, (size_t)n) != 0) {
			ssh_sftp_fail(tk, OPS_E_IO, "pull %s from %s: write "
			    "%s/%s: %s", xf->remote, tn, xf->local, tn,
			    strerror(errno));
			return STEP_FAIL;
		}
		crypto_hash_sha256_update(sf->hs, buf, (size_t)n);
		sf->off += (size_t)n;
	}
	tk->step = PL_FSTAT2;
	return STEP_NEXT;
}

static enum ssh_step
pull_close(struct ssh_task *tk)
{
	unsigned char d[32];
	int rc;

	rc = libssh2_sftp_close_handle(tk->sf.fh);
	if (rc == LIBSSH2_ERROR_EAGAIN)
		return STEP_WAIT;
	tk->sf.fh = NULL;
	crypto_hash_sha256_final(tk->sf.hs, d);
	if (pull_local_finish(tk, d) != 0)
		return STEP_FAIL;
	ssh_sftp_finish(tk, 0);
	return STEP_NEXT;
}

static enum ssh_step
pull_step(struct ssh_task *tk)
{
	enum ssh_step s;

	if (ssh_sftp_common(tk, &s))
		return s;
	switch (tk->step) {
	case PL_OPEN:
		return pull_open(tk);
	case PL_FSTAT:
	case PL_FSTAT2:
		return pull_fstat(tk);
	case PL_READ:
		return pull_read(tk);
	default:
		return pull_close(tk);
	}
}

const struct ssh_task_ops ssh_task_pull_ops = {
	.name = "pull",
	.prepare = pull_prepare,
	.unprepare = pull_unprepare,
	.start = ssh_sftp_begin,
	.step = pull_step,
	.cleanup = ssh_sftp_cleanup,
	.expire = ssh_sftp_expire,
	.release = ssh_sftp_release,
	.free = ssh_sftp_free,
};

/*
 * ssh-task-push.c: the push task: write one local file or buffer to a
 * temp name next to the remote path, read it back and compare SHA-256,
 * set the mode and rename it into place ("mv -f" on an exec channel when
 * the server's rename will not overwrite).
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

#define SFTP_CHUNK	(1024 * 1024)	/* bytes given to one sftp_write */
#define SFTP_READ	65536

enum push_state {
	PU_OPEN = SFTP_FIRST,		/* the remote temp file */
	PU_WRITE,
	PU_CLOSE,
	PU_REOPEN,		/* read it back */
	PU_VERIFY,
	PU_CLOSE2,
	PU_SETSTAT,
	PU_RENAME,
	PU_MV,			/* the exec sub-machine runs "mv -f" */
	PU_MVDONE,
};

/* ---- batch set-up ---------------------------------------------------- */

static int
read_all(int fd, unsigned char **out, size_t *outlen, const char *path,
    struct ops_err *err)
{
	struct stat st;
	unsigned char *d;
	size_t off = 0;
	ssize_t n;

	if (fstat(fd, &st) != 0)
		return ops_err_errno(err, OPS_E_IO, "stat %s", path);
	if (!S_ISREG(st.st_mode))
		return ops_err_set(err, OPS_E_INVAL,
		    "push %s: not a regular file", path);
	if ((d = malloc(st.st_size > 0 ? (size_t)st.st_size : 1)) == NULL)
		return ops_err_errno(err, OPS_E_NOMEM, "read %s", path);
	while (off < (size_t)st.st_size) {
		n = read(fd, d + off, (size_t)st.st_size - off);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			free(d);
			return ops_err_errno(err, OPS_E_IO, "read %s", path);
		}
		off += (size_t)n;
	}
	*out = d;
	*outlen = off;
	return 0;
}

static int
push_prepare(struct ssh_batch *b, struct ops_err *err)
{
	const struct ssh_xfer *xf = b->xf;
	const char *base = ssh_path_base(xf->remote);
	struct stat st;
	int fd, rc;

	if (base[0] == '\0' || strcmp(base, ".") == 0 ||
	    strcmp(base, "..") == 0)
		return ops_err_set(err, OPS_E_INVAL,
		    "transfer %s: the remote path must name a file",
		    xf->remote);
	b->mode = xf->mode ? xf->mode & 0777 : 0644;
	if (xf->local != NULL) {
		if ((fd = open(xf->local, O_RDONLY | O_CLOEXEC)) < 0)
			return ops_err_errno(err, OPS_E_IO, "open %s",
			    xf->local);
		rc = read_all(fd, &b->own, &b->len, xf->local, err);
		b->data = b->own;
		if (rc == 0 && xf->keep_mode && fstat(fd, &st) == 0)
			b->mode = st.st_mode & 0777;
		close(fd);
		if (rc != 0)
			return rc;
	} else {
		/* borrowed, like the rest of xf (one copy for many batches) */
		b->data = xf->data;
		b->len = xf->len;
	}
	crypto_hash_sha256(b->digest, b->data, b->len);
	return 0;
}

static void
push_unprepare(struct ssh_batch *b)
{
	free(b->own);
	b->own = NULL;
	b->data = NULL;
}

/* ---- steps ----------------------------------------------------------- */

/* "dir/.base.opsicle-<hex>" next to path; caller frees. */
static char *
temp_next_to(const char *path)
{
	const char *base = ssh_path_base(path);
	char hex[33];
	size_t dl = (size_t)(base - path), n;
	char *t;

	ssh_rand_hex(hex, 16);
	n = dl + strlen(base) + 48;
	if ((t = malloc(n)) == NULL)
		return NULL;
	snprintf(t, n, "%.*s.%s.opsicle-%s", (int)dl, path, base, hex);
	return t;
}

/* "mv -f" on an exec channel, when SFTP rename will not overwrite. */
static int
push_mv(struct ssh_task *tk)
{
	char *qt = ssh_shell_quote(tk->sf.rtmp);
	char *qd = ssh_shell_quote(tk->b->xf->remote);
	size_t n;

	free(tk->command);
	tk->command = NULL;
	if (qt != NULL && qd != NULL) {
		n = 2 * strlen(qd) + strlen(qt) + 128;
		if ((tk->command = malloc(n)) != NULL)
			snprintf(tk->command, n, "if [ -d %s ]; then echo "
			    "'is a directory' >&2; exit 1; fi; "
			    "exec mv -f -- %s %s", qd, qt, qd);
	}
	free(qt);
	free(qd);
	if (tk->command == NULL)
		return -1;
	ssh_exec_begin(tk, tk->command);
	tk->step = PU_MV;
	return 0;
}

static enum ssh_step
push_open(struct ssh_task *tk)
{
	struct ssh_sftp_run *sf = &tk->sf;
	const char *remote = tk->b->xf->remote;

	if (sf->rtmp == NULL && (sf->rtmp = temp_next_to(remote)) == NULL)
		return ssh_sftp_nomem(tk);
	sf->rtmp_made = 1;
	sf->fh = libssh2_sftp_open_ex(sf->sftp, sf->rtmp,
	    (unsigned)strlen(sf->rtmp), LIBSSH2_FXF_WRITE | LIBSSH2_FXF_CREAT |
	    LIBSSH2_FXF_EXCL, 0600, LIBSSH2_SFTP_OPENFILE);
	if (sf->fh == NULL) {
		if (ssh_sftp_eagain(tk))
			return STEP_WAIT;
		sf->rtmp_made = 0;
		ssh_sftp_fail(tk, OPS_E_IO, "push to %s on %s: cannot create a "
		    "temp file in its directory: %s", remote, tk->t->name,
		    ssh_sftp_err(tk));
		return STEP_FAIL;
	}
	sf->off = 0;
	tk->step = PU_WRITE;
	return STEP_NEXT;
}

static enum ssh_step
push_write(struct ssh_task *tk)
{
	const struct ssh_batch *b = tk->b;
	struct ssh_sftp_run *sf = &tk->sf;
	size_t len;
	ssize_t n;

	while (sf->off < b->len) {
		len = b->len - (size_t)sf->off;
		n = libssh2_sftp_write(sf->fh, (const char *)b->data + sf->off,
		    len < SFTP_CHUNK ? len : SFTP_CHUNK);
		if (n == LIBSSH2_ERROR_EAGAIN)
			return STEP_WAIT;
		if (n < 0) {
			ssh_sftp_fail(tk, OPS_E_IO, "push to %s on %s: write: "
			    "%s", b->xf->remote, tk->t->name,
			    ssh_sftp_err(tk));
			return STEP_FAIL;
		}
		sf->off += (size_t)n;
	}
	tk->step = PU_CLOSE;
	return STEP_NEXT;
}

/* Close after writing (then read back) or after reading back. */
static enum ssh_step
push_close(struct ssh_task *tk)
{
	int rc;

	rc = libssh2_sftp_close_handle(tk->sf.fh);
	if (rc == LIBSSH2_ERROR_EAGAIN)
		return STEP_WAIT;
	tk->sf.fh = NULL;
	if (rc != 0) {
		ssh_sftp_fail(tk, OPS_E_IO, "push to %s on %s: close: %s",
		    tk->b->xf->remote, tk->t->name, ssh_sftp_err(tk));
		return STEP_FAIL;
	}
	tk->step = tk->step == PU_CLOSE ? PU_REOPEN : PU_SETSTAT;
	return STEP_NEXT;
}

static enum ssh_step
push_reopen(struct ssh_task *tk)
{
	struct ssh_sftp_run *sf = &tk->sf;

	sf->fh = libssh2_sftp_open_ex(sf->sftp, sf->rtmp,
	    (unsigned)strlen(sf->rtmp), LIBSSH2_FXF_READ, 0,
	    LIBSSH2_SFTP_OPENFILE);
	if (sf->fh == NULL) {
		if (ssh_sftp_eagain(tk))
			return STEP_WAIT;
		ssh_sftp_fail(tk, OPS_E_IO, "push to %s on %s: read back %s: "
		    "%s", tk->b->xf->remote, tk->t->name, sf->rtmp,
		    ssh_sftp_err(tk));
		return STEP_FAIL;
	}
	if (ssh_sftp_hash_start(tk) != 0)
		return ssh_sftp_nomem(tk);
	sf->off = 0;
	tk->step = PU_VERIFY;
	return STEP_NEXT;
}

static enum ssh_step
push_verify(struct ssh_task *tk)
{
	const struct ssh_batch *b = tk->b;
	struct ssh_sftp_run *sf = &tk->sf;
	unsigned char buf[SFTP_READ], d[32];
	ssize_t n;

	for (;;) {
		n = libssh2_sftp_read(sf->fh, (char *)buf, sizeof(buf));
		if (n == LIBSSH2_ERROR_EAGAIN)
			return STEP_WAIT;
		if (n < 0) {
			ssh_sftp_fail(tk, OPS_E_IO, "push to %s on %s: read "
			    "back: %s", b->xf->remote, tk->t->name,
			    ssh_sftp_err(tk));
			return STEP_FAIL;
		}
		if (n == 0)
			break;
		crypto_hash_sha256_update(sf->hs, buf, (size_t)n);
		sf->off += (size_t)n;
	}
	crypto_hash_sha256_final(sf->hs, d);
	if (sf->off != b->len || sodium_memcmp(d, b->digest, 32) != 0) {
		ssh_sftp_fail(tk, OPS_E_CORRUPT, "push to %s on %s: the copy "
		    "read back differs from what was sent (%llu of %zu "
		    "bytes); not installed", b->xf->remote, tk->t->name,
		    sf->off, b->len);
		return STEP_FAIL;
	}
	tk->step = PU_CLOSE2;
	return STEP_NEXT;
}

static enum ssh_step
push_setstat(struct ssh_task *tk)
{
	const struct ssh_batch *b = tk->b;
	LIBSSH2_SFTP_ATTRIBUTES a;
	int rc;

	memset(&a, 0, sizeof(a));
	a.flags = LIBSSH2_SFTP_ATTR_PERMISSIONS;
	a.permissions = b->mode;
	rc = libssh2_sftp_stat_ex(tk->sf.sftp, tk->sf.rtmp,
	    (unsigned)strlen(tk->sf.rtmp), LIBSSH2_SFTP_SETSTAT, &a);
	if (rc == LIBSSH2_ERROR_EAGAIN)
		return STEP_WAIT;
	if (rc != 0) {
		ssh_sftp_fail(tk, OPS_E_IO, "push to %s on %s: set mode %03o: "
		    "%s", b->xf->remote, tk->t->name, b->mode,
		    ssh_sftp_err(tk));
		return STEP_FAIL;
	}
	tk->step = PU_RENAME;
	return STEP_NEXT;
}

/* In place: the result is the copy's; then close the SFTP session. */
static enum ssh_step
push_installed(struct ssh_task *tk)
{
	const struct ssh_batch *b = tk->b;

	tk->sf.rtmp_made = 0;
	ssh_sftp_ok(tk, b->len, b->digest, b->mode);
	ssh_sftp_finish(tk, 0);
	return STEP_NEXT;
}

static enum ssh_step
push_rename(struct ssh_task *tk)
{
	const char *remote = tk->b->xf->remote;
	unsigned long fx;
	int rc;

	rc = libssh2_sftp_rename_ex(tk->sf.sftp, tk->sf.rtmp,
	    (unsigned)strlen(tk->sf.rtmp), remote, (unsigned)strlen(remote),
	    LIBSSH2_SFTP_RENAME_OVERWRITE | LIBSSH2_SFTP_RENAME_ATOMIC |
	    LIBSSH2_SFTP_RENAME_NATIVE);
	if (rc == LIBSSH2_ERROR_EAGAIN)
		return STEP_WAIT;
	if (rc == 0)
		return push_installed(tk);
	fx = ssh_sftp_fx(tk);
	/* OpenSSH's rename will not replace a file */
	if ((fx == LIBSSH2_FX_FAILURE || fx == LIBSSH2_FX_FILE_ALREADY_EXISTS)
	    && push_mv(tk) == 0)
		return STEP_NEXT;
	ssh_sftp_fail(tk, OPS_E_IO, "push to %s on %s: rename into place: %s",
	    remote, tk->t->name, ssh_sftp_err(tk));
	return STEP_FAIL;
}

static enum ssh_step
push_mvdone(struct ssh_task *tk)
{
	const struct ssh_buf *e = &tk->r->err;
	int el = 0;

	if (tk->r->exit_status == 0)
		return push_installed(tk);
	while (el < (int)e->len && el < 100 && e->data[el] != '\n')
		el++;
	ssh_sftp_fail(tk, OPS_E_IO, "push to %s on %s: rename into place "
	    "failed (mv exit %d)%s%.*s", tk->b->xf->remote, tk->t->name,
	    tk->r->exit_status, el ? ": " : "", el,
	    e->data ? (const char *)e->data : "");
	return STEP_FAIL;
}

static enum ssh_step
push_step(struct ssh_task *tk)
{
	enum ssh_step s;

	if (ssh_sftp_common(tk, &s))
		return s;
	switch (tk->step) {
	case PU_OPEN:
		return push_open(tk);
	case PU_WRITE:
		return push_write(tk);
	case PU_CLOSE:
	case PU_CLOSE2:
		return push_close(tk);
	case PU_REOPEN:
		return push_reopen(tk);
	case PU_VERIFY:
		return push_verify(tk);
	case PU_SETSTAT:
		return push_setstat(tk);
	case PU_RENAME:
		return push_rename(tk);
	case PU_MV:
		if ((s = ssh_exec_step(tk)) == STEP_DONE) {
			tk->step = PU_MVDONE;
			s = STEP_NEXT;
		}
		return s;
	default:
		return push_mvdone(tk);
	}
}

const struct ssh_task_ops ssh_task_push_ops = {
	.name = "push",
	.prepare = push_prepare,
	.unprepare = push_unprepare,
	.start = ssh_sftp_begin,
	.step = push_step,
	.cleanup = ssh_sftp_cleanup,
	.expire = ssh_sftp_expire,
	.release = ssh_sftp_exec_release,
	.free = ssh_sftp_exec_free,
};

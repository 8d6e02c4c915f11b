/*
 * ssh-sftp.c: SFTP on a job's session, on the engine's loop: upload a
 * script to a fresh private file and remove it after the run; push and
 * pull files through a temp name, checked end to end (SHA-256) and
 * renamed into place; cleanup of remote temp files after a failure.
 */
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/types.h>

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <libssh2_sftp.h>
#include <sodium.h>

#include "ssh-int.h"

#define SFTP_CHUNK	(1024 * 1024)	/* bytes given to one sftp_write */
#define SFTP_READ	65536
#define CLEANUP_MS	10000		/* to remove a temp file after failure */

static void	sftp_fail(struct ssh_job *j, int status, const char *fmt, ...)
		    __attribute__((format(printf, 3, 4)));

/* Through ssh_job_fail, which escapes what the target wrote (mv's
 * stderr, file names it reported). */
static void
sftp_fail(struct ssh_job *j, int status, const char *fmt, ...)
{
	char buf[sizeof(j->r->msg)];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	ssh_job_fail(j, SSH_CLASS_SFTP, status, "%s", buf);
}

static const char *
fx_name(unsigned long fx)
{
	switch (fx) {
	case LIBSSH2_FX_EOF:
		return "end of file";
	case LIBSSH2_FX_NO_SUCH_FILE:
		return "no such file or directory";
	case LIBSSH2_FX_PERMISSION_DENIED:
		return "permission denied";
	case LIBSSH2_FX_FAILURE:
		return "failure (it may exist already, or the disk is full)";
	case LIBSSH2_FX_OP_UNSUPPORTED:
		return "operation not supported by the server";
	case LIBSSH2_FX_NO_SUCH_PATH:
		return "no such path";
	case LIBSSH2_FX_FILE_ALREADY_EXISTS:
		return "file exists";
	case LIBSSH2_FX_WRITE_PROTECT:
		return "write protected";
	case LIBSSH2_FX_NO_SPACE_ON_FILESYSTEM:
		return "no space left";
	case LIBSSH2_FX_QUOTA_EXCEEDED:
		return "quota exceeded";
	case LIBSSH2_FX_NOT_A_DIRECTORY:
		return "not a directory";
	default:
		return "SFTP error";
	}
}

/* The SFTP status of the last call, or 0 when it was not an SFTP one. */
static unsigned long
job_fx(struct ssh_job *j)
{
	if (j->sftp != NULL && libssh2_session_last_errno(j->conn->sess) ==
	    LIBSSH2_ERROR_SFTP_PROTOCOL)
		return libssh2_sftp_last_error(j->sftp);
	return 0;
}

static const char *
job_sftp_err(struct ssh_job *j)
{
	unsigned long fx = job_fx(j);

	return fx != 0 ? fx_name(fx) : ssh_job_errmsg(j);
}

static int
job_eagain(struct ssh_job *j)
{
	return libssh2_session_last_errno(j->conn->sess) ==
	    LIBSSH2_ERROR_EAGAIN;
}

static int
sftp_wait(struct ssh_job *j)
{
	ssh_conn_wait(j->conn);
	return STEP_WAIT;
}

static void
rand_hex(char *buf, size_t nbytes)
{
	unsigned char r[32];

	if (nbytes > sizeof(r))
		nbytes = sizeof(r);
	randombytes_buf(r, nbytes);
	sodium_bin2hex(buf, nbytes * 2 + 1, r, nbytes);
}

static const char *
base_name(const char *path)
{
	const char *s = strrchr(path, '/');

	return s != NULL ? s + 1 : path;
}

/* "dir/.base.opsicle-<hex>" next to path; caller frees. */
static char *
temp_next_to(const char *path)
{
	const char *base = base_name(path);
	char hex[33];
	size_t dl = (size_t)(base - path), n;
	char *t;

	rand_hex(hex, 16);
	n = dl + strlen(base) + 48;
	if ((t = malloc(n)) == NULL)
		return NULL;
	snprintf(t, n, "%.*s.%s.opsicle-%s", (int)dl, path, base, hex);
	return t;
}

static void
digest_hex(const unsigned char *d, char *out)
{
	sodium_bin2hex(out, 65, d, 32);
}

static int
hash_start(struct ssh_job *j)
{
	if (j->hs == NULL &&
	    (j->hs = malloc(sizeof(crypto_hash_sha256_state))) == NULL)
		return -1;
	crypto_hash_sha256_init(j->hs);
	return 0;
}

/* ---- cleanup --------------------------------------------------------- */

static long long
cleanup_expired(struct evloop *loop, long long id, void *arg)
{
	struct ssh_job *j = arg;
	struct ssh_result *r = j->r;
	size_t l = strlen(r->msg);

	j->timer = 0;
	if (j->rtmp_made && j->rtmp != NULL)
		snprintf(r->msg + l, sizeof(r->msg) - l,
		    "; remote temp file %s may remain", j->rtmp);
	ssh_job_drop(j);
	return EVLOOP_NOMORE;
}

int
ssh_sftp_cleanup(struct ssh_job *j)
{
	struct evloop *loop = j->b->eng->loop;

	j->failed = 1;
	if (j->timer) {
		evloop_timer_del(loop, j->timer);
		j->timer = 0;
	}
	if (evloop_timer_add(loop, CLEANUP_MS, cleanup_expired, j, &j->timer,
	    NULL) != 0)
		return ssh_job_drop(j);
	j->state = j->fh != NULL ? JOB_SFTP_CLOSEFH : JOB_SFTP_RM;
	return STEP_NEXT;
}

void
ssh_sftp_release(struct ssh_job *j)
{
	struct ssh_conn *c = j->conn;

	if (j->sftp == NULL)
		return;
	if (c != NULL && c->sess != NULL) {
		/* the session goes: nothing may block on a dead socket */
		libssh2_session_set_blocking(c->sess, 1);
		if (c->fd >= 0)
			shutdown(c->fd, SHUT_RDWR);
		if (j->fh != NULL)
			libssh2_sftp_close_handle(j->fh);
		libssh2_sftp_shutdown(j->sftp);
	}
	j->fh = NULL;
	j->sftp = NULL;
}

void
ssh_job_xfer_free(struct ssh_job *j)
{
	int s;

	if (j->lfd >= 0)
		close(j->lfd);
	j->lfd = -1;
	if (j->ltmp != NULL && j->ldir >= 0)
		unlinkat(j->ldir, j->ltmp, 0);	/* never a half file */
	free(j->ltmp);
	j->ltmp = NULL;
	if (j->ldir >= 0)
		close(j->ldir);
	j->ldir = -1;
	free(j->rtmp);
	j->rtmp = NULL;
	free(j->command);
	j->command = NULL;
	if (j->hs != NULL)
		sodium_memzero(j->hs, sizeof(crypto_hash_sha256_state));
	free(j->hs);
	j->hs = NULL;
	for (s = 0; s < 2; s++) {
		free(j->sudo_buf[s]);
		j->sudo_buf[s] = NULL;
	}
}

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

int
ssh_batch_xfer_prepare(struct ssh_batch *b, struct ops_err *err)
{
	const struct ssh_xfer *xf = b->xf;
	const char *base = base_name(xf->remote);
	struct stat st;
	int fd, rc;

	if (base[0] == '\0' || strcmp(base, ".") == 0 ||
	    strcmp(base, "..") == 0)
		return ops_err_set(err, OPS_E_INVAL,
		    "transfer %s: the remote path must name a file",
		    xf->remote);
	if (xf->dir == SSH_PULL) {
		b->ldirfd = open(xf->local, O_RDONLY | O_DIRECTORY |
		    O_CLOEXEC);
		if (b->ldirfd < 0)
			return ops_err_errno(err, OPS_E_IO,
			    "open local directory %s for pulling", xf->local);
		return 0;
	}
	b->mode = xf->mode ? xf->mode & 0777 : 0644;
	if (xf->local != NULL) {
		if ((fd = open(xf->local, O_RDONLY | O_CLOEXEC)) < 0)
			return ops_err_errno(err, OPS_E_IO, "open %s",
			    xf->local);
		rc = read_all(fd, &b->data, &b->len, xf->local, err);
		if (rc == 0 && xf->keep_mode && fstat(fd, &st) == 0)
			b->mode = st.st_mode & 0777;
		close(fd);
		if (rc != 0)
			return rc;
	} else {
		if ((b->data = malloc(xf->len ? xf->len : 1)) == NULL)
			return ops_err_errno(err, OPS_E_NOMEM,
			    "copy data to push");
		if (xf->len > 0)
			memcpy(b->data, xf->data, xf->len);
		b->len = xf->len;
	}
	crypto_hash_sha256(b->digest, b->data, b->len);
	return 0;
}

void
ssh_batch_xfer_free(struct ssh_batch *b)
{
	free(b->data);
	b->data = NULL;
	if (b->ldirfd >= 0)
		close(b->ldirfd);
	b->ldirfd = -1;
}

/* ---- steps ----------------------------------------------------------- */

static void
xfer_ok(struct ssh_job *j, unsigned long long bytes,
    const unsigned char *digest, unsigned mode)
{
	struct ssh_result *r = j->r;

	r->ok = 1;
	r->cls = SSH_CLASS_OK;
	r->status = 0;
	r->msg[0] = '\0';
	r->exit_status = 0;
	r->bytes = bytes;
	r->mode = mode;
	digest_hex(digest, r->sha256);
	free(r->out.data);
	free(r->err.data);
	memset(&r->out, 0, sizeof(r->out));
	memset(&r->err, 0, sizeof(r->err));
}

static int
script_command(struct ssh_job *j)
{
	const struct ssh_exec *x = j->b->x;
	const char *pre = x->script_interpreter ? x->script_interpreter :
	    x->command;
	char *cmd;
	size_t n;

	n = strlen(j->rtmp) + (pre ? strlen(pre) : 0) + 2;
	if ((cmd = malloc(n)) == NULL)
		return -1;
	if (pre != NULL && pre[0] != '\0')
		snprintf(cmd, n, "%s %s", pre, j->rtmp);
	else
		snprintf(cmd, n, "%s", j->rtmp);
	j->command = ssh_batch_wrap(j->b, cmd);
	free(cmd);
	return j->command != NULL ? 0 : -1;
}

/* "mv -f" on an exec channel, when SFTP rename will not overwrite. */
static int
push_mv(struct ssh_job *j)
{
	char *qt = ssh_shell_quote(j->rtmp);
	char *qd = ssh_shell_quote(j->b->xf->remote);
	size_t n;

	free(j->command);
	j->command = NULL;
	if (qt != NULL && qd != NULL) {
		n = 2 * strlen(qd) + strlen(qt) + 128;
		if ((j->command = malloc(n)) != NULL)
			snprintf(j->command, n, "if [ -d %s ]; then echo "
			    "'is a directory' >&2; exit 1; fi; "
			    "exec mv -f -- %s %s", qd, qt, qd);
	}
	free(qt);
	free(qd);
	if (j->command == NULL)
		return -1;
	j->after_exec = JOB_PUSH_MVDONE;
	j->state = JOB_OPEN;
	return 0;
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
pull_local_open(struct ssh_job *j)
{
	const char *name = j->t->name, *base = base_name(j->b->xf->remote);
	char hex[17];
	size_t n;

	if (name[0] == '\0' || strchr(name, '/') != NULL ||
	    strcmp(name, ".") == 0 || strcmp(name, "..") == 0) {
		sftp_fail(j, OPS_E_INVAL, "pull %s from %s: the target name "
		    "cannot be a directory name", j->b->xf->remote, name);
		return -1;
	}
	if (mkdirat(j->b->ldirfd, name, 0700) != 0 && errno != EEXIST)
		goto fail;
	j->ldir = openat(j->b->ldirfd, name, O_RDONLY | O_DIRECTORY |
	    O_NOFOLLOW | O_CLOEXEC);
	if (j->ldir < 0)
		goto fail;
	rand_hex(hex, 8);
	n = strlen(base) + 32;
	if ((j->ltmp = malloc(n)) == NULL)
		goto fail;
	snprintf(j->ltmp, n, ".%s.opsicle-%s", base, hex);
	j->lfd = openat(j->ldir, j->ltmp, O_RDWR | O_CREAT | O_EXCL |
	    O_NOFOLLOW | O_CLOEXEC, 0600);
	if (j->lfd < 0) {
		free(j->ltmp);
		j->ltmp = NULL;
		goto fail;
	}
	return 0;
fail:
	sftp_fail(j, OPS_E_IO, "pull %s from %s: local directory %s/%s: %s",
	    j->b->xf->remote, name, j->b->xf->local, name, strerror(errno));
	return -1;
}

/* The bytes on disk are the bytes received; then into place. */
static int
pull_local_finish(struct ssh_job *j, const unsigned char *digest)
{
	const struct ssh_xfer *xf = j->b->xf;
	crypto_hash_sha256_state hs;
	unsigned char buf[SFTP_READ], d2[32];
	unsigned mode;
	off_t off = 0;
	ssize_t n;

	mode = xf->keep_mode ? (unsigned)j->rmode & 0777 :
	    xf->mode ? xf->mode & 0777 : 0600;
	if (fsync(j->lfd) != 0)
		goto fail;
	crypto_hash_sha256_init(&hs);
	while ((n = pread(j->lfd, buf, sizeof(buf), off)) != 0) {
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			goto fail;
		crypto_hash_sha256_update(&hs, buf, (size_t)n);
		off += n;
	}
	crypto_hash_sha256_final(&hs, d2);
	if ((unsigned long long)off != j->off ||
	    sodium_memcmp(d2, digest, 32) != 0) {
		sftp_fail(j, OPS_E_CORRUPT, "pull %s from %s: the local copy "
		    "differs from what was received; not installed",
		    xf->remote, j->t->name);
		return -1;
	}
	if (fchmod(j->lfd, mode) != 0 || close(j->lfd) != 0) {
		j->lfd = -1;
		goto fail;
	}
	j->lfd = -1;
	if (renameat(j->ldir, j->ltmp, j->ldir, base_name(xf->remote)) != 0)
		goto fail;
	free(j->ltmp);
	j->ltmp = NULL;
	xfer_ok(j, j->off, digest, mode);
	return 0;
fail:
	sftp_fail(j, OPS_E_IO, "pull %s from %s: write %s/%s: %s", xf->remote,
	    j->t->name, xf->local, j->t->name, strerror(errno));
	return -1;
}

int
ssh_sftp_step(struct ssh_job *j)
{
	struct ssh_batch *b = j->b;
	const struct ssh_exec *x = b->x;
	const struct ssh_xfer *xf = b->xf;
	const char *tn = j->t->name;
	struct ssh_conn *c = j->conn;
	LIBSSH2_SFTP_ATTRIBUTES a;
	unsigned char buf[SFTP_READ], d[32];
	unsigned long fx;
	ssize_t n;
	size_t len;
	int rc;

	switch (j->state) {
	case JOB_SFTP_INIT:
		if (ssh_job_arm_timeout(j) != 0) {
			ssh_job_fail(j, SSH_CLASS_INTERNAL, OPS_E_NOMEM,
			    "arm timeout for %s", tn);
			return ssh_job_drop(j);
		}
		j->sftp = libssh2_sftp_init(c->sess);
		if (j->sftp == NULL) {
			if (job_eagain(j))
				return sftp_wait(j);
			if (j->r->reused && !j->retried)
				return ssh_job_reconnect(j);
			sftp_fail(j, OPS_E_PROTO, "start SFTP on %s: %s (is "
			    "the sftp subsystem enabled in sshd?)", tn,
			    ssh_job_errmsg(j));
			return ssh_job_drop(j);
		}
		j->state = x->script != NULL ? JOB_SCRIPT_OPEN :
		    xf->dir == SSH_PUSH ? JOB_PUSH_OPEN : JOB_PULL_OPEN;
		return STEP_NEXT;

	/* ---- upload a script, run it (ssh-exec.c), remove it ---- */
	case JOB_SCRIPT_OPEN:
		if (j->rtmp == NULL) {
			char hex[33];

			rand_hex(hex, 16);
			if ((j->rtmp = malloc(48)) == NULL)
				goto nomem;
			snprintf(j->rtmp, 48, "/tmp/.opsicle-%s", hex);
		}
		j->rtmp_made = 1;
		j->fh = libssh2_sftp_open_ex(j->sftp, j->rtmp,
		    (unsigned)strlen(j->rtmp), LIBSSH2_FXF_WRITE |
		    LIBSSH2_FXF_CREAT | LIBSSH2_FXF_EXCL, 0700,
		    LIBSSH2_SFTP_OPENFILE);
		if (j->fh == NULL) {
			if (job_eagain(j))
				return sftp_wait(j);
			j->rtmp_made = 0;	/* not ours: never remove */
			sftp_fail(j, OPS_E_IO, "upload script to %s on %s: %s",
			    j->rtmp, tn, job_sftp_err(j));
			return ssh_job_abort(j);
		}
		j->off = 0;
		j->state = JOB_SCRIPT_WRITE;
		return STEP_NEXT;
	case JOB_SCRIPT_WRITE:
		while (j->off < x->script_len) {
			len = x->script_len - (size_t)j->off;
			n = libssh2_sftp_write(j->fh,
			    (const char *)x->script + j->off,
			    len < SFTP_CHUNK ? len : SFTP_CHUNK);
			if (n == LIBSSH2_ERROR_EAGAIN)
				return sftp_wait(j);
			if (n < 0) {
				sftp_fail(j, OPS_E_IO, "upload script to %s on "
				    "%s: %s", j->rtmp, tn, job_sftp_err(j));
				return ssh_job_abort(j);
			}
			j->off += (size_t)n;
		}
		j->state = JOB_SCRIPT_CLOSE;
		return STEP_NEXT;
	case JOB_SCRIPT_CLOSE:
		rc = libssh2_sftp_close_handle(j->fh);
		if (rc == LIBSSH2_ERROR_EAGAIN)
			return sftp_wait(j);
		j->fh = NULL;
		if (rc != 0) {
			sftp_fail(j, OPS_E_IO, "upload script to %s on %s: "
			    "close: %s", j->rtmp, tn, job_sftp_err(j));
			return ssh_job_abort(j);
		}
		if (script_command(j) != 0)
			goto nomem;
		j->after_exec = JOB_SFTP_RM;
		j->state = JOB_OPEN;
		return STEP_NEXT;

	/* ---- push: temp file, write, read back, chmod, rename ---- */
	case JOB_PUSH_OPEN:
		if (j->rtmp == NULL && (j->rtmp = temp_next_to(xf->remote)) ==
		    NULL)
			goto nomem;
		j->rtmp_made = 1;
		j->fh = libssh2_sftp_open_ex(j->sftp, j->rtmp,
		    (unsigned)strlen(j->rtmp), LIBSSH2_FXF_WRITE |
		    LIBSSH2_FXF_CREAT | LIBSSH2_FXF_EXCL, 0600,
		    LIBSSH2_SFTP_OPENFILE);
		if (j->fh == NULL) {
			if (job_eagain(j))
				return sftp_wait(j);
			j->rtmp_made = 0;
			sftp_fail(j, OPS_E_IO, "push to %s on %s: cannot "
			    "create a temp file in its directory: %s",
			    xf->remote, tn, job_sftp_err(j));
			return ssh_job_abort(j);
		}
		j->off = 0;
		j->state = JOB_PUSH_WRITE;
		return STEP_NEXT;
	case JOB_PUSH_WRITE:
		while (j->off < b->len) {
			len = b->len - (size_t)j->off;
			n = libssh2_sftp_write(j->fh,
			    (const char *)b->data + j->off,
			    len < SFTP_CHUNK ? len : SFTP_CHUNK);
			if (n == LIBSSH2_ERROR_EAGAIN)
				return sftp_wait(j);
			if (n < 0) {
				sftp_fail(j, OPS_E_IO, "push to %s on %s: "
				    "write: %s", xf->remote, tn,
				    job_sftp_err(j));
				return ssh_job_abort(j);
			}
			j->off += (size_t)n;
		}
		j->state = JOB_PUSH_CLOSE;
		return STEP_NEXT;
	case JOB_PUSH_CLOSE:
	case JOB_PUSH_CLOSE2:
		rc = libssh2_sftp_close_handle(j->fh);
		if (rc == LIBSSH2_ERROR_EAGAIN)
			return sftp_wait(j);
		j->fh = NULL;
		if (rc != 0) {
			sftp_fail(j, OPS_E_IO, "push to %s on %s: close: %s",
			    xf->remote, tn, job_sftp_err(j));
			return ssh_job_abort(j);
		}
		j->state = j->state == JOB_PUSH_CLOSE ? JOB_PUSH_REOPEN :
		    JOB_PUSH_SETSTAT;
		return STEP_NEXT;
	case JOB_PUSH_REOPEN:
		j->fh = libssh2_sftp_open_ex(j->sftp, j->rtmp,
		    (unsigned)strlen(j->rtmp), LIBSSH2_FXF_READ, 0,
		    LIBSSH2_SFTP_OPENFILE);
		if (j->fh == NULL) {
			if (job_eagain(j))
				return sftp_wait(j);
			sftp_fail(j, OPS_E_IO, "push to %s on %s: read back "
			    "%s: %s", xf->remote, tn, j->rtmp,
			    job_sftp_err(j));
			return ssh_job_abort(j);
		}
		if (hash_start(j) != 0)
			goto nomem;
		j->off = 0;
		j->state = JOB_PUSH_VERIFY;
		return STEP_NEXT;
	case JOB_PUSH_VERIFY:
		for (;;) {
			n = libssh2_sftp_read(j->fh, (char *)buf, sizeof(buf));
			if (n == LIBSSH2_ERROR_EAGAIN)
				return sftp_wait(j);
			if (n < 0) {
				sftp_fail(j, OPS_E_IO, "push to %s on %s: read "
				    "back: %s", xf->remote, tn,
				    job_sftp_err(j));
				return ssh_job_abort(j);
			}
			if (n == 0)
				break;
			crypto_hash_sha256_update(j->hs, buf, (size_t)n);
			j->off += (size_t)n;
		}
		crypto_hash_sha256_final(j->hs, d);
		if (j->off != b->len || sodium_memcmp(d, b->digest, 32) != 0) {
			sftp_fail(j, OPS_E_CORRUPT, "push to %s on %s: the "
			    "copy read back differs from what was sent (%llu "
			    "of %zu bytes); not installed", xf->remote, tn,
			    j->off, b->len);
			return ssh_job_abort(j);
		}
		j->state = JOB_PUSH_CLOSE2;
		return STEP_NEXT;
	case JOB_PUSH_SETSTAT:
		memset(&a, 0, sizeof(a));
		a.flags = LIBSSH2_SFTP_ATTR_PERMISSIONS;
		a.permissions = b->mode;
		rc = libssh2_sftp_stat_ex(j->sftp, j->rtmp,
		    (unsigned)strlen(j->rtmp), LIBSSH2_SFTP_SETSTAT, &a);
		if (rc == LIBSSH2_ERROR_EAGAIN)
			return sftp_wait(j);
		if (rc != 0) {
			sftp_fail(j, OPS_E_IO, "push to %s on %s: set mode "
			    "%03o: %s", xf->remote, tn, b->mode,
			    job_sftp_err(j));
			return ssh_job_abort(j);
		}
		j->state = JOB_PUSH_RENAME;
		return STEP_NEXT;
	case JOB_PUSH_RENAME:
		rc = libssh2_sftp_rename_ex(j->sftp, j->rtmp,
		    (unsigned)strlen(j->rtmp), xf->remote,
		    (unsigned)strlen(xf->remote),
		    LIBSSH2_SFTP_RENAME_OVERWRITE |
		    LIBSSH2_SFTP_RENAME_ATOMIC | LIBSSH2_SFTP_RENAME_NATIVE);
		if (rc == LIBSSH2_ERROR_EAGAIN)
			return sftp_wait(j);
		if (rc != 0) {
			fx = job_fx(j);
			/* OpenSSH's rename will not replace a file */
			if ((fx == LIBSSH2_FX_FAILURE ||
			    fx == LIBSSH2_FX_FILE_ALREADY_EXISTS) &&
			    push_mv(j) == 0)
				return STEP_NEXT;
			sftp_fail(j, OPS_E_IO, "push to %s on %s: rename "
			    "into place: %s", xf->remote, tn,
			    job_sftp_err(j));
			return ssh_job_abort(j);
		}
		goto pushed;
	case JOB_PUSH_MVDONE:
		if (j->r->exit_status != 0) {
			const struct ssh_buf *e = &j->r->err;
			int el = 0;

			while (el < (int)e->len && el < 100 &&
			    e->data[el] != '\n')
				el++;
			sftp_fail(j, OPS_E_IO, "push to %s on %s: rename into "
			    "place failed (mv exit %d)%s%.*s", xf->remote, tn,
			    j->r->exit_status, el ? ": " : "", el,
			    e->data ? (const char *)e->data : "");
			return ssh_job_abort(j);
		}
	pushed:
		j->rtmp_made = 0;
		xfer_ok(j, b->len, b->digest, b->mode);
		j->state = JOB_SFTP_SHUTDOWN;
		return STEP_NEXT;

	/* ---- pull: open, stat, read + hash + write, stat, install ---- */
	case JOB_PULL_OPEN:
		if (j->ldir < 0 && pull_local_open(j) != 0)
			return ssh_job_abort(j);
		j->fh = libssh2_sftp_open_ex(j->sftp, xf->remote,
		    (unsigned)strlen(xf->remote), LIBSSH2_FXF_READ, 0,
		    LIBSSH2_SFTP_OPENFILE);
		if (j->fh == NULL) {
			if (job_eagain(j))
				return sftp_wait(j);
			sftp_fail(j, OPS_E_IO, "pull %s from %s: %s",
			    xf->remote, tn, job_sftp_err(j));
			return ssh_job_abort(j);
		}
		j->state = JOB_PULL_FSTAT;
		return STEP_NEXT;
	case JOB_PULL_FSTAT:
	case JOB_PULL_FSTAT2:
		memset(&a, 0, sizeof(a));
		rc = libssh2_sftp_fstat_ex(j->fh, &a, 0);
		if (rc == LIBSSH2_ERROR_EAGAIN)
			return sftp_wait(j);
		if (rc != 0) {
			sftp_fail(j, OPS_E_IO, "pull %s from %s: stat: %s",
			    xf->remote, tn, job_sftp_err(j));
			return ssh_job_abort(j);
		}
		if (j->state == JOB_PULL_FSTAT) {
			if ((a.flags & LIBSSH2_SFTP_ATTR_PERMISSIONS) &&
			    !LIBSSH2_SFTP_S_ISREG(a.permissions)) {
				sftp_fail(j, OPS_E_INVAL, "pull %s from %s: not "
				    "a regular file", xf->remote, tn);
				return ssh_job_abort(j);
			}
			j->rsize = a.filesize;
			j->rmtime = a.mtime;
			j->rmode = a.permissions;
			if (hash_start(j) != 0)
				goto nomem;
			j->off = 0;
			j->state = JOB_PULL_READ;
			return STEP_NEXT;
		}
		if (((a.flags & LIBSSH2_SFTP_ATTR_SIZE) &&
		    (a.filesize != j->rsize || j->off != j->rsize)) ||
		    a.mtime != j->rmtime) {
			sftp_fail(j, OPS_E_CORRUPT, "pull %s from %s: the file "
			    "changed while it was read; not installed",
			    xf->remote, tn);
			return ssh_job_abort(j);
		}
		j->state = JOB_PULL_CLOSE;
		return STEP_NEXT;
	case JOB_PULL_READ:
		for (;;) {
			n = libssh2_sftp_read(j->fh, (char *)buf, sizeof(buf));
			if (n == LIBSSH2_ERROR_EAGAIN)
				return sftp_wait(j);
			if (n < 0) {
				sftp_fail(j, OPS_E_IO, "pull %s from %s: read: "
				    "%s", xf->remote, tn, job_sftp_err(j));
				return ssh_job_abort(j);
			}
			if (n == 0)
				break;
			if (write_all(j->lfd, buf, (size_t)n) != 0) {
				sftp_fail(j, OPS_E_IO, "pull %s from %s: write "
				    "%s/%s: %s", xf->remote, tn, xf->local, tn,
				    strerror(errno));
				return ssh_job_abort(j);
			}
			crypto_hash_sha256_update(j->hs, buf, (size_t)n);
			j->off += (size_t)n;
		}
		j->state = JOB_PULL_FSTAT2;
		return STEP_NEXT;
	case JOB_PULL_CLOSE:
		rc = libssh2_sftp_close_handle(j->fh);
		if (rc == LIBSSH2_ERROR_EAGAIN)
			return sftp_wait(j);
		j->fh = NULL;
		crypto_hash_sha256_final(j->hs, d);
		if (pull_local_finish(j, d) != 0)
			return ssh_job_abort(j);
		j->state = JOB_SFTP_SHUTDOWN;
		return STEP_NEXT;

	/* ---- cleanup and shutdown ---- */
	case JOB_SFTP_CLOSEFH:
		rc = libssh2_sftp_close_handle(j->fh);
		if (rc == LIBSSH2_ERROR_EAGAIN)
			return sftp_wait(j);
		j->fh = NULL;
		j->state = j->rtmp_made ? JOB_SFTP_RM : JOB_SFTP_SHUTDOWN;
		return STEP_NEXT;
	case JOB_SFTP_RM:
		rc = libssh2_sftp_unlink_ex(j->sftp, j->rtmp,
		    (unsigned)strlen(j->rtmp));
		if (rc == LIBSSH2_ERROR_EAGAIN)
			return sftp_wait(j);
		if (rc != 0 && job_fx(j) != LIBSSH2_FX_NO_SUCH_FILE) {
			if (!j->failed)
				sftp_fail(j, OPS_E_IO, "remove %s on %s after "
				    "the run (exit %d): %s", j->rtmp, tn,
				    j->r->exit_status, job_sftp_err(j));
			else {
				size_t l = strlen(j->r->msg);

				snprintf(j->r->msg + l, sizeof(j->r->msg) - l,
				    "; remote temp file %s may remain",
				    j->rtmp);
			}
			j->failed = 1;
		}
		j->rtmp_made = 0;
		j->state = JOB_SFTP_SHUTDOWN;
		return STEP_NEXT;
	case JOB_SFTP_SHUTDOWN:
		rc = libssh2_sftp_shutdown(j->sftp);
		if (rc == LIBSSH2_ERROR_EAGAIN)
			return sftp_wait(j);
		j->sftp = NULL;
		j->fh = NULL;
		if (j->failed || rc != 0)
			return ssh_job_drop(j);
		j->state = JOB_DONE;
		ssh_job_finish(j);
		return STEP_GONE;
	default:
		break;
	}
	return STEP_GONE;
nomem:
	ssh_job_fail(j, SSH_CLASS_INTERNAL, OPS_E_NOMEM, "SFTP on %s: out of "
	    "memory", tn);
	return ssh_job_abort(j);
}

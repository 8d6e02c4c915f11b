/*
 * ssh-task-sftp.c: the SFTP plumbing shared by the script, push and pull
 * tasks: start and close the SFTP session, remove a remote temp file
 * (after the run, or after a failure), error texts, hashing, results.
 */
#include <sys/socket.h>

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <libssh2_sftp.h>
#include <sodium.h>

#include "ssh-int.h"

/* closing down (struct ssh_sftp_run.fin) */
enum {
	FIN_NONE,
	FIN_CLOSEFH,		/* after a failure: close the handle */
	FIN_RM,			/* remove the remote temp file */
	FIN_SHUTDOWN,
};

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

unsigned long
ssh_sftp_fx(struct ssh_task *tk)
{
	if (tk->sf.sftp != NULL && libssh2_session_last_errno(tk->conn->sess)
	    == LIBSSH2_ERROR_SFTP_PROTOCOL)
		return libssh2_sftp_last_error(tk->sf.sftp);
	return 0;
}

const char *
ssh_sftp_err(struct ssh_task *tk)
{
	unsigned long fx = ssh_sftp_fx(tk);

	return fx != 0 ? fx_name(fx) : ssh_sess_errmsg(tk->conn->sess);
}

int
ssh_sftp_eagain(struct ssh_task *tk)
{
	return libssh2_session_last_errno(tk->conn->sess) ==
	    LIBSSH2_ERROR_EAGAIN;
}

void
ssh_sftp_fail(struct ssh_task *tk, int status, const char *fmt, ...)
{
	struct ssh_result *r = tk->r;
	va_list ap;

	va_start(ap, fmt);
	ssh_vfail(&r->ok, &r->cls, &r->status, r->msg, sizeof(r->msg),
	    SSH_CLASS_SFTP, status, fmt, ap);
	va_end(ap);
}

enum ssh_step
ssh_sftp_nomem(struct ssh_task *tk)
{
	ssh_result_fail(tk->r, SSH_CLASS_INTERNAL, OPS_E_NOMEM,
	    "SFTP on %s: out of memory", tk->t->name);
	return STEP_FAIL;
}

int
ssh_sftp_hash_start(struct ssh_task *tk)
{
	if (tk->sf.hs == NULL &&
	    (tk->sf.hs = malloc(sizeof(crypto_hash_sha256_state))) == NULL)
		return -1;
	crypto_hash_sha256_init(tk->sf.hs);
	return 0;
}

void
ssh_sftp_ok(struct ssh_task *tk, unsigned long long bytes,
    const unsigned char *digest, unsigned mode)
{
	struct ssh_result *r = tk->r;

	r->ok = 1;
	r->cls = SSH_CLASS_OK;
	r->status = 0;
	r->msg[0] = '\0';
	r->exit_status = 0;
	r->bytes = bytes;
	r->mode = mode;
	sodium_bin2hex(r->sha256, sizeof(r->sha256), digest, 32);
	free(r->out.data);
	free(r->err.data);
	memset(&r->out, 0, sizeof(r->out));
	memset(&r->err, 0, sizeof(r->err));
}

/* ---- start and close down ------------------------------------------ */

void
ssh_sftp_begin(struct ssh_task *tk)
{
	tk->sf.fin = FIN_NONE;
	tk->step = SFTP_CLOCK;
}

static enum ssh_step
sftp_open(struct ssh_task *tk)
{
	tk->sf.sftp = libssh2_sftp_init(tk->conn->sess);
	if (tk->sf.sftp != NULL) {
		tk->step = SFTP_FIRST;
		return STEP_NEXT;
	}
	if (ssh_sftp_eagain(tk))
		return STEP_WAIT;
	if (ssh_task_may_retry(tk))
		return STEP_RECONNECT;
	ssh_sftp_fail(tk, OPS_E_PROTO, "start SFTP on %s: %s (is the sftp "
	    "subsystem enabled in sshd?)", tk->t->name,
	    ssh_sess_errmsg(tk->conn->sess));
	return STEP_DROP;
}

void
ssh_sftp_finish(struct ssh_task *tk, int rm)
{
	tk->sf.fin = rm ? FIN_RM : FIN_SHUTDOWN;
}

static enum ssh_step
sftp_rm(struct ssh_task *tk)
{
	struct ssh_sftp_run *sf = &tk->sf;
	struct ssh_result *r = tk->r;
	int rc;

	rc = libssh2_sftp_unlink_ex(sf->sftp, sf->rtmp,
	    (unsigned)strlen(sf->rtmp));
	if (rc == LIBSSH2_ERROR_EAGAIN)
		return STEP_WAIT;
	if (rc != 0 && ssh_sftp_fx(tk) != LIBSSH2_FX_NO_SUCH_FILE) {
		if (!sf->failed)
			ssh_sftp_fail(tk, OPS_E_IO, "remove %s on %s after "
			    "the run (exit %d): %s", sf->rtmp, tk->t->name,
			    r->exit_status, ssh_sftp_err(tk));
		else {
			size_t l = strlen(r->msg);

			snprintf(r->msg + l, sizeof(r->msg) - l,
			    "; remote temp file %s may remain", sf->rtmp);
		}
		sf->failed = 1;
	}
	sf->rtmp_made = 0;
	sf->fin = FIN_SHUTDOWN;
	return STEP_NEXT;
}

static enum ssh_step
sftp_finish_step(struct ssh_task *tk)
{
	struct ssh_sftp_run *sf = &tk->sf;
	int rc;

	switch (sf->fin) {
	case FIN_CLOSEFH:
		rc = libssh2_sftp_close_handle(sf->fh);
		if (rc == LIBSSH2_ERROR_EAGAIN)
			return STEP_WAIT;
		sf->fh = NULL;
		sf->fin = sf->rtmp_made ? FIN_RM : FIN_SHUTDOWN;
		return STEP_NEXT;
	case FIN_RM:
		return sftp_rm(tk);
	default:
		rc = libssh2_sftp_shutdown(sf->sftp);
		if (rc == LIBSSH2_ERROR_EAGAIN)
			return STEP_WAIT;
		sf->sftp = NULL;
		sf->fh = NULL;
		sf->fin = FIN_NONE;
		return sf->failed || rc != 0 ? STEP_DROP : STEP_DONE;
	}
}

int
ssh_sftp_common(struct ssh_task *tk, enum ssh_step *s)
{
	if (tk->sf.fin != FIN_NONE)
		*s = sftp_finish_step(tk);
	else if (tk->step == SFTP_CLOCK) {
		tk->step = SFTP_INIT;
		*s = STEP_DEADLINE;
	} else if (tk->step == SFTP_INIT)
		*s = sftp_open(tk);
	else
		return 0;
	return 1;
}

enum ssh_step
ssh_sftp_cleanup(struct ssh_task *tk)
{
	struct ssh_sftp_run *sf = &tk->sf;

	if (!sf->rtmp_made || sf->sftp == NULL || sf->failed)
		return STEP_DROP;
	sf->failed = 1;
	sf->fin = sf->fh != NULL ? FIN_CLOSEFH : FIN_RM;
	return STEP_NEXT;
}

void
ssh_sftp_expire(struct ssh_task *tk)
{
	struct ssh_result *r = tk->r;
	size_t l = strlen(r->msg);

	if (tk->sf.rtmp_made && tk->sf.rtmp != NULL)
		snprintf(r->msg + l, sizeof(r->msg) - l,
		    "; remote temp file %s may remain", tk->sf.rtmp);
}

void
ssh_sftp_release(struct ssh_task *tk)
{
	struct ssh_conn *c = tk->conn;

	if (tk->sf.sftp == NULL)
		return;
	if (c != NULL && c->sess != NULL) {
		/* the session goes: nothing may block on a dead socket */
		libssh2_session_set_blocking(c->sess, 1);
		if (c->fd >= 0)
			shutdown(c->fd, SHUT_RDWR);
		if (tk->sf.fh != NULL)
			libssh2_sftp_close_handle(tk->sf.fh);
		libssh2_sftp_shutdown(tk->sf.sftp);
	}
	tk->sf.fh = NULL;
	tk->sf.sftp = NULL;
}

void
ssh_sftp_free(struct ssh_task *tk)
{
	struct ssh_sftp_run *sf = &tk->sf;

	if (sf->lfd >= 0)
		close(sf->lfd);
	sf->lfd = -1;
	if (sf->ltmp != NULL && sf->ldir >= 0)
		unlinkat(sf->ldir, sf->ltmp, 0);	/* never a half file */
	free(sf->ltmp);
	sf->ltmp = NULL;
	if (sf->ldir >= 0)
		close(sf->ldir);
	sf->ldir = -1;
	free(sf->rtmp);
	sf->rtmp = NULL;
	if (sf->hs != NULL)
		sodium_memzero(sf->hs, sizeof(crypto_hash_sha256_state));
	free(sf->hs);
	sf->hs = NULL;
}

void
ssh_sftp_exec_release(struct ssh_task *tk)
{
	ssh_sftp_release(tk);
	ssh_exec_release(tk);
}

void
ssh_sftp_exec_free(struct ssh_task *tk)
{
	ssh_sftp_free(tk);
	ssh_exec_free(tk);
}

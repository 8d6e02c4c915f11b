/*
 * ssh-task-script.c: the script task: upload the script over SFTP to a
 * fresh private file (O_EXCL, 0700), run it on an exec channel (under
 * sudo if asked), and remove it afterwards.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ssh-int.h"

#define SFTP_CHUNK	(1024 * 1024)	/* bytes given to one sftp_write */

enum script_state {
	SC_OPEN = SFTP_FIRST,
	SC_WRITE,
	SC_CLOSE,
	SC_RUN,			/* the exec sub-machine runs it */
};

/* "[interpreter or command] PATH", wrapped for sudo. */
static int
script_command(struct ssh_task *tk)
{
	const struct ssh_exec *x = tk->b->x;
	const char *pre = x->script_interpreter ? x->script_interpreter :
	    x->command;
	char *cmd;
	size_t n;

	n = strlen(tk->sf.rtmp) + (pre ? strlen(pre) : 0) + 2;
	if ((cmd = malloc(n)) == NULL)
		return -1;
	if (pre != NULL && pre[0] != '\0')
		snprintf(cmd, n, "%s %s", pre, tk->sf.rtmp);
	else
		snprintf(cmd, n, "%s", tk->sf.rtmp);
	free(tk->command);
	tk->command = ssh_batch_wrap(tk->b, cmd);
	free(cmd);
	return tk->command != NULL ? 0 : -1;
}

static enum ssh_step
script_open(struct ssh_task *tk)
{
	struct ssh_sftp_run *sf = &tk->sf;

	if (sf->rtmp == NULL) {
		char hex[33];

		ssh_rand_hex(hex, 16);
		if ((sf->rtmp = malloc(48)) == NULL)
			return ssh_sftp_nomem(tk);
		snprintf(sf->rtmp, 48, "/tmp/.opsicle-%s", hex);
	}
	sf->rtmp_made = 1;
	sf->fh = libssh2_sftp_open_ex(sf->sftp, sf->rtmp,
	    (unsigned)strlen(sf->rtmp), LIBSSH2_FXF_WRITE | LIBSSH2_FXF_CREAT |
	    LIBSSH2_FXF_EXCL, 0700, LIBSSH2_SFTP_OPENFILE);
	if (sf->fh == NULL) {
		if (ssh_sftp_eagain(tk))
			return STEP_WAIT;
		sf->rtmp_made = 0;	/* not ours: never remove */
		ssh_sftp_fail(tk, OPS_E_IO, "upload script to %s on %s: %s",
		    sf->rtmp, tk->t->name, ssh_sftp_err(tk));
		return STEP_FAIL;
	}
	sf->off = 0;
	tk->step = SC_WRITE;
	return STEP_NEXT;
}

static enum ssh_step
script_write(struct ssh_task *tk)
{
	const struct ssh_exec *x = tk->b->x;
	struct ssh_sftp_run *sf = &tk->sf;
	size_t len;
	ssize_t n;

	while (sf->off < x->script_len) {
		len = x->script_len - (size_t)sf->off;
		n = libssh2_sftp_write(sf->fh, (const char *)x->script +
		    sf->off, len < SFTP_CHUNK ? len : SFTP_CHUNK);
		if (n == LIBSSH2_ERROR_EAGAIN)
			return STEP_WAIT;
		if (n < 0) {
			ssh_sftp_fail(tk, OPS_E_IO, "upload script to %s on "
			    "%s: %s", sf->rtmp, tk->t->name, ssh_sftp_err(tk));
			return STEP_FAIL;
		}
		sf->off += (size_t)n;
	}
	tk->step = SC_CLOSE;
	return STEP_NEXT;
}

static enum ssh_step
script_close(struct ssh_task *tk)
{
	struct ssh_sftp_run *sf = &tk->sf;
	int rc;

	rc = libssh2_sftp_close_handle(sf->fh);
	if (rc == LIBSSH2_ERROR_EAGAIN)
		return STEP_WAIT;
	sf->fh = NULL;
	if (rc != 0) {
		ssh_sftp_fail(tk, OPS_E_IO, "upload script to %s on %s: "
		    "close: %s", sf->rtmp, tk->t->name, ssh_sftp_err(tk));
		return STEP_FAIL;
	}
	if (script_command(tk) != 0)
		return ssh_sftp_nomem(tk);
	ssh_exec_begin(tk, tk->command);
	tk->step = SC_RUN;
	return STEP_NEXT;
}

static enum ssh_step
script_step(struct ssh_task *tk)
{
	enum ssh_step s;

	if (ssh_sftp_common(tk, &s))
		return s;
	switch (tk->step) {
	case SC_OPEN:
		return script_open(tk);
	case SC_WRITE:
		return script_write(tk);
	case SC_CLOSE:
		return script_close(tk);
	default:
		/* after the run, whatever its exit: remove the file */
		if ((s = ssh_exec_step(tk)) != STEP_DONE)
			return s;
		ssh_sftp_finish(tk, 1);
		return STEP_NEXT;
	}
}

const struct ssh_task_ops ssh_task_script_ops = {
	.name = "script",
	.start = ssh_sftp_begin,
	.step = script_step,
	.cleanup = ssh_sftp_cleanup,
	.expire = ssh_sftp_expire,
	.release = ssh_sftp_exec_release,
	.free = ssh_sftp_exec_free,
};

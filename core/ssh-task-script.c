/*
 * ssh-task-script.c: the script task: upload the script over SFTP to a
 * fresh private file (O_EXCL, 0700), run it on an exec channel (under
 * sudo if asked), and remove it afterwards. A run that fails or is
 * cancelled ends its remote process group first (ssh-task-kill.c).
 *
 * Under sudo as a user other than root, that user cannot read the login
 * user's 0700 file, and making it readable to them would make it
 * readable to others too (the login user cannot give a file to another
 * user's group). So then nothing is uploaded: the script goes on the
 * channel's stdin to a shell under sudo, which writes it to a file of
 * its own (mktemp: 0600, the become user's), opens it on fd 3, removes
 * it and runs "[interpreter] /dev/fd/3": the script is never readable by
 * anyone but that user (and root), and leaves no file behind even when
 * killed. The script's own stdin is then empty, so this path refuses a
 * run that has stdin data (class sudo, at the start).
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

/* The script read from stdin into the become user's own file. */
#define STDIN_HEAD	"_opsicle_f=$(mktemp \"${TMPDIR:-/tmp}/.opsicle-" \
	"XXXXXXXXXXXX\") || exit 125; if cat >\"$_opsicle_f\" && chmod 700 " \
	"\"$_opsicle_f\" && exec 3<\"$_opsicle_f\"; then rm -f " \
	"\"$_opsicle_f\"; else rm -f \"$_opsicle_f\"; exit 125; fi; " \
	"unset _opsicle_f; "

/* Is the script fed on stdin (sudo as a user other than root)? */
static int
script_on_stdin(const struct ssh_batch *b)
{
	const char *u = b->x->sudo_user;

	return b->x->sudo && u != NULL && strcmp(u, "root") != 0 &&
	    strcmp(u, "0") != 0 && strcmp(u, "#0") != 0;
}

/* "[interpreter or command] PATH", wrapped for sudo, reporting its
 * process group. */
static int
script_command(struct ssh_task *tk)
{
	const struct ssh_exec *x = tk->b->x;
	const char *pre = x->script_interpreter ? x->script_interpreter :
	    x->command;
	const char *path = tk->sf.rtmp != NULL ? tk->sf.rtmp : "/dev/fd/3";
	const char *head = tk->sf.rtmp != NULL ? "" : STDIN_HEAD;
	char *cmd;
	size_t n;

	n = strlen(head) + strlen(path) + (pre ? strlen(pre) : 0) + 2;
	if ((cmd = malloc(n)) == NULL)
		return -1;
	if (pre != NULL && pre[0] != '\0')
		snprintf(cmd, n, "%s%s %s", head, pre, path);
	else
		snprintf(cmd, n, "%s%s", head, path);
	free(tk->command);
	tk->command = ssh_batch_wrap_cmd(tk->b, cmd, 1);
	free(cmd);
	return tk->command != NULL ? 0 : -1;
}

/* The script starts on its exec channel. */
static void
script_run(struct ssh_task *tk)
{
	ssh_exec_begin(tk, tk->command);
	tk->ex.wrap = 1;
	if (tk->sf.rtmp == NULL) {
		tk->ex.in = tk->b->x->script;
		tk->ex.in_len = tk->b->x->script_len;
	}
	tk->step = SC_RUN;
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
	script_run(tk);
	return STEP_NEXT;
}

/* Fed on stdin: no SFTP at all. */
static enum ssh_step
script_stdin_step(struct ssh_task *tk)
{
	enum ssh_step s;

	if (tk->killing)
		return ssh_kill_step(tk);
	if (tk->step != SC_RUN) {
		if (tk->b->x->stdin_len > 0) {
			ssh_result_fail(tk->r, SSH_CLASS_SUDO, OPS_E_INVAL,
			    "script on %s: under sudo as %s the script comes "
			    "on stdin, so it cannot have stdin data of its own",
			    tk->t->name, tk->b->x->sudo_user);
			return STEP_FAIL;
		}
		if (script_command(tk) != 0)
			return ssh_sftp_nomem(tk);
		script_run(tk);
	}
	s = ssh_exec_step(tk);
	return s;
}

static enum ssh_step
script_step(struct ssh_task *tk)
{
	enum ssh_step s;

	if (script_on_stdin(tk->b))
		return script_stdin_step(tk);
	if (tk->killing == 1) {
		/* after a failure: the group first, then the temp file */
		if ((s = ssh_kill_step(tk)) != STEP_DROP)
			return s;
		return ssh_sftp_cleanup(tk);
	}
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

/* After a failure: end the process group, then remove the temp file. */
static enum ssh_step
script_cleanup(struct ssh_task *tk)
{
	if (ssh_kill_begin(tk) == STEP_NEXT)
		return STEP_NEXT;
	if (script_on_stdin(tk->b))
		return STEP_DROP;
	return ssh_sftp_cleanup(tk);
}

static void
script_expire(struct ssh_task *tk)
{
	ssh_kill_expire(tk);
	ssh_sftp_expire(tk);
}

const struct ssh_task_ops ssh_task_script_ops = {
	.name = "script",
	.start = ssh_sftp_begin,
	.step = script_step,
	.cleanup = script_cleanup,
	.expire = script_expire,
	.release = ssh_sftp_exec_release,
	.free = ssh_sftp_exec_free,
};

/*
 * ssh-task-exec.c: one command on one session channel: environment,
 * stdin, stdout and stderr as they arrive (bounded), sudo, exit status
 * or signal. The exec task is this sub-machine alone; script and push
 * run it for their own commands.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ssh-int.h"
#include "termsafe.h"

#define READ_CHUNK	32768
#define SUDO_HOLD	8192	/* what sudo may print before the marker */

enum exec_state {
	EX_OPEN,
	EX_SETENV,
	EX_EXEC,
	EX_IO,
	EX_CLOSE,
	EX_WAITCLOSED,
	EX_FREE,
	EX_DONE,		/* channel freed, exit in the result */
};

static int
is_dead_session(int err)
{
	return err == LIBSSH2_ERROR_SOCKET_SEND ||
	    err == LIBSSH2_ERROR_SOCKET_RECV ||
	    err == LIBSSH2_ERROR_SOCKET_DISCONNECT ||
	    err == LIBSSH2_ERROR_SOCKET_TIMEOUT ||
	    err == LIBSSH2_ERROR_TIMEOUT;
}

static const char *
exec_errmsg(struct ssh_task *tk)
{
	return ssh_sess_errmsg(tk->conn->sess);
}

static void
exec_emit(struct ssh_task *tk, enum ssh_stream st, const unsigned char *p,
    size_t n)
{
	const struct ssh_exec *x = tk->b->x;
	struct ssh_buf *b = st == SSH_STDOUT ? &tk->r->out : &tk->r->err;
	size_t room, take, cap = tk->b->cap;
	unsigned char *nd;

	if (tk->ex.quiet) {
		/* a kill command: its stdout is its answer, nothing shown */
		struct ssh_exec_run *ex = &tk->ex;
		size_t qroom = sizeof(ex->quiet_out) - 1 - ex->quiet_len;

		if (st == SSH_STDOUT) {
			n = n < qroom ? n : qroom;
			memcpy(ex->quiet_out + ex->quiet_len, p, n);
			ex->quiet_len += n;
			ex->quiet_out[ex->quiet_len] = '\0';
		}
		return;
	}
	if (x->on_output != NULL)
		x->on_output(x->arg, tk->idx, tk->t->name, st, p, n);
	b->total += n;
	room = b->len < cap ? cap - b->len : 0;
	take = n < room ? n : room;
	if (take < n)
		b->truncated = 1;
	if (take == 0)
		return;
	/* grow geometrically, never past the cap */
	{
		size_t want = b->len + take, alloc = 4096;

		while (alloc < want)
			alloc *= 2;
		if (alloc > cap)
			alloc = cap;
		if ((nd = realloc(b->data, alloc)) == NULL) {
			b->truncated = 1;
			return;
		}
		b->data = nd;
	}
	memcpy(b->data + b->len, p, take);
	b->len += take;
}

static unsigned char *
mem_find(unsigned char *h, size_t hl, const char *needle)
{
	size_t nl = strlen(needle), i;

	for (i = 0; nl <= hl && i <= hl - nl; i++)
		if (memcmp(h + i, needle, nl) == 0)
			return h + i;
	return NULL;
}

/* The command's own bytes (after sudo): the group report first. */
static void
exec_cmd_out(struct ssh_task *tk, enum ssh_stream st, const unsigned char *p,
    size_t n)
{
	if (st == SSH_STDERR && tk->ex.pgid_wait)
		ssh_kill_filter(tk, p, n, exec_emit);
	else
		exec_emit(tk, st, p, n);
}

/* Free what sudo held back (nothing shown). */
static void
exec_free_sudo(struct ssh_task *tk)
{
	int s;

	for (s = 0; s < 2; s++) {
		free(tk->ex.sudo_buf[s]);
		tk->ex.sudo_buf[s] = NULL;
		tk->ex.sudo_len[s] = 0;
	}
}

/* sudo is done (or gave up): release what was held back. */
static void
sudo_flush(struct ssh_task *tk)
{
	struct ssh_exec_run *ex = &tk->ex;
	int s;

	ex->sudo_wait = 0;
	for (s = 1; s >= 0; s--) {
		unsigned char *tag;
		size_t k = ex->sudo_len[s];

		/* stderr held back is sudo's, up to the group report that
		 * may have come in the same read as the marker */
		if (s == 1 && ex->pgid_wait && k > 0 && (tag = mem_find(
		    ex->sudo_buf[1], k, "\036opsicle-pgid:")) != NULL) {
			k = (size_t)(tag - ex->sudo_buf[1]);
			if (k > 0)
				exec_emit(tk, SSH_STDERR, ex->sudo_buf[1], k);
			exec_cmd_out(tk, SSH_STDERR, tag, ex->sudo_len[1] - k);
		} else if (k > 0)
			exec_emit(tk, s == 0 ? SSH_STDOUT : SSH_STDERR,
			    ex->sudo_buf[s], k);
		free(ex->sudo_buf[s]);
		ex->sudo_buf[s] = NULL;
		ex->sudo_len[s] = 0;
	}
}

/*
 * Before the marker: hold output, answer sudo's prompt once with the
 * password, and notice the marker line on stdout.
 */
static void
sudo_feed(struct ssh_task *tk, enum ssh_stream st, const unsigned char *p,
    size_t n)
{
	struct ssh_exec_run *ex = &tk->ex;
	struct ssh_batch *b = tk->b;
	int s = st == SSH_STDOUT ? 0 : 1;
	unsigned char *nb, *m;
	size_t pl = strlen(b->prompt), ml = strlen(b->marker), rest;

	if (ex->sudo_len[s] + n > SUDO_HOLD) {
		sudo_flush(tk);
		exec_cmd_out(tk, st, p, n);
		return;
	}
	nb = realloc(ex->sudo_buf[s], ex->sudo_len[s] + n + 1);
	if (nb == NULL) {
		sudo_flush(tk);
		exec_cmd_out(tk, st, p, n);
		return;
	}
	ex->sudo_buf[s] = nb;
	memcpy(nb + ex->sudo_len[s], p, n);
	ex->sudo_len[s] += n;
	while (s == 1 && (m = mem_find(ex->sudo_buf[1], ex->sudo_len[1],
	    b->prompt)) != NULL) {
		rest = ex->sudo_len[1] - (size_t)(m - ex->sudo_buf[1]) - pl;
		memmove(m, m + pl, rest);
		ex->sudo_len[1] -= pl;
		if (b->pre != NULL && ex->sudo_sent == 0) {
			ex->sudo_sent = 1;
			ex->pre_off = 0;	/* exec_write sends it */
		} else if (ex->quiet) {
			ex->sudo_refused = 1;	/* the run's result stays */
		} else if (tk->r->cls != SSH_CLASS_SUDO) {
			const struct ssh_auth *a = tk->t->auth;

			if (b->pre == NULL) {
				ssh_result_fail(tk->r, SSH_CLASS_SUDO,
				    OPS_E_AUTH, "sudo on %s asks for a "
				    "password and none was given", tk->t->name);
				tk->r->sudo_nopass = 1;
			} else
				ssh_result_fail(tk->r, SSH_CLASS_SUDO,
				    OPS_E_AUTH, "sudo on %s refused the "
				    "password for %s", tk->t->name,
				    a && a->user ? a->user : "the login user");
		}
	}
	if (s == 0 && (m = mem_find(ex->sudo_buf[0], ex->sudo_len[0],
	    b->marker)) != NULL && (size_t)(m - ex->sudo_buf[0]) + ml <
	    ex->sudo_len[0] && m[ml] == '\n') {
		/* drop the marker line; the rest is the command's */
		rest = ex->sudo_len[0] - (size_t)(m - ex->sudo_buf[0]) - ml - 1;
		memmove(m, m + ml + 1, rest);
		ex->sudo_len[0] -= ml + 1;
		sudo_flush(tk);
	}
}

static void
exec_output(struct ssh_task *tk, enum ssh_stream st, const unsigned char *p,
    size_t n)
{
	if (tk->ex.sudo_wait)
		sudo_feed(tk, st, p, n);
	else
		exec_cmd_out(tk, st, p, n);
}

/* Something became writable while reading (sudo asked, or finished). */
static int
exec_write_pending(const struct ssh_task *tk)
{
	const struct ssh_exec_run *ex = &tk->ex;

	if (tk->b->pre != NULL && ex->pre_off < secret_len(tk->b->pre))
		return 1;
	if (ex->sudo_wait)
		return 0;
	return ex->stdin_off < ex->in_len || !ex->eof_sent;
}

/* Write pending stdin (sudo password line first). */
static int
exec_write(struct ssh_task *tk)
{
	struct ssh_exec_run *ex = &tk->ex;
	const struct secret *pre = tk->b->pre;
	const unsigned char *p;
	size_t len;
	ssize_t w;

	for (;;) {
		if (pre != NULL && ex->pre_off < secret_len(pre)) {
			p = secret_cdata(pre) + ex->pre_off;
			len = secret_len(pre) - ex->pre_off;
		} else if (ex->sudo_wait) {
			return 0;	/* stdin waits until sudo is done */
		} else if (ex->stdin_off < ex->in_len) {
			p = ex->in + ex->stdin_off;
			len = ex->in_len - ex->stdin_off;
		} else
			break;
		w = libssh2_channel_write(ex->ch, (const char *)p, len);
		if (w == LIBSSH2_ERROR_EAGAIN)
			return (int)w;
		if (w < 0)
			return (int)w;
		if (pre != NULL && ex->pre_off < secret_len(pre))
			ex->pre_off += (size_t)w;
		else
			ex->stdin_off += (size_t)w;
	}
	if (!ex->eof_sent) {
		int rc = libssh2_channel_send_eof(ex->ch);

		if (rc != 0)
			return rc;
		ex->eof_sent = 1;
	}
	return 0;
}

/*
 * Read both streams until neither has data. Reading one stream drains the
 * socket into libssh2's queue, possibly with data for the other, so keep
 * going until a whole pass brings nothing. 1 when both hit EOF (a read
 * of 0 means EOF; libssh2 says EAGAIN when it merely has nothing yet).
 */
static int
exec_read(struct ssh_task *tk)
{
	struct ssh_exec_run *ex = &tk->ex;
	unsigned char buf[READ_CHUNK];
	ssize_t n;
	int s, progress;

	do {
		progress = 0;
		for (s = 0; s < 2; s++) {
			int *eof = s == 0 ? &ex->out_eof : &ex->err_eof;

			while (!*eof) {
				n = libssh2_channel_read_ex(ex->ch, s == 0 ? 0 :
				    SSH_EXTENDED_DATA_STDERR, (char *)buf,
				    sizeof(buf));
				if (n == LIBSSH2_ERROR_EAGAIN)
					break;
				if (n < 0)
					return (int)n;
				progress = 1;
				if (n == 0) {
					*eof = 1;
					break;
				}
				exec_output(tk, s == 0 ? SSH_STDOUT :
				    SSH_STDERR, buf, (size_t)n);
			}
		}
	} while (progress && !(ex->out_eof && ex->err_eof));
	return ex->out_eof && ex->err_eof;
}

static void
exec_exit(struct ssh_task *tk)
{
	struct ssh_result *r = tk->r;
	char *sig = NULL;
	size_t siglen = 0;

	if (tk->ex.quiet)
		return;		/* a kill command: the result is the run's */
	r->exit_status = libssh2_channel_get_exit_status(tk->ex.ch);
	if (tk->ex.sudo_wait) {
		char line[120] = "";
		size_t k = 0;

		while (tk->ex.sudo_buf[1] != NULL && k < tk->ex.sudo_len[1] &&
		    k < sizeof(line) - 1 && tk->ex.sudo_buf[1][k] != '\n') {
			unsigned char ch = tk->ex.sudo_buf[1][k];

			line[k++] = ch >= 0x20 && ch < 0x7f ? (char)ch : '?';
		}
		line[k] = '\0';
		sudo_flush(tk);
		if (r->cls != SSH_CLASS_SUDO)
			ssh_result_fail(r, SSH_CLASS_SUDO, OPS_E_AUTH,
			    "sudo on %s failed before the command started "
			    "(exit %d)%s%s", tk->t->name, r->exit_status,
			    line[0] ? ": " : "", line);
		return;
	}
	if (libssh2_channel_get_exit_signal(tk->ex.ch, &sig, &siglen, NULL,
	    NULL, NULL, NULL) == 0 && sig != NULL) {
		/* the target names it: escaped (a hostile name held ESC) */
		(void)termsafe_escape(sig, siglen, 0, r->exit_signal,
		    sizeof(r->exit_signal));
		libssh2_free(tk->conn->sess, sig);
	}
	if (r->exit_signal[0] != '\0') {
		r->exit_status = -1;
		ssh_result_fail(r, SSH_CLASS_SIGNAL, 0,
		    "command on %s was killed by signal %s", tk->t->name,
		    r->exit_signal);
	} else if (r->exit_status != 0) {
		ssh_result_fail(r, SSH_CLASS_EXIT, 0,
		    "command on %s exited with status %d", tk->t->name,
		    r->exit_status);
	} else {
		r->ok = 1;
		r->cls = SSH_CLASS_OK;
		r->status = 0;
	}
}

static enum ssh_step
exec_open(struct ssh_task *tk)
{
	LIBSSH2_SESSION *s = tk->conn->sess;

	tk->ex.ch = libssh2_channel_open_session(s);
	if (tk->ex.ch == NULL) {
		if (libssh2_session_last_errno(s) == LIBSSH2_ERROR_EAGAIN)
			return STEP_WAIT;
		if (ssh_task_may_retry(tk))
			return STEP_RECONNECT;
		ssh_result_fail(tk->r, SSH_CLASS_CHANNEL, OPS_E_PROTO,
		    "open a session channel on %s: %s", tk->t->name,
		    exec_errmsg(tk));
		return STEP_FAIL;
	}
	tk->ex.state = EX_SETENV;
	return STEP_NEXT;
}

static enum ssh_step
exec_setenv(struct ssh_task *tk)
{
	const struct ssh_exec *x = tk->b->x;
	int rc;

	while (x->env != NULL && x->env[tk->ex.env_i] != NULL) {
		const char *e = x->env[tk->ex.env_i], *eq = strchr(e, '=');

		if (eq == NULL || eq == e) {
			tk->ex.env_i++;
			continue;
		}
		rc = libssh2_channel_setenv_ex(tk->ex.ch, e,
		    (unsigned)(eq - e), eq + 1, (unsigned)strlen(eq + 1));
		if (rc == LIBSSH2_ERROR_EAGAIN)
			return STEP_WAIT;
		if (rc != 0) {
			ssh_result_fail(tk->r, SSH_CLASS_CHANNEL, OPS_E_PROTO,
			    "set environment variable %.*s on %s: refused "
			    "(sshd AcceptEnv must allow it)", (int)(eq - e), e,
			    tk->t->name);
			return STEP_FAIL;
		}
		tk->ex.env_i++;
	}
	tk->ex.state = EX_EXEC;
	return STEP_NEXT;
}

static enum ssh_step
exec_start(struct ssh_task *tk)
{
	const struct ssh_batch *b = tk->b;
	const char *cmd = tk->ex.command != NULL ? tk->ex.command : b->command;
	int rc;

	rc = libssh2_channel_exec(tk->ex.ch, cmd);
	if (rc == LIBSSH2_ERROR_EAGAIN)
		return STEP_WAIT;
	if (rc != 0) {
		ssh_result_fail(tk->r, SSH_CLASS_CHANNEL, OPS_E_PROTO,
		    "start command on %s: %s", tk->t->name, exec_errmsg(tk));
		return STEP_FAIL;
	}
	tk->ex.pgid_wait = tk->ex.wrap;
	if (tk->ex.quiet)
		tk->ex.in_len = 0;	/* a kill: none of the run's input */
	if (b->x->sudo) {
		/* the password only when sudo's prompt shows */
		tk->ex.sudo_wait = 1;
		tk->ex.pre_off = b->pre ? secret_len(b->pre) : 0;
	}
	tk->ex.state = EX_IO;
	return STEP_DEADLINE;	/* the command runs: its clock starts */
}

static enum ssh_step
exec_io(struct ssh_task *tk)
{
	const struct ssh_batch *b = tk->b;
	int rc, err;

	rc = exec_write(tk);
	if (rc != 0 && rc != LIBSSH2_ERROR_EAGAIN) {
		/* the command may have stopped reading: not fatal */
		if (is_dead_session(rc)) {
			ssh_result_fail(tk->r, SSH_CLASS_CHANNEL, OPS_E_CONNECT,
			    "connection to %s lost while sending input",
			    tk->t->name);
			return STEP_DROP;
		}
		tk->ex.pre_off = b->pre ? secret_len(b->pre) : 0;
		tk->ex.stdin_off = tk->ex.in_len;
		tk->ex.eof_sent = 1;
	}
	err = exec_read(tk);
	if (err < 0) {
		if (is_dead_session(err)) {
			ssh_result_fail(tk->r, SSH_CLASS_CHANNEL, OPS_E_CONNECT,
			    "connection to %s lost while the command was "
			    "running (%s)", tk->t->name, exec_errmsg(tk));
			return STEP_DROP;
		}
		ssh_result_fail(tk->r, SSH_CLASS_CHANNEL, OPS_E_PROTO,
		    "read output of command on %s: %s", tk->t->name,
		    exec_errmsg(tk));
		return STEP_FAIL;
	}
	if (tk->ex.quiet ? tk->ex.sudo_refused : tk->r->cls == SSH_CLASS_SUDO)
		return STEP_FAIL;	/* refused password */
	if (err == 0 && rc != LIBSSH2_ERROR_EAGAIN && exec_write_pending(tk))
		return STEP_NEXT;
	if (err == 0 || rc == LIBSSH2_ERROR_EAGAIN)
		return STEP_WAIT;
	tk->ex.state = EX_CLOSE;
	return STEP_NEXT;
}

/* Close, wait for the close, record the exit, free the channel. */
static enum ssh_step
exec_close(struct ssh_task *tk)
{
	int rc;

	switch (tk->ex.state) {
	case EX_CLOSE:
		rc = libssh2_channel_close(tk->ex.ch);
		break;
	case EX_WAITCLOSED:
		rc = libssh2_channel_wait_closed(tk->ex.ch);
		if (rc != LIBSSH2_ERROR_EAGAIN)
			exec_exit(tk);
		break;
	default:
		rc = libssh2_channel_free(tk->ex.ch);
		if (rc != LIBSSH2_ERROR_EAGAIN)
			tk->ex.ch = NULL;
		break;
	}
	if (rc == LIBSSH2_ERROR_EAGAIN)
		return STEP_WAIT;
	tk->ex.state++;
	return tk->ex.state == EX_DONE ? STEP_DONE : STEP_NEXT;
}

void
ssh_exec_begin(struct ssh_task *tk, const char *command)
{
	exec_free_sudo(tk);
	memset(&tk->ex, 0, sizeof(tk->ex));
	tk->ex.state = EX_OPEN;
	tk->ex.command = command;
	tk->ex.in = tk->b->x->stdin_data;
	tk->ex.in_len = tk->b->x->stdin_len;
}

enum ssh_step
ssh_exec_step(struct ssh_task *tk)
{
	switch (tk->ex.state) {
	case EX_OPEN:
		return exec_open(tk);
	case EX_SETENV:
		return exec_setenv(tk);
	case EX_EXEC:
		return exec_start(tk);
	case EX_IO:
		return exec_io(tk);
	case EX_CLOSE:
	case EX_WAITCLOSED:
	case EX_FREE:
		return exec_close(tk);
	default:
		return STEP_DONE;
	}
}

/* The channel goes with the session. */
void
ssh_exec_release(struct ssh_task *tk)
{
	tk->ex.ch = NULL;
}

void
ssh_exec_free(struct ssh_task *tk)
{
	exec_free_sudo(tk);
	free(tk->command);
	tk->command = NULL;
	tk->ex.command = NULL;
}

/*
 * ssh-exec.c: one command on one session channel: environment, stdin,
 * stdout and stderr as they arrive (bounded), exit status or signal,
 * run timeout.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ssh-int.h"
#include "termsafe.h"

#define READ_CHUNK	32768
#define SUDO_HOLD	8192	/* what sudo may print before the marker */

void
ssh_job_fail(struct ssh_job *j, enum ssh_class cls, int status,
    const char *fmt, ...)
{
	struct ssh_result *r = j->r;
	char buf[sizeof(r->msg)];
	va_list ap;

	r->ok = 0;
	r->cls = cls;
	r->status = status;
	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	/* It may quote the target (a signal name, its stderr, what libssh2
	 * kept of its words): no control bytes past this point. */
	(void)termsafe_escape(buf, strlen(buf), 0, r->msg, sizeof(r->msg));
}

/* Finish j, dropping its connection (not reusable). */
int
ssh_job_drop(struct ssh_job *j)
{
	struct ssh_conn *c = j->conn;

	if (c != NULL) {
		ssh_sftp_release(j);
		c->job = NULL;
		j->conn = NULL;
		j->ch = NULL;
		ssh_conn_destroy(c);
	}
	ssh_job_finish(j);
	return STEP_GONE;
}

/*
 * Finish a failed j (result set). A remote temp file is removed first
 * while the session lives (STEP_NEXT: keep driving); else drop.
 */
int
ssh_job_abort(struct ssh_job *j)
{
	if (j->rtmp_made && j->sftp != NULL && j->conn != NULL && !j->failed)
		return ssh_sftp_cleanup(j);
	return ssh_job_drop(j);
}

static long long
job_timeout(struct evloop *loop, long long id, void *arg)
{
	struct ssh_job *j = arg;
	struct ssh_conn *c = j->conn;
	const char *what = j->b->xf != NULL ? "transfer" : "command";

	j->timer = 0;
	ssh_job_fail(j, SSH_CLASS_TIMEOUT, OPS_E_TIMEOUT,
	    "%s on %s timed out after %d ms; channel closed", what,
	    j->t->name, j->b->x->timeout_ms);
	if (ssh_job_abort(j) == STEP_NEXT && c != NULL)
		ssh_conn_drive(c);
	return EVLOOP_NOMORE;
}

/* Arm the run timeout once per job. */
int
ssh_job_arm_timeout(struct ssh_job *j)
{
	const struct ssh_exec *x = j->b->x;

	if (x->timeout_ms <= 0 || j->timer != 0)
		return 0;
	return evloop_timer_add(j->b->eng->loop, x->timeout_ms, job_timeout,
	    j, &j->timer, NULL);
}

enum ssh_job_state
ssh_job_first_state(const struct ssh_job *j)
{
	return j->b->x->script != NULL || j->b->xf != NULL ? JOB_SFTP_INIT :
	    JOB_OPEN;
}

static int
job_is_dead_session(int err)
{
	return err == LIBSSH2_ERROR_SOCKET_SEND ||
	    err == LIBSSH2_ERROR_SOCKET_RECV ||
	    err == LIBSSH2_ERROR_SOCKET_DISCONNECT ||
	    err == LIBSSH2_ERROR_SOCKET_TIMEOUT ||
	    err == LIBSSH2_ERROR_TIMEOUT;
}

/* The pooled session was dead: start over on a fresh one, once. */
int
ssh_job_reconnect(struct ssh_job *j)
{
	struct ssh_engine *eng = j->b->eng;
	struct ssh_conn *old = j->conn, *c;

	ssh_sftp_release(j);
	old->job = NULL;
	j->conn = NULL;
	j->ch = NULL;
	ssh_conn_destroy(old);
	j->retried = 1;
	j->r->reused = 0;
	eng->st.reconnects++;
	if (ssh_conn_new(eng, j->t, &c) != 0) {
		ssh_job_fail(j, SSH_CLASS_INTERNAL, OPS_E_NOMEM,
		    "reconnect to %s: out of memory", j->t->name);
		ssh_job_finish(j);
		return STEP_GONE;
	}
	c->job = j;
	j->conn = c;
	j->state = JOB_CONNECTING;
	ssh_conn_drive(c);
	return STEP_GONE;
}

static int
job_wait(struct ssh_job *j)
{
	ssh_conn_wait(j->conn);
	return STEP_WAIT;
}

const char *
ssh_job_errmsg(struct ssh_job *j)
{
	char *m = NULL;

	libssh2_session_last_error(j->conn->sess, &m, NULL, 0);
	return m ? m : "unknown error";
}

static void
job_emit(struct ssh_job *j, enum ssh_stream st, const unsigned char *p,
    size_t n)
{
	const struct ssh_exec *x = j->b->x;
	struct ssh_buf *b = st == SSH_STDOUT ? &j->r->out : &j->r->err;
	size_t room, take, cap = j->b->cap;
	unsigned char *nd;

	if (x->on_output != NULL)
		x->on_output(x->arg, j->idx, j->t->name, st, p, n);
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

/* sudo is done (or gave up): release what was held back. */
static void
sudo_flush(struct ssh_job *j)
{
	int s;

	j->sudo_wait = 0;
	for (s = 1; s >= 0; s--) {
		if (j->sudo_len[s] > 0)
			job_emit(j, s == 0 ? SSH_STDOUT : SSH_STDERR,
			    j->sudo_buf[s], j->sudo_len[s]);
		free(j->sudo_buf[s]);
		j->sudo_buf[s] = NULL;
		j->sudo_len[s] = 0;
	}
}

/*
 * Before the marker: hold output, answer sudo's prompt once with the
 * password, and notice the marker line on stdout.
 */
static void
sudo_feed(struct ssh_job *j, enum ssh_stream st, const unsigned char *p,
    size_t n)
{
	struct ssh_batch *b = j->b;
	int s = st == SSH_STDOUT ? 0 : 1;
	unsigned char *nb, *m;
	size_t pl = strlen(b->prompt), ml = strlen(b->marker), rest;

	if (j->sudo_len[s] + n > SUDO_HOLD) {
		sudo_flush(j);
		job_emit(j, st, p, n);
		return;
	}
	if ((nb = realloc(j->sudo_buf[s], j->sudo_len[s] + n + 1)) == NULL) {
		sudo_flush(j);
		job_emit(j, st, p, n);
		return;
	}
	j->sudo_buf[s] = nb;
	memcpy(nb + j->sudo_len[s], p, n);
	j->sudo_len[s] += n;
	while (s == 1 && (m = mem_find(j->sudo_buf[1], j->sudo_len[1],
	    b->prompt)) != NULL) {
		rest = j->sudo_len[1] - (size_t)(m - j->sudo_buf[1]) - pl;
		memmove(m, m + pl, rest);
		j->sudo_len[1] -= pl;
		if (b->pre != NULL && j->sudo_sent == 0) {
			j->sudo_sent = 1;
			j->pre_off = 0;		/* job_write sends it */
		} else if (j->r->cls != SSH_CLASS_SUDO) {
			if (b->pre == NULL)
				ssh_job_fail(j, SSH_CLASS_SUDO, OPS_E_AUTH,
				    "sudo on %s asks for a password and none "
				    "was given", j->t->name);
			else
				ssh_job_fail(j, SSH_CLASS_SUDO, OPS_E_AUTH,
				    "sudo on %s refused the password for %s",
				    j->t->name, j->t->auth && j->t->auth->user ?
				    j->t->auth->user : "the login user");
		}
	}
	if (s == 0 && (m = mem_find(j->sudo_buf[0], j->sudo_len[0],
	    b->marker)) != NULL && (size_t)(m - j->sudo_buf[0]) + ml <
	    j->sudo_len[0] && m[ml] == '\n') {
		/* drop the marker line; the rest is the command's */
		rest = j->sudo_len[0] - (size_t)(m - j->sudo_buf[0]) - ml - 1;
		memmove(m, m + ml + 1, rest);
		j->sudo_len[0] -= ml + 1;
		sudo_flush(j);
	}
}

static void
job_output(struct ssh_job *j, enum ssh_stream st, const unsigned char *p,
    size_t n)
{
	if (j->sudo_wait)
		sudo_feed(j, st, p, n);
	else
		job_emit(j, st, p, n);
}

/* Something became writable while reading (sudo asked, or finished). */
static int
job_write_pending(const struct ssh_job *j)
{
	if (j->b->pre != NULL && j->pre_off < secret_len(j->b->pre))
		return 1;
	if (j->sudo_wait)
		return 0;
	return j->stdin_off < j->b->x->stdin_len || !j->eof_sent;
}

/* Write pending stdin (sudo password line first). */
static int
job_write(struct ssh_job *j)
{
	const struct ssh_exec *x = j->b->x;
	const unsigned char *p;
	size_t len;
	ssize_t w;

	for (;;) {
		if (j->b->pre != NULL && j->pre_off < secret_len(j->b->pre)) {
			p = secret_cdata(j->b->pre) + j->pre_off;
			len = secret_len(j->b->pre) - j->pre_off;
		} else if (j->sudo_wait) {
			return 0;	/* stdin waits until sudo is done */
		} else if (j->stdin_off < x->stdin_len) {
			p = x->stdin_data + j->stdin_off;
			len = x->stdin_len - j->stdin_off;
		} else
			break;
		w = libssh2_channel_write(j->ch, (const char *)p, len);
		if (w == LIBSSH2_ERROR_EAGAIN)
			return (int)w;
		if (w < 0)
			return (int)w;
		if (j->b->pre != NULL && j->pre_off < secret_len(j->b->pre))
			j->pre_off += (size_t)w;
		else
			j->stdin_off += (size_t)w;
	}
	if (!j->eof_sent) {
		int rc = libssh2_channel_send_eof(j->ch);

		if (rc != 0)
			return rc;
		j->eof_sent = 1;
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
job_read(struct ssh_job *j)
{
	unsigned char buf[READ_CHUNK];
	ssize_t n;
	int s, progress;

	do {
		progress = 0;
		for (s = 0; s < 2; s++) {
			int *eof = s == 0 ? &j->out_eof : &j->err_eof;

			while (!*eof) {
				n = libssh2_channel_read_ex(j->ch, s == 0 ? 0 :
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
				job_output(j, s == 0 ? SSH_STDOUT : SSH_STDERR,
				    buf, (size_t)n);
			}
		}
	} while (progress && !(j->out_eof && j->err_eof));
	return j->out_eof && j->err_eof;
}

static void
job_exit(struct ssh_job *j)
{
	struct ssh_result *r = j->r;
	char *sig = NULL;
	size_t siglen = 0;

	r->exit_status = libssh2_channel_get_exit_status(j->ch);
	if (j->sudo_wait) {
		char line[120] = "";
		size_t k = 0;

		while (j->sudo_buf[1] != NULL && k < j->sudo_len[1] &&
		    k < sizeof(line) - 1 && j->sudo_buf[1][k] != '\n') {
			unsigned char ch = j->sudo_buf[1][k];

			line[k++] = ch >= 0x20 && ch < 0x7f ? (char)ch : '?';
		}
		line[k] = '\0';
		sudo_flush(j);
		if (r->cls != SSH_CLASS_SUDO)
			ssh_job_fail(j, SSH_CLASS_SUDO, OPS_E_AUTH,
			    "sudo on %s failed before the command started "
			    "(exit %d)%s%s", j->t->name, r->exit_status,
			    line[0] ? ": " : "", line);
		return;
	}
	if (libssh2_channel_get_exit_signal(j->ch, &sig, &siglen, NULL, NULL,
	    NULL, NULL) == 0 && sig != NULL) {
		/* the target names it: escaped (a hostile name held ESC) */
		(void)termsafe_escape(sig, siglen, 0, r->exit_signal,
		    sizeof(r->exit_signal));
		libssh2_free(j->conn->sess, sig);
	}
	if (r->exit_signal[0] != '\0') {
		r->exit_status = -1;
		ssh_job_fail(j, SSH_CLASS_SIGNAL, 0,
		    "command on %s was killed by signal %s", j->t->name,
		    r->exit_signal);
	} else if (r->exit_status != 0) {
		ssh_job_fail(j, SSH_CLASS_EXIT, 0,
		    "command on %s exited with status %d", j->t->name,
		    r->exit_status);
	} else {
		r->ok = 1;
		r->cls = SSH_CLASS_OK;
		r->status = 0;
	}
}

int
ssh_job_step(struct ssh_job *j)
{
	const struct ssh_exec *x = j->b->x;
	struct ssh_conn *c = j->conn;
	int rc, err;

	if (j->state >= JOB_SFTP_INIT && j->state < JOB_DONE)
		return ssh_sftp_step(j);
	switch (j->state) {
	case JOB_PENDING:
	case JOB_CONNECTING:
		j->state = ssh_job_first_state(j);
		return STEP_NEXT;
	case JOB_OPEN:
		j->ch = libssh2_channel_open_session(c->sess);
		if (j->ch == NULL) {
			err = libssh2_session_last_errno(c->sess);
			if (err == LIBSSH2_ERROR_EAGAIN)
				return job_wait(j);
			if (j->r->reused && !j->retried)
				return ssh_job_reconnect(j);
			ssh_job_fail(j, SSH_CLASS_CHANNEL, OPS_E_PROTO,
			    "open a session channel on %s: %s", j->t->name,
			    ssh_job_errmsg(j));
			return ssh_job_abort(j);
		}
		j->state = JOB_SETENV;
		return STEP_NEXT;
	case JOB_SETENV:
		while (x->env != NULL && x->env[j->env_i] != NULL) {
			const char *e = x->env[j->env_i], *eq = strchr(e, '=');

			if (eq == NULL || eq == e) {
				j->env_i++;
				continue;
			}
			rc = libssh2_channel_setenv_ex(j->ch, e,
			    (unsigned)(eq - e), eq + 1,
			    (unsigned)strlen(eq + 1));
			if (rc == LIBSSH2_ERROR_EAGAIN)
				return job_wait(j);
			if (rc != 0) {
				ssh_job_fail(j, SSH_CLASS_CHANNEL, OPS_E_PROTO,
				    "set environment variable %.*s on %s: "
				    "refused (sshd AcceptEnv must allow it)",
				    (int)(eq - e), e, j->t->name);
				return ssh_job_abort(j);
			}
			j->env_i++;
		}
		j->state = JOB_EXEC;
		return STEP_NEXT;
	case JOB_EXEC:
		rc = libssh2_channel_exec(j->ch, j->command != NULL ?
		    j->command : j->b->command);
		if (rc == LIBSSH2_ERROR_EAGAIN)
			return job_wait(j);
		if (rc != 0) {
			ssh_job_fail(j, SSH_CLASS_CHANNEL, OPS_E_PROTO,
			    "start command on %s: %s", j->t->name,
			    ssh_job_errmsg(j));
			return ssh_job_abort(j);
		}
		if (ssh_job_arm_timeout(j) != 0) {
			ssh_job_fail(j, SSH_CLASS_INTERNAL, OPS_E_NOMEM,
			    "arm timeout for %s", j->t->name);
			return ssh_job_abort(j);
		}
		if (x->sudo) {
			j->sudo_wait = 1;
			j->pre_off = j->b->pre ? secret_len(j->b->pre) : 0;
		}
		j->state = JOB_IO;
		return STEP_NEXT;
	case JOB_IO:
		rc = job_write(j);
		if (rc != 0 && rc != LIBSSH2_ERROR_EAGAIN) {
			/* the command may have stopped reading: not fatal */
			if (job_is_dead_session(rc)) {
				ssh_job_fail(j, SSH_CLASS_CHANNEL,
				    OPS_E_CONNECT, "connection to %s lost "
				    "while sending input", j->t->name);
				return ssh_job_drop(j);
			}
			j->pre_off = j->b->pre ? secret_len(j->b->pre) : 0;
			j->stdin_off = x->stdin_len;
			j->eof_sent = 1;
		}
		err = job_read(j);
		if (err < 0) {
			if (job_is_dead_session(err)) {
				ssh_job_fail(j, SSH_CLASS_CHANNEL,
				    OPS_E_CONNECT, "connection to %s lost "
				    "while the command was running (%s)",
				    j->t->name, ssh_job_errmsg(j));
				return ssh_job_drop(j);
			}
			ssh_job_fail(j, SSH_CLASS_CHANNEL, OPS_E_PROTO,
			    "read output of command on %s: %s",
			    j->t->name, ssh_job_errmsg(j));
			return ssh_job_abort(j);
		}
		if (j->r->cls == SSH_CLASS_SUDO)
			return ssh_job_abort(j);	/* refused password */
		if (err == 0 && rc != LIBSSH2_ERROR_EAGAIN &&
		    job_write_pending(j))
			return STEP_NEXT;
		if (err == 0 || rc == LIBSSH2_ERROR_EAGAIN)
			return job_wait(j);
		j->state = JOB_CLOSE;
		return STEP_NEXT;
	case JOB_CLOSE:
		rc = libssh2_channel_close(j->ch);
		if (rc == LIBSSH2_ERROR_EAGAIN)
			return job_wait(j);
		j->state = JOB_WAITCLOSED;
		return STEP_NEXT;
	case JOB_WAITCLOSED:
		rc = libssh2_channel_wait_closed(j->ch);
		if (rc == LIBSSH2_ERROR_EAGAIN)
			return job_wait(j);
		job_exit(j);
		j->state = JOB_FREE;
		return STEP_NEXT;
	case JOB_FREE:
		rc = libssh2_channel_free(j->ch);
		if (rc == LIBSSH2_ERROR_EAGAIN)
			return job_wait(j);
		j->ch = NULL;
		if (j->after_exec != 0) {
			j->state = j->after_exec;
			j->after_exec = 0;
			return STEP_NEXT;
		}
		j->state = JOB_DONE;
		ssh_job_finish(j);
		return STEP_GONE;
	default:
		break;
	}
	return STEP_GONE;
}

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

#define STEP_NEXT	0
#define STEP_WAIT	1
#define STEP_GONE	2

#define READ_CHUNK	32768

void
ssh_job_fail(struct ssh_job *j, enum ssh_class cls, int status,
    const char *fmt, ...)
{
	struct ssh_result *r = j->r;
	va_list ap;

	r->ok = 0;
	r->cls = cls;
	r->status = status;
	va_start(ap, fmt);
	vsnprintf(r->msg, sizeof(r->msg), fmt, ap);
	va_end(ap);
}

/* Finish j, dropping its connection (not reusable). */
static int
job_abort(struct ssh_job *j)
{
	struct ssh_conn *c = j->conn;

	if (c != NULL) {
		c->job = NULL;
		j->conn = NULL;
		j->ch = NULL;
		ssh_conn_destroy(c);
	}
	ssh_job_finish(j);
	return STEP_GONE;
}

static long long
job_timeout(struct evloop *loop, long long id, void *arg)
{
	struct ssh_job *j = arg;

	j->timer = 0;
	ssh_job_fail(j, SSH_CLASS_TIMEOUT, OPS_E_TIMEOUT,
	    "command on %s timed out after %d ms; channel closed",
	    j->t->name, j->b->x->timeout_ms);
	job_abort(j);
	return EVLOOP_NOMORE;
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
static int
job_reconnect(struct ssh_job *j)
{
	struct ssh_engine *eng = j->b->eng;
	struct ssh_conn *old = j->conn, *c;

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

static const char *
job_errmsg(struct ssh_job *j)
{
	char *m = NULL;

	libssh2_session_last_error(j->conn->sess, &m, NULL, 0);
	return m ? m : "unknown error";
}

static void
job_output(struct ssh_job *j, enum ssh_stream st, const unsigned char *p,
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
	if (libssh2_channel_get_exit_signal(j->ch, &sig, &siglen, NULL, NULL,
	    NULL, NULL) == 0 && sig != NULL) {
		snprintf(r->exit_signal, sizeof(r->exit_signal), "%.*s",
		    (int)siglen, sig);
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

	switch (j->state) {
	case JOB_PENDING:
	case JOB_CONNECTING:
		j->state = JOB_OPEN;
		return STEP_NEXT;
	case JOB_OPEN:
		j->ch = libssh2_channel_open_session(c->sess);
		if (j->ch == NULL) {
			err = libssh2_session_last_errno(c->sess);
			if (err == LIBSSH2_ERROR_EAGAIN)
				return job_wait(j);
			if (j->r->reused && !j->retried)
				return job_reconnect(j);
			ssh_job_fail(j, SSH_CLASS_CHANNEL, OPS_E_PROTO,
			    "open a session channel on %s: %s", j->t->name,
			    job_errmsg(j));
			return job_abort(j);
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
				return job_abort(j);
			}
			j->env_i++;
		}
		j->state = JOB_EXEC;
		return STEP_NEXT;
	case JOB_EXEC:
		rc = libssh2_channel_exec(j->ch, j->b->command);
		if (rc == LIBSSH2_ERROR_EAGAIN)
			return job_wait(j);
		if (rc != 0) {
			ssh_job_fail(j, SSH_CLASS_CHANNEL, OPS_E_PROTO,
			    "start command on %s: %s", j->t->name,
			    job_errmsg(j));
			return job_abort(j);
		}
		if (x->timeout_ms > 0 && evloop_timer_add(j->b->eng->loop,
		    x->timeout_ms, job_timeout, j, &j->timer, NULL) != 0) {
			ssh_job_fail(j, SSH_CLASS_INTERNAL, OPS_E_NOMEM,
			    "arm timeout for %s", j->t->name);
			return job_abort(j);
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
				return job_abort(j);
			}
			j->pre_off = j->b->pre ? secret_len(j->b->pre) : 0;
			j->stdin_off = x->stdin_len;
			j->eof_sent = 1;
		}
		err = job_read(j);
		if (err < 0) {
			if (job_is_dead_session(err))
				ssh_job_fail(j, SSH_CLASS_CHANNEL,
				    OPS_E_CONNECT, "connection to %s lost "
				    "while the command was running (%s)",
				    j->t->name, job_errmsg(j));
			else
				ssh_job_fail(j, SSH_CLASS_CHANNEL, OPS_E_PROTO,
				    "read output of command on %s: %s",
				    j->t->name, job_errmsg(j));
			return job_abort(j);
		}
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
		j->state = JOB_DONE;
		ssh_job_finish(j);
		return STEP_GONE;
	case JOB_DONE:
	case JOB_FINISHED:
		break;
	}
	return STEP_GONE;
}

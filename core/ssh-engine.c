/*
 * ssh-engine.c: the engine and its batches: fan-out with a concurrency
 * limit, results, class names.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "net-connect.h"
#include "ssh-int.h"

#define DEFAULT_CAP	(1024 * 1024)

static const char *const class_names[] = {
	[SSH_CLASS_OK] = "ok",
	[SSH_CLASS_RESOLVE] = "resolve",
	[SSH_CLASS_REFUSED] = "connection-refused",
	[SSH_CLASS_CONNECT_TIMEOUT] = "connect-timeout",
	[SSH_CLASS_CONNECT] = "connect",
	[SSH_CLASS_HANDSHAKE] = "handshake",
	[SSH_CLASS_HOSTKEY_UNKNOWN] = "hostkey-unknown",
	[SSH_CLASS_HOSTKEY_CHANGED] = "hostkey-changed",
	[SSH_CLASS_AUTH] = "auth",
	[SSH_CLASS_CHANNEL] = "channel",
	[SSH_CLASS_TIMEOUT] = "timeout",
	[SSH_CLASS_EXIT] = "exit",
	[SSH_CLASS_SIGNAL] = "signal",
	[SSH_CLASS_INTERNAL] = "internal",
	[SSH_CLASS_SFTP] = "sftp",
	[SSH_CLASS_SUDO] = "sudo",
};

const char *
ssh_class_name(enum ssh_class cls)
{
	if ((unsigned)cls >= sizeof(class_names) / sizeof(class_names[0]) ||
	    class_names[cls] == NULL)
		return "unknown";
	return class_names[cls];
}

int
ssh_class_reached(const char *cls)
{
	size_t	i;

	if (cls == NULL)
		return -1;
	for (i = 0; i < sizeof(class_names) / sizeof(class_names[0]); i++) {
		if (class_names[i] == NULL || strcmp(class_names[i], cls) != 0)
			continue;
		switch ((enum ssh_class)i) {
		case SSH_CLASS_RESOLVE:
		case SSH_CLASS_REFUSED:
		case SSH_CLASS_CONNECT_TIMEOUT:
		case SSH_CLASS_CONNECT:
		case SSH_CLASS_HANDSHAKE:
		case SSH_CLASS_HOSTKEY_UNKNOWN:
		case SSH_CLASS_HOSTKEY_CHANGED:
		case SSH_CLASS_AUTH:
			return 0;
		case SSH_CLASS_INTERNAL:
			return -1;
		default:
			return 1;
		}
	}
	return -1;
}

void
ssh_error_class(const char *error, char *cls, size_t len, const char **text)
{
	const char	*colon;
	size_t		 n;

	cls[0] = '\0';
	if (text != NULL)
		*text = error;
	if (error == NULL || (colon = strstr(error, ": ")) == NULL)
		return;
	n = (size_t)(colon - error);
	if (n == 0 || n >= len || strspn(error, "abcdefghijklmnopqrstuvwxyz-")
	    != n)
		return;
	memcpy(cls, error, n);
	cls[n] = '\0';
	if (text != NULL)
		*text = colon + 2;
}

void
ssh_connect_failure(const struct net_connect_result *res, const char *label,
    enum ssh_class *cls, char *msg, size_t len)
{
	switch (res->cls) {
	case NET_CONNECT_RESOLVE:
		*cls = SSH_CLASS_RESOLVE;
		snprintf(msg, len, "resolve %s: %s; check the host name", label,
		    res->why);
		break;
	case NET_CONNECT_REFUSED:
		*cls = SSH_CLASS_REFUSED;
		snprintf(msg, len, "connect to %s: %s; is sshd running on that "
		    "port?", label, res->why);
		break;
	case NET_CONNECT_INTERNAL:
		*cls = SSH_CLASS_INTERNAL;
		snprintf(msg, len, "connect to %s: out of memory", label);
		break;
	default:
		*cls = SSH_CLASS_CONNECT;
		snprintf(msg, len, "connect to %s: %s", label, res->why);
		break;
	}
}

const char *
ssh_target_user(const struct ssh_target *t)
{
	const char *u;

	if (t->auth != NULL && t->auth->user != NULL && t->auth->user[0])
		return t->auth->user;
	if ((u = getenv("USER")) != NULL && u[0] != '\0')
		return u;
	return "root";
}

unsigned
ssh_target_port(const struct ssh_target *t)
{
	return t->port ? t->port : 22;
}

void
ssh_conn_link(struct ssh_engine *eng, struct ssh_conn *c)
{
	c->prev = NULL;
	c->next = eng->conns;
	if (eng->conns != NULL)
		eng->conns->prev = c;
	eng->conns = c;
}

void
ssh_conn_unlink(struct ssh_conn *c)
{
	if (c->prev != NULL)
		c->prev->next = c->next;
	else if (c->eng->conns == c)
		c->eng->conns = c->next;
	if (c->next != NULL)
		c->next->prev = c->prev;
	c->prev = c->next = NULL;
}

void
ssh_engine_config_init(struct ssh_engine_config *cfg)
{
	memset(cfg, 0, sizeof(*cfg));
	cfg->max_parallel = 64;
	cfg->connect_timeout_ms = 15000;
	cfg->max_opening = 64;
	cfg->pool = 1;
	cfg->idle_timeout_ms = 300000;
	cfg->keepalive_s = 30;
}

int
ssh_engine_new(struct evloop *loop, const struct ssh_engine_config *cfg,
    struct ssh_engine **out, struct ops_err *err)
{
	struct ssh_engine *eng;
	int rc;

	*out = NULL;
	if (libssh2_init(0) != 0)
		return ops_err_set(err, OPS_E_CRYPTO, "initialise libssh2");
	if ((eng = calloc(1, sizeof(*eng))) == NULL) {
		libssh2_exit();
		return ops_err_errno(err, OPS_E_NOMEM, "allocate SSH engine");
	}
	eng->loop = loop;
	if (cfg != NULL)
		eng->cfg = *cfg;
	else
		ssh_engine_config_init(&eng->cfg);
	if (eng->cfg.max_parallel <= 0)
		eng->cfg.max_parallel = 64;
	if (eng->cfg.connect_timeout_ms <= 0)
		eng->cfg.connect_timeout_ms = 15000;
	if (eng->cfg.max_opening <= 0)
		eng->cfg.max_opening = 64;
	if (eng->cfg.idle_timeout_ms <= 0)
		eng->cfg.idle_timeout_ms = 300000;
	if ((rc = ssh_pool_start(eng, err)) != 0) {
		free(eng);
		libssh2_exit();
		return rc;
	}
	*out = eng;
	return 0;
}

void
ssh_engine_free(struct ssh_engine *eng)
{
	if (eng == NULL)
		return;
	while (eng->conns != NULL)
		ssh_conn_destroy(eng->conns);
	if (eng->ka_timer)
		evloop_timer_del(eng->loop, eng->ka_timer);
	free(eng);
	libssh2_exit();
}

void
ssh_engine_stats(const struct ssh_engine *eng, struct ssh_stats *st)
{
	*st = eng->st;
}

void
ssh_engine_close_idle(struct ssh_engine *eng)
{
	struct ssh_conn *c, *next;

	for (c = eng->conns; c != NULL; c = next) {
		next = c->next;
		if (c->in_pool)
			ssh_conn_destroy(c);
	}
}

static void
job_start(struct ssh_job *j)
{
	struct ssh_engine *eng = j->b->eng;
	struct ssh_conn *c;

	eng->st.active++;
	j->active = 1;
	if ((c = ssh_pool_take(eng, j->t)) != NULL) {
		eng->st.reuses++;
		j->r->reused = 1;
		c->job = j;
		j->conn = c;
		if (ssh_hostkey_check(j->t, &c->hk, j->r) != 0) {
			/* the session is fine; the target's keys are not */
			c->job = NULL;
			j->conn = NULL;
			ssh_pool_put(c);
			ssh_job_finish(j);
			return;
		}
		j->state = ssh_job_first_state(j);
		ssh_conn_drive(c);
		return;
	}
	if (ssh_conn_new(eng, j->t, &c) != 0) {
		ssh_job_fail(j, SSH_CLASS_INTERNAL, OPS_E_NOMEM,
		    "connect to %s: out of memory", j->t->name);
		ssh_job_finish(j);
		return;
	}
	c->job = j;
	j->conn = c;
	j->state = JOB_CONNECTING;
	ssh_conn_drive(c);
}

void
ssh_conn_opened(struct ssh_conn *c)
{
	if (!c->opening)
		return;
	c->opening = 0;
	c->eng->st.opening--;
	ssh_engine_schedule(c->eng);
}

/* Would j open a new session (no pooled one for its target)? */
static int
job_needs_session(struct ssh_engine *eng, const struct ssh_job *j)
{
	return ssh_pool_find(eng, j->t) == NULL;
}

void
ssh_engine_schedule(struct ssh_engine *eng)
{
	struct ssh_job *j;

	/* Jobs that fail at once finish inside job_start: no recursion. */
	if (eng->scheduling)
		return;
	eng->scheduling = 1;
	/*
	 * Handshakes are opened max_opening at a time, in queue order: 500
	 * started at once all share the CPU (ours and sshd's), all finish
	 * late, and many pass the connect timeout; a few dozen at a time
	 * finish one after another. Runs on pooled sessions do not wait.
	 */
	while (eng->st.active < (unsigned long)eng->cfg.max_parallel &&
	    (j = eng->pend_head) != NULL &&
	    (eng->st.opening < (unsigned long)eng->cfg.max_opening ||
	    !job_needs_session(eng, j))) {
		eng->pend_head = j->next_pending;
		if (eng->pend_head == NULL)
			eng->pend_tail = NULL;
		j->next_pending = NULL;
		job_start(j);
	}
	eng->scheduling = 0;
}

void
ssh_job_finish(struct ssh_job *j)
{
	struct ssh_batch *b = j->b;
	struct ssh_engine *eng = b->eng;
	struct ssh_conn *c = j->conn;

	if (j->state == JOB_FINISHED)
		return;		/* already finished */
	if (j->timer) {
		evloop_timer_del(eng->loop, j->timer);
		j->timer = 0;
	}
	if (c != NULL) {
		c->job = NULL;
		j->conn = NULL;
		if (j->state == JOB_DONE && j->ch == NULL && j->sftp == NULL)
			ssh_pool_put(c);
		else {
			ssh_sftp_release(j);
			ssh_conn_destroy(c);
		}
	}
	ssh_job_xfer_free(j);
	j->state = JOB_FINISHED;
	b->ndone++;
	if (j->r->ok)
		b->nok++;
	eng->st.runs++;
	if (j->active) {
		j->active = 0;
		eng->st.active--;
	}
	if (b->x->on_done != NULL)
		b->x->on_done(b->x->arg, j->idx, j->r);
	ssh_engine_schedule(eng);
}

/* sh single-quote s into a malloc'd string. */
char *
ssh_shell_quote(const char *s)
{
	size_t n = 3, i;
	char *q, *p;

	for (i = 0; s[i]; i++)
		n += s[i] == '\'' ? 4 : 1;
	if ((q = malloc(n)) == NULL)
		return NULL;
	p = q;
	*p++ = '\'';
	for (i = 0; s[i]; i++) {
		if (s[i] == '\'') {
			memcpy(p, "'\\''", 4);
			p += 4;
		} else
			*p++ = s[i];
	}
	*p++ = '\'';
	*p = '\0';
	return q;
}

char *
ssh_batch_wrap(const struct ssh_batch *b, const char *cmd)
{
	const struct ssh_exec *x = b->x;
	char *inner = NULL, *qc = NULL, *qu = NULL, *out = NULL;
	size_t n;

	if (!x->sudo)
		return strdup(cmd);
	n = strlen(b->marker) + strlen(cmd) + 16;
	if ((inner = malloc(n)) == NULL)
		return NULL;
	/* the marker says sudo is done: stdin is the command's from here */
	snprintf(inner, n, "echo %s; %s", b->marker, cmd);
	if ((qc = ssh_shell_quote(inner)) == NULL ||
	    (qu = ssh_shell_quote(x->sudo_user ? x->sudo_user : "root")) ==
	    NULL)
		goto out;
	n = strlen(qc) + strlen(qu) + strlen(b->prompt) + 64;
	if ((out = malloc(n)) == NULL)
		goto out;
	/* The password goes to sudo's stdin, never into argv. */
	snprintf(out, n, "sudo -S -p '%s' -u %s -- sh -c %s", b->prompt, qu,
	    qc);
out:
	free(inner);
	free(qc);
	free(qu);
	return out;
}

static int
batch_command(struct ssh_batch *b, struct ops_err *err)
{
	const struct ssh_exec *x = b->x;
	unsigned char rnd[16];
	char hex[33];

	if (x->sudo) {
		randombytes_buf(rnd, sizeof(rnd));
		sodium_bin2hex(hex, sizeof(hex), rnd, sizeof(rnd));
		snprintf(b->marker, sizeof(b->marker), "OPSICLE-SUDO-OK-%.16s",
		    hex);
		snprintf(b->prompt, sizeof(b->prompt),
		    "[opsicle-sudo-%.16s] password:", hex + 16);
		if (x->sudo_password != NULL) {
			size_t pl = secret_len(x->sudo_password);
			int rc;

			if ((rc = secret_new(pl + 1, &b->pre, err)) != 0)
				return rc;
			memcpy(secret_data(b->pre),
			    secret_cdata(x->sudo_password), pl);
			secret_data(b->pre)[pl] = '\n';
		}
	}
	/* scripts and transfers build their commands per job */
	if (x->script != NULL || b->xf != NULL || x->command == NULL)
		return 0;
	if ((b->command = ssh_batch_wrap(b, x->command)) == NULL)
		return ops_err_errno(err, OPS_E_NOMEM, "build command");
	return 0;
}

static int
batch_new(struct ssh_engine *eng, const struct ssh_target *t, size_t n,
    const struct ssh_exec *x, const struct ssh_xfer *xf,
    struct ssh_batch **out, struct ops_err *err)
{
	struct ssh_batch *b;
	size_t i;
	int rc;

	*out = NULL;
	if (n > 0 && t == NULL)
		return ops_err_set(err, OPS_E_INVAL,
		    "start SSH run: no targets");
	for (i = 0; i < n; i++) {
		if (t[i].name == NULL || t[i].host == NULL)
			return ops_err_set(err, OPS_E_INVAL,
			    "start SSH run: target %zu has no name or host", i);
	}
	if ((b = calloc(1, sizeof(*b))) == NULL)
		return ops_err_errno(err, OPS_E_NOMEM, "allocate SSH run");
	b->eng = eng;
	b->ldirfd = -1;
	b->xf = xf;
	if (xf != NULL) {
		b->xbuf.timeout_ms = xf->timeout_ms;
		b->xbuf.on_done = xf->on_done;
		b->xbuf.arg = xf->arg;
		x = &b->xbuf;
	}
	b->x = x;
	b->n = n;
	b->cap = x->output_cap ? x->output_cap : DEFAULT_CAP;
	if ((rc = batch_command(b, err)) != 0)
		goto fail;
	if (xf != NULL && (rc = ssh_batch_xfer_prepare(b, err)) != 0)
		goto fail;
	if (n > 0 && ((b->jobs = calloc(n, sizeof(*b->jobs))) == NULL ||
	    (b->results = calloc(n, sizeof(*b->results))) == NULL)) {
		rc = ops_err_errno(err, OPS_E_NOMEM,
		    "allocate SSH run of %zu targets", n);
		goto fail;
	}
	for (i = 0; i < n; i++) {
		struct ssh_job *j = &b->jobs[i];

		j->b = b;
		j->idx = i;
		j->t = &t[i];
		j->r = &b->results[i];
		j->r->target = t[i].name;
		j->r->exit_status = -1;
		j->state = JOB_PENDING;
		j->ldir = -1;
		j->lfd = -1;
		if (eng->pend_tail != NULL)
			eng->pend_tail->next_pending = j;
		else
			eng->pend_head = j;
		eng->pend_tail = j;
	}
	*out = b;
	ssh_engine_schedule(eng);
	return 0;
fail:
	ssh_batch_xfer_free(b);
	secret_free(b->pre);
	free(b->command);
	free(b->jobs);
	free(b->results);
	free(b);
	return rc;
}

int
ssh_batch_start(struct ssh_engine *eng, const struct ssh_target *t,
    size_t n, const struct ssh_exec *x, struct ssh_batch **out,
    struct ops_err *err)
{
	*out = NULL;
	if (x == NULL || (x->command == NULL && x->script == NULL))
		return ops_err_set(err, OPS_E_INVAL,
		    "start SSH run: no command and no script");
	return batch_new(eng, t, n, x, NULL, out, err);
}

int
ssh_batch_start_xfer(struct ssh_engine *eng, const struct ssh_target *t,
    size_t n, const struct ssh_xfer *xf, struct ssh_batch **out,
    struct ops_err *err)
{
	*out = NULL;
	if (xf == NULL || xf->remote == NULL || xf->remote[0] == '\0' ||
	    (xf->dir != SSH_PUSH && xf->dir != SSH_PULL) ||
	    (xf->local == NULL && (xf->dir == SSH_PULL || xf->data == NULL)))
		return ops_err_set(err, OPS_E_INVAL,
		    "start SSH transfer: no direction, remote path or local "
		    "file");
	return batch_new(eng, t, n, NULL, xf, out, err);
}

int
ssh_batch_done(const struct ssh_batch *b)
{
	return b->ndone == b->n;
}

size_t
ssh_batch_count(const struct ssh_batch *b)
{
	return b->n;
}

void
ssh_batch_counts(const struct ssh_batch *b, size_t *nok, size_t *nfail)
{
	if (nok != NULL)
		*nok = b->nok;
	if (nfail != NULL)
		*nfail = b->ndone - b->nok;
}

const struct ssh_result *
ssh_batch_result(const struct ssh_batch *b, size_t i)
{
	return i < b->n ? &b->results[i] : NULL;
}

void
ssh_batch_free(struct ssh_batch *b)
{
	struct ssh_engine *eng;
	struct ssh_job **jp, *j;
	size_t i;

	if (b == NULL)
		return;
	eng = b->eng;
	/* drop our pending jobs from the queue */
	jp = &eng->pend_head;
	eng->pend_tail = NULL;
	while ((j = *jp) != NULL) {
		if (j->b == b) {
			*jp = j->next_pending;
			continue;
		}
		eng->pend_tail = j;
		jp = &j->next_pending;
	}
	for (i = 0; i < b->n; i++) {
		j = &b->jobs[i];
		if (j->state == JOB_FINISHED)
			continue;
		if (j->timer)
			evloop_timer_del(eng->loop, j->timer);
		if (j->conn != NULL) {
			struct ssh_conn *c = j->conn;

			ssh_sftp_release(j);
			c->job = NULL;
			j->conn = NULL;
			ssh_conn_destroy(c);
		}
		ssh_job_xfer_free(j);
		if (j->active)
			eng->st.active--;
	}
	for (i = 0; i < b->n; i++) {
		free(b->results[i].out.data);
		free(b->results[i].err.data);
	}
	ssh_batch_xfer_free(b);
	secret_free(b->pre);
	free(b->command);
	free(b->jobs);
	free(b->results);
	free(b);
	ssh_engine_schedule(eng);	/* slots freed for other batches */
}

int
ssh_engine_run(struct ssh_engine *eng, const struct ssh_target *t,
    size_t n, const struct ssh_exec *x, struct ssh_batch **out,
    struct ops_err *err)
{
	struct ssh_batch *b;
	int rc;

	*out = NULL;
	if ((rc = ssh_batch_start(eng, t, n, x, &b, err)) != 0)
		return rc;
	while (!ssh_batch_done(b)) {
		if ((rc = evloop_run_once(eng->loop, 0, err)) < 0) {
			ssh_batch_free(b);
			return rc;
		}
	}
	*out = b;
	return 0;
}

int
ssh_engine_xfer(struct ssh_engine *eng, const struct ssh_target *t,
    size_t n, const struct ssh_xfer *xf, struct ssh_batch **out,
    struct ops_err *err)
{
	struct ssh_batch *b;
	int rc;

	*out = NULL;
	if ((rc = ssh_batch_start_xfer(eng, t, n, xf, &b, err)) != 0)
		return rc;
	while (!ssh_batch_done(b)) {
		if ((rc = evloop_run_once(eng->loop, 0, err)) < 0) {
			ssh_batch_free(b);
			return rc;
		}
	}
	*out = b;
	return 0;
}

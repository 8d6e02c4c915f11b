/*
 * ssh-pool.c: idle authenticated sessions kept for the next run on the
 * same host, port, user and credentials; keepalives; idle expiry.
 */
#include <stdlib.h>
#include <string.h>

#include "ssh-int.h"

static long long
pool_idle_expired(struct evloop *loop, long long id, void *arg)
{
	struct ssh_conn *c = arg;

	c->timer = 0;
	c->eng->st.idle_closed++;
	ssh_conn_destroy(c);
	return EVLOOP_NOMORE;
}

static void
pool_idle_io(struct evloop *loop, int fd, void *arg, int mask)
{
	struct ssh_conn *c = arg;

	/* A pooled session has nothing to say: EOF, error or junk drop it. */
	c->eng->st.idle_closed++;
	ssh_conn_destroy(c);
}

/*
 * A session is reused only by the same target (name, endpoint, user and
 * the very same credential object): a session authenticated with one
 * credential is never lent to a target that holds another, and two
 * targets that happen to share an address keep their own sessions.
 */
struct ssh_conn *
ssh_pool_find(struct ssh_engine *eng, const struct ssh_target *t)
{
	struct ssh_conn *c;
	const char *user = ssh_target_user(t);
	unsigned port = ssh_target_port(t);

	for (c = eng->conns; c != NULL; c = c->next) {
		if (!c->in_pool || c->port != port || c->auth != t->auth ||
		    strcmp(c->name, t->name) != 0 ||
		    strcmp(c->host, t->host) != 0 || strcmp(c->user, user) != 0)
			continue;
		return c;
	}
	return NULL;
}

struct ssh_conn *
ssh_pool_take(struct ssh_engine *eng, const struct ssh_target *t)
{
	struct ssh_conn *c;

	if ((c = ssh_pool_find(eng, t)) != NULL)
		ssh_conn_unpool(c);
	return c;
}

void
ssh_pool_put(struct ssh_conn *c)
{
	struct ssh_engine *eng = c->eng;

	if (!eng->cfg.pool || c->state != CONN_READY) {
		ssh_conn_destroy(c);
		return;
	}
	c->in_pool = 1;
	eng->st.pooled++;
	if (evloop_timer_add(eng->loop, eng->cfg.idle_timeout_ms,
	    pool_idle_expired, c, &c->timer, NULL) != 0 ||
	    evloop_file_set(eng->loop, c->fd, EVLOOP_READ, pool_idle_io, c,
	    NULL) != 0)
		ssh_conn_destroy(c);
}

static long long
pool_keepalive(struct evloop *loop, long long id, void *arg)
{
	struct ssh_engine *eng = arg;
	struct ssh_conn *c;
	int next;

	for (c = eng->conns; c != NULL; c = c->next) {
		if (c->in_pool)
			libssh2_keepalive_send(c->sess, &next);
	}
	return (long long)eng->cfg.keepalive_s * 1000;
}

int
ssh_pool_start(struct ssh_engine *eng, struct ops_err *err)
{
	if (!eng->cfg.pool || eng->cfg.keepalive_s <= 0)
		return 0;
	return evloop_timer_add(eng->loop, (long long)eng->cfg.keepalive_s *
	    1000, pool_keepalive, eng, &eng->ka_timer, err);
}

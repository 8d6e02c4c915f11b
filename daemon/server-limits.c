/*
 * server-limits.c: what one local user may take from opsicled, so that
 * no socket-group member can lock the admin out or exhaust its memory.
 *
 * - A connection is admitted or refused at accept, from its SO_PEERCRED
 *   uid and role: a uid with no role, a uid with SERVER_MAX_PER_UID
 *   connections, or a non-admin once only SERVER_ADMIN_RESERVE slots are
 *   left gets one "error" frame and is closed at once, holding nothing.
 * - The memory of a connection's input buffer beyond SERVER_READ_FREE
 *   counts against a per-uid and a global budget for non-admins; a peer
 *   that passes one is dropped (the frame size before hello is capped by
 *   the reader itself, see OPS_PROTO_MAX_HELLO).
 * - The memory of output queues counts against a per-uid budget
 *   (non-admins) and a global one. To make room, a queue that does not
 *   drain goes: non-admins before admins, subscribers before clients
 *   awaiting a reply, the largest first.
 * Buffers are counted by what they allocate, not by what they hold: they
 * grow by doubling, so that is what the daemon's RSS follows.
 * - message-timeout: a message must be whole within that many seconds of
 *   its first byte (the hello, of the connection), however it trickles;
 *   a closing connection gets as long to take its last reply.
 * The counters are kept per uid so that every check is O(1); only making
 * room walks the clients.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "daemon.h"

/* One uid's share (acct in struct client). */
struct limits_uid {
	uid_t			 uid;
	size_t			 conns;
	size_t			 rd;	/* input buffers */
	size_t			 wr;	/* output queues */
	struct limits		*l;
	struct limits_uid	*next;
};

struct limits {
	struct limits_uid	*uids;
	size_t			 rd;	/* input buffers of non-admins */
	size_t			 wr;	/* output queues of everyone */
};

struct limits *
limits_new(void)
{
	return calloc(1, sizeof(struct limits));
}

void
limits_free(struct limits *l)
{
	struct limits_uid	*u;

	if (l == NULL)
		return;
	while ((u = l->uids) != NULL) {
		l->uids = u->next;
		free(u);
	}
	free(l);
}

static struct limits_uid *
limits_uid_get(struct limits *l, uid_t uid)
{
	struct limits_uid	*u;

	for (u = l->uids; u != NULL; u = u->next)
		if (u->uid == uid)
			return u;
	if ((u = calloc(1, sizeof(*u))) == NULL)
		return NULL;
	u->uid = uid;
	u->l = l;
	u->next = l->uids;
	l->uids = u;
	return u;
}

static void
limits_uid_put(struct limits_uid *u)
{
	struct limits_uid	**up;

	if (u->conns > 0)
		return;
	for (up = &u->l->uids; *up != NULL; up = &(*up)->next)
		if (*up == u) {
			*up = u->next;
			break;
		}
	free(u);
}

int
limits_admit(struct limits *l, struct client *c, size_t nclients,
    struct ops_err *err)
{
	struct ops_ctx		*ctx = server_ctx(c->srv);
	struct limits_uid	*u;
	int			 admin = c->role == CMD_ROLE_ADMIN;

	if (c->role == CMD_ROLE_NONE)
		return ops_err_set(err, OPS_E_PERM, "permission denied: %s is "
		    "not authorised to use opsicled on %.300s", c->actor,
		    ctx->paths.socket);
	if (nclients >= SERVER_MAX_CLIENTS ||
	    (!admin && nclients >= SERVER_MAX_CLIENTS - SERVER_ADMIN_RESERVE))
		return ops_err_set(err, OPS_E_TOOBIG, "opsicled has %zu "
		    "connections open (the last %d of %d are kept for "
		    "admins): refused %s", nclients, SERVER_ADMIN_RESERVE,
		    SERVER_MAX_CLIENTS, c->actor);
	if ((u = limits_uid_get(l, c->uid)) == NULL)
		return ops_err_set(err, OPS_E_NOMEM, "allocate the counters "
		    "of %s", c->actor);
	if (u->conns >= SERVER_MAX_PER_UID) {
		limits_uid_put(u);
		return ops_err_set(err, OPS_E_TOOBIG, "too many connections "
		    "from %s: %d open", c->actor, SERVER_MAX_PER_UID);
	}
	u->conns++;
	c->acct = u;
	return OPS_OK;
}

void
limits_charge(struct client *c)
{
	struct limits_uid	*u = c->acct;
	size_t			 rd = c->rd.size;
	size_t			 wr = c->wr.size;

	if (u == NULL)
		return;
	u->rd = u->rd - c->held_rd + rd;
	u->wr = u->wr - c->held_wr + wr;
	if (c->role != CMD_ROLE_ADMIN)
		u->l->rd = u->l->rd - c->held_rd + rd;
	u->l->wr = u->l->wr - c->held_wr + wr;
	c->held_rd = rd;
	c->held_wr = wr;
}

void
limits_release(struct client *c)
{
	struct limits_uid	*u = c->acct;

	if (u == NULL)
		return;
	u->rd -= c->held_rd;
	u->wr -= c->held_wr;
	if (c->role != CMD_ROLE_ADMIN)
		u->l->rd -= c->held_rd;
	u->l->wr -= c->held_wr;
	c->held_rd = c->held_wr = 0;
	u->conns--;
	c->acct = NULL;
	limits_uid_put(u);
}

int
limits_read_ok(const struct client *c, struct ops_err *err)
{
	const struct limits_uid	*u = c->acct;

	if (u == NULL || c->role == CMD_ROLE_ADMIN ||
	    c->held_rd <= SERVER_READ_FREE)
		return OPS_OK;
	if (u->rd > SERVER_READ_PER_UID)
		return ops_err_set(err, OPS_E_TOOBIG, "unfinished requests "
		    "of %s hold %zu bytes, limit %d", c->actor, u->rd,
		    SERVER_READ_PER_UID);
	if (u->l->rd > SERVER_READ_BUDGET)
		return ops_err_set(err, OPS_E_TOOBIG, "unfinished requests "
		    "of all users hold %zu bytes, limit %d: try again later",
		    u->l->rd, SERVER_READ_BUDGET);
	return OPS_OK;
}

/* Who goes first to make room: higher is dropped sooner. */
static int
limits_rank(const struct client *v)
{
	return (v->role != CMD_ROLE_ADMIN) * 2 +
	    (v->ev_streams != 0 || v->follow_id != 0);
}

/*
 * The client to drop to bring the budgets back: the one with the highest
 * rank and then the largest queue, c (which just queued) included.
 */
static struct client *
limits_victim(struct client *c, int same_uid)
{
	struct client	*v, *best = c;
	size_t		 size, best_size = c->held_wr;
	int		 rank, best_rank = limits_rank(c);

	for (v = server_clients(c->srv); v != NULL; v = v->next) {
		if (v == c || v->closing || proto_writer_pending(&v->wr) == 0 ||
		    (same_uid && v->acct != c->acct))
			continue;
		rank = limits_rank(v);
		size = v->held_wr;
		if (rank > best_rank || (rank == best_rank &&
		    size > best_size)) {
			best = v;
			best_rank = rank;
			best_size = size;
		}
	}
	return best;
}

int
limits_write_room(struct client *c, struct ops_err *err)
{
	struct ops_ctx	*ctx = server_ctx(c->srv);
	struct limits	*l;
	struct client	*v;
	int		 over_uid, over_all, rc;

	if (c->acct == NULL)
		return OPS_OK;	/* a refusal at accept: one small frame */
	l = c->acct->l;
	for (;;) {
		over_uid = c->role != CMD_ROLE_ADMIN &&
		    c->acct->wr > SERVER_WRITE_PER_UID;
		over_all = l->wr > SERVER_WRITE_BUDGET;
		if (!over_uid && !over_all)
			return OPS_OK;
		v = limits_victim(c, over_uid);
		rc = ops_err_set(err, OPS_E_TOOBIG, "it does not read, and "
		    "the %s for output queues (%d bytes) is used up",
		    over_uid ? "budget of its uid" : "daemon's budget",
		    over_uid ? SERVER_WRITE_PER_UID : SERVER_WRITE_BUDGET);
		if (v == c)
			return rc;
		/* Each turn empties one more queue: the loop ends. */
		log_warnx(&ctx->log, "dropping %s: %s", v->actor,
		    ops_err_msg(err));
		client_discard(v);
	}
}

const char *
limits_overdue(const struct client *c, long long now, long long limit_ms)
{
	if (c->closing && proto_writer_pending(&c->wr) == 0)
		return "";
	if (c->closing)
		return now - c->active_ms >= limit_ms ? "did not take its "
		    "last reply" : NULL;
	if (c->frame_ms == 0 || now - c->frame_ms < limit_ms)
		return NULL;
	return c->greeted ? "did not finish a message" :
	    "sent no whole hello";
}

void
limits_frame_progress(struct client *c, int got)
{
	if (proto_reader_pending(&c->rd) == 0 && c->greeted)
		c->frame_ms = 0;
	else if (got || c->frame_ms == 0)
		c->frame_ms = evloop_now_ms();
}

/*
 * server-client.c: one client connection. Client input is not trusted:
 * the reader checks every frame against the protocol table, and any
 * malformed, truncated, oversized or out-of-order input gets one "error"
 * reply and the connection is dropped; the daemon and other clients carry
 * on. Each request then goes to its row of the operation table
 * (dispatch.c), which checks the role and the store before the handler
 * runs and wraps OP_TX requests with their audit record in one store
 * transaction.
 */
#include "config.h"

#include <sys/socket.h>

#include <errno.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "daemon.h"

static void	client_io(struct evloop *, int, void *, int);

/* Re-arm the poll mask, or drop the client once it is done. */
static int
client_update(struct client *c)
{
	struct ops_ctx	*ctx = server_ctx(c->srv);
	int		 mask = 0;

	if (proto_writer_pending(&c->wr) > 0)
		mask |= EVLOOP_WRITE;
	else if (c->closing) {
		server_remove_client(c->srv, c);
		return -1;
	}
	if (!c->closing)
		mask |= EVLOOP_READ;
	if (evloop_file_set(ctx->loop, c->fd, mask, client_io, c,
	    NULL) != OPS_OK) {
		server_remove_client(c->srv, c);
		return -1;
	}
	return 0;
}

/*
 * After queueing to c: keep the output budgets of server-limits.c (which
 * may drop other clients' queues); on failure c's own queue is dropped.
 */
static int
client_fit(struct client *c, struct ops_err *err)
{
	int	rc;

	limits_charge(c);
	if ((rc = limits_write_room(c, err)) != OPS_OK) {
		proto_writer_done(&c->wr);
		proto_writer_init(&c->wr, 0);
		limits_charge(c);
	}
	return rc;
}

void
client_discard(struct client *c)
{
	struct ops_ctx	*ctx = server_ctx(c->srv);

	proto_writer_done(&c->wr);
	proto_writer_init(&c->wr, 0);
	limits_charge(c);
	c->closing = 1;
	/* Reaped on its next turn, or by server.c's timer. */
	(void)evloop_file_set(ctx->loop, c->fd, EVLOOP_READ, client_io, c,
	    NULL);
}

/* Send msg, a reply to a request of type request (PROTO_NONE: not a
 * reply); the log shows a reply's body only when request allows it. */
static void
client_send_as(struct client *c, const json_t *msg, enum proto_type request)
{
	struct ops_ctx	*ctx = server_ctx(c->srv);
	struct ops_err	 err;
	char		 desc[256];

	if (proto_writer_queue(&c->wr, msg, &err) != OPS_OK ||
	    client_fit(c, &err) != OPS_OK) {
		log_warnx(&ctx->log, "client uid %ld: %s", (long)c->uid,
		    ops_err_msg(&err));
		c->closing = 1;
		return;
	}
	if (ctx->log.level >= LOG_LEVEL_DEBUG)
		log_debug(&ctx->log, "-> uid %ld: %s", (long)c->uid,
		    proto_describe_reply(msg, request, desc, sizeof(desc)));
	if (proto_writer_flush(&c->wr, c->fd, &err) != OPS_OK) {
		proto_writer_done(&c->wr);
		proto_writer_init(&c->wr, 0);
		c->closing = 1;
	}
	limits_charge(c);
}

void
client_send(struct client *c, const json_t *msg)
{
	client_send_as(c, msg, PROTO_NONE);
}

/* An error reply to a request of type request. */
static void
client_reply_error(struct client *c, long long id, int code,
    const char *message, enum proto_type request)
{
	json_t	*m;

	if ((m = proto_error_new(id < 0 ? 0 : id, code, message)) == NULL) {
		c->closing = 1;
		return;
	}
	client_send_as(c, m, request);
	json_decref(m);
}

void
client_send_frame(struct client *c, const unsigned char *frame, size_t len)
{
	struct ops_ctx	*ctx = server_ctx(c->srv);
	struct ops_err	 err;
	int		 mask;

	if (c->closing)
		return;
	if (proto_writer_queue_frame(&c->wr, frame, len, &err) != OPS_OK ||
	    client_fit(c, &err) != OPS_OK) {
		log_warnx(&ctx->log, "client %s is not reading: dropping it "
		    "(%s)", c->actor, ops_err_msg(&err));
		proto_writer_done(&c->wr);
		proto_writer_init(&c->wr, 0);
		c->closing = 1;
	} else if (proto_writer_flush(&c->wr, c->fd, &err) != OPS_OK) {
		proto_writer_done(&c->wr);
		proto_writer_init(&c->wr, 0);
		c->closing = 1;
	}
	limits_charge(c);
	/* Never free here: a closing client is reaped on its next turn. */
	mask = c->closing ? EVLOOP_WRITE : EVLOOP_READ;
	if (proto_writer_pending(&c->wr) > 0)
		mask |= EVLOOP_WRITE;
	(void)evloop_file_set(ctx->loop, c->fd, mask, client_io, c, NULL);
}

void
client_send_later(struct client *c, const json_t *msg)
{
	unsigned char	*frame = NULL;
	size_t		 len;

	if (proto_frame_encode(msg, &frame, &len, NULL) != OPS_OK) {
		c->closing = 1;
		return;
	}
	client_send_frame(c, frame, len);
	free(frame);
}

void
client_send_error(struct client *c, long long id, int code,
    const char *message)
{
	client_reply_error(c, id, code, message, PROTO_NONE);
}

int
client_new(struct server *srv, int fd, struct client **out,
    struct ops_err *err)
{
	struct ops_ctx	*ctx = server_ctx(srv);
	struct client	*c;
	struct ucred	 cred;
	struct passwd	 pw, *pwp = NULL;
	socklen_t	 len = sizeof(cred);
	char		 buf[1024];
	int		 rc;

	*out = NULL;
	if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cred, &len) == -1)
		return ops_err_errno(err, OPS_E_IO, "read peer credentials");
	if ((c = calloc(1, sizeof(*c))) == NULL)
		return ops_err_set(err, OPS_E_NOMEM, "allocate client");
	c->srv = srv;
	c->fd = fd;
	c->uid = cred.uid;
	c->gid = cred.gid;
	c->pid = cred.pid;
	c->active_ms = evloop_now_ms();
	c->frame_ms = c->active_ms;	/* the hello is due */
	c->role = acl_role_of(ctx, c->uid, c->gid);
	if (getpwuid_r(c->uid, &pw, buf, sizeof(buf), &pwp) == 0 &&
	    pwp != NULL)
		snprintf(c->actor, sizeof(c->actor), "%.40s(%ld)",
		    pw.pw_name, (long)c->uid);
	else
		snprintf(c->actor, sizeof(c->actor), "uid %ld",
		    (long)c->uid);
	proto_reader_init(&c->rd, PROTO_ACCEPT_DAEMON);
	proto_reader_set_max(&c->rd, OPS_PROTO_MAX_HELLO);
	proto_writer_init(&c->wr, 0);
	if ((rc = evloop_file_add(ctx->loop, fd, EVLOOP_READ, client_io, c,
	    err)) != OPS_OK) {
		proto_reader_done(&c->rd);
		proto_writer_done(&c->wr);
		free(c);
		return rc;
	}
	log_debug(&ctx->log, "connection from %s pid %ld, role %s",
	    c->actor, (long)c->pid, cmd_role_name(c->role));
	*out = c;
	return OPS_OK;
}

/*
 * A result its request's row in PROTO_TYPES does not declare is a broken
 * invariant (a handler and proto.h disagree): always logged, as a bug,
 * with the type and the key; fatal when OPSICLE_REPLY_CHECK is "fatal",
 * as the test suite sets it, so such a handler fails the suite. The reply
 * itself still goes out: a client may well cope with it.
 */
void
client_reply_check(struct client *c, enum proto_type type,
    const json_t *result)
{
	struct ops_err	 err;
	const char	*knob;

	if (proto_reply_check(type, result, &err) == OPS_OK)
		return;
	log_warnx(&server_ctx(c->srv)->log, "bug: ok reply to %s does not "
	    "match core/proto.h: %s", proto_type_name(type), ops_err_msg(&err));
	if ((knob = getenv("OPSICLE_REPLY_CHECK")) != NULL &&
	    strcmp(knob, "fatal") == 0)
		abort();
}

/* ---- deferred replies (see daemon.h) ------------------------------------ */

struct client_defer {
	struct client		*c;	/* NULL once the client is gone */
	long long		 id;	/* request id to answer */
	enum proto_type		 type;	/* its type, for client_reply_check */
	struct client_defer	*next;	/* in c->defers */
};

struct client_defer *
client_defer(struct client *c, const json_t *msg)
{
	struct client_defer	*d;

	if (!c->defer_ok) {
		/* A broken invariant: only OP_DEFER ops answer later. */
		log_warnx(&server_ctx(c->srv)->log, "bug: deferred reply "
		    "outside an OP_DEFER op");
		abort();
	}
	if ((d = calloc(1, sizeof(*d))) == NULL)
		return NULL;
	d->c = c;
	d->id = proto_msg_id(msg);
	d->type = proto_msg_type(msg);
	d->next = c->defers;
	c->defers = d;
	c->defer_reply = 1;
	return d;
}

int
client_defer_alive(const struct client_defer *d)
{
	return d != NULL && d->c != NULL && !d->c->closing;
}

/* Take d off its client's list and free it. */
static void
client_defer_drop(struct client_defer *d)
{
	struct client_defer	**dp;

	if (d->c != NULL) {
		for (dp = &d->c->defers; *dp != NULL; dp = &(*dp)->next)
			if (*dp == d) {
				*dp = d->next;
				break;
			}
	}
	free(d);
}

void
client_defer_ok(struct client_defer *d, json_t *result)
{
	json_t	*reply = NULL;

	if (d == NULL) {
		json_decref(result);
		return;
	}
	if (d->c != NULL) {
		client_reply_check(d->c, d->type, result);
		if ((reply = proto_msg_new(PROTO_OK, d->id)) == NULL ||
		    (result != NULL && proto_add_json(reply, "result", result,
		    NULL) != OPS_OK)) {
			if (reply == NULL)
				json_decref(result);
			json_decref(reply);
			reply = proto_error_new(d->id, OPS_E_NOMEM,
			    "build reply");
			if (reply != NULL)
				client_send_later(d->c, reply);
			else
				d->c->closing = 1;
		} else
			client_send_later(d->c, reply);
		result = NULL;
	}
	json_decref(result);
	json_decref(reply);
	client_defer_drop(d);
}

void
client_defer_error(struct client_defer *d, int code, const char *message)
{
	json_t	*reply;

	if (d == NULL)
		return;
	if (d->c != NULL) {
		if ((reply = proto_error_new(d->id, code, message)) != NULL)
			client_send_later(d->c, reply);
		else
			d->c->closing = 1;
		json_decref(reply);
	}
	client_defer_drop(d);
}

void
client_defer_send(struct client_defer *d, const json_t *msg)
{
	if (client_defer_alive(d))
		client_send_later(d->c, msg);
}

/* The client goes away: its pending answers are dropped when they come. */
static void
client_defer_orphan(struct client *c)
{
	struct client_defer	*d, *next;

	for (d = c->defers; d != NULL; d = next) {
		next = d->next;
		d->c = NULL;
		d->next = NULL;
	}
	c->defers = NULL;
}

/* ---- end of deferred replies -------------------------------------------- */

void
client_free(struct client *c)
{
	struct ops_ctx	*ctx;

	if (c == NULL)
		return;
	client_defer_orphan(c);
	limits_release(c);
	ctx = server_ctx(c->srv);
	evloop_file_del(ctx->loop, c->fd, EVLOOP_READ | EVLOOP_WRITE);
	close(c->fd);
	proto_reader_done(&c->rd);
	proto_writer_done(&c->wr);
	free(c);
}

static int
client_hello(struct client *c, const json_t *msg, long long id,
    struct ops_err *err)
{
	struct ops_ctx	*ctx = server_ctx(c->srv);
	const char	*name;
	json_t		*r;
	int		 rc;

	/* which channel its approvals come through (approval.h) */
	name = json_string_value(json_object_get(msg, "client"));
	c->console = name != NULL && strncmp(name, "opsicle-console ",
	    16) == 0;

	if ((r = proto_msg_new(PROTO_HELLO_REPLY, id)) == NULL)
		return ops_err_set(err, OPS_E_NOMEM, "build hello-reply");
	if ((rc = proto_add_str(r, "server", "opsicled " PACKAGE_VERSION,
	    err)) != OPS_OK ||
	    (rc = proto_add_int(r, "pid", (long long)getpid(), err)) != OPS_OK ||
	    (rc = proto_add_bool(r, "locked", ctx->store == NULL,
	    err)) != OPS_OK ||
	    (rc = proto_add_str(r, "role", cmd_role_name(c->role),
	    err)) != OPS_OK ||
	    (rc = proto_add_int(r, "uid", (long long)c->uid, err)) != OPS_OK) {
		json_decref(r);
		return rc;
	}
	c->greeted = 1;
	proto_reader_set_max(&c->rd, 0);	/* whole frames from now on */
	client_send(c, r);
	json_decref(r);
	return OPS_OK;
}

static void
client_dispatch(struct client *c, json_t *msg, enum proto_type type)
{
	struct ops_ctx			*ctx = server_ctx(c->srv);
	const struct dispatch_op	*op;
	struct ops_err			 err;
	json_t				*result = NULL, *reply;
	long long			 id = proto_msg_id(msg);
	char				 desc[512];
	int				 rc;

	ops_err_clear(&err);
	if (ctx->log.level >= LOG_LEVEL_DEBUG)
		log_debug(&ctx->log, "<- %s: %s", c->actor,
		    proto_describe(msg, desc, sizeof(desc)));
	/* Unknown users are refused at accept (server-limits.c). */
	if (c->role == CMD_ROLE_NONE) {
		c->closing = 1;
		return;
	}
	if (type == PROTO_HELLO) {	/* its row says OP_CONN */
		if (client_hello(c, msg, id, &err) != OPS_OK) {
			client_send_error(c, id, err.code, ops_err_msg(&err));
			c->closing = 1;
		}
		return;
	}
	if (!c->greeted) {
		client_send_error(c, id, OPS_E_PROTO, "protocol error: the "
		    "first message must be hello");
		c->closing = 1;
		return;
	}
	if ((op = dispatch_find(type)) == NULL || op->fn == NULL) {
		snprintf(desc, sizeof(desc), "%s is not supported by this "
		    "opsicled yet", proto_type_name(type));
		client_send_error(c, id, OPS_E_INVAL, desc);
		return;
	}
	if ((rc = dispatch_admit(ctx, c, op, &err)) != OPS_OK) {
		client_send_error(c, id, rc, ops_err_msg(&err));
		return;
	}
	if ((rc = dispatch_call(ctx, c, op, msg, &result, &err)) != OPS_OK) {
		if (!(proto_type_flags(type) & PROTO_F_SENSITIVE_REPLY)) {
			dispatch_op_name(op, desc, sizeof(desc));
			log_debug(&ctx->log, "%s for %s: %s", desc, c->actor,
			    ops_err_msg(&err));
		}
		client_reply_error(c, id, rc, ops_err_msg(&err), type);
		return;
	}
	if (c->defer_reply) {		/* the handler answers later */
		json_decref(result);
		return;
	}
	client_reply_check(c, type, result);
	if ((reply = proto_msg_new(PROTO_OK, id)) == NULL ||
	    (result != NULL && proto_add_json(reply, "result", result,
	    &err) != OPS_OK)) {
		if (reply == NULL)
			json_decref(result);
		json_decref(reply);
		client_send_error(c, id, OPS_E_NOMEM, "build reply");
		return;
	}
	client_send_as(c, reply, type);
	json_decref(reply);
}

static void
client_io(struct evloop *loop, int fd, void *arg, int mask)
{
	struct client	*c = arg;
	struct ops_ctx	*ctx = server_ctx(c->srv);
	struct ops_err	 err;
	enum proto_type	 type;
	json_t		*msg;
	int		 eof = 0, got = 0, rc;

	(void)loop;
	(void)fd;
	c->active_ms = evloop_now_ms();
	if (mask & EVLOOP_WRITE) {
		if (proto_writer_flush(&c->wr, c->fd, &err) != OPS_OK) {
			server_remove_client(c->srv, c);
			return;
		}
	}
	if ((mask & (EVLOOP_READ | EVLOOP_ERROR)) && !c->closing) {
		if (proto_reader_fill(&c->rd, c->fd, &eof, &err) != OPS_OK) {
			server_remove_client(c->srv, c);
			return;
		}
		while (!c->closing) {
			msg = NULL;
			rc = proto_reader_next(&c->rd, &msg, &type, &err);
			if (rc != OPS_OK) {
				log_info(&ctx->log, "dropping %s: %s",
				    c->actor, ops_err_msg(&err));
				client_send_error(c, c->rd.bad_id, rc,
				    ops_err_msg(&err));
				c->closing = 1;
				break;
			}
			if (msg == NULL)
				break;
			got = 1;
			client_dispatch(c, msg, type);
			json_decref(msg);
		}
		limits_charge(c);
		limits_frame_progress(c, got);
		if (!c->closing && limits_read_ok(c, &err) != OPS_OK) {
			log_warnx(&ctx->log, "dropping %s: %s", c->actor,
			    ops_err_msg(&err));
			client_send_error(c, 0, OPS_E_TOOBIG,
			    ops_err_msg(&err));
			c->closing = 1;
		}
		if (eof) {
			if (!c->closing && proto_reader_pending(&c->rd) > 0)
				log_info(&ctx->log, "%s closed mid-frame",
				    c->actor);
			c->closing = 1;
		}
	} else if ((mask & EVLOOP_ERROR) && !(mask & EVLOOP_WRITE)) {
		server_remove_client(c->srv, c);
		return;
	}
	limits_charge(c);
	(void)client_update(c);
}

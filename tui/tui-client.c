/*
 * tui-client.c: the console's connection to opsicled. It is opened with
 * client.c (connect, autostart, hello) and then switched to non-blocking
 * and put on the event loop: requests are queued on the writer and sent
 * when the socket takes them, replies are matched to their callback by
 * id, events go to the jobs model (tui-jobs.c). When
 * the daemon goes away every pending callback runs with OPS_E_CONNECT,
 * and the console is told (tui->lost), never left waiting.
 */
#include "config.h"

#include <fcntl.h>
#include <stdlib.h>
#include <string.h>

#include "tui-screen.h"

static void	conn_io(struct evloop *, int, void *, int);

static void
conn_interest(struct tconn *tc)
{
	int	mask = EVLOOP_READ;

	if (!tc->up)
		return;
	if (proto_writer_pending(&tc->c.wr) > 0)
		mask |= EVLOOP_WRITE;
	(void)evloop_file_set(tc->loop, tc->c.fd, mask, conn_io, tc, NULL);
}

/* Fail every pending request and close. */
static void
conn_lost(struct tconn *tc, const char *why)
{
	struct tconn_pending	*p = tc->pend;
	size_t			 n = tc->npend, i;
	struct tui		*t = tc->t;

	if (!tc->up)
		return;
	evloop_file_set(tc->loop, tc->c.fd, EVLOOP_NONE, NULL, NULL, NULL);
	client_close(&tc->c);
	tc->up = 0;
	tc->pend = NULL;
	tc->npend = tc->pend_size = 0;
	t->lost = 1;
	snprintf(t->lost_why, sizeof(t->lost_why), "%s", why);
	t->dirty = 1;
	for (i = 0; i < n; i++)
		p[i].cb(t, OPS_E_CONNECT, NULL, why, p[i].arg);
	free(p);
}

static void
dispatch(struct tconn *tc, json_t *msg, enum proto_type type)
{
	long long	 id = proto_msg_id(msg), code = OPS_E_INTERNAL;
	const char	*text = NULL;
	struct tconn_pending p;
	size_t		 i;

	if (proto_type_flags(type) & PROTO_F_EVENT) {
		jobs_event(tc->t, type, msg);
		return;
	}
	for (i = 0; i < tc->npend; i++)
		if (tc->pend[i].id == id)
			break;
	if (i == tc->npend)
		return;
	p = tc->pend[i];
	memmove(&tc->pend[i], &tc->pend[i + 1],
	    (tc->npend - i - 1) * sizeof(*tc->pend));
	tc->npend--;
	if (type == PROTO_ERROR) {
		(void)proto_get_int(msg, "code", -1000, 0, &code, NULL);
		(void)proto_get_str(msg, "message", &text,
		    OPS_PROTO_MAX_FRAME, NULL);
		p.cb(tc->t, code < 0 ? (int)code : OPS_E_INTERNAL, NULL,
		    text != NULL ? text : "error", p.arg);
		return;
	}
	p.cb(tc->t, OPS_OK, json_object_get(msg, "result"), NULL, p.arg);
}

static void
conn_io(struct evloop *loop, int fd, void *arg, int mask)
{
	struct tconn	*tc = arg;
	struct ops_err	 err;
	enum proto_type	 type;
	json_t		*msg;
	int		 eof = 0;

	(void)loop;
	(void)fd;
	if (mask & EVLOOP_WRITE) {
		if (proto_writer_flush(&tc->c.wr, tc->c.fd, &err) != OPS_OK) {
			conn_lost(tc, ops_err_msg(&err));
			return;
		}
	}
	if (mask & (EVLOOP_READ | EVLOOP_ERROR)) {
		if (proto_reader_fill(&tc->c.rd, tc->c.fd, &eof,
		    &err) != OPS_OK) {
			conn_lost(tc, ops_err_msg(&err));
			return;
		}
		for (;;) {
			if (proto_reader_next(&tc->c.rd, &msg, &type,
			    &err) != OPS_OK) {
				conn_lost(tc, ops_err_msg(&err));
				return;
			}
			if (msg == NULL)
				break;
			dispatch(tc, msg, type);
			json_decref(msg);
			if (!tc->up)
				return;
		}
		if (eof) {
			conn_lost(tc, "opsicled closed the connection");
			return;
		}
	}
	conn_interest(tc);
}

int
tconn_open(struct tconn *tc, struct tui *t, struct evloop *loop,
    int may_start, struct ops_err *err)
{
	int	rc, fl;

	memset(tc, 0, sizeof(*tc));
	tc->loop = loop;
	tc->t = t;
	if ((rc = client_open_as(&tc->c, may_start, "opsicle-console",
	    err)) != OPS_OK) {
		client_close(&tc->c);
		return rc;
	}
	if ((fl = fcntl(tc->c.fd, F_GETFL)) == -1 ||
	    fcntl(tc->c.fd, F_SETFL, fl | O_NONBLOCK) == -1) {
		rc = ops_err_errno(err, OPS_E_IO, "make the socket to %s "
		    "non-blocking", tc->c.paths.socket);
		client_close(&tc->c);
		return rc;
	}
	tc->up = 1;
	conn_interest(tc);
	return OPS_OK;
}

int
tconn_request(struct tconn *tc, json_t *msg, tconn_cb *cb, void *arg)
{
	struct tconn_pending	*p;
	struct ops_err		 err;
	size_t			 size;

	if (!tc->up) {
		cb(tc->t, OPS_E_CONNECT, NULL, "not connected to opsicled",
		    arg);
		return OPS_E_CONNECT;
	}
	if (tc->npend == tc->pend_size) {
		size = tc->pend_size == 0 ? 16 : tc->pend_size * 2;
		if ((p = realloc(tc->pend, size * sizeof(*p))) == NULL) {
			cb(tc->t, OPS_E_NOMEM, NULL, "out of memory", arg);
			return OPS_E_NOMEM;
		}
		tc->pend = p;
		tc->pend_size = size;
	}
	json_object_set_new(msg, "id", json_integer(tc->c.next_id));
	if (proto_writer_queue(&tc->c.wr, msg, &err) != OPS_OK) {
		cb(tc->t, err.code, NULL, ops_err_msg(&err), arg);
		return err.code;
	}
	p = &tc->pend[tc->npend++];
	p->id = tc->c.next_id++;
	p->cb = cb;
	p->arg = arg;
	conn_interest(tc);
	return OPS_OK;
}

void
tconn_close(struct tconn *tc)
{
	if (tc->up) {
		evloop_file_set(tc->loop, tc->c.fd, EVLOOP_NONE, NULL, NULL,
		    NULL);
		client_close(&tc->c);
	}
	tc->up = 0;
	free(tc->pend);
	tc->pend = NULL;
	tc->npend = tc->pend_size = 0;
}

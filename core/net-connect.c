/*
 * net-connect.c: resolve off the loop, then try each address in turn.
 * See net-connect.h.
 */
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <sys/types.h>

#include <errno.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "net-connect.h"

#define NC_LABEL_MAX	300

/*
 * A name lookup shared with its helper thread (refs): whichever side lets
 * go last frees it, so a connector freed mid-lookup never waits.
 */
struct nc_resolve {
	pthread_mutex_t	 mu;
	int		 refs;
	int		 efd;
	int		 rc;		/* getaddrinfo's answer */
	int		 sys_errno;	/* errno for EAI_SYSTEM */
	struct addrinfo	*ai;
	char		 port[16];
	char		 host[];
};

struct nc_addr {
	int			 family;
	int			 protocol;
	socklen_t		 len;
	struct sockaddr_storage	 ss;
};

struct net_connect {
	struct evloop	*loop;
	net_connect_cb	*cb;
	void		*arg;
	struct nc_resolve *res;		/* lookup in flight */
	struct nc_addr	*addrs;
	size_t		 naddrs;
	size_t		 next;		/* next address to try */
	unsigned	 attempts;
	int		 fd;		/* attempt in flight, or -1 */
	int		 last_errno;
	int		 in_start;	/* inside net_connect_start */
	int		 done;		/* the callback ran or is queued */
	long long	 defer;		/* timer delivering a start failure */
	struct net_connect_result pend;	/* the failure it delivers */
	char		 label[NC_LABEL_MAX];
};

static void	nc_try_next(struct net_connect *nc);
static void	nc_release_all(struct net_connect *nc);

/* ---- the result ---------------------------------------------------------- */

static void
nc_result_init(struct net_connect *nc, struct net_connect_result *r,
    enum net_connect_class cls, int sys_errno, const char *why)
{
	memset(r, 0, sizeof(*r));
	r->fd = -1;
	r->cls = cls;
	r->sys_errno = sys_errno;
	r->attempts = nc->attempts;
	snprintf(r->why, sizeof(r->why), "%s", why);
	switch (cls) {
	case NET_CONNECT_OK:
		r->status = OPS_OK;
		break;
	case NET_CONNECT_RESOLVE:
		r->status = ops_err_set(&r->err, OPS_E_CONNECT,
		    "resolve %s: %s", nc->label, r->why);
		break;
	case NET_CONNECT_INTERNAL:
		r->status = ops_err_set(&r->err, OPS_E_NOMEM,
		    "connect to %s: %s", nc->label, r->why);
		break;
	default:
		r->status = ops_err_set(&r->err, OPS_E_CONNECT,
		    "connect to %s: %s", nc->label, r->why);
		break;
	}
}


/*
 * Hand r to the callback. Nothing of nc is touched afterwards: the callback
 * may free it.
 */
static void
nc_deliver(struct net_connect *nc, const struct net_connect_result *r)
{
	struct net_connect_result copy = *r;

	nc->done = 1;
	nc_release_all(nc);
	nc->cb(nc, &copy, nc->arg);
}

static long long
nc_deferred(struct evloop *loop, long long id, void *arg)
{
	struct net_connect *nc = arg;

	nc->defer = 0;
	nc_deliver(nc, &nc->pend);
	return EVLOOP_NOMORE;
}

/* A failure: delivered now, or from a 0 ms timer when inside start. */
static void
nc_fail(struct net_connect *nc, enum net_connect_class cls, int sys_errno,
    const char *why)
{
	struct net_connect_result r;

	nc_result_init(nc, &r, cls, sys_errno, why);
	if (!nc->in_start) {
		nc_deliver(nc, &r);
		return;
	}
	nc->pend = r;
	nc->done = 1;
	nc_release_all(nc);
	/* If the timer cannot be had, nc_started fails the start instead. */
	(void)evloop_timer_add(nc->loop, 0, nc_deferred, nc, &nc->defer,
	    NULL);
}

/* ---- name lookup ---------------------------------------------------------- */

static void
nc_resolve_release(struct nc_resolve *r)
{
	int last;

	pthread_mutex_lock(&r->mu);
	last = --r->refs == 0;
	pthread_mutex_unlock(&r->mu);
	if (!last)
		return;
	close(r->efd);
	if (r->ai != NULL)
		freeaddrinfo(r->ai);
	pthread_mutex_destroy(&r->mu);
	free(r);
}

static void *
nc_resolve_thread(void *arg)
{
	struct nc_resolve *r = arg;
	struct addrinfo hints, *ai = NULL;
	uint64_t one = 1;
	int rc, e;

	memset(&hints, 0, sizeof(hints));
	hints.ai_family = AF_UNSPEC;
	hints.ai_socktype = SOCK_STREAM;
	hints.ai_flags = AI_NUMERICSERV;
	rc = getaddrinfo(r->host, r->port, &hints, &ai);
	e = errno;
	pthread_mutex_lock(&r->mu);
	r->rc = rc;
	r->sys_errno = rc == EAI_SYSTEM ? e : 0;
	r->ai = ai;
	pthread_mutex_unlock(&r->mu);
	if (write(r->efd, &one, sizeof(one)) < 0) {
		/* eventfd counter cannot overflow with one write */
	}
	nc_resolve_release(r);
	return NULL;
}

static void
nc_resolve_drop(struct net_connect *nc)
{
	if (nc->res == NULL)
		return;
	evloop_file_del(nc->loop, nc->res->efd, EVLOOP_READ);
	nc_resolve_release(nc->res);
	nc->res = NULL;
}

/* Copy an address list into nc->addrs. */
static int
nc_take_addrs(struct net_connect *nc, const struct addrinfo *ai)
{
	const struct addrinfo *a;
	size_t n = 0;

	for (a = ai; a != NULL; a = a->ai_next)
		n++;
	if (n == 0)
		return 0;
	if ((nc->addrs = calloc(n, sizeof(*nc->addrs))) == NULL)
		return -1;
	for (a = ai; a != NULL; a = a->ai_next) {
		struct nc_addr *d = &nc->addrs[nc->naddrs];

		if (a->ai_addr == NULL || a->ai_addrlen == 0 ||
		    a->ai_addrlen > sizeof(d->ss))
			continue;
		d->family = a->ai_family;
		d->protocol = a->ai_protocol;
		d->len = a->ai_addrlen;
		memcpy(&d->ss, a->ai_addr, a->ai_addrlen);
		nc->naddrs++;
	}
	return 0;
}

static void
nc_resolved(struct evloop *loop, int fd, void *arg, int mask)
{
	struct net_connect *nc = arg;
	struct nc_resolve *r = nc->res;
	struct addrinfo *ai;
	uint64_t v;
	int rc, e;

	if (read(fd, &v, sizeof(v)) < 0 && errno == EAGAIN)
		return;		/* not yet */
	pthread_mutex_lock(&r->mu);
	rc = r->rc;
	e = r->sys_errno;
	ai = r->ai;
	r->ai = NULL;
	pthread_mutex_unlock(&r->mu);
	nc_resolve_drop(nc);
	if (rc != 0) {
		nc_fail(nc, NET_CONNECT_RESOLVE, e, rc == EAI_SYSTEM ?
		    strerror(e) : gai_strerror(rc));
		return;
	}
	rc = nc_take_addrs(nc, ai);
	freeaddrinfo(ai);
	if (rc != 0) {
		nc_fail(nc, NET_CONNECT_INTERNAL, ENOMEM, "out of memory");
		return;
	}
	nc_try_next(nc);
}

/* Start the helper thread for a name; 0 or OPS_E_NOMEM. */
static int
nc_resolve_start(struct net_connect *nc, const char *host, const char *port)
{
	struct nc_resolve *r;
	pthread_attr_t attr;
	pthread_t tid;
	size_t hl = strlen(host);
	int rc;

	if ((r = calloc(1, sizeof(*r) + hl + 1)) == NULL)
		return OPS_E_NOMEM;
	memcpy(r->host, host, hl + 1);
	snprintf(r->port, sizeof(r->port), "%s", port);
	r->refs = 2;
	if ((r->efd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK)) < 0) {
		free(r);
		return OPS_E_NOMEM;
	}
	pthread_mutex_init(&r->mu, NULL);
	nc->res = r;
	if (evloop_file_set(nc->loop, r->efd, EVLOOP_READ, nc_resolved, nc,
	    NULL) != 0)
		goto fail;
	if (pthread_attr_init(&attr) != 0)
		goto fail;
	pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
	rc = pthread_create(&tid, &attr, nc_resolve_thread, r);
	pthread_attr_destroy(&attr);
	if (rc != 0)
		goto fail;
	return 0;
fail:
	r->refs = 1;		/* no thread holds it */
	nc_resolve_drop(nc);
	return OPS_E_NOMEM;
}

/* ---- connecting ----------------------------------------------------------- */

static void
nc_close_fd(struct net_connect *nc)
{
	if (nc->fd < 0)
		return;
	evloop_file_del(nc->loop, nc->fd, EVLOOP_READ | EVLOOP_WRITE);
	close(nc->fd);
	nc->fd = -1;
}

static void
nc_writable(struct evloop *loop, int fd, void *arg, int mask)
{
	struct net_connect *nc = arg;
	struct net_connect_result r;
	int e = 0;
	socklen_t sl = sizeof(e);

	if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &e, &sl) != 0)
		e = errno;
	if (e == EINPROGRESS || e == EALREADY)
		return;
	if (e != 0) {
		nc->last_errno = e;
		nc_close_fd(nc);
		nc_try_next(nc);
		return;
	}
	/* Connected: the socket is the caller's, without our event. */
	evloop_file_del(loop, fd, EVLOOP_READ | EVLOOP_WRITE);
	nc->fd = -1;
	nc_result_init(nc, &r, NET_CONNECT_OK, 0, "");
	r.fd = fd;
	nc_deliver(nc, &r);
}

/* Try addresses from nc->next until one is in progress, else fail. */
static void
nc_try_next(struct net_connect *nc)
{
	const struct nc_addr *a;
	int fd, one = 1;

	while (nc->next < nc->naddrs) {
		a = &nc->addrs[nc->next++];
		nc->attempts++;
		fd = socket(a->family, SOCK_STREAM | SOCK_NONBLOCK |
		    SOCK_CLOEXEC, a->protocol);
		if (fd < 0) {
			nc->last_errno = errno;
			continue;
		}
		/* Nagle against delayed ACKs costs ~40 ms per round trip. */
		(void)setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one,
		    sizeof(one));
		if (connect(fd, (const struct sockaddr *)&a->ss, a->len) == 0 ||
		    errno == EINPROGRESS || errno == EINTR) {
			if (evloop_file_set(nc->loop, fd, EVLOOP_WRITE,
			    nc_writable, nc, NULL) != 0) {
				close(fd);
				nc_fail(nc, NET_CONNECT_INTERNAL, ENOMEM,
				    "out of memory");
				return;
			}
			nc->fd = fd;
			return;
		}
		nc->last_errno = errno;
		close(fd);
	}
	if (nc->attempts == 0) {
		nc_fail(nc, NET_CONNECT_RESOLVE, 0, "no address");
		return;
	}
	nc_fail(nc, nc->last_errno == ECONNREFUSED ? NET_CONNECT_REFUSED :
	    NET_CONNECT_ERROR, nc->last_errno, strerror(nc->last_errno));
}

/* Let go of everything but the struct itself. */
static void
nc_release_all(struct net_connect *nc)
{
	nc_resolve_drop(nc);
	nc_close_fd(nc);
	if (nc->defer != 0) {
		evloop_timer_del(nc->loop, nc->defer);
		nc->defer = 0;
	}
	free(nc->addrs);
	nc->addrs = NULL;
	nc->naddrs = nc->next = 0;
}

/* ---- public --------------------------------------------------------------- */

static int
nc_new(struct evloop *loop, net_connect_cb *cb, void *arg,
    struct net_connect **out)
{
	struct net_connect *nc;

	if ((nc = calloc(1, sizeof(*nc))) == NULL)
		return OPS_E_NOMEM;
	nc->loop = loop;
	nc->cb = cb;
	nc->arg = arg;
	nc->fd = -1;
	nc->in_start = 1;
	*out = nc;
	return 0;
}

/* The first attempts ran inside start: check a queued failure was armed. */
static int
nc_started(struct net_connect *nc, struct net_connect **out,
    struct ops_err *err)
{
	nc->in_start = 0;
	if (nc->done && nc->defer == 0) {
		net_connect_free(nc);
		return ops_err_set(err, OPS_E_NOMEM, "connect: out of "
		    "memory for a timer");
	}
	*out = nc;
	return OPS_OK;
}

int
net_connect_start(struct evloop *loop, const char *host, unsigned port,
    net_connect_cb *cb, void *arg, struct net_connect **out,
    struct ops_err *err)
{
	struct net_connect *nc = NULL;
	struct addrinfo hints, *ai = NULL;
	char ps[16];
	int rc;

	*out = NULL;
	if (loop == NULL || cb == NULL || host == NULL)
		return ops_err_set(err, OPS_E_INVAL, "connect: no loop, "
		    "callback or host");
	if (port == 0 || port > 65535)
		return ops_err_set(err, OPS_E_INVAL, "connect to %s: port %u "
		    "is not 1-65535", host, port);
	if (nc_new(loop, cb, arg, &nc) != 0)
		return ops_err_set(err, OPS_E_NOMEM, "connect to %s:%u: out "
		    "of memory", host, port);
	snprintf(nc->label, sizeof(nc->label), "%s:%u", host, port);
	snprintf(ps, sizeof(ps), "%u", port);

	/* An address needs no lookup: take it here, without a thread. */
	memset(&hints, 0, sizeof(hints));
	hints.ai_family = AF_UNSPEC;
	hints.ai_socktype = SOCK_STREAM;
	hints.ai_flags = AI_NUMERICSERV | AI_NUMERICHOST;
	if (getaddrinfo(host, ps, &hints, &ai) == 0) {
		rc = nc_take_addrs(nc, ai);
		freeaddrinfo(ai);
		if (rc != 0) {
			net_connect_free(nc);
			return ops_err_set(err, OPS_E_NOMEM, "connect to %s:%u: "
			    "out of memory", host, port);
		}
		nc_try_next(nc);
		return nc_started(nc, out, err);
	}
	if ((rc = nc_resolve_start(nc, host, ps)) != 0) {
		net_connect_free(nc);
		return ops_err_set(err, rc, "resolve %s:%u: out of memory or "
		    "threads", host, port);
	}
	nc->in_start = 0;
	*out = nc;
	return OPS_OK;
}

int
net_connect_start_ai(struct evloop *loop, const char *label,
    const struct addrinfo *ai, net_connect_cb *cb, void *arg,
    struct net_connect **out, struct ops_err *err)
{
	struct net_connect *nc = NULL;

	*out = NULL;
	if (loop == NULL || cb == NULL || label == NULL)
		return ops_err_set(err, OPS_E_INVAL, "connect: no loop, "
		    "callback or label");
	if (nc_new(loop, cb, arg, &nc) != 0)
		return ops_err_set(err, OPS_E_NOMEM, "connect to %s: out of "
		    "memory", label);
	snprintf(nc->label, sizeof(nc->label), "%s", label);
	if (nc_take_addrs(nc, ai) != 0) {
		net_connect_free(nc);
		return ops_err_set(err, OPS_E_NOMEM, "connect to %s: out of "
		    "memory", label);
	}
	nc_try_next(nc);
	return nc_started(nc, out, err);
}

int
net_connect_resolving(const struct net_connect *nc)
{
	return nc != NULL && nc->res != NULL;
}

unsigned
net_connect_attempts(const struct net_connect *nc)
{
	return nc != NULL ? nc->attempts : 0;
}

void
net_connect_free(struct net_connect *nc)
{
	if (nc == NULL)
		return;
	nc_release_all(nc);
	free(nc);
}

/*
 * ssh-keyscan.c: connect, key exchange, read the host key, disconnect;
 * many targets at once on one evloop. See ssh-keyscan.h.
 */
#include <sys/socket.h>
#include <sys/types.h>

#include <errno.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <libssh2.h>

#include "ssh-keyscan.h"

enum ks_state {
	KS_WAITING = 0,		/* not started */
	KS_CONNECT,		/* TCP connect in progress */
	KS_HANDSHAKE,
	KS_DONE,
};

struct ks_item {
	struct ssh_keyscan		*ks;
	size_t				 idx;
	enum ks_state			 state;
	char				*name;
	char				*host;
	unsigned			 port;
	char				*types;
	int				 fd;
	long long			 timer;
	LIBSSH2_SESSION			*sess;
	struct ssh_keyscan_result	 r;
};

struct ssh_keyscan {
	struct evloop		*loop;
	struct ks_item		*v;
	size_t			 n;
	size_t			 next;		/* first item not started */
	size_t			 active;
	size_t			 ndone;
	int			 timeout_ms;
	int			 max_parallel;
	long long		 report_timer;	/* all failed at start */
	ssh_keyscan_done_cb	*done_cb;
	void			*arg;
};

static void	ks_io(struct evloop *loop, int fd, void *arg, int mask);
static long long ks_timeout(struct evloop *loop, long long id, void *arg);
static int	ks_fill(struct ssh_keyscan *ks);

static const char *
ks_label(const struct ks_item *it, char *buf, size_t len)
{
	snprintf(buf, len, "%s (%s:%u)", it->name, it->host, it->port);
	return buf;
}

static void
ks_result(struct ks_item *it, enum ssh_class cls, int status,
    const char *fmt, ...) __attribute__((format(printf, 4, 5)));

static void
ks_result(struct ks_item *it, enum ssh_class cls, int status,
    const char *fmt, ...)
{
	va_list	ap;

	it->r.ok = 0;
	it->r.cls = cls;
	it->r.status = status;
	va_start(ap, fmt);
	vsnprintf(it->r.msg, sizeof(it->r.msg), fmt, ap);
	va_end(ap);
}

/* Close the connection; sockets are shut first so nothing blocks. */
static void
ks_close(struct ks_item *it)
{
	struct evloop	*loop = it->ks->loop;

	if (it->timer != 0) {
		evloop_timer_del(loop, it->timer);
		it->timer = 0;
	}
	if (it->fd >= 0)
		evloop_file_del(loop, it->fd, EVLOOP_READ | EVLOOP_WRITE);
	if (it->sess != NULL) {
		if (it->state == KS_DONE && it->r.ok)
			(void)libssh2_session_disconnect(it->sess,
			    "host key scan done");
		if (it->fd >= 0)
			shutdown(it->fd, SHUT_RDWR);
		libssh2_session_set_blocking(it->sess, 1);
		libssh2_session_free(it->sess);
		it->sess = NULL;
	}
	if (it->fd >= 0) {
		close(it->fd);
		it->fd = -1;
	}
}

/*
 * The item is final: close it, start the next waiting ones, and when all
 * are done call done_cb (after which the scan may be gone). Returns 1 when
 * the scan may have been freed.
 */
static int
ks_finish(struct ks_item *it)
{
	struct ssh_keyscan	*ks = it->ks;

	it->state = KS_DONE;
	ks_close(it);
	ks->active--;
	ks->ndone++;
	ks_fill(ks);
	if (ks->ndone == ks->n && ks->done_cb != NULL) {
		ks->done_cb(ks, ks->arg);
		return 1;
	}
	return 0;
}

static void
ks_wait(struct ks_item *it)
{
	int	dir = libssh2_session_block_directions(it->sess), mask = 0;

	if (dir & LIBSSH2_SESSION_BLOCK_INBOUND)
		mask |= EVLOOP_READ;
	if (dir & LIBSSH2_SESSION_BLOCK_OUTBOUND)
		mask |= EVLOOP_WRITE;
	if (mask == 0)
		mask = EVLOOP_READ;
	(void)evloop_file_set(it->ks->loop, it->fd, mask, ks_io, it, NULL);
}

/* Start the TCP connection. 0: waiting; 1: the item finished. */
static int
ks_connect(struct ks_item *it)
{
	struct addrinfo	 hints, *ai = NULL, *a;
	char		 port[16], lab[300];
	int		 fd = -1, rc, one = 1, e = 0;

	ks_label(it, lab, sizeof(lab));
	it->state = KS_CONNECT;
	it->ks->active++;
	memset(&hints, 0, sizeof(hints));
	hints.ai_family = AF_UNSPEC;
	hints.ai_socktype = SOCK_STREAM;
	hints.ai_flags = AI_NUMERICSERV;
	snprintf(port, sizeof(port), "%u", it->port);
	/* As in the engine, getaddrinfo blocks for names that need DNS. */
	if ((rc = getaddrinfo(it->host, port, &hints, &ai)) != 0) {
		ks_result(it, SSH_CLASS_RESOLVE, OPS_E_CONNECT,
		    "resolve %s: %s; check the host name", lab,
		    gai_strerror(rc));
		return 1;
	}
	for (a = ai; a != NULL; a = a->ai_next) {
		fd = socket(a->ai_family, a->ai_socktype | SOCK_NONBLOCK |
		    SOCK_CLOEXEC, a->ai_protocol);
		if (fd < 0) {
			e = errno;
			continue;
		}
		/* Nagle against delayed ACKs costs ~40 ms per round trip. */
		setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
		if (connect(fd, a->ai_addr, a->ai_addrlen) == 0 ||
		    errno == EINPROGRESS)
			break;
		e = errno;
		close(fd);
		fd = -1;
	}
	freeaddrinfo(ai);
	if (fd < 0) {
		ks_result(it, e == ECONNREFUSED ? SSH_CLASS_REFUSED :
		    SSH_CLASS_CONNECT, OPS_E_CONNECT, "connect to %s: %s", lab,
		    strerror(e));
		return 1;
	}
	it->fd = fd;
	if (evloop_timer_add(it->ks->loop, it->ks->timeout_ms, ks_timeout,
	    it, &it->timer, NULL) != 0 ||
	    evloop_file_set(it->ks->loop, fd, EVLOOP_WRITE, ks_io, it,
	    NULL) != 0) {
		ks_result(it, SSH_CLASS_INTERNAL, OPS_E_NOMEM,
		    "connect to %s: out of memory", lab);
		return 1;
	}
	return 0;
}

/* The socket became writable. 0: go on to the handshake; 1: finished. */
static int
ks_connected(struct ks_item *it)
{
	char		lab[300];
	int		e = 0;
	socklen_t	sl = sizeof(e);

	if (getsockopt(it->fd, SOL_SOCKET, SO_ERROR, &e, &sl) != 0)
		e = errno;
	if (e == EINPROGRESS || e == EALREADY)
		return -1;
	if (e != 0) {
		ks_label(it, lab, sizeof(lab));
		ks_result(it, e == ECONNREFUSED ? SSH_CLASS_REFUSED :
		    SSH_CLASS_CONNECT, OPS_E_CONNECT, "connect to %s: %s%s",
		    lab, strerror(e), e == ECONNREFUSED ?
		    "; is sshd running on that port?" : "");
		return 1;
	}
	if ((it->sess = libssh2_session_init()) == NULL) {
		ks_result(it, SSH_CLASS_INTERNAL, OPS_E_NOMEM,
		    "create SSH session: out of memory");
		return 1;
	}
	libssh2_session_set_blocking(it->sess, 0);
	if (it->types != NULL && libssh2_session_method_pref(it->sess,
	    LIBSSH2_METHOD_HOSTKEY, it->types) != 0) {
		ks_label(it, lab, sizeof(lab));
		ks_result(it, SSH_CLASS_INTERNAL, OPS_E_INVAL,
		    "scan %s: host key types \"%s\" not supported", lab,
		    it->types);
		return 1;
	}
	it->state = KS_HANDSHAKE;
	return 0;
}

/* 0: waiting; 1: finished (ok or not). */
static int
ks_handshake(struct ks_item *it)
{
	const char	*blob;
	char		 lab[300], *m = NULL;
	size_t		 len = 0;
	int		 rc, type = 0;

	rc = libssh2_session_handshake(it->sess, it->fd);
	if (rc == LIBSSH2_ERROR_EAGAIN) {
		ks_wait(it);
		return 0;
	}
	ks_label(it, lab, sizeof(lab));
	if (rc != 0) {
		libssh2_session_last_error(it->sess, &m, NULL, 0);
		ks_result(it, SSH_CLASS_HANDSHAKE, OPS_E_PROTO,
		    "SSH handshake with %s failed: %s", lab,
		    m != NULL ? m : "unknown error");
		return 1;
	}
	blob = libssh2_session_hostkey(it->sess, &len, &type);
	if (blob == NULL || len == 0 ||
	    hostkey_from_blob((const unsigned char *)blob, len, &it->r.hk,
	    NULL) != 0) {
		ks_result(it, SSH_CLASS_HANDSHAKE, OPS_E_PROTO,
		    "SSH handshake with %s: no usable host key", lab);
		return 1;
	}
	if ((it->r.blob = malloc(len)) == NULL) {
		ks_result(it, SSH_CLASS_INTERNAL, OPS_E_NOMEM,
		    "scan %s: out of memory", lab);
		return 1;
	}
	memcpy(it->r.blob, blob, len);
	it->r.blob_len = len;
	it->r.ok = 1;
	it->r.status = 0;
	it->r.cls = SSH_CLASS_OK;
	it->r.msg[0] = '\0';
	return 1;
}

/* Drive one item as far as it goes; returns 1 when the scan may be gone. */
static int
ks_drive(struct ks_item *it)
{
	int	rc;

	if (it->state == KS_CONNECT) {
		rc = ks_connected(it);
		if (rc < 0)
			return 0;
		if (rc > 0)
			return ks_finish(it);
	}
	if (it->state == KS_HANDSHAKE && ks_handshake(it) == 1)
		return ks_finish(it);
	return 0;
}

static void
ks_io(struct evloop *loop, int fd, void *arg, int mask)
{
	(void)loop;
	(void)fd;
	(void)mask;
	(void)ks_drive(arg);
}

static long long
ks_timeout(struct evloop *loop, long long id, void *arg)
{
	struct ks_item	*it = arg;
	char		 lab[300];

	(void)loop;
	(void)id;
	it->timer = 0;
	ks_label(it, lab, sizeof(lab));
	ks_result(it, SSH_CLASS_CONNECT_TIMEOUT, OPS_E_TIMEOUT,
	    "connect to %s: no %s within %d ms", lab,
	    it->state == KS_CONNECT ? "TCP connection" : "SSH key exchange",
	    it->ks->timeout_ms);
	(void)ks_finish(it);
	return EVLOOP_NOMORE;
}

/* Start waiting items while there is room. */
static int
ks_fill(struct ssh_keyscan *ks)
{
	struct ks_item	*it;

	while (ks->next < ks->n && ks->active < (size_t)ks->max_parallel) {
		it = &ks->v[ks->next++];
		if (ks_connect(it) == 1) {
			it->state = KS_DONE;
			ks_close(it);
			ks->active--;
			ks->ndone++;
		}
	}
	return 0;
}

static long long
ks_report(struct evloop *loop, long long id, void *arg)
{
	struct ssh_keyscan	*ks = arg;

	(void)loop;
	(void)id;
	ks->report_timer = 0;
	if (ks->done_cb != NULL)
		ks->done_cb(ks, ks->arg);
	return EVLOOP_NOMORE;
}

static void
item_clear(struct ks_item *it)
{
	free(it->name);
	free(it->host);
	free(it->types);
	free(it->r.blob);
}

int
ssh_keyscan_start(struct evloop *loop, const struct ssh_keyscan_target *t,
    size_t n, int timeout_ms, int max_parallel, ssh_keyscan_done_cb *done_cb,
    void *arg, struct ssh_keyscan **out, struct ops_err *err)
{
	struct ssh_keyscan	*ks;
	struct ks_item		*it;
	size_t			 i;

	*out = NULL;
	if (loop == NULL || (n > 0 && t == NULL))
		return ops_err_set(err, OPS_E_INVAL, "scan host keys: no "
		    "loop or targets");
	if (libssh2_init(0) != 0)
		return ops_err_set(err, OPS_E_CRYPTO, "initialise libssh2");
	if ((ks = calloc(1, sizeof(*ks))) == NULL ||
	    (n > 0 && (ks->v = calloc(n, sizeof(*ks->v))) == NULL)) {
		free(ks);
		libssh2_exit();
		return ops_err_errno(err, OPS_E_NOMEM, "scan host keys");
	}
	ks->loop = loop;
	ks->n = n;
	ks->timeout_ms = timeout_ms > 0 ? timeout_ms : SSH_KEYSCAN_TIMEOUT_MS;
	ks->max_parallel = max_parallel > 0 ? max_parallel :
	    SSH_KEYSCAN_PARALLEL;
	ks->done_cb = done_cb;
	ks->arg = arg;
	for (i = 0; i < n; i++) {
		it = &ks->v[i];
		it->ks = ks;
		it->idx = i;
		it->fd = -1;
		it->port = t[i].port == 0 ? 22 : t[i].port;
		if ((it->name = strdup(t[i].name ? t[i].name :
		    (t[i].host ? t[i].host : ""))) == NULL ||
		    (it->host = strdup(t[i].host ? t[i].host : "")) == NULL ||
		    (t[i].types != NULL && t[i].types[0] != '\0' &&
		    (it->types = strdup(t[i].types)) == NULL)) {
			ssh_keyscan_free(ks);
			return ops_err_errno(err, OPS_E_NOMEM,
			    "scan host keys");
		}
		it->r.target = it->name;
		it->r.cls = SSH_CLASS_INTERNAL;
		it->r.status = OPS_E_INTERNAL;
		snprintf(it->r.msg, sizeof(it->r.msg), "not scanned");
	}
	ks_fill(ks);
	/* done_cb never runs inside ssh_keyscan_start: when every target
	 * failed at once (or there are none), report from a timer. */
	if (ks->ndone == ks->n && ks->done_cb != NULL &&
	    evloop_timer_add(loop, 0, ks_report, ks, &ks->report_timer,
	    err) != 0) {
		ssh_keyscan_free(ks);
		return OPS_E_NOMEM;
	}
	*out = ks;
	return OPS_OK;
}

int
ssh_keyscan_done(const struct ssh_keyscan *ks)
{
	return ks->ndone == ks->n;
}

size_t
ssh_keyscan_count(const struct ssh_keyscan *ks)
{
	return ks->n;
}

const struct ssh_keyscan_result *
ssh_keyscan_result(const struct ssh_keyscan *ks, size_t i)
{
	return i < ks->n ? &ks->v[i].r : NULL;
}

void
ssh_keyscan_free(struct ssh_keyscan *ks)
{
	size_t	i;

	if (ks == NULL)
		return;
	if (ks->report_timer != 0)
		evloop_timer_del(ks->loop, ks->report_timer);
	for (i = 0; i < ks->n; i++) {
		ks_close(&ks->v[i]);
		item_clear(&ks->v[i]);
	}
	free(ks->v);
	free(ks);
	libssh2_exit();
}

int
ssh_keyscan_run(struct evloop *loop, const struct ssh_keyscan_target *t,
    size_t n, int timeout_ms, struct ssh_keyscan **out, struct ops_err *err)
{
	struct ssh_keyscan	*ks = NULL;
	int			 rc;

	*out = NULL;
	if ((rc = ssh_keyscan_start(loop, t, n, timeout_ms, 0, NULL, NULL,
	    &ks, err)) != OPS_OK)
		return rc;
	while (!ssh_keyscan_done(ks)) {
		if ((rc = evloop_run_once(loop, 0, err)) < 0) {
			ssh_keyscan_free(ks);
			return rc;
		}
	}
	*out = ks;
	return OPS_OK;
}

/*
 * ssh-keyscan.c: connect, key exchange, read the host key, disconnect;
 * many targets at once on one evloop. See ssh-keyscan.h.
 */
#include <sys/socket.h>
#include <sys/types.h>

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <libssh2.h>

#include "net-connect.h"
#include "ssh-int.h"
#include "ssh-keyscan.h"

enum ks_state {
	KS_WAITING = 0,		/* not started */
	KS_CONNECT,		/* resolve and TCP connect in progress */
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
	struct net_connect		*nc;		/* while KS_CONNECT */
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

	va_start(ap, fmt);
	ssh_vfail(&it->r.ok, &it->r.cls, &it->r.status, it->r.msg,
	    sizeof(it->r.msg), cls, status, fmt, ap);
	va_end(ap);
}

/* Close the connection; sockets are shut first so nothing blocks. */
static void
ks_close(struct ks_item *it)
{
	struct evloop	*loop = it->ks->loop;

	net_connect_free(it->nc);
	it->nc = NULL;
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

static int	ks_connected(struct ks_item *it);
static int	ks_drive(struct ks_item *it);

/* net-connect.c answered: a connected socket or a classed failure. */
static void
ks_tcp_done(struct net_connect *nc, const struct net_connect_result *res,
    void *arg)
{
	struct ks_item	*it = arg;
	enum ssh_class	 cls;
	char		 lab[300], msg[OPS_ERR_MSG_MAX];

	net_connect_free(nc);
	it->nc = NULL;
	if (res->cls == NET_CONNECT_OK) {
		it->fd = res->fd;
		if (ks_connected(it) != 0)
			(void)ks_finish(it);
		else
			(void)ks_drive(it);
		return;
	}
	ks_label(it, lab, sizeof(lab));
	ssh_connect_failure(res, lab, &cls, msg, sizeof(msg));
	ks_result(it, cls, res->status, "%s", msg);
	(void)ks_finish(it);
}

/*
 * Start resolving and connecting (off the loop: see net-connect.h).
 * 0: waiting; 1: the item finished.
 */
static int
ks_connect(struct ks_item *it)
{
	char		 lab[300];
	int		 rc;

	it->state = KS_CONNECT;
	it->ks->active++;
	rc = net_connect_start(it->ks->loop, it->host, it->port, ks_tcp_done,
	    it, &it->nc, NULL);
	if (rc == 0 && evloop_timer_add(it->ks->loop, it->ks->timeout_ms,
	    ks_timeout, it, &it->timer, NULL) == 0)
		return 0;
	ks_label(it, lab, sizeof(lab));
	ks_result(it, rc == OPS_E_INVAL ? SSH_CLASS_CONNECT :
	    SSH_CLASS_INTERNAL, rc != 0 ? rc : OPS_E_NOMEM, "connect to %s: %s",
	    lab, rc == OPS_E_INVAL ? "invalid port" :
	    "out of memory or threads");
	return 1;
}

/* TCP is up (it->fd): set up the session. 0: go on; 1: finished. */
static int
ks_connected(struct ks_item *it)
{
	char		lab[300];

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

/* The server's identification line, printable (see ssh-keyscan.h). */
static void
ks_banner(struct ks_item *it)
{
	const char	*b = libssh2_session_banner_get(it->sess);
	size_t		 i;

	for (i = 0; b != NULL && b[i] != '\0' && b[i] != '\r' &&
	    b[i] != '\n' && i < sizeof(it->r.banner) - 1; i++)
		it->r.banner[i] = b[i] >= 0x20 && b[i] < 0x7f ? b[i] : '?';
	it->r.banner[i] = '\0';
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
	ks_banner(it);
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
	    net_connect_resolving(it->nc) ? "answer from the name resolver" :
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

/*
 * test-net-connect.c: the shared resolver/connector on a real loop, with
 * real sockets on loopback only: a numeric IPv4 connect whose socket
 * carries a byte each way, a refused port, "localhost" through the helper
 * thread, an unresolvable name under .invalid (RFC 6761) while a timer on
 * the same loop keeps ticking, the fallback from an address that refuses
 * (::1) to the next one (127.0.0.1), and cancelling during the lookup,
 * during the connect and before a queued failure: no callback, and the
 * threads and descriptors return to where they were (the sanitizer build
 * checks the memory).
 */
#include <sys/socket.h>
#include <sys/time.h>
#include <sys/types.h>

#include <arpa/inet.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "evloop.h"
#include "net-connect.h"
#include "tap.h"

#define BAD_NAME	"no-such-host.invalid"
#define DEADLINE_MS	20000	/* a safety net only; nothing is timed */

struct probe {
	int			 calls;
	int			 in_start;
	int			 called_in_start;
	int			 free_in_cb;
	int			 ticks_at_cb;
	int			*ticks;
	struct net_connect	*nc;
	struct net_connect_result r;
};

static void
on_done(struct net_connect *nc, const struct net_connect_result *res,
    void *arg)
{
	struct probe *p = arg;

	p->calls++;
	if (p->in_start)
		p->called_in_start = 1;
	if (p->ticks != NULL)
		p->ticks_at_cb = *p->ticks;
	p->r = *res;
	if (p->free_in_cb) {
		net_connect_free(nc);
		p->nc = NULL;
	}
}

static void
probe_init(struct probe *p)
{
	memset(p, 0, sizeof(*p));
	p->r.fd = -1;
	p->free_in_cb = 1;
}

static int
start(struct evloop *loop, const char *host, unsigned port, struct probe *p)
{
	struct ops_err e;
	int rc;

	p->in_start = 1;
	rc = net_connect_start(loop, host, port, on_done, p, &p->nc, &e);
	p->in_start = 0;
	if (rc != 0)
		diag("net_connect_start: %s", ops_err_msg(&e));
	return rc;
}

static int
start_ai(struct evloop *loop, const char *label, const struct addrinfo *ai,
    struct probe *p)
{
	struct ops_err e;
	int rc;

	p->in_start = 1;
	rc = net_connect_start_ai(loop, label, ai, on_done, p, &p->nc, &e);
	p->in_start = 0;
	if (rc != 0)
		diag("net_connect_start_ai: %s", ops_err_msg(&e));
	return rc;
}

/* Run the loop until every probe has its callback (or the safety net). */
static void
run_until(struct evloop *loop, struct probe *p, size_t n)
{
	long long end = evloop_now_ms() + DEADLINE_MS;
	size_t i, done;

	for (;;) {
		for (i = done = 0; i < n; i++)
			done += p[i].calls > 0;
		if (done == n || evloop_now_ms() > end)
			return;
		if (evloop_run_once(loop, 0, NULL) < 0)
			return;
	}
}

static void
spin(struct evloop *loop, int rounds)
{
	while (rounds-- > 0)
		(void)evloop_run_once(loop, EVLOOP_DONT_WAIT, NULL);
}

static int
count_dir(const char *path)
{
	DIR *d;
	struct dirent *de;
	int n = 0;

	if ((d = opendir(path)) == NULL)
		return -1;
	while ((de = readdir(d)) != NULL) {
		if (de->d_name[0] != '.')
			n++;
	}
	closedir(d);
	return n;
}

/* Poll until /proc/self/task counts want threads; 1 when it did. */
static int
threads_back_to(int want)
{
	long long end = evloop_now_ms() + DEADLINE_MS;

	while (count_dir("/proc/self/task") != want) {
		if (evloop_now_ms() > end)
			return 0;
		usleep(10000);
	}
	return 1;
}

/* A loopback socket bound to port (0: any), listening when listen_it. */
static int
loopback_socket(int family, unsigned *port, int listen_it)
{
	struct sockaddr_storage ss;
	struct sockaddr_in *s4 = (struct sockaddr_in *)&ss;
	struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)&ss;
	socklen_t len;
	int fd, one = 1;

	memset(&ss, 0, sizeof(ss));
	if (family == AF_INET) {
		s4->sin_family = AF_INET;
		s4->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
		s4->sin_port = htons((unsigned short)*port);
		len = sizeof(*s4);
	} else {
		s6->sin6_family = AF_INET6;
		s6->sin6_addr = in6addr_loopback;
		s6->sin6_port = htons((unsigned short)*port);
		len = sizeof(*s6);
	}
	if ((fd = socket(family, SOCK_STREAM | SOCK_CLOEXEC, 0)) < 0)
		return -1;
	if (family == AF_INET6)
		(void)setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &one,
		    sizeof(one));
	if (bind(fd, (struct sockaddr *)&ss, len) != 0 ||
	    (listen_it && listen(fd, 16) != 0) ||
	    getsockname(fd, (struct sockaddr *)&ss, &len) != 0) {
		close(fd);
		return -1;
	}
	*port = ntohs(family == AF_INET ? s4->sin_port : s6->sin6_port);
	return fd;
}

/* Accept on lfd and carry one byte each way over cfd. */
static int
roundtrip(int lfd, int cfd, int *peer_family)
{
	struct sockaddr_storage ss;
	struct pollfd pfd;
	socklen_t sl = sizeof(ss);
	char b = 0;
	int sfd, good = 0;
	struct timeval tv = { DEADLINE_MS / 1000, 0 };

	/* bounded waits: a mistake fails the test instead of hanging it */
	pfd.fd = lfd;
	pfd.events = POLLIN;
	if (poll(&pfd, 1, DEADLINE_MS) != 1 ||
	    (sfd = accept(lfd, (struct sockaddr *)&ss, &sl)) < 0)
		return 0;
	(void)setsockopt(sfd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	if (peer_family != NULL)
		*peer_family = ss.ss_family;
	if (send(cfd, "x", 1, MSG_NOSIGNAL) == 1 && recv(sfd, &b, 1, 0) == 1 &&
	    b == 'x' && send(sfd, "y", 1, MSG_NOSIGNAL) == 1) {
		pfd.fd = cfd;
		pfd.events = POLLIN;
		if (poll(&pfd, 1, DEADLINE_MS) == 1 && recv(cfd, &b, 1, 0) == 1)
			good = b == 'y';
	}
	close(sfd);
	return good;
}

/* The port fd is connected to, or 0. */
static unsigned
peer_port(int fd)
{
	struct sockaddr_storage ss;
	socklen_t sl = sizeof(ss);

	if (fd < 0 || getpeername(fd, (struct sockaddr *)&ss, &sl) != 0)
		return 0;
	if (ss.ss_family == AF_INET)
		return ntohs(((struct sockaddr_in *)&ss)->sin_port);
	if (ss.ss_family == AF_INET6)
		return ntohs(((struct sockaddr_in6 *)&ss)->sin6_port);
	return 0;
}

static void
sa_set(struct sockaddr_storage *ss, struct addrinfo *ai, int family,
    unsigned port)
{
	struct sockaddr_in *s4 = (struct sockaddr_in *)ss;
	struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)ss;

	memset(ss, 0, sizeof(*ss));
	memset(ai, 0, sizeof(*ai));
	if (family == AF_INET) {
		s4->sin_family = AF_INET;
		s4->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
		s4->sin_port = htons((unsigned short)port);
		ai->ai_addrlen = sizeof(*s4);
	} else {
		s6->sin6_family = AF_INET6;
		s6->sin6_addr = in6addr_loopback;
		s6->sin6_port = htons((unsigned short)port);
		ai->ai_addrlen = sizeof(*s6);
	}
	ai->ai_family = family;
	ai->ai_socktype = SOCK_STREAM;
	ai->ai_protocol = IPPROTO_TCP;
	ai->ai_addr = (struct sockaddr *)ss;
}

static void
test_args(struct evloop *loop)
{
	struct net_connect *nc = (struct net_connect *)&nc;
	struct ops_err e;
	int rc;

	rc = net_connect_start(loop, "127.0.0.1", 0, on_done, NULL, &nc, &e);
	is_int(rc, OPS_E_INVAL, "port 0 is refused: %s", ops_err_msg(&e));
	ok(nc == NULL, "a refused start clears *out");
	rc = net_connect_start(loop, NULL, 22, on_done, NULL, &nc, &e);
	is_int(rc, OPS_E_INVAL, "a NULL host is refused: %s", ops_err_msg(&e));
	net_connect_free(NULL);
}

static void
test_numeric(struct evloop *loop)
{
	struct probe p;
	unsigned port = 0;
	int lfd, one = 0, fl, fdfl;
	socklen_t sl = sizeof(one);

	if ((lfd = loopback_socket(AF_INET, &port, 1)) < 0) {
		skip(6, "cannot listen on 127.0.0.1");
		return;
	}
	probe_init(&p);
	is_int(start(loop, "127.0.0.1", port, &p), 0, "numeric: started");
	ok(!net_connect_resolving(p.nc) && p.calls == 0,
	    "numeric: no lookup and no callback inside start");
	run_until(loop, &p, 1);
	ok(p.calls == 1 && !p.called_in_start && p.r.cls == NET_CONNECT_OK &&
	    p.r.fd >= 0 && p.r.status == 0 && p.r.attempts == 1,
	    "numeric: one callback with a connected fd after 1 attempt "
	    "(cls %d, %s)", p.r.cls, p.r.why);
	if (p.r.fd < 0) {
		skip(3, "no fd");
		close(lfd);
		return;
	}
	ok(getsockopt(p.r.fd, IPPROTO_TCP, TCP_NODELAY, &one, &sl) == 0 &&
	    one != 0, "numeric: TCP_NODELAY is on");
	fl = fcntl(p.r.fd, F_GETFL);
	fdfl = fcntl(p.r.fd, F_GETFD);
	ok(fl >= 0 && (fl & O_NONBLOCK) && fdfl >= 0 && (fdfl & FD_CLOEXEC),
	    "numeric: the socket is non-blocking and close-on-exec");
	ok(roundtrip(lfd, p.r.fd, NULL),
	    "numeric: the fd carries a byte each way (connector freed in "
	    "its callback)");
	close(p.r.fd);
	close(lfd);
}

static void
test_refused(struct evloop *loop)
{
	struct probe p;
	unsigned port = 0;
	char want[64];
	int bfd;

	/* bound but not listening: the port refuses and stays ours */
	if ((bfd = loopback_socket(AF_INET, &port, 0)) < 0) {
		skip(3, "cannot bind on 127.0.0.1");
		return;
	}
	probe_init(&p);
	is_int(start(loop, "127.0.0.1", port, &p), 0, "refused: started");
	run_until(loop, &p, 1);
	ok(p.calls == 1 && !p.called_in_start &&
	    p.r.cls == NET_CONNECT_REFUSED && p.r.fd == -1 &&
	    p.r.status == OPS_E_CONNECT && p.r.sys_errno == ECONNREFUSED,
	    "refused: class refused, ECONNREFUSED, no fd, from the loop");
	snprintf(want, sizeof(want), "connect to 127.0.0.1:%u: %s", port,
	    strerror(ECONNREFUSED));
	ok(strcmp(ops_err_msg(&p.r.err), want) == 0,
	    "refused: message \"%s\"", ops_err_msg(&p.r.err));
	close(bfd);
}

static void
test_localhost(struct evloop *loop)
{
	struct probe p[3];
	unsigned port = 0;
	int lfd, i, good = 0;

	if ((lfd = loopback_socket(AF_INET, &port, 1)) < 0) {
		skip(4, "cannot listen on 127.0.0.1");
		return;
	}
	probe_init(&p[0]);
	is_int(start(loop, "localhost", port, &p[0]), 0, "localhost: started");
	ok(net_connect_resolving(p[0].nc) && p[0].calls == 0 &&
	    net_connect_attempts(p[0].nc) == 0,
	    "localhost: the name goes to the helper thread");
	run_until(loop, p, 1);
	ok(p[0].calls == 1 && p[0].r.cls == NET_CONNECT_OK &&
	    p[0].r.fd >= 0 && roundtrip(lfd, p[0].r.fd, NULL),
	    "localhost: connected (%u attempts), a byte each way: %s",
	    p[0].r.attempts, p[0].r.cls ? ops_err_msg(&p[0].r.err) : "ok");
	if (p[0].r.fd >= 0)
		close(p[0].r.fd);
	for (i = 0; i < 3; i++) {
		probe_init(&p[i]);
		(void)start(loop, "localhost", port, &p[i]);
	}
	run_until(loop, p, 3);
	for (i = 0; i < 3; i++) {
		/* accept(2) order need not follow ours: check the peer */
		if (p[i].calls == 1 && p[i].r.cls == NET_CONNECT_OK &&
		    peer_port(p[i].r.fd) == port)
			good++;
		if (p[i].r.fd >= 0)
			close(p[i].r.fd);
	}
	is_int(good, 3, "localhost: 3 lookups at once all connect");
	close(lfd);
}

static long long
tick(struct evloop *loop, long long id, void *arg)
{
	(*(int *)arg)++;
	return 1;
}

static void
test_bad_name(struct evloop *loop)
{
	struct probe p;
	long long tid = 0;
	int ticks = 0;
	const char *want = "resolve " BAD_NAME ":22: ";

	probe_init(&p);
	p.ticks = &ticks;
	/* armed first, due at once: it runs on the loop's first round */
	if (evloop_timer_add(loop, 0, tick, &ticks, &tid, NULL) != 0) {
		skip(4, "no timer");
		return;
	}
	is_int(start(loop, BAD_NAME, 22, &p), 0, "bad name: started");
	ok(net_connect_resolving(p.nc) && p.calls == 0,
	    "bad name: start returned with the lookup still out");
	run_until(loop, &p, 1);
	evloop_timer_del(loop, tid);
	ok(p.calls == 1 && p.r.cls == NET_CONNECT_RESOLVE &&
	    p.r.status == OPS_E_CONNECT && p.r.fd == -1 &&
	    p.r.attempts == 0 &&
	    strncmp(ops_err_msg(&p.r.err), want, strlen(want)) == 0,
	    "bad name: class resolve: %s", ops_err_msg(&p.r.err));
	ok(p.ticks_at_cb >= 1,
	    "bad name: a timer on the same loop ticked during the lookup "
	    "(%d ticks before the answer)", p.ticks_at_cb);
}

/* ::1 refuses (bound, not listening), 127.0.0.1 listens on the same port. */
static void
test_fallback(struct evloop *loop)
{
	struct sockaddr_storage ss[2];
	struct addrinfo ai[2];
	struct probe p;
	unsigned port = 0, p6;
	int lfd, bfd, fam = 0, v6 = 1;

	if ((lfd = loopback_socket(AF_INET, &port, 1)) < 0) {
		skip(5, "cannot listen on 127.0.0.1");
		return;
	}
	p6 = port;
	if ((bfd = loopback_socket(AF_INET6, &p6, 0)) < 0) {
		/* no ::1 here (or the port is taken on it): 127.0.0.1 */
		v6 = 0;
		p6 = 0;
		if ((bfd = loopback_socket(AF_INET, &p6, 0)) < 0) {
			skip(5, "cannot bind a refusing port");
			close(lfd);
			return;
		}
	}
	diag("fallback: first %s port %u refuses, then 127.0.0.1 port %u",
	    v6 ? "::1" : "127.0.0.1", p6, port);
	sa_set(&ss[0], &ai[0], v6 ? AF_INET6 : AF_INET, p6);
	sa_set(&ss[1], &ai[1], AF_INET, port);
	ai[0].ai_next = &ai[1];
	probe_init(&p);
	is_int(start_ai(loop, "fallback", ai, &p), 0, "fallback: started");
	run_until(loop, &p, 1);
	ok(p.calls == 1 && p.r.cls == NET_CONNECT_OK && p.r.fd >= 0,
	    "fallback: the refused first address is followed by the next "
	    "(%s)", p.r.cls ? ops_err_msg(&p.r.err) : "connected");
	is_int(p.r.attempts, 2, "fallback: two addresses tried");
	ok(p.r.fd >= 0 && roundtrip(lfd, p.r.fd, &fam) && fam == AF_INET,
	    "fallback: the fd reaches the 127.0.0.1 listener");
	if (p.r.fd >= 0)
		close(p.r.fd);

	/* both refuse: class refused after two attempts */
	close(lfd);
	sa_set(&ss[1], &ai[1], v6 ? AF_INET6 : AF_INET, p6);
	ai[0].ai_next = &ai[1];
	probe_init(&p);
	(void)start_ai(loop, "both", ai, &p);
	run_until(loop, &p, 1);
	ok(p.calls == 1 && p.r.cls == NET_CONNECT_REFUSED &&
	    p.r.attempts == 2 && strcmp(ops_err_msg(&p.r.err),
	    "connect to both: Connection refused") == 0,
	    "fallback: every address refusing is class refused after 2 "
	    "attempts: %s", ops_err_msg(&p.r.err));
	close(bfd);
}

/*
 * Failures found inside start (connect(2) refuses a truncated address at
 * once): delivered from the loop, followed by the next address, and
 * cancellable before the loop delivers them.
 */
static void
test_immediate(struct evloop *loop)
{
	struct sockaddr_storage ss[2];
	struct addrinfo ai[2];
	struct probe p;
	unsigned port = 0;
	int lfd;

	if ((lfd = loopback_socket(AF_INET, &port, 1)) < 0) {
		skip(4, "cannot listen on 127.0.0.1");
		return;
	}
	sa_set(&ss[0], &ai[0], AF_INET, port);
	ai[0].ai_addrlen = 4;		/* too short: EINVAL at once */
	sa_set(&ss[1], &ai[1], AF_INET, port);
	probe_init(&p);
	(void)start_ai(loop, "short", ai, &p);
	ok(p.nc != NULL && p.calls == 0,
	    "immediate: a failure inside start is not called back there");
	run_until(loop, &p, 1);
	ok(p.calls == 1 && p.r.cls == NET_CONNECT_ERROR &&
	    p.r.sys_errno == EINVAL && p.r.attempts == 1,
	    "immediate: delivered from the loop as class error: %s",
	    ops_err_msg(&p.r.err));
	ai[0].ai_next = &ai[1];
	probe_init(&p);
	(void)start_ai(loop, "short-then-good", ai, &p);
	run_until(loop, &p, 1);
	ok(p.calls == 1 && p.r.cls == NET_CONNECT_OK && p.r.attempts == 2 &&
	    roundtrip(lfd, p.r.fd, NULL),
	    "immediate: the next address is tried and carries a byte");
	if (p.r.fd >= 0)
		close(p.r.fd);
	ai[0].ai_next = NULL;
	probe_init(&p);
	(void)start_ai(loop, "short", ai, &p);
	net_connect_free(p.nc);
	spin(loop, 5);
	is_int(p.calls, 0, "immediate: no callback after cancelling a "
	    "queued failure");
	close(lfd);
}

/* "localhost" itself, when this box lists ::1 before 127.0.0.1. */
static void
test_localhost_both(struct evloop *loop)
{
	struct addrinfo hints, *ai = NULL, *a;
	struct probe p;
	unsigned port = 0, p6;
	int lfd, bfd, first = 0, has4 = 0;

	memset(&hints, 0, sizeof(hints));
	hints.ai_family = AF_UNSPEC;
	hints.ai_socktype = SOCK_STREAM;
	if (getaddrinfo("localhost", "1", &hints, &ai) == 0) {
		first = ai->ai_family;
		for (a = ai; a != NULL; a = a->ai_next)
			has4 |= a->ai_family == AF_INET;
		freeaddrinfo(ai);
	}
	if (first != AF_INET6 || !has4) {
		skip(2, "localhost does not resolve to ::1 before 127.0.0.1 "
		    "here (see /etc/hosts); the explicit list above covers "
		    "the fallback");
		return;
	}
	if ((lfd = loopback_socket(AF_INET, &port, 1)) < 0) {
		skip(2, "cannot listen on 127.0.0.1");
		return;
	}
	p6 = port;
	if ((bfd = loopback_socket(AF_INET6, &p6, 0)) < 0) {
		skip(2, "cannot bind ::1 on the listener's port");
		close(lfd);
		return;
	}
	probe_init(&p);
	(void)start(loop, "localhost", port, &p);
	run_until(loop, &p, 1);
	ok(p.calls == 1 && p.r.cls == NET_CONNECT_OK && p.r.attempts >= 2,
	    "localhost: ::1 refuses, 127.0.0.1 answers (%u attempts)",
	    p.r.attempts);
	ok(p.r.fd >= 0 && roundtrip(lfd, p.r.fd, NULL),
	    "localhost: a byte each way over the fallback");
	if (p.r.fd >= 0)
		close(p.r.fd);
	close(bfd);
	close(lfd);
}

static void
test_cancel(struct evloop *loop, int thr0)
{
	struct probe p[4];
	unsigned port = 0, rport = 0;
	int fds0, lfd, bfd, i, calls = 0, resolving = 0;

	/* lookups of the tests before may still be finishing their threads */
	(void)threads_back_to(thr0);
	fds0 = count_dir("/proc/self/fd");
	/* during the lookup: names, freed at once */
	for (i = 0; i < 4; i++) {
		probe_init(&p[i]);
		(void)start(loop, i % 2 ? BAD_NAME : "localhost", 22, &p[i]);
		resolving += net_connect_resolving(p[i].nc);
	}
	is_int(resolving, 4, "cancel: 4 lookups in flight");
	for (i = 0; i < 4; i++)
		net_connect_free(p[i].nc);
	ok(threads_back_to(thr0), "cancel: every helper thread ended on "
	    "its own after the cancel");
	spin(loop, 5);
	for (i = 0; i < 4; i++)
		calls += p[i].calls;
	is_int(calls, 0, "cancel: no callback after cancel during the lookup");
	is_int(count_dir("/proc/self/fd"), fds0,
	    "cancel: no descriptor left from the lookups");

	/* during the connect, and with a queued failure */
	if ((lfd = loopback_socket(AF_INET, &port, 1)) < 0 ||
	    (bfd = loopback_socket(AF_INET, &rport, 0)) < 0) {
		skip(2, "cannot listen on 127.0.0.1");
		return;
	}
	fds0 = count_dir("/proc/self/fd");
	probe_init(&p[0]);
	probe_init(&p[1]);
	(void)start(loop, "127.0.0.1", port, &p[0]);
	(void)start(loop, "127.0.0.1", rport, &p[1]);
	i = count_dir("/proc/self/fd");
	ok(p[0].nc != NULL && p[1].nc != NULL && p[0].calls == 0 &&
	    p[1].calls == 0 && i > fds0,
	    "cancel: two connects under way, %d socket(s) open", i - fds0);
	net_connect_free(p[0].nc);
	net_connect_free(p[1].nc);
	spin(loop, 5);
	ok(p[0].calls == 0 && p[1].calls == 0 &&
	    count_dir("/proc/self/fd") == fds0,
	    "cancel: no callback and no descriptor left after cancel during "
	    "the connect");
	close(bfd);
	close(lfd);
}

int
main(void)
{
	struct evloop *loop = NULL;
	struct ops_err e;
	int thr0 = count_dir("/proc/self/task");	/* before any lookup */

	if (evloop_new(&loop, &e) != 0) {
		skip_all("no event loop");
		return 0;
	}
	plan(37);
	test_args(loop);
	test_numeric(loop);
	test_refused(loop);
	test_localhost(loop);
	test_bad_name(loop);
	test_fallback(loop);
	test_immediate(loop);
	test_localhost_both(loop);
	test_cancel(loop, thr0);
	evloop_free(loop);
	return exit_status();
}

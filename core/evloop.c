/*
 * evloop.c: file events and timers over poll(2); see evloop.h.
 */
#include <errno.h>
#include <limits.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "evloop.h"

struct evloop_file {
	int		 mask;
	evloop_file_cb	*cb;
	void		*arg;
};

struct evloop_timer {
	long long		 id;
	long long		 when;	/* monotonic ms */
	evloop_timer_cb		*cb;
	void			*arg;
	int			 deleted;
	struct evloop_timer	*next;
};

struct evloop {
	struct evloop_file	*files;		/* indexed by fd */
	int			 nfiles;	/* allocated slots */
	int			 maxfd;		/* highest registered, or -1 */
	struct pollfd		*pfds;
	int			 npfds;		/* allocated */
	struct evloop_timer	*timers;
	long long		 next_timer_id;
	evloop_hook_cb		*before_sleep;
	void			*before_sleep_arg;
	int			 stop;
};

long long
evloop_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

int
evloop_new(struct evloop **out, struct ops_err *err)
{
	struct evloop *loop;

	*out = NULL;
	if ((loop = calloc(1, sizeof(*loop))) == NULL)
		return ops_err_errno(err, OPS_E_NOMEM, "allocate event loop");
	loop->maxfd = -1;
	loop->next_timer_id = 1;
	*out = loop;
	return 0;
}

void
evloop_free(struct evloop *loop)
{
	struct evloop_timer *t, *next;

	if (loop == NULL)
		return;
	for (t = loop->timers; t != NULL; t = next) {
		next = t->next;
		free(t);
	}
	free(loop->files);
	free(loop->pfds);
	free(loop);
}

static int
evloop_grow(struct evloop *loop, int fd, struct ops_err *err)
{
	struct evloop_file *nf;
	int n;

	if (fd < loop->nfiles)
		return 0;
	n = loop->nfiles ? loop->nfiles : 64;
	while (n <= fd)
		n *= 2;
	if ((nf = realloc(loop->files, (size_t)n * sizeof(*nf))) == NULL)
		return ops_err_errno(err, OPS_E_NOMEM,
		    "grow event loop to %d descriptors", n);
	memset(nf + loop->nfiles, 0,
	    (size_t)(n - loop->nfiles) * sizeof(*nf));
	loop->files = nf;
	loop->nfiles = n;
	return 0;
}

int
evloop_file_set(struct evloop *loop, int fd, int mask, evloop_file_cb *cb,
    void *arg, struct ops_err *err)
{
	int rc;

	if (fd < 0)
		return ops_err_set(err, OPS_E_INVAL,
		    "watch descriptor %d: negative", fd);
	mask &= EVLOOP_READ | EVLOOP_WRITE;
	if (mask == EVLOOP_NONE) {
		if (fd < loop->nfiles)
			evloop_file_del(loop, fd, EVLOOP_READ | EVLOOP_WRITE);
		return 0;
	}
	if ((rc = evloop_grow(loop, fd, err)) != 0)
		return rc;
	loop->files[fd].mask = mask;
	loop->files[fd].cb = cb;
	loop->files[fd].arg = arg;
	if (fd > loop->maxfd)
		loop->maxfd = fd;
	return 0;
}

int
evloop_file_add(struct evloop *loop, int fd, int mask, evloop_file_cb *cb,
    void *arg, struct ops_err *err)
{
	int old = evloop_file_mask(loop, fd);

	return evloop_file_set(loop, fd, old | mask, cb, arg, err);
}

void
evloop_file_del(struct evloop *loop, int fd, int mask)
{
	if (fd < 0 || fd >= loop->nfiles)
		return;
	loop->files[fd].mask &= ~mask;
	if (loop->files[fd].mask != EVLOOP_NONE)
		return;
	loop->files[fd].cb = NULL;
	loop->files[fd].arg = NULL;
	if (fd == loop->maxfd) {
		while (loop->maxfd >= 0 &&
		    loop->files[loop->maxfd].mask == EVLOOP_NONE)
			loop->maxfd--;
	}
}

int
evloop_file_mask(const struct evloop *loop, int fd)
{
	if (fd < 0 || fd >= loop->nfiles)
		return EVLOOP_NONE;
	return loop->files[fd].mask;
}

int
evloop_timer_add(struct evloop *loop, long long ms, evloop_timer_cb *cb,
    void *arg, long long *id, struct ops_err *err)
{
	struct evloop_timer *t;

	if (id != NULL)
		*id = 0;
	if ((t = calloc(1, sizeof(*t))) == NULL)
		return ops_err_errno(err, OPS_E_NOMEM, "allocate timer");
	if (ms < 0)
		ms = 0;
	t->id = loop->next_timer_id++;
	t->when = evloop_now_ms() + ms;
	t->cb = cb;
	t->arg = arg;
	t->next = loop->timers;
	loop->timers = t;
	if (id != NULL)
		*id = t->id;
	return 0;
}

int
evloop_timer_del(struct evloop *loop, long long id)
{
	struct evloop_timer *t;

	for (t = loop->timers; t != NULL; t = t->next) {
		if (t->id == id && !t->deleted) {
			t->deleted = 1;
			return 0;
		}
	}
	return OPS_E_NOTFOUND;
}

void
evloop_set_before_sleep(struct evloop *loop, evloop_hook_cb *cb, void *arg)
{
	loop->before_sleep = cb;
	loop->before_sleep_arg = arg;
}

void
evloop_stop(struct evloop *loop)
{
	loop->stop = 1;
}

/* Free deleted timers; return ms until the nearest live one, or -1. */
static long long
evloop_timer_sweep(struct evloop *loop, long long now)
{
	struct evloop_timer **tp, *t;
	long long best = -1, d;

	tp = &loop->timers;
	while ((t = *tp) != NULL) {
		if (t->deleted) {
			*tp = t->next;
			free(t);
			continue;
		}
		d = t->when - now;
		if (d < 0)
			d = 0;
		if (best < 0 || d < best)
			best = d;
		tp = &t->next;
	}
	return best;
}

static int
evloop_timers_run(struct evloop *loop)
{
	struct evloop_timer *t;
	long long maxid = loop->next_timer_id - 1, now, next;
	int n = 0;

	now = evloop_now_ms();
	for (t = loop->timers; t != NULL; t = t->next) {
		/* Timers added by callbacks wait for the next round. */
		if (t->deleted || t->id > maxid || t->when > now)
			continue;
		next = t->cb(loop, t->id, t->arg);
		n++;
		if (t->deleted)
			continue;
		if (next == EVLOOP_NOMORE || next < 0)
			t->deleted = 1;
		else
			t->when = evloop_now_ms() + next;
	}
	return n;
}

static int
evloop_build_pfds(struct evloop *loop, struct ops_err *err)
{
	struct pollfd *np;
	int fd, n = 0, want = loop->maxfd + 1;

	if (want > loop->npfds) {
		if ((np = realloc(loop->pfds,
		    (size_t)want * sizeof(*np))) == NULL)
			return ops_err_errno(err, OPS_E_NOMEM,
			    "allocate poll set of %d", want);
		loop->pfds = np;
		loop->npfds = want;
	}
	for (fd = 0; fd <= loop->maxfd; fd++) {
		int m = loop->files[fd].mask;

		if (m == EVLOOP_NONE)
			continue;
		loop->pfds[n].fd = fd;
		loop->pfds[n].events = 0;
		if (m & EVLOOP_READ)
			loop->pfds[n].events |= POLLIN;
		if (m & EVLOOP_WRITE)
			loop->pfds[n].events |= POLLOUT;
		loop->pfds[n].revents = 0;
		n++;
	}
	return n;
}

int
evloop_run_once(struct evloop *loop, int flags, struct ops_err *err)
{
	long long wait;
	int n, i, rc, done = 0, timeout;

	if (loop->before_sleep != NULL)
		loop->before_sleep(loop, loop->before_sleep_arg);
	wait = evloop_timer_sweep(loop, evloop_now_ms());
	if ((n = evloop_build_pfds(loop, err)) < 0)
		return n;
	if (n == 0 && wait < 0)
		return 0;
	if (flags & EVLOOP_DONT_WAIT)
		timeout = 0;
	else if (wait < 0)
		timeout = -1;
	else
		timeout = wait > INT_MAX ? INT_MAX : (int)wait;

	rc = poll(loop->pfds, (nfds_t)n, timeout);
	if (rc < 0) {
		if (errno != EINTR)
			return ops_err_errno(err, OPS_E_IO, "poll %d descriptors",
			    n);
		rc = 0;
	}
	for (i = 0; i < n && rc > 0; i++) {
		struct pollfd *p = &loop->pfds[i];
		struct evloop_file *f;
		int fired = 0;

		if (p->revents == 0)
			continue;
		rc--;
		/* An earlier callback may have changed or removed this fd. */
		f = &loop->files[p->fd];
		if (f->mask == EVLOOP_NONE || f->cb == NULL)
			continue;
		if (p->revents & (POLLIN | POLLHUP))
			fired |= EVLOOP_READ;
		if (p->revents & POLLOUT)
			fired |= EVLOOP_WRITE;
		fired &= f->mask;
		if (p->revents & (POLLERR | POLLHUP | POLLNVAL))
			fired |= EVLOOP_ERROR | f->mask;
		if (fired == 0)
			continue;
		f->cb(loop, p->fd, f->arg, fired);
		done++;
	}
	done += evloop_timers_run(loop);
	return done;
}

int
evloop_run(struct evloop *loop, struct ops_err *err)
{
	int rc;

	loop->stop = 0;
	while (!loop->stop) {
		if ((rc = evloop_run_once(loop, 0, err)) < 0)
			return rc;
		if (rc == 0 && loop->maxfd < 0 && loop->timers == NULL)
			break;
	}
	return 0;
}

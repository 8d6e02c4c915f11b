/*
 * evloop.c: file events over epoll(7) and timers in a binary heap; see
 * evloop.h.
 *
 * File events: files[] is indexed by fd and holds the mask the caller
 * asked for, which is also the mask registered with the kernel (level-
 * triggered, data.fd = fd). epoll_ctl runs only when the mask, callback
 * or argument changes. An fd epoll refuses with EPERM (a regular file)
 * goes on the "always" list and is dispatched every round, as poll(2)
 * would report it. A round number stamps fds deleted during dispatch so
 * that events already read for them (or for a new fd reusing the number)
 * are dropped for the rest of the round.
 *
 * Timers: records are allocated one by one, found by id through an open-
 * addressing hash map (linear probing, backward-shift deletion), and
 * ordered in a binary min-heap by (deadline, seq). seq grows at every add
 * and re-arm, so equal deadlines fire first-in first-out, and a round
 * fires only timers armed before it started: a timer added or re-armed
 * with 0 ms by a callback waits for the next round. A timer is out of the
 * heap while its callback runs; deleting it then marks it dead and the
 * dispatcher frees it afterwards.
 */
#include <sys/epoll.h>

#include <errno.h>
#include <limits.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "evloop.h"

/* Longest delay kept (ms, about 73 million years): deadlines never wrap. */
#define EVLOOP_MS_MAX	(LLONG_MAX / 4)

struct evloop_file {
	int			 mask;
	int			 aidx;	/* index + 1 in always[], or 0 */
	unsigned long long	 gone;	/* round it was last deleted in */
	unsigned long long	 seen;	/* round an always fd last fired */
	evloop_file_cb		*cb;
	void			*arg;
};

struct evloop_timer {
	long long		 id;
	long long		 when;	/* monotonic ms */
	unsigned long long	 seq;	/* arming order, breaks ties */
	int			 hidx;	/* index in heap, -1 when out */
	int			 dead;	/* deleted while its callback ran */
	evloop_timer_cb		*cb;
	void			*arg;
};

struct evloop {
	int			 epfd;
	struct evloop_file	*files;		/* indexed by fd */
	int			 nfiles;	/* allocated slots */
	int			 nlive;		/* fds with a mask */
	struct epoll_event	*events;
	int			 nevents;	/* allocated */
	int			*always;	/* fds epoll refused */
	int			 nalways;
	int			 aalways;	/* allocated */
	unsigned long long	 round;

	struct evloop_timer	**heap;
	int			 nheap;
	int			 aheap;		/* allocated */
	int			 nrunning;	/* popped, callback running */
	struct evloop_timer	**tmap;		/* id -> timer, NULL empty */
	size_t			 tmapsz;	/* power of two, or 0 */
	size_t			 ntimers;	/* in the map (heap + running) */
	long long		 next_timer_id;
	unsigned long long	 next_seq;

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
	if ((loop->epfd = epoll_create1(EPOLL_CLOEXEC)) == -1) {
		free(loop);
		return ops_err_errno(err, OPS_E_IO,
		    "create epoll instance for event loop");
	}
	loop->next_timer_id = 1;
	*out = loop;
	return 0;
}

void
evloop_free(struct evloop *loop)
{
	size_t i;

	if (loop == NULL)
		return;
	for (i = 0; i < loop->tmapsz; i++)
		free(loop->tmap[i]);
	free(loop->tmap);
	free(loop->heap);
	free(loop->files);
	free(loop->events);
	free(loop->always);
	close(loop->epfd);
	free(loop);
}

/* ---- file events ------------------------------------------------------ */

static int
evloop_grow(struct evloop *loop, int fd, struct ops_err *err)
{
	struct evloop_file *nf;
	int n;

	if (fd < loop->nfiles)
		return 0;
	n = loop->nfiles ? loop->nfiles : 64;
	while (n <= fd)
		n = n > INT_MAX / 2 ? INT_MAX : n * 2;
	if ((nf = realloc(loop->files, (size_t)n * sizeof(*nf))) == NULL)
		return ops_err_errno(err, OPS_E_NOMEM,
		    "grow event loop to %d descriptors", n);
	memset(nf + loop->nfiles, 0,
	    (size_t)(n - loop->nfiles) * sizeof(*nf));
	loop->files = nf;
	loop->nfiles = n;
	return 0;
}

static int
evloop_always_add(struct evloop *loop, int fd, struct ops_err *err)
{
	int *na, n;

	if (loop->nalways == loop->aalways) {
		n = loop->aalways ? loop->aalways * 2 : 8;
		if ((na = reallocarray(loop->always, (size_t)n,
		    sizeof(*na))) == NULL)
			return ops_err_errno(err, OPS_E_NOMEM,
			    "watch descriptor %d", fd);
		loop->always = na;
		loop->aalways = n;
	}
	loop->always[loop->nalways++] = fd;
	loop->files[fd].aidx = loop->nalways;
	return 0;
}

static void
evloop_always_del(struct evloop *loop, int fd)
{
	int i = loop->files[fd].aidx - 1, last;

	if (i < 0)
		return;
	last = loop->always[--loop->nalways];
	loop->always[i] = last;
	loop->files[last].aidx = i + 1;
	loop->files[fd].aidx = 0;
}

/*
 * Register fd for mask (not NONE) with the kernel, whatever the table
 * says: MOD and ADD fall back on each other for a caller that closed an
 * fd without deleting it and got the number back.
 */
static int
evloop_ctl(struct evloop *loop, int fd, int mask, struct ops_err *err)
{
	struct evloop_file *f = &loop->files[fd];
	struct epoll_event ev;
	int op, rc;

	memset(&ev, 0, sizeof(ev));
	if (mask & EVLOOP_READ)
		ev.events |= EPOLLIN;
	if (mask & EVLOOP_WRITE)
		ev.events |= EPOLLOUT;
	ev.data.fd = fd;
	op = (f->mask == EVLOOP_NONE || f->aidx) ? EPOLL_CTL_ADD :
	    EPOLL_CTL_MOD;
	rc = epoll_ctl(loop->epfd, op, fd, &ev);
	if (rc == -1 && op == EPOLL_CTL_MOD && errno == ENOENT)
		rc = epoll_ctl(loop->epfd, EPOLL_CTL_ADD, fd, &ev);
	else if (rc == -1 && op == EPOLL_CTL_ADD && errno == EEXIST)
		rc = epoll_ctl(loop->epfd, EPOLL_CTL_MOD, fd, &ev);
	if (rc == 0) {
		evloop_always_del(loop, fd);
		return 0;
	}
	if (errno == EPERM)
		return f->aidx ? 0 : evloop_always_add(loop, fd, err);
	return ops_err_errno(err, OPS_E_IO, "watch descriptor %d", fd);
}

/* Drop fd from the kernel and the table; it gets no more callbacks. */
static void
evloop_forget(struct evloop *loop, int fd)
{
	struct evloop_file *f = &loop->files[fd];

	if (f->mask == EVLOOP_NONE)
		return;
	if (f->aidx)
		evloop_always_del(loop, fd);
	else {
		/* Fails harmlessly when the fd was closed first. */
		(void)epoll_ctl(loop->epfd, EPOLL_CTL_DEL, fd, NULL);
	}
	f->mask = EVLOOP_NONE;
	f->cb = NULL;
	f->arg = NULL;
	f->gone = loop->round;
	loop->nlive--;
}

int
evloop_file_set(struct evloop *loop, int fd, int mask, evloop_file_cb *cb,
    void *arg, struct ops_err *err)
{
	struct evloop_file *f;
	int rc;

	if (fd < 0)
		return ops_err_set(err, OPS_E_INVAL,
		    "watch descriptor %d: negative", fd);
	mask &= EVLOOP_READ | EVLOOP_WRITE;
	if (mask == EVLOOP_NONE) {
		if (fd < loop->nfiles)
			evloop_forget(loop, fd);
		return 0;
	}
	if ((rc = evloop_grow(loop, fd, err)) != 0)
		return rc;
	f = &loop->files[fd];
	/* The common case: the same interest again costs nothing. */
	if (f->mask == mask && f->cb == cb && f->arg == arg)
		return 0;
	if ((rc = evloop_ctl(loop, fd, mask, err)) != 0) {
		evloop_forget(loop, fd);
		return rc;
	}
	if (f->mask == EVLOOP_NONE)
		loop->nlive++;
	f->mask = mask;
	f->cb = cb;
	f->arg = arg;
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
	struct evloop_file *f;
	int left;

	if (fd < 0 || fd >= loop->nfiles)
		return;
	f = &loop->files[fd];
	left = f->mask & ~mask & (EVLOOP_READ | EVLOOP_WRITE);
	if (left == f->mask)
		return;
	if (left == EVLOOP_NONE || evloop_ctl(loop, fd, left, NULL) != 0) {
		evloop_forget(loop, fd);
		return;
	}
	f->mask = left;
}

int
evloop_file_mask(const struct evloop *loop, int fd)
{
	if (fd < 0 || fd >= loop->nfiles)
		return EVLOOP_NONE;
	return loop->files[fd].mask;
}

/* ---- timers: heap ------------------------------------------------------ */

static int
timer_before(const struct evloop_timer *a, const struct evloop_timer *b)
{
	if (a->when != b->when)
		return a->when < b->when;
	return a->seq < b->seq;
}

static void
heap_place(struct evloop *loop, int i, struct evloop_timer *t)
{
	loop->heap[i] = t;
	t->hidx = i;
}

static void
heap_up(struct evloop *loop, int i)
{
	struct evloop_timer *t = loop->heap[i];
	int parent;

	while (i > 0) {
		parent = (i - 1) / 2;
		if (!timer_before(t, loop->heap[parent]))
			break;
		heap_place(loop, i, loop->heap[parent]);
		i = parent;
	}
	heap_place(loop, i, t);
}

static void
heap_down(struct evloop *loop, int i)
{
	struct evloop_timer *t = loop->heap[i];
	int child;

	for (;;) {
		child = 2 * i + 1;
		if (child >= loop->nheap)
			break;
		if (child + 1 < loop->nheap &&
		    timer_before(loop->heap[child + 1], loop->heap[child]))
			child++;
		if (!timer_before(loop->heap[child], t))
			break;
		heap_place(loop, i, loop->heap[child]);
		i = child;
	}
	heap_place(loop, i, t);
}

/* The caller made room (aheap > nheap). */
static void
heap_push(struct evloop *loop, struct evloop_timer *t)
{
	loop->heap[loop->nheap++] = t;
	heap_up(loop, loop->nheap - 1);
}

static void
heap_remove(struct evloop *loop, struct evloop_timer *t)
{
	struct evloop_timer *last;
	int i = t->hidx;

	t->hidx = -1;
	last = loop->heap[--loop->nheap];
	if (last == t)
		return;
	heap_place(loop, i, last);
	if (i > 0 && timer_before(last, loop->heap[(i - 1) / 2]))
		heap_up(loop, i);
	else
		heap_down(loop, i);
}

/* ---- timers: id map ---------------------------------------------------- */

static size_t
tmap_home(const struct evloop *loop, long long id)
{
	/* Fibonacci hashing spreads consecutive ids. */
	return (size_t)(((uint64_t)id * UINT64_C(0x9e3779b97f4a7c15)) >> 32) &
	    (loop->tmapsz - 1);
}

/* Slot holding id, or the empty slot where it would go. */
static size_t
tmap_find(const struct evloop *loop, long long id)
{
	size_t i = tmap_home(loop, id);

	while (loop->tmap[i] != NULL && loop->tmap[i]->id != id)
		i = (i + 1) & (loop->tmapsz - 1);
	return i;
}

static struct evloop_timer *
tmap_get(const struct evloop *loop, long long id)
{
	if (loop->tmapsz == 0 || id <= 0)
		return NULL;
	return loop->tmap[tmap_find(loop, id)];
}

/* Room for one more entry at a load of at most one half. */
static int
tmap_reserve(struct evloop *loop, struct ops_err *err)
{
	struct evloop_timer **old = loop->tmap;
	size_t oldsz = loop->tmapsz, n, i;

	if ((loop->ntimers + 1) * 2 <= loop->tmapsz)
		return 0;
	n = oldsz ? oldsz * 2 : 64;
	if ((loop->tmap = calloc(n, sizeof(*loop->tmap))) == NULL) {
		loop->tmap = old;
		return ops_err_errno(err, OPS_E_NOMEM,
		    "grow timer map to %zu slots", n);
	}
	loop->tmapsz = n;
	for (i = 0; i < oldsz; i++) {
		if (old[i] != NULL)
			loop->tmap[tmap_find(loop, old[i]->id)] = old[i];
	}
	free(old);
	return 0;
}

static void
tmap_remove(struct evloop *loop, long long id)
{
	size_t mask = loop->tmapsz - 1, i, j, home;

	i = tmap_find(loop, id);
	if (loop->tmap[i] == NULL)
		return;
	loop->ntimers--;
	/* Shift back later entries of the run that may sit past their home. */
	for (j = (i + 1) & mask; loop->tmap[j] != NULL; j = (j + 1) & mask) {
		home = tmap_home(loop, loop->tmap[j]->id);
		/* Stay when home lies cyclically in (i, j]. */
		if (i <= j ? (home > i && home <= j) : (home > i || home <= j))
			continue;
		loop->tmap[i] = loop->tmap[j];
		i = j;
	}
	loop->tmap[i] = NULL;
}

/* ---- timers: API --------------------------------------------------------- */

static long long
timer_deadline(long long now, long long ms)
{
	if (ms < 0)
		ms = 0;
	if (ms > EVLOOP_MS_MAX)
		ms = EVLOOP_MS_MAX;
	return now + ms;
}

int
evloop_timer_add(struct evloop *loop, long long ms, evloop_timer_cb *cb,
    void *arg, long long *id, struct ops_err *err)
{
	struct evloop_timer *t, **nh;
	int n, rc;

	if (id != NULL)
		*id = 0;
	/* Room for every timer, running ones included: re-arming pushes. */
	if (loop->nheap + loop->nrunning >= loop->aheap) {
		if (loop->aheap > INT_MAX / 2)
			return ops_err_set(err, OPS_E_TOOBIG,
			    "add timer: %d timers", loop->nheap);
		n = loop->aheap ? loop->aheap * 2 : 64;
		if ((nh = reallocarray(loop->heap, (size_t)n,
		    sizeof(*nh))) == NULL)
			return ops_err_errno(err, OPS_E_NOMEM,
			    "grow timer heap to %d", n);
		loop->heap = nh;
		loop->aheap = n;
	}
	if ((rc = tmap_reserve(loop, err)) != 0)
		return rc;
	if ((t = calloc(1, sizeof(*t))) == NULL)
		return ops_err_errno(err, OPS_E_NOMEM, "allocate timer");
	t->id = loop->next_timer_id++;
	t->when = timer_deadline(evloop_now_ms(), ms);
	t->seq = ++loop->next_seq;
	t->cb = cb;
	t->arg = arg;
	loop->tmap[tmap_find(loop, t->id)] = t;
	loop->ntimers++;
	heap_push(loop, t);
	if (id != NULL)
		*id = t->id;
	return 0;
}

int
evloop_timer_del(struct evloop *loop, long long id)
{
	struct evloop_timer *t;

	if ((t = tmap_get(loop, id)) == NULL)
		return OPS_E_NOTFOUND;
	tmap_remove(loop, id);
	if (t->hidx < 0) {
		/* Its callback is running: the dispatcher frees it. */
		t->dead = 1;
		return 0;
	}
	heap_remove(loop, t);
	free(t);
	return 0;
}

/* Fire the timers due now and armed before this round began. */
static int
evloop_timers_run(struct evloop *loop)
{
	struct evloop_timer *t;
	unsigned long long maxseq = loop->next_seq;
	long long now = evloop_now_ms(), next;
	int n = 0;

	while (loop->nheap > 0) {
		t = loop->heap[0];
		if (t->when > now || t->seq > maxseq)
			break;
		heap_remove(loop, t);
		loop->nrunning++;
		next = t->cb(loop, t->id, t->arg);
		loop->nrunning--;
		n++;
		if (t->dead) {
			free(t);
			continue;
		}
		if (next < 0) {
			tmap_remove(loop, t->id);
			free(t);
			continue;
		}
		/* evloop_timer_add kept room for it. */
		t->when = timer_deadline(evloop_now_ms(), next);
		t->seq = ++loop->next_seq;
		heap_push(loop, t);
	}
	return n;
}

/* ---- dispatch ------------------------------------------------------------ */

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

static int
evloop_events_reserve(struct evloop *loop, struct ops_err *err)
{
	struct epoll_event *ne;
	int n;

	if (loop->nevents >= loop->nlive && loop->nevents > 0)
		return 0;
	n = loop->nevents ? loop->nevents : 64;
	while (n < loop->nlive)
		n = n > INT_MAX / 2 ? INT_MAX : n * 2;
	if ((ne = reallocarray(loop->events, (size_t)n, sizeof(*ne))) == NULL) {
		if (loop->nevents > 0)
			return 0;	/* the rest waits for a later round */
		return ops_err_errno(err, OPS_E_NOMEM,
		    "allocate %d epoll events", n);
	}
	loop->events = ne;
	loop->nevents = n;
	return 0;
}

static int
evloop_fire(struct evloop *loop, int fd, int ready)
{
	struct evloop_file *f;
	int fired = 0;

	if (fd < 0 || fd >= loop->nfiles)
		return 0;
	/* An earlier callback may have changed or removed this fd. */
	f = &loop->files[fd];
	if (f->mask == EVLOOP_NONE || f->cb == NULL || f->gone == loop->round)
		return 0;
	if (ready & (EPOLLIN | EPOLLHUP))
		fired |= EVLOOP_READ;
	if (ready & EPOLLOUT)
		fired |= EVLOOP_WRITE;
	fired &= f->mask;
	if (ready & (EPOLLERR | EPOLLHUP))
		fired |= EVLOOP_ERROR | f->mask;
	if (fired == 0)
		return 0;
	f->cb(loop, fd, f->arg, fired);
	return 1;
}

/* Descriptors epoll refused are always ready (poll(2) says so too). */
static int
evloop_always_run(struct evloop *loop)
{
	int i, fd, done = 0;

	/* Restart after each callback: it may reorder the list. */
	for (i = 0; i < loop->nalways; i++) {
		fd = loop->always[i];
		if (loop->files[fd].seen == loop->round)
			continue;
		loop->files[fd].seen = loop->round;
		done += evloop_fire(loop, fd, EPOLLIN | EPOLLOUT);
		i = -1;
	}
	return done;
}

int
evloop_run_once(struct evloop *loop, int flags, struct ops_err *err)
{
	long long wait = -1;
	int n, i, rc, done = 0, timeout;

	if (loop->before_sleep != NULL)
		loop->before_sleep(loop, loop->before_sleep_arg);
	if (loop->nheap > 0) {
		wait = loop->heap[0]->when - evloop_now_ms();
		if (wait < 0)
			wait = 0;
	}
	if (loop->nlive == 0 && wait < 0)
		return 0;
	if ((rc = evloop_events_reserve(loop, err)) != 0)
		return rc;
	if ((flags & EVLOOP_DONT_WAIT) || loop->nalways > 0)
		timeout = 0;
	else if (wait < 0)
		timeout = -1;
	else
		timeout = wait > INT_MAX ? INT_MAX : (int)wait;

	n = epoll_wait(loop->epfd, loop->events, loop->nevents, timeout);
	if (n < 0) {
		if (errno != EINTR)
			return ops_err_errno(err, OPS_E_IO,
			    "wait for %d descriptors", loop->nlive);
		n = 0;
	}
	loop->round++;
	for (i = 0; i < n; i++)
		done += evloop_fire(loop, loop->events[i].data.fd,
		    (int)loop->events[i].events);
	if (loop->nalways > 0)
		done += evloop_always_run(loop);
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
		if (rc == 0 && loop->nlive == 0 && loop->ntimers == 0)
			break;
	}
	return 0;
}

/*
 * test-evloop.c: the event loop, host key helpers and output grouping
 * (no sshd needed). The loop's scale and dispatch rules are in
 * evloop_scale_tests below; no check depends on how long anything takes.
 */
#include <sys/resource.h>
#include <sys/socket.h>

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "evloop.h"
#include "hostkey.h"
#include "outgroup.h"
#include "tap.h"

struct ctx {
	int	fired[4];
	int	reads;
	int	hooks;
	int	pipefd[2];
	long long victim;
	struct evloop *loop;
};

static long long
t_once(struct evloop *loop, long long id, void *arg)
{
	((struct ctx *)arg)->fired[0]++;
	return EVLOOP_NOMORE;
}

static long long
t_periodic(struct evloop *loop, long long id, void *arg)
{
	struct ctx *c = arg;

	return ++c->fired[1] < 3 ? 1 : EVLOOP_NOMORE;
}

static long long
t_killer(struct evloop *loop, long long id, void *arg)
{
	struct ctx *c = arg;

	c->fired[2]++;
	evloop_timer_del(loop, c->victim);
	return EVLOOP_NOMORE;
}

static long long
t_victim(struct evloop *loop, long long id, void *arg)
{
	((struct ctx *)arg)->fired[3]++;
	return EVLOOP_NOMORE;
}

static void
on_read(struct evloop *loop, int fd, void *arg, int mask)
{
	struct ctx *c = arg;
	char b[16];

	if (mask & EVLOOP_READ) {
		c->reads++;
		if (read(fd, b, sizeof(b)) <= 0 || c->reads >= 2) {
			evloop_file_del(loop, fd, EVLOOP_READ);
			evloop_stop(loop);
		}
	}
}

static long long
t_write(struct evloop *loop, long long id, void *arg)
{
	struct ctx *c = arg;

	(void)write(c->pipefd[1], "x", 1);
	return c->reads < 2 ? 5 : EVLOOP_NOMORE;
}

static void
hook(struct evloop *loop, void *arg)
{
	((struct ctx *)arg)->hooks++;
}

/* ---- scale and dispatch rules -------------------------------------------- */

#define NPIPES		600
#define NTIMERS		10000

struct fdhit {
	int	hits;
	int	mask;	/* mask of the last callback */
	int	other;	/* fd to delete, or -1 */
	int	readd;	/* re-add other after deleting it */
};

static void
on_hit(struct evloop *loop, int fd, void *arg, int mask)
{
	struct fdhit *h = arg;
	char b[16];

	h->hits++;
	h->mask = mask;
	if ((mask & EVLOOP_READ) && !(mask & EVLOOP_ERROR))
		(void)!read(fd, b, sizeof(b));
}

static void
on_del_other(struct evloop *loop, int fd, void *arg, int mask)
{
	struct fdhit *h = arg;

	on_hit(loop, fd, arg, mask);
	if (h->other >= 0) {
		evloop_file_del(loop, h->other, EVLOOP_READ);
		if (h->readd)
			(void)evloop_file_add(loop, h->other, EVLOOP_READ,
			    on_hit, h + 2, NULL);
	}
}

/* Raise the soft descriptor limit to want; 0 when it cannot be. */
static int
nofile_at_least(rlim_t want)
{
	struct rlimit rl;

	if (getrlimit(RLIMIT_NOFILE, &rl) == -1)
		return 0;
	if (rl.rlim_cur >= want)
		return 1;
	if (rl.rlim_max != RLIM_INFINITY && rl.rlim_max < want)
		return 0;
	rl.rlim_cur = want;
	return setrlimit(RLIMIT_NOFILE, &rl) == 0;
}

/* 600 pipes, a readable subset: exactly those callbacks run. (4) */
static void
test_many_pipes(void)
{
	static int p[NPIPES][2];
	static struct fdhit h[NPIPES];
	struct evloop *loop = NULL;
	int i, n, want = 0, wrong = 0, maxfd = 0, rc;

	if (!nofile_at_least(2 * NPIPES + 64)) {
		skip(4, "cannot raise RLIMIT_NOFILE to 1264 for 600 pipes");
		return;
	}
	memset(h, 0, sizeof(h));
	evloop_new(&loop, NULL);
	for (n = 0; n < NPIPES; n++) {
		if (pipe(p[n]) == -1 || evloop_file_add(loop, p[n][0],
		    EVLOOP_READ, on_hit, &h[n], NULL) != 0)
			break;
		if (p[n][1] > maxfd)
			maxfd = p[n][1];
	}
	for (i = 0; i < n; i++) {
		if ((i * 7919) % 13 == 0) {
			(void)!write(p[i][1], "x", 1);
			want++;
		}
	}
	rc = evloop_run_once(loop, 0, NULL);
	for (i = 0; i < n; i++) {
		if (h[i].hits != ((i * 7919) % 13 == 0 ? 1 : 0) ||
		    (h[i].hits && h[i].mask != EVLOOP_READ))
			wrong++;
	}
	ok(n == NPIPES && rc == want, "%d pipes, %d readable: run_once "
	    "dispatched %d (fds up to %d)", n, want, rc, maxfd);
	is_int(wrong, 0, "exactly the readable pipes' callbacks ran, once");
	is_int(evloop_run_once(loop, EVLOOP_DONT_WAIT, NULL), 0,
	    "drained: the next round dispatches nothing");
	/* Setting the same interest again keeps every fd watched. */
	for (i = 0; i < n; i++)
		(void)evloop_file_set(loop, p[i][0], EVLOOP_READ, on_hit, &h[i],
		    NULL);
	(void)!write(p[n - 1][1], "y", 1);
	(void)!write(p[n / 2][1], "y", 1);
	rc = evloop_run_once(loop, 0, NULL);
	ok(rc == 2 && h[n - 1].hits == 1 + ((n - 1) * 7919 % 13 == 0) &&
	    h[n / 2].hits == 1 + ((n / 2) * 7919 % 13 == 0),
	    "same mask set again: two writes, two callbacks (%d)", rc);
	evloop_free(loop);
	for (i = 0; i < n; i++) {
		close(p[i][0]);
		close(p[i][1]);
	}
}

/* A callback deletes another readable fd: no callback for it this round. */
static void
test_delete_other(void)
{
	struct evloop *loop = NULL;
	struct fdhit h[4];
	int a[2], b[2], rc;

	evloop_new(&loop, NULL);
	memset(h, 0, sizeof(h));
	if (pipe(a) == -1 || pipe(b) == -1)
		return;
	/* Each deletes the other; whichever the kernel lists first wins. */
	h[0].other = b[0];
	h[1].other = a[0];
	evloop_file_add(loop, a[0], EVLOOP_READ, on_del_other, &h[0], NULL);
	evloop_file_add(loop, b[0], EVLOOP_READ, on_del_other, &h[1], NULL);
	(void)!write(a[1], "x", 1);
	(void)!write(b[1], "x", 1);
	rc = evloop_run_once(loop, 0, NULL);
	ok(rc == 1 && h[0].hits + h[1].hits == 1,
	    "fd deleted by another fd's callback gets no callback in that "
	    "round (%d dispatched)", rc);
	ok((evloop_file_mask(loop, a[0]) == EVLOOP_NONE) !=
	    (evloop_file_mask(loop, b[0]) == EVLOOP_NONE),
	    "exactly one of the two is still watched");

	/* Deleted and re-added in the same round: its turn is next round. */
	evloop_file_set(loop, a[0], EVLOOP_NONE, NULL, NULL, NULL);
	evloop_file_set(loop, b[0], EVLOOP_NONE, NULL, NULL, NULL);
	memset(h, 0, sizeof(h));
	h[0].other = b[0];
	h[0].readd = 1;		/* re-adds b with on_hit, &h[2] */
	h[1].other = -1;
	(void)!write(a[1], "x", 1);
	(void)!write(b[1], "x", 1);
	evloop_file_add(loop, a[0], EVLOOP_READ, on_del_other, &h[0], NULL);
	evloop_file_add(loop, b[0], EVLOOP_READ, on_hit, &h[1], NULL);
	/* Drain both in one round unless a's callback re-registered b. */
	rc = evloop_run_once(loop, 0, NULL);
	if (h[0].hits == 1 && h[1].hits == 0) {
		ok(rc == 1 && h[2].hits == 0,
		    "fd deleted and re-added by a callback: not in that round");
		rc = evloop_run_once(loop, 0, NULL);
		ok(rc == 1 && h[2].hits == 1 && h[1].hits == 0,
		    "re-added fd fires next round with its new callback");
	} else {
		/* b came first: its byte is gone, a's callback re-added it. */
		ok(rc == 2 && h[0].hits == 1 && h[1].hits == 1,
		    "both ran (kernel listed b first)");
		ok(evloop_run_once(loop, EVLOOP_DONT_WAIT, NULL) == 0 &&
		    evloop_file_mask(loop, b[0]) == EVLOOP_READ,
		    "re-added fd stays watched, nothing pending");
	}
	evloop_free(loop);
	close(a[0]);
	close(a[1]);
	close(b[0]);
	close(b[1]);
}

/* Closed without evloop_file_del, number reused by a new pipe. (4) */
static void
test_reuse(void)
{
	struct evloop *loop = NULL;
	struct fdhit h[3];
	int p[2], q[2], s[2], t[2], rc;

	evloop_new(&loop, NULL);
	memset(h, 0, sizeof(h));
	if (pipe(p) == -1)
		return;
	evloop_file_add(loop, p[0], EVLOOP_READ, on_hit, &h[0], NULL);
	close(p[0]);
	close(p[1]);
	if (pipe(q) == -1 || q[0] != p[0]) {
		skip(4, "pipe(2) did not hand back the closed fd number");
		evloop_free(loop);
		return;
	}
	ok(evloop_file_add(loop, q[0], EVLOOP_READ, on_hit, &h[1], NULL) ==
	    0, "new pipe on reused fd %d registered (same mask, new owner)",
	    q[0]);
	(void)!write(q[1], "x", 1);
	rc = evloop_run_once(loop, 0, NULL);
	ok(rc == 1 && h[1].hits == 1 && h[0].hits == 0,
	    "reused fd's readiness reaches the new owner");
	evloop_file_del(loop, q[0], EVLOOP_READ);
	close(q[0]);
	close(q[1]);

	/* A mask change on a reused number: MOD finds nothing, ADD. */
	if (socketpair(AF_UNIX, SOCK_STREAM, 0, s) == -1)
		return;
	evloop_file_add(loop, s[0], EVLOOP_READ, on_hit, &h[2], NULL);
	close(s[0]);
	close(s[1]);
	if (socketpair(AF_UNIX, SOCK_STREAM, 0, t) == -1 || t[0] != s[0]) {
		skip(2, "socketpair(2) did not hand back the closed fd number");
		evloop_free(loop);
		return;
	}
	h[2].hits = 0;
	ok(evloop_file_set(loop, t[0], EVLOOP_WRITE, on_hit, &h[2], NULL) ==
	    0 && evloop_run_once(loop, 0, NULL) == 1 && h[2].hits == 1 &&
	    h[2].mask == EVLOOP_WRITE,
	    "mask change on a reused fd re-registers it (write fired)");
	evloop_file_del(loop, t[0], EVLOOP_WRITE);
	(void)!write(t[1], "x", 1);
	ok(evloop_run_once(loop, EVLOOP_DONT_WAIT, NULL) == 0 &&
	    evloop_file_mask(loop, t[0]) == EVLOOP_NONE,
	    "deleted after reuse: readable data wakes nobody");
	evloop_free(loop);
	close(t[0]);
	close(t[1]);
}

/* read -> write -> read|write -> read -> none on one socket. (6) */
static void
test_masks(void)
{
	struct evloop *loop = NULL;
	struct fdhit h;
	int s[2], rc;

	evloop_new(&loop, NULL);
	memset(&h, 0, sizeof(h));
	if (socketpair(AF_UNIX, SOCK_STREAM, 0, s) == -1)
		return;
	/* Readable and writable all along; only the interest changes. */
	(void)!write(s[1], "0123456789", 10);
	evloop_file_set(loop, s[0], EVLOOP_READ, on_hit, &h, NULL);
	rc = evloop_run_once(loop, 0, NULL);
	ok(rc == 1 && h.mask == EVLOOP_READ, "read interest: READ only");
	(void)!write(s[1], "0123456789", 10);
	evloop_file_set(loop, s[0], EVLOOP_WRITE, on_hit, &h, NULL);
	rc = evloop_run_once(loop, 0, NULL);
	ok(rc == 1 && h.mask == EVLOOP_WRITE &&
	    evloop_file_mask(loop, s[0]) == EVLOOP_WRITE,
	    "write interest: WRITE only, data left unread");
	evloop_file_add(loop, s[0], EVLOOP_READ, on_hit, &h, NULL);
	rc = evloop_run_once(loop, 0, NULL);
	ok(rc == 1 && h.mask == (EVLOOP_READ | EVLOOP_WRITE),
	    "add read to write: both in one callback");
	(void)!write(s[1], "0123456789", 10);
	evloop_file_del(loop, s[0], EVLOOP_WRITE);
	rc = evloop_run_once(loop, 0, NULL);
	ok(rc == 1 && h.mask == EVLOOP_READ &&
	    evloop_file_mask(loop, s[0]) == EVLOOP_READ,
	    "delete write: READ only");
	(void)!write(s[1], "0123456789", 10);
	h.hits = 0;
	evloop_file_set(loop, s[0], EVLOOP_NONE, NULL, NULL, NULL);
	ok(evloop_run_once(loop, EVLOOP_DONT_WAIT, NULL) == 0 && h.hits == 0 &&
	    evloop_file_mask(loop, s[0]) == EVLOOP_NONE,
	    "mask none: readable socket no longer dispatched");
	ok(evloop_run(loop, NULL) == 0, "evloop_run returns with nothing "
	    "registered");
	evloop_free(loop);
	close(s[0]);
	close(s[1]);
}

/* Peer closed: EVLOOP_ERROR with the interest. /dev/null: always. (4) */
static void
test_errors(void)
{
	struct evloop *loop = NULL;
	struct fdhit h[3];
	int s[2], w[2], fd, rc;

	evloop_new(&loop, NULL);
	memset(h, 0, sizeof(h));
	if (socketpair(AF_UNIX, SOCK_STREAM, 0, s) == -1 ||
	    socketpair(AF_UNIX, SOCK_STREAM, 0, w) == -1)
		return;
	evloop_file_add(loop, s[0], EVLOOP_READ, on_hit, &h[0], NULL);
	close(s[1]);
	rc = evloop_run_once(loop, 0, NULL);
	ok(rc == 1 && h[0].mask == (EVLOOP_READ | EVLOOP_ERROR),
	    "peer closed, read interest: READ|ERROR (mask %d)", h[0].mask);
	evloop_file_del(loop, s[0], EVLOOP_READ);
	evloop_file_add(loop, w[0], EVLOOP_WRITE, on_hit, &h[1], NULL);
	close(w[1]);
	rc = evloop_run_once(loop, 0, NULL);
	ok(rc == 1 && (h[1].mask & EVLOOP_ERROR) &&
	    (h[1].mask & EVLOOP_WRITE) && !(h[1].mask & EVLOOP_READ),
	    "peer closed, write interest: WRITE|ERROR (mask %d)", h[1].mask);
	evloop_file_del(loop, w[0], EVLOOP_WRITE);
	close(s[0]);
	close(w[0]);

	/* epoll refuses /dev/null (EPERM); poll(2) calls it always ready. */
	if ((fd = open("/dev/null", O_RDONLY)) == -1) {
		skip(2, "cannot open /dev/null");
		evloop_free(loop);
		return;
	}
	ok(evloop_file_add(loop, fd, EVLOOP_READ, on_hit, &h[2], NULL) == 0 &&
	    evloop_run_once(loop, 0, NULL) == 1 && h[2].hits == 1 &&
	    h[2].mask == EVLOOP_READ, "/dev/null (not pollable) reported "
	    "readable every round");
	evloop_file_del(loop, fd, EVLOOP_READ);
	ok(evloop_run_once(loop, 0, NULL) == 0 && h[2].hits == 1,
	    "deleted /dev/null: nothing registered, run_once returns 0");
	close(fd);
	evloop_free(loop);
}

struct tm_rec {
	long long	ms;
	long long	lo;	/* clock before add: deadline >= lo + ms */
	long long	hi;	/* clock after add: deadline <= hi + ms */
	int		added;	/* add position */
	int		fired;	/* times */
	int		early;
};

struct tm_run {
	struct tm_rec	*recs;
	int		*order;	/* record index per firing */
	int		 nfired;
};

struct tm_arg {
	struct tm_run	*run;
	int		 idx;
};

static long long
t_record(struct evloop *loop, long long id, void *arg)
{
	struct tm_arg *a = arg;
	struct tm_rec *r = &a->run->recs[a->idx];

	if (evloop_now_ms() < r->lo + r->ms)
		r->early++;
	r->fired++;
	if (a->run->nfired < NTIMERS)
		a->run->order[a->run->nfired] = a->idx;
	a->run->nfired++;
	return EVLOOP_NOMORE;
}

/* 10,000 timers added in random order fire in deadline order. (4) */
static void
test_timer_order(void)
{
	struct evloop *loop = NULL;
	struct tm_run run;
	struct tm_arg *args;
	int *perm, *lastpos, i, j, tmp, dup = 0, early = 0, disorder = 0;
	int fifo = 0, prev, cur;

	memset(&run, 0, sizeof(run));
	run.recs = calloc(NTIMERS, sizeof(*run.recs));
	run.order = calloc(NTIMERS, sizeof(*run.order));
	args = calloc(NTIMERS, sizeof(*args));
	perm = calloc(NTIMERS, sizeof(*perm));
	lastpos = calloc(250, sizeof(*lastpos));
	if (!run.recs || !run.order || !args || !perm || !lastpos)
		return;
	srandom(4242);
	for (i = 0; i < NTIMERS; i++) {
		perm[i] = i;
		run.recs[i].ms = i % 250;	/* 40 timers per deadline */
	}
	for (i = NTIMERS - 1; i > 0; i--) {
		j = (int)(random() % (i + 1));
		tmp = perm[i];
		perm[i] = perm[j];
		perm[j] = tmp;
	}
	evloop_new(&loop, NULL);
	for (i = 0; i < NTIMERS; i++) {
		struct tm_rec *r = &run.recs[perm[i]];

		args[perm[i]].run = &run;
		args[perm[i]].idx = perm[i];
		r->added = i;
		r->lo = evloop_now_ms();
		evloop_timer_add(loop, r->ms, t_record, &args[perm[i]], NULL,
		    NULL);
		r->hi = evloop_now_ms();
	}
	i = evloop_run(loop, NULL);
	ok(i == 0 && run.nfired == NTIMERS, "%d timers added in random "
	    "order, %d fired", NTIMERS, run.nfired);
	for (i = 0; i < NTIMERS; i++) {
		dup += run.recs[i].fired != 1;
		early += run.recs[i].early;
	}
	ok(dup == 0 && early == 0, "each fired once, none before its "
	    "deadline (%d wrong, %d early)", dup, early);
	/*
	 * A timer may fire after another only if its deadline can be the
	 * same or later; equal delays keep the order they were added in.
	 */
	for (i = 1; i < NTIMERS && i < run.nfired; i++) {
		struct tm_rec *a = &run.recs[run.order[i - 1]];
		struct tm_rec *b = &run.recs[run.order[i]];

		if (b->hi + b->ms < a->lo + a->ms)
			disorder++;
	}
	is_int(disorder, 0, "fired in deadline order");
	for (i = 0; i < 250; i++)
		lastpos[i] = -1;
	for (i = 0; i < NTIMERS && i < run.nfired; i++) {
		cur = run.order[i];
		prev = lastpos[run.recs[cur].ms];
		if (prev >= 0 && run.recs[prev].added > run.recs[cur].added)
			fifo++;
		lastpos[run.recs[cur].ms] = cur;
	}
	is_int(fifo, 0, "equal delays fire in the order they were added");
	evloop_free(loop);
	free(run.recs);
	free(run.order);
	free(args);
	free(perm);
	free(lastpos);
}

struct tk {
	int		 fired[64];
	int		 order[64];
	int		 norder;
	long long	 ids[64];
	int		 rearm;		/* times t_rearm asks again */
	struct evloop	*loop;
};

static long long
t_note(struct evloop *loop, long long id, void *arg)
{
	struct tk *k = arg;
	int i;

	for (i = 0; i < 64; i++) {
		if (k->ids[i] == id) {
			k->fired[i]++;
			if (k->norder < 64)
				k->order[k->norder++] = i;
		}
	}
	return EVLOOP_NOMORE;
}

/* Slot 0 deletes slots 1..63 that are multiples of 3, and itself. */
static long long
t_cull(struct evloop *loop, long long id, void *arg)
{
	struct tk *k = arg;
	int i;

	k->fired[0]++;
	for (i = 3; i < 64; i += 3)
		if (evloop_timer_del(loop, k->ids[i]) != 0)
			k->fired[0] += 100;
	(void)evloop_timer_del(loop, id);
	return 5;	/* ignored: deleted */
}

static long long
t_rearm(struct evloop *loop, long long id, void *arg)
{
	struct tk *k = arg;

	k->fired[0]++;
	return k->fired[0] < k->rearm ? 0 : EVLOOP_NOMORE;
}

static long long
t_spawn(struct evloop *loop, long long id, void *arg)
{
	struct tk *k = arg;

	k->fired[0]++;
	(void)evloop_timer_add(loop, 0, t_note, k, &k->ids[1], NULL);
	return EVLOOP_NOMORE;
}

/* Deleting from callbacks, re-arming, same-time FIFO. (7) */
static void
test_timer_rules(void)
{
	struct evloop *loop = NULL;
	struct tk k;
	int i, rc, bad = 0;

	evloop_new(&loop, NULL);
	is_int(evloop_run_once(loop, 0, NULL), 0,
	    "run_once with nothing registered returns 0");

	/* 20 timers at 0 ms: one round, in the order they were added. */
	memset(&k, 0, sizeof(k));
	for (i = 0; i < 20; i++)
		evloop_timer_add(loop, 0, t_note, &k, &k.ids[i], NULL);
	rc = evloop_run_once(loop, 0, NULL);
	for (i = 0; i < 20; i++)
		bad += k.order[i] != i;
	ok(rc == 20 && k.norder == 20 && bad == 0,
	    "20 timers due together fire in one round in add order");

	/* The first of 64 deletes a third of the rest and itself. */
	memset(&k, 0, sizeof(k));
	evloop_timer_add(loop, 0, t_cull, &k, &k.ids[0], NULL);
	for (i = 1; i < 64; i++)
		evloop_timer_add(loop, i % 7, t_note, &k, &k.ids[i], NULL);
	(void)evloop_run(loop, NULL);
	for (i = 1, bad = 0; i < 64; i++)
		bad += k.fired[i] != (i % 3 == 0 ? 0 : 1);
	ok(k.fired[0] == 1 && bad == 0, "timers deleted by another timer's "
	    "callback never fire; the rest fire once (%d wrong)", bad);
	ok(evloop_timer_del(loop, k.ids[0]) == OPS_E_NOTFOUND &&
	    evloop_timer_del(loop, k.ids[3]) == OPS_E_NOTFOUND,
	    "self-deleted timer not re-armed by its return value");

	/* Period 0 re-arms for the next round, never the same one. */
	memset(&k, 0, sizeof(k));
	k.rearm = 5;
	evloop_timer_add(loop, 0, t_rearm, &k, NULL, NULL);
	for (i = 0, bad = 0; i < 5; i++)
		bad += evloop_run_once(loop, 0, NULL) != 1 ||
		    k.fired[0] != i + 1;
	ok(bad == 0 && evloop_run_once(loop, 0, NULL) == 0,
	    "re-armed with period 0: once per round, 5 rounds, then gone");

	/* A timer added by a callback waits for the next round. */
	memset(&k, 0, sizeof(k));
	evloop_timer_add(loop, 0, t_spawn, &k, NULL, NULL);
	rc = evloop_run_once(loop, 0, NULL);
	ok(rc == 1 && k.fired[0] == 1 && k.fired[1] == 0 &&
	    evloop_run_once(loop, 0, NULL) == 1 && k.fired[1] == 1,
	    "timer added at 0 ms from a callback fires next round");
	ok(evloop_timer_del(loop, 0) == OPS_E_NOTFOUND &&
	    evloop_timer_del(loop, 1LL << 40) == OPS_E_NOTFOUND &&
	    evloop_run_once(loop, 0, NULL) == 0,
	    "unknown ids not found; nothing left, run_once returns 0");
	evloop_free(loop);
}

static void
evloop_scale_tests(void)
{
	test_many_pipes();		/* 4 */
	test_delete_other();		/* 4 */
	test_reuse();			/* 4 */
	test_masks();			/* 6 */
	test_errors();			/* 4 */
	test_timer_order();		/* 4 */
	test_timer_rules();		/* 7 */
}

int
main(void)
{
	struct evloop *loop = NULL;
	struct ctx c;
	struct hostkey hk, hk2, *keys = NULL;
	size_t nkeys = 0;
	unsigned char mac[20];
	int i, rc;
	static const char b64[] =
	    "AAAAC3NzaC1lZDI1NTE5AAAAIGyG/cRzpzLbC50m3bo8Tp3Q2LnI52JFKoYmE+Sh7OUS";
	static const char fp[] =
	    "SHA256:jm7VyNinocwyG9Ohqu9hCGhncc/xJmHMtBGOSPzCuRw";
	char kh[1024];

	plan(24 + 33);
	memset(&c, 0, sizeof(c));
	ok(evloop_new(&loop, NULL) == 0, "evloop_new");
	c.loop = loop;

	/* timers */
	evloop_timer_add(loop, 0, t_once, &c, NULL, NULL);
	evloop_timer_add(loop, 1, t_periodic, &c, NULL, NULL);
	evloop_timer_add(loop, 0, t_killer, &c, NULL, NULL);
	evloop_timer_add(loop, 50, t_victim, &c, &c.victim, NULL);
	evloop_set_before_sleep(loop, hook, &c);
	for (i = 0; i < 200 && (c.fired[1] < 3 || c.fired[0] < 1); i++)
		evloop_run_once(loop, 0, NULL);
	ok(c.fired[0] == 1, "one-shot timer fired once");
	is_int(c.fired[1], 3, "periodic timer fired until it said NOMORE");
	ok(c.fired[2] == 1, "timer callback ran");
	ok(evloop_timer_del(loop, c.victim) == OPS_E_NOTFOUND,
	    "timer deleted by another callback is gone");
	ok(c.hooks > 0, "before-sleep hook called (%d)", c.hooks);
	rc = evloop_run_once(loop, EVLOOP_DONT_WAIT, NULL);
	ok(rc == 0 && c.fired[3] == 0, "deleted timer never fires");

	/* file events */
	ok(pipe(c.pipefd) == 0, "pipe");
	ok(evloop_file_add(loop, c.pipefd[0], EVLOOP_READ, on_read, &c,
	    NULL) == 0, "watch read end");
	ok(evloop_file_mask(loop, c.pipefd[0]) == EVLOOP_READ, "mask read");
	ok(evloop_file_add(loop, -1, EVLOOP_READ, on_read, &c, NULL) ==
	    OPS_E_INVAL, "negative fd refused");
	evloop_timer_add(loop, 1, t_write, &c, NULL, NULL);
	ok(evloop_run(loop, NULL) == 0 && c.reads == 2,
	    "run until stopped: two reads");
	ok(evloop_file_mask(loop, c.pipefd[0]) == EVLOOP_NONE,
	    "callback removed its own event");
	close(c.pipefd[0]);
	close(c.pipefd[1]);
	ok(evloop_now_ms() > 0, "monotonic clock");
	evloop_free(loop);
	evloop_free(NULL);

	evloop_scale_tests();

	/* HMAC-SHA1, RFC 2202 test case 2 */
	hostkey_hmac_sha1((const unsigned char *)"Jefe", 4,
	    (const unsigned char *)"what do ya want for nothing?", 28, mac);
	ok(memcmp(mac, "\xef\xfc\xdf\x6a\xe5\xeb\x2f\xa2\xd2\x74\x16\xd5"
	    "\xf1\x84\xdf\x9c\x25\x9a\x7c\x79", 20) == 0, "HMAC-SHA1 RFC 2202");

	/* fingerprints as ssh-keygen -l prints them */
	ok(hostkey_from_base64(b64, &hk, NULL) == 0 &&
	    strcmp(hk.fp, fp) == 0 && strcmp(hk.type, "ssh-ed25519") == 0,
	    "SHA256 fingerprint matches ssh-keygen -l");
	ok(hostkey_from_fp(NULL, fp, &hk2, NULL) == 0 &&
	    hostkey_equal(&hk, &hk2), "fingerprint string parses and matches");
	ok(hostkey_from_fp(NULL, "MD5:aa", &hk2, NULL) == OPS_E_INVAL &&
	    hostkey_from_base64("!!notbase64", &hk2, NULL) == OPS_E_INVAL,
	    "malformed fingerprint and key refused");

	/* known_hosts: hashed, plain, port form, comments, junk */
	snprintf(kh, sizeof(kh),
	    "# comment\n"
	    "|1|YJu+OstL3SOOujYrXn9OJ5L27k8=|o8RPINDnzu7yDreLIYPPPjkhP+E= "
	    "ssh-ed25519 %s\n"
	    "plain.example,10.0.0.1 ssh-ed25519 %s c\r\n"
	    "@revoked bad.example ssh-ed25519 %s\n"
	    "garbage line\n"
	    "*.wild ssh-ed25519 %s\n", b64, b64, b64, b64);
	ok(hostkey_known_hosts_lookup(kh, strlen(kh), "h.example", 2200,
	    &keys, &nkeys, NULL) == 0 && nkeys == 1 &&
	    hostkey_equal(&keys[0], &hk), "hashed [host]:port entry matches");
	free(keys);
	ok(hostkey_known_hosts_lookup(kh, strlen(kh), "h.example", 22,
	    &keys, &nkeys, NULL) == 0 && nkeys == 0,
	    "hashed entry does not match another port");
	free(keys);
	ok(hostkey_known_hosts_lookup(kh, strlen(kh), "10.0.0.1", 22,
	    &keys, &nkeys, NULL) == 0 && nkeys == 1,
	    "plain entry in a comma list matches (CRLF ok)");
	free(keys);
	ok(hostkey_known_hosts_lookup(kh, strlen(kh), "bad.example", 22,
	    &keys, &nkeys, NULL) == 0 && nkeys == 0,
	    "@revoked and wildcard lines never match");
	free(keys);

	/* output grouping */
	{
		struct outgroup_item it[5] = {
			{ "web1", (const unsigned char *)"a", 1, NULL, 0, 0 },
			{ "web2", (const unsigned char *)"b", 1, NULL, 0, 0 },
			{ "web3", (const unsigned char *)"a", 1, NULL, 0, 0 },
			{ "db", (const unsigned char *)"a", 1, NULL, 0, 0 },
			{ "web5", (const unsigned char *)"a", 1, NULL, 0, 1 },
		};
		struct outgroup_set *set = NULL;
		char buf[64];

		ok(outgroup_fold(it, 5, &set, NULL) == 0 && set->ngroups == 3 &&
		    set->groups[0].nmembers == 3 &&
		    set->groups[2].nmembers == 1,
		    "outgroup: 3 groups (exit status counts)");
		ok(set && strcmp(outgroup_names(&set->groups[0], it, buf,
		    sizeof(buf)), "web[1,3],db") == 0,
		    "outgroup: names %s", set ? buf : "");
		outgroup_free(set);
		outgroup_free(NULL);
	}
	return exit_status();
}

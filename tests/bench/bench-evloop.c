/*
 * bench-evloop.c: the cost of one event-loop round against the number of
 * registered descriptors (not a test; "make bench" builds it, run it by
 * hand).
 *
 * For each N (default 10, 500 and 2000) it registers the read ends of N
 * socketpairs, then times R rounds (default 100,000): each round writes
 * one byte to a random pair and runs evloop_run_once, whose callback
 * reads the byte back. It also times R rounds of evloop_file_set with the
 * mask already set (the libssh2 "wait again" path) and R timer add/delete
 * pairs with N timers pending, and the first loop again with those N
 * timers pending. Prints nanoseconds per round.
 * Usage: bench-evloop [rounds [N...]]
 */
#include <sys/resource.h>
#include <sys/socket.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "evloop.h"

struct bench {
	long long	reads;
};

static double
now(void)
{
	struct timespec	ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static void
die(const char *what)
{
	perror(what);
	exit(1);
}

static void
on_read(struct evloop *loop, int fd, void *arg, int mask)
{
	struct bench	*b = arg;
	char		 c;

	if (read(fd, &c, 1) == 1)
		b->reads++;
}

static long long
never(struct evloop *loop, long long id, void *arg)
{
	return EVLOOP_NOMORE;
}

static void
raise_nofile(int want)
{
	struct rlimit	rl;

	if (getrlimit(RLIMIT_NOFILE, &rl) == -1)
		die("getrlimit");
	if (rl.rlim_cur >= (rlim_t)want)
		return;
	rl.rlim_cur = rl.rlim_max < (rlim_t)want ? rl.rlim_max : (rlim_t)want;
	if (setrlimit(RLIMIT_NOFILE, &rl) == -1)
		die("setrlimit");
}

static double
rounds_io(struct evloop *loop, struct bench *b, int (*sp)[2], int n,
    long rounds)
{
	struct ops_err	 err;
	double		 t0;
	long		 r;
	int		 k;

	b->reads = 0;
	t0 = now();
	for (r = 0; r < rounds; r++) {
		k = (int)(random() % n);
		if (write(sp[k][1], "x", 1) != 1)
			die("write");
		if (evloop_run_once(loop, 0, &err) < 0) {
			fprintf(stderr, "bench-evloop: %s\n",
			    ops_err_msg(&err));
			exit(1);
		}
	}
	t0 = now() - t0;
	if (b->reads != rounds)
		fprintf(stderr, "bench-evloop: %lld reads for %ld rounds\n",
		    b->reads, rounds);
	return t0;
}

static void
run(int n, long rounds)
{
	struct evloop	*loop = NULL;
	struct bench	 b;
	struct ops_err	 err;
	int		(*sp)[2];
	long		 r;
	long long	 id;
	double		 t0, t_round, t_set, t_timer, t_both;
	int		 i, k;

	memset(&b, 0, sizeof(b));
	if ((sp = calloc((size_t)n, sizeof(*sp))) == NULL)
		die("calloc");
	if (evloop_new(&loop, &err) != 0) {
		fprintf(stderr, "bench-evloop: %s\n", ops_err_msg(&err));
		exit(1);
	}
	for (i = 0; i < n; i++) {
		if (socketpair(AF_UNIX, SOCK_STREAM, 0, sp[i]) == -1)
			die("socketpair");
		if (evloop_file_add(loop, sp[i][0], EVLOOP_READ, on_read, &b,
		    &err) != 0) {
			fprintf(stderr, "bench-evloop: %s\n",
			    ops_err_msg(&err));
			exit(1);
		}
	}

	srandom(1);
	t_round = rounds_io(loop, &b, sp, n, rounds);

	t0 = now();
	for (r = 0; r < rounds; r++) {
		k = (int)(random() % n);
		(void)evloop_file_set(loop, sp[k][0], EVLOOP_READ, on_read,
		    &b, NULL);
	}
	t_set = now() - t0;

	for (i = 0; i < n; i++)
		(void)evloop_timer_add(loop, 3600000 + random() % 1000,
		    never, NULL, NULL, NULL);
	t0 = now();
	for (r = 0; r < rounds; r++) {
		if (evloop_timer_add(loop, 1800000 + random() % 1000, never,
		    NULL, &id, NULL) != 0 || evloop_timer_del(loop, id) != 0)
			die("timer");
	}
	t_timer = now() - t0;
	t_both = rounds_io(loop, &b, sp, n, rounds);

	printf("N=%-5d round %8.0f ns   same-mask set %4.0f ns   "
	    "timer add+del %5.0f ns   round, N timers pending %8.0f ns\n",
	    n, t_round * 1e9 / rounds, t_set * 1e9 / rounds,
	    t_timer * 1e9 / rounds, t_both * 1e9 / rounds);
	fflush(stdout);
	evloop_free(loop);
	for (i = 0; i < n; i++) {
		close(sp[i][0]);
		close(sp[i][1]);
	}
	free(sp);
}

int
main(int argc, char **argv)
{
	static const int	 dflt[] = { 10, 500, 2000 };
	long			 rounds = 100000;
	int			 i, n, maxn = 0;

	if (argc > 1 && (rounds = strtol(argv[1], NULL, 10)) <= 0) {
		fprintf(stderr, "usage: bench-evloop [rounds [N...]]\n");
		return 1;
	}
	for (i = 2; i < argc; i++)
		if (atoi(argv[i]) > maxn)
			maxn = atoi(argv[i]);
	raise_nofile(2 * (argc > 2 ? maxn : 2000) + 64);
	if (argc > 2) {
		for (i = 2; i < argc; i++)
			if ((n = atoi(argv[i])) > 0)
				run(n, rounds);
	} else {
		for (i = 0; i < 3; i++)
			run(dflt[i], rounds);
	}
	return 0;
}

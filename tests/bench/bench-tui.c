/*
 * bench-tui.c: keypress-to-redraw latency and idle CPU of the ncurses
 * console (a benchmark, never a test). It runs the console under a pty
 * of its own (forkpty), with OPSICLE_TUI_MARK=1 in its environment: the
 * console then writes an invisible OSC marker ("ESC ] 1337 ; opsicle-
 * keys=N BEL") after the repaint that follows its N-th key, so the
 * figure is end to end: write(2) of the key, wake-up, handling, drawing,
 * the pty, our read(2) of the marker (CLOCK_MONOTONIC on both sides).
 *
 * usage: bench-tui [-k KEYS] [-i IDLE_S] [-r READY] [-x COLS] [-y ROWS]
 *            [-s SCENARIOS] [-p KEYS] -- COMMAND ARGS...
 *   READY: text the console prints once the list is loaded (default
 *   " of "); SCENARIOS: a comma list of scroll-j, scroll-k, pgdn, pgup,
 *   filter, or "all" (default); -p: keys typed first (e.g. "3" for the
 *   Job screen), each waited for. Prints one line per scenario:
 *   "NAME keys=N median=X ms p95=X ms worst=X ms (console on cpu X,
 *   waiting for a cpu X; driver waiting X) lost=N": for the slowest key,
 *   the console's time running and runnable-but-not-running, and this
 *   driver's own time waiting for a CPU (work against a busy box), from
 *   /proc/PID/schedstat; then the idle
 *   CPU over IDLE_S seconds (utime+stime from /proc/PID/stat) and the
 *   context switches (wake-ups) in that time.
 */
#include "config.h"

#include <sys/ioctl.h>
#include <sys/types.h>
#include <sys/wait.h>

#include <errno.h>
#include <poll.h>
#include <pty.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define MARK_PREFIX	"\033]1337;opsicle-keys="
#define KEY_TIMEOUT_MS	5000

struct drv {
	int		 fd;
	pid_t		 pid;
	char		 buf[1 << 16];	/* tail of the output */
	size_t		 len;
	long		 keys;		/* keys sent */
	long		 marked;	/* highest marker seen */
	/* the slowest key of a scenario: the console's time on a CPU and
	 * its time runnable but waiting for one (/proc/PID/schedstat) */
	double		 worst, worst_cpu, worst_wait;
	double		 worst_self;	/* ours, waiting for a CPU */
};

/* The console's schedstat: ns on a CPU, ns waiting on a run queue. */
static void
sched_ns(pid_t pid, double *cpu, double *wait)
{
	char	path[64];
	FILE	*fp;
	unsigned long long	c = 0, w = 0;

	snprintf(path, sizeof(path), "/proc/%d/schedstat", (int)pid);
	if ((fp = fopen(path, "r")) != NULL) {
		if (fscanf(fp, "%llu %llu", &c, &w) != 2)
			c = w = 0;
		fclose(fp);
	}
	*cpu = (double)c;
	*wait = (double)w;
}

static double
now_ms(void)
{
	struct timespec	ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

/* Scan the buffer for markers; keep a tail that may hold a partial one. */
static void
scan(struct drv *d)
{
	char	*p = d->buf, *m;
	size_t	 plen = strlen(MARK_PREFIX), keep;
	long	 n;

	while ((m = memmem(p, d->len - (size_t)(p - d->buf), MARK_PREFIX,
	    plen)) != NULL) {
		n = strtol(m + plen, NULL, 10);
		if (memchr(m, '\a', d->len - (size_t)(m - d->buf)) == NULL)
			break;
		if (n > d->marked)
			d->marked = n;
		p = m + plen;
	}
	keep = 64 + plen;
	if (d->len > keep) {
		memmove(d->buf, d->buf + d->len - keep, keep);
		d->len = keep;
	}
}

/* Read what is there, waiting at most ms. Returns -1 at EOF. */
static int
pump(struct drv *d, int ms, const char *text, int *found)
{
	struct pollfd	pfd = { d->fd, POLLIN, 0 };
	ssize_t		n;

	if (poll(&pfd, 1, ms) <= 0)
		return 0;
	if (d->len + 4096 > sizeof(d->buf)) {
		memmove(d->buf, d->buf + d->len - 256, 256);
		d->len = 256;
	}
	n = read(d->fd, d->buf + d->len, sizeof(d->buf) - d->len - 1);
	if (n <= 0)
		return n == 0 || errno != EINTR ? -1 : 0;
	d->len += (size_t)n;
	d->buf[d->len] = '\0';
	if (text != NULL && found != NULL &&
	    memmem(d->buf, d->len, text, strlen(text)) != NULL)
		*found = 1;
	scan(d);
	return 1;
}

/* Send one key and wait for its marker; the latency in ms or -1. */
static double
key(struct drv *d, const char *seq)
{
	double	t0, t, c0, w0, c1, w1, x, s0, s1;

	sched_ns(d->pid, &c0, &w0);
	sched_ns(getpid(), &x, &s0);
	d->keys++;
	t0 = now_ms();
	if (write(d->fd, seq, strlen(seq)) != (ssize_t)strlen(seq))
		return -1;
	while (d->marked < d->keys) {
		t = now_ms();
		if (t - t0 > KEY_TIMEOUT_MS)
			return -1;
		if (pump(d, (int)(KEY_TIMEOUT_MS - (t - t0)) + 1, NULL,
		    NULL) < 0)
			return -1;
	}
	t = now_ms() - t0;
	if (t > d->worst) {
		sched_ns(d->pid, &c1, &w1);
		sched_ns(getpid(), &x, &s1);
		d->worst = t;
		d->worst_self = (s1 - s0) / 1e6;
		d->worst_cpu = (c1 - c0) / 1e6;
		d->worst_wait = (w1 - w0) / 1e6;
	}
	return t;
}

static int
cmp_d(const void *a, const void *b)
{
	double	x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

static void
report(struct drv *d, const char *name, double *v, int n, int lost)
{
	if (n == 0) {
		printf("%-9s keys=0 lost=%d\n", name, lost);
		return;
	}
	qsort(v, (size_t)n, sizeof(*v), cmp_d);
	printf("%-9s keys=%d median=%.2f ms p95=%.2f ms worst=%.2f ms "
	    "(console on cpu %.2f, waiting for a cpu %.2f; driver waiting "
	    "%.2f) lost=%d\n", name, n, v[n / 2], v[(n * 95) / 100],
	    v[n - 1], d->worst_cpu, d->worst_wait, d->worst_self, lost);
	fflush(stdout);
	d->worst = d->worst_cpu = d->worst_wait = d->worst_self = 0;
}

static void
scenario_keys(struct drv *d, const char *name, const char *seq, int count)
{
	double	*v = calloc((size_t)count, sizeof(*v)), ms;
	int	 i, n = 0, lost = 0;

	if (v == NULL)
		return;
	for (i = 0; i < count; i++) {
		if ((ms = key(d, seq)) < 0)
			lost++;
		else
			v[n++] = ms;
	}
	report(d, name, v, n, lost);
	free(v);
}

/* "/", then a word typed and erased character by character, then Esc. */
static void
scenario_filter(struct drv *d, int count)
{
	static const char *const words[] = { "t0012", "10.0.3", "t09", "99" };
	double	*v = calloc((size_t)count + 64, sizeof(*v)), ms;
	int	 n = 0, lost = 0, w = 0;
	char	 c[2] = { 0, 0 };
	size_t	 i;

	if (v == NULL)
		return;
	while (n + lost < count) {
		const char *word = words[w++ % 4];

		if ((ms = key(d, "/")) < 0)
			lost++;
		else
			v[n++] = ms;
		for (i = 0; word[i] != '\0'; i++) {
			c[0] = word[i];
			if ((ms = key(d, c)) < 0)
				lost++;
			else
				v[n++] = ms;
		}
		for (i = 0; word[i] != '\0'; i++) {
			if ((ms = key(d, "\177")) < 0)
				lost++;
			else
				v[n++] = ms;
		}
		if (key(d, "\r") < 0)	/* accept the empty filter */
			lost++;
	}
	report(d, "filter", v, n, lost);
	free(v);
}

static int
proc_cpu(pid_t pid, double *cpu, long *csw)
{
	char	 path[64], buf[4096], *p;
	FILE	*fp;
	unsigned long	ut, st;
	long	 vol = 0, invol = 0;
	int	 i;

	snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
	if ((fp = fopen(path, "r")) == NULL)
		return -1;
	if (fgets(buf, sizeof(buf), fp) == NULL) {
		fclose(fp);
		return -1;
	}
	fclose(fp);
	/* after "(comm)": field 3 is state; utime is 14, stime 15 */
	if ((p = strrchr(buf, ')')) == NULL)
		return -1;
	p += 2;
	for (i = 3; i < 14 && (p = strchr(p, ' ')) != NULL; i++)
		p++;
	if (p == NULL || sscanf(p, "%lu %lu", &ut, &st) != 2)
		return -1;
	*cpu = (double)(ut + st) / (double)sysconf(_SC_CLK_TCK);
	snprintf(path, sizeof(path), "/proc/%d/status", (int)pid);
	if ((fp = fopen(path, "r")) != NULL) {
		while (fgets(buf, sizeof(buf), fp) != NULL) {
			(void)sscanf(buf, "voluntary_ctxt_switches: %ld", &vol);
			(void)sscanf(buf, "nonvoluntary_ctxt_switches: %ld",
			    &invol);
		}
		fclose(fp);
	}
	*csw = vol + invol;
	return 0;
}

static void
idle(struct drv *d, int secs)
{
	double	c0, c1, t0, t;
	long	s0, s1;

	if (proc_cpu(d->pid, &c0, &s0) != 0)
		return;
	t0 = now_ms();
	while ((t = now_ms()) - t0 < secs * 1e3)
		if (pump(d, (int)(secs * 1e3 - (t - t0)) + 1, NULL, NULL) < 0)
			break;
	if (proc_cpu(d->pid, &c1, &s1) != 0)
		return;
	t = (now_ms() - t0) / 1e3;
	printf("idle      %.1f s: cpu=%.3f s (%.2f%%) wakeups=%ld "
	    "(%.2f/s)\n", t, c1 - c0, 100 * (c1 - c0) / t, s1 - s0,
	    (double)(s1 - s0) / t);
	fflush(stdout);
}

static int
wanted(const char *list, const char *name)
{
	const char	*p;
	size_t		 n = strlen(name);

	if (strcmp(list, "all") == 0)
		return 1;
	for (p = list; (p = strstr(p, name)) != NULL; p += n)
		if ((p == list || p[-1] == ',') && (p[n] == '\0' ||
		    p[n] == ','))
			return 1;
	return 0;
}

int
main(int argc, char **argv)
{
	struct winsize	 ws = { 40, 120, 0, 0 };
	struct drv	*d;
	const char	*ready = " of ", *which = "all", *pre = "";
	char		 one[2] = { 0, 0 };
	size_t		 i;
	int		 ch, nkeys = 200, idle_s = 10, found = 0, status;
	double		 t0;

	while ((ch = getopt(argc, argv, "k:i:r:x:y:s:p:")) != -1) {
		switch (ch) {
		case 'k':
			nkeys = atoi(optarg);
			break;
		case 'i':
			idle_s = atoi(optarg);
			break;
		case 'r':
			ready = optarg;
			break;
		case 'x':
			ws.ws_col = (unsigned short)atoi(optarg);
			break;
		case 'y':
			ws.ws_row = (unsigned short)atoi(optarg);
			break;
		case 's':
			which = optarg;
			break;
		case 'p':
			pre = optarg;
			break;
		default:
			goto usage;
		}
	}
	if (optind >= argc || nkeys < 1)
		goto usage;
	if ((d = calloc(1, sizeof(*d))) == NULL)
		return 1;
	setenv("OPSICLE_TUI_MARK", "1", 1);
	if (getenv("TERM") == NULL)
		setenv("TERM", "xterm-256color", 1);
	d->pid = forkpty(&d->fd, NULL, NULL, &ws);
	if (d->pid == -1) {
		perror("forkpty");
		return 1;
	}
	if (d->pid == 0) {
		execvp(argv[optind], argv + optind);
		perror(argv[optind]);
		_exit(127);
	}
	t0 = now_ms();
	while (!found && now_ms() - t0 < 60e3)
		if (pump(d, 1000, ready, &found) < 0)
			break;
	if (!found) {
		fprintf(stderr, "bench-tui: \"%s\" never appeared\n", ready);
		kill(d->pid, SIGTERM);
		return 1;
	}
	printf("ready     after %.0f ms (%ux%u)\n", now_ms() - t0,
	    ws.ws_col, ws.ws_row);
	/* Let the first replies settle. */
	t0 = now_ms();
	while (now_ms() - t0 < 1000)
		(void)pump(d, 100, NULL, NULL);
	for (i = 0; pre[i] != '\0'; i++) {
		one[0] = pre[i];
		(void)key(d, one);
	}
	if (wanted(which, "scroll-j"))
		scenario_keys(d, "scroll-j", "j", nkeys);
	if (wanted(which, "scroll-k"))
		scenario_keys(d, "scroll-k", "k", nkeys);
	if (wanted(which, "pgdn"))
		scenario_keys(d, "pgdn", "\033[6~", nkeys);
	if (wanted(which, "pgup"))
		scenario_keys(d, "pgup", "\033[5~", nkeys);
	if (wanted(which, "filter"))
		scenario_filter(d, nkeys);
	if (idle_s > 0)
		idle(d, idle_s);
	(void)!write(d->fd, "q", 1);
	t0 = now_ms();
	while (now_ms() - t0 < 5000 && pump(d, 100, NULL, NULL) >= 0)
		if (waitpid(d->pid, &status, WNOHANG) == d->pid)
			return 0;
	kill(d->pid, SIGTERM);
	waitpid(d->pid, &status, 0);
	return 0;
usage:
	fprintf(stderr, "usage: bench-tui [-k KEYS] [-i IDLE_S] [-r READY] "
	    "[-x COLS] [-y ROWS] [-s SCENARIOS] [-p KEYS] -- COMMAND ARGS...\n");
	return 2;
}

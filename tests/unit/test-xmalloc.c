/*
 * test-xmalloc.c: the allocation policy. The x* family returns usable
 * memory and, when the fault hook denies it, ends the process with one
 * line on stderr and status 1; the ops_* family returns NULL with
 * ENOMEM (also on n * size overflow); the hook fails the n-th
 * allocation once or from then on, on the calling thread only;
 * fatal/fatalx write one line to the log and exit 1; jansson goes
 * through xmalloc after xmalloc_json_init.
 */
#include "config.h"

#include <sys/wait.h>

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <jansson.h>

#include "log.h"
#include "tap.h"
#include "xmalloc.h"

enum child_case {
	CHILD_XMALLOC,
	CHILD_XSTRDUP,
	CHILD_XASPRINTF,
	CHILD_JSON,
	CHILD_FATAL_LOG,
	CHILD_FATALX_NULL,
};

static void
child_run(enum child_case c, const char *logpath)
{
	struct ops_log	lg;

	switch (c) {
	case CHILD_XMALLOC:
		ops_alloc_fail_after(1, OPS_ALLOC_FAIL_ALL);
		(void)xmalloc(10);
		break;
	case CHILD_XSTRDUP:
		ops_alloc_fail_after(1, OPS_ALLOC_FAIL_ALL);
		(void)xstrdup("abc");
		break;
	case CHILD_XASPRINTF:
		ops_alloc_fail_after(1, OPS_ALLOC_FAIL_ALL);
		(void)xasprintf("%d", 7);
		break;
	case CHILD_JSON:
		xmalloc_json_init();
		ops_alloc_fail_after(1, OPS_ALLOC_FAIL_ALL);
		(void)json_object();
		break;
	case CHILD_FATAL_LOG:
		log_init(&lg, "test-xmalloc", LOG_LEVEL_WARN);
		if (log_open_file(&lg, logpath, NULL) != OPS_OK)
			_exit(3);
		errno = ENOENT;
		fatal(&lg, "broken %s", "invariant\x1b");
	case CHILD_FATALX_NULL:
		fatalx(NULL, "bad\nline");
	}
	_exit(2);	/* the x* call returned */
}

/* Run case c in a child; its status and up to len bytes of stderr. */
static int
child(enum child_case c, const char *logpath, char *buf, size_t len)
{
	int	pfd[2], status;
	pid_t	pid;
	ssize_t	n;
	size_t	got = 0;

	if (pipe(pfd) == -1 || (pid = fork()) == -1)
		return -1;
	if (pid == 0) {
		close(pfd[0]);
		dup2(pfd[1], STDERR_FILENO);
		child_run(c, logpath);
	}
	close(pfd[1]);
	while (got + 1 < len &&
	    (n = read(pfd[0], buf + got, len - 1 - got)) > 0)
		got += (size_t)n;
	buf[got] = '\0';
	close(pfd[0]);
	if (waitpid(pid, &status, 0) != pid || !WIFEXITED(status))
		return -1;
	return WEXITSTATUS(status);
}

static void *
thread_alloc(void *arg)
{
	void	*p = ops_malloc(16);

	*(int *)arg = p != NULL;
	free(p);
	return NULL;
}

static void
test_x_family(void)
{
	unsigned char	*p;
	char		*s;
	size_t		 i;
	int		 zero = 1;

	p = xmalloc(0);
	ok(p != NULL, "xmalloc(0) gives a pointer");
	free(p);
	p = xcalloc(64, 4);
	for (i = 0; i < 256; i++)
		zero &= p[i] == 0;
	ok(zero, "xcalloc zeroes");
	memset(p, 0xa5, 256);
	p = xreallocarray(p, 1024, 4);
	ok(p[0] == 0xa5 && p[255] == 0xa5, "xreallocarray keeps the content");
	free(p);
	s = xstrdup("opsicle");
	ok(strcmp(s, "opsicle") == 0, "xstrdup copies");
	free(s);
	s = xstrndup("opsicle", 3);
	ok(strcmp(s, "ops") == 0, "xstrndup stops at maxlen");
	free(s);
	s = xasprintf("%s-%d", "t", 42);
	ok(strcmp(s, "t-42") == 0, "xasprintf formats");
	free(s);
}

static void
test_ops_family(void)
{
	void	*p;

	errno = 0;
	p = ops_reallocarray(NULL, SIZE_MAX / 2, 4);
	ok(p == NULL && errno == ENOMEM,
	    "ops_reallocarray refuses n * size overflow with ENOMEM");
	p = ops_calloc(SIZE_MAX / 8, 16);
	ok(p == NULL, "ops_calloc refuses overflow");
	p = ops_strdup("x");
	ok(p != NULL && strcmp(p, "x") == 0, "ops_strdup copies");
	free(p);
}

static void
test_hook(void)
{
	void	*a, *b, *c;
	int	 other = 0;
	pthread_t th;

	ops_alloc_fail_after(2, OPS_ALLOC_FAIL_ONCE);
	a = ops_malloc(8);
	errno = 0;
	b = ops_malloc(8);
	ok(b == NULL && errno == ENOMEM, "once: the 2nd allocation fails");
	c = ops_malloc(8);
	ok(a != NULL && c != NULL, "once: the 1st and 3rd succeed");
	is_int(ops_alloc_fail_off(), 1, "once: one allocation failed");
	free(a);
	free(c);

	ops_alloc_fail_after(1, OPS_ALLOC_FAIL_ALL);
	a = ops_malloc(8);
	b = ops_calloc(1, 8);
	c = ops_strdup("x");
	ok(a == NULL && b == NULL && c == NULL,
	    "all: every allocation from the 1st on fails");
	if (pthread_create(&th, NULL, thread_alloc, &other) == 0)
		pthread_join(th, NULL);
	ok(other, "all: another thread is not affected");
	is_int(ops_alloc_fail_off(), 3, "all: three allocations failed");
	a = ops_malloc(8);
	ok(a != NULL, "off: allocations succeed again");
	free(a);
	is_int(ops_alloc_fail_off(), 0, "off: nothing failed since");
}

static void
test_fatal(void)
{
	char	buf[512], logpath[] = "/tmp/test-xmalloc.XXXXXX";
	FILE	*fp;
	int	 fd, rc;

	rc = child(CHILD_XMALLOC, NULL, buf, sizeof(buf));
	is_int(rc, 1, "xmalloc without memory exits 1");
	ok(strcmp(buf, "test-xmalloc: fatal: xmalloc: out of memory "
	    "(1 * 10 bytes)\n") == 0, "... with one line naming it");
	if (strchr(buf, '\n') == NULL || strchr(buf, '\n')[1] != '\0')
		diag("  stderr: %s", buf);
	rc = child(CHILD_XSTRDUP, NULL, buf, sizeof(buf));
	ok(rc == 1 && strstr(buf, "xstrdup: out of memory") != NULL,
	    "xstrdup without memory exits 1 with its line");
	rc = child(CHILD_XASPRINTF, NULL, buf, sizeof(buf));
	ok(rc == 1 && strstr(buf, "out of memory") != NULL,
	    "xasprintf without memory exits 1 with its line");
	rc = child(CHILD_JSON, NULL, buf, sizeof(buf));
	ok(rc == 1 && strstr(buf, "xmalloc: out of memory") != NULL,
	    "after xmalloc_json_init jansson allocates through xmalloc");
	rc = child(CHILD_FATALX_NULL, NULL, buf, sizeof(buf));
	ok(rc == 1 && strcmp(buf, "test-xmalloc: fatal: bad\\x0aline\n") == 0,
	    "fatalx(NULL) escapes control characters, one line, exit 1");

	if ((fd = mkstemp(logpath)) == -1) {
		ok(0, "make a log file");
		return;
	}
	close(fd);
	rc = child(CHILD_FATAL_LOG, logpath, buf, sizeof(buf));
	is_int(rc, 1, "fatal exits 1");
	buf[0] = '\0';
	if ((fp = fopen(logpath, "r")) != NULL) {
		if (fgets(buf, sizeof(buf), fp) == NULL)
			buf[0] = '\0';
		fclose(fp);
	}
	ok(strstr(buf, "] fatal: broken invariant\\x1b: ") != NULL &&
	    strstr(buf, strerror(ENOENT)) != NULL,
	    "fatal logs one escaped line with strerror to the log file");
	unlink(logpath);
}

int
main(void)
{
	json_t	*o;
	char	*s;

	plan(26);
	test_x_family();
	test_ops_family();
	test_hook();
	test_fatal();

	xmalloc_json_init();
	o = json_pack("{s:i}", "a", 1);
	s = json_dumps(o, JSON_COMPACT);
	ok(s != NULL && strcmp(s, "{\"a\":1}") == 0,
	    "jansson works through xmalloc; json_dumps is freed with free");
	free(s);
	json_decref(o);
	return exit_status();
}

/* test-keys-read.c: secret_read_fd on pipes and files, secret_read_tty
 * on a pseudo-terminal (echo off, restored afterwards). */
#include "config.h"

#include <sys/wait.h>

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pty.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

#include "keys-test-util.h"
#include "secret-read.h"
#include "secret.h"
#include "tap.h"

/* Feed len bytes through a pipe to secret_read_fd(max). */
static int
via_pipe(const void *p, size_t len, size_t max, struct secret **out,
    struct ops_err *err)
{
	int	fds[2], rc;
	pid_t	pid;

	*out = NULL;
	if (pipe(fds) == -1)
		return -100;
	fflush(stdout);
	if ((pid = fork()) == 0) {	/* writer: the pipe may exceed 64k */
		close(fds[0]);
		(void)!write(fds[1], p, len);
		_exit(0);
	}
	close(fds[1]);
	rc = secret_read_fd(fds[0], max, out, err);
	close(fds[0]);
	if (pid > 0)
		waitpid(pid, NULL, 0);
	return rc;
}

static int
reads_as(const char *in, size_t max, const char *want)
{
	struct secret	*s = NULL;
	struct ops_err	 err;
	int		 rc, same;

	if ((rc = via_pipe(in, strlen(in), max, &s, &err)) != OPS_OK) {
		diag("  %d %s", rc, err.msg);
		return 0;
	}
	same = secret_len(s) == strlen(want) &&
	    memcmp(secret_cdata(s), want, strlen(want)) == 0;
	secret_free(s);
	return same;
}

static void
test_fd(void)
{
	struct secret	*s = NULL;
	struct ops_err	 err;
	char		*big;
	int		 fd;

	ok(reads_as("hunter2\n", 64, "hunter2"), "trailing newline stripped");
	ok(reads_as("hunter2", 64, "hunter2"), "no newline is fine");
	ok(reads_as("hunter2\n\n", 64, "hunter2\n"),
	    "only one trailing newline stripped");
	ok(reads_as("two words\nline", 64, "two words\nline"),
	    "inner newline kept (reads to EOF)");
	ok(reads_as("", 64, ""), "empty input gives an empty secret");
	ok(reads_as("\n", 64, ""), "lone newline gives an empty secret");
	ok(reads_as("12345678", 8, "12345678"), "exactly max bytes");
	ok(reads_as("12345678\n", 8, "12345678"),
	    "max bytes plus newline");
	is_int(via_pipe("123456789", 9, 8, &s, &err), OPS_E_TOOBIG,
	    "max + 1 bytes is too big");
	ok(s == NULL, "no secret on error");
	is_int(via_pipe("12345678\n\n", 10, 8, &s, &err), OPS_E_TOOBIG,
	    "max bytes and two newlines is too big");
	big = malloc(200000);
	memset(big, 'a', 200000);
	is_int(via_pipe(big, 200000, 1024, &s, &err), OPS_E_TOOBIG,
	    "200 kB into a 1 KiB limit is too big");
	free(big);
	ok(strstr(err.msg, "aaaa") == NULL, "error holds no input");
	is_int(secret_read_fd(0, (size_t)SECRET_READ_FD_MAX + 1, &s, &err),
	    OPS_E_INVAL, "limit above the cap refused");
	is_int(secret_read_fd(-1, 16, &s, &err), OPS_E_IO,
	    "bad descriptor is an I/O error");

	kt_write(kt_path("pass.txt"), "from a file\n", 12, 0600);
	fd = open(kt_path("pass.txt"), O_RDONLY);
	ok(fd != -1 && secret_read_fd(fd, 1024, &s, &err) == OPS_OK &&
	    secret_len(s) == 11 && memcmp(secret_cdata(s), "from a file", 11)
	    == 0, "reads a passphrase file");
	if (fd != -1)
		close(fd);
	secret_free(s);
}

/* Read everything the pty master has, for up to ms without new bytes. */
static size_t
drain(int fd, char *buf, size_t cap, size_t have, int ms)
{
	struct pollfd	pfd = { fd, POLLIN, 0 };
	ssize_t		n;

	while (have < cap - 1 && poll(&pfd, 1, ms) == 1) {
		if ((n = read(fd, buf + have, cap - 1 - have)) <= 0)
			break;
		have += (size_t)n;
	}
	buf[have] = '\0';
	return have;
}

/* Wait until the master has shown the prompt (or give up). */
static size_t
wait_prompt(int fd, char *buf, size_t cap)
{
	size_t	have = 0;
	int	i;

	for (i = 0; i < 200 && strstr(buf, "Passphrase:") == NULL; i++)
		have = drain(fd, buf, cap, have, 50);
	return have;
}

/*
 * Reap the child, reading the master meanwhile so it never blocks on
 * output; a child still alive after about 20 s is killed by pid.
 */
static void
reap(pid_t pid, int master, int *status)
{
	struct timespec	ts = { 0, 20 * 1000 * 1000 };
	char		buf[512];
	int		i;

	for (i = 0; i < 1000; i++) {
		if (waitpid(pid, status, WNOHANG) == pid)
			return;
		drain(master, buf, sizeof(buf), 0, 0);
		nanosleep(&ts, NULL);
	}
	kill(pid, SIGKILL);
	waitpid(pid, status, 0);
	diag("terminal reader hung; killed pid %ld", (long)pid);
}

static void
test_tty(void)
{
	char		 out[4096];
	pid_t		 pid;
	int		 master, status = -1;

	memset(out, 0, sizeof(out));
	fflush(stdout);
	fflush(stderr);
	pid = forkpty(&master, NULL, NULL, NULL);
	if (pid == -1) {
		skip(4, "no pseudo-terminal available");
		return;
	}
	if (pid == 0) {
		struct secret	*s = NULL;
		struct termios	 t;
		int		 rc, code = 0;

		rc = secret_read_tty("Passphrase:", &s, NULL);
		if (rc != OPS_OK)
			code |= 1;
		else if (secret_len(s) != 11 ||
		    memcmp(secret_cdata(s), "tty-secret!", 11) != 0)
			code |= 2;
		if (tcgetattr(0, &t) == -1 || (t.c_lflag & ECHO) == 0)
			code |= 4;	/* echo not restored */
		secret_free(s);
		/* Second read: longer than the limit. */
		rc = secret_read_tty("Passphrase:", &s, NULL);
		if (rc != OPS_E_TOOBIG || s != NULL)
			code |= 8;
		_exit(code);
	}
	wait_prompt(master, out, sizeof(out));
	ok(strstr(out, "Passphrase:") != NULL, "prompt shown on the terminal");
	(void)!write(master, "tty-secret!\n", 12);
	memset(out, 0, sizeof(out));
	wait_prompt(master, out, sizeof(out));
	ok(strstr(out, "tty-secret") == NULL, "typed secret is not echoed");
	{
		char	line[1300];

		memset(line, 'x', sizeof(line) - 1);
		line[sizeof(line) - 1] = '\n';
		/* Canonical mode caps a line near 4095; 1300 fits. */
		(void)!write(master, line, sizeof(line));
	}
	/* Reap the child; a hung child is killed rather than waited on. */
	reap(pid, master, &status);
	close(master);
	ok(WIFEXITED(status) && (WEXITSTATUS(status) & 3) == 0,
	    "secret read from the terminal, newline stripped");
	ok(WIFEXITED(status) && (WEXITSTATUS(status) & 12) == 0,
	    "echo restored afterwards; over-long line refused");
	if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
		diag("child status 0x%x", status);
}

/* A signal while echo is off: terminal restored, then the signal acts. */
static void
test_tty_signal(void)
{
	char		 out[4096];
	struct termios	 t;
	pid_t		 pid;
	int		 master, status = -1, echo_during = -1;

	memset(out, 0, sizeof(out));
	fflush(stdout);
	fflush(stderr);
	pid = forkpty(&master, NULL, NULL, NULL);
	if (pid == -1) {
		skip(3, "no pseudo-terminal available");
		return;
	}
	if (pid == 0) {
		struct secret	*s = NULL;

		secret_read_tty("Passphrase:", &s, NULL);
		secret_free(s);
		_exit(0);	/* not reached if SIGINT is re-delivered */
	}
	wait_prompt(master, out, sizeof(out));
	/* On Linux the master reports the slave's settings. */
	if (tcgetattr(master, &t) == 0)
		echo_during = (t.c_lflag & ECHO) != 0;
	kill(pid, SIGINT);
	reap(pid, master, &status);
	ok(echo_during == 0, "echo is off while reading");
	ok(WIFSIGNALED(status) && WTERMSIG(status) == SIGINT,
	    "SIGINT is re-delivered after the read is abandoned");
	ok(tcgetattr(master, &t) == 0 && (t.c_lflag & ECHO) != 0,
	    "echo is back on after the signal");
	close(master);
}

int
main(void)
{
	if (ops_crypto_init(NULL) != OPS_OK) {
		printf("Bail out! libsodium\n");
		return 1;
	}
	kt_tmpdir();
	plan(23);
	test_fd();
	test_tty();
	test_tty_signal();
	kt_cleanup();
	return exit_status();
}

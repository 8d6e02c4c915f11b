/* secret-read.c: read secrets from a terminal or a descriptor (see .h). */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sodium.h>
#include <string.h>
#include <termios.h>
#include <unistd.h>

#include "secret-read.h"

/* Signals that would leave the terminal without echo; caught meanwhile. */
static const int tty_sigs[] = {
	SIGALRM, SIGHUP, SIGINT, SIGPIPE, SIGQUIT, SIGTERM, SIGTSTP, SIGTTIN,
	SIGTTOU
};
#define TTY_NSIGS	(sizeof(tty_sigs) / sizeof(tty_sigs[0]))

static volatile sig_atomic_t	tty_caught[NSIG];

static void
tty_catch(int sig)
{
	if (sig > 0 && sig < NSIG)
		tty_caught[sig] = 1;
}

static int
tty_any_caught(void)
{
	size_t	i;

	for (i = 0; i < TTY_NSIGS; i++)
		if (tty_caught[tty_sigs[i]])
			return tty_sigs[i];
	return 0;
}

static int
tcset_retry(int fd, const struct termios *t)
{
	int	r;

	while ((r = tcsetattr(fd, TCSAFLUSH, t)) == -1 && errno == EINTR)
		;
	return r;
}

/*
 * Read one line from the terminal into s; *len gets its length. The
 * caught signals are blocked except inside ppoll, so one that arrives
 * before the wait still ends it (no window between check and read).
 */
static int
tty_read_line(int fd, const sigset_t *waitmask, struct secret *s,
    size_t *len, struct ops_err *err)
{
	struct pollfd	pfd;
	unsigned char	c = 0;
	ssize_t		n;
	size_t		got = 0;
	int		sig, too_long = 0, rc = OPS_OK;

	*len = 0;
	for (;;) {
		pfd.fd = fd;
		pfd.events = POLLIN;
		pfd.revents = 0;
		if (ppoll(&pfd, 1, NULL, waitmask) == -1) {
			if (errno != EINTR) {
				rc = ops_err_errno(err, OPS_E_IO,
				    "wait for /dev/tty");
				break;
			}
			if ((sig = tty_any_caught()) != 0) {
				rc = ops_err_set(err, OPS_E_IO,
				    "read secret from /dev/tty: interrupted "
				    "by signal %d", sig);
				break;
			}
			continue;
		}
		if ((n = read(fd, &c, 1)) == -1) {
			if (errno == EINTR || errno == EAGAIN)
				continue;
			rc = ops_err_errno(err, OPS_E_IO,
			    "read secret from /dev/tty");
			break;
		}
		if (n == 0 || c == '\n' || c == '\r')
			break;
		if (got < SECRET_READ_TTY_MAX)
			secret_data(s)[got++] = c;
		else
			too_long = 1;	/* keep reading to the end of line */
	}
	sodium_memzero(&c, sizeof(c));
	if (rc == OPS_OK && too_long)
		rc = ops_err_set(err, OPS_E_TOOBIG, "read secret from /dev/tty: "
		    "longer than %d bytes", SECRET_READ_TTY_MAX);
	if (rc == OPS_OK)
		*len = got;
	return rc;
}

int
secret_read_tty(const char *prompt, struct secret **out, struct ops_err *err)
{
	struct sigaction	 sa, saved[TTY_NSIGS];
	sigset_t		 block, oldmask;
	struct termios		 old, quiet;
	struct secret		*s = NULL;
	size_t			 i, len = 0;
	int			 fd, rc, set_sigs = 0, set_term = 0;

	*out = NULL;
	if ((fd = open("/dev/tty", O_RDWR | O_NOCTTY | O_CLOEXEC)) == -1)
		return ops_err_errno(err, OPS_E_IO, "open terminal /dev/tty");
	if ((rc = secret_new(SECRET_READ_TTY_MAX, &s, err)) != OPS_OK)
		goto out;
	if (tcgetattr(fd, &old) == -1) {
		rc = ops_err_errno(err, OPS_E_IO, "read settings of /dev/tty");
		goto out;
	}
	memset(&sa, 0, sizeof(sa));
	sigemptyset(&sa.sa_mask);
	sa.sa_handler = tty_catch;	/* no SA_RESTART: ppoll sees EINTR */
	sigemptyset(&block);
	for (i = 0; i < TTY_NSIGS; i++)
		sigaddset(&block, tty_sigs[i]);
	sigprocmask(SIG_BLOCK, &block, &oldmask);
	for (i = 0; i < TTY_NSIGS; i++) {
		tty_caught[tty_sigs[i]] = 0;
		sigaction(tty_sigs[i], &sa, &saved[i]);
	}
	set_sigs = 1;
	quiet = old;
	quiet.c_lflag &= ~(tcflag_t)(ECHO | ECHONL);
	if (tcset_retry(fd, &quiet) == -1) {
		rc = ops_err_errno(err, OPS_E_IO, "turn off echo on /dev/tty");
		goto out;
	}
	set_term = 1;
	if (prompt != NULL && *prompt != '\0')
		(void)!write(fd, prompt, strlen(prompt));
	rc = tty_read_line(fd, &oldmask, s, &len, err);
	(void)!write(fd, "\n", 1);	/* the user's newline was not echoed */
out:
	if (set_term)
		tcset_retry(fd, &old);
	if (set_sigs) {
		for (i = 0; i < TTY_NSIGS; i++)
			sigaction(tty_sigs[i], &saved[i], NULL);
		/*
		 * Deliver what arrived, now that the terminal is restored:
		 * raised while blocked, it acts when the old mask returns.
		 */
		for (i = 0; i < TTY_NSIGS; i++)
			if (tty_caught[tty_sigs[i]]) {
				tty_caught[tty_sigs[i]] = 0;
				kill(getpid(), tty_sigs[i]);
			}
		sigprocmask(SIG_SETMASK, &oldmask, NULL);
	}
	close(fd);
	if (rc == OPS_OK) {
		secret_truncate(s, len);
		*out = s;
		s = NULL;
	}
	secret_free(s);
	return rc;
}

int
secret_read_fd(int fd, size_t max, struct secret **out, struct ops_err *err)
{
	struct secret	*s = NULL;
	unsigned char	*p, extra = 0;
	size_t		 got = 0;
	ssize_t		 n;
	int		 rc;

	*out = NULL;
	if (max > SECRET_READ_FD_MAX)
		return ops_err_set(err, OPS_E_INVAL,
		    "read secret: limit %zu above %d", max, SECRET_READ_FD_MAX);
	/* Room for max bytes and the newline that may follow them. */
	if ((rc = secret_new(max + 1, &s, err)) != OPS_OK)
		return rc;
	p = secret_data(s);
	while (got < max + 1) {
		if ((n = read(fd, p + got, max + 1 - got)) == -1) {
			if (errno == EINTR)
				continue;
			rc = ops_err_errno(err, OPS_E_IO, "read secret from "
			    "descriptor %d", fd);
			goto out;
		}
		if (n == 0)
			break;
		got += (size_t)n;
	}
	if (got == max + 1) {
		while ((n = read(fd, &extra, 1)) == -1 && errno == EINTR)
			;
		sodium_memzero(&extra, sizeof(extra));
		if (n != 0) {
			rc = ops_err_set(err, OPS_E_TOOBIG, "read secret from "
			    "descriptor %d: longer than %zu bytes", fd, max);
			goto out;
		}
	}
	if (got > 0 && p[got - 1] == '\n')
		got--;
	if (got > max) {
		rc = ops_err_set(err, OPS_E_TOOBIG, "read secret from "
		    "descriptor %d: longer than %zu bytes", fd, max);
		goto out;
	}
	secret_truncate(s, got);
	*out = s;
	s = NULL;
	rc = OPS_OK;
out:
	secret_free(s);
	return rc;
}

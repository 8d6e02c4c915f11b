/*
 * main.c: opsicled, the per-host daemon. Parses options, hardens the
 * process, takes the state-dir lock, opens the encrypted store (creating
 * it with a generated key file on first use) and runs until SIGTERM or
 * SIGINT.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "daemon.h"
#include "secret.h"
#include "vfs-crypt.h"

static volatile sig_atomic_t	got_stop;
static volatile sig_atomic_t	got_hup;

static void
on_signal(int sig)
{
	if (sig == SIGHUP)
		got_hup = 1;
	else
		got_stop = 1;
}

static void
usage(FILE *fp)
{
	fprintf(fp,
	    "usage: opsicled [-dfhV] [-P passphrase-file]\n"
	    "  -d       debug: stay in the foreground, log debug to stderr\n"
	    "  -f       stay in the foreground, log to stderr\n"
	    "  -P FILE  unlock a passphrase-protected store with the\n"
	    "           passphrase in FILE\n"
	    "  -h       show this help\n"
	    "  -V       show the version\n"
	    "State lives under $OPSICLE_HOME, else the XDG directories; see "
	    "opsicled(8).\n");
}

/*
 * Detach from the terminal. The parent waits on a pipe until the child
 * reports that the store is open (an empty message) or why it failed, so
 * "opsicled" exits non-zero with the reason on the user's terminal.
 */
static int
daemonize(struct ops_ctx *ctx, int *report_fd, struct ops_err *err)
{
	char	path[PATH_MAX], msg[OPS_ERR_MSG_MAX];
	ssize_t	n;
	int	fd, pfd[2], rc;

	*report_fd = -1;
	if (snprintf(path, sizeof(path), "%s/opsicled.log",
	    ctx->paths.log_dir) >= (int)sizeof(path))
		return ops_err_set(err, OPS_E_TOOBIG, "log path too long");
	if ((rc = log_open_file(&ctx->log, path, err)) != OPS_OK)
		return rc;
	if (pipe2(pfd, O_CLOEXEC) == -1)
		return ops_err_errno(err, OPS_E_IO, "pipe");
	switch (fork()) {
	case -1:
		return ops_err_errno(err, OPS_E_IO, "fork");
	case 0:
		close(pfd[0]);
		break;
	default:
		close(pfd[1]);
		while ((n = read(pfd[0], msg, sizeof(msg) - 1)) == -1 &&
		    errno == EINTR)
			;
		if (n > 0) {
			msg[n] = '\0';
			fprintf(stderr, "opsicled: %s\n", msg);
			_exit(1);
		}
		_exit(n == 0 ? 0 : 1);
	}
	*report_fd = pfd[1];
	if (setsid() == -1)
		return ops_err_errno(err, OPS_E_IO, "setsid");
	if ((fd = open("/dev/null", O_RDWR)) != -1) {
		(void)dup2(fd, STDIN_FILENO);
		(void)dup2(fd, STDOUT_FILENO);
		(void)dup2(fd, STDERR_FILENO);
		if (fd > STDERR_FILENO)
			close(fd);
	}
	return OPS_OK;
}

/* Tell a waiting parent how start-up ended (msg NULL: success). */
static void
report_start(int *report_fd, const char *msg)
{
	if (*report_fd == -1)
		return;
	if (msg != NULL)
		(void)!write(*report_fd, msg, strlen(msg));
	close(*report_fd);
	*report_fd = -1;
}

static void
install_signals(void)
{
	struct sigaction	sa;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);
	sa.sa_handler = SIG_IGN;
	sigaction(SIGPIPE, &sa, NULL);
}

static int
serve(struct ops_ctx *ctx)
{
	sigset_t	block, old;

	sigemptyset(&block);
	sigaddset(&block, SIGTERM);
	sigaddset(&block, SIGINT);
	sigaddset(&block, SIGHUP);
	sigprocmask(SIG_BLOCK, &block, &old);
	while (!got_stop) {
		sigsuspend(&old);
		if (got_hup) {
			got_hup = 0;
			log_info(&ctx->log, "SIGHUP: nothing to reload");
		}
	}
	sigprocmask(SIG_SETMASK, &old, NULL);
	log_info(&ctx->log, "stopping");
	return 0;
}

int
main(int argc, char **argv)
{
	struct ops_ctx	ctx;
	struct ops_err	err;
	int		ch, foreground = 0, debug = 0, rc, report_fd = -1;

	memset(&ctx, 0, sizeof(ctx));
	ctx.lock_fd = -1;
	while ((ch = getopt(argc, argv, "dfhP:V")) != -1) {
		switch (ch) {
		case 'd':
			debug = foreground = 1;
			break;
		case 'f':
			foreground = 1;
			break;
		case 'P':
			ctx.passphrase_file = optarg;
			break;
		case 'h':
			usage(stdout);
			return 0;
		case 'V':
			printf("opsicled %s\n", PACKAGE_VERSION);
			return 0;
		default:
			usage(stderr);
			return 2;
		}
	}
	if (optind != argc) {
		fprintf(stderr, "opsicled: unexpected argument: %s\n",
		    argv[optind]);
		usage(stderr);
		return 2;
	}

	boot_harden();
	log_init(&ctx.log, "opsicled", debug ? LOG_LEVEL_DEBUG : LOG_LEVEL_INFO);
	install_signals();
	if ((rc = ops_crypto_init(&err)) != OPS_OK ||
	    (rc = vfscrypt_global_init(&err)) != OPS_OK ||
	    (rc = ops_paths_resolve(&ctx.paths, &err)) != OPS_OK ||
	    (rc = ops_paths_mkdirs(&ctx.paths, &err)) != OPS_OK ||
	    (rc = boot_lock(&ctx, &err)) != OPS_OK)
		goto fail;
	if (!foreground && ((rc = daemonize(&ctx, &report_fd, &err)) != OPS_OK ||
	    (rc = boot_write_pid(&ctx, &err)) != OPS_OK))
		goto fail;
	if ((rc = boot_open_store(&ctx, &err)) != OPS_OK)
		goto fail;
	log_info(&ctx.log, "ready: store %s", ctx.paths.store);
	report_start(&report_fd, NULL);
	rc = serve(&ctx);
	boot_close(&ctx);
	log_close(&ctx.log);
	return rc;
fail:
	if (report_fd != -1)
		report_start(&report_fd, ops_err_msg(&err));
	else
		fprintf(stderr, "opsicled: %s\n", ops_err_msg(&err));
	if (ctx.log.owned)
		log_warnx(&ctx.log, "%s", ops_err_msg(&err));
	boot_close(&ctx);
	log_close(&ctx.log);
	return 1;
}

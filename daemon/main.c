/*
 * main.c: opsicled, the per-host daemon. Parses options, hardens the
 * process, takes the state-dir lock, opens the encrypted store (creating
 * it with a generated key file on first use), then serves the socket API
 * on one event loop until "daemon stop", SIGTERM or SIGINT.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "daemon.h"
#include "http.h"
#include "notify.h"
#include "secret.h"
#include "totp-user.h"
#include "unlock.h"
#include "vfs-crypt.h"
#include "xmalloc.h"

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
	    "usage: opsicled [-dfhRSsVv] [-P passphrase-file]\n"
	    "  -d       debug: stay in the foreground, log debug to stderr\n"
	    "  -f       stay in the foreground, log to stderr\n"
	    "  -P FILE  unlock a passphrase-protected store with the\n"
	    "           passphrase in FILE (without it such a store\n"
	    "           starts locked until \"opsicle unlock\")\n"
	    "  -R       take the store as it is and record a new state\n"
	    "           file (after restoring store.db without its\n"
	    "           store.db-state; see opsicled(8))\n"
	    "  -S       system-wide: state in /var/lib/opsicle, socket in\n"
	    "           /run/opsicle, config /etc/opsicle/opsicle.conf\n"
	    "  -s       log to syslog (facility daemon)\n"
	    "  -v       log debug messages too\n"
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
	if (ctx->log.syslog)
		goto detach;
	if (snprintf(path, sizeof(path), "%s/opsicled.log",
	    ctx->paths.log_dir) >= (int)sizeof(path))
		return ops_err_set(err, OPS_E_TOOBIG, "log path too long");
	if ((rc = log_open_file(&ctx->log, path, err)) != OPS_OK)
		return rc;
detach:
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
	/* Whatever still writes to fd 2 (fatalx before the log, xmalloc's
	 * out-of-memory line, the sanitizers) lands in the log file. */
	if (ctx->log.fp != NULL && ctx->log.fp != stderr)
		(void)dup2(fileno(ctx->log.fp), STDERR_FILENO);
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

/* Signal flags and stop requests are polled from a timer: poll(2) wakes
 * on EINTR anyway. */
static long long
signal_timer(struct evloop *loop, long long id, void *arg)
{
	struct ops_ctx	*ctx = arg;

	(void)loop;
	(void)id;
	if (got_hup) {
		struct ops_err	err;

		got_hup = 0;
		if (boot_load_config(ctx, &err) != OPS_OK)
			log_warnx(&ctx->log, "SIGHUP: refused %s, keeping "
			    "the old configuration: %s", ctx->paths.config,
			    ops_err_msg(&err));
		else
			log_info(&ctx->log, "SIGHUP: reloaded %s",
			    ctx->paths.config);
	}
	/* Lifecycle is ours: stop the runner, then, once it is drained,
	 * the server (neither calls the other). */
	if (got_stop || ctx->stop_requested) {
		if (!ctx->stop_requested)
			log_info(&ctx->log, "stopping on signal");
		/* Running jobs get a grace period (jobs.c). */
		jobs_shutdown(ctx, ctx->stop_requested ? ctx->stop_grace_ms :
		    JOBS_GRACE_MS, server_shutdown);
		return EVLOOP_NOMORE;
	}
	return 100;
}

/* Listen on the socket; the caller reports ready after this. */
static int
serve_start(struct ops_ctx *ctx, struct ops_err *err)
{
	int	rc;

	ctx->started = time(NULL);
	ctx->started_ms = evloop_now_ms();
	if ((rc = evloop_new(&ctx->loop, err)) != OPS_OK ||
	    (rc = evloop_timer_add(ctx->loop, 100, signal_timer, ctx, NULL,
	    err)) != OPS_OK ||
	    (rc = events_init(ctx, err)) != OPS_OK ||
	    (rc = http_init(ctx, err)) != OPS_OK ||
	    (rc = notify_init(ctx, err)) != OPS_OK ||
	    (rc = events_sink_add(ctx, events_client_sink, NULL,
	    err)) != OPS_OK ||
	    (rc = jobs_init(ctx, err)) != OPS_OK ||
	    (rc = schedules_init(ctx, err)) != OPS_OK ||
	    (rc = discover_init(ctx, err)) != OPS_OK)
		return rc;
	return server_start(ctx, err);
}

static int
serve(struct ops_ctx *ctx)
{
	struct ops_err	err;
	int		rc;

	rc = evloop_run(ctx->loop, &err);
	if (rc < 0)
		log_warnx(&ctx->log, "event loop: %s", ops_err_msg(&err));
	log_info(&ctx->log, "stopping");
	return rc < 0 ? 1 : 0;
}

static void
serve_done(struct ops_ctx *ctx)
{
	unlock_kdf_abandon(ctx->unlock_kdf);
	ctx->unlock_kdf = NULL;
	unlock_throttle_free(ctx);
	totp_user_free(ctx);
	schedules_free(ctx);
	discover_free(ctx);
	jobs_free(ctx);
	server_stop(ctx);
	notify_done(ctx);
	http_done(ctx);
	events_done(ctx);
	evloop_free(ctx->loop);
	ctx->loop = NULL;
}

int
main(int argc, char **argv)
{
	struct ops_ctx	ctx;
	struct ops_err	err;
	int		ch, foreground = 0, debug = 0, rc, report_fd = -1;
	int		use_syslog = 0, system_wide = 0;

	/* jansson allocates through xmalloc: a builder then fails only on
	 * bad input, never for want of memory (HACKING.md, "Allocation"). */
	xmalloc_json_init();
	memset(&ctx, 0, sizeof(ctx));
	ctx.lock_fd = -1;
	ctx.log_min = LOG_LEVEL_WARN;
	while ((ch = getopt(argc, argv, "dfhP:RSsVv")) != -1) {
		switch (ch) {
		case 'd':
			debug = foreground = 1;
			ctx.log_min = LOG_LEVEL_DEBUG;
			break;
		case 'S':
			system_wide = 1;
			break;
		case 's':
			use_syslog = 1;
			break;
		case 'v':
			ctx.log_min = LOG_LEVEL_DEBUG;
			break;
		case 'f':
			foreground = 1;
			break;
		case 'P':
			ctx.passphrase_file = optarg;
			break;
		case 'R':
			ctx.reset_state = 1;
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

	boot_close_fds();
	boot_harden();
	log_init(&ctx.log, "opsicled", debug ? LOG_LEVEL_DEBUG : LOG_LEVEL_INFO);
	install_signals();
	if ((rc = ops_crypto_init(&err)) != OPS_OK ||
	    (rc = vfscrypt_global_init(&err)) != OPS_OK ||
	    (rc = (system_wide ? ops_paths_resolve_system(&ctx.paths, &err) :
	    ops_paths_resolve(&ctx.paths, &err))) != OPS_OK ||
	    (rc = ops_paths_mkdirs(&ctx.paths, &err)) != OPS_OK ||
	    (rc = boot_lock(&ctx, &err)) != OPS_OK ||
	    (rc = boot_load_config(&ctx, &err)) != OPS_OK)
		goto fail;
	if (unlock_throttle_load(&ctx, &err) != OPS_OK)
		log_warnx(&ctx.log, "unlock failures: %s", ops_err_msg(&err));
	/* -s, or "log = syslog" when not debugging on the terminal. */
	if (use_syslog || (!debug &&
	    strcmp(config_str(ctx.config, "log"), "syslog") == 0))
		log_open_syslog(&ctx.log);
	if (!foreground && ((rc = daemonize(&ctx, &report_fd, &err)) != OPS_OK ||
	    (rc = boot_write_pid(&ctx, &err)) != OPS_OK))
		goto fail;
	if ((rc = boot_open_store(&ctx, &err)) != OPS_OK ||
	    (rc = serve_start(&ctx, &err)) != OPS_OK)
		goto fail;
	log_info(&ctx.log, "ready: store %s%s", ctx.paths.store,
	    ctx.store == NULL ? " (locked)" : "");
	report_start(&report_fd, NULL);
	rc = serve(&ctx);
	serve_done(&ctx);
	boot_close(&ctx);
	log_close(&ctx.log);
	return rc;
fail:
	if (report_fd != -1)
		report_start(&report_fd, ops_err_msg(&err));
	else
		fprintf(stderr, "opsicled: %s\n", ops_err_msg(&err));
	if (ctx.log.owned || ctx.log.syslog)
		log_warnx(&ctx.log, "%s", ops_err_msg(&err));
	serve_done(&ctx);
	boot_close(&ctx);
	log_close(&ctx.log);
	return 1;
}

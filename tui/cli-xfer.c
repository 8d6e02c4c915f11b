/*
 * cli-xfer.c: "opsicle push SELECTOR... LOCAL REMOTE" and "opsicle pull
 * SELECTOR... REMOTE LOCALDIR": the engine's checked transfers as jobs,
 * followed like run (live lines, summary, exit codes). The CLI opens
 * LOCAL (push) or LOCALDIR (pull) itself and passes the descriptor with
 * the request, so the daemon never opens the path with its own rights
 * (daemon/handlers-xfer.c); a LOCAL that cannot be opened is a usage
 * error (exit 2) before anything is sent.
 */
#include "config.h"

#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli-table.h"
#include "tui.h"

static cli_exec_fn	cli_push, cli_pull;

#define XFER_DETAILS \
	"  --mode MODE            push: the remote file's mode, octal " \
	"(default 0644)\n" \
	"  --timeout SEC          per target, for the whole copy\n" \
	"Each target's line says the copy's SHA-256, size and mode; the " \
	"copy is\nchecked end to end and renamed into place, never left " \
	"half written.\nPull writes LOCALDIR/TARGET/BASENAME (mode 0600), " \
	"never through a symlink."

const struct cmd_entry cmd_push_entry = {
	.name = "push",
	.usage = "push [--mode MODE] [--timeout SEC] [--forks N] [--quiet] "
	    "[--no-prefix] [-S | --max-exit] [-x SELECTOR] SELECTOR... LOCAL "
	    "REMOTE",
	.help = "copy a local file to a path on targets, checked (SHA-256)",
	.details = XFER_DETAILS,
	.min_args = 3, .max_args = -1,
	.options = "mode= timeout= forks= quiet no-prefix max-exit exclude=*",
	.flags = CMD_RW,
	.type = PROTO_PUSH,
	.exec = cli_push,
};

const struct cmd_entry cmd_pull_entry = {
	.name = "pull",
	.usage = "pull [--timeout SEC] [--forks N] [--quiet] [--no-prefix] "
	    "[-S | --max-exit] [-x SELECTOR] SELECTOR... REMOTE LOCALDIR",
	.help = "copy a file from targets into LOCALDIR/TARGET/, checked",
	.details = XFER_DETAILS,
	.min_args = 3, .max_args = -1,
	.options = "timeout= forks= quiet no-prefix max-exit exclude=*",
	.flags = CMD_RW,
	.type = PROTO_PULL,
	.exec = cli_pull,
};

/* --mode: octal, at most 0777; -1 absent, -2 a usage error. */
static long
mode_opt(const struct cli_args *a)
{
	const char	*v = cli_opt(a, "mode");
	char		*end;
	long		 n;

	if (v == NULL)
		return -1;
	errno = 0;
	n = strtol(v, &end, 8);
	if (*v == '\0' || *end != '\0' || errno != 0 || n < 0 || n > 0777) {
		fprintf(stderr, "opsicle push: --mode needs an octal mode "
		    "from 0 to 0777, not \"%s\"\n", v);
		return -2;
	}
	return n;
}

static int
xfer(const struct cli_args *a, int push)
{
	const char	*who = push ? "push" : "pull";
	const char	*local = a->pos[a->npos - (push ? 2 : 1)];
	const char	*remote = a->pos[a->npos - (push ? 1 : 2)];
	struct cli_conn	 c;
	struct ops_err	 err;
	struct stat	 st;
	json_t		*m = NULL;
	long		 timeout, forks, mode = -1;
	int		 fd = -1, rc;

	memset(&c, 0, sizeof(c));
	c.fd = -1;
	if ((timeout = cli_num_opt(a, "timeout", 7 * 24 * 3600)) == 0 ||
	    (forks = cli_num_opt(a, "forks", 4096)) == 0 ||
	    (push && (mode = mode_opt(a)) == -2))
		return EXIT_USAGE;
	/* Ours to open, with our rights; the daemon gets the descriptor. */
	fd = open(local, push ? O_RDONLY | O_CLOEXEC | O_NOCTTY :
	    O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0 || fstat(fd, &st) != 0 || (push && !S_ISREG(st.st_mode))) {
		fprintf(stderr, "opsicle %s: %s %s: %s\n", who, push ?
		    "local file" : "local directory", local, fd < 0 ?
		    strerror(errno) : "not a regular file");
		if (fd >= 0)
			close(fd);
		return EXIT_USAGE;
	}
	if ((rc = client_open(&c, !a->no_start, &err)) != OPS_OK) {
		cli_errmsg(NULL, ops_err_msg(&err));
		rc = c.refused ? EXIT_REFUSED : EXIT_NODAEMON;
		goto out;
	}
	m = cli_msg(a);
	if ((rc = cli_run_targets(a, a->pos, a->npos - 2, m)) != 0)
		goto out;
	(void)proto_add_str(m, "local", local, NULL);
	(void)proto_add_str(m, "remote", remote, NULL);
	if (mode >= 0)
		(void)proto_add_int(m, "mode", mode, NULL);
	if (timeout > 0)
		(void)proto_add_int(m, "timeout", timeout, NULL);
	if (forks > 0)
		(void)proto_add_int(m, "forks", forks, NULL);
	rc = cli_run_submit(&c, a, m, fd, who, 0);
out:
	if (fd >= 0)
		close(fd);
	json_decref(m);
	client_close(&c);
	return rc;
}

static int
cli_push(const struct cli_args *a)
{
	return xfer(a, 1);
}

static int
cli_pull(const struct cli_args *a)
{
	return xfer(a, 0);
}

/*
 * cli-misc.c: daemon status and stop, audit list and verify. Audit texts
 * may quote what a target or an imported file held: they are shown
 * through core/termsafe.
 */
#include "config.h"

#include <sys/file.h>

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "termsafe.h"
#include "tui.h"

/* ---- command entries (listed in cli-table.c) ---------------------------- */

/* The entries are the way in: the functions that run them are static. */
static cli_exec_fn	cli_daemon_status, cli_daemon_stop, cli_audit_list,
			cli_audit_verify;

const struct cmd_entry cmd_daemon_status_entry = {
	.name = "daemon status",
	.usage = "daemon status [--json]",
	.help = "show the daemon's pid, version, uptime and store",
	.min_args = 0, .max_args = 0,
	.options = "json",
	.flags = CMD_RO,
	.type = PROTO_DAEMON_STATUS,
	.exec = cli_daemon_status,
};

const struct cmd_entry cmd_daemon_stop_entry = {
	.name = "daemon stop",
	.usage = "daemon stop [--grace SEC]",
	.help = "stop the daemon; running jobs get SEC seconds "
	    "(default 10) to finish",
	.min_args = 0, .max_args = 0,
	.options = "grace=",
	/* Never starts a daemon to stop it. */
	.flags = 0,
	.type = PROTO_DAEMON_STOP,
	.exec = cli_daemon_stop,
};

const struct cmd_entry cmd_audit_list_entry = {
	.name = "audit list",
	.usage = "audit list [--limit N] [--json]",
	.help = "show the newest audit records",
	.min_args = 0, .max_args = 0,
	.options = "limit= json",
	.flags = CMD_RO,
	.type = PROTO_AUDIT_LIST,
	.exec = cli_audit_list,
};

const struct cmd_entry cmd_audit_verify_entry = {
	.name = "audit verify",
	.usage = "audit verify [--json]",
	.help = "check the audit hash chain; names the first broken "
	    "record",
	.min_args = 0, .max_args = 0,
	.options = "json",
	.flags = CMD_RO,
	.type = PROTO_AUDIT_VERIFY,
	.exec = cli_audit_verify,
};

static void
show_status(const struct cli_args *a, const json_t *r)
{
	(void)a;
	printf("opsicled %s, pid %lld, up %llds\n", cli_str(r, "version"),
	    cli_int(r, "pid"), cli_int(r, "uptime"));
	printf("store   %s (%s)\n", cli_str(r, "store"),
	    json_is_true(json_object_get(r, "locked")) ? "locked" :
	    "unlocked");
	printf("socket  %s\n", cli_str(r, "socket"));
}

int
cli_daemon_status(const struct cli_args *a)
{
	json_t	*m = cli_msg(a);
	int	 rc = cli_send(a, m, show_status);

	json_decref(m);
	return rc;
}

/*
 * Wait until no daemon holds the lock file (it is gone), up to limit_s
 * seconds. 0 when it is gone, -1 on timeout.
 */
static int
wait_daemon_gone(const char *lock, long limit_s)
{
	struct timespec	 ts = { 0, 50 * 1000 * 1000 };
	long		 i;
	int		 fd, gone;

	for (i = 0; i < limit_s * 20; i++) {
		if ((fd = open(lock, O_RDONLY | O_CLOEXEC)) == -1)
			return errno == ENOENT ? 0 : -1;
		gone = flock(fd, LOCK_SH | LOCK_NB) == 0;
		close(fd);
		if (gone)
			return 0;
		nanosleep(&ts, NULL);
	}
	return -1;
}

/*
 * Ask the daemon to stop, then wait until it has: the next command may
 * then start a fresh one (as "tmux kill-server" returns once it is done).
 */
/* The daemon stops, but says what went wrong on the way (an audit). */
static void
stop_warning(const struct cli_args *a, const json_t *r)
{
	(void)a;
	if (json_is_string(json_object_get(r, "warning")))
		fprintf(stderr, "opsicle daemon stop: warning: %s\n",
		    cli_str(r, "warning"));
}

int
cli_daemon_stop(const struct cli_args *a)
{
	struct ops_paths p;
	struct ops_err	 err;
	json_t		*m;
	const char	*g = cli_opt(a, "grace");
	char		*end;
	long		 n = -1;
	int		 rc;

	if (g != NULL) {
		n = strtol(g, &end, 10);
		if (*g == '\0' || *end != '\0' || n < 0 || n > 86400) {
			fprintf(stderr, "opsicle daemon stop: --grace must be "
			    "0-86400 seconds\n");
			return EXIT_USAGE;
		}
	}
	m = cli_msg(a);
	if (n >= 0)
		proto_add_int(m, "grace", n, NULL);
	rc = cli_send(a, m, stop_warning);
	json_decref(m);
	if (rc != 0)
		return rc;
	/* The same paths client_open used to reach the daemon. */
	if (ops_paths_resolve(&p, &err) != OPS_OK) {
		fprintf(stderr, "opsicle daemon stop: %s\n", ops_err_msg(&err));
		return 1;
	}
	/* Jobs get the grace period, then a few seconds to be recorded. */
	if (wait_daemon_gone(p.lock, (n >= 0 ? n : 10) + 30) == -1) {
		fprintf(stderr, "opsicle daemon stop: opsicled is still "
		    "running (%s is locked)\n", p.lock);
		return 1;
	}
	return 0;
}

static void
show_audit(const struct cli_args *a, const json_t *r)
{
	struct audit_rec rec;
	struct ops_err	 err;
	char		**cells, ts[32], id[24];
	size_t		 n = json_array_size(r), i, k = 0;

	(void)a;
	if ((cells = calloc((n + 1) * 6, sizeof(*cells))) == NULL)
		return;
	cells[k++] = "ID";
	cells[k++] = "TIME";
	cells[k++] = "ACTOR";
	cells[k++] = "ACTION";
	cells[k++] = "OBJECT";
	cells[k++] = "RESULT";
	for (i = 0; i < n; i++) {
		if (audit_rec_decode(json_array_get(r, i), &rec, &err) !=
		    OPS_OK) {
			cli_errmsg(NULL, ops_err_msg(&err));
			break;
		}
		snprintf(id, sizeof(id), "%lld", (long long)rec.id);
		cli_time(rec.ts, ts, sizeof(ts));
		cells[k++] = strdup(id);
		cells[k++] = strdup(ts);
		cells[k++] = termsafe_strdup(cli_dash(rec.actor), 0);
		cells[k++] = termsafe_strdup(cli_dash(rec.action), 0);
		cells[k++] = termsafe_strdup(cli_dash(rec.object), 0);
		cells[k++] = termsafe_strdup(cli_dash(rec.result), 0);
	}
	n = k / 6 - 1;
	for (i = 6; i < k; i++)
		if (cells[i] == NULL)
			goto out;
	cli_table(cells, n + 1, 6);
out:
	for (i = 6; i < k; i++)
		free(cells[i]);
	free(cells);
}

int
cli_audit_list(const struct cli_args *a)
{
	json_t		*m = cli_msg(a);
	const char	*lim = cli_opt(a, "limit");
	char		*end;
	long		 n;
	int		 rc;

	if (lim != NULL) {
		n = strtol(lim, &end, 10);
		if (*lim == '\0' || *end != '\0' || n < 1 || n > 100000) {
			fprintf(stderr, "opsicle audit list: --limit must be "
			    "1-100000\n");
			json_decref(m);
			return EXIT_USAGE;
		}
		proto_add_int(m, "limit", n, NULL);
	}
	rc = cli_send(a, m, show_audit);
	json_decref(m);
	return rc;
}

/* The head, so it can be written down or compared elsewhere. */
static void
show_verify(const struct cli_args *a, const json_t *r)
{
	(void)a;
	printf("audit chain ok\nhead %lld %s\n", cli_int(r, "head_id"),
	    cli_str(r, "head_hash"));
}

int
cli_audit_verify(const struct cli_args *a)
{
	json_t	*m = cli_msg(a);
	int	 rc = cli_send(a, m, show_verify);

	json_decref(m);
	return rc;
}

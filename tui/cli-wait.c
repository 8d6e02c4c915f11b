/*
 * cli-wait.c: "opsicle job wait JOB": wait until a job ends (it may be
 * queued, running or over already), then say how it ended and exit as
 * "run" would have (cli-outcome.c): the summary on stderr, --quiet
 * without it, -S/--max-exit the largest remote status, --json the job
 * as "job show --json" prints it. It subscribes to the job's job-state
 * events first and asks for the job after, so an end between the two
 * is never missed. --timeout SEC gives up after SEC seconds with exit
 * status 124 (as timeout(1)); the job goes on.
 */
#include "config.h"

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "model.h"
#include "tui.h"

#define WAIT_TIMEOUT_MAX	(7 * 24 * 3600)
#define EXIT_WAIT_TIMEOUT	124

/* The entries are the way in: the functions that run them are static. */
static cli_exec_fn	cli_job_wait;

const struct cmd_entry cmd_job_wait_entry = {
	.name = "job wait",
	.usage = "job wait JOB [--timeout SEC] [--quiet] [-S | --max-exit] "
	    "[--json]",
	.help = "wait until a job ends, then say how and exit as run "
	    "would",
	.details = "  --timeout SEC   give up after SEC seconds (exit 124); "
	    "the job goes on\n"
	    "  --quiet         no summary on stderr\n"
	    "  -S, --max-exit  exit with the largest remote exit status",
	.min_args = 1, .max_args = 1,
	.options = "timeout= quiet max-exit json",
	/* Its own requests (subscribe, job-show), like the console. */
	.flags = CMD_F_LOCAL | CMD_RO,
	.type = PROTO_NONE,
	.exec = cli_job_wait,
};

/* The --timeout message, ready before the alarm can ring. */
static char		 alarm_msg[128];
static volatile size_t	 alarm_len;

static void
on_alarm(int sig)
{
	(void)sig;
	if (alarm_len > 0)
		(void)!write(STDERR_FILENO, alarm_msg, alarm_len);
	_exit(EXIT_WAIT_TIMEOUT);
}

static int
arm_timeout(const struct cli_args *a, long long id)
{
	const char		*v = cli_opt(a, "timeout");
	struct sigaction	 sa;
	char			*end;
	long			 n;

	if (v == NULL)
		return 0;
	errno = 0;
	n = strtol(v, &end, 10);
	if (*v == '\0' || *end != '\0' || errno != 0 || n < 1 ||
	    n > WAIT_TIMEOUT_MAX) {
		fprintf(stderr, "opsicle job wait: --timeout needs a number "
		    "from 1 to %d, not \"%s\"\n", WAIT_TIMEOUT_MAX, v);
		return -1;
	}
	snprintf(alarm_msg, sizeof(alarm_msg), "opsicle job wait: job %lld "
	    "has not ended after %ld s (it goes on)\n", id, n);
	alarm_len = strlen(alarm_msg);
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_alarm;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGALRM, &sa, NULL);
	alarm((unsigned)n);
	return 0;
}

/* Subscribe to the job's states, then ask for it: 0, or an exit code. */
static int
wait_start(struct cli_conn *c, long long id, long long *qid)
{
	static const char *const streams[] = { "job-state" };
	struct ops_err	 err;
	json_t		*m, *r = NULL;
	int		 rc = 0;

	if ((m = proto_msg_new(PROTO_SUBSCRIBE, 0)) == NULL)
		return EXIT_REFUSED;
	(void)proto_add_str_array(m, "streams", streams, 1, NULL);
	(void)proto_add_int(m, "job", id, NULL);
	if (client_request(c, m, &r, &err) != OPS_OK) {
		cli_errmsg("job wait", ops_err_msg(&err));
		rc = c->refused ? EXIT_REFUSED : EXIT_NODAEMON;
	}
	json_decref(m);
	json_decref(r);
	if (rc != 0 || (m = proto_msg_new(PROTO_JOB_SHOW, 0)) == NULL)
		return rc != 0 ? rc : EXIT_REFUSED;
	(void)proto_add_int(m, "job", id, NULL);
	if (client_send_msg(c, m, qid, &err) != OPS_OK) {
		cli_errmsg("job wait", ops_err_msg(&err));
		rc = EXIT_NODAEMON;
	}
	json_decref(m);
	return rc;
}

/* Until the job is over: 0, or an exit code (message printed). */
static int
wait_end(struct cli_conn *c, long long id, long long qid)
{
	struct ops_err	 err;
	enum proto_type	 type;
	json_t		*r = NULL;
	int		 rc = -1;

	while (rc < 0) {
		if (client_recv(c, &r, &type, &err) != OPS_OK) {
			cli_errmsg("job wait", ops_err_msg(&err));
			return EXIT_NODAEMON;
		}
		if (type == PROTO_JOB_STATE && cli_int(r, "job") == id &&
		    job_state_name_is_final(cli_str(r, "state")))
			rc = 0;
		else if (!(proto_type_flags(type) & PROTO_F_EVENT) &&
		    proto_msg_id(r) == qid) {
			if (type == PROTO_ERROR) {
				cli_errmsg("job wait", cli_str(r, "message"));
				rc = EXIT_REFUSED;
			} else if (job_state_name_is_final(cli_str(
			    json_object_get(r, "result"), "state")))
				rc = 0;
		}
		json_decref(r);
		r = NULL;
	}
	return rc;
}

static int
cli_job_wait(const struct cli_args *a)
{
	struct cli_conn	 c;
	struct ops_err	 err;
	long long	 id, qid = -1;
	json_t		*show;
	int		 rc, flags = cli_outcome_flags(a);

	if ((id = cli_job_id(a, a->pos[0])) == 0 || arm_timeout(a, id) != 0)
		return EXIT_USAGE;
	if ((rc = client_open(&c, !a->no_start, &err)) != OPS_OK) {
		cli_errmsg(NULL, ops_err_msg(&err));
		rc = c.refused ? EXIT_REFUSED : EXIT_NODAEMON;
		goto out;
	}
	if ((rc = wait_start(&c, id, &qid)) != 0 ||
	    (rc = wait_end(&c, id, qid)) != 0)
		goto out;
	alarm(0);
	if (!a->json) {
		rc = cli_outcome_job(&c, "job wait", id, flags);
		goto out;
	}
	/* --json: the job as job show prints it, and the same status. */
	if ((show = cli_job_show_on(&c, "job wait", id)) == NULL) {
		rc = EXIT_REFUSED;
		goto out;
	}
	cli_print_json(show);
	rc = cli_outcome_show(show, flags | CLI_OUTCOME_QUIET);
	json_decref(show);
out:
	client_close(&c);
	return rc;
}

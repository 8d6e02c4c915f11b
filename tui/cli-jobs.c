/*
 * cli-jobs.c: job list, show, logs [-f], cancel, rerun, and "events".
 * Reads print columns for people or the daemon's JSON with --json (the
 * fields are documented in opsicle(1)). "job logs" prints stored output
 * as "target: line" (stderr lines to stderr), or the bare output with
 * --target; -f replays what is stored, then follows the job live until
 * it ends. Output to a terminal goes through core/termsafe unless --raw
 * (opsicle(1), TERMINAL OUTPUT); error texts always do.
 */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "termsafe.h"
#include "tui.h"

/* ---- command entries (listed in cli-table.c) ---------------------------- */

/* The entries are the way in: the functions that run them are static. */
static cli_exec_fn	cli_events, cli_job_list, cli_job_show, cli_job_logs,
			cli_job_cancel, cli_job_rerun;

const struct cmd_entry cmd_events_entry = {
	.name = "events",
	.usage = "events [--job JOB] [--stream STREAM]... [--json]",
	.help = "print live events (job-output, job-state, run-state, "
	    "step-state, approval-state); with --job until that job ends",
	.min_args = 0, .max_args = 0,
	.options = "job= stream=* json",
	.flags = CMD_RO,
	.type = PROTO_SUBSCRIBE,
	.exec = cli_events,
};

const struct cmd_entry cmd_job_list_entry = {
	.name = "job list",
	.alias = "job ls",
	.usage = "job list [--limit N] [--state STATE] [--json]",
	.help = "list the newest jobs",
	.min_args = 0, .max_args = 0,
	.options = "limit= state= json",
	.flags = CMD_RO,
	.type = PROTO_JOB_LIST,
	.exec = cli_job_list,
};

const struct cmd_entry cmd_job_show_entry = {
	.name = "job show",
	.usage = "job show JOB [--json]",
	.help = "show a job and the state of each of its runs",
	.min_args = 1, .max_args = 1,
	.options = "json",
	.flags = CMD_RO,
	.type = PROTO_JOB_SHOW,
	.exec = cli_job_show,
};

const struct cmd_entry cmd_job_logs_entry = {
	.name = "job logs",
	.usage = "job logs JOB [-f | --follow] [--target TARGET] "
	    "[--raw] [--quiet] [-S | --max-exit] [--json]",
	.help = "print a job's output; -f follows it until the job "
	    "ends, then says how it ended and exits as run would",
	.min_args = 1, .max_args = 1,
	.options = "follow target= raw json quiet max-exit",
	.flags = CMD_RO,
	.type = PROTO_JOB_LOGS,
	.exec = cli_job_logs,
};

const struct cmd_entry cmd_job_cancel_entry = {
	.name = "job cancel",
	.usage = "job cancel JOB",
	.help = "stop a running or queued job",
	.min_args = 1, .max_args = 1,
	.flags = CMD_RW,
	.type = PROTO_JOB_CANCEL,
	.exec = cli_job_cancel,
};

const struct cmd_entry cmd_job_rerun_entry = {
	.name = "job rerun",
	.usage = "job rerun [--failed] JOB [--json]",
	.help = "queue a new job with the same command (or automation "
	    "version and parameters) and targets",
	.details = "  --failed               only the targets that did not "
	    "end ok (failed,\n"
	    "                         skipped, cancelled ...)",
	.min_args = 1, .max_args = 1,
	.options = "failed json",
	.flags = CMD_RW,
	.type = PROTO_JOB_RERUN,
	.exec = cli_job_rerun,
};

long long
cli_job_id(const struct cli_args *a, const char *s)
{
	char		*end;
	long long	 v;

	errno = 0;
	v = strtoll(s, &end, 10);
	if (*s == '\0' || *end != '\0' || errno != 0 || v < 1) {
		fprintf(stderr, "opsicle %s: a job is a positive number, not "
		    "\"%s\"\n", a->e->name, s);
		return 0;
	}
	return v;
}

json_t *
cli_job_msg(const struct cli_args *a)
{
	long long	 id = cli_job_id(a, a->pos[0]);
	json_t		*m;

	if (id == 0)
		return NULL;
	m = cli_msg(a);
	(void)proto_add_int(m, "job", id, NULL);
	return m;
}

static void
fmt_duration(const struct run_rec *r, char *buf, size_t len)
{
	if (r->started <= 0 || r->finished < r->started)
		snprintf(buf, len, "-");
	else
		snprintf(buf, len, "%.2fs", (double)(r->finished -
		    r->started) / 1000.0);
}

/* The first line of a command, cut to fit a column. */
static void
short_command(const char *cmd, char *buf, size_t len)
{
	size_t	n = strcspn(cmd, "\n");

	if (n > 40)
		n = 40;
	snprintf(buf, len, "%.*s%s", (int)n, cmd, cmd[n] != '\0' ? "..." : "");
}

static void
show_list(const struct cli_args *a, const json_t *r)
{
	struct job_rec	 j;
	struct ops_err	 err;
	char		**cells, buf[128];
	size_t		 n = json_array_size(r), i, k = 0, nc = 7;

	(void)a;
	if ((cells = calloc((n + 1) * nc, sizeof(*cells))) == NULL)
		return;
	cells[k++] = strdup("ID");
	cells[k++] = strdup("STATE");
	cells[k++] = strdup("TARGETS");
	cells[k++] = strdup("OK");
	cells[k++] = strdup("FAILED");
	cells[k++] = strdup("CREATED");
	cells[k++] = strdup("COMMAND");
	for (i = 0; i < n; i++) {
		if (job_rec_decode(json_array_get(r, i), &j, &err) != OPS_OK) {
			cli_errmsg(NULL, ops_err_msg(&err));
			goto out;
		}
		snprintf(buf, sizeof(buf), "%lld", (long long)j.id);
		cells[k++] = strdup(buf);
		cells[k++] = strdup(job_state_name(j.state));
		snprintf(buf, sizeof(buf), "%zu", j.total);
		cells[k++] = strdup(buf);
		snprintf(buf, sizeof(buf), "%zu", j.ok);
		cells[k++] = strdup(buf);
		snprintf(buf, sizeof(buf), "%zu", j.failed);
		cells[k++] = strdup(buf);
		cli_time(j.created, buf, sizeof(buf));
		cells[k++] = strdup(buf);
		if (j.script)
			snprintf(buf, sizeof(buf), "(script)");
		else
			short_command(j.command, buf, sizeof(buf));
		cells[k++] = strdup(buf);
		job_rec_done(&j);
	}
	for (i = 0; i < k; i++)
		if (cells[i] == NULL)
			goto out;
	cli_table(cells, n + 1, nc);
out:
	for (i = 0; i < k; i++)
		free(cells[i]);
	free(cells);
}

int
cli_job_list(const struct cli_args *a)
{
	const char	*limit = cli_opt(a, "limit"), *state = cli_opt(a, "state");
	json_t		*m;
	char		*end;
	long		 n;
	int		 rc;

	m = cli_msg(a);
	if (limit != NULL) {
		errno = 0;
		n = strtol(limit, &end, 10);
		if (*limit == '\0' || *end != '\0' || errno != 0 || n < 0 ||
		    n > 100000) {
			fprintf(stderr, "opsicle job list: --limit needs a "
			    "number from 0 to 100000\n");
			json_decref(m);
			return EXIT_USAGE;
		}
		(void)proto_add_int(m, "limit", n, NULL);
	}
	if (state != NULL)
		(void)proto_add_str(m, "state", state, NULL);
	rc = cli_send(a, m, show_list);
	json_decref(m);
	return rc;
}

static void
show_job(const struct cli_args *a, const json_t *o)
{
	struct job_rec		 j;
	const struct run_rec	*r;
	struct ops_err		 err;
	char			**cells, buf[64];
	size_t			 i, k = 0, nc = 6;

	(void)a;
	if (job_rec_decode(o, &j, &err) != OPS_OK) {
		cli_errmsg(NULL, ops_err_msg(&err));
		return;
	}
	printf("job       %lld\n", (long long)j.id);
	printf("state     %s\n", job_state_name(j.state));
	printf("kind      %s\n", j.script ? "script" : "command");
	printf("command   %s\n", cli_dash(j.command));
	printf("by        %s\n", cli_dash(j.requested_by));
	cli_job_approval(json_object_get(o, "approval"));
	cli_job_auto_head(o);
	if (j.become_user != NULL) {
		printf("become    ");
		cli_safe_puts(stdout, j.become_user);
		if (j.become_cred != NULL) {
			printf(", sudo password from credential ");
			cli_safe_puts(stdout, j.become_cred);
		}
		putchar('\n');
	}
	cli_time(j.created, buf, sizeof(buf));
	printf("created   %s\n", buf);
	cli_time(j.started, buf, sizeof(buf));
	printf("started   %s\n", buf);
	cli_time(j.finished, buf, sizeof(buf));
	printf("finished  %s\n", buf);
	cli_job_limits(&j);
	printf("targets   %zu (%zu ok, %zu failed)\n\n", j.total, j.ok,
	    j.failed);
	if ((cells = calloc((j.nruns + 1) * nc, sizeof(*cells))) == NULL)
		goto out;
	cells[k++] = strdup("TARGET");
	cells[k++] = strdup("STATE");
	cells[k++] = strdup("EXIT");
	cells[k++] = strdup("DURATION");
	cells[k++] = strdup("CLASS");
	cells[k++] = strdup("ERROR");
	for (i = 0; i < j.nruns; i++) {
		r = &j.runs[i];
		cells[k++] = strdup(r->target[0] != '\0' ? r->target : "-");
		cells[k++] = strdup(json_is_true(json_object_get(
		    json_array_get(json_object_get(o, "runs"), i),
		    "skipped")) ? "skipped" : run_state_name(r->state));
		if (r->exit_status >= 0)
			snprintf(buf, sizeof(buf), "%d", r->exit_status);
		else if (r->signal > 0)
			snprintf(buf, sizeof(buf), "sig %d", r->signal);
		else
			snprintf(buf, sizeof(buf), "-");
		cells[k++] = strdup(buf);
		fmt_duration(r, buf, sizeof(buf));
		cells[k++] = strdup(buf);
		cells[k++] = strdup(run_rec_class(r) != NULL ?
		    run_rec_class(r) : "-");
		/* may quote the target (a signal name, stderr) */
		cells[k++] = termsafe_strdup(r->error != NULL &&
		    r->error[0] != '\0' ? r->error : "-", 0);
	}
	for (i = 0; i < k; i++)
		if (cells[i] == NULL)
			goto out;
	cli_table(cells, j.nruns + 1, nc);
	cli_cut_lines(stdout, j.runs, j.nruns);
	cli_job_auto_steps(o);
out:
	for (i = 0; i < k; i++)
		free(cells[i]);
	free(cells);
	job_rec_done(&j);
}

int
cli_job_show(const struct cli_args *a)
{
	return cli_job_send(a, show_job);
}

static void
text_run(void *arg, const json_t *hdr)
{
	(void)hdr;
	cli_lines_flush(arg);	/* the last line of the run before */
}

static void
text_data(void *arg, const json_t *piece)
{
	cli_lines_feed(arg, piece);	/* a logs-data has job-output's keys */
}

/* Stored output, printed piece by piece as it comes. */
static int
print_logs(const struct cli_args *a, json_t *m)
{
	static const struct cli_logs_cb	text = { text_run, text_data };
	static const struct cli_logs_cb	json = { cli_logs_json_run,
					    cli_logs_json_data };
	struct cli_lines		*l = NULL;
	struct cli_logs_json		 j;
	struct cli_conn			 c;
	struct ops_err			 err;
	json_t				*res = NULL;
	int				 rc;

	if ((rc = client_open(&c, !a->no_start, &err)) != OPS_OK) {
		cli_errmsg(NULL, ops_err_msg(&err));
		rc = c.refused ? EXIT_REFUSED : EXIT_NODAEMON;
		goto out;
	}
	if (a->json) {
		cli_logs_json_begin(&j, NULL, cli_int(m, "job"));
		if ((rc = cli_logs_read(&c, m, "job logs", &json, &j,
		    &res)) == 0)
			cli_logs_json_end(&j, res);
		json_decref(j.hdr);
	} else if ((l = cli_lines_new(cli_opt(a, "target") == NULL,
	    cli_flag(a, "raw"))) == NULL)
		rc = EXIT_REFUSED;
	else {
		rc = cli_logs_read(&c, m, "job logs", &text, l, &res);
		cli_lines_flush(l);
	}
out:
	json_decref(res);
	cli_lines_free(l);
	client_close(&c);
	return rc;
}

/* Follow: stored output comes as events first, then live ones, then the
 * deferred reply when the job ends. */
static int
follow_logs(const struct cli_args *a, json_t *m)
{
	struct cli_lines	*l = cli_lines_new(cli_opt(a, "target") == NULL,
				    cli_flag(a, "raw"));
	struct cli_conn		 c;
	struct ops_err		 err;
	enum proto_type		 type;
	json_t			*r = NULL;
	long long		 rid;
	int			 rc;

	if ((rc = client_open(&c, !a->no_start, &err)) != OPS_OK ||
	    (rc = client_send_msg(&c, m, &rid, &err)) != OPS_OK) {
		cli_errmsg(NULL, ops_err_msg(&err));
		rc = c.refused ? EXIT_REFUSED : EXIT_NODAEMON;
		goto out;
	}
	for (;;) {
		if (client_recv(&c, &r, &type, &err) != OPS_OK) {
			cli_errmsg("job logs", ops_err_msg(&err));
			rc = EXIT_NODAEMON;
			goto out;
		}
		if (type == PROTO_JOB_OUTPUT) {
			if (a->json)
				cli_print_json(r);
			else
				cli_lines_feed(l, r);
			fflush(stdout);
		} else if (proto_msg_id(r) == rid)
			break;
		json_decref(r);
		r = NULL;
	}
	cli_lines_flush(l);
	if (type == PROTO_ERROR) {
		cli_errmsg("job logs", cli_str(r, "message"));
		rc = EXIT_REFUSED;
	} else	/* the job ended: as run would (cli-outcome.c) */
		rc = cli_outcome_job(&c, "job logs", cli_int(m, "job"),
		    cli_outcome_flags(a) | (a->json ? CLI_OUTCOME_QUIET : 0));
out:
	json_decref(r);
	cli_lines_free(l);
	client_close(&c);
	return rc;
}

int
cli_job_logs(const struct cli_args *a)
{
	json_t	*m = cli_job_msg(a);
	int	 rc;

	if (m == NULL)
		return EXIT_USAGE;
	if (cli_opt(a, "target") != NULL)
		(void)proto_add_str(m, "target", cli_opt(a, "target"), NULL);
	if (cli_flag(a, "follow")) {
		(void)proto_add_bool(m, "follow", 1, NULL);
		rc = follow_logs(a, m);
	} else
		rc = print_logs(a, m);
	json_decref(m);
	return rc;
}

int
cli_job_send(const struct cli_args *a,
    void (*show)(const struct cli_args *, const json_t *))
{
	json_t	*m = cli_job_msg(a);
	int	 rc;

	if (m == NULL)
		return EXIT_USAGE;
	rc = cli_send(a, m, show);
	json_decref(m);
	return rc;
}

int
cli_job_cancel(const struct cli_args *a)
{
	return cli_job_send(a, NULL);
}

static void
show_rerun(const struct cli_args *a, const json_t *o)
{
	const json_t	*t;
	size_t		 i;

	(void)a;
	printf("job %lld", cli_int(o, "job"));
	if (json_array_size(json_object_get(o, "targets")) > 0) {
		printf(" on");
		json_array_foreach(json_object_get(o, "targets"), i, t) {
			putchar(' ');
			cli_safe_puts(stdout, json_string_value(t));
		}
	}
	putchar('\n');
}

int
cli_job_rerun(const struct cli_args *a)
{
	json_t	*m = cli_job_msg(a);
	int	 rc;

	if (m == NULL)
		return EXIT_USAGE;
	if (cli_flag(a, "failed"))
		(void)proto_add_bool(m, "failed", 1, NULL);
	rc = cli_send(a, m, show_rerun);
	json_decref(m);
	return rc;
}

static void
print_event(const struct cli_args *a, struct cli_lines *l, enum proto_type t,
    const json_t *ev)
{
	if (a->json) {
		cli_print_json(ev);
		fflush(stdout);
		return;
	}
	switch (t) {
	case PROTO_JOB_OUTPUT:
		cli_lines_feed(l, ev);
		break;
	case PROTO_RUN_STATE:
		printf("job %lld ", cli_int(ev, "job"));
		cli_safe_puts(stdout, cli_str(ev, "target"));
		printf(" %s", cli_str(ev, "state"));
		/* may quote the target (a signal name, stderr) */
		if (json_object_get(ev, "error") != NULL) {
			printf(": ");
			cli_safe_puts(stdout, cli_str(ev, "error"));
		}
		putchar('\n');
		break;
	case PROTO_STEP_STATE:
		printf("job %lld ", cli_int(ev, "job"));
		cli_safe_puts(stdout, cli_str(ev, "target"));
		printf(" step %lld ", cli_int(ev, "step"));
		cli_safe_puts(stdout, cli_str(ev, "name"));
		printf(" %s\n", cli_str(ev, "state"));
		break;
	case PROTO_APPROVAL_STATE:
		printf("job %lld approval %s", cli_int(ev, "job"),
		    cli_str(ev, "state"));
		if (json_object_get(ev, "required") != NULL)
			printf(" (%lld of %lld)", cli_int(ev, "approvals"),
			    cli_int(ev, "required"));
		if (json_object_get(ev, "actor") != NULL) {
			printf(" by ");
			cli_safe_puts(stdout, cli_str(ev, "actor"));
		}
		if (json_object_get(ev, "channel") != NULL)
			printf(" via %s", cli_str(ev, "channel"));
		putchar('\n');
		break;
	case PROTO_JOB_STATE:
		printf("job %lld %s (%lld ok, %lld failed of %lld)\n",
		    cli_int(ev, "job"), cli_str(ev, "state"), cli_int(ev, "ok"),
		    cli_int(ev, "failed"), cli_int(ev, "total"));
		break;
	default:
		printf("%s ", proto_type_name(t));
		cli_safe_puts(stdout, cli_str(ev, "target"));
		putchar('\n');
		break;
	}
	fflush(stdout);
}

int
cli_events(const struct cli_args *a)
{
	static const char *const all[] = { "job-output", "job-state",
	    "run-state", "target-status", "step-state", "approval-state" };
	struct cli_lines	*l = cli_lines_new(1, 0);
	struct cli_conn		 c;
	struct ops_err		 err;
	enum proto_type		 type;
	const char		**streams = NULL;
	const char		*state;
	json_t			*m, *r = NULL, *q;
	long long		 job = 0, qid = -1;
	size_t			 n;
	int			 rc;

	if (cli_opt(a, "job") != NULL &&
	    (job = cli_job_id(a, cli_opt(a, "job"))) == 0) {
		cli_lines_free(l);
		return EXIT_USAGE;
	}
	m = cli_msg(a);
	if ((n = cli_opt_all(a, "stream", &streams)) > 0)
		(void)proto_add_str_array(m, "streams", streams, n, NULL);
	else
		(void)proto_add_str_array(m, "streams", all,
		    sizeof(all) / sizeof(all[0]), NULL);
	free(streams);
	if (job > 0)
		(void)proto_add_int(m, "job", job, NULL);
	if ((rc = client_open(&c, !a->no_start, &err)) != OPS_OK ||
	    (rc = client_request(&c, m, &r, &err)) != OPS_OK) {
		cli_errmsg("events", ops_err_msg(&err));
		rc = c.refused ? EXIT_REFUSED : EXIT_NODAEMON;
		goto out;
	}
	/* The job may have ended before we subscribed: ask. */
	if (job > 0 && (q = proto_msg_new(PROTO_JOB_SHOW, 0)) != NULL) {
		(void)proto_add_int(q, "job", job, NULL);
		if (client_send_msg(&c, q, &qid, &err) != OPS_OK)
			qid = -1;
		json_decref(q);
	}
	for (;;) {
		json_decref(r);
		r = NULL;
		if (client_recv(&c, &r, &type, &err) != OPS_OK) {
			cli_errmsg("events", ops_err_msg(&err));
			rc = EXIT_NODAEMON;
			break;
		}
		if (!(proto_type_flags(type) & PROTO_F_EVENT)) {
			if (proto_msg_id(r) != qid)
				continue;
			if (type == PROTO_ERROR) {
				cli_errmsg("events", cli_str(r, "message"));
				rc = EXIT_REFUSED;
				break;
			}
			state = cli_str(json_object_get(r, "result"),
			    "state");
			if (job_state_name_is_final(state)) {
				rc = 0;
				break;
			}
			continue;
		}
		print_event(a, l, type, r);
		state = json_string_value(json_object_get(r, "state"));
		if (job > 0 && type == PROTO_JOB_STATE &&
		    job_state_name_is_final(state)) {
			rc = 0;
			break;
		}
	}
	cli_lines_flush(l);
out:
	json_decref(m);
	json_decref(r);
	cli_lines_free(l);
	client_close(&c);
	return rc;
}

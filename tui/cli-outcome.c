/*
 * cli-outcome.c: how a job ended, said the same way by "run", "job logs
 * -f" and "job wait": on stderr (stdout carries only remote output) a
 * line per stream the output cap cut, then, unless quiet, "N ok, N
 * failed" and each failed target with its class and message. The exit
 * status: 0 when every run is ok, else 1; with max-exit (pdsh -S) the
 * largest remote status instead: a run's exit status, 128 + N for a
 * signal N, 255 for a run that never got one (unreachable, auth,
 * timeout, cancelled); see opsicle(1), EXIT STATUS.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tui.h"

#define OUTCOME_NO_STATUS	255	/* ssh's own, for pdsh -S users */

void
cli_size(long long n, char *buf, size_t len)
{
	static const struct {
		long long	 unit;
		const char	*name;
	} u[] = {
		{ 1024LL * 1024 * 1024, "GiB" },
		{ 1024LL * 1024, "MiB" },
		{ 1024LL, "KiB" },
	};
	size_t	i;

	for (i = 0; i < sizeof(u) / sizeof(u[0]); i++)
		if (n >= u[i].unit && n % u[i].unit == 0) {
			snprintf(buf, len, "%lld %s", n / u[i].unit, u[i].name);
			return;
		}
	snprintf(buf, len, "%lld bytes", n);
}

void
cli_cut_notice(const char *target, const char *stream)
{
	fflush(stdout);
	cli_safe_puts(stderr, target);
	fprintf(stderr, ": [%s truncated here: the output cap is reached; "
	    "the rest is neither shown nor kept]\n", stream);
	fflush(stderr);
}

/* A run's "stdout_bytes"... when its stream was cut: 1 and the line. */
static int
cut_line(FILE *fp, const json_t *run, const char *stream)
{
	char		 key[32], kept[32];
	long long	 seen, k;

	snprintf(key, sizeof(key), "%s_bytes", stream);
	seen = cli_int(run, key);
	snprintf(key, sizeof(key), "%s_kept", stream);
	if (!json_is_integer(json_object_get(run, key)) ||
	    (k = cli_int(run, key)) >= seen)
		return 0;
	cli_size(k, kept, sizeof(kept));
	cli_safe_puts(fp, cli_str(run, "target"));
	fprintf(fp, ": [%s truncated at %s: kept %lld of %lld bytes; "
	    "raise the cap with run --output-cap SIZE or output-cap in "
	    "opsicle.conf]\n", stream, kept, k, seen);
	return 1;
}

void
cli_cut_lines(FILE *fp, const json_t *runs)
{
	const json_t	*r;
	size_t		 i;

	json_array_foreach(runs, i, r) {
		(void)cut_line(fp, r, "stdout");
		(void)cut_line(fp, r, "stderr");
	}
}

void
cli_job_limits(const json_t *job)
{
	char	cap[32];

	printf("limits    timeout ");
	if (json_is_integer(json_object_get(job, "timeout")))
		printf("%llds", cli_int(job, "timeout"));
	else
		printf("none");
	printf(", connect-timeout ");
	if (json_is_integer(json_object_get(job, "connect_timeout")))
		printf("%llds", cli_int(job, "connect_timeout"));
	else
		printf("the daemon's");
	printf(", output-cap ");
	if (json_is_integer(json_object_get(job, "output_cap"))) {
		cli_size(cli_int(job, "output_cap"), cap, sizeof(cap));
		printf("%s\n", cap);
	} else
		printf("the daemon's\n");
}

/* The status a run gives to --max-exit. */
static int
run_status(const json_t *run)
{
	const json_t	*v;
	long		 sig;

	if (strcmp(cli_str(run, "state"), "ok") == 0)
		return 0;
	if (json_is_integer(v = json_object_get(run, "exit")) &&
	    json_integer_value(v) >= 0 && json_integer_value(v) <= 255)
		return (int)json_integer_value(v);
	if (json_is_string(v = json_object_get(run, "signal")) &&
	    (sig = strtol(json_string_value(v), NULL, 10)) > 0 && sig < 128)
		return 128 + (int)sig;
	return OUTCOME_NO_STATUS;
}

/* "class: message", or what the run has of it. */
static void
run_error(const json_t *run)
{
	const char	*cls = json_string_value(json_object_get(run, "class"));
	const char	*msg = json_string_value(json_object_get(run, "error"));
	size_t		 n = cls != NULL ? strlen(cls) : 0;

	/* Events join the class in already; job-show keeps it apart (and
	 * a cancelled run's message is its class). */
	if (cls != NULL && (msg == NULL || (strcmp(msg, cls) != 0 &&
	    (strncmp(msg, cls, n) != 0 || strncmp(msg + n, ": ", 2) != 0)))) {
		cli_safe_puts(stderr, cls);
		if (msg == NULL)
			return;
		fputs(": ", stderr);
	}
	cli_safe_puts(stderr, msg != NULL ? msg : cli_str(run, "state"));
}

int
cli_outcome(const json_t *runs, int flags)
{
	const json_t	*r;
	size_t		 i, nok = 0, nfail = 0;
	int		 st, worst = 0;

	fflush(stdout);
	cli_cut_lines(stderr, runs);
	json_array_foreach(runs, i, r) {
		if (strcmp(cli_str(r, "state"), "ok") == 0)
			nok++;
		else
			nfail++;
		if ((st = run_status(r)) > worst)
			worst = st;
	}
	if (!(flags & CLI_OUTCOME_QUIET)) {
		fprintf(stderr, "%zu ok, %zu failed\n", nok, nfail);
		json_array_foreach(runs, i, r) {
			if (strcmp(cli_str(r, "state"), "ok") == 0)
				continue;
			fputs("  ", stderr);
			cli_safe_puts(stderr, cli_str(r, "target"));
			fputs(": ", stderr);
			/* The error may quote the target (a signal, stderr). */
			run_error(r);
			fputc('\n', stderr);
		}
	}
	fflush(stderr);
	if (flags & CLI_OUTCOME_MAX_EXIT)
		return worst;
	return nfail == 0 ? 0 : EXIT_REFUSED;
}

int
cli_outcome_flags(const struct cli_args *a)
{
	return (cli_flag(a, "quiet") ? CLI_OUTCOME_QUIET : 0) |
	    (cli_flag(a, "max-exit") ? CLI_OUTCOME_MAX_EXIT : 0);
}

json_t *
cli_job_show_on(struct cli_conn *c, const char *who, long long id)
{
	struct ops_err	 err;
	json_t		*m, *r = NULL;

	if ((m = proto_msg_new(PROTO_JOB_SHOW, 0)) == NULL)
		return NULL;
	(void)proto_add_int(m, "job", id, NULL);
	if (client_request(c, m, &r, &err) != OPS_OK) {
		cli_errmsg(who, ops_err_msg(&err));
		r = NULL;
	}
	json_decref(m);
	return r;
}

int
cli_outcome_job(struct cli_conn *c, const char *who, long long id, int flags)
{
	json_t	*show;
	int	 rc;

	if ((show = cli_job_show_on(c, who, id)) == NULL)
		return EXIT_REFUSED;
	rc = cli_outcome(json_object_get(show, "runs"), flags);
	json_decref(show);
	return rc;
}

/*
 * cli-outcome.c: how a job ended, said the same way by "run", "job logs
 * -f" and "job wait": on stderr (stdout carries only remote output) a
 * line per stream the output cap cut, then, unless quiet, "N ok, N
 * failed" and each failed target with its class and message. The exit
 * status: 0 when every run is ok, else 1; with max-exit (pdsh -S) the
 * largest remote status instead: a run's exit status, 128 + N for a
 * signal N, 255 for a run that never got one (unreachable, auth,
 * timeout, cancelled); a job that needed approval and never ran exits
 * EXIT_REJECTED or EXIT_EXPIRED; see opsicle(1), EXIT STATUS.
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

/* When the output cap cut a run's stream: 1 and the line. */
static int
cut_line(FILE *fp, const struct run_rec *r, int err)
{
	long long	 seen = err ? r->err_bytes : r->out_bytes;
	long long	 k = err ? r->err_kept : r->out_kept;
	char		 kept[32];

	if (!r->counted || k >= seen)
		return 0;
	cli_size(k, kept, sizeof(kept));
	cli_safe_puts(fp, r->target);
	fprintf(fp, ": [%s truncated at %s: kept %lld of %lld bytes; "
	    "raise the cap with run --output-cap SIZE or output-cap in "
	    "opsicle.conf]\n", err ? "stderr" : "stdout", kept, k, seen);
	return 1;
}

void
cli_cut_lines(FILE *fp, const struct run_rec *runs, size_t n)
{
	size_t	i;

	for (i = 0; i < n; i++) {
		(void)cut_line(fp, &runs[i], 0);
		(void)cut_line(fp, &runs[i], 1);
	}
}

void
cli_job_limits(const struct job_rec *j)
{
	char	cap[32];

	printf("limits    timeout ");
	if (j->timeout_s > 0)
		printf("%ds", j->timeout_s);
	else
		printf("none");
	printf(", connect-timeout ");
	if (j->connect_timeout_s > 0)
		printf("%ds", j->connect_timeout_s);
	else
		printf("the daemon's");
	printf(", output-cap ");
	if (j->output_cap > 0) {
		cli_size(j->output_cap, cap, sizeof(cap));
		printf("%s\n", cap);
	} else
		printf("the daemon's\n");
}

/* The status a run gives to --max-exit. */
static int
run_status(const struct run_rec *r)
{
	if (r->state == RUN_STATE_OK)
		return 0;
	if (r->exit_status >= 0 && r->exit_status <= 255)
		return r->exit_status;
	if (r->signal > 0 && r->signal < 128)
		return 128 + r->signal;
	return OUTCOME_NO_STATUS;
}

/* "class: message", or what the run has of it. */
static void
run_error(const struct run_rec *r)
{
	const char	*word = run_rec_class(r);

	/* A cancelled run's message is its class. */
	if (word != NULL && (r->error == NULL || strcmp(r->error, word) !=
	    0)) {
		cli_safe_puts(stderr, word);
		if (r->error == NULL)
			return;
		fputs(": ", stderr);
	}
	cli_safe_puts(stderr, r->error != NULL ? r->error :
	    run_state_name(r->state));
}

int
cli_outcome(const struct run_rec *runs, size_t n, int flags)
{
	size_t	i, nok = 0, nfail = 0;
	int	st, worst = 0;

	fflush(stdout);
	cli_cut_lines(stderr, runs, n);
	for (i = 0; i < n; i++) {
		if (runs[i].state == RUN_STATE_OK)
			nok++;
		else
			nfail++;
		if ((st = run_status(&runs[i])) > worst)
			worst = st;
	}
	if (!(flags & CLI_OUTCOME_QUIET)) {
		fprintf(stderr, "%zu ok, %zu failed\n", nok, nfail);
		for (i = 0; i < n; i++) {
			if (runs[i].state == RUN_STATE_OK)
				continue;
			fputs("  ", stderr);
			cli_safe_puts(stderr, runs[i].target);
			fputs(": ", stderr);
			/* The error may quote the target (a signal, stderr). */
			run_error(&runs[i]);
			fputc('\n', stderr);
		}
	}
	fflush(stderr);
	if (flags & CLI_OUTCOME_MAX_EXIT)
		return worst;
	return nfail == 0 ? 0 : EXIT_REFUSED;
}

int
cli_unapproved(long long id, const char *state)
{
	enum job_state	s;

	if (state == NULL || job_state_parse(state, &s) != OPS_OK ||
	    !job_state_is_unapproved(s))
		return -1;
	/* it never ran: no run says anything */
	fflush(stdout);
	fprintf(stderr, "job %lld %s: it never ran\n", id,
	    s == JOB_STATE_REJECTED ? "was rejected" :
	    "expired before it was approved");
	return s == JOB_STATE_REJECTED ? EXIT_REJECTED : EXIT_EXPIRED;
}

void
cli_awaiting(const json_t *result)
{
	const json_t	*ap = json_object_get(result, "approval"), *v;
	char		 when[64];
	size_t		 i;
	long long	 id = cli_int(result, "job");

	if (!json_is_object(ap))
		return;
	fflush(stdout);
	fprintf(stderr, "job %lld awaiting approval by ", id);
	json_array_foreach(json_object_get(ap, "approvers"), i, v) {
		if (i > 0)
			fputs(", ", stderr);
		cli_safe_puts(stderr, json_string_value(v));
	}
	cli_time(cli_int(ap, "expires"), when, sizeof(when));
	fprintf(stderr, " (%lld of %lld needed%s; expires %s): opsicle "
	    "approve %lld\n", cli_int(ap, "required") -
	    cli_int(ap, "approvals"), cli_int(ap, "required"),
	    json_is_true(json_object_get(ap, "totp")) ? ", with a TOTP code" :
	    "", when, id);
	fflush(stderr);
}

void
cli_approval_event(const json_t *ev)
{
	const char	*state = cli_str(ev, "state");

	if (strcmp(state, "requested") == 0)
		return;
	fflush(stdout);
	fprintf(stderr, "job %lld approval %s", cli_int(ev, "job"), state);
	if (json_object_get(ev, "required") != NULL)
		fprintf(stderr, " (%lld of %lld)", cli_int(ev, "approvals"),
		    cli_int(ev, "required"));
	if (json_object_get(ev, "actor") != NULL) {
		fputs(" by ", stderr);
		cli_safe_puts(stderr, cli_str(ev, "actor"));
	}
	if (json_object_get(ev, "channel") != NULL)
		fprintf(stderr, " via %s", cli_str(ev, "channel"));
	if (json_object_get(ev, "reason") != NULL) {
		fputs(": ", stderr);
		cli_safe_puts(stderr, cli_str(ev, "reason"));
	}
	fputc('\n', stderr);
	fflush(stderr);
}

int
cli_outcome_show(const json_t *show, int flags)
{
	struct job_rec	j;
	struct ops_err	err;
	int		rc;

	if (job_rec_decode(show, &j, &err) != OPS_OK) {
		cli_errmsg(NULL, ops_err_msg(&err));
		return EXIT_REFUSED;
	}
	if ((rc = cli_unapproved((long long)j.id, job_state_name(j.state))) <
	    0)
		rc = cli_outcome(j.runs, j.nruns, flags);
	job_rec_done(&j);
	return rc;
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
	rc = cli_outcome_show(show, flags);
	json_decref(show);
	return rc;
}

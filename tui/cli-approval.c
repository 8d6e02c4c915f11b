/*
 * cli-approval.c: "opsicle approval list|show", "opsicle approve" and
 * "opsicle reject" (opsicle(1), "Approvals"). The daemon decides who
 * may approve; these only send the request and say what became of it.
 * A TOTP code comes from --code or, with --code-stdin, from standard
 * input (the terminal without echo when it is one); it travels in an
 * "approve" request, whose body is never logged.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <sodium.h>

#include "secret-read.h"
#include "tui.h"

static cli_exec_fn	cli_approval_list, cli_approval_show, cli_approve,
			cli_reject;

const struct cmd_entry cmd_approval_list_entry = {
	.name = "approval list",
	.alias = "approval ls",
	.usage = "approval list [--state STATE] [--json]",
	.help = "list jobs awaiting approval (--state all, granted, "
	    "rejected, expired, overridden, cancelled: decided ones)",
	.min_args = 0, .max_args = 0,
	.options = "state= json",
	.flags = CMD_RO,
	.type = PROTO_APPROVAL_LIST,
	.exec = cli_approval_list,
};

const struct cmd_entry cmd_approval_show_entry = {
	.name = "approval show",
	.usage = "approval show JOB [--json]",
	.help = "show what a job awaiting approval would run: automation, "
	    "version, parameters (secrets masked), targets, decisions",
	.min_args = 1, .max_args = 1,
	.options = "json",
	.flags = CMD_RO,
	.type = PROTO_APPROVAL_SHOW,
	.exec = cli_approval_show,
};

const struct cmd_entry cmd_approve_entry = {
	.name = "approve",
	.usage = "approve JOB [--code CODE | --code-stdin] [--reason REASON] "
	    "[--override]",
	.help = "approve a job awaiting approval (never your own); the "
	    "job runs once enough approvers did",
	.details = "  --code CODE     your TOTP code, when the policy needs "
	    "one\n"
	    "  --code-stdin    read the TOTP code from standard input\n"
	    "  --reason REASON why (required when the policy says so)\n"
	    "  --override      admin: force the job through now, with "
	    "--reason;\n"
	    "                  recorded as an override in the audit",
	.min_args = 1, .max_args = 1,
	.options = "code= code-stdin reason= override",
	.flags = CMD_RW | CMD_F_SECRET,
	.type = PROTO_APPROVE,
	.exec = cli_approve,
};

const struct cmd_entry cmd_reject_entry = {
	.name = "reject",
	.usage = "reject JOB --reason REASON",
	.help = "reject a job awaiting approval: it never runs",
	.min_args = 1, .max_args = 1,
	.options = "reason=",
	.flags = CMD_RW,
	.type = PROTO_REJECT,
	.exec = cli_reject,
};

/* "2 of 3" */
static void
counts(const json_t *o, char *buf, size_t len)
{
	snprintf(buf, len, "%lld of %lld", cli_int(o, "approvals"),
	    cli_int(o, "required"));
}

/* The approvers list joined with ", " into buf. */
static void
approvers(const json_t *o, char *buf, size_t len)
{
	const json_t	*v;
	size_t		 i, off = 0;

	buf[0] = '\0';
	json_array_foreach(json_object_get(o, "approvers"), i, v) {
		if (off >= len)
			break;
		off += (size_t)snprintf(buf + off, len - off, "%s%s",
		    i > 0 ? ", " : "", json_string_value(v));
	}
	if (buf[0] == '\0')
		snprintf(buf, len, "-");
}

static void
show_list(const struct cli_args *a, const json_t *r)
{
	static const char *const head[] = { "JOB", "STATE", "APPROVALS",
	    "WHAT", "REQUESTED BY", "EXPIRES", "APPROVERS" };
	const json_t	*o;
	char		**cells, buf[512];
	size_t		  i, n = json_array_size(r), k = 0, c;

	(void)a;
	cells = calloc((n + 1) * 7, sizeof(*cells));
	if (cells == NULL)
		return;
	for (c = 0; c < 7; c++)
		cells[k++] = strdup(head[c]);
	json_array_foreach(r, i, o) {
		snprintf(buf, sizeof(buf), "%lld", cli_int(o, "job"));
		cells[k++] = strdup(buf);
		cells[k++] = strdup(cli_str(o, "state"));
		counts(o, buf, sizeof(buf));
		cells[k++] = strdup(buf);
		if (json_object_get(o, "automation") != NULL)
			snprintf(buf, sizeof(buf), "%s v%lld",
			    cli_str(o, "automation"), cli_int(o, "version"));
		else
			snprintf(buf, sizeof(buf), "%.60s",
			    cli_str(o, "command"));
		cells[k++] = strdup(buf);
		cells[k++] = strdup(cli_str(o, "requester"));
		cli_time(cli_int(o, "expires"), buf, sizeof(buf));
		cells[k++] = strdup(buf);
		approvers(o, buf, sizeof(buf));
		cells[k++] = strdup(buf);
	}
	cli_table(cells, n + 1, 7);
	for (i = 0; i < k; i++)
		free(cells[i]);
	free(cells);
}

static int
cli_approval_list(const struct cli_args *a)
{
	json_t		*m = cli_msg(a);
	const char	*state = cli_opt(a, "state");
	int		 rc;

	if (state != NULL)
		(void)proto_add_str(m, "state", state, NULL);
	rc = cli_send(a, m, show_list);
	json_decref(m);
	return rc;
}

static void
show_one(const struct cli_args *a, const json_t *o)
{
	const json_t	*v;
	char		 buf[512];
	size_t		 i;

	(void)a;
	printf("job       %lld\n", cli_int(o, "job"));
	printf("state     %s\n", cli_str(o, "state"));
	if (json_object_get(o, "automation") != NULL) {
		printf("automation ");
		cli_safe_puts(stdout, cli_str(o, "automation"));
		printf(" version %lld\n", cli_int(o, "version"));
	} else {
		printf("command   ");
		cli_safe_puts(stdout, cli_str(o, "command"));
		putchar('\n');
	}
	json_array_foreach(json_object_get(o, "params"), i, v) {
		printf("param     ");
		cli_safe_puts(stdout, cli_str(v, "name"));
		putchar('=');
		cli_safe_puts(stdout, cli_str(v, "value"));
		putchar('\n');
	}
	printf("targets  ");
	json_array_foreach(json_object_get(o, "targets"), i, v) {
		putchar(' ');
		cli_safe_puts(stdout, json_string_value(v));
	}
	putchar('\n');
	printf("requested %s", cli_str(o, "requester"));
	cli_time(cli_int(o, "created"), buf, sizeof(buf));
	printf(" at %s\n", buf);
	cli_time(cli_int(o, "expires"), buf, sizeof(buf));
	printf("expires   %s\n", buf);
	counts(o, buf, sizeof(buf));
	printf("approvals %s", buf);
	approvers(o, buf, sizeof(buf));
	printf(" (approvers: %s)%s%s\n", buf,
	    json_is_true(json_object_get(o, "totp")) ? ", TOTP code needed" :
	    "", json_is_true(json_object_get(o, "reason_required")) ?
	    ", reason required" : "");
	json_array_foreach(json_object_get(o, "decisions"), i, v) {
		cli_time(cli_int(v, "time"), buf, sizeof(buf));
		printf("decision  %s %s by ", buf, cli_str(v, "decision"));
		cli_safe_puts(stdout, cli_str(v, "actor"));
		printf(" via %s", cli_str(v, "channel"));
		if (json_object_get(v, "reason") != NULL) {
			printf(": ");
			cli_safe_puts(stdout, cli_str(v, "reason"));
		}
		putchar('\n');
	}
}

static int
cli_approval_show(const struct cli_args *a)
{
	return cli_job_send(a, show_one);
}

static void
show_decided(const struct cli_args *a, const json_t *o)
{
	const char	*state = cli_str(o, "state");
	char		 buf[64];

	(void)a;
	counts(o, buf, sizeof(buf));
	if (strcmp(state, "granted") == 0)
		printf("job %lld approved (%s): released to run\n",
		    cli_int(o, "job"), buf);
	else if (strcmp(state, "overridden") == 0)
		printf("job %lld forced through by override: released to "
		    "run\n", cli_int(o, "job"));
	else if (strcmp(state, "pending") == 0)
		printf("job %lld approved (%s): waiting for more approvers\n",
		    cli_int(o, "job"), buf);
	else
		printf("job %lld %s\n", cli_int(o, "job"), state);
}

static int
cli_approve(const struct cli_args *a)
{
	struct secret	*code = NULL;
	struct ops_err	 err;
	const char	*c = cli_opt(a, "code"), *reason = cli_opt(a, "reason");
	json_t		*m;
	int		 rc, override = cli_flag(a, "override");

	if (c != NULL && cli_flag(a, "code-stdin")) {
		fprintf(stderr, "opsicle approve: --code and --code-stdin "
		    "exclude each other\n");
		return EXIT_USAGE;
	}
	if (override && reason == NULL) {
		fprintf(stderr, "opsicle approve: --override needs --reason "
		    "REASON\n");
		return EXIT_USAGE;
	}
	if ((m = cli_job_msg(a)) == NULL)
		return EXIT_USAGE;
	if (cli_flag(a, "code-stdin")) {
		rc = isatty(STDIN_FILENO) ? secret_read_tty("TOTP code: ",
		    &code, &err) : secret_read_fd(STDIN_FILENO,
		    SECRET_READ_TTY_MAX, &code, &err);
		if (rc != OPS_OK) {
			cli_errmsg("approve", ops_err_msg(&err));
			json_decref(m);
			return EXIT_REFUSED;
		}
		(void)proto_add_strn(m, "code", (const char *)
		    secret_cdata(code), secret_len(code), NULL);
		secret_free(code);
	} else if (c != NULL)
		(void)proto_add_str(m, "code", c, NULL);
	if (reason != NULL)
		(void)proto_add_str(m, "reason", reason, NULL);
	if (override)
		(void)proto_add_bool(m, "override", 1, NULL);
	rc = cli_send(a, m, show_decided);
	if (json_is_string(json_object_get(m, "code")))
		sodium_memzero((char *)json_string_value(json_object_get(m,
		    "code")), json_string_length(json_object_get(m, "code")));
	json_decref(m);
	return rc;
}

static int
cli_reject(const struct cli_args *a)
{
	const char	*reason = cli_opt(a, "reason");
	json_t		*m;
	int		 rc;

	if (reason == NULL || *reason == '\0') {
		fprintf(stderr, "opsicle reject: a rejection needs --reason "
		    "REASON\n");
		return EXIT_USAGE;
	}
	if ((m = cli_job_msg(a)) == NULL)
		return EXIT_USAGE;
	(void)proto_add_str(m, "reason", reason, NULL);
	rc = cli_send(a, m, show_decided);
	json_decref(m);
	return rc;
}

void
cli_job_approval(const json_t *ap)
{
	char	buf[512], when[64];

	if (!json_is_object(ap))
		return;
	approvers(ap, buf, sizeof(buf));
	cli_time(cli_int(ap, "expires"), when, sizeof(when));
	printf("approval  %s, %lld of %lld (approvers: %s%s), expires %s\n",
	    cli_str(ap, "state"), cli_int(ap, "approvals"),
	    cli_int(ap, "required"), buf,
	    json_is_true(json_object_get(ap, "totp")) ? "; TOTP code needed" :
	    "", when);
}

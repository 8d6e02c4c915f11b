/*
 * cli-automation-run.c: "opsicle automation run NAME [SELECTOR...]
 * [-p NAME=VALUE]... [--dry-run] [--follow|--detach]". The latest version
 * of the automation runs on the selectors (default: its own targets) with
 * the parameter values given; the daemon checks them (automation_bind)
 * before a job exists, and a refused value is a usage error (exit 2). The
 * job's live output, summary, --group, --json and exit codes are run's
 * (cli-run.c, cli_run_submit). --detach prints the job id and leaves it
 * running; --dry-run prints the targets, batches, steps and values
 * (secrets as ***) and opens no connection to any target.
 *
 * A value given as "-p NAME" alone (no "=") is read from stdin, so a
 * secret need not be on the command line.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <sodium.h>

#include "autodoc.h"
#include "automation.h"
#include "store.h"
#include "termsafe.h"
#include "tui.h"

#define AUTO_RUN_DETAILS \
	"  -p, --param NAME=VALUE  a parameter's value (again for each); " \
	"-p NAME\n" \
	"                         alone reads the value from stdin (for a " \
	"secret)\n" \
	"  --dry-run              print targets, batches, steps and values " \
	"(secrets\n" \
	"                         ***); no connection is opened\n" \
	"  --detach               queue the job, print its id, do not " \
	"follow it\n" \
	"Live output, --group, --json, --quiet, --no-prefix and -S are " \
	"run's."

static cli_exec_fn	cli_automation_run_exec;

const struct cmd_entry cmd_automation_run_entry = {
	.name = "automation run",
	.usage = "automation run NAME [SELECTOR...] [-p NAME=VALUE]... "
	    "[-x SELECTOR] [--dry-run] [--follow | --detach] [--forks N] "
	    "[--timeout SEC] [--connect-timeout SEC] [--output-cap SIZE] "
	    "[--group] [--raw] [--quiet] [--no-prefix] [-S | --max-exit] "
	    "[--json]",
	.help = "run an automation's latest version on its targets or on "
	    "SELECTOR...",
	.details = AUTO_RUN_DETAILS,
	.min_args = 1, .max_args = -1,
	.options = "param=* exclude=* dry-run follow detach forks= timeout= "
	    "connect-timeout= output-cap= group raw quiet no-prefix max-exit "
	    "json",
	.flags = CMD_RW,
	.type = PROTO_AUTOMATION_RUN,
	.exec = cli_automation_run_exec,
};

static int
cli_automation_run_exec(const struct cli_args *a)
{
	return cli_automation_run(a);
}

/* stdin, without one trailing newline (caller frees, wipes). */
static char *
read_stdin_value(void)
{
	char	*buf;
	size_t	 len = 0;
	ssize_t	 n;

	if ((buf = malloc(AUTO_VALUE_MAX + 2)) == NULL)
		return NULL;
	while (len < AUTO_VALUE_MAX + 1 && (n = read(STDIN_FILENO, buf + len,
	    AUTO_VALUE_MAX + 1 - len)) > 0)
		len += (size_t)n;
	if (len > AUTO_VALUE_MAX) {
		sodium_memzero(buf, len);
		free(buf);
		return NULL;
	}
	if (len > 0 && buf[len - 1] == '\n')
		len--;
	buf[len] = '\0';
	return buf;
}

/* -p NAME=VALUE... into m's "params"; 0 or an exit code (said). */
static int
add_params(const struct cli_args *a, json_t *m)
{
	const char	**v = NULL;
	json_t		 *arr;
	char		 *val, *s;
	size_t		  n, i, len;
	int		  from_stdin = 0;

	n = cli_opt_all(a, "param", &v);
	if (n == 0) {
		free(v);
		return 0;
	}
	arr = json_array();
	json_object_set_new(m, "params", arr);
	for (i = 0; i < n; i++) {
		if (strchr(v[i], '=') != NULL) {
			json_array_append_new(arr, json_string(v[i]));
			continue;
		}
		if (from_stdin++ > 0 || (val = read_stdin_value()) == NULL) {
			fprintf(stderr, "opsicle automation run: -p %s: %s\n",
			    v[i], from_stdin > 1 ? "only one value can come "
			    "from stdin" : "stdin holds more than 64 KiB");
			free(v);
			return EXIT_USAGE;
		}
		len = strlen(v[i]) + strlen(val) + 2;
		if ((s = malloc(len)) != NULL) {
			snprintf(s, len, "%s=%s", v[i], val);
			json_array_append_new(arr, json_string(s));
			sodium_memzero(s, len);
			free(s);
		}
		sodium_memzero(val, strlen(val));
		free(val);
	}
	free(v);
	return 0;
}


static void
print_words(const json_t *arr)
{
	const json_t	*v;
	size_t		 i;

	json_array_foreach(arr, i, v) {
		putchar(' ');
		cli_safe_puts(stdout, json_string_value(v));
	}
	putchar('\n');
}

/* The plan of --dry-run. */
static void
print_plan(const json_t *r)
{
	const json_t	*b, *st, *p;
	size_t		 i;

	printf("automation ");
	cli_safe_puts(stdout, cli_str(r, "automation"));
	printf(" version %lld (dry run: nothing started)\n",
	    cli_int(r, "version"));
	printf("targets (%zu):", json_array_size(json_object_get(r,
	    "targets")));
	print_words(json_object_get(r, "targets"));
	json_array_foreach(json_object_get(r, "batches"), i, b) {
		printf("batch %zu:", i + 1);
		print_words(b);
	}
	printf("steps:\n");
	json_array_foreach(json_object_get(r, "steps"), i, st) {
		printf("  %zu. ", i + 1);
		cli_safe_puts(stdout, cli_str(st, "name"));
		printf(" (%s", cli_str(st, "kind"));
		if (json_object_get(st, "become") != NULL) {
			printf(", become ");
			cli_safe_puts(stdout, cli_str(st, "become"));
		}
		printf(", on failure %s)", cli_str(st, "on_failure"));
		if (json_object_get(st, "command") != NULL) {
			printf(": ");
			cli_safe_puts(stdout, cli_str(st, "command"));
		} else if (json_object_get(st, "dest") != NULL) {
			printf(" to ");
			cli_safe_puts(stdout, cli_str(st, "dest"));
		}
		putchar('\n');
	}
	printf("parameters:\n");
	json_array_foreach(json_object_get(r, "params"), i, p) {
		printf("  ");
		cli_safe_puts(stdout, cli_str(p, "name"));
		if (json_is_string(json_object_get(p, "value"))) {
			printf(" = ");
			cli_safe_puts(stdout, cli_str(p, "value"));
		} else
			printf(" (no value)");
		putchar('\n');
	}
}

/* --dry-run and --detach: one request, one answer. */
static int
ask_once(struct cli_conn *c, const struct cli_args *a, json_t *m, int dry)
{
	struct ops_err	 err;
	json_t		*r = NULL;
	int		 rc;

	if ((rc = client_request(c, m, &r, &err)) != OPS_OK) {
		cli_errmsg("automation run", ops_err_msg(&err));
		return err.code == OPS_E_INVAL && strncmp(ops_err_msg(&err),
		    "parameter ", 10) == 0 ? EXIT_USAGE : EXIT_REFUSED;
	}
	if (!dry)
		cli_awaiting(r);
	if (a->json)
		cli_print_json(r);
	else if (dry)
		print_plan(r);
	else
		printf("job %lld %s (automation %s version %lld); opsicle "
		    "job show %lld follows it\n", cli_int(r, "job"),
		    json_object_get(r, "approval") != NULL ?
		    "awaiting approval" : "queued",
		    cli_str(r, "automation"), cli_int(r, "version"),
		    cli_int(r, "job"));
	json_decref(r);
	return 0;
}

/*
 * The values checked here first, against the latest version (the daemon
 * checks them again, and its word is final): a refused value is a usage
 * error before any request that could start something. 0, or the exit
 * code (said).
 */
static int
check_values(struct cli_conn *c, const char *name, const json_t *m)
{
	const json_t		*arr = json_object_get(m, "params"), *v;
	const char		**assign = NULL, *b64;
	struct automation	*au = NULL;
	struct auto_values	*vals = NULL;
	struct ops_err		 err;
	unsigned char		*doc = NULL;
	size_t			 len = 0, i;
	json_t			*q, *r = NULL;
	int			 rc = 0;

	if ((q = proto_msg_new(PROTO_AUTOMATION_EXPORT, 0)) == NULL)
		return EXIT_REFUSED;
	(void)proto_add_str(q, "name", name, NULL);
	if (client_request(c, q, &r, &err) != OPS_OK ||
	    (b64 = json_string_value(json_object_get(r, "doc"))) == NULL ||
	    autodoc_unb64("the document", b64, strlen(b64),
	    STORE_AUTODOC_MAX, &doc, &len, &err) != OPS_OK ||
	    automation_parse((const char *)doc, len, strcmp(cli_str(r,
	    "format"), "json") == 0 ? AUTO_FMT_JSON : AUTO_FMT_YAML, &au,
	    &err) != OPS_OK) {
		cli_errmsg("automation run", ops_err_msg(&err));
		rc = EXIT_REFUSED;
		goto out;
	}
	assign = calloc(json_array_size(arr) + 1, sizeof(*assign));
	json_array_foreach(arr, i, v)
		assign[i] = json_string_value(v);
	if (assign != NULL && automation_bind(au, assign,
	    json_array_size(arr), &vals, &err) != OPS_OK) {
		cli_errmsg("automation run", ops_err_msg(&err));
		rc = EXIT_USAGE;
	}
out:
	automation_values_free(vals);
	automation_free(au);
	free(assign);
	free(doc);
	json_decref(q);
	json_decref(r);
	return rc;
}

int
cli_automation_run(const struct cli_args *a)
{
	struct cli_conn	 c;
	struct ops_err	 err;
	const char	**x = NULL;
	json_t		*m, *sel;
	long		 forks, timeout;
	size_t		 nx, i;
	int		 rc, dry = cli_flag(a, "dry-run");
	int		 detach = cli_flag(a, "detach");

	if (detach && cli_flag(a, "follow")) {
		fprintf(stderr, "opsicle automation run: --follow and --detach "
		    "do not go together\n");
		return EXIT_USAGE;
	}
	if ((forks = cli_num_opt(a, "forks", 4096)) == 0 ||
	    (timeout = cli_num_opt(a, "timeout", 7 * 24 * 3600)) == 0)
		return EXIT_USAGE;
	m = cli_msg(a);
	(void)proto_add_str(m, "name", a->pos[0], NULL);
	if (a->npos > 1) {
		sel = json_array();
		for (i = 1; i < (size_t)a->npos; i++)
			json_array_append_new(sel, json_string(a->pos[i]));
		json_object_set_new(m, "selectors", sel);
	}
	if ((nx = cli_opt_all(a, "exclude", &x)) > 0) {
		sel = json_array();
		for (i = 0; i < nx; i++)
			json_array_append_new(sel, json_string(x[i]));
		json_object_set_new(m, "exclude", sel);
	}
	free(x);
	if (forks > 0)
		(void)proto_add_int(m, "forks", forks, NULL);
	if (timeout > 0)
		(void)proto_add_int(m, "timeout", timeout, NULL);
	if (dry)
		(void)proto_add_bool(m, "dry_run", 1, NULL);
	if ((rc = cli_run_limits(a, m)) != 0 || (rc = add_params(a, m)) != 0)
		goto out;
	if ((rc = client_open(&c, !a->no_start, &err)) != OPS_OK) {
		cli_errmsg(NULL, ops_err_msg(&err));
		rc = c.refused ? EXIT_REFUSED : EXIT_NODAEMON;
		goto out;
	}
	if ((rc = check_values(&c, a->pos[0], m)) != 0)
		;
	else if (dry || detach)
		rc = ask_once(&c, a, m, dry);
	else
		rc = cli_run_submit(&c, a, m, -1, "automation run",
		    cli_flag(a, "group"));
	client_close(&c);
out:
	proto_wipe_strings(m, "params");
	json_decref(m);
	return rc;
}

/* ---- job show ---------------------------------------------------------- */

void
cli_job_auto_head(const json_t *o)
{
	const json_t	*p;
	size_t		 i;

	if (json_object_get(o, "params") == NULL)
		return;
	printf("automation ");
	cli_safe_puts(stdout, cli_str(o, "automation"));
	printf(" version %lld, %lld batches\n", cli_int(o, "version"),
	    cli_int(o, "batches"));
	json_array_foreach(json_object_get(o, "params"), i, p) {
		printf("param     ");
		cli_safe_puts(stdout, cli_str(p, "name"));
		printf(" = ");
		/* a value may hold newlines: one line here */
		cli_put_json(json_object_get(p, "value"), 0);
		putchar('\n');
	}
}

void
cli_job_auto_steps(const json_t *o)
{
	const json_t	*runs = json_object_get(o, "runs"), *r, *st;
	char		**cells = NULL, buf[32];
	size_t		 i, k, n = 0, c = 0, nc = 6;

	if (json_object_get(o, "params") == NULL)
		return;
	json_array_foreach(runs, i, r)
		n += json_array_size(json_object_get(r, "steps"));
	if ((cells = calloc((n + 1) * nc, sizeof(*cells))) == NULL)
		return;
	cells[c++] = strdup("TARGET");
	cells[c++] = strdup("BATCH");
	cells[c++] = strdup("STEP");
	cells[c++] = strdup("STATE");
	cells[c++] = strdup("EXIT");
	cells[c++] = strdup("ERROR");
	json_array_foreach(runs, i, r) {
		json_array_foreach(json_object_get(r, "steps"), k, st) {
			cells[c++] = termsafe_strdup(cli_str(r, "target"), 0);
			snprintf(buf, sizeof(buf), "%lld", cli_int(r, "batch"));
			cells[c++] = strdup(buf);
			snprintf(buf, sizeof(buf), "%zu. ", k + 1);
			cells[c] = malloc(strlen(buf) + strlen(cli_str(st,
			    "name")) + 1);
			if (cells[c] != NULL)
				sprintf(cells[c], "%s%s", buf, cli_str(st,
				    "name"));
			c++;
			cells[c++] = strdup(cli_str(st, "state"));
			if (json_is_integer(json_object_get(st, "exit")))
				snprintf(buf, sizeof(buf), "%lld", cli_int(st,
				    "exit"));
			else
				snprintf(buf, sizeof(buf), "-");
			cells[c++] = strdup(buf);
			cells[c++] = termsafe_strdup(json_is_string(
			    json_object_get(st, "error")) ? cli_str(st,
			    "error") : "-", 0);
		}
	}
	for (i = 0; i < c && cells[i] != NULL; i++)
		;
	if (i == c) {
		printf("\n");
		cli_table(cells, n + 1, nc);
	}
	for (i = 0; i < c; i++)
		free(cells[i]);
	free(cells);
}

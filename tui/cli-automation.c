/*
 * cli-automation.c: automation list, show, history, diff, export and rm
 * (apply is cli-automation-apply.c). Reads print columns for people or
 * the daemon's JSON with --json (opsicle(1), JSON OUTPUT). Text from a
 * document (descriptions, commands) goes through core/termsafe when it
 * is shown as a table or summary; export and diff give the document's
 * bytes as they are, filtered only when standard output is a terminal.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "autodoc.h"
#include "store.h"
#include "termsafe.h"
#include "textdiff.h"
#include "tui.h"

/* ---- command entries (listed in cli-table.c) ---------------------------- */

static cli_exec_fn	cli_automation_list, cli_automation_show,
			cli_automation_history, cli_automation_diff,
			cli_automation_export, cli_automation_rm;

const struct cmd_entry cmd_automation_list_entry = {
	.name = "automation list",
	.alias = "automation ls",
	.usage = "automation list [--json]",
	.help = "list automations with their latest version and when it "
	    "was applied",
	.min_args = 0, .max_args = 0,
	.options = "json",
	.flags = CMD_RO,
	.type = PROTO_AUTOMATION_LIST,
	.exec = cli_automation_list,
};

const struct cmd_entry cmd_automation_show_entry = {
	.name = "automation show",
	.usage = "automation show NAME [--version N] [--json]",
	.help = "show a version (the latest by default): parameters, steps, "
	    "targets, rollout and files",
	.min_args = 1, .max_args = 1,
	.options = "version= json",
	.flags = CMD_RO,
	.type = PROTO_AUTOMATION_SHOW,
	.exec = cli_automation_show,
};

const struct cmd_entry cmd_automation_history_entry = {
	.name = "automation history",
	.usage = "automation history NAME [--json]",
	.help = "list an automation's versions, oldest first",
	.min_args = 1, .max_args = 1,
	.options = "json",
	.flags = CMD_RO,
	.type = PROTO_AUTOMATION_HISTORY,
	.exec = cli_automation_history,
};

const struct cmd_entry cmd_automation_diff_entry = {
	.name = "automation diff",
	.usage = "automation diff NAME V1 V2 [--json]",
	.help = "a unified diff of two versions' documents, then of each "
	    "file they store that differs",
	.min_args = 3, .max_args = 3,
	.options = "json",
	/* Its own requests (two automation-export). */
	.flags = CMD_F_LOCAL | CMD_RO,
	.type = PROTO_NONE,
	.exec = cli_automation_diff,
};

const struct cmd_entry cmd_automation_export_entry = {
	.name = "automation export",
	.usage = "automation export NAME [--version N] [-o | --output FILE] "
	    "[--json]",
	.help = "write a version's document (the latest by default) as it "
	    "was applied, byte for byte, to standard output or FILE",
	.min_args = 1, .max_args = 1,
	.options = "version= output= json",
	.flags = CMD_RO,
	.type = PROTO_AUTOMATION_EXPORT,
	.exec = cli_automation_export,
};

const struct cmd_entry cmd_automation_rm_entry = {
	.name = "automation rm",
	.alias = "automation remove",
	.usage = "automation rm NAME",
	.help = "remove an automation and its versions (its jobs stay in the "
	    "history, by name and version)",
	.min_args = 1, .max_args = 1,
	.flags = CMD_RW,
	.type = PROTO_AUTOMATION_RM,
	.exec = cli_automation_rm,
};

/* ---- helpers ------------------------------------------------------------ */

/* A version argument: 1 or more; 0 on a usage error (printed). */
static int
version_arg(const struct cli_args *a, const char *s)
{
	char	*end;
	long	 v;

	errno = 0;
	v = strtol(s, &end, 10);
	if (*s == '\0' || *end != '\0' || errno != 0 || v < 1 ||
	    v > 1000000000) {
		fprintf(stderr, "opsicle %s: a version is a positive number, "
		    "not \"%s\"\n", a->e->name, s);
		return 0;
	}
	return (int)v;
}

/* A request naming pos[0], with --version when given; NULL on usage. */
static json_t *
name_msg(const struct cli_args *a)
{
	const char	*vs = cli_opt(a, "version");
	json_t		*m;
	int		 v = 0;

	if (vs != NULL && (v = version_arg(a, vs)) == 0)
		return NULL;
	m = cli_msg(a);
	proto_add_str(m, "name", a->pos[0], NULL);
	if (v > 0)
		proto_add_int(m, "version", v, NULL);
	return m;
}

/* The request naming pos[0] (and --version where the command has it),
 * answered through show. */
static int
send_name(const struct cli_args *a,
    void (*show)(const struct cli_args *, const json_t *))
{
	json_t	*m = name_msg(a);
	int	 rc;

	if (m == NULL)
		return EXIT_USAGE;
	rc = cli_send(a, m, show);
	json_decref(m);
	return rc;
}

/* The first line of s, escaped and cut to fit a column, into buf. */
static void
first_line(const char *s, char *buf, size_t len)
{
	char	line[256];
	size_t	n;

	if (s == NULL || *s == '\0') {
		snprintf(buf, len, "-");
		return;
	}
	n = strcspn(s, "\n");
	snprintf(line, sizeof(line), "%.*s%s", (int)(n < 60 ? n : 60), s,
	    n > 60 || s[n] != '\0' ? "..." : "");
	termsafe_escape(line, strlen(line), 0, buf, len);
}

/* ms as "250ms", "30s", "1.5s"; "-" for 0. */
static void
duration(long long ms, char *buf, size_t len)
{
	if (ms <= 0)
		snprintf(buf, len, "-");
	else if (ms < 1000)
		snprintf(buf, len, "%lldms", ms);
	else if (ms % 1000 == 0)
		snprintf(buf, len, "%llds", ms / 1000);
	else
		snprintf(buf, len, "%.3gs", (double)ms / 1000.0);
}

static int
table_put(char **cells, size_t *k, const char *s)
{
	if ((cells[*k] = strdup(s != NULL ? s : "-")) == NULL)
		return -1;
	(*k)++;
	return 0;
}

static void
table_free(char **cells, size_t k)
{
	size_t	i;

	for (i = 0; i < k; i++)
		free(cells[i]);
	free(cells);
}

/* ---- list --------------------------------------------------------------- */

#define LIST_COLS	6

static void
show_list(const struct cli_args *a, const json_t *r)
{
	static const char *const hdr[LIST_COLS] = { "NAME", "VERSION",
	    "VERSIONS", "APPLIED", "BY", "DESCRIPTION" };
	const json_t	*o;
	char		**cells, buf[256];
	size_t		  n = json_array_size(r), i, k = 0;
	int		  bad = 0;

	(void)a;
	if ((cells = calloc((n + 1) * LIST_COLS, sizeof(*cells))) == NULL)
		return;
	for (i = 0; i < LIST_COLS; i++)
		bad |= table_put(cells, &k, hdr[i]);
	for (i = 0; i < n && !bad; i++) {
		o = json_array_get(r, i);
		bad |= table_put(cells, &k, cli_str(o, "name"));
		snprintf(buf, sizeof(buf), "%lld", cli_int(o, "latest"));
		bad |= table_put(cells, &k, buf);
		snprintf(buf, sizeof(buf), "%lld", cli_int(o, "versions"));
		bad |= table_put(cells, &k, buf);
		cli_time(cli_int(o, "applied"), buf, sizeof(buf));
		bad |= table_put(cells, &k, buf);
		first_line(cli_str(o, "applied_by"), buf, sizeof(buf));
		bad |= table_put(cells, &k, buf);
		first_line(json_string_value(json_object_get(o,
		    "description")), buf, sizeof(buf));
		bad |= table_put(cells, &k, buf);
	}
	if (!bad)
		cli_table(cells, n + 1, LIST_COLS);
	table_free(cells, k);
}

static int
cli_automation_list(const struct cli_args *a)
{
	json_t	*m = cli_msg(a);
	int	 rc;

	rc = cli_send(a, m, show_list);
	json_decref(m);
	return rc;
}

/* ---- history ------------------------------------------------------------ */

#define HIST_COLS	6

static void
show_history(const struct cli_args *a, const json_t *r)
{
	static const char *const hdr[HIST_COLS] = { "VERSION", "APPLIED",
	    "BY", "FORMAT", "SIZE", "SHA256" };
	const json_t	*o;
	char		**cells, buf[256];
	size_t		  n = json_array_size(r), i, k = 0;
	int		  bad = 0;

	(void)a;
	if ((cells = calloc((n + 1) * HIST_COLS, sizeof(*cells))) == NULL)
		return;
	for (i = 0; i < HIST_COLS; i++)
		bad |= table_put(cells, &k, hdr[i]);
	for (i = 0; i < n && !bad; i++) {
		o = json_array_get(r, i);
		snprintf(buf, sizeof(buf), "%lld", cli_int(o, "version"));
		bad |= table_put(cells, &k, buf);
		cli_time(cli_int(o, "created"), buf, sizeof(buf));
		bad |= table_put(cells, &k, buf);
		first_line(json_string_value(json_object_get(o, "actor")),
		    buf, sizeof(buf));
		bad |= table_put(cells, &k, buf);
		bad |= table_put(cells, &k, json_is_string(json_object_get(o,
		    "format")) ? cli_str(o, "format") : cli_str(o, "kind"));
		cli_size(cli_int(o, "size"), buf, sizeof(buf));
		if (cli_int(o, "files") > 0)
			snprintf(buf + strlen(buf), sizeof(buf) - strlen(buf),
			    " + %lld file%s", cli_int(o, "files"),
			    cli_int(o, "files") == 1 ? "" : "s");
		bad |= table_put(cells, &k, buf);
		snprintf(buf, sizeof(buf), "%.12s", cli_str(o, "sha256"));
		bad |= table_put(cells, &k, buf);
	}
	if (!bad)
		cli_table(cells, n + 1, HIST_COLS);
	table_free(cells, k);
}

static int
cli_automation_history(const struct cli_args *a)
{
	return send_name(a, show_history);
}

/* ---- show --------------------------------------------------------------- */

static void
put_field(const char *label, const char *value)
{
	printf("%-12s ", label);
	cli_safe_puts(stdout, value);
	putchar('\n');
}

static void
amount(const json_t *o, char *buf, size_t len)
{
	snprintf(buf, len, "%lld%s", cli_int(o, "n"),
	    json_is_true(json_object_get(o, "percent")) ? "%" : "");
}

static void
show_rollout(const json_t *r)
{
	const json_t	*b = json_object_get(r, "batch");
	const json_t	*mf = json_object_get(r, "max_failures");
	char		 buf[512], x[64];

	snprintf(buf, sizeof(buf), "batch ");
	if (json_is_object(b)) {
		amount(b, x, sizeof(x));
		strncat(buf, x, sizeof(buf) - strlen(buf) - 1);
	} else
		strncat(buf, "all", sizeof(buf) - strlen(buf) - 1);
	strncat(buf, ", max failures ", sizeof(buf) - strlen(buf) - 1);
	if (json_is_object(mf)) {
		amount(mf, x, sizeof(x));
		strncat(buf, x, sizeof(buf) - strlen(buf) - 1);
	} else
		strncat(buf, "no limit", sizeof(buf) - strlen(buf) - 1);
	if (json_is_string(json_object_get(r, "order"))) {
		strncat(buf, ", order ", sizeof(buf) - strlen(buf) - 1);
		strncat(buf, cli_str(r, "order"), sizeof(buf) - strlen(buf) -
		    1);
	}
	if (cli_int(r, "forks") > 0) {
		snprintf(x, sizeof(x), ", forks %lld", cli_int(r, "forks"));
		strncat(buf, x, sizeof(buf) - strlen(buf) - 1);
	}
	put_field("rollout", buf);
}

#define PARAM_COLS	5

static void
show_params(const json_t *l)
{
	static const char *const hdr[PARAM_COLS] = { "  NAME", "TYPE",
	    "REQUIRED", "DEFAULT", "DESCRIPTION" };
	const json_t	*o, *d;
	char		**cells, buf[256], name[128];
	size_t		  n = json_array_size(l), i, k = 0;
	int		  bad = 0;

	printf("parameters%s\n", n == 0 ? "   -" : "");
	if (n == 0 || (cells = calloc((n + 1) * PARAM_COLS,
	    sizeof(*cells))) == NULL)
		return;
	for (i = 0; i < PARAM_COLS; i++)
		bad |= table_put(cells, &k, hdr[i]);
	for (i = 0; i < n && !bad; i++) {
		o = json_array_get(l, i);
		snprintf(name, sizeof(name), "  %s", cli_str(o, "name"));
		bad |= table_put(cells, &k, name);
		bad |= table_put(cells, &k, cli_str(o, "type"));
		bad |= table_put(cells, &k, json_is_true(json_object_get(o,
		    "required")) ? "yes" : "no");
		d = json_object_get(o, "default");
		if (json_is_true(json_object_get(o, "has_default")))
			snprintf(buf, sizeof(buf), "(secret)");
		else
			first_line(json_string_value(d), buf, sizeof(buf));
		bad |= table_put(cells, &k, buf);
		first_line(json_string_value(json_object_get(o,
		    "description")), buf, sizeof(buf));
		bad |= table_put(cells, &k, buf);
	}
	if (!bad)
		cli_table(cells, n + 1, PARAM_COLS);
	table_free(cells, k);
}

/* What a step does, in a few words, escaped into buf. */
static void
step_what(const json_t *s, char *buf, size_t len)
{
	const char	*kind = cli_str(s, "kind");
	char		 raw[512], x[256], d[32];

	raw[0] = '\0';
	if (strcmp(kind, "command") == 0)
		first_line(cli_str(s, "command"), raw, sizeof(raw));
	else if (strcmp(kind, "script") == 0 && json_is_string(
	    json_object_get(s, "file")))
		snprintf(raw, sizeof(raw), "file %s", cli_str(s, "file"));
	else if (strcmp(kind, "script") == 0)
		first_line(cli_str(s, "script"), raw, sizeof(raw));
	else if (strcmp(kind, "upload") == 0 && json_is_string(
	    json_object_get(s, "src")))
		snprintf(raw, sizeof(raw), "%s -> %s (mode %04llo)",
		    cli_str(s, "src"), cli_str(s, "dest"),
		    cli_int(s, "mode"));
	else if (strcmp(kind, "upload") == 0)
		snprintf(raw, sizeof(raw), "%lld bytes -> %s (mode %04llo)",
		    cli_int(s, "content_bytes"), cli_str(s, "dest"),
		    cli_int(s, "mode"));
	else
		snprintf(raw, sizeof(raw), "%s -> %s/", cli_str(s, "src"),
		    cli_str(s, "dest"));
	if (json_is_string(json_object_get(s, "become"))) {
		snprintf(x, sizeof(x), "; as %s", cli_str(s, "become"));
		strncat(raw, x, sizeof(raw) - strlen(raw) - 1);
	}
	if (cli_int(s, "timeout") > 0) {
		duration(cli_int(s, "timeout"), d, sizeof(d));
		snprintf(x, sizeof(x), "; timeout %s", d);
		strncat(raw, x, sizeof(raw) - strlen(raw) - 1);
	}
	if (cli_int(s, "retries") > 0) {
		snprintf(x, sizeof(x), "; %lld retries", cli_int(s,
		    "retries"));
		strncat(raw, x, sizeof(raw) - strlen(raw) - 1);
	}
	if (strcmp(cli_str(s, "on_failure"), "continue") == 0)
		strncat(raw, "; on failure continue", sizeof(raw) -
		    strlen(raw) - 1);
	termsafe_escape(raw, strlen(raw), 0, buf, len);
}

#define STEP_COLS	4

static void
show_steps(const json_t *l)
{
	static const char *const hdr[STEP_COLS] = { "  #", "NAME", "KIND",
	    "WHAT" };
	const json_t	*o;
	char		**cells, buf[1024];
	size_t		  n = json_array_size(l), i, k = 0;
	int		  bad = 0;

	printf("steps\n");
	if ((cells = calloc((n + 1) * STEP_COLS, sizeof(*cells))) == NULL)
		return;
	for (i = 0; i < STEP_COLS; i++)
		bad |= table_put(cells, &k, hdr[i]);
	for (i = 0; i < n && !bad; i++) {
		o = json_array_get(l, i);
		snprintf(buf, sizeof(buf), "  %zu", i + 1);
		bad |= table_put(cells, &k, buf);
		first_line(cli_str(o, "name"), buf, sizeof(buf));
		bad |= table_put(cells, &k, buf);
		bad |= table_put(cells, &k, cli_str(o, "kind"));
		step_what(o, buf, sizeof(buf));
		bad |= table_put(cells, &k, buf);
	}
	if (!bad)
		cli_table(cells, n + 1, STEP_COLS);
	table_free(cells, k);
}

static void
show_auto(const struct cli_args *a, const json_t *r)
{
	const json_t	*l;
	char		 buf[1024], t[64];
	size_t		 i, off;

	(void)a;
	put_field("name", cli_str(r, "name"));
	snprintf(buf, sizeof(buf), "%lld (latest %lld, %lld version%s)",
	    cli_int(r, "version"), cli_int(r, "latest"),
	    cli_int(r, "versions"), cli_int(r, "versions") == 1 ? "" : "s");
	put_field("version", buf);
	cli_size(cli_int(r, "size"), t, sizeof(t));
	snprintf(buf, sizeof(buf), "%s, %s", cli_str(r, "format"), t);
	put_field("format", buf);
	put_field("sha256", cli_str(r, "sha256"));
	cli_time(cli_int(r, "created"), t, sizeof(t));
	snprintf(buf, sizeof(buf), "%s by %s", t, cli_str(r, "actor"));
	put_field("applied", buf);
	put_field("description", cli_str(r, "description"));
	l = json_object_get(r, "targets");
	for (i = 0, off = 0, buf[0] = '\0'; i < json_array_size(l) &&
	    off < sizeof(buf); i++)
		off += (size_t)snprintf(buf + off, sizeof(buf) - off, "%s%s",
		    i > 0 ? " " : "", json_string_value(json_array_get(l, i)));
	put_field("targets", buf[0] != '\0' ? buf :
	    "- (name them at run)");
	show_rollout(json_object_get(r, "rollout"));
	duration(cli_int(r, "timeout"), t, sizeof(t));
	put_field("timeout", t);
	show_params(json_object_get(r, "params"));
	show_steps(json_object_get(r, "steps"));
	l = json_object_get(r, "files");
	printf("files%s\n", json_array_size(l) == 0 ? "        -" : "");
	for (i = 0; i < json_array_size(l); i++) {
		cli_size(cli_int(json_array_get(l, i), "size"), t, sizeof(t));
		printf("  ");
		cli_safe_puts(stdout, cli_str(json_array_get(l, i), "path"));
		printf("  %s\n", t);
	}
}

static int
cli_automation_show(const struct cli_args *a)
{
	return send_name(a, show_auto);
}

/* ---- export and diff ---------------------------------------------------- */

/* Version v (0: latest) of name's document on c: 0 with *doc (caller
 * frees) and, when reply is not NULL, the reply (caller frees), or an
 * exit code with the reason printed. */
static int
fetch_doc(const struct cli_args *a, struct cli_conn *c, const char *name,
    int v, int files, unsigned char **doc, size_t *len, json_t **reply)
{
	struct ops_err	 err;
	const char	*b64;
	json_t		*m, *r = NULL;
	int		 rc;

	*doc = NULL;
	*len = 0;
	if (reply != NULL)
		*reply = NULL;
	if ((m = proto_msg_new(PROTO_AUTOMATION_EXPORT, 0)) == NULL) {
		cli_errmsg(a->e->name, "out of memory");
		return EXIT_REFUSED;
	}
	proto_add_str(m, "name", name, NULL);
	if (v > 0)
		proto_add_int(m, "version", v, NULL);
	if (files)
		proto_add_bool(m, "files", 1, NULL);
	rc = client_request(c, m, &r, &err);
	json_decref(m);
	if (rc == OPS_OK && (b64 = json_string_value(json_object_get(r,
	    "doc"))) != NULL)
		rc = autodoc_unb64("the document", b64, strlen(b64),
		    STORE_AUTODOC_MAX, doc, len, &err);
	else if (rc == OPS_OK)
		rc = ops_err_set(&err, OPS_E_PROTO, "the reply has no document");
	if (rc == OPS_OK && reply != NULL) {
		*reply = r;
		return 0;
	}
	json_decref(r);
	if (rc == OPS_OK)
		return 0;
	cli_errmsg(a->e->name, ops_err_msg(&err));
	return c->refused ? EXIT_REFUSED : EXIT_NODAEMON;
}

static int
open_conn(const struct cli_args *a, struct cli_conn *c)
{
	struct ops_err	err;

	if (client_open(c, !a->no_start, &err) == OPS_OK)
		return 0;
	cli_errmsg(NULL, ops_err_msg(&err));
	client_close(c);
	return c->refused ? EXIT_REFUSED : EXIT_NODAEMON;
}

/* Bytes to stdout: filtered when it is a terminal. */
static int
put_bytes(const void *p, size_t len)
{
	struct termsafe	ts;

	if (cli_out_filtered(stdout, 0)) {
		termsafe_init(&ts, TERMSAFE_LF);
		if (termsafe_write(&ts, stdout, p, len) != 0 ||
		    termsafe_flush(&ts, stdout) != 0)
			return -1;
	} else if (len > 0 && fwrite(p, 1, len, stdout) != len)
		return -1;
	return fflush(stdout) == 0 ? 0 : -1;
}

static int
write_file(const char *path, const unsigned char *p, size_t len)
{
	size_t	off = 0;
	ssize_t	n;
	int	fd;

	if ((fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC,
	    0666)) == -1)
		return -1;
	while (off < len) {
		if ((n = write(fd, p + off, len - off)) == -1) {
			if (errno == EINTR)
				continue;
			close(fd);
			return -1;
		}
		off += (size_t)n;
	}
	return close(fd);
}

static int
cli_automation_export(const struct cli_args *a)
{
	struct cli_conn	 c;
	const char	*vs = cli_opt(a, "version"), *out = cli_opt(a, "output");
	unsigned char	*doc = NULL;
	json_t		*r = NULL;
	size_t		 len;
	int		 rc, v = 0;

	if (vs != NULL && (v = version_arg(a, vs)) == 0)
		return EXIT_USAGE;
	if ((rc = open_conn(a, &c)) != 0)
		return rc;
	rc = fetch_doc(a, &c, a->pos[0], v, 0, &doc, &len, a->json ? &r : NULL);
	client_close(&c);
	if (rc != 0)
		return rc;
	if (a->json && out == NULL) {
		cli_print_json(r);
		json_decref(r);
		free(doc);
		return 0;
	}
	json_decref(r);
	if (out != NULL ? write_file(out, doc, len) != 0 :
	    put_bytes(doc, len) != 0) {
		fprintf(stderr, "opsicle %s: write %s: %s\n", a->e->name,
		    out != NULL ? out : "standard output", strerror(errno));
		rc = EXIT_REFUSED;
	}
	free(doc);
	return rc;
}

/* diff --json: {name, from, to, diff}, the diff as a string (or base64
 * in diff_base64 when it is not UTF-8). */
static int
diff_json(const char *name, int v1, int v2, const char *out, size_t olen)
{
	json_t	*o = json_object();
	char	*b64;

	if (o == NULL)
		return EXIT_REFUSED;
	json_object_set_new(o, "name", json_string(name));
	json_object_set_new(o, "from", json_integer(v1));
	json_object_set_new(o, "to", json_integer(v2));
	if (json_object_set_new(o, "diff", json_stringn(out, olen)) != 0) {
		if ((b64 = autodoc_b64(out, olen)) != NULL)
			json_object_set_new(o, "diff_base64",
			    json_string(b64));
		free(b64);
	}
	cli_print_json(o);
	json_decref(o);
	return 0;
}

/* The file at path in an export reply with files, decoded: 0, 1 when the
 * version has no such file (*p "", *len 0), -1 on a bad reply. */
static int
reply_file(const json_t *r, const char *path, unsigned char **p,
    size_t *len)
{
	const json_t	*l = json_object_get(r, "files"), *o;
	const char	*data;
	size_t		 i;

	*p = NULL;
	*len = 0;
	for (i = 0; i < json_array_size(l); i++) {
		o = json_array_get(l, i);
		if (strcmp(cli_str(o, "path"), path) != 0)
			continue;
		data = json_string_value(json_object_get(o, "data"));
		return data != NULL && autodoc_unb64(path, data, strlen(data),
		    STORE_AUTOTOTAL_MAX, p, len, NULL) == OPS_OK ? 0 : -1;
	}
	return (*p = calloc(1, 1)) != NULL ? 1 : -1;
}

static int
cmp_str(const void *x, const void *y)
{
	return strcmp(*(const char *const *)x, *(const char *const *)y);
}

/* The paths of both replies' files, sorted, each once; caller frees. */
static const char **
file_union(const json_t *r1, const json_t *r2, size_t *n)
{
	const json_t	 *l1 = json_object_get(r1, "files");
	const json_t	 *l2 = json_object_get(r2, "files");
	const char	**v;
	size_t		  i, k = 0, n1 = json_array_size(l1);

	*n = 0;
	if ((v = calloc(n1 + json_array_size(l2) + 1, sizeof(*v))) == NULL)
		return NULL;
	for (i = 0; i < n1; i++)
		v[k++] = cli_str(json_array_get(l1, i), "path");
	for (i = 0; i < json_array_size(l2); i++)
		v[k++] = cli_str(json_array_get(l2, i), "path");
	qsort(v, k, sizeof(*v), cmp_str);
	for (i = 0; i < k; i++)
		if (*n == 0 || strcmp(v[*n - 1], v[i]) != 0)
			v[(*n)++] = v[i];
	return v;
}

struct diff_out {
	char	*p;
	size_t	 len;
};

/* Append the diff of x and y (labelled) to o: 0, or -1. */
static int
diff_add(struct diff_out *o, const unsigned char *x, size_t xl,
    const char *lx, const unsigned char *y, size_t yl, const char *ly)
{
	struct ops_err	 err;
	char		*d = NULL, *np;
	size_t		 dl;

	if (textdiff_unified((const char *)x, xl, (const char *)y, yl, lx, ly,
	    3, &d, &dl, &err) != OPS_OK)
		return -1;
	if ((np = realloc(o->p, o->len + dl + 1)) == NULL) {
		free(d);
		return -1;
	}
	o->p = np;
	memcpy(o->p + o->len, d, dl + 1);
	o->len += dl;
	free(d);
	return 0;
}

/* The document's diff, then each file's that differs (a file only one
 * version has is diffed against nothing, labelled "(none)"). */
static int
diff_versions(const char *name, int v1, int v2, json_t *r1, json_t *r2,
    const unsigned char *d1, size_t n1, const unsigned char *d2, size_t n2,
    struct diff_out *o)
{
	const char	**paths;
	unsigned char	 *f1, *f2;
	char		  l1[4096 + 160], l2[4096 + 160];
	size_t		  np, fl1, fl2, i;
	int		  rc = 0, h1, h2;

	snprintf(l1, sizeof(l1), "%s version %d", name, v1);
	snprintf(l2, sizeof(l2), "%s version %d", name, v2);
	if (diff_add(o, d1, n1, l1, d2, n2, l2) != 0 ||
	    (paths = file_union(r1, r2, &np)) == NULL)
		return -1;
	for (i = 0; i < np && rc == 0; i++) {
		h1 = reply_file(r1, paths[i], &f1, &fl1);
		h2 = reply_file(r2, paths[i], &f2, &fl2);
		snprintf(l1, sizeof(l1), "%s version %d: %s%s", name, v1,
		    paths[i], h1 == 1 ? " (none)" : "");
		snprintf(l2, sizeof(l2), "%s version %d: %s%s", name, v2,
		    paths[i], h2 == 1 ? " (none)" : "");
		if (h1 < 0 || h2 < 0 || diff_add(o, f1, fl1, l1, f2, fl2,
		    l2) != 0)
			rc = -1;
		free(f1);
		free(f2);
	}
	free(paths);
	return rc;
}

static int
cli_automation_diff(const struct cli_args *a)
{
	struct cli_conn	 c;
	struct diff_out	 o = { NULL, 0 };
	unsigned char	*d1 = NULL, *d2 = NULL;
	json_t		*r1 = NULL, *r2 = NULL;
	size_t		 n1, n2;
	int		 rc, v1, v2;

	if ((v1 = version_arg(a, a->pos[1])) == 0 ||
	    (v2 = version_arg(a, a->pos[2])) == 0)
		return EXIT_USAGE;
	if ((rc = open_conn(a, &c)) != 0)
		return rc;
	if ((rc = fetch_doc(a, &c, a->pos[0], v1, 1, &d1, &n1, &r1)) == 0)
		rc = fetch_doc(a, &c, a->pos[0], v2, 1, &d2, &n2, &r2);
	client_close(&c);
	if (rc != 0)
		goto out;
	if (diff_versions(a->pos[0], v1, v2, r1, r2, d1, n1, d2, n2,
	    &o) != 0) {
		cli_errmsg(a->e->name, "diff: out of memory or a bad reply");
		rc = EXIT_REFUSED;
	} else if (a->json)
		rc = diff_json(a->pos[0], v1, v2, o.p != NULL ? o.p : "",
		    o.len);
	else if (put_bytes(o.p != NULL ? o.p : "", o.len) != 0)
		rc = EXIT_REFUSED;
out:
	json_decref(r1);
	json_decref(r2);
	free(o.p);
	free(d1);
	free(d2);
	return rc;
}

/* ---- rm ----------------------------------------------------------------- */

static int
cli_automation_rm(const struct cli_args *a)
{
	return send_name(a, NULL);
}

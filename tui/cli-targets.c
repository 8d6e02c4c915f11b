/*
 * cli-targets.c: target add, list, show, edit and rm. Values are passed
 * to the daemon as given; it validates them and its refusal is printed
 * verbatim (exit 1). Only the port's syntax is checked here (exit 2).
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "tui.h"

/* ---- command entries (listed in cli-table.c) ---------------------------- */

/* The entries are the way in: the functions that run them are static. */
static cli_exec_fn	cli_target_add, cli_target_list, cli_target_show,
			cli_target_edit, cli_target_rm;

const struct cmd_entry cmd_target_add_entry = {
	.name = "target add",
	.usage = "target add NAME --host HOST [--port PORT] [--user USER] "
	    "[--cred CRED] [--tag TAG]... [--note TEXT] "
	    "[--accept-new-hostkey]",
	.help = "add a target host",
	.min_args = 1, .max_args = 1,
	.options = "host= port= user= cred= tag=* note= "
	    "accept-new-hostkey",
	.flags = CMD_RW,
	.type = PROTO_TARGET_ADD,
	.exec = cli_target_add,
};

const struct cmd_entry cmd_target_list_entry = {
	.name = "target list",
	.alias = "target ls",
	.usage = "target list [--tag TAG] [--json] [SELECTOR]",
	.help = "list targets, optionally by tag or selector",
	.min_args = 0, .max_args = 1,
	.options = "tag= json",
	.flags = CMD_RO,
	.type = PROTO_TARGET_LIST,
	.exec = cli_target_list,
};

const struct cmd_entry cmd_target_show_entry = {
	.name = "target show",
	.usage = "target show NAME [--json]",
	.help = "show one target",
	.min_args = 1, .max_args = 1,
	.options = "json",
	.flags = CMD_RO,
	.type = PROTO_TARGET_SHOW,
	.exec = cli_target_show,
};

const struct cmd_entry cmd_target_edit_entry = {
	.name = "target edit",
	.usage = "target edit SELECTOR... [--rename NEW] [--host HOST] "
	    "[--port PORT] [--user USER] [--cred CRED | --set-cred CRED] "
	    "[--no-cred] [--tag TAG]... [--add-tag TAG]... [--rm-tag TAG]... "
	    "[--note TEXT] [--dry-run]",
	.help = "change one target, or every target the selectors pick "
	    "(all or nothing); --tag replaces all tags, --add-tag and "
	    "--rm-tag change some; --dry-run lists what would change",
	.min_args = 1, .max_args = -1,
	.options = "rename= host= port= user= cred= set-cred= no-cred "
	    "tag=* add-tag=* rm-tag=* note= dry-run",
	.flags = CMD_RW,
	.type = PROTO_TARGET_EDIT,
	.exec = cli_target_edit,
};

const struct cmd_entry cmd_target_rm_entry = {
	.name = "target rm",
	.alias = "target remove",
	.usage = "target rm NAME",
	.help = "remove a target",
	.min_args = 1, .max_args = 1,
	.flags = CMD_RW,
	.type = PROTO_TARGET_RM,
	.exec = cli_target_rm,
};

/* --port: a decimal number; the daemon checks its range. */
static int
add_port(const struct cli_args *a, json_t *m)
{
	const char	*p = cli_opt(a, "port");
	char		*end;
	long		 v;

	if (p == NULL)
		return 0;
	v = strtol(p, &end, 10);
	if (*p == '\0' || *end != '\0' || v < -1000000 || v > 1000000) {
		fprintf(stderr, "opsicle %s: --port needs a number, not "
		    "\"%s\"\n", a->e->name, p);
		return EXIT_USAGE;
	}
	proto_add_int(m, "port", v, NULL);
	return 0;
}

static void
add_opt_str(const struct cli_args *a, json_t *m, const char *opt,
    const char *key)
{
	const char	*v = cli_opt(a, opt);

	if (v != NULL)
		proto_add_str(m, key, v, NULL);
}

static void
add_tags(const struct cli_args *a, json_t *m)
{
	const char	**tags;
	size_t		  n;

	n = cli_opt_all(a, "tag", &tags);
	if (n > 0)
		proto_add_str_array(m, "tags", tags, n, NULL);
	free(tags);
}

/* Build the common fields; exits on a usage error. */
static json_t *
target_msg(const struct cli_args *a, int *rc)
{
	json_t	*m = cli_msg(a);

	*rc = 0;
	proto_add_str(m, "name", a->pos[0], NULL);
	if ((*rc = add_port(a, m)) != 0) {
		json_decref(m);
		return NULL;
	}
	add_opt_str(a, m, "host", "host");
	add_opt_str(a, m, "user", "user");
	add_opt_str(a, m, "cred", "cred");
	add_opt_str(a, m, "note", "notes");
	add_tags(a, m);
	return m;
}

int
cli_target_add(const struct cli_args *a)
{
	json_t	*m;
	int	 rc;

	if (cli_opt(a, "host") == NULL) {
		fprintf(stderr, "opsicle target add: --host is required\n");
		cli_usage(stderr, a->e);
		return EXIT_USAGE;
	}
	if ((m = target_msg(a, &rc)) == NULL)
		return rc;
	if (cli_flag(a, "accept-new-hostkey"))	/* hostkeys */
		rc = cli_send_accept_new(a, m, NULL);
	else
		rc = cli_send(a, m, NULL);
	json_decref(m);
	return rc;
}

int
cli_target_edit(const struct cli_args *a)
{
	json_t	*m;
	int	 rc;

	if (a->nopts == 0) {
		fprintf(stderr, "opsicle target edit: nothing to change\n");
		cli_usage(stderr, a->e);
		return EXIT_USAGE;
	}
	if (cli_target_edit_is_many(a))		/* cli-targets-edit.c */
		return cli_target_edit_many(a);
	if ((m = target_msg(a, &rc)) == NULL)
		return rc;
	add_opt_str(a, m, "rename", "new_name");
	if (cli_flag(a, "no-cred"))
		proto_add_bool(m, "clear_cred", 1, NULL);
	rc = cli_send(a, m, NULL);
	json_decref(m);
	return rc;
}

int
cli_target_rm(const struct cli_args *a)
{
	json_t	*m = cli_msg(a);
	int	 rc;

	proto_add_str(m, "name", a->pos[0], NULL);
	rc = cli_send(a, m, NULL);
	json_decref(m);
	return rc;
}

/* Decode each target of a reply; say so and give up on a bad one. */
static int
decode(const json_t *o, struct target_rec *t)
{
	struct ops_err	err;

	if (target_rec_decode(o, t, &err) == OPS_OK)
		return 0;
	cli_errmsg(NULL, ops_err_msg(&err));
	return -1;
}

static long long
now_ms(void)
{
	struct timespec	ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

#define LIST_COLS	8

static void
show_list(const struct cli_args *a, const json_t *r)
{
	struct target_rec	 t;
	char			**cells, tbuf[1024];
	size_t			 n = json_array_size(r), i, k = 0;
	long long		 now = now_ms();

	(void)a;
	if ((cells = calloc((n + 1) * LIST_COLS, sizeof(*cells))) == NULL)
		return;
	cells[k++] = strdup("NAME");
	cells[k++] = strdup("HOST");
	cells[k++] = strdup("PORT");
	cells[k++] = strdup("USER");
	cells[k++] = strdup("CRED");
	cells[k++] = strdup("REACH");
	cells[k++] = strdup("LAST");
	cells[k++] = strdup("TAGS");
	for (i = 0; i < n; i++) {
		if (decode(json_array_get(r, i), &t) != 0)
			goto out;
		cells[k++] = strdup(cli_dash(t.name));
		cells[k++] = strdup(cli_dash(t.host));
		snprintf(tbuf, sizeof(tbuf), "%d", t.port);
		cells[k++] = strdup(tbuf);
		cells[k++] = strdup(cli_dash(t.user));
		cells[k++] = strdup(cli_dash(t.cred));
		cells[k++] = strdup(reach_name(t.reach));
		cli_run_words(t.has_last_run ? &t.last_run : NULL, now, tbuf,
		    sizeof(tbuf));
		cells[k++] = strdup(tbuf);
		cells[k++] = strdup(cli_tags_join(&t, tbuf, sizeof(tbuf)));
		target_rec_done(&t);
	}
	for (i = 0; i < k; i++)
		if (cells[i] == NULL)
			goto out;
	cli_table(cells, n + 1, LIST_COLS);
out:
	for (i = 0; i < k; i++)
		free(cells[i]);
	free(cells);
}

int
cli_target_list(const struct cli_args *a)
{
	json_t		*m = cli_msg(a);
	const char	*sel[2];
	char		 tag[OPS_PROTO_MAX_NAME + 1];
	size_t		 n = 0;
	int		 rc;

	if (cli_opt(a, "tag") != NULL) {
		snprintf(tag, sizeof(tag), "tag:%s", cli_opt(a, "tag"));
		sel[n++] = tag;
	}
	if (a->npos > 0)
		sel[n++] = a->pos[0];
	if (n > 0)
		proto_add_str_array(m, "selectors", sel, n, NULL);
	rc = cli_send(a, m, show_list);
	json_decref(m);
	return rc;
}

static void
show_target(const struct cli_args *a, const json_t *o)
{
	struct target_rec	t;
	char			buf[1024];

	(void)a;
	if (decode(o, &t) != 0)
		return;
	printf("name     %s\n", cli_dash(t.name));
	printf("host     %s\n", cli_dash(t.host));
	printf("port     %d\n", t.port);
	printf("user     %s\n", cli_dash(t.user));
	printf("cred     %s\n", cli_dash(t.cred));
	printf("tags     %s\n", cli_tags_join(&t, buf, sizeof(buf)));
	printf("notes    %s\n", cli_dash(t.notes));
	cli_time(t.created, buf, sizeof(buf));
	printf("created  %s\n", buf);
	cli_time(t.updated, buf, sizeof(buf));
	printf("updated  %s\n", buf);
	printf("reach    %s", reach_name(t.reach));
	if (t.reach == REACH_UNREACHABLE && t.reach_class != RUN_CLASS_NONE)
		printf(" (%s)", run_class_name(t.reach_class));
	printf("\n");
	cli_run_words(t.has_last_run ? &t.last_run : NULL, now_ms(), buf,
	    sizeof(buf));
	printf("last run %s", buf);
	if (t.has_last_run)
		printf(" (job %lld)", (long long)t.last_run.job);
	printf("\n");
	target_rec_done(&t);
}

int
cli_target_show(const struct cli_args *a)
{
	json_t	*m = cli_msg(a);
	int	 rc;

	proto_add_str(m, "name", a->pos[0], NULL);
	rc = cli_send(a, m, show_target);
	json_decref(m);
	return rc;
}

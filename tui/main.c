/*
 * main.c: opsicle, the client. Parses argv against the command table
 * (core/cmd-table.c), prints help and the command list from it, and runs
 * the command's function. With no arguments it prints usage (the ncurses
 * TUI comes later).
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "secret.h"
#include "tui.h"

static const struct {
	enum proto_type	  type;
	int		(*fn)(const struct cli_args *);
} cli_fns[] = {
	{ PROTO_DAEMON_STATUS, cli_daemon_status },
	{ PROTO_DAEMON_STOP, cli_daemon_stop },
	{ PROTO_TARGET_ADD, cli_target_add },
	{ PROTO_TARGET_LIST, cli_target_list },
	{ PROTO_TARGET_SHOW, cli_target_show },
	{ PROTO_TARGET_EDIT, cli_target_edit },
	{ PROTO_TARGET_RM, cli_target_rm },
	{ PROTO_CRED_ADD, cli_cred_add },
	{ PROTO_CRED_LIST, cli_cred_list },
	{ PROTO_CRED_RM, cli_cred_rm },
	{ PROTO_AUDIT_LIST, cli_audit_list },
	{ PROTO_AUDIT_VERIFY, cli_audit_verify },
	{ PROTO_UNLOCK, cli_unlock },
	{ PROTO_LOCK, cli_lock },
	{ PROTO_PASSWD, cli_passwd },
	{ PROTO_TARGET_IMPORT, cli_target_import },
	/* jobs */
	{ PROTO_RUN, cli_run },
	{ PROTO_JOB_LIST, cli_job_list },
	{ PROTO_JOB_SHOW, cli_job_show },
	{ PROTO_JOB_LOGS, cli_job_logs },
	{ PROTO_JOB_CANCEL, cli_job_cancel },
	{ PROTO_JOB_RERUN, cli_job_rerun },
	{ PROTO_SUBSCRIBE, cli_events },
	/* hostkeys */
	{ PROTO_HOSTKEY_LIST, cli_hostkey_list },
	{ PROTO_HOSTKEY_ACCEPT, cli_hostkey_accept },
	{ PROTO_HOSTKEY_IMPORT, cli_hostkey_import },
	{ PROTO_HOSTKEY_REJECT, cli_hostkey_reject },
};

const char *
cli_opt(const struct cli_args *a, const char *name)
{
	const char	*v = NULL;
	int		 i;

	for (i = 0; i < a->nopts; i++)
		if (strlen(name) == a->opts[i].len &&
		    strncmp(a->opts[i].name, name, a->opts[i].len) == 0)
			v = a->opts[i].value;
	return v;
}

int
cli_flag(const struct cli_args *a, const char *name)
{
	int	i;

	for (i = 0; i < a->nopts; i++)
		if (strlen(name) == a->opts[i].len &&
		    strncmp(a->opts[i].name, name, a->opts[i].len) == 0)
			return 1;
	return 0;
}

size_t
cli_opt_all(const struct cli_args *a, const char *name, const char ***out)
{
	size_t	n = 0;
	int	i;

	if ((*out = calloc((size_t)a->nopts + 1, sizeof(**out))) == NULL)
		return 0;
	for (i = 0; i < a->nopts; i++)
		if (strlen(name) == a->opts[i].len &&
		    strncmp(a->opts[i].name, name, a->opts[i].len) == 0)
			(*out)[n++] = a->opts[i].value;
	return n;
}

void
cli_usage(FILE *fp, const struct cmd_entry *e)
{
	fprintf(fp, "usage: opsicle %s\n", e->usage);
}

static void
usage_all(FILE *fp)
{
	const struct cmd_entry	*t;
	size_t			 n, i;

	fprintf(fp, "usage: opsicle [--no-start] COMMAND [ARGS]\n"
	    "       opsicle --version\n\ncommands:\n");
	t = cmd_table(&n);
	for (i = 0; i < n; i++)
		fprintf(fp, "  %-16s %s\n", t[i].name, t[i].help);
	fprintf(fp, "\n\"opsicle COMMAND --help\" shows a command's usage; "
	    "see opsicle(1).\n");
}

/*
 * The commands of a group ("target" for target add, list, ...) with
 * their usage; returns how many there are (0: word is no group). With
 * fp NULL it only counts.
 */
static size_t
group_usage(FILE *fp, const char *word)
{
	const struct cmd_entry	*t;
	size_t			 n, i, len = strlen(word), found = 0;

	t = cmd_table(&n);
	for (i = 0; i < n; i++) {
		if (strncmp(t[i].name, word, len) != 0 ||
		    t[i].name[len] != ' ')
			continue;
		if (fp != NULL && found == 0)
			fprintf(fp, "%s commands:\n", word);
		if (fp != NULL)
			fprintf(fp, "  %-16s %s\n", t[i].name, t[i].help);
		found++;
	}
	if (fp != NULL && found > 0)
		fprintf(fp, "\n\"opsicle %s COMMAND --help\" shows a "
		    "command's usage.\n", word);
	return found;
}

static int
help_cmd(const struct cli_args *a)
{
	const struct cmd_entry	*e;
	int			 used;

	if (a->npos == 0) {
		usage_all(stdout);
		return 0;
	}
	if (a->npos == 1 && group_usage(stdout, a->pos[0]) > 0)
		return 0;
	if ((e = cmd_find(a->npos, a->pos, &used)) == NULL ||
	    used != a->npos) {
		fprintf(stderr, "opsicle: unknown command: %s\n", a->pos[0]);
		return EXIT_USAGE;
	}
	cli_usage(stdout, e);
	printf("%s\n", e->help);
	return 0;
}

static int
list_commands(void)
{
	const struct cmd_entry	*t;
	size_t			 n, i;

	t = cmd_table(&n);
	for (i = 0; i < n; i++)
		printf("%s\n", t[i].name);
	return 0;
}

static int
seen(const struct cli_args *a, const char *name, size_t len)
{
	int	i;

	for (i = 0; i < a->nopts; i++)
		if (a->opts[i].len == len &&
		    strncmp(a->opts[i].name, name, len) == 0)
			return 1;
	return 0;
}

/* Parse argv (after the command words) into a. Returns 0 or EXIT_USAGE. */
static int
parse(struct cli_args *a, int argc, char **argv, int *help)
{
	const char	*arg, *eq;
	size_t		 len;
	int		 i, kind, npos = 0, dashdash = 0;

	*help = 0;
	a->pos = argv;
	for (i = 0; i < argc; i++) {
		arg = argv[i];
		if (dashdash || arg[0] != '-' || arg[1] == '\0') {
			argv[npos++] = argv[i];
			continue;
		}
		if (strcmp(arg, "--") == 0) {
			dashdash = 1;
			a->dashdash = npos + 1;
			continue;
		}
		/* -f is --follow where the command has it. */
		if (strcmp(arg, "-f") == 0 &&
		    cmd_option_kind(a->e, "follow", 6) == 1)
			arg = "--follow";
		if (strcmp(arg, "--help") == 0 || strcmp(arg, "-h") == 0) {
			*help = 1;
			return 0;
		}
		if (strcmp(arg, "--no-start") == 0) {
			a->no_start = 1;
			continue;
		}
		if (arg[1] != '-') {
			fprintf(stderr, "opsicle %s: unknown option %s\n",
			    a->e->name, arg);
			return EXIT_USAGE;
		}
		arg += 2;
		eq = strchr(arg, '=');
		len = eq != NULL ? (size_t)(eq - arg) : strlen(arg);
		if ((kind = cmd_option_kind(a->e, arg, len)) == 0) {
			fprintf(stderr, "opsicle %s: unknown option --%.*s\n",
			    a->e->name, (int)len, arg);
			return EXIT_USAGE;
		}
		if (a->nopts == CLI_MAX_OPTS) {
			fprintf(stderr, "opsicle %s: too many options\n",
			    a->e->name);
			return EXIT_USAGE;
		}
		a->opts[a->nopts].name = arg;
		a->opts[a->nopts].len = len;
		a->opts[a->nopts].value = NULL;
		if (kind == 1 && eq != NULL) {
			fprintf(stderr, "opsicle %s: --%.*s takes no value\n",
			    a->e->name, (int)len, arg);
			return EXIT_USAGE;
		}
		if (kind >= 2) {
			if (eq != NULL)
				a->opts[a->nopts].value = eq + 1;
			else if (i + 1 < argc)
				a->opts[a->nopts].value = argv[++i];
			else {
				fprintf(stderr, "opsicle %s: --%.*s needs a "
				    "value\n", a->e->name, (int)len, arg);
				return EXIT_USAGE;
			}
		}
		if (kind != 3 && seen(a, arg, len)) {
			fprintf(stderr, "opsicle %s: --%.*s given twice\n",
			    a->e->name, (int)len, arg);
			return EXIT_USAGE;
		}
		if (len == 4 && strncmp(arg, "json", 4) == 0)
			a->json = 1;
		a->nopts++;
	}
	a->npos = npos;
	if (npos < a->e->min_args ||
	    (a->e->max_args >= 0 && npos > a->e->max_args)) {
		fprintf(stderr, "opsicle %s: %s arguments\n", a->e->name,
		    npos < a->e->min_args ? "missing" : "too many");
		cli_usage(stderr, a->e);
		return EXIT_USAGE;
	}
	return 0;
}

int
main(int argc, char **argv)
{
	struct cli_args	 a;
	struct ops_err	 err;
	const struct cmd_entry *e;
	size_t		 i;
	int		 used, help, rc, no_start = 0;

	argc--;
	argv++;
	while (argc > 0 && argv[0][0] == '-') {
		if (strcmp(argv[0], "--no-start") == 0)
			no_start = 1;
		else if (strcmp(argv[0], "--version") == 0 ||
		    strcmp(argv[0], "-V") == 0) {
			printf("opsicle %s\n", PACKAGE_VERSION);
			return 0;
		} else if (strcmp(argv[0], "--help") == 0 ||
		    strcmp(argv[0], "-h") == 0) {
			usage_all(stdout);
			return 0;
		} else {
			fprintf(stderr, "opsicle: unknown option %s\n",
			    argv[0]);
			usage_all(stderr);
			return EXIT_USAGE;
		}
		argc--;
		argv++;
	}
	/* No command on a terminal: the console. */
	if (argc == 0 && isatty(STDIN_FILENO) && isatty(STDOUT_FILENO))
		return tui_main(no_start);
	if (argc == 0) {
		usage_all(stderr);
		return EXIT_USAGE;
	}
	if ((e = cmd_find(argc, argv, &used)) == NULL) {
		/* "opsicle target --help" lists the group. */
		if (argc == 2 && (strcmp(argv[1], "--help") == 0 ||
		    strcmp(argv[1], "-h") == 0) &&
		    group_usage(stdout, argv[0]) > 0)
			return 0;
		if (group_usage(NULL, argv[0]) == 0) {
			fprintf(stderr, "opsicle: unknown command: %s\n",
			    argv[0]);
			usage_all(stderr);
		} else {
			if (argc == 1)
				fprintf(stderr, "opsicle: %s needs a "
				    "command\n", argv[0]);
			else
				fprintf(stderr, "opsicle: unknown command: "
				    "%s %s\n", argv[0], argv[1]);
			group_usage(stderr, argv[0]);
		}
		return EXIT_USAGE;
	}
	memset(&a, 0, sizeof(a));
	a.e = e;
	if ((rc = parse(&a, argc - used, argv + used, &help)) != 0)
		return rc;
	if (help) {
		cli_usage(stdout, e);
		printf("%s\n", e->help);
		return 0;
	}
	a.no_start |= no_start;
	/* Secrets live in sodium_malloc'd memory. */
	if (ops_crypto_init(&err) != OPS_OK) {
		fprintf(stderr, "opsicle: %s\n", ops_err_msg(&err));
		return EXIT_REFUSED;
	}
	if (strcmp(e->name, "help") == 0)
		return help_cmd(&a);
	if (strcmp(e->name, "list-commands") == 0)
		return list_commands();
	if (strcmp(e->name, "init") == 0)
		return cli_init(&a);
	if (strcmp(e->name, "tui") == 0)
		return tui_main(a.no_start);
	for (i = 0; i < sizeof(cli_fns) / sizeof(cli_fns[0]); i++)
		if (cli_fns[i].type == e->type)
			return cli_fns[i].fn(&a);
	fprintf(stderr, "opsicle %s: not implemented in this client\n",
	    e->name);
	return EXIT_REFUSED;
}

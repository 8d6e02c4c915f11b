/*
 * cli-local.c: what the CLI answers alone from its command table: usage
 * lines, "help", "list-commands", and "tui", which opens the console.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tui.h"

/* ---- command entries (listed in cli-table.c) ---------------------------- */

/* The entries are the way in: the functions that run them are static. */
static cli_exec_fn	cli_help, cli_list_commands, cli_tui;

const struct cmd_entry cmd_help_entry = {
	.name = "help",
	.usage = "help [COMMAND]",
	.help = "show the commands, or one command's usage",
	.min_args = 0, .max_args = 2,
	.flags = CMD_F_LOCAL,
	.type = PROTO_NONE,
	.exec = cli_help,
};

const struct cmd_entry cmd_list_commands_entry = {
	.name = "list-commands",
	.usage = "list-commands [--options]",
	.help = "list every command, one per line; with --options also "
	    "each alias, then a tab and the command's options",
	.min_args = 0, .max_args = 0,
	.options = "options",
	.flags = CMD_F_LOCAL,
	.type = PROTO_NONE,
	.exec = cli_list_commands,
};

const struct cmd_entry cmd_tui_entry = {
	.name = "tui",
	.usage = "tui",
	.help = "open the interactive console (also: no command on a "
	    "terminal)",
	.min_args = 0, .max_args = 0,
	.flags = CMD_F_LOCAL | CMD_F_START_DAEMON,
	.type = PROTO_NONE,
	.exec = cli_tui,
};

void
cli_usage(FILE *fp, const struct cmd_entry *e)
{
	fprintf(fp, "usage: opsicle %s\n", e->usage);
}

void
cli_help_entry(FILE *fp, const struct cmd_entry *e)
{
	cli_usage(fp, e);
	fprintf(fp, "%s\n", e->help);
	if (e->details != NULL)
		fprintf(fp, "%s\n", e->details);
}

void
cli_usage_all(FILE *fp)
{
	const struct cmd_entry	*const *t;
	size_t			 n, i;

	fprintf(fp, "usage: opsicle [--no-start] COMMAND [ARGS]\n"
	    "       opsicle --version\n\ncommands:\n");
	t = cmd_table(&n);
	for (i = 0; i < n; i++)
		fprintf(fp, "  %-16s %s\n", t[i]->name, t[i]->help);
	fprintf(fp, "\n\"opsicle COMMAND --help\" shows a command's usage; "
	    "see opsicle(1).\n");
}

/* The commands of a group ("target" for target add, list, ...). */
size_t
cli_group_usage(FILE *fp, const char *word)
{
	const struct cmd_entry	*const *t;
	size_t			 n, i, len = strlen(word), found = 0;

	t = cmd_table(&n);
	for (i = 0; i < n; i++) {
		if (strncmp(t[i]->name, word, len) != 0 ||
		    t[i]->name[len] != ' ')
			continue;
		if (fp != NULL && found == 0)
			fprintf(fp, "%s commands:\n", word);
		if (fp != NULL)
			fprintf(fp, "  %-16s %s\n", t[i]->name, t[i]->help);
		found++;
	}
	if (fp != NULL && found > 0)
		fprintf(fp, "\n\"opsicle %s COMMAND --help\" shows a "
		    "command's usage.\n", word);
	return found;
}

static int
cli_help(const struct cli_args *a)
{
	const struct cmd_entry	*e;
	int			 used;

	if (a->npos == 0) {
		cli_usage_all(stdout);
		return 0;
	}
	if (a->npos == 1 && cli_group_usage(stdout, a->pos[0]) > 0)
		return 0;
	if ((e = cmd_find(a->npos, a->pos, &used)) == NULL ||
	    used != a->npos) {
		fprintf(stderr, "opsicle: unknown command: %s\n", a->pos[0]);
		return EXIT_USAGE;
	}
	cli_help_entry(stdout, e);
	return 0;
}

/* "NAME\t-f --follow --target ...": the line the bash completion reads
 * (-f and -S where the parser takes them for --follow, --max-exit). */
static void
list_options(const char *name, const struct cmd_entry *e)
{
	const char	*p = e->options != NULL ? e->options : "", *end;
	const char	*sep = "";

	printf("%s\t", name);
	if (cmd_option_kind(e, "follow", 6) == 1) {
		printf("-f");
		sep = " ";
	}
	if (cmd_option_kind(e, "max-exit", 8) == 1) {
		printf("%s-S", sep);
		sep = " ";
	}
	while (*p != '\0') {
		while (*p == ' ')
			p++;
		for (end = p; *end != '\0' && *end != ' ' && *end != '=';)
			end++;
		if (end > p) {
			printf("%s--%.*s", sep, (int)(end - p), p);
			sep = " ";
		}
		while (*end != '\0' && *end != ' ')
			end++;
		p = end;
	}
	printf("\n");
}

static int
cli_list_commands(const struct cli_args *a)
{
	const struct cmd_entry	*const *t;
	size_t			 n, i;
	int			 options = cli_flag(a, "options");

	t = cmd_table(&n);
	for (i = 0; i < n; i++) {
		if (!options) {
			printf("%s\n", t[i]->name);
			continue;
		}
		list_options(t[i]->name, t[i]);
		if (t[i]->alias != NULL)
			list_options(t[i]->alias, t[i]);
	}
	return 0;
}

static int
cli_tui(const struct cli_args *a)
{
	return tui_main(a->no_start);
}

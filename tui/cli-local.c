/*
 * cli-local.c: what the CLI answers alone from its command table: usage
 * lines, "help", "list-commands", and "tui", which opens the console.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tui.h"

void
cli_usage(FILE *fp, const struct cmd_entry *e)
{
	fprintf(fp, "usage: opsicle %s\n", e->usage);
}

void
cli_usage_all(FILE *fp)
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

/* The commands of a group ("target" for target add, list, ...). */
size_t
cli_group_usage(FILE *fp, const char *word)
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

int
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
	cli_usage(stdout, e);
	printf("%s\n", e->help);
	return 0;
}

int
cli_list_commands(const struct cli_args *a)
{
	const struct cmd_entry	*t;
	size_t			 n, i;

	(void)a;
	t = cmd_table(&n);
	for (i = 0; i < n; i++)
		printf("%s\n", t[i].name);
	return 0;
}

int
cli_tui(const struct cli_args *a)
{
	return tui_main(a->no_start);
}

/*
 * cli-args.c: a command line parsed against its table entry: options
 * checked against the entry's spec (--name VALUE, --name=VALUE, -f for
 * --follow, -x for --exclude, -p for --param, -S for --max-exit, -o for
 * --output), positional bounds, and the getters the cli-*.c files use.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tui.h"

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

int
cli_parse(struct cli_args *a, int argc, char **argv, int *help)
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
		/* -x is --exclude (pdsh's -x) where the command has it. */
		if (strcmp(arg, "-x") == 0 &&
		    cmd_option_kind(a->e, "exclude", 7) >= 2)
			arg = "--exclude";
		/* -p is --param where the command has it. */
		if (strcmp(arg, "-p") == 0 &&
		    cmd_option_kind(a->e, "param", 5) >= 2)
			arg = "--param";
		/* -S is --max-exit (pdsh's -S) where the command has it. */
		if (strcmp(arg, "-S") == 0 &&
		    cmd_option_kind(a->e, "max-exit", 8) == 1)
			arg = "--max-exit";
		/* -o is --output where the command has it. */
		if (strcmp(arg, "-o") == 0 &&
		    cmd_option_kind(a->e, "output", 6) == 2)
			arg = "--output";
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

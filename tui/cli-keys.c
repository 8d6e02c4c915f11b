/*
 * cli-keys.c: "opsicle list-keys [--mdoc]": the console's screens and key
 * bindings, read from the tables that drive the console (the screen table
 * in tui-main.c, the key table in keys.c, which the Help screen lists
 * too). Plain, it prints them as the Help screen does; with --mdoc, the
 * block of opsicle(1)'s CONSOLE section between the "keys: begin" and
 * "keys: end" comments, which "make man-keys" writes there and
 * test-cmd-table compares, so the man page cannot drift from the table.
 */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include "tui-screen.h"

/* ---- command entries (listed in cli-table.c) ---------------------------- */

static cli_exec_fn	cli_list_keys;

const struct cmd_entry cmd_list_keys_entry = {
	.name = "list-keys",
	.usage = "list-keys [--mdoc]",
	.help = "list the console's screens and keys (as its Help screen "
	    "does); with --mdoc as opsicle(1) gives them",
	.min_args = 0, .max_args = 0,
	.options = "mdoc",
	.flags = CMD_F_LOCAL,
	.type = PROTO_NONE,
	.exec = cli_list_keys,
};

/* s for mdoc: in a quoted macro argument when arg, else on a text line. */
static void
mdoc_puts(FILE *fp, const char *s, int arg)
{
	if (!arg && (*s == '.' || *s == '\''))
		fputs("\\&", fp);
	for (; *s != '\0'; s++) {
		if (*s == '\\')
			fputs("\\e", fp);
		else if (*s == '"' && arg)
			fputs("\\(dq", fp);
		else
			fputc(*s, fp);
	}
}

void
keys_write_mdoc(FILE *fp)
{
	const struct key_binding	*k;
	const struct screen		*const *s;
	size_t				 n, ns, i, j, w;
	int				 ctx;

	k = keys_table(&n);
	s = tui_screens(&ns);
	fprintf(fp, ".\\\" keys: begin (generated from tui/keys.c by "
	    "\"opsicle list-keys --mdoc\": edit the table, then run "
	    "\"make man-keys\")\n");
	fprintf(fp, ".Pp\nThe tab bar lists %zu screens; the keys\n.Ic 1\n"
	    "to\n.Ic %zu\nopen them in this order:\n.Bl -enum -compact\n",
	    ns, ns);
	for (i = 0; i < ns; i++) {
		fprintf(fp, ".It\n");
		mdoc_puts(fp, s[i]->name, 0);
		fputc('\n', fp);
	}
	fprintf(fp, ".El\n.Pp\nThe keys, by where they work (the Help "
	    "screen lists the same table):\n");
	for (ctx = 0; ctx < KC_COUNT; ctx++) {
		const char	*widest = NULL;

		for (j = 0, w = 0; j < n; j++)
			if ((int)k[j].ctx == ctx && strlen(k[j].label) > w) {
				w = strlen(k[j].label);
				widest = k[j].label;
			}
		if (widest == NULL)
			continue;
		fprintf(fp, ".Ss ");
		mdoc_puts(fp, keys_ctx_name(ctx), 0);
		fprintf(fp, "\n.Bl -tag -width \"");
		mdoc_puts(fp, widest, 1);
		fprintf(fp, "\" -compact\n");
		for (j = 0; j < n; j++) {
			if ((int)k[j].ctx != ctx)
				continue;
			fprintf(fp, ".It Ic \"");
			mdoc_puts(fp, k[j].label, 1);
			fprintf(fp, "\"\n");
			mdoc_puts(fp, k[j].help, 0);
			fputc('\n', fp);
		}
		fprintf(fp, ".El\n");
	}
	fprintf(fp, ".\\\" keys: end\n");
}

static int
cli_list_keys(const struct cli_args *a)
{
	const struct key_binding	*k;
	const struct screen		*const *s;
	size_t				 n, ns, i, j;
	int				 ctx;

	if (cli_flag(a, "mdoc")) {
		keys_write_mdoc(stdout);
		return 0;
	}
	k = keys_table(&n);
	s = tui_screens(&ns);
	printf("Screens\n");
	for (i = 0; i < ns; i++)
		printf("  %-16zu %s\n", i + 1, s[i]->name);
	for (ctx = 0; ctx < KC_COUNT; ctx++) {
		for (j = 0, i = 0; j < n; j++) {
			if ((int)k[j].ctx != ctx)
				continue;
			if (i++ == 0)
				printf("%s\n", keys_ctx_name(ctx));
			printf("  %-16s %s\n", k[j].label, k[j].help);
		}
	}
	return 0;
}

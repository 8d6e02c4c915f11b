/*
 * main.c: opsicle, the client. Parses argv against the command table
 * (cli-table.c) and runs the entry's function. With no command it opens
 * the console on a terminal, and prints usage otherwise.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "secret.h"
#include "tui.h"
#include "xmalloc.h"

int
main(int argc, char **argv)
{
	struct cli_args	 a;
	struct ops_err	 err;
	const struct cmd_entry *e;
	int		 used, help, rc, no_start = 0;

	/* jansson allocates through xmalloc: a builder then fails only on
	 * bad input, never for want of memory (HACKING.md, "Allocation"). */
	xmalloc_json_init();
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
			cli_usage_all(stdout);
			return 0;
		} else {
			fprintf(stderr, "opsicle: unknown option %s\n",
			    argv[0]);
			cli_usage_all(stderr);
			return EXIT_USAGE;
		}
		argc--;
		argv++;
	}
	/* No command on a terminal: the console. */
	if (argc == 0 && isatty(STDIN_FILENO) && isatty(STDOUT_FILENO))
		return tui_main(no_start);
	if (argc == 0) {
		cli_usage_all(stderr);
		return EXIT_USAGE;
	}
	if ((e = cmd_find(argc, argv, &used)) == NULL) {
		/* "opsicle target --help" lists the group. */
		if (argc == 2 && (strcmp(argv[1], "--help") == 0 ||
		    strcmp(argv[1], "-h") == 0) &&
		    cli_group_usage(stdout, argv[0]) > 0)
			return 0;
		if (cli_group_usage(NULL, argv[0]) == 0) {
			fprintf(stderr, "opsicle: unknown command: %s\n",
			    argv[0]);
			cli_usage_all(stderr);
		} else {
			if (argc == 1)
				fprintf(stderr, "opsicle: %s needs a "
				    "command\n", argv[0]);
			else
				fprintf(stderr, "opsicle: unknown command: "
				    "%s %s\n", argv[0], argv[1]);
			cli_group_usage(stderr, argv[0]);
		}
		return EXIT_USAGE;
	}
	memset(&a, 0, sizeof(a));
	a.e = e;
	if ((rc = cli_parse(&a, argc - used, argv + used, &help)) != 0)
		return rc;
	if (help) {
		cli_help_entry(stdout, e);
		return 0;
	}
	a.no_start |= no_start;
	/* Secrets live in sodium_malloc'd memory. */
	if (ops_crypto_init(&err) != OPS_OK) {
		fprintf(stderr, "opsicle: %s\n", ops_err_msg(&err));
		return EXIT_REFUSED;
	}
	if (e->exec == NULL) {		/* test-cmd-table forbids it */
		fprintf(stderr, "opsicle %s: not implemented in this client\n",
		    e->name);
		return EXIT_REFUSED;
	}
	return e->exec(&a);
}

/*
 * cli-table.h: the one table of opsicle's command lines.
 *
 * Contract. Every CLI command is one struct cmd_entry written with
 * designated initializers: its name (one or two words, "target add"), an
 * optional alias, the usage line (which is also its synopsis in
 * opsicle(1)), positional argument bounds, its options, behaviour flags,
 * the protocol message it sends and the function that runs it (tmux's
 * cmd_entry.exec). Like tmux's cmd_target_add_entry, each entry is
 * defined in the file of its exec function (cmd_target_add_entry in
 * cli-targets.c, the function itself static there), and cli-table.c lists
 * them, in help order: a new command is its function and entry plus one
 * line each in that list. The CLI parser, --help, "opsicle list-commands"
 * (and through it the bash completion) and the man-page test all read
 * this table; nothing else lists commands.
 *
 * Only the client reads it. What a message may do is the daemon's to
 * say: role, store, transaction and audit come from its operation table
 * (daemon/dispatch.c), and tests/unit/test-cmd-table checks that every
 * entry's message has a row there.
 *
 * Options are a space-separated spec: "host=" takes a value, "tag=*"
 * takes a value and may repeat, "json" is a switch. The CLI accepts them
 * as --name VALUE or --name=VALUE.
 */
#ifndef OPS_CLI_TABLE_H
#define OPS_CLI_TABLE_H

#include <stddef.h>

#include "proto.h"

struct cli_args;

#define CMD_F_READONLY		0x01	/* reads only; takes --json */
#define CMD_F_START_DAEMON	0x02	/* may autostart opsicled */
#define CMD_F_LOCAL		0x04	/* handled by the CLI alone */
#define CMD_F_SECRET		0x08	/* reads a secret from TTY or stdin */
/* The flags of most commands: reads (they take --json), and commands that
 * change state (audited as their daemon row says, daemon/dispatch.c). */
#define CMD_RO			(CMD_F_READONLY | CMD_F_START_DAEMON)
#define CMD_RW			CMD_F_START_DAEMON

/* Runs a parsed command line; returns the exit code (tui.h). */
typedef int	cli_exec_fn(const struct cli_args *a);

struct cmd_entry {
	const char	*name;		/* "target add" */
	const char	*alias;		/* "target ls", or NULL */
	const char	*usage;		/* synopsis after "opsicle " */
	const char	*help;		/* one line */
	const char	*details;	/* more lines for --help, or NULL */
	int		 min_args;	/* positionals */
	int		 max_args;	/* -1: any number */
	const char	*options;	/* "host= port= tag=* json" */
	int		 flags;		/* CMD_F_* */
	enum proto_type	 type;		/* message sent, PROTO_NONE if local */
	cli_exec_fn	*exec;		/* runs it */
};

/* The entries, in help order; *n gets their number. Borrowed, static. */
const struct cmd_entry *const *cmd_table(size_t *n);
/*
 * The entry whose name or alias matches the first words of argv
 * (one or two words); *used gets how many words matched. NULL when none.
 */
const struct cmd_entry	*cmd_find(int argc, char *const *argv, int *used);
/* The entry sending type, or NULL. */
const struct cmd_entry	*cmd_find_type(enum proto_type type);
/*
 * Look opt (without "--") up in e's option spec: 0 when absent, else
 * 1 for a switch, 2 for a value option, 3 for a repeatable value option.
 */
int			 cmd_option_kind(const struct cmd_entry *e,
			    const char *opt, size_t optlen);

#endif

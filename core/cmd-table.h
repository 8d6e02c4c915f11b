/*
 * cmd-table.h: the one table of opsicle's commands.
 *
 * Contract. Every CLI command is one entry of a static table
 * (cmd-table.c) written with designated initializers: its name (one or
 * two words, "target add"), an optional alias, the usage line (which is
 * also its synopsis in opsicle(1)), positional argument bounds, its
 * options, behaviour flags, the role it needs and the protocol message it
 * sends. The CLI parser, --help, "opsicle list-commands", the bash
 * completion, the man-page test and the daemon's role check all read
 * this table; nothing else lists commands.
 *
 * Options are a space-separated spec: "host=" takes a value, "tag=*"
 * takes a value and may repeat, "json" is a switch. The CLI accepts them
 * as --name VALUE or --name=VALUE.
 *
 * Roles are ordered for this first slice only by what they allow; the
 * daemon's acl.c decides which role a peer holds and whether that role
 * covers the one a command needs.
 */
#ifndef OPS_CMD_TABLE_H
#define OPS_CMD_TABLE_H

#include <stddef.h>

#include "proto.h"

enum cmd_role {
	CMD_ROLE_NONE = 0,	/* not authorised for anything */
	CMD_ROLE_VIEWER,
	CMD_ROLE_OPERATOR,
	CMD_ROLE_APPROVER,
	CMD_ROLE_ADMIN,
};

#define CMD_F_READONLY		0x01	/* reads only; takes --json */
#define CMD_F_MUTATING		0x02	/* changes state; audited */
#define CMD_F_START_DAEMON	0x04	/* may autostart opsicled */
#define CMD_F_LOCAL		0x08	/* handled by the CLI alone */
#define CMD_F_SECRET		0x10	/* reads a secret from TTY or stdin */

struct cmd_entry {
	const char	*name;		/* "target add" */
	const char	*alias;		/* "target ls", or NULL */
	const char	*usage;		/* synopsis after "opsicle " */
	const char	*help;		/* one line */
	int		 min_args;	/* positionals */
	int		 max_args;	/* -1: any number */
	const char	*options;	/* "host= port= tag=* json" */
	int		 flags;		/* CMD_F_* */
	enum cmd_role	 role;		/* needed to run it */
	enum proto_type	 type;		/* message sent, PROTO_NONE if local */
};

/* The table, in help order; *n gets its length. Borrowed, static. */
const struct cmd_entry	*cmd_table(size_t *n);
/*
 * The entry whose name or alias matches the first words of argv
 * (one or two words); *used gets how many words matched. NULL when none.
 */
const struct cmd_entry	*cmd_find(int argc, char *const *argv, int *used);
/* The entry sending type, or NULL. */
const struct cmd_entry	*cmd_find_type(enum proto_type type);
/* Role names: "admin", "operator", "approver", "viewer", "none". */
const char		*cmd_role_name(enum cmd_role role);
/*
 * Look opt (without "--") up in e's option spec: 0 when absent, else
 * 1 for a switch, 2 for a value option, 3 for a repeatable value option.
 */
int			 cmd_option_kind(const struct cmd_entry *e,
			    const char *opt, size_t optlen);

#endif

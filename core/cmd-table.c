/*
 * cmd-table.c: every opsicle command, once (see cmd-table.h).
 */
#include "config.h"

#include <string.h>

#include "cmd-table.h"

#define RO	(CMD_F_READONLY | CMD_F_START_DAEMON)
#define MUT	(CMD_F_MUTATING | CMD_F_START_DAEMON)

static const struct cmd_entry cmd_entries[] = {
	{
		.name = "help",
		.usage = "help [COMMAND]",
		.help = "show the commands, or one command's usage",
		.min_args = 0, .max_args = 2,
		.flags = CMD_F_LOCAL,
		.role = CMD_ROLE_NONE,
		.type = PROTO_NONE,
	},
	{
		.name = "list-commands",
		.usage = "list-commands",
		.help = "list every command, one per line",
		.min_args = 0, .max_args = 0,
		.flags = CMD_F_LOCAL,
		.role = CMD_ROLE_NONE,
		.type = PROTO_NONE,
	},
	{
		.name = "tui",
		.usage = "tui",
		.help = "open the interactive console (also: no command on a "
		    "terminal)",
		.min_args = 0, .max_args = 0,
		.flags = CMD_F_LOCAL | CMD_F_START_DAEMON,
		.role = CMD_ROLE_NONE,
		.type = PROTO_NONE,
	},
	{
		.name = "daemon status",
		.usage = "daemon status [--json]",
		.help = "show the daemon's pid, version, uptime and store",
		.min_args = 0, .max_args = 0,
		.options = "json",
		.flags = RO,
		.role = CMD_ROLE_VIEWER,
		.type = PROTO_DAEMON_STATUS,
	},
	{
		.name = "daemon stop",
		.usage = "daemon stop [--grace SEC]",
		.help = "stop the daemon; running jobs get SEC seconds "
		    "(default 10) to finish",
		.min_args = 0, .max_args = 0,
		.options = "grace=",
		/* Not CMD_F_MUTATING: the handler audits the stop itself,
		 * and a stop goes on when its audit record cannot be
		 * written (reported as a warning). */
		.flags = 0,
		.role = CMD_ROLE_ADMIN,
		.type = PROTO_DAEMON_STOP,
	},
	/*
	 * init runs in the CLI alone (no daemon may hold the store). unlock,
	 * lock and passwd open, close or rewrap the store itself, so they
	 * are not CMD_F_MUTATING (no dispatch transaction): their handlers
	 * write their own audit records.
	 */
	{
		.name = "init",
		.usage = "init [--passphrase] [--passphrase-file FILE]",
		.help = "create the store: with a key file, or protected by a "
		    "passphrase",
		.min_args = 0, .max_args = 0,
		.options = "passphrase passphrase-file=",
		.flags = CMD_F_LOCAL | CMD_F_SECRET,
		.role = CMD_ROLE_NONE,
		.type = PROTO_NONE,
	},
	{
		.name = "unlock",
		.usage = "unlock [--passphrase-file FILE]",
		.help = "unlock a passphrase-protected store",
		.min_args = 0, .max_args = 0,
		.options = "passphrase-file=",
		.flags = CMD_F_SECRET | CMD_F_START_DAEMON,
		.role = CMD_ROLE_ADMIN,
		.type = PROTO_UNLOCK,
	},
	{
		.name = "lock",
		.usage = "lock",
		.help = "close the store and wipe its keys from the daemon",
		.min_args = 0, .max_args = 0,
		.flags = 0,
		.role = CMD_ROLE_ADMIN,
		.type = PROTO_LOCK,
	},
	{
		.name = "passwd",
		.usage = "passwd [--to-keyfile] [--passphrase-file FILE] "
		    "[--old-passphrase-file FILE]",
		.help = "set a new passphrase, or go back to a key file; the "
		    "current passphrase is asked for",
		.min_args = 0, .max_args = 0,
		.options = "to-keyfile passphrase-file= old-passphrase-file=",
		.flags = CMD_F_SECRET | CMD_F_START_DAEMON,
		.role = CMD_ROLE_ADMIN,
		.type = PROTO_PASSWD,
	},
	{
		.name = "target add",
		.usage = "target add NAME --host HOST [--port PORT] [--user USER] "
		    "[--cred CRED] [--tag TAG]... [--note TEXT] "
		    "[--accept-new-hostkey]",
		.help = "add a target host",
		.min_args = 1, .max_args = 1,
		.options = "host= port= user= cred= tag=* note= "
		    "accept-new-hostkey",
		.flags = MUT,
		.role = CMD_ROLE_OPERATOR,
		.type = PROTO_TARGET_ADD,
	},
	{
		.name = "target list",
		.alias = "target ls",
		.usage = "target list [--tag TAG] [--json] [GLOB]",
		.help = "list targets, optionally by tag or name glob",
		.min_args = 0, .max_args = 1,
		.options = "tag= json",
		.flags = RO,
		.role = CMD_ROLE_VIEWER,
		.type = PROTO_TARGET_LIST,
	},
	{
		.name = "target show",
		.usage = "target show NAME [--json]",
		.help = "show one target",
		.min_args = 1, .max_args = 1,
		.options = "json",
		.flags = RO,
		.role = CMD_ROLE_VIEWER,
		.type = PROTO_TARGET_SHOW,
	},
	{
		.name = "target edit",
		.usage = "target edit NAME [--rename NEW] [--host HOST] "
		    "[--port PORT] [--user USER] [--cred CRED] [--no-cred] "
		    "[--tag TAG]... [--note TEXT]",
		.help = "change a target; --tag replaces all its tags",
		.min_args = 1, .max_args = 1,
		.options = "rename= host= port= user= cred= no-cred tag=* note=",
		.flags = MUT,
		.role = CMD_ROLE_OPERATOR,
		.type = PROTO_TARGET_EDIT,
	},
	{
		.name = "target rm",
		.alias = "target remove",
		.usage = "target rm NAME",
		.help = "remove a target",
		.min_args = 1, .max_args = 1,
		.flags = MUT,
		.role = CMD_ROLE_OPERATOR,
		.type = PROTO_TARGET_RM,
	},
	{
		.name = "target import",
		.usage = "target import --ssh-config FILE | --ansible FILE "
		    "[--dry-run] [--tag TAG]... [--accept-new-hostkey] [--json]",
		.help = "add targets from an ssh_config file or an Ansible "
		    "INI inventory",
		.min_args = 0, .max_args = 0,
		.options = "ssh-config= ansible= dry-run tag=* "
		    "accept-new-hostkey json",
		.flags = MUT,
		.role = CMD_ROLE_OPERATOR,
		.type = PROTO_TARGET_IMPORT,
	},
	{
		.name = "cred add",
		.usage = "cred add NAME --password | --ssh-key FILE "
		    "[--key-passphrase] [--user USER]",
		.help = "add a credential; the secret is read from the "
		    "terminal or stdin",
		.min_args = 1, .max_args = 1,
		.options = "password ssh-key= key-passphrase user=",
		.flags = MUT | CMD_F_SECRET,
		.role = CMD_ROLE_ADMIN,
		.type = PROTO_CRED_ADD,
	},
	{
		.name = "cred list",
		.alias = "cred ls",
		.usage = "cred list [--json]",
		.help = "list credentials (never their secrets)",
		.min_args = 0, .max_args = 0,
		.options = "json",
		.flags = RO,
		.role = CMD_ROLE_VIEWER,
		.type = PROTO_CRED_LIST,
	},
	{
		.name = "cred rm",
		.alias = "cred remove",
		.usage = "cred rm NAME",
		.help = "remove a credential no target uses",
		.min_args = 1, .max_args = 1,
		.flags = MUT,
		.role = CMD_ROLE_ADMIN,
		.type = PROTO_CRED_RM,
	},
	{
		.name = "audit list",
		.usage = "audit list [--limit N] [--json]",
		.help = "show the newest audit records",
		.min_args = 0, .max_args = 0,
		.options = "limit= json",
		.flags = RO,
		.role = CMD_ROLE_VIEWER,
		.type = PROTO_AUDIT_LIST,
	},
	{
		.name = "audit verify",
		.usage = "audit verify [--json]",
		.help = "check the audit hash chain; names the first broken "
		    "record",
		.min_args = 0, .max_args = 0,
		.options = "json",
		.flags = RO,
		.role = CMD_ROLE_VIEWER,
		.type = PROTO_AUDIT_VERIFY,
	},
	/* jobs: run and the job commands */
	{
		.name = "run",
		.usage = "run [--timeout SEC] [--forks N] [--group] [--raw] "
		    "[--json] SELECTOR... -- COMMAND | --script FILE",
		.help = "run a command or script on targets (names, globs, "
		    "tag:TAG, all)",
		.min_args = 1, .max_args = -1,
		.options = "script= timeout= forks= group raw json",
		.flags = MUT,
		.role = CMD_ROLE_OPERATOR,
		.type = PROTO_RUN,
	},
	{
		.name = "events",
		.usage = "events [--job JOB] [--stream STREAM]... [--json]",
		.help = "print live events (job-output, job-state, run-state); "
		    "with --job until that job ends",
		.min_args = 0, .max_args = 0,
		.options = "job= stream=* json",
		.flags = RO,
		.role = CMD_ROLE_VIEWER,
		.type = PROTO_SUBSCRIBE,
	},
	{
		.name = "job list",
		.alias = "job ls",
		.usage = "job list [--limit N] [--state STATE] [--json]",
		.help = "list the newest jobs",
		.min_args = 0, .max_args = 0,
		.options = "limit= state= json",
		.flags = RO,
		.role = CMD_ROLE_VIEWER,
		.type = PROTO_JOB_LIST,
	},
	{
		.name = "job show",
		.usage = "job show JOB [--json]",
		.help = "show a job and the state of each of its runs",
		.min_args = 1, .max_args = 1,
		.options = "json",
		.flags = RO,
		.role = CMD_ROLE_VIEWER,
		.type = PROTO_JOB_SHOW,
	},
	{
		.name = "job logs",
		.usage = "job logs JOB [-f | --follow] [--target TARGET] "
		    "[--raw] [--json]",
		.help = "print a job's output; -f follows it until the job "
		    "ends",
		.min_args = 1, .max_args = 1,
		.options = "follow target= raw json",
		.flags = RO,
		.role = CMD_ROLE_VIEWER,
		.type = PROTO_JOB_LOGS,
	},
	{
		.name = "job cancel",
		.usage = "job cancel JOB",
		.help = "stop a running or queued job",
		.min_args = 1, .max_args = 1,
		.flags = MUT,
		.role = CMD_ROLE_OPERATOR,
		.type = PROTO_JOB_CANCEL,
	},
	{
		.name = "job rerun",
		.usage = "job rerun JOB [--json]",
		.help = "queue a new job with the same command and targets",
		.min_args = 1, .max_args = 1,
		.options = "json",
		.flags = MUT,
		.role = CMD_ROLE_OPERATOR,
		.type = PROTO_JOB_RERUN,
	},
	/*
	 * hostkeys. accept scans on the daemon's loop and answers later, so
	 * it is not CMD_F_MUTATING (no dispatch transaction): its handler
	 * opens its own transactions and writes its own audit records.
	 */
	{
		.name = "hostkey list",
		.alias = "hostkey ls",
		.usage = "hostkey list [TARGET] [--json]",
		.help = "show each target's known and pending host keys",
		.min_args = 0, .max_args = 1,
		.options = "json",
		.flags = RO,
		.role = CMD_ROLE_VIEWER,
		.type = PROTO_HOSTKEY_LIST,
	},
	{
		.name = "hostkey accept",
		.usage = "hostkey accept TARGET [--fingerprint SHA256:...] "
		    "[--json]",
		.help = "accept a target's host key: the one with that "
		    "fingerprint, or (trust on first use) the one it presents",
		.min_args = 1, .max_args = 1,
		.options = "fingerprint= json",
		.flags = CMD_F_START_DAEMON,
		.role = CMD_ROLE_OPERATOR,
		.type = PROTO_HOSTKEY_ACCEPT,
	},
	{
		.name = "hostkey import",
		.usage = "hostkey import [FILE] [--json]",
		.help = "add host keys from a known_hosts file (default "
		    "~/.ssh/known_hosts; - for stdin) to matching targets",
		.min_args = 0, .max_args = 1,
		.options = "json",
		.flags = MUT,
		.role = CMD_ROLE_OPERATOR,
		.type = PROTO_HOSTKEY_IMPORT,
	},
	/* reach: reject writes its own audit record (object: the target) */
	{
		.name = "hostkey reject",
		.usage = "hostkey reject TARGET FINGERPRINT [--json]",
		.help = "forget a pending host key of a target without "
		    "accepting it",
		.min_args = 2, .max_args = 2,
		.options = "json",
		.flags = CMD_F_START_DAEMON,
		.role = CMD_ROLE_OPERATOR,
		.type = PROTO_HOSTKEY_REJECT,
	},
};
#define NCMDS	(sizeof(cmd_entries) / sizeof(cmd_entries[0]))

const struct cmd_entry *
cmd_table(size_t *n)
{
	*n = NCMDS;
	return cmd_entries;
}

/* Does name ("a" or "a b") equal the first one or two words of argv? */
static int
name_match(const char *name, int argc, char *const *argv, int *used)
{
	const char	*sp;
	size_t		 len;

	if (name == NULL || argc < 1)
		return 0;
	if ((sp = strchr(name, ' ')) == NULL) {
		if (strcmp(name, argv[0]) != 0)
			return 0;
		*used = 1;
		return 1;
	}
	len = (size_t)(sp - name);
	if (argc < 2 || strlen(argv[0]) != len ||
	    strncmp(name, argv[0], len) != 0 || strcmp(sp + 1, argv[1]) != 0)
		return 0;
	*used = 2;
	return 1;
}

const struct cmd_entry *
cmd_find(int argc, char *const *argv, int *used)
{
	size_t	i;

	*used = 0;
	for (i = 0; i < NCMDS; i++) {
		if (name_match(cmd_entries[i].name, argc, argv, used) ||
		    name_match(cmd_entries[i].alias, argc, argv, used))
			return &cmd_entries[i];
	}
	return NULL;
}

const struct cmd_entry *
cmd_find_type(enum proto_type type)
{
	size_t	i;

	if (type == PROTO_NONE)
		return NULL;
	for (i = 0; i < NCMDS; i++) {
		if (cmd_entries[i].type == type)
			return &cmd_entries[i];
	}
	return NULL;
}

const char *
cmd_role_name(enum cmd_role role)
{
	switch (role) {
	case CMD_ROLE_VIEWER:
		return "viewer";
	case CMD_ROLE_OPERATOR:
		return "operator";
	case CMD_ROLE_APPROVER:
		return "approver";
	case CMD_ROLE_ADMIN:
		return "admin";
	case CMD_ROLE_NONE:
		break;
	}
	return "none";
}

int
cmd_option_kind(const struct cmd_entry *e, const char *opt, size_t optlen)
{
	const char	*p = e->options, *end;
	size_t		 len;

	if (p == NULL)
		return 0;
	while (*p != '\0') {
		while (*p == ' ')
			p++;
		end = p;
		while (*end != '\0' && *end != ' ' && *end != '=')
			end++;
		len = (size_t)(end - p);
		if (len > 0 && len == optlen && strncmp(p, opt, len) == 0) {
			if (*end != '=')
				return 1;
			return end[1] == '*' ? 3 : 2;
		}
		while (*end != '\0' && *end != ' ')
			end++;
		p = end;
	}
	return 0;
}

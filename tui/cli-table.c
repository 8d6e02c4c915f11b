/*
 * cli-table.c: every opsicle command line, once, with the function that
 * runs it (see cli-table.h).
 */
#include "config.h"

#include <string.h>

#include "tui.h"

/* Reads (RO) take --json. Commands that change state (RW) are audited
 * the way the daemon's row for their message says (daemon/dispatch.c). */
#define RO	(CMD_F_READONLY | CMD_F_START_DAEMON)
#define RW	CMD_F_START_DAEMON

static const struct cmd_entry cmd_entries[] = {
	{
		.name = "help",
		.usage = "help [COMMAND]",
		.help = "show the commands, or one command's usage",
		.min_args = 0, .max_args = 2,
		.flags = CMD_F_LOCAL,
		.type = PROTO_NONE,
		.exec = cli_help,
	},
	{
		.name = "list-commands",
		.usage = "list-commands",
		.help = "list every command, one per line",
		.min_args = 0, .max_args = 0,
		.flags = CMD_F_LOCAL,
		.type = PROTO_NONE,
		.exec = cli_list_commands,
	},
	{
		.name = "tui",
		.usage = "tui",
		.help = "open the interactive console (also: no command on a "
		    "terminal)",
		.min_args = 0, .max_args = 0,
		.flags = CMD_F_LOCAL | CMD_F_START_DAEMON,
		.type = PROTO_NONE,
		.exec = cli_tui,
	},
	{
		.name = "daemon status",
		.usage = "daemon status [--json]",
		.help = "show the daemon's pid, version, uptime and store",
		.min_args = 0, .max_args = 0,
		.options = "json",
		.flags = RO,
		.type = PROTO_DAEMON_STATUS,
		.exec = cli_daemon_status,
	},
	{
		.name = "daemon stop",
		.usage = "daemon stop [--grace SEC]",
		.help = "stop the daemon; running jobs get SEC seconds "
		    "(default 10) to finish",
		.min_args = 0, .max_args = 0,
		.options = "grace=",
		/* Never starts a daemon to stop it. */
		.flags = 0,
		.type = PROTO_DAEMON_STOP,
		.exec = cli_daemon_stop,
	},
	/* init runs in the CLI alone (no daemon may hold the store). */
	{
		.name = "init",
		.usage = "init [--passphrase] [--passphrase-file FILE]",
		.help = "create the store: with a key file, or protected by a "
		    "passphrase",
		.min_args = 0, .max_args = 0,
		.options = "passphrase passphrase-file=",
		.flags = CMD_F_LOCAL | CMD_F_SECRET,
		.type = PROTO_NONE,
		.exec = cli_init,
	},
	{
		.name = "unlock",
		.usage = "unlock [--passphrase-file FILE]",
		.help = "unlock a passphrase-protected store",
		.min_args = 0, .max_args = 0,
		.options = "passphrase-file=",
		.flags = CMD_F_SECRET | CMD_F_START_DAEMON,
		.type = PROTO_UNLOCK,
		.exec = cli_unlock,
	},
	{
		.name = "lock",
		.usage = "lock",
		.help = "close the store and wipe its keys from the daemon",
		.min_args = 0, .max_args = 0,
		.flags = 0,
		.type = PROTO_LOCK,
		.exec = cli_lock,
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
		.type = PROTO_PASSWD,
		.exec = cli_passwd,
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
		.flags = RW,
		.type = PROTO_TARGET_ADD,
		.exec = cli_target_add,
	},
	{
		.name = "target list",
		.alias = "target ls",
		.usage = "target list [--tag TAG] [--json] [GLOB]",
		.help = "list targets, optionally by tag or name glob",
		.min_args = 0, .max_args = 1,
		.options = "tag= json",
		.flags = RO,
		.type = PROTO_TARGET_LIST,
		.exec = cli_target_list,
	},
	{
		.name = "target show",
		.usage = "target show NAME [--json]",
		.help = "show one target",
		.min_args = 1, .max_args = 1,
		.options = "json",
		.flags = RO,
		.type = PROTO_TARGET_SHOW,
		.exec = cli_target_show,
	},
	{
		.name = "target edit",
		.usage = "target edit NAME [--rename NEW] [--host HOST] "
		    "[--port PORT] [--user USER] [--cred CRED] [--no-cred] "
		    "[--tag TAG]... [--note TEXT]",
		.help = "change a target; --tag replaces all its tags",
		.min_args = 1, .max_args = 1,
		.options = "rename= host= port= user= cred= no-cred tag=* note=",
		.flags = RW,
		.type = PROTO_TARGET_EDIT,
		.exec = cli_target_edit,
	},
	{
		.name = "target rm",
		.alias = "target remove",
		.usage = "target rm NAME",
		.help = "remove a target",
		.min_args = 1, .max_args = 1,
		.flags = RW,
		.type = PROTO_TARGET_RM,
		.exec = cli_target_rm,
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
		.flags = RW,
		.type = PROTO_TARGET_IMPORT,
		.exec = cli_target_import,
	},
	{
		.name = "cred add",
		.usage = "cred add NAME --password | --ssh-key FILE "
		    "[--key-passphrase] [--user USER]",
		.help = "add a credential; the secret is read from the "
		    "terminal or stdin",
		.min_args = 1, .max_args = 1,
		.options = "password ssh-key= key-passphrase user=",
		.flags = RW | CMD_F_SECRET,
		.type = PROTO_CRED_ADD,
		.exec = cli_cred_add,
	},
	{
		.name = "cred list",
		.alias = "cred ls",
		.usage = "cred list [--json]",
		.help = "list credentials (never their secrets)",
		.min_args = 0, .max_args = 0,
		.options = "json",
		.flags = RO,
		.type = PROTO_CRED_LIST,
		.exec = cli_cred_list,
	},
	{
		.name = "cred rm",
		.alias = "cred remove",
		.usage = "cred rm NAME",
		.help = "remove a credential no target uses",
		.min_args = 1, .max_args = 1,
		.flags = RW,
		.type = PROTO_CRED_RM,
		.exec = cli_cred_rm,
	},
	{
		.name = "audit list",
		.usage = "audit list [--limit N] [--json]",
		.help = "show the newest audit records",
		.min_args = 0, .max_args = 0,
		.options = "limit= json",
		.flags = RO,
		.type = PROTO_AUDIT_LIST,
		.exec = cli_audit_list,
	},
	{
		.name = "audit verify",
		.usage = "audit verify [--json]",
		.help = "check the audit hash chain; names the first broken "
		    "record",
		.min_args = 0, .max_args = 0,
		.options = "json",
		.flags = RO,
		.type = PROTO_AUDIT_VERIFY,
		.exec = cli_audit_verify,
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
		.flags = RW,
		.type = PROTO_RUN,
		.exec = cli_run,
	},
	{
		.name = "events",
		.usage = "events [--job JOB] [--stream STREAM]... [--json]",
		.help = "print live events (job-output, job-state, run-state); "
		    "with --job until that job ends",
		.min_args = 0, .max_args = 0,
		.options = "job= stream=* json",
		.flags = RO,
		.type = PROTO_SUBSCRIBE,
		.exec = cli_events,
	},
	{
		.name = "job list",
		.alias = "job ls",
		.usage = "job list [--limit N] [--state STATE] [--json]",
		.help = "list the newest jobs",
		.min_args = 0, .max_args = 0,
		.options = "limit= state= json",
		.flags = RO,
		.type = PROTO_JOB_LIST,
		.exec = cli_job_list,
	},
	{
		.name = "job show",
		.usage = "job show JOB [--json]",
		.help = "show a job and the state of each of its runs",
		.min_args = 1, .max_args = 1,
		.options = "json",
		.flags = RO,
		.type = PROTO_JOB_SHOW,
		.exec = cli_job_show,
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
		.type = PROTO_JOB_LOGS,
		.exec = cli_job_logs,
	},
	{
		.name = "job cancel",
		.usage = "job cancel JOB",
		.help = "stop a running or queued job",
		.min_args = 1, .max_args = 1,
		.flags = RW,
		.type = PROTO_JOB_CANCEL,
		.exec = cli_job_cancel,
	},
	{
		.name = "job rerun",
		.usage = "job rerun JOB [--json]",
		.help = "queue a new job with the same command and targets",
		.min_args = 1, .max_args = 1,
		.options = "json",
		.flags = RW,
		.type = PROTO_JOB_RERUN,
		.exec = cli_job_rerun,
	},
	/* hostkeys */
	{
		.name = "hostkey list",
		.alias = "hostkey ls",
		.usage = "hostkey list [TARGET] [--json]",
		.help = "show each target's known and pending host keys",
		.min_args = 0, .max_args = 1,
		.options = "json",
		.flags = RO,
		.type = PROTO_HOSTKEY_LIST,
		.exec = cli_hostkey_list,
	},
	{
		.name = "hostkey accept",
		.usage = "hostkey accept TARGET [--fingerprint SHA256:...] "
		    "[--json]",
		.help = "accept a target's host key: the one with that "
		    "fingerprint, or (trust on first use) the one it presents",
		.min_args = 1, .max_args = 1,
		.options = "fingerprint= json",
		.flags = RW,
		.type = PROTO_HOSTKEY_ACCEPT,
		.exec = cli_hostkey_accept,
	},
	{
		.name = "hostkey import",
		.usage = "hostkey import [FILE] [--json]",
		.help = "add host keys from a known_hosts file (default "
		    "~/.ssh/known_hosts; - for stdin) to matching targets",
		.min_args = 0, .max_args = 1,
		.options = "json",
		.flags = RW,
		.type = PROTO_HOSTKEY_IMPORT,
		.exec = cli_hostkey_import,
	},
	{
		.name = "hostkey reject",
		.usage = "hostkey reject TARGET FINGERPRINT [--json]",
		.help = "forget a pending host key of a target without "
		    "accepting it",
		.min_args = 2, .max_args = 2,
		.options = "json",
		.flags = RW,
		.type = PROTO_HOSTKEY_REJECT,
		.exec = cli_hostkey_reject,
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

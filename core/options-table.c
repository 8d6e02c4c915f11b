/*
 * options-table.c: every opsicle.conf key, once (see config-file.h). Adding
 * a key is one entry here and one .It in man/opsicle.conf.5.
 */
#include "config.h"

#include <string.h>

#include "config-file.h"

static const char *const kdf_costs[] = {
	"min", "interactive", "moderate", "sensitive", NULL
};

static const char *const log_dests[] = {
	"auto", "syslog", NULL
};

static const char *const log_levels[] = {
	"warn", "info", "debug", NULL
};

static const char *const yes_no[] = {
	"no", "yes", NULL
};

static const char *const reasons[] = {
	"optional", "required", NULL
};

static const struct config_option options[] = {
	{
		.name = "role.admin",
		.type = CONFIG_LIST,
		.def = "",
		.help = "users, uids and @groups with every right (the "
		    "daemon's own uid and root always have it)",
	},
	{
		.name = "role.operator",
		.type = CONFIG_LIST,
		.def = "",
		.help = "users, uids and @groups who may change targets and "
		    "run jobs",
	},
	{
		.name = "role.approver",
		.type = CONFIG_LIST,
		.def = "",
		.help = "users, uids and @groups who may approve jobs",
	},
	{
		.name = "role.viewer",
		.type = CONFIG_LIST,
		.def = "",
		.help = "users, uids and @groups who may only read",
	},
	/* approvals of ad hoc runs (daemon/approval.c); an automation's
	 * own approval: block rules its runs */
	{
		.name = "approval.adhoc-selector",
		.type = CONFIG_SELECTOR,
		.def = "",
		.help = "a run (or rerun) of a command or script on any target "
		    "this selector matches needs approval (empty: none does)",
	},
	{
		.name = "approval.adhoc-required",
		.type = CONFIG_NUMBER,
		.def = "1",
		.min = 1, .max = 16,
		.help = "distinct approvers such a run needs",
	},
	{
		.name = "approval.adhoc-approvers",
		.type = CONFIG_LIST,
		.def = "",
		.help = "users, uids and @groups who may approve it (empty: "
		    "anyone with the approver role)",
	},
	{
		.name = "approval.adhoc-expires",
		.type = CONFIG_NUMBER,
		.def = "86400",
		.min = 1, .max = 604800,
		.help = "seconds the request stays open before the job "
		    "expires",
	},
	{
		.name = "approval.adhoc-totp",
		.type = CONFIG_CHOICE,
		.def = "no",
		.choices = yes_no,
		.help = "each approval needs the approver's TOTP code",
	},
	{
		.name = "approval.adhoc-reason",
		.type = CONFIG_CHOICE,
		.def = "optional",
		.choices = reasons,
		.help = "whether every decision needs a reason",
	},
	{
		.name = "socket-group",
		.type = CONFIG_WORD,
		.def = "",
		.help = "group owning the socket (mode 0660) and its "
		    "directory (mode 0710)",
	},
	{
		.name = "client-timeout",
		.type = CONFIG_NUMBER,
		.def = "300",
		.min = 0, .max = 86400,
		.help = "seconds a connection may stay silent (or stall in a "
		    "message) before it is closed; 0 never closes it",
	},
	{
		.name = "message-timeout",
		.type = CONFIG_NUMBER,
		.def = "30",
		.min = 1, .max = 3600,
		.help = "seconds a client may take to send one whole message "
		    "(the hello: from connecting), however slowly it trickles",
	},
	{
		.name = "output-cap",
		.type = CONFIG_NUMBER,
		.def = "1m",
		.min = 1024, .max = 1024LL * 1024 * 1024,
		.help = "bytes of output kept (and shown live) per run and "
		    "stream, unless the run asks for another cap",
	},
	{
		.name = "output-cap-max",
		.type = CONFIG_NUMBER,
		.def = "64m",
		.min = 1024, .max = 1024LL * 1024 * 1024,
		.help = "the largest cap a run may ask for (run --output-cap); "
		    "output-cap, when larger, is the limit instead",
	},
	{
		.name = "forks",
		.type = CONFIG_NUMBER,
		.def = "64",
		.min = 1, .max = 4096,
		.help = "targets a job runs on at once unless it says",
	},
	{
		.name = "connect-timeout",
		.type = CONFIG_NUMBER,
		.def = "15",
		.min = 1, .max = 600,
		.help = "seconds a new SSH session may take to connect, "
		    "handshake and authenticate",
	},
	{
		.name = "handshakes",
		.type = CONFIG_NUMBER,
		.def = "64",
		.min = 1, .max = 4096,
		.help = "new SSH sessions opened at once, across all jobs; "
		    "runs on open sessions do not wait for them",
	},
	{
		.name = "retention-days",
		.type = CONFIG_NUMBER,
		.def = "90",
		.min = 0, .max = 36500,
		.help = "days job output is kept; 0 keeps it forever",
	},
	{
		.name = "kdf-cost",
		.type = CONFIG_CHOICE,
		.def = "moderate",
		.choices = kdf_costs,
		.help = "Argon2id cost for new passphrases",
	},
	{
		.name = "log",
		.type = CONFIG_CHOICE,
		.def = "auto",
		.choices = log_dests,
		.help = "where the daemon logs: auto (stderr in the "
		    "foreground, else logs/opsicled.log) or syslog",
	},
	{
		.name = "log-level",
		.type = CONFIG_CHOICE,
		.def = "info",
		.choices = log_levels,
		.help = "least important messages logged: warn, info or debug",
	},
	{
		.name = "totp.max-failures",
		.type = CONFIG_NUMBER,
		.def = "5",
		.min = 1, .max = 100,
		.help = "wrong TOTP codes a user may send within "
		    "totp.lockout seconds before every code is refused",
	},
	{
		.name = "totp.lockout",
		.type = CONFIG_NUMBER,
		.def = "300",
		.min = 30, .max = 86400,
		.help = "seconds from a user's first wrong TOTP code in which "
		    "totp.max-failures count, and refusals last",
	},
	{
		.name = "notify.give-up",
		.type = CONFIG_NUMBER,
		.def = "86400",
		.min = 1, .max = 30 * 86400,
		.help = "seconds a notification is retried before it is "
		    "marked failed (notify log)",
	},
	{
		.name = "notify.retry-base",
		.type = CONFIG_NUMBER,
		.def = "5",
		.min = 1, .max = 3600,
		.help = "seconds before the first retry of a notification; "
		    "each retry doubles it (with jitter)",
	},
	{
		.name = "notify.retry-max",
		.type = CONFIG_NUMBER,
		.def = "3600",
		.min = 1, .max = 86400,
		.help = "the longest wait between two attempts (a "
		    "Retry-After may ask for more)",
	},
	{
		.name = "notify.timeout",
		.type = CONFIG_NUMBER,
		.def = "15",
		.min = 1, .max = 300,
		.help = "seconds one delivery attempt may take",
	},
	{
		.name = "notify.ca-file",
		.type = CONFIG_STRING,
		.def = "",
		.help = "CA certificates (PEM) for https webhooks and Slack; "
		    "empty: the system's",
	},
	{
		.name = "smtp.url",
		.type = CONFIG_STRING,
		.def = "",
		.help = "the mail server for email notifications: "
		    "smtp://HOST[:PORT] (STARTTLS) or smtps://HOST[:PORT]",
	},
	{
		.name = "smtp.from",
		.type = CONFIG_STRING,
		.def = "",
		.help = "the sender address of email notifications",
	},
	{
		.name = "smtp.user",
		.type = CONFIG_STRING,
		.def = "",
		.help = "the SMTP AUTH login (the password: opsicle notify "
		    "smtp-password); empty: no AUTH",
	},
	{
		.name = "smtp.starttls",
		.type = CONFIG_CHOICE,
		.def = "yes",
		.choices = yes_no,
		.help = "require STARTTLS on smtp:// (no sends mail and "
		    "password in the clear)",
	},
	{
		.name = "smtp.ca-file",
		.type = CONFIG_STRING,
		.def = "",
		.help = "CA certificates (PEM) for the mail server; empty: "
		    "the system's",
	},
	/* discovery (daemon/discover.c): what "discover" does unless it
	 * says otherwise */
	{
		.name = "discover.timeout",
		.type = CONFIG_NUMBER,
		.def = "3000",
		.min = 10, .max = 600000,
		.help = "milliseconds one probe may take to connect and read "
		    "the banner and host key",
	},
	{
		.name = "discover.rate",
		.type = CONFIG_NUMBER,
		.def = "500",
		.min = 1, .max = 100000,
		.help = "probes (address and port) a scan starts per second "
		    "at most",
	},
	{
		.name = "discover.concurrency",
		.type = CONFIG_NUMBER,
		.def = "128",
		.min = 1, .max = 4096,
		.help = "probes a scan keeps open at once at most",
	},
};
#define NOPTIONS	(sizeof(options) / sizeof(options[0]))

const struct config_option *
config_options(size_t *n)
{
	*n = NOPTIONS;
	return options;
}

const struct config_option *
config_option_find(const char *name)
{
	size_t	i;

	for (i = 0; i < NOPTIONS; i++)
		if (strcmp(options[i].name, name) == 0)
			return &options[i];
	return NULL;
}

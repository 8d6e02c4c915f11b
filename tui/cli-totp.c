/*
 * cli-totp.c: totp enroll, confirm, status and disable; approver link,
 * links and unlink. The daemon makes the TOTP secret; enroll prints the
 * otpauth URI it answers with once, and its QR code (cli-qr.c), and
 * wipes them. A code is one-time and may be given as an argument, or is
 * read from the terminal without echo, or from stdin.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <sodium.h>

#include "secret-read.h"
#include "secret.h"
#include "tui.h"

/* ---- command entries (listed in cli-table.c) ---------------------------- */

static cli_exec_fn	cli_totp_enroll, cli_totp_confirm, cli_totp_status,
			cli_totp_disable, cli_approver_link, cli_approver_links,
			cli_approver_unlink;

const struct cmd_entry cmd_totp_enroll_entry = {
	.name = "totp enroll",
	.usage = "totp enroll",
	.help = "make a TOTP secret for you: shows its otpauth URI and QR "
	    "code once, for an authenticator app; then totp confirm",
	.details = "The secret is made and sealed by the daemon and shown "
	    "only now. Enrolling again\nreplaces a pending enrolment; an "
	    "active one must be disabled first.",
	.min_args = 0, .max_args = 0,
	.flags = CMD_RW,
	.type = PROTO_TOTP_ENROLL,
	.exec = cli_totp_enroll,
};

const struct cmd_entry cmd_totp_confirm_entry = {
	.name = "totp confirm",
	.usage = "totp confirm [CODE]",
	.help = "activate your TOTP enrolment with a current code (without "
	    "CODE: read from the terminal or stdin)",
	.min_args = 0, .max_args = 1,
	.flags = CMD_RW | CMD_F_SECRET,
	.type = PROTO_TOTP_CONFIRM,
	.exec = cli_totp_confirm,
};

const struct cmd_entry cmd_totp_status_entry = {
	.name = "totp status",
	.usage = "totp status [--user USER] [--json]",
	.help = "show whether you (admin: USER) have TOTP: none, pending or "
	    "active, when a code was last used, failed codes",
	.min_args = 0, .max_args = 0,
	.options = "user= json",
	.flags = CMD_RO,
	.type = PROTO_TOTP_STATUS,
	.exec = cli_totp_status,
};

const struct cmd_entry cmd_totp_disable_entry = {
	.name = "totp disable",
	.usage = "totp disable [CODE] | --user USER",
	.help = "remove your TOTP (needs a current code: CODE, or read from "
	    "the terminal or stdin); an admin removes USER's",
	.min_args = 0, .max_args = 1,
	.options = "user=",
	.flags = CMD_RW | CMD_F_SECRET,
	.type = PROTO_TOTP_DISABLE,
	.exec = cli_totp_disable,
};

const struct cmd_entry cmd_approver_link_entry = {
	.name = "approver link",
	.usage = "approver link SERVICE",
	.help = "make a one-time code (10 minutes) that links your account "
	    "on SERVICE (telegram) when you send it to the bot",
	.min_args = 1, .max_args = 1,
	.flags = CMD_RW,
	.type = PROTO_APPROVER_LINK,
	.exec = cli_approver_link,
};

const struct cmd_entry cmd_approver_links_entry = {
	.name = "approver links",
	.usage = "approver links [--json]",
	.help = "list your linked chat accounts (admin: everyone's)",
	.min_args = 0, .max_args = 0,
	.options = "json",
	.flags = CMD_RO,
	.type = PROTO_APPROVER_LINKS,
	.exec = cli_approver_links,
};

const struct cmd_entry cmd_approver_unlink_entry = {
	.name = "approver unlink",
	.usage = "approver unlink SERVICE ACCOUNT",
	.help = "remove the link of ACCOUNT on SERVICE (yours; admin: "
	    "anyone's)",
	.min_args = 2, .max_args = 2,
	.flags = CMD_RW,
	.type = PROTO_APPROVER_UNLINK,
	.exec = cli_approver_unlink,
};

/* Wipe and drop the string key of o (a reply we printed). */
static void
wipe_key(const json_t *o, const char *key)
{
	struct secret	*s = NULL;

	if (proto_has(o, key) && proto_take_secret((json_t *)o, key,
	    OPS_PROTO_MAX_FRAME, &s, NULL) == OPS_OK)
		secret_free(s);
}

static void
show_enroll(const struct cli_args *a, const json_t *r)
{
	struct ops_err	 err;
	const char	*uri = cli_str(r, "uri");

	(void)a;
	printf("TOTP for %s: scan this QR code with an authenticator app, or "
	    "enter the URI.\nIt holds the secret and is shown only now.\n\n",
	    cli_str(r, "account"));
	if (cli_qr_print(stdout, uri, cli_qr_utf8(), &err) != OPS_OK)
		fprintf(stderr, "opsicle totp enroll: %s\n",
		    ops_err_msg(&err));
	printf("\n%s\n\nThen confirm with a code from the app: opsicle totp "
	    "confirm CODE\n", uri);
	fflush(stdout);
	wipe_key(r, "uri");
}

int
cli_totp_enroll(const struct cli_args *a)
{
	struct cli_args	 b = *a;
	json_t		*m = cli_msg(a);
	int		 rc;

	/* the URI goes to the terminal once, never as --json */
	b.json = 0;
	rc = cli_send(&b, m, show_enroll);
	json_decref(m);
	return rc;
}

/* The code into m: pos (an argument), else the terminal or stdin. */
static int
add_code(const struct cli_args *a, json_t *m, const char *who)
{
	struct secret	*s = NULL;
	struct ops_err	 err;
	int		 rc;

	if (a->npos > 0)
		return proto_add_str(m, "code", a->pos[0], NULL) == OPS_OK ? 0 :
		    EXIT_USAGE;
	if (isatty(STDIN_FILENO))
		rc = secret_read_tty("TOTP code: ", &s, &err);
	else
		rc = secret_read_fd(STDIN_FILENO, 64, &s, &err);
	if (rc == OPS_OK)
		rc = proto_add_strn(m, "code", (const char *)secret_cdata(s),
		    secret_len(s), &err);
	secret_free(s);
	if (rc != OPS_OK) {
		fprintf(stderr, "opsicle %s: %s\n", who, ops_err_msg(&err));
		return EXIT_USAGE;
	}
	return 0;
}

static void
show_confirm(const struct cli_args *a, const json_t *r)
{
	(void)a;
	printf("TOTP is %s\n", cli_str(r, "state"));
}

int
cli_totp_confirm(const struct cli_args *a)
{
	json_t	*m = cli_msg(a);
	int	 rc;

	if ((rc = add_code(a, m, "totp confirm")) == 0)
		rc = cli_send(a, m, show_confirm);
	wipe_key(m, "code");
	json_decref(m);
	return rc;
}

static void
show_status(const struct cli_args *a, const json_t *r)
{
	char	buf[32];

	(void)a;
	printf("%s: TOTP %s\n", cli_str(r, "user"), cli_str(r, "state"));
	if (json_is_integer(json_object_get(r, "created"))) {
		cli_time(cli_int(r, "created"), buf, sizeof(buf));
		printf("enrolled   %s\n", buf);
	}
	if (json_is_integer(json_object_get(r, "last_used"))) {
		cli_time(cli_int(r, "last_used"), buf, sizeof(buf));
		printf("last code  %s\n", buf);
	}
	if (json_is_integer(json_object_get(r, "failures")))
		printf("failed     %lld recent code(s)\n",
		    cli_int(r, "failures"));
	if (json_is_integer(json_object_get(r, "retry_in")))
		printf("refused    for %lld s more\n", cli_int(r, "retry_in"));
}

int
cli_totp_status(const struct cli_args *a)
{
	json_t	*m = cli_msg(a);
	int	 rc;

	if (cli_opt(a, "user") != NULL)
		proto_add_str(m, "user", cli_opt(a, "user"), NULL);
	rc = cli_send(a, m, show_status);
	json_decref(m);
	return rc;
}

static void
show_disable(const struct cli_args *a, const json_t *r)
{
	(void)a;
	printf("TOTP removed for %s\n", cli_str(r, "user"));
}

int
cli_totp_disable(const struct cli_args *a)
{
	json_t	*m = cli_msg(a);
	int	 rc = 0;

	if (cli_opt(a, "user") != NULL) {
		if (a->npos > 0) {
			fprintf(stderr, "opsicle totp disable: give CODE or "
			    "--user USER, not both\n");
			cli_usage(stderr, a->e);
			json_decref(m);
			return EXIT_USAGE;
		}
		proto_add_str(m, "user", cli_opt(a, "user"), NULL);
	} else
		rc = add_code(a, m, "totp disable");
	if (rc == 0)
		rc = cli_send(a, m, show_disable);
	wipe_key(m, "code");
	json_decref(m);
	return rc;
}

static void
show_link(const struct cli_args *a, const json_t *r)
{
	char	buf[32];

	(void)a;
	cli_time(cli_int(r, "expires"), buf, sizeof(buf));
	printf("Send this to the opsicle bot on %s to link your account "
	    "(one use, until %s):\n\n    /link %s\n\n",
	    cli_str(r, "service"), buf, cli_str(r, "code"));
	fflush(stdout);
	wipe_key(r, "code");
}

int
cli_approver_link(const struct cli_args *a)
{
	struct cli_args	 b = *a;
	json_t		*m = cli_msg(a);
	int		 rc;

	b.json = 0;
	proto_add_str(m, "service", a->pos[0], NULL);
	rc = cli_send(&b, m, show_link);
	json_decref(m);
	return rc;
}

static void
show_links(const struct cli_args *a, const json_t *r)
{
	const json_t	*o;
	char		**cells, (*when)[32];
	size_t		 n = json_array_size(r), i, k = 0;

	(void)a;
	if ((cells = calloc((n + 1) * 4, sizeof(*cells))) == NULL ||
	    (when = calloc(n + 1, sizeof(*when))) == NULL) {
		free(cells);
		return;
	}
	cells[k++] = "SERVICE";
	cells[k++] = "ACCOUNT";
	cells[k++] = "USER";
	cells[k++] = "LINKED";
	for (i = 0; i < n; i++) {
		o = json_array_get(r, i);
		cells[k++] = (char *)cli_str(o, "service");
		cells[k++] = (char *)cli_str(o, "account");
		cells[k++] = (char *)cli_str(o, "user");
		cli_time(cli_int(o, "created"), when[i], sizeof(when[i]));
		cells[k++] = when[i];
	}
	cli_table(cells, n + 1, 4);
	free(when);
	free(cells);
}

int
cli_approver_links(const struct cli_args *a)
{
	json_t	*m = cli_msg(a);
	int	 rc = cli_send(a, m, show_links);

	json_decref(m);
	return rc;
}

static void
show_unlink(const struct cli_args *a, const json_t *r)
{
	(void)a;
	printf("unlinked %s account ", cli_str(r, "service"));
	cli_safe_puts(stdout, cli_str(r, "account"));
	printf("\n");
}

int
cli_approver_unlink(const struct cli_args *a)
{
	json_t	*m = cli_msg(a);
	int	 rc;

	proto_add_str(m, "service", a->pos[0], NULL);
	proto_add_str(m, "account", a->pos[1], NULL);
	rc = cli_send(a, m, show_unlink);
	json_decref(m);
	return rc;
}

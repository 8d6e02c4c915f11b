/*
 * cli-creds.c: cred add, list and rm. Secrets never come from argv: a
 * password or key passphrase is read from the terminal without echo, or
 * from stdin when stdin is not a terminal; a private key is read from the
 * named file. They travel only in the sensitive cred-add message, and
 * the JSON copy is wiped (proto_take_secret) once it is sent.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "secret-read.h"
#include "secret.h"
#include "tui.h"

/* ---- command entries (listed in cli-table.c) ---------------------------- */

/* The entries are the way in: the functions that run them are static. */
static cli_exec_fn	cli_cred_add, cli_cred_list, cli_cred_rm;

const struct cmd_entry cmd_cred_add_entry = {
	.name = "cred add",
	.usage = "cred add NAME --password | --ssh-key FILE "
	    "[--key-passphrase] [--user USER]",
	.help = "add a credential; the secret is read from the "
	    "terminal or stdin",
	.min_args = 1, .max_args = 1,
	.options = "password ssh-key= key-passphrase user=",
	.flags = CMD_RW | CMD_F_SECRET,
	.type = PROTO_CRED_ADD,
	.exec = cli_cred_add,
};

const struct cmd_entry cmd_cred_list_entry = {
	.name = "cred list",
	.alias = "cred ls",
	.usage = "cred list [--json]",
	.help = "list credentials (never their secrets)",
	.min_args = 0, .max_args = 0,
	.options = "json",
	.flags = CMD_RO,
	.type = PROTO_CRED_LIST,
	.exec = cli_cred_list,
};

const struct cmd_entry cmd_cred_rm_entry = {
	.name = "cred rm",
	.alias = "cred remove",
	.usage = "cred rm NAME",
	.help = "remove a credential no target uses",
	.min_args = 1, .max_args = 1,
	.flags = CMD_RW,
	.type = PROTO_CRED_RM,
	.exec = cli_cred_rm,
};

static int
read_secret(const char *prompt, struct secret **out, struct ops_err *err)
{
	if (isatty(STDIN_FILENO))
		return secret_read_tty(prompt, out, err);
	return secret_read_fd(STDIN_FILENO, SECRET_READ_TTY_MAX, out, err);
}

static int
add_secret(json_t *m, const char *key, const struct secret *s,
    struct ops_err *err)
{
	return proto_add_strn(m, key, (const char *)secret_cdata(s),
	    secret_len(s), err);
}

/* Wipe the JSON copies of the secrets. */
static void
wipe_msg(json_t *m)
{
	struct secret	*s = NULL;

	if (proto_has(m, "secret") && proto_take_secret(m, "secret",
	    OPS_PROTO_MAX_FRAME, &s, NULL) == OPS_OK)
		secret_free(s);
	s = NULL;
	if (proto_has(m, "key_passphrase") && proto_take_secret(m,
	    "key_passphrase", OPS_PROTO_MAX_FRAME, &s, NULL) == OPS_OK)
		secret_free(s);
}

int
cli_cred_add(const struct cli_args *a)
{
	struct secret	*sec = NULL, *pass = NULL;
	struct ops_err	 err;
	const char	*keyfile = cli_opt(a, "ssh-key");
	json_t		*m;
	char		 prompt[128];
	int		 fd, rc, pw = cli_flag(a, "password");

	if (pw == (keyfile != NULL) ||
	    (pw && cli_flag(a, "key-passphrase"))) {
		fprintf(stderr, "opsicle cred add: give either --password or "
		    "--ssh-key FILE (--key-passphrase only with --ssh-key)\n");
		cli_usage(stderr, a->e);
		return EXIT_USAGE;
	}
	m = cli_msg(a);
	proto_add_str(m, "name", a->pos[0], NULL);
	proto_add_str(m, "kind", pw ? "password" : "ssh-key", NULL);
	if (cli_opt(a, "user") != NULL)
		proto_add_str(m, "user", cli_opt(a, "user"), NULL);
	if (pw) {
		snprintf(prompt, sizeof(prompt), "Password for %.64s: ",
		    a->pos[0]);
		rc = read_secret(prompt, &sec, &err);
	} else if ((fd = open(keyfile, O_RDONLY | O_CLOEXEC)) == -1) {
		rc = ops_err_errno(&err, OPS_E_IO, "open key file %s",
		    keyfile);
	} else {
		rc = secret_read_fd(fd, SECRET_READ_FD_MAX, &sec, &err);
		close(fd);
		if (rc == OPS_OK && cli_flag(a, "key-passphrase")) {
			snprintf(prompt, sizeof(prompt), "Passphrase for "
			    "key %.64s: ", keyfile);
			rc = read_secret(prompt, &pass, &err);
		}
	}
	if (rc == OPS_OK && secret_len(sec) == 0)
		rc = ops_err_set(&err, OPS_E_INVAL, "the secret for %s is "
		    "empty", a->pos[0]);
	if (rc == OPS_OK)
		rc = add_secret(m, "secret", sec, &err);
	if (rc == OPS_OK && pass != NULL)
		rc = add_secret(m, "key_passphrase", pass, &err);
	secret_free(sec);
	secret_free(pass);
	if (rc != OPS_OK) {
		fprintf(stderr, "opsicle cred add: %s\n", ops_err_msg(&err));
		wipe_msg(m);
		json_decref(m);
		return EXIT_REFUSED;
	}
	rc = cli_send(a, m, NULL);
	wipe_msg(m);
	json_decref(m);
	return rc;
}

static void
show_creds(const struct cli_args *a, const json_t *r)
{
	const json_t	*o;
	char		**cells;
	size_t		 n = json_array_size(r), i, k = 0;

	(void)a;
	if ((cells = calloc((n + 1) * 3, sizeof(*cells))) == NULL)
		return;
	cells[k++] = "NAME";
	cells[k++] = "KIND";
	cells[k++] = "USER";
	for (i = 0; i < n; i++) {
		o = json_array_get(r, i);
		cells[k++] = (char *)cli_str(o, "name");
		cells[k++] = (char *)cli_str(o, "kind");
		cells[k++] = (char *)cli_str(o, "user");
	}
	cli_table(cells, n + 1, 3);
	free(cells);
}

int
cli_cred_list(const struct cli_args *a)
{
	json_t	*m = cli_msg(a);
	int	 rc = cli_send(a, m, show_creds);

	json_decref(m);
	return rc;
}

int
cli_cred_rm(const struct cli_args *a)
{
	json_t	*m = cli_msg(a);
	int	 rc;

	proto_add_str(m, "name", a->pos[0], NULL);
	rc = cli_send(a, m, NULL);
	json_decref(m);
	return rc;
}

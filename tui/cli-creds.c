/*
 * cli-creds.c: cred add, list and rm. Secrets never come from argv: a
 * password or key passphrase is read from the terminal without echo, or
 * from stdin when stdin is not a terminal; a private key is read from the
 * named file. They travel only in the sensitive cred-add message, and
 * the JSON copy is wiped (proto_take_secret) once it is sent. An agent
 * credential sends only the agent's socket path (SOCKET, or this
 * client's $SSH_AUTH_SOCK), which the daemon checks and stores.
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
#include "xmalloc.h"

/* ---- command entries (listed in cli-table.c) ---------------------------- */

/* The entries are the way in: the functions that run them are static. */
static cli_exec_fn	cli_cred_add, cli_cred_list, cli_cred_rm;

const struct cmd_entry cmd_cred_add_entry = {
	.name = "cred add",
	.usage = "cred add NAME --password | --ssh-key FILE "
	    "[--key-passphrase] | --agent [SOCKET] [--user USER]",
	.help = "add a credential; a password or key passphrase is read "
	    "from the terminal or stdin, a key is checked before it is "
	    "stored; --agent uses the ssh-agent at SOCKET (default: your "
	    "SSH_AUTH_SOCK)",
	.min_args = 1, .max_args = 2,
	.options = "password ssh-key= key-passphrase agent user=",
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

/* "added credential NAME (ssh-ed25519 SHA256:...)" */
static void
show_added(const struct cli_args *a, const json_t *r)
{
	const char	*fp = cli_str(r, "fingerprint");

	if (strcmp(fp, "-") != 0)
		printf("added credential %s (%s %s)\n", a->pos[0],
		    cli_str(r, "key_type"), fp);
	else
		printf("added credential %s (%s)\n", a->pos[0],
		    cli_str(r, "kind"));
}

/* The agent's socket into m as an absolute path: SOCKET, else
 * $SSH_AUTH_SOCK. 0, or EXIT_USAGE with the reason on stderr. */
static int
add_agent_socket(const struct cli_args *a, json_t *m)
{
	const char	*p = a->npos > 1 ? a->pos[1] : getenv("SSH_AUTH_SOCK");
	char		 cwd[4096], buf[4096];

	if (p == NULL || *p == '\0') {
		fprintf(stderr, "opsicle cred add: --agent without SOCKET uses "
		    "$SSH_AUTH_SOCK, which is not set: start an agent "
		    "(eval \"$(ssh-agent)\"; ssh-add) or give its socket\n");
		return EXIT_USAGE;
	}
	if (*p == '/')
		snprintf(buf, sizeof(buf), "%s", p);
	else if (getcwd(cwd, sizeof(cwd)) == NULL ||
	    (size_t)snprintf(buf, sizeof(buf), "%s/%s", cwd, p) >=
	    sizeof(buf)) {
		fprintf(stderr, "opsicle cred add: cannot make %s an absolute "
		    "path\n", p);
		return EXIT_USAGE;
	}
	proto_add_str(m, "agent_socket", buf, NULL);
	return 0;
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
	int		 ag = cli_flag(a, "agent");

	if (pw + (keyfile != NULL) + ag != 1 ||
	    (!keyfile && cli_flag(a, "key-passphrase")) ||
	    (!ag && a->npos > 1)) {
		fprintf(stderr, "opsicle cred add: give one of --password, "
		    "--ssh-key FILE or --agent [SOCKET] (--key-passphrase "
		    "only with --ssh-key, SOCKET only with --agent)\n");
		cli_usage(stderr, a->e);
		return EXIT_USAGE;
	}
	m = cli_msg(a);
	proto_add_str(m, "name", a->pos[0], NULL);
	proto_add_str(m, "kind", pw ? "password" : ag ? "agent" : "ssh-key",
	    NULL);
	if (cli_opt(a, "user") != NULL)
		proto_add_str(m, "user", cli_opt(a, "user"), NULL);
	if (ag) {
		if ((rc = add_agent_socket(a, m)) == 0)
			rc = cli_send(a, m, show_added);
		json_decref(m);
		return rc;
	}
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
	rc = cli_send(a, m, show_added);
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
	char		**keys;

	if ((cells = calloc((n + 1) * 4, sizeof(*cells))) == NULL ||
	    (keys = calloc(n + 1, sizeof(*keys))) == NULL) {
		free(cells);
		return;
	}
	cells[k++] = "NAME";
	cells[k++] = "KIND";
	cells[k++] = "USER";
	cells[k++] = "KEY";
	for (i = 0; i < n; i++) {
		o = json_array_get(r, i);
		cells[k++] = (char *)cli_str(o, "name");
		cells[k++] = (char *)cli_str(o, "kind");
		cells[k++] = (char *)cli_str(o, "user");
		/* a key's type and fingerprint, or an agent's socket */
		if (strcmp(cli_str(o, "fingerprint"), "-") != 0)
			keys[i] = xasprintf("%s %s", cli_str(o, "key_type"),
			    cli_str(o, "fingerprint"));
		else
			keys[i] = xstrdup(cli_str(o, "agent_socket"));
		cells[k++] = keys[i];
	}
	cli_table(cells, n + 1, 4);
	for (i = 0; i < n; i++)
		free(keys[i]);
	free(keys);
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

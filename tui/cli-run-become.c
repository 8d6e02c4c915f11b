/*
 * cli-run-become.c: the sudo options of "opsicle run": --become (root),
 * --become-user USER (implies --become) and --become-cred CRED, a
 * password credential holding sudo's password (implies --become too).
 * Only names go to the daemon: the password stays sealed in the store and
 * the daemon feeds it to "sudo -S" on the remote side (core/ssh.h), so no
 * option, environment variable or argv ever holds it.
 */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include "tui.h"

/* A user name sudo -u takes: a login name, or "#UID". */
static int
become_user_ok(const char *u)
{
	size_t	n = strlen(u);

	if (n == 0 || n > 64 || u[0] == '-')
		return 0;
	if (u[0] == '#')
		return n > 1 && n <= 11 && strspn(u + 1, "0123456789") ==
		    n - 1;
	return strspn(u, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
	    "0123456789._-") == n;
}

int
cli_run_become(const struct cli_args *a, json_t *m)
{
	const char	*user = cli_opt(a, "become-user");
	const char	*cred = cli_opt(a, "become-cred");

	if (!cli_flag(a, "become") && user == NULL && cred == NULL)
		return 0;
	if (user == NULL)
		user = "root";
	if (!become_user_ok(user)) {
		fprintf(stderr, "opsicle run: --become-user needs a login name "
		    "(A-Z a-z 0-9 . _ -, not starting with -) or #UID, not "
		    "\"");
		cli_safe_puts(stderr, user);
		fprintf(stderr, "\"\n");
		return EXIT_USAGE;
	}
	if (cred != NULL && *cred == '\0') {
		fprintf(stderr, "opsicle run: --become-cred needs a credential "
		    "name\n");
		return EXIT_USAGE;
	}
	(void)proto_add_str(m, "become", user, NULL);
	if (cred != NULL)
		(void)proto_add_str(m, "become_cred", cred, NULL);
	return 0;
}

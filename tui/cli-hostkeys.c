/*
 * cli-hostkeys.c: hostkey list, accept, import and reject, and the reply of
 * target add/import --accept-new-hostkey. The daemon decides everything
 * (strict keys, the changed-key refusal); the CLI reads files, prints
 * and picks the exit code: 1 when the daemon refused or a scan failed.
 */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tui.h"

/* ---- command entries (listed in cli-table.c) ---------------------------- */

/* The entries are the way in: the functions that run them are static. */
static cli_exec_fn	cli_hostkey_list, cli_hostkey_accept,
			cli_hostkey_import, cli_hostkey_reject;

const struct cmd_entry cmd_hostkey_list_entry = {
	.name = "hostkey list",
	.alias = "hostkey ls",
	.usage = "hostkey list [TARGET] [--json]",
	.help = "show each target's known and pending host keys",
	.min_args = 0, .max_args = 1,
	.options = "json",
	.flags = CMD_RO,
	.type = PROTO_HOSTKEY_LIST,
	.exec = cli_hostkey_list,
};

const struct cmd_entry cmd_hostkey_accept_entry = {
	.name = "hostkey accept",
	.usage = "hostkey accept TARGET [--fingerprint SHA256:...] "
	    "[--json]",
	.help = "accept a target's host key: the one with that "
	    "fingerprint, or (trust on first use) the one it presents",
	.min_args = 1, .max_args = 1,
	.options = "fingerprint= json",
	.flags = CMD_RW,
	.type = PROTO_HOSTKEY_ACCEPT,
	.exec = cli_hostkey_accept,
};

const struct cmd_entry cmd_hostkey_import_entry = {
	.name = "hostkey import",
	.usage = "hostkey import [FILE] [--json]",
	.help = "add host keys from a known_hosts file (default "
	    "~/.ssh/known_hosts; - for stdin) to matching targets",
	.min_args = 0, .max_args = 1,
	.options = "json",
	.flags = CMD_RW,
	.type = PROTO_HOSTKEY_IMPORT,
	.exec = cli_hostkey_import,
};

const struct cmd_entry cmd_hostkey_reject_entry = {
	.name = "hostkey reject",
	.usage = "hostkey reject TARGET FINGERPRINT [--json]",
	.help = "forget a pending host key of a target without "
	    "accepting it",
	.min_args = 2, .max_args = 2,
	.options = "json",
	.flags = CMD_RW,
	.type = PROTO_HOSTKEY_REJECT,
	.exec = cli_hostkey_reject,
};

#define KNOWN_HOSTS_MAX	(8 * 1024 * 1024)

/* After "HOST KEY CHANGED for T: it presents TYPE FP ...", say how to
 * accept the new key once it has been verified. */
static void
changed_hint(const struct cli_args *a, const char *msg)
{
	const char	*p;
	int		 n;

	if (strncmp(msg, "HOST KEY CHANGED for ", 21) != 0 ||
	    (p = strstr(msg, " presents ")) == NULL ||
	    (p = strchr(p + 10, ' ')) == NULL)
		return;
	p++;
	n = (int)strcspn(p, " ");
	if (strncmp(p, "SHA256:", 7) != 0 || a->npos < 1)
		return;
	fprintf(stderr, "If the change is expected, verify the new key out "
	    "of band (ssh-keygen -lf on the host), then run:\n"
	    "    opsicle hostkey accept %s --fingerprint %.*s\n", a->pos[0],
	    n, p);
}

/* One request; *result on success (caller frees). Returns the exit code. */
static int
request(const struct cli_args *a, json_t *msg, json_t **result)
{
	struct cli_conn	 c;
	struct ops_err	 err;
	int		 rc, may_start;

	*result = NULL;
	may_start = !a->no_start && (a->e->flags & CMD_F_START_DAEMON);
	if ((rc = client_open(&c, may_start, &err)) != OPS_OK) {
		fprintf(stderr, "opsicle: %s\n", ops_err_msg(&err));
		rc = c.refused ? EXIT_REFUSED : EXIT_NODAEMON;
		client_close(&c);
		return rc;
	}
	rc = client_request(&c, msg, result, &err);
	if (rc != OPS_OK) {
		fprintf(stderr, "opsicle %s: %s\n", a->e->name,
		    ops_err_msg(&err));
		changed_hint(a, ops_err_msg(&err));
		rc = c.refused ? EXIT_REFUSED : EXIT_NODAEMON;
	} else
		rc = 0;
	client_close(&c);
	return rc;
}

/* ---- target add / import --accept-new-hostkey ------------------------- */

/* One host key of a reply through the codec; a bad one is said, and
 * left out. */
static int
key_decode(const json_t *o, struct hostkey_rec *k)
{
	struct ops_err	err;

	if (hostkey_rec_decode(o, k, &err) == OPS_OK)
		return 0;
	cli_errmsg(NULL, ops_err_msg(&err));
	return -1;
}

int
cli_send_accept_new(const struct cli_args *a, json_t *msg,
    void (*show)(const struct cli_args *, const json_t *))
{
	struct hostkey_rec	 hk;
	const json_t	*v;
	json_t		*r = NULL;
	size_t		 i;
	int		 rc;

	proto_add_bool(msg, "accept_new_hostkey", 1, NULL);
	if ((rc = request(a, msg, &r)) != 0)
		return rc;
	if (a->json)
		cli_print_json(r);
	else {
		if (show != NULL)
			show(a, r);
		json_array_foreach(json_object_get(r, "hostkeys"), i, v)
			if (key_decode(v, &hk) == 0)
				printf("%s: accepted host key %s %s\n",
				    cli_dash(hk.target), cli_dash(hk.type),
				    hk.fingerprint);
		json_array_foreach(json_object_get(r, "hostkey_errors"), i, v)
			fprintf(stderr, "opsicle %s: %s: no host key stored "
			    "(target added): %s\n", a->e->name,
			    cli_str(v, "target"), cli_str(v, "message"));
	}
	if (json_array_size(json_object_get(r, "hostkey_errors")) > 0)
		rc = EXIT_REFUSED;
	json_decref(r);
	return rc;
}

/* ---- hostkey list ------------------------------------------------------ */

static void
row(char **cells, size_t *n, const char *t, const char *status,
    const char *kind, const char *type, const char *fp, long long ms)
{
	char	when[32];

	if (ms > 0)
		cli_time(ms, when, sizeof(when));
	else
		snprintf(when, sizeof(when), "-");
	cells[(*n)++] = strdup(t);
	cells[(*n)++] = strdup(status);
	cells[(*n)++] = strdup(kind);
	cells[(*n)++] = strdup(type);
	cells[(*n)++] = strdup(fp);
	cells[(*n)++] = strdup(when);
}

static void
show_list(const struct cli_args *a, const json_t *r)
{
	struct hostkey_rec	 hk;
	const json_t	*t, *k;
	char		**cells;
	size_t		 i, j, nrows = 1, n = 0;

	(void)a;
	json_array_foreach(r, i, t)
		nrows += 1 + json_array_size(json_object_get(t, "known")) +
		    json_array_size(json_object_get(t, "pending"));
	if ((cells = calloc(nrows * 6, sizeof(*cells))) == NULL)
		return;
	row(cells, &n, "TARGET", "STATUS", "KEY", "TYPE", "FINGERPRINT", 0);
	free(cells[5]);
	cells[5] = strdup("ADDED/SEEN");
	json_array_foreach(r, i, t) {
		const char *name = cli_str(t, "target");
		const char *st = cli_str(t, "status");

		if (json_array_size(json_object_get(t, "known")) == 0 &&
		    json_array_size(json_object_get(t, "pending")) == 0)
			row(cells, &n, name, st, "-", "-", "-", 0);
		json_array_foreach(json_object_get(t, "known"), j, k)
			if (key_decode(k, &hk) == 0)
				row(cells, &n, name, st, "known", cli_dash(hk.type),
				    hk.fingerprint, hk.added);
		json_array_foreach(json_object_get(t, "pending"), j, k)
			if (key_decode(k, &hk) == 0)
				row(cells, &n, name, st, "pending",
				    cli_dash(hk.type), hk.fingerprint,
				    hk.last_seen);
	}
	cli_table(cells, n / 6, 6);
	for (i = 0; i < n; i++)
		free(cells[i]);
	free(cells);
	json_array_foreach(r, i, t)
		if (strcmp(cli_str(t, "status"), "changed") == 0)
			fprintf(stderr, "WARNING: %s presented a host key that "
			    "differs from its known keys; verify it before "
			    "accepting it with --fingerprint\n",
			    cli_str(t, "target"));
}

int
cli_hostkey_list(const struct cli_args *a)
{
	json_t	*m = cli_msg(a);
	int	 rc;

	if (a->npos > 0)
		proto_add_str(m, "target", a->pos[0], NULL);
	rc = cli_send(a, m, show_list);
	json_decref(m);
	return rc;
}

/* ---- hostkey accept ---------------------------------------------------- */

static void
show_accept(const struct cli_args *a, const json_t *r)
{
	(void)a;
	if (strcmp(cli_str(r, "status"), "already-known") == 0)
		printf("%s: host key %s is already known; nothing changed\n",
		    cli_str(r, "target"), cli_str(r, "fingerprint"));
	else
		printf("%s: accepted host key %s %s\n", cli_str(r, "target"),
		    cli_str(r, "type"), cli_str(r, "fingerprint"));
}

int
cli_hostkey_accept(const struct cli_args *a)
{
	const char	*fp = cli_opt(a, "fingerprint");
	json_t		*m = cli_msg(a), *r = NULL;
	int		 rc;

	proto_add_str(m, "target", a->pos[0], NULL);
	if (fp != NULL && proto_add_str(m, "fingerprint", fp, NULL) !=
	    OPS_OK) {
		fprintf(stderr, "opsicle hostkey accept: malformed "
		    "fingerprint\n");
		json_decref(m);
		return EXIT_USAGE;
	}
	if ((rc = request(a, m, &r)) == 0) {
		if (a->json)
			cli_print_json(r);
		else
			show_accept(a, r);
	}
	json_decref(r);
	json_decref(m);
	return rc;
}

/* ---- hostkey reject ---------------------------------------------------- */

int
cli_hostkey_reject(const struct cli_args *a)
{
	json_t	*m = cli_msg(a), *r = NULL;
	int	 rc;

	proto_add_str(m, "target", a->pos[0], NULL);
	if (proto_add_str(m, "fingerprint", a->pos[1], NULL) != OPS_OK) {
		fprintf(stderr, "opsicle hostkey reject: malformed "
		    "fingerprint\n");
		json_decref(m);
		return EXIT_USAGE;
	}
	if ((rc = request(a, m, &r)) == 0) {
		if (a->json)
			cli_print_json(r);
		else
			printf("%s: rejected pending host key %s %s\n",
			    cli_str(r, "target"), cli_str(r, "type"),
			    cli_str(r, "fingerprint"));
	}
	json_decref(r);
	json_decref(m);
	return rc;
}

/* ---- hostkey import ---------------------------------------------------- */

static char *
slurp(FILE *fp, const char *path, size_t *len, struct ops_err *err)
{
	char	*buf;
	size_t	 n;

	if ((buf = malloc(KNOWN_HOSTS_MAX + 1)) == NULL) {
		ops_err_set(err, OPS_E_NOMEM, "read %s", path);
		return NULL;
	}
	n = fread(buf, 1, KNOWN_HOSTS_MAX + 1, fp);
	if (ferror(fp) || n > KNOWN_HOSTS_MAX) {
		if (ferror(fp))
			ops_err_errno(err, OPS_E_IO, "read %s", path);
		else
			ops_err_set(err, OPS_E_TOOBIG, "%s is larger than %d "
			    "bytes", path, KNOWN_HOSTS_MAX);
		free(buf);
		return NULL;
	}
	buf[n] = '\0';
	*len = n;
	return buf;
}

static void
show_import(const struct cli_args *a, const json_t *r)
{
	const json_t	*t, *k;
	size_t		 i, j;

	(void)a;
	json_array_foreach(json_object_get(r, "targets"), i, t)
		json_array_foreach(json_object_get(t, "added"), j, k)
			printf("%s: added host key %s %s\n",
			    cli_str(k, "target"), cli_str(k, "type"),
			    cli_str(k, "fingerprint"));
	json_array_foreach(json_object_get(r, "revoked"), i, k)
		printf("%s: host key %s %s is @revoked: not imported%s\n",
		    cli_str(k, "target"), cli_str(k, "type"),
		    cli_str(k, "fingerprint"),
		    json_is_true(json_object_get(k, "removed")) ?
		    "; removed from its known keys" : "");
	if (cli_int(r, "cert_authority_skipped") > 0)
		printf("note: %lld @cert-authority lines skipped (opsicle does "
		    "not use host certificates)\n",
		    cli_int(r, "cert_authority_skipped"));
	printf("%lld host keys added, %lld already known, %lld targets "
	    "matched in %s\n", cli_int(r, "added"),
	    cli_int(r, "already_known"), cli_int(r, "targets_matched"),
	    cli_str(r, "source"));
}

int
cli_hostkey_import(const struct cli_args *a)
{
	const char	*path = a->npos > 0 ? a->pos[0] : NULL, *home;
	char		 def[4096], *text = NULL;
	struct ops_err	 err;
	FILE		*fp;
	json_t		*m;
	size_t		 len = 0;
	int		 rc;

	if (path == NULL) {
		if ((home = getenv("HOME")) == NULL || *home == '\0') {
			fprintf(stderr, "opsicle hostkey import: HOME is not "
			    "set; give the known_hosts file\n");
			return EXIT_USAGE;
		}
		snprintf(def, sizeof(def), "%s/.ssh/known_hosts", home);
		path = def;
	}
	if (strcmp(path, "-") == 0)
		text = slurp(stdin, "standard input", &len, &err);
	else if ((fp = fopen(path, "r")) == NULL)
		ops_err_errno(&err, OPS_E_IO, "open %s", path);
	else {
		text = slurp(fp, path, &len, &err);
		fclose(fp);
	}
	if (text == NULL) {
		fprintf(stderr, "opsicle hostkey import: %s\n",
		    ops_err_msg(&err));
		return EXIT_REFUSED;
	}
	m = cli_msg(a);
	if (proto_add_strn(m, "text", text, len, &err) != OPS_OK ||
	    proto_add_str(m, "source", strcmp(path, "-") == 0 ? "stdin" :
	    path, &err) != OPS_OK) {
		fprintf(stderr, "opsicle hostkey import: %s: %s\n", path,
		    ops_err_msg(&err));
		free(text);
		json_decref(m);
		return EXIT_REFUSED;
	}
	free(text);
	rc = cli_send(a, m, show_import);
	json_decref(m);
	return rc;
}

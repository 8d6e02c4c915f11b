/*
 * cli-import.c: target import. The CLI reads the file and sends its
 * text in one target-import request; the daemon parses it (core/import-
 * *.c) and adds every new host in one transaction, so a bad entry
 * imports nothing. Prints what was added, skipped and warned about, and
 * which key files the added hosts need. With --create-creds the CLI
 * parses the file too, to find the key files (IdentityFile,
 * ansible_ssh_private_key_file): it expands "~", %d and %u as the
 * importing user's, reads each file like cred add --ssh-key does and
 * sends them in the same (sensitive) request; their JSON copies are
 * wiped once it is sent. --ansible reads YAML when the file name ends in
 * .yml or .yaml or its first line is "---" or "NAME:".
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <pwd.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <sodium.h>

#include "import.h"
#include "secret-read.h"
#include "secret.h"
#include "termsafe.h"
#include "tui.h"

/* ---- command entries (listed in cli-table.c) ---------------------------- */

/* The entries are the way in: the functions that run them are static. */
static cli_exec_fn	cli_target_import;

const struct cmd_entry cmd_target_import_entry = {
	.name = "target import",
	.usage = "target import --ssh-config FILE | --ansible FILE "
	    "[--cred CRED | --create-creds] [--tag TAG]... [--dry-run] "
	    "[--accept-new-hostkey] [--json]",
	.help = "add targets from an ssh_config file or an Ansible INI "
	    "or YAML inventory; --cred and --tag apply to every target, "
	    "--create-creds makes a key credential per IdentityFile; "
	    "hosts behind ProxyJump/ProxyCommand are skipped",
	.min_args = 0, .max_args = 0,
	.options = "ssh-config= ansible= cred= create-creds dry-run tag=* "
	    "accept-new-hostkey json",
	.flags = CMD_RW,
	.type = PROTO_TARGET_IMPORT,
	.exec = cli_target_import,
};

#define IMPORT_FILE_MAX	(8 * 1024 * 1024)

static char *
read_file(const char *path, size_t *len, struct ops_err *err)
{
	FILE	*fp;
	char	*buf;
	size_t	 n;

	if ((fp = fopen(path, "r")) == NULL) {
		ops_err_errno(err, OPS_E_IO, "open %s", path);
		return NULL;
	}
	if ((buf = malloc(IMPORT_FILE_MAX + 1)) == NULL) {
		fclose(fp);
		ops_err_set(err, OPS_E_NOMEM, "read %s", path);
		return NULL;
	}
	n = fread(buf, 1, IMPORT_FILE_MAX + 1, fp);
	if (ferror(fp) || n > IMPORT_FILE_MAX) {
		if (ferror(fp))
			ops_err_errno(err, OPS_E_IO, "read %s", path);
		else
			ops_err_set(err, OPS_E_TOOBIG, "%s is larger than %d "
			    "bytes", path, IMPORT_FILE_MAX);
		fclose(fp);
		free(buf);
		return NULL;
	}
	fclose(fp);
	buf[n] = '\0';
	*len = n;
	return buf;
}

/* Is the Ansible inventory text YAML? */
static int
is_yaml(const char *path, const char *text, size_t len)
{
	size_t		 n = strlen(path), i, e;
	const char	*l;

	if ((n > 4 && strcmp(path + n - 4, ".yml") == 0) ||
	    (n > 5 && strcmp(path + n - 5, ".yaml") == 0))
		return 1;
	for (i = 0; i < len; i = e + 1) {
		for (e = i; e < len && text[e] != '\n'; e++)
			;
		l = text + i;
		while (l < text + e && (*l == ' ' || *l == '\t'))
			l++;
		if (l == text + e || *l == '#' || *l == ';')
			continue;
		if (e - (size_t)(l - text) >= 3 && strncmp(l, "---", 3) == 0)
			return 1;
		while (e > i && (text[e - 1] == ' ' || text[e - 1] == '\t' ||
		    text[e - 1] == '\r'))
			e--;
		return e > i && text[e - 1] == ':' && *l != '[';
	}
	return 0;
}

/* path with a leading ~, and %d, %u and %%, expanded for this user. */
static int
expand_path(const char *path, char *out, size_t len, struct ops_err *err)
{
	const struct passwd	*pw = getpwuid(getuid());
	const char		*home = getenv("HOME"), *rep;
	size_t			 o = 0, i = 0, n;

	if (home == NULL || *home == '\0')
		home = pw != NULL ? pw->pw_dir : "/";
	if (path[0] == '~' && (path[1] == '/' || path[1] == '\0')) {
		o = (size_t)snprintf(out, len, "%s", home);
		i = 1;
	} else if (path[0] == '~')
		return ops_err_set(err, OPS_E_INVAL, "key file %.128s: only "
		    "~/ (your own home) is supported", path);
	for (; path[i] != '\0' && o < len; i++) {
		rep = NULL;
		if (path[i] == '%') {
			switch (path[++i]) {
			case 'd':
				rep = home;
				break;
			case 'u':
				rep = pw != NULL ? pw->pw_name : "";
				break;
			case '%':
				rep = "%";
				break;
			default:
				return ops_err_set(err, OPS_E_INVAL, "key file "
				    "%.128s: the token %%%c is not supported",
				    path, path[i] != '\0' ? path[i] : ' ');
			}
			n = strlen(rep);
			if (o + n >= len)
				break;
			memcpy(out + o, rep, n);
			o += n;
		} else
			out[o++] = path[i];
	}
	if (o >= len)
		return ops_err_set(err, OPS_E_INVAL, "key file %.128s: path "
		    "too long", path);
	out[o] = '\0';
	return OPS_OK;
}

/* Read one key file for the hosts that use it into keys. */
static int
add_key(json_t *keys, const char *raw, const char *hosts,
    struct ops_err *err)
{
	struct secret	*sec = NULL;
	char		 path[4096];
	json_t		*o;
	int		 fd, rc;

	if ((rc = expand_path(raw, path, sizeof(path), err)) != OPS_OK)
		return rc;
	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) == -1)
		return ops_err_errno(err, OPS_E_IO, "key file %.128s (for "
		    "%.64s): open %.128s", raw, hosts, path);
	rc = secret_read_fd(fd, SECRET_READ_FD_MAX, &sec, err);
	close(fd);
	if (rc != OPS_OK)
		return rc;
	switch (import_key_kind(secret_cdata(sec), secret_len(sec))) {
	case IMPORT_KEY_PRIVATE:
		break;
	case IMPORT_KEY_ENCRYPTED:
		rc = ops_err_set(err, OPS_E_INVAL, "key file %.128s (for "
		    "%.64s) is encrypted: add it with opsicle cred add NAME "
		    "--ssh-key %.128s --key-passphrase, then import with --cred "
		    "NAME", raw, hosts, path);
		goto out;
	case IMPORT_KEY_PUBLIC:
		rc = ops_err_set(err, OPS_E_INVAL, "key file %.128s (for "
		    "%.64s) holds a public key, not the private key", raw,
		    hosts);
		goto out;
	default:
		rc = ops_err_set(err, OPS_E_INVAL, "key file %.128s (for "
		    "%.64s) is not an SSH private key", raw, hosts);
		goto out;
	}
	if ((o = json_pack("{s:s, s:s%}", "path", raw, "key",
	    (const char *)secret_cdata(sec), secret_len(sec))) == NULL) {
		rc = ops_err_set(err, OPS_E_INVAL, "key file %.128s is not "
		    "text", raw);
		goto out;
	}
	json_array_append_new(keys, o);
out:
	secret_free(sec);
	return rc;
}

/* The names of the hosts of l that use key file id, for messages. */
static void
hosts_of(const struct import_list *l, const char *id, char *buf, size_t len)
{
	size_t	i, o = 0;

	buf[0] = '\0';
	for (i = 0; i < l->n && o + 1 < len; i++)
		if (l->v[i].identity != NULL && l->v[i].proxy == NULL &&
		    strcmp(l->v[i].identity, id) == 0)
			o += (size_t)snprintf(buf + o, len - o, "%s%s",
			    o > 0 ? " " : "", l->v[i].name);
}

/* --create-creds: every key file the hosts of text name, into m. */
static int
read_keys(json_t *m, const char *format, const char *text, size_t len,
    const char *path, struct ops_err *err)
{
	struct import_list	 l;
	json_t			*keys;
	char			 hosts[128];
	size_t			 i, j;
	int			 rc;

	if (strcmp(format, "ssh-config") == 0)
		rc = import_sshconfig_parse(text, len, path, &l, err);
	else if (strcmp(format, "ansible-ini") == 0)
		rc = import_ansible_parse(text, len, path, &l, err);
	else
		rc = import_yaml_parse(text, len, path, &l, err);
	if (rc != OPS_OK)
		return rc;
	keys = json_array();
	for (i = 0; i < l.n && rc == OPS_OK; i++) {
		if (l.v[i].identity == NULL || l.v[i].proxy != NULL)
			continue;
		for (j = 0; j < i; j++)
			if (l.v[j].identity != NULL && l.v[j].proxy == NULL &&
			    strcmp(l.v[j].identity, l.v[i].identity) == 0)
				break;
		if (j < i)
			continue;
		hosts_of(&l, l.v[i].identity, hosts, sizeof(hosts));
		rc = add_key(keys, l.v[i].identity, hosts, err);
	}
	import_list_free(&l);
	proto_add_json(m, "keys", keys, NULL);
	return rc;
}

/* Wipe the JSON copies of the key files. */
static void
wipe_keys(json_t *m)
{
	json_t	*o, *s;
	size_t	 i;

	json_array_foreach(json_object_get(m, "keys"), i, o) {
		if ((s = json_object_get(o, "key")) != NULL &&
		    json_is_string(s))
			sodium_memzero((void *)(uintptr_t)json_string_value(s),
			    json_string_length(s));
	}
	json_object_del(m, "keys");
}

static void
show_keys(const json_t *keys, int dry)
{
	const json_t	*k, *h;
	const char	*cred, *action;
	char		 name[64], *path;
	size_t		 i, j, n;

	json_array_foreach(keys, i, k) {
		cred = cli_str(k, "cred");
		action = cli_str(k, "action");
		/* The file is the user's, but it may come from anywhere. */
		path = termsafe_strdup(cli_str(k, "path"), 0);
		n = json_array_size(json_object_get(k, "hosts"));
		if (strcmp(action, "created") == 0)
			printf("%s credential %s from %s for %zu target%s\n",
			    dry ? "would create" : "created", cred, path, n,
			    n == 1 ? "" : "s");
		else if (strcmp(action, "reused") == 0)
			printf("%s credential %s (the same key as %s) for %zu "
			    "target%s\n", dry ? "would use" : "using", cred,
			    path, n, n == 1 ? "" : "s");
		else {
			fprintf(stderr, "note: %zu target%s use%s the key %s "
			    "and %s no credential:", n, n == 1 ? "" : "s",
			    n == 1 ? "s" : "", path, n == 1 ? "has" : "have");
			json_array_foreach(json_object_get(k, "hosts"), j, h)
				fprintf(stderr, " %s", json_string_value(h));
			snprintf(name, sizeof(name), "%s", strrchr(path, '/') !=
			    NULL ? strrchr(path, '/') + 1 : path);
			for (j = 0; name[j] != '\0'; j++)
				if (strchr("abcdefghijklmnopqrstuvwxyzABCDEFGHIJ"
				    "KLMNOPQRSTUVWXYZ0123456789._-", name[j]) ==
				    NULL || (j == 0 && name[j] == '-'))
					name[j] = '_';
			fprintf(stderr, "\n  add it with: opsicle cred add %s "
			    "--ssh-key %s\n  then: opsicle target edit", name,
			    path);
			json_array_foreach(json_object_get(k, "hosts"), j, h)
				fprintf(stderr, " %s", json_string_value(h));
			fprintf(stderr, " --set-cred %s\n  (or import with "
			    "--create-creds, which does both)\n", name);
		}
		free(path);
	}
}

static void
show_import(const struct cli_args *a, const json_t *r)
{
	const json_t	*v;
	char		*w;
	size_t		 i;
	int		 dry = json_is_true(json_object_get(r, "dry_run"));

	(void)a;
	json_array_foreach(json_object_get(r, "warnings"), i, v) {
		w = termsafe_strdup(json_string_value(v), 0);
		fprintf(stderr, "warning: %s\n", w);
		free(w);
	}
	json_array_foreach(json_object_get(r, "skipped"), i, v)
		printf("skipped %s: %s\n", cli_str(v, "name"),
		    cli_str(v, "reason"));
	json_array_foreach(json_object_get(r, "added"), i, v)
		printf("%s %s\n", dry ? "would add" : "added",
		    json_string_value(v));
	show_keys(json_object_get(r, "keys"), dry);
	printf("%zu %s, %zu skipped%s\n",
	    json_array_size(json_object_get(r, "added")),
	    dry ? "to add" : "added",
	    json_array_size(json_object_get(r, "skipped")),
	    dry ? " (dry run: nothing changed)" : "");
}

int
cli_target_import(const struct cli_args *a)
{
	const char	*ssh = cli_opt(a, "ssh-config");
	const char	*ans = cli_opt(a, "ansible"), *path, **tags, *format;
	struct ops_err	 err;
	json_t		*m;
	char		*text;
	size_t		 len = 0, n;
	int		 rc;

	if ((ssh == NULL) == (ans == NULL)) {
		fprintf(stderr, "opsicle target import: give either "
		    "--ssh-config FILE or --ansible FILE\n");
		cli_usage(stderr, a->e);
		return EXIT_USAGE;
	}
	if (cli_opt(a, "cred") != NULL && cli_flag(a, "create-creds")) {
		fprintf(stderr, "opsicle target import: give --cred CRED or "
		    "--create-creds, not both\n");
		cli_usage(stderr, a->e);
		return EXIT_USAGE;
	}
	path = ssh != NULL ? ssh : ans;
	if ((text = read_file(path, &len, &err)) == NULL) {
		fprintf(stderr, "opsicle target import: %s\n",
		    ops_err_msg(&err));
		return EXIT_REFUSED;
	}
	format = ssh != NULL ? "ssh-config" : is_yaml(path, text, len) ?
	    "ansible-yaml" : "ansible-ini";
	m = cli_msg(a);
	proto_add_str(m, "format", format, NULL);
	if (proto_add_strn(m, "text", text, len, &err) != OPS_OK ||
	    proto_add_str(m, "source", path, &err) != OPS_OK ||
	    (cli_flag(a, "create-creds") && read_keys(m, format, text, len,
	    path, &err) != OPS_OK)) {
		fprintf(stderr, "opsicle target import: %s: %s\n", path,
		    ops_err_msg(&err));
		free(text);
		wipe_keys(m);
		json_decref(m);
		return EXIT_REFUSED;
	}
	free(text);
	if (cli_flag(a, "dry-run"))
		proto_add_bool(m, "dry_run", 1, NULL);
	if (cli_flag(a, "create-creds"))
		proto_add_bool(m, "create_creds", 1, NULL);
	if (cli_opt(a, "cred") != NULL)
		proto_add_str(m, "cred", cli_opt(a, "cred"), NULL);
	n = cli_opt_all(a, "tag", &tags);
	if (n > 0)
		proto_add_str_array(m, "tags", tags, n, NULL);
	free(tags);
	if (cli_flag(a, "accept-new-hostkey") && !cli_flag(a, "dry-run"))
		rc = cli_send_accept_new(a, m, show_import);	/* hostkeys */
	else
		rc = cli_send(a, m, show_import);
	wipe_keys(m);
	json_decref(m);
	return rc;
}

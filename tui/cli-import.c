/*
 * cli-import.c: target import. The CLI reads the file and sends its
 * text in one target-import request; the daemon parses it (core/import-
 * *.c) and adds every new host in one transaction, so a bad entry
 * imports nothing. Prints what was added, skipped and warned about.
 */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tui.h"

/* ---- command entries (listed in cli-table.c) ---------------------------- */

/* The entries are the way in: the functions that run them are static. */
static cli_exec_fn	cli_target_import;

const struct cmd_entry cmd_target_import_entry = {
	.name = "target import",
	.usage = "target import --ssh-config FILE | --ansible FILE "
	    "[--dry-run] [--tag TAG]... [--accept-new-hostkey] [--json]",
	.help = "add targets from an ssh_config file or an Ansible "
	    "INI inventory",
	.min_args = 0, .max_args = 0,
	.options = "ssh-config= ansible= dry-run tag=* "
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

static void
show_import(const struct cli_args *a, const json_t *r)
{
	const json_t	*v;
	size_t		 i;
	int		 dry = json_is_true(json_object_get(r, "dry_run"));

	(void)a;
	json_array_foreach(json_object_get(r, "warnings"), i, v)
		fprintf(stderr, "warning: %s\n", json_string_value(v));
	json_array_foreach(json_object_get(r, "skipped"), i, v)
		printf("skipped %s: %s\n", cli_str(v, "name"),
		    cli_str(v, "reason"));
	json_array_foreach(json_object_get(r, "added"), i, v)
		printf("%s %s\n", dry ? "would add" : "added",
		    json_string_value(v));
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
	const char	*ans = cli_opt(a, "ansible"), *path, **tags;
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
	path = ssh != NULL ? ssh : ans;
	if ((text = read_file(path, &len, &err)) == NULL) {
		fprintf(stderr, "opsicle target import: %s\n",
		    ops_err_msg(&err));
		return EXIT_REFUSED;
	}
	m = cli_msg(a);
	proto_add_str(m, "format", ssh != NULL ? "ssh-config" : "ansible-ini",
	    NULL);
	if (proto_add_strn(m, "text", text, len, &err) != OPS_OK ||
	    proto_add_str(m, "source", path, &err) != OPS_OK) {
		fprintf(stderr, "opsicle target import: %s: %s\n", path,
		    ops_err_msg(&err));
		free(text);
		json_decref(m);
		return EXIT_REFUSED;
	}
	free(text);
	if (cli_flag(a, "dry-run"))
		proto_add_bool(m, "dry_run", 1, NULL);
	n = cli_opt_all(a, "tag", &tags);
	if (n > 0)
		proto_add_str_array(m, "tags", tags, n, NULL);
	free(tags);
	if (cli_flag(a, "accept-new-hostkey") && !cli_flag(a, "dry-run"))
		rc = cli_send_accept_new(a, m, show_import);	/* hostkeys */
	else
		rc = cli_send(a, m, show_import);
	json_decref(m);
	return rc;
}

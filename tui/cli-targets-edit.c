/*
 * cli-targets-edit.c: target edit with selectors. More than one
 * argument, a glob, a tag or "all", or an option only this form takes
 * (--add-tag, --rm-tag, --set-cred, --dry-run), sends the selectors in
 * one target-edit request; the daemon changes every target they pick in
 * one transaction, or none (daemon/targets-edit.c). Prints each target
 * changed and the count; --dry-run lists them and changes nothing.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "model.h"
#include "tui.h"

int
cli_target_edit_is_many(const struct cli_args *a)
{
	struct selector	s;

	if (a->npos != 1 || cli_opt(a, "set-cred") != NULL ||
	    cli_flag(a, "dry-run") || cli_opt(a, "add-tag") != NULL ||
	    cli_opt(a, "rm-tag") != NULL)
		return 1;
	/* A malformed selector goes to the daemon, which says why. */
	return selector_parse(a->pos[0], &s, NULL) != OPS_OK ||
	    s.kind != SELECTOR_NAME;
}

static void
add_all(const struct cli_args *a, json_t *m, const char *opt,
    const char *key)
{
	const char	**v;
	size_t		  n;

	n = cli_opt_all(a, opt, &v);
	if (n > 0)
		proto_add_str_array(m, key, v, n, NULL);
	free(v);
}

static void
show_edit(const struct cli_args *a, const json_t *r)
{
	const json_t	*v;
	size_t		 i, n, u;
	int		 dry = json_is_true(json_object_get(r, "dry_run"));

	(void)a;
	json_array_foreach(json_object_get(r, "changed"), i, v)
		printf("%s %s\n", dry ? "would change" : "changed",
		    json_string_value(v));
	n = json_array_size(json_object_get(r, "changed"));
	u = json_array_size(json_object_get(r, "unchanged"));
	printf("%zu target%s %s", n, n == 1 ? "" : "s",
	    dry ? "to change" : "changed");
	if (u > 0)
		printf(", %zu already as asked", u);
	printf("%s\n", dry ? " (dry run: nothing changed)" : "");
}

int
cli_target_edit_many(const struct cli_args *a)
{
	const char	*cred = cli_opt(a, "cred"), *p;
	char		*end;
	json_t		*m;
	long		 v;
	int		 rc;

	if (cred != NULL && cli_opt(a, "set-cred") != NULL) {
		fprintf(stderr, "opsicle target edit: give --cred or "
		    "--set-cred, not both\n");
		cli_usage(stderr, a->e);
		return EXIT_USAGE;
	}
	if (cli_opt(a, "tag") != NULL && (cli_opt(a, "add-tag") != NULL ||
	    cli_opt(a, "rm-tag") != NULL)) {
		fprintf(stderr, "opsicle target edit: --tag replaces the tags; "
		    "it does not go with --add-tag or --rm-tag\n");
		cli_usage(stderr, a->e);
		return EXIT_USAGE;
	}
	if (cred == NULL)
		cred = cli_opt(a, "set-cred");
	m = cli_msg(a);
	proto_add_str_array(m, "selectors", (const char *const *)a->pos,
	    (size_t)a->npos, NULL);
	if ((p = cli_opt(a, "port")) != NULL) {
		v = strtol(p, &end, 10);
		if (*p == '\0' || *end != '\0' || v < -1000000 ||
		    v > 1000000) {
			fprintf(stderr, "opsicle target edit: --port needs a "
			    "number, not \"%s\"\n", p);
			json_decref(m);
			return EXIT_USAGE;
		}
		proto_add_int(m, "port", v, NULL);
	}
	if (cli_opt(a, "rename") != NULL)
		proto_add_str(m, "new_name", cli_opt(a, "rename"), NULL);
	if (cli_opt(a, "host") != NULL)
		proto_add_str(m, "host", cli_opt(a, "host"), NULL);
	if (cli_opt(a, "user") != NULL)
		proto_add_str(m, "user", cli_opt(a, "user"), NULL);
	if (cred != NULL)
		proto_add_str(m, "cred", cred, NULL);
	if (cli_opt(a, "note") != NULL)
		proto_add_str(m, "notes", cli_opt(a, "note"), NULL);
	if (cli_flag(a, "no-cred"))
		proto_add_bool(m, "clear_cred", 1, NULL);
	if (cli_flag(a, "dry-run"))
		proto_add_bool(m, "dry_run", 1, NULL);
	add_all(a, m, "tag", "tags");
	add_all(a, m, "add-tag", "add_tags");
	add_all(a, m, "rm-tag", "rm_tags");
	rc = cli_send(a, m, show_edit);
	json_decref(m);
	return rc;
}

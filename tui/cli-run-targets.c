/*
 * cli-run-targets.c: what "opsicle run" runs on, apart from the command:
 * its SELECTOR... and -x/--exclude SELECTOR (opsicle(1) SELECTORS).
 * The selectors are parsed here with the core parser first, so a
 * malformed one is a usage error before anything is sent; they go to the
 * daemon as their items rewritten ("web1,&tag:eu,!db1") and packed into
 * strings of at most OPS_PROTO_MAX_NAME bytes, which the daemon parses
 * again the same way.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "model.h"
#include "tui.h"
#include "xmalloc.h"

/* The items of set with op (0: any), joined by ',' into strings of at
 * most OPS_PROTO_MAX_NAME bytes, added to m as key. */
static int
pack_items(const struct selector_set *set, int exclude, json_t *m,
    const char *key)
{
	char		 buf[OPS_PROTO_MAX_NAME + 1];
	const char	**v;
	char		**own;
	size_t		 i, len = 0, n = 0, il;
	const char	*pre;
	int		 rc = 0;

	v = xcalloc(set->n + 1, sizeof(*v));
	own = xcalloc(set->n + 1, sizeof(*own));
	buf[0] = '\0';
	for (i = 0; i < set->n; i++) {
		/* -x items go without their '!', as -x gave them. */
		if ((set->v[i].op == SELECTOR_OP_NOT) != exclude)
			continue;
		pre = exclude ? "" : selector_op_prefix(set->v[i].op);
		il = strlen(pre) + strlen(set->v[i].text);
		if (il > OPS_PROTO_MAX_NAME) {
			fprintf(stderr, "opsicle run: target selector term "
			    "%s%.32s... is longer than %d bytes\n", pre,
			    set->v[i].text, OPS_PROTO_MAX_NAME);
			rc = EXIT_USAGE;
			goto out;
		}
		if (len > 0 && len + 1 + il > OPS_PROTO_MAX_NAME) {
			v[n] = own[n] = xstrdup(buf);
			n++;
			len = 0;
		}
		len += (size_t)snprintf(buf + len, sizeof(buf) - len, "%s%s%s",
		    len > 0 ? "," : "", pre, set->v[i].text);
	}
	if (len > 0) {
		v[n] = own[n] = xstrdup(buf);
		n++;
	}
	if (n > 0 || !exclude)
		(void)proto_add_str_array(m, key, v, n, NULL);
out:
	for (i = 0; i < n; i++)
		free(own[i]);
	free(own);
	free(v);
	return rc;
}

int
cli_run_selectors(const struct cli_args *a, char *const *sel, int nsel,
    json_t *m)
{
	struct selector_set	 set;
	struct ops_err		 err;
	const char		**x = NULL;
	size_t			 nx, i;
	int			 rc;

	if (selector_set_parse(&set, (const char *const *)sel, (size_t)nsel,
	    &err) != OPS_OK) {
		cli_errmsg("run", ops_err_msg(&err));
		return EXIT_USAGE;
	}
	nx = cli_opt_all(a, "exclude", &x);
	for (i = 0; i < nx; i++)
		if (selector_set_add(&set, x[i], 1, &err) != OPS_OK) {
			cli_errmsg("run", ops_err_msg(&err));
			rc = EXIT_USAGE;
			goto out;
		}
	/* Plain and '&' items, then the '!' and -x ones apart. */
	if ((rc = pack_items(&set, 0, m, "selectors")) == 0)
		rc = pack_items(&set, 1, m, "exclude");
out:
	free(x);
	selector_set_done(&set);
	return rc;
}

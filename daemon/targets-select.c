/*
 * targets-select.c: what a request's selectors pick, for run, push and
 * pull (model.h says how the expressions combine; the store lists the
 * targets).
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "daemon.h"
#include "store.h"
#include "xmalloc.h"

/* "a, !b, &c": the items of set, as written, into buf. */
static void
items_text(const struct selector_set *set, const char *picked_none,
    char *buf, size_t len)
{
	size_t	i, off = 0;
	int	n;

	buf[0] = '\0';
	for (i = 0; i < set->n && off < len; i++) {
		if (picked_none != NULL && !picked_none[i])
			continue;
		n = snprintf(buf + off, len - off, "%s%s%s", off > 0 ? ", " :
		    "", selector_op_prefix(set->v[i].op), set->v[i].text);
		if (n < 0)
			break;
		off += (size_t)n;
	}
}

/*
 * The names selected by the expressions sel and the -x expressions
 * excl (sorted, no duplicates; the strings in *out are borrowed from
 * *l): model.h says how they combine. A malformed selector is refused;
 * so is a term that matches no target at all (every such term is
 * listed: a mistyped "!name" must not go unnoticed), and a set whose
 * terms each match but together select nothing.
 */
int
jobs_resolve_targets(struct ops_ctx *ctx, const char **sel, size_t nsel,
    const char **excl, size_t nexcl, struct store_target_list *l,
    const char ***out, size_t *nout, struct ops_err *err)
{
	struct selector_set	 set;
	char			*none = NULL;
	char			 bad[OPS_ERR_MSG_MAX];
	const struct store_target *t;
	size_t			 i, k, nbad = 0;
	int			 rc;

	*out = NULL;
	*nout = 0;
	if ((rc = selector_set_parse(&set, sel, nsel, err)) != OPS_OK)
		return rc;
	for (i = 0; i < nexcl; i++)
		if ((rc = selector_set_add(&set, excl[i], 1, err)) != OPS_OK)
			goto out;
	if ((rc = store_target_list(ctx->store, NULL, l, err)) != OPS_OK)
		goto out;
	none = xcalloc(set.n + 1, 1);
	*out = xcalloc(l->n + 1, sizeof(**out));
	for (i = 0; i < set.n; i++) {
		none[i] = 1;
		for (k = 0; k < l->n && none[i]; k++) {
			t = &l->v[k];
			if (selector_match(&set.v[i].sel, t->name,
			    (const char *const *)t->tags, t->ntags))
				none[i] = 0;
		}
		nbad += none[i];
	}
	if (nbad > 0) {
		items_text(&set, none, bad, sizeof(bad));
		rc = ops_err_set(err, OPS_E_NOTFOUND, "run: %s no target: "
		    "%s", nbad > 1 ? "these selectors match" :
		    "this selector matches", bad);
		goto out;
	}
	for (k = 0; k < l->n; k++) {
		t = &l->v[k];
		if (selector_set_match(&set, t->name,
		    (const char *const *)t->tags, t->ntags))
			(*out)[(*nout)++] = t->name;
	}
	if (*nout == 0) {
		items_text(&set, NULL, bad, sizeof(bad));
		rc = ops_err_set(err, OPS_E_NOTFOUND, "run: together these "
		    "selectors match no target (each term matches some): %s",
		    bad);
	}
out:
	if (rc != OPS_OK) {
		free(*out);
		*out = NULL;
		*nout = 0;
	}
	free(none);
	selector_set_done(&set);
	return rc;
}

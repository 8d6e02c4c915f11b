/*
 * import-inv.c: the Ansible inventory model the INI and YAML parsers
 * fill (import.h): groups, their variables and children, hosts and
 * theirs, and the precedence that turns them into one import_list.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "import.h"
#include "xmalloc.h"

#define GROUPS_MAX	1000
#define EDGES_MAX	4000
#define CHILD_DEPTH	16

struct import_group {
	char			*name;
	struct import_vars	 v;
	int			 depth;
};

struct import_edge {
	char	*parent;
	char	*child;
};

/* Variables that carry secrets or change the login, which import does
 * not apply; each warns once. */
static const struct {
	const char	*name;
	const char	*why;
} warn_vars[] = {
	{ "ansible_password", "secrets belong in a credential (opsicle "
	    "cred add NAME --password), then import with --cred NAME" },
	{ "ansible_ssh_pass", "secrets belong in a credential (opsicle "
	    "cred add NAME --password), then import with --cred NAME" },
	{ "ansible_become_password", "secrets belong in a credential" },
	{ "ansible_become_pass", "secrets belong in a credential" },
	{ "ansible_sudo_pass", "secrets belong in a credential" },
	{ "ansible_become", "import does not set up become" },
	{ "ansible_become_user", "import does not set up become" },
	{ "ansible_become_method", "import does not set up become" },
	{ "ansible_ssh_private_key_passphrase", "secrets belong in a "
	    "credential (opsicle cred add NAME --ssh-key FILE "
	    "--key-passphrase)" },
	{ "ansible_connection", "every host is imported as an SSH target" },
};

static int
untagged(const char *group)
{
	return group == NULL || group[0] == '\0' ||
	    strcmp(group, "all") == 0 || strcmp(group, "ungrouped") == 0;
}

static void
vars_free(struct import_vars *v)
{
	free(v->host);
	free(v->user);
	free(v->identity);
	free(v->proxy);
	memset(v, 0, sizeof(*v));
}

void
import_inv_init(struct import_inv *inv, const char *source)
{
	memset(inv, 0, sizeof(*inv));
	inv->source = source;
}

void
import_inv_free(struct import_inv *inv)
{
	size_t	i;

	for (i = 0; i < inv->l.n; i++)
		vars_free(&inv->hv[i]);
	free(inv->hv);
	for (i = 0; i < inv->ng; i++) {
		free(inv->g[i].name);
		vars_free(&inv->g[i].v);
	}
	free(inv->g);
	for (i = 0; i < inv->ne; i++) {
		free(inv->e[i].parent);
		free(inv->e[i].child);
	}
	free(inv->e);
	import_list_free(&inv->l);
	import_inv_init(inv, inv->source);
}

static struct import_group *
find_group(struct import_inv *inv, const char *name)
{
	size_t	i;

	for (i = 0; i < inv->ng; i++)
		if (strcmp(inv->g[i].name, name) == 0)
			return &inv->g[i];
	return NULL;
}

int
import_inv_group(struct import_inv *inv, const char *name, unsigned line,
    struct import_vars **vars, struct ops_err *err)
{
	struct import_group	*g;

	if ((g = find_group(inv, name)) == NULL) {
		if (inv->ng >= GROUPS_MAX)
			return ops_err_set(err, OPS_E_TOOBIG, "%s:%u: more "
			    "than %d groups", inv->source, line, GROUPS_MAX);
		inv->g = xreallocarray(inv->g, inv->ng + 1, sizeof(*inv->g));
		g = &inv->g[inv->ng++];
		memset(g, 0, sizeof(*g));
		g->name = xstrdup(name);
	}
	if (vars != NULL)
		*vars = &g->v;
	return OPS_OK;
}

int
import_inv_child(struct import_inv *inv, const char *parent,
    const char *child, unsigned line, struct ops_err *err)
{
	size_t	i;
	int	rc;

	for (i = 0; i < inv->ne; i++)
		if (strcmp(inv->e[i].parent, parent) == 0 &&
		    strcmp(inv->e[i].child, child) == 0)
			return OPS_OK;
	if (inv->ne >= EDGES_MAX)
		return ops_err_set(err, OPS_E_TOOBIG, "%s:%u: more than %d "
		    "group children", inv->source, line, EDGES_MAX);
	if ((rc = import_inv_group(inv, parent, line, NULL, err)) != OPS_OK ||
	    (rc = import_inv_group(inv, child, line, NULL, err)) != OPS_OK)
		return rc;
	inv->e = xreallocarray(inv->e, inv->ne + 1, sizeof(*inv->e));
	inv->e[inv->ne].parent = xstrdup(parent);
	inv->e[inv->ne].child = xstrdup(child);
	inv->ne++;
	return OPS_OK;
}

static const char *
port_colon(const char *name)
{
	const char	*p, *colon = NULL;
	int		 depth = 0, n = 0;

	for (p = name; *p != '\0'; p++) {
		if (*p == '[')
			depth++;
		else if (*p == ']')
			depth--;
		else if (*p == ':' && depth == 0) {
			colon = p;
			n++;
		}
	}
	return n == 1 ? colon : NULL;
}

int
import_inv_hosts(struct import_inv *inv, const char *name, const char *group,
    unsigned line, size_t **idx, size_t *n, struct ops_err *err)
{
	struct import_host	*h;
	char			**names = NULL, *bare = NULL;
	const char		 *colon;
	size_t			  nn = 0, i, before;
	int			  rc, port = 0;

	*idx = NULL;
	*n = 0;
	if (group != NULL && *group != '\0' && (rc = import_inv_group(inv,
	    group, line, NULL, err)) != OPS_OK)
		return rc;
	/* "host:port", as Ansible takes it: one colon outside the ranges
	 * (more are an IPv6 address). */
	colon = port_colon(name);
	if (colon != NULL) {
		if ((rc = import_port(colon + 1, inv->source, line, &port,
		    err)) != OPS_OK)
			return rc;
		bare = xstrndup(name, (size_t)(colon - name));
	}
	rc = import_range_expand(bare != NULL ? bare : name, inv->source,
	    line, &names, &nn, err);
	free(bare);
	if (rc != OPS_OK)
		return rc;
	for (i = 0; i < nn; i++) {
		before = inv->l.n;
		if ((h = import_host_get(&inv->l, names[i], line, err,
		    inv->source)) == NULL) {
			rc = err != NULL ? err->code : OPS_E_NOMEM;
			goto out;
		}
		if (inv->l.n != before) {
			inv->hv = xreallocarray(inv->hv, inv->l.n,
			    sizeof(*inv->hv));
			memset(&inv->hv[before], 0, sizeof(*inv->hv));
		}
		if (port != 0)
			inv->hv[h - inv->l.v].port = port;
		if (i == 0)
			*idx = xreallocarray(NULL, nn, sizeof(**idx));
		(*idx)[i] = (size_t)(h - inv->l.v);
		*n = i + 1;
		if (!untagged(group) && (rc = import_host_tag(h, group,
		    inv->source, err)) != OPS_OK)
			goto out;
	}
	rc = OPS_OK;
out:
	for (i = 0; i < nn; i++)
		free(names[i]);
	free(names);
	return rc;
}

/* Does an ssh argument string send the connection through another host? */
static int
jumps(const char *args)
{
	return strstr(args, "ProxyJump") != NULL ||
	    strstr(args, "ProxyCommand") != NULL ||
	    strstr(args, "-J ") != NULL || strstr(args, "-J") == args ||
	    strstr(args, " -J") != NULL;
}

static void
set_str(char **dst, const char *value)
{
	free(*dst);
	*dst = xstrdup(value);
}

int
import_inv_var(struct import_inv *inv, struct import_vars *v, const char *key,
    const char *value, unsigned line, struct ops_err *err)
{
	char	**dst = NULL;
	size_t	  i;

	if (strcmp(key, "ansible_host") == 0 ||
	    strcmp(key, "ansible_ssh_host") == 0)
		dst = &v->host;
	else if (strcmp(key, "ansible_user") == 0 ||
	    strcmp(key, "ansible_ssh_user") == 0)
		dst = &v->user;
	else if (strcmp(key, "ansible_ssh_private_key_file") == 0 ||
	    strcmp(key, "ansible_private_key_file") == 0)
		dst = &v->identity;
	else if (strcmp(key, "ansible_port") == 0 ||
	    strcmp(key, "ansible_ssh_port") == 0)
		return import_port(value, inv->source, line, &v->port, err);
	else if (strcmp(key, "ansible_ssh_common_args") == 0 ||
	    strcmp(key, "ansible_ssh_extra_args") == 0) {
		free(v->proxy);
		/* "" records "direct" so that it overrides a group's jump. */
		v->proxy = jumps(value) ? xasprintf("%s %.128s (%s:%u)", key,
		    value, inv->source, line) : xstrdup("");
		return OPS_OK;
	} else {
		for (i = 0; i < sizeof(warn_vars) / sizeof(warn_vars[0]); i++)
			if (strcmp(key, warn_vars[i].name) == 0)
				break;
		if (i < sizeof(warn_vars) / sizeof(warn_vars[0]) &&
		    !(inv->warned & (1u << i))) {
			inv->warned |= 1u << i;
			import_warn(&inv->l, inv->source, line, "%s ignored: "
			    "%s", key, warn_vars[i].why);
		}
		return OPS_OK;
	}
	if (*value == '\0')
		return ops_err_set(err, OPS_E_INVAL, "%s:%u: %s needs a "
		    "value", inv->source, line, key);
	set_str(dst, value);
	return OPS_OK;
}

/*
 * Group depth: "all" is 0, a group is one deeper than its deepest
 * parent (top-level groups are children of all). CHILD_DEPTH passes
 * settle any acyclic inventory and cut cycles.
 */
static void
depths(struct import_inv *inv)
{
	struct import_group	*p, *c;
	size_t			 i;
	int			 pass, changed;

	for (i = 0; i < inv->ng; i++)
		inv->g[i].depth = strcmp(inv->g[i].name, "all") == 0 ? 0 : 1;
	for (pass = 0; pass < CHILD_DEPTH; pass++) {
		changed = 0;
		for (i = 0; i < inv->ne; i++) {
			p = find_group(inv, inv->e[i].parent);
			c = find_group(inv, inv->e[i].child);
			if (p == NULL || c == NULL || c->depth == 0 ||
			    c->depth > p->depth)
				continue;
			c->depth = p->depth + 1;
			changed = 1;
		}
		if (!changed)
			break;
	}
}

/*
 * Tags through children: a host tagged with a child group also gets its
 * parents' tags, to CHILD_DEPTH levels (which also cuts cycles).
 */
static int
propagate(struct import_inv *inv, struct import_host *h, struct ops_err *err)
{
	size_t	j, k, before;
	int	depth, rc;

	for (depth = 0; depth < CHILD_DEPTH; depth++) {
		before = h->ntags;
		for (j = 0; j < inv->ne; j++) {
			for (k = 0; k < h->ntags; k++)
				if (strcmp(h->tags[k], inv->e[j].child) == 0)
					break;
			if (k == h->ntags || untagged(inv->e[j].parent))
				continue;
			if ((rc = import_host_tag(h, inv->e[j].parent,
			    inv->source, err)) != OPS_OK)
				return rc;
		}
		if (h->ntags == before)
			break;
	}
	return OPS_OK;
}

static int
by_precedence(const void *a, const void *b)
{
	const struct import_group	*x = *(const struct import_group *const *)a;
	const struct import_group	*y = *(const struct import_group *const *)b;

	if (x->depth != y->depth)
		return y->depth - x->depth;
	return strcmp(y->name, x->name);
}

static void
fill(char **dst, const char *value)
{
	if (*dst == NULL && value != NULL)
		*dst = xstrdup(value);
}

/* h's values: its own, then its groups' in precedence order, then all's. */
static void
apply(struct import_inv *inv, struct import_host *h, struct import_vars *hv)
{
	struct import_group	*gs[IMPORT_TAGS_MAX + 2], *g;
	const struct import_vars *v;
	size_t			 n = 0, i;

	for (i = 0; i < h->ntags; i++)
		if ((g = find_group(inv, h->tags[i])) != NULL)
			gs[n++] = g;
	if (h->ntags == 0 && (g = find_group(inv, "ungrouped")) != NULL)
		gs[n++] = g;
	qsort(gs, n, sizeof(gs[0]), by_precedence);
	if ((g = find_group(inv, "all")) != NULL)
		gs[n++] = g;
	for (i = 0; i <= n; i++) {
		v = i == 0 ? hv : &gs[i - 1]->v;
		fill(&h->host, v->host);
		fill(&h->user, v->user);
		fill(&h->identity, v->identity);
		fill(&h->proxy, v->proxy);
		if (h->port == 0)
			h->port = v->port;
	}
	if (h->host == NULL)
		h->host = xstrdup(h->name);
	if (h->proxy != NULL && *h->proxy == '\0') {
		free(h->proxy);
		h->proxy = NULL;
	}
}

int
import_inv_done(struct import_inv *inv, struct import_list *out,
    struct ops_err *err)
{
	size_t	i;
	int	rc;

	memset(out, 0, sizeof(*out));
	depths(inv);
	for (i = 0; i < inv->l.n; i++) {
		if ((rc = propagate(inv, &inv->l.v[i], err)) != OPS_OK)
			return rc;
		apply(inv, &inv->l.v[i], &inv->hv[i]);
	}
	*out = inv->l;
	for (i = 0; i < inv->l.n; i++)
		vars_free(&inv->hv[i]);
	memset(&inv->l, 0, sizeof(inv->l));
	return OPS_OK;
}

/*
 * import-ansible.c: hosts from an Ansible INI inventory (import.h).
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "import.h"

#define GROUPS_MAX	1000
#define CHILD_DEPTH	16

enum section {
	SEC_HOSTS,
	SEC_CHILDREN,
	SEC_VARS,
};

/* "[parent:children]" lines: one edge per child named. */
struct edge {
	char	*parent;
	char	*child;
};

struct state {
	struct import_list	 l;
	struct edge		*edges;
	size_t			 nedges;
	const char		*source;
};

static int
untagged(const char *group)
{
	return group[0] == '\0' || strcmp(group, "all") == 0 ||
	    strcmp(group, "ungrouped") == 0;
}

/* Strip blanks around s in place. */
static char *
trim(char *s)
{
	char	*e;

	while (*s == ' ' || *s == '\t')
		s++;
	e = s + strlen(s);
	while (e > s && (e[-1] == ' ' || e[-1] == '\t'))
		*--e = '\0';
	return s;
}

/* The next token: a run of non-blanks, with 'x' or "x" quoted values
 * after '=' unquoted in place. NULL at the end; *bad on a lone quote. */
static char *
token(char **p, int *bad)
{
	char	*s = *p, *t, *o, q;

	*bad = 0;
	while (*s == ' ' || *s == '\t')
		s++;
	if (*s == '\0' || *s == '#' || *s == ';')
		return NULL;
	t = o = s;
	while (*s != '\0' && *s != ' ' && *s != '\t') {
		if (*s == '\'' || *s == '"') {
			q = *s++;
			while (*s != '\0' && *s != q)
				*o++ = *s++;
			if (*s != q) {
				*bad = 1;
				return NULL;
			}
			s++;
			continue;
		}
		*o++ = *s++;
	}
	if (*s != '\0')
		s++;
	*o = '\0';
	*p = s;
	return t;
}

static int
add_edge(struct state *st, const char *parent, const char *child,
    unsigned lineno, struct ops_err *err)
{
	struct edge	*e;

	if (st->nedges >= GROUPS_MAX)
		return ops_err_set(err, OPS_E_TOOBIG, "%s:%u: more than %d "
		    "group children", st->source, lineno, GROUPS_MAX);
	if ((e = realloc(st->edges, (st->nedges + 1) * sizeof(*e))) == NULL)
		return ops_err_set(err, OPS_E_NOMEM, "out of memory");
	st->edges = e;
	e[st->nedges].parent = strdup(parent);
	e[st->nedges].child = strdup(child);
	st->nedges++;
	if (e[st->nedges - 1].parent == NULL || e[st->nedges - 1].child == NULL)
		return ops_err_set(err, OPS_E_NOMEM, "out of memory");
	return OPS_OK;
}

/* One host line of group (may be ""). */
static int
host_line(struct state *st, char *rest, const char *group, unsigned lineno,
    struct ops_err *err)
{
	struct import_host	*h;
	char			*name, *t, *eq, **dst;
	int			 bad, rc, port;

	if ((name = token(&rest, &bad)) == NULL)
		return bad ? ops_err_set(err, OPS_E_INVAL, "%s:%u: "
		    "unterminated quote", st->source, lineno) : OPS_OK;
	if (strchr(name, '[') != NULL || strchr(name, '=') != NULL) {
		import_warn(&st->l, st->source, lineno, "skipped %s \"%.64s\"",
		    strchr(name, '[') != NULL ? "host range" : "line", name);
		return OPS_OK;
	}
	if ((h = import_host_get(&st->l, name, lineno, err,
	    st->source)) == NULL)
		return err != NULL ? err->code : OPS_E_NOMEM;
	if (!untagged(group) && (rc = import_host_tag(h, group, st->source,
	    err)) != OPS_OK)
		return rc;
	while ((t = token(&rest, &bad)) != NULL) {
		if ((eq = strchr(t, '=')) == NULL || eq == t)
			return ops_err_set(err, OPS_E_INVAL, "%s:%u: expected "
			    "key=value after the host name, not \"%.32s\"",
			    st->source, lineno, t);
		*eq++ = '\0';
		dst = NULL;
		if (strcmp(t, "ansible_host") == 0 ||
		    strcmp(t, "ansible_ssh_host") == 0)
			dst = &h->host;
		else if (strcmp(t, "ansible_user") == 0 ||
		    strcmp(t, "ansible_ssh_user") == 0)
			dst = &h->user;
		else if (strcmp(t, "ansible_port") == 0 ||
		    strcmp(t, "ansible_ssh_port") == 0) {
			if ((rc = import_port(eq, st->source, lineno, &port,
			    err)) != OPS_OK)
				return rc;
			h->port = port;
			continue;
		} else
			continue;
		if (*eq == '\0')
			return ops_err_set(err, OPS_E_INVAL, "%s:%u: %s needs "
			    "a value", st->source, lineno, t);
		free(*dst);
		if ((*dst = strdup(eq)) == NULL)
			return ops_err_set(err, OPS_E_NOMEM, "out of memory");
	}
	if (bad)
		return ops_err_set(err, OPS_E_INVAL, "%s:%u: unterminated "
		    "quote", st->source, lineno);
	return OPS_OK;
}

/*
 * Tags through [parent:children]: a host tagged with a child group also
 * gets its parents' tags, to CHILD_DEPTH levels (which also cuts cycles).
 */
static int
propagate(struct state *st, struct ops_err *err)
{
	struct import_host	*h;
	size_t			 i, j, k, before;
	int			 depth, rc;

	for (i = 0; i < st->l.n; i++) {
		h = &st->l.v[i];
		for (depth = 0; depth < CHILD_DEPTH; depth++) {
			before = h->ntags;
			for (j = 0; j < st->nedges; j++) {
				for (k = 0; k < h->ntags; k++)
					if (strcmp(h->tags[k],
					    st->edges[j].child) == 0)
						break;
				if (k == h->ntags ||
				    untagged(st->edges[j].parent))
					continue;
				if ((rc = import_host_tag(h,
				    st->edges[j].parent, st->source,
				    err)) != OPS_OK)
					return rc;
			}
			if (h->ntags == before)
				break;
		}
	}
	return OPS_OK;
}

int
import_ansible_parse(const char *text, size_t len, const char *source,
    struct import_list *out, struct ops_err *err)
{
	struct state	 st;
	enum section	 sec = SEC_HOSTS;
	char		*line = NULL, *p, *end, *colon, group[256] = "";
	size_t		 off = 0, i;
	unsigned	 lineno = 0;
	int		 rc = OPS_OK, bad;

	memset(&st, 0, sizeof(st));
	memset(out, 0, sizeof(*out));
	st.source = source;
	if ((line = malloc(IMPORT_LINE_MAX + 2)) == NULL)
		return ops_err_set(err, OPS_E_NOMEM, "import %s", source);
	while (off < len) {
		lineno++;
		if ((rc = import_next_line(text, len, &off, line,
		    IMPORT_LINE_MAX + 2, source, lineno, err)) != OPS_OK)
			goto out;
		p = trim(line);
		if (*p == '\0' || *p == '#' || *p == ';')
			continue;
		if (*p == '[') {
			if ((end = strchr(p, ']')) == NULL || end == p + 1 ||
			    *trim(end + 1) != '\0' ||
			    (size_t)(end - p) >= sizeof(group)) {
				rc = ops_err_set(err, OPS_E_INVAL, "%s:%u: bad "
				    "section header", source, lineno);
				goto out;
			}
			*end = '\0';
			snprintf(group, sizeof(group), "%s", p + 1);
			sec = SEC_HOSTS;
			if ((colon = strchr(group, ':')) != NULL) {
				*colon++ = '\0';
				if (strcmp(colon, "children") == 0)
					sec = SEC_CHILDREN;
				else if (strcmp(colon, "vars") == 0) {
					sec = SEC_VARS;
					import_warn(&st.l, source, lineno,
					    "skipped [%s:vars]", group);
				} else {
					rc = ops_err_set(err, OPS_E_INVAL,
					    "%s:%u: unknown section kind "
					    "\":%.32s\"", source, lineno, colon);
					goto out;
				}
			}
			continue;
		}
		if (sec == SEC_VARS)
			continue;
		if (sec == SEC_CHILDREN) {
			if ((p = token(&p, &bad)) == NULL && bad) {
				rc = ops_err_set(err, OPS_E_INVAL, "%s:%u: "
				    "unterminated quote", source, lineno);
				goto out;
			}
			if (p != NULL && (rc = add_edge(&st, group, p, lineno,
			    err)) != OPS_OK)
				goto out;
			continue;
		}
		if ((rc = host_line(&st, p, group, lineno, err)) != OPS_OK)
			goto out;
	}
	if ((rc = propagate(&st, err)) != OPS_OK)
		goto out;
	for (i = 0; i < st.l.n; i++)
		if (st.l.v[i].host == NULL &&
		    (st.l.v[i].host = strdup(st.l.v[i].name)) == NULL) {
			rc = ops_err_set(err, OPS_E_NOMEM, "out of memory");
			goto out;
		}
	*out = st.l;
	memset(&st.l, 0, sizeof(st.l));
out:
	free(line);
	import_list_free(&st.l);
	for (i = 0; i < st.nedges; i++) {
		free(st.edges[i].parent);
		free(st.edges[i].child);
	}
	free(st.edges);
	return rc;
}

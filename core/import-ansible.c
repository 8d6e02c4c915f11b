/*
 * import-ansible.c: hosts from an Ansible INI inventory (import.h). The
 * lines fill the inventory model of import-inv.c, which applies the
 * variables' precedence once the whole file is read.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "import.h"
#include "xmalloc.h"

enum section {
	SEC_HOSTS,
	SEC_CHILDREN,
	SEC_VARS,
};

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

/* One host line of group (may be ""). */
static int
host_line(struct import_inv *inv, char *rest, const char *group,
    unsigned lineno, struct ops_err *err)
{
	char	*name, *t, *eq;
	size_t	*idx = NULL, n = 0, i;
	int	 bad, rc;

	if ((name = token(&rest, &bad)) == NULL)
		return bad ? ops_err_set(err, OPS_E_INVAL, "%s:%u: "
		    "unterminated quote", inv->source, lineno) : OPS_OK;
	if (strchr(name, '=') != NULL) {
		import_warn(&inv->l, inv->source, lineno, "skipped line "
		    "\"%.64s\"", name);
		return OPS_OK;
	}
	if ((rc = import_inv_hosts(inv, name, group, lineno, &idx, &n,
	    err)) != OPS_OK)
		goto out;
	while ((t = token(&rest, &bad)) != NULL) {
		if ((eq = strchr(t, '=')) == NULL || eq == t) {
			rc = ops_err_set(err, OPS_E_INVAL, "%s:%u: expected "
			    "key=value after the host name, not \"%.32s\"",
			    inv->source, lineno, t);
			goto out;
		}
		*eq++ = '\0';
		for (i = 0; i < n; i++)
			if ((rc = import_inv_var(inv, &inv->hv[idx[i]], t, eq,
			    lineno, err)) != OPS_OK)
				goto out;
	}
	if (bad)
		rc = ops_err_set(err, OPS_E_INVAL, "%s:%u: unterminated "
		    "quote", inv->source, lineno);
out:
	free(idx);
	return rc;
}

/* One "key=value" line of a [group:vars] section. */
static int
vars_line(struct import_inv *inv, char *p, const char *group,
    unsigned lineno, struct ops_err *err)
{
	struct import_vars	*v;
	char			*eq, *key, *val, *e;
	int			 rc;

	if ((eq = strchr(p, '=')) == NULL || eq == p)
		return ops_err_set(err, OPS_E_INVAL, "%s:%u: expected "
		    "key=value in [%.64s:vars]", inv->source, lineno, group);
	*eq = '\0';
	key = trim(p);
	val = trim(eq + 1);
	if ((*val == '\'' || *val == '"') && (e = strrchr(val + 1,
	    *val)) != NULL && e[1] == '\0') {
		*e = '\0';
		val++;
	} else if (*val == '\'' || *val == '"')
		return ops_err_set(err, OPS_E_INVAL, "%s:%u: unterminated "
		    "quote", inv->source, lineno);
	if ((rc = import_inv_group(inv, group, lineno, &v, err)) != OPS_OK)
		return rc;
	return import_inv_var(inv, v, key, val, lineno, err);
}

int
import_ansible_parse(const char *text, size_t len, const char *source,
    struct import_list *out, struct ops_err *err)
{
	struct import_inv	 inv;
	enum section		 sec = SEC_HOSTS;
	char			*line = NULL, *p, *end, *colon, group[256] = "";
	size_t			 off = 0;
	unsigned		 lineno = 0;
	int			 rc = OPS_OK, bad;

	import_inv_init(&inv, source);
	memset(out, 0, sizeof(*out));
	line = xmalloc(IMPORT_LINE_MAX + 2);
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
				else if (strcmp(colon, "vars") == 0)
					sec = SEC_VARS;
				else {
					rc = ops_err_set(err, OPS_E_INVAL,
					    "%s:%u: unknown section kind "
					    "\":%.32s\"", source, lineno, colon);
					goto out;
				}
			}
			if (group[0] == '\0') {
				rc = ops_err_set(err, OPS_E_INVAL, "%s:%u: bad "
				    "section header", source, lineno);
				goto out;
			}
			continue;
		}
		if (sec == SEC_VARS)
			rc = vars_line(&inv, p, group, lineno, err);
		else if (sec == SEC_CHILDREN) {
			if ((p = token(&p, &bad)) == NULL && bad)
				rc = ops_err_set(err, OPS_E_INVAL, "%s:%u: "
				    "unterminated quote", source, lineno);
			else if (p != NULL)
				rc = import_inv_child(&inv, group, p, lineno,
				    err);
		} else
			rc = host_line(&inv, p, group, lineno, err);
		if (rc != OPS_OK)
			goto out;
	}
	rc = import_inv_done(&inv, out, err);
out:
	free(line);
	import_inv_free(&inv);
	return rc;
}

/*
 * import-yaml.c: hosts from an Ansible YAML inventory (import.h), read
 * with libyaml into a document and walked into the inventory model of
 * import-inv.c. Bounded: a first pass over the events refuses nesting
 * past NEST_MAX (which would make libyaml quadratic) and too many
 * events; the walk takes IMPORT_YAML_DEPTH levels of children and visits
 * at most NODES_MAX nodes in all (aliases can make one node count many
 * times).
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include <yaml.h>

#include "import.h"
#include "xmalloc.h"

#define NODES_MAX	(1000 * 1000)
#define NEST_MAX	64	/* nested mappings and sequences */
#define EVENTS_MAX	(4 * 1000 * 1000)

struct walk {
	struct import_inv	 inv;
	yaml_document_t		*doc;
	size_t			 visited;
};

static unsigned
line_of(const yaml_node_t *n)
{
	return (unsigned)n->start_mark.line + 1;
}

static yaml_node_t *
node(struct walk *w, int id, struct ops_err *err)
{
	yaml_node_t	*n;

	if (++w->visited > NODES_MAX) {
		ops_err_set(err, OPS_E_TOOBIG, "%s: more than %d YAML nodes "
		    "to read (aliases?)", w->inv.source, NODES_MAX);
		return NULL;
	}
	if ((n = yaml_document_get_node(w->doc, id)) == NULL)
		ops_err_set(err, OPS_E_INVAL, "%s: broken YAML document",
		    w->inv.source);
	return n;
}

/* A plain empty, "~" or "null" scalar. */
static int
is_null(const yaml_node_t *n)
{
	const char	*v;

	if (n->type != YAML_SCALAR_NODE ||
	    n->data.scalar.style != YAML_PLAIN_SCALAR_STYLE)
		return 0;
	v = (const char *)n->data.scalar.value;
	return n->data.scalar.length == 0 || strcmp(v, "~") == 0 ||
	    strcmp(v, "null") == 0 || strcmp(v, "Null") == 0 ||
	    strcmp(v, "NULL") == 0;
}

/* The scalar n as a name of at most 255 bytes, or an error naming what. */
static int
scalar(struct walk *w, const yaml_node_t *n, const char *what,
    const char **out, struct ops_err *err)
{
	if (n->type != YAML_SCALAR_NODE)
		return ops_err_set(err, OPS_E_INVAL, "%s:%u: %s must be a "
		    "plain value", w->inv.source, line_of(n), what);
	if (memchr(n->data.scalar.value, '\0', n->data.scalar.length) !=
	    NULL || n->data.scalar.length > IMPORT_LINE_MAX)
		return ops_err_set(err, OPS_E_INVAL, "%s:%u: %s holds a NUL "
		    "byte or is too long", w->inv.source, line_of(n), what);
	*out = (const char *)n->data.scalar.value;
	return OPS_OK;
}

/* Apply the mapping n of variables to vars[0..nv). */
static int
vars(struct walk *w, yaml_node_t *n, struct import_vars **vv, size_t nv,
    struct ops_err *err)
{
	yaml_node_pair_t	*p;
	yaml_node_t		*k, *v;
	const char		*key, *val;
	size_t			 i;
	int			 rc;

	if (is_null(n))
		return OPS_OK;
	if (n->type != YAML_MAPPING_NODE)
		return ops_err_set(err, OPS_E_INVAL, "%s:%u: variables must "
		    "be a mapping (key: value)", w->inv.source, line_of(n));
	for (p = n->data.mapping.pairs.start; p < n->data.mapping.pairs.top;
	    p++) {
		if ((k = node(w, p->key, err)) == NULL ||
		    (v = node(w, p->value, err)) == NULL)
			return err != NULL ? err->code : OPS_E_INVAL;
		if ((rc = scalar(w, k, "a variable name", &key, err)) !=
		    OPS_OK)
			return rc;
		/* Lists and mappings are other tools' variables. */
		if (v->type != YAML_SCALAR_NODE)
			continue;
		if ((rc = scalar(w, v, key, &val, err)) != OPS_OK)
			return rc;
		for (i = 0; i < nv; i++)
			if ((rc = import_inv_var(&w->inv, vv[i], key, val,
			    line_of(v), err)) != OPS_OK)
				return rc;
	}
	return OPS_OK;
}

/* The "hosts" mapping of group: names (ranges allowed) to variables. */
static int
hosts(struct walk *w, yaml_node_t *n, const char *group, struct ops_err *err)
{
	yaml_node_pair_t	 *p;
	yaml_node_t		 *k, *v;
	struct import_vars	**vv;
	const char		 *name;
	size_t			 *idx, ni, i;
	int			  rc;

	if (is_null(n))
		return OPS_OK;
	if (n->type != YAML_MAPPING_NODE)
		return ops_err_set(err, OPS_E_INVAL, "%s:%u: \"hosts\" of "
		    "group %.64s must be a mapping of host names", w->inv.source,
		    line_of(n), group);
	for (p = n->data.mapping.pairs.start; p < n->data.mapping.pairs.top;
	    p++) {
		if ((k = node(w, p->key, err)) == NULL ||
		    (v = node(w, p->value, err)) == NULL)
			return err != NULL ? err->code : OPS_E_INVAL;
		if ((rc = scalar(w, k, "a host name", &name, err)) != OPS_OK)
			return rc;
		if (*name == '\0')
			return ops_err_set(err, OPS_E_INVAL, "%s:%u: empty "
			    "host name", w->inv.source, line_of(k));
		if ((rc = import_inv_hosts(&w->inv, name, group, line_of(k),
		    &idx, &ni, err)) != OPS_OK) {
			free(idx);
			return rc;
		}
		vv = xcalloc(ni > 0 ? ni : 1, sizeof(*vv));
		for (i = 0; i < ni; i++)
			vv[i] = &w->inv.hv[idx[i]];
		rc = vars(w, v, vv, ni, err);
		free(vv);
		free(idx);
		if (rc != OPS_OK)
			return rc;
	}
	return OPS_OK;
}

static int
group(struct walk *w, const char *name, yaml_node_t *n, int depth,
    struct ops_err *err)
{
	yaml_node_pair_t	*p;
	yaml_node_t		*k, *v, *c;
	struct import_vars	*gv;
	const char		*key, *child;
	yaml_node_pair_t	*q;
	int			 rc;

	if (depth > IMPORT_YAML_DEPTH)
		return ops_err_set(err, OPS_E_INVAL, "%s:%u: groups nested "
		    "deeper than %d", w->inv.source, line_of(n),
		    IMPORT_YAML_DEPTH);
	if ((rc = import_inv_group(&w->inv, name, line_of(n), &gv, err)) !=
	    OPS_OK)
		return rc;
	if (is_null(n))
		return OPS_OK;
	if (n->type != YAML_MAPPING_NODE)
		return ops_err_set(err, OPS_E_INVAL, "%s:%u: group %.64s must "
		    "be a mapping with hosts, vars or children", w->inv.source,
		    line_of(n), name);
	for (p = n->data.mapping.pairs.start; p < n->data.mapping.pairs.top;
	    p++) {
		if ((k = node(w, p->key, err)) == NULL ||
		    (v = node(w, p->value, err)) == NULL)
			return err != NULL ? err->code : OPS_E_INVAL;
		if ((rc = scalar(w, k, "a group key", &key, err)) != OPS_OK)
			return rc;
		if (strcmp(key, "hosts") == 0)
			rc = hosts(w, v, name, err);
		else if (strcmp(key, "vars") == 0)
			rc = vars(w, v, &gv, 1, err);
		else if (strcmp(key, "children") == 0) {
			if (is_null(v))
				continue;
			if (v->type != YAML_MAPPING_NODE)
				return ops_err_set(err, OPS_E_INVAL, "%s:%u: "
				    "\"children\" of group %.64s must be a "
				    "mapping of groups", w->inv.source,
				    line_of(v), name);
			for (q = v->data.mapping.pairs.start;
			    q < v->data.mapping.pairs.top; q++) {
				if ((k = node(w, q->key, err)) == NULL ||
				    (c = node(w, q->value, err)) == NULL)
					return err != NULL ? err->code :
					    OPS_E_INVAL;
				if ((rc = scalar(w, k, "a group name", &child,
				    err)) != OPS_OK ||
				    (rc = import_inv_child(&w->inv, name,
				    child, line_of(k), err)) != OPS_OK ||
				    (rc = group(w, child, c, depth + 1,
				    err)) != OPS_OK)
					return rc;
				/* group() may have grown the groups: gv
				 * moved. */
				if ((rc = import_inv_group(&w->inv, name,
				    line_of(n), &gv, err)) != OPS_OK)
					return rc;
			}
		} else
			import_warn(&w->inv.l, w->inv.source, line_of(k),
			    "group %.64s: skipped key \"%.64s\" (want hosts, "
			    "vars or children)", name, key);
		if (rc != OPS_OK)
			return rc;
	}
	return OPS_OK;
}

/*
 * A first pass over the events, before libyaml builds a document: it
 * refuses nesting deeper than NEST_MAX as soon as it is seen (libyaml's
 * scanner spends time in proportion to the depth on every token, so deep
 * nesting alone would make the parse quadratic) and more than EVENTS_MAX
 * events.
 */
static int
check_nesting(const char *text, size_t len, const char *source,
    struct ops_err *err)
{
	yaml_parser_t	parser;
	yaml_event_t	ev;
	size_t		nev = 0;
	int		depth = 0, rc = OPS_OK, done = 0;

	if (!yaml_parser_initialize(&parser))
		return ops_err_set(err, OPS_E_NOMEM, "%s: YAML parser", source);
	yaml_parser_set_input_string(&parser, (const unsigned char *)text,
	    len);
	yaml_parser_set_encoding(&parser, YAML_UTF8_ENCODING);
	while (!done && rc == OPS_OK) {
		if (!yaml_parser_parse(&parser, &ev)) {
			rc = ops_err_set(err, OPS_E_INVAL, "%s:%u: not YAML: "
			    "%.96s", source,
			    (unsigned)parser.problem_mark.line + 1,
			    parser.problem != NULL ? parser.problem :
			    "parse error");
			break;
		}
		switch (ev.type) {
		case YAML_MAPPING_START_EVENT:
		case YAML_SEQUENCE_START_EVENT:
			if (++depth > NEST_MAX)
				rc = ops_err_set(err, OPS_E_INVAL, "%s:%u: "
				    "YAML nested deeper than %d levels",
				    source, (unsigned)ev.start_mark.line + 1,
				    NEST_MAX);
			break;
		case YAML_MAPPING_END_EVENT:
		case YAML_SEQUENCE_END_EVENT:
			depth--;
			break;
		case YAML_STREAM_END_EVENT:
			done = 1;
			break;
		default:
			break;
		}
		if (rc == OPS_OK && ++nev > EVENTS_MAX)
			rc = ops_err_set(err, OPS_E_TOOBIG, "%s: more than %d "
			    "YAML events", source, EVENTS_MAX);
		yaml_event_delete(&ev);
	}
	yaml_parser_delete(&parser);
	return rc;
}

int
import_yaml_parse(const char *text, size_t len, const char *source,
    struct import_list *out, struct ops_err *err)
{
	yaml_parser_t		 parser;
	yaml_document_t		 doc;
	yaml_node_t		*root, *k, *v;
	yaml_node_pair_t	*p;
	struct walk		 w;
	const char		*name;
	int			 rc = OPS_OK, loaded = 0;

	memset(out, 0, sizeof(*out));
	memset(&w, 0, sizeof(w));
	import_inv_init(&w.inv, source);
	w.doc = &doc;
	if (memchr(text, '\0', len) != NULL)
		return ops_err_set(err, OPS_E_INVAL, "%s: NUL byte", source);
	if ((rc = check_nesting(text, len, source, err)) != OPS_OK)
		return rc;
	if (!yaml_parser_initialize(&parser))
		return ops_err_set(err, OPS_E_NOMEM, "%s: YAML parser", source);
	yaml_parser_set_input_string(&parser, (const unsigned char *)text,
	    len);
	yaml_parser_set_encoding(&parser, YAML_UTF8_ENCODING);
	if (!yaml_parser_load(&parser, &doc)) {
		rc = ops_err_set(err, OPS_E_INVAL, "%s:%u: not YAML: %.96s",
		    source, (unsigned)parser.problem_mark.line + 1,
		    parser.problem != NULL ? parser.problem : "parse error");
		goto out;
	}
	loaded = 1;
	if ((root = yaml_document_get_root_node(&doc)) == NULL || is_null(root))
		goto done;
	if (root->type != YAML_MAPPING_NODE) {
		rc = ops_err_set(err, OPS_E_INVAL, "%s:%u: a YAML inventory "
		    "is a mapping of groups (all: hosts: ...)", source,
		    line_of(root));
		goto out;
	}
	for (p = root->data.mapping.pairs.start;
	    p < root->data.mapping.pairs.top; p++) {
		if ((k = node(&w, p->key, err)) == NULL ||
		    (v = node(&w, p->value, err)) == NULL) {
			rc = err != NULL ? err->code : OPS_E_INVAL;
			goto out;
		}
		if ((rc = scalar(&w, k, "a group name", &name, err)) !=
		    OPS_OK || (rc = group(&w, name, v, 0, err)) != OPS_OK)
			goto out;
	}
done:
	rc = import_inv_done(&w.inv, out, err);
out:
	if (loaded)
		yaml_document_delete(&doc);
	yaml_parser_delete(&parser);
	import_inv_free(&w.inv);
	return rc;
}

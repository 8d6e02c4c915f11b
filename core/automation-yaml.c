/*
 * automation-yaml.c: an automation file's YAML into the anode tree
 * (automation-int.h), straight from libyaml's events: no document is
 * loaded, so nothing is resolved behind our back. One document; no
 * anchors, aliases or tags (an alias bomb never starts); mappings and
 * sequences at most AUTO_DEPTH_MAX deep (refused as soon as seen, which
 * also keeps libyaml's scanner from going quadratic), at most
 * AUTO_NODES_MAX nodes, keys plain scalars. Plain scalars are resolved
 * the YAML 1.2 core way (null, true/false, integers, numbers), plus the
 * YAML 1.1 words yes/no/on/off that the schema's bool fields read.
 */
#include "config.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <yaml.h>

#include "automation-int.h"
#include "xmalloc.h"

struct level {
	struct anode	*n;
	int		 have_key;	/* maps: key read, value next */
	char		*key;
	unsigned	 kline, kcol;
};

struct yread {
	struct level	 st[AUTO_DEPTH_MAX + 1];
	int		 depth;		/* st[0..depth) open */
	size_t		 nodes;
	int		 docs;
	int		 root_done;
	struct anode	*root;
};

static unsigned
ln(const yaml_mark_t *m)
{
	return (unsigned)m->line + 1;
}

static unsigned
cl(const yaml_mark_t *m)
{
	return (unsigned)m->column + 1;
}

static int
at(struct ops_err *err, const yaml_mark_t *m, const char *what)
{
	return ops_err_set(err, OPS_E_INVAL, "line %u, column %u: %s",
	    ln(m), cl(m), what);
}

static enum anode_kind
resolve(const char *s, size_t len)
{
	static const char *const nulls[] = { "~", "null", "Null", "NULL" };
	static const char *const bools[] = { "true", "True", "TRUE", "false",
	    "False", "FALSE" };
	char		*end;
	size_t		 i;
	double		 d;

	if (len == 0)
		return AK_NULL;
	for (i = 0; i < sizeof(nulls) / sizeof(nulls[0]); i++)
		if (strcmp(s, nulls[i]) == 0)
			return AK_NULL;
	for (i = 0; i < sizeof(bools) / sizeof(bools[0]); i++)
		if (strcmp(s, bools[i]) == 0)
			return AK_BOOL;
	if (!((s[0] >= '0' && s[0] <= '9') || s[0] == '-' || s[0] == '+' ||
	    s[0] == '.'))
		return AK_STR;
	errno = 0;
	(void)strtoll(s, &end, 10);
	if (*end == '\0' && errno == 0)
		return AK_INT;
	errno = 0;
	d = strtod(s, &end);
	if (*end == '\0' && errno == 0 && isfinite(d) &&
	    strpbrk(s, "xXnN") == NULL)
		return AK_REAL;
	return AK_STR;
}

/* Where the next node goes: a new kid of the innermost open node, or
 * the root. */
static int
place(struct yread *r, const yaml_event_t *ev, struct anode **out,
    struct ops_err *err)
{
	struct level	*l;
	struct anode	*n;

	if (++r->nodes > AUTO_NODES_MAX)
		return ops_err_set(err, OPS_E_TOOBIG, "line %u, column %u: "
		    "more than %d YAML nodes", ln(&ev->start_mark),
		    cl(&ev->start_mark), AUTO_NODES_MAX);
	if (r->depth == 0) {
		if (r->root_done)
			return at(err, &ev->start_mark, "more than one YAML "
			    "document");
		r->root_done = 1;
		r->root->line = ln(&ev->start_mark);
		r->root->col = cl(&ev->start_mark);
		*out = r->root;
		return OPS_OK;
	}
	l = &r->st[r->depth - 1];
	n = anode_push(l->n, ln(&ev->start_mark), cl(&ev->start_mark));
	if (l->n->type == AN_MAP) {
		n->key = l->key;
		n->kline = l->kline;
		n->kcol = l->kcol;
		l->key = NULL;
		l->have_key = 0;
	}
	*out = n;
	return OPS_OK;
}

static int
scalar(struct yread *r, const yaml_event_t *ev, struct ops_err *err)
{
	struct level	*l = r->depth > 0 ? &r->st[r->depth - 1] : NULL;
	const char	*v = (const char *)ev->data.scalar.value;
	size_t		 len = ev->data.scalar.length;
	struct anode	*n;
	int		 rc;

	if (memchr(v, '\0', len) != NULL)
		return at(err, &ev->start_mark, "a NUL byte in a value");
	if (l != NULL && l->n->type == AN_MAP && !l->have_key) {
		if (len > AUTO_KEY_MAX)
			return at(err, &ev->start_mark, "a key longer than "
			    "256 bytes");
		l->key = xstrndup(v, len);
		l->kline = ln(&ev->start_mark);
		l->kcol = cl(&ev->start_mark);
		l->have_key = 1;
		return OPS_OK;
	}
	if ((rc = place(r, ev, &n, err)) != OPS_OK)
		return rc;
	anode_set_text(n, ev->data.scalar.style == YAML_PLAIN_SCALAR_STYLE ?
	    resolve(v, len) : AK_STR, v, len);
	return OPS_OK;
}

static int
open_node(struct yread *r, const yaml_event_t *ev, enum anode_type type,
    struct ops_err *err)
{
	struct level	*l = r->depth > 0 ? &r->st[r->depth - 1] : NULL;
	struct anode	*n;
	int		 rc;

	if (l != NULL && l->n->type == AN_MAP && !l->have_key)
		return at(err, &ev->start_mark, "a key must be a plain value, "
		    "not a mapping or a list");
	if (r->depth >= AUTO_DEPTH_MAX)
		return at(err, &ev->start_mark, "nested deeper than 16 "
		    "levels");
	if ((rc = place(r, ev, &n, err)) != OPS_OK)
		return rc;
	n->type = type;
	l = &r->st[r->depth++];
	memset(l, 0, sizeof(*l));
	l->n = n;
	return OPS_OK;
}

static int
event(struct yread *r, const yaml_event_t *ev, int *done,
    struct ops_err *err)
{
	const yaml_char_t	*anchor = NULL, *tag = NULL;

	switch (ev->type) {
	case YAML_SCALAR_EVENT:
		anchor = ev->data.scalar.anchor;
		tag = ev->data.scalar.tag;
		break;
	case YAML_SEQUENCE_START_EVENT:
		anchor = ev->data.sequence_start.anchor;
		tag = ev->data.sequence_start.tag;
		break;
	case YAML_MAPPING_START_EVENT:
		anchor = ev->data.mapping_start.anchor;
		tag = ev->data.mapping_start.tag;
		break;
	default:
		break;
	}
	if (anchor != NULL)
		return at(err, &ev->start_mark, "anchors (&name) are not "
		    "allowed");
	if (tag != NULL)
		return at(err, &ev->start_mark, "tags (!tag) are not allowed");
	switch (ev->type) {
	case YAML_ALIAS_EVENT:
		return at(err, &ev->start_mark, "aliases (*name) are not "
		    "allowed");
	case YAML_DOCUMENT_START_EVENT:
		if (++r->docs > 1)
			return at(err, &ev->start_mark, "more than one YAML "
			    "document");
		return OPS_OK;
	case YAML_SCALAR_EVENT:
		return scalar(r, ev, err);
	case YAML_SEQUENCE_START_EVENT:
		return open_node(r, ev, AN_SEQ, err);
	case YAML_MAPPING_START_EVENT:
		return open_node(r, ev, AN_MAP, err);
	case YAML_SEQUENCE_END_EVENT:
	case YAML_MAPPING_END_EVENT:
		if (r->depth > 0) {
			r->depth--;
			free(r->st[r->depth].key);
			r->st[r->depth].key = NULL;
		}
		return OPS_OK;
	case YAML_STREAM_END_EVENT:
		*done = 1;
		return OPS_OK;
	default:
		return OPS_OK;
	}
}

int
auto_yaml_read(const char *buf, size_t len, struct anode *root,
    struct ops_err *err)
{
	yaml_parser_t	 parser;
	yaml_event_t	 ev;
	struct yread	 r;
	int		 rc = OPS_OK, done = 0;

	memset(root, 0, sizeof(*root));
	memset(&r, 0, sizeof(r));
	r.root = root;
	if (memchr(buf, '\0', len) != NULL)
		return ops_err_set(err, OPS_E_INVAL, "a NUL byte in the "
		    "document");
	if (!yaml_parser_initialize(&parser))
		return ops_err_set(err, OPS_E_NOMEM, "YAML parser");
	yaml_parser_set_input_string(&parser, (const unsigned char *)buf,
	    len);
	yaml_parser_set_encoding(&parser, YAML_UTF8_ENCODING);
	while (!done && rc == OPS_OK) {
		if (!yaml_parser_parse(&parser, &ev)) {
			rc = ops_err_set(err, OPS_E_INVAL, "line %u, column "
			    "%u: not YAML: %.96s",
			    ln(&parser.problem_mark), cl(&parser.problem_mark),
			    parser.problem != NULL ? parser.problem :
			    "parse error");
			break;
		}
		rc = event(&r, &ev, &done, err);
		yaml_event_delete(&ev);
	}
	yaml_parser_delete(&parser);
	while (r.depth > 0)
		free(r.st[--r.depth].key);
	if (rc == OPS_OK && !r.root_done)
		rc = ops_err_set(err, OPS_E_INVAL, "an empty document");
	if (rc == OPS_OK)
		rc = anode_check_dups(root, err);
	if (rc != OPS_OK)
		anode_clear(root);
	return rc;
}

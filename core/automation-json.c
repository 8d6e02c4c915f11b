/*
 * automation-json.c: an automation file's JSON into the anode tree
 * (automation-int.h) with jansson, and a mapping of the tree back to
 * JSON text (approval, notify). jansson refuses duplicate keys, NUL
 * bytes (\u0000) and bad UTF-8 and reports the line and column of a
 * syntax error; the walk bounds depth and node count like the YAML
 * reader. Numbers keep a text that reads back to the same value.
 */
#include "config.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "automation-int.h"
#include "xmalloc.h"

struct jread {
	size_t	nodes;
};

static void
real_text(double d, char *buf, size_t len)
{
	int	prec;

	/* the shortest text that reads back the same */
	for (prec = 1; prec <= 17; prec++) {
		snprintf(buf, len, "%.*g", prec, d);
		if (strtod(buf, NULL) == d)
			return;
	}
}

static int
walk(struct jread *r, json_t *j, struct anode *n, int depth,
    struct ops_err *err)
{
	const char	*k;
	json_t		*v;
	struct anode	*kid;
	size_t		 i;
	char		 num[64];
	int		 rc;

	if (++r->nodes > AUTO_NODES_MAX)
		return ops_err_set(err, OPS_E_TOOBIG, "more than %d JSON "
		    "values", AUTO_NODES_MAX);
	switch (json_typeof(j)) {
	case JSON_OBJECT:
	case JSON_ARRAY:
		if (depth >= AUTO_DEPTH_MAX)
			return ops_err_set(err, OPS_E_INVAL, "nested deeper "
			    "than %d levels", AUTO_DEPTH_MAX);
		break;
	default:
		break;
	}
	switch (json_typeof(j)) {
	case JSON_OBJECT:
		n->type = AN_MAP;
		json_object_foreach(j, k, v) {
			if (strlen(k) > AUTO_KEY_MAX)
				return ops_err_set(err, OPS_E_INVAL, "a key "
				    "longer than %d bytes", AUTO_KEY_MAX);
			kid = anode_push(n, 0, 0);
			kid->key = xstrdup(k);
			if ((rc = walk(r, v, kid, depth + 1, err)) != OPS_OK)
				return rc;
		}
		return OPS_OK;
	case JSON_ARRAY:
		n->type = AN_SEQ;
		json_array_foreach(j, i, v) {
			kid = anode_push(n, 0, 0);
			if ((rc = walk(r, v, kid, depth + 1, err)) != OPS_OK)
				return rc;
		}
		return OPS_OK;
	case JSON_STRING:
		anode_set_text(n, AK_STR, json_string_value(j),
		    json_string_length(j));
		return OPS_OK;
	case JSON_INTEGER:
		snprintf(num, sizeof(num), "%" JSON_INTEGER_FORMAT,
		    json_integer_value(j));
		anode_set_text(n, AK_INT, num, strlen(num));
		return OPS_OK;
	case JSON_REAL:
		real_text(json_real_value(j), num, sizeof(num));
		anode_set_text(n, AK_REAL, num, strlen(num));
		return OPS_OK;
	case JSON_TRUE:
		anode_set_text(n, AK_BOOL, "true", 4);
		return OPS_OK;
	case JSON_FALSE:
		anode_set_text(n, AK_BOOL, "false", 5);
		return OPS_OK;
	default:
		anode_set_text(n, AK_NULL, "", 0);
		return OPS_OK;
	}
}

int
auto_json_read(const char *buf, size_t len, struct anode *root,
    struct ops_err *err)
{
	json_error_t	 je;
	json_t		*j;
	struct jread	 r;
	size_t		 i;
	int		 rc;

	memset(root, 0, sizeof(*root));
	memset(&r, 0, sizeof(r));
	if (memchr(buf, '\0', len) != NULL)
		return ops_err_set(err, OPS_E_INVAL, "a NUL byte in the "
		    "document");
	j = json_loadb(buf, len, JSON_REJECT_DUPLICATES, &je);
	if (j == NULL) {
		/* jansson quotes the input near the error: no raw bytes */
		for (i = 0; je.text[i] != '\0'; i++)
			if ((unsigned char)je.text[i] < 0x20 ||
			    je.text[i] == 0x7f)
				je.text[i] = '?';
		return ops_err_set(err, OPS_E_INVAL, "line %d, column %d: "
		    "not JSON: %.120s", je.line, je.column, je.text);
	}
	rc = walk(&r, j, root, 0, err);
	json_decref(j);
	if (rc != OPS_OK)
		anode_clear(root);
	return rc;
}

static json_t *
to_json(const struct anode *n)
{
	json_t	*j;
	size_t	 i;

	switch (n->type) {
	case AN_MAP:
		j = json_object();
		for (i = 0; i < n->nkids; i++)
			json_object_set_new(j, n->kids[i].key,
			    to_json(&n->kids[i]));
		return j;
	case AN_SEQ:
		j = json_array();
		for (i = 0; i < n->nkids; i++)
			json_array_append_new(j, to_json(&n->kids[i]));
		return j;
	default:
		break;
	}
	switch (n->kind) {
	case AK_NULL:
		return json_null();
	case AK_BOOL:
		return json_boolean(n->text[0] == 't' || n->text[0] == 'T');
	case AK_INT:
		return json_integer(strtoll(n->text, NULL, 10));
	case AK_REAL:
		return json_real(strtod(n->text, NULL));
	default:
		return json_stringn(n->text, n->len);
	}
}

char *
auto_json_text(const struct anode *n)
{
	json_t	*j = to_json(n);
	char	*s, *out;

	s = json_dumps(j, JSON_COMPACT | JSON_PRESERVE_ORDER);
	json_decref(j);
	if (s == NULL)
		return xstrdup("{}");
	out = xstrdup(s);
	free(s);
	return out;
}

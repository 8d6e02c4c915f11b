/*
 * automation-node.c: the tree both automation readers produce
 * (automation-int.h): building, freeing, duplicate keys, and messages
 * that name a node's position and path.
 */
#include "config.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "automation-int.h"
#include "xmalloc.h"

struct anode *
anode_push(struct anode *parent, unsigned line, unsigned col)
{
	struct anode	*n;

	if (parent->nkids == parent->cap) {
		parent->cap = parent->cap == 0 ? 4 : parent->cap * 2;
		parent->kids = xreallocarray(parent->kids, parent->cap,
		    sizeof(*parent->kids));
	}
	n = &parent->kids[parent->nkids++];
	memset(n, 0, sizeof(*n));
	n->line = line;
	n->col = col;
	return n;
}

void
anode_set_text(struct anode *n, enum anode_kind kind, const char *text,
    size_t len)
{
	n->type = AN_SCALAR;
	n->kind = kind;
	n->text = xmalloc(len + 1);
	memcpy(n->text, text, len);
	n->text[len] = '\0';
	n->len = len;
}

void
anode_clear(struct anode *n)
{
	size_t	i;

	if (n == NULL)
		return;
	for (i = 0; i < n->nkids; i++)
		anode_clear(&n->kids[i]);
	free(n->kids);
	free(n->text);
	free(n->key);
	memset(n, 0, sizeof(*n));
}

static int
cmp_key(const void *a, const void *b)
{
	const struct anode	*x = *(const struct anode *const *)a;
	const struct anode	*y = *(const struct anode *const *)b;
	int			 c;

	if ((c = strcmp(x->key, y->key)) != 0)
		return c;
	/* the later one is the duplicate */
	return x < y ? -1 : x > y;
}

int
anode_check_dups(const struct anode *n, struct ops_err *err)
{
	const struct anode	**v, *dup = NULL;
	size_t			  i;
	int			  rc;

	for (i = 0; i < n->nkids; i++)
		if ((rc = anode_check_dups(&n->kids[i], err)) != OPS_OK)
			return rc;
	if (n->type != AN_MAP || n->nkids < 2)
		return OPS_OK;
	v = xcalloc(n->nkids, sizeof(*v));
	for (i = 0; i < n->nkids; i++)
		v[i] = &n->kids[i];
	qsort(v, n->nkids, sizeof(*v), cmp_key);
	for (i = 1; i < n->nkids; i++)
		if (strcmp(v[i - 1]->key, v[i]->key) == 0 &&
		    (dup == NULL || v[i] < dup))
			dup = v[i];
	free(v);
	if (dup != NULL) {
		char	q[48];

		anode_quote(dup->key, q, sizeof(q));
		return anode_key_err(err, dup, NULL, "key '%s' given twice",
		    q);
	}
	return OPS_OK;
}

const struct anode *
anode_get(const struct anode *map, const char *key)
{
	size_t	i;

	if (map == NULL || map->type != AN_MAP)
		return NULL;
	for (i = 0; i < map->nkids; i++)
		if (strcmp(map->kids[i].key, key) == 0)
			return &map->kids[i];
	return NULL;
}

int
anode_is_null(const struct anode *n)
{
	return n->type == AN_SCALAR && n->kind == AK_NULL;
}

void
anode_quote(const char *s, char *buf, size_t len)
{
	size_t			 i, o = 0, cut = len < 44 ? len : 44;
	const unsigned char	*p = (const unsigned char *)s;

	if (len == 0)
		return;
	for (i = 0; p[i] != '\0' && o + 4 < cut; i++)
		buf[o++] = (p[i] < 0x20 || p[i] == 0x7f || p[i] == '\'') ?
		    '?' : (char)p[i];
	if (p[i] != '\0' && o + 3 < len) {
		/* do not end inside a UTF-8 sequence */
		while (o > 0 && ((unsigned char)buf[o - 1] & 0xc0) == 0x80)
			o--;
		if (o > 0 && ((unsigned char)buf[o - 1] & 0xc0) == 0xc0)
			o--;
		memcpy(buf + o, "...", 3);
		o += 3;
	}
	buf[o] = '\0';
}

static int
verr(struct ops_err *err, unsigned line, unsigned col, const char *path,
    const char *fmt, va_list ap)
{
	char	msg[OPS_ERR_MSG_MAX], pos[48] = "";

	vsnprintf(msg, sizeof(msg), fmt, ap);
	if (line > 0)
		snprintf(pos, sizeof(pos), "line %u, column %u: ", line, col);
	if (path != NULL && *path != '\0')
		return ops_err_set(err, OPS_E_INVAL, "%s%s: %s", pos, path,
		    msg);
	return ops_err_set(err, OPS_E_INVAL, "%s%s", pos, msg);
}

int
anode_err(struct ops_err *err, const struct anode *n, const char *path,
    const char *fmt, ...)
{
	va_list	ap;
	int	rc;

	va_start(ap, fmt);
	rc = verr(err, n != NULL ? n->line : 0, n != NULL ? n->col : 0, path,
	    fmt, ap);
	va_end(ap);
	return rc;
}

int
anode_key_err(struct ops_err *err, const struct anode *n, const char *path,
    const char *fmt, ...)
{
	va_list	ap;
	int	rc;

	va_start(ap, fmt);
	rc = verr(err, n != NULL ? n->kline : 0, n != NULL ? n->kcol : 0,
	    path, fmt, ap);
	va_end(ap);
	return rc;
}

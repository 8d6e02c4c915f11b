/*
 * model-selector.c: parse and match target selectors: terms ("all",
 * "tag:X", globs, names) and expressions of them (',' lists, "&TERM",
 * "!TERM"); the grammar is in model.h.
 */
#include "config.h"

#include <fnmatch.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "model.h"
#include "xmalloc.h"

static int
name_char(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	    (c >= '0' && c <= '9') || c == '.' || c == '_' || c == '-';
}

int
selector_name_valid(const char *name)
{
	size_t	i;

	if (name == NULL || name[0] == '\0' || name[0] == '-')
		return 0;
	for (i = 0; name[i] != '\0'; i++)
		if (i >= MODEL_NAME_MAX || !name_char(name[i]))
			return 0;
	return 1;
}

/*
 * A glob of name characters, '*', '?' and closed bracket sets of name
 * characters (an optional leading '!' or '^'). NULL when valid, else what
 * is wrong.
 */
static const char *
glob_problem(const char *g)
{
	size_t	i, set;

	if (g[0] == '-')
		return "starts with '-'";
	for (i = 0; g[i] != '\0'; i++) {
		if (name_char(g[i]) || g[i] == '*' || g[i] == '?')
			continue;
		if (g[i] != '[')
			return "has a character no name has";
		i++;
		if (g[i] == '!' || g[i] == '^')
			i++;
		for (set = 0; name_char(g[i]); i++)
			set++;
		if (g[i] != ']')
			return g[i] == '\0' ? "has an unclosed '['" :
			    "has a character no name has in '[...]'";
		if (set == 0)
			return "has an empty '[]'";
	}
	return NULL;
}

/* The printable start of text, for a message ("..." when cut). */
static void
quote(const char *text, char *buf, size_t len)
{
	size_t	i;

	for (i = 0; text[i] != '\0' && i + 4 < len && i < 48; i++) {
		if ((unsigned char)text[i] < 0x20 ||
		    (unsigned char)text[i] >= 0x7f)
			break;
		buf[i] = text[i];
	}
	buf[i] = '\0';
	if (text[i] != '\0')
		snprintf(buf + i, len - i, "...");
}

int
selector_parse(const char *text, struct selector *out,
    struct ops_err *err)
{
	const char	*why;
	char		 qt[64];
	size_t		 len;

	if (text == NULL || text[0] == '\0')
		return ops_err_set(err, OPS_E_INVAL, "empty target selector");
	len = strnlen(text, SELECTOR_MAX + 1);
	if (len > SELECTOR_MAX)
		return ops_err_set(err, OPS_E_INVAL, "target selector %.32s... "
		    "is longer than %d bytes", text, SELECTOR_MAX);
	if (strcmp(text, "all") == 0) {
		out->kind = SELECTOR_ALL;
		out->arg = NULL;
		return OPS_OK;
	}
	if (strncmp(text, "tag:", 4) == 0) {
		if (!selector_name_valid(text + 4))
			goto bad_name;
		out->kind = SELECTOR_TAG;
		out->arg = text + 4;
		return OPS_OK;
	}
	if (strpbrk(text, "*?[") != NULL) {
		if ((why = glob_problem(text)) != NULL) {
			quote(text, qt, sizeof(qt));
			return ops_err_set(err, OPS_E_INVAL, "target selector "
			    "%s: the glob %s", qt, why);
		}
		out->kind = SELECTOR_GLOB;
		out->arg = text;
		return OPS_OK;
	}
	if (!selector_name_valid(text))
		goto bad_name;
	out->kind = SELECTOR_NAME;
	out->arg = text;
	return OPS_OK;
bad_name:
	/* The text may hold anything: quote only what is printable. */
	for (len = 0; text[len] != '\0' && len < 64; len++)
		if ((unsigned char)text[len] < 0x20 ||
		    (unsigned char)text[len] >= 0x7f)
			break;
	return ops_err_set(err, OPS_E_INVAL, "target selector %.*s%s: a "
	    "name or tag is 1-64 characters of A-Z a-z 0-9 . _ - and does "
	    "not start with -", (int)len, text, text[len] != '\0' ? "..." :
	    "");
}

int
selector_match(const struct selector *s, const char *name,
    const char *const *tags, size_t ntags)
{
	size_t	i;

	switch (s->kind) {
	case SELECTOR_ALL:
		return 1;
	case SELECTOR_TAG:
		for (i = 0; i < ntags; i++)
			if (tags[i] != NULL && strcmp(tags[i], s->arg) == 0)
				return 1;
		return 0;
	case SELECTOR_GLOB:
		return name != NULL && fnmatch(s->arg, name, 0) == 0;
	case SELECTOR_NAME:
		return name != NULL && strcmp(s->arg, name) == 0;
	}
	return 0;
}

/* ---- expressions ------------------------------------------------------ */

static int
blank(char c)
{
	return c == ' ' || c == '\t';
}

void
selector_set_init(struct selector_set *s)
{
	s->v = NULL;
	s->n = 0;
	s->nadd = 0;
}

/* Forget the items from n on. */
static void
set_truncate(struct selector_set *s, size_t n, size_t nadd)
{
	while (s->n > n)
		free(s->v[--s->n].text);
	s->nadd = nadd;
}

void
selector_set_done(struct selector_set *s)
{
	set_truncate(s, 0, 0);
	free(s->v);
	selector_set_init(s);
}

static int
set_append(struct selector_set *s, enum selector_op op, const char *p,
    size_t len, struct ops_err *err)
{
	struct selector_item	*it;
	char			*term;
	int			 rc;

	if (s->n >= SELECTOR_ITEMS_MAX)
		return ops_err_set(err, OPS_E_INVAL, "target selector: more "
		    "than %d terms", SELECTOR_ITEMS_MAX);
	term = xstrndup(p, len);
	s->v = xreallocarray(s->v, s->n + 1, sizeof(*s->v));
	it = &s->v[s->n];
	if ((rc = selector_parse(term, &it->sel, err)) != OPS_OK) {
		free(term);
		return rc;
	}
	it->op = op;
	it->text = term;
	s->n++;
	if (op == SELECTOR_OP_ADD)
		s->nadd++;
	return OPS_OK;
}

int
selector_set_add(struct selector_set *s, const char *text, int exclude,
    struct ops_err *err)
{
	enum selector_op	 op;
	const char		*p = text, *q;
	char			 qt[64];
	size_t			 n0 = s->n, nadd0 = s->nadd, items = 0;
	int			 rc, comma = 0;

	if (text == NULL)
		return ops_err_set(err, OPS_E_INVAL, "empty target selector");
	quote(text, qt, sizeof(qt));
	for (;;) {
		while (blank(*p))
			p++;
		if (*p == '\0') {
			if (items > 0 && !comma)
				return OPS_OK;
			if (items == 0)
				rc = ops_err_set(err, OPS_E_INVAL, "empty "
				    "target selector");
			else
				rc = ops_err_set(err, OPS_E_INVAL, "target "
				    "selector \"%s\" ends with ','", qt);
			goto fail;
		}
		if (*p == ',') {
			rc = ops_err_set(err, OPS_E_INVAL, "target selector "
			    "\"%s\" has an empty term (nothing before a ',')",
			    qt);
			goto fail;
		}
		op = SELECTOR_OP_ADD;
		if (*p == '&' || *p == '!') {
			op = *p == '&' ? SELECTOR_OP_AND : SELECTOR_OP_NOT;
			if (exclude) {
				rc = ops_err_set(err, OPS_E_INVAL, "target "
				    "selector \"%s\": -x takes plain terms "
				    "(names, globs, tag:TAG), not '%c'", qt,
				    *p);
				goto fail;
			}
			for (p++; blank(*p); p++)
				;
			if (*p == '\0' || *p == ',') {
				rc = ops_err_set(err, OPS_E_INVAL, "target "
				    "selector \"%s\": '%c' needs a term after "
				    "it", qt, op == SELECTOR_OP_AND ? '&' : '!');
				goto fail;
			}
		}
		if (exclude)
			op = SELECTOR_OP_NOT;
		for (q = p; *p != '\0' && *p != ',' && !blank(*p); p++)
			;
		if ((rc = set_append(s, op, q, (size_t)(p - q), err)) !=
		    OPS_OK)
			goto fail;
		items++;
		while (blank(*p))
			p++;
		comma = *p == ',';
		if (comma)
			p++;
	}
fail:
	set_truncate(s, n0, nadd0);
	if (s->n == 0) {
		/* As it was: an empty set holds no array. */
		free(s->v);
		s->v = NULL;
	}
	return rc;
}

int
selector_set_parse(struct selector_set *s, const char *const *texts,
    size_t n, struct ops_err *err)
{
	size_t	i;

	selector_set_init(s);
	for (i = 0; i < n; i++) {
		int	rc = selector_set_add(s, texts[i], 0, err);

		if (rc != OPS_OK) {
			selector_set_done(s);
			return rc;
		}
	}
	return OPS_OK;
}

int
selector_set_match(const struct selector_set *s, const char *name,
    const char *const *tags, size_t ntags)
{
	const struct selector_item	*it;
	size_t				 i;
	int				 any = s->nadd == 0;

	for (i = 0; i < s->n; i++) {
		int	hit;

		it = &s->v[i];
		hit = selector_match(&it->sel, name, tags, ntags);
		switch (it->op) {
		case SELECTOR_OP_ADD:
			any |= hit;
			break;
		case SELECTOR_OP_AND:
			if (!hit)
				return 0;
			break;
		case SELECTOR_OP_NOT:
			if (hit)
				return 0;
			break;
		}
	}
	return any;
}

int
selector_set_uses_tags(const struct selector_set *s)
{
	size_t	i;

	for (i = 0; i < s->n; i++)
		if (s->v[i].sel.kind == SELECTOR_TAG)
			return 1;
	return 0;
}

const char *
selector_op_prefix(enum selector_op op)
{
	switch (op) {
	case SELECTOR_OP_AND:
		return "&";
	case SELECTOR_OP_NOT:
		return "!";
	case SELECTOR_OP_ADD:
		break;
	}
	return "";
}

int
selector_text_is_expression(const char *text)
{
	const char	*p;
	int		 start = 1;

	if (text == NULL)
		return 0;
	if (strcmp(text, "all") == 0 || strpbrk(text, ",*?[&") != NULL)
		return 1;
	for (p = text; *p != '\0'; p++) {
		if (start && (*p == '!' || strncmp(p, "tag:", 4) == 0))
			return 1;
		start = blank(*p);
	}
	return 0;
}

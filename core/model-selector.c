/*
 * model-selector.c: parse and match target selectors ("all", "tag:X",
 * globs, names; the grammar is in model.h).
 */
#include "config.h"

#include <fnmatch.h>
#include <string.h>

#include "model.h"

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

int
selector_parse(const char *text, struct selector *out,
    struct ops_err *err)
{
	const char	*why;
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
		if ((why = glob_problem(text)) != NULL)
			return ops_err_set(err, OPS_E_INVAL, "target selector "
			    "%s: the glob %s", text, why);
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

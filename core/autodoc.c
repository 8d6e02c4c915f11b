/*
 * autodoc.c: the files a document names, base64 both ways and the
 * format of a document file (autodoc.h).
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "autodoc.h"

static int
add_path(const char ***v, size_t *n, const char *p)
{
	const char	**nv;
	size_t		  i;

	for (i = 0; i < *n; i++)
		if (strcmp((*v)[i], p) == 0)
			return OPS_OK;
	if ((nv = reallocarray(*v, *n + 1, sizeof(*nv))) == NULL)
		return OPS_E_NOMEM;
	nv[(*n)++] = p;
	*v = nv;
	return OPS_OK;
}

int
autodoc_files(const struct automation *a, const char ***paths, size_t *n,
    struct ops_err *err)
{
	const struct auto_step	*s;
	size_t			 i;
	int			 rc = OPS_OK;

	*paths = NULL;
	*n = 0;
	for (i = 0; i < a->nsteps && rc == OPS_OK; i++) {
		s = &a->steps[i];
		if (s->kind == AUTO_STEP_SCRIPT && s->script_file != NULL)
			rc = add_path(paths, n, s->script_file);
		else if (s->kind == AUTO_STEP_UPLOAD && s->content == NULL &&
		    s->src != NULL)
			rc = add_path(paths, n, s->src);
	}
	if (rc != OPS_OK) {
		free(*paths);
		*paths = NULL;
		*n = 0;
		return ops_err_set(err, rc, "list the files of automation %s",
		    a->name != NULL ? a->name : "");
	}
	return OPS_OK;
}

char *
autodoc_b64(const void *p, size_t len)
{
	size_t	 n;
	char	*s;

	n = sodium_base64_ENCODED_LEN(len, sodium_base64_VARIANT_ORIGINAL);
	if ((s = malloc(n)) == NULL)
		return NULL;
	sodium_bin2base64(s, n, p, len, sodium_base64_VARIANT_ORIGINAL);
	return s;
}

int
autodoc_unb64(const char *what, const char *s, size_t slen, size_t max,
    unsigned char **out, size_t *len, struct ops_err *err)
{
	unsigned char	*buf;
	size_t		 cap = slen / 4 * 3 + 3;

	*out = NULL;
	*len = 0;
	if (cap > max + 3)
		return ops_err_set(err, OPS_E_TOOBIG, "%s is more than %zu "
		    "bytes", what, max);
	if ((buf = malloc(cap + 1)) == NULL)
		return ops_err_set(err, OPS_E_NOMEM, "decode %s", what);
	if (sodium_base642bin(buf, cap + 1, s, slen, NULL, len, NULL,
	    sodium_base64_VARIANT_ORIGINAL) != 0) {
		free(buf);
		*len = 0;
		return ops_err_set(err, OPS_E_INVAL, "%s is not base64", what);
	}
	if (*len > max) {
		free(buf);
		*len = 0;
		return ops_err_set(err, OPS_E_TOOBIG, "%s is more than %zu "
		    "bytes", what, max);
	}
	*out = buf;
	return OPS_OK;
}

static int
ends_with(const char *s, const char *suffix)
{
	size_t	ls = strlen(s), lx = strlen(suffix);

	return ls >= lx && strcmp(s + ls - lx, suffix) == 0;
}

const char *
autodoc_format_guess(const char *path, const void *buf, size_t len)
{
	const unsigned char	*p = buf;
	size_t			 i;

	if (path != NULL) {
		if (ends_with(path, ".json"))
			return "json";
		if (ends_with(path, ".yaml") || ends_with(path, ".yml"))
			return "yaml";
	}
	for (i = 0; i < len; i++) {
		if (p[i] == ' ' || p[i] == '\t' || p[i] == '\n' ||
		    p[i] == '\r')
			continue;
		return p[i] == '{' ? "json" : "yaml";
	}
	return "yaml";
}

enum auto_format
autodoc_format(const char *name)
{
	if (name != NULL && strcmp(name, "yaml") == 0)
		return AUTO_FMT_YAML;
	if (name != NULL && strcmp(name, "json") == 0)
		return AUTO_FMT_JSON;
	return AUTO_FMT_AUTO;
}

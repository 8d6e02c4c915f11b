/*
 * import-sshconfig.c: hosts from an ssh_config(5) file (import.h).
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "import.h"

#define BLOCK_MAX	256	/* aliases on one Host line */

/* Split one "Key value" / "Key=value" line; 0 when blank or comment. */
static int
split(char *line, char **key, char **rest)
{
	char	*p = line, *k;

	while (*p == ' ' || *p == '\t')
		p++;
	if (*p == '\0' || *p == '#')
		return 0;
	k = p;
	while (*p != '\0' && *p != ' ' && *p != '\t' && *p != '=')
		p++;
	if (*p != '\0') {
		*p++ = '\0';
		while (*p == ' ' || *p == '\t')
			p++;
		if (*p == '=')
			p++;
		while (*p == ' ' || *p == '\t')
			p++;
	}
	*key = k;
	*rest = p;
	return 1;
}

/* The next (possibly double-quoted) word of *p; NULL at the end. */
static char *
word(char **p, int *bad)
{
	char	*s = *p, *w;

	*bad = 0;
	while (*s == ' ' || *s == '\t')
		s++;
	if (*s == '\0' || *s == '#')
		return NULL;
	if (*s == '"') {
		w = ++s;
		while (*s != '\0' && *s != '"')
			s++;
		if (*s != '"') {
			*bad = 1;
			return NULL;
		}
		*s++ = '\0';
	} else {
		w = s;
		while (*s != '\0' && *s != ' ' && *s != '\t')
			s++;
		if (*s != '\0')
			*s++ = '\0';
	}
	*p = s;
	return w;
}

/* HostName with each %h replaced by the alias and %% by %. */
static char *
expand_hostname(const char *value, const char *alias)
{
	size_t	 n = 1, i, o = 0;
	char	*out;

	for (i = 0; value[i] != '\0'; i++)
		n += value[i] == '%' && value[i + 1] == 'h' ? strlen(alias) : 1;
	if ((out = malloc(n)) == NULL)
		return NULL;
	for (i = 0; value[i] != '\0'; i++) {
		if (value[i] == '%' && value[i + 1] == 'h') {
			memcpy(out + o, alias, strlen(alias));
			o += strlen(alias);
			i++;
		} else if (value[i] == '%' && value[i + 1] == '%') {
			out[o++] = '%';
			i++;
		} else
			out[o++] = value[i];
	}
	out[o] = '\0';
	return out;
}

int
import_sshconfig_parse(const char *text, size_t len, const char *source,
    struct import_list *out, struct ops_err *err)
{
	struct import_list	 l;
	struct import_host	*h;
	char			*line = NULL, *key, *rest, *w, *v;
	size_t			 block[BLOCK_MAX], nblock = 0, off = 0, i;
	unsigned		 lineno = 0;
	int			 rc = OPS_OK, bad, port, in_match = 0;

	memset(&l, 0, sizeof(l));
	memset(out, 0, sizeof(*out));
	if ((line = malloc(IMPORT_LINE_MAX + 2)) == NULL)
		return ops_err_set(err, OPS_E_NOMEM, "import %s", source);
	while (off < len) {
		lineno++;
		if ((rc = import_next_line(text, len, &off, line,
		    IMPORT_LINE_MAX + 2, source, lineno, err)) != OPS_OK)
			goto out;
		if (!split(line, &key, &rest))
			continue;
		if (strcasecmp(key, "Host") == 0) {
			nblock = 0;
			in_match = 0;
			while ((w = word(&rest, &bad)) != NULL) {
				if (strpbrk(w, "*?!") != NULL) {
					import_warn(&l, source, lineno,
					    "skipped pattern \"%.64s\"", w);
					continue;
				}
				if (nblock == BLOCK_MAX) {
					rc = ops_err_set(err, OPS_E_INVAL,
					    "%s:%u: more than %d names on one "
					    "Host line", source, lineno,
					    BLOCK_MAX);
					goto out;
				}
				if ((h = import_host_get(&l, w, lineno, err,
				    source)) == NULL) {
					rc = err != NULL ? err->code :
					    OPS_E_NOMEM;
					goto out;
				}
				block[nblock++] = (size_t)(h - l.v);
			}
			if (bad) {
				rc = ops_err_set(err, OPS_E_INVAL, "%s:%u: "
				    "unterminated quote", source, lineno);
				goto out;
			}
			continue;
		}
		if (strcasecmp(key, "Match") == 0) {
			nblock = 0;
			if (!in_match)
				import_warn(&l, source, lineno, "skipped "
				    "Match block");
			in_match = 1;
			continue;
		}
		if (strcasecmp(key, "Include") == 0) {
			import_warn(&l, source, lineno, "Include not "
			    "followed");
			continue;
		}
		if (strcasecmp(key, "HostName") != 0 &&
		    strcasecmp(key, "Port") != 0 &&
		    strcasecmp(key, "User") != 0)
			continue;
		v = word(&rest, &bad);
		if (bad || v == NULL) {
			rc = ops_err_set(err, OPS_E_INVAL, "%s:%u: %s %s",
			    source, lineno, key, bad ? "has an unterminated "
			    "quote" : "needs a value");
			goto out;
		}
		if (strcasecmp(key, "Port") == 0 &&
		    (rc = import_port(v, source, lineno, &port, err)) != OPS_OK)
			goto out;
		for (i = 0; i < nblock; i++) {
			h = &l.v[block[i]];
			if (strcasecmp(key, "Port") == 0) {
				if (h->port == 0)
					h->port = port;
			} else if (strcasecmp(key, "User") == 0) {
				if (h->user == NULL &&
				    (h->user = strdup(v)) == NULL)
					goto nomem;
			} else if (h->host == NULL &&
			    (h->host = expand_hostname(v, h->name)) == NULL)
				goto nomem;
		}
	}
	for (i = 0; i < l.n; i++)
		if (l.v[i].host == NULL &&
		    (l.v[i].host = strdup(l.v[i].name)) == NULL)
			goto nomem;
	*out = l;
	memset(&l, 0, sizeof(l));
	rc = OPS_OK;
	goto out;
nomem:
	rc = ops_err_set(err, OPS_E_NOMEM, "import %s: out of memory", source);
out:
	free(line);
	import_list_free(&l);
	return rc;
}

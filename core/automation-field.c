/*
 * automation-field.c: typed fields of an automation's tree (strings,
 * names, booleans, integers, numbers, durations, modes, amounts, word
 * lists) and the text rules they share with parameter values
 * (durations, modes, UTF-8). Every refusal names the field's path and,
 * for YAML, its line and column.
 */
#include "config.h"

#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "automation-int.h"
#include "model.h"
#include "xmalloc.h"

#define DURATION_MAX_MS	(7LL * 24 * 3600 * 1000)	/* a week */

int
auto_utf8_valid(const char *s, size_t len, size_t *nchars)
{
	const unsigned char	*p = (const unsigned char *)s;
	size_t			 i = 0, n = 0, k, need;
	unsigned long		 cp, min;

	while (i < len) {
		if (p[i] < 0x80) {
			i++;
			n++;
			continue;
		}
		if ((p[i] & 0xe0) == 0xc0) {
			need = 1, cp = p[i] & 0x1f, min = 0x80;
		} else if ((p[i] & 0xf0) == 0xe0) {
			need = 2, cp = p[i] & 0x0f, min = 0x800;
		} else if ((p[i] & 0xf8) == 0xf0) {
			need = 3, cp = p[i] & 0x07, min = 0x10000;
		} else
			return 0;
		if (len - i <= need)
			return 0;
		for (k = 1; k <= need; k++) {
			if ((p[i + k] & 0xc0) != 0x80)
				return 0;
			cp = (cp << 6) | (p[i + k] & 0x3f);
		}
		if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
			return 0;
		i += need + 1;
		n++;
	}
	if (nchars != NULL)
		*nchars = n;
	return 1;
}

int
auto_duration_ms(const char *s, int *ms)
{
	static const struct {
		const char	*unit;
		long long	 ms;
	} units[] = {
		{ "d", 86400000LL }, { "h", 3600000LL }, { "ms", 1LL },
		{ "m", 60000LL }, { "s", 1000LL },
	};
	long long	 total = 0, v, last = LLONG_MAX, mul;
	const char	*p = s;
	char		*end;
	size_t		 i, ul;

	if (*s == '\0')
		return -1;
	/* a bare number of seconds */
	if (strspn(s, "0123456789") == strlen(s)) {
		if (strlen(s) > 12)
			return -1;
		total = strtoll(s, NULL, 10) * 1000;
		goto done;
	}
	while (*p != '\0') {
		if (*p < '0' || *p > '9')
			return -1;
		errno = 0;
		v = strtoll(p, &end, 10);
		if (errno != 0 || end - p > 12)
			return -1;
		p = end;
		mul = 0;
		for (i = 0; i < sizeof(units) / sizeof(units[0]); i++) {
			ul = strlen(units[i].unit);
			/* "ms" is tried before "m" */
			if (strncmp(p, units[i].unit, ul) == 0) {
				mul = units[i].ms;
				p += ul;
				break;
			}
		}
		/* units from the largest down, each once */
		if (mul == 0 || mul >= last || v > DURATION_MAX_MS / mul)
			return -1;
		last = mul;
		total += v * mul;
		if (total > DURATION_MAX_MS)
			return -1;
	}
done:
	if (total > DURATION_MAX_MS)
		return -1;
	*ms = (int)total;
	return 0;
}

int
auto_mode_parse(const char *s, unsigned *mode)
{
	unsigned long	 v;
	size_t		 n;

	if (strncmp(s, "0o", 2) == 0 || strncmp(s, "0O", 2) == 0)
		s += 2;
	n = strlen(s);
	if (n == 0 || n > 5 || strspn(s, "01234567") != n)
		return -1;
	v = strtoul(s, NULL, 8);
	if (v == 0 || v > 07777)
		return -1;
	*mode = (unsigned)v;
	return 0;
}

void
afield_path(char *buf, size_t len, const char *path, const char *key)
{
	int	n;

	n = snprintf(buf, len, "%s.%s", path, key);
	if (n < 0 && len > 0)
		buf[0] = '\0';
}

/* Refuse anything but a scalar (a null too, when !null_ok). */
static int
want_scalar(const struct anode *n, const char *path, const char *what,
    struct ops_err *err)
{
	if (n->type != AN_SCALAR)
		return anode_err(err, n, path, "must be %s, not a %s", what,
		    n->type == AN_MAP ? "mapping" : "list");
	if (anode_is_null(n))
		return anode_err(err, n, path, "must be %s, not empty", what);
	return OPS_OK;
}

int
afield_keys(const struct anode *map, const char *path,
    const char *const *allowed, struct ops_err *err)
{
	size_t	i, k;
	char	q[48], want[160];

	for (i = 0; i < map->nkids; i++) {
		for (k = 0; allowed[k] != NULL; k++)
			if (strcmp(map->kids[i].key, allowed[k]) == 0)
				break;
		if (allowed[k] != NULL)
			continue;
		want[0] = '\0';
		for (k = 0; allowed[k] != NULL; k++) {
			if (k > 0)
				strncat(want, ", ", sizeof(want) -
				    strlen(want) - 1);
			strncat(want, allowed[k], sizeof(want) -
			    strlen(want) - 1);
		}
		anode_quote(map->kids[i].key, q, sizeof(q));
		if (path != NULL && *path != '\0') {
			char	p[128];

			snprintf(p, sizeof(p), "%s.%s", path, q);
			return anode_key_err(err, &map->kids[i], p,
			    "unknown key (want %s)", want);
		}
		return anode_key_err(err, &map->kids[i], q,
		    "unknown key (want %s)", want);
	}
	return OPS_OK;
}

int
afield_str(const struct anode *n, const char *path, int multiline,
    size_t max, char **out, struct ops_err *err)
{
	size_t	i;
	int	rc;

	if ((rc = want_scalar(n, path, "text", err)) != OPS_OK)
		return rc;
	if (n->len > max)
		return anode_err(err, n, path, "longer than %zu bytes", max);
	if (!auto_utf8_valid(n->text, n->len, NULL))
		return anode_err(err, n, path, "not valid UTF-8");
	if (!multiline)
		for (i = 0; i < n->len; i++)
			if (((unsigned char)n->text[i] < 0x20 &&
			    n->text[i] != '\t') || n->text[i] == 0x7f)
				return anode_err(err, n, path, "must be one "
				    "line (no control characters)");
	*out = xstrdup(n->text);
	return OPS_OK;
}

int
afield_name(const struct anode *n, const char *path, char **out,
    struct ops_err *err)
{
	char	q[48];
	int	rc;

	if ((rc = want_scalar(n, path, "a name", err)) != OPS_OK)
		return rc;
	if (n->len > MODEL_NAME_MAX || !selector_name_valid(n->text)) {
		anode_quote(n->text, q, sizeof(q));
		return anode_err(err, n, path, "'%s' is not a name (1-64 of "
		    "A-Z a-z 0-9 . _ -, not starting with -)", q);
	}
	*out = xstrdup(n->text);
	return OPS_OK;
}

int
afield_bool(const struct anode *n, const char *path, int *out,
    struct ops_err *err)
{
	static const char *const t[] = { "true", "True", "TRUE", "yes", "Yes",
	    "YES", "on", "On", "ON", NULL };
	static const char *const f[] = { "false", "False", "FALSE", "no",
	    "No", "NO", "off", "Off", "OFF", NULL };
	size_t	i;
	char	q[48];
	int	rc;

	if ((rc = want_scalar(n, path, "true or false", err)) != OPS_OK)
		return rc;
	for (i = 0; t[i] != NULL; i++)
		if (strcmp(n->text, t[i]) == 0) {
			*out = 1;
			return OPS_OK;
		}
	for (i = 0; f[i] != NULL; i++)
		if (strcmp(n->text, f[i]) == 0) {
			*out = 0;
			return OPS_OK;
		}
	anode_quote(n->text, q, sizeof(q));
	return anode_err(err, n, path, "'%s' is not true or false", q);
}

int
afield_int(const struct anode *n, const char *path, long long lo,
    long long hi, int *out, struct ops_err *err)
{
	long long	 v;
	char		*end, q[48];
	int		 rc;

	if ((rc = want_scalar(n, path, "an integer", err)) != OPS_OK)
		return rc;
	errno = 0;
	v = strtoll(n->text, &end, 10);
	if (end == n->text || *end != '\0' || errno != 0 || v < lo ||
	    v > hi || isspace((unsigned char)n->text[0])) {
		anode_quote(n->text, q, sizeof(q));
		return anode_err(err, n, path, "'%s' is not an integer from "
		    "%lld to %lld", q, lo, hi);
	}
	*out = (int)v;
	return OPS_OK;
}

int
afield_number(const struct anode *n, const char *path, double *out,
    struct ops_err *err)
{
	double	 v;
	char	*end, q[48];
	int	 rc;

	if ((rc = want_scalar(n, path, "a number", err)) != OPS_OK)
		return rc;
	errno = 0;
	v = strtod(n->text, &end);
	if (end == n->text || *end != '\0' || errno != 0 || !isfinite(v) ||
	    strpbrk(n->text, "xXnN") != NULL ||
	    isspace((unsigned char)n->text[0])) {
		anode_quote(n->text, q, sizeof(q));
		return anode_err(err, n, path, "'%s' is not a number", q);
	}
	*out = v;
	return OPS_OK;
}

int
afield_duration(const struct anode *n, const char *path, int *ms,
    struct ops_err *err)
{
	char	q[48];
	int	rc;

	if ((rc = want_scalar(n, path, "a duration", err)) != OPS_OK)
		return rc;
	if (auto_duration_ms(n->text, ms) != 0) {
		anode_quote(n->text, q, sizeof(q));
		return anode_err(err, n, path, "'%s' is not a duration (like "
		    "30s, 5m, 1h30m, 250ms or seconds; at most 7d)", q);
	}
	return OPS_OK;
}

int
afield_mode(const struct anode *n, const char *path, unsigned *mode,
    struct ops_err *err)
{
	char	q[48];
	int	rc;

	if ((rc = want_scalar(n, path, "a mode", err)) != OPS_OK)
		return rc;
	if (auto_mode_parse(n->text, mode) != 0) {
		anode_quote(n->text, q, sizeof(q));
		return anode_err(err, n, path, "'%s' is not a file mode (octal "
		    "digits like 0644 or 750, from 1 to 7777)", q);
	}
	return OPS_OK;
}

int
afield_amount(const struct anode *n, const char *path, int lo,
    struct auto_amount *out, struct ops_err *err)
{
	long long	 v;
	char		*end, q[48];
	int		 rc;

	if ((rc = want_scalar(n, path, "a number or a percentage", err)) !=
	    OPS_OK)
		return rc;
	memset(out, 0, sizeof(*out));
	errno = 0;
	v = strtoll(n->text, &end, 10);
	if (end != n->text && n->text[0] >= '0' && n->text[0] <= '9' &&
	    errno == 0) {
		if (*end == '\0' && v >= lo && v <= 1000000) {
			out->n = (int)v;
			return OPS_OK;
		}
		if (strcmp(end, "%") == 0 && v >= lo && v <= 100) {
			out->n = (int)v;
			out->pct = 1;
			return OPS_OK;
		}
	}
	anode_quote(n->text, q, sizeof(q));
	return anode_err(err, n, path, "'%s' is not a count or a percentage "
	    "(N from %d, or P%% from %d to 100)", q, lo, lo);
}

int
afield_words(const struct anode *n, const char *path, size_t max,
    char ***out, size_t *nout, struct ops_err *err)
{
	char	 p[128];
	size_t	 i;
	int	 rc;

	*out = NULL;
	*nout = 0;
	if (n->type == AN_SCALAR) {
		*out = xcalloc(1, sizeof(**out));
		if ((rc = afield_str(n, path, 0, 4096, &(*out)[0], err)) !=
		    OPS_OK) {
			free(*out);
			*out = NULL;
			return rc;
		}
		*nout = 1;
		return OPS_OK;
	}
	if (n->type != AN_SEQ)
		return anode_err(err, n, path, "must be a word or a list of "
		    "words, not a mapping");
	if (n->nkids == 0)
		return anode_err(err, n, path, "an empty list");
	if (n->nkids > max)
		return anode_err(err, n, path, "more than %zu items", max);
	*out = xcalloc(n->nkids, sizeof(**out));
	for (i = 0; i < n->nkids; i++) {
		snprintf(p, sizeof(p), "%s[%zu]", path, i);
		if ((rc = afield_str(&n->kids[i], p, 0, 4096, &(*out)[i],
		    err)) != OPS_OK)
			return rc;	/* the caller frees *out[0..nout) */
		*nout = i + 1;
	}
	return OPS_OK;
}

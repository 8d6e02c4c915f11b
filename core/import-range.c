/*
 * import-range.c: Ansible host ranges, "web[01:20].example.com",
 * "db[a:c]", "[1:9:2]" (import.h). A name may hold several ranges; each
 * expands in turn, the first varying slowest, as Ansible does.
 */
#include "config.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "import.h"
#include "xmalloc.h"

#define RANGES_MAX	8	/* ranges in one name */

static const char letters[] =
    "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ";

struct range {
	const char	*pre;		/* text before '[' */
	size_t		 npre;
	int		 alpha;
	long		 beg, end, step;
	int		 width;		/* zero-pad numbers to this */
};

struct expansion {
	char		**v;
	size_t		  n;
};

static int
all_digits(const char *s, size_t n)
{
	size_t	i;

	for (i = 0; i < n; i++)
		if (!isdigit((unsigned char)s[i]))
			return 0;
	return 1;
}

static long
number(const char *s, size_t n)
{
	long	v = 0;
	size_t	i;

	for (i = 0; i < n; i++)
		v = v * 10 + (s[i] - '0');
	return v;
}

/* Parse "beg:end[:step]" (n bytes at s) into r. */
static int
parse_range(const char *s, size_t n, const char *name, struct range *r,
    const char *source, unsigned line, struct ops_err *err)
{
	const char	*c1, *c2, *p;
	size_t		 nb, ne, ns;

	if ((c1 = memchr(s, ':', n)) == NULL)
		goto bad;
	nb = (size_t)(c1 - s);
	p = c1 + 1;
	if ((c2 = memchr(p, ':', n - nb - 1)) != NULL) {
		ne = (size_t)(c2 - p);
		ns = n - nb - 1 - ne - 1;
		if (ns == 0 || ns > 6 || !all_digits(c2 + 1, ns) ||
		    (r->step = number(c2 + 1, ns)) < 1)
			goto bad;
	} else {
		ne = n - nb - 1;
		r->step = 1;
	}
	if (ne == 0)
		goto bad;
	if (all_digits(s, nb) && all_digits(p, ne)) {
		if (nb > 9 || ne > 9)
			goto bad;
		r->alpha = 0;
		r->beg = nb == 0 ? 0 : number(s, nb);
		r->end = number(p, ne);
		r->width = nb > 1 && s[0] == '0' ? (int)nb : 0;
		if (r->width != 0 && ne != nb)
			return ops_err_set(err, OPS_E_INVAL, "%s:%u: host "
			    "range \"%.64s\": a zero-padded range needs a "
			    "beginning and an end of the same length", source,
			    line, name);
	} else if (nb == 1 && ne == 1 && strchr(letters, s[0]) != NULL &&
	    strchr(letters, p[0]) != NULL) {
		r->alpha = 1;
		r->beg = strchr(letters, s[0]) - letters;
		r->end = strchr(letters, p[0]) - letters;
	} else
		goto bad;
	if (r->beg > r->end)
		return ops_err_set(err, OPS_E_INVAL, "%s:%u: host range "
		    "\"%.64s\": the beginning is after the end", source, line,
		    name);
	return OPS_OK;
bad:
	return ops_err_set(err, OPS_E_INVAL, "%s:%u: bad host range "
	    "\"%.64s\": want [BEGIN:END] or [BEGIN:END:STEP], numbers or "
	    "single letters", source, line, name);
}

static int
emit(struct expansion *x, const struct range *r, size_t nr, size_t i,
    char *buf, size_t used, const char *tail, const char *name,
    const char *source, unsigned line, struct ops_err *err)
{
	long	v;
	int	n, rc;

	if (i == nr) {
		if (x->n >= IMPORT_RANGE_MAX)
			return ops_err_set(err, OPS_E_TOOBIG, "%s:%u: host "
			    "range \"%.64s\" expands to more than %d hosts",
			    source, line, name, IMPORT_RANGE_MAX);
		snprintf(buf + used, IMPORT_LINE_MAX + 64 - used, "%s", tail);
		x->v = xreallocarray(x->v, x->n + 1, sizeof(*x->v));
		x->v[x->n++] = xstrdup(buf);
		return OPS_OK;
	}
	for (v = r[i].beg; v <= r[i].end; v += r[i].step) {
		memcpy(buf + used, r[i].pre, r[i].npre);
		if (r[i].alpha)
			n = snprintf(buf + used + r[i].npre, 16, "%c",
			    letters[v]);
		else
			n = snprintf(buf + used + r[i].npre, 16, "%0*ld",
			    r[i].width, v);
		if ((rc = emit(x, r, nr, i + 1, buf, used + r[i].npre +
		    (size_t)n, tail, name, source, line, err)) != OPS_OK)
			return rc;
	}
	return OPS_OK;
}

int
import_range_expand(const char *name, const char *source, unsigned line,
    char ***out, size_t *nout, struct ops_err *err)
{
	struct range		 r[RANGES_MAX];
	struct expansion	 x = { NULL, 0 };
	const char		*p = name, *o, *c;
	char			*buf;
	size_t			 nr = 0, i;
	int			 rc;

	*out = NULL;
	*nout = 0;
	if (strlen(name) > IMPORT_LINE_MAX)
		return ops_err_set(err, OPS_E_INVAL, "%s:%u: host name too "
		    "long", source, line);
	while ((o = strchr(p, '[')) != NULL) {
		if ((c = strchr(o, ']')) == NULL)
			return ops_err_set(err, OPS_E_INVAL, "%s:%u: host "
			    "range \"%.64s\" has no closing ]", source, line,
			    name);
		if (nr == RANGES_MAX)
			return ops_err_set(err, OPS_E_INVAL, "%s:%u: host "
			    "\"%.64s\" has more than %d ranges", source, line,
			    name, RANGES_MAX);
		r[nr].pre = p;
		r[nr].npre = (size_t)(o - p);
		if ((rc = parse_range(o + 1, (size_t)(c - o - 1), name,
		    &r[nr], source, line, err)) != OPS_OK)
			return rc;
		nr++;
		p = c + 1;
	}
	if (strchr(p, ']') != NULL)
		return ops_err_set(err, OPS_E_INVAL, "%s:%u: host \"%.64s\" "
		    "has a ] without a [", source, line, name);
	/* Each range adds at most 10 characters to the name's length. */
	buf = xmalloc(IMPORT_LINE_MAX + 64 + 16);
	rc = emit(&x, r, nr, 0, buf, 0, p, name, source, line, err);
	free(buf);
	if (rc != OPS_OK) {
		for (i = 0; i < x.n; i++)
			free(x.v[i]);
		free(x.v);
		return rc;
	}
	*out = x.v;
	*nout = x.n;
	return OPS_OK;
}

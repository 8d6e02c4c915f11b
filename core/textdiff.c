/*
 * textdiff.c: unified diffs (textdiff.h). Myers' greedy algorithm keeps
 * one copy of the V array per edit distance d, (D+1)^2 integers in all,
 * which TEXTDIFF_MAX_EDITS bounds; the backtrack through those copies
 * gives the edit script, and hunks are cut from the whole script.
 */
#include "config.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "textdiff.h"

struct line {
	const char	*p;
	size_t		 len;		/* with its LF, if it has one */
};

struct lines {
	struct line	*v;
	size_t		 n;
};

/* One entry of the edit script: ' ', '-' or '+', and where it stands. */
struct edit {
	char		 op;
	size_t		 ai, bi;	/* a's and b's line at this point */
};

struct script {
	struct edit	*v;
	size_t		 n, cap;
};

struct obuf {
	char		*p;
	size_t		 len, cap;
	int		 failed;
};

static int
split(const char *s, size_t len, struct lines *l)
{
	size_t	i, start = 0, n = 0;

	l->v = NULL;
	l->n = 0;
	for (i = 0; i < len; i++)
		if (s[i] == '\n')
			n++;
	if (len > 0 && s[len - 1] != '\n')
		n++;
	if ((l->v = calloc(n > 0 ? n : 1, sizeof(*l->v))) == NULL)
		return -1;
	for (i = 0; i < len; i++) {
		if (s[i] == '\n' || i == len - 1) {
			l->v[l->n].p = s + start;
			l->v[l->n].len = i + 1 - start;
			l->n++;
			start = i + 1;
		}
	}
	return 0;
}

static int
same(const struct line *x, const struct line *y)
{
	return x->len == y->len && memcmp(x->p, y->p, x->len) == 0;
}

static int
push(struct script *s, char op, size_t ai, size_t bi)
{
	struct edit	*v;
	size_t		 cap;

	if (s->n == s->cap) {
		cap = s->cap > 0 ? s->cap * 2 : 64;
		if ((v = reallocarray(s->v, cap, sizeof(*v))) == NULL)
			return -1;
		s->v = v;
		s->cap = cap;
	}
	s->v[s->n].op = op;
	s->v[s->n].ai = ai;
	s->v[s->n].bi = bi;
	s->n++;
	return 0;
}

/* Reverse s->v[from..n). */
static void
reverse(struct script *s, size_t from)
{
	struct edit	t;
	size_t		i, j;

	if (s->n <= from)
		return;
	for (i = from, j = s->n - 1; i < j; i++, j--) {
		t = s->v[i];
		s->v[i] = s->v[j];
		s->v[j] = t;
	}
}

/*
 * The shortest script turning a[ao..ao+n) into b[bo..bo+m), appended to
 * s; 1 when it would take more than TEXTDIFF_MAX_EDITS edits (nothing
 * appended), -1 out of memory.
 */
static int
myers(const struct lines *a, size_t ao, size_t n, const struct lines *b,
    size_t bo, size_t m, struct script *s)
{
	long		 max = (long)(n + m), dmax, d, k, x, y, px, pk;
	long		*trace = NULL, *v, *pv;
	size_t		 from = s->n;
	int		 found = 0;

	dmax = max < TEXTDIFF_MAX_EDITS ? max : TEXTDIFF_MAX_EDITS;
	/* trace[d] is V before step d, for k in -d..d: 2d+1 values at
	 * offset d*d. The working V is the last of them being filled. */
	if ((trace = calloc((size_t)(dmax + 2) * (size_t)(dmax + 2),
	    sizeof(*trace))) == NULL)
		return -1;
	for (d = 0; d <= dmax && !found; d++) {
		v = trace + d * d + d;		/* v[k], k in -d..d */
		pv = d > 0 ? trace + (d - 1) * (d - 1) + (d - 1) : NULL;
		for (k = -d; k <= d; k += 2) {
			if (d == 0)
				x = 0;
			else if (k == -d || (k != d && pv[k - 1] < pv[k + 1]))
				x = pv[k + 1];
			else
				x = pv[k - 1] + 1;
			y = x - k;
			while (x < (long)n && y < (long)m &&
			    same(&a->v[ao + x], &b->v[bo + y])) {
				x++;
				y++;
			}
			v[k] = x;
			if (x >= (long)n && y >= (long)m) {
				found = 1;
				break;
			}
		}
	}
	if (!found) {
		free(trace);
		return 1;
	}
	d--;
	x = (long)n;
	y = (long)m;
	for (; d > 0; d--) {
		pv = trace + (d - 1) * (d - 1) + (d - 1);
		k = x - y;
		if (k == -d || (k != d && pv[k - 1] < pv[k + 1]))
			pk = k + 1;
		else
			pk = k - 1;
		px = pv[pk];
		while (x > px && y > px - pk) {
			if (push(s, ' ', ao + x - 1, bo + y - 1) != 0)
				goto nomem;
			x--;
			y--;
		}
		if (pk == k + 1) {
			if (push(s, '+', ao + x, bo + y - 1) != 0)
				goto nomem;
			y--;
		} else {
			if (push(s, '-', ao + x - 1, bo + y) != 0)
				goto nomem;
			x--;
		}
	}
	while (x > 0 && y > 0) {
		if (push(s, ' ', ao + x - 1, bo + y - 1) != 0)
			goto nomem;
		x--;
		y--;
	}
	free(trace);
	reverse(s, from);
	return 0;
nomem:
	free(trace);
	return -1;
}

static void
out_add(struct obuf *o, const char *p, size_t len)
{
	char	*np;
	size_t	 cap;

	if (o->failed)
		return;
	if (o->len + len + 1 > o->cap) {
		cap = o->cap > 0 ? o->cap : 256;
		while (o->len + len + 1 > cap)
			cap *= 2;
		if ((np = realloc(o->p, cap)) == NULL) {
			o->failed = 1;
			return;
		}
		o->p = np;
		o->cap = cap;
	}
	memcpy(o->p + o->len, p, len);
	o->len += len;
	o->p[o->len] = '\0';
}

static void
out_str(struct obuf *o, const char *s)
{
	out_add(o, s, strlen(s));
}

static void
out_fmt(struct obuf *o, const char *fmt, ...)
{
	char	buf[128];
	va_list	ap;
	int	n;

	va_start(ap, fmt);
	n = vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	if (n > 0)
		out_add(o, buf, (size_t)n < sizeof(buf) ? (size_t)n :
		    sizeof(buf) - 1);
}

static void
out_line(struct obuf *o, char op, const struct line *l)
{
	out_add(o, &op, 1);
	out_add(o, l->p, l->len);
	if (l->len == 0 || l->p[l->len - 1] != '\n')
		out_str(o, "\n\\ No newline at end of file\n");
}

static void
out_range(struct obuf *o, char sign, size_t start, size_t count)
{
	if (count == 1)
		out_fmt(o, "%c%zu", sign, start + 1);
	else
		out_fmt(o, "%c%zu,%zu", sign, count == 0 ? start : start + 1,
		    count);
}

static void
out_hunk(struct obuf *o, const struct script *s, size_t from, size_t to,
    const struct lines *a, const struct lines *b)
{
	size_t	i, na = 0, nb = 0;

	for (i = from; i < to; i++) {
		if (s->v[i].op != '+')
			na++;
		if (s->v[i].op != '-')
			nb++;
	}
	out_add(o, "@@ ", 3);
	out_range(o, '-', s->v[from].ai, na);
	out_add(o, " ", 1);
	out_range(o, '+', s->v[from].bi, nb);
	out_add(o, " @@\n", 4);
	for (i = from; i < to; i++) {
		if (s->v[i].op == '+')
			out_line(o, '+', &b->v[s->v[i].bi]);
		else
			out_line(o, s->v[i].op, &a->v[s->v[i].ai]);
	}
}

static void
out_hunks(struct obuf *o, const struct script *s, const struct lines *a,
    const struct lines *b, size_t ctx)
{
	size_t	i = 0, from, last, j;

	while (i < s->n) {
		while (i < s->n && s->v[i].op == ' ')
			i++;
		if (i == s->n)
			break;
		from = i > ctx ? i - ctx : 0;
		last = i;
		/* Take in the next change while the gap is at most 2*ctx. */
		for (j = i + 1; j < s->n; j++) {
			if (s->v[j].op == ' ')
				continue;
			if (j - last - 1 > 2 * ctx)
				break;
			last = j;
		}
		i = last + 1 + ctx < s->n ? last + 1 + ctx : s->n;
		out_hunk(o, s, from, i, a, b);
	}
}

int
textdiff_unified(const char *a, size_t alen, const char *b, size_t blen,
    const char *label_a, const char *label_b, int ctx, char **out,
    size_t *outlen, struct ops_err *err)
{
	struct lines	 la = { NULL, 0 }, lb = { NULL, 0 };
	struct script	 s = { NULL, 0, 0 };
	struct obuf	 o = { NULL, 0, 0, 0 };
	size_t		 head = 0, tail = 0, i;
	int		 rc = OPS_OK, r;

	*out = NULL;
	if (outlen != NULL)
		*outlen = 0;
	if (split(a, alen, &la) != 0 || split(b, blen, &lb) != 0)
		goto nomem;
	while (head < la.n && head < lb.n && same(&la.v[head], &lb.v[head]))
		head++;
	while (tail < la.n - head && tail < lb.n - head &&
	    same(&la.v[la.n - 1 - tail], &lb.v[lb.n - 1 - tail]))
		tail++;
	for (i = 0; i < head; i++)
		if (push(&s, ' ', i, i) != 0)
			goto nomem;
	r = myers(&la, head, la.n - head - tail, &lb, head,
	    lb.n - head - tail, &s);
	if (r < 0)
		goto nomem;
	if (r > 0) {
		for (i = head; i < la.n - tail; i++)
			if (push(&s, '-', i, head) != 0)
				goto nomem;
		for (i = head; i < lb.n - tail; i++)
			if (push(&s, '+', la.n - tail, i) != 0)
				goto nomem;
	}
	for (i = 0; i < tail; i++)
		if (push(&s, ' ', la.n - tail + i, lb.n - tail + i) != 0)
			goto nomem;
	out_add(&o, "", 0);
	if (head != la.n || head != lb.n) {
		out_str(&o, "--- ");
		out_str(&o, label_a);
		out_str(&o, "\n+++ ");
		out_str(&o, label_b);
		out_str(&o, "\n");
		out_hunks(&o, &s, &la, &lb, ctx > 0 ? (size_t)ctx : 0);
	}
	if (o.failed)
		goto nomem;
	*out = o.p;
	if (outlen != NULL)
		*outlen = o.len;
	o.p = NULL;
	goto out;
nomem:
	rc = ops_err_set(err, OPS_E_NOMEM, "diff");
out:
	free(o.p);
	free(s.v);
	free(la.v);
	free(lb.v);
	return rc;
}

/*
 * test-textdiff.c: unified diffs (core/textdiff.c). Fixed cases against
 * the text diff -u prints (hunk headers, context, a missing final
 * newline, empty sides, equal texts), then random texts: applying the
 * diff to a gives b, and the number of changed lines is the shortest
 * possible (n + m - 2 * LCS, by dynamic programming), while the fallback
 * for too many edits still gives a correct diff.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tap.h"
#include "textdiff.h"

static char *
diff(const char *a, const char *b, int ctx)
{
	struct ops_err	 err;
	char		*out = NULL;

	if (textdiff_unified(a, strlen(a), b, strlen(b), "a", "b", ctx, &out,
	    NULL, &err) != OPS_OK)
		return NULL;
	return out;
}

static void
check(const char *a, const char *b, int ctx, const char *want,
    const char *what)
{
	char	*got = diff(a, b, ctx);

	if (!ok(got != NULL && strcmp(got, want) == 0, "%s", what))
		diag("got:\n%s\nwant:\n%s", got != NULL ? got : "(null)", want);
	free(got);
}

static void
test_fixed(void)
{
	check("x\ny\n", "x\ny\n", 3, "", "equal texts: no output");
	check("", "", 3, "", "two empty texts");
	check("a\nb\nc\n", "a\nB\nc\n", 3,
	    "--- a\n+++ b\n@@ -1,3 +1,3 @@\n a\n-b\n+B\n c\n",
	    "one changed line with context");
	check("", "one\n", 3, "--- a\n+++ b\n@@ -0,0 +1 @@\n+one\n",
	    "from empty: -0,0 and a count of 1 left out");
	check("one\ntwo\n", "", 3,
	    "--- a\n+++ b\n@@ -1,2 +0,0 @@\n-one\n-two\n", "to empty");
	check("a\nb", "a\nb\n", 3,
	    "--- a\n+++ b\n@@ -1,2 +1,2 @@\n a\n-b\n"
	    "\\ No newline at end of file\n+b\n",
	    "a missing final newline is a difference, and said");
	check("1\n2\n3\n4\n5\n6\n7\n8\n9\n10\n11\n12\n",
	    "1\nX\n3\n4\n5\n6\n7\n8\n9\n10\nY\n12\n", 1,
	    "--- a\n+++ b\n@@ -1,3 +1,3 @@\n 1\n-2\n+X\n 3\n"
	    "@@ -10,3 +10,3 @@\n 10\n-11\n+Y\n 12\n",
	    "changes far apart: two hunks");
	check("1\n2\n3\n4\n5\n", "1\nX\n3\nY\n5\n", 1,
	    "--- a\n+++ b\n@@ -1,5 +1,5 @@\n 1\n-2\n+X\n 3\n-4\n+Y\n 5\n",
	    "changes close together: one hunk");
	check("a\nb\nc\n", "a\nc\n", 0, "--- a\n+++ b\n@@ -2 +1,0 @@\n-b\n",
	    "no context: a deletion");
	check("a\nc\n", "a\nb\nc\n", 0, "--- a\n+++ b\n@@ -1,0 +2 @@\n+b\n",
	    "no context: an insertion");
}

/* Apply a unified diff made by textdiff to a (lines all ending in LF);
 * NULL when it does not fit. */
static char *
patch(const char *a, const char *d)
{
	const char	*p = d, *nl, *ap = a;
	char		*out;
	size_t		 olen = 0;
	long		 astart, acount, line = 1;

	if ((out = malloc(strlen(a) + strlen(d) + 1)) == NULL)
		return NULL;
	if (*p != '\0') {
		p = strchr(p, '\n') + 1;	/* --- */
		p = strchr(p, '\n') + 1;	/* +++ */
	}
	while (*p != '\0') {
		if (sscanf(p, "@@ -%ld", &astart) != 1)
			goto bad;
		acount = 1;
		(void)sscanf(p, "@@ -%*d,%ld", &acount);
		if (acount == 0)
			astart++;
		/* copy a's lines before the hunk */
		while (line < astart) {
			if ((nl = strchr(ap, '\n')) == NULL)
				goto bad;
			memcpy(out + olen, ap, nl + 1 - ap);
			olen += nl + 1 - ap;
			ap = nl + 1;
			line++;
		}
		p = strchr(p, '\n') + 1;
		/* every line ends in LF here (random_text) */
		while (*p == ' ' || *p == '-' || *p == '+') {
			nl = strchr(p, '\n');
			if (*p != '+') {
				if (strncmp(ap, p + 1, nl - p) != 0)
					goto bad;
				ap += nl - p;
				line++;
			}
			if (*p != '-') {
				memcpy(out + olen, p + 1, nl - p);
				olen += nl - p;
			}
			p = nl + 1;
		}
	}
	memcpy(out + olen, ap, strlen(ap));
	olen += strlen(ap);
	out[olen] = '\0';
	return out;
bad:
	free(out);
	return NULL;
}

static size_t
nlines(const char *s)
{
	size_t	n = 0;

	for (; *s != '\0'; s++)
		if (*s == '\n')
			n++;
	return n;
}

/* Length of the LCS of the lines (all end in LF, one letter each). */
static size_t
lcs(const char *a, const char *b)
{
	size_t	 n = nlines(a), m = nlines(b), i, j, r, *t;

	t = calloc((n + 1) * (m + 1), sizeof(*t));
	for (i = 1; i <= n; i++)
		for (j = 1; j <= m; j++)
			t[i * (m + 1) + j] = a[2 * (i - 1)] == b[2 * (j - 1)] ?
			    t[(i - 1) * (m + 1) + j - 1] + 1 :
			    (t[(i - 1) * (m + 1) + j] > t[i * (m + 1) + j - 1] ?
			    t[(i - 1) * (m + 1) + j] : t[i * (m + 1) + j - 1]);
	r = t[n * (m + 1) + m];
	free(t);
	return r;
}

static size_t
changed(const char *d)
{
	const char	*p;
	size_t		 n = 0;

	for (p = d; *p != '\0'; p = strchr(p, '\n') + 1)
		if ((*p == '-' || *p == '+') && strncmp(p, "--- ", 4) != 0 &&
		    strncmp(p, "+++ ", 4) != 0)
			n++;
	return n;
}

static char *
random_text(unsigned *seed, size_t maxlines, int letters)
{
	size_t	 n = (size_t)(rand_r(seed) % (int)(maxlines + 1)), i;
	char	*s = malloc(2 * n + 1);

	for (i = 0; i < n; i++) {
		s[2 * i] = (char)('a' + rand_r(seed) % letters);
		s[2 * i + 1] = '\n';
	}
	s[2 * n] = '\0';
	return s;
}

static void
test_random(void)
{
	unsigned	 seed = 12;
	char		*a, *b, *d, *p;
	int		 i, good = 1, shortest = 1;

	for (i = 0; i < 500; i++) {
		a = random_text(&seed, 30, 4);
		b = random_text(&seed, 30, 4);
		d = diff(a, b, i % 4);
		p = d != NULL ? patch(a, d) : NULL;
		if (p == NULL || strcmp(p, b) != 0) {
			if (good)
				diag("a:\n%sb:\n%sdiff:\n%s", a, b,
				    d != NULL ? d : "(null)");
			good = 0;
		}
		if (d != NULL && changed(d) != nlines(a) + nlines(b) -
		    2 * lcs(a, b))
			shortest = 0;
		free(a);
		free(b);
		free(d);
		free(p);
	}
	ok(good, "500 random pairs: patching a with the diff gives b");
	ok(shortest, "and every diff changes the fewest lines (LCS)");
}

static void
test_big(void)
{
	char	*a, *b, *d, *p;
	size_t	 n = 3 * TEXTDIFF_MAX_EDITS, i;

	a = malloc(2 * n + 1);
	b = malloc(2 * n + 1);
	for (i = 0; i < n; i++) {
		a[2 * i] = 'a';
		b[2 * i] = 'b';
		a[2 * i + 1] = b[2 * i + 1] = '\n';
	}
	a[2 * n] = b[2 * n] = '\0';
	d = diff(a, b, 3);
	p = d != NULL ? patch(a, d) : NULL;
	ok(p != NULL && strcmp(p, b) == 0 && changed(d) == 2 * n,
	    "more edits than the limit: all removed, all added, still right");
	free(a);
	free(b);
	free(d);
	free(p);
}

int
main(void)
{
	plan_no_plan();
	test_fixed();
	test_random();
	test_big();
	return exit_status();
}

/*
 * test-termsafe.c: the terminal filter (core/termsafe). Every byte value
 * alone; every two-byte sequence; overlong forms, surrogates and code
 * points past U+10FFFF; C1 raw and encoded; CR LF; sequences split
 * across chunks at every point; a cut buffer; then a fuzz loop: random
 * input cut into random chunks never yields a control byte or bad UTF-8,
 * the chunking never changes the result, and filtering twice changes
 * nothing more.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "termsafe.h"
#include "../lib/tap.h"

/* The filter's stream output for p, fed in chunks cut at cuts[]. */
static char *
stream(const void *p, size_t len, int flags, const size_t *cuts, size_t ncut,
    size_t *outlen)
{
	struct termsafe	 ts;
	char		*buf = NULL;
	size_t		 size = 0, at = 0, i;
	FILE		*fp = open_memstream(&buf, &size);

	if (fp == NULL)
		return NULL;
	termsafe_init(&ts, flags);
	for (i = 0; i <= ncut; i++) {
		size_t	end = i < ncut ? cuts[i] : len;

		(void)termsafe_write(&ts, fp, (const char *)p + at, end - at);
		at = end;
	}
	(void)termsafe_flush(&ts, fp);
	fclose(fp);
	*outlen = size;
	return buf;
}

static int
escaped_is(const void *p, size_t len, int flags, const char *want)
{
	char	out[256];

	termsafe_escape(p, len, flags, out, sizeof(out));
	if (strcmp(out, want) == 0)
		return 1;
	diag("  got \"%s\", want \"%s\"", out, want);
	return 0;
}

/*
 * An independent check of the output contract: decode by the minimum
 * code point of each length (not by second-byte ranges, as the filter
 * does). Returns the offset of the first bad byte, or -1.
 */
static long
first_bad(const unsigned char *p, size_t len, int flags)
{
	static const unsigned int	min[5] = { 0, 0, 0x80, 0x800, 0x10000 };
	size_t				i = 0, k, n;
	unsigned int			cp;

	while (i < len) {
		if (p[i] < 0x80) {
			if (p[i] == '\r' && (flags & TERMSAFE_LF) && i + 1 < len &&
			    p[i + 1] == '\n') {
				i++;
				continue;
			}
			if ((p[i] < 0x20 && p[i] != '\t' && !(p[i] == '\n' &&
			    (flags & TERMSAFE_LF))) || p[i] == 0x7f)
				return (long)i;
			i++;
			continue;
		}
		n = (p[i] & 0xe0) == 0xc0 ? 2 : (p[i] & 0xf0) == 0xe0 ? 3 :
		    (p[i] & 0xf8) == 0xf0 ? 4 : 0;
		if (n == 0 || i + n > len)
			return (long)i;
		cp = p[i] & (0x7f >> n);
		for (k = 1; k < n; k++) {
			if ((p[i + k] & 0xc0) != 0x80)
				return (long)i;
			cp = cp << 6 | (p[i + k] & 0x3f);
		}
		if (cp < min[n] || cp > 0x10ffff || (cp >= 0xd800 &&
		    cp <= 0xdfff) || cp <= 0x9f)
			return (long)i;
		i += n;
	}
	return -1;
}

static unsigned long long rng;

static unsigned int
rnd(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return (unsigned int)(rng >> 11);
}

/* Random bytes biased towards UTF-8 lead and continuation bytes. */
static void
fill(unsigned char *p, size_t len)
{
	static const unsigned char	pick[] = { 0x00, 0x07, 0x09, 0x0a, 0x0d,
	    0x1b, 0x7f, 0x80, 0x9b, 0xbf, 0xc0, 0xc2, 0xdf, 0xe0, 0xed, 0xef,
	    0xf0, 0xf4, 0xf5, 0xff, '\\', 'A' };
	size_t				i;

	for (i = 0; i < len; i++) {
		switch (rnd() % 4) {
		case 0:
			p[i] = pick[rnd() % sizeof(pick)];
			break;
		case 1:
			p[i] = 0x80 | (rnd() % 0x40);
			break;
		default:
			p[i] = (unsigned char)rnd();
			break;
		}
	}
}

static void
test_each_byte(void)
{
	unsigned char	b[1];
	char		want[8];
	int		c, bad = 0, badlf = 0;

	for (c = 0; c < 256; c++) {
		b[0] = (unsigned char)c;
		if ((c >= 0x20 && c < 0x7f) || c == '\t')
			snprintf(want, sizeof(want), "%c", c);
		else
			snprintf(want, sizeof(want), "\\x%02x", c);
		if (!escaped_is(b, 1, 0, want)) {
			diag("  byte 0x%02x", c);
			bad++;
		}
		if (c == '\n')
			snprintf(want, sizeof(want), "\n");
		if (!escaped_is(b, 1, TERMSAFE_LF, want))
			badlf++;
	}
	is_int(bad, 0, "each of the 256 bytes alone: printable ASCII and TAB "
	    "pass, the rest is \\xNN");
	is_int(badlf, 0, "with TERMSAFE_LF the same, but LF passes");
}

static void
test_two_byte(void)
{
	unsigned char	b[2];
	char		want[16];
	int		l, c, bad = 0;

	for (l = 0xc0; l <= 0xdf; l++)
		for (c = 0x80; c <= 0xbf; c++) {
			b[0] = (unsigned char)l;
			b[1] = (unsigned char)c;
			if (l >= 0xc2 && !(l == 0xc2 && c <= 0x9f))
				snprintf(want, sizeof(want), "%c%c", l, c);
			else
				snprintf(want, sizeof(want), "\\x%02x\\x%02x",
				    l, c);
			if (!escaped_is(b, 2, 0, want))
				bad++;
		}
	is_int(bad, 0, "all two-byte sequences: U+00A0-U+07FF pass, "
	    "overlong C0/C1 leads and encoded C1 controls are escaped");
}

static void
test_forms(void)
{
	ok(escaped_is("\xe2\x82\xac \xf0\x9f\x98\x80 \xc3\xa9", 11, 0,
	    "\xe2\x82\xac \xf0\x9f\x98\x80 \xc3\xa9"),
	    "three- and four-byte characters pass");
	ok(escaped_is("\xc2\x9b" "31m\x9b" "2J", 8, 0,
	    "\\xc2\\x9b31m\\x9b2J"), "C1 CSI encoded and raw are escaped");
	ok(escaped_is("\x1b]0;t\x07" "\x1b[2J", 10, 0,
	    "\\x1b]0;t\\x07\\x1b[2J"), "OSC title, BEL and CSI are escaped");
	ok(escaped_is("a\0b", 3, 0, "a\\x00b"), "NUL is escaped and the "
	    "rest follows");
	ok(escaped_is("\xc0\xaf\xe0\x80\xaf\xf0\x80\x80\xaf", 9, 0,
	    "\\xc0\\xaf\\xe0\\x80\\xaf\\xf0\\x80\\x80\\xaf"),
	    "overlong '/' in two, three and four bytes is escaped");
	ok(escaped_is("\xe0\xa0\x80\xf0\x90\x80\x80", 7, 0,
	    "\xe0\xa0\x80\xf0\x90\x80\x80"),
	    "the shortest three- and four-byte forms pass");
	ok(escaped_is("\xed\xa0\x80\xed\xbf\xbf", 6, 0,
	    "\\xed\\xa0\\x80\\xed\\xbf\\xbf"), "UTF-16 surrogates are escaped");
	ok(escaped_is("\xed\x9f\xbf\xee\x80\x80", 6, 0,
	    "\xed\x9f\xbf\xee\x80\x80"), "U+D7FF and U+E000 pass");
	ok(escaped_is("\xf4\x8f\xbf\xbf", 4, 0, "\xf4\x8f\xbf\xbf"),
	    "U+10FFFF passes");
	ok(escaped_is("\xf4\x90\x80\x80\xf5\x80\x80\x80", 8, 0,
	    "\\xf4\\x90\\x80\\x80\\xf5\\x80\\x80\\x80"),
	    "past U+10FFFF is escaped");
	ok(escaped_is("\xe2\x82" "A\xe2\x82", 5, 0, "\\xe2\\x82A\\xe2\\x82"),
	    "a sequence cut by another byte or by the end is escaped");
	ok(escaped_is("\xfe\xff", 2, 0, "\\xfe\\xff"), "0xfe and 0xff are "
	    "escaped");
	ok(escaped_is("a\r\nb\rc\r", 7, TERMSAFE_LF, "a\r\nb\\x0dc\\x0d"),
	    "CR LF passes with TERMSAFE_LF; a CR alone is escaped");
	ok(escaped_is("a\r\n", 3, 0, "a\\x0d\\x0a"),
	    "without TERMSAFE_LF both are escaped");
	ok(escaped_is("C:\\x1b", 6, 0, "C:\\x1b"), "a backslash is kept");
	ok(termsafe_clean("ok \xc3\xa9\t", 6, 0) &&
	    !termsafe_clean("a\x1b", 2, 0) && !termsafe_clean("\xc3", 1, 0),
	    "termsafe_clean tells clean from not");
}

static void
test_cut_buffer(void)
{
	char	out[8];
	size_t	n;

	n = termsafe_escape("ab\x1b\x1b", 4, 0, out, sizeof(out));
	ok(n == 6 && strcmp(out, "ab\\x1b") == 0, "a small buffer cuts "
	    "after a whole escape (\"%s\")", out);
	n = termsafe_escape("abcd\x1b", 5, 0, out, sizeof(out));
	ok(n == 4 && strcmp(out, "abcd") == 0, "an escape that does not "
	    "fit is left out whole (\"%s\")", out);
	n = termsafe_escape("abcdef\xe2\x82\xac", 9, 0, out, sizeof(out));
	ok(n == 6 && strcmp(out, "abcdef") == 0, "so is a character");
	ok(termsafe_escape("x", 1, 0, out, 0) == 0, "a zero-sized buffer is "
	    "left alone");
}

static void
test_split(void)
{
	static const char	*const in[] = { "\xe2\x82\xac", "\xc3\xa9",
	    "\xf0\x9f\x98\x80", "x\r\ny", "\xe2\x82" "A", "\xed\xa0\x80",
	    "\xc2\x9b" };
	static const char	*const want[] = { "\xe2\x82\xac", "\xc3\xa9",
	    "\xf0\x9f\x98\x80", "x\r\ny", "\\xe2\\x82A", "\\xed\\xa0\\x80",
	    "\\xc2\\x9b" };
	size_t			 i, cut, len, olen, cuts[2];
	char			*out;
	int			 bad = 0;

	for (i = 0; i < sizeof(in) / sizeof(in[0]); i++) {
		len = strlen(in[i]);
		for (cut = 0; cut <= len; cut++) {
			cuts[0] = cut;
			out = stream(in[i], len, TERMSAFE_LF, cuts, 1, &olen);
			if (out == NULL || olen != strlen(want[i]) ||
			    memcmp(out, want[i], olen) != 0) {
				diag("  input %zu cut at %zu: \"%.*s\"", i, cut,
				    (int)olen, out != NULL ? out : "");
				bad++;
			}
			free(out);
		}
	}
	is_int(bad, 0, "characters, CR LF and bad sequences split across two "
	    "chunks at every point come out as if whole");
	/* One byte per chunk, a long mixed line. */
	{
		static const char	s[] = "A\xe2\x82\xac\x1b[31m\xf0\x9f\x98"
		    "\x80\xc2\x9b\xff\r\nz";
		size_t			c[sizeof(s)];
		char			ref[128];

		for (i = 0; i + 1 < sizeof(s) - 1; i++)
			c[i] = i + 1;
		out = stream(s, sizeof(s) - 1, TERMSAFE_LF, c, sizeof(s) - 2,
		    &olen);
		termsafe_escape(s, sizeof(s) - 1, TERMSAFE_LF, ref,
		    sizeof(ref));
		ok(out != NULL && olen == strlen(ref) &&
		    memcmp(out, ref, olen) == 0, "one byte per chunk gives the "
		    "same as the whole buffer");
		free(out);
	}
	/* A cut character at the end of the stream is escaped by flush. */
	cuts[0] = 2;
	out = stream("a\xe2\x82", 3, 0, cuts, 1, &olen);
	ok(out != NULL && olen == 9 && memcmp(out, "a\\xe2\\x82", 9) == 0,
	    "flush escapes a character the stream cut off");
	free(out);
}

static void
test_fuzz(void)
{
	unsigned char	 in[512];
	char		*out, *ref, *again;
	size_t		 len, olen, cuts[8], ncut, i, k, rlen;
	int		 flags, badbyte = 0, badchunk = 0, badtwice = 0;
	long		 at;

	rng = (unsigned long long)time(NULL) | 1;
	diag("fuzz seed %llu", rng);
	for (i = 0; i < 20000; i++) {
		len = rnd() % sizeof(in);
		flags = rnd() % 2 ? TERMSAFE_LF : 0;
		fill(in, len);
		ncut = len > 0 ? rnd() % 8 : 0;
		for (k = 0; k < ncut; k++)
			cuts[k] = rnd() % (len + 1);
		/* chunk ends must ascend */
		for (k = 1; k < ncut; k++)
			if (cuts[k] < cuts[k - 1])
				cuts[k] = cuts[k - 1];
		out = stream(in, len, flags, cuts, ncut, &olen);
		if (out == NULL)
			continue;
		if ((at = first_bad((unsigned char *)out, olen, flags)) >= 0) {
			if (badbyte++ == 0)
				diag("  round %zu: bad output byte 0x%02x at "
				    "%ld", i, (unsigned char)out[at], at);
		}
		rlen = len * TERMSAFE_GROWTH + 1;
		if ((ref = malloc(rlen)) != NULL) {
			if (termsafe_escape(in, len, flags, ref, rlen) != olen ||
			    memcmp(ref, out, olen) != 0)
				badchunk++;
			free(ref);
		}
		if ((again = malloc(olen * TERMSAFE_GROWTH + 1)) != NULL) {
			if (!termsafe_clean(out, olen, flags) ||
			    termsafe_escape(out, olen, flags, again,
			    olen * TERMSAFE_GROWTH + 1) != olen)
				badtwice++;
			free(again);
		}
		free(out);
	}
	is_int(badbyte, 0, "fuzz: 20000 random inputs never give a control "
	    "byte, DEL, C1 or bad UTF-8");
	is_int(badchunk, 0, "fuzz: random chunking never changes the output");
	is_int(badtwice, 0, "fuzz: filtered output passes the filter "
	    "unchanged");
}

static void
test_strdup(void)
{
	char	*s = termsafe_strdup("\x1b\x1b\x1b\x1b", 0);

	ok(s != NULL && strcmp(s, "\\x1b\\x1b\\x1b\\x1b") == 0,
	    "termsafe_strdup never cuts (four escapes in sixteen bytes)");
	free(s);
}

int
main(void)
{
	plan(30);
	test_each_byte();
	test_two_byte();
	test_forms();
	test_cut_buffer();
	test_split();
	test_strdup();
	test_fuzz();
	return exit_status();
}

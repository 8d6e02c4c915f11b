/*
 * termsafe.c: the terminal filter (see termsafe.h for what passes).
 */
#include "config.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "termsafe.h"
#include "xmalloc.h"

/*
 * The length of the character at p that may pass (> 0); 0 when p[0] is
 * to be shown as an escape; -1 when p holds the start of a character that
 * may pass but the input ends before it does.
 */
static int
char_len(const unsigned char *p, size_t len, int flags)
{
	unsigned char	c = p[0];
	unsigned int	cp;
	int		n, i;

	if (c == '\t')
		return 1;
	if (c == '\n')
		return flags & TERMSAFE_LF ? 1 : 0;
	if (c == '\r') {
		if (!(flags & TERMSAFE_LF))
			return 0;
		return len < 2 ? -1 : p[1] == '\n' ? 1 : 0;
	}
	if (c < 0x20 || c == 0x7f)
		return 0;
	if (c < 0x80)
		return 1;
	/* 0x80-0xc1 never start a character (0xc0, 0xc1 only overlong). */
	if (c >= 0xc2 && c <= 0xdf)
		n = 2, cp = c & 0x1f;
	else if (c >= 0xe0 && c <= 0xef)
		n = 3, cp = c & 0x0f;
	else if (c >= 0xf0 && c <= 0xf4)
		n = 4, cp = c & 0x07;
	else
		return 0;
	for (i = 1; i < n; i++) {
		if ((size_t)i >= len)
			return -1;
		if ((p[i] & 0xc0) != 0x80)
			return 0;
		/* The second byte rules out overlong forms, surrogates and
		 * code points past U+10FFFF (RFC 3629, section 4). */
		if (i == 1 && ((c == 0xe0 && p[1] < 0xa0) ||
		    (c == 0xed && p[1] > 0x9f) ||
		    (c == 0xf0 && p[1] < 0x90) ||
		    (c == 0xf4 && p[1] > 0x8f)))
			return 0;
		cp = cp << 6 | (p[i] & 0x3f);
	}
	if (cp <= 0x9f)		/* C1 controls, encoded */
		return 0;
	return n;
}

/*
 * Escape from p (len bytes) into out (room bytes), whole characters and
 * escapes only, as many as fit. With final, a character cut by the end
 * of the input is escaped; without, it is left for later. Returns the
 * input bytes used; *outn gets the bytes written.
 */
static size_t
escape_some(const unsigned char *p, size_t len, int flags, int final,
    char *out, size_t room, size_t *outn)
{
	static const char	hex[] = "0123456789abcdef";
	size_t			i = 0, o = 0;
	int			n;

	while (i < len) {
		n = char_len(p + i, len - i, flags);
		if (n < 0 && !final)
			break;
		if (n <= 0) {
			if (room - o < TERMSAFE_GROWTH)
				break;
			out[o++] = '\\';
			out[o++] = 'x';
			out[o++] = hex[p[i] >> 4];
			out[o++] = hex[p[i] & 0xf];
			i++;
		} else {
			if (room - o < (size_t)n)
				break;
			memcpy(out + o, p + i, (size_t)n);
			o += (size_t)n;
			i += (size_t)n;
		}
	}
	*outn = o;
	return i;
}

void
termsafe_init(struct termsafe *ts, int flags)
{
	memset(ts, 0, sizeof(*ts));
	ts->flags = flags;
}

static int
put(FILE *fp, const char *buf, size_t n)
{
	return n == 0 || fwrite(buf, 1, n, fp) == n ? 0 : -1;
}

int
termsafe_write(struct termsafe *ts, FILE *fp, const void *vp, size_t len)
{
	const unsigned char	*p = vp;
	char			 buf[4096];
	size_t			 used, n;

	/* First settle what the last chunk cut, taking bytes one by one. */
	while (ts->ntail > 0) {
		used = escape_some(ts->tail, ts->ntail, ts->flags, 0, buf,
		    sizeof(buf), &n);
		if (put(fp, buf, n) != 0)
			return -1;
		memmove(ts->tail, ts->tail + used, ts->ntail - used);
		ts->ntail -= used;
		if (ts->ntail > 0 && used == 0) {
			if (len == 0)
				return 0;
			/* still cut, so shorter than 4 bytes */
			ts->tail[ts->ntail++] = *p++;
			len--;
		}
	}
	while (len > 0) {
		used = escape_some(p, len, ts->flags, 0, buf, sizeof(buf), &n);
		if (put(fp, buf, n) != 0)
			return -1;
		if (used == 0)
			break;
		p += used;
		len -= used;
	}
	/* Only a cut character stops escape_some short: under 4 bytes. */
	memcpy(ts->tail, p, len);
	ts->ntail = len;
	return 0;
}

int
termsafe_flush(struct termsafe *ts, FILE *fp)
{
	char	buf[sizeof(ts->tail) * TERMSAFE_GROWTH];
	size_t	n;

	(void)escape_some(ts->tail, ts->ntail, ts->flags, 1, buf, sizeof(buf),
	    &n);
	ts->ntail = 0;
	return put(fp, buf, n);
}

int
termsafe_fputs(const char *s, int flags, FILE *fp)
{
	struct termsafe	ts;

	termsafe_init(&ts, flags);
	if (termsafe_write(&ts, fp, s, strlen(s)) != 0)
		return -1;
	return termsafe_flush(&ts, fp);
}

size_t
termsafe_escape(const void *p, size_t len, int flags, char *out,
    size_t outlen)
{
	size_t	n;

	if (outlen == 0)
		return 0;
	(void)escape_some(p, len, flags, 1, out, outlen - 1, &n);
	out[n] = '\0';
	return n;
}

char *
termsafe_strdup(const char *s, int flags)
{
	size_t	 len = strlen(s);
	char	*out;

	/* (len + 1) * GROWTH >= len * GROWTH + 1: never cut. */
	out = xreallocarray(NULL, len + 1, TERMSAFE_GROWTH);
	(void)termsafe_escape(s, len, flags, out, (len + 1) * TERMSAFE_GROWTH);
	return out;
}

int
termsafe_clean(const void *vp, size_t len, int flags)
{
	const unsigned char	*p = vp;
	size_t			 i = 0;
	int			 n;

	while (i < len) {
		if ((n = char_len(p + i, len - i, flags)) <= 0)
			return 0;
		i += (size_t)n;
	}
	return 1;
}

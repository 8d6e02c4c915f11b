/*
 * termsafe.h: make bytes that came from a target safe to show on a
 * terminal (opsicle(1), TERMINAL OUTPUT).
 *
 * Contract: well-formed UTF-8 that prints passes unchanged, and so does
 * TAB. With TERMSAFE_LF, LF passes too, and CR when an LF follows it (a
 * CR before LF can hide nothing). Every other byte a terminal could act
 * on becomes the four characters "\xNN" (lower-case hex), one per byte:
 * NUL and the other C0 controls, DEL, C1 controls (raw 0x80-0x9f and
 * U+0080-U+009F encoded as UTF-8) and every byte that is not part of
 * well-formed UTF-8 (stray continuation bytes, overlong forms, UTF-16
 * surrogates, code points above U+10FFFF, sequences cut short). A
 * backslash is kept as it is. The output never holds a byte below 0x20
 * (but TAB and, with TERMSAFE_LF, LF and CR LF), nor DEL, nor C1, and is
 * valid UTF-8.
 *
 * A stream filter (struct termsafe, one per output stream) keeps a UTF-8
 * sequence cut by the end of a chunk for the next chunk; termsafe_flush
 * shows what is left as escapes. The buffer functions take their input as
 * whole. Nothing here allocates but termsafe_strdup, which ends the
 * process when memory runs out (xmalloc.h): its callers cannot recover.
 */
#ifndef OPS_TERMSAFE_H
#define OPS_TERMSAFE_H

#include <stddef.h>
#include <stdio.h>

#define TERMSAFE_LF	0x1	/* LF (and CR LF) pass */

/* The most a byte of input can become. */
#define TERMSAFE_GROWTH	4

struct termsafe {
	unsigned char	tail[4];	/* a cut sequence, for the next chunk */
	size_t		ntail;
	int		flags;
};

void	termsafe_init(struct termsafe *ts, int flags);
/* Write p[0..len) escaped to fp; 0, or -1 when fp reports an error. */
int	termsafe_write(struct termsafe *ts, FILE *fp, const void *p,
	    size_t len);
/* Write a kept cut sequence as escapes (the stream ended). */
int	termsafe_flush(struct termsafe *ts, FILE *fp);

/* Write the string s escaped to fp (a whole string: nothing is kept). */
int	termsafe_fputs(const char *s, int flags, FILE *fp);
/*
 * Escape p[0..len) into out (outlen bytes; NUL-terminated when outlen >
 * 0). When it does not fit, it is cut after a whole character or escape.
 * Returns the length of out.
 */
size_t	termsafe_escape(const void *p, size_t len, int flags, char *out,
	    size_t outlen);
/* The string s escaped, never cut. Caller frees; never NULL (xmalloc). */
char	*termsafe_strdup(const char *s, int flags);
/* 1 when termsafe_escape would leave p[0..len) as it is. */
int	termsafe_clean(const void *p, size_t len, int flags);

#endif

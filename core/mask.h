/*
 * mask.h: secret values masked in an output stream.
 *
 * Contract: a struct mask holds the secrets of one job (each as given
 * and in the single-quoted shell form runenv.h writes, 'a'\''b'), wiped
 * on free. A struct mask_stream filters one stream of one run: every
 * occurrence of a secret becomes "***", also when it is split between
 * two pieces of output, because a stream holds back the last
 * (longest secret - 1) bytes until more comes or mask_stream_end. The
 * filtered bytes go to the caller's emit function, in order; emit may
 * be called with len 0 never. Empty secrets mask nothing. When two
 * secrets overlap, the longest match at the earliest position wins.
 */
#ifndef OPS_MASK_H
#define OPS_MASK_H

#include <stddef.h>

#include "error.h"

#define MASK_TEXT	"***"

struct mask;

typedef void	mask_emit_fn(void *arg, const unsigned char *p, size_t len);

struct mask_stream {
	const struct mask	*m;
	unsigned char		*hold;		/* bytes not yet emitted */
	size_t			 len, cap;
};

/* An empty mask (masks nothing); NULL when out of memory. */
struct mask	*mask_new(void);
/* Mask len bytes of p and their shell-quoted form (copied). */
int		 mask_add(struct mask *m, const void *p, size_t len,
		    struct ops_err *err);
/* 1 when m masks something. */
int		 mask_active(const struct mask *m);
void		 mask_free(struct mask *m);

/* A stream on m (borrowed; may be NULL: everything passes). */
void		 mask_stream_init(struct mask_stream *s, const struct mask *m);
/* Feed len bytes; what is safe to show goes to emit. -1: no memory (the
 * bytes were dropped, never shown unmasked). */
int		 mask_stream_feed(struct mask_stream *s, const void *p,
		    size_t len, mask_emit_fn *emit, void *arg);
/* The stream ended: emit what was held back. */
void		 mask_stream_end(struct mask_stream *s, mask_emit_fn *emit,
		    void *arg);
/* Wipe and free what the stream holds. */
void		 mask_stream_done(struct mask_stream *s);
/* s with every secret masked, into buf (len bytes, cut to fit, always
 * NUL-ended); for error texts. */
void		 mask_text(const struct mask *m, const char *s, char *buf,
		    size_t len);

#endif

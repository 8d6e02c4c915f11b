/*
 * mask.c: secret values masked in output streams (see mask.h).
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "mask.h"

struct mask_pat {
	unsigned char	*p;
	size_t		 len;
};

struct mask {
	struct mask_pat	*v;
	size_t		 n;
	size_t		 maxlen;
};

struct mask *
mask_new(void)
{
	return calloc(1, sizeof(struct mask));
}

static int
pat_add(struct mask *m, const unsigned char *p, size_t len)
{
	struct mask_pat	*v;
	size_t		 i;

	if (len == 0)
		return 0;
	for (i = 0; i < m->n; i++)
		if (m->v[i].len == len && memcmp(m->v[i].p, p, len) == 0)
			return 0;
	if ((v = reallocarray(m->v, m->n + 1, sizeof(*v))) == NULL)
		return -1;
	m->v = v;
	if ((v[m->n].p = malloc(len)) == NULL)
		return -1;
	memcpy(v[m->n].p, p, len);
	v[m->n].len = len;
	m->n++;
	if (len > m->maxlen)
		m->maxlen = len;
	return 0;
}

int
mask_add(struct mask *m, const void *p, size_t len, struct ops_err *err)
{
	const unsigned char	*s = p;
	unsigned char		*q;
	size_t			 i, n = 2;

	if (len == 0)
		return OPS_OK;
	for (i = 0; i < len; i++)
		n += s[i] == '\'' ? 4 : 1;
	if ((q = malloc(n)) == NULL)
		return ops_err_set(err, OPS_E_NOMEM, "mask a secret");
	n = 0;
	q[n++] = '\'';
	for (i = 0; i < len; i++) {
		if (s[i] == '\'') {
			memcpy(q + n, "'\\''", 4);
			n += 4;
		} else
			q[n++] = s[i];
	}
	q[n++] = '\'';
	i = pat_add(m, s, len) == 0 && pat_add(m, q, n) == 0;
	sodium_memzero(q, n);
	free(q);
	return i ? OPS_OK : ops_err_set(err, OPS_E_NOMEM, "mask a secret");
}

int
mask_active(const struct mask *m)
{
	return m != NULL && m->n > 0;
}

void
mask_free(struct mask *m)
{
	size_t	i;

	if (m == NULL)
		return;
	for (i = 0; i < m->n; i++) {
		sodium_memzero(m->v[i].p, m->v[i].len);
		free(m->v[i].p);
	}
	free(m->v);
	free(m);
}

void
mask_stream_init(struct mask_stream *s, const struct mask *m)
{
	memset(s, 0, sizeof(*s));
	s->m = m;
}

/* The longest pattern that starts at p (len bytes left): its length, 0
 * for none; *partial set when a pattern could start here but needs bytes
 * past the end. */
static size_t
match_at(const struct mask *m, const unsigned char *p, size_t len,
    int *partial)
{
	size_t	i, best = 0;

	for (i = 0; i < m->n; i++) {
		const struct mask_pat *pt = &m->v[i];

		if (pt->len <= len) {
			if (pt->len > best && memcmp(pt->p, p, pt->len) == 0)
				best = pt->len;
		} else if (memcmp(pt->p, p, len) == 0)
			*partial = 1;
	}
	return best;
}

/* Filter hold[0..len): emit what is decided; keep the rest (final: keep
 * nothing). */
static void
scan(struct mask_stream *s, int final, mask_emit_fn *emit, void *arg)
{
	const struct mask	*m = s->m;
	size_t			 i = 0, start = 0, k;
	int			 partial;

	while (i < s->len) {
		partial = 0;
		k = match_at(m, s->hold + i, s->len - i, &partial);
		if (partial && !final && k < m->maxlen) {
			/* a longer secret may still match here: wait */
			break;
		}
		if (k > 0) {
			if (i > start)
				emit(arg, s->hold + start, i - start);
			emit(arg, (const unsigned char *)MASK_TEXT,
			    sizeof(MASK_TEXT) - 1);
			i += k;
			start = i;
		} else
			i++;
	}
	if (i > start)
		emit(arg, s->hold + start, i - start);
	sodium_memzero(s->hold, i);
	memmove(s->hold, s->hold + i, s->len - i);
	s->len -= i;
}

int
mask_stream_feed(struct mask_stream *s, const void *p, size_t len,
    mask_emit_fn *emit, void *arg)
{
	unsigned char	*nb;
	size_t		 cap;

	if (len == 0)
		return 0;
	if (!mask_active(s->m)) {
		emit(arg, p, len);
		return 0;
	}
	if (s->len + len > s->cap) {
		cap = s->cap ? s->cap : 256;
		while (cap < s->len + len)
			cap *= 2;
		if ((nb = malloc(cap)) == NULL)
			return -1;
		if (s->len > 0)
			memcpy(nb, s->hold, s->len);
		if (s->hold != NULL) {
			sodium_memzero(s->hold, s->cap);
			free(s->hold);
		}
		s->hold = nb;
		s->cap = cap;
	}
	memcpy(s->hold + s->len, p, len);
	s->len += len;
	scan(s, 0, emit, arg);
	return 0;
}

void
mask_stream_end(struct mask_stream *s, mask_emit_fn *emit, void *arg)
{
	if (s->len > 0)
		scan(s, 1, emit, arg);
}

struct text_out {
	char	*buf;
	size_t	 len, used;
};

static void
text_emit(void *arg, const unsigned char *p, size_t len)
{
	struct text_out	*t = arg;
	size_t		 n = len < t->len - 1 - t->used ? len :
			    t->len - 1 - t->used;

	memcpy(t->buf + t->used, p, n);
	t->used += n;
	t->buf[t->used] = '\0';
}

void
mask_text(const struct mask *m, const char *s, char *buf, size_t len)
{
	struct mask_stream	ms;
	struct text_out		t = { buf, len, 0 };

	if (len == 0)
		return;
	buf[0] = '\0';
	mask_stream_init(&ms, m);
	if (mask_stream_feed(&ms, s, strlen(s), text_emit, &t) == 0)
		mask_stream_end(&ms, text_emit, &t);
	mask_stream_done(&ms);
}

void
mask_stream_done(struct mask_stream *s)
{
	if (s->hold != NULL) {
		sodium_memzero(s->hold, s->cap);
		free(s->hold);
	}
	memset(s, 0, sizeof(*s));
}

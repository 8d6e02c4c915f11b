/* proto-frame.c: frame encoding, the incremental reader and the output queue (see proto.h). */
#include "config.h"

#include <sys/types.h>
#include <sys/socket.h>

#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <sodium.h>

#include "proto.h"

/* Bytes one proto_reader_fill asks read(2) for. */
#define PROTO_READ_CHUNK	(64 * 1024)
/* Idle buffers larger than this are released, so idle peers stay small. */
#define PROTO_KEEP_BUF		(64 * 1024)

/*
 * Make room for need more bytes after the live data [*off, *len) of a
 * buffer, moving the live data to the front. Old copies are wiped, never
 * left behind in freed memory, since frames may hold secrets.
 */
static int
buf_reserve(unsigned char **buf, size_t *size, size_t *off, size_t *len,
    size_t need)
{
	unsigned char	*nb;
	size_t		 live = *len - *off, nsize;

	if (*size - *len >= need)
		return OPS_OK;
	if (*off > 0 && *size - live >= need) {
		memmove(*buf, *buf + *off, live);
		sodium_memzero(*buf + live, *len - live);
		*off = 0;
		*len = live;
		return OPS_OK;
	}
	nsize = *size < 256 ? 256 : *size;
	while (nsize - live < need) {
		if (nsize > SIZE_MAX / 2)
			return OPS_E_NOMEM;
		nsize *= 2;
	}
	if ((nb = malloc(nsize)) == NULL)
		return OPS_E_NOMEM;
	if (*buf != NULL) {
		memcpy(nb, *buf + *off, live);
		sodium_memzero(*buf, *size);
		free(*buf);
	}
	*buf = nb;
	*size = nsize;
	*off = 0;
	*len = live;
	return OPS_OK;
}

/* After consuming everything: forget the data and drop a large buffer. */
static void
buf_idle(unsigned char **buf, size_t *size, size_t *off, size_t *len)
{
	*off = *len = 0;
	if (*size > PROTO_KEEP_BUF) {
		free(*buf);
		*buf = NULL;
		*size = 0;
	}
}

struct encode_buf {
	unsigned char	*buf;
	size_t		 size;
	size_t		 off;	/* always 0 */
	size_t		 len;
	int		 rc;
};

static int
encode_cb(const char *p, size_t n, void *arg)
{
	struct encode_buf	*e = arg;

	if (e->len - OPS_PROTO_HEADER + n > OPS_PROTO_MAX_FRAME) {
		e->rc = OPS_E_TOOBIG;
		return -1;
	}
	if (buf_reserve(&e->buf, &e->size, &e->off, &e->len, n) != OPS_OK) {
		e->rc = OPS_E_NOMEM;
		return -1;
	}
	memcpy(e->buf + e->len, p, n);
	e->len += n;
	return 0;
}

int
proto_frame_encode(const json_t *msg, unsigned char **out, size_t *outlen,
    struct ops_err *err)
{
	struct encode_buf	e;
	enum proto_type		type;
	size_t			body;
	int			rc;

	*out = NULL;
	*outlen = 0;
	if ((rc = proto_msg_check(msg, PROTO_ACCEPT_ANY, &type, err)) != OPS_OK)
		return rc;
	memset(&e, 0, sizeof(e));
	if (buf_reserve(&e.buf, &e.size, &e.off, &e.len,
	    OPS_PROTO_HEADER) != OPS_OK)
		return ops_err_set(err, OPS_E_NOMEM, "encode %s message",
		    proto_type_name(type));
	e.len = OPS_PROTO_HEADER;
	if (json_dump_callback(msg, encode_cb, &e, JSON_COMPACT) != 0) {
		if (e.rc == OPS_E_TOOBIG)
			rc = ops_err_set(err, OPS_E_TOOBIG, "encode %s message: "
			    "body exceeds the %d-byte frame limit",
			    proto_type_name(type), OPS_PROTO_MAX_FRAME);
		else
			rc = ops_err_set(err, OPS_E_NOMEM, "encode %s message",
			    proto_type_name(type));
		sodium_memzero(e.buf, e.size);
		free(e.buf);
		return rc;
	}
	body = e.len - OPS_PROTO_HEADER;
	e.buf[0] = (unsigned char)(body >> 24);
	e.buf[1] = (unsigned char)(body >> 16);
	e.buf[2] = (unsigned char)(body >> 8);
	e.buf[3] = (unsigned char)body;
	*out = e.buf;
	*outlen = e.len;
	return OPS_OK;
}

void
proto_reader_init(struct proto_reader *r, int accept)
{
	memset(r, 0, sizeof(*r));
	r->accept = accept;
}

static void
reader_close_fds(struct proto_reader *r)
{
	while (r->nfds > 0)
		close(r->fds[--r->nfds]);
}

int
proto_reader_take_fd(struct proto_reader *r)
{
	int	fd;

	if (r->nfds == 0)
		return -1;
	fd = r->fds[0];
	memmove(r->fds, r->fds + 1, (r->nfds - 1) * sizeof(r->fds[0]));
	r->nfds--;
	return fd;
}

/* One recvmsg: data into the buffer, passed descriptors kept. */
static ssize_t
reader_recv(struct proto_reader *r, int fd, size_t want)
{
	union {
		struct cmsghdr	hdr;
		char		buf[CMSG_SPACE(sizeof(int) * 8)];
	}		 cm;
	struct msghdr	 mh;
	struct iovec	 iov;
	struct cmsghdr	*c;
	ssize_t		 n;
	size_t		 i, k;
	int		 pfd;

	memset(&mh, 0, sizeof(mh));
	iov.iov_base = r->buf + r->len;
	iov.iov_len = want;
	mh.msg_iov = &iov;
	mh.msg_iovlen = 1;
	mh.msg_control = cm.buf;
	mh.msg_controllen = sizeof(cm.buf);
	n = recvmsg(fd, &mh, MSG_CMSG_CLOEXEC);
	if (n < 0 && errno == ENOTSOCK)
		return read(fd, r->buf + r->len, want);
	if (n < 0)
		return n;
	for (c = CMSG_FIRSTHDR(&mh); c != NULL; c = CMSG_NXTHDR(&mh, c)) {
		if (c->cmsg_level != SOL_SOCKET || c->cmsg_type != SCM_RIGHTS)
			continue;
		k = (c->cmsg_len - CMSG_LEN(0)) / sizeof(int);
		for (i = 0; i < k; i++) {
			memcpy(&pfd, CMSG_DATA(c) + i * sizeof(int),
			    sizeof(int));
			if (r->nfds < OPS_PROTO_MAX_FDS)
				r->fds[r->nfds++] = pfd;
			else
				close(pfd);
		}
	}
	return n;
}

void
proto_reader_done(struct proto_reader *r)
{
	reader_close_fds(r);
	if (r->buf != NULL) {
		sodium_memzero(r->buf, r->size);
		free(r->buf);
	}
	memset(r, 0, sizeof(*r));
}

void
proto_reader_set_max(struct proto_reader *r, size_t max)
{
	r->max_frame = max != 0 && max < OPS_PROTO_MAX_FRAME ? max : 0;
}

/* The largest frame body this reader takes now. */
static size_t
reader_max(const struct proto_reader *r)
{
	return r->max_frame != 0 ? r->max_frame : OPS_PROTO_MAX_FRAME;
}

/* Unread bytes a reader holds at most: a whole frame plus a bit more. */
static size_t
reader_limit(const struct proto_reader *r)
{
	return 2 * (reader_max(r) + OPS_PROTO_HEADER);
}

size_t
proto_reader_pending(const struct proto_reader *r)
{
	return r->len - r->off;
}

static int
reader_fail(struct proto_reader *r, int code)
{
	r->failed = code;
	return code;
}

int
proto_reader_feed(struct proto_reader *r, const void *buf, size_t len,
    struct ops_err *err)
{
	if (r->failed)
		return ops_err_set(err, r->failed, "read message: the "
		    "connection already failed (%s)", ops_strerror(r->failed));
	if (len > reader_limit(r) - proto_reader_pending(r))
		return ops_err_set(err, reader_fail(r, OPS_E_TOOBIG),
		    "read message: more than %zu unread bytes from peer",
		    reader_limit(r));
	if (buf_reserve(&r->buf, &r->size, &r->off, &r->len, len) != OPS_OK)
		return ops_err_set(err, reader_fail(r, OPS_E_NOMEM),
		    "read message: buffer of %zu bytes",
		    proto_reader_pending(r) + len);
	if (len > 0)
		memcpy(r->buf + r->len, buf, len);
	r->len += len;
	return OPS_OK;
}

int
proto_reader_fill(struct proto_reader *r, int fd, int *eof,
    struct ops_err *err)
{
	size_t	want = PROTO_READ_CHUNK;
	ssize_t	n;

	if (eof != NULL)
		*eof = 0;
	if (r->failed)
		return ops_err_set(err, r->failed, "read message: the "
		    "connection already failed (%s)", ops_strerror(r->failed));
	if (want > reader_limit(r) - proto_reader_pending(r))
		want = reader_limit(r) - proto_reader_pending(r);
	if (want == 0)
		return ops_err_set(err, reader_fail(r, OPS_E_TOOBIG),
		    "read message: more than %zu unread bytes from peer",
		    reader_limit(r));
	if (buf_reserve(&r->buf, &r->size, &r->off, &r->len, want) != OPS_OK)
		return ops_err_set(err, reader_fail(r, OPS_E_NOMEM),
		    "read message: buffer of %zu bytes",
		    proto_reader_pending(r) + want);
	n = reader_recv(r, fd, want);
	if (n < 0) {
		if (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR)
			return OPS_OK;
		return ops_err_errno(err, OPS_E_IO, "read message from fd %d",
		    fd);
	}
	if (n == 0 && eof != NULL)
		*eof = 1;
	r->len += (size_t)n;
	return OPS_OK;
}

/* 1 when the JSON text nests at most max levels deep, else 0. */
static int
json_depth_ok(const unsigned char *p, size_t n, int max)
{
	size_t	i;
	int	depth = 0, instr = 0;

	for (i = 0; i < n; i++) {
		if (instr) {
			if (p[i] == '\\')
				i++;
			else if (p[i] == '"')
				instr = 0;
			continue;
		}
		switch (p[i]) {
		case '"':
			instr = 1;
			break;
		case '{':
		case '[':
			if (++depth > max)
				return 0;
			break;
		case '}':
		case ']':
			depth--;
			break;
		}
	}
	return 1;
}

int
proto_reader_next(struct proto_reader *r, json_t **msg, enum proto_type *type,
    struct ops_err *err)
{
	json_error_t	 jerr;
	json_t		*m = NULL;
	const json_t	*v;
	unsigned char	*p;
	uint32_t	 blen;
	int		 rc;

	*msg = NULL;
	if (type != NULL)
		*type = PROTO_NONE;
	if (r->failed)
		return ops_err_set(err, r->failed, "read message: the "
		    "connection already failed (%s)", ops_strerror(r->failed));
	if (proto_reader_pending(r) == 0)
		reader_close_fds(r);	/* no frame they could go with */
	if (proto_reader_pending(r) < OPS_PROTO_HEADER)
		return OPS_OK;
	p = r->buf + r->off;
	blen = (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 |
	    (uint32_t)p[2] << 8 | (uint32_t)p[3];
	if (blen == 0)
		return ops_err_set(err, reader_fail(r, OPS_E_PROTO),
		    "read message: frame with an empty body");
	if (blen > reader_max(r))
		return ops_err_set(err, reader_fail(r, OPS_E_TOOBIG),
		    "read message: frame of %lu bytes exceeds the %zu-byte "
		    "limit", (unsigned long)blen, reader_max(r));
	if (proto_reader_pending(r) - OPS_PROTO_HEADER < blen)
		return OPS_OK;
	p += OPS_PROTO_HEADER;

	/* Deep nesting is refused before jansson recurses into it. */
	if (!json_depth_ok(p, blen, OPS_PROTO_MAX_DEPTH)) {
		rc = ops_err_set(err, OPS_E_PROTO, "read message: JSON nested "
		    "deeper than %d levels", OPS_PROTO_MAX_DEPTH);
		goto out;
	}
	/*
	 * jansson's own error text quotes the input near the error, which
	 * may be a secret: report only the position.
	 */
	if ((m = json_loadb((const char *)p, blen, JSON_REJECT_DUPLICATES,
	    &jerr)) == NULL) {
		rc = ops_err_set(err, OPS_E_PROTO, "read message: invalid "
		    "JSON at byte %d", jerr.position);
		goto out;
	}
	v = json_object_get(m, "v");
	if (json_is_integer(v))
		r->peer_version = json_integer_value(v);
	if ((rc = proto_msg_check(m, r->accept, type, err)) != OPS_OK) {
		if (proto_msg_id(m) >= 0)
			r->bad_id = proto_msg_id(m);
		goto out;
	}
	*msg = m;
	m = NULL;
out:
	sodium_memzero(r->buf + r->off, OPS_PROTO_HEADER + (size_t)blen);
	r->off += OPS_PROTO_HEADER + (size_t)blen;
	if (r->off == r->len)
		buf_idle(&r->buf, &r->size, &r->off, &r->len);
	json_decref(m);
	if (rc != OPS_OK)
		reader_fail(r, rc);
	return rc;
}

void
proto_writer_init(struct proto_writer *w, size_t cap)
{
	memset(w, 0, sizeof(*w));
	w->cap = cap != 0 ? cap : OPS_PROTO_WRITER_CAP;
}

void
proto_writer_done(struct proto_writer *w)
{
	if (w->buf != NULL) {
		sodium_memzero(w->buf, w->size);
		free(w->buf);
	}
	memset(w, 0, sizeof(*w));
}

size_t
proto_writer_pending(const struct proto_writer *w)
{
	return w->len - w->off;
}

int
proto_writer_queue_frame(struct proto_writer *w, const unsigned char *frame,
    size_t len, struct ops_err *err)
{
	if (len > w->cap || proto_writer_pending(w) > w->cap - len)
		return ops_err_set(err, OPS_E_TOOBIG, "queue message: peer "
		    "has %zu bytes unsent, limit %zu", proto_writer_pending(w),
		    w->cap);
	if (buf_reserve(&w->buf, &w->size, &w->off, &w->len, len) != OPS_OK)
		return ops_err_set(err, OPS_E_NOMEM, "queue message of %zu "
		    "bytes", len);
	memcpy(w->buf + w->len, frame, len);
	w->len += len;
	return OPS_OK;
}

int
proto_writer_queue(struct proto_writer *w, const json_t *msg,
    struct ops_err *err)
{
	unsigned char	*frame;
	size_t		 len;
	int		 rc;

	if ((rc = proto_frame_encode(msg, &frame, &len, err)) != OPS_OK)
		return rc;
	rc = proto_writer_queue_frame(w, frame, len, err);
	sodium_memzero(frame, len);
	free(frame);
	return rc;
}

void
proto_writer_attach_fd(struct proto_writer *w, int fd)
{
	w->pass_fd = fd;
	w->pass_set = 1;
}

/* send(2), with the attached descriptor when there is one. */
static ssize_t
writer_send(struct proto_writer *w, int fd, size_t left)
{
	union {
		struct cmsghdr	hdr;
		char		buf[CMSG_SPACE(sizeof(int))];
	}		 cm;
	struct msghdr	 mh;
	struct iovec	 iov;
	struct cmsghdr	*c;
	ssize_t		 n;

	if (!w->pass_set)
		return send(fd, w->buf + w->off, left, MSG_NOSIGNAL);
	memset(&mh, 0, sizeof(mh));
	memset(&cm, 0, sizeof(cm));
	iov.iov_base = w->buf + w->off;
	iov.iov_len = left;
	mh.msg_iov = &iov;
	mh.msg_iovlen = 1;
	mh.msg_control = cm.buf;
	mh.msg_controllen = sizeof(cm.buf);
	c = CMSG_FIRSTHDR(&mh);
	c->cmsg_level = SOL_SOCKET;
	c->cmsg_type = SCM_RIGHTS;
	c->cmsg_len = CMSG_LEN(sizeof(int));
	memcpy(CMSG_DATA(c), &w->pass_fd, sizeof(int));
	if ((n = sendmsg(fd, &mh, MSG_NOSIGNAL)) > 0)
		w->pass_set = 0;
	return n;
}

int
proto_writer_flush(struct proto_writer *w, int fd, struct ops_err *err)
{
	ssize_t	n;
	size_t	left;

	while ((left = proto_writer_pending(w)) > 0) {
		n = writer_send(w, fd, left);
		if (n < 0 && errno == ENOTSOCK)
			n = write(fd, w->buf + w->off, left);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			if (errno == EAGAIN || errno == EWOULDBLOCK)
				return OPS_OK;
			return ops_err_errno(err, OPS_E_IO, "send message to "
			    "fd %d", fd);
		}
		sodium_memzero(w->buf + w->off, (size_t)n);
		w->off += (size_t)n;
	}
	buf_idle(&w->buf, &w->size, &w->off, &w->len);
	return OPS_OK;
}

/*
 * fuzz-proto.c: fuzz entry point for the protocol reader.
 *
 * fuzz_proto_one feeds one input to proto readers three ways (whole, in
 * pieces of varying size, and wrapped as the body of an honest frame) and
 * checks the invariants: every outcome is a valid message or a known error
 * code with a message; chunking never changes the result; a message that
 * is accepted checks, describes, re-encodes and reads back equal; the
 * reader never holds much more memory than it was fed; after an error the
 * reader stays failed; an ok's result gets a steady verdict from
 * proto_reply_check against every request's declared reply.
 * LLVMFuzzerTestOneInput wraps it for libFuzzer; test-proto-fuzz.c drives
 * it without libFuzzer.
 */
#include "config.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "proto.h"

struct fuzz_proto_stats {
	unsigned long	inputs;
	unsigned long	messages;	/* accepted messages */
	unsigned long	need_more;	/* inputs ending in a partial frame */
	unsigned long	by_code[32];	/* rejections by -code */
	char		why[256];	/* the first broken invariant */
};

int	fuzz_proto_one(const uint8_t *data, size_t size,
	    struct fuzz_proto_stats *st);
int	LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define FUZZ_MAX_MSGS	64

struct fuzz_outcome {
	int		 rc;
	size_t		 nmsgs;
	json_t		*msgs[FUZZ_MAX_MSGS];
};

static int
fail(struct fuzz_proto_stats *st, const char *what)
{
	if (st->why[0] == '\0')
		snprintf(st->why, sizeof(st->why), "%s", what);
	return -1;
}

static int
known_error(int rc)
{
	return rc == OPS_E_PROTO || rc == OPS_E_TOOBIG ||
	    rc == OPS_E_VERSION || rc == OPS_E_NOMEM;
}

/* proto_type_foreach: hold one result to one request's reply shape. */
struct result_probe {
	const json_t	*result;
	int		 bad;
};

static void
probe_result(const struct proto_type_info *ti, void *arg)
{
	struct result_probe	*p = arg;
	struct ops_err		 err;
	int			 rc, again;

	ops_err_clear(&err);
	rc = proto_reply_check(ti->type, p->result, &err);
	again = proto_reply_check(ti->type, p->result, NULL);
	if (rc != again || (rc != OPS_OK && (ops_err_msg(&err)[0] == '\0' ||
	    (rc != OPS_E_PROTO && rc != OPS_E_INVAL))) ||
	    (ti->reply == NULL) != (rc == OPS_E_INVAL))
		p->bad++;
}

static int
check_result(const json_t *result, struct fuzz_proto_stats *st)
{
	struct result_probe	p = { result, 0 };

	proto_type_foreach(probe_result, &p);
	return p.bad == 0 ? 0 : fail(st, "reply check gave no verdict");
}

/* Everything an accepted message must survive. */
static int
check_message(json_t *m, enum proto_type type, struct fuzz_proto_stats *st)
{
	struct proto_reader	 r;
	struct ops_err		 err;
	unsigned char		*f = NULL;
	json_t			*back = NULL;
	const char		*key, *s, **list;
	json_t			*v;
	char			 desc[128];
	size_t			 len, n;
	long long		 ll;
	int			 rc = 0, b;

	if (proto_msg_check(m, PROTO_ACCEPT_ANY, NULL, NULL) != OPS_OK ||
	    proto_msg_type(m) != type || proto_msg_id(m) < 0)
		return fail(st, "accepted message fails proto_msg_check");
	proto_describe(m, desc, sizeof(desc));
	if (strlen(desc) >= sizeof(desc) ||
	    strncmp(desc, proto_type_name(type), strlen(proto_type_name(type)))
	    != 0)
		return fail(st, "describe output malformed");
	if ((proto_type_flags(type) & PROTO_F_SENSITIVE) &&
	    strchr(desc, '{') != NULL)
		return fail(st, "describe printed a sensitive body");

	/* Every getter on every key must answer without crashing. */
	json_object_foreach(m, key, v) {
		(void)proto_get_str(m, key, &s, 16, NULL);
		(void)proto_get_int(m, key, -5, 5, &ll, NULL);
		(void)proto_get_bool(m, key, &b, NULL);
		if (proto_get_str_array(m, key, 4, 8, &list, &n, NULL) ==
		    OPS_OK) {
			if (list[n] != NULL)
				rc = fail(st, "string array not terminated");
			free(list);
		}
	}
	if (rc != 0)
		return rc;

	/* An ok's result, whatever it holds, against every request's
	 * reply shape: a verdict with a reason, the same each time. */
	if (type == PROTO_OK && (rc = check_result(json_object_get(m,
	    "result"), st)) != 0)
		return rc;

	if (proto_frame_encode(m, &f, &len, &err) != OPS_OK)
		return fail(st, "accepted message does not re-encode");
	proto_reader_init(&r, PROTO_ACCEPT_ANY);
	if (proto_reader_feed(&r, f, len, NULL) != OPS_OK ||
	    proto_reader_next(&r, &back, NULL, NULL) != OPS_OK ||
	    back == NULL || !json_equal(back, m) ||
	    proto_reader_pending(&r) != 0)
		rc = fail(st, "re-encoded message does not read back equal");
	json_decref(back);
	proto_reader_done(&r);
	free(f);
	return rc;
}

/*
 * Run data through a reader in pieces of the given sizes (cycled; 0 means
 * all at once). Fills out; returns -1 when an invariant broke.
 */
static int
run_reader(const uint8_t *data, size_t size, const size_t *pieces,
    size_t npieces, struct fuzz_outcome *o, struct fuzz_proto_stats *st)
{
	struct proto_reader	 r;
	struct ops_err		 err;
	json_t			*m;
	enum proto_type		 type;
	size_t			 off = 0, step, k = 0, fed = 0;
	int			 rc = OPS_OK, bad = 0;

	memset(o, 0, sizeof(*o));
	proto_reader_init(&r, PROTO_ACCEPT_ANY);
	while (off < size && rc == OPS_OK) {
		step = npieces == 0 ? size : pieces[k++ % npieces];
		if (step == 0 || step > size - off)
			step = size - off;
		if ((rc = proto_reader_feed(&r, data + off, step, &err)) !=
		    OPS_OK)
			break;
		off += step;
		fed += step;
		/* Never much more than what arrived is allocated. */
		if (r.size > 256 && r.size > 2 * fed)
			bad = fail(st, "reader buffer larger than its input");
		for (;;) {
			err.code = 0;
			err.msg[0] = '\0';
			rc = proto_reader_next(&r, &m, &type, &err);
			if (rc != OPS_OK)
				break;
			if (m == NULL)
				break;
			if (check_message(m, type, st) != 0)
				bad = -1;
			if (o->nmsgs < FUZZ_MAX_MSGS)
				o->msgs[o->nmsgs++] = m;
			else
				json_decref(m);
		}
	}
	if (rc != OPS_OK) {
		if (!known_error(rc))
			bad = fail(st, "unexpected error code");
		if (err.code != rc || err.msg[0] == '\0')
			bad = fail(st, "error without a matching message");
		if (proto_reader_next(&r, &m, NULL, NULL) != rc || m != NULL)
			bad = fail(st, "reader did not stay failed");
	} else if (proto_reader_pending(&r) > size)
		bad = fail(st, "more pending than fed");
	o->rc = rc;
	proto_reader_done(&r);
	return bad;
}

static void
outcome_free(struct fuzz_outcome *o)
{
	size_t	i;

	for (i = 0; i < o->nmsgs; i++)
		json_decref(o->msgs[i]);
	o->nmsgs = 0;
}

static int
same_outcome(const struct fuzz_outcome *a, const struct fuzz_outcome *b)
{
	size_t	i;

	if (a->rc != b->rc || a->nmsgs != b->nmsgs)
		return 0;
	for (i = 0; i < a->nmsgs; i++) {
		if (!json_equal(a->msgs[i], b->msgs[i]))
			return 0;
	}
	return 1;
}

int
fuzz_proto_one(const uint8_t *data, size_t size, struct fuzz_proto_stats *st)
{
	struct fuzz_outcome	 whole, split, wrapped;
	size_t			 pieces[4];
	uint8_t			*frame;
	int			 bad = 0;

	st->inputs++;
	if (run_reader(data, size, NULL, 0, &whole, st) != 0)
		bad = -1;
	pieces[0] = 1;
	pieces[1] = size > 0 ? 1 + data[size / 2] % 7 : 1;
	pieces[2] = 3;
	pieces[3] = size > 0 ? 1 + data[0] % 29 : 1;
	if (run_reader(data, size, pieces, 4, &split, st) != 0)
		bad = -1;
	if (!same_outcome(&whole, &split))
		bad = fail(st, "chunking changed the outcome");
	st->messages += whole.nmsgs;
	if (whole.rc == OPS_OK) {
		if (size > 0)
			st->need_more++;
	} else if (-whole.rc < 32)
		st->by_code[-whole.rc]++;
	outcome_free(&whole);
	outcome_free(&split);

	/* The same bytes as the body of an honest frame. */
	if (size > 0 && size <= OPS_PROTO_MAX_FRAME &&
	    (frame = malloc(size + 4)) != NULL) {
		frame[0] = (uint8_t)(size >> 24);
		frame[1] = (uint8_t)(size >> 16);
		frame[2] = (uint8_t)(size >> 8);
		frame[3] = (uint8_t)size;
		memcpy(frame + 4, data, size);
		if (run_reader(frame, size + 4, NULL, 0, &wrapped, st) != 0)
			bad = -1;
		if (wrapped.rc == OPS_OK && wrapped.nmsgs != 1)
			bad = fail(st, "whole frame neither read nor refused");
		st->messages += wrapped.nmsgs;
		if (wrapped.rc != OPS_OK && -wrapped.rc < 32)
			st->by_code[-wrapped.rc]++;
		outcome_free(&wrapped);
		free(frame);
	}
	return bad;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fuzz_proto_stats	st;

	memset(&st, 0, sizeof(st));
	if (fuzz_proto_one(data, size, &st) != 0) {
		fprintf(stderr, "fuzz-proto: %s\n", st.why);
		abort();
	}
	return 0;
}

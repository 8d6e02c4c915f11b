/*
 * logs-stream.c: stored job output in pieces. A job's logs can be far
 * larger than a frame (many targets, a large output-cap), so "job logs"
 * answers with a sequence (core/proto.h: logs-run, logs-data, then ok)
 * made on a timer: the next piece is queued only while the client's
 * queue is below LOGS_LOW_WATER, and only one run's output is in memory
 * at a time. "job logs --follow" replays the stored output as job-output
 * events of the same size.
 */
#include "config.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "daemon.h"

#define LOGS_LOW_WATER	(1024 * 1024)	/* queued bytes: wait above this */
#define LOGS_TICK_MS	2		/* how often to look at the queue */

struct logs_stream {
	struct ops_ctx		*ctx;
	struct client		*c;	/* valid while client_defer_alive(d) */
	struct client_defer	*d;
	long long		 id;	/* the request's, echoed by each piece */
	int64_t			 job;
	int64_t			*runs;	/* run ids to send, in order */
	size_t			 nruns, next;
	struct store_run	*cur;	/* the run being sent, with output */
	int			 stream;	/* of cur: 0 stdout, 1 stderr */
	int			 b64[2];
	size_t			 off;
};

int
logs_base64(const unsigned char *p, size_t len)
{
	json_t	*s;

	/* jansson's own check, so every piece it is cut into passes too. */
	if (len == 0)
		return 0;
	if (memchr(p, '\0', len) != NULL ||
	    (s = json_stringn((const char *)p, len)) == NULL)
		return 1;
	json_decref(s);
	return 0;
}

json_t *
logs_piece(const unsigned char *p, size_t len, int b64, size_t *off)
{
	json_t	*s;
	char	*buf;
	size_t	 n = len - *off, blen;

	if (n > OPS_PROTO_LOGS_PIECE) {
		n = OPS_PROTO_LOGS_PIECE;
		if (b64)	/* whole base64 quanta: the pieces concatenate */
			n -= n % 3;
		else		/* never split a UTF-8 character */
			while (n > 0 && (p[*off + n] & 0xc0) == 0x80)
				n--;
	}
	p += *off;
	*off += n;
	if (!b64)
		return json_stringn((const char *)p, n);
	blen = sodium_base64_encoded_len(n, sodium_base64_VARIANT_ORIGINAL);
	if ((buf = malloc(blen)) == NULL)
		return NULL;
	sodium_bin2base64(buf, blen, p, n, sodium_base64_VARIANT_ORIGINAL);
	s = json_string(buf);
	free(buf);
	return s;
}

/* A logs-data reply or (id 0) a job-output event with one piece. */
static json_t *
piece_msg(enum proto_type type, long long id, int64_t job,
    const char *target, int err, json_t *data, int b64)
{
	json_t	*m;

	if (data == NULL || (m = proto_msg_new(type, id)) == NULL) {
		json_decref(data);
		return NULL;
	}
	if (proto_add_int(m, "job", job, NULL) != OPS_OK ||
	    proto_add_str(m, "target", target, NULL) != OPS_OK ||
	    proto_add_str(m, "stream", err ? "stderr" : "stdout",
	    NULL) != OPS_OK ||
	    proto_add_json(m, "data", data, NULL) != OPS_OK ||
	    (b64 && proto_add_str(m, "encoding", "base64", NULL) != OPS_OK)) {
		json_decref(m);
		return NULL;
	}
	return m;
}

/* The last piece of a stream the output cap cut says so (proto.h). */
static void
mark_cut(json_t *m, const struct store_run *r, int err, int last)
{
	if (last && (err ? r->err_truncated : r->out_truncated))
		(void)proto_add_bool(m, "truncated", 1, NULL);
}

void
logs_replay(struct client *c, int64_t job, const struct store_run *r)
{
	const unsigned char	*p;
	json_t			*m;
	size_t			 len, off;
	int			 err, b64;

	for (err = 0; err <= 1; err++) {
		p = err ? r->errout : r->out;
		len = err ? r->errout_len : r->out_len;
		b64 = logs_base64(p, len);
		for (off = 0; off < len && !c->closing; ) {
			if ((m = piece_msg(PROTO_JOB_OUTPUT, 0, job, r->target,
			    err, logs_piece(p, len, b64, &off), b64)) == NULL) {
				c->closing = 1;
				return;
			}
			mark_cut(m, r, err, off >= len);
			client_send_later(c, m);
			json_decref(m);
		}
	}
}

static void
stream_free(struct logs_stream *s)
{
	store_run_free(s->cur);
	free(s->runs);
	free(s);
}

/* The logs-run header of s->cur. */
static json_t *
run_msg(const struct logs_stream *s)
{
	const struct store_run	*r = s->cur;
	json_t			*m;

	if ((m = proto_msg_new(PROTO_LOGS_RUN, s->id)) == NULL)
		return NULL;
	if (proto_add_int(m, "job", s->job, NULL) != OPS_OK ||
	    proto_add_str(m, "target", r->target, NULL) != OPS_OK ||
	    proto_add_str(m, "state", store_run_state_name(r->state),
	    NULL) != OPS_OK ||
	    proto_add_str(m, "stdout_encoding", s->b64[0] ? "base64" : "utf8",
	    NULL) != OPS_OK ||
	    proto_add_bool(m, "stdout_truncated", r->out_truncated,
	    NULL) != OPS_OK ||
	    proto_add_str(m, "stderr_encoding", s->b64[1] ? "base64" : "utf8",
	    NULL) != OPS_OK ||
	    proto_add_bool(m, "stderr_truncated", r->err_truncated,
	    NULL) != OPS_OK) {
		json_decref(m);
		return NULL;
	}
	return m;
}

/*
 * Queue the next message of the sequence (or just move on to the next
 * stream or run): 0, 1 when every run has been sent, or an error.
 */
static int
stream_next(struct logs_stream *s, struct ops_err *err)
{
	struct ops_ctx		*ctx = s->ctx;
	struct store_run	*r;
	const unsigned char	*p;
	json_t			*m;
	size_t			 len;
	int			 rc;

	if ((r = s->cur) == NULL) {
		if (s->next == s->nruns)
			return 1;
		if (ctx->store == NULL)
			return ops_err_set(err, OPS_E_LOCKED, "job logs: the "
			    "store was locked while sending");
		jobs_flush_output(ctx);
		if ((rc = store_run_get(ctx->store, s->runs[s->next++],
		    &s->cur, err)) != OPS_OK)
			return rc;
		r = s->cur;
		s->b64[0] = logs_base64(r->out, r->out_len);
		s->b64[1] = logs_base64(r->errout, r->errout_len);
		s->stream = 0;
		s->off = 0;
		m = run_msg(s);
	} else {
		p = s->stream ? r->errout : r->out;
		len = s->stream ? r->errout_len : r->out_len;
		if (s->off >= len) {
			if (s->stream++ == 1) {
				store_run_free(s->cur);
				s->cur = NULL;
			}
			s->off = 0;
			return 0;
		}
		m = piece_msg(PROTO_LOGS_DATA, s->id, s->job, r->target,
		    s->stream, logs_piece(p, len, s->b64[s->stream], &s->off),
		    s->b64[s->stream]);
		if (m != NULL)
			mark_cut(m, r, s->stream, s->off >= len);
	}
	if (m == NULL)
		return ops_err_set(err, OPS_E_NOMEM, "job logs: build the "
		    "output of job %lld", (long long)s->job);
	client_send_later(s->c, m);
	json_decref(m);
	return 0;
}

/* The final "ok": the job's state now. */
static void
stream_end(struct logs_stream *s)
{
	struct store_job	*j = NULL;
	struct ops_err		 err;
	json_t			*res;

	if (s->ctx->store == NULL || store_job_get(s->ctx->store, s->job, &j,
	    &err) != OPS_OK) {
		client_defer_error(s->d, s->ctx->store == NULL ?
		    OPS_E_LOCKED : err.code, s->ctx->store == NULL ?
		    "job logs: the store was locked while sending" :
		    ops_err_msg(&err));
		return;
	}
	res = json_pack("{s:I, s:s}", "job", (json_int_t)j->id, "state",
	    store_job_state_name(j->state));
	store_job_free(j);
	if (res == NULL)
		client_defer_error(s->d, OPS_E_NOMEM, "build logs reply");
	else
		client_defer_ok(s->d, res);
}

static long long
stream_tick(struct evloop *loop, long long id, void *arg)
{
	struct logs_stream	*s = arg;
	struct ops_err		 err;
	int			 rc = 0;

	(void)loop;
	(void)id;
	ops_err_clear(&err);
	while (client_defer_alive(s->d) &&
	    proto_writer_pending(&s->c->wr) < LOGS_LOW_WATER &&
	    (rc = stream_next(s, &err)) == 0)
		;
	if (rc == 0 && client_defer_alive(s->d))
		return LOGS_TICK_MS;
	if (!client_defer_alive(s->d))
		client_defer_ok(s->d, NULL);	/* gone: only frees d */
	else if (rc < 0)
		client_defer_error(s->d, rc, ops_err_msg(&err));
	else
		stream_end(s);
	stream_free(s);
	return EVLOOP_NOMORE;
}

int
logs_stream_start(struct ops_ctx *ctx, struct client *c, const json_t *msg,
    int64_t job, const int64_t *runs, size_t nruns, struct ops_err *err)
{
	struct logs_stream	*s;
	int			 rc;

	if ((s = calloc(1, sizeof(*s))) == NULL ||
	    (s->runs = calloc(nruns + 1, sizeof(*s->runs))) == NULL) {
		free(s);
		return ops_err_set(err, OPS_E_NOMEM, "job logs: start");
	}
	memcpy(s->runs, runs, nruns * sizeof(*runs));
	s->ctx = ctx;
	s->c = c;
	s->id = proto_msg_id(msg);
	s->job = job;
	s->nruns = nruns;
	if ((rc = evloop_timer_add(ctx->loop, 0, stream_tick, s, NULL,
	    err)) != OPS_OK) {
		stream_free(s);
		return rc;
	}
	/* From here the timer owns s and answers through d. */
	if ((s->d = client_defer(c, msg)) == NULL) {
		s->nruns = 0;	/* the first tick finds nothing to send */
		return ops_err_set(err, OPS_E_NOMEM, "job logs: start");
	}
	return OPS_OK;
}

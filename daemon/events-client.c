/*
 * events-client.c: the client-stream sink of the event bus, and the
 * "subscribe" and "unsubscribe" requests. A client subscribes to streams
 * ("job-output", "job-state", "run-state", "target-status"), optionally
 * for one job; "job logs --follow" makes a client follow one job's
 * output until it ends, and then gets its deferred "ok"; "run" with
 * follow attaches its client to the new job. Each event is encoded once
 * and the same frame is queued to every interested client; a client that
 * does not read is dropped by its writer cap, so a slow client never
 * blocks the daemon or the other clients.
 */
#include "config.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "daemon.h"

/* Their rows are in dispatch.c, which declares them too. */
handler_fn	handle_subscribe, handle_unsubscribe;

static const struct {
	const char	*name;
	unsigned	 bit;
} streams[] = {
	{ "job-output", EV_JOB_OUTPUT },
	{ "job-state", EV_JOB_STATE },
	{ "run-state", EV_RUN_STATE },
	{ "target-status", EV_TARGET_STATUS },
	{ "step-state", EV_STEP_STATE },
	{ "approval-state", EV_APPROVAL_STATE },
};
#define NSTREAMS	(sizeof(streams) / sizeof(streams[0]))

static unsigned
stream_bit(enum ops_event_kind kind)
{
	switch (kind) {
	case OPS_EV_JOB_OUTPUT:
		return EV_JOB_OUTPUT;
	case OPS_EV_JOB_STATE:
		return EV_JOB_STATE;
	case OPS_EV_RUN_STATE:
		return EV_RUN_STATE;
	case OPS_EV_TARGET_STATUS:
		return EV_TARGET_STATUS;
	case OPS_EV_STEP_STATE:
		return EV_STEP_STATE;
	case OPS_EV_APPROVAL_STATE:
		return EV_APPROVAL_STATE;
	}
	return 0;
}

static int
wants(const struct client *c, unsigned bit, long long job,
    const char *target)
{
	if ((c->ev_streams & bit) && (c->ev_job == 0 || c->ev_job == job))
		return 1;
	if (bit == EV_JOB_OUTPUT && c->follow_id != 0 &&
	    c->follow_job == job && (c->follow_target[0] == '\0' ||
	    (target != NULL && strcmp(c->follow_target, target) == 0)))
		return 1;
	return 0;
}

/* A piece of output as "data": text when it is, else base64. */
static int
add_output(json_t *m, const unsigned char *buf, size_t len)
{
	json_t	*str;
	char	*b64;
	size_t	 b64len;
	int	 rc;

	if (memchr(buf, '\0', len) == NULL &&
	    (str = json_stringn((const char *)buf, len)) != NULL) {
		json_decref(str);
		return proto_add_strn(m, "data", (const char *)buf, len, NULL);
	}
	b64len = sodium_base64_encoded_len(len,
	    sodium_base64_VARIANT_ORIGINAL);
	if ((b64 = malloc(b64len)) == NULL)
		return OPS_E_NOMEM;
	sodium_bin2base64(b64, b64len, buf, len,
	    sodium_base64_VARIANT_ORIGINAL);
	if ((rc = proto_add_str(m, "encoding", "base64", NULL)) == OPS_OK)
		rc = proto_add_str(m, "data", b64, NULL);
	free(b64);
	return rc;
}

/* A final run-state's byte counts: sent by the target, and kept. */
/* The protocol form of ev (core/proto.c); NULL when out of memory. */
static json_t *
event_json(const struct ops_event *ev)
{
	json_t	*m = NULL;
	int	 rc = OPS_OK;

	switch (ev->kind) {
	case OPS_EV_JOB_STATE:
		if ((m = proto_msg_new(PROTO_JOB_STATE, 0)) == NULL)
			return NULL;
		(void)proto_add_int(m, "job", ev->job, NULL);
		(void)proto_add_str(m, "state",
		    store_job_state_name(ev->u.job.state), NULL);
		(void)proto_add_int(m, "ok", (long long)ev->u.job.ok, NULL);
		(void)proto_add_int(m, "failed", (long long)ev->u.job.failed,
		    NULL);
		rc = proto_add_int(m, "total", (long long)ev->u.job.total,
		    NULL);
		break;
	case OPS_EV_RUN_STATE: {
		struct run_rec	r = { .job = ev->job, .target = ev->target,
				    .state = (enum run_state)ev->u.run.state,
				    .cls = ev->u.run.cls,
				    .exit_status = ev->u.run.exit_status,
				    .signal = ev->u.run.signal,
				    .error = ev->u.run.error,
				    .counted = ev->u.run.counted,
				    .out_bytes = (int64_t)ev->u.run.seen[1],
				    .out_kept = (int64_t)ev->u.run.kept[1],
				    .err_bytes = (int64_t)ev->u.run.seen[2],
				    .err_kept = (int64_t)ev->u.run.kept[2] };

		if ((m = proto_msg_new(PROTO_RUN_STATE, 0)) == NULL)
			return NULL;
		rc = run_rec_encode_into(m, &r);
		break;
	}
	case OPS_EV_JOB_OUTPUT:
		if ((m = proto_msg_new(PROTO_JOB_OUTPUT, 0)) == NULL)
			return NULL;
		(void)proto_add_int(m, "job", ev->job, NULL);
		(void)proto_add_str(m, "target", ev->target, NULL);
		(void)proto_add_str(m, "stream", ev->u.output.err ? "stderr" :
		    "stdout", NULL);
		(void)proto_add_int(m, "seq", ev->u.output.seq, NULL);
		if (ev->u.output.truncated)
			(void)proto_add_bool(m, "truncated", 1, NULL);
		rc = add_output(m, ev->u.output.data, ev->u.output.len);
		break;
	case OPS_EV_TARGET_STATUS:
		/* About the target, not the job: no "job" field. */
		if ((m = proto_msg_new(PROTO_TARGET_STATUS, 0)) == NULL)
			return NULL;
		(void)proto_add_str(m, "target", ev->target, NULL);
		rc = proto_add_str(m, "status", reach_name(ev->u.target.reach),
		    NULL);
		if (ev->u.target.message != NULL)
			(void)proto_add_str(m, "message",
			    ev->u.target.message, NULL);
		break;
	case OPS_EV_STEP_STATE:
		if ((m = proto_msg_new(PROTO_STEP_STATE, 0)) == NULL)
			return NULL;
		(void)proto_add_int(m, "job", ev->job, NULL);
		(void)proto_add_str(m, "target", ev->target, NULL);
		(void)proto_add_int(m, "step", ev->u.step.idx + 1, NULL);
		(void)proto_add_str(m, "name", ev->u.step.name, NULL);
		rc = proto_add_str(m, "state", ev->u.step.state, NULL);
		if (ev->u.step.exit_status >= 0)
			(void)proto_add_int(m, "exit", ev->u.step.exit_status,
			    NULL);
		if (ev->u.step.error != NULL)
			(void)proto_add_str(m, "error", ev->u.step.error,
			    NULL);
		break;
	case OPS_EV_APPROVAL_STATE:
		if ((m = proto_msg_new(PROTO_APPROVAL_STATE, 0)) == NULL)
			return NULL;
		(void)proto_add_int(m, "job", ev->job, NULL);
		rc = proto_add_str(m, "state", ev->u.approval.state, NULL);
		if (ev->u.approval.required > 0) {
			(void)proto_add_int(m, "approvals",
			    ev->u.approval.approvals, NULL);
			(void)proto_add_int(m, "required",
			    ev->u.approval.required, NULL);
		}
		if (ev->u.approval.actor != NULL)
			(void)proto_add_str(m, "actor", ev->u.approval.actor,
			    NULL);
		if (ev->u.approval.channel != NULL)
			(void)proto_add_str(m, "channel",
			    ev->u.approval.channel, NULL);
		if (ev->u.approval.reason != NULL)
			(void)proto_add_str(m, "reason",
			    ev->u.approval.reason, NULL);
		break;
	}
	if (rc != OPS_OK) {
		json_decref(m);
		return NULL;
	}
	return m;
}

/* The job ended: answer every client following it. */
static void
job_end(struct ops_ctx *ctx, long long job, const char *state)
{
	struct client	*c, *next;
	json_t		*m, *res;

	for (c = server_clients(ctx->server); c != NULL; c = next) {
		next = c->next;
		if (c->follow_id == 0 || c->follow_job != job)
			continue;
		res = json_pack("{s:I, s:s}", "job", (json_int_t)job, "state",
		    state);
		/* follow_id is a job-logs request's (handlers-jobs.c). */
		client_reply_check(c, PROTO_JOB_LOGS, res);
		if ((m = proto_msg_new(PROTO_OK, c->follow_id)) != NULL &&
		    proto_add_json(m, "result", res, NULL) == OPS_OK)
			client_send_later(c, m);
		else if (m == NULL)
			json_decref(res);
		json_decref(m);
		c->follow_id = 0;
		c->follow_job = 0;
		c->follow_target[0] = '\0';
	}
}

void
events_client_sink(struct ops_ctx *ctx, const struct ops_event *ev,
    void *arg)
{
	struct client	*c, *next;
	unsigned char	*frame = NULL;
	struct ops_err	 err;
	json_t		*m = NULL;
	size_t		 len;
	unsigned	 bit = stream_bit(ev->kind);

	(void)arg;
	if (ctx->server == NULL)
		return;
	for (c = server_clients(ctx->server); c != NULL; c = next) {
		next = c->next;
		if (c->closing || !wants(c, bit, ev->job, ev->target))
			continue;
		/* Encoded once, and only when somebody listens. */
		if (frame == NULL && ((m = event_json(ev)) == NULL ||
		    proto_frame_encode(m, &frame, &len, &err) != OPS_OK)) {
			log_warnx(&ctx->log, "event for job %lld: %s",
			    (long long)ev->job, m == NULL ? "out of memory" :
			    ops_err_msg(&err));
			break;
		}
		client_send_frame(c, frame, len);
	}
	json_decref(m);
	free(frame);
	if (ev->kind == OPS_EV_JOB_STATE && events_job_final(ev->u.job.state))
		job_end(ctx, ev->job, store_job_state_name(ev->u.job.state));
}

void
events_client_follow(struct client *c, int64_t job)
{
	c->ev_streams = EV_JOB_OUTPUT | EV_JOB_STATE | EV_RUN_STATE |
	    EV_STEP_STATE | EV_APPROVAL_STATE;
	c->ev_job = job;
}

/* The EV_* bits of a "streams" array; OPS_E_PROTO for an unknown name. */
static int
parse_streams(const json_t *msg, unsigned *bits, struct ops_err *err)
{
	const char	**names = NULL;
	size_t		  n = 0, i, k;
	int		  rc;

	*bits = 0;
	if ((rc = proto_get_str_array(msg, "streams", NSTREAMS * 4,
	    OPS_PROTO_MAX_NAME, &names, &n, err)) != OPS_OK)
		return rc;
	for (i = 0; i < n; i++) {
		for (k = 0; k < NSTREAMS; k++)
			if (strcmp(names[i], streams[k].name) == 0)
				break;
		if (k == NSTREAMS) {
			rc = ops_err_set(err, OPS_E_PROTO, "subscribe: unknown "
			    "stream %s (job-output, job-state, run-state, "
			    "target-status, step-state, approval-state)", names[i]);
			free(names);
			return rc;
		}
		*bits |= streams[k].bit;
	}
	free(names);
	return OPS_OK;
}

int
handle_subscribe(struct ops_ctx *ctx, struct client *c, json_t *msg,
    json_t **result, struct ops_err *err)
{
	unsigned	 bits;
	long long	 job = 0;
	int		 rc;

	(void)ctx;
	(void)result;
	if ((rc = parse_streams(msg, &bits, err)) != OPS_OK)
		return rc;
	if (proto_has(msg, "job") && (rc = proto_get_int(msg, "job", 1,
	    INT64_MAX, &job, err)) != OPS_OK)
		return rc;
	c->ev_streams |= bits;
	c->ev_job = job;
	return OPS_OK;
}

int
handle_unsubscribe(struct ops_ctx *ctx, struct client *c, json_t *msg,
    json_t **result, struct ops_err *err)
{
	unsigned	 bits = ~0u;
	int		 rc;

	(void)ctx;
	(void)result;
	if (proto_has(msg, "streams") && (rc = parse_streams(msg, &bits,
	    err)) != OPS_OK)
		return rc;
	c->ev_streams &= ~bits;
	if (c->ev_streams == 0)
		c->ev_job = 0;
	return OPS_OK;
}

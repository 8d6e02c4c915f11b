/*
 * events.c: event streams. A client subscribes to streams ("job-output",
 * "job-state", "run-state", "target-status"), optionally for one job;
 * "job logs --follow" makes a client follow one job's output until it
 * ends, and then gets its deferred "ok". Each event is encoded once and
 * the same frame is queued to every interested client; a client that does
 * not read is dropped by its writer cap, so a slow client never blocks
 * the daemon or the other clients.
 */
#include "config.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "daemon.h"

static const struct {
	const char	*name;
	unsigned	 bit;
} streams[] = {
	{ "job-output", EV_JOB_OUTPUT },
	{ "job-state", EV_JOB_STATE },
	{ "run-state", EV_RUN_STATE },
	{ "target-status", EV_TARGET_STATUS },
};
#define NSTREAMS	(sizeof(streams) / sizeof(streams[0]))

static unsigned
stream_bit(enum proto_type type)
{
	switch (type) {
	case PROTO_JOB_OUTPUT:
		return EV_JOB_OUTPUT;
	case PROTO_JOB_STATE:
		return EV_JOB_STATE;
	case PROTO_RUN_STATE:
		return EV_RUN_STATE;
	case PROTO_TARGET_STATUS:
		return EV_TARGET_STATUS;
	default:
		return 0;
	}
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

void
events_emit(struct ops_ctx *ctx, long long job, const char *target,
    const json_t *msg)
{
	struct client	*c, *next;
	unsigned char	*frame = NULL;
	struct ops_err	 err;
	size_t		 len;
	unsigned	 bit = stream_bit(proto_msg_type(msg));

	if (ctx->server == NULL || bit == 0)
		return;
	for (c = server_clients(ctx->server); c != NULL; c = next) {
		next = c->next;
		if (c->closing || !wants(c, bit, job, target))
			continue;
		if (frame == NULL && proto_frame_encode(msg, &frame, &len,
		    &err) != OPS_OK) {
			log_warnx(&ctx->log, "event for job %lld: %s", job,
			    ops_err_msg(&err));
			return;
		}
		client_send_frame(c, frame, len);
	}
	free(frame);
}

void
events_job_end(struct ops_ctx *ctx, long long job, const char *state)
{
	struct client	*c, *next;
	json_t		*m;

	if (ctx->server == NULL)
		return;
	for (c = server_clients(ctx->server); c != NULL; c = next) {
		next = c->next;
		if (c->follow_id == 0 || c->follow_job != job)
			continue;
		if ((m = proto_msg_new(PROTO_OK, c->follow_id)) != NULL &&
		    proto_add_json(m, "result", json_pack("{s:I, s:s}", "job",
		    (json_int_t)job, "state", state), NULL) == OPS_OK)
			client_send_later(c, m);
		json_decref(m);
		c->follow_id = 0;
		c->follow_job = 0;
		c->follow_target[0] = '\0';
	}
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
			    "target-status)", names[i]);
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

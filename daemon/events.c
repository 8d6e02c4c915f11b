/*
 * events.c: the daemon's event bus. Producers (the runner) post typed
 * events and know nothing of who listens; sinks register once and see
 * every event, in registration order. The bus encodes nothing: the
 * client-stream sink (events-client.c) turns events into protocol JSON,
 * once per event.
 */
#include "config.h"

#include <stdlib.h>

#include "daemon.h"

struct events {
	struct {
		events_sink_fn	*fn;
		void		*arg;
	}		 sinks[EVENTS_MAX_SINKS];
	size_t		 n;
};

int
events_init(struct ops_ctx *ctx, struct ops_err *err)
{
	if ((ctx->events = calloc(1, sizeof(*ctx->events))) == NULL)
		return ops_err_set(err, OPS_E_NOMEM, "allocate the event bus");
	return OPS_OK;
}

void
events_done(struct ops_ctx *ctx)
{
	free(ctx->events);
	ctx->events = NULL;
}

int
events_sink_add(struct ops_ctx *ctx, events_sink_fn *fn, void *arg,
    struct ops_err *err)
{
	struct events	*ev = ctx->events;

	if (ev == NULL)
		return ops_err_set(err, OPS_E_INVAL, "add an event sink: no "
		    "event bus");
	if (ev->n == EVENTS_MAX_SINKS)
		return ops_err_set(err, OPS_E_TOOBIG, "add an event sink: "
		    "%d are registered already", EVENTS_MAX_SINKS);
	ev->sinks[ev->n].fn = fn;
	ev->sinks[ev->n].arg = arg;
	ev->n++;
	return OPS_OK;
}

void
events_sink_remove(struct ops_ctx *ctx, events_sink_fn *fn, void *arg)
{
	struct events	*ev = ctx->events;
	size_t		 i;

	for (i = 0; ev != NULL && i < ev->n; i++)
		if (ev->sinks[i].fn == fn && ev->sinks[i].arg == arg) {
			/* Keep the order: sinks rely on who went first. */
			for (; i + 1 < ev->n; i++)
				ev->sinks[i] = ev->sinks[i + 1];
			ev->n--;
			return;
		}
}

void
events_post(struct ops_ctx *ctx, const struct ops_event *e)
{
	struct events	*ev = ctx->events;
	size_t		 i;

	for (i = 0; ev != NULL && i < ev->n; i++)
		ev->sinks[i].fn(ctx, e, ev->sinks[i].arg);
}

int
events_job_final(enum store_job_state state)
{
	return job_state_is_final(state);
}

/*
 * notify-approval.c: approval events (OPS_EV_APPROVAL_STATE, i13-approve)
 * as notifications. Until the approval bus event exists none is mapped.
 */
#include "config.h"

#include <stdlib.h>

#include "notify-int.h"
#include "xmalloc.h"

const char *
notify_approval_event(const struct ops_event *ev)
{
	(void)ev;
	return NULL;
}

void
notify_approval_copy(const struct ops_event *ev, struct notify_ev *e)
{
	(void)ev;
	(void)e;
}

int
notify_approval_text(struct ops_ctx *ctx, const struct notify_ev *e,
    char **text, struct ops_err *err)
{
	(void)ctx;
	(void)err;
	*text = xasprintf("opsicle: job %lld: %s", (long long)e->job,
	    e->event);
	return OPS_OK;
}

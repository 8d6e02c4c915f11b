/*
 * notify-approval.c: approval events (OPS_EV_APPROVAL_STATE, posted by
 * daemon/approval.c on every request, decision, expiry and override) as
 * notifications: "requested" is approval-requested, with
 * approval_describe's text (the automation, version, parameters with
 * secrets masked, targets, the requester, the deadline and the command
 * to approve); approved (one decision, more needed), granted, rejected
 * and overridden are approval-decided; expired is approval-expired.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "approval.h"
#include "notify-int.h"
#include "xmalloc.h"

const char *
notify_approval_event(const struct ops_event *ev)
{
	const char	*s;

	if (ev->kind != OPS_EV_APPROVAL_STATE ||
	    (s = ev->u.approval.state) == NULL)
		return NULL;
	if (strcmp(s, "requested") == 0)
		return "approval-requested";
	if (strcmp(s, "expired") == 0)
		return "approval-expired";
	if (strcmp(s, "approved") == 0 || strcmp(s, "granted") == 0 ||
	    strcmp(s, "rejected") == 0 || strcmp(s, "overridden") == 0)
		return "approval-decided";
	return NULL;
}

void
notify_approval_copy(const struct ops_event *ev, struct notify_ev *e)
{
	snprintf(e->state, sizeof(e->state), "%s", ev->u.approval.state);
	e->approvals = ev->u.approval.approvals;
	e->required = ev->u.approval.required;
	if (ev->u.approval.actor != NULL)
		e->actor = xstrdup(ev->u.approval.actor);
	if (ev->u.approval.reason != NULL)
		e->reason = xstrdup(ev->u.approval.reason);
	if (ev->u.approval.channel != NULL)
		e->detail = xstrdup(ev->u.approval.channel);
}

int
notify_approval_text(struct ops_ctx *ctx, const struct notify_ev *e,
    char **text, struct ops_err *err)
{
	char	*d = NULL;
	int	 rc;

	*text = NULL;
	if (strcmp(e->event, "approval-requested") == 0) {
		if ((rc = approval_describe(ctx, e->job, &d, err)) != OPS_OK)
			return rc;
		*text = xasprintf("opsicle: %s", d);
		free(d);
		return OPS_OK;
	}
	if (strcmp(e->event, "approval-expired") == 0) {
		*text = xasprintf("opsicle: the approval request of job %lld "
		    "expired; the job will not run", (long long)e->job);
		return OPS_OK;
	}
	*text = xasprintf("opsicle: job %lld %s%s%s%s%s (%d of %d approvals)%s%s",
	    (long long)e->job, e->state, e->actor != NULL ? " by " : "",
	    e->actor != NULL ? e->actor : "", e->detail != NULL ? " via " : "",
	    e->detail != NULL ? e->detail : "", e->approvals, e->required,
	    e->reason != NULL ? ": " : "", e->reason != NULL ? e->reason : "");
	return OPS_OK;
}

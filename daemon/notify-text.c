/*
 * notify-text.c: what a notification says. The payload is a JSON object
 * (the webhook body as is): type, job, target, state, counts, the
 * automation and version, who requested the job, a human "text" (Slack,
 * email and Telegram send that) and the time. No command line and no
 * parameter value goes in: approvals' text comes from approval_describe,
 * which masks secrets.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "notify-int.h"
#include "xmalloc.h"

static char *
job_text(const struct notify_ev *e, const struct store_job *j)
{
	char	what[256];

	if (j != NULL && j->automation != NULL)
		snprintf(what, sizeof(what), "automation %s v%d, requested by "
		    "%s", j->automation, j->version, j->requested_by != NULL ?
		    j->requested_by : "?");
	else if (j != NULL)
		snprintf(what, sizeof(what), "ad hoc, requested by %s",
		    j->requested_by != NULL ? j->requested_by : "?");
	else
		snprintf(what, sizeof(what), "no longer stored");
	if (strcmp(e->event, "job-started") == 0)
		return xasprintf("opsicle: job %lld started (%s)",
		    (long long)e->job, what);
	if (strcmp(e->event, "target-unreachable") == 0)
		return xasprintf("opsicle: target %s is unreachable (job %lld, "
		    "%s)%s%s", e->target != NULL ? e->target : "?",
		    (long long)e->job, what, e->detail != NULL ? ": " : "",
		    e->detail != NULL ? e->detail : "");
	return xasprintf("opsicle: job %lld %s: %zu of %zu targets ok, %zu "
	    "failed (%s). Details: opsicle job show %lld", (long long)e->job,
	    strcmp(e->event, "job-succeeded") == 0 ? "succeeded" : "failed",
	    e->ok, e->total, e->failed, what, (long long)e->job);
}

int
notify_payload(struct ops_ctx *ctx, const struct notify_ev *e, char **out,
    struct ops_err *err)
{
	struct store_job	*j = NULL;
	struct ops_err		 e2;
	json_t			*o;
	char			*text = NULL;
	int			 rc = OPS_OK;

	*out = NULL;
	if (e->job > 0)
		(void)store_job_get(ctx->store, e->job, &j, &e2);
	if (strcmp(e->event, "test") == 0)
		text = xstrdup("opsicle: a test notification (opsicle notify "
		    "test)");
	else if (strncmp(e->event, "approval-", 9) == 0) {
		if ((rc = notify_approval_text(ctx, e, &text, err)) != OPS_OK)
			goto out;
	} else
		text = job_text(e, j);
	o = json_pack("{s:s, s:s, s:I}", "type", e->event, "text", text,
	    "timestamp", (json_int_t)(notify_now_ms() / 1000));
	if (e->job > 0)
		json_object_set_new(o, "job", json_integer(e->job));
	if (e->target != NULL)
		json_object_set_new(o, "target", json_string(e->target));
	if (e->state[0] != '\0')
		json_object_set_new(o, "state", json_string(e->state));
	if (strncmp(e->event, "job-", 4) == 0 &&
	    strcmp(e->event, "job-started") != 0) {
		json_object_set_new(o, "ok", json_integer((json_int_t)e->ok));
		json_object_set_new(o, "failed",
		    json_integer((json_int_t)e->failed));
		json_object_set_new(o, "total",
		    json_integer((json_int_t)e->total));
	}
	if (j != NULL && j->automation != NULL) {
		json_object_set_new(o, "automation",
		    json_string(j->automation));
		json_object_set_new(o, "version", json_integer(j->version));
	}
	if (j != NULL && j->requested_by != NULL)
		json_object_set_new(o, "requester",
		    json_string(j->requested_by));
	if (e->detail != NULL)
		json_object_set_new(o, strncmp(e->event, "approval-", 9) == 0 ?
		    "channel" : "message", json_string(e->detail));
	if (e->actor != NULL)
		json_object_set_new(o, "actor", json_string(e->actor));
	if (e->reason != NULL)
		json_object_set_new(o, "reason", json_string(e->reason));
	if (e->required > 0) {
		json_object_set_new(o, "approvals",
		    json_integer(e->approvals));
		json_object_set_new(o, "required", json_integer(e->required));
	}
	if ((*out = json_dumps(o, JSON_COMPACT | JSON_SORT_KEYS)) == NULL)
		rc = ops_err_set(err, OPS_E_NOMEM, "notification payload");
	json_decref(o);
out:
	free(text);
	store_job_free(j);
	return rc;
}

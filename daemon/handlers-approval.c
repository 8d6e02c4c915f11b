/*
 * handlers-approval.c: approval list, approval show, approve and reject
 * (core/proto.h 250-253), and approval_describe. The deciding is
 * approval.c's: these read the request and the peer and call it with
 * channel "cli", or "console" when the peer's hello named the client
 * "opsicle-console" (the console sends the same requests).
 */
#include "config.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <sodium.h>

#include "approval.h"
#include "automation.h"
#include "secret.h"
#include "xmalloc.h"

handler_fn	handle_approval_list, handle_approval_show, handle_approve,
		handle_reject;

static json_t *
decisions_json(const struct store_approval_decision_list *dl)
{
	json_t	*a = json_array(), *o;
	size_t	 i;

	for (i = 0; a != NULL && i < dl->n; i++) {
		o = json_pack("{s:s, s:I, s:s, s:s, s:I}", "actor",
		    dl->v[i].actor, "uid", (json_int_t)dl->v[i].actor_uid,
		    "channel", dl->v[i].channel, "decision",
		    dl->v[i].decision, "time", (json_int_t)dl->v[i].ts);
		if (o != NULL && dl->v[i].reason != NULL)
			json_object_set_new(o, "reason",
			    json_string(dl->v[i].reason));
		if (o != NULL && dl->v[i].account != NULL)
			json_object_set_new(o, "account",
			    json_string(dl->v[i].account));
		json_array_append_new(a, o);
	}
	return a;
}

/* The list entry of job's request a (approval-list's object). */
static int
request_json(struct ops_ctx *ctx, const struct store_approval *a,
    json_t **out, struct ops_err *err)
{
	struct store_approval_decision_list	 dl = { NULL, 0 };
	struct store_job			*j = NULL;
	struct auto_approval			*p = NULL;
	json_t					*o = NULL, *ap;
	const char				*state;
	int					 rc;

	*out = NULL;
	if ((rc = store_job_get(ctx->store, a->job, &j, err)) != OPS_OK ||
	    (rc = automation_approval_from_json(a->policy, &p, err)) !=
	    OPS_OK ||
	    (rc = store_approval_decisions(ctx->store, a->job, &dl, err)) !=
	    OPS_OK)
		goto out;
	ap = approval_approvers_json(p);
	/* a request past its deadline that the timer did not reach yet
	 * says so already */
	state = a->state;
	o = json_pack("{s:I, s:s, s:s, s:I, s:I, s:i, s:i, s:o, s:b, s:b, "
	    "s:s, s:o}", "job", (json_int_t)a->job, "command", j->command,
	    "requester", j->requested_by, "created",
	    (json_int_t)a->created, "expires", (json_int_t)a->expires,
	    "required", a->required, "approvals", a->approvals, "approvers",
	    ap, "totp", p->totp, "reason_required", p->reason_required,
	    "state", state, "decisions", decisions_json(&dl));
	if (o == NULL) {
		rc = ops_err_set(err, OPS_E_NOMEM, "build approval of job %lld",
		    (long long)a->job);
		goto out;
	}
	if (j->automation != NULL) {
		json_object_set_new(o, "automation", json_string(
		    j->automation));
		json_object_set_new(o, "version", json_integer(j->version));
	}
	*out = o;
out:
	store_job_free(j);
	automation_approval_free(p);
	store_approval_decision_list_free(&dl);
	return rc;
}

int
handle_approval_list(struct ops_ctx *ctx, struct client *c, json_t *msg,
    json_t **result, struct ops_err *err)
{
	struct store_approval_list	 l = { NULL, 0 };
	const char			*state = "pending";
	json_t				*arr, *o;
	size_t				 i;
	int				 rc;

	(void)c;
	if (proto_has(msg, "state") && (rc = proto_get_str(msg, "state",
	    &state, OPS_PROTO_MAX_NAME, err)) != OPS_OK)
		return rc;
	if ((rc = store_approval_list(ctx->store, strcmp(state, "all") == 0 ?
	    NULL : state, &l, err)) != OPS_OK)
		return rc;
	arr = json_array();
	for (i = 0; i < l.n; i++) {
		if ((rc = request_json(ctx, &l.v[i], &o, err)) != OPS_OK) {
			json_decref(arr);
			store_approval_list_free(&l);
			return rc;
		}
		json_array_append_new(arr, o);
	}
	store_approval_list_free(&l);
	*result = arr;
	return OPS_OK;
}

/* request_json plus params (secrets masked) and targets. */
static int
show_json(struct ops_ctx *ctx, int64_t job, json_t **out,
    struct ops_err *err)
{
	struct store_approval		 a;
	struct store_job_param_list	 pl = { NULL, 0 };
	struct store_run_list		 rl = { NULL, 0 };
	json_t				*o = NULL, *targets;
	size_t				 i;
	int				 rc;

	*out = NULL;
	if ((rc = approval_get(ctx, job, &a, err)) != OPS_OK)
		return rc;
	if ((rc = request_json(ctx, &a, &o, err)) != OPS_OK ||
	    (rc = store_job_params_get(ctx->store, job, 0, &pl, err)) !=
	    OPS_OK ||
	    (rc = store_run_list(ctx->store, job, 0, &rl, err)) != OPS_OK)
		goto out;
	json_object_set_new(o, "params", auto_params_json(&pl));
	targets = json_array();
	for (i = 0; i < rl.n; i++)
		json_array_append_new(targets, json_string(rl.v[i].target));
	json_object_set_new(o, "targets", targets);
	*out = o;
	o = NULL;
out:
	json_decref(o);
	store_job_param_list_free(&pl);
	store_run_list_free(&rl);
	store_approval_done(&a);
	return rc;
}

int
handle_approval_show(struct ops_ctx *ctx, struct client *c, json_t *msg,
    json_t **result, struct ops_err *err)
{
	long long	job;
	int		rc;

	(void)c;
	if ((rc = proto_get_int(msg, "job", 1, INT64_MAX, &job, err)) !=
	    OPS_OK)
		return rc;
	return show_json(ctx, job, result, err);
}

/* The peer as an approver; its channel cli, or console when it says
 * so (a label for the audit: who is the peer's uid either way). */
static int
actor_of(const struct client *c, const json_t *msg,
    struct approval_actor *who, struct ops_err *err)
{
	const char	*ch = "cli";
	int		 rc;

	memset(who, 0, sizeof(*who));
	who->uid = c->uid;
	who->gid = c->gid;
	who->actor = c->actor;
	who->channel = c->console ? APPROVAL_CH_CONSOLE : APPROVAL_CH_CLI;
	who->account = NULL;
	if (proto_has(msg, "channel") && (rc = proto_get_str(msg, "channel",
	    &ch, OPS_PROTO_MAX_NAME, err)) != OPS_OK)
		return rc;
	if (strcmp(ch, "console") == 0)
		who->channel = APPROVAL_CH_CONSOLE;
	else if (strcmp(ch, "cli") != 0)
		return ops_err_set(err, OPS_E_INVAL, "channel %s: a socket "
		    "client decides through cli or console", ch);
	return OPS_OK;
}

/* The request's state now, for the reply. */
static int
reply_state(struct ops_ctx *ctx, int64_t job, int with_counts,
    json_t **result, struct ops_err *err)
{
	struct store_approval	a;
	int			rc;

	if ((rc = store_approval_get(ctx->store, job, &a, err)) != OPS_OK)
		return rc;
	if (with_counts)
		*result = json_pack("{s:I, s:s, s:i, s:i}", "job",
		    (json_int_t)job, "state", a.state, "approvals",
		    a.approvals, "required", a.required);
	else
		*result = json_pack("{s:I, s:s}", "job", (json_int_t)job,
		    "state", a.state);
	store_approval_done(&a);
	return *result != NULL ? OPS_OK : ops_err_set(err, OPS_E_NOMEM,
	    "reply");
}

int
handle_approve(struct ops_ctx *ctx, struct client *c, json_t *msg,
    json_t **result, struct ops_err *err)
{
	struct approval_actor	 who;
	struct secret		*code = NULL;
	const char		*reason = NULL;
	char			*codestr = NULL;
	long long		 job;
	int			 rc, override = 0;

	if ((rc = proto_get_int(msg, "job", 1, INT64_MAX, &job, err)) !=
	    OPS_OK)
		return rc;
	if (proto_has(msg, "reason") && (rc = proto_get_str(msg, "reason",
	    &reason, STORE_REASON_MAX, err)) != OPS_OK)
		return rc;
	if (proto_has(msg, "override") && (rc = proto_get_bool(msg,
	    "override", &override, err)) != OPS_OK)
		return rc;
	if (proto_has(msg, "code") && (rc = proto_take_secret(msg, "code",
	    64, &code, err)) != OPS_OK)
		return rc;
	if ((rc = actor_of(c, msg, &who, err)) != OPS_OK) {
		secret_free(code);
		return rc;
	}
	if (code != NULL) {
		codestr = xcalloc(1, secret_len(code) + 1);
		memcpy(codestr, secret_data(code), secret_len(code));
	}
	if (override && code != NULL)
		rc = ops_err_set(err, OPS_E_INVAL, "approve --override takes "
		    "no TOTP code");
	else if (override)
		rc = approval_override(ctx, job, &who, reason, err);
	else
		rc = approval_decide(ctx, job, &who, 1, reason, codestr, err);
	if (codestr != NULL) {
		sodium_memzero(codestr, strlen(codestr));
		free(codestr);
	}
	secret_free(code);
	if (rc != OPS_OK)
		return rc;
	return reply_state(ctx, job, 1, result, err);
}

int
handle_reject(struct ops_ctx *ctx, struct client *c, json_t *msg,
    json_t **result, struct ops_err *err)
{
	struct approval_actor	 who;
	const char		*reason = NULL;
	long long		 job;
	int			 rc;

	if ((rc = proto_get_int(msg, "job", 1, INT64_MAX, &job, err)) !=
	    OPS_OK ||
	    (rc = proto_get_str(msg, "reason", &reason, STORE_REASON_MAX,
	    err)) != OPS_OK)
		return rc;
	if ((rc = actor_of(c, msg, &who, err)) != OPS_OK)
		return rc;
	if ((rc = approval_decide(ctx, job, &who, 0, reason, NULL, err)) !=
	    OPS_OK)
		return rc;
	return reply_state(ctx, job, 0, result, err);
}

static void
when_text(int64_t ms, char *buf, size_t len)
{
	struct tm	tm;
	time_t		t = (time_t)(ms / 1000);

	if (gmtime_r(&t, &tm) == NULL ||
	    strftime(buf, len, "%Y-%m-%d %H:%M:%S UTC", &tm) == 0)
		snprintf(buf, len, "%lld", (long long)ms);
}

int
approval_describe(struct ops_ctx *ctx, int64_t job, char **text,
    struct ops_err *err)
{
	json_t		*o = NULL, *v;
	char		*buf = NULL, when[64];
	size_t		 len = 0, i;
	FILE		*fp;
	int		 rc;

	*text = NULL;
	if (ctx->store == NULL)
		return ops_err_set(err, OPS_E_LOCKED, "store is locked");
	if ((rc = show_json(ctx, job, &o, err)) != OPS_OK)
		return rc;
	if ((fp = open_memstream(&buf, &len)) == NULL) {
		json_decref(o);
		return ops_err_set(err, OPS_E_NOMEM, "describe job %lld",
		    (long long)job);
	}
	fprintf(fp, "Job %lld awaits approval (%lld of %lld)\n",
	    (long long)job,
	    (long long)json_integer_value(json_object_get(o, "approvals")),
	    (long long)json_integer_value(json_object_get(o, "required")));
	if ((v = json_object_get(o, "automation")) != NULL)
		fprintf(fp, "automation: %s version %lld\n",
		    json_string_value(v), (long long)json_integer_value(
		    json_object_get(o, "version")));
	else
		fprintf(fp, "command: %s\n", json_string_value(
		    json_object_get(o, "command")));
	json_array_foreach(json_object_get(o, "params"), i, v)
		fprintf(fp, "param %s=%s\n", json_string_value(
		    json_object_get(v, "name")), json_string_value(
		    json_object_get(v, "value")));
	fprintf(fp, "targets:");
	json_array_foreach(json_object_get(o, "targets"), i, v)
		fprintf(fp, " %s", json_string_value(v));
	fprintf(fp, "\nrequested by: %s\n", json_string_value(
	    json_object_get(o, "requester")));
	when_text(json_integer_value(json_object_get(o, "expires")), when,
	    sizeof(when));
	fprintf(fp, "expires: %s\n", when);
	fprintf(fp, "approve: opsicle approve %lld%s\n", (long long)job,
	    json_is_true(json_object_get(o, "totp")) ? " --code CODE" : "");
	fprintf(fp, "reject: opsicle reject %lld --reason REASON\n",
	    (long long)job);
	fclose(fp);
	json_decref(o);
	*text = buf;
	return OPS_OK;
}

/*
 * test-dispatch.c: the daemon's operation table and its dispatcher, in
 * process: lookups and names, the refusals dispatch_admit gives (byte
 * for byte what clients and tests see), what dispatch_call sets up
 * around a handler (defer permission, the approval gate letting
 * requests through), and unsubscribe through its row.
 */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include "daemon.h"
#include "tap.h"

/* Declared by dispatch.c next to their rows (daemon.h lists none). */
handler_fn	handle_target_add, handle_unsubscribe;

/* What the last fake handler saw. */
struct seen {
	int	calls;
	int	defer_ok;
	int	defer_reply;
};

static struct seen seen;

static int
fake_handler(struct ops_ctx *ctx, struct client *c, json_t *msg,
    json_t **result, struct ops_err *err)
{
	(void)ctx;
	(void)msg;
	(void)err;
	seen.calls++;
	seen.defer_ok = c->defer_ok;
	seen.defer_reply = c->defer_reply;
	*result = json_pack("{s:i}", "answer", 42);
	return OPS_OK;
}

static int
failing_handler(struct ops_ctx *ctx, struct client *c, json_t *msg,
    json_t **result, struct ops_err *err)
{
	(void)ctx;
	(void)c;
	(void)msg;
	(void)result;
	seen.calls++;
	return ops_err_set(err, OPS_E_NOTFOUND, "no such thing");
}

/* An unsubscribe request, with streams when one is given. */
static json_t *
unsubscribe_msg(const char *stream)
{
	json_t	*m = proto_msg_new(PROTO_UNSUBSCRIBE, 1);

	if (m != NULL && stream != NULL)
		json_object_set_new(m, "streams", json_pack("[s]", stream));
	return m;
}

int
main(void)
{
	struct ops_ctx			 ctx;
	struct client			 c;
	struct ops_err			 err;
	const struct dispatch_op	*op;
	struct dispatch_op		 fake;
	json_t				*msg, *result = NULL;
	char				 name[64];
	size_t				 n;
	int				 rc;

	plan(20);
	memset(&ctx, 0, sizeof(ctx));
	log_init(&ctx.log, "test-dispatch", LOG_LEVEL_WARN);
	memset(&c, 0, sizeof(c));
	snprintf(c.actor, sizeof(c.actor), "tester(1000)");

	/* lookups */
	op = dispatch_find(PROTO_TARGET_ADD);
	ok(op != NULL && op->fn == handle_target_add &&
	    op->role == CMD_ROLE_OPERATOR &&
	    op->flags == (OP_STORE | OP_TX | OP_DEFER) &&
	    strcmp(op->name, "target.add") == 0,
	    "target-add: its handler, operator, store + transaction + defer");
	ok(dispatch_find(PROTO_NONE) == NULL && dispatch_find(PROTO_OK) ==
	    NULL && dispatch_find(PROTO_JOB_OUTPUT) == NULL &&
	    dispatch_find((enum proto_type)100000) == NULL,
	    "no rows for none, replies, events or out-of-range types");
	(void)dispatch_table(&n);
	ok(n > (size_t)PROTO_HOSTKEY_REJECT && n <= (size_t)PROTO_OK,
	    "the table is indexed by type and ends with the requests");
	op = dispatch_find(PROTO_HELLO);
	ok(op != NULL && op->fn == NULL && (op->flags & OP_CONN) &&
	    op->role == CMD_ROLE_NONE, "hello: answered by the connection");
	op = dispatch_find(PROTO_UNSUBSCRIBE);
	ok(op != NULL && op->fn == handle_unsubscribe &&
	    op->role == CMD_ROLE_VIEWER && !(op->flags & OP_STORE),
	    "unsubscribe: a viewer op that needs no store");
	dispatch_op_name(dispatch_find(PROTO_JOB_RERUN), name, sizeof(name));
	ok(strcmp(name, "job rerun") == 0, "op names read with spaces");

	/* refusals, with the texts clients print */
	c.role = CMD_ROLE_VIEWER;
	rc = dispatch_admit(&ctx, &c, dispatch_find(PROTO_TARGET_ADD), &err);
	ok(rc == OPS_E_PERM && strcmp(ops_err_msg(&err), "permission denied: "
	    "target add needs role operator; tester(1000) has role viewer")
	    == 0, "a viewer may not add targets: %s", ops_err_msg(&err));
	c.role = CMD_ROLE_APPROVER;
	rc = dispatch_admit(&ctx, &c, dispatch_find(PROTO_RUN), &err);
	ok(rc == OPS_E_PERM, "an approver may not run");
	c.role = CMD_ROLE_OPERATOR;
	rc = dispatch_admit(&ctx, &c, dispatch_find(PROTO_TARGET_ADD), &err);
	ok(rc == OPS_E_LOCKED && strcmp(ops_err_msg(&err), "store is locked; "
	    "run opsicle unlock") == 0, "OP_STORE while locked: %s",
	    ops_err_msg(&err));
	c.role = CMD_ROLE_ADMIN;
	ok(dispatch_admit(&ctx, &c, dispatch_find(PROTO_DAEMON_STATUS),
	    &err) == OPS_OK && dispatch_admit(&ctx, &c,
	    dispatch_find(PROTO_UNLOCK), &err) == OPS_OK &&
	    dispatch_admit(&ctx, &c, dispatch_find(PROTO_LOCK), &err) ==
	    OPS_OK && dispatch_admit(&ctx, &c, dispatch_find(PROTO_DAEMON_STOP),
	    &err) == OPS_OK, "status, unlock, lock and stop run while locked");
	ok(dispatch_admit(&ctx, &c, dispatch_find(PROTO_SUBSCRIBE), &err) ==
	    OPS_E_LOCKED && dispatch_admit(&ctx, &c,
	    dispatch_find(PROTO_PASSWD), &err) == OPS_E_LOCKED,
	    "subscribe and passwd need the store");

	/* around the handler */
	fake = (struct dispatch_op){ fake_handler, CMD_ROLE_VIEWER, 0,
	    "test.read" };
	c.defer_reply = 1;
	rc = dispatch_call(&ctx, &c, &fake, NULL, &result, &err);
	ok(rc == OPS_OK && seen.calls == 1 && seen.defer_reply == 0 &&
	    seen.defer_ok == 0 && json_integer_value(json_object_get(result,
	    "answer")) == 42, "a read runs once, may not defer, answers");
	json_decref(result);
	fake.flags = OP_DEFER;
	rc = dispatch_call(&ctx, &c, &fake, NULL, &result, &err);
	ok(rc == OPS_OK && seen.calls == 2 && seen.defer_ok == 1 &&
	    c.defer_ok == 0, "OP_DEFER: the handler may defer, only then");
	json_decref(result);
	fake.flags = OP_APPROVAL;
	rc = dispatch_call(&ctx, &c, &fake, NULL, &result, &err);
	ok(rc == OPS_OK && seen.calls == 3 && seen.defer_ok == 1 &&
	    result != NULL, "OP_APPROVAL: the gate lets it run (for now)");
	json_decref(result);
	fake.fn = failing_handler;
	fake.flags = 0;
	rc = dispatch_call(&ctx, &c, &fake, NULL, &result, &err);
	ok(rc == OPS_E_NOTFOUND && result == NULL && seen.calls == 4 &&
	    strcmp(ops_err_msg(&err), "no such thing") == 0,
	    "a handler's error comes back as it was");

	/* unsubscribe, through its row */
	op = dispatch_find(PROTO_UNSUBSCRIBE);
	c.role = CMD_ROLE_VIEWER;
	c.ev_streams = EV_JOB_OUTPUT | EV_JOB_STATE;
	c.ev_job = 5;
	ok(dispatch_admit(&ctx, &c, op, &err) == OPS_OK,
	    "a viewer may unsubscribe while the store is locked");
	msg = unsubscribe_msg("job-output");
	rc = dispatch_call(&ctx, &c, op, msg, &result, &err);
	ok(rc == OPS_OK && c.ev_streams == EV_JOB_STATE && c.ev_job == 5,
	    "unsubscribe job-output leaves job-state of job 5");
	json_decref(msg);
	msg = unsubscribe_msg("no-such-stream");
	rc = dispatch_call(&ctx, &c, op, msg, &result, &err);
	ok(rc == OPS_E_PROTO && c.ev_streams == EV_JOB_STATE,
	    "an unknown stream is refused: %s", ops_err_msg(&err));
	json_decref(msg);
	msg = unsubscribe_msg(NULL);
	rc = dispatch_call(&ctx, &c, op, msg, &result, &err);
	ok(rc == OPS_OK && c.ev_streams == 0 && c.ev_job == 0,
	    "unsubscribe without streams ends every subscription");
	json_decref(msg);
	ok(result == NULL && !c.defer_reply, "and answers with a plain ok");
	return exit_status();
}

/*
 * cli-logs.c: read a job's stored output, which the daemon sends as a
 * sequence (core/proto.h: logs-run, logs-data pieces, then ok), and
 * print it as it arrives: nothing holds more than a piece, so a job of
 * any size prints. The --json forms are written piece by piece too, as
 * the same objects "job logs --json" and "run --json" always printed.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tui.h"

int
cli_logs_read(struct cli_conn *c, json_t *m, const char *who,
    const struct cli_logs_cb *cb, void *arg, json_t **result)
{
	struct ops_err	 err;
	enum proto_type	 type;
	json_t		*r = NULL;
	long long	 rid;
	int		 rc;

	*result = NULL;
	if (client_send_msg(c, m, &rid, &err) != OPS_OK) {
		cli_errmsg(who, ops_err_msg(&err));
		return EXIT_NODAEMON;
	}
	for (;;) {
		if (client_recv(c, &r, &type, &err) != OPS_OK) {
			cli_errmsg(who, ops_err_msg(&err));
			return EXIT_NODAEMON;
		}
		if ((proto_type_flags(type) & PROTO_F_EVENT) ||
		    proto_msg_id(r) != rid)
			;	/* events of a subscription: not ours */
		else if (type == PROTO_LOGS_RUN)
			cb->run(arg, r);
		else if (type == PROTO_LOGS_DATA)
			cb->data(arg, r);
		else
			break;
		json_decref(r);
	}
	if (type == PROTO_ERROR) {
		cli_errmsg(who, cli_str(r, "message"));
		rc = EXIT_REFUSED;
	} else {
		*result = json_incref(json_object_get(r, "result"));
		rc = 0;
	}
	json_decref(r);
	return rc;
}

/* ---- --json, written as the pieces come ---------------------------------- */

static void
put_json(const json_t *v)
{
	cli_put_json(v, 1);
}

static void
put_key(const char *key)
{
	json_t	*k = json_string(key);

	put_json(k);
	putchar(':');
	json_decref(k);
}

/* o's members as "k":v, each followed by a comma, but for skip. */
static void
put_members(const json_t *o, const char *skip)
{
	const char	*key;
	json_t		*v;

	json_object_foreach((json_t *)o, key, v) {
		if (skip != NULL && strcmp(key, skip) == 0)
			continue;
		put_key(key);
		put_json(v);
		putchar(',');
	}
}

/* Close the string of the current stream and write what follows it. */
static void
stream_close(struct cli_logs_json *j)
{
	const char	*s = j->stream == 1 ? "stdout" : "stderr";
	char		 key[32];

	printf("\",");
	snprintf(key, sizeof(key), "%s_encoding", s);
	put_key(key);
	put_json(json_object_get(j->hdr, key));
	if (j->show == NULL) {
		snprintf(key, sizeof(key), "%s_truncated", s);
		putchar(',');
		put_key(key);
		put_json(json_object_get(j->hdr, key));
	}
	if (j->stream == 1) {
		putchar(',');
		put_key("stderr");
		putchar('"');
		j->stream = 2;
	} else {
		putchar('}');
		j->stream = 0;
	}
}

static void
run_close(struct cli_logs_json *j)
{
	while (j->stream != 0)
		stream_close(j);
	json_decref(j->hdr);
	j->hdr = NULL;
}

void
cli_logs_json_begin(struct cli_logs_json *j, const json_t *show,
    long long job)
{
	memset(j, 0, sizeof(*j));
	j->show = show;
	j->job = job;
}

/* The object's opening, once something is known to follow (a refused
 * request prints its error and no half object). */
static void
json_open(struct cli_logs_json *j)
{
	if (j->opened++)
		return;
	putchar('{');
	if (j->show != NULL)
		put_members(j->show, "runs");
	else
		printf("\"job\":%lld,", j->job);
	printf("\"runs\":[");
}

void
cli_logs_json_run(void *arg, const json_t *hdr)
{
	struct cli_logs_json	*j = arg;
	const json_t		*sr;

	json_open(j);
	run_close(j);
	if (j->nruns++ > 0)
		putchar(',');
	putchar('{');
	sr = json_array_get(json_object_get(j->show, "runs"), j->nruns - 1);
	if (j->show != NULL)
		put_members(sr, NULL);
	else {
		put_key("target");
		put_json(json_object_get(hdr, "target"));
		putchar(',');
		put_key("state");
		put_json(json_object_get(hdr, "state"));
		putchar(',');
	}
	put_key("stdout");
	putchar('"');
	j->hdr = json_incref((json_t *)hdr);
	j->stream = 1;
}

void
cli_logs_json_data(void *arg, const json_t *piece)
{
	struct cli_logs_json	*j = arg;
	const char		*stream = cli_str(piece, "stream");

	if (j->stream == 1 && strcmp(stream, "stderr") == 0)
		stream_close(j);
	/* The escaped string without its quotes: pieces join into one. */
	if (j->stream != 0)
		cli_put_json(json_object_get(piece, "data"), 0);
}

void
cli_logs_json_end(struct cli_logs_json *j, const json_t *result)
{
	json_open(j);
	run_close(j);
	putchar(']');
	if (j->show == NULL && result != NULL) {
		putchar(',');
		put_key("state");
		put_json(json_object_get(result, "state"));
	}
	printf("}\n");
	fflush(stdout);
}

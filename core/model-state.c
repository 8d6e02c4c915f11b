/*
 * model-state.c: names and rules of job states, run states, run error
 * classes and reachability (model.h).
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "model.h"

#define NELEM(a)	(sizeof(a) / sizeof((a)[0]))

static const char *const job_states[] = {
	[JOB_STATE_QUEUED] = "queued",
	[JOB_STATE_RUNNING] = "running",
	[JOB_STATE_DONE] = "done",
	[JOB_STATE_FAILED] = "failed",
	[JOB_STATE_CANCELLED] = "cancelled",
	[JOB_STATE_INTERRUPTED] = "interrupted",
	[JOB_STATE_AWAITING_APPROVAL] = "awaiting-approval",
	[JOB_STATE_REJECTED] = "rejected",
	[JOB_STATE_EXPIRED] = "expired",
};

static const char *const run_states[] = {
	[RUN_STATE_QUEUED] = "queued",
	[RUN_STATE_RUNNING] = "running",
	[RUN_STATE_OK] = "ok",
	[RUN_STATE_FAILED] = "failed",
	[RUN_STATE_TIMEOUT] = "timeout",
	[RUN_STATE_ERROR] = "error",
	[RUN_STATE_CANCELLED] = "cancelled",
	[RUN_STATE_INTERRUPTED] = "interrupted",
};

static const char *const run_classes[] = {
	[RUN_CLASS_NONE] = "ok",
	[RUN_CLASS_RESOLVE] = "resolve",
	[RUN_CLASS_REFUSED] = "connection-refused",
	[RUN_CLASS_CONNECT_TIMEOUT] = "connect-timeout",
	[RUN_CLASS_CONNECT] = "connect",
	[RUN_CLASS_HANDSHAKE] = "handshake",
	[RUN_CLASS_HOSTKEY_UNKNOWN] = "hostkey-unknown",
	[RUN_CLASS_HOSTKEY_CHANGED] = "hostkey-changed",
	[RUN_CLASS_AUTH] = "auth",
	[RUN_CLASS_CHANNEL] = "channel",
	[RUN_CLASS_TIMEOUT] = "timeout",
	[RUN_CLASS_EXIT] = "exit",
	[RUN_CLASS_SIGNAL] = "signal",
	[RUN_CLASS_INTERNAL] = "internal",
	[RUN_CLASS_SFTP] = "sftp",
	[RUN_CLASS_SUDO] = "sudo",
	[RUN_CLASS_CONFIG] = "config",
	[RUN_CLASS_INTERRUPTED] = "interrupted",
};

static const char *const reaches[] = {
	[REACH_UNKNOWN] = "unknown",
	[REACH_REACHABLE] = "reachable",
	[REACH_UNREACHABLE] = "unreachable",
};

static const char *
name_of(const char *const *names, size_t n, int v)
{
	if (v < 0 || (size_t)v >= n || names[v] == NULL)
		return "unknown";
	return names[v];
}

static int
parse_in(const char *const *names, size_t n, const char *s, int *v)
{
	size_t	i;

	if (s == NULL)
		return OPS_E_INVAL;
	for (i = 0; i < n; i++)
		if (names[i] != NULL && strcmp(names[i], s) == 0) {
			*v = (int)i;
			return OPS_OK;
		}
	return OPS_E_INVAL;
}

const char *
job_state_name(enum job_state s)
{
	return name_of(job_states, NELEM(job_states), (int)s);
}

int
job_state_parse(const char *s, enum job_state *out)
{
	int	v;

	if (parse_in(job_states, NELEM(job_states), s, &v) != OPS_OK)
		return OPS_E_INVAL;
	*out = (enum job_state)v;
	return OPS_OK;
}

const char *
run_state_name(enum run_state s)
{
	return name_of(run_states, NELEM(run_states), (int)s);
}

int
run_state_parse(const char *s, enum run_state *out)
{
	int	v;

	if (parse_in(run_states, NELEM(run_states), s, &v) != OPS_OK)
		return OPS_E_INVAL;
	*out = (enum run_state)v;
	return OPS_OK;
}

int
job_state_is_final(enum job_state s)
{
	return s != JOB_STATE_QUEUED && s != JOB_STATE_RUNNING &&
	    s != JOB_STATE_AWAITING_APPROVAL;
}

int
job_state_is_unapproved(enum job_state s)
{
	return s == JOB_STATE_REJECTED || s == JOB_STATE_EXPIRED;
}

int
run_state_is_final(enum run_state s)
{
	return s != RUN_STATE_QUEUED && s != RUN_STATE_RUNNING;
}

int
job_state_name_is_final(const char *name)
{
	enum job_state	s;

	if (name == NULL)
		return 0;
	return job_state_parse(name, &s) != OPS_OK || job_state_is_final(s);
}

int
run_state_name_is_final(const char *name)
{
	enum run_state	s;

	if (name == NULL)
		return 0;
	return run_state_parse(name, &s) != OPS_OK || run_state_is_final(s);
}

int
run_state_has_result(enum run_state s)
{
	return s == RUN_STATE_OK || s == RUN_STATE_FAILED ||
	    s == RUN_STATE_TIMEOUT || s == RUN_STATE_ERROR;
}

const char *
run_class_name(enum run_class c)
{
	return name_of(run_classes, NELEM(run_classes), (int)c);
}

int
run_class_parse(const char *s, enum run_class *out)
{
	int	v;

	if (parse_in(run_classes, NELEM(run_classes), s, &v) != OPS_OK)
		return OPS_E_INVAL;
	*out = (enum run_class)v;
	return OPS_OK;
}

int
run_class_reached(enum run_class c)
{
	switch (c) {
	case RUN_CLASS_RESOLVE:
	case RUN_CLASS_REFUSED:
	case RUN_CLASS_CONNECT_TIMEOUT:
	case RUN_CLASS_CONNECT:
	case RUN_CLASS_HANDSHAKE:
	case RUN_CLASS_HOSTKEY_UNKNOWN:
	case RUN_CLASS_HOSTKEY_CHANGED:
	case RUN_CLASS_AUTH:
		return 0;
	case RUN_CLASS_CHANNEL:
	case RUN_CLASS_TIMEOUT:
	case RUN_CLASS_EXIT:
	case RUN_CLASS_SIGNAL:
	case RUN_CLASS_SFTP:
	case RUN_CLASS_SUDO:
		return 1;
	case RUN_CLASS_NONE:
	case RUN_CLASS_INTERNAL:
	case RUN_CLASS_CONFIG:
	case RUN_CLASS_INTERRUPTED:
		break;
	}
	return -1;
}

char *
run_error_join(enum run_class c, const char *text)
{
	const char	*name = run_class_name(c);
	char		*s;
	size_t		 len;

	if (c == RUN_CLASS_NONE)
		return text != NULL ? strdup(text) : NULL;
	if (text == NULL)
		return strdup(name);
	len = strlen(name) + 2 + strlen(text) + 1;
	if ((s = malloc(len)) != NULL)
		snprintf(s, len, "%s: %s", name, text);
	return s;
}

void
run_error_split(const char *error, enum run_class *c, const char **text)
{
	const char	*colon;
	char		 word[32];
	size_t		 n;
	enum run_class	 v;

	*c = RUN_CLASS_NONE;
	if (text != NULL)
		*text = error;
	if (error == NULL || (colon = strstr(error, ": ")) == NULL)
		return;
	n = (size_t)(colon - error);
	if (n == 0 || n >= sizeof(word))
		return;
	memcpy(word, error, n);
	word[n] = '\0';
	/* "ok: ..." is a message, not a class. */
	if (run_class_parse(word, &v) != OPS_OK || v == RUN_CLASS_NONE)
		return;
	*c = v;
	if (text != NULL)
		*text = colon + 2;
}

const char *
reach_name(enum reach r)
{
	return name_of(reaches, NELEM(reaches), (int)r);
}

int
reach_parse(const char *s, enum reach *out)
{
	int	v;

	if (parse_in(reaches, NELEM(reaches), s, &v) != OPS_OK)
		return OPS_E_INVAL;
	*out = (enum reach)v;
	return OPS_OK;
}

enum reach
reach_of_run(enum run_state s, enum run_class c)
{
	switch (s) {
	case RUN_STATE_OK:
	case RUN_STATE_FAILED:
	case RUN_STATE_TIMEOUT:
		return REACH_REACHABLE;
	case RUN_STATE_ERROR:
		switch (run_class_reached(c)) {
		case 1:
			return REACH_REACHABLE;
		case 0:
			return REACH_UNREACHABLE;
		}
		break;
	default:
		break;
	}
	return REACH_UNKNOWN;
}

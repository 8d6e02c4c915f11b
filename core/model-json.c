/*
 * model-json.c: JSON codecs of the shared records (model-json.h).
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "model-json.h"

/* ---- helpers ---------------------------------------------------------- */

static json_t *
str_or_null(const char *s)
{
	return s != NULL ? json_string(s) : json_null();
}

static json_t *
int_or_null(int present, long long v)
{
	return present ? json_integer(v) : json_null();
}

/* Set k to v (a new reference, NULL meaning out of memory). */
static int
put(json_t *o, const char *k, json_t *v)
{
	return v != NULL && json_object_set_new(o, k, v) == 0 ? OPS_OK :
	    OPS_E_NOMEM;
}

static int
bad(struct ops_err *err, const char *rec, const char *field,
    const char *want)
{
	return ops_err_set(err, OPS_E_PROTO, "%s: field \"%s\" is not %s",
	    rec, field, want);
}

/* A string field: required, or optional (absent or null gives NULL). */
static int
get_str(const json_t *o, const char *rec, const char *k, int required,
    const char **out, struct ops_err *err)
{
	const json_t	*v = json_object_get(o, k);

	*out = NULL;
	if (json_is_string(v)) {
		*out = json_string_value(v);
		return OPS_OK;
	}
	if (!required && (v == NULL || json_is_null(v)))
		return OPS_OK;
	return bad(err, rec, k, required ? "a string" : "a string or null");
}

/* An integer field in [min, max]; absent or null give dflt unless
 * required. */
static int
get_int(const json_t *o, const char *rec, const char *k, int required,
    long long min, long long max, long long dflt, long long *out,
    struct ops_err *err)
{
	const json_t	*v = json_object_get(o, k);
	long long	 n;

	*out = dflt;
	if (!required && (v == NULL || json_is_null(v)))
		return OPS_OK;
	if (!json_is_integer(v))
		return bad(err, rec, k, required ? "an integer" :
		    "an integer or null");
	n = (long long)json_integer_value(v);
	if (n < min || n > max)
		return ops_err_set(err, OPS_E_PROTO, "%s: field \"%s\" is out "
		    "of range (%lld)", rec, k, n);
	*out = n;
	return OPS_OK;
}

/* An optional int64_t field in [min, T_MAX], 0 when absent or null. */
static int
get_i64(const json_t *o, const char *rec, const char *k, long long min,
    int64_t *out, struct ops_err *err)
{
	long long	v;
	int		rc;

	if ((rc = get_int(o, rec, k, 0, min, INT64_MAX, 0, &v, err)) ==
	    OPS_OK)
		*out = v;
	return rc;
}

static int
get_bool(const json_t *o, const char *rec, const char *k, int *out,
    struct ops_err *err)
{
	const json_t	*v = json_object_get(o, k);

	*out = 0;
	if (v == NULL)
		return OPS_OK;
	if (!json_is_boolean(v))
		return bad(err, rec, k, "a boolean");
	*out = json_is_true(v);
	return OPS_OK;
}

#define T_MAX	((long long)INT64_MAX)

/* ---- a run ------------------------------------------------------------ */

const char *
run_rec_class(const struct run_rec *r)
{
	if (r->state == RUN_STATE_CANCELLED || r->state ==
	    RUN_STATE_INTERRUPTED)
		return run_state_name(r->state);
	return r->cls != RUN_CLASS_NONE ? run_class_name(r->cls) : NULL;
}

/* LAST names the class alone; FULL names a stopped run's state too. */
static const char *
run_class_word(const struct run_rec *r, enum run_rec_shape shape)
{
	if (shape == RUN_REC_FULL)
		return run_rec_class(r);
	return r->cls != RUN_CLASS_NONE ? run_class_name(r->cls) : NULL;
}

static int
encode_last(json_t *o, const struct run_rec *r)
{
	char	*joined = run_error_join(r->cls, r->error);
	int	 rc;

	if ((joined == NULL && (r->error != NULL || r->cls != RUN_CLASS_NONE)))
		return OPS_E_NOMEM;
	if ((rc = put(o, "job", json_integer(r->job))) == OPS_OK &&
	    (rc = put(o, "state", json_string(run_state_name(r->state)))) ==
	    OPS_OK &&
	    (rc = put(o, "exit", int_or_null(r->exit_status >= 0,
	    r->exit_status))) == OPS_OK &&
	    (rc = put(o, "signal", int_or_null(r->signal > 0, r->signal))) ==
	    OPS_OK &&
	    (rc = put(o, "class", str_or_null(run_class_word(r,
	    RUN_REC_LAST)))) == OPS_OK &&
	    (rc = put(o, "error", str_or_null(joined))) == OPS_OK)
		rc = put(o, "finished", json_integer(r->finished));
	free(joined);
	return rc;
}

static int
encode_full(json_t *o, const struct run_rec *r)
{
	int	rc;

	if ((rc = put(o, "target", json_string(r->target != NULL ?
	    r->target : ""))) == OPS_OK &&
	    (rc = put(o, "state", json_string(run_state_name(r->state)))) ==
	    OPS_OK &&
	    (rc = put(o, "exit", int_or_null(r->exit_status >= 0,
	    r->exit_status))) == OPS_OK &&
	    (rc = put(o, "signal", int_or_null(r->signal > 0, r->signal))) ==
	    OPS_OK &&
	    (rc = put(o, "class", str_or_null(run_class_word(r,
	    RUN_REC_FULL)))) == OPS_OK &&
	    (rc = put(o, "error", str_or_null(r->error))) == OPS_OK &&
	    (rc = put(o, "started", int_or_null(r->started > 0,
	    r->started))) == OPS_OK &&
	    (rc = put(o, "finished", int_or_null(r->finished > 0,
	    r->finished))) == OPS_OK &&
	    (rc = put(o, "duration_ms", int_or_null(r->started > 0 &&
	    r->finished >= r->started, r->finished - r->started))) == OPS_OK &&
	    (rc = put(o, "stdout_bytes", json_integer(r->out_bytes))) ==
	    OPS_OK &&
	    (rc = put(o, "stderr_bytes", json_integer(r->err_bytes))) ==
	    OPS_OK &&
	    (rc = put(o, "stdout_truncated", json_boolean(r->out_truncated)))
	    == OPS_OK &&
	    (rc = put(o, "stderr_truncated", json_boolean(r->err_truncated)))
	    == OPS_OK &&
	    (rc = put(o, "stdout_kept", json_integer(r->out_kept))) == OPS_OK)
		rc = put(o, "stderr_kept", json_integer(r->err_kept));
	return rc;
}

int
run_rec_encode_into(json_t *m, const struct run_rec *r)
{
	char	*joined;
	int	 rc;

	if ((rc = put(m, "job", json_integer(r->job))) != OPS_OK ||
	    (rc = put(m, "target", json_string(r->target != NULL ?
	    r->target : ""))) != OPS_OK ||
	    (rc = put(m, "state", json_string(run_state_name(r->state)))) !=
	    OPS_OK)
		return rc;
	if (r->exit_status >= 0 && (rc = put(m, "exit",
	    json_integer(r->exit_status))) != OPS_OK)
		return rc;
	if (r->signal > 0 && (rc = put(m, "signal", json_integer(r->signal)))
	    != OPS_OK)
		return rc;
	if (r->cls != RUN_CLASS_NONE && (rc = put(m, "class",
	    json_string(run_class_name(r->cls)))) != OPS_OK)
		return rc;
	if (r->error != NULL || r->cls != RUN_CLASS_NONE) {
		if ((joined = run_error_join(r->cls, r->error)) == NULL)
			return OPS_E_NOMEM;
		rc = put(m, "error", json_string(joined));
		free(joined);
		if (rc != OPS_OK)
			return rc;
	}
	if (!r->counted)
		return OPS_OK;
	if ((rc = put(m, "stdout_bytes", json_integer(r->out_bytes))) !=
	    OPS_OK ||
	    (rc = put(m, "stdout_kept", json_integer(r->out_kept))) != OPS_OK ||
	    (rc = put(m, "stderr_bytes", json_integer(r->err_bytes))) !=
	    OPS_OK)
		return rc;
	return put(m, "stderr_kept", json_integer(r->err_kept));
}

json_t *
run_rec_encode(const struct run_rec *r, enum run_rec_shape shape)
{
	json_t	*o;
	int	 rc;

	if ((o = json_object()) == NULL)
		return NULL;
	switch (shape) {
	case RUN_REC_LAST:
		rc = encode_last(o, r);
		break;
	case RUN_REC_FULL:
		rc = encode_full(o, r);
		break;
	default:
		rc = run_rec_encode_into(o, r);
		break;
	}
	if (rc != OPS_OK) {
		json_decref(o);
		return NULL;
	}
	return o;
}

/* "class": a class name, or (FULL) a stopped run's state name. */
static int
decode_class(const json_t *o, enum run_rec_shape shape, struct run_rec *r,
    struct ops_err *err)
{
	const char	*word;
	enum run_state	 st;
	int		 rc;

	r->cls = RUN_CLASS_NONE;
	if ((rc = get_str(o, "run", "class", 0, &word, err)) != OPS_OK ||
	    word == NULL)
		return rc;
	/* A stopped run's state, first: "interrupted" is a class too. */
	if (shape == RUN_REC_FULL && run_state_parse(word, &st) == OPS_OK &&
	    st == r->state && (st == RUN_STATE_CANCELLED ||
	    st == RUN_STATE_INTERRUPTED))
		return OPS_OK;
	if (run_class_parse(word, &r->cls) == OPS_OK)
		return OPS_OK;
	return ops_err_set(err, OPS_E_PROTO, "run: unknown class \"%.64s\"",
	    word);
}

int
run_rec_decode(const json_t *o, enum run_rec_shape shape, struct run_rec *r,
    struct ops_err *err)
{
	const char	*state, *error;
	enum run_class	 joined_cls;
	long long	 v;
	int		 rc;

	memset(r, 0, sizeof(*r));
	r->exit_status = -1;
	if (!json_is_object(o))
		return ops_err_set(err, OPS_E_PROTO, "run: not an object");
	if ((rc = get_str(o, "run", "state", 1, &state, err)) != OPS_OK)
		return rc;
	if (run_state_parse(state, &r->state) != OPS_OK)
		return ops_err_set(err, OPS_E_PROTO, "run: unknown state "
		    "\"%.64s\"", state);
	if (shape != RUN_REC_FULL) {
		if ((rc = get_int(o, "run", "job", 1, 1, T_MAX, 0, &v, err)) !=
		    OPS_OK)
			return rc;
		r->job = v;
	}
	if (shape != RUN_REC_LAST && (rc = get_str(o, "run", "target", 1,
	    &r->target, err)) != OPS_OK)
		return rc;
	if ((rc = get_int(o, "run", "exit", 0, 0, INT32_MAX, -1, &v,
	    err)) != OPS_OK)
		return rc;
	r->exit_status = (int)v;
	if ((rc = get_int(o, "run", "signal", 0, 1, 255, 0, &v, err)) !=
	    OPS_OK)
		return rc;
	r->signal = (int)v;
	if ((rc = decode_class(o, shape, r, err)) != OPS_OK ||
	    (rc = get_str(o, "run", "error", 0, &error, err)) != OPS_OK)
		return rc;
	r->error = error;
	/* LAST and EVENT carry "class: message": keep the message. */
	if (shape != RUN_REC_FULL && error != NULL) {
		run_error_split(error, &joined_cls, &r->error);
		if (r->cls == RUN_CLASS_NONE)
			r->cls = joined_cls;	/* a daemon before "class" */
		/* The class alone: there was no message. */
		if (r->cls != RUN_CLASS_NONE && r->error != NULL &&
		    strcmp(r->error, run_class_name(r->cls)) == 0)
			r->error = NULL;
	}
	if ((rc = get_i64(o, "run", "finished", 0, &r->finished, err)) !=
	    OPS_OK || shape == RUN_REC_LAST)
		return rc;
	if ((rc = get_i64(o, "run", "stdout_bytes", 0, &r->out_bytes, err)) !=
	    OPS_OK ||
	    (rc = get_i64(o, "run", "stderr_bytes", 0, &r->err_bytes, err)) !=
	    OPS_OK ||
	    (rc = get_i64(o, "run", "stdout_kept", 0, &r->out_kept, err)) !=
	    OPS_OK ||
	    (rc = get_i64(o, "run", "stderr_kept", 0, &r->err_kept, err)) !=
	    OPS_OK)
		return rc;
	/* A final state's event, and every job-show run, count both. */
	r->counted = json_object_get(o, "stdout_kept") != NULL;
	if (shape == RUN_REC_EVENT)
		return OPS_OK;
	if ((rc = get_i64(o, "run", "started", 0, &r->started, err)) !=
	    OPS_OK ||
	    (rc = get_bool(o, "run", "stdout_truncated", &r->out_truncated,
	    err)) != OPS_OK)
		return rc;
	return get_bool(o, "run", "stderr_truncated", &r->err_truncated, err);
}

/* ---- a target --------------------------------------------------------- */

enum reach
target_rec_reach(const struct target_rec *t, enum run_class *cls)
{
	enum reach	r = REACH_UNKNOWN;

	if (t->has_last_run)
		r = reach_of_run(t->last_run.state, t->last_run.cls);
	if (cls != NULL)
		*cls = r == REACH_UNREACHABLE ? t->last_run.cls :
		    RUN_CLASS_NONE;
	return r;
}

json_t *
target_rec_encode(const struct target_rec *t)
{
	enum run_class	 rcls;
	enum reach	 reach = target_rec_reach(t, &rcls);
	json_t		*o, *tags;
	size_t		 i;
	int		 rc;

	if ((o = json_object()) == NULL)
		return NULL;
	if ((rc = put(o, TARGET_F_NAME, json_string(t->name))) != OPS_OK ||
	    (rc = put(o, TARGET_F_HOST, json_string(t->host))) != OPS_OK ||
	    (rc = put(o, TARGET_F_PORT, json_integer(t->port))) != OPS_OK ||
	    (rc = put(o, TARGET_F_USER, str_or_null(t->user))) != OPS_OK ||
	    (rc = put(o, TARGET_F_CRED, str_or_null(t->cred))) != OPS_OK ||
	    (rc = put(o, TARGET_F_TAGS, tags = json_array())) != OPS_OK)
		goto fail;
	for (i = 0; i < t->ntags; i++)
		if (json_array_append_new(tags, json_string(t->tags[i])) != 0)
			goto fail;
	if ((rc = put(o, TARGET_F_NOTES, str_or_null(t->notes))) != OPS_OK ||
	    (rc = put(o, TARGET_F_CREATED, json_integer(t->created))) != OPS_OK ||
	    (rc = put(o, TARGET_F_UPDATED, json_integer(t->updated))) != OPS_OK ||
	    (rc = put(o, TARGET_F_REACH, json_string(reach_name(reach)))) !=
	    OPS_OK ||
	    (rc = put(o, TARGET_F_REACH_CLASS, reach == REACH_UNREACHABLE ?
	    json_string(run_class_name(rcls)) : json_null())) != OPS_OK ||
	    (rc = put(o, TARGET_F_LAST_RUN, t->has_last_run ?
	    run_rec_encode(&t->last_run, RUN_REC_LAST) : json_null())) !=
	    OPS_OK)
		goto fail;
	return o;
fail:
	json_decref(o);
	return NULL;
}

static int
decode_tags(const json_t *o, struct target_rec *t, struct ops_err *err)
{
	const json_t	*a = json_object_get(o, TARGET_F_TAGS), *v;
	size_t		 i;

	if (a == NULL || json_is_null(a))
		return OPS_OK;
	if (!json_is_array(a))
		return bad(err, "target", TARGET_F_TAGS, "an array");
	if (json_array_size(a) == 0)
		return OPS_OK;
	if ((t->tags_owned = calloc(json_array_size(a),
	    sizeof(*t->tags_owned))) == NULL)
		return ops_err_set(err, OPS_E_NOMEM, "decode target tags");
	json_array_foreach(a, i, v) {
		if (!json_is_string(v))
			return bad(err, "target", TARGET_F_TAGS, "an array of strings");
		t->tags_owned[t->ntags++] = json_string_value(v);
	}
	t->tags = t->tags_owned;
	return OPS_OK;
}

static int
decode_reach(const json_t *o, struct target_rec *t, struct ops_err *err)
{
	const char	*s;
	int		 rc;

	if ((rc = get_str(o, "target", TARGET_F_REACH, 0, &s, err)) != OPS_OK)
		return rc;
	t->reach = REACH_UNKNOWN;
	if (s != NULL && reach_parse(s, &t->reach) != OPS_OK)
		return ops_err_set(err, OPS_E_PROTO, "target: unknown "
		    "reachability \"%.64s\"", s);
	if ((rc = get_str(o, "target", TARGET_F_REACH_CLASS, 0, &s, err)) != OPS_OK)
		return rc;
	t->reach_class = RUN_CLASS_NONE;
	if (s != NULL && run_class_parse(s, &t->reach_class) != OPS_OK)
		return ops_err_set(err, OPS_E_PROTO, "target: unknown "
		    "reach_class \"%.64s\"", s);
	return OPS_OK;
}

int
target_rec_decode(const json_t *o, struct target_rec *t, struct ops_err *err)
{
	const json_t	*lr;
	long long	 v;
	int		 rc;

	memset(t, 0, sizeof(*t));
	if (!json_is_object(o))
		return ops_err_set(err, OPS_E_PROTO, "target: not an object");
#define R	"target"
	if ((rc = get_str(o, R, TARGET_F_NAME, 1, &t->name, err)) != OPS_OK ||
	    (rc = get_str(o, R, TARGET_F_HOST, 1, &t->host, err)) != OPS_OK ||
	    (rc = get_int(o, R, TARGET_F_PORT, 1, 1, 65535, 22, &v, err)) !=
	    OPS_OK)
		goto fail;
	t->port = (int)v;
	if ((rc = get_str(o, R, TARGET_F_USER, 0, &t->user, err)) != OPS_OK ||
	    (rc = get_str(o, R, TARGET_F_CRED, 0, &t->cred, err)) != OPS_OK ||
	    (rc = get_str(o, R, TARGET_F_NOTES, 0, &t->notes, err)) !=
	    OPS_OK ||
	    (rc = decode_tags(o, t, err)) != OPS_OK ||
	    (rc = get_i64(o, R, TARGET_F_CREATED, 0, &t->created, err)) !=
	    OPS_OK ||
	    (rc = get_i64(o, R, TARGET_F_UPDATED, 0, &t->updated, err)) !=
	    OPS_OK)
		goto fail;
#undef R
	if ((rc = decode_reach(o, t, err)) != OPS_OK)
		goto fail;
	lr = json_object_get(o, TARGET_F_LAST_RUN);
	if (lr != NULL && !json_is_null(lr)) {
		if ((rc = run_rec_decode(lr, RUN_REC_LAST, &t->last_run,
		    err)) != OPS_OK)
			goto fail;
		t->has_last_run = 1;
	}
	return OPS_OK;
fail:
	target_rec_done(t);
	return rc;
}

void
target_rec_done(struct target_rec *t)
{
	free(t->tags_owned);
	t->tags_owned = NULL;
	t->tags = NULL;
	t->ntags = 0;
}

/* ---- a job ------------------------------------------------------------ */

const char *
job_rec_kind(const struct job_rec *j)
{
	size_t	n = strlen(JOB_XFER_TAG);

	if (j->script)
		return "script";
	if (j->command != NULL && strncmp(j->command, JOB_XFER_TAG, n) == 0) {
		if (strncmp(j->command + n, "push ", 5) == 0)
			return "push";
		if (strncmp(j->command + n, "pull ", 5) == 0)
			return "pull";
	}
	return "command";
}

json_t *
job_rec_encode(const struct job_rec *j)
{
	json_t	*o, *a, *r;
	size_t	 i, nok = 0, nfail = 0;
	int	 rc;

	for (i = 0; i < j->nruns; i++) {
		if (j->runs[i].state == RUN_STATE_OK)
			nok++;
		else if (run_state_is_final(j->runs[i].state))
			nfail++;
	}
	if ((o = json_object()) == NULL)
		return NULL;
	if ((rc = put(o, "id", json_integer(j->id))) != OPS_OK ||
	    (rc = put(o, "state", json_string(job_state_name(j->state)))) !=
	    OPS_OK ||
	    (rc = put(o, "kind", json_string(job_rec_kind(j)))) != OPS_OK ||
	    (rc = put(o, "command", json_string(j->command))) != OPS_OK ||
	    (rc = put(o, "requested_by", json_string(j->requested_by))) !=
	    OPS_OK ||
	    (rc = put(o, "timeout", int_or_null(j->timeout_s > 0,
	    j->timeout_s))) != OPS_OK ||
	    (rc = put(o, "forks", int_or_null(j->forks > 0, j->forks))) !=
	    OPS_OK ||
	    (rc = put(o, "output_cap", int_or_null(j->output_cap > 0,
	    j->output_cap))) != OPS_OK ||
	    (rc = put(o, "connect_timeout", int_or_null(j->connect_timeout_s >
	    0, j->connect_timeout_s))) != OPS_OK ||
	    (rc = put(o, "created", json_integer(j->created))) != OPS_OK ||
	    (rc = put(o, "started", int_or_null(j->started > 0,
	    j->started))) != OPS_OK ||
	    (rc = put(o, "finished", int_or_null(j->finished > 0,
	    j->finished))) != OPS_OK ||
	    (rc = put(o, "total", json_integer((json_int_t)j->nruns))) !=
	    OPS_OK ||
	    (rc = put(o, "ok", json_integer((json_int_t)nok))) != OPS_OK ||
	    (rc = put(o, "failed", json_integer((json_int_t)nfail))) != OPS_OK ||
	    (j->become_user != NULL && (rc = put(o, "become",
	    json_string(j->become_user))) != OPS_OK) ||
	    (j->become_cred != NULL && (rc = put(o, "become_cred",
	    json_string(j->become_cred))) != OPS_OK))
		goto fail;
	if (!j->has_runs)
		return o;
	if (put(o, "runs", a = json_array()) != OPS_OK)
		goto fail;
	for (i = 0; i < j->nruns; i++)
		if ((r = run_rec_encode(&j->runs[i], RUN_REC_FULL)) == NULL ||
		    json_array_append_new(a, r) != 0)
			goto fail;
	return o;
fail:
	json_decref(o);
	return NULL;
}

static int
decode_runs(const json_t *o, struct job_rec *j, struct ops_err *err)
{
	const json_t	*a = json_object_get(o, "runs"), *v;
	size_t		 i;
	int		 rc;

	if (a == NULL || json_is_null(a))
		return OPS_OK;
	if (!json_is_array(a))
		return bad(err, "job", "runs", "an array");
	j->has_runs = 1;
	if (json_array_size(a) == 0)
		return OPS_OK;
	if ((j->runs_owned = calloc(json_array_size(a),
	    sizeof(*j->runs_owned))) == NULL)
		return ops_err_set(err, OPS_E_NOMEM, "decode job runs");
	j->runs = j->runs_owned;
	json_array_foreach(a, i, v) {
		if ((rc = run_rec_decode(v, RUN_REC_FULL, &j->runs_owned[i],
		    err)) != OPS_OK)
			return rc;
		j->nruns++;
	}
	return OPS_OK;
}

int
job_rec_decode(const json_t *o, struct job_rec *j, struct ops_err *err)
{
	const char	*s;
	int64_t		 n[3];
	long long	 v;
	int		 rc;

	memset(j, 0, sizeof(*j));
	if (!json_is_object(o))
		return ops_err_set(err, OPS_E_PROTO, "job: not an object");
	if ((rc = get_int(o, "job", "id", 1, 1, T_MAX, 0, &v, err)) != OPS_OK)
		goto fail;
	j->id = v;
	if ((rc = get_str(o, "job", "state", 1, &s, err)) != OPS_OK)
		goto fail;
	if (job_state_parse(s, &j->state) != OPS_OK) {
		rc = ops_err_set(err, OPS_E_PROTO, "job: unknown state "
		    "\"%.64s\"", s);
		goto fail;
	}
	if ((rc = get_str(o, "job", "kind", 0, &s, err)) != OPS_OK)
		goto fail;
	j->script = s != NULL && strcmp(s, "script") == 0;
	if ((rc = get_str(o, "job", "command", 1, &j->command, err)) !=
	    OPS_OK ||
	    (rc = get_str(o, "job", "requested_by", 0, &j->requested_by,
	    err)) != OPS_OK ||
	    (rc = get_int(o, "job", "timeout", 0, 1, INT32_MAX, 0, &v, err)) !=
	    OPS_OK)
		goto fail;
	j->timeout_s = (int)v;
	if ((rc = get_int(o, "job", "forks", 0, 1, INT32_MAX, 0, &v, err)) !=
	    OPS_OK)
		goto fail;
	j->forks = (int)v;
	if ((rc = get_i64(o, "job", "output_cap", 1, &j->output_cap, err)) !=
	    OPS_OK ||
	    (rc = get_int(o, "job", "connect_timeout", 0, 1, INT32_MAX, 0, &v,
	    err)) != OPS_OK)
		goto fail;
	j->connect_timeout_s = (int)v;
	if ((rc = get_i64(o, "job", "created", 0, &j->created, err)) !=
	    OPS_OK ||
	    (rc = get_i64(o, "job", "started", 0, &j->started, err)) !=
	    OPS_OK ||
	    (rc = get_i64(o, "job", "finished", 0, &j->finished, err)) !=
	    OPS_OK ||
	    (rc = get_i64(o, "job", "total", 0, &n[0], err)) != OPS_OK ||
	    (rc = get_i64(o, "job", "ok", 0, &n[1], err)) != OPS_OK ||
	    (rc = get_i64(o, "job", "failed", 0, &n[2], err)) != OPS_OK)
		goto fail;
	j->total = (size_t)n[0];
	j->ok = (size_t)n[1];
	j->failed = (size_t)n[2];
	if ((rc = get_str(o, "job", "become", 0, &j->become_user, err)) !=
	    OPS_OK ||
	    (rc = get_str(o, "job", "become_cred", 0, &j->become_cred,
	    err)) != OPS_OK)
		goto fail;
	if ((rc = decode_runs(o, j, err)) != OPS_OK)
		goto fail;
	return OPS_OK;
fail:
	job_rec_done(j);
	return rc;
}

void
job_rec_done(struct job_rec *j)
{
	free(j->runs_owned);
	j->runs_owned = NULL;
	j->runs = NULL;
	j->nruns = 0;
}

/* ---- a host key ------------------------------------------------------- */

json_t *
hostkey_rec_encode(const struct hostkey_rec *k)
{
	json_t	*o;

	if ((o = json_object()) == NULL)
		return NULL;
	if ((k->target != NULL && put(o, "target", json_string(k->target)) !=
	    OPS_OK) ||
	    (k->type != NULL && k->type[0] != '\0' && put(o, "type",
	    json_string(k->type)) != OPS_OK) ||
	    put(o, "fingerprint", json_string(k->fingerprint)) != OPS_OK ||
	    (k->status != NULL && put(o, "status", json_string(k->status)) !=
	    OPS_OK) ||
	    (k->added > 0 && put(o, "added", json_integer(k->added)) !=
	    OPS_OK) ||
	    (k->first_seen > 0 && put(o, "first_seen",
	    json_integer(k->first_seen)) != OPS_OK) ||
	    (k->last_seen > 0 && put(o, "last_seen",
	    json_integer(k->last_seen)) != OPS_OK)) {
		json_decref(o);
		return NULL;
	}
	return o;
}

int
hostkey_rec_decode(const json_t *o, struct hostkey_rec *k,
    struct ops_err *err)
{
	int	rc;

	memset(k, 0, sizeof(*k));
	if (!json_is_object(o))
		return ops_err_set(err, OPS_E_PROTO, "host key: not an object");
	if ((rc = get_str(o, "host key", "target", 0, &k->target, err)) !=
	    OPS_OK ||
	    (rc = get_str(o, "host key", "type", 0, &k->type, err)) !=
	    OPS_OK ||
	    (rc = get_str(o, "host key", "fingerprint", 1, &k->fingerprint,
	    err)) != OPS_OK ||
	    (rc = get_str(o, "host key", "status", 0, &k->status, err)) !=
	    OPS_OK ||
	    (rc = get_i64(o, "host key", "added", 0, &k->added, err)) !=
	    OPS_OK ||
	    (rc = get_i64(o, "host key", "first_seen", 0, &k->first_seen,
	    err)) != OPS_OK)
		return rc;
	return get_i64(o, "host key", "last_seen", 0, &k->last_seen, err);
}

/* ---- an audit record -------------------------------------------------- */

json_t *
audit_rec_encode(const struct audit_rec *a)
{
	return json_pack("{s:I, s:I, s:s, s:s, s:s, s:s}",
	    "id", (json_int_t)a->id, "ts", (json_int_t)a->ts,
	    "actor", a->actor, "action", a->action,
	    "object", a->object != NULL ? a->object : "",
	    "result", a->result != NULL ? a->result : "");
}

int
audit_rec_decode(const json_t *o, struct audit_rec *a, struct ops_err *err)
{
	long long	v;
	int		rc;

	memset(a, 0, sizeof(*a));
	if (!json_is_object(o))
		return ops_err_set(err, OPS_E_PROTO, "audit record: not an "
		    "object");
	if ((rc = get_int(o, "audit record", "id", 1, 1, T_MAX, 0, &v, err)) !=
	    OPS_OK)
		return rc;
	a->id = v;
	if ((rc = get_int(o, "audit record", "ts", 1, 0, T_MAX, 0, &v, err)) !=
	    OPS_OK)
		return rc;
	a->ts = v;
	if ((rc = get_str(o, "audit record", "actor", 1, &a->actor, err)) !=
	    OPS_OK ||
	    (rc = get_str(o, "audit record", "action", 1, &a->action, err)) !=
	    OPS_OK ||
	    (rc = get_str(o, "audit record", "object", 0, &a->object, err)) !=
	    OPS_OK ||
	    (rc = get_str(o, "audit record", "result", 0, &a->result, err)) !=
	    OPS_OK)
		return rc;
	if (a->object == NULL)
		a->object = "";
	if (a->result == NULL)
		a->result = "";
	return OPS_OK;
}

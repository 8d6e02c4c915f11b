/*
 * test-model-json.c: the JSON codecs of the shared records
 * (core/model-json.h). Each shape is pinned as exact JSON text (key
 * order included: it is the stable --json of opsicle(1)), random records
 * round-trip through encode and decode, malformed fields are refused
 * with a message naming the field, and a fuzz loop feeds mutated records
 * to every decoder (accepted and refused both counted, so the loop is
 * seen to reach both sides).
 */
#include "config.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "model-json.h"
#include "tap.h"

#define DUMP_FLAGS	(JSON_COMPACT | JSON_PRESERVE_ORDER)

/* Does o dump as exactly want? Says what it got when not. */
static int
dumps_as(json_t *o, const char *want, const char *what)
{
	char	*got = o != NULL ? json_dumps(o, DUMP_FLAGS) : NULL;
	int	 good = got != NULL && strcmp(got, want) == 0;

	ok(good, "%s", what);
	if (!good)
		diag("got  %s\nwant %s", got != NULL ? got : "(null)", want);
	free(got);
	json_decref(o);
	return good;
}

static json_t *
parse(const char *text)
{
	json_error_t	e;

	return json_loads(text, 0, &e);
}

static void
test_shapes(void)
{
	const char *const	 tags[] = { "eu", "web" };
	struct run_rec		 r = { .job = 7, .target = "web1",
				    .state = RUN_STATE_FAILED,
				    .cls = RUN_CLASS_EXIT, .exit_status = 3,
				    .error = "exit status 3", .started = 1000,
				    .finished = 3500, .out_bytes = 12,
				    .err_bytes = 0, .out_kept = 12,
				    .out_truncated = 1 };
	struct run_rec		 runs[2];
	struct target_rec	 t = { .name = "web1", .host = "10.0.0.1",
				    .port = 22, .user = "root",
				    .tags = tags, .ntags = 2, .created = 5,
				    .updated = 6 };
	struct job_rec		 j = { .id = 7, .state = JOB_STATE_FAILED,
				    .command = "uptime",
				    .requested_by = "alice(1000)",
				    .timeout_s = 30, .created = 900,
				    .started = 1000, .finished = 3500 };
	struct hostkey_rec	 k = { .target = "web1", .type = "ssh-ed25519",
				    .fingerprint = "SHA256:abc",
				    .status = "new" };
	struct audit_rec	 a = { .id = 3, .ts = 42, .actor = "alice(1000)",
				    .action = "target.add", .object = "web1",
				    .result = "ok" };

	dumps_as(run_rec_encode(&r, RUN_REC_LAST),
	    "{\"job\":7,\"state\":\"failed\",\"exit\":3,\"signal\":null,"
	    "\"class\":\"exit\",\"error\":\"exit: exit status 3\","
	    "\"finished\":3500}",
	    "last run: the target-list shape, error joined");
	dumps_as(run_rec_encode(&r, RUN_REC_FULL),
	    "{\"target\":\"web1\",\"state\":\"failed\",\"exit\":3,"
	    "\"signal\":null,\"class\":\"exit\",\"error\":\"exit status 3\","
	    "\"started\":1000,\"finished\":3500,\"duration_ms\":2500,"
	    "\"stdout_bytes\":12,\"stderr_bytes\":0,"
	    "\"stdout_truncated\":true,\"stderr_truncated\":false,"
	    "\"stdout_kept\":12,\"stderr_kept\":0}",
	    "job run: the job-show shape, error alone, duration derived");
	dumps_as(run_rec_encode(&r, RUN_REC_EVENT),
	    "{\"job\":7,\"target\":\"web1\",\"state\":\"failed\",\"exit\":3,"
	    "\"class\":\"exit\",\"error\":\"exit: exit status 3\"}",
	    "run-state event: only what there is, the class its own field");

	r.state = RUN_STATE_CANCELLED;
	r.cls = RUN_CLASS_NONE;
	r.exit_status = -1;
	r.error = NULL;
	r.started = 0;
	dumps_as(run_rec_encode(&r, RUN_REC_FULL),
	    "{\"target\":\"web1\",\"state\":\"cancelled\",\"exit\":null,"
	    "\"signal\":null,\"class\":\"cancelled\",\"error\":null,"
	    "\"started\":null,\"finished\":3500,\"duration_ms\":null,"
	    "\"stdout_bytes\":12,\"stderr_bytes\":0,"
	    "\"stdout_truncated\":true,\"stderr_truncated\":false,"
	    "\"stdout_kept\":12,\"stderr_kept\":0}",
	    "a cancelled run names its state as its class");
	r.state = RUN_STATE_FAILED;
	r.cls = RUN_CLASS_SIGNAL;
	r.signal = 15;
	dumps_as(run_rec_encode(&r, RUN_REC_EVENT),
	    "{\"job\":7,\"target\":\"web1\",\"state\":\"failed\","
	    "\"signal\":15,\"class\":\"signal\",\"error\":\"signal\"}",
	    "a signal is a number in every shape");
	r.counted = 1;
	r.out_bytes = 20;
	dumps_as(run_rec_encode(&r, RUN_REC_EVENT),
	    "{\"job\":7,\"target\":\"web1\",\"state\":\"failed\","
	    "\"signal\":15,\"class\":\"signal\",\"error\":\"signal\","
	    "\"stdout_bytes\":20,\"stdout_kept\":12,\"stderr_bytes\":0,"
	    "\"stderr_kept\":0}",
	    "a final run-state event carries the streams' counts");

	dumps_as(target_rec_encode(&t),
	    "{\"name\":\"web1\",\"host\":\"10.0.0.1\",\"port\":22,"
	    "\"user\":\"root\",\"cred\":null,\"tags\":[\"eu\",\"web\"],"
	    "\"notes\":null,\"created\":5,\"updated\":6,"
	    "\"reachability\":\"unknown\",\"reach_class\":null,"
	    "\"last_run\":null}",
	    "target without a run: unknown, last_run null");
	t.has_last_run = 1;
	t.last_run = (struct run_rec){ .job = 9, .state = RUN_STATE_ERROR,
	    .cls = RUN_CLASS_REFUSED, .exit_status = -1,
	    .error = "connect to 10.0.0.1:22: refused", .finished = 77 };
	dumps_as(target_rec_encode(&t),
	    "{\"name\":\"web1\",\"host\":\"10.0.0.1\",\"port\":22,"
	    "\"user\":\"root\",\"cred\":null,\"tags\":[\"eu\",\"web\"],"
	    "\"notes\":null,\"created\":5,\"updated\":6,"
	    "\"reachability\":\"unreachable\","
	    "\"reach_class\":\"connection-refused\",\"last_run\":{\"job\":9,"
	    "\"state\":\"error\",\"exit\":null,\"signal\":null,"
	    "\"class\":\"connection-refused\",\"error\":"
	    "\"connection-refused: connect to 10.0.0.1:22: refused\","
	    "\"finished\":77}}",
	    "target whose last run was refused: unreachable, with the class");

	runs[0] = (struct run_rec){ .target = "web1", .state = RUN_STATE_OK,
	    .exit_status = 0 };
	runs[1] = (struct run_rec){ .target = "web2",
	    .state = RUN_STATE_RUNNING, .exit_status = -1 };
	j.runs = runs;
	j.nruns = 2;
	dumps_as(job_rec_encode(&j),
	    "{\"id\":7,\"state\":\"failed\",\"kind\":\"command\","
	    "\"command\":\"uptime\",\"requested_by\":\"alice(1000)\","
	    "\"timeout\":30,\"forks\":null,\"output_cap\":null,"
	    "\"connect_timeout\":null,\"created\":900,\"started\":1000,"
	    "\"finished\":3500,\"total\":2,\"ok\":1,\"failed\":0}",
	    "job without runs: counts derived (a running run is neither)");
	j.has_runs = 1;
	j.nruns = 1;
	dumps_as(job_rec_encode(&j),
	    "{\"id\":7,\"state\":\"failed\",\"kind\":\"command\","
	    "\"command\":\"uptime\",\"requested_by\":\"alice(1000)\","
	    "\"timeout\":30,\"forks\":null,\"output_cap\":null,"
	    "\"connect_timeout\":null,\"created\":900,\"started\":1000,"
	    "\"finished\":3500,\"total\":1,\"ok\":1,\"failed\":0,\"runs\":"
	    "[{\"target\":\"web1\",\"state\":\"ok\",\"exit\":0,"
	    "\"signal\":null,\"class\":null,\"error\":null,\"started\":null,"
	    "\"finished\":null,\"duration_ms\":null,\"stdout_bytes\":0,"
	    "\"stderr_bytes\":0,\"stdout_truncated\":false,"
	    "\"stderr_truncated\":false,\"stdout_kept\":0,"
	    "\"stderr_kept\":0}]}",
	    "job with runs: each in the job-run shape");

	dumps_as(hostkey_rec_encode(&k),
	    "{\"target\":\"web1\",\"type\":\"ssh-ed25519\","
	    "\"fingerprint\":\"SHA256:abc\",\"status\":\"new\"}",
	    "host key outcome: target, type, fingerprint, status");
	k = (struct hostkey_rec){ .type = "ssh-rsa",
	    .fingerprint = "SHA256:x", .first_seen = 1, .last_seen = 2 };
	dumps_as(hostkey_rec_encode(&k),
	    "{\"type\":\"ssh-rsa\",\"fingerprint\":\"SHA256:x\","
	    "\"first_seen\":1,\"last_seen\":2}",
	    "pending host key: only the fields it has");
	dumps_as(audit_rec_encode(&a),
	    "{\"id\":3,\"ts\":42,\"actor\":\"alice(1000)\","
	    "\"action\":\"target.add\",\"object\":\"web1\",\"result\":\"ok\"}",
	    "audit record");
	a.object = NULL;
	dumps_as(audit_rec_encode(&a),
	    "{\"id\":3,\"ts\":42,\"actor\":\"alice(1000)\","
	    "\"action\":\"target.add\",\"object\":\"\",\"result\":\"ok\"}",
	    "audit record without an object: empty string");
}

/* ---- round trips of random records ----------------------------------- */

static uint32_t	rng = 0x12345678u;

static uint32_t
rnd(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 17;
	rng ^= rng << 5;
	return rng;
}

static const char *
rnd_str(void)
{
	static const char *const pool[] = { "web1", "db-2", "", "a b",
	    "caf\xc3\xa9", "x:y", "exit: boom", "\x1b]0;t\x07" };

	return pool[rnd() % (sizeof(pool) / sizeof(pool[0]))];
}

static void
rnd_run(struct run_rec *r, enum run_rec_shape shape)
{
	memset(r, 0, sizeof(*r));
	r->job = shape != RUN_REC_FULL ? 1 + rnd() % 100000 : 0;
	r->target = shape != RUN_REC_LAST ? rnd_str() : NULL;
	r->state = (enum run_state)(RUN_STATE_QUEUED + rnd() % 8);
	/* A stopped run's class is its state (FULL): no class of its own. */
	r->cls = (enum run_class)(rnd() % (RUN_CLASS_INTERRUPTED + 1));
	if (shape == RUN_REC_FULL && (r->state == RUN_STATE_CANCELLED ||
	    r->state == RUN_STATE_INTERRUPTED))
		r->cls = RUN_CLASS_NONE;
	r->exit_status = rnd() % 3 == 0 ? -1 : (int)(rnd() % 256);
	r->signal = rnd() % 3 == 0 ? (int)(1 + rnd() % 64) : 0;
	r->error = rnd() % 2 ? rnd_str() : NULL;
	/* An empty message is no message once joined and split. */
	if (r->error != NULL && r->error[0] == '\0' && shape != RUN_REC_FULL)
		r->error = NULL;
	/* A class-like prefix in a classless message would split off. */
	if (r->error != NULL && strcmp(r->error, "exit: boom") == 0 &&
	    r->cls == RUN_CLASS_NONE && shape != RUN_REC_FULL)
		r->error = "boom";
	if (shape == RUN_REC_EVENT) {
		if ((r->counted = rnd() % 2)) {
			r->out_bytes = rnd() % 5000;
			r->out_kept = rnd() % 5000;
			r->err_bytes = rnd() % 5000;
			r->err_kept = rnd() % 5000;
		}
		return;
	}
	r->finished = rnd() % 2 ? 1 + rnd() % 100000 : 0;
	if (shape == RUN_REC_LAST)
		return;
	r->started = rnd() % 2 ? 1 + rnd() % 100000 : 0;
	r->out_bytes = rnd() % 5000;
	r->err_bytes = rnd() % 5000;
	r->out_kept = rnd() % 5000;
	r->err_kept = rnd() % 5000;
	r->counted = 1;
	r->out_truncated = rnd() % 2;
	r->err_truncated = rnd() % 2;
}

static int
str_eq(const char *a, const char *b)
{
	if (a == NULL || b == NULL)
		return a == b;
	return strcmp(a, b) == 0;
}

static int
run_eq(const struct run_rec *a, const struct run_rec *b)
{
	return a->job == b->job && str_eq(a->target, b->target) &&
	    a->state == b->state && a->cls == b->cls &&
	    a->exit_status == b->exit_status && a->signal == b->signal &&
	    str_eq(a->error, b->error) && a->started == b->started &&
	    a->finished == b->finished && a->out_bytes == b->out_bytes &&
	    a->err_bytes == b->err_bytes && a->out_kept == b->out_kept &&
	    a->err_kept == b->err_kept && a->counted == b->counted &&
	    a->out_truncated == b->out_truncated &&
	    a->err_truncated == b->err_truncated;
}

static void
test_round_trips(void)
{
	static const enum run_rec_shape shapes[] = { RUN_REC_LAST,
	    RUN_REC_FULL, RUN_REC_EVENT };
	struct run_rec		 r, back;
	struct target_rec	 t, tb;
	struct job_rec		 j, jb;
	struct run_rec		 runs[4];
	struct ops_err		 err;
	const char *const	 tags[] = { "a", "b", "c" };
	json_t			*o;
	size_t			 i, k, bad = 0;

	for (k = 0; k < 3; k++) {
		for (i = 0, bad = 0; i < 2000; i++) {
			rnd_run(&r, shapes[k]);
			o = run_rec_encode(&r, shapes[k]);
			if (o == NULL || run_rec_decode(o, shapes[k], &back,
			    &err) != OPS_OK || !run_eq(&r, &back)) {
				if (bad++ == 0) {
					char *d = o != NULL ? json_dumps(o,
					    DUMP_FLAGS) : NULL;

					diag("shape %zu record %zu: %s", k, i,
					    d != NULL ? d : "no JSON");
					free(d);
				}
			}
			json_decref(o);
		}
		ok(bad == 0, "2000 random runs of shape %zu round-trip (%zu "
		    "differ)", k + 1, bad);
	}

	for (i = 0, bad = 0; i < 500; i++) {
		memset(&t, 0, sizeof(t));
		t.name = rnd_str();
		t.host = rnd_str();
		t.port = 1 + (int)(rnd() % 65535);
		t.user = rnd() % 2 ? rnd_str() : NULL;
		t.cred = rnd() % 2 ? rnd_str() : NULL;
		t.notes = rnd() % 2 ? rnd_str() : NULL;
		t.tags = tags;
		t.ntags = rnd() % 4;
		t.created = rnd();
		t.updated = rnd();
		if ((t.has_last_run = rnd() % 2))
			rnd_run(&t.last_run, RUN_REC_LAST);
		o = target_rec_encode(&t);
		if (o == NULL || target_rec_decode(o, &tb, &err) != OPS_OK) {
			bad++;
		} else {
			enum run_class	rc;
			enum reach	re = target_rec_reach(&t, &rc);

			if (!str_eq(t.name, tb.name) ||
			    !str_eq(t.host, tb.host) || t.port != tb.port ||
			    !str_eq(t.user, tb.user) ||
			    !str_eq(t.cred, tb.cred) ||
			    !str_eq(t.notes, tb.notes) ||
			    t.ntags != tb.ntags ||
			    (t.ntags > 0 && strcmp(tb.tags[t.ntags - 1],
			    tags[t.ntags - 1]) != 0) ||
			    t.created != tb.created ||
			    t.updated != tb.updated ||
			    t.has_last_run != tb.has_last_run ||
			    (t.has_last_run && !run_eq(&t.last_run,
			    &tb.last_run)) || re != tb.reach ||
			    rc != tb.reach_class)
				bad++;
			target_rec_done(&tb);
		}
		json_decref(o);
	}
	ok(bad == 0, "500 random targets round-trip, reachability derived "
	    "(%zu differ)", bad);

	for (i = 0, bad = 0; i < 500; i++) {
		memset(&j, 0, sizeof(j));
		j.id = 1 + rnd() % 100000;
		j.state = (enum job_state)(JOB_STATE_QUEUED + rnd() % 6);
		j.script = rnd() % 2;
		j.command = rnd_str();
		j.requested_by = rnd_str();
		j.timeout_s = rnd() % 2 ? (int)(1 + rnd() % 1000) : 0;
		j.forks = rnd() % 2 ? (int)(1 + rnd() % 100) : 0;
		j.output_cap = rnd() % 2 ? 1 + rnd() % 100000 : 0;
		j.connect_timeout_s = rnd() % 2 ? (int)(1 + rnd() % 600) : 0;
		j.created = rnd();
		j.nruns = rnd() % 5;
		for (k = 0; k < j.nruns; k++)
			rnd_run(&runs[k], RUN_REC_FULL);
		j.runs = runs;
		j.has_runs = rnd() % 2;
		o = job_rec_encode(&j);
		if (o == NULL || job_rec_decode(o, &jb, &err) != OPS_OK) {
			bad++;
		} else {
			int	same = jb.id == j.id && jb.state == j.state &&
			    jb.script == j.script &&
			    str_eq(jb.command, j.command) &&
			    jb.timeout_s == j.timeout_s &&
			    jb.forks == j.forks &&
			    jb.output_cap == j.output_cap &&
			    jb.connect_timeout_s == j.connect_timeout_s &&
			    jb.total == j.nruns &&
			    jb.has_runs == j.has_runs &&
			    jb.nruns == (j.has_runs ? j.nruns : 0);

			for (k = 0; same && k < jb.nruns; k++)
				same = run_eq(&j.runs[k], &jb.runs[k]);
			bad += !same;
			job_rec_done(&jb);
		}
		json_decref(o);
	}
	ok(bad == 0, "500 random jobs round-trip, runs and counts (%zu "
	    "differ)", bad);
}

/* ---- refusals ---------------------------------------------------------- */

static int
refused(const char *text, int kind, const char *needle)
{
	struct run_rec		r;
	struct target_rec	t;
	struct job_rec		j;
	struct hostkey_rec	k;
	struct audit_rec	a;
	struct ops_err		err;
	json_t			*o = parse(text);
	int			rc;

	ops_err_clear(&err);
	switch (kind) {
	case 0:
		rc = run_rec_decode(o, RUN_REC_FULL, &r, &err);
		break;
	case 1:
		rc = target_rec_decode(o, &t, &err);
		break;
	case 2:
		rc = job_rec_decode(o, &j, &err);
		break;
	case 3:
		rc = hostkey_rec_decode(o, &k, &err);
		break;
	default:
		rc = audit_rec_decode(o, &a, &err);
		break;
	}
	json_decref(o);
	if (rc == OPS_E_PROTO && strstr(ops_err_msg(&err), needle) != NULL)
		return 1;
	diag("%s: rc %d, %s", text, rc, ops_err_msg(&err));
	return 0;
}

static void
test_refusals(void)
{
	ok(refused("[]", 0, "not an object"), "a run that is no object");
	ok(refused("{\"target\":\"w\"}", 0, "\"state\""),
	    "a run without a state");
	ok(refused("{\"target\":\"w\",\"state\":\"sleeping\"}", 0,
	    "sleeping"), "a run with a state this build does not know");
	ok(refused("{\"target\":\"w\",\"state\":\"ok\",\"exit\":\"0\"}", 0,
	    "\"exit\""), "an exit status that is a string");
	ok(refused("{\"target\":\"w\",\"state\":\"ok\",\"exit\":-4}", 0,
	    "out of range"), "a negative exit status");
	ok(refused("{\"target\":\"w\",\"state\":\"failed\",\"signal\":\"9\"}",
	    0, "\"signal\""), "a signal that is a string");
	ok(refused("{\"target\":\"w\",\"state\":\"failed\",\"class\":\"oops\"}",
	    0, "oops"), "an unknown class");
	ok(refused("{\"target\":\"w\",\"state\":\"ok\",\"class\":"
	    "\"cancelled\"}", 0, "cancelled"),
	    "a state-named class that is not the run's state");
	ok(refused("{\"target\":\"w\",\"state\":\"ok\","
	    "\"stdout_truncated\":1}", 0, "stdout_truncated"),
	    "a truncation flag that is no boolean");
	ok(refused("{\"host\":\"h\",\"port\":22}", 1, "\"name\""),
	    "a target without a name");
	ok(refused("{\"name\":\"n\",\"host\":\"h\",\"port\":70000}", 1,
	    "out of range"), "a port past 65535");
	ok(refused("{\"name\":\"n\",\"host\":\"h\",\"port\":22,\"tags\":"
	    "[\"a\",3]}", 1, "tags"), "a tag that is no string");
	ok(refused("{\"name\":\"n\",\"host\":\"h\",\"port\":22,"
	    "\"reachability\":\"maybe\"}", 1, "maybe"),
	    "an unknown reachability");
	ok(refused("{\"name\":\"n\",\"host\":\"h\",\"port\":22,\"last_run\":"
	    "{\"state\":\"ok\"}}", 1, "\"job\""),
	    "a last run without its job");
	ok(refused("{\"id\":0,\"state\":\"done\",\"command\":\"x\"}", 2,
	    "out of range"), "a job id of 0");
	ok(refused("{\"id\":1,\"state\":\"done\",\"command\":\"x\",\"runs\":"
	    "[{\"state\":\"ok\"}]}", 2, "\"target\""),
	    "a job run without its target");
	ok(refused("{\"id\":1,\"state\":\"done\",\"command\":\"x\",\"runs\":"
	    "{}}", 2, "\"runs\""), "runs that are no array");
	ok(refused("{\"target\":\"w\"}", 3, "\"fingerprint\""),
	    "a host key without a fingerprint");
	ok(refused("{\"id\":1,\"ts\":1,\"actor\":\"a\"}", 4, "\"action\""),
	    "an audit record without an action");
}

/* ---- fuzz: mutated records never crash a decoder ---------------------- */

static json_t *
rnd_value(void)
{
	switch (rnd() % 7) {
	case 0:
		return json_null();
	case 1:
		return json_integer((json_int_t)(int32_t)rnd());
	case 2:
		return json_string(rnd_str());
	case 3:
		return json_true();
	case 4:
		return json_array();
	case 5:
		return json_object();
	default:
		return json_real(0.5);
	}
}

/* Replace, drop or add fields of o (and of any object inside). */
static void
mutate(json_t *o, int depth)
{
	const char	*key;
	json_t		*v;
	void		*tmp;
	size_t		 i;

	if (json_is_array(o)) {
		json_array_foreach(o, i, v)
			mutate(v, depth + 1);
		return;
	}
	if (!json_is_object(o) || depth > 3)
		return;
	json_object_foreach_safe(o, tmp, key, v) {
		switch (rnd() % 6) {
		case 0:
			json_object_set_new(o, key, rnd_value());
			break;
		case 1:
			json_object_del(o, key);
			break;
		default:
			mutate(v, depth + 1);
			break;
		}
	}
	if (rnd() % 4 == 0)
		json_object_set_new(o, "extra", rnd_value());
}

static void
test_fuzz(void)
{
	struct run_rec		 r, runs[3];
	struct target_rec	 t;
	struct job_rec		 j;
	struct hostkey_rec	 k;
	struct audit_rec	 a;
	struct ops_err		 err;
	const char *const	 tags[] = { "eu" };
	json_t			*seed[5], *o;
	size_t			 i, accepted = 0, refusedn = 0, other = 0;
	int			 rc, kind;

	rnd_run(&r, RUN_REC_FULL);
	seed[0] = run_rec_encode(&r, RUN_REC_FULL);
	memset(&t, 0, sizeof(t));
	t.name = "web1";
	t.host = "h";
	t.port = 22;
	t.tags = tags;
	t.ntags = 1;
	t.has_last_run = 1;
	rnd_run(&t.last_run, RUN_REC_LAST);
	seed[1] = target_rec_encode(&t);
	memset(&j, 0, sizeof(j));
	j.id = 1;
	j.state = JOB_STATE_DONE;
	j.command = "true";
	for (i = 0; i < 3; i++)
		rnd_run(&runs[i], RUN_REC_FULL);
	j.runs = runs;
	j.nruns = 3;
	j.has_runs = 1;
	seed[2] = job_rec_encode(&j);
	k = (struct hostkey_rec){ .target = "w", .type = "ssh-rsa",
	    .fingerprint = "SHA256:x", .added = 5 };
	seed[3] = hostkey_rec_encode(&k);
	a = (struct audit_rec){ .id = 1, .ts = 2, .actor = "x",
	    .action = "y" };
	seed[4] = audit_rec_encode(&a);

	for (i = 0; i < 20000; i++) {
		kind = (int)(rnd() % 5);
		o = json_deep_copy(seed[kind]);
		mutate(o, 0);
		switch (kind) {
		case 0:
			rc = run_rec_decode(o, RUN_REC_FULL, &r, &err);
			break;
		case 1:
			if ((rc = target_rec_decode(o, &t, &err)) == OPS_OK)
				target_rec_done(&t);
			break;
		case 2:
			if ((rc = job_rec_decode(o, &j, &err)) == OPS_OK)
				job_rec_done(&j);
			break;
		case 3:
			rc = hostkey_rec_decode(o, &k, &err);
			break;
		default:
			rc = audit_rec_decode(o, &a, &err);
			break;
		}
		if (rc == OPS_OK)
			accepted++;
		else if (rc == OPS_E_PROTO)
			refusedn++;
		else
			other++;
		json_decref(o);
	}
	for (i = 0; i < 5; i++)
		json_decref(seed[i]);
	ok(accepted > 0 && refusedn > 0 && other == 0,
	    "20000 mutated records: %zu accepted, %zu refused as malformed, "
	    "%zu other", accepted, refusedn, other);
}

int
main(void)
{
	plan_no_plan();
	test_shapes();
	test_round_trips();
	test_refusals();
	test_fuzz();
	return exit_status();
}

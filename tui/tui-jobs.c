/*
 * tui-jobs.c: the jobs model behind the Jobs and Job screens, with no
 * curses. The console subscribes to job-state, run-state and job-output
 * for every job once per connection; events update the model and only
 * mark the screen dirty (the main loop paints, at most ~30 times a
 * second for events). Per job it keeps the state and the counts
 * (queued, running, ok, failed); per target run the state, exit code,
 * times and, for the job shown in the Job screen, stdout and stderr.
 *
 * Output costs: the console subscribes to job-output of no job; opening
 * a job follows it (job-logs follow: the daemon replays what it stored,
 * then streams, for that one job), so 500 targets streaming elsewhere
 * cost the console nothing. No races: the daemon stores output before it
 * sends an event and replays (events without "seq") what it stored when
 * the request arrives, and one socket keeps order; so at the first
 * replayed event every earlier event of that job is in the replay, and
 * the buffers start again from there. With nothing to replay, nothing
 * of that job was sent before either: every live event is news.
 */
#include "config.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "model.h"
#include "tui-screen.h"

#define JOBS_LIST_LIMIT	200
#define HISTORY_MAX	50

static void
buf_free(struct tbuf *b)
{
	free(b->p);
	memset(b, 0, sizeof(*b));
}

static void
buf_add(struct tbuf *b, const char *p, size_t len)
{
	size_t	size;
	char	*n;

	if (b->len + len > TBUF_MAX) {
		b->truncated = 1;
		if (b->len >= TBUF_MAX)
			return;
		len = TBUF_MAX - b->len;
	}
	if (b->len + len + 1 > b->size) {
		size = b->size == 0 ? 1024 : b->size;
		while (size < b->len + len + 1)
			size *= 2;
		if ((n = realloc(b->p, size)) == NULL)
			return;
		b->p = n;
		b->size = size;
	}
	memcpy(b->p + b->len, p, len);
	b->len += len;
	b->p[b->len] = '\0';
}

/* Add data as it came on the wire (utf8 or base64). */
static void
buf_add_wire(struct tbuf *b, const char *data, size_t len, const char *enc)
{
	unsigned char	*bin;
	size_t		 binlen;

	if (enc == NULL || strcmp(enc, "base64") != 0) {
		buf_add(b, data, len);
		return;
	}
	if ((bin = malloc(len + 1)) == NULL)
		return;
	if (sodium_base642bin(bin, len + 1, data, len, NULL, &binlen, NULL,
	    sodium_base64_VARIANT_ORIGINAL) == 0)
		buf_add(b, (const char *)bin, binlen);
	free(bin);
}

static void
run_free(struct trun *r)
{
	free(r->target);
	free(r->error);
	free(r->step);
	buf_free(&r->out);
	buf_free(&r->err);
}

static void
job_free(struct tjob *j)
{
	size_t	i;

	if (j == NULL)
		return;
	for (i = 0; i < j->nruns; i++)
		run_free(&j->runs[i]);
	free(j->runs);
	json_decref(j->index);
	free(j->command);
	free(j);
}

void
jobs_done(struct tui *t)
{
	size_t	i;

	for (i = 0; i < t->njobs; i++)
		job_free(t->jobv[i]);
	free(t->jobv);
	t->jobv = NULL;
	t->njobs = 0;
	for (i = 0; i < t->nhist; i++)
		free(t->hist[i]);
	t->nhist = 0;
	view_list_done(&t->jobs);
	view_list_done(&t->runs);
}

struct tjob *
jobs_find(struct tui *t, long long id)
{
	size_t	i;

	for (i = 0; i < t->njobs; i++)
		if (t->jobv[i]->id == id)
			return t->jobv[i];
	return NULL;
}

static void	show_job(struct tui *, struct tjob *);

static struct tjob *
job_get(struct tui *t, long long id, int ask)
{
	struct tjob	*j, **n;

	if (id <= 0)
		return NULL;
	if ((j = jobs_find(t, id)) != NULL)
		return j;
	if ((j = calloc(1, sizeof(*j))) == NULL ||
	    (j->index = json_object()) == NULL ||
	    (n = realloc(t->jobv, (t->njobs + 1) * sizeof(*n))) == NULL) {
		if (j != NULL)
			json_decref(j->index);
		free(j);
		return NULL;
	}
	j->id = id;
	snprintf(j->state, sizeof(j->state), "queued");
	t->jobv = n;
	t->jobv[t->njobs++] = j;
	t->jobs_changed = 1;
	if (ask)
		show_job(t, j);
	return j;
}

struct trun *
jobs_run(struct tjob *j, const char *target, int create)
{
	json_t		*ix = json_object_get(j->index, target);
	struct trun	*n;

	if (ix != NULL)
		return &j->runs[json_integer_value(ix)];
	if (!create)
		return NULL;
	if ((n = realloc(j->runs, (j->nruns + 1) * sizeof(*n))) == NULL)
		return NULL;
	j->runs = n;
	n = &j->runs[j->nruns];
	memset(n, 0, sizeof(*n));
	if ((n->target = strdup(target)) == NULL)
		return NULL;
	n->exit = -1;
	snprintf(n->state, sizeof(n->state), "queued");
	json_object_set_new(j->index, target, json_integer((json_int_t)
	    j->nruns));
	j->nruns++;
	return n;
}

/* Counts from the runs, when the console knows them. */
static void
recount(struct tjob *j)
{
	size_t	i;

	if (!j->have_runs)
		return;
	j->nq = j->nrun = j->nok = j->nfail = 0;
	for (i = 0; i < j->nruns; i++) {
		if (strcmp(j->runs[i].state, "queued") == 0)
			j->nq++;
		else if (strcmp(j->runs[i].state, "running") == 0)
			j->nrun++;
		else if (strcmp(j->runs[i].state, "ok") == 0)
			j->nok++;
		else
			j->nfail++;
	}
	if (j->nruns > j->total)
		j->total = j->nruns;
}

static const char *
jstr(const json_t *o, const char *k)
{
	const json_t	*v = json_object_get(o, k);

	return json_is_string(v) ? json_string_value(v) : NULL;
}

static long long
jint(const json_t *o, const char *k, long long dflt)
{
	const json_t	*v = json_object_get(o, k);

	return json_is_integer(v) ? (long long)json_integer_value(v) : dflt;
}

static void
set_str(char **dst, const char *s)
{
	free(*dst);
	*dst = s != NULL ? strdup(s) : NULL;
}

static void
set_signal(struct trun *r, int signal)
{
	if (signal > 0)
		snprintf(r->signal, sizeof(r->signal), "%d", signal);
	else
		r->signal[0] = '\0';
}

static void	apply_steps(struct trun *, const json_t *);

/* A job object from job-list or job-show. */
static void
apply_job(struct tui *t, struct tjob *j, const json_t *o)
{
	const struct run_rec	*rr;
	struct job_rec		 rec;
	struct ops_err		 err;
	struct trun		*r;
	size_t			 i;

	/* A reply the codec refuses changes nothing on screen. */
	if (job_rec_decode(o, &rec, &err) != OPS_OK)
		return;
	snprintf(j->state, sizeof(j->state), "%s", job_state_name(rec.state));
	set_str(&j->command, rec.command);
	j->created = rec.created;
	j->total = rec.total;
	j->nok = rec.ok;
	j->nfail = rec.failed;
	if (!j->have_runs && job_state_name_is_final(j->state))
		j->nq = j->nrun = 0;
	for (i = 0; i < rec.nruns; i++) {
		rr = &rec.runs[i];
		if ((r = jobs_run(j, rr->target, 1)) == NULL)
			continue;
		snprintf(r->state, sizeof(r->state), "%s",
		    run_state_name(rr->state));
		r->exit = rr->exit_status;
		set_signal(r, rr->signal);
		set_str(&r->error, rr->error);
		r->started = rr->started;
		r->finished = rr->finished;
		r->duration = rr->started > 0 && rr->finished >= rr->started ?
		    rr->finished - rr->started : -1;
		apply_steps(r, json_array_get(json_object_get(o, "runs"), i));
	}
	if (rec.has_runs)
		j->have_runs = 1;
	job_rec_done(&rec);
	recount(j);
	t->jobs_changed = 1;
	if (t->job_cur == j->id)
		t->runs_changed = 1;
}

static void
show_done(struct tui *t, int rc, const json_t *result, const char *message,
    void *arg)
{
	long long	 id = (long long)(intptr_t)arg;
	struct tjob	*j = jobs_find(t, id);

	if (j != NULL)
		j->show_pending = 0;
	if (rc != OPS_OK) {
		if (rc != OPS_E_CONNECT)
			tui_message(t, 1, "job %lld: %s", id, message);
		return;
	}
	if (j != NULL)
		apply_job(t, j, result);
	t->dirty_ev = 1;
}

static void
show_job(struct tui *t, struct tjob *j)
{
	json_t	*m;

	if (j->show_pending || t->lost)
		return;
	if ((m = proto_msg_new(PROTO_JOB_SHOW, 0)) == NULL)
		return;
	(void)proto_add_int(m, "job", j->id, NULL);
	j->show_pending = 1;
	(void)tconn_request(&t->conn, m, show_done, (void *)(intptr_t)j->id);
	json_decref(m);
}

/* The follow's reply: the job had ended, or has now. */
static void
logs_done(struct tui *t, int rc, const json_t *result, const char *message,
    void *arg)
{
	long long	 id = (long long)(intptr_t)arg;
	struct tjob	*j = jobs_find(t, id);

	(void)result;
	if (j != NULL && t->job_cur == id)
		j->have_logs = 1;
	if (rc != OPS_OK && rc != OPS_E_CONNECT && t->job_cur == id)
		tui_message(t, 1, "job %lld output: %s", id, message);
	t->dirty_ev = 1;
}

/* Forget the output of every job but keep, and fetch that of job id. */
void
jobs_open(struct tui *t, long long id)
{
	struct tjob	*j;
	json_t		*m;
	size_t		 i, k;

	for (i = 0; i < t->njobs; i++) {
		if (t->jobv[i]->id == id)
			continue;
		for (k = 0; k < t->jobv[i]->nruns; k++) {
			buf_free(&t->jobv[i]->runs[k].out);
			buf_free(&t->jobv[i]->runs[k].err);
		}
		t->jobv[i]->have_logs = 0;
	}
	if (t->job_cur != id) {
		t->job_cur = id;
		t->out_top = 0;
		t->runs.cursor = t->runs.top = 0;
	}
	t->runs_changed = 1;
	if ((j = job_get(t, id, 0)) == NULL || t->lost)
		return;
	for (i = 0; i < j->nruns; i++) {
		buf_free(&j->runs[i].out);
		buf_free(&j->runs[i].err);
	}
	show_job(t, j);
	if ((m = proto_msg_new(PROTO_JOB_LOGS, 0)) == NULL)
		return;
	(void)proto_add_int(m, "job", id, NULL);
	(void)proto_add_bool(m, "follow", 1, NULL);
	/* Until the replay starts, output of this job is not news. */
	j->logs_pending = 1;
	(void)tconn_request(&t->conn, m, logs_done, (void *)(intptr_t)id);
	json_decref(m);
}

static void
list_done(struct tui *t, int rc, const json_t *result, const char *message,
    void *arg)
{
	const json_t	*o;
	struct tjob	*j;
	size_t		 i;

	(void)arg;
	if (rc != OPS_OK) {
		if (rc != OPS_E_CONNECT)
			tui_message(t, 1, "job list: %s", message);
		return;
	}
	json_array_foreach(result, i, o) {
		if ((j = job_get(t, jint(o, "id", 0), 0)) == NULL)
			continue;
		apply_job(t, j, o);
		/* Live counts need the runs of a job still going. */
		if (!job_state_name_is_final(j->state) && !j->have_runs)
			show_job(t, j);
	}
	t->jobs_loaded = 1;
	t->dirty_ev = 1;
}

static void
sub_done(struct tui *t, int rc, const json_t *result, const char *message,
    void *arg)
{
	(void)result;
	(void)arg;
	if (rc != OPS_OK && rc != OPS_E_CONNECT)
		tui_message(t, 1, "subscribe: %s", message);
}

void
jobs_reload(struct tui *t)
{
	static const char *const streams[] = { "job-state", "run-state",
	    "target-status", "step-state", "approval-state" };
	json_t	*m;

	if (t->lost)
		return;
	if (!t->subscribed && (m = proto_msg_new(PROTO_SUBSCRIBE, 0)) !=
	    NULL) {
		(void)proto_add_str_array(m, "streams", streams, 5, NULL);
		(void)tconn_request(&t->conn, m, sub_done, NULL);
		json_decref(m);
		t->subscribed = 1;
	}
	if ((m = proto_msg_new(PROTO_JOB_LIST, 0)) != NULL) {
		(void)proto_add_int(m, "limit", JOBS_LIST_LIMIT, NULL);
		(void)tconn_request(&t->conn, m, list_done, NULL);
		json_decref(m);
	}
	if (t->job_cur > 0)
		jobs_open(t, t->job_cur);
}

/* r is at step idx (from 1) name, in state: its text for the INFO
 * column. */
static void
set_step(struct trun *r, long long idx, const char *name, const char *state)
{
	char	buf[160];

	if (r->nsteps > 0)
		snprintf(buf, sizeof(buf), "batch %d, step %lld/%zu %s: %s",
		    r->batch, idx, r->nsteps, name, state);
	else
		snprintf(buf, sizeof(buf), "step %lld %s: %s", idx, name,
		    state);
	set_str(&r->step, buf);
}

/* job show's steps of run o (an automation job's): the step it is at,
 * the last one that left the queue. */
static void
apply_steps(struct trun *r, const json_t *o)
{
	const json_t	*steps = json_object_get(o, "steps"), *st, *at = NULL;
	size_t		 i, k = 0;

	if (!json_is_array(steps) || json_array_size(steps) == 0)
		return;
	r->batch = (int)jint(o, "batch", 0);
	r->nsteps = json_array_size(steps);
	json_array_foreach(steps, i, st)
		if (at == NULL || (jstr(st, "state") != NULL &&
		    strcmp(jstr(st, "state"), "queued") != 0 &&
		    strcmp(jstr(st, "state"), "skipped") != 0)) {
			at = st;
			k = i;
		}
	set_step(r, (long long)k + 1, jstr(at, "name") != NULL ?
	    jstr(at, "name") : "?", jstr(at, "state") != NULL ?
	    jstr(at, "state") : "?");
	if (json_is_true(json_object_get(o, "skipped")))
		snprintf(r->state, sizeof(r->state), "skipped");
}

static void
on_step_state(struct tui *t, struct tjob *j, const json_t *msg)
{
	struct trun	*r;

	if (jstr(msg, "target") == NULL || jstr(msg, "name") == NULL ||
	    jstr(msg, "state") == NULL ||
	    (r = jobs_run(j, jstr(msg, "target"), 1)) == NULL)
		return;
	set_step(r, jint(msg, "step", 0), jstr(msg, "name"),
	    jstr(msg, "state"));
	if (t->job_cur == j->id)
		t->runs_changed = 1;
}

static void
on_run_state(struct tui *t, struct tjob *j, const json_t *msg)
{
	struct run_rec	 rr;
	struct ops_err	 err;
	struct trun	*r;
	const char	*state;
	char		*joined;

	if (run_rec_decode(msg, RUN_REC_EVENT, &rr, &err) != OPS_OK ||
	    (r = jobs_run(j, rr.target, 1)) == NULL)
		return;
	state = run_state_name(rr.state);
	snprintf(r->state, sizeof(r->state), "%s", state);
	if (rr.exit_status >= 0)
		r->exit = rr.exit_status;
	if (rr.signal > 0)
		set_signal(r, rr.signal);
	/* The Job screen shows an event's error as "class: message". */
	if ((rr.error != NULL || rr.cls != RUN_CLASS_NONE) &&
	    (joined = run_error_join(rr.cls, rr.error)) != NULL) {
		set_str(&r->error, joined);
		free(joined);
	}
	if (strcmp(state, "running") == 0)
		r->seen_start = evloop_now_ms();
	else if (run_state_name_is_final(state) && r->seen_start > 0 &&
	    r->duration < 0)
		r->duration = evloop_now_ms() - r->seen_start;
	if (!j->have_runs && !j->show_pending)
		show_job(t, j);
	recount(j);
	if (strcmp(j->state, "queued") == 0)
		snprintf(j->state, sizeof(j->state), "running");
	t->jobs_changed = 1;
	if (t->job_cur == j->id)
		t->runs_changed = 1;
}

static void
on_output(struct tui *t, struct tjob *j, const json_t *msg)
{
	struct trun	*r;
	const char	*target = jstr(msg, "target"), *stream;
	const char	*data = NULL;
	size_t		 len = 0;

	size_t		 i;

	/* Only the job on the Job screen keeps output. */
	if (t->job_cur != j->id || target == NULL)
		return;
	if (j->logs_pending && !proto_has(msg, "seq")) {
		/* The replay starts: it holds every earlier event. */
		for (i = 0; i < j->nruns; i++) {
			buf_free(&j->runs[i].out);
			buf_free(&j->runs[i].err);
		}
		j->logs_pending = 0;
	}
	if (proto_get_strn(msg, "data", &data, &len, OPS_PROTO_MAX_FRAME,
	    NULL) != OPS_OK || (r = jobs_run(j, target, 1)) == NULL)
		return;
	stream = jstr(msg, "stream");
	buf_add_wire(stream != NULL && strcmp(stream, "stderr") == 0 ?
	    &r->err : &r->out, data, len, jstr(msg, "encoding"));
	t->output_changed = 1;
}

void
jobs_event(struct tui *t, enum proto_type type, const json_t *msg)
{
	struct tjob	*j;

	if (type == PROTO_APPROVAL_STATE) {
		screen_approvals_event(t, msg);
		return;
	}
	if (type == PROTO_TARGET_STATUS || type == PROTO_RUN_STATE)
		screen_targets_event(t, type, msg);
	if (type == PROTO_TARGET_STATUS)
		return;
	if ((j = job_get(t, jint(msg, "job", 0), 1)) == NULL)
		return;
	switch (type) {
	case PROTO_JOB_STATE:
		if (jstr(msg, "state") != NULL)
			snprintf(j->state, sizeof(j->state), "%s",
			    jstr(msg, "state"));
		if (!j->have_runs) {
			j->nok = (size_t)jint(msg, "ok", (long long)j->nok);
			j->nfail = (size_t)jint(msg, "failed",
			    (long long)j->nfail);
		}
		j->total = (size_t)jint(msg, "total", (long long)j->total);
		if (job_state_name_is_final(j->state) && !j->have_runs)
			j->nq = j->nrun = 0;
		t->jobs_changed = 1;
		if (t->job_cur == j->id)
			t->runs_changed = 1;
		break;
	case PROTO_RUN_STATE:
		on_run_state(t, j, msg);
		break;
	case PROTO_JOB_OUTPUT:
		on_output(t, j, msg);
		break;
	case PROTO_STEP_STATE:
		on_step_state(t, j, msg);
		break;
	default:
		return;
	}
	t->dirty_ev = 1;
}

/* The Jobs list rows, rebuilt from the model when it changed. */
void
jobs_sync_views(struct tui *t)
{
	json_t		*rows, *o;
	struct tjob	*j;
	struct trun	*r;
	size_t		 i;
	char		 key[32];

	/* (a view not set up yet by its screen gets its rows later) */
	if (t->jobs_changed && t->jobs.cols != NULL &&
	    (rows = json_array()) != NULL) {
		for (i = 0; i < t->njobs; i++) {
			j = t->jobv[i];
			snprintf(key, sizeof(key), "%lld", j->id);
			o = json_pack("{s:s, s:I, s:s, s:s, s:I, s:I, s:I, "
			    "s:I, s:I, s:I}", "_key", key, "id",
			    (json_int_t)j->id, "state", j->state, "command",
			    j->command != NULL ? j->command : "",
			    "queued", (json_int_t)(j->have_runs ? j->nq :
			    j->total > j->nok + j->nfail ? j->total - j->nok -
			    j->nfail - j->nrun : 0), "running",
			    (json_int_t)j->nrun, "ok", (json_int_t)j->nok,
			    "failed", (json_int_t)j->nfail, "total",
			    (json_int_t)j->total, "created",
			    (json_int_t)j->created);
			if (o != NULL)
				json_array_append_new(rows, o);
		}
		view_list_set_rows(&t->jobs, rows);
		t->jobs_changed = 0;
	}
	if (t->runs_changed && t->runs.cols != NULL &&
	    (rows = json_array()) != NULL) {
		j = jobs_find(t, t->job_cur);
		for (i = 0; j != NULL && i < j->nruns; i++) {
			r = &j->runs[i];
			o = json_pack("{s:s, s:s}", "target", r->target,
			    "state", r->state);
			if (o == NULL)
				continue;
			if (r->exit >= 0)
				json_object_set_new(o, "exit",
				    json_integer(r->exit));
			if (r->duration >= 0)
				json_object_set_new(o, "ms",
				    json_integer(r->duration));
			if (r->step != NULL) {
				char	info[512];

				snprintf(info, sizeof(info), "%s%s%s", r->step,
				    r->error != NULL ? " - " : "",
				    r->error != NULL ? r->error : "");
				json_object_set_new(o, "info",
				    json_string(info));
			} else
				json_object_set_new(o, "info", json_string(
				    r->error != NULL ? r->error :
				    r->signal[0] != '\0' ? r->signal : ""));
			json_array_append_new(rows, o);
		}
		view_list_set_rows(&t->runs, rows);
		t->runs_changed = 0;
	}
}

void
jobs_history_add(struct tui *t, const char *cmd)
{
	size_t	i;
	char	*dup;

	if (*cmd == '\0')
		return;
	if (t->nhist > 0 && strcmp(t->hist[t->nhist - 1], cmd) == 0)
		return;
	if ((dup = strdup(cmd)) == NULL)
		return;
	if (t->nhist == HISTORY_MAX) {
		free(t->hist[0]);
		for (i = 1; i < HISTORY_MAX; i++)
			t->hist[i - 1] = t->hist[i];
		t->nhist--;
	}
	t->hist[t->nhist++] = dup;
}

void
jobs_show_new(struct tui *t, long long id)
{
	(void)job_get(t, id, 1);
	jobs_open(t, id);
	(void)tui_switch(t, "Job");
	t->dirty = 1;
}

static void
run_done(struct tui *t, int rc, const json_t *result, const char *message,
    void *arg)
{
	long long	id;

	(void)arg;
	if (rc != OPS_OK) {
		if (rc != OPS_E_CONNECT)
			tui_message(t, 1, "run: %s", message);
		return;
	}
	id = jint(result, "job", 0);
	tui_message(t, 0, "job %lld started on %zu target%s", id,
	    json_array_size(json_object_get(result, "targets")),
	    json_array_size(json_object_get(result, "targets")) == 1 ? "" :
	    "s");
	jobs_show_new(t, id);
}

void
jobs_run_cmd(struct tui *t, const char *const *sel, size_t nsel,
    const char *cmd)
{
	json_t	*m;

	if (nsel == 0) {
		tui_message(t, 1, "run: no target selected");
		return;
	}
	jobs_history_add(t, cmd);
	if ((m = proto_msg_new(PROTO_RUN, 0)) == NULL)
		return;
	(void)proto_add_str_array(m, "selectors", sel, nsel, NULL);
	(void)proto_add_str(m, "command", cmd, NULL);
	(void)tconn_request(&t->conn, m, run_done, NULL);
	json_decref(m);
}

static void
cancel_done(struct tui *t, int rc, const json_t *result, const char *message,
    void *arg)
{
	(void)result;
	if (rc != OPS_OK) {
		if (rc != OPS_E_CONNECT)
			tui_message(t, 1, "cancel: %s", message);
		return;
	}
	tui_message(t, 0, "job %lld cancelled", (long long)(intptr_t)arg);
}

void
tjobs_cancel(struct tui *t, long long id)
{
	json_t	*m;

	if ((m = proto_msg_new(PROTO_JOB_CANCEL, 0)) == NULL)
		return;
	(void)proto_add_int(m, "job", id, NULL);
	(void)tconn_request(&t->conn, m, cancel_done, (void *)(intptr_t)id);
	json_decref(m);
}

static void
rerun_done(struct tui *t, int rc, const json_t *result, const char *message,
    void *arg)
{
	long long	id;

	(void)arg;
	if (rc != OPS_OK) {
		if (rc != OPS_E_CONNECT)
			tui_message(t, 1, "rerun: %s", message);
		return;
	}
	id = jint(result, "job", 0);
	tui_message(t, 0, "job %lld reruns job %lld", id,
	    jint(result, "rerun_of", 0));
	jobs_show_new(t, id);
}

void
jobs_rerun(struct tui *t, long long id)
{
	json_t	*m;

	if ((m = proto_msg_new(PROTO_JOB_RERUN, 0)) == NULL)
		return;
	(void)proto_add_int(m, "job", id, NULL);
	(void)tconn_request(&t->conn, m, rerun_done, NULL);
	json_decref(m);
}

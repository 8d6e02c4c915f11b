/*
 * store-jobs.c: jobs, their per-target runs and the runs' output.
 *
 * A job is created queued with one queued run per target. Run output is
 * kept per stream as appended chunks (table run_output) up to the job's
 * cap (jobs.output_cap; 0: the store's); bytes beyond it are counted and
 * dropped, and the stream is flagged truncated. A run's error text may
 * quote the target: it is stored escaped (core/termsafe), never refused,
 * so a hostile text cannot keep a run "running". Its class (model.h) is
 * a column of its own, error_class, holding the class name (NULL: none).
 */
#include "config.h"

#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include "model.h"
#include "store-int.h"
#include "termsafe.h"

#define JOB_TARGETS_MAX		10000
#define RUN_ERROR_MAX		4096

#define JOB_COLS \
	"SELECT id, automation_id, automation_name, automation_version," \
	" command, requested_by, state, created, started, finished, kind," \
	" timeout_ms, forks, output_cap, connect_timeout_ms FROM jobs"
#define RUN_COLS \
	"SELECT id, job_id, target_id, target_name, state, exit_status," \
	" signal, error, started, finished, stdout_bytes, stderr_bytes," \
	" stdout_truncated, stderr_truncated, error_class, stdout_kept," \
	" stderr_kept FROM runs"

static const char sql_auto_version[] =
	"SELECT a.id, v.version, v.body FROM automations a"
	" JOIN automation_versions v ON v.automation_id = a.id"
	" WHERE a.name = ?1 AND v.version = CASE ?2 WHEN 0 THEN"
	"  (SELECT max(version) FROM automation_versions"
	"  WHERE automation_id = a.id) ELSE ?2 END";
static const char sql_job_insert[] =
	"INSERT INTO jobs (automation_id, automation_name, automation_version,"
	" command, requested_by, state, created, kind, timeout_ms, forks,"
	" output_cap, connect_timeout_ms)"
	" VALUES (?1, ?2, ?3, ?4, ?5, 'queued', ?6, ?7, ?8, ?9, ?10, ?11)";
static const char sql_run_insert[] =
	"INSERT INTO runs (job_id, target_id, target_name, state)"
	" VALUES (?1, ?2, ?3, 'queued')";
static const char sql_job_get[] = JOB_COLS " WHERE id = ?1";
static const char sql_job_list[] =
	JOB_COLS " WHERE ?1 = 0 OR id < ?1 ORDER BY id DESC LIMIT ?2";
static const char sql_job_list_state[] =
	JOB_COLS " WHERE state = ?3 AND (?1 = 0 OR id < ?1)"
	" ORDER BY id DESC LIMIT ?2";
static const char sql_job_state[] =
	"UPDATE jobs SET state = ?2,"
	" started = CASE WHEN ?2 = 'running' AND started IS NULL THEN ?3"
	"  ELSE started END,"
	" finished = CASE WHEN ?2 IN ('queued', 'running',"
	"  'awaiting-approval') THEN finished"
	"  ELSE ?3 END WHERE id = ?1";
static const char sql_job_delete[] = "DELETE FROM jobs WHERE id = ?1";
static const char sql_run_list[] = RUN_COLS " WHERE job_id = ?1 ORDER BY id";
static const char sql_run_get[] = RUN_COLS " WHERE id = ?1";
static const char sql_run_output[] =
	"SELECT data FROM run_output WHERE run_id = ?1 AND stream = ?2"
	" ORDER BY seq";
static const char sql_run_start[] =
	"UPDATE runs SET state = 'running', started = ?2"
	" WHERE id = ?1 AND state = 'queued'";
static const char sql_run_finish[] =
	"UPDATE runs SET state = ?2, exit_status = ?3, signal = ?4, error = ?5,"
	" error_class = ?7, finished = ?6, started = coalesce(started, ?6)"
	" WHERE id = ?1 AND state IN ('queued', 'running')";
static const char sql_run_exists[] = "SELECT state FROM runs WHERE id = ?1";
static const char sql_run_kept[] =
	"SELECT CASE ?2 WHEN 1 THEN stdout_kept ELSE stderr_kept END,"
	" (SELECT coalesce(max(seq), 0) FROM run_output"
	"  WHERE run_id = ?1 AND stream = ?2),"
	" (SELECT output_cap FROM jobs WHERE jobs.id = runs.job_id)"
	" FROM runs WHERE id = ?1";
static const char sql_output_insert[] =
	"INSERT INTO run_output (run_id, stream, seq, data)"
	" VALUES (?1, ?2, ?3, ?4)";
static const char sql_out_count[] =
	"UPDATE runs SET stdout_bytes = stdout_bytes + ?2,"
	" stdout_kept = stdout_kept + ?3,"
	" stdout_truncated = stdout_truncated OR ?4 WHERE id = ?1";
static const char sql_err_count[] =
	"UPDATE runs SET stderr_bytes = stderr_bytes + ?2,"
	" stderr_kept = stderr_kept + ?3,"
	" stderr_truncated = stderr_truncated OR ?4 WHERE id = ?1";
static const char sql_runs_interrupt[] =
	"UPDATE runs SET state = 'interrupted', finished = ?1"
	" WHERE state IN ('queued', 'running') AND job_id NOT IN"
	" (SELECT id FROM jobs WHERE state = 'awaiting-approval')";
/* Runs of jobs left running, and runs a job that ended left behind (a
 * finish that failed): only a queued job's runs, and those of a job
 * awaiting approval, wait to start. */
static const char sql_recover_runs[] =
	"UPDATE runs SET state = 'interrupted', finished = ?1"
	" WHERE state IN ('queued', 'running') AND job_id IN"
	" (SELECT id FROM jobs WHERE state NOT IN ('queued',"
	" 'awaiting-approval'))";
static const char sql_recover_jobs[] =
	"UPDATE jobs SET state = 'interrupted', finished = ?1"
	" WHERE state = 'running'";
static const char sql_job_next_queued[] =
	"SELECT id FROM jobs WHERE state = 'queued' ORDER BY id LIMIT 1";
static const char sql_output_prune[] =
	"DELETE FROM run_output WHERE run_id IN (SELECT r.id FROM runs r"
	" JOIN jobs j ON j.id = r.job_id WHERE j.finished IS NOT NULL"
	" AND j.finished < ?1)";
static const char sql_jobs_interrupt[] =
	"UPDATE jobs SET state = 'interrupted', finished = ?1"
	" WHERE state IN ('queued', 'running')";

static int
check_job_spec(const struct store_job_spec *s, struct ops_err *err)
{
	size_t	i, j;
	int	rc;

	if (s->requested_by == NULL || *s->requested_by == '\0')
		return ops_err_set(err, OPS_E_INVAL, "job has no requester");
	if ((rc = store_check_text("job requester", s->requested_by,
	    STORE_USER_MAX, 0, err)) != OPS_OK)
		return rc;
	if (s->automation != NULL) {
		if ((rc = store_check_name("automation", s->automation,
		    err)) != OPS_OK)
			return rc;
		if (s->command != NULL)
			return ops_err_set(err, OPS_E_INVAL,
			    "job names both automation %s and a command",
			    s->automation);
		if (s->version < 0)
			return ops_err_set(err, OPS_E_INVAL,
			    "automation version %d is negative", s->version);
	} else {
		if (s->command == NULL || *s->command == '\0')
			return ops_err_set(err, OPS_E_INVAL,
			    "job has neither automation nor command");
		if ((rc = store_check_text("job command", s->command,
		    STORE_BODY_MAX, 1, err)) != OPS_OK)
			return rc;
	}
	if (s->timeout_ms < 0 || s->forks < 0)
		return ops_err_set(err, OPS_E_INVAL,
		    "job timeout %d ms or forks %d is negative",
		    s->timeout_ms, s->forks);
	if (s->output_cap < 0 || s->connect_timeout_ms < 0)
		return ops_err_set(err, OPS_E_INVAL,
		    "job output cap %lld or connect timeout %d ms is negative",
		    (long long)s->output_cap, s->connect_timeout_ms);
	if (s->script && s->automation != NULL)
		return ops_err_set(err, OPS_E_INVAL,
		    "job names both automation %s and a script",
		    s->automation);
	if (s->ntargets + s->nhosts == 0)
		return ops_err_set(err, OPS_E_INVAL, "job has no targets");
	if (s->ntargets + s->nhosts > JOB_TARGETS_MAX)
		return ops_err_set(err, OPS_E_INVAL,
		    "job has %zu targets, more than %d", s->ntargets +
		    s->nhosts, JOB_TARGETS_MAX);
	for (i = 0; i < s->nhosts; i++) {
		if ((rc = store_check_text("ad-hoc host", s->hosts[i], 255, 0,
		    err)) != OPS_OK)
			return rc;
		if (!adhoc_host_is_name(s->hosts[i]))
			return ops_err_set(err, OPS_E_INVAL, "ad-hoc host %s "
			    "has no port", s->hosts[i]);
		for (j = 0; j < i && s->nhosts <= 256; j++)
			if (strcmp(s->hosts[i], s->hosts[j]) == 0)
				return ops_err_set(err, OPS_E_INVAL,
				    "job lists host %s twice", s->hosts[i]);
	}
	for (i = 0; i < s->ntargets; i++) {
		if ((rc = store_check_name("target", s->targets[i], err)) !=
		    OPS_OK)
			return rc;
		/* Quadratic, so only for small lists; the unique index
		 * on runs (job_id, target_id) catches the rest. */
		for (j = 0; j < i && s->ntargets <= 256; j++)
			if (strcmp(s->targets[i], s->targets[j]) == 0)
				return ops_err_set(err, OPS_E_INVAL,
				    "job lists target %s twice",
				    s->targets[i]);
	}
	return OPS_OK;
}

int
store_job_add(struct store *st, const struct store_job_spec *s, int64_t *id,
    struct ops_err *err)
{
	sqlite3_stmt	*stmt = NULL, *av = NULL;
	int64_t		 job_id = 0, auto_id = 0, target_id;
	int		 rc, version = 0;
	size_t		 i;

	if (id != NULL)
		*id = 0;
	if ((rc = check_job_spec(s, err)) != OPS_OK ||
	    (rc = store_job_become_check(s->become_user, s->become_cred,
	    err)) != OPS_OK)
		return rc;
	if ((rc = store_tx_enter(st, err)) != OPS_OK)
		return rc;
	if ((rc = store_stmt(st, sql_job_insert, &stmt, err)) != OPS_OK)
		goto out;
	if (s->automation != NULL) {
		if ((rc = store_stmt(st, sql_auto_version, &av, err)) != OPS_OK)
			goto out;
		store_bind_text(av, 1, s->automation);
		sqlite3_bind_int(av, 2, s->version);
		if ((rc = sqlite3_step(av)) == SQLITE_DONE) {
			rc = ops_err_set(err, OPS_E_NOTFOUND,
			    "automation %s version %d not found",
			    s->automation, s->version);
			goto out;
		}
		if (rc != SQLITE_ROW) {
			rc = store_dberr(st, rc, err, "read automation %s",
			    s->automation);
			goto out;
		}
		auto_id = sqlite3_column_int64(av, 0);
		version = sqlite3_column_int(av, 1);
		sqlite3_bind_int64(stmt, 1, auto_id);
		store_bind_text(stmt, 2, s->automation);
		sqlite3_bind_int(stmt, 3, version);
		/* The body stays valid until av is reset. */
		sqlite3_bind_text(stmt, 4,
		    (const char *)sqlite3_column_text(av, 2), -1,
		    SQLITE_TRANSIENT);
	} else
		store_bind_text(stmt, 4, s->command);
	store_bind_text(stmt, 5, s->requested_by);
	sqlite3_bind_int64(stmt, 6, store_now_ms());
	store_bind_text(stmt, 7, s->script ? "script" : "command");
	sqlite3_bind_int(stmt, 8, s->timeout_ms);
	sqlite3_bind_int(stmt, 9, s->forks);
	sqlite3_bind_int64(stmt, 10, s->output_cap);
	sqlite3_bind_int(stmt, 11, s->connect_timeout_ms);
	if ((rc = sqlite3_step(stmt)) != SQLITE_DONE) {
		rc = store_dberr(st, rc, err, "add job");
		goto out;
	}
	job_id = sqlite3_last_insert_rowid(st->db);
	store_stmt_done(stmt);
	stmt = NULL;
	if ((rc = store_job_become_add(st, job_id, s->become_user,
	    s->become_cred, err)) != OPS_OK)
		goto out;
	if ((rc = store_stmt(st, sql_run_insert, &stmt, err)) != OPS_OK)
		goto out;
	for (i = 0; i < s->ntargets; i++) {
		if ((rc = store_target_id(st, s->targets[i], &target_id,
		    err)) != OPS_OK)
			goto out;
		sqlite3_bind_int64(stmt, 1, job_id);
		sqlite3_bind_int64(stmt, 2, target_id);
		store_bind_text(stmt, 3, s->targets[i]);
		rc = sqlite3_step(stmt);
		sqlite3_reset(stmt);
		if (rc == SQLITE_CONSTRAINT_UNIQUE) {
			rc = ops_err_set(err, OPS_E_INVAL,
			    "job lists target %s twice", s->targets[i]);
			goto out;
		}
		if (rc != SQLITE_DONE) {
			rc = store_dberr(st, rc, err, "add run on target %s",
			    s->targets[i]);
			goto out;
		}
	}
	for (i = 0; i < s->nhosts; i++) {
		sqlite3_bind_int64(stmt, 1, job_id);
		sqlite3_bind_null(stmt, 2);
		store_bind_text(stmt, 3, s->hosts[i]);
		rc = sqlite3_step(stmt);
		sqlite3_reset(stmt);
		if (rc != SQLITE_DONE) {
			rc = store_dberr(st, rc, err, "add run on host %s",
			    s->hosts[i]);
			goto out;
		}
	}
	rc = OPS_OK;
out:
	store_stmt_done(stmt);
	store_stmt_done(av);
	rc = store_tx_leave(st, rc, err);
	if (rc == OPS_OK && id != NULL)
		*id = job_id;
	return rc;
}

static int
load_job(sqlite3_stmt *stmt, struct store_job *j, struct ops_err *err)
{
	memset(j, 0, sizeof(*j));
	j->id = sqlite3_column_int64(stmt, 0);
	j->automation_id = sqlite3_column_int64(stmt, 1);
	j->version = sqlite3_column_int(stmt, 3);
	if (store_job_state_parse((const char *)sqlite3_column_text(stmt, 6),
	    &j->state) != OPS_OK)
		j->state = 0;
	j->created = sqlite3_column_int64(stmt, 7);
	j->started = sqlite3_column_int64(stmt, 8);
	j->finished = sqlite3_column_int64(stmt, 9);
	j->script = sqlite3_column_text(stmt, 10) != NULL &&
	    strcmp((const char *)sqlite3_column_text(stmt, 10), "script") == 0;
	j->timeout_ms = sqlite3_column_int(stmt, 11);
	j->forks = sqlite3_column_int(stmt, 12);
	j->output_cap = sqlite3_column_int64(stmt, 13);
	j->connect_timeout_ms = sqlite3_column_int(stmt, 14);
	if (store_col_str(stmt, 2, &j->automation) != OPS_OK ||
	    store_col_str(stmt, 4, &j->command) != OPS_OK ||
	    store_col_str(stmt, 5, &j->requested_by) != OPS_OK)
		return ops_err_set(err, OPS_E_NOMEM, "read job");
	return OPS_OK;
}

static void
job_clear(struct store_job *j)
{
	free(j->automation);
	free(j->command);
	free(j->requested_by);
	free(j->become_user);
	free(j->become_cred);
}

int
store_job_get(struct store *st, int64_t id, struct store_job **out,
    struct ops_err *err)
{
	sqlite3_stmt		*stmt = NULL;
	struct store_job	*j;
	int			 rc;

	*out = NULL;
	if ((rc = store_stmt(st, sql_job_get, &stmt, err)) != OPS_OK)
		return rc;
	sqlite3_bind_int64(stmt, 1, id);
	if ((rc = sqlite3_step(stmt)) == SQLITE_DONE)
		rc = ops_err_set(err, OPS_E_NOTFOUND, "job %lld not found",
		    (long long)id);
	else if (rc != SQLITE_ROW)
		rc = store_dberr(st, rc, err, "read job %lld", (long long)id);
	else if ((j = calloc(1, sizeof(*j))) == NULL)
		rc = ops_err_set(err, OPS_E_NOMEM, "read job");
	else if ((rc = load_job(stmt, j, err)) != OPS_OK ||
	    (rc = store_job_become_load(st, j, err)) != OPS_OK)
		store_job_free(j);
	else
		*out = j;
	store_stmt_done(stmt);
	return rc;
}

int
store_job_list(struct store *st, const struct store_job_filter *f,
    struct store_job_list *out, struct ops_err *err)
{
	sqlite3_stmt		*stmt = NULL;
	struct store_job	*v;
	size_t			 cap = 0, i;
	int			 rc;

	out->v = NULL;
	out->n = 0;
	if (f != NULL && f->state != 0 &&
	    (f->state < STORE_JOB_QUEUED || f->state > JOB_STATE_LAST))
		return ops_err_set(err, OPS_E_INVAL, "job state %d unknown",
		    (int)f->state);
	if ((rc = store_stmt(st, f != NULL && f->state != 0 ?
	    sql_job_list_state : sql_job_list, &stmt, err)) != OPS_OK)
		return rc;
	sqlite3_bind_int64(stmt, 1, f != NULL ? f->before_id : 0);
	sqlite3_bind_int64(stmt, 2, f != NULL && f->limit != 0 &&
	    f->limit < INT64_MAX ? (int64_t)f->limit : -1);
	if (f != NULL && f->state != 0)
		store_bind_text(stmt, 3, store_job_state_name(f->state));
	while ((rc = sqlite3_step(stmt)) == SQLITE_ROW) {
		if (out->n == cap) {
			cap = cap == 0 ? 16 : cap * 2;
			if ((v = reallocarray(out->v, cap, sizeof(*v))) ==
			    NULL) {
				rc = ops_err_set(err, OPS_E_NOMEM, "list jobs");
				goto out;
			}
			out->v = v;
		}
		if ((rc = load_job(stmt, &out->v[out->n++], err)) != OPS_OK)
			goto out;
	}
	rc = rc == SQLITE_DONE ? OPS_OK : store_dberr(st, rc, err,
	    "list jobs");
	store_stmt_done(stmt);
	stmt = NULL;
	for (i = 0; rc == OPS_OK && i < out->n; i++)
		rc = store_job_become_load(st, &out->v[i], err);
out:
	store_stmt_done(stmt);
	if (rc != OPS_OK)
		store_job_list_free(out);
	return rc;
}

int
store_job_set_state(struct store *st, int64_t id, enum store_job_state state,
    struct ops_err *err)
{
	sqlite3_stmt	*stmt = NULL;
	int		 rc;

	if (state < STORE_JOB_QUEUED || state > JOB_STATE_LAST)
		return ops_err_set(err, OPS_E_INVAL, "job state %d unknown",
		    (int)state);
	if ((rc = store_tx_enter(st, err)) != OPS_OK)
		return rc;
	if ((rc = store_stmt(st, sql_job_state, &stmt, err)) != OPS_OK)
		goto out;
	sqlite3_bind_int64(stmt, 1, id);
	store_bind_text(stmt, 2, store_job_state_name(state));
	sqlite3_bind_int64(stmt, 3, store_now_ms());
	if ((rc = sqlite3_step(stmt)) != SQLITE_DONE)
		rc = store_dberr(st, rc, err, "set state of job %lld",
		    (long long)id);
	else if (sqlite3_changes(st->db) == 0)
		rc = ops_err_set(err, OPS_E_NOTFOUND, "job %lld not found",
		    (long long)id);
	else
		rc = OPS_OK;
out:
	store_stmt_done(stmt);
	return store_tx_leave(st, rc, err);
}

int
store_job_delete(struct store *st, int64_t id, struct ops_err *err)
{
	sqlite3_stmt	*stmt = NULL;
	int		 rc;

	if ((rc = store_tx_enter(st, err)) != OPS_OK)
		return rc;
	if ((rc = store_stmt(st, sql_job_delete, &stmt, err)) != OPS_OK)
		goto out;
	sqlite3_bind_int64(stmt, 1, id);
	if ((rc = sqlite3_step(stmt)) != SQLITE_DONE)
		rc = store_dberr(st, rc, err, "delete job %lld", (long long)id);
	else if (sqlite3_changes(st->db) == 0)
		rc = ops_err_set(err, OPS_E_NOTFOUND, "job %lld not found",
		    (long long)id);
	else
		rc = OPS_OK;
out:
	store_stmt_done(stmt);
	return store_tx_leave(st, rc, err);
}

void
store_job_free(struct store_job *j)
{
	if (j == NULL)
		return;
	job_clear(j);
	free(j);
}

void
store_job_list_free(struct store_job_list *l)
{
	size_t	i;

	if (l == NULL)
		return;
	for (i = 0; i < l->n; i++)
		job_clear(&l->v[i]);
	free(l->v);
	l->v = NULL;
	l->n = 0;
}

/* Concatenate the chunks of one stream. */
static int
load_output(struct store *st, int64_t run_id, int stream, unsigned char **out,
    size_t *len, struct ops_err *err)
{
	sqlite3_stmt	*stmt = NULL;
	unsigned char	*buf = NULL, *nb;
	size_t		 n = 0;
	int		 rc, dl;

	*out = NULL;
	*len = 0;
	if ((rc = store_stmt(st, sql_run_output, &stmt, err)) != OPS_OK)
		return rc;
	sqlite3_bind_int64(stmt, 1, run_id);
	sqlite3_bind_int(stmt, 2, stream);
	while ((rc = sqlite3_step(stmt)) == SQLITE_ROW) {
		dl = sqlite3_column_bytes(stmt, 0);
		if ((nb = realloc(buf, n + (size_t)dl + 1)) == NULL) {
			rc = ops_err_set(err, OPS_E_NOMEM, "read run output");
			goto out;
		}
		buf = nb;
		if (dl > 0)
			memcpy(buf + n, sqlite3_column_blob(stmt, 0), dl);
		n += (size_t)dl;
	}
	rc = rc == SQLITE_DONE ? OPS_OK : store_dberr(st, rc, err,
	    "read output of run %lld", (long long)run_id);
out:
	store_stmt_done(stmt);
	if (rc != OPS_OK) {
		free(buf);
		return rc;
	}
	if (buf == NULL && (buf = malloc(1)) == NULL)
		return ops_err_set(err, OPS_E_NOMEM, "read run output");
	buf[n] = '\0';		/* convenience for text output */
	*out = buf;
	*len = n;
	return OPS_OK;
}

static int
load_run(struct store *st, sqlite3_stmt *stmt, struct store_run *r,
    int with_output, struct ops_err *err)
{
	int	rc;

	memset(r, 0, sizeof(*r));
	r->id = sqlite3_column_int64(stmt, 0);
	r->job_id = sqlite3_column_int64(stmt, 1);
	r->target_id = sqlite3_column_int64(stmt, 2);
	if (store_run_state_parse((const char *)sqlite3_column_text(stmt, 4),
	    &r->state) != OPS_OK)
		r->state = 0;
	r->exit_status = sqlite3_column_type(stmt, 5) == SQLITE_NULL ? -1 :
	    sqlite3_column_int(stmt, 5);
	r->signal = sqlite3_column_int(stmt, 6);
	r->started = sqlite3_column_int64(stmt, 8);
	r->finished = sqlite3_column_int64(stmt, 9);
	r->out_bytes = sqlite3_column_int64(stmt, 10);
	r->err_bytes = sqlite3_column_int64(stmt, 11);
	r->out_truncated = sqlite3_column_int(stmt, 12);
	r->err_truncated = sqlite3_column_int(stmt, 13);
	/* A class this build does not know reads as none. */
	if (run_class_parse((const char *)sqlite3_column_text(stmt, 14),
	    &r->cls) != OPS_OK)
		r->cls = RUN_CLASS_NONE;
	r->out_kept = sqlite3_column_int64(stmt, 15);
	r->err_kept = sqlite3_column_int64(stmt, 16);
	if (store_col_str(stmt, 3, &r->target) != OPS_OK ||
	    store_col_str(stmt, 7, &r->error) != OPS_OK)
		return ops_err_set(err, OPS_E_NOMEM, "read run");
	if (!with_output)
		return OPS_OK;
	if ((rc = load_output(st, r->id, STORE_STDOUT, &r->out, &r->out_len,
	    err)) != OPS_OK)
		return rc;
	return load_output(st, r->id, STORE_STDERR, &r->errout,
	    &r->errout_len, err);
}

static void
run_clear(struct store_run *r)
{
	free(r->target);
	free(r->error);
	free(r->out);
	free(r->errout);
}

int
store_run_list(struct store *st, int64_t job_id, int with_output,
    struct store_run_list *out, struct ops_err *err)
{
	sqlite3_stmt		*stmt = NULL;
	struct store_run	*v;
	size_t			 cap = 0;
	int			 rc;

	out->v = NULL;
	out->n = 0;
	if ((rc = store_stmt(st, sql_run_list, &stmt, err)) != OPS_OK)
		return rc;
	sqlite3_bind_int64(stmt, 1, job_id);
	while ((rc = sqlite3_step(stmt)) == SQLITE_ROW) {
		if (out->n == cap) {
			cap = cap == 0 ? 8 : cap * 2;
			if ((v = reallocarray(out->v, cap, sizeof(*v))) ==
			    NULL) {
				rc = ops_err_set(err, OPS_E_NOMEM, "list runs");
				goto out;
			}
			out->v = v;
		}
		if ((rc = load_run(st, stmt, &out->v[out->n++], with_output,
		    err)) != OPS_OK)
			goto out;
	}
	rc = rc == SQLITE_DONE ? OPS_OK : store_dberr(st, rc, err,
	    "list runs of job %lld", (long long)job_id);
out:
	store_stmt_done(stmt);
	if (rc != OPS_OK)
		store_run_list_free(out);
	return rc;
}

int
store_run_get(struct store *st, int64_t run_id, struct store_run **out,
    struct ops_err *err)
{
	sqlite3_stmt		*stmt = NULL;
	struct store_run	*r = NULL;
	int			 rc;

	*out = NULL;
	if ((rc = store_stmt(st, sql_run_get, &stmt, err)) != OPS_OK)
		return rc;
	sqlite3_bind_int64(stmt, 1, run_id);
	if ((rc = sqlite3_step(stmt)) == SQLITE_DONE)
		rc = ops_err_set(err, OPS_E_NOTFOUND, "run %lld not found",
		    (long long)run_id);
	else if (rc != SQLITE_ROW)
		rc = store_dberr(st, rc, err, "read run %lld",
		    (long long)run_id);
	else if ((r = calloc(1, sizeof(*r))) == NULL)
		rc = ops_err_set(err, OPS_E_NOMEM, "read run");
	else if ((rc = load_run(st, stmt, r, 1, err)) != OPS_OK)
		store_run_free(r);
	else
		*out = r;
	store_stmt_done(stmt);
	return rc;
}

/* Explain why a run update changed nothing. */
static int
run_unchanged(struct store *st, int64_t run_id, const char *what,
    struct ops_err *err)
{
	sqlite3_stmt	*stmt = NULL;
	int		 rc;

	if ((rc = store_stmt(st, sql_run_exists, &stmt, err)) != OPS_OK)
		return rc;
	sqlite3_bind_int64(stmt, 1, run_id);
	if ((rc = sqlite3_step(stmt)) == SQLITE_ROW)
		rc = ops_err_set(err, OPS_E_INVAL, "%s run %lld: it is %s",
		    what, (long long)run_id, sqlite3_column_text(stmt, 0));
	else if (rc == SQLITE_DONE)
		rc = ops_err_set(err, OPS_E_NOTFOUND, "run %lld not found",
		    (long long)run_id);
	else
		rc = store_dberr(st, rc, err, "read run %lld",
		    (long long)run_id);
	store_stmt_done(stmt);
	return rc;
}

int
store_run_start(struct store *st, int64_t run_id, struct ops_err *err)
{
	sqlite3_stmt	*stmt = NULL;
	int		 rc;

	if ((rc = store_tx_enter(st, err)) != OPS_OK)
		return rc;
	if ((rc = store_stmt(st, sql_run_start, &stmt, err)) != OPS_OK)
		goto out;
	sqlite3_bind_int64(stmt, 1, run_id);
	sqlite3_bind_int64(stmt, 2, store_now_ms());
	if ((rc = sqlite3_step(stmt)) != SQLITE_DONE)
		rc = store_dberr(st, rc, err, "start run %lld",
		    (long long)run_id);
	else if (sqlite3_changes(st->db) == 0)
		rc = run_unchanged(st, run_id, "start", err);
	else
		rc = OPS_OK;
out:
	store_stmt_done(stmt);
	return store_tx_leave(st, rc, err);
}

/*
 * A finish whose exit status or signal is out of range (a target can
 * send any number) still ends the run: as an error that says so (in
 * text). 1 when it did.
 */
static int
finish_out_of_range(enum store_run_state *state, int *exit_status,
    int *signal, char *text, size_t len)
{
	if (*exit_status >= -1 && *exit_status <= 255 && *signal >= 0 &&
	    *signal <= 128)
		return 0;
	snprintf(text, len, "exit status %d or signal %d out of range",
	    *exit_status, *signal);
	*state = STORE_RUN_ERROR;
	*exit_status = -1;
	*signal = 0;
	return 1;
}

int
store_run_finish(struct store *st, int64_t run_id, enum run_state state,
    int exit_status, int signal, const char *error, struct ops_err *err)
{
	return store_run_finish_class(st, run_id, state, RUN_CLASS_NONE,
	    exit_status, signal, error, err);
}

int
store_run_finish_class(struct store *st, int64_t run_id,
    enum run_state state, enum run_class cls, int exit_status, int signal,
    const char *error, struct ops_err *err)
{
	sqlite3_stmt	*stmt = NULL;
	char		 text[RUN_ERROR_MAX + 1];
	int		 rc;

	if (state < RUN_STATE_OK || state > RUN_STATE_INTERRUPTED)
		return ops_err_set(err, OPS_E_INVAL,
		    "finish run %lld: state %s is not final",
		    (long long)run_id, run_state_name(state));
	if (strcmp(run_class_name(cls), "unknown") == 0)
		return ops_err_set(err, OPS_E_INVAL,
		    "finish run %lld: unknown error class %d",
		    (long long)run_id, (int)cls);
	/* Escaped and cut to fit rather than refused. */
	if (finish_out_of_range(&state, &exit_status, &signal, text,
	    sizeof(text))) {
		error = text;
		cls = RUN_CLASS_NONE;
	} else if (error != NULL) {
		(void)termsafe_escape(error, strlen(error), TERMSAFE_LF, text,
		    sizeof(text));
		error = text;
	}
	if ((rc = store_tx_enter(st, err)) != OPS_OK)
		return rc;
	if ((rc = store_stmt(st, sql_run_finish, &stmt, err)) != OPS_OK)
		goto out;
	sqlite3_bind_int64(stmt, 1, run_id);
	store_bind_text(stmt, 2, store_run_state_name(state));
	if (exit_status >= 0)
		sqlite3_bind_int(stmt, 3, exit_status);
	if (signal > 0)
		sqlite3_bind_int(stmt, 4, signal);
	store_bind_text(stmt, 5, error);
	sqlite3_bind_int64(stmt, 6, store_now_ms());
	store_bind_text(stmt, 7, cls != RUN_CLASS_NONE ? run_class_name(cls) :
	    NULL);
	if ((rc = sqlite3_step(stmt)) != SQLITE_DONE)
		rc = store_dberr(st, rc, err, "finish run %lld",
		    (long long)run_id);
	else if (sqlite3_changes(st->db) == 0)
		rc = run_unchanged(st, run_id, "finish", err);
	else
		rc = OPS_OK;
out:
	store_stmt_done(stmt);
	return store_tx_leave(st, rc, err);
}

int
store_run_append_output(struct store *st, int64_t run_id,
    enum store_stream stream, const void *p, size_t len, struct ops_err *err)
{
	sqlite3_stmt	*stmt = NULL;
	int64_t		 kept, seq, cap;
	size_t		 take;
	int		 rc;

	if (stream != STORE_STDOUT && stream != STORE_STDERR)
		return ops_err_set(err, OPS_E_INVAL,
		    "append run output: stream %d unknown", (int)stream);
	if (len > INT_MAX)
		return ops_err_set(err, OPS_E_TOOBIG,
		    "append run output: %zu bytes at once", len);
	if ((rc = store_tx_enter(st, err)) != OPS_OK)
		return rc;
	if ((rc = store_stmt(st, sql_run_kept, &stmt, err)) != OPS_OK)
		goto out;
	sqlite3_bind_int64(stmt, 1, run_id);
	sqlite3_bind_int(stmt, 2, stream);
	if ((rc = sqlite3_step(stmt)) == SQLITE_DONE) {
		rc = ops_err_set(err, OPS_E_NOTFOUND, "run %lld not found",
		    (long long)run_id);
		goto out;
	}
	if (rc != SQLITE_ROW) {
		rc = store_dberr(st, rc, err, "append output to run %lld",
		    (long long)run_id);
		goto out;
	}
	kept = sqlite3_column_int64(stmt, 0);
	seq = sqlite3_column_int64(stmt, 1) + 1;
	/* The job's own cap (run --output-cap), else the store's. */
	if ((cap = sqlite3_column_int64(stmt, 2)) <= 0)
		cap = (int64_t)st->output_cap;
	store_stmt_done(stmt);
	stmt = NULL;
	take = kept >= cap ? 0 : (size_t)(cap - kept);
	if (take > len)
		take = len;
	if (take > 0) {
		if ((rc = store_stmt(st, sql_output_insert, &stmt, err)) !=
		    OPS_OK)
			goto out;
		sqlite3_bind_int64(stmt, 1, run_id);
		sqlite3_bind_int(stmt, 2, stream);
		sqlite3_bind_int64(stmt, 3, seq);
		sqlite3_bind_blob(stmt, 4, p, (int)take, SQLITE_STATIC);
		if ((rc = sqlite3_step(stmt)) != SQLITE_DONE) {
			rc = store_dberr(st, rc, err,
			    "append output to run %lld", (long long)run_id);
			goto out;
		}
		store_stmt_done(stmt);
		stmt = NULL;
	}
	if ((rc = store_stmt(st, stream == STORE_STDOUT ? sql_out_count :
	    sql_err_count, &stmt, err)) != OPS_OK)
		goto out;
	sqlite3_bind_int64(stmt, 1, run_id);
	sqlite3_bind_int64(stmt, 2, (int64_t)len);
	sqlite3_bind_int64(stmt, 3, (int64_t)take);
	sqlite3_bind_int(stmt, 4, take < len);
	if ((rc = sqlite3_step(stmt)) != SQLITE_DONE)
		rc = store_dberr(st, rc, err, "append output to run %lld",
		    (long long)run_id);
	else
		rc = OPS_OK;
out:
	store_stmt_done(stmt);
	return store_tx_leave(st, rc, err);
}

/* Run two interrupting statements (runs, then jobs) in one transaction. */
static int
interrupt_rows(struct store *st, const char *sql_runs, const char *sql_jobs,
    int64_t *nruns, struct ops_err *err)
{
	sqlite3_stmt	*stmt = NULL;
	int64_t		 now = store_now_ms(), n = 0;
	int		 rc;

	if (nruns != NULL)
		*nruns = 0;
	if ((rc = store_tx_enter(st, err)) != OPS_OK)
		return rc;
	if ((rc = store_stmt(st, sql_runs, &stmt, err)) != OPS_OK)
		goto out;
	sqlite3_bind_int64(stmt, 1, now);
	if ((rc = sqlite3_step(stmt)) != SQLITE_DONE) {
		rc = store_dberr(st, rc, err, "mark runs interrupted");
		goto out;
	}
	n = sqlite3_changes64(st->db);
	store_stmt_done(stmt);
	if ((rc = store_stmt(st, sql_jobs, &stmt, err)) != OPS_OK)
		goto out;
	sqlite3_bind_int64(stmt, 1, now);
	if ((rc = sqlite3_step(stmt)) != SQLITE_DONE)
		rc = store_dberr(st, rc, err, "mark jobs interrupted");
	else
		rc = OPS_OK;
out:
	store_stmt_done(stmt);
	rc = store_tx_leave(st, rc, err);
	if (rc == OPS_OK && nruns != NULL)
		*nruns = n;
	return rc;
}

int
store_runs_mark_interrupted(struct store *st, int64_t *nruns,
    struct ops_err *err)
{
	return interrupt_rows(st, sql_runs_interrupt, sql_jobs_interrupt,
	    nruns, err);
}

int
store_jobs_recover(struct store *st, int64_t *nruns, struct ops_err *err)
{
	return interrupt_rows(st, sql_recover_runs, sql_recover_jobs, nruns,
	    err);
}

int
store_job_next_queued(struct store *st, int64_t *id, struct ops_err *err)
{
	sqlite3_stmt	*stmt = NULL;
	int		 rc;

	*id = 0;
	if ((rc = store_stmt(st, sql_job_next_queued, &stmt, err)) != OPS_OK)
		return rc;
	if ((rc = sqlite3_step(stmt)) == SQLITE_ROW) {
		*id = sqlite3_column_int64(stmt, 0);
		rc = OPS_OK;
	} else if (rc == SQLITE_DONE)
		rc = OPS_OK;
	else
		rc = store_dberr(st, rc, err, "find the next queued job");
	store_stmt_done(stmt);
	return rc;
}

int
store_output_prune(struct store *st, int64_t before, int64_t *nchunks,
    struct ops_err *err)
{
	sqlite3_stmt	*stmt = NULL;
	int64_t		 n = 0;
	int		 rc;

	if (nchunks != NULL)
		*nchunks = 0;
	if ((rc = store_tx_enter(st, err)) != OPS_OK)
		return rc;
	if ((rc = store_stmt(st, sql_output_prune, &stmt, err)) != OPS_OK)
		goto out;
	sqlite3_bind_int64(stmt, 1, before);
	if ((rc = sqlite3_step(stmt)) != SQLITE_DONE)
		rc = store_dberr(st, rc, err, "prune old job output");
	else {
		n = sqlite3_changes64(st->db);
		rc = OPS_OK;
	}
out:
	store_stmt_done(stmt);
	rc = store_tx_leave(st, rc, err);
	if (rc == OPS_OK && nchunks != NULL)
		*nchunks = n;
	return rc;
}

void
store_run_free(struct store_run *r)
{
	if (r == NULL)
		return;
	run_clear(r);
	free(r);
}

void
store_run_list_free(struct store_run_list *l)
{
	size_t	i;

	if (l == NULL)
		return;
	for (i = 0; i < l->n; i++)
		run_clear(&l->v[i]);
	free(l->v);
	l->v = NULL;
	l->n = 0;
}

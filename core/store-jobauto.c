/*
 * store-jobauto.c: what an automation job keeps besides its job and runs
 * rows (store.h, "store-jobauto.c"): the pinned automation, parameter
 * values (secrets sealed), each run's batch and each step's state.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "seal.h"
#include "store-int.h"

static const char sql_job_auto[] =
	"UPDATE jobs SET automation_id = ?2, automation_name = ?3,"
	" automation_version = ?4 WHERE id = ?1";
static const char sql_param_add[] =
	"INSERT INTO job_params (job_id, idx, name, value, sealed, owner)"
	" VALUES (?1, ?2, ?3, ?4, ?5, ?6)";
static const char sql_param_get[] =
	"SELECT name, value, sealed, owner FROM job_params WHERE job_id = ?1"
	" ORDER BY idx";
static const char sql_run_auto_add[] =
	"INSERT INTO run_auto (run_id, batch) VALUES (?1, ?2)";
static const char sql_step_add[] =
	"INSERT INTO run_steps (run_id, idx, name, state)"
	" VALUES (?1, ?2, ?3, 'queued')";
static const char sql_step_set[] =
	"UPDATE run_steps SET state = ?3,"
	" exit_status = CASE WHEN ?4 >= 0 THEN ?4 ELSE exit_status END,"
	" error = ?5,"
	" started = CASE WHEN ?3 = 'running' THEN ?6 ELSE started END,"
	" finished = CASE WHEN ?3 IN ('ok', 'failed', 'skipped') THEN ?6"
	"  ELSE finished END"
	" WHERE run_id = ?1 AND idx = ?2";
static const char sql_steps_get[] =
	"SELECT s.run_id, s.idx, s.name, s.state, s.exit_status, s.started,"
	" s.finished, s.error FROM run_steps s JOIN runs r ON r.id = s.run_id"
	" WHERE r.job_id = ?1 ORDER BY s.run_id, s.idx";
static const char sql_auto_get[] =
	"SELECT a.run_id, a.batch, a.skipped FROM run_auto a"
	" JOIN runs r ON r.id = a.run_id WHERE r.job_id = ?1 ORDER BY a.run_id";
static const char sql_steps_recover_running[] =
	"UPDATE run_steps SET state = 'failed', error = 'interrupted',"
	" finished = ?1 WHERE state = 'running' AND run_id IN"
	" (SELECT id FROM runs WHERE state NOT IN ('queued', 'running'))";
static const char sql_steps_recover_queued[] =
	"UPDATE run_steps SET state = 'skipped', finished = ?1"
	" WHERE state = 'queued' AND run_id IN"
	" (SELECT id FROM runs WHERE state NOT IN ('queued', 'running'))";
static const char sql_skip_run[] =
	"UPDATE run_auto SET skipped = 1 WHERE run_id = ?1";
static const char sql_skip_steps[] =
	"UPDATE run_steps SET state = 'skipped', finished = ?2"
	" WHERE run_id = ?1 AND state = 'queued'";

/* One statement with (int64, int64/int, text...) bound by the caller:
 * step it to done. */
static int
step_done(struct store *st, sqlite3_stmt *stmt, const char *what,
    struct ops_err *err)
{
	int	rc = sqlite3_step(stmt);

	if (rc != SQLITE_DONE)
		return store_dberr(st, rc, err, "%s", what);
	return OPS_OK;
}

int
store_job_auto_set(struct store *st, int64_t job, int64_t automation_id,
    const char *name, int version, struct ops_err *err)
{
	sqlite3_stmt	*stmt = NULL;
	int		 rc;

	if ((rc = store_check_name("automation", name, err)) != OPS_OK)
		return rc;
	if ((rc = store_tx_enter(st, err)) != OPS_OK)
		return rc;
	if ((rc = store_stmt(st, sql_job_auto, &stmt, err)) == OPS_OK) {
		sqlite3_bind_int64(stmt, 1, job);
		sqlite3_bind_int64(stmt, 2, automation_id);
		store_bind_text(stmt, 3, name);
		sqlite3_bind_int(stmt, 4, version);
		rc = step_done(st, stmt, "pin the automation of a job", err);
		store_stmt_done(stmt);
	}
	return store_tx_leave(st, rc, err);
}

static void
owner_id(char out[33])
{
	unsigned char	b[16];
	size_t		i;

	randombytes_buf(b, sizeof(b));
	for (i = 0; i < sizeof(b); i++)
		snprintf(out + 2 * i, 3, "%02x", b[i]);
}

int
store_job_params_add(struct store *st, int64_t job,
    const struct store_param_spec *v, size_t n, struct ops_err *err)
{
	return store_params_put(st, sql_param_add, job, v, n, err);
}

/* The values v (secrets sealed) as rows (id, idx, name, value, sealed,
 * owner) through insert: a job's or a schedule's (store-schedules.c). */
int
store_params_put(struct store *st, const char *insert, int64_t job,
    const struct store_param_spec *v, size_t n, struct ops_err *err)
{
	sqlite3_stmt	*stmt = NULL;
	unsigned char	*blob = NULL;
	size_t		 blen = 0, i;
	char		 owner[33];
	int		 rc;

	if ((rc = store_tx_enter(st, err)) != OPS_OK)
		return rc;
	for (i = 0; i < n && rc == OPS_OK; i++) {
		if ((rc = store_check_text("parameter name", v[i].name, 64, 0,
		    err)) != OPS_OK)
			break;
		if (v[i].secret != NULL) {
			owner_id(owner);
			if ((rc = seal_secret(st->kr, owner, v[i].name,
			    v[i].secret, &blob, &blen, err)) != OPS_OK)
				break;
		}
		if ((rc = store_stmt(st, insert, &stmt, err)) != OPS_OK)
			break;
		sqlite3_bind_int64(stmt, 1, job);
		sqlite3_bind_int64(stmt, 2, (int64_t)i);
		store_bind_text(stmt, 3, v[i].name);
		store_bind_text(stmt, 4, v[i].secret != NULL ? NULL :
		    v[i].value);
		if (blob != NULL) {
			sqlite3_bind_blob(stmt, 5, blob, (int)blen,
			    SQLITE_STATIC);
			store_bind_text(stmt, 6, owner);
		}
		rc = step_done(st, stmt, "store the parameters of a job", err);
		store_stmt_done(stmt);
		free(blob);
		blob = NULL;
	}
	free(blob);
	return store_tx_leave(st, rc, err);
}

static void
param_clear(struct store_job_param *p)
{
	free(p->name);
	if (p->value != NULL) {
		sodium_memzero(p->value, strlen(p->value));
		free(p->value);
	}
	secret_free(p->sealed_value);
	memset(p, 0, sizeof(*p));
}

void
store_job_param_list_free(struct store_job_param_list *l)
{
	size_t	i;

	if (l == NULL)
		return;
	for (i = 0; i < l->n; i++)
		param_clear(&l->v[i]);
	free(l->v);
	l->v = NULL;
	l->n = 0;
}

int
store_job_params_get(struct store *st, int64_t job, int open,
    struct store_job_param_list *out, struct ops_err *err)
{
	return store_params_get(st, sql_param_get, job, open, out, err);
}

/* The rows select (name, value, sealed, owner of id ?1) gives. */
int
store_params_get(struct store *st, const char *select, int64_t job,
    int open, struct store_job_param_list *out, struct ops_err *err)
{
	sqlite3_stmt		*stmt = NULL;
	struct store_job_param	*p, *nv;
	int			 rc;

	out->v = NULL;
	out->n = 0;
	if ((rc = store_stmt(st, select, &stmt, err)) != OPS_OK)
		return rc;
	sqlite3_bind_int64(stmt, 1, job);
	while ((rc = sqlite3_step(stmt)) == SQLITE_ROW) {
		if ((nv = reallocarray(out->v, out->n + 1,
		    sizeof(*nv))) == NULL) {
			rc = ops_err_set(err, OPS_E_NOMEM, "read parameters");
			goto out;
		}
		out->v = nv;
		p = &out->v[out->n++];
		memset(p, 0, sizeof(*p));
		p->secret = sqlite3_column_type(stmt, 2) != SQLITE_NULL;
		if (store_col_str(stmt, 0, &p->name) != OPS_OK ||
		    store_col_str(stmt, 1, &p->value) != OPS_OK) {
			rc = ops_err_set(err, OPS_E_NOMEM, "read parameters");
			goto out;
		}
		if (p->secret && open && (rc = seal_open(st->kr,
		    (const char *)sqlite3_column_text(stmt, 3), p->name,
		    sqlite3_column_blob(stmt, 2),
		    (size_t)sqlite3_column_bytes(stmt, 2), &p->sealed_value,
		    err)) != OPS_OK)
			goto out;
	}
	rc = rc == SQLITE_DONE ? OPS_OK : store_dberr(st, rc, err,
	    "read the parameters of %lld", (long long)job);
out:
	store_stmt_done(stmt);
	if (rc != OPS_OK)
		store_job_param_list_free(out);
	return rc;
}

int
store_run_auto_add(struct store *st, int64_t run_id, int batch,
    const char *const *steps, size_t nsteps, struct ops_err *err)
{
	sqlite3_stmt	*stmt = NULL;
	size_t		 i;
	int		 rc;

	if ((rc = store_tx_enter(st, err)) != OPS_OK)
		return rc;
	if ((rc = store_stmt(st, sql_run_auto_add, &stmt, err)) == OPS_OK) {
		sqlite3_bind_int64(stmt, 1, run_id);
		sqlite3_bind_int(stmt, 2, batch);
		rc = step_done(st, stmt, "store a run's batch", err);
		store_stmt_done(stmt);
	}
	for (i = 0; i < nsteps && rc == OPS_OK; i++) {
		if ((rc = store_stmt(st, sql_step_add, &stmt, err)) != OPS_OK)
			break;
		sqlite3_bind_int64(stmt, 1, run_id);
		sqlite3_bind_int(stmt, 2, (int)i);
		store_bind_text(stmt, 3, steps[i]);
		rc = step_done(st, stmt, "store a run's steps", err);
		store_stmt_done(stmt);
	}
	return store_tx_leave(st, rc, err);
}

int
store_run_step_set(struct store *st, int64_t run_id, int idx,
    const char *state, int exit_status, const char *error,
    struct ops_err *err)
{
	sqlite3_stmt	*stmt = NULL;
	int		 rc;

	if ((rc = store_stmt(st, sql_step_set, &stmt, err)) != OPS_OK)
		return rc;
	sqlite3_bind_int64(stmt, 1, run_id);
	sqlite3_bind_int(stmt, 2, idx);
	store_bind_text(stmt, 3, state);
	sqlite3_bind_int(stmt, 4, exit_status);
	store_bind_text(stmt, 5, error);
	sqlite3_bind_int64(stmt, 6, store_now_ms());
	rc = step_done(st, stmt, "record a step's state", err);
	store_stmt_done(stmt);
	return rc;
}

void
store_run_step_list_free(struct store_run_step_list *l)
{
	size_t	i;

	if (l == NULL)
		return;
	for (i = 0; i < l->n; i++) {
		free(l->v[i].name);
		free(l->v[i].state);
		free(l->v[i].error);
	}
	free(l->v);
	l->v = NULL;
	l->n = 0;
}

int
store_run_steps_get(struct store *st, int64_t job,
    struct store_run_step_list *out, struct ops_err *err)
{
	sqlite3_stmt		*stmt = NULL;
	struct store_run_step	*s, *nv;
	int			 rc;

	out->v = NULL;
	out->n = 0;
	if ((rc = store_stmt(st, sql_steps_get, &stmt, err)) != OPS_OK)
		return rc;
	sqlite3_bind_int64(stmt, 1, job);
	while ((rc = sqlite3_step(stmt)) == SQLITE_ROW) {
		if ((nv = reallocarray(out->v, out->n + 1,
		    sizeof(*nv))) == NULL) {
			rc = ops_err_set(err, OPS_E_NOMEM, "read steps");
			goto out;
		}
		out->v = nv;
		s = &out->v[out->n++];
		memset(s, 0, sizeof(*s));
		s->run_id = sqlite3_column_int64(stmt, 0);
		s->idx = sqlite3_column_int(stmt, 1);
		s->exit_status = sqlite3_column_type(stmt, 4) == SQLITE_NULL ?
		    -1 : sqlite3_column_int(stmt, 4);
		s->started = sqlite3_column_int64(stmt, 5);
		s->finished = sqlite3_column_int64(stmt, 6);
		if (store_col_str(stmt, 2, &s->name) != OPS_OK ||
		    store_col_str(stmt, 3, &s->state) != OPS_OK ||
		    store_col_str(stmt, 7, &s->error) != OPS_OK) {
			rc = ops_err_set(err, OPS_E_NOMEM, "read steps");
			goto out;
		}
	}
	rc = rc == SQLITE_DONE ? OPS_OK : store_dberr(st, rc, err,
	    "read the steps of job %lld", (long long)job);
out:
	store_stmt_done(stmt);
	if (rc != OPS_OK)
		store_run_step_list_free(out);
	return rc;
}

void
store_run_auto_list_free(struct store_run_auto_list *l)
{
	if (l == NULL)
		return;
	free(l->v);
	l->v = NULL;
	l->n = 0;
}

int
store_run_auto_get(struct store *st, int64_t job,
    struct store_run_auto_list *out, struct ops_err *err)
{
	sqlite3_stmt		*stmt = NULL;
	struct store_run_auto	*nv;
	int			 rc;

	out->v = NULL;
	out->n = 0;
	if ((rc = store_stmt(st, sql_auto_get, &stmt, err)) != OPS_OK)
		return rc;
	sqlite3_bind_int64(stmt, 1, job);
	while ((rc = sqlite3_step(stmt)) == SQLITE_ROW) {
		if ((nv = reallocarray(out->v, out->n + 1,
		    sizeof(*nv))) == NULL) {
			rc = ops_err_set(err, OPS_E_NOMEM, "read batches");
			goto out;
		}
		out->v = nv;
		nv[out->n].run_id = sqlite3_column_int64(stmt, 0);
		nv[out->n].batch = sqlite3_column_int(stmt, 1);
		nv[out->n].skipped = sqlite3_column_int(stmt, 2);
		out->n++;
	}
	rc = rc == SQLITE_DONE ? OPS_OK : store_dberr(st, rc, err,
	    "read the batches of job %lld", (long long)job);
out:
	store_stmt_done(stmt);
	if (rc != OPS_OK)
		store_run_auto_list_free(out);
	return rc;
}

int
store_run_steps_recover(struct store *st, struct ops_err *err)
{
	sqlite3_stmt	*stmt = NULL;
	const char	*sql[2] = { sql_steps_recover_running,
			    sql_steps_recover_queued };
	int		 i, rc;

	if ((rc = store_tx_enter(st, err)) != OPS_OK)
		return rc;
	for (i = 0; i < 2 && rc == OPS_OK; i++) {
		if ((rc = store_stmt(st, sql[i], &stmt, err)) != OPS_OK)
			break;
		sqlite3_bind_int64(stmt, 1, store_now_ms());
		rc = step_done(st, stmt, "recover the steps of ended runs",
		    err);
		store_stmt_done(stmt);
	}
	return store_tx_leave(st, rc, err);
}

int
store_run_skip(struct store *st, int64_t run_id, struct ops_err *err)
{
	sqlite3_stmt	*stmt = NULL;
	int		 rc;

	if ((rc = store_tx_enter(st, err)) != OPS_OK)
		return rc;
	if ((rc = store_stmt(st, sql_skip_run, &stmt,
	    err)) == OPS_OK) {
		sqlite3_bind_int64(stmt, 1, run_id);
		rc = step_done(st, stmt, "skip a run", err);
		store_stmt_done(stmt);
	}
	if (rc == OPS_OK && (rc = store_stmt(st, sql_skip_steps, &stmt,
	    err)) == OPS_OK) {
		sqlite3_bind_int64(stmt, 1, run_id);
		sqlite3_bind_int64(stmt, 2, store_now_ms());
		rc = step_done(st, stmt, "skip a run's steps", err);
		store_stmt_done(stmt);
	}
	return store_tx_leave(st, rc, err);
}

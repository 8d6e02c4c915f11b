/*
 * store-schedules.c: schedules, their sealed parameter values and their
 * bounded history of fire times (store.h, "store-schedules.c").
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "store-int.h"

#define COLS \
	"id, name, automation, selectors, kind, spec, tz, missed, overlap," \
	" every_ms, jitter_ms, until, max_runs, runs, paused, last_fire," \
	" next_fire, last_job, created, actor, uid, gid"

static const char sql_add[] =
	"INSERT INTO schedules (name, automation, selectors, kind, spec, tz,"
	" missed, overlap, every_ms, jitter_ms, until, max_runs, paused,"
	" next_fire, created, actor, uid, gid) VALUES (?1, ?2, ?3, ?4, ?5,"
	" ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17, ?18)";
static const char sql_get[] =
	"SELECT " COLS " FROM schedules WHERE name = ?1";
static const char sql_list[] =
	"SELECT " COLS " FROM schedules ORDER BY name";
static const char sql_rm[] =
	"DELETE FROM schedules WHERE name = ?1";
static const char sql_pause[] =
	"UPDATE schedules SET paused = ?2 WHERE name = ?1";
static const char sql_update[] =
	"UPDATE schedules SET last_fire = ?2, next_fire = ?3, runs = ?4,"
	" last_job = ?5 WHERE id = ?1";
static const char sql_param_add[] =
	"INSERT INTO schedule_params (schedule_id, idx, name, value, sealed,"
	" owner) VALUES (?1, ?2, ?3, ?4, ?5, ?6)";
static const char sql_param_get[] =
	"SELECT name, value, sealed, owner FROM schedule_params"
	" WHERE schedule_id = ?1 ORDER BY idx";
static const char sql_ev_add[] =
	"INSERT INTO schedule_events (schedule_id, time, what, job_id, detail)"
	" VALUES (?1, ?2, ?3, ?4, ?5)";
static const char sql_ev_trim[] =
	"DELETE FROM schedule_events WHERE schedule_id = ?1 AND id <="
	" (SELECT id FROM schedule_events WHERE schedule_id = ?1"
	"  ORDER BY id DESC LIMIT 1 OFFSET ?2)";
static const char sql_ev_get[] =
	"SELECT time, what, job_id, detail FROM (SELECT id, time, what,"
	" job_id, detail FROM schedule_events WHERE schedule_id = ?1"
	" ORDER BY id DESC LIMIT ?2) ORDER BY id";

/* selectors joined with newlines (caller frees). */
static char *
join(char *const *v, size_t n)
{
	size_t	len = 1, i;
	char	*s;

	for (i = 0; i < n; i++)
		len += strlen(v[i]) + 1;
	if ((s = calloc(1, len)) == NULL)
		return NULL;
	for (i = 0; i < n; i++) {
		if (i > 0)
			strcat(s, "\n");
		strcat(s, v[i]);
	}
	return s;
}

static int
split(const char *s, struct store_schedule *o)
{
	const char	*p = s, *e;
	size_t		 n = 0;

	o->selectors = calloc(strlen(s) / 2 + 2, sizeof(*o->selectors));
	if (o->selectors == NULL)
		return -1;
	while (*p != '\0') {
		if ((e = strchr(p, '\n')) == NULL)
			e = p + strlen(p);
		if ((o->selectors[n] = strndup(p, (size_t)(e - p))) == NULL)
			return -1;
		n++;
		p = *e == '\n' ? e + 1 : e;
	}
	o->nselectors = n;
	return 0;
}

int
store_schedule_add(struct store *st, const struct store_schedule *s,
    const struct store_param_spec *params, size_t nparams, int64_t *id,
    struct ops_err *err)
{
	sqlite3_stmt	*stmt = NULL;
	char		*sel;
	int64_t		 sid = 0;
	int		 rc;

	if (id != NULL)
		*id = 0;
	if ((rc = store_check_name("schedule", s->name, err)) != OPS_OK)
		return rc;
	if ((sel = join(s->selectors, s->nselectors)) == NULL)
		return ops_err_set(err, OPS_E_NOMEM, "add schedule %s",
		    s->name);
	if ((rc = store_tx_enter(st, err)) != OPS_OK) {
		free(sel);
		return rc;
	}
	if ((rc = store_stmt(st, sql_add, &stmt, err)) == OPS_OK) {
		store_bind_text(stmt, 1, s->name);
		store_bind_text(stmt, 2, s->automation);
		store_bind_text(stmt, 3, sel);
		store_bind_text(stmt, 4, s->kind);
		store_bind_text(stmt, 5, s->spec);
		store_bind_text(stmt, 6, s->tz);
		store_bind_text(stmt, 7, s->missed);
		store_bind_text(stmt, 8, s->overlap);
		sqlite3_bind_int64(stmt, 9, s->every_ms);
		sqlite3_bind_int64(stmt, 10, s->jitter_ms);
		sqlite3_bind_int64(stmt, 11, s->until);
		sqlite3_bind_int64(stmt, 12, s->max_runs);
		sqlite3_bind_int(stmt, 13, s->paused);
		sqlite3_bind_int64(stmt, 14, s->next_fire);
		sqlite3_bind_int64(stmt, 15, s->created);
		store_bind_text(stmt, 16, s->actor);
		sqlite3_bind_int64(stmt, 17, s->uid);
		sqlite3_bind_int64(stmt, 18, s->gid);
		rc = sqlite3_step(stmt);
		if (rc == SQLITE_DONE) {
			sid = sqlite3_last_insert_rowid(st->db);
			rc = OPS_OK;
		} else if (rc == SQLITE_CONSTRAINT)
			rc = ops_err_set(err, OPS_E_EXISTS, "schedule %s "
			    "exists", s->name);
		else
			rc = store_dberr(st, rc, err, "add schedule %s",
			    s->name);
		store_stmt_done(stmt);
	}
	if (rc == OPS_OK && nparams > 0)
		rc = store_params_put(st, sql_param_add, sid, params, nparams,
		    err);
	free(sel);
	if (rc == OPS_OK && id != NULL)
		*id = sid;
	return store_tx_leave(st, rc, err);
}

static int
row(sqlite3_stmt *stmt, struct store_schedule *o)
{
	char	*sel = NULL;
	int	 rc = 0;

	memset(o, 0, sizeof(*o));
	o->id = sqlite3_column_int64(stmt, 0);
	if (store_col_str(stmt, 1, &o->name) != OPS_OK ||
	    store_col_str(stmt, 2, &o->automation) != OPS_OK ||
	    store_col_str(stmt, 3, &sel) != OPS_OK ||
	    store_col_str(stmt, 4, &o->kind) != OPS_OK ||
	    store_col_str(stmt, 5, &o->spec) != OPS_OK ||
	    store_col_str(stmt, 6, &o->tz) != OPS_OK ||
	    store_col_str(stmt, 7, &o->missed) != OPS_OK ||
	    store_col_str(stmt, 8, &o->overlap) != OPS_OK ||
	    store_col_str(stmt, 19, &o->actor) != OPS_OK ||
	    split(sel != NULL ? sel : "", o) != 0)
		rc = -1;
	free(sel);
	o->every_ms = sqlite3_column_int64(stmt, 9);
	o->jitter_ms = sqlite3_column_int64(stmt, 10);
	o->until = sqlite3_column_int64(stmt, 11);
	o->max_runs = sqlite3_column_int64(stmt, 12);
	o->runs = sqlite3_column_int64(stmt, 13);
	o->paused = sqlite3_column_int(stmt, 14);
	o->last_fire = sqlite3_column_int64(stmt, 15);
	o->next_fire = sqlite3_column_int64(stmt, 16);
	o->last_job = sqlite3_column_int64(stmt, 17);
	o->created = sqlite3_column_int64(stmt, 18);
	o->uid = sqlite3_column_int64(stmt, 20);
	o->gid = sqlite3_column_int64(stmt, 21);
	return rc;
}

void
store_schedule_clear(struct store_schedule *s)
{
	size_t	i;

	if (s == NULL)
		return;
	free(s->name);
	free(s->automation);
	for (i = 0; s->selectors != NULL && s->selectors[i] != NULL; i++)
		free(s->selectors[i]);
	free(s->selectors);
	free(s->kind);
	free(s->spec);
	free(s->tz);
	free(s->missed);
	free(s->overlap);
	free(s->actor);
	memset(s, 0, sizeof(*s));
}

int
store_schedule_get(struct store *st, const char *name,
    struct store_schedule *out, struct ops_err *err)
{
	sqlite3_stmt	*stmt = NULL;
	int		 rc;

	memset(out, 0, sizeof(*out));
	if ((rc = store_stmt(st, sql_get, &stmt, err)) != OPS_OK)
		return rc;
	store_bind_text(stmt, 1, name);
	rc = sqlite3_step(stmt);
	if (rc == SQLITE_ROW)
		rc = row(stmt, out) == 0 ? OPS_OK : ops_err_set(err,
		    OPS_E_NOMEM, "read schedule %s", name);
	else if (rc == SQLITE_DONE)
		rc = ops_err_set(err, OPS_E_NOTFOUND, "no schedule %s", name);
	else
		rc = store_dberr(st, rc, err, "read schedule %s", name);
	store_stmt_done(stmt);
	if (rc != OPS_OK)
		store_schedule_clear(out);
	return rc;
}

void
store_schedule_list_free(struct store_schedule_list *l)
{
	size_t	i;

	if (l == NULL)
		return;
	for (i = 0; i < l->n; i++)
		store_schedule_clear(&l->v[i]);
	free(l->v);
	l->v = NULL;
	l->n = 0;
}

int
store_schedule_list(struct store *st, struct store_schedule_list *out,
    struct ops_err *err)
{
	sqlite3_stmt		*stmt = NULL;
	struct store_schedule	*nv;
	int			 rc;

	out->v = NULL;
	out->n = 0;
	if ((rc = store_stmt(st, sql_list, &stmt, err)) != OPS_OK)
		return rc;
	while ((rc = sqlite3_step(stmt)) == SQLITE_ROW) {
		if ((nv = reallocarray(out->v, out->n + 1,
		    sizeof(*nv))) == NULL) {
			rc = ops_err_set(err, OPS_E_NOMEM, "list schedules");
			goto out;
		}
		out->v = nv;
		if (row(stmt, &out->v[out->n++]) != 0) {
			rc = ops_err_set(err, OPS_E_NOMEM, "list schedules");
			goto out;
		}
	}
	rc = rc == SQLITE_DONE ? OPS_OK : store_dberr(st, rc, err,
	    "list schedules");
out:
	store_stmt_done(stmt);
	if (rc != OPS_OK)
		store_schedule_list_free(out);
	return rc;
}

/* One statement on name, which must change a row. */
static int
by_name(struct store *st, const char *sql, const char *name, int arg,
    const char *what, struct ops_err *err)
{
	sqlite3_stmt	*stmt = NULL;
	int		 rc;

	if ((rc = store_tx_enter(st, err)) != OPS_OK)
		return rc;
	if ((rc = store_stmt(st, sql, &stmt, err)) == OPS_OK) {
		store_bind_text(stmt, 1, name);
		if (sqlite3_bind_parameter_count(stmt) > 1)
			sqlite3_bind_int(stmt, 2, arg);
		rc = sqlite3_step(stmt);
		if (rc != SQLITE_DONE)
			rc = store_dberr(st, rc, err, "%s schedule %s", what,
			    name);
		else if (sqlite3_changes(st->db) == 0)
			rc = ops_err_set(err, OPS_E_NOTFOUND, "no schedule %s",
			    name);
		else
			rc = OPS_OK;
		store_stmt_done(stmt);
	}
	return store_tx_leave(st, rc, err);
}

int
store_schedule_rm(struct store *st, const char *name, struct ops_err *err)
{
	return by_name(st, sql_rm, name, 0, "remove", err);
}

int
store_schedule_set_paused(struct store *st, const char *name, int paused,
    struct ops_err *err)
{
	return by_name(st, sql_pause, name, paused != 0, paused ? "pause" :
	    "resume", err);
}

int
store_schedule_update(struct store *st, const struct store_schedule *s,
    struct ops_err *err)
{
	sqlite3_stmt	*stmt = NULL;
	int		 rc;

	if ((rc = store_stmt(st, sql_update, &stmt, err)) != OPS_OK)
		return rc;
	sqlite3_bind_int64(stmt, 1, s->id);
	sqlite3_bind_int64(stmt, 2, s->last_fire);
	sqlite3_bind_int64(stmt, 3, s->next_fire);
	sqlite3_bind_int64(stmt, 4, s->runs);
	sqlite3_bind_int64(stmt, 5, s->last_job);
	rc = sqlite3_step(stmt);
	rc = rc == SQLITE_DONE ? OPS_OK : store_dberr(st, rc, err,
	    "update schedule %s", s->name);
	store_stmt_done(stmt);
	return rc;
}

int
store_schedule_params_get(struct store *st, int64_t id, int open,
    struct store_job_param_list *out, struct ops_err *err)
{
	return store_params_get(st, sql_param_get, id, open, out, err);
}

int
store_schedule_event_add(struct store *st, int64_t id, int64_t time,
    const char *what, int64_t job, const char *detail, struct ops_err *err)
{
	sqlite3_stmt	*stmt = NULL;
	int		 rc;

	if ((rc = store_tx_enter(st, err)) != OPS_OK)
		return rc;
	if ((rc = store_stmt(st, sql_ev_add, &stmt, err)) == OPS_OK) {
		sqlite3_bind_int64(stmt, 1, id);
		sqlite3_bind_int64(stmt, 2, time);
		store_bind_text(stmt, 3, what);
		if (job > 0)
			sqlite3_bind_int64(stmt, 4, job);
		store_bind_text(stmt, 5, detail);
		rc = sqlite3_step(stmt);
		rc = rc == SQLITE_DONE ? OPS_OK : store_dberr(st, rc, err,
		    "record a schedule's %s", what);
		store_stmt_done(stmt);
	}
	if (rc == OPS_OK && (rc = store_stmt(st, sql_ev_trim, &stmt,
	    err)) == OPS_OK) {
		sqlite3_bind_int64(stmt, 1, id);
		sqlite3_bind_int(stmt, 2, STORE_SCHEDULE_EVENTS_MAX);
		rc = sqlite3_step(stmt);
		rc = rc == SQLITE_DONE ? OPS_OK : store_dberr(st, rc, err,
		    "trim a schedule's history");
		store_stmt_done(stmt);
	}
	return store_tx_leave(st, rc, err);
}

void
store_schedule_event_list_free(struct store_schedule_event_list *l)
{
	size_t	i;

	if (l == NULL)
		return;
	for (i = 0; i < l->n; i++) {
		free(l->v[i].what);
		free(l->v[i].detail);
	}
	free(l->v);
	l->v = NULL;
	l->n = 0;
}

int
store_schedule_events(struct store *st, int64_t id, int limit,
    struct store_schedule_event_list *out, struct ops_err *err)
{
	sqlite3_stmt			*stmt = NULL;
	struct store_schedule_event	*nv, *e;
	int				 rc;

	out->v = NULL;
	out->n = 0;
	if ((rc = store_stmt(st, sql_ev_get, &stmt, err)) != OPS_OK)
		return rc;
	sqlite3_bind_int64(stmt, 1, id);
	sqlite3_bind_int(stmt, 2, limit);
	while ((rc = sqlite3_step(stmt)) == SQLITE_ROW) {
		if ((nv = reallocarray(out->v, out->n + 1,
		    sizeof(*nv))) == NULL) {
			rc = ops_err_set(err, OPS_E_NOMEM, "read history");
			goto out;
		}
		out->v = nv;
		e = &out->v[out->n++];
		memset(e, 0, sizeof(*e));
		e->time = sqlite3_column_int64(stmt, 0);
		e->job = sqlite3_column_int64(stmt, 2);
		if (store_col_str(stmt, 1, &e->what) != OPS_OK ||
		    store_col_str(stmt, 3, &e->detail) != OPS_OK) {
			rc = ops_err_set(err, OPS_E_NOMEM, "read history");
			goto out;
		}
	}
	rc = rc == SQLITE_DONE ? OPS_OK : store_dberr(st, rc, err,
	    "read a schedule's history");
out:
	store_stmt_done(stmt);
	if (rc != OPS_OK)
		store_schedule_event_list_free(out);
	return rc;
}

/*
 * store-automations.c: automations and their numbered, immutable
 * versions (a change appends version N + 1).
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "store-int.h"

#define AUTO_DESC_MAX	4096

static const char *const auto_kinds[] = {
	[STORE_AUTO_COMMAND] = "command",
	[STORE_AUTO_SCRIPT] = "script",
	[STORE_AUTO_DOCUMENT] = "document",
};

static const char sql_auto_id[] =
	"SELECT id FROM automations WHERE name = ?1";
static const char sql_auto_insert[] =
	"INSERT INTO automations (name, description, created)"
	" VALUES (?1, ?2, ?3)";
static const char sql_version_insert[] =
	"INSERT INTO automation_versions (automation_id, version, kind, body,"
	" created) SELECT ?1, coalesce(max(version), 0) + 1, ?2, ?3, ?4"
	" FROM automation_versions WHERE automation_id = ?1"
	" RETURNING version";
/* The latest version's number, the count, and its time and actor. */
#define AUTO_COLS \
	"SELECT a.id, a.name, a.description, l.version, a.created," \
	" (SELECT count(*) FROM automation_versions c" \
	"  WHERE c.automation_id = a.id), l.created, l.actor" \
	" FROM automations a LEFT JOIN automation_versions l" \
	" ON l.automation_id = a.id AND l.version = (SELECT max(version)" \
	"  FROM automation_versions m WHERE m.automation_id = a.id)"
#define VERSION_COLS \
	"SELECT v.automation_id, v.version, v.kind, v.body, v.created," \
	" v.format, v.actor, v.sha256, length(v.doc)," \
	" (SELECT count(*) FROM automation_files f WHERE f.version_id = v.id)" \
	" FROM automation_versions v"
static const char sql_auto_get[] = AUTO_COLS " WHERE a.name = ?1";
static const char sql_auto_list[] = AUTO_COLS " ORDER BY a.name";
static const char sql_version_get[] = VERSION_COLS
	" JOIN automations a"
	" ON a.id = v.automation_id WHERE a.name = ?1 AND v.version ="
	" CASE ?2 WHEN 0 THEN (SELECT max(version) FROM automation_versions"
	"  WHERE automation_id = a.id) ELSE ?2 END";
static const char sql_versions[] = VERSION_COLS
	" WHERE v.automation_id = ?1 ORDER BY v.version";
static const char sql_auto_update[] =
	"UPDATE automations SET name = coalesce(?2, name),"
	" description = CASE WHEN ?3 IS NULL THEN description"
	"  WHEN ?3 = '' THEN NULL ELSE ?3 END WHERE id = ?1";
static const char sql_auto_delete[] =
	"DELETE FROM automations WHERE id = ?1";

const char *
store_auto_kind_name(enum store_auto_kind kind)
{
	if (kind < STORE_AUTO_COMMAND || kind > STORE_AUTO_DOCUMENT)
		return "unknown";
	return auto_kinds[kind];
}

int
store_auto_kind_parse(const char *s, enum store_auto_kind *kind)
{
	int	i;

	for (i = STORE_AUTO_COMMAND; i <= STORE_AUTO_DOCUMENT; i++) {
		if (s != NULL && strcmp(s, auto_kinds[i]) == 0) {
			*kind = (enum store_auto_kind)i;
			return OPS_OK;
		}
	}
	return OPS_E_INVAL;
}

int
store_automation_id(struct store *st, const char *name, int64_t *id,
    struct ops_err *err)
{
	sqlite3_stmt	*stmt = NULL;
	int		 rc;

	*id = 0;
	if ((rc = store_stmt(st, sql_auto_id, &stmt, err)) != OPS_OK)
		return rc;
	store_bind_text(stmt, 1, name);
	if ((rc = sqlite3_step(stmt)) == SQLITE_ROW) {
		*id = sqlite3_column_int64(stmt, 0);
		rc = OPS_OK;
	} else if (rc == SQLITE_DONE)
		rc = ops_err_set(err, OPS_E_NOTFOUND,
		    "automation %s not found", name != NULL ? name : "");
	else
		rc = store_dberr(st, rc, err, "look up automation");
	store_stmt_done(stmt);
	return rc;
}

static int
check_version(enum store_auto_kind kind, const char *body,
    struct ops_err *err)
{
	int	rc;

	if (kind != STORE_AUTO_COMMAND && kind != STORE_AUTO_SCRIPT)
		return ops_err_set(err, OPS_E_INVAL,
		    "automation kind %d unknown", (int)kind);
	if (body == NULL || *body == '\0')
		return ops_err_set(err, OPS_E_INVAL, "automation body is empty");
	if ((rc = store_check_text("automation body", body, STORE_BODY_MAX,
	    kind == STORE_AUTO_SCRIPT, err)) != OPS_OK)
		return rc;
	return OPS_OK;
}

static int
add_version(struct store *st, int64_t id, enum store_auto_kind kind,
    const char *body, int *version, struct ops_err *err)
{
	sqlite3_stmt	*stmt = NULL;
	int		 rc;

	if ((rc = store_stmt(st, sql_version_insert, &stmt, err)) != OPS_OK)
		return rc;
	sqlite3_bind_int64(stmt, 1, id);
	store_bind_text(stmt, 2, store_auto_kind_name(kind));
	store_bind_text(stmt, 3, body);
	sqlite3_bind_int64(stmt, 4, store_now_ms());
	if ((rc = sqlite3_step(stmt)) == SQLITE_ROW) {
		if (version != NULL)
			*version = sqlite3_column_int(stmt, 0);
		rc = sqlite3_step(stmt);
	}
	if (rc != SQLITE_DONE)
		rc = store_dberr(st, rc, err, "add automation version");
	else
		rc = OPS_OK;
	store_stmt_done(stmt);
	return rc;
}

int
store_automation_add(struct store *st, const char *name,
    const char *description, enum store_auto_kind kind, const char *body,
    int64_t *id, struct ops_err *err)
{
	sqlite3_stmt	*stmt = NULL;
	int64_t		 old, new_id = 0;
	int		 rc;

	if (id != NULL)
		*id = 0;
	if ((rc = store_check_name("automation", name, err)) != OPS_OK ||
	    (rc = store_check_text("automation description", description,
	    AUTO_DESC_MAX, 1, err)) != OPS_OK ||
	    (rc = check_version(kind, body, err)) != OPS_OK)
		return rc;
	if ((rc = store_tx_enter(st, err)) != OPS_OK)
		return rc;
	if (store_automation_id(st, name, &old, NULL) == OPS_OK) {
		rc = ops_err_set(err, OPS_E_EXISTS,
		    "automation %s already exists", name);
		goto out;
	}
	if ((rc = store_stmt(st, sql_auto_insert, &stmt, err)) != OPS_OK)
		goto out;
	store_bind_text(stmt, 1, name);
	store_bind_text(stmt, 2, description != NULL && *description != '\0' ?
	    description : NULL);
	sqlite3_bind_int64(stmt, 3, store_now_ms());
	if ((rc = sqlite3_step(stmt)) != SQLITE_DONE) {
		rc = store_dberr(st, rc, err, "add automation %s", name);
		goto out;
	}
	new_id = sqlite3_last_insert_rowid(st->db);
	rc = add_version(st, new_id, kind, body, NULL, err);
out:
	store_stmt_done(stmt);
	rc = store_tx_leave(st, rc, err);
	if (rc == OPS_OK && id != NULL)
		*id = new_id;
	return rc;
}

int
store_automation_add_version(struct store *st, const char *name,
    enum store_auto_kind kind, const char *body, int *version,
    struct ops_err *err)
{
	int64_t	id;
	int	rc, v = 0;

	if (version != NULL)
		*version = 0;
	if ((rc = check_version(kind, body, err)) != OPS_OK)
		return rc;
	if ((rc = store_tx_enter(st, err)) != OPS_OK)
		return rc;
	if ((rc = store_automation_id(st, name, &id, err)) == OPS_OK)
		rc = add_version(st, id, kind, body, &v, err);
	rc = store_tx_leave(st, rc, err);
	if (rc == OPS_OK && version != NULL)
		*version = v;
	return rc;
}

static int
load_auto(sqlite3_stmt *stmt, struct store_automation *a,
    struct ops_err *err)
{
	memset(a, 0, sizeof(*a));
	a->id = sqlite3_column_int64(stmt, 0);
	a->latest = sqlite3_column_int(stmt, 3);
	a->created = sqlite3_column_int64(stmt, 4);
	a->versions = sqlite3_column_int(stmt, 5);
	a->applied = sqlite3_column_int64(stmt, 6);
	if (store_col_str(stmt, 1, &a->name) != OPS_OK ||
	    store_col_str(stmt, 2, &a->description) != OPS_OK ||
	    store_col_str(stmt, 7, &a->applied_by) != OPS_OK)
		return ops_err_set(err, OPS_E_NOMEM, "read automation");
	return OPS_OK;
}

static int
load_version(sqlite3_stmt *stmt, struct store_automation_version *v,
    struct ops_err *err)
{
	memset(v, 0, sizeof(*v));
	v->automation_id = sqlite3_column_int64(stmt, 0);
	v->version = sqlite3_column_int(stmt, 1);
	if (store_auto_kind_parse((const char *)sqlite3_column_text(stmt, 2),
	    &v->kind) != OPS_OK)
		v->kind = 0;
	v->created = sqlite3_column_int64(stmt, 4);
	v->doc_len = (size_t)sqlite3_column_int64(stmt, 8);
	v->nfiles = (size_t)sqlite3_column_int64(stmt, 9);
	if (sqlite3_column_type(stmt, 7) == SQLITE_TEXT &&
	    sqlite3_column_bytes(stmt, 7) == 64)
		memcpy(v->sha256, sqlite3_column_text(stmt, 7), 65);
	if (store_col_str(stmt, 3, &v->body) != OPS_OK ||
	    store_col_str(stmt, 5, &v->format) != OPS_OK ||
	    store_col_str(stmt, 6, &v->actor) != OPS_OK)
		return ops_err_set(err, OPS_E_NOMEM, "read automation");
	return OPS_OK;
}

int
store_automation_get(struct store *st, const char *name,
    struct store_automation **out, struct ops_err *err)
{
	sqlite3_stmt		*stmt = NULL;
	struct store_automation	*a;
	int			 rc;

	*out = NULL;
	if ((rc = store_stmt(st, sql_auto_get, &stmt, err)) != OPS_OK)
		return rc;
	store_bind_text(stmt, 1, name);
	if ((rc = sqlite3_step(stmt)) == SQLITE_DONE)
		rc = ops_err_set(err, OPS_E_NOTFOUND,
		    "automation %s not found", name != NULL ? name : "");
	else if (rc != SQLITE_ROW)
		rc = store_dberr(st, rc, err, "read automation");
	else if ((a = calloc(1, sizeof(*a))) == NULL)
		rc = ops_err_set(err, OPS_E_NOMEM, "read automation");
	else if ((rc = load_auto(stmt, a, err)) != OPS_OK)
		store_automation_free(a);
	else
		*out = a;
	store_stmt_done(stmt);
	return rc;
}

int
store_automation_get_version(struct store *st, const char *name,
    int version, struct store_automation_version **out, struct ops_err *err)
{
	sqlite3_stmt			*stmt = NULL;
	struct store_automation_version	*v;
	int				 rc;

	*out = NULL;
	if ((rc = store_stmt(st, sql_version_get, &stmt, err)) != OPS_OK)
		return rc;
	store_bind_text(stmt, 1, name);
	sqlite3_bind_int(stmt, 2, version);
	if ((rc = sqlite3_step(stmt)) == SQLITE_DONE)
		rc = ops_err_set(err, OPS_E_NOTFOUND,
		    "automation %s version %d not found",
		    name != NULL ? name : "", version);
	else if (rc != SQLITE_ROW)
		rc = store_dberr(st, rc, err, "read automation");
	else if ((v = calloc(1, sizeof(*v))) == NULL)
		rc = ops_err_set(err, OPS_E_NOMEM, "read automation");
	else if ((rc = load_version(stmt, v, err)) != OPS_OK)
		store_automation_version_free(v);
	else
		*out = v;
	store_stmt_done(stmt);
	return rc;
}

int
store_automation_list(struct store *st, struct store_automation_list *out,
    struct ops_err *err)
{
	sqlite3_stmt		*stmt = NULL;
	struct store_automation	*v;
	int			 rc;

	out->v = NULL;
	out->n = 0;
	if ((rc = store_stmt(st, sql_auto_list, &stmt, err)) != OPS_OK)
		return rc;
	while ((rc = sqlite3_step(stmt)) == SQLITE_ROW) {
		if ((v = reallocarray(out->v, out->n + 1, sizeof(*v))) ==
		    NULL) {
			rc = ops_err_set(err, OPS_E_NOMEM, "list automations");
			goto out;
		}
		out->v = v;
		if ((rc = load_auto(stmt, &out->v[out->n++], err)) != OPS_OK)
			goto out;
	}
	rc = rc == SQLITE_DONE ? OPS_OK :
	    store_dberr(st, rc, err, "list automations");
out:
	store_stmt_done(stmt);
	if (rc != OPS_OK)
		store_automation_list_free(out);
	return rc;
}

int
store_automation_versions(struct store *st, const char *name,
    struct store_automation_version_list *out, struct ops_err *err)
{
	sqlite3_stmt			*stmt = NULL;
	struct store_automation_version	*v;
	int64_t				 id;
	int				 rc;

	out->v = NULL;
	out->n = 0;
	if ((rc = store_automation_id(st, name, &id, err)) != OPS_OK)
		return rc;
	if ((rc = store_stmt(st, sql_versions, &stmt, err)) != OPS_OK)
		return rc;
	sqlite3_bind_int64(stmt, 1, id);
	while ((rc = sqlite3_step(stmt)) == SQLITE_ROW) {
		if ((v = reallocarray(out->v, out->n + 1, sizeof(*v))) ==
		    NULL) {
			rc = ops_err_set(err, OPS_E_NOMEM,
			    "list automation versions");
			goto out;
		}
		out->v = v;
		if ((rc = load_version(stmt, &out->v[out->n++], err)) !=
		    OPS_OK)
			goto out;
	}
	rc = rc == SQLITE_DONE ? OPS_OK :
	    store_dberr(st, rc, err, "list automation versions");
out:
	store_stmt_done(stmt);
	if (rc != OPS_OK)
		store_automation_version_list_free(out);
	return rc;
}

int
store_automation_update(struct store *st, const char *name,
    const char *new_name, const char *description, struct ops_err *err)
{
	sqlite3_stmt	*stmt = NULL;
	int64_t		 id, other;
	int		 rc;

	if ((new_name != NULL &&
	    (rc = store_check_name("automation", new_name, err)) != OPS_OK) ||
	    (rc = store_check_text("automation description", description,
	    AUTO_DESC_MAX, 1, err)) != OPS_OK)
		return rc;
	if ((rc = store_tx_enter(st, err)) != OPS_OK)
		return rc;
	if ((rc = store_automation_id(st, name, &id, err)) != OPS_OK)
		goto out;
	if (new_name != NULL && strcmp(new_name, name) != 0 &&
	    store_automation_id(st, new_name, &other, NULL) == OPS_OK) {
		rc = ops_err_set(err, OPS_E_EXISTS,
		    "automation %s already exists", new_name);
		goto out;
	}
	if ((rc = store_stmt(st, sql_auto_update, &stmt, err)) != OPS_OK)
		goto out;
	sqlite3_bind_int64(stmt, 1, id);
	store_bind_text(stmt, 2, new_name);
	store_bind_text(stmt, 3, description);
	if ((rc = sqlite3_step(stmt)) != SQLITE_DONE)
		rc = store_dberr(st, rc, err, "update automation %s", name);
	else
		rc = OPS_OK;
out:
	store_stmt_done(stmt);
	return store_tx_leave(st, rc, err);
}

int
store_automation_delete(struct store *st, const char *name,
    struct ops_err *err)
{
	sqlite3_stmt	*stmt = NULL;
	int64_t		 id;
	int		 rc;

	if ((rc = store_tx_enter(st, err)) != OPS_OK)
		return rc;
	if ((rc = store_automation_id(st, name, &id, err)) != OPS_OK)
		goto out;
	if ((rc = store_stmt(st, sql_auto_delete, &stmt, err)) != OPS_OK)
		goto out;
	sqlite3_bind_int64(stmt, 1, id);
	if ((rc = sqlite3_step(stmt)) != SQLITE_DONE)
		rc = store_dberr(st, rc, err, "delete automation %s", name);
	else
		rc = OPS_OK;
out:
	store_stmt_done(stmt);
	return store_tx_leave(st, rc, err);
}

void
store_automation_free(struct store_automation *a)
{
	if (a == NULL)
		return;
	free(a->name);
	free(a->description);
	free(a->applied_by);
	free(a);
}

void
store_automation_list_free(struct store_automation_list *l)
{
	size_t	i;

	if (l == NULL)
		return;
	for (i = 0; i < l->n; i++) {
		free(l->v[i].name);
		free(l->v[i].description);
		free(l->v[i].applied_by);
	}
	free(l->v);
	l->v = NULL;
	l->n = 0;
}

void
store_automation_version_free(struct store_automation_version *v)
{
	if (v == NULL)
		return;
	free(v->body);
	free(v->format);
	free(v->actor);
	free(v);
}

void
store_automation_version_list_free(struct store_automation_version_list *l)
{
	size_t	i;

	if (l == NULL)
		return;
	for (i = 0; i < l->n; i++) {
		free(l->v[i].body);
		free(l->v[i].format);
		free(l->v[i].actor);
	}
	free(l->v);
	l->v = NULL;
	l->n = 0;
}

/*
 * store-autodoc.c: automation documents (schema 9): a version's file as
 * applied, its format, the files its steps name, the actor and a sha256
 * over doc and files (store.h). A put that changes nothing adds nothing.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "store-int.h"

static const char sql_latest[] =
	"SELECT version, format, sha256 FROM automation_versions"
	" WHERE automation_id = ?1 ORDER BY version DESC LIMIT 1";
static const char sql_auto_new[] =
	"INSERT INTO automations (name, created) VALUES (?1, ?2)";
static const char sql_doc_insert[] =
	"INSERT INTO automation_versions (automation_id, version, kind,"
	" format, doc, sha256, actor, created)"
	" SELECT ?1, coalesce(max(version), 0) + 1, 'document', ?2, ?3, ?4,"
	" ?5, ?6 FROM automation_versions WHERE automation_id = ?1"
	" RETURNING id, version";
static const char sql_file_insert[] =
	"INSERT INTO automation_files (version_id, seq, path, data)"
	" VALUES (?1, ?2, ?3, ?4)";
#define DOC_COLS \
	"SELECT v.id, a.id, a.name, v.version, v.kind, v.format, v.doc," \
	" v.sha256, v.actor, v.created FROM automation_versions v" \
	" JOIN automations a ON a.id = v.automation_id"
#define DOC_VERSION \
	" AND v.version = CASE ?2 WHEN 0 THEN (SELECT max(version)" \
	"  FROM automation_versions WHERE automation_id = a.id) ELSE ?2 END"
static const char sql_doc_by_name[] = DOC_COLS " WHERE a.name = ?1"
	DOC_VERSION;
static const char sql_doc_by_id[] = DOC_COLS " WHERE a.id = ?1"
	DOC_VERSION;
static const char sql_files[] =
	"SELECT path, data FROM automation_files WHERE version_id = ?1"
	" ORDER BY seq";

static void
hash_u64(crypto_hash_sha256_state *hs, uint64_t v)
{
	unsigned char	b[8];
	int		i;

	for (i = 7; i >= 0; i--) {
		b[i] = (unsigned char)(v & 0xff);
		v >>= 8;
	}
	crypto_hash_sha256_update(hs, b, sizeof(b));
}

static void
hash_bytes(crypto_hash_sha256_state *hs, const void *p, size_t len)
{
	hash_u64(hs, len);
	if (len > 0)
		crypto_hash_sha256_update(hs, p, len);
}

/* idx[0..n) in strcmp order of the files' paths (an insertion sort:
 * put takes at most STORE_AUTOFILES_MAX files); caller frees. */
static size_t *
file_order(const struct store_automation_file *files, size_t n)
{
	size_t	*idx, i, j, t;

	if ((idx = calloc(n > 0 ? n : 1, sizeof(*idx))) == NULL)
		return NULL;
	for (i = 0; i < n; i++) {
		idx[i] = i;
		for (j = i; j > 0 && files[idx[j]].path != NULL &&
		    (files[idx[j - 1]].path == NULL ||
		    strcmp(files[idx[j - 1]].path, files[idx[j]].path) > 0);
		    j--) {
			t = idx[j];
			idx[j] = idx[j - 1];
			idx[j - 1] = t;
		}
	}
	return idx;
}

static void
hash_ordered(const unsigned char *doc, size_t doc_len,
    const struct store_automation_file *files, const size_t *idx, size_t n,
    char hex[65])
{
	crypto_hash_sha256_state	hs;
	unsigned char			h[crypto_hash_sha256_BYTES];
	size_t				i;

	crypto_hash_sha256_init(&hs);
	hash_bytes(&hs, doc, doc_len);
	hash_u64(&hs, n);
	for (i = 0; i < n; i++) {
		hash_bytes(&hs, files[idx[i]].path, files[idx[i]].path != NULL ?
		    strlen(files[idx[i]].path) : 0);
		hash_bytes(&hs, files[idx[i]].data, files[idx[i]].len);
	}
	crypto_hash_sha256_final(&hs, h);
	sodium_bin2hex(hex, 65, h, sizeof(h));
}

int
store_automation_hash(const unsigned char *doc, size_t doc_len,
    const struct store_automation_file *files, size_t nfiles, char hex[65])
{
	size_t	*idx;

	hex[0] = '\0';
	if ((idx = file_order(files, nfiles)) == NULL)
		return OPS_E_NOMEM;
	hash_ordered(doc, doc_len, files, idx, nfiles, hex);
	free(idx);
	return OPS_OK;
}

static int
check_put(const char *name, const char *format, const unsigned char *doc,
    size_t doc_len, const struct store_automation_file *files, size_t n,
    const char *actor, const size_t *idx, struct ops_err *err)
{
	size_t	i, total = doc_len, plen;
	int	rc;

	if ((rc = store_check_name("automation", name, err)) != OPS_OK)
		return rc;
	if (format == NULL || (strcmp(format, "yaml") != 0 &&
	    strcmp(format, "json") != 0))
		return ops_err_set(err, OPS_E_INVAL, "automation %s: format "
		    "\"%s\" is not yaml or json", name,
		    format != NULL ? format : "");
	if (doc == NULL || doc_len == 0)
		return ops_err_set(err, OPS_E_INVAL,
		    "automation %s: the document is empty", name);
	if (doc_len > STORE_AUTODOC_MAX)
		return ops_err_set(err, OPS_E_TOOBIG, "automation %s: the "
		    "document is %zu bytes, longer than %d", name, doc_len,
		    STORE_AUTODOC_MAX);
	if (actor == NULL || *actor == '\0')
		return ops_err_set(err, OPS_E_INVAL,
		    "automation %s: no actor", name);
	if ((rc = store_check_text("automation actor", actor,
	    STORE_NAME_MAX * 4, 0, err)) != OPS_OK)
		return rc;
	for (i = 0; i < n; i++) {
		if (files[idx[i]].path == NULL ||
		    (plen = strlen(files[idx[i]].path)) == 0)
			return ops_err_set(err, OPS_E_INVAL, "automation %s: a "
			    "file has no path", name);
		if (plen > STORE_AUTOPATH_MAX)
			return ops_err_set(err, OPS_E_INVAL, "automation %s: a "
			    "file path is %zu bytes, longer than %d", name,
			    plen, STORE_AUTOPATH_MAX);
		if ((rc = store_check_text("automation file path",
		    files[idx[i]].path, STORE_AUTOPATH_MAX, 0, err)) != OPS_OK)
			return rc;
		if (files[idx[i]].data == NULL && files[idx[i]].len > 0)
			return ops_err_set(err, OPS_E_INVAL, "automation %s: "
			    "file %s has no data", name, files[idx[i]].path);
		if (i > 0 && strcmp(files[idx[i - 1]].path,
		    files[idx[i]].path) == 0)
			return ops_err_set(err, OPS_E_INVAL, "automation %s: "
			    "file %s given twice", name, files[idx[i]].path);
		if (files[idx[i]].len > STORE_AUTOTOTAL_MAX - total)
			return ops_err_set(err, OPS_E_TOOBIG, "automation %s: "
			    "the document and its files are more than %d "
			    "bytes", name, STORE_AUTOTOTAL_MAX);
		total += files[idx[i]].len;
	}
	return OPS_OK;
}

/* The latest version of automation id: its number, and whether its
 * format and hash are these. */
static int
latest_same(struct store *st, int64_t id, const char *format,
    const char *hex, int *version, int *same, struct ops_err *err)
{
	sqlite3_stmt	*stmt = NULL;
	const char	*f, *h;
	int		 rc;

	*version = 0;
	*same = 0;
	if ((rc = store_stmt(st, sql_latest, &stmt, err)) != OPS_OK)
		return rc;
	sqlite3_bind_int64(stmt, 1, id);
	if ((rc = sqlite3_step(stmt)) == SQLITE_ROW) {
		*version = sqlite3_column_int(stmt, 0);
		f = (const char *)sqlite3_column_text(stmt, 1);
		h = (const char *)sqlite3_column_text(stmt, 2);
		*same = f != NULL && h != NULL && strcmp(f, format) == 0 &&
		    strcmp(h, hex) == 0;
		rc = OPS_OK;
	} else if (rc == SQLITE_DONE)
		rc = OPS_OK;
	else
		rc = store_dberr(st, rc, err, "read automation versions");
	store_stmt_done(stmt);
	return rc;
}

static int
new_automation(struct store *st, const char *name, int64_t *id,
    struct ops_err *err)
{
	sqlite3_stmt	*stmt = NULL;
	int		 rc;

	if ((rc = store_stmt(st, sql_auto_new, &stmt, err)) != OPS_OK)
		return rc;
	store_bind_text(stmt, 1, name);
	sqlite3_bind_int64(stmt, 2, store_now_ms());
	if ((rc = sqlite3_step(stmt)) != SQLITE_DONE)
		rc = store_dberr(st, rc, err, "add automation %s", name);
	else {
		*id = sqlite3_last_insert_rowid(st->db);
		rc = OPS_OK;
	}
	store_stmt_done(stmt);
	return rc;
}

static int
add_doc_version(struct store *st, int64_t id, const char *format,
    const unsigned char *doc, size_t doc_len, const char *hex,
    const char *actor, int64_t *vid, int *version, struct ops_err *err)
{
	sqlite3_stmt	*stmt = NULL;
	int		 rc;

	if ((rc = store_stmt(st, sql_doc_insert, &stmt, err)) != OPS_OK)
		return rc;
	sqlite3_bind_int64(stmt, 1, id);
	store_bind_text(stmt, 2, format);
	sqlite3_bind_blob64(stmt, 3, doc, doc_len, SQLITE_STATIC);
	store_bind_text(stmt, 4, hex);
	store_bind_text(stmt, 5, actor);
	sqlite3_bind_int64(stmt, 6, store_now_ms());
	if ((rc = sqlite3_step(stmt)) == SQLITE_ROW) {
		*vid = sqlite3_column_int64(stmt, 0);
		*version = sqlite3_column_int(stmt, 1);
		rc = sqlite3_step(stmt);
	}
	rc = rc == SQLITE_DONE ? OPS_OK :
	    store_dberr(st, rc, err, "add automation version");
	store_stmt_done(stmt);
	return rc;
}

static int
add_files(struct store *st, int64_t vid,
    const struct store_automation_file *files, const size_t *idx, size_t n,
    struct ops_err *err)
{
	sqlite3_stmt	*stmt = NULL;
	size_t		 i;
	int		 rc = OPS_OK;

	for (i = 0; i < n && rc == OPS_OK; i++) {
		if ((rc = store_stmt(st, sql_file_insert, &stmt, err)) !=
		    OPS_OK)
			break;
		sqlite3_bind_int64(stmt, 1, vid);
		sqlite3_bind_int64(stmt, 2, (sqlite3_int64)i);
		store_bind_text(stmt, 3, files[idx[i]].path);
		/* A zero-length blob, never NULL: an empty file is a file. */
		sqlite3_bind_blob64(stmt, 4, files[idx[i]].data != NULL ?
		    (const void *)files[idx[i]].data : (const void *)"",
		    files[idx[i]].len, SQLITE_STATIC);
		if ((rc = sqlite3_step(stmt)) != SQLITE_DONE)
			rc = store_dberr(st, rc, err, "add automation file %s",
			    files[idx[i]].path);
		else
			rc = OPS_OK;
		store_stmt_done(stmt);
	}
	return rc;
}

int
store_automation_put(struct store *st, const char *name, const char *format,
    const unsigned char *doc, size_t doc_len,
    const struct store_automation_file *files, size_t nfiles,
    const char *actor, int *version, int *changed, struct ops_err *err)
{
	char	 hex[65];
	size_t	*idx;
	int64_t	 id = 0, vid = 0;
	int	 rc, v = 0, same = 0;

	if (version != NULL)
		*version = 0;
	if (changed != NULL)
		*changed = 0;
	if (nfiles > STORE_AUTOFILES_MAX)
		return ops_err_set(err, OPS_E_TOOBIG, "automation %s names %zu "
		    "files, more than %d", name != NULL ? name : "", nfiles,
		    STORE_AUTOFILES_MAX);
	if ((idx = file_order(files, nfiles)) == NULL)
		return ops_err_set(err, OPS_E_NOMEM, "apply automation");
	if ((rc = check_put(name, format, doc, doc_len, files, nfiles, actor,
	    idx, err)) != OPS_OK)
		goto done;
	hash_ordered(doc, doc_len, files, idx, nfiles, hex);
	if ((rc = store_tx_enter(st, err)) != OPS_OK)
		goto done;
	rc = store_automation_id(st, name, &id, NULL);
	if (rc == OPS_E_NOTFOUND)
		rc = new_automation(st, name, &id, err);
	else if (rc == OPS_OK)
		rc = latest_same(st, id, format, hex, &v, &same, err);
	else
		rc = store_automation_id(st, name, &id, err);
	if (rc == OPS_OK && !same &&
	    (rc = add_doc_version(st, id, format, doc, doc_len, hex, actor,
	    &vid, &v, err)) == OPS_OK)
		rc = add_files(st, vid, files, idx, nfiles, err);
	rc = store_tx_leave(st, rc, err);
	if (rc == OPS_OK) {
		if (version != NULL)
			*version = v;
		if (changed != NULL)
			*changed = !same;
	}
done:
	free(idx);
	return rc;
}

static int
load_files(struct store *st, int64_t vid, struct store_automation_doc *d,
    struct ops_err *err)
{
	sqlite3_stmt			*stmt = NULL;
	struct store_automation_file	*f;
	int				 rc;

	if ((rc = store_stmt(st, sql_files, &stmt, err)) != OPS_OK)
		return rc;
	sqlite3_bind_int64(stmt, 1, vid);
	while ((rc = sqlite3_step(stmt)) == SQLITE_ROW) {
		if ((f = reallocarray(d->files, d->nfiles + 1,
		    sizeof(*f))) == NULL) {
			rc = ops_err_set(err, OPS_E_NOMEM,
			    "read automation files");
			goto out;
		}
		d->files = f;
		f = &d->files[d->nfiles++];
		memset(f, 0, sizeof(*f));
		if (store_col_str(stmt, 0, &f->path) != OPS_OK ||
		    store_col_blob(stmt, 1, &f->data, &f->len) != OPS_OK) {
			rc = ops_err_set(err, OPS_E_NOMEM,
			    "read automation files");
			goto out;
		}
	}
	rc = rc == SQLITE_DONE ? OPS_OK :
	    store_dberr(st, rc, err, "read automation files");
out:
	store_stmt_done(stmt);
	return rc;
}

static int
load_doc(struct store *st, sqlite3_stmt *stmt, struct store_automation_doc *d,
    struct ops_err *err)
{
	const char	*kind, *h;
	int64_t		 vid;

	vid = sqlite3_column_int64(stmt, 0);
	d->automation_id = sqlite3_column_int64(stmt, 1);
	d->version = sqlite3_column_int(stmt, 3);
	d->created = sqlite3_column_int64(stmt, 9);
	kind = (const char *)sqlite3_column_text(stmt, 4);
	if (store_col_str(stmt, 2, &d->name) != OPS_OK)
		return ops_err_set(err, OPS_E_NOMEM, "read automation");
	if (kind == NULL || strcmp(kind, "document") != 0)
		return ops_err_set(err, OPS_E_NOTFOUND, "automation %s version "
		    "%d is a %s, not a document", d->name, d->version,
		    kind != NULL ? kind : "?");
	h = (const char *)sqlite3_column_text(stmt, 7);
	if (h != NULL && strlen(h) == 64)
		memcpy(d->sha256, h, 65);
	if (store_col_str(stmt, 5, &d->format) != OPS_OK ||
	    store_col_blob(stmt, 6, &d->doc, &d->doc_len) != OPS_OK ||
	    store_col_str(stmt, 8, &d->actor) != OPS_OK)
		return ops_err_set(err, OPS_E_NOMEM, "read automation");
	return load_files(st, vid, d, err);
}

/* name or id (the other NULL / 0) selects the automation. */
static int
doc_get(struct store *st, const char *name, int64_t id, int version,
    struct store_automation_doc **out, struct ops_err *err)
{
	sqlite3_stmt			*stmt = NULL;
	struct store_automation_doc	*d = NULL;
	int				 rc;

	*out = NULL;
	if (version < 0)
		return ops_err_set(err, OPS_E_NOTFOUND,
		    "automation version %d not found", version);
	if ((rc = store_stmt(st, name != NULL ? sql_doc_by_name :
	    sql_doc_by_id, &stmt, err)) != OPS_OK)
		return rc;
	if (name != NULL)
		store_bind_text(stmt, 1, name);
	else
		sqlite3_bind_int64(stmt, 1, id);
	sqlite3_bind_int(stmt, 2, version);
	if ((rc = sqlite3_step(stmt)) == SQLITE_DONE) {
		if (name != NULL && version == 0)
			rc = ops_err_set(err, OPS_E_NOTFOUND,
			    "automation %s not found", name);
		else if (name != NULL)
			rc = ops_err_set(err, OPS_E_NOTFOUND,
			    "automation %s version %d not found", name,
			    version);
		else
			rc = ops_err_set(err, OPS_E_NOTFOUND,
			    "automation #%lld version %d not found",
			    (long long)id, version);
	} else if (rc != SQLITE_ROW)
		rc = store_dberr(st, rc, err, "read automation");
	else if ((d = calloc(1, sizeof(*d))) == NULL)
		rc = ops_err_set(err, OPS_E_NOMEM, "read automation");
	else
		rc = load_doc(st, stmt, d, err);
	store_stmt_done(stmt);
	if (rc != OPS_OK)
		store_automation_doc_free(d);
	else
		*out = d;
	return rc;
}

int
store_automation_doc_get(struct store *st, const char *name, int version,
    struct store_automation_doc **out, struct ops_err *err)
{
	*out = NULL;
	if (name == NULL)
		return ops_err_set(err, OPS_E_INVAL, "automation name is empty");
	return doc_get(st, name, 0, version, out, err);
}

int
store_automation_doc_get_id(struct store *st, int64_t automation_id,
    int version, struct store_automation_doc **out, struct ops_err *err)
{
	return doc_get(st, NULL, automation_id, version, out, err);
}

void
store_automation_doc_free(struct store_automation_doc *d)
{
	size_t	i;

	if (d == NULL)
		return;
	for (i = 0; i < d->nfiles; i++) {
		free(d->files[i].path);
		free(d->files[i].data);
	}
	free(d->files);
	free(d->name);
	free(d->format);
	free(d->doc);
	free(d->actor);
	free(d);
}

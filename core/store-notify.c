/*
 * store-notify.c: notification channels, the outbox and the SMTP password
 * (store-notify.h). Secrets are sealed (seal.h) under the channel's owner
 * id "notify/<random>" before they reach SQL.
 */
#include "config.h"

#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "seal.h"
#include "store-int.h"
#include "store-notify.h"

static const char *const notify_kinds[] = {
	[STORE_NOTIFY_WEBHOOK] = "webhook",
	[STORE_NOTIFY_SLACK] = "slack",
	[STORE_NOTIFY_TELEGRAM] = "telegram",
	[STORE_NOTIFY_EMAIL] = "email",
};

#define CHANNEL_COLS \
	"c.id, c.name, c.kind, c.target, c.shown, c.events," \
	" c.secret IS NOT NULL, c.created," \
	" (SELECT count(*) FROM outbox o WHERE o.channel_id = c.id AND" \
	"  o.state = 'pending')," \
	" (SELECT count(*) FROM outbox o WHERE o.channel_id = c.id AND" \
	"  o.state = 'failed')"
static const char sql_ch_get[] =
	"SELECT " CHANNEL_COLS " FROM notify_channels c WHERE c.name = ?1";
static const char sql_ch_get_id[] =
	"SELECT " CHANNEL_COLS " FROM notify_channels c WHERE c.id = ?1";
static const char sql_ch_list[] =
	"SELECT " CHANNEL_COLS " FROM notify_channels c ORDER BY c.name";
static const char sql_ch_insert[] =
	"INSERT INTO notify_channels (name, kind, target, target_sealed,"
	" shown, events, secret, owner, created)"
	" VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)";
static const char sql_ch_exists[] =
	"SELECT id FROM notify_channels WHERE name = ?1";
static const char sql_ch_fail_pending[] =
	"UPDATE outbox SET state = 'failed', last_error = 'channel removed'"
	" WHERE channel_id = ?1 AND state = 'pending'";
static const char sql_ch_delete[] =
	"DELETE FROM notify_channels WHERE id = ?1";
static const char sql_ch_target[] =
	"SELECT owner, target_sealed FROM notify_channels WHERE id = ?1";
static const char sql_ch_secret[] =
	"SELECT owner, secret FROM notify_channels WHERE id = ?1";

#define OUTBOX_COLS \
	"id, channel_id, channel, event, payload, webhook_id, attempts," \
	" next_attempt, give_up_at, state, last_error, created, delivered"
static const char sql_ob_insert[] =
	"INSERT INTO outbox (channel_id, channel, event, payload, webhook_id,"
	" next_attempt, give_up_at, created) VALUES (?1, ?2, ?3, ?4, ?5, ?6,"
	" ?7, ?6)";
static const char sql_ob_get[] =
	"SELECT " OUTBOX_COLS " FROM outbox WHERE id = ?1";
static const char sql_ob_due[] =
	"SELECT " OUTBOX_COLS " FROM outbox WHERE state = 'pending' AND"
	" next_attempt <= ?1 ORDER BY next_attempt, id LIMIT ?2";
static const char sql_ob_next[] =
	"SELECT min(next_attempt) FROM outbox WHERE state = 'pending'";
static const char sql_ob_update[] =
	"UPDATE outbox SET attempts = ?2, state = ?3, next_attempt = ?4,"
	" last_error = ?5, delivered = CASE WHEN ?3 = 'delivered' THEN ?6"
	" ELSE delivered END WHERE id = ?1";
static const char sql_ob_list[] =
	"SELECT " OUTBOX_COLS " FROM outbox ORDER BY id DESC LIMIT ?1";
static const char sql_smtp_set[] =
	"INSERT OR REPLACE INTO notify_smtp (id, owner, password)"
	" VALUES (1, 'notify/smtp', ?1)";
static const char sql_smtp_get[] =
	"SELECT owner, password FROM notify_smtp WHERE id = 1";

const char *
store_notify_kind_name(enum store_notify_kind kind)
{
	if (kind < STORE_NOTIFY_WEBHOOK || kind > STORE_NOTIFY_EMAIL)
		return "?";
	return notify_kinds[kind];
}

int
store_notify_kind_parse(const char *s, enum store_notify_kind *kind)
{
	int	k;

	for (k = STORE_NOTIFY_WEBHOOK; k <= STORE_NOTIFY_EMAIL; k++)
		if (s != NULL && strcmp(s, notify_kinds[k]) == 0) {
			*kind = (enum store_notify_kind)k;
			return OPS_OK;
		}
	return OPS_E_INVAL;
}

static void
make_owner(char out[64])
{
	unsigned char	b[16];
	size_t		i;

	randombytes_buf(b, sizeof(b));
	snprintf(out, 64, "notify/");
	for (i = 0; i < sizeof(b); i++)
		snprintf(out + 7 + 2 * i, 3, "%02x", b[i]);
}

static int
load_channel(sqlite3_stmt *stmt, struct store_notify_channel *c,
    struct ops_err *err)
{
	memset(c, 0, sizeof(*c));
	c->id = sqlite3_column_int64(stmt, 0);
	if (store_col_str(stmt, 1, &c->name) != OPS_OK ||
	    store_col_str(stmt, 3, &c->target) != OPS_OK ||
	    store_col_str(stmt, 4, &c->shown) != OPS_OK ||
	    store_col_str(stmt, 5, &c->events) != OPS_OK)
		return ops_err_set(err, OPS_E_NOMEM, "read a channel");
	if (store_notify_kind_parse((const char *)sqlite3_column_text(stmt, 2),
	    &c->kind) != OPS_OK)
		return ops_err_set(err, OPS_E_CORRUPT, "channel %s: bad kind",
		    c->name);
	c->has_secret = sqlite3_column_int(stmt, 6);
	c->created = sqlite3_column_int64(stmt, 7);
	c->pending = sqlite3_column_int64(stmt, 8);
	c->failed = sqlite3_column_int64(stmt, 9);
	return OPS_OK;
}

static void
channel_clear(struct store_notify_channel *c)
{
	free(c->name);
	free(c->target);
	free(c->shown);
	free(c->events);
}

void
store_notify_channel_free(struct store_notify_channel *c)
{
	if (c == NULL)
		return;
	channel_clear(c);
	free(c);
}

void
store_notify_channel_list_free(struct store_notify_channel_list *l)
{
	size_t	i;

	for (i = 0; i < l->n; i++)
		channel_clear(&l->v[i]);
	free(l->v);
	l->v = NULL;
	l->n = 0;
}

static int
seal_opt(struct store *st, const char *owner, const char *field,
    const struct secret *s, unsigned char **blob, size_t *len,
    struct ops_err *err)
{
	*blob = NULL;
	*len = 0;
	if (s == NULL)
		return OPS_OK;
	return seal_secret(st->kr, owner, field, s, blob, len, err);
}

int
store_notify_add(struct store *st, const struct store_notify_spec *s,
    int64_t *id, struct ops_err *err)
{
	sqlite3_stmt	*stmt = NULL;
	unsigned char	*tblob = NULL, *sblob = NULL;
	size_t		 tlen = 0, slen = 0;
	char		 owner[64];
	int		 rc;

	if (id != NULL)
		*id = 0;
	if ((rc = store_check_name("channel", s->name, err)) != OPS_OK)
		return rc;
	if ((s->target == NULL) == (s->target_secret == NULL))
		return ops_err_set(err, OPS_E_INVAL, "channel %s: one target "
		    "is needed", s->name);
	if ((s->target != NULL && (rc = store_check_text("target", s->target,
	    STORE_NOTIFY_TARGET_MAX, 0, err)) != OPS_OK) ||
	    (rc = store_check_text("shown", s->shown, STORE_NOTIFY_TARGET_MAX,
	    0, err)) != OPS_OK ||
	    (rc = store_check_text("events", s->events, 1024, 0,
	    err)) != OPS_OK)
		return rc;
	make_owner(owner);
	if ((rc = seal_opt(st, owner, "target", s->target_secret, &tblob,
	    &tlen, err)) != OPS_OK ||
	    (rc = seal_opt(st, owner, "secret", s->secret, &sblob, &slen,
	    err)) != OPS_OK)
		goto out_free;
	if ((rc = store_tx_enter(st, err)) != OPS_OK)
		goto out_free;
	if ((rc = store_stmt(st, sql_ch_exists, &stmt, err)) != OPS_OK)
		goto out;
	store_bind_text(stmt, 1, s->name);
	if (sqlite3_step(stmt) == SQLITE_ROW) {
		rc = ops_err_set(err, OPS_E_EXISTS, "channel %s already "
		    "exists", s->name);
		goto out;
	}
	store_stmt_done(stmt);
	if ((rc = store_stmt(st, sql_ch_insert, &stmt, err)) != OPS_OK)
		goto out;
	store_bind_text(stmt, 1, s->name);
	store_bind_text(stmt, 2, store_notify_kind_name(s->kind));
	store_bind_text(stmt, 3, s->target);
	if (tblob != NULL)
		sqlite3_bind_blob(stmt, 4, tblob, (int)tlen, SQLITE_STATIC);
	store_bind_text(stmt, 5, s->shown);
	store_bind_text(stmt, 6, s->events);
	if (sblob != NULL)
		sqlite3_bind_blob(stmt, 7, sblob, (int)slen, SQLITE_STATIC);
	store_bind_text(stmt, 8, owner);
	sqlite3_bind_int64(stmt, 9, store_now_ms());
	if ((rc = sqlite3_step(stmt)) != SQLITE_DONE)
		rc = store_dberr(st, rc, err, "add channel %s", s->name);
	else {
		rc = OPS_OK;
		if (id != NULL)
			*id = sqlite3_last_insert_rowid(st->db);
	}
out:
	store_stmt_done(stmt);
	rc = store_tx_leave(st, rc, err);
out_free:
	free(tblob);
	free(sblob);
	return rc;
}

static int
channel_one(struct store *st, const char *sql, const char *name, int64_t id,
    struct store_notify_channel **out, struct ops_err *err)
{
	sqlite3_stmt	*stmt = NULL;
	int		 rc;

	*out = NULL;
	if ((rc = store_stmt(st, sql, &stmt, err)) != OPS_OK)
		return rc;
	if (name != NULL)
		store_bind_text(stmt, 1, name);
	else
		sqlite3_bind_int64(stmt, 1, id);
	if ((rc = sqlite3_step(stmt)) == SQLITE_ROW) {
		if ((*out = calloc(1, sizeof(**out))) == NULL)
			rc = ops_err_set(err, OPS_E_NOMEM, "read a channel");
		else
			rc = load_channel(stmt, *out, err);
	} else if (rc == SQLITE_DONE) {
		if (name != NULL)
			rc = ops_err_set(err, OPS_E_NOTFOUND, "no channel "
			    "named %s", name);
		else
			rc = ops_err_set(err, OPS_E_NOTFOUND, "no channel %lld",
			    (long long)id);
	} else
		rc = store_dberr(st, rc, err, "read a channel");
	store_stmt_done(stmt);
	if (rc != OPS_OK) {
		store_notify_channel_free(*out);
		*out = NULL;
	}
	return rc;
}

int
store_notify_get(struct store *st, const char *name,
    struct store_notify_channel **out, struct ops_err *err)
{
	return channel_one(st, sql_ch_get, name, 0, out, err);
}

int
store_notify_get_id(struct store *st, int64_t id,
    struct store_notify_channel **out, struct ops_err *err)
{
	return channel_one(st, sql_ch_get_id, NULL, id, out, err);
}

int
store_notify_list(struct store *st, struct store_notify_channel_list *out,
    struct ops_err *err)
{
	sqlite3_stmt			*stmt = NULL;
	struct store_notify_channel	*v;
	int				 rc;

	out->v = NULL;
	out->n = 0;
	if ((rc = store_stmt(st, sql_ch_list, &stmt, err)) != OPS_OK)
		return rc;
	while ((rc = sqlite3_step(stmt)) == SQLITE_ROW) {
		if ((v = reallocarray(out->v, out->n + 1, sizeof(*v))) ==
		    NULL) {
			rc = ops_err_set(err, OPS_E_NOMEM, "list channels");
			goto out;
		}
		out->v = v;
		if ((rc = load_channel(stmt, &out->v[out->n++], err)) !=
		    OPS_OK)
			goto out;
	}
	rc = rc == SQLITE_DONE ? OPS_OK :
	    store_dberr(st, rc, err, "list channels");
out:
	store_stmt_done(stmt);
	if (rc != OPS_OK)
		store_notify_channel_list_free(out);
	return rc;
}

int
store_notify_delete(struct store *st, const char *name, struct ops_err *err)
{
	struct store_notify_channel	*c = NULL;
	sqlite3_stmt			*stmt = NULL;
	int				 rc;

	if ((rc = store_tx_enter(st, err)) != OPS_OK)
		return rc;
	if ((rc = store_notify_get(st, name, &c, err)) != OPS_OK)
		goto out;
	if ((rc = store_stmt(st, sql_ch_fail_pending, &stmt, err)) != OPS_OK)
		goto out;
	sqlite3_bind_int64(stmt, 1, c->id);
	if ((rc = sqlite3_step(stmt)) != SQLITE_DONE) {
		rc = store_dberr(st, rc, err, "remove channel %s", name);
		goto out;
	}
	store_stmt_done(stmt);
	if ((rc = store_stmt(st, sql_ch_delete, &stmt, err)) != OPS_OK)
		goto out;
	sqlite3_bind_int64(stmt, 1, c->id);
	rc = (rc = sqlite3_step(stmt)) == SQLITE_DONE ? OPS_OK :
	    store_dberr(st, rc, err, "remove channel %s", name);
out:
	store_stmt_done(stmt);
	store_notify_channel_free(c);
	return store_tx_leave(st, rc, err);
}

/* Open the sealed blob in column 1 under the owner in column 0. */
static int
open_sealed(struct store *st, const char *sql, int64_t id, int bind,
    const char *field, const char *what, struct secret **out,
    struct ops_err *err)
{
	sqlite3_stmt	*stmt = NULL;
	int		 rc;

	*out = NULL;
	if ((rc = store_stmt(st, sql, &stmt, err)) != OPS_OK)
		return rc;
	if (bind)
		sqlite3_bind_int64(stmt, 1, id);
	if ((rc = sqlite3_step(stmt)) != SQLITE_ROW ||
	    sqlite3_column_type(stmt, 1) == SQLITE_NULL)
		rc = rc == SQLITE_ROW || rc == SQLITE_DONE ?
		    ops_err_set(err, OPS_E_NOTFOUND, "%s is not set", what) :
		    store_dberr(st, rc, err, "read %s", what);
	else
		rc = seal_open(st->kr, (const char *)sqlite3_column_text(stmt,
		    0), field, sqlite3_column_blob(stmt, 1),
		    (size_t)sqlite3_column_bytes(stmt, 1), out, err);
	store_stmt_done(stmt);
	return rc;
}

int
store_notify_open_secret(struct store *st, int64_t id, const char *field,
    struct secret **out, struct ops_err *err)
{
	if (strcmp(field, "target") == 0)
		return open_sealed(st, sql_ch_target, id, 1, "target",
		    "the channel's sealed target", out, err);
	if (strcmp(field, "secret") == 0)
		return open_sealed(st, sql_ch_secret, id, 1, "secret",
		    "the channel's secret", out, err);
	*out = NULL;
	return ops_err_set(err, OPS_E_INVAL, "no channel field %s", field);
}

int
store_notify_smtp_set(struct store *st, const struct secret *pw,
    struct ops_err *err)
{
	sqlite3_stmt	*stmt = NULL;
	unsigned char	*blob = NULL;
	size_t		 len = 0;
	int		 rc;

	if ((rc = seal_secret(st->kr, "notify/smtp", "password", pw, &blob,
	    &len, err)) != OPS_OK)
		return rc;
	if ((rc = store_tx_enter(st, err)) != OPS_OK)
		goto out_free;
	if ((rc = store_stmt(st, sql_smtp_set, &stmt, err)) == OPS_OK) {
		sqlite3_bind_blob(stmt, 1, blob, (int)len, SQLITE_STATIC);
		rc = (rc = sqlite3_step(stmt)) == SQLITE_DONE ? OPS_OK :
		    store_dberr(st, rc, err, "set the SMTP password");
	}
	store_stmt_done(stmt);
	rc = store_tx_leave(st, rc, err);
out_free:
	free(blob);
	return rc;
}

int
store_notify_smtp_open(struct store *st, struct secret **out,
    struct ops_err *err)
{
	return open_sealed(st, sql_smtp_get, 0, 0, "password",
	    "the SMTP password", out, err);
}

/* ---- the outbox ------------------------------------------------------ */

int
store_outbox_add(struct store *st, int64_t channel_id, const char *channel,
    const char *event, const char *payload, const char *webhook_id,
    int64_t give_up_at, int64_t *id, struct ops_err *err)
{
	sqlite3_stmt	*stmt = NULL;
	int		 rc;

	if (id != NULL)
		*id = 0;
	if (payload == NULL || strlen(payload) > STORE_NOTIFY_PAYLOAD_MAX)
		return ops_err_set(err, OPS_E_TOOBIG, "notification payload "
		    "over %d bytes", STORE_NOTIFY_PAYLOAD_MAX);
	if ((rc = store_tx_enter(st, err)) != OPS_OK)
		return rc;
	if ((rc = store_stmt(st, sql_ob_insert, &stmt, err)) == OPS_OK) {
		sqlite3_bind_int64(stmt, 1, channel_id);
		store_bind_text(stmt, 2, channel);
		store_bind_text(stmt, 3, event);
		store_bind_text(stmt, 4, payload);
		store_bind_text(stmt, 5, webhook_id);
		sqlite3_bind_int64(stmt, 6, store_now_ms());
		sqlite3_bind_int64(stmt, 7, give_up_at);
		if ((rc = sqlite3_step(stmt)) != SQLITE_DONE)
			rc = store_dberr(st, rc, err, "queue a notification");
		else {
			rc = OPS_OK;
			if (id != NULL)
				*id = sqlite3_last_insert_rowid(st->db);
		}
	}
	store_stmt_done(stmt);
	return store_tx_leave(st, rc, err);
}

static int
load_outbox(sqlite3_stmt *stmt, struct store_outbox *o, struct ops_err *err)
{
	memset(o, 0, sizeof(*o));
	o->id = sqlite3_column_int64(stmt, 0);
	o->channel_id = sqlite3_column_int64(stmt, 1);
	o->attempts = sqlite3_column_int(stmt, 6);
	o->next_attempt = sqlite3_column_int64(stmt, 7);
	o->give_up_at = sqlite3_column_int64(stmt, 8);
	o->created = sqlite3_column_int64(stmt, 11);
	o->delivered = sqlite3_column_int64(stmt, 12);
	if (store_col_str(stmt, 2, &o->channel) != OPS_OK ||
	    store_col_str(stmt, 3, &o->event) != OPS_OK ||
	    store_col_str(stmt, 4, &o->payload) != OPS_OK ||
	    store_col_str(stmt, 5, &o->webhook_id) != OPS_OK ||
	    store_col_str(stmt, 9, &o->state) != OPS_OK ||
	    store_col_str(stmt, 10, &o->last_error) != OPS_OK)
		return ops_err_set(err, OPS_E_NOMEM, "read a notification");
	return OPS_OK;
}

static void
outbox_clear(struct store_outbox *o)
{
	free(o->channel);
	free(o->event);
	free(o->payload);
	free(o->webhook_id);
	free(o->state);
	free(o->last_error);
}

void
store_outbox_free(struct store_outbox *o)
{
	if (o == NULL)
		return;
	outbox_clear(o);
	free(o);
}

void
store_outbox_list_free(struct store_outbox_list *l)
{
	size_t	i;

	for (i = 0; i < l->n; i++)
		outbox_clear(&l->v[i]);
	free(l->v);
	l->v = NULL;
	l->n = 0;
}

static int
outbox_rows(struct store *st, const char *sql, int64_t a, int64_t b,
    struct store_outbox_list *out, struct ops_err *err)
{
	sqlite3_stmt		*stmt = NULL;
	struct store_outbox	*v;
	int			 rc;

	out->v = NULL;
	out->n = 0;
	if ((rc = store_stmt(st, sql, &stmt, err)) != OPS_OK)
		return rc;
	sqlite3_bind_int64(stmt, 1, a);
	if (b >= 0)
		sqlite3_bind_int64(stmt, 2, b);
	while ((rc = sqlite3_step(stmt)) == SQLITE_ROW) {
		if ((v = reallocarray(out->v, out->n + 1, sizeof(*v))) ==
		    NULL) {
			rc = ops_err_set(err, OPS_E_NOMEM, "read the outbox");
			goto out;
		}
		out->v = v;
		if ((rc = load_outbox(stmt, &out->v[out->n++], err)) != OPS_OK)
			goto out;
	}
	rc = rc == SQLITE_DONE ? OPS_OK :
	    store_dberr(st, rc, err, "read the outbox");
out:
	store_stmt_done(stmt);
	if (rc != OPS_OK)
		store_outbox_list_free(out);
	return rc;
}

int
store_outbox_get(struct store *st, int64_t id, struct store_outbox **out,
    struct ops_err *err)
{
	struct store_outbox_list	l;
	int				rc;

	*out = NULL;
	if ((rc = outbox_rows(st, sql_ob_get, id, -1, &l, err)) != OPS_OK)
		return rc;
	if (l.n == 0)
		return ops_err_set(err, OPS_E_NOTFOUND, "no notification %lld",
		    (long long)id);
	*out = l.v;	/* the one row, as a block of one */
	return OPS_OK;
}

int
store_outbox_due(struct store *st, int64_t now, size_t max,
    struct store_outbox_list *out, struct ops_err *err)
{
	return outbox_rows(st, sql_ob_due, now, (int64_t)max, out, err);
}

int
store_outbox_list(struct store *st, size_t limit,
    struct store_outbox_list *out, struct ops_err *err)
{
	return outbox_rows(st, sql_ob_list, limit ? (int64_t)limit : 50, -1,
	    out, err);
}

int
store_outbox_next_due(struct store *st, int64_t *when, struct ops_err *err)
{
	sqlite3_stmt	*stmt = NULL;
	int		 rc;

	*when = 0;
	if ((rc = store_stmt(st, sql_ob_next, &stmt, err)) != OPS_OK)
		return rc;
	if ((rc = sqlite3_step(stmt)) == SQLITE_ROW) {
		*when = sqlite3_column_int64(stmt, 0);
		rc = OPS_OK;
	} else
		rc = store_dberr(st, rc, err, "read the outbox");
	store_stmt_done(stmt);
	return rc;
}

int
store_outbox_attempt(struct store *st, int64_t id, int attempts,
    const char *state, int64_t next, const char *error, struct ops_err *err)
{
	sqlite3_stmt	*stmt = NULL;
	char		 e[STORE_NOTIFY_ERROR_MAX + 1];
	int		 rc;

	if (strcmp(state, "pending") != 0 && strcmp(state, "delivered") != 0 &&
	    strcmp(state, "failed") != 0)
		return ops_err_set(err, OPS_E_INVAL, "no outbox state %s",
		    state);
	if (error != NULL)
		snprintf(e, sizeof(e), "%s", error);
	if ((rc = store_tx_enter(st, err)) != OPS_OK)
		return rc;
	if ((rc = store_stmt(st, sql_ob_update, &stmt, err)) == OPS_OK) {
		sqlite3_bind_int64(stmt, 1, id);
		sqlite3_bind_int(stmt, 2, attempts);
		store_bind_text(stmt, 3, state);
		sqlite3_bind_int64(stmt, 4, next);
		store_bind_text(stmt, 5, error != NULL ? e : NULL);
		sqlite3_bind_int64(stmt, 6, store_now_ms());
		rc = (rc = sqlite3_step(stmt)) == SQLITE_DONE ? OPS_OK :
		    store_dberr(st, rc, err, "record notification %lld",
		    (long long)id);
	}
	store_stmt_done(stmt);
	return store_tx_leave(st, rc, err);
}

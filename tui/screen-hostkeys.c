/*
 * screen-hostkeys.c: the Host keys screen: the keys targets presented
 * that match none of their known keys (hostkey-list; a run that meets an
 * unknown key leaves it pending), "new" for a target with no known key,
 * "changed" for one whose known key differs, with the key type and
 * SHA256 fingerprint to compare out of band. a accepts the key under
 * the cursor after a y/n question that repeats the fingerprint; the
 * daemon moves it into the target's known keys (hostkey-accept names the
 * fingerprint, so a key that changed meanwhile is not accepted). x (or
 * d) rejects it after a y/n question: hostkey-reject forgets the pending
 * key (audited); a later run that meets it makes it pending again.
 */
#include "config.h"

#include <string.h>

#include <curses.h>

#include "tui-screen.h"

static const struct view_col hk_cols[] = {
	{ "TARGET", "target", VC_STR, 18 },
	{ "STATUS", "status", VC_STR, 8 },
	{ "TYPE", "type", VC_STR, 12 },
	{ "FINGERPRINT", "fingerprint", VC_STR, 52 },
	{ "LAST SEEN", "seen", VC_TIME, 20 },
};

static struct view_list *
hk_view(struct tui *t)
{
	if (t->hostkeys.cols == NULL)
		view_list_init(&t->hostkeys, hk_cols,
		    sizeof(hk_cols) / sizeof(hk_cols[0]), "_key");
	return &t->hostkeys;
}

static const char *
str_of(const json_t *o, const char *a, const char *b)
{
	const json_t	*v = json_object_get(o, a);

	if (!json_is_string(v) && b != NULL)
		v = json_object_get(o, b);
	return json_is_string(v) ? json_string_value(v) : NULL;
}

static void
add_row(json_t *rows, const char *target, const char *status,
    const json_t *k)
{
	struct hostkey_rec	 hk;
	struct ops_err		 err;
	char			 key[600];
	json_t			*r;

	if (target == NULL || hostkey_rec_decode(k, &hk, &err) != OPS_OK)
		return;
	snprintf(key, sizeof(key), "%s %s", target, hk.fingerprint);
	r = json_pack("{s:s, s:s, s:s, s:s, s:s}", "_key", key, "target",
	    target, "status", status != NULL ? status : "new", "type",
	    hk.type != NULL ? hk.type : "-", "fingerprint", hk.fingerprint);
	if (r == NULL)
		return;
	if (hk.last_seen > 0 || hk.first_seen > 0)
		json_object_set_new(r, "seen", json_integer(hk.last_seen > 0 ?
		    hk.last_seen : hk.first_seen));
	json_array_append_new(rows, r);
}

/* One row per pending key: hostkey-list gives, per target, its status
 * ("new": no known key, "changed": another known key) and its known and
 * pending keys. */
static json_t *
rows_of(const json_t *result)
{
	const json_t	*o, *k;
	json_t		*rows = json_array();
	size_t		 i, j;

	json_array_foreach(result, i, o) {
		json_array_foreach(json_object_get(o, "pending"), j, k)
			add_row(rows, str_of(o, "target", "name"),
			    str_of(o, "status", NULL), k);
	}
	return rows;
}

static void
list_done(struct tui *t, int rc, const json_t *result, const char *message,
    void *arg)
{
	(void)arg;
	if (rc != OPS_OK) {
		if (rc != OPS_E_CONNECT)
			tui_message(t, 1, "host key list: %s", message);
		return;
	}
	view_list_set_rows(hk_view(t), rows_of(result));
	t->dirty = 1;
}

static void
hk_reload(struct tui *t)
{
	json_t	*m;

	/* Every target's keys: only for the screen on show. */
	if (t->screens[t->cur] != &screen_hostkeys ||
	    (m = proto_msg_new(PROTO_HOSTKEY_LIST, 0)) == NULL)
		return;
	(void)tconn_request(&t->conn, m, list_done, NULL);
	json_decref(m);
}

static int
hk_open(struct tui *t)
{
	(void)hk_view(t);
	return TUI_R_REFRESH;	/* keys arrive with every connection */
}

static void
hk_draw(struct tui *t, int y, int h)
{
	struct view_list	*v = hk_view(t);
	char			 info[128];

	snprintf(info, sizeof(info), " %zu pending host key%s: compare the "
	    "fingerprint before you accept", v->nvis, v->nvis == 1 ? "" : "s");
	frame_put(y, 0, COLS, theme_attr(TH_HINT), 1, info);
	frame_list(t, v, y + 1, h - 1);
}

static void
accept_done(struct tui *t, int rc, const json_t *result, const char *message,
    void *arg)
{
	(void)result;
	(void)arg;
	if (rc != OPS_OK) {
		if (rc != OPS_E_CONNECT)
			tui_message(t, 1, "accept host key: %s", message);
		return;
	}
	tui_message(t, 0, "host key accepted");
	hk_reload(t);
}

static void
accept_yes(struct tui *t)
{
	const json_t	*o = view_list_current(hk_view(t));
	json_t		*m;

	if (o == NULL || (m = proto_msg_new(PROTO_HOSTKEY_ACCEPT, 0)) == NULL)
		return;
	(void)proto_add_str(m, "target", str_of(o, "target", NULL), NULL);
	(void)proto_add_str(m, "fingerprint", str_of(o, "fingerprint", NULL),
	    NULL);
	(void)tconn_request(&t->conn, m, accept_done, NULL);
	json_decref(m);
}

static void
reject_done(struct tui *t, int rc, const json_t *result, const char *message,
    void *arg)
{
	(void)arg;
	if (rc != OPS_OK) {
		if (rc != OPS_E_CONNECT)
			tui_message(t, 1, "reject host key: %s", message);
		return;
	}
	tui_message(t, 0, "host key %s of %s rejected",
	    str_of(result, "fingerprint", NULL) != NULL ?
	    str_of(result, "fingerprint", NULL) : "?",
	    str_of(result, "target", NULL) != NULL ?
	    str_of(result, "target", NULL) : "?");
	hk_reload(t);
}

static void
reject_yes(struct tui *t)
{
	const json_t	*o = view_list_current(hk_view(t));
	json_t		*m;

	if (o == NULL || (m = proto_msg_new(PROTO_HOSTKEY_REJECT, 0)) == NULL)
		return;
	(void)proto_add_str(m, "target", str_of(o, "target", NULL), NULL);
	(void)proto_add_str(m, "fingerprint", str_of(o, "fingerprint", NULL),
	    NULL);
	(void)tconn_request(&t->conn, m, reject_done, NULL);
	json_decref(m);
}

static int
hk_key(struct tui *t, enum key_action a, int ch)
{
	const json_t	*o = view_list_current(hk_view(t));
	char		 q[600];

	(void)ch;
	if (a != KA_ACCEPT && a != KA_REMOVE)
		return 0;
	if (o == NULL)
		return TUI_R_HANDLED;
	snprintf(q, sizeof(q), "%s %s key %s for %s?", a == KA_ACCEPT ?
	    "Accept" : "Reject", str_of(o, "type", NULL),
	    str_of(o, "fingerprint", NULL), str_of(o, "target", NULL));
	tui_confirm(t, q, a == KA_ACCEPT ? accept_yes : reject_yes);
	return TUI_R_HANDLED | TUI_R_REDRAW;
}

const struct screen screen_hostkeys = {
	.name = "Host keys",
	.hints = "a accept  x reject  j/k move  C-r refresh  ? help  q quit",
	.ctx = KC_HOSTKEYS,
	.open = hk_open,
	.draw = hk_draw,
	.key = hk_key,
	.reload = hk_reload,
	.view = hk_view,
};

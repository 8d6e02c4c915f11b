/*
 * screen-audit.c: the Audit screen: the most recent audit records and the
 * state of the hash chain (audit-verify) above them.
 */
#include "config.h"

#include <curses.h>

#include "tui-screen.h"

#define AUDIT_LIMIT	500

static const struct view_col audit_cols[] = {
	{ "ID", "id", VC_INT, 6 },
	{ "TIME", "ts", VC_TIME, 21 },
	{ "ACTOR", "actor", VC_STR, 16 },
	{ "ACTION", "action", VC_STR, 14 },
	{ "OBJECT", "object", VC_STR, 16 },
	{ "RESULT", "result", VC_STR, 27 },
};

static struct view_list *
audit_view(struct tui *t)
{
	if (t->audit.cols == NULL) {
		view_list_init(&t->audit, audit_cols,
		    sizeof(audit_cols) / sizeof(audit_cols[0]), "_key");
		t->audit.sort_col = 0;		/* newest first */
		t->audit.sort_desc = 1;
	}
	return &t->audit;
}

/* Audit rows are keyed by their integer id: add it as a string. */
static json_t *
keyed(const json_t *result)
{
	json_t	*rows = json_deep_copy(result), *o;
	size_t	 i;
	char	 id[32];

	json_array_foreach(rows, i, o) {
		snprintf(id, sizeof(id), "%lld",
		    (long long)json_integer_value(json_object_get(o, "id")));
		json_object_set_new(o, "_key", json_string(id));
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
			tui_message(t, 1, "audit list: %s", message);
		return;
	}
	view_list_set_rows(audit_view(t), keyed(result));
	t->dirty = 1;
}

static void
verify_done(struct tui *t, int rc, const json_t *result,
    const char *message, void *arg)
{
	(void)result;
	(void)arg;
	if (rc == OPS_E_CONNECT)
		return;
	t->chain = rc == OPS_OK;
	snprintf(t->chain_msg, sizeof(t->chain_msg), "%s", rc == OPS_OK ?
	    "intact" : message);
	t->dirty = 1;
}

static void
audit_refresh(struct tui *t)
{
	json_t	*m;

	if ((m = proto_msg_new(PROTO_AUDIT_LIST, 0)) != NULL) {
		(void)proto_add_int(m, "limit", AUDIT_LIMIT, NULL);
		(void)tconn_request(&t->conn, m, list_done, NULL);
		json_decref(m);
	}
	if ((m = proto_msg_new(PROTO_AUDIT_VERIFY, 0)) != NULL) {
		(void)tconn_request(&t->conn, m, verify_done, NULL);
		json_decref(m);
	}
}

static int
audit_open(struct tui *t)
{
	(void)audit_view(t);
	/* Records keep coming: ask again on every visit. */
	return TUI_R_REFRESH;
}

static void
audit_draw(struct tui *t, int y, int h)
{
	struct view_list	*v = audit_view(t);
	char			 info[400];

	snprintf(info, sizeof(info), " chain: %s", t->chain < 0 ?
	    "checking..." : t->chain_msg);
	frame_put(y, 0, COLS, theme_attr(t->chain == 0 ? TH_ERROR :
	    t->chain > 0 ? TH_OK : TH_HINT), 1, info);
	frame_list(t, v, y + 1, h - 1);
}

static int
audit_key(struct tui *t, enum key_action a, int ch)
{
	(void)t;
	(void)a;
	(void)ch;
	return 0;
}

const struct screen screen_audit = {
	.name = "Audit",
	.hints = "j/k move  / filter  s sort  C-r refresh  ? help  q quit",
	.ctx = -1,
	.open = audit_open,
	.draw = audit_draw,
	.key = audit_key,
	.reload = audit_refresh,
	.view = audit_view,
};

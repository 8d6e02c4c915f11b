/*
 * screen-targets.c: the Targets screen: the list (name, host:port, user,
 * credential, tags, reachability and the last run's result, both kept
 * live from run-state and target-status events without a refetch) with
 * marks, filter and sort; Enter opens a detail
 * panel; a/e open the add and edit forms; d removes the marked targets
 * (or the one under the cursor) after a y/n question. Every change goes
 * to the daemon; the form stays open with the daemon's refusal until a
 * request succeeds, so nothing is half-saved.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <curses.h>

#include "model.h"
#include "tui-screen.h"

#define FORM_ADD	1
#define FORM_EDIT	2

static const struct view_col target_cols[] = {
	{ "NAME", TARGET_F_NAME, VC_STR, 18 },
	{ "HOST:PORT", TARGET_F_HOST, VC_HOSTPORT, 24 },
	{ "USER", TARGET_F_USER, VC_STR, 12 },
	{ "CRED", TARGET_F_CRED, VC_STR, 14 },
	{ "TAGS", TARGET_F_TAGS, VC_TAGS, 18 },
	{ "REACH", TARGET_F_REACH, VC_STR, 12 },
	{ "LAST", TARGET_F_LAST_RUN, VC_LASTRUN, 17 },
};

static struct view_list *
targets_view(struct tui *t)
{
	if (t->targets.cols == NULL)
		view_list_init(&t->targets, target_cols,
		    sizeof(target_cols) / sizeof(target_cols[0]), TARGET_F_NAME);
	return &t->targets;
}

static const struct frame_rows list_rows = { targets_view, "target list" };

static void
targets_refresh(struct tui *t)
{
	json_t	*m = proto_msg_new(PROTO_TARGET_LIST, 0);

	if (m == NULL)
		return;
	(void)tconn_request(&t->conn, m, frame_rows_done, (void *)&list_rows);
	json_decref(m);
}

static int
targets_open(struct tui *t)
{
	(void)targets_view(t);
	targets_refresh(t);
	return TUI_R_REDRAW;
}

static void
detail_line(int y, const char *label, const char *value)
{
	frame_put(y, 2, 12, theme_attr(TH_HEADER), 1, label);
	frame_put(y, 14, COLS - 14, A_NORMAL, 1, value);
}

static void
draw_detail(struct tui *t, const json_t *o, int y, int h)
{
	static const struct {
		const char	*label;
		const char	*field;
		enum view_kind	 kind;
	} f[] = {
		{ "name", TARGET_F_NAME, VC_STR },
		{ "host", TARGET_F_HOST, VC_STR },
		{ "port", TARGET_F_PORT, VC_INT },
		{ "user", TARGET_F_USER, VC_STR },
		{ "credential", TARGET_F_CRED, VC_STR },
		{ "tags", TARGET_F_TAGS, VC_TAGS },
		{ "notes", TARGET_F_NOTES, VC_STR },
		{ "created", TARGET_F_CREATED, VC_TIME },
		{ "updated", TARGET_F_UPDATED, VC_TIME },
		{ "reachability", TARGET_F_REACH, VC_STR },
		{ "unreachable", TARGET_F_REACH_CLASS, VC_STR },
		{ "last run", TARGET_F_LAST_RUN, VC_LASTRUN },
	};
	struct view_list	 one;
	struct view_col		 col;
	char			 buf[1024];
	size_t			 i;

	(void)t;
	frame_put(y, 0, COLS, theme_attr(TH_HEADER), 1, " Target details "
	    "(Esc back, e edit, d remove)");
	for (i = 0; i < sizeof(f) / sizeof(f[0]) && (int)i + 2 < h; i++) {
		col.title = f[i].label;
		col.field = f[i].field;
		col.kind = f[i].kind;
		col.weight = 1;
		view_list_init(&one, &col, 1, TARGET_F_NAME);
		view_list_cell(&one, o, 0, buf, sizeof(buf));
		detail_line(y + 2 + (int)i, f[i].label, buf);
	}
}

static void
targets_draw(struct tui *t, int y, int h)
{
	struct view_list	*v = targets_view(t);
	const json_t		*o = view_list_current(v);
	char			 info[300];

	if (t->target_detail && o != NULL) {
		draw_detail(t, o, y, h);
		return;
	}
	t->target_detail = 0;
	snprintf(info, sizeof(info), " %zu of %zu targets%s%s%s", v->nvis,
	    json_array_size(v->rows), v->filter[0] != '\0' ?
	    ", filter: " : "", v->filter, v->nmarked > 0 ? ", marked: " : "");
	if (v->nmarked > 0)
		snprintf(info + strlen(info), sizeof(info) - strlen(info),
		    "%zu", v->nmarked);
	frame_put(y, 0, COLS, theme_attr(TH_HINT), 1, info);
	frame_list(t, v, y + 1, h - 1);
}

/* The row of the target named name, or NULL (and *idx unchanged). */
static json_t *
target_row(struct view_list *v, const char *name, size_t *idx)
{
	json_t	*o;
	size_t	 i;

	json_array_foreach(v->rows, i, o) {
		if (strcmp(view_list_key(v, o), name) == 0) {
			*idx = i;
			return o;
		}
	}
	return NULL;
}

void
screen_targets_event(struct tui *t, enum proto_type type, const json_t *msg)
{
	struct view_list	*v = targets_view(t);
	const char		*name, *status;
	struct timespec		 ts;
	struct run_rec		 r;
	struct ops_err		 err;
	json_t			*o, *lr;
	enum run_class		 cls;
	size_t			 idx = 0;

	name = json_string_value(json_object_get(msg, "target"));
	if (name == NULL || (o = target_row(v, name, &idx)) == NULL)
		return;
	if (type == PROTO_TARGET_STATUS) {
		if ((status = json_string_value(json_object_get(msg,
		    "status"))) == NULL)
			return;
		/* Events carry the error joined as "class: message". */
		run_error_split(json_string_value(json_object_get(msg,
		    "message")), &cls, NULL);
		json_object_set_new(o, TARGET_F_REACH, json_string(status));
		json_object_set_new(o, TARGET_F_REACH_CLASS, strcmp(status,
		    "unreachable") == 0 && cls != RUN_CLASS_NONE ?
		    json_string(run_class_name(cls)) : json_null());
	} else if (type == PROTO_RUN_STATE) {
		/* Only results: what target-list's last_run holds, in its
		 * shape (core/model-json.h), finished now. */
		if (run_rec_decode(msg, RUN_REC_EVENT, &r, &err) != OPS_OK ||
		    !run_state_has_result(r.state))
			return;
		clock_gettime(CLOCK_REALTIME, &ts);
		r.finished = (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
		if ((lr = run_rec_encode(&r, RUN_REC_LAST)) == NULL)
			return;
		json_object_set_new(o, TARGET_F_LAST_RUN, lr);
	} else
		return;
	view_list_row_changed(v, idx);
	if (t->screens[t->cur] == &screen_targets)
		t->dirty_ev = 1;
}

/* Tags typed as "a, b c" become ["a","b","c"]. */
static void
add_tags(json_t *m, const char *text)
{
	char		 buf[256], *p, *tok, *save = NULL;
	const char	*tags[64];
	size_t		 n = 0;

	snprintf(buf, sizeof(buf), "%s", text);
	for (p = buf; (tok = strtok_r(p, ", ", &save)) != NULL; p = NULL)
		if (n < 64)
			tags[n++] = tok;
	(void)proto_add_str_array(m, "tags", tags, n, NULL);
}

static void
save_done(struct tui *t, int rc, const json_t *result, const char *message,
    void *arg)
{
	struct form	*f = t->form;

	(void)result;
	(void)arg;
	t->dirty = 1;
	if (f == NULL)
		return;
	f->busy = 0;
	if (rc != OPS_OK) {
		snprintf(f->error, sizeof(f->error), "not saved: %s", message);
		return;
	}
	tui_message(t, 0, "target %s %s", form_value(f, "name"),
	    f->kind == FORM_ADD ? "added" : "saved");
	form_free(f);
	t->form = NULL;
	tui_refresh_all(t);
}

static void
form_submit(struct tui *t)
{
	struct form	*f = t->form;
	const char	*name = form_value(f, "name"), *port;
	json_t		*m;

	m = proto_msg_new(f->kind == FORM_ADD ? PROTO_TARGET_ADD :
	    PROTO_TARGET_EDIT, 0);
	if (m == NULL)
		return;
	if (f->kind == FORM_ADD)
		(void)proto_add_str(m, "name", name, NULL);
	else {
		(void)proto_add_str(m, "name", f->orig, NULL);
		if (strcmp(name, f->orig) != 0)
			(void)proto_add_str(m, "new_name", name, NULL);
	}
	(void)proto_add_str(m, "host", form_value(f, "host"), NULL);
	if (*(port = form_value(f, "port")) != '\0')
		(void)proto_add_int(m, "port", strtol(port, NULL, 10), NULL);
	if (*form_value(f, "user") != '\0')
		(void)proto_add_str(m, "user", form_value(f, "user"), NULL);
	if (*form_value(f, "cred") != '\0')
		(void)proto_add_str(m, "cred", form_value(f, "cred"), NULL);
	else if (f->kind == FORM_EDIT)
		(void)proto_add_bool(m, "clear_cred", 1, NULL);
	if (f->kind == FORM_EDIT || *form_value(f, "tags") != '\0')
		add_tags(m, form_value(f, "tags"));
	if (*form_value(f, "notes") != '\0')
		(void)proto_add_str(m, "notes", form_value(f, "notes"), NULL);
	f->busy = 1;
	(void)tconn_request(&t->conn, m, save_done, NULL);
	json_decref(m);
}

static struct form *
target_form(const char *title, int kind, const json_t *o)
{
	struct target_rec	 r;
	struct ops_err		 err;
	struct form		*f;
	char			 port[32] = "", tags[256] = "";

	memset(&r, 0, sizeof(r));
	if (o != NULL && target_rec_decode(o, &r, &err) != OPS_OK)
		return NULL;
	if ((f = form_new(title, kind)) == NULL) {
		target_rec_done(&r);
		return NULL;
	}
	if (o != NULL) {
		if (r.ntags > 0)
			(void)cli_tags_join(&r, tags, sizeof(tags));
		snprintf(port, sizeof(port), "%d", r.port);
		snprintf(f->orig, sizeof(f->orig), "%s", r.name);
	}
#define S(v) ((v) != NULL ? (v) : "")
	form_add(f, "Name", "name", FORM_F_REQUIRED, S(r.name));
	form_add(f, "Host", "host", FORM_F_REQUIRED, S(r.host));
	form_add(f, "Port", "port", FORM_F_PORT, port);
	form_add(f, "User", "user", 0, S(r.user));
	form_add(f, "Credential", "cred", 0, S(r.cred));
	form_add(f, "Tags", "tags", 0, tags);
	form_add(f, "Notes", "notes", 0, S(r.notes));
#undef S
	target_rec_done(&r);
	f->on_submit = form_submit;
	return f;
}

void
screen_targets_add(struct tui *t)
{
	form_free(t->form);
	t->form = target_form("Add target", FORM_ADD, NULL);
	t->dirty = 1;
}

static void
rm_done(struct tui *t, int rc, const json_t *result, const char *message,
    void *arg)
{
	(void)result;
	(void)arg;
	if (rc != OPS_OK)
		tui_message(t, 1, "remove: %s", message);
	tui_refresh_all(t);
}

static void
rm_yes(struct tui *t)
{
	struct view_list	*v = targets_view(t);
	const json_t		*o = view_list_current(v);
	json_t			*m;
	size_t			 i, n = v->nmarked > 0 ? v->nmarked : 1;

	for (i = 0; i < n; i++) {
		if ((m = proto_msg_new(PROTO_TARGET_RM, 0)) == NULL)
			return;
		(void)proto_add_str(m, "name", v->nmarked > 0 ?
		    v->marked[i] : view_list_key(v, o), NULL);
		(void)tconn_request(&t->conn, m, rm_done, NULL);
		json_decref(m);
	}
	tui_message(t, 0, "removing %zu target%s", n, n > 1 ? "s" : "");
	t->target_detail = 0;
}

size_t
screen_targets_selection(struct tui *t, const char ***sel)
{
	struct view_list	*v = targets_view(t);
	const json_t		*o = view_list_current(v);
	size_t			 i, n = v->nmarked > 0 ? v->nmarked : o != NULL;

	if (n == 0 || (*sel = calloc(n + 1, sizeof(**sel))) == NULL) {
		*sel = NULL;
		return 0;
	}
	for (i = 0; i < v->nmarked; i++)
		(*sel)[i] = v->marked[i];
	if (v->nmarked == 0)
		(*sel)[0] = view_list_key(v, o);
	return n;
}

static int
targets_key(struct tui *t, enum key_action a, int ch)
{
	struct view_list	*v = targets_view(t);
	const json_t		*o = view_list_current(v);
	char			 q[300];

	(void)ch;
	switch (a) {
	case KA_MARK:
		view_list_toggle_mark(v);
		view_list_move(v, 1);
		return TUI_R_HANDLED | TUI_R_REDRAW;
	case KA_ENTER:
		if (o != NULL)
			t->target_detail = 1;
		return TUI_R_HANDLED | TUI_R_REDRAW;
	case KA_BACK:
		t->target_detail = 0;
		return TUI_R_HANDLED | TUI_R_REDRAW;
	case KA_ADD:
		screen_targets_add(t);
		return TUI_R_HANDLED | TUI_R_REDRAW;
	case KA_EDIT:
		if (o == NULL)
			return TUI_R_HANDLED;
		form_free(t->form);
		t->form = target_form("Edit target", FORM_EDIT, o);
		return TUI_R_HANDLED | TUI_R_REDRAW;
	case KA_REMOVE:
		if (v->nmarked > 0)
			snprintf(q, sizeof(q), "Remove %zu marked target%s?",
			    v->nmarked, v->nmarked > 1 ? "s" : "");
		else if (o != NULL)
			snprintf(q, sizeof(q), "Remove target %s?",
			    view_list_key(v, o));
		else
			return TUI_R_HANDLED;
		tui_confirm(t, q, rm_yes);
		return TUI_R_HANDLED | TUI_R_REDRAW;
	default:
		return 0;
	}
}

const struct screen screen_targets = {
	.name = "Targets",
	.hints = "a add  e edit  d remove  Space mark  r run  Enter details  "
	    "/ filter  s sort  : command  ? help  q quit",
	.ctx = KC_TARGETS,
	.open = targets_open,
	.draw = targets_draw,
	.key = targets_key,
	.reload = targets_refresh,
	.view = targets_view,
};

/*
 * screen-automations.c: the Automations screen, read-only, in three
 * levels: the automations (automation-list); Enter on one lists its
 * versions (automation-history); Enter on a version shows its document
 * as it was applied (automation-export), filtered for the terminal
 * (core/termsafe) and scrolled with the list keys. Esc goes up a level.
 * r runs the automation with a parameter form (screen-autorun.c).
 * Applying and removing stay with the CLI.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <curses.h>

#include "autodoc.h"
#include "termsafe.h"
#include "tui-screen.h"

enum { AUTO_LIST = 0, AUTO_VERSIONS, AUTO_FILE };

static const struct view_col auto_cols[] = {
	{ "NAME", "name", VC_STR, 24 },
	{ "VERSION", "latest", VC_INT, 8 },
	{ "VERSIONS", "versions", VC_INT, 9 },
	{ "APPLIED", "applied", VC_TIME, 20 },
	{ "BY", "applied_by", VC_STR, 14 },
	{ "DESCRIPTION", "description", VC_STR, 30 },
};

static const struct view_col version_cols[] = {
	{ "VERSION", "version", VC_INT, 8 },
	{ "APPLIED", "created", VC_TIME, 20 },
	{ "BY", "actor", VC_STR, 14 },
	{ "FORMAT", "format", VC_STR, 7 },
	{ "SIZE", "size", VC_INT, 8 },
	{ "FILES", "files", VC_INT, 6 },
	{ "SHA256", "sha256", VC_STR, 30 },
};

static struct view_list *
autos_list(struct tui *t)
{
	if (t->autos.cols == NULL)
		view_list_init(&t->autos, auto_cols,
		    sizeof(auto_cols) / sizeof(auto_cols[0]), "name");
	return &t->autos;
}

static struct view_list *
versions_list(struct tui *t)
{
	if (t->auto_versions.cols == NULL) {
		view_list_init(&t->auto_versions, version_cols,
		    sizeof(version_cols) / sizeof(version_cols[0]),
		    "version");
		t->auto_versions.sort_col = 0;		/* newest first */
		t->auto_versions.sort_desc = 1;
	}
	return &t->auto_versions;
}

/* The list the keys move in, or NULL while a document is shown. */
static struct view_list *
autos_view(struct tui *t)
{
	if (t->auto_mode == AUTO_FILE)
		return NULL;
	return t->auto_mode == AUTO_VERSIONS ? versions_list(t) :
	    autos_list(t);
}

void
screen_automations_done(struct tui *t)
{
	view_list_done(&t->autos);
	view_list_done(&t->auto_versions);
	free(t->auto_doc);
	t->auto_doc = NULL;
}

static const struct frame_rows list_rows = { autos_list, "automation list" };

static void
history_done(struct tui *t, int rc, const json_t *result,
    const char *message, void *arg)
{
	(void)arg;
	if (rc != OPS_OK) {
		if (rc != OPS_E_CONNECT)
			tui_message(t, 1, "automation history %s: %s",
			    t->auto_name, message);
		t->auto_mode = AUTO_LIST;
		t->dirty = 1;
		return;
	}
	view_list_set_rows(versions_list(t), json_deep_copy(result));
	t->dirty = 1;
}

/* The document, escaped (LF kept, TAB as a space) for drawing. */
static void
export_done(struct tui *t, int rc, const json_t *result,
    const char *message, void *arg)
{
	const char	*b64;
	unsigned char	*doc = NULL;
	char		*p;
	size_t		 len, cap;

	(void)arg;
	b64 = json_string_value(json_object_get(result, "doc"));
	if (rc == OPS_OK && (b64 == NULL || autodoc_unb64("the document",
	    b64, strlen(b64), 16 * 1024 * 1024, &doc, &len, NULL) !=
	    OPS_OK)) {
		rc = OPS_E_PROTO;
		message = "the reply has no document";
	}
	if (rc != OPS_OK) {
		if (rc != OPS_E_CONNECT)
			tui_message(t, 1, "automation export %s: %s",
			    t->auto_name, message);
		t->auto_mode = AUTO_VERSIONS;
		t->dirty = 1;
		return;
	}
	cap = len * TERMSAFE_GROWTH + 1;
	free(t->auto_doc);
	if ((t->auto_doc = malloc(cap)) != NULL) {
		termsafe_escape(doc, len, TERMSAFE_LF, t->auto_doc, cap);
		for (p = t->auto_doc; *p != '\0'; p++)
			if (*p == '\t' || *p == '\r')
				*p = ' ';
	}
	free(doc);
	t->auto_top = 0;
	t->dirty = 1;
}

static void
request(struct tui *t, enum proto_type type, tconn_cb *cb)
{
	void	*arg = cb == frame_rows_done ? (void *)&list_rows : NULL;
	json_t	*m = proto_msg_new(type, 0);

	if (m == NULL)
		return;
	if (type != PROTO_AUTOMATION_LIST)
		proto_add_str(m, "name", t->auto_name, NULL);
	if (type == PROTO_AUTOMATION_EXPORT)
		proto_add_int(m, "version", t->auto_version, NULL);
	(void)tconn_request(&t->conn, m, cb, arg);
	json_decref(m);
}

static void
autos_reload(struct tui *t)
{
	request(t, PROTO_AUTOMATION_LIST, frame_rows_done);
	if (t->auto_mode >= AUTO_VERSIONS)
		request(t, PROTO_AUTOMATION_HISTORY, history_done);
	if (t->auto_mode == AUTO_FILE)
		request(t, PROTO_AUTOMATION_EXPORT, export_done);
}

static int
autos_open(struct tui *t)
{
	/* Ask again on every visit (the CLI may have applied some). */
	(void)autos_list(t);
	autos_reload(t);
	return TUI_R_REDRAW;
}

/* Lines of s (a last one without LF counts). */
static size_t
doc_lines(const char *s)
{
	size_t	n = 0;

	for (; s != NULL && *s != '\0'; s++)
		if (*s == '\n' || s[1] == '\0')
			n++;
	return n;
}

static void
draw_doc(struct tui *t, int y, int h)
{
	const char	*p = t->auto_doc, *nl;
	char		 line[1024];
	long		 i;
	int		 row = 0;

	for (i = 0; p != NULL && *p != '\0' && row < h; i++) {
		nl = strchr(p, '\n');
		if (i >= t->auto_top) {
			snprintf(line, sizeof(line), "%.*s", nl != NULL ?
			    (int)(nl - p) : (int)strlen(p), p);
			frame_put(y + row++, 1, COLS - 1,
			    theme_attr(TH_NORMAL), 1, line);
		}
		p = nl != NULL ? nl + 1 : NULL;
	}
	while (row < h)
		frame_put(y + row++, 0, COLS, theme_attr(TH_NORMAL), 1, "");
}

static void
autos_draw(struct tui *t, int y, int h)
{
	char	info[512];

	if (t->auto_mode == AUTO_FILE) {
		snprintf(info, sizeof(info), " %s version %d (Esc: its "
		    "versions; export it with \"opsicle automation export\")",
		    t->auto_name, t->auto_version);
		frame_put(y, 0, COLS, theme_attr(TH_HINT), 1, info);
		if (t->auto_doc == NULL)
			frame_put(y + 1, 1, COLS - 1, theme_attr(TH_HINT), 1,
			    "loading...");
		else
			draw_doc(t, y + 1, h - 1);
		t->auto_rows = h - 1;
		return;
	}
	if (t->auto_mode == AUTO_VERSIONS) {
		snprintf(info, sizeof(info), " %s: %zu versions (Enter: the "
		    "file as applied; Esc: the automations)", t->auto_name,
		    versions_list(t)->nvis);
		frame_put(y, 0, COLS, theme_attr(TH_HINT), 1, info);
		frame_list(t, versions_list(t), y + 1, h - 1);
		return;
	}
	snprintf(info, sizeof(info), " %zu automations (add one with "
	    "\"opsicle automation apply FILE\"; Enter: its versions)",
	    autos_list(t)->nvis);
	frame_put(y, 0, COLS, theme_attr(TH_HINT), 1, info);
	frame_list(t, autos_list(t), y + 1, h - 1);
}

/* Scroll the document (the list keys, as the Job screen's output). */
static int
scroll_doc(struct tui *t, enum key_action a)
{
	long	page = t->auto_rows > 1 ? t->auto_rows - 1 : 1;
	long	max = (long)doc_lines(t->auto_doc) - t->auto_rows;

	switch (a) {
	case KA_UP:
		t->auto_top--;
		break;
	case KA_DOWN:
		t->auto_top++;
		break;
	case KA_PGUP:
		t->auto_top -= page;
		break;
	case KA_PGDN:
		t->auto_top += page;
		break;
	case KA_TOP:
		t->auto_top = 0;
		break;
	case KA_BOTTOM:
		t->auto_top = max;
		break;
	default:
		return 0;
	}
	if (t->auto_top > max)
		t->auto_top = max;
	if (t->auto_top < 0)
		t->auto_top = 0;
	return TUI_R_HANDLED | TUI_R_REDRAW;
}

static int
autos_key(struct tui *t, enum key_action a, int ch)
{
	const json_t	*o;

	(void)ch;
	if (a == KA_BACK && t->auto_mode > AUTO_LIST) {
		t->auto_mode--;
		return TUI_R_HANDLED | TUI_R_REDRAW;
	}
	if (a == KA_RUN) {
		if (t->auto_mode == AUTO_LIST && (o = view_list_current(
		    autos_list(t))) != NULL)
			autorun_open(t, json_string_value(json_object_get(o,
			    "name")));
		else if (t->auto_mode > AUTO_LIST)
			autorun_open(t, t->auto_name);
		return TUI_R_HANDLED | TUI_R_REDRAW;
	}
	if (t->auto_mode == AUTO_FILE)
		return scroll_doc(t, a);
	if (a != KA_ENTER || (o = view_list_current(autos_view(t))) == NULL)
		return 0;
	if (t->auto_mode == AUTO_LIST) {
		snprintf(t->auto_name, sizeof(t->auto_name), "%s",
		    json_string_value(json_object_get(o, "name")));
		view_list_set_rows(versions_list(t), json_array());
		versions_list(t)->loaded = 0;
		t->auto_mode = AUTO_VERSIONS;
		request(t, PROTO_AUTOMATION_HISTORY, history_done);
	} else {
		t->auto_version = (int)json_integer_value(json_object_get(o,
		    "version"));
		free(t->auto_doc);
		t->auto_doc = NULL;
		t->auto_mode = AUTO_FILE;
		request(t, PROTO_AUTOMATION_EXPORT, export_done);
	}
	return TUI_R_HANDLED | TUI_R_REDRAW;
}

const struct screen screen_automations = {
	.name = "Automations",
	.hints = "Enter versions/file  r run (a form)  Esc back  j/k move  "
	    "/ filter  ? help  q quit",
	.ctx = KC_AUTOMATIONS,
	.open = autos_open,
	.draw = autos_draw,
	.key = autos_key,
	.reload = autos_reload,
	.view = autos_view,
};

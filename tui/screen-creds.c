/*
 * screen-creds.c: the Credentials screen: names, kinds and users only.
 * The daemon never sends secret bytes to a client, so there are none to
 * show.
 */
#include "config.h"

#include <curses.h>

#include "tui-screen.h"

static const struct view_col cred_cols[] = {
	{ "NAME", "name", VC_STR, 30 },
	{ "KIND", "kind", VC_STR, 16 },
	{ "USER", "user", VC_STR, 20 },
	{ "UPDATED", "updated", VC_TIME, 24 },
};

static struct view_list *
creds_view(struct tui *t)
{
	if (t->creds.cols == NULL)
		view_list_init(&t->creds, cred_cols,
		    sizeof(cred_cols) / sizeof(cred_cols[0]), "name");
	return &t->creds;
}

static const struct frame_rows list_rows = { creds_view, "cred list" };

static void
creds_refresh(struct tui *t)
{
	json_t	*m = proto_msg_new(PROTO_CRED_LIST, 0);

	if (m == NULL)
		return;
	(void)tconn_request(&t->conn, m, frame_rows_done, (void *)&list_rows);
	json_decref(m);
}

static int
creds_open(struct tui *t)
{
	/* Ask again on every visit (the CLI may have added some). */
	(void)creds_view(t);
	creds_refresh(t);
	return TUI_R_REDRAW;
}

static void
creds_draw(struct tui *t, int y, int h)
{
	struct view_list	*v = creds_view(t);
	char			 info[128];

	snprintf(info, sizeof(info), " %zu credentials (add them with "
	    "\"opsicle cred add\"; secrets are never shown)", v->nvis);
	frame_put(y, 0, COLS, theme_attr(TH_HINT), 1, info);
	frame_list(t, v, y + 1, h - 1);
}

static int
creds_key(struct tui *t, enum key_action a, int ch)
{
	(void)t;
	(void)a;
	(void)ch;
	return 0;
}

const struct screen screen_creds = {
	.name = "Credentials",
	.hints = "j/k move  / filter  s sort  Tab next screen  ? help  q quit",
	.ctx = -1,
	.open = creds_open,
	.draw = creds_draw,
	.key = creds_key,
	.reload = creds_refresh,
	.view = creds_view,
};

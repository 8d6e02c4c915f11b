/*
 * screen-frame.c: what every screen shares: the tab bar, the status line
 * (daemon state and messages), the key hint or prompt line, the width-
 * aware text helper and the generic list painter.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>
#include <wchar.h>

#include <curses.h>

#include "tui-screen.h"

void
frame_rows_done(struct tui *t, int rc, const json_t *result,
    const char *message, void *arg)
{
	const struct frame_rows	*fr = arg;

	if (rc != OPS_OK) {
		if (rc != OPS_E_CONNECT)
			tui_message(t, 1, "%s: %s", fr->what, message);
		return;
	}
	view_list_set_rows(fr->view(t), json_deep_copy(result));
	t->dirty = 1;
}

int
frame_put(int y, int x, int w, int attr, int pad, const char *s)
{
	wchar_t		 wc;
	mbstate_t	 ps;
	size_t		 n;
	int		 used = 0, cw;

	if (w <= 0 || y < 0 || y >= LINES || x >= COLS)
		return 0;
	if (x + w > COLS)
		w = COLS - x;
	attrset(attr);
	move(y, x);
	memset(&ps, 0, sizeof(ps));
	while (*s != '\0') {
		n = mbrtowc(&wc, s, MB_CUR_MAX, &ps);
		if (n == (size_t)-1 || n == (size_t)-2) {
			/* Not valid here: show one '?' per byte. */
			memset(&ps, 0, sizeof(ps));
			wc = L'?';
			n = 1;
		}
		if (n == 0)
			break;
		if (wc < 32 || wc == 127)
			wc = L'?';
		if ((cw = wcwidth(wc)) < 0)
			cw = 1;
		if (used + cw > w)
			break;
		if (cw > 0) {
			(void)addnwstr(&wc, 1);
			used += cw;
		}
		s += n;
	}
	if (pad)
		for (; used < w; used++)
			addch(' ');
	attrset(A_NORMAL);
	return used;
}

static void
draw_tabs(struct tui *t)
{
	char	label[64];
	size_t	i;
	int	x = 0;

	frame_put(0, 0, COLS, theme_attr(TH_BAR), 1, "");
	for (i = 0; i < t->nscreens; i++) {
		if (i + 1 < 10)
			snprintf(label, sizeof(label), " %zu %s ", i + 1,
			    t->screens[i]->name);
		else
			snprintf(label, sizeof(label), " %s ",
			    t->screens[i]->name);
		x += frame_put(0, x, COLS - x, theme_attr(i == t->cur ?
		    TH_TAB_ACTIVE : TH_BAR), 0, label);
	}
	if (x + 8 < COLS)
		frame_put(0, COLS - 8, 8, theme_attr(TH_BAR), 1, "opsicle ");
}

static void
draw_status(struct tui *t, int y)
{
	char	left[128];
	int	w;

	if (t->lost)
		snprintf(left, sizeof(left), " daemon lost ");
	else if (!t->status_known)
		snprintf(left, sizeof(left), " connected ");
	else
		snprintf(left, sizeof(left), " opsicled %s pid %lld, %s ",
		    t->version, t->daemon_pid, t->locked ?
		    "LOCKED (u unlocks)" : "unlocked");
	w = frame_put(y, 0, COLS, theme_attr(t->lost || t->locked ?
	    TH_ERROR : TH_STATUS), 0, left);
	/* the jobs awaiting approval, whatever the screen */
	if (t->appr_known && t->appr_pending > 0 && !t->lost) {
		snprintf(left, sizeof(left), "| %d awaiting approval ",
		    t->appr_pending);
		w += frame_put(y, w, COLS - w, theme_attr(TH_ERROR), 0, left);
	}
	if (t->msg[0] != '\0')
		w += frame_put(y, w, COLS - w, theme_attr(TH_STATUS), 0, "| ");
	frame_put(y, w, COLS - w, theme_attr(t->msg_err ? TH_ERROR :
	    TH_STATUS), 1, t->msg);
}

static void
draw_bottom(struct tui *t, int y)
{
	char	line[512];
	int	x;

	switch (t->prompt) {
	case PROMPT_FILTER:
	case PROMPT_CMD:
	case PROMPT_SEARCH:
	case PROMPT_RUN:
		if (t->prompt == PROMPT_RUN && t->runsel.nhidden > 0)
			snprintf(line, sizeof(line), "run on %zu target%s, "
			    "%zu hidden: %s", t->run_n, t->run_n == 1 ? "" :
			    "s", t->runsel.nhidden, t->line);
		else if (t->prompt == PROMPT_RUN)
			snprintf(line, sizeof(line), "run on %zu target%s: %s",
			    t->run_n, t->run_n == 1 ? "" : "s", t->line);
		else
			snprintf(line, sizeof(line), "%s%s",
			    t->prompt == PROMPT_CMD ? ":" : "/", t->line);
		x = frame_put(y, 0, COLS, A_NORMAL, 1, line);
		move(y, x < COLS ? x : COLS - 1);
		return;
	case PROMPT_CONFIRM:
		snprintf(line, sizeof(line), "%s (y/n)", t->question);
		frame_put(y, 0, COLS, theme_attr(TH_ERROR), 1, line);
		return;
	case PROMPT_NONE:
		break;
	}
	if (t->form != NULL)
		snprintf(line, sizeof(line), "Enter %s  Tab next field  Esc "
		    "cancel", t->form->submit);
	frame_put(y, 0, COLS, theme_attr(TH_HINT), 1, t->form != NULL ?
	    line : t->screens[t->cur]->hints);
}

static void
draw_lost(struct tui *t)
{
	char	line[512];
	int	w = COLS - 4 < 64 ? COLS - 4 : 64, y0 = LINES / 2 - 3, x0, y;

	if (w < 10)
		w = COLS;
	x0 = (COLS - w) / 2;
	for (y = y0; y < y0 + 6; y++)
		frame_put(y, x0, w, theme_attr(TH_ERROR), 1, "");
	frame_put(y0 + 1, x0 + 2, w - 4, theme_attr(TH_ERROR), 1,
	    "Lost the connection to opsicled:");
	snprintf(line, sizeof(line), "%s", t->lost_why);
	frame_put(y0 + 2, x0 + 2, w - 4, theme_attr(TH_ERROR), 1, line);
	frame_put(y0 + 4, x0 + 2, w - 4, theme_attr(TH_ERROR), 1,
	    "r reconnect    q quit");
}

void
frame_draw(struct tui *t)
{
	int	body = LINES - 3;

	erase();
	curs_set(0);
	draw_tabs(t);
	if (body > 0)
		t->screens[t->cur]->draw(t, 1, body);
	if (LINES >= 2)
		draw_status(t, LINES - 2);
	if (t->form != NULL)
		curs_set(1);
	if (t->lost)
		draw_lost(t);
	if (t->prompt != PROMPT_NONE && t->prompt != PROMPT_CONFIRM)
		curs_set(1);
	if (!t->lost)
		runsel_draw(t);		/* the run's targets, over the body */
	draw_bottom(t, LINES - 1);
	if (t->form != NULL && t->prompt == PROMPT_NONE)
		form_draw(t->form, LINES, COLS);	/* leaves the cursor */
	if (t->unlock_open && !t->lost)
		tui_unlock_draw(t);		/* leaves the cursor */
	refresh();
}

void
frame_widths(const struct view_list *v, int width, int *w)
{
	int	sum = 0, used = 0;
	size_t	i;

	for (i = 0; i < v->ncols; i++)
		sum += v->cols[i].weight;
	for (i = 0; i < v->ncols; i++) {
		w[i] = sum > 0 ? width * v->cols[i].weight / sum : 4;
		if (w[i] < 3)
			w[i] = 3;
		used += w[i];
	}
	if (v->ncols > 0 && used < width)
		w[v->ncols - 1] += width - used;
}

void
frame_list(struct tui *t, struct view_list *v, int y, int h)
{
	const json_t	*row;
	char		 cell[1024], title[64];
	int		 w[16], x, attr, m;
	size_t		 i, c;

	(void)t;
	if (v->ncols > 16 || h < 2)
		return;
	frame_widths(v, COLS - 2, w);
	x = 2;
	frame_put(y, 0, COLS, theme_attr(TH_HEADER), 1, "");
	for (c = 0; c < v->ncols; c++) {
		snprintf(title, sizeof(title), "%s%s", v->cols[c].title,
		    v->sort_col == (int)c ? (v->sort_desc ? " v" : " ^") : "");
		frame_put(y, x, w[c] - 1, theme_attr(TH_HEADER), 1, title);
		x += w[c];
	}
	h--;
	y++;
	if (v->nvis == 0) {
		frame_put(y, 2, COLS - 2, theme_attr(TH_HINT), 1, !v->loaded ?
		    "loading..." : v->filter[0] != '\0' ?
		    "no rows match the filter" : "none yet");
		return;
	}
	view_list_scroll(v, (size_t)h);
	for (i = 0; i < (size_t)h && v->top + i < v->nvis; i++) {
		row = view_list_row(v, v->top + i);
		m = view_list_is_marked(v, row);
		attr = v->top + i == v->cursor ? theme_attr(TH_CURSOR) :
		    m ? theme_attr(TH_MARKED) : (int)A_NORMAL;
		frame_put(y + (int)i, 0, COLS, attr, 1, m ? "*" : "");
		x = 2;
		for (c = 0; c < v->ncols; c++) {
			view_list_cell(v, row, c, cell, sizeof(cell));
			frame_put(y + (int)i, x, w[c] - 1, attr, 1, cell);
			x += w[c];
		}
	}
}

/*
 * tui-runsel.c: which targets a console run goes to, shown before it runs.
 *
 * "r" and ":run" run on the marked targets (or the one under the cursor),
 * and marks outlive the filter, so a run may go to targets the list does
 * not show. The targets are taken once, when the run prompt opens (or
 * ":run CMD" is typed): what the panel lists is what runs, whatever the
 * list does meanwhile. While the prompt and its question are open a panel
 * above the bottom line gives their count and names, each one the
 * Targets list does not show (the filter hides it, or another screen is
 * open) marked "(hidden)".
 *
 * The threshold: a run asks y/n first unless it goes to one target that
 * is on screen, i.e. when it has more than RUNSEL_ASK_OVER targets, any
 * hidden one, or is typed on another screen. Esc (or n) cancels, and
 * nothing runs.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <curses.h>

#include "tui-screen.h"
#include "xmalloc.h"

#define RUNSEL_ASK_OVER	1	/* targets a run may have without y/n */
#define RUNSEL_ROWS_MAX	8	/* panel rows for names */

void
runsel_clear(struct tui *t)
{
	struct runsel	*r = &t->runsel;
	size_t		 i;

	for (i = 0; i < r->n; i++)
		free(r->names[i]);
	free(r->names);
	free(r->hidden);
	free(r->cmd);
	memset(r, 0, sizeof(*r));
}

/* Is the target named name a row the Targets screen shows right now? */
static int
shown(struct tui *t, const char *name)
{
	struct view_list	*v = &t->targets;
	size_t			 i;

	if (t->screens[t->cur] != &screen_targets || t->target_detail)
		return 0;
	for (i = 0; i < v->nvis; i++)
		if (strcmp(view_list_key(v, view_list_row(v, i)), name) == 0)
			return 1;
	return 0;
}

size_t
runsel_take(struct tui *t)
{
	struct runsel	*r = &t->runsel;
	const char	**sel = NULL;
	size_t		  n, i;

	runsel_clear(t);
	if ((n = screen_targets_selection(t, &sel)) == 0)
		return 0;
	r->names = xcalloc(n, sizeof(*r->names));
	r->hidden = xcalloc(n, sizeof(*r->hidden));
	for (i = 0; i < n; i++) {
		r->names[i] = xstrdup(sel[i]);
		if ((r->hidden[i] = !shown(t, sel[i])))
			r->nhidden++;
	}
	r->n = n;
	r->on_targets = t->screens[t->cur] == &screen_targets;
	free(sel);
	return n;
}

static void
runsel_go(struct tui *t)
{
	struct runsel	*r = &t->runsel;

	if (r->cmd != NULL)
		jobs_run_cmd(t, (const char *const *)r->names, r->n, r->cmd);
	runsel_clear(t);
}

static void
runsel_yes(struct tui *t)
{
	runsel_go(t);
}

int
runsel_asking(const struct tui *t)
{
	return t->prompt == PROMPT_CONFIRM && t->on_yes == runsel_yes;
}

void
runsel_submit(struct tui *t, const char *cmd)
{
	struct runsel	*r = &t->runsel;
	char		 q[sizeof(t->question)];
	char		 hid[64] = "";

	if (r->n == 0) {
		tui_message(t, 1, "run: no target selected (Targets screen: "
		    "Space marks)");
		return;
	}
	free(r->cmd);
	r->cmd = xstrdup(cmd);
	if (r->n <= RUNSEL_ASK_OVER && r->nhidden == 0 && r->on_targets) {
		runsel_go(t);
		return;
	}
	if (r->nhidden > 0)
		snprintf(hid, sizeof(hid), ", %zu of them hidden", r->nhidden);
	snprintf(q, sizeof(q), "Run on %zu target%s%s: %s ?", r->n,
	    r->n == 1 ? "" : "s", hid, cmd);
	tui_confirm(t, q, runsel_yes);
}

void
runsel_cancel(struct tui *t)
{
	if (t->runsel.n > 0)
		tui_message(t, 0, "run cancelled: nothing ran");
	runsel_clear(t);
}

/* The names, packed into lines of at most w columns; *more gets how
 * many did not fit in max lines. Returns the lines used. */
static int
pack(const struct runsel *r, int w, char (*lines)[512], int max,
    size_t *more)
{
	char	item[128];
	size_t	i;
	int	nl = 0;

	*more = 0;
	lines[0][0] = '\0';
	for (i = 0; i < r->n; i++) {
		size_t	len = strlen(lines[nl]);

		snprintf(item, sizeof(item), "%s%s", r->names[i],
		    r->hidden[i] ? " (hidden)" : "");
		if (len > 0 && len + 2 + strlen(item) > (size_t)w) {
			if (nl + 1 == max) {
				*more = r->n - i;
				break;
			}
			lines[++nl][0] = '\0';
			len = 0;
		}
		snprintf(lines[nl] + len, 512 - len, "%s%s", len > 0 ? "  " :
		    "", item);
	}
	return nl + 1;
}

void
runsel_draw(struct tui *t)
{
	const struct runsel	*r = &t->runsel;
	char			 lines[RUNSEL_ROWS_MAX][512], head[256];
	size_t			 more;
	int			 max, n, y0, i, w = COLS - 4;

	if (r->n == 0 || (t->prompt != PROMPT_RUN && !runsel_asking(t)) ||
	    w < 10 || LINES < 8)
		return;
	max = LINES / 2 - 3;
	if (max > RUNSEL_ROWS_MAX)
		max = RUNSEL_ROWS_MAX;
	if (max < 1)
		max = 1;
	n = pack(r, w, lines, max, &more);
	if (more > 0)
		snprintf(lines[n - 1] + strlen(lines[n - 1]), 512 -
		    strlen(lines[n - 1]), "  ... and %zu more", more);
	snprintf(head, sizeof(head), "Run on %zu target%s", r->n,
	    r->n == 1 ? "" : "s");
	if (r->nhidden > 0)
		snprintf(head + strlen(head), sizeof(head) - strlen(head),
		    ", %zu of them not shown in the target list%s", r->nhidden,
		    r->on_targets ? " (the filter hides them)" : "");
	snprintf(head + strlen(head), sizeof(head) - strlen(head), ":");
	/* rows: a blank, the head, the names, a blank; above the status */
	y0 = LINES - 2 - (n + 3);
	frame_put(y0, 0, COLS, theme_attr(TH_DIALOG), 1, "");
	frame_put(y0 + 1, 0, COLS, theme_attr(TH_DIALOG), 1, "");
	frame_put(y0 + 1, 2, w, theme_attr(r->nhidden > 0 ? TH_ERROR :
	    TH_DIALOG), 1, head);
	for (i = 0; i < n; i++) {
		frame_put(y0 + 2 + i, 0, COLS, theme_attr(TH_DIALOG), 1, "");
		frame_put(y0 + 2 + i, 2, w, theme_attr(TH_DIALOG), 1,
		    lines[i]);
	}
	frame_put(y0 + 2 + n, 0, COLS, theme_attr(TH_DIALOG), 1, "");
}

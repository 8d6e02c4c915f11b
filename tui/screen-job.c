/*
 * screen-job.c: the Job screen: one job's runs (target, state, exit code,
 * duration) above the output pane, which shows the selected target's
 * stdout and stderr as they stream, kept at the end until scrolled back
 * (PgUp/PgDn, F follows again). / finds text in the output (n older, N
 * newer match, matches highlighted); f folds identical outputs across
 * targets (core/outgroup: same stdout, stderr and exit status) into one
 * block headed by the targets' names. c cancels, R reruns, Esc goes back
 * to Jobs. Output lines are shown through core/termsafe, as the CLI
 * shows them on a terminal: a NUL or ESC becomes "\x00", "\x1b" and the
 * rest of the line still shows.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <curses.h>

#include "outgroup.h"
#include "termsafe.h"
#include "tui-screen.h"

static const struct view_col run_cols[] = {
	{ "TARGET", "target", VC_STR, 20 },
	{ "STATE", "state", VC_STR, 10 },
	{ "EXIT", "exit", VC_INT, 5 },
	{ "MS", "ms", VC_INT, 8 },
	{ "INFO", "info", VC_STR, 40 },
};

/* One line of the output pane. */
struct oline {
	const char	*p;
	size_t		 len;
	int		 role;		/* enum theme_role */
	char		*own;		/* a header line we made (freed) */
};

struct olines {
	struct oline	*v;
	size_t		 n, size;
};

static struct view_list *
runs_view(struct tui *t)
{
	if (t->runs.cols == NULL)
		view_list_init(&t->runs, run_cols,
		    sizeof(run_cols) / sizeof(run_cols[0]), "target");
	return &t->runs;
}

static void
ol_add(struct olines *l, const char *p, size_t len, int role, char *own)
{
	struct oline	*n;
	size_t		 size;

	if (l->n == l->size) {
		size = l->size == 0 ? 256 : l->size * 2;
		if ((n = realloc(l->v, size * sizeof(*n))) == NULL) {
			free(own);
			return;
		}
		l->v = n;
		l->size = size;
	}
	l->v[l->n].p = p;
	l->v[l->n].len = len;
	l->v[l->n].role = role;
	l->v[l->n].own = own;
	l->n++;
}

static void
ol_text(struct olines *l, const struct tbuf *b, int role)
{
	const char	*p = b->p, *end = b->p + b->len, *nl;

	while (p != NULL && p < end) {
		if ((nl = memchr(p, '\n', (size_t)(end - p))) == NULL)
			nl = end;
		ol_add(l, p, (size_t)(nl - p), role, NULL);
		p = nl + 1;
	}
	if (b->truncated)
		ol_add(l, "[output truncated]", 18, TH_HINT, NULL);
}

static void
ol_header(struct olines *l, const char *s)
{
	char	*dup = strdup(s);

	if (dup != NULL)
		ol_add(l, dup, strlen(dup), TH_HEADER, dup);
}

static void
ol_free(struct olines *l)
{
	size_t	i;

	for (i = 0; i < l->n; i++)
		free(l->v[i].own);
	free(l->v);
	memset(l, 0, sizeof(*l));
}

static void
ol_run(struct olines *l, const struct trun *r)
{
	ol_text(l, &r->out, TH_NORMAL);
	if (r->err.len > 0) {
		ol_header(l, "-- stderr --");
		ol_text(l, &r->err, TH_ERROR);
	}
}

/* The folded view: one block per group of identical outputs. */
static void
ol_fold(struct olines *l, const struct tjob *j)
{
	struct outgroup_item	*items;
	struct outgroup_set	*set = NULL;
	const struct outgroup	*g;
	char			 names[512], head[700];
	size_t			 i;

	if (j->nruns == 0 || (items = calloc(j->nruns, sizeof(*items))) ==
	    NULL)
		return;
	for (i = 0; i < j->nruns; i++) {
		items[i].target = j->runs[i].target;
		items[i].out = (const unsigned char *)j->runs[i].out.p;
		items[i].outlen = j->runs[i].out.len;
		items[i].err = (const unsigned char *)j->runs[i].err.p;
		items[i].errlen = j->runs[i].err.len;
		items[i].exit_status = j->runs[i].exit;
	}
	if (outgroup_fold(items, j->nruns, &set, NULL) == OPS_OK) {
		for (i = 0; i < set->ngroups; i++) {
			g = &set->groups[i];
			outgroup_names(g, items, names, sizeof(names));
			snprintf(head, sizeof(head), "== %s (%zu target%s, "
			    "%s) ==", names, g->nmembers, g->nmembers == 1 ?
			    "" : "s", j->runs[g->first].state);
			ol_header(l, head);
			ol_run(l, &j->runs[g->first]);
		}
	}
	outgroup_free(set);
	free(items);
}

static void
build(struct tui *t, struct olines *l)
{
	struct tjob	*j = jobs_find(t, t->job_cur);
	const json_t	*o = view_list_current(runs_view(t));
	struct trun	*r;

	memset(l, 0, sizeof(*l));
	if (j == NULL)
		return;
	if (t->fold) {
		ol_fold(l, j);
		return;
	}
	if (o != NULL && (r = jobs_run(j, view_list_key(&t->runs, o),
	    0)) != NULL)
		ol_run(l, r);
}

static int
line_match(const struct oline *o, const char *needle)
{
	char	buf[1024];

	/* what the pane shows, so a match after a NUL is found too */
	(void)termsafe_escape(o->p, o->len, 0, buf, sizeof(buf));
	return strcasestr(buf, needle) != NULL;
}

/* Scroll to the match before (dir < 0) or after (dir > 0) the window. */
static void
find(struct tui *t, int dir, int h, int from_end)
{
	struct olines	l;
	long		bottom, first, i;

	build(t, &l);
	if (t->search[0] == '\0' || l.n == 0) {
		ol_free(&l);
		return;
	}
	bottom = (long)l.n - t->out_top;
	first = bottom - h > 0 ? bottom - h : 0;
	if (from_end)
		first = (long)l.n;
	for (i = dir < 0 ? first - 1 : bottom; i >= 0 && i < (long)l.n;
	    i += dir < 0 ? -1 : 1) {
		if (line_match(&l.v[i], t->search)) {
			t->out_top = (long)l.n - (i + h);
			if (t->out_top < 0)
				t->out_top = 0;
			tui_message(t, 0, "\"%s\": line %ld", t->search,
			    i + 1);
			ol_free(&l);
			return;
		}
	}
	tui_message(t, 1, "\"%s\": no %s match", t->search, dir < 0 ?
	    "earlier" : "later");
	ol_free(&l);
}

static int
job_screen_open(struct tui *t)
{
	(void)runs_view(t);
	if (t->job_cur <= 0 && t->njobs > 0)
		jobs_open(t, t->jobv[t->njobs - 1]->id);
	return TUI_R_REDRAW;
}

/* Rows for the runs list: a third of the body, at least 4. */
static int
list_rows(int h)
{
	int	n = h / 3;

	return n < 4 ? 4 : n;
}

static int
out_rows(int h)
{
	return h - 1 - list_rows(h) - 1;
}

static void
draw_output(struct tui *t, int y, int h)
{
	struct olines	 l;
	char		 buf[2048];
	long		 bottom, first, i;
	int		 role;

	build(t, &l);
	bottom = (long)l.n - t->out_top;
	if (bottom < h && (long)l.n >= h) {
		t->out_top = (long)l.n - h;
		bottom = h;
	}
	if (bottom > (long)l.n)
		bottom = (long)l.n;
	first = bottom - h > 0 ? bottom - h : 0;
	for (i = first; i < bottom; i++) {
		/* a NUL must not end the line (a target could hide text) */
		(void)termsafe_escape(l.v[i].p, l.v[i].len, 0, buf,
		    sizeof(buf));
		role = l.v[i].role;
		if (t->search[0] != '\0' && role != TH_HEADER &&
		    line_match(&l.v[i], t->search))
			role = TH_MARKED;
		frame_put(y + (int)(i - first), 1, COLS - 1, theme_attr(role),
		    1, buf);
	}
	if (l.n == 0)
		frame_put(y, 1, COLS - 1, theme_attr(TH_HINT), 1, t->fold ?
		    "no output yet" : "no output yet for this target");
	ol_free(&l);
}

static void
job_draw(struct tui *t, int y, int h)
{
	struct view_list	*v = runs_view(t);
	struct tjob		*j = jobs_find(t, t->job_cur);
	const json_t		*o;
	char			 info[512];
	int			 lr = list_rows(h), oh = out_rows(h);

	jobs_sync_views(t);
	if (j == NULL) {
		frame_put(y, 0, COLS, theme_attr(TH_HINT), 1,
		    " no job open: Enter on the Jobs screen opens one");
		return;
	}
	snprintf(info, sizeof(info), " job %lld %s: %zu queued, %zu running, "
	    "%zu ok, %zu failed of %zu | %s", j->id, j->state, j->nq,
	    j->nrun, j->nok, j->nfail, j->total, j->command != NULL ?
	    j->command : "");
	frame_put(y, 0, COLS, theme_attr(TH_HINT), 1, info);
	frame_list(t, v, y + 1, lr);
	o = view_list_current(v);
	if (t->fold)
		snprintf(info, sizeof(info), " output folded: identical "
		    "outputs once (f unfolds)%s", t->out_top > 0 ?
		    "  [scrolled back; F follows]" : "");
	else
		snprintf(info, sizeof(info), " output of %s%s", o != NULL ?
		    view_list_key(v, o) : "-", t->out_top > 0 ?
		    "  [scrolled back; F follows]" : "");
	frame_put(y + 1 + lr, 0, COLS, theme_attr(TH_BAR), 1, info);
	if (oh > 0)
		draw_output(t, y + 2 + lr, oh);
	t->output_changed = 0;
}

static int
job_key(struct tui *t, enum key_action a, int ch)
{
	int	h = out_rows(LINES - 3);

	(void)ch;
	switch (a) {
	case KA_BACK:
		return tui_switch(t, "Jobs") | TUI_R_HANDLED;
	case KA_PGUP:
		t->out_top += h > 1 ? h - 1 : 1;
		return TUI_R_HANDLED | TUI_R_REDRAW;
	case KA_PGDN:
		t->out_top -= h > 1 ? h - 1 : 1;
		if (t->out_top < 0)
			t->out_top = 0;
		return TUI_R_HANDLED | TUI_R_REDRAW;
	case KA_FOLLOW:
		t->out_top = 0;
		return TUI_R_HANDLED | TUI_R_REDRAW;
	case KA_FOLD:
		t->fold = !t->fold;
		t->out_top = 0;
		return TUI_R_HANDLED | TUI_R_REDRAW;
	case KA_FILTER:
		snprintf(t->line, sizeof(t->line), "%s", t->search);
		t->prompt = PROMPT_SEARCH;
		return TUI_R_HANDLED | TUI_R_REDRAW;
	case KA_SEARCH_PREV:
		find(t, -1, h, 0);
		return TUI_R_HANDLED | TUI_R_REDRAW;
	case KA_SEARCH_NEXT:
		find(t, 1, h, 0);
		return TUI_R_HANDLED | TUI_R_REDRAW;
	case KA_UP:
	case KA_DOWN:
	case KA_TOP:
	case KA_BOTTOM:
		t->out_top = 0;		/* another target: follow its end */
		return 0;
	case KA_CANCEL_JOB:
	case KA_RERUN:
		return screen_jobs_action(t, a, t->job_cur);
	default:
		return 0;
	}
}

/* The search prompt was accepted: the last match from the end. */
void
screen_job_search(struct tui *t)
{
	snprintf(t->search, sizeof(t->search), "%s", t->line);
	t->out_top = 0;
	if (t->search[0] != '\0')
		find(t, -1, out_rows(LINES - 3), 1);
}

const struct screen screen_job = {
	.name = "Job",
	.hints = "j/k target  PgUp/PgDn scroll  F follow  / find  n/N next  "
	    "f fold  c cancel  R rerun  Esc jobs",
	.ctx = KC_JOB,
	.open = job_screen_open,
	.draw = job_draw,
	.key = job_key,
	.reload = NULL,
	.view = runs_view,
};

/*
 * screen-jobs.c: the Jobs screen: every job the daemon remembers (the
 * newest 200) with live counts per job (queued, running, ok, failed)
 * that job-state and run-state events keep current. Enter opens the Job
 * screen on a job, c cancels it (after y/n), R runs it again.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include <curses.h>

#include "tui-screen.h"

static const struct view_col job_cols[] = {
	{ "ID", "id", VC_INT, 6 },
	{ "STATE", "state", VC_STR, 11 },
	{ "QUEUED", "queued", VC_INT, 7 },
	{ "RUNNING", "running", VC_INT, 8 },
	{ "OK", "ok", VC_INT, 6 },
	{ "FAILED", "failed", VC_INT, 7 },
	{ "TOTAL", "total", VC_INT, 6 },
	{ "COMMAND", "command", VC_STR, 30 },
	{ "CREATED", "created", VC_TIME, 20 },
};

static struct view_list *
jobs_view(struct tui *t)
{
	if (t->jobs.cols == NULL) {
		view_list_init(&t->jobs, job_cols,
		    sizeof(job_cols) / sizeof(job_cols[0]), "_key");
		t->jobs.sort_col = 0;		/* newest first */
		t->jobs.sort_desc = 1;
	}
	return &t->jobs;
}

static int
jobs_screen_open(struct tui *t)
{
	(void)jobs_view(t);
	t->jobs_changed = 1;
	return TUI_R_REDRAW;
}

static void
jobs_draw(struct tui *t, int y, int h)
{
	struct view_list	*v = jobs_view(t);
	char			 info[128];
	size_t			 i, running = 0;

	jobs_sync_views(t);
	for (i = 0; i < t->njobs; i++)
		running += strcmp(t->jobv[i]->state, "running") == 0 ||
		    strcmp(t->jobv[i]->state, "queued") == 0;
	snprintf(info, sizeof(info), " %zu jobs, %zu running or queued",
	    t->njobs, running);
	frame_put(y, 0, COLS, theme_attr(TH_HINT), 1, info);
	if (!t->jobs_loaded && v->nvis == 0)
		v->loaded = 0;
	frame_list(t, v, y + 1, h - 1);
}

static long long
current_job(struct tui *t)
{
	const json_t	*o = view_list_current(jobs_view(t));

	return o != NULL ? (long long)json_integer_value(json_object_get(o,
	    "id")) : 0;
}

static void
cancel_yes(struct tui *t)
{
	if (t->confirm_job > 0)
		tjobs_cancel(t, t->confirm_job);
}

/* c and R on the Jobs and Job screens. */
int
screen_jobs_action(struct tui *t, enum key_action a, long long id)
{
	char	q[128];

	if (id <= 0)
		return TUI_R_HANDLED;
	if (a == KA_CANCEL_JOB) {
		t->confirm_job = id;
		snprintf(q, sizeof(q), "Cancel job %lld?", id);
		tui_confirm(t, q, cancel_yes);
	} else if (a == KA_RERUN)
		jobs_rerun(t, id);
	return TUI_R_HANDLED | TUI_R_REDRAW;
}

static int
jobs_key(struct tui *t, enum key_action a, int ch)
{
	long long	id = current_job(t);

	(void)ch;
	switch (a) {
	case KA_ENTER:
		if (id <= 0)
			return TUI_R_HANDLED;
		jobs_open(t, id);
		return tui_switch(t, "Job") | TUI_R_HANDLED;
	case KA_CANCEL_JOB:
	case KA_RERUN:
		return screen_jobs_action(t, a, id);
	default:
		return 0;
	}
}

const struct screen screen_jobs = {
	.name = "Jobs",
	.hints = "Enter open  c cancel  R rerun  / filter  s sort  "
	    "? help  q quit",
	.ctx = KC_JOBS,
	.open = jobs_screen_open,
	.draw = jobs_draw,
	.key = jobs_key,
	.reload = jobs_reload,
	.view = jobs_view,
};

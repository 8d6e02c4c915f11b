/*
 * tui-screen.h: the index of the ncurses console ("opsicle tui").
 *
 * Contract. The console is one event loop (core/evloop) watching the
 * terminal (stdin), the daemon socket (tui-client.c) and a self-pipe fed
 * by signal handlers. Nothing ever waits for the daemon: requests are
 * queued and their replies call back into the models.
 *
 * Data and drawing stay apart (STYLE.md 15). view-list.c holds rows,
 * filter, sort order, cursor and marks without any curses call; screens
 * render from those views. Each screen is one entry of the screen table
 * in tui-main.c (name, open, draw, key, refresh); key() gets the action
 * the key table (keys.c) mapped the key to and returns TUI_R_* reaction
 * flags; the main loop alone decides when to repaint. Adding a screen is
 * one new screen-*.c file and one table line. Only files in tui/ include
 * curses.h, and only theme.c picks colours.
 *
 * This header has no curses types so the CLI half of tui/ does not need
 * curses; the (internal) entry point for main.c is tui_main in tui.h.
 */
#ifndef OPS_TUI_SCREEN_H
#define OPS_TUI_SCREEN_H

#include <stddef.h>
#include <stdio.h>

#include <jansson.h>

#include "evloop.h"
#include "tui.h"

/* Keys: characters are Unicode code points; curses keys are moved above
 * the Unicode range so they never collide with text. */
#define TK_FN(k)	(0x200000 + (k))
#define TK_CTRL(c)	((c) & 0x1f)
#define TK_ESC		27
#define TK_TAB		9
#define TK_ENTER	10

/* Reaction flags returned by key handlers. */
#define TUI_R_HANDLED	0x1
#define TUI_R_REDRAW	0x2
#define TUI_R_REFRESH	0x4	/* ask the daemon again */
#define TUI_R_QUIT	0x8

/* What a key means; keys.c maps keys to these per context. */
enum key_action {
	KA_NONE = 0,
	KA_UP, KA_DOWN, KA_TOP, KA_BOTTOM, KA_PGUP, KA_PGDN,
	KA_MARK, KA_FILTER, KA_SORT, KA_SORT_REV,
	KA_CMDLINE, KA_HELP, KA_QUIT, KA_REFRESH,
	KA_NEXT_SCREEN, KA_PREV_SCREEN, KA_SCREEN_N,
	KA_ENTER, KA_BACK, KA_ADD, KA_EDIT, KA_REMOVE,
	KA_FIELD_NEXT, KA_FIELD_PREV, KA_SUBMIT, KA_CANCEL,
	KA_YES, KA_NO, KA_RECONNECT, KA_UNLOCK,
	KA_RUN, KA_CANCEL_JOB, KA_RERUN, KA_FOLD, KA_FOLLOW,
	KA_SEARCH_PREV, KA_SEARCH_NEXT, KA_ACCEPT, KA_HIST_PREV, KA_HIST_NEXT,
	KA_TOGGLE, KA_APPROVE, KA_REJECT,
};

/* Key contexts, in the order the help screen lists them. */
enum key_ctx {
	KC_GLOBAL = 0,
	KC_LIST,
	KC_TARGETS,
	KC_JOBS,
	KC_JOB,
	KC_HOSTKEYS,
	KC_AUTOMATIONS,
	KC_APPROVALS,
	KC_FORM,
	KC_PROMPT,
	KC_LOST,
	KC_COUNT,
};

#define KEYS_MAX	10

struct key_binding {
	enum key_ctx	 ctx;
	enum key_action	 action;
	int		 keys[KEYS_MAX];	/* 0-terminated */
	const char	*label;		/* "j, Down" */
	const char	*help;
};

/* One list column: a JSON field shown with a given relative width. */
enum view_kind {
	VC_STR = 0,
	VC_INT,
	VC_TAGS,	/* array of strings joined with "," */
	VC_HOSTPORT,	/* "host" and "port" fields */
	VC_TIME,	/* ms since the epoch */
	VC_LASTRUN,	/* a target's last_run object: "ok 2m ago" */
};

struct view_col {
	const char	*title;
	const char	*field;
	enum view_kind	 kind;
	int		 weight;	/* share of the width */
};

/* A filtered, sorted list of JSON objects with cursor and marks. */
struct view_list {
	json_t			*rows;		/* array of objects, owned */
	size_t			*vis;		/* row indexes shown, sorted */
	size_t			 nvis;
	const struct view_col	*cols;
	size_t			 ncols;
	const char		*key_field;	/* identifies a row */
	char			 filter[256];
	int			 sort_col;	/* -1: daemon order */
	int			 sort_desc;
	size_t			 cursor;	/* into vis */
	size_t			 top;		/* first row on screen */
	char			**marked;	/* keys, owned */
	size_t			 nmarked;
	int			 loaded;	/* rows arrived at least once */
	/* Per row, its cells lower-cased and joined (built on the first
	 * filter after new rows): typing a filter scans these, and only
	 * the rows still shown when the new text extends the old. */
	char			**hay;
};

struct tui;
struct secret;

/* A small form: labelled one-line fields with per-field messages. The
 * parameter form of a run has one field per parameter (AUTO_PARAMS_MAX)
 * and a few more. Field values may be secrets: form_free wipes it all. */
#define FORM_MAX_FIELDS	136
#define FORM_F_REQUIRED	0x1
#define FORM_F_PORT	0x2	/* empty or 1-65535 */
#define FORM_F_SECRET	0x4	/* typed without echo, drawn as a mask */
#define FORM_F_TOGGLE	0x8	/* Space cycles through its choices */

struct form_field {
	char		 label[64];
	char		 key[OPS_PROTO_MAX_NAME + 1];	/* what the submitter
							 * looks for */
	int		 flags;
	char		 value[1024];
	char		 error[256];
	char		 hint[256];	/* under the field while no error */
	char		**choices;	/* FORM_F_TOGGLE's values, owned */
	size_t		 nchoices;
};

struct form {
	char			 title[128];
	struct form_field	 f[FORM_MAX_FIELDS];
	int			 n;
	int			 cur;
	char			 error[256];	/* whole-form message */
	int			 busy;		/* waiting for the daemon */
	char			 busy_text[64];	/* "saving..." unless set */
	char			 submit[16];	/* Enter's word: "save" */
	int			 kind;		/* the owner's tag */
	char			 orig[256];	/* the owner's key */
	unsigned long		 seq;		/* tells forms apart */
	/* Send the validated form; reply handlers close it or set error. */
	void			(*on_submit)(struct tui *);
};

/* A non-blocking connection to the daemon on the loop. */
typedef void	tconn_cb(struct tui *t, int rc, const json_t *result,
		    const char *message, void *arg);

struct tconn_pending {
	long long	 id;
	tconn_cb	*cb;
	void		*arg;
};

struct tconn {
	struct cli_conn		 c;
	struct evloop		*loop;
	struct tui		*t;
	int			 up;
	struct tconn_pending	*pend;
	size_t			 npend;
	size_t			 pend_size;
};

enum tui_prompt {
	PROMPT_NONE = 0,
	PROMPT_FILTER,
	PROMPT_CMD,
	PROMPT_CONFIRM,
	PROMPT_RUN,	/* a command for the selected targets */
	PROMPT_SEARCH,	/* a text to find in the output pane */
};

/* The jobs model (tui-jobs.c). Output kept per stream and target, only
 * for the job on the Job screen, up to TBUF_MAX bytes each. */
#define TBUF_MAX	(1024 * 1024)
#define TUI_HISTORY	50

struct tbuf {
	char		*p;
	size_t		 len, size;
	int		 truncated;
};

struct trun {
	char		*target;
	char		 state[24];
	int		 exit;		/* -1: none yet */
	char		 signal[16];
	char		*error;
	long long	 started, finished;	/* ms since the epoch, or 0 */
	long long	 duration;	/* ms, -1 unknown */
	long long	 seen_start;	/* monotonic ms when seen running */
	struct tbuf	 out, err;
	/* an automation job: the run's batch, its number of steps and
	 * the step it is at ("2/3 deploy: running"), else 0 and NULL */
	int		 batch;
	size_t		 nsteps;
	char		*step;
};

struct tjob {
	long long	 id;
	char		 state[24];
	char		*command;
	long long	 created;
	size_t		 total, nq, nrun, nok, nfail;
	struct trun	*runs;
	size_t		 nruns;
	json_t		*index;		/* target name -> index in runs */
	int		 have_runs;	/* job-show arrived */
	int		 have_logs;
	int		 show_pending;
	int		 logs_pending;
};

struct screen;

/* The targets of the run being typed (tui-runsel.c), taken when its
 * prompt opened; hidden[i]: the Targets list did not show names[i]. */
struct runsel {
	char		**names;
	int		 *hidden;
	size_t		  n, nhidden;
	int		  on_targets;	/* taken on the Targets screen */
	char		 *cmd;		/* waiting for the y/n */
};

/* The console's state: one per process, passed everywhere. */
struct tui {
	struct evloop		*loop;
	struct tconn		 conn;
	int			 no_start;
	int			 lost;
	char			 lost_why[256];

	/* daemon-status */
	int			 status_known;
	int			 locked;
	int			 unlock_asked;	/* opened once per locking */
	long long		 daemon_pid;
	char			 version[32];

	/* audit-verify */
	int			 chain;		/* 1 ok, 0 broken, -1 unknown */
	char			 chain_msg[256];

	struct view_list	 targets;
	struct view_list	 creds;
	struct view_list	 audit;
	struct view_list	 hostkeys;
	struct view_list	 jobs;		/* rows built from jobv */
	struct view_list	 runs;		/* of job_cur */
	/* the Automations screen (screen-automations.c): a list, one
	 * automation's versions, or one version's document */
	struct view_list	 autos;
	struct view_list	 auto_versions;
	int			 auto_mode;
	char			 auto_name[OPS_PROTO_MAX_NAME + 1];
	int			 auto_version;
	char			*auto_doc;	/* escaped for the terminal */
	long			 auto_top;	/* its first line shown */
	int			 auto_rows;	/* lines it was drawn in */
	int			 target_detail;	/* detail panel open */
	/* the Approvals screen (screen-approvals.c): the requests, their
	 * number for the frame, the one shown (0: the list) */
	struct view_list	 approvals;
	int			 appr_pending;
	int			 appr_known;
	long long		 appr_job;
	json_t			*appr_show;

	/* jobs model (tui-jobs.c) */
	struct tjob		**jobv;
	size_t			 njobs;
	long long		 job_cur;	/* on the Job screen */
	long long		 confirm_job;	/* the y/n question's job */
	int			 subscribed;
	int			 jobs_loaded;
	int			 jobs_changed, runs_changed, output_changed;
	long			 out_top;	/* output lines above the end */
	int			 fold;		/* fold identical outputs */
	char			 search[256];	/* in the output pane */
	char			*hist[TUI_HISTORY];	/* run prompt */
	size_t			 nhist;
	size_t			 hist_pos;
	int			 help_top;

	const struct screen *const *screens;
	size_t			 nscreens;
	size_t			 cur;
	size_t			 prev;		/* where Esc in help goes */

	struct form		*form;
	unsigned long		 form_seq;	/* the last form's seq */
	/* The unlock dialog (tui-unlock.c); the passphrase never leaves
	 * pass, which is wiped as soon as it is sent. */
	int			 unlock_open;
	int			 unlock_busy;
	char			 unlock_err[256];
	struct secret		*pass;
	size_t			 pass_len;
	enum tui_prompt		 prompt;
	char			 line[256];
	char			 saved[256];	/* filter before "/" */
	char			 question[256];
	void			(*on_yes)(struct tui *);

	char			 msg[256];
	int			 msg_err;
	int			 dirty;		/* repaint now (keys) */
	int			 dirty_ev;	/* repaint soon (events) */
	long long		 last_draw;	/* monotonic ms */
	int			 draw_pending;	/* a throttled repaint is due */
	size_t			 run_n;		/* targets the run prompt hits */
	struct runsel		 runsel;	/* and which they are */
	int			 quit;
	int			 rows, cols;

	/* OPSICLE_TUI_MARK (tests/bench/bench-tui): after the repaint that
	 * follows the N-th key, write an invisible "OSC 1337;opsicle-keys=N"
	 * so a driver can time keypress to redraw. */
	int			 mark;
	long			 keys_seen;
	long			 keys_marked;
};

struct screen {
	const char	*name;		/* tab label and ":screen NAME" */
	const char	*hints;		/* key hint line */
	int		 ctx;		/* extra key context, or -1 */
	/* Called when the screen becomes current; returns TUI_R_*. */
	int		(*open)(struct tui *);
	/* Paint the body: rows y .. y+h-1, full width. */
	void		(*draw)(struct tui *, int y, int h);
	/* An action (and the raw key); returns TUI_R_*, 0 if unhandled. */
	int		(*key)(struct tui *, enum key_action, int ch);
	/* Send the requests that fill its models (may be NULL). */
	void		(*reload)(struct tui *);
	/* (not "refresh": curses has a macro by that name) */
	/* Its list, for navigation and "/" (may be NULL). */
	struct view_list *(*view)(struct tui *);
};

/* tui-main.c */
void	tui_message(struct tui *t, int error, const char *fmt, ...)
	    __attribute__((format(printf, 3, 4)));
void	tui_confirm(struct tui *t, const char *question,
	    void (*on_yes)(struct tui *));
int	tui_switch(struct tui *t, const char *name);
/* The screen table, in tab order (the 1-7 keys). Borrowed, static. */
const struct screen *const *tui_screens(size_t *n);
void	tui_refresh_all(struct tui *t);

/* tui-runsel.c: a console run's targets, listed, and y/n above one */
/* Take the marked targets (or the cursor's) as the run's; their number. */
size_t	runsel_take(struct tui *t);
/* Run cmd on them, or ask y/n first (more than one, or any not shown). */
void	runsel_submit(struct tui *t, const char *cmd);
/* Esc or n: forget them, saying nothing ran. */
void	runsel_cancel(struct tui *t);
void	runsel_clear(struct tui *t);
/* Is the y/n question open the run's? */
int	runsel_asking(const struct tui *t);
/* The panel listing them, while the run prompt or its question is open. */
void	runsel_draw(struct tui *t);

/* tui-unlock.c */
void	tui_unlock_open(struct tui *t);
void	tui_unlock_close(struct tui *t);
int	tui_unlock_key(struct tui *t, int ch);
void	tui_unlock_draw(struct tui *t);

/* tui-jobs.c */
void	jobs_done(struct tui *t);
/* Subscribe (once per connection) and ask for the job list. */
void	jobs_reload(struct tui *t);
void	jobs_event(struct tui *t, enum proto_type type, const json_t *msg);
struct tjob *jobs_find(struct tui *t, long long id);
struct trun *jobs_run(struct tjob *j, const char *target, int create);
/* Make id the Job screen's job and fetch its runs and output. */
void	jobs_open(struct tui *t, long long id);
/* A job this console just started: into the model, onto the Job screen. */
void	jobs_show_new(struct tui *t, long long id);
void	jobs_sync_views(struct tui *t);
void	jobs_history_add(struct tui *t, const char *cmd);
void	jobs_run_cmd(struct tui *t, const char *const *sel, size_t nsel,
	    const char *cmd);
void	tjobs_cancel(struct tui *t, long long id);
void	jobs_rerun(struct tui *t, long long id);

/* tui-client.c */
int	tconn_open(struct tconn *tc, struct tui *t, struct evloop *loop,
	    int may_start, struct ops_err *err);
/* Queue msg (its id is set here; msg stays the caller's). cb runs once
 * with the reply, or with OPS_E_CONNECT when the connection is lost. */
int	tconn_request(struct tconn *tc, json_t *msg, tconn_cb *cb, void *arg);
void	tconn_close(struct tconn *tc);

/* view-list.c */
void	view_list_init(struct view_list *v, const struct view_col *cols,
	    size_t ncols, const char *key_field);
void	view_list_done(struct view_list *v);
/* Replace the rows (steals rows, an array); keeps cursor and marks. */
void	view_list_set_rows(struct view_list *v, json_t *rows);
/* Row i (an index into rows) was changed in place: its cached filter
 * text is made again (the filter and order apply on their next change). */
void	view_list_row_changed(struct view_list *v, size_t i);
/* Substring (any column, case-insensitive) or "tag:NAME". */
void	view_list_set_filter(struct view_list *v, const char *filter);
void	view_list_sort(struct view_list *v, int col, int desc);
void	view_list_move(struct view_list *v, long delta);
void	view_list_home(struct view_list *v, int end);
/* Keep the cursor within h rows from top. */
void	view_list_scroll(struct view_list *v, size_t h);
const json_t *view_list_row(const struct view_list *v, size_t i);
const json_t *view_list_current(const struct view_list *v);
const char *view_list_key(const struct view_list *v, const json_t *row);
void	view_list_toggle_mark(struct view_list *v);
int	view_list_is_marked(const struct view_list *v, const json_t *row);
/* A row's cell as text (always NUL-terminated). */
void	view_list_cell(const struct view_list *v, const json_t *row,
	    size_t col, char *buf, size_t len);
void	view_fmt_time(long long ms, char *buf, size_t len);

/* keys.c */
enum key_action keys_lookup(int ctx, int ch);
const struct key_binding *keys_table(size_t *n);
const char *keys_ctx_name(enum key_ctx ctx);

/* cli-keys.c: the screens and the key table as the block of opsicle(1)'s
 * CONSOLE section between ".\" keys: begin" and ".\" keys: end". */
void	keys_write_mdoc(FILE *fp);

/* theme.c */
enum theme_role {
	TH_NORMAL = 0,
	TH_BAR,
	TH_TAB_ACTIVE,
	TH_HEADER,
	TH_CURSOR,
	TH_MARKED,
	TH_STATUS,
	TH_ERROR,
	TH_OK,
	TH_HINT,
	TH_DIALOG,
	TH_FIELD,
	TH_FIELD_ACTIVE,
	TH_COUNT,
};
/* Start colours unless NO_COLOR is set or the terminal has none. */
void	theme_init(void);
int	theme_mono(void);
int	theme_attr(enum theme_role role);

/* screen-frame.c */
/* Write s at y,x in at most w columns (UTF-8 aware); pad with spaces to
 * w when pad. Returns the columns used. */
int	frame_put(int y, int x, int w, int attr, int pad, const char *s);
void	frame_draw(struct tui *t);
/* Column widths for a view over the given width (*w gets ncols). */
void	frame_widths(const struct view_list *v, int width, int *w);
void	frame_list(struct tui *t, struct view_list *v, int y, int h);
/* A list request's reply (a tconn_cb whose arg is a const struct
 * frame_rows): the rows into the view, or "WHAT: message" on failure. */
struct frame_rows {
	struct view_list	*(*view)(struct tui *);
	const char		*what;		/* "target list" */
};
void	frame_rows_done(struct tui *t, int rc, const json_t *result,
	    const char *message, void *arg);

/* form.c */
struct form *form_new(const char *title, int kind);
void	form_free(struct form *f);
int	form_add(struct form *f, const char *label, const char *key,
	    int flags, const char *value);
const char *form_value(const struct form *f, const char *key);
/* The field with that key (case-insensitive), or NULL. Borrowed. */
struct form_field *form_find(struct form *f, const char *key);
/* Give a field the values Space cycles through (copied); sets
 * FORM_F_TOGGLE. */
int	form_set_choices(struct form_field *ff, const char *const *choices,
	    size_t n);
/* Check every field; fills per-field messages. 0 when valid. */
int	form_validate(struct form *f);
/* KA_SUBMIT when the form should be sent, KA_CANCEL, or KA_NONE. */
enum key_action form_key(struct form *f, int ch, int *react);
void	form_draw(const struct form *f, int rows, int cols);

/* screen-*.c */
extern const struct screen screen_targets;
extern const struct screen screen_creds;
extern const struct screen screen_audit;
extern const struct screen screen_help;
extern const struct screen screen_jobs;
extern const struct screen screen_job;
extern const struct screen screen_hostkeys;
extern const struct screen screen_automations;
extern const struct screen screen_approvals;
/* An approval-state event: the list (and the frame's count) again. */
void	screen_approvals_event(struct tui *t, const json_t *msg);
void	screen_approvals_done(struct tui *t);
/* screen-autorun.c: r on the Automations screen: the parameter form of
 * automation name's latest version; checked by a dry run, then run. */
void	autorun_open(struct tui *t, const char *name);
/* Free the Automations screen's lists and document. */
void	screen_automations_done(struct tui *t);
/* The targets a run goes to: the marked ones, else the cursor's (borrowed
 * names; *sel is the caller's to free). */
size_t	screen_targets_selection(struct tui *t, const char ***sel);
/* c (cancel, after y/n) and R (rerun) on job id. */
int	screen_jobs_action(struct tui *t, enum key_action a, long long id);
/* The "/" prompt on the Job screen was accepted (text in t->line). */
void	screen_job_search(struct tui *t);
/* Open the add form (also for ":target add"). */
void	screen_targets_add(struct tui *t);
/* run-state and target-status events: the target's LAST and REACH
 * cells change in place (no refetch). */
void	screen_targets_event(struct tui *t, enum proto_type type,
	    const json_t *msg);

#endif

/*
 * tui-main.c: "opsicle tui": start curses, run the one event loop
 * (terminal, daemon socket, signal self-pipe), route keys and repaint.
 *
 * Keys go, in order, to the lost-daemon dialog, the prompt line, the
 * open form, the current screen (with the action its context and then
 * the list and global contexts give the key) and finally the global
 * handler. Handlers return TUI_R_* flags; only this loop paints, once
 * per wake-up and only when something changed. Signals only set flags
 * (and poke the self-pipe so poll wakes): SIGINT/SIGTERM/SIGHUP end the
 * loop, SIGWINCH resizes. The terminal is restored (endwin) on every
 * way out.
 */
#include "config.h"

#include <sys/ioctl.h>

#include <errno.h>
#include <fcntl.h>
#include <locale.h>
#include <signal.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include <curses.h>

#include "secret.h"
#include "tui-screen.h"

/* The screen table: tab order (and the 1-9 keys). A new screen is one
 * screen-*.c file and one line here. */
static const struct screen *const screen_table[] = {
	&screen_targets,
	&screen_jobs,
	&screen_job,
	&screen_hostkeys,
	&screen_creds,
	&screen_audit,
	&screen_automations,
	&screen_approvals,
	&screen_help,
};

const struct screen *const *
tui_screens(size_t *n)
{
	*n = sizeof(screen_table) / sizeof(screen_table[0]);
	return screen_table;
}

/* The only globals: what signal handlers may touch. */
static volatile sig_atomic_t tui_sig_quit;
static volatile sig_atomic_t tui_sig_winch;
static volatile sig_atomic_t tui_sig_fd = -1;

static void
on_signal(int sig)
{
	int	save = errno;
	char	c = 0;

	if (sig == SIGWINCH)
		tui_sig_winch = 1;
	else
		tui_sig_quit = 1;
	if (tui_sig_fd != -1)
		(void)!write(tui_sig_fd, &c, 1);
	errno = save;
}

static void
sig_drain(struct evloop *loop, int fd, void *arg, int mask)
{
	char	buf[64];

	(void)loop;
	(void)arg;
	(void)mask;
	while (read(fd, buf, sizeof(buf)) > 0)
		;
}

void
tui_message(struct tui *t, int error, const char *fmt, ...)
{
	va_list	ap;

	va_start(ap, fmt);
	vsnprintf(t->msg, sizeof(t->msg), fmt, ap);
	va_end(ap);
	t->msg_err = error;
	t->dirty = 1;
}

void
tui_confirm(struct tui *t, const char *question, void (*on_yes)(struct tui *))
{
	snprintf(t->question, sizeof(t->question), "%s", question);
	t->on_yes = on_yes;
	t->prompt = PROMPT_CONFIRM;
	t->dirty = 1;
}

static int
open_screen(struct tui *t, size_t i)
{
	if (i >= t->nscreens)
		return 0;
	if (t->screens[t->cur] != &screen_help)
		t->prev = t->cur;
	t->cur = i;
	return t->screens[i]->open(t) | TUI_R_REDRAW;
}

int
tui_switch(struct tui *t, const char *name)
{
	size_t	i, len = strlen(name);

	/* The exact name first ("Job" is not "Jobs"), then a prefix. */
	for (i = 0; len > 0 && i < t->nscreens; i++)
		if (strcasecmp(t->screens[i]->name, name) == 0)
			return open_screen(t, i);
	for (i = 0; len > 0 && i < t->nscreens; i++)
		if (strncasecmp(t->screens[i]->name, name, len) == 0)
			return open_screen(t, i);
	return -1;
}

static void
status_done(struct tui *t, int rc, const json_t *r, const char *message,
    void *arg)
{
	(void)arg;
	if (rc != OPS_OK) {
		if (rc != OPS_E_CONNECT)
			tui_message(t, 1, "daemon status: %s", message);
		return;
	}
	t->status_known = 1;
	t->locked = json_is_true(json_object_get(r, "locked"));
	if (t->locked && !t->unlock_asked) {
		t->unlock_asked = 1;
		tui_unlock_open(t);
	} else if (!t->locked)
		t->unlock_asked = 0;
	t->daemon_pid = json_integer_value(json_object_get(r, "pid"));
	snprintf(t->version, sizeof(t->version), "%s",
	    json_is_string(json_object_get(r, "version")) ?
	    json_string_value(json_object_get(r, "version")) : "?");
	t->dirty = 1;
}

void
tui_refresh_all(struct tui *t)
{
	json_t	*m;
	size_t	 i;

	if (t->lost)
		return;
	if ((m = proto_msg_new(PROTO_DAEMON_STATUS, 0)) != NULL) {
		(void)tconn_request(&t->conn, m, status_done, NULL);
		json_decref(m);
	}
	for (i = 0; i < t->nscreens; i++)
		if (t->screens[i]->reload != NULL)
			t->screens[i]->reload(t);
	t->dirty = 1;
}

static void
reconnect(struct tui *t)
{
	struct ops_err	err;

	tui_message(t, 0, "reconnecting...");
	snprintf(t->lost_why, sizeof(t->lost_why), "reconnecting...");
	frame_draw(t);
	tconn_close(&t->conn);
	if (tconn_open(&t->conn, t, t->loop, !t->no_start, &err) != OPS_OK) {
		snprintf(t->lost_why, sizeof(t->lost_why), "%s",
		    ops_err_msg(&err));
		t->dirty = 1;
		return;
	}
	t->lost = 0;
	t->status_known = 0;
	t->subscribed = 0;
	tui_message(t, 0, "reconnected to opsicled");
	clearok(curscr, TRUE);
	tui_refresh_all(t);
}

/* Run cmd on the marked targets (or the one under the cursor), after
 * showing them and, above one, a y/n (tui-runsel.c). */
static void
run_on_selection(struct tui *t, const char *cmd)
{
	(void)runsel_take(t);
	runsel_submit(t, cmd);
}

static void
open_run_prompt(struct tui *t)
{
	t->run_n = runsel_take(t);
	if (t->run_n == 0) {
		tui_message(t, 1, "run: no target selected (Targets screen: "
		    "Space marks)");
		return;
	}
	t->line[0] = '\0';
	t->hist_pos = t->nhist;
	t->prompt = PROMPT_RUN;
}

/* ":" commands. */
static int
run_command(struct tui *t, const char *line)
{
	char		 buf[256], *w[4] = { NULL }, *save = NULL;
	const char	*p;
	int	n = 0, r;

	snprintf(buf, sizeof(buf), "%s", line);
	for (w[0] = strtok_r(buf, " \t", &save); n < 4 && w[n] != NULL;) {
		n++;
		if (n < 4)
			w[n] = strtok_r(NULL, " \t", &save);
	}
	if (n == 0)
		return TUI_R_REDRAW;
	if (strcmp(w[0], "q") == 0 || strcmp(w[0], "quit") == 0)
		return TUI_R_QUIT;
	if (strcmp(w[0], "refresh") == 0)
		return TUI_R_REFRESH | TUI_R_REDRAW;
	if (strcmp(w[0], "help") == 0)
		return tui_switch(t, "Help");
	if (strcmp(w[0], "run") == 0) {
		/* the rest of the line, as typed */
		p = strstr(line, "run") + 3;
		p += strspn(p, " \t");
		if (*p == '\0')
			open_run_prompt(t);
		else
			run_on_selection(t, p);
		return TUI_R_REDRAW;
	}
	if (strcmp(w[0], "job") == 0 && n == 2 && strtoll(w[1], NULL,
	    10) > 0) {
		jobs_open(t, strtoll(w[1], NULL, 10));
		return tui_switch(t, "Job");
	}
	if (strcmp(w[0], "unlock") == 0) {
		tui_unlock_open(t);
		return TUI_R_REDRAW;
	}
	if (strcmp(w[0], "target") == 0 && n >= 2 &&
	    strcmp(w[1], "add") == 0) {
		(void)tui_switch(t, "Targets");
		screen_targets_add(t);
		return TUI_R_REDRAW;
	}
	if (strcmp(w[0], "screen") == 0 && n == 2) {
		if ((r = tui_switch(t, w[1])) >= 0)
			return r;
		tui_message(t, 1, "no screen called \"%s\"", w[1]);
		return TUI_R_REDRAW;
	}
	tui_message(t, 1, "unknown command \":%s\" (try q, refresh, "
	    "run CMD, target add, unlock, screen NAME, job N, help)", line);
	return TUI_R_REDRAW;
}

static void
line_edit(char *s, size_t size, int ch)
{
	char		mb[8];
	size_t		len = strlen(s), n;
	mbstate_t	ps;

	if (ch == TK_FN(KEY_BACKSPACE) || ch == 127 || ch == 8) {
		while (len > 0 && (((unsigned char)s[--len] & 0xc0) == 0x80))
			;
		s[len] = '\0';
		return;
	}
	if (ch == TK_CTRL('u')) {
		s[0] = '\0';
		return;
	}
	if (ch < 32 || ch >= TK_FN(0))
		return;
	memset(&ps, 0, sizeof(ps));
	n = wcrtomb(mb, (wchar_t)ch, &ps);
	if (n != (size_t)-1 && len + n + 1 <= size) {
		memcpy(s + len, mb, n);
		s[len + n] = '\0';
	}
}

static int
prompt_key(struct tui *t, int ch)
{
	enum key_action		 a = keys_lookup(KC_PROMPT, ch);
	struct view_list	*v = t->screens[t->cur]->view != NULL ?
	    t->screens[t->cur]->view(t) : NULL;

	if (t->prompt == PROMPT_CONFIRM) {
		if (a == KA_YES) {
			t->prompt = PROMPT_NONE;
			if (t->on_yes != NULL)
				t->on_yes(t);
		} else if (a == KA_NO || a == KA_CANCEL) {
			/* Esc maps to cancel first (keys.c): a no here */
			if (runsel_asking(t))
				runsel_cancel(t);
			t->prompt = PROMPT_NONE;
		}
		return TUI_R_HANDLED | TUI_R_REDRAW;
	}
	if (a == KA_CANCEL) {
		if (t->prompt == PROMPT_FILTER && v != NULL)
			view_list_set_filter(v, t->saved);
		if (t->prompt == PROMPT_RUN)
			runsel_cancel(t);
		t->prompt = PROMPT_NONE;
		return TUI_R_HANDLED | TUI_R_REDRAW;
	}
	if (a == KA_SUBMIT) {
		if (t->prompt == PROMPT_SEARCH)
			screen_job_search(t);
		if (t->prompt == PROMPT_RUN && t->line[0] != '\0') {
			/* may open the y/n: the prompt it sets stays */
			t->prompt = PROMPT_NONE;
			runsel_submit(t, t->line);
		} else if (t->prompt == PROMPT_RUN) {
			t->prompt = PROMPT_NONE;
			runsel_cancel(t);
		} else
			t->prompt = PROMPT_NONE;
		return TUI_R_HANDLED | TUI_R_REDRAW;
	}
	if (t->prompt == PROMPT_RUN && (a == KA_HIST_PREV ||
	    a == KA_HIST_NEXT)) {
		if (a == KA_HIST_PREV && t->hist_pos > 0)
			t->hist_pos--;
		else if (a == KA_HIST_NEXT && t->hist_pos < t->nhist)
			t->hist_pos++;
		snprintf(t->line, sizeof(t->line), "%s", t->hist_pos <
		    t->nhist ? t->hist[t->hist_pos] : "");
		return TUI_R_HANDLED | TUI_R_REDRAW;
	}
	line_edit(t->line, sizeof(t->line), ch);
	if (t->prompt == PROMPT_FILTER && v != NULL)
		view_list_set_filter(v, t->line);	/* live */
	return TUI_R_HANDLED | TUI_R_REDRAW;
}

static int
list_key(struct tui *t, struct view_list *v, enum key_action a)
{
	long	page = LINES > 6 ? LINES - 6 : 1;

	switch (a) {
	case KA_UP:
		view_list_move(v, -1);
		break;
	case KA_DOWN:
		view_list_move(v, 1);
		break;
	case KA_TOP:
		view_list_home(v, 0);
		break;
	case KA_BOTTOM:
		view_list_home(v, 1);
		break;
	case KA_PGUP:
		view_list_move(v, -page);
		break;
	case KA_PGDN:
		view_list_move(v, page);
		break;
	case KA_SORT:
		view_list_sort(v, v->sort_col + 1 >= (int)v->ncols ? -1 :
		    v->sort_col + 1, v->sort_desc);
		break;
	case KA_SORT_REV:
		view_list_sort(v, v->sort_col < 0 ? 0 : v->sort_col,
		    !v->sort_desc);
		break;
	case KA_FILTER:
		snprintf(t->saved, sizeof(t->saved), "%s", v->filter);
		snprintf(t->line, sizeof(t->line), "%s", v->filter);
		t->prompt = PROMPT_FILTER;
		break;
	default:
		return 0;
	}
	return TUI_R_HANDLED | TUI_R_REDRAW;
}

static int
global_key(struct tui *t, enum key_action a, int ch)
{
	switch (a) {
	case KA_QUIT:
		return TUI_R_QUIT;
	case KA_HELP:
		return tui_switch(t, "Help");
	case KA_NEXT_SCREEN:
		return open_screen(t, (t->cur + 1) % t->nscreens);
	case KA_PREV_SCREEN:
		return open_screen(t, (t->cur + t->nscreens - 1) %
		    t->nscreens);
	case KA_SCREEN_N:
		return open_screen(t, (size_t)(ch - '1'));
	case KA_CMDLINE:
		t->line[0] = '\0';
		t->prompt = PROMPT_CMD;
		return TUI_R_HANDLED | TUI_R_REDRAW;
	case KA_REFRESH:
		clearok(curscr, TRUE);
		return TUI_R_REFRESH | TUI_R_REDRAW;
	case KA_RUN:
		open_run_prompt(t);
		return TUI_R_HANDLED | TUI_R_REDRAW;
	case KA_UNLOCK:
		if (!t->locked)
			tui_message(t, 0, "the store is not locked");
		else
			tui_unlock_open(t);
		return TUI_R_HANDLED | TUI_R_REDRAW;
	default:
		return 0;
	}
}

static int
form_keypress(struct tui *t, int ch)
{
	struct form	*f = t->form;
	enum key_action	 a;
	int		 react;

	a = form_key(f, ch, &react);
	if (a == KA_CANCEL) {
		form_free(f);
		t->form = NULL;
		tui_message(t, 0, "cancelled, nothing saved");
	} else if (a == KA_SUBMIT && form_validate(f) == 0 &&
	    f->on_submit != NULL)
		f->on_submit(t);
	return react;
}

static int
handle_key(struct tui *t, int ch)
{
	const struct screen	*s = t->screens[t->cur];
	struct view_list	*v = s->view != NULL ? s->view(t) : NULL;
	enum key_action		 a = KA_NONE;
	int			 r;

	if (t->lost) {
		a = keys_lookup(KC_LOST, ch);
		if (a == KA_QUIT)
			return TUI_R_QUIT;
		if (a == KA_RECONNECT)
			reconnect(t);
		return TUI_R_REDRAW;
	}
	if (t->unlock_open)
		return tui_unlock_key(t, ch);
	if (t->prompt == PROMPT_CMD && keys_lookup(KC_PROMPT, ch) ==
	    KA_SUBMIT) {
		t->prompt = PROMPT_NONE;
		return run_command(t, t->line) | TUI_R_REDRAW;
	}
	if (t->prompt != PROMPT_NONE)
		return prompt_key(t, ch);
	if (t->form != NULL)
		return form_keypress(t, ch);
	if (s->ctx >= 0)
		a = keys_lookup(s->ctx, ch);
	if (a == KA_NONE)
		a = keys_lookup(KC_LIST, ch);
	if (a == KA_NONE)
		a = keys_lookup(KC_GLOBAL, ch);
	if ((r = s->key(t, a, ch)) & TUI_R_HANDLED)
		return r;
	if (v != NULL && (r = list_key(t, v, a)) != 0)
		return r;
	return global_key(t, a, ch);
}

static void
resize(struct tui *t)
{
	struct winsize	ws;

	if (ioctl(STDOUT_FILENO, TIOCGWINSZ, &ws) == 0 && ws.ws_row > 0 &&
	    ws.ws_col > 0)
		resizeterm(ws.ws_row, ws.ws_col);
	clearok(curscr, TRUE);
	t->dirty = 1;
}

static void
react(struct tui *t, int r)
{
	if (r & TUI_R_QUIT)
		t->quit = 1;
	if (r & TUI_R_REFRESH)
		tui_refresh_all(t);
	if (r & (TUI_R_REDRAW | TUI_R_REFRESH))
		t->dirty = 1;
}

static void
on_input(struct evloop *loop, int fd, void *arg, int mask)
{
	struct tui	*t = arg;
	wint_t		 wc;
	int		 rc, ch;

	(void)loop;
	(void)fd;
	(void)mask;
	while (!t->quit && (rc = get_wch(&wc)) != ERR) {
		ch = rc == KEY_CODE_YES ? TK_FN((int)wc) : (int)wc;
		t->keys_seen++;
		if (ch == TK_FN(KEY_RESIZE)) {
			/* resizeterm (in resize) queued it: already done. */
			t->dirty = 1;
			continue;
		}
		react(t, handle_key(t, ch));
	}
}

/* Events repaint at most every DRAW_EVERY_MS: a job streaming on 500
 * targets must not cost a repaint per frame. Keys repaint at once. */
#define DRAW_EVERY_MS	33

static long long
draw_tick(struct evloop *loop, long long id, void *arg)
{
	struct tui	*t = arg;

	(void)loop;
	(void)id;
	t->draw_pending = 0;
	if (t->dirty_ev)
		t->dirty = 1;
	return EVLOOP_NOMORE;
}

static void
throttle(struct tui *t)
{
	long long	since = evloop_now_ms() - t->last_draw;

	if (since >= DRAW_EVERY_MS) {
		t->dirty = 1;
		return;
	}
	if (!t->draw_pending && evloop_timer_add(t->loop, DRAW_EVERY_MS -
	    since, draw_tick, t, NULL, NULL) == OPS_OK)
		t->draw_pending = 1;
}

/* The benchmark's marker (see struct tui); terminals ignore the OSC. */
static void
mark_keys(struct tui *t)
{
	char	buf[64];
	int	n;

	t->keys_marked = t->keys_seen;
	n = snprintf(buf, sizeof(buf), "\033]1337;opsicle-keys=%ld\a",
	    t->keys_marked);
	(void)!write(STDOUT_FILENO, buf, (size_t)n);
}

static void
set_signals(void (*h)(int))
{
	struct sigaction	sa;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = h;
	sigemptyset(&sa.sa_mask);
	(void)sigaction(SIGINT, &sa, NULL);
	(void)sigaction(SIGTERM, &sa, NULL);
	(void)sigaction(SIGHUP, &sa, NULL);
	(void)sigaction(SIGWINCH, &sa, NULL);
}

static int
pipe_nb(int p[2])
{
	if (pipe2(p, O_CLOEXEC | O_NONBLOCK) == -1)
		return -1;
	return 0;
}

static void
tui_free(struct tui *t)
{
	tconn_close(&t->conn);
	tui_unlock_close(t);
	form_free(t->form);
	runsel_clear(t);
	view_list_done(&t->targets);
	view_list_done(&t->creds);
	view_list_done(&t->audit);
	view_list_done(&t->hostkeys);
	screen_automations_done(t);
	screen_approvals_done(t);
	jobs_done(t);
}

int
tui_main(int no_start)
{
	struct tui	 t;
	struct ops_err	 err;
	SCREEN		*scr = NULL;
	int		 sp[2] = { -1, -1 }, rc = 0;

	memset(&t, 0, sizeof(t));
	ops_err_clear(&err);
	t.no_start = no_start;
	t.mark = getenv("OPSICLE_TUI_MARK") != NULL &&
	    *getenv("OPSICLE_TUI_MARK") != '\0';
	t.chain = -1;
	t.screens = tui_screens(&t.nscreens);
	if (!isatty(STDIN_FILENO) || !isatty(STDOUT_FILENO)) {
		fprintf(stderr, "opsicle tui: needs a terminal on stdin and "
		    "stdout\n");
		return EXIT_USAGE;
	}
	setlocale(LC_ALL, "");
	/* The unlock dialog keeps the passphrase in sodium_malloc memory. */
	if (ops_crypto_init(&err) != OPS_OK ||
	    evloop_new(&t.loop, &err) != OPS_OK) {
		fprintf(stderr, "opsicle tui: %s\n", ops_err_msg(&err));
		return EXIT_REFUSED;
	}
	/* Connect (and maybe start the daemon) before taking the screen. */
	if (tconn_open(&t.conn, &t, t.loop, !no_start, &err) != OPS_OK) {
		fprintf(stderr, "opsicle tui: %s\n", ops_err_msg(&err));
		evloop_free(t.loop);
		return EXIT_NODAEMON;
	}
	if (pipe_nb(sp) == -1 || evloop_file_add(t.loop, sp[0], EVLOOP_READ,
	    sig_drain, NULL, &err) != OPS_OK) {
		fprintf(stderr, "opsicle tui: signal pipe: %s\n",
		    strerror(errno));
		rc = EXIT_REFUSED;
		goto out;
	}
	tui_sig_fd = sp[1];
	/* Ours first: curses then leaves these signals alone. */
	set_signals(on_signal);
	if ((scr = newterm(NULL, stdout, stdin)) == NULL) {
		fprintf(stderr, "opsicle tui: cannot use terminal \"%s\"\n",
		    getenv("TERM") != NULL ? getenv("TERM") : "");
		rc = EXIT_USAGE;
		goto out;
	}
	set_escdelay(25);
	cbreak();
	noecho();
	nonl();
	keypad(stdscr, TRUE);
	nodelay(stdscr, TRUE);
	theme_init();
	if (evloop_file_add(t.loop, STDIN_FILENO, EVLOOP_READ, on_input, &t,
	    &err) != OPS_OK) {
		rc = EXIT_REFUSED;
		goto out;
	}
	(void)open_screen(&t, 0);
	tui_refresh_all(&t);
	while (!t.quit && !tui_sig_quit) {
		if (tui_sig_winch) {
			tui_sig_winch = 0;
			resize(&t);
		}
		if (t.dirty_ev && !t.dirty)
			throttle(&t);
		if (t.dirty) {
			t.dirty = t.dirty_ev = 0;
			frame_draw(&t);
			t.last_draw = evloop_now_ms();
		}
		if (t.mark && t.keys_marked != t.keys_seen)
			mark_keys(&t);
		if (evloop_run_once(t.loop, 0, &err) < 0) {
			rc = EXIT_REFUSED;
			break;
		}
	}
out:
	if (scr != NULL) {
		endwin();
		delscreen(scr);
	}
	set_signals(SIG_DFL);
	tui_sig_fd = -1;
	if (sp[0] != -1) {
		evloop_file_del(t.loop, sp[0], EVLOOP_READ);
		close(sp[0]);
		close(sp[1]);
	}
	if (rc == EXIT_REFUSED && err.msg[0] != '\0')
		fprintf(stderr, "opsicle tui: %s\n", ops_err_msg(&err));
	tui_free(&t);
	evloop_free(t.loop);
	return rc;
}

/*
 * screen-approvals.c: the Approvals screen: the jobs awaiting approval
 * (approval-list), kept current by the approval-state events (each one
 * asks for the list again), with their number in the frame's status line
 * on every screen (screen-frame.c reads t->appr_pending). Enter shows
 * one request (approval-show: the automation and version or the
 * command, the parameters as the daemon masks them, the targets, who
 * asked, who may approve, the decisions so far); Esc goes back.
 *
 * a opens the approve form: a reason (required when the policy says so)
 * and, when the policy needs one, a TOTP code typed without echo; x the
 * reject form, whose reason is required. The daemon decides who may
 * (never the requester, one decision per approver, the code checked):
 * its refusal stays in the form. The form (the code with it) is wiped
 * when it closes.
 */
#include "config.h"

#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <curses.h>

#include "termsafe.h"
#include "tui-screen.h"

#define APPROVE_FORM	4	/* form kinds */
#define REJECT_FORM	5

static const struct view_col appr_cols[] = {
	{ "JOB", "job", VC_INT, 6 },
	{ "STATE", "state", VC_STR, 9 },
	{ "OK", "count", VC_STR, 6 },
	{ "WHAT", "what", VC_STR, 30 },
	{ "BY", "requester", VC_STR, 14 },
	{ "EXPIRES", "expires", VC_TIME, 20 },
	{ "TOTP", "totp_text", VC_STR, 5 },
};

static struct view_list *
appr_view(struct tui *t)
{
	if (t->approvals.cols == NULL)
		view_list_init(&t->approvals, appr_cols,
		    sizeof(appr_cols) / sizeof(appr_cols[0]), "job");
	return &t->approvals;
}

void
screen_approvals_done(struct tui *t)
{
	view_list_done(&t->approvals);
	json_decref(t->appr_show);
	t->appr_show = NULL;
}

static const char *
jstr(const json_t *o, const char *k)
{
	const char	*s = json_string_value(json_object_get(o, k));

	return s != NULL ? s : "";
}

static long long
jint(const json_t *o, const char *k)
{
	return (long long)json_integer_value(json_object_get(o, k));
}

/* The cells the list shows that are not fields of the reply. */
static void
add_cells(json_t *o)
{
	char	buf[OPS_PROTO_MAX_NAME + 32];

	snprintf(buf, sizeof(buf), "%lld/%lld", jint(o, "approvals"),
	    jint(o, "required"));
	json_object_set_new(o, "count", json_string(buf));
	if (json_object_get(o, "automation") != NULL)
		snprintf(buf, sizeof(buf), "%s version %lld",
		    jstr(o, "automation"), jint(o, "version"));
	else
		snprintf(buf, sizeof(buf), "%s", jstr(o, "command"));
	json_object_set_new(o, "what", json_string(buf));
	json_object_set_new(o, "totp_text", json_string(json_is_true(
	    json_object_get(o, "totp")) ? "yes" : "no"));
}

static void
list_done(struct tui *t, int rc, const json_t *result, const char *message,
    void *arg)
{
	json_t	*rows, *o;
	size_t	 i;

	(void)arg;
	if (rc != OPS_OK) {
		if (rc != OPS_E_CONNECT)
			tui_message(t, 1, "approval list: %s", message);
		return;
	}
	if ((rows = json_deep_copy(result)) == NULL)
		return;
	json_array_foreach(rows, i, o)
		add_cells(o);
	t->appr_pending = (int)json_array_size(rows);
	t->appr_known = 1;
	view_list_set_rows(appr_view(t), rows);
	t->dirty_ev = 1;
}

static void
show_done(struct tui *t, int rc, const json_t *result, const char *message,
    void *arg)
{
	if ((long long)(intptr_t)arg != t->appr_job)
		return;
	if (rc != OPS_OK) {
		if (rc != OPS_E_CONNECT)
			tui_message(t, 1, "approval show %lld: %s", t->appr_job,
			    message);
		return;
	}
	json_decref(t->appr_show);
	t->appr_show = json_deep_copy(result);
	t->dirty_ev = 1;
}

static void
ask_show(struct tui *t)
{
	json_t	*m;

	if (t->appr_job <= 0 || (m = proto_msg_new(PROTO_APPROVAL_SHOW,
	    0)) == NULL)
		return;
	(void)proto_add_int(m, "job", t->appr_job, NULL);
	(void)tconn_request(&t->conn, m, show_done,
	    (void *)(intptr_t)t->appr_job);
	json_decref(m);
}

static void
appr_reload(struct tui *t)
{
	json_t	*m;

	(void)appr_view(t);
	if (t->lost || (m = proto_msg_new(PROTO_APPROVAL_LIST, 0)) == NULL)
		return;
	(void)tconn_request(&t->conn, m, list_done, NULL);
	json_decref(m);
	if (t->appr_job > 0)
		ask_show(t);
}

void
screen_approvals_event(struct tui *t, const json_t *msg)
{
	const char	*state = jstr(msg, "state");

	if (strcmp(state, "requested") == 0)
		tui_message(t, 0, "job %lld awaits approval", jint(msg, "job"));
	else if (*state != '\0')
		tui_message(t, 0, "job %lld: approval %s%s%s", jint(msg, "job"),
		    state, json_object_get(msg, "actor") != NULL ? " by " : "",
		    jstr(msg, "actor"));
	appr_reload(t);
}

static int
appr_open(struct tui *t)
{
	appr_reload(t);
	return TUI_R_REDRAW;
}

/* One line of the detail into the body; the row after. */
static int
put_line(int y, int ymax, enum theme_role role, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

static int
put_line(int y, int ymax, enum theme_role role, const char *fmt, ...)
{
	va_list	ap;
	char	buf[1024], safe[1024 * TERMSAFE_GROWTH + 1];

	if (y >= ymax)
		return y;
	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	termsafe_escape(buf, strlen(buf), 0, safe,
	    sizeof(safe));
	frame_put(y, 1, COLS - 1, theme_attr(role), 1, safe);
	return y + 1;
}

static void
join(const json_t *arr, char *buf, size_t len)
{
	const json_t	*v;
	size_t		 i, used;

	buf[0] = '\0';
	json_array_foreach(arr, i, v) {
		used = strlen(buf);
		if (used + 2 >= len)
			break;
		snprintf(buf + used, len - used, "%s%s", i > 0 ? " " : "",
		    json_is_string(v) ? json_string_value(v) : "?");
	}
}

static void
draw_detail(struct tui *t, int y, int h)
{
	const json_t	*o = t->appr_show, *v;
	char		 list[1024], when[64];
	int		 ymax = y + h;
	size_t		 i;

	y = put_line(y, ymax, TH_HINT, " job %lld (a approve, x reject, Esc "
	    "the list)", t->appr_job);
	if (o == NULL) {
		put_line(y, ymax, TH_HINT, " loading...");
		return;
	}
	if (json_object_get(o, "automation") != NULL)
		y = put_line(y, ymax, TH_NORMAL, "automation  %s version %lld",
		    jstr(o, "automation"), jint(o, "version"));
	else
		y = put_line(y, ymax, TH_NORMAL, "command     %s",
		    jstr(o, "command"));
	y = put_line(y, ymax, TH_NORMAL, "state       %s, %lld of %lld "
	    "approvals", jstr(o, "state"), jint(o, "approvals"),
	    jint(o, "required"));
	y = put_line(y, ymax, TH_NORMAL, "requested   by %s",
	    jstr(o, "requester"));
	view_fmt_time(jint(o, "expires"), when, sizeof(when));
	y = put_line(y, ymax, TH_NORMAL, "expires     %s", when);
	join(json_object_get(o, "approvers"), list, sizeof(list));
	y = put_line(y, ymax, TH_NORMAL, "approvers   %s%s", list[0] != '\0' ?
	    list : "any approver", json_is_true(json_object_get(o, "totp")) ?
	    " (TOTP code needed)" : "");
	join(json_object_get(o, "targets"), list, sizeof(list));
	y = put_line(y, ymax, TH_NORMAL, "targets     %s", list);
	json_array_foreach(json_object_get(o, "params"), i, v)
		y = put_line(y, ymax, TH_NORMAL, "param       %s = %s",
		    jstr(v, "name"), jstr(v, "value"));
	json_array_foreach(json_object_get(o, "decisions"), i, v) {
		view_fmt_time(jint(v, "time"), when, sizeof(when));
		y = put_line(y, ymax, TH_NORMAL, "decision    %s by %s via %s, "
		    "%s%s%s", jstr(v, "decision"), jstr(v, "actor"),
		    jstr(v, "channel"), when, json_object_get(v, "reason") !=
		    NULL ? ": " : "", jstr(v, "reason"));
	}
}

static void
appr_draw(struct tui *t, int y, int h)
{
	char	info[256];

	if (t->appr_job > 0) {
		draw_detail(t, y, h);
		return;
	}
	snprintf(info, sizeof(info), " %zu job%s awaiting approval (Enter: "
	    "details; a approve, x reject)", appr_view(t)->nvis,
	    appr_view(t)->nvis == 1 ? "" : "s");
	frame_put(y, 0, COLS, theme_attr(TH_HINT), 1, info);
	frame_list(t, appr_view(t), y + 1, h - 1);
}

/* ---- the approve and reject forms --------------------------------------- */

static struct form *
current(struct tui *t, void *arg)
{
	if (t->form == NULL || (t->form->kind != APPROVE_FORM &&
	    t->form->kind != REJECT_FORM) ||
	    t->form->seq != (unsigned long)(uintptr_t)arg)
		return NULL;
	return t->form;
}

static void
decide_done(struct tui *t, int rc, const json_t *r, const char *message,
    void *arg)
{
	struct form		*f = current(t, arg);
	struct form_field	*ff;

	if (rc != OPS_OK) {
		if (f == NULL) {
			if (rc != OPS_E_CONNECT)
				tui_message(t, 1, "%s", message);
			return;
		}
		f->busy = 0;
		if ((ff = form_find(f, "code")) != NULL &&
		    strstr(message, "TOTP") != NULL) {
			snprintf(ff->error, sizeof(ff->error), "%s", message);
			ff->value[0] = '\0';
			f->cur = (int)(ff - f->f);
			snprintf(f->error, sizeof(f->error), "not decided: fix "
			    "the field marked below");
		} else
			snprintf(f->error, sizeof(f->error), "not decided: %s",
			    message);
		t->dirty = 1;
		return;
	}
	if (json_object_get(r, "required") != NULL)
		tui_message(t, 0, "job %lld: %s (%lld of %lld approvals)",
		    jint(r, "job"), jstr(r, "state"), jint(r, "approvals"),
		    jint(r, "required"));
	else
		tui_message(t, 0, "job %lld: %s", jint(r, "job"),
		    jstr(r, "state"));
	if (f != NULL) {
		form_free(f);
		t->form = NULL;
	}
	appr_reload(t);
}

static void
decide_submit(struct tui *t)
{
	struct form	*f = t->form;
	json_t		*m;
	const char	*reason = form_value(f, "reason");
	const char	*code = form_value(f, "code");

	if ((m = proto_msg_new(f->kind == APPROVE_FORM ? PROTO_APPROVE :
	    PROTO_REJECT, 0)) == NULL)
		return;
	(void)proto_add_int(m, "job", strtoll(f->orig, NULL, 10), NULL);
	if (*reason != '\0')
		(void)proto_add_str(m, "reason", reason, NULL);
	if (f->kind == APPROVE_FORM && *code != '\0')
		(void)proto_add_str(m, "code", code, NULL);
	f->busy = 1;
	f->error[0] = '\0';
	snprintf(f->busy_text, sizeof(f->busy_text), "sending...");
	(void)tconn_request(&t->conn, m, decide_done,
	    (void *)(uintptr_t)f->seq);
	proto_wipe_strings(m, "code");
	json_decref(m);
}

static void
open_decide(struct tui *t, const json_t *o, int approve)
{
	struct form	*f;
	char		 title[128];
	int		 totp = json_is_true(json_object_get(o, "totp"));
	int		 need = json_is_true(json_object_get(o,
	    "reason_required"));

	snprintf(title, sizeof(title), "%s job %lld (%s)", approve ?
	    "Approve" : "Reject", jint(o, "job"), jstr(o, "what"));
	if ((f = form_new(title, approve ? APPROVE_FORM : REJECT_FORM)) ==
	    NULL)
		return;
	snprintf(f->orig, sizeof(f->orig), "%lld", jint(o, "job"));
	snprintf(f->submit, sizeof(f->submit), "%s", approve ? "approve" :
	    "reject");
	(void)form_add(f, "Reason", "reason", need || !approve ?
	    FORM_F_REQUIRED : 0, NULL);
	snprintf(f->f[0].hint, sizeof(f->f[0].hint), "%s", need || !approve ?
	    "recorded in the audit; required" : "recorded in the audit; "
	    "optional");
	if (approve && totp) {
		(void)form_add(f, "TOTP code", "code", FORM_F_REQUIRED |
		    FORM_F_SECRET, NULL);
		snprintf(f->f[1].hint, sizeof(f->f[1].hint), "the 6 digits "
		    "your authenticator shows (not echoed)");
	}
	f->on_submit = decide_submit;
	f->seq = ++t->form_seq;
	form_free(t->form);
	t->form = f;
}

/* The request the keys act on: the one shown, else the cursor's. */
static const json_t *
selected(struct tui *t)
{
	struct view_list	*v = appr_view(t);
	const json_t		*o;
	size_t			 i;

	if (t->appr_job <= 0)
		return view_list_current(v);
	json_array_foreach(v->rows, i, o)
		if (jint(o, "job") == t->appr_job)
			return o;
	return NULL;
}

static int
appr_key(struct tui *t, enum key_action a, int ch)
{
	const json_t	*o = selected(t);

	(void)ch;
	switch (a) {
	case KA_ENTER:
		if (t->appr_job > 0 || o == NULL)
			return TUI_R_HANDLED;
		t->appr_job = jint(o, "job");
		json_decref(t->appr_show);
		t->appr_show = NULL;
		ask_show(t);
		return TUI_R_HANDLED | TUI_R_REDRAW;
	case KA_BACK:
		t->appr_job = 0;
		json_decref(t->appr_show);
		t->appr_show = NULL;
		return TUI_R_HANDLED | TUI_R_REDRAW;
	case KA_APPROVE:
	case KA_REJECT:
		if (o == NULL)
			tui_message(t, 1, "no job awaiting approval here");
		else
			open_decide(t, o, a == KA_APPROVE);
		return TUI_R_HANDLED | TUI_R_REDRAW;
	default:
		return 0;
	}
}

static struct view_list *
appr_list(struct tui *t)
{
	return t->appr_job > 0 ? NULL : appr_view(t);
}

const struct screen screen_approvals = {
	.name = "Approvals",
	.hints = "a approve  x reject  Enter details  Esc back  j/k move  "
	    "? help  q quit",
	.ctx = KC_APPROVALS,
	.open = appr_open,
	.draw = appr_draw,
	.key = appr_key,
	.reload = appr_reload,
	.view = appr_list,
};

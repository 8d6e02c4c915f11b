/*
 * keys.c: the console's one key-binding table. keys_lookup maps a key to
 * an action in a context; the help screen and opsicle(1) list this same
 * table, so a binding added here is documented by adding it.
 */
#include "config.h"

#include <curses.h>

#include "tui-screen.h"

static const struct key_binding key_table[] = {
	{ KC_GLOBAL, KA_HELP, { '?', TK_FN(KEY_F(1)) }, "?, F1",
	    "show this help" },
	{ KC_GLOBAL, KA_QUIT, { 'q' }, "q", "quit (or close the help)" },
	{ KC_GLOBAL, KA_NEXT_SCREEN, { TK_TAB, TK_FN(KEY_RIGHT) },
	    "Tab, Right", "next screen" },
	{ KC_GLOBAL, KA_PREV_SCREEN, { TK_FN(KEY_BTAB), TK_FN(KEY_LEFT) },
	    "S-Tab, Left", "previous screen" },
	{ KC_GLOBAL, KA_SCREEN_N, { '1', '2', '3', '4', '5', '6', '7', '8',
	    '9' }, "1-9", "go to screen N" },
	{ KC_GLOBAL, KA_CMDLINE, { ':' }, ":",
	    "command line: q, refresh, run CMD, target add, unlock, "
	    "screen NAME, job N" },
	{ KC_GLOBAL, KA_UNLOCK, { 'u' }, "u",
	    "unlock a locked daemon (the passphrase is not shown)" },
	{ KC_GLOBAL, KA_REFRESH, { TK_CTRL('r'), TK_CTRL('l'),
	    TK_FN(KEY_F(5)) }, "C-r, C-l, F5", "ask the daemon again and redraw" },

	{ KC_LIST, KA_UP, { 'k', TK_FN(KEY_UP) }, "k, Up", "move up" },
	{ KC_LIST, KA_DOWN, { 'j', TK_FN(KEY_DOWN) }, "j, Down", "move down" },
	{ KC_LIST, KA_TOP, { 'g', TK_FN(KEY_HOME) }, "g, Home", "first row" },
	{ KC_LIST, KA_BOTTOM, { 'G', TK_FN(KEY_END) }, "G, End", "last row" },
	{ KC_LIST, KA_PGUP, { TK_FN(KEY_PPAGE), TK_CTRL('b') }, "PgUp, C-b",
	    "page up" },
	{ KC_LIST, KA_PGDN, { TK_FN(KEY_NPAGE), TK_CTRL('f') }, "PgDn, C-f",
	    "page down" },
	{ KC_LIST, KA_FILTER, { '/' }, "/",
	    "filter by substring, or by a selector as run takes it (tag:NAME, "
	    "globs, a,b, &TERM, !TERM; empty clears)" },
	{ KC_LIST, KA_SORT, { 's' }, "s", "sort by the next column" },
	{ KC_LIST, KA_SORT_REV, { 'S' }, "S", "reverse the sort" },

	{ KC_TARGETS, KA_MARK, { ' ' }, "Space", "mark or unmark the target" },
	{ KC_TARGETS, KA_ENTER, { TK_ENTER, 13, TK_FN(KEY_ENTER) }, "Enter",
	    "show the target's details" },
	{ KC_TARGETS, KA_BACK, { TK_ESC }, "Esc", "back to the list" },
	{ KC_TARGETS, KA_ADD, { 'a' }, "a", "add a target" },
	{ KC_TARGETS, KA_EDIT, { 'e' }, "e", "edit the target" },
	{ KC_TARGETS, KA_REMOVE, { 'd', TK_FN(KEY_DC) }, "d, Del",
	    "remove the marked targets (or this one)" },
	{ KC_TARGETS, KA_RUN, { 'r' }, "r",
	    "run a command on the marked targets (or this one); lists them, "
	    "hidden ones too, and asks y/n unless it is one target on "
	    "screen" },

	{ KC_JOBS, KA_ENTER, { TK_ENTER, 13, TK_FN(KEY_ENTER) }, "Enter",
	    "open the job: its targets and their output" },
	{ KC_JOBS, KA_CANCEL_JOB, { 'c' }, "c", "cancel the job (y/n)" },
	{ KC_JOBS, KA_RERUN, { 'R' }, "R", "run the job again" },

	{ KC_JOB, KA_BACK, { TK_ESC }, "Esc", "back to the jobs" },
	{ KC_JOB, KA_PGUP, { TK_FN(KEY_PPAGE), TK_CTRL('b') }, "PgUp, C-b",
	    "scroll the output back" },
	{ KC_JOB, KA_PGDN, { TK_FN(KEY_NPAGE), TK_CTRL('f') }, "PgDn, C-f",
	    "scroll the output forward" },
	{ KC_JOB, KA_FOLLOW, { 'F' }, "F", "follow the end of the output" },
	{ KC_JOB, KA_FOLD, { 'f' }, "f",
	    "fold identical outputs across targets (again: unfold)" },
	{ KC_JOB, KA_FILTER, { '/' }, "/", "find text in the output" },
	{ KC_JOB, KA_SEARCH_PREV, { 'n' }, "n", "the match before" },
	{ KC_JOB, KA_SEARCH_NEXT, { 'N' }, "N", "the match after" },
	{ KC_JOB, KA_CANCEL_JOB, { 'c' }, "c", "cancel the job (y/n)" },
	{ KC_JOB, KA_RERUN, { 'R' }, "R", "run the job again" },

	{ KC_HOSTKEYS, KA_ACCEPT, { 'a' }, "a",
	    "accept the host key (y/n; compare the fingerprint first)" },
	{ KC_HOSTKEYS, KA_REMOVE, { 'x', 'd', TK_FN(KEY_DC) }, "x, d, Del",
	    "reject the pending host key (y/n): it is forgotten" },

	{ KC_AUTOMATIONS, KA_ENTER, { TK_ENTER, 13, TK_FN(KEY_ENTER) },
	    "Enter", "the automation's versions; on a version, its file as "
	    "applied" },
	{ KC_AUTOMATIONS, KA_BACK, { TK_ESC }, "Esc",
	    "up: from the file to the versions, from them to the list" },
	{ KC_AUTOMATIONS, KA_RUN, { 'r' }, "r",
	    "run the automation (its latest version) with a parameter form: "
	    "a field per parameter and the targets; the daemon checks the "
	    "values (dry run) first, then the Job screen shows the job" },

	{ KC_APPROVALS, KA_ENTER, { TK_ENTER, 13, TK_FN(KEY_ENTER) },
	    "Enter", "the request: what would run (parameters masked), the "
	    "targets, who asked, who may approve, the decisions" },
	{ KC_APPROVALS, KA_BACK, { TK_ESC }, "Esc", "back to the list" },
	{ KC_APPROVALS, KA_APPROVE, { 'a' }, "a",
	    "approve the job: a form with a reason and, when the policy "
	    "needs one, your TOTP code (not echoed)" },
	{ KC_APPROVALS, KA_REJECT, { 'x' }, "x",
	    "reject the job: a form with the reason (required); it never "
	    "runs" },

	{ KC_FORM, KA_FIELD_NEXT, { TK_TAB, TK_FN(KEY_DOWN) }, "Tab, Down",
	    "next field" },
	{ KC_FORM, KA_FIELD_PREV, { TK_FN(KEY_BTAB), TK_FN(KEY_UP) },
	    "S-Tab, Up", "previous field" },
	{ KC_FORM, KA_SUBMIT, { TK_ENTER, 13, TK_FN(KEY_ENTER) }, "Enter",
	    "save (a run form: check, then run)" },
	{ KC_FORM, KA_TOGGLE, { ' ' }, "Space",
	    "on a yes/no or choice field: its next value (Backspace: the "
	    "default); elsewhere a space" },
	{ KC_FORM, KA_CANCEL, { TK_ESC }, "Esc",
	    "cancel (a secret typed is wiped)" },

	{ KC_PROMPT, KA_SUBMIT, { TK_ENTER, 13, TK_FN(KEY_ENTER) }, "Enter",
	    "accept the filter or command" },
	{ KC_PROMPT, KA_HIST_PREV, { TK_FN(KEY_UP) }, "Up",
	    "the previous command (run prompt history)" },
	{ KC_PROMPT, KA_HIST_NEXT, { TK_FN(KEY_DOWN) }, "Down",
	    "the next command (run prompt history)" },
	{ KC_PROMPT, KA_CANCEL, { TK_ESC, TK_CTRL('c') }, "Esc", "cancel" },
	{ KC_PROMPT, KA_YES, { 'y', 'Y' }, "y", "yes (in a question)" },
	{ KC_PROMPT, KA_NO, { 'n', 'N', TK_ESC }, "n, Esc",
	    "no (in a question)" },

	{ KC_LOST, KA_RECONNECT, { 'r' }, "r",
	    "reconnect (starting the daemon) after losing it" },
	{ KC_LOST, KA_QUIT, { 'q' }, "q", "quit" },
};

static const char *const ctx_names[KC_COUNT] = {
	"Everywhere", "Lists", "Targets", "Jobs", "Job", "Host keys",
	"Automations", "Approvals", "Forms", "Prompts",
	"Lost daemon",
};

enum key_action
keys_lookup(int ctx, int ch)
{
	size_t	i, k;

	for (i = 0; i < sizeof(key_table) / sizeof(key_table[0]); i++) {
		if ((int)key_table[i].ctx != ctx)
			continue;
		for (k = 0; k < KEYS_MAX && key_table[i].keys[k] != 0; k++)
			if (key_table[i].keys[k] == ch)
				return key_table[i].action;
	}
	return KA_NONE;
}

const struct key_binding *
keys_table(size_t *n)
{
	*n = sizeof(key_table) / sizeof(key_table[0]);
	return key_table;
}

const char *
keys_ctx_name(enum key_ctx ctx)
{
	return ctx < KC_COUNT ? ctx_names[ctx] : "?";
}

/*
 * tui-unlock.c: the unlock dialog. When the daemon reports a locked
 * store (or on "u" or ":unlock") a passphrase field opens over the
 * screen. Nothing typed is shown, not even one star per character. The
 * bytes go straight into a struct secret (sodium_malloc, wiped on free);
 * Enter sends "unlock", and the JSON copy of the passphrase is wiped as
 * soon as the frame is queued (the writer wipes the frame once sent).
 * A refusal ("wrong passphrase") shows in the dialog, which stays open
 * with an empty field; success closes it and asks every screen again.
 */
#include "config.h"

#include <string.h>
#include <wchar.h>

#include <curses.h>
#include <sodium.h>

#include "secret.h"
#include "tui-screen.h"

#define UNLOCK_MAX	1024	/* passphrase bytes */

static void
pass_clear(struct tui *t)
{
	if (t->pass != NULL)
		sodium_memzero(secret_data(t->pass), UNLOCK_MAX);
	t->pass_len = 0;
}

void
tui_unlock_close(struct tui *t)
{
	secret_free(t->pass);
	t->pass = NULL;
	t->pass_len = 0;
	t->unlock_open = 0;
	t->unlock_busy = 0;
	t->unlock_err[0] = '\0';
	t->dirty = 1;
}

void
tui_unlock_open(struct tui *t)
{
	struct ops_err	err;

	if (t->unlock_open)
		return;
	if (secret_new(UNLOCK_MAX, &t->pass, &err) != OPS_OK) {
		tui_message(t, 1, "unlock: %s", ops_err_msg(&err));
		return;
	}
	t->pass_len = 0;
	t->unlock_open = 1;
	t->unlock_busy = 0;
	t->unlock_err[0] = '\0';
	t->dirty = 1;
}

/* Wipe a passphrase field the message still holds. */
static void
wipe(json_t *m)
{
	struct secret	*s = NULL;

	if (proto_has(m, "passphrase") && proto_take_secret(m, "passphrase",
	    OPS_PROTO_MAX_FRAME, &s, NULL) == OPS_OK)
		secret_free(s);
}

static void
unlock_done(struct tui *t, int rc, const json_t *result, const char *message,
    void *arg)
{
	(void)result;
	(void)arg;
	t->dirty = 1;
	if (!t->unlock_open)
		return;
	t->unlock_busy = 0;
	if (rc == OPS_E_CONNECT) {
		tui_unlock_close(t);
		return;
	}
	if (rc != OPS_OK) {
		snprintf(t->unlock_err, sizeof(t->unlock_err), "not unlocked: "
		    "%s", message);
		return;
	}
	tui_unlock_close(t);
	t->locked = 0;
	tui_message(t, 0, "unlocked");
	tui_refresh_all(t);
}

static void
send_unlock(struct tui *t)
{
	json_t	*m;
	int	 rc;

	if (t->pass_len == 0) {
		snprintf(t->unlock_err, sizeof(t->unlock_err),
		    "type the passphrase first");
		return;
	}
	if ((m = proto_msg_new(PROTO_UNLOCK, 0)) == NULL)
		return;
	rc = proto_add_strn(m, "passphrase", (const char *)
	    secret_cdata(t->pass), t->pass_len, NULL);
	pass_clear(t);
	if (rc != OPS_OK) {
		wipe(m);
		json_decref(m);
		snprintf(t->unlock_err, sizeof(t->unlock_err), "not unlocked: "
		    "the passphrase is not valid UTF-8 text");
		return;
	}
	t->unlock_busy = 1;
	t->unlock_err[0] = '\0';
	/* The frame is encoded and queued now: the JSON copy can go. */
	(void)tconn_request(&t->conn, m, unlock_done, NULL);
	wipe(m);
	json_decref(m);
}

int
tui_unlock_key(struct tui *t, int ch)
{
	enum key_action	a = keys_lookup(KC_FORM, ch);
	unsigned char	*p = secret_data(t->pass);
	char		 mb[8];
	mbstate_t	 ps;
	size_t		 n;

	if (a == KA_CANCEL) {
		tui_unlock_close(t);
		tui_message(t, 0, "still locked; u unlocks");
		return TUI_R_HANDLED | TUI_R_REDRAW;
	}
	if (t->unlock_busy)
		return TUI_R_HANDLED;
	if (a == KA_SUBMIT) {
		send_unlock(t);
		return TUI_R_HANDLED | TUI_R_REDRAW;
	}
	if (ch == TK_FN(KEY_BACKSPACE) || ch == 127 || ch == 8) {
		while (t->pass_len > 0 && (p[--t->pass_len] & 0xc0) == 0x80)
			p[t->pass_len] = 0;
		p[t->pass_len] = 0;
		return TUI_R_HANDLED;
	}
	if (ch == TK_CTRL('u')) {
		pass_clear(t);
		return TUI_R_HANDLED;
	}
	if (ch < 32 || ch >= TK_FN(0) || ch == 127)
		return TUI_R_HANDLED;
	memset(&ps, 0, sizeof(ps));
	n = wcrtomb(mb, (wchar_t)ch, &ps);
	if (n != (size_t)-1 && t->pass_len + n <= UNLOCK_MAX) {
		memcpy(p + t->pass_len, mb, n);
		t->pass_len += n;
	}
	sodium_memzero(mb, sizeof(mb));
	/* Nothing on screen changes: no echo, not even a length. */
	return TUI_R_HANDLED;
}

void
tui_unlock_draw(struct tui *t)
{
	int	w = COLS - 4 < 60 ? COLS - 4 : 60, h = 7, y0, x0, y;

	if (w < 20)
		w = COLS;
	y0 = (LINES - h) / 2 > 0 ? (LINES - h) / 2 : 0;
	x0 = (COLS - w) / 2 > 0 ? (COLS - w) / 2 : 0;
	for (y = y0; y < y0 + h; y++)
		frame_put(y, x0, w, theme_attr(TH_DIALOG), 1, "");
	frame_put(y0, x0, w, theme_attr(TH_BAR), 1, " Unlock the store ");
	frame_put(y0 + 1, x0 + 1, w - 2, theme_attr(t->unlock_err[0] != '\0' ?
	    TH_ERROR : TH_DIALOG), 1, t->unlock_err[0] != '\0' ?
	    t->unlock_err : t->unlock_busy ? "unlocking..." :
	    "opsicled is locked: its store needs the passphrase.");
	frame_put(y0 + 3, x0 + 2, 12, theme_attr(TH_DIALOG), 1, "Passphrase");
	frame_put(y0 + 3, x0 + 14, w - 16, theme_attr(TH_FIELD_ACTIVE), 1,
	    "");
	frame_put(y0 + 5, x0 + 1, w - 2, theme_attr(TH_HINT), 1,
	    "Enter unlock  Esc later (u)  typing is not shown");
	move(y0 + 3, x0 + 14);
	curs_set(1);
}

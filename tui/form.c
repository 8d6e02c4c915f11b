/*
 * form.c: a small form widget: labelled one-line text fields, each with
 * its own validation message, plus one message for the whole form (the
 * daemon's refusal goes there). form_validate checks what can be known
 * locally (required fields, port range); the owner sends the form and
 * keeps it open until the daemon agrees, so a refused form loses nothing.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>
#include <wchar.h>

#include <curses.h>

#include "tui-screen.h"

struct form *
form_new(const char *title, int kind)
{
	struct form	*f;

	if ((f = calloc(1, sizeof(*f))) == NULL)
		return NULL;
	snprintf(f->title, sizeof(f->title), "%s", title);
	f->kind = kind;
	return f;
}

void
form_free(struct form *f)
{
	free(f);
}

int
form_add(struct form *f, const char *label, const char *key, int flags,
    const char *value)
{
	struct form_field	*ff;

	if (f->n == FORM_MAX_FIELDS)
		return OPS_E_TOOBIG;
	ff = &f->f[f->n++];
	ff->label = label;
	ff->key = key;
	ff->flags = flags;
	snprintf(ff->value, sizeof(ff->value), "%s", value != NULL ? value :
	    "");
	return OPS_OK;
}

const char *
form_value(const struct form *f, const char *key)
{
	int	i;

	for (i = 0; i < f->n; i++)
		if (strcmp(f->f[i].key, key) == 0)
			return f->f[i].value;
	return "";
}

static int
check_port(struct form_field *ff)
{
	const char	*p = ff->value;
	char		*end, shown[48];
	long		 v;

	if (*p == '\0')
		return 0;
	v = strtol(p, &end, 10);
	if (*end != '\0' || v < 1 || v > 65535) {
		/* (a copy: value and error share the struct) */
		snprintf(shown, sizeof(shown), "%.40s", p);
		snprintf(ff->error, sizeof(ff->error), "port must be a number "
		    "from 1 to 65535, not \"%s\"", shown);
		return -1;
	}
	return 0;
}

int
form_validate(struct form *f)
{
	struct form_field	*ff;
	int			 i, bad = 0;

	f->error[0] = '\0';
	for (i = 0; i < f->n; i++) {
		ff = &f->f[i];
		ff->error[0] = '\0';
		if ((ff->flags & FORM_F_REQUIRED) &&
		    ff->value[strspn(ff->value, " ")] == '\0') {
			snprintf(ff->error, sizeof(ff->error), "%s is required",
			    ff->label);
			bad++;
		} else if ((ff->flags & FORM_F_PORT) && check_port(ff) != 0)
			bad++;
	}
	if (bad > 0)
		snprintf(f->error, sizeof(f->error), "not saved: fix the "
		    "field%s marked below", bad > 1 ? "s" : "");
	return bad > 0 ? -1 : 0;
}

/* Remove the last UTF-8 character of s. */
static void
backspace(char *s)
{
	size_t	len = strlen(s);

	while (len > 0) {
		len--;
		if (((unsigned char)s[len] & 0xc0) != 0x80)
			break;
	}
	s[len] = '\0';
}

static void
append(char *s, size_t size, int ch)
{
	char		mb[8];
	mbstate_t	ps;
	size_t		n, len = strlen(s);

	memset(&ps, 0, sizeof(ps));
	n = wcrtomb(mb, (wchar_t)ch, &ps);
	if (n == (size_t)-1 || len + n + 1 > size)
		return;
	memcpy(s + len, mb, n);
	s[len + n] = '\0';
}

enum key_action
form_key(struct form *f, int ch, int *react)
{
	struct form_field	*ff = &f->f[f->cur];
	enum key_action		 a = keys_lookup(KC_FORM, ch);

	*react = TUI_R_HANDLED | TUI_R_REDRAW;
	if (f->busy && a != KA_CANCEL)
		return KA_NONE;
	switch (a) {
	case KA_FIELD_NEXT:
		f->cur = (f->cur + 1) % f->n;
		return KA_NONE;
	case KA_FIELD_PREV:
		f->cur = (f->cur + f->n - 1) % f->n;
		return KA_NONE;
	case KA_SUBMIT:
	case KA_CANCEL:
		return a;
	default:
		break;
	}
	if (ch == TK_FN(KEY_BACKSPACE) || ch == 127 || ch == 8)
		backspace(ff->value);
	else if (ch == TK_CTRL('u'))
		ff->value[0] = '\0';
	else if (ch >= 32 && ch < TK_FN(0) && ch != 127)
		append(ff->value, sizeof(ff->value), ch);
	else
		*react = TUI_R_HANDLED;
	return KA_NONE;
}

void
form_draw(const struct form *f, int rows, int cols)
{
	const struct form_field	*ff;
	int			 w, h, y0, x0, lw = 12, i, y;
	char			 line[512];

	w = cols - 4 < 70 ? cols - 4 : 70;
	h = f->n * 2 + 6;
	if (w < 20 || h > rows)
		h = rows;
	y0 = (rows - h) / 2;
	x0 = (cols - w) / 2;
	if (y0 < 0)
		y0 = 0;
	if (x0 < 0)
		x0 = 0;
	for (y = y0; y < y0 + h; y++)
		frame_put(y, x0, w, theme_attr(TH_DIALOG), 1, "");
	snprintf(line, sizeof(line), " %s ", f->title);
	frame_put(y0, x0, w, theme_attr(TH_BAR), 1, line);
	y = y0 + 1;
	if (f->error[0] != '\0')
		frame_put(y, x0 + 1, w - 2, theme_attr(TH_ERROR), 1, f->error);
	else if (f->busy)
		frame_put(y, x0 + 1, w - 2, theme_attr(TH_DIALOG), 1,
		    "saving...");
	y++;
	for (i = 0; i < f->n && y + 1 < y0 + h; i++) {
		ff = &f->f[i];
		snprintf(line, sizeof(line), "%s%s", ff->label,
		    (ff->flags & FORM_F_REQUIRED) ? "*" : "");
		frame_put(y, x0 + 2, lw, theme_attr(TH_DIALOG), 1, line);
		frame_put(y, x0 + 2 + lw, w - lw - 4, theme_attr(i == f->cur ?
		    TH_FIELD_ACTIVE : TH_FIELD), 1, ff->value);
		y++;
		if (ff->error[0] != '\0')
			frame_put(y, x0 + 2 + lw, w - lw - 4,
			    theme_attr(TH_ERROR), 1, ff->error);
		y++;
	}
	if (y0 + h - 1 > y)
		frame_put(y0 + h - 1, x0 + 1, w - 2, theme_attr(TH_HINT), 1,
		    "Enter save  Tab/Up/Down move  Esc cancel  (* required)");
	/* Show the cursor at the end of the current field. */
	if (f->cur < f->n && y0 + 2 + f->cur * 2 < y0 + h) {
		move(y0 + 2 + f->cur * 2, x0 + 2 + lw +
		    (int)(strlen(f->f[f->cur].value) < (size_t)(w - lw - 5) ?
		    mbstowcs(NULL, f->f[f->cur].value, 0) : 0));
	}
}

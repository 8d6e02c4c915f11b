/*
 * form.c: a small form widget: labelled one-line text fields, each with
 * its own validation message, plus one message for the whole form (the
 * daemon's refusal goes there). form_validate checks what can be known
 * locally (required fields, port range); the owner sends the form and
 * keeps it open until the daemon agrees, so a refused form loses nothing.
 *
 * A FORM_F_SECRET field is typed without echo: it is drawn as nothing
 * while empty and as a fixed mask after, whatever its length. A
 * FORM_F_TOGGLE field (a yes/no or a choice) takes no text: Space cycles
 * through its values, Backspace clears it (the default). A form taller
 * than the screen scrolls with its current field. form_free wipes every
 * buffer (sodium_memzero): a form may hold secrets.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <wchar.h>

#include <curses.h>
#include <sodium.h>

#include "tui-screen.h"

struct form *
form_new(const char *title, int kind)
{
	struct form	*f;

	if ((f = calloc(1, sizeof(*f))) == NULL)
		return NULL;
	snprintf(f->title, sizeof(f->title), "%s", title);
	snprintf(f->submit, sizeof(f->submit), "save");
	f->kind = kind;
	return f;
}

static void
free_choices(struct form_field *ff)
{
	size_t	i;

	for (i = 0; i < ff->nchoices; i++)
		free(ff->choices[i]);
	free(ff->choices);
	ff->choices = NULL;
	ff->nchoices = 0;
}

void
form_free(struct form *f)
{
	int	i;

	if (f == NULL)
		return;
	for (i = 0; i < f->n; i++)
		free_choices(&f->f[i]);
	sodium_memzero(f, sizeof(*f));
	free(f);
}

int
form_set_choices(struct form_field *ff, const char *const *choices,
    size_t n)
{
	size_t	i;

	free_choices(ff);
	if (n == 0)
		return OPS_OK;
	if ((ff->choices = calloc(n, sizeof(*ff->choices))) == NULL)
		return OPS_E_NOMEM;
	for (i = 0; i < n; i++)
		if ((ff->choices[ff->nchoices++] = strdup(choices[i])) ==
		    NULL) {
			free_choices(ff);
			return OPS_E_NOMEM;
		}
	ff->flags |= FORM_F_TOGGLE;
	return OPS_OK;
}

int
form_add(struct form *f, const char *label, const char *key, int flags,
    const char *value)
{
	struct form_field	*ff;

	if (f->n == FORM_MAX_FIELDS)
		return OPS_E_TOOBIG;
	ff = &f->f[f->n++];
	snprintf(ff->label, sizeof(ff->label), "%s", label);
	snprintf(ff->key, sizeof(ff->key), "%s", key);
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

struct form_field *
form_find(struct form *f, const char *key)
{
	int	i;

	for (i = 0; i < f->n; i++)
		if (strcasecmp(f->f[i].key, key) == 0)
			return &f->f[i];
	return NULL;
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
	char			 lab[sizeof(ff->label)];
	int			 i, bad = 0;

	f->error[0] = '\0';
	for (i = 0; i < f->n; i++) {
		ff = &f->f[i];
		ff->error[0] = '\0';
		if ((ff->flags & FORM_F_REQUIRED) &&
		    ff->value[strspn(ff->value, " ")] == '\0') {
			/* (a copy: label and error share the struct) */
			memcpy(lab, ff->label, sizeof(lab));
			snprintf(ff->error, sizeof(ff->error), "%s is required",
			    lab);
			bad++;
		} else if ((ff->flags & FORM_F_PORT) && check_port(ff) != 0)
			bad++;
	}
	if (bad > 0)
		snprintf(f->error, sizeof(f->error), "fix the field%s "
		    "marked below", bad > 1 ? "s" : "");
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

/* The next of ff's values after the one it has (the first after none). */
static void
cycle(struct form_field *ff)
{
	size_t	i;

	for (i = 0; i < ff->nchoices; i++)
		if (strcmp(ff->value, ff->choices[i]) == 0)
			break;
	i = i < ff->nchoices ? (i + 1) % ff->nchoices : 0;
	if (ff->nchoices > 0)
		snprintf(ff->value, sizeof(ff->value), "%s", ff->choices[i]);
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
	if (ff->flags & FORM_F_TOGGLE) {
		if (a == KA_TOGGLE)
			cycle(ff);
		else if (ch == TK_FN(KEY_BACKSPACE) || ch == 127 || ch == 8 ||
		    ch == TK_CTRL('u'))
			ff->value[0] = '\0';
		else
			*react = TUI_R_HANDLED;
		return KA_NONE;
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

/* What a field shows: a secret never its text, nor its length. */
static const char *
field_text(const struct form_field *ff)
{
	if (!(ff->flags & FORM_F_SECRET))
		return ff->value;
	return ff->value[0] != '\0' ? "(typed, hidden)" : "";
}

void
form_draw(const struct form *f, int rows, int cols)
{
	const struct form_field	*ff;
	int			 w, h, y0, x0, lw = 12, i, y, vis, top, l;
	char			 line[512];

	w = cols - 4 < 96 ? cols - 4 : 96;
	for (i = 0; i < f->n; i++)
		if ((l = (int)strlen(f->f[i].label) + 3) > lw)
			lw = l;
	if (lw > w / 3)
		lw = w / 3;
	h = f->n * 2 + 5;
	if (w < 20 || h > rows)
		h = rows;
	/* fields shown: two rows each, the current one among them */
	vis = (h - 5) / 2 > 0 ? (h - 5) / 2 : 1;
	top = f->cur >= vis ? f->cur - vis + 1 : 0;
	y0 = (rows - h) / 2;
	x0 = (cols - w) / 2;
	if (y0 < 0)
		y0 = 0;
	if (x0 < 0)
		x0 = 0;
	for (y = y0; y < y0 + h; y++)
		frame_put(y, x0, w, theme_attr(TH_DIALOG), 1, "");
	if (f->n > vis)
		snprintf(line, sizeof(line), " %s (fields %d-%d of %d) ",
		    f->title, top + 1, top + vis < f->n ? top + vis : f->n,
		    f->n);
	else
		snprintf(line, sizeof(line), " %s ", f->title);
	frame_put(y0, x0, w, theme_attr(TH_BAR), 1, line);
	y = y0 + 1;
	if (f->error[0] != '\0')
		frame_put(y, x0 + 1, w - 2, theme_attr(TH_ERROR), 1, f->error);
	else if (f->busy)
		frame_put(y, x0 + 1, w - 2, theme_attr(TH_DIALOG), 1,
		    f->busy_text[0] != '\0' ? f->busy_text : "saving...");
	y++;
	for (i = top; i < f->n && i < top + vis && y + 1 < y0 + h; i++) {
		ff = &f->f[i];
		snprintf(line, sizeof(line), "%s%s", ff->label,
		    (ff->flags & FORM_F_REQUIRED) ? "*" : "");
		frame_put(y, x0 + 2, lw, theme_attr(TH_DIALOG), 1, line);
		frame_put(y, x0 + 2 + lw, w - lw - 4, theme_attr(i == f->cur ?
		    TH_FIELD_ACTIVE : TH_FIELD), 1, field_text(ff));
		y++;
		if (ff->error[0] != '\0')
			frame_put(y, x0 + 2 + lw, w - lw - 4,
			    theme_attr(TH_ERROR), 1, ff->error);
		else if (ff->hint[0] != '\0')
			frame_put(y, x0 + 2 + lw, w - lw - 4,
			    theme_attr(TH_HINT), 1, ff->hint);
		y++;
	}
	snprintf(line, sizeof(line), "Enter %s  Tab/Up/Down move  Esc cancel"
	    "  (* required)", f->submit);
	if (y0 + h - 1 >= y)
		frame_put(y0 + h - 1, x0 + 1, w - 2, theme_attr(TH_HINT), 1,
		    line);
	/* Show the cursor at the end of the current field (a secret's or
	 * a toggle's: at its start). */
	if (f->cur < f->n && f->cur >= top && y0 + 2 + (f->cur - top) * 2 <
	    y0 + h) {
		ff = &f->f[f->cur];
		move(y0 + 2 + (f->cur - top) * 2, x0 + 2 + lw +
		    ((ff->flags & (FORM_F_SECRET | FORM_F_TOGGLE)) ? 0 :
		    (int)(strlen(ff->value) < (size_t)(w - lw - 5) ?
		    mbstowcs(NULL, ff->value, 0) : 0)));
	}
}

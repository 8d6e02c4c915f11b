/*
 * screen-help.c: the Help screen, generated from the key table (keys.c)
 * so it always lists every binding; grouped by context.
 */
#include "config.h"

#include <curses.h>

#include "tui-screen.h"

/* Line i of the help text into buf; returns 0 past the end. attr gets
 * the theme role. */
static int
help_line(size_t i, char *buf, size_t len, enum theme_role *role)
{
	const struct key_binding	*k;
	size_t				 n, j, line = 0;
	int				 ctx, last = -1;

	k = keys_table(&n);
	for (ctx = 0; ctx < KC_COUNT; ctx++) {
		for (j = 0; j < n; j++) {
			if ((int)k[j].ctx != ctx)
				continue;
			if (last != ctx) {
				if (line++ == i) {
					snprintf(buf, len, "%s",
					    keys_ctx_name(ctx));
					*role = TH_HEADER;
					return 1;
				}
				last = ctx;
			}
			if (line++ == i) {
				snprintf(buf, len, "  %-16s %s", k[j].label,
				    k[j].help);
				*role = TH_NORMAL;
				return 1;
			}
		}
	}
	return 0;
}

static size_t
help_count(void)
{
	char		buf[8];
	enum theme_role	r;
	size_t		n = 0;

	while (help_line(n, buf, sizeof(buf), &r))
		n++;
	return n;
}

static int
help_open(struct tui *t)
{
	t->help_top = 0;
	return TUI_R_REDRAW;
}

static void
help_draw(struct tui *t, int y, int h)
{
	char		buf[256];
	enum theme_role	r;
	size_t		n = help_count();
	int		i;

	if (h > 0 && (size_t)t->help_top + (size_t)h > n)
		t->help_top = n > (size_t)h ? (int)(n - (size_t)h) : 0;
	for (i = 0; i < h; i++) {
		if (!help_line((size_t)(t->help_top + i), buf, sizeof(buf),
		    &r))
			break;
		frame_put(y + i, 1, COLS - 1, theme_attr(r), 1, buf);
	}
}

static int
help_key(struct tui *t, enum key_action a, int ch)
{
	switch (a) {
	case KA_DOWN:
		t->help_top++;
		break;
	case KA_UP:
		if (t->help_top > 0)
			t->help_top--;
		break;
	case KA_PGDN:
		t->help_top += LINES / 2;
		break;
	case KA_PGUP:
		t->help_top = t->help_top > LINES / 2 ?
		    t->help_top - LINES / 2 : 0;
		break;
	case KA_TOP:
		t->help_top = 0;
		break;
	case KA_BOTTOM:
		t->help_top = (int)help_count();
		break;
	case KA_QUIT:
		t->cur = t->prev < t->nscreens ? t->prev : 0;
		break;
	default:
		if (ch != TK_ESC)
			return 0;
		t->cur = t->prev < t->nscreens ? t->prev : 0;
		break;
	}
	return TUI_R_HANDLED | TUI_R_REDRAW;
}

const struct screen screen_help = {
	.name = "Help",
	.hints = "j/k scroll  Esc or q back  Tab next screen",
	.ctx = -1,
	.open = help_open,
	.draw = help_draw,
	.key = help_key,
	.reload = NULL,
	.view = NULL,
};

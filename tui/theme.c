/*
 * theme.c: every colour and attribute the console uses. Colours start
 * only when the terminal has them and NO_COLOR (no-color.org) is unset
 * or empty; otherwise each role falls back to a monochrome attribute
 * (reverse, bold, underline) so nothing depends on colour to be seen.
 */
#include "config.h"

#include <stdlib.h>

#include <curses.h>

#include "tui-screen.h"

struct role {
	short	fg, bg;
	int	color_attr;	/* added to the colour pair */
	int	mono;		/* used when there are no colours */
};

static const struct role roles[TH_COUNT] = {
	[TH_NORMAL] = { -1, -1, 0, A_NORMAL },
	[TH_BAR] = { COLOR_WHITE, COLOR_BLUE, 0, A_REVERSE },
	[TH_TAB_ACTIVE] = { COLOR_BLACK, COLOR_CYAN, A_BOLD, A_BOLD },
	[TH_HEADER] = { COLOR_CYAN, -1, A_BOLD, A_UNDERLINE },
	[TH_CURSOR] = { COLOR_BLACK, COLOR_CYAN, 0, A_REVERSE },
	[TH_MARKED] = { COLOR_YELLOW, -1, A_BOLD, A_BOLD },
	[TH_STATUS] = { COLOR_WHITE, COLOR_BLUE, 0, A_REVERSE },
	[TH_ERROR] = { COLOR_WHITE, COLOR_RED, A_BOLD, A_BOLD | A_REVERSE },
	[TH_OK] = { COLOR_GREEN, -1, A_BOLD, A_BOLD },
	[TH_HINT] = { -1, -1, A_DIM, A_DIM },
	[TH_DIALOG] = { COLOR_WHITE, COLOR_BLACK, 0, A_NORMAL },
	[TH_FIELD] = { COLOR_WHITE, COLOR_BLACK, A_UNDERLINE, A_UNDERLINE },
	[TH_FIELD_ACTIVE] = { COLOR_BLACK, COLOR_WHITE, 0, A_REVERSE },
};

/*
 * No flag of our own: COLOR_PAIRS stays 0 until start_color runs, and it
 * only runs when colours are wanted.
 */
#define theme_colors	(COLOR_PAIRS > TH_COUNT)

void
theme_init(void)
{
	const char	*nc = getenv("NO_COLOR");
	short		 i;

	if ((nc != NULL && *nc != '\0') || !has_colors() ||
	    start_color() == ERR || COLORS < 8)
		return;
	(void)use_default_colors();
	for (i = 1; i < TH_COUNT; i++)
		init_pair(i, roles[i].fg, roles[i].bg);
}

int
theme_mono(void)
{
	return !theme_colors;
}

int
theme_attr(enum theme_role role)
{
	if (role >= TH_COUNT)
		return A_NORMAL;
	if (!theme_colors)
		return roles[role].mono;
	if (role == TH_NORMAL)
		return A_NORMAL;
	return (int)COLOR_PAIR(role) | roles[role].color_attr;
}

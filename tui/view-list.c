/*
 * view-list.c: the data model behind every list screen: the rows a reply
 * brought (JSON objects), the filter, the sort order, the cursor, the
 * scroll offset and the marked rows. No curses here; screens draw what
 * these functions say. The cursor and the marks follow a row's key (its
 * name or id) across refreshes, so a reply never moves the selection.
 */
#include "config.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "model.h"
#include "tui-screen.h"

void
view_list_init(struct view_list *v, const struct view_col *cols,
    size_t ncols, const char *key_field)
{
	memset(v, 0, sizeof(*v));
	v->cols = cols;
	v->ncols = ncols;
	v->key_field = key_field;
	v->sort_col = -1;
}

static void
clear_marks(struct view_list *v)
{
	size_t	i;

	for (i = 0; i < v->nmarked; i++)
		free(v->marked[i]);
	free(v->marked);
	v->marked = NULL;
	v->nmarked = 0;
}

static void
clear_hay(struct view_list *v)
{
	size_t	i, n = json_array_size(v->rows);

	if (v->hay == NULL)
		return;
	for (i = 0; i < n; i++)
		free(v->hay[i]);
	free(v->hay);
	v->hay = NULL;
}

void
view_list_done(struct view_list *v)
{
	clear_hay(v);
	json_decref(v->rows);
	free(v->vis);
	clear_marks(v);
	memset(v, 0, sizeof(*v));
}

void
view_fmt_time(long long ms, char *buf, size_t len)
{
	time_t		t = (time_t)(ms / 1000);
	struct tm	tm;

	if (ms <= 0 || localtime_r(&t, &tm) == NULL ||
	    strftime(buf, len, "%Y-%m-%d %H:%M:%S", &tm) == 0)
		snprintf(buf, len, "-");
}

void
view_list_cell(const struct view_list *v, const json_t *row, size_t col,
    char *buf, size_t len)
{
	const struct view_col	*c;
	const json_t		*f, *item;
	struct timespec		 ts;
	size_t			 i, off = 0;

	buf[0] = '\0';
	if (row == NULL || col >= v->ncols || len == 0)
		return;
	c = &v->cols[col];
	f = json_object_get(row, c->field);
	switch (c->kind) {
	case VC_STR:
		snprintf(buf, len, "%s", json_is_string(f) ?
		    json_string_value(f) : "-");
		break;
	case VC_INT:
		if (json_is_integer(f))
			snprintf(buf, len, "%lld",
			    (long long)json_integer_value(f));
		else
			snprintf(buf, len, "-");
		break;
	case VC_TAGS:
		json_array_foreach(f, i, item) {
			if (off + 1 >= len || !json_is_string(item))
				break;
			off += (size_t)snprintf(buf + off, len - off, "%s%s",
			    i > 0 ? "," : "", json_string_value(item));
		}
		if (buf[0] == '\0')
			snprintf(buf, len, "-");
		break;
	case VC_HOSTPORT:
		item = json_object_get(row, "port");
		snprintf(buf, len, "%s:%lld", json_is_string(f) ?
		    json_string_value(f) : "-", json_is_integer(item) ?
		    (long long)json_integer_value(item) : 22LL);
		break;
	case VC_TIME:
		view_fmt_time(json_is_integer(f) ?
		    (long long)json_integer_value(f) : 0, buf, len);
		break;
	case VC_LASTRUN:
		clock_gettime(CLOCK_REALTIME, &ts);
		cli_last_run(f, (long long)ts.tv_sec * 1000 +
		    ts.tv_nsec / 1000000, buf, len);
		break;
	}
}

const char *
view_list_key(const struct view_list *v, const json_t *row)
{
	static const char	 none[] = "";
	const json_t		*k = json_object_get(row, v->key_field);

	return json_is_string(k) ? json_string_value(k) : none;
}

/* A filter that is a selector expression (model.h: "tag:X", "web*",
 * "web*,!web3", ...) selects over the row's key and tags, as run and
 * target list do; a malformed one matches nothing. */
static int
selector_row(const struct view_list *v, const json_t *row,
    const char *filter)
{
	struct selector_set	 sel;
	const json_t		*tags = json_object_get(row, "tags"), *item;
	const char		**v_tags;
	size_t			 i, n = 0;
	int			 hit;

	selector_set_init(&sel);
	if (selector_set_add(&sel, filter, 0, NULL) != OPS_OK) {
		selector_set_done(&sel);
		return 0;
	}
	if ((v_tags = calloc(json_array_size(tags) + 1,
	    sizeof(*v_tags))) == NULL) {
		selector_set_done(&sel);
		return 0;
	}
	json_array_foreach(tags, i, item)
		if (json_is_string(item))
			v_tags[n++] = json_string_value(item);
	hit = selector_set_match(&sel, view_list_key(v, row), v_tags, n);
	free(v_tags);
	selector_set_done(&sel);
	return hit;
}

static void
lower(char *s)
{
	for (; *s != '\0'; s++)
		if (*s >= 'A' && *s <= 'Z')
			*s = (char)(*s - 'A' + 'a');
}

/* Row i's cells, lower-cased, joined by 0x1f (never typed in a filter). */
static char *
make_hay(const struct view_list *v, const json_t *row)
{
	char	cell[1024], *h = NULL, *n;
	size_t	c, len = 0, cl;

	for (c = 0; c < v->ncols; c++) {
		view_list_cell(v, row, c, cell, sizeof(cell));
		cl = strlen(cell);
		if ((n = realloc(h, len + cl + 2)) == NULL) {
			free(h);
			return NULL;
		}
		h = n;
		memcpy(h + len, cell, cl);
		len += cl;
		h[len++] = 0x1f;
		h[len] = '\0';
	}
	if (h != NULL)
		lower(h);
	return h;
}

static void
build_hay(struct view_list *v)
{
	size_t	i, n = json_array_size(v->rows);

	if (v->hay != NULL || n == 0 ||
	    (v->hay = calloc(n, sizeof(*v->hay))) == NULL)
		return;
	for (i = 0; i < n; i++)
		v->hay[i] = make_hay(v, json_array_get(v->rows, i));
}

/* needle is the lower-cased filter. */
static int
matches(const struct view_list *v, size_t i, const char *needle)
{
	char	cell[1024];
	size_t	c;
	const json_t *row = json_array_get(v->rows, i);

	if (v->filter[0] == '\0')
		return 1;
	if (selector_text_is_expression(v->filter))
		return selector_row(v, row, v->filter);
	if (v->hay != NULL && v->hay[i] != NULL)
		return strstr(v->hay[i], needle) != NULL;
	for (c = 0; c < v->ncols; c++) {
		view_list_cell(v, row, c, cell, sizeof(cell));
		if (strcasestr(cell, v->filter) != NULL)
			return 1;
	}
	return 0;
}

/* qsort has no context argument: sort (index, v) pairs. */
struct sort_item {
	size_t			 idx;
	const struct view_list	*v;
};

static int
cmp_rows(const void *a, const void *b)
{
	const struct sort_item	*x = a, *y = b;
	const struct view_list	*v = x->v;
	const json_t		*rx, *ry, *fx, *fy;
	char			 cx[512], cy[512];
	int			 r;

	rx = json_array_get(v->rows, x->idx);
	ry = json_array_get(v->rows, y->idx);
	if (v->cols[v->sort_col].kind == VC_INT ||
	    v->cols[v->sort_col].kind == VC_TIME) {
		fx = json_object_get(rx, v->cols[v->sort_col].field);
		fy = json_object_get(ry, v->cols[v->sort_col].field);
		long long	ix = json_integer_value(fx);
		long long	iy = json_integer_value(fy);

		r = ix < iy ? -1 : ix > iy;
	} else {
		view_list_cell(v, rx, (size_t)v->sort_col, cx, sizeof(cx));
		view_list_cell(v, ry, (size_t)v->sort_col, cy, sizeof(cy));
		r = strcasecmp(cx, cy);
	}
	if (r == 0)
		r = x->idx < y->idx ? -1 : x->idx > y->idx;
	return v->sort_desc ? -r : r;
}

/* Only the rows shown now can match (the filter grew): filter vis in
 * place, keeping its order. */
static void
narrow(struct view_list *v, const char *needle)
{
	size_t	i, k = 0;

	for (i = 0; i < v->nvis; i++)
		if (matches(v, v->vis[i], needle))
			v->vis[k++] = v->vis[i];
	v->nvis = k;
}

#define NO_ROW	((size_t)-1)

/* Rebuild vis, keeping the cursor on the row with key cur (if any), or
 * with index cur_idx when the rows did not change. With only_vis, keep
 * the order and drop the rows that no longer match. */
static void
rebuild(struct view_list *v, const char *cur, size_t cur_idx, int only_vis)
{
	struct sort_item	*items;
	size_t			 n = json_array_size(v->rows), i, k = 0;
	char			 needle[sizeof(v->filter)];

	snprintf(needle, sizeof(needle), "%s", v->filter);
	lower(needle);
	if (needle[0] != '\0' && !selector_text_is_expression(v->filter))
		build_hay(v);
	if (only_vis && v->vis != NULL) {
		narrow(v, needle);
		k = v->nvis;
		goto cursor;
	}
	free(v->vis);
	v->vis = NULL;
	v->nvis = 0;
	if (n == 0 || (v->vis = calloc(n, sizeof(*v->vis))) == NULL ||
	    (items = calloc(n, sizeof(*items))) == NULL) {
		v->cursor = v->top = 0;
		return;
	}
	for (i = 0; i < n; i++) {
		if (matches(v, i, needle)) {
			items[k].idx = i;
			items[k].v = v;
			k++;
		}
	}
	if (v->sort_col >= 0 && (size_t)v->sort_col < v->ncols)
		qsort(items, k, sizeof(*items), cmp_rows);
	for (i = 0; i < k; i++)
		v->vis[i] = items[i].idx;
	free(items);
	v->nvis = k;
cursor:
	if (cur_idx != NO_ROW) {
		for (i = 0; i < k; i++) {
			if (v->vis[i] == cur_idx) {
				v->cursor = i;
				break;
			}
		}
	} else if (cur != NULL) {
		for (i = 0; i < k; i++) {
			if (strcmp(view_list_key(v, view_list_row(v, i)),
			    cur) == 0) {
				v->cursor = i;
				break;
			}
		}
	}
	if (v->cursor >= v->nvis)
		v->cursor = v->nvis > 0 ? v->nvis - 1 : 0;
	if (v->top > v->cursor)
		v->top = v->cursor;
}

/* The cursor row's key, copied (it may go with the old rows). */
static char *
cursor_key(const struct view_list *v)
{
	const json_t	*row = view_list_current(v);

	return row != NULL ? strdup(view_list_key(v, row)) : NULL;
}

void
view_list_set_rows(struct view_list *v, json_t *rows)
{
	char	*cur = cursor_key(v);
	size_t	 i, k = 0, r, n;
	int	 found;

	clear_hay(v);
	json_decref(v->rows);
	v->rows = json_is_array(rows) ? rows : json_array();
	if (!json_is_array(rows))
		json_decref(rows);
	v->loaded = 1;
	/* Drop marks whose rows went away. */
	n = json_array_size(v->rows);
	for (i = 0; i < v->nmarked; i++) {
		found = 0;
		for (r = 0; r < n && !found; r++)
			found = strcmp(view_list_key(v,
			    json_array_get(v->rows, r)), v->marked[i]) == 0;
		if (found)
			v->marked[k++] = v->marked[i];
		else
			free(v->marked[i]);
	}
	v->nmarked = k;
	rebuild(v, cur, NO_ROW, 0);
	free(cur);
}

void
view_list_row_changed(struct view_list *v, size_t i)
{
	if (v->hay == NULL || i >= json_array_size(v->rows))
		return;
	free(v->hay[i]);
	v->hay[i] = make_hay(v, json_array_get(v->rows, i));
}

/* The cursor row's index in rows (for changes that keep the rows). */
static size_t
cursor_idx(const struct view_list *v)
{
	return v->cursor < v->nvis ? v->vis[v->cursor] : NO_ROW;
}

void
view_list_set_filter(struct view_list *v, const char *filter)
{
	char	was[sizeof(v->filter)], now[sizeof(was)];
	int	grew;

	if (strcmp(v->filter, filter) == 0)
		return;
	/* Selector filters match whole names and tags, and a longer one
	 * may select more ("web1,web2"): only substrings narrow. */
	snprintf(was, sizeof(was), "%s", v->filter);
	snprintf(now, sizeof(now), "%s", filter);
	grew = was[0] != '\0' && !selector_text_is_expression(was) &&
	    !selector_text_is_expression(now);
	lower(was);
	lower(now);
	grew = grew && strstr(now, was) != NULL;
	snprintf(v->filter, sizeof(v->filter), "%s", filter);
	v->top = 0;
	rebuild(v, NULL, cursor_idx(v), grew);
}

void
view_list_sort(struct view_list *v, int col, int desc)
{
	v->sort_col = col >= (int)v->ncols ? -1 : col;
	v->sort_desc = desc;
	rebuild(v, NULL, cursor_idx(v), 0);
}

void
view_list_move(struct view_list *v, long delta)
{
	long	c = (long)v->cursor + delta;

	if (v->nvis == 0) {
		v->cursor = 0;
		return;
	}
	if (c < 0)
		c = 0;
	if (c >= (long)v->nvis)
		c = (long)v->nvis - 1;
	v->cursor = (size_t)c;
}

void
view_list_home(struct view_list *v, int end)
{
	v->cursor = end && v->nvis > 0 ? v->nvis - 1 : 0;
}

void
view_list_scroll(struct view_list *v, size_t h)
{
	if (h == 0)
		return;
	if (v->cursor < v->top)
		v->top = v->cursor;
	if (v->cursor >= v->top + h)
		v->top = v->cursor - h + 1;
	if (v->top + h > v->nvis)
		v->top = v->nvis > h ? v->nvis - h : 0;
}

const json_t *
view_list_row(const struct view_list *v, size_t i)
{
	if (i >= v->nvis)
		return NULL;
	return json_array_get(v->rows, v->vis[i]);
}

const json_t *
view_list_current(const struct view_list *v)
{
	return view_list_row(v, v->cursor);
}

int
view_list_is_marked(const struct view_list *v, const json_t *row)
{
	const char	*k = view_list_key(v, row);
	size_t		 i;

	for (i = 0; i < v->nmarked; i++)
		if (strcmp(v->marked[i], k) == 0)
			return 1;
	return 0;
}

void
view_list_toggle_mark(struct view_list *v)
{
	const json_t	*row = view_list_current(v);
	const char	*k;
	char		**n, *dup;
	size_t		 i;

	if (row == NULL)
		return;
	k = view_list_key(v, row);
	for (i = 0; i < v->nmarked; i++) {
		if (strcmp(v->marked[i], k) == 0) {
			free(v->marked[i]);
			v->marked[i] = v->marked[--v->nmarked];
			return;
		}
	}
	if ((dup = strdup(k)) == NULL)
		return;
	if ((n = realloc(v->marked, (v->nmarked + 1) * sizeof(*n))) == NULL) {
		free(dup);
		return;
	}
	v->marked = n;
	v->marked[v->nmarked++] = dup;
}

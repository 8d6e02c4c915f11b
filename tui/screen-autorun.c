/*
 * screen-autorun.c: "r" on the Automations screen: run an automation
 * with a parameter form.
 *
 * automation-show gives the latest version's parameters; the form has
 * one field per parameter (a secret typed without echo, a bool or a
 * choice cycled with Space, the type, range, pattern, default and
 * description under it) and a last field for the targets (the
 * automation's own by default). Enter sends automation-run with dry_run:
 * the daemon's check (automation_bind) is the only one that counts, and
 * its refusal, which names the parameter, goes beside that field. Only a
 * clean dry run is followed by the real automation-run, and the Job
 * screen opens on the new job. The form holds the values until it is
 * closed (submit or Esc), when form_free wipes them; each request's
 * copy of the values is wiped as soon as it is queued (the writer wipes
 * the frame once sent).
 */
#include "config.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <sodium.h>

#include "tui-screen.h"

#define AUTORUN_FORM	3		/* form kind */
#define TARGETS_KEY	"@targets"	/* no parameter is called that */

/* What a reply belongs to: a form may be closed while a request waits. */
#define SEQ_ARG(f)	((void *)(uintptr_t)(f)->seq)

static struct form *
current(struct tui *t, void *arg)
{
	if (t->form == NULL || t->form->kind != AUTORUN_FORM ||
	    t->form->seq != (unsigned long)(uintptr_t)arg)
		return NULL;
	return t->form;
}

static const char *
jstr(const json_t *o, const char *k)
{
	return json_string_value(json_object_get(o, k));
}

static void
add_text(char *buf, size_t len, const char *s)
{
	size_t	used = strlen(buf), n = strlen(s);

	if (used > 0 && used + 2 < len) {
		memcpy(buf + used, "; ", 2);
		used += 2;
	}
	if (used + 1 >= len)
		return;
	if (n > len - used - 1)
		n = len - used - 1;
	memcpy(buf + used, s, n);
	buf[used + n] = '\0';
}

/* "int, 1 to 10, default 3: how many" for the line under a field. */
static void
param_hint(const json_t *p, char *buf, size_t len)
{
	const json_t	*ch = json_object_get(p, "choices"), *v, *mn, *mx;
	char		 part[256];
	size_t		 i, used;

	snprintf(buf, len, "%s", jstr(p, "type") != NULL ? jstr(p, "type") :
	    "string");
	mn = json_object_get(p, "min");
	mx = json_object_get(p, "max");
	if (mn != NULL && mx != NULL)
		snprintf(part, sizeof(part), "%g to %g", json_number_value(mn),
		    json_number_value(mx));
	else if (mn != NULL || mx != NULL)
		snprintf(part, sizeof(part), "at %s %g", mn != NULL ? "least" :
		    "most", json_number_value(mn != NULL ? mn : mx));
	if (mn != NULL || mx != NULL)
		add_text(buf, len, part);
	if (jstr(p, "pattern") != NULL) {
		snprintf(part, sizeof(part), "matching %s", jstr(p, "pattern"));
		add_text(buf, len, part);
	}
	if (json_array_size(ch) > 0) {
		snprintf(part, sizeof(part), "%s", strcmp(jstr(p, "type") !=
		    NULL ? jstr(p, "type") : "", "multi") == 0 ?
		    "some of (a,b): " : "Space: ");
		json_array_foreach(ch, i, v) {
			used = strlen(part);
			snprintf(part + used, sizeof(part) - used, "%s%s",
			    i > 0 ? "|" : "", json_string_value(v));
		}
		add_text(buf, len, part);
	}
	if (strcmp(jstr(p, "type") != NULL ? jstr(p, "type") : "", "bool") ==
	    0)
		add_text(buf, len, "Space: true|false");
	if (jstr(p, "default") != NULL) {
		snprintf(part, sizeof(part), "default %s", jstr(p, "default"));
		add_text(buf, len, part);
	} else if (json_is_true(json_object_get(p, "has_default")))
		add_text(buf, len, "empty: its default");
	if (jstr(p, "description") != NULL)
		add_text(buf, len, jstr(p, "description"));
}

static void
add_param(struct form *f, const json_t *p)
{
	static const char *const bools[] = { "true", "false" };
	const char		*name = jstr(p, "name"), *type = jstr(p, "type");
	const char		*dflt = jstr(p, "default");
	const json_t		*ch = json_object_get(p, "choices"), *v;
	const char		**list;
	struct form_field	*ff;
	size_t			 i;
	int			 flags = 0;

	if (name == NULL || type == NULL)
		return;
	if (json_is_true(json_object_get(p, "required")) && dflt == NULL &&
	    !json_is_true(json_object_get(p, "has_default")))
		flags |= FORM_F_REQUIRED;
	if (strcmp(type, "secret") == 0)
		flags |= FORM_F_SECRET;
	if (form_add(f, name, name, flags, flags & FORM_F_SECRET ? NULL :
	    dflt) != OPS_OK || (ff = form_find(f, name)) == NULL)
		return;
	param_hint(p, ff->hint, sizeof(ff->hint));
	if (strcmp(type, "bool") == 0)
		(void)form_set_choices(ff, bools, 2);
	else if (strcmp(type, "choice") == 0 && json_array_size(ch) > 0 &&
	    (list = calloc(json_array_size(ch), sizeof(*list))) != NULL) {
		json_array_foreach(ch, i, v)
			list[i] = json_is_string(v) ? json_string_value(v) : "";
		(void)form_set_choices(ff, list, json_array_size(ch));
		free(list);
	}
}

static void	autorun_submit(struct tui *);

static void
show_done(struct tui *t, int rc, const json_t *r, const char *message,
    void *arg)
{
	const json_t	*p, *v;
	struct form	*f;
	char		 title[160], targets[1024] = "";
	size_t		 i, used;

	(void)arg;
	if (rc != OPS_OK) {
		if (rc != OPS_E_CONNECT)
			tui_message(t, 1, "automation show: %s", message);
		return;
	}
	snprintf(title, sizeof(title), "Run %s version %lld", jstr(r, "name"),
	    (long long)json_integer_value(json_object_get(r, "version")));
	if ((f = form_new(title, AUTORUN_FORM)) == NULL)
		return;
	snprintf(f->orig, sizeof(f->orig), "%s", jstr(r, "name"));
	snprintf(f->submit, sizeof(f->submit), "run");
	json_array_foreach(json_object_get(r, "params"), i, p)
		add_param(f, p);
	json_array_foreach(json_object_get(r, "targets"), i, v) {
		used = strlen(targets);
		snprintf(targets + used, sizeof(targets) - used, "%s%s",
		    i > 0 ? " " : "", json_string_value(v));
	}
	(void)form_add(f, "targets", TARGETS_KEY, 0, targets);
	snprintf(f->f[f->n - 1].hint, sizeof(f->f[f->n - 1].hint),
	    "selectors, space-separated (tag:NAME, globs, a,b); empty: the "
	    "automation's own");
	f->on_submit = autorun_submit;
	f->seq = ++t->form_seq;
	form_free(t->form);
	t->form = f;
	t->dirty = 1;
}

void
autorun_open(struct tui *t, const char *name)
{
	json_t	*m;

	if ((m = proto_msg_new(PROTO_AUTOMATION_SHOW, 0)) == NULL)
		return;
	(void)proto_add_str(m, "name", name, NULL);
	(void)tconn_request(&t->conn, m, show_done, NULL);
	json_decref(m);
}

/* The request for the form's values; NULL when out of memory. */
static json_t *
run_msg(const struct form *f, int dry)
{
	const struct form_field	*ff;
	json_t			*m, *params;
	const char		*words[256];
	char			 sel[sizeof(ff->value)], *w, *save = NULL;
	char			 buf[OPS_PROTO_MAX_NAME + sizeof(ff->value) + 2];
	size_t			 nw = 0;
	int			 i;

	if ((m = proto_msg_new(PROTO_AUTOMATION_RUN, 0)) == NULL ||
	    (params = json_array()) == NULL) {
		json_decref(m);
		return NULL;
	}
	(void)proto_add_str(m, "name", f->orig, NULL);
	(void)proto_add_json(m, "params", params, NULL);
	for (i = 0; i < f->n; i++) {
		ff = &f->f[i];
		if (strcmp(ff->key, TARGETS_KEY) == 0 || ff->value[0] == '\0')
			continue;
		snprintf(buf, sizeof(buf), "%s=%s", ff->key, ff->value);
		json_array_append_new(params, json_string(buf));
		sodium_memzero(buf, sizeof(buf));
	}
	snprintf(sel, sizeof(sel), "%s", form_value(f, TARGETS_KEY));
	for (w = strtok_r(sel, " \t", &save); w != NULL && nw <
	    sizeof(words) / sizeof(words[0]); w = strtok_r(NULL, " \t", &save))
		words[nw++] = w;
	if (nw > 0)
		(void)proto_add_str_array(m, "selectors", words, nw, NULL);
	if (dry)
		(void)proto_add_bool(m, "dry_run", 1, NULL);
	return m;
}

static void
send_run(struct tui *t, struct form *f, int dry, tconn_cb *cb)
{
	json_t	*m;

	if ((m = run_msg(f, dry)) == NULL) {
		snprintf(f->error, sizeof(f->error), "out of memory");
		return;
	}
	f->busy = 1;
	snprintf(f->busy_text, sizeof(f->busy_text), "%s", dry ?
	    "checking the values (dry run)..." : "starting the job...");
	(void)tconn_request(&t->conn, m, cb, SEQ_ARG(f));
	proto_wipe_strings(m, "params");
	json_decref(m);
}

/* The daemon refused: beside the field its message names ("parameter
 * 'NAME': ..."), or the targets field, or for the whole form. */
static void
refused(struct form *f, const char *message)
{
	struct form_field	*ff = NULL;
	const char		*p, *q;
	char			 name[OPS_PROTO_MAX_NAME + 1];
	int			 i;

	f->busy = 0;
	for (i = 0; i < f->n; i++)
		f->f[i].error[0] = '\0';
	if ((p = strstr(message, "parameter '")) != NULL &&
	    (q = strchr(p + 11, '\'')) != NULL && q - (p + 11) <
	    (long)sizeof(name)) {
		snprintf(name, sizeof(name), "%.*s", (int)(q - (p + 11)),
		    p + 11);
		if ((ff = form_find(f, name)) != NULL && q[1] == ':')
			message = q + 2 + strspn(q + 2, " ");
	}
	if (ff == NULL && (strstr(message, "target") != NULL ||
	    strstr(message, "selector") != NULL))
		ff = form_find(f, TARGETS_KEY);
	if (ff == NULL) {
		snprintf(f->error, sizeof(f->error), "not started: %s",
		    message);
		return;
	}
	snprintf(ff->error, sizeof(ff->error), "%s", message);
	snprintf(f->error, sizeof(f->error), "not started: fix the field "
	    "marked below");
	f->cur = (int)(ff - f->f);
}

static void
run_done(struct tui *t, int rc, const json_t *r, const char *message,
    void *arg)
{
	struct form	*f = current(t, arg);
	long long	 id;

	if (rc != OPS_OK) {
		if (f != NULL)
			refused(f, message);
		else if (rc != OPS_E_CONNECT)
			tui_message(t, 1, "automation run: %s", message);
		t->dirty = 1;
		return;
	}
	id = json_integer_value(json_object_get(r, "job"));
	if (json_object_get(r, "approval") != NULL)
		tui_message(t, 0, "job %lld awaits approval (the Approvals "
		    "screen lists it); it runs once approved", id);
	else
		tui_message(t, 0, "job %lld: automation %s version %lld on %zu "
		    "target%s", id, jstr(r, "automation"),
		    (long long)json_integer_value(json_object_get(r,
		    "version")), json_array_size(json_object_get(r,
		    "targets")), json_array_size(json_object_get(r,
		    "targets")) == 1 ? "" : "s");
	if (f == NULL)
		return;
	form_free(f);
	t->form = NULL;
	jobs_show_new(t, id);
}

static void
dry_done(struct tui *t, int rc, const json_t *r, const char *message,
    void *arg)
{
	struct form	*f = current(t, arg);

	(void)r;
	if (f == NULL)
		return;
	t->dirty = 1;
	if (rc != OPS_OK) {
		refused(f, message);
		return;
	}
	send_run(t, f, 0, run_done);
}

static void
autorun_submit(struct tui *t)
{
	struct form	*f = t->form;
	int		 i;

	f->error[0] = '\0';
	for (i = 0; i < f->n; i++)
		f->f[i].error[0] = '\0';
	send_run(t, f, 1, dry_done);
}

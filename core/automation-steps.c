/*
 * automation-steps.c: the "steps" list of an automation file. A step is
 * a mapping with exactly one of command, script, upload or download,
 * plus name, become, timeout, retries, retry_delay and on_failure
 * (opsicle-automation(5)):
 *
 *   command: TEXT
 *   script: TEXT | {content: TEXT | file: PATH, interpreter: CMD}
 *   upload: {src: PATH | content: TEXT, dest: PATH, mode: MODE}
 *   download: {src: REMOTE-PATH, dest: ABSOLUTE-LOCAL-DIR}
 *
 * Names default to "step-N" (1-based) and are unique.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "automation-int.h"
#include "xmalloc.h"

#define PATH_MAX_LEN	4096
#define RETRIES_MAX	10

static const char *const step_keys[] = { "name", "command", "script",
    "upload", "download", "become", "timeout", "retries", "retry_delay",
    "on_failure", NULL };
static const char *const script_keys[] = { "content", "file",
    "interpreter", NULL };
static const char *const upload_keys[] = { "src", "content", "dest", "mode",
    NULL };
static const char *const download_keys[] = { "src", "dest", NULL };

static const char *const kind_names[] = {
	[AUTO_STEP_COMMAND] = "command", [AUTO_STEP_SCRIPT] = "script",
	[AUTO_STEP_UPLOAD] = "upload", [AUTO_STEP_DOWNLOAD] = "download",
};

const char *
automation_step_kind_name(enum auto_step_kind k)
{
	if ((int)k < AUTO_STEP_COMMAND || (int)k > AUTO_STEP_DOWNLOAD)
		return "unknown";
	return kind_names[k];
}

void
auto_step_done(struct auto_step *s)
{
	free(s->name);
	free(s->command);
	free(s->script);
	free(s->script_file);
	free(s->interpreter);
	free(s->content);
	free(s->src);
	free(s->dest);
	free(s->become);
	memset(s, 0, sizeof(*s));
}

/* A text field that must be there and not empty. */
static int
need_str(const struct anode *map, const char *key, const char *path,
    int multiline, size_t max, char **out, struct ops_err *err)
{
	const struct anode	*v = anode_get(map, key);
	char			 sub[128];
	int			 rc;

	snprintf(sub, sizeof(sub), "%s.%s", path, key);
	if (v == NULL || anode_is_null(v))
		return anode_err(err, map, path, "needs %s", key);
	if ((rc = afield_str(v, sub, multiline, max, out, err)) != OPS_OK)
		return rc;
	if (**out == '\0')
		return anode_err(err, v, sub, "is empty");
	return OPS_OK;
}

/* Exactly one of keys a and b in map. */
static int
one_of(const struct anode *map, const char *path, const char *a,
    const char *b, struct ops_err *err)
{
	const struct anode	*x = anode_get(map, a);
	const struct anode	*y = anode_get(map, b);

	if (x != NULL && anode_is_null(x))
		x = NULL;
	if (y != NULL && anode_is_null(y))
		y = NULL;
	if (x != NULL && y != NULL)
		return anode_key_err(err, y, path, "%s and %s: give one", a, b);
	if (x == NULL && y == NULL)
		return anode_err(err, map, path, "needs %s or %s", a, b);
	return OPS_OK;
}

static int
script(struct auto_step *s, const struct anode *n, const char *path,
    struct ops_err *err)
{
	char	sub[128];
	int	rc;

	if (n->type == AN_SCALAR) {
		if ((rc = afield_str(n, path, 1, AUTO_DOC_MAX, &s->script,
		    err)) != OPS_OK)
			return rc;
		if (s->script[strspn(s->script, " \t\r\n")] == '\0')
			return anode_err(err, n, path, "is empty");
		return OPS_OK;
	}
	if (n->type != AN_MAP)
		return anode_err(err, n, path, "must be the script's text or "
		    "a mapping (content: or file:, interpreter:)");
	if ((rc = afield_keys(n, path, script_keys, err)) != OPS_OK ||
	    (rc = one_of(n, path, "content", "file", err)) != OPS_OK)
		return rc;
	AUTO_OPT(n, "content", afield_str(v_, sub, 1, AUTO_DOC_MAX, &s->script,
	    err));
	if (s->script != NULL && s->script[strspn(s->script, " \t\r\n")] ==
	    '\0')
		return anode_err(err, anode_get(n, "content"), sub, "is empty");
	if (anode_get(n, "file") != NULL && !anode_is_null(anode_get(n,
	    "file")) && (rc = need_str(n, "file", path, 0, PATH_MAX_LEN,
	    &s->script_file, err)) != OPS_OK)
		return rc;
	AUTO_OPT(n, "interpreter", afield_str(v_, sub, 0, 256, &s->interpreter,
	    err));
	if (s->interpreter != NULL && s->interpreter[0] == '\0')
		return anode_err(err, anode_get(n, "interpreter"), sub,
		    "is empty");
	return OPS_OK;
}

static int
upload(struct auto_step *s, const struct anode *n, const char *path,
    struct ops_err *err)
{
	char	sub[128];
	int	rc;

	if (n->type != AN_MAP)
		return anode_err(err, n, path, "must be a mapping (src: or "
		    "content:, dest:, mode:)");
	if ((rc = afield_keys(n, path, upload_keys, err)) != OPS_OK ||
	    (rc = one_of(n, path, "src", "content", err)) != OPS_OK)
		return rc;
	if (anode_get(n, "src") != NULL && !anode_is_null(anode_get(n,
	    "src")) && (rc = need_str(n, "src", path, 0, PATH_MAX_LEN,
	    &s->src, err)) != OPS_OK)
		return rc;
	AUTO_OPT(n, "content", afield_str(v_, sub, 1, AUTO_DOC_MAX, &s->content,
	    err));
	if ((rc = need_str(n, "dest", path, 0, PATH_MAX_LEN, &s->dest,
	    err)) != OPS_OK)
		return rc;
	AUTO_OPT(n, "mode", afield_mode(v_, sub, &s->mode, err));
	return OPS_OK;
}

static int
download(struct auto_step *s, const struct anode *n, const char *path,
    struct ops_err *err)
{
	char	sub[128];
	int	rc;

	if (n->type != AN_MAP)
		return anode_err(err, n, path, "must be a mapping (src:, "
		    "dest:)");
	if ((rc = afield_keys(n, path, download_keys, err)) != OPS_OK ||
	    (rc = need_str(n, "src", path, 0, PATH_MAX_LEN, &s->src,
	    err)) != OPS_OK ||
	    (rc = need_str(n, "dest", path, 0, PATH_MAX_LEN, &s->dest,
	    err)) != OPS_OK)
		return rc;
	/* written on the daemon's host: never relative to its cwd */
	if (s->dest[0] != '/') {
		afield_path(sub, sizeof(sub), path, "dest");
		return anode_err(err, anode_get(n, "dest"), sub, "must be an "
		    "absolute directory on the daemon's host");
	}
	return OPS_OK;
}

static int
on_failure(const struct anode *n, const char *path, enum auto_on_failure *out,
    struct ops_err *err)
{
	char	*s, q[48];
	int	 rc;

	if ((rc = afield_str(n, path, 0, 64, &s, err)) != OPS_OK)
		return rc;
	rc = OPS_OK;
	if (strcmp(s, "stop") == 0)
		*out = AUTO_FAIL_STOP;
	else if (strcmp(s, "continue") == 0)
		*out = AUTO_FAIL_CONTINUE;
	else {
		anode_quote(s, q, sizeof(q));
		rc = anode_err(err, n, path, "'%s' is not stop or continue",
		    q);
	}
	free(s);
	return rc;
}

static int
become(const struct anode *n, const char *path, char **out,
    struct ops_err *err)
{
	int	rc;

	if ((rc = afield_name(n, path, out, err)) != OPS_OK)
		return rc;
	if (strlen(*out) > 32)
		return anode_err(err, n, path, "a user name of at most 32 "
		    "characters");
	return OPS_OK;
}

static int
step(struct auto_step *s, size_t idx, const struct anode *n,
    const char *path, struct ops_err *err)
{
	static const enum auto_step_kind kinds[] = { AUTO_STEP_COMMAND,
	    AUTO_STEP_SCRIPT, AUTO_STEP_UPLOAD, AUTO_STEP_DOWNLOAD };
	const struct anode	*v, *kind = NULL;
	char			 sub[128];
	size_t			 i;
	int			 rc;

	if (n->type != AN_MAP)
		return anode_err(err, n, path, "must be a mapping (command:, "
		    "script:, upload: or download:)");
	if ((rc = afield_keys(n, path, step_keys, err)) != OPS_OK)
		return rc;
	for (i = 0; i < 4; i++) {
		if ((v = anode_get(n, kind_names[kinds[i]])) == NULL)
			continue;
		if (kind != NULL)
			return anode_key_err(err, v, path, "%s and %s: a step "
			    "does one thing", kind->key, v->key);
		kind = v;
		s->kind = kinds[i];
	}
	if (kind == NULL)
		return anode_err(err, n, path, "needs command, script, upload "
		    "or download");
	snprintf(sub, sizeof(sub), "%s.%s", path, kind->key);
	if (anode_is_null(kind))
		return anode_err(err, kind, sub, "is empty");
	switch (s->kind) {
	case AUTO_STEP_COMMAND:
		if ((rc = afield_str(kind, sub, 1, AUTO_VALUE_MAX, &s->command,
		    err)) != OPS_OK)
			return rc;
		if (s->command[strspn(s->command, " \t\r\n")] == '\0')
			return anode_err(err, kind, sub, "is empty");
		break;
	case AUTO_STEP_SCRIPT:
		rc = script(s, kind, sub, err);
		break;
	case AUTO_STEP_UPLOAD:
		rc = upload(s, kind, sub, err);
		break;
	default:
		rc = download(s, kind, sub, err);
		break;
	}
	if (rc != OPS_OK)
		return rc;
	s->retry_delay_ms = 1000;
	AUTO_OPT(n, "name", afield_name(v_, sub, &s->name, err));
	AUTO_OPT(n, "become", become(v_, sub, &s->become, err));
	/* a download writes on the daemon's host as the daemon's user; the
	 * remote file is read over SFTP as the login user */
	if (s->become != NULL && s->kind == AUTO_STEP_DOWNLOAD) {
		afield_path(sub, sizeof(sub), path, "become");
		return anode_err(err, anode_get(n, "become"), sub, "is not "
		    "supported for a download step (the file is read as the "
		    "login user)");
	}
	AUTO_OPT(n, "timeout", afield_duration(v_, sub, &s->timeout_ms, err));
	AUTO_OPT(n, "retries", afield_int(v_, sub, 0, RETRIES_MAX, &s->retries,
	    err));
	AUTO_OPT(n, "retry_delay", afield_duration(v_, sub, &s->retry_delay_ms,
	    err));
	AUTO_OPT(n, "on_failure", on_failure(v_, sub, &s->on_failure, err));
	if (s->name == NULL)
		s->name = xasprintf("step-%zu", idx + 1);
	return OPS_OK;
}

int
auto_steps_read(struct automation *a, const struct anode *n,
    struct ops_err *err)
{
	char	path[48];
	size_t	i, j;
	int	rc;

	if (n->type != AN_SEQ)
		return anode_err(err, n, "steps", "must be a list of steps "
		    "(- command: ...)");
	if (n->nkids == 0)
		return anode_err(err, n, "steps", "needs at least one step");
	if (n->nkids > AUTO_STEPS_MAX)
		return anode_err(err, n, "steps", "more than %d steps",
		    AUTO_STEPS_MAX);
	a->steps = xcalloc(n->nkids, sizeof(*a->steps));
	for (i = 0; i < n->nkids; i++) {
		snprintf(path, sizeof(path), "steps[%zu]", i);
		a->nsteps = i + 1;
		if ((rc = step(&a->steps[i], i, &n->kids[i], path, err)) !=
		    OPS_OK)
			return rc;
		for (j = 0; j < i; j++)
			if (strcmp(a->steps[i].name, a->steps[j].name) == 0)
				return anode_err(err, &n->kids[i], path,
				    "step name '%s' given twice",
				    a->steps[i].name);
	}
	return OPS_OK;
}

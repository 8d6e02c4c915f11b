/*
 * automation.c: automation_parse and automation_free (automation.h).
 * Picks the reader (YAML or JSON, automation-int.h), then reads the
 * tree's top level: name, description, parameters, targets, steps,
 * rollout, timeout, approval and notify. Parameters and steps have
 * their own files.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "automation-int.h"
#include "model.h"
#include "xmalloc.h"

#define DESC_MAX	(64 * 1024)
#define TARGETS_MAX	256
#define FORKS_MAX	1024

static const char *const top_keys[] = { "name", "description", "parameters",
    "targets", "steps", "rollout", "timeout", "approval", "notify", NULL };
static const char *const rollout_keys[] = { "batch", "max_failures",
    "order", "forks", NULL };

void
automation_free(struct automation *a)
{
	size_t	i;

	if (a == NULL)
		return;
	free(a->name);
	free(a->description);
	for (i = 0; i < a->nparams; i++)
		auto_param_done(&a->params[i]);
	free(a->params);
	for (i = 0; i < a->ntargets; i++)
		free(a->targets[i]);
	free(a->targets);
	for (i = 0; i < a->nsteps; i++)
		auto_step_done(&a->steps[i]);
	free(a->steps);
	free(a->rollout.order);
	automation_approval_free(a->approval);
	free(a->notify);
	free(a);
}

static int
targets(struct automation *a, const struct anode *n, const char *path,
    struct ops_err *err)
{
	struct selector_set	 set;
	struct ops_err		 e2;
	int			 rc;

	if ((rc = afield_words(n, path, TARGETS_MAX, &a->targets,
	    &a->ntargets, err)) != OPS_OK)
		return rc;
	selector_set_init(&set);
	rc = selector_set_parse(&set, (const char *const *)a->targets,
	    a->ntargets, &e2);
	selector_set_done(&set);
	if (rc != OPS_OK)
		return anode_err(err, n, path, "%s", e2.msg);
	return OPS_OK;
}

/* "tag:a,tag:b", "tag:a tag:b" or a list of tag:X: joined with ','. */
static int
order(struct automation *a, const struct anode *n, const char *path,
    struct ops_err *err)
{
	char	**w = NULL, *copy, *t, *save, q[48];
	size_t	  nw = 0, i, len = 0;
	int	  rc;

	if ((rc = afield_words(n, path, TARGETS_MAX, &w, &nw, err)) !=
	    OPS_OK)
		goto out;
	a->rollout.order = xstrdup("");
	for (i = 0; i < nw; i++) {
		copy = xstrdup(w[i]);
		for (t = strtok_r(copy, ", \t", &save); t != NULL;
		    t = strtok_r(NULL, ", \t", &save)) {
			if (strncmp(t, "tag:", 4) != 0 ||
			    !selector_name_valid(t + 4)) {
				anode_quote(t, q, sizeof(q));
				free(copy);
				rc = anode_err(err, n, path, "'%s' is not "
				    "tag:NAME (order ranks targets by tags)",
				    q);
				goto out;
			}
			len += strlen(t) + 1;
			a->rollout.order = xreallocarray(a->rollout.order,
			    len + 1, 1);
			if (a->rollout.order[0] != '\0')
				strcat(a->rollout.order, ",");
			strcat(a->rollout.order, t);
		}
		free(copy);
	}
	if (a->rollout.order[0] == '\0')
		rc = anode_err(err, n, path, "names no tag");
out:
	for (i = 0; i < nw; i++)
		free(w[i]);
	free(w);
	return rc;
}

static int
rollout(struct automation *a, const struct anode *n, struct ops_err *err)
{
	const char	*path = "rollout";
	char		 sub[64];
	int		 rc;

	if (n->type != AN_MAP)
		return anode_err(err, n, path, "must be a mapping (batch:, "
		    "max_failures:, order:, forks:)");
	if ((rc = afield_keys(n, path, rollout_keys, err)) != OPS_OK)
		return rc;
	AUTO_OPT(n, "batch", afield_amount(v_, sub, 1, &a->rollout.batch,
	    err));
	AUTO_OPT(n, "max_failures", afield_amount(v_, sub, 0,
	    &a->rollout.max_failures, err));
	if (anode_get(n, "max_failures") != NULL &&
	    !anode_is_null(anode_get(n, "max_failures")))
		a->rollout.max_failures_set = 1;
	AUTO_OPT(n, "order", order(a, v_, sub, err));
	AUTO_OPT(n, "forks", afield_int(v_, sub, 1, FORKS_MAX,
	    &a->rollout.forks, err));
	return OPS_OK;
}

static int
mapping_text(const struct anode *n, const char *path, char **out,
    struct ops_err *err)
{
	if (n->type != AN_MAP)
		return anode_err(err, n, path, "must be a mapping");
	*out = auto_json_text(n);
	return OPS_OK;
}

static int
top(struct automation *a, const struct anode *n, struct ops_err *err)
{
	const struct anode	*v;
	int			 rc;

	if (n->type != AN_MAP)
		return anode_err(err, n, NULL, "an automation is a mapping "
		    "(name:, steps:, ...)");
	if ((rc = afield_keys(n, NULL, top_keys, err)) != OPS_OK)
		return rc;
	if ((v = anode_get(n, "name")) == NULL || anode_is_null(v))
		return anode_err(err, n, NULL, "an automation needs a name");
	if ((rc = afield_name(v, "name", &a->name, err)) != OPS_OK)
		return rc;
	if ((v = anode_get(n, "description")) != NULL && !anode_is_null(v) &&
	    (rc = afield_str(v, "description", 1, DESC_MAX, &a->description,
	    err)) != OPS_OK)
		return rc;
	if ((v = anode_get(n, "parameters")) != NULL && !anode_is_null(v) &&
	    (rc = auto_params_read(a, v, err)) != OPS_OK)
		return rc;
	if ((v = anode_get(n, "targets")) != NULL && !anode_is_null(v) &&
	    (rc = targets(a, v, "targets", err)) != OPS_OK)
		return rc;
	if ((v = anode_get(n, "steps")) == NULL || anode_is_null(v))
		return anode_err(err, n, NULL, "an automation needs steps");
	if ((rc = auto_steps_read(a, v, err)) != OPS_OK)
		return rc;
	if ((v = anode_get(n, "rollout")) != NULL && !anode_is_null(v) &&
	    (rc = rollout(a, v, err)) != OPS_OK)
		return rc;
	if ((v = anode_get(n, "timeout")) != NULL && !anode_is_null(v) &&
	    (rc = afield_duration(v, "timeout", &a->timeout_ms, err)) !=
	    OPS_OK)
		return rc;
	if ((v = anode_get(n, "approval")) != NULL && !anode_is_null(v) &&
	    (rc = auto_approval_read(a, v, err)) != OPS_OK)
		return rc;
	if ((v = anode_get(n, "notify")) != NULL && !anode_is_null(v) &&
	    (rc = mapping_text(v, "notify", &a->notify, err)) != OPS_OK)
		return rc;
	return OPS_OK;
}

static enum auto_format
sniff(const char *buf, size_t len)
{
	size_t	i;

	for (i = 0; i < len; i++)
		if (buf[i] != ' ' && buf[i] != '\t' && buf[i] != '\r' &&
		    buf[i] != '\n')
			break;
	return i < len && buf[i] == '{' ? AUTO_FMT_JSON : AUTO_FMT_YAML;
}

int
automation_parse(const char *buf, size_t len, enum auto_format fmt,
    struct automation **out, struct ops_err *err)
{
	struct automation	*a;
	struct anode		 root;
	int			 rc;

	*out = NULL;
	if (buf == NULL)
		return ops_err_set(err, OPS_E_INVAL, "no document");
	if (len > AUTO_DOC_MAX)
		return ops_err_set(err, OPS_E_TOOBIG, "the document is larger "
		    "than %d bytes", AUTO_DOC_MAX);
	/* a UTF-8 byte order mark: neither reader takes it */
	if (len >= 3 && memcmp(buf, "\xef\xbb\xbf", 3) == 0) {
		buf += 3;
		len -= 3;
	}
	if (fmt == AUTO_FMT_AUTO)
		fmt = sniff(buf, len);
	if (fmt == AUTO_FMT_JSON)
		rc = auto_json_read(buf, len, &root, err);
	else if (fmt == AUTO_FMT_YAML)
		rc = auto_yaml_read(buf, len, &root, err);
	else
		return ops_err_set(err, OPS_E_INVAL, "unknown format %d",
		    (int)fmt);
	if (rc != OPS_OK)
		return rc;
	a = xcalloc(1, sizeof(*a));
	rc = top(a, &root, err);
	anode_clear(&root);
	if (rc != OPS_OK) {
		automation_free(a);
		return rc;
	}
	*out = a;
	return OPS_OK;
}

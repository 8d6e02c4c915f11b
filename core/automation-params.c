/*
 * automation-params.c: the "parameters" list of an automation file:
 * name, type, required, default, description, pattern, min, max and
 * choices, each checked where it fits its type (opsicle-automation(5)).
 * A pattern must compile (POSIX ERE), min may not pass max, choice and
 * multi need choices, a default must pass the parameter's own check,
 * and a secret has no default (the file is not sealed).
 */
#include "config.h"

#include <regex.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <sodium.h>

#include "automation-int.h"
#include "xmalloc.h"

#define DESC_MAX	4096

static const char *const param_keys[] = { "name", "type", "required",
    "default", "description", "pattern", "min", "max", "choices", NULL };

static const char *const type_names[] = {
	[AUTO_P_STRING] = "string", [AUTO_P_TEXT] = "text",
	[AUTO_P_INT] = "int", [AUTO_P_FLOAT] = "float",
	[AUTO_P_BOOL] = "bool", [AUTO_P_CHOICE] = "choice",
	[AUTO_P_MULTI] = "multi", [AUTO_P_SECRET] = "secret",
};

const char *
automation_param_type_name(enum auto_param_type t)
{
	if ((int)t < AUTO_P_STRING || (int)t > AUTO_P_SECRET)
		return "unknown";
	return type_names[t];
}

void
auto_param_done(struct auto_param *p)
{
	size_t	i;

	free(p->name);
	if (p->def != NULL) {
		sodium_memzero(p->def, strlen(p->def));
		free(p->def);
	}
	free(p->description);
	free(p->pattern);
	for (i = 0; i < p->nchoices; i++)
		free(p->choices[i]);
	free(p->choices);
	memset(p, 0, sizeof(*p));
}

static int
param_name(const struct anode *n, const char *path, char **out,
    struct ops_err *err)
{
	size_t	i;
	char	q[48];
	int	rc;

	if ((rc = afield_str(n, path, 0, 64, out, err)) != OPS_OK)
		return rc;
	for (i = 0; (*out)[i] != '\0'; i++)
		if (!((*out)[i] == '_' || ((*out)[i] >= '0' &&
		    (*out)[i] <= '9') || ((*out)[i] >= 'a' &&
		    (*out)[i] <= 'z') || ((*out)[i] >= 'A' &&
		    (*out)[i] <= 'Z')))
			break;
	if (i == 0 || (*out)[i] != '\0' || !(((*out)[0] >= 'a' &&
	    (*out)[0] <= 'z') || ((*out)[0] >= 'A' && (*out)[0] <= 'Z'))) {
		anode_quote(*out, q, sizeof(q));
		free(*out);
		*out = NULL;
		return anode_err(err, n, path, "'%s' is not a parameter name "
		    "(1-64 of A-Z a-z 0-9 _, starting with a letter)", q);
	}
	return OPS_OK;
}

static int
param_type(const struct anode *n, const char *path,
    enum auto_param_type *out, struct ops_err *err)
{
	char	*s, q[48];
	int	 t, rc;

	if ((rc = afield_str(n, path, 0, 64, &s, err)) != OPS_OK)
		return rc;
	for (t = AUTO_P_STRING; t <= AUTO_P_SECRET; t++)
		if (strcmp(s, type_names[t]) == 0) {
			free(s);
			*out = (enum auto_param_type)t;
			return OPS_OK;
		}
	anode_quote(s, q, sizeof(q));
	free(s);
	return anode_err(err, n, path, "'%s' is not a type (string, text, "
	    "int, float, bool, choice, multi or secret)", q);
}

static int
choices(struct auto_param *p, const struct anode *n, const char *path,
    struct ops_err *err)
{
	size_t	i, j;
	char	q[48];
	int	rc;

	if (n->type != AN_SEQ)
		return anode_err(err, n, path, "must be a list");
	if (n->nkids == 0)
		return anode_err(err, n, path, "an empty list");
	if (n->nkids > AUTO_CHOICES_MAX)
		return anode_err(err, n, path, "more than %d choices",
		    AUTO_CHOICES_MAX);
	if ((rc = afield_words(n, path, AUTO_CHOICES_MAX, &p->choices,
	    &p->nchoices, err)) != OPS_OK)
		return rc;
	for (i = 0; i < p->nchoices; i++) {
		const struct anode	*k = &n->kids[i];

		anode_quote(p->choices[i], q, sizeof(q));
		if (p->choices[i][0] == '\0' || (p->type == AUTO_P_MULTI &&
		    strchr(p->choices[i], ',') != NULL) ||
		    p->choices[i][0] == ' ' ||
		    p->choices[i][strlen(p->choices[i]) - 1] == ' ')
			return anode_err(err, k, path, "choice '%s' is empty, "
			    "has a blank at an end or (multi) a comma", q);
		for (j = 0; j < i; j++)
			if (strcmp(p->choices[i], p->choices[j]) == 0)
				return anode_err(err, k, path, "choice '%s' "
				    "given twice", q);
	}
	return OPS_OK;
}

/* min and max: values for int and float, lengths for the texts. */
static int
limit(struct auto_param *p, const struct anode *n, const char *path,
    int is_max, struct ops_err *err)
{
	int	 iv, rc;
	double	*v = is_max ? &p->max : &p->min;

	switch (p->type) {
	case AUTO_P_FLOAT:
		if ((rc = afield_number(n, path, v, err)) != OPS_OK)
			return rc;
		goto set;
	case AUTO_P_STRING:
	case AUTO_P_TEXT:
	case AUTO_P_SECRET:
		if ((rc = afield_int(n, path, 0, AUTO_VALUE_MAX, &iv, err)) !=
		    OPS_OK)
			return rc;
		break;
	default:
		return anode_err(err, n, path, "min and max are for int, "
		    "float, string, text and secret parameters");
	}
	*v = iv;
set:
	if (is_max)
		p->has_max = 1;
	else
		p->has_min = 1;
	return OPS_OK;
}

/* An int's bounds: any integer a double holds exactly (53 bits). */
static int
int_limit(struct auto_param *p, const struct anode *n, const char *path,
    int is_max, struct ops_err *err)
{
	double	d;
	int	rc;

	if (p->type != AUTO_P_INT)
		return limit(p, n, path, is_max, err);
	if ((rc = afield_number(n, path, &d, err)) != OPS_OK)
		return rc;
	if (d != (double)(long long)d || strpbrk(n->text, ".eE") != NULL ||
	    d < -9007199254740992.0 || d > 9007199254740992.0)
		return anode_err(err, n, path, "'%.40s' is not an integer",
		    n->text);
	if (is_max) {
		p->max = d;
		p->has_max = 1;
	} else {
		p->min = d;
		p->has_min = 1;
	}
	return OPS_OK;
}

static int
pattern(struct auto_param *p, const struct anode *n, const char *path,
    struct ops_err *err)
{
	regex_t	re;
	int	rc;

	if (p->type != AUTO_P_STRING && p->type != AUTO_P_TEXT &&
	    p->type != AUTO_P_SECRET)
		return anode_err(err, n, path, "a pattern is for string, text "
		    "and secret parameters");
	if ((rc = afield_str(n, path, 0, 1024, &p->pattern, err)) != OPS_OK)
		return rc;
	if ((rc = regcomp(&re, p->pattern, REG_EXTENDED | REG_NOSUB)) != 0) {
		char	why[96];

		regerror(rc, &re, why, sizeof(why));
		return anode_err(err, n, path, "not a regular expression "
		    "(POSIX extended): %s", why);
	}
	regfree(&re);
	return OPS_OK;
}

/* A multi's default may be a list: joined with commas. */
static int
default_text(struct auto_param *p, const struct anode *n, const char *path,
    char **out, struct ops_err *err)
{
	char	*item;
	size_t	 i, len = 0;
	int	 rc;

	if (p->type != AUTO_P_MULTI || n->type != AN_SEQ)
		return afield_str(n, path, p->type == AUTO_P_TEXT,
		    AUTO_VALUE_MAX, out, err);
	*out = xstrdup("");
	for (i = 0; i < n->nkids; i++) {
		if ((rc = afield_str(&n->kids[i], path, 0, AUTO_VALUE_MAX,
		    &item, err)) != OPS_OK)
			return rc;
		len += strlen(item) + 1;
		if (len > AUTO_VALUE_MAX) {
			free(item);
			return anode_err(err, n, path, "longer than %d bytes",
			    AUTO_VALUE_MAX);
		}
		*out = xreallocarray(*out, len + 1, 1);
		if (i > 0)
			strcat(*out, ",");
		strcat(*out, item);
		free(item);
	}
	return OPS_OK;
}

static int
param(struct auto_param *p, const struct anode *n, const char *path,
    struct ops_err *err)
{
	const struct anode	*v;
	char			 sub[96], *def = NULL, *norm = NULL;
	struct ops_err		 e2;
	int			 rc;

	if (n->type != AN_MAP)
		return anode_err(err, n, path, "must be a mapping (name: ..., "
		    "type: ...)");
	if ((rc = afield_keys(n, path, param_keys, err)) != OPS_OK)
		return rc;
	p->type = AUTO_P_STRING;
	snprintf(sub, sizeof(sub), "%s.name", path);
	if ((v = anode_get(n, "name")) == NULL || anode_is_null(v))
		return anode_err(err, n, path, "a parameter needs a name");
	if ((rc = param_name(v, sub, &p->name, err)) != OPS_OK)
		return rc;
	snprintf(sub, sizeof(sub), "%s.type", path);
	if ((v = anode_get(n, "type")) != NULL && !anode_is_null(v) &&
	    (rc = param_type(v, sub, &p->type, err)) != OPS_OK)
		return rc;
	snprintf(sub, sizeof(sub), "%s.required", path);
	if ((v = anode_get(n, "required")) != NULL && !anode_is_null(v) &&
	    (rc = afield_bool(v, sub, &p->required, err)) != OPS_OK)
		return rc;
	snprintf(sub, sizeof(sub), "%s.description", path);
	if ((v = anode_get(n, "description")) != NULL && !anode_is_null(v) &&
	    (rc = afield_str(v, sub, 1, DESC_MAX, &p->description, err)) !=
	    OPS_OK)
		return rc;
	snprintf(sub, sizeof(sub), "%s.pattern", path);
	if ((v = anode_get(n, "pattern")) != NULL && !anode_is_null(v) &&
	    (rc = pattern(p, v, sub, err)) != OPS_OK)
		return rc;
	snprintf(sub, sizeof(sub), "%s.min", path);
	if ((v = anode_get(n, "min")) != NULL && !anode_is_null(v) &&
	    (rc = int_limit(p, v, sub, 0, err)) != OPS_OK)
		return rc;
	snprintf(sub, sizeof(sub), "%s.max", path);
	if ((v = anode_get(n, "max")) != NULL && !anode_is_null(v) &&
	    (rc = int_limit(p, v, sub, 1, err)) != OPS_OK)
		return rc;
	if (p->has_min && p->has_max && p->min > p->max)
		return anode_err(err, v, sub, "max is less than min");
	snprintf(sub, sizeof(sub), "%s.choices", path);
	v = anode_get(n, "choices");
	if (p->type == AUTO_P_CHOICE || p->type == AUTO_P_MULTI) {
		if (v == NULL || anode_is_null(v))
			return anode_err(err, n, path, "a %s parameter needs "
			    "choices", type_names[p->type]);
		if ((rc = choices(p, v, sub, err)) != OPS_OK)
			return rc;
	} else if (v != NULL && !anode_is_null(v))
		return anode_err(err, v, sub, "choices are for choice and "
		    "multi parameters");
	snprintf(sub, sizeof(sub), "%s.default", path);
	if ((v = anode_get(n, "default")) == NULL || anode_is_null(v))
		return OPS_OK;
	if (p->type == AUTO_P_SECRET)
		return anode_err(err, v, sub, "a secret has no default (the "
		    "file is not sealed; give the value at run time)");
	if ((rc = default_text(p, v, sub, &def, err)) != OPS_OK) {
		free(def);
		return rc;
	}
	rc = auto_value_check(p, def, &norm, &e2);
	free(def);
	if (rc != OPS_OK)
		return anode_err(err, v, sub, "%s", e2.msg);
	p->def = norm;
	return OPS_OK;
}

int
auto_params_read(struct automation *a, const struct anode *n,
    struct ops_err *err)
{
	char	path[48];
	size_t	i, j;
	int	rc;

	if (n->type != AN_SEQ)
		return anode_err(err, n, "parameters", "must be a list of "
		    "mappings (- name: ...)");
	if (n->nkids > AUTO_PARAMS_MAX)
		return anode_err(err, n, "parameters", "more than %d "
		    "parameters", AUTO_PARAMS_MAX);
	a->params = xcalloc(n->nkids > 0 ? n->nkids : 1, sizeof(*a->params));
	for (i = 0; i < n->nkids; i++) {
		snprintf(path, sizeof(path), "parameters[%zu]", i);
		a->nparams = i + 1;
		if ((rc = param(&a->params[i], &n->kids[i], path, err)) !=
		    OPS_OK)
			return rc;
		for (j = 0; j < i; j++)
			if (strcasecmp(a->params[i].name, a->params[j].name) ==
			    0)
				return anode_err(err, anode_get(&n->kids[i],
				    "name"), path, "parameter '%s' given twice "
				    "(names are compared ignoring case)",
				    a->params[i].name);
	}
	return OPS_OK;
}

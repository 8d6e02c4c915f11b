/*
 * automation-value.c: parameter values (automation.h): one value
 * checked against its parameter, NAME=VALUE assignments bound to an
 * automation's parameters with defaults, and the environment names the
 * values reach the remote under. Every refusal is "parameter 'NAME':
 * PROBLEM (ALLOWED FORM)"; a secret's value is never quoted, and the
 * copies this file makes of one are wiped.
 */
#include "config.h"

#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <regex.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <sodium.h>

#include "automation-int.h"
#include "xmalloc.h"

static void
wipe_free(char *s)
{
	if (s != NULL) {
		sodium_memzero(s, strlen(s));
		free(s);
	}
}

/* "%g" without a trailing ".0" problem: integers print as integers. */
static void
num(double d, char *buf, size_t len)
{
	if (d == floor(d) && fabs(d) < 1e15)
		snprintf(buf, len, "%.0f", d);
	else
		snprintf(buf, len, "%g", d);
}

/* Append s to buf (of len bytes), control bytes as '?'. */
static void
append_clean(char *buf, size_t len, const char *s)
{
	size_t	o = strlen(buf);

	for (; *s != '\0' && o + 1 < len; s++)
		buf[o++] = ((unsigned char)*s < 0x20 || *s == 0x7f) ? '?' : *s;
	buf[o] = '\0';
}

void
automation_param_form(const struct auto_param *p, char *buf, size_t len)
{
	char	lo[32], hi[32], list[128] = "";
	size_t	i;

	num(p->min, lo, sizeof(lo));
	num(p->max, hi, sizeof(hi));
	for (i = 0; i < p->nchoices; i++) {
		if (strlen(list) + strlen(p->choices[i]) + 6 >= sizeof(list)) {
			strcat(list, ", ...");
			break;
		}
		if (i > 0)
			strcat(list, ", ");
		append_clean(list, sizeof(list), p->choices[i]);
	}
	switch (p->type) {
	case AUTO_P_INT:
	case AUTO_P_FLOAT:
		if (p->has_min && p->has_max)
			snprintf(buf, len, "%s from %s to %s", p->type ==
			    AUTO_P_INT ? "an integer" : "a number", lo, hi);
		else if (p->has_min)
			snprintf(buf, len, "%s of at least %s", p->type ==
			    AUTO_P_INT ? "an integer" : "a number", lo);
		else if (p->has_max)
			snprintf(buf, len, "%s of at most %s", p->type ==
			    AUTO_P_INT ? "an integer" : "a number", hi);
		else
			snprintf(buf, len, "%s", p->type == AUTO_P_INT ?
			    "an integer" : "a number");
		return;
	case AUTO_P_BOOL:
		snprintf(buf, len, "true or false (or yes/no, on/off, 1/0)");
		return;
	case AUTO_P_CHOICE:
		snprintf(buf, len, "one of: %s", list);
		return;
	case AUTO_P_MULTI:
		snprintf(buf, len, "a comma-separated list of: %s", list);
		return;
	default:
		break;
	}
	snprintf(buf, len, "%s", p->type == AUTO_P_TEXT ? "text" : "one line");
	if (p->has_min && p->has_max)
		snprintf(buf + strlen(buf), len - strlen(buf), " of %s to %s "
		    "characters", lo, hi);
	else if (p->has_min)
		snprintf(buf + strlen(buf), len - strlen(buf), " of at least "
		    "%s characters", lo);
	else if (p->has_max)
		snprintf(buf + strlen(buf), len - strlen(buf), " of at most "
		    "%s characters", hi);
	if (p->pattern != NULL) {
		char	pat[64] = "";

		snprintf(pat, sizeof(pat), "%.60s", p->pattern);
		snprintf(buf + strlen(buf), len - strlen(buf), " matching ");
		append_clean(buf, len, pat);
	}
}

/* "parameter 'NAME': 'VALUE' PROBLEM (FORM)"; "the value" for a secret. */
static int
refuse(const struct auto_param *p, const char *value, const char *problem,
    struct ops_err *err)
{
	char	f[160], q[48];

	automation_param_form(p, f, sizeof(f));
	if (p->type == AUTO_P_SECRET || value == NULL)
		return ops_err_set(err, OPS_E_INVAL, "parameter '%s': the "
		    "value %s (%s)", p->name, problem, f);
	anode_quote(value, q, sizeof(q));
	return ops_err_set(err, OPS_E_INVAL, "parameter '%s': '%s' %s (%s)",
	    p->name, q, problem, f);
}

static int
check_int(const struct auto_param *p, const char *v, struct ops_err *err)
{
	long long	 n;
	char		*end;

	errno = 0;
	n = strtoll(v, &end, 10);
	if (end == v || *end != '\0' || errno != 0 ||
	    isspace((unsigned char)v[0]))
		return refuse(p, v, "is not an integer", err);
	if ((p->has_min && (double)n < p->min) ||
	    (p->has_max && (double)n > p->max))
		return refuse(p, v, "is out of range", err);
	return OPS_OK;
}

static int
check_float(const struct auto_param *p, const char *v, struct ops_err *err)
{
	double	 d;
	char	*end;

	errno = 0;
	d = strtod(v, &end);
	if (end == v || *end != '\0' || errno == ERANGE || !isfinite(d) ||
	    strpbrk(v, "xXnN") != NULL || isspace((unsigned char)v[0]))
		return refuse(p, v, "is not a number", err);
	if ((p->has_min && d < p->min) || (p->has_max && d > p->max))
		return refuse(p, v, "is out of range", err);
	return OPS_OK;
}

static int
check_bool(const struct auto_param *p, const char *v, char **norm,
    struct ops_err *err)
{
	static const char *const t[] = { "true", "yes", "on", "1", NULL };
	static const char *const f[] = { "false", "no", "off", "0", NULL };
	size_t	i;

	for (i = 0; t[i] != NULL; i++)
		if (strcasecmp(v, t[i]) == 0) {
			if (norm != NULL)
				*norm = xstrdup("true");
			return OPS_OK;
		}
	for (i = 0; f[i] != NULL; i++)
		if (strcasecmp(v, f[i]) == 0) {
			if (norm != NULL)
				*norm = xstrdup("false");
			return OPS_OK;
		}
	return refuse(p, v, "is not true or false", err);
}

static int
is_choice(const struct auto_param *p, const char *v, size_t len)
{
	size_t	i;

	for (i = 0; i < p->nchoices; i++)
		if (strlen(p->choices[i]) == len &&
		    memcmp(p->choices[i], v, len) == 0)
			return 1;
	return 0;
}

/* Items split at ',' with blanks trimmed, each a choice, none twice. */
static int
check_multi(const struct auto_param *p, const char *v, char **norm,
    struct ops_err *err)
{
	const char	*s = v, *e, *b;
	char		*out, item[48];
	size_t		 len, o = 0;
	int		 rc = OPS_OK;

	out = xmalloc(strlen(v) + 1);
	out[0] = '\0';
	while (s[strspn(s, " \t")] != '\0') {
		if ((e = strchr(s, ',')) == NULL)
			e = s + strlen(s);
		while (*s == ' ' || *s == '\t')
			s++;
		b = e;
		while (b > s && (b[-1] == ' ' || b[-1] == '\t'))
			b--;
		len = (size_t)(b - s);
		snprintf(item, sizeof(item), "%.*s", len > 40 ? 40 : (int)len,
		    s);
		if (len == 0) {
			rc = refuse(p, v, "has an empty item", err);
			break;
		}
		if (!is_choice(p, s, len)) {
			rc = refuse(p, item, "is not one of the choices", err);
			break;
		}
		/* given twice: item already in out */
		{
			const char	*q = out;

			while (*q != '\0') {
				const char	*c = strchr(q, ',');
				size_t		 ql = c != NULL ?
				    (size_t)(c - q) : strlen(q);

				if (ql == len && memcmp(q, s, len) == 0)
					break;
				q = c != NULL ? c + 1 : q + ql;
			}
			if (*q != '\0') {
				rc = refuse(p, item, "is given twice", err);
				break;
			}
		}
		if (o > 0)
			out[o++] = ',';
		memcpy(out + o, s, len);
		o += len;
		out[o] = '\0';
		if (*e == '\0')
			break;
		s = e + 1;
		if (s[strspn(s, " \t")] == '\0') {
			rc = refuse(p, v, "has an empty item", err);
			break;
		}
	}
	if (rc == OPS_OK && norm != NULL)
		*norm = out;
	else
		free(out);
	return rc;
}

static int
check_text(const struct auto_param *p, const char *v, size_t nchars,
    struct ops_err *err)
{
	regex_t	 re;
	char	*anchored;
	int	 rc;

	if (p->type != AUTO_P_TEXT && strpbrk(v, "\r\n") != NULL)
		return refuse(p, v, "is not one line", err);
	if ((p->has_min && (double)nchars < p->min) ||
	    (p->has_max && (double)nchars > p->max))
		return refuse(p, v, "has the wrong length", err);
	if (p->pattern == NULL)
		return OPS_OK;
	/* the whole value must match */
	anchored = xasprintf("^(%s)$", p->pattern);
	rc = regcomp(&re, anchored, REG_EXTENDED | REG_NOSUB);
	free(anchored);
	if (rc != 0)
		return ops_err_set(err, OPS_E_INVAL, "parameter '%s': the "
		    "pattern does not compile", p->name);
	rc = regexec(&re, v, 0, NULL, 0);
	regfree(&re);
	if (rc != 0)
		return refuse(p, v, "does not match", err);
	return OPS_OK;
}

int
auto_value_check(const struct auto_param *p, const char *value, char **norm,
    struct ops_err *err)
{
	size_t	len, nchars = 0;
	int	rc;

	if (norm != NULL)
		*norm = NULL;
	if (value == NULL)
		return refuse(p, NULL, "is missing", err);
	len = strlen(value);
	if (len > AUTO_VALUE_MAX)
		return ops_err_set(err, OPS_E_INVAL, "parameter '%s': the "
		    "value is longer than %d bytes", p->name, AUTO_VALUE_MAX);
	if (!auto_utf8_valid(value, len, &nchars))
		return ops_err_set(err, OPS_E_INVAL, "parameter '%s': the "
		    "value is not valid UTF-8", p->name);
	switch (p->type) {
	case AUTO_P_INT:
		rc = check_int(p, value, err);
		break;
	case AUTO_P_FLOAT:
		rc = check_float(p, value, err);
		break;
	case AUTO_P_BOOL:
		return check_bool(p, value, norm, err);
	case AUTO_P_CHOICE:
		rc = is_choice(p, value, len) ? OPS_OK :
		    refuse(p, value, "is not one of the choices", err);
		break;
	case AUTO_P_MULTI:
		return check_multi(p, value, norm, err);
	case AUTO_P_STRING:
	case AUTO_P_TEXT:
	case AUTO_P_SECRET:
		rc = check_text(p, value, nchars, err);
		break;
	default:
		return ops_err_set(err, OPS_E_INVAL, "parameter '%s': unknown "
		    "type", p->name);
	}
	if (rc == OPS_OK && norm != NULL)
		*norm = xstrdup(value);
	return rc;
}

int
automation_param_check(const struct auto_param *p, const char *value,
    struct ops_err *err)
{
	return auto_value_check(p, value, NULL, err);
}

void
automation_values_free(struct auto_values *v)
{
	size_t	i;

	if (v == NULL)
		return;
	for (i = 0; i < v->n; i++)
		wipe_free(v->v[i].value);
	free(v->v);
	free(v);
}

static const struct auto_param *
find(const struct automation *a, const char *name, size_t len, size_t *idx)
{
	size_t	i;

	for (i = 0; i < a->nparams; i++)
		if (strlen(a->params[i].name) == len &&
		    strncasecmp(a->params[i].name, name, len) == 0) {
			*idx = i;
			return &a->params[i];
		}
	return NULL;
}

static int
unknown(const struct automation *a, const char *name, size_t len,
    struct ops_err *err)
{
	char	raw[48], q[48], known[128] = "";
	size_t	i;

	snprintf(raw, sizeof(raw), "%.*s", len > 40 ? 40 : (int)len, name);
	anode_quote(raw, q, sizeof(q));
	for (i = 0; i < a->nparams; i++) {
		if (strlen(known) + strlen(a->params[i].name) + 6 >=
		    sizeof(known)) {
			strcat(known, ", ...");
			break;
		}
		if (i > 0)
			strcat(known, ", ");
		strcat(known, a->params[i].name);
	}
	if (a->nparams == 0)
		return ops_err_set(err, OPS_E_INVAL, "parameter '%s': unknown "
		    "(automation %s takes no parameters)", q, a->name);
	return ops_err_set(err, OPS_E_INVAL, "parameter '%s': unknown "
	    "(automation %s takes: %s)", q, a->name, known);
}

int
automation_bind(const struct automation *a, const char *const *assign,
    size_t n, struct auto_values **out, struct ops_err *err)
{
	struct auto_values		*vs;
	const struct auto_param		*p;
	const char			*eq;
	char				 q[48];
	size_t				 i, idx;
	int				 rc = OPS_OK;

	*out = NULL;
	vs = xcalloc(1, sizeof(*vs));
	vs->n = a->nparams;
	vs->v = xcalloc(a->nparams > 0 ? a->nparams : 1, sizeof(*vs->v));
	for (i = 0; i < a->nparams; i++)
		vs->v[i].param = &a->params[i];
	for (i = 0; i < n && rc == OPS_OK; i++) {
		if (assign[i] == NULL || (eq = strchr(assign[i], '=')) ==
		    NULL || eq == assign[i]) {
			/* may be a mistyped secret: never quote it */
			rc = ops_err_set(err, OPS_E_INVAL, "parameter "
			    "assignment %zu is not NAME=VALUE", i + 1);
			break;
		}
		if ((p = find(a, assign[i], (size_t)(eq - assign[i]), &idx)) ==
		    NULL) {
			rc = unknown(a, assign[i], (size_t)(eq - assign[i]),
			    err);
			break;
		}
		if (vs->v[idx].given) {
			anode_quote(p->name, q, sizeof(q));
			rc = ops_err_set(err, OPS_E_INVAL, "parameter '%s': "
			    "given twice", q);
			break;
		}
		rc = auto_value_check(p, eq + 1, &vs->v[idx].value, err);
		vs->v[idx].given = 1;
	}
	for (i = 0; i < a->nparams && rc == OPS_OK; i++) {
		if (vs->v[i].given)
			continue;
		p = &a->params[i];
		if (p->def != NULL)
			vs->v[i].value = xstrdup(p->def);
		else if (p->required) {
			char	f[160];

			automation_param_form(p, f, sizeof(f));
			rc = ops_err_set(err, OPS_E_INVAL, "parameter '%s': "
			    "required, not given (%s)", p->name, f);
		}
	}
	if (rc != OPS_OK) {
		automation_values_free(vs);
		return rc;
	}
	*out = vs;
	return OPS_OK;
}

void
automation_env_name(const struct auto_param *p, char *buf, size_t len)
{
	static const char	 pfx[] = "OPSICLE_PARAM_";
	size_t			 i, o;

	if (len == 0)
		return;
	snprintf(buf, len, "%s", pfx);
	o = strlen(buf);
	for (i = 0; p->name[i] != '\0' && o + 1 < len; i++) {
		char	c = p->name[i];

		buf[o++] = (c >= 'a' && c <= 'z') ? (char)(c - 'a' + 'A') : c;
	}
	buf[o] = '\0';
}

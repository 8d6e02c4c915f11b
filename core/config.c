/*
 * config.c: parse opsicle.conf against the options table (config-file.h).
 */
#include "config.h"

#include <sys/stat.h>

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <sodium.h>

#include "config-file.h"
#include "file-check.h"
#include "model.h"
#include "xmalloc.h"

struct config_value {
	long long	 num;
	char		*str;		/* words, choices and lists */
	int		 set;		/* given in the file */
};

struct ops_config {
	struct config_value	*v;	/* one per table entry */
	size_t			 n;
};

static int
option_index(const char *name, size_t *idx)
{
	const struct config_option	*t;
	size_t				 n, i;

	t = config_options(&n);
	for (i = 0; i < n; i++) {
		if (strcmp(t[i].name, name) == 0) {
			*idx = i;
			return 1;
		}
	}
	return 0;
}

static int
is_name_char(int c)
{
	return isalnum(c) || c == '.' || c == '_' || c == '-';
}

/* A number with an optional k/m/g suffix. 0 when it does not parse. */
static int
parse_number(const char *s, long long *out)
{
	unsigned long long	 v = 0, mul = 1;
	const char		*p = s;

	if (!isdigit((unsigned char)*p))
		return 0;
	for (; isdigit((unsigned char)*p); p++) {
		if (v > (unsigned long long)(1LL << 53) / 10)
			return 0;
		v = v * 10 + (unsigned)(*p - '0');
	}
	switch (*p) {
	case 'k': case 'K':
		mul = 1024ULL;
		p++;
		break;
	case 'm': case 'M':
		mul = 1024ULL * 1024;
		p++;
		break;
	case 'g': case 'G':
		mul = 1024ULL * 1024 * 1024;
		p++;
		break;
	}
	if (*p != '\0' || v > (unsigned long long)(1LL << 53) / mul)
		return 0;
	*out = (long long)(v * mul);
	return 1;
}

int
config_parse_size(const char *s, long long *out)
{
	return parse_number(s, out);
}

/*
 * A list: items separated by commas and blanks, each an optional '@'
 * and [A-Za-z0-9._-]+. *canon (caller frees) gets them joined by ",".
 * OPS_OK, OPS_E_INVAL (why says why) or OPS_E_NOMEM.
 */
static int
parse_list(const char *s, char **canon, char *why, size_t whylen)
{
	const char	*p = s, *start;
	char		*out;
	size_t		 o = 0;

	*canon = NULL;
	if ((out = ops_malloc(strlen(s) + 1)) == NULL)
		return OPS_E_NOMEM;
	while (*p != '\0') {
		while (*p == ' ' || *p == '\t' || *p == ',')
			p++;
		if (*p == '\0')
			break;
		start = p;
		if (*p == '@')
			p++;
		while (is_name_char((unsigned char)*p))
			p++;
		if (p == start || (*start == '@' && p == start + 1) ||
		    (*p != '\0' && *p != ',' && *p != ' ' && *p != '\t')) {
			snprintf(why, whylen, "bad list item near \"%.32s\": "
			    "want user names, uids or @groups separated by "
			    "commas", start);
			free(out);
			return OPS_E_INVAL;
		}
		if (o > 0)
			out[o++] = ',';
		memcpy(out + o, start, (size_t)(p - start));
		o += (size_t)(p - start);
	}
	out[o] = '\0';
	*canon = out;
	return OPS_OK;
}

/*
 * Check value against option t and store it in v: OPS_OK, OPS_E_INVAL
 * (why says why) or OPS_E_NOMEM. v is unchanged unless OPS_OK.
 */
/* A selector expression (model.h), as run takes one. */
static int
check_selector(const struct config_option *t, const char *value, char *why,
    size_t whylen)
{
	struct selector_set	set;
	struct ops_err		err;
	int			rc;

	selector_set_init(&set);
	rc = selector_set_add(&set, value, 0, &err);
	selector_set_done(&set);
	if (rc != OPS_OK)
		snprintf(why, whylen, "%s: %s", t->name, ops_err_msg(&err));
	return rc;
}

static int
set_value(const struct config_option *t, const char *value,
    struct config_value *v, char *why, size_t whylen)
{
	const char	*p;
	char		*s;
	long long	 n;
	size_t		 i;
	int		 rc;

	switch (t->type) {
	case CONFIG_NUMBER:
		if (!parse_number(value, &n)) {
			snprintf(why, whylen, "%s needs a number, not "
			    "\"%.32s\"", t->name, value);
			return OPS_E_INVAL;
		}
		if (n < t->min || n > t->max) {
			snprintf(why, whylen, "%s must be %lld to %lld, not "
			    "%lld", t->name, t->min, t->max, n);
			return OPS_E_INVAL;
		}
		v->num = n;
		return OPS_OK;
	case CONFIG_WORD:
		for (p = value; *p != '\0'; p++) {
			if (!is_name_char((unsigned char)*p)) {
				snprintf(why, whylen, "%s needs one word of "
				    "[A-Za-z0-9._-]", t->name);
				return OPS_E_INVAL;
			}
		}
		break;
	case CONFIG_CHOICE:
		for (i = 0; t->choices[i] != NULL; i++)
			if (strcmp(t->choices[i], value) == 0)
				break;
		if (t->choices[i] == NULL) {
			snprintf(why, whylen, "%s must be one of", t->name);
			for (i = 0; t->choices[i] != NULL; i++)
				snprintf(why + strlen(why), whylen -
				    strlen(why), "%s %s", i > 0 ? "," : "",
				    t->choices[i]);
			return OPS_E_INVAL;
		}
		break;
	case CONFIG_LIST:
		if ((rc = parse_list(value, &s, why, whylen)) != OPS_OK)
			return rc;
		free(v->str);
		v->str = s;
		return OPS_OK;
	case CONFIG_SELECTOR:
		if (*value != '\0' && (rc = check_selector(t, value, why,
		    whylen)) != OPS_OK)
			return rc;
		break;
	}
	if ((s = ops_strdup(value)) == NULL)
		return OPS_E_NOMEM;
	free(v->str);
	v->str = s;
	return OPS_OK;
}

void
config_free(struct ops_config *cfg)
{
	size_t	i;

	if (cfg == NULL)
		return;
	for (i = 0; i < cfg->n; i++)
		free(cfg->v[i].str);
	free(cfg->v);
	free(cfg);
}

int
config_new(struct ops_config **out, struct ops_err *err)
{
	const struct config_option	*t;
	struct ops_config		*cfg;
	char				 why[256];
	size_t				 n, i;
	int				 rc;

	*out = NULL;
	t = config_options(&n);
	if ((cfg = ops_calloc(1, sizeof(*cfg))) == NULL ||
	    (cfg->v = ops_calloc(n, sizeof(*cfg->v))) == NULL) {
		free(cfg);
		return ops_err_set(err, OPS_E_NOMEM, "allocate config");
	}
	cfg->n = n;
	for (i = 0; i < n; i++) {
		rc = set_value(&t[i], t[i].def, &cfg->v[i], why, sizeof(why));
		if (rc == OPS_E_NOMEM) {
			config_free(cfg);
			return ops_err_set(err, rc, "allocate config default "
			    "of %s", t[i].name);
		}
		if (rc != OPS_OK) {
			config_free(cfg);
			return ops_err_set(err, OPS_E_INTERNAL, "default of "
			    "%s: %s", t[i].name, why);
		}
	}
	*out = cfg;
	return OPS_OK;
}

/* Trim blanks at both ends in place; returns the new start. */
static char *
trim(char *s)
{
	char	*e;

	while (*s == ' ' || *s == '\t')
		s++;
	e = s + strlen(s);
	while (e > s && (e[-1] == ' ' || e[-1] == '\t' || e[-1] == '\r'))
		*--e = '\0';
	return s;
}

/*
 * One line (NUL-terminated, no newline): OPS_OK, OPS_E_INVAL with a
 * message in why, or OPS_E_NOMEM.
 */
static int
parse_line(struct ops_config *cfg, char *line, char *why, size_t whylen)
{
	const struct config_option	*t;
	char				*key, *value, *eq, *hash;
	size_t				 idx, n;
	int				 rc;

	if ((hash = strchr(line, '#')) != NULL)
		*hash = '\0';
	key = trim(line);
	if (*key == '\0')
		return OPS_OK;
	if ((eq = strchr(key, '=')) == NULL) {
		snprintf(why, whylen, "expected \"key = value\"");
		return OPS_E_INVAL;
	}
	*eq = '\0';
	key = trim(key);
	value = trim(eq + 1);
	if (*key == '\0') {
		snprintf(why, whylen, "missing key before '='");
		return OPS_E_INVAL;
	}
	if (!option_index(key, &idx)) {
		snprintf(why, whylen, "unknown key \"%.64s\"", key);
		return OPS_E_INVAL;
	}
	t = config_options(&n) + idx;
	if (cfg->v[idx].set) {
		snprintf(why, whylen, "%s given twice", t->name);
		return OPS_E_INVAL;
	}
	if (*value == '\0' && t->type != CONFIG_LIST &&
	    t->type != CONFIG_SELECTOR &&
	    t->type != CONFIG_WORD) {
		snprintf(why, whylen, "%s needs a value", t->name);
		return OPS_E_INVAL;
	}
	if ((rc = set_value(t, value, &cfg->v[idx], why, whylen)) != OPS_OK)
		return rc;
	cfg->v[idx].set = 1;
	return OPS_OK;
}

int
config_parse(const char *text, size_t len, const char *source,
    struct ops_config **out, struct ops_err *err)
{
	struct ops_config	*cfg = NULL;
	char			 line[CONFIG_LINE_MAX + 2], why[256];
	size_t			 off = 0, end, l;
	unsigned		 lineno = 0;
	int			 rc;

	*out = NULL;
	if ((rc = config_new(&cfg, err)) != OPS_OK)
		return rc;
	while (off < len) {
		lineno++;
		for (end = off; end < len && text[end] != '\n'; end++)
			;
		l = end - off;
		if (l > CONFIG_LINE_MAX) {
			rc = ops_err_set(err, OPS_E_INVAL, "%s:%u: line longer "
			    "than %d bytes", source, lineno, CONFIG_LINE_MAX);
			goto out;
		}
		if (memchr(text + off, '\0', l) != NULL) {
			rc = ops_err_set(err, OPS_E_INVAL, "%s:%u: NUL byte",
			    source, lineno);
			goto out;
		}
		memcpy(line, text + off, l);
		line[l] = '\0';
		if ((rc = parse_line(cfg, line, why, sizeof(why))) ==
		    OPS_E_NOMEM) {
			rc = ops_err_set(err, rc, "%s:%u: out of memory",
			    source, lineno);
			goto out;
		}
		if (rc != OPS_OK) {
			rc = ops_err_set(err, OPS_E_INVAL, "%s:%u: %s", source,
			    lineno, why);
			goto out;
		}
		off = end + 1;
	}
	*out = cfg;
	cfg = NULL;
	rc = OPS_OK;
out:
	config_free(cfg);
	return rc;
}

int
config_load(const char *path, struct ops_config **out, struct ops_err *err)
{
	struct stat	 st;
	char		*buf = NULL;
	size_t		 got = 0;
	ssize_t		 n;
	int		 fd, rc;

	*out = NULL;
	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) == -1) {
		if (errno == ENOENT)
			return config_new(out, err);
		return ops_err_errno(err, OPS_E_IO, "open config %s", path);
	}
	if (fstat(fd, &st) == -1) {
		rc = ops_err_errno(err, OPS_E_IO, "stat config %s", path);
		goto out;
	}
	if (!S_ISREG(st.st_mode) || st.st_size > CONFIG_FILE_MAX) {
		rc = ops_err_set(err, OPS_E_INVAL, "config %s is not a "
		    "regular file of at most %d bytes", path, CONFIG_FILE_MAX);
		goto out;
	}
	/* It grants roles: refuse one another user could have written. */
	if ((rc = file_check_rights(&st, path, "config", err)) != OPS_OK)
		goto out;
	if ((buf = ops_malloc((size_t)st.st_size + 1)) == NULL) {
		rc = ops_err_set(err, OPS_E_NOMEM, "read config %s", path);
		goto out;
	}
	while (got <= (size_t)st.st_size) {
		n = read(fd, buf + got, (size_t)st.st_size + 1 - got);
		if (n == -1 && errno == EINTR)
			continue;
		if (n == -1) {
			rc = ops_err_errno(err, OPS_E_IO, "read config %s",
			    path);
			goto out;
		}
		if (n == 0)
			break;
		got += (size_t)n;
	}
	if (got > (size_t)st.st_size) {
		rc = ops_err_set(err, OPS_E_INVAL, "config %s changed while "
		    "being read", path);
		goto out;
	}
	rc = config_parse(buf, got, path, out, err);
out:
	free(buf);
	close(fd);
	return rc;
}

static const struct config_value *
value_of(const struct ops_config *cfg, const char *name,
    enum config_type type)
{
	const struct config_option	*t;
	size_t				 idx, n;

	if (cfg == NULL || !option_index(name, &idx))
		return NULL;
	t = config_options(&n) + idx;
	if ((t->type == CONFIG_NUMBER) != (type == CONFIG_NUMBER))
		return NULL;
	return &cfg->v[idx];
}

long long
config_num(const struct ops_config *cfg, const char *name)
{
	const struct config_value	*v = value_of(cfg, name, CONFIG_NUMBER);

	return v != NULL ? v->num : 0;
}

const char *
config_str(const struct ops_config *cfg, const char *name)
{
	const struct config_value	*v = value_of(cfg, name, CONFIG_WORD);

	return v != NULL && v->str != NULL ? v->str : "";
}

int
config_is_set(const struct ops_config *cfg, const char *name)
{
	size_t	idx;

	if (cfg == NULL || !option_index(name, &idx))
		return 0;
	return cfg->v[idx].set;
}

void
config_kdf_limits(const struct ops_config *cfg,
    struct keys_kdf_limits *limits)
{
	const char	*cost = getenv("OPSICLE_KDF");

	if (cost == NULL || config_option_find("kdf-cost") == NULL ||
	    (strcmp(cost, "min") != 0 && strcmp(cost, "interactive") != 0 &&
	    strcmp(cost, "moderate") != 0 && strcmp(cost, "sensitive") != 0))
		cost = cfg != NULL ? config_str(cfg, "kdf-cost") : "moderate";
	if (strcmp(cost, "min") == 0) {
		limits->opslimit = crypto_pwhash_OPSLIMIT_MIN;
		limits->memlimit = crypto_pwhash_MEMLIMIT_MIN;
	} else if (strcmp(cost, "interactive") == 0) {
		limits->opslimit = crypto_pwhash_OPSLIMIT_INTERACTIVE;
		limits->memlimit = crypto_pwhash_MEMLIMIT_INTERACTIVE;
	} else if (strcmp(cost, "sensitive") == 0) {
		limits->opslimit = crypto_pwhash_OPSLIMIT_SENSITIVE;
		limits->memlimit = crypto_pwhash_MEMLIMIT_SENSITIVE;
	} else {
		limits->opslimit = crypto_pwhash_OPSLIMIT_MODERATE;
		limits->memlimit = crypto_pwhash_MEMLIMIT_MODERATE;
	}
}

/*
 * runenv.c: the shell prelude that exports parameter values (runenv.h).
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "runenv.h"

char *
runenv_quote(const char *s, size_t len)
{
	size_t	 i, n = 3;
	char	*q;

	for (i = 0; i < len; i++)
		n += s[i] == '\'' ? 4 : 1;
	if ((q = malloc(n)) == NULL)
		return NULL;
	n = 0;
	q[n++] = '\'';
	for (i = 0; i < len; i++) {
		if (s[i] == '\'') {
			memcpy(q + n, "'\\''", 4);
			n += 4;
		} else
			q[n++] = s[i];
	}
	q[n++] = '\'';
	q[n] = '\0';
	return q;
}

static int
name_ok(const char *s)
{
	size_t	i;

	if (s == NULL || !((*s >= 'A' && *s <= 'Z') || (*s >= 'a' &&
	    *s <= 'z') || *s == '_'))
		return 0;
	for (i = 1; s[i] != '\0'; i++)
		if (!((s[i] >= 'A' && s[i] <= 'Z') || (s[i] >= 'a' &&
		    s[i] <= 'z') || (s[i] >= '0' && s[i] <= '9') ||
		    s[i] == '_'))
			return 0;
	return i <= 128;
}

/* Append s to *buf (len used, cap allocated); -1 when out of memory. */
static int
put(char **buf, size_t *len, size_t *cap, const char *s)
{
	size_t	n = strlen(s);
	char	*nb;

	if (*len + n + 1 > *cap) {
		size_t c = *cap ? *cap : 256;

		while (c < *len + n + 1)
			c *= 2;
		if ((nb = realloc(*buf, c)) == NULL)
			return -1;
		*buf = nb;
		*cap = c;
	}
	memcpy(*buf + *len, s, n + 1);
	*len += n;
	return 0;
}

int
runenv_build(const struct runenv_var *v, size_t n, const char *command,
    char **out, struct secret **stdin_data, struct ops_err *err)
{
	char		*buf = NULL, *q, num[96];
	size_t		 len = 0, cap = 0, i, slen = 0, off = 0;
	int		 rc = OPS_OK, nsec = 0;

	*out = NULL;
	*stdin_data = NULL;
	for (i = 0; i < n; i++) {
		if (!name_ok(v[i].name))
			return ops_err_set(err, OPS_E_INVAL, "environment "
			    "variable name %s is not [A-Za-z_][A-Za-z0-9_]*",
			    v[i].name != NULL ? v[i].name : "(none)");
		if (memchr(v[i].value, '\0', v[i].len) != NULL)
			return ops_err_set(err, OPS_E_INVAL, "the value of %s "
			    "holds a NUL byte", v[i].name);
		if (v[i].secret) {
			slen += v[i].len;
			nsec++;
		}
	}
	if (nsec > 0 && (rc = secret_new(slen, stdin_data, err)) != OPS_OK)
		return rc;
	for (i = 0; i < n && rc == OPS_OK; i++) {
		if (v[i].secret) {
			memcpy(secret_data(*stdin_data) + off, v[i].value,
			    v[i].len);
			off += v[i].len;
			snprintf(num, sizeof(num), "%zu", v[i].len);
			if (put(&buf, &len, &cap, v[i].name) ||
			    put(&buf, &len, &cap, "=$(dd bs=1 count=") ||
			    put(&buf, &len, &cap, num) ||
			    put(&buf, &len, &cap, " 2>/dev/null; echo .); ") ||
			    put(&buf, &len, &cap, v[i].name) ||
			    put(&buf, &len, &cap, "=${") ||
			    put(&buf, &len, &cap, v[i].name) ||
			    put(&buf, &len, &cap, "%.}; "))
				rc = OPS_E_NOMEM;
		} else {
			if ((q = runenv_quote(v[i].value, v[i].len)) == NULL ||
			    put(&buf, &len, &cap, v[i].name) ||
			    put(&buf, &len, &cap, "=") ||
			    put(&buf, &len, &cap, q) ||
			    put(&buf, &len, &cap, "; "))
				rc = OPS_E_NOMEM;
			free(q);
		}
		if (rc == OPS_OK && (put(&buf, &len, &cap, "export ") ||
		    put(&buf, &len, &cap, v[i].name) ||
		    put(&buf, &len, &cap, "; ")))
			rc = OPS_E_NOMEM;
	}
	if (rc == OPS_OK && nsec > 0 && put(&buf, &len, &cap,
	    "exec </dev/null; "))
		rc = OPS_E_NOMEM;
	if (rc == OPS_OK && put(&buf, &len, &cap, command != NULL ? command :
	    "exec "))
		rc = OPS_E_NOMEM;
	if (rc == OPS_OK && buf == NULL && put(&buf, &len, &cap, ""))
		rc = OPS_E_NOMEM;
	if (rc != OPS_OK) {
		free(buf);
		secret_free(*stdin_data);
		*stdin_data = NULL;
		return ops_err_set(err, OPS_E_NOMEM, "build the environment "
		    "prelude");
	}
	*out = buf;
	return OPS_OK;
}

/*
 * import-common.c: the host list and line reader the import parsers
 * share (import.h).
 */
#include "config.h"

#include <ctype.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "import.h"

void
import_list_free(struct import_list *l)
{
	size_t	i, j;

	if (l == NULL)
		return;
	for (i = 0; i < l->n; i++) {
		free(l->v[i].name);
		free(l->v[i].host);
		free(l->v[i].user);
		free(l->v[i].identity);
		free(l->v[i].proxy);
		for (j = 0; j < l->v[i].ntags; j++)
			free(l->v[i].tags[j]);
		free(l->v[i].tags);
	}
	free(l->v);
	for (i = 0; i < l->nwarnings; i++)
		free(l->warnings[i]);
	free(l->warnings);
	memset(l, 0, sizeof(*l));
}

struct import_host *
import_host_get(struct import_list *l, const char *name, unsigned line,
    struct ops_err *err, const char *source)
{
	struct import_host	*v, *h;
	size_t			 i;

	for (i = 0; i < l->n; i++)
		if (strcmp(l->v[i].name, name) == 0)
			return &l->v[i];
	if (l->n >= IMPORT_HOSTS_MAX) {
		ops_err_set(err, OPS_E_TOOBIG, "%s:%u: more than %d hosts",
		    source, line, IMPORT_HOSTS_MAX);
		return NULL;
	}
	if ((v = realloc(l->v, (l->n + 1) * sizeof(*v))) == NULL) {
		ops_err_set(err, OPS_E_NOMEM, "%s:%u: out of memory", source,
		    line);
		return NULL;
	}
	l->v = v;
	h = &l->v[l->n];
	memset(h, 0, sizeof(*h));
	h->line = line;
	if ((h->name = strdup(name)) == NULL) {
		ops_err_set(err, OPS_E_NOMEM, "%s:%u: out of memory", source,
		    line);
		return NULL;
	}
	l->n++;
	return h;
}

int
import_host_tag(struct import_host *h, const char *tag, const char *source,
    struct ops_err *err)
{
	char	**v;
	size_t	  i;

	for (i = 0; i < h->ntags; i++)
		if (strcmp(h->tags[i], tag) == 0)
			return OPS_OK;
	if (h->ntags >= IMPORT_TAGS_MAX)
		return ops_err_set(err, OPS_E_TOOBIG, "%s:%u: host %s is in "
		    "more than %d groups", source, h->line, h->name,
		    IMPORT_TAGS_MAX);
	if ((v = realloc(h->tags, (h->ntags + 1) * sizeof(*v))) == NULL ||
	    (v[h->ntags] = strdup(tag)) == NULL) {
		if (v != NULL)
			h->tags = v;
		return ops_err_set(err, OPS_E_NOMEM, "%s: out of memory",
		    source);
	}
	h->tags = v;
	h->ntags++;
	return OPS_OK;
}

int
import_warn(struct import_list *l, const char *source, unsigned line,
    const char *fmt, ...)
{
	char	 msg[512], **v;
	int	 n;
	va_list	 ap;

	n = snprintf(msg, sizeof(msg), "%s:%u: ", source, line);
	if (n < 0 || (size_t)n >= sizeof(msg))
		n = 0;
	va_start(ap, fmt);
	vsnprintf(msg + n, sizeof(msg) - (size_t)n, fmt, ap);
	va_end(ap);
	if (l->nwarnings >= 1000)
		return OPS_OK;
	if ((v = realloc(l->warnings, (l->nwarnings + 1) * sizeof(*v))) ==
	    NULL)
		return OPS_E_NOMEM;
	l->warnings = v;
	if ((v[l->nwarnings] = strdup(msg)) == NULL)
		return OPS_E_NOMEM;
	l->nwarnings++;
	return OPS_OK;
}

int
import_next_line(const char *text, size_t len, size_t *off, char *buf,
    size_t buflen, const char *source, unsigned lineno, struct ops_err *err)
{
	size_t	end, l;

	for (end = *off; end < len && text[end] != '\n'; end++)
		;
	l = end - *off;
	if (l >= buflen || l > IMPORT_LINE_MAX)
		return ops_err_set(err, OPS_E_INVAL, "%s:%u: line longer than "
		    "%d bytes", source, lineno, IMPORT_LINE_MAX);
	if (memchr(text + *off, '\0', l) != NULL)
		return ops_err_set(err, OPS_E_INVAL, "%s:%u: NUL byte",
		    source, lineno);
	memcpy(buf, text + *off, l);
	buf[l] = '\0';
	if (l > 0 && buf[l - 1] == '\r')
		buf[l - 1] = '\0';
	*off = end + 1;
	return OPS_OK;
}

int
import_port(const char *value, const char *source, unsigned line, int *port,
    struct ops_err *err)
{
	long	v = 0;
	size_t	i;

	for (i = 0; value[i] != '\0'; i++) {
		if (!isdigit((unsigned char)value[i]) || i >= 5)
			break;
		v = v * 10 + (value[i] - '0');
	}
	if (i == 0 || value[i] != '\0' || v < 1 || v > 65535)
		return ops_err_set(err, OPS_E_INVAL, "%s:%u: invalid port "
		    "\"%.16s\": must be 1-65535", source, line, value);
	*port = (int)v;
	return OPS_OK;
}

static int
starts(const unsigned char *buf, size_t len, const char *prefix)
{
	return strlen(prefix) <= len && memcmp(buf, prefix, strlen(prefix)) ==
	    0;
}

static const unsigned char *
find_bytes(const unsigned char *buf, size_t len, const char *what)
{
	size_t	n = strlen(what), i;

	for (i = 0; n <= len && i <= len - n; i++)
		if (memcmp(buf + i, what, n) == 0)
			return buf + i;
	return NULL;
}

enum import_key_kind
import_key_kind(const unsigned char *buf, size_t len)
{
	static const char	 v1[] = "-----BEGIN OPENSSH PRIVATE KEY-----";
	const unsigned char	*p, *end = buf + len;
	char			 b64[97];
	unsigned char		 raw[72];
	size_t			 n = 0, rawlen = 0;
	uint32_t		 clen;

	while (len > 0 && (*buf == ' ' || *buf == '\t' || *buf == '\n' ||
	    *buf == '\r')) {
		buf++;
		len--;
	}
	if (starts(buf, len, "ssh-") || starts(buf, len, "ecdsa-") ||
	    starts(buf, len, "sk-"))
		return IMPORT_KEY_PUBLIC;
	if (len < 11 || memcmp(buf, "-----BEGIN ", 11) != 0 ||
	    find_bytes(buf, len, "PRIVATE KEY-----") == NULL)
		return find_bytes(buf, len, "PUBLIC KEY") != NULL ?
		    IMPORT_KEY_PUBLIC : IMPORT_KEY_UNKNOWN;
	if (find_bytes(buf, len, "ENCRYPTED") != NULL)
		return IMPORT_KEY_ENCRYPTED;
	if (len < sizeof(v1) - 1 || memcmp(buf, v1, sizeof(v1) - 1) != 0)
		return IMPORT_KEY_PRIVATE;
	/* openssh-key-v1: magic, then the cipher name ("none" when clear). */
	for (p = buf + sizeof(v1) - 1; p < end && n < sizeof(b64) - 1; p++)
		if (*p != '\n' && *p != '\r')
			b64[n++] = (char)*p;
	n -= n % 4;
	b64[n] = '\0';
	if (sodium_base642bin(raw, sizeof(raw), b64, n, NULL, &rawlen, NULL,
	    sodium_base64_VARIANT_ORIGINAL) != 0)
		return IMPORT_KEY_UNKNOWN;
	if (rawlen < 19 || memcmp(raw, "openssh-key-v1", 15) != 0)
		return IMPORT_KEY_UNKNOWN;
	clen = (uint32_t)raw[15] << 24 | (uint32_t)raw[16] << 16 |
	    (uint32_t)raw[17] << 8 | raw[18];
	if (clen == 4 && rawlen >= 23 && memcmp(raw + 19, "none", 4) == 0)
		return IMPORT_KEY_PRIVATE;
	return IMPORT_KEY_ENCRYPTED;
}

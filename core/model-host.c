/*
 * model-host.c: parse ad-hoc host strings, "[USER@]HOST[:PORT]" (the
 * grammar is in model.h). The text comes from a command line and, in
 * the daemon, from a client: every byte is checked.
 */
#include "config.h"

#include <arpa/inet.h>
#include <stdio.h>
#include <string.h>

#include "model.h"

static int
alnum(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	    (c >= '0' && c <= '9');
}

/* NULL when h (len bytes) is a valid DNS name or IPv4, else why not. */
static const char *
name_problem(const char *h, size_t len)
{
	size_t	i, label = 0;

	if (len == 0)
		return "has no host name";
	if (len > 253)
		return "has a host name longer than 253 characters";
	for (i = 0; i < len; i++) {
		if (h[i] == '.') {
			if (label == 0 || h[i - 1] == '-')
				return "has an empty label or one ending "
				    "with '-' in its host name";
			label = 0;
			continue;
		}
		if (!alnum(h[i]) && h[i] != '-')
			return "has a character no host name has (IPv6 "
			    "addresses go in brackets: [ADDR]:PORT)";
		if (label == 0 && h[i] == '-')
			return "has a host name label starting with '-'";
		if (++label > 63)
			return "has a host name label longer than 63 "
			    "characters";
	}
	if (label == 0 || h[len - 1] == '-')
		return "has a host name that ends with '.' or '-'";
	return NULL;
}

static const char *
user_problem(const char *u, size_t len)
{
	size_t	i;

	if (len == 0)
		return "has an empty user before '@'";
	if (len > ADHOC_USER_MAX)
		return "has a user longer than 32 characters";
	if (u[0] == '-')
		return "has a user starting with '-'";
	for (i = 0; i < len; i++)
		if (!alnum(u[i]) && u[i] != '.' && u[i] != '_' && u[i] != '-')
			return "has a character no user name has";
	return NULL;
}

static const char *
port_problem(const char *p, unsigned *port)
{
	unsigned long	n = 0;
	size_t		i;

	if (*p == '\0')
		return "has an empty port after ':'";
	for (i = 0; p[i] != '\0'; i++) {
		if (p[i] < '0' || p[i] > '9' || i >= 5)
			return "has a port that is not a number from 1 to "
			    "65535";
		n = n * 10 + (unsigned long)(p[i] - '0');
	}
	if (n < 1 || n > 65535)
		return "has a port that is not a number from 1 to 65535";
	*port = (unsigned)n;
	return NULL;
}

int
adhoc_host_parse(const char *text, struct adhoc_host *out,
    struct ops_err *err)
{
	const char	*why = NULL, *at, *h, *colon;
	size_t		 len, i, hl;

	memset(out, 0, sizeof(*out));
	out->port = 22;
	if (text == NULL || *text == '\0')
		return ops_err_set(err, OPS_E_INVAL, "empty --host");
	len = strnlen(text, ADHOC_HOST_MAX + 1);
	for (i = 0; i < len; i++)
		if ((unsigned char)text[i] <= 0x20 ||
		    (unsigned char)text[i] >= 0x7f)
			break;
	if (len > ADHOC_HOST_MAX)
		why = "is longer than 255 bytes";
	else if (i < len)
		why = "has a space, a control byte or a non-ASCII byte";
	if (why != NULL)
		return ops_err_set(err, OPS_E_INVAL, "host \"%.*s%s\" %s",
		    (int)(i < 48 ? i : 48), text, i < len ? "..." : "", why);
	h = text;
	if ((at = strchr(text, '@')) != NULL) {
		if (strchr(at + 1, '@') != NULL)
			why = "has more than one '@'";
		else if ((why = user_problem(text, (size_t)(at - text))) ==
		    NULL)
			memcpy(out->user, text, (size_t)(at - text));
		h = at + 1;
	}
	if (why == NULL && *h == '[') {
		const char	*end = strchr(h, ']');
		char		 v6[64];
		unsigned char	 a6[16];

		if (end == NULL)
			why = "has a '[' with no ']'";
		else if ((hl = (size_t)(end - h - 1)) == 0 ||
		    hl >= sizeof(v6))
			why = "has no IPv6 address in its brackets";
		else {
			memcpy(v6, h + 1, hl);
			v6[hl] = '\0';
			if (inet_pton(AF_INET6, v6, a6) != 1)
				why = "has no IPv6 address in its brackets";
			else if (end[1] != '\0' && end[1] != ':')
				why = "has something other than :PORT after "
				    "']'";
			else if (end[1] == ':')
				why = port_problem(end + 2, &out->port);
			if (why == NULL) {
				memcpy(out->host, v6, hl + 1);
				out->ipv6 = 1;
			}
		}
	} else if (why == NULL) {
		colon = strchr(h, ':');
		if (colon != NULL && strchr(colon + 1, ':') != NULL)
			why = "looks like an IPv6 address: put it in brackets, "
			    "[ADDR]:PORT";
		else {
			hl = colon != NULL ? (size_t)(colon - h) : strlen(h);
			if ((why = name_problem(h, hl)) == NULL &&
			    colon != NULL)
				why = port_problem(colon + 1, &out->port);
			if (why == NULL)
				memcpy(out->host, h, hl);
		}
	}
	if (why != NULL) {
		memset(out, 0, sizeof(*out));
		return ops_err_set(err, OPS_E_INVAL, "host \"%.48s%s\" %s",
		    text, len > 48 ? "..." : "", why);
	}
	snprintf(out->name, sizeof(out->name), "%s%s%s%s%s:%u", out->user,
	    *out->user != '\0' ? "@" : "", out->ipv6 ? "[" : "", out->host,
	    out->ipv6 ? "]" : "", out->port);
	if (strlen(out->name) > ADHOC_HOST_MAX) {
		memset(out, 0, sizeof(*out));
		return ops_err_set(err, OPS_E_INVAL, "host \"%.48s...\" is "
		    "longer than 255 bytes with its port", text);
	}
	return OPS_OK;
}

int
adhoc_host_is_name(const char *name)
{
	return name != NULL && strchr(name, ':') != NULL;
}

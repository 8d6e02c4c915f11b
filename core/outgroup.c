/*
 * outgroup.c: fold identical outputs across targets; see outgroup.h.
 */
#include "config.h"

#include <ctype.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "outgroup.h"
#include "xmalloc.h"

static void
outgroup_digest(const struct outgroup_item *it, unsigned char d[32])
{
	crypto_generichash_state st;
	unsigned char hdr[20];
	uint64_t ol = it->outlen, el = it->errlen;
	int i;

	for (i = 0; i < 8; i++) {
		hdr[i] = (unsigned char)(ol >> (8 * i));
		hdr[8 + i] = (unsigned char)(el >> (8 * i));
	}
	for (i = 0; i < 4; i++)
		hdr[16 + i] = (unsigned char)((unsigned)it->exit_status >>
		    (8 * i));
	crypto_generichash_init(&st, NULL, 0, 32);
	crypto_generichash_update(&st, hdr, sizeof(hdr));
	if (it->outlen)
		crypto_generichash_update(&st, it->out, it->outlen);
	if (it->errlen)
		crypto_generichash_update(&st, it->err, it->errlen);
	crypto_generichash_final(&st, d, 32);
}

static int
outgroup_same(const struct outgroup_item *a, const struct outgroup_item *b)
{
	return a->exit_status == b->exit_status && a->outlen == b->outlen &&
	    a->errlen == b->errlen &&
	    (a->outlen == 0 || memcmp(a->out, b->out, a->outlen) == 0) &&
	    (a->errlen == 0 || memcmp(a->err, b->err, a->errlen) == 0);
}

int
outgroup_fold(const struct outgroup_item *items, size_t n,
    struct outgroup_set **out, struct ops_err *err)
{
	struct outgroup_set *set;
	struct outgroup *g;
	unsigned char d[32];
	size_t i, j;
	int rc = 0;

	*out = NULL;
	if ((set = ops_calloc(1, sizeof(*set))) == NULL)
		return ops_err_errno(err, OPS_E_NOMEM, "allocate output groups");
	if (n > 0 &&
	    (set->groups = ops_calloc(n, sizeof(*set->groups))) == NULL) {
		rc = ops_err_errno(err, OPS_E_NOMEM,
		    "allocate %zu output groups", n);
		goto out;
	}
	for (i = 0; i < n; i++) {
		outgroup_digest(&items[i], d);
		g = NULL;
		for (j = 0; j < set->ngroups; j++) {
			if (memcmp(set->groups[j].digest, d, 32) == 0 &&
			    outgroup_same(&items[set->groups[j].first],
			    &items[i])) {
				g = &set->groups[j];
				break;
			}
		}
		if (g == NULL) {
			g = &set->groups[set->ngroups++];
			g->first = i;
			memcpy(g->digest, d, 32);
			if ((g->members = ops_calloc(n - i,
			    sizeof(*g->members))) == NULL) {
				rc = ops_err_errno(err, OPS_E_NOMEM,
				    "allocate output group members");
				goto out;
			}
		}
		g->members[g->nmembers++] = i;
	}
	*out = set;
	set = NULL;
out:
	outgroup_free(set);
	return rc;
}

void
outgroup_free(struct outgroup_set *set)
{
	size_t i;

	if (set == NULL)
		return;
	for (i = 0; i < set->ngroups; i++)
		free(set->groups[i].members);
	free(set->groups);
	free(set);
}

/* Split name into prefix length and numeric suffix; 0 when none. */
static int
outgroup_split(const char *name, size_t *plen, unsigned long *num)
{
	size_t len = strlen(name), i = len;

	while (i > 0 && isdigit((unsigned char)name[i - 1]))
		i--;
	if (i == len || len - i > 9 || (name[i] == '0' && len - i > 1))
		return 0;
	*plen = i;
	*num = strtoul(name + i, NULL, 10);
	return 1;
}

static void
outgroup_put(char *buf, size_t len, size_t *pos, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

static void
outgroup_put(char *buf, size_t len, size_t *pos, const char *fmt, ...)
{
	va_list ap;
	int r;

	if (*pos >= len)
		return;
	va_start(ap, fmt);
	r = vsnprintf(buf + *pos, len - *pos, fmt, ap);
	va_end(ap);
	if (r < 0 || (size_t)r >= len - *pos) {
		*pos = len;
		if (len >= 4)
			memcpy(buf + len - 4, "...", 4);
		return;
	}
	*pos += (size_t)r;
}

char *
outgroup_names(const struct outgroup *g, const struct outgroup_item *items,
    char *buf, size_t len)
{
	size_t i = 0, pos = 0, pl, pl2;
	unsigned long a, b, c;
	const char *name;
	int first = 1;

	if (len == 0)
		return buf;
	buf[0] = '\0';
	while (i < g->nmembers) {
		name = items[g->members[i]].target;
		if (!first)
			outgroup_put(buf, len, &pos, ",");
		first = 0;
		if (!outgroup_split(name, &pl, &a)) {
			outgroup_put(buf, len, &pos, "%s", name);
			i++;
			continue;
		}
		/* Collect following members with the same prefix. */
		outgroup_put(buf, len, &pos, "%.*s", (int)pl, name);
		if (i + 1 >= g->nmembers ||
		    !outgroup_split(items[g->members[i + 1]].target, &pl2,
		    &c) || pl2 != pl ||
		    strncmp(items[g->members[i + 1]].target, name, pl) != 0) {
			outgroup_put(buf, len, &pos, "%lu", a);
			i++;
			continue;
		}
		outgroup_put(buf, len, &pos, "[");
		b = a;
		i++;
		for (;;) {
			int more = i < g->nmembers &&
			    outgroup_split(items[g->members[i]].target, &pl2,
			    &c) && pl2 == pl &&
			    strncmp(items[g->members[i]].target, name, pl) == 0;

			if (more && c == b + 1) {
				b = c;
				i++;
				continue;
			}
			if (a == b)
				outgroup_put(buf, len, &pos, "%lu", a);
			else
				outgroup_put(buf, len, &pos, "%lu-%lu", a, b);
			if (!more)
				break;
			outgroup_put(buf, len, &pos, ",");
			a = b = c;
			i++;
		}
		outgroup_put(buf, len, &pos, "]");
	}
	return buf;
}

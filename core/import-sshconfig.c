/*
 * import-sshconfig.c: hosts from an ssh_config(5) file (import.h).
 *
 * Two passes, as ssh reads its configuration: the first splits the file
 * into blocks (the lines before the first Host, then one per Host or
 * Match line), each with its patterns and the first value of every
 * keyword we read; the second walks, for every concrete alias, the
 * blocks that match it in file order and takes each keyword's first
 * value.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "import.h"
#include "xmalloc.h"

#define BLOCK_MAX	256	/* aliases on one Host line */
#define BLOCKS_MAX	20000	/* Host and Match lines in one file */
#define PATTERNS_MAX	20000	/* patterns over all Host lines */
#define WILD_MAX	2000	/* Host lines with a wildcard or ! */

enum kw {
	KW_HOSTNAME,
	KW_PORT,
	KW_USER,
	KW_IDENTITY,
	KW_PROXYJUMP,
	KW_PROXYCOMMAND,
	KW_N
};

static const char *const kw_names[KW_N] = {
	"HostName", "Port", "User", "IdentityFile", "ProxyJump",
	"ProxyCommand",
};

/* Keywords that change how a host is reached and that opsicle ignores. */
static const char *const ignored_kws[] = {
	"CertificateFile", "HostKeyAlias", "BindAddress", "BindInterface",
	"PKCS11Provider", "SecurityKeyProvider", "IdentityAgent",
	"AddressFamily", "CanonicalizeHostname", "KnownHostsCommand",
	"RemoteCommand", "LocalCommand",
};

struct value {
	char		*v;		/* NULL: not set in this block */
	unsigned	 line;
};

struct block {
	char		**pat;		/* NULL-free list; npat 0: global */
	size_t		  npat;
	int		  match;	/* a Match block: applies to nothing */
	int		  global;	/* the lines before the first Host */
	struct value	  kw[KW_N];
	unsigned	  more_ids;
	unsigned	  line;	/* IdentityFile lines after the first */
};

/* The blocks a host is named in, by index (ascending). */
struct own {
	size_t	*v;
	size_t	 n;
};

/*
 * Each host is checked against the blocks with wildcards (and the
 * global one) only; the blocks that name it are on its own list, so the
 * work is hosts x wildcard blocks, not hosts x blocks.
 */
struct state {
	struct import_list	 l;
	struct block		*b;
	size_t			 nb;
	size_t			 npatterns;
	struct own		*own;		/* per host of l */
	size_t			 nown;
	size_t			*wild;		/* blocks to match */
	size_t			 nwild;
	const char		*source;
	unsigned		 warned_ignored;	/* bit per ignored_kws */
};

/* Split one "Key value" / "Key=value" line; 0 when blank or comment. */
static int
split(char *line, char **key, char **rest)
{
	char	*p = line, *k;

	while (*p == ' ' || *p == '\t')
		p++;
	if (*p == '\0' || *p == '#')
		return 0;
	k = p;
	while (*p != '\0' && *p != ' ' && *p != '\t' && *p != '=')
		p++;
	if (*p != '\0') {
		*p++ = '\0';
		while (*p == ' ' || *p == '\t')
			p++;
		if (*p == '=')
			p++;
		while (*p == ' ' || *p == '\t')
			p++;
	}
	*key = k;
	*rest = p;
	return 1;
}

/* The next (possibly double-quoted) word of *p; NULL at the end. */
static char *
word(char **p, int *bad)
{
	char	*s = *p, *w;

	*bad = 0;
	while (*s == ' ' || *s == '\t')
		s++;
	if (*s == '\0' || *s == '#')
		return NULL;
	if (*s == '"') {
		w = ++s;
		while (*s != '\0' && *s != '"')
			s++;
		if (*s != '"') {
			*bad = 1;
			return NULL;
		}
		*s++ = '\0';
	} else {
		w = s;
		while (*s != '\0' && *s != ' ' && *s != '\t')
			s++;
		if (*s != '\0')
			*s++ = '\0';
	}
	*p = s;
	return w;
}

/*
 * value with the per-host tokens replaced: %h by host, %n by the alias,
 * %p by the port and %r by the user; %% stays %% when keep_pct (for the
 * client's %d and %u) or becomes %; other tokens are kept. Writes to out
 * when not NULL; returns the length.
 */
static size_t
expand_into(const char *value, const char *alias, const char *host,
    const char *port, const char *user, int keep_pct, char *out)
{
	const char	*rep;
	size_t		 i, o = 0;

	for (i = 0; value[i] != '\0'; i++) {
		rep = NULL;
		if (value[i] == '%') {
			switch (value[i + 1]) {
			case 'h':
				rep = host;
				break;
			case 'n':
				rep = alias;
				break;
			case 'p':
				rep = port;
				break;
			case 'r':
				rep = user;
				break;
			case '%':
				rep = keep_pct ? "%%" : "%";
				break;
			}
		}
		if (rep != NULL) {
			if (out != NULL)
				memcpy(out + o, rep, strlen(rep));
			o += strlen(rep);
			i++;
		} else {
			if (out != NULL)
				out[o] = value[i];
			o++;
		}
	}
	if (out != NULL)
		out[o] = '\0';
	return o;
}

static char *
expand(const char *value, const char *alias, const char *host, int port,
    const char *user, int keep_pct)
{
	char	 pbuf[16], *out;
	size_t	 n;

	snprintf(pbuf, sizeof(pbuf), "%d", port != 0 ? port : 22);
	n = expand_into(value, alias, host, pbuf, user, keep_pct, NULL);
	out = xmalloc(n + 1);
	expand_into(value, alias, host, pbuf, user, keep_pct, out);
	return out;
}

static int
lc(int c)
{
	return c >= 'A' && c <= 'Z' ? c + ('a' - 'A') : c;
}

/* ssh's match_pattern: '*' any run, '?' one character, no case. */
static int
glob_match(const char *s, const char *p)
{
	const char	*star = NULL, *mark = NULL;

	while (*s != '\0') {
		if (*p == '*') {
			star = p++;
			mark = s;
		} else if (*p != '\0' && (*p == '?' || lc(*p) == lc(*s))) {
			p++;
			s++;
		} else if (star != NULL) {
			p = star + 1;
			s = ++mark;
		} else
			return 0;
	}
	while (*p == '*')
		p++;
	return *p == '\0';
}

/* ssh's match_pattern_list: a negated match wins, else any positive. */
static int
block_matches(const struct block *b, const char *alias)
{
	size_t	i;
	int	pos = 0;

	if (b->global)
		return 1;
	if (b->match)
		return 0;
	for (i = 0; i < b->npat; i++) {
		if (b->pat[i][0] == '!') {
			if (glob_match(alias, b->pat[i] + 1))
				return 0;
		} else if (glob_match(alias, b->pat[i]))
			pos = 1;
	}
	return pos;
}

static struct block *
new_block(struct state *st, unsigned lineno, struct ops_err *err)
{
	struct block	*b;

	if (st->nb >= BLOCKS_MAX) {
		ops_err_set(err, OPS_E_TOOBIG, "%s:%u: more than %d Host and "
		    "Match blocks", st->source, lineno, BLOCKS_MAX);
		return NULL;
	}
	st->b = xreallocarray(st->b, st->nb + 1, sizeof(*st->b));
	b = &st->b[st->nb++];
	memset(b, 0, sizeof(*b));
	b->line = lineno;
	return b;
}

static void
free_blocks(struct state *st)
{
	size_t	i, j;

	for (i = 0; i < st->nb; i++) {
		for (j = 0; j < st->b[i].npat; j++)
			free(st->b[i].pat[j]);
		free(st->b[i].pat);
		for (j = 0; j < KW_N; j++)
			free(st->b[i].kw[j].v);
	}
	free(st->b);
	st->b = NULL;
	st->nb = 0;
	for (i = 0; i < st->nown; i++)
		free(st->own[i].v);
	free(st->own);
	free(st->wild);
}

/* A "Host" line: a new block, and a host for every concrete alias. */
static int
add_wild(struct state *st, size_t block, unsigned lineno, struct ops_err *err)
{
	/* The global block is one more. */
	if (st->nwild >= WILD_MAX + 1)
		return ops_err_set(err, OPS_E_TOOBIG, "%s:%u: more than %d "
		    "Host lines with wildcards", st->source, lineno, WILD_MAX);
	st->wild = xreallocarray(st->wild, st->nwild + 1, sizeof(*st->wild));
	st->wild[st->nwild++] = block;
	return OPS_OK;
}

static int
host_line(struct state *st, char *rest, unsigned lineno, struct ops_err *err)
{
	struct import_host	*h;
	struct block		*b;
	struct own		*o;
	char			*w;
	size_t			 hosts[BLOCK_MAX], nh = 0, before, i;
	int			 bad, wild = 0;

	if ((b = new_block(st, lineno, err)) == NULL)
		return err != NULL ? err->code : OPS_E_TOOBIG;
	while ((w = word(&rest, &bad)) != NULL) {
		if (b->npat == BLOCK_MAX)
			return ops_err_set(err, OPS_E_INVAL, "%s:%u: more "
			    "than %d names on one Host line", st->source,
			    lineno, BLOCK_MAX);
		if (++st->npatterns > PATTERNS_MAX)
			return ops_err_set(err, OPS_E_TOOBIG, "%s:%u: more "
			    "than %d Host patterns", st->source, lineno,
			    PATTERNS_MAX);
		b->pat = xreallocarray(b->pat, b->npat + 1, sizeof(*b->pat));
		b->pat[b->npat++] = xstrdup(w);
		if (strpbrk(w, "*?!") != NULL) {
			wild = 1;
			continue;
		}
		before = st->l.n;
		if ((h = import_host_get(&st->l, w, lineno, err,
		    st->source)) == NULL)
			return err != NULL ? err->code : OPS_E_NOMEM;
		if (st->l.n != before) {
			st->own = xreallocarray(st->own, st->l.n,
			    sizeof(*st->own));
			memset(&st->own[before], 0, sizeof(*st->own));
			st->nown = st->l.n;
		}
		hosts[nh++] = (size_t)(h - st->l.v);
	}
	if (bad)
		return ops_err_set(err, OPS_E_INVAL, "%s:%u: unterminated "
		    "quote", st->source, lineno);
	if (wild)
		return add_wild(st, st->nb - 1, lineno, err);
	for (i = 0; i < nh; i++) {
		o = &st->own[hosts[i]];
		if (o->n > 0 && o->v[o->n - 1] == st->nb - 1)
			continue;
		o->v = xreallocarray(o->v, o->n + 1, sizeof(*o->v));
		o->v[o->n++] = st->nb - 1;
	}
	return OPS_OK;
}

/* A keyword line inside the current block. */
static int
keyword_line(struct state *st, const char *key, char *rest, unsigned lineno,
    struct ops_err *err)
{
	struct block	*b = &st->b[st->nb - 1];
	char		*v;
	size_t		 k, n;
	int		 bad, port;

	for (k = 0; k < KW_N; k++)
		if (strcasecmp(key, kw_names[k]) == 0)
			break;
	if (k == KW_N) {
		n = sizeof(ignored_kws) / sizeof(ignored_kws[0]);
		for (k = 0; k < n; k++)
			if (strcasecmp(key, ignored_kws[k]) == 0)
				break;
		if (k < n && !(st->warned_ignored & (1u << k))) {
			st->warned_ignored |= 1u << k;
			import_warn(&st->l, st->source, lineno, "%s ignored: "
			    "opsicle does not use it (hosts that need it may "
			    "not be reachable as imported)", ignored_kws[k]);
		}
		return OPS_OK;
	}
	/* ProxyCommand takes the rest of the line, unsplit. */
	if (k == KW_PROXYCOMMAND) {
		v = rest;
		bad = 0;
		if (*v == '\0')
			v = NULL;
	} else
		v = word(&rest, &bad);
	if (bad || v == NULL)
		return ops_err_set(err, OPS_E_INVAL, "%s:%u: %s %s",
		    st->source, lineno, key, bad ? "has an unterminated "
		    "quote" : "needs a value");
	if (k == KW_PORT && import_port(v, st->source, lineno, &port,
	    err) != OPS_OK)
		return err != NULL ? err->code : OPS_E_INVAL;
	if (b->kw[k].v != NULL) {
		if (k == KW_IDENTITY)
			b->more_ids++;
		return OPS_OK;
	}
	b->kw[k].v = xstrndup(v, 512);
	b->kw[k].line = lineno;
	return OPS_OK;
}

/* Settings of host h: the first value of each keyword over its blocks. */
static void
resolve(struct state *st, struct import_host *h)
{
	const struct own	*own = &st->own[h - st->l.v];
	const struct value	*got[KW_N];
	const char		*v;
	size_t			 i, k, w = 0, j = 0;
	unsigned		 ids = 0;

	memset(got, 0, sizeof(got));
	/* Both lists ascend: walk them together, in file order. */
	while (w < st->nwild || j < own->n) {
		if (j == own->n || (w < st->nwild && st->wild[w] < own->v[j])) {
			i = st->wild[w++];
			if (!block_matches(&st->b[i], h->name))
				continue;
		} else
			i = own->v[j++];
		for (k = 0; k < KW_N; k++) {
			if (st->b[i].kw[k].v == NULL)
				continue;
			if (got[k] == NULL)
				got[k] = &st->b[i].kw[k];
			else if (k == KW_IDENTITY)
				ids++;
		}
		if (got[KW_IDENTITY] != NULL)
			ids += st->b[i].more_ids;
	}
	if (got[KW_PORT] != NULL)
		(void)import_port(got[KW_PORT]->v, st->source, 0, &h->port,
		    NULL);
	if (got[KW_USER] != NULL)
		h->user = xstrdup(got[KW_USER]->v);
	h->host = got[KW_HOSTNAME] != NULL ? expand(got[KW_HOSTNAME]->v,
	    h->name, h->name, 0, NULL, 0) : xstrdup(h->name);
	if ((v = got[KW_IDENTITY] != NULL ? got[KW_IDENTITY]->v : NULL) !=
	    NULL && strcasecmp(v, "none") != 0) {
		h->identity = expand(v, h->name, h->host, h->port,
		    h->user != NULL ? h->user : "%u", 1);
		if (ids > 0)
			import_warn(&st->l, st->source, got[KW_IDENTITY]->line,
			    "host %s: only its first IdentityFile, %.128s, is "
			    "used (%u more ignored)", h->name, h->identity,
			    ids);
	}
	/* Whichever of ProxyJump and ProxyCommand comes first wins, as in
	 * ssh; "none" means direct. */
	k = got[KW_PROXYCOMMAND] != NULL && (got[KW_PROXYJUMP] == NULL ||
	    got[KW_PROXYCOMMAND]->line < got[KW_PROXYJUMP]->line) ?
	    KW_PROXYCOMMAND : KW_PROXYJUMP;
	if (got[k] != NULL && strcasecmp(got[k]->v, "none") != 0)
		h->proxy = xasprintf("%s %.128s (%s:%u)", kw_names[k],
		    got[k]->v, st->source, got[k]->line);
}

/* Wildcard and negated patterns that match no alias of the file. */
static void
unused_patterns(struct state *st)
{
	const char	*p;
	size_t		 i, j, k;

	for (i = 0; i < st->nb; i++) {
		for (j = 0; j < st->b[i].npat; j++) {
			p = st->b[i].pat[j];
			if (strpbrk(p, "*?!") == NULL)
				continue;
			for (k = 0; k < st->l.n; k++)
				if (glob_match(st->l.v[k].name,
				    p + (p[0] == '!')))
					break;
			if (k == st->l.n)
				import_warn(&st->l, st->source,
				    st->b[i].line, "skipped pattern "
				    "\"%.64s\": it matches no Host alias of "
				    "this file", p);
		}
	}
}

int
import_sshconfig_parse(const char *text, size_t len, const char *source,
    struct import_list *out, struct ops_err *err)
{
	struct state	 st;
	struct block	*b;
	char		*line, *key, *rest;
	size_t		 off = 0, i;
	unsigned	 lineno = 0;
	int		 rc = OPS_OK, in_match = 0;

	memset(&st, 0, sizeof(st));
	memset(out, 0, sizeof(*out));
	st.source = source;
	line = xmalloc(IMPORT_LINE_MAX + 2);
	if ((b = new_block(&st, 0, err)) == NULL) {
		rc = OPS_E_TOOBIG;
		goto out;
	}
	b->global = 1;
	(void)add_wild(&st, 0, 0, NULL);
	while (off < len) {
		lineno++;
		if ((rc = import_next_line(text, len, &off, line,
		    IMPORT_LINE_MAX + 2, source, lineno, err)) != OPS_OK)
			goto out;
		if (!split(line, &key, &rest))
			continue;
		if (strcasecmp(key, "Host") == 0) {
			in_match = 0;
			if ((rc = host_line(&st, rest, lineno, err)) != OPS_OK)
				goto out;
		} else if (strcasecmp(key, "Match") == 0) {
			if ((b = new_block(&st, lineno, err)) == NULL) {
				rc = err != NULL ? err->code : OPS_E_TOOBIG;
				goto out;
			}
			b->match = 1;
			if (!in_match)
				import_warn(&st.l, source, lineno, "skipped "
				    "Match block");
			in_match = 1;
		} else if (strcasecmp(key, "Include") == 0)
			import_warn(&st.l, source, lineno, "Include not "
			    "followed");
		else if ((rc = keyword_line(&st, key, rest, lineno,
		    err)) != OPS_OK)
			goto out;
	}
	for (i = 0; i < st.l.n; i++)
		resolve(&st, &st.l.v[i]);
	unused_patterns(&st);
	*out = st.l;
	memset(&st.l, 0, sizeof(st.l));
	rc = OPS_OK;
out:
	free(line);
	free_blocks(&st);
	import_list_free(&st.l);
	return rc;
}

/*
 * discover.c: scans for SSH servers ("opsicle discover"), on the
 * daemon's loop.
 *
 * A scan walks its ranges address by address and, for each address,
 * its ports. Each address x port is one probe: a TCP connect, the
 * server's identification line and the host key it presents, with one
 * deadline, through core/ssh-keyscan.c (one single-target keyscan per
 * probe, so this file only decides when probes start). Two bounds hold
 * at all times: at most concurrency probes open, and at most rate
 * probes started per second (a token bucket refilled by a timer, at most
 * a tenth of a second of tokens saved up).
 *
 * A server found is compared with the targets known when the scan
 * started (same address, numerically, and port) and their keys, and
 * sent to the requester at once as a discover-found event. With add, a
 * server at no target's address becomes a target (named after its
 * address, "-pPORT" for a port other than 22) with the key it presented
 * pending: in one transaction with its "target.add" audit record, as
 * target add and a refused scan store them (nothing is ever trusted
 * here; hostkey accept does that). When every probe has ended the
 * request gets its ok with the counts and the scan is audited
 * ("discover"). A requester that goes away stops the scan: no probe
 * starts after that, and the scan ends when the open ones end.
 */
#include "config.h"

#include <sys/socket.h>
#include <netinet/in.h>
#include <arpa/inet.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "daemon.h"
#include "ssh-keyscan.h"

#define DISCOVER_TICK_MS	10

struct dscan;

struct dprobe {
	struct dscan		*s;
	struct ssh_keyscan	*ks;
	char			 addr[DISCOVER_ADDR_MAX];
	unsigned		 port;
	struct dprobe		*prev, *next;
};

struct dscan {
	struct ops_ctx		*ctx;
	struct discover		*owner;
	struct dscan		*next;
	struct client_defer	*d;
	char			 actor[64];
	struct discover_spec	 spec;		/* arrays owned below */
	struct discover_range	*ranges;
	unsigned		*ports;
	char			**tags;
	char			*user, *cred;
	/* the cursor: the next probe is ranges[ri] address ai, ports[pi] */
	size_t			 ri, pi;
	uint64_t		 ai;
	int			 fed;		/* every probe started */
	double			 tokens;
	long long		 last_ms, started_ms;
	long long		 timer;
	size_t			 active;
	struct dprobe		*probes;
	struct store_target_list known;		/* at the start */
	long long		 nprobes, nopen, nfound, nknown, ndiffers;
	json_t			*added, *add_errors;
};

struct discover {
	struct dscan		*scans;
};

static void	scan_pump(struct dscan *s);

static void
scan_free(struct dscan *s)
{
	struct dprobe	*p, *next;
	size_t		 i;

	if (s == NULL)
		return;
	if (s->timer != 0)
		evloop_timer_del(s->ctx->loop, s->timer);
	for (p = s->probes; p != NULL; p = next) {
		next = p->next;
		ssh_keyscan_free(p->ks);
		free(p);
	}
	for (i = 0; s->tags != NULL && i < s->spec.ntags; i++)
		free(s->tags[i]);
	free(s->tags);
	free(s->ranges);
	free(s->ports);
	free(s->user);
	free(s->cred);
	store_target_list_free(&s->known);
	json_decref(s->added);
	json_decref(s->add_errors);
	free(s);
}

/* Take s off its owner's list. */
static void
scan_unlink(struct dscan *s)
{
	struct dscan	**sp;

	for (sp = &s->owner->scans; *sp != NULL; sp = &(*sp)->next)
		if (*sp == s) {
			*sp = s->next;
			break;
		}
}

/* ---- what a server found is -------------------------------------------- */

/* Numeric addresses compare as addresses ("::1" is "0::1"). */
static int
same_addr(const char *host, const char *addr)
{
	unsigned char	a[16], b[16];
	int		fam;

	if (strcmp(host, addr) == 0)
		return 1;
	fam = strchr(addr, ':') != NULL ? AF_INET6 : AF_INET;
	return inet_pton(fam, host, a) == 1 && inet_pton(fam, addr, b) == 1 &&
	    memcmp(a, b, fam == AF_INET ? 4 : 16) == 0;
}

static const struct store_target *
known_target(const struct dscan *s, const char *addr, unsigned port)
{
	size_t	i;

	for (i = 0; i < s->known.n; i++)
		if ((unsigned)(s->known.v[i].port != 0 ? s->known.v[i].port :
		    22) == port && same_addr(s->known.v[i].host, addr))
			return &s->known.v[i];
	return NULL;
}

/* "known", "differs", "unverified", "pending" or "unknown" for target t
 * presenting hk (see core/proto.h, discover-found). */
static const char *
key_status(struct ops_ctx *ctx, const struct store_target *t,
    const struct hostkey *hk)
{
	struct store_hostkey_list		 kl = { NULL, 0 };
	struct store_hostkey_pending_list	 pl = { NULL, 0 };
	const char				*st = "unknown";
	size_t					 i;

	if (ctx->store == NULL ||
	    store_hostkey_list(ctx->store, t->name, &kl, NULL) != OPS_OK)
		return "unknown";
	for (i = 0; i < kl.n; i++) {
		if (strcmp(kl.v[i].fp, hk->fp) == 0) {
			st = "known";
			break;
		}
		if (strcmp(kl.v[i].type, hk->type) == 0)
			st = "differs";
		else if (strcmp(st, "unknown") == 0)
			st = "unverified";
	}
	if (kl.n == 0 && store_hostkey_pending_list(ctx->store, t->name, &pl,
	    NULL) == OPS_OK) {
		for (i = 0; i < pl.n; i++)
			if (strcmp(pl.v[i].fp, hk->fp) == 0)
				st = "pending";
	}
	store_hostkey_list_free(&kl);
	store_hostkey_pending_list_free(&pl);
	return st;
}

/* "127.0.0.5", "127.0.0.5-p2222", "fd00--1" (':' is no name character). */
static void
add_name(const char *addr, unsigned port, char *buf, size_t len)
{
	size_t	i;

	if (port == 22)
		snprintf(buf, len, "%s", addr);
	else
		snprintf(buf, len, "%s-p%u", addr, port);
	for (i = 0; buf[i] != '\0'; i++)
		if (buf[i] == ':')
			buf[i] = '-';
}

/* A new target for the server at p with r's key pending, audited, in one
 * transaction; its name into name. */
static int
scan_add(struct dscan *s, const struct dprobe *p,
    const struct ssh_keyscan_result *r, char *name, size_t len,
    struct ops_err *err)
{
	struct ops_ctx			*ctx = s->ctx;
	struct store_target_spec	 ts;
	char				 detail[256];
	int				 rc;

	add_name(p->addr, p->port, name, len);
	if (ctx->store == NULL)
		return ops_err_set(err, OPS_E_LOCKED, "add target %s: the "
		    "store is locked", name);
	memset(&ts, 0, sizeof(ts));
	ts.name = name;
	ts.host = p->addr;
	ts.port = (int)p->port;
	ts.user = s->user;
	ts.credential = s->cred;
	ts.tags = (const char *const *)s->tags;
	ts.ntags = s->spec.ntags;
	snprintf(detail, sizeof(detail), "discovered at %s port %u; host key "
	    "%s %s pending", p->addr, p->port, r->hk.type, r->hk.fp);
	if ((rc = store_tx_begin(ctx->store, err)) != OPS_OK)
		return rc;
	if ((rc = store_target_add(ctx->store, &ts, NULL, err)) == OPS_OK &&
	    (rc = store_hostkey_pending_set(ctx->store, name, r->hk.type,
	    r->hk.fp, r->blob, r->blob_len, err)) == OPS_OK &&
	    (rc = audit_append(ctx, s->actor, "target.add", name, detail,
	    "ok", err)) == OPS_OK &&
	    (rc = store_tx_commit(ctx->store, err)) == OPS_OK)
		return OPS_OK;
	store_tx_rollback(ctx->store);
	return rc;
}

/* A server answered p with a key: count it, add it, tell the requester. */
static void
scan_found(struct dscan *s, const struct dprobe *p,
    const struct ssh_keyscan_result *r)
{
	const struct store_target	*t = known_target(s, p->addr, p->port);
	const char			*ks = "new";
	char				 name[OPS_PROTO_MAX_NAME + 1] = "";
	struct ops_err			 err;
	json_t				*ev;
	int				 added = 0, failed = 0;

	s->nfound++;
	if (t != NULL) {
		s->nknown++;
		ks = key_status(s->ctx, t, &r->hk);
		if (strcmp(ks, "differs") == 0) {
			s->ndiffers++;
			log_warnx(&s->ctx->log, "discover: %s at %s port %u "
			    "presents %s %s, not its known key", t->name,
			    p->addr, p->port, r->hk.type, r->hk.fp);
		}
	} else if (s->spec.add) {
		if (scan_add(s, p, r, name, sizeof(name), &err) == OPS_OK) {
			added = 1;
			json_array_append_new(s->added, json_string(name));
		} else {
			failed = 1;
			json_array_append_new(s->add_errors, json_pack(
			    "{s:s, s:s}", "name", name, "error",
			    ops_err_msg(&err)));
		}
	}
	if (!client_defer_alive(s->d) ||
	    (ev = proto_msg_new(PROTO_DISCOVER_FOUND, 0)) == NULL)
		return;
	if (proto_add_str(ev, "address", p->addr, NULL) == OPS_OK &&
	    proto_add_int(ev, "port", p->port, NULL) == OPS_OK &&
	    (r->banner[0] == '\0' || proto_add_str(ev, "banner", r->banner,
	    NULL) == OPS_OK) &&
	    proto_add_str(ev, "key_type", r->hk.type, NULL) == OPS_OK &&
	    proto_add_str(ev, "fingerprint", r->hk.fp, NULL) == OPS_OK &&
	    (t == NULL || proto_add_str(ev, "target", t->name, NULL) ==
	    OPS_OK) &&
	    proto_add_str(ev, "key", ks, NULL) == OPS_OK &&
	    proto_add_bool(ev, "differs", strcmp(ks, "differs") == 0,
	    NULL) == OPS_OK &&
	    (!added || proto_add_str(ev, "added", name, NULL) == OPS_OK) &&
	    (!failed || proto_add_str(ev, "add_error", ops_err_msg(&err),
	    NULL) == OPS_OK))
		client_defer_send(s->d, ev);
	json_decref(ev);
}

/* ---- the end ------------------------------------------------------------ */

static void
scan_finish(struct dscan *s)
{
	json_t		*res, *ranges, *ports;
	char		 f[DISCOVER_RANGE_TEXT_MAX + 8], detail[512];
	size_t		 i, o = 0;

	ranges = json_array();
	ports = json_array();
	for (i = 0; ranges != NULL && i < s->spec.nranges; i++) {
		discover_range_format(&s->ranges[i], f, sizeof(f));
		json_array_append_new(ranges, json_string(f));
		if (o < sizeof(detail) - 1)
			o += (size_t)snprintf(detail + o, sizeof(detail) - o,
			    "%s%s", i > 0 ? " " : "", f);
	}
	for (i = 0; ports != NULL && i < s->spec.nports; i++)
		json_array_append_new(ports, json_integer(s->ports[i]));
	if (o < sizeof(detail) - 1)
		snprintf(detail + o, sizeof(detail) - o, ": %lld probes, %lld "
		    "found, %zu added", s->nprobes, s->nfound,
		    json_array_size(s->added));
	if (s->ctx->store != NULL)
		(void)audit_append(s->ctx, s->actor, "discover", "-", detail,
		    "ok", NULL);
	res = json_pack("{s:o?, s:o?, s:I, s:I, s:I, s:I, s:I, s:O, s:O, "
	    "s:I}", "ranges", ranges, "ports", ports,
	    "probes", (json_int_t)s->nprobes, "open", (json_int_t)s->nopen,
	    "found", (json_int_t)s->nfound, "known", (json_int_t)s->nknown,
	    "differs", (json_int_t)s->ndiffers, "added", s->added,
	    "add_errors", s->add_errors, "elapsed_ms",
	    (json_int_t)(evloop_now_ms() - s->started_ms));
	if (res == NULL)
		client_defer_error(s->d, OPS_E_NOMEM, "discover: build reply");
	else
		client_defer_ok(s->d, res);
	s->d = NULL;
	scan_unlink(s);
	scan_free(s);
}

/* When nothing is open and nothing more will start: the end. */
static void
scan_check_end(struct dscan *s)
{
	if (s->active == 0 && (s->fed || !client_defer_alive(s->d)))
		scan_finish(s);
}

/* ---- probes -------------------------------------------------------------- */

static void
probe_done(struct ssh_keyscan *ks, void *arg)
{
	struct dprobe			*p = arg;
	struct dscan			*s = p->s;
	const struct ssh_keyscan_result	*r = ssh_keyscan_result(ks, 0);

	if (r != NULL && r->ok) {
		s->nopen++;
		scan_found(s, p, r);
	} else if (r != NULL && r->cls == SSH_CLASS_HANDSHAKE)
		s->nopen++;		/* something listens, not SSH */
	if (p->prev != NULL)
		p->prev->next = p->next;
	else
		s->probes = p->next;
	if (p->next != NULL)
		p->next->prev = p->prev;
	ssh_keyscan_free(ks);
	free(p);
	s->active--;
	scan_pump(s);
	scan_check_end(s);
}

/* The address and port under the cursor into p; advance. 0 at the end. */
static int
scan_next(struct dscan *s, struct dprobe *p)
{
	while (s->ri < s->spec.nranges &&
	    s->ai >= discover_range_count(&s->ranges[s->ri])) {
		s->ri++;
		s->ai = 0;
	}
	if (s->ri >= s->spec.nranges)
		return 0;
	(void)discover_range_addr(&s->ranges[s->ri], s->ai, p->addr,
	    sizeof(p->addr));
	p->port = s->ports[s->pi];
	if (++s->pi == s->spec.nports) {
		s->pi = 0;
		s->ai++;
	}
	return 1;
}

static void
probe_start(struct dscan *s)
{
	struct ssh_keyscan_target	 t;
	struct dprobe			*p;

	if ((p = calloc(1, sizeof(*p))) == NULL)
		return;
	if (!scan_next(s, p)) {
		s->fed = 1;
		free(p);
		return;
	}
	s->nprobes++;
	p->s = s;
	memset(&t, 0, sizeof(t));
	t.name = p->addr;
	t.host = p->addr;
	t.port = p->port;
	if (ssh_keyscan_start(s->ctx->loop, &t, 1, s->spec.timeout_ms, 1,
	    probe_done, p, &p->ks, NULL) != OPS_OK) {
		free(p);
		return;
	}
	p->next = s->probes;
	if (s->probes != NULL)
		s->probes->prev = p;
	s->probes = p;
	s->active++;
}

/* Refill the bucket and start what the bounds allow. */
static void
scan_pump(struct dscan *s)
{
	long long	now = evloop_now_ms();
	double		cap = s->spec.rate / 10.0 > 1.0 ? s->spec.rate / 10.0 :
			    1.0;

	s->tokens += (double)(now - s->last_ms) * s->spec.rate / 1000.0;
	if (s->tokens > cap)
		s->tokens = cap;
	s->last_ms = now;
	if (!client_defer_alive(s->d))
		s->fed = 1;
	while (!s->fed && s->tokens >= 1.0 &&
	    s->active < (size_t)s->spec.concurrency) {
		s->tokens -= 1.0;
		probe_start(s);
	}
}

static long long
scan_tick(struct evloop *loop, long long id, void *arg)
{
	struct dscan	*s = arg;

	(void)loop;
	(void)id;
	scan_pump(s);
	if (!s->fed)
		return DISCOVER_TICK_MS;
	s->timer = 0;
	scan_check_end(s);
	return EVLOOP_NOMORE;
}

/* ---- the service --------------------------------------------------------- */

int
discover_init(struct ops_ctx *ctx, struct ops_err *err)
{
	if ((ctx->discover = calloc(1, sizeof(*ctx->discover))) == NULL)
		return ops_err_set(err, OPS_E_NOMEM, "start discovery");
	return OPS_OK;
}

void
discover_free(struct ops_ctx *ctx)
{
	struct dscan	*s, *next;

	if (ctx->discover == NULL)
		return;
	for (s = ctx->discover->scans; s != NULL; s = next) {
		next = s->next;
		client_defer_error(s->d, OPS_E_LOCKED, "opsicled is stopping");
		scan_free(s);
	}
	free(ctx->discover);
	ctx->discover = NULL;
}

static char *
dup_or_null(const char *s, int *bad)
{
	char	*d;

	if (s == NULL)
		return NULL;
	if ((d = strdup(s)) == NULL)
		*bad = 1;
	return d;
}

int
discover_start(struct ops_ctx *ctx, const char *actor,
    const struct discover_spec *spec, struct client_defer *d,
    struct ops_err *err)
{
	struct dscan	*s;
	size_t		 i;
	int		 bad = 0, rc;

	if (ctx->discover == NULL)
		return ops_err_set(err, OPS_E_INTERNAL, "discover: not "
		    "started");
	if ((s = calloc(1, sizeof(*s))) == NULL)
		return ops_err_set(err, OPS_E_NOMEM, "discover");
	s->ctx = ctx;
	s->owner = ctx->discover;
	s->spec = *spec;
	snprintf(s->actor, sizeof(s->actor), "%s", actor);
	s->ranges = calloc(spec->nranges, sizeof(*s->ranges));
	s->ports = calloc(spec->nports, sizeof(*s->ports));
	s->tags = calloc(spec->ntags + 1, sizeof(*s->tags));
	s->added = json_array();
	s->add_errors = json_array();
	s->user = dup_or_null(spec->user, &bad);
	s->cred = dup_or_null(spec->cred, &bad);
	if (s->ranges == NULL || s->ports == NULL || s->tags == NULL ||
	    s->added == NULL || s->add_errors == NULL || bad)
		goto nomem;
	memcpy(s->ranges, spec->ranges, spec->nranges * sizeof(*s->ranges));
	memcpy(s->ports, spec->ports, spec->nports * sizeof(*s->ports));
	for (i = 0; i < spec->ntags; i++)
		if ((s->tags[i] = strdup(spec->tags[i])) == NULL) {
			s->spec.ntags = i;
			goto nomem;
		}
	s->spec.ranges = NULL;
	s->spec.ports = NULL;
	s->spec.tags = NULL;
	s->spec.user = NULL;
	s->spec.cred = NULL;
	if (ctx->store != NULL && (rc = store_target_list(ctx->store, NULL,
	    &s->known, err)) != OPS_OK) {
		scan_free(s);
		return rc;
	}
	s->started_ms = s->last_ms = evloop_now_ms();
	s->tokens = 1.0;
	/* The first probes start from the loop, never inside the handler. */
	if (evloop_timer_add(ctx->loop, 0, scan_tick, s, &s->timer,
	    err) != OPS_OK) {
		scan_free(s);
		return OPS_E_NOMEM;
	}
	s->d = d;
	s->next = ctx->discover->scans;
	ctx->discover->scans = s;
	return OPS_OK;
nomem:
	scan_free(s);
	return ops_err_set(err, OPS_E_NOMEM, "discover");
}

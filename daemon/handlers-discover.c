/*
 * handlers-discover.c: "discover", a scan for SSH servers (discover.c
 * runs it on the loop). The request is checked whole before any probe
 * starts: every range (core/discover-range.h; more than a /16 in all
 * needs force), the ports (1-65535, at most DISCOVER_PORTS_MAX, default
 * 22), timeout, rate and concurrency (defaults: discover.* in
 * opsicle.conf), and with add its tags, user and credential (attaching
 * a credential needs admin, as for target add). The answer is deferred:
 * discover-found events as servers are found, then ok with the counts.
 * The scan writes its own audit records ("discover", and "target.add"
 * for each target add makes).
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "daemon.h"

/* Its row is in dispatch.c, which declares it too. */
handler_fn	handle_discover;

#define S			OPS_PROTO_MAX_NAME
#define DISCOVER_RANGES_MAX	256
#define DISCOVER_PORTS_MAX	64

static int
get_ports(const json_t *msg, unsigned *ports, size_t *n, struct ops_err *err)
{
	const json_t	*a = json_object_get(msg, "ports"), *v;
	size_t		 i;

	*n = 0;
	if (a == NULL || json_array_size(a) == 0) {
		ports[(*n)++] = 22;
		return OPS_OK;
	}
	if (json_array_size(a) > DISCOVER_PORTS_MAX)
		return ops_err_set(err, OPS_E_INVAL, "discover: at most %d "
		    "ports", DISCOVER_PORTS_MAX);
	json_array_foreach(a, i, v) {
		if (!json_is_integer(v) || json_integer_value(v) < 1 ||
		    json_integer_value(v) > 65535)
			return ops_err_set(err, OPS_E_INVAL, "discover: a port "
			    "must be a number 1-65535");
		ports[(*n)++] = (unsigned)json_integer_value(v);
	}
	return OPS_OK;
}

/* An optional integer in min..max, else the config's default. */
static int
get_num(struct ops_ctx *ctx, const json_t *msg, const char *key,
    const char *conf, long long min, long long max, int *out,
    struct ops_err *err)
{
	long long	v;
	int		rc;

	if (!proto_has(msg, key)) {
		*out = (int)config_num(ctx->config, conf);
		return OPS_OK;
	}
	if ((rc = proto_get_int(msg, key, min, max, &v, err)) != OPS_OK)
		return ops_err_set(err, OPS_E_INVAL, "discover: %s must be "
		    "%lld-%lld", key, min, max);
	*out = (int)v;
	return OPS_OK;
}

int
handle_discover(struct ops_ctx *ctx, struct client *c, json_t *msg,
    json_t **result, struct ops_err *err)
{
	struct discover_spec	 spec;
	struct discover_range	*ranges = NULL;
	struct client_defer	*d;
	unsigned		 ports[DISCOVER_PORTS_MAX];
	const char		**rv = NULL, **tags = NULL;
	size_t			 nr = 0, i;
	int			 rc, force = 0;

	(void)result;
	memset(&spec, 0, sizeof(spec));
	if ((rc = proto_get_str_array(msg, "ranges", DISCOVER_RANGES_MAX,
	    DISCOVER_RANGE_TEXT_MAX, &rv, &nr, err)) != OPS_OK)
		goto out;
	if ((ranges = calloc(nr + 1, sizeof(*ranges))) == NULL) {
		rc = ops_err_set(err, OPS_E_NOMEM, "discover");
		goto out;
	}
	for (i = 0; i < nr; i++)
		if ((rc = discover_range_parse(rv[i], &ranges[i], err)) !=
		    OPS_OK)
			goto out;
	if ((proto_has(msg, "force") && (rc = proto_get_bool(msg, "force",
	    &force, err)) != OPS_OK) ||
	    (rc = discover_ranges_check(ranges, nr, force, NULL, err)) !=
	    OPS_OK ||
	    (rc = get_ports(msg, ports, &spec.nports, err)) != OPS_OK ||
	    (rc = get_num(ctx, msg, "timeout", "discover.timeout", 10,
	    600000, &spec.timeout_ms, err)) != OPS_OK ||
	    (rc = get_num(ctx, msg, "rate", "discover.rate", 1, 100000,
	    &spec.rate, err)) != OPS_OK ||
	    (rc = get_num(ctx, msg, "concurrency", "discover.concurrency", 1,
	    4096, &spec.concurrency, err)) != OPS_OK ||
	    (proto_has(msg, "add") && (rc = proto_get_bool(msg, "add",
	    &spec.add, err)) != OPS_OK) ||
	    (proto_has(msg, "tags") && (rc = proto_get_str_array(msg, "tags",
	    STORE_TAGS_MAX, S, &tags, &spec.ntags, err)) != OPS_OK) ||
	    (proto_has(msg, "user") && (rc = proto_get_str(msg, "user",
	    &spec.user, S, err)) != OPS_OK) ||
	    (proto_has(msg, "cred") && (rc = proto_get_str(msg, "cred",
	    &spec.cred, S, err)) != OPS_OK))
		goto out;
	if (!spec.add && (spec.ntags > 0 || spec.user != NULL ||
	    spec.cred != NULL)) {
		rc = ops_err_set(err, OPS_E_INVAL, "discover: tags, user and "
		    "cred are for add");
		goto out;
	}
	if (spec.cred != NULL && *spec.cred != '\0' &&
	    (rc = acl_need_admin(c->role, c->actor, err, "attaching "
	    "credential %s to discovered targets", spec.cred)) != OPS_OK)
		goto out;
	if (spec.cred != NULL && *spec.cred == '\0')
		spec.cred = NULL;
	spec.ranges = ranges;
	spec.nranges = nr;
	spec.ports = ports;
	spec.tags = tags;
	if ((d = client_defer(c, msg)) == NULL) {
		rc = ops_err_set(err, OPS_E_NOMEM, "defer reply");
		goto out;
	}
	/* The answer is d's now, also when the scan cannot start. */
	if ((rc = discover_start(ctx, c->actor, &spec, d, err)) != OPS_OK)
		client_defer_error(d, rc, ops_err_msg(err));
	rc = OPS_OK;
out:
	free(rv);
	free(tags);
	free(ranges);
	return rc;
}

/*
 * jobs-limits.c: the per-run limits a "run" or "automation run" request
 * may set (output cap, connect timeout), checked against opsicle.conf.
 */
#include "config.h"

#include <limits.h>
#include <stddef.h>

#include "daemon.h"

#define OUTPUT_CAP_MIN	1024
#define CONNECT_TIMEOUT_MAX 600			/* seconds, as the config */

/*
 * A run's own limits: output_cap (bytes per stream, up to output-cap-max
 * or output-cap, whichever is larger) and connect_timeout (seconds).
 */
int
run_limits(struct ops_ctx *ctx, json_t *msg, struct job_spec *s,
    struct ops_err *err)
{
	long long	v, max;
	int		rc;

	max = config_num(ctx->config, "output-cap-max");
	if (config_num(ctx->config, "output-cap") > max)
		max = config_num(ctx->config, "output-cap");
	if (proto_has(msg, "output_cap")) {
		if ((rc = proto_get_int(msg, "output_cap", LLONG_MIN,
		    LLONG_MAX, &v, err)) != OPS_OK)
			return rc;
		if (v < OUTPUT_CAP_MIN || v > max)
			return ops_err_set(err, OPS_E_INVAL, "run: the output "
			    "cap must be from %d to %lld bytes (output-cap-max "
			    "in opsicle.conf), not %lld", OUTPUT_CAP_MIN, max,
			    v);
		s->output_cap = (size_t)v;
	}
	if (proto_has(msg, "connect_timeout")) {
		if ((rc = proto_get_int(msg, "connect_timeout", 1,
		    CONNECT_TIMEOUT_MAX, &v, err)) != OPS_OK)
			return rc;
		s->connect_timeout_ms = (int)v * 1000;
	}
	return OPS_OK;
}

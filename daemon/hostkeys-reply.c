/*
 * hostkeys-reply.c: the JSON side of the host key service for "target
 * add" and "target import" with accept_new_hostkey: start the scan,
 * defer the reply and encode the outcomes when it ends. A leaf both
 * handlers use, so neither calls into the other's file.
 */
#include "config.h"

#include <stdlib.h>

#include "daemon.h"

struct scan_reply {
	struct client_defer	*d;
	json_t			*base;		/* the result to extend */
};

json_t *
hostkeys_key_json(const char *target, const char *type, const char *fp)
{
	struct hostkey_rec	k = { .target = target, .type = type,
				    .fingerprint = fp };

	return hostkey_rec_encode(&k);
}

static json_t *
error_json(const char *target, const char *cls, const char *message)
{
	return json_pack("{s:s, s:s, s:s}", "target", target, "class", cls,
	    "message", message);
}

static void
scan_new_done(void *arg, int code, const char *message,
    const struct hostkeys_outcome *v, size_t n)
{
	struct scan_reply	*sr = arg;
	json_t			*keys, *errs, *res = sr->base;
	size_t			 i;

	sr->base = NULL;
	if (code != OPS_OK) {
		json_decref(res);
		client_defer_error(sr->d, code, message);
		free(sr);
		return;
	}
	keys = json_array();
	errs = json_array();
	if (keys == NULL || errs == NULL || res == NULL) {
		json_decref(keys);
		json_decref(errs);
		json_decref(res);
		client_defer_error(sr->d, OPS_E_NOMEM, "build host key reply");
		free(sr);
		return;
	}
	for (i = 0; i < n; i++) {
		if (v[i].code != OPS_OK)
			json_array_append_new(errs, error_json(v[i].target,
			    v[i].cls, v[i].message));
		else
			json_array_append_new(keys, hostkeys_key_json(
			    v[i].target, v[i].type, v[i].fp));
	}
	json_object_set_new(res, "hostkeys", keys);
	json_object_set_new(res, "hostkey_errors", errs);
	client_defer_ok(sr->d, res);
	free(sr);
}

int
hostkeys_reply_scan_new(struct ops_ctx *ctx, struct client *c,
    const json_t *msg, const char *const *names, size_t n, json_t **result)
{
	struct hostkeys_who	 who = { c->actor, c->role };
	struct hostkeys_scan	*scan = NULL;
	struct scan_reply	*sr = NULL;
	struct ops_err		 e;
	json_t			*errs;
	size_t			 i;

	if (n == 0)
		return OPS_OK;
	if (*result == NULL && (*result = json_object()) == NULL) {
		ops_err_set(&e, OPS_E_NOMEM, "scan host keys");
		goto fail;
	}
	if ((sr = calloc(1, sizeof(*sr))) == NULL) {
		ops_err_set(&e, OPS_E_NOMEM, "scan host keys");
		goto fail;
	}
	if (hostkeys_scan_new(ctx, &who, names, n, scan_new_done, sr, &scan,
	    &e) != OPS_OK)
		goto fail;
	if ((sr->d = client_defer(c, msg)) == NULL) {
		hostkeys_scan_abandon(scan);
		ops_err_set(&e, OPS_E_NOMEM, "defer reply");
		goto fail;
	}
	sr->base = *result;	/* the scan's reply carries it */
	*result = NULL;
	return OPS_OK;
fail:
	/* The targets stay added; the reply says the scan did not run. */
	free(sr);
	if (*result == NULL)
		*result = json_object();
	errs = json_array();
	for (i = 0; errs != NULL && i < n; i++)
		json_array_append_new(errs, error_json(names[i], "internal",
		    ops_err_msg(&e)));
	if (*result != NULL) {
		json_object_set_new(*result, "hostkeys", json_array());
		json_object_set_new(*result, "hostkey_errors", errs);
	} else
		json_decref(errs);
	return OPS_OK;
}

/*
 * jobs-adhoc.c: runs on ad-hoc hosts ("run --host [USER@]HOST[:PORT]"),
 * which are no target: no row in targets, nothing in "target list". The
 * run is named by the host's canonical name (model.h adhoc_host); its
 * credential and whether to trust a new host key come with the job's
 * input (jobs-input.c), held in memory only. The keys it accepts are
 * those the daemon already knows for the same host and port: accepted
 * for a registered target there, or listed in $OPSICLE_HOME/known_hosts
 * (OpenSSH format). An unknown key fails the run with the key's
 * fingerprint and how to trust it; with --accept-new-hostkey the key is
 * trusted for this run only (never stored) and the audit records it.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "jobs-int.h"
#include "xmalloc.h"

static void
add_key(struct job_slot *s, const char *type, const char *fp)
{
	s->known = xreallocarray(s->known, s->nknown + 1, sizeof(*s->known));
	if (hostkey_from_fp(type, fp, &s->known[s->nknown], NULL) == OPS_OK)
		s->nknown++;
}

/* The keys registered targets at h's host and port have accepted. */
static int
known_from_targets(struct job_slot *s, const struct adhoc_host *h,
    struct ops_err *err)
{
	struct store			*st = s->job->js->ctx->store;
	struct store_target_list	 l = { NULL, 0 };
	struct store_hostkey_list	 kl = { NULL, 0 };
	size_t				 i, k;
	int				 rc;

	if ((rc = store_target_list(st, NULL, &l, err)) != OPS_OK)
		return rc;
	for (i = 0; i < l.n && rc == OPS_OK; i++) {
		if ((unsigned)(l.v[i].port > 0 ? l.v[i].port : 22) !=
		    h->port || l.v[i].host == NULL ||
		    strcasecmp(l.v[i].host, h->host) != 0)
			continue;
		if ((rc = store_hostkey_list(st, l.v[i].name, &kl, err)) !=
		    OPS_OK)
			break;
		for (k = 0; k < kl.n; k++)
			add_key(s, kl.v[k].type, kl.v[k].fp);
		store_hostkey_list_free(&kl);
	}
	store_target_list_free(&l);
	return rc;
}

/* The keys $OPSICLE_HOME/known_hosts lists for h (none: no file). */
static int
known_from_file(struct job_slot *s, const struct adhoc_host *h,
    struct ops_err *err)
{
	struct ops_ctx	*ctx = s->job->js->ctx;
	struct hostkey	*keys = NULL;
	char		 path[sizeof(ctx->paths.data_dir) + 16];
	size_t		 n = 0, i;
	int		 rc;

	snprintf(path, sizeof(path), "%s/known_hosts", ctx->paths.data_dir);
	if (access(path, F_OK) != 0)
		return OPS_OK;
	if ((rc = hostkey_known_hosts_file(path, h->host, h->port, &keys, &n,
	    err)) != OPS_OK)
		return rc;
	for (i = 0; i < n; i++)
		add_key(s, keys[i].type, keys[i].fp);
	free(keys);
	return OPS_OK;
}

int
jobs_adhoc_prepare(struct job_slot *s, struct adhoc_host *h,
    struct store_cred **cr, struct ops_err *err)
{
	const struct job_input	*in = s->job->input;
	struct ops_ctx		*ctx = s->job->js->ctx;
	int			 rc;

	*cr = NULL;
	if ((rc = adhoc_host_parse(s->target, h, err)) != OPS_OK)
		return rc;
	/* Queued across a restart (or rerun): what came with it is gone. */
	if (in == NULL || !in->adhoc)
		return ops_err_set(err, OPS_E_INVAL, "ad-hoc host %s: its "
		    "credential and host-key choice were not kept (opsicled "
		    "restarted, or this is a rerun); run it again with --host",
		    s->target);
	if (in->cred != NULL && (rc = store_cred_get(ctx->store, in->cred,
	    cr, err)) != OPS_OK)
		return rc;
	if ((rc = known_from_targets(s, h, err)) != OPS_OK ||
	    (rc = known_from_file(s, h, err)) != OPS_OK) {
		store_cred_free(*cr);
		*cr = NULL;
	}
	return rc;
}

int
jobs_adhoc_accept_new(const struct job_slot *s)
{
	return s->job->input != NULL && s->job->input->accept_new;
}

void
jobs_adhoc_result(struct job_slot *s, const struct ssh_result *r,
    char *msg, size_t len)
{
	struct ops_ctx		*ctx = s->job->js->ctx;
	const struct job_input	*in = s->job->input;
	struct ops_err		 err;
	char			 detail[256];

	if (r->hostkey_new && in != NULL) {
		snprintf(detail, sizeof(detail), "job %lld: %s %s, trusted on "
		    "first use for this run only (--accept-new-hostkey)",
		    (long long)s->job->id, r->hostkey.type, r->hostkey.fp);
		log_info(&ctx->log, "job %lld: trusted the new host key %s of "
		    "%s for this run", (long long)s->job->id, r->hostkey.fp,
		    s->target);
		if (audit_append(ctx, in->actor, "run.accept-new-hostkey",
		    s->target, detail, "ok", &err) != OPS_OK)
			log_warnx(&ctx->log, "audit: %s", ops_err_msg(&err));
	}
	if (r->cls == SSH_CLASS_HOSTKEY_UNKNOWN && r->hostkey.fp[0] != '\0')
		snprintf(msg, len, "hostkey-unknown: %s presented %s %s, which "
		    "opsicled does not know for it; check it, then run again "
		    "with --accept-new-hostkey, or add it to known_hosts in "
		    "OPSICLE_HOME", s->target, r->hostkey.type, r->hostkey.fp);
}

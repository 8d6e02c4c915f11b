/*
 * jobs-become.c: run --become, the runner's side of sudo.
 *
 * A run request names the user to become and, optionally, a credential
 * holding sudo's password; jobs_become_check refuses a request the runner
 * could never honour (a malformed user, an unknown credential, one that
 * holds no password) before any job exists. When a run starts,
 * jobs_become_setup turns the slot's exec spec into a sudo one (see
 * core/ssh.h: the password goes to "sudo -S" on the channel's stdin only
 * when sudo's own random prompt shows, never into argv, the environment or
 * a log). The password is the become credential's, unsealed now and wiped
 * when the slot is released; else the target's own password credential's,
 * borrowed from the run's auth; else none, and a sudo that asks fails the
 * run with class sudo and jobs_become_hint says how to give one. Only
 * names reach the job record (core/store-become.c).
 */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include "jobs-int.h"

/* The credential named cred, which must hold a password. */
static int
become_cred(struct store *st, const char *cred, struct store_cred **out,
    struct ops_err *err)
{
	int	rc;

	if ((rc = store_cred_get(st, cred, out, err)) == OPS_E_NOTFOUND)
		return ops_err_set(err, rc, "become credential %s not found "
		    "(opsicle cred list shows them)", cred);
	if (rc != OPS_OK)
		return rc;
	if ((*out)->kind != STORE_CRED_PASSWORD) {
		rc = ops_err_set(err, OPS_E_INVAL, "become credential %s is "
		    "a %s credential; sudo needs a password one (opsicle cred "
		    "add NAME --password)", cred,
		    store_cred_kind_name((*out)->kind));
		store_cred_free(*out);
		*out = NULL;
	}
	return rc;
}

int
jobs_become_check(struct ops_ctx *ctx, const char *user, const char *cred,
    struct ops_err *err)
{
	struct store_cred	*cr = NULL;
	int			 rc;

	if ((rc = store_job_become_check(user, cred, err)) != OPS_OK ||
	    cred == NULL)
		return rc;
	if (ctx->store == NULL)
		return ops_err_set(err, OPS_E_LOCKED, "store is locked; run "
		    "opsicle unlock");
	rc = become_cred(ctx->store, cred, &cr, err);
	store_cred_free(cr);
	return rc;
}

int
jobs_become_setup(struct job_slot *s, const struct store_cred *target_cred,
    struct ops_err *err)
{
	struct job		*j = s->job;
	struct store		*st = j->js->ctx->store;
	struct store_cred	*cr = NULL;

	if (j->become_user == NULL)
		return OPS_OK;
	s->x.sudo = 1;
	s->x.sudo_user = j->become_user;
	s->x.sudo_password = NULL;
	if (j->become_cred != NULL) {
		int	rc;

		if ((rc = become_cred(st, j->become_cred, &cr, err)) != OPS_OK)
			return rc;
		store_cred_free(cr);
		if ((rc = store_cred_open_secret(st, j->become_cred, "secret",
		    &s->sudo_pw, err)) != OPS_OK)
			return rc;
		s->x.sudo_password = s->sudo_pw;
	} else if (target_cred != NULL &&
	    target_cred->kind == STORE_CRED_PASSWORD && s->auth != NULL)
		s->x.sudo_password = s->auth->auth.password;
	return OPS_OK;
}

void
jobs_become_release(struct job_slot *s)
{
	secret_free(s->sudo_pw);
	s->sudo_pw = NULL;
	s->x.sudo_password = NULL;
}

void
jobs_become_hint(const struct job_slot *s, const struct ssh_result *r,
    char *msg, size_t len)
{
	size_t	n = strlen(msg);

	if (!r->sudo_nopass || !s->x.sudo || n >= len)
		return;
	snprintf(msg + n, len - n, "; put sudo's password in a password "
	    "credential (opsicle cred add NAME --password) and name it with "
	    "run --become-cred NAME, or give the target a password "
	    "credential");
}

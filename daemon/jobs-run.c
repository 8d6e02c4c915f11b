/*
 * jobs-run.c: one run of a job on one target. Builds the SSH target from
 * the store (host, port, user, accepted host keys, credential), unseals
 * the credential only now, starts a one-target batch on the daemon's
 * engine, streams output into the run row (up to the store's cap) and to
 * the event bus, and records the result: state, exit status, signal and an
 * error "CLASS: message" (the class is the engine's, see ssh.h).
 */
#include "config.h"

#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "jobs-int.h"
#include "sshkey.h"

#define ENGINE_OUT_KEEP	4096	/* the engine's own copy; we stream */

static const struct {
	const char	*name;
	int		 num;
} signals[] = {
	{ "HUP", 1 }, { "INT", 2 }, { "QUIT", 3 }, { "ILL", 4 },
	{ "TRAP", 5 }, { "ABRT", 6 }, { "BUS", 7 }, { "FPE", 8 },
	{ "KILL", 9 }, { "USR1", 10 }, { "SEGV", 11 }, { "USR2", 12 },
	{ "PIPE", 13 }, { "ALRM", 14 }, { "TERM", 15 },
};

static int
signal_num(const char *name)
{
	size_t	i;

	if (strncmp(name, "SIG", 3) == 0)
		name += 3;
	for (i = 0; i < sizeof(signals) / sizeof(signals[0]); i++)
		if (strcmp(signals[i].name, name) == 0)
			return signals[i].num;
	return 0;
}

static void
auth_clear_secrets(struct jobs_auth *a)
{
	secret_free(a->auth.key);
	secret_free(a->auth.passphrase);
	secret_free(a->auth.password);
	a->auth.key = a->auth.passphrase = a->auth.password = NULL;
	sshkey_free(a->key);
	a->key = NULL;
	a->auth.sshkey = NULL;
	free(a->agent_socket);
	a->agent_socket = NULL;
	a->auth.agent_path = NULL;
	a->auth.agent = 0;
}

/* Parse the unsealed key once for every target of the runs that share
 * this auth (an encrypted key costs a KDF), then drop its text. */
static int
auth_load_key(struct jobs_auth *a, const char *cred, struct ops_err *err)
{
	struct ops_err	e;
	int		rc;

	if ((rc = sshkey_load(a->auth.key, a->auth.passphrase, &a->key,
	    &e)) != OPS_OK)
		return ops_err_set(err, rc, "credential %s: the private key "
		    "could not be loaded: %s", cred, ops_err_msg(&e));
	a->auth.sshkey = a->key;
	secret_free(a->auth.key);
	secret_free(a->auth.passphrase);
	a->auth.key = a->auth.passphrase = NULL;
	return OPS_OK;
}

void
jobs_auth_free_all(struct jobs *js)
{
	struct jobs_auth	*a;

	while ((a = js->auths) != NULL) {
		js->auths = a->next;
		auth_clear_secrets(a);
		free(a->user);
		free(a);
	}
}

static void
auth_release(struct jobs_auth *a)
{
	if (a == NULL || a->refs == 0)
		return;
	if (--a->refs == 0)
		auth_clear_secrets(a);
}

/* The login user: the target's (or ad-hoc host's), else the
 * credential's, else ours. */
static const char *
run_user(const char *tuser, const struct store_cred *cr, char *buf,
    size_t len)
{
	struct passwd	pw, *pwp = NULL;
	char		pbuf[1024];

	if (tuser != NULL && *tuser != '\0')
		return tuser;
	if (cr != NULL && cr->username != NULL && *cr->username != '\0')
		return cr->username;
	if (getpwuid_r(geteuid(), &pw, pbuf, sizeof(pbuf), &pwp) == 0 &&
	    pwp != NULL) {
		snprintf(buf, len, "%s", pw.pw_name);
		return buf;
	}
	return "root";
}

/* Find or make the auth of (credential, version, user); unseal its
 * secrets when no run holds them. Takes a reference. */
static int
auth_get(struct jobs *js, const struct store_cred *cr, const char *user,
    struct jobs_auth **out, struct ops_err *err)
{
	struct store		*st = js->ctx->store;
	struct jobs_auth	*a;
	int64_t			 id = cr != NULL ? cr->id : 0;
	int64_t			 upd = cr != NULL ? cr->updated : 0;
	int			 rc = OPS_OK;

	*out = NULL;
	if (cr == NULL)
		return ops_err_set(err, OPS_E_AUTH, "the target has no "
		    "credential (the daemon's own SSH_AUTH_SOCK is not used): "
		    "add one with opsicle cred add NAME --ssh-key FILE, "
		    "--agent or --password, then opsicle target edit TARGET "
		    "--cred NAME");
	for (a = js->auths; a != NULL; a = a->next)
		if (a->cred_id == id && a->cred_updated == upd &&
		    strcmp(a->user, user) == 0)
			break;
	if (a == NULL) {
		if ((a = calloc(1, sizeof(*a))) == NULL ||
		    (a->user = strdup(user)) == NULL) {
			free(a);
			return ops_err_set(err, OPS_E_NOMEM, "allocate "
			    "credentials");
		}
		a->cred_id = id;
		a->cred_updated = upd;
		a->auth.user = a->user;
		a->next = js->auths;
		js->auths = a;
	}
	if (a->refs == 0) {
		switch (cr->kind) {
		case STORE_CRED_PASSWORD:
			rc = store_cred_open_secret(st, cr->name, "secret",
			    &a->auth.password, err);
			break;
		case STORE_CRED_SSH_KEY_PASSPHRASE:
			rc = store_cred_open_secret(st, cr->name,
			    "passphrase", &a->auth.passphrase, err);
			/* FALLTHROUGH */
		case STORE_CRED_SSH_KEY:
			if (rc == OPS_OK)
				rc = store_cred_open_secret(st, cr->name,
				    "secret", &a->auth.key, err);
			if (rc == OPS_OK)
				rc = auth_load_key(a, cr->name, err);
			break;
		case STORE_CRED_AGENT:
			if (cr->agent_socket == NULL)
				rc = ops_err_set(err, OPS_E_AUTH, "credential "
				    "%s names no agent socket: add it again "
				    "with opsicle cred add NAME --agent "
				    "[SOCKET]", cr->name);
			else if ((a->agent_socket = strdup(cr->agent_socket)) ==
			    NULL)
				rc = ops_err_set(err, OPS_E_NOMEM, "allocate "
				    "credentials");
			a->auth.agent = 1;
			a->auth.agent_path = a->agent_socket;
			break;
		}
		if (rc != OPS_OK) {
			auth_clear_secrets(a);
			return rc;
		}
	}
	a->refs++;
	*out = a;
	return OPS_OK;
}

static struct ops_ctx *
slot_ctx(const struct job_slot *s)
{
	return s->job->js->ctx;
}

/*
 * Output is held back per run and stored JOBS_FLUSH_MS later, in one
 * transaction for every run (jobs_flush_output, from the loop's
 * before-sleep hook): 500 targets streaming a line each 0.2 s would
 * otherwise cost 2,500 commits a second. Live subscribers get each chunk
 * at once all the same. A run stores what it holds before its result,
 * and requests that read output flush first, so readers never see a
 * gap; a crash loses at most the last
 * JOBS_FLUSH_MS of output of runs that recovery marks interrupted.
 */
#define PENDING_MAX	(64 * 1024)	/* per stream; then store at once */

void
jobs_slot_flush(struct job_slot *s)
{
	struct ops_ctx	*ctx = slot_ctx(s);
	struct ops_err	 err;
	int		 i;

	for (i = 0; i < 2; i++) {
		if (s->pend[i].len == 0)
			continue;
		if (ctx->store != NULL && store_run_append_output(ctx->store,
		    s->run_id, i == 0 ? STORE_STDOUT : STORE_STDERR,
		    s->pend[i].p, s->pend[i].len, &err) != OPS_OK)
			log_warnx(&ctx->log, "job %lld: %s",
			    (long long)s->job->id, ops_err_msg(&err));
		s->pend[i].len = 0;
	}
}

static void
pending_free(struct job_slot *s)
{
	int	i;

	for (i = 0; i < 2; i++) {
		free(s->pend[i].p);
		memset(&s->pend[i], 0, sizeof(s->pend[i]));
	}
}

/* Hold len bytes back; 0, or -1 when they must be stored now. */
static int
pending_add(struct job_slot *s, int i, const unsigned char *buf, size_t len)
{
	struct slot_pending	*pd = &s->pend[i];
	unsigned char		*np;
	size_t			 cap;

	if (pd->len + len > PENDING_MAX)
		return -1;
	if (pd->len + len > pd->cap) {
		cap = pd->cap ? pd->cap : 1024;
		while (cap < pd->len + len)
			cap *= 2;
		if ((np = realloc(pd->p, cap)) == NULL)
			return -1;
		pd->p = np;
		pd->cap = cap;
	}
	memcpy(pd->p + pd->len, buf, len);
	pd->len += len;
	return 0;
}

void
jobs_slot_release(struct job_slot *s)
{
	jobs_slot_flush(s);
	pending_free(s);
	ssh_batch_free(s->b);
	s->b = NULL;
	jobs_become_release(s);
	jobs_auto_slot_release(s);
	auth_release(s->auth);
	s->auth = NULL;
	free(s->known);
	s->known = NULL;
	s->nknown = 0;
	free(s->host);
	s->host = NULL;
}

/* A run's final run-state, with what its streams sent and kept; error
 * is the message alone, its class cls. */
static void
emit_final(struct job_slot *s, enum store_run_state state,
    enum run_class cls, int exit_status, int sig, const char *error)
{
	struct ops_event	ev = { .kind = OPS_EV_RUN_STATE,
				    .job = s->job->id, .target = s->target };
	int			i;

	ev.u.run.state = state;
	ev.u.run.cls = cls;
	ev.u.run.exit_status = exit_status;
	ev.u.run.signal = sig;
	ev.u.run.error = error;
	ev.u.run.counted = 1;
	for (i = 1; i < 3; i++) {
		ev.u.run.seen[i] = s->seen[i];
		ev.u.run.kept[i] = s->sent[i];
	}
	events_post(slot_ctx(s), &ev);
}

void
jobs_slot_end(struct job_slot *s, enum store_run_state state,
    enum run_class cls, const char *error)
{
	struct ops_ctx	*ctx = slot_ctx(s);
	struct ops_err	 err;
	char		*joined;

	jobs_slot_flush(s);
	if (ctx->store != NULL && store_run_finish_class(ctx->store,
	    s->run_id, state, cls, -1, 0, error, &err) != OPS_OK)
		log_warnx(&ctx->log, "job %lld: %s", (long long)s->job->id,
		    ops_err_msg(&err));
	/* target-status carries the joined "class: message" form. */
	joined = run_error_join(cls, error);
	emit_final(s, state, cls, -1, 0, error);
	jobs_emit_target_status(ctx, s->job->id, s->target, state, cls,
	    joined);
	free(joined);
	s->state = SLOT_OVER;
	s->job->ndone++;
}

void
jobs_run_output(void *arg, size_t idx, const char *target,
    enum ssh_stream stream,
    const unsigned char *buf, size_t len)
{
	(void)idx;
	(void)target;
	jobs_slot_output(arg, stream, buf, len);
}

void
jobs_slot_output(struct job_slot *s, enum ssh_stream stream,
    const unsigned char *buf, size_t len)
{
	struct ops_ctx		*ctx = slot_ctx(s);
	const char		*target = s->target;
	struct ops_err		 err;
	struct ops_event	 ev = { .kind = OPS_EV_JOB_OUTPUT };
	size_t			 take = len;
	int			 si = stream == SSH_STDERR ? 2 : 1;

	if (ctx->store == NULL)
		return;
	if (pending_add(s, si - 1, buf, len) == 0)
		jobs_flush_soon(s->job->js);
	else {
		jobs_slot_flush(s);
		if (store_run_append_output(ctx->store, s->run_id, stream ==
		    SSH_STDERR ? STORE_STDERR : STORE_STDOUT, buf, len,
		    &err) != OPS_OK)
			log_warnx(&ctx->log, "job %lld: %s",
			    (long long)s->job->id, ops_err_msg(&err));
	}
	/*
	 * Live output is bounded like the stored output, at the same byte
	 * (the job's cap): what "run" showed is what "job logs" shows. The
	 * first event with bytes past the cap says so, once (with no data
	 * when the cap fell between two reads); the client prints the notice
	 * there and the counts at the end.
	 */
	s->seen[si] += len;
	if (s->cut[si] || len == 0)
		return;
	if (take > s->job->output_cap - s->sent[si])
		take = s->job->output_cap - s->sent[si];
	s->cut[si] = take < len;
	s->sent[si] += take;
	ev.job = s->job->id;
	ev.target = target;
	ev.u.output.err = si == 2;
	ev.u.output.seq = ++s->seq;
	ev.u.output.data = buf;
	ev.u.output.len = take;
	ev.u.output.truncated = s->cut[si];
	events_post(ctx, &ev);
}

static enum store_run_state
result_state(const struct ssh_result *r)
{
	if (r->ok)
		return STORE_RUN_OK;
	switch (r->cls) {
	case SSH_CLASS_EXIT:
	case SSH_CLASS_SIGNAL:
		return STORE_RUN_FAILED;
	case SSH_CLASS_TIMEOUT:
		return STORE_RUN_TIMEOUT;
	default:
		return STORE_RUN_ERROR;
	}
}

/* A server key we do not know: keep it pending for "hostkey accept". */
static void
record_pending(struct job_slot *s, const struct ssh_result *r)
{
	struct ops_ctx	*ctx = slot_ctx(s);
	struct ops_err	 err;
	int		 rc;

	if (r->hostkey.fp[0] == '\0')
		return;
	rc = store_hostkey_pending_set(ctx->store, s->target,
	    r->hostkey.type, r->hostkey.fp, NULL, 0, &err);
	if (rc != OPS_OK && rc != OPS_E_EXISTS)
		log_warnx(&ctx->log, "job %lld: keep pending host key of %s: "
		    "%s", (long long)s->job->id, s->target, ops_err_msg(&err));
}

/* The engine's class as the model's, where a run's result is recorded. */
static enum run_class
class_of(enum ssh_class c)
{
	switch (c) {
	case SSH_CLASS_OK:
		return RUN_CLASS_NONE;
	case SSH_CLASS_RESOLVE:
		return RUN_CLASS_RESOLVE;
	case SSH_CLASS_REFUSED:
		return RUN_CLASS_REFUSED;
	case SSH_CLASS_CONNECT_TIMEOUT:
		return RUN_CLASS_CONNECT_TIMEOUT;
	case SSH_CLASS_CONNECT:
		return RUN_CLASS_CONNECT;
	case SSH_CLASS_HANDSHAKE:
		return RUN_CLASS_HANDSHAKE;
	case SSH_CLASS_HOSTKEY_UNKNOWN:
		return RUN_CLASS_HOSTKEY_UNKNOWN;
	case SSH_CLASS_HOSTKEY_CHANGED:
		return RUN_CLASS_HOSTKEY_CHANGED;
	case SSH_CLASS_AUTH:
		return RUN_CLASS_AUTH;
	case SSH_CLASS_CHANNEL:
		return RUN_CLASS_CHANNEL;
	case SSH_CLASS_TIMEOUT:
		return RUN_CLASS_TIMEOUT;
	case SSH_CLASS_EXIT:
		return RUN_CLASS_EXIT;
	case SSH_CLASS_SIGNAL:
		return RUN_CLASS_SIGNAL;
	case SSH_CLASS_INTERNAL:
		return RUN_CLASS_INTERNAL;
	case SSH_CLASS_SFTP:
		return RUN_CLASS_SFTP;
	case SSH_CLASS_SUDO:
		return RUN_CLASS_SUDO;
	case SSH_CLASS_CANCELLED:
		return RUN_CLASS_NONE;	/* the state says it */
	}
	return RUN_CLASS_INTERNAL;
}

/* The message stored with a run: the engine's, or (ad-hoc hosts, sudo
 * without a password) the rewritten one in msg, "class: message",
 * without its class. */
static const char *
run_msg(const struct ssh_result *r, const char *msg)
{
	const char	*cls = ssh_class_name(r->cls);
	size_t		 n = strlen(cls);

	if (strncmp(msg, cls, n) == 0 && strncmp(msg + n, ": ", 2) == 0 &&
	    strcmp(msg + n + 2, r->msg) != 0)
		return msg + n + 2;
	return r->msg;
}

/* A run ssh_batch_cancel ended (job_end): the job's end state, and the
 * engine's message (what became of the remote processes). */
void
jobs_slot_cancelled(struct job_slot *s, const struct ssh_result *r)
{
	struct job		*j = s->job;
	enum store_run_state	 state = j->ending ? j->end_rstate :
	    STORE_RUN_CANCELLED;
	enum run_class		 cls = state == STORE_RUN_INTERRUPTED ?
	    RUN_CLASS_INTERRUPTED : RUN_CLASS_NONE;
	const char		*text = r->msg, *semi = strstr(text, "; ");

	/* cancelled: the state says why, the text what became of the
	 * remote processes ("remote process group 4242 terminated");
	 * interrupted keeps why ("opsicled stopped on web1; ...") */
	if (state == STORE_RUN_CANCELLED && semi != NULL)
		text = semi + 2;
	jobs_slot_end(s, state, cls, text);
	log_info(&slot_ctx(s)->log, "job %lld on %s: %s: %s", (long long)j->id,
	    s->target, store_run_state_name(state), r->msg);
	s->state = SLOT_DONE;	/* its batch is still to free */
	j->active--;
	jobs_kick(slot_ctx(s));
}

void
jobs_slot_record(struct job_slot *s, const struct ssh_result *r)
{
	struct ops_ctx		*ctx = slot_ctx(s);
	struct ops_err		 err;
	enum store_run_state	 state = result_state(r);
	char			 msg[OPS_ERR_MSG_MAX + 256];
	int			 sig = 0;

	msg[0] = '\0';
	if (!r->ok)
		snprintf(msg, sizeof(msg), "%s: %s", ssh_class_name(r->cls),
		    r->msg);
	/* sudo asked and had no password: how to give one */
	jobs_become_hint(s, r, msg, sizeof(msg));
	if (r->exit_signal[0] != '\0')
		sig = signal_num(r->exit_signal);
	if (adhoc_host_is_name(s->target))
		jobs_adhoc_result(s, r, msg, sizeof(msg));
	if (ctx->store != NULL) {
		jobs_slot_flush(s);
		if ((r->cls == SSH_CLASS_HOSTKEY_UNKNOWN ||
		    r->cls == SSH_CLASS_HOSTKEY_CHANGED) &&
		    !adhoc_host_is_name(s->target))
			record_pending(s, r);
		if (store_run_finish_class(ctx->store, s->run_id, state,
		    r->ok ? RUN_CLASS_NONE : class_of(r->cls), r->exit_status,
		    sig, r->ok ? NULL : run_msg(r, msg), &err) != OPS_OK)
			log_warnx(&ctx->log, "job %lld: %s",
			    (long long)s->job->id, ops_err_msg(&err));
	}
	log_debug(&ctx->log, "job %lld on %s: %s%s%s",
	    (long long)s->job->id, s->target, store_run_state_name(state),
	    msg[0] != '\0' ? ": " : "", msg);
	emit_final(s, state, r->ok ? RUN_CLASS_NONE : class_of(r->cls),
	    r->exit_status, sig, r->ok ? NULL : run_msg(r, msg));
	jobs_emit_target_status(ctx, s->job->id, s->target, state,
	    r->ok ? RUN_CLASS_NONE : class_of(r->cls),
	    msg[0] != '\0' ? msg : NULL);
}

void
jobs_slot_finished(struct job_slot *s, int ok)
{
	s->state = SLOT_DONE;
	s->job->active--;
	s->job->ndone++;
	if (ok)
		s->job->nok++;
	jobs_kick(slot_ctx(s));
}

void
jobs_run_done(void *arg, size_t idx, const struct ssh_result *r)
{
	struct job_slot	*s = arg;

	(void)idx;
	if (r->cls == SSH_CLASS_CANCELLED) {
		jobs_slot_cancelled(s, r);
		return;
	}
	jobs_slot_record(s, r);
	jobs_slot_finished(s, r->ok);
}

/* The host keys accepted for the target, as the engine wants them. */
static int
load_known(struct job_slot *s, struct ops_err *err)
{
	struct ops_ctx			*ctx = slot_ctx(s);
	struct store_hostkey_list	 l = { NULL, 0 };
	size_t				 i;
	int				 rc;

	if ((rc = store_hostkey_list(ctx->store, s->target, &l,
	    err)) != OPS_OK)
		return rc;
	if (l.n > 0 && (s->known = calloc(l.n, sizeof(*s->known))) == NULL) {
		store_hostkey_list_free(&l);
		return ops_err_set(err, OPS_E_NOMEM, "load host keys");
	}
	for (i = 0; i < l.n; i++) {
		if (hostkey_from_fp(l.v[i].type, l.v[i].fp,
		    &s->known[s->nknown], NULL) == OPS_OK)
			s->nknown++;
	}
	store_hostkey_list_free(&l);
	return OPS_OK;
}

void
jobs_slot_start(struct job_slot *s)
{
	struct ops_ctx		*ctx = slot_ctx(s);
	struct job		*j = s->job;
	struct store_target	*t = NULL;
	struct store_cred	*cr = NULL;
	struct ops_err		 err;
	struct adhoc_host	 ah;
	char			 ubuf[256], emsg[OPS_ERR_MSG_MAX + 32];
	const char		*user, *host;
	unsigned		 port;
	enum run_class		 cls;
	int			 rc;

	if (ctx->store == NULL) {
		jobs_slot_end(s, STORE_RUN_INTERRUPTED, RUN_CLASS_INTERRUPTED,
		    "the store was locked");
		return;
	}
	if (adhoc_host_is_name(s->target)) {
		if ((rc = jobs_adhoc_prepare(s, &ah, &cr, &err)) != OPS_OK) {
			cls = RUN_CLASS_CONFIG;
			snprintf(emsg, sizeof(emsg), "%s", ops_err_msg(&err));
			goto fail;
		}
		user = run_user(ah.user, cr, ubuf, sizeof(ubuf));
		host = ah.host;
		port = ah.port;
	} else {
		if ((rc = store_target_get(ctx->store, s->target, &t,
		    &err)) != OPS_OK) {
			cls = RUN_CLASS_CONFIG;
			snprintf(emsg, sizeof(emsg), "%s", ops_err_msg(&err));
			goto fail;
		}
		if (t->cred_name != NULL && (rc = store_cred_get(ctx->store,
		    t->cred_name, &cr, &err)) != OPS_OK) {
			cls = RUN_CLASS_CONFIG;
			snprintf(emsg, sizeof(emsg), "%s", ops_err_msg(&err));
			goto fail;
		}
		user = run_user(t->user, cr, ubuf, sizeof(ubuf));
		host = t->host;
		port = (unsigned)t->port;
	}
	if ((s->host = strdup(host)) == NULL) {
		cls = RUN_CLASS_INTERNAL;
		snprintf(emsg, sizeof(emsg), "out of memory");
		goto fail;
	}
	if ((t != NULL && (rc = load_known(s, &err)) != OPS_OK) ||
	    (rc = auth_get(j->js, cr, user, &s->auth, &err)) != OPS_OK) {
		cls = RUN_CLASS_AUTH;
		snprintf(emsg, sizeof(emsg), "%s", ops_err_msg(&err));
		goto fail;
	}
	memset(&s->t, 0, sizeof(s->t));
	s->t.name = s->target;
	s->t.host = s->host;
	s->t.port = port;
	s->t.auth = &s->auth->auth;
	s->t.known = s->known;
	s->t.nknown = s->nknown;
	s->t.accept_new = t == NULL && jobs_adhoc_accept_new(s);
	s->t.connect_timeout_ms = j->connect_timeout_ms;
	if (j->au != NULL) {
		/* an automation: its steps, one after another (on the same
		 * pooled session) */
		if ((rc = jobs_auto_begin(s, cr, &err)) != OPS_OK) {
			cls = RUN_CLASS_INTERNAL;
			snprintf(emsg, sizeof(emsg), "%s", ops_err_msg(&err));
			goto fail;
		}
		store_target_free(t);
		store_cred_free(cr);
		return;
	}
	memset(&s->x, 0, sizeof(s->x));
	if (j->script) {
		/* Uploaded over SFTP to a private temp file and run there;
		 * a script without a "#!" line runs under the shell. */
		s->x.script = (const unsigned char *)j->command;
		s->x.script_len = strlen(j->command);
	} else
		s->x.command = j->command;
	if (j->input != NULL && j->input->stdin_data != NULL) {
		s->x.stdin_data = secret_cdata(j->input->stdin_data);
		s->x.stdin_len = secret_len(j->input->stdin_data);
	}
	s->x.timeout_ms = j->timeout_ms;
	s->x.output_cap = ENGINE_OUT_KEEP;
	s->x.on_output = jobs_run_output;
	s->x.on_done = jobs_run_done;
	s->x.arg = s;
	if ((rc = jobs_become_setup(s, cr, &err)) != OPS_OK) {
		cls = RUN_CLASS_CONFIG;
		snprintf(emsg, sizeof(emsg), "%s", ops_err_msg(&err));
		goto fail;
	}
	if ((rc = store_run_start(ctx->store, s->run_id, &err)) != OPS_OK) {
		cls = RUN_CLASS_INTERNAL;
		snprintf(emsg, sizeof(emsg), "%s", ops_err_msg(&err));
		goto fail;
	}
	jobs_emit_run_state(ctx, j->id, s->target, STORE_RUN_RUNNING,
	    RUN_CLASS_NONE, -1, 0, NULL);
	s->state = SLOT_RUNNING;
	j->active++;
	/* on_done may run before this returns; s->b is set before. */
	cls = RUN_CLASS_INTERNAL;
	if (jobs_xfer_is(j->command))
		rc = jobs_xfer_start(s, &cls, &err);
	else
		rc = ssh_batch_start(ctx->ssh, &s->t, 1, &s->x, &s->b, &err);
	if (rc != OPS_OK) {
		j->active--;
		snprintf(emsg, sizeof(emsg), "%s", ops_err_msg(&err));
		goto fail;
	}
	store_target_free(t);
	store_cred_free(cr);
	return;
fail:
	store_target_free(t);
	store_cred_free(cr);
	if (j->au != NULL)
		jobs_auto_slot_abort(s, emsg);
	jobs_slot_release(s);
	jobs_slot_end(s, STORE_RUN_ERROR, cls, emsg);
}

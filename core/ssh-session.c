/*
 * ssh-session.c: one connection's state machine: resolve, non-blocking
 * connect, handshake, strict host key check, authentication.
 */
#include <sys/socket.h>
#include <sys/types.h>

#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <sodium.h>

#include "net-connect.h"
#include "ssh-int.h"
#include "sshagent.h"
#include "sshkey.h"


/*
 * libssh2's allocations for our sessions: a size header in front of each
 * block so that free can wipe it (packets with passwords, key material).
 */
#define ALLOC_HDR	16

static LIBSSH2_ALLOC_FUNC(ssh_wipe_alloc)
{
	unsigned char *p;

	if ((p = malloc(count + ALLOC_HDR)) == NULL)
		return NULL;
	memcpy(p, &count, sizeof(count));
	return p + ALLOC_HDR;
}

static LIBSSH2_FREE_FUNC(ssh_wipe_free)
{
	unsigned char *p;
	size_t count;

	if (ptr == NULL)
		return;
	p = (unsigned char *)ptr - ALLOC_HDR;
	memcpy(&count, p, sizeof(count));
	sodium_memzero(p, count + ALLOC_HDR);
	free(p);
}

static LIBSSH2_REALLOC_FUNC(ssh_wipe_realloc)
{
	unsigned char *np;
	size_t old;

	if (ptr == NULL)
		return ssh_wipe_alloc(count, abstract);
	memcpy(&old, (unsigned char *)ptr - ALLOC_HDR, sizeof(old));
	if ((np = ssh_wipe_alloc(count, abstract)) == NULL)
		return NULL;
	memcpy(np, ptr, old < count ? old : count);
	ssh_wipe_free(ptr, abstract);
	return np;
}

static void	ssh_conn_io(struct evloop *loop, int fd, void *arg, int mask);
static long long ssh_conn_timeout(struct evloop *loop, long long id,
		    void *arg);
static void	conn_hostkey_prefs(struct ssh_conn *c,
		    const struct ssh_target *t);
static void	conn_nc_drop(struct ssh_conn *c);

static const char *
conn_label(const struct ssh_conn *c, char *buf, size_t len)
{
	const char *name = c->task ? c->task->t->name : NULL;

	if (name != NULL)
		snprintf(buf, len, "%s (%s:%u)", name, c->host, c->port);
	else
		snprintf(buf, len, "%s:%u", c->host, c->port);
	return buf;
}

static void	conn_set_result(struct ssh_conn *c, enum ssh_class cls,
		    int status, const char *fmt, ...)
		    __attribute__((format(printf, 4, 5)));

/* The result of the conn's task, if it has one. */
static void
conn_set_result(struct ssh_conn *c, enum ssh_class cls, int status,
    const char *fmt, ...)
{
	struct ssh_result *r;
	va_list ap;

	if (c->task == NULL)
		return;
	r = c->task->r;
	va_start(ap, fmt);
	ssh_vfail(&r->ok, &r->cls, &r->status, r->msg, sizeof(r->msg), cls,
	    status, fmt, ap);
	va_end(ap);
}

/* Fail the conn's task (if any) with the result already set; drop c. */
static int
conn_fail(struct ssh_conn *c)
{
	struct ssh_task *t = c->task;
	struct ssh_engine *eng = c->eng;

	if (t != NULL) {
		c->task = NULL;
		t->conn = NULL;
	}
	ssh_conn_destroy(c);
	if (t != NULL)
		eng->hooks->failed(t);
	return DRIVE_GONE;
}

static void
conn_link(struct ssh_engine *eng, struct ssh_conn *c)
{
	c->prev = NULL;
	c->next = eng->conns;
	if (eng->conns != NULL)
		eng->conns->prev = c;
	eng->conns = c;
}

static void
conn_unlink(struct ssh_conn *c)
{
	if (c->prev != NULL)
		c->prev->next = c->next;
	else if (c->eng->conns == c)
		c->eng->conns = c->next;
	if (c->next != NULL)
		c->next->prev = c->prev;
	c->prev = c->next = NULL;
}

/* c is open (authenticated): its opening slot is free again. */
static void
conn_opened(struct ssh_conn *c)
{
	if (!c->opening)
		return;
	c->opening = 0;
	c->eng->st.opening--;
	c->eng->hooks->opened(c->eng);
}

void
ssh_conn_unpool(struct ssh_conn *c)
{
	if (!c->in_pool)
		return;
	c->in_pool = 0;
	c->eng->st.pooled--;
	if (c->timer) {
		evloop_timer_del(c->eng->loop, c->timer);
		c->timer = 0;
	}
	evloop_file_del(c->eng->loop, c->fd, EVLOOP_READ | EVLOOP_WRITE);
}

void
ssh_conn_wait(struct ssh_conn *c)
{
	int dir = libssh2_session_block_directions(c->sess), mask = 0;

	if (dir & LIBSSH2_SESSION_BLOCK_INBOUND)
		mask |= EVLOOP_READ;
	if (dir & LIBSSH2_SESSION_BLOCK_OUTBOUND)
		mask |= EVLOOP_WRITE;
	if (mask == 0)
		mask = EVLOOP_READ;
	evloop_file_set(c->eng->loop, c->fd, mask, ssh_conn_io, c, NULL);
}

int
ssh_conn_new(struct ssh_engine *eng, const struct ssh_target *t,
    struct ssh_conn **out)
{
	struct ssh_conn *c;

	*out = NULL;
	if ((c = calloc(1, sizeof(*c))) == NULL)
		return OPS_E_NOMEM;
	c->eng = eng;
	c->fd = -1;
	c->port = ssh_target_port(t);
	c->auth = t->auth;
	c->state = CONN_CONNECT;
	c->connect_ms = t->connect_timeout_ms > 0 ? t->connect_timeout_ms :
	    eng->cfg.connect_timeout_ms;
	if ((c->name = strdup(t->name)) == NULL ||
	    (c->host = strdup(t->host ? t->host : "")) == NULL ||
	    (c->user = strdup(ssh_target_user(t))) == NULL) {
		free(c->name);
		free(c->host);
		free(c);
		return OPS_E_NOMEM;
	}
	conn_link(eng, c);
	/* Opening until authenticated (conn_opened) or destroyed: a
	 * fresh run waits for a slot (the engine schedules it); a reconnect
	 * does not wait but takes one, so fresh ones queue behind it. */
	c->opening = 1;
	if (++eng->st.opening > eng->st.opening_peak)
		eng->st.opening_peak = eng->st.opening;
	*out = c;
	return 0;
}

void
ssh_conn_destroy(struct ssh_conn *c)
{
	if (c == NULL)
		return;
	if (c->task != NULL) {
		c->task->conn = NULL;
		c->task = NULL;
	}
	if (c->opening) {
		/* the task's finish or reconnect schedules the next one */
		c->opening = 0;
		c->eng->st.opening--;
	}
	ssh_conn_unpool(c);
	conn_unlink(c);
	conn_nc_drop(c);
	if (c->timer)
		evloop_timer_del(c->eng->loop, c->timer);
	if (c->fd >= 0)
		evloop_file_del(c->eng->loop, c->fd,
		    EVLOOP_READ | EVLOOP_WRITE);
	sshagent_free(c->agent);
	if (c->sess != NULL) {
		if (c->state == CONN_READY && c->fd >= 0)
			libssh2_session_disconnect(c->sess, "closing");
		/* Dead socket: frees never block and never reuse the fd. */
		libssh2_session_set_blocking(c->sess, 1);
		if (c->fd >= 0)
			shutdown(c->fd, SHUT_RDWR);
		libssh2_session_free(c->sess);
	}
	if (c->fd >= 0)
		close(c->fd);
	sshkey_free(c->ownkey);
	free(c->keyblob);
	free(c->methods);
	free(c->name);
	free(c->host);
	free(c->user);
	free(c);
}

/* ---- connect ------------------------------------------------------------ */

/*
 * Resolve and TCP connect through net-connect.c (names on its helper
 * thread, then each address in turn); the conn's timer bounds it.
 */
static void
conn_nc_drop(struct ssh_conn *c)
{
	if (c->nc == NULL)
		return;
	/* one TCP connection started per conn, however many addresses */
	if (net_connect_attempts(c->nc) > 0)
		c->eng->st.connects++;
	net_connect_free(c->nc);
	c->nc = NULL;
}

static int	conn_connected(struct ssh_conn *c);

static void
conn_tcp_done(struct net_connect *nc, const struct net_connect_result *res,
    void *arg)
{
	struct ssh_conn *c = arg;
	enum ssh_class cls;
	char lab[300], msg[OPS_ERR_MSG_MAX];

	conn_nc_drop(c);
	if (res->cls == NET_CONNECT_OK) {
		c->fd = res->fd;
		if (conn_connected(c) == DRIVE_NEXT)
			ssh_conn_drive(c);
		return;
	}
	conn_label(c, lab, sizeof(lab));
	ssh_connect_failure(res, lab, &cls, msg, sizeof(msg));
	conn_set_result(c, cls, res->status, "%s", msg);
	conn_fail(c);
}

static int
conn_connect(struct ssh_conn *c)
{
	struct ops_err e;
	char lab[300];
	int rc;

	if (c->nc != NULL)
		return DRIVE_WAIT;	/* resolving or connecting */
	rc = net_connect_start(c->eng->loop, c->host, c->port, conn_tcp_done,
	    c, &c->nc, &e);
	if (rc == 0 && (c->timer != 0 || evloop_timer_add(c->eng->loop,
	    c->connect_ms, ssh_conn_timeout, c, &c->timer,
	    NULL) == 0))
		return DRIVE_WAIT;
	conn_label(c, lab, sizeof(lab));
	conn_set_result(c, rc == OPS_E_INVAL ? SSH_CLASS_CONNECT :
	    SSH_CLASS_INTERNAL, rc != 0 ? rc : OPS_E_NOMEM, "connect to %s: %s",
	    lab, rc == OPS_E_INVAL ? "invalid port" :
	    "out of memory or threads");
	return conn_fail(c);
}

/* TCP is up (c->fd): set up the SSH session. */
static int
conn_connected(struct ssh_conn *c)
{
	c->sess = libssh2_session_init_ex(ssh_wipe_alloc, ssh_wipe_free,
	    ssh_wipe_realloc, c);
	if (c->sess == NULL) {
		conn_set_result(c, SSH_CLASS_INTERNAL, OPS_E_NOMEM,
		    "create SSH session: out of memory");
		return conn_fail(c);
	}
	libssh2_session_set_blocking(c->sess, 0);
	if (c->task != NULL)
		conn_hostkey_prefs(c, c->task->t);
	if (c->eng->cfg.keepalive_s > 0)
		libssh2_keepalive_config(c->sess, 0,
		    (unsigned)c->eng->cfg.keepalive_s);
	c->state = CONN_HANDSHAKE;
	return DRIVE_NEXT;
}

/* Offer only the host key types we know, so the server shows one of them. */
static void
conn_hostkey_prefs(struct ssh_conn *c, const struct ssh_target *t)
{
	char prefs[512] = "";
	size_t i;

	for (i = 0; i < t->nknown; i++) {
		const char *ty = t->known[i].type;
		const char *add = ty;

		if (ty[0] == '\0')
			return;		/* a bare fingerprint: any type */
		if (strcmp(ty, "ssh-rsa") == 0)
			add = "rsa-sha2-512,rsa-sha2-256,ssh-rsa";
		if (strstr(prefs, ty) != NULL)
			continue;
		if (strlen(prefs) + strlen(add) + 2 >= sizeof(prefs))
			return;
		if (prefs[0] != '\0')
			strcat(prefs, ",");
		strcat(prefs, add);
	}
	if (prefs[0] != '\0')
		libssh2_session_method_pref(c->sess, LIBSSH2_METHOD_HOSTKEY,
		    prefs);
}

int
ssh_hostkey_check(const struct ssh_target *t, const struct hostkey *hk,
    struct ssh_result *r)
{
	size_t i;

	r->hostkey = *hk;
	for (i = 0; i < t->nknown; i++) {
		if (hostkey_equal(&t->known[i], hk))
			return 0;
	}
	if (t->nknown > 0) {
		ssh_result_fail(r, SSH_CLASS_HOSTKEY_CHANGED, OPS_E_HOSTKEY,
		    "HOST KEY CHANGED for %s: expected %s, got %s %s; someone "
		    "may be intercepting the connection, or the host was "
		    "reinstalled", t->name, t->known[0].fp, hk->type, hk->fp);
		return -1;
	}
	if (t->accept_new) {
		r->ok = 0;
		r->hostkey_new = 1;
		r->status = 0;
		return 0;
	}
	ssh_result_fail(r, SSH_CLASS_HOSTKEY_UNKNOWN, OPS_E_HOSTKEY,
	    "host key for %s is not known: %s %s; verify it and accept it "
	    "to connect", t->name, hk->type, hk->fp);
	return -1;
}

static int
conn_handshake(struct ssh_conn *c)
{
	const char *blob;
	size_t len = 0;
	int rc, type = 0;
	char lab[300];

	rc = libssh2_session_handshake(c->sess, c->fd);
	if (rc == LIBSSH2_ERROR_EAGAIN) {
		ssh_conn_wait(c);
		return DRIVE_WAIT;
	}
	conn_label(c, lab, sizeof(lab));
	if (rc != 0) {
		conn_set_result(c, SSH_CLASS_HANDSHAKE, OPS_E_PROTO,
		    "SSH handshake with %s failed: %s", lab,
		    ssh_sess_errmsg(c->sess));
		return conn_fail(c);
	}
	c->eng->st.handshakes++;
	blob = libssh2_session_hostkey(c->sess, &len, &type);
	if (blob == NULL || hostkey_from_blob((const unsigned char *)blob,
	    len, &c->hk, NULL) != 0) {
		conn_set_result(c, SSH_CLASS_HANDSHAKE, OPS_E_PROTO,
		    "SSH handshake with %s: no usable host key", lab);
		return conn_fail(c);
	}
	if (c->task != NULL &&
	    ssh_hostkey_check(c->task->t, &c->hk, c->task->r) != 0)
		return conn_fail(c);
	c->state = CONN_AUTH_LIST;
	return DRIVE_NEXT;
}

/* ---- authentication ------------------------------------------------------ */

/* Keyboard-interactive rounds we take part in; later ones get no answer. */
#define KBD_MAX_ROUNDS	4

/* Does a prompt ask for a password (not a code, a question, a token)? */
static int
kbd_is_password_prompt(const LIBSSH2_USERAUTH_KBDINT_PROMPT *p)
{
	static const char	want[] = "password";
	size_t			i, k;

	if (p->echo || p->text == NULL)
		return 0;
	for (i = 0; i + sizeof(want) - 1 <= p->length; i++) {
		for (k = 0; k < sizeof(want) - 1; k++)
			if (tolower((unsigned char)p->text[i + k]) != want[k])
				break;
		if (k == sizeof(want) - 1)
			return 1;
	}
	return 0;
}

/* Say in the error which prompt went unanswered, in printable ASCII only
 * (it is the server's text). */
static void
kbd_note_refused(struct ssh_conn *c, const LIBSSH2_USERAUTH_KBDINT_PROMPT *p,
    int n)
{
	char	txt[48];
	size_t	i, k = 0;

	if (c->auth_msg[0] != '\0')
		return;
	if (n > 1) {
		snprintf(c->auth_msg, sizeof(c->auth_msg), "; "
		    "keyboard-interactive asked %d questions at once: not "
		    "answered", n);
		return;
	}
	for (i = 0; p->text != NULL && i < p->length && k < sizeof(txt) - 1;
	    i++)
		txt[k++] = p->text[i] >= 0x20 && p->text[i] < 0x7f ?
		    (char)p->text[i] : '?';
	txt[k] = '\0';
	snprintf(c->auth_msg, sizeof(c->auth_msg), "; keyboard-interactive "
	    "asked \"%s\", not for a password: not answered", txt);
}

/*
 * The password goes only to a round of exactly one hidden prompt that
 * asks for a password, once per attempt, within KBD_MAX_ROUNDS rounds: a
 * server asking anything else (a one-time code, several prompts) gets
 * empty answers, so a second factor is never fed the password.
 */
static LIBSSH2_USERAUTH_KBDINT_RESPONSE_FUNC(conn_kbd_answer)
{
	struct ssh_conn *c = *abstract;
	struct secret *pw = c->auth ? c->auth->password : NULL;
	int i, give;

	(void)name;
	(void)name_len;
	(void)instruction;
	(void)instruction_len;
	give = pw != NULL && num_prompts == 1 && !c->kbd_answered &&
	    c->kbd_rounds < KBD_MAX_ROUNDS &&
	    kbd_is_password_prompt(&prompts[0]);
	c->kbd_rounds++;
	for (i = 0; i < num_prompts; i++) {
		responses[i].text = NULL;
		responses[i].length = 0;
		if (!give) {
			if (i == 0)
				kbd_note_refused(c, &prompts[0], num_prompts);
			continue;
		}
		responses[i].text = ssh_wipe_alloc(secret_len(pw) + 1,
		    abstract);
		if (responses[i].text == NULL)
			continue;
		memcpy(responses[i].text, secret_cdata(pw), secret_len(pw));
		responses[i].text[secret_len(pw)] = '\0';
		responses[i].length = (unsigned)secret_len(pw);
		c->kbd_answered = 1;
	}
}

static void
conn_tried(struct ssh_conn *c, const char *m)
{
	size_t l = strlen(c->tried);

	snprintf(c->tried + l, sizeof(c->tried) - l, "%s%s", l ? ", " : "",
	    m);
}

static int
conn_authed(struct ssh_conn *c)
{
	sshkey_free(c->ownkey);
	c->ownkey = NULL;
	c->key = NULL;
	sshagent_free(c->agent);
	c->agent = NULL;
	c->agent_keys = NULL;
	if (c->timer) {
		evloop_timer_del(c->eng->loop, c->timer);
		c->timer = 0;
	}
	c->state = CONN_READY;
	conn_opened(c);
	return DRIVE_NEXT;
}

enum { AUTH_KEY, AUTH_AGENT, AUTH_PASSWORD, AUTH_KBD, AUTH_END };

/* The key to offer: the auth's parsed one, or auth->key parsed once for
 * this connection. NULL (and a note in auth_msg) when it does not load. */
static const struct sshkey *
conn_key(struct ssh_conn *c, const struct ssh_auth *a)
{
	struct ops_err	e;

	if (a->sshkey != NULL)
		return a->sshkey;
	if (c->ownkey == NULL && !c->key_failed &&
	    sshkey_load(a->key, a->passphrase, &c->ownkey, &e) != OPS_OK) {
		c->key_failed = 1;
		snprintf(c->auth_msg, sizeof(c->auth_msg), "; the private key "
		    "could not be loaded: %s", ops_err_msg(&e));
	}
	return c->ownkey;
}

/*
 * The blob of a key for algorithm alg. libssh2 1.10 takes the request's
 * algorithm name from the blob's type string, so for rsa-sha2-* the type
 * string is the algorithm; OpenSSH's sshkey_type_from_name maps it back
 * to an RSA key, so the authorized_keys match is unchanged.
 */
static int
conn_keyblob(struct ssh_conn *c, const unsigned char *b, size_t bl,
    const char *alg)
{
	size_t	tl, al = strlen(alg);

	if (bl < 4)
		return -1;
	tl = (size_t)b[0] << 24 | (size_t)b[1] << 16 | (size_t)b[2] << 8 | b[3];
	if (tl > bl - 4 || (c->keyblob = malloc(bl - tl + al)) == NULL)
		return -1;
	c->keyblob[0] = (unsigned char)(al >> 24);
	c->keyblob[1] = (unsigned char)(al >> 16);
	c->keyblob[2] = (unsigned char)(al >> 8);
	c->keyblob[3] = (unsigned char)al;
	memcpy(c->keyblob + 4, alg, al);
	memcpy(c->keyblob + 4 + al, b + 4 + tl, bl - 4 - tl);
	c->keybloblen = bl - tl + al;
	return 0;
}

/* libssh2 wants the bare signature, in memory its session frees: from
 * our key, or from the agent for its key being offered. */
static LIBSSH2_USERAUTH_PUBLICKEY_SIGN_FUNC(conn_sign)
{
	struct ssh_conn			*c = *abstract;
	const struct sshagent_key	*k;
	unsigned char			 buf[SSHKEY_SIG_MAX];
	size_t				 len = 0;
	int				 rc;

	(void)session;
	*sig = NULL;
	*sig_len = 0;
	if (c->key != NULL)
		rc = sshkey_sign(c->key, sshkey_algs(c->key)[c->key_alg],
		    data, data_len, buf, sizeof(buf), &len, NULL);
	else {
		k = &c->agent_keys[c->agent_idx];
		rc = sshagent_sign(c->agent, k, sshkey_alg_of(k->type,
		    c->key_alg), data, data_len, buf, sizeof(buf), &len, NULL);
	}
	if (rc != OPS_OK || (*sig = ssh_wipe_alloc(len, abstract)) == NULL)
		return -1;
	memcpy(*sig, buf, len);
	*sig_len = len;
	return 0;
}

static int
conn_lost(struct ssh_conn *c)
{
	int	e = libssh2_session_last_errno(c->sess);

	return e == LIBSSH2_ERROR_SOCKET_DISCONNECT ||
	    e == LIBSSH2_ERROR_SOCKET_RECV;
}

/* One publickey request for blob with alg: 0 ok, EAGAIN, 1 refused (try
 * the next), -1 (the connection is lost, or out of memory). */
static int
conn_offer(struct ssh_conn *c, const unsigned char *blob, size_t bl,
    const char *alg)
{
	int	rc;

	if (c->keyblob == NULL && conn_keyblob(c, blob, bl, alg) != 0)
		return -1;
	rc = libssh2_userauth_publickey(c->sess, c->user, c->keyblob,
	    c->keybloblen, conn_sign, &c->sign_arg);
	if (rc == LIBSSH2_ERROR_EAGAIN)
		return rc;
	free(c->keyblob);
	c->keyblob = NULL;
	if (rc == 0)
		return 0;
	return conn_lost(c) ? -1 : 1;
}

/* Say which key the server refused, and with which algorithms. */
static void
conn_key_refused(struct ssh_conn *c)
{
	if (c->auth_msg[0] != '\0')
		return;
	if (sshkey_type(c->key) == SSHKEY_RSA)
		snprintf(c->auth_msg, sizeof(c->auth_msg), "; server "
		    "refused RSA key %s (tried rsa-sha2-512, rsa-sha2-256, "
		    "ssh-rsa/SHA-1)", sshkey_fingerprint(c->key));
	else
		snprintf(c->auth_msg, sizeof(c->auth_msg), "; server "
		    "refused %s key %s (%s): is it in authorized_keys?",
		    sshkey_label(c->key),
		    sshkey_fingerprint(c->key), sshkey_name(c->key));
}


/* Offer the key with each of its algorithms in turn. */
static int
conn_auth_key(struct ssh_conn *c, const struct ssh_auth *a)
{
	const char *const	*algs;
	const unsigned char	*blob;
	size_t			 bl;
	int			 rc;

	if (c->key == NULL) {
		if ((c->key = conn_key(c, a)) == NULL) {
			conn_tried(c, "publickey (key not loaded)");
			return -1;
		}
		c->key_alg = 0;
		c->sign_arg = c;
	}
	algs = sshkey_algs(c->key);
	blob = sshkey_blob(c->key, &bl);
	for (; algs[c->key_alg] != NULL; c->key_alg++)
		if ((rc = conn_offer(c, blob, bl, algs[c->key_alg])) != 1)
			return rc;
	conn_tried(c, "publickey");
	conn_key_refused(c);
	return -1;
}

static void
conn_agent_note(struct ssh_conn *c, const struct ssh_auth *a,
    const char *what)
{
	if (c->auth_msg[0] == '\0')
		snprintf(c->auth_msg, sizeof(c->auth_msg), "; %s %s", what,
		    a->agent_path != NULL ? a->agent_path : "$SSH_AUTH_SOCK");
}

/* Offer each key of the agent with each of its algorithms in turn. */
static int
conn_auth_agent(struct ssh_conn *c, const struct ssh_auth *a)
{
	const char			*path = a->agent_path;
	const struct sshagent_key	*k;
	const char			*alg;
	int				 rc;

	if (c->agent == NULL) {
		if (path == NULL)
			path = getenv("SSH_AUTH_SOCK");
		if (path == NULL || sshagent_open(path, &c->agent,
		    NULL) != OPS_OK || sshagent_keys(c->agent,
		    &c->agent_keys, &c->agent_nkeys, NULL) != OPS_OK) {
			sshagent_free(c->agent);
			c->agent = NULL;
			conn_tried(c, "agent (unavailable)");
			conn_agent_note(c, a, "no ssh-agent answers at");
			return -1;
		}
		if (c->agent_nkeys == 0) {
			conn_tried(c, "agent (no keys)");
			conn_agent_note(c, a, "no key is loaded (ssh-add) in "
			    "the ssh-agent at");
			return -1;
		}
		c->key = NULL;
		c->agent_idx = 0;
		c->key_alg = 0;
		c->sign_arg = c;
	}
	while (c->agent_idx < c->agent_nkeys) {
		k = &c->agent_keys[c->agent_idx];
		if ((alg = sshkey_alg_of(k->type, c->key_alg)) == NULL) {
			c->agent_idx++;
			c->key_alg = 0;
			continue;
		}
		if ((rc = conn_offer(c, k->blob, k->len, alg)) != 1)
			return rc;
		c->key_alg++;
	}
	conn_tried(c, "agent");
	conn_agent_note(c, a, "the server refused every key of the "
	    "ssh-agent at");
	return -1;
}

/* One attempt of the current method: 0 ok, EAGAIN, or <0 to move on. */
static int
conn_auth_try(struct ssh_conn *c)
{
	const struct ssh_auth *a = c->auth;
	unsigned ul = (unsigned)strlen(c->user);
	int rc;

	switch (c->auth_step) {
	case AUTH_KEY:
		if (a == NULL || (a->key == NULL && a->sshkey == NULL) ||
		    strstr(c->methods, "publickey") == NULL)
			return -1;
		return conn_auth_key(c, a);
	case AUTH_AGENT:
		if (a == NULL || !a->agent ||
		    strstr(c->methods, "publickey") == NULL)
			return -1;
		return conn_auth_agent(c, a);
	case AUTH_PASSWORD:
		if (a == NULL || a->password == NULL ||
		    strstr(c->methods, "password") == NULL)
			return -1;
		rc = libssh2_userauth_password_ex(c->sess, c->user, ul,
		    (const char *)secret_cdata(a->password),
		    (unsigned)secret_len(a->password), NULL);
		if (rc == LIBSSH2_ERROR_EAGAIN || rc == 0)
			return rc;
		conn_tried(c, "password");
		return -1;
	case AUTH_KBD:
		if (a == NULL || a->password == NULL ||
		    strstr(c->methods, "keyboard-interactive") == NULL)
			return -1;
		rc = libssh2_userauth_keyboard_interactive_ex(c->sess, c->user,
		    ul, conn_kbd_answer);
		if (rc == LIBSSH2_ERROR_EAGAIN || rc == 0)
			return rc;
		conn_tried(c, "keyboard-interactive");
		return -1;
	}
	return -1;
}

static int
conn_auth(struct ssh_conn *c)
{
	char lab[300];
	const char *m;
	int rc;

	if (c->state == CONN_AUTH_LIST) {
		m = libssh2_userauth_list(c->sess, c->user,
		    (unsigned)strlen(c->user));
		if (m == NULL) {
			if (libssh2_userauth_authenticated(c->sess))
				return conn_authed(c);
			if (libssh2_session_last_errno(c->sess) ==
			    LIBSSH2_ERROR_EAGAIN) {
				ssh_conn_wait(c);
				return DRIVE_WAIT;
			}
			conn_label(c, lab, sizeof(lab));
			conn_set_result(c, SSH_CLASS_HANDSHAKE,
			    OPS_E_PROTO, "list authentication methods on "
			    "%s: %s", lab, ssh_sess_errmsg(c->sess));
			return conn_fail(c);
		}
		if ((c->methods = strdup(m)) == NULL) {
			conn_set_result(c, SSH_CLASS_INTERNAL,
			    OPS_E_NOMEM, "authenticate: out of memory");
			return conn_fail(c);
		}
		c->auth_step = AUTH_KEY;
		c->kbd_rounds = 0;
		c->kbd_answered = 0;
		c->state = CONN_AUTH;
	}
	while (c->auth_step < AUTH_END) {
		rc = conn_auth_try(c);
		if (rc == LIBSSH2_ERROR_EAGAIN) {
			ssh_conn_wait(c);
			return DRIVE_WAIT;
		}
		if (rc == 0)
			return conn_authed(c);
		/* A dropped connection is not an authentication verdict. */
		if (conn_lost(c)) {
			conn_label(c, lab, sizeof(lab));
			conn_set_result(c, SSH_CLASS_CONNECT,
			    OPS_E_CONNECT, "connection to %s lost during "
			    "authentication: %s", lab, ssh_sess_errmsg(c->sess));
			return conn_fail(c);
		}
		c->auth_step++;
	}
	conn_label(c, lab, sizeof(lab));
	conn_set_result(c, SSH_CLASS_AUTH, OPS_E_AUTH,
	    "authentication failed for %s@%s (tried: %s; server accepts: "
	    "%s)%s", c->user, lab, c->tried[0] ? c->tried : "nothing",
	    c->methods, c->auth_msg);
	return conn_fail(c);
}

/* ---- driving ------------------------------------------------------------- */

void
ssh_conn_drive(struct ssh_conn *c)
{
	int rc;

	for (;;) {
		switch (c->state) {
		case CONN_CONNECT:
			rc = conn_connect(c);
			break;
		case CONN_HANDSHAKE:
			rc = conn_handshake(c);
			break;
		case CONN_AUTH_LIST:
		case CONN_AUTH:
			rc = conn_auth(c);
			break;
		case CONN_READY:
			if (c->task == NULL)
				return;
			rc = c->eng->hooks->run(c->task);
			break;
		default:
			return;
		}
		if (rc != DRIVE_NEXT)
			return;
	}
}

static void
ssh_conn_io(struct evloop *loop, int fd, void *arg, int mask)
{
	struct ssh_conn *c = arg;
	char b;
	ssize_t n;

	if (c->state == CONN_READY && c->task == NULL) {
		/* Idle in the pool: EOF or anything unexpected drops it. */
		n = recv(fd, &b, 1, MSG_PEEK | MSG_DONTWAIT);
		if (n < 0 && (errno == EAGAIN || errno == EINTR))
			return;
		c->eng->st.idle_closed++;
		ssh_conn_destroy(c);
		return;
	}
	ssh_conn_drive(c);
}

static long long
ssh_conn_timeout(struct evloop *loop, long long id, void *arg)
{
	struct ssh_conn *c = arg;
	char lab[300];

	c->timer = 0;
	conn_label(c, lab, sizeof(lab));
	conn_set_result(c, SSH_CLASS_CONNECT_TIMEOUT, OPS_E_TIMEOUT,
	    "connect to %s: no %s within %d ms", lab,
	    net_connect_resolving(c->nc) ? "answer from the name resolver" :
	    c->state == CONN_CONNECT ? "TCP connection" :
	    c->state == CONN_HANDSHAKE ? "SSH handshake" : "authentication",
	    c->connect_ms);
	conn_fail(c);
	return EVLOOP_NOMORE;
}

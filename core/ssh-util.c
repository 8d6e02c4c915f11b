/*
 * ssh-util.c: leaf helpers of the SSH engine: class names, run-error
 * parsing, connect failures, target defaults, shell quoting, the sudo
 * wrapper and the one writer of failed results. Calls no other ssh-*.c.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "net-connect.h"
#include "runenv.h"
#include "ssh-int.h"
#include "termsafe.h"

static const char *const class_names[] = {
	[SSH_CLASS_OK] = "ok",
	[SSH_CLASS_RESOLVE] = "resolve",
	[SSH_CLASS_REFUSED] = "connection-refused",
	[SSH_CLASS_CONNECT_TIMEOUT] = "connect-timeout",
	[SSH_CLASS_CONNECT] = "connect",
	[SSH_CLASS_HANDSHAKE] = "handshake",
	[SSH_CLASS_HOSTKEY_UNKNOWN] = "hostkey-unknown",
	[SSH_CLASS_HOSTKEY_CHANGED] = "hostkey-changed",
	[SSH_CLASS_AUTH] = "auth",
	[SSH_CLASS_CHANNEL] = "channel",
	[SSH_CLASS_TIMEOUT] = "timeout",
	[SSH_CLASS_EXIT] = "exit",
	[SSH_CLASS_SIGNAL] = "signal",
	[SSH_CLASS_INTERNAL] = "internal",
	[SSH_CLASS_SFTP] = "sftp",
	[SSH_CLASS_SUDO] = "sudo",
	[SSH_CLASS_CANCELLED] = "cancelled",
};

const char *
ssh_class_name(enum ssh_class cls)
{
	if ((unsigned)cls >= sizeof(class_names) / sizeof(class_names[0]) ||
	    class_names[cls] == NULL)
		return "unknown";
	return class_names[cls];
}

int
ssh_class_reached(const char *cls)
{
	size_t	i;

	if (cls == NULL)
		return -1;
	for (i = 0; i < sizeof(class_names) / sizeof(class_names[0]); i++) {
		if (class_names[i] == NULL || strcmp(class_names[i], cls) != 0)
			continue;
		switch ((enum ssh_class)i) {
		case SSH_CLASS_RESOLVE:
		case SSH_CLASS_REFUSED:
		case SSH_CLASS_CONNECT_TIMEOUT:
		case SSH_CLASS_CONNECT:
		case SSH_CLASS_HANDSHAKE:
		case SSH_CLASS_HOSTKEY_UNKNOWN:
		case SSH_CLASS_HOSTKEY_CHANGED:
		case SSH_CLASS_AUTH:
			return 0;
		case SSH_CLASS_INTERNAL:
		case SSH_CLASS_CANCELLED:
			return -1;
		default:
			return 1;
		}
	}
	return -1;
}

void
ssh_error_class(const char *error, char *cls, size_t len, const char **text)
{
	const char	*colon;
	size_t		 n;

	cls[0] = '\0';
	if (text != NULL)
		*text = error;
	if (error == NULL || (colon = strstr(error, ": ")) == NULL)
		return;
	n = (size_t)(colon - error);
	if (n == 0 || n >= len || strspn(error, "abcdefghijklmnopqrstuvwxyz-")
	    != n)
		return;
	memcpy(cls, error, n);
	cls[n] = '\0';
	if (text != NULL)
		*text = colon + 2;
}

void
ssh_connect_failure(const struct net_connect_result *res, const char *label,
    enum ssh_class *cls, char *msg, size_t len)
{
	switch (res->cls) {
	case NET_CONNECT_RESOLVE:
		*cls = SSH_CLASS_RESOLVE;
		snprintf(msg, len, "resolve %s: %s; check the host name", label,
		    res->why);
		break;
	case NET_CONNECT_REFUSED:
		*cls = SSH_CLASS_REFUSED;
		snprintf(msg, len, "connect to %s: %s; is sshd running on that "
		    "port?", label, res->why);
		break;
	case NET_CONNECT_INTERNAL:
		*cls = SSH_CLASS_INTERNAL;
		snprintf(msg, len, "connect to %s: out of memory", label);
		break;
	default:
		*cls = SSH_CLASS_CONNECT;
		snprintf(msg, len, "connect to %s: %s", label, res->why);
		break;
	}
}

const char *
ssh_target_user(const struct ssh_target *t)
{
	const char *u;

	if (t->auth != NULL && t->auth->user != NULL && t->auth->user[0])
		return t->auth->user;
	if ((u = getenv("USER")) != NULL && u[0] != '\0')
		return u;
	return "root";
}

unsigned
ssh_target_port(const struct ssh_target *t)
{
	return t->port ? t->port : 22;
}

/* sh single-quote s into a malloc'd string (runenv.c has the one
 * quoting routine). */
char *
ssh_shell_quote(const char *s)
{
	return runenv_quote(s, strlen(s));
}

/*
 * Under sudo the group is reported from inside, by the shell sudo
 * starts (as the become user): its own process group, read from
 * /proc/$$/stat (sudo with use_pty gives the command a group of its
 * own, without it the command shares sudo's), or its pid where there is
 * no /proc. The variables are unset before the command runs.
 */
#define SUDO_REPORT	"_opsicle_g=$$; if read -r _opsicle_s " \
	"</proc/$$/stat 2>/dev/null; then _opsicle_s=${_opsicle_s##*) }; " \
	"set -- $_opsicle_s; _opsicle_g=$3; set --; fi; " \
	"printf '\\036opsicle-pgid:%s\\n' \"$_opsicle_g\" >&2; " \
	"unset _opsicle_g _opsicle_s; "

char *
ssh_batch_wrap_cmd(const struct ssh_batch *b, const char *cmd, int report)
{
	const struct ssh_exec *x = b->x;
	char *inner = NULL, *qc = NULL, *qu = NULL, *out = NULL;
	size_t n;

	if (!x->sudo)
		return report ? ssh_kill_wrap(cmd) : strdup(cmd);
	n = strlen(b->marker) + strlen(cmd) + sizeof(SUDO_REPORT) + 16;
	if ((inner = malloc(n)) == NULL)
		return NULL;
	/* the marker says sudo is done: stdin is the command's from here */
	snprintf(inner, n, "echo %s; %s%s", b->marker, report ? SUDO_REPORT :
	    "", cmd);
	if ((qc = ssh_shell_quote(inner)) == NULL ||
	    (qu = ssh_shell_quote(x->sudo_user ? x->sudo_user : "root")) ==
	    NULL)
		goto out;
	n = strlen(qc) + strlen(qu) + strlen(b->prompt) + 64;
	if ((out = malloc(n)) == NULL)
		goto out;
	/* The password goes to sudo's stdin, never into argv. */
	snprintf(out, n, "sudo -S -p '%s' -u %s -- sh -c %s", b->prompt, qu,
	    qc);
out:
	free(inner);
	free(qc);
	free(qu);
	return out;
}

char *
ssh_batch_wrap(const struct ssh_batch *b, const char *cmd)
{
	return ssh_batch_wrap_cmd(b, cmd, 0);
}

/*
 * The remote shell reports its pid, which is its process group: sshd
 * starts each session's shell with setsid(), and the execs keep the pid,
 * so everything the command starts (not itself calling setsid) is in the
 * group a kill of -PGID reaches. /bin/sh reports it whatever the login
 * shell is; the command then runs in the login shell, as without it.
 */
#define PGID_TAG	"\036opsicle-pgid:"

char *
ssh_kill_wrap(const char *cmd)
{
	static const char head[] = "exec /bin/sh -c 'printf \"\\036"
	    "opsicle-pgid:%s\\n\" \"$$\" >&2; s=${SHELL:-/bin/sh}; "
	    "exec \"$s\" -c \"$1\"' sh ";
	char *q, *out;
	size_t n;

	if ((q = ssh_shell_quote(cmd)) == NULL)
		return NULL;
	n = sizeof(head) + strlen(q);
	if ((out = malloc(n)) != NULL)
		snprintf(out, n, "%s%s", head, q);
	free(q);
	return out;
}

void
ssh_kill_filter(struct ssh_task *tk, const unsigned char *p, size_t n,
    void (*emit)(struct ssh_task *, enum ssh_stream, const unsigned char *,
    size_t))
{
	struct ssh_exec_run *ex = &tk->ex;
	size_t tl = strlen(PGID_TAG), i, take, k;
	long pg = 0;

	take = sizeof(ex->pgid_buf) - ex->pgid_len;
	if (take > n)
		take = n;
	memcpy(ex->pgid_buf + ex->pgid_len, p, take);
	ex->pgid_len += take;
	p += take;
	n -= take;
	k = ex->pgid_len < tl ? ex->pgid_len : tl;
	if (memcmp(ex->pgid_buf, PGID_TAG, k) != 0)
		goto give_up;		/* not ours: all of it is output */
	for (i = tl; i < ex->pgid_len; i++) {
		if (ex->pgid_buf[i] == '\n') {
			if (i > tl && pg > 0)
				ex->pgid = pg;
			ex->pgid_wait = 0;
			i++;
			if (i < ex->pgid_len)
				emit(tk, SSH_STDERR, ex->pgid_buf + i,
				    ex->pgid_len - i);
			ex->pgid_len = 0;
			if (n > 0)
				emit(tk, SSH_STDERR, p, n);
			return;
		}
		if (ex->pgid_buf[i] < '0' || ex->pgid_buf[i] > '9' ||
		    pg > 99999999)
			goto give_up;
		pg = pg * 10 + (ex->pgid_buf[i] - '0');
	}
	if (ex->pgid_len < sizeof(ex->pgid_buf))
		return;			/* wait for the rest of the line */
give_up:
	ex->pgid_wait = 0;
	emit(tk, SSH_STDERR, ex->pgid_buf, ex->pgid_len);
	ex->pgid_len = 0;
	if (n > 0)
		emit(tk, SSH_STDERR, p, n);
}

void
ssh_rand_hex(char *buf, size_t nbytes)
{
	unsigned char r[32];

	if (nbytes > sizeof(r))
		nbytes = sizeof(r);
	randombytes_buf(r, nbytes);
	sodium_bin2hex(buf, nbytes * 2 + 1, r, nbytes);
}

const char *
ssh_path_base(const char *path)
{
	const char *s = strrchr(path, '/');

	return s != NULL ? s + 1 : path;
}

const char *
ssh_sess_errmsg(LIBSSH2_SESSION *s)
{
	char *m = NULL;

	libssh2_session_last_error(s, &m, NULL, 0);
	return m ? m : "unknown error";
}

void
ssh_vfail(int *ok, enum ssh_class *cls, int *status, char *msg, size_t len,
    enum ssh_class c, int st, const char *fmt, va_list ap)
{
	char buf[OPS_ERR_MSG_MAX];

	*ok = 0;
	*cls = c;
	*status = st;
	vsnprintf(buf, sizeof(buf), fmt, ap);
	/* It may quote the target (a signal name, its stderr, what libssh2
	 * kept of its words): no control bytes past this point. */
	(void)termsafe_escape(buf, strlen(buf), 0, msg, len);
}

void
ssh_result_fail(struct ssh_result *r, enum ssh_class cls, int status,
    const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	ssh_vfail(&r->ok, &r->cls, &r->status, r->msg, sizeof(r->msg), cls,
	    status, fmt, ap);
	va_end(ap);
}

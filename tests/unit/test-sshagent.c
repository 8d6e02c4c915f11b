/*
 * test-sshagent.c: the ssh-agent client against a fake agent (a child
 * process on a socket in a temp directory) that answers each request
 * with a reply the test chose: a key list and a signature are read back
 * exactly, with the SHA-2 flag for rsa-sha2-512; a refusal, a reply in
 * another algorithm, truncated and oversized replies are refused with
 * the reason; 300 random replies never crash the parser.
 */
#include "config.h"

#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <sodium.h>

#include "sshagent.h"
#include "tap.h"

static char	dir[] = "/tmp/ops-agent-XXXXXX";
static char	sock[100];

struct buf {
	unsigned char	p[4096];
	size_t		len;
};

static void
b_u32(struct buf *b, size_t v)
{
	b->p[b->len++] = (unsigned char)(v >> 24);
	b->p[b->len++] = (unsigned char)(v >> 16);
	b->p[b->len++] = (unsigned char)(v >> 8);
	b->p[b->len++] = (unsigned char)v;
}

static void
b_str(struct buf *b, const void *s, size_t n)
{
	b_u32(b, n);
	memcpy(b->p + b->len, s, n);
	b->len += n;
}

/*
 * A fake agent: accept one connection, read one request, write reply
 * (raw bytes, length prefix included) and the request's flags word (the
 * last 4 bytes) to flags_fd, then exit.
 */
static pid_t
fake_agent(const unsigned char *reply, size_t len, int flags_fd)
{
	struct sockaddr_un	sa;
	unsigned char		req[8192];
	ssize_t			n, got = 0;
	int			ls, c;
	pid_t			pid;

	unlink(sock);
	memset(&sa, 0, sizeof(sa));
	sa.sun_family = AF_UNIX;
	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", sock);
	if ((ls = socket(AF_UNIX, SOCK_STREAM, 0)) == -1 ||
	    bind(ls, (struct sockaddr *)&sa, sizeof(sa)) != 0 ||
	    listen(ls, 1) != 0)
		return -1;
	if ((pid = fork()) != 0) {
		close(ls);
		return pid;
	}
	alarm(10);
	if ((c = accept(ls, NULL, NULL)) == -1)
		_exit(1);
	/* read the length and the body */
	while (got < 4 && (n = read(c, req + got, 4 - (size_t)got)) > 0)
		got += n;
	if (got == 4) {
		size_t want = (size_t)req[0] << 24 | (size_t)req[1] << 16 |
		    (size_t)req[2] << 8 | req[3];

		while ((size_t)got < 4 + want && (size_t)got < sizeof(req) &&
		    (n = read(c, req + got, sizeof(req) - (size_t)got)) > 0)
			got += n;
	}
	if (flags_fd >= 0 && got >= 8 &&
	    write(flags_fd, req + got - 4, 4) != 4)
		_exit(1);
	if (len > 0 && write(c, reply, len) != (ssize_t)len)
		_exit(1);
	close(c);
	_exit(0);
}

static void
reap(pid_t pid)
{
	int	st;

	if (pid > 0) {
		kill(pid, SIGTERM);
		waitpid(pid, &st, 0);
	}
}

/* The reply framed: u32 length, then the body. */
static void
frame(struct buf *out, const struct buf *body)
{
	out->len = 0;
	b_u32(out, body->len);
	memcpy(out->p + out->len, body->p, body->len);
	out->len += body->len;
}

static struct buf	keyblob;

/* Open, list (when list), and return the rc of the step under test. */
static int
try_keys(const struct buf *body, const struct sshagent_key **k, size_t *n,
    struct sshagent **ag, struct ops_err *err)
{
	struct buf	f;
	pid_t		pid;
	int		rc;

	frame(&f, body);
	pid = fake_agent(f.p, f.len, -1);
	rc = sshagent_open(sock, ag, err);
	if (rc == OPS_OK)
		rc = sshagent_keys(*ag, k, n, err);
	reap(pid);
	return rc;
}

static int
try_sign(const struct buf *body, const char *alg, unsigned *flags,
    unsigned char *sig, size_t *siglen, struct ops_err *err)
{
	struct sshagent_key	 k;
	struct sshagent		*ag = NULL;
	struct buf		 f;
	unsigned char		 fl[4] = { 0 };
	int			 p[2], rc;
	pid_t			 pid;

	k.blob = keyblob.p;
	k.len = keyblob.len;
	snprintf(k.type, sizeof(k.type), "ssh-rsa");
	if (pipe(p) != 0)
		return -999;
	frame(&f, body);
	pid = fake_agent(f.p, f.len, p[1]);
	close(p[1]);
	rc = sshagent_open(sock, &ag, err);
	if (rc == OPS_OK)
		rc = sshagent_sign(ag, &k, alg, (const unsigned char *)"data",
		    4, sig, 512, siglen, err);
	if (read(p[0], fl, 4) == 4)
		*flags = (unsigned)fl[0] << 24 | (unsigned)fl[1] << 16 |
		    (unsigned)fl[2] << 8 | fl[3];
	close(p[0]);
	reap(pid);
	sshagent_free(ag);
	return rc;
}

int
main(void)
{
	const struct sshagent_key	*k = NULL;
	struct sshagent			*ag = NULL;
	struct ops_err			 err;
	struct buf			 body, sigb, f;
	unsigned char			 sig[512];
	size_t				 n = 0, siglen = 0, i;
	unsigned			 flags = 99;
	int				 rc, it, okn = 0;

	if (sodium_init() < 0)
		skip_all("libsodium does not initialise");
	if (mkdtemp(dir) == NULL)
		skip_all("mkdtemp failed");
	snprintf(sock, sizeof(sock), "%s/agent.sock", dir);
	plan(9);

	keyblob.len = 0;
	b_str(&keyblob, "ssh-rsa", 7);
	b_str(&keyblob, "\x01\x00\x01", 3);
	b_str(&keyblob, "\x00\xc3\x11\x22", 4);

	/* a list of two keys */
	body.len = 0;
	body.p[body.len++] = 12;
	b_u32(&body, 2);
	b_str(&body, keyblob.p, keyblob.len);
	b_str(&body, "rsa key", 7);
	b_str(&body, "\x00\x00\x00\x0bssh-ed25519\x00\x00\x00\x01x", 20);
	b_str(&body, "", 0);
	rc = try_keys(&body, &k, &n, &ag, &err);
	ok(rc == OPS_OK && n == 2 && strcmp(k[0].type, "ssh-rsa") == 0 &&
	    k[0].len == keyblob.len && memcmp(k[0].blob, keyblob.p,
	    keyblob.len) == 0 && strcmp(k[1].type, "ssh-ed25519") == 0,
	    "the key list is read back (types and blobs)");
	sshagent_free(ag);
	ag = NULL;

	/* a key count beyond the reply */
	body.len = 0;
	body.p[body.len++] = 12;
	b_u32(&body, 3);
	b_str(&body, keyblob.p, keyblob.len);
	b_str(&body, "c", 1);
	rc = try_keys(&body, &k, &n, &ag, &err);
	ok(rc == OPS_E_PROTO && strstr(err.msg, "malformed key list") != NULL,
	    "a key list shorter than its count is refused");
	sshagent_free(ag);
	ag = NULL;

	/* a signature */
	sigb.len = 0;
	b_str(&sigb, "rsa-sha2-512", 12);
	b_str(&sigb, "SIGNATURE", 9);
	body.len = 0;
	body.p[body.len++] = 14;
	b_str(&body, sigb.p, sigb.len);
	rc = try_sign(&body, "rsa-sha2-512", &flags, sig, &siglen, &err);
	ok(rc == OPS_OK && siglen == 9 && memcmp(sig, "SIGNATURE", 9) == 0,
	    "a signature is read back bare");
	ok(flags == 4, "rsa-sha2-512 asks with SSH_AGENT_RSA_SHA2_512 (4; "
	    "got %u)", flags);
	rc = try_sign(&body, "rsa-sha2-256", &flags, sig, &siglen, &err);
	ok(rc == OPS_E_AUTH && flags == 2 && strstr(err.msg, "another "
	    "algorithm than rsa-sha2-256") != NULL, "a signature in another "
	    "algorithm is refused (asked with flag 2)");
	body.len = 0;
	body.p[body.len++] = 5;
	rc = try_sign(&body, "ssh-rsa", &flags, sig, &siglen, &err);
	ok(rc == OPS_E_AUTH && flags == 0 && strstr(err.msg, "refused to "
	    "sign") != NULL, "the agent's refusal is reported (ssh-rsa: no "
	    "flag)");

	/* oversized and empty replies, a dead agent */
	f.len = 0;
	b_u32(&f, SSHAGENT_MSG_MAX + 1);
	{
		pid_t pid = fake_agent(f.p, f.len, -1);

		rc = sshagent_open(sock, &ag, &err);
		if (rc == OPS_OK)
			rc = sshagent_keys(ag, &k, &n, &err);
		reap(pid);
		sshagent_free(ag);
		ag = NULL;
	}
	ok(rc == OPS_E_PROTO, "an oversized reply is refused");
	unlink(sock);
	rc = sshagent_open(sock, &ag, &err);
	ok(rc == OPS_E_CONNECT && strstr(err.msg, sock) != NULL,
	    "no agent: the error names the socket");

	/* random replies */
	for (it = 0; it < 300; it++) {
		body.len = 1 + randombytes_uniform(200);
		randombytes_buf(body.p, body.len);
		if (it % 2)
			body.p[0] = 12;
		else if (it % 3)
			body.p[0] = 14;
		for (i = 1; i + 4 < body.len && randombytes_uniform(2); i += 4)
			body.p[i] = body.p[i + 1] = 0;
		if (it % 2) {
			rc = try_keys(&body, &k, &n, &ag, &err);
			sshagent_free(ag);
			ag = NULL;
		} else
			rc = try_sign(&body, "rsa-sha2-512", &flags, sig,
			    &siglen, &err);
		if (rc == OPS_OK)
			okn++;
	}
	ok(okn < 300, "300 random replies without a crash (%d accepted)", okn);
	unlink(sock);
	rmdir(dir);
	return exit_status();
}

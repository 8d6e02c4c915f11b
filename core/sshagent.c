/*
 * sshagent.c: the ssh-agent client (see sshagent.h for the contract).
 */
#include "config.h"

#include <sys/socket.h>
#include <sys/time.h>
#include <sys/un.h>

#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "sshagent.h"

#define AGENT_FAILURE		5
#define AGENTC_REQUEST_IDENTITIES	11
#define AGENT_IDENTITIES_ANSWER	12
#define AGENTC_SIGN_REQUEST	13
#define AGENT_SIGN_RESPONSE	14
#define AGENT_RSA_SHA2_256	2
#define AGENT_RSA_SHA2_512	4

struct sshagent {
	int			 fd;
	char			 path[sizeof(((struct sockaddr_un *)0)->sun_path)];
	struct sshagent_key	*keys;
	size_t			 nkeys;
	unsigned char		*msg;		/* the last reply */
	size_t			 msglen;
};

static void
put_u32(unsigned char *p, size_t v)
{
	p[0] = (unsigned char)(v >> 24);
	p[1] = (unsigned char)(v >> 16);
	p[2] = (unsigned char)(v >> 8);
	p[3] = (unsigned char)v;
}

static uint32_t
get_u32(const unsigned char *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 |
	    (uint32_t)p[2] << 8 | p[3];
}

/* A string at *off of p (len bytes); advances *off. */
static int
get_str(const unsigned char *p, size_t len, size_t *off,
    const unsigned char **s, size_t *slen)
{
	uint32_t	n;

	if (len - *off < 4)
		return -1;
	n = get_u32(p + *off);
	if (n > len - *off - 4)
		return -1;
	*s = p + *off + 4;
	*slen = n;
	*off += 4 + n;
	return 0;
}

static int
io_all(int fd, unsigned char *p, size_t len, int wr)
{
	ssize_t	n;

	while (len > 0) {
		n = wr ? send(fd, p, len, MSG_NOSIGNAL) : recv(fd, p, len, 0);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return -1;
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

/* Send req (len bytes, without the length) and read the reply into
 * ag->msg. */
static int
exchange(struct sshagent *ag, const unsigned char *req, size_t len,
    struct ops_err *err)
{
	unsigned char	hdr[4];
	size_t		n;

	put_u32(hdr, len);
	if (io_all(ag->fd, hdr, 4, 1) != 0 ||
	    io_all(ag->fd, (unsigned char *)(uintptr_t)req, len, 1) != 0 ||
	    io_all(ag->fd, hdr, 4, 0) != 0)
		return ops_err_errno(err, OPS_E_IO, "talk to the ssh-agent at "
		    "%s", ag->path);
	if ((n = get_u32(hdr)) == 0 || n > SSHAGENT_MSG_MAX)
		return ops_err_set(err, OPS_E_PROTO, "the ssh-agent at %s sent "
		    "a reply of %zu bytes", ag->path, n);
	free(ag->msg);
	ag->msglen = 0;
	if ((ag->msg = malloc(n)) == NULL)
		return ops_err_set(err, OPS_E_NOMEM, "read the ssh-agent's "
		    "reply");
	if (io_all(ag->fd, ag->msg, n, 0) != 0)
		return ops_err_errno(err, OPS_E_IO, "read from the ssh-agent "
		    "at %s", ag->path);
	ag->msglen = n;
	return OPS_OK;
}

int
sshagent_open(const char *path, struct sshagent **out, struct ops_err *err)
{
	struct sockaddr_un	 sa;
	struct timeval		 tv = { SSHAGENT_TIMEOUT_MS / 1000,
				     (SSHAGENT_TIMEOUT_MS % 1000) * 1000 };
	struct sshagent		*ag;

	*out = NULL;
	memset(&sa, 0, sizeof(sa));
	sa.sun_family = AF_UNIX;
	if (path == NULL || strlen(path) >= sizeof(sa.sun_path))
		return ops_err_set(err, OPS_E_INVAL, "ssh-agent socket path "
		    "missing or too long");
	memcpy(sa.sun_path, path, strlen(path));
	if ((ag = calloc(1, sizeof(*ag))) == NULL)
		return ops_err_set(err, OPS_E_NOMEM, "open the ssh-agent");
	memcpy(ag->path, path, strlen(path));
	if ((ag->fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0)) == -1 ||
	    setsockopt(ag->fd, SOL_SOCKET, SO_RCVTIMEO, &tv,
	    sizeof(tv)) != 0 || setsockopt(ag->fd, SOL_SOCKET, SO_SNDTIMEO,
	    &tv, sizeof(tv)) != 0 ||
	    connect(ag->fd, (struct sockaddr *)&sa, sizeof(sa)) != 0) {
		ops_err_errno(err, OPS_E_CONNECT, "connect to the ssh-agent at "
		    "%s", path);
		sshagent_free(ag);
		return OPS_E_CONNECT;
	}
	*out = ag;
	return OPS_OK;
}

static void
keys_free(struct sshagent *ag)
{
	size_t	i;

	for (i = 0; i < ag->nkeys; i++)
		free(ag->keys[i].blob);
	free(ag->keys);
	ag->keys = NULL;
	ag->nkeys = 0;
}

void
sshagent_free(struct sshagent *ag)
{
	if (ag == NULL)
		return;
	if (ag->fd >= 0)
		close(ag->fd);
	keys_free(ag);
	free(ag->msg);
	free(ag);
}

int
sshagent_keys(struct sshagent *ag, const struct sshagent_key **keys,
    size_t *n, struct ops_err *err)
{
	static const unsigned char	 req = AGENTC_REQUEST_IDENTITIES;
	const unsigned char		*blob, *cmt, *ty;
	size_t				 off = 5, bl, cl, tl, i, t;
	uint32_t			 nk;
	int				 rc;

	*keys = NULL;
	*n = 0;
	keys_free(ag);
	if ((rc = exchange(ag, &req, 1, err)) != OPS_OK)
		return rc;
	if (ag->msglen < 5 || ag->msg[0] != AGENT_IDENTITIES_ANSWER ||
	    (nk = get_u32(ag->msg + 1)) > SSHAGENT_KEYS_MAX)
		return ops_err_set(err, OPS_E_PROTO, "the ssh-agent at %s did "
		    "not list its keys", ag->path);
	if (nk > 0 && (ag->keys = calloc(nk, sizeof(*ag->keys))) == NULL)
		return ops_err_set(err, OPS_E_NOMEM, "list agent keys");
	for (i = 0; i < nk; i++) {
		if (get_str(ag->msg, ag->msglen, &off, &blob, &bl) != 0 ||
		    get_str(ag->msg, ag->msglen, &off, &cmt, &cl) != 0)
			goto bad;
		t = 0;
		if (get_str(blob, bl, &t, &ty, &tl) != 0 ||
		    tl >= sizeof(ag->keys[0].type) || tl == 0)
			goto bad;
		if ((ag->keys[ag->nkeys].blob = malloc(bl)) == NULL) {
			keys_free(ag);
			return ops_err_set(err, OPS_E_NOMEM, "list agent keys");
		}
		memcpy(ag->keys[ag->nkeys].blob, blob, bl);
		ag->keys[ag->nkeys].len = bl;
		memcpy(ag->keys[ag->nkeys].type, ty, tl);
		ag->keys[ag->nkeys].type[tl] = '\0';
		ag->nkeys++;
	}
	*keys = ag->keys;
	*n = ag->nkeys;
	return OPS_OK;
bad:
	keys_free(ag);
	return ops_err_set(err, OPS_E_PROTO, "the ssh-agent at %s sent a "
	    "malformed key list", ag->path);
}

int
sshagent_sign(struct sshagent *ag, const struct sshagent_key *k,
    const char *alg, const unsigned char *data, size_t len,
    unsigned char *sig, size_t cap, size_t *siglen, struct ops_err *err)
{
	unsigned char		*req;
	const unsigned char	*blob, *name, *raw;
	size_t			 rl = 1 + 4 + k->len + 4 + len + 4, off = 1;
	size_t			 bl, nl, sl;
	unsigned		 flags = 0;
	int			 rc;

	*siglen = 0;
	if (strcmp(alg, "rsa-sha2-512") == 0)
		flags = AGENT_RSA_SHA2_512;
	else if (strcmp(alg, "rsa-sha2-256") == 0)
		flags = AGENT_RSA_SHA2_256;
	if (len > SSHAGENT_MSG_MAX || (req = malloc(rl)) == NULL)
		return ops_err_set(err, OPS_E_NOMEM, "build an agent request");
	req[0] = AGENTC_SIGN_REQUEST;
	put_u32(req + 1, k->len);
	memcpy(req + 5, k->blob, k->len);
	put_u32(req + 5 + k->len, len);
	memcpy(req + 9 + k->len, data, len);
	put_u32(req + 9 + k->len + len, flags);
	rc = exchange(ag, req, rl, err);
	free(req);
	if (rc != OPS_OK)
		return rc;
	if (ag->msg[0] == AGENT_FAILURE)
		return ops_err_set(err, OPS_E_AUTH, "the ssh-agent at %s "
		    "refused to sign with its %s key", ag->path, k->type);
	if (ag->msg[0] != AGENT_SIGN_RESPONSE ||
	    get_str(ag->msg, ag->msglen, &off, &blob, &bl) != 0 ||
	    off != ag->msglen)
		return ops_err_set(err, OPS_E_PROTO, "the ssh-agent at %s sent "
		    "a malformed signature", ag->path);
	off = 0;
	if (get_str(blob, bl, &off, &name, &nl) != 0 ||
	    get_str(blob, bl, &off, &raw, &sl) != 0 || off != bl)
		return ops_err_set(err, OPS_E_PROTO, "the ssh-agent at %s sent "
		    "a malformed signature", ag->path);
	if (nl != strlen(alg) || memcmp(name, alg, nl) != 0)
		return ops_err_set(err, OPS_E_AUTH, "the ssh-agent at %s "
		    "signed with another algorithm than %s", ag->path, alg);
	if (sl > cap)
		return ops_err_set(err, OPS_E_TOOBIG, "the ssh-agent's "
		    "signature is too large");
	memcpy(sig, raw, sl);
	*siglen = sl;
	return OPS_OK;
}

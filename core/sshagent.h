/*
 * sshagent.h: a small ssh-agent client (draft-miller-ssh-agent): list
 * the agent's keys and have it sign.
 *
 * Contract: sshagent_open connects to the agent's socket (a path; no
 * $SSH_AUTH_SOCK lookup here). Every exchange is one request and one
 * reply on a blocking socket bounded by SSHAGENT_TIMEOUT_MS each way, so
 * a hung agent costs at most that; replies are bounds-checked (at most
 * SSHAGENT_MSG_MAX bytes, SSHAGENT_KEYS_MAX keys) and a malformed one is
 * OPS_E_PROTO. Keys are public blobs (SSH wire encoding) with their
 * comments, owned by the struct sshagent and valid until sshagent_free.
 *
 * sshagent_sign asks for a signature with algorithm alg: for an RSA key
 * "rsa-sha2-512" and "rsa-sha2-256" set the agent's SHA-2 flags, so an
 * agent's RSA key can log in to OpenSSH 8.8 and later; the reply's
 * algorithm must be alg. The bare signature (without its algorithm
 * name) goes into sig. The agent refusing is OPS_E_AUTH.
 */
#ifndef OPS_SSHAGENT_H
#define OPS_SSHAGENT_H

#include <stddef.h>

#include "error.h"

#define SSHAGENT_TIMEOUT_MS	5000
#define SSHAGENT_MSG_MAX	(256 * 1024)
#define SSHAGENT_KEYS_MAX	1024

struct sshagent;

struct sshagent_key {
	unsigned char	*blob;
	size_t		 len;
	char		 type[48];	/* the blob's type name */
};

int	sshagent_open(const char *path, struct sshagent **out,
	    struct ops_err *err);
void	sshagent_free(struct sshagent *ag);
/* Ask for the agent's keys; *keys is borrowed from ag. */
int	sshagent_keys(struct sshagent *ag, const struct sshagent_key **keys,
	    size_t *n, struct ops_err *err);
int	sshagent_sign(struct sshagent *ag, const struct sshagent_key *k,
	    const char *alg, const unsigned char *data, size_t len,
	    unsigned char *sig, size_t cap, size_t *siglen,
	    struct ops_err *err);

#endif

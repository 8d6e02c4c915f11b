/*
 * hostkey.h: SSH host key identities and OpenSSH known_hosts import.
 *
 * Contract: a struct hostkey names one host key by its algorithm name
 * ("ssh-ed25519", "ecdsa-sha2-nistp256", "ssh-rsa", ...; may be empty when
 * only a fingerprint is known) and its SHA256 fingerprint in OpenSSH form,
 * "SHA256:" + unpadded base64 of SHA-256(key blob). Two keys are the same
 * key exactly when their fingerprints are equal. Everything here is plain
 * data in fixed-size fields: no allocation except the array returned by
 * hostkey_known_hosts_lookup, which the caller frees with free(3).
 *
 * known_hosts lines are "[marker] hostpatterns keytype base64 [comment]",
 * host patterns being comma-separated names, "[host]:port" for a port
 * other than 22, or one hashed entry "|1|base64(salt)|base64(HMAC-SHA1(
 * salt, name))". As in OpenSSH, a line whose negated pattern ("!name",
 * wildcards allowed) matches the host does not match it, whatever its
 * other patterns say; a key that a matching "@revoked" line names is
 * never returned for the host, from any line. Positive wildcard patterns
 * count only on @revoked lines (a key learned for "*" would be trusted
 * everywhere; a key revoked for "*" is revoked everywhere), and
 * "@cert-authority" lines are counted, never used: opsicle does not
 * check host certificates.
 */
#ifndef OPS_HOSTKEY_H
#define OPS_HOSTKEY_H

#include <stddef.h>

#include "error.h"

#define HOSTKEY_TYPE_MAX	48
#define HOSTKEY_FP_MAX		64	/* "SHA256:" + 43 chars + NUL fits */

struct hostkey {
	char	type[HOSTKEY_TYPE_MAX];
	char	fp[HOSTKEY_FP_MAX];
};

/* Fill hk from a raw key blob (the SSH wire encoding). */
int	hostkey_from_blob(const unsigned char *blob, size_t len,
	    struct hostkey *hk, struct ops_err *err);
/* Fill hk from a base64 blob as in known_hosts or *.pub files. */
int	hostkey_from_base64(const char *b64, struct hostkey *hk,
	    struct ops_err *err);
/* Fill hk from "SHA256:..." (type may be NULL or ""). */
int	hostkey_from_fp(const char *type, const char *fp, struct hostkey *hk,
	    struct ops_err *err);
/* 1 when both name the same key (same fingerprint), else 0. */
int	hostkey_equal(const struct hostkey *a, const struct hostkey *b);

/*
 * The keys for host (and port; 22 means the plain name) found in the
 * known_hosts text (len bytes, need not be NUL-terminated). *out is a
 * malloc'd array of *n keys (NULL when none); caller frees.
 */
int	hostkey_known_hosts_lookup(const char *text, size_t len,
	    const char *host, unsigned port, struct hostkey **out, size_t *n,
	    struct ops_err *err);
/* A lookup with what it left out. */
struct hostkey_kh {
	struct hostkey	*keys;		/* the host's keys (none revoked) */
	size_t		 nkeys;
	struct hostkey	*revoked;	/* keys @revoked for the host */
	size_t		 nrevoked;
	size_t		 ncert_authority; /* @cert-authority lines skipped */
};
/* Fill *res (free with hostkey_kh_done, also after an error). */
int	hostkey_known_hosts_scan(const char *text, size_t len,
	    const char *host, unsigned port, struct hostkey_kh *res,
	    struct ops_err *err);
void	hostkey_kh_done(struct hostkey_kh *res);
/* Same, reading the file at path. */
int	hostkey_known_hosts_file(const char *path, const char *host,
	    unsigned port, struct hostkey **out, size_t *n,
	    struct ops_err *err);

/* HMAC-SHA1 as OpenSSH hashes known_hosts names (exposed for tests). */
void	hostkey_hmac_sha1(const unsigned char *key, size_t keylen,
	    const unsigned char *msg, size_t msglen, unsigned char out[20]);

#endif

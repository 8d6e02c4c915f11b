/*
 * sshkey-int.h: internals shared by sshkey.c (PEM, the API, signing) and
 * sshkey-openssh.c (the "openssh-key-v1" container); not a public API.
 */
#ifndef OPS_SSHKEY_INT_H
#define OPS_SSHKEY_INT_H

#include <stddef.h>

#include <openssl/evp.h>

#include "hostkey.h"
#include "sshkey.h"

#define BLOB_MAX	4096	/* public blob: RSA-16384 needs ~2.1 KB */
#define RSA_MIN_BITS	1024	/* OpenSSH's SSH_RSA_MINIMUM_MODULUS_SIZE */
#define RSA_MAX_BITS	16384	/* OpenSSH's SSHBUF_MAX_BIGNUM * 8 */

struct sshkey {
	enum sshkey_type	 type;
	int			 pkey_id;	/* EVP_PKEY_RSA/EC for priv */
	char			 curve[16];	/* "nistp256"... (ECDSA) */
	const char		*label;
	unsigned		 bits;
	int			 encrypted;
	unsigned char		 blob[BLOB_MAX];
	size_t			 bloblen;
	struct hostkey		 id;		/* type name + SHA256 */
	struct secret		*priv;
};

/* A bounded writer of SSH wire data into p (cap bytes); bad once full. */
struct sshkey_wb {
	unsigned char	*p;
	size_t		 cap, len;
	int		 bad;
};

void	sshkey_wb_str(struct sshkey_wb *w, const void *d, size_t n);

/* The curve of an SSH ("nistp256", ssh 1) or OpenSSL ("prime256v1", ssh
 * 0) name: an index, or -1. */
int	sshkey_curve_index(const char *name, int ssh);
const char *sshkey_curve_ossl(int ci);

/* k's id (type name, fingerprint) from its blob. */
int	sshkey_finish_id(struct sshkey *k, struct ops_err *err);
/* Fill k (type, blob, bits, private part) from an OpenSSL key. */
int	sshkey_finish_pkey(struct sshkey *k, EVP_PKEY *pk,
	    struct ops_err *err);

/* sshkey-openssh.c: parse the base64 body of an "OPENSSH PRIVATE KEY". */
int	sshkey_openssh_load(struct sshkey *k, const char *b64, size_t b64len,
	    const struct secret *pass, struct ops_err *err);

#endif

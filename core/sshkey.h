/*
 * sshkey.h: SSH private keys: parse, describe, sign.
 *
 * Contract: sshkey_load parses the text of a private key file, in any of
 * the formats ssh-keygen writes: OpenSSH ("openssh-key-v1"), unencrypted
 * or encrypted (bcrypt KDF with aes128/192/256-ctr, -cbc or
 * aes128/256-gcm@openssh.com), and PEM (PKCS#1 "RSA PRIVATE KEY", SEC1
 * "EC PRIVATE KEY", PKCS#8 "PRIVATE KEY", each possibly encrypted, and
 * PKCS#8 "ENCRYPTED PRIVATE KEY"), the PEM ones through OpenSSL. Key
 * types: RSA (1024 to 16384 bits), ECDSA on nistp256/384/521 and
 * Ed25519. Anything else is refused with a message that says what it
 * is and what to do, never with the key's bytes:
 *   OPS_E_INVAL    not a private key (a public key, PuTTY, garbage) or
 *                  damaged
 *   OPS_E_VERSION  a format, cipher or key type we do not support
 *   OPS_E_BADKEY   encrypted and no passphrase given, or the passphrase
 *                  does not decrypt it (err says which)
 *   OPS_E_TOOBIG   more than SSHKEY_TEXT_MAX bytes, or more KDF rounds
 *                  than BCRYPT_PBKDF_MAX_ROUNDS
 * The input is borrowed and never copied outside sodium_malloc memory;
 * the parsed private part lives in a struct secret (Ed25519: the 64-byte
 * libsodium secret key; RSA and ECDSA: OpenSSL's DER encoding) that
 * sshkey_free wipes. Keys OpenSSL holds while parsing or signing are its
 * own objects and are freed (cleared) before the function returns.
 *
 * The public half is the SSH wire blob (RFC 4253 6.6: "ssh-rsa" e n,
 * "ssh-ed25519" key, "ecdsa-sha2-<curve>" curve point) and its SHA256
 * fingerprint as ssh-keygen -l prints it ("SHA256:" + unpadded base64).
 *
 * sshkey_sign signs data with one of the key's algorithms
 * (sshkey_algs: "rsa-sha2-512", "rsa-sha2-256" and "ssh-rsa" for RSA,
 * the key type's name otherwise) and gives the bare signature that goes
 * inside the SSH signature blob: RSA PKCS#1 v1.5 bytes, Ed25519's 64
 * bytes, or ECDSA's mpint r, mpint s.
 *
 * libsodium must be initialised (ops_crypto_init) first.
 */
#ifndef OPS_SSHKEY_H
#define OPS_SSHKEY_H

#include <stddef.h>

#include "error.h"
#include "secret.h"

#define SSHKEY_TEXT_MAX	(64 * 1024)	/* bytes of key file text */
#define SSHKEY_SIG_MAX	4096		/* bytes of a bare signature */

enum sshkey_type {
	SSHKEY_RSA = 1,
	SSHKEY_ECDSA,
	SSHKEY_ED25519,
};

struct sshkey;

/* Parse text (a key file's bytes) with passphrase (NULL: none). Caller
 * frees *out with sshkey_free. */
int		 sshkey_load(const struct secret *text,
		     const struct secret *passphrase, struct sshkey **out,
		     struct ops_err *err);
void		 sshkey_free(struct sshkey *k);

enum sshkey_type sshkey_type(const struct sshkey *k);
/* "ssh-rsa", "ssh-ed25519", "ecdsa-sha2-nistp256"...; borrowed */
const char	*sshkey_name(const struct sshkey *k);
/* "RSA", "ED25519", "ECDSA" as ssh-keygen -l shows them; borrowed */
const char	*sshkey_label(const struct sshkey *k);
unsigned	 sshkey_bits(const struct sshkey *k);
/* "SHA256:..."; borrowed */
const char	*sshkey_fingerprint(const struct sshkey *k);
/* 1 when the file was encrypted (a passphrase was needed) */
int		 sshkey_encrypted(const struct sshkey *k);
/* the public key blob; borrowed */
const unsigned char *sshkey_blob(const struct sshkey *k, size_t *len);
/* The signature algorithms for k, best first, NULL-terminated; static. */
const char *const *sshkey_algs(const struct sshkey *k);
/* The i-th signature algorithm (0 best) of a key of type name type
 * ("ssh-rsa": rsa-sha2-512, rsa-sha2-256, ssh-rsa; else type itself),
 * NULL past the last; borrowed from type or static. */
const char	*sshkey_alg_of(const char *type, int i);
/* Sign len bytes at data with algorithm alg (one of sshkey_algs) into
 * sig (cap bytes; SSHKEY_SIG_MAX is always enough); *siglen set. */
int		 sshkey_sign(const struct sshkey *k, const char *alg,
		     const unsigned char *data, size_t len,
		     unsigned char *sig, size_t cap, size_t *siglen,
		     struct ops_err *err);

#endif

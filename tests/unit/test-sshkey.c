/*
 * test-sshkey.c: private keys as ssh-keygen writes them. Ed25519, ECDSA
 * (nistp256/384/521) and RSA-3072 keys in OpenSSH format, unencrypted
 * and encrypted (bcrypt + aes256-ctr, and aes256-gcm), and RSA and ECDSA
 * in PEM (PKCS#1/SEC1 and PKCS#8, plain and encrypted) load with the
 * type, size and fingerprint ssh-keygen -l gives, and sign (RSA and
 * Ed25519 signatures are verified with OpenSSL and libsodium). A wrong
 * or missing passphrase, a .pub file, PuTTY, truncated and garbage files
 * are refused with the reason; the Blowfish state behind bcrypt_pbkdf is
 * OpenSSL's; random damage to keys never crashes the parser.
 */
#include "config.h"

#define OPENSSL_SUPPRESS_DEPRECATED 1

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/blowfish.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <sodium.h>

#include "bcrypt-pbkdf.h"
#include "sshkey.h"
#include "tap.h"

#define PASS	"correct horse"

static char	dir[] = "/tmp/ops-sshkey-XXXXXX";

/* ssh-keygen a key NAME with options gen (a -N there wins) */
static int
keygen(const char *name, const char *gen)
{
	char	cmd[1024];

	snprintf(cmd, sizeof(cmd), "ssh-keygen -q -N '' -C test %s -f %s/%s "
	    "</dev/null >/dev/null", gen, dir, name);
	return system(cmd);
}

static struct secret *
file_secret(const char *name, const char *suffix)
{
	char		 path[512];
	static char	 buf[SSHKEY_TEXT_MAX + 16];
	struct secret	*s = NULL;
	FILE		*f;
	size_t		 n;

	snprintf(path, sizeof(path), "%s/%s%s", dir, name, suffix);
	if ((f = fopen(path, "r")) == NULL)
		return NULL;
	n = fread(buf, 1, sizeof(buf), f);
	fclose(f);
	if (secret_from(buf, n, &s, NULL) != OPS_OK)
		return NULL;
	sodium_memzero(buf, n);
	return s;
}

static struct secret *
str_secret(const char *s)
{
	struct secret	*sec = NULL;

	if (secret_from(s, strlen(s), &sec, NULL) != OPS_OK)
		return NULL;
	return sec;
}

/* "3072 SHA256:... comment (RSA)" from ssh-keygen -l */
static int
keygen_fp(const char *name, char *fp, size_t len, unsigned *bits)
{
	char	cmd[512], line[512];
	FILE	*p;
	int	rc;

	snprintf(cmd, sizeof(cmd), "ssh-keygen -lf %s/%s.pub", dir, name);
	if ((p = popen(cmd, "r")) == NULL)
		return -1;
	rc = fgets(line, sizeof(line), p) != NULL &&
	    sscanf(line, "%u %63s", bits, fp) == 2 ? 0 : -1;
	pclose(p);
	(void)len;
	return rc;
}

/* Verify an RSA signature with the public key as ssh-keygen exports it. */
static int
rsa_verify(const char *name, const char *md, const unsigned char *data,
    size_t len, const unsigned char *sig, size_t siglen)
{
	char		 cmd[512];
	FILE		*p;
	EVP_PKEY	*pk;
	EVP_MD_CTX	*mc;
	int		 ok_ = 0;

	snprintf(cmd, sizeof(cmd), "ssh-keygen -e -m PKCS8 -f %s/%s.pub",
	    dir, name);
	if ((p = popen(cmd, "r")) == NULL)
		return 0;
	pk = PEM_read_PUBKEY(p, NULL, NULL, NULL);
	pclose(p);
	if (pk == NULL)
		return 0;
	if ((mc = EVP_MD_CTX_new()) != NULL &&
	    EVP_DigestVerifyInit_ex(mc, NULL, md, NULL, NULL, pk, NULL) == 1)
		ok_ = EVP_DigestVerify(mc, sig, siglen, data, len) == 1;
	EVP_MD_CTX_free(mc);
	EVP_PKEY_free(pk);
	return ok_;
}

struct kcase {
	const char	*name;
	const char	*gen;		/* ssh-keygen options */
	int		 encrypted;
	enum sshkey_type type;
	const char	*label;
};

static const struct kcase cases[] = {
	{ "ed", "-t ed25519", 0, SSHKEY_ED25519, "ED25519" },
	{ "ed-enc", "-t ed25519 -N '" PASS "'", 1, SSHKEY_ED25519, "ED25519" },
	{ "ed-gcm", "-t ed25519 -Z aes256-gcm@openssh.com -N '" PASS "'", 1,
	    SSHKEY_ED25519, "ED25519" },
	{ "ec256", "-t ecdsa -b 256", 0, SSHKEY_ECDSA, "ECDSA" },
	{ "ec384-enc", "-t ecdsa -b 384 -N '" PASS "'", 1, SSHKEY_ECDSA,
	    "ECDSA" },
	{ "ec521", "-t ecdsa -b 521", 0, SSHKEY_ECDSA, "ECDSA" },
	{ "ec-pem", "-t ecdsa -m PEM", 0, SSHKEY_ECDSA, "ECDSA" },
	{ "ec-pem-enc", "-t ecdsa -m PEM -N '" PASS "'", 1, SSHKEY_ECDSA,
	    "ECDSA" },
	{ "rsa", "-t rsa -b 3072", 0, SSHKEY_RSA, "RSA" },
	{ "rsa-enc", "-t rsa -b 3072 -N '" PASS "'", 1, SSHKEY_RSA, "RSA" },
	{ "rsa-pem", "-t rsa -b 3072 -m PEM", 0, SSHKEY_RSA, "RSA" },
	{ "rsa-pem-enc", "-t rsa -b 3072 -m PEM -N '" PASS "'", 1, SSHKEY_RSA,
	    "RSA" },
	{ "rsa-p8", "-t rsa -b 2048 -m PKCS8", 0, SSHKEY_RSA, "RSA" },
	{ "rsa-p8-enc", "-t rsa -b 2048 -m PKCS8 -N '" PASS "'", 1,
	    SSHKEY_RSA, "RSA" },
};
#define NCASES	(sizeof(cases) / sizeof(cases[0]))

static void
test_case(const struct kcase *c, struct secret *pass)
{
	static const unsigned char	 data[] = "data to sign";
	const char *const		*algs;
	struct secret			*text = file_secret(c->name, "");
	struct sshkey			*k = NULL;
	struct ops_err			 err;
	unsigned char			 sig[SSHKEY_SIG_MAX];
	const unsigned char		*blob;
	char				 fp[128] = "";
	unsigned			 bits = 0;
	size_t				 siglen = 0, bl;
	int				 rc, signed_ok = 1, verified = 1;

	rc = sshkey_load(text, c->encrypted ? pass : NULL, &k, &err);
	if (rc != OPS_OK) {
		ok(0, "%s: loads (%s)", c->name, ops_err_msg(&err));
		goto out;
	}
	keygen_fp(c->name, fp, sizeof(fp), &bits);
	ok(sshkey_type(k) == c->type && strcmp(sshkey_label(k), c->label) == 0 &&
	    sshkey_bits(k) == bits && strcmp(sshkey_fingerprint(k), fp) == 0 &&
	    sshkey_encrypted(k) == c->encrypted,
	    "%s: %s %u %s as ssh-keygen -l says (%s %u %s)", c->name,
	    sshkey_label(k), sshkey_bits(k), sshkey_fingerprint(k),
	    c->label, bits, fp);
	for (algs = sshkey_algs(k); *algs != NULL; algs++) {
		if (sshkey_sign(k, *algs, data, sizeof(data), sig, sizeof(sig),
		    &siglen, &err) != OPS_OK || siglen == 0) {
			signed_ok = 0;
			diag("%s: %s: %s", c->name, *algs, ops_err_msg(&err));
			continue;
		}
		blob = sshkey_blob(k, &bl);
		if (c->type == SSHKEY_RSA)
			verified &= rsa_verify(c->name, strcmp(*algs,
			    "rsa-sha2-512") == 0 ? "SHA512" : strcmp(*algs,
			    "rsa-sha2-256") == 0 ? "SHA256" : "SHA1", data,
			    sizeof(data), sig, siglen);
		else if (c->type == SSHKEY_ED25519)
			verified &= siglen == 64 && bl == 51 &&
			    crypto_sign_verify_detached(sig, data,
			    sizeof(data), blob + bl - 32) == 0;
	}
	ok(signed_ok && verified, "%s: signs with every algorithm (%s...), "
	    "and the signatures verify", c->name, sshkey_algs(k)[0]);
out:
	sshkey_free(k);
	secret_free(text);
}

static int
refused(const char *name, const char *pw, int code, const char *want)
{
	struct secret	*text = file_secret(name, "");
	struct secret	*p = pw != NULL ? str_secret(pw) : NULL;
	struct sshkey	*k = NULL;
	struct ops_err	 err;
	int		 rc;

	ops_err_clear(&err);
	rc = text != NULL ? sshkey_load(text, p, &k, &err) : -999;
	secret_free(text);
	secret_free(p);
	sshkey_free(k);
	if (rc != code || strstr(ops_err_msg(&err), want) == NULL) {
		diag("%s: rc %d (want %d), \"%s\" (want \"%s\")", name, rc,
		    code, ops_err_msg(&err), want);
		return 0;
	}
	if (strstr(ops_err_msg(&err), PASS) != NULL) {
		diag("%s: the message holds the passphrase", name);
		return 0;
	}
	return 1;
}

static int
text_refused(const char *t, int code, const char *want)
{
	struct secret	*text = str_secret(t);
	struct sshkey	*k = NULL;
	struct ops_err	 err;
	int		 rc;

	ops_err_clear(&err);
	rc = sshkey_load(text, NULL, &k, &err);
	secret_free(text);
	sshkey_free(k);
	if (rc != code || strstr(ops_err_msg(&err), want) == NULL) {
		diag("rc %d (want %d), \"%s\" (want \"%s\")", rc, code,
		    ops_err_msg(&err), want);
		return 0;
	}
	return 1;
}

/* OpenSSL's key schedule from its own initial state equals Blowfish's
 * schedule (P ^ key, chained encryptions) from the state we compute. */
static void
test_blowfish(void)
{
	static uint32_t	init[18 + 1024];
	BF_KEY		ref, ours;
	BF_LONG		d[2];
	unsigned char	key[56];
	size_t		i, klen, pos;
	int		same = 1, t, rc;

	rc = bcrypt_blowfish_init(init, NULL);
	for (t = 0; rc == OPS_OK && t < 8; t++) {
		klen = 1 + randombytes_uniform(sizeof(key));
		randombytes_buf(key, klen);
		BF_set_key(&ref, (int)klen, key);
		memcpy(ours.P, init, sizeof(ours.P));
		memcpy(ours.S, init + 18, sizeof(ours.S));
		for (i = 0, pos = 0; i < 18; i++) {
			uint32_t	w = 0;
			int		b;

			for (b = 0; b < 4; b++, pos++)
				w = w << 8 | key[pos % klen];
			ours.P[i] ^= w;
		}
		d[0] = d[1] = 0;
		for (i = 0; i < 18 + 1024; i += 2) {
			BF_encrypt(d, &ours);
			if (i < 18) {
				ours.P[i] = d[0];
				ours.P[i + 1] = d[1];
			} else {
				ours.S[i - 18] = d[0];
				ours.S[i - 17] = d[1];
			}
		}
		same &= memcmp(&ref, &ours, sizeof(ref)) == 0;
	}
	ok(rc == OPS_OK && same, "the Blowfish state computed from pi gives "
	    "OpenSSL's key schedule for 8 random keys");
	ok(bcrypt_pbkdf((const unsigned char *)"x", 1,
	    (const unsigned char *)"s", 1, key, 16, 0, NULL) == OPS_E_INVAL &&
	    bcrypt_pbkdf((const unsigned char *)"x", 1,
	    (const unsigned char *)"s", 1, key, 16,
	    BCRYPT_PBKDF_MAX_ROUNDS + 1, NULL) == OPS_E_INVAL,
	    "bcrypt_pbkdf refuses 0 and too many rounds");
}

/* Damage a key's bytes (base64 body re-encoded, or raw text) at random. */
static void
fuzz(const char *name, int iters, struct secret *pass, int *accepted)
{
	struct secret	*orig = file_secret(name, ""), *t;
	struct sshkey	*k;
	unsigned char	*p;
	size_t		 len, i, n;
	int		 it;

	if (orig == NULL)
		return;
	for (it = 0; it < iters; it++) {
		len = secret_len(orig);
		if (randombytes_uniform(4) == 0)
			len = randombytes_uniform((uint32_t)len + 1);
		if (secret_from(secret_cdata(orig), len, &t, NULL) != OPS_OK)
			break;
		p = secret_data(t);
		n = randombytes_uniform(4);
		for (i = 0; i < n && len > 0; i++) {
			size_t	at = randombytes_uniform((uint32_t)len);

			/* keep mostly base64 so the damage reaches inside */
			p[at] = randombytes_uniform(4) == 0 ?
			    (unsigned char)randombytes_uniform(256) :
			    (unsigned char)"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefg"
			    "hijklmnopqrstuvwxyz0123456789+/"[
			    randombytes_uniform(64)];
		}
		k = NULL;
		if (sshkey_load(t, pass, &k, NULL) == OPS_OK)
			(*accepted)++;
		sshkey_free(k);
		secret_free(t);
	}
	secret_free(orig);
}

int
main(void)
{
	struct secret	*pass;
	char		 cmd[256];
	size_t		 i;
	int		 accepted = 0, ok_ = 1;

	if (ops_crypto_init(NULL) != OPS_OK)
		skip_all("libsodium does not initialise");
	if (system("command -v ssh-keygen >/dev/null") != 0)
		skip_all("ssh-keygen is not installed");
	if (mkdtemp(dir) == NULL)
		skip_all("mkdtemp failed");
	plan(2 * (int)NCASES + 2 + 9 + 1);
	for (i = 0; i < NCASES; i++)
		ok_ &= keygen(cases[i].name, cases[i].gen) == 0;
	if (!ok_)
		diag("ssh-keygen failed for some keys");
	pass = str_secret(PASS);
	for (i = 0; i < NCASES; i++)
		test_case(&cases[i], pass);
	test_blowfish();

	ok(refused("rsa-enc", "wrong", OPS_E_BADKEY, "passphrase does not "
	    "decrypt") && refused("ed-enc", "wrong", OPS_E_BADKEY,
	    "passphrase does not decrypt") && refused("ed-gcm", "wrong",
	    OPS_E_BADKEY, "passphrase does not decrypt"),
	    "OpenSSH keys: a wrong passphrase is refused as such");
	ok(refused("rsa-pem-enc", "wrong", OPS_E_BADKEY, "passphrase does "
	    "not decrypt") && refused("rsa-p8-enc", "wrong", OPS_E_BADKEY,
	    "passphrase does not decrypt") && refused("ec-pem-enc", "wrong",
	    OPS_E_BADKEY, "passphrase does not decrypt"),
	    "PEM keys: a wrong passphrase is refused as such");
	ok(refused("rsa-enc", NULL, OPS_E_BADKEY, "encrypted: give its "
	    "passphrase") && refused("rsa-pem-enc", NULL, OPS_E_BADKEY,
	    "encrypted: give its passphrase") && refused("rsa-p8-enc", NULL,
	    OPS_E_BADKEY, "encrypted: give its passphrase"),
	    "an encrypted key without a passphrase is refused as such");
	ok(refused("rsa.pub", NULL, OPS_E_INVAL, "this is a public key "
	    "(ssh-rsa SHA256:") && refused("ed.pub", NULL, OPS_E_INVAL,
	    "not a private key: give the private key file"),
	    "a .pub file is refused as a public key, with its fingerprint");
	snprintf(cmd, sizeof(cmd), "ssh-keygen -e -f %s/ed.pub > %s/ed.rfc",
	    dir, dir);
	ok(system(cmd) == 0 && refused("ed.rfc", NULL, OPS_E_INVAL,
	    "public key"), "an RFC 4716 public key is refused as one");
	snprintf(cmd, sizeof(cmd), "head -c 300 %s/rsa > %s/rsa.cut", dir,
	    dir);
	ok(system(cmd) == 0 && refused("rsa.cut", NULL, OPS_E_INVAL,
	    "no \"-----END OPENSSH PRIVATE KEY-----\" line"),
	    "a truncated key file is refused");
	ok(text_refused("hello world\n", OPS_E_INVAL, "not a private key "
	    "file") && text_refused("", OPS_E_INVAL, "empty") &&
	    text_refused("\n\n  \n", OPS_E_INVAL, "empty"),
	    "garbage and empty files are refused");
	ok(text_refused("PuTTY-User-Key-File-3: ssh-ed25519\n", OPS_E_VERSION,
	    "puttygen") && text_refused("-----BEGIN DSA PRIVATE KEY-----\nx\n"
	    "-----END DSA PRIVATE KEY-----\n", OPS_E_VERSION, "DSA"),
	    "PuTTY and DSA keys are refused with what to do");
	ok(text_refused("-----BEGIN OPENSSH PRIVATE KEY-----\nAAAA\n-----END "
	    "OPENSSH PRIVATE KEY-----\n", OPS_E_INVAL, "damaged OpenSSH key") &&
	    text_refused("-----BEGIN RSA PRIVATE KEY-----\nAAAA\n-----END "
	    "RSA PRIVATE KEY-----\n", OPS_E_INVAL, "damaged PEM key"),
	    "damaged OpenSSH and PEM bodies are refused");

	/* cheap-KDF copies for the encrypted fuzz */
	if (keygen("ed-a1", "-t ed25519 -a 1 -N '" PASS "'") != 0)
		diag("ssh-keygen -a 1 failed");
	fuzz("ed", 3000, NULL, &accepted);
	fuzz("rsa", 1000, NULL, &accepted);
	fuzz("ec256", 1000, NULL, &accepted);
	fuzz("rsa-pem", 500, NULL, &accepted);
	fuzz("ec-pem-enc", 100, pass, &accepted);
	fuzz("ed-a1", 60, pass, &accepted);
	ok(accepted > 0 && accepted < 5660, "5660 damaged keys without a "
	    "crash, some still accepted (%d: damage to comments, padding "
	    "or unread bytes)", accepted);
	secret_free(pass);
	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	if (system(cmd) != 0)
		diag("could not remove %s", dir);
	return exit_status();
}

/*
 * totp.h: one-time codes (RFC 6238 TOTP over RFC 4226 HOTP), base32
 * (RFC 4648) and the otpauth:// provisioning URI. Pure: no store, no
 * clock of its own, no UI.
 *
 * Contract. A code is HOTP(K, T) with HMAC-SHA-1 (what authenticator
 * apps assume), T = floor(unix time / TOTP_PERIOD) as a 64-bit counter
 * (so no 2038 limit), dynamic truncation to 31 bits and mod 10^digits.
 * Keys are 1..TOTP_KEY_MAX bytes; enrolment makes TOTP_KEY_LEN (160
 * bits, RFC 4226's recommendation). Nothing here logs or keeps a key;
 * buffers that held key material are wiped before return.
 *
 * base32 is RFC 4648's alphabet (A-Z 2-7), upper case. Encoding writes
 * '=' padding when asked. Decoding is strict: only upper-case alphabet
 * characters, then either no padding or exactly the padding RFC 4648
 * gives for the length, no bits left over that are not zero, no length
 * that cannot occur (1, 3 or 6 characters in the last group); anything
 * else is OPS_E_INVAL, and output that would not fit is OPS_E_TOOBIG.
 * Both are bounded by the caller's buffer and never read past len.
 */
#ifndef OPS_TOTP_H
#define OPS_TOTP_H

#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "error.h"

struct secret;

#define TOTP_PERIOD	30	/* seconds per step */
#define TOTP_DIGITS	6
#define TOTP_KEY_LEN	20	/* bytes a new secret has */
#define TOTP_KEY_MAX	64	/* bytes a key may have */
#define TOTP_ISSUER	"opsicle"

/* Bytes base32 of n bytes takes with padding (without: at most that),
 * not counting a NUL. */
#define TOTP_BASE32_LEN(n)	((((n) + 4) / 5) * 8)

/* The step of unix time t (t < 0 counts as 0). */
uint64_t totp_step(time_t t);

/* The 6-digit code of key at step: OPS_OK with *code < 10^6, or
 * OPS_E_INVAL for an empty or over-long key, OPS_E_CRYPTO when HMAC
 * fails. */
int	totp_code(const unsigned char *key, size_t keylen, uint64_t step,
	    unsigned *code);
/* The same with digits 6..9 (RFC 6238's vectors have 8). */
int	totp_code_digits(const unsigned char *key, size_t keylen,
	    uint64_t step, unsigned digits, unsigned *code);

/* Encode len bytes at in into out (outlen bytes, with room for the
 * NUL): OPS_OK, or OPS_E_TOOBIG. pad: write '=' padding. */
int	totp_base32_encode(const unsigned char *in, size_t len, int pad,
	    char *out, size_t outlen);
/* Decode len characters at in into out (outlen bytes); *n gets the
 * byte count. OPS_OK, OPS_E_INVAL (not strict base32), OPS_E_TOOBIG. */
int	totp_base32_decode(const char *in, size_t len, unsigned char *out,
	    size_t outlen, size_t *n);

/*
 * The provisioning URI of key for account ("user@host"):
 *   otpauth://totp/ISSUER:ACCOUNT?secret=BASE32&issuer=ISSUER
 *   &algorithm=SHA1&digits=6&period=30
 * with issuer and account percent-escaped (all but RFC 3986's
 * unreserved characters) and the secret unpadded. The URI holds the
 * key, so it is a secret (caller frees; it is NUL-terminated, and
 * secret_len counts the characters).
 */
int	totp_uri(const char *issuer, const char *account,
	    const unsigned char *key, size_t keylen, struct secret **out,
	    struct ops_err *err);

/* Whether s is a code as typed: exactly TOTP_DIGITS ASCII digits. On 1
 * *code gets its value. */
int	totp_code_parse(const char *s, unsigned *code);

#endif

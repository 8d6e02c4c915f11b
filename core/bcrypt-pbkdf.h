/*
 * bcrypt-pbkdf.h: the key derivation of encrypted OpenSSH private keys.
 *
 * Contract: bcrypt_pbkdf(pass, salt, rounds) fills out with len bytes
 * derived as OpenSSH's bcrypt_pbkdf does ("openssh-key-v1" files with
 * kdfname "bcrypt"): SHA-512 of the passphrase and of the salt with a
 * block counter, 64 Blowfish key expansions per round ("eksblowfish",
 * salt first, then passphrase), the 32-byte output of encrypting
 * "OxychromaticBlowfishSwatDynamite" 64 times, XORed over the rounds and
 * spread over the output the way OpenSSH interleaves it.
 *
 * Blowfish itself is OpenSSL's (BF_encrypt on a BF_KEY we fill). Its
 * initial state, the fractional hexadecimal digits of pi, is computed
 * here with OpenSSL's big numbers (Machin's formula) rather than typed in
 * as a table; tests/unit/test-sshkey.c checks that state against
 * OpenSSL's own key schedule (BF_set_key) word for word.
 *
 * Bounds: 1 <= rounds <= BCRYPT_PBKDF_MAX_ROUNDS, 1 <= len <= 1024,
 * salt 1..1024 bytes; anything else is OPS_E_INVAL. Intermediate state
 * lives in sodium_malloc memory and is wiped. The cost is about a
 * millisecond per round: callers bound rounds before calling.
 */
#ifndef OPS_BCRYPT_PBKDF_H
#define OPS_BCRYPT_PBKDF_H

#include <stddef.h>
#include <stdint.h>

#include "error.h"

#define BCRYPT_PBKDF_MAX_ROUNDS	512

int	bcrypt_pbkdf(const unsigned char *pass, size_t passlen,
	    const unsigned char *salt, size_t saltlen, unsigned char *out,
	    size_t len, unsigned rounds, struct ops_err *err);

/* The Blowfish initial state (18 P words, then 4 x 256 S words) into
 * out; for the tests. */
int	bcrypt_blowfish_init(uint32_t out[18 + 1024], struct ops_err *err);

#endif

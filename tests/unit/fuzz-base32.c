/*
 * fuzz-base32.c: fuzz entry point for the strict base32 decoder
 * (core/totp.c).
 *
 * fuzz_base32_one decodes one input into a buffer of exactly the size
 * it needs (so ASan sees any overrun), and into one byte less, and
 * checks the invariants: a refusal is OPS_E_INVAL or OPS_E_TOOBIG with
 * no bytes reported; an accepted input is canonical (encoding what it
 * decoded to, padded when it was, gives the input back byte for byte);
 * a buffer one byte short is OPS_E_TOOBIG; the decoder never reads past
 * len (the input is copied to a buffer of exactly that size, without a
 * NUL). LLVMFuzzerTestOneInput wraps it for libFuzzer;
 * test-totp-fuzz.c drives it without libFuzzer.
 */
#include "config.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "totp.h"

struct fuzz_base32_stats {
	unsigned long	inputs;
	unsigned long	accepted;
	unsigned long	refused;
	char		why[256];
};

int	fuzz_base32_one(const uint8_t *data, size_t size,
	    struct fuzz_base32_stats *st);
int	LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int
fail(struct fuzz_base32_stats *st, const char *what)
{
	if (st->why[0] == '\0')
		snprintf(st->why, sizeof(st->why), "%s", what);
	return -1;
}

int
fuzz_base32_one(const uint8_t *data, size_t size,
    struct fuzz_base32_stats *st)
{
	unsigned char	*out = NULL;
	char		*in = NULL, *enc = NULL;
	size_t		 cap = size / 8 * 5 + 5, n = 99, m = 99;
	int		 rc, r = 0, pad;

	st->inputs++;
	if ((in = malloc(size + 1)) == NULL || (out = malloc(cap)) == NULL)
		goto out;
	memcpy(in, data, size);
	rc = totp_base32_decode(in, size, out, cap, &n);
	if (rc != OPS_OK) {
		st->refused++;
		if (rc != OPS_E_INVAL)
			r = fail(st, "a refusal other than OPS_E_INVAL");
		else if (n != 0)
			r = fail(st, "a refusal reported bytes");
		goto out;
	}
	st->accepted++;
	if (n > cap) {
		r = fail(st, "more bytes than the buffer holds");
		goto out;
	}
	/* exactly n bytes of room: still fits; n - 1: refused */
	free(out);
	if ((out = malloc(n + 1)) == NULL)
		goto out;
	if (totp_base32_decode(in, size, out, n, &m) != OPS_OK || m != n)
		r = fail(st, "an exact buffer was refused");
	else if (n > 0 && totp_base32_decode(in, size, out, n - 1,
	    &m) != OPS_E_TOOBIG)
		r = fail(st, "a short buffer was not OPS_E_TOOBIG");
	if (r != 0 || totp_base32_decode(in, size, out, n, &m) != OPS_OK)
		goto out;
	pad = size > 0 && in[size - 1] == '=';
	if ((enc = malloc(TOTP_BASE32_LEN(n) + 1)) == NULL)
		goto out;
	if (totp_base32_encode(out, n, pad, enc, TOTP_BASE32_LEN(n) + 1) !=
	    OPS_OK)
		r = fail(st, "what decoded does not encode");
	else if (strlen(enc) != size || memcmp(enc, in, size) != 0)
		r = fail(st, "an accepted input is not canonical");
out:
	free(in);
	free(out);
	free(enc);
	return r;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fuzz_base32_stats	st = { 0 };

	if (fuzz_base32_one(data, size, &st) != 0) {
		fprintf(stderr, "fuzz-base32: %s\n", st.why);
		abort();
	}
	return 0;
}

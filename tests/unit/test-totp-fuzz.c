/*
 * test-totp-fuzz.c: run the base32 fuzz entry (fuzz-base32.c) over seeds
 * (RFC 4648's vectors, secrets of every length up to TOTP_KEY_MAX) and
 * deterministic mutants of them: bytes from the alphabet, lower case,
 * '=' anywhere, other bytes, truncation, doubling. OPS_FUZZ_ITERS
 * (default 20000) inputs; run under ASan/UBSan in the sanitizer build.
 */
#include "config.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tap.h"
#include "totp.h"

struct fuzz_base32_stats {
	unsigned long	inputs;
	unsigned long	accepted;
	unsigned long	refused;
	char		why[256];
};

int	fuzz_base32_one(const uint8_t *data, size_t size,
	    struct fuzz_base32_stats *st);

static uint64_t	rng = 0x9e3779b97f4a7c15ULL;

static uint32_t
next(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return (uint32_t)(rng >> 11);
}

int
main(void)
{
	static const char	pick[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567="
	    "abcz01890 \n\t-+/";
	struct fuzz_base32_stats st = { 0 };
	unsigned char		 key[TOTP_KEY_MAX], buf[512];
	char			 seed[TOTP_BASE32_LEN(TOTP_KEY_MAX) + 1];
	const char		*env = getenv("OPS_FUZZ_ITERS");
	unsigned long		 iters = env != NULL ? strtoul(env, NULL, 10) :
	    20000, i;
	size_t			 len, j, k, klen;
	int			 bad = 0;

	plan_no_plan();
	for (i = 0; i < iters && !bad; i++) {
		klen = next() % (TOTP_KEY_MAX + 1);
		for (j = 0; j < klen; j++)
			key[j] = (unsigned char)next();
		(void)totp_base32_encode(key, klen, (int)(next() & 1), seed,
		    sizeof(seed));
		len = strlen(seed);
		memcpy(buf, seed, len);
		switch (next() % 6) {
		case 0:		/* the seed itself */
			break;
		case 1:		/* change some bytes */
			for (k = next() % 4 + 1; k > 0 && len > 0; k--)
				buf[next() % len] = (unsigned char)
				    pick[next() % (sizeof(pick) - 1)];
			break;
		case 2:		/* any byte */
			if (len > 0)
				buf[next() % len] = (unsigned char)next();
			break;
		case 3:		/* truncate */
			len = len > 0 ? next() % len : 0;
			break;
		case 4:		/* doubled */
			memcpy(buf + len, seed, len);
			len *= 2;
			break;
		default:	/* random from the picks */
			len = next() % 40;
			for (k = 0; k < len; k++)
				buf[k] = (unsigned char)
				    pick[next() % (sizeof(pick) - 1)];
			break;
		}
		if (fuzz_base32_one(buf, len, &st) != 0)
			bad = 1;
	}
	ok(!bad, "%lu inputs, %lu accepted, %lu refused%s%s", st.inputs,
	    st.accepted, st.refused, bad ? ": " : "", st.why);
	ok(st.accepted > iters / 10 && st.refused > iters / 10,
	    "both verdicts were exercised");
	return exit_status();
}

/*
 * fuzz-base32.h: the base32 fuzz entry (fuzz-base32.c) for its drivers
 * (test-totp-fuzz.c; libFuzzer through LLVMFuzzerTestOneInput).
 */
#ifndef OPS_FUZZ_BASE32_H
#define OPS_FUZZ_BASE32_H

#include <stddef.h>
#include <stdint.h>

struct fuzz_base32_stats {
	unsigned long	inputs;
	unsigned long	accepted;
	unsigned long	refused;
	char		why[256];	/* the first broken invariant */
};

/* 0, or -1 with st->why set. */
int	fuzz_base32_one(const uint8_t *data, size_t size,
	    struct fuzz_base32_stats *st);

#endif

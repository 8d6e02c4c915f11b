/*
 * fuzz-rng.h: the one xorshift64* the fuzz drivers share (deterministic:
 * a failing case is found again from its seed).
 */
#ifndef OPS_FUZZ_RNG_H
#define OPS_FUZZ_RNG_H

#include <stddef.h>
#include <stdint.h>

static inline uint64_t
fuzz_rng(uint64_t *state)
{
	uint64_t	x = *state;

	x ^= x >> 12;
	x ^= x << 25;
	x ^= x >> 27;
	*state = x;
	return x * 0x2545F4914F6CDD1DULL;
}

/* 0..n-1 (0 when n is 0). */
static inline size_t
fuzz_rnd(uint64_t *state, size_t n)
{
	return n == 0 ? 0 : (size_t)(fuzz_rng(state) % n);
}

#endif

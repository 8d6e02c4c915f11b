/*
 * fuzz-cron.h: the cron parser's fuzz entry point (fuzz-cron.c).
 */
#ifndef OPS_FUZZ_CRON_H
#define OPS_FUZZ_CRON_H

#include <stddef.h>
#include <stdint.h>

/* Parse one input and check the invariants: 0, or -1 with why (len
 * bytes) saying which one broke. */
int	fuzz_cron_one(const uint8_t *data, size_t size, char *why, size_t len);
/* libFuzzer's entry: aborts when fuzz_cron_one finds a broken invariant. */
int	LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#endif

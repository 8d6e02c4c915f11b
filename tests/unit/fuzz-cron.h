/* fuzz-cron.h: the cron parser's fuzz entry (fuzz-cron.c). */
#ifndef OPS_FUZZ_CRON_H
#define OPS_FUZZ_CRON_H

#include <stddef.h>
#include <stdint.h>

/* 0, or -1 with the broken invariant in why (len bytes). */
int	fuzz_cron_one(const uint8_t *data, size_t size, char *why, size_t len);
int	LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#endif

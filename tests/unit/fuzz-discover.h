/* fuzz-discover.h: the address range parser's fuzz entry
 * (fuzz-discover.c). */
#ifndef OPS_FUZZ_DISCOVER_H
#define OPS_FUZZ_DISCOVER_H

#include <stddef.h>
#include <stdint.h>

/* 0, or -1 with the broken invariant in why (len bytes). */
int	fuzz_discover_one(const uint8_t *data, size_t size, char *why,
	    size_t len);
int	LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#endif

/*
 * keys-test-util.h: helpers for the key tests: a private temporary
 * directory (removed at exit of the test), whole-file reads and writes,
 * and file hashes for "unchanged" checks.
 */
#ifndef OPS_KEYS_TEST_UTIL_H
#define OPS_KEYS_TEST_UTIL_H

#include <stddef.h>

/* mkdtemp under $TMPDIR (or /tmp); exits the test on failure. */
const char	*kt_tmpdir(void);
/* Remove the directory made by kt_tmpdir and every file in it. */
void		 kt_cleanup(void);
/* "<tmpdir>/<name>", the same stable buffer for each name (max 128). */
const char	*kt_path(const char *name);
/* Read a whole file (malloc'd, caller frees); NULL on failure. */
unsigned char	*kt_read(const char *path, size_t *len);
/* Write len bytes with mode, replacing the file; 0 or -1. */
int		 kt_write(const char *path, const void *p, size_t len,
		     unsigned int mode);
/* 32-byte BLAKE2b of a file into out; 0 or -1. */
int		 kt_hash(const char *path, unsigned char out[32]);
/* Does needle occur in hay? */
int		 kt_contains(const unsigned char *hay, size_t hlen,
		     const unsigned char *needle, size_t nlen);

#endif

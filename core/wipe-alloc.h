/*
 * wipe-alloc.h: allocation functions for libraries that copy secrets into
 * their own memory (jansson's lexer keeps each token's raw text, curl its
 * options and request lines) and free them unwiped. These zero every
 * block before free(3). They keep no state and sit on the system
 * allocator, so a block may be allocated by one side and freed by the
 * other.
 */
#ifndef OPS_WIPE_ALLOC_H
#define OPS_WIPE_ALLOC_H

#include <stddef.h>

void	 wipe_free(void *p);
/* Moves never happen in place of a wipe: a block that must grow is
 * copied, and the old one wiped and freed. */
void	*wipe_realloc(void *p, size_t size);
char	*wipe_strdup(const char *s);	/* NULL when out of memory */

/* jansson allocates with malloc and frees with wipe_free from here on
 * (ops_crypto_init calls it; calling it again changes nothing). */
void	 wipe_alloc_jansson(void);

#endif

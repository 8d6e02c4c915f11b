/* wipe-alloc.c: blocks zeroed before they are freed (wipe-alloc.h). */
#include "config.h"

#include <malloc.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>
#include <sodium.h>

#include "wipe-alloc.h"

void
wipe_free(void *p)
{
	if (p == NULL)
		return;
	sodium_memzero(p, malloc_usable_size(p));
	free(p);
}

void *
wipe_realloc(void *p, size_t size)
{
	size_t	 have;
	void	*n;

	if (p == NULL)
		return malloc(size);
	if (size == 0) {
		wipe_free(p);
		return NULL;
	}
	if ((have = malloc_usable_size(p)) >= size)
		return p;
	if ((n = malloc(size)) == NULL)
		return NULL;
	memcpy(n, p, have);
	wipe_free(p);
	return n;
}

char *
wipe_strdup(const char *s)
{
	size_t	 len = strlen(s) + 1;
	char	*d;

	if ((d = malloc(len)) != NULL)
		memcpy(d, s, len);
	return d;
}

void
wipe_alloc_jansson(void)
{
	json_set_alloc_funcs(malloc, wipe_free);
}

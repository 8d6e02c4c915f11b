/*
 * http-mem.c: libcurl's memory, wiped before it is freed. curl keeps its
 * own copies of what we hand it (an SMTP password, its AUTH PLAIN base64,
 * a Slack webhook URL whose path is the secret, response bodies) and
 * frees them without wiping; these functions, given to
 * curl_global_init_mem, zero every block first, so no secret lingers in
 * freed heap. They keep no state: the system allocator underneath is
 * unchanged, so blocks other libraries allocate and curl frees (or the
 * other way round) stay compatible.
 */
#include "config.h"

#include <malloc.h>
#include <stdlib.h>
#include <string.h>

#include <curl/curl.h>
#include <sodium.h>

#include "http.h"

static void
wipe_free(void *p)
{
	if (p == NULL)
		return;
	sodium_memzero(p, malloc_usable_size(p));
	free(p);
}

/* Never realloc in place of a move: the old block would go unwiped. */
static void *
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

static char *
wipe_strdup(const char *s)
{
	size_t	 len = strlen(s) + 1;
	char	*d;

	if ((d = malloc(len)) != NULL)
		memcpy(d, s, len);
	return d;
}

int
http_global_init(void)
{
	return curl_global_init_mem(CURL_GLOBAL_DEFAULT, malloc, wipe_free,
	    wipe_realloc, wipe_strdup, calloc) == CURLE_OK ? 0 : -1;
}

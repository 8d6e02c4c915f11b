/*
 * http-mem.c: libcurl's memory, wiped before it is freed. curl keeps its
 * own copies of what we hand it (an SMTP password, its AUTH PLAIN base64,
 * a Slack webhook URL whose path is the secret, request lines, response
 * bodies) and frees them without wiping; core's wipe-alloc functions,
 * given to curl_global_init_mem, zero every block first.
 */
#include "config.h"

#include <stdlib.h>

#include <curl/curl.h>

#include "http.h"
#include "wipe-alloc.h"

int
http_global_init(void)
{
	return curl_global_init_mem(CURL_GLOBAL_DEFAULT, malloc, wipe_free,
	    wipe_realloc, wipe_strdup, calloc) == CURLE_OK ? 0 : -1;
}

/* secret.c: sodium_malloc'd buffers for secret bytes (see secret.h). */
#include "config.h"

#include <sodium.h>
#include <string.h>

#include "secret.h"
#include "wipe-alloc.h"

struct secret {
	size_t		 len;	/* visible length */
	size_t		 cap;	/* allocated length */
	unsigned char	*data;	/* sodium_malloc'd, cap bytes (at least 1) */
};

int
ops_crypto_init(struct ops_err *err)
{
	if (sodium_init() < 0)
		return ops_err_set(err, OPS_E_CRYPTO,
		    "initialise libsodium: failed");
	/* Requests carry passphrases and keys: jansson's copies go wiped. */
	wipe_alloc_jansson();
	return OPS_OK;
}

int
secret_new(size_t len, struct secret **out, struct ops_err *err)
{
	struct secret	*s;

	*out = NULL;
	if ((s = sodium_malloc(sizeof(*s))) == NULL)
		return ops_err_set(err, OPS_E_NOMEM, "allocate secret");
	s->len = len;
	s->cap = len;
	/* sodium_malloc(0) is allowed but awkward to wipe; keep one byte. */
	if ((s->data = sodium_malloc(len ? len : 1)) == NULL) {
		sodium_free(s);
		return ops_err_set(err, OPS_E_NOMEM,
		    "allocate secret of %zu bytes", len);
	}
	sodium_memzero(s->data, len ? len : 1);
	*out = s;
	return OPS_OK;
}

int
secret_from(const void *p, size_t len, struct secret **out,
    struct ops_err *err)
{
	int	rc;

	if ((rc = secret_new(len, out, err)) != OPS_OK)
		return rc;
	if (len > 0)
		memcpy((*out)->data, p, len);
	return OPS_OK;
}

void
secret_free(struct secret *s)
{
	if (s == NULL)
		return;
	sodium_free(s->data);	/* wipes before release */
	sodium_free(s);
}

unsigned char *
secret_data(struct secret *s)
{
	return s->data;
}

const unsigned char *
secret_cdata(const struct secret *s)
{
	return s->data;
}

size_t
secret_len(const struct secret *s)
{
	return s->len;
}

void
secret_truncate(struct secret *s, size_t len)
{
	if (len >= s->len)
		return;
	sodium_memzero(s->data + len, s->len - len);
	s->len = len;
}

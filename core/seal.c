/* PLACEHOLDER (being replaced by the keys work). */
#include "config.h"

#include "seal.h"

int
seal_secret(const struct keyring *kr, const char *owner, const char *field,
    const struct secret *plain, unsigned char **blob, size_t *blob_len,
    struct ops_err *err)
{
	(void)kr; (void)owner; (void)field; (void)plain;
	*blob = NULL; *blob_len = 0;
	return ops_err_set(err, OPS_E_INTERNAL, "not implemented");
}

int
seal_open(const struct keyring *kr, const char *owner, const char *field,
    const unsigned char *blob, size_t blob_len, struct secret **out,
    struct ops_err *err)
{
	(void)kr; (void)owner; (void)field; (void)blob; (void)blob_len;
	*out = NULL;
	return ops_err_set(err, OPS_E_INTERNAL, "not implemented");
}

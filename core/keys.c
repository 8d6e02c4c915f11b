/* PLACEHOLDER (being replaced by the keys work): random keys, no files. */
#include "config.h"

#include <sodium.h>

#include "keys.h"

struct keyring {
	unsigned char	page[32], cred[32], dbid[8];
};

static int
fresh(struct keyring **out, struct ops_err *err)
{
	if ((*out = sodium_malloc(sizeof(**out))) == NULL)
		return ops_err_set(err, OPS_E_NOMEM, "allocate keyring");
	randombytes_buf(*out, sizeof(**out));
	return OPS_OK;
}

int
keys_create_keyfile(const char *e, const char *k, struct keyring **out,
    struct ops_err *err)
{
	(void)e; (void)k;
	return fresh(out, err);
}

int
keys_create_passphrase(const char *e, const struct secret *p,
    const struct keys_kdf_limits *l, struct keyring **out, struct ops_err *err)
{
	(void)e; (void)p; (void)l;
	return fresh(out, err);
}

int
keys_envelope_kind(const char *e, enum keys_kind *kind, struct ops_err *err)
{
	(void)e; (void)kind;
	return ops_err_set(err, OPS_E_INTERNAL, "not implemented");
}

int
keys_unlock_keyfile(const char *e, const char *k, struct keyring **out,
    struct ops_err *err)
{
	(void)e; (void)k; *out = NULL;
	return ops_err_set(err, OPS_E_INTERNAL, "not implemented");
}

int
keys_unlock_passphrase(const char *e, const struct secret *p,
    struct keyring **out, struct ops_err *err)
{
	(void)e; (void)p; *out = NULL;
	return ops_err_set(err, OPS_E_INTERNAL, "not implemented");
}

int
keys_rewrap_passphrase(const char *e, const struct keyring *kr,
    const struct secret *p, const struct keys_kdf_limits *l, const char *o,
    struct ops_err *err)
{
	(void)e; (void)kr; (void)p; (void)l; (void)o;
	return ops_err_set(err, OPS_E_INTERNAL, "not implemented");
}

int
keys_rewrap_keyfile(const char *e, const struct keyring *kr, const char *k,
    struct ops_err *err)
{
	(void)e; (void)kr; (void)k;
	return ops_err_set(err, OPS_E_INTERNAL, "not implemented");
}

const unsigned char *
keyring_page_key(const struct keyring *kr)
{
	return kr->page;
}

const unsigned char *
keyring_db_id(const struct keyring *kr)
{
	return kr->dbid;
}

void
keyring_free(struct keyring *kr)
{
	sodium_free(kr);
}

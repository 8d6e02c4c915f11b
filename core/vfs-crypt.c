/* PLACEHOLDER (being replaced by the vfs-crypt work): no encryption yet. */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "vfs-crypt.h"

struct vfscrypt {
	char	name[64];
};

int
vfscrypt_new(const char *name, const unsigned char key[32],
    const unsigned char db_id[8], struct vfscrypt **out, struct ops_err *err)
{
	(void)name; (void)key; (void)db_id;
	if ((*out = calloc(1, sizeof(**out))) == NULL)
		return ops_err_set(err, OPS_E_NOMEM, "allocate vfs");
	strcpy((*out)->name, "unix");
	return OPS_OK;
}

const char *
vfscrypt_name(const struct vfscrypt *v)
{
	return v->name;
}

void
vfscrypt_free(struct vfscrypt *v)
{
	free(v);
}

const char *
vfscrypt_db_reason(sqlite3 *db)
{
	(void)db;
	return NULL;
}

/*
 * vfs-crypt.c: the encrypting VFS object and its method tables. The I/O
 * paths of each file kind are in vfs-crypt-io.c; the helpers for
 * connections (prepare, error mapping) in vfs-crypt-db.c.
 */
#include "config.h"

#include <sodium.h>
#include <stdlib.h>
#include <string.h>

#include "secret.h"
#include "vfs-crypt-int.h"

#define VC_REAL(f)	((f)->real->pMethods)

/* ---- file methods ------------------------------------------------------ */

static int
vc_close(sqlite3_file *file)
{
	struct vc_file	*f = (struct vc_file *)file;
	int		 rc = SQLITE_OK;

	if (f->real->pMethods != NULL)
		rc = VC_REAL(f)->xClose(f->real);
	if (f->scratch != NULL) {
		sodium_memzero(f->scratch, f->scratch_len);
		sqlite3_free(f->scratch);
	}
	if (f->tkey != NULL)
		sodium_free(f->tkey);
	f->scratch = NULL;
	f->tkey = NULL;
	return rc;
}

static int
vc_read(sqlite3_file *file, void *buf, int amt, sqlite3_int64 off)
{
	struct vc_file	*f = (struct vc_file *)file;

	switch (f->kind) {
	case VC_MAIN:
		return vfscrypt_main_read(f, buf, amt, off);
	case VC_WAL:
		return vfscrypt_wal_read(f, buf, amt, off);
	case VC_JOURNAL:
		return vfscrypt_jrnl_read(f, buf, amt, off);
	case VC_TEMP:
		return vfscrypt_temp_read(f, buf, amt, off);
	case VC_PASS:
		break;
	}
	return VC_REAL(f)->xRead(f->real, buf, amt, off);
}

static int
vc_write(sqlite3_file *file, const void *buf, int amt, sqlite3_int64 off)
{
	struct vc_file	*f = (struct vc_file *)file;

	switch (f->kind) {
	case VC_MAIN:
		return vfscrypt_main_write(f, buf, amt, off);
	case VC_WAL:
		return vfscrypt_wal_write(f, buf, amt, off);
	case VC_JOURNAL:
		return vfscrypt_jrnl_write(f, buf, amt, off);
	case VC_TEMP:
		return vfscrypt_temp_write(f, buf, amt, off);
	case VC_PASS:
		break;
	}
	return VC_REAL(f)->xWrite(f->real, buf, amt, off);
}

static int
vc_truncate(sqlite3_file *file, sqlite3_int64 size)
{
	struct vc_file	*f = (struct vc_file *)file;

	if (f->kind == VC_MAIN && f->refused)
		return SQLITE_NOTADB;
	if (f->kind == VC_WAL && f->memo_off >= size)
		f->memo_off = -1;
	return VC_REAL(f)->xTruncate(f->real, size);
}

static int
vc_sync(sqlite3_file *file, int flags)
{
	struct vc_file	*f = (struct vc_file *)file;

	return VC_REAL(f)->xSync(f->real, flags);
}

static int
vc_file_size(sqlite3_file *file, sqlite3_int64 *size)
{
	struct vc_file	*f = (struct vc_file *)file;
	int		 rc;

	rc = VC_REAL(f)->xFileSize(f->real, size);
	/*
	 * A refused file must not look empty (the unix VFS reports a 1-byte
	 * file as 0 bytes), or SQLite would see a new database instead of
	 * reading page 1 and getting SQLITE_NOTADB.
	 */
	if (rc == SQLITE_OK && f->refused && *size == 0)
		*size = 1;
	return rc;
}

static int
vc_lock(sqlite3_file *file, int lock)
{
	struct vc_file	*f = (struct vc_file *)file;

	return VC_REAL(f)->xLock(f->real, lock);
}

static int
vc_unlock(sqlite3_file *file, int lock)
{
	struct vc_file	*f = (struct vc_file *)file;

	return VC_REAL(f)->xUnlock(f->real, lock);
}

static int
vc_check_reserved(sqlite3_file *file, int *out)
{
	struct vc_file	*f = (struct vc_file *)file;

	return VC_REAL(f)->xCheckReservedLock(f->real, out);
}

/* PRAGMAs that would break the format: page_size=N != P, mmap_size>0. */
static int
vc_pragma(struct vc_file *f, char **a)
{
	sqlite3_int64	n;

	if (f->kind != VC_MAIN || a[1] == NULL || a[2] == NULL)
		return SQLITE_NOTFOUND;
	if (sqlite3_stricmp(a[1], "page_size") == 0) {
		if (f->pgsz == 0 && !f->refused)
			(void)vfscrypt_main_load(f);
		if (f->pgsz != 0 && strtoll(a[2], NULL, 10) != f->pgsz) {
			a[0] = sqlite3_mprintf("page_size of an encrypted "
			    "database is fixed at %u", f->pgsz);
			return SQLITE_ERROR;
		}
	}
	if (sqlite3_stricmp(a[1], "mmap_size") == 0) {
		n = strtoll(a[2], NULL, 10);
		if (n > 0) {
			a[0] = sqlite3_mprintf("mmap_size: memory-mapped I/O "
			    "is disabled on encrypted databases");
			return SQLITE_ERROR;
		}
	}
	return SQLITE_NOTFOUND;
}

static int
vc_file_control(sqlite3_file *file, int op, void *arg)
{
	struct vc_file	*f = (struct vc_file *)file;
	int		 rc;

	switch (op) {
	case SQLITE_FCNTL_PRAGMA:
		if ((rc = vc_pragma(f, arg)) != SQLITE_NOTFOUND)
			return rc;
		break;
	case SQLITE_FCNTL_MMAP_SIZE:
		/* Pages on disk are ciphertext: never map them. */
		*(sqlite3_int64 *)arg = 0;
		return SQLITE_OK;
	}
	return VC_REAL(f)->xFileControl(f->real, op, arg);
}

static int
vc_sector_size(sqlite3_file *file)
{
	struct vc_file	*f = (struct vc_file *)file;

	return VC_REAL(f)->xSectorSize(f->real);
}

static int
vc_device_chars(sqlite3_file *file)
{
	struct vc_file	*f = (struct vc_file *)file;

	return VC_REAL(f)->xDeviceCharacteristics(f->real);
}

static int
vc_shm_map(sqlite3_file *file, int pg, int pgsz, int extend,
    void volatile **pp)
{
	struct vc_file	*f = (struct vc_file *)file;

	return VC_REAL(f)->xShmMap(f->real, pg, pgsz, extend, pp);
}

static int
vc_shm_lock(sqlite3_file *file, int offset, int n, int flags)
{
	struct vc_file	*f = (struct vc_file *)file;

	return VC_REAL(f)->xShmLock(f->real, offset, n, flags);
}

static void
vc_shm_barrier(sqlite3_file *file)
{
	struct vc_file	*f = (struct vc_file *)file;

	VC_REAL(f)->xShmBarrier(f->real);
}

static int
vc_shm_unmap(sqlite3_file *file, int delete)
{
	struct vc_file	*f = (struct vc_file *)file;

	return VC_REAL(f)->xShmUnmap(f->real, delete);
}

static int
vc_fetch(sqlite3_file *file, sqlite3_int64 off, int amt, void **pp)
{
	*pp = NULL;	/* no mapping: SQLite falls back to xRead */
	return SQLITE_OK;
}

static int
vc_unfetch(sqlite3_file *file, sqlite3_int64 off, void *p)
{
	return SQLITE_OK;
}

const sqlite3_io_methods vfscrypt_io_methods = {
	.iVersion = 3,
	.xClose = vc_close,
	.xRead = vc_read,
	.xWrite = vc_write,
	.xTruncate = vc_truncate,
	.xSync = vc_sync,
	.xFileSize = vc_file_size,
	.xLock = vc_lock,
	.xUnlock = vc_unlock,
	.xCheckReservedLock = vc_check_reserved,
	.xFileControl = vc_file_control,
	.xSectorSize = vc_sector_size,
	.xDeviceCharacteristics = vc_device_chars,
	.xShmMap = vc_shm_map,
	.xShmLock = vc_shm_lock,
	.xShmBarrier = vc_shm_barrier,
	.xShmUnmap = vc_shm_unmap,
	.xFetch = vc_fetch,
	.xUnfetch = vc_unfetch,
};

/* ---- VFS methods ------------------------------------------------------- */

static enum vc_kind
vc_kind_of(const char *name, int flags)
{
	if (name == NULL || (flags & (SQLITE_OPEN_TEMP_DB |
	    SQLITE_OPEN_TRANSIENT_DB | SQLITE_OPEN_TEMP_JOURNAL |
	    SQLITE_OPEN_SUBJOURNAL)) != 0)
		return VC_TEMP;
	if (flags & SQLITE_OPEN_MAIN_DB)
		return VC_MAIN;
	if (flags & SQLITE_OPEN_WAL)
		return VC_WAL;
	if (flags & SQLITE_OPEN_MAIN_JOURNAL)
		return VC_JOURNAL;
	return VC_PASS;
}

static int
vc_open(sqlite3_vfs *vfs, sqlite3_filename name, sqlite3_file *file,
    int flags, int *out_flags)
{
	struct vfscrypt	*v = vfs->pAppData;
	struct vc_file	*f = (struct vc_file *)file, *db;
	sqlite3_file	*main;
	int		 rc;

	memset(f, 0, sizeof(*f));
	f->vc = v;
	f->real = (sqlite3_file *)((char *)f + VC_FILE_HDR);
	f->real->pMethods = NULL;
	f->name = name;
	f->kind = vc_kind_of(name, flags);
	f->memo_off = -1;
	f->rec_off = -1;
	f->body_end = -1;

	if (f->kind == VC_WAL || f->kind == VC_JOURNAL) {
		main = sqlite3_database_file_object(name);
		if (main == NULL || main->pMethods != &vfscrypt_io_methods ||
		    ((struct vc_file *)main)->vc != v) {
			sqlite3_log(SQLITE_CANTOPEN, "vfscrypt: %s: its "
			    "database is not open through this VFS", name);
			return SQLITE_CANTOPEN;
		}
		db = (struct vc_file *)main;
		if (db->refused)
			return SQLITE_NOTADB;
		f->db = db;
	}
	if (f->kind == VC_TEMP) {
		if ((f->tkey = sodium_malloc(32 + 24)) == NULL)
			return SQLITE_NOMEM;
		randombytes_buf(f->tkey, 32 + 24);
	}
	rc = v->under->xOpen(v->under, name, f->real, flags, out_flags);
	if (rc != SQLITE_OK) {
		if (f->real->pMethods != NULL)
			f->real->pMethods->xClose(f->real);
		f->real->pMethods = NULL;
		vc_close(file);
		return rc;
	}
	f->base.pMethods = &vfscrypt_io_methods;
	if (f->kind == VC_MAIN && (rc = vfscrypt_main_load(f)) != SQLITE_OK) {
		vc_close(file);
		f->base.pMethods = NULL;
		return rc;
	}
	return SQLITE_OK;
}

#define VC_UNDER(vfs)	(((struct vfscrypt *)(vfs)->pAppData)->under)

static int
vc_delete(sqlite3_vfs *vfs, const char *name, int sync)
{
	return VC_UNDER(vfs)->xDelete(VC_UNDER(vfs), name, sync);
}

static int
vc_access(sqlite3_vfs *vfs, const char *name, int flags, int *out)
{
	return VC_UNDER(vfs)->xAccess(VC_UNDER(vfs), name, flags, out);
}

static int
vc_full_pathname(sqlite3_vfs *vfs, const char *name, int n, char *out)
{
	return VC_UNDER(vfs)->xFullPathname(VC_UNDER(vfs), name, n, out);
}

static void *
vc_dlopen(sqlite3_vfs *vfs, const char *name)
{
	return VC_UNDER(vfs)->xDlOpen(VC_UNDER(vfs), name);
}

static void
vc_dlerror(sqlite3_vfs *vfs, int n, char *msg)
{
	VC_UNDER(vfs)->xDlError(VC_UNDER(vfs), n, msg);
}

static void
(*vc_dlsym(sqlite3_vfs *vfs, void *h, const char *sym))(void)
{
	return VC_UNDER(vfs)->xDlSym(VC_UNDER(vfs), h, sym);
}

static void
vc_dlclose(sqlite3_vfs *vfs, void *h)
{
	VC_UNDER(vfs)->xDlClose(VC_UNDER(vfs), h);
}

static int
vc_randomness(sqlite3_vfs *vfs, int n, char *out)
{
	return VC_UNDER(vfs)->xRandomness(VC_UNDER(vfs), n, out);
}

static int
vc_sleep(sqlite3_vfs *vfs, int us)
{
	return VC_UNDER(vfs)->xSleep(VC_UNDER(vfs), us);
}

static int
vc_current_time(sqlite3_vfs *vfs, double *out)
{
	return VC_UNDER(vfs)->xCurrentTime(VC_UNDER(vfs), out);
}

static int
vc_last_error(sqlite3_vfs *vfs, int n, char *out)
{
	return VC_UNDER(vfs)->xGetLastError(VC_UNDER(vfs), n, out);
}

static int
vc_current_time64(sqlite3_vfs *vfs, sqlite3_int64 *out)
{
	return VC_UNDER(vfs)->xCurrentTimeInt64(VC_UNDER(vfs), out);
}

/* ---- public ------------------------------------------------------------ */

int
vfscrypt_new(const char *name, const unsigned char key[32],
    const unsigned char db_id[8], struct vfscrypt **out, struct ops_err *err)
{
	struct vfscrypt	*v;
	sqlite3_vfs	*under;
	int		 rc;

	*out = NULL;
	if (name == NULL || key == NULL || db_id == NULL)
		return ops_err_set(err, OPS_E_INVAL, "create encrypting VFS: "
		    "missing name, key or database id");
	if (strlen(name) == 0 || strlen(name) >= sizeof(v->name))
		return ops_err_set(err, OPS_E_INVAL, "create encrypting VFS: "
		    "bad name length");
	if ((rc = ops_crypto_init(err)) != OPS_OK)
		return rc;
	if ((under = sqlite3_vfs_find("unix")) == NULL)
		return ops_err_set(err, OPS_E_DB, "create encrypting VFS %s: "
		    "no \"unix\" VFS in this SQLite", name);
	if (sqlite3_vfs_find(name) != NULL)
		return ops_err_set(err, OPS_E_EXISTS, "create encrypting VFS "
		    "%s: the name is taken", name);
	if ((v = calloc(1, sizeof(*v))) == NULL)
		return ops_err_set(err, OPS_E_NOMEM, "create encrypting VFS "
		    "%s", name);
	if ((v->key = sodium_malloc(32)) == NULL) {
		free(v);
		return ops_err_set(err, OPS_E_NOMEM, "create encrypting VFS "
		    "%s: allocate key", name);
	}
	memcpy(v->key, key, 32);
	sodium_mprotect_readonly(v->key);
	memcpy(v->db_id, db_id, sizeof(v->db_id));
	v->keygen = 1;
	strcpy(v->name, name);
	v->under = under;

	v->base.iVersion = under->iVersion < 3 ? under->iVersion : 3;
	v->base.szOsFile = (int)VC_FILE_HDR + under->szOsFile;
	v->base.mxPathname = under->mxPathname;
	v->base.zName = v->name;
	v->base.pAppData = v;
	v->base.xOpen = vc_open;
	v->base.xDelete = vc_delete;
	v->base.xAccess = vc_access;
	v->base.xFullPathname = vc_full_pathname;
	v->base.xDlOpen = vc_dlopen;
	v->base.xDlError = vc_dlerror;
	v->base.xDlSym = vc_dlsym;
	v->base.xDlClose = vc_dlclose;
	v->base.xRandomness = vc_randomness;
	v->base.xSleep = vc_sleep;
	v->base.xCurrentTime = vc_current_time;
	v->base.xGetLastError = vc_last_error;
	if (v->base.iVersion >= 2)
		v->base.xCurrentTimeInt64 = vc_current_time64;

	if (sqlite3_vfs_register(&v->base, 0) != SQLITE_OK) {
		vfscrypt_free(v);
		return ops_err_set(err, OPS_E_DB, "register encrypting VFS %s",
		    name);
	}
	v->registered = 1;
	*out = v;
	return OPS_OK;
}

int
vfscrypt_set_keygen(struct vfscrypt *v, unsigned int gen, struct ops_err *err)
{
	if (gen == 0 || gen > 255)
		return ops_err_set(err, OPS_E_INVAL, "set key generation of "
		    "VFS %s: %u is out of range 1-255", v->name, gen);
	v->keygen = gen;
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
	if (v == NULL)
		return;
	if (v->registered)
		sqlite3_vfs_unregister(&v->base);
	if (v->key != NULL) {
		sodium_mprotect_readwrite(v->key);
		sodium_memzero(v->key, 32);
		sodium_free(v->key);
	}
	sodium_memzero(v, sizeof(*v));
	free(v);
}

/* vfs-test-util.c: helpers for the encrypting-VFS tests (see .h). */
#include "config.h"

#include <fcntl.h>
#include <ftw.h>
#include <sodium.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "tap.h"
#include "vfs-test-util.h"

static char	tv_dir[512];

const char *
tv_tmpdir(void)
{
	const char	*base;

	if (tv_dir[0] != '\0')
		return tv_dir;
	if ((base = getenv("TMPDIR")) == NULL || *base == '\0')
		base = "/tmp";
	snprintf(tv_dir, sizeof(tv_dir), "%s/opsicle-vfs-XXXXXX", base);
	if (mkdtemp(tv_dir) == NULL) {
		perror("mkdtemp");
		exit(99);
	}
	setenv("SQLITE_TMPDIR", tv_dir, 1);
	return tv_dir;
}

static int
tv_rm_one(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	return remove(path);
}

void
tv_rmdir(void)
{
	if (tv_dir[0] != '\0')
		nftw(tv_dir, tv_rm_one, 16, FTW_DEPTH | FTW_PHYS);
}

const char *
tv_path(const char *fmt, ...)
{
	static char	buf[32][800];
	static int	n;
	char		name[256];
	va_list		ap;

	va_start(ap, fmt);
	vsnprintf(name, sizeof(name), fmt, ap);
	va_end(ap);
	n = (n + 1) % 32;
	snprintf(buf[n], sizeof(buf[n]), "%s/%s", tv_tmpdir(), name);
	return buf[n];
}

struct vfscrypt *
tv_vfs(const char *name, int kseed, int idseed)
{
	unsigned char	 key[32], id[8];
	struct vfscrypt	*v = NULL;
	struct ops_err	 err;

	memset(key, kseed, sizeof(key));
	memset(id, idseed, sizeof(id));
	if (vfscrypt_new(name, key, id, &v, &err) != OPS_OK) {
		diag("vfscrypt_new %s: %s", name, ops_err_msg(&err));
		exit(99);
	}
	return v;
}

int
tv_open(const char *path, const char *vfs, sqlite3 **out)
{
	return sqlite3_open_v2(path, out, SQLITE_OPEN_READWRITE |
	    SQLITE_OPEN_CREATE, vfs);
}

int
tv_setup(sqlite3 *db, const char *journal_mode)
{
	char	sql[64];
	int	n = VFSCRYPT_RESERVE, rc;

	if ((rc = sqlite3_file_control(db, "main", SQLITE_FCNTL_RESERVE_BYTES,
	    &n)) != SQLITE_OK)
		return rc;
	snprintf(sql, sizeof(sql), "PRAGMA journal_mode=%s", journal_mode);
	return tv_exec(db, sql);
}

int
tv_exec(sqlite3 *db, const char *sql)
{
	char	*msg = NULL;
	int	 rc;

	rc = sqlite3_exec(db, sql, NULL, NULL, &msg);
	sqlite3_free(msg);
	return rc;
}

long long
tv_int(sqlite3 *db, const char *sql)
{
	sqlite3_stmt	*st;
	long long	 v = -1;

	if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) != SQLITE_OK)
		return -1;
	if (sqlite3_step(st) == SQLITE_ROW)
		v = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	return v;
}

const char *
tv_text(sqlite3 *db, const char *sql)
{
	static char	 buf[512];
	sqlite3_stmt	*st;
	const char	*t;

	snprintf(buf, sizeof(buf), "(error)");
	if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) != SQLITE_OK)
		return buf;
	if (sqlite3_step(st) == SQLITE_ROW &&
	    (t = (const char *)sqlite3_column_text(st, 0)) != NULL)
		snprintf(buf, sizeof(buf), "%s", t);
	sqlite3_finalize(st);
	return buf;
}

unsigned char *
tv_slurp(const char *path, size_t *len)
{
	unsigned char	*p;
	struct stat	 st;
	ssize_t		 n;
	size_t		 got = 0;
	int		 fd;

	*len = 0;
	if ((fd = open(path, O_RDONLY)) == -1)
		return NULL;
	if (fstat(fd, &st) == -1 || (p = malloc(st.st_size + 1)) == NULL) {
		close(fd);
		return NULL;
	}
	while (got < (size_t)st.st_size &&
	    (n = read(fd, p + got, st.st_size - got)) > 0)
		got += n;
	close(fd);
	*len = got;
	return p;
}

int
tv_spit(const char *path, const void *p, size_t len)
{
	int	fd;

	if ((fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600)) == -1)
		return -1;
	if (write(fd, p, len) != (ssize_t)len) {
		close(fd);
		return -1;
	}
	return close(fd);
}

long
tv_count_buf(const unsigned char *p, size_t n, const char *needle)
{
	size_t		 nl = strlen(needle);
	const unsigned char *q = p, *end = p + n;
	long		 c = 0;

	while (q < end && (q = memmem(q, end - q, needle, nl)) != NULL) {
		c++;
		q += nl;
	}
	return c;
}

long
tv_count_file(const char *path, const char *needle)
{
	unsigned char	*p;
	size_t		 n;
	long		 c;

	if ((p = tv_slurp(path, &n)) == NULL)
		return 0;
	c = tv_count_buf(p, n, needle);
	free(p);
	return c;
}

int
tv_hash(const char *path, unsigned char out[32])
{
	unsigned char	*p;
	size_t		 n;

	memset(out, 0, 32);
	if ((p = tv_slurp(path, &n)) == NULL)
		return 0;
	crypto_generichash(out, 32, p, n, NULL, 0);
	free(p);
	return 1;
}

int
tv_flip(const char *path, long off)
{
	unsigned char	c;
	int		fd, rc = -1;

	if ((fd = open(path, O_RDWR)) == -1)
		return -1;
	if (pread(fd, &c, 1, off) == 1) {
		c ^= 1;
		if (pwrite(fd, &c, 1, off) == 1)
			rc = 0;
	}
	close(fd);
	return rc;
}

int
tv_exists(const char *path)
{
	return access(path, F_OK) == 0;
}

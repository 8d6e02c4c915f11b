/* store-test.c: helpers for the store tests (see store-test.h). */
#include "config.h"

#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "store-int.h"
#include "store-test.h"
#include "tap.h"

static char	tmpdir[256];

const char *
st_tmpdir(void)
{
	const char	*base = getenv("TMPDIR");

	if (tmpdir[0] != '\0')
		return tmpdir;
	snprintf(tmpdir, sizeof(tmpdir), "%s/opsicle-store-XXXXXX",
	    base != NULL && *base != '\0' ? base : "/tmp");
	if (mkdtemp(tmpdir) == NULL) {
		perror("mkdtemp");
		exit(99);
	}
	return tmpdir;
}

static int
rm_one(const char *path, const struct stat *sb, int flag, struct FTW *ftw)
{
	(void)sb; (void)flag; (void)ftw;
	return remove(path);
}

void
st_cleanup(void)
{
	if (tmpdir[0] != '\0')
		nftw(tmpdir, rm_one, 16, FTW_DEPTH | FTW_PHYS);
	tmpdir[0] = '\0';
}

const char *
st_path(const char *name)
{
	static char	buf[8][512];
	static int	next;
	char		*p = buf[next++ % 8];

	snprintf(p, sizeof(buf[0]), "%s/%s", st_tmpdir(), name);
	return p;
}

struct keyring *
st_keyring(const char *tag)
{
	struct keyring	*kr = NULL;
	struct ops_err	 err;
	char		 env[512], kf[512];

	snprintf(env, sizeof(env), "%s/%s.key", st_tmpdir(), tag);
	snprintf(kf, sizeof(kf), "%s/%s.kf", st_tmpdir(), tag);
	if (keys_create_keyfile(env, kf, &kr, &err) != OPS_OK) {
		diag("create keyring %s: %s", tag, ops_err_msg(&err));
		st_cleanup();
		exit(99);
	}
	return kr;
}

int
st_file_contains(const char *path, const void *needle, size_t len)
{
	FILE		*f;
	unsigned char	*buf = NULL, *nb;
	size_t		 n = 0, cap = 0, got, i;
	int		 found = 0;

	if ((f = fopen(path, "rb")) == NULL)
		return -1;
	for (;;) {
		if (n + 65536 > cap) {
			cap = cap == 0 ? 1 << 20 : cap * 2;
			if ((nb = realloc(buf, cap)) == NULL) {
				free(buf);
				fclose(f);
				return -1;
			}
			buf = nb;
		}
		if ((got = fread(buf + n, 1, 65536, f)) == 0)
			break;
		n += got;
	}
	fclose(f);
	for (i = 0; len > 0 && i + len <= n; i++)
		if (memcmp(buf + i, needle, len) == 0) {
			found = 1;
			break;
		}
	free(buf);
	return found;
}

sqlite3 *
st_raw(struct store *st)
{
	sqlite3	*db = NULL;

	if (sqlite3_open_v2(st_path("store.db"), &db, SQLITE_OPEN_READWRITE,
	    store_vfs_name(st)) != SQLITE_OK) {
		diag("raw open: %s", db != NULL ? sqlite3_errmsg(db) : "?");
		sqlite3_close(db);
		return NULL;
	}
	sqlite3_busy_timeout(db, 5000);
	return db;
}

int
st_exec(sqlite3 *db, const char *sql)
{
	int	rc;

	if ((rc = sqlite3_exec(db, sql, NULL, NULL, NULL)) != SQLITE_OK)
		diag("sql \"%s\": %s", sql, sqlite3_errmsg(db));
	return rc;
}

long long
st_int(sqlite3 *db, const char *sql)
{
	sqlite3_stmt	*stmt;
	long long	 v = -1;

	if (sqlite3_prepare_v2(db, sql, -1, &stmt, NULL) != SQLITE_OK) {
		diag("sql \"%s\": %s", sql, sqlite3_errmsg(db));
		return -1;
	}
	if (sqlite3_step(stmt) == SQLITE_ROW)
		v = sqlite3_column_int64(stmt, 0);
	sqlite3_finalize(stmt);
	return v;
}

int
st_scale(void)
{
	const char	*s = getenv("OPS_TEST_SCALE");
	int		 v;

	if (s == NULL || (v = atoi(s)) < 1)
		return 1;
	return v;
}

int
st_str_eq(const char *a, const char *b)
{
	if (a == NULL || b == NULL)
		return a == b;
	return strcmp(a, b) == 0;
}

/* file-check.c: ownership and mode checks for trusted files (file-check.h). */
#include "config.h"

#include <sys/stat.h>

#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "file-check.h"

/* Owned by us, or by root, who could rewrite it anyway. */
static int
owner_trusted(uid_t uid)
{
	return uid == geteuid() || uid == 0;
}

static int
check_owner(const struct stat *st, const char *path, const char *what,
    int root_ok, struct ops_err *err)
{
	if (st->st_uid == geteuid() || (root_ok && st->st_uid == 0))
		return OPS_OK;
	return ops_err_set(err, OPS_E_PERM, "%s %s is owned by uid %u, not by "
	    "uid %u%s; run chown %u %s", what, path, (unsigned)st->st_uid,
	    (unsigned)geteuid(), root_ok ? " or root" : "",
	    (unsigned)geteuid(), path);
}

/* Every directory from dir up to "/" must be ours or root's and closed. */
static int
check_dirs(const char *path, const char *what, struct ops_err *err)
{
	char		 dir[PATH_MAX], *real, *slash;
	struct stat	 st;
	int		 rc = OPS_OK;

	if (strlen(path) >= sizeof(dir))
		return ops_err_set(err, OPS_E_TOOBIG, "%s path too long", what);
	strcpy(dir, path);
	if ((slash = strrchr(dir, '/')) == NULL)
		strcpy(dir, ".");
	else if (slash == dir)
		dir[1] = '\0';
	else
		*slash = '\0';
	if ((real = realpath(dir, NULL)) == NULL)
		return ops_err_errno(err, OPS_E_IO, "resolve directory %s of "
		    "%s %s", dir, what, path);
	for (;;) {
		if (stat(real, &st) == -1) {
			rc = ops_err_errno(err, OPS_E_IO, "stat directory %s",
			    real);
			break;
		}
		if (!owner_trusted(st.st_uid)) {
			rc = ops_err_set(err, OPS_E_PERM, "directory %s above "
			    "%s %s is owned by uid %u, not by uid %u or root",
			    real, what, path, (unsigned)st.st_uid,
			    (unsigned)geteuid());
			break;
		}
		if ((st.st_mode & 022) != 0 && !(st.st_mode & S_ISVTX)) {
			rc = ops_err_set(err, OPS_E_PERM, "directory %s above "
			    "%s %s is writable by group or others (mode "
			    "%04o); run chmod go-w %s", real, what, path,
			    (unsigned)(st.st_mode & 07777), real);
			break;
		}
		if (strcmp(real, "/") == 0)
			break;
		slash = strrchr(real, '/');
		if (slash == real)
			slash[1] = '\0';
		else
			*slash = '\0';
	}
	free(real);
	return rc;
}

int
file_check_rights(const struct stat *st, const char *path, const char *what,
    struct ops_err *err)
{
	int	rc;

	if (!S_ISREG(st->st_mode))
		return ops_err_set(err, OPS_E_PERM, "%s %s is not a regular "
		    "file", what, path);
	if ((rc = check_owner(st, path, what, 1, err)) != OPS_OK)
		return rc;
	if ((st->st_mode & 022) != 0)
		return ops_err_set(err, OPS_E_PERM, "%s %s is writable by "
		    "group or others (mode %04o), so another user could "
		    "change it; run chmod go-w %s", what, path,
		    (unsigned)(st->st_mode & 07777), path);
	return check_dirs(path, what, err);
}

int
file_check_secret(const struct stat *st, const char *path, const char *what,
    struct ops_err *err)
{
	int	rc;

	if (!S_ISREG(st->st_mode))
		return ops_err_set(err, OPS_E_PERM, "%s %s is not a regular "
		    "file", what, path);
	if ((rc = check_owner(st, path, what, 0, err)) != OPS_OK)
		return rc;
	if ((st->st_mode & 077) != 0)
		return ops_err_set(err, OPS_E_PERM, "%s %s is %s by group or "
		    "others (mode %04o); run chmod 600 %s", what, path,
		    (st->st_mode & 044) ? "readable" : "accessible",
		    (unsigned)(st->st_mode & 07777), path);
	return OPS_OK;
}

/* paths.c: resolve state locations from $OPSICLE_HOME or XDG (paths.h). */
#include "config.h"

#include <sys/stat.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "paths.h"

static int
join(char *dst, const char *a, const char *b, struct ops_err *err)
{
	int	n = snprintf(dst, PATH_MAX, "%s/%s", a, b);

	if (n < 0 || n >= PATH_MAX)
		return ops_err_set(err, OPS_E_TOOBIG, "path too long: %s/%s",
		    a, b);
	return OPS_OK;
}

/* $VAR/opsicle if VAR is set and absolute, else $HOME/fallback/opsicle. */
static int
xdg_dir(char *dst, const char *var, const char *fallback, struct ops_err *err)
{
	const char	*v = getenv(var), *home;
	char		 base[PATH_MAX];
	int		 n;

	if (v != NULL && v[0] == '/')
		return join(dst, v, "opsicle", err);
	if ((home = getenv("HOME")) == NULL || home[0] != '/')
		return ops_err_set(err, OPS_E_INVAL,
		    "neither OPSICLE_HOME, %s nor HOME is set to an absolute "
		    "path", var);
	n = snprintf(base, sizeof(base), "%s/%s", home, fallback);
	if (n < 0 || (size_t)n >= sizeof(base))
		return ops_err_set(err, OPS_E_TOOBIG, "HOME path too long");
	return join(dst, base, "opsicle", err);
}

/* Store, keys, socket, lock and config from the directories in p. */
static int
paths_files(struct ops_paths *p, const char *cfgdir, struct ops_err *err)
{
	int	rc;

	if ((rc = join(p->store, p->data_dir, "store.db", err)) != OPS_OK ||
	    (rc = join(p->envelope, p->data_dir, "store.key", err)) != OPS_OK ||
	    (rc = join(p->keyfile, p->data_dir, "store.keyfile", err)) !=
	    OPS_OK ||
	    (rc = join(p->socket, p->run_dir, "opsicled.sock", err)) != OPS_OK ||
	    (rc = join(p->lock, p->run_dir, "opsicled.lock", err)) != OPS_OK ||
	    (rc = join(p->config, cfgdir, "opsicle.conf", err)) != OPS_OK)
		return rc;
	return OPS_OK;
}

int
ops_paths_resolve_system(struct ops_paths *p, struct ops_err *err)
{
	memset(p, 0, sizeof(*p));
	strcpy(p->data_dir, "/var/lib/opsicle");
	strcpy(p->run_dir, "/run/opsicle");
	strcpy(p->log_dir, "/var/log/opsicle");
	return paths_files(p, "/etc/opsicle", err);
}

int
ops_paths_resolve(struct ops_paths *p, struct ops_err *err)
{
	const char	*home = getenv("OPSICLE_HOME"), *rt;
	char		 cfgdir[PATH_MAX];
	int		 rc;

	const char	*sys = getenv("OPSICLE_SYSTEM");

	memset(p, 0, sizeof(*p));
	if ((home == NULL || home[0] == '\0') && sys != NULL &&
	    sys[0] != '\0' && strcmp(sys, "0") != 0)
		return ops_paths_resolve_system(p, err);
	if (home != NULL && home[0] != '\0') {
		if (home[0] != '/')
			return ops_err_set(err, OPS_E_INVAL,
			    "OPSICLE_HOME must be an absolute path: %s", home);
		if (strlen(home) >= PATH_MAX - 32)
			return ops_err_set(err, OPS_E_TOOBIG,
			    "OPSICLE_HOME too long");
		strcpy(p->data_dir, home);
		strcpy(p->run_dir, home);
		strcpy(cfgdir, home);
		if ((rc = join(p->log_dir, home, "logs", err)) != OPS_OK)
			return rc;
	} else {
		if ((rc = xdg_dir(p->data_dir, "XDG_DATA_HOME",
		    ".local/share", err)) != OPS_OK ||
		    (rc = xdg_dir(cfgdir, "XDG_CONFIG_HOME", ".config",
		    err)) != OPS_OK ||
		    (rc = xdg_dir(p->log_dir, "XDG_STATE_HOME",
		    ".local/state", err)) != OPS_OK)
			return rc;
		if (strlen(p->log_dir) >= PATH_MAX - 8)
			return ops_err_set(err, OPS_E_TOOBIG, "path too long");
		strcat(p->log_dir, "/logs");
		rt = getenv("XDG_RUNTIME_DIR");
		if (rt != NULL && rt[0] == '/') {
			if ((rc = join(p->run_dir, rt, "opsicle", err)) !=
			    OPS_OK)
				return rc;
		} else
			strcpy(p->run_dir, p->data_dir);
	}
	return paths_files(p, cfgdir, err);
}

int
ops_mkdir_p(const char *dir, unsigned int mode, struct ops_err *err)
{
	char	 buf[PATH_MAX];
	char	*s;

	if (strlen(dir) >= sizeof(buf))
		return ops_err_set(err, OPS_E_TOOBIG, "path too long: %s", dir);
	strcpy(buf, dir);
	for (s = buf + 1; ; s++) {
		if (*s != '/' && *s != '\0')
			continue;
		char c = *s;
		*s = '\0';
		if (mkdir(buf, (mode_t)mode) == -1 && errno != EEXIST)
			return ops_err_errno(err, OPS_E_IO, "create directory %s",
			    buf);
		*s = c;
		if (c == '\0')
			break;
	}
	return OPS_OK;
}

int
ops_paths_mkdirs(const struct ops_paths *p, struct ops_err *err)
{
	int	rc;

	if ((rc = ops_mkdir_p(p->data_dir, 0700, err)) != OPS_OK ||
	    (rc = ops_mkdir_p(p->run_dir, 0700, err)) != OPS_OK ||
	    (rc = ops_mkdir_p(p->log_dir, 0700, err)) != OPS_OK)
		return rc;
	return OPS_OK;
}

/*
 * paths.h: where opsicle keeps its state.
 *
 * With $OPSICLE_HOME set, everything lives under it: store.db, store.key
 * (the key envelope), store.keyfile (the key-encryption key of an
 * unattended store), opsicled.sock, opsicled.lock, logs/ and
 * opsicle.conf. Without it, the XDG base directories are used: data
 * ($XDG_DATA_HOME or ~/.local/share)/opsicle for the store and keys,
 * ($XDG_RUNTIME_DIR)/opsicle for the socket and lock (the data dir when
 * unset), ($XDG_STATE_HOME or ~/.local/state)/opsicle/logs for logs and
 * ($XDG_CONFIG_HOME or ~/.config)/opsicle/opsicle.conf for the config.
 * System-wide (opsicled -S, or $OPSICLE_SYSTEM set to anything but ""
 * or "0" while $OPSICLE_HOME is unset, which the CLI honours too): the
 * store and keys in /var/lib/opsicle, the socket and lock in
 * /run/opsicle, logs in /var/log/opsicle and the config in
 * /etc/opsicle/opsicle.conf, the directories the systemd unit in share/
 * asks for.
 * Paths are resolved, never created: ops_paths_mkdirs creates the
 * directories, owner-only.
 */
#ifndef OPS_PATHS_H
#define OPS_PATHS_H

#include <limits.h>

#include "error.h"

struct ops_paths {
	char	data_dir[PATH_MAX];
	char	run_dir[PATH_MAX];
	char	log_dir[PATH_MAX];
	char	store[PATH_MAX];	/* encrypted SQLite database */
	char	envelope[PATH_MAX];	/* wrapped data key */
	char	keyfile[PATH_MAX];	/* key-encryption key file */
	char	socket[PATH_MAX];
	char	lock[PATH_MAX];
	char	config[PATH_MAX];
};

/* Resolve all paths from the environment. */
int	ops_paths_resolve(struct ops_paths *p, struct ops_err *err);
/* The system-wide paths, whatever the environment says. */
int	ops_paths_resolve_system(struct ops_paths *p, struct ops_err *err);

/* Create data, run and log directories with mode 0700 if missing. */
int	ops_paths_mkdirs(const struct ops_paths *p, struct ops_err *err);

/* mkdir -p with the given mode for the missing components. */
int	ops_mkdir_p(const char *dir, unsigned int mode, struct ops_err *err);

#endif

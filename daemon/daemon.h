/*
 * daemon.h: opsicled's internal index.
 *
 * struct ops_ctx is the one context every layer of the daemon receives:
 * paths under $OPSICLE_HOME (or XDG), the log, the unlocked keyring and
 * the open store. main() owns it; nothing else is global except the
 * signal flags in main.c.
 */
#ifndef OPS_DAEMON_H
#define OPS_DAEMON_H

#include "error.h"
#include "keys.h"
#include "log.h"
#include "paths.h"
#include "store.h"

struct ops_ctx {
	struct ops_paths	 paths;
	struct ops_log		 log;
	struct keyring		*keys;		/* NULL while locked */
	struct store		*store;		/* NULL while locked */
	int			 lock_fd;	/* flock'd opsicled.lock */
	const char		*passphrase_file; /* -P, or NULL */
};

/* boot.c */
void	boot_harden(void);
int	boot_lock(struct ops_ctx *ctx, struct ops_err *err);
int	boot_write_pid(struct ops_ctx *ctx, struct ops_err *err);
int	boot_open_store(struct ops_ctx *ctx, struct ops_err *err);
void	boot_close(struct ops_ctx *ctx);

#endif

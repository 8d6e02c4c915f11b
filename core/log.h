/*
 * log.h: the daemon's diagnostic log (never the audit trail, which is
 * store data).
 *
 * Levels mean what babeltrace's CONTRIBUTING says: warn for abnormal
 * conditions the operator should see, info for one-off user-meaningful
 * events, debug for developer detail. log_warn appends strerror(errno);
 * log_warnx does not. Output goes to stderr (foreground), to a file
 * opened with log_open_file, or to syslog(3) (facility LOG_DAEMON, warn
 * as LOG_WARNING, info as LOG_INFO, debug as LOG_DEBUG) after
 * log_open_syslog; control characters in messages are escaped so a
 * hostile target name cannot forge log lines. Callers never pass
 * secrets.
 *
 * fatal and fatalx are for a broken invariant or memory that cannot be
 * had: they log one line whatever the level (syslog LOG_CRIT) and
 * exit(1). fatal appends strerror(errno); fatalx does not. With lg NULL
 * (xmalloc.c, which has no context) the line goes to standard error,
 * prefixed with the program's name. Neither allocates.
 */
#ifndef OPS_LOG_H
#define OPS_LOG_H

#include <stdio.h>

#include "error.h"

enum log_level {
	LOG_LEVEL_WARN = 0,
	LOG_LEVEL_INFO = 1,
	LOG_LEVEL_DEBUG = 2,
};

struct ops_log {
	FILE		*fp;		/* stderr or an owned file */
	int		 owned;		/* fp was opened by log_open_file */
	enum log_level	 level;
	const char	*prog;		/* borrowed, e.g. "opsicled" */
	int		 syslog;	/* log_open_syslog was called */
};

/* Log to stderr at the given level. */
void	log_init(struct ops_log *lg, const char *prog, enum log_level level);
/* Append to path (created 0600). */
int	log_open_file(struct ops_log *lg, const char *path,
	    struct ops_err *err);
/* Send every later line to syslog(3) instead (openlog with LOG_PID). */
void	log_open_syslog(struct ops_log *lg);
void	log_close(struct ops_log *lg);
/* "warn", "info" or "debug" to a level; -1 (OPS_E_INVAL) otherwise. */
int	log_level_parse(const char *name, enum log_level *level);

void	log_warn(struct ops_log *lg, const char *fmt, ...)
	    __attribute__((format(printf, 2, 3)));
void	log_warnx(struct ops_log *lg, const char *fmt, ...)
	    __attribute__((format(printf, 2, 3)));
void	log_info(struct ops_log *lg, const char *fmt, ...)
	    __attribute__((format(printf, 2, 3)));
void	log_debug(struct ops_log *lg, const char *fmt, ...)
	    __attribute__((format(printf, 2, 3)));
void	fatal(struct ops_log *lg, const char *fmt, ...)
	    __attribute__((noreturn, format(printf, 2, 3)));
void	fatalx(struct ops_log *lg, const char *fmt, ...)
	    __attribute__((noreturn, format(printf, 2, 3)));

#endif

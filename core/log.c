/* log.c: leveled, escaped diagnostic log (see log.h). */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "log.h"

void
log_init(struct ops_log *lg, const char *prog, enum log_level level)
{
	lg->fp = stderr;
	lg->owned = 0;
	lg->level = level;
	lg->prog = prog;
}

int
log_open_file(struct ops_log *lg, const char *path, struct ops_err *err)
{
	FILE	*fp;
	int	 fd;

	fd = open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
	if (fd == -1)
		return ops_err_errno(err, OPS_E_IO, "open log file %s", path);
	if ((fp = fdopen(fd, "a")) == NULL) {
		close(fd);
		return ops_err_errno(err, OPS_E_IO, "open log file %s", path);
	}
	setvbuf(fp, NULL, _IOLBF, 0);
	log_close(lg);
	lg->fp = fp;
	lg->owned = 1;
	return OPS_OK;
}

void
log_close(struct ops_log *lg)
{
	if (lg->owned && lg->fp != NULL)
		fclose(lg->fp);
	lg->fp = stderr;
	lg->owned = 0;
}

/* Write msg with control characters shown as \xNN, on one line. */
static void
log_emit(struct ops_log *lg, const char *tag, const char *msg,
    const char *suffix)
{
	char		 ts[32];
	struct tm	 tm;
	time_t		 now = time(NULL);
	const unsigned char *p;

	if (lg->fp == NULL)
		return;
	gmtime_r(&now, &tm);
	strftime(ts, sizeof(ts), "%Y-%m-%dT%H:%M:%SZ", &tm);
	fprintf(lg->fp, "%s %s[%ld] %s: ", ts, lg->prog ? lg->prog : "opsicle",
	    (long)getpid(), tag);
	for (p = (const unsigned char *)msg; *p != '\0'; p++) {
		if (*p < 0x20 || *p == 0x7f)
			fprintf(lg->fp, "\\x%02x", *p);
		else
			fputc(*p, lg->fp);
	}
	if (suffix != NULL)
		fprintf(lg->fp, ": %s", suffix);
	fputc('\n', lg->fp);
	fflush(lg->fp);
}

static void
log_vlog(struct ops_log *lg, enum log_level level, const char *tag,
    const char *suffix, const char *fmt, va_list ap)
{
	char	msg[1024];

	if (lg == NULL || level > lg->level)
		return;
	vsnprintf(msg, sizeof(msg), fmt, ap);
	log_emit(lg, tag, msg, suffix);
}

void
log_warn(struct ops_log *lg, const char *fmt, ...)
{
	va_list		 ap;
	const char	*e = strerror(errno);

	va_start(ap, fmt);
	log_vlog(lg, LOG_LEVEL_WARN, "warning", e, fmt, ap);
	va_end(ap);
}

void
log_warnx(struct ops_log *lg, const char *fmt, ...)
{
	va_list	ap;

	va_start(ap, fmt);
	log_vlog(lg, LOG_LEVEL_WARN, "warning", NULL, fmt, ap);
	va_end(ap);
}

void
log_info(struct ops_log *lg, const char *fmt, ...)
{
	va_list	ap;

	va_start(ap, fmt);
	log_vlog(lg, LOG_LEVEL_INFO, "info", NULL, fmt, ap);
	va_end(ap);
}

void
log_debug(struct ops_log *lg, const char *fmt, ...)
{
	va_list	ap;

	va_start(ap, fmt);
	log_vlog(lg, LOG_LEVEL_DEBUG, "debug", NULL, fmt, ap);
	va_end(ap);
}

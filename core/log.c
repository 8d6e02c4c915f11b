/* log.c: leveled, escaped diagnostic log (see log.h). */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
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
	lg->syslog = 0;
}

int
log_level_parse(const char *name, enum log_level *level)
{
	if (strcmp(name, "warn") == 0)
		*level = LOG_LEVEL_WARN;
	else if (strcmp(name, "info") == 0)
		*level = LOG_LEVEL_INFO;
	else if (strcmp(name, "debug") == 0)
		*level = LOG_LEVEL_DEBUG;
	else
		return OPS_E_INVAL;
	return OPS_OK;
}

void
log_open_syslog(struct ops_log *lg)
{
	log_close(lg);
	openlog(lg->prog != NULL ? lg->prog : "opsicle", LOG_PID | LOG_NDELAY,
	    LOG_DAEMON);
	lg->fp = NULL;
	lg->syslog = 1;
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
	if (lg->syslog)
		closelog();
	lg->fp = stderr;
	lg->owned = 0;
	lg->syslog = 0;
}

/* Copy msg into line with control characters as \xNN; returns the length. */
static size_t
log_escape(char *line, size_t len, const char *msg)
{
	const unsigned char	*p;
	size_t			 o = 0;

	for (p = (const unsigned char *)msg; *p != '\0' && o + 5 < len; p++) {
		if (*p < 0x20 || *p == 0x7f)
			o += (size_t)snprintf(line + o, len - o, "\\x%02x", *p);
		else
			line[o++] = (char)*p;
	}
	line[o] = '\0';
	return o;
}

static int
log_priority(enum log_level level)
{
	switch (level) {
	case LOG_LEVEL_WARN:
		return LOG_WARNING;
	case LOG_LEVEL_INFO:
		return LOG_INFO;
	default:
		return LOG_DEBUG;
	}
}

/* syslog(3): the same escaping, into one buffer; syslog adds the rest. */
static void
log_emit_syslog(int pri, const char *msg, const char *suffix)
{
	char	line[4200];

	(void)log_escape(line, sizeof(line), msg);
	if (suffix != NULL)
		syslog(pri, "%s: %s", line, suffix);
	else
		syslog(pri, "%s", line);
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
	if (lg->syslog)
		log_emit_syslog(log_priority(level), msg, suffix);
	else
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

/*
 * The line of fatal/fatalx. With no log (xmalloc.c) it is written to
 * fd 2 in one write(2), from the stack: memory may be gone.
 */
static void
log_fatal(struct ops_log *lg, const char *suffix, const char *fmt,
    va_list ap)
{
	char	msg[1024], line[1200];
	size_t	o;

	vsnprintf(msg, sizeof(msg), fmt, ap);
	if (lg != NULL && lg->syslog)
		log_emit_syslog(LOG_CRIT, msg, suffix);
	else if (lg != NULL)
		log_emit(lg, "fatal", msg, suffix);
	else {
		o = (size_t)snprintf(line, sizeof(line), "%s: fatal: ",
		    program_invocation_short_name);
		if (o >= sizeof(line))
			o = 0;
		o += log_escape(line + o, sizeof(line) - o - 1, msg);
		if (suffix != NULL)
			o += (size_t)snprintf(line + o, sizeof(line) - o - 1,
			    ": %s", suffix);
		if (o > sizeof(line) - 2)
			o = sizeof(line) - 2;
		line[o++] = '\n';
		(void)!write(STDERR_FILENO, line, o);
	}
}

void
fatal(struct ops_log *lg, const char *fmt, ...)
{
	va_list		 ap;
	const char	*e = strerror(errno);

	va_start(ap, fmt);
	log_fatal(lg, e, fmt, ap);
	va_end(ap);
	exit(1);
}

void
fatalx(struct ops_log *lg, const char *fmt, ...)
{
	va_list	ap;

	va_start(ap, fmt);
	log_fatal(lg, NULL, fmt, ap);
	va_end(ap);
	exit(1);
}

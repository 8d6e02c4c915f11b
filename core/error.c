/* error.c: status codes and error records (see error.h). */
#include "config.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "error.h"

static const char *const status_names[] = {
	[0] = "success",
	[-OPS_E_INVAL] = "invalid argument",
	[-OPS_E_NOMEM] = "out of memory",
	[-OPS_E_IO] = "input/output error",
	[-OPS_E_CORRUPT] = "data is corrupt",
	[-OPS_E_BADKEY] = "wrong passphrase or key",
	[-OPS_E_PERM] = "permission denied",
	[-OPS_E_NOTFOUND] = "not found",
	[-OPS_E_EXISTS] = "already exists",
	[-OPS_E_LOCKED] = "locked",
	[-OPS_E_CRYPTO] = "cryptographic failure",
	[-OPS_E_DB] = "database error",
	[-OPS_E_VERSION] = "unsupported version",
	[-OPS_E_PLAINTEXT] = "unencrypted database",
	[-OPS_E_TOOBIG] = "too large",
	[-OPS_E_HOSTKEY] = "host key verification failed",
	[-OPS_E_AUTH] = "authentication failed",
	[-OPS_E_TIMEOUT] = "timed out",
	[-OPS_E_CONNECT] = "connection failed",
	[-OPS_E_PROTO] = "protocol error",
	[-OPS_E_INTERNAL] = "internal error",
};

const char *
ops_strerror(int code)
{
	size_t	i = code <= 0 ? (size_t)-code : 0;

	if (code > 0 || i >= sizeof(status_names) / sizeof(status_names[0]) ||
	    status_names[i] == NULL)
		return "unknown error";
	return status_names[i];
}

int
ops_err_set(struct ops_err *err, int code, const char *fmt, ...)
{
	va_list	ap;

	if (err == NULL)
		return code;
	err->code = code;
	va_start(ap, fmt);
	vsnprintf(err->msg, sizeof(err->msg), fmt, ap);
	va_end(ap);
	return code;
}

int
ops_err_errno(struct ops_err *err, int code, const char *fmt, ...)
{
	va_list	ap;
	int	saved = errno;
	size_t	len;

	if (err == NULL)
		return code;
	err->code = code;
	va_start(ap, fmt);
	vsnprintf(err->msg, sizeof(err->msg), fmt, ap);
	va_end(ap);
	len = strlen(err->msg);
	snprintf(err->msg + len, sizeof(err->msg) - len, ": %s",
	    strerror(saved));
	errno = saved;
	return code;
}

void
ops_err_clear(struct ops_err *err)
{
	if (err == NULL)
		return;
	err->code = OPS_OK;
	err->msg[0] = '\0';
}

const char *
ops_err_msg(const struct ops_err *err)
{
	if (err == NULL)
		return "unknown error";
	if (err->msg[0] != '\0')
		return err->msg;
	return ops_strerror(err->code);
}

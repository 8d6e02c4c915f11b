/*
 * error.h: status codes and the error record every core function fills.
 *
 * Contract: a function returns 0 (OPS_OK) on success or a negative OPS_E_*
 * code; when it fails and the caller passed a non-NULL struct ops_err, the
 * record holds the same code and a one-line message that names the action
 * and the object. Messages never hold secret values. Filling an error never
 * allocates and cannot fail.
 */
#ifndef OPS_ERROR_H
#define OPS_ERROR_H

#include <stddef.h>

enum ops_status {
	OPS_OK = 0,
	OPS_E_INVAL = -1,	/* bad argument or input */
	OPS_E_NOMEM = -2,	/* allocation failed */
	OPS_E_IO = -3,		/* system call failed */
	OPS_E_CORRUPT = -4,	/* data failed authentication or is damaged */
	OPS_E_BADKEY = -5,	/* wrong passphrase or key file */
	OPS_E_PERM = -6,	/* unsafe file permissions or access denied */
	OPS_E_NOTFOUND = -7,	/* no such object */
	OPS_E_EXISTS = -8,	/* object already exists */
	OPS_E_LOCKED = -9,	/* store locked or busy */
	OPS_E_CRYPTO = -10,	/* crypto library failure */
	OPS_E_DB = -11,		/* SQLite failure */
	OPS_E_VERSION = -12,	/* unsupported format or protocol version */
	OPS_E_PLAINTEXT = -13,	/* unencrypted database refused */
	OPS_E_TOOBIG = -14,	/* size limit exceeded */
	OPS_E_HOSTKEY = -15,	/* SSH host key unknown or changed */
	OPS_E_AUTH = -16,	/* authentication failed */
	OPS_E_TIMEOUT = -17,	/* deadline passed */
	OPS_E_CONNECT = -18,	/* connection failed */
	OPS_E_PROTO = -19,	/* protocol violation */
	OPS_E_INTERNAL = -20,	/* broken invariant */
};

#define OPS_ERR_MSG_MAX 256

struct ops_err {
	int	code;
	char	msg[OPS_ERR_MSG_MAX];
};

/* Short, static description of a status code. */
const char	*ops_strerror(int code);

/*
 * Fill err (which may be NULL) and return code, so callers can write
 * "return ops_err_set(err, OPS_E_INVAL, "...", ...);".
 */
int		 ops_err_set(struct ops_err *err, int code, const char *fmt, ...)
		     __attribute__((format(printf, 3, 4)));

/* Like ops_err_set, with ": strerror(errno)" appended. */
int		 ops_err_errno(struct ops_err *err, int code, const char *fmt, ...)
		     __attribute__((format(printf, 3, 4)));

/* Reset err to "no error". */
void		 ops_err_clear(struct ops_err *err);

/* The message, or the code's description when no message was set. */
const char	*ops_err_msg(const struct ops_err *err);

#endif

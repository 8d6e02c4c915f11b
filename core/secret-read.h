/*
 * secret-read.h: read a passphrase or other secret without echoing it.
 *
 * Both readers put the bytes straight into a struct secret (sodium_malloc
 * memory) and never copy them elsewhere; any stack bytes used on the way
 * are wiped. secret_read_tty talks to the controlling terminal
 * (/dev/tty), never to stdin/stdout, turns echo off for the duration and
 * restores the terminal on every path; if a terminating signal (INT,
 * TERM, HUP, QUIT, TSTP, ...) arrives while echo is off, the terminal is
 * restored first and the signal is then re-delivered to the process.
 * secret_read_fd reads a pipe or file to EOF (it does not stop at a
 * newline). Both strip one trailing newline; input longer than the limit
 * is OPS_E_TOOBIG and yields nothing.
 */
#ifndef OPS_SECRET_READ_H
#define OPS_SECRET_READ_H

#include <stddef.h>

#include "error.h"
#include "secret.h"

#define SECRET_READ_TTY_MAX	1024	/* longest line secret_read_tty takes */
#define SECRET_READ_FD_MAX	(1024 * 1024)	/* largest max for _fd */

/*
 * Print prompt on /dev/tty, read one line with echo off (at most
 * SECRET_READ_TTY_MAX bytes, newline stripped). OPS_E_IO when there is no
 * terminal. Caller frees *out.
 */
int	secret_read_tty(const char *prompt, struct secret **out,
	    struct ops_err *err);

/*
 * Read fd to EOF: at most max bytes (max <= SECRET_READ_FD_MAX) after one
 * trailing newline is stripped. Caller frees *out; fd stays open.
 */
int	secret_read_fd(int fd, size_t max, struct secret **out,
	    struct ops_err *err);

#endif

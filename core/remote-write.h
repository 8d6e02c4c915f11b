/*
 * remote-write.h: the remote shell command that writes a file from its
 * standard input, for uploads that must run as another user (an
 * automation's upload step with become, run under sudo on an exec
 * channel, where SFTP would write as the login user).
 *
 * Contract: the command makes a 0600 temp file next to dest (mktemp in
 * dest's directory), copies stdin into it, checks its SHA-256 against
 * sha256_hex (sha256sum -c), sets mode and renames it over dest (mv -f,
 * atomic on one file system). On any failure the temp file is removed,
 * dest is left as it was and the command exits non-zero. dest must be
 * absolute; every path is single-quoted, never interpreted.
 */
#ifndef OPS_REMOTE_WRITE_H
#define OPS_REMOTE_WRITE_H

#include "error.h"

/* The command for dest with mode (07777 at most) into *out (caller
 * frees); OPS_E_INVAL for a dest that is not absolute or has no name. */
int	remote_write_command(const char *dest, unsigned mode,
	    const char *sha256_hex, char **out, struct ops_err *err);

#endif

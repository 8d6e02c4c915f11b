/*
 * file-check.h: refuse files that someone else could have written or read.
 *
 * Contract. Like OpenSSH's StrictModes and secure_filename, a file that
 * grants rights (opsicle.conf: roles, socket group) is trusted only when
 * nobody but the daemon's user (or root) can have written it, and a file
 * that holds a secret (the key envelope, a -P passphrase file) only when
 * nobody else can read it. Each check takes the struct stat of the file
 * already opened (fstat), so what is checked is what is read, and fails
 * with OPS_E_PERM and a message that names the file, what is wrong and
 * the command that fixes it.
 *
 *  - file_check_rights: a regular file owned by the effective uid or
 *    root, not writable by group or others; its directory and every one
 *    above it (after resolving symbolic links) owned by the effective
 *    uid or root and not writable by group or others unless sticky
 *    (/tmp).
 *  - file_check_secret: a regular file owned by the effective uid with
 *    no group or other permission bits at all (0600 or stricter).
 */
#ifndef OPS_FILE_CHECK_H
#define OPS_FILE_CHECK_H

#include <sys/stat.h>

#include "error.h"

/* what names the file in messages, e.g. "config". */
int	file_check_rights(const struct stat *st, const char *path,
	    const char *what, struct ops_err *err);
int	file_check_secret(const struct stat *st, const char *path,
	    const char *what, struct ops_err *err);

#endif

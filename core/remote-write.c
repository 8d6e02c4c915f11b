/*
 * remote-write.c: the shell command that writes stdin to a remote file
 * (remote-write.h).
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "remote-write.h"
#include "runenv.h"

int
remote_write_command(const char *dest, unsigned mode, const char *sha256_hex,
    char **out, struct ops_err *err)
{
	const char	*slash = strrchr(dest, '/');
	char		*dir = NULL, *qdir = NULL, *qdest = NULL, *cmd = NULL;
	size_t		 dlen;
	int		 n;

	*out = NULL;
	if (dest[0] != '/' || slash == NULL || slash[1] == '\0')
		return ops_err_set(err, OPS_E_INVAL, "upload destination must "
		    "be an absolute file path");
	if (mode > 07777 || strlen(sha256_hex) != 64 ||
	    strspn(sha256_hex, "0123456789abcdef") != 64)
		return ops_err_set(err, OPS_E_INVAL, "upload: bad mode or "
		    "digest");
	dlen = slash == dest ? 1 : (size_t)(slash - dest);
	if ((dir = strndup(dest, dlen)) == NULL ||
	    (qdir = runenv_quote(dir, strlen(dir))) == NULL ||
	    (qdest = runenv_quote(dest, strlen(dest))) == NULL)
		goto nomem;
	/* The trap removes the temp file on every way out but the last
	 * one; sha256sum -c reads "DIGEST  NAME" from its stdin. */
	n = asprintf(&cmd, "umask 077; _opsicle_t=$(mktemp %s/.opsicle-up."
	    "XXXXXXXX) || exit 1; trap 'rm -f \"$_opsicle_t\"' EXIT; "
	    "cat >\"$_opsicle_t\" && "
	    "printf '%%s  %%s\\n' %s \"$_opsicle_t\" | sha256sum -c --status "
	    "|| { echo 'opsicle: upload: SHA-256 of the written file does "
	    "not match' >&2; exit 1; }; "
	    "chmod %04o \"$_opsicle_t\" && mv -f \"$_opsicle_t\" %s && "
	    "trap - EXIT", qdir, sha256_hex, mode, qdest);
	if (n < 0)
		goto nomem;
	free(dir);
	free(qdir);
	free(qdest);
	*out = cmd;
	return OPS_OK;
nomem:
	free(dir);
	free(qdir);
	free(qdest);
	return ops_err_set(err, OPS_E_NOMEM, "out of memory");
}

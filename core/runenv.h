/*
 * runenv.h: parameter values as environment variables of a remote
 * command, never substituted into the command's own text.
 *
 * Contract: runenv_build puts a POSIX sh prelude in front of command.
 * A value that is not secret is exported from a single-quoted word
 * (every ' written as '\''), so no byte of it is ever interpreted by the
 * remote shell: quotes, $(...), backticks and newlines arrive as they
 * were. A secret value never appears in the command line (which the
 * target's ps shows): its bytes go into *stdin_data, one after another in
 * the order of the variables, and the prelude reads each back with
 * dd bs=1 count=LEN (exactly LEN bytes, nothing more), then points the
 * command's stdin at /dev/null. Without secrets *stdin_data is NULL.
 * Names must be [A-Za-z_][A-Za-z0-9_]* (OPS_E_INVAL otherwise); values
 * may not hold NUL bytes (a shell variable cannot).
 */
#ifndef OPS_RUNENV_H
#define OPS_RUNENV_H

#include <stddef.h>

#include "error.h"
#include "secret.h"

struct runenv_var {
	const char		*name;	/* OPSICLE_PARAM_X */
	const char		*value;
	size_t			 len;
	int			 secret;
};

/* The prelude, then command (may be NULL: the prelude alone, for a
 * prefix such as an interpreter: then it ends in "exec "), into *out
 * (caller frees); secrets into *stdin_data (caller frees). */
int	runenv_build(const struct runenv_var *v, size_t n,
	    const char *command, char **out, struct secret **stdin_data,
	    struct ops_err *err);
/* s single-quoted for sh (caller frees; NULL when out of memory). */
char	*runenv_quote(const char *s, size_t len);

#endif

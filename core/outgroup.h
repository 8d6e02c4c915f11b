/*
 * outgroup.h: fold identical outputs across targets (like clush -b or
 * dshbak -c), for the CLI and TUI.
 *
 * Contract: items are borrowed and must outlive the groups. Two items
 * fall into one group exactly when stdout, stderr and the exit status
 * are byte-for-byte equal (compared by BLAKE2b digest, then by bytes).
 * Groups come in order of their first member; members keep item order.
 * outgroup_free releases what outgroup_fold allocated and accepts NULL.
 */
#ifndef OPS_OUTGROUP_H
#define OPS_OUTGROUP_H

#include <stddef.h>

#include "error.h"

struct outgroup_item {
	const char		*target;
	const unsigned char	*out;
	size_t			 outlen;
	const unsigned char	*err;
	size_t			 errlen;
	int			 exit_status;
};

struct outgroup {
	size_t		 first;		/* index of the first member */
	size_t		*members;	/* item indexes, ascending */
	size_t		 nmembers;
	unsigned char	 digest[32];
};

struct outgroup_set {
	struct outgroup	*groups;
	size_t		 ngroups;
};

/* Group n items. *out is owned by the caller (outgroup_free). */
int	outgroup_fold(const struct outgroup_item *items, size_t n,
	    struct outgroup_set **out, struct ops_err *err);
void	outgroup_free(struct outgroup_set *set);

/*
 * Write the member names of g compactly into buf ("t[1-3,7],web1"):
 * names that share a prefix and end in a decimal number are folded into
 * ranges. Truncates with "..." if buf is short. Returns buf.
 */
char	*outgroup_names(const struct outgroup *g,
	    const struct outgroup_item *items, char *buf, size_t len);

#endif

/*
 * acl.c: who may do what. A peer's role comes from its uid (read with
 * SO_PEERCRED); a command's needed role comes from the command table.
 * For now the daemon's own uid and root are admin and every other uid
 * has no role (the configured uid/group mapping comes later). Which role
 * covers which is one table.
 */
#include "config.h"

#include <unistd.h>

#include "daemon.h"

/* covers[have] lists the roles a holder of "have" may act as. */
static const struct {
	enum cmd_role	have;
	unsigned	covers;		/* bit per enum cmd_role */
} acl_covers[] = {
#define R(x)	(1u << (x))
	{ CMD_ROLE_NONE, R(CMD_ROLE_NONE) },
	{ CMD_ROLE_VIEWER, R(CMD_ROLE_NONE) | R(CMD_ROLE_VIEWER) },
	{ CMD_ROLE_OPERATOR, R(CMD_ROLE_NONE) | R(CMD_ROLE_VIEWER) |
	    R(CMD_ROLE_OPERATOR) },
	{ CMD_ROLE_APPROVER, R(CMD_ROLE_NONE) | R(CMD_ROLE_VIEWER) |
	    R(CMD_ROLE_APPROVER) },
	{ CMD_ROLE_ADMIN, R(CMD_ROLE_NONE) | R(CMD_ROLE_VIEWER) |
	    R(CMD_ROLE_OPERATOR) | R(CMD_ROLE_APPROVER) | R(CMD_ROLE_ADMIN) },
#undef R
};

enum cmd_role
acl_role_of(const struct ops_ctx *ctx, uid_t uid, gid_t gid)
{
	(void)ctx;
	(void)gid;
	if (uid == 0 || uid == geteuid())
		return CMD_ROLE_ADMIN;
	return CMD_ROLE_NONE;
}

int
acl_allows(enum cmd_role have, enum cmd_role need)
{
	size_t	i;

	if (have == CMD_ROLE_NONE)
		return 0;
	for (i = 0; i < sizeof(acl_covers) / sizeof(acl_covers[0]); i++) {
		if (acl_covers[i].have == have)
			return (acl_covers[i].covers & (1u << need)) != 0;
	}
	return 0;
}

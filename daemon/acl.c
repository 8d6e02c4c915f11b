/*
 * acl.c: who may do what. A peer's role comes from its uid (read with
 * SO_PEERCRED); the role a request needs comes from its row in the
 * operation table (dispatch.c).
 * The daemon's own uid and root are admin; any other uid gets the first
 * of role.admin, role.operator, role.approver, role.viewer (opsicle.conf)
 * that names its uid, its user name, or (as @group) its primary group or
 * a group whose member list in the group database names the user; else
 * no role. Operating and approving are separate lanes, so a peer both
 * lists name holds both (operator+approver). Which role covers which is
 * one table.
 */
#include "config.h"

#include <grp.h>
#include <pwd.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
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
	{ CMD_ROLE_OPERATOR_APPROVER, R(CMD_ROLE_NONE) | R(CMD_ROLE_VIEWER) |
	    R(CMD_ROLE_OPERATOR) | R(CMD_ROLE_APPROVER) |
	    R(CMD_ROLE_OPERATOR_APPROVER) },
	{ CMD_ROLE_ADMIN, R(CMD_ROLE_NONE) | R(CMD_ROLE_VIEWER) |
	    R(CMD_ROLE_OPERATOR) | R(CMD_ROLE_APPROVER) |
	    R(CMD_ROLE_OPERATOR_APPROVER) | R(CMD_ROLE_ADMIN) },
#undef R
};

/* Does one list item ("name", "1001" or "@group") name this peer? */
static int
acl_item_matches(const char *item, uid_t uid, gid_t gid, const char *user)
{
	struct group	 gr, *grp = NULL;
	char		 buf[8192], *end;
	unsigned long	 n;
	size_t		 i;

	if (*item == '@') {
		if (getgrnam_r(item + 1, &gr, buf, sizeof(buf), &grp) != 0 ||
		    grp == NULL)
			return 0;
		if (grp->gr_gid == gid)
			return 1;
		for (i = 0; user != NULL && grp->gr_mem[i] != NULL; i++)
			if (strcmp(grp->gr_mem[i], user) == 0)
				return 1;
		return 0;
	}
	if (user != NULL && strcmp(item, user) == 0)
		return 1;
	n = strtoul(item, &end, 10);
	return *item != '\0' && *end == '\0' && n == (unsigned long)uid;
}

/* Does the comma-separated list name this peer? */
static int
acl_list_matches(const char *list, uid_t uid, gid_t gid, const char *user)
{
	char		 item[256];
	const char	*p = list, *comma;
	size_t		 len;

	while (p != NULL && *p != '\0') {
		comma = strchr(p, ',');
		len = comma != NULL ? (size_t)(comma - p) : strlen(p);
		if (len > 0 && len < sizeof(item)) {
			memcpy(item, p, len);
			item[len] = '\0';
			if (acl_item_matches(item, uid, gid, user))
				return 1;
		}
		p = comma != NULL ? comma + 1 : NULL;
	}
	return 0;
}

int
acl_names(const char *item, uid_t uid, gid_t gid)
{
	struct passwd	 pw, *pwp = NULL;
	char		 buf[4096];

	if (getpwuid_r(uid, &pw, buf, sizeof(buf), &pwp) != 0 || pwp == NULL)
		return acl_item_matches(item, uid, gid, NULL);
	return acl_item_matches(item, uid, gid, pw.pw_name);
}

enum cmd_role
acl_role_of(const struct ops_ctx *ctx, uid_t uid, gid_t gid)
{
	static const struct {
		const char	*key;
		enum cmd_role	 role;
	} keys[] = {
		{ "role.admin", CMD_ROLE_ADMIN },
		{ "role.operator", CMD_ROLE_OPERATOR },
		{ "role.approver", CMD_ROLE_APPROVER },
		{ "role.viewer", CMD_ROLE_VIEWER },
	};
	struct passwd	 pw, *pwp = NULL;
	char		 buf[4096];
	const char	*user = NULL;
	size_t		 i;

	if (uid == 0 || uid == geteuid())
		return CMD_ROLE_ADMIN;
	if (ctx == NULL || ctx->config == NULL)
		return CMD_ROLE_NONE;
	if (getpwuid_r(uid, &pw, buf, sizeof(buf), &pwp) == 0 && pwp != NULL)
		user = pw.pw_name;
	for (i = 0; i < sizeof(keys) / sizeof(keys[0]); i++) {
		if (!acl_list_matches(config_str(ctx->config, keys[i].key),
		    uid, gid, user))
			continue;
		if (keys[i].role == CMD_ROLE_OPERATOR && acl_list_matches(
		    config_str(ctx->config, "role.approver"), uid, gid, user))
			return CMD_ROLE_OPERATOR_APPROVER;
		return keys[i].role;
	}
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

/*
 * Binding a credential to a destination (attaching it to a target, moving
 * a target that has one, trusting a host key for it) is an admin act: the
 * destination receives the credential (a password in plain text). The
 * format names the act and the objects, never a secret.
 */
int
acl_need_admin(enum cmd_role have, const char *actor, struct ops_err *err,
    const char *fmt, ...)
{
	va_list	ap;
	char	what[512];

	if (acl_allows(have, CMD_ROLE_ADMIN))
		return OPS_OK;
	va_start(ap, fmt);
	vsnprintf(what, sizeof(what), fmt, ap);
	va_end(ap);
	return ops_err_set(err, OPS_E_PERM, "permission denied: %s needs role "
	    "admin; %s has role %s", what, actor, cmd_role_name(have));
}

/*
 * automation-approval.c: approval policies (automation.h, "An approval
 * policy"): an automation's approval: block, their entries, and the
 * JSON snapshot a job's approval request keeps of the policy it was
 * asked under.
 *
 *   approval:
 *     required: 2              # 1-16 distinct approvers (default 1)
 *     approvers: [alice, "@ops", role:admin]   # default: role:approver
 *     expires: 4h              # 1s-7d (default 1d)
 *     totp: true               # default false
 *     reason: required         # or optional (the default)
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "automation-int.h"
#include "model.h"
#include "xmalloc.h"

static const char *const roles[] = { "viewer", "operator", "approver",
    "admin", NULL };
static const char *const approval_keys[] = { "required", "approvers",
    "expires", "totp", "reason", NULL };

void
automation_approval_free(struct auto_approval *p)
{
	size_t	i;

	if (p == NULL)
		return;
	for (i = 0; i < p->napprovers; i++)
		free(p->approvers[i]);
	free(p->approvers);
	free(p);
}

int
automation_approver_check(const char *entry, struct ops_err *err)
{
	size_t	i;

	if (entry == NULL || *entry == '\0')
		return ops_err_set(err, OPS_E_INVAL, "an approver is empty");
	if (strncmp(entry, "role:", 5) == 0) {
		for (i = 0; roles[i] != NULL; i++)
			if (strcmp(entry + 5, roles[i]) == 0)
				return OPS_OK;
		return ops_err_set(err, OPS_E_INVAL, "approver '%.64s': "
		    "unknown role (role:viewer, role:operator, role:approver "
		    "or role:admin)", entry);
	}
	if (*entry == '@')
		entry++;
	/* user and group names, and uids, in the name rule (model.h) */
	if (!selector_name_valid(entry))
		return ops_err_set(err, OPS_E_INVAL, "approver '%.64s' is not "
		    "a user name, a uid, @group or role:NAME", entry);
	return OPS_OK;
}

char *
automation_approval_json(const struct auto_approval *p)
{
	json_t	*o, *a;
	char	*s;
	size_t	 i;

	if ((a = json_array()) == NULL)
		return NULL;
	for (i = 0; i < p->napprovers; i++)
		json_array_append_new(a, json_string(p->approvers[i]));
	o = json_pack("{s:i, s:o, s:I, s:b, s:s}", "required", p->required,
	    "approvers", a, "expires_ms", (json_int_t)p->expires_ms, "totp",
	    p->totp, "reason", p->reason_required ? "required" : "optional");
	if (o == NULL)
		return NULL;
	s = json_dumps(o, JSON_COMPACT);
	json_decref(o);
	return s;
}

int
automation_approval_from_json(const char *text, struct auto_approval **out,
    struct ops_err *err)
{
	struct auto_approval	*p;
	json_error_t		 jerr;
	json_t			*o, *a, *v;
	const char		*reason;
	size_t			 i;
	int			 totp;
	json_int_t		 req, exp;

	*out = NULL;
	if (text == NULL || (o = json_loads(text, JSON_REJECT_DUPLICATES,
	    &jerr)) == NULL)
		return ops_err_set(err, OPS_E_CORRUPT, "approval policy: not "
		    "JSON");
	if (json_unpack(o, "{s:I, s:o, s:I, s:b, s:s}", "required", &req,
	    "approvers", &a, "expires_ms", &exp, "totp", &totp, "reason",
	    &reason) != 0 || !json_is_array(a) || req < 1 ||
	    req > AUTO_APPROVAL_REQUIRED_MAX || exp < 0 ||
	    json_array_size(a) > AUTO_APPROVERS_MAX) {
		json_decref(o);
		return ops_err_set(err, OPS_E_CORRUPT, "approval policy: not "
		    "a policy");
	}
	p = xcalloc(1, sizeof(*p));
	p->required = (int)req;
	p->expires_ms = exp;
	p->totp = totp;
	p->reason_required = strcmp(reason, "required") == 0;
	p->approvers = xcalloc(json_array_size(a) + 1, sizeof(char *));
	json_array_foreach(a, i, v) {
		if (!json_is_string(v)) {
			json_decref(o);
			automation_approval_free(p);
			return ops_err_set(err, OPS_E_CORRUPT, "approval "
			    "policy: an approver is not a string");
		}
		p->approvers[p->napprovers++] = xstrdup(json_string_value(v));
	}
	json_decref(o);
	*out = p;
	return OPS_OK;
}

/* Only user entries (no @group, no role:): then required cannot pass
 * their number. */
static int
users_only(const struct auto_approval *p)
{
	size_t	i;

	for (i = 0; i < p->napprovers; i++)
		if (p->approvers[i][0] == '@' ||
		    strncmp(p->approvers[i], "role:", 5) == 0)
			return 0;
	return 1;
}

static int
approval_fields(struct auto_approval *p, const struct anode *n,
    struct ops_err *err)
{
	const char		*path = "approval";
	const struct anode	*v;
	struct ops_err		 e2;
	char			 sub[64], *reason = NULL, q[48];
	size_t			 i;
	int			 rc, ms = 0;

	if (n->type != AN_MAP)
		return anode_err(err, n, path, "must be a mapping (required:, "
		    "approvers:, expires:, totp:, reason:)");
	if ((rc = afield_keys(n, path, approval_keys, err)) != OPS_OK)
		return rc;
	AUTO_OPT(n, "required", afield_int(v_, sub, 1,
	    AUTO_APPROVAL_REQUIRED_MAX, &p->required, err));
	if ((v = anode_get(n, "approvers")) != NULL && !anode_is_null(v)) {
		afield_path(sub, sizeof(sub), path, "approvers");
		if ((rc = afield_words(v, sub, AUTO_APPROVERS_MAX,
		    &p->approvers, &p->napprovers, err)) != OPS_OK)
			return rc;
		for (i = 0; i < p->napprovers; i++)
			if (automation_approver_check(p->approvers[i],
			    &e2) != OPS_OK)
				return anode_err(err, v->type == AN_SEQ ?
				    &v->kids[i] : v, sub, "%s", e2.msg);
	}
	if ((v = anode_get(n, "expires")) != NULL && !anode_is_null(v)) {
		afield_path(sub, sizeof(sub), path, "expires");
		if ((rc = afield_duration(v, sub, &ms, err)) != OPS_OK)
			return rc;
		if (ms < AUTO_APPROVAL_EXPIRES_MIN)
			return anode_err(err, v, sub, "at least 1s");
		p->expires_ms = ms;
	}
	AUTO_OPT(n, "totp", afield_bool(v_, sub, &p->totp, err));
	if ((v = anode_get(n, "reason")) != NULL && !anode_is_null(v)) {
		afield_path(sub, sizeof(sub), path, "reason");
		if ((rc = afield_str(v, sub, 0, 64, &reason, err)) != OPS_OK)
			return rc;
		if (strcmp(reason, "required") == 0)
			p->reason_required = 1;
		else if (strcmp(reason, "optional") != 0) {
			anode_quote(reason, q, sizeof(q));
			free(reason);
			return anode_err(err, v, sub, "'%s' is neither "
			    "required nor optional", q);
		}
		free(reason);
	}
	if (p->napprovers > 0 && users_only(p) &&
	    (size_t)p->required > p->napprovers)
		return anode_err(err, n, path, "required is %d but only %zu "
		    "approvers are named: it could never be approved",
		    p->required, p->napprovers);
	return OPS_OK;
}

int
auto_approval_read(struct automation *a, const struct anode *n,
    struct ops_err *err)
{
	struct auto_approval	*p = xcalloc(1, sizeof(*p));
	int			 rc;

	p->required = 1;
	p->expires_ms = AUTO_APPROVAL_EXPIRES_DEF;
	if ((rc = approval_fields(p, n, err)) != OPS_OK) {
		automation_approval_free(p);
		return rc;
	}
	a->approval = p;
	return OPS_OK;
}

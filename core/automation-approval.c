/*
 * automation-approval.c: approval policies (automation.h, "An approval
 * policy"): their entries, and the JSON snapshot a job's approval
 * request keeps of the policy it was asked under.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "automation.h"
#include "model.h"
#include "xmalloc.h"

static const char *const roles[] = { "viewer", "operator", "approver",
    "admin", NULL };

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

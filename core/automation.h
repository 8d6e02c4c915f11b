/*
 * automation.h: the automation file (YAML or JSON, one schema; see
 * opsicle-automation(5)) and its parameter values.
 *
 * Contract: automation_parse reads a whole document (bounded: at most
 * AUTO_DOC_MAX bytes, AUTO_DEPTH_MAX levels, AUTO_STEPS_MAX steps,
 * AUTO_PARAMS_MAX parameters) into a struct automation the caller frees
 * with automation_free. Nothing in a refused document is kept: the
 * error names the field (a path like "steps[2].timeout"), what is wrong
 * and, for YAML, the line and column ("line 7, column 5: ..."); an
 * unknown key is refused by name at its position. The parser never
 * prints and never reads a file: a step that names a file (a script's
 * "file", an upload's "src") keeps the name in *_file, and the caller
 * (the CLI, at apply) reads it and stores the bytes with the version.
 *
 * Durations ("timeout: 30s", "5m", "1h30m", "250ms", or a bare number of
 * seconds) become milliseconds. Modes are octal strings ("0644") or
 * numbers. Names (the automation's, a step's) are 1-64 characters of
 * [A-Za-z0-9._-] (model.h's name rule); parameter names are 1-64 of
 * [A-Za-z0-9_] starting with a letter, unique ignoring case (they become
 * OPSICLE_PARAM_<NAME upper-cased>).
 *
 * Values (automation_bind): NAME=VALUE strings from the user, checked
 * against the parameters: unknown names, a missing required value, and
 * a value of the wrong form are refused with OPS_E_INVAL and a message
 * naming the parameter, the problem and the allowed form ("parameter
 * 'count': 'x' is not an integer (an integer from 1 to 10)"). Defaults
 * fill what was not given. A secret's value never appears in an error,
 * and a secret parameter has no default (the document is stored and
 * shown as written, so a default would not be secret).
 */
#ifndef OPS_AUTOMATION_H
#define OPS_AUTOMATION_H

#include <stddef.h>

#include "error.h"

#define AUTO_DOC_MAX		(1024 * 1024)
#define AUTO_DEPTH_MAX		16
#define AUTO_STEPS_MAX		256
#define AUTO_PARAMS_MAX		128
#define AUTO_CHOICES_MAX	256
#define AUTO_VALUE_MAX		65536	/* one parameter value, bytes */

enum auto_format {
	AUTO_FMT_AUTO = 0,	/* JSON when the first non-blank byte is '{' */
	AUTO_FMT_YAML,
	AUTO_FMT_JSON,
};

enum auto_param_type {
	AUTO_P_STRING = 1,	/* one line */
	AUTO_P_TEXT,		/* may hold newlines */
	AUTO_P_INT,
	AUTO_P_FLOAT,
	AUTO_P_BOOL,		/* true/false, yes/no, on/off, 1/0 */
	AUTO_P_CHOICE,		/* one of choices */
	AUTO_P_MULTI,		/* several of choices, comma-separated */
	AUTO_P_SECRET,		/* sealed in the store, masked in output */
};

struct auto_param {
	char			*name;
	enum auto_param_type	 type;
	int			 required;
	char			*def;		/* default as text, or NULL */
	char			*description;	/* or NULL */
	char			*pattern;	/* POSIX ERE, or NULL */
	int			 has_min, has_max;
	double			 min, max;	/* int/float: value; string,
						 * text: length */
	char			**choices;	/* choice, multi */
	size_t			 nchoices;
};

enum auto_step_kind {
	AUTO_STEP_COMMAND = 1,
	AUTO_STEP_SCRIPT,
	AUTO_STEP_UPLOAD,
	AUTO_STEP_DOWNLOAD,
};

enum auto_on_failure {
	AUTO_FAIL_STOP = 0,
	AUTO_FAIL_CONTINUE,
};

struct auto_step {
	char			*name;		/* "step-N" (1-based) if unset */
	enum auto_step_kind	 kind;
	char			*command;	/* command */
	char			*script;	/* script: inline text */
	char			*script_file;	/* script: file to read */
	char			*interpreter;	/* script: or NULL (sh) */
	char			*content;	/* upload: inline text */
	char			*src;		/* upload: local file to read;
						 * download: remote path */
	char			*dest;		/* upload: remote path;
						 * download: local directory */
	unsigned		 mode;		/* upload: 0 means 0644 */
	char			*become;	/* sudo user, or NULL */
	int			 timeout_ms;	/* 0: the automation's */
	int			 retries;	/* connection-class only */
	int			 retry_delay_ms;
	enum auto_on_failure	 on_failure;
};

/* N targets, or P percent (pct set); never less than 1 at run time. */
struct auto_amount {
	int	 n;
	int	 pct;		/* 1: n is a percentage */
};

struct auto_rollout {
	struct auto_amount	 batch;		/* n = 0: all in one batch */
	struct auto_amount	 max_failures;	/* set = 0: no limit */
	int			 max_failures_set;
	char			*order;		/* "tag:a,tag:b" rank, NULL:
						 * target-name order */
	int			 forks;		/* 0: the configured forks */
};

struct automation {
	char			*name;
	char			*description;	/* or NULL */
	struct auto_param	*params;
	size_t			 nparams;
	char			**targets;	/* default selector words */
	size_t			 ntargets;
	struct auto_step	*steps;		/* at least one */
	size_t			 nsteps;
	struct auto_rollout	 rollout;
	int			 timeout_ms;	/* per step; 0: none */
	/* approval: the policy (NULL: the automation needs none) */
	struct auto_approval	*approval;
	/* filled by the notifications issue: the JSON text of the
	 * mapping as given (validated as a mapping), or NULL */
	char			*notify;
};

/*
 * An approval policy (core/automation-approval.c): an automation's
 * "approval:" block, or the ad hoc policy of opsicle.conf (approval.*).
 * required approvals by distinct eligible approvers; approvers are
 * entries "NAME" or "UID" (a user), "@GROUP", "role:ROLE" (none: any
 * holder of the approver role); expires_ms the time the request stays
 * open; totp: each approval needs the approver's TOTP code; a reason is
 * required for every decision or optional.
 */
#define AUTO_APPROVAL_REQUIRED_MAX	16
#define AUTO_APPROVERS_MAX		64
#define AUTO_APPROVAL_EXPIRES_MIN	1000LL			/* 1 s */
#define AUTO_APPROVAL_EXPIRES_MAX	(7LL * 24 * 3600 * 1000) /* 7 d */
#define AUTO_APPROVAL_EXPIRES_DEF	(24LL * 3600 * 1000)	/* 1 d */

struct auto_approval {
	int		 required;	/* 1..AUTO_APPROVAL_REQUIRED_MAX */
	char		**approvers;
	size_t		 napprovers;
	long long	 expires_ms;
	int		 totp;
	int		 reason_required;
};

void	automation_approval_free(struct auto_approval *p);
/* OPS_E_INVAL naming the entry unless it is NAME, UID, @GROUP or
 * role:ROLE (viewer, operator, approver, admin). */
int	automation_approver_check(const char *entry, struct ops_err *err);
/* The policy as compact JSON text ({"required":N,"approvers":[...],
 * "expires_ms":N,"totp":B,"reason":"required"|"optional"}), caller
 * frees; NULL when out of memory. */
char	*automation_approval_json(const struct auto_approval *p);
/* The inverse (a stored snapshot); OPS_E_CORRUPT when it is not one. */
int	automation_approval_from_json(const char *text,
	    struct auto_approval **out, struct ops_err *err);

const char	*automation_param_type_name(enum auto_param_type t);
const char	*automation_step_kind_name(enum auto_step_kind k);

/* A duration: "30s", "5m", "1h30m", "250ms" or bare seconds, at most
 * 7d, into *ms; -1 when s is none (schedules' --every and --jitter too). */
int	auto_duration_ms(const char *s, int *ms);
int	automation_parse(const char *buf, size_t len, enum auto_format fmt,
	    struct automation **out, struct ops_err *err);
void	automation_free(struct automation *a);

/* One parameter's value checked on its own (0 or OPS_E_INVAL). */
int	automation_param_check(const struct auto_param *p, const char *value,
	    struct ops_err *err);
/* The allowed form of p's values, as the messages give it ("an integer
 * from 1 to 10", "one of: prod, staging"), for a prompt or a form; cut
 * to len bytes, control bytes shown as '?'. */
void	automation_param_form(const struct auto_param *p, char *buf,
	    size_t len);

/* Parameter values, in the automation's parameter order. */
struct auto_value {
	const struct auto_param	*param;		/* borrowed from the automation */
	char			*value;		/* NULL: no value, not required */
	int			 given;		/* 0: the default */
};

struct auto_values {
	struct auto_value	*v;
	size_t			 n;
};

/* assign: n "NAME=VALUE" strings (a name at most once). *out is caller
 * freed with automation_values_free (which wipes secret values). */
int	automation_bind(const struct automation *a,
	    const char *const *assign, size_t n, struct auto_values **out,
	    struct ops_err *err);
void	automation_values_free(struct auto_values *v);
/* "OPSICLE_PARAM_" + the name upper-cased into buf (len bytes). */
void	automation_env_name(const struct auto_param *p, char *buf,
	    size_t len);

#endif

/*
 * fuzz-automation.c: fuzz entry point for the automation file readers.
 *
 * fuzz_automation_one feeds one input to automation_parse as YAML, as
 * JSON and sniffed, and checks the invariants: a refusal is OPS_E_INVAL
 * or OPS_E_TOOBIG with a one-line printable message and no result; the
 * same input gets the same verdict and message twice; an accepted
 * document holds what the header promises (a valid name, 1 to
 * AUTO_STEPS_MAX steps each with its kind's fields, at most
 * AUTO_PARAMS_MAX parameters whose defaults pass their own check,
 * choices for choice and multi, approval and notify as JSON objects);
 * binding no values and checking a value cut from the input never
 * break. LLVMFuzzerTestOneInput wraps it for libFuzzer;
 * test-automation-fuzz.c drives it without libFuzzer.
 */
#include "config.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "automation.h"

struct fuzz_automation_stats {
	unsigned long	inputs;
	unsigned long	accepted;	/* parses that succeeded (any way) */
	unsigned long	refused;
	unsigned long	toobig;
	char		why[256];	/* the first broken invariant */
};

int	fuzz_automation_one(const uint8_t *data, size_t size,
	    struct fuzz_automation_stats *st);
int	LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int
fail(struct fuzz_automation_stats *st, const char *what, const char *more)
{
	if (st->why[0] == '\0')
		snprintf(st->why, sizeof(st->why), "%s%s%.200s", what,
		    more != NULL ? ": " : "", more != NULL ? more : "");
	return -1;
}

static int
printable(const char *s)
{
	for (; *s != '\0'; s++)
		if ((unsigned char)*s < 0x20 || *s == 0x7f)
			return 0;
	return 1;
}

static int
is_object(const char *text)
{
	json_error_t	 je;
	json_t		*j;
	int		 good;

	if (text == NULL)
		return 1;
	j = json_loads(text, 0, &je);
	good = j != NULL && json_is_object(j);
	json_decref(j);
	return good;
}

static const char *
check_step(const struct auto_step *s)
{
	if (s->name == NULL || s->name[0] == '\0')
		return "a step without a name";
	switch (s->kind) {
	case AUTO_STEP_COMMAND:
		return s->command != NULL ? NULL : "a command step without text";
	case AUTO_STEP_SCRIPT:
		return (s->script != NULL) != (s->script_file != NULL) ? NULL :
		    "a script step without exactly one of text and file";
	case AUTO_STEP_UPLOAD:
		if ((s->src != NULL) == (s->content != NULL) || s->dest == NULL)
			return "an upload without one source or a dest";
		return s->mode <= 07777 ? NULL : "a mode past 07777";
	case AUTO_STEP_DOWNLOAD:
		return s->src != NULL && s->dest != NULL ? NULL :
		    "a download without src or dest";
	default:
		return "a step of no kind";
	}
}

/* An accepted document keeps the header's promises. */
static const char *
check_doc(const struct automation *a, const uint8_t *data, size_t size)
{
	struct auto_values	*vs = NULL;
	struct ops_err		 e;
	const char		*why;
	char			 value[256];
	size_t			 i, n;
	int			 rc;

	if (a->name == NULL || a->name[0] == '\0' || strlen(a->name) > 64)
		return "a bad name";
	if (a->nsteps < 1 || a->nsteps > AUTO_STEPS_MAX)
		return "a step count out of bounds";
	if (a->nparams > AUTO_PARAMS_MAX)
		return "too many parameters";
	if (!is_object(a->notify))
		return "notify is not a JSON object";
	if (a->approval != NULL && (a->approval->required < 1 ||
	    a->approval->required > AUTO_APPROVAL_REQUIRED_MAX ||
	    a->approval->expires_ms < AUTO_APPROVAL_EXPIRES_MIN ||
	    a->approval->expires_ms > AUTO_APPROVAL_EXPIRES_MAX ||
	    a->approval->napprovers > AUTO_APPROVERS_MAX))
		return "an approval policy out of bounds";
	for (i = 0; i < a->nsteps; i++)
		if ((why = check_step(&a->steps[i])) != NULL)
			return why;
	for (i = 0; i < a->nparams; i++) {
		const struct auto_param	*p = &a->params[i];

		if (p->name == NULL || automation_param_type_name(p->type)[0] ==
		    'u')
			return "a parameter without a name or type";
		if ((p->type == AUTO_P_CHOICE || p->type == AUTO_P_MULTI) !=
		    (p->nchoices > 0))
			return "choices where they do not fit";
		if (p->has_min && p->has_max && p->min > p->max)
			return "min above max";
		if (p->def != NULL && automation_param_check(p, p->def, &e) !=
		    OPS_OK)
			return "a default that fails its own check";
		if (p->type == AUTO_P_SECRET && p->def != NULL)
			return "a secret with a default";
		/* a value cut from the input: any verdict, no crash */
		n = size < sizeof(value) - 1 ? size : sizeof(value) - 1;
		memcpy(value, data, n);
		value[n] = '\0';
		rc = automation_param_check(p, value, &e);
		if (rc != OPS_OK && (rc != OPS_E_INVAL || !printable(e.msg)))
			return "a value check failed oddly";
		if (rc != OPS_OK && p->type == AUTO_P_SECRET && n >= 4 &&
		    strstr(e.msg, value) != NULL)
			return "a secret value in a message";
	}
	rc = automation_bind(a, NULL, 0, &vs, &e);
	if (rc != OPS_OK && (rc != OPS_E_INVAL || vs != NULL ||
	    strstr(e.msg, "required") == NULL))
		return "binding no values failed oddly";
	automation_values_free(vs);
	return NULL;
}

static int
one_way(const uint8_t *data, size_t size, enum auto_format fmt,
    struct fuzz_automation_stats *st)
{
	struct automation	*a = NULL, *b = NULL;
	struct ops_err		 e, e2;
	const char		*why;
	int			 rc, rc2;

	ops_err_clear(&e);
	ops_err_clear(&e2);
	rc = automation_parse((const char *)data, size, fmt, &a, &e);
	rc2 = automation_parse((const char *)data, size, fmt, &b, &e2);
	automation_free(b);
	if (rc != rc2 || strcmp(e.msg, e2.msg) != 0) {
		automation_free(a);
		return fail(st, "two parses disagree", e.msg);
	}
	if (rc != OPS_OK) {
		if (a != NULL)
			return fail(st, "a refusal with a result", e.msg);
		if ((rc != OPS_E_INVAL && rc != OPS_E_TOOBIG) ||
		    e.code != rc || e.msg[0] == '\0' || !printable(e.msg))
			return fail(st, "an odd refusal", e.msg);
		st->refused++;
		if (rc == OPS_E_TOOBIG)
			st->toobig++;
		return 0;
	}
	if (a == NULL)
		return fail(st, "success without a result", NULL);
	why = check_doc(a, data, size);
	automation_free(a);
	if (why != NULL)
		return fail(st, why, NULL);
	st->accepted++;
	return 0;
}

int
fuzz_automation_one(const uint8_t *data, size_t size,
    struct fuzz_automation_stats *st)
{
	st->inputs++;
	if (one_way(data, size, AUTO_FMT_YAML, st) != 0 ||
	    one_way(data, size, AUTO_FMT_JSON, st) != 0 ||
	    one_way(data, size, AUTO_FMT_AUTO, st) != 0)
		return -1;
	return 0;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fuzz_automation_stats	st;

	memset(&st, 0, sizeof(st));
	if (fuzz_automation_one(data, size, &st) != 0) {
		fprintf(stderr, "fuzz-automation: %s\n", st.why);
		abort();
	}
	return 0;
}

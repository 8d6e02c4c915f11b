/*
 * test-automation-values.c: parameter values (core/automation.h). Every
 * type's good and bad values through automation_param_check with the
 * exact messages; the allowed-form text; no secret value in any message;
 * automation_bind with defaults, required, unknown names, a name given
 * twice, normalised values; automation_env_name.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "automation.h"
#include "tap.h"
#include "xmalloc.h"

static struct ops_err	e;

static const char doc[] =
"name: vals\n"
"parameters:\n"
"  - {name: s, type: string, min: 2, max: 5}\n"
"  - {name: pat, type: string, pattern: 'v[0-9]+'}\n"
"  - {name: t, type: text, max: 8}\n"
"  - {name: count, type: int, min: 1, max: 10}\n"
"  - {name: lo, type: int, min: -5}\n"
"  - {name: anyint, type: int}\n"
"  - {name: f, type: float, min: 0.5, max: 2.5}\n"
"  - {name: b, type: bool}\n"
"  - {name: env, type: choice, choices: [prod, staging]}\n"
"  - {name: parts, type: multi, choices: [a, b, c]}\n"
"  - {name: token, type: secret, pattern: '[a-z]+', max: 12}\n"
"  - {name: Region_2, required: true}\n"
"  - {name: level, type: choice, choices: [low, high], default: low}\n"
"steps: [{command: env}]\n";

static struct automation	*a;

static const struct auto_param *
P(const char *name)
{
	size_t	i;

	for (i = 0; i < a->nparams; i++)
		if (strcmp(a->params[i].name, name) == 0)
			return &a->params[i];
	return NULL;
}

static void
good(const char *name, const char *value)
{
	char	shown[48];
	size_t	i;
	int	rc;

	for (i = 0; value[i] != '\0' && i < 40; i++)
		shown[i] = value[i] == '\n' ? '|' : value[i];
	shown[i] = '\0';
	ops_err_clear(&e);
	rc = automation_param_check(P(name), value, &e);
	ok(rc == OPS_OK, "%s: '%s' is fine", name, shown);
	if (rc != OPS_OK)
		diag("  %s", e.msg);
}

/* Refused with exactly msg. */
static void
bad(const char *name, const char *value, const char *msg)
{
	int	rc;

	ops_err_clear(&e);
	rc = automation_param_check(P(name), value, &e);
	ok(rc == OPS_E_INVAL && strcmp(e.msg, msg) == 0, "%s: %s", name, msg);
	if (rc != OPS_E_INVAL || strcmp(e.msg, msg) != 0)
		diag("  rc %d, got '%s'", rc, e.msg);
}

static void
test_types(void)
{
	char	*big;

	good("s", "ab");
	good("s", "h\xc3\xa9llo");	/* 5 characters, 6 bytes */
	bad("s", "a", "parameter 's': 'a' has the wrong length (one line of "
	    "2 to 5 characters)");
	bad("s", "abcdef", "parameter 's': 'abcdef' has the wrong length (one "
	    "line of 2 to 5 characters)");
	bad("s", "a\nb", "parameter 's': 'a?b' is not one line (one line of 2 "
	    "to 5 characters)");
	good("pat", "v12");
	bad("pat", "v12x", "parameter 'pat': 'v12x' does not match (one line "
	    "matching v[0-9]+)");
	bad("pat", "xv1", "parameter 'pat': 'xv1' does not match (one line "
	    "matching v[0-9]+)");
	good("t", "a\nb\nc");
	bad("t", "123456789", "parameter 't': '123456789' has the wrong length "
	    "(text of at most 8 characters)");
	good("count", "1");
	good("count", "10");
	bad("count", "x", "parameter 'count': 'x' is not an integer (an "
	    "integer from 1 to 10)");
	bad("count", "11", "parameter 'count': '11' is out of range (an "
	    "integer from 1 to 10)");
	bad("count", "0", "parameter 'count': '0' is out of range (an integer "
	    "from 1 to 10)");
	bad("count", "3.0", "parameter 'count': '3.0' is not an integer (an "
	    "integer from 1 to 10)");
	bad("count", " 3", "parameter 'count': ' 3' is not an integer (an "
	    "integer from 1 to 10)");
	bad("count", "", "parameter 'count': '' is not an integer (an integer "
	    "from 1 to 10)");
	good("lo", "-5");
	bad("lo", "-6", "parameter 'lo': '-6' is out of range (an integer of "
	    "at least -5)");
	good("anyint", "-9223372036854775808");
	bad("anyint", "9223372036854775808", "parameter 'anyint': "
	    "'9223372036854775808' is not an integer (an integer)");
	good("f", "0.5");
	good("f", "2.5");
	good("f", "1e0");
	bad("f", "2.6", "parameter 'f': '2.6' is out of range (a number from "
	    "0.5 to 2.5)");
	bad("f", "nan", "parameter 'f': 'nan' is not a number (a number from "
	    "0.5 to 2.5)");
	bad("f", "inf", "parameter 'f': 'inf' is not a number (a number from "
	    "0.5 to 2.5)");
	bad("f", "0x1", "parameter 'f': '0x1' is not a number (a number from "
	    "0.5 to 2.5)");
	bad("f", "1,5", "parameter 'f': '1,5' is not a number (a number from "
	    "0.5 to 2.5)");
	good("b", "true");
	good("b", "No");
	good("b", "on");
	good("b", "0");
	bad("b", "maybe", "parameter 'b': 'maybe' is not true or false (true "
	    "or false (or yes/no, on/off, 1/0))");
	good("env", "prod");
	bad("env", "Prod", "parameter 'env': 'Prod' is not one of the choices "
	    "(one of: prod, staging)");
	good("parts", "a");
	good("parts", "a, c");
	good("parts", "");
	bad("parts", "a,d", "parameter 'parts': 'd' is not one of the choices "
	    "(a comma-separated list of: a, b, c)");
	bad("parts", "a,b,a", "parameter 'parts': 'a' is given twice (a "
	    "comma-separated list of: a, b, c)");
	bad("parts", "a,,b", "parameter 'parts': 'a,,b' has an empty item (a "
	    "comma-separated list of: a, b, c)");
	bad("parts", "a,", "parameter 'parts': 'a,' has an empty item (a "
	    "comma-separated list of: a, b, c)");
	good("token", "hunter");
	bad("token", "Hunter2", "parameter 'token': the value does not match "
	    "(one line of at most 12 characters matching [a-z]+)");
	bad("token", "abcdefghijklm", "parameter 'token': the value has the "
	    "wrong length (one line of at most 12 characters matching [a-z]+)");
	bad("token", "ab\ncd", "parameter 'token': the value is not one line "
	    "(one line of at most 12 characters matching [a-z]+)");
	ok(strstr(e.msg, "ab") == NULL || strstr(e.msg, "ab\n") == NULL,
	    "the secret's value is not in its message");
	bad("s", "a\xff", "parameter 's': the value is not valid UTF-8");
	bad("t", "\xc0\xaf", "parameter 't': the value is not valid UTF-8");
	bad("t", "\xed\xa0\x80", "parameter 't': the value is not valid UTF-8");
	bad("token", "\xf4\x90\x80\x80", "parameter 'token': the value is not "
	    "valid UTF-8");
	big = xmalloc(AUTO_VALUE_MAX + 2);
	memset(big, 'x', AUTO_VALUE_MAX + 1);
	big[AUTO_VALUE_MAX + 1] = '\0';
	bad("Region_2", big, "parameter 'Region_2': the value is longer than "
	    "65536 bytes");
	big[AUTO_VALUE_MAX] = '\0';
	good("Region_2", big);
	free(big);
	bad("s", "a\x01" "bcdefghijklmnopqrstuvwxyz0123456789ABCDEFGHIJ",
	    "parameter 's': 'a?bcdefghijklmnopqrstuvwxyz0123456789ABC...' has "
	    "the wrong length (one line of 2 to 5 characters)");
}

static struct auto_values *
bind(const char *const *v, size_t n)
{
	struct auto_values	*out = NULL;

	ops_err_clear(&e);
	if (automation_bind(a, v, n, &out, &e) != OPS_OK)
		return NULL;
	return out;
}

static void
bind_refused(const char *const *v, size_t n, const char *msg,
    const char *what)
{
	struct auto_values	*out = bind(v, n);
	int			 good = out == NULL && e.code == OPS_E_INVAL &&
				    strcmp(e.msg, msg) == 0;

	ok(good, "%s", what);
	if (!good)
		diag("  got '%s'", e.msg);
	automation_values_free(out);
}

static void
test_bind(void)
{
	const char *const	 v1[] = { "region_2=eu", "b=YES",
				    "parts= c , a", "token=abc",
				    "t=x=y" };
	const char *const	 v2[] = { "count=2" };
	const char *const	 v3[] = { "region_2=eu", "nope=1" };
	const char *const	 v4[] = { "region_2=eu", "REGION_2=us" };
	const char *const	 v5[] = { "region_2=eu", "token" };
	const char *const	 v6[] = { "region_2=eu", "count=99" };
	const char *const	 v7[] = { "region_2=eu", "=x" };
	struct auto_values	*vs;
	size_t			 i;

	vs = bind(v1, 5);
	ok(vs != NULL && vs->n == a->nparams, "bind: one value per parameter");
	if (vs == NULL) {
		diag("  %s", e.msg);
		return;
	}
	for (i = 0; i < vs->n; i++)
		ok(vs->v[i].param == &a->params[i], "value %zu is parameter %s",
		    i, a->params[i].name);
	ok(vs->v[11].given && strcmp(vs->v[11].value, "eu") == 0,
	    "a name matches ignoring case");
	ok(vs->v[7].given && strcmp(vs->v[7].value, "true") == 0,
	    "bool YES is normalised to true");
	ok(strcmp(vs->v[9].value, "c,a") == 0, "multi without blanks");
	ok(strcmp(vs->v[10].value, "abc") == 0, "secret value bound");
	ok(strcmp(vs->v[2].value, "x=y") == 0, "the value is what follows "
	    "the first '='");
	ok(!vs->v[12].given && strcmp(vs->v[12].value, "low") == 0,
	    "a default fills what was not given");
	ok(!vs->v[0].given && vs->v[0].value == NULL && !vs->v[3].given &&
	    vs->v[3].value == NULL, "no value for an optional parameter "
	    "without a default");
	automation_values_free(vs);
	automation_values_free(NULL);

	bind_refused(v2, 1, "parameter 'Region_2': required, not given (one "
	    "line)", "a required parameter not given");
	bind_refused(v3, 2, "parameter 'nope': unknown (automation vals takes: "
	    "s, pat, t, count, lo, anyint, f, b, env, parts, token, Region_2, "
	    "level)", "an unknown name names what the automation takes");
	bind_refused(v4, 2, "parameter 'Region_2': given twice",
	    "a name given twice (ignoring case)");
	bind_refused(v5, 2, "parameter assignment 2 is not NAME=VALUE",
	    "an assignment without '=' (it is not quoted: it may be a secret)");
	bind_refused(v7, 2, "parameter assignment 2 is not NAME=VALUE",
	    "an assignment without a name");
	bind_refused(v6, 2, "parameter 'count': '99' is out of range (an "
	    "integer from 1 to 10)", "a bad value stops the bind");
}

static void
test_env_name(void)
{
	char	buf[128];

	automation_env_name(P("Region_2"), buf, sizeof(buf));
	ok(strcmp(buf, "OPSICLE_PARAM_REGION_2") == 0, "env name upper-cased");
	automation_env_name(P("count"), buf, 18);
	ok(strcmp(buf, "OPSICLE_PARAM_COU") == 0, "env name cut to the buffer");
	automation_env_name(P("count"), buf, 1);
	ok(buf[0] == '\0', "a one-byte buffer gets an empty string");
}

static void
test_form(void)
{
	char	buf[160];

	automation_param_form(P("count"), buf, sizeof(buf));
	ok(strcmp(buf, "an integer from 1 to 10") == 0, "form of an int");
	automation_param_form(P("anyint"), buf, sizeof(buf));
	ok(strcmp(buf, "an integer") == 0, "form of an unbounded int");
	automation_param_form(P("env"), buf, sizeof(buf));
	ok(strcmp(buf, "one of: prod, staging") == 0, "form of a choice");
	automation_param_form(P("t"), buf, sizeof(buf));
	ok(strcmp(buf, "text of at most 8 characters") == 0, "form of text");
	automation_param_form(P("Region_2"), buf, sizeof(buf));
	ok(strcmp(buf, "one line") == 0, "form of a plain string");
	automation_param_form(P("count"), buf, 6);
	ok(strcmp(buf, "an in") == 0, "form cut to the buffer");
}

static void
test_no_params(void)
{
	struct automation	*b = NULL;
	struct auto_values	*vs = NULL;
	const char *const	 v[] = { "x=1" };

	ok(automation_parse("name: np\nsteps: [{command: ls}]\n", 32,
	    AUTO_FMT_YAML, &b, &e) == OPS_OK, "no parameters");
	ok(automation_bind(b, NULL, 0, &vs, &e) == OPS_OK && vs != NULL &&
	    vs->n == 0, "binding nothing to no parameters");
	automation_values_free(vs);
	vs = NULL;
	ok(automation_bind(b, v, 1, &vs, &e) == OPS_E_INVAL && vs == NULL &&
	    strcmp(e.msg, "parameter 'x': unknown (automation np takes no "
	    "parameters)") == 0, "any name is unknown");
	automation_free(b);
}

int
main(void)
{
	plan_no_plan();
	ok(automation_parse(doc, strlen(doc), AUTO_FMT_YAML, &a, &e) ==
	    OPS_OK, "the parameters parse");
	if (a == NULL) {
		diag("  %s", e.msg);
		return exit_status();
	}
	test_types();
	test_bind();
	test_env_name();
	test_form();
	test_no_params();
	automation_free(a);
	return exit_status();
}

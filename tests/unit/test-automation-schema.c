/*
 * test-automation-schema.c: what the automation schema refuses and how
 * it reads durations and modes (core/automation.h). Each bad document
 * is refused with OPS_E_INVAL and a message naming the field's path and
 * (YAML) position; durations and modes are read to exact values in
 * both formats.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "automation-test.h"
#include "xmalloc.h"

static struct ops_err	e;

static struct automation *
parse(const char *doc, enum auto_format fmt)
{
	return auto_test_parse(doc, fmt, &e);
}

/* "name: x\n" + body + a step, unless body has its own steps. */
static char *
doc_of(const char *body)
{
	if (strstr(body, "steps:") != NULL)
		return xasprintf("name: x\n%s", body);
	return xasprintf("name: x\n%ssteps: [{command: ls}]\n", body);
}

static void
refused(const char *body, const char *want)
{
	char	*d = doc_of(body), *what = xasprintf("refused: %s", want);

	auto_test_refused(d, AUTO_FMT_YAML, want, what, &e);
	free(what);
	free(d);
}

/* The approval: block (an approval policy, core/automation.h). */
static void
test_approval(void)
{
	struct automation	*a;

	a = parse("name: x\nsteps: [{command: ls}]\napproval: {}\n",
	    AUTO_FMT_YAML);
	ok(a != NULL && a->approval != NULL && a->approval->required == 1 &&
	    a->approval->napprovers == 0 &&
	    a->approval->expires_ms == AUTO_APPROVAL_EXPIRES_DEF &&
	    !a->approval->totp && !a->approval->reason_required,
	    "approval: {} is one approver with the approver role, 1d, no "
	    "TOTP, reason optional");
	automation_free(a);
	a = parse("name: x\nsteps: [{command: ls}]\n", AUTO_FMT_YAML);
	ok(a != NULL && a->approval == NULL, "no approval: none needed");
	automation_free(a);
	a = parse("{\"name\": \"x\", \"steps\": [{\"command\": \"ls\"}], "
	    "\"approval\": {\"required\": 16, \"approvers\": \"@ops\", "
	    "\"expires\": \"1s\", \"reason\": \"optional\"}}",
	    AUTO_FMT_JSON);
	ok(a != NULL && a->approval->required == 16 &&
	    a->approval->napprovers == 1 &&
	    strcmp(a->approval->approvers[0], "@ops") == 0 &&
	    a->approval->expires_ms == 1000, "JSON: the bounds themselves, "
	    "one approver as a word");
	automation_free(a);
	refused("approval:\n  required: 0\n", "line 3, column 13: "
	    "approval.required: '0' is not an integer from 1 to 16");
	refused("approval:\n  required: 17\n", "line 3, column 13: "
	    "approval.required: '17' is not an integer from 1 to 16");
	refused("approval:\n  quorum: 2\n", "line 3, column 3: "
	    "approval.quorum: unknown key (want required, approvers, "
	    "expires, totp, reason)");
	refused("approval:\n  expires: 500ms\n", "line 3, column 12: "
	    "approval.expires: at least 1s");
	refused("approval:\n  expires: 8d\n", "line 3, column 12: "
	    "approval.expires: '8d' is not a duration");
	refused("approval:\n  totp: maybe\n", "line 3, column 9: "
	    "approval.totp: ");
	refused("approval:\n  reason: sometimes\n", "line 3, column 11: "
	    "approval.reason: 'sometimes' is neither required nor optional");
	refused("approval:\n  approvers: [alice, \"b c\"]\n", "line 3, "
	    "column 22: approval.approvers: approver 'b c' is not a user "
	    "name, a uid, @group or role:NAME");
	refused("approval:\n  approvers: [role:boss]\n", "line 3, column 15: "
	    "approval.approvers: approver 'role:boss': unknown role");
	refused("approval:\n  approvers: []\n", "line 3, column 14: "
	    "approval.approvers: an empty list");
	refused("approval:\n  required: 3\n  approvers: [a, b]\n",
	    "line 3, column 3: approval: required is 3 but only 2 approvers "
	    "are named: it could never be approved");
	refused("approval:\n  approvers: [@ops]\n", "line 3, column 15");
	a = parse("name: x\nsteps: [{command: ls}]\napproval:\n  required: 3\n"
	    "  approvers: [a, \"@ops\"]\n", AUTO_FMT_YAML);
	ok(a != NULL, "required past the named users is fine with a group");
	automation_free(a);
}

static void
test_top(void)
{
	ok(parse("name: ''\nsteps: [{command: ls}]\n", AUTO_FMT_YAML) ==
	    NULL && strstr(e.msg, "name: '' is not a name") != NULL,
	    "an empty name");
	ok(parse("steps: [{command: ls}]\n", AUTO_FMT_YAML) == NULL &&
	    strcmp(e.msg, "line 1, column 1: an automation needs a name") == 0,
	    "no name");
	ok(parse("name: x\n", AUTO_FMT_YAML) == NULL &&
	    strcmp(e.msg, "line 1, column 1: an automation needs steps") == 0,
	    "no steps");
	ok(parse("name: a b\nsteps: [{command: ls}]\n", AUTO_FMT_YAML) ==
	    NULL && strcmp(e.msg, "line 1, column 7: name: 'a b' is not a name "
	    "(1-64 of A-Z a-z 0-9 . _ -, not starting with -)") == 0,
	    "a name with a blank, exact message");
	refused("steps: []\n", "line 2, column 8: steps: needs at least one "
	    "step");
	refused("steps: {command: ls}\n", "steps: must be a list of steps");
	refused("description: [a]\n", "description: must be text, not a list");
	refused("targets: {a: 1}\n", "targets: must be a word or a list");
	refused("targets: [\"bad glob[\"]\n", "targets: ");
	refused("targets: []\n", "targets: an empty list");
	refused("timeout: soon\n", "timeout: 'soon' is not a duration");
	refused("approval: yes\n", "line 2, column 11: approval: must be a "
	    "mapping (required:, approvers:, expires:, totp:, reason:)");
	refused("notify: [a]\n", "notify: must be a mapping");
	refused("parameters: {name: a}\n", "parameters: must be a list");
}

static void
test_params(void)
{
	refused("parameters: [{type: int}]\n", "parameters[0]: a parameter "
	    "needs a name");
	refused("parameters: [{name: 1a}]\n", "parameters[0].name: '1a' is "
	    "not a parameter name");
	refused("parameters: [{name: a-b}]\n", "'a-b' is not a parameter name");
	refused("parameters: [{name: ab}, {name: AB}]\n", "parameters[1]: "
	    "parameter 'AB' given twice (names are compared ignoring case)");
	refused("parameters: [{name: a, type: number}]\n",
	    "parameters[0].type: 'number' is not a type");
	refused("parameters: [{name: a, required: maybe}]\n",
	    "parameters[0].required: 'maybe' is not true or false");
	refused("parameters: [{name: a, type: choice}]\n", "parameters[0]: a "
	    "choice parameter needs choices");
	refused("parameters: [{name: a, type: multi, choices: []}]\n",
	    "parameters[0].choices: an empty list");
	refused("parameters: [{name: a, type: multi, choices: [x, 'y,z']}]\n",
	    "(multi) a comma");
	refused("parameters: [{name: a, type: choice, choices: [x, x]}]\n",
	    "choice 'x' given twice");
	refused("parameters: [{name: a, type: int, choices: [1]}]\n",
	    "parameters[0].choices: choices are for choice and multi");
	refused("parameters: [{name: a, pattern: '(a'}]\n",
	    "parameters[0].pattern: not a regular expression");
	refused("parameters: [{name: a, type: int, pattern: x}]\n",
	    "a pattern is for string, text and secret");
	refused("parameters: [{name: a, type: int, min: 5, max: 1}]\n",
	    "parameters[0].max: max is less than min");
	refused("parameters: [{name: a, type: int, min: 1.5}]\n",
	    "parameters[0].min: '1.5' is not an integer");
	refused("parameters: [{name: a, type: float, max: abc}]\n",
	    "parameters[0].max: 'abc' is not a number");
	refused("parameters: [{name: a, type: string, min: -1}]\n",
	    "parameters[0].min: '-1' is not an integer from 0 to 65536");
	refused("parameters: [{name: a, type: bool, max: 1}]\n",
	    "min and max are for int, float, string, text and secret");
	refused("parameters: [{name: a, type: int, max: 10, default: 11}]\n",
	    "line 2, column 53: parameters[0].default: parameter 'a': '11' is "
	    "out of range (an integer of at most 10)");
	refused("parameters: [{name: a, type: choice, choices: [x], default: "
	    "y}]\n", "parameter 'a': 'y' is not one of the choices");
	refused("parameters: [{name: a, default: \"l1\\nl2\"}]\n",
	    "parameters[0].default: must be one line");
	refused("parameters: [{name: a, type: secret, default: hunter2}]\n",
	    "parameters[0].default: a secret has no default");
	{
		char			*d = doc_of("parameters: [{name: a, type: "
				    "secret, max: 3, default: hunter2}]\n");
		struct automation	*a = parse(d, AUTO_FMT_YAML);

		ok(a == NULL && strstr(e.msg, "hunter2") == NULL,
		    "a secret's default is not in the message");
		automation_free(a);
		free(d);
	}
	refused("parameters:\n  - name: a\n    type: multi\n    choices: [x]\n"
	    "    default: [x, z]\n", "parameter 'a': 'z' is not one of the "
	    "choices");
}

static void
test_steps(void)
{
	refused("steps: [ls]\n", "steps[0]: must be a mapping");
	refused("steps: [{name: a}]\n", "steps[0]: needs command, script, "
	    "upload or download");
	refused("steps: [{command: ls, script: x}]\n", "steps[0]: command and "
	    "script: a step does one thing");
	refused("steps: [{command: ''}]\n", "steps[0].command: is empty");
	refused("steps: [{command: }]\n", "steps[0].command: is empty");
	refused("steps: [{command: [ls]}]\n", "steps[0].command: must be text, "
	    "not a list");
	refused("steps: [{script: {file: a, content: b}}]\n",
	    "steps[0].script: content and file: give one");
	refused("steps: [{script: \"  \\n\"}]\n", "steps[0].script: is "
	    "empty");
	refused("steps: [{script: {content: ''}}]\n", "steps[0].script.content: "
	    "is empty");
	refused("steps: [{command: ls, retries: ' 1'}]\n", "' 1' is not an "
	    "integer");
	refused("parameters: [{name: a, type: float, min: ' 1'}]\n",
	    "' 1' is not a number");
	refused("steps: [{script: {interpreter: sh}}]\n", "steps[0].script: "
	    "needs content or file");
	refused("steps: [{script: {file: a, shell: sh}}]\n",
	    "steps[0].script.shell: unknown key");
	refused("steps: [{script: {file: a, interpreter: ''}}]\n",
	    "steps[0].script.interpreter: is empty");
	refused("steps: [{upload: {dest: /x}}]\n", "steps[0].upload: needs src "
	    "or content");
	refused("steps: [{upload: {src: a}}]\n", "steps[0].upload: needs dest");
	refused("steps: [{upload: {src: a, dest: \"b\\nc\"}}]\n",
	    "steps[0].upload.dest: must be one line (no control characters)");
	refused("steps: [{upload: {src: \"a\\eb\", dest: c}}]\n",
	    "steps[0].upload.src: must be one line (no control characters)");
	refused("steps: [{upload: {src: a, dest: b, mode: 0999}}]\n",
	    "steps[0].upload.mode: '0999' is not a file mode");
	refused("steps: [{upload: {src: a, dest: b, mode: 0}}]\n",
	    "steps[0].upload.mode: '0' is not a file mode");
	refused("steps: [{upload: {src: a, dest: b, mode: 17777}}]\n",
	    "'17777' is not a file mode");
	refused("steps: [{upload: /etc/x}]\n", "steps[0].upload: must be a "
	    "mapping");
	refused("steps: [{download: {src: a}}]\n", "steps[0].download: needs "
	    "dest");
	refused("steps: [{download: {src: a, dest: logs}}]\n",
	    "line 2, column 35: steps[0].download.dest: must be an absolute "
	    "directory on the daemon's host");
	refused("steps: [{download: {src: a, dest: b, mode: 0644}}]\n",
	    "steps[0].download.mode: unknown key (want src, dest)");
	refused("steps: [{command: ls, on_failure: ignore}]\n",
	    "steps[0].on_failure: 'ignore' is not stop or continue");
	refused("steps: [{command: ls, retries: 11}]\n", "steps[0].retries: "
	    "'11' is not an integer from 0 to 10");
	refused("steps: [{command: ls, retries: -1}]\n", "'-1' is not an "
	    "integer from 0 to 10");
	refused("steps: [{command: ls, become: 'a b'}]\n", "steps[0].become: "
	    "'a b' is not a name");
	refused("steps: [{command: ls, become: -u}]\n", "'-u' is not a name");
	refused("steps: [{command: ls, name: a}, {command: ls, name: a}]\n",
	    "steps[1]: step name 'a' given twice");
	refused("steps: [{command: ls, name: step-2}, {command: ls}]\n",
	    "step name 'step-2' given twice");
	refused("steps: [{command: ls, timeout: 8d}]\n", "steps[0].timeout: "
	    "'8d' is not a duration");
}

static void
test_rollout(void)
{
	refused("rollout: {batch: 0}\n", "rollout.batch: '0' is not a count or "
	    "a percentage (N from 1, or P% from 1 to 100)");
	refused("rollout: {batch: 101%}\n", "rollout.batch: '101%' is not");
	refused("rollout: {batch: 0%}\n", "rollout.batch: '0%' is not");
	refused("rollout: {batch: -1}\n", "rollout.batch: '-1' is not");
	refused("rollout: {batch: 5 %}\n", "rollout.batch: '5 %' is not");
	refused("rollout: {max_failures: -1}\n", "rollout.max_failures: '-1' "
	    "is not a count or a percentage (N from 0, or P% from 0 to 100)");
	refused("rollout: {order: web}\n", "rollout.order: 'web' is not "
	    "tag:NAME");
	refused("rollout: {order: 'tag:'}\n", "rollout.order: 'tag:' is not");
	refused("rollout: {forks: 0}\n", "rollout.forks: '0' is not an integer "
	    "from 1 to 1024");
	refused("rollout: [1]\n", "rollout: must be a mapping");
}

static void
test_amounts(void)
{
	struct automation	*a;

	a = parse("name: x\nsteps: [{command: ls}]\nrollout: {batch: 1, "
	    "max_failures: 0%, order: 'tag:a tag:b,tag:c'}\n", AUTO_FMT_YAML);
	ok(a != NULL && a->rollout.batch.n == 1 && !a->rollout.batch.pct &&
	    a->rollout.max_failures.n == 0 && a->rollout.max_failures.pct &&
	    a->rollout.max_failures_set &&
	    strcmp(a->rollout.order, "tag:a,tag:b,tag:c") == 0,
	    "batch 1, max_failures 0%%, order from blanks and commas");
	automation_free(a);
	a = parse("{\"name\":\"x\",\"steps\":[{\"command\":\"ls\"}],\"rollout\":"
	    "{\"batch\":100,\"max_failures\":\"100%\",\"order\":[\"tag:z\"]}}",
	    AUTO_FMT_JSON);
	ok(a != NULL && a->rollout.batch.n == 100 && !a->rollout.batch.pct &&
	    a->rollout.max_failures.n == 100 && a->rollout.max_failures.pct &&
	    strcmp(a->rollout.order, "tag:z") == 0, "JSON amounts");
	automation_free(a);
}

/* timeout: TEXT in YAML and JSON (as a string, and as a number when it
 * is one) gives ms, or is refused when ms < 0. */
static void
duration(const char *text, int ms)
{
	char			*y, *j;
	struct automation	*a, *b;
	int			 isnum = strspn(text, "0123456789") ==
				    strlen(text) && *text != '\0';

	y = xasprintf("name: x\nsteps: [{command: ls, timeout: '%s'}]\n",
	    text);
	j = xasprintf("{\"name\":\"x\",\"steps\":[{\"command\":\"ls\","
	    "\"timeout\":%s%s%s}]}", isnum ? "" : "\"", text, isnum ? "" :
	    "\"");
	a = parse(y, AUTO_FMT_YAML);
	b = parse(j, AUTO_FMT_JSON);
	if (ms < 0)
		ok(a == NULL && b == NULL && strstr(e.msg, "is not a duration")
		    != NULL, "duration '%s' refused", text);
	else
		ok(a != NULL && b != NULL && a->steps[0].timeout_ms == ms &&
		    b->steps[0].timeout_ms == ms, "duration '%s' is %d ms",
		    text, ms);
	automation_free(a);
	automation_free(b);
	free(y);
	free(j);
}

/* mode: TEXT as YAML plain, YAML quoted and JSON (string; number when
 * it is digits). */
static void
mode(const char *text, unsigned want)
{
	char			*y1, *y2, *j;
	struct automation	*a, *b, *c;
	int			 isnum = text[0] >= '1' && text[0] <= '9' &&
				    strspn(text, "0123456789") == strlen(text);

	y1 = xasprintf("name: x\nsteps: [{upload: {content: x, dest: y, "
	    "mode: %s}}]\n", text);
	y2 = xasprintf("name: x\nsteps: [{upload: {content: x, dest: y, "
	    "mode: \"%s\"}}]\n", text);
	j = xasprintf("{\"name\":\"x\",\"steps\":[{\"upload\":{\"content\":"
	    "\"x\",\"dest\":\"y\",\"mode\":%s%s%s}}]}", isnum ? "" : "\"",
	    text, isnum ? "" : "\"");
	a = parse(y1, AUTO_FMT_YAML);
	b = parse(y2, AUTO_FMT_YAML);
	c = parse(j, AUTO_FMT_JSON);
	if (want == 0)
		ok(a == NULL && b == NULL && c == NULL,
		    "mode %s refused three ways", text);
	else
		ok(a != NULL && b != NULL && c != NULL &&
		    a->steps[0].mode == want && b->steps[0].mode == want &&
		    c->steps[0].mode == want, "mode %s is 0%o three ways",
		    text, want);
	automation_free(a);
	automation_free(b);
	automation_free(c);
	free(y1);
	free(y2);
	free(j);
}

static void
test_durations_modes(void)
{
	duration("30s", 30000);
	duration("5m", 300000);
	duration("1h30m", 5400000);
	duration("250ms", 250);
	duration("1m30s500ms", 90500);
	duration("2d", 172800000);
	duration("7d", 604800000);
	duration("45", 45000);
	duration("0", 0);
	duration("8d", -1);
	duration("604801", -1);
	duration("30m1h", -1);
	duration("5s5s", -1);
	duration("1.5s", -1);
	duration("s", -1);
	duration("-5s", -1);
	duration("5 s", -1);
	duration("5sec", -1);
	duration("99999999999999999999s", -1);
	duration("999999999999d", -1);
	duration("106751991167d", -1);
	duration("604800000ms", 604800000);
	duration("604800001ms", -1);
	mode("0644", 0644);
	mode("644", 0644);
	mode("0o750", 0750);
	mode("4755", 04755);
	mode("0600", 0600);
	mode("1", 01);
	mode("0", 0);
	mode("0000", 0);
	mode("0888", 0);
	mode("10000", 0);
	mode("rw-r--r--", 0);
	mode("0x1a4", 0);
}

int
main(void)
{
	plan_no_plan();
	test_top();
	test_approval();
	test_params();
	test_steps();
	test_rollout();
	test_amounts();
	test_durations_modes();
	return exit_status();
}

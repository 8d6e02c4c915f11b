/*
 * test-automation.c: the automation file parser (core/automation.h).
 * A full document sets every top-level field, every step kind and every
 * parameter type, read from YAML and from JSON into the same struct
 * (compared field by field); defaults; durations and modes; refusals
 * of unknown keys (with line and column), duplicate keys, anchors,
 * aliases and tags, wrong shapes and the bounds. Parameter values and
 * binding are in test-automation-values.c.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "automation-test.h"
#include "xmalloc.h"

static struct ops_err	e;

#define AUTO_NODES_MAX_TEST	100001	/* automation-int.h's bound + 1 */

static const char full_yaml[] =
"# a full automation\n"
"name: deploy-web\n"
"description: |\n"
"  Roll the web tier.\n"
"  Two lines.\n"
"parameters:\n"
"  - name: version\n"
"    type: string\n"
"    required: true\n"
"    pattern: '[0-9]+\\.[0-9]+'\n"
"    min: 3\n"
"    max: 20\n"
"    description: the release\n"
"  - name: notes\n"
"    type: text\n"
"    default: \"a\\nb\"\n"
"  - name: count\n"
"    type: int\n"
"    min: 1\n"
"    max: 10\n"
"    default: 3\n"
"  - name: ratio\n"
"    type: float\n"
"    min: 0.5\n"
"    max: 2.5\n"
"    default: 1.25\n"
"  - name: dry\n"
"    type: bool\n"
"    default: yes\n"
"  - name: env\n"
"    type: choice\n"
"    choices: [prod, staging]\n"
"    default: staging\n"
"  - name: parts\n"
"    type: multi\n"
"    choices: [a, b, c]\n"
"    default: [a, c]\n"
"  - name: token\n"
"    type: secret\n"
"    required: yes\n"
"targets: [\"web*\", \"tag:eu\"]\n"
"steps:\n"
"  - name: stop\n"
"    command: systemctl stop app\n"
"    become: root\n"
"    timeout: 1h30m\n"
"    retries: 2\n"
"    retry_delay: 250ms\n"
"    on_failure: continue\n"
"  - script: |\n"
"      #!/bin/sh\n"
"      echo hi\n"
"  - script:\n"
"      file: scripts/migrate.py\n"
"      interpreter: python3 -u\n"
"  - script:\n"
"      content: echo x\n"
"      interpreter: /bin/bash\n"
"  - upload:\n"
"      src: files/app.conf\n"
"      dest: /etc/app.conf\n"
"      mode: 0640\n"
"  - upload:\n"
"      content: \"k=v\\n\"\n"
"      dest: /etc/k\n"
"  - download:\n"
"      src: /var/log/app.log\n"
"      dest: /srv/logs\n"
"rollout:\n"
"  batch: 25%\n"
"  max_failures: 2\n"
"  order: [tag:canary, tag:eu]\n"
"  forks: 8\n"
"timeout: 5m\n"
"approval:\n"
"  required: 2\n"
"  approvers: [alice, \"@ops\", role:admin]\n"
"  expires: 4h\n"
"  totp: yes\n"
"  reason: required\n"
"notify:\n"
"  on: [failure]\n"
"  mail: ops@example.com\n";

static const char full_json[] =
"{\n"
"  \"name\": \"deploy-web\",\n"
"  \"description\": \"Roll the web tier.\\nTwo lines.\\n\",\n"
"  \"parameters\": [\n"
"    {\"name\": \"version\", \"type\": \"string\", \"required\": true,\n"
"     \"pattern\": \"[0-9]+\\\\.[0-9]+\", \"min\": 3, \"max\": 20,\n"
"     \"description\": \"the release\"},\n"
"    {\"name\": \"notes\", \"type\": \"text\", \"default\": \"a\\nb\"},\n"
"    {\"name\": \"count\", \"type\": \"int\", \"min\": 1, \"max\": 10,\n"
"     \"default\": 3},\n"
"    {\"name\": \"ratio\", \"type\": \"float\", \"min\": 0.5,\n"
"     \"max\": 2.5, \"default\": 1.25},\n"
"    {\"name\": \"dry\", \"type\": \"bool\", \"default\": true},\n"
"    {\"name\": \"env\", \"type\": \"choice\",\n"
"     \"choices\": [\"prod\", \"staging\"], \"default\": \"staging\"},\n"
"    {\"name\": \"parts\", \"type\": \"multi\",\n"
"     \"choices\": [\"a\", \"b\", \"c\"], \"default\": \"a, c\"},\n"
"    {\"name\": \"token\", \"type\": \"secret\", \"required\": true}\n"
"  ],\n"
"  \"targets\": [\"web*\", \"tag:eu\"],\n"
"  \"steps\": [\n"
"    {\"name\": \"stop\", \"command\": \"systemctl stop app\",\n"
"     \"become\": \"root\", \"timeout\": \"1h30m\", \"retries\": 2,\n"
"     \"retry_delay\": \"250ms\", \"on_failure\": \"continue\"},\n"
"    {\"script\": \"#!/bin/sh\\necho hi\\n\"},\n"
"    {\"script\": {\"file\": \"scripts/migrate.py\",\n"
"                \"interpreter\": \"python3 -u\"}},\n"
"    {\"script\": {\"content\": \"echo x\", \"interpreter\": \"/bin/bash\"}},\n"
"    {\"upload\": {\"src\": \"files/app.conf\", \"dest\": \"/etc/app.conf\",\n"
"                \"mode\": \"0640\"}},\n"
"    {\"upload\": {\"content\": \"k=v\\n\", \"dest\": \"/etc/k\"}},\n"
"    {\"download\": {\"src\": \"/var/log/app.log\", \"dest\": \"/srv/logs\"}}\n"
"  ],\n"
"  \"rollout\": {\"batch\": \"25%\", \"max_failures\": 2,\n"
"              \"order\": \"tag:canary,tag:eu\", \"forks\": 8},\n"
"  \"timeout\": 300,\n"
"  \"approval\": {\"required\": 2, \"approvers\": [\"alice\", \"@ops\",\n"
"               \"role:admin\"], \"expires\": \"4h\", \"totp\": true,\n"
"               \"reason\": \"required\"},\n"
"  \"notify\": {\"on\": [\"failure\"], \"mail\": \"ops@example.com\"}\n"
"}\n";

static struct automation *
parse(const char *doc, enum auto_format fmt)
{
	return auto_test_parse(doc, fmt, &e);
}

static int
same(const char *a, const char *b)
{
	if (a == NULL || b == NULL)
		return a == b;
	return strcmp(a, b) == 0;
}

static int
is_str(const char *got, const char *want, const char *what)
{
	int	good = same(got, want);

	ok(good, "%s", what);
	if (!good)
		diag("  got '%s', want '%s'", got != NULL ? got : "(null)",
		    want != NULL ? want : "(null)");
	return good;
}

static void
refused(const char *doc, enum auto_format fmt, const char *want,
    const char *what)
{
	auto_test_refused(doc, fmt, want, what, &e);
}

/* Field-by-field equality of two parses, saying where they differ. */
static const char *
differ(const struct automation *x, const struct automation *y)
{
	size_t	i, k;

#define S(f, w) if (!same(x->f, y->f)) return w
#define N(f, w) if (x->f != y->f) return w
	S(name, "name"); S(description, "description");
	N(nparams, "nparams"); N(ntargets, "ntargets"); N(nsteps, "nsteps");
	N(timeout_ms, "timeout"); S(notify, "notify");
	if ((x->approval == NULL) != (y->approval == NULL))
		return "approval";
	if (x->approval != NULL) {
		char	*ax = automation_approval_json(x->approval);
		char	*ay = automation_approval_json(y->approval);
		int	 eq = ax != NULL && ay != NULL && strcmp(ax, ay) == 0;

		free(ax);
		free(ay);
		if (!eq)
			return "approval";
	}
	N(rollout.batch.n, "batch"); N(rollout.batch.pct, "batch%");
	N(rollout.max_failures.n, "max_failures");
	N(rollout.max_failures.pct, "max_failures%");
	N(rollout.max_failures_set, "max_failures_set");
	S(rollout.order, "order"); N(rollout.forks, "forks");
	for (i = 0; i < x->ntargets; i++)
		S(targets[i], "targets");
	for (i = 0; i < x->nparams; i++) {
		S(params[i].name, "param name"); N(params[i].type, "type");
		N(params[i].required, "required"); S(params[i].def, "default");
		S(params[i].description, "param description");
		S(params[i].pattern, "pattern");
		N(params[i].has_min, "has_min"); N(params[i].has_max, "has_max");
		N(params[i].min, "min"); N(params[i].max, "max");
		N(params[i].nchoices, "nchoices");
		for (k = 0; k < x->params[i].nchoices; k++)
			S(params[i].choices[k], "choices");
	}
	for (i = 0; i < x->nsteps; i++) {
		S(steps[i].name, "step name"); N(steps[i].kind, "kind");
		S(steps[i].command, "command"); S(steps[i].script, "script");
		S(steps[i].script_file, "script_file");
		S(steps[i].interpreter, "interpreter");
		S(steps[i].content, "content"); S(steps[i].src, "src");
		S(steps[i].dest, "dest"); N(steps[i].mode, "mode");
		S(steps[i].become, "become");
		N(steps[i].timeout_ms, "step timeout");
		N(steps[i].retries, "retries");
		N(steps[i].retry_delay_ms, "retry_delay");
		N(steps[i].on_failure, "on_failure");
	}
#undef S
#undef N
	return NULL;
}

static void
test_full(void)
{
	struct automation	*y, *j, *a;
	const struct auto_param	*p;
	const struct auto_step	*s;
	const char		*d;

	y = parse(full_yaml, AUTO_FMT_AUTO);
	ok(y != NULL, "the full YAML document parses");
	if (y == NULL) {
		diag("  %s", e.msg);
		return;
	}
	j = parse(full_json, AUTO_FMT_AUTO);
	ok(j != NULL, "the full JSON document parses (sniffed by '{')");
	if (j == NULL)
		diag("  %s", e.msg);
	d = j != NULL ? differ(y, j) : "no JSON";
	ok(d == NULL, "YAML and JSON give the same struct");
	if (d != NULL)
		diag("  differ at %s", d);
	/* the JSON text is also YAML (flow style): the same again */
	a = parse(full_json, AUTO_FMT_YAML);
	d = a != NULL ? differ(y, a) : e.msg;
	ok(d == NULL, "the JSON document read as YAML gives the same struct");
	if (d != NULL)
		diag("  %s", d);
	automation_free(a);
	automation_free(j);

	is_str(y->name, "deploy-web", "name");
	is_str(y->description, "Roll the web tier.\nTwo lines.\n",
	    "description (a literal block)");
	is_int(y->nparams, 8, "8 parameters");
	p = &y->params[0];
	is_str(p->name, "version", "param 0 name");
	is_int(p->type, AUTO_P_STRING, "param 0 string");
	is_int(p->required, 1, "param 0 required");
	is_str(p->pattern, "[0-9]+\\.[0-9]+", "param 0 pattern");
	ok(p->has_min && p->has_max && p->min == 3 && p->max == 20,
	    "param 0 length 3 to 20");
	is_str(p->description, "the release", "param 0 description");
	ok(p->def == NULL, "param 0 has no default");
	is_int(y->params[1].type, AUTO_P_TEXT, "param 1 text");
	is_str(y->params[1].def, "a\nb", "text default keeps the newline");
	p = &y->params[2];
	ok(p->type == AUTO_P_INT && p->min == 1 && p->max == 10,
	    "param 2 int 1..10");
	is_str(p->def, "3", "int default");
	p = &y->params[3];
	ok(p->type == AUTO_P_FLOAT && p->min == 0.5 && p->max == 2.5,
	    "param 3 float 0.5..2.5");
	is_str(p->def, "1.25", "float default");
	is_int(y->params[4].type, AUTO_P_BOOL, "param 4 bool");
	is_str(y->params[4].def, "true", "bool default 'yes' is 'true'");
	p = &y->params[5];
	ok(p->type == AUTO_P_CHOICE && p->nchoices == 2 &&
	    strcmp(p->choices[0], "prod") == 0 &&
	    strcmp(p->choices[1], "staging") == 0, "param 5 choice");
	is_str(p->def, "staging", "choice default");
	p = &y->params[6];
	ok(p->type == AUTO_P_MULTI && p->nchoices == 3, "param 6 multi");
	is_str(p->def, "a,c", "multi default from a list");
	p = &y->params[7];
	ok(p->type == AUTO_P_SECRET && p->required && p->def == NULL,
	    "param 7 secret, required, no default");

	ok(y->ntargets == 2 && strcmp(y->targets[0], "web*") == 0 &&
	    strcmp(y->targets[1], "tag:eu") == 0, "targets");
	is_int(y->nsteps, 7, "7 steps");
	s = &y->steps[0];
	is_str(s->name, "stop", "step 0 name");
	is_int(s->kind, AUTO_STEP_COMMAND, "step 0 command");
	is_str(s->command, "systemctl stop app", "step 0 command text");
	is_str(s->become, "root", "step 0 become");
	is_int(s->timeout_ms, 5400000, "1h30m is 5400000 ms");
	is_int(s->retries, 2, "retries");
	is_int(s->retry_delay_ms, 250, "retry_delay 250ms");
	is_int(s->on_failure, AUTO_FAIL_CONTINUE, "on_failure continue");
	s = &y->steps[1];
	is_str(s->name, "step-2", "an unnamed step is step-N (1-based)");
	is_int(s->kind, AUTO_STEP_SCRIPT, "step 1 script");
	is_str(s->script, "#!/bin/sh\necho hi\n", "inline script text");
	ok(s->script_file == NULL && s->interpreter == NULL,
	    "inline script: no file, no interpreter");
	is_int(s->on_failure, AUTO_FAIL_STOP, "on_failure defaults to stop");
	is_int(s->retries, 0, "retries default 0");
	is_int(s->retry_delay_ms, 1000, "retry_delay default 1s");
	is_int(s->timeout_ms, 0, "step timeout default 0 (the automation's)");
	s = &y->steps[2];
	is_str(s->script_file, "scripts/migrate.py", "script file");
	is_str(s->interpreter, "python3 -u", "script interpreter");
	ok(s->script == NULL, "script from a file has no text");
	s = &y->steps[3];
	is_str(s->script, "echo x", "script content");
	is_str(s->interpreter, "/bin/bash", "content's interpreter");
	s = &y->steps[4];
	is_int(s->kind, AUTO_STEP_UPLOAD, "step 4 upload");
	is_str(s->src, "files/app.conf", "upload src");
	is_str(s->dest, "/etc/app.conf", "upload dest");
	is_int(s->mode, 0640, "mode 0640");
	s = &y->steps[5];
	is_str(s->content, "k=v\n", "upload content");
	ok(s->src == NULL, "content upload has no src");
	is_int(s->mode, 0, "mode unset is 0 (0644 at run time)");
	s = &y->steps[6];
	is_int(s->kind, AUTO_STEP_DOWNLOAD, "step 6 download");
	is_str(s->src, "/var/log/app.log", "download src");
	is_str(s->dest, "/srv/logs", "download dest");

	ok(y->rollout.batch.n == 25 && y->rollout.batch.pct == 1,
	    "batch 25%%");
	ok(y->rollout.max_failures.n == 2 && !y->rollout.max_failures.pct &&
	    y->rollout.max_failures_set, "max_failures 2");
	is_str(y->rollout.order, "tag:canary,tag:eu", "order joined");
	is_int(y->rollout.forks, 8, "forks");
	is_int(y->timeout_ms, 300000, "timeout 5m");
	ok(y->approval != NULL && y->approval->required == 2 &&
	    y->approval->napprovers == 3 &&
	    strcmp(y->approval->approvers[0], "alice") == 0 &&
	    strcmp(y->approval->approvers[1], "@ops") == 0 &&
	    strcmp(y->approval->approvers[2], "role:admin") == 0 &&
	    y->approval->expires_ms == 4 * 3600 * 1000LL &&
	    y->approval->totp && y->approval->reason_required,
	    "approval: required, approvers, expires, totp, reason");
	is_str(y->notify, "{\"on\":[\"failure\"],\"mail\":\"ops@example.com\"}",
	    "notify as JSON text");
	automation_free(y);
}

static void
test_minimal(void)
{
	struct automation	*a;

	a = parse("name: x\nsteps:\n  - command: true\n", AUTO_FMT_YAML);
	ok(a != NULL, "a minimal document parses");
	if (a == NULL) {
		diag("  %s", e.msg);
		return;
	}
	ok(a->description == NULL && a->nparams == 0 && a->ntargets == 0 &&
	    a->timeout_ms == 0 && a->approval == NULL && a->notify == NULL,
	    "minimal: nothing else set");
	ok(a->rollout.batch.n == 0 && !a->rollout.max_failures_set &&
	    a->rollout.order == NULL && a->rollout.forks == 0,
	    "minimal: default rollout");
	is_str(a->steps[0].command, "true", "a plain 'true' is command text");
	is_str(a->steps[0].name, "step-1", "step-1");
	automation_free(a);

	a = parse("\xef\xbb\xbf{\"name\": \"bom\", \"steps\": [{\"command\": "
	    "\"ls\"}]}", AUTO_FMT_AUTO);
	ok(a != NULL && strcmp(a->name, "bom") == 0, "JSON after a byte order "
	    "mark");
	automation_free(a);
	a = parse("\xef\xbb\xbfname: bom\nsteps: [{command: ls}]\n",
	    AUTO_FMT_AUTO);
	ok(a != NULL && strcmp(a->name, "bom") == 0, "YAML after a byte order "
	    "mark");
	automation_free(a);

	a = parse("name: x\ntargets: web1 web2, tag:db\nsteps: [{command: "
	    "ls}]\n", AUTO_FMT_YAML);
	ok(a != NULL && a->ntargets == 1 &&
	    strcmp(a->targets[0], "web1 web2, tag:db") == 0,
	    "targets as one string is one selector expression");
	automation_free(a);
}

static void
test_unknown_keys(void)
{
	refused("name: x\nsteps:\n  - command: ls\nbogus: 1\n", AUTO_FMT_YAML,
	    "line 4, column 1: bogus: unknown key", "unknown top-level key at "
	    "line 4, column 1");
	refused("name: x\nsteps:\n  - command: ls\n    timeot: 5s\n",
	    AUTO_FMT_YAML, "line 4, column 5: steps[0].timeot: unknown key",
	    "unknown step key with path, line and column");
	refused("name: x\nsteps:\n  - upload:\n      src: a\n      dest: b\n"
	    "      owner: root\n", AUTO_FMT_YAML,
	    "line 6, column 7: steps[0].upload.owner: unknown key",
	    "unknown upload key");
	refused("name: x\nparameters:\n  - name: a\n    typ: int\n"
	    "steps: [{command: ls}]\n", AUTO_FMT_YAML,
	    "line 4, column 5: parameters[0].typ: unknown key",
	    "unknown parameter key");
	refused("name: x\nsteps: [{command: ls}]\nrollout: {batch: 1, "
	    "serial: 2}\n", AUTO_FMT_YAML, "line 3, column 21: rollout.serial: "
	    "unknown key", "unknown rollout key in flow style");
	refused("{\"name\": \"x\", \"steps\": [{\"command\": \"ls\", \"x\": 1}]}",
	    AUTO_FMT_JSON, "steps[0].x: unknown key (want name, command",
	    "unknown key in JSON names the path and the known keys");
}

static void
test_duplicates_and_yaml_features(void)
{
	refused("name: x\nname: y\nsteps: [{command: ls}]\n", AUTO_FMT_YAML,
	    "line 2, column 1: key 'name' given twice", "duplicate key (YAML)");
	refused("name: x\nsteps:\n  - command: ls\n    command: rm\n",
	    AUTO_FMT_YAML, "line 4, column 5: key 'command' given twice",
	    "duplicate nested key (YAML)");
	refused("{\"name\": \"x\", \"name\": \"y\", \"steps\": []}",
	    AUTO_FMT_JSON, "duplicate object key", "duplicate key (JSON)");
	refused("name: &n x\nsteps: [{command: ls}]\n", AUTO_FMT_YAML,
	    "line 1, column 7: anchors (&name) are not allowed", "anchor refused");
	refused("name: x\nsteps:\n  - command: ls\n  - *a\n", AUTO_FMT_YAML,
	    "aliases (*name) are not allowed", "alias refused");
	refused("a: &a [x, x]\nb: &b [*a, *a]\nc: [*b, *b]\n", AUTO_FMT_YAML,
	    "anchors", "an alias bomb is refused at its first anchor");
	refused("name: !!str x\nsteps: [{command: ls}]\n", AUTO_FMT_YAML,
	    "tags (!tag) are not allowed", "tag refused");
	refused("name: x\nsteps: [{command: ls}]\n---\nname: y\n",
	    AUTO_FMT_YAML, "more than one YAML document", "two documents");
	refused("", AUTO_FMT_YAML, "an empty document", "empty document");
	refused("name: x\nsteps: [\n", AUTO_FMT_YAML, "not YAML", "broken YAML");
	refused("{\"name\": \"x\",\n \"steps\": [}", AUTO_FMT_JSON,
	    "line 2, column 12: not JSON", "broken JSON with its position");
	refused("name: \"a\\0b\"\nsteps: [{command: ls}]\n", AUTO_FMT_YAML,
	    "NUL", "a NUL byte in a YAML value");
	refused("{\"name\": \"a\\u0000b\", \"steps\": []}", AUTO_FMT_JSON,
	    "not JSON", "a NUL byte in a JSON value");
	refused("name: \xff\nsteps: [{command: ls}]\n", AUTO_FMT_YAML,
	    "not YAML", "bad UTF-8 in YAML");
	refused("{\"name\": \"\xc3\x28\"}", AUTO_FMT_JSON, "not JSON",
	    "bad UTF-8 in JSON");
	refused("? [a]\n: b\n", AUTO_FMT_YAML, "a key must be a plain value",
	    "a list as a key");
	refused("- a\n- b\n", AUTO_FMT_YAML, "an automation is a mapping",
	    "a list document");
}

static char *
repeat(const char *head, const char *unit, size_t n, const char *tail)
{
	size_t	 hl = strlen(head), ul = strlen(unit), tl = strlen(tail), i;
	char	*s = xmalloc(hl + ul * n + tl + 1), *p = s;

	memcpy(p, head, hl);
	p += hl;
	for (i = 0; i < n; i++, p += ul)
		memcpy(p, unit, ul);
	memcpy(p, tail, tl + 1);
	return s;
}

static void
test_bounds(void)
{
	struct automation	*a;
	char			*doc;
	size_t			 len;

	doc = repeat("name: x\nsteps:\n", "  - command: ls\n", AUTO_STEPS_MAX,
	    "");
	a = parse(doc, AUTO_FMT_YAML);
	ok(a != NULL && a->nsteps == AUTO_STEPS_MAX, "256 steps are fine");
	automation_free(a);
	free(doc);
	doc = repeat("name: x\nsteps:\n", "  - command: ls\n",
	    AUTO_STEPS_MAX + 1, "");
	refused(doc, AUTO_FMT_YAML, "steps: more than 256 steps",
	    "257 steps refused");
	free(doc);
	{
		char	*b = xstrdup("name: x\nsteps: [{command: ls}]\n"
			    "parameters:\n");
		size_t	 i;

		for (i = 0; i <= AUTO_PARAMS_MAX; i++) {
			char	*n = xasprintf("%s  - {name: p%zu}\n", b, i);

			free(b);
			b = n;
		}
		refused(b, AUTO_FMT_YAML, "parameters: more than 128",
		    "129 parameters refused");
		free(b);
	}
	doc = repeat("name: x\nsteps: [{command: ls}]\nnotify: ",
	    "{a: ", 15, "1");
	len = strlen(doc);
	doc = xreallocarray(doc, len + 16, 1);
	memset(doc + len, '}', 15);
	doc[len + 15] = '\0';
	a = parse(doc, AUTO_FMT_YAML);
	ok(a != NULL, "16 levels deep is fine");
	automation_free(a);
	free(doc);
	doc = repeat("name: x\nsteps: [{command: ls}]\nnotify: ",
	    "{a: ", 16, "1}");
	refused(doc, AUTO_FMT_YAML, "nested deeper than 16 levels",
	    "17 levels refused (YAML)");
	free(doc);
	doc = repeat("{\"name\": \"x\", \"notify\": ", "[", 16,
	    "]]]]]]]]]]]]]]]]}");
	refused(doc, AUTO_FMT_JSON, "nested deeper than 16", "17 levels "
	    "refused (JSON)");
	free(doc);
	doc = repeat("name: x\nsteps: [{command: ls}]\nnotify: ",
	    "[", 100000, "");
	refused(doc, AUTO_FMT_YAML, "nested deeper than 16", "100000 open "
	    "brackets refused early");
	free(doc);
	doc = xmalloc(AUTO_DOC_MAX + 2);
	memset(doc, '#', AUTO_DOC_MAX + 1);
	doc[AUTO_DOC_MAX + 1] = '\0';
	a = NULL;
	ok(automation_parse(doc, AUTO_DOC_MAX + 1, AUTO_FMT_YAML, &a, &e) ==
	    OPS_E_TOOBIG && a == NULL && strstr(e.msg, "larger than") != NULL,
	    "a document over 1 MiB refused");
	free(doc);
	doc = repeat("name: x\nsteps: [{command: ls}]\nnotify: [", "1,",
	    AUTO_NODES_MAX_TEST, "1]");
	a = NULL;
	ok(automation_parse(doc, strlen(doc), AUTO_FMT_YAML, &a, &e) ==
	    OPS_E_TOOBIG && strstr(e.msg, "more than 100000") != NULL,
	    "more than 100000 nodes refused");
	free(doc);
}

/*
 * The examples of opsicle-automation(5): every ".Bd -literal" block that
 * is an automation (starts with "name:" or "{") parses, with mdoc's
 * "\e" read as a backslash.
 */
static void
test_manpage(void)
{
	const char		*src = getenv("OPS_SRCDIR");
	char			*path, line[1024], *doc = NULL;
	size_t			 len = 0, n, found = 0, good = 0;
	int			 in = 0;
	FILE			*f;
	struct automation	*a;

	path = xasprintf("%s/man/opsicle-automation.5", src != NULL ? src :
	    "..");
	if ((f = fopen(path, "r")) == NULL) {
		ok(0, "read %s", path);
		free(path);
		return;
	}
	while (fgets(line, sizeof(line), f) != NULL) {
		if (strncmp(line, ".Bd -literal", 12) == 0) {
			in = 1;
			len = 0;
			free(doc);
			doc = xstrdup("");
			continue;
		}
		if (in && strncmp(line, ".Ed", 3) == 0) {
			in = 0;
			if (strncmp(doc, "name:", 5) != 0 && doc[0] != '{')
				continue;
			found++;
			a = parse(doc, AUTO_FMT_AUTO);
			if (a != NULL)
				good++;
			else
				diag("  example %zu: %s", found, e.msg);
			automation_free(a);
			continue;
		}
		if (!in)
			continue;
		n = strlen(line);
		doc = xreallocarray(doc, len + n + 1, 1);
		for (char *p = line; *p != '\0'; p++) {
			if (p[0] == '\\' && p[1] == 'e')
				doc[len++] = '\\', p++;
			else
				doc[len++] = *p;
		}
		doc[len] = '\0';
	}
	fclose(f);
	free(doc);
	free(path);
	ok(found == 3 && good == found, "the man page's %zu examples parse "
	    "(%zu)", found, good);
}

int
main(void)
{
	plan_no_plan();
	test_full();
	test_minimal();
	test_unknown_keys();
	test_duplicates_and_yaml_features();
	test_bounds();
	test_manpage();
	return exit_status();
}

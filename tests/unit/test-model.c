/*
 * test-model.c: the shared models (core/model.h): state and class name
 * tables round-trip, "is this state final", reachability, the joined
 * "class: message" form, and the target selector parser and matcher,
 * with hostile input and a fuzz loop whose accepted count is checked
 * against an independent oracle (POSIX regular expressions).
 */
#include "config.h"

#include <regex.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "model.h"
#include "tap.h"

static void
test_states(void)
{
	enum job_state	j;
	enum run_state	r;
	enum run_class	c;
	int		i, good = 1;

	for (i = JOB_STATE_QUEUED; i <= JOB_STATE_INTERRUPTED; i++)
		good &= job_state_parse(job_state_name((enum job_state)i),
		    &j) == OPS_OK && (int)j == i;
	ok(good, "job state names round-trip");
	good = 1;
	for (i = RUN_STATE_QUEUED; i <= RUN_STATE_INTERRUPTED; i++)
		good &= run_state_parse(run_state_name((enum run_state)i),
		    &r) == OPS_OK && (int)r == i;
	ok(good, "run state names round-trip");
	good = 1;
	for (i = RUN_CLASS_NONE; i <= RUN_CLASS_INTERRUPTED; i++)
		good &= run_class_parse(run_class_name((enum run_class)i),
		    &c) == OPS_OK && (int)c == i;
	ok(good, "run class names round-trip");
	ok(strcmp(job_state_name((enum job_state)0), "unknown") == 0 &&
	    strcmp(run_state_name((enum run_state)99), "unknown") == 0 &&
	    strcmp(run_class_name((enum run_class)-1), "unknown") == 0 &&
	    strcmp(reach_name((enum reach)7), "unknown") == 0,
	    "out-of-range values are named unknown");
	r = RUN_STATE_OK;
	ok(run_state_parse("bogus", &r) == OPS_E_INVAL && r == RUN_STATE_OK &&
	    run_state_parse(NULL, &r) == OPS_E_INVAL,
	    "unknown names are refused and leave the output alone");
	ok(strcmp(run_class_name(RUN_CLASS_REFUSED), "connection-refused")
	    == 0 && strcmp(run_class_name(RUN_CLASS_SUDO), "sudo") == 0 &&
	    strcmp(run_class_name(RUN_CLASS_NONE), "ok") == 0,
	    "class names are the engine's");

	ok(!job_state_is_final(JOB_STATE_QUEUED) &&
	    !job_state_is_final(JOB_STATE_RUNNING) &&
	    job_state_is_final(JOB_STATE_DONE) &&
	    job_state_is_final(JOB_STATE_INTERRUPTED),
	    "job states: queued and running are not final");
	ok(!run_state_is_final(RUN_STATE_QUEUED) &&
	    !run_state_is_final(RUN_STATE_RUNNING) &&
	    run_state_is_final(RUN_STATE_TIMEOUT) &&
	    run_state_is_final(RUN_STATE_CANCELLED),
	    "run states: queued and running are not final");
	ok(!job_state_name_is_final(NULL) &&
	    !job_state_name_is_final("running") &&
	    job_state_name_is_final("done") &&
	    job_state_name_is_final("some-new-state") &&
	    job_state_name_is_final("") &&
	    !run_state_name_is_final("queued") &&
	    run_state_name_is_final("ok"),
	    "by name: NULL is not final, an unknown name is");
	ok(run_state_has_result(RUN_STATE_OK) &&
	    run_state_has_result(RUN_STATE_ERROR) &&
	    !run_state_has_result(RUN_STATE_CANCELLED) &&
	    !run_state_has_result(RUN_STATE_INTERRUPTED) &&
	    !run_state_has_result(RUN_STATE_RUNNING),
	    "only ok, failed, timeout and error say something of a target");
}

static void
test_reach(void)
{
	ok(reach_of_run(RUN_STATE_OK, RUN_CLASS_NONE) == REACH_REACHABLE &&
	    reach_of_run(RUN_STATE_FAILED, RUN_CLASS_EXIT) ==
	    REACH_REACHABLE &&
	    reach_of_run(RUN_STATE_TIMEOUT, RUN_CLASS_TIMEOUT) ==
	    REACH_REACHABLE, "a result means reachable");
	ok(reach_of_run(RUN_STATE_ERROR, RUN_CLASS_REFUSED) ==
	    REACH_UNREACHABLE &&
	    reach_of_run(RUN_STATE_ERROR, RUN_CLASS_AUTH) ==
	    REACH_UNREACHABLE &&
	    reach_of_run(RUN_STATE_ERROR, RUN_CLASS_HOSTKEY_CHANGED) ==
	    REACH_UNREACHABLE, "errors before authentication: unreachable");
	ok(reach_of_run(RUN_STATE_ERROR, RUN_CLASS_SFTP) == REACH_REACHABLE &&
	    reach_of_run(RUN_STATE_ERROR, RUN_CLASS_CHANNEL) ==
	    REACH_REACHABLE, "errors after authentication: reachable");
	ok(reach_of_run(RUN_STATE_ERROR, RUN_CLASS_INTERNAL) ==
	    REACH_UNKNOWN &&
	    reach_of_run(RUN_STATE_ERROR, RUN_CLASS_CONFIG) == REACH_UNKNOWN &&
	    reach_of_run(RUN_STATE_ERROR, RUN_CLASS_NONE) == REACH_UNKNOWN &&
	    reach_of_run(RUN_STATE_CANCELLED, RUN_CLASS_NONE) ==
	    REACH_UNKNOWN && reach_of_run((enum run_state)0,
	    RUN_CLASS_NONE) == REACH_UNKNOWN,
	    "local errors, no class and no result: unknown");
	ok(strcmp(reach_name(REACH_UNREACHABLE), "unreachable") == 0 &&
	    strcmp(reach_name(REACH_REACHABLE), "reachable") == 0,
	    "reach names");
}

static void
test_error_form(void)
{
	enum run_class	 c;
	const char	*text;
	char		*s;

	s = run_error_join(RUN_CLASS_EXIT, "command exited with status 3");
	ok(s != NULL && strcmp(s, "exit: command exited with status 3") == 0,
	    "join: class: message");
	free(s);
	s = run_error_join(RUN_CLASS_NONE, "cancelled");
	ok(s != NULL && strcmp(s, "cancelled") == 0, "join: no class");
	free(s);
	ok(run_error_join(RUN_CLASS_NONE, NULL) == NULL, "join: nothing");
	s = run_error_join(RUN_CLASS_AUTH, NULL);
	ok(s != NULL && strcmp(s, "auth") == 0, "join: a class alone");
	free(s);

	run_error_split("connection-refused: connect to t: refused", &c,
	    &text);
	ok(c == RUN_CLASS_REFUSED && strcmp(text, "connect to t: refused") ==
	    0, "split: the class and the message after it");
	run_error_split("frob: x", &c, &text);
	ok(c == RUN_CLASS_NONE && strcmp(text, "frob: x") == 0,
	    "split: an unknown word is no class");
	run_error_split("ok: x", &c, &text);
	ok(c == RUN_CLASS_NONE && strcmp(text, "ok: x") == 0,
	    "split: ok is no class");
	run_error_split(NULL, &c, &text);
	ok(c == RUN_CLASS_NONE && text == NULL, "split: NULL");
	run_error_split("a-very-long-word-longer-than-thirty-two-bytes: x",
	    &c, NULL);
	ok(c == RUN_CLASS_NONE, "split: a long word is no class");
}

static int
sel(const char *text, enum selector_kind kind, const char *arg)
{
	struct selector	s;

	if (selector_parse(text, &s, NULL) != OPS_OK)
		return 0;
	return s.kind == kind && (arg == NULL ? s.arg == NULL :
	    s.arg != NULL && strcmp(s.arg, arg) == 0);
}

static int
refused(const char *text)
{
	struct selector	s;
	struct ops_err	err;

	err.msg[0] = '\0';
	return selector_parse(text, &s, &err) == OPS_E_INVAL &&
	    err.msg[0] != '\0';
}

static void
test_selector_parse(void)
{
	char	long_s[4096];

	ok(sel("all", SELECTOR_ALL, NULL), "all");
	ok(sel("tag:web", SELECTOR_TAG, "web"), "tag:web");
	ok(sel("web*", SELECTOR_GLOB, "web*") &&
	    sel("t[12]", SELECTOR_GLOB, "t[12]") &&
	    sel("t[!0-9]?", SELECTOR_GLOB, "t[!0-9]?") &&
	    sel("t[^a]", SELECTOR_GLOB, "t[^a]") &&
	    sel("*", SELECTOR_GLOB, "*"), "globs");
	ok(sel("web1", SELECTOR_NAME, "web1") &&
	    sel("a.b_c-d", SELECTOR_NAME, "a.b_c-d") &&
	    sel("allx", SELECTOR_NAME, "allx") &&
	    sel("ALL", SELECTOR_NAME, "ALL"), "names");
	ok(refused("") && refused(NULL), "empty is refused");
	ok(refused("tag:") && refused("tag:a b") && refused("tag:-x") &&
	    refused("tag:web*") && refused("tag:tag:x"),
	    "a bad tag is refused");
	ok(refused("a b") && refused("-x") && refused("a/b") &&
	    refused("a\\*") && refused("x\n") && refused("\x1b[2J") &&
	    refused("caf\xc3\xa9"), "spaces, options, control and non-ASCII "
	    "bytes are refused");
	ok(refused("[") && refused("web[") && refused("w[a-") &&
	    refused("w[]") && refused("w[!]") && refused("w[a*]") &&
	    refused("-*") && refused("w]*") && refused("w!*"),
	    "bad globs are refused");
	memset(long_s, 'a', sizeof(long_s) - 1);
	long_s[sizeof(long_s) - 1] = '\0';
	ok(refused(long_s), "a 4095-byte selector is refused");
	long_s[SELECTOR_MAX] = '\0';
	long_s[0] = '*';
	ok(sel(long_s, SELECTOR_GLOB, long_s), "a %d-byte glob is accepted",
	    SELECTOR_MAX);
	long_s[0] = 'a';
	ok(refused(long_s), "a %d-byte name is refused (names are at most "
	    "64)", SELECTOR_MAX);
	long_s[64] = '\0';
	ok(sel(long_s, SELECTOR_NAME, long_s), "a 64-byte name is accepted");
	long_s[65] = '\0';
	long_s[64] = 'a';
	ok(refused(long_s), "a 65-byte name is refused");
}

static int
m(const char *text, const char *name, const char *const *tags,
    size_t ntags)
{
	struct selector	s;

	if (selector_parse(text, &s, NULL) != OPS_OK)
		return -1;
	return selector_match(&s, name, tags, ntags);
}

static void
test_selector_match(void)
{
	const char *const	tags[] = { "prod", "web" };

	ok(m("all", "x", NULL, 0) == 1, "all matches anything");
	ok(m("tag:web", "x", tags, 2) == 1 && m("tag:we", "x", tags, 2) == 0 &&
	    m("tag:web", "web", NULL, 0) == 0, "a tag matches exactly, "
	    "never the name");
	ok(m("web*", "web1", NULL, 0) == 1 && m("web*", "db1", NULL, 0) == 0 &&
	    m("t[12]", "t2", NULL, 0) == 1 && m("t[12]", "t3", NULL, 0) == 0 &&
	    m("t[!12]", "t3", NULL, 0) == 1 && m("t?", "t10", NULL, 0) == 0,
	    "globs match the whole name");
	ok(m("web1", "web1", NULL, 0) == 1 && m("web1", "web10", NULL, 0) ==
	    0 && m("Web1", "web1", NULL, 0) == 0, "a name matches exactly");
	ok(m("web*", NULL, NULL, 0) == 0 && m("web1", NULL, NULL, 0) == 0,
	    "no name matches no glob or name");
}

/* ---- fuzz: random selectors against a regex oracle ------------------- */

static uint64_t
next(uint64_t *x)
{
	*x ^= *x << 13;
	*x ^= *x >> 7;
	*x ^= *x << 17;
	return *x;
}

static const char *const pieces[] = {
	"a", "Z", "0", ".", "_", "-", "*", "?", "[", "]", "!", "^", ":",
	"tag:", "all", " ", "\\", "/", "\x01", "\x7f", "\xc3\xa9", "web",
	"0-9]", "[a-", "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa",
};
#define NPIECES	(sizeof(pieces) / sizeof(pieces[0]))

#define NAMEC	"[A-Za-z0-9._-]"
#define NAME1	"[A-Za-z0-9._]" NAMEC "{0,63}"
#define SET	"\\[[!^]?" NAMEC "+]"
#define GLOBC	"([A-Za-z0-9._*?-]|" SET ")"

static void
test_fuzz(void)
{
	regex_t		 re_all, re_glob, re_gchar;
	uint64_t	 x = 0x9e3779b97f4a7c15ULL;
	char		 buf[SELECTOR_MAX * 2];
	struct selector	 s;
	size_t		 len, k, n;
	int		 i, accepted = 0, want = 0, agree = 1, safe = 1;
	int		 is_glob, in;

	/* all | tag:NAME | NAME, and globs: what model.h says is valid. */
	if (regcomp(&re_all, "^(all|tag:" NAME1 "|" NAME1 ")$",
	    REG_EXTENDED | REG_NOSUB) != 0 ||
	    regcomp(&re_glob, "^([A-Za-z0-9._*?]|" SET ")" GLOBC "*$",
	    REG_EXTENDED | REG_NOSUB) != 0 ||
	    regcomp(&re_gchar, "[*?[]", REG_EXTENDED | REG_NOSUB) != 0) {
		ok(0, "compile the oracle");
		return;
	}
	for (i = 0; i < 20000; i++) {
		len = 0;
		n = next(&x) % 12;
		for (k = 0; k < n; k++) {
			const char *p = pieces[next(&x) % NPIECES];
			size_t pl = strlen(p);

			if (len + pl >= sizeof(buf))
				break;
			memcpy(buf + len, p, pl);
			len += pl;
		}
		buf[len] = '\0';
		is_glob = !(len >= 4 && memcmp(buf, "tag:", 4) == 0) &&
		    !(len == 3 && memcmp(buf, "all", 3) == 0) &&
		    regexec(&re_gchar, buf, 0, NULL, 0) == 0;
		if (len > SELECTOR_MAX)
			in = 0;
		else if (is_glob)
			in = regexec(&re_glob, buf, 0, NULL, 0) == 0;
		else
			in = regexec(&re_all, buf, 0, NULL, 0) == 0;
		want += in;
		if (selector_parse(buf, &s, NULL) == OPS_OK) {
			accepted++;
			if (!in) {
				agree = 0;
				diag("accepted, the oracle refuses: \"%s\"",
				    buf);
			}
			/* Matching never crashes; a name matches itself. */
			if (selector_match(&s, "web1", NULL, 0) < 0 ||
			    (s.kind == SELECTOR_NAME &&
			    selector_match(&s, buf, NULL, 0) != 1))
				safe = 0;
		} else if (in) {
			agree = 0;
			diag("refused, the oracle accepts: \"%s\"", buf);
		}
	}
	regfree(&re_all);
	regfree(&re_glob);
	regfree(&re_gchar);
	is_int(accepted, want, "fuzz: the parser accepts exactly what the "
	    "oracle does (%d of 20000)", accepted);
	ok(agree, "fuzz: no input where parser and oracle disagree");
	ok(accepted > 500 && accepted < 19500, "fuzz: both paths are "
	    "exercised (%d accepted)", accepted);
	ok(safe, "fuzz: every accepted selector matches safely");
}

int
main(void)
{
	plan_no_plan();
	test_states();
	test_reach();
	test_error_form();
	test_selector_parse();
	test_selector_match();
	test_fuzz();
	return exit_status();
}

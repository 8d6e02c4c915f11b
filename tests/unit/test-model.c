/*
 * test-model.c: the shared models (core/model.h): state and class name
 * tables round-trip, "is this state final", reachability, the joined
 * "class: message" form, and the target selector parser and matcher,
 * terms and expressions (',' lists, "&TERM", "!TERM", -x), with hostile
 * input and fuzz loops whose accepted counts are checked against an
 * independent oracle (POSIX regular expressions; for expressions, the
 * selected targets also against set arithmetic on bit masks).
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

	for (i = JOB_STATE_QUEUED; i <= JOB_STATE_LAST; i++)
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
	    job_state_is_final(JOB_STATE_INTERRUPTED) &&
	    !job_state_is_final(JOB_STATE_AWAITING_APPROVAL) &&
	    job_state_is_final(JOB_STATE_REJECTED) &&
	    job_state_is_final(JOB_STATE_EXPIRED) &&
	    !job_state_name_is_final("awaiting-approval") &&
	    strcmp(job_state_name(JOB_STATE_AWAITING_APPROVAL),
	    "awaiting-approval") == 0,
	    "job states: queued, running and awaiting-approval are not final");
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

/* The term oracle: what model.h says a valid term is. */
static regex_t	re_all, re_glob, re_gchar;

static int
oracle_init(void)
{
	/* all | tag:NAME | NAME, and globs: what model.h says is valid. */
	return regcomp(&re_all, "^(all|tag:" NAME1 "|" NAME1 ")$",
	    REG_EXTENDED | REG_NOSUB) == 0 &&
	    regcomp(&re_glob, "^([A-Za-z0-9._*?]|" SET ")" GLOBC "*$",
	    REG_EXTENDED | REG_NOSUB) == 0 &&
	    regcomp(&re_gchar, "[*?[]", REG_EXTENDED | REG_NOSUB) == 0;
}

static void
oracle_done(void)
{
	regfree(&re_all);
	regfree(&re_glob);
	regfree(&re_gchar);
}

static int
oracle_term(const char *buf)
{
	size_t	len = strlen(buf);
	int	is_glob;

	is_glob = !(len >= 4 && memcmp(buf, "tag:", 4) == 0) &&
	    !(len == 3 && memcmp(buf, "all", 3) == 0) &&
	    regexec(&re_gchar, buf, 0, NULL, 0) == 0;
	if (len > SELECTOR_MAX)
		return 0;
	if (is_glob)
		return regexec(&re_glob, buf, 0, NULL, 0) == 0;
	return regexec(&re_all, buf, 0, NULL, 0) == 0;
}

/* Random text from pieces (n of them at most), NUL-terminated. */
static size_t
fuzz_text(uint64_t *x, const char *const *pv, size_t np, size_t maxn,
    char *buf, size_t size)
{
	size_t	len = 0, k, n = next(x) % maxn;

	for (k = 0; k < n; k++) {
		const char *p = pv[next(x) % np];
		size_t pl = strlen(p);

		if (len + pl >= size)
			break;
		memcpy(buf + len, p, pl);
		len += pl;
	}
	buf[len] = '\0';
	return len;
}

static void
test_fuzz(void)
{
	uint64_t	 x = 0x9e3779b97f4a7c15ULL;
	char		 buf[SELECTOR_MAX * 2];
	struct selector	 s;
	int		 i, accepted = 0, want = 0, agree = 1, safe = 1;
	int		 in;

	if (!oracle_init()) {
		ok(0, "compile the oracle");
		return;
	}
	for (i = 0; i < 20000; i++) {
		(void)fuzz_text(&x, pieces, NPIECES, 12, buf, sizeof(buf));
		in = oracle_term(buf);
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
	oracle_done();
	is_int(accepted, want, "fuzz: the parser accepts exactly what the "
	    "oracle does (%d of 20000)", accepted);
	ok(agree, "fuzz: no input where parser and oracle disagree");
	ok(accepted > 500 && accepted < 19500, "fuzz: both paths are "
	    "exercised (%d accepted)", accepted);
	ok(safe, "fuzz: every accepted selector matches safely");
}

/* ---- expressions --------------------------------------------------- */

static void
is_str(const char *got, const char *want, const char *name)
{
	if (!ok(strcmp(got, want) == 0, "%s", name))
		diag("  got \"%s\", want \"%s\"", got, want);
}

/* re (extended) matches got, or (neg) does not. */
static void
like_re(const char *got, const char *re, int neg, const char *name)
{
	regex_t	r;
	int	hit;

	if (regcomp(&r, re, REG_EXTENDED | REG_NOSUB) != 0) {
		ok(0, "%s (bad pattern)", name);
		return;
	}
	hit = regexec(&r, got, 0, NULL, 0) == 0;
	regfree(&r);
	if (!ok(hit != neg, "%s", name))
		diag("  got \"%s\", %s /%s/", got, neg ? "unlike" : "like",
		    re);
}

#define like(got, re, name)	like_re(got, re, 0, name)
#define unlike(got, re, name)	like_re(got, re, 1, name)

/* The items of text as "op:term" joined by spaces ("" when refused). */
static const char *
items(const char *text, int exclude)
{
	static char		 out[512];
	struct selector_set	 set;
	size_t			 i, off = 0;
	const char		*ops[] = { "?", "+", "&", "!" };

	out[0] = '\0';
	selector_set_init(&set);
	if (selector_set_add(&set, text, exclude, NULL) != OPS_OK)
		return out;
	for (i = 0; i < set.n && off < sizeof(out); i++)
		off += (size_t)snprintf(out + off, sizeof(out) - off, "%s%s%s",
		    i > 0 ? " " : "", ops[set.v[i].op], set.v[i].text);
	selector_set_done(&set);
	return out;
}

/* The error for text ("" when it parses). */
static const char *
set_err(const char *text, int exclude)
{
	static struct ops_err	 err;
	struct selector_set	 set;

	err.msg[0] = '\0';
	selector_set_init(&set);
	if (selector_set_add(&set, text, exclude, &err) == OPS_OK) {
		selector_set_done(&set);
		return "";
	}
	return err.msg;
}

static void
test_set_parse(void)
{
	struct selector_set	 set;
	const char		*two[] = { "web1,web2", "!db1" };

	is_str(items("web1,web2,tag:db", 0), "+web1 +web2 +tag:db",
	    "a comma list");
	is_str(items("web1, web2 ,\tweb3", 0), "+web1 +web2 +web3",
	    "blanks around commas");
	is_str(items("web1 web2", 0), "+web1 +web2", "blanks separate too");
	is_str(items("web* & tag:eu", 0), "+web* &tag:eu",
	    "\"web* & tag:eu\": an intersection");
	is_str(items("web*,&tag:eu,!web3", 0), "+web* &tag:eu !web3",
	    "union, intersection and exclusion");
	is_str(items("!tag:db", 0), "!tag:db", "an exclusion alone");
	is_str(items("! web3", 0), "!web3", "a blank after '!'");
	is_str(items("t[!0-9],x[!a]", 0), "+t[!0-9] +x[!a]",
	    "'!' inside a glob's brackets is the glob's");
	is_str(items("web1,db*", 1), "!web1 !db*",
	    "-x: each plain term is an exclusion");
	ok(*set_err("", 0) != '\0' && *set_err("  \t", 0) != '\0' &&
	    *set_err(NULL, 0) != '\0', "empty is refused");
	like(set_err("a,", 0), "\"a,\" ends with ','", "a trailing comma "
	    "is refused, quoting the selector");
	like(set_err("a,,b", 0), "\"a,,b\" has an empty term", "an empty "
	    "term is refused");
	ok(*set_err(",a", 0) != '\0', "a leading comma is refused");
	like(set_err("web*,&", 0), "\"web\\*,&\": '&' needs a term",
	    "a dangling '&' is refused, quoting the selector");
	like(set_err("a, ! ,b", 0), "'!' needs a term", "a dangling '!'");
	ok(*set_err("!!a", 0) != '\0' && *set_err("&!a", 0) != '\0' &&
	    *set_err("a!b", 0) != '\0' && *set_err("a&b", 0) != '\0',
	    "doubled and inner operators are refused");
	like(set_err("!a", 1), "-x takes plain terms", "-x refuses '!'");
	ok(*set_err("&a", 1) != '\0', "-x refuses '&'");
	like(set_err("web1,we b[", 0), "b\\[: the glob has an unclosed",
	    "a bad term is refused with the term's own message");
	like(set_err("web1,\x1b[2J", 0), "^target selector", "control "
	    "bytes are refused");
	unlike(set_err("web1,\x1b[2J*", 0), "\x1b", "a bad glob's message "
	    "never quotes an escape byte");
	unlike(set_err("\x1b]0;x\x07,", 0), "\x1b", "the message never "
	    "quotes an escape byte");

	selector_set_init(&set);
	ok(selector_set_add(&set, "a,b", 0, NULL) == OPS_OK &&
	    selector_set_add(&set, "c,d[", 0, NULL) == OPS_E_INVAL &&
	    set.n == 2 && set.nadd == 2, "a refused expression leaves the "
	    "set as it was");
	selector_set_done(&set);
	ok(set.n == 0 && set.v == NULL, "set_done empties the set");
	ok(selector_set_parse(&set, two, 2, NULL) == OPS_OK && set.n == 3 &&
	    set.nadd == 2, "several expressions add up");
	selector_set_done(&set);

	ok(!selector_text_is_expression("web") &&
	    !selector_text_is_expression("disk full") &&
	    !selector_text_is_expression("web1 web2") &&
	    !selector_text_is_expression("a-b.c") &&
	    !selector_text_is_expression(NULL), "free text is no "
	    "expression");
	ok(selector_text_is_expression("tag:x") &&
	    selector_text_is_expression("web*") &&
	    selector_text_is_expression("a,b") &&
	    selector_text_is_expression("!a") &&
	    selector_text_is_expression("x !a") &&
	    selector_text_is_expression("x & y") &&
	    selector_text_is_expression("all") &&
	    selector_text_is_expression("x tag:y"), "selector syntax makes "
	    "an expression");
}

/* The universe of the match tests: five targets and their tags. */
static const char *const unames[] = { "web1", "web2", "web3", "db1",
	"db2" };
static const char *const utags[][2] = { { "eu", "web" }, { "us", "web" },
	{ "eu", "web" }, { "eu", "db" }, { "us", "db" } };
#define UN	5

/* The targets texts select, as names joined by spaces. */
static const char *
picks(const char *const *texts, size_t n, const char *x)
{
	static char		 out[256];
	struct selector_set	 set;
	size_t			 i, off = 0;

	snprintf(out, sizeof(out), "(refused)");
	if (selector_set_parse(&set, texts, n, NULL) != OPS_OK ||
	    (x != NULL && selector_set_add(&set, x, 1, NULL) != OPS_OK)) {
		selector_set_done(&set);
		return out;
	}
	out[0] = '\0';
	for (i = 0; i < UN; i++)
		if (selector_set_match(&set, unames[i], utags[i], 2))
			off += (size_t)snprintf(out + off, sizeof(out) - off,
			    "%s%s", off > 0 ? " " : "", unames[i]);
	selector_set_done(&set);
	return out;
}

static const char *
pick1(const char *text)
{
	return picks(&text, 1, NULL);
}

static void
test_set_match(void)
{
	const char	*args[] = { "web1", "tag:db" };
	const char	*args2[] = { "web*", "&tag:eu", "!web3" };

	is_str(pick1("web1,web2,tag:db"), "web1 web2 db1 db2",
	    "a comma list is a union");
	is_str(pick1("web*,&tag:eu"), "web1 web3", "'&' intersects");
	is_str(pick1("web* & tag:eu"), "web1 web3", "'&' with blanks");
	is_str(pick1("web*,&tag:eu,!web3"), "web1", "'!' removes, after "
	    "the intersection");
	is_str(pick1("!web3,web*,&tag:eu"), "web1", "the order of the "
	    "items does not matter");
	is_str(pick1("!tag:db"), "web1 web2 web3", "'!' alone removes from "
	    "every target");
	is_str(pick1("&tag:eu"), "web1 web3 db1", "'&' alone narrows every "
	    "target");
	is_str(pick1("all,!web*"), "db1 db2", "all minus a glob");
	is_str(pick1("tag:eu,&tag:us"), "", "disjoint terms select nothing");
	is_str(pick1("web1,!web1"), "", "a term removed again");
	is_str(picks(args, 2, NULL), "web1 db1 db2", "arguments add up like "
	    "a comma list");
	is_str(picks(args2, 3, NULL), "web1", "an '&' or '!' argument "
	    "combines with the others");
	is_str(picks(args, 2, "db2,web*"), "db1", "-x removes each of its "
	    "terms");
	is_str(pick1("[wd]*1"), "web1 db1", "a glob in a set");
}

/* Expression oracle: items are "[!&] blanks TERM" separated by ',' or
 * blanks (model.h); each TERM must pass the term oracle. */
static int
oracle_set(const char *buf, int *ops, char terms[][SELECTOR_MAX * 2 + 1],
    size_t *nterms)
{
	regex_t		 re;
	regmatch_t	 m[4];
	const char	*p = buf;
	size_t		 n = 0, tl;
	int		 good = 1, comma = 0;

	*nterms = 0;
	if (regcomp(&re, "^[ \t]*([!&]?)[ \t]*([^ \t,]+)[ \t]*(,?)",
	    REG_EXTENDED) != 0)
		return -1;
	for (;;) {
		while (*p == ' ' || *p == '\t')
			p++;
		if (*p == '\0') {
			good = n > 0 && !comma;
			break;
		}
		if (regexec(&re, p, 4, m, 0) != 0) {
			good = 0;
			break;
		}
		tl = (size_t)(m[2].rm_eo - m[2].rm_so);
		memcpy(terms[n], p + m[2].rm_so, tl);
		terms[n][tl] = '\0';
		ops[n] = m[1].rm_eo > m[1].rm_so ? p[m[1].rm_so] : '+';
		if (!oracle_term(terms[n])) {
			good = 0;
			break;
		}
		n++;
		comma = m[3].rm_eo > m[3].rm_so;
		p += m[0].rm_eo;
	}
	regfree(&re);
	*nterms = n;
	return good;
}

static const char *const set_pieces[] = {
	"web1", "web*", "db?", "tag:eu", "tag:db", "all", "t[!0-9]", ",",
	", ", " ", "\t", "!", "&", "& ", "! ", "[", "-", "\x01", "x",
	"tag:", "\xc3\xa9",
};
#define NSETPIECES	(sizeof(set_pieces) / sizeof(set_pieces[0]))

static void
test_set_fuzz(void)
{
	static char		 terms[64][SELECTOR_MAX * 2 + 1];
	struct selector_set	 set;
	struct selector		 one;
	uint64_t		 x = 0x2545f4914f6cdd1dULL;
	char			 buf[SELECTOR_MAX * 2];
	int			 ops[64], i, in, accepted = 0, want = 0;
	int			 agree = 1, same = 1;
	unsigned		 u, mask, addm, t, tm[64];
	size_t			 k, nt;

	if (!oracle_init()) {
		ok(0, "compile the oracle");
		return;
	}
	for (i = 0; i < 20000; i++) {
		(void)fuzz_text(&x, set_pieces, NSETPIECES, 9, buf,
		    sizeof(buf));
		if ((in = oracle_set(buf, ops, terms, &nt)) < 0) {
			ok(0, "compile the expression oracle");
			break;
		}
		want += in;
		selector_set_init(&set);
		if (selector_set_add(&set, buf, 0, NULL) != OPS_OK) {
			if (in) {
				agree = 0;
				diag("refused, the oracle accepts: \"%s\"",
				    buf);
			}
			continue;
		}
		accepted++;
		if (!in || set.n != nt) {
			agree = 0;
			diag("accepted, the oracle refuses: \"%s\"", buf);
			selector_set_done(&set);
			continue;
		}
		/* Selected targets: set arithmetic on masks of the
		 * oracle's own terms. */
		addm = 0;
		for (k = 0; k < nt; k++) {
			(void)selector_parse(terms[k], &one, NULL);
			for (t = 0, u = 0; u < UN; u++)
				if (selector_match(&one, unames[u],
				    utags[u], 2))
					t |= 1u << u;
			tm[k] = t;
			addm |= ops[k] == '+';
		}
		mask = addm ? 0 : (1u << UN) - 1;
		for (k = 0; k < nt; k++)
			if (ops[k] == '+')
				mask |= tm[k];
		for (k = 0; k < nt; k++)
			if (ops[k] == '&')
				mask &= tm[k];
			else if (ops[k] == '!')
				mask &= ~tm[k];
		for (u = 0; u < UN; u++)
			if (selector_set_match(&set, unames[u], utags[u], 2) !=
			    (int)((mask >> u) & 1)) {
				same = 0;
				diag("\"%s\" on %s: the masks disagree", buf,
				    unames[u]);
			}
		selector_set_done(&set);
	}
	oracle_done();
	is_int(accepted, want, "set fuzz: the parser accepts exactly what "
	    "the oracle does (%d of 20000)", accepted);
	ok(agree, "set fuzz: no input where parser and oracle disagree");
	ok(accepted > 500 && accepted < 19500, "set fuzz: both paths are "
	    "exercised (%d accepted)", accepted);
	ok(same, "set fuzz: every accepted expression selects what set "
	    "arithmetic says");
}

/* ---- ad-hoc hosts ---------------------------------------------------- */

/* The canonical name of text (name set) or its error, "" for none. */
static const char *
host_try(const char *text, int name)
{
	static struct ops_err		err;
	static struct adhoc_host	h;
	int				rc;

	err.msg[0] = '\0';
	rc = adhoc_host_parse(text, &h, &err);
	if (name)
		return rc == OPS_OK ? h.name : "";
	return rc == OPS_OK ? "" : err.msg;
}

#define host_name(t)	host_try((t), 1)
#define host_err(t)	host_try((t), 0)

static void
test_adhoc_host(void)
{
	static const struct {
		const char	*text, *re, *name;
	} bad[] = {
		{ "::1", "brackets", "a bare IPv6 is refused" },
		{ "[::1", "no '\\]'", "an unclosed bracket" },
		{ "[10.0.0.1]:22", "no IPv6 address", "IPv4 in brackets" },
		{ "[::1]x", "after ']'", "junk after the bracket" },
		{ "h:0", "port", "port 0" },
		{ "h:65536", "port", "port 65536" },
		{ "h:123456", "port", "a six-digit port" },
		{ "h:+22", "port", "a signed port" },
		{ "h:", "empty port", "an empty port" },
		{ "@h", "empty user", "an empty user" },
		{ "a@b@h", "more than one '@'", "two '@'" },
		{ "-u@h", "starting with '-'", "a user like an option" },
		{ "r;oot@h", "no user name has", "a shell character in the "
		    "user" },
		{ "-h", "starting with '-'", "a host like an option" },
		{ "h..x", "empty label", "an empty label" },
		{ "h/x", "no host name has", "a slash" },
		{ "h x", "space", "a space" },
		{ "h\x1b[2J", "control", "an escape byte" },
		{ "caf\xc3\xa9", "non-ASCII", "non-ASCII" },
	};
	struct adhoc_host	h;
	char			long_s[300];
	size_t			i;

	is_str(host_name("web1"), "web1:22", "a name gets port 22");
	is_str(host_name("root@10.0.0.5:2222"), "root@10.0.0.5:2222",
	    "user, IPv4 and port");
	is_str(host_name("a.b-c.example"), "a.b-c.example:22", "a DNS name");
	is_str(host_name("[::1]:2201"), "[::1]:2201", "IPv6 in brackets");
	is_str(host_name("u_1.x-y@[2001:db8::5]"), "u_1.x-y@[2001:db8::5]:22",
	    "a user and IPv6 without a port");
	ok(adhoc_host_parse("ops@[fe80::1]:65535", &h, NULL) == OPS_OK &&
	    strcmp(h.user, "ops") == 0 && strcmp(h.host, "fe80::1") == 0 &&
	    h.port == 65535 && h.ipv6, "the parts of a host");
	ok(adhoc_host_is_name(host_name("web1")) && !adhoc_host_is_name("web1")
	    && !adhoc_host_is_name(NULL), "a canonical name is never a "
	    "target name");
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		like(host_err(bad[i].text), bad[i].re, bad[i].name);
	unlike(host_err("h\x1b[2J"), "\x1b", "never quoted");
	ok(*host_err("") != '\0' && *host_err(NULL) != '\0', "empty");
	memset(long_s, 'a', sizeof(long_s) - 1);
	long_s[sizeof(long_s) - 1] = '\0';
	like(host_err(long_s), "longer than 255", "too long");
	memset(long_s, 'a', 64);
	long_s[64] = '\0';
	like(host_err(long_s), "label longer than 63", "a 64-byte label");
	long_s[0] = 'u';
	long_s[33] = '@';
	long_s[34] = 'h';
	long_s[35] = '\0';
	like(host_err(long_s), "user longer than 32", "a 33-byte user");
	memset(long_s, 'a', 255);
	for (i = 60; i < 255; i += 61)
		long_s[i] = '.';
	long_s[253] = '\0';
	like(host_err(long_s), "longer than 255 bytes with its port",
	    "a 253-byte name is refused: with \":22\" it is 256 bytes");
	long_s[252] = '\0';
	is_int(strlen(host_name(long_s)), 255, "a 252-byte name is taken "
	    "(255 with its port)");
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
	test_set_parse();
	test_set_match();
	test_set_fuzz();
	test_adhoc_host();
	return exit_status();
}

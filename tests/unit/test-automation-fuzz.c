/*
 * test-automation-fuzz.c: run the automation fuzz entry over a seed
 * corpus and deterministic mutants of it.
 *
 * The seeds are valid automations in YAML and JSON (every field, every
 * step kind and parameter type). A seeded PRNG mutates them (bit flips,
 * byte changes, YAML and JSON syntax spliced in: anchors, aliases,
 * tags, brackets, quotes, indentation, documents, NUL and bad UTF-8;
 * truncation, duplicated and swapped lines, splices of two seeds, deep
 * nesting, long runs) and hands each to fuzz_automation_one, which
 * checks every outcome is an honest document or a clean refusal. The
 * count is OPS_FUZZ_ITERS (default 20000); run under ASan/UBSan in the
 * sanitizer build.
 */
#include "config.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tap.h"

struct fuzz_automation_stats {
	unsigned long	inputs;
	unsigned long	accepted;
	unsigned long	refused;
	unsigned long	toobig;
	char		why[256];
};

int	fuzz_automation_one(const uint8_t *data, size_t size,
	    struct fuzz_automation_stats *st);

#define MAX_INPUT	16384

static const char *const seeds[] = {
	"name: deploy\n"
	"description: roll it\n"
	"parameters:\n"
	"  - {name: version, type: string, required: true, pattern: "
	"'[0-9.]+', min: 1, max: 16}\n"
	"  - {name: notes, type: text, default: \"a\\nb\"}\n"
	"  - {name: count, type: int, min: 1, max: 10, default: 3}\n"
	"  - {name: ratio, type: float, min: 0.5, max: 2.5, default: 1}\n"
	"  - {name: dry, type: bool, default: no}\n"
	"  - {name: env, type: choice, choices: [prod, dev], default: dev}\n"
	"  - {name: parts, type: multi, choices: [a, b], default: [a]}\n"
	"  - {name: token, type: secret}\n"
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
	"      echo hi\n"
	"  - script: {file: s.sh, interpreter: bash}\n"
	"  - upload: {src: a.conf, dest: /etc/a.conf, mode: 0640}\n"
	"  - upload: {content: \"x\\n\", dest: /tmp/x}\n"
	"  - download: {src: /var/log/a, dest: /logs}\n"
	"rollout: {batch: 25%, max_failures: 1, order: [tag:canary], "
	"forks: 4}\n"
	"timeout: 5m\n"
	"approval: {required: 2, approvers: [a, \"@ops\"], expires: 1h}\n"
	"notify: {on: [failure]}\n",

	"{\"name\": \"j\", \"parameters\": [{\"name\": \"n\", \"type\": "
	"\"int\", \"default\": 2, \"min\": 0}, {\"name\": \"c\", \"type\": "
	"\"choice\", \"choices\": [\"x\", \"y\"]}], \"targets\": \"all\", "
	"\"steps\": [{\"command\": \"echo $OPSICLE_PARAM_N\", \"timeout\": "
	"30}, {\"script\": {\"content\": \"ls\"}}, {\"download\": {\"src\": "
	"\"/a\", \"dest\": \"/b\"}}], \"rollout\": {\"batch\": 2, "
	"\"max_failures\": \"10%\"}, \"approval\": {\"totp\": true, "
	"\"reason\": \"optional\"}, \"notify\": {\"a\": [1, 2.5, null, "
	"true]}}\n",

	"name: small\nsteps:\n  - command: uptime\n",

	"# comments\n---\nname: doc\nsteps:\n- command: >\n    folded\n"
	"    text\n  on_failure: stop\n...\n",
};

static const char *const tokens[] = {
	"&a ", "*a", "!!str ", "!x ", "{", "}", "[", "]", ": ", ", ", "- ",
	"'", "\"", "\n", "\n  ", "\n    ", "---\n", "...\n", "%YAML 1.1\n",
	"? ", "#", "|", ">", "\t", "\\u0000", "\\", "\xff", "\xc3", "\0",
	"null", "~", "true", "yes", "0x10", "1e999", "-", "%", "\r\n",
	"name: ", "steps: ", "command: ", "default: ", "type: multi",
	"choices: []", "mode: 0777", "timeout: 99d", "\"name\": ",
	"\"steps\": [", "9223372036854775808", "\xef\xbb\xbf", "<<: *a",
};

static uint64_t	rng_state = 0x6f70736963656c32ULL;	/* "opsicel2" */

static uint64_t
rng(void)
{
	uint64_t	x = rng_state;

	x ^= x >> 12;
	x ^= x << 25;
	x ^= x >> 27;
	rng_state = x;
	return x * 0x2545F4914F6CDD1DULL;
}

static size_t
rnd(size_t n)
{
	return n == 0 ? 0 : (size_t)(rng() % n);
}

/* Insert len bytes of s at off in buf (length *n, capacity cap). */
static void
insert(uint8_t *buf, size_t *n, size_t cap, size_t off, const void *s,
    size_t len)
{
	if (*n + len > cap)
		len = cap - *n;
	if (off > *n)
		off = *n;
	memmove(buf + off + len, buf + off, *n - off);
	memcpy(buf + off, s, len);
	*n += len;
}

static size_t
line_start(const uint8_t *buf, size_t n, size_t off)
{
	while (off > 0 && off <= n && buf[off - 1] != '\n')
		off--;
	return off;
}

static void
mutate_once(uint8_t *buf, size_t *n, size_t cap)
{
	const char	*t, *s;
	size_t		 off = rnd(*n + 1), len, a, b, i;
	uint8_t		 tmp[512];

	switch (rnd(12)) {
	case 0:			/* bit flip */
		if (*n > 0)
			buf[rnd(*n)] ^= (uint8_t)(1u << rnd(8));
		break;
	case 1:			/* byte change */
		if (*n > 0)
			buf[rnd(*n)] = (uint8_t)rng();
		break;
	case 2:
	case 3:
	case 4:			/* a syntax token */
		t = tokens[rnd(sizeof(tokens) / sizeof(tokens[0]))];
		insert(buf, n, cap, off, t, t[0] == '\0' ? 1 : strlen(t));
		break;
	case 5:			/* delete a run */
		len = rnd(16) + 1;
		if (off + len > *n)
			len = *n - off;
		memmove(buf + off, buf + off + len, *n - off - len);
		*n -= len;
		break;
	case 6:			/* truncate */
		*n = off;
		break;
	case 7:			/* duplicate a line */
		a = line_start(buf, *n, off);
		for (b = a; b < *n && buf[b] != '\n'; b++)
			;
		if (b < *n)
			b++;
		len = b - a < sizeof(tmp) ? b - a : sizeof(tmp);
		memcpy(tmp, buf + a, len);
		insert(buf, n, cap, a, tmp, len);
		break;
	case 8:			/* a piece of another seed */
		s = seeds[rnd(sizeof(seeds) / sizeof(seeds[0]))];
		a = rnd(strlen(s));
		len = rnd(strlen(s) - a) + 1;
		insert(buf, n, cap, off, s + a, len);
		break;
	case 9:			/* deep nesting */
		len = rnd(40) + 1;
		for (i = 0; i < len; i++) {
			t = rnd(2) ? "[" : "{a: ";
			insert(buf, n, cap, off, t, strlen(t));
		}
		break;
	case 10:		/* a long run of one byte */
		len = rnd(300) + 1;
		memset(tmp, "x \n-:[{'\""[rnd(9)], len > sizeof(tmp) ?
		    sizeof(tmp) : len);
		insert(buf, n, cap, off, tmp, len > sizeof(tmp) ?
		    sizeof(tmp) : len);
		break;
	default:		/* change indentation of a line */
		a = line_start(buf, *n, off);
		if (rnd(2))
			insert(buf, n, cap, a, "  ", 2);
		else if (a < *n && buf[a] == ' ') {
			memmove(buf + a, buf + a + 1, *n - a - 1);
			(*n)--;
		}
		break;
	}
}

static size_t
mutate(uint8_t *buf, size_t cap)
{
	const char	*s = seeds[rnd(sizeof(seeds) / sizeof(seeds[0]))];
	size_t		 n = strlen(s), k, rounds = rnd(4) + 1;

	memcpy(buf, s, n);
	for (k = 0; k < rounds; k++)
		mutate_once(buf, &n, cap);
	return n;
}

int
main(void)
{
	struct fuzz_automation_stats	 st;
	uint8_t				*buf;
	const char			*env;
	unsigned long			 iters = 20000, i, broken = 0;
	unsigned long			 seed_accepted;
	size_t				 len, k;

	if ((env = getenv("OPS_FUZZ_ITERS")) != NULL && *env != '\0')
		iters = strtoul(env, NULL, 10);
	plan(5);
	memset(&st, 0, sizeof(st));
	for (k = 0; k < sizeof(seeds) / sizeof(seeds[0]); k++)
		if (fuzz_automation_one((const uint8_t *)seeds[k],
		    strlen(seeds[k]), &st) != 0)
			diag("seed %zu broke: %s", k, st.why);
	seed_accepted = st.accepted;
	/* each seed is accepted sniffed and as its own format (the JSON
	 * one also as YAML): 4 seeds, at least 2 of 3 ways each */
	ok(st.why[0] == '\0' && seed_accepted >= 8, "the %zu seeds keep the "
	    "invariants and parse (%lu ways)", k, seed_accepted);

	buf = malloc(MAX_INPUT);
	for (i = 0; i < iters; i++) {
		len = mutate(buf, MAX_INPUT);
		if (fuzz_automation_one(buf, len, &st) != 0 && broken++ == 0) {
			diag("iteration %lu broke: %s", i, st.why);
			for (k = 0; k < len && k < 128; k++)
				fprintf(stderr, "%02x", buf[k]);
			fprintf(stderr, "\n");
		}
	}
	free(buf);
	ok(broken == 0, "%lu mutated inputs: no invariant broken (%lu broke)",
	    iters, broken);
	diag("inputs %lu, accepted %lu, refused %lu (too big %lu)",
	    st.inputs, st.accepted, st.refused, st.toobig);
	ok(iters < 1000 || st.accepted - seed_accepted > iters / 20,
	    "mutants are often still automations");
	ok(iters < 1000 || st.refused > iters, "mutants are often refused");
	ok(st.inputs == iters + sizeof(seeds) / sizeof(seeds[0]),
	    "every input was run");
	return exit_status();
}

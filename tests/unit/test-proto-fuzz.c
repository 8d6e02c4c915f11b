/*
 * test-proto-fuzz.c: run the protocol fuzz entry over deterministic inputs.
 *
 * A seeded PRNG mutates valid frames of every message type (bit flips,
 * byte changes, truncation, length-prefix lies, huge lengths, deep
 * nesting, wrong value types, duplicate keys, concatenation, garbage) and
 * hands each input to fuzz_proto_one, which checks that it is either read
 * as well-formed messages or refused with a known error code. The count is
 * OPS_FUZZ_ITERS (default 200000); meant for the sanitizer build.
 */
#include "config.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "proto.h"
#include "fuzz-rng.h"
#include "tap.h"

struct fuzz_proto_stats {
	unsigned long	inputs;
	unsigned long	messages;
	unsigned long	need_more;
	unsigned long	by_code[32];
	char		why[256];
};

int	fuzz_proto_one(const uint8_t *data, size_t size,
	    struct fuzz_proto_stats *st);

#define MAX_SEEDS	128
#define MAX_INPUT	8192

struct seed {
	uint8_t	*frame;
	size_t	 len;
	json_t	*msg;
};

struct seeds {
	struct seed	s[MAX_SEEDS];
	size_t		n;
};

static uint64_t	rng_state = 0x6f70736963656c31ULL;	/* "opsicel1" */

static uint64_t
rng(void)
{
	return fuzz_rng(&rng_state);
}

static size_t
rnd(size_t n)
{
	return fuzz_rnd(&rng_state, n);
}

static json_t *
random_value(int depth)
{
	static const char *strs[] = { "", "x", "stdout", "hello", "run",
	    "\xc3\xa9t\xc3\xa9", "a\nb", "-1" };
	json_t	*a;
	char	 big[300];

	switch (rnd(depth > 3 ? 9 : 11)) {
	case 0:
		return json_integer((json_int_t)rng());
	case 1:
		return json_integer((json_int_t)rnd(5) - 1);
	case 2:
		return json_real(1.5);
	case 3:
		return json_boolean(rnd(2));
	case 4:
		return json_null();
	case 5:
		return json_string(strs[rnd(sizeof(strs) / sizeof(strs[0]))]);
	case 6:
		return json_stringn("a\0b", 3);
	case 7:
		memset(big, 'L', sizeof(big));
		return json_stringn(big, 250 + rnd(10));
	case 8:
		return json_string("web");
	case 9:
		a = json_array();
		json_array_append_new(a, random_value(depth + 1));
		json_array_append_new(a, json_string("t"));
		return a;
	default:
		return json_pack("{s:o}", "k", random_value(depth + 1));
	}
}

static void
add_fields(json_t *m, const char *fields)
{
	char		 key[64];
	const char	*p = fields;
	const char	*tags[] = { "web", "tag:db" };
	size_t		 n;

	while (*p != '\0') {
		while (*p == ' ')
			p++;
		for (n = 0; *p != ':' && *p != '\0' && n < 63; p++)
			key[n++] = *p;
		key[n] = '\0';
		if (*p != ':')
			break;
		/* Leave out some optional fields. */
		if (p[2] == '?' && rnd(3) == 0) {
			p += 3;
			continue;
		}
		switch (p[1]) {
		case 's':
			proto_add_str(m, key, "web-1", NULL);
			break;
		case 't':
			proto_add_str(m, key, "echo hi; uname -a", NULL);
			break;
		case 'i':
			proto_add_int(m, key, 17, NULL);
			break;
		case 'b':
			proto_add_bool(m, key, 0, NULL);
			break;
		case 'a':
			proto_add_str_array(m, key, tags, 2, NULL);
			break;
		default:
			proto_add_json(m, key, json_pack("{s:[i,i]}", "n", 1,
			    2), NULL);
			break;
		}
		p += p[2] == '?' ? 3 : 2;
	}
}

static void
seed_one(const struct proto_type_info *ti, void *arg)
{
	struct seeds	*ss = arg;
	struct seed	*s;
	json_t		*m;

	if (ss->n >= MAX_SEEDS)
		return;
	m = proto_msg_new(ti->type, (ti->flags & PROTO_F_EVENT) ? 0 :
	    (long long)ss->n + 1);
	add_fields(m, ti->fields);
	s = &ss->s[ss->n];
	if (proto_frame_encode(m, &s->frame, &s->len, NULL) != OPS_OK) {
		json_decref(m);
		return;
	}
	s->msg = m;
	ss->n++;
}

static void
put_len(uint8_t *p, uint32_t n)
{
	p[0] = (uint8_t)(n >> 24);
	p[1] = (uint8_t)(n >> 16);
	p[2] = (uint8_t)(n >> 8);
	p[3] = (uint8_t)n;
}

/* Re-serialise a seed with one value replaced or added (wrong types). */
static size_t
mutate_json(const struct seed *s, uint8_t *out, size_t max)
{
	static const char *keys[] = { "v", "id", "type", "name", "job",
	    "selectors", "data", "code", "result", "zzz", "passphrase" };
	json_t		*m = json_deep_copy(s->msg);
	char		*text;
	size_t		 len;

	json_object_set_new(m, keys[rnd(sizeof(keys) / sizeof(keys[0]))],
	    random_value(0));
	if (rnd(4) == 0)
		json_object_del(m, rnd(2) ? "id" : "type");
	text = json_dumps(m, JSON_COMPACT | (rnd(2) ? JSON_SORT_KEYS : 0));
	json_decref(m);
	if (text == NULL)
		return 0;
	len = strlen(text);
	if (len + 4 > max)
		len = max - 4;
	put_len(out, (uint32_t)len);
	memcpy(out + 4, text, len);
	free(text);
	return len + 4;
}

static size_t
mutate(const struct seeds *ss, uint8_t *buf, size_t max)
{
	const struct seed	*s = &ss->s[rnd(ss->n)], *t;
	size_t			 len, i, n, pos, depth;
	int			 rounds, fix = 0;

	if (rnd(8) == 0)
		len = mutate_json(s, buf, max);
	else {
		len = s->len;
		memcpy(buf, s->frame, len);
	}
	rounds = 1 + (int)rnd(3);
	while (rounds-- > 0) {
		switch (rnd(12)) {
		case 0:		/* bit flips */
			for (n = 1 + rnd(4); n > 0 && len > 0; n--) {
				i = rnd(len);
				buf[i] ^= (uint8_t)(1u << rnd(8));
			}
			break;
		case 1:		/* byte set to an interesting value */
			if (len > 4) {
				static const uint8_t vals[] = { 0, '"', '\\',
				    '{', '}', '[', ']', ',', ':', 0xff, 0xc3,
				    '0', '-', 'e' };
				buf[4 + rnd(len - 4)] = vals[rnd(sizeof(vals))];
			}
			break;
		case 2:		/* truncation */
			len = rnd(len + 1);
			break;
		case 3:		/* length-prefix lie */
			if (len >= 4) {
				static const uint32_t lies[] = { 0, 1, 3,
				    0xffffffffu, OPS_PROTO_MAX_FRAME,
				    OPS_PROTO_MAX_FRAME + 1, 0x80000000u,
				    0x7fffffffu };
				uint32_t	 body = (uint32_t)(len - 4);

				switch (rnd(3)) {
				case 0:
					put_len(buf, lies[rnd(8)]);
					break;
				case 1:
					put_len(buf, body + (uint32_t)rnd(9) -
					    4);
					break;
				default:
					put_len(buf, (uint32_t)rng());
					break;
				}
			}
			break;
		case 4:		/* deep nesting spliced in */
			if (len > 6) {
				depth = 1 + rnd(rnd(2) ? 40 : 600);
				pos = 4 + rnd(len - 4);
				if (len + 2 * depth + 1 > max)
					break;
				memmove(buf + pos + 2 * depth + 1, buf + pos,
				    len - pos);
				memset(buf + pos, '[', depth);
				buf[pos + depth] = '1';
				memset(buf + pos + depth + 1, ']', depth);
				len += 2 * depth + 1;
				fix = rnd(4) != 0;
			}
			break;
		case 5:		/* a duplicate key after the opening brace */
			if (len > 5 && len + 9 <= max && buf[4] == '{') {
				memmove(buf + 5 + 9, buf + 5, len - 5);
				memcpy(buf + 5, "\"id\":77, ", 9);
				len += 9;
				fix = 1;
			}
			break;
		case 6:		/* another frame appended */
			t = &ss->s[rnd(ss->n)];
			if (len + t->len <= max) {
				memcpy(buf + len, t->frame, t->len);
				len += t->len;
			}
			break;
		case 7:		/* random bytes inserted */
			n = 1 + rnd(8);
			if (len + n <= max && len > 4) {
				pos = 4 + rnd(len - 4);
				memmove(buf + pos + n, buf + pos, len - pos);
				for (i = 0; i < n; i++)
					buf[pos + i] = (uint8_t)rng();
				len += n;
				fix = rnd(2);
			}
			break;
		case 8:		/* pure garbage */
			len = rnd(64);
			for (i = 0; i < len; i++)
				buf[i] = (uint8_t)rng();
			break;
		case 9:		/* a byte deleted */
			if (len > 4) {
				pos = 4 + rnd(len - 4);
				memmove(buf + pos, buf + pos + 1, len - pos - 1);
				len--;
				fix = 1;
			}
			break;
		case 10:	/* the version changed */
			if (len > 9 && memcmp(buf + 4, "{\"v\":1", 6) == 0)
				buf[9] = (uint8_t)"0239"[rnd(4)];
			break;
		default:	/* unchanged: must read back */
			break;
		}
	}
	/* Often keep the length honest so the JSON parser gets the body. */
	if (fix && len >= 4)
		put_len(buf, (uint32_t)(len - 4));
	return len;
}

static void
count_type(const struct proto_type_info *ti, void *arg)
{
	(void)ti;
	(*(size_t *)arg)++;
}

int
main(void)
{
	struct fuzz_proto_stats	 st;
	struct seeds		 ss;
	uint8_t			*buf;
	const char		*env;
	unsigned long		 iters = 200000, i, broken = 0, seeds_ok = 0;
	size_t			 len, k, ntypes = 0;

	if ((env = getenv("OPS_FUZZ_ITERS")) != NULL && *env != '\0')
		iters = strtoul(env, NULL, 10);
	plan(8);
	memset(&st, 0, sizeof(st));
	memset(&ss, 0, sizeof(ss));
	proto_type_foreach(count_type, &ntypes);
	proto_type_foreach(seed_one, &ss);
	ok(ntypes > 30 && ss.n == ntypes,
	    "%zu seed frames, one per message type (%zu)", ss.n, ntypes);

	for (k = 0; k < ss.n; k++) {
		unsigned long	before = st.messages;

		if (fuzz_proto_one(ss.s[k].frame, ss.s[k].len, &st) == 0 &&
		    st.messages == before + 1)
			seeds_ok++;
	}
	ok(seeds_ok == ss.n, "every unmutated seed is read back (%lu)",
	    seeds_ok);

	buf = malloc(MAX_INPUT);
	for (i = 0; i < iters; i++) {
		len = mutate(&ss, buf, MAX_INPUT);
		if (fuzz_proto_one(buf, len, &st) != 0) {
			if (broken++ == 0) {
				diag("iteration %lu broke: %s", i, st.why);
				for (k = 0; k < len && k < 96; k++)
					fprintf(stderr, "%02x", buf[k]);
				fprintf(stderr, "\n");
			}
		}
	}
	free(buf);
	ok(broken == 0, "%lu mutated inputs: no invariant broken (%lu broke)",
	    iters, broken);
	diag("inputs %lu, messages read %lu, partial %lu, refused: proto "
	    "%lu, toobig %lu, version %lu, nomem %lu", st.inputs, st.messages,
	    st.need_more, st.by_code[-OPS_E_PROTO], st.by_code[-OPS_E_TOOBIG],
	    st.by_code[-OPS_E_VERSION], st.by_code[-OPS_E_NOMEM]);
	ok(iters < 1000 || st.messages > iters / 20,
	    "mutants are often still read as messages");
	ok(iters < 1000 || st.by_code[-OPS_E_PROTO] > iters / 20,
	    "many are refused as protocol errors");
	ok(iters < 1000 || st.by_code[-OPS_E_TOOBIG] > 0,
	    "length lies are refused as too big");
	ok(iters < 1000 || st.by_code[-OPS_E_VERSION] > 0,
	    "version changes are refused as such");
	ok(st.by_code[-OPS_E_NOMEM] == 0, "no allocation failed");

	for (k = 0; k < ss.n; k++) {
		free(ss.s[k].frame);
		json_decref(ss.s[k].msg);
	}
	return exit_status();
}

/* test-proto.c: the wire protocol: type table, framing, checks, getters, queues. */
#include "config.h"

#include <sys/socket.h>

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "proto.h"
#include "secret.h"
#include "tap.h"

/* The start of a frame body of this version: {"v":N, */
#define VSTR2(x)	#x
#define VSTR(x)		VSTR2(x)
#define VHDR		"{\"v\":" VSTR(OPS_PROTO_VERSION) ","

static int	ntypes;
/* One "+ 1" per entry of the list in proto.h. */
#define COUNT_ENTRY(e, n, name, flags, fields, reply)	+ 1

/* Give msg every field its type lists, with a value of the right kind. */
static int
fill_fields(json_t *msg, const char *fields)
{
	char		 key[64], kind;
	const char	*p = fields, *tags[] = { "web", "db" };
	size_t		 n;
	int		 rc = 0;

	while (*p != '\0') {
		while (*p == ' ')
			p++;
		for (n = 0; *p != ':' && *p != '\0'; p++)
			key[n++] = *p;
		key[n] = '\0';
		if (*p != ':')
			break;
		kind = p[1];
		p += 2;
		if (*p == '?')
			p++;
		switch (kind) {
		case 's':
			rc |= proto_add_str(msg, key, "web-1.example", NULL);
			break;
		case 't':
			rc |= proto_add_str(msg, key, "uptime; echo \"x\"\n\t\xc3\xa9",
			    NULL);
			break;
		case 'i':
			rc |= proto_add_int(msg, key, 4242, NULL);
			break;
		case 'b':
			rc |= proto_add_bool(msg, key, 1, NULL);
			break;
		case 'a':
			rc |= proto_add_str_array(msg, key, tags, 2, NULL);
			break;
		case 'o':
		case 'j':
			rc |= proto_add_json(msg, key,
			    json_pack("{s:[i,s],s:{s:b}}", "rows", 1, "a", "m",
			    "x", 1), NULL);
			break;
		case 'l':
			rc |= proto_add_json(msg, key,
			    json_pack("[{s:s},i]", "path", "p", 2), NULL);
			break;
		default:
			return -1;
		}
	}
	return rc;
}

static json_t *
full_msg(const struct proto_type_info *ti, long long id)
{
	json_t	*m;

	if ((m = proto_msg_new(ti->type, (ti->flags & PROTO_F_EVENT) ?
	    0 : id)) == NULL)
		return NULL;
	if (fill_fields(m, ti->fields) != 0) {
		json_decref(m);
		return NULL;
	}
	return m;
}

/* Frame a raw body with a given length prefix. */
static unsigned char *
raw_frame(const char *body, size_t blen, unsigned long prefix, size_t *len)
{
	unsigned char	*f = malloc(4 + blen + 1);

	f[0] = (unsigned char)(prefix >> 24);
	f[1] = (unsigned char)(prefix >> 16);
	f[2] = (unsigned char)(prefix >> 8);
	f[3] = (unsigned char)prefix;
	memcpy(f + 4, body, blen);
	*len = 4 + blen;
	return f;
}

/* Feed one body (framed honestly) to a fresh reader, return next's code. */
static int
read_body(const char *body, int accept, json_t **msg, struct ops_err *err)
{
	struct proto_reader	 r;
	unsigned char		*f;
	size_t			 len;
	int			 rc;

	*msg = NULL;
	f = raw_frame(body, strlen(body), strlen(body), &len);
	proto_reader_init(&r, accept);
	rc = proto_reader_feed(&r, f, len, err);
	if (rc == OPS_OK)
		rc = proto_reader_next(&r, msg, NULL, err);
	if (rc == OPS_OK && *msg == NULL)
		rc = 1;		/* should not happen: the frame is whole */
	proto_reader_done(&r);
	free(f);
	return rc;
}

static int
body_rc(const char *body, int accept)
{
	json_t		*m;
	struct ops_err	 err;
	int		 rc;

	rc = read_body(body, accept, &m, &err);
	json_decref(m);
	return rc;
}

static void
count_type(const struct proto_type_info *ti, void *arg)
{
	ntypes++;
}

static void
test_table(void)
{
	const struct proto_type_info	*ti;
	int				 t, dirs, bad = 0, seen = 0, sens = 0;
	int				 bits;

	proto_type_foreach(count_type, NULL);
	ok(ntypes == 0 PROTO_TYPES(COUNT_ENTRY) && ntypes >= 38,
	    "type table has one entry per PROTO_TYPES entry, at least the "
	    "38 of version 3 (%d)", ntypes);
	for (t = 0; t < 1000; t++) {
		if ((ti = proto_type_info((enum proto_type)t)) == NULL)
			continue;
		seen++;
		dirs = ti->flags & PROTO_ACCEPT_ANY;
		bits = (dirs & 1) + ((dirs >> 1) & 1) + ((dirs >> 2) & 1);
		if ((int)ti->type != t || bits != 1 ||
		    proto_type_from_name(ti->name) != ti->type ||
		    strcmp(proto_type_name(ti->type), ti->name) != 0)
			bad++;
		if (ti->flags & PROTO_F_SENSITIVE)
			sens++;
		/* Blocks: 100s hello, 200s commands, 300s replies, 400s. */
		if ((t / 100 == 2 && dirs != PROTO_F_REQUEST) ||
		    (t / 100 == 3 && dirs != PROTO_F_REPLY) ||
		    (t / 100 == 4 && dirs != PROTO_F_EVENT))
			bad++;
	}
	ok(seen == ntypes && bad == 0,
	    "every type: one direction, its block, name round trip");
	/* 9, and issue 13's approve and TOTP codes (confirm, disable),
	 * notify-add (a Slack URL, a signing secret) and the SMTP password,
	 * and issue 14's schedule-add (its parameter values) */
	ok(sens == 9 + 3 + 2 + 1 &&
	    (proto_type_flags(PROTO_SCHEDULE_ADD) & PROTO_F_SENSITIVE) &&
	    (proto_type_flags(PROTO_NOTIFY_ADD) & PROTO_F_SENSITIVE) &&
	    (proto_type_flags(PROTO_NOTIFY_SMTP_PASSWORD) & PROTO_F_SENSITIVE) &&
	    (proto_type_flags(PROTO_TOTP_CONFIRM) & PROTO_F_SENSITIVE) &&
	    (proto_type_flags(PROTO_TOTP_DISABLE) & PROTO_F_SENSITIVE) &&
	    (proto_type_flags(PROTO_UNLOCK) & PROTO_F_SENSITIVE) &&
	    (proto_type_flags(PROTO_PASSWD) & PROTO_F_SENSITIVE) &&
	    (proto_type_flags(PROTO_CRED_ADD) & PROTO_F_SENSITIVE) &&
	    (proto_type_flags(PROTO_TARGET_IMPORT) & PROTO_F_SENSITIVE) &&
	    (proto_type_flags(PROTO_RUN) & PROTO_F_SENSITIVE) &&
	    (proto_type_flags(PROTO_JOB_OUTPUT) & PROTO_F_SENSITIVE) &&
	    (proto_type_flags(PROTO_LOGS_DATA) & PROTO_F_SENSITIVE) &&
	    (proto_type_flags(PROTO_AUTOMATION_APPLY) & PROTO_F_SENSITIVE) &&
	    (proto_type_flags(PROTO_AUTOMATION_RUN) & PROTO_F_SENSITIVE) &&
	    (proto_type_flags(PROTO_APPROVE) & PROTO_F_SENSITIVE),
	    "unlock, passwd, cred-add, target-import, run, job-output, "
	    "logs-data, automation-apply, automation-run, approve, "
	    "totp-confirm, totp-disable, notify-add, notify-smtp-password "
	    "and schedule-add are the sensitive types");
	ok(strcmp(proto_type_name((enum proto_type)9999), "unknown") == 0 &&
	    proto_type_from_name("nope") == PROTO_NONE &&
	    proto_type_from_name(NULL) == PROTO_NONE &&
	    proto_type_flags((enum proto_type)9999) == 0,
	    "unknown types and names");
	ok(proto_msg_new((enum proto_type)9999, 1) == NULL &&
	    proto_msg_new(PROTO_HELLO, -1) == NULL,
	    "no message of an unknown type or negative id");
}

struct rt_state {
	int	bad;
	int	n;
};

static void
roundtrip_one(const struct proto_type_info *ti, void *arg)
{
	struct rt_state		*st = arg;
	struct proto_reader	 r;
	struct ops_err		 err;
	json_t			*m, *got = NULL;
	unsigned char		*f = NULL;
	size_t			 len;
	enum proto_type		 t = PROTO_NONE;
	int			 good;

	m = full_msg(ti, 1000 + st->n++);
	proto_reader_init(&r, PROTO_ACCEPT_ANY);
	good = m != NULL &&
	    proto_frame_encode(m, &f, &len, &err) == OPS_OK &&
	    len > 4 && (size_t)(f[0] << 24 | f[1] << 16 | f[2] << 8 | f[3]) ==
	    len - 4 &&
	    proto_reader_feed(&r, f, len, &err) == OPS_OK &&
	    proto_reader_next(&r, &got, &t, &err) == OPS_OK && got != NULL &&
	    t == ti->type && json_equal(m, got) &&
	    proto_reader_pending(&r) == 0;
	if (!ok(good, "round trip %s", ti->name)) {
		st->bad++;
		diag("  %s", err.msg);
	}
	json_decref(got);
	json_decref(m);
	free(f);
	proto_reader_done(&r);
}

static void
test_roundtrip(void)
{
	struct rt_state	st = { 0, 0 };

	proto_type_foreach(roundtrip_one, &st);
	ok(st.bad == 0 && st.n == ntypes, "all %d types round trip", st.n);
}

static unsigned char *
sample_frame(long long id, size_t *len)
{
	json_t		*m = proto_msg_new(PROTO_TARGET_SHOW, id);
	unsigned char	*f = NULL;

	proto_add_str(m, "name", "db-7", NULL);
	proto_frame_encode(m, &f, len, NULL);
	json_decref(m);
	return f;
}

static void
test_framing(void)
{
	struct proto_reader	 r;
	struct ops_err		 err;
	json_t			*m = NULL;
	unsigned char		*f, *three, hdr[4];
	size_t			 len, i;
	int			 early = 0, rc, got = 0, ids = 0;

	/* Byte by byte. */
	f = sample_frame(7, &len);
	proto_reader_init(&r, PROTO_ACCEPT_DAEMON);
	for (i = 0; i < len; i++) {
		proto_reader_feed(&r, f + i, 1, NULL);
		rc = proto_reader_next(&r, &m, NULL, &err);
		if (rc != OPS_OK)
			break;
		if (m != NULL && i + 1 < len)
			early++;
	}
	ok(i == len && early == 0 && m != NULL && proto_msg_id(m) == 7,
	    "byte-by-byte delivery yields one message at the last byte");
	json_decref(m);
	m = NULL;
	ok(proto_reader_next(&r, &m, NULL, &err) == OPS_OK && m == NULL,
	    "then the reader needs more");
	proto_reader_done(&r);

	/* Three frames in one buffer. */
	three = malloc(3 * len);
	for (i = 0; i < 3; i++) {
		free(f);
		f = sample_frame((long long)i + 1, &len);
		memcpy(three + i * len, f, len);
	}
	proto_reader_init(&r, PROTO_ACCEPT_DAEMON);
	proto_reader_feed(&r, three, 3 * len, NULL);
	while (proto_reader_next(&r, &m, NULL, &err) == OPS_OK && m != NULL) {
		got++;
		ids = ids * 10 + (int)proto_msg_id(m);
		json_decref(m);
	}
	ok(got == 3 && ids == 123 && proto_reader_pending(&r) == 0,
	    "three frames in one buffer come out in order");
	proto_reader_done(&r);
	free(three);
	free(f);

	/* Zero length. */
	memset(hdr, 0, sizeof(hdr));
	proto_reader_init(&r, PROTO_ACCEPT_ANY);
	proto_reader_feed(&r, hdr, 4, NULL);
	ok(proto_reader_next(&r, &m, NULL, &err) == OPS_E_PROTO && m == NULL,
	    "zero-length frame refused");
	ok(proto_reader_next(&r, &m, NULL, &err) == OPS_E_PROTO &&
	    proto_reader_feed(&r, "x", 1, NULL) == OPS_E_PROTO,
	    "the reader stays failed");
	proto_reader_done(&r);

	/* 4 GiB claimed: refused from the 4 header bytes alone. */
	memset(hdr, 0xff, sizeof(hdr));
	proto_reader_init(&r, PROTO_ACCEPT_ANY);
	proto_reader_feed(&r, hdr, 4, NULL);
	rc = proto_reader_next(&r, &m, NULL, &err);
	ok(rc == OPS_E_TOOBIG && r.size <= 256,
	    "length 0xFFFFFFFF refused at once, buffer %zu bytes", r.size);
	ok(strstr(err.msg, "4294967295") != NULL, "error names the length: %s",
	    err.msg);
	proto_reader_done(&r);

	/* max + 1 refused, max itself waits for its body. */
	f = raw_frame("", 0, (unsigned long)OPS_PROTO_MAX_FRAME + 1, &len);
	proto_reader_init(&r, PROTO_ACCEPT_ANY);
	proto_reader_feed(&r, f, len, NULL);
	ok(proto_reader_next(&r, &m, NULL, &err) == OPS_E_TOOBIG,
	    "length max+1 refused");
	proto_reader_done(&r);
	free(f);
	f = raw_frame("{", 1, OPS_PROTO_MAX_FRAME, &len);
	proto_reader_init(&r, PROTO_ACCEPT_ANY);
	proto_reader_feed(&r, f, len, NULL);
	ok(proto_reader_next(&r, &m, NULL, &err) == OPS_OK && m == NULL &&
	    r.size < 4096 && proto_reader_pending(&r) == 5,
	    "length max waits for its body without reserving it");
	proto_reader_done(&r);
	free(f);

	/* A peer that is never drained cannot make the reader hoard. */
	{
		unsigned char	*chunk = calloc(1, 1024 * 1024);
		int		 k;

		proto_reader_init(&r, PROTO_ACCEPT_ANY);
		for (k = 0, rc = OPS_OK; k < 40 && rc == OPS_OK; k++)
			rc = proto_reader_feed(&r, chunk, 1024 * 1024, &err);
		ok(rc == OPS_E_TOOBIG && k == 33,
		    "feeding stops past two frames' worth of unread bytes");
		proto_reader_done(&r);
		free(chunk);
	}

	/* A large frame consumed leaves no large buffer behind. */
	{
		json_t		*big = proto_msg_new(PROTO_HOSTKEY_IMPORT, 1);
		char		*text = malloc(200000);
		unsigned char	*bf;
		size_t		 bl;

		memset(text, 'k', 199999);
		text[199999] = '\0';
		proto_add_str(big, "text", text, NULL);
		proto_frame_encode(big, &bf, &bl, NULL);
		proto_reader_init(&r, PROTO_ACCEPT_DAEMON);
		proto_reader_feed(&r, bf, bl, NULL);
		ok(proto_reader_next(&r, &m, NULL, &err) == OPS_OK &&
		    m != NULL && r.size == 0,
		    "a 200 kB frame is read and its buffer released");
		json_decref(m);
		proto_reader_done(&r);
		json_decref(big);
		free(bf);
		free(text);
	}
}

static void
test_frame_limit(void)
{
	json_t			*m = proto_msg_new(PROTO_OK, 1), *got = NULL;
	struct proto_reader	 r;
	struct ops_err		 err;
	unsigned char		*f = NULL;
	size_t			 len, overhead;
	char			*s;

	/* Body overhead of an "ok" with a one-byte result string. */
	proto_add_json(m, "result", json_string("x"), NULL);
	proto_frame_encode(m, &f, &len, NULL);
	overhead = len - 4 - 1;
	free(f);
	s = malloc(OPS_PROTO_MAX_FRAME + 2);
	memset(s, 'a', OPS_PROTO_MAX_FRAME + 1);
	s[OPS_PROTO_MAX_FRAME - overhead] = '\0';
	proto_add_json(m, "result", json_string(s), NULL);
	ok(proto_frame_encode(m, &f, &len, &err) == OPS_OK &&
	    len == 4 + (size_t)OPS_PROTO_MAX_FRAME,
	    "a body of exactly the maximum encodes");
	proto_reader_init(&r, PROTO_ACCEPT_CLIENT);
	proto_reader_feed(&r, f, len, NULL);
	ok(proto_reader_next(&r, &got, NULL, &err) == OPS_OK && got != NULL &&
	    json_equal(got, m), "and is read back");
	json_decref(got);
	proto_reader_done(&r);
	free(f);
	s[OPS_PROTO_MAX_FRAME - overhead] = 'a';
	s[OPS_PROTO_MAX_FRAME - overhead + 1] = '\0';
	proto_add_json(m, "result", json_string(s), NULL);
	ok(proto_frame_encode(m, &f, &len, &err) == OPS_E_TOOBIG && f == NULL &&
	    len == 0, "one byte more is refused by the encoder");
	free(s);
	json_decref(m);
}

static void
test_malformed(void)
{
	struct proto_reader	 r;
	struct ops_err		 err;
	json_t			*m;
	unsigned char		*f;
	size_t			 len;
	char			 body[1024], name[300], want[32];
	int			 i, rc;

	rc = read_body(VHDR "\"id\":3,\"type\":\"unlock\",\"passphrase\":"
	    "\"hunter2\"", PROTO_ACCEPT_DAEMON, &m, &err);
	ok(rc == OPS_E_PROTO && strstr(err.msg, "hunter2") == NULL,
	    "truncated JSON refused without quoting it (%s)", err.msg);
	is_int(body_rc(VHDR "\"id\":3,\"type\":\"lock\"} x",
	    PROTO_ACCEPT_DAEMON), OPS_E_PROTO, "trailing garbage refused");
	is_int(body_rc("[1,2,3]", PROTO_ACCEPT_ANY), OPS_E_PROTO,
	    "array refused");
	is_int(body_rc("\"lock\"", PROTO_ACCEPT_ANY), OPS_E_PROTO,
	    "bare string refused");
	is_int(body_rc("\xff\xfe{}", PROTO_ACCEPT_ANY), OPS_E_PROTO,
	    "binary refused");
	is_int(body_rc(VHDR "\"id\":1,\"type\":\"target-show\",\"name\":"
	    "\"\xc3\x28\"}", PROTO_ACCEPT_ANY), OPS_E_PROTO,
	    "invalid UTF-8 refused");

	/* Version. */
	snprintf(body, sizeof(body), "{\"v\":%d,\"id\":1,\"type\":"
	    "\"hello\",\"new\":1}", OPS_PROTO_VERSION + 1);
	f = raw_frame(body, strlen(body), strlen(body), &len);
	proto_reader_init(&r, PROTO_ACCEPT_DAEMON);
	proto_reader_feed(&r, f, len, NULL);
	rc = proto_reader_next(&r, &m, NULL, &err);
	snprintf(want, sizeof(want), "version %d", OPS_PROTO_VERSION + 1);
	ok(rc == OPS_E_VERSION && r.peer_version == OPS_PROTO_VERSION + 1 &&
	    strstr(err.msg, want) != NULL,
	    "wrong version refused as OPS_E_VERSION: %s", err.msg);
	proto_reader_done(&r);
	free(f);
	is_int(body_rc("{\"id\":1,\"type\":\"lock\"}", PROTO_ACCEPT_ANY),
	    OPS_E_PROTO, "missing version refused");
	is_int(body_rc("{\"v\":\"1\",\"id\":1,\"type\":\"lock\"}",
	    PROTO_ACCEPT_ANY), OPS_E_PROTO, "string version refused");
	is_int(body_rc(VHDR "\"id\":-1,\"type\":\"lock\"}",
	    PROTO_ACCEPT_ANY), OPS_E_PROTO, "negative id refused");
	is_int(body_rc(VHDR "\"id\":1.5,\"type\":\"lock\"}",
	    PROTO_ACCEPT_ANY), OPS_E_PROTO, "real id refused");
	is_int(body_rc(VHDR "\"type\":\"lock\"}", PROTO_ACCEPT_ANY),
	    OPS_E_PROTO, "missing id refused");
	is_int(body_rc(VHDR "\"id\":99999999999999999999999,\"type\":"
	    "\"lock\"}", PROTO_ACCEPT_ANY), OPS_E_PROTO, "huge id refused");
	is_int(body_rc(VHDR "\"id\":1,\"type\":\"format-disk\"}",
	    PROTO_ACCEPT_ANY), OPS_E_PROTO, "unknown type refused");
	is_int(body_rc(VHDR "\"id\":1,\"type\":7}", PROTO_ACCEPT_ANY),
	    OPS_E_PROTO, "numeric type refused");
	is_int(body_rc(VHDR "\"id\":1,\"type\":\"ok\"}",
	    PROTO_ACCEPT_DAEMON), OPS_E_PROTO,
	    "daemon refuses a reply from a client");
	is_int(body_rc(VHDR "\"id\":1,\"type\":\"lock\"}",
	    PROTO_ACCEPT_CLIENT), OPS_E_PROTO,
	    "client refuses a request from the daemon");
	is_int(body_rc(VHDR "\"id\":5,\"type\":\"target-status\",\"target\":"
	    "\"a\",\"status\":\"up\"}", PROTO_ACCEPT_CLIENT), OPS_E_PROTO,
	    "event with a non-zero id refused");
	is_int(body_rc(VHDR "\"id\":0,\"type\":\"target-status\",\"target\":"
	    "\"a\",\"status\":\"up\"}", PROTO_ACCEPT_CLIENT), OPS_OK,
	    "event with id 0 accepted");

	/* Fields. */
	is_int(body_rc(VHDR "\"id\":1,\"type\":\"target-add\",\"name\":"
	    "\"a\"}", PROTO_ACCEPT_DAEMON), OPS_E_PROTO,
	    "missing required field refused");
	is_int(body_rc(VHDR "\"id\":1,\"type\":\"target-add\",\"name\":"
	    "\"a\",\"host\":\"h\",\"port\":\"22\"}", PROTO_ACCEPT_DAEMON),
	    OPS_E_PROTO, "mistyped field refused");
	is_int(body_rc(VHDR "\"id\":1,\"type\":\"target-add\",\"name\":"
	    "\"a\",\"host\":\"h\",\"tags\":[\"x\",3]}", PROTO_ACCEPT_DAEMON),
	    OPS_E_PROTO, "array with a non-string refused");
	is_int(body_rc(VHDR "\"id\":1,\"type\":\"target-add\",\"name\":"
	    "\"a\",\"host\":\"h\",\"port\":22,\"tags\":[]}",
	    PROTO_ACCEPT_DAEMON), OPS_OK, "optional fields accepted");
	proto_reader_init(&r, PROTO_ACCEPT_DAEMON);
	snprintf(body, sizeof(body), VHDR "\"id\":41,\"type\":\"target-rm\","
	    "\"name\":\"a\",\"force\":true}");
	f = raw_frame(body, strlen(body), strlen(body), &len);
	proto_reader_feed(&r, f, len, NULL);
	rc = proto_reader_next(&r, &m, NULL, &err);
	ok(rc == OPS_E_PROTO && strstr(err.msg, "\"force\"") != NULL &&
	    r.bad_id == 41, "leftover field refused, named, id kept: %s",
	    err.msg);
	proto_reader_done(&r);
	free(f);
	is_int(body_rc(VHDR "\"id\":1,\"type\":\"lock\",\"lock\":1}",
	    PROTO_ACCEPT_DAEMON), OPS_E_PROTO,
	    "leftover field on a type without fields refused");
	is_int(body_rc(VHDR "\"id\":1,\"id\":2,\"type\":\"lock\"}",
	    PROTO_ACCEPT_DAEMON), OPS_E_PROTO, "duplicate key refused");

	memset(name, 'n', sizeof(name));
	name[OPS_PROTO_MAX_NAME] = '\0';
	snprintf(body, sizeof(body), VHDR "\"id\":1,\"type\":\"target-rm\","
	    "\"name\":\"%s\"}", name);
	is_int(body_rc(body, PROTO_ACCEPT_DAEMON), OPS_OK,
	    "name of 255 bytes accepted");
	name[OPS_PROTO_MAX_NAME] = 'n';
	name[OPS_PROTO_MAX_NAME + 1] = '\0';
	snprintf(body, sizeof(body), VHDR "\"id\":1,\"type\":\"target-rm\","
	    "\"name\":\"%s\"}", name);
	is_int(body_rc(body, PROTO_ACCEPT_DAEMON), OPS_E_PROTO,
	    "name of 256 bytes refused");

	is_int(body_rc(VHDR "\"id\":1,\"type\":\"target-rm\",\"name\":"
	    "\"a\\u0000b\"}", PROTO_ACCEPT_DAEMON), OPS_E_PROTO,
	    "escaped NUL in a name refused");
	is_int(body_rc(VHDR "\"id\":1,\"type\":\"unlock\",\"passphrase\":"
	    "\"a\\u0000b\"}", PROTO_ACCEPT_DAEMON), OPS_E_PROTO,
	    "escaped NUL in a text field refused");

	/* Depth: the top object is level 1. */
	for (i = 31; i <= 33; i++) {
		int	 d, n = 0;
		char	*deep = malloc(64 + 2 * (size_t)i);

		n = sprintf(deep, VHDR "\"id\":1,\"type\":\"ok\","
		    "\"result\":");
		for (d = 1; d < i; d++)
			deep[n++] = '[';
		deep[n++] = '1';
		for (d = 1; d < i; d++)
			deep[n++] = ']';
		deep[n++] = '}';
		deep[n] = '\0';
		rc = body_rc(deep, PROTO_ACCEPT_CLIENT);
		if (i <= OPS_PROTO_MAX_DEPTH)
			is_int(rc, OPS_OK, "nesting depth %d accepted", i);
		else
			is_int(rc, OPS_E_PROTO, "nesting depth %d refused", i);
		free(deep);
	}
	{
		char	*deep = malloc(200010);

		memset(deep, '[', 100000);
		memset(deep + 100000, ']', 100000);
		deep[200000] = '\0';
		is_int(body_rc(deep, PROTO_ACCEPT_ANY), OPS_E_PROTO,
		    "100000 nested arrays refused");
		free(deep);
	}
	is_int(body_rc(VHDR "\"id\":1,\"type\":\"ok\",\"result\":"
	    "\"[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[\\\"\"}",
	    PROTO_ACCEPT_CLIENT), OPS_OK,
	    "brackets inside strings do not count as nesting");

	/* Sticky: a valid frame after a bad one is not read. */
	proto_reader_init(&r, PROTO_ACCEPT_DAEMON);
	f = raw_frame("nope", 4, 4, &len);
	proto_reader_feed(&r, f, len, NULL);
	free(f);
	f = sample_frame(1, &len);
	proto_reader_feed(&r, f, len, NULL);
	rc = proto_reader_next(&r, &m, NULL, &err);
	ok(rc == OPS_E_PROTO && proto_reader_next(&r, &m, NULL, &err) ==
	    OPS_E_PROTO && m == NULL, "no message after a refused frame");
	proto_reader_done(&r);
	free(f);
}

static void
test_builders(void)
{
	json_t		*m, *e;
	struct ops_err	 err;
	unsigned char	*f = NULL;
	size_t		 len;
	const char	*many[OPS_PROTO_MAX_ITEMS + 1];
	size_t		 i;

	m = proto_msg_new(PROTO_TARGET_ADD, 9);
	proto_add_str(m, "name", "web-9", NULL);
	ok(m != NULL && json_integer_value(json_object_get(m, "v")) ==
	    OPS_PROTO_VERSION && proto_msg_id(m) == 9 &&
	    proto_msg_type(m) == PROTO_TARGET_ADD, "proto_msg_new sets header");
	ok(proto_add_str(m, "color", "red", &err) == OPS_E_INVAL &&
	    strstr(err.msg, "color") != NULL, "unknown key refused by setter");
	ok(proto_add_int(m, "name", 3, &err) == OPS_E_INVAL,
	    "wrong kind refused by setter");
	ok(proto_add_strn(m, "name", "a\0b", 3, &err) == OPS_E_INVAL,
	    "NUL refused by setter");
	for (i = 0; i <= OPS_PROTO_MAX_ITEMS; i++)
		many[i] = "t";
	ok(proto_add_str_array(m, "tags", many, OPS_PROTO_MAX_ITEMS + 1,
	    &err) == OPS_E_INVAL && proto_add_str_array(m, "tags", many,
	    OPS_PROTO_MAX_ITEMS, &err) == OPS_OK, "array item limit");
	ok(proto_frame_encode(m, &f, &len, &err) == OPS_E_PROTO && f == NULL &&
	    strstr(err.msg, "host") != NULL,
	    "encoder refuses a message missing a field: %s", err.msg);
	proto_add_str(m, "host", "10.0.0.1", NULL);
	json_object_set_new(m, "user", json_stringn("ro\0ot", 5));
	ok(proto_frame_encode(m, &f, &len, &err) == OPS_E_PROTO,
	    "encoder refuses a NUL set behind the setters' back");
	json_object_del(m, "user");
	json_object_set_new(m, "extra", json_true());
	ok(proto_frame_encode(m, &f, &len, &err) == OPS_E_PROTO,
	    "encoder refuses a leftover key");
	json_object_del(m, "extra");
	ok(proto_frame_encode(m, &f, &len, &err) == OPS_OK,
	    "complete message encodes");
	free(f);
	json_decref(m);

	e = proto_error_new(12, OPS_E_NOTFOUND, "find target \"x\"");
	ok(e != NULL && proto_msg_type(e) == PROTO_ERROR &&
	    proto_msg_id(e) == 12 &&
	    json_integer_value(json_object_get(e, "code")) == OPS_E_NOTFOUND &&
	    strcmp(json_string_value(json_object_get(e, "message")),
	    "find target \"x\"") == 0 &&
	    proto_msg_check(e, PROTO_ACCEPT_CLIENT, NULL, NULL) == OPS_OK,
	    "proto_error_new builds a valid error reply");
	json_decref(e);
	e = proto_error_new(0, OPS_E_PROTO, NULL);
	ok(e != NULL && strcmp(json_string_value(json_object_get(e,
	    "message")), ops_strerror(OPS_E_PROTO)) == 0,
	    "error message defaults to the code's description");
	json_decref(e);
}

static void
test_getters(void)
{
	json_t		*m;
	struct ops_err	 err;
	const char	*s, **list;
	const char	*tags[] = { "a", "bb", "ccc" };
	long long	 n;
	size_t		 count, slen;
	int		 b;
	struct secret	*sec;

	m = proto_msg_new(PROTO_TARGET_ADD, 1);
	proto_add_str(m, "name", "web", NULL);
	proto_add_str(m, "host", "example.org", NULL);
	proto_add_int(m, "port", 2222, NULL);
	proto_add_bool(m, "accept_new_hostkey", 0, NULL);
	proto_add_str_array(m, "tags", tags, 3, NULL);

	ok(proto_get_str(m, "name", &s, 16, &err) == OPS_OK &&
	    strcmp(s, "web") == 0, "get_str");
	ok(proto_get_strn(m, "host", &s, &slen, 11, &err) == OPS_OK &&
	    slen == 11, "get_strn gives the length");
	ok(proto_get_str(m, "host", &s, 10, &err) == OPS_E_PROTO && s == NULL,
	    "get_str refuses a string over maxlen");
	ok(proto_get_str(m, "port", &s, 10, &err) == OPS_E_PROTO,
	    "get_str refuses an integer");
	ok(proto_get_str(m, "user", &s, 10, &err) == OPS_E_PROTO &&
	    strstr(err.msg, "missing") != NULL && !proto_has(m, "user") &&
	    proto_has(m, "name"), "missing key and proto_has");
	ok(proto_get_int(m, "port", 1, 65535, &n, &err) == OPS_OK && n == 2222,
	    "get_int");
	ok(proto_get_int(m, "port", 1, 1024, &n, &err) == OPS_E_PROTO && n == 0,
	    "get_int refuses out of range");
	ok(proto_get_int(m, "name", 0, 1, &n, &err) == OPS_E_PROTO,
	    "get_int refuses a string");
	ok(proto_get_bool(m, "accept_new_hostkey", &b, &err) == OPS_OK &&
	    b == 0 && proto_get_bool(m, "port", &b, &err) == OPS_E_PROTO,
	    "get_bool");
	ok(proto_get_str_array(m, "tags", 3, 3, &list, &count, &err) ==
	    OPS_OK && count == 3 && strcmp(list[2], "ccc") == 0 &&
	    list[3] == NULL, "get_str_array");
	free(list);
	ok(proto_get_str_array(m, "tags", 2, 3, &list, &count, &err) ==
	    OPS_E_PROTO && list == NULL && count == 0,
	    "get_str_array refuses too many items");
	ok(proto_get_str_array(m, "tags", 3, 2, &list, &count, &err) ==
	    OPS_E_PROTO && list == NULL, "get_str_array refuses a long item");
	ok(proto_get_str_array(m, "name", 3, 2, &list, &count, &err) ==
	    OPS_E_PROTO, "get_str_array refuses a string");
	json_decref(m);

	ops_crypto_init(NULL);
	m = proto_msg_new(PROTO_UNLOCK, 2);
	proto_add_str(m, "passphrase", "correct horse", NULL);
	ok(proto_take_secret(m, "passphrase", 64, &sec, &err) == OPS_OK &&
	    secret_len(sec) == 13 &&
	    memcmp(secret_cdata(sec), "correct horse", 13) == 0 &&
	    !proto_has(m, "passphrase"),
	    "take_secret moves the secret out of the message");
	secret_free(sec);
	proto_add_str(m, "passphrase", "correct horse", NULL);
	ok(proto_take_secret(m, "passphrase", 5, &sec, &err) == OPS_E_PROTO &&
	    sec == NULL, "take_secret applies maxlen");
	json_decref(m);
}

static void
test_describe(void)
{
	json_t	*m;
	char	 buf[256], small[24], want[96];

	m = proto_msg_new(PROTO_TARGET_SHOW, 5);
	proto_add_str(m, "name", "web-\x01\xc3\xa9", NULL);
	proto_describe(m, buf, sizeof(buf));
	ok(strcmp(buf, "target-show id=5 {\"name\":\"web-\\u0001\\u00E9\"}") ==
	    0, "describe: type, id, escaped body: %s", buf);
	proto_describe(m, small, sizeof(small));
	ok(strlen(small) == sizeof(small) - 1 &&
	    strcmp(small + strlen(small) - 3, "...") == 0,
	    "describe truncates: %s", small);
	json_decref(m);

	m = proto_msg_new(PROTO_CRED_ADD, 6);
	proto_add_str(m, "name", "db", NULL);
	proto_add_str(m, "kind", "password", NULL);
	proto_add_str(m, "secret", "hunter2", NULL);
	proto_describe(m, buf, sizeof(buf));
	ok(strncmp(buf, "cred-add id=6 (", 15) == 0 &&
	    strstr(buf, " bytes, body not logged)") != NULL &&
	    strstr(buf, "hunter2") == NULL,
	    "describe leaves out sensitive bodies: %s", buf);
	json_decref(m);
	m = proto_msg_new(PROTO_OK, 7);
	proto_add_json(m, "result", json_pack("{s:s}", "stdout", "OUTMARK"),
	    NULL);
	proto_describe_reply(m, PROTO_JOB_LOGS, buf, sizeof(buf));
	/* 56 bytes at a one-digit OPS_PROTO_VERSION: the size of the
	 * message as encoded, whatever the version's digits. */
	snprintf(want, sizeof(want), "ok id=7 (%zu bytes, body not logged)",
	    json_dumpb(m, NULL, 0, JSON_COMPACT));
	ok(strcmp(buf, want) == 0 && strstr(buf, "OUTMARK") == NULL &&
	    json_dumpb(m, NULL, 0, JSON_COMPACT) == (OPS_PROTO_VERSION < 10 ?
	    56u : 57u),
	    "a job-logs reply is logged by type, id and size: %s", buf);
	proto_describe_reply(m, PROTO_TARGET_SHOW, buf, sizeof(buf));
	ok(strstr(buf, "OUTMARK") != NULL,
	    "a target-show reply keeps its body: %s", buf);
	json_decref(m);
	m = json_pack("{s:s,s:s}", "type", "mystery", "pw", "hunter2");
	proto_describe(m, buf, sizeof(buf));
	ok(strstr(buf, "hunter2") == NULL, "describe leaves out unknown "
	    "types' bodies: %s", buf);
	json_decref(m);
}

static void
set_nonblock(int fd)
{
	fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK);
}

static void
test_writer(void)
{
	struct proto_writer	 w;
	struct proto_reader	 r;
	struct ops_err		 err;
	unsigned char		*f;
	json_t			*m, *out;
	size_t			 len, queued = 0;
	int			 sv[2], pfd[2], eof = 0, n = 0, i, rc;
	char			*text;

	/* Cap. */
	f = sample_frame(1, &len);
	proto_writer_init(&w, 3 * len);
	for (i = 0; i < 4; i++) {
		rc = proto_writer_queue_frame(&w, f, len, &err);
		if (rc != OPS_OK)
			break;
	}
	ok(i == 3 && rc == OPS_E_TOOBIG && proto_writer_pending(&w) == 3 * len,
	    "queue refuses to pass its cap: %s", err.msg);
	proto_writer_done(&w);
	free(f);

	/* A socketpair: fill until EAGAIN, then drain and read everything. */
	if (socketpair(AF_UNIX, SOCK_STREAM, 0, sv) != 0)
		exit(99);
	set_nonblock(sv[0]);
	set_nonblock(sv[1]);
	proto_writer_init(&w, 0);
	text = malloc(100001);
	memset(text, 'o', 100000);
	text[100000] = '\0';
	m = proto_msg_new(PROTO_JOB_OUTPUT, 0);
	proto_add_int(m, "job", 1, NULL);
	proto_add_str(m, "target", "web", NULL);
	proto_add_str(m, "stream", "stdout", NULL);
	proto_add_str(m, "data", text, NULL);
	for (i = 0; i < 40; i++) {
		proto_writer_queue(&w, m, NULL);
		queued++;
	}
	rc = proto_writer_flush(&w, sv[0], &err);
	ok(rc == OPS_OK && proto_writer_pending(&w) > 0,
	    "flush stops at EAGAIN with %zu bytes left",
	    proto_writer_pending(&w));
	proto_reader_init(&r, PROTO_ACCEPT_CLIENT);
	for (i = 0; i < 100000 && !eof; i++) {
		rc = proto_writer_flush(&w, sv[0], &err);
		if (rc == OPS_OK && proto_writer_pending(&w) == 0)
			shutdown(sv[0], SHUT_WR);
		if ((rc = proto_reader_fill(&r, sv[1], &eof, &err)) != OPS_OK)
			break;
		while (proto_reader_next(&r, &out, NULL, &err) == OPS_OK &&
		    out != NULL) {
			if (json_equal(out, m))
				n++;
			json_decref(out);
		}
	}
	ok(rc == OPS_OK && eof && (size_t)n == queued &&
	    proto_writer_pending(&w) == 0 && w.size == 0,
	    "all %d frames arrive through a socketpair, then EOF", n);
	proto_reader_done(&r);
	close(sv[0]);

	/* Writing to a closed peer: an error, never SIGPIPE. */
	proto_writer_queue(&w, m, NULL);
	rc = proto_writer_flush(&w, sv[1], &err);
	ok(rc == OPS_E_IO, "flush to a closed peer fails: %s", err.msg);
	close(sv[1]);
	proto_writer_done(&w);

	/* A pipe (not a socket) works too. */
	if (pipe(pfd) != 0)
		exit(99);
	proto_writer_init(&w, 0);
	f = sample_frame(3, &len);
	proto_writer_queue_frame(&w, f, len, NULL);
	ok(proto_writer_flush(&w, pfd[1], &err) == OPS_OK &&
	    proto_writer_pending(&w) == 0, "flush to a pipe");
	proto_reader_init(&r, PROTO_ACCEPT_DAEMON);
	proto_reader_fill(&r, pfd[0], &eof, &err);
	ok(proto_reader_next(&r, &out, NULL, &err) == OPS_OK && out != NULL &&
	    proto_msg_id(out) == 3, "fill from a pipe");
	json_decref(out);
	close(pfd[1]);
	ok(proto_reader_fill(&r, pfd[0], &eof, &err) == OPS_OK && eof == 1,
	    "EOF reported");
	proto_reader_done(&r);

	/* A truncated frame before EOF stays pending. */
	if (pipe(pfd) != 0 || write(pfd[1], f, len - 1) != (ssize_t)(len - 1))
		exit(99);
	close(pfd[1]);
	proto_reader_init(&r, PROTO_ACCEPT_DAEMON);
	proto_reader_fill(&r, pfd[0], &eof, &err);
	rc = proto_reader_next(&r, &out, NULL, &err);
	proto_reader_fill(&r, pfd[0], &eof, &err);
	ok(rc == OPS_OK && out == NULL && eof == 1 &&
	    proto_reader_pending(&r) == len - 1,
	    "truncated frame at EOF is left pending (%zu bytes)",
	    proto_reader_pending(&r));
	proto_reader_done(&r);
	close(pfd[0]);
	proto_writer_done(&w);
	free(f);
	json_decref(m);
	free(text);
}

/* A result object with every key of a reply shape, by its kind. */
static json_t *
full_result(const char *shape)
{
	char		 key[64], kind;
	const char	*p = shape;
	json_t		*o = json_object(), *v;
	size_t		 n;

	while (o != NULL && *p != '\0') {
		while (*p == ' ')
			p++;
		for (n = 0; *p != ':' && *p != '\0' && n < sizeof(key) - 1; p++)
			key[n++] = *p;
		key[n] = '\0';
		if (*p != ':')
			break;
		kind = p[1];
		p += 2;
		if (*p == '?')
			p++;
		switch (kind) {
		case 's': v = json_string("web-1"); break;
		case 't': v = json_string("a longer text\n"); break;
		case 'i': v = json_integer(7); break;
		case 'b': v = json_true(); break;
		case 'a': v = json_pack("[s,s]", "web", "db"); break;
		case 'l': v = json_pack("[{s:i}]", "n", 1); break;
		case 'o': v = json_pack("{s:s}", "k", "v"); break;
		case 'j': v = json_integer(1); break;
		default:
			json_decref(o);
			return NULL;
		}
		json_object_set_new(o, key, v);
	}
	return o;
}

/* The kind of key in a reply shape, or 0. */
static char
kind_of(const char *shape, const char *key)
{
	const char	*p = shape;
	size_t		 n = strlen(key);

	while ((p = strstr(p, key)) != NULL) {
		if ((p == shape || p[-1] == ' ') && p[n] == ':')
			return p[n + 1];
		p++;
	}
	return 0;
}

struct reply_state {
	int	requests;
	int	bad;
};

/* Every request's declared result passes, and each way of breaking it
 * fails naming the type and the key. */
static void
reply_one(const struct proto_type_info *ti, void *arg)
{
	struct reply_state	*st = arg;
	struct ops_err		 err;
	const char		*key;
	json_t			*r, *v, *bad, *empty;
	int			 before = st->bad;

	ops_err_clear(&err);
	if (!(ti->flags & PROTO_F_REQUEST) || ti->type == PROTO_HELLO) {
		/* hello is answered by hello-reply; nothing else by ok */
		if (ti->reply != NULL ||
		    proto_reply_check(ti->type, NULL, &err) != OPS_E_INVAL)
			st->bad++;
		return;
	}
	st->requests++;
	if (ti->reply == NULL) {
		st->bad++;
		return;
	}
	empty = json_array();
	if (strcmp(ti->reply, "[o]") == 0) {
		r = json_pack("[{s:i},{}]", "id", 1);
		bad = json_pack("[{s:i},s]", "id", 1, "x");
		if (proto_reply_check(ti->type, r, NULL) != OPS_OK ||
		    proto_reply_check(ti->type, empty, NULL) != OPS_OK ||
		    proto_reply_check(ti->type, bad, &err) != OPS_E_PROTO ||
		    strstr(ops_err_msg(&err), ti->name) == NULL ||
		    proto_reply_check(ti->type, NULL, NULL) != OPS_E_PROTO)
			st->bad++;
		json_decref(r);
		json_decref(bad);
		goto out;
	}
	if ((r = full_result(ti->reply)) == NULL ||
	    proto_reply_check(ti->type, r, &err) != OPS_OK) {
		diag("%s: full result refused: %s", ti->name,
		    ops_err_msg(&err));
		st->bad++;
		json_decref(r);
		goto out;
	}
	json_object_foreach(r, key, v) {
		char	kind = kind_of(ti->reply, key);

		if (kind == 'j')	/* anything goes */
			continue;
		/* an object where a string is due, else a string */
		bad = json_deep_copy(r);
		json_object_set_new(bad, key, json_is_string(v) ?
		    json_object() : json_string("x"));
		if (proto_reply_check(ti->type, bad, &err) != OPS_E_PROTO ||
		    strstr(ops_err_msg(&err), key) == NULL ||
		    strstr(ops_err_msg(&err), ti->name) == NULL) {
			diag("%s: wrong kind of %s passes", ti->name, key);
			st->bad++;
		}
		json_decref(bad);
	}
	bad = json_deep_copy(r);
	json_object_set_new(bad, "undeclared_key", json_integer(1));
	if (proto_reply_check(ti->type, bad, &err) != OPS_E_PROTO ||
	    strstr(ops_err_msg(&err), "undeclared_key") == NULL)
		st->bad++;
	json_decref(bad);
	if (proto_reply_check(ti->type, empty, NULL) != OPS_E_PROTO)
		st->bad++;
	json_decref(r);
out:
	json_decref(empty);
	if (st->bad != before)
		diag("reply shape of %s: \"%s\"", ti->name, ti->reply);
}

static void
test_replies(void)
{
	struct reply_state	 st = { 0, 0 };
	struct ops_err		 err;
	json_t			*r;

	proto_type_foreach(reply_one, &st);
	ok(st.requests >= 28 && st.bad == 0, "every request but hello "
	    "declares its ok result; full results pass, a wrong kind or "
	    "an undeclared key fails naming it (%d requests)", st.requests);

	r = json_pack("{s:I, s:s}", "job", (json_int_t)3, "state", "done");
	ok(proto_reply_check(PROTO_JOB_LOGS, r, NULL) == OPS_OK,
	    "job-logs {job, state} passes");
	json_object_del(r, "state");
	ok(proto_reply_check(PROTO_JOB_LOGS, r, &err) == OPS_E_PROTO &&
	    strstr(ops_err_msg(&err), "job-logs") != NULL &&
	    strstr(ops_err_msg(&err), "\"state\"") != NULL,
	    "a missing key fails naming the type and the key: %s",
	    ops_err_msg(&err));
	ok(proto_reply_check(PROTO_JOB_LOGS, NULL, NULL) == OPS_E_PROTO,
	    "no result where keys are due fails");
	json_decref(r);

	ok(proto_reply_check(PROTO_TARGET_RM, NULL, NULL) == OPS_OK &&
	    proto_reply_check(PROTO_TARGET_RM, r = json_object(), NULL) ==
	    OPS_OK, "target-rm: no result, or an empty one");
	json_object_set_new(r, "name", json_string("x"));
	ok(proto_reply_check(PROTO_TARGET_RM, r, &err) == OPS_E_PROTO,
	    "target-rm: any key fails");
	json_decref(r);

	/* "?": missing or null; otherwise null is a wrong kind */
	r = json_pack("{s:n}", "warning");
	ok(proto_reply_check(PROTO_DAEMON_STOP, r, NULL) == OPS_OK &&
	    proto_reply_check(PROTO_DAEMON_STOP, NULL, NULL) == OPS_OK,
	    "an optional key may be null or missing");
	json_decref(r);
	r = json_pack("{s:n, s:I}", "job", "rerun_of", (json_int_t)1);
	ok(proto_reply_check(PROTO_JOB_RERUN, r, NULL) == OPS_E_PROTO,
	    "a required key may not be null");
	json_decref(r);
	r = json_pack("{s:s, s:s, s:s, s:s}", "target", "web", "type",
	    "ssh-ed25519", "fingerprint", "SHA256:x", "status", "rejected");
	ok(proto_reply_check(PROTO_HOSTKEY_REJECT, r, NULL) == OPS_OK,
	    "hostkey-reject's result passes");
	json_object_set_new(r, "status", json_string(
	    "a string longer than two hundred and fifty five bytes is no short "
	    "string: xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"
	    "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"
	    "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"
	    "xxxxxx"));
	ok(proto_reply_check(PROTO_HOSTKEY_REJECT, r, &err) == OPS_E_PROTO,
	    "an over-long short string fails");
	json_decref(r);
	r = json_pack("{s:s}", "name", "web");
	ok(proto_reply_check((enum proto_type)9999, r, &err) == OPS_E_INVAL &&
	    proto_reply_check(PROTO_OK, r, NULL) == OPS_E_INVAL &&
	    proto_reply_check(PROTO_HELLO, r, NULL) == OPS_E_INVAL,
	    "unknown types, replies and hello declare no ok result");
	json_decref(r);
}

/* The numbers the enum had before PROTO_TYPES, kept. */
static void
test_numbers(void)
{
	static const struct { enum proto_type t; int n; const char *name; }
	    want[] = {
		{ PROTO_HELLO, 100, "hello" },
		{ PROTO_HELLO_REPLY, 101, "hello-reply" },
		{ PROTO_PASSWD, 104, "passwd" },
		{ PROTO_TARGET_ADD, 200, "target-add" },
		{ PROTO_TARGET_IMPORT, 205, "target-import" },
		{ PROTO_HOSTKEY_IMPORT, 211, "hostkey-import" },
		{ PROTO_RUN, 212, "run" },
		{ PROTO_JOB_RERUN, 217, "job-rerun" },
		{ PROTO_UNSUBSCRIBE, 223, "unsubscribe" },
		{ PROTO_HOSTKEY_REJECT, 224, "hostkey-reject" },
		{ PROTO_OK, 300, "ok" },
		{ PROTO_LOGS_DATA, 303, "logs-data" },
		{ PROTO_JOB_OUTPUT, 400, "job-output" },
		{ PROTO_TARGET_STATUS, 403, "target-status" },
		{ PROTO_DISCOVER, 293, "discover" },
		{ PROTO_DISCOVER_FOUND, 407, "discover-found" },
	};
	size_t	i;
	int	bad = 0;

	for (i = 0; i < sizeof(want) / sizeof(want[0]); i++)
		if ((int)want[i].t != want[i].n ||
		    strcmp(proto_type_name(want[i].t), want[i].name) != 0)
			bad++;
	ok(bad == 0, "type numbers and names as before");
}

int
main(void)
{
	signal(SIGPIPE, SIG_DFL);	/* flush must not raise it on sockets */
	plan_no_plan();
	test_table();
	test_roundtrip();
	test_framing();
	test_frame_limit();
	test_malformed();
	test_builders();
	test_getters();
	test_describe();
	test_writer();
	test_replies();
	test_numbers();
	return exit_status();
}

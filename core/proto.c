/* proto.c: message type table, checks, builders and typed getters (see proto.h). */
#include "config.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "proto.h"
#include "secret.h"

/* The table, expanded from PROTO_TYPES (proto.h). */
#define PROTO_TABLE_ROW(e, n, name, flags, fields, reply)		\
	{ e, name, flags, fields, reply },
static const struct proto_type_info proto_types[] = {
	PROTO_TYPES(PROTO_TABLE_ROW)
};
#undef PROTO_TABLE_ROW
#define NTYPES	(sizeof(proto_types) / sizeof(proto_types[0]))

/* One parsed "key:kind[?]" entry of a fields list. */
struct proto_field {
	char	key[64];
	char	kind;
	int	optional;
};

const struct proto_type_info *
proto_type_info(enum proto_type type)
{
	size_t	i;

	for (i = 0; i < NTYPES; i++) {
		if (proto_types[i].type == type)
			return &proto_types[i];
	}
	return NULL;
}

const char *
proto_type_name(enum proto_type type)
{
	const struct proto_type_info	*ti = proto_type_info(type);

	return ti != NULL ? ti->name : "unknown";
}

enum proto_type
proto_type_from_name(const char *name)
{
	size_t	i;

	if (name == NULL)
		return PROTO_NONE;
	for (i = 0; i < NTYPES; i++) {
		if (strcmp(proto_types[i].name, name) == 0)
			return proto_types[i].type;
	}
	return PROTO_NONE;
}

int
proto_type_flags(enum proto_type type)
{
	const struct proto_type_info	*ti = proto_type_info(type);

	return ti != NULL ? ti->flags : 0;
}

void
proto_type_foreach(void (*cb)(const struct proto_type_info *, void *),
    void *arg)
{
	size_t	i;

	for (i = 0; i < NTYPES; i++)
		cb(&proto_types[i], arg);
}

/*
 * Parse the next field of a fields list into f. Returns the rest of the
 * list, or NULL at its end.
 */
static const char *
field_next(const char *p, struct proto_field *f)
{
	size_t	n = 0;

	while (*p == ' ')
		p++;
	if (*p == '\0')
		return NULL;
	while (*p != '\0' && *p != ':' && *p != ' ') {
		if (n < sizeof(f->key) - 1)
			f->key[n++] = *p;
		p++;
	}
	f->key[n] = '\0';
	f->kind = '\0';
	f->optional = 0;
	if (*p == ':') {
		p++;
		if (*p != '\0' && *p != ' ')
			f->kind = *p++;
	}
	if (*p == '?') {
		f->optional = 1;
		p++;
	}
	while (*p != '\0' && *p != ' ')
		p++;
	return p;
}

/* Look key up in a fields list; 1 and *f filled when listed. */
static int
field_find_in(const char *p, const char *key, struct proto_field *f)
{
	while ((p = field_next(p, f)) != NULL) {
		if (strcmp(f->key, key) == 0)
			return 1;
	}
	return 0;
}

static int
field_find(const struct proto_type_info *ti, const char *key,
    struct proto_field *f)
{
	return field_find_in(ti->fields, key, f);
}

/* A key from the peer, made safe for an error message. */
static void
safe_key(const char *in, char *out, size_t outlen)
{
	size_t	i;

	for (i = 0; in[i] != '\0' && i + 4 < outlen; i++) {
		unsigned char c = (unsigned char)in[i];

		out[i] = (c >= 0x20 && c < 0x7f && c != '"') ? (char)c : '?';
	}
	if (in[i] != '\0' && i + 4 >= outlen) {
		memcpy(out + i, "...", 3);
		i += 3;
	}
	out[i] = '\0';
}

static int
is_header_key(const char *key)
{
	return strcmp(key, "v") == 0 || strcmp(key, "id") == 0 ||
	    strcmp(key, "type") == 0;
}

/* A JSON string without NUL bytes and at most maxlen bytes long. */
static int
check_string(const json_t *v, size_t maxlen)
{
	size_t	len;

	if (!json_is_string(v))
		return 0;
	len = json_string_length(v);
	return len <= maxlen && memchr(json_string_value(v), '\0', len) == NULL;
}

/* Check one value against its kind; name and what ("message" or
 * "reply") say where it is, for the error. */
static int
check_value(const char *name, const char *what, const char *key, char kind,
    const json_t *v, struct ops_err *err)
{
	const char	*want;
	size_t		 i;

	switch (kind) {
	case 's':
		if (check_string(v, OPS_PROTO_MAX_NAME))
			return OPS_OK;
		want = "a string of at most 255 bytes without NUL";
		break;
	case 't':
		if (check_string(v, OPS_PROTO_MAX_FRAME))
			return OPS_OK;
		want = "a text string without NUL";
		break;
	case 'i':
		if (json_is_integer(v))
			return OPS_OK;
		want = "an integer";
		break;
	case 'b':
		if (json_is_boolean(v))
			return OPS_OK;
		want = "a boolean";
		break;
	case 'a':
		want = "an array of at most 4096 short strings";
		if (!json_is_array(v) || json_array_size(v) > OPS_PROTO_MAX_ITEMS)
			break;
		for (i = 0; i < json_array_size(v); i++) {
			if (!check_string(json_array_get(v, i),
			    OPS_PROTO_MAX_NAME))
				break;
		}
		if (i == json_array_size(v))
			return OPS_OK;
		break;
	case 'l':
		if (json_is_array(v))
			return OPS_OK;
		want = "an array";
		break;
	case 'o':
		if (json_is_object(v))
			return OPS_OK;
		want = "an object";
		break;
	case 'j':
		if (v != NULL)
			return OPS_OK;
		want = "a value";
		break;
	default:
		return ops_err_set(err, OPS_E_INTERNAL,
		    "check %s %s: field \"%s\" has unknown kind '%c'", name,
		    what, key, kind);
	}
	return ops_err_set(err, OPS_E_PROTO,
	    "check %s %s: field \"%s\" must be %s", name, what, key, want);
}

/* check_value for a field of a message of type ti. */
static int
check_field(const struct proto_type_info *ti, const char *key, char kind,
    const json_t *v, struct ops_err *err)
{
	return check_value(ti->name, "message", key, kind, v, err);
}

enum proto_type
proto_msg_type(const json_t *msg)
{
	return proto_type_from_name(json_string_value(json_object_get(msg,
	    "type")));
}

long long
proto_msg_id(const json_t *msg)
{
	const json_t	*id = json_object_get(msg, "id");

	return json_is_integer(id) ? (long long)json_integer_value(id) : -1;
}

int
proto_msg_check(const json_t *msg, int accept, enum proto_type *type,
    struct ops_err *err)
{
	const struct proto_type_info	*ti;
	const json_t			*v, *id, *t;
	const char			*key, *p;
	json_t				*value;
	struct proto_field		 f;
	char				 safe[40];
	long long			 ver;
	int				 rc;

	if (type != NULL)
		*type = PROTO_NONE;
	if (!json_is_object(msg))
		return ops_err_set(err, OPS_E_PROTO,
		    "check message: not a JSON object");
	v = json_object_get(msg, "v");
	if (!json_is_integer(v))
		return ops_err_set(err, OPS_E_PROTO,
		    "check message: \"v\" missing or not an integer");
	ver = json_integer_value(v);
	if (ver != OPS_PROTO_VERSION)
		return ops_err_set(err, OPS_E_VERSION,
		    "check message: peer speaks protocol version %lld, "
		    "this side speaks %d", ver, OPS_PROTO_VERSION);
	id = json_object_get(msg, "id");
	if (!json_is_integer(id) || json_integer_value(id) < 0)
		return ops_err_set(err, OPS_E_PROTO,
		    "check message: \"id\" missing or not a non-negative integer");
	t = json_object_get(msg, "type");
	if (!json_is_string(t))
		return ops_err_set(err, OPS_E_PROTO,
		    "check message: \"type\" missing or not a string");
	if ((ti = proto_type_info(proto_type_from_name(
	    json_string_value(t)))) == NULL ||
	    json_string_length(t) != strlen(ti->name)) {
		safe_key(json_string_value(t), safe, sizeof(safe));
		return ops_err_set(err, OPS_E_PROTO,
		    "check message: unknown type \"%s\"", safe);
	}
	if ((ti->flags & accept) == 0)
		return ops_err_set(err, OPS_E_PROTO,
		    "check %s message: type not accepted in this direction",
		    ti->name);
	if ((ti->flags & PROTO_F_EVENT) && json_integer_value(id) != 0)
		return ops_err_set(err, OPS_E_PROTO,
		    "check %s message: events carry id 0", ti->name);

	json_object_foreach((json_t *)msg, key, value) {
		if (is_header_key(key))
			continue;
		if (!field_find(ti, key, &f)) {
			safe_key(key, safe, sizeof(safe));
			return ops_err_set(err, OPS_E_PROTO,
			    "check %s message: unexpected field \"%s\"",
			    ti->name, safe);
		}
		if ((rc = check_field(ti, f.key, f.kind, value, err)) != OPS_OK)
			return rc;
	}
	p = ti->fields;
	while ((p = field_next(p, &f)) != NULL) {
		if (!f.optional && json_object_get(msg, f.key) == NULL)
			return ops_err_set(err, OPS_E_PROTO,
			    "check %s message: missing field \"%s\"",
			    ti->name, f.key);
	}
	if (type != NULL)
		*type = ti->type;
	return OPS_OK;
}

int
proto_reply_check(enum proto_type request, const json_t *result,
    struct ops_err *err)
{
	const struct proto_type_info	*ti = proto_type_info(request);
	const char			*key, *p;
	const json_t			*value;
	struct proto_field		 f;
	char				 safe[40];
	size_t				 i;
	int				 rc;

	if (ti == NULL || ti->reply == NULL)
		return ops_err_set(err, OPS_E_INVAL, "check %s reply: the "
		    "type declares no ok reply", proto_type_name(request));
	if (strcmp(ti->reply, "[o]") == 0) {
		if (!json_is_array(result))
			return ops_err_set(err, OPS_E_PROTO, "check %s reply: "
			    "result must be an array", ti->name);
		for (i = 0; i < json_array_size(result); i++)
			if (!json_is_object(json_array_get(result, i)))
				return ops_err_set(err, OPS_E_PROTO, "check %s "
				    "reply: item %zu must be an object",
				    ti->name, i);
		return OPS_OK;
	}
	/* No result is an empty object: every declared key optional. */
	if (result != NULL && !json_is_object(result))
		return ops_err_set(err, OPS_E_PROTO, "check %s reply: result "
		    "must be an object", ti->name);
	if (result != NULL) {
		json_object_foreach((json_t *)result, key, value) {
			if (!field_find_in(ti->reply, key, &f)) {
				safe_key(key, safe, sizeof(safe));
				return ops_err_set(err, OPS_E_PROTO, "check %s "
				    "reply: undeclared key \"%s\"", ti->name,
				    safe);
			}
			if (f.optional && json_is_null(value))
				continue;
			if ((rc = check_value(ti->name, "reply", f.key, f.kind,
			    value, err)) != OPS_OK)
				return rc;
		}
	}
	p = ti->reply;
	while ((p = field_next(p, &f)) != NULL) {
		if (!f.optional && json_object_get(result, f.key) == NULL)
			return ops_err_set(err, OPS_E_PROTO, "check %s reply: "
			    "missing key \"%s\"", ti->name, f.key);
	}
	return OPS_OK;
}

json_t *
proto_msg_new(enum proto_type type, long long id)
{
	const struct proto_type_info	*ti = proto_type_info(type);
	json_t				*msg;

	if (ti == NULL || id < 0)
		return NULL;
	if ((msg = json_object()) == NULL)
		return NULL;
	if (json_object_set_new(msg, "v", json_integer(OPS_PROTO_VERSION)) ||
	    json_object_set_new(msg, "id", json_integer(id)) ||
	    json_object_set_new(msg, "type", json_string(ti->name))) {
		json_decref(msg);
		return NULL;
	}
	return msg;
}

json_t *
proto_error_new(long long id, int code, const char *message)
{
	json_t	*msg;

	if ((msg = proto_msg_new(PROTO_ERROR, id)) == NULL)
		return NULL;
	if (message == NULL)
		message = ops_strerror(code);
	if (proto_add_int(msg, "code", code, NULL) != OPS_OK ||
	    proto_add_str(msg, "message", message, NULL) != OPS_OK) {
		json_decref(msg);
		return NULL;
	}
	return msg;
}

int
proto_add_json(json_t *msg, const char *key, json_t *value,
    struct ops_err *err)
{
	const struct proto_type_info	*ti;
	struct proto_field		 f;
	int				 rc = OPS_OK;

	if (value == NULL) {
		rc = ops_err_set(err, OPS_E_NOMEM, "add field \"%s\"", key);
		goto out;
	}
	if ((ti = proto_type_info(proto_msg_type(msg))) == NULL) {
		rc = ops_err_set(err, OPS_E_INVAL,
		    "add field \"%s\": message has no known type", key);
		goto out;
	}
	if (!field_find(ti, key, &f)) {
		rc = ops_err_set(err, OPS_E_INVAL,
		    "add field \"%s\": not a field of %s messages", key,
		    ti->name);
		goto out;
	}
	if ((rc = check_field(ti, key, f.kind, value, err)) != OPS_OK) {
		rc = ops_err_set(err, OPS_E_INVAL, "add field \"%s\" to %s "
		    "message: value has the wrong type or size", key, ti->name);
		goto out;
	}
	if (json_object_set(msg, key, value) != 0)
		rc = ops_err_set(err, OPS_E_NOMEM, "add field \"%s\"", key);
out:
	json_decref(value);
	return rc;
}

int
proto_add_strn(json_t *msg, const char *key, const char *value, size_t len,
    struct ops_err *err)
{
	if (value == NULL)
		return ops_err_set(err, OPS_E_INVAL, "add field \"%s\": "
		    "no value", key);
	return proto_add_json(msg, key, json_stringn(value, len), err);
}

int
proto_add_str(json_t *msg, const char *key, const char *value,
    struct ops_err *err)
{
	if (value == NULL)
		return ops_err_set(err, OPS_E_INVAL, "add field \"%s\": "
		    "no value", key);
	return proto_add_strn(msg, key, value, strlen(value), err);
}

int
proto_add_int(json_t *msg, const char *key, long long value,
    struct ops_err *err)
{
	return proto_add_json(msg, key, json_integer(value), err);
}

int
proto_add_bool(json_t *msg, const char *key, int value, struct ops_err *err)
{
	return proto_add_json(msg, key, json_boolean(value), err);
}

int
proto_add_str_array(json_t *msg, const char *key, const char *const *values,
    size_t n, struct ops_err *err)
{
	json_t	*a;
	size_t	 i;

	if ((a = json_array()) == NULL)
		return ops_err_set(err, OPS_E_NOMEM, "add field \"%s\"", key);
	for (i = 0; i < n; i++) {
		if (values[i] == NULL ||
		    json_array_append_new(a, json_string(values[i])) != 0) {
			json_decref(a);
			return ops_err_set(err, OPS_E_INVAL, "add field \"%s\": "
			    "item %zu is not a valid string", key, i);
		}
	}
	return proto_add_json(msg, key, a, err);
}

int
proto_has(const json_t *msg, const char *key)
{
	return json_object_get(msg, key) != NULL;
}

int
proto_get_strn(const json_t *msg, const char *key, const char **out,
    size_t *len, size_t maxlen, struct ops_err *err)
{
	const json_t	*v;
	size_t		 n;

	*out = NULL;
	if (len != NULL)
		*len = 0;
	if ((v = json_object_get(msg, key)) == NULL)
		return ops_err_set(err, OPS_E_PROTO, "read field \"%s\": "
		    "missing", key);
	if (!json_is_string(v))
		return ops_err_set(err, OPS_E_PROTO, "read field \"%s\": "
		    "not a string", key);
	n = json_string_length(v);
	if (n > maxlen)
		return ops_err_set(err, OPS_E_PROTO, "read field \"%s\": "
		    "%zu bytes, limit %zu", key, n, maxlen);
	if (memchr(json_string_value(v), '\0', n) != NULL)
		return ops_err_set(err, OPS_E_PROTO, "read field \"%s\": "
		    "holds a NUL byte", key);
	*out = json_string_value(v);
	if (len != NULL)
		*len = n;
	return OPS_OK;
}

int
proto_get_str(const json_t *msg, const char *key, const char **out,
    size_t maxlen, struct ops_err *err)
{
	return proto_get_strn(msg, key, out, NULL, maxlen, err);
}

int
proto_get_int(const json_t *msg, const char *key, long long min,
    long long max, long long *out, struct ops_err *err)
{
	const json_t	*v;
	long long	 n;

	*out = 0;
	if ((v = json_object_get(msg, key)) == NULL)
		return ops_err_set(err, OPS_E_PROTO, "read field \"%s\": "
		    "missing", key);
	if (!json_is_integer(v))
		return ops_err_set(err, OPS_E_PROTO, "read field \"%s\": "
		    "not an integer", key);
	n = json_integer_value(v);
	if (n < min || n > max)
		return ops_err_set(err, OPS_E_PROTO, "read field \"%s\": "
		    "%lld is outside %lld..%lld", key, n, min, max);
	*out = n;
	return OPS_OK;
}

int
proto_get_bool(const json_t *msg, const char *key, int *out,
    struct ops_err *err)
{
	const json_t	*v;

	*out = 0;
	if ((v = json_object_get(msg, key)) == NULL)
		return ops_err_set(err, OPS_E_PROTO, "read field \"%s\": "
		    "missing", key);
	if (!json_is_boolean(v))
		return ops_err_set(err, OPS_E_PROTO, "read field \"%s\": "
		    "not a boolean", key);
	*out = json_is_true(v);
	return OPS_OK;
}

int
proto_get_str_array(const json_t *msg, const char *key, size_t maxcount,
    size_t maxlen, const char ***out, size_t *count, struct ops_err *err)
{
	const json_t	 *v, *item;
	const char	**list = NULL;
	size_t		  i, n;
	int		  rc = OPS_OK;

	*out = NULL;
	if (count != NULL)
		*count = 0;
	if ((v = json_object_get(msg, key)) == NULL)
		return ops_err_set(err, OPS_E_PROTO, "read field \"%s\": "
		    "missing", key);
	if (!json_is_array(v))
		return ops_err_set(err, OPS_E_PROTO, "read field \"%s\": "
		    "not an array", key);
	n = json_array_size(v);
	if (n > maxcount)
		return ops_err_set(err, OPS_E_PROTO, "read field \"%s\": "
		    "%zu items, limit %zu", key, n, maxcount);
	if ((list = calloc(n + 1, sizeof(*list))) == NULL)
		return ops_err_set(err, OPS_E_NOMEM, "read field \"%s\"", key);
	for (i = 0; i < n; i++) {
		item = json_array_get(v, i);
		if (!check_string(item, maxlen)) {
			rc = ops_err_set(err, OPS_E_PROTO, "read field \"%s\": "
			    "item %zu is not a string of at most %zu bytes "
			    "without NUL", key, i, maxlen);
			goto out;
		}
		list[i] = json_string_value(item);
	}
	*out = list;
	list = NULL;
	if (count != NULL)
		*count = n;
out:
	free(list);
	return rc;
}

int
proto_take_secret(json_t *msg, const char *key, size_t maxlen,
    struct secret **out, struct ops_err *err)
{
	const char	*s;
	size_t		 len;
	int		 rc;

	*out = NULL;
	if ((rc = proto_get_strn(msg, key, &s, &len, maxlen, err)) != OPS_OK)
		return rc;
	rc = secret_from(s, len, out, err);
	/* The string belongs to msg; wipe it in place before it is freed. */
	sodium_memzero((void *)(uintptr_t)s, len);
	json_object_del(msg, key);
	return rc;
}

static void
wipe_string(const json_t *v)
{
	if (json_is_string(v))
		sodium_memzero((void *)(uintptr_t)json_string_value(v),
		    json_string_length(v));
}

void
proto_wipe_strings(json_t *msg, const char *key)
{
	const json_t	*a = json_object_get(msg, key), *v;
	size_t		 i;

	wipe_string(a);
	json_array_foreach(a, i, v)
		wipe_string(v);
}

struct describe_buf {
	char	*buf;
	size_t	 len;
	size_t	 used;
	int	 truncated;
};

static int
describe_cb(const char *p, size_t n, void *arg)
{
	struct describe_buf	*d = arg;
	size_t			 room = d->len - 1 - d->used;

	if (n > room) {
		memcpy(d->buf + d->used, p, room);
		d->used += room;
		d->truncated = 1;
		return -1;
	}
	memcpy(d->buf + d->used, p, n);
	d->used += n;
	return 0;
}

/* "type id=N", then the body, or only its size when hide is set. */
static char *
describe(const json_t *msg, int hide, char *buf, size_t len)
{
	struct describe_buf	 d;
	enum proto_type		 type;
	json_t			*body;
	int			 n;

	if (buf == NULL || len == 0)
		return buf;
	type = proto_msg_type(msg);
	n = snprintf(buf, len, "%s id=%lld", proto_type_name(type),
	    proto_msg_id(msg));
	if (n < 0 || (size_t)n >= len - 1)
		return buf;
	if (hide || type == PROTO_NONE ||
	    (proto_type_flags(type) & PROTO_F_SENSITIVE)) {
		/* The size alone says what happened without the contents. */
		snprintf(buf + n, len - n, " (%zu bytes, body not logged)",
		    json_dumpb(msg, NULL, 0, JSON_COMPACT));
		return buf;
	}
	if ((body = json_copy((json_t *)msg)) == NULL)
		return buf;
	json_object_del(body, "v");
	json_object_del(body, "id");
	json_object_del(body, "type");
	buf[n++] = ' ';
	d.buf = buf;
	d.len = len;
	d.used = n;
	d.truncated = 0;
	json_dump_callback(body, describe_cb, &d,
	    JSON_COMPACT | JSON_ENSURE_ASCII);
	json_decref(body);
	buf[d.used] = '\0';
	if (d.truncated && d.used >= (size_t)n + 3)
		memcpy(buf + d.used - 3, "...", 3);
	return buf;
}

char *
proto_describe(const json_t *msg, char *buf, size_t len)
{
	return describe(msg, 0, buf, len);
}

char *
proto_describe_reply(const json_t *msg, enum proto_type request, char *buf,
    size_t len)
{
	return describe(msg, (proto_type_flags(request) &
	    PROTO_F_SENSITIVE_REPLY) != 0, buf, len);
}

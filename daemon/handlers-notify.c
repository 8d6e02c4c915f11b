/*
 * handlers-notify.c: notify add, list, rm, test, log and smtp-password.
 * A channel's secrets (a Slack URL, a webhook signing key, the SMTP
 * password) arrive in sensitive messages, are moved into struct secrets
 * at once, sealed by the store and wiped; list, log, errors and the
 * audit show a Slack URL masked and never a key. The one exception is a
 * generated webhook key, returned once by notify add (a sensitive
 * reply), as Standard Webhooks expects the receiver to be given it.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <sodium.h>

#include "daemon.h"
#include "notify.h"
#include "store-notify.h"
#include "xmalloc.h"

/* Their rows are in dispatch.c, which declares them too. */
handler_fn	handle_notify_add, handle_notify_list, handle_notify_rm,
		handle_notify_test, handle_notify_log,
		handle_notify_smtp_password;

#define S	OPS_PROTO_MAX_NAME

/* An http(s) URL of printable ASCII without blanks, with a host. */
static int
check_url(const char *name, const char *url, size_t len, struct ops_err *err)
{
	size_t		 i, skip;

	if (strncasecmp(url, "https://", 8) == 0)
		skip = 8;
	else if (strncasecmp(url, "http://", 7) == 0)
		skip = 7;
	else
		return ops_err_set(err, OPS_E_INVAL, "notify add %s: only "
		    "http:// and https:// URLs are allowed", name);
	if (len > STORE_NOTIFY_TARGET_MAX)
		return ops_err_set(err, OPS_E_INVAL, "notify add %s: the URL is "
		    "longer than %d bytes", name, STORE_NOTIFY_TARGET_MAX);
	for (i = 0; i < len; i++)
		if (url[i] <= ' ' || url[i] > '~')
			return ops_err_set(err, OPS_E_INVAL, "notify add %s: "
			    "the URL has a blank or a non-ASCII byte", name);
	if (len == skip || url[skip] == '/')
		return ops_err_set(err, OPS_E_INVAL, "notify add %s: the URL "
		    "has no host", name);
	return OPS_OK;
}

/* scheme://host and a masked path: the URL is the credential. */
static char *
mask_url(const char *url)
{
	const char	*h = strstr(url, "://"), *e;

	h = h != NULL ? h + 3 : url;
	e = h + strcspn(h, "/?#");
	return xasprintf("%.*s/***", (int)(e - url), url);
}

/* A webhook URL as listed: without its query (which may hold a token). */
static char *
shown_url(const char *url)
{
	size_t	n = strcspn(url, "?#");

	return url[n] != '\0' ? xasprintf("%.*s?***", (int)n, url) :
	    xstrdup(url);
}

static int
check_chat(const char *name, const char *chat, struct ops_err *err)
{
	size_t	i = chat[0] == '-' || chat[0] == '@' ? 1 : 0;
	int	at = chat[0] == '@';

	if (chat[i] == '\0' || strlen(chat) > 64)
		goto bad;
	for (; chat[i] != '\0'; i++)
		if (!(chat[i] >= '0' && chat[i] <= '9') && !(at &&
		    ((chat[i] >= 'a' && chat[i] <= 'z') || (chat[i] >= 'A' &&
		    chat[i] <= 'Z') || chat[i] == '_')))
			goto bad;
	return OPS_OK;
bad:
	return ops_err_set(err, OPS_E_INVAL, "notify add %s: a Telegram chat "
	    "is a numeric id or @channelname", name);
}

static int
check_mail(const char *name, const char *a, struct ops_err *err)
{
	const char	*at = strchr(a, '@');

	if (at == NULL || at == a || at[1] == '\0' || strlen(a) > 254 ||
	    strpbrk(a, " \t\r\n<>\"(),;:\\[]") != NULL ||
	    strchr(at + 1, '@') != NULL)
		return ops_err_set(err, OPS_E_INVAL, "notify add %s: \"%s\" is "
		    "not one mail address", name, a);
	return OPS_OK;
}

/* The events list: names of notify_event_names, default all. */
static int
events_text(const json_t *msg, const char *name, char **out,
    struct ops_err *err)
{
	const char	**v = NULL;
	size_t		  n = 0, i, len = 0;
	int		  rc;

	*out = NULL;
	if (proto_has(msg, "events")) {
		if ((rc = proto_get_str_array(msg, "events", 16, 64, &v, &n,
		    err)) != OPS_OK)
			return rc;
	}
	if (n == 0) {
		free(v);
		v = NULL;
		for (n = 0; notify_event_names[n] != NULL; n++)
			;
		v = xcalloc(n + 1, sizeof(*v));
		for (i = 0; i < n; i++)
			v[i] = notify_event_names[i];
	}
	for (i = 0; i < n; i++) {
		if (!notify_event_valid(v[i])) {
			rc = ops_err_set(err, OPS_E_INVAL, "notify add %s: no "
			    "event \"%.64s\" (known: job-started, "
			    "job-succeeded, job-failed, approval-requested, "
			    "approval-decided, approval-expired, "
			    "target-unreachable)", name, v[i]);
			free(v);
			return rc;
		}
		len += strlen(v[i]) + 1;
	}
	*out = xcalloc(1, len + 1);
	for (i = 0; i < n; i++) {
		if (strstr(*out, v[i]) != NULL)
			continue;	/* a duplicate */
		if (**out != '\0')
			strcat(*out, ",");
		strcat(*out, v[i]);
	}
	free(v);
	return OPS_OK;
}

static json_t *
events_json(const char *events)
{
	json_t		*a = json_array();
	const char	*p = events, *e;

	while (*p != '\0') {
		e = p + strcspn(p, ",");
		json_array_append_new(a, json_stringn(p, (size_t)(e - p)));
		p = *e == ',' ? e + 1 : e;
	}
	return a;
}

int
handle_notify_add(struct ops_ctx *ctx, struct client *c, json_t *msg,
    json_t **result, struct ops_err *err)
{
	struct store_notify_spec	 s;
	struct secret			*target = NULL, *key = NULL;
	const char			*name, *kind;
	char				*t = NULL, *shown = NULL, *events = NULL;
	char				 sig[100];
	int				 rc, generated = 0;

	(void)c;
	memset(&s, 0, sizeof(s));
	if ((rc = proto_take_secret(msg, "target", STORE_NOTIFY_TARGET_MAX,
	    &target, err)) != OPS_OK)
		goto out;
	if (proto_has(msg, "secret") && (rc = proto_take_secret(msg, "secret",
	    256, &key, err)) != OPS_OK)
		goto out;
	if ((rc = proto_get_str(msg, "name", &name, S, err)) != OPS_OK ||
	    (rc = proto_get_str(msg, "kind", &kind, S, err)) != OPS_OK)
		goto out;
	s.name = name;
	if (store_notify_kind_parse(kind, &s.kind) != OPS_OK) {
		rc = ops_err_set(err, OPS_E_INVAL, "notify add %s: kind must "
		    "be webhook, slack, telegram or email", name);
		goto out;
	}
	if ((rc = events_text(msg, name, &events, err)) != OPS_OK)
		goto out;
	s.events = events;
	/* the target as a C string (a Slack URL stays in a secret) */
	if (memchr(secret_cdata(target), '\0', secret_len(target)) != NULL) {
		rc = ops_err_set(err, OPS_E_INVAL, "notify add %s: the target "
		    "has a NUL byte", name);
		goto out;
	}
	if (s.kind != STORE_NOTIFY_SLACK)
		t = xstrndup((const char *)secret_cdata(target),
		    secret_len(target));
	if (key != NULL && s.kind != STORE_NOTIFY_WEBHOOK) {
		rc = ops_err_set(err, OPS_E_INVAL, "notify add %s: only a "
		    "webhook takes a signing secret", name);
		goto out;
	}
	switch (s.kind) {
	case STORE_NOTIFY_SLACK: {
		struct secret	*u = NULL;

		if ((rc = secret_new(secret_len(target) + 1, &u, err)) !=
		    OPS_OK)
			goto out;
		memcpy(secret_data(u), secret_cdata(target),
		    secret_len(target));
		rc = check_url(name, (const char *)secret_cdata(u),
		    secret_len(target), err);
		if (rc == OPS_OK)
			shown = mask_url((const char *)secret_cdata(u));
		secret_free(u);
		if (rc != OPS_OK)
			goto out;
		s.target_secret = target;
		break;
	}
	case STORE_NOTIFY_WEBHOOK:
		if ((rc = check_url(name, t, strlen(t), err)) != OPS_OK)
			goto out;
		shown = shown_url(t);
		if (key == NULL) {
			if ((rc = notify_webhook_secret(&key, err)) != OPS_OK)
				goto out;
			generated = 1;
		} else if ((rc = notify_sign(key, "x", 0,
		    (const unsigned char *)"", 0, sig, sizeof(sig), err)) !=
		    OPS_OK) {
			rc = ops_err_set(err, OPS_E_INVAL, "notify add %s: the "
			    "signing secret must be whsec_ and the base64 of "
			    "24 to 64 bytes", name);
			goto out;
		}
		s.secret = key;
		s.target = t;
		break;
	case STORE_NOTIFY_TELEGRAM:
		if ((rc = check_chat(name, t, err)) != OPS_OK)
			goto out;
		shown = xstrdup(t);
		s.target = t;
		break;
	case STORE_NOTIFY_EMAIL:
		if ((rc = check_mail(name, t, err)) != OPS_OK)
			goto out;
		shown = xstrdup(t);
		s.target = t;
		break;
	}
	s.shown = shown;
	if ((rc = store_notify_add(ctx->store, &s, NULL, err)) != OPS_OK)
		goto out;
	*result = json_pack("{s:s, s:s, s:s, s:o}", "name", name, "kind",
	    store_notify_kind_name(s.kind), "shown", shown, "events",
	    events_json(events));
	if (generated)
		json_object_set_new(*result, "secret", json_stringn(
		    (const char *)secret_cdata(key), secret_len(key)));
out:
	sodium_memzero(sig, sizeof(sig));
	free(t);
	free(shown);
	free(events);
	secret_free(target);
	secret_free(key);
	return rc;
}

int
handle_notify_list(struct ops_ctx *ctx, struct client *c, json_t *msg,
    json_t **result, struct ops_err *err)
{
	struct store_notify_channel_list	 l;
	json_t					*a;
	size_t					 i;
	int					 rc;

	(void)c;
	(void)msg;
	if ((rc = store_notify_list(ctx->store, &l, err)) != OPS_OK)
		return rc;
	a = json_array();
	for (i = 0; i < l.n; i++)
		json_array_append_new(a, json_pack("{s:s, s:s, s:s, s:o, s:b, "
		    "s:I, s:I, s:I}", "name", l.v[i].name, "kind",
		    store_notify_kind_name(l.v[i].kind), "target",
		    l.v[i].shown, "events", events_json(l.v[i].events),
		    "signed", l.v[i].has_secret, "created",
		    (json_int_t)l.v[i].created, "pending",
		    (json_int_t)l.v[i].pending, "failed",
		    (json_int_t)l.v[i].failed));
	store_notify_channel_list_free(&l);
	*result = a;
	return OPS_OK;
}

int
handle_notify_rm(struct ops_ctx *ctx, struct client *c, json_t *msg,
    json_t **result, struct ops_err *err)
{
	const char	*name;
	int		 rc;

	(void)c;
	(void)result;
	if ((rc = proto_get_str(msg, "name", &name, S, err)) != OPS_OK)
		return rc;
	return store_notify_delete(ctx->store, name, err);
}

int
handle_notify_test(struct ops_ctx *ctx, struct client *c, json_t *msg,
    json_t **result, struct ops_err *err)
{
	struct store_notify_channel	*ch = NULL;
	struct client_defer		*d;
	const char			*name;
	int				 rc;

	(void)result;
	if ((rc = proto_get_str(msg, "name", &name, S, err)) != OPS_OK ||
	    (rc = store_notify_get(ctx->store, name, &ch, err)) != OPS_OK)
		return rc;
	store_notify_channel_free(ch);
	if ((d = client_defer(c, msg)) == NULL)
		return ops_err_set(err, OPS_E_NOMEM, "defer reply");
	if ((rc = notify_test(ctx, name, d, err)) != OPS_OK)
		client_defer_error(d, rc, ops_err_msg(err));
	return OPS_OK;
}

static json_t *
opt_time(int64_t t)
{
	return t != 0 ? json_integer(t) : json_null();
}

int
handle_notify_log(struct ops_ctx *ctx, struct client *c, json_t *msg,
    json_t **result, struct ops_err *err)
{
	struct store_outbox_list	 l;
	json_t				*a;
	long long			 limit = 50;
	size_t				 i;
	int				 rc;

	(void)c;
	if (proto_has(msg, "limit") && (rc = proto_get_int(msg, "limit", 1,
	    10000, &limit, err)) != OPS_OK)
		return rc;
	if ((rc = store_outbox_list(ctx->store, (size_t)limit, &l, err)) !=
	    OPS_OK)
		return rc;
	a = json_array();
	for (i = 0; i < l.n; i++)
		json_array_append_new(a, json_pack("{s:I, s:s, s:s, s:s, s:s, "
		    "s:i, s:o, s:I, s:o, s:I, s:o}", "id",
		    (json_int_t)l.v[i].id, "channel", l.v[i].channel, "event",
		    l.v[i].event, "webhook_id", l.v[i].webhook_id, "state",
		    l.v[i].state, "attempts", l.v[i].attempts, "next_attempt",
		    strcmp(l.v[i].state, "pending") == 0 ?
		    opt_time(l.v[i].next_attempt) : json_null(), "give_up_at",
		    (json_int_t)l.v[i].give_up_at, "error",
		    l.v[i].last_error != NULL ? json_string(l.v[i].last_error) :
		    json_null(), "created", (json_int_t)l.v[i].created,
		    "delivered", opt_time(l.v[i].delivered)));
	store_outbox_list_free(&l);
	*result = a;
	return OPS_OK;
}

int
handle_notify_smtp_password(struct ops_ctx *ctx, struct client *c,
    json_t *msg, json_t **result, struct ops_err *err)
{
	struct secret	*pw = NULL;
	int		 rc;

	(void)c;
	(void)result;
	if ((rc = proto_take_secret(msg, "password", 1024, &pw, err)) !=
	    OPS_OK)
		return rc;
	if (secret_len(pw) == 0 || memchr(secret_cdata(pw), '\0',
	    secret_len(pw)) != NULL || memchr(secret_cdata(pw), '\n',
	    secret_len(pw)) != NULL)
		rc = ops_err_set(err, OPS_E_INVAL, "notify smtp-password: the "
		    "password is empty or has a NUL or a line break");
	else
		rc = store_notify_smtp_set(ctx->store, pw, err);
	secret_free(pw);
	return rc;
}

/*
 * notify-send.c: one delivery attempt of an outbox row, by channel kind.
 * Webhook: the payload as a JSON POST with the Standard Webhooks headers
 * (webhook-id fixed per row, webhook-timestamp of this attempt,
 * webhook-signature "v1,<base64 HMAC-SHA256(key, id.timestamp.body)>",
 * the key being the base64 after "whsec_"). Slack: an incoming-webhook
 * body {text, blocks} to the sealed URL. Email: a plain-text mail over
 * SMTP (smtp.* keys, the password sealed in the store). Telegram:
 * telegram_send, once i13-telegram provides it. Secrets are opened for
 * the attempt only, and wiped once http_start has copied them.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <sodium.h>

#include "http.h"
#include "notify-int.h"
#include "secret.h"
#include "xmalloc.h"

#define WHSEC_PREFIX	"whsec_"
#define WHSEC_KEY_LEN	32

int
notify_webhook_secret(struct secret **out, struct ops_err *err)
{
	unsigned char	key[WHSEC_KEY_LEN];
	size_t		len = strlen(WHSEC_PREFIX) + sodium_base64_ENCODED_LEN(
			    WHSEC_KEY_LEN, sodium_base64_VARIANT_ORIGINAL);
	int		rc;

	randombytes_buf(key, sizeof(key));
	if ((rc = secret_new(len, out, err)) != OPS_OK) {
		sodium_memzero(key, sizeof(key));
		return rc;
	}
	memcpy(secret_data(*out), WHSEC_PREFIX, strlen(WHSEC_PREFIX));
	sodium_bin2base64((char *)secret_data(*out) + strlen(WHSEC_PREFIX),
	    len - strlen(WHSEC_PREFIX), key, sizeof(key),
	    sodium_base64_VARIANT_ORIGINAL);
	secret_truncate(*out, strlen((char *)secret_data(*out)));
	sodium_memzero(key, sizeof(key));
	return OPS_OK;
}

int
notify_sign(const struct secret *whsec, const char *id, long long ts,
    const unsigned char *body, size_t len, char *out, size_t outlen,
    struct ops_err *err)
{
	crypto_auth_hmacsha256_state	 st;
	unsigned char			 key[128], mac[32];
	const char			*b64;
	char				 tsbuf[32];
	size_t				 b64len, keylen = 0, pl;

	pl = strlen(WHSEC_PREFIX);
	b64 = (const char *)secret_cdata(whsec);
	b64len = secret_len(whsec);
	if (b64len <= pl || memcmp(b64, WHSEC_PREFIX, pl) != 0 ||
	    sodium_base642bin(key, sizeof(key), b64 + pl, b64len - pl, NULL,
	    &keylen, NULL, sodium_base64_VARIANT_ORIGINAL) != 0 ||
	    keylen < 24)
		return ops_err_set(err, OPS_E_CORRUPT, "the webhook secret is "
		    "not whsec_ and base64 of 24 to 64 bytes");
	snprintf(tsbuf, sizeof(tsbuf), "%lld", ts);
	crypto_auth_hmacsha256_init(&st, key, keylen);
	crypto_auth_hmacsha256_update(&st, (const unsigned char *)id,
	    strlen(id));
	crypto_auth_hmacsha256_update(&st, (const unsigned char *)".", 1);
	crypto_auth_hmacsha256_update(&st, (const unsigned char *)tsbuf,
	    strlen(tsbuf));
	crypto_auth_hmacsha256_update(&st, (const unsigned char *)".", 1);
	crypto_auth_hmacsha256_update(&st, body, len);
	crypto_auth_hmacsha256_final(&st, mac);
	sodium_memzero(key, sizeof(key));
	sodium_memzero(&st, sizeof(st));
	if (outlen < 3 + sodium_base64_ENCODED_LEN(sizeof(mac),
	    sodium_base64_VARIANT_ORIGINAL))
		return ops_err_set(err, OPS_E_INTERNAL, "signature buffer");
	memcpy(out, "v1,", 3);
	sodium_bin2base64(out + 3, outlen - 3, mac, sizeof(mac),
	    sodium_base64_VARIANT_ORIGINAL);
	return OPS_OK;
}

static void
http_back(struct ops_ctx *ctx, const struct http_response *r, void *arg)
{
	struct notify_flight	*f = arg;
	int			 ok;

	(void)ctx;
	f->call = NULL;
	ok = r->error == NULL && (f->smtp ? r->status == 250 :
	    r->status >= 200 && r->status <= 299);
	notify_attempt_done(f->n, f->id, ok, r->status, r->retry_after_s,
	    r->error);
}

void
notify_send_cancel(struct notify *n, struct notify_flight *f)
{
	if (f->call != NULL)
		http_cancel(n->ctx, f->call);
	f->call = NULL;
}

/* The payload's "text" (borrowed from o, which the caller holds). */
static const char *
payload_text(json_t *o)
{
	const char	*t = json_string_value(json_object_get(o, "text"));

	return t != NULL ? t : "opsicle notification";
}

/* text with Slack's three control characters escaped (caller frees). */
static char *
slack_escape(const char *s)
{
	size_t	n = 0;
	char	*out, *p;
	const char *q;

	for (q = s; *q != '\0'; q++)
		n += *q == '&' ? 5 : (*q == '<' || *q == '>') ? 4 : 1;
	p = out = xmalloc(n + 1);
	for (q = s; *q != '\0'; q++) {
		if (*q == '&')
			p += sprintf(p, "&amp;");
		else if (*q == '<')
			p += sprintf(p, "&lt;");
		else if (*q == '>')
			p += sprintf(p, "&gt;");
		else
			*p++ = *q;
	}
	*p = '\0';
	return out;
}

static char *
slack_body(const char *text)
{
	char	*t = slack_escape(text), *s;
	json_t	*o;

	o = json_pack("{s:s, s:[{s:s, s:{s:s, s:s}}]}", "text", t, "blocks",
	    "type", "section", "text", "type", "mrkdwn", "text", t);
	s = json_dumps(o, JSON_COMPACT);
	json_decref(o);
	free(t);
	return s;
}

/* A secret's bytes as a NUL-terminated string in a new secret. */
static int
secret_cstr(struct secret *in, struct secret **out, struct ops_err *err)
{
	int	rc;

	if ((rc = secret_new(secret_len(in) + 1, out, err)) != OPS_OK)
		return rc;
	memcpy(secret_data(*out), secret_cdata(in), secret_len(in));
	return OPS_OK;
}

/* A mail: headers, blank line, text with CRLF line ends (caller frees). */
static char *
mail_text(const char *from, const char *to, const char *wid,
    const char *text)
{
	char		 subj[128], date[64], *body, *p;
	const char	*q;
	size_t		 i, n;
	time_t		 now = time(NULL);
	struct tm	 tm;

	for (i = 0, q = text; *q != '\0' && *q != '\n' && i + 1 < sizeof(subj);
	    q++)
		subj[i++] = (unsigned char)*q < ' ' ? ' ' : *q;
	subj[i] = '\0';
	gmtime_r(&now, &tm);
	strftime(date, sizeof(date), "%a, %d %b %Y %H:%M:%S +0000", &tm);
	for (n = 0, q = text; *q != '\0'; q++)
		n += *q == '\n' ? 2 : 1;
	body = xmalloc(n + 3);
	for (p = body, q = text; *q != '\0'; q++) {
		if (*q == '\r')
			continue;
		if (*q == '\n')
			*p++ = '\r';
		*p++ = *q;
	}
	memcpy(p, "\r\n", 3);
	p = xasprintf("From: %s\r\nTo: %s\r\nSubject: %s\r\nDate: %s\r\n"
	    "Message-ID: <%s@opsicle>\r\nMIME-Version: 1.0\r\n"
	    "Content-Type: text/plain; charset=utf-8\r\n"
	    "Content-Transfer-Encoding: 8bit\r\n\r\n%s", from, to, subj, date,
	    wid, body);
	free(body);
	return p;
}

/* One address or a config value: no line breaks, no blanks, no <>. */
static int
mail_addr_ok(const char *s)
{
	return s != NULL && *s != '\0' && strpbrk(s, " \t\r\n<>\"") == NULL &&
	    strchr(s, '@') != NULL;
}

static int
send_email(struct notify *n, struct notify_flight *f,
    const struct store_notify_channel *c, const struct store_outbox *o,
    const char *text, struct ops_err *err)
{
	struct ops_ctx		*ctx = n->ctx;
	struct http_request	 rq;
	struct secret		*pw = NULL;
	struct ops_err		 e2;
	const char		*url = config_str(ctx->config, "smtp.url");
	const char		*from = config_str(ctx->config, "smtp.from");
	const char		*user = config_str(ctx->config, "smtp.user");
	const char		*ca = config_str(ctx->config, "smtp.ca-file");
	char			*msg;
	int			 rc;

	if (*url == '\0')
		return ops_err_set(err, OPS_E_INVAL, "smtp.url is not set in "
		    "opsicle.conf");
	if (!mail_addr_ok(from) || !mail_addr_ok(c->target))
		return ops_err_set(err, OPS_E_INVAL, "smtp.from or the "
		    "channel's address is not one mail address");
	if (*user != '\0') {
		if ((rc = store_notify_smtp_open(ctx->store, &pw, &e2)) !=
		    OPS_OK)
			return ops_err_set(err, rc, "%s (opsicle notify "
			    "smtp-password)", ops_err_msg(&e2));
	}
	msg = mail_text(from, c->target, o->webhook_id, text);
	memset(&rq, 0, sizeof(rq));
	rq.url = url;
	rq.body = (const unsigned char *)msg;
	rq.body_len = strlen(msg);
	rq.timeout_ms = config_num(ctx->config, "notify.timeout") * 1000;
	rq.ca_file = *ca != '\0' ? ca : NULL;
	rq.mail_from = from;
	rq.mail_rcpt = c->target;
	rq.user = *user != '\0' ? user : NULL;
	rq.password = pw;
	rq.smtp_plaintext = strcmp(config_str(ctx->config, "smtp.starttls"),
	    "no") == 0;
	f->smtp = 1;
	rc = http_start(ctx, &rq, http_back, f, &f->call, err);
	secret_free(pw);
	free(msg);
	return rc;
}

static int
send_http(struct notify *n, struct notify_flight *f,
    const struct store_notify_channel *c, const struct store_outbox *o,
    const char *text, struct ops_err *err)
{
	struct ops_ctx		*ctx = n->ctx;
	struct http_request	 rq;
	struct secret		*sec = NULL, *url = NULL;
	const char		*ca = config_str(ctx->config, "notify.ca-file");
	const char		*hdrs[4];
	char			 h_id[64], h_ts[64], h_sig[128], sig[100];
	char			*body = NULL;
	long long		 ts = (long long)time(NULL);
	int			 rc;

	memset(&rq, 0, sizeof(rq));
	hdrs[0] = "Content-Type: application/json";
	rq.headers = hdrs;
	rq.nheaders = 1;
	rq.method = "POST";
	rq.timeout_ms = config_num(ctx->config, "notify.timeout") * 1000;
	rq.ca_file = *ca != '\0' ? ca : NULL;
	rq.max_response = 64 * 1024;
	if (c->kind == STORE_NOTIFY_SLACK) {
		struct secret	*raw = NULL;

		if ((rc = store_notify_open_secret(ctx->store, c->id, "target",
		    &raw, err)) != OPS_OK)
			return rc;
		rc = secret_cstr(raw, &url, err);
		secret_free(raw);
		if (rc != OPS_OK)
			return rc;
		rq.url = (const char *)secret_cdata(url);
		body = slack_body(text);
	} else {
		if ((rc = store_notify_open_secret(ctx->store, c->id, "secret",
		    &sec, err)) != OPS_OK)
			return rc;
		rq.url = c->target;
		body = xstrdup(o->payload);
		if ((rc = notify_sign(sec, o->webhook_id, ts,
		    (const unsigned char *)body, strlen(body), sig,
		    sizeof(sig), err)) != OPS_OK)
			goto out;
		snprintf(h_id, sizeof(h_id), "webhook-id: %s", o->webhook_id);
		snprintf(h_ts, sizeof(h_ts), "webhook-timestamp: %lld", ts);
		snprintf(h_sig, sizeof(h_sig), "webhook-signature: %s", sig);
		hdrs[1] = h_id;
		hdrs[2] = h_ts;
		hdrs[3] = h_sig;
		rq.nheaders = 4;
	}
	rq.body = (const unsigned char *)body;
	rq.body_len = strlen(body);
	rc = http_start(ctx, &rq, http_back, f, &f->call, err);
out:
	free(body);
	secret_free(sec);
	secret_free(url);
	return rc;
}

int
notify_send(struct notify *n, struct notify_flight *f,
    const struct store_outbox *o, struct ops_err *err)
{
	struct store_notify_channel	*c = NULL;
	json_t				*p;
	int				 rc;

	if (o->channel_id == 0) {
		f->give_up_at = 0;	/* nothing to retry */
		return ops_err_set(err, OPS_E_NOTFOUND, "channel removed");
	}
	if ((rc = store_notify_get_id(n->ctx->store, o->channel_id, &c,
	    err)) != OPS_OK)
		return rc;
	if ((p = json_loads(o->payload, 0, NULL)) == NULL) {
		store_notify_channel_free(c);
		f->give_up_at = 0;
		return ops_err_set(err, OPS_E_CORRUPT, "the payload is not "
		    "JSON");
	}
	switch (c->kind) {
	case STORE_NOTIFY_WEBHOOK:
	case STORE_NOTIFY_SLACK:
		rc = send_http(n, f, c, o, payload_text(p), err);
		break;
	case STORE_NOTIFY_EMAIL:
		rc = send_email(n, f, c, o, payload_text(p), err);
		break;
	case STORE_NOTIFY_TELEGRAM:
	default:
		rc = ops_err_set(err, OPS_E_INVAL, "telegram is not set up");
		break;
	}
	json_decref(p);
	store_notify_channel_free(c);
	return rc;
}

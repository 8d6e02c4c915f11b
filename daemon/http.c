/*
 * http.c: libcurl multi driven by the daemon's event loop (contract in
 * http.h). curl tells us which sockets to watch (sock_fn) and when to
 * wake it (timer_fn); the loop's callbacks hand readiness back with
 * curl_multi_socket_action. Finished transfers move to a ready list and
 * their done callbacks run after curl has returned, so a callback may
 * start or cancel calls freely.
 */
#include "config.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <curl/curl.h>
#include <sodium.h>

#include "daemon.h"
#include "http.h"
#include "xmalloc.h"

struct http_call {
	struct http		*h;
	CURL			*easy;
	struct curl_slist	*headers;
	struct curl_slist	*rcpts;
	unsigned char		*body;		/* our copy */
	size_t			 body_len, body_off;
	unsigned char		*resp;
	size_t			 resp_len, resp_cap, resp_max;
	int			 overflow;
	CURLcode		 result;
	char			 host[128];	/* for the log */
	char			 method[16];
	char			 errbuf[CURL_ERROR_SIZE];
	http_done_fn		*done;
	void			*arg;
	int			 ready;		/* on h->ready */
	struct http_call	*prev, *next;
};

struct http {
	struct ops_ctx		*ctx;
	CURLM			*multi;
	long long		 timer_id;	/* 0: none */
	struct http_call	*active;
	struct http_call	*ready;		/* finished, done not run */
	size_t			 n;
};

static void	http_dispatch(struct http *);

static void
call_unlink(struct http_call **head, struct http_call *c)
{
	if (c->prev != NULL)
		c->prev->next = c->next;
	else
		*head = c->next;
	if (c->next != NULL)
		c->next->prev = c->prev;
	c->prev = c->next = NULL;
}

static void
call_link(struct http_call **head, struct http_call *c)
{
	c->prev = NULL;
	c->next = *head;
	if (*head != NULL)
		(*head)->prev = c;
	*head = c;
}

static void
call_free(struct http_call *c)
{
	if (c == NULL)
		return;
	if (c->easy != NULL)
		curl_easy_cleanup(c->easy);
	curl_slist_free_all(c->headers);
	curl_slist_free_all(c->rcpts);
	if (c->body != NULL) {
		sodium_memzero(c->body, c->body_len);
		free(c->body);
	}
	free(c->resp);
	free(c);
}

/* ---- curl's callbacks ---------------------------------------------- */

static size_t
write_fn(char *p, size_t size, size_t nmemb, void *arg)
{
	struct http_call	*c = arg;
	size_t			 n = size * nmemb, cap;

	if (n > c->resp_max - c->resp_len) {
		c->overflow = 1;
		return 0;	/* CURLE_WRITE_ERROR ends the transfer */
	}
	if (c->resp_len + n > c->resp_cap) {
		cap = c->resp_cap ? c->resp_cap : 4096;
		while (cap < c->resp_len + n)
			cap *= 2;
		if (cap > c->resp_max)
			cap = c->resp_max;
		c->resp = xreallocarray(c->resp, cap, 1);
		c->resp_cap = cap;
	}
	memcpy(c->resp + c->resp_len, p, n);
	c->resp_len += n;
	return n;
}

/* The SMTP message is uploaded from our copy of the body. */
static size_t
read_fn(char *p, size_t size, size_t nmemb, void *arg)
{
	struct http_call	*c = arg;
	size_t			 n = size * nmemb;

	if (n > c->body_len - c->body_off)
		n = c->body_len - c->body_off;
	memcpy(p, c->body + c->body_off, n);
	c->body_off += n;
	return n;
}

static void	sock_ready(struct evloop *, int, void *, int);

static int
sock_fn(CURL *easy, curl_socket_t s, int what, void *arg, void *sockp)
{
	struct http	*h = arg;
	struct ops_err	 err;
	int		 mask = EVLOOP_NONE;

	(void)easy;
	(void)sockp;
	switch (what) {
	case CURL_POLL_IN:
		mask = EVLOOP_READ;
		break;
	case CURL_POLL_OUT:
		mask = EVLOOP_WRITE;
		break;
	case CURL_POLL_INOUT:
		mask = EVLOOP_READ | EVLOOP_WRITE;
		break;
	default:	/* CURL_POLL_REMOVE */
		break;
	}
	if (evloop_file_set(h->ctx->loop, s, mask, sock_ready, h,
	    &err) != OPS_OK) {
		log_warnx(&h->ctx->log, "http: watch a socket: %s",
		    ops_err_msg(&err));
		return -1;
	}
	return 0;
}

static void
check_done(struct http *h)
{
	CURLMsg			*m;
	struct http_call	*c;
	int			 left;

	while ((m = curl_multi_info_read(h->multi, &left)) != NULL) {
		if (m->msg != CURLMSG_DONE)
			continue;
		c = NULL;
		curl_easy_getinfo(m->easy_handle, CURLINFO_PRIVATE, (char **)&c);
		if (c == NULL || c->ready)
			continue;
		c->result = m->data.result;
		curl_multi_remove_handle(h->multi, c->easy);
		call_unlink(&h->active, c);
		call_link(&h->ready, c);
		c->ready = 1;
	}
}

static void
sock_ready(struct evloop *loop, int fd, void *arg, int mask)
{
	struct http	*h = arg;
	int		 flags = 0, running;

	(void)loop;
	if (mask & EVLOOP_READ)
		flags |= CURL_CSELECT_IN;
	if (mask & EVLOOP_WRITE)
		flags |= CURL_CSELECT_OUT;
	if (mask & EVLOOP_ERROR)
		flags |= CURL_CSELECT_ERR;
	curl_multi_socket_action(h->multi, fd, flags, &running);
	check_done(h);
	http_dispatch(h);
}

static long long
timer_fire(struct evloop *loop, long long id, void *arg)
{
	struct http	*h = arg;
	int		 running;

	(void)loop;
	(void)id;
	h->timer_id = 0;	/* curl re-arms through timer_fn */
	curl_multi_socket_action(h->multi, CURL_SOCKET_TIMEOUT, 0, &running);
	check_done(h);
	http_dispatch(h);
	return EVLOOP_NOMORE;
}

/* curl must not be re-entered from here: always go through the loop. */
static int
timer_fn(CURLM *multi, long timeout_ms, void *arg)
{
	struct http	*h = arg;
	struct ops_err	 err;

	(void)multi;
	if (h->timer_id != 0) {
		evloop_timer_del(h->ctx->loop, h->timer_id);
		h->timer_id = 0;
	}
	if (timeout_ms < 0)
		return 0;
	if (evloop_timer_add(h->ctx->loop, timeout_ms, timer_fire, h,
	    &h->timer_id, &err) != OPS_OK) {
		log_warnx(&h->ctx->log, "http: arm a timer: %s",
		    ops_err_msg(&err));
		return -1;
	}
	return 0;
}

/* ---- finishing ------------------------------------------------------ */

static void
finish(struct http *h, struct http_call *c)
{
	struct http_response	 r;
	curl_off_t		 ra = 0;
	long			 code = 0;
	char			 over[64];

	memset(&r, 0, sizeof(r));
	curl_easy_getinfo(c->easy, CURLINFO_RESPONSE_CODE, &code);
	r.status = code;
	r.retry_after_s = -1;
	if (curl_easy_getinfo(c->easy, CURLINFO_RETRY_AFTER, &ra) == CURLE_OK &&
	    ra > 0)
		r.retry_after_s = ra > 86400 * 7 ? 86400 * 7 : (long)ra;
	r.body = c->resp;
	r.len = c->resp_len;
	if (c->overflow) {
		snprintf(over, sizeof(over), "response body over %zu bytes",
		    c->resp_max);
		r.error = over;
	} else if (c->result != CURLE_OK)
		r.error = c->errbuf[0] != '\0' ? c->errbuf :
		    curl_easy_strerror(c->result);
	if (r.error != NULL)
		log_debug(&h->ctx->log, "http: %s %s: %s", c->method, c->host,
		    r.error);
	else
		log_debug(&h->ctx->log, "http: %s %s: %ld", c->method, c->host,
		    r.status);
	c->done(h->ctx, &r, c->arg);
}

static void
http_dispatch(struct http *h)
{
	struct http_call	*c;

	while ((c = h->ready) != NULL) {
		call_unlink(&h->ready, c);
		h->n--;
		finish(h, c);
		call_free(c);
	}
}

/* ---- the API --------------------------------------------------------- */

int
http_init(struct ops_ctx *ctx, struct ops_err *err)
{
	struct http	*h;

	if (http_global_init() != 0)
		return ops_err_set(err, OPS_E_INTERNAL, "initialise libcurl");
	h = xcalloc(1, sizeof(*h));
	h->ctx = ctx;
	if ((h->multi = curl_multi_init()) == NULL) {
		free(h);
		curl_global_cleanup();
		return ops_err_set(err, OPS_E_NOMEM, "create a curl multi "
		    "handle");
	}
	curl_multi_setopt(h->multi, CURLMOPT_SOCKETFUNCTION, sock_fn);
	curl_multi_setopt(h->multi, CURLMOPT_SOCKETDATA, h);
	curl_multi_setopt(h->multi, CURLMOPT_TIMERFUNCTION, timer_fn);
	curl_multi_setopt(h->multi, CURLMOPT_TIMERDATA, h);
	ctx->http = h;
	return OPS_OK;
}

void
http_done(struct ops_ctx *ctx)
{
	struct http	*h = ctx->http;

	if (h == NULL)
		return;
	while (h->active != NULL)
		http_cancel(ctx, h->active);
	while (h->ready != NULL)
		http_cancel(ctx, h->ready);
	curl_multi_cleanup(h->multi);
	if (h->timer_id != 0)
		evloop_timer_del(ctx->loop, h->timer_id);
	free(h);
	ctx->http = NULL;
	curl_global_cleanup();
}

size_t
http_pending(const struct ops_ctx *ctx)
{
	return ctx->http != NULL ? ctx->http->n : 0;
}

void
http_cancel(struct ops_ctx *ctx, struct http_call *c)
{
	struct http	*h = ctx->http;

	if (h == NULL || c == NULL)
		return;
	if (c->ready)
		call_unlink(&h->ready, c);
	else {
		curl_multi_remove_handle(h->multi, c->easy);
		call_unlink(&h->active, c);
	}
	h->n--;
	call_free(c);
}

/* scheme and host of url, for the log (never the path or query). */
static void
url_host(const char *url, char *out, size_t outlen)
{
	CURLU	*u;
	char	*scheme = NULL, *host = NULL;

	snprintf(out, outlen, "?");
	if ((u = curl_url()) == NULL)
		return;
	if (curl_url_set(u, CURLUPART_URL, url, 0) == CURLUE_OK &&
	    curl_url_get(u, CURLUPART_SCHEME, &scheme, 0) == CURLUE_OK &&
	    curl_url_get(u, CURLUPART_HOST, &host, 0) == CURLUE_OK)
		snprintf(out, outlen, "%s://%s", scheme, host);
	curl_free(scheme);
	curl_free(host);
	curl_url_cleanup(u);
}

static int
scheme_is(const char *url, const char *scheme)
{
	size_t	n = strlen(scheme);

	return strncasecmp(url, scheme, n) == 0 && strncmp(url + n, "://",
	    3) == 0;
}

#define SETOPT(opt, val) do {						\
	if (curl_easy_setopt(c->easy, (opt), (val)) != CURLE_OK) {	\
		rc = ops_err_set(err, OPS_E_INVAL, "http: %s: option "	\
		    #opt " refused", c->host);				\
		goto fail;						\
	}								\
} while (0)

static int
setup_smtp(struct http_call *c, const struct http_request *rq, int smtps,
    struct ops_err *err)
{
	struct secret	*pw = NULL;
	int		 rc = OPS_OK;

	if (rq->mail_from == NULL || rq->mail_rcpt == NULL)
		return ops_err_set(err, OPS_E_INVAL, "smtp %s: mail_from and "
		    "mail_rcpt are required", c->host);
	SETOPT(CURLOPT_MAIL_FROM, rq->mail_from);
	c->rcpts = curl_slist_append(NULL, rq->mail_rcpt);
	if (c->rcpts == NULL)
		return ops_err_set(err, OPS_E_NOMEM, "smtp: recipient");
	SETOPT(CURLOPT_MAIL_RCPT, c->rcpts);
	SETOPT(CURLOPT_UPLOAD, 1L);
	SETOPT(CURLOPT_READFUNCTION, read_fn);
	SETOPT(CURLOPT_READDATA, c);
	SETOPT(CURLOPT_INFILESIZE_LARGE, (curl_off_t)c->body_len);
	if (!smtps && !rq->smtp_plaintext)
		SETOPT(CURLOPT_USE_SSL, (long)CURLUSESSL_ALL);
	if (rq->user != NULL)
		SETOPT(CURLOPT_USERNAME, rq->user);
	if (rq->password != NULL) {
		/* A cached connection would keep curl's copy alive. */
		SETOPT(CURLOPT_FORBID_REUSE, 1L);
		/* curl keeps its own copy from here; ours goes at once */
		if ((rc = secret_new(secret_len(rq->password) + 1, &pw,
		    err)) != OPS_OK)
			return rc;
		memcpy(secret_data(pw), secret_cdata(rq->password),
		    secret_len(rq->password));
		rc = curl_easy_setopt(c->easy, CURLOPT_PASSWORD,
		    (char *)secret_data(pw)) == CURLE_OK ? OPS_OK :
		    ops_err_set(err, OPS_E_INVAL, "smtp %s: password refused",
		    c->host);
		secret_free(pw);
	}
fail:
	return rc;
}

int
http_start(struct ops_ctx *ctx, const struct http_request *rq,
    http_done_fn *done, void *arg, struct http_call **out,
    struct ops_err *err)
{
	struct http		*h = ctx->http;
	struct http_call	*c;
	const char		*method = rq->method != NULL ? rq->method :
				    "GET";
	const char		*protos;
	long			 timeout;
	size_t			 i;
	int			 rc = OPS_OK, smtp, smtps, mc;

	if (out != NULL)
		*out = NULL;
	if (h == NULL)
		return ops_err_set(err, OPS_E_INTERNAL, "http: no client");
	if (rq->url == NULL || done == NULL)
		return ops_err_set(err, OPS_E_INVAL, "http: no URL");
	smtp = scheme_is(rq->url, "smtp");
	smtps = scheme_is(rq->url, "smtps");
	if (!smtp && !smtps && !scheme_is(rq->url, "http") &&
	    !scheme_is(rq->url, "https"))
		return ops_err_set(err, OPS_E_INVAL, "http: only http, https, "
		    "smtp and smtps URLs are allowed");
	if (strlen(method) >= sizeof(c->method))
		return ops_err_set(err, OPS_E_INVAL, "http: method too long");
	c = xcalloc(1, sizeof(*c));
	c->h = h;
	c->done = done;
	c->arg = arg;
	c->resp_max = rq->max_response ? rq->max_response :
	    HTTP_DEFAULT_MAX_RESPONSE;
	snprintf(c->method, sizeof(c->method), "%s", smtp || smtps ? "SMTP" :
	    method);
	url_host(rq->url, c->host, sizeof(c->host));
	if (rq->body_len > 0) {
		c->body = xmalloc(rq->body_len);
		memcpy(c->body, rq->body, rq->body_len);
		c->body_len = rq->body_len;
	}
	if ((c->easy = curl_easy_init()) == NULL) {
		rc = ops_err_set(err, OPS_E_NOMEM, "http: curl handle");
		goto fail;
	}
	protos = smtp || smtps ? "smtp,smtps" : "http,https";
#if LIBCURL_VERSION_NUM >= 0x075500
	SETOPT(CURLOPT_PROTOCOLS_STR, protos);
	SETOPT(CURLOPT_REDIR_PROTOCOLS_STR, protos);
#else
	SETOPT(CURLOPT_PROTOCOLS, smtp || smtps ?
	    (long)(CURLPROTO_SMTP | CURLPROTO_SMTPS) :
	    (long)(CURLPROTO_HTTP | CURLPROTO_HTTPS));
	SETOPT(CURLOPT_REDIR_PROTOCOLS, smtp || smtps ?
	    (long)(CURLPROTO_SMTP | CURLPROTO_SMTPS) :
	    (long)(CURLPROTO_HTTP | CURLPROTO_HTTPS));
#endif
	(void)protos;
	SETOPT(CURLOPT_URL, rq->url);
	SETOPT(CURLOPT_PRIVATE, (char *)c);
	SETOPT(CURLOPT_ERRORBUFFER, c->errbuf);
	SETOPT(CURLOPT_NOSIGNAL, 1L);
	SETOPT(CURLOPT_FOLLOWLOCATION, 0L);
	timeout = rq->timeout_ms > 0 ? rq->timeout_ms : HTTP_DEFAULT_TIMEOUT_MS;
	SETOPT(CURLOPT_TIMEOUT_MS, timeout);
	SETOPT(CURLOPT_CONNECTTIMEOUT_MS, timeout < 10000 ? timeout : 10000L);
	SETOPT(CURLOPT_SSL_VERIFYPEER, 1L);
	SETOPT(CURLOPT_SSL_VERIFYHOST, 2L);
	if (rq->ca_file != NULL)
		SETOPT(CURLOPT_CAINFO, rq->ca_file);
	SETOPT(CURLOPT_WRITEFUNCTION, write_fn);
	SETOPT(CURLOPT_WRITEDATA, c);
	if (smtp || smtps) {
		if ((rc = setup_smtp(c, rq, smtps, err)) != OPS_OK)
			goto fail;
	} else {
		for (i = 0; i < rq->nheaders; i++) {
			struct curl_slist *l;

			if (strpbrk(rq->headers[i], "\r\n") != NULL) {
				rc = ops_err_set(err, OPS_E_INVAL, "http %s: "
				    "header %zu has a line break", c->host,
				    i + 1);
				goto fail;
			}
			if ((l = curl_slist_append(c->headers,
			    rq->headers[i])) == NULL) {
				rc = ops_err_set(err, OPS_E_NOMEM, "http: "
				    "headers");
				goto fail;
			}
			c->headers = l;
		}
		if (c->body != NULL || strcmp(method, "POST") == 0) {
			struct curl_slist *l;

			if ((l = curl_slist_append(c->headers, "Expect:")) ==
			    NULL) {
				rc = ops_err_set(err, OPS_E_NOMEM, "http: "
				    "headers");
				goto fail;
			}
			c->headers = l;
		}
		SETOPT(CURLOPT_HTTPHEADER, c->headers);
		if (strcmp(method, "GET") == 0 && c->body == NULL)
			SETOPT(CURLOPT_HTTPGET, 1L);
		else {
			SETOPT(CURLOPT_POST, 1L);
			SETOPT(CURLOPT_POSTFIELDS, c->body != NULL ?
			    (char *)c->body : "");
			SETOPT(CURLOPT_POSTFIELDSIZE_LARGE,
			    (curl_off_t)c->body_len);
			if (strcmp(method, "POST") != 0)
				SETOPT(CURLOPT_CUSTOMREQUEST, method);
		}
	}
	if ((mc = curl_multi_add_handle(h->multi, c->easy)) != CURLM_OK) {
		rc = ops_err_set(err, OPS_E_INTERNAL, "http %s: %s", c->host,
		    curl_multi_strerror(mc));
		goto fail;
	}
	call_link(&h->active, c);
	h->n++;
	log_debug(&ctx->log, "http: %s %s: started", c->method, c->host);
	if (out != NULL)
		*out = c;
	return OPS_OK;
fail:
	call_free(c);
	return rc;
}

/*
 * http.h: the daemon's HTTP(S) and SMTP client, libcurl multi on the
 * daemon's own event loop (ctx->loop).
 *
 * Contract. http_init gives ctx->http: one curl multi handle whose
 * sockets are evloop fd watches and whose timeout is an evloop timer
 * (CURLMOPT_SOCKETFUNCTION / CURLMOPT_TIMERFUNCTION); there is no thread
 * and no call ever blocks. http_start copies the request (nothing of it
 * is borrowed after it returns), starts the transfer and returns at
 * once; done(ctx, r, arg) runs later on the loop, exactly once, unless
 * the call is cancelled first (http_cancel: done is then never called).
 * The http_call handle is valid until done has run or http_cancel
 * returned; http_done cancels every call still in flight.
 *
 * HTTP: method "GET", "POST" (or another verb, sent as is); the body, if
 * any, is sent as given with the caller's headers (no Expect:
 * 100-continue). Redirects are never followed; only http and https (smtp
 * and smtps for mail) are allowed, also for any redirect. r->status is
 * the HTTP status (any: the caller decides that only 2xx counts),
 * r->body the response (at most max_response bytes, default 1 MiB: a
 * longer one ends the call with status kept and error "response body
 * over N bytes"), r->retry_after_s the Retry-After header in seconds
 * (delta-seconds or an HTTP date, -1: none).
 *
 * SMTP (smtp:// with STARTTLS required unless smtp_plaintext, or smtps://
 * with implicit TLS): mail_from and mail_rcpt (one) are the envelope, the
 * body the whole message (headers, blank line, text; CRLF line ends), user
 * and password the AUTH login (the password is copied into curl at start
 * and our copy wiped at once). r->status is the last SMTP reply (250 on
 * success).
 *
 * Security: ca_file (NULL: the system CAs) is the trust for TLS; peers
 * are always verified. The module logs a call's method, scheme and host
 * only: never a URL's path or query (a Telegram token is in the path),
 * a header value or a body. r->error is curl's error text, which names
 * at most the host and port.
 */
#ifndef OPS_HTTP_H
#define OPS_HTTP_H

#include <stddef.h>

#include "error.h"
#include "secret.h"

struct ops_ctx;

struct http_request {
	const char		*method;	/* "GET", "POST" */
	const char		*url;		/* http(s)://, smtp(s):// for mail */
	const char *const	*headers;	/* "Name: value", n of them */
	size_t			 nheaders;
	const unsigned char	*body;
	size_t			 body_len;
	long			 timeout_ms;	/* whole transfer; 0: 30 s */
	const char		*ca_file;	/* NULL: system CAs */
	size_t			 max_response;	/* 0: 1 MiB */
	/* smtp: mail_from, rcpt (one), user/password (password wiped
	 * after) */
	const char		*mail_from, *mail_rcpt, *user;
	const struct secret	*password;
	/* smtp:// only: 0 requires STARTTLS (CURLUSESSL_ALL), 1 sends in
	 * the clear (smtp.starttls = no) */
	int			 smtp_plaintext;
};

struct http_response {
	long			 status;	/* HTTP status, SMTP reply; 0: no
						 * response (see error) */
	const unsigned char	*body;
	size_t			 len;
	long			 retry_after_s;	/* Retry-After seconds, -1: none */
	const char		*error;		/* curl's error text, NULL on a
						 * response */
};

typedef void	http_done_fn(struct ops_ctx *ctx, const struct http_response *r,
		    void *arg);
struct http_call;

#define HTTP_DEFAULT_TIMEOUT_MS		30000
#define HTTP_DEFAULT_MAX_RESPONSE	(1024 * 1024)

/* curl_global_init with allocators that wipe every block curl frees
 * (http-mem.c); http_init calls it. 0, or -1 when curl refuses. */
int	http_global_init(void);

/* ctx->http on ctx->loop; http_done frees it (cancelling what runs). */
int	http_init(struct ops_ctx *ctx, struct ops_err *err);
void	http_done(struct ops_ctx *ctx);

int	http_start(struct ops_ctx *ctx, const struct http_request *rq,
	    http_done_fn *done, void *arg, struct http_call **out,
	    struct ops_err *err);	/* out may be NULL */
void	http_cancel(struct ops_ctx *ctx, struct http_call *call);
/* Calls in flight (tests, daemon status). */
size_t	http_pending(const struct ops_ctx *ctx);

#endif

/*
 * notify.h: notifications (daemon/notify*.c).
 *
 * Contract. notify_init registers an event-bus sink that copies each
 * event it maps (job started / succeeded / failed, target unreachable,
 * approvals) into memory and returns; a zero-delay loop timer then turns
 * them into outbox rows (core/store-notify.h), one per channel subscribed
 * to the event, so the store is never written from inside a sink. A
 * second timer delivers due rows through http.c (webhook, Slack, email)
 * or telegram: 2xx (SMTP 250) counts as delivered; anything else is
 * retried with exponential backoff and jitter from notify.retry-base up
 * to notify.retry-max, a longer Retry-After honoured, until
 * notify.give-up after the row's creation, when it is failed (notify
 * log). The outbox is in the store, so what is pending survives a
 * restart; a row keeps its webhook-id on every attempt. Nothing in a
 * log line, error or row is a secret (a Slack URL, a signing key, the
 * SMTP password are opened from the store for the attempt and wiped).
 */
#ifndef OPS_NOTIFY_H
#define OPS_NOTIFY_H

#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "error.h"

struct ops_ctx;
struct client_defer;

/* The event names of notify add --on, NULL-ended. */
extern const char *const notify_event_names[];
int	notify_event_valid(const char *name);

int	notify_init(struct ops_ctx *ctx, struct ops_err *err);
void	notify_done(struct ops_ctx *ctx);
/* Look for due rows now (after a queue or an unlock). */
void	notify_kick(struct ops_ctx *ctx);
/* Queue a test notification for channel name; d (taken) gets the
 * answer after its first attempt. */
int	notify_test(struct ops_ctx *ctx, const char *name,
	    struct client_defer *d, struct ops_err *err);
/* A new "whsec_" webhook signing key (caller frees with secret_free). */
struct secret;
int	notify_webhook_secret(struct secret **out, struct ops_err *err);
/* notify-sign.c: the Standard Webhooks "v1,<base64>" signature of
 * id.timestamp.body under the key of "whsec_<base64>" into out. */
int	notify_sign(const struct secret *whsec, const char *id, long long ts,
	    const unsigned char *body, size_t len, char *out, size_t outlen,
	    struct ops_err *err);

#endif

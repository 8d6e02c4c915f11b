/*
 * store-notify.h: notification channels, the durable outbox and the SMTP
 * password (core/store-notify.c; the store's contract is store.h's).
 *
 * A channel has a name (store names), a kind, a plain target (a webhook
 * URL, a Telegram chat, an email address) or, for Slack, a sealed one
 * (the URL is the credential), the text it is listed with ("shown": a
 * Slack URL masked), the events it is subscribed to (comma list) and,
 * for a webhook, its signing key sealed. Secrets come back only through
 * store_notify_open_secret, into a struct secret, for the moment of use.
 *
 * The outbox: one row per notification and channel, pending until it is
 * delivered or failed. webhook_id is fixed at creation; attempts,
 * next_attempt (ms since the epoch), last_error (never a secret: the
 * caller's text) change with each attempt. Removing a channel fails its
 * pending rows ("channel removed") and keeps them for the log.
 */
#ifndef OPS_STORE_NOTIFY_H
#define OPS_STORE_NOTIFY_H

#include <stddef.h>
#include <stdint.h>

#include "error.h"
#include "secret.h"

struct store;

enum store_notify_kind {
	STORE_NOTIFY_WEBHOOK = 1,
	STORE_NOTIFY_SLACK,
	STORE_NOTIFY_TELEGRAM,
	STORE_NOTIFY_EMAIL,
};

#define STORE_NOTIFY_TARGET_MAX		2048
#define STORE_NOTIFY_PAYLOAD_MAX	(64 * 1024)
#define STORE_NOTIFY_ERROR_MAX		512

const char	*store_notify_kind_name(enum store_notify_kind kind);
int		 store_notify_kind_parse(const char *s,
		     enum store_notify_kind *kind);

struct store_notify_channel {
	int64_t			 id;
	char			*name;
	enum store_notify_kind	 kind;
	char			*target;	/* NULL when sealed (Slack) */
	char			*shown;
	char			*events;
	int			 has_secret;
	int64_t			 created;
	int64_t			 pending;	/* outbox rows pending */
	int64_t			 failed;	/* ... failed */
};

struct store_notify_channel_list {
	struct store_notify_channel	*v;
	size_t				 n;
};

struct store_notify_spec {
	const char		*name;
	enum store_notify_kind	 kind;
	const char		*target;	/* plain, or NULL when: */
	const struct secret	*target_secret;	/* sealed (Slack URL) */
	const char		*shown;
	const char		*events;
	const struct secret	*secret;	/* webhook key, or NULL */
};

int	store_notify_add(struct store *st, const struct store_notify_spec *s,
	    int64_t *id, struct ops_err *err);
int	store_notify_get(struct store *st, const char *name,
	    struct store_notify_channel **out, struct ops_err *err);
int	store_notify_get_id(struct store *st, int64_t id,
	    struct store_notify_channel **out, struct ops_err *err);
/* Sorted by name. */
int	store_notify_list(struct store *st,
	    struct store_notify_channel_list *out, struct ops_err *err);
int	store_notify_delete(struct store *st, const char *name,
	    struct ops_err *err);
/* field "target" (a sealed target) or "secret" of channel id. */
int	store_notify_open_secret(struct store *st, int64_t id,
	    const char *field, struct secret **out, struct ops_err *err);
void	store_notify_channel_free(struct store_notify_channel *c);
void	store_notify_channel_list_free(struct store_notify_channel_list *l);

struct store_outbox {
	int64_t	 id;
	int64_t	 channel_id;	/* 0: the channel was removed */
	char	*channel;
	char	*event;
	char	*payload;
	char	*webhook_id;
	int	 attempts;
	int64_t	 next_attempt;
	int64_t	 give_up_at;
	char	*state;		/* pending, delivered, failed */
	char	*last_error;	/* or NULL */
	int64_t	 created;
	int64_t	 delivered;	/* 0: not */
};

struct store_outbox_list {
	struct store_outbox	*v;
	size_t			 n;
};

/* Queue a notification: pending, due now. */
int	store_outbox_add(struct store *st, int64_t channel_id,
	    const char *channel, const char *event, const char *payload,
	    const char *webhook_id, int64_t give_up_at, int64_t *id,
	    struct ops_err *err);
int	store_outbox_get(struct store *st, int64_t id,
	    struct store_outbox **out, struct ops_err *err);
/* Pending rows due at now (next_attempt <= now), oldest first, at most
 * max of them. */
int	store_outbox_due(struct store *st, int64_t now, size_t max,
	    struct store_outbox_list *out, struct ops_err *err);
/* The earliest next_attempt of a pending row; 0 when none. */
int	store_outbox_next_due(struct store *st, int64_t *when,
	    struct ops_err *err);
/* After an attempt: state "pending" (retry at next), "delivered" or
 * "failed"; error NULL on delivery. */
int	store_outbox_attempt(struct store *st, int64_t id, int attempts,
	    const char *state, int64_t next, const char *error,
	    struct ops_err *err);
/* The newest limit rows (0: 50), newest first. */
int	store_outbox_list(struct store *st, size_t limit,
	    struct store_outbox_list *out, struct ops_err *err);
void	store_outbox_free(struct store_outbox *o);
void	store_outbox_list_free(struct store_outbox_list *l);

/* The SMTP password: set (replacing) and open (OPS_E_NOTFOUND: unset). */
int	store_notify_smtp_set(struct store *st, const struct secret *pw,
	    struct ops_err *err);
int	store_notify_smtp_open(struct store *st, struct secret **out,
	    struct ops_err *err);

#endif

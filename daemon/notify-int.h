/*
 * notify-int.h: shared internals of daemon/notify*.c (not for other
 * modules).
 */
#ifndef OPS_NOTIFY_INT_H
#define OPS_NOTIFY_INT_H

#include <stdint.h>

#include "daemon.h"
#include "notify.h"
#include "store-notify.h"

#define NOTIFY_QUEUE_MAX	4096	/* events not yet queued */
#define NOTIFY_FLIGHTS_MAX	32	/* attempts at once */
#define NOTIFY_TICK_MS		500
#define NOTIFY_ID_MAX		40	/* "msg_" + base64url of 18 bytes */

/* An event as the sink copied it. */
struct notify_ev {
	char			 event[32];
	int64_t			 job;
	char			*target;
	char			 state[32];
	size_t			 ok, failed, total;
	char			*detail;	/* target message */
	int			 approvals, required;
	char			*actor, *reason;
	struct notify_ev	*next;
};

struct notify;

/* One attempt in flight. */
struct notify_flight {
	struct notify		*n;
	int64_t			 id;
	int			 attempts;	/* before this one */
	int64_t			 give_up_at;
	int			 smtp;
	char			 wid[NOTIFY_ID_MAX];
	char			 channel[65];
	struct http_call	*call;
	struct notify_flight	*next;
};

struct notify_waiter {
	int64_t			 id;
	struct client_defer	*d;
	struct notify_waiter	*next;
};

struct notify {
	struct ops_ctx		*ctx;
	struct notify_ev	*qhead, *qtail;
	size_t			 nqueued;
	long long		 flush_timer, kick_timer, tick_timer;
	struct notify_flight	*flights;
	size_t			 nflights;
	struct notify_waiter	*waiters;
};

/* notify.c */
int64_t		notify_now_ms(void);
long long	notify_flush_timer(struct evloop *loop, long long id,
		    void *arg);
void		notify_webhook_id(char out[NOTIFY_ID_MAX]);
int		notify_queue(struct notify *n, const struct notify_ev *e,
		    const char *only, int64_t *last_id, struct ops_err *err);
void		notify_attempt_done(struct notify *n, int64_t id, int ok,
		    long status, long retry_after_s, const char *error);

/* notify-send.c: start the attempt f of row o (done through
 * notify_attempt_done, never before this returns OPS_OK); an error is
 * the attempt's failure. */
int		notify_send(struct notify *n, struct notify_flight *f,
		    const struct store_outbox *o, struct ops_err *err);
void		notify_send_cancel(struct notify *n, struct notify_flight *f);

/* notify-text.c: the JSON payload of e (caller frees) with its human
 * "text"; approvals (notify-approval.c) */
int		notify_payload(struct ops_ctx *ctx, const struct notify_ev *e,
		    char **out, struct ops_err *err);
const char	*notify_approval_event(const struct ops_event *ev);
void		notify_approval_copy(const struct ops_event *ev,
		    struct notify_ev *e);
int		notify_approval_text(struct ops_ctx *ctx,
		    const struct notify_ev *e, char **text,
		    struct ops_err *err);

#endif

/*
 * net-connect.h: open one TCP connection to host:port on an event loop.
 *
 * Contract: net_connect_start resolves host and connects to it without
 * ever blocking the caller's struct evloop. A numeric address (IPv4 or
 * IPv6) is taken inline; a name is looked up by getaddrinfo(3) on a
 * detached helper thread that signals an eventfd the loop watches. Then
 * each address the lookup returned is tried in its order: a socket that is
 * non-blocking and close-on-exec, TCP_NODELAY set before connect(2), and
 * a wait for writability and SO_ERROR. An address that fails, at once or
 * later (ECONNREFUSED on ::1 while the server listens on 127.0.0.1 only),
 * is closed and the next one is tried.
 *
 * The callback runs exactly once, always from inside the loop and never
 * from inside net_connect_start, with either a connected socket (its
 * ownership moves to the caller; the connector has removed its own event
 * on it) or a failure classed as a resolve failure, a refusal or another
 * connect error. A failure after several addresses reports the last
 * address's error. The result also carries the reason text and a one-line
 * message naming the action and "host:port". The callback may free the
 * connector; the result it is given stays valid until the callback
 * returns.
 *
 * There is no timer for a deadline: callers keep their own connect
 * timeout and free the connector when it fires. net_connect_free may be
 * called at any time, before or after the callback: no callback follows,
 * an open socket is closed, and a lookup in flight is abandoned (its
 * thread finishes on its own and frees what it shares with the connector;
 * the caller never waits for it). The connector's only timer is a 0 ms
 * one that delivers a failure found inside net_connect_start (every
 * numeric address failed at once), so that the callback stays out of it.
 *
 * One loop per connector, as for the loop itself; the helper thread
 * touches only its own request, never the loop.
 */
#ifndef OPS_NET_CONNECT_H
#define OPS_NET_CONNECT_H

#include "error.h"
#include "evloop.h"

struct addrinfo;
struct net_connect;

enum net_connect_class {
	NET_CONNECT_OK = 0,
	NET_CONNECT_RESOLVE,	/* the name did not resolve */
	NET_CONNECT_REFUSED,	/* the (last) address refused: ECONNREFUSED */
	NET_CONNECT_ERROR,	/* another socket or connect error */
	NET_CONNECT_INTERNAL,	/* out of memory or file events */
};

struct net_connect_result {
	int			 fd;		/* connected socket: caller's */
	enum net_connect_class	 cls;
	int			 status;	/* 0, OPS_E_CONNECT, OPS_E_NOMEM */
	int			 sys_errno;	/* of the last attempt, or 0 */
	unsigned		 attempts;	/* addresses tried */
	char			 why[128];	/* strerror/gai_strerror text */
	struct ops_err		 err;		/* "connect to host:port: why" */
};

typedef void	net_connect_cb(struct net_connect *nc,
		    const struct net_connect_result *res, void *arg);

/*
 * Start connecting to host (a name or numeric address) on port (1-65535).
 * Fails (no callback will follow, *out stays NULL) with OPS_E_INVAL for a
 * NULL host or a bad port, or OPS_E_NOMEM when memory, an eventfd or a
 * helper thread is lacking.
 */
int	net_connect_start(struct evloop *loop, const char *host, unsigned port,
	    net_connect_cb *cb, void *arg, struct net_connect **out,
	    struct ops_err *err);

/*
 * The same over an address list the caller built (copied; the ports are
 * those in each ai_addr); label names it in messages. For tests of the
 * fallback from one address to the next.
 */
int	net_connect_start_ai(struct evloop *loop, const char *label,
	    const struct addrinfo *ai, net_connect_cb *cb, void *arg,
	    struct net_connect **out, struct ops_err *err);

/* 1 while the name lookup has not answered. */
int	net_connect_resolving(const struct net_connect *nc);
/* Addresses tried so far (0 while resolving). */
unsigned net_connect_attempts(const struct net_connect *nc);

/* Cancel (no callback after this) and free. NULL ok. */
void	net_connect_free(struct net_connect *nc);

#endif

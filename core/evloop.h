/*
 * evloop.h: the one event loop (Redis "ae" shape, over epoll(7)).
 *
 * Contract: a loop holds file events (fd + read/write mask + callback) and
 * millisecond timers. A timer callback returns the delay in ms until it
 * should fire again, or EVLOOP_NOMORE to be removed. A before-sleep hook
 * runs before every wait. evloop_run_once waits for and dispatches one
 * round of events; evloop_run repeats it until evloop_stop is called.
 * Callbacks may add or delete any file event or timer, including their
 * own; an fd deleted during a round gets no more callbacks in that round,
 * and a timer added during a round fires in a later one. Timers due at
 * the same time fire in the order they were added (or re-armed). The loop
 * owns no fds and never closes them. There is no global state: the daemon
 * socket, libssh2 sessions, libcurl multi and schedules all share the loop
 * they are given. Not thread-safe; one loop per thread, and a forked child
 * must not use its parent's loop (the epoll set would be shared).
 *
 * Cost: file events are level-triggered epoll registrations, changed only
 * when an fd's mask (or its callback or argument) changes, so setting the
 * same mask again costs no system call and a wait costs O(ready fds), not
 * O(registered fds). Timers sit in a binary heap: add, delete and fire are
 * O(log n). Delete an fd before closing it. A caller that did not, and
 * whose fd number came back from pipe(2) or accept(2), is still served as
 * long as it registers the new fd with a new callback, argument or mask
 * (a changed registration is re-added when the kernel forgot the old one).
 * Descriptors epoll cannot watch (regular files, /dev/null) are reported
 * ready every round, as poll(2) would.
 */
#ifndef OPS_EVLOOP_H
#define OPS_EVLOOP_H

#include "error.h"

#define EVLOOP_NONE	0
#define EVLOOP_READ	1
#define EVLOOP_WRITE	2
/* Also passed to file callbacks: an error or hang-up was reported. */
#define EVLOOP_ERROR	4

#define EVLOOP_NOMORE	(-1)

/* evloop_run_once flags */
#define EVLOOP_DONT_WAIT	1

struct evloop;

typedef void	evloop_file_cb(struct evloop *loop, int fd, void *arg,
		    int mask);
/* Return the next period in ms (>= 0) or EVLOOP_NOMORE. */
typedef long long evloop_timer_cb(struct evloop *loop, long long id,
		    void *arg);
typedef void	evloop_hook_cb(struct evloop *loop, void *arg);

int		 evloop_new(struct evloop **out, struct ops_err *err);
void		 evloop_free(struct evloop *loop);

/*
 * Add mask to fd's interest (the callback and arg replace earlier ones
 * for that fd). Fails with OPS_E_INVAL for a negative fd and OPS_E_IO
 * when epoll refuses the fd (not open: EBADF).
 */
int		 evloop_file_add(struct evloop *loop, int fd, int mask,
		    evloop_file_cb *cb, void *arg, struct ops_err *err);
/* Remove mask from fd's interest; the event goes when the mask is empty. */
void		 evloop_file_del(struct evloop *loop, int fd, int mask);
/* Set fd's interest to exactly mask (EVLOOP_NONE deletes it). */
int		 evloop_file_set(struct evloop *loop, int fd, int mask,
		    evloop_file_cb *cb, void *arg, struct ops_err *err);
int		 evloop_file_mask(const struct evloop *loop, int fd);

/* A timer firing in ms milliseconds; *id (may be NULL) identifies it. */
int		 evloop_timer_add(struct evloop *loop, long long ms,
		    evloop_timer_cb *cb, void *arg, long long *id,
		    struct ops_err *err);
/* Returns 0, or OPS_E_NOTFOUND when no live timer has that id. */
int		 evloop_timer_del(struct evloop *loop, long long id);

void		 evloop_set_before_sleep(struct evloop *loop,
		    evloop_hook_cb *cb, void *arg);

/*
 * Wait (unless EVLOOP_DONT_WAIT) and dispatch. Returns the number of
 * events dispatched (>= 0) or a negative OPS_E_* when epoll_wait fails.
 * With nothing registered and no timers it returns 0 at once.
 */
int		 evloop_run_once(struct evloop *loop, int flags,
		    struct ops_err *err);
/* Dispatch until evloop_stop. */
int		 evloop_run(struct evloop *loop, struct ops_err *err);
void		 evloop_stop(struct evloop *loop);

/* Monotonic clock in milliseconds. */
long long	 evloop_now_ms(void);

#endif

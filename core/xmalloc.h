/*
 * xmalloc.h: the allocation policy (HACKING.md, "Allocation").
 *
 * Two families share one counted allocator.
 *
 * x*: xmalloc, xcalloc, xreallocarray, xstrdup, xstrndup, xasprintf
 * never return NULL. When memory cannot be had they write one line to
 * standard error and exit(1) (fatalx with no log). Use them wherever an
 * allocation failure cannot be recovered from, which is almost
 * everywhere on Linux; callers never check the result.
 *
 * ops_*: ops_malloc, ops_calloc, ops_reallocarray, ops_strdup return
 * NULL with errno ENOMEM, like libc. Use them only in a module whose
 * contract says it recovers (returns OPS_E_NOMEM and leaves no
 * half-done state), and prove it with the fault hook below.
 *
 * Both check n * size for overflow, and a request of 0 bytes gets one
 * byte, so NULL always means "no memory". Free with free(3). The x*
 * results belong to the caller, as libc's do.
 *
 * Fault injection, for tests (SQLite's faultsim): ops_alloc_fail_after
 * (n, mode) makes the n-th next allocation through this file on the
 * calling thread fail (n >= 1), and with OPS_ALLOC_FAIL_ALL every later
 * one too, until ops_alloc_fail_off, which returns how many failed. It
 * is compiled in always, so the plain "make check" runs the fault loops
 * on the code that ships; the cost is one thread-local test per
 * allocation. The counter is per thread (the one exception to "no
 * mutable global state", and test-only: no binary calls it), so a
 * test's faults never reach another thread. An x* call that the hook
 * fails ends the test: that is the point, the module does not recover
 * there.
 */
#ifndef OPS_XMALLOC_H
#define OPS_XMALLOC_H

#include <stddef.h>

void	*xmalloc(size_t size);
void	*xcalloc(size_t n, size_t size);
void	*xreallocarray(void *p, size_t n, size_t size);
char	*xstrdup(const char *s);
char	*xstrndup(const char *s, size_t maxlen);
/* Like asprintf(3); never fails. Caller frees. */
char	*xasprintf(const char *fmt, ...)
	    __attribute__((format(printf, 1, 2)));

void	*ops_malloc(size_t size);
void	*ops_calloc(size_t n, size_t size);
void	*ops_reallocarray(void *p, size_t n, size_t size);
char	*ops_strdup(const char *s);

/*
 * Route jansson's allocations through xmalloc, so a json_* builder only
 * fails on bad input, never on memory. Call once in main, before any
 * thread uses jansson (json_set_alloc_funcs is process-wide).
 */
void	 xmalloc_json_init(void);

enum ops_alloc_fail {
	OPS_ALLOC_FAIL_ONCE,	/* only the n-th allocation fails */
	OPS_ALLOC_FAIL_ALL,	/* the n-th and every later one fail */
};

/* Tests only: fail the n-th next allocation on this thread (n >= 1). */
void	 ops_alloc_fail_after(long n, enum ops_alloc_fail mode);
/* Tests only: stop failing; returns how many allocations failed. */
long	 ops_alloc_fail_off(void);

#endif

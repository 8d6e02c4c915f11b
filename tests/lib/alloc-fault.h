/*
 * alloc-fault.h: run an attempt once per allocation it makes, with that
 * allocation failing (xmalloc.h's hook), as SQLite's faultsim does.
 *
 * alloc_fault_run first makes one attempt with no fault (warm-up: lazy
 * library set-up is not a leak), then for n = 1, 2, ... fails the n-th
 * allocation (and, with OPS_ALLOC_FAIL_ALL, every later one) until an
 * attempt runs without reaching the n-th allocation. Each failed
 * attempt must return OPS_E_NOMEM (in err too), leave the caller's
 * state as it was (untouched) and give back all the heap it took
 * (glibc's mallinfo2; LeakSanitizer covers the sanitizer build).
 * alloc_fault_report turns the result into five TAP lines.
 */
#ifndef OPS_ALLOC_FAULT_H
#define OPS_ALLOC_FAULT_H

#include "error.h"
#include "xmalloc.h"

struct alloc_fault {
	/* One attempt: a status, detail in err. */
	int	(*attempt)(void *arg, struct ops_err *err);
	/* After a failed attempt: 1 when it left no state behind. */
	int	(*untouched)(void *arg);
	/* After an attempt that succeeded: free what it made. */
	void	(*release)(void *arg);
};

struct alloc_fault_result {
	long	points;		/* allocations failed in turn */
	long	bad_status;	/* attempts that did not say OPS_E_NOMEM */
	long	first_bad;	/* n of the first, for diag */
	int	bad_rc;
	long	dirty;		/* attempts that left state behind */
	long	first_dirty;
	long	leaked;		/* attempts after which the heap grew */
	long	first_leak;
	int	final_rc;	/* the attempt the hook did not reach */
};

void	alloc_fault_run(const struct alloc_fault *af, void *arg,
	    enum ops_alloc_fail mode, struct alloc_fault_result *res);
/* ok() lines for res, named after name; returns how many (5). */
int	alloc_fault_report(const char *name,
	    const struct alloc_fault_result *res);

#define ALLOC_FAULT_TESTS	5

#endif

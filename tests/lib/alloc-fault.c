/* alloc-fault.c: fail each allocation of an attempt in turn (alloc-fault.h). */
#include "config.h"

#include <malloc.h>
#include <string.h>

#include "alloc-fault.h"
#include "tap.h"

/* Give up on a loop that never ends (an attempt that always allocates). */
#define ALLOC_FAULT_MAX	100000

/* Heap bytes in use, or 0 where that cannot be read. */
static size_t
heap_in_use(void)
{
#if defined(__GLIBC__) && (__GLIBC__ > 2 || __GLIBC_MINOR__ >= 33)
	return mallinfo2().uordblks;
#else
	return 0;
#endif
}

void
alloc_fault_run(const struct alloc_fault *af, void *arg,
    enum ops_alloc_fail mode, struct alloc_fault_result *res)
{
	struct ops_err	err;
	size_t		before;
	long		n, failed;
	int		rc;

	memset(res, 0, sizeof(*res));
	if ((res->final_rc = af->attempt(arg, &err)) == OPS_OK)
		af->release(arg);
	for (n = 1; n <= ALLOC_FAULT_MAX; n++) {
		ops_err_clear(&err);
		before = heap_in_use();
		ops_alloc_fail_after(n, mode);
		rc = af->attempt(arg, &err);
		failed = ops_alloc_fail_off();
		if (failed == 0) {
			/* n is past the last allocation: done. */
			res->final_rc = rc;
			if (rc == OPS_OK)
				af->release(arg);
			return;
		}
		res->points++;
		if (rc == OPS_OK) {
			/* A failure was swallowed: that is a bug too. */
			af->release(arg);
			rc = OPS_E_INTERNAL;
		}
		if (rc != OPS_E_NOMEM || err.code != OPS_E_NOMEM) {
			if (res->bad_status++ == 0) {
				res->first_bad = n;
				res->bad_rc = rc;
			}
		}
		if (!af->untouched(arg) && res->dirty++ == 0)
			res->first_dirty = n;
		if (heap_in_use() > before && res->leaked++ == 0)
			res->first_leak = n;
	}
	res->final_rc = OPS_E_INTERNAL;
}

int
alloc_fault_report(const char *name, const struct alloc_fault_result *res)
{
	ok(res->points > 0, "%s: each of its %ld allocations failed in turn",
	    name, res->points);
	if (!ok(res->bad_status == 0, "%s: every failure returns "
	    "OPS_E_NOMEM", name))
		diag("  %ld did not; the first at allocation %ld gave %d",
		    res->bad_status, res->first_bad, res->bad_rc);
	if (!ok(res->dirty == 0, "%s: no failure leaves half-written state",
	    name))
		diag("  %ld did; the first at allocation %ld", res->dirty,
		    res->first_dirty);
	if (!ok(res->leaked == 0, "%s: no failure leaks", name))
		diag("  %ld grew the heap; the first at allocation %ld",
		    res->leaked, res->first_leak);
	is_int(res->final_rc, OPS_OK, "%s: succeeds when memory is there",
	    name);
	return ALLOC_FAULT_TESTS;
}

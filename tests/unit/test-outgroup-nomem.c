/*
 * test-outgroup-nomem.c: outgroup_fold recovers from out-of-memory.
 * With each of its allocations failing in turn (once, and from then
 * on) it returns OPS_E_NOMEM, no set, and frees what it took; with
 * memory it folds as before.
 */
#include "config.h"

#include <string.h>

#include "alloc-fault.h"
#include "outgroup.h"
#include "tap.h"

#define NITEMS	6

struct og_case {
	struct outgroup_item	 items[NITEMS];
	struct outgroup_set	*out;
};

static int
try_fold(void *arg, struct ops_err *err)
{
	struct og_case	*c = arg;

	return outgroup_fold(c->items, NITEMS, &c->out, err);
}

static int
untouched(void *arg)
{
	return ((struct og_case *)arg)->out == NULL;
}

static void
release(void *arg)
{
	struct og_case	*c = arg;

	outgroup_free(c->out);
	c->out = NULL;
}

int
main(void)
{
	static const char	*outs[NITEMS] = { "a", "b", "a", "c", "b", "a" };
	const struct alloc_fault af = { try_fold, untouched, release };
	struct alloc_fault_result res;
	struct og_case		 c;
	size_t			 i;

	memset(&c, 0, sizeof(c));
	for (i = 0; i < NITEMS; i++) {
		c.items[i].target = "t";
		c.items[i].out = (const unsigned char *)outs[i];
		c.items[i].outlen = 1;
	}
	plan(2 * ALLOC_FAULT_TESTS + 1);
	alloc_fault_run(&af, &c, OPS_ALLOC_FAIL_ONCE, &res);
	alloc_fault_report("outgroup_fold, one failure", &res);
	alloc_fault_run(&af, &c, OPS_ALLOC_FAIL_ALL, &res);
	alloc_fault_report("outgroup_fold, failing from then on", &res);
	/* 1 set + 1 group array + 3 member arrays */
	is_int(res.points, 5, "outgroup_fold of three groups makes five "
	    "allocations");
	return exit_status();
}

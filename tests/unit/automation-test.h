/*
 * automation-test.h: what the automation parser tests share: parse a
 * document (NULL and the reason in *e on refusal), and check that one
 * is refused with a message holding a given text.
 */
#ifndef OPS_AUTOMATION_TEST_H
#define OPS_AUTOMATION_TEST_H

#include <string.h>

#include "automation.h"
#include "tap.h"

static inline struct automation *
auto_test_parse(const char *doc, enum auto_format fmt, struct ops_err *e)
{
	struct automation	*a = NULL;

	ops_err_clear(e);
	if (automation_parse(doc, strlen(doc), fmt, &a, e) != OPS_OK)
		return NULL;
	return a;
}

/* One TAP test: doc is refused (OPS_E_INVAL) with want in the message. */
static inline void
auto_test_refused(const char *doc, enum auto_format fmt, const char *want,
    const char *what, struct ops_err *e)
{
	struct automation	*a = auto_test_parse(doc, fmt, e);
	int			 good = a == NULL && e->code == OPS_E_INVAL &&
				    strstr(e->msg, want) != NULL;

	ok(good, "%s", what);
	if (!good)
		diag("  got %s '%s', want '%s'", a != NULL ? "a parse" :
		    "refusal", e->msg, want);
	automation_free(a);
}

#endif

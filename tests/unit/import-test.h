/*
 * import-test.h: what the import parser tests share: parse a text and
 * say why it was refused, or check that it is refused with a message.
 */
#ifndef OPS_IMPORT_TEST_H
#define OPS_IMPORT_TEST_H

#include <string.h>

#include "import.h"
#include "tap.h"

typedef int	import_parse_fn(const char *, size_t, const char *,
		    struct import_list *, struct ops_err *);

/* Parse text into *l (emptied first); 0 with a diagnostic on refusal. */
static inline int
import_test_parse(import_parse_fn *fn, const char *text, size_t len,
    const char *source, struct import_list *l, struct ops_err *e)
{
	import_list_free(l);
	if (fn(text, len, source, l, e) != OPS_OK) {
		diag("refused: %s", ops_err_msg(e));
		return 0;
	}
	return 1;
}

/* 1 when fn refuses text with a message holding want and an empty l. */
static inline int
import_test_refused(import_parse_fn *fn, const char *text, size_t len,
    const char *source, const char *want, struct import_list *l,
    struct ops_err *e)
{
	import_list_free(l);
	if (fn(text, len, source, l, e) == OPS_OK || l->n != 0 ||
	    l->v != NULL) {
		diag("accepted: %.60s", text);
		import_list_free(l);
		return 0;
	}
	if (strstr(ops_err_msg(e), want) == NULL) {
		diag("message \"%s\" lacks \"%s\"", ops_err_msg(e), want);
		return 0;
	}
	return 1;
}

#endif

/*
 * textdiff.h: a unified diff of two texts, line by line (automation
 * diff).
 *
 * Contract. Lines end at LF; a last line without one differs from the
 * same line with one and is followed by "\ No newline at end of file",
 * as in diff -u. The edit script is a shortest one (Myers' O(ND) greedy
 * algorithm on what is left once the common head and tail are taken
 * off); when more than TEXTDIFF_MAX_EDITS lines differ the middle is
 * shown as all removed, then all added (still a correct diff, not the
 * shortest). The output starts "--- label_a" and "+++ label_b", then
 * hunks "@@ -A,n +B,m @@" with ctx lines of context (",n" left out
 * when n is 1, A the line before the hunk when n is 0). The bytes of
 * the texts are copied as they are: a caller showing them on a terminal
 * filters them (termsafe.h). *out is NUL-terminated and caller freed;
 * empty when the texts are equal. OPS_E_NOMEM only.
 */
#ifndef OPS_TEXTDIFF_H
#define OPS_TEXTDIFF_H

#include <stddef.h>

#include "error.h"

#define TEXTDIFF_MAX_EDITS	2000

int	textdiff_unified(const char *a, size_t alen, const char *b,
	    size_t blen, const char *label_a, const char *label_b, int ctx,
	    char **out, size_t *outlen, struct ops_err *err);

#endif

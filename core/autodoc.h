/*
 * autodoc.h: what the CLI and the daemon share about an automation
 * document on its way into the store (automation apply/export, proto
 * 225-230).
 *
 * Contract. A document names local files in its steps (a script's
 * "file", an upload's "src" without inline content); autodoc_files lists
 * them once each, in step order, borrowed from the parsed automation.
 * The CLI reads them relative to the document's directory and sends
 * them with it; the daemon takes exactly that set, no more and no less.
 * Bytes travel as base64 (sodium's original variant, padded):
 * autodoc_b64 encodes (caller frees; NULL only when out of memory) and
 * autodoc_unb64 decodes into a new buffer (caller frees; OPS_E_INVAL
 * naming what for input that is not base64, OPS_E_TOOBIG over max
 * bytes). A format is "yaml" or "json": autodoc_format_guess takes it
 * from the file name (.json, .yaml, .yml) and else from the bytes (JSON
 * when the first non-blank byte is '{').
 */
#ifndef OPS_AUTODOC_H
#define OPS_AUTODOC_H

#include <stddef.h>

#include "automation.h"
#include "error.h"

/* *paths (caller frees the array; the strings are a's) and *n. */
int		 autodoc_files(const struct automation *a, const char ***paths,
		     size_t *n, struct ops_err *err);
char		*autodoc_b64(const void *p, size_t len);
int		 autodoc_unb64(const char *what, const char *s, size_t slen,
		     size_t max, unsigned char **out, size_t *len,
		     struct ops_err *err);
const char	*autodoc_format_guess(const char *path, const void *buf,
		     size_t len);
/* "yaml" and "json" as the parser's enum; AUTO_FMT_AUTO otherwise. */
enum auto_format autodoc_format(const char *name);

#endif

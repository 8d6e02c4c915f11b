/*
 * config-file.h: opsicle.conf, the daemon's configuration file.
 *
 * Contract. The file is lines of "key = value"; blank lines and lines
 * whose first non-blank character is '#' are ignored, and a '#' after
 * a value starts a comment too. Keys and their types, defaults, bounds
 * and help live in one table (options-table.c); nothing else lists
 * them, and opsicle.conf(5) documents every entry (a unit test checks).
 * Types: a number (decimal, optionally with a k/m/g suffix of 1024s for
 * byte sizes, within [min, max]); a word (one token); a choice (one of
 * a fixed list); a list (comma-separated names, uids or @groups, each
 * of [A-Za-z0-9._-], for the role keys); a selector (a target selector
 * expression, "tag:prod" or "web*,&tag:eu", checked as model.h's
 * selector_set_add does; empty is allowed and means none).
 *
 * Parsing is strict: an unknown key, a line without '=', an empty or
 * out-of-range value, a key given twice, a NUL byte or a line longer
 * than CONFIG_LINE_MAX is refused with "FILE:LINE: message" in err and
 * no config is returned. config_load also refuses (OPS_E_PERM) a file
 * another user could have written: not owned by the effective uid or
 * root, writable by group or others, or in a directory that is (see
 * file-check.h), since the file grants roles. A missing file is not an
 * error: every option
 * then has its default. A config is immutable once loaded; the daemon
 * swaps whole configs on SIGHUP and keeps the old one when the new file
 * is refused.
 */
#ifndef OPS_CONFIG_FILE_H
#define OPS_CONFIG_FILE_H

#include <stddef.h>

#include "error.h"
#include "keys.h"

#define CONFIG_LINE_MAX		1024	/* bytes per line, newline excluded */
#define CONFIG_FILE_MAX		(1024 * 1024)

enum config_type {
	CONFIG_NUMBER,
	CONFIG_WORD,
	CONFIG_CHOICE,
	CONFIG_LIST,
	CONFIG_SELECTOR,	/* a target selector expression (model.h) */
};

struct config_option {
	const char		*name;
	enum config_type	 type;
	const char		*def;		/* default, as written in a file */
	long long		 min, max;	/* CONFIG_NUMBER only */
	const char *const	*choices;	/* CONFIG_CHOICE: NULL-ended */
	const char		*help;		/* one line */
};

/* options-table.c: the table, in documentation order. Static. */
const struct config_option	*config_options(size_t *n);
/* The entry called name, or NULL. */
const struct config_option	*config_option_find(const char *name);

struct ops_config;

/* A config with every option at its default. Caller frees. */
int	config_new(struct ops_config **out, struct ops_err *err);
/* Parse text (len bytes) read from source (for messages). Caller frees. */
int	config_parse(const char *text, size_t len, const char *source,
	    struct ops_config **out, struct ops_err *err);
/* Read and parse path; a missing file gives the defaults. Caller frees. */
int	config_load(const char *path, struct ops_config **out,
	    struct ops_err *err);
void	config_free(struct ops_config *cfg);

/*
 * Values by option name; asking for a name the table lacks, or of the
 * wrong type, is a programming error and yields 0 / "". Strings are
 * borrowed from cfg. A list is its canonical text: items joined by ",".
 */
long long	 config_num(const struct ops_config *cfg, const char *name);
const char	*config_str(const struct ops_config *cfg, const char *name);
/* 1 when the file set name (not just its default). */
int		 config_is_set(const struct ops_config *cfg, const char *name);
/* A size as a number option takes it (decimal, optional k/m/g suffix of
 * 1024s) into *out: 1, or 0 when s does not parse. */
int		 config_parse_size(const char *s, long long *out);

/*
 * Argon2id limits for new passphrase envelopes: kdf-cost of cfg (cfg
 * may be NULL: moderate), overridden by $OPSICLE_KDF when it names a
 * cost (a testing knob).
 */
void	config_kdf_limits(const struct ops_config *cfg,
	    struct keys_kdf_limits *limits);

#endif

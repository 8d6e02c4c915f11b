/*
 * automation-int.h: the automation parser's insides, shared by its files.
 *
 * Both readers (automation-yaml.c, automation-json.c) turn a document
 * into the same small tree of anodes: scalars (text plus what kind of
 * value the text was written as), mappings (kids with their keys, in
 * document order, no duplicate keys) and sequences. YAML nodes carry
 * their line and column (1-based); JSON nodes carry 0 (jansson reports
 * positions only for syntax errors). The schema layer (automation.c,
 * automation-params.c, automation-steps.c over the field readers of
 * automation-field.c) reads that tree into struct automation, so every
 * rule is written once for both formats.
 *
 * Readers are bounded: AUTO_DEPTH_MAX levels of mappings and
 * sequences, AUTO_NODES_MAX nodes, no anchors, aliases or tags.
 */
#ifndef OPS_AUTOMATION_INT_H
#define OPS_AUTOMATION_INT_H

#include <stddef.h>

#include "automation.h"

#define AUTO_NODES_MAX	(100 * 1000)
#define AUTO_KEY_MAX	256	/* bytes in one mapping key */

enum anode_type {
	AN_SCALAR = 1,
	AN_MAP,
	AN_SEQ,
};

/* How a scalar was written: a YAML plain scalar is resolved (null,
 * true/false, integer, number, else string); a quoted one is a string. */
enum anode_kind {
	AK_STR = 1,
	AK_NULL,
	AK_BOOL,
	AK_INT,
	AK_REAL,
};

struct anode {
	enum anode_type	 type;
	enum anode_kind	 kind;		/* scalars */
	char		*text;		/* scalars: NUL-terminated */
	size_t		 len;		/* strlen(text); no NUL inside */
	unsigned	 line, col;	/* 0: unknown (JSON) */
	char		*key;		/* a mapping's kid: its key */
	unsigned	 kline, kcol;
	struct anode	*kids;
	size_t		 nkids, cap;
};

/* ---- automation-node.c --------------------------------------------- */
/* Append a kid to a mapping or sequence (returned zeroed but for the
 * position; pointers to earlier kids move). */
struct anode	*anode_push(struct anode *parent, unsigned line, unsigned col);
void		 anode_set_text(struct anode *n, enum anode_kind kind,
		    const char *text, size_t len);
/* Free what n holds (not n itself). */
void		 anode_clear(struct anode *n);
/* OPS_E_INVAL naming the first key given twice in any mapping under n. */
int		 anode_check_dups(const struct anode *n, struct ops_err *err);
/* The kid of map n with this key, or NULL. */
const struct anode *anode_get(const struct anode *map, const char *key);
/* 1 when scalar n is null (YAML "~", "null", empty; JSON null). */
int		 anode_is_null(const struct anode *n);

/*
 * Fill err with "line L, column C: PATH: message" (no position when n is
 * NULL or has none) and return OPS_E_INVAL.
 */
int		 anode_err(struct ops_err *err, const struct anode *n,
		    const char *path, const char *fmt, ...)
		    __attribute__((format(printf, 4, 5)));
/* The same at n's key. */
int		 anode_key_err(struct ops_err *err, const struct anode *n,
		    const char *path, const char *fmt, ...)
		    __attribute__((format(printf, 4, 5)));
/* Printable, quoted-safe start of s for a message (at most 40 bytes). */
void		 anode_quote(const char *s, char *buf, size_t len);

/* ---- automation-yaml.c, automation-json.c --------------------------- */
/* The document as a tree in *root (anode_clear it, also on failure). */
int	auto_yaml_read(const char *buf, size_t len, struct anode *root,
	    struct ops_err *err);
int	auto_json_read(const char *buf, size_t len, struct anode *root,
	    struct ops_err *err);
/* The mapping n as compact JSON text; caller frees. */
char	*auto_json_text(const struct anode *n);

/* ---- automation-field.c: typed fields of the tree ------------------- */
/*
 * Each takes the node, its path for messages ("steps[2].timeout") and
 * fills *out, or refuses with OPS_E_INVAL and an anode_err message.
 */
int	afield_keys(const struct anode *map, const char *path,
	    const char *const *allowed, struct ops_err *err);
int	afield_str(const struct anode *n, const char *path, int multiline,
	    size_t max, char **out, struct ops_err *err);
int	afield_name(const struct anode *n, const char *path, char **out,
	    struct ops_err *err);
int	afield_bool(const struct anode *n, const char *path, int *out,
	    struct ops_err *err);
int	afield_int(const struct anode *n, const char *path, long long lo,
	    long long hi, int *out, struct ops_err *err);
int	afield_number(const struct anode *n, const char *path, double *out,
	    struct ops_err *err);
int	afield_duration(const struct anode *n, const char *path, int *ms,
	    struct ops_err *err);
int	afield_mode(const struct anode *n, const char *path, unsigned *mode,
	    struct ops_err *err);
int	afield_amount(const struct anode *n, const char *path, int lo,
	    struct auto_amount *out, struct ops_err *err);
/* A string, or a sequence of strings; n words in *out (caller frees). */
int	afield_words(const struct anode *n, const char *path, size_t max,
	    char ***out, size_t *nout, struct ops_err *err);

/* An optional field: when key is in map and not null, run call (with v_
 * the node and sub its path, from a char sub[] and a const char *path in
 * scope) and return what it returns when that is not OPS_OK. */
#define AUTO_OPT(map, key, call) do {					\
	const struct anode *v_ = anode_get((map), (key));		\
	if (v_ != NULL && !anode_is_null(v_)) {				\
		afield_path(sub, sizeof(sub), path, (key));		\
		if ((rc = (call)) != OPS_OK)				\
			return rc;					\
	}								\
} while (0)

/* "path.key" into buf (cut to len). */
void	afield_path(char *buf, size_t len, const char *path, const char *key);

/* Text parsers the fields and the values share. */
int	auto_mode_parse(const char *s, unsigned *mode);
int	auto_utf8_valid(const char *s, size_t len, size_t *nchars);

/* ---- automation-params.c, automation-steps.c ------------------------ */
int	auto_params_read(struct automation *a, const struct anode *n,
	    struct ops_err *err);
int	auto_steps_read(struct automation *a, const struct anode *n,
	    struct ops_err *err);
void	auto_param_done(struct auto_param *p);
/* automation-approval.c: the approval: block into a->approval. */
int	auto_approval_read(struct automation *a, const struct anode *n,
	    struct ops_err *err);
void	auto_step_done(struct auto_step *s);

/* ---- automation-value.c ---------------------------------------------- */
/* Check value against p; on success *norm (if not NULL) gets the value
 * in its normal form (bool "true"/"false", multi without blanks), caller
 * frees (wipe a secret's). */
int	auto_value_check(const struct auto_param *p, const char *value,
	    char **norm, struct ops_err *err);

#endif

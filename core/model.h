/*
 * model.h: the shared models of opsicle: job and run states, a run's
 * error class, a target's reachability and target selectors. The store,
 * the daemon, the CLI and the console all speak these; none of them
 * keeps its own copy of a name table or of "is this state final".
 *
 * Contract. Every enum has a name table; *_name never returns NULL (an
 * out-of-range value is "unknown") and *_parse returns OPS_OK or
 * OPS_E_INVAL, leaving *out untouched on failure. The names are the ones
 * stored in the database and sent on the wire: never rename one.
 *
 * Nothing here allocates except run_error_join, whose result the caller
 * frees.
 */
#ifndef OPS_MODEL_H
#define OPS_MODEL_H

#include <stddef.h>

#include "error.h"

/* ---- model-state.c: job and run states ------------------------------- */

enum job_state {
	JOB_STATE_QUEUED = 1,
	JOB_STATE_RUNNING,
	JOB_STATE_DONE,		/* every run ok */
	JOB_STATE_FAILED,
	JOB_STATE_CANCELLED,
	JOB_STATE_INTERRUPTED,	/* the daemon stopped under it */
	/* approvals (daemon/approval.h): stored waiting for approvers,
	 * never started (not final); refused by one; not approved in time */
	JOB_STATE_AWAITING_APPROVAL,	/* "awaiting-approval" */
	JOB_STATE_REJECTED,		/* "rejected" */
	JOB_STATE_EXPIRED,		/* "expired" */
};
#define JOB_STATE_LAST	JOB_STATE_EXPIRED

enum run_state {
	RUN_STATE_QUEUED = 1,
	RUN_STATE_RUNNING,
	RUN_STATE_OK,
	RUN_STATE_FAILED,	/* non-zero exit or a signal */
	RUN_STATE_TIMEOUT,
	RUN_STATE_ERROR,	/* never got a result: see its class */
	RUN_STATE_CANCELLED,
	RUN_STATE_INTERRUPTED,
};

const char	*job_state_name(enum job_state s);
int		 job_state_parse(const char *s, enum job_state *out);
const char	*run_state_name(enum run_state s);
int		 run_state_parse(const char *s, enum run_state *out);

/* Final: neither queued, running nor awaiting approval; nothing will
 * change it again. */
int		 job_state_is_final(enum job_state s);
int		 run_state_is_final(enum run_state s);
/*
 * The same for a state name as a client reads it from a reply or an
 * event: NULL is not final; a name this build does not know is final
 * (nothing can wait on a state it cannot name).
 */
int		 job_state_name_is_final(const char *name);
int		 run_state_name_is_final(const char *name);
/* 1 for the states a job ends without ever running because of its
 * approval (rejected, expired). */
int		 job_state_is_unapproved(enum job_state s);
/* Ended with a result that says something about the target: ok, failed,
 * timeout or error (cancelled and interrupted runs say nothing). */
int		 run_state_has_result(enum run_state s);

/* ---- model-state.c: a run's error class ------------------------------ */

/*
 * Why a run did not end ok, as one word. The engine's classes come first,
 * in the engine's order (core/ssh.h enum ssh_class; the runner maps one
 * to the other), then the runner's own. RUN_CLASS_NONE: no class (a run
 * that succeeded, or an error the runner gave no class, as "cancelled").
 */
enum run_class {
	RUN_CLASS_NONE = 0,		/* "ok" (the engine's SSH_CLASS_OK) */
	RUN_CLASS_RESOLVE,		/* "resolve" */
	RUN_CLASS_REFUSED,		/* "connection-refused" */
	RUN_CLASS_CONNECT_TIMEOUT,	/* "connect-timeout" */
	RUN_CLASS_CONNECT,		/* "connect" */
	RUN_CLASS_HANDSHAKE,		/* "handshake" */
	RUN_CLASS_HOSTKEY_UNKNOWN,	/* "hostkey-unknown" */
	RUN_CLASS_HOSTKEY_CHANGED,	/* "hostkey-changed" */
	RUN_CLASS_AUTH,			/* "auth" */
	RUN_CLASS_CHANNEL,		/* "channel" */
	RUN_CLASS_TIMEOUT,		/* "timeout": the command's deadline */
	RUN_CLASS_EXIT,			/* "exit": non-zero exit status */
	RUN_CLASS_SIGNAL,		/* "signal" */
	RUN_CLASS_INTERNAL,		/* "internal" */
	RUN_CLASS_SFTP,			/* "sftp" */
	RUN_CLASS_SUDO,			/* "sudo" */
	RUN_CLASS_CONFIG,		/* "config": target or credential */
	RUN_CLASS_INTERRUPTED,		/* "interrupted": store or daemon */
};

const char	*run_class_name(enum run_class c);
/* "ok" parses as RUN_CLASS_NONE. */
int		 run_class_parse(const char *s, enum run_class *out);
/* Did a run with this class get past authentication? 1 yes (channel,
 * timeout, exit, signal, sftp, sudo), 0 no (resolve ... auth: the target
 * is unreachable), -1 cannot tell (none, internal, config, interrupted). */
int		 run_class_reached(enum run_class c);

/*
 * A run's error as replies and events carry it: "class: message", or the
 * message alone for RUN_CLASS_NONE (text NULL gives NULL, or the class
 * name alone when there is a class). Caller frees; NULL when out of
 * memory or when there is nothing to say.
 */
char		*run_error_join(enum run_class c, const char *text);
/*
 * The inverse, for a client that reads the joined form from an event:
 * *c the class whose name prefixes error with ": " (else RUN_CLASS_NONE),
 * *text (may be NULL) the message after it (else error itself).
 */
void		 run_error_split(const char *error, enum run_class *c,
		     const char **text);

/* ---- model-state.c: reachability ------------------------------------- */

enum reach {
	REACH_UNKNOWN = 0,	/* "unknown" */
	REACH_REACHABLE,	/* "reachable" */
	REACH_UNREACHABLE,	/* "unreachable" */
};

const char	*reach_name(enum reach r);
int		 reach_parse(const char *s, enum reach *out);
/* What a target's last run with a result says about the target. */
enum reach	 reach_of_run(enum run_state s, enum run_class c);

/* ---- model-selector.c: target selectors ------------------------------ */

/*
 * A selector names targets. One term of text is one of:
 *   all          every target;
 *   tag:TAG      the targets with tag TAG (exactly);
 *   GLOB         the targets whose name matches a shell glob: name
 *                characters, '*', '?' and bracket sets "[a-z]" or
 *                "[!0-9]" (also "[^0-9]"), matched as fnmatch(3) does
 *                with no flags (and as SQLite's GLOB does for these);
 *   NAME         the target of that name.
 * A NAME or TAG is 1-64 characters of [A-Za-z0-9._-], not starting with
 * '-' (store.h); a term is at most SELECTOR_MAX bytes. Anything else
 * (empty, too long, spaces or control bytes, backslashes, an unclosed
 * '[', "tag:" with a bad tag) is refused by selector_parse with
 * OPS_E_INVAL and a message that quotes the selector, so a selector that
 * can never match is said to be malformed rather than silently empty.
 *
 * An expression (selector_set_add) is a list of items separated by ','
 * or by spaces and tabs (both may mix: "web1, web2"); an item is a term,
 * "&TERM" or "!TERM" (spaces may follow the '&' or '!': "web* & tag:eu").
 * An '&' or '!' counts only at the start of an item ("t[!0-9]" is a
 * glob). Several expressions (the arguments of run, -x) add up as if
 * joined by commas. A target is selected when
 *   - some plain term matches it (no plain term at all: every target),
 *   - and every '&' term matches it,
 *   - and no '!' term matches it
 * (Ansible's "web:&eu:!db", written "web,&tag:eu,!db"). An empty
 * expression or item, an '&' or '!' with no term after it, and a bad
 * term are refused with OPS_E_INVAL and a message that quotes the
 * expression (its printable start) and says what is wrong. An
 * expression given with exclude set (pdsh's -x) may hold plain terms
 * only, each of which becomes a '!' item.
 *
 * Every user of selectors goes through these: the store's target list
 * (store_target_filter), the runner ("run", daemon/handlers-jobs.c,
 * which refuses a term that matches no target, and a set that selects
 * none) and the console filter when its text is an expression
 * (selector_text_is_expression).
 */
#define SELECTOR_MAX	255	/* bytes in one term */
#define MODEL_NAME_MAX	64	/* a NAME or TAG (store.h STORE_NAME_MAX) */
#define SELECTOR_ITEMS_MAX 4096	/* items in one set */

enum selector_kind {
	SELECTOR_ALL = 1,
	SELECTOR_TAG,
	SELECTOR_GLOB,
	SELECTOR_NAME,
};

struct selector {
	enum selector_kind	 kind;
	const char		*arg;	/* tag, glob or name: borrowed from the
					 * parsed text; NULL for all */
};

/* Parse one term (borrowed: *out points into text). */
int	selector_parse(const char *text, struct selector *out,
	    struct ops_err *err);
/* 1 when the target called name with these tags matches s, else 0. */
int	selector_match(const struct selector *s, const char *name,
	    const char *const *tags, size_t ntags);
/* 1 when name is a valid target or tag name (see above), else 0. */
int	selector_name_valid(const char *name);

enum selector_op {
	SELECTOR_OP_ADD = 1,	/* TERM: adds to the union */
	SELECTOR_OP_AND,	/* &TERM: every target kept must match */
	SELECTOR_OP_NOT,	/* !TERM or -x TERM: removed */
};

struct selector_item {
	enum selector_op	 op;
	struct selector		 sel;	/* arg points into text */
	char			*text;	/* the term alone (owned) */
};

/* A parsed expression; set_init'd, filled by set_add, freed by
 * set_done. Items keep the order they were written in. */
struct selector_set {
	struct selector_item	*v;
	size_t			 n;
	size_t			 nadd;	/* plain terms (0: every target) */
};

void	selector_set_init(struct selector_set *s);
/* Append the items of expression text (exclude: -x, see above). On
 * failure s holds what it held (an empty set nothing to free). */
int	selector_set_add(struct selector_set *s, const char *text,
	    int exclude, struct ops_err *err);
/* set_init, then set_add of each of the n texts; on failure s is empty
 * (set_done is still fine). */
int	selector_set_parse(struct selector_set *s, const char *const *texts,
	    size_t n, struct ops_err *err);
/* 1 when the set selects the target called name with these tags. */
int	selector_set_match(const struct selector_set *s, const char *name,
	    const char *const *tags, size_t ntags);
/* 1 when some item is a tag term (matching needs the tags). */
int	selector_set_uses_tags(const struct selector_set *s);
/* "" for a plain item, "&" or "!". */
const char *selector_op_prefix(enum selector_op op);
void	selector_set_done(struct selector_set *s);
/*
 * 1 when text is meant as an expression rather than free text: it has a
 * ',', a glob character, an item starting with '&' or '!', or a "tag:"
 * term, or it is "all". The console filters with the set when this says
 * so (and the text parses), else by substring.
 */
int	selector_text_is_expression(const char *text);

/* ---- model-host.c: ad-hoc hosts ("run --host") ------------------------ */

/*
 * An ad-hoc host is "[USER@]HOST[:PORT]" given on the command line for
 * one run, not registered as a target. HOST is a DNS name or IPv4
 * address (1-253 characters of [A-Za-z0-9.-] in dot-separated labels of
 * 1-63 that do not start or end with '-'), or an IPv6 address in
 * brackets ("[::1]:2222"; inet_pton must take it; without brackets it is
 * refused, since its colons would read as a port). USER is 1-32
 * characters of [A-Za-z0-9._-] not starting with '-'; PORT is 1-65535 in
 * decimal (default 22). At most ADHOC_HOST_MAX bytes, printable ASCII
 * only. adhoc_host_parse refuses anything else with OPS_E_INVAL and a
 * message that quotes the printable start of the text. Its canonical
 * name, "[USER@]HOST:PORT" ("[ADDR]:PORT" for IPv6), always holds a ':',
 * which no target name does: it names the host's run, and
 * adhoc_host_is_name tells a run's ad-hoc host from a target.
 */
#define ADHOC_HOST_MAX	255
#define ADHOC_USER_MAX	32

struct adhoc_host {
	char		user[ADHOC_USER_MAX + 1];	/* "" when none */
	char		host[ADHOC_HOST_MAX + 1];	/* no brackets */
	unsigned	port;
	int		ipv6;
	char		name[ADHOC_HOST_MAX + ADHOC_USER_MAX + 16]; /* canonical */
};

int	adhoc_host_parse(const char *text, struct adhoc_host *out,
	    struct ops_err *err);
int	adhoc_host_is_name(const char *name);

#endif

/*
 * store.h: the daemon's encrypted database of targets, credentials,
 * automations, jobs, runs and the audit trail.
 *
 * Contract. A struct store is one SQLite connection opened through its
 * own encrypting VFS instance (vfs-crypt.h) under the keyring's page key;
 * nothing ever reaches the disk in plaintext, including backups. All SQL
 * of the project lives in core/store*.c and every value is bound, never
 * formatted into SQL. The connection is opened SQLITE_OPEN_NOMUTEX: the
 * daemon is one event-loop thread, so a struct store must not be used from
 * two threads at once.
 *
 * Every mutating call is one transaction: it either commits completely or
 * changes nothing (input is validated first; OPS_E_INVAL names the field
 * and the limit, OPS_E_EXISTS a duplicate name, OPS_E_NOTFOUND a missing
 * object). A caller that must group several calls with an audit record
 * wraps them in store_tx_begin/store_tx_commit (or store_tx_rollback);
 * calls inside then become savepoints of that one transaction.
 *
 * Names of targets, credentials, automations and tags are 1-64 characters
 * of [A-Za-z0-9._-] and never start with '-'. Timestamps are int64
 * milliseconds since the Unix epoch; 0 means "not yet".
 *
 * Records returned through an out pointer are owned by the caller and
 * released with the matching *_free (which accepts NULL); lists are
 * { v, n } pairs released with *_list_free, which also resets them. Output
 * pointers and lists are cleared on entry, so they are safe to free after
 * a failure.
 *
 * Credential secrets are sealed with seal_secret() under the credential
 * key (owner = the credential's uuid, field "secret" or "passphrase")
 * before they reach SQL, and the API returns their plaintext only through
 * store_cred_open_secret(), into a struct secret, for the moment of use.
 *
 * The audit table is append-only: the API has no update or delete, and
 * triggers refuse both. Each record carries hash = BLAKE2b-256 keyed with
 * the store's audit key (keys.h) over prev_hash || id || ts || actor ||
 * action || object || detail || result, integers as 8-byte big-endian,
 * strings as a 4-byte big-endian length and the bytes; the first record's
 * prev_hash is 32 zero bytes. Without the key nobody can recompute the
 * chain after editing a record. (Stores before schema 4 had an unkeyed
 * chain; the migration checks it and rehashes it with the key.)
 * store_audit_verify walks the chain and returns its head. Removing
 * records at the tail cannot be detected from inside the database: the
 * state file (below) catches it across a clean close, and the head can be
 * exported and compared elsewhere.
 *
 * The state file (path + "-state", 104 bytes, MAC'd with the state key)
 * records how the store was left: "open" with the close counter and
 * audit head found at open, or "clean" with those left by store_close,
 * which commits the next close counter (table store_meta), checkpoints
 * the WAL to zero bytes and closes the last connection first. store_open
 * refuses (OPS_E_CORRUPT, naming the file and what differs): a state
 * file that fails authentication or belongs to another database; a
 * missing or empty database beside a state file; a WAL with frames after
 * a clean close; a database whose close counter or audit head differs
 * from a clean record, or is older than an open record (the last run did
 * not close cleanly; WAL commits after that point can be lost
 * undetected); and a schema-4 database without its state file. Restoring
 * an older copy of both files is not detected.
 */
#ifndef OPS_STORE_H
#define OPS_STORE_H

#include <stddef.h>
#include <stdint.h>

#include "error.h"
#include "keys.h"
#include "model.h"
#include "secret.h"

#define STORE_NAME_MAX		MODEL_NAME_MAX	/* 64 */
#define STORE_HOST_MAX		253
#define STORE_USER_MAX		255
#define STORE_NOTES_MAX		4096
#define STORE_TAGS_MAX		32
#define STORE_BODY_MAX		(1024 * 1024)	/* command or script */
#define STORE_AUDIT_FIELD_MAX	(64 * 1024)
#define STORE_OUTPUT_CAP	(1024 * 1024)	/* default, per stream */
#define STORE_HASH_LEN		32

struct store;

/* ---- store.c: open, close, transactions, backup, checks -------------- */

/*
 * Open (creating if missing, mode 0600) the store at path with the page
 * key of kr, and migrate it to the current schema. kr is borrowed and must
 * outlive the store. OPS_E_BADKEY: the key does not open this database;
 * OPS_E_PLAINTEXT: an unencrypted database; OPS_E_CORRUPT: damaged;
 * OPS_E_VERSION: written by a newer opsicle; OPS_E_LOCKED: busy.
 */
int	store_open(const char *path, const struct keyring *kr,
	    struct store **out, struct ops_err *err);
/*
 * store_open with flags. STORE_OPEN_RESET_STATE: take the database as it
 * is and write a new state file, for an administrator who restored the
 * database without its state file (opsicled --reset-state).
 */
#define STORE_OPEN_RESET_STATE	0x1
int	store_open_flags(const char *path, const struct keyring *kr,
	    int flags, struct store **out, struct ops_err *err);
void	store_close(struct store *st);

/* The schema version (PRAGMA user_version), or a negative OPS_E_* code. */
int	store_schema_version(struct store *st);
/* The schema version this code writes. */
int	store_schema_latest(void);

/* Write a consistent copy to dest_path (which must not exist) through the
 * same encrypting VFS, and its state file dest_path + "-state"; the copy
 * opens with the same keyring (restore both files together). */
int	store_backup(struct store *st, const char *dest_path,
	    struct ops_err *err);

/* PRAGMA integrity_check: 0 when "ok", else OPS_E_CORRUPT and its first
 * message. */
int	store_integrity_check(struct store *st, struct ops_err *err);

/* Group several calls into one transaction (not nestable). */
int	store_tx_begin(struct store *st, struct ops_err *err);
int	store_tx_commit(struct store *st, struct ops_err *err);
void	store_tx_rollback(struct store *st);

/* Per-stream cap on stored run output (default STORE_OUTPUT_CAP). */
void	store_set_output_cap(struct store *st, size_t cap);

/* 1 when name is a valid object or tag name, else 0. */
int	store_name_valid(const char *name);

/* ---- store-targets.c ------------------------------------------------- */

/*
 * A target's latest run that ended with a result: ok, failed, timeout or
 * error (cancelled and interrupted runs say nothing about the target and
 * are skipped). Read with the target in the same query (the index
 * runs(target_id, id) finds it). job_id 0: the target never had one.
 */
struct store_last_run {
	int64_t	 job_id;
	int64_t	 run_id;
	int		 state;		/* an enum run_state; 0 when none */
	int		 exit_status;	/* -1 when none */
	int		 signal;	/* 0 when none */
	enum run_class	 cls;		/* column error_class */
	char		*error;		/* the message; NULL when none */
	int64_t		 finished;
};

struct store_target {
	int64_t	 id;
	char	*name;
	char	*host;
	int	 port;
	char	*user;		/* NULL when unset */
	int64_t	 cred_id;	/* 0 when none */
	char	*cred_name;	/* NULL when none */
	char	*notes;		/* NULL when unset */
	char	**tags;		/* sorted */
	size_t	 ntags;
	int64_t	 created;
	int64_t	 updated;
	struct store_last_run last_run;
};

struct store_target_list {
	struct store_target	*v;
	size_t			 n;
};

struct store_target_spec {
	const char		*name;
	const char		*host;
	int			 port;		/* 0 means 22 */
	const char		*user;		/* may be NULL */
	const char		*credential;	/* name; may be NULL */
	const char		*notes;		/* may be NULL */
	const char *const	*tags;		/* duplicates collapse */
	size_t			 ntags;
};

/* Fields left NULL (or port 0, set_tags 0) keep their value; "" clears
 * user, credential and notes. */
struct store_target_update {
	const char		*name;		/* rename */
	const char		*host;
	int			 port;
	const char		*user;
	const char		*credential;
	const char		*notes;
	int			 set_tags;	/* replace the tags with: */
	const char *const	*tags;
	size_t			 ntags;
};

/* A filter narrows: a target is listed when the selector expression
 * selects it and it has the tag (model.h selectors). */
struct store_target_filter {
	const char	*name_glob;	/* a selector expression ("web*",
					 * "tag:X,!db1", ...); NULL for all */
	const char	*tag;		/* only targets with this tag */
};

int	store_target_add(struct store *st, const struct store_target_spec *s,
	    int64_t *id, struct ops_err *err);
int	store_target_get(struct store *st, const char *name,
	    struct store_target **out, struct ops_err *err);
int	store_target_get_id(struct store *st, int64_t id,
	    struct store_target **out, struct ops_err *err);
/* Sorted by name. f may be NULL. OPS_E_INVAL when f->name_glob is not a
 * valid selector expression (selector_set_add's message). */
int	store_target_list(struct store *st, const struct store_target_filter *f,
	    struct store_target_list *out, struct ops_err *err);
int	store_target_update(struct store *st, const char *name,
	    const struct store_target_update *u, struct ops_err *err);
/* Deletes tags and host keys with it; runs keep the target's name. */
int	store_target_delete(struct store *st, const char *name,
	    struct ops_err *err);
void	store_target_free(struct store_target *t);
void	store_target_list_free(struct store_target_list *l);

/* Known host keys of a target, by SHA256 fingerprint ("SHA256:..."). */
struct store_hostkey {
	char		*type;		/* "ssh-ed25519", ... */
	char		*fp;
	unsigned char	*blob;		/* raw key; NULL when not known */
	size_t		 blob_len;
	int64_t		 added;
};

struct store_hostkey_list {
	struct store_hostkey	*v;
	size_t			 n;
};

int	store_hostkey_add(struct store *st, const char *target,
	    const char *type, const char *fp, const unsigned char *blob,
	    size_t blob_len, struct ops_err *err);
int	store_hostkey_list(struct store *st, const char *target,
	    struct store_hostkey_list *out, struct ops_err *err);
int	store_hostkey_remove(struct store *st, const char *target,
	    const char *fp, struct ops_err *err);
void	store_hostkey_list_free(struct store_hostkey_list *l);

/*
 * Pending host keys: keys a target presented that match none of its known
 * keys (an unknown host, or a changed key), kept so that a user can look
 * at them and accept one by fingerprint. A connection is never allowed on
 * a pending key. One row per (target, fingerprint); deleting the target
 * deletes them.
 */
struct store_hostkey_pending {
	char		*target;	/* target name */
	char		*type;
	char		*fp;
	unsigned char	*blob;		/* raw key; NULL when not known */
	size_t		 blob_len;
	int64_t		 first_seen;
	int64_t		 last_seen;
};

struct store_hostkey_pending_list {
	struct store_hostkey_pending	*v;
	size_t				 n;
};

/* Record that target presented this key: insert it, or when already
 * pending update last_seen (and the blob, when given). OPS_E_EXISTS when
 * the key is already one of the target's known keys. */
int	store_hostkey_pending_set(struct store *st, const char *target,
	    const char *type, const char *fp, const unsigned char *blob,
	    size_t blob_len, struct ops_err *err);
/* Pending keys of target, or of all targets when target is NULL; by
 * target name, then first_seen. OPS_E_NOTFOUND for an unknown target. */
int	store_hostkey_pending_list(struct store *st, const char *target,
	    struct store_hostkey_pending_list *out, struct ops_err *err);
/* Forget the pending key fp of target, or all its pending keys when fp is
 * NULL. OPS_E_NOTFOUND when nothing matched (fp given) or no target. */
int	store_hostkey_pending_remove(struct store *st, const char *target,
	    const char *fp, struct ops_err *err);
/*
 * Accept the pending key fp of target: in one transaction move it into
 * the known keys and drop it from pending. With replace, known keys of
 * the same key type are removed first (a host key that changed). *out
 * (may be NULL) gets the accepted key (caller frees with
 * store_hostkey_pending_free). OPS_E_NOTFOUND when no such pending key.
 */
int	store_hostkey_accept(struct store *st, const char *target,
	    const char *fp, int replace, struct store_hostkey_pending **out,
	    struct ops_err *err);
void	store_hostkey_pending_free(struct store_hostkey_pending *p);
void	store_hostkey_pending_list_free(struct store_hostkey_pending_list *l);

/* ---- store-creds.c --------------------------------------------------- */

enum store_cred_kind {
	STORE_CRED_PASSWORD = 1,	/* secret = password */
	STORE_CRED_SSH_KEY,		/* secret = private key */
	STORE_CRED_SSH_KEY_PASSPHRASE,	/* secret = key, passphrase = its */
	STORE_CRED_AGENT,		/* no secret: ssh-agent at a socket */
};

struct store_cred {
	int64_t			 id;
	char			*name;
	char			*uuid;		/* sealing owner id */
	enum store_cred_kind	 kind;
	char			*username;	/* NULL when unset */
	char			*pubkey;	/* NULL when unset */
	char			*agent_socket;	/* agent kind; may be NULL */
	int			 has_secret;
	int			 has_passphrase;
	int64_t			 created;
	int64_t			 updated;
};

struct store_cred_list {
	struct store_cred	*v;
	size_t			 n;
};

struct store_cred_spec {
	const char		*name;
	enum store_cred_kind	 kind;
	const char		*username;	/* may be NULL */
	const char		*pubkey;	/* may be NULL */
	const struct secret	*secret;	/* by kind; NULL for agent */
	const struct secret	*passphrase;	/* ssh-key-passphrase only */
	const char		*agent_socket;	/* agent only: absolute path */
};

/* NULL keeps a field; "" clears username and pubkey. A new secret or
 * passphrase replaces the sealed one. */
struct store_cred_update {
	const char		*name;
	const char		*username;
	const char		*pubkey;
	const struct secret	*secret;
	const struct secret	*passphrase;
};

const char	*store_cred_kind_name(enum store_cred_kind kind);
int		 store_cred_kind_parse(const char *s,
		     enum store_cred_kind *kind);

int	store_cred_add(struct store *st, const struct store_cred_spec *s,
	    int64_t *id, struct ops_err *err);
int	store_cred_get(struct store *st, const char *name,
	    struct store_cred **out, struct ops_err *err);
int	store_cred_list(struct store *st, struct store_cred_list *out,
	    struct ops_err *err);
int	store_cred_update(struct store *st, const char *name,
	    const struct store_cred_update *u, struct ops_err *err);
/* OPS_E_INVAL while a target still uses it. */
int	store_cred_delete(struct store *st, const char *name,
	    struct ops_err *err);
/*
 * Unseal field ("secret" or "passphrase") of credential name into a new
 * secret (caller frees at once after use). OPS_E_NOTFOUND when the
 * credential or the field is absent; OPS_E_CORRUPT when it fails to open.
 */
int	store_cred_open_secret(struct store *st, const char *name,
	    const char *field, struct secret **out, struct ops_err *err);
void	store_cred_free(struct store_cred *c);
void	store_cred_list_free(struct store_cred_list *l);

/* ---- store-automations.c --------------------------------------------- */

/*
 * A version is a command or script (kinds 1-2, store_automation_add) or,
 * from schema 9 on, an automation document (kind "document",
 * store_automation_put): the file as applied, byte for byte, its format,
 * the files its steps name, who applied it and a sha256 over it all.
 */
enum store_auto_kind {
	STORE_AUTO_COMMAND = 1,
	STORE_AUTO_SCRIPT,
	STORE_AUTO_DOCUMENT,
};

struct store_automation {
	int64_t	 id;
	char	*name;
	char	*description;	/* NULL when unset */
	int	 latest;	/* highest version */
	int64_t	 created;
	int	 versions;	/* how many */
	int64_t	 applied;	/* when the latest version was added */
	char	*applied_by;	/* ... by whom (NULL: not recorded) */
};

struct store_automation_list {
	struct store_automation	*v;
	size_t			 n;
};

struct store_automation_version {
	int64_t			 automation_id;
	int			 version;
	enum store_auto_kind	 kind;
	char			*body;		/* NULL for a document */
	int64_t			 created;
	/* a document's (NULL, "" and 0 for a command or script): */
	char			*format;	/* "yaml" or "json" */
	char			*actor;		/* who applied it */
	char			 sha256[65];
	size_t			 doc_len;
	size_t			 nfiles;
};

struct store_automation_version_list {
	struct store_automation_version	*v;
	size_t				 n;
};

const char	*store_auto_kind_name(enum store_auto_kind kind);
int		 store_auto_kind_parse(const char *s,
		     enum store_auto_kind *kind);

/* A new automation with version 1. */
int	store_automation_add(struct store *st, const char *name,
	    const char *description, enum store_auto_kind kind,
	    const char *body, int64_t *id, struct ops_err *err);
/* Append the next version; *version (may be NULL) receives its number. */
int	store_automation_add_version(struct store *st, const char *name,
	    enum store_auto_kind kind, const char *body, int *version,
	    struct ops_err *err);
int	store_automation_get(struct store *st, const char *name,
	    struct store_automation **out, struct ops_err *err);
/* version 0 means the latest. */
int	store_automation_get_version(struct store *st, const char *name,
	    int version, struct store_automation_version **out,
	    struct ops_err *err);
int	store_automation_list(struct store *st,
	    struct store_automation_list *out, struct ops_err *err);
/* Oldest first. */
int	store_automation_versions(struct store *st, const char *name,
	    struct store_automation_version_list *out, struct ops_err *err);
/* new_name and description: NULL keeps, description "" clears. */
int	store_automation_update(struct store *st, const char *name,
	    const char *new_name, const char *description,
	    struct ops_err *err);
/* Jobs that ran it keep their command text, automation name and version
 * (their automation_id becomes 0); its versions and files go. */
int	store_automation_delete(struct store *st, const char *name,
	    struct ops_err *err);
void	store_automation_free(struct store_automation *a);
void	store_automation_list_free(struct store_automation_list *l);
void	store_automation_version_free(struct store_automation_version *v);
void	store_automation_version_list_free(
	    struct store_automation_version_list *l);

/* ---- store-autodoc.c ------------------------------------------------- */

/*
 * Automation documents (schema 9). A version keeps the document as
 * applied, byte for byte, and the files its steps name (a script's file,
 * an upload's src), so a job runs exactly what was applied and never
 * reads the disk again. sha256 is the lower-case hex SHA-256 of
 *     u64(doc_len) doc u64(nfiles) { u64(path_len) path u64(len) data }
 * with the files in strcmp order of their paths and u64 big-endian; put
 * stores and returns the files in that order. created is in milliseconds
 * like every store time. Limits: a document of 1..STORE_AUTODOC_MAX bytes,
 * at most STORE_AUTOFILES_MAX files with distinct paths of 1..4096
 * printable bytes, doc and files together at most STORE_AUTOTOTAL_MAX
 * (OPS_E_TOOBIG beyond, OPS_E_INVAL for the rest).
 */
#define STORE_AUTODOC_MAX	(1024 * 1024)
#define STORE_AUTOFILES_MAX	64
#define STORE_AUTOPATH_MAX	4096
#define STORE_AUTOTOTAL_MAX	(8 * 1024 * 1024)

struct store_automation_file {
	char		*path;		/* as the document names it */
	unsigned char	*data;
	size_t		 len;
};

struct store_automation_doc {
	int64_t		 automation_id;
	char		*name;
	int		 version;
	char		*format;	/* "yaml" or "json" */
	unsigned char	*doc;		/* the file as applied, byte for byte */
	size_t		 doc_len;
	char		 sha256[65];	/* hex, of doc and files (above) */
	struct store_automation_file *files;
	size_t		 nfiles;
	char		*actor;		/* who applied it */
	int64_t		 created;	/* milliseconds since the epoch */
};

/*
 * New automation (version 1), or version N+1 when the format, doc or
 * files differ from the latest; *version gets the version, *changed 1
 * when a version was added, 0 when unchanged (both may be NULL).
 */
int	store_automation_put(struct store *st, const char *name,
	    const char *format, const unsigned char *doc, size_t doc_len,
	    const struct store_automation_file *files, size_t nfiles,
	    const char *actor, int *version, int *changed,
	    struct ops_err *err);
/* version 0: the latest. OPS_E_NOTFOUND for an unknown name or version,
 * or a version that is a command or script rather than a document. */
int	store_automation_doc_get(struct store *st, const char *name,
	    int version, struct store_automation_doc **out,
	    struct ops_err *err);
/* By id (the job pins automation_id + version; works while the
 * automation exists, whatever it is called now). */
int	store_automation_doc_get_id(struct store *st, int64_t automation_id,
	    int version, struct store_automation_doc **out,
	    struct ops_err *err);
void	store_automation_doc_free(struct store_automation_doc *d);
/* The hex sha256 above of doc and files (files in any order). 0, or
 * OPS_E_NOMEM. */
int	store_automation_hash(const unsigned char *doc, size_t doc_len,
	    const struct store_automation_file *files, size_t nfiles,
	    char hex[65]);

/* ---- store-jobs.c ---------------------------------------------------- */

/*
 * Job and run states are the model's (model.h). These spellings of them
 * stay until the daemon's users are renamed (a mechanical change, done
 * once the helpers restructuring the daemon have landed).
 */
#define store_job_state		job_state
#define STORE_JOB_QUEUED	JOB_STATE_QUEUED
#define STORE_JOB_RUNNING	JOB_STATE_RUNNING
#define STORE_JOB_DONE		JOB_STATE_DONE
#define STORE_JOB_FAILED	JOB_STATE_FAILED
#define STORE_JOB_CANCELLED	JOB_STATE_CANCELLED
#define STORE_JOB_INTERRUPTED	JOB_STATE_INTERRUPTED
#define STORE_JOB_AWAITING	JOB_STATE_AWAITING_APPROVAL
#define STORE_JOB_REJECTED	JOB_STATE_REJECTED
#define STORE_JOB_EXPIRED	JOB_STATE_EXPIRED
#define store_run_state		run_state
#define STORE_RUN_QUEUED	RUN_STATE_QUEUED
#define STORE_RUN_RUNNING	RUN_STATE_RUNNING
#define STORE_RUN_OK		RUN_STATE_OK
#define STORE_RUN_FAILED	RUN_STATE_FAILED
#define STORE_RUN_TIMEOUT	RUN_STATE_TIMEOUT
#define STORE_RUN_ERROR		RUN_STATE_ERROR
#define STORE_RUN_CANCELLED	RUN_STATE_CANCELLED
#define STORE_RUN_INTERRUPTED	RUN_STATE_INTERRUPTED
#define store_job_state_name	job_state_name
#define store_job_state_parse	job_state_parse
#define store_run_state_name	run_state_name
#define store_run_state_parse	run_state_parse

enum store_stream {
	STORE_STDOUT = 1,
	STORE_STDERR = 2,
};

struct store_job {
	int64_t			 id;
	int64_t			 automation_id;	/* 0: ad hoc or deleted */
	char			*automation;	/* name at creation, or NULL */
	int			 version;	/* 0 for ad hoc */
	char			*command;
	char			*requested_by;
	enum store_job_state	 state;
	int64_t			 created;
	int64_t			 started;
	int64_t			 finished;
	int			 script;	/* command is a script for sh */
	int			 timeout_ms;	/* per run; 0: none */
	int			 forks;		/* runs at once; 0: default */
	int64_t			 output_cap;	/* per stream; 0: the store's */
	int			 connect_timeout_ms; /* 0: the engine's */
	/* run --become: sudo to this user (NULL: no sudo), with the
	 * password of credential become_cred (NULL: the target's) */
	char			*become_user;
	char			*become_cred;
};

struct store_job_list {
	struct store_job	*v;
	size_t			 n;
};

struct store_job_spec {
	const char		*automation;	/* name, or NULL for ad hoc */
	int			 version;	/* 0: latest */
	const char		*command;	/* ad hoc: required */
	const char		*requested_by;
	const char *const	*targets;	/* names (with hosts: at least
						 * one of the two) */
	size_t			 ntargets;
	/* run --host: runs on no target (target_id NULL), named by the
	 * host's canonical name, which holds a ':' (model.h adhoc_host) */
	const char *const	*hosts;
	size_t			 nhosts;
	int			 script;	/* ad hoc command is a script */
	int			 timeout_ms;	/* per run; 0: none */
	int			 forks;		/* runs at once; 0: default */
	int64_t			 output_cap;	/* per stream; 0: the store's */
	int			 connect_timeout_ms; /* 0: the engine's */
	const char		*become_user;	/* NULL: no sudo */
	const char		*become_cred;	/* NULL: the target's */
};

struct store_job_filter {
	enum store_job_state	 state;		/* 0: any */
	size_t			 limit;		/* 0: no limit */
	int64_t			 before_id;	/* 0: newest; else id < this */
};

struct store_run {
	int64_t			 id;
	int64_t			 job_id;
	int64_t			 target_id;	/* 0 when deleted */
	char			*target;	/* name at job creation */
	enum store_run_state	 state;
	int			 exit_status;	/* -1 when none */
	int			 signal;	/* 0 when none */
	enum run_class		 cls;		/* column error_class */
	char			*error;		/* the message; NULL when none */
	int64_t			 started;
	int64_t			 finished;
	unsigned char		*out;		/* with_output only */
	size_t			 out_len;
	unsigned char		*errout;
	size_t			 errout_len;
	int64_t			 out_bytes;	/* seen, including dropped */
	int64_t			 err_bytes;
	int			 out_truncated;
	int			 err_truncated;
	int64_t			 out_kept;	/* stored */
	int64_t			 err_kept;
};

struct store_run_list {
	struct store_run	*v;
	size_t			 n;
};

/* A queued job with one queued run per target. */
int	store_job_add(struct store *st, const struct store_job_spec *s,
	    int64_t *id, struct ops_err *err);
/* store-become.c: what store_job_add checks of become_user and
 * become_cred: OPS_E_INVAL unless user is NULL (then cred must be too) or
 * a login name (or sudo's "#UID"), and cred NULL or a credential name. */
int	store_job_become_check(const char *user, const char *cred,
	    struct ops_err *err);
int	store_job_get(struct store *st, int64_t id, struct store_job **out,
	    struct ops_err *err);
/* Newest first. f may be NULL. */
int	store_job_list(struct store *st, const struct store_job_filter *f,
	    struct store_job_list *out, struct ops_err *err);
/* Sets started on RUNNING, finished on a final state. */
int	store_job_set_state(struct store *st, int64_t id,
	    enum store_job_state state, struct ops_err *err);
/* Deletes its runs with it. */
int	store_job_delete(struct store *st, int64_t id, struct ops_err *err);
void	store_job_free(struct store_job *j);
void	store_job_list_free(struct store_job_list *l);

/* Runs of a job in id order; output bytes only when with_output. */
int	store_run_list(struct store *st, int64_t job_id, int with_output,
	    struct store_run_list *out, struct ops_err *err);
int	store_run_get(struct store *st, int64_t run_id, struct store_run **out,
	    struct ops_err *err);
/* QUEUED -> RUNNING, sets started. */
int	store_run_start(struct store *st, int64_t run_id, struct ops_err *err);
/*
 * A final state; exit_status -1 and signal 0 mean none; error (the
 * message, without its class) may be NULL; cls goes to its own column
 * (RUN_CLASS_NONE: none). Sets finished. An exit status or signal out of
 * range ends the run as an error without a class that says so.
 */
int	store_run_finish_class(struct store *st, int64_t run_id,
	    enum run_state state, enum run_class cls, int exit_status,
	    int signal, const char *error, struct ops_err *err);
/* store_run_finish_class with RUN_CLASS_NONE. */
int	store_run_finish(struct store *st, int64_t run_id,
	    enum run_state state, int exit_status, int signal,
	    const char *error, struct ops_err *err);
/* Append up to the cap; beyond it bytes are counted, dropped and the
 * stream is flagged truncated. */
int	store_run_append_output(struct store *st, int64_t run_id,
	    enum store_stream stream, const void *p, size_t len,
	    struct ops_err *err);
/* At daemon start: queued or running runs and jobs become interrupted.
 * *nruns (may be NULL) receives the number of runs changed. */
int	store_runs_mark_interrupted(struct store *st, int64_t *nruns,
	    struct ops_err *err);
/* At daemon start after a crash: jobs left running become interrupted
 * with their unfinished runs; queued jobs stay queued (they run next).
 * *nruns (may be NULL) receives the number of runs changed. */
int	store_jobs_recover(struct store *st, int64_t *nruns,
	    struct ops_err *err);
/* The oldest queued job's id in *id, or 0 when none is queued. */
int	store_job_next_queued(struct store *st, int64_t *id,
	    struct ops_err *err);
/* Retention: drop the stored output of jobs finished before the given
 * time (ms); the runs and their states stay. *nchunks may be NULL. */
int	store_output_prune(struct store *st, int64_t before,
	    int64_t *nchunks, struct ops_err *err);
void	store_run_free(struct store_run *r);
void	store_run_list_free(struct store_run_list *l);

/* ---- store-jobauto.c: automation jobs -------------------------------- */

/*
 * An automation job pins (automation id, name, version) in its jobs row;
 * its parameter values are rows of their own, a secret sealed (seal.h)
 * under a random owner id and never kept in plaintext. Each run has its
 * rollout batch (from 1) and, per step, a state: queued, running, ok,
 * failed or skipped. A target a rollout never started is skipped: its run
 * is cancelled with that message and flagged skipped.
 */
struct store_job_param {
	char		*name;
	char		*value;		/* NULL for a secret */
	int		 secret;
	struct secret	*sealed_value;	/* a secret, opened on request */
};

struct store_job_param_list {
	struct store_job_param	*v;
	size_t			 n;
};

struct store_param_spec {
	const char		*name;
	const char		*value;		/* not a secret */
	const struct secret	*secret;	/* or a secret (sealed) */
};

struct store_run_step {
	int64_t		 run_id;
	int		 idx;		/* from 0 */
	char		*name;
	char		*state;		/* queued running ok failed skipped */
	int		 exit_status;	/* -1: none */
	int64_t		 started, finished;
	char		*error;		/* or NULL */
};

struct store_run_step_list {
	struct store_run_step	*v;
	size_t			 n;
};

struct store_run_auto {
	int64_t		 run_id;
	int		 batch;
	int		 skipped;
};

struct store_run_auto_list {
	struct store_run_auto	*v;
	size_t			 n;
};

/* Pin the automation on job (inside the submit's transaction). */
int	store_job_auto_set(struct store *st, int64_t job, int64_t automation_id,
	    const char *name, int version, struct ops_err *err);
int	store_job_params_add(struct store *st, int64_t job,
	    const struct store_param_spec *v, size_t n, struct ops_err *err);
/* In order; open: unseal secrets into sealed_value (else NULL). */
int	store_job_params_get(struct store *st, int64_t job, int open,
	    struct store_job_param_list *out, struct ops_err *err);
void	store_job_param_list_free(struct store_job_param_list *l);
/* The run's batch and its steps, all queued. */
int	store_run_auto_add(struct store *st, int64_t run_id, int batch,
	    const char *const *steps, size_t nsteps, struct ops_err *err);
/* Step idx of run_id: its state (running sets started; ok, failed and
 * skipped set finished), exit status (-1: none) and error (or NULL). */
int	store_run_step_set(struct store *st, int64_t run_id, int idx,
	    const char *state, int exit_status, const char *error,
	    struct ops_err *err);
/* Every step of the job's runs (run id, then step order). */
int	store_run_steps_get(struct store *st, int64_t job,
	    struct store_run_step_list *out, struct ops_err *err);
void	store_run_step_list_free(struct store_run_step_list *l);
/* Batches and skipped flags of the job's runs (run id order); an ad hoc
 * job has none. */
int	store_run_auto_get(struct store *st, int64_t job,
	    struct store_run_auto_list *out, struct ops_err *err);
void	store_run_auto_list_free(struct store_run_auto_list *l);
/* At start: steps a stopped daemon left running failed ("interrupted"),
 * and queued steps of runs that ended skipped. */
int	store_run_steps_recover(struct store *st, struct ops_err *err);
/* The run was never started by its rollout (the caller finishes it as
 * cancelled): flagged skipped, its queued steps skipped. */
int	store_run_skip(struct store *st, int64_t run_id, struct ops_err *err);

/* ---- store-audit.c --------------------------------------------------- */

struct store_audit_entry {
	const char	*actor;		/* uid or user name */
	const char	*action;	/* "target.add", ... */
	const char	*object;	/* may be NULL */
	const char	*detail;	/* may be NULL; never a secret */
	const char	*result;	/* "ok", an error, ...; may be NULL */
};

struct store_audit_rec {
	int64_t		 id;
	int64_t		 ts;
	char		*actor;
	char		*action;
	char		*object;	/* "" when none */
	char		*detail;
	char		*result;
	unsigned char	 prev_hash[STORE_HASH_LEN];
	unsigned char	 hash[STORE_HASH_LEN];
};

struct store_audit_list {
	struct store_audit_rec	*v;
	size_t			 n;
};

struct store_audit_filter {
	int64_t		 from_id;	/* 0: from the first */
	int64_t		 to_id;		/* 0: to the last */
	int64_t		 since;		/* ts >= since (0: any) */
	int64_t		 until;		/* ts < until (0: any) */
	const char	*actor;		/* NULL: any */
	const char	*action;	/* NULL: any */
	size_t		 limit;		/* 0: no limit */
	int		 newest_first;
};

int	store_audit_append(struct store *st, const struct store_audit_entry *e,
	    int64_t *id, struct ops_err *err);
int	store_audit_list(struct store *st, const struct store_audit_filter *f,
	    struct store_audit_list *out, struct ops_err *err);
/* The newest record: its id (0 when the trail is empty) and hash. */
struct store_audit_head {
	int64_t		 id;
	unsigned char	 hash[STORE_HASH_LEN];
};

/* Walk the chain. On a mismatch: OPS_E_CORRUPT, *first_broken (may be
 * NULL) the id of the first bad record and "audit record N: ..." in err.
 * On success *head (may be NULL) is the verified head, to anchor
 * elsewhere. */
int	store_audit_verify(struct store *st, int64_t *first_broken,
	    struct store_audit_head *head, struct ops_err *err);
int	store_audit_head(struct store *st, struct store_audit_head *head,
	    struct ops_err *err);
void	store_audit_list_free(struct store_audit_list *l);

/* ---- store-approvals.c ----------------------------------------------- */

/*
 * Approval requests (one per job that needs approval) and their
 * decisions. state: "pending" (the job is awaiting approval), then
 * exactly once "granted", "rejected", "expired", "overridden" or
 * "cancelled" (store_approval_set_state refuses a request that is no
 * longer pending with OPS_E_INVAL). policy is the policy's JSON text as
 * it was when the job was asked for. Times are ms since the epoch.
 * approvals counts the distinct uids that approved.
 */
#define STORE_APPROVERS_MAX	16	/* approvals a request may need */
#define STORE_REASON_MAX	1024	/* bytes in a decision's reason */

struct store_approval {
	int64_t		 job;
	char		*policy;
	int		 required;
	int64_t		 requester_uid;
	int64_t		 created;	/* add: 0 means now */
	int64_t		 expires;
	char		*state;		/* read only */
	int64_t		 decided;	/* 0: pending */
	int		 approvals;	/* read only */
};

struct store_approval_list {
	struct store_approval	*v;
	size_t			 n;
};

struct store_approval_decision {
	int64_t		 id;
	int64_t		 actor_uid;
	char		*actor;		/* "name(uid)" */
	char		*channel;	/* "cli", "console", "telegram", ... */
	char		*account;	/* chat account, or NULL */
	char		*decision;	/* "approve", "reject", "override" */
	char		*reason;	/* or NULL */
	int64_t		 ts;
};

struct store_approval_decision_list {
	struct store_approval_decision	*v;
	size_t				 n;
};

/* Add the pending request of job (a's policy, required, requester_uid,
 * created, expires). */
int	store_approval_add(struct store *st, int64_t job,
	    const struct store_approval *a, struct ops_err *err);
/* OPS_E_NOTFOUND when job has none; *out freed with _done. */
int	store_approval_get(struct store *st, int64_t job,
	    struct store_approval *out, struct ops_err *err);
void	store_approval_done(struct store_approval *a);
/* Requests in state (NULL: all), oldest job first. */
int	store_approval_list(struct store *st, const char *state,
	    struct store_approval_list *out, struct ops_err *err);
void	store_approval_list_free(struct store_approval_list *l);
/* Pending to state (never back to pending). */
int	store_approval_set_state(struct store *st, int64_t job,
	    const char *state, struct ops_err *err);
/* Record a decision (the strings are borrowed; its time is now). */
int	store_approval_decision_add(struct store *st, int64_t job,
	    const struct store_approval_decision *d, struct ops_err *err);
int	store_approval_decisions(struct store *st, int64_t job,
	    struct store_approval_decision_list *out, struct ops_err *err);
void	store_approval_decision_list_free(
	    struct store_approval_decision_list *l);
/* The earliest deadline of a pending request, 0 when none. */
int	store_approval_next_expiry(struct store *st, int64_t *when,
	    struct ops_err *err);
/* Jobs whose pending request's deadline is at or before now (caller
 * frees *jobs). */
int	store_approval_overdue(struct store *st, int64_t now, int64_t **jobs,
	    size_t *n, struct ops_err *err);

/* ---- store-schedules.c: schedules (daemon/schedules.c fires them) ----
 * A schedule runs automation on selectors (none: the automation's own
 * targets) with sealed parameter values, at kind "cron" (spec a cron
 * expression), "every" (every_ms; spec as typed) or "at" (spec
 * "YYYY-MM-DD HH:MM"), in zone tz. next_fire is the next fire time (unix
 * s; 0 when the schedule has ended), last_fire the latest one that ran:
 * the daemon never fires at or before it. Its jobs are requested by
 * "schedule:NAME" (STORE_SCHEDULE_ACTOR). History: the newest
 * STORE_SCHEDULE_EVENTS_MAX events per schedule are kept. */
#define STORE_SCHEDULE_ACTOR		"schedule:"
#define STORE_SCHEDULE_EVENTS_MAX	100
struct store_schedule {
	int64_t		 id;
	char		*name;
	char		*automation;
	char		**selectors;	/* NULL-ended */
	size_t		 nselectors;
	char		*kind;		/* cron every at */
	char		*spec;
	char		*tz;
	char		*missed;	/* skip run-once */
	char		*overlap;	/* skip queue */
	int64_t		 every_ms, jitter_ms, until, max_runs, runs;
	int		 paused;
	int64_t		 last_fire, next_fire, last_job, created;
	char		*actor;
	int64_t		 uid, gid;	/* who added it: its jobs' requester */
};
struct store_schedule_list {
	struct store_schedule	*v;
	size_t			 n;
};
struct store_schedule_event {
	int64_t		 time;
	char		*what;	/* fired missed skipped-overlap skipped-missed
				 * failed-to-start */
	int64_t		 job;	/* 0: none */
	char		*detail;
};
struct store_schedule_event_list {
	struct store_schedule_event	*v;
	size_t				 n;
};
/* Add s (id, runs, last_fire, last_job ignored) with params; OPS_E_EXISTS
 * when the name is taken. *id (may be NULL) gets its id. */
int	store_schedule_add(struct store *st, const struct store_schedule *s,
	    const struct store_param_spec *params, size_t nparams,
	    int64_t *id, struct ops_err *err);
int	store_schedule_get(struct store *st, const char *name,
	    struct store_schedule *out, struct ops_err *err);
int	store_schedule_list(struct store *st, struct store_schedule_list *out,
	    struct ops_err *err);
void	store_schedule_clear(struct store_schedule *s);
void	store_schedule_list_free(struct store_schedule_list *l);
int	store_schedule_rm(struct store *st, const char *name,
	    struct ops_err *err);
int	store_schedule_set_paused(struct store *st, const char *name,
	    int paused, struct ops_err *err);
/* After a fire time: its last_fire, next_fire, runs and last_job. */
int	store_schedule_update(struct store *st, const struct store_schedule *s,
	    struct ops_err *err);
/* In order; open: unseal secrets. */
int	store_schedule_params_get(struct store *st, int64_t id, int open,
	    struct store_job_param_list *out, struct ops_err *err);
/* Record what (job 0: none; detail may be NULL) and trim the history. */
int	store_schedule_event_add(struct store *st, int64_t id, int64_t time,
	    const char *what, int64_t job, const char *detail,
	    struct ops_err *err);
/* The newest limit events, oldest first. */
int	store_schedule_events(struct store *st, int64_t id, int limit,
	    struct store_schedule_event_list *out, struct ops_err *err);
void	store_schedule_event_list_free(struct store_schedule_event_list *l);

#endif

/*
 * store-int.h: shared internals of core/store*.c (not for other modules).
 *
 * Statements come from a small per-store cache keyed by the SQL string's
 * address (always a string literal): store_stmt hands out a reset
 * statement and the caller must pass it to store_stmt_done before it
 * returns. Mutating calls bracket their work with store_tx_enter and
 * store_tx_leave: the outermost level is BEGIN IMMEDIATE / COMMIT, inner
 * levels (inside store_tx_begin) are savepoints, and a failure rolls back
 * exactly that level.
 */
#ifndef OPS_STORE_INT_H
#define OPS_STORE_INT_H

#include <sqlite3.h>
#include <stdint.h>

#include "error.h"
#include "keys.h"
#include "store.h"
#include "vfs-crypt.h"

#define STORE_STMT_CACHE	96
#define STORE_TX_DEPTH_MAX	32

struct store_stmt_slot {
	const char	*sql;
	sqlite3_stmt	*stmt;
};

#define STORE_STATE_OPEN	1
#define STORE_STATE_CLEAN	2

/* What the state file says (or will say) about the store. */
struct store_state_rec {
	int			 kind;		/* STORE_STATE_* */
	uint64_t		 seq;		/* close counter */
	struct store_audit_head	 head;
};

struct store {
	sqlite3			*db;
	struct vfscrypt		*vfs;
	const struct keyring	*kr;		/* borrowed */
	char			*path;
	size_t			 output_cap;
	int			 tx_depth;
	unsigned char		 tx_owned[STORE_TX_DEPTH_MAX];
	int			 user_tx;	/* store_tx_begin is open */
	int			 flags;		/* STORE_OPEN_* */
	struct store_state_rec	 state;
	int			 state_present;	/* read at open */
	int			 state_bad;	/* ... did not authenticate */
	struct ops_err		 state_why;	/* ... and why */
	int			 state_ok;	/* open done: close records */
	struct store_stmt_slot	 stmts[STORE_STMT_CACHE];
};

/* store.c */
int64_t	 store_now_ms(void);
int	 store_dberr(struct store *st, int rc, struct ops_err *err,
	     const char *fmt, ...) __attribute__((format(printf, 4, 5)));
int	 store_stmt(struct store *st, const char *sql, sqlite3_stmt **out,
	     struct ops_err *err);
void	 store_stmt_done(sqlite3_stmt *stmt);
int	 store_tx_enter(struct store *st, struct ops_err *err);
int	 store_tx_leave(struct store *st, int rc, struct ops_err *err);
int	 store_bind_text(sqlite3_stmt *stmt, int idx, const char *s);
int	 store_col_str(sqlite3_stmt *stmt, int col, char **out);
int	 store_col_blob(sqlite3_stmt *stmt, int col, unsigned char **out,
	     size_t *len);
char	*store_strdup(const char *s);
int	 store_check_name(const char *what, const char *name,
	     struct ops_err *err);
int	 store_check_text(const char *what, const char *s, size_t max,
	     int allow_newlines, struct ops_err *err);
/* store-jobauto.c: parameter rows of a job or a schedule (secrets
 * sealed); insert binds (id, idx, name, value, sealed, owner), select
 * gives (name, value, sealed, owner) of id ?1 in order. */
struct store_param_spec;
struct store_job_param_list;
int	 store_params_put(struct store *st, const char *insert, int64_t id,
	     const struct store_param_spec *v, size_t n, struct ops_err *err);
int	 store_params_get(struct store *st, const char *select, int64_t id,
	     int open, struct store_job_param_list *out, struct ops_err *err);
/* Test-only access to the raw connection and the VFS name. */
sqlite3	*store_sqlite_handle(struct store *st);
const char *store_vfs_name(struct store *st);

/* store-become.c: a job's become (store_job_add and the job readers). */
/* Inside the caller's transaction; nothing when user is NULL. */
int	 store_job_become_add(struct store *st, int64_t job_id,
	     const char *user, const char *cred, struct ops_err *err);
/* j->become_user and become_cred from the table (NULL: none). */
int	 store_job_become_load(struct store *st, struct store_job *j,
	     struct ops_err *err);

/* store-migrate.c */
int	 store_migrate(struct store *st, struct ops_err *err);

/* store-audit.c */
int	 store_audit_rekey(struct store *st, struct ops_err *err);

/*
 * store-state.c: the state file (see store.h). store_open calls load
 * before SQLite opens the file, check after prepare (version: the schema
 * found), begin after migrating; store_close calls quiesce (1: the WAL is
 * empty, the next close counter committed) and, once the connection
 * closed, mark_clean.
 */
int	 store_state_load(struct store *st, int existed, struct ops_err *err);
int	 store_state_check(struct store *st, int existed, int version,
	     struct ops_err *err);
int	 store_state_begin(struct store *st, struct ops_err *err);
int	 store_state_quiesce(struct store *st);
void	 store_state_mark_clean(struct store *st);
/* The state file of a backup at dest: clean, as the store is now. */
int	 store_state_backup(struct store *st, const char *dest,
	     struct ops_err *err);

/* store-targets.c */
int	 store_target_id(struct store *st, const char *name, int64_t *id,
	     struct ops_err *err);
/* Validate a host key type and "SHA256:..." fingerprint. */
int	 store_check_hostkey(const char *type, const char *fp,
	     struct ops_err *err);

/* store-automations.c: the id of the automation called name
 * (OPS_E_NOTFOUND naming it). */
int	 store_automation_id(struct store *st, const char *name, int64_t *id,
	     struct ops_err *err);

/* store-creds.c */
int	 store_cred_id(struct store *st, const char *name, int64_t *id,
	     struct ops_err *err);

#endif

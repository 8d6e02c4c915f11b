/*
 * store-state.c: the store's state file, which lets store_open tell a
 * store left by a clean close from one rolled back or swapped since (see
 * store.h for the rules).
 *
 * Layout (104 bytes, integers little-endian):
 *
 *	0   magic "OPSSTATE"      8	   32  audit head id      8
 *	8   format version (1)    1	   40  audit head hash   32
 *	9   kind (1 open, 2 clean) 1	   72  MAC               32
 *	10  reserved (0)          6
 *	16  database id           8
 *	24  close counter         8
 *
 * MAC = BLAKE2b-256 keyed with the state key over bytes 0-71. The close
 * counter lives in store_meta too: store_close commits counter + 1 and
 * records it, so an older database beside a newer state file differs.
 */
#include "config.h"

#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <sodium.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "store-int.h"

#define STATE_VERSION	1
#define STATE_MAC_OFF	72
#define STATE_LEN	(STATE_MAC_OFF + 32)
#define STATE_SCHEMA	4	/* first schema version with a state file */
#define WAL_HDR_LEN	32	/* a WAL this short holds no frames */

static const unsigned char state_magic[8] = {
	'O', 'P', 'S', 'S', 'T', 'A', 'T', 'E'
};

static const char sql_seq[] =
	"SELECT v FROM store_meta WHERE k = 'close_seq'";
static const char sql_seq_bump[] =
	"UPDATE store_meta SET v = v + 1 WHERE k = 'close_seq'";
static const char sql_audit_at[] = "SELECT hash FROM audit WHERE id = ?1";

static void
put_le(unsigned char *p, uint64_t v)
{
	int	i;

	for (i = 0; i < 8; i++)
		p[i] = (unsigned char)(v >> (8 * i));
}

static uint64_t
get_le(const unsigned char *p)
{
	uint64_t	v = 0;
	int		i;

	for (i = 0; i < 8; i++)
		v |= (uint64_t)p[i] << (8 * i);
	return v;
}

static void
state_path(const struct store *st, const char *suffix, char *buf,
    size_t len)
{
	snprintf(buf, len, "%s%s", st->path, suffix);
}

/* Size of path, or -1 when it does not exist (or cannot be read). */
static long long
file_size(const char *path)
{
	struct stat	sb;

	return stat(path, &sb) == 0 ? (long long)sb.st_size : -1;
}

static void
state_mac(const struct store *st, const unsigned char *b,
    unsigned char mac[32])
{
	crypto_generichash(mac, 32, b, STATE_MAC_OFF,
	    keyring_state_key(st->kr), KEYS_KEY_LEN);
}

static void
state_encode(const struct store *st, const struct store_state_rec *r,
    unsigned char b[STATE_LEN])
{
	memset(b, 0, STATE_LEN);
	memcpy(b, state_magic, sizeof(state_magic));
	b[8] = STATE_VERSION;
	b[9] = (unsigned char)r->kind;
	memcpy(b + 16, keyring_db_id(st->kr), KEYS_DBID_LEN);
	put_le(b + 24, r->seq);
	put_le(b + 32, (uint64_t)r->head.id);
	memcpy(b + 40, r->head.hash, STORE_HASH_LEN);
	state_mac(st, b, b + STATE_MAC_OFF);
}

/* Read and authenticate the state file into st->state. */
static int
state_read(struct store *st, const char *path, struct ops_err *err)
{
	unsigned char	b[STATE_LEN + 1], mac[32];
	ssize_t		n;
	int		fd;

	st->state_present = 0;
	if ((fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW)) == -1) {
		if (errno == ENOENT)
			return OPS_OK;
		return ops_err_errno(err, OPS_E_IO, "open store state file %s",
		    path);
	}
	do
		n = read(fd, b, sizeof(b));
	while (n == -1 && errno == EINTR);
	close(fd);
	if (n == -1)
		return ops_err_errno(err, OPS_E_IO, "read store state file %s",
		    path);
	/*
	 * A file that does not authenticate is reported by
	 * store_state_check, once page 1 has shown whether the key is
	 * wrong (OPS_E_BADKEY, the better message) or the file is.
	 */
	st->state_present = 1;
	st->state_bad = 1;
	state_mac(st, b, mac);
	if (n != STATE_LEN || memcmp(b, state_magic, sizeof(state_magic)) !=
	    0 || b[8] != STATE_VERSION)
		ops_err_set(&st->state_why, OPS_E_CORRUPT, "open store %s: %s "
		    "is not a store state file of this version", st->path,
		    path);
	else if (sodium_memcmp(mac, b + STATE_MAC_OFF, sizeof(mac)) != 0 ||
	    memcmp(b + 16, keyring_db_id(st->kr), KEYS_DBID_LEN) != 0)
		ops_err_set(&st->state_why, OPS_E_CORRUPT, "open store %s: "
		    "state file %s failed authentication (altered, or another "
		    "store's)", st->path, path);
	else if (b[9] != STORE_STATE_OPEN && b[9] != STORE_STATE_CLEAN)
		ops_err_set(&st->state_why, OPS_E_CORRUPT, "open store %s: "
		    "state file %s: unknown kind %u", st->path, path, b[9]);
	else
		st->state_bad = 0;
	if (st->state_bad)
		return OPS_OK;
	st->state.kind = b[9];
	st->state.seq = get_le(b + 24);
	st->state.head.id = (int64_t)get_le(b + 32);
	memcpy(st->state.head.hash, b + 40, STORE_HASH_LEN);
	return OPS_OK;
}

/* Write r as the state file of the database at db (st's own or a copy). */
static int
state_write(struct store *st, const char *db, const struct store_state_rec *r,
    struct ops_err *err)
{
	unsigned char	b[STATE_LEN];
	char		path[PATH_MAX];

	snprintf(path, sizeof(path), "%s-state", db);
	state_encode(st, r, b);
	return keys_write_atomic(path, "store state file", b, sizeof(b), 1,
	    err);
}

int
store_state_load(struct store *st, int existed, struct ops_err *err)
{
	char		path[PATH_MAX], wal[PATH_MAX];
	long long	wsz;
	int		rc;

	state_path(st, "-state", path, sizeof(path));
	state_path(st, "-wal", wal, sizeof(wal));
	/* Reset: whatever the file says is replaced at the end of open. */
	if ((st->flags & STORE_OPEN_RESET_STATE) != 0)
		return OPS_OK;
	if ((rc = state_read(st, path, err)) != OPS_OK)
		return rc;
	if (!st->state_present)
		return OPS_OK;
	if (!existed)
		return ops_err_set(err, OPS_E_CORRUPT, "open store %s: the "
		    "database is missing or empty but its state file %s "
		    "exists: restore the database, do not start afresh",
		    st->path, path);
	/* A clean close checkpointed the WAL to nothing and removed it. */
	if (!st->state_bad && st->state.kind == STORE_STATE_CLEAN &&
	    (wsz = file_size(wal)) > WAL_HDR_LEN)
		return ops_err_set(err, OPS_E_CORRUPT, "open store %s: %s holds "
		    "%lld bytes, but the store was closed cleanly with an "
		    "empty log: the log was put there since", st->path, wal,
		    wsz);
	return OPS_OK;
}

static int
meta_seq(struct store *st, uint64_t *seq, struct ops_err *err)
{
	sqlite3_stmt	*stmt = NULL;
	int		 rc;

	*seq = 0;
	if ((rc = store_stmt(st, sql_seq, &stmt, err)) != OPS_OK)
		return rc;
	if ((rc = sqlite3_step(stmt)) == SQLITE_ROW) {
		*seq = (uint64_t)sqlite3_column_int64(stmt, 0);
		rc = OPS_OK;
	} else
		rc = rc == SQLITE_DONE ? ops_err_set(err, OPS_E_CORRUPT,
		    "open store %s: no close counter in store_meta",
		    st->path) : store_dberr(st, rc, err, "read close counter "
		    "of %s", st->path);
	store_stmt_done(stmt);
	return rc;
}

/* Does audit record h->id still carry hash h->hash? */
static int
audit_holds(struct store *st, const struct store_audit_head *h, int *yes,
    struct ops_err *err)
{
	sqlite3_stmt	*stmt = NULL;
	int		 rc;

	*yes = h->id == 0;
	if (h->id == 0)
		return OPS_OK;
	if ((rc = store_stmt(st, sql_audit_at, &stmt, err)) != OPS_OK)
		return rc;
	sqlite3_bind_int64(stmt, 1, h->id);
	if ((rc = sqlite3_step(stmt)) == SQLITE_ROW) {
		*yes = sqlite3_column_bytes(stmt, 0) == STORE_HASH_LEN &&
		    memcmp(sqlite3_column_blob(stmt, 0), h->hash,
		    STORE_HASH_LEN) == 0;
		rc = OPS_OK;
	} else if (rc == SQLITE_DONE)
		rc = OPS_OK;
	else
		rc = store_dberr(st, rc, err, "read audit trail of %s",
		    st->path);
	store_stmt_done(stmt);
	return rc;
}

int
store_state_check(struct store *st, int existed, int version,
    struct ops_err *err)
{
	const struct store_state_rec	*r = &st->state;
	struct store_audit_head		 head;
	char				 path[PATH_MAX];
	uint64_t			 seq;
	int				 rc, held;

	state_path(st, "-state", path, sizeof(path));
	if (!st->state_present) {
		if (existed && version >= STATE_SCHEMA &&
		    (st->flags & STORE_OPEN_RESET_STATE) == 0)
			return ops_err_set(err, OPS_E_CORRUPT, "open store %s: "
			    "its state file %s is missing: restore it with the "
			    "database it belongs to", st->path, path);
		return OPS_OK;
	}
	if (st->state_bad)
		return ops_err_set(err, st->state_why.code, "%s",
		    ops_err_msg(&st->state_why));
	if (version < STATE_SCHEMA)
		return ops_err_set(err, OPS_E_CORRUPT, "open store %s: schema "
		    "version %d is older than its state file %s: an older "
		    "copy of the database was put back", st->path, version,
		    path);
	if ((rc = meta_seq(st, &seq, err)) != OPS_OK ||
	    (rc = store_audit_head(st, &head, err)) != OPS_OK ||
	    (rc = audit_holds(st, &r->head, &held, err)) != OPS_OK)
		return rc;
	if (r->kind == STORE_STATE_CLEAN && (seq != r->seq ||
	    head.id != r->head.id || !held))
		return ops_err_set(err, OPS_E_CORRUPT, "open store %s: it does "
		    "not match its last clean close (close %llu, audit record "
		    "%lld in %s; the database has close %llu, audit record "
		    "%lld): an older copy was put back or commits were "
		    "removed", st->path, (unsigned long long)r->seq,
		    (long long)r->head.id, path, (unsigned long long)seq,
		    (long long)head.id);
	if (r->kind == STORE_STATE_OPEN && (seq < r->seq || !held))
		return ops_err_set(err, OPS_E_CORRUPT, "open store %s: it is "
		    "older than when it was last opened (close %llu, audit "
		    "record %lld in %s; the database has close %llu, audit "
		    "record %lld): an older copy was put back", st->path,
		    (unsigned long long)r->seq, (long long)r->head.id, path,
		    (unsigned long long)seq, (long long)head.id);
	return OPS_OK;
}

int
store_state_begin(struct store *st, struct ops_err *err)
{
	struct store_state_rec	r = { .kind = STORE_STATE_OPEN };
	int			rc;

	if ((rc = meta_seq(st, &r.seq, err)) != OPS_OK ||
	    (rc = store_audit_head(st, &r.head, err)) != OPS_OK ||
	    (rc = state_write(st, st->path, &r, err)) != OPS_OK)
		return rc;
	st->state = r;
	st->state_ok = 1;
	return OPS_OK;
}

int
store_state_quiesce(struct store *st)
{
	struct store_state_rec	r = { .kind = STORE_STATE_CLEAN };
	int			rc, nlog = -1, nckpt = -1;

	if (!st->state_ok || st->db == NULL || !sqlite3_get_autocommit(st->db))
		return 0;
	if (sqlite3_exec(st->db, sql_seq_bump, NULL, NULL, NULL) != SQLITE_OK ||
	    meta_seq(st, &r.seq, NULL) != OPS_OK ||
	    store_audit_head(st, &r.head, NULL) != OPS_OK)
		return 0;
	rc = sqlite3_wal_checkpoint_v2(st->db, "main",
	    SQLITE_CHECKPOINT_TRUNCATE, &nlog, &nckpt);
	if (rc != SQLITE_OK || nlog != 0)
		return 0;
	st->state = r;
	return 1;
}

void
store_state_mark_clean(struct store *st)
{
	char	wal[PATH_MAX];

	/* A WAL left behind means another connection is still open. */
	state_path(st, "-wal", wal, sizeof(wal));
	if (file_size(wal) != -1)
		return;
	(void)state_write(st, st->path, &st->state, NULL);
}

int
store_state_backup(struct store *st, const char *dest, struct ops_err *err)
{
	struct store_state_rec	r = { .kind = STORE_STATE_CLEAN };
	int			rc;

	if ((rc = meta_seq(st, &r.seq, err)) != OPS_OK ||
	    (rc = store_audit_head(st, &r.head, err)) != OPS_OK)
		return rc;
	return state_write(st, dest, &r, err);
}

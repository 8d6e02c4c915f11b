/*
 * store-migrate.c: the schema, as numbered migrations.
 *
 * PRAGMA user_version holds the number of migrations applied and
 * PRAGMA application_id marks the file as an opsicle store. Migration N
 * (1-based) is migrations[N - 1]; all pending ones run in one
 * transaction with the version bump, so a store is never half-migrated.
 * Never edit a migration that has shipped: append a new one.
 */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include "model.h"
#include "store-int.h"

#define STORE_APP_ID	0x4f505343	/* "OPSC" */

static int	store_pragma_int(struct store *, const char *, int *,
		    struct ops_err *);

static const char m1[] =
	"CREATE TABLE credentials ("
	" id INTEGER PRIMARY KEY,"
	" name TEXT NOT NULL UNIQUE,"
	" uuid TEXT NOT NULL UNIQUE,"
	" kind TEXT NOT NULL CHECK (kind IN"
	"  ('password', 'ssh-key', 'ssh-key-passphrase', 'agent')),"
	" username TEXT,"
	" pubkey TEXT,"
	" secret BLOB,"			/* sealed, see seal.h */
	" passphrase BLOB,"		/* sealed */
	" created INTEGER NOT NULL,"
	" updated INTEGER NOT NULL);"

	"CREATE TABLE targets ("
	" id INTEGER PRIMARY KEY,"
	" name TEXT NOT NULL UNIQUE,"
	" host TEXT NOT NULL,"
	" port INTEGER NOT NULL DEFAULT 22 CHECK (port BETWEEN 1 AND 65535),"
	" user TEXT,"
	" cred_id INTEGER REFERENCES credentials(id) ON DELETE RESTRICT,"
	" notes TEXT,"
	" created INTEGER NOT NULL,"
	" updated INTEGER NOT NULL);"
	"CREATE INDEX targets_cred ON targets(cred_id);"

	"CREATE TABLE target_tags ("
	" target_id INTEGER NOT NULL REFERENCES targets(id) ON DELETE CASCADE,"
	" tag TEXT NOT NULL,"
	" PRIMARY KEY (target_id, tag)) WITHOUT ROWID;"
	"CREATE INDEX target_tags_tag ON target_tags(tag, target_id);"

	"CREATE TABLE target_hostkeys ("
	" id INTEGER PRIMARY KEY,"
	" target_id INTEGER NOT NULL REFERENCES targets(id) ON DELETE CASCADE,"
	" key_type TEXT NOT NULL,"
	" fingerprint TEXT NOT NULL,"
	" key_blob BLOB,"
	" added INTEGER NOT NULL,"
	" UNIQUE (target_id, fingerprint));"

	"CREATE TABLE automations ("
	" id INTEGER PRIMARY KEY,"
	" name TEXT NOT NULL UNIQUE,"
	" description TEXT,"
	" created INTEGER NOT NULL);"

	"CREATE TABLE automation_versions ("
	" automation_id INTEGER NOT NULL"
	"  REFERENCES automations(id) ON DELETE CASCADE,"
	" version INTEGER NOT NULL CHECK (version >= 1),"
	" kind TEXT NOT NULL CHECK (kind IN ('command', 'script')),"
	" body TEXT NOT NULL,"
	" created INTEGER NOT NULL,"
	" UNIQUE (automation_id, version));"

	"CREATE TABLE jobs ("
	" id INTEGER PRIMARY KEY,"
	" automation_id INTEGER REFERENCES automations(id) ON DELETE SET NULL,"
	" automation_name TEXT,"
	" automation_version INTEGER,"
	" command TEXT NOT NULL,"
	" requested_by TEXT NOT NULL,"
	" state TEXT NOT NULL CHECK (state IN ('queued', 'running', 'done',"
	"  'failed', 'cancelled', 'interrupted')),"
	" created INTEGER NOT NULL,"
	" started INTEGER,"
	" finished INTEGER);"
	"CREATE INDEX jobs_state ON jobs(state, id);"
	"CREATE INDEX jobs_created ON jobs(created);"
	"CREATE INDEX jobs_automation ON jobs(automation_id);"

	"CREATE TABLE runs ("
	" id INTEGER PRIMARY KEY,"
	" job_id INTEGER NOT NULL REFERENCES jobs(id) ON DELETE CASCADE,"
	" target_id INTEGER REFERENCES targets(id) ON DELETE SET NULL,"
	" target_name TEXT NOT NULL,"
	" state TEXT NOT NULL CHECK (state IN ('queued', 'running', 'ok',"
	"  'failed', 'timeout', 'error', 'cancelled', 'interrupted')),"
	" exit_status INTEGER,"
	" signal INTEGER,"
	" error TEXT,"
	" started INTEGER,"
	" finished INTEGER,"
	" stdout_bytes INTEGER NOT NULL DEFAULT 0,"	/* seen */
	" stderr_bytes INTEGER NOT NULL DEFAULT 0,"
	" stdout_kept INTEGER NOT NULL DEFAULT 0,"	/* stored */
	" stderr_kept INTEGER NOT NULL DEFAULT 0,"
	" stdout_truncated INTEGER NOT NULL DEFAULT 0,"
	" stderr_truncated INTEGER NOT NULL DEFAULT 0);"
	"CREATE UNIQUE INDEX runs_job ON runs(job_id, target_id);"
	"CREATE INDEX runs_target ON runs(target_id, id);"
	"CREATE INDEX runs_active ON runs(state)"
	" WHERE state IN ('queued', 'running');"

	/* Output in appended chunks, so an append never rewrites the rest;
	 * stream 1 is stdout, 2 stderr. */
	"CREATE TABLE run_output ("
	" run_id INTEGER NOT NULL REFERENCES runs(id) ON DELETE CASCADE,"
	" stream INTEGER NOT NULL CHECK (stream IN (1, 2)),"
	" seq INTEGER NOT NULL,"
	" data BLOB NOT NULL,"
	" PRIMARY KEY (run_id, stream, seq));"

	"CREATE TABLE audit ("
	" id INTEGER PRIMARY KEY,"
	" ts INTEGER NOT NULL,"
	" actor TEXT NOT NULL,"
	" action TEXT NOT NULL,"
	" object TEXT NOT NULL,"
	" detail TEXT NOT NULL,"
	" result TEXT NOT NULL,"
	" prev_hash BLOB NOT NULL CHECK (length(prev_hash) = 32),"
	" hash BLOB NOT NULL CHECK (length(hash) = 32));"
	"CREATE INDEX audit_ts ON audit(ts);"
	"CREATE TRIGGER audit_no_update BEFORE UPDATE ON audit BEGIN"
	" SELECT RAISE(ABORT, 'audit records are append-only'); END;"
	"CREATE TRIGGER audit_no_delete BEFORE DELETE ON audit BEGIN"
	" SELECT RAISE(ABORT, 'audit records are append-only'); END;";

/* 2: host keys a target presented that nobody accepted yet (hostkeys). */
static const char m2[] =
	"CREATE TABLE target_hostkeys_pending ("
	" id INTEGER PRIMARY KEY,"
	" target_id INTEGER NOT NULL REFERENCES targets(id) ON DELETE CASCADE,"
	" key_type TEXT NOT NULL,"
	" fingerprint TEXT NOT NULL,"
	" key_blob BLOB,"
	" first_seen INTEGER NOT NULL,"
	" last_seen INTEGER NOT NULL,"
	" UNIQUE (target_id, fingerprint));";

/* Jobs: what to run (a command, or a script fed to the shell), the
 * per-run timeout and the per-job concurrency, so that a queued job
 * survives a restart and a rerun repeats it exactly. */
static const char m3[] =
	"ALTER TABLE jobs ADD COLUMN kind TEXT NOT NULL DEFAULT 'command'"
	" CHECK (kind IN ('command', 'script'));"
	"ALTER TABLE jobs ADD COLUMN timeout_ms INTEGER NOT NULL DEFAULT 0;"
	"ALTER TABLE jobs ADD COLUMN forks INTEGER NOT NULL DEFAULT 0;"
	"CREATE INDEX jobs_finished ON jobs(finished);";

/*
 * 4: the audit chain is keyed (store_audit_rekey runs first and drops the
 * update trigger, made again here), and store_meta holds the counter of
 * clean closes that the state file is compared with (see store.h).
 */
static const char m4[] =
	"CREATE TRIGGER audit_no_update BEFORE UPDATE ON audit BEGIN"
	" SELECT RAISE(ABORT, 'audit records are append-only'); END;"
	"CREATE TABLE store_meta ("
	" k TEXT PRIMARY KEY,"
	" v INTEGER NOT NULL) WITHOUT ROWID;"
	"INSERT INTO store_meta VALUES ('close_seq', 0);";

/*
 * 5: a run's error class in a column of its own (model.h), instead of a
 * "class: " prefix of runs.error. The step in C (migrate_error_class)
 * adds the column and converts the old rows.
 */
static const char m5[] = "";

static const char sql_has_error_class[] =
	"SELECT count(*) FROM pragma_table_info('runs')"
	" WHERE name = 'error_class'";
static const char sql_add_error_class[] =
	"ALTER TABLE runs ADD COLUMN error_class TEXT";
/* ?1 is a class name: "?1: message" becomes (?1, "message"). */
static const char sql_split_error_class[] =
	"UPDATE runs SET error_class = ?1, error = substr(error, length(?1) + 3)"
	" WHERE error_class IS NULL AND substr(error, 1, length(?1) + 2) ="
	" ?1 || ': '";

/*
 * Every class the runner ever wrote as a prefix is a model class name
 * ("ok" never was a prefix); an error with any other prefix keeps its
 * whole text and no class. The column may exist already in a store whose
 * user_version a test set back: then only the conversion runs.
 */
/* Run add (an ALTER TABLE ... ADD COLUMN) unless has counts the column
 * there already; what names it for the error. */
static int
add_column_once(struct store *st, const char *has, const char *add,
    const char *what, struct ops_err *err)
{
	int	rc, have = 0;

	if ((rc = store_pragma_int(st, has, &have, err)) != OPS_OK)
		return rc;
	if (!have && (rc = sqlite3_exec(st->db, add, NULL, NULL, NULL)) !=
	    SQLITE_OK)
		return store_dberr(st, rc, err, "add %s to %s", what,
		    st->path);
	return OPS_OK;
}

static int
migrate_error_class(struct store *st, struct ops_err *err)
{
	sqlite3_stmt	*stmt = NULL;
	const char	*name;
	int		 rc, c;

	if ((rc = add_column_once(st, sql_has_error_class,
	    sql_add_error_class, "runs.error_class", err)) != OPS_OK)
		return rc;
	for (c = RUN_CLASS_NONE + 1; strcmp(name = run_class_name(
	    (enum run_class)c), "unknown") != 0; c++) {
		if ((rc = store_stmt(st, sql_split_error_class, &stmt,
		    err)) != OPS_OK)
			return rc;
		store_bind_text(stmt, 1, name);
		rc = sqlite3_step(stmt);
		store_stmt_done(stmt);
		if (rc != SQLITE_DONE)
			return store_dberr(st, rc, err, "convert the run errors "
			    "of %s", st->path);
	}
	return OPS_OK;
}

/*
 * 6: a job's own output cap and connect timeout (run --output-cap,
 * --connect-timeout), so that the store and the live stream cut at the
 * same byte and a rerun asks for the same. 0 in old rows: the defaults.
 * Like 5, a step in C that adds only the columns that are missing.
 */
static const char m6[] = "";

/* Statements are cached by address: each has a string of its own. */
static const char *const job_columns_6[][3] = {
	{ "output_cap", "SELECT count(*) FROM pragma_table_info('jobs')"
	    " WHERE name = 'output_cap'", "ALTER TABLE jobs ADD COLUMN"
	    " output_cap INTEGER NOT NULL DEFAULT 0" },
	{ "connect_timeout_ms", "SELECT count(*) FROM"
	    " pragma_table_info('jobs') WHERE name = 'connect_timeout_ms'",
	    "ALTER TABLE jobs ADD COLUMN connect_timeout_ms INTEGER NOT NULL"
	    " DEFAULT 0" },
};

static int
migrate_job_limits(struct store *st, struct ops_err *err)
{
	size_t	 i;
	int	 rc, have;

	for (i = 0; i < sizeof(job_columns_6) / sizeof(job_columns_6[0]);
	    i++) {
		if ((rc = store_pragma_int(st, job_columns_6[i][1], &have,
		    err)) != OPS_OK)
			return rc;
		if (!have && (rc = sqlite3_exec(st->db, job_columns_6[i][2],
		    NULL, NULL, NULL)) != SQLITE_OK)
			return store_dberr(st, rc, err, "add jobs.%s to %s",
			    job_columns_6[i][0], st->path);
	}
	return OPS_OK;
}

/*
 * 7: a job's become (run --become): the user sudo runs the command as and
 * the password credential that holds sudo's password (a name, looked up
 * when the run starts; NULL: the target's own password credential). A
 * table of its own: most jobs have none, and no password is ever kept
 * here.
 */
static const char m7[] =
	"CREATE TABLE IF NOT EXISTS job_become ("
	" job_id INTEGER PRIMARY KEY REFERENCES jobs(id) ON DELETE CASCADE,"
	" user TEXT NOT NULL,"
	" cred TEXT);";

/*
 * 8: an agent credential names the agent's socket (cred add --agent).
 * The step in C adds the column unless it is there already (a store
 * whose user_version a test set back has it).
 */
static const char m8[] = "";

static const char sql_has_agent_socket[] =
	"SELECT count(*) FROM pragma_table_info('credentials')"
	" WHERE name = 'agent_socket'";
static const char sql_add_agent_socket[] =
	"ALTER TABLE credentials ADD COLUMN agent_socket TEXT";

static int
migrate_agent_socket(struct store *st, struct ops_err *err)
{
	return add_column_once(st, sql_has_agent_socket,
	    sql_add_agent_socket, "credentials.agent_socket", err);
}

/*
 * 9: automation documents (store-autodoc.c). automation_versions is made
 * again with an id (its old rowid, so nothing that points at a version
 * moves), kind "document" and a document's columns, and body only for a
 * command or script; automation_files holds the files a version's steps
 * name. Nothing references automation_versions, so the drop cascades
 * nowhere; jobs keep pointing at automations. The step in C rebuilds the
 * table only when it has no doc column yet (a store whose user_version a
 * test set back has it).
 */
static const char m9[] =
	"CREATE TABLE IF NOT EXISTS automation_files ("
	" version_id INTEGER NOT NULL"
	"  REFERENCES automation_versions(id) ON DELETE CASCADE,"
	" seq INTEGER NOT NULL,"
	" path TEXT NOT NULL,"
	" data BLOB NOT NULL,"
	" PRIMARY KEY (version_id, seq),"
	" UNIQUE (version_id, path));";

static const char sql_has_doc[] =
	"SELECT count(*) FROM pragma_table_info('automation_versions')"
	" WHERE name = 'doc'";
static const char sql_versions_9[] =
	"CREATE TABLE automation_versions_9 ("
	" id INTEGER PRIMARY KEY,"
	" automation_id INTEGER NOT NULL"
	"  REFERENCES automations(id) ON DELETE CASCADE,"
	" version INTEGER NOT NULL CHECK (version >= 1),"
	" kind TEXT NOT NULL CHECK (kind IN ('command', 'script',"
	"  'document')),"
	" body TEXT,"
	" format TEXT CHECK (format IN ('yaml', 'json')),"
	" doc BLOB,"
	" sha256 TEXT CHECK (length(sha256) = 64),"
	" actor TEXT,"
	" created INTEGER NOT NULL,"
	" UNIQUE (automation_id, version),"
	" CHECK ((kind = 'document') = (doc IS NOT NULL AND format IS NOT NULL"
	"  AND sha256 IS NOT NULL)),"
	" CHECK (kind = 'document' OR body IS NOT NULL));"
	"INSERT INTO automation_versions_9 (id, automation_id, version, kind,"
	" body, created) SELECT rowid, automation_id, version, kind, body,"
	" created FROM automation_versions;"
	"DROP TABLE automation_versions;"
	"ALTER TABLE automation_versions_9 RENAME TO automation_versions;";

static int
migrate_autodoc(struct store *st, struct ops_err *err)
{
	int	rc, have = 0;

	if ((rc = store_pragma_int(st, sql_has_doc, &have, err)) != OPS_OK)
		return rc;
	if (!have && (rc = sqlite3_exec(st->db, sql_versions_9, NULL, NULL,
	    NULL)) != SQLITE_OK)
		return store_dberr(st, rc, err, "add automation documents to "
		    "%s", st->path);
	return OPS_OK;
}

/*
 * 10: automation jobs (store-jobauto.c): a job's parameter values (a
 * secret's sealed like a credential's, under a random owner id, never in
 * plaintext), each run's rollout batch and whether it was skipped, and
 * each step's state per run.
 */
static const char m10[] =
	"CREATE TABLE IF NOT EXISTS job_params ("
	" job_id INTEGER NOT NULL REFERENCES jobs(id) ON DELETE CASCADE,"
	" idx INTEGER NOT NULL,"
	" name TEXT NOT NULL,"
	" value TEXT,"			/* NULL for a secret */
	" sealed BLOB,"			/* a secret, seal.h */
	" owner TEXT,"			/* its sealing owner id */
	" PRIMARY KEY (job_id, idx));"
	"CREATE TABLE IF NOT EXISTS run_auto ("
	" run_id INTEGER PRIMARY KEY REFERENCES runs(id) ON DELETE CASCADE,"
	" batch INTEGER NOT NULL,"
	" skipped INTEGER NOT NULL DEFAULT 0);"
	"CREATE TABLE IF NOT EXISTS run_steps ("
	" run_id INTEGER NOT NULL REFERENCES runs(id) ON DELETE CASCADE,"
	" idx INTEGER NOT NULL,"
	" name TEXT NOT NULL,"
	" state TEXT NOT NULL CHECK (state IN ('queued', 'running', 'ok',"
	"  'failed', 'skipped')),"
	" exit_status INTEGER,"
	" started INTEGER,"
	" finished INTEGER,"
	" error TEXT,"
	" PRIMARY KEY (run_id, idx)) WITHOUT ROWID;";

/*
 * i13-approve: approvals. A job that needs approval is stored
 * 'awaiting-approval' and ends 'rejected' or 'expired' when it is not
 * approved; the step in C widens the jobs.state CHECK to these (the
 * rows on disk do not change, so the table is not rebuilt: a rebuild
 * would cascade through the tables that reference jobs). approvals
 * holds one request per job (the policy as it was when the job was
 * asked for, the requester's uid, the deadline), approval_decisions
 * every decision with who, through which channel and why.
 */
static const char m_approvals[] =
	"CREATE TABLE IF NOT EXISTS approvals ("
	" job_id INTEGER PRIMARY KEY REFERENCES jobs(id) ON DELETE CASCADE,"
	" policy TEXT NOT NULL,"
	" required INTEGER NOT NULL CHECK (required BETWEEN 1 AND 16),"
	" requester_uid INTEGER NOT NULL,"
	" created INTEGER NOT NULL,"
	" expires INTEGER NOT NULL,"
	" state TEXT NOT NULL CHECK (state IN ('pending', 'granted',"
	"  'rejected', 'expired', 'overridden', 'cancelled')),"
	" decided INTEGER);"
	"CREATE INDEX IF NOT EXISTS approvals_state ON approvals(state,"
	" expires);"
	"CREATE TABLE IF NOT EXISTS approval_decisions ("
	" id INTEGER PRIMARY KEY,"
	" job_id INTEGER NOT NULL REFERENCES approvals(job_id)"
	"  ON DELETE CASCADE,"
	" actor_uid INTEGER NOT NULL,"
	" actor TEXT NOT NULL,"
	" channel TEXT NOT NULL,"
	" account TEXT,"
	" decision TEXT NOT NULL CHECK (decision IN ('approve', 'reject',"
	"  'override')),"
	" reason TEXT,"
	" ts INTEGER NOT NULL);"
	"CREATE INDEX IF NOT EXISTS approval_decisions_job ON"
	" approval_decisions(job_id, id);";

static const char sql_jobs_has_awaiting[] =
	"SELECT count(*) FROM sqlite_schema WHERE type = 'table' AND"
	" name = 'jobs' AND sql LIKE '%awaiting-approval%'";

/*
 * The documented way to change a constraint that no stored row breaks
 * (SQLite's ALTER TABLE page, "other kinds of table schema changes"):
 * rewrite the table's CREATE text and bump schema_version, inside the
 * migration's transaction. Defensive mode forbids it, so it is lifted
 * for these statements only.
 */
static int
migrate_job_states(struct store *st, struct ops_err *err)
{
	static const char widen[] =
	    "PRAGMA writable_schema=ON;"
	    "UPDATE sqlite_schema SET sql = replace(sql,"
	    " '''interrupted'')', '''interrupted'', ''awaiting-approval'',"
	    " ''rejected'', ''expired'')')"
	    " WHERE type = 'table' AND name = 'jobs';"
	    "PRAGMA writable_schema=OFF;";
	char	sql[64];
	int	rc, have = 0, ver = 0;

	if ((rc = store_pragma_int(st, sql_jobs_has_awaiting, &have,
	    err)) != OPS_OK)
		return rc;
	if (have)
		return OPS_OK;
	if ((rc = store_pragma_int(st, "PRAGMA schema_version", &ver,
	    err)) != OPS_OK)
		return rc;
	sqlite3_db_config(st->db, SQLITE_DBCONFIG_DEFENSIVE, 0, NULL);
	rc = sqlite3_exec(st->db, widen, NULL, NULL, NULL);
	if (rc == SQLITE_OK) {
		/* Integer constants only: PRAGMA values cannot be bound. */
		snprintf(sql, sizeof(sql), "PRAGMA schema_version=%d",
		    ver + 1);
		rc = sqlite3_exec(st->db, sql, NULL, NULL, NULL);
	}
	sqlite3_db_config(st->db, SQLITE_DBCONFIG_DEFENSIVE, 1, NULL);
	if (rc != SQLITE_OK)
		return store_dberr(st, rc, err, "add the approval job states "
		    "to %s", st->path);
	if ((rc = store_pragma_int(st, sql_jobs_has_awaiting, &have,
	    err)) != OPS_OK)
		return rc;
	if (!have)
		return ops_err_set(err, OPS_E_CORRUPT, "add the approval job "
		    "states to %s: the jobs table is not as expected",
		    st->path);
	return OPS_OK;
}

/*
 * Issue 13, TOTP (store-totp.c): per-user TOTP secrets (sealed under
 * owner "totp:<uid>"), pending until a code confirms them, with the
 * last accepted step (replays refused) and the failure counters of the
 * rate limit; chat accounts linked to local users; the one-time codes
 * that link them, only as hashes.
 */
static const char m_totp[] =
	"CREATE TABLE IF NOT EXISTS totp_users ("
	" uid INTEGER PRIMARY KEY,"
	" secret BLOB NOT NULL,"		/* sealed, seal.h */
	" state TEXT NOT NULL CHECK (state IN ('pending', 'active')),"
	" last_step INTEGER NOT NULL DEFAULT 0,"
	" failures INTEGER NOT NULL DEFAULT 0,"
	" window_start INTEGER NOT NULL DEFAULT 0,"
	" created INTEGER NOT NULL);"
	"CREATE TABLE IF NOT EXISTS approver_links ("
	" service TEXT NOT NULL,"
	" account TEXT NOT NULL,"
	" uid INTEGER NOT NULL,"
	" created INTEGER NOT NULL,"
	" PRIMARY KEY (service, account));"
	"CREATE TABLE IF NOT EXISTS link_codes ("
	" hash BLOB PRIMARY KEY CHECK (length(hash) = 32),"
	" uid INTEGER NOT NULL,"
	" service TEXT NOT NULL,"
	" expires INTEGER NOT NULL,"
	" used INTEGER NOT NULL DEFAULT 0,"
	" created INTEGER NOT NULL);";

/*
 * i13-notify: notification channels and the durable outbox. A channel's
 * secrets (a webhook's signing key, a Slack URL: the URL is the
 * credential) are sealed (seal.h, owner "notify/<uuid>"); "shown" is its
 * target as listed (a Slack URL masked). An outbox row is one
 * notification for one channel, its webhook_id fixed at creation (the
 * same on every retry); "channel" keeps the name for the log after the
 * channel is removed. notify_smtp holds the SMTP password, sealed.
 */
static const char m_notify[] =
	"CREATE TABLE IF NOT EXISTS notify_channels ("
	" id INTEGER PRIMARY KEY,"
	" name TEXT NOT NULL UNIQUE,"
	" kind TEXT NOT NULL CHECK (kind IN"
	"  ('webhook', 'slack', 'telegram', 'email')),"
	" target TEXT,"			/* URL, chat or address; NULL: sealed */
	" target_sealed BLOB,"		/* a Slack URL */
	" shown TEXT NOT NULL,"
	" events TEXT NOT NULL,"	/* comma list */
	" secret BLOB,"			/* webhook signing key, sealed */
	" owner TEXT NOT NULL UNIQUE,"	/* sealing owner id */
	" created INTEGER NOT NULL);"
	"CREATE TABLE IF NOT EXISTS outbox ("
	" id INTEGER PRIMARY KEY,"
	" channel_id INTEGER REFERENCES notify_channels(id) ON DELETE SET NULL,"
	" channel TEXT NOT NULL,"
	" event TEXT NOT NULL,"
	" payload TEXT NOT NULL,"
	" webhook_id TEXT NOT NULL UNIQUE,"
	" attempts INTEGER NOT NULL DEFAULT 0,"
	" next_attempt INTEGER NOT NULL,"
	" give_up_at INTEGER NOT NULL,"
	" state TEXT NOT NULL DEFAULT 'pending' CHECK (state IN"
	"  ('pending', 'delivered', 'failed')),"
	" last_error TEXT,"
	" created INTEGER NOT NULL,"
	" delivered INTEGER);"
	"CREATE INDEX IF NOT EXISTS outbox_due ON outbox(state, next_attempt);"
	"CREATE TABLE IF NOT EXISTS notify_smtp ("
	" id INTEGER PRIMARY KEY CHECK (id = 1),"
	" owner TEXT NOT NULL,"
	" password BLOB NOT NULL);";

/*
 * Schedules (issue 14): what fires an automation on a clock, its sealed
 * parameter values (as job_params) and a bounded history of what each
 * fire time did. A schedule's jobs are requested by "schedule:NAME".
 */
static const char m_schedules[] =
	"CREATE TABLE IF NOT EXISTS schedules ("
	" id INTEGER PRIMARY KEY,"
	" name TEXT NOT NULL UNIQUE,"
	" automation TEXT NOT NULL,"
	" selectors TEXT NOT NULL DEFAULT '',"	/* newline-separated */
	" kind TEXT NOT NULL CHECK (kind IN ('cron', 'every', 'at')),"
	" spec TEXT NOT NULL,"
	" tz TEXT NOT NULL,"
	" missed TEXT NOT NULL CHECK (missed IN ('skip', 'run-once')),"
	" overlap TEXT NOT NULL CHECK (overlap IN ('skip', 'queue')),"
	" every_ms INTEGER NOT NULL DEFAULT 0,"
	" jitter_ms INTEGER NOT NULL DEFAULT 0,"
	" until INTEGER NOT NULL DEFAULT 0,"	/* unix s; 0: none */
	" max_runs INTEGER NOT NULL DEFAULT 0,"	/* 0: no limit */
	" runs INTEGER NOT NULL DEFAULT 0,"
	" paused INTEGER NOT NULL DEFAULT 0,"
	" last_fire INTEGER NOT NULL DEFAULT 0,"	/* unix s */
	" next_fire INTEGER NOT NULL DEFAULT 0,"	/* 0: ended */
	" last_job INTEGER NOT NULL DEFAULT 0,"
	" created INTEGER NOT NULL,"
	" actor TEXT NOT NULL,"
	" uid INTEGER NOT NULL,"	/* who added it: its jobs' requester */
	" gid INTEGER NOT NULL);"
	"CREATE TABLE IF NOT EXISTS schedule_params ("
	" schedule_id INTEGER NOT NULL REFERENCES schedules(id)"
	"  ON DELETE CASCADE,"
	" idx INTEGER NOT NULL,"
	" name TEXT NOT NULL,"
	" value TEXT,"
	" sealed BLOB,"
	" owner TEXT,"
	" PRIMARY KEY (schedule_id, idx));"
	"CREATE TABLE IF NOT EXISTS schedule_events ("
	" id INTEGER PRIMARY KEY,"
	" schedule_id INTEGER NOT NULL REFERENCES schedules(id)"
	"  ON DELETE CASCADE,"
	" time INTEGER NOT NULL,"
	" what TEXT NOT NULL CHECK (what IN ('fired', 'missed',"
	"  'skipped-overlap', 'skipped-missed', 'failed-to-start')),"
	" job_id INTEGER,"
	" detail TEXT);"
	"CREATE INDEX IF NOT EXISTS schedule_events_by"
	" ON schedule_events(schedule_id, id);";

/* A migration: its SQL, after an optional step in C. */
struct migration {
	const char	*sql;
	int		(*before)(struct store *, struct ops_err *);
};

static const struct migration migrations[] = {
	{ .sql = m1 },
	{ .sql = m2 },
	{ .sql = m3 },
	{ .sql = m4, .before = store_audit_rekey },
	{ .sql = m5, .before = migrate_error_class },
	{ .sql = m6, .before = migrate_job_limits },
	{ .sql = m7 },
	{ .sql = m8, .before = migrate_agent_socket },
	{ .sql = m9, .before = migrate_autodoc },
	{ .sql = m10 },
	{ .sql = m_approvals, .before = migrate_job_states },
	{ .sql = m_totp },
	{ .sql = m_notify },
	{ .sql = m_schedules },
};

#define STORE_SCHEMA_LATEST \
	((int)(sizeof(migrations) / sizeof(migrations[0])))

int
store_schema_latest(void)
{
	return STORE_SCHEMA_LATEST;
}

static int
store_pragma_int(struct store *st, const char *sql, int *v,
    struct ops_err *err)
{
	sqlite3_stmt	*stmt = NULL;
	int		 rc;

	*v = 0;
	if ((rc = store_stmt(st, sql, &stmt, err)) != OPS_OK)
		return rc;
	if ((rc = sqlite3_step(stmt)) == SQLITE_ROW) {
		*v = sqlite3_column_int(stmt, 0);
		rc = OPS_OK;
	} else
		rc = store_dberr(st, rc, err, "read schema version of %s",
		    st->path);
	store_stmt_done(stmt);
	return rc;
}

static int
store_migrate_locked(struct store *st, struct ops_err *err)
{
	char	sql[64];
	int	rc, version, app_id, objects, v;

	if ((rc = store_pragma_int(st, "PRAGMA user_version", &version,
	    err)) != OPS_OK ||
	    (rc = store_pragma_int(st, "PRAGMA application_id", &app_id,
	    err)) != OPS_OK ||
	    (rc = store_pragma_int(st, "SELECT count(*) FROM sqlite_schema",
	    &objects, err)) != OPS_OK)
		return rc;
	if (app_id != STORE_APP_ID && (app_id != 0 || objects != 0))
		return ops_err_set(err, OPS_E_VERSION,
		    "open store %s: not an opsicle store (application id "
		    "0x%08x)", st->path, (unsigned)app_id);
	if (version > STORE_SCHEMA_LATEST)
		return ops_err_set(err, OPS_E_VERSION,
		    "open store %s: schema version %d is newer than this "
		    "opsicle supports (%d); upgrade opsicle", st->path, version,
		    STORE_SCHEMA_LATEST);
	if (version < 0)
		return ops_err_set(err, OPS_E_CORRUPT,
		    "open store %s: schema version %d", st->path, version);
	for (v = version; v < STORE_SCHEMA_LATEST; v++) {
		if (migrations[v].before != NULL &&
		    (rc = migrations[v].before(st, err)) != OPS_OK)
			return rc;
		rc = sqlite3_exec(st->db, migrations[v].sql, NULL, NULL, NULL);
		if (rc != SQLITE_OK)
			return store_dberr(st, rc, err,
			    "migrate store %s to version %d", st->path, v + 1);
	}
	/* Integer constants only: PRAGMA values cannot be bound. */
	snprintf(sql, sizeof(sql), "PRAGMA application_id=%d; "
	    "PRAGMA user_version=%d", STORE_APP_ID, STORE_SCHEMA_LATEST);
	if ((rc = sqlite3_exec(st->db, sql, NULL, NULL, NULL)) != SQLITE_OK)
		return store_dberr(st, rc, err, "set schema version of %s",
		    st->path);
	return OPS_OK;
}

int
store_migrate(struct store *st, struct ops_err *err)
{
	int	rc, version, app_id;

	if ((rc = store_pragma_int(st, "PRAGMA user_version", &version,
	    err)) != OPS_OK ||
	    (rc = store_pragma_int(st, "PRAGMA application_id", &app_id,
	    err)) != OPS_OK)
		return rc;
	if (version == STORE_SCHEMA_LATEST && app_id == STORE_APP_ID)
		return OPS_OK;
	if ((rc = store_tx_enter(st, err)) != OPS_OK)
		return rc;
	rc = store_migrate_locked(st, err);
	return store_tx_leave(st, rc, err);
}

/*
 * store-become.c: a job's become (run --become), table job_become: the
 * user sudo runs the job's command as, and the name of the password
 * credential that holds sudo's password (NULL: the target's own). Only
 * names are kept, never a password; the credential is looked up when a
 * run starts, so one removed since fails that run, not the store.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "store-int.h"

static const char sql_become_insert[] =
	"INSERT INTO job_become (job_id, user, cred) VALUES (?1, ?2, ?3)";
static const char sql_become_get[] =
	"SELECT user, cred FROM job_become WHERE job_id = ?1";

int
store_job_become_check(const char *user, const char *cred,
    struct ops_err *err)
{
	int	rc;

	if (user == NULL) {
		if (cred != NULL)
			return ops_err_set(err, OPS_E_INVAL, "job names "
			    "become credential %s but no become user", cred);
		return OPS_OK;
	}
	/* A login name (or sudo's "#UID"): no shell or option syntax. */
	if (user[0] == '#' && user[1] != '\0' &&
	    strspn(user + 1, "0123456789") == strlen(user + 1) &&
	    strlen(user) <= 11)
		rc = OPS_OK;
	else
		rc = store_check_name("become user", user, err);
	if (rc == OPS_OK && cred != NULL)
		rc = store_check_name("credential", cred, err);
	return rc;
}

int
store_job_become_add(struct store *st, int64_t job_id, const char *user,
    const char *cred, struct ops_err *err)
{
	sqlite3_stmt	*stmt = NULL;
	int		 rc;

	if (user == NULL)
		return OPS_OK;
	if ((rc = store_stmt(st, sql_become_insert, &stmt, err)) != OPS_OK)
		return rc;
	sqlite3_bind_int64(stmt, 1, job_id);
	store_bind_text(stmt, 2, user);
	if (cred != NULL)
		store_bind_text(stmt, 3, cred);
	else
		sqlite3_bind_null(stmt, 3);
	if ((rc = sqlite3_step(stmt)) != SQLITE_DONE)
		rc = store_dberr(st, rc, err, "add become of job %lld",
		    (long long)job_id);
	else
		rc = OPS_OK;
	store_stmt_done(stmt);
	return rc;
}

int
store_job_become_load(struct store *st, struct store_job *j,
    struct ops_err *err)
{
	sqlite3_stmt	*stmt = NULL;
	int		 rc;

	free(j->become_user);
	free(j->become_cred);
	j->become_user = j->become_cred = NULL;
	if ((rc = store_stmt(st, sql_become_get, &stmt, err)) != OPS_OK)
		return rc;
	sqlite3_bind_int64(stmt, 1, j->id);
	if ((rc = sqlite3_step(stmt)) == SQLITE_DONE)
		rc = OPS_OK;
	else if (rc != SQLITE_ROW)
		rc = store_dberr(st, rc, err, "read become of job %lld",
		    (long long)j->id);
	else if (store_col_str(stmt, 0, &j->become_user) != OPS_OK ||
	    store_col_str(stmt, 1, &j->become_cred) != OPS_OK)
		rc = ops_err_set(err, OPS_E_NOMEM, "read job");
	else
		rc = OPS_OK;
	store_stmt_done(stmt);
	return rc;
}

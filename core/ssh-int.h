/*
 * ssh-int.h: internals shared by the ssh-*.c files; not a public API.
 *
 * A struct ssh_conn is one TCP connection + libssh2 session. It runs at
 * most one struct ssh_job (one target of a batch) at a time; between jobs
 * it waits in the engine's pool. Everything runs on the engine's loop:
 * ssh_conn_drive advances the state machines until libssh2 would block,
 * then waits on the directions libssh2 reports.
 */
#ifndef OPS_SSH_INT_H
#define OPS_SSH_INT_H

#include <libssh2.h>

#include "ssh.h"

enum ssh_conn_state {
	CONN_CONNECT,		/* non-blocking connect() in progress */
	CONN_HANDSHAKE,
	CONN_AUTH_LIST,
	CONN_AUTH,
	CONN_READY,		/* authenticated; runs a job or idles */
	CONN_DEAD,
};

enum ssh_job_state {
	JOB_PENDING,		/* waiting for a slot */
	JOB_CONNECTING,		/* its conn is not READY yet */
	JOB_OPEN,
	JOB_SETENV,
	JOB_EXEC,
	JOB_IO,
	JOB_CLOSE,
	JOB_WAITCLOSED,
	JOB_FREE,
	JOB_DONE,		/* channel freed, session reusable */
	JOB_FINISHED,		/* result final */
};

struct ssh_engine;
struct ssh_job;

struct ssh_conn {
	struct ssh_engine	*eng;
	char			*name;		/* target name */
	char			*host;
	unsigned		 port;
	char			*user;
	int			 fd;
	LIBSSH2_SESSION		*sess;
	enum ssh_conn_state	 state;
	struct hostkey		 hk;
	struct ssh_job		*job;		/* NULL when idle */
	long long		 timer;		/* connect or idle timer */
	int			 in_pool;
	struct ssh_conn		*prev, *next;	/* engine's list */

	/* authentication progress */
	const struct ssh_auth	*auth;
	char			*methods;	/* from userauth_list */
	int			 auth_step;
	char			 tried[96];
	struct secret		*tmp;		/* NUL-terminated passphrase */
	struct secret		*tmpkey;	/* NUL-terminated key */
	LIBSSH2_AGENT		*agent;
	struct libssh2_agent_publickey *agent_id;
	int			 auth_msg_set;
	char			 auth_msg[128];
};

struct ssh_job {
	struct ssh_batch	*b;
	size_t			 idx;
	const struct ssh_target	*t;
	struct ssh_result	*r;
	struct ssh_conn		*conn;
	enum ssh_job_state	 state;
	LIBSSH2_CHANNEL		*ch;
	size_t			 env_i;
	size_t			 pre_off;	/* sudo password line sent */
	size_t			 stdin_off;
	int			 eof_sent;
	int			 out_eof, err_eof;
	long long		 timer;		/* run timeout */
	int			 retried;	/* pooled session replaced */
	int			 active;	/* holds a concurrency slot */
	struct ssh_job		*next_pending;
};

struct ssh_batch {
	struct ssh_engine	*eng;
	const struct ssh_exec	*x;
	char			*command;	/* x->command, maybe wrapped */
	struct secret		*pre;		/* sudo password + "\n" */
	struct ssh_job		*jobs;
	struct ssh_result	*results;
	size_t			 n;
	size_t			 ndone, nok;
	size_t			 cap;
};

struct ssh_engine {
	struct evloop		*loop;
	struct ssh_engine_config cfg;
	struct ssh_stats	 st;
	struct ssh_conn		*conns;		/* all live conns */
	struct ssh_job		*pend_head, *pend_tail;
	long long		 ka_timer;
	int			 scheduling;	/* guards re-entry */
};

/* ssh-session.c */
int	ssh_conn_new(struct ssh_engine *eng, const struct ssh_target *t,
	    struct ssh_conn **out);
void	ssh_conn_destroy(struct ssh_conn *c);
void	ssh_conn_drive(struct ssh_conn *c);
int	ssh_hostkey_check(const struct ssh_target *t, const struct hostkey *hk,
	    struct ssh_result *r);
void	ssh_conn_set_result(struct ssh_conn *c, enum ssh_class cls,
	    int status, const char *fmt, ...)
	    __attribute__((format(printf, 4, 5)));
/* after any libssh2 call returned EAGAIN: wait on its directions */
void	ssh_conn_wait(struct ssh_conn *c);

/* ssh-exec.c */
int	ssh_job_step(struct ssh_job *j);
void	ssh_job_fail(struct ssh_job *j, enum ssh_class cls, int status,
	    const char *fmt, ...) __attribute__((format(printf, 4, 5)));

/* ssh-pool.c */
struct ssh_conn *ssh_pool_take(struct ssh_engine *eng,
	    const struct ssh_target *t);
void	ssh_pool_put(struct ssh_conn *c);
void	ssh_pool_leave(struct ssh_conn *c);
int	ssh_pool_start(struct ssh_engine *eng, struct ops_err *err);

/* ssh-engine.c */
void	ssh_job_finish(struct ssh_job *j);
void	ssh_engine_schedule(struct ssh_engine *eng);
void	ssh_conn_link(struct ssh_engine *eng, struct ssh_conn *c);
void	ssh_conn_unlink(struct ssh_conn *c);
const char *ssh_target_user(const struct ssh_target *t);
unsigned ssh_target_port(const struct ssh_target *t);

#endif

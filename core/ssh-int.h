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
#include <libssh2_sftp.h>

#include "ssh.h"

/* what a step function returns to ssh_conn_drive */
#define STEP_NEXT	0	/* call again now */
#define STEP_WAIT	1	/* waiting on the socket */
#define STEP_GONE	2	/* the job left this conn */

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
	/* SFTP (ssh-sftp.c): script upload, push, pull, cleanup */
	JOB_SFTP_INIT,
	JOB_SCRIPT_OPEN,
	JOB_SCRIPT_WRITE,
	JOB_SCRIPT_CLOSE,
	JOB_PUSH_OPEN,
	JOB_PUSH_WRITE,
	JOB_PUSH_SETSTAT,
	JOB_PUSH_CLOSE,
	JOB_PUSH_REOPEN,
	JOB_PUSH_VERIFY,
	JOB_PUSH_CLOSE2,
	JOB_PUSH_RENAME,
	JOB_PUSH_MVDONE,	/* after "mv -f" on an exec channel */
	JOB_PULL_OPEN,
	JOB_PULL_FSTAT,
	JOB_PULL_READ,
	JOB_PULL_FSTAT2,
	JOB_PULL_CLOSE,
	JOB_SFTP_CLOSEFH,	/* cleanup after a failure: close handle */
	JOB_SFTP_RM,		/* remove the remote temp file */
	JOB_SFTP_SHUTDOWN,
	JOB_DONE,		/* channel freed, session reusable */
	JOB_FINISHED,		/* result final */
};

struct ssh_engine;
struct ssh_job;
struct net_connect;

struct ssh_conn {
	struct ssh_engine	*eng;
	char			*name;		/* target name */
	char			*host;
	unsigned		 port;
	char			*user;
	int			 fd;
	struct net_connect	*nc;		/* resolve + TCP connect */
	LIBSSH2_SESSION		*sess;
	enum ssh_conn_state	 state;
	struct hostkey		 hk;
	struct ssh_job		*job;		/* NULL when idle */
	long long		 timer;		/* connect or idle timer */
	int			 in_pool;
	int			 opening;	/* from new to authed: st.opening */
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
	int			 kbd_rounds;	/* keyboard-interactive */
	int			 kbd_answered;	/* the password was sent */
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

	/* per-job command (script path, mv), else the batch's */
	char			*command;
	enum ssh_job_state	 after_exec;	/* 0: finish after exec */
	/* sudo: waiting for the start marker or a prompt */
	int			 sudo_wait;
	int			 sudo_sent;	/* password lines sent */
	unsigned char		*sudo_buf[2];	/* held stdout, stderr */
	size_t			 sudo_len[2];
	/* SFTP */
	LIBSSH2_SFTP		*sftp;
	LIBSSH2_SFTP_HANDLE	*fh;
	char			*rtmp;		/* remote temp path */
	int			 rtmp_made;	/* may exist remotely */
	int			 failed;	/* cleaning up after a failure */
	unsigned long long	 off;
	void			*hs;		/* crypto_hash_sha256_state */
	unsigned long long	 rsize;		/* pull: remote size */
	unsigned long		 rmtime;
	unsigned long		 rmode;
	int			 ldir;		/* pull: DIR/<target> */
	int			 lfd;		/* pull: local temp file */
	char			*ltmp;		/* pull: its name in ldir */
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
	/* script and transfers */
	struct ssh_exec		 xbuf;		/* x for transfer batches */
	const struct ssh_xfer	*xf;
	unsigned char		*data;		/* push: the bytes to send */
	size_t			 len;
	unsigned		 mode;		/* push: remote mode */
	unsigned char		 digest[32];	/* push: sha256 of data */
	int			 ldirfd;	/* pull: the local directory */
	char			 marker[40];	/* sudo start marker */
	char			 prompt[48];	/* sudo prompt */
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
int	ssh_job_abort(struct ssh_job *j);
int	ssh_job_drop(struct ssh_job *j);
int	ssh_job_reconnect(struct ssh_job *j);
int	ssh_job_arm_timeout(struct ssh_job *j);
enum ssh_job_state ssh_job_first_state(const struct ssh_job *j);
const char *ssh_job_errmsg(struct ssh_job *j);
void	ssh_job_fail(struct ssh_job *j, enum ssh_class cls, int status,
	    const char *fmt, ...) __attribute__((format(printf, 4, 5)));

/* ssh-sftp.c */
int	ssh_sftp_step(struct ssh_job *j);
/* The job failed (result set): clean up remotely, then drop the conn. */
int	ssh_sftp_cleanup(struct ssh_job *j);
/* Free SFTP state of a job whose session is being destroyed. */
void	ssh_sftp_release(struct ssh_job *j);
void	ssh_job_xfer_free(struct ssh_job *j);
int	ssh_batch_xfer_prepare(struct ssh_batch *b, struct ops_err *err);
void	ssh_batch_xfer_free(struct ssh_batch *b);

/* ssh-pool.c */
/* The idle pooled session for t, left in the pool; or NULL. */
struct ssh_conn *ssh_pool_find(struct ssh_engine *eng,
	    const struct ssh_target *t);
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
/* c is open (authenticated) or gone: its opening slot is free again. */
void	ssh_conn_opened(struct ssh_conn *c);
const char *ssh_target_user(const struct ssh_target *t);
/* sh single-quote s; caller frees */
char	*ssh_shell_quote(const char *s);
/* cmd, wrapped for sudo when the batch asks for it; caller frees */
char	*ssh_batch_wrap(const struct ssh_batch *b, const char *cmd);
unsigned ssh_target_port(const struct ssh_target *t);

#endif

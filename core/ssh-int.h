/*
 * ssh-int.h: internals shared by the ssh-*.c files; not a public API.
 *
 * A struct ssh_conn is one TCP connection + libssh2 session. It runs at
 * most one struct ssh_task (one target of a batch) at a time; between
 * tasks it waits in the engine's pool. Everything runs on the engine's
 * loop: ssh_conn_drive advances the state machines until libssh2 would
 * block, then waits on the directions libssh2 reports.
 *
 * Layers, each calling only the ones below it (tests/lib/callgraph.sh
 * fails on a cycle):
 *
 *   ssh-engine.c      batches, scheduling, the task lifecycle
 *   ssh-task-*.c      what a task does on a ready session (exec, script,
 *                     push, pull; ssh-task-sftp.c is their SFTP plumbing)
 *   ssh-pool.c        idle sessions
 *   ssh-session.c     connect, handshake, host key, authentication
 *   ssh-util.c        leaf helpers (class names, quoting, results)
 *
 * A session reaches up to the engine only through struct ssh_conn_hooks,
 * and a task only by returning an enum ssh_step: the engine alone
 * finishes, drops, reconnects and times out tasks.
 */
#ifndef OPS_SSH_INT_H
#define OPS_SSH_INT_H

#include <stdarg.h>

#include <libssh2.h>
#include <libssh2_sftp.h>

#include "ssh.h"

/* what ssh_conn_drive's steps return */
#define DRIVE_NEXT	0	/* call again now */
#define DRIVE_WAIT	1	/* waiting on the socket */
#define DRIVE_GONE	2	/* the task left this conn */

enum ssh_conn_state {
	CONN_CONNECT,		/* non-blocking connect() in progress */
	CONN_HANDSHAKE,
	CONN_AUTH_LIST,
	CONN_AUTH,
	CONN_READY,		/* authenticated; runs a task or idles */
	CONN_DEAD,
};

/* A task's place in the engine's lifecycle (its kind keeps its own
 * state in struct ssh_task.step). */
enum ssh_task_state {
	TASK_PENDING,		/* waiting for a slot */
	TASK_CONNECTING,	/* its conn is not READY yet */
	TASK_RUNNING,		/* its kind's steps run on a READY conn */
	TASK_FINISHED,		/* result final */
};

/* What a task's step returns to the engine. */
enum ssh_step {
	STEP_NEXT,		/* call again now */
	STEP_WAIT,		/* libssh2 would block: wait on the socket */
	STEP_DONE,		/* finished (result set); session reusable */
	STEP_FAIL,		/* failed (result set): clean up, then drop */
	STEP_DROP,		/* finished (result set); close the session */
	STEP_RECONNECT,		/* pooled session found dead: start over */
	STEP_DEADLINE,		/* the task's own work begins: start its
				 * run timeout (once), then call again */
};

struct ssh_engine;
struct ssh_task;
struct ssh_batch;
struct net_connect;

/* How a session reaches the engine without calling it by name. */
struct ssh_conn_hooks {
	/* the conn is READY and holds t: run it; DRIVE_* */
	int	(*run)(struct ssh_task *t);
	/* the conn failed before t could run (t's result is set); t has
	 * been detached and the conn destroyed */
	void	(*failed)(struct ssh_task *t);
	/* a session stopped opening: a slot is free */
	void	(*opened)(struct ssh_engine *eng);
};

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
	struct ssh_task		*task;		/* NULL when idle */
	long long		 timer;		/* connect or idle timer */
	int			 connect_ms;	/* its connect timeout */
	int			 in_pool;
	int			 opening;	/* new to authed: st.opening */
	struct ssh_conn		*prev, *next;	/* engine's list */

	/* authentication progress */
	const struct ssh_auth	*auth;
	char			*methods;	/* from userauth_list */
	int			 auth_step;
	char			 tried[96];
	struct sshkey		*ownkey;	/* parsed here from auth->key */
	int			 key_failed;	/* auth->key does not load */
	const struct sshkey	*key;		/* the key being offered */
	int			 key_alg;	/* index in its algorithms */
	unsigned char		*keyblob;	/* its blob for that alg */
	size_t			 keybloblen;
	void			*sign_arg;	/* c, for the sign callback */
	struct sshagent		*agent;		/* connected while trying */
	const struct sshagent_key *agent_keys;
	size_t			 agent_nkeys;
	size_t			 agent_idx;	/* the key being offered */
	int			 auth_msg_set;
	char			 auth_msg[192];
	int			 kbd_rounds;	/* keyboard-interactive */
	int			 kbd_answered;	/* the password was sent */
};

/* One command on one channel (ssh-task-exec.c; script and push use it
 * too). */
struct ssh_exec_run {
	int			 state;		/* ssh-task-exec.c's enum */
	LIBSSH2_CHANNEL		*ch;
	const char		*command;	/* borrowed */
	size_t			 env_i;
	size_t			 pre_off;	/* sudo password line sent */
	size_t			 stdin_off;
	int			 eof_sent;
	int			 out_eof, err_eof;
	/* sudo: waiting for the start marker or a prompt */
	int			 sudo_wait;
	int			 sudo_sent;	/* password lines sent */
	unsigned char		*sudo_buf[2];	/* held stdout, stderr */
	size_t			 sudo_len[2];
	/* what goes to the command's stdin (ssh_exec_begin: the batch's) */
	const unsigned char	*in;
	size_t			 in_len;
	/* the process group report (ssh-task-kill.c): wrap says the
	 * command was built to send it (ssh_batch_wrap_cmd) */
	int			 wrap;		/* report the group first */
	int			 pgid_wait;	/* the report not seen yet */
	unsigned char		 pgid_buf[64];	/* stderr until then */
	size_t			 pgid_len;
	long			 pgid;		/* 0: unknown */
	/* quiet: output into quiet_out (kill command), no exit status */
	int			 quiet;
	char			 quiet_out[64];
	size_t			 quiet_len;
	int			 sudo_refused;	/* quiet: sudo said no */
};

/* SFTP state of a script, push or pull task (ssh-task-sftp.c). */
struct ssh_sftp_run {
	int			 fin;		/* closing down: its state */
	LIBSSH2_SFTP		*sftp;
	LIBSSH2_SFTP_HANDLE	*fh;
	char			*rtmp;		/* remote temp path */
	int			 rtmp_made;	/* may exist remotely */
	int			 failed;	/* cleaning up after failure */
	unsigned long long	 off;
	void			*hs;		/* crypto_hash_sha256_state */
	unsigned long long	 rsize;		/* pull: remote size */
	unsigned long		 rmtime;
	unsigned long		 rmode;
	int			 ldir;		/* pull: DIR/<target> */
	int			 lfd;		/* pull: local temp file */
	char			*ltmp;		/* pull: its name in ldir */
};

struct ssh_task {
	struct ssh_batch	*b;
	size_t			 idx;
	const struct ssh_target	*t;
	struct ssh_result	*r;
	struct ssh_conn		*conn;
	enum ssh_task_state	 state;
	int			 step;		/* the kind's own state */
	long long		 timer;		/* run (or cleanup) timeout */
	int			 clock;		/* run timeout started */
	int			 retried;	/* pooled session replaced */
	int			 active;	/* holds a concurrency slot */
	int			 killing;	/* 1: its kill runs, 2: ran */
	int			 cleaning;	/* aborted: cleans up */
	struct ssh_task		*next_pending;
	char			*command;	/* its own (script, mv) */
	struct ssh_exec_run	 ex;
	struct ssh_sftp_run	 sf;
};

/*
 * A kind of task. Every function gets a task whose session is READY
 * (but release and free). Steps report through enum ssh_step; none of
 * them finishes the task, frees the session or arms a timer.
 */
struct ssh_task_ops {
	const char	*name;
	/* batch set-up and tear-down (NULL: none); prepare fills err */
	int		(*prepare)(struct ssh_batch *b, struct ops_err *err);
	void		(*unprepare)(struct ssh_batch *b);
	/* first step on a ready session (again after a reconnect) */
	void		(*start)(struct ssh_task *t);
	enum ssh_step	(*step)(struct ssh_task *t);
	/* After STEP_FAIL (result set): STEP_NEXT when the task starts
	 * removing what it made remotely (its steps end in STEP_DROP; the
	 * engine bounds them), STEP_DROP when there is nothing to do.
	 * NULL: nothing to clean. */
	enum ssh_step	(*cleanup)(struct ssh_task *t);
	/* the clean-up deadline passed: say what may remain. NULL ok. */
	void		(*expire)(struct ssh_task *t);
	/* the session goes away: forget handles without blocking */
	void		(*release)(struct ssh_task *t);
	/* the task is over: free what it holds */
	void		(*free)(struct ssh_task *t);
};

extern const struct ssh_task_ops ssh_task_exec_ops;
extern const struct ssh_task_ops ssh_task_script_ops;
extern const struct ssh_task_ops ssh_task_push_ops;
extern const struct ssh_task_ops ssh_task_pull_ops;

struct ssh_batch {
	struct ssh_engine	*eng;
	const struct ssh_task_ops *ops;		/* one kind per batch */
	const struct ssh_exec	*x;
	char			*command;	/* x->command, maybe wrapped */
	struct secret		*pre;		/* sudo password + "\n" */
	struct ssh_task		*tasks;
	struct ssh_result	*results;
	size_t			 n;
	size_t			 ndone, nok;
	size_t			 cap;
	/* script and transfers */
	struct ssh_exec		 xbuf;		/* x for transfer batches */
	const struct ssh_xfer	*xf;
	const unsigned char	*data;		/* push: the bytes to send */
	unsigned char		*own;		/* push: data when read here */
	size_t			 len;
	unsigned		 mode;		/* push: remote mode */
	unsigned char		 digest[32];	/* push: sha256 of data */
	int			 ldirfd;	/* pull: the local directory */
	char			 marker[40];	/* sudo start marker */
	char			 prompt[48];	/* sudo prompt */
};

struct ssh_engine {
	struct evloop		*loop;
	const struct ssh_conn_hooks *hooks;
	struct ssh_engine_config cfg;
	struct ssh_stats	 st;
	struct ssh_conn		*conns;		/* all live conns */
	struct ssh_task		*pend_head, *pend_tail;
	long long		 ka_timer;
	int			 scheduling;	/* guards re-entry */
};

/* May a task that found its session dead start over on a fresh one? */
static inline int
ssh_task_may_retry(const struct ssh_task *t)
{
	return t->r->reused && !t->retried;
}

/* ssh-util.c: a leaf; it calls no other ssh-*.c file */
const char *ssh_target_user(const struct ssh_target *t);
unsigned ssh_target_port(const struct ssh_target *t);
/* sh single-quote s; caller frees */
char	*ssh_shell_quote(const char *s);
/* cmd, wrapped for sudo when the batch asks for it; caller frees */
char	*ssh_batch_wrap(const struct ssh_batch *b, const char *cmd);
/* The same; with report, built to report its process group first
 * (ssh_kill_wrap, or from inside sudo); caller frees */
char	*ssh_batch_wrap_cmd(const struct ssh_batch *b, const char *cmd,
	    int report);
/* 2*nbytes random hex digits (nbytes <= 32) and a NUL into buf */
void	 ssh_rand_hex(char *buf, size_t nbytes);
/* the last component of path (borrowed from path) */
const char *ssh_path_base(const char *path);
/* libssh2's last error text for s */
const char *ssh_sess_errmsg(LIBSSH2_SESSION *s);
/* The one writer of a failure: ok = 0, class, status and a printf
 * message, with control bytes escaped (it may quote the target). */
void	 ssh_vfail(int *ok, enum ssh_class *cls, int *status, char *msg,
	    size_t len, enum ssh_class c, int st, const char *fmt,
	    va_list ap) __attribute__((format(printf, 8, 0)));
void	 ssh_result_fail(struct ssh_result *r, enum ssh_class cls,
	    int status, const char *fmt, ...)
	    __attribute__((format(printf, 4, 5)));

/* ssh-session.c */
int	ssh_conn_new(struct ssh_engine *eng, const struct ssh_target *t,
	    struct ssh_conn **out);
void	ssh_conn_destroy(struct ssh_conn *c);
void	ssh_conn_drive(struct ssh_conn *c);
/* leave the pool: timers and idle watch off */
void	ssh_conn_unpool(struct ssh_conn *c);
int	ssh_hostkey_check(const struct ssh_target *t, const struct hostkey *hk,
	    struct ssh_result *r);
/* after any libssh2 call returned EAGAIN: wait on its directions */
void	ssh_conn_wait(struct ssh_conn *c);

/* ssh-pool.c */
/* The idle pooled session for t, left in the pool; or NULL. */
struct ssh_conn *ssh_pool_find(struct ssh_engine *eng,
	    const struct ssh_target *t);
struct ssh_conn *ssh_pool_take(struct ssh_engine *eng,
	    const struct ssh_target *t);
void	ssh_pool_put(struct ssh_conn *c);
int	ssh_pool_start(struct ssh_engine *eng, struct ops_err *err);

/* ssh-task-exec.c: the command sub-machine script and push run too */
/* run command (NULL: the batch's) on a new channel */
void	ssh_exec_begin(struct ssh_task *t, const char *command);
/* STEP_DONE when the channel is freed and the exit is in the result */
enum ssh_step ssh_exec_step(struct ssh_task *t);
void	ssh_exec_release(struct ssh_task *t);
void	ssh_exec_free(struct ssh_task *t);

/* ssh-util.c: the process group report (see ssh-task-kill.c) */
/* cmd run so that the remote shell first reports its process group on
 * stderr; caller frees (NULL: out of memory) */
char	*ssh_kill_wrap(const char *cmd);
/* Consume the report from the start of stderr (into t->ex.pgid); the
 * bytes that are the command's own go to emit. */
void	ssh_kill_filter(struct ssh_task *t, const unsigned char *p, size_t n,
	    void (*emit)(struct ssh_task *, enum ssh_stream,
	    const unsigned char *, size_t));

/* ssh-task-kill.c: ending a failed run's remote process group */
/* After a failure: STEP_NEXT when the kill command starts on a second
 * channel (the task's steps then go to ssh_kill_step), else STEP_DROP
 * (no group known, or the kill ran already). */
enum ssh_step ssh_kill_begin(struct ssh_task *t);
/* One step of the kill; STEP_DROP when it is over (the outcome is in
 * the result's message, t->killing is 2). */
enum ssh_step ssh_kill_step(struct ssh_task *t);
/* the clean-up deadline passed while the kill ran: say so */
void	ssh_kill_expire(struct ssh_task *t);

/* ssh-task-sftp.c: SFTP plumbing of script, push and pull */
/* The first states of an SFTP kind; its own ones start at SFTP_FIRST. */
enum {
	SFTP_CLOCK,		/* the transfer's clock starts */
	SFTP_INIT,		/* the SFTP session */
	SFTP_FIRST,
};
/* the start op of the SFTP kinds */
void	ssh_sftp_begin(struct ssh_task *t);
/* The steps all SFTP kinds share (clock, SFTP session, closing down):
 * 1 with *s set when one ran, 0 when the kind's own state is next. */
int	ssh_sftp_common(struct ssh_task *t, enum ssh_step *s);
/* close the SFTP session after a success (rm: remove rtmp first) */
void	ssh_sftp_finish(struct ssh_task *t, int rm);
enum ssh_step ssh_sftp_cleanup(struct ssh_task *t);
void	ssh_sftp_expire(struct ssh_task *t);
void	ssh_sftp_release(struct ssh_task *t);
void	ssh_sftp_free(struct ssh_task *t);
/* release and free of the kinds with SFTP and an exec channel */
void	ssh_sftp_exec_release(struct ssh_task *t);
void	ssh_sftp_exec_free(struct ssh_task *t);
/* an SFTP failure (class sftp) into the result */
void	ssh_sftp_fail(struct ssh_task *t, int status, const char *fmt, ...)
	    __attribute__((format(printf, 3, 4)));
/* the SFTP status of the last call, or 0 when it was not an SFTP one */
unsigned long ssh_sftp_fx(struct ssh_task *t);
/* the last SFTP error as text */
const char *ssh_sftp_err(struct ssh_task *t);
/* 1 when the last libssh2 call would block */
int	ssh_sftp_eagain(struct ssh_task *t);
/* a fresh SHA-256 state in t->sf.hs; -1 out of memory */
int	ssh_sftp_hash_start(struct ssh_task *t);
/* a transfer's success into the result */
void	ssh_sftp_ok(struct ssh_task *t, unsigned long long bytes,
	    const unsigned char *digest, unsigned mode);
/* a nomem failure (class internal) */
enum ssh_step ssh_sftp_nomem(struct ssh_task *t);

#endif

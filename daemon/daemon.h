/*
 * daemon.h: opsicled's internal index.
 *
 * struct ops_ctx is the one context every layer of the daemon receives:
 * paths under $OPSICLE_HOME (or XDG), the log, the unlocked keyring and
 * the open store. main() owns it; nothing else is global except the
 * signal flags in main.c.
 */
#ifndef OPS_DAEMON_H
#define OPS_DAEMON_H

#include <sys/types.h>

#include <stdint.h>

#include <time.h>

#include <jansson.h>

#include "config-file.h"
#include "discover-range.h"
#include "error.h"
#include "evloop.h"
#include "hostkey.h"
#include "keys.h"
#include "log.h"
#include "model.h"
#include "model-json.h"
#include "paths.h"
#include "proto.h"
#include "store.h"

struct server;
struct ssh_engine;
struct jobs;
struct events;
struct http;
struct notify;
struct unlock_fails;
struct unlock_kdf;
struct approvals;
struct totp_state;
struct schedules;
struct discover;

struct ops_ctx {
	struct ops_paths	 paths;
	struct ops_log		 log;
	struct keyring		*keys;		/* NULL while locked */
	struct store		*store;		/* NULL while locked */
	int			 lock_fd;	/* flock'd opsicled.lock */
	const char		*passphrase_file; /* -P, or NULL */
	int			 reset_state;	/* -R: new store state file */
	struct evloop		*loop;
	struct server		*server;
	time_t			 started;	/* wall clock at start */
	struct ops_config	*config;	/* opsicle.conf; swapped on SIGHUP */
	struct unlock_fails	*unlock_fails;	/* unlock-throttle.c */
	struct unlock_kdf	*unlock_kdf;	/* unlock-kdf.c: in flight */
	long long		 started_ms;	/* evloop_now_ms at start */
	struct ssh_engine	*ssh;		/* the one SSH engine (jobs.c) */
	struct jobs		*jobs;		/* the runner (jobs.c) */
	struct events		*events;	/* the event bus (events.c) */
	struct http		*http;		/* libcurl multi (http.c) */
	struct notify		*notify;	/* notifications (notify.c) */
	struct approvals	*approvals;	/* approval.c: deadlines */
	struct schedules	*schedules;	/* schedules.c */
	struct discover		*discover;	/* discover.c: scans */
	/* "daemon stop" asked main to stop (daemon_request_stop): main's
	 * loop acts on it, giving running jobs stop_grace_ms. */
	int			 stop_requested;
	long long		 stop_grace_ms;
	/* main.c: -v/-d log at least this much, whatever log-level says */
	enum log_level		 log_min;
	struct totp_state	*totp;		/* totp-user.c: counters */
};

/*
 * Roles, ordered by what they allow; acl.c decides which role a peer
 * holds and whether it covers the one an operation needs (dispatch.c).
 */
enum cmd_role {
	CMD_ROLE_NONE = 0,	/* not authorised for anything */
	CMD_ROLE_VIEWER,
	CMD_ROLE_OPERATOR,
	CMD_ROLE_APPROVER,
	CMD_ROLE_OPERATOR_APPROVER,	/* named by both lists */
	CMD_ROLE_ADMIN,
};

/* Connection limits and memory budgets (server-limits.c, opsicled(8)). */
#define SERVER_MAX_CLIENTS	256
#define SERVER_MAX_PER_UID	64
#define SERVER_ADMIN_RESERVE	32	/* of the slots, only admins take */
/* Input buffers: free per connection, then budgets (non-admins). */
#define SERVER_READ_FREE	(64 * 1024)
#define SERVER_READ_PER_UID	(32 * 1024 * 1024)
#define SERVER_READ_BUDGET	(64 * 1024 * 1024)
/* Output queues: per uid (non-admins) and for all peers. */
#define SERVER_WRITE_PER_UID	(64 * 1024 * 1024)
#define SERVER_WRITE_BUDGET	(256 * 1024 * 1024)

struct limits_uid;

/* One client connection (server-client.c). */
struct client {
	struct server		*srv;
	int			 fd;
	uid_t			 uid;
	gid_t			 gid;
	pid_t			 pid;
	enum cmd_role		 role;
	char			 actor[64];	/* "name(uid)" for the audit */
	struct proto_reader	 rd;
	struct proto_writer	 wr;
	int			 greeted;	/* hello seen */
	int			 console;	/* its hello's client is
						 * "opsicle-console ..." */
	int			 closing;	/* drop once the queue is sent */
	/* events.c: subscriptions and "job logs --follow" */
	unsigned		 ev_streams;	/* EV_* bits */
	long long		 ev_job;	/* only this job; 0: all */
	int			 defer_reply;	/* the handler answers later */
	int			 defer_ok;	/* dispatch.c: the op may defer */
	long long		 follow_id;	/* request id; 0: not following */
	long long		 follow_job;
	char			 follow_target[OPS_PROTO_MAX_NAME + 1];
	struct client_defer	*defers;	/* server-client.c: pending */
	long long		 active_ms;	/* last I/O; server.c idle timeout */
	/* server-limits.c: the unfinished frame (before hello: the
	 * connection) began then; 0: none */
	long long		 frame_ms;
	struct limits_uid	*acct;		/* its uid's counters */
	size_t			 held_rd;	/* bytes counted there */
	size_t			 held_wr;
	struct client		*next;
};

/* A request handler: fills *result (may stay NULL) or returns an error. */
typedef int	handler_fn(struct ops_ctx *ctx, struct client *c, json_t *msg,
		    json_t **result, struct ops_err *err);

/*
 * Lifecycle belongs to main.c: a request to stop only sets these, and
 * main's loop stops the runner, then (once it is drained) the server.
 * The first request wins.
 */
static inline void
daemon_request_stop(struct ops_ctx *ctx, long long grace_ms)
{
	if (ctx->stop_requested)
		return;
	ctx->stop_requested = 1;
	ctx->stop_grace_ms = grace_ms;
}

/* boot.c */
/* Close inherited descriptors above 2 (first thing in main). */
void	boot_close_fds(void);
void	boot_harden(void);
int	boot_lock(struct ops_ctx *ctx, struct ops_err *err);
int	boot_write_pid(struct ops_ctx *ctx, struct ops_err *err);
int	boot_open_store(struct ops_ctx *ctx, struct ops_err *err);
/* Load opsicle.conf into ctx->config (replacing it only on success). */
int	boot_load_config(struct ops_ctx *ctx, struct ops_err *err);
/* Unwrap the keys with a passphrase and open the store. */
int	boot_unlock(struct ops_ctx *ctx, const struct secret *pass,
	    struct ops_err *err);
/* Open the store with keys unwrapped elsewhere (taken over). */
int	boot_unlock_keys(struct ops_ctx *ctx, struct keyring *kr,
	    struct ops_err *err);
/* Close the store and wipe the keys: the daemon is locked. */
void	boot_lock_store(struct ops_ctx *ctx);
void	boot_close(struct ops_ctx *ctx);

/* server.c */
int	server_start(struct ops_ctx *ctx, struct ops_err *err);
void	server_stop(struct ops_ctx *ctx);
/* Stop taking work and leave the loop once replies are sent. */
void	server_shutdown(struct ops_ctx *ctx);
int	server_stopping(const struct ops_ctx *ctx);
void	server_remove_client(struct server *srv, struct client *c);
struct ops_ctx *server_ctx(const struct server *srv);

/* server-client.c */
int	client_new(struct server *srv, int fd, struct client **out,
	    struct ops_err *err);
void	client_free(struct client *c);
/* Queue a message; on failure the client is marked for closing. */
void	client_send(struct client *c, const json_t *msg);
void	client_send_error(struct client *c, long long id, int code,
	    const char *message);
/* Hold an ok's result (may be NULL) to the reply declared for type in
 * core/proto.h; a mismatch is logged as a bug, and is fatal with
 * OPSICLE_REPLY_CHECK=fatal (the test suite's setting). */
void	client_reply_check(struct client *c, enum proto_type type,
	    const json_t *result);

/* server-client.c: queue an encoded frame without ever freeing c (safe
 * from any callback); a client that cannot keep up is dropped. */
void	client_send_frame(struct client *c, const unsigned char *frame,
	    size_t len);
/* Send msg the same way. */
void	client_send_later(struct client *c, const json_t *msg);
/* server.c: the first client (follow ->next). */
struct client *server_clients(const struct server *srv);
/* Drop c's queue and mark it closing, without freeing it (safe from any
 * callback; server.c reaps it). */
void	client_discard(struct client *c);

/* server-limits.c: connection limits and memory budgets */
struct limits;
struct limits	*limits_new(void);
void		 limits_free(struct limits *l);
/* Count c (its uid and role are set) in, or refuse it: OPS_E_PERM for no
 * role, OPS_E_TOOBIG over a connection cap; err says why. */
int		 limits_admit(struct limits *l, struct client *c,
		     size_t nclients, struct ops_err *err);
/* Uncount c (before it is freed). */
void		 limits_release(struct client *c);
/* Recount c's unread and queued bytes after its buffers changed. */
void		 limits_charge(struct client *c);
/* After a read: OPS_E_TOOBIG when c's unread bytes pass a budget. */
int		 limits_read_ok(const struct client *c, struct ops_err *err);
/* After c queued (and limits_charge): bring the output budgets back by
 * dropping the queues of others; OPS_E_TOOBIG (err says why) when c
 * itself is the one to drop. */
int		 limits_write_room(struct client *c, struct ops_err *err);
/* After input was handled (got: whole messages taken): start or end
 * the clock of an unfinished frame. */
void		 limits_frame_progress(struct client *c, int got);
/* Why c should be closed now under limit_ms (message-timeout): a text
 * to log, "" to close quietly (a closing client whose queue is sent),
 * NULL to keep it. */
const char	*limits_overdue(const struct client *c, long long now,
		     long long limit_ms);

/*
 * server-client.c: deferred replies, for handlers whose work ends later on
 * the loop (host key scans; also usable for "job logs --follow" and any
 * other long request). Inside the handler of an OP_DEFER op,
 * client_defer(c, msg) takes over the answer to this request (NULL when
 * out of memory): dispatch then sends nothing (it sets c->defer_reply),
 * and an OP_TX request's transaction and audit record commit as usual
 * when the handler returns OPS_OK. The owner of the handle later answers exactly once with
 * client_defer_ok (which steals result, may be NULL) or
 * client_defer_error; both free the handle and are safe from any
 * callback. If the client disconnects first the handle stays valid, the
 * answer is dropped, and client_defer_alive returns 0.
 */
struct client_defer;
struct client_defer *client_defer(struct client *c, const json_t *msg);
int	client_defer_alive(const struct client_defer *d);
void	client_defer_ok(struct client_defer *d, json_t *result);
void	client_defer_error(struct client_defer *d, int code,
	    const char *message);
/* Send msg (an event of the request, such as discover-found) to the
 * client still waiting for d's answer; nothing when it is gone. */
void	client_defer_send(struct client_defer *d, const json_t *msg);

/*
 * discover.c: scans for SSH servers (the contract in the file). A scan
 * copies the spec, answers through d (client_defer of the request:
 * discover-found events, then ok with the counts) and belongs to the
 * service; discover_free ends the scans still running.
 */
struct discover_spec {
	const struct discover_range	*ranges;
	size_t				 nranges;
	const unsigned			*ports;
	size_t				 nports;
	int				 timeout_ms;
	int				 rate;		/* probes per second */
	int				 concurrency;
	int				 add;
	const char *const		*tags;
	size_t				 ntags;
	const char			*user, *cred;	/* may be NULL */
};
int	discover_init(struct ops_ctx *ctx, struct ops_err *err);
void	discover_free(struct ops_ctx *ctx);
int	discover_start(struct ops_ctx *ctx, const char *actor,
	    const struct discover_spec *spec, struct client_defer *d,
	    struct ops_err *err);

/* acl.c */
enum cmd_role	acl_role_of(const struct ops_ctx *ctx, uid_t uid, gid_t gid);
int		acl_allows(enum cmd_role have, enum cmd_role need);
/* 1 when item ("name", "uid" or "@group", as in the role.* lists)
 * names the peer uid/gid (approval.c: a policy's approvers). */
int		acl_names(const char *item, uid_t uid, gid_t gid);
/* OPS_OK for admin, else OPS_E_PERM "permission denied: <fmt...> needs
 * role admin; <actor> has role <have>" (binding a credential to a
 * destination; opsicled(8), "Credentials and roles"). */
int		acl_need_admin(enum cmd_role have, const char *actor,
		    struct ops_err *err, const char *fmt, ...)
		    __attribute__((format(printf, 4, 5)));

/*
 * dispatch.c: the operation table, one row per request type (indexed by
 * proto type), and the dispatcher that enforces it. A row gives the
 * handler, the role a peer needs and OP_* flags; the dispatcher applies
 * them in this order before (and around) the handler, so no handler
 * checks them itself:
 *
 *   role         the peer's role covers op->role, else OPS_E_PERM
 *                "permission denied: NAME needs role R; ACTOR has role H"
 *   stopping     OPS_E_LOCKED "opsicled is stopping"
 *   OP_STORE     the store is open, else OPS_E_LOCKED "store is locked;
 *                run opsicle unlock"
 *   OP_APPROVAL  the approval gate (see below)
 *   OP_TX        handler and its audit record (action op->name, object
 *                the request's "name" or job) in one store transaction;
 *                a refusal is rolled back and audited on its own
 *   OP_DEFER     the handler may take the answer over (client_defer or
 *                c->defer_reply); deferring without it is a bug (abort)
 *
 * OP_SELF_AUDIT marks ops that change state but write their own audit
 * records (as op->name) outside a dispatch transaction: they open or
 * close the store (unlock, lock, passwd), answer after the loop did
 * work (hostkey accept), or must not be refused when the audit fails
 * (daemon stop). Every op is a read (neither flag), OP_TX or
 * OP_SELF_AUDIT. OP_CONN marks a request that server-client.c answers
 * itself (hello: the handshake); its row has no handler.
 *
 * The approval gate. An OP_APPROVAL op passes approval_gate() in
 * dispatch.c after the checks above and before its transaction and
 * handler. Today the gate lets every request through. The approvals
 * feature plugs in there: it will refuse (an error reply), let the
 * request run (an approved one, or a peer whose role needs none), or
 * hold it: store an approval request, take the answer over with
 * client_defer, and run the handler once an approver says yes.
 * OP_APPROVAL therefore also allows a deferred reply.
 *
 * Adding a request: its entry in PROTO_TYPES (core/proto.h, with the
 * shape of its ok result), its row and handler declaration in
 * dispatch.c, the handler in its file. A CLI command for it also takes
 * an entry next to its function in tui/cli-*.c, listed in cli-table.c
 * (HACKING-command.md).
 */
#define OP_STORE	0x01	/* refused while the store is locked */
#define OP_TX		0x02	/* one transaction with its audit record */
#define OP_SELF_AUDIT	0x04	/* changes state; the handler audits */
#define OP_DEFER	0x08	/* may answer later (client_defer) */
#define OP_APPROVAL	0x10	/* passes the approval gate first */
#define OP_CONN		0x20	/* answered by server-client.c (hello) */

struct dispatch_op {
	handler_fn	*fn;		/* NULL only with OP_CONN */
	enum cmd_role	 role;		/* the peer needs at least this */
	int		 flags;		/* OP_* */
	/* "target.add": the audit action; with spaces for dots, the
	 * name refusals and the log give it ("target add") */
	const char	*name;
};

/* The row of type, or NULL when the daemon has none. Borrowed. */
const struct dispatch_op *dispatch_find(enum proto_type type);
/* The table, indexed by proto type (rows without a name are holes);
 * *n gets its length. For the table tests. */
const struct dispatch_op *dispatch_table(size_t *n);
/* op's name with spaces: "target add". */
void	dispatch_op_name(const struct dispatch_op *op, char *buf, size_t len);
/* The checks before anything runs (role, stopping, OP_STORE): OPS_OK,
 * or the refusal in err (to answer with; nothing was done). */
int	dispatch_admit(struct ops_ctx *ctx, struct client *c,
	    const struct dispatch_op *op, struct ops_err *err);
/* Run an admitted op: the approval gate, the handler with OP_TX's
 * transaction and audit. OPS_OK with *result (may be NULL; nothing
 * to send when c->defer_reply is set), else the error. */
int	dispatch_call(struct ops_ctx *ctx, struct client *c,
	    const struct dispatch_op *op, json_t *msg, json_t **result,
	    struct ops_err *err);
/* Role names: "admin", "operator", "approver", "viewer", "none". */
const char *cmd_role_name(enum cmd_role role);

/*
 * hostkeys.c: the host key service (scan, trust on first use, accept by
 * fingerprint; each stored key audited as "hostkey.accept"). who is the
 * requester: its actor for the audit and its role, since trusting a key
 * for a target with a credential needs admin.
 */
struct hostkeys_who {
	const char		*actor;
	enum cmd_role		 role;
};
enum hostkeys_status {
	HOSTKEYS_ALREADY_KNOWN = 1,
	HOSTKEYS_ACCEPTED_PENDING,
	HOSTKEYS_ACCEPTED_FINGERPRINT,
	HOSTKEYS_ACCEPTED_NEW,
};
/* "already-known", "accepted-pending", ... (static) */
const char	*hostkeys_status_name(enum hostkeys_status s);
/* What became of one target. */
struct hostkeys_outcome {
	char			 target[OPS_PROTO_MAX_NAME + 1];
	int			 code;		/* OPS_OK: a key (below) */
	enum hostkeys_status	 status;
	char			 type[HOSTKEY_TYPE_MAX]; /* "": unknown */
	char			 fp[HOSTKEY_FP_MAX];
	const char		*cls;		/* code != OPS_OK: static */
	char			 message[1024];
};
struct hostkeys_scan;
/* A scan ended: code != OPS_OK (message says why) when nothing could be
 * stored at all; else n outcomes, in the order of the targets. */
typedef void	hostkeys_done_fn(void *arg, int code, const char *message,
		    const struct hostkeys_outcome *v, size_t n);
/*
 * Accept a host key for target name (fp: the fingerprint it must have,
 * or NULL to trust what it presents). Refusals are audited. On OPS_OK
 * either *scan is NULL and *now is the answer, or a scan runs on the
 * loop and done(arg, ...) is called once with one outcome, never before
 * this returns; hostkeys_scan_abandon stops it without the call.
 */
int		hostkeys_accept(struct ops_ctx *ctx,
		    const struct hostkeys_who *who, const char *name,
		    const char *fp, hostkeys_done_fn *done, void *arg,
		    struct hostkeys_outcome *now, struct hostkeys_scan **scan,
		    struct ops_err *err);
/* Scan the n named targets (just added) and trust their keys on first
 * use; done as for hostkeys_accept, with n outcomes. */
int		hostkeys_scan_new(struct ops_ctx *ctx,
		    const struct hostkeys_who *who, const char *const *names,
		    size_t n, hostkeys_done_fn *done, void *arg,
		    struct hostkeys_scan **scan, struct ops_err *err);
void		hostkeys_scan_abandon(struct hostkeys_scan *scan);
/* OPS_E_PERM (err says why) when role may not trust keys for t. */
int		hostkeys_check_cred(enum cmd_role role, const char *actor,
		    const struct store_target *t, struct ops_err *err);

/*
 * hostkeys-reply.c: the reply of target add/import with
 * accept_new_hostkey: scan the n named (just added) targets, then answer
 * (deferred) with *result (an object, taken over; created when NULL)
 * plus "hostkeys" [{target, type, fingerprint}] and "hostkey_errors"
 * [{target, class, message}]. When the scan cannot start, *result gets
 * those fields at once and the reply is not deferred. Always OPS_OK: the
 * targets stay added either way.
 */
int		hostkeys_reply_scan_new(struct ops_ctx *ctx, struct client *c,
		    const json_t *msg, const char *const *names, size_t n,
		    json_t **result);
/* {target, type, fingerprint} of a key. */
json_t		*hostkeys_key_json(const char *target, const char *type,
		    const char *fp);

/* targets-edit.c: target edit with selectors (the handler's contract in
 * the file); fills *result with changed, unchanged and dry_run. */
int		targets_edit_many(struct ops_ctx *ctx, struct client *c,
		    json_t *msg, json_t **result, struct ops_err *err);

/*
 * import-creds.c: key credentials for target import --create-creds. The
 * key files the client sent ("keys" of the message) are taken out of msg
 * (their JSON copies wiped, also on error) into k; import_keys_cred
 * gives the credential for path (needed by host, named in the error when
 * path was not sent), reusing an ssh-key credential with the same key or
 * creating one in the current transaction. *out is borrowed from keys.
 */
struct import_key {
	char		*path;
	struct secret	*key;
	char		*cred;		/* NULL until chosen */
	int		 created;	/* 1: made by this import */
};

struct import_keys {
	struct import_key	*v;
	size_t			 n;
};

int		import_keys_take(json_t *msg, struct import_keys *k,
		    struct ops_err *err);
int		import_keys_cred(struct ops_ctx *ctx, struct import_keys *keys,
		    const char *path, const char *host, struct import_key **out,
		    struct ops_err *err);
void		import_keys_free(struct import_keys *k);

/* audit.c: the audit service */
/* Append one audit record (detail may be NULL); OPS_OK without a record
 * while the store is locked. Inside the caller's transaction if any. */
int		audit_append(struct ops_ctx *ctx, const char *actor,
		    const char *action, const char *object,
		    const char *detail, const char *result,
		    struct ops_err *err);
/* audit_append with c's actor and no detail. */
int		audit_record(struct ops_ctx *ctx, struct client *c,
		    const char *action, const char *object,
		    const char *result, struct ops_err *err);
/* Record a refusal (result: why); a failure is logged, never returned. */
void		audit_refusal(struct ops_ctx *ctx, const char *actor,
		    const char *action, const char *object,
		    const char *detail, const char *why);

/*
 * events.c: the daemon's event bus. The runner posts typed events; every
 * registered sink sees each one, in registration order, synchronously
 * (a sink must not post). Pointers in an event are borrowed for the call.
 * Sinks today: the client streams (events-client.c); later
 * notifications, the scheduler and sync.
 */
enum ops_event_kind {
	OPS_EV_JOB_STATE = 1,	/* a job started or ended */
	OPS_EV_RUN_STATE,	/* a run started or ended */
	OPS_EV_JOB_OUTPUT,	/* a piece of a run's live output */
	OPS_EV_TARGET_STATUS,	/* a run's result says how a target is */
	OPS_EV_STEP_STATE,	/* an automation step started or ended */
	OPS_EV_APPROVAL_STATE,	/* a job's approval was requested or
				 * decided (daemon/approval.h) */
};
struct ops_event {
	enum ops_event_kind	 kind;
	int64_t			 job;
	const char		*target;	/* NULL for job-state */
	union {
		struct {
			enum store_job_state	 state;
			size_t			 ok, failed, total;
		}		 job;
		struct {
			enum store_run_state	 state;
			enum run_class		 cls;	/* NONE: none */
			int			 exit_status;	/* -1: none */
			int			 signal;	/* 0: none */
			const char		*error;	/* the message alone,
							 * or NULL */
			/* a final state: bytes sent and kept per
			 * stream (1 stdout, 2 stderr); counted 0: none */
			int			 counted;
			size_t			 seen[3], kept[3];
		}		 run;
		struct {
			int			 err;	/* 1: stderr */
			long long		 seq;	/* per run, from 1 */
			const unsigned char	*data;
			size_t			 len;
			int			 truncated; /* cap reached */
		}		 output;
		struct {
			enum reach		 reach;
			const char		*message; /* or NULL */
		}		 target;
		struct {
			int			 idx;	/* from 0 */
			const char		*name;
			const char		*state;
			int			 exit_status; /* -1: none */
			const char		*error;	/* or NULL */
		}		 step;
		struct {
			/* requested approved granted rejected expired
			 * overridden (core/proto.h approval-state) */
			const char		*state;
			int			 approvals, required;
			const char		*actor;	  /* or NULL */
			const char		*channel; /* or NULL */
			const char		*reason;  /* or NULL */
		}		 approval;
	}			 u;
};
#define EVENTS_MAX_SINKS	8
typedef void	events_sink_fn(struct ops_ctx *ctx,
		    const struct ops_event *ev, void *arg);
/* ctx->events: a bus with no sinks. */
int	events_init(struct ops_ctx *ctx, struct ops_err *err);
void	events_done(struct ops_ctx *ctx);
/* Register fn(ctx, ev, arg); OPS_E_TOOBIG past EVENTS_MAX_SINKS. */
int	events_sink_add(struct ops_ctx *ctx, events_sink_fn *fn, void *arg,
	    struct ops_err *err);
/* Unregister (fn, arg); nothing when it is not registered. */
void	events_sink_remove(struct ops_ctx *ctx, events_sink_fn *fn,
	    void *arg);
/* Hand ev to every sink (nothing without a bus). */
void	events_post(struct ops_ctx *ctx, const struct ops_event *ev);
/* 1 for the job states a job ends in. */
int	events_job_final(enum store_job_state state);

/*
 * events-client.c: the client-stream sink. A client subscribes to
 * streams, optionally for one job; "job logs --follow" follows one job's
 * output and gets its deferred "ok" when the job ends. Each event is
 * encoded to JSON once and the frame is queued to every interested
 * client.
 */
#define EV_JOB_OUTPUT		0x1
#define EV_JOB_STATE		0x2
#define EV_RUN_STATE		0x4
#define EV_TARGET_STATUS	0x8
#define EV_STEP_STATE		0x10
#define EV_APPROVAL_STATE	0x20
events_sink_fn	events_client_sink;
/* Attach c to job's job-output, job-state, run-state and step-state
 * streams, and to no other job's ("run" with follow). */
void	events_client_follow(struct client *c, int64_t job);

/* jobs.c: the persistent job queue and the runner */
#define JOBS_GRACE_MS		10000	/* SIGTERM: let jobs finish */
#define JOBS_MAX_RUNNING	16	/* jobs running at once */
/* Create the SSH engine and the runner on ctx->loop; recover the store
 * (runs left running become interrupted) and start queued jobs. */
int	jobs_init(struct ops_ctx *ctx, struct ops_err *err);
/* Abort everything in flight (runs become interrupted) and free. */
void	jobs_free(struct ops_ctx *ctx);
/* Look for work soon (after a submit, an unlock, a finished run). */
void	jobs_kick(struct ops_ctx *ctx);
/* Stop starting jobs; when none runs, or after grace_ms (then the
 * running ones are interrupted), call drained(ctx) once (main.c stops
 * the server then; the runner never calls the server itself). */
void	jobs_shutdown(struct ops_ctx *ctx, long long grace_ms,
	    void (*drained)(struct ops_ctx *));
int	jobs_stopping(const struct ops_ctx *ctx);
/* Cancel job id: running or queued. A running job's runs end their
 * remote processes first (a few seconds at most); ended(arg), when not
 * NULL, is called once the job has ended (at once for a queued one),
 * so "job cancel" can answer with the job's record final. ended is not
 * called when this fails. */
int	jobs_cancel(struct ops_ctx *ctx, long long id,
	    void (*ended)(void *), void *arg, struct ops_err *err);
/* Store the output runs hold back, all in one transaction. The runner
 * does it from the loop's before-sleep hook once output is JOBS_FLUSH_MS
 * old; a request that reads output calls it first. */
void	jobs_flush_output(struct ops_ctx *ctx);
#define JOBS_FLUSH_MS		100
/* 1 when job id is running in this daemon now. */
int	jobs_is_running(const struct ops_ctx *ctx, long long id);
/*
 * jobs.c: runner_submit is the one way a job comes to exist. "run" and
 * "job rerun" call it now; the scheduler, approvals and sync will (none
 * of them builds a request to run a job). It queues a job with one run
 * per target of spec (names, resolved by the caller; the store refuses
 * unknown ones), requested by actor, and kicks the runner: *job gets its
 * id. OPS_E_LOCKED while the store is locked or the daemon is stopping.
 * Events about the job follow on the bus (events.c), never before this
 * returns.
 */
struct job_spec {
	const char		*command;	/* or the script's text */
	int			 script;
	int			 timeout_ms;	/* 0: none */
	int			 forks;		/* 0: the configured forks */
	/* per stream; 0: output-cap (the job records what it got) */
	size_t			 output_cap;
	int			 connect_timeout_ms; /* 0: connect-timeout */
	const char *const	*targets;
	size_t			 ntargets;
	int64_t			 rerun_of;	/* 0, or the job it repeats */
	/* run --stdin: fed to every target's command, then EOF; taken by
	 * runner_submit whatever it returns (NULL: none). Never stored. */
	struct secret		*stdin_data;
	/* run --host: ad-hoc hosts by canonical name (model.h), which no
	 * target is created for; the credential they use (NULL: the
	 * agent) and whether to trust a new host key for this run. */
	const char *const	*hosts;
	size_t			 nhosts;
	const char		*host_cred;
	int			 accept_new_hostkey;
	/* run --become (jobs-become.c): sudo to become_user (NULL: no
	 * sudo) with become_cred's password (NULL: the target's) */
	const char		*become_user;
	const char		*become_cred;
	/* ---- i12-kill: push and pull (handlers-xfer.c, jobs-xfer.c) ----
	 * xfer_dir SSH_PUSH or SSH_PULL (0: not a transfer). Held only in
	 * memory, like stdin_data, and taken by runner_submit whatever it
	 * returns: push's bytes (xfer_data, malloc'd, wiped when freed) and
	 * pull's directory (xfer_dirfd, opened by the client, closed with
	 * the job). The command is then a shell comment describing it
	 * ("#opsicle-push LOCAL -> REMOTE"): job rerun refuses such a job,
	 * and one whose input a restart lost fails instead of running. */
	int			 xfer_dir;
	const char		*xfer_local;	/* the client's name for it */
	const char		*xfer_remote;
	unsigned		 xfer_mode;	/* push; 0: 0644 */
	unsigned char		*xfer_data;	/* push */
	size_t			 xfer_len;
	int			 xfer_dirfd;	/* pull */
	/* automation run (jobs-automation.c): the pinned version, its
	 * parameter values and steps; command is then the job's label.
	 * NULL for an ad hoc command or script. */
	const struct job_auto_plan *automation;
	/* who asked (approvals: the requester never approves its own
	 * job); runner_submit stores the job awaiting approval when a
	 * policy covers it (daemon/approval.h) */
	uid_t			 requester_uid;
	gid_t			 requester_gid;
};
struct automation;
struct store_param_spec;
struct job_auto_plan {
	int64_t				 automation_id;
	const char			*name;
	int				 version;
	const struct automation		*a;	/* parsed: steps, rollout */
	const struct store_param_spec	*params; /* bound values */
	size_t				 nparams;
};
/* targets-select.c: the targets sel minus excl select (names borrowed
 * from *l, which the caller frees; *out too, the array alone). */
struct store_target_list;
int	jobs_resolve_targets(struct ops_ctx *ctx, const char **sel,
	    size_t nsel, const char **excl, size_t nexcl,
	    struct store_target_list *l, const char ***out, size_t *nout,
	    struct ops_err *err);
/* jobs-xfer.c: 1 when a job's command describes a transfer
 * (JOB_XFER_TAG, core/model-json.h) */
int	jobs_xfer_is(const char *command);
int	runner_submit(struct ops_ctx *ctx, const struct job_spec *spec,
	    const char *actor, int64_t *job, struct ops_err *err);
/* jobs-become.c: OPS_E_INVAL (or NOTFOUND) unless user is NULL or a login
 * name, and cred NULL or a password credential; never a secret. */
int	jobs_become_check(struct ops_ctx *ctx, const char *user,
	    const char *cred, struct ops_err *err);

/* jobs-limits.c: what "run" and "automation run" share */
/* A run's output_cap and connect_timeout from msg into s. */
int	run_limits(struct ops_ctx *ctx, json_t *msg, struct job_spec *s,
	    struct ops_err *err);

/* auto-jobs.c: automation jobs for automation run, job show and rerun */
struct automation;
struct store_automation_doc;
/* The latest (version 0) or given version of name (or, name NULL, of
 * automation id), its stored document parsed into *a. */
int	auto_load_doc(struct ops_ctx *ctx, const char *name, int64_t id,
	    int version, struct store_automation_doc **doc,
	    struct automation **a, struct ops_err *err);
/* OPS_E_PERM unless a's download steps may run for client c (only the
 * daemon's own user: they write on its host), OPS_E_INVAL unless their
 * directories are absolute. */
int	auto_check_download(const struct automation *a,
	    const struct client *c, struct ops_err *err);
/* The targets of a run of a: sel (n; none: a's own targets, *sel then
 * replaced, caller frees) minus excl, resolved into *l and *names (as
 * jobs_resolve_targets) in rollout.order. */
struct auto_values;
int	auto_targets(struct ops_ctx *ctx, const struct automation *a,
	    const char ***sel, size_t *nsel, const char **excl, size_t nexcl,
	    struct store_target_list *l, const char ***names, size_t *n,
	    struct ops_err *err);
/* msg's "params" as NAME=VALUE strings (borrowed from msg; the array
 * caller frees), and their wipe before msg is freed. */
int	auto_get_assign(const json_t *msg, const char ***out, size_t *n,
	    struct ops_err *err);
void	auto_wipe_assign(json_t *msg);
/* The bound values as the store takes them (secrets copied, freed by
 * auto_specs_free). */
struct store_param_spec;
int	auto_specs(const struct auto_values *v, struct store_param_spec **out,
	    size_t *n, struct ops_err *err);
void	auto_specs_free(struct store_param_spec *sp, size_t n);
/* Queue a job of doc's version (a parsed) with the bound vals on names
 * (n), requested by actor: runner_submit with s's limits (forks 0:
 * rollout.forks). */
int	auto_submit(struct ops_ctx *ctx, const struct store_automation_doc *doc,
	    const struct automation *a, const struct auto_values *vals,
	    const char **names, size_t n, struct job_spec *s,
	    const char *actor, int64_t *id, struct ops_err *err);
/* Add the automation, version, parameters (secrets "***"), and per run
 * its batch, skipped flag and steps, to the job object o. */
/* A job's parameter values as job show gives them, [{name, value,
 * secret}] with every secret's value "***" (approval show too). */
struct store_job_param_list;
json_t	*auto_params_json(const struct store_job_param_list *pl);
int	auto_job_show(struct ops_ctx *ctx, const struct store_job *j,
	    const struct store_run_list *rl, json_t *o, struct ops_err *err);
/* Rerun automation job j (1 when it is one; 0: an ad hoc job) on the
 * targets names (n), same version and values (secrets from the store). */
int	auto_job_rerun(struct ops_ctx *ctx, struct client *c,
	    const struct store_job *j, const char *const *names, size_t n,
	    int64_t *id, struct ops_err *err);

/* logs-stream.c: stored output in pieces (see core/proto.h, logs-data) */
/* 1 when the len bytes at p go as base64 (NUL or not UTF-8). */
int	logs_base64(const unsigned char *p, size_t len);
/* The next piece of p[0..len) from *off (moved on): at most
 * OPS_PROTO_LOGS_PIECE bytes, as a JSON string (caller owns; NULL when
 * out of memory). b64 from logs_base64 of the whole stream. */
json_t	*logs_piece(const unsigned char *p, size_t len, int b64,
	    size_t *off);
/* Queue r's stored stdout, then stderr, to c as job-output events. */
void	logs_replay(struct client *c, int64_t job, const struct store_run *r);
/* Answer the job-logs request msg with the stored output of the nruns
 * runs (ids in order) as a paced sequence; the reply is deferred. */
int	logs_stream_start(struct ops_ctx *ctx, struct client *c,
	    const json_t *msg, int64_t job, const int64_t *runs, size_t nruns,
	    struct ops_err *err);

/* schedules.c: schedules fire on the loop (the store's schedules
 * tables; see the file's head for the clocks and missed fire times) */
struct store_schedule;
int	schedules_init(struct ops_ctx *ctx, struct ops_err *err);
void	schedules_free(struct ops_ctx *ctx);
/* A schedule was added, removed, paused or resumed: look again now. */
void	schedules_changed(struct ops_ctx *ctx);
/* The wall clock schedules go by (with the testing offset). */
time_t	schedules_now(const struct ops_ctx *ctx);
/* The next fire time of s after `after` (0: none; at never repeats;
 * until respected). */
int	schedules_next(const struct store_schedule *s, time_t after,
	    time_t *next, struct ops_err *err);
/* "YYYY-MM-DD HH:MM" (date_only: also "YYYY-MM-DD", midnight) in zone tz
 * as unix time; OPS_E_INVAL when malformed or not a time there. */
int	schedules_parse_time(const char *text, const char *tz, int date_only,
	    time_t *out, struct ops_err *err);

#endif

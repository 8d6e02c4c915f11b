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

#include <time.h>

#include <jansson.h>

#include "cmd-table.h"
#include "config-file.h"
#include "error.h"
#include "evloop.h"
#include "keys.h"
#include "log.h"
#include "paths.h"
#include "proto.h"
#include "store.h"

struct server;

struct ops_ctx {
	struct ops_paths	 paths;
	struct ops_log		 log;
	struct keyring		*keys;		/* NULL while locked */
	struct store		*store;		/* NULL while locked */
	int			 lock_fd;	/* flock'd opsicled.lock */
	const char		*passphrase_file; /* -P, or NULL */
	struct evloop		*loop;
	struct server		*server;
	time_t			 started;	/* wall clock at start */
	struct ops_config	*config;	/* opsicle.conf; swapped on SIGHUP */
	unsigned		 failed_unlocks; /* since the last unlock */
	long long		 started_ms;	/* evloop_now_ms at start */
};

/* Connection limits. */
#define SERVER_MAX_CLIENTS	256
#define SERVER_MAX_PER_UID	64

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
	int			 closing;	/* drop once the queue is sent */
	struct client		*next;
};

/* A request handler: fills *result (may stay NULL) or returns an error. */
typedef int	handler_fn(struct ops_ctx *ctx, struct client *c, json_t *msg,
		    json_t **result, struct ops_err *err);

struct handler {
	enum proto_type	 type;
	handler_fn	*fn;
};

/* boot.c */
void	boot_harden(void);
int	boot_lock(struct ops_ctx *ctx, struct ops_err *err);
int	boot_write_pid(struct ops_ctx *ctx, struct ops_err *err);
int	boot_open_store(struct ops_ctx *ctx, struct ops_err *err);
/* Load opsicle.conf into ctx->config (replacing it only on success). */
int	boot_load_config(struct ops_ctx *ctx, struct ops_err *err);
/* Unwrap the keys with a passphrase and open the store. */
int	boot_unlock(struct ops_ctx *ctx, const struct secret *pass,
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
size_t	server_count_uid(const struct server *srv, uid_t uid);
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

/* acl.c */
enum cmd_role	acl_role_of(const struct ops_ctx *ctx, uid_t uid, gid_t gid);
int		acl_allows(enum cmd_role have, enum cmd_role need);

/* handlers-daemon.c: the handler table, indexed by message type */
const struct handler	*handler_find(enum proto_type type);
/* Every handler, for the command-table test; *n gets the count. */
const struct handler	*handler_table(size_t *n);
/* OPS_E_LOCKED while the store is locked. */
int			 handler_need_store(struct ops_ctx *ctx,
			    struct ops_err *err);

/* handlers-daemon.c */
handler_fn	handle_daemon_status, handle_daemon_stop;
/* handlers-targets.c */
handler_fn	handle_target_add, handle_target_list, handle_target_show,
		handle_target_edit, handle_target_rm;
/* handlers-creds.c */
handler_fn	handle_cred_add, handle_cred_list, handle_cred_rm;
/* handlers-lock.c: unlock, lock, passwd (each audits itself) */
handler_fn	handle_unlock, handle_lock, handle_passwd;
/* 1 when type may run while the store is locked. */
int		lock_allows(enum proto_type type);
/* handlers-import.c */
handler_fn	handle_target_import;
/* handlers-audit.c */
handler_fn	handle_audit_list, handle_audit_verify;
/* Append one audit record (actor from c); never fails the request. */
int		audit_record(struct ops_ctx *ctx, struct client *c,
		    const char *action, const char *object,
		    const char *result, struct ops_err *err);

#endif

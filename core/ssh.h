/*
 * ssh.h: the SSH execution engine (libssh2, non-blocking, one evloop).
 *
 * Contract: an engine runs one command on many targets at once, driven by
 * the caller's struct evloop (one thread, no thread per target), with at
 * most max_parallel targets in flight. Every target ends with exactly one
 * struct ssh_result: ok, or a distinct class (ssh_class_name) and a
 * message a human can act on. One bad target never stops the others.
 *
 * Host keys are strict: each target lists the keys it is known by. A
 * server key that matches none of them is refused, as "hostkey-unknown"
 * when the list is empty (unless accept_new: the key is then accepted
 * and reported in the result with hostkey_new set, so the caller can
 * store it) and always as "hostkey-changed" when the list is not empty.
 * The presented key (type + SHA256 fingerprint) is in every result that
 * got past the key exchange.
 *
 * Authentication material is borrowed per target (struct ssh_auth with
 * struct secret fields). A private key is parsed by core/sshkey.c (once
 * per auth when the caller passes it parsed, else once per connection)
 * and signs in libssh2's sign callback, so libssh2 never sees it: RSA
 * keys sign with rsa-sha2-512, then rsa-sha2-256, then ssh-rsa (SHA-1,
 * for servers older than OpenSSH 7.2), each offered as its own request
 * (libssh2 1.10 names the request's algorithm after the blob's type
 * string, which OpenSSH maps back to the RSA key). A key that does not
 * load, and a key the server refuses, are told apart in the result,
 * with the key's type, fingerprint and the algorithms tried. libssh2's
 * own allocations for a session go through an allocator that wipes
 * memory on free, so its copies of passwords are wiped too. Methods are
 * tried in this order: key, agent, password, keyboard-interactive. The
 * agent is only tried when asked for, at agent_path, or at the
 * process's own $SSH_AUTH_SOCK when agent_path is NULL; opsicle's own
 * agent client (sshagent.h) lists its keys and asks it to sign, with the
 * same algorithms per key as a key file (so an agent's RSA key signs
 * with rsa-sha2-512/256 too; libssh2 1.10's agent code asks for SHA-1).
 *
 * Sessions are pooled: after a clean run the session stays open (with
 * keepalives) and the next run on the same target (name, host, port, user
 * and credential object) reuses it
 * (counted in struct ssh_stats.reuses); a pooled session found dead is
 * replaced once, transparently; idle sessions close after idle_timeout_ms.
 *
 * Timeouts: a command (the exec kind) is wrapped so that the remote
 * shell reports its process group on stderr first (the report is not
 * output); when the run fails after that (its timeout, a broken
 * channel), a second channel on the same session sends the group TERM
 * and, after a 2 s grace, KILL, and the result's message says what
 * became of it (ssh-task-kill.c). Scripts are run the same way (the
 * group is ended before the temp file is removed). Under sudo the group
 * is reported from inside sudo (the command's own group, from
 * /proc/self/stat) and the kill runs under sudo as the same user, with
 * the password fed again on sudo's prompt (never in argv). A cancel
 * (ssh_batch_cancel) ends the group the same way, within a short bound.
 *
 * Scripts: with ssh_exec.script set, the script is uploaded over SFTP
 * (on the target's session, no thread) to a fresh file /tmp/.opsicle-<128
 * random bits, hex> created with O_EXCL semantics and mode 0700, run as
 * "[interpreter or command] PATH" (under sudo if asked), and removed
 * afterwards, also after a failure or timeout while the session lives.
 * Under sudo as a user other than root nothing is uploaded (that user
 * could not read the file): the script goes on the channel's stdin to a
 * shell under sudo that writes it to a mktemp file of its own, opens it
 * on fd 3, removes it and runs /dev/fd/3 (ssh-task-script.c); such a
 * run cannot have stdin data of its own (class sudo).
 *
 * sudo: the command becomes "sudo -S -p PROMPT -u USER -- sh -c 'echo
 * MARKER; COMMAND'" with a random PROMPT and MARKER. The password is
 * written to the channel only when sudo shows PROMPT (once: a second
 * prompt means it was refused, class "sudo"), never in argv, and the
 * command's stdin is held back until MARKER arrives, so a sudo that does
 * not ask never passes the password on to the command. What sudo prints
 * before MARKER is kept out of the output unless sudo fails.
 *
 * Transfers (ssh_batch_start_xfer): push copies one local file or buffer
 * to a remote path on every target; pull copies a remote file from every
 * target to LOCALDIR/<target name>/<remote base name>. Both write to a
 * temporary name in the destination directory, check the copy end to end
 * (push: the remote temp file is read back over SFTP and its SHA-256
 * compared with what was sent; pull: the bytes received are hashed, the
 * remote file must not change size or mtime while it is read, and the
 * local temp file is read back and compared), set the mode, and only then
 * rename it into place, so a failed copy never leaves a half file. A
 * remote destination that exists is replaced atomically (SFTP rename, or
 * "mv -f" on an exec channel when the server's rename refuses to
 * overwrite). Locally nothing is followed: the per-target directory is
 * opened O_NOFOLLOW, the temp file created O_EXCL|O_NOFOLLOW 0600, and
 * renameat replaces whatever name (a symlink included) was in the way.
 * Failures are class "sftp" with the remote path in the message.
 *
 * Targets, auth and the exec spec are borrowed and must outlive the
 * batch. Results belong to the batch (ssh_batch_free).
 */
#ifndef OPS_SSH_H
#define OPS_SSH_H

#include <stddef.h>

#include "error.h"
#include "evloop.h"
#include "hostkey.h"
#include "secret.h"

enum ssh_class {
	SSH_CLASS_OK = 0,
	SSH_CLASS_RESOLVE,		/* "resolve" */
	SSH_CLASS_REFUSED,		/* "connection-refused" */
	SSH_CLASS_CONNECT_TIMEOUT,	/* "connect-timeout" */
	SSH_CLASS_CONNECT,		/* "connect": other socket errors */
	SSH_CLASS_HANDSHAKE,		/* "handshake": SSH protocol failure */
	SSH_CLASS_HOSTKEY_UNKNOWN,	/* "hostkey-unknown" */
	SSH_CLASS_HOSTKEY_CHANGED,	/* "hostkey-changed" */
	SSH_CLASS_AUTH,			/* "auth" */
	SSH_CLASS_CHANNEL,		/* "channel" */
	SSH_CLASS_TIMEOUT,		/* "timeout": the command's deadline */
	SSH_CLASS_EXIT,			/* "exit": non-zero exit status */
	SSH_CLASS_SIGNAL,		/* "signal": killed by a signal */
	SSH_CLASS_INTERNAL,		/* "internal" */
	SSH_CLASS_SFTP,			/* "sftp": upload/transfer failed */
	SSH_CLASS_SUDO,			/* "sudo": become failed */
	SSH_CLASS_CANCELLED,		/* "cancelled": ssh_batch_cancel */
};

const char	*ssh_class_name(enum ssh_class cls);
/* Did a result of the class named cls get past authentication? 1 yes
 * (ok, channel, timeout, exit, signal, sftp, sudo), 0 no (resolve ...
 * auth: the target is unreachable), -1 for internal and unknown names. */
int		 ssh_class_reached(const char *cls);
/*
 * A run's error as the runner writes it, "class: message": the class into
 * cls (len bytes; "" when the error has no such prefix) and, when text is
 * not NULL, the message after the ": " (the whole error without a class).
 */
void		 ssh_error_class(const char *error, char *cls, size_t len,
		    const char **text);

struct net_connect_result;
/* A failed connect (net-connect.h; its status is res->status) to label
 * ("name (host:port)") as a class and a message a human can act on. */
void		 ssh_connect_failure(const struct net_connect_result *res,
		    const char *label, enum ssh_class *cls, char *msg,
		    size_t len);

struct sshkey;

struct ssh_auth {
	const char	*user;
	const struct sshkey *sshkey;	/* parsed private key (wins) */
	struct secret	*key;		/* private key text (OpenSSH/PEM) */
	struct secret	*passphrase;	/* for key, or NULL */
	struct secret	*password;	/* password and keyboard-interactive */
	int		 agent;		/* try ssh-agent */
	const char	*agent_path;	/* NULL: $SSH_AUTH_SOCK */
};

struct ssh_target {
	const char		*name;		/* e.g. "t17" */
	const char		*host;		/* name or address */
	unsigned		 port;		/* 0 means 22 */
	const struct ssh_auth	*auth;
	const struct hostkey	*known;		/* accepted host keys */
	size_t			 nknown;
	int			 accept_new;	/* TOFU, only on request */
	/* TCP + handshake + auth of a new session; 0: the engine's */
	int			 connect_timeout_ms;
};

enum ssh_stream {
	SSH_STDOUT = 1,
	SSH_STDERR = 2,
};

struct ssh_result;

/* Output as it arrives (before any cap), per target index. */
typedef void	ssh_output_cb(void *arg, size_t idx, const char *target,
		    enum ssh_stream stream, const unsigned char *buf,
		    size_t len);
/* Called once per target when its result is final. */
typedef void	ssh_done_cb(void *arg, size_t idx,
		    const struct ssh_result *r);

struct ssh_exec {
	const char		 *command;
	const char *const	 *env;		/* "NAME=value", NULL-ended */
	const unsigned char	 *stdin_data;
	size_t			  stdin_len;
	int			  timeout_ms;	/* 0: none */
	size_t			  output_cap;	/* per stream; 0: 1 MiB */
	/* become: run under "sudo -S -p ''", password fed on stdin */
	int			  sudo;
	const char		 *sudo_user;	/* NULL: root */
	struct secret		 *sudo_password; /* borrowed, may be NULL */
	/* upload-and-run: when script is set, command (may be NULL) or
	 * script_interpreter (wins) is a prefix: "PREFIX PATH" */
	const unsigned char	 *script;
	size_t			  script_len;
	const char		 *script_interpreter;
	ssh_output_cb		 *on_output;
	ssh_done_cb		 *on_done;
	void			 *arg;
};

struct ssh_buf {
	unsigned char	*data;
	size_t		 len;
	int		 truncated;	/* output beyond the cap was dropped */
	size_t		 total;		/* bytes received, kept or not */
};

struct ssh_result {
	const char	*target;	/* borrowed from the target */
	int		 ok;		/* ran and exited 0 */
	int		 status;	/* 0 or OPS_E_* */
	enum ssh_class	 cls;
	char		 msg[OPS_ERR_MSG_MAX];
	int		 exit_status;	/* -1 when none was reported */
	char		 exit_signal[32]; /* e.g. "TERM", or "" */
	struct ssh_buf	 out;
	struct ssh_buf	 err;
	struct hostkey	 hostkey;	/* the key the server presented */
	int		 hostkey_new;	/* accepted through accept_new */
	int		 reused;	/* ran on a pooled session */
	int		 sudo_nopass;	/* sudo asked, no password given */
	/* transfers */
	unsigned long long bytes;	/* file size copied */
	char		 sha256[65];	/* hex digest of what was copied */
	unsigned	 mode;		/* mode set on the copy */
};

struct ssh_engine_config {
	int	max_parallel;		/* default 64 */
	int	connect_timeout_ms;	/* TCP + handshake + auth; 15000 */
	int	max_opening;		/* sessions opened at once; 64 */
	int	pool;			/* keep sessions open; default 1 */
	int	idle_timeout_ms;	/* close idle sessions; 300000 */
	int	keepalive_s;		/* keepalive period; 30 */
};

struct ssh_stats {
	unsigned long	connects;	/* TCP connections started */
	unsigned long	handshakes;	/* SSH handshakes completed */
	unsigned long	reuses;		/* runs on a pooled session */
	unsigned long	reconnects;	/* dead pooled sessions replaced */
	unsigned long	idle_closed;	/* pooled sessions closed idle/dead */
	unsigned long	runs;		/* targets finished */
	unsigned long	pooled;		/* sessions idle in the pool now */
	unsigned long	active;		/* targets in flight now */
	unsigned long	opening;	/* sessions being opened now */
	unsigned long	opening_peak;	/* most sessions ever opening at once */
};

struct ssh_engine;
struct ssh_batch;

void	ssh_engine_config_init(struct ssh_engine_config *cfg);
/* cfg may be NULL for the defaults. The loop is borrowed. */
int	ssh_engine_new(struct evloop *loop,
	    const struct ssh_engine_config *cfg, struct ssh_engine **out,
	    struct ops_err *err);
/* Closes every session; batches must have been freed first. */
void	ssh_engine_free(struct ssh_engine *eng);
void	ssh_engine_stats(const struct ssh_engine *eng, struct ssh_stats *st);
/* Close every idle pooled session now. */
void	ssh_engine_close_idle(struct ssh_engine *eng);

/* Start x on n targets; progress happens as the loop runs. */
int	ssh_batch_start(struct ssh_engine *eng, const struct ssh_target *t,
	    size_t n, const struct ssh_exec *x, struct ssh_batch **out,
	    struct ops_err *err);
/* 1 when every target has a final result. */
int	ssh_batch_done(const struct ssh_batch *b);
size_t	ssh_batch_count(const struct ssh_batch *b);
/* Counts of ok and failed targets so far. */
void	ssh_batch_counts(const struct ssh_batch *b, size_t *nok,
	    size_t *nfail);
const struct ssh_result *ssh_batch_result(const struct ssh_batch *b,
	    size_t i);
/*
 * Cancel the unfinished targets of b (class "cancelled", the message
 * starting with why, e.g. "cancelled"): those not started finish at
 * once; running ones end their remote process group first (as after a
 * timeout; the message says what became of it), bounded to a few
 * seconds even on a target that no longer answers. Their results come
 * through on_done while the loop runs; the batch is done after that.
 * NULL ok.
 */
void	ssh_batch_cancel(struct ssh_batch *b, const char *why);
/* Unfinished targets are aborted (their sessions closed, no kill: use
 * ssh_batch_cancel first and wait). NULL ok. */
void	ssh_batch_free(struct ssh_batch *b);

enum ssh_xfer_dir {
	SSH_PUSH = 1,
	SSH_PULL = 2,
};

struct ssh_xfer {
	enum ssh_xfer_dir	 dir;
	/* push: the file to send (or data/len); pull: the directory that
	 * gets one subdirectory per target (created 0700) */
	const char		*local;
	const unsigned char	*data;
	size_t			 len;
	const char		*remote;	/* remote file path */
	/* pull: write into this open directory (borrowed; duplicated)
	 * instead of opening local, which then only names it */
	int			 has_ldirfd;
	int			 ldirfd;
	/* keep_mode: push the local file's mode / keep the remote mode
	 * on pull; else mode (0: 0644 on push, 0600 on pull). Only the
	 * permission bits (0777) are ever set. */
	int			 keep_mode;
	unsigned		 mode;
	int			 timeout_ms;	/* per target; 0: none */
	ssh_done_cb		*on_done;
	void			*arg;
};

/* Copy xf on n targets (same engine, pool and limits as a run). */
int	ssh_batch_start_xfer(struct ssh_engine *eng,
	    const struct ssh_target *t, size_t n, const struct ssh_xfer *xf,
	    struct ssh_batch **out, struct ops_err *err);
/* ssh_batch_start_xfer, then run the loop until the batch is done. */
int	ssh_engine_xfer(struct ssh_engine *eng, const struct ssh_target *t,
	    size_t n, const struct ssh_xfer *xf, struct ssh_batch **out,
	    struct ops_err *err);

/* ssh_batch_start, then run the loop until the batch is done. */
int	ssh_engine_run(struct ssh_engine *eng, const struct ssh_target *t,
	    size_t n, const struct ssh_exec *x, struct ssh_batch **out,
	    struct ops_err *err);

#endif

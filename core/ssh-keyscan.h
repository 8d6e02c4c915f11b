/*
 * ssh-keyscan.h: read the host keys servers present, without logging in.
 *
 * Contract: a scan connects to many targets at once on the caller's
 * struct evloop (non-blocking, at most max_parallel connections open),
 * runs the SSH key exchange, records the host key the server presented
 * (type, SHA256 fingerprint and the raw blob) and disconnects. No
 * authentication is attempted and nothing is trusted or stored: the
 * caller decides what to do with the keys. The same rules as the engine
 * (ssh.h) apply to the socket, through the same connector (net-connect.h:
 * names resolved off the loop, every address tried in turn), TCP_NODELAY
 * from the start, one deadline
 * (timeout_ms) for TCP connect plus key exchange, and failures classed as
 * SSH_CLASS_RESOLVE, _REFUSED, _CONNECT_TIMEOUT, _CONNECT or _HANDSHAKE
 * with a message that names the target and host:port.
 *
 * A target may restrict the host key algorithms offered (types, a
 * comma-separated libssh2 method list such as "ssh-ed25519" or
 * "rsa-sha2-512,rsa-sha2-256,ssh-rsa"), so that a server with several keys
 * presents the one of a type the caller already knows; NULL offers all.
 *
 * A result that got past the server's identification line carries that
 * line (banner: "SSH-2.0-OpenSSH_9.2p1 Debian-2", without the line end),
 * made printable ASCII (any other byte is '?') and cut at
 * SSH_KEYSCAN_BANNER_MAX - 1 bytes: remote bytes, safe to log or send,
 * still to be printed through the terminal filter like any remote text.
 *
 * Targets are copied by ssh_keyscan_start. done_cb (may be NULL) is called
 * once, from inside the loop, when every target has a result; it may free
 * the scan. Results belong to the scan.
 */
#ifndef OPS_SSH_KEYSCAN_H
#define OPS_SSH_KEYSCAN_H

#include <stddef.h>

#include "error.h"
#include "evloop.h"
#include "hostkey.h"
#include "ssh.h"

#define SSH_KEYSCAN_PARALLEL	64
#define SSH_KEYSCAN_TIMEOUT_MS	15000
#define SSH_KEYSCAN_BANNER_MAX	256

struct ssh_keyscan_target {
	const char	*name;		/* for messages */
	const char	*host;
	unsigned	 port;		/* 0 means 22 */
	const char	*types;		/* host key algorithms; NULL: all */
};

struct ssh_keyscan_result {
	const char	*target;	/* the scan's copy of the name */
	int		 ok;		/* a key was read */
	int		 status;	/* 0 or OPS_E_* */
	enum ssh_class	 cls;
	char		 msg[OPS_ERR_MSG_MAX];
	struct hostkey	 hk;		/* when ok */
	unsigned char	*blob;		/* when ok: the raw key */
	size_t		 blob_len;
	char		 banner[SSH_KEYSCAN_BANNER_MAX];	/* "" if none */
};

struct ssh_keyscan;

typedef void	ssh_keyscan_done_cb(struct ssh_keyscan *ks, void *arg);

/* timeout_ms and max_parallel: 0 for the defaults above. */
int	ssh_keyscan_start(struct evloop *loop,
	    const struct ssh_keyscan_target *t, size_t n, int timeout_ms,
	    int max_parallel, ssh_keyscan_done_cb *done_cb, void *arg,
	    struct ssh_keyscan **out, struct ops_err *err);
/* 1 when every target has a result. */
int	ssh_keyscan_done(const struct ssh_keyscan *ks);
size_t	ssh_keyscan_count(const struct ssh_keyscan *ks);
const struct ssh_keyscan_result *ssh_keyscan_result(
	    const struct ssh_keyscan *ks, size_t i);
/* Connections still open are closed. NULL ok. */
void	ssh_keyscan_free(struct ssh_keyscan *ks);

/* Start, then run the loop until the scan is done. */
int	ssh_keyscan_run(struct evloop *loop,
	    const struct ssh_keyscan_target *t, size_t n, int timeout_ms,
	    struct ssh_keyscan **out, struct ops_err *err);

#endif

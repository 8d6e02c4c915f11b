/*
 * server.c: opsicled's listening socket. The socket sits in the 0700 run
 * directory, is bound under umask 0177 (so it is born 0600) and accepts
 * non-blocking connections, reading each peer's uid with SO_PEERCRED.
 * With socket-group set, the socket is 0660 and the directory 0710, both
 * owned by that group, so its members can connect (the ACL decides what
 * they may do); a directory left 0710 by such a start is closed to 0700
 * again when the key is gone. A connection that sends and receives
 * nothing for client-timeout seconds (also one stalled in the middle of
 * a frame) is closed, unless it waits for something the daemon owes it:
 * events it subscribed to, "job logs --follow", or a deferred reply. Who
 * is admitted, and how much memory a peer may hold, is server-limits.c;
 * a connection past message-timeout is closed here. One spare descriptor
 * lets a full descriptor table still refuse a peer cleanly.
 */
#include "config.h"

#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>

#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "daemon.h"

/* How often silent connections are looked for. */
#define SERVER_IDLE_CHECK_MS	1000

struct server {
	struct ops_ctx	*ctx;
	int		 fd;
	int		 reserve_fd;	/* /dev/null, given up on EMFILE */
	struct client	*clients;
	size_t		 nclients;
	struct limits	*limits;	/* server-limits.c */
	int		 stopping;
	long long	 idle_timer;	/* evloop timer id, -1: none */
};

static void
server_reserve(struct server *srv)
{
	if (srv->reserve_fd == -1)
		srv->reserve_fd = open("/dev/null", O_RDONLY | O_CLOEXEC);
}

/* Out of descriptors: use the spare one to accept and drop a peer. */
static void
server_shed(struct server *srv)
{
	int	fd;

	if (srv->reserve_fd == -1)
		return;
	close(srv->reserve_fd);
	srv->reserve_fd = -1;
	if ((fd = accept(srv->fd, NULL, NULL)) != -1)
		close(fd);
	server_reserve(srv);
	log_warnx(&srv->ctx->log, "out of file descriptors: refused a "
	    "connection");
}

static void
server_accept(struct evloop *loop, int fd, void *arg, int mask)
{
	struct server	*srv = arg;
	struct client	*c;
	struct ops_err	 err;
	int		 cfd;

	(void)loop;
	(void)fd;
	(void)mask;
	cfd = accept4(srv->fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
	if (cfd == -1) {
		if (errno == EMFILE || errno == ENFILE)
			server_shed(srv);
		else if (errno != EAGAIN && errno != EINTR &&
		    errno != ECONNABORTED)
			log_warn(&srv->ctx->log, "accept on %s",
			    srv->ctx->paths.socket);
		return;
	}
	if (srv->stopping) {
		close(cfd);
		return;
	}
	if (client_new(srv, cfd, &c, &err) != OPS_OK) {
		log_warnx(&srv->ctx->log, "%s", ops_err_msg(&err));
		close(cfd);
		return;
	}
	/* Refused peers get the reason and hold nothing: not even a slot. */
	if (limits_admit(srv->limits, c, srv->nclients, &err) != OPS_OK) {
		log_info(&srv->ctx->log, "refused %s", ops_err_msg(&err));
		client_send_error(c, 0, err.code, ops_err_msg(&err));
		client_free(c);
		return;
	}
	c->next = srv->clients;
	srv->clients = c;
	srv->nclients++;
}

/* socket-group: a group name or number; *gid stays -1 when unset. */
static int
server_group(struct ops_ctx *ctx, gid_t *gid, struct ops_err *err)
{
	const char	*name = config_str(ctx->config, "socket-group");
	struct group	 gr, *grp = NULL;
	char		 buf[4096], *end;
	unsigned long	 n;

	*gid = (gid_t)-1;
	if (name == NULL || *name == '\0')
		return OPS_OK;
	if (getgrnam_r(name, &gr, buf, sizeof(buf), &grp) == 0 &&
	    grp != NULL) {
		*gid = grp->gr_gid;
		return OPS_OK;
	}
	errno = 0;
	n = strtoul(name, &end, 10);
	if (*end == '\0' && errno == 0 && n < (unsigned long)(gid_t)-1) {
		*gid = (gid_t)n;
		return OPS_OK;
	}
	return ops_err_set(err, OPS_E_INVAL, "socket-group %s: no such group",
	    name);
}

/* Give the run directory to the socket group (0710), or take it back. */
static int
server_rundir(struct ops_ctx *ctx, gid_t gid, struct ops_err *err)
{
	const char	*dir = ctx->paths.run_dir;
	struct stat	 st;

	if (stat(dir, &st) == -1)
		return ops_err_errno(err, OPS_E_IO, "stat run directory %s",
		    dir);
	if (st.st_uid != geteuid())
		return ops_err_set(err, OPS_E_PERM, "run directory %s must "
		    "be owned by uid %ld", dir, (long)geteuid());
	if (gid != (gid_t)-1) {
		if ((st.st_gid != gid && chown(dir, (uid_t)-1, gid) == -1) ||
		    chmod(dir, 0710) == -1)
			return ops_err_errno(err, OPS_E_IO, "give run "
			    "directory %s to group %ld (socket-group)", dir,
			    (long)gid);
		return OPS_OK;
	}
	if ((st.st_mode & 0777) == 0710 && chmod(dir, 0700) == -1)
		return ops_err_errno(err, OPS_E_IO, "chmod 0700 %s", dir);
	if ((st.st_mode & 0777) != 0710 && (st.st_mode & 077) != 0)
		return ops_err_set(err, OPS_E_PERM, "run directory %s must "
		    "be mode 0700 (is %03o)", dir,
		    (unsigned)(st.st_mode & 0777));
	return OPS_OK;
}

/* Close connections silent for longer than client-timeout, and those
 * past message-timeout (server-limits.c). */
static long long
server_idle(struct evloop *loop, long long id, void *arg)
{
	struct server	*srv = arg;
	struct client	*c, *next;
	const char	*why;
	char		 msg[128];
	long long	 limit, deadline, now = evloop_now_ms();

	(void)loop;
	(void)id;
	limit = config_num(srv->ctx->config, "client-timeout") * 1000;
	deadline = config_num(srv->ctx->config, "message-timeout") * 1000;
	for (c = srv->clients; c != NULL; c = next) {
		next = c->next;
		if (limit > 0 && !c->closing && c->ev_streams == 0 &&
		    c->follow_id == 0 && c->defers == NULL &&
		    now - c->active_ms >= limit) {
			log_info(&srv->ctx->log, "closing %s: silent for %lld "
			    "s%s", c->actor, limit / 1000,
			    proto_reader_pending(&c->rd) > 0 ?
			    " in the middle of a message" : "");
			server_remove_client(srv, c);
			continue;
		}
		if ((why = limits_overdue(c, now, deadline)) == NULL)
			continue;
		if (*why != '\0') {
			snprintf(msg, sizeof(msg), "%s within %lld s "
			    "(message-timeout)", why, deadline / 1000);
			log_info(&srv->ctx->log, "closing %s: %s", c->actor,
			    msg);
			if (!c->closing)
				client_send_error(c, 0, OPS_E_TIMEOUT, msg);
		}
		server_remove_client(srv, c);
	}
	return SERVER_IDLE_CHECK_MS;
}

int
server_start(struct ops_ctx *ctx, struct ops_err *err)
{
	struct server		*srv;
	struct sockaddr_un	 sa;
	mode_t			 old;
	gid_t			 gid;
	int			 fd = -1, rc;

	ctx->server = NULL;
	memset(&sa, 0, sizeof(sa));
	sa.sun_family = AF_UNIX;
	if (strlen(ctx->paths.socket) >= sizeof(sa.sun_path))
		return ops_err_set(err, OPS_E_TOOBIG, "socket path %s is "
		    "longer than %zu bytes", ctx->paths.socket,
		    sizeof(sa.sun_path) - 1);
	memcpy(sa.sun_path, ctx->paths.socket, strlen(ctx->paths.socket));
	if ((rc = server_group(ctx, &gid, err)) != OPS_OK ||
	    (rc = server_rundir(ctx, gid, err)) != OPS_OK)
		return rc;
	/* We hold opsicled.lock, so a socket left here is stale. */
	if (unlink(ctx->paths.socket) == -1 && errno != ENOENT)
		return ops_err_errno(err, OPS_E_IO, "remove stale socket %s",
		    ctx->paths.socket);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd == -1)
		return ops_err_errno(err, OPS_E_IO, "socket");
	old = umask(0177);
	rc = bind(fd, (struct sockaddr *)&sa, sizeof(sa));
	umask(old);
	if (rc == -1) {
		rc = ops_err_errno(err, OPS_E_IO, "bind %s",
		    ctx->paths.socket);
		close(fd);
		return rc;
	}
	if (gid != (gid_t)-1 && (chown(ctx->paths.socket, (uid_t)-1,
	    gid) == -1 || chmod(ctx->paths.socket, 0660) == -1)) {
		rc = ops_err_errno(err, OPS_E_IO, "give socket %s to group "
		    "%ld (socket-group)", ctx->paths.socket, (long)gid);
		close(fd);
		return rc;
	}
	if (listen(fd, 64) == -1) {
		rc = ops_err_errno(err, OPS_E_IO, "listen on %s",
		    ctx->paths.socket);
		close(fd);
		return rc;
	}
	if ((srv = calloc(1, sizeof(*srv))) == NULL) {
		close(fd);
		return ops_err_set(err, OPS_E_NOMEM, "allocate server");
	}
	if ((srv->limits = limits_new()) == NULL) {
		free(srv);
		close(fd);
		return ops_err_set(err, OPS_E_NOMEM, "allocate server");
	}
	srv->ctx = ctx;
	srv->fd = fd;
	srv->reserve_fd = -1;
	srv->idle_timer = -1;
	server_reserve(srv);
	if ((rc = evloop_file_add(ctx->loop, fd, EVLOOP_READ, server_accept,
	    srv, err)) != OPS_OK || (rc = evloop_timer_add(ctx->loop,
	    SERVER_IDLE_CHECK_MS, server_idle, srv, &srv->idle_timer,
	    err)) != OPS_OK) {
		evloop_file_del(ctx->loop, fd, EVLOOP_READ);
		close(fd);
		if (srv->reserve_fd != -1)
			close(srv->reserve_fd);
		limits_free(srv->limits);
		free(srv);
		return rc;
	}
	ctx->server = srv;
	log_info(&ctx->log, "listening on %s", ctx->paths.socket);
	return OPS_OK;
}

void
server_remove_client(struct server *srv, struct client *c)
{
	struct client	**pp;

	for (pp = &srv->clients; *pp != NULL; pp = &(*pp)->next) {
		if (*pp == c) {
			*pp = c->next;
			srv->nclients--;
			break;
		}
	}
	client_free(c);
	if (srv->stopping && srv->clients == NULL)
		evloop_stop(srv->ctx->loop);
}

struct client *
server_clients(const struct server *srv)
{
	return srv != NULL ? srv->clients : NULL;
}

struct ops_ctx *
server_ctx(const struct server *srv)
{
	return srv->ctx;
}

/*
 * Stop accepting; the loop ends once every client has been answered
 * (clients drop when their queue is sent; idle ones are closed now).
 */
void
server_shutdown(struct ops_ctx *ctx)
{
	struct server	*srv = ctx->server;
	struct client	*c, *next;

	if (srv == NULL || srv->stopping)
		return;
	srv->stopping = 1;
	evloop_file_del(ctx->loop, srv->fd, EVLOOP_READ);
	for (c = srv->clients; c != NULL; c = next) {
		next = c->next;
		if (proto_writer_pending(&c->wr) == 0)
			server_remove_client(srv, c);
		else
			c->closing = 1;
	}
	if (srv->clients == NULL)
		evloop_stop(ctx->loop);
}

int
server_stopping(const struct ops_ctx *ctx)
{
	return ctx->server != NULL && ctx->server->stopping;
}

void
server_stop(struct ops_ctx *ctx)
{
	struct server	*srv = ctx->server;
	struct client	*c;

	if (srv == NULL)
		return;
	while ((c = srv->clients) != NULL) {
		srv->clients = c->next;
		client_free(c);
	}
	evloop_file_del(ctx->loop, srv->fd, EVLOOP_READ | EVLOOP_WRITE);
	if (srv->idle_timer != -1)
		(void)evloop_timer_del(ctx->loop, srv->idle_timer);
	close(srv->fd);
	(void)unlink(ctx->paths.socket);
	if (srv->reserve_fd != -1)
		close(srv->reserve_fd);
	limits_free(srv->limits);
	free(srv);
	ctx->server = NULL;
}

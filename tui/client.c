/*
 * client.c: connect to opsicled, starting it when nobody answers (the
 * tmux client_connect shape). Connect first; on ENOENT or ECONNREFUSED
 * take an flock on opsicle-client.lock in the run directory, retry once
 * (another client may have started the daemon meanwhile), then spawn
 * opsicled ($OPSICLE_DAEMON, else the opsicled beside this binary, else
 * from $PATH) and wait for its socket up to a deadline. Errors name the
 * socket path that was tried.
 */
#include "config.h"

#include <sys/file.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "tui.h"

#define START_DEADLINE_MS	15000

static int
try_connect(const char *path, int *fdp)
{
	struct sockaddr_un	sa;
	int			fd;

	*fdp = -1;
	memset(&sa, 0, sizeof(sa));
	sa.sun_family = AF_UNIX;
	if (strlen(path) >= sizeof(sa.sun_path)) {
		errno = ENAMETOOLONG;
		return -1;
	}
	memcpy(sa.sun_path, path, strlen(path));
	if ((fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0)) == -1)
		return -1;
	if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) == -1) {
		int	save = errno;

		close(fd);
		errno = save;
		return -1;
	}
	*fdp = fd;
	return 0;
}

static void
daemon_path(char *buf, size_t len)
{
	const char	*env = getenv("OPSICLE_DAEMON");
	char		 self[PATH_MAX], *slash;
	ssize_t		 n;

	if (env != NULL && *env != '\0') {
		snprintf(buf, len, "%s", env);
		return;
	}
	n = readlink("/proc/self/exe", self, sizeof(self) - 1);
	if (n > 0) {
		self[n] = '\0';
		if ((slash = strrchr(self, '/')) != NULL) {
			*slash = '\0';
			if (snprintf(buf, len, "%s/%s", self, "opsicled") <
			    (int)len && access(buf, X_OK) == 0)
				return;
		}
	}
	snprintf(buf, len, "opsicled");
}

/* Run opsicled; it returns once its socket listens (or says why not). */
static int
spawn_daemon(struct ops_err *err)
{
	char	path[PATH_MAX];
	pid_t	pid;
	int	status, fd;

	daemon_path(path, sizeof(path));
	switch ((pid = fork())) {
	case -1:
		return ops_err_errno(err, OPS_E_IO, "fork to start %s", path);
	case 0:
		if ((fd = open("/dev/null", O_RDWR)) != -1) {
			(void)dup2(fd, STDIN_FILENO);
			(void)dup2(fd, STDOUT_FILENO);
			if (fd > STDERR_FILENO)
				close(fd);
		}
		if (strchr(path, '/') != NULL)
			execl(path, "opsicled", (char *)NULL);
		else
			execlp(path, "opsicled", (char *)NULL);
		fprintf(stderr, "opsicle: start %s: %s\n", path,
		    strerror(errno));
		_exit(127);
	}
	while (waitpid(pid, &status, 0) == -1) {
		if (errno != EINTR)
			return ops_err_errno(err, OPS_E_IO, "wait for %s",
			    path);
	}
	if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
		return ops_err_set(err, OPS_E_CONNECT, "%s failed to start "
		    "(status %d)", path, WIFEXITED(status) ?
		    WEXITSTATUS(status) : 128 + WTERMSIG(status));
	return OPS_OK;
}

static int
connect_or_start(struct cli_conn *c, int may_start, struct ops_err *err)
{
	char		 lock[PATH_MAX];
	long long	 deadline;
	int		 lfd = -1, rc, save;
	struct timespec	 ts = { 0, 50 * 1000 * 1000 };

	if (try_connect(c->paths.socket, &c->fd) == 0)
		return OPS_OK;
	save = errno;
	if (!may_start || (save != ENOENT && save != ECONNREFUSED)) {
		errno = save;
		return ops_err_errno(err, OPS_E_CONNECT, "connect to "
		    "opsicled at %s%s", c->paths.socket, may_start ? "" :
		    " (--no-start: not starting one)");
	}
	if ((rc = ops_paths_mkdirs(&c->paths, err)) != OPS_OK)
		return rc;
	if (snprintf(lock, sizeof(lock), "%s/opsicle-client.lock",
	    c->paths.run_dir) >= (int)sizeof(lock))
		return ops_err_set(err, OPS_E_TOOBIG, "client lock path too "
		    "long");
	if ((lfd = open(lock, O_RDWR | O_CREAT | O_CLOEXEC, 0600)) == -1)
		return ops_err_errno(err, OPS_E_IO, "open %s", lock);
	while (flock(lfd, LOCK_EX) == -1) {
		if (errno != EINTR) {
			rc = ops_err_errno(err, OPS_E_IO, "lock %s", lock);
			goto out;
		}
	}
	/* Someone else may have started it while we waited. */
	if (try_connect(c->paths.socket, &c->fd) == 0) {
		rc = OPS_OK;
		goto out;
	}
	if ((rc = spawn_daemon(err)) != OPS_OK)
		goto out;
	deadline = (long long)time(NULL) * 1000 + START_DEADLINE_MS;
	for (;;) {
		if (try_connect(c->paths.socket, &c->fd) == 0) {
			rc = OPS_OK;
			break;
		}
		if ((long long)time(NULL) * 1000 > deadline) {
			rc = ops_err_errno(err, OPS_E_TIMEOUT, "started "
			    "opsicled but cannot connect to %s",
			    c->paths.socket);
			break;
		}
		nanosleep(&ts, NULL);
	}
out:
	close(lfd);
	return rc;
}

/* Write everything queued (the socket is blocking). */
static int
client_flush(struct cli_conn *c, struct ops_err *err)
{
	int	rc;

	while (proto_writer_pending(&c->wr) > 0) {
		if ((rc = proto_writer_flush(&c->wr, c->fd, err)) != OPS_OK)
			return rc;
	}
	return OPS_OK;
}

/* The next reply (events are skipped). */
static int
client_read(struct cli_conn *c, json_t **msg, enum proto_type *type,
    struct ops_err *err)
{
	int	rc, eof = 0;

	*msg = NULL;
	for (;;) {
		if ((rc = proto_reader_next(&c->rd, msg, type, err)) != OPS_OK)
			return rc;
		if (*msg != NULL) {
			if (proto_type_flags(*type) & PROTO_F_EVENT) {
				json_decref(*msg);
				*msg = NULL;
				continue;
			}
			return OPS_OK;
		}
		if (eof)
			return ops_err_set(err, OPS_E_CONNECT, "opsicled at "
			    "%s closed the connection", c->paths.socket);
		if ((rc = proto_reader_fill(&c->rd, c->fd, &eof,
		    err)) != OPS_OK)
			return rc;
	}
}

int
client_request(struct cli_conn *c, json_t *msg, json_t **result,
    struct ops_err *err)
{
	enum proto_type	 type;
	json_t		*reply = NULL, *r;
	struct ops_err	 werr;
	const char	*text = NULL;
	long long	 code = OPS_E_INTERNAL;
	int		 rc, wrc;

	*result = NULL;
	c->refused = 0;
	json_object_set_new(msg, "id", json_integer(c->next_id++));
	if ((rc = proto_writer_queue(&c->wr, msg, err)) != OPS_OK)
		return rc;
	/* On a failed write the daemon may still have said why. */
	wrc = client_flush(c, &werr);
	if ((rc = client_read(c, &reply, &type, err)) != OPS_OK) {
		if (wrc != OPS_OK && err != NULL)
			*err = werr;
		return wrc != OPS_OK ? wrc : rc;
	}
	if (type == PROTO_ERROR) {
		(void)proto_get_int(reply, "code", -1000, 0, &code, NULL);
		(void)proto_get_str(reply, "message", &text,
		    OPS_PROTO_MAX_FRAME, NULL);
		c->refused = 1;
		rc = ops_err_set(err, code < 0 ? (int)code : OPS_E_INTERNAL,
		    "%s", text != NULL ? text : "error");
		json_decref(reply);
		return rc;
	}
	if ((r = json_object_get(reply, "result")) != NULL)
		*result = json_incref(r);
	json_decref(reply);
	return OPS_OK;
}

int
client_send_msg_fd(struct cli_conn *c, json_t *msg, int fd, long long *id,
    struct ops_err *err)
{
	int	rc;

	if (id != NULL)
		*id = c->next_id;
	json_object_set_new(msg, "id", json_integer(c->next_id++));
	/* the queue is empty (every send flushes): fd goes with msg */
	if ((rc = proto_writer_queue(&c->wr, msg, err)) != OPS_OK)
		return rc;
	if (fd >= 0)
		proto_writer_attach_fd(&c->wr, fd);
	return client_flush(c, err);
}

int
client_send_msg(struct cli_conn *c, json_t *msg, long long *id,
    struct ops_err *err)
{
	return client_send_msg_fd(c, msg, -1, id, err);
}

int
client_recv(struct cli_conn *c, json_t **msg, enum proto_type *type,
    struct ops_err *err)
{
	int	rc, eof = 0;

	*msg = NULL;
	for (;;) {
		if ((rc = proto_reader_next(&c->rd, msg, type, err)) != OPS_OK)
			return rc;
		if (*msg != NULL)
			return OPS_OK;
		if (eof)
			return ops_err_set(err, OPS_E_CONNECT, "opsicled at "
			    "%s closed the connection", c->paths.socket);
		if ((rc = proto_reader_fill(&c->rd, c->fd, &eof,
		    err)) != OPS_OK)
			return rc;
	}
}

int
client_open(struct cli_conn *c, int may_start, struct ops_err *err)
{
	return client_open_as(c, may_start, "opsicle", err);
}

int
client_open_as(struct cli_conn *c, int may_start, const char *name,
    struct ops_err *err)
{
	char		 client[64];
	json_t		*hello, *r = NULL;
	int		 rc;

	memset(c, 0, sizeof(*c));
	c->fd = -1;
	c->next_id = 1;
	proto_reader_init(&c->rd, PROTO_ACCEPT_CLIENT);
	proto_writer_init(&c->wr, 0);
	if ((rc = ops_paths_resolve(&c->paths, err)) != OPS_OK ||
	    (rc = connect_or_start(c, may_start, err)) != OPS_OK)
		return rc;
	if ((hello = proto_msg_new(PROTO_HELLO, 0)) == NULL)
		return ops_err_set(err, OPS_E_NOMEM, "build hello");
	snprintf(client, sizeof(client), "%s %s", name, PACKAGE_VERSION);
	(void)proto_add_str(hello, "client", client, NULL);
	(void)proto_add_int(hello, "pid", (long long)getpid(), NULL);
	/* Any reply to hello is hello-reply or an error. */
	rc = client_request(c, hello, &r, err);
	json_decref(hello);
	json_decref(r);
	return rc;
}

void
client_close(struct cli_conn *c)
{
	if (c->fd != -1)
		close(c->fd);
	c->fd = -1;
	proto_reader_done(&c->rd);
	proto_writer_done(&c->wr);
}

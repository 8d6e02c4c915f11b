/*
 * handlers-xfer.c: "push" and "pull", the engine's checked transfers as
 * jobs (jobs-xfer.c runs them). The daemon may serve several uids
 * (acl.c), so it never opens a client's path with its own privileges:
 * the client opens LOCAL (push: a regular file, read here through the
 * descriptor) or LOCALDIR (pull: a directory) itself and passes the
 * descriptor with the request (SCM_RIGHTS, core/proto.h). A pull then
 * writes LOCALDIR/TARGET/BASENAME through that descriptor, never
 * following a symlink (the engine: openat O_NOFOLLOW, O_EXCL temp files,
 * renameat), and only for a client of the daemon's own uid: creating
 * files needs the writer's own rights, which for another uid would be
 * the daemon's, not the client's.
 */
#include "config.h"

#include <sys/stat.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <sodium.h>

#include "daemon.h"
#include "ssh.h"
#include "store.h"
#include "xmalloc.h"

handler_fn	handle_push, handle_pull;

#define PATH_MAX_LEN	4096
#define PUSH_MAX	(256LL * 1024 * 1024)	/* bytes one push sends */
#define TIMEOUT_MAX	(7 * 24 * 3600)		/* seconds, as run */
#define FORKS_MAX	4096

/* The whole regular file fd (closed), into *data. */
static int
read_pushed(int fd, const char *name, unsigned char **data, size_t *len,
    struct ops_err *err)
{
	struct stat	 st;
	unsigned char	*d;
	size_t		 off = 0;
	ssize_t		 n;

	*data = NULL;
	*len = 0;
	if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
		close(fd);
		return ops_err_set(err, OPS_E_INVAL, "push %s: not a regular "
		    "file", name);
	}
	if (st.st_size > PUSH_MAX) {
		close(fd);
		return ops_err_set(err, OPS_E_TOOBIG, "push %s: %lld bytes; "
		    "at most %lld", name, (long long)st.st_size, PUSH_MAX);
	}
	d = xmalloc(st.st_size > 0 ? (size_t)st.st_size : 1);
	while (off < (size_t)st.st_size) {
		n = pread(fd, d + off, (size_t)st.st_size - off, (off_t)off);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			sodium_memzero(d, off);
			free(d);
			close(fd);
			return ops_err_set(err, OPS_E_IO, "push %s: read: %s",
			    name, n < 0 ? strerror(errno) : "it shrank");
		}
		off += (size_t)n;
	}
	close(fd);
	*data = d;
	*len = off;
	return OPS_OK;
}

/* Both: targets, paths, limits, then the job; dir SSH_PUSH or SSH_PULL. */
static int
handle_xfer(struct ops_ctx *ctx, struct client *c, json_t *msg, int dir,
    json_t **result, struct ops_err *err)
{
	const char	*what = dir == SSH_PUSH ? "push" : "pull";
	struct job_spec	 s;
	struct store_target_list l = { NULL, 0 };
	const char	**sel = NULL, **excl = NULL, **names = NULL;
	const char	*local, *remote;
	long long	 timeout = 0, forks = 0, mode = 0;
	size_t		 nsel = 0, nexcl = 0, n = 0, i;
	int64_t		 id;
	int		 rc, follow = 0, fd = proto_reader_take_fd(&c->rd);
	struct stat	 st;
	char		*desc = NULL;
	json_t		*a;

	memset(&s, 0, sizeof(s));
	s.xfer_dirfd = -1;
	if ((rc = proto_get_str(msg, "local", &local, PATH_MAX_LEN,
	    err)) != OPS_OK || (rc = proto_get_str(msg, "remote", &remote,
	    PATH_MAX_LEN, err)) != OPS_OK)
		goto out;
	if (fd < 0) {
		rc = ops_err_set(err, OPS_E_INVAL, "%s: no open %s came with "
		    "the request (the client opens %s itself)", what,
		    dir == SSH_PUSH ? "file" : "directory", local);
		goto out;
	}
	if (remote[0] == '\0' || remote[strlen(remote) - 1] == '/') {
		rc = ops_err_set(err, OPS_E_INVAL, "%s: the remote path must "
		    "name a file", what);
		goto out;
	}
	if ((proto_has(msg, "timeout") && (rc = proto_get_int(msg,
	    "timeout", 1, TIMEOUT_MAX, &timeout, err)) != OPS_OK) ||
	    (proto_has(msg, "forks") && (rc = proto_get_int(msg, "forks", 1,
	    FORKS_MAX, &forks, err)) != OPS_OK) ||
	    (proto_has(msg, "mode") && (rc = proto_get_int(msg, "mode", 0,
	    0777, &mode, err)) != OPS_OK) ||
	    (proto_has(msg, "follow") && (rc = proto_get_bool(msg, "follow",
	    &follow, err)) != OPS_OK))
		goto out;
	if ((rc = proto_get_str_array(msg, "selectors", OPS_PROTO_MAX_ITEMS,
	    OPS_PROTO_MAX_NAME, &sel, &nsel, err)) != OPS_OK ||
	    (proto_has(msg, "exclude") && (rc = proto_get_str_array(msg,
	    "exclude", OPS_PROTO_MAX_ITEMS, OPS_PROTO_MAX_NAME, &excl, &nexcl,
	    err)) != OPS_OK))
		goto out;
	if (nsel == 0 && nexcl == 0) {
		rc = ops_err_set(err, OPS_E_INVAL, "%s: no targets selected",
		    what);
		goto out;
	}
	if ((rc = jobs_resolve_targets(ctx, sel, nsel, excl, nexcl, &l,
	    &names, &n, err)) != OPS_OK)
		goto out;
	if (dir == SSH_PULL) {
		if (c->uid != geteuid()) {
			rc = ops_err_set(err, OPS_E_PERM, "pull: opsicled "
			    "runs as uid %u and would write %s with its own "
			    "rights, not yours (uid %u): pull with a daemon of "
			    "your own", (unsigned)geteuid(), local,
			    (unsigned)c->uid);
			goto out;
		}
		if (fstat(fd, &st) != 0 || !S_ISDIR(st.st_mode)) {
			rc = ops_err_set(err, OPS_E_INVAL, "pull: %s is not a "
			    "directory", local);
			goto out;
		}
		s.xfer_dirfd = fd;
	} else {
		rc = read_pushed(fd, local, &s.xfer_data, &s.xfer_len, err);
		if (rc != OPS_OK) {
			fd = -1;	/* closed */
			goto out;
		}
		close(fd);
	}
	fd = -1;		/* the spec holds it now */
	desc = xasprintf("%s%s %s %s %s", JOB_XFER_TAG, what, local,
	    dir == SSH_PUSH ? "->" : "<-", remote);
	s.command = desc;
	s.targets = names;
	s.ntargets = n;
	s.timeout_ms = (int)timeout * 1000;
	s.forks = (int)forks;
	s.xfer_dir = dir;
	s.xfer_local = local;
	s.xfer_remote = remote;
	s.xfer_mode = (unsigned)mode;
	/* runner_submit takes the data and the directory */
	s.requester_uid = c->uid;
	s.requester_gid = c->gid;
	rc = runner_submit(ctx, &s, c->actor, &id, err);
	s.xfer_data = NULL;
	s.xfer_dirfd = -1;
	if (rc != OPS_OK)
		goto out;
	a = json_array();
	for (i = 0; i < n; i++)
		json_array_append_new(a, json_string(names[i]));
	if ((*result = json_pack("{s:I, s:o}", "job", (json_int_t)id,
	    "targets", a)) == NULL) {
		rc = ops_err_set(err, OPS_E_NOMEM, "build %s reply", what);
		goto out;
	}
	if (follow)
		events_client_follow(c, id);
out:
	if (fd >= 0)
		close(fd);
	if (s.xfer_dirfd >= 0)
		close(s.xfer_dirfd);
	if (s.xfer_data != NULL) {
		sodium_memzero(s.xfer_data, s.xfer_len);
		free(s.xfer_data);
	}
	free(desc);
	free(sel);
	free(excl);
	free(names);
	store_target_list_free(&l);
	return rc;
}

int
handle_push(struct ops_ctx *ctx, struct client *c, json_t *msg,
    json_t **result, struct ops_err *err)
{
	return handle_xfer(ctx, c, msg, SSH_PUSH, result, err);
}

int
handle_pull(struct ops_ctx *ctx, struct client *c, json_t *msg,
    json_t **result, struct ops_err *err)
{
	return handle_xfer(ctx, c, msg, SSH_PULL, result, err);
}

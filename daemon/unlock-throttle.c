/* unlock-throttle.c: failed unlocks per uid, growing delays, persisted (unlock.h). */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "daemon.h"
#include "unlock.h"

#define FAIL_FILE	"unlock-failures"
#define FAIL_MAX	256	/* uids remembered */

struct unlock_fail {
	uid_t		uid;
	unsigned	count;
	long long	last;		/* wall clock of the last failure */
};

struct unlock_fails {
	struct unlock_fail	v[FAIL_MAX];
	size_t			n;
};

static int
fail_path(const struct ops_ctx *ctx, char *buf, size_t len)
{
	int	n = snprintf(buf, len, "%s/%s", ctx->paths.data_dir, FAIL_FILE);

	return n > 0 && (size_t)n < len;
}

static long long
delay_of(unsigned count)
{
	if (count == 0)
		return 0;
	if (count > 6)
		return UNLOCK_DELAY_MAX;
	return 1LL << (count - 1);
}

static struct unlock_fail *
find(const struct ops_ctx *ctx, uid_t uid)
{
	struct unlock_fails	*f = ctx->unlock_fails;
	size_t			 i;

	if (f == NULL)
		return NULL;
	for (i = 0; i < f->n; i++)
		if (f->v[i].uid == uid)
			return &f->v[i];
	return NULL;
}

/* Write the counts through a temporary file and rename (0600: umask). */
static void
save(struct ops_ctx *ctx)
{
	struct unlock_fails	*f = ctx->unlock_fails;
	char			 path[PATH_MAX], tmp[PATH_MAX + 8];
	FILE			*fp;
	size_t			 i;
	int			 fd, bad;

	if (!fail_path(ctx, path, sizeof(path)))
		return;
	snprintf(tmp, sizeof(tmp), "%s.tmp", path);
	if ((fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC |
	    O_NOFOLLOW, 0600)) == -1 || (fp = fdopen(fd, "w")) == NULL) {
		log_warn(&ctx->log, "save unlock failures %s", tmp);
		if (fd != -1)
			close(fd);
		return;
	}
	for (i = 0; i < f->n; i++)
		fprintf(fp, "%lu %u %lld\n", (unsigned long)f->v[i].uid,
		    f->v[i].count, f->v[i].last);
	bad = fflush(fp) != 0 || fsync(fd) != 0;
	if (fclose(fp) != 0 || bad || rename(tmp, path) == -1) {
		log_warn(&ctx->log, "save unlock failures %s", path);
		unlink(tmp);
	}
}

int
unlock_throttle_load(struct ops_ctx *ctx, struct ops_err *err)
{
	struct unlock_fails	*f;
	char			 path[PATH_MAX];
	unsigned long		 uid;
	unsigned		 count;
	long long		 last;
	FILE			*fp;

	if (ctx->unlock_fails == NULL &&
	    (ctx->unlock_fails = calloc(1, sizeof(*f))) == NULL)
		return ops_err_set(err, OPS_E_NOMEM, "unlock failures");
	f = ctx->unlock_fails;
	f->n = 0;
	if (!fail_path(ctx, path, sizeof(path)))
		return ops_err_set(err, OPS_E_TOOBIG, "path too long");
	if ((fp = fopen(path, "re")) == NULL) {
		if (errno == ENOENT)
			return OPS_OK;
		return ops_err_errno(err, OPS_E_IO, "read %s", path);
	}
	while (f->n < FAIL_MAX && fscanf(fp, "%lu %u %lld", &uid, &count,
	    &last) == 3) {
		f->v[f->n].uid = (uid_t)uid;
		f->v[f->n].count = count;
		f->v[f->n].last = last;
		f->n++;
	}
	fclose(fp);
	return OPS_OK;
}

void
unlock_throttle_free(struct ops_ctx *ctx)
{
	free(ctx->unlock_fails);
	ctx->unlock_fails = NULL;
}

long long
unlock_throttle_wait(const struct ops_ctx *ctx, uid_t uid)
{
	const struct unlock_fail	*u = find(ctx, uid);
	long long			 left;

	if (u == NULL)
		return 0;
	left = u->last + delay_of(u->count) - (long long)time(NULL);
	return left > 0 ? left : 0;
}

long long
unlock_throttle_fail(struct ops_ctx *ctx, uid_t uid, unsigned *count)
{
	struct unlock_fails	*f = ctx->unlock_fails;
	struct unlock_fail	*u = find(ctx, uid);

	if (u == NULL && f != NULL) {
		/* Full: the oldest entry makes room. */
		if (f->n == FAIL_MAX)
			memmove(&f->v[0], &f->v[1], (FAIL_MAX - 1) *
			    sizeof(f->v[0]));
		else
			f->n++;
		u = &f->v[f->n - 1];
		u->uid = uid;
		u->count = 0;
	}
	if (u == NULL) {
		*count = 1;
		return UNLOCK_DELAY_MAX;
	}
	if (u->count < 1000000)
		u->count++;
	u->last = (long long)time(NULL);
	*count = u->count;
	save(ctx);
	return delay_of(u->count);
}

unsigned
unlock_throttle_total(const struct ops_ctx *ctx)
{
	const struct unlock_fails	*f = ctx->unlock_fails;
	unsigned			 t = 0;
	size_t				 i;

	for (i = 0; f != NULL && i < f->n; i++)
		t += f->v[i].count;
	return t;
}

void
unlock_throttle_clear(struct ops_ctx *ctx)
{
	char	path[PATH_MAX];

	if (ctx->unlock_fails != NULL)
		ctx->unlock_fails->n = 0;
	if (fail_path(ctx, path, sizeof(path)) && unlink(path) == -1 &&
	    errno != ENOENT)
		log_warn(&ctx->log, "remove %s", path);
}

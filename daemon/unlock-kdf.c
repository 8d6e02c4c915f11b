/*
 * unlock-kdf.c: run Argon2id (keys_unlock_passphrase) on a helper thread
 * so one unlock never stalls every other client. The thread owns only
 * its job: a copy of the envelope path and the passphrase (a secret,
 * wiped when done). It signals an eventfd the loop watches, and the loop
 * hands the keyring to the caller's callback. If the loop side goes away
 * first (daemon stop), the thread finishes alone and frees everything,
 * wiping the keyring. The shape follows the resolver in net-connect.c.
 */
#include "config.h"

#include <sys/eventfd.h>

#include <limits.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "daemon.h"
#include "unlock.h"

struct unlock_kdf {
	pthread_mutex_t	 mu;
	int		 refs;		/* the thread and the loop side */
	int		 efd;
	char		 envelope[PATH_MAX];
	struct secret	*pass;
	struct keyring	*kr;		/* result, until taken */
	int		 rc;
	struct ops_err	 err;
	/* loop side only */
	struct evloop	*loop;
	unlock_kdf_cb	*cb;
	void		*arg;
};

static void
kdf_release(struct unlock_kdf *k)
{
	int	last;

	pthread_mutex_lock(&k->mu);
	last = --k->refs == 0;
	pthread_mutex_unlock(&k->mu);
	if (!last)
		return;
	secret_free(k->pass);
	keyring_free(k->kr);
	if (k->efd >= 0)
		close(k->efd);
	pthread_mutex_destroy(&k->mu);
	free(k);
}

static void *
kdf_thread(void *arg)
{
	struct unlock_kdf	*k = arg;
	struct keyring		*kr = NULL;
	struct ops_err		 err;
	uint64_t		 one = 1;
	int			 rc;

	ops_err_clear(&err);
	rc = keys_unlock_passphrase(k->envelope, k->pass, &kr, &err);
	pthread_mutex_lock(&k->mu);
	k->rc = rc;
	k->kr = kr;
	k->err = err;
	secret_free(k->pass);
	k->pass = NULL;
	pthread_mutex_unlock(&k->mu);
	if (write(k->efd, &one, sizeof(one)) < 0) {
		/* one write cannot overflow the counter */
	}
	kdf_release(k);
	return NULL;
}

static void
kdf_ready(struct evloop *loop, int fd, void *arg, int mask)
{
	struct unlock_kdf	*k = arg;
	struct keyring		*kr;
	struct ops_err		 err;
	uint64_t		 n;
	int			 rc;

	(void)mask;
	if (read(fd, &n, sizeof(n)) < 0) {
		/* nonblocking: a spurious wake-up is harmless */
	}
	evloop_file_del(loop, fd, EVLOOP_READ | EVLOOP_WRITE);
	pthread_mutex_lock(&k->mu);
	rc = k->rc;
	kr = k->kr;
	k->kr = NULL;
	err = k->err;
	pthread_mutex_unlock(&k->mu);
	k->cb(rc, kr, &err, k->arg);
	kdf_release(k);
}

int
unlock_kdf_start(struct evloop *loop, const char *envelope,
    struct secret *pass, unlock_kdf_cb *cb, void *arg,
    struct unlock_kdf **out, struct ops_err *err)
{
	struct unlock_kdf	*k;
	pthread_attr_t		 attr;
	pthread_t		 tid;
	int			 rc;

	*out = NULL;
	if ((k = calloc(1, sizeof(*k))) == NULL) {
		secret_free(pass);
		return ops_err_set(err, OPS_E_NOMEM, "start unlock");
	}
	k->pass = pass;
	k->loop = loop;
	k->cb = cb;
	k->arg = arg;
	k->refs = 2;
	k->efd = -1;
	snprintf(k->envelope, sizeof(k->envelope), "%s", envelope);
	pthread_mutex_init(&k->mu, NULL);
	if ((k->efd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK)) < 0) {
		rc = ops_err_errno(err, OPS_E_NOMEM, "start unlock: eventfd");
		goto fail;
	}
	if ((rc = evloop_file_add(loop, k->efd, EVLOOP_READ, kdf_ready, k,
	    err)) != OPS_OK)
		goto fail;
	if (pthread_attr_init(&attr) != 0) {
		evloop_file_del(loop, k->efd, EVLOOP_READ);
		rc = ops_err_set(err, OPS_E_NOMEM, "start unlock thread");
		goto fail;
	}
	pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
	rc = pthread_create(&tid, &attr, kdf_thread, k);
	pthread_attr_destroy(&attr);
	if (rc != 0) {
		evloop_file_del(loop, k->efd, EVLOOP_READ);
		rc = ops_err_set(err, OPS_E_NOMEM, "start unlock thread");
		goto fail;
	}
	*out = k;
	return OPS_OK;
fail:
	k->refs = 1;
	kdf_release(k);
	return rc;
}

void
unlock_kdf_abandon(struct unlock_kdf *k)
{
	if (k == NULL)
		return;
	evloop_file_del(k->loop, k->efd, EVLOOP_READ | EVLOOP_WRITE);
	kdf_release(k);
}

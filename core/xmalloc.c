/* xmalloc.c: fatal and recoverable allocation, with a fault hook (xmalloc.h). */
#include "config.h"

#include <errno.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "log.h"
#include "xmalloc.h"

/* Per thread, so a test's faults never reach another thread. */
struct faultsim {
	long			countdown;	/* 0: off; 1: fail the next */
	enum ops_alloc_fail	mode;
	long			failed;
};

static _Thread_local struct faultsim faultsim;

/* 1 when the hook says this allocation fails. */
static int
faultsim_step(void)
{
	struct faultsim	*fs = &faultsim;

	if (fs->countdown == 0)
		return 0;
	if (fs->countdown > 1) {
		fs->countdown--;
		return 0;
	}
	if (fs->mode == OPS_ALLOC_FAIL_ONCE)
		fs->countdown = 0;
	fs->failed++;
	errno = ENOMEM;
	return 1;
}

void
ops_alloc_fail_after(long n, enum ops_alloc_fail mode)
{
	faultsim.countdown = n > 0 ? n : 0;
	faultsim.mode = mode;
	faultsim.failed = 0;
}

long
ops_alloc_fail_off(void)
{
	long	failed = faultsim.failed;

	faultsim.countdown = 0;
	faultsim.failed = 0;
	return failed;
}

void *
ops_reallocarray(void *p, size_t n, size_t size)
{
	void	*np;

	if (size != 0 && n > SIZE_MAX / size) {
		errno = ENOMEM;
		return NULL;
	}
	if (faultsim_step())
		return NULL;
	if ((np = realloc(p, n * size != 0 ? n * size : 1)) == NULL)
		errno = ENOMEM;
	return np;
}

void *
ops_malloc(size_t size)
{
	return ops_reallocarray(NULL, 1, size);
}

void *
ops_calloc(size_t n, size_t size)
{
	void	*p;

	if ((p = ops_reallocarray(NULL, n, size)) != NULL)
		memset(p, 0, n * size != 0 ? n * size : 1);
	return p;
}

char *
ops_strdup(const char *s)
{
	size_t	 len = strlen(s) + 1;
	char	*p;

	if ((p = ops_malloc(len)) != NULL)
		memcpy(p, s, len);
	return p;
}

/* The one line an allocation failure leaves; never allocates. */
static void __attribute__((noreturn))
xmalloc_fail(const char *what, size_t n, size_t size)
{
	fatalx(NULL, "%s: out of memory (%zu * %zu bytes)", what, n, size);
}

void *
xreallocarray(void *p, size_t n, size_t size)
{
	void	*np;

	if ((np = ops_reallocarray(p, n, size)) == NULL)
		xmalloc_fail("xreallocarray", n, size);
	return np;
}

void *
xmalloc(size_t size)
{
	void	*p;

	if ((p = ops_malloc(size)) == NULL)
		xmalloc_fail("xmalloc", 1, size);
	return p;
}

void *
xcalloc(size_t n, size_t size)
{
	void	*p;

	if ((p = ops_calloc(n, size)) == NULL)
		xmalloc_fail("xcalloc", n, size);
	return p;
}

char *
xstrdup(const char *s)
{
	char	*p;

	if ((p = ops_strdup(s)) == NULL)
		xmalloc_fail("xstrdup", 1, strlen(s) + 1);
	return p;
}

char *
xstrndup(const char *s, size_t maxlen)
{
	size_t	 len = strnlen(s, maxlen);
	char	*p;

	p = xmalloc(len + 1);
	memcpy(p, s, len);
	p[len] = '\0';
	return p;
}

char *
xasprintf(const char *fmt, ...)
{
	va_list	 ap;
	char	*p;
	int	 len;

	va_start(ap, fmt);
	len = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	if (len < 0)
		fatal(NULL, "xasprintf: bad format");
	p = xmalloc((size_t)len + 1);
	va_start(ap, fmt);
	(void)vsnprintf(p, (size_t)len + 1, fmt, ap);
	va_end(ap);
	return p;
}

void
xmalloc_json_init(void)
{
	json_set_alloc_funcs(xmalloc, free);
}

/* keys-test-util.c: helpers for the key tests (see keys-test-util.h). */
#include "config.h"

#include <sys/stat.h>

#include <dirent.h>
#include <fcntl.h>
#include <limits.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "keys-test-util.h"

static char	kt_dir[PATH_MAX];

const char *
kt_tmpdir(void)
{
	const char	*base = getenv("TMPDIR");

	if (kt_dir[0] != '\0')
		return kt_dir;
	if (base == NULL || *base == '\0')
		base = "/tmp";
	snprintf(kt_dir, sizeof(kt_dir), "%s/opsicle-keys-XXXXXX", base);
	if (mkdtemp(kt_dir) == NULL) {
		printf("Bail out! mkdtemp %s failed\n", kt_dir);
		exit(1);
	}
	return kt_dir;
}

void
kt_cleanup(void)
{
	char		 path[PATH_MAX];
	DIR		*d;
	struct dirent	*de;

	if (kt_dir[0] == '\0' || (d = opendir(kt_dir)) == NULL)
		return;
	while ((de = readdir(d)) != NULL) {
		if (strcmp(de->d_name, ".") == 0 ||
		    strcmp(de->d_name, "..") == 0)
			continue;
		if (strlen(kt_dir) + 1 + strlen(de->d_name) >= sizeof(path))
			continue;
		memcpy(path, kt_dir, strlen(kt_dir));
		path[strlen(kt_dir)] = '/';
		memcpy(path + strlen(kt_dir) + 1, de->d_name,
		    strlen(de->d_name) + 1);
		unlink(path);
	}
	closedir(d);
	rmdir(kt_dir);
	kt_dir[0] = '\0';
}

const char *
kt_path(const char *name)
{
	static char	names[128][64];
	static char	paths[128][PATH_MAX];
	static int	used;
	int		i;

	for (i = 0; i < used; i++)
		if (strcmp(names[i], name) == 0)
			return paths[i];
	if (used == 128 || strlen(name) >= sizeof(names[0])) {
		printf("Bail out! kt_path: too many or too long names\n");
		exit(1);
	}
	snprintf(names[used], sizeof(names[0]), "%s", name);
	snprintf(paths[used], PATH_MAX, "%s/%s", kt_tmpdir(), name);
	return paths[used++];
}

unsigned char *
kt_read(const char *path, size_t *len)
{
	FILE		*f;
	unsigned char	*p = NULL;
	long		 n;

	*len = 0;
	if ((f = fopen(path, "rb")) == NULL)
		return NULL;
	if (fseek(f, 0, SEEK_END) == 0 && (n = ftell(f)) >= 0 &&
	    fseek(f, 0, SEEK_SET) == 0 && (p = malloc((size_t)n + 1)) != NULL &&
	    fread(p, 1, (size_t)n, f) == (size_t)n)
		*len = (size_t)n;
	else {
		free(p);
		p = NULL;
	}
	fclose(f);
	return p;
}

int
kt_write(const char *path, const void *p, size_t len, unsigned int mode)
{
	int	fd, rc = 0;

	unlink(path);
	if ((fd = open(path, O_WRONLY | O_CREAT | O_EXCL, mode)) == -1)
		return -1;
	if (len > 0 && write(fd, p, len) != (ssize_t)len)
		rc = -1;
	if (fchmod(fd, mode) == -1)
		rc = -1;
	close(fd);
	return rc;
}

int
kt_hash(const char *path, unsigned char out[32])
{
	unsigned char	*p;
	size_t		 len;

	if ((p = kt_read(path, &len)) == NULL)
		return -1;
	crypto_generichash(out, 32, p, len, NULL, 0);
	free(p);
	return 0;
}

int
kt_contains(const unsigned char *hay, size_t hlen,
    const unsigned char *needle, size_t nlen)
{
	size_t	i;

	if (nlen == 0 || hlen < nlen)
		return 0;
	for (i = 0; i + nlen <= hlen; i++)
		if (memcmp(hay + i, needle, nlen) == 0)
			return 1;
	return 0;
}

/*
 * test-remote-write.c: the command an upload with become runs
 * (core/remote-write), run here by /bin/sh with the bytes on stdin: the
 * file arrives with its mode, replacing what was there; a digest that
 * does not match leaves dest as it was and no temp file; a name with
 * quotes, spaces and $(...) is written literally; bad arguments are
 * refused.
 */
#include "config.h"

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <sodium.h>

#include "remote-write.h"
#include "tap.h"

/* Run cmd under /bin/sh with data on stdin; its exit status. */
static int
sh_feed(const char *cmd, const char *data)
{
	int	p[2], st;
	pid_t	pid;

	if (pipe(p) != 0)
		return -1;
	if ((pid = fork()) == 0) {
		dup2(p[0], 0);
		close(p[1]);
		if (freopen("/dev/null", "w", stderr) == NULL)
			_exit(126);
		execl("/bin/sh", "sh", "-c", cmd, (char *)NULL);
		_exit(127);
	}
	close(p[0]);
	(void)!write(p[1], data, strlen(data));
	close(p[1]);
	waitpid(pid, &st, 0);
	return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

static void
hex_of(const char *data, char hex[65])
{
	unsigned char	h[32];

	crypto_hash_sha256(h, (const unsigned char *)data, strlen(data));
	sodium_bin2hex(hex, 65, h, sizeof(h));
}

static char *
slurp(const char *path)
{
	static char	buf[256];
	FILE		*f = fopen(path, "r");
	size_t		 n;

	if (f == NULL)
		return NULL;
	n = fread(buf, 1, sizeof(buf) - 1, f);
	buf[n] = '\0';
	fclose(f);
	return buf;
}

/* Entries in dir other than . and .. */
static int
entries(const char *dir)
{
	DIR		*d = opendir(dir);
	struct dirent	*e;
	int		 n = 0;

	if (d == NULL)
		return -1;
	while ((e = readdir(d)) != NULL)
		if (strcmp(e->d_name, ".") != 0 && strcmp(e->d_name, "..") != 0)
			n++;
	closedir(d);
	return n;
}

int
main(void)
{
	char		 dir[] = "/tmp/opsicle-rw.XXXXXX", dest[256], odd[256];
	char		 hex[65], *cmd = NULL, *got;
	struct ops_err	 err;
	struct stat	 st;

	plan_no_plan();
	if (sodium_init() < 0 || mkdtemp(dir) == NULL)
		return ok(0, "set-up"), exit_status();
	snprintf(dest, sizeof(dest), "%s/f", dir);

	hex_of("one\n", hex);
	ok(remote_write_command(dest, 0640, hex, &cmd, &err) == OPS_OK,
	    "a command for an absolute dest");
	is_int(sh_feed(cmd, "one\n"), 0, "it writes the file");
	got = slurp(dest);
	ok(got != NULL && strcmp(got, "one\n") == 0, "with the bytes fed");
	ok(stat(dest, &st) == 0 && (st.st_mode & 07777) == 0640,
	    "and the mode asked for");
	free(cmd);

	hex_of("two\n", hex);
	(void)remote_write_command(dest, 0600, hex, &cmd, &err);
	is_int(sh_feed(cmd, "two\n"), 0, "it replaces an existing file");
	got = slurp(dest);
	ok(got != NULL && strcmp(got, "two\n") == 0, "whose bytes change");
	ok(sh_feed(cmd, "tampered\n") != 0, "bytes that do not match the "
	    "digest fail");
	got = slurp(dest);
	ok(got != NULL && strcmp(got, "two\n") == 0, "and leave dest as it was");
	is_int(entries(dir), 1, "with no temp file left");
	free(cmd);

	snprintf(odd, sizeof(odd), "%s/it's a $(id) `id` \"q\" *", dir);
	hex_of("odd\n", hex);
	(void)remote_write_command(odd, 0644, hex, &cmd, &err);
	is_int(sh_feed(cmd, "odd\n"), 0, "a name with quotes and $(...)");
	got = slurp(odd);
	ok(got != NULL && strcmp(got, "odd\n") == 0, "is written literally");
	is_int(entries(dir), 2, "and nothing else ran");
	free(cmd);

	cmd = NULL;
	ok(remote_write_command("rel/f", 0644, hex, &cmd, &err) ==
	    OPS_E_INVAL && cmd == NULL, "a relative dest is refused");
	ok(remote_write_command("/tmp/", 0644, hex, &cmd, &err) ==
	    OPS_E_INVAL, "a dest without a file name is refused");
	ok(remote_write_command(dest, 010000, hex, &cmd, &err) ==
	    OPS_E_INVAL, "a mode past 07777 is refused");
	ok(remote_write_command(dest, 0644, "'; rm -rf /", &cmd, &err) ==
	    OPS_E_INVAL, "a digest that is not hex is refused");

	(void)unlink(dest);
	(void)unlink(odd);
	(void)rmdir(dir);
	return exit_status();
}

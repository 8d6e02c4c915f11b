/*
 * sftp-driver.c: TAP tests of the engine's SFTP upload-and-run, push and
 * pull, sudo and keyboard-interactive against real sshd processes started
 * by test-sftp.sh (see there for the environment it passes).
 */
#include <sys/stat.h>
#include <sys/types.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <sodium.h>

#include "evloop.h"
#include "hostkey.h"
#include "secret.h"
#include "ssh.h"
#include "tap.h"

#define MAXSSHD	4

struct sshd {
	const char	*addr;
	unsigned	 port;
	struct hostkey	 hk;
};

static struct sshd sshds[MAXSSHD];
static int nsshd;
static struct evloop *loop;
static struct ssh_engine *eng;

static const char *
env(const char *name)
{
	const char *v = getenv(name);

	return v != NULL && v[0] != '\0' ? v : NULL;
}

static struct secret *
file_secret(const char *path)
{
	struct secret *s = NULL;
	char buf[16384];
	size_t n;
	FILE *fp;

	if (path == NULL || (fp = fopen(path, "r")) == NULL)
		return NULL;
	n = fread(buf, 1, sizeof(buf), fp);
	fclose(fp);
	if (secret_from(buf, n, &s, NULL) != 0)
		s = NULL;
	sodium_memzero(buf, sizeof(buf));
	return s;
}

static struct secret *
str_secret(const char *str)
{
	struct secret *s = NULL;

	if (str != NULL)
		secret_from(str, strlen(str), &s, NULL);
	return s;
}

static void
load_sshds(void)
{
	char name[64];
	const char *v;
	int i;

	nsshd = atoi(env("OPS_SSHD_COUNT") ? env("OPS_SSHD_COUNT") : "0");
	if (nsshd > MAXSSHD)
		nsshd = MAXSSHD;
	for (i = 0; i < nsshd; i++) {
		snprintf(name, sizeof(name), "OPS_SSHD_%d_ADDR", i + 1);
		sshds[i].addr = env(name);
		snprintf(name, sizeof(name), "OPS_SSHD_%d_PORT", i + 1);
		sshds[i].port = (unsigned)atoi(env(name) ? env(name) : "0");
		snprintf(name, sizeof(name), "OPS_SSHD_%d_HOSTPUB", i + 1);
		if ((v = env(name)) != NULL && strchr(v, ' ') != NULL)
			hostkey_from_base64(strchr(v, ' ') + 1, &sshds[i].hk,
			    NULL);
	}
}

static void
target_init(struct ssh_target *t, const char *name, int si,
    const struct ssh_auth *auth)
{
	memset(t, 0, sizeof(*t));
	t->name = name;
	t->host = sshds[si].addr;
	t->port = sshds[si].port;
	t->auth = auth;
	t->known = &sshds[si].hk;
	t->nknown = 1;
}

static void
show(const struct ssh_result *r)
{
	if (r != NULL && !r->ok)
		diag("%s: class %s: %s", r->target, ssh_class_name(r->cls),
		    r->msg);
}

static const struct ssh_result *
run1(const struct ssh_target *t, const struct ssh_exec *x,
    struct ssh_batch **bp)
{
	struct ops_err err;

	if (ssh_engine_run(eng, t, 1, x, bp, &err) != 0) {
		diag("run: %s", err.msg);
		*bp = NULL;
		return NULL;
	}
	show(ssh_batch_result(*bp, 0));
	return ssh_batch_result(*bp, 0);
}

static int
buf_is(const struct ssh_buf *b, const char *s)
{
	return b->len == strlen(s) && memcmp(b->data, s, b->len) == 0;
}

static int
buf_has(const struct ssh_buf *b, const char *s)
{
	size_t n = strlen(s), i;

	for (i = 0; b->data != NULL && i + n <= b->len; i++)
		if (memcmp(b->data + i, s, n) == 0)
			return 1;
	return 0;
}

/* The script's "$0" from its first output line, into path. */
static int
script_path(const struct ssh_result *r, char *path, size_t len)
{
	const char *p;
	size_t n;

	if (r->out.data == NULL || r->out.len < 14 ||
	    memcmp(r->out.data, "path ", 5) != 0)
		return -1;
	p = (const char *)r->out.data + 5;
	for (n = 0; 5 + n < r->out.len && p[n] != '\n'; n++)
		;
	if (n >= len)
		return -1;
	memcpy(path, p, n);
	path[n] = '\0';
	return 0;
}

static int
path_private(const char *path)
{
	size_t i;

	if (strncmp(path, "/tmp/.opsicle-", 14) != 0 ||
	    strlen(path) != 14 + 32)
		return 0;
	for (i = 14; path[i]; i++)
		if (!strchr("0123456789abcdef", path[i]))
			return 0;
	return 1;
}

static int
file_sha256(const char *path, char *hex)
{
	crypto_hash_sha256_state hs;
	unsigned char buf[65536], d[32];
	ssize_t n;
	int fd;

	if ((fd = open(path, O_RDONLY | O_NOFOLLOW)) < 0)
		return -1;
	crypto_hash_sha256_init(&hs);
	while ((n = read(fd, buf, sizeof(buf))) > 0)
		crypto_hash_sha256_update(&hs, buf, (size_t)n);
	close(fd);
	if (n < 0)
		return -1;
	crypto_hash_sha256_final(&hs, d);
	sodium_bin2hex(hex, 65, d, 32);
	return 0;
}

static unsigned
file_mode(const char *path)
{
	struct stat st;

	if (lstat(path, &st) != 0)
		return 07777u;
	return st.st_mode & 07777;
}

/* entries in dir whose name contains ".opsicle-" */
static int
temp_leftovers(const char *dir)
{
	struct dirent *de;
	DIR *d;
	int n = 0;

	if ((d = opendir(dir)) == NULL)
		return -1;
	while ((de = readdir(d)) != NULL)
		if (strstr(de->d_name, ".opsicle-") != NULL)
			n++;
	closedir(d);
	return n;
}

static char *
cat(const char *a, const char *b)
{
	size_t n = strlen(a) + strlen(b) + 1;
	char *s = malloc(n);

	if (s == NULL)
		exit(1);
	snprintf(s, n, "%s%s", a, b);
	return s;
}

static void
test_scripts(const struct ssh_auth *auth)
{
	static const char script1[] = "#!/bin/sh\necho \"path $0\"\n"
	    "echo script-ran\necho to-stderr >&2\nexit 4\n";
	static const char script2[] = "echo \"path $0\"\n"
	    "echo $((6 * 7)); stat -c %a \"$0\"\n";
	static const char script3[] = "echo \"path $0\"; sleep 30\n";
	struct ssh_target t, ts[3];
	struct ssh_exec x;
	struct ssh_batch *b;
	const struct ssh_result *r;
	char path[128];
	size_t i, nok, nfail;
	int good;

	/* 1. run the script itself (shebang); output and exit status */
	target_init(&t, "t1", 0, auth);
	memset(&x, 0, sizeof(x));
	x.script = (const unsigned char *)script1;
	x.script_len = strlen(script1);
	r = run1(&t, &x, &b);
	ok(r && !r->ok && r->cls == SSH_CLASS_EXIT && r->exit_status == 4,
	    "script: exit status 4 reported");
	ok(r && buf_has(&r->out, "\nscript-ran\n") &&
	    buf_is(&r->err, "to-stderr\n"), "script: stdout and stderr");
	ok(r && script_path(r, path, sizeof(path)) == 0 &&
	    path_private(path), "script: ran from /tmp/.opsicle-<128 bits>"
	    " (%s)", r && r->out.data ? path : "-");
	ok(r && access(path, F_OK) != 0 && errno == ENOENT,
	    "script: remote file removed after the run");
	ssh_batch_free(b);

	/* 2. interpreter prefix, no shebang; mode 0700 while it runs */
	x.script = (const unsigned char *)script2;
	x.script_len = strlen(script2);
	x.script_interpreter = "sh";
	r = run1(&t, &x, &b);
	ok(r && r->ok && r->exit_status == 0 && buf_has(&r->out, "\n42\n700\n"),
	    "script: run by \"sh PATH\", mode 0700, output right");
	ok(r && script_path(r, path, sizeof(path)) == 0 &&
	    access(path, F_OK) != 0, "script: removed after success");
	ssh_batch_free(b);

	/* 3. three targets at once */
	for (i = 0; i < 3; i++)
		target_init(&ts[i], i == 0 ? "t1" : i == 1 ? "t2" : "t3",
		    (int)i, auth);
	if (ssh_engine_run(eng, ts, 3, &x, &b, NULL) == 0) {
		ssh_batch_counts(b, &nok, &nfail);
		for (i = 0, good = 1; i < 3; i++) {
			r = ssh_batch_result(b, i);
			show(r);
			good &= script_path(r, path, sizeof(path)) == 0 &&
			    access(path, F_OK) != 0;
		}
		ok(nok == 3 && good, "script: 3 targets ran it and removed it");
		ssh_batch_free(b);
	} else
		ok(0, "script: 3 targets");

	/* 4. timeout: the file is still removed */
	x.script = (const unsigned char *)script3;
	x.script_len = strlen(script3);
	x.timeout_ms = 1500;
	r = run1(&t, &x, &b);
	ok(r && r->cls == SSH_CLASS_TIMEOUT && script_path(r, path,
	    sizeof(path)) == 0 && access(path, F_OK) != 0,
	    "script: timeout, and the remote file is removed");
	ssh_batch_free(b);

	/* 5. a command prefix instead of an interpreter */
	memset(&x, 0, sizeof(x));
	x.script = (const unsigned char *)"echo \"path $0\"; echo $1 $#\n";
	x.script_len = strlen((const char *)x.script);
	x.command = "sh";
	r = run1(&t, &x, &b);
	ok(r && r->ok && buf_has(&r->out, "\n0\n"),
	    "script: command used as prefix");
	ssh_batch_free(b);
}

static void
test_sudo(const struct ssh_auth *auth, const struct ssh_auth *user2)
{
	struct ssh_target t;
	struct ssh_exec x;
	struct ssh_batch *b;
	const struct ssh_result *r;
	const char *pw = "sudo-Secret-4711";
	struct secret *spw = str_secret(pw);

	if (env("OPS_SSH_SUDO") == NULL) {
		skip(9, "sudo is not installed (build-aux/setup.sh installs "
		    "it)");
		secret_free(spw);
		return;
	}
	target_init(&t, "t1", 0, auth);
	memset(&x, 0, sizeof(x));
	x.sudo = 1;
	x.sudo_password = spw;
	x.command = "id -u; cat";
	x.stdin_data = (const unsigned char *)"in";
	x.stdin_len = 2;
	r = run1(&t, &x, &b);
	ok(r && r->ok && buf_is(&r->out, "0\nin"),
	    "sudo: ran as root, stdin reached the command");
	ok(r && !buf_has(&r->out, pw) && !buf_has(&r->err, pw) &&
	    strstr(r->msg, pw) == NULL,
	    "sudo: the password is in no output when sudo does not ask");
	ssh_batch_free(b);

	x.command = "ps -eo args";
	x.stdin_data = NULL;
	x.stdin_len = 0;
	r = run1(&t, &x, &b);
	ok(r && r->ok && buf_has(&r->out, "sudo -S -p") &&
	    !buf_has(&r->out, pw), "sudo: the password is not in any argv "
	    "(ps shows sudo's)");
	ssh_batch_free(b);

	x.command = "id -un";
	x.sudo_user = "nobody";
	r = run1(&t, &x, &b);
	ok(r && r->ok && buf_is(&r->out, "nobody\n"), "sudo -u nobody");
	ssh_batch_free(b);
	x.sudo_user = "no-such-user-opsicle";
	r = run1(&t, &x, &b);
	ok(r && !r->ok && r->cls == SSH_CLASS_SUDO &&
	    strstr(r->msg, "sudo on t1") != NULL,
	    "sudo: unknown user fails with class sudo");
	ssh_batch_free(b);
	x.sudo_user = NULL;

	/* a user sudo asks for a password (not in sudoers) */
	if (user2 == NULL) {
		skip(4, "needs root to create a throwaway user");
		secret_free(spw);
		return;
	}
	target_init(&t, "t1", 0, user2);
	x.command = "id -u";
	x.sudo_password = user2->password;
	r = run1(&t, &x, &b);
	ok(r && !r->ok && r->cls == SSH_CLASS_SUDO &&
	    strstr(r->msg, "before the command started") != NULL &&
	    strstr(r->msg, "sudoers") != NULL,
	    "sudo: prompt answered, then refused by sudoers: class sudo");
	ok(r && !buf_has(&r->out, env("OPS_SFTP_PASS2")) &&
	    !buf_has(&r->err, env("OPS_SFTP_PASS2")) &&
	    strstr(r->msg, env("OPS_SFTP_PASS2")) == NULL,
	    "sudo: answered password not echoed anywhere");
	ssh_batch_free(b);
	x.sudo_password = spw;
	r = run1(&t, &x, &b);
	ok(r && !r->ok && r->cls == SSH_CLASS_SUDO &&
	    strstr(r->msg, "refused the password") != NULL &&
	    !r->sudo_nopass,
	    "sudo: wrong password: second prompt means refused");
	ssh_batch_free(b);
	x.sudo_password = NULL;
	r = run1(&t, &x, &b);
	ok(r && !r->ok && r->cls == SSH_CLASS_SUDO &&
	    strstr(r->msg, "none was given") != NULL && r->sudo_nopass,
	    "sudo: asks, no password given: class sudo (sudo_nopass set)");
	ssh_batch_free(b);
	secret_free(spw);
}

static const struct ssh_result *
xfer1(const struct ssh_target *t, size_t n, const struct ssh_xfer *xf,
    struct ssh_batch **bp)
{
	struct ops_err err;
	size_t i;

	if (ssh_engine_xfer(eng, t, n, xf, bp, &err) != 0) {
		diag("xfer: %s", err.msg);
		*bp = NULL;
		return NULL;
	}
	for (i = 0; i < n; i++)
		show(ssh_batch_result(*bp, i));
	return ssh_batch_result(*bp, 0);
}

static void
test_xfer(const struct ssh_auth *auth, const struct ssh_auth *user2)
{
	const char *dir = env("OPS_SFTP_DIR");
	char *src640, *src755, *rdir, *rf, *rx, *pull, *pull2, *victim;
	char hex640[65], hex755[65], h[65];
	struct ssh_target ts[3];
	struct ssh_xfer xf;
	struct ssh_batch *b;
	const struct ssh_result *r;
	size_t i, nok, nfail;
	int good;
	char *p;

	src640 = cat(dir, "/src640");
	src755 = cat(dir, "/src755");
	rdir = cat(dir, "/remote");
	rf = cat(dir, "/remote/f640");
	rx = cat(dir, "/remote/x755");
	pull = cat(dir, "/pull");
	pull2 = cat(dir, "/pull2");
	victim = cat(dir, "/victim");
	ok(file_sha256(src640, hex640) == 0 && file_sha256(src755,
	    hex755) == 0, "xfer: 5 MiB random source files hashed");
	for (i = 0; i < 3; i++)
		target_init(&ts[i], i == 0 ? "t1" : i == 1 ? "t2" : "t3",
		    (int)i, auth);

	/* push, keeping the local modes */
	memset(&xf, 0, sizeof(xf));
	xf.dir = SSH_PUSH;
	xf.local = src640;
	xf.remote = rf;
	xf.keep_mode = 1;
	xfer1(ts, 3, &xf, &b);
	ssh_batch_counts(b, &nok, &nfail);
	for (i = 0, good = 1; i < 3; i++) {
		r = ssh_batch_result(b, i);
		good &= r->ok && r->bytes == 5u << 20 && r->mode == 0640 &&
		    strcmp(r->sha256, hex640) == 0;
	}
	ok(nok == 3 && good, "push: 3 targets, 5 MiB, sha256 and mode 0640 "
	    "reported");
	ok(file_sha256(rf, h) == 0 && strcmp(h, hex640) == 0 &&
	    file_mode(rf) == 0640, "push: remote file has the same sha256 "
	    "and mode 0640");
	ok(temp_leftovers(rdir) == 0, "push: no temp files left remotely");
	ssh_batch_free(b);
	xf.local = src755;
	xf.remote = rx;
	xfer1(ts, 3, &xf, &b);
	ssh_batch_counts(b, &nok, &nfail);
	ok(nok == 3 && file_sha256(rx, h) == 0 && strcmp(h, hex755) == 0 &&
	    file_mode(rx) == 0755, "push: 0755 file keeps its mode");
	ssh_batch_free(b);

	/* push over an existing file replaces it (mv fallback) */
	xf.local = src755;
	xf.remote = rf;
	xf.keep_mode = 0;
	xf.mode = 0600;
	r = xfer1(ts, 1, &xf, &b);
	ok(r && r->ok && file_sha256(rf, h) == 0 && strcmp(h, hex755) == 0 &&
	    file_mode(rf) == 0600 && temp_leftovers(rdir) == 0,
	    "push: replaces an existing file atomically, explicit mode 0600");
	ssh_batch_free(b);
	xf.local = src640;
	xf.keep_mode = 1;
	xf.mode = 0;
	r = xfer1(ts, 1, &xf, &b);
	ok(r && r->ok && file_sha256(rf, h) == 0 && strcmp(h, hex640) == 0,
	    "push: and back");
	ssh_batch_free(b);

	/* pull from 3 targets into DIR/<target>/<name> */
	memset(&xf, 0, sizeof(xf));
	xf.dir = SSH_PULL;
	xf.local = pull;
	xf.remote = rf;
	xf.keep_mode = 1;
	xfer1(ts, 3, &xf, &b);
	ssh_batch_counts(b, &nok, &nfail);
	for (i = 0, good = 1; i < 3; i++) {
		char *lp;
		char tdir[256];

		snprintf(tdir, sizeof(tdir), "%s/%s", pull, ts[i].name);
		lp = cat(tdir, "/f640");
		r = ssh_batch_result(b, i);
		good &= r->ok && strcmp(r->sha256, hex640) == 0 &&
		    file_sha256(lp, h) == 0 && strcmp(h, hex640) == 0 &&
		    file_mode(lp) == 0640 && temp_leftovers(tdir) == 0;
		free(lp);
	}
	ok(nok == 3 && good, "pull: 3 targets into DIR/<target>/f640, "
	    "sha256 matches, mode 0640 kept, no temp files");
	ssh_batch_free(b);
	xf.keep_mode = 0;
	xf.remote = rx;
	r = xfer1(ts, 1, &xf, &b);
	p = cat(pull, "/t1/x755");
	ok(r && r->ok && file_mode(p) == 0600 && file_sha256(p, h) == 0 &&
	    strcmp(h, hex755) == 0, "pull: created 0600 unless mode is kept");
	free(p);
	ssh_batch_free(b);

	/* pull never follows symlinks locally */
	{
		char *t1 = cat(pull2, "/t1"), *lnk = cat(pull2, "/t1/f640");
		char *t2 = cat(pull2, "/t2"), *vdir = cat(dir, "/victimdir");
		char *vf = cat(dir, "/victimdir/f640");

		xf.remote = rf;
		xf.keep_mode = 1;
		xf.local = pull2;
		if (mkdir(pull2, 0700) != 0 || mkdir(t1, 0700) != 0 ||
		    symlink(victim, lnk) != 0 || mkdir(vdir, 0700) != 0 ||
		    symlink(vdir, t2) != 0)
			diag("plant symlinks: %s", strerror(errno));
		xfer1(ts, 2, &xf, &b);
		r = ssh_batch_result(b, 0);
		ok(r->ok && file_sha256(victim, h) == 0 &&
		    strcmp(h, hex640) != 0 && file_sha256(lnk, h) == 0 &&
		    strcmp(h, hex640) == 0 && file_mode(lnk) == 0640,
		    "pull: a symlink at the destination is replaced, its "
		    "target untouched");
		r = ssh_batch_result(b, 1);
		ok(!r->ok && r->cls == SSH_CLASS_SFTP && access(vf, F_OK) != 0,
		    "pull: a symlinked target directory is refused (%s)",
		    r->msg);
		ssh_batch_free(b);
		free(t1);
		free(t2);
		free(lnk);
		free(vdir);
		free(vf);
	}

	/* errors name the remote path and stay per target */
	xf.local = pull;
	xf.remote = "/nonexistent-opsicle/file";
	r = xfer1(ts, 1, &xf, &b);
	ok(r && !r->ok && r->cls == SSH_CLASS_SFTP &&
	    strstr(r->msg, "/nonexistent-opsicle/file") != NULL &&
	    strstr(r->msg, "no such file") != NULL,
	    "pull: missing remote file: class sftp, path in message");
	ssh_batch_free(b);
	if (user2 != NULL) {
		struct ssh_target mixed[3];
		char *ro = cat(dir, "/rootonly/f");

		target_init(&mixed[0], "t1", 0, auth);
		target_init(&mixed[1], "t2", 1, user2);
		target_init(&mixed[2], "t3", 2, auth);
		memset(&xf, 0, sizeof(xf));
		xf.dir = SSH_PUSH;
		xf.local = src640;
		xf.remote = ro;
		xfer1(mixed, 3, &xf, &b);
		r = ssh_batch_result(b, 1);
		ok(ssh_batch_result(b, 0)->ok && ssh_batch_result(b, 2)->ok &&
		    !r->ok && r->cls == SSH_CLASS_SFTP &&
		    strstr(r->msg, ro) != NULL &&
		    strstr(r->msg, "permission denied") != NULL,
		    "push: unwritable remote dir fails that target only, "
		    "class sftp: %s", r->msg);
		ssh_batch_free(b);
		free(ro);
	} else
		skip(1, "needs root to create a throwaway user");
	free(src640);
	free(src755);
	free(rdir);
	free(rf);
	free(rx);
	free(pull);
	free(pull2);
	free(victim);
}

static void
test_kbdint(const struct ssh_auth *user2)
{
	struct ssh_target t;
	struct ssh_exec x;
	struct ssh_batch *b;
	struct ssh_auth bad;
	const struct ssh_result *r;

	if (user2 == NULL || nsshd < 4) {
		skip(2, env("OPS_SFTP_KBDSKIP") ? env("OPS_SFTP_KBDSKIP") :
		    "no keyboard-interactive sshd");
		return;
	}
	target_init(&t, "kbd", 3, user2);
	memset(&x, 0, sizeof(x));
	x.command = "id -un";
	r = run1(&t, &x, &b);
	ok(r && r->ok && r->out.len == strlen(user2->user) + 1 &&
	    memcmp(r->out.data, user2->user, strlen(user2->user)) == 0,
	    "keyboard-interactive (PAM) authenticates");
	ssh_batch_free(b);
	bad = *user2;
	bad.password = str_secret("not-the-password");
	target_init(&t, "kbd", 3, &bad);
	r = run1(&t, &x, &b);
	ok(r && !r->ok && r->cls == SSH_CLASS_AUTH &&
	    strstr(r->msg, "keyboard-interactive") != NULL &&
	    strstr(r->msg, "not-the-password") == NULL,
	    "keyboard-interactive: wrong password is class auth");
	ssh_batch_free(b);
	secret_free(bad.password);
}

/* names from /etc/hosts go through the resolver thread */
static void
test_resolve(const struct ssh_auth *auth)
{
	struct ssh_target ts[3];
	struct ssh_exec x;
	struct ssh_batch *b;
	struct hostkey hk;
	const char *pub = env("OPS_SSHD_LH_HOSTPUB");
	size_t i, nok, nfail;

	memset(&hk, 0, sizeof(hk));
	memset(&x, 0, sizeof(x));
	x.command = "echo via-name";
	if (env("OPS_SSHD_LH_PORT") == NULL || pub == NULL ||
	    strchr(pub, ' ') == NULL) {
		skip(2, "no sshd on 127.0.0.1 for localhost");
	} else {
		hostkey_from_base64(strchr(pub, ' ') + 1, &hk, NULL);
		for (i = 0; i < 3; i++) {
			memset(&ts[i], 0, sizeof(ts[i]));
			ts[i].name = i == 0 ? "lh1" : i == 1 ? "lh2" : "lh3";
			ts[i].host = "localhost";
			ts[i].port = (unsigned)atoi(env("OPS_SSHD_LH_PORT"));
			ts[i].auth = auth;
			ts[i].known = &hk;
			ts[i].nknown = 1;
		}
		if (ssh_engine_run(eng, ts, 1, &x, &b, NULL) == 0) {
			show(ssh_batch_result(b, 0));
			ok(ssh_batch_result(b, 0)->ok &&
			    buf_is(&ssh_batch_result(b, 0)->out, "via-name\n"),
			    "resolver: \"localhost\" from /etc/hosts, off the "
			    "loop");
			ssh_batch_free(b);
		} else
			ok(0, "resolver: localhost");
		ssh_engine_close_idle(eng);
		if (ssh_engine_run(eng, ts, 3, &x, &b, NULL) == 0) {
			ssh_batch_counts(b, &nok, &nfail);
			ok(nok == 3, "resolver: 3 lookups at once all connect");
			ssh_batch_free(b);
		} else
			ok(0, "resolver: 3 at once");
	}
	target_init(&ts[0], "t-bad", 0, auth);
	ts[0].host = "no-such-host.invalid";
	if (ssh_engine_run(eng, ts, 1, &x, &b, NULL) == 0) {
		const struct ssh_result *r = ssh_batch_result(b, 0);

		ok(!r->ok && r->cls == SSH_CLASS_RESOLVE &&
		    strstr(r->msg, "no-such-host.invalid") != NULL,
		    "resolver: unknown name is class resolve: %s", r->msg);
		ssh_batch_free(b);
	} else
		ok(0, "resolver: unknown name");
}

int
main(void)
{
	struct ssh_auth auth, u2;
	struct ops_err err;
	int have_u2;

	load_sshds();
	if (nsshd < 3 || env("OPS_SFTP_DIR") == NULL)
		skip_all("needs 3 sshd processes (run through test-sftp.sh)");
	plan(37);
	ops_crypto_init(NULL);
	if (evloop_new(&loop, &err) != 0 ||
	    ssh_engine_new(loop, NULL, &eng, &err) != 0) {
		diag("setup: %s", err.msg);
		return 1;
	}
	memset(&auth, 0, sizeof(auth));
	auth.user = env("OPS_SSH_USER");
	auth.key = file_secret(env("OPS_SSH_KEY"));
	memset(&u2, 0, sizeof(u2));
	have_u2 = env("OPS_SFTP_USER2") != NULL;
	if (have_u2) {
		u2.user = env("OPS_SFTP_USER2");
		u2.key = auth.key;
		u2.password = str_secret(env("OPS_SFTP_PASS2"));
	}
	ok(auth.key != NULL, "client key loaded");

	test_resolve(&auth);
	test_scripts(&auth);
	test_sudo(&auth, have_u2 ? &u2 : NULL);
	test_xfer(&auth, have_u2 ? &u2 : NULL);
	if (have_u2) {
		struct ssh_auth pw = u2;

		pw.key = NULL;	/* password only: keyboard-interactive */
		test_kbdint(&pw);
	} else
		test_kbdint(NULL);

	ssh_engine_free(eng);
	evloop_free(loop);
	secret_free(auth.key);
	secret_free(u2.password);
	return exit_status();
}

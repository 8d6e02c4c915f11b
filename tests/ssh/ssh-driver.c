/*
 * ssh-driver.c: TAP tests of the SSH engine against real sshd processes
 * started by test-ssh.sh (see there for the environment it passes).
 */
#include <sys/types.h>

#include <dirent.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "evloop.h"
#include "hostkey.h"
#include "outgroup.h"
#include "secret.h"
#include "ssh.h"
#include "tap.h"

#define MAXSSHD	8

struct sshd {
	const char	*addr;
	unsigned	 port;
	int		 pid;
	struct hostkey	 hk;
};

static struct sshd sshds[MAXSSHD];
static int nsshd;

static const char *
env(const char *name)
{
	const char *v = getenv(name);

	return v != NULL && v[0] != '\0' ? v : NULL;
}

static struct secret *
read_secret(const char *path)
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
	memset(buf, 0, sizeof(buf));
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
		snprintf(name, sizeof(name), "OPS_SSHD_%d_PID", i + 1);
		sshds[i].pid = atoi(env(name) ? env(name) : "0");
		snprintf(name, sizeof(name), "OPS_SSHD_%d_HOSTPUB", i + 1);
		if ((v = env(name)) != NULL && strchr(v, ' ') != NULL)
			hostkey_from_base64(strchr(v, ' ') + 1, &sshds[i].hk,
			    NULL);
	}
}

/* Kill the per-connection children of sshd pid (and pid if all). */
static int
kill_sshd(int pid, int all)
{
	char path[64], buf[512];
	struct dirent *de;
	DIR *d;
	FILE *fp;
	int n = 0, cpid, ppid;

	if ((d = opendir("/proc")) == NULL)
		return -1;
	while ((de = readdir(d)) != NULL) {
		if ((cpid = atoi(de->d_name)) <= 0)
			continue;
		snprintf(path, sizeof(path), "/proc/%d/stat", cpid);
		if ((fp = fopen(path, "r")) == NULL)
			continue;
		if (fgets(buf, sizeof(buf), fp) != NULL) {
			char *p = strrchr(buf, ')');

			if (p != NULL && sscanf(p + 2, "%*c %d", &ppid) == 1 &&
			    ppid == pid) {
				kill(cpid, SIGKILL);
				n++;
			}
		}
		fclose(fp);
	}
	closedir(d);
	if (all)
		kill(pid, SIGTERM);
	return n;
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

static const struct ssh_result *
run1(struct ssh_engine *eng, const struct ssh_target *t,
    const struct ssh_exec *x, struct ssh_batch **bp)
{
	struct ops_err err;

	if (ssh_engine_run(eng, t, 1, x, bp, &err) != 0) {
		diag("run: %s", err.msg);
		return NULL;
	}
	return ssh_batch_result(*bp, 0);
}

static void
show(const struct ssh_result *r)
{
	if (r != NULL && !r->ok)
		diag("%s: class %s: %s", r->target, ssh_class_name(r->cls),
		    r->msg);
}

/* output callback: count bytes and "started" lines */
struct counter {
	size_t	out_bytes;
	size_t	started;
};

static void
count_output(void *arg, size_t idx, const char *target,
    enum ssh_stream st, const unsigned char *buf, size_t len)
{
	struct counter *c = arg;
	size_t i;

	if (st == SSH_STDOUT)
		c->out_bytes += len;
	for (i = 0; i + 7 <= len; i++)
		if (memcmp(buf + i, "started", 7) == 0)
			c->started++;
}

static int
check_pattern(const struct ssh_buf *b, size_t want)
{
	static const char pat[] = "0123456789abcde\n";
	size_t i;

	if (b->len != want)
		return 0;
	for (i = 0; i < b->len; i++)
		if (b->data[i] != (unsigned char)pat[i % 16])
			return 0;
	return 1;
}

int
main(void)
{
	struct evloop *loop = NULL;
	struct ssh_engine *eng = NULL;
	struct ssh_engine_config cfg;
	struct ssh_auth auth, wrong, ppauth, pwauth, badpw, agauth;
	struct ssh_target t, *ts = NULL;
	struct ssh_exec x;
	struct ssh_batch *b = NULL;
	const struct ssh_result *r;
	struct ssh_stats st0, st1;
	struct ops_err err;
	struct hostkey *kh = NULL;
	size_t nkh = 0, i, n, nok, nfail;
	char (*names)[24] = NULL;
	int scale, bad;
	const char *envs[] = { "OPS_FOO=bar baz", NULL };
	const char *v;

	load_sshds();
	if (nsshd < 4)
		skip_all("needs 4 sshd processes (run through test-ssh.sh)");
	plan(54);
	ops_crypto_init(NULL);
	if (evloop_new(&loop, &err) != 0 ||
	    ssh_engine_new(loop, NULL, &eng, &err) != 0) {
		diag("setup: %s", err.msg);
		return 1;
	}
	memset(&auth, 0, sizeof(auth));
	auth.user = env("OPS_SSH_USER");
	auth.key = read_secret(env("OPS_SSH_KEY"));
	wrong = auth;
	wrong.key = read_secret(env("OPS_SSH_WRONGKEY"));
	ppauth = auth;
	ppauth.key = read_secret(env("OPS_SSH_PPKEY"));
	ppauth.passphrase = str_secret(env("OPS_SSH_PPASS"));
	ok(auth.key != NULL && wrong.key != NULL && ppauth.key != NULL,
	    "client keys loaded into secrets");

	/* 1. success, with the host key reported */
	target_init(&t, "t1", 0, &auth);
	memset(&x, 0, sizeof(x));
	x.command = "echo hello";
	r = run1(eng, &t, &x, &b);
	show(r);
	ok(r && r->ok && r->cls == SSH_CLASS_OK && r->exit_status == 0,
	    "success: echo hello exits 0");
	ok(r && r->out.len == 6 && memcmp(r->out.data, "hello\n", 6) == 0,
	    "success: stdout collected");
	ok(r && strcmp(r->hostkey.fp, sshds[0].hk.fp) == 0 &&
	    strcmp(r->hostkey.type, "ssh-ed25519") == 0,
	    "success: presented host key reported (%s)",
	    r ? r->hostkey.fp : "");
	ssh_batch_free(b);

	/* 2. non-zero exit */
	x.command = "exit 3";
	r = run1(eng, &t, &x, &b);
	ok(r && !r->ok && r->cls == SSH_CLASS_EXIT && r->exit_status == 3,
	    "non-zero exit: class exit, status 3");
	ok(r && strstr(r->msg, "status 3") != NULL, "non-zero exit: message");
	ssh_batch_free(b);

	/* 3. stderr separate */
	x.command = "echo out; echo err >&2";
	r = run1(eng, &t, &x, &b);
	ok(r && r->ok && r->out.len == 4 && memcmp(r->out.data, "out\n",
	    4) == 0 && r->err.len == 4 && memcmp(r->err.data, "err\n", 4) == 0,
	    "stderr collected apart from stdout");
	ssh_batch_free(b);

	/* 4. environment and stdin */
	x.command = "printf '%s|' \"$OPS_FOO\"; cat";
	x.env = envs;
	x.stdin_data = (const unsigned char *)"from stdin";
	x.stdin_len = 10;
	r = run1(eng, &t, &x, &b);
	show(r);
	ok(r && r->ok && r->out.len == 18 &&
	    memcmp(r->out.data, "bar baz|from stdin", 18) == 0,
	    "environment variable and stdin reach the command");
	ssh_batch_free(b);
	x.env = NULL;
	x.stdin_data = NULL;
	x.stdin_len = 0;

	/* 5. 10 MiB output, then the cap */
	{
		struct counter cnt = { 0, 0 };

		x.command = "yes 0123456789abcde | head -c 10485760";
		x.output_cap = 16u << 20;
		x.on_output = count_output;
		x.arg = &cnt;
		r = run1(eng, &t, &x, &b);
		show(r);
		ok(r && r->ok && check_pattern(&r->out, 10485760) &&
		    !r->out.truncated, "10 MiB of stdout collected intact");
		ok(cnt.out_bytes == 10485760,
		    "output callback saw all 10 MiB (%zu)", cnt.out_bytes);
		ssh_batch_free(b);
		x.output_cap = 1u << 20;
		r = run1(eng, &t, &x, &b);
		ok(r && r->ok && r->out.truncated &&
		    check_pattern(&r->out, 1u << 20) &&
		    r->out.total == 10485760,
		    "cap: 1 MiB kept, marked truncated, 10 MiB counted");
		ssh_batch_free(b);
		x.output_cap = 0;
		x.on_output = NULL;
		x.arg = NULL;
	}

	/* 6. timeout */
	x.command = "sleep 30";
	x.timeout_ms = 500;
	r = run1(eng, &t, &x, &b);
	ok(r && !r->ok && r->cls == SSH_CLASS_TIMEOUT &&
	    r->status == OPS_E_TIMEOUT, "timeout: class timeout");
	show(r);
	ssh_batch_free(b);
	x.timeout_ms = 0;
	x.command = "true";

	/* 6b. cancel: running targets end their process groups first */
	{
		struct ssh_target tc[2];
		struct counter cc = { 0, 0 };
		struct ssh_batch *cb = NULL;
		long long dl;

		target_init(&tc[0], "c1", 0, &auth);
		target_init(&tc[1], "c2", 0, &auth);
		x.command = "echo started; sleep 30";
		x.on_output = count_output;
		x.arg = &cc;
		bad = ssh_batch_start(eng, tc, 2, &x, &cb, &err) != 0;
		dl = evloop_now_ms() + 10000;
		while (!bad && cc.started < 2 && evloop_now_ms() < dl)
			(void)evloop_run_once(loop, 0, &err);
		ssh_batch_cancel(cb, "cancelled");
		dl = evloop_now_ms() + 10000;
		while (!bad && !ssh_batch_done(cb) && evloop_now_ms() < dl)
			(void)evloop_run_once(loop, 0, &err);
		for (i = 0; i < 2 && !bad; i++) {
			r = ssh_batch_result(cb, i);
			if (r == NULL || r->cls != SSH_CLASS_CANCELLED ||
			    strstr(r->msg, "remote process group") == NULL ||
			    strstr(r->msg, "terminated") == NULL)
				bad = 1;
			show(r);
		}
		ok(!bad && cc.started == 2 && ssh_batch_done(cb),
		    "cancel: running targets end as cancelled, their process "
		    "groups terminated");
		ssh_batch_free(cb);
		x.on_output = NULL;
		x.arg = NULL;
	}

	/* 7. host keys */
	target_init(&t, "t2", 1, &auth);
	t.nknown = 0;
	r = run1(eng, &t, &x, &b);
	ok(r && !r->ok && r->cls == SSH_CLASS_HOSTKEY_UNKNOWN &&
	    r->status == OPS_E_HOSTKEY, "unknown host key refused");
	ok(r && strstr(r->msg, sshds[1].hk.fp) != NULL &&
	    strcmp(r->hostkey.fp, sshds[1].hk.fp) == 0,
	    "unknown host key: SHA256 fingerprint in message and result");
	show(r);
	ssh_batch_free(b);
	t.accept_new = 1;
	r = run1(eng, &t, &x, &b);
	ok(r && r->ok && r->hostkey_new &&
	    strcmp(r->hostkey.fp, sshds[1].hk.fp) == 0,
	    "accept_new accepts and reports the new key");
	ssh_batch_free(b);
	ssh_engine_close_idle(eng);
	t.accept_new = 1;	/* never overrides a known key */
	t.known = &sshds[2].hk;
	t.nknown = 1;
	r = run1(eng, &t, &x, &b);
	ok(r && !r->ok && r->cls == SSH_CLASS_HOSTKEY_CHANGED &&
	    strstr(r->msg, "HOST KEY CHANGED for t2") != NULL &&
	    strstr(r->msg, sshds[2].hk.fp) != NULL &&
	    strstr(r->msg, sshds[1].hk.fp) != NULL,
	    "changed host key refused loudly, even with accept_new");
	show(r);
	ssh_batch_free(b);

	/* known_hosts import, hashed entries included */
	v = env("OPS_SSH_KNOWN_HOSTS");
	ok(v && hostkey_known_hosts_file(v, sshds[1].addr, sshds[1].port,
	    &kh, &nkh, &err) == 0 && nkh == 1 &&
	    hostkey_equal(&kh[0], &sshds[1].hk),
	    "known_hosts: hashed entry found for sshd 2");
	target_init(&t, "t2", 1, &auth);
	t.known = kh;
	t.nknown = nkh;
	r = run1(eng, &t, &x, &b);
	ok(r && r->ok, "known_hosts: imported key lets the run through");
	ssh_batch_free(b);
	free(kh);
	kh = NULL;
	ok(v && hostkey_known_hosts_file(v, sshds[0].addr, sshds[0].port,
	    &kh, &nkh, &err) == 0 && nkh == 1 &&
	    hostkey_equal(&kh[0], &sshds[0].hk),
	    "known_hosts: plain [addr]:port entry found for sshd 1");
	free(kh);
	kh = NULL;
	ok(v && hostkey_known_hosts_file(v, "127.9.9.9", 1, &kh, &nkh,
	    &err) == 0 && nkh == 0, "known_hosts: no entry for other host");
	free(kh);
	kh = NULL;

	/* 8. authentication */
	target_init(&t, "t1", 0, &wrong);
	r = run1(eng, &t, &x, &b);
	ok(r && !r->ok && r->cls == SSH_CLASS_AUTH &&
	    r->status == OPS_E_AUTH, "wrong client key: class auth");
	show(r);
	ssh_batch_free(b);
	target_init(&t, "t1", 0, &ppauth);
	r = run1(eng, &t, &x, &b);
	show(r);
	ok(r && r->ok && !r->reused, "key with passphrase authenticates");
	ssh_batch_free(b);
	{
		struct secret *good = ppauth.passphrase;

		ppauth.passphrase = str_secret("not the passphrase");
		target_init(&t, "t1", 0, &ppauth);
		ssh_engine_close_idle(eng);
		r = run1(eng, &t, &x, &b);
		ok(r && !r->ok && r->cls == SSH_CLASS_AUTH,
		    "wrong passphrase: class auth");
		show(r);
		ssh_batch_free(b);
		secret_free(ppauth.passphrase);
		ppauth.passphrase = good;
	}
	if (env("OPS_SSH_PWUSER") != NULL) {
		memset(&pwauth, 0, sizeof(pwauth));
		pwauth.user = env("OPS_SSH_PWUSER");
		pwauth.password = str_secret(env("OPS_SSH_PWPASS"));
		target_init(&t, "t1", 0, &pwauth);
		x.command = "id -un";
		r = run1(eng, &t, &x, &b);
		show(r);
		ok(r && r->ok && r->out.len == strlen(pwauth.user) + 1 &&
		    memcmp(r->out.data, pwauth.user, strlen(pwauth.user)) == 0,
		    "password authentication");
		ssh_batch_free(b);
		badpw = pwauth;
		badpw.password = str_secret("wrong-password");
		target_init(&t, "t1", 0, &badpw);
		r = run1(eng, &t, &x, &b);
		ok(r && !r->ok && r->cls == SSH_CLASS_AUTH &&
		    strstr(r->msg, "password") != NULL &&
		    strstr(r->msg, "wrong-password") == NULL,
		    "wrong password: class auth, password not in message");
		show(r);
		ssh_batch_free(b);
		secret_free(pwauth.password);
		secret_free(badpw.password);
		x.command = "true";
	} else
		skip(2, env("OPS_SSH_PWSKIP") ? env("OPS_SSH_PWSKIP") :
		    "no password user");
	if (env("OPS_SSH_AGENT_SOCK") != NULL) {
		memset(&agauth, 0, sizeof(agauth));
		agauth.user = auth.user;
		agauth.agent = 1;
		agauth.agent_path = env("OPS_SSH_AGENT_SOCK");
		target_init(&t, "t1", 0, &agauth);
		r = run1(eng, &t, &x, &b);
		show(r);
		ok(r && r->ok, "ssh-agent authentication");
		ssh_batch_free(b);
	} else
		skip(1, "ssh-agent not available");

	/* 9. connection errors */
	target_init(&t, "t-refused", 0, &auth);
	t.port = (unsigned)atoi(env("OPS_SSH_CLOSED_PORT") ?
	    env("OPS_SSH_CLOSED_PORT") : "1");
	r = run1(eng, &t, &x, &b);
	ok(r && !r->ok && r->cls == SSH_CLASS_REFUSED,
	    "closed port: class connection-refused");
	show(r);
	ssh_batch_free(b);
	target_init(&t, "t-noname", 0, &auth);
	t.host = "no-such-host.invalid";
	r = run1(eng, &t, &x, &b);
	ok(r && !r->ok && r->cls == SSH_CLASS_RESOLVE,
	    "unresolvable name: class resolve");
	show(r);
	ssh_batch_free(b);
	ok(strcmp(ssh_class_name(SSH_CLASS_HOSTKEY_CHANGED),
	    "hostkey-changed") == 0 && strcmp(ssh_class_name(
	    SSH_CLASS_HOSTKEY_UNKNOWN), "hostkey-unknown") == 0,
	    "class names");

	/* 10. sudo: password on stdin, never in argv */
	if (env("OPS_SSH_SUDO") != NULL) {
		x.command = "id -u; cat";
		x.sudo = 1;
		x.sudo_password = str_secret("sudo-secret");
		x.stdin_data = (const unsigned char *)"in";
		x.stdin_len = 2;
		target_init(&t, "t1", 0, &auth);
		r = run1(eng, &t, &x, &b);
		show(r);
		ok(r && r->ok && r->out.len >= 2 &&
		    memcmp(r->out.data, "0\n", 2) == 0,
		    "sudo: command ran as root");
		ssh_batch_free(b);
		secret_free(x.sudo_password);
		memset(&x, 0, sizeof(x));
		x.command = "true";
	} else
		skip(1, "sudo not installed on the target");

	/* 11. fan-out: many targets across the sshds, one batch */
	v = env("OPS_SSH_SCALE");
	scale = v ? atoi(v) : 200;
	if (scale < 8)
		scale = 8;
	n = (size_t)scale;
	ts = calloc(n, sizeof(*ts));
	names = calloc(n, sizeof(*names));
	if (ts == NULL || names == NULL)
		return 1;
	ssh_engine_close_idle(eng);
	for (i = 0; i < n; i++) {
		snprintf(names[i], sizeof(names[i]), "t%zu", i + 1);
		target_init(&ts[i], names[i], (int)(i % (size_t)nsshd), &auth);
	}
	x.command = "echo same";
	ssh_engine_stats(eng, &st0);
	if (ssh_engine_run(eng, ts, n, &x, &b, &err) != 0)
		diag("fan-out: %s", err.msg);
	ssh_batch_counts(b, &nok, &nfail);
	ok(nok == n && nfail == 0, "%zu targets at once: all succeed "
	    "(%zu ok, %zu failed)", n, nok, nfail);
	for (i = 0, bad = 0; i < n; i++) {
		r = ssh_batch_result(b, i);
		if (!r->ok && bad++ < 3)
			show(r);
	}
	ssh_engine_stats(eng, &st1);
	ok(st1.handshakes - st0.handshakes == n && st1.reuses == st0.reuses,
	    "cold run: %lu new handshakes", st1.handshakes - st0.handshakes);
	ok(st1.pooled >= n, "sessions kept in the pool (%lu)", st1.pooled);
	ok(st1.opening_peak > 0 && st1.opening_peak <= 64 && st1.opening == 0,
	    "%zu targets opened at most 64 sessions at once (peak %lu)", n,
	    st1.opening_peak);
	{
		struct outgroup_item *items = calloc(n, sizeof(*items));
		struct outgroup_set *set = NULL;
		char nb[128];

		for (i = 0; items != NULL && i < n; i++) {
			r = ssh_batch_result(b, i);
			items[i].target = r->target;
			items[i].out = r->out.data;
			items[i].outlen = r->out.len;
			items[i].err = r->err.data;
			items[i].errlen = r->err.len;
			items[i].exit_status = r->exit_status;
		}
		ok(items && outgroup_fold(items, n, &set, &err) == 0 &&
		    set->ngroups == 1 && set->groups[0].nmembers == n,
		    "outgroup: identical outputs fold into one group");
		snprintf(nb, sizeof(nb), "t[1-%zu]", n);
		ok(set && strcmp(outgroup_names(&set->groups[0], items,
		    (char[128]){ 0 }, 128), nb) == 0,
		    "outgroup: names folded to %s", nb);
		outgroup_free(set);
		free(items);
	}
	ssh_batch_free(b);

	/* 12. pooled second run */
	x.command = "echo again";
	ssh_engine_stats(eng, &st0);
	ssh_engine_run(eng, ts, n, &x, &b, &err);
	ssh_batch_counts(b, &nok, &nfail);
	ssh_engine_stats(eng, &st1);
	ok(nok == n, "pooled run: all %zu succeed", n);
	ok(st1.reuses - st0.reuses == n && st1.handshakes == st0.handshakes,
	    "pooled run: %lu sessions reused, %lu new handshakes",
	    st1.reuses - st0.reuses, st1.handshakes - st0.handshakes);
	r = ssh_batch_result(b, 0);
	ok(r && r->reused && r->out.len == 6, "pooled result marked reused");
	ssh_batch_free(b);

	/* 13. dead pooled sessions are replaced transparently, once */
	ok(kill_sshd(sshds[0].pid, 0) > 0, "killed sshd 1's sessions");
	ssh_engine_stats(eng, &st0);
	ssh_engine_run(eng, ts, n, &x, &b, &err);
	ssh_batch_counts(b, &nok, &nfail);
	ssh_engine_stats(eng, &st1);
	ok(nok == n, "after dropped sessions: all %zu succeed", n);
	for (i = 0, bad = 0; i < n; i++) {
		r = ssh_batch_result(b, i);
		if (!r->ok && bad++ < 3)
			show(r);
	}
	ok((st1.reconnects - st0.reconnects) + (st1.idle_closed -
	    st0.idle_closed) >= n / (size_t)nsshd &&
	    st1.handshakes - st0.handshakes >= n / (size_t)nsshd,
	    "dropped sessions reconnected (%lu reconnects, %lu closed idle, "
	    "%lu handshakes)", st1.reconnects - st0.reconnects,
	    st1.idle_closed - st0.idle_closed,
	    st1.handshakes - st0.handshakes);
	ok(st1.opening == 0 && st1.opening_peak <= 64,
	    "reconnects took opening slots and gave them back (peak %lu)",
	    st1.opening_peak);
	ssh_batch_free(b);

	/* 14. idle expiry */
	{
		struct ssh_engine *e2 = NULL;
		struct ssh_stats s2;
		long long deadline;

		ssh_engine_config_init(&cfg);
		cfg.idle_timeout_ms = 200;
		ssh_engine_new(loop, &cfg, &e2, NULL);
		x.command = "true";
		ssh_engine_run(e2, ts, 4, &x, &b, &err);
		ssh_batch_free(b);
		ssh_engine_stats(e2, &s2);
		ok(s2.pooled == 4, "idle: 4 sessions pooled");
		deadline = evloop_now_ms() + 10000;
		while (evloop_now_ms() < deadline) {
			ssh_engine_stats(e2, &s2);
			if (s2.pooled == 0)
				break;
			evloop_run_once(loop, 0, NULL);
		}
		ok(s2.pooled == 0 && s2.idle_closed == 4,
		    "idle: sessions closed after the idle time");
		ssh_engine_free(e2);
	}

	/* 14b. sessions are opened max_opening at a time; pooled runs do
	 * not wait for an opening slot */
	{
		struct ssh_engine *e2 = NULL;
		struct ssh_stats s2;
		size_t m = 12;

		ssh_engine_config_init(&cfg);
		cfg.max_opening = 3;
		ssh_engine_new(loop, &cfg, &e2, NULL);
		x.command = "echo opened";
		ssh_engine_run(e2, ts, m, &x, &b, &err);
		ssh_batch_counts(b, &nok, &nfail);
		ssh_batch_free(b);
		ssh_engine_stats(e2, &s2);
		ok(nok == m && s2.handshakes == m,
		    "max_opening 3: all %zu targets succeed (%zu ok, %lu "
		    "handshakes)", m, nok, s2.handshakes);
		ok(s2.opening_peak == 3 && s2.opening == 0,
		    "max_opening 3: at most 3 sessions were opening at once "
		    "(peak %lu)", s2.opening_peak);
		ssh_engine_run(e2, ts, m, &x, &b, &err);
		ssh_batch_counts(b, &nok, &nfail);
		ssh_batch_free(b);
		ssh_engine_stats(e2, &s2);
		ok(nok == m && s2.reuses == m && s2.handshakes == m,
		    "max_opening 3: the pooled rerun reuses all %zu sessions",
		    m);
		ssh_engine_free(e2);
	}

	/* 15. one sshd killed mid-run fails only its targets */
	{
		struct counter cnt = { 0, 0 };
		size_t m = 40, dead_ok = 0, live_ok = 0, ndead = 0;
		long long deadline;
		int killed = 0;

		ssh_engine_close_idle(eng);
		x.command = "echo started; sleep 4; echo done";
		x.on_output = count_output;
		x.arg = &cnt;
		if (ssh_batch_start(eng, ts, m, &x, &b, &err) != 0)
			diag("start: %s", err.msg);
		deadline = evloop_now_ms() + 60000;
		while (b && !ssh_batch_done(b) && evloop_now_ms() < deadline) {
			evloop_run_once(loop, 0, NULL);
			if (!killed && cnt.started == m) {
				kill_sshd(sshds[nsshd - 1].pid, 1);
				killed = 1;
			}
		}
		ok(killed, "all %zu commands started before the kill", m);
		for (i = 0; b && i < m; i++) {
			r = ssh_batch_result(b, i);
			if ((int)(i % (size_t)nsshd) == nsshd - 1) {
				ndead++;
				dead_ok += r->ok;
				if (i == (size_t)nsshd - 1)
					show(r);
			} else
				live_ok += r->ok;
		}
		ok(b && ssh_batch_done(b) && dead_ok == 0 && ndead > 0,
		    "killed sshd: its %zu targets failed", ndead);
		ok(live_ok == m - ndead, "killed sshd: the other %zu succeeded "
		    "(%zu)", m - ndead, live_ok);
		r = b ? ssh_batch_result(b, (size_t)nsshd - 1) : NULL;
		ok(r && (r->cls == SSH_CLASS_CHANNEL ||
		    r->cls == SSH_CLASS_SIGNAL) && r->msg[0] != '\0',
		    "killed sshd: failure class %s",
		    r ? ssh_class_name(r->cls) : "-");
		ssh_batch_free(b);
		b = NULL;
	}

	/* 16. a refused target does not disturb the others */
	target_init(&ts[0], "t1", 0, &auth);
	ts[1].port = (unsigned)atoi(env("OPS_SSH_CLOSED_PORT") ?
	    env("OPS_SSH_CLOSED_PORT") : "1");
	x.command = "echo x";
	x.on_output = NULL;
	ssh_engine_run(eng, ts, 3, &x, &b, &err);
	ok(b && ssh_batch_result(b, 0)->ok && !ssh_batch_result(b, 1)->ok &&
	    ssh_batch_result(b, 2)->ok,
	    "mixed batch: one bad target, the others succeed");
	ssh_batch_free(b);

	ssh_engine_free(eng);
	evloop_free(loop);
	secret_free(auth.key);
	secret_free(wrong.key);
	secret_free(ppauth.key);
	secret_free(ppauth.passphrase);
	free(ts);
	free(names);
	return exit_status();
}

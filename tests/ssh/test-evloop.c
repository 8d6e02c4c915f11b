/*
 * test-evloop.c: the event loop, host key helpers and output grouping
 * (no sshd needed).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "evloop.h"
#include "hostkey.h"
#include "outgroup.h"
#include "tap.h"

struct ctx {
	int	fired[4];
	int	reads;
	int	hooks;
	int	pipefd[2];
	long long victim;
	struct evloop *loop;
};

static long long
t_once(struct evloop *loop, long long id, void *arg)
{
	((struct ctx *)arg)->fired[0]++;
	return EVLOOP_NOMORE;
}

static long long
t_periodic(struct evloop *loop, long long id, void *arg)
{
	struct ctx *c = arg;

	return ++c->fired[1] < 3 ? 1 : EVLOOP_NOMORE;
}

static long long
t_killer(struct evloop *loop, long long id, void *arg)
{
	struct ctx *c = arg;

	c->fired[2]++;
	evloop_timer_del(loop, c->victim);
	return EVLOOP_NOMORE;
}

static long long
t_victim(struct evloop *loop, long long id, void *arg)
{
	((struct ctx *)arg)->fired[3]++;
	return EVLOOP_NOMORE;
}

static void
on_read(struct evloop *loop, int fd, void *arg, int mask)
{
	struct ctx *c = arg;
	char b[16];

	if (mask & EVLOOP_READ) {
		c->reads++;
		if (read(fd, b, sizeof(b)) <= 0 || c->reads >= 2) {
			evloop_file_del(loop, fd, EVLOOP_READ);
			evloop_stop(loop);
		}
	}
}

static long long
t_write(struct evloop *loop, long long id, void *arg)
{
	struct ctx *c = arg;

	(void)write(c->pipefd[1], "x", 1);
	return c->reads < 2 ? 5 : EVLOOP_NOMORE;
}

static void
hook(struct evloop *loop, void *arg)
{
	((struct ctx *)arg)->hooks++;
}

int
main(void)
{
	struct evloop *loop = NULL;
	struct ctx c;
	struct hostkey hk, hk2, *keys = NULL;
	size_t nkeys = 0;
	unsigned char mac[20];
	int i, rc;
	static const char b64[] =
	    "AAAAC3NzaC1lZDI1NTE5AAAAIGyG/cRzpzLbC50m3bo8Tp3Q2LnI52JFKoYmE+Sh7OUS";
	static const char fp[] =
	    "SHA256:jm7VyNinocwyG9Ohqu9hCGhncc/xJmHMtBGOSPzCuRw";
	char kh[1024];

	plan(24);
	memset(&c, 0, sizeof(c));
	ok(evloop_new(&loop, NULL) == 0, "evloop_new");
	c.loop = loop;

	/* timers */
	evloop_timer_add(loop, 0, t_once, &c, NULL, NULL);
	evloop_timer_add(loop, 1, t_periodic, &c, NULL, NULL);
	evloop_timer_add(loop, 0, t_killer, &c, NULL, NULL);
	evloop_timer_add(loop, 50, t_victim, &c, &c.victim, NULL);
	evloop_set_before_sleep(loop, hook, &c);
	for (i = 0; i < 200 && (c.fired[1] < 3 || c.fired[0] < 1); i++)
		evloop_run_once(loop, 0, NULL);
	ok(c.fired[0] == 1, "one-shot timer fired once");
	is_int(c.fired[1], 3, "periodic timer fired until it said NOMORE");
	ok(c.fired[2] == 1, "timer callback ran");
	ok(evloop_timer_del(loop, c.victim) == OPS_E_NOTFOUND,
	    "timer deleted by another callback is gone");
	ok(c.hooks > 0, "before-sleep hook called (%d)", c.hooks);
	rc = evloop_run_once(loop, EVLOOP_DONT_WAIT, NULL);
	ok(rc == 0 && c.fired[3] == 0, "deleted timer never fires");

	/* file events */
	ok(pipe(c.pipefd) == 0, "pipe");
	ok(evloop_file_add(loop, c.pipefd[0], EVLOOP_READ, on_read, &c,
	    NULL) == 0, "watch read end");
	ok(evloop_file_mask(loop, c.pipefd[0]) == EVLOOP_READ, "mask read");
	ok(evloop_file_add(loop, -1, EVLOOP_READ, on_read, &c, NULL) ==
	    OPS_E_INVAL, "negative fd refused");
	evloop_timer_add(loop, 1, t_write, &c, NULL, NULL);
	ok(evloop_run(loop, NULL) == 0 && c.reads == 2,
	    "run until stopped: two reads");
	ok(evloop_file_mask(loop, c.pipefd[0]) == EVLOOP_NONE,
	    "callback removed its own event");
	close(c.pipefd[0]);
	close(c.pipefd[1]);
	ok(evloop_now_ms() > 0, "monotonic clock");
	evloop_free(loop);
	evloop_free(NULL);

	/* HMAC-SHA1, RFC 2202 test case 2 */
	hostkey_hmac_sha1((const unsigned char *)"Jefe", 4,
	    (const unsigned char *)"what do ya want for nothing?", 28, mac);
	ok(memcmp(mac, "\xef\xfc\xdf\x6a\xe5\xeb\x2f\xa2\xd2\x74\x16\xd5"
	    "\xf1\x84\xdf\x9c\x25\x9a\x7c\x79", 20) == 0, "HMAC-SHA1 RFC 2202");

	/* fingerprints as ssh-keygen -l prints them */
	ok(hostkey_from_base64(b64, &hk, NULL) == 0 &&
	    strcmp(hk.fp, fp) == 0 && strcmp(hk.type, "ssh-ed25519") == 0,
	    "SHA256 fingerprint matches ssh-keygen -l");
	ok(hostkey_from_fp(NULL, fp, &hk2, NULL) == 0 &&
	    hostkey_equal(&hk, &hk2), "fingerprint string parses and matches");
	ok(hostkey_from_fp(NULL, "MD5:aa", &hk2, NULL) == OPS_E_INVAL &&
	    hostkey_from_base64("!!notbase64", &hk2, NULL) == OPS_E_INVAL,
	    "malformed fingerprint and key refused");

	/* known_hosts: hashed, plain, port form, comments, junk */
	snprintf(kh, sizeof(kh),
	    "# comment\n"
	    "|1|YJu+OstL3SOOujYrXn9OJ5L27k8=|o8RPINDnzu7yDreLIYPPPjkhP+E= "
	    "ssh-ed25519 %s\n"
	    "plain.example,10.0.0.1 ssh-ed25519 %s c\r\n"
	    "@revoked bad.example ssh-ed25519 %s\n"
	    "garbage line\n"
	    "*.wild ssh-ed25519 %s\n", b64, b64, b64, b64);
	ok(hostkey_known_hosts_lookup(kh, strlen(kh), "h.example", 2200,
	    &keys, &nkeys, NULL) == 0 && nkeys == 1 &&
	    hostkey_equal(&keys[0], &hk), "hashed [host]:port entry matches");
	free(keys);
	ok(hostkey_known_hosts_lookup(kh, strlen(kh), "h.example", 22,
	    &keys, &nkeys, NULL) == 0 && nkeys == 0,
	    "hashed entry does not match another port");
	free(keys);
	ok(hostkey_known_hosts_lookup(kh, strlen(kh), "10.0.0.1", 22,
	    &keys, &nkeys, NULL) == 0 && nkeys == 1,
	    "plain entry in a comma list matches (CRLF ok)");
	free(keys);
	ok(hostkey_known_hosts_lookup(kh, strlen(kh), "bad.example", 22,
	    &keys, &nkeys, NULL) == 0 && nkeys == 0,
	    "@revoked and wildcard lines never match");
	free(keys);

	/* output grouping */
	{
		struct outgroup_item it[5] = {
			{ "web1", (const unsigned char *)"a", 1, NULL, 0, 0 },
			{ "web2", (const unsigned char *)"b", 1, NULL, 0, 0 },
			{ "web3", (const unsigned char *)"a", 1, NULL, 0, 0 },
			{ "db", (const unsigned char *)"a", 1, NULL, 0, 0 },
			{ "web5", (const unsigned char *)"a", 1, NULL, 0, 1 },
		};
		struct outgroup_set *set = NULL;
		char buf[64];

		ok(outgroup_fold(it, 5, &set, NULL) == 0 && set->ngroups == 3 &&
		    set->groups[0].nmembers == 3 &&
		    set->groups[2].nmembers == 1,
		    "outgroup: 3 groups (exit status counts)");
		ok(set && strcmp(outgroup_names(&set->groups[0], it, buf,
		    sizeof(buf)), "web[1,3],db") == 0,
		    "outgroup: names %s", set ? buf : "");
		outgroup_free(set);
		outgroup_free(NULL);
	}
	return exit_status();
}

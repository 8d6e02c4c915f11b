/*
 * test-knownhosts.c: the known_hosts rules OpenSSH applies and the import
 * must too: a matching negated pattern vetoes its line, a key @revoked
 * for a host never comes back from another line, @cert-authority lines
 * are counted and never used. Then a fuzz loop: seeded random mutations
 * of a file with every feature, each scanned for several hosts, checking
 * that no call fails, no revoked key is returned and a pathological
 * wildcard stays fast (meant for the sanitizer build; OPS_FUZZ_ITERS,
 * default 20000).
 */
#include "config.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "hostkey.h"
#include "tap.h"

#define K1	"AAAAC3NzaC1lZDI1NTE5AAAAIG4WNSdWGv/LXXqJHKLj/Vo+qGSK+ff9upHKHNpgZMdh"
#define K2	"AAAAC3NzaC1lZDI1NTE5AAAAIH2QyyGOIFHRgEYaGYbsaRppTBli1ofzVwE4scGkWp/z"
#define ED	" ssh-ed25519 "

static struct hostkey	k1, k2;

/* Scan text for host:port; keys, revoked and cert counts into res. */
static int
scan(const char *text, const char *host, unsigned port,
    struct hostkey_kh *res)
{
	return hostkey_known_hosts_scan(text, strlen(text), host, port, res,
	    NULL);
}

/* Exactly the keys want (n of them, in order) for host:port. */
static int
finds(const char *text, const char *host, unsigned port,
    const struct hostkey *want, size_t n)
{
	struct hostkey_kh	res;
	size_t			i;
	int			good;

	if (scan(text, host, port, &res) != 0)
		return 0;
	good = res.nkeys == n;
	for (i = 0; good && i < n; i++)
		good = hostkey_equal(&res.keys[i], &want[i]);
	if (!good)
		diag("  %s:%u: %zu keys, %zu revoked", host, port, res.nkeys,
		    res.nrevoked);
	hostkey_kh_done(&res);
	return good;
}

/* "|1|salt|hash" for name, as ssh-keygen -H writes it. */
static void
hashed(const char *name, char *out, size_t len)
{
	unsigned char	salt[20], mac[20];
	char		s64[40], m64[40];

	memset(salt, 0x5a, sizeof(salt));
	hostkey_hmac_sha1(salt, sizeof(salt), (const unsigned char *)name,
	    strlen(name), mac);
	sodium_bin2base64(s64, sizeof(s64), salt, sizeof(salt),
	    sodium_base64_VARIANT_ORIGINAL);
	sodium_bin2base64(m64, sizeof(m64), mac, sizeof(mac),
	    sodium_base64_VARIANT_ORIGINAL);
	snprintf(out, len, "|1|%s|%s", s64, m64);
}

static void
test_negation(void)
{
	char	text[1024], h[128];

	ok(finds("[127.0.0.3]:2601,![127.0.0.3]:2601" ED K1 "\n",
	    "127.0.0.3", 2601, NULL, 0),
	    "a negated pattern matching the host vetoes the line (F11)");
	ok(finds("host.example" ED K1 "\n", "host.example", 22, &k1, 1),
	    "a plain line still matches");
	ok(finds("b.example,!*.other" ED K1 "\n", "b.example", 22, &k1, 1),
	    "a negation that does not match the host leaves the line");
	ok(finds("!*.example,host.example" ED K1 "\n", "host.example", 22,
	    NULL, 0), "a negated wildcard vetoes, even listed first");
	ok(finds("host.example,!h?st.EXAMPLE" ED K1 "\n", "host.example", 22,
	    NULL, 0), "negation: ? wildcard, case ignored");
	ok(finds("host.example,!*" ED K1 "\n" "host.example" ED K2 "\n",
	    "host.example", 22, &k2, 1),
	    "a veto drops only its own line");
	ok(finds("[h]:2200,!h" ED K1 "\n", "h", 2200, &k1, 1),
	    "!h does not veto [h]:2200 (another name)");
	hashed("host.example", h, sizeof(h));
	snprintf(text, sizeof(text), "%s,!host.example" ED K1 "\n%s" ED K2
	    "\n", h, h);
	ok(finds(text, "host.example", 22, &k2, 1),
	    "a negation vetoes a hashed match on its line");
	ok(finds("*.example" ED K1 "\n" "h?st.example" ED K1 "\n",
	    "host.example", 22, NULL, 0),
	    "positive wildcards are not used to import");
}

static void
test_revoked(void)
{
	struct hostkey_kh	res;
	const char		*both = "@revoked host.example" ED K1 "\n"
				    "host.example" ED K1 "\n"
				    "host.example,other" ED K2 "\n";

	ok(scan(both, "host.example", 22, &res) == 0 && res.nkeys == 1 &&
	    hostkey_equal(&res.keys[0], &k2) && res.nrevoked == 1 &&
	    hostkey_equal(&res.revoked[0], &k1),
	    "a revoked key is not returned from another line; it is listed");
	hostkey_kh_done(&res);
	ok(finds("host.example" ED K1 "\n" "@revoked host.example" ED K1 "\n",
	    "host.example", 22, NULL, 0),
	    "revoked after the line that lists it: still not returned");
	ok(finds("@revoked *" ED K1 "\n" "h2" ED K1 "\n" "h2" ED K2 "\n",
	    "h2", 22, &k2, 1), "@revoked * revokes the key for every host");
	ok(finds("@revoked other" ED K1 "\n" "host" ED K1 "\n", "host", 22,
	    &k1, 1), "a key revoked for another host stays for this one");
	ok(finds("@revoked host,!host" ED K1 "\n" "host" ED K1 "\n", "host",
	    22, &k1, 1), "a vetoed @revoked line revokes nothing");
}

static void
test_markers(void)
{
	struct hostkey_kh	res;
	const char		*ca = "@cert-authority *.example" ED K1 "\n"
				    "@cert-authority host.example" ED K2 "\n"
				    "@cert-authority other" ED K2 "\n"
				    "@unknown host.example" ED K1 "\n";

	ok(scan(ca, "host.example", 22, &res) == 0 && res.nkeys == 0 &&
	    res.ncert_authority == 2 && res.nrevoked == 0,
	    "@cert-authority lines for the host counted (2), never used");
	hostkey_kh_done(&res);
	ok(finds("@revoked" "\n" "@revoked host.example\n"
	    "@revoked host.example ssh-ed25519\n" "host.example" ED K2 "\n",
	    "host.example", 22, &k2, 1), "truncated marker lines are skipped");
	ok(finds("host.example" ED K1 "\n", "HOST.EXAMPLE", 22, &k1, 1),
	    "names compare without case");
}

/* ---- fuzz ------------------------------------------------------------------ */

/* libc's generator, seeded: the same inputs on every run. */
static uint64_t
rng(void)
{
	return ((uint64_t)random() << 31) ^ (uint64_t)random();
}

static const char *const markers[] = { "", "", "", "@revoked ",
    "@cert-authority ", "@x " };
static const char *const pats[] = { "host.example", "h2", "x",
    "[host.example]:2200", "*", "h?", "*.example", "[h2]:1", "|1|AAAA|BBBB" };
static const char *const junk[] = { "!", "*", ",", " ", "\t", "\n", "\r",
    "#", "@", "|", "[", "]:", "\0", "\377" };

#define PICK(a)	(a)[rng() % (sizeof(a) / sizeof((a)[0]))]

/* Append s to buf (len so far, of cap); quietly stop when full. */
static void
put(char *buf, size_t *len, size_t cap, const char *s, size_t n)
{
	if (*len + n < cap) {
		memcpy(buf + *len, s, n);
		*len += n;
	}
}

/* A known_hosts text of random but mostly well-formed lines, then a few
 * junk pieces dropped in anywhere. */
static size_t
fuzz_text(char *buf, size_t cap)
{
	const char	*j;
	size_t		 len = 0, nl, np, k, at;

	for (nl = 1 + rng() % 8; nl > 0; nl--) {
		j = PICK(markers);
		put(buf, &len, cap, j, strlen(j));
		for (np = 1 + rng() % 3; np > 0; np--) {
			if (rng() % 3 == 0)
				put(buf, &len, cap, "!", 1);
			j = PICK(pats);
			put(buf, &len, cap, j, strlen(j));
			if (np > 1)
				put(buf, &len, cap, ",", 1);
		}
		j = rng() % 2 ? ED K1 : ED K2;
		put(buf, &len, cap, j, strlen(j));
		put(buf, &len, cap, "\n", 1);
	}
	for (k = rng() % 4; k > 0 && len > 0 && len + 2 < cap; k--) {
		j = PICK(junk);
		at = rng() % len;
		memmove(buf + at + 1, buf + at, len - at);
		buf[at] = *j;
		len++;
	}
	return len;
}

static void
test_fuzz(void)
{
	static const char *const hosts[] = { "host.example", "h2", "x", "*" };
	static const unsigned	 ports[] = { 22, 2200, 22, 1 };
	struct hostkey_kh	 res;
	const char		*env = getenv("OPS_FUZZ_ITERS");
	char			*buf, *big;
	size_t			 len, i, k, r, v, bad = 0, fails = 0, found = 0;
	size_t			 nrev = 0, ncert = 0;
	long			 iters = env != NULL ? atol(env) : 20000;

	if ((buf = malloc(4096)) == NULL || (big = malloc(65536)) == NULL) {
		ok(0, "fuzz: out of memory");
		free(buf);
		return;
	}
	for (i = 0; i < (size_t)iters; i++) {
		len = fuzz_text(buf, 4096);
		for (k = 0; k < 4; k++) {
			if (hostkey_known_hosts_scan(buf, len, hosts[k],
			    ports[k], &res, NULL) != 0) {
				fails++;
				continue;
			}
			found += res.nkeys;
			nrev += res.nrevoked;
			ncert += res.ncert_authority;
			for (r = 0; r < res.nkeys; r++)
				for (v = 0; v < res.nrevoked; v++)
					if (hostkey_equal(&res.keys[r],
					    &res.revoked[v]))
						bad++;
			hostkey_kh_done(&res);
		}
	}
	ok(fails == 0 && bad == 0 && found > 0 && nrev > 0 && ncert > 0,
	    "fuzz: %ld files x 4 hosts scanned, %zu keys found, none of "
	    "them revoked (%zu revoked, %zu CA lines; %zu fails, %zu revoked "
	    "returned)", iters, found, nrev, ncert, fails, bad);
	/* "!*a*a*a...b" against a long name: linear, not exponential. */
	len = 0;
	big[len++] = '!';
	while (len + 2 < 60000) {
		big[len++] = '*';
		big[len++] = 'a';
	}
	big[len++] = 'b';
	memcpy(big + len, ",x" ED K1 "\n", strlen(",x" ED K1 "\n") + 1);
	len += strlen(big + len);
	ok(hostkey_known_hosts_scan(big, len, "x", 22, &res, NULL) == 0 &&
	    res.nkeys == 1, "a 60000-byte wildcard pattern is matched (and "
	    "fast)");
	hostkey_kh_done(&res);
	free(big);
	free(buf);
}

int
main(void)
{
	if (sodium_init() < 0)
		return 1;
	srandom(0x6b6e6f77);	/* "know" */
	plan(20);
	ok(hostkey_from_base64(K1, &k1, NULL) == 0 &&
	    hostkey_from_base64(K2, &k2, NULL) == 0 && !hostkey_equal(&k1, &k2),
	    "two test keys");
	test_negation();
	test_revoked();
	test_markers();
	test_fuzz();
	return exit_status();
}

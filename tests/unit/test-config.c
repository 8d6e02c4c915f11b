/*
 * test-config.c: opsicle.conf parsing. Every options-table entry is
 * documented in opsicle.conf(5) and in share/opsicle.conf; defaults hold
 * without a file; good files set values; bad input (unknown key, bad
 * number, out of range, missing '=', overlong line, twice, bad list or
 * choice) is refused with FILE:LINE; config_load reads real files; and
 * random lines never crash the parser.
 */
#include "config.h"

#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "config-file.h"
#include "tap.h"

static char *
slurp(const char *rel)
{
	const char	*src = getenv("OPS_SRCDIR");
	char		 path[4096], *buf = NULL;
	FILE		*fp;
	long		 n;

	snprintf(path, sizeof(path), "%s/%s", src != NULL ? src : ".", rel);
	if ((fp = fopen(path, "r")) == NULL)
		return NULL;
	if (fseek(fp, 0, SEEK_END) == 0 && (n = ftell(fp)) >= 0 &&
	    fseek(fp, 0, SEEK_SET) == 0 && (buf = calloc(1, (size_t)n + 1)))
		if (fread(buf, 1, (size_t)n, fp) != (size_t)n) {
			free(buf);
			buf = NULL;
		}
	fclose(fp);
	return buf;
}

/* Parse text; 1 when refused with a message starting "t.conf:LINE: "
 * and containing want. */
static int
refused(const char *text, unsigned line, const char *want)
{
	struct ops_config	*cfg = NULL;
	struct ops_err		 err;
	char			 prefix[32];
	int			 rc;

	rc = config_parse(text, strlen(text), "t.conf", &cfg, &err);
	snprintf(prefix, sizeof(prefix), "t.conf:%u: ", line);
	if (rc == OPS_OK || cfg != NULL) {
		diag("accepted: %s", text);
		config_free(cfg);
		return 0;
	}
	if (strncmp(ops_err_msg(&err), prefix, strlen(prefix)) != 0 ||
	    strstr(ops_err_msg(&err), want) == NULL) {
		diag("message \"%s\" lacks \"%s\" / \"%s\"", ops_err_msg(&err),
		    prefix, want);
		return 0;
	}
	return 1;
}

static void
fuzz(void)
{
	static const char	 alphabet[] = "=#,@ \t\n\r\0kmgx-._0123456789"
				     "role.adminforksoutput-capkdf-cost";
	const struct config_option *t;
	struct ops_config	*cfg;
	char			 buf[2048];
	size_t			 n, nopt, i, len;
	int			 accepted = 0, iter;

	t = config_options(&nopt);
	for (iter = 0; iter < 20000; iter++) {
		len = randombytes_uniform(sizeof(buf));
		n = 0;
		/* Half the inputs start with a real key to get deeper. */
		if (iter % 2 == 0) {
			n = (size_t)snprintf(buf, sizeof(buf), "%s =",
			    t[randombytes_uniform((uint32_t)nopt)].name);
		}
		for (i = n; i < len; i++)
			buf[i] = randombytes_uniform(4) == 0 ?
			    (char)randombytes_uniform(256) :
			    alphabet[randombytes_uniform(sizeof(alphabet) - 1)];
		if (len < n)
			len = n;
		cfg = NULL;
		if (config_parse(buf, len, "fuzz", &cfg, NULL) == OPS_OK) {
			accepted++;
			(void)config_num(cfg, "forks");
			(void)config_str(cfg, "role.admin");
		}
		config_free(cfg);
	}
	/* Both outcomes must occur, or the loop never got past the first byte. */
	ok(accepted > 0 && accepted < 20000, "20000 random inputs parsed "
	    "without a crash, some accepted and some refused (%d accepted)",
	    accepted);
}

int
main(void)
{
	const struct config_option	*t;
	struct ops_config		*cfg = NULL;
	struct keys_kdf_limits		 lim;
	struct ops_err			 err;
	char				*man, *example, key[512], *longline;
	char				 dir[] = "/tmp/opsicle-config.XXXXXX";
	char				 path[256];
	const char			*good;
	size_t				 n, i;
	int				 bad, bad2, rc;
	FILE				*fp;

	if (sodium_init() < 0)
		skip_all("libsodium does not initialise");
	plan(29);
	t = config_options(&n);
	man = slurp("man/opsicle.conf.5");
	example = slurp("share/opsicle.conf");
	ok(man != NULL && example != NULL, "opsicle.conf.5 and the example "
	    "are readable through OPS_SRCDIR");
	bad = bad2 = 0;
	for (i = 0; i < n; i++) {
		snprintf(key, sizeof(key), ".It Ic %s", t[i].name);
		if (man == NULL || strstr(man, key) == NULL) {
			diag("opsicle.conf.5 lacks \"%s\"", key);
			bad++;
		}
		snprintf(key, sizeof(key), "# %s =", t[i].name);
		if (example == NULL || strstr(example, key) == NULL) {
			diag("share/opsicle.conf lacks \"%s\"", key);
			bad2++;
		}
	}
	ok(n >= 9 && bad == 0, "opsicle.conf.5 documents all %zu keys", n);
	ok(n >= 9 && bad2 == 0, "the example file shows all %zu keys", n);
	bad = 0;
	for (i = 0; i < n; i++)
		if (t[i].help == NULL || t[i].def == NULL ||
		    config_option_find(t[i].name) != &t[i])
			bad++;
	ok(bad == 0, "every entry has help and a default and is found by "
	    "name");

	rc = config_new(&cfg, &err);
	ok(rc == OPS_OK && config_num(cfg, "forks") == 64 &&
	    config_num(cfg, "output-cap") == 1024 * 1024 &&
	    config_num(cfg, "retention-days") == 90 &&
	    strcmp(config_str(cfg, "kdf-cost"), "moderate") == 0 &&
	    strcmp(config_str(cfg, "role.admin"), "") == 0 &&
	    !config_is_set(cfg, "forks"), "defaults");
	ok(config_num(cfg, "no-such") == 0 &&
	    strcmp(config_str(cfg, "forks"), "") == 0,
	    "unknown names and wrong types give 0 / \"\"");
	config_free(cfg);
	cfg = NULL;

	good = "# opsicle.conf\n"
	    "\n"
	    "   forks = 8   # fewer\n"
	    "output-cap=64k\n"
	    "role.viewer = alice, 1001 ,@ops,bob\r\n"
	    "role.operator =\n"
	    "socket-group = opsicle\n"
	    "kdf-cost = min\n"
	    "retention-days = 0";
	rc = config_parse(good, strlen(good), "good.conf", &cfg, &err);
	ok(rc == OPS_OK, "a good file parses (%s)",
	    rc == OPS_OK ? "ok" : ops_err_msg(&err));
	ok(config_num(cfg, "forks") == 8 &&
	    config_num(cfg, "output-cap") == 65536 &&
	    config_num(cfg, "retention-days") == 0 &&
	    config_is_set(cfg, "forks"), "numbers, suffixes and comments");
	ok(strcmp(config_str(cfg, "role.viewer"), "alice,1001,@ops,bob") == 0 &&
	    strcmp(config_str(cfg, "role.operator"), "") == 0,
	    "lists are canonical: \"%s\"", config_str(cfg, "role.viewer"));
	ok(strcmp(config_str(cfg, "socket-group"), "opsicle") == 0 &&
	    strcmp(config_str(cfg, "kdf-cost"), "min") == 0,
	    "words and choices");
	config_kdf_limits(cfg, &lim);
	ok(lim.opslimit == crypto_pwhash_OPSLIMIT_MIN &&
	    lim.memlimit == crypto_pwhash_MEMLIMIT_MIN,
	    "kdf-cost min maps to libsodium's minimum");
	config_free(cfg);
	cfg = NULL;
	unsetenv("OPSICLE_KDF");
	config_kdf_limits(NULL, &lim);
	ok(lim.opslimit == crypto_pwhash_OPSLIMIT_MODERATE &&
	    lim.memlimit == crypto_pwhash_MEMLIMIT_MODERATE,
	    "no config: moderate");
	setenv("OPSICLE_KDF", "interactive", 1);
	config_kdf_limits(NULL, &lim);
	ok(lim.memlimit == crypto_pwhash_MEMLIMIT_INTERACTIVE,
	    "OPSICLE_KDF overrides");
	unsetenv("OPSICLE_KDF");

	ok(refused("forks = 2\nbogus = 1\n", 2, "unknown key \"bogus\""),
	    "unknown key refused with file:line");
	ok(refused("forks = lots\n", 1, "forks needs a number"),
	    "bad number refused");
	ok(refused("\n\nforks = 0\n", 3, "forks must be 1 to 4096"),
	    "out of range refused");
	ok(refused("output-cap = 99999999999999999999\n", 1, "needs a number"),
	    "overflowing number refused");
	ok(refused("# c\nforks 4\n", 2, "expected \"key = value\""),
	    "missing '=' refused");
	ok(refused("= 4\n", 1, "missing key"), "missing key refused");
	ok(refused("forks =\n", 1, "needs a value"), "empty number refused");
	ok(refused("forks = 4\nforks = 5\n", 2, "given twice"),
	    "a key given twice is refused");
	ok(refused("kdf-cost = extreme\n", 1, "one of min, interactive"),
	    "bad choice refused, naming the choices");
	ok(refused("role.admin = alice, b@d\n", 1, "bad list item") &&
	    refused("role.admin = @\n", 1, "bad list item") &&
	    refused("socket-group = two words\n", 1, "one word"),
	    "bad list items and words refused");
	longline = malloc(CONFIG_LINE_MAX + 64);
	memset(longline, 'x', CONFIG_LINE_MAX + 63);
	memcpy(longline, "forks = 1\n# ", 12);
	longline[CONFIG_LINE_MAX + 63] = '\0';
	ok(refused("approval.adhoc-selector = tag:\n", 1,
	    "approval.adhoc-selector: ") &&
	    refused("approval.adhoc-selector = web[\n", 1,
	    "approval.adhoc-selector: ") &&
	    refused("approval.adhoc-required = 17\n", 1,
	    "approval.adhoc-required must be 1 to 16") &&
	    refused("approval.adhoc-totp = maybe\n", 1, "one of no, yes"),
	    "approval keys: a malformed selector, a count out of range and a "
	    "bad choice refused");
	{
		struct ops_config	*c2 = NULL;
		const char		*txt = "approval.adhoc-selector = "
					    "tag:prod, &web*\n"
					    "approval.adhoc-approvers = carol, "
					    "@ops\napproval.adhoc-expires = 2\n";

		ok(config_parse(txt, strlen(txt), "t.conf", &c2, NULL) == OPS_OK &&
		    strcmp(config_str(c2, "approval.adhoc-selector"),
		    "tag:prod, &web*") == 0 &&
		    strcmp(config_str(c2, "approval.adhoc-approvers"),
		    "carol,@ops") == 0 &&
		    config_num(c2, "approval.adhoc-expires") == 2 &&
		    config_num(c2, "approval.adhoc-required") == 1 &&
		    strcmp(config_str(c2, "approval.adhoc-selector"), "") != 0,
		    "approval keys: a selector expression, a list, a number");
		config_free(c2);
	}
	ok(refused(longline, 2, "line longer than 1024"),
	    "overlong line refused");
	free(longline);

	/* config_load: missing file, a real file, a bad real file. */
	if (mkdtemp(dir) == NULL)
		return exit_status();
	snprintf(path, sizeof(path), "%s/opsicle.conf", dir);
	rc = config_load(path, &cfg, &err);
	ok(rc == OPS_OK && config_num(cfg, "forks") == 64,
	    "a missing file gives the defaults");
	config_free(cfg);
	cfg = NULL;
	if ((fp = fopen(path, "w")) != NULL) {
		fputs("forks = 3\nretention-days = x\n", fp);
		fclose(fp);
	}
	rc = config_load(path, &cfg, &err);
	snprintf(key, sizeof(key), "%s:2: retention-days", path);
	ok(rc == OPS_E_INVAL && cfg == NULL &&
	    strncmp(ops_err_msg(&err), key, strlen(key)) == 0,
	    "a bad file is refused naming path and line: %s",
	    ops_err_msg(&err));
	unlink(path);
	rmdir(dir);

	fuzz();
	free(man);
	free(example);
	return exit_status();
}

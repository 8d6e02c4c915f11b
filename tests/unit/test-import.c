/*
 * test-import.c: the ssh_config and Ansible INI parsers. Good files
 * give the expected hosts, ports, users and tags; skipped constructs
 * give warnings with file:line; malformed input (bad ports, unterminated
 * quotes and sections, NUL bytes, overlong lines, vars without values)
 * is refused with file:line and an empty list; random input never
 * crashes either parser.
 */
#include "config.h"

#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "import-test.h"

static const struct import_host *
find(const struct import_list *l, const char *name)
{
	size_t	i;

	for (i = 0; i < l->n; i++)
		if (strcmp(l->v[i].name, name) == 0)
			return &l->v[i];
	return NULL;
}

static int
is_host(const struct import_list *l, const char *name, const char *host,
    int port, const char *user, const char *tags)
{
	const struct import_host	*h = find(l, name);
	char				 buf[512] = "";
	size_t				 i;

	if (h == NULL) {
		diag("no host %s", name);
		return 0;
	}
	for (i = 0; i < h->ntags; i++)
		snprintf(buf + strlen(buf), sizeof(buf) - strlen(buf), "%s%s",
		    i > 0 ? "," : "", h->tags[i]);
	if (strcmp(h->host, host) != 0 || h->port != port ||
	    (user == NULL) != (h->user == NULL) ||
	    (user != NULL && strcmp(user, h->user) != 0) ||
	    strcmp(buf, tags) != 0) {
		diag("%s: host %s port %d user %s tags %s", name, h->host,
		    h->port, h->user != NULL ? h->user : "(none)", buf);
		return 0;
	}
	return 1;
}

static int
has_warning(const struct import_list *l, const char *want)
{
	size_t	i;

	for (i = 0; i < l->nwarnings; i++)
		if (strstr(l->warnings[i], want) != NULL)
			return 1;
	diag("no warning with \"%s\" among %zu", want, l->nwarnings);
	return 0;
}

static int
any_warning(const struct import_list *l, const char *want)
{
	size_t	i;

	for (i = 0; i < l->nwarnings; i++)
		if (strstr(l->warnings[i], want) != NULL) {
			diag("unexpected warning: %s", l->warnings[i]);
			return 1;
		}
	return 0;
}

static int
refused(import_parse_fn *fn, const char *text, size_t len, const char *want)
{
	struct import_list	l = { NULL, 0, NULL, 0 };
	struct ops_err		err;

	return import_test_refused(fn, text, len, "f", want, &l, &err);
}

static void
fuzz(void)
{
	static const char	 alpha[] = "[]:=\"' \t\n#;*?!%h@abcHostNamePort"
				     "Userchildrenvarsansible_host_port_user0123456789";
	struct import_list	 l;
	char			 buf[4096];
	size_t			 len, i;
	int			 iter, okn = 0;

	for (iter = 0; iter < 20000; iter++) {
		len = randombytes_uniform(sizeof(buf));
		for (i = 0; i < len; i++)
			buf[i] = randombytes_uniform(8) == 0 ?
			    (char)randombytes_uniform(256) :
			    alpha[randombytes_uniform(sizeof(alpha) - 1)];
		if ((iter % 2 ? import_ansible_parse :
		    import_sshconfig_parse)(buf, len, "fuzz", &l, NULL) ==
		    OPS_OK)
			okn++;
		import_list_free(&l);
	}
	/* Both outcomes must occur, or the loop never got past the first byte. */
	ok(okn > 0 && okn < 20000, "20000 random inputs to both parsers "
	    "without a crash, some accepted and some refused (%d accepted)",
	    okn);
}

int
main(void)
{
	struct import_list	 l;
	struct ops_err		 err;
	const char		*ssh, *ini;
	char			*big;
	int			 rc;

	if (sodium_init() < 0)
		skip_all("libsodium does not initialise");
	plan(28);

	ssh = "# my hosts\n"
	    "Host web1 web2\n"
	    "    HostName %h.example.com\n"
	    "    User deploy\n"
	    "Host db1\n"
	    "\tHostName=10.0.0.5\n"
	    "\tPort 2222\n"
	    "\tUser \"db admin\"\n"
	    "\tPort 3333\n"
	    "Host *.internal bastion !nope\n"
	    "    port 2200\n"
	    "Match host foo\n"
	    "    User ignored\n"
	    "Include other.conf\n"
	    "Host *\n"
	    "    User everyone\r\n";
	rc = import_sshconfig_parse(ssh, strlen(ssh), "cfg", &l, &err);
	ok(rc == OPS_OK && l.n == 4, "ssh_config: four hosts (%s)",
	    rc == OPS_OK ? "ok" : ops_err_msg(&err));
	ok(is_host(&l, "web1", "web1.example.com", 0, "deploy", "") &&
	    is_host(&l, "web2", "web2.example.com", 0, "deploy", ""),
	    "ssh_config: one block, two aliases, %%h expanded");
	ok(is_host(&l, "db1", "10.0.0.5", 2222, "db admin", ""),
	    "ssh_config: Key=value, quotes, the first Port wins");
	ok(is_host(&l, "bastion", "bastion", 2200, "everyone", ""),
	    "ssh_config: keywords are case-insensitive; no HostName means "
	    "the alias; a later Host * gives what nothing set before");
	ok(has_warning(&l, "cfg:10: skipped pattern \"*.internal\"") &&
	    has_warning(&l, "skipped pattern \"!nope\"") &&
	    !any_warning(&l, "cfg:15: skipped pattern"),
	    "ssh_config: wildcard patterns that match no alias are reported "
	    "with file:line; Host * is not");
	ok(has_warning(&l, "cfg:12: skipped Match") &&
	    has_warning(&l, "cfg:14: Include not followed"),
	    "ssh_config: Match and Include are reported");
	ok(find(&l, "foo") == NULL && find(&l, "everyone") == NULL &&
	    find(&l, "*") == NULL &&
	    is_host(&l, "web1", "web1.example.com", 0, "deploy", ""),
	    "ssh_config: Match blocks apply to nothing; patterns are no "
	    "hosts; an earlier User wins over Host *");
	import_list_free(&l);
	ok(l.n == 0 && l.v == NULL, "import_list_free resets the list");

	ok(refused(import_sshconfig_parse, "Host a\n Port 0\n", 16,
	    "f:2: invalid port \"0\"") &&
	    refused(import_sshconfig_parse, "Host a\n Port 70000\n", 19,
	    "invalid port") &&
	    refused(import_sshconfig_parse, "Host a\n Port 22x\n", 17,
	    "invalid port"), "ssh_config: bad ports refused with file:line");
	ok(refused(import_sshconfig_parse, "Host \"a\n", 8,
	    "f:1: unterminated quote") &&
	    refused(import_sshconfig_parse, "Host a\n User\n", 13,
	    "f:2: User needs a value"),
	    "ssh_config: unterminated quotes and missing values refused");
	ok(refused(import_sshconfig_parse, "Host a\n\0HostName b\n", 18,
	    "f:2: NUL byte"), "ssh_config: NUL bytes refused");
	big = malloc(IMPORT_LINE_MAX + 100);
	memset(big, 'x', IMPORT_LINE_MAX + 99);
	memcpy(big, "Host a\n# ", 9);
	ok(refused(import_sshconfig_parse, big, IMPORT_LINE_MAX + 99,
	    "f:2: line longer than"), "ssh_config: overlong lines refused");
	memset(big, 'x', IMPORT_LINE_MAX + 99);
	memcpy(big, "a\n# ", 4);
	ok(refused(import_ansible_parse, big, IMPORT_LINE_MAX + 99,
	    "f:2: line longer than"), "ansible: overlong lines refused");
	free(big);

	ini = "# inventory\n"
	    "loose1 ansible_host=192.0.2.1\n"
	    "[web]\n"
	    "web1 ansible_host=10.0.1.1 ansible_port=2201 ansible_user=deploy\n"
	    "web2   ansible_ssh_host='10.0.1.2'  other=var\n"
	    "web[03:09].example.com\n"
	    "[db]\n"
	    "db1 ansible_host=\"10.0.2.1\" ansible_ssh_port=5432\n"
	    "web1\n"
	    "; a comment\n"
	    "[prod:children]\n"
	    "web\n"
	    "[site:children]\n"
	    "prod\n"
	    "[all:vars]\n"
	    "ansible_user=root\n"
	    "[ungrouped]\n"
	    "loose2\n";
	rc = import_ansible_parse(ini, strlen(ini), "inv", &l, &err);
	ok(rc == OPS_OK && l.n == 12, "ansible: twelve hosts, seven from a "
	    "range (%s, %zu)", rc == OPS_OK ? "ok" : ops_err_msg(&err), l.n);
	ok(is_host(&l, "loose1", "192.0.2.1", 0, "root", "") &&
	    is_host(&l, "loose2", "loose2", 0, "root", ""),
	    "ansible: hosts outside groups and in [ungrouped] get no tag, "
	    "and [all:vars]");
	ok(is_host(&l, "web1", "10.0.1.1", 2201, "deploy", "web,db,prod,site"),
	    "ansible: vars read; groups and :children (two levels) as tags; "
	    "a host's own user wins over [all:vars]");
	ok(is_host(&l, "web2", "10.0.1.2", 0, "root", "web,prod,site"),
	    "ansible: old ansible_ssh_host and quotes; other vars ignored");
	ok(is_host(&l, "db1", "10.0.2.1", 5432, "root", "db"),
	    "ansible: double quotes and ansible_ssh_port");
	ok(is_host(&l, "web03.example.com", "web03.example.com", 0, "root",
	    "web,prod,site") && is_host(&l, "web09.example.com",
	    "web09.example.com", 0, "root", "web,prod,site") &&
	    find(&l, "web10.example.com") == NULL &&
	    find(&l, "web[03:09].example.com") == NULL,
	    "ansible: a host range expands, zero-padded, bounds included");
	ok(l.nwarnings == 0, "ansible: nothing skipped, nothing warned "
	    "(%zu warnings)", l.nwarnings);
	import_list_free(&l);

	ini = "[a:children]\nb\n[b:children]\na\n[b]\nh1\n";
	rc = import_ansible_parse(ini, strlen(ini), "inv", &l, &err);
	ok(rc == OPS_OK && is_host(&l, "h1", "h1", 0, NULL, "b,a"),
	    "ansible: a cycle of children ends");
	import_list_free(&l);

	ok(refused(import_ansible_parse, "[web\nh1\n", 8,
	    "f:1: bad section header") &&
	    refused(import_ansible_parse, "[]\n", 3, "bad section header") &&
	    refused(import_ansible_parse, "[web] x\n", 8,
	    "bad section header"), "ansible: bad section headers refused");
	ok(refused(import_ansible_parse, "[web:hosts]\n", 12,
	    "f:1: unknown section kind"),
	    "ansible: unknown section kinds refused");
	ok(refused(import_ansible_parse, "h1 ansible_port=abc\n", 20,
	    "f:1: invalid port") &&
	    refused(import_ansible_parse, "\n\nh1 ansible_port=0\n", 20,
	    "f:3: invalid port"), "ansible: bad ports refused with file:line");
	ok(refused(import_ansible_parse, "h1 ansible_host=\n", 17,
	    "f:1: ansible_host needs a value") &&
	    refused(import_ansible_parse, "h1 junk\n", 8,
	    "f:1: expected key=value"),
	    "ansible: empty values and stray words refused");
	ok(refused(import_ansible_parse, "h1 ansible_host='x\n", 19,
	    "f:1: unterminated quote"), "ansible: unterminated quotes refused");
	ok(refused(import_ansible_parse, "h1\n\0", 4, "f:2: NUL byte"),
	    "ansible: NUL bytes refused");
	fuzz();
	return exit_status();
}

/*
 * test-import-defaults.c: what makes imported hosts reachable. ssh_config
 * Host * and other wildcard blocks give defaults with ssh's first match
 * wins (before and after the concrete block, negation, case, the lines
 * before the first Host); IdentityFile, ProxyJump and ProxyCommand per
 * host; Ansible INI [group:vars] and [all:vars] with Ansible's
 * precedence (host, child group, parent group, all; same depth by name);
 * host ranges, their limits and refusals; random ranges never crash.
 */
#include "config.h"

#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "import-test.h"

static struct import_list	l;
static struct ops_err		e;

static const struct import_host *
find(const char *name)
{
	size_t	i;

	for (i = 0; i < l.n; i++)
		if (strcmp(l.v[i].name, name) == 0)
			return &l.v[i];
	diag("no host %s", name);
	return NULL;
}

static int
same(const char *a, const char *b)
{
	if (a == NULL || b == NULL)
		return a == b;
	return strcmp(a, b) == 0;
}

/* name's host, port, user and identity file (NULL: none). */
static int
is(const char *name, const char *host, int port, const char *user,
    const char *identity)
{
	const struct import_host	*h = find(name);

	if (h == NULL)
		return 0;
	if (!same(h->host, host) || h->port != port || !same(h->user, user) ||
	    !same(h->identity, identity)) {
		diag("%s: host %s port %d user %s identity %s", name, h->host,
		    h->port, h->user ? h->user : "(none)",
		    h->identity ? h->identity : "(none)");
		return 0;
	}
	return 1;
}

static int
tags_are(const char *name, const char *want)
{
	const struct import_host	*h = find(name);
	char				 buf[512] = "";
	size_t				 i;

	if (h == NULL)
		return 0;
	for (i = 0; i < h->ntags; i++)
		snprintf(buf + strlen(buf), sizeof(buf) - strlen(buf), "%s%s",
		    i > 0 ? "," : "", h->tags[i]);
	if (strcmp(buf, want) != 0) {
		diag("%s: tags %s", name, buf);
		return 0;
	}
	return 1;
}

static int
proxy_has(const char *name, const char *want)
{
	const struct import_host	*h = find(name);

	if (h == NULL)
		return 0;
	if (want == NULL ? h->proxy != NULL : h->proxy == NULL ||
	    strstr(h->proxy, want) == NULL) {
		diag("%s: proxy %s", name, h->proxy ? h->proxy : "(none)");
		return 0;
	}
	return 1;
}

static int
warnings_with(const char *want)
{
	size_t	i;
	int	n = 0;

	for (i = 0; i < l.nwarnings; i++)
		if (strstr(l.warnings[i], want) != NULL)
			n++;
	return n;
}

static int
ssh(const char *text)
{
	return import_test_parse(import_sshconfig_parse, text, strlen(text),
	    "f", &l, &e);
}

static int
ini(const char *text)
{
	return import_test_parse(import_ansible_parse, text, strlen(text),
	    "inv", &l, &e);
}

static int
ini_refused(const char *text, const char *want)
{
	return import_test_refused(import_ansible_parse, text, strlen(text),
	    "inv", want, &l, &e);
}

static int
names_are(const char *want)
{
	char	buf[1024] = "";
	size_t	i;

	for (i = 0; i < l.n; i++)
		snprintf(buf + strlen(buf), sizeof(buf) - strlen(buf), "%s%s",
		    i > 0 ? " " : "", l.v[i].name);
	if (strcmp(buf, want) != 0) {
		diag("hosts: %s", buf);
		return 0;
	}
	return 1;
}

static void
test_ssh(void)
{
	ok(ssh("Host web1\n    Port 2201\nHost web2\n"
	    "Host *\n    Port 2200\n    User admin\n"
	    "    IdentityFile ~/.ssh/id_%h\n") &&
	    is("web1", "web1", 2201, "admin", "~/.ssh/id_web1") &&
	    is("web2", "web2", 2200, "admin", "~/.ssh/id_web2") &&
	    l.n == 2 && l.nwarnings == 0,
	    "ssh_config: a later Host * fills in what the host's own block "
	    "left unset (%%h in IdentityFile)");
	ok(ssh("Host *\n    User first\nHost web1\n    User second\n"
	    "    Port 2022\n") && is("web1", "web1", 2022, "first", NULL),
	    "ssh_config: an earlier Host * wins over the host's own block "
	    "(first match wins, as in ssh)");
	ok(ssh("IdentityFile ~/.ssh/global_key\n"
	    "Host WEB* !web-legacy\n    User webuser\n"
	    "Host web1 web-legacy db1\nHost db?\n    Port 5432\n") &&
	    is("web1", "web1", 0, "webuser", "~/.ssh/global_key") &&
	    is("web-legacy", "web-legacy", 0, NULL, "~/.ssh/global_key") &&
	    is("db1", "db1", 5432, NULL, "~/.ssh/global_key"),
	    "ssh_config: lines before the first Host apply to all; patterns "
	    "match without case, ? is one character, !pattern excludes");
	ok(ssh("Host bastion\n    HostName 10.0.0.1\n    ProxyJump none\n"
	    "Host app1\n    HostName 10.0.0.5\n"
	    "Host app2\n    ProxyCommand ssh -W %h:%p bastion\n"
	    "Host *\n    ProxyJump bastion\n") &&
	    proxy_has("bastion", NULL) &&
	    proxy_has("app1", "ProxyJump bastion (f:9)") &&
	    proxy_has("app2", "ProxyCommand ssh -W %h:%p bastion (f:7)") &&
	    is("app1", "10.0.0.5", 0, NULL, NULL),
	    "ssh_config: ProxyJump and ProxyCommand per host, from Host * too, "
	    "with file:line; ProxyJump none means direct");
	ok(ssh("Host a\n    IdentityFile ~/.ssh/a_key\n"
	    "    IdentityFile ~/.ssh/b_key\n"
	    "    CertificateFile ~/.ssh/a-cert.pub\n"
	    "Host b\n    IdentityFile none\n    CertificateFile x\n"
	    "Host c\n    IdentityFile %d/.ssh/100%%\n"
	    "Host *\n    IdentityFile ~/.ssh/later\n") &&
	    is("a", "a", 0, NULL, "~/.ssh/a_key") &&
	    is("b", "b", 0, NULL, NULL) &&
	    is("c", "c", 0, NULL, "%d/.ssh/100%%") &&
	    warnings_with("f:2: host a: only its first IdentityFile, "
	    "~/.ssh/a_key, is used (2 more ignored)") == 1 &&
	    warnings_with("CertificateFile ignored") == 1,
	    "ssh_config: the first IdentityFile is the host's, with a warning "
	    "for the others; none means none; %%d and %%%% are left for the "
	    "client; an ignored keyword warns once");
	{
		char	*big = malloc(64 * 1024);
		size_t	 i;

		big[0] = '\0';
		for (i = 0; i < 2001; i++)
			snprintf(big + strlen(big), 32, "Host *.d%zu\n", i);
		import_list_free(&l);
		i = (size_t)-import_sshconfig_parse(big, strlen(big), "f", &l,
		    &e);
		ok(i == (size_t)-OPS_E_TOOBIG && strstr(ops_err_msg(&e), "f:2001: more "
		    "than 2000 Host lines with wildcards") != NULL && l.n == 0,
		    "ssh_config: the wildcard blocks every host is matched "
		    "against are bounded (%s)", ops_err_msg(&e));
		free(big);
	}
	ok(ssh("Host h\n    IdentityFile ~/.ssh/%r@%n-%p\n    User u\n"
	    "    Port 99\n") && is("h", "h", 99, "u", "~/.ssh/u@h-99"),
	    "ssh_config: %%r, %%n and %%p in IdentityFile");
}

static void
test_ini(void)
{
	ok(ini("[all:vars]\nansible_user=root\nansible_port=2222\n"
	    "ansible_ssh_private_key_file=~/.ssh/all_key\n"
	    "[web]\nweb[01:03] ansible_host=10.0.0.1\n"
	    "[web:vars]\nansible_user = webuser\n"
	    "[prod:children]\nweb\ndb\n"
	    "[prod:vars]\nansible_user=produser\nansible_port=2200\n"
	    "[db]\ndb[a:c].example.com\n"
	    "db9 ansible_user=hostuser "
	    "ansible_ssh_common_args='-o ProxyJump=bastion'\n"
	    "[db:vars]\nansible_ssh_private_key_file=\"~/.ssh/db key\"\n"
	    "ansible_password=hunter2\n") && l.n == 7,
	    "ansible: group vars, all vars, children and ranges parse "
	    "(%zu hosts)", l.n);
	ok(is("web01", "10.0.0.1", 2200, "webuser", "~/.ssh/all_key") &&
	    is("web03", "10.0.0.1", 2200, "webuser", "~/.ssh/all_key") &&
	    tags_are("web02", "web,prod"),
	    "ansible: a child group's var wins over its parent's, a parent's "
	    "over all's; host vars apply to every host of a range");
	ok(is("dba.example.com", "dba.example.com", 2200, "produser",
	    "~/.ssh/db key") && tags_are("dbc.example.com", "db,prod"),
	    "ansible: [db:vars] key file (quoted), [prod:vars] user and port");
	ok(is("db9", "db9", 2200, "hostuser", "~/.ssh/db key") &&
	    proxy_has("db9", "ProxyJump=bastion") &&
	    proxy_has("dba.example.com", NULL),
	    "ansible: a host's own var wins; a jump in "
	    "ansible_ssh_common_args is reported");
	ok(warnings_with("inv:20: ansible_password ignored: secrets belong "
	    "in a credential") == 1 && warnings_with("hunter2") == 0,
	    "ansible: ansible_password warns with its line, never its value");
	ok(ini("[b]\nh1\n[a]\nh1\n[a:vars]\nansible_user=ua\n"
	    "[b:vars]\nansible_user=ub\n") && is("h1", "h1", 0, "ub", NULL),
	    "ansible: between groups of one depth the later name wins");
	ok(ini("[g:vars]\nansible_ssh_common_args=-J jump\n"
	    "[g]\nh1\nh2 ansible_ssh_common_args='-o Compression=yes'\n") &&
	    proxy_has("h1", "-J jump") && proxy_has("h2", NULL),
	    "ansible: a host's own ssh args without a jump override its "
	    "group's jump");
	ok(ini("[ungrouped]\nh1\n[ungrouped:vars]\nansible_port=2\n"
	    "[all:children]\nweb\n[web]\nh2\n[web:vars]\nansible_port=3\n") &&
	    is("h1", "h1", 2, NULL, NULL) && is("h2", "h2", 3, NULL, NULL) &&
	    tags_are("h2", "web"),
	    "ansible: [ungrouped:vars] and [all:children] work");
	ok(ini("[g]\nh1:2201\nw[1:2].d:2202 ansible_user=u\n"
	    "h3:2203 ansible_port=2204\n") &&
	    is("h1", "h1", 2201, NULL, NULL) && is("w2.d", "w2.d", 2202, "u",
	    NULL) && is("h3", "h3", 2204, NULL, NULL) &&
	    ini_refused("h1:http\n", "inv:1: invalid port"),
	    "ansible: host:port, also with a range; ansible_port on the line "
	    "wins");
	ok(ini_refused("[all:vars]\nnope\n", "inv:2: expected key=value in "
	    "[all:vars]") &&
	    ini_refused("[g:vars]\nansible_port=x\n", "inv:2: invalid port") &&
	    ini_refused("[g:vars]\nansible_host=\n",
	    "inv:2: ansible_host needs a value") &&
	    ini_refused("[g:vars]\nansible_user='x\n",
	    "inv:2: unterminated quote") &&
	    ini_refused("[:vars]\n", "inv:1: bad section header"),
	    "ansible: bad vars lines refused with file:line");
}

static void
test_ranges(void)
{
	char	*big;
	size_t	 i;

	ok(ini("h[1:9:4]\nx[a:c]\nr[1:2]-[a:b].d\nz[:2]\n") &&
	    names_are("h1 h5 h9 xa xb xc r1-a.d r1-b.d r2-a.d r2-b.d z0 z1 "
	    "z2"), "ranges: steps, letters, two ranges in one name (the "
	    "first slowest), an empty beginning is 0");
	ok(ini("[g]\nw[08:11]\n") && names_are("w08 w09 w10 w11") &&
	    tags_are("w10", "g"), "ranges: zero-padding kept across a "
	    "carry");
	ok(ini_refused("w[1:5000]\n", "inv:1: host range \"w[1:5000]\" "
	    "expands to more than 4096 hosts") &&
	    ini_refused("a[1:64][1:65]\n", "expands to more than 4096"),
	    "ranges: a name that expands past 4096 hosts is refused, also "
	    "through two ranges");
	ok(ini_refused("w[01:5]\n", "same length") &&
	    ini_refused("w[5:1]\n", "beginning is after the end") &&
	    ini_refused("w[1:\n", "has no closing ]") &&
	    ini_refused("w[x:1]\n", "bad host range") &&
	    ini_refused("w[1:2:0]\n", "bad host range") &&
	    ini_refused("w[ab:c]\n", "bad host range") &&
	    ini_refused("w1]\n", "a ] without a [") &&
	    ini_refused("w[1:9999999999]\n", "bad host range"),
	    "ranges: malformed ranges refused with the name");
	big = malloc(64 * 1024);
	big[0] = '\0';
	for (i = 0; i < 3; i++)
		snprintf(big + strlen(big), 64, "g%zu[0001:4000]\n", i);
	ok(ini_refused(big, "more than 10000 hosts"), "ranges: the whole "
	    "file stays within 10000 hosts");
	free(big);
}

static void
fuzz(void)
{
	static const char	*parts[] = { "[", "]", ":", "0", "1", "9", "a",
				    "z", "Z", "09", "-", ".", "w", "[1:3]",
				    "[a:c]", "[01:10:3]", "=", " ", "\n",
				    "[g:vars]\n", "ansible_port=", "[g]\n",
				    "[g:children]\n", "ansible_host=" };
	char			 buf[512];
	size_t			 i, n;
	int			 iter, okn = 0;

	for (iter = 0; iter < 20000; iter++) {
		buf[0] = '\0';
		n = randombytes_uniform(24);
		for (i = 0; i < n; i++)
			strcat(buf, parts[randombytes_uniform(
			    sizeof(parts) / sizeof(parts[0]))]);
		if (import_ansible_parse(buf, strlen(buf), "fuzz", &l,
		    NULL) == OPS_OK)
			okn++;
		import_list_free(&l);
	}
	ok(okn > 0 && okn < 20000, "20000 random ranged inventories without "
	    "a crash, some accepted and some refused (%d accepted)", okn);
}

int
main(void)
{
	if (sodium_init() < 0)
		skip_all("libsodium does not initialise");
	plan(23);
	test_ssh();
	test_ini();
	test_ranges();
	fuzz();
	import_list_free(&l);
	return exit_status();
}

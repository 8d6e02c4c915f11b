/*
 * test-import-yaml.c: the Ansible YAML inventory parser. all/children/
 * hosts/vars give hosts, tags and variables with the INI form's
 * precedence; ranges expand; an empty file is no hosts; what is not an
 * inventory (a list, a scalar group, bad hosts, broken YAML, NUL bytes)
 * is refused with file:line and an empty list; nesting and alias bombs
 * are bounded; random input never crashes the parser.
 */
#include "config.h"

#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "import-test.h"

static struct import_list	l;
static struct ops_err		e;

static int
same(const char *a, const char *b)
{
	if (a == NULL || b == NULL)
		return a == b;
	return strcmp(a, b) == 0;
}

static int
is(const char *name, const char *host, int port, const char *user,
    const char *identity, const char *tags)
{
	const struct import_host	*h = NULL;
	char				 buf[512] = "";
	size_t				 i;

	for (i = 0; i < l.n; i++)
		if (strcmp(l.v[i].name, name) == 0)
			h = &l.v[i];
	if (h == NULL) {
		diag("no host %s", name);
		return 0;
	}
	for (i = 0; i < h->ntags; i++)
		snprintf(buf + strlen(buf), sizeof(buf) - strlen(buf), "%s%s",
		    i > 0 ? "," : "", h->tags[i]);
	if (!same(h->host, host) || h->port != port || !same(h->user, user) ||
	    !same(h->identity, identity) || strcmp(buf, tags) != 0) {
		diag("%s: host %s port %d user %s identity %s tags %s", name,
		    h->host, h->port, h->user ? h->user : "(none)",
		    h->identity ? h->identity : "(none)", buf);
		return 0;
	}
	return 1;
}

static int
parse(const char *text)
{
	return import_test_parse(import_yaml_parse, text, strlen(text),
	    "inv.yml", &l, &e);
}

static int
refused(const char *text, size_t len, const char *want)
{
	return import_test_refused(import_yaml_parse, text, len, "f", want,
	    &l, &e);
}

static void
fuzz(void)
{
	static const char	*parts[] = { "all:", "hosts:", "vars:",
				    "children:", "web:", "h[1:3]:", "h1:",
				    "ansible_host: x", "ansible_port: 22",
				    "ansible_port: no", "\n", "  ", "    ",
				    "- ", "[", "]", "{", "}", ",", "&a ", "*a",
				    "'", "\"", "~", "null", "#", ":", "\t",
				    "---\n", "..." };
	char			 buf[1024];
	size_t			 i, n;
	int			 iter, okn = 0;

	for (iter = 0; iter < 20000; iter++) {
		buf[0] = '\0';
		n = randombytes_uniform(40);
		for (i = 0; i < n; i++)
			strcat(buf, parts[randombytes_uniform(
			    sizeof(parts) / sizeof(parts[0]))]);
		/* A random byte now and then. */
		if (n > 0 && randombytes_uniform(4) == 0)
			buf[randombytes_uniform((uint32_t)strlen(buf))] =
			    (char)(1 + randombytes_uniform(255));
		if (import_yaml_parse(buf, strlen(buf), "fuzz", &l, NULL) ==
		    OPS_OK)
			okn++;
		import_list_free(&l);
	}
	ok(okn > 0 && okn < 20000, "20000 random YAML inventories without a "
	    "crash, some accepted and some refused (%d accepted)", okn);
}

int
main(void)
{
	char	*big;
	size_t	 i;

	if (sodium_init() < 0)
		skip_all("libsodium does not initialise");
	plan(15);

	ok(parse("---\n# inventory\n"
	    "all:\n"
	    "  vars:\n"
	    "    ansible_user: root\n"
	    "    ansible_port: 2222\n"
	    "  hosts:\n"
	    "    loose1:\n"
	    "      ansible_host: 192.0.2.1\n"
	    "    loose2:\n"
	    "  children:\n"
	    "    prod:\n"
	    "      vars:\n"
	    "        ansible_user: produser\n"
	    "      children:\n"
	    "        web:\n"
	    "          hosts:\n"
	    "            web[01:03].example.com:\n"
	    "            web9: {ansible_user: 'own', ansible_port: \"2200\"}\n"
	    "          vars:\n"
	    "            ansible_ssh_private_key_file: ~/.ssh/web\n"
	    "        db:\n"
	    "          hosts:\n"
	    "            db1:\n"
	    "              ansible_ssh_host: 10.0.2.1\n"
	    "              ansible_ssh_common_args: -J bastion\n"
	    "              other: [1, 2]\n"
	    "    web:\n"
	    "      hosts:\n"
	    "        web9:\n") && l.n == 7,
	    "yaml: all, vars, hosts, children to any depth (%zu hosts)", l.n);
	ok(is("loose1", "192.0.2.1", 2222, "root", NULL, "") &&
	    is("loose2", "loose2", 2222, "root", NULL, ""),
	    "yaml: hosts of all get all's vars and no tag; a null host is a "
	    "host");
	ok(is("web02.example.com", "web02.example.com", 2222, "produser",
	    "~/.ssh/web", "web,prod"),
	    "yaml: ranges expand; a group's vars win over its parent's, its "
	    "parent's over all's; children pass their tags up");
	ok(is("web9", "web9", 2200, "own", "~/.ssh/web", "web,prod"),
	    "yaml: a host's own vars (flow mapping, quoted) win; a group "
	    "named twice is one group");
	ok(is("db1", "10.0.2.1", 2222, "produser", NULL, "db,prod"),
	    "yaml: old variable names; lists as values are other tools'");
	{
		const struct import_host	*h = NULL;

		for (i = 0; i < l.n; i++)
			if (strcmp(l.v[i].name, "db1") == 0)
				h = &l.v[i];
		ok(h != NULL && h->proxy != NULL &&
		    strstr(h->proxy, "-J bastion (inv.yml:26)") != NULL,
		    "yaml: a jump in ansible_ssh_common_args is reported with "
		    "its line");
	}
	ok(parse("") && l.n == 0 && parse("# nothing\n---\n") && l.n == 0,
	    "yaml: an empty document is no hosts");
	ok(parse("all:\n  hosts:\n    h1:\n  junk: 1\n") && l.n == 1 &&
	    l.nwarnings == 1 && strstr(l.warnings[0], "inv.yml:4: group all: "
	    "skipped key \"junk\"") != NULL,
	    "yaml: an unknown group key is skipped with a warning");
	ok(refused("- a\n- b\n", 8, "f:1: a YAML inventory is a mapping of "
	    "groups") &&
	    refused("all: 3\n", 7, "f:1: group all must be a mapping") &&
	    refused("all:\n  hosts: [a, b]\n", 21, "f:2: \"hosts\" of group "
	    "all must be a mapping") &&
	    refused("all:\n  children: [a]\n", 20, "f:2: \"children\" of "
	    "group all") &&
	    refused("all:\n  vars: 1\n", 15, "f:2: variables must be a "
	    "mapping"),
	    "yaml: what is not an inventory is refused with file:line");
	ok(refused("all:\n  hosts:\n    h1:\n      ansible_port: x\n", 44,
	    "f:4: invalid port") &&
	    refused("all:\n  hosts:\n    h[3:1]:\n", 25, "beginning is after "
	    "the end") &&
	    refused("all:\n  hosts:\n    h[1:5000]:\n", 28, "more than 4096"),
	    "yaml: bad ports and ranges refused with file:line");
	ok(refused("all:\n  hosts: {a: [\n", 20, "f:3: not YAML") &&
	    refused("all:\n\0", 6, "NUL byte"),
	    "yaml: broken YAML and NUL bytes refused");

	big = malloc(64 * 1024);
	strcpy(big, "all:\n");
	for (i = 0; i < 20; i++)
		snprintf(big + strlen(big), 64 * 1024 - strlen(big),
		    "%*schildren:\n%*sg%zu:\n", (int)(2 + 4 * i), "",
		    (int)(4 + 4 * i), "", i);
	ok(refused(big, strlen(big), "groups nested deeper than 16"),
	    "yaml: nesting of groups is bounded");
	/* libyaml's scanner is quadratic in the depth: refused early. */
	strcpy(big, "all: ");
	for (i = 0; i < 20000; i++)
		strcat(big + 5 + i, "[");
	ok(refused(big, strlen(big), "f:1: YAML nested deeper than 64 "
	    "levels"), "yaml: deep flow nesting is refused before it is "
	    "parsed");
	/* An alias bomb: each level names the one before nine times. */
	strcpy(big, "a0: &a0 {hosts: {h1: }}\n");
	for (i = 1; i < 10; i++)
		snprintf(big + strlen(big), 64 * 1024 - strlen(big),
		    "a%zu: &a%zu {children: {c%zu1: *a%zu, c%zu2: *a%zu, c%zu3: "
		    "*a%zu, c%zu4: *a%zu, c%zu5: *a%zu, c%zu6: *a%zu, c%zu7: "
		    "*a%zu, c%zu8: *a%zu, c%zu9: *a%zu}}\n", i, i, i, i - 1, i,
		    i - 1, i, i - 1, i, i - 1, i, i - 1, i, i - 1, i, i - 1, i,
		    i - 1, i, i - 1);
	ok(refused(big, strlen(big), "YAML nodes") ||
	    refused(big, strlen(big), "more than"),
	    "yaml: an alias bomb is refused, not walked (%s)", ops_err_msg(&e));
	free(big);
	fuzz();
	import_list_free(&l);
	return exit_status();
}

/*
 * cli-discover.c: "opsicle discover CIDR... [--port P]...": the daemon
 * scans the ranges for SSH servers and each one found is printed as it
 * comes (a discover-found event), then a summary line.
 *
 * The ranges (core/discover-range.h), the ports, --timeout and --rate
 * are checked here first: a bad one, or more than a /16 in all without
 * --force, is a usage error (exit 2); the daemon checks them again. The
 * banner is the server's text: printed through the terminal filter
 * (core/termsafe.h), like target names. With --json one object at the
 * end: the reply's counts plus "hosts", the events in the order they
 * came. Exit 1 when --add could not add a target.
 */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "discover-range.h"
#include "tui.h"

static cli_exec_fn	cli_discover;

const struct cmd_entry cmd_discover_entry = {
	.name = "discover",
	.usage = "discover CIDR... [--port P]... [--timeout MS] [--rate N/s] "
	    "[--add [--tag T]... [--user U] [--cred C]] [--force] [--json]",
	.help = "scan address ranges for SSH servers: banner, host key, "
	    "known targets and keys that differ",
	.details =
	    "  CIDR             10.0.0.0/24, 192.0.2.7, fd00::/120 (IPv4 or "
	    "IPv6)\n"
	    "  --port P         a port to probe (repeat; default 22)\n"
	    "  --timeout MS     per probe: connect, banner and host key "
	    "(default discover.timeout)\n"
	    "  --rate N/s       probes started per second at most (default "
	    "discover.rate)\n"
	    "  --add            add the servers at no target's address as "
	    "targets,\n"
	    "                   their host keys pending (hostkey accept "
	    "trusts them)\n"
	    "  --tag, --user, --cred  for the targets --add makes\n"
	    "  --force          scan more than a /16 (65536 addresses) in "
	    "all",
	.min_args = 1, .max_args = 256,
	.options = "port=* timeout= rate= add tag=* user= cred= force json",
	.flags = CMD_RW,
	.type = PROTO_DISCOVER,
	.exec = cli_discover,
};

/* A number 1..max from s, with an optional suffix ("/s"); -1 if bad. */
static long
number(const char *s, const char *suffix, long max)
{
	char	*end;
	long	 n;

	errno = 0;
	n = strtol(s, &end, 10);
	if (end == s || errno != 0 || n < 1 || n > max)
		return -1;
	if (*end != '\0' && (suffix == NULL || strcmp(end, suffix) != 0))
		return -1;
	return n;
}

static int
usage_err(const struct cli_args *a, const char *msg)
{
	cli_errmsg(a->e->name, msg);
	return EXIT_USAGE;
}

/* The request from the command line; EXIT_USAGE (printed) if bad. */
static int
build(const struct cli_args *a, json_t *m)
{
	struct discover_range	*r;
	struct ops_err		 err;
	const char		**v = NULL, *s;
	json_t			*ports;
	size_t			 n, i;
	long			 x;
	char			 msg[160];
	int			 rc = 0, force = cli_flag(a, "force");

	if ((r = calloc((size_t)a->npos, sizeof(*r))) == NULL)
		return usage_err(a, "out of memory");
	for (i = 0; rc == 0 && i < (size_t)a->npos; i++)
		if (discover_range_parse(a->pos[i], &r[i], &err) != OPS_OK)
			rc = usage_err(a, ops_err_msg(&err));
	if (rc == 0 && discover_ranges_check(r, (size_t)a->npos, force, NULL,
	    &err) != OPS_OK)
		rc = usage_err(a, ops_err_msg(&err));
	free(r);
	if (rc != 0)
		return rc;
	proto_add_str_array(m, "ranges", (const char *const *)a->pos,
	    (size_t)a->npos, NULL);
	if (force)
		proto_add_bool(m, "force", 1, NULL);
	ports = json_array();
	n = cli_opt_all(a, "port", &v);
	for (i = 0; i < n; i++) {
		if ((x = number(v[i], NULL, 65535)) < 0) {
			snprintf(msg, sizeof(msg), "--port needs a number "
			    "1-65535, not \"%.40s\"", v[i]);
			rc = usage_err(a, msg);
			break;
		}
		json_array_append_new(ports, json_integer(x));
	}
	free(v);
	if (rc == 0 && n > 0)
		proto_add_json(m, "ports", json_incref(ports), NULL);
	json_decref(ports);
	if (rc != 0)
		return rc;
	if ((s = cli_opt(a, "timeout")) != NULL) {
		if ((x = number(s, "ms", 600000)) < 10)
			return usage_err(a, "--timeout needs milliseconds, "
			    "10-600000");
		proto_add_int(m, "timeout", x, NULL);
	}
	if ((s = cli_opt(a, "rate")) != NULL) {
		if ((x = number(s, "/s", 100000)) < 0)
			return usage_err(a, "--rate needs probes per second, "
			    "1-100000 (\"200\" or \"200/s\")");
		proto_add_int(m, "rate", x, NULL);
	}
	if (!cli_flag(a, "add")) {
		if (cli_opt(a, "tag") != NULL || cli_opt(a, "user") != NULL ||
		    cli_opt(a, "cred") != NULL)
			return usage_err(a, "--tag, --user and --cred go with "
			    "--add");
		return 0;
	}
	proto_add_bool(m, "add", 1, NULL);
	n = cli_opt_all(a, "tag", &v);
	if (n > 0)
		proto_add_str_array(m, "tags", v, n, NULL);
	free(v);
	if ((s = cli_opt(a, "user")) != NULL)
		proto_add_str(m, "user", s, NULL);
	if ((s = cli_opt(a, "cred")) != NULL)
		proto_add_str(m, "cred", s, NULL);
	return 0;
}

/* One server found, as a line. */
static void
show_found(const json_t *ev)
{
	const char	*key = cli_str(ev, "key"), *t = cli_str(ev, "target");

	printf("%s port %lld: %s %s", cli_str(ev, "address"),
	    cli_int(ev, "port"), cli_str(ev, "key_type"),
	    cli_str(ev, "fingerprint"));
	if (json_object_get(ev, "target") != NULL) {
		fputs(", target ", stdout);
		cli_safe_puts(stdout, t);
		if (strcmp(key, "differs") == 0)
			fputs(" (HOST KEY DIFFERS from the target's known key)",
			    stdout);
		else
			printf(" (key %s)", key);
	} else if (json_object_get(ev, "added") != NULL) {
		fputs(", new: added as target ", stdout);
		cli_safe_puts(stdout, cli_str(ev, "added"));
		fputs(" (key pending)", stdout);
	} else
		fputs(", new", stdout);
	if (json_object_get(ev, "add_error") != NULL) {
		fputs(", not added: ", stdout);
		cli_safe_puts(stdout, cli_str(ev, "add_error"));
	}
	if (json_object_get(ev, "banner") != NULL) {
		fputs(", banner \"", stdout);
		cli_safe_puts(stdout, cli_str(ev, "banner"));
		fputc('"', stdout);
	}
	fputc('\n', stdout);
	fflush(stdout);
}

static void
show_summary(const json_t *r)
{
	printf("%lld probes: %lld open, %lld SSH servers (%lld known "
	    "targets, %lld keys differ), %zu added; %lld ms\n",
	    cli_int(r, "probes"), cli_int(r, "open"), cli_int(r, "found"),
	    cli_int(r, "known"), cli_int(r, "differs"),
	    json_array_size(json_object_get(r, "added")),
	    cli_int(r, "elapsed_ms"));
}

/* Events until the answer: 0 with *result (caller frees), or an exit. */
static int
scan(const struct cli_args *a, struct cli_conn *c, json_t *m, json_t *hosts,
    json_t **result)
{
	struct ops_err	 err;
	enum proto_type	 type;
	json_t		*r = NULL;
	long long	 rid;
	int		 rc = 0;

	if (client_send_msg(c, m, &rid, &err) != OPS_OK) {
		cli_errmsg(a->e->name, ops_err_msg(&err));
		return EXIT_NODAEMON;
	}
	for (;;) {
		if (client_recv(c, &r, &type, &err) != OPS_OK) {
			cli_errmsg(a->e->name, ops_err_msg(&err));
			return EXIT_NODAEMON;
		}
		if (type == PROTO_DISCOVER_FOUND) {
			if (a->json) {
				json_object_del(r, "v");
				json_object_del(r, "id");
				json_object_del(r, "type");
				json_array_append(hosts, r);
			} else
				show_found(r);
		} else if (!(proto_type_flags(type) & PROTO_F_EVENT) &&
		    proto_msg_id(r) == rid)
			break;
		json_decref(r);
	}
	if (type == PROTO_ERROR) {
		cli_errmsg(a->e->name, cli_str(r, "message"));
		rc = cli_int(r, "code") == OPS_E_INVAL ? EXIT_USAGE :
		    EXIT_REFUSED;
	} else
		*result = json_incref(json_object_get(r, "result"));
	json_decref(r);
	return rc;
}

static int
cli_discover(const struct cli_args *a)
{
	struct cli_conn	 c;
	struct ops_err	 err;
	json_t		*m = cli_msg(a), *hosts = json_array(), *r = NULL,
			*v;
	size_t		 i;
	int		 rc;

	if ((rc = build(a, m)) != 0)
		goto out;
	if ((rc = client_open(&c, !a->no_start, &err)) != OPS_OK) {
		cli_errmsg(NULL, ops_err_msg(&err));
		rc = c.refused ? EXIT_REFUSED : EXIT_NODAEMON;
		client_close(&c);
		goto out;
	}
	rc = scan(a, &c, m, hosts, &r);
	client_close(&c);
	if (rc != 0)
		goto out;
	if (a->json) {
		json_object_set(r, "hosts", hosts);
		cli_print_json(r);
	} else {
		show_summary(r);
		json_array_foreach(json_object_get(r, "add_errors"), i, v) {
			fputs("opsicle discover: not added: ", stderr);
			cli_safe_puts(stderr, cli_str(v, "name"));
			fputs(": ", stderr);
			cli_safe_puts(stderr, cli_str(v, "error"));
			fputc('\n', stderr);
		}
	}
	if (json_array_size(json_object_get(r, "add_errors")) > 0)
		rc = EXIT_REFUSED;
out:
	json_decref(r);
	json_decref(hosts);
	json_decref(m);
	return rc;
}

/*
 * cli-run-targets.c: what "opsicle run" runs on, apart from the command:
 * its SELECTOR... and -x/--exclude SELECTOR (opsicle(1) SELECTORS), and
 * --host [USER@]HOST[:PORT] (repeatable; ad-hoc hosts, checked here
 * first) with --cred and --accept-new-hostkey, and
 * what it feeds them: --stdin reads our standard input (at most
 * OPS_RUN_STDIN_MAX bytes, else a usage error before anything is sent)
 * and sends it base64 in the run request; the daemon writes it to every
 * target's command, then EOF. The request's copy is wiped after use.
 * The selectors are parsed here with the core parser first, so a
 * malformed one is a usage error before anything is sent; they go to the
 * daemon as their items rewritten ("web1,&tag:eu,!db1") and packed into
 * strings of at most OPS_PROTO_MAX_NAME bytes, which the daemon parses
 * again the same way.
 */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <sodium.h>

#include "model.h"
#include "tui.h"
#include "xmalloc.h"

/* The items of set with op (0: any), joined by ',' into strings of at
 * most OPS_PROTO_MAX_NAME bytes, added to m as key. */
static int
pack_items(const struct selector_set *set, int exclude, json_t *m,
    const char *key)
{
	char		 buf[OPS_PROTO_MAX_NAME + 1];
	const char	**v;
	char		**own;
	size_t		 i, len = 0, n = 0, il;
	const char	*pre;
	int		 rc = 0;

	v = xcalloc(set->n + 1, sizeof(*v));
	own = xcalloc(set->n + 1, sizeof(*own));
	buf[0] = '\0';
	for (i = 0; i < set->n; i++) {
		/* -x items go without their '!', as -x gave them. */
		if ((set->v[i].op == SELECTOR_OP_NOT) != exclude)
			continue;
		pre = exclude ? "" : selector_op_prefix(set->v[i].op);
		il = strlen(pre) + strlen(set->v[i].text);
		if (il > OPS_PROTO_MAX_NAME) {
			fprintf(stderr, "opsicle run: target selector term "
			    "%s%.32s... is longer than %d bytes\n", pre,
			    set->v[i].text, OPS_PROTO_MAX_NAME);
			rc = EXIT_USAGE;
			goto out;
		}
		if (len > 0 && len + 1 + il > OPS_PROTO_MAX_NAME) {
			v[n] = own[n] = xstrdup(buf);
			n++;
			len = 0;
		}
		len += (size_t)snprintf(buf + len, sizeof(buf) - len, "%s%s%s",
		    len > 0 ? "," : "", pre, set->v[i].text);
	}
	if (len > 0) {
		v[n] = own[n] = xstrdup(buf);
		n++;
	}
	if (n > 0 || !exclude)
		(void)proto_add_str_array(m, key, v, n, NULL);
out:
	for (i = 0; i < n; i++)
		free(own[i]);
	free(own);
	free(v);
	return rc;
}

/* --stdin: all of standard input into m's "stdin" (base64). */
static int
add_stdin(json_t *m)
{
	unsigned char	*buf;
	char		*b64;
	size_t		 len = 0, blen;
	ssize_t		 n;
	int		 rc = 0;

	buf = xmalloc(OPS_RUN_STDIN_MAX + 1);
	while (len <= OPS_RUN_STDIN_MAX && ((n = read(STDIN_FILENO,
	    buf + len, OPS_RUN_STDIN_MAX + 1 - len)) > 0 ||
	    (n < 0 && errno == EINTR)))
		if (n > 0)
			len += (size_t)n;
	if (n < 0) {
		fprintf(stderr, "opsicle run: --stdin: read standard input: "
		    "%s\n", strerror(errno));
		rc = EXIT_REFUSED;
	} else if (len > OPS_RUN_STDIN_MAX) {
		fprintf(stderr, "opsicle run: --stdin: standard input is "
		    "larger than %d MiB, the most run forwards; nothing was "
		    "run\n", OPS_RUN_STDIN_MAX / (1024 * 1024));
		rc = EXIT_USAGE;
	} else {
		blen = sodium_base64_ENCODED_LEN(len,
		    sodium_base64_VARIANT_ORIGINAL);
		b64 = xmalloc(blen);
		sodium_bin2base64(b64, blen, buf, len,
		    sodium_base64_VARIANT_ORIGINAL);
		(void)proto_add_str(m, "stdin", b64, NULL);
		sodium_memzero(b64, blen);
		free(b64);
	}
	sodium_memzero(buf, len);
	free(buf);
	return rc;
}

void
cli_run_wipe(json_t *m)
{
	json_t	*v = json_object_get(m, "stdin");

	if (json_is_string(v))
		sodium_memzero((char *)json_string_value(v),
		    json_string_length(v));
}

/* --host (checked here first, canonical on the wire), --cred and
 * --accept-new-hostkey. */
static int
add_hosts(const struct cli_args *a, json_t *m)
{
	struct adhoc_host	  h;
	struct ops_err		  err;
	const char		**v = NULL;
	char			**canon;
	size_t			  n, i;
	int			  rc = 0;

	n = cli_opt_all(a, "host", &v);
	if (n == 0) {
		free(v);
		if (cli_opt(a, "cred") == NULL &&
		    !cli_flag(a, "accept-new-hostkey"))
			return 0;
		fprintf(stderr, "opsicle run: --cred and --accept-new-hostkey "
		    "are for --host\n");
		return EXIT_USAGE;
	}
	canon = xcalloc(n + 1, sizeof(*canon));
	for (i = 0; i < n && rc == 0; i++) {
		if (adhoc_host_parse(v[i], &h, &err) != OPS_OK) {
			cli_errmsg("run", ops_err_msg(&err));
			rc = EXIT_USAGE;
		} else
			canon[i] = xstrdup(h.name);
	}
	if (rc == 0) {
		(void)proto_add_str_array(m, "hosts", (const char *const *)canon,
		    n, NULL);
		if (cli_opt(a, "cred") != NULL)
			(void)proto_add_str(m, "cred", cli_opt(a, "cred"),
			    NULL);
		if (cli_flag(a, "accept-new-hostkey"))
			(void)proto_add_bool(m, "accept_new_hostkey", 1, NULL);
	}
	for (i = 0; i < n; i++)
		free(canon[i]);
	free(canon);
	free(v);
	return rc;
}

int
cli_run_targets(const struct cli_args *a, char *const *sel, int nsel,
    json_t *m)
{
	struct selector_set	 set;
	struct ops_err		 err;
	const char		**x = NULL;
	size_t			 nx, i;
	int			 rc;

	if (selector_set_parse(&set, (const char *const *)sel, (size_t)nsel,
	    &err) != OPS_OK) {
		cli_errmsg("run", ops_err_msg(&err));
		return EXIT_USAGE;
	}
	nx = cli_opt_all(a, "exclude", &x);
	if (nx > 0 && nsel == 0) {
		fprintf(stderr, "opsicle run: -x removes targets from what the "
		    "SELECTORs select: give some\n");
		rc = EXIT_USAGE;
		goto out;
	}
	for (i = 0; i < nx; i++)
		if (selector_set_add(&set, x[i], 1, &err) != OPS_OK) {
			cli_errmsg("run", ops_err_msg(&err));
			rc = EXIT_USAGE;
			goto out;
		}
	/* Plain and '&' items, then the '!' and -x ones apart. */
	if ((rc = pack_items(&set, 0, m, "selectors")) == 0)
		rc = pack_items(&set, 1, m, "exclude");
	if (rc == 0)
		rc = add_hosts(a, m);
	if (rc == 0 && cli_flag(a, "stdin"))
		rc = add_stdin(m);
out:
	free(x);
	selector_set_done(&set);
	return rc;
}

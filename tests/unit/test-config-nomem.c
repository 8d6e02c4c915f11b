/*
 * test-config-nomem.c: config.c recovers from out-of-memory, as the
 * daemon's SIGHUP reload needs (it keeps the old config when the new
 * one is refused). config_new, config_parse and config_load are run
 * with each of their allocations failing in turn, once and from then
 * on: every failure is OPS_E_NOMEM (not "bad value"), returns no
 * config, frees what it took, and the config in use is untouched.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "alloc-fault.h"
#include "config-file.h"
#include "tap.h"

/* Every kind of value: lists, a word, numbers, choices. */
static const char text[] =
    "# opsicle.conf\n"
    "role.admin = root, @wheel\n"
    "role.operator = deploy,1001\n"
    "role.viewer =\n"
    "socket-group = ops\n"
    "forks = 32\n"
    "output-cap = 4m\n"
    "kdf-cost = min\n"
    "log-level = debug\n";

struct cfg_case {
	const char		*path;	/* config_load's file */
	struct ops_config	*out;
	const struct ops_config	*live;	/* the config in use */
};

static int
try_new(void *arg, struct ops_err *err)
{
	struct cfg_case	*c = arg;

	return config_new(&c->out, err);
}

static int
try_parse(void *arg, struct ops_err *err)
{
	struct cfg_case	*c = arg;

	return config_parse(text, sizeof(text) - 1, "test.conf", &c->out,
	    err);
}

static int
try_load(void *arg, struct ops_err *err)
{
	struct cfg_case	*c = arg;

	return config_load(c->path, &c->out, err);
}

/* No config came back, and the one in use still reads as it did. */
static int
untouched(void *arg)
{
	struct cfg_case	*c = arg;

	return c->out == NULL && config_num(c->live, "forks") == 7 &&
	    strcmp(config_str(c->live, "role.admin"), "alice,@ops") == 0;
}

static void
release(void *arg)
{
	struct cfg_case	*c = arg;

	config_free(c->out);
	c->out = NULL;
}

int
main(void)
{
	static const char	 livetext[] =
	    "forks = 7\nrole.admin = alice @ops\n";
	const struct alloc_fault new_af = { try_new, untouched, release };
	const struct alloc_fault parse_af = { try_parse, untouched, release };
	const struct alloc_fault load_af = { try_load, untouched, release };
	const struct {
		const char		*name;
		const struct alloc_fault *af;
		enum ops_alloc_fail	 mode;
	} runs[] = {
		{ "config_new, one failure", &new_af, OPS_ALLOC_FAIL_ONCE },
		{ "config_new, failing from then on", &new_af,
		    OPS_ALLOC_FAIL_ALL },
		{ "config_parse, one failure", &parse_af, OPS_ALLOC_FAIL_ONCE },
		{ "config_parse, failing from then on", &parse_af,
		    OPS_ALLOC_FAIL_ALL },
		{ "config_load, one failure", &load_af, OPS_ALLOC_FAIL_ONCE },
		{ "config_load, failing from then on", &load_af,
		    OPS_ALLOC_FAIL_ALL },
	};
	struct alloc_fault_result res;
	struct cfg_case		 c = { NULL, NULL, NULL };
	size_t			 i;
	struct ops_config	*live = NULL;
	char			 path[] = "/tmp/test-config-nomem.XXXXXX";
	FILE			*fp;
	int			 fd;

	plan(6 * ALLOC_FAULT_TESTS + 2);
	ok(config_parse(livetext, sizeof(livetext) - 1, "live.conf", &live,
	    NULL) == OPS_OK, "the config in use parses");
	c.live = live;
	if ((fd = mkstemp(path)) == -1 || (fp = fdopen(fd, "w")) == NULL ||
	    fputs(text, fp) == EOF || fclose(fp) != 0)
		ok(0, "write %s", path);
	else
		ok(1, "write %s", path);
	c.path = path;

	for (i = 0; i < sizeof(runs) / sizeof(runs[0]); i++) {
		alloc_fault_run(runs[i].af, &c, runs[i].mode, &res);
		alloc_fault_report(runs[i].name, &res);
	}

	config_free(live);
	unlink(path);
	return exit_status();
}

/*
 * cli-automation-apply.c: automation apply FILE. The file is parsed here
 * first (a refused document is a usage error, exit 2, with the parser's
 * field, line and column, and nothing is sent); the files its steps name
 * are read relative to FILE's directory and sent with it, all bounded by
 * the store's limits (core/store.h), which also keep the request inside
 * one protocol frame. The daemon parses it again and decides: created,
 * a new version, or unchanged. Its validation refusals are exit 2 too.
 */
#include "config.h"

#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "autodoc.h"
#include "automation.h"
#include "store.h"
#include "tui.h"

static cli_exec_fn	cli_automation_apply;

const struct cmd_entry cmd_automation_apply_entry = {
	.name = "automation apply",
	.usage = "automation apply FILE [--json]",
	.help = "store an automation file (YAML or JSON): a new automation, "
	    "a new version when it or a file it names changed, or unchanged",
	.details = "The files its steps name (a script's file, an upload's "
	    "src) are read\nrelative to FILE's directory and stored with the "
	    "version.",
	.min_args = 1, .max_args = 1,
	.options = "json",
	.flags = CMD_RW,
	.type = PROTO_AUTOMATION_APPLY,
	.exec = cli_automation_apply,
};

/* Up to max bytes of the regular file at path; *buf caller frees. */
static int
read_bounded(const char *path, size_t max, unsigned char **buf, size_t *len,
    struct ops_err *err)
{
	struct stat	 sb;
	unsigned char	*p = NULL;
	size_t		 n = 0;
	ssize_t		 r;
	int		 fd, rc = OPS_OK;

	*buf = NULL;
	*len = 0;
	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) == -1)
		return ops_err_errno(err, OPS_E_IO, "open %s", path);
	if (fstat(fd, &sb) == -1) {
		rc = ops_err_errno(err, OPS_E_IO, "stat %s", path);
		goto out;
	}
	if (!S_ISREG(sb.st_mode)) {
		rc = ops_err_set(err, OPS_E_IO, "%s is not a regular file",
		    path);
		goto out;
	}
	if ((p = malloc(max + 2)) == NULL) {
		rc = ops_err_set(err, OPS_E_NOMEM, "read %s", path);
		goto out;
	}
	while (n <= max) {
		if ((r = read(fd, p + n, max + 1 - n)) == -1) {
			if (errno == EINTR)
				continue;
			rc = ops_err_errno(err, OPS_E_IO, "read %s", path);
			goto out;
		}
		if (r == 0)
			break;
		n += (size_t)r;
	}
	if (n > max) {
		rc = ops_err_set(err, OPS_E_TOOBIG, "%s is larger than %zu "
		    "bytes", path, max);
		goto out;
	}
	p[n] = '\0';
	*buf = p;
	*len = n;
	p = NULL;
out:
	free(p);
	close(fd);
	return rc;
}

/* FILE's directory joined with rel (absolute rel stays); caller frees. */
static char *
resolve(const char *file, const char *rel)
{
	const char	*slash = strrchr(file, '/');
	char		*out;
	size_t		 dlen;

	if (rel[0] == '/' || slash == NULL)
		return strdup(rel);
	dlen = (size_t)(slash - file);
	if ((out = malloc(dlen + 1 + strlen(rel) + 1)) == NULL)
		return NULL;
	memcpy(out, file, dlen);
	out[dlen] = '/';
	strcpy(out + dlen + 1, rel);
	return out;
}

struct apply_files {
	json_t	*list;		/* [{path, data}] */
	size_t	 total;		/* document and files, bytes */
};

/* Read one named file into f (bounded by what is left of the total). */
static int
add_file(const char *file, const char *rel, struct apply_files *f,
    struct ops_err *err)
{
	unsigned char	*data = NULL;
	char		*path, *b64 = NULL;
	json_t		*o = NULL;
	size_t		 len;
	int		 rc;

	if ((path = resolve(file, rel)) == NULL)
		return ops_err_set(err, OPS_E_NOMEM, "read %s", rel);
	rc = read_bounded(path, STORE_AUTOTOTAL_MAX - f->total, &data, &len,
	    err);
	if (rc == OPS_E_TOOBIG)
		rc = ops_err_set(err, OPS_E_TOOBIG, "%s and the files its "
		    "steps name are more than %d bytes (8 MiB), the most an "
		    "apply takes; %s is one of them", file,
		    STORE_AUTOTOTAL_MAX, path);
	if (rc != OPS_OK)
		goto out;
	f->total += len;
	if ((b64 = autodoc_b64(data, len)) == NULL ||
	    (o = json_object()) == NULL ||
	    json_object_set_new(o, "path", json_string(rel)) != 0 ||
	    json_object_set_new(o, "data", json_string(b64)) != 0 ||
	    json_array_append(f->list, o) != 0)
		rc = ops_err_set(err, OPS_E_NOMEM, "read %s", path);
out:
	json_decref(o);
	free(b64);
	free(data);
	free(path);
	return rc;
}

/* The request for file: 0, or an exit code (the reason printed). */
static int
build(const struct cli_args *a, const char *file, json_t **out)
{
	struct automation	 *au = NULL;
	struct apply_files	  f = { NULL, 0 };
	struct ops_err		  err;
	const char		**named = NULL, *format;
	unsigned char		 *doc = NULL;
	char			 *b64 = NULL;
	size_t			  dlen, n = 0, i;
	json_t			 *m = NULL;
	int			  rc, ex = EXIT_REFUSED;

	*out = NULL;
	if ((rc = read_bounded(file, STORE_AUTODOC_MAX, &doc, &dlen, &err)) !=
	    OPS_OK) {
		if (rc == OPS_E_TOOBIG) {
			ex = EXIT_USAGE;
			ops_err_set(&err, rc, "%s is larger than %d bytes (1 "
			    "MiB), the most an automation document holds",
			    file, STORE_AUTODOC_MAX);
		}
		goto fail;
	}
	format = autodoc_format_guess(file, doc, dlen);
	if ((rc = automation_parse((const char *)doc, dlen,
	    autodoc_format(format), &au, &err)) != OPS_OK) {
		ex = EXIT_USAGE;
		goto fail_file;
	}
	f.total = dlen;
	if ((f.list = json_array()) == NULL ||
	    (rc = autodoc_files(au, &named, &n, &err)) != OPS_OK)
		goto fail;
	if (n > STORE_AUTOFILES_MAX) {
		ops_err_set(&err, OPS_E_TOOBIG, "its steps name %zu files, "
		    "more than the %d an automation keeps", n,
		    STORE_AUTOFILES_MAX);
		ex = EXIT_USAGE;
		goto fail_file;
	}
	for (i = 0; i < n; i++)
		if ((rc = add_file(file, named[i], &f, &err)) != OPS_OK) {
			if (rc == OPS_E_TOOBIG)
				ex = EXIT_USAGE;
			goto fail;
		}
	m = cli_msg(a);
	if ((b64 = autodoc_b64(doc, dlen)) == NULL ||
	    proto_add_str(m, "format", format, &err) != OPS_OK ||
	    proto_add_str(m, "doc", b64, &err) != OPS_OK ||
	    (n > 0 && proto_add_json(m, "files", json_incref(f.list),
	    &err) != OPS_OK))
		goto fail;
	if (strlen(file) <= OPS_PROTO_MAX_NAME)
		(void)proto_add_str(m, "source", file, NULL);
	*out = m;
	m = NULL;
	ex = 0;
	goto out;
fail_file:
	fprintf(stderr, "opsicle %s: %s: ", a->e->name, file);
	cli_safe_puts(stderr, ops_err_msg(&err));
	fputc('\n', stderr);
	goto out;
fail:
	cli_errmsg(a->e->name, ops_err_msg(&err));
out:
	json_decref(m);
	json_decref(f.list);
	free(named);
	free(b64);
	free(doc);
	automation_free(au);
	return ex;
}

static void
show_apply(const json_t *r)
{
	const char	*name = cli_str(r, "name");
	long long	 v = cli_int(r, "version");

	if (json_is_true(json_object_get(r, "created")))
		printf("created %s version %lld\n", name, v);
	else if (json_is_true(json_object_get(r, "changed")))
		printf("%s: version %lld\n", name, v);
	else
		printf("%s: unchanged (version %lld)\n", name, v);
}

static int
cli_automation_apply(const struct cli_args *a)
{
	struct cli_conn	 c;
	struct ops_err	 err;
	json_t		*m, *r = NULL;
	int		 rc;

	if ((rc = build(a, a->pos[0], &m)) != 0)
		return rc;
	if ((rc = client_open(&c, !a->no_start, &err)) != OPS_OK) {
		cli_errmsg(NULL, ops_err_msg(&err));
		rc = c.refused ? EXIT_REFUSED : EXIT_NODAEMON;
	} else if ((rc = client_request(&c, m, &r, &err)) != OPS_OK) {
		cli_errmsg(a->e->name, ops_err_msg(&err));
		/* The daemon's validation (the document, its files, sizes)
		 * is a usage error like the same check here. */
		rc = !c.refused ? EXIT_NODAEMON : err.code == OPS_E_INVAL ||
		    err.code == OPS_E_TOOBIG ? EXIT_USAGE : EXIT_REFUSED;
	} else {
		if (a->json)
			cli_print_json(r);
		else
			show_apply(r);
		rc = 0;
	}
	client_close(&c);
	json_decref(r);
	json_decref(m);
	return rc;
}

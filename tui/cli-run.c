/*
 * cli-run.c: "opsicle run SELECTOR... -- COMMAND" (or --script FILE).
 * Sends the run with follow, so the daemon attaches this connection to
 * the new job's events (and no other job's) before any is sent, then
 * prints the job's output live as "target: line" (remote stderr to our
 * stderr; --no-prefix: the bare lines) until the job ends, then on
 * stderr where the output cap cut a stream and a summary, "N ok, N
 * failed" and each failed target with its class and message
 * (cli-outcome.c; --quiet: no summary). --group folds identical
 * outputs at the end instead (core/outgroup), a target that never ran
 * showing its error in its block; --json prints one object:
 * the job as "job show --json" gives it, each run with its "stdout" and
 * "stderr". Output to a terminal goes through core/termsafe unless
 * --raw; error texts and names always do.
 * Exit: 0 every target ok, 1 some failed (or the daemon refused), 2 usage,
 * 3 no daemon; -S/--max-exit: the largest remote status instead. Ctrl-C
 * detaches (130): the job keeps running.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <sodium.h>

#include "config-file.h"
#include "model.h"
#include "outgroup.h"
#include "store.h"
#include "termsafe.h"
#include "tui.h"

/* ---- command entries (listed in cli-table.c) ---------------------------- */

/* The options of the output and limits (kept apart to merge easily). */
#define RUN_OPTIONS	"connect-timeout= output-cap= quiet no-prefix max-exit"
#define RUN_DETAILS \
	"  --timeout SEC          the command: from the start of its " \
	"channel to its exit\n" \
	"                         (none by default; class timeout)\n" \
	"  --connect-timeout SEC  a new session: TCP connect, SSH " \
	"handshake and\n" \
	"                         authentication together (connect-timeout " \
	"in\n" \
	"                         opsicle.conf, 15 by default; class " \
	"connect-timeout)\n" \
	"  --output-cap SIZE      bytes kept and shown per run and stream " \
	"(k, m, g;\n" \
	"                         output-cap in opsicle.conf, 1m by " \
	"default)\n" \
	"  --quiet                no summary on stderr (cut streams are " \
	"still said)\n" \
	"  --no-prefix            remote lines without \"target: \"\n" \
	"  -S, --max-exit         exit with the largest remote exit " \
	"status\n" \
	"A run waiting for its turn (--forks) is covered by neither timeout."

/* sudo (cli-run-become.c). */
#define RUN_BECOME_DETAILS \
	"  --become               run under sudo as root; --become-user " \
	"USER: as USER\n" \
	"  --become-cred CRED     sudo's password is that password " \
	"credential's\n" \
	"                         (else the target's own password " \
	"credential's; never\n" \
	"                         an option or a variable)"

/* The entries are the way in: the functions that run them are static. */
static cli_exec_fn	cli_run;

const struct cmd_entry cmd_run_entry = {
	.name = "run",
	.usage = "run [--timeout SEC] [--connect-timeout SEC] "
	    "[--output-cap SIZE] [--forks N] [--group] [--raw] [--quiet] "
	    "[--no-prefix] [-S | --max-exit] [--json] [--detach] "
	    "[-x SELECTOR] [--stdin] "
	    "[--host [USER@]HOST[:PORT]] [--cred CRED] [--accept-new-hostkey] "
	    "[--become] [--become-user USER] [--become-cred CRED] "
	    "[SELECTOR...] -- COMMAND | --script FILE",
	.help = "run a command or script on targets (selectors: names, "
	    "globs, tag:TAG, all, lists with ',', &TERM, !TERM)",
	.details = RUN_DETAILS "\n" RUN_BECOME_DETAILS "\n"
	    "  --detach               queue the job, print its number and "
	    "return (a run\n"
	    "                         that needs approval waits for it)",
	.min_args = 0, .max_args = -1,
	.options = "script= timeout= forks= group raw json detach "
	    RUN_OPTIONS
	    /* cli-run-targets.c */
	    " exclude=* stdin host=* cred= accept-new-hostkey"
	    /* cli-run-become.c */
	    " become become-user= become-cred=",
	.flags = CMD_RW,
	.type = PROTO_RUN,
	.exec = cli_run,
};

#define LINES_MAX_TARGETS	4096

struct line_buf {
	char		*target;
	int		 err;
	char		*buf;
	size_t		 len;
	struct termsafe	 ts;		/* when the stream is filtered */
};

struct cli_lines {
	int		 prefix;
	int		 filter[2];	/* stdout, stderr */
	struct line_buf	*v;
	size_t		 n;
};

/* The Ctrl-C message, ready before the handler can run. */
static char		 detach_msg[160];
static volatile size_t	 detach_len;

static void
on_sigint(int sig)
{
	(void)sig;
	if (detach_len > 0)
		(void)!write(STDERR_FILENO, detach_msg, detach_len);
	_exit(130);
}

struct cli_lines *
cli_lines_new(int prefix, int raw)
{
	struct cli_lines	*l = calloc(1, sizeof(*l));

	if (l != NULL) {
		l->prefix = prefix;
		l->filter[0] = cli_out_filtered(stdout, raw);
		l->filter[1] = cli_out_filtered(stderr, raw);
	}
	return l;
}

static struct line_buf *
lines_get(struct cli_lines *l, const char *target, int err)
{
	struct line_buf	*v;
	size_t		 i;

	for (i = 0; i < l->n; i++)
		if (l->v[i].err == err && strcmp(l->v[i].target, target) == 0)
			return &l->v[i];
	if (l->n >= LINES_MAX_TARGETS * 2 ||
	    (v = reallocarray(l->v, l->n + 1, sizeof(*v))) == NULL)
		return NULL;
	l->v = v;
	v = &l->v[l->n];
	memset(v, 0, sizeof(*v));
	if ((v->target = strdup(target)) == NULL)
		return NULL;
	v->err = err;
	termsafe_init(&v->ts, TERMSAFE_LF);
	l->n++;
	return v;
}

static void
lines_emit(struct cli_lines *l, struct line_buf *b, int final)
{
	FILE	*fp = b->err ? stderr : stdout;
	char	*nl, *p = b->buf;
	size_t	 left = b->len;

	while (left > 0 && ((nl = memchr(p, '\n', left)) != NULL || final)) {
		size_t	n = nl != NULL ? (size_t)(nl - p) : left;

		if (l->prefix) {
			cli_safe_puts(fp, b->target);
			fputs(": ", fp);
		}
		if (l->filter[b->err]) {
			/* The LF through the filter too: it ends a cut
			 * sequence before it. */
			(void)termsafe_write(&b->ts, fp, p, n);
			(void)termsafe_write(&b->ts, fp, "\n", 1);
		} else {
			fwrite(p, 1, n, fp);
			fputc('\n', fp);
		}
		n += nl != NULL ? 1 : 0;
		p += n;
		left -= n;
	}
	memmove(b->buf, p, left);
	b->len = left;
	fflush(fp);
}

/* Decode an event's data (base64 when it says so). Caller frees. */
static unsigned char *
event_bytes(const json_t *ev, const char *key, const char *enckey,
    size_t *len)
{
	const char	*data = json_string_value(json_object_get(ev, key));
	const char	*enc = json_string_value(json_object_get(ev, enckey));
	unsigned char	*out;
	size_t		 dlen;

	*len = 0;
	if (data == NULL)
		return NULL;
	dlen = json_string_length(json_object_get(ev, key));
	if ((out = malloc(dlen + 1)) == NULL)
		return NULL;
	if (enc != NULL && strcmp(enc, "base64") == 0) {
		if (sodium_base642bin(out, dlen + 1, data, dlen, NULL, len,
		    NULL, sodium_base64_VARIANT_ORIGINAL) != 0) {
			free(out);
			return NULL;
		}
	} else {
		memcpy(out, data, dlen);
		*len = dlen;
	}
	return out;
}

/* The output cap cut target's stream: end its last line, say so. */
static void
lines_cut(struct cli_lines *l, const char *target, int err)
{
	struct line_buf	*b;

	if ((b = lines_get(l, target, err)) != NULL)
		lines_emit(l, b, 1);
	cli_cut_notice(target, err ? "stderr" : "stdout");
}

static void
lines_add(struct cli_lines *l, const char *target, int err,
    const unsigned char *p, size_t len)
{
	struct line_buf	*b;
	char		*nb;

	if (target == NULL || (b = lines_get(l, target, err)) == NULL)
		return;
	if ((nb = realloc(b->buf, b->len + len + 1)) == NULL)
		return;
	b->buf = nb;
	memcpy(b->buf + b->len, p, len);
	b->len += len;
	lines_emit(l, b, 0);
}

void
cli_lines_feed(struct cli_lines *l, const json_t *ev)
{
	const char	*stream = json_string_value(json_object_get(ev,
			    "stream"));
	const char	*target = json_string_value(json_object_get(ev,
			    "target"));
	unsigned char	*p;
	size_t		 len;
	int		 err = stream != NULL && strcmp(stream, "stderr") == 0;

	if ((p = event_bytes(ev, "data", "encoding", &len)) == NULL)
		return;
	lines_add(l, target, err, p, len);
	free(p);
	if (target != NULL && json_is_true(json_object_get(ev, "truncated")))
		lines_cut(l, target, err);
}

void
cli_lines_flush(struct cli_lines *l)
{
	size_t	i;

	for (i = 0; l != NULL && i < l->n; i++)
		lines_emit(l, &l->v[i], 1);
}

void
cli_lines_free(struct cli_lines *l)
{
	size_t	i;

	if (l == NULL)
		return;
	for (i = 0; i < l->n; i++) {
		free(l->v[i].target);
		free(l->v[i].buf);
	}
	free(l->v);
	free(l);
}

long
cli_num_opt(const struct cli_args *a, const char *name, long max)
{
	const char	*v = cli_opt(a, name);
	char		*end;
	long		 n;

	if (v == NULL)
		return -1;
	errno = 0;
	n = strtol(v, &end, 10);
	if (*v == '\0' || *end != '\0' || errno != 0 || n < 1 || n > max) {
		fprintf(stderr, "opsicle %s: --%s needs a number from 1 to "
		    "%ld, not \"%s\"\n", a->e->name, name, max, v);
		return 0;
	}
	return n;
}

/* --connect-timeout, --output-cap, and what goes with the output. */
struct run_limits {
	long		 connect_timeout;	/* -1: the daemon's */
	long long	 output_cap;		/* -1: the daemon's */
};

#define RUN_OUTPUT_CAP_MIN	1024LL
#define RUN_OUTPUT_CAP_MAX	(1024LL * 1024 * 1024)	/* the config's */

/* 0, or -1 on a usage error (printed). */
static int
run_limit_opts(const struct cli_args *a, struct run_limits *lim)
{
	const char	*v = cli_opt(a, "output-cap");

	lim->output_cap = -1;
	if ((lim->connect_timeout = cli_num_opt(a, "connect-timeout",
	    600)) == 0)
		return -1;
	if (v != NULL && (!config_parse_size(v, &lim->output_cap) ||
	    lim->output_cap < RUN_OUTPUT_CAP_MIN ||
	    lim->output_cap > RUN_OUTPUT_CAP_MAX)) {
		fprintf(stderr, "opsicle run: --output-cap needs a size from "
		    "1k to 1g (bytes, or with a k, m or g suffix), not "
		    "\"%s\"\n", v);
		return -1;
	}
	if (cli_flag(a, "no-prefix") && cli_flag(a, "group")) {
		fprintf(stderr, "opsicle run: --no-prefix and --group do not "
		    "go together (a group block has no prefixes)\n");
		return -1;
	}
	return 0;
}

static void
run_limit_add(json_t *m, const struct run_limits *lim)
{
	if (lim->connect_timeout > 0)
		(void)proto_add_int(m, "connect_timeout", lim->connect_timeout,
		    NULL);
	if (lim->output_cap > 0)
		(void)proto_add_int(m, "output_cap", lim->output_cap, NULL);
}

/* The script file's text (NUL-free, at most STORE_BODY_MAX bytes). */
static char *
read_script(const char *path)
{
	char	*buf;
	size_t	 len = 0;
	ssize_t	 n;
	int	 fd;

	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) == -1) {
		fprintf(stderr, "opsicle run: open script %s: %s\n", path,
		    strerror(errno));
		return NULL;
	}
	if ((buf = malloc(STORE_BODY_MAX + 1)) == NULL) {
		close(fd);
		return NULL;
	}
	while ((n = read(fd, buf + len, STORE_BODY_MAX + 1 - len)) > 0)
		if ((len += (size_t)n) > STORE_BODY_MAX)
			break;
	close(fd);
	if (n < 0 || len > STORE_BODY_MAX || len == 0 ||
	    memchr(buf, '\0', len) != NULL) {
		fprintf(stderr, "opsicle run: script %s is %s\n", path,
		    n < 0 ? "unreadable" : len == 0 ? "empty" :
		    len > STORE_BODY_MAX ? "larger than 1 MiB" :
		    "binary (has NUL bytes)");
		free(buf);
		return NULL;
	}
	buf[len] = '\0';
	return buf;
}

/* The words after "--" joined by spaces, as ssh does. Caller frees. */
static char *
join_command(char *const *w, int n)
{
	size_t	 len = 1;
	char	*s;
	int	 i;

	for (i = 0; i < n; i++)
		len += strlen(w[i]) + 1;
	if ((s = calloc(1, len)) == NULL)
		return NULL;
	for (i = 0; i < n; i++) {
		if (i > 0)
			strcat(s, " ");
		strcat(s, w[i]);
	}
	return s;
}

/* One request on the open connection; NULL (message printed) on error. */
static json_t *
ask(struct cli_conn *c, enum proto_type type, long long job)
{
	struct ops_err	 err;
	json_t		*m, *r = NULL;

	if ((m = proto_msg_new(type, 0)) == NULL)
		return NULL;
	(void)proto_add_int(m, "job", job, NULL);
	if (client_request(c, m, &r, &err) != OPS_OK) {
		cli_errmsg("run", ops_err_msg(&err));
		r = NULL;
	}
	json_decref(m);
	return r;
}

/* --group: every run's output, collected from the logs pieces. */
struct groups {
	struct outgroup_item	*items;
	unsigned char		**bufs;		/* 2 per run: stdout, stderr */
	size_t			 n;
	int			 failed;
};

static void
groups_run(void *arg, const json_t *hdr)
{
	struct groups		*g = arg;
	struct outgroup_item	*it;
	unsigned char		**b;

	if (g->failed || (it = reallocarray(g->items, g->n + 1,
	    sizeof(*it))) == NULL) {
		g->failed = 1;
		return;
	}
	g->items = it;
	if ((b = reallocarray(g->bufs, 2 * (g->n + 1), sizeof(*b))) == NULL) {
		g->failed = 1;
		return;
	}
	g->bufs = b;
	it = &g->items[g->n];
	memset(it, 0, sizeof(*it));
	/* Empty, not NULL: outgroup compares them. */
	it->out = g->bufs[2 * g->n] = calloc(1, 1);
	it->err = g->bufs[2 * g->n + 1] = calloc(1, 1);
	it->target = strdup(cli_str(hdr, "target"));
	g->n++;
	if (it->target == NULL || it->out == NULL || it->err == NULL)
		g->failed = 1;
}

static void
groups_data(void *arg, const json_t *piece)
{
	struct groups		*g = arg;
	struct outgroup_item	*it;
	unsigned char		*p, *nb, **buf;
	size_t			 len, *have;
	int			 err = strcmp(cli_str(piece, "stream"),
				    "stderr") == 0;

	if (g->failed || g->n == 0)
		return;
	it = &g->items[g->n - 1];
	buf = &g->bufs[2 * (g->n - 1) + err];
	have = err ? &it->errlen : &it->outlen;
	if ((p = event_bytes(piece, "data", "encoding", &len)) == NULL ||
	    (nb = realloc(*buf, *have + len + 1)) == NULL) {
		free(p);
		g->failed = 1;
		return;
	}
	memcpy(nb + *have, p, len);
	free(p);
	*buf = nb;
	*have += len;
	if (err)
		it->err = nb;
	else
		it->out = nb;
}

static void
groups_free(struct groups *g)
{
	size_t	i;

	for (i = 0; i < g->n; i++) {
		free((char *)g->items[i].target);
		free(g->bufs[2 * i]);
		free(g->bufs[2 * i + 1]);
	}
	free(g->items);
	free(g->bufs);
}

/* stdout and stderr are one file (a terminal, 2>&1): said once. */
static int
same_file(FILE *a, FILE *b)
{
	struct stat	sa, sb;

	return fstat(fileno(a), &sa) == 0 && fstat(fileno(b), &sb) == 0 &&
	    sa.st_dev == sb.st_dev && sa.st_ino == sb.st_ino;
}

static void
block_header(FILE *fp, const char *names, size_t n)
{
	fprintf(fp, "---------------\n");
	cli_safe_puts(fp, names);
	fprintf(fp, " (%zu)\n---------------\n", n);
}

/*
 * One --group block: its names, the output, then how it ended: "(exit
 * N)", or the error of a run that never got an exit status. Its stderr
 * lines get the header on stderr too unless both streams are one file,
 * so they never lose their origin.
 */
static void
print_block(const char *names, size_t n, const struct outgroup_item *it,
    const json_t *run, int raw)
{
	block_header(stdout, names, n);
	cli_out_write(stdout, cli_out_filtered(stdout, raw), it->out,
	    it->outlen);
	if (it->outlen > 0 && it->out[it->outlen - 1] != '\n')
		putchar('\n');
	fflush(stdout);
	if (it->errlen > 0 && !same_file(stdout, stderr))
		block_header(stderr, names, n);
	cli_out_write(stderr, cli_out_filtered(stderr, raw), it->err,
	    it->errlen);
	if (it->errlen > 0 && it->err[it->errlen - 1] != '\n')
		fputc('\n', stderr);
	fflush(stderr);
	if (run != NULL) {
		/* may quote the target (a signal name, stderr) */
		printf("(%s) ", cli_str(run, "state"));
		if (json_is_string(json_object_get(run, "class")) &&
		    strcmp(cli_str(run, "class"), cli_str(run, "error")) != 0) {
			cli_safe_puts(stdout, cli_str(run, "class"));
			printf(": ");
		}
		cli_safe_puts(stdout, cli_str(run, "error"));
		putchar('\n');
	} else if (it->exit_status != 0)
		printf("(exit %d)\n", it->exit_status);
	fflush(stdout);
}

/* Ran to an exit status (ok or not): its output folds with others'. */
static int
run_exited(const json_t *run)
{
	return json_is_integer(json_object_get(run, "exit"));
}

static void
print_groups(struct groups *gr, const json_t *show, int raw)
{
	const json_t		*sruns = json_object_get(show, "runs"), *r;
	struct outgroup_item	*items = NULL;
	struct outgroup_set	*set = NULL;
	char			 names[1024];
	size_t			 n = 0, i;

	if ((items = calloc(gr->n + 1, sizeof(*items))) == NULL)
		return;
	for (i = 0; i < gr->n; i++)
		if (run_exited(json_array_get(sruns, i))) {
			items[n] = gr->items[i];
			items[n++].exit_status = (int)json_integer_value(
			    json_object_get(json_array_get(sruns, i),
			    "exit"));
		}
	if (outgroup_fold(items, n, &set, NULL) != OPS_OK)
		goto out;
	for (i = 0; i < set->ngroups; i++) {
		const struct outgroup *g = &set->groups[i];

		outgroup_names(g, items, names, sizeof(names));
		print_block(names, g->nmembers, &items[g->first], NULL, raw);
	}
	/* Each target that never ran to the end, with its own error. */
	for (i = 0; i < gr->n; i++)
		if (!run_exited(r = json_array_get(sruns, i)))
			print_block(gr->items[i].target, 1, &gr->items[i], r,
			    raw);
out:
	outgroup_free(set);
	free(items);
}

/* The stored output of job id after the run: --json streams it, --group
 * folds it (so it holds it all). */
static int
print_stored(struct cli_conn *c, const json_t *show, long long id, int json,
    int raw)
{
	static const struct cli_logs_cb	jcb = { cli_logs_json_run,
					    cli_logs_json_data };
	static const struct cli_logs_cb	gcb = { groups_run, groups_data };
	struct cli_logs_json		 j;
	struct groups			 g;
	json_t				*m, *res = NULL;
	int				 rc;

	if ((m = proto_msg_new(PROTO_JOB_LOGS, 0)) == NULL)
		return EXIT_REFUSED;
	(void)proto_add_int(m, "job", id, NULL);
	memset(&g, 0, sizeof(g));
	if (json) {
		cli_logs_json_begin(&j, show, id);
		if ((rc = cli_logs_read(c, m, "run", &jcb, &j, &res)) == 0)
			cli_logs_json_end(&j, res);
		json_decref(j.hdr);
	} else if ((rc = cli_logs_read(c, m, "run", &gcb, &g,
	    &res)) == 0) {
		if (g.failed)
			fprintf(stderr, "opsicle run: out of memory for the "
			    "output of job %lld\n", id);
		else
			print_groups(&g, show, raw);
	}
	groups_free(&g);
	json_decref(res);
	json_decref(m);
	return rc;
}

/*
 * The outcome, from the final run-state events (so it needs nothing more
 * from a daemon that may be stopping): targets in the job's order.
 */
static int
summary(const json_t *targets, const json_t *states, int flags)
{
	const json_t	*t, *ev;
	struct run_rec	*runs;
	struct ops_err	 err;
	size_t		 i, n = json_array_size(targets);
	int		 rc;

	if ((runs = calloc(n + 1, sizeof(*runs))) == NULL)
		return EXIT_REFUSED;
	json_array_foreach(targets, i, t) {
		/* No final event (or a bad one): the state is unknown. */
		ev = json_object_get(states, json_string_value(t));
		if (ev == NULL || run_rec_decode(ev, RUN_REC_EVENT, &runs[i],
		    &err) != OPS_OK) {
			memset(&runs[i], 0, sizeof(runs[i]));
			runs[i].exit_status = -1;
		}
		runs[i].target = json_string_value(t);
	}
	rc = cli_outcome(runs, n, flags);
	free(runs);
	return rc;
}

static int
follow_job(struct cli_conn *c, const struct cli_args *a, long long id,
    const json_t *targets, int group)
{
	struct cli_lines	*lines = cli_lines_new(
				    !cli_flag(a, "no-prefix"), cli_flag(a, "raw"));
	struct ops_err		 err;
	enum proto_type		 type;
	json_t			*m, *show = NULL;
	json_t			*states = json_object();
	int			 rc = 0, done = 0, unapproved = -1;

	while (!done) {
		if (client_recv(c, &m, &type, &err) != OPS_OK) {
			cli_lines_flush(lines);
			fprintf(stderr, "opsicle run: ");
			cli_safe_puts(stderr, ops_err_msg(&err));
			fprintf(stderr, "; job %lld may still run: see opsicle "
			    "job show %lld\n", id, id);
			cli_lines_free(lines);
			json_decref(states);
			return EXIT_NODAEMON;
		}
		if (cli_int(m, "job") == id) {
			if (type == PROTO_JOB_OUTPUT && !group && !a->json)
				cli_lines_feed(lines, m);
			else if (type == PROTO_RUN_STATE &&
			    json_object_get(m, "target") != NULL)
				json_object_set(states, cli_str(m, "target"),
				    m);
			else if (type == PROTO_APPROVAL_STATE && !a->json)
				cli_approval_event(m);
			else if (type == PROTO_JOB_STATE &&
			    job_state_name_is_final(cli_str(m, "state"))) {
				done = 1;
				unapproved = cli_unapproved(id, cli_str(m,
				    "state"));
			}
		}
		json_decref(m);
	}
	cli_lines_flush(lines);
	cli_lines_free(lines);
	if (unapproved >= 0) {
		json_decref(states);
		return unapproved;
	}
	if ((group || a->json) &&
	    ((show = ask(c, PROTO_JOB_SHOW, id)) == NULL ||
	    (rc = print_stored(c, show, id, a->json,
	    cli_flag(a, "raw"))) != 0)) {
		json_decref(show);
		json_decref(states);
		return rc != 0 ? rc : EXIT_REFUSED;
	}
	if (a->json && (cli_outcome_flags(a) & CLI_OUTCOME_MAX_EXIT))
		rc = cli_outcome_show(show,
		    CLI_OUTCOME_QUIET | CLI_OUTCOME_MAX_EXIT);
	else if (a->json)
		rc = cli_int(show, "ok") == (long long)json_array_size(
		    json_object_get(show, "runs")) ? 0 : EXIT_REFUSED;
	else
		rc = summary(targets, states, cli_outcome_flags(a));
	json_decref(show);
	json_decref(states);
	return rc;
}

int
cli_run_submit(struct cli_conn *c, const struct cli_args *a, json_t *m,
    int fd, const char *who, int group)
{
	struct ops_err	 err;
	struct sigaction sa;
	json_t		*r = NULL;
	enum proto_type	 type;
	long long	 rid, id;
	int		 rc;

	/* The daemon attaches us to the job it creates: no event is
	 * missed, and other jobs' events never come. --detach (run):
	 * the job's number and nothing more. */
	if (!cli_flag(a, "detach"))
		(void)proto_add_bool(m, "follow", 1, NULL);
	/* Ctrl-C from here on detaches (the message gets the job id). */
	snprintf(detach_msg, sizeof(detach_msg), "\nopsicle: detached\n");
	detach_len = strlen(detach_msg);
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_sigint;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
	if ((rc = client_send_msg_fd(c, m, fd, &rid, &err)) != OPS_OK) {
		cli_errmsg(who, ops_err_msg(&err));
		return EXIT_NODAEMON;
	}
	/* The reply comes before our job's events (skip anything else). */
	for (;;) {
		json_decref(r);
		if ((rc = client_recv(c, &r, &type, &err)) != OPS_OK) {
			cli_errmsg(who, ops_err_msg(&err));
			return EXIT_NODAEMON;
		}
		if (!(proto_type_flags(type) & PROTO_F_EVENT) &&
		    proto_msg_id(r) == rid)
			break;
	}
	if (type == PROTO_ERROR) {
		cli_errmsg(who, cli_str(r, "message"));
		/* a parameter's value refused: a usage error */
		rc = cli_int(r, "code") == OPS_E_INVAL && strncmp(cli_str(r,
		    "message"), "parameter ", 10) == 0 ? EXIT_USAGE :
		    EXIT_REFUSED;
		json_decref(r);
		return rc;
	}
	id = cli_int(json_object_get(r, "result"), "job");
	cli_awaiting(json_object_get(r, "result"));
	if (cli_flag(a, "detach")) {
		if (a->json)
			cli_print_json(json_object_get(r, "result"));
		else
			printf("job %lld\n", id);
		json_decref(r);
		return 0;
	}
	detach_len = 0;
	snprintf(detach_msg, sizeof(detach_msg), "\nopsicle: detached; job "
	    "%lld keeps running (opsicle job cancel %lld stops it)\n", id, id);
	detach_len = strlen(detach_msg);
	rc = follow_job(c, a, id, json_object_get(json_object_get(r,
	    "result"), "targets"), group);
	json_decref(r);
	return rc;
}

int
cli_run(const struct cli_args *a)
{
	struct cli_conn	 c;
	struct ops_err	 err;
	const char	*script_path = cli_opt(a, "script");
	char		*body = NULL;
	json_t		*m = NULL;
	struct run_limits lim;
	long		 timeout, forks;
	int		 nsel, ncmd, rc, group = cli_flag(a, "group");

	nsel = a->dashdash > 0 ? a->dashdash - 1 : a->npos;
	ncmd = a->npos - nsel;
	if ((nsel == 0 && cli_opt(a, "host") == NULL) ||
	    (script_path != NULL) == (ncmd > 0)) {
		fprintf(stderr, "opsicle run: give selectors, then \"--\" and "
		    "a command, or --script FILE\n");
		cli_usage(stderr, a->e);
		return EXIT_USAGE;
	}
	if ((timeout = cli_num_opt(a, "timeout", 7 * 24 * 3600)) == 0 ||
	    (forks = cli_num_opt(a, "forks", 4096)) == 0 ||
	    run_limit_opts(a, &lim) != 0)
		return EXIT_USAGE;
	body = script_path != NULL ? read_script(script_path) :
	    join_command(a->pos + nsel, ncmd);
	if (body == NULL)
		return script_path != NULL ? EXIT_USAGE : EXIT_REFUSED;
	if ((rc = client_open(&c, !a->no_start, &err)) != OPS_OK) {
		cli_errmsg(NULL, ops_err_msg(&err));
		rc = c.refused ? EXIT_REFUSED : EXIT_NODAEMON;
		goto out;
	}
	m = cli_msg(a);
	if ((rc = cli_run_targets(a, a->pos, nsel, m)) != 0)
		goto out;
	(void)proto_add_str(m, script_path != NULL ? "script" : "command",
	    body, NULL);
	if ((rc = cli_run_become(a, m)) != 0)
		goto out;
	if (timeout > 0)
		(void)proto_add_int(m, "timeout", timeout, NULL);
	if (forks > 0)
		(void)proto_add_int(m, "forks", forks, NULL);
	if (group)
		(void)proto_add_bool(m, "group", 1, NULL);
	run_limit_add(m, &lim);
	rc = cli_run_submit(&c, a, m, -1, "run", group);
out:
	cli_run_wipe(m);
	json_decref(m);
	free(body);
	client_close(&c);
	return rc;
}

int
cli_run_limits(const struct cli_args *a, json_t *m)
{
	struct run_limits lim;

	if (run_limit_opts(a, &lim) != 0)
		return EXIT_USAGE;
	run_limit_add(m, &lim);
	return 0;
}

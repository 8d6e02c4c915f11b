/*
 * cli-out.c: one request per command, and the ways its answer is shown:
 * compact JSON for --json (field names documented in opsicle(1)) or
 * aligned columns for people. Text that came from a target goes through
 * core/termsafe: output when it reaches a terminal (not with --raw),
 * error texts and names always.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "termsafe.h"
#include "tui.h"

/*
 * JSON escapes C0 controls already; on a terminal, C1 and the rest of
 * non-ASCII become \uXXXX too, and DEL (which JSON lets through) \u007f.
 * Writes v to stdout without a newline; quotes 0 drops the quotes of a
 * string (so pieces of one string join).
 */
void
cli_put_json(const json_t *v, int quotes)
{
	size_t	 flags = JSON_COMPACT | JSON_ENCODE_ANY;
	char	*s, *p, *end;
	int	 tty = isatty(STDOUT_FILENO);

	if (tty)
		flags |= JSON_ENSURE_ASCII;
	if ((s = json_dumps(v, flags)) == NULL)
		return;
	p = s;
	end = s + strlen(s);
	if (!quotes && end - s >= 2) {
		p++;
		end--;
	}
	for (; p < end; p++)
		if (tty && *p == 0x7f)
			fputs("\\u007f", stdout);
		else
			putchar(*p);
	free(s);
}

void
cli_print_json(const json_t *v)
{
	if (v == NULL)
		printf("{}");
	else
		cli_put_json(v, 1);
	putchar('\n');
}

int
cli_out_filtered(FILE *fp, int raw)
{
	return !raw && isatty(fileno(fp));
}

void
cli_out_write(FILE *fp, int filter, const void *p, size_t len)
{
	struct termsafe	ts;

	if (!filter) {
		fwrite(p, 1, len, fp);
		return;
	}
	termsafe_init(&ts, TERMSAFE_LF);
	(void)termsafe_write(&ts, fp, p, len);
	(void)termsafe_flush(&ts, fp);
}

void
cli_safe_puts(FILE *fp, const char *s)
{
	(void)termsafe_fputs(s != NULL ? s : "-", TERMSAFE_LF, fp);
}

void
cli_errmsg(const char *cmd, const char *msg)
{
	fprintf(stderr, "opsicle%s%s: ", cmd != NULL ? " " : "",
	    cmd != NULL ? cmd : "");
	cli_safe_puts(stderr, msg);
	fputc('\n', stderr);
}

const char *
cli_str(const json_t *o, const char *key)
{
	const json_t	*v = json_object_get(o, key);

	if (!json_is_string(v) || json_string_length(v) == 0)
		return "-";
	return json_string_value(v);
}

const char *
cli_dash(const char *s)
{
	return s != NULL && s[0] != '\0' ? s : "-";
}

const char *
cli_tags_join(const struct target_rec *t, char *buf, size_t len)
{
	size_t	i, off = 0;

	buf[0] = '\0';
	for (i = 0; i < t->ntags && off < len; i++)
		off += (size_t)snprintf(buf + off, len - off, "%s%s",
		    i > 0 ? "," : "", t->tags[i]);
	return buf[0] != '\0' ? buf : "-";
}

long long
cli_int(const json_t *o, const char *key)
{
	return json_integer_value(json_object_get(o, key));
}

void
cli_time(long long ms, char *buf, size_t len)
{
	time_t		t = (time_t)(ms / 1000);
	struct tm	tm;

	if (ms <= 0 || localtime_r(&t, &tm) == NULL ||
	    strftime(buf, len, "%Y-%m-%d %H:%M:%S", &tm) == 0)
		snprintf(buf, len, "-");
}

void
cli_run_words(const struct run_rec *r, long long now, char *buf, size_t len)
{
	long long	age;

	if (r == NULL) {
		snprintf(buf, len, "-");
		return;
	}
	if (r->state == RUN_STATE_OK) {
		age = (now - r->finished) / 1000;
		if (age < 0)
			age = 0;
		if (age < 60)
			snprintf(buf, len, "ok %llds ago", age);
		else if (age < 3600)
			snprintf(buf, len, "ok %lldm ago", age / 60);
		else if (age < 86400)
			snprintf(buf, len, "ok %lldh ago", age / 3600);
		else
			snprintf(buf, len, "ok %lldd ago", age / 86400);
	} else if (r->state == RUN_STATE_FAILED && r->exit_status >= 0)
		snprintf(buf, len, "failed (exit %d)", r->exit_status);
	else if (r->state == RUN_STATE_FAILED && r->signal > 0)
		snprintf(buf, len, "failed (signal %d)", r->signal);
	else if (r->state == RUN_STATE_ERROR && r->cls != RUN_CLASS_NONE)
		snprintf(buf, len, "%s", run_class_name(r->cls));
	else
		snprintf(buf, len, "%s", run_state_name(r->state));
}

void
cli_last_run(const json_t *lr, long long now, char *buf, size_t len)
{
	struct run_rec	r;
	struct ops_err	err;

	if (!json_is_object(lr) || run_rec_decode(lr, RUN_REC_LAST, &r,
	    &err) != OPS_OK)
		cli_run_words(NULL, now, buf, len);
	else
		cli_run_words(&r, now, buf, len);
}

void
cli_table(char **cells, size_t nrows, size_t ncols)
{
	size_t	w[16] = { 0 }, r, c, l;

	if (ncols > 16)
		ncols = 16;
	for (r = 0; r < nrows; r++)
		for (c = 0; c < ncols; c++)
			if ((l = strlen(cells[r * ncols + c])) > w[c])
				w[c] = l;
	for (r = 0; r < nrows; r++) {
		for (c = 0; c < ncols; c++) {
			if (c + 1 == ncols)
				printf("%s\n", cells[r * ncols + c]);
			else
				printf("%-*s  ", (int)w[c],
				    cells[r * ncols + c]);
		}
	}
}

json_t *
cli_msg(const struct cli_args *a)
{
	json_t	*m = proto_msg_new(a->e->type, 0);

	if (m == NULL) {
		fprintf(stderr, "opsicle: out of memory\n");
		exit(EXIT_REFUSED);
	}
	return m;
}

int
cli_send(const struct cli_args *a, json_t *msg,
    void (*show)(const struct cli_args *, const json_t *))
{
	struct cli_conn	 c;
	struct ops_err	 err;
	json_t		*result = NULL;
	int		 rc, may_start;

	may_start = !a->no_start && (a->e->flags & CMD_F_START_DAEMON);
	if ((rc = client_open(&c, may_start, &err)) != OPS_OK) {
		cli_errmsg(NULL, ops_err_msg(&err));
		rc = c.refused ? EXIT_REFUSED : EXIT_NODAEMON;
		client_close(&c);
		return rc;
	}
	rc = client_request(&c, msg, &result, &err);
	if (rc != OPS_OK) {
		/* The daemon's error may quote what a target sent. */
		cli_errmsg(a->e->name, ops_err_msg(&err));
		rc = c.refused ? EXIT_REFUSED : EXIT_NODAEMON;
	} else {
		if (a->json)
			cli_print_json(result);
		else if (show != NULL)
			show(a, result);
		rc = 0;
	}
	json_decref(result);
	client_close(&c);
	return rc;
}

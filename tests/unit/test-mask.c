/*
 * test-mask.c: secrets masked in output (core/mask) and the environment
 * prelude (core/runenv). Masking: a secret alone, inside text, split
 * between pieces at every point, fed a byte at a time, its shell-quoted
 * form, two overlapping secrets, an empty secret, no secret. The
 * prelude: run by /bin/sh, values with quotes, $(...), backticks,
 * newlines and a trailing newline arrive byte for byte as environment
 * variables; a secret is read from stdin and absent from the command
 * line; the command's own stdin is then /dev/null.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "mask.h"
#include "runenv.h"
#include "secret.h"
#include "../lib/tap.h"

struct sink {
	char	buf[4096];
	size_t	len;
};

static void
emit(void *arg, const unsigned char *p, size_t len)
{
	struct sink	*s = arg;

	if (s->len + len < sizeof(s->buf)) {
		memcpy(s->buf + s->len, p, len);
		s->len += len;
		s->buf[s->len] = '\0';
	}
}

/* in through m, cut into pieces of step bytes (0: one piece). */
static const char *
filter(const struct mask *m, const char *in, size_t step, struct sink *s)
{
	struct mask_stream	ms;
	size_t			len = strlen(in), at = 0, n;

	memset(s, 0, sizeof(*s));
	mask_stream_init(&ms, m);
	while (at < len) {
		n = step == 0 || len - at < step ? len - at : step;
		(void)mask_stream_feed(&ms, in + at, n, emit, s);
		at += n;
	}
	mask_stream_end(&ms, emit, s);
	mask_stream_done(&ms);
	return s->buf;
}

/* in split once at each point: always want. */
static int
every_cut(const struct mask *m, const char *in, const char *want)
{
	struct mask_stream	ms;
	struct sink		s;
	size_t			len = strlen(in), k;

	for (k = 0; k <= len; k++) {
		memset(&s, 0, sizeof(s));
		mask_stream_init(&ms, m);
		(void)mask_stream_feed(&ms, in, k, emit, &s);
		(void)mask_stream_feed(&ms, in + k, len - k, emit, &s);
		mask_stream_end(&ms, emit, &s);
		mask_stream_done(&ms);
		if (strcmp(s.buf, want) != 0) {
			diag("cut at %zu: got \"%s\"", k, s.buf);
			return 0;
		}
	}
	return 1;
}

static void
test_mask(void)
{
	struct mask	*m = mask_new(), *none = mask_new();
	struct sink	 s;
	struct ops_err	 err;

	ok(mask_add(m, "hunter2", 7, &err) == OPS_OK, "a secret added");
	ok(!mask_active(none) && mask_active(m), "active only with one");
	ok(mask_add(m, "", 0, &err) == OPS_OK, "an empty one masks nothing");
	ok(strcmp(filter(m, "hunter2", 0, &s), "***") == 0, "alone");
	ok(strcmp(filter(m, "pw=hunter2!\n", 0, &s), "pw=***!\n") == 0,
	    "inside text");
	ok(strcmp(filter(m, "hunter2hunter2 hunter", 0, &s),
	    "****** hunter") == 0, "twice in a row; a prefix alone stays");
	ok(every_cut(m, "a hunter2 b hunter2", "a *** b ***"),
	    "split between two pieces at every point");
	ok(strcmp(filter(m, "xhunter2y hunter2", 1, &s), "x***y ***") == 0,
	    "fed a byte at a time");
	ok(strcmp(filter(none, "hunter2", 1, &s), "hunter2") == 0,
	    "no secret: bytes pass");
	ok(mask_add(m, "it's", 4, &err) == OPS_OK, "a secret with a quote");
	ok(strcmp(filter(m, "+ X='it'\\''s'\n", 0, &s), "+ X=***\n") == 0,
	    "its shell-quoted form is masked too");
	ok(every_cut(m, "say it's", "say ***"), "quote secret, every cut");
	ok(mask_add(m, "hunter2xyz", 10, &err) == OPS_OK, "a longer one");
	ok(every_cut(m, "hunter2xyz hunter2", "*** ***"),
	    "overlapping secrets: the longest wins, at every cut");
	{
		char	buf[64], small[8];

		mask_text(m, "sudo: it's wrong", buf, sizeof(buf));
		ok(strcmp(buf, "sudo: *** wrong") == 0, "mask_text: an error "
		    "text masked");
		mask_text(m, "0123456789", small, sizeof(small));
		ok(strcmp(small, "0123456") == 0, "mask_text cuts to fit");
	}
	mask_free(m);
	mask_free(none);
}

/* Run the prelude + "env" under /bin/sh with stdin; output into buf. */
static int
sh_run(const char *cmd, const struct secret *in, char *buf, size_t len)
{
	int	inp[2], outp[2], st;
	pid_t	pid;
	size_t	got = 0;
	ssize_t	n;

	if (pipe(inp) != 0 || pipe(outp) != 0)
		return -1;
	if ((pid = fork()) == 0) {
		dup2(inp[0], 0);
		dup2(outp[1], 1);
		close(inp[1]);
		close(outp[0]);
		execl("/bin/sh", "sh", "-c", cmd, (char *)NULL);
		_exit(127);
	}
	close(inp[0]);
	close(outp[1]);
	if (in != NULL)
		(void)!write(inp[1], secret_cdata(in), secret_len(in));
	(void)!write(inp[1], "LEFT", 4);	/* the command must not see it */
	close(inp[1]);
	while (got + 1 < len && (n = read(outp[0], buf + got,
	    len - 1 - got)) > 0)
		got += (size_t)n;
	buf[got] = '\0';
	close(outp[0]);
	waitpid(pid, &st, 0);
	return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

static void
test_runenv(void)
{
	static const char q[] = "it's \"q\" $(echo no) `echo no` $HOME\\ \n"
	    "line2\n";
	static const char pw[] = "s3cr'et $(x)\nend\n";
	struct runenv_var v[] = {
		{ "OPSICLE_PARAM_Q", q, sizeof(q) - 1, 0 },
		{ "OPSICLE_PARAM_PW", pw, sizeof(pw) - 1, 1 },
		{ "OPSICLE_PARAM_E", "", 0, 0 },
	};
	struct secret	*in = NULL;
	struct ops_err	 err;
	char		*cmd = NULL, out[4096], want[1024];
	int		 rc;

	rc = runenv_build(v, 3, "printf '%s|' \"$OPSICLE_PARAM_Q\" "
	    "\"$OPSICLE_PARAM_PW\" \"$OPSICLE_PARAM_E\"; cat", &cmd, &in, &err);
	ok(rc == OPS_OK && cmd != NULL && in != NULL, "prelude built");
	if (rc != OPS_OK)
		return;
	ok(strstr(cmd, "s3cr") == NULL, "the secret is not in the command");
	ok(secret_len(in) == sizeof(pw) - 1 && memcmp(secret_cdata(in), pw,
	    sizeof(pw) - 1) == 0, "the secret goes on stdin");
	rc = sh_run(cmd, in, out, sizeof(out));
	snprintf(want, sizeof(want), "%s|%s||", q, pw);
	ok(rc == 0 && strcmp(out, want) == 0,
	    "values arrive byte for byte; the command's stdin is /dev/null");
	if (strcmp(out, want) != 0)
		diag("got \"%s\"", out);
	free(cmd);
	secret_free(in);
	/* printenv, not env: the caller's environment may be larger than
	 * out (CI's is) */
	ok(runenv_build(v, 1, "printenv OPSICLE_PARAM_Q", &cmd, &in, &err) ==
	    OPS_OK && in == NULL, "no secret: nothing on stdin");
	rc = sh_run(cmd, NULL, out, sizeof(out));
	snprintf(want, sizeof(want), "%s\n", q);
	ok(rc == 0 && strcmp(out, want) == 0,
	    "exported to the command's environment");
	free(cmd);
	v[0].name = "BAD NAME";
	ok(runenv_build(v, 1, "env", &cmd, &in, &err) == OPS_E_INVAL,
	    "a bad name is refused");
}

int
main(void)
{
	struct ops_err	err;

	plan(23);
	if (ops_crypto_init(&err) != OPS_OK)
		return 1;
	test_mask();
	test_runenv();
	return exit_status();
}

/*
 * cli-notify.c: notify add, list, rm, test, log and smtp-password.
 * Secrets never come from argv: a Slack URL (the URL is the credential)
 * is read from stdin with --slack -, a webhook signing secret with
 * --secret-stdin (else the daemon makes one and it is printed once), the
 * SMTP password from the terminal without echo or from stdin. They go
 * only in sensitive messages whose JSON copies are wiped once sent.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "secret-read.h"
#include "secret.h"
#include "tui.h"
#include "xmalloc.h"

static cli_exec_fn	cli_notify_add, cli_notify_list, cli_notify_rm,
			cli_notify_test, cli_notify_log, cli_notify_smtp;

const struct cmd_entry cmd_notify_add_entry = {
	.name = "notify add",
	.usage = "notify add NAME --webhook URL | --slack - | --telegram CHAT "
	    "| --email ADDR [--on EVENT,...] [--secret-stdin]",
	.help = "add a notification channel for the events given (default "
	    "all); a Slack webhook URL is read from stdin; a webhook's "
	    "signing secret is made and shown once (or read from stdin)",
	.min_args = 1, .max_args = 1,
	.options = "webhook= slack= telegram= email= on= secret-stdin",
	.flags = CMD_RW | CMD_F_SECRET,
	.type = PROTO_NOTIFY_ADD,
	.exec = cli_notify_add,
};

const struct cmd_entry cmd_notify_list_entry = {
	.name = "notify list",
	.alias = "notify ls",
	.usage = "notify list [--json]",
	.help = "list notification channels (Slack URLs masked, never a "
	    "secret)",
	.min_args = 0, .max_args = 0,
	.options = "json",
	.flags = CMD_RO,
	.type = PROTO_NOTIFY_LIST,
	.exec = cli_notify_list,
};

const struct cmd_entry cmd_notify_rm_entry = {
	.name = "notify rm",
	.alias = "notify remove",
	.usage = "notify rm NAME",
	.help = "remove a notification channel (its pending notifications "
	    "fail)",
	.min_args = 1, .max_args = 1,
	.flags = CMD_RW,
	.type = PROTO_NOTIFY_RM,
	.exec = cli_notify_rm,
};

const struct cmd_entry cmd_notify_test_entry = {
	.name = "notify test",
	.usage = "notify test NAME [--json]",
	.help = "send a test notification to a channel and report its first "
	    "attempt (exit 1 when it was not delivered)",
	.min_args = 1, .max_args = 1,
	.options = "json",
	.flags = CMD_RW,
	.type = PROTO_NOTIFY_TEST,
	.exec = cli_notify_test,
};

const struct cmd_entry cmd_notify_log_entry = {
	.name = "notify log",
	.usage = "notify log [--json] [--limit N]",
	.help = "the latest notifications: pending, delivered or failed, "
	    "with attempts and the last error",
	.min_args = 0, .max_args = 0,
	.options = "json limit=",
	.flags = CMD_RO,
	.type = PROTO_NOTIFY_LOG,
	.exec = cli_notify_log,
};

const struct cmd_entry cmd_notify_smtp_entry = {
	.name = "notify smtp-password",
	.usage = "notify smtp-password",
	.help = "set the SMTP AUTH password for email notifications (read "
	    "from the terminal or stdin, sealed in the store)",
	.min_args = 0, .max_args = 0,
	.flags = CMD_RW | CMD_F_SECRET,
	.type = PROTO_NOTIFY_SMTP_PASSWORD,
	.exec = cli_notify_smtp,
};

static int
read_secret(const char *prompt, struct secret **out, struct ops_err *err)
{
	if (isatty(STDIN_FILENO))
		return secret_read_tty(prompt, out, err);
	return secret_read_fd(STDIN_FILENO, SECRET_READ_TTY_MAX, out, err);
}

/* Wipe the JSON copy of key in m. */
static void
wipe_key(json_t *m, const char *key)
{
	struct secret	*s = NULL;

	if (proto_has(m, key) && proto_take_secret(m, key,
	    OPS_PROTO_MAX_FRAME, &s, NULL) == OPS_OK)
		secret_free(s);
}

static void
show_added(const struct cli_args *a, const json_t *r)
{
	const char	*sec = cli_str(r, "secret");

	printf("added %s channel %s: %s\n", cli_str(r, "kind"), a->pos[0],
	    cli_str(r, "shown"));
	if (strcmp(sec, "-") != 0)
		printf("signing secret (shown once; give it to the receiver): "
		    "%s\n", sec);
}

/* "a,b" into a JSON array of strings. */
static json_t *
split_list(const char *s)
{
	json_t		*a = json_array();
	const char	*e;

	while (*s != '\0') {
		e = s + strcspn(s, ",");
		if (e > s)
			json_array_append_new(a, json_stringn(s,
			    (size_t)(e - s)));
		s = *e == ',' ? e + 1 : e;
	}
	return a;
}

int
cli_notify_add(const struct cli_args *a)
{
	static const char *const kinds[] = { "webhook", "slack", "telegram",
	    "email" };
	struct secret	*sec = NULL;
	struct ops_err	 err;
	const char	*kind = NULL, *target = NULL, *on = cli_opt(a, "on");
	json_t		*m;
	size_t		 i;
	int		 rc = OPS_OK, n = 0;

	for (i = 0; i < 4; i++)
		if (cli_opt(a, kinds[i]) != NULL) {
			kind = kinds[i];
			target = cli_opt(a, kinds[i]);
			n++;
		}
	if (n != 1 || (cli_flag(a, "secret-stdin") && strcmp(kind,
	    "webhook") != 0)) {
		fprintf(stderr, "opsicle notify add: give one of --webhook URL, "
		    "--slack -, --telegram CHAT or --email ADDR "
		    "(--secret-stdin only with --webhook)\n");
		cli_usage(stderr, a->e);
		return EXIT_USAGE;
	}
	if (strcmp(kind, "slack") == 0 && strcmp(target, "-") != 0) {
		fprintf(stderr, "opsicle notify add: a Slack webhook URL is a "
		    "credential: give --slack - and the URL on stdin\n");
		return EXIT_USAGE;
	}
	m = cli_msg(a);
	proto_add_str(m, "name", a->pos[0], NULL);
	proto_add_str(m, "kind", kind, NULL);
	if (on != NULL)
		proto_add_json(m, "events", split_list(on), NULL);
	if (strcmp(kind, "slack") == 0 || cli_flag(a, "secret-stdin")) {
		rc = read_secret(strcmp(kind, "slack") == 0 ?
		    "Slack webhook URL: " : "Signing secret (whsec_...): ",
		    &sec, &err);
		if (rc == OPS_OK && secret_len(sec) == 0)
			rc = ops_err_set(&err, OPS_E_INVAL, "nothing was read "
			    "from stdin");
		if (rc == OPS_OK)
			rc = proto_add_strn(m, strcmp(kind, "slack") == 0 ?
			    "target" : "secret", (const char *)secret_cdata(sec),
			    secret_len(sec), &err);
		secret_free(sec);
	}
	if (rc == OPS_OK && strcmp(kind, "slack") != 0)
		rc = proto_add_str(m, "target", target, &err);
	if (rc != OPS_OK) {
		fprintf(stderr, "opsicle notify add: %s\n", ops_err_msg(&err));
		wipe_key(m, "target");
		wipe_key(m, "secret");
		json_decref(m);
		return EXIT_REFUSED;
	}
	rc = cli_send(a, m, show_added);
	wipe_key(m, "target");
	wipe_key(m, "secret");
	json_decref(m);
	return rc;
}

static char *
join_events(const json_t *a)
{
	size_t	 i, len = 1;
	char	*s;

	for (i = 0; i < json_array_size(a); i++)
		len += strlen(json_string_value(json_array_get(a, i))) + 1;
	s = xcalloc(1, len);
	for (i = 0; i < json_array_size(a); i++) {
		if (i > 0)
			strcat(s, ",");
		strcat(s, json_string_value(json_array_get(a, i)));
	}
	return s;
}

static void
show_channels(const struct cli_args *a, const json_t *r)
{
	size_t	  n = json_array_size(r), i, k = 0;
	char	**cells, **ev, **cnt;
	const json_t *o;

	(void)a;
	cells = xcalloc((n + 1) * 5, sizeof(*cells));
	ev = xcalloc(n + 1, sizeof(*ev));
	cnt = xcalloc(n + 1, sizeof(*cnt));
	cells[k++] = "NAME";
	cells[k++] = "KIND";
	cells[k++] = "TARGET";
	cells[k++] = "EVENTS";
	cells[k++] = "PENDING/FAILED";
	for (i = 0; i < n; i++) {
		o = json_array_get(r, i);
		ev[i] = join_events(json_object_get(o, "events"));
		cnt[i] = xasprintf("%lld/%lld", cli_int(o, "pending"),
		    cli_int(o, "failed"));
		cells[k++] = (char *)cli_str(o, "name");
		cells[k++] = (char *)cli_str(o, "kind");
		cells[k++] = (char *)cli_str(o, "target");
		cells[k++] = ev[i];
		cells[k++] = cnt[i];
	}
	cli_table(cells, n + 1, 5);
	for (i = 0; i < n; i++) {
		free(ev[i]);
		free(cnt[i]);
	}
	free(ev);
	free(cnt);
	free(cells);
}

int
cli_notify_list(const struct cli_args *a)
{
	json_t	*m = cli_msg(a);
	int	 rc = cli_send(a, m, show_channels);

	json_decref(m);
	return rc;
}

int
cli_notify_rm(const struct cli_args *a)
{
	json_t	*m = cli_msg(a);
	int	 rc;

	proto_add_str(m, "name", a->pos[0], NULL);
	rc = cli_send(a, m, NULL);
	json_decref(m);
	return rc;
}

/* Prints the outcome; 1 when the notification was delivered. */
static int
show_test(const struct cli_args *a, const json_t *r)
{
	const char	*state = cli_str(r, "state");

	if (strcmp(state, "delivered") == 0) {
		printf("delivered to %s (notification %lld, webhook-id %s, "
		    "attempt %lld)\n", a->pos[0], cli_int(r, "id"),
		    cli_str(r, "webhook_id"), cli_int(r, "attempts"));
		return 1;
	}
	printf("not delivered to %s: %s (notification %lld %s; see opsicle "
	    "notify log)\n", a->pos[0], cli_str(r, "error"), cli_int(r, "id"),
	    strcmp(state, "pending") == 0 ? "will be retried" : "failed");
	return 0;
}

int
cli_notify_test(const struct cli_args *a)
{
	struct cli_conn	 c;
	struct ops_err	 err;
	json_t		*m = cli_msg(a), *r = NULL;
	int		 rc;

	proto_add_str(m, "name", a->pos[0], NULL);
	if ((rc = client_open(&c, !a->no_start, &err)) != OPS_OK) {
		cli_errmsg(NULL, ops_err_msg(&err));
		rc = c.refused ? EXIT_REFUSED : EXIT_NODAEMON;
	} else if ((rc = client_request(&c, m, &r, &err)) != OPS_OK) {
		cli_errmsg(a->e->name, ops_err_msg(&err));
		rc = c.refused ? EXIT_REFUSED : EXIT_NODAEMON;
	} else if (a->json) {
		cli_print_json(r);
		rc = strcmp(cli_str(r, "state"), "delivered") == 0 ? 0 : 1;
	} else
		rc = show_test(a, r) ? 0 : 1;
	client_close(&c);
	json_decref(r);
	json_decref(m);
	return rc;
}

static void
fmt_time(long long ms, char *buf, size_t len)
{
	time_t		t = (time_t)(ms / 1000);
	struct tm	tm;

	if (ms <= 0) {
		snprintf(buf, len, "-");
		return;
	}
	localtime_r(&t, &tm);
	strftime(buf, len, "%Y-%m-%d %H:%M:%S", &tm);
}

static void
show_log(const struct cli_args *a, const json_t *r)
{
	size_t	  n = json_array_size(r), i, k = 0, j;
	char	**cells, **own;
	const json_t *o;

	(void)a;
	cells = xcalloc((n + 1) * 7, sizeof(*cells));
	own = xcalloc((n + 1) * 3, sizeof(*own));
	cells[k++] = "ID";
	cells[k++] = "CREATED";
	cells[k++] = "CHANNEL";
	cells[k++] = "EVENT";
	cells[k++] = "STATE";
	cells[k++] = "ATTEMPTS";
	cells[k++] = "LAST ERROR";
	for (i = 0; i < n; i++) {
		char	t[32];

		o = json_array_get(r, i);
		fmt_time(cli_int(o, "created"), t, sizeof(t));
		own[i * 3] = xasprintf("%lld", cli_int(o, "id"));
		own[i * 3 + 1] = xstrdup(t);
		own[i * 3 + 2] = xasprintf("%lld", cli_int(o, "attempts"));
		cells[k++] = own[i * 3];
		cells[k++] = own[i * 3 + 1];
		cells[k++] = (char *)cli_str(o, "channel");
		cells[k++] = (char *)cli_str(o, "event");
		cells[k++] = (char *)cli_str(o, "state");
		cells[k++] = own[i * 3 + 2];
		cells[k++] = (char *)cli_str(o, "error");
	}
	cli_table(cells, n + 1, 7);
	for (j = 0; j < n * 3; j++)
		free(own[j]);
	free(own);
	free(cells);
}

int
cli_notify_log(const struct cli_args *a)
{
	json_t		*m = cli_msg(a);
	const char	*l = cli_opt(a, "limit");
	char		*end;
	long		 n;
	int		 rc;

	if (l != NULL) {
		n = strtol(l, &end, 10);
		if (*l == '\0' || *end != '\0' || n < 1 || n > 10000) {
			fprintf(stderr, "opsicle notify log: --limit needs 1 "
			    "to 10000\n");
			json_decref(m);
			return EXIT_USAGE;
		}
		proto_add_int(m, "limit", n, NULL);
	}
	rc = cli_send(a, m, show_log);
	json_decref(m);
	return rc;
}

int
cli_notify_smtp(const struct cli_args *a)
{
	struct secret	*pw = NULL;
	struct ops_err	 err;
	json_t		*m;
	int		 rc;

	if ((rc = read_secret("SMTP password: ", &pw, &err)) == OPS_OK &&
	    secret_len(pw) == 0)
		rc = ops_err_set(&err, OPS_E_INVAL, "the password is empty");
	if (rc != OPS_OK) {
		secret_free(pw);
		fprintf(stderr, "opsicle notify smtp-password: %s\n",
		    ops_err_msg(&err));
		return EXIT_REFUSED;
	}
	m = cli_msg(a);
	rc = proto_add_strn(m, "password", (const char *)secret_cdata(pw),
	    secret_len(pw), &err);
	secret_free(pw);
	if (rc == OPS_OK)
		rc = cli_send(a, m, NULL);
	else {
		fprintf(stderr, "opsicle notify smtp-password: %s\n",
		    ops_err_msg(&err));
		rc = EXIT_REFUSED;
	}
	wipe_key(m, "password");
	json_decref(m);
	return rc;
}

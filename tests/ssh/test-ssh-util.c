/*
 * test-ssh-util.c: the SSH engine's leaf helpers (core/ssh-util.c):
 * class names and reachability, run-error parsing, connect failures,
 * target defaults, shell quoting, the sudo wrapper and the one writer of
 * failed results. No sshd needed.
 */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "net-connect.h"
#include "ssh-int.h"
#include "tap.h"

static int
str_is(const char *got, const char *want, const char *name)
{
	int good = got != NULL && strcmp(got, want) == 0;

	ok(good, "%s", name);
	if (!good)
		diag("  got '%s', want '%s'", got ? got : "(null)", want);
	return good;
}

static void
classes(void)
{
	str_is(ssh_class_name(SSH_CLASS_OK), "ok", "class name: ok");
	str_is(ssh_class_name(SSH_CLASS_REFUSED), "connection-refused",
	    "class name: connection-refused");
	str_is(ssh_class_name(SSH_CLASS_SUDO), "sudo", "class name: sudo");
	str_is(ssh_class_name((enum ssh_class)99), "unknown",
	    "class name out of range: unknown");
	is_int(ssh_class_reached("auth"), 0, "auth: not reached");
	is_int(ssh_class_reached("hostkey-changed"), 0,
	    "hostkey-changed: not reached");
	is_int(ssh_class_reached("exit"), 1, "exit: reached");
	is_int(ssh_class_reached("sftp"), 1, "sftp: reached");
	is_int(ssh_class_reached("internal"), -1, "internal: unknown");
	is_int(ssh_class_reached("bogus"), -1, "bogus: unknown");
	is_int(ssh_class_reached(NULL), -1, "NULL: unknown");
}

static void
error_class(void)
{
	char cls[32];
	const char *text = NULL;

	ssh_error_class("auth: authentication failed", cls, sizeof(cls),
	    &text);
	str_is(cls, "auth", "run error: class before ': '");
	str_is(text, "authentication failed", "run error: message after it");
	ssh_error_class("Disk: full", cls, sizeof(cls), &text);
	str_is(cls, "", "run error: capitals are no class");
	str_is(text, "Disk: full", "run error: the whole text then");
	ssh_error_class("connect-timeout: x", cls, 8, NULL);
	str_is(cls, "", "run error: a class longer than the buffer is none");
	ssh_error_class(NULL, cls, sizeof(cls), &text);
	ok(cls[0] == '\0' && text == NULL, "run error: NULL");
}

static void
connect_failure(void)
{
	struct net_connect_result res;
	enum ssh_class cls;
	char msg[200];

	memset(&res, 0, sizeof(res));
	res.cls = NET_CONNECT_REFUSED;
	snprintf(res.why, sizeof(res.why), "Connection refused");
	ssh_connect_failure(&res, "t1 (h:22)", &cls, msg, sizeof(msg));
	is_int(cls, SSH_CLASS_REFUSED, "refused: class");
	str_is(msg, "connect to t1 (h:22): Connection refused; is sshd "
	    "running on that port?", "refused: message");
	res.cls = NET_CONNECT_RESOLVE;
	snprintf(res.why, sizeof(res.why), "Name unknown");
	ssh_connect_failure(&res, "t1 (h:22)", &cls, msg, sizeof(msg));
	is_int(cls, SSH_CLASS_RESOLVE, "resolve: class");
	res.cls = NET_CONNECT_INTERNAL;
	ssh_connect_failure(&res, "t1 (h:22)", &cls, msg, sizeof(msg));
	is_int(cls, SSH_CLASS_INTERNAL, "internal: class");
	res.cls = NET_CONNECT_ERROR;
	ssh_connect_failure(&res, "t1 (h:22)", &cls, msg, sizeof(msg));
	is_int(cls, SSH_CLASS_CONNECT, "other socket error: class connect");
}

static void
targets(void)
{
	struct ssh_auth a = { .user = "deploy" };
	struct ssh_target t = { .name = "t", .host = "h", .auth = &a };

	str_is(ssh_target_user(&t), "deploy", "user: the credential's");
	a.user = "";
	setenv("USER", "alice", 1);
	str_is(ssh_target_user(&t), "alice", "user: $USER when none");
	unsetenv("USER");
	str_is(ssh_target_user(&t), "root", "user: root without $USER");
	is_int(ssh_target_port(&t), 22, "port: 22 by default");
	t.port = 2222;
	is_int(ssh_target_port(&t), 2222, "port: the target's");
}

static void
quoting(void)
{
	struct ssh_exec x = { .command = "id" };
	struct ssh_batch b;
	char *q;

	q = ssh_shell_quote("it's a $HOME");
	str_is(q, "'it'\\''s a $HOME'", "quote: single quotes, ' escaped");
	free(q);
	q = ssh_shell_quote("");
	str_is(q, "''", "quote: empty string");
	free(q);

	memset(&b, 0, sizeof(b));
	b.x = &x;
	q = ssh_batch_wrap(&b, "echo hi");
	str_is(q, "echo hi", "wrap: no sudo, the command as it is");
	free(q);
	x.sudo = 1;
	x.sudo_user = "o'brien";
	snprintf(b.marker, sizeof(b.marker), "MARK");
	snprintf(b.prompt, sizeof(b.prompt), "[p] password:");
	q = ssh_batch_wrap(&b, "echo 'x'");
	str_is(q, "sudo -S -p '[p] password:' -u 'o'\\''brien' -- sh -c "
	    "'echo MARK; echo '\\''x'\\'''", "wrap: sudo, marker first, "
	    "user and command quoted");
	free(q);
}

static void
results(void)
{
	struct ssh_result r;
	char big[600];

	memset(&r, 0, sizeof(r));
	r.ok = 1;
	ssh_result_fail(&r, SSH_CLASS_EXIT, OPS_E_IO, "on %s: \x1b[31mred%c",
	    "t1", '\a');
	ok(r.ok == 0 && r.cls == SSH_CLASS_EXIT && r.status == OPS_E_IO,
	    "fail: ok, class and status set");
	str_is(r.msg, "on t1: \\x1b[31mred\\x07", "fail: control bytes escaped");
	ssh_result_fail(&r, SSH_CLASS_SFTP, 0, "caf\xc3\xa9 ok");
	str_is(r.msg, "caf\xc3\xa9 ok", "fail: UTF-8 passes unchanged");
	memset(big, 'a', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	ssh_result_fail(&r, SSH_CLASS_SFTP, 0, "%s", big);
	ok(strlen(r.msg) == sizeof(r.msg) - 1, "fail: a long message is cut "
	    "to the buffer");
}

static void
misc(void)
{
	char hex[65];
	size_t i;
	int good = 1;

	str_is(ssh_path_base("/a/b/c.txt"), "c.txt", "base: last component");
	str_is(ssh_path_base("c.txt"), "c.txt", "base: no slash");
	str_is(ssh_path_base("/a/"), "", "base: trailing slash: empty");
	ssh_rand_hex(hex, 16);
	for (i = 0; hex[i] != '\0'; i++)
		good &= isxdigit((unsigned char)hex[i]) != 0;
	ok(good && i == 32, "random hex: 16 bytes are 32 hex digits");
	ssh_rand_hex(hex, 99);
	is_int(strlen(hex), 64, "random hex: at most 32 bytes");
}

int
main(void)
{
	plan(40);
	classes();
	error_class();
	connect_failure();
	targets();
	quoting();
	results();
	misc();
	return exit_status();
}

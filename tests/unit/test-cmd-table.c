/*
 * test-cmd-table.c: the command tables drive everything, so check them
 * against everything: every request type of the protocol table has a
 * row in the daemon's operation table (daemon/dispatch.c), every daemon
 * command of the CLI table (tui/cli-table.c) has a daemon row and a
 * function, every row a command or a place on the wire-only list, the
 * rows' flags agree with the commands', usage lines start with the
 * command's name, opsicle.1 gives every usage line verbatim, bash
 * completes every command word and option through the completion file
 * (run against the built opsicle), and the parser helpers and the
 * role table behave. The console's screens and keys in opsicle(1) are
 * what "opsicle list-keys --mdoc" makes of its tables (tui/keys.c, the
 * screen table), and its CONSOLE section has a paragraph per screen.
 * Links the daemon and the client (but their mains).
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "daemon.h"
#include "tui.h"
#include "tui-screen.h"
#include "tap.h"

/* Requests no CLI command sends: the handshake, and what only other
 * clients (the console, scripts on the socket) send. */
static const enum proto_type wire_only[] = {
	PROTO_HELLO, PROTO_UNSUBSCRIBE,
};

static int
is_wire_only(enum proto_type type)
{
	size_t	i;

	for (i = 0; i < sizeof(wire_only) / sizeof(wire_only[0]); i++)
		if (wire_only[i] == type)
			return 1;
	return 0;
}

/* proto_type_foreach: count request types without a daemon row. */
static void
check_request(const struct proto_type_info *ti, void *arg)
{
	int	*bad = arg;

	if ((ti->flags & PROTO_F_REQUEST) && dispatch_find(ti->type) == NULL) {
		diag("request %s has no row in daemon/dispatch.c", ti->name);
		(*bad)++;
	}
}

static char *
slurp(const char *rel)
{
	const char	*src = getenv("OPS_SRCDIR");
	char		 path[4096], *buf = NULL;
	FILE		*fp;
	long		 n;

	snprintf(path, sizeof(path), "%s/%s", src != NULL ? src : ".", rel);
	if ((fp = fopen(path, "r")) == NULL)
		return NULL;
	if (fseek(fp, 0, SEEK_END) == 0 && (n = ftell(fp)) >= 0 &&
	    fseek(fp, 0, SEEK_SET) == 0 && (buf = calloc(1, (size_t)n + 1)))
		if (fread(buf, 1, (size_t)n, fp) != (size_t)n) {
			free(buf);
			buf = NULL;
		}
	fclose(fp);
	return buf;
}

/*
 * Is the block of man between the "keys: begin" and "keys: end" comment
 * lines (both included) what keys_write_mdoc writes? On a difference the
 * first differing line of each goes to diag.
 */
static int
man_keys_match(const char *man)
{
	static const char	 begin[] = ".\\\" keys: begin", end[] =
				    ".\\\" keys: end\n";
	const char		*a, *b, *p, *q;
	char			*gen = NULL;
	size_t			 len = 0, i;
	FILE			*fp;
	int			 same;

	if (man == NULL || (a = strstr(man, begin)) == NULL ||
	    (b = strstr(a, end)) == NULL) {
		diag("opsicle.1 lacks the keys: begin/end comments");
		return 0;
	}
	b += strlen(end);
	if ((fp = open_memstream(&gen, &len)) == NULL)
		return 0;
	keys_write_mdoc(fp);
	fclose(fp);
	same = len == (size_t)(b - a) && memcmp(gen, a, len) == 0;
	for (p = gen, q = a, i = 1; !same && *p != '\0' && q < b; i++) {
		size_t	lp = strcspn(p, "\n"), lq = strcspn(q, "\n");

		if (lp != lq || memcmp(p, q, lp) != 0) {
			diag("line %zu of the block: the table gives \"%.*s\", "
			    "opsicle.1 has \"%.*s\"; run make man-keys", i,
			    (int)lp, p, (int)lq, q);
			break;
		}
		p += lp + (p[lp] != '\0');
		q += lq + 1;
	}
	if (!same && (*p == '\0' || q >= b))
		diag("the block's length differs; run make man-keys");
	free(gen);
	return same;
}

/* Does the CONSOLE section say "The NAME screen" for every screen? */
static int
man_screens_described(const char *man)
{
	const struct screen	*const *s;
	const char		*sec, *endp;
	char			 want[64];
	size_t			 n, i;
	int			 bad = 0;

	if (man == NULL || (sec = strstr(man, ".Sh CONSOLE\n")) == NULL)
		return 0;
	if ((endp = strstr(sec + 1, "\n.Sh ")) == NULL)
		endp = sec + strlen(sec);
	s = tui_screens(&n);
	for (i = 0; i < n; i++) {
		const char	*f;

		snprintf(want, sizeof(want), "The %s screen", s[i]->name);
		if ((f = strstr(sec, want)) == NULL || f > endp) {
			diag("opsicle.1's CONSOLE section lacks \"%s\"", want);
			bad++;
		}
	}
	return bad == 0;
}

/* What bash completes for the words "opsicle WORDS ''" through the
 * completion file, run against the built opsicle; "" when it fails. */
static void
complete(const char *words, char *out, size_t len)
{
	const char	*src = getenv("OPS_SRCDIR");
	const char	*bld = getenv("OPS_BUILDDIR");
	char		 cmd[4096];
	FILE		*fp;
	size_t		 got;

	out[0] = '\0';
	snprintf(cmd, sizeof(cmd), "bash -c '. \"$0\"/share/completions/opsicle"
	    " && COMP_WORDS=(opsicle %s \"\") && "
	    "COMP_CWORD=$((${#COMP_WORDS[@]} - 1)) && "
	    "_opsicle \"$1\"/tui/opsicle \"\" x && echo \" ${COMPREPLY[*]} \"' "
	    "'%s' '%s' 2>/dev/null", words, src != NULL ? src : ".",
	    bld != NULL ? bld : ".");
	if ((fp = popen(cmd, "r")) == NULL)
		return;
	got = fread(out, 1, len - 1, fp);
	out[got] = '\0';
	pclose(fp);
}

/* Does bash complete name (a command name or alias of e) word by word,
 * then every option of e? The number of misses. */
static int
completes(const struct cmd_entry *e, const char *name)
{
	const char	*sp = strchr(name, ' '), *p, *end;
	char		 got[8192], want[128], words[128];
	int		 bad = 0;

	complete("", got, sizeof(got));
	snprintf(want, sizeof(want), " %.*s ", sp != NULL ?
	    (int)(sp - name) : (int)strlen(name), name);
	if (strstr(got, want) == NULL)
		bad++;
	if (sp != NULL) {
		snprintf(words, sizeof(words), "%.*s", (int)(sp - name), name);
		complete(words, got, sizeof(got));
		snprintf(want, sizeof(want), " %s ", sp + 1);
		if (strstr(got, want) == NULL)
			bad++;
	}
	complete(name, got, sizeof(got));
	if (strstr(got, " --help ") == NULL)
		bad++;
	for (p = e->options != NULL ? e->options : ""; *p != '\0'; p = end) {
		while (*p == ' ')
			p++;
		for (end = p; *end != '\0' && *end != ' ' && *end != '=';)
			end++;
		snprintf(want, sizeof(want), " --%.*s ", (int)(end - p), p);
		if (end > p && strstr(got, want) == NULL)
			bad++;
		while (*end != '\0' && *end != ' ')
			end++;
	}
	if (bad > 0)
		diag("bash does not complete \"%s\" and its options", name);
	return bad;
}

int
main(void)
{
	const struct cmd_entry		*const *t, *e;
	const struct dispatch_op	*ops, *op;
	size_t				 n, nops, i, len;
	char				*man, *comp, line[1024], word[64];
	int				 bad, used, changes;
	char				*argv[] = { "target", "ls", "x" };

	t = cmd_table(&n);
	ops = dispatch_table(&nops);
	man = slurp("man/opsicle.1");
	comp = slurp("share/completions/opsicle");
	plan(22);

	bad = 0;
	proto_type_foreach(check_request, &bad);
	ok(bad == 0, "every request type of the protocol has a daemon row");

	bad = 0;
	for (i = 0; i < n; i++) {
		if (!(t[i]->flags & CMD_F_LOCAL) &&
		    (t[i]->type == PROTO_NONE ||
		    (op = dispatch_find(t[i]->type)) == NULL ||
		    op->fn == NULL)) {
			diag("command \"%s\" has no daemon handler",
			    t[i]->name);
			bad++;
		}
		if ((t[i]->flags & CMD_F_LOCAL) && t[i]->type != PROTO_NONE)
			bad++;
	}
	ok(bad == 0, "every daemon command has a handler in opsicled");
	bad = 0;
	for (i = 0; i < n; i++)
		if (t[i]->exec == NULL) {
			diag("command \"%s\" has no exec", t[i]->name);
			bad++;
		}
	ok(bad == 0, "every command has a function that runs it");
	bad = 0;
	for (i = 0; i < nops; i++) {
		if (ops[i].name == NULL)
			continue;
		if (cmd_find_type((enum proto_type)i) == NULL &&
		    !is_wire_only((enum proto_type)i)) {
			diag("row %s has no command and is not wire-only",
			    proto_type_name((enum proto_type)i));
			bad++;
		}
		if (!(proto_type_flags((enum proto_type)i) & PROTO_F_REQUEST))
			bad++;
	}
	for (i = 0; i < sizeof(wire_only) / sizeof(wire_only[0]); i++)
		if (cmd_find_type(wire_only[i]) != NULL)
			bad++;
	ok(bad == 0, "every row is for a request type some command sends, "
	    "or on the wire-only list");

	bad = 0;
	for (i = 0; i < nops; i++) {
		op = &ops[i];
		if (op->name == NULL)
			continue;
		if ((op->fn == NULL) != ((op->flags & OP_CONN) != 0) ||
		    ((op->role == CMD_ROLE_NONE) !=
		    ((op->flags & OP_CONN) != 0)) ||
		    ((op->flags & OP_TX) && !(op->flags & OP_STORE)) ||
		    ((op->flags & OP_TX) && (op->flags & OP_SELF_AUDIT)) ||
		    strchr(op->name, ' ') != NULL) {
			diag("row %s: bad handler, role or flags", op->name);
			bad++;
		}
	}
	ok(bad == 0, "rows: a handler and a role unless OP_CONN; OP_TX needs "
	    "OP_STORE and excludes OP_SELF_AUDIT");
	bad = 0;
	for (i = 0; i < n; i++) {
		if ((op = dispatch_find(t[i]->type)) == NULL)
			continue;
		dispatch_op_name(op, word, sizeof(word));
		if (strcmp(word, t[i]->name) != 0) {
			diag("row %s is not named after \"%s\"", op->name,
			    t[i]->name);
			bad++;
		}
	}
	ok(bad == 0, "each row is named (and audited) after its command");

	bad = 0;
	for (i = 0; i < n; i++) {
		len = strlen(t[i]->name);
		if (t[i]->usage == NULL || t[i]->help == NULL ||
		    strncmp(t[i]->usage, t[i]->name, len) != 0 ||
		    (t[i]->usage[len] != '\0' && t[i]->usage[len] != ' ') ||
		    t[i]->min_args < 0 || (t[i]->max_args >= 0 &&
		    t[i]->max_args < t[i]->min_args)) {
			diag("command \"%s\": bad usage/help/args", t[i]->name);
			bad++;
		}
		op = dispatch_find(t[i]->type);
		if (!(t[i]->flags & CMD_F_LOCAL) &&
		    (op == NULL || op->role == CMD_ROLE_NONE))
			bad++;
		changes = op != NULL &&
		    (op->flags & (OP_TX | OP_SELF_AUDIT)) != 0;
		if (op != NULL && ((t[i]->flags & CMD_F_READONLY) != 0) ==
		    changes) {
			diag("command \"%s\": read-only flag disagrees with "
			    "its row", t[i]->name);
			bad++;
		}
		if ((t[i]->flags & CMD_F_READONLY) &&
		    cmd_option_kind(t[i], "json", 4) != 1) {
			diag("read command \"%s\" lacks --json", t[i]->name);
			bad++;
		}
	}
	ok(bad == 0, "usage lines start with the name; roles and flags sane; "
	    "read commands take --json");

	ok(man != NULL, "opsicle.1 readable through OPS_SRCDIR");
	bad = 0;
	for (i = 0; man != NULL && i < n; i++) {
		snprintf(line, sizeof(line), ".It Ic \"%s\"\n", t[i]->usage);
		if (strstr(man, line) == NULL) {
			diag("opsicle.1 lacks: %s", line);
			bad++;
		}
	}
	ok(man != NULL && bad == 0,
	    "opsicle.1 gives every command's usage line verbatim");
	ok(man_keys_match(man), "opsicle.1 lists the console's screens and "
	    "keys as the tables have them (opsicle list-keys --mdoc)");
	ok(man_screens_described(man), "opsicle.1's CONSOLE section has a "
	    "paragraph for every screen");

	ok(comp != NULL, "completion file readable");
	/* Complete in bash through the file for every name and alias: its
	 * words, then every option of the command and --help. */
	bad = 0;
	for (i = 0; comp != NULL && i < n; i++) {
		bad += completes(t[i], t[i]->name);
		if (t[i]->alias != NULL)
			bad += completes(t[i], t[i]->alias);
	}
	ok(comp != NULL && bad == 0, "completion knows every command");

	e = cmd_find(3, argv, &used);
	ok(e != NULL && strcmp(e->name, "target list") == 0 && used == 2,
	    "an alias finds its command and uses two words");
	argv[1] = "nope";
	ok(cmd_find(3, argv, &used) == NULL, "unknown commands are not found");
	e = cmd_find_type(PROTO_TARGET_ADD);
	ok(e != NULL && cmd_option_kind(e, "tag", 3) == 3 &&
	    cmd_option_kind(e, "host", 4) == 2 &&
	    cmd_option_kind(e, "ho", 2) == 0 &&
	    cmd_option_kind(e, "json", 4) == 0,
	    "option kinds: repeatable, value, prefix refused, absent");
	e = cmd_find_type(PROTO_CRED_ADD);
	ok(e != NULL && (proto_type_flags(e->type) & PROTO_F_SENSITIVE) &&
	    (e->flags & CMD_F_SECRET), "cred add sends a sensitive message");

	ok(acl_allows(CMD_ROLE_ADMIN, CMD_ROLE_ADMIN) &&
	    acl_allows(CMD_ROLE_ADMIN, CMD_ROLE_VIEWER),
	    "admin covers every role");
	ok(!acl_allows(CMD_ROLE_NONE, CMD_ROLE_VIEWER) &&
	    !acl_allows(CMD_ROLE_NONE, CMD_ROLE_NONE),
	    "no role allows nothing");
	ok(acl_allows(CMD_ROLE_VIEWER, CMD_ROLE_VIEWER) &&
	    !acl_allows(CMD_ROLE_VIEWER, CMD_ROLE_OPERATOR) &&
	    !acl_allows(CMD_ROLE_OPERATOR, CMD_ROLE_ADMIN) &&
	    !acl_allows(CMD_ROLE_APPROVER, CMD_ROLE_OPERATOR) &&
	    !acl_allows(CMD_ROLE_OPERATOR, CMD_ROLE_APPROVER),
	    "viewer, operator and approver stay in their lanes");
	ok(acl_allows(CMD_ROLE_OPERATOR_APPROVER, CMD_ROLE_OPERATOR) &&
	    acl_allows(CMD_ROLE_OPERATOR_APPROVER, CMD_ROLE_APPROVER) &&
	    acl_allows(CMD_ROLE_OPERATOR_APPROVER, CMD_ROLE_VIEWER) &&
	    !acl_allows(CMD_ROLE_OPERATOR_APPROVER, CMD_ROLE_ADMIN),
	    "operator+approver holds both lanes, not admin");
	ok(acl_role_of(NULL, 0, 0) == CMD_ROLE_ADMIN &&
	    acl_role_of(NULL, 65534, 65534) == (geteuid() == 65534 ?
	    CMD_ROLE_ADMIN : CMD_ROLE_NONE),
	    "root is admin, another uid has no role");
	free(man);
	free(comp);
	return exit_status();
}

/*
 * ssh-task-kill.c: the exec task (one command on the batch's targets),
 * and what ends its remote processes when it times out or is cancelled.
 *
 * Closing the channel does not stop a command: sshd only closes its
 * pipes, and a "sleep 37; echo done > f" goes on, re-parented to init
 * (libssh2 1.10 cannot send a channel signal). So the command is wrapped
 * to report its process group first (ssh_kill_wrap), and the clean-up of
 * a failed run opens a second channel on the same session that sends
 * TERM to the group, waits up to KILL_GRACE for it to go, then sends
 * KILL. Under sudo the report comes from inside sudo and the kill runs
 * under sudo as the same user (the password fed again when sudo asks),
 * since the login user cannot signal another user's processes. The
 * outcome is part of the run's error; the session is closed afterwards,
 * as for any failed run. The script task uses the same kill
 * (ssh_kill_begin/step) before it removes its temp file.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ssh-int.h"

#define KILL_GRACE_TICKS	20	/* of 0.1 s: 2 s of grace */

static void
kill_task_start(struct ssh_task *tk)
{
	ssh_exec_begin(tk, NULL);
	/* the batch's command was built to report (ssh_batch_wrap_cmd) */
	tk->ex.wrap = 1;
}

enum ssh_step
ssh_kill_begin(struct ssh_task *tk)
{
	long pg = tk->ex.pgid;
	char cmd[1024];

	if (pg <= 1 || tk->killing || tk->conn == NULL)
		return STEP_DROP;
	/*
	 * dash's kill takes -PGID after the signal, without "--". A member
	 * that ended but is not reaped yet (a zombie, e.g. an orphan whose
	 * init reaps late) still answers kill -0: where there is /proc,
	 * only members that are not zombies count as alive.
	 */
	snprintf(cmd, sizeof(cmd), "exec /bin/sh -c 'g=$1; "
	    "alive() { kill -0 -$g 2>/dev/null || return 1; "
	    "[ -r /proc/self/stat ] || return 0; "
	    "for f in /proc/[0-9]*/stat; do read -r l <$f 2>/dev/null || "
	    "continue; l=${l##*) }; set -- $l; "
	    "[ \"$3\" = $g ] && [ \"$1\" != Z ] && return 0; done; "
	    "return 1; }; "
	    "kill -TERM -$g 2>/dev/null || { echo gone; exit 0; }; i=0; "
	    "while [ $i -lt %d ]; do alive || "
	    "{ echo terminated; exit 0; }; sleep 0.1; i=$((i + 1)); done; "
	    "kill -KILL -$g 2>/dev/null; echo killed' sh %ld",
	    KILL_GRACE_TICKS, pg);
	free(tk->command);
	/* Under sudo the group is the become user's (or root's): the kill
	 * runs under sudo too, the password fed again on sudo's prompt. */
	if ((tk->command = ssh_batch_wrap(tk->b, cmd)) == NULL)
		return STEP_DROP;
	ssh_exec_begin(tk, tk->command);
	tk->ex.quiet = 1;
	tk->ex.pgid = pg;
	tk->killing = 1;
	return STEP_NEXT;
}

/* The run's message says what became of the remote processes. */
static void
kill_outcome(struct ssh_task *tk, const char *what)
{
	struct ssh_result *r = tk->r;
	char *cut = strstr(r->msg, "; channel closed");
	size_t len;

	if (cut != NULL)
		*cut = '\0';
	len = strlen(r->msg);
	snprintf(r->msg + len, sizeof(r->msg) - len,
	    "; remote process group %ld %s", tk->ex.pgid, what);
}

enum ssh_step
ssh_kill_step(struct ssh_task *tk)
{
	enum ssh_step s = ssh_exec_step(tk);
	const char *out = tk->ex.quiet_out;

	switch (s) {
	case STEP_NEXT:
	case STEP_WAIT:
	case STEP_DEADLINE:
		return s == STEP_DEADLINE ? STEP_NEXT : s;
	case STEP_DONE:
		tk->killing = 2;
		if (strncmp(out, "terminated", 10) == 0 ||
		    strncmp(out, "gone", 4) == 0)
			kill_outcome(tk, "terminated");
		else if (strncmp(out, "killed", 6) == 0)
			kill_outcome(tk, "killed after 2 s grace (it ignored "
			    "TERM)");
		else if (tk->ex.sudo_refused)
			kill_outcome(tk, "could not be stopped (sudo refused "
			    "the kill); it may still run");
		else
			kill_outcome(tk, "could not be stopped; it may still "
			    "run");
		return STEP_DROP;
	default:
		tk->killing = 2;
		kill_outcome(tk, tk->ex.sudo_refused ? "could not be stopped "
		    "(sudo refused the kill); it may still run" : "could not "
		    "be stopped (no second channel); it may still run");
		return STEP_DROP;
	}
}

void
ssh_kill_expire(struct ssh_task *tk)
{
	if (tk->killing == 1)
		kill_outcome(tk, "did not answer the kill in time; it may "
		    "still run");
}

static enum ssh_step
kill_task_step(struct ssh_task *tk)
{
	return tk->killing ? ssh_kill_step(tk) : ssh_exec_step(tk);
}

const struct ssh_task_ops ssh_task_exec_ops = {
	.name = "exec",
	.start = kill_task_start,
	.step = kill_task_step,
	.cleanup = ssh_kill_begin,
	.expire = ssh_kill_expire,
	.release = ssh_exec_release,
	.free = ssh_exec_free,
};

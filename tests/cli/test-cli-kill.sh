#!/bin/sh
# test-cli-kill.sh: a run that times out leaves no process on the target
# and no later part of its command line runs: the remote process group
# gets TERM, and KILL after the grace when it ignores TERM; the run's
# error says which. Real daemon, real sshd; the remote processes are
# looked for with pgrep (the sshd runs as this user, on this host).
. "${OPS_SRCDIR:-$(dirname "$0")/../..}/tests/lib/tap.sh"
. "${OPS_SRCDIR:-$(dirname "$0")/../..}/tests/lib/common.sh"
. "$OPS_SRCDIR/tests/lib/sshd.sh"

O="$OPS_BUILDDIR/tui/opsicle"
OPSICLE_DAEMON="$OPS_BUILDDIR/daemon/opsicled"
export OPSICLE_DAEMON
[ -x "$SSHD" ] || skip_all "OpenSSH sshd not installed"
command -v ssh-keygen >/dev/null || skip_all "ssh-keygen not installed"
command -v pgrep >/dev/null || skip_all "pgrep (procps) not installed"

sshd_start s1 127.0.0.2 || skip_all "could not start sshd on 127.0.0.2"
P1=$SSHD_PORT
U=$(sshd_user)
B=$SSHD_BASE
H=$OPSICLE_HOME

plan_tests 14

"$O" cred add k --ssh-key "$B/id_ed25519" </dev/null
track_pid "$(cat "$OPSICLE_HOME/opsicled.lock")"
"$O" target add t1 --host 127.0.0.2 --port "$P1" --user "$U" --cred k
run "$O" hostkey import "$B/known_hosts"
is "$rc" 0 "a target on a real sshd"

# gone PATTERN: no process whose command line matches (none of ours)
gone() { ! pgrep -f "$1" >/dev/null; }

# ---- the check sees a remote process while it runs (a control) -------------
"$O" run t1 -- 'sleep 4.4' >/dev/null 2>&1 &
track_pid $!
wait_for 10 pgrep -f 'sleep 4[.]4' >/dev/null; ok $? "pgrep sees a run's remote process while it runs"

# ---- TERM ends the group ---------------------------------------------------
run "$O" run --timeout 1 t1 -- "sleep 31.7; echo late > '$H/late1'"
is "$rc" 1 "a timed-out run exits 1"
like "$err" 't1: .*timed out after 1000 ms; remote process group [0-9]+ terminated' \
    "its error says the remote process group was terminated"
unlike "$err" 'channel closed' "and not that the channel was merely closed"
wait_for 5 gone 'sleep 31[.]7'; ok $? "no sleep of that run is left on the target"
sleep 1
test ! -e "$H/late1"; ok $? "and the rest of its command line never ran"

# ---- a command that ignores TERM is killed after the grace ----------------
run "$O" run --timeout 1 t1 -- "trap '' TERM; sleep 32.3; echo late > '$H/late2'"
is "$rc" 1 "a run that ignores TERM: exit 1"
like "$err" 'remote process group [0-9]+ killed after 2 s grace' \
    "its error says it was killed after the grace"
wait_for 5 gone 'sleep 32[.]3'; ok $? "nothing of it is left on the target"
test ! -e "$H/late2"; ok $? "and its later part never ran"

# ---- background children are in the group too ------------------------------
run "$O" run --timeout 1 t1 -- "sleep 33.1 & sleep 33.2; wait"
like "$err" 'remote process group [0-9]+ terminated' "a run with a background child"
wait_for 5 gone 'sleep 33[.][12]'; ok $? "the background child is gone as well"

# ---- the report is not output ------------------------------------------------
run "$O" run --quiet --no-prefix t1 -- 'printf "e1\n" >&2; printf "o1\n"'
is "$err" "e1" "stderr is the command's own, byte for byte (no group report)"

tap_finish

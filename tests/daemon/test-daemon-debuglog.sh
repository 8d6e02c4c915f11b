#!/bin/sh
# test-daemon-debuglog.sh: at log-level = debug the log shows the type,
# id and size of every message but never an inventory's passwords
# (target import), a command line (run), job output (run, job logs
# replies, job-output events) or job details (job show).
. "${OPS_SRCDIR:-$(dirname "$0")/../..}/tests/lib/tap.sh"
. "${OPS_SRCDIR:-$(dirname "$0")/../..}/tests/lib/common.sh"
. "$OPS_SRCDIR/tests/lib/sshd.sh"

O="$OPS_BUILDDIR/tui/opsicle"
OPSICLE_DAEMON="$OPS_BUILDDIR/daemon/opsicled"
export OPSICLE_DAEMON
H="$OPSICLE_HOME"
L="$H/logs/opsicled.log"
[ -x "$SSHD" ] || skip_all "OpenSSH sshd not installed"
command -v ssh-keygen >/dev/null || skip_all "ssh-keygen not installed"
command -v ss >/dev/null || skip_all "ss (iproute2) not installed"
sshd_start s1 127.0.0.2 || skip_all "could not start sshd on 127.0.0.2"
U=$(sshd_user)
B=$SSHD_BASE
plan_tests 12

printf 'log-level = debug\n' >"$H/opsicle.conf"
run "$O" cred add k --ssh-key "$B/id_ed25519" </dev/null
is "$rc" 0 "cred add"
track_pid "$(cat "$H/opsicled.lock")"
printf '[web]\nw1 ansible_host=127.0.0.2 ansible_port=%s ansible_user=%s ansible_ssh_pass=InvPassMarker99 ansible_become_pass=BecomeMarker77\n' \
    "$SSHD_PORT" "$U" >"$H/inv.ini"
run "$O" target import --ansible "$H/inv.ini"
is "$rc" 0 "an inventory with passwords is imported"
run "$O" target edit w1 --cred k
run "$O" hostkey import "$B/known_hosts"
is "$rc" 0 "the target gets a credential and its host key"
run "$O" run w1 -- "printf 'OUT%s\n' MARK-zq81 # CmdMarker42"
like "$out" "OUTMARK-zq81" "the run prints the output marker"
job=$("$O" job list --limit 1 --json | sed -n 's/^\[{"id":\([0-9]*\).*/\1/p')
run "$O" job logs "$job"
like "$out" "OUTMARK-zq81" "job logs shows it too"
run "$O" job show "$job"
log=$(cat "$L")
like "$log" "debug: <- .*: target-import id=[0-9]* \\([0-9]+ bytes, body not logged\\)" \
    "target-import: type, id and size"
like "$log" "debug: <- .*: run id=[0-9]* \\([0-9]+ bytes, body not logged\\)" \
    "run: type, id and size"
like "$log" "debug: -> uid [0-9]*: ok id=[0-9]* \\([0-9]+ bytes, body not logged\\)" \
    "replies to them: type, id and size"
unlike "$log" "InvPassMarker99|BecomeMarker77" "no inventory password in the log"
unlike "$log" "CmdMarker42" "no command line in the log"
unlike "$log" "OUTMARK-zq81" "no job output in the log"
like "$log" "debug: <- .*: target-edit id=[0-9]* \\{" \
    "other requests keep their bodies"
tap_finish

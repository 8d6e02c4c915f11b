#!/bin/sh
# test-tui-automation-run.sh: the console's Job screen follows an automation
# job's steps per target: the batch and the step a target is at ("batch
# 1, step 2/2 wait: running", live from step-state events), then how it
# ended. A real daemon and a loopback sshd; the second step waits for a
# file the test creates, so nothing depends on timing.
. "${OPS_SRCDIR:-$(dirname "$0")/../..}/tests/lib/tap.sh"
. "${OPS_SRCDIR:-$(dirname "$0")/../..}/tests/lib/common.sh"
. "${OPS_SRCDIR:-$(dirname "$0")/../..}/tests/lib/tmux.sh"
. "${OPS_SRCDIR:-$(dirname "$0")/../..}/tests/lib/sshd.sh"

command -v tmux >/dev/null 2>&1 || skip_all "tmux is not installed"
[ -x "$SSHD" ] || skip_all "OpenSSH server is not installed"
O="$OPS_BUILDDIR/tui/opsicle"
OPSICLE_DAEMON="$OPS_BUILDDIR/daemon/opsicled"
export OPSICLE_DAEMON
H=$OPSICLE_HOME
plan_tests 5

sshd_start s1 127.0.0.1 || skip_all "could not start sshd on 127.0.0.1"
U=$(sshd_user)
"$O" cred add key1 --ssh-key "$SSHD_BASE/id_ed25519" </dev/null >/dev/null 2>&1
track_pid "$(cat "$H/opsicled.lock")"
"$O" target add web1 --host 127.0.0.1 --port "$SSHD_PORT" --user "$U" \
    --cred key1 >/dev/null 2>&1
"$O" hostkey import "$SSHD_BASE/known_hosts" >/dev/null 2>&1
cat >"$H/gate.yaml" <<EOF2
name: gate
targets: [web1]
steps:
  - name: one
    command: echo one
  - name: wait
    command: while [ ! -e $H/gate ]; do sleep 0.1; done; echo two
EOF2
run "$O" automation apply "$H/gate.yaml"
is "$rc" 0 "an automation with a step that waits for a file"
run "$O" automation run gate --detach
is "$rc" 0 "its job runs"

tui_start a
wait_for_screen "1 Targets +2 Jobs +3 Job" a
tm send-keys -t a 2
wait_for_screen "^ *1 +running" a
tm send-keys -t a Enter
wait_for_screen "web1 +running .*batch 1, step 2/2 wait: running" a 15
ok $? "the Job screen shows the target's batch and the step it is at"
touch "$H/gate"
wait_for_screen "web1 +ok .*batch 1, step 2/2 wait: ok" a 15
ok $? "then how its last step ended"
wait_for_screen "^ two" a 15
ok $? "with the output of every step"

#!/bin/sh
# test-tui-autorun.sh: "r" on the console's Automations screen opens the
# run form of the automation's latest version: a field per parameter
# (type, range, default under it) and the targets; a bad int is refused
# by the daemon's dry run, beside its field, and starts no job; a secret
# is typed without echo (never on the screen, in no file under
# $OPSICLE_HOME); Space cycles a choice; a valid form starts the job and
# the Job screen shows its steps; Esc cancels and starts nothing. A real
# daemon and a loopback sshd.
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
SECRET=tok-$(od -An -N8 -tx1 /dev/urandom | tr -d ' \n')
plan_tests 20

sshd_start s1 127.0.0.1 || skip_all "could not start sshd on 127.0.0.1"
U=$(sshd_user)
"$O" cred add key1 --ssh-key "$SSHD_BASE/id_ed25519" </dev/null >/dev/null 2>&1
track_pid "$(cat "$H/opsicled.lock")"
"$O" target add web1 --host 127.0.0.1 --port "$SSHD_PORT" --user "$U" \
    --cred key1 >/dev/null 2>&1
"$O" hostkey import "$SSHD_BASE/known_hosts" >/dev/null 2>&1
cat >"$H/deploy.yaml" <<'EOF'
name: deploy
targets: [web1]
parameters:
  - name: count
    type: int
    min: 1
    max: 10
    required: true
    description: how many
  - name: tok
    type: secret
    required: true
  - name: mode
    type: choice
    choices: [fast, slow]
    default: fast
  - name: verbose
    type: bool
    default: false
steps:
  - name: show
    command: echo "count=$OPSICLE_PARAM_COUNT mode=$OPSICLE_PARAM_MODE verbose=$OPSICLE_PARAM_VERBOSE"
  - name: tok
    command: test -n "$OPSICLE_PARAM_TOK" && echo token-ok
EOF
run "$O" automation apply "$H/deploy.yaml"
is "$rc" 0 "an automation with an int, a secret, a choice and a bool"

njobs() { "$O" job list --json | grep -o '"id":' | wc -l; }
# the line under the first line matching ERE
under() { screen a | grep -A1 -E -- "$1" | sed -n 2p; }

tui_start a
wait_for_screen "7 Automations" a
tm send-keys -t a 7
wait_for_screen "^ *deploy +1 +1 " a
tm send-keys -t a r
wait_for_screen "Run deploy version 1" a
ok $? "r opens the run form of the latest version"
wait_for_screen "count\\*( |$)" a && wait_for_screen "tok\\*( |$)" a &&
    wait_for_screen "mode +fast" a &&
    wait_for_screen "verbose +false( |$)" a &&
    wait_for_screen "targets +web1" a
ok $? "a field per parameter (defaults filled in) and the targets" ||
    screen a | sed 's/^/# /'

under "count\\*" | grep -q "int; 1 to 10; how many"
ok $? "under a field: its type, range and description"
wait_for_screen "Enter run +Tab" a
ok $? "the form says what Enter does"

tm send-keys -t a -l abc
tm send-keys -t a Tab
tm send-keys -t a -l "$SECRET"
wait_for_screen "tok\\* +\\(typed, hidden\\)" a
ok $? "the secret field shows a fixed mask"
screen a | grep -qF "$SECRET"
is "$?" 1 "the typed secret is not on the screen"
tm send-keys -t a Tab Space
wait_for_screen "mode +slow" a
ok $? "Space cycles a choice"
tm send-keys -t a Enter
wait_for_screen "not started: fix the field marked below" a
ok $? "Enter: the daemon's dry run refuses the form"
under "count\\* +abc" | grep -q "'abc' is not an integer"
ok $? "its error is beside the field it names"
is "$(njobs)" 0 "and no job was started"

# fix it: the form put the cursor on the refused field
tm send-keys -t a C-u
tm send-keys -t a -l 3
tm send-keys -t a Enter
wait_for_screen "web1 +ok .*step 2/2 tok: ok" a 20
ok $? "a valid form starts the job; the Job screen shows its steps"
wait_for_screen "^ count=3 mode=slow verbose=false" a 10
ok $? "the values reached the target"
wait_for_screen "^ token-ok" a 10
ok $? "the secret too"
is "$(njobs)" 1 "one job"
screen a | grep -qF "$SECRET"
is "$?" 1 "the secret is still not on the screen"

# Esc cancels: nothing runs
tm send-keys -t a 7
wait_for_screen "^ *deploy +1 +1 " a
tm send-keys -t a r
wait_for_screen "Run deploy version 1" a
tm send-keys -t a -l 2
tm send-keys -t a Tab
tm send-keys -t a -l "$SECRET"
tm send-keys -t a Escape
wait_for_screen "cancelled, nothing saved" a
ok $? "Esc closes the form"
is "$(njobs)" 1 "and starts no job"

hits=$(grep -rlaF "$SECRET" "$H" 2>/dev/null | grep -v "^$SSHD_BASE" | wc -l)
is "$hits" 0 "no file under \$OPSICLE_HOME holds the secret"
tm send-keys -t a q
wait_for_screen "tui-exit=0" a
ok $? "q quits cleanly (in build-san: no leak, no sanitizer report)"
tap_finish

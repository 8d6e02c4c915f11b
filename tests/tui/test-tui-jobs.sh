#!/bin/sh
# test-tui-jobs.sh: the console's jobs and host keys against a real daemon
# and a loopback sshd. A target added from the form; r runs "uname -s" on
# it: the unknown host key fails the run and shows as pending on the Host
# keys screen with the sshd's fingerprint; a accepts it (y/n); R reruns
# the job and "Linux" streams into the output pane; the Jobs screen keeps
# live counts; two targets fold into one output block; / finds text in
# the output; the run prompt remembers commands; the target list
# filters; the window resizes; the help lists the new keys; the Targets
# screen shows reachability and the last result, updated live as runs
# end; x rejects a pending key; a daemon
# killed under the console gives a message and q exits cleanly with the
# terminal restored.
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
plan_tests 41

sshd_start s1 127.0.0.1 || skip_all "could not start sshd on 127.0.0.1"
U=$(sshd_user)
FP=$(ssh-keygen -lf "$SSHD_DIR/host_ed25519.pub" | awk '{print $2}')
# the fingerprint as an ERE (base64 has + and /)
FPRE=$(printf '%s' "$FP" | sed 's/[+/.]/\\&/g')
run "$O" daemon status
track_pid "$(cat "$H/opsicled.lock")"
"$O" cred add key1 --ssh-key "$SSHD_BASE/id_ed25519" --user "$U" </dev/null >/dev/null
run "$O" cred list
like "$out" "key1" "a key credential for the sshd"

cat >"$H/tui.sh" <<EOS
#!/bin/sh
echo \$\$ >"$H/tui.pid"
env TERM=screen-256color LANG=C.UTF-8 OPSICLE_HOME="$H" \
    OPSICLE_DAEMON="$OPSICLE_DAEMON" "$O" tui
echo "tui-exit=\$?"
stty -a | tr ' ;' '\n\n' | grep -Ex -- '-?(icanon|echo)' | tr '\n' ' '
echo
exec sleep 600
EOS
chmod +x "$H/tui.sh"
tm new-session -d -s a -n a -x 120 -y 40 "$H/tui.sh"
wait_for_screen "1 Targets +2 Jobs +3 Job +4 Host keys" a
ok $? "the console shows the Jobs, Job and Host keys screens"

# A target from the form.
tm send-keys -t a a
wait_for_screen "Add target" a
tm send-keys -t a w e b 1 Tab 1 2 7 . 0 . 0 . 1 Tab
tm send-keys -t a -l "$SSHD_PORT"
tm send-keys -t a Tab
tm send-keys -t a -l "$U"
tm send-keys -t a Tab k e y 1 Enter
wait_for_screen "target web1 added" a; ok $? "a target added from the form"

# Run on it: the host key is unknown, so the run fails and the key waits.
tm send-keys -t a r
wait_for_screen "run on 1 target:" a; ok $? "r opens the run prompt for the target under the cursor"
tm send-keys -t a -l "uname -s"
tm send-keys -t a Enter
wait_for_screen "job 1 started on 1 target" a; ok $? "the run starts a job"
wait_for_screen "job 1 (failed|done)" a 30 && screen a | grep -Eq "web1 +(error|failed)"
ok $? "the Job screen shows the run failing on the unknown host key"

tm send-keys -t a 4
wait_for_screen "web1 +new +ssh-ed25519 +$FPRE" a
ok $? "the Host keys screen shows the pending key with the sshd's fingerprint"
tm send-keys -t a a
wait_for_screen "Accept ssh-ed25519 key $FPRE for web1\? \(y/n\)" a
ok $? "a asks, repeating the fingerprint"
tm send-keys -t a y
wait_for_screen "host key accepted" a; ok $? "y accepts it"
wait_for_screen "0 pending host keys" a; ok $? "and it is no longer pending"
run "$O" hostkey list web1 --json
like "$out" "\"known\":\\[\\{\"type\":\"ssh-ed25519\",\"fingerprint\":\"$FPRE\"" "the CLI sees the key known"

# Rerun from the Jobs screen: Linux streams into the output pane.
tm send-keys -t a 2
wait_for_screen "^ *1 +failed +0 +0 +0 +1 +1 +uname -s" a
ok $? "the Jobs screen shows job 1 with its counts (queued running ok failed total)"
tm send-keys -t a R
wait_for_screen "job 2 reruns job 1" a; ok $? "R reruns the job"
wait_for_screen "^ Linux" a 30; ok $? "uname -s prints Linux in the output pane"
wait_for_screen "job 2 done: 0 queued, 0 running, 1 ok, 0 failed of 1" a 30
ok $? "the Job screen's counts follow the job to the end"
screen a | grep -Eq "web1 +ok +0 "; ok $? "the run shows state ok and exit code 0"
tm send-keys -t a Escape
wait_for_screen "^ *2 +done +0 +0 +1 +0 +1 +uname -s" a
ok $? "Esc goes back to Jobs, where job 2 has 1 ok"

# A second target (trusted on first use by the CLI), both marked: fold.
"$O" target add web2 --host 127.0.0.1 --port "$SSHD_PORT" --cred key1 \
    --accept-new-hostkey >/dev/null 2>&1
tm send-keys -t a 1 C-r
wait_for_screen "2 of 2 targets" a
tm send-keys -t a g ' ' ' ' r
wait_for_screen "run on 2 targets:" a; ok $? "marked targets: the prompt says 2 targets"
tm send-keys -t a Up
wait_for_screen "run on 2 targets: uname -s" a; ok $? "Up recalls the last command"
tm send-keys -t a Enter
wait_for_screen "Run on 2 targets: uname -s \? \(y/n\)" a
ok $? "a run on two targets asks y/n first (test-tui-run.sh has the rest)"
tm send-keys -t a y
wait_for_screen "job 3 done: .*2 ok, 0 failed of 2" a 30; ok $? "the job runs on both"
tm send-keys -t a f
wait_for_screen "== web\[1-2\] \(2 targets, ok\) ==" a
ok $? "f folds the identical outputs into one block"
tm send-keys -t a f / l i n u x Enter
wait_for_screen '"linux": line 1' a; ok $? "/ finds text in the output"

# Filter, resize, help.
tm send-keys -t a 1 / w e b 2 Enter
wait_for_screen "1 of 2 targets, filter: web2" a; ok $? "the target list filters"
tm send-keys -t a / C-u Enter
tm resize-window -t a -x 80 -y 24
wait_for_line 23 "opsicled .* pid" a
s=$(screen a)
[ "$(printf '%s\n' "$s" | awk 'length > 80' | wc -l)" -eq 0 ]
ok $? "after resizing to 80x24 the frame fits (status on row 23)"
tm resize-window -t a -x 120 -y 40
wait_for_line 39 "opsicled .* pid" a; ok $? "and back to 120x40"
tm send-keys -t a '?'
tm send-keys -t a G
wait_for_screen "fold identical outputs" a || { tm send-keys -t a k; wait_for_screen "fold identical outputs" a; }
ok $? "the help lists the Job screen's keys"
tm send-keys -t a Escape

# Reachability and the last result on the Targets screen, kept live by
# events (no reload): a third target with an unknown key, a failing
# command; then that unknown key rejected on the Host keys screen.
"$O" target add web3 --host 127.0.0.1 --port "$SSHD_PORT" --cred key1 \
    >/dev/null 2>&1
tm send-keys -t a 1 C-r
wait_for_screen "3 of 3 targets" a; ok $? "a reload shows the third target"
wait_for_screen "web1 .* reachable +ok [0-9]+[smhd] ago" a
ok $? "web1 shows reachable and its last result, ok"
"$O" run web3 -- true >/dev/null 2>&1
wait_for_screen "web3 .* unreachable +hostkey-unknown" a
ok $? "a run meeting an unknown key: web3 turns unreachable, hostkey-unknown"
"$O" run web2 -- 'exit 3' >/dev/null 2>&1
wait_for_screen "web2 .* reachable +failed \(exit 3\)" a
ok $? "a failing command: web2 stays reachable, failed (exit 3)"
tm send-keys -t a 4
wait_for_screen "web3 +new +ssh-ed25519 +$FPRE" a
ok $? "web3's key waits on the Host keys screen"
tm send-keys -t a x
wait_for_screen "Reject ssh-ed25519 key $FPRE for web3\? \(y/n\)" a
ok $? "x asks, repeating the fingerprint"
tm send-keys -t a y
wait_for_screen "host key $FPRE of web3 rejected" a; ok $? "y rejects it"
wait_for_screen "0 pending host keys" a; ok $? "and it is no longer pending"
run "$O" hostkey list web3 --json
like "$out" '"status":"none","known":\[\],"pending":\[\]' "the CLI sees no key for web3"
run "$O" audit list --limit 20 --json
like "$out" '"action":"hostkey.reject","object":"web3","result":"ok"' "the reject is audited"

# The daemon killed under the console: a message, not a hang; q exits.
dpid=$(cat "$H/opsicled.lock")
kill -9 "$dpid"
wait_for_screen "Lost the connection to opsicled" a 20; ok $? "a killed daemon shows a message"
tm send-keys -t a q
wait_for_screen "tui-exit=0" a; ok $? "q exits with status 0" || diag "$(tm capture-pane -p -S - -t a | grep -A8 "ERROR\|leak" | head -40)"
wait_for_screen "^icanon echo" a; ok $? "and the terminal is restored"
unlike "$(screen a)" "Targets|opsicled .* pid" "the console's screen is gone"
tap_finish

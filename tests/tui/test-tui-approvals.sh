#!/bin/sh
# test-tui-approvals.sh: the console's Approvals screen, run by a second
# user (a throwaway opscon* user with the approver role, made with
# useradd and removed at the end; the console runs as it with setpriv)
# against a real daemon and a loopback sshd: the number awaiting
# approval in the status line of every screen, the list, a request's
# details with its secret parameter masked, the list updated live when a
# job starts waiting, approve with a reason (the job then runs), reject
# with a required reason (the job never runs), a policy with TOTP (the
# code typed without echo, a wrong one refused beside its field, the
# right one approves), and the requester's own console refused. Needs root (skipped otherwise).
. "${OPS_SRCDIR:-$(dirname "$0")/../..}/tests/lib/tap.sh"
. "${OPS_SRCDIR:-$(dirname "$0")/../..}/tests/lib/common.sh"
. "${OPS_SRCDIR:-$(dirname "$0")/../..}/tests/lib/tmux.sh"
. "${OPS_SRCDIR:-$(dirname "$0")/../..}/tests/lib/sshd.sh"
. "${OPS_SRCDIR:-$(dirname "$0")/../..}/tests/lib/totp.sh"

command -v tmux >/dev/null 2>&1 || skip_all "tmux is not installed"
[ -x "$SSHD" ] || skip_all "OpenSSH server is not installed"
[ "$(id -u)" -eq 0 ] || skip_all "not root: cannot make a second user to approve"
command -v python3 >/dev/null 2>&1 || skip_all "python3 is not installed"
command -v setpriv >/dev/null 2>&1 && command -v useradd >/dev/null 2>&1 ||
    skip_all "setpriv or useradd missing"
O="$OPS_BUILDDIR/tui/opsicle"
OPSICLE_DAEMON="$OPS_BUILDDIR/daemon/opsicled"
export OPSICLE_DAEMON
H=$OPSICLE_HOME
SECRET=tok-$(od -An -N8 -tx1 /dev/urandom | tr -d ' \n')

OU=opscon$$
useradd -M -U -d / -s /bin/sh "$OU" 2>/dev/null ||
    skip_all "useradd $OU failed"
_appr_cleanup() {
	_tm_cleanup
	_n=0
	while [ -n "$(ps -u "$OU" -o pid= 2>/dev/null)" ] && [ $_n -lt 50 ]; do
		sleep 0.1; _n=$((_n + 1))
	done
	userdel "$OU" 2>/dev/null || echo "# could not remove user $OU" >&2
	getent group "$OU" >/dev/null 2>&1 && groupdel "$OU" 2>/dev/null
}
trap _appr_cleanup EXIT
plan_tests 32

# The socket (in $H) is the group's; the user is an approver.
printf 'socket-group = %s\nrole.approver = %s\n' "$OU" "$OU" >"$H/opsicle.conf"
sshd_start s1 127.0.0.1 || skip_all "could not start sshd on 127.0.0.1"
U=$(sshd_user)
"$O" cred add key1 --ssh-key "$SSHD_BASE/id_ed25519" </dev/null >/dev/null 2>&1
track_pid "$(cat "$H/opsicled.lock")"
"$O" target add web1 --host 127.0.0.1 --port "$SSHD_PORT" --user "$U" \
    --cred key1 >/dev/null 2>&1
"$O" hostkey import "$SSHD_BASE/known_hosts" >/dev/null 2>&1
cat >"$H/gated.yaml" <<EOF
name: gated
approval:
  required: 1
  approvers: [$OU]
targets: [web1]
parameters:
  - name: n
    type: int
  - name: tok
    type: secret
steps:
  - name: hello
    command: echo "ran n=\$OPSICLE_PARAM_N"
EOF
run "$O" automation apply "$H/gated.yaml"
is "$rc" 0 "an automation that needs one approval by $OU"
submit() {
	printf '%s\n' "$SECRET" | "$O" automation run gated -p "n=$1" -p tok \
	    --detach >/dev/null 2>&1
}
# the line under the first line matching ERE (on the approver's console)
under() { screen b | grep -A1 -E -- "$1" | sed -n 2p; }
state() { "$O" job list --json | python3 -c "import json,sys
print([j['state'] for j in json.load(sys.stdin) if j['id'] == $1][0])"; }
submit 7
is "$(state 1)" "awaiting-approval" "root's run of it waits for approval"

# the console as the approver
cat >"$H/tui-as.sh" <<EOS
#!/bin/sh
setpriv --reuid=$OU --regid=$OU --clear-groups env TERM=screen-256color \
    LANG=C.UTF-8 HOME=/ OPSICLE_HOME="$H" "$O" --no-start tui
echo "tui-exit=\$?"
exec sleep 600
EOS
chmod 755 "$H/tui-as.sh"
tm new-session -d -s b -n b -x 100 -y 30 "$H/tui-as.sh"
wait_for_screen "8 Approvals +9 Help" b
ok $? "the tab bar has the Approvals screen"
wait_for_screen "unlocked \\| 1 awaiting approval" b
ok $? "the status line counts the job awaiting approval (on the Targets screen)"
tm send-keys -t b 8
wait_for_screen "^ *1 +pending +0/1 +gated version 1 +root\\(0\\)" b
ok $? "8: the job, its state, approvals so far, what would run, who asked"
tm send-keys -t b Enter
wait_for_screen "^ *automation +gated version 1" b
ok $? "Enter: the request's details"
wait_for_screen "^ *param +tok = \\*\\*\\*" b && wait_for_screen "^ *param +n = 7" b
ok $? "its parameters, the secret masked"
wait_for_screen "^ *approvers +$OU" b && wait_for_screen "^ *targets +web1" b
ok $? "who may approve and the targets"
screen b | grep -qF "$SECRET"
is "$?" 1 "the secret is not on the screen"
tm send-keys -t b Escape
wait_for_screen "1 job awaiting approval" b

# live: a second request appears without a key
submit 8
wait_for_screen "^ *2 +pending +0/1 +gated" b
ok $? "a new request appears on its own (approval-state event)"
wait_for_screen "\\| 2 awaiting approval" b
ok $? "and the count follows"

# approve job 1 with a reason
tm send-keys -t b g a
wait_for_screen "Approve job 1 " b
ok $? "a: the approve form"
tm send-keys -t b -l "looks right"
tm send-keys -t b Enter
done1() { [ "$(state 1)" = done ]; }
wait_for 20 done1
ok $? "approved from the console: the job ran"
run "$O" job logs 1
like "$out" "ran n=7" "with the approved parameters"
run "$O" approval show 1 --json
like "$out" "\"actor\":\"$OU\\([0-9]*\\)\".*\"decision\":\"approve\"" \
    "the decision is recorded as the approver's"
like "$out" "\"reason\":\"looks right\"" "with its reason"
like "$out" "\"channel\":\"console\"" "and the channel: console"
wait_for_screen "\\| 1 awaiting approval" b
ok $? "the count drops"

# reject job 2: the reason is required
tm send-keys -t b g x
wait_for_screen "Reject job 2 " b
tm send-keys -t b Enter
wait_for_screen "Reason is required" b
ok $? "x: the reject form wants a reason"
tm send-keys -t b -l "not today"
tm send-keys -t b Enter
wait_for_screen "job 2: rejected" b
ok $? "rejected from the console"
is "$(state 2)" "rejected" "the job is rejected and never ran"
wait_gone "\\| [0-9]+ awaiting approval" b &&
    wait_for_screen "0 jobs awaiting approval" b
ok $? "nothing awaits approval any more"

# a policy with totp: the form asks for the code, typed without echo
as_ou() {
	setpriv --reuid="$OU" --regid="$OU" --clear-groups env HOME=/ \
	    OPSICLE_HOME="$H" "$O" --no-start "$@"
}
uri=$(as_ou totp enroll 2>/dev/null | grep '^otpauth://')
totp_step_fresh
as_ou totp confirm "$(totp_code "$uri" 0)" >/dev/null 2>&1
ok $? "$OU enrols TOTP"
sed -e 's/^name: gated$/name: gated2/' -e 's/^  required: 1$/  required: 1\n  totp: true/' \
    "$H/gated.yaml" >"$H/gated2.yaml"
"$O" automation apply "$H/gated2.yaml" >/dev/null 2>&1
printf '%s\n' "$SECRET" | "$O" automation run gated2 -p n=5 -p tok \
    --detach >/dev/null 2>&1
wait_for_screen "^ *3 +pending +0/1 +gated2 version 1 .* yes" b
ok $? "a job whose approval needs TOTP is listed as such"
tm send-keys -t b g a
wait_for_screen "TOTP code\\*" b
ok $? "its approve form has a TOTP code field"
tm send-keys -t b Tab
tm send-keys -t b -l 000000
tm send-keys -t b Enter
wait_for_screen "not decided: fix the field marked below" b &&
    under "TOTP code\\*" | grep -q "wrong or reused TOTP code"
ok $? "a wrong code: the daemon's refusal beside the code field"
is "$(state 3)" "awaiting-approval" "and the job still waits"
totp_step_fresh
C=$(totp_code "$uri" 1)
tm send-keys -t b -l "$C"
wait_for_screen "TOTP code\\* +\\(typed, hidden\\)" b
ok $? "the code is masked"
screen b | grep -qF "$C"
is "$?" 1 "and not on the screen"
tm send-keys -t b Enter
done3() { [ "$(state 3)" = done ]; }
wait_for 20 done3
ok $? "the right code: approved, the job ran"

# the requester's own console cannot approve
submit 9
tui_start a
wait_for_screen "\\| 1 awaiting approval" a
tm send-keys -t a 8
wait_for_screen "^ *4 +pending" a
tm send-keys -t a a Enter
wait_for_screen "not decided: .*" a
is "$(state 4)" "awaiting-approval" \
    "the requester's approve is refused in the form; the job still waits"
tm send-keys -t b q
wait_for_screen "tui-exit=0" b
ok $? "the approver's console quits cleanly (build-san: no sanitizer report)"
tap_finish

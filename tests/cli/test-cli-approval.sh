#!/bin/sh
# test-cli-approval.sh: four-eyes approval end to end, with a real daemon,
# a real store and a real sshd (LogLevel INFO: each login is counted on
# the sshd side). As root it makes two throwaway users (opsapr<pid>a, an
# approver, and opsapr<pid>b, an admin) and runs the CLI as them with
# setpriv against the same daemon; root (admin, the daemon's own user) is
# the requester. Proved: a job awaiting approval opens no connection;
# the requester can never approve (root, an admin, included); two
# distinct approvers are needed for required: 2 and the same one twice
# counts once; the approvers see the parameters with the secret masked;
# the job runs the version it was asked with although a new version is
# applied while it waits; one rejection ends it (run follows it and
# exits 4); expires: 2s makes it expired and it never runs (job wait
# exits 5), also when the deadline passes while the daemon is down; an
# awaiting job survives a restart and job cancel ends it; only an admin
# overrides, with a reason, audited as an override; with totp: true an
# approval needs the approver's TOTP code (none, or the one used to
# confirm the enrolment, is refused; the next one from stdin approves);
# the ad hoc policy of
# opsicle.conf (approval.adhoc-selector = tag:prod) holds a run on a
# prod target and not one elsewhere; every request, decision and expiry
# is in the audit chain with the channel.
. "${OPS_SRCDIR:-$(dirname "$0")/../..}/tests/lib/tap.sh"
. "${OPS_SRCDIR:-$(dirname "$0")/../..}/tests/lib/common.sh"
. "$OPS_SRCDIR/tests/lib/totp.sh"
. "$OPS_SRCDIR/tests/lib/sshd.sh"
. "$OPS_SRCDIR/tests/lib/become.sh"

O="$OPS_BUILDDIR/tui/opsicle"
OPSICLE_DAEMON="$OPS_BUILDDIR/daemon/opsicled"
SQL=$OPS_BUILDDIR/tests/cli/store-sql
export OPSICLE_DAEMON
[ "$(id -u)" -eq 0 ] || skip_all "not root: two throwaway users are needed"
command -v setpriv >/dev/null 2>&1 || skip_all "setpriv not installed"
command -v useradd >/dev/null 2>&1 || skip_all "useradd not installed"
command -v python3 >/dev/null || skip_all "python3 not installed"
G=daemon
getent group "$G" >/dev/null 2>&1 || skip_all "group $G missing"
sshd_require

UA=opsapr$$a
UB=opsapr$$b
_users=
apr_cleanup() {
	for _p in $_ops_pids; do kill "$_p" 2>/dev/null; done
	for _u in $_users; do
		become_userdel "$_u"
	done
	_ops_cleanup
}
trap apr_cleanup EXIT
for _u in "$UA" "$UB"; do
	useradd -M -d / -s /bin/sh -g "$G" "$_u" 2>/dev/null ||
	    skip_all "useradd $_u failed"
	_users="$_users $_u"
done

SSHD_LOGLEVEL=INFO
sshd_start_each 127.0.0.2
U=$(sshd_user)
B=$SSHD_BASE
H=$OPSICLE_HOME
chmod 711 "$H"
W=$H/work
mkdir -p "$W"
chmod 755 "$W"
cat >"$H/opsicle.conf" <<EOF
socket-group = $G
role.admin = $UB
role.operator = $UA
role.approver = $UA
approval.adhoc-selector = tag:prod
EOF

# as USER CMD...: the CLI as that user (its primary group $G).
as() {
	_who=$1; shift
	out=$(setpriv --reuid="$_who" --regid="$G" --clear-groups \
	    env OPSICLE_HOME="$H" HOME=/ "$O" --no-start "$@" \
	    2>"$H/.as-stderr"); rc=$?
	err=$(cat "$H/.as-stderr")
}
logins() {
	grep -c 'Accepted publickey' "$B"/s1/sshd.log 2>/dev/null
}
# py 'EXPR' JSON: python3 evaluates EXPR with j the parsed JSON.
py() { printf '%s' "$2" | python3 -c "import json,sys; j=json.load(sys.stdin); sys.exit(0 if ($1) else 1)"; }
state_of() {
	"$O" job show "$1" --json 2>/dev/null |
	    sed -n 's/.*"state":"\([a-z-]*\)","kind".*/\1/p'
}
job_state_is() {
	"$O" job show "$1" --json 2>/dev/null | python3 -c "import json,sys; sys.exit(0 if json.load(sys.stdin)['state'] == '$2' else 1)"
}
apply() {
	cat >"$W/$1.yaml"
	chmod 644 "$W/$1.yaml"
	"$O" automation apply "$W/$1.yaml" >/dev/null 2>&1
}
# the job number in "job N awaiting approval" (run's and automation
# run's stderr)
awaiting_id() {
	printf '%s\n' "$1" | sed -n 's/^job \([0-9]*\) awaiting approval by .*/\1/p'
}

# deploy_doc WORD: the deploy automation whose step echoes WORD-$VER
deploy_doc() {
	cat <<EOF
name: deploy
parameters:
  - name: ver
    type: string
  - name: token
    type: secret
targets: [t2]
approval:
  required: 2
  approvers: [$UA, $UB]
  expires: 1h
steps:
  - command: echo "$1-\$OPSICLE_PARAM_VER"
EOF
}


plan_tests 104

run "$O" cred add k --ssh-key "$B/id_ed25519" </dev/null
is "$rc" 0 "cred add"
pid=$(cat "$H/opsicled.lock")
track_pid "$pid"
run "$O" target add t1 --host 127.0.0.2 --port "$P1" --user "$U" --cred k \
    --tag prod
run "$O" target add t2 --host 127.0.0.2 --port "$P1" --user "$U" --cred k \
    --tag dev
run "$O" hostkey import "$B/known_hosts"
is "$rc" 0 "two targets (t1 prod, t2 dev), host keys imported"

SECRET='s3cret-apr-77'
deploy_doc one | apply deploy
ok $? "apply deploy (required: 2 of $UA, $UB)"

# ---- a job awaiting approval opens no connection ---------------------------
before=$(logins)
run sh -c "printf '%s\n' '$SECRET' | '$O' automation run deploy -p ver=1 -p token --detach"
is "$rc" 0 "automation run --detach of an automation that needs approval"
like "$err" "^job [0-9]+ awaiting approval by $UA, $UB \\(2 of 2 needed; expires " \
    "it says: awaiting approval by whom, how many, when it expires"
J1=$(awaiting_id "$err")
like "$out" "job $J1 awaiting approval \\(automation deploy version 1\\)" \
    "and the job's number"
is "$(state_of "$J1")" "awaiting-approval" "the job is stored awaiting-approval"
run "$O" approval list --json
py "[a['job'] for a in j] == [$J1] and j[0]['required'] == 2 and j[0]['approvals'] == 0 and j[0]['state'] == 'pending' and j[0]['automation'] == 'deploy'" "$out"
ok $? "approval list: the job, 0 of 2, pending"
run "$O" job show "$J1"
like "$out" "^approval  pending, 0 of 2 \\(approvers: $UA, $UB\\), expires " \
    "job show says the approval it awaits"
run "$O" job list --state awaiting-approval --json
py "[x['id'] for x in j] == [$J1]" "$out"
ok $? "job list --state awaiting-approval"

# a new version while it waits: the job keeps version 1
deploy_doc two | apply deploy
ok $? "version 2 of deploy applied while job $J1 waits"

# ---- the requester never approves, whatever roles -------------------------
run "$O" approve "$J1"
is "$rc" 1 "root (admin, the requester) may not approve its own job"
like "$err" "requested job $J1 and can never approve it" "saying why"
run "$O" approve "$J1" --override --reason "mine"
is "$rc" 1 "nor override it"

# ---- approvers see the parameters, the secret masked -----------------------
as "$UA" approval show "$J1"
is "$rc" 0 "$UA: approval show"
like "$out" "param     token=\\*\\*\\*" "the secret is shown as ***"
like "$out" "param     ver=1" "a plain value as it is"
like "$out" "automation deploy version 1" "the version it would run"
like "$out" "targets   t2" "and its targets"
as "$UA" approval show "$J1" --json
py "any(p['name'] == 'token' and p['value'] == '***' and p['secret'] for p in j['params'])" "$out"
ok $? "approval show --json: the secret masked"
unlike "$out" "$SECRET" "the secret's value is in no approval output"

# ---- two distinct approvers; the same one twice counts once ---------------
as "$UA" approve "$J1"
is "$rc" 0 "$UA approves"
like "$out" "job $J1 approved \\(1 of 2\\): waiting for more approvers" \
    "1 of 2: it still waits"
as "$UA" approve "$J1"
is "$rc" 1 "$UA again is refused"
like "$err" "already approved job $J1 \\(1 of 2\\): the same approver counts once" \
    "saying the same approver counts once"
run "$O" approval show "$J1" --json
py "j['approvals'] == 1 and j['state'] == 'pending' and len(j['decisions']) == 1 and j['decisions'][0]['channel'] == 'cli'" "$out"
ok $? "still 1 of 2, one decision, through the cli"
sleep 1
is "$(( $(logins) - before ))" 0 "no connection while it waits"
is "$(state_of "$J1")" "awaiting-approval" "still awaiting approval"
as "$UB" approve "$J1" --reason "looks right"
is "$rc" 0 "$UB approves"
like "$out" "job $J1 approved \\(2 of 2\\): released to run" "2 of 2: released"
run "$O" job wait "$J1"
is "$rc" 0 "the job runs and succeeds"
run "$O" job logs "$J1"
like "$out" "^t2: one-1$" "it ran version 1, the version it was approved with"
unlike "$out" "two-" "not the version applied while it waited"
ok "$([ "$(( $(logins) - before ))" -ge 1 ]; echo $?)" \
    "its run opened a connection only now"

# ---- an approver the policy does not name; roles -------------------------
apply only-a <<EOF
name: only-a
targets: [t2]
approval: {approvers: [$UA], reason: required}
steps:
  - command: echo only-a
EOF
ok $? "apply only-a (approvers: $UA, reason required)"
run "$O" automation run only-a --detach
J2=$(awaiting_id "$err")
ok "$([ -n "$J2" ]; echo $?)" "job $J2 awaits approval"
as "$UB" approve "$J2"
is "$rc" 1 "$UB (admin, but not named by the policy) may not approve"
like "$err" "$UB\\([0-9]+\\) is not among the approvers of job $J2 \\($UA\\)" \
    "saying who may"
as "$UA" approve "$J2"
is "$rc" 1 "a reason is required by this policy"
like "$err" "approving job $J2 needs a reason" "saying so"
as "$UA" approve "$J2" --override --reason "hurry"
is "$rc" 1 "an approver (not admin) may not override"
like "$err" "approve --override needs role admin; $UA\\([0-9]+\\) has role operator\\+approver" \
    "saying so (named by role.operator and role.approver: both lanes)"
as "$UA" automation run only-a --dry-run
is "$rc" 0 "as an operator too, it may dry-run an automation"

# ---- override by an admin, audited loudly ----------------------------------
as "$UB" approve "$J2" --override --reason "incident 42"
is "$rc" 0 "$UB (admin) forces job $J2 through with --override --reason"
like "$out" "forced through by override" "saying so"
run "$O" job wait "$J2"
is "$rc" 0 "the overridden job runs"

# ---- one rejection; run follows it and exits 4 ------------------------------
before=$(logins)
"$O" automation run only-a >"$H/follow.out" 2>"$H/follow.err" &
fpid=$!
track_pid "$fpid"
wait_for 10 grep -q "awaiting approval by $UA" "$H/follow.err"
ok $? "automation run (following) says awaiting approval by $UA"
J3=$(awaiting_id "$(cat "$H/follow.err")")
as "$UA" reject "$J3"
is "$rc" 2 "reject without --reason is a usage error"
as "$UA" reject "$J3" --reason "not today"
is "$rc" 0 "$UA rejects job $J3"
wait "$fpid"; frc=$?
is "$frc" 4 "the following automation run exits 4 (rejected)"
like "$(cat "$H/follow.err")" "job $J3 approval rejected \\(0 of 1\\) by $UA\\([0-9]+\\) via cli: not today" \
    "it printed the decision"
like "$(cat "$H/follow.err")" "job $J3 was rejected: it never ran" \
    "and that the job never ran"
is "$(state_of "$J3")" "rejected" "the job is rejected"
run "$O" job wait "$J3"
is "$rc" 4 "job wait on a rejected job exits 4"
as "$UA" approve "$J3" --reason late
is "$rc" 1 "approving it after the rejection is refused"
like "$err" "job $J3 is not awaiting approval: its request was rejected" \
    "saying what became of it"
is "$(( $(logins) - before ))" 0 "the rejected job opened no connection"

# ---- expiry: expires 2s -----------------------------------------------------
apply quick <<EOF
name: quick
targets: [t2]
approval: {approvers: [$UA], expires: 2s}
steps:
  - command: echo quick
EOF
ok $? "apply quick (expires: 2s)"
before=$(logins)
run "$O" automation run quick --detach
J4=$(awaiting_id "$err")
wait_for 10 job_state_is "$J4" expired
ok $? "job $J4 expires after 2 s"
run "$O" job wait "$J4"
is "$rc" 5 "job wait on an expired job exits 5"
like "$err" "job $J4 expired before it was approved: it never ran" "saying so"
as "$UA" approve "$J4"
is "$rc" 1 "approving an expired job is refused"
is "$(( $(logins) - before ))" 0 "the expired job never ran"
run "$O" job show "$J4" --json
py "j['state'] == 'expired' and all(r['state'] == 'cancelled' and 'approval expired' in r.get('error', '') and r.get('exit') is None for r in j['runs'])" "$out"
ok $? "job show: its run ended cancelled (approval expired), with no exit status"

# ---- the console's channel: a socket client saying so -----------------------
run "$O" automation run only-a --detach
J9=$(awaiting_id "$err")
cat >"$W/console.py" <<'EOF'
import os, socket, sys
sys.path.insert(0, os.path.join(os.environ["OPS_SRCDIR"], "tests", "cli"))
from opsproto import V, frame, read_frame
s = socket.socket(socket.AF_UNIX)
s.connect(os.path.join(os.environ["OPSICLE_HOME"], "opsicled.sock"))
s.sendall(frame({"v": V, "id": 1, "type": "hello", "client": "console"}))
read_frame(s)
s.sendall(frame({"v": V, "id": 2, "type": "reject", "job": int(sys.argv[1]),
                 "reason": "seen in the console", "channel": sys.argv[2]}))
r = read_frame(s)
print(r["type"], r.get("result", {}).get("state", r.get("message")))
EOF
chmod 644 "$W/console.py"
out=$(setpriv --reuid="$UA" --regid="$G" --clear-groups env \
    OPSICLE_HOME="$H" OPS_SRCDIR="$OPS_SRCDIR" python3 "$W/console.py" \
    "$J9" telegram 2>&1)
like "$out" "^error channel telegram: a socket client decides through cli or console" \
    "a socket client may not claim a chat channel"
out=$(setpriv --reuid="$UA" --regid="$G" --clear-groups env \
    OPSICLE_HOME="$H" OPS_SRCDIR="$OPS_SRCDIR" python3 "$W/console.py" \
    "$J9" console 2>&1)
is "$out" "ok rejected" "a reject through the console channel"

# ---- restarts: an awaiting job survives; one overdue expires at start ------
run "$O" automation run quick --detach
J5=$(awaiting_id "$err")
run "$O" automation run only-a --detach
J6=$(awaiting_id "$err")
run "$O" daemon stop
wait_for 10 sh -c "! kill -0 $pid"
ok $? "daemon stopped with jobs $J5 (2 s) and $J6 (1 d) awaiting approval"
sleep 3
run "$O" approval list --json
pid=$(cat "$H/opsicled.lock")
track_pid "$pid"
py "[a['job'] for a in j] == [$J6]" "$out"
ok $? "after the restart: job $J6 still awaits approval, job $J5 does not"
is "$(state_of "$J5")" "expired" "job $J5 expired (its deadline passed while the daemon was down)"
run "$O" job cancel "$J6"
is "$rc" 0 "job cancel of an awaiting job"
is "$(state_of "$J6")" "cancelled" "it is cancelled"
run "$O" approval list --state cancelled --json
py "[a['job'] for a in j] == [$J6]" "$out"
ok $? "its request is cancelled too"
is "$(( $(logins) - before ))" 0 "none of them ever connected"

# ---- TOTP step-up: totp: true ----------------------------------------------
apply secure <<EOF
name: secure
targets: [t2]
approval: {approvers: [$UA], totp: true}
steps:
  - command: echo secure-ran
EOF
ok $? "apply secure (totp: true)"
run "$O" automation run secure --detach
J8=$(awaiting_id "$err")
like "$err" "awaiting approval by $UA \\(1 of 1 needed, with a TOTP code;" \
    "the request says a TOTP code is needed"
as "$UA" approve "$J8"
is "$rc" 1 "approving without a code is refused"
like "$err" "a TOTP code is required" "saying a code is required"
LANG=C LC_ALL=C as "$UA" totp enroll
uri=$(printf '%s\n' "$out" | grep '^otpauth://')
totp_step_fresh
as "$UA" totp confirm "$(totp_code "$uri" 0)"
is "$rc" 0 "$UA enrols TOTP and confirms it"
as "$UA" approve "$J8" --code "$(totp_code "$uri" 0)"
is "$rc" 1 "the code just used to confirm is refused (replay)"
like "$err" "wrong or reused TOTP code" "saying so"
is "$(state_of "$J8")" "awaiting-approval" "the job still waits"
totp_code "$uri" 1 >"$H/code"
as "$UA" approve "$J8" --code-stdin <"$H/code"
is "$rc" 0 "the next step's code, from stdin, approves"
run "$O" job wait "$J8"
is "$rc" 0 "and the job runs"

# ---- the ad hoc policy of opsicle.conf --------------------------------------
run "$O" run t2 -- echo dev-ok
is "$rc" 0 "a run on a dev target needs no approval"
like "$out" "^t2: dev-ok$" "and ran at once"
before=$(logins)
run "$O" run t1 --detach -- echo prod-ok
is "$rc" 0 "run --detach on a prod target (tag:prod)"
like "$err" "^job [0-9]+ awaiting approval by role:approver \\(1 of 1 needed" \
    "it awaits one approver with the approver role"
J7=$(awaiting_id "$err")
sleep 1
is "$(( $(logins) - before ))" 0 "the prod run opened no connection while it waits"
as "$UA" approve "$J7"
is "$rc" 0 "$UA approves the prod run"
run "$O" job wait "$J7"
is "$rc" 0 "the prod run runs"
run "$O" job logs "$J7"
like "$out" "^t1: prod-ok$" "with its output"
run "$O" run t1 --stdin -- cat </dev/null
is "$rc" 1 "a prod run holding stdin (kept only in memory) is refused"
like "$err" "this run needs approval, and a job that waits for approval cannot hold input only in memory" \
    "saying why"

# ---- events ------------------------------------------------------------------
run "$O" approve --help
like "$out" "approve JOB \\[--code CODE \\| --code-stdin\\]" "approve --help"

# ---- the audit chain -----------------------------------------------------------
run "$O" audit verify
is "$rc" 0 "the audit chain verifies"
run "$O" daemon stop
wait_for 10 sh -c "! kill -0 $pid"
run "$SQL" "SELECT action || ' ' || object || ' ' || actor || ' ' || detail FROM audit
    WHERE action LIKE 'approval.%' ORDER BY id"
like "$out" "approval.request job $J1 root\\(0\\) required=2 " \
    "the request is audited with the requester"
like "$out" "approval.approve job $J1 $UA\\([0-9]+\\) channel=cli approvals=1/2 state=approved" \
    "the first approval: actor, channel, count"
like "$out" "approval.approve job $J1 $UB\\([0-9]+\\) channel=cli approvals=2/2 state=granted reason=looks right" \
    "the second: granted, with its reason"
like "$out" "approval.override job $J2 $UB\\([0-9]+\\) OVERRIDE by admin: four eyes bypassed; channel=cli .*reason=incident 42" \
    "the override, loudly"
like "$out" "approval.reject job $J3 $UA\\([0-9]+\\) channel=cli .*state=rejected reason=not today" \
    "the rejection"
like "$out" "approval.reject job $J9 $UA\\([0-9]+\\) channel=console .*reason=seen in the console" \
    "the console's reject names its channel"
like "$out" "approval.expire job $J4 opsicled approval expired" "the expiry"
like "$out" "approval.expire job $J5 opsicled approval expired" \
    "the expiry found at start"
run "$SQL" "SELECT result FROM audit WHERE action = 'approval.approve' AND
    object = 'job $J1' AND actor LIKE 'root(%' ORDER BY id"
like "$out" "requested job $J1 and can never approve it" \
    "the requester's refused attempt is audited too"

#!/bin/sh
# test-cli-totp.sh: totp enroll shows the otpauth URI and a QR code (half
# blocks in a UTF-8 locale, "##" otherwise) once; the test computes the
# current code from the URI (RFC 6238 in Python) and confirms; a reused
# code, a code from two steps ago and a wrong code are refused; wrong
# codes are audited and, after 5, refused with "try again in N s" even
# when right; status and --json never carry the secret; approver link
# prints a one-time code; the secret (base32 and raw) is in no file under
# $OPSICLE_HOME and not in the debug log, nor in the daemon's memory once
# the enrol reply is sent (tests/lib/memscan.py).
. "${OPS_SRCDIR:-$(dirname "$0")/../..}/tests/lib/tap.sh"
. "${OPS_SRCDIR:-$(dirname "$0")/../..}/tests/lib/common.sh"
. "$OPS_SRCDIR/tests/lib/totp.sh"

O="$OPS_BUILDDIR/tui/opsicle"
D="$OPS_BUILDDIR/daemon/opsicled"
command -v python3 >/dev/null || skip_all "python3 is not installed"
plan_tests 49

# a second user (nobody, a viewer) where root can make one
G=daemon
as_viewer=0
if [ "$(id -u)" -eq 0 ] && command -v setpriv >/dev/null 2>&1 &&
    id nobody >/dev/null 2>&1 && getent group "$G" >/dev/null 2>&1; then
	printf 'socket-group = %s\nrole.viewer = nobody\n' "$G" >"$OPSICLE_HOME/opsicle.conf"
	as_viewer=1
fi
viewer() {
	setpriv --reuid=nobody --regid="$G" --clear-groups \
	    env OPSICLE_HOME="$OPSICLE_HOME" LC_ALL=C "$O" --no-start "$@"
}

"$D" -d >"$OPSICLE_HOME/daemon.log" 2>&1 &
pid=$!
track_pid $pid
wait_for 20 grep -q 'ready: store' "$OPSICLE_HOME/daemon.log"
ok $? "opsicled -d is ready"


run "$O" --no-start totp status
like "$out" "TOTP none" "totp status before enrolling: none"

LANG=C.UTF-8 LC_ALL=C.UTF-8 run "$O" --no-start totp enroll
is "$rc" 0 "totp enroll"
uri=$(printf '%s\n' "$out" | grep '^otpauth://')
like "$uri" "^otpauth://totp/opsicle:[^?]+%40[^?]+\?secret=[A-Z2-7]{32}&issuer=opsicle&algorithm=SHA1&digits=6&period=30$" \
    "the URI names issuer, user@host (escaped) and a 160-bit secret"
like "$out" "▀|▄|█" "a UTF-8 locale gets a half-block QR code"
unlike "$out" "##" "and no ASCII one"
qrlines=$(printf '%s\n' "$out" | grep -c '█')
ok $([ "$qrlines" -ge 15 ] && echo 0 || echo 1) "the QR code has its rows ($qrlines)"
like "$out" "opsicle totp confirm CODE" "enroll says how to confirm"
SECRET=$(printf '%s\n' "$uri" | sed 's/.*secret=\([A-Z2-7]*\).*/\1/')
RAWHEX=$(python3 -c 'import base64,sys; print(base64.b32decode(sys.argv[1]).hex())' "$SECRET")

run "$O" --no-start totp status
like "$out" "TOTP pending" "a new enrolment is pending"

LANG=C LC_ALL=C run "$O" --no-start totp enroll
is "$rc" 0 "enrolling again replaces a pending enrolment"
like "$out" "^ *(##)+" "the C locale gets an ASCII QR code"
unlike "$out" "█|▀|▄" "without half blocks"
uri2=$(printf '%s\n' "$out" | grep '^otpauth://')
SECRET2=$(printf '%s\n' "$uri2" | sed 's/.*secret=\([A-Z2-7]*\).*/\1/')
ok $([ -n "$SECRET2" ] && [ "$SECRET2" != "$SECRET" ] && echo 0 || echo 1) \
    "with a new secret"
RAWHEX2=$(python3 -c 'import base64,sys; print(base64.b32decode(sys.argv[1]).hex())' "$SECRET2")
# the daemon wiped the URIs it sent, not merely freed them
hits=$(python3 "$OPS_SRCDIR/tests/lib/memscan.py" "$pid" "$SECRET" "$SECRET2" 2>&1)
if [ $? -eq 2 ]; then
	skip 1 "the daemon's memory is not readable here ($hits)"
else
	is "$(echo $hits)" "0 0" "neither secret is left in the daemon's memory once sent"
fi

run "$O" --no-start totp confirm 12345
is "$rc" 1 "five digits are refused"
totp_step_fresh
run "$O" --no-start totp confirm "$(totp_code "$uri" 0)"
is "$rc" 1 "the replaced secret's code is refused"
c=$(totp_code "$uri2" 0)
out=$(printf '%s\n' "$c" | "$O" --no-start totp confirm 2>&1); rc=$?
is "$rc" 0 "totp confirm with the code on stdin"
like "$out" "TOTP is active" "activates the enrolment"
run "$O" --no-start totp confirm "$c"
is "$rc" 1 "confirming an active enrolment is refused"
run "$O" --no-start totp enroll
is "$rc" 1 "enroll is refused while TOTP is active"
like "$err" "disable it first" "and says what to do"

# verify through disable: a reused code, an old one, wrong ones
run "$O" --no-start totp disable "$c"
is "$rc" 1 "a used code is refused (replay)"
like "$err" "wrong or reused TOTP code" "with the contract's message"
run "$O" --no-start totp disable "$(totp_code "$uri2" -2)"
is "$rc" 1 "a code from two steps ago is refused"
run "$O" --no-start totp status --json
like "$out" '"state":"active".*"failures":2' "status --json counts the failures"
unlike "$out" "$SECRET2|secret|otpauth" "status --json has no secret"
for i in 3 4 5; do "$O" --no-start totp disable 000000 >/dev/null 2>&1; done
totp_step_fresh
run "$O" --no-start totp disable "$(totp_code "$uri2" 1)"
is "$rc" 1 "after 5 failures even a right code is refused"
like "$err" "too many failed TOTP codes; try again in [0-9]+ s" "with the time to wait"
run "$O" --no-start totp status
like "$out" "refused +for [0-9]+ s more" "status shows the lockout"
run "$O" --no-start audit list --limit 50 --json
like "$out" '"action":"totp.verify","object":"[^"]*","result":"wrong or reused TOTP code"' \
    "failed codes are audited"
like "$out" '"action":"totp.verify".*"result":"too many failed TOTP codes; try again in' \
    "and so are refusals for the rate limit"
like "$out" '"action":"totp.confirm","object":"[^"]*","result":"ok"' "confirm is audited"
like "$out" '"action":"totp.enroll"' "enroll is audited"

# approver links
run "$O" --no-start approver link telegram
is "$rc" 0 "approver link telegram"
like "$out" "/link [A-Z2-9]{8}" "prints a one-time code to send to the bot"
LCODE=$(printf '%s\n' "$out" | sed -n 's/.*\/link \([A-Z2-9]*\).*/\1/p')
run "$O" --no-start approver link slack
is "$rc" 1 "an unknown service is refused"
run "$O" --no-start approver links --json
is "$out" "[]" "no links yet"
run "$O" --no-start approver unlink telegram 12345
is "$rc" 1 "unlinking an unknown account is refused"

# another user's TOTP: only an admin
if [ "$as_viewer" -eq 1 ]; then
	out=$(viewer totp enroll 2>&1); rc=$?
	is "$rc" 0 "a viewer enrolls for themself"
	VSECRET=$(printf '%s\n' "$out" | sed -n 's/.*secret=\([A-Z2-7]*\).*/\1/p')
	out=$(viewer totp status --user root 2>&1); rc=$?
	like "$rc:$out" "^1:.*permission denied: totp status of another user needs role admin" \
	    "a viewer may not read another user's TOTP status"
	out=$(viewer totp disable --user root 2>&1); rc=$?
	like "$rc:$out" "^1:.*permission denied: totp disable --user needs role admin" \
	    "nor disable another user's TOTP"
	run "$O" --no-start totp status --user nobody
	like "$out" "nobody\(65534\): TOTP pending" "an admin reads a viewer's status"
	run "$O" --no-start totp disable --user nobody
	like "$rc:$out" "^0:TOTP removed for nobody" "and removes it without a code"
	out=$(viewer totp status 2>&1)
	like "$out" "TOTP none" "the viewer has no TOTP now"
else
	skip 6 "not root, or setpriv, nobody or group $G missing"
	VSECRET=$SECRET
fi

"$O" --no-start daemon stop >/dev/null 2>&1
wait_for 20 sh -c "! kill -0 $pid 2>/dev/null"
ok $? "the daemon stopped"
SQL=$OPS_BUILDDIR/tests/cli/store-sql
out=$("$SQL" "SELECT count(*) FROM audit WHERE action = 'totp.verify' AND detail = 'channel cli' AND result = 'wrong or reused TOTP code'" 2>&1)
is "$out" 7 "each wrong code's audit record names the channel (cli)"
out=$("$SQL" "SELECT state, failures, last_step > 0, typeof(secret), length(secret) FROM totp_users" 2>&1)
is "$out" "active|5|1|blob|61" "the store: active, 5 failures, a last step, the secret sealed (20 + 41 bytes)"
# (the store is encrypted; the plaintext must be nowhere)
hits=$(grep -rl -a -i -e "$SECRET" -e "$SECRET2" -e "$RAWHEX" -e "$RAWHEX2" -e "$VSECRET" "$OPSICLE_HOME" 2>/dev/null)
is "$hits" "" "no file under OPSICLE_HOME (log included) has the secret in base32 or hex"
hits=$(python3 - "$OPSICLE_HOME" "$SECRET" "$SECRET2" "$LCODE" <<'PY'
import base64, os, sys
home, secs = sys.argv[1], sys.argv[2:4]
raws = [base64.b32decode(s) for s in secs] + [sys.argv[4].encode()]
for d, _, fs in os.walk(home):
    for f in fs:
        p = os.path.join(d, f)
        try:
            b = open(p, "rb").read()
        except OSError:
            continue
        if any(r in b for r in raws):
            print(p)
PY
)
is "$hits" "" "no file holds the raw secret bytes or the link code"
tap_finish

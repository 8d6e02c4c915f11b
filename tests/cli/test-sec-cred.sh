#!/bin/sh
# test-sec-cred.sh: credentials are bound to their destinations by admins
# only (opsicled(8), "Credentials and roles"). An operator (nobody, through
# socket-group) cannot attach the admin's password credential to a target,
# cannot move a credentialed target (host, port, user) and cannot trust a
# host key for one (accept, accept by fingerprint, import); each refusal
# says "needs role admin", changes nothing and is audited. The operator
# still adds, edits and trusts targets without credentials and runs jobs
# on credentialed ones; the admin does all of it. A hostile server
# (tests/lib/evil-auth.py) never receives the password, a host or port
# change forgets the known keys, a host key scan that ends after its
# target moved or gained a credential stores nothing, and
# keyboard-interactive answers only one hidden password prompt, once, in
# the first four rounds: a "Verification code" prompt, a round of two
# prompts, a second round or a fifth gets no password.
. "${OPS_SRCDIR:-$(dirname "$0")/../..}/tests/lib/tap.sh"
. "${OPS_SRCDIR:-$(dirname "$0")/../..}/tests/lib/common.sh"
. "$OPS_SRCDIR/tests/lib/sshd.sh"

O="$OPS_BUILDDIR/tui/opsicle"
D="$OPS_BUILDDIR/daemon/opsicled"
H="$OPSICLE_HOME"
PY=/usr/bin/python3
G=daemon

if [ "$(id -u)" -ne 0 ]; then
	skip_all "not root: cannot run the CLI as another uid"
elif ! command -v setpriv >/dev/null 2>&1 || ! id nobody >/dev/null 2>&1 ||
    ! getent group "$G" >/dev/null 2>&1; then
	skip_all "setpriv, user nobody or group $G missing"
elif ! "$PY" -c 'import paramiko' 2>/dev/null; then
	skip_all "python3-paramiko not installed"
elif ! command -v ssh-keygen >/dev/null || [ ! -x "$SSHD" ]; then
	skip_all "OpenSSH server or ssh-keygen not installed"
fi
plan_tests 56

# as_op ARGS...: the CLI as nobody, an operator through socket-group.
as_op() {
	setpriv --reuid=nobody --regid="$G" --clear-groups \
	    env OPSICLE_HOME="$H" "$O" --no-start "$@"
}
adm() { "$O" --no-start "$@"; }
alive() { adm daemon status >/dev/null 2>&1; }
# refused_audit ACTION OBJECT: the audit holds nobody's refusal of them
# (OBJECT: a grep -E pattern for the JSON value)
refused_audit() {
	adm audit list --json | grep -Eq "\"actor\":\"nobody\(65534\)\",\"action\":\"$1\",\"object\":$2[^}]*\"result\":\"permission denied: [^\"]*needs role admin"
}

PW=PwMarker-7Hq2Zx9
PERM='needs role admin; nobody\(65534\) has role operator'

# ---- a real sshd, the hostile server, the daemon -----------------------------
sshd_start real 127.0.0.41 || { diag "sshd failed"; exit 1; }
R_PORT=$SSHD_PORT
ssh-keygen -q -t ed25519 -N '' -C evil -f "$H/evil_host"
"$PY" "$OPS_SRCDIR/tests/lib/evil-auth.py" 127.0.0.42 "$H/evil_host" \
    "$H/evil.port" "$H/evil.log" 2>"$H/evil.err" &
track_pid $!
wait_for 30 test -s "$H/evil.port" || { diag "evil-auth.py: $(cat "$H/evil.err")"; exit 1; }
E_PORT=$(cat "$H/evil.port")
: >"$H/evil.log"
# the same server, holding each connection until $H/gate.open exists
"$PY" "$OPS_SRCDIR/tests/lib/evil-auth.py" 127.0.0.43 "$H/evil_host" \
    "$H/gate.port" "$H/gate.log" "$H/gate.open" 2>"$H/gate.err" &
track_pid $!
wait_for 30 test -s "$H/gate.port" || { diag "evil-auth.py: $(cat "$H/gate.err")"; exit 1; }
G_PORT=$(cat "$H/gate.port")

printf 'socket-group = %s\nrole.operator = nobody\n' "$G" >"$H/opsicle.conf"
"$D" -f >"$H/fg.log" 2>&1 &
track_pid $!
wait_for 30 alive; ok $? "opsicled serves root (admin) and nobody (operator)"

printf '%s\n' "$PW" | adm cred add p1 --password --user root >/dev/null 2>&1
adm cred add k1 --ssh-key "$SSHD_BASE/id_ed25519" </dev/null >/dev/null 2>&1
run adm target add web --host 127.0.0.41 --port "$R_PORT" --cred p1
is "$rc" 0 "the admin attaches the password credential to a target"
adm target add real --host 127.0.0.41 --port "$R_PORT" --cred k1 >/dev/null 2>&1
cp "$SSHD_BASE/known_hosts" "$H/kh"
chmod 644 "$H/kh"
run adm hostkey import "$H/kh"
is "$rc" 0 "the admin imports host keys for credentialed targets"
run as_op cred list
like "$out" "^p1 +password +root" "the operator sees the admin's credential by name"

# ---- F1: attach the credential to the operator's own server ---------------
run as_op target add grab --host 127.0.0.42 --port "$E_PORT" --user root \
    --cred p1 --accept-new-hostkey
is "$rc" 1 "operator: target add --cred is refused"
like "$err" "permission denied: attaching credential p1 to target grab $PERM" \
    "with a permission error naming the credential and the role needed"
run adm target show grab
ok $((rc == 0)) "and no target grab was added"
refused_audit target.add '"grab"'; ok $? "the refusal is audited"

run as_op target add free --host 127.0.0.42 --port "$E_PORT" --accept-new-hostkey
is "$rc" 0 "operator: a target without a credential, trusted on first use"
like "$out" "^free: accepted host key ssh-ed25519 " "its key is accepted"
run as_op target edit free --cred p1
is "$rc" 1 "operator: target edit --cred is refused"
like "$err" "permission denied: attaching credential p1 to target free $PERM" \
    "naming the credential"
run adm target show free --json
like "$out" '"cred":null' "free still has no credential"

# ---- moving a credentialed target -----------------------------------------
run as_op target edit web --host 127.0.0.42 --port "$E_PORT"
is "$rc" 1 "operator: moving a credentialed target is refused"
like "$err" "permission denied: changing the host of target web, which uses credential p1, $PERM" \
    "the refusal names the field and the credential"
run as_op target edit web --port "$E_PORT"
like "$err" "changing the port of target web, which uses credential p1, $PERM" \
    "a port change alone is refused"
run as_op target edit web --user evil
like "$err" "changing the user of target web, which uses credential p1, $PERM" \
    "a user change alone is refused"
run adm target show web --json
like "$out" "\"host\":\"127.0.0.41\",\"port\":$R_PORT,\"user\":null,\"cred\":\"p1\"" \
    "web is where the admin put it"
refused_audit target.edit '"web"'; ok $? "the refusal is audited"
run as_op target edit web --note "mine" --tag app --host 127.0.0.41 --port "$R_PORT"
is "$rc" 0 "operator: notes, tags and unchanged host and port of a credentialed target"
run as_op target edit real --rename real2
is "$rc" 0 "operator: renaming a credentialed target"
as_op target edit real2 --rename real >/dev/null 2>&1

# ---- host keys of a credentialed target -----------------------------------
run as_op hostkey accept web
is "$rc" 1 "operator: hostkey accept for a credentialed target is refused"
like "$err" "permission denied: trusting a host key for target web, which uses credential p1, $PERM" \
    "naming the target and the credential"
EFP=$(ssh-keygen -lf "$H/evil_host.pub" | awk '{print $2}')
run as_op hostkey accept web --fingerprint "$EFP"
is "$rc" 1 "operator: hostkey accept --fingerprint too"
refused_audit hostkey.accept '"web"'; ok $? "the refusal is audited"
adm target add cw --host 127.0.0.42 --port "$E_PORT" --cred p1 >/dev/null 2>&1
printf '[127.0.0.42]:%s %s\n' "$E_PORT" "$(cut -d' ' -f1,2 "$H/evil_host.pub")" >"$H/kh-evil"
chmod 644 "$H/kh-evil"
run as_op hostkey import "$H/kh-evil"
is "$rc" 1 "operator: hostkey import of a key for a credentialed target is refused"
like "$err" "trusting a host key for target cw, which uses credential p1, $PERM" \
    "naming the target"
run adm hostkey list --json
like "$out" '"target":"cw","host":"127.0.0.42","port":[0-9]+,"status":"none"' \
    "nothing was imported for cw"
like "$out" '"target":"free",[^]]*"status":"ok"' \
    "nor undone for free (its key was already known)"
refused_audit hostkey.import '(null|"[^"]*")'; ok $? "the refusal is audited"
run as_op hostkey import "$H/kh"
is "$rc" 0 "operator: importing keys that are already known changes nothing and passes"

# ---- the operator still runs jobs on credentialed targets -----------------
run as_op run real -- echo from-real
is "$rc" 0 "operator: run on a target with the admin's key credential"
like "$out" "^real: from-real$" "its output"
as_op run grab -- id >/dev/null 2>&1
as_op run web free -- id >/dev/null 2>&1
run cat "$H/evil.log"
unlike "$out" "$PW" "the hostile server never saw the password"

# ---- the admin binds and moves ----------------------------------------------
run adm target edit free --cred p1
is "$rc" 0 "the admin attaches the credential"
run adm hostkey list free --json
like "$out" '"status":"ok"' "free's key stays known (no move)"
run adm target edit free --host 127.0.0.41 --port "$R_PORT"
is "$rc" 0 "the admin moves a credentialed target"
run adm hostkey list free --json
like "$out" '"status":"none","known":\[\],"pending":\[\]' \
    "the move forgot the known keys of the old host:port"
run adm hostkey accept free
is "$rc" 0 "the admin trusts the new host key of a credentialed target"
run adm target edit free --cred k1 --host 127.0.0.41
run adm hostkey list free --json
like "$out" '"status":"ok"' "an edit that keeps host and port keeps the keys"

# ---- a scan that ends after its target changed -------------------------------
# accept_held TARGET: the operator's hostkey accept of TARGET, held by the
# gated server until the caller opens the gate; wait_held collects it.
accept_held() {
	rm -f "$H/gate.open"
	: >"$H/gate.log"
	as_op hostkey accept "$1" >"$H/held.out" 2>&1 &
	held=$!
	track_pid $held
	wait_for 30 grep -q HELD "$H/gate.log" || diag "the scan never arrived"
}
wait_held() { touch "$H/gate.open"; wait $held; rc=$?; out=$(cat "$H/held.out"); }
adm target add slow --host 127.0.0.43 --port "$G_PORT" >/dev/null 2>&1
accept_held slow
adm target edit slow --cred p1 >/dev/null 2>&1
wait_held
is "$rc" 1 "a scan that ends after its target got a credential is refused"
like "$out" "trusting a host key for target slow, which uses credential p1, $PERM" \
    "as the operator may not trust keys for it"
run adm hostkey list slow --json
like "$out" '"status":"none","known":\[\]' "nothing was stored for slow"
adm target add slow2 --host 127.0.0.43 --port "$G_PORT" >/dev/null 2>&1
accept_held slow2
as_op target edit slow2 --host 127.0.0.42 --port "$E_PORT" >/dev/null 2>&1
wait_held
is "$rc" 1 "a scan that ends after its target moved is refused"
like "$out" "target slow2 moved during the host key scan; nothing stored" "saying so"
run adm hostkey list slow2 --json
like "$out" '"status":"none","known":\[\]' "nothing was stored for slow2"

# ---- keyboard-interactive asks something else --------------------------------
: >"$H/evil.log"
for u in otp two pw again late; do
	adm target add "kbd-$u" --host 127.0.0.42 --port "$E_PORT" --user "$u" \
	    --cred p1 >/dev/null 2>&1
done
adm hostkey import "$H/kh-evil" >/dev/null 2>&1
run adm run kbd-otp -- id
ok $((rc == 0)) "keyboard-interactive with a \"Verification code\" prompt fails"
like "$out$err" 'keyboard-interactive asked "Verification code: ", not for a password: not answered' \
    "with a message naming the prompt left unanswered"
run adm run kbd-two -- id
like "$out$err" 'keyboard-interactive asked 2 questions at once: not answered' \
    "a round of two hidden prompts gets no password either"
run cat "$H/evil.log"
like "$out" "CAPTURED keyboard-interactive: user='otp' round=1 answers=\[''\]" \
    "the server got an empty answer to the code prompt"
unlike "$out" "$PW" "and never the password"
run adm run kbd-pw -- id
run cat "$H/evil.log"
like "$out" "CAPTURED keyboard-interactive: user='pw' round=1 answers=\['$PW'\]" \
    "one hidden \"Password:\" prompt is still answered with the password"
adm run kbd-again kbd-late -- id >/dev/null 2>&1
run cat "$H/evil.log"
like "$out" "user='again' round=1 answers=\['$PW'\]" "a password prompt in the first round is answered"
like "$out" "user='again' round=2 answers=\[''\]" "but the password is sent only once"
like "$out" "user='late' round=5 answers=\[''\]" "a password prompt after four rounds gets no answer"
unlike "$(grep "user='late'" "$H/evil.log")" "$PW" "and never the password"

tap_finish

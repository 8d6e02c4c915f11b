#!/bin/sh
# test-cli-hostkeys.sh: host keys end to end against real sshds: import
# from known_hosts (plain, hashed, stdin), list, accept by fingerprint
# (right and wrong), accept without one (trust on first use), target add
# and target import --accept-new-hostkey (and a failed scan), a host key
# that changed refused loudly and then accepted by fingerprint, a pending
# key rejected (and a known or unknown one refused), the daemon
# answering while a scan waits on a silent server, bad input, the audit.
. "${OPS_SRCDIR:-$(dirname "$0")/../..}/tests/lib/tap.sh"
. "${OPS_SRCDIR:-$(dirname "$0")/../..}/tests/lib/common.sh"
. "$OPS_SRCDIR/tests/lib/sshd.sh"

O="$OPS_BUILDDIR/tui/opsicle"
OPSICLE_DAEMON="$OPS_BUILDDIR/daemon/opsicled"
export OPSICLE_DAEMON

command -v ssh-keygen >/dev/null && [ -x "$SSHD" ] ||
	skip_all "OpenSSH server or ssh-keygen not installed"
plan_tests 80

# fp DIR: the SHA256 fingerprint of the sshd's host key in DIR
fp() { ssh-keygen -lf "$1/host_ed25519.pub" | awk '{print $2}'; }

sshd_start a 127.0.0.21 || { diag "sshd a failed"; exit 1; }
A_DIR=$SSHD_DIR; A_PORT=$SSHD_PORT; A_LINE="[127.0.0.21]:$A_PORT $SSHD_HOSTPUB"
sshd_start b 127.0.0.22 || exit 1
B_DIR=$SSHD_DIR; B_PORT=$SSHD_PORT; B_LINE="[127.0.0.22]:$B_PORT $SSHD_HOSTPUB"
sshd_start c 127.0.0.23 || exit 1
C_DIR=$SSHD_DIR; C_PORT=$SSHD_PORT
sshd_start d 127.0.0.24 || exit 1
D_DIR=$SSHD_DIR; D_PORT=$SSHD_PORT
sshd_start e 127.0.0.25 || exit 1
E_DIR=$SSHD_DIR; E_PORT=$SSHD_PORT
sshd_start g 127.0.0.27 || exit 1
G_DIR=$SSHD_DIR; G_PORT=$SSHD_PORT
A_FP=$(fp "$A_DIR"); B_FP=$(fp "$B_DIR"); C_FP=$(fp "$C_DIR")
D_FP=$(fp "$D_DIR"); E_FP=$(fp "$E_DIR"); G_FP=$(fp "$G_DIR")
# re STR: STR as a grep -E pattern (fingerprints hold + and /)
re() { printf '%s' "$1" | sed 's/[][\\.*^$+?(){}|]/\\&/g'; }
A_RE=$(re "$A_FP"); B_RE=$(re "$B_FP"); C_RE=$(re "$C_FP")
D_RE=$(re "$D_FP"); E_RE=$(re "$E_FP"); G_RE=$(re "$G_FP")

run "$O" daemon status --json
is "$rc" 0 "the first command starts the daemon"
pid=$(printf '%s' "$out" | sed -n 's/.*"pid":\([0-9]*\).*/\1/p')
[ -n "$pid" ] && track_pid "$pid"

for t in a:21:$A_PORT b:22:$B_PORT c:23:$C_PORT d:24:$D_PORT; do
	"$O" target add "${t%%:*}" --host "127.0.0.$(echo "$t" | cut -d: -f2)" \
	    --port "${t##*:}" >/dev/null 2>&1 || diag "target add $t failed"
done
run "$O" hostkey list --json
is "$rc" 0 "hostkey list --json"
is "$(printf '%s' "$out" | grep -o '"status":"none"' | wc -l)" 4 \
    "four targets, no keys yet"

# ---- import --------------------------------------------------------------
KH=$OPSICLE_HOME/kh
mkdir -p "$KH"
printf '# a comment\n%s\n' "$A_LINE" >"$KH/plain"
printf '%s\n' "$B_LINE" >"$KH/hashed"
ssh-keygen -q -H -f "$KH/hashed" >/dev/null 2>&1
like "$(cat "$KH/hashed")" '^\|1\|' "ssh-keygen -H hashed the copy"
unlike "$(cat "$KH/hashed")" "127.0.0.22" "no plain host name left in it"

run "$O" hostkey import "$KH/plain"
is "$rc" 0 "hostkey import of a plain known_hosts"
like "$out" "^a: added host key ssh-ed25519 $A_RE" "names the target and key"
like "$out" "1 host keys added, 0 already known, 1 targets matched" "counts"
run "$O" hostkey import "$KH/hashed" --json
is "$rc" 0 "hostkey import of a hashed known_hosts"
like "$out" '"added":1,"already_known":0,"targets_matched":1' "json counts"
like "$out" "\"target\":\"b\".*\"fingerprint\":\"$B_RE\"" "hashed entry matched b"
run "$O" hostkey import - <"$KH/plain"
is "$rc" 0 "hostkey import from stdin"
like "$out" "0 host keys added, 1 already known, 1 targets matched in stdin" \
    "a second import adds nothing"
run "$O" hostkey list
is "$rc" 0 "hostkey list"
like "$out" "^a +ok +known +ssh-ed25519 +$A_RE " "a's key shows as known"
like "$out" "^b +ok +known +ssh-ed25519 +$B_RE " "b's key shows as known"
like "$out" "^c +none +- " "c has none"
run "$O" hostkey list a --json
like "$out" "^\[\{\"target\":\"a\",\"host\":\"127.0.0.21\",\"port\":$A_PORT,\"status\":\"ok\",\"known\":\[\{\"type\":\"ssh-ed25519\",\"fingerprint\":\"$A_RE\",\"added\":[0-9]+\}\],\"pending\":\[\]\}\]$" \
    "list --json for one target has the documented fields"

# ---- accept by fingerprint -----------------------------------------------
run "$O" hostkey accept c --fingerprint "$A_FP"
is "$rc" 1 "accept with the wrong fingerprint is refused"
like "$err" "does not match.*$C_RE.*not $A_RE.*nothing stored" \
    "the message shows what was presented and what was asked"
run "$O" hostkey list c --json
like "$out" '"status":"none","known":\[\],"pending":\[\]' "nothing was stored"
run "$O" hostkey accept c --fingerprint "$C_FP"
is "$rc" 0 "accept with the right fingerprint"
like "$out" "^c: accepted host key ssh-ed25519 $C_RE$" "prints what it accepted"
run "$O" hostkey list c --json
like "$out" "\"status\":\"ok\",\"known\":\[\{\"type\":\"ssh-ed25519\",\"fingerprint\":\"$C_RE\"" \
    "c's key is known"
run "$O" hostkey accept c --fingerprint "$C_FP" --json
like "$out" '"status":"already-known"' "accepting it again changes nothing"

# ---- trust on first use ---------------------------------------------------
run "$O" hostkey accept d
is "$rc" 0 "accept without a fingerprint (TOFU on request)"
like "$out" "^d: accepted host key ssh-ed25519 $D_RE$" "prints the presented key"
run "$O" target add e --host 127.0.0.25 --port "$E_PORT" --accept-new-hostkey
is "$rc" 0 "target add --accept-new-hostkey"
like "$out" "^e: accepted host key ssh-ed25519 $E_RE$" "and prints the key stored"
run "$O" hostkey list e --json
like "$out" "\"known\":\[\{\"type\":\"ssh-ed25519\",\"fingerprint\":\"$E_RE\"" \
    "e's key is known"
dead=$((A_PORT == 65000 ? 65001 : 65000))
while ! sshd_port_free 127.0.0.26 "$dead"; do dead=$((dead - 1)); done
run "$O" target add f --host 127.0.0.26 --port "$dead" --accept-new-hostkey
is "$rc" 1 "a failed scan exits 1"
like "$err" "f: no host key stored \(target added\): connect to f \(127.0.0.26:$dead\): Connection refused" \
    "and says why"
run "$O" target show f
is "$rc" 0 "the target stays added"
printf 'Host g\n    HostName 127.0.0.27\n    Port %s\n' "$G_PORT" >"$KH/ssh_config"
run "$O" target import --ssh-config "$KH/ssh_config" --accept-new-hostkey --json
is "$rc" 0 "target import --accept-new-hostkey --json"
like "$out" "\"added\":\[\"g\"\].*\"hostkeys\":\[\{\"target\":\"g\",\"type\":\"ssh-ed25519\",\"fingerprint\":\"$G_RE\"\}\],\"hostkey_errors\":\[\]" \
    "the json reply has the stored key"
"$O" target rm g >/dev/null 2>&1
run "$O" target import --ssh-config "$KH/ssh_config" --accept-new-hostkey
is "$rc" 0 "target import --accept-new-hostkey"
like "$out" "^added g" "imports the target"
like "$out" "^g: accepted host key ssh-ed25519 $G_RE$" "and stores its key"

# ---- a host key that changed ---------------------------------------------
# rekey_d: restart d's sshd with a new host key on the same port (a
# target whose host or port changes forgets its keys)
rekey_d() {
	sshd_stop "$D_DIR"
	rm -f "$D_DIR/host_ed25519" "$D_DIR/host_ed25519.pub"
	ssh-keygen -q -t ed25519 -N '' -C ops-test-d -f "$D_DIR/host_ed25519"
	"$SSHD" -D -E "$D_DIR/sshd.log" -f "$D_DIR/sshd_config" &
	track_pid $!
	echo $! >"$D_DIR/pid"
	wait_for 30 sshd_listening 127.0.0.24 "$D_PORT" || exit 1
}
rekey_d
D2_FP=$(fp "$D_DIR"); D2_RE=$(re "$D2_FP")
ok $([ "$D2_FP" != "$D_FP" ]; echo $?) "d's sshd restarted with a new host key"
run "$O" hostkey accept d
is "$rc" 1 "accept without a fingerprint refuses a changed key"
like "$err" "HOST KEY CHANGED for d: it presents ssh-ed25519 $D2_RE but is known by $D_RE" \
    "loudly, with both fingerprints"
like "$err" "opsicle hostkey accept d --fingerprint $D2_RE$" "and says how to accept it"
run "$O" hostkey list d --json
like "$out" "\"status\":\"changed\",\"known\":\[\{\"type\":\"ssh-ed25519\",\"fingerprint\":\"$D_RE\"[^]]*\],\"pending\":\[\{\"type\":\"ssh-ed25519\",\"fingerprint\":\"$D2_RE\"" \
    "list shows the old key known and the new one pending"
run "$O" hostkey list d
like "$err" "WARNING: d presented a host key that differs" "human list warns"
run "$O" hostkey accept d --fingerprint "$D2_FP" --json
is "$rc" 0 "the changed key accepted by its fingerprint"
like "$out" "\"fingerprint\":\"$D2_RE\",\"status\":\"accepted-pending\"" \
    "taken from the pending keys"
run "$O" hostkey list d --json
like "$out" "\"status\":\"ok\",\"known\":\[\{\"type\":\"ssh-ed25519\",\"fingerprint\":\"$D2_RE\",\"added\":[0-9]+\}\],\"pending\":\[\]" \
    "it replaced the old key of that type"

# ---- reject a pending key --------------------------------------------------
rekey_d
D3_FP=$(fp "$D_DIR"); D3_RE=$(re "$D3_FP")
"$O" hostkey accept d >/dev/null 2>&1
run "$O" hostkey list d --json
like "$out" "\"known\":\[\{\"type\":\"ssh-ed25519\",\"fingerprint\":\"$D2_RE\"[^]]*\],\"pending\":\[\{\"type\":\"ssh-ed25519\",\"fingerprint\":\"$D3_RE\"" \
    "a third key of d is refused and kept pending"
run "$O" hostkey reject d "$D3_FP"
is "$rc" 0 "hostkey reject of the pending key"
like "$out" "^d: rejected pending host key ssh-ed25519 $D3_RE$" "prints the key rejected"
run "$O" hostkey list d --json
like "$out" "\"status\":\"ok\",\"known\":\[\{\"type\":\"ssh-ed25519\",\"fingerprint\":\"$D2_RE\",\"added\":[0-9]+\}\],\"pending\":\[\]" \
    "the pending key is gone and the known key stays"
run "$O" hostkey reject d "$D3_FP"
is "$rc" 1 "rejecting it again is refused"
like "$err" "reject host key of d: $D3_RE is not pending" "says it is not pending"
run "$O" hostkey reject d "$D2_FP"
is "$rc" 1 "a known key's fingerprint is refused (only pending keys)"
run "$O" hostkey list d --json
like "$out" "\"known\":\[\{\"type\":\"ssh-ed25519\",\"fingerprint\":\"$D2_RE\"" \
    "and that key stays known"
"$O" hostkey accept d >/dev/null 2>&1
run "$O" hostkey reject d "$D3_FP" --json
is "$rc" 0 "the key met again is pending again and rejected with --json"
like "$out" "^\{\"target\":\"d\",\"type\":\"ssh-ed25519\",\"fingerprint\":\"$D3_RE\",\"status\":\"rejected\"\}$" \
    "the json reply has the documented fields"

# ---- the daemon keeps serving while a scan waits ----------------------------
if command -v python3 >/dev/null; then
	python3 - "$KH/silent" <<'EOF' &
import socket, sys, time
s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(("127.0.0.28", 0)); s.listen(4)
open(sys.argv[1] + ".port", "w").write(str(s.getsockname()[1]))
c, _ = s.accept()
open(sys.argv[1] + ".accepted", "w").write("1")
time.sleep(3600)
EOF
	spid=$!
	track_pid "$spid"
	wait_for 30 test -s "$KH/silent.port"
	"$O" target add slow --host 127.0.0.28 --port "$(cat "$KH/silent.port")" >/dev/null 2>&1
	"$O" hostkey accept slow >"$KH/slow.out" 2>"$KH/slow.err" &
	apid=$!
	track_pid "$apid"
	wait_for 30 test -s "$KH/silent.accepted"
	run "$O" hostkey list a --json
	is "$rc" 0 "another request is answered while a scan waits on a silent server"
	kill "$spid"
	wait "$apid"; arc=$?
	is "$arc" 1 "the scan fails when that server goes away"
	like "$(cat "$KH/slow.err")" "(handshake|connect).* slow " "naming the target"
else
	skip 3 "python3 not installed (needed for a silent TCP server)"
fi

# ---- bad input -----------------------------------------------------------
run "$O" hostkey accept nosuch
is "$rc" 1 "accept on an unknown target"
like "$err" "target nosuch not found" "says so"
run "$O" hostkey accept a --fingerprint SHA256:tooshort
is "$rc" 1 "a malformed fingerprint is refused"
like "$err" "malformed fingerprint" "says so"
run "$O" hostkey import "$KH/does-not-exist"
is "$rc" 1 "an unreadable file"
like "$err" "open $KH/does-not-exist: No such file" "names the file and the reason"
run "$O" hostkey list nosuch
is "$rc" 1 "list of an unknown target"
run "$O" hostkey accept
is "$rc" 2 "accept without a target is a usage error"
run "$O" hostkey reject d SHA256:tooshort
is "$rc" 1 "reject: a malformed fingerprint is refused"
like "$err" "malformed fingerprint" "says so"
run "$O" hostkey reject nosuch "$D3_FP"
is "$rc" 1 "reject on an unknown target"
like "$err" "target nosuch not found" "says so"
run "$O" hostkey reject d
is "$rc" 2 "reject without a fingerprint is a usage error"

# ---- audit ---------------------------------------------------------------
run "$O" audit list --limit 200 --json
like "$out" '"action":"hostkey.import"' "imports are audited"
like "$out" '"action":"hostkey.accept","object":"c","result":"fingerprint mismatch"' \
    "a refused accept is audited"
like "$out" '"action":"hostkey.accept","object":"d","result":"host key changed"' \
    "a changed key is audited"
like "$out" '"action":"hostkey.accept","object":"e","result":"ok"' \
    "keys stored by target add are audited"
like "$out" '"action":"hostkey.reject","object":"d","result":"ok"' \
    "a reject is audited"
like "$out" '"action":"hostkey.reject","object":"d","result":"not pending"' \
    "a refused reject is audited"
run "$O" audit verify
is "$rc" 0 "the audit chain verifies"

"$O" daemon stop >/dev/null 2>&1
tap_finish

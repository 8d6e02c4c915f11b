#!/bin/sh
# test-sec-misc.sh: smaller security rules, end to end. Target names "."
# and ".." are refused; opsicled closes the descriptors it inherits;
# "hostkey import" follows OpenSSH's negation and @revoked rules and says
# what it skipped; "daemon stop" stops and exits 0 when its audit record
# cannot be written (a damaged audit page), with a warning.
. "${OPS_SRCDIR:-$(dirname "$0")/../..}/tests/lib/tap.sh"
. "${OPS_SRCDIR:-$(dirname "$0")/../..}/tests/lib/common.sh"

O="$OPS_BUILDDIR/tui/opsicle"
OPSICLE_DAEMON="$OPS_BUILDDIR/daemon/opsicled"
export OPSICLE_DAEMON
H=$OPSICLE_HOME
PY=/usr/bin/python3
command -v ssh-keygen >/dev/null || skip_all "ssh-keygen not installed"
[ -x "$PY" ] || skip_all "$PY not installed"

plan_tests 24

# ---- inherited descriptors -----------------------------------------------
# The daemon is started with an extra open descriptor, as a careless
# parent (or a shell's "exec 7<file") would leave it.
: >"$H/inherited-fd-marker"
"$OPSICLE_DAEMON" 7<"$H/inherited-fd-marker" 9>"$H/inherited-fd-marker"
is "$?" 0 "opsicled starts with descriptors 7 and 9 open"
pid=$(cat "$H/opsicled.lock" 2>/dev/null)
track_pid "$pid"
ok "$(kill -0 "$pid" 2>/dev/null; echo $?)" "its pid is in the lock file"
held=$(for f in /proc/"$pid"/fd/*; do readlink "$f"; done 2>/dev/null |
    grep -c inherited-fd-marker)
is "$held" 0 "the daemon holds neither inherited descriptor"
n=$(ls /proc/"$pid"/fd 2>/dev/null | wc -l)
ok "$([ "$n" -gt 3 ]; echo $?)" "it still has its own ($n open)"

# ---- names "." and ".." --------------------------------------------------
run "$O" target add . --host 127.0.0.9
ok "$([ "$rc" -ne 0 ]; echo $?)" "target add . is refused"
like "$err" 'target name "\." is not allowed' "and says why"
run "$O" target add .. --host 127.0.0.9
ok "$([ "$rc" -ne 0 ]; echo $?)" "target add .. is refused"
run "$O" target add n1 --host 127.0.0.9
run "$O" target edit n1 --rename ..
ok "$([ "$rc" -ne 0 ]; echo $?)" "target edit --rename .. is refused"
run "$O" target list --json
like "$out" '"name":"n1"' "the target keeps its name"
unlike "$out" '"name":"\.\.?"' "no target is named . or .."
printf 'Host .\n  HostName 127.0.0.9\nHost ok2\n  HostName 127.0.0.9\n' \
    >"$H/ssh_config"
run "$O" target import --ssh-config "$H/ssh_config"
like "$err" 'ssh_config:1: target name "\." is not allowed.*nothing imported' \
    "an ssh_config Host . is refused, naming its line"
run "$O" target show ok2
ok "$([ "$rc" -ne 0 ]; echo $?)" "and nothing of the file is half imported"

# ---- known_hosts: negation, @revoked, @cert-authority -----------------------
ssh-keygen -q -t ed25519 -N '' -C k1 -f "$H/k1"
ssh-keygen -q -t ed25519 -N '' -C k2 -f "$H/k2"
K1=$(cut -d' ' -f1,2 "$H/k1.pub")
K2=$(cut -d' ' -f1,2 "$H/k2.pub")
# Fingerprints as grep -E patterns (they hold "+" and "/").
re() { printf '%s' "$1" | sed 's/[][\\.*^$+?(){}|/]/\\&/g'; }
FP1=$(re "$(ssh-keygen -lf "$H/k1.pub" | awk '{print $2}')")
FP2=$(re "$(ssh-keygen -lf "$H/k2.pub" | awk '{print $2}')")
"$O" target add kh1 --host 127.0.0.3 --port 2601 >/dev/null
"$O" target add kh2 --host 127.0.0.3 --port 2602 >/dev/null
printf '[127.0.0.3]:2602 %s\n' "$K2" >"$H/kh-plain"
run "$O" hostkey import "$H/kh-plain"
like "$out" "^1 host keys added" "kh2's key imported from a plain line"
{
	printf '[127.0.0.3]:2601,![127.0.0.3]:2601 %s\n' "$K1"
	printf '@revoked [127.0.0.3]:2602 %s\n' "$K2"
	printf '[127.0.0.3]:2602,kh2.example %s\n' "$K2"
	printf '@cert-authority [127.0.0.3]:* %s\n' "$K1"
} >"$H/kh-rules"
run "$O" hostkey import "$H/kh-rules"
is "$rc" 0 "hostkey import of the file with the rules exits 0"
like "$out" "^0 host keys added, 0 already known" \
    "the vetoed line and the revoked key bring nothing"
like "$out" "kh2: host key ssh-ed25519 $FP2 is @revoked: not imported; removed from its known keys" \
    "the revoked key is named, and dropped from kh2's known keys"
like "$out" "note: 2 @cert-authority lines skipped" \
    "@cert-authority lines are skipped with a note"
run "$O" hostkey list --json
unlike "$out" "$FP2" "kh2 no longer trusts the revoked key"
unlike "$out" "$FP1" \
    "kh1 got no key from the vetoed line"

# ---- daemon stop with a damaged audit page ---------------------------------
"$O" daemon stop >/dev/null 2>&1
set -- $("$OPS_BUILDDIR/tests/cli/store-page" audit)
root=${1:-0}
psize=${2:-0}
ok "$([ "$root" -gt 1 ] && [ "$psize" -gt 0 ]; echo $?)" \
    "the audit table's page found ($root of $psize bytes)"
"$PY" - "$H/store.db" $(((root - 1) * psize + psize / 2)) <<'EOF'
import sys
with open(sys.argv[1], "r+b") as f:
    f.seek(int(sys.argv[2])); b = f.read(1); f.seek(int(sys.argv[2]))
    f.write(bytes([b[0] ^ 0x01]))
EOF
# The store's open checks the audit chain's head now, so the daemon
# refuses to start on the damaged page (the stop-with-a-failing-audit
# path can no longer be reached this way).
run "$O" audit list
track_pid "$(cat "$H/opsicled.lock" 2>/dev/null)"
like "$err" "page $root failed authentication" \
    "the damaged audit page is found: the daemon refuses to start"
is "$rc" 3 "and the CLI exits 3 (no daemon)"
skip 1 "daemon stop with a failing audit record: the damaged page now refuses the start"
gone() { ! kill -0 "$(cat "$H/opsicled.lock" 2>/dev/null)" 2>/dev/null; }
wait_for 10 gone
ok $? "the daemon has stopped"
tap_finish

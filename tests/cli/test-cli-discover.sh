#!/bin/sh
# test-cli-discover.sh: "opsicle discover" end to end against real sshds
# on 127.0.0.160/29: four sshds on their own high ports, the range
# scanned on all four ports plus a closed one finds exactly those four
# (32 + 8 probes), with the fingerprints ssh-keygen -lf gives for their
# host keys and their banners; a known target (key accepted) is marked,
# a target known by another key is marked as differing; --add adds the
# other two as targets with their keys pending (hostkey list), never
# known, and a second scan adds nothing; --json; the /16 limit without
# --force, bad ranges and ports (usage errors, exit 2); IPv6: ::1, where a
# TCP relay passes connections on to s1, finds s1's key; the audit.
. "${OPS_SRCDIR:-$(dirname "$0")/../..}/tests/lib/tap.sh"
. "${OPS_SRCDIR:-$(dirname "$0")/../..}/tests/lib/common.sh"
. "$OPS_SRCDIR/tests/lib/sshd.sh"

O="$OPS_BUILDDIR/tui/opsicle"
OPSICLE_DAEMON="$OPS_BUILDDIR/daemon/opsicled"
export OPSICLE_DAEMON

sshd_require
plan_tests 53

fp() { ssh-keygen -lf "$1/host_ed25519.pub" | awk '{print $2}'; }
re() { printf '%s' "$1" | sed 's/[][\\.*^$+?(){}|]/\\&/g'; }

sshd_start_each 127.0.0.161 127.0.0.162 127.0.0.163 127.0.0.165
FP1=$(re "$(fp "$SSHD_BASE/s1")"); FP2=$(re "$(fp "$SSHD_BASE/s2")")
FP3=$(re "$(fp "$SSHD_BASE/s3")"); FP4=$(re "$(fp "$SSHD_BASE/s4")")
# a port nothing listens on, on any of the addresses
CLOSED=$((P1 + 1))
for a in 0 1 2 3 4 5 6 7; do
	sshd_port_free "127.0.0.16$a" "$CLOSED" || CLOSED=$((CLOSED + 7))
done
PORTS="--port $P1 --port $P2 --port $P3 --port $P4 --port $CLOSED"

run "$O" daemon status --json
is "$rc" 0 "the first command starts the daemon"
pid=$(printf '%s' "$out" | sed -n 's/.*"pid":\([0-9]*\).*/\1/p')
[ -n "$pid" ] && track_pid "$pid"

# k1: a target known by s1's key; k2: a target known by another key
"$O" target add k1 --host 127.0.0.161 --port "$P1" >/dev/null 2>&1
"$O" hostkey accept k1 >/dev/null 2>&1
"$O" target add k2 --host 127.0.0.162 --port "$P2" >/dev/null 2>&1
ssh-keygen -q -t ed25519 -N '' -f "$OPSICLE_HOME/other" -C other
printf '[127.0.0.162]:%s %s\n' "$P2" "$(cut -d' ' -f1,2 \
    "$OPSICLE_HOME/other.pub")" >"$OPSICLE_HOME/kh"
"$O" hostkey import "$OPSICLE_HOME/kh" >/dev/null 2>&1
run "$O" hostkey list
like "$out" "^k1 +ok +known +ssh-ed25519 +$FP1 " "k1 is known by s1's key"
unlike "$out" "$FP2" "k2 is known by another key"

# ---- a scan ---------------------------------------------------------------
run "$O" discover 127.0.0.160/29 $PORTS --timeout 3000 --rate 1000/s
is "$rc" 0 "discover exits 0"
is "$(printf '%s\n' "$out" | grep -c ' port [0-9]*: ')" 4 \
    "exactly four servers found"
like "$out" "^127\.0\.0\.161 port $P1: ssh-ed25519 $FP1, target k1 \(key known\)" \
    "s1: right fingerprint, the known target k1, its key known"
like "$out" "^127\.0\.0\.162 port $P2: ssh-ed25519 $FP2, target k2 \(HOST KEY DIFFERS" \
    "s2: right fingerprint, target k2, the key differs"
like "$out" "^127\.0\.0\.163 port $P3: ssh-ed25519 $FP3, new, banner \"SSH-2\.0-OpenSSH" \
    "s3: right fingerprint, new, its banner"
like "$out" "^127\.0\.0\.165 port $P4: ssh-ed25519 $FP4, new" \
    "s4: right fingerprint, new"
unlike "$out" "127\.0\.0\.16[04] port|127\.0\.0\.16[67] port" \
    "nothing where no sshd runs"
unlike "$out" "port $CLOSED:" "nothing on the closed port"
like "$out" "^40 probes: 4 open, 4 SSH servers \(2 known targets, 1 keys differ\), 0 added" \
    "the summary counts 40 probes"
run "$O" target list --json
unlike "$out" "127\.0\.0\.163" "without --add no target is added"

# ---- --json ------------------------------------------------------------------
run "$O" discover 127.0.0.163 127.0.0.161 --port "$P3" --port "$P1" --json
is "$rc" 0 "discover --json"
like "$out" '^\{.*"probes":4,' "--json: 4 probes"
like "$out" '"found":2,' "--json: 2 found"
like "$out" "\"hosts\":\[[^]]*\{\"address\":\"127\.0\.0\.163\",\"port\":$P3,\"banner\":\"SSH-2\.0-[^\"]*\",\"key_type\":\"ssh-ed25519\",\"fingerprint\":\"$FP3\",\"key\":\"new\",\"differs\":false\}" \
    "--json: s3 as an event object"
like "$out" "\"address\":\"127\.0\.0\.161\",\"port\":$P1,[^}]*\"target\":\"k1\",\"key\":\"known\",\"differs\":false" \
    "--json: s1 with its target"
like "$out" '"ranges":\["127\.0\.0\.163/32","127\.0\.0\.161/32"\]' \
    "--json: the ranges as scanned"

# ---- --add -------------------------------------------------------------------
"$O" cred add key --ssh-key "$SSHD_BASE/id_ed25519" </dev/null >/dev/null 2>&1
run "$O" discover 127.0.0.160/29 $PORTS --add --tag found --tag lab \
    --user "$(sshd_user)" --cred key
is "$rc" 0 "discover --add"
like "$out" "^127\.0\.0\.163 port $P3: .*new: added as target 127\.0\.0\.163-p$P3 \(key pending\)" \
    "s3 added, its key pending"
like "$out" "^127\.0\.0\.165 port $P4: .*new: added as target 127\.0\.0\.165-p$P4 \(key pending\)" \
    "s4 added, its key pending"
like "$out" "^127\.0\.0\.161 port $P1: .*target k1 \(key known\)" \
    "k1 is not added again"
like "$out" "2 added;" "two added"
run "$O" hostkey list "127.0.0.163-p$P3" --json
like "$out" "\"known\":\[\],\"pending\":\[\{\"type\":\"ssh-ed25519\",\"fingerprint\":\"$FP3\"" \
    "s3's key is pending, not known"
run "$O" hostkey list "127.0.0.165-p$P4" --json
like "$out" "\"known\":\[\],\"pending\":\[\{\"type\":\"ssh-ed25519\",\"fingerprint\":\"$FP4\"" \
    "s4's key is pending, not known"
run "$O" target show "127.0.0.163-p$P3" --json
like "$out" "\"host\":\"127\.0\.0\.163\",\"port\":$P3," "the target's address"
like "$out" '"tags":\["found","lab"\]' "the target's tags"
like "$out" "\"user\":\"$(sshd_user)\",\"cred\":\"key\"" "the target's user and cred"
run "$O" run "127.0.0.163-p$P3" -- true
[ "$rc" -ne 0 ]; ok $? "a run on the added target fails: its key is only pending"
like "$out$err" "hostkey-unknown|host key" "... for its host key"
run "$O" discover 127.0.0.160/29 $PORTS --add
is "$rc" 0 "a second discover --add"
like "$out" "^127\.0\.0\.163 port $P3: .*target 127\.0\.0\.163-p$P3 \(key pending\)" \
    "the added target is known now, its key pending"
like "$out" "4 known targets, 1 keys differ\), 0 added" "nothing added twice"
run "$O" hostkey accept "127.0.0.163-p$P3" --fingerprint "$(fp "$SSHD_BASE/s3")"
is "$rc" 0 "hostkey accept by fingerprint trusts the pending key"
run "$O" discover 127.0.0.163 --port "$P3"
like "$out" "target 127\.0\.0\.163-p$P3 \(key known\)" "then it shows as known"
run "$O" run "127.0.0.163-p$P3" -- echo hello
is "$rc" 0 "and runs reach it"

# ---- limits and usage errors ------------------------------------------------
run "$O" discover 10.0.0.0/15
is "$rc" 2 "more than a /16 is refused (exit 2)"
like "$err" "131072 addresses, more than a /16 .*--force" "and says --force"
run "$O" discover 10.0.0.0/16 10.1.0.0/31
is "$rc" 2 "a /16 and two more addresses are refused"
run "$O" discover 127.0.0.300/24
is "$rc" 2 "a bad address is a usage error"
like "$err" 'invalid address range "127\.0\.0\.300/24"' "naming the range"
run "$O" discover 127.0.0.0/33
is "$rc" 2 "a bad prefix length is a usage error"
run "$O" discover localhost
is "$rc" 2 "a name is a usage error"
run "$O" discover 127.0.0.1 --port 70000
is "$rc" 2 "a bad port is a usage error"
run "$O" discover 127.0.0.1 --rate fast
is "$rc" 2 "a bad rate is a usage error"
run "$O" discover 127.0.0.1 --tag x
is "$rc" 2 "--tag without --add is a usage error"
run "$O" discover
is "$rc" 2 "no range is a usage error"

# ---- IPv6: ::1 (a relay on [::1] to s1; the test sshds are IPv4 only) ----
if command -v python3 >/dev/null && python3 -c 'import socket; s=socket.socket(socket.AF_INET6); s.bind(("::1", 0))' 2>/dev/null; then
	python3 -c '
import socket, sys, threading
def pipe(a, b):
    try:
        while True:
            d = a.recv(65536)
            if not d: break
            b.sendall(d)
    except OSError: pass
    for x in (a, b):
        try: x.shutdown(socket.SHUT_RDWR)
        except OSError: pass
l = socket.socket(socket.AF_INET6); l.bind(("::1", 0)); l.listen(16)
open(sys.argv[1] + ".tmp", "w").write(str(l.getsockname()[1]))
import os; os.rename(sys.argv[1] + ".tmp", sys.argv[1])
while True:
    c, _ = l.accept()
    u = socket.create_connection(("127.0.0.161", int(sys.argv[2])))
    for a, b in ((c, u), (u, c)):
        threading.Thread(target=pipe, args=(a, b), daemon=True).start()
' "$OPSICLE_HOME/relay.port" "$P1" &
	track_pid $!
	i=0; while [ ! -s "$OPSICLE_HOME/relay.port" ] && [ $i -lt 100 ]; do sleep 0.05; i=$((i + 1)); done
	R6=$(cat "$OPSICLE_HOME/relay.port" 2>/dev/null)
	run "$O" discover ::1 --port "$R6" --port "$CLOSED"
	is "$rc" 0 "discover ::1 exits 0"
	like "$out" "^::1 port $R6: ssh-ed25519 $FP1, new" "::1 finds s1's key through the relay"
	like "$out" "^2 probes: 1 open, 1 SSH servers" "2 probes on ::1, one server"
else
	skip 3 "no IPv6 loopback or python3"
fi

# ---- audit --------------------------------------------------------------------
run "$O" audit list --json
like "$out" '"action":"discover"' "scans are audited"
like "$out" "\"action\":\"target.add\",[^}]*\"object\":\"127\.0\.0\.163-p$P3\"" \
    "targets discover added are audited as target.add"

tap_finish

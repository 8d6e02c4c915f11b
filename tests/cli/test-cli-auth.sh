#!/bin/sh
# test-cli-auth.sh: logging in with each kind of key and with an agent,
# end to end (cred add, target add, run) against real OpenSSH sshds:
# RSA-3072 keys in OpenSSH format (plain and encrypted) and PEM log in to
# an OpenSSH that refuses ssh-rsa (SHA-1) signatures; ECDSA and Ed25519
# still do; a server that takes only ssh-rsa gets it; a server that
# takes no RSA at all, and a key that is not authorized, give errors
# naming the key and the algorithms. An agent credential logs in through
# an ssh-agent this test starts (an agent's RSA key with rsa-sha2 too);
# once the agent is gone the run says so;
# a target without a credential fails with how to add one, although the
# daemon itself inherited a live SSH_AUTH_SOCK.
. "${OPS_SRCDIR:-$(dirname "$0")/../..}/tests/lib/tap.sh"
. "${OPS_SRCDIR:-$(dirname "$0")/../..}/tests/lib/common.sh"
. "$OPS_SRCDIR/tests/lib/sshd.sh"

sshd_require
O="$OPS_BUILDDIR/tui/opsicle"
OPSICLE_DAEMON="$OPS_BUILDDIR/daemon/opsicled"
export OPSICLE_DAEMON
command -v ssh-agent >/dev/null && command -v ssh-add >/dev/null ||
	skip_all "ssh-agent not installed"

B=$SSHD_BASE
mkdir -p "$B"
chmod 700 "$B"
K=$OPSICLE_HOME/keys
mkdir -m 700 "$K"
PASS="rsa pass phrase"
ssh-keygen -q -t rsa -b 3072 -N '' -C rsa -f "$K/rsa"
ssh-keygen -q -t rsa -b 3072 -N "$PASS" -C rsa-enc -f "$K/rsa-enc"
ssh-keygen -q -t rsa -b 3072 -m PEM -N '' -C rsa-pem -f "$K/rsa-pem"
ssh-keygen -q -t ecdsa -b 256 -N '' -C ecdsa -f "$K/ecdsa"
ssh-keygen -q -t ed25519 -N '' -C stranger -f "$K/stranger"
sshd_client_key "$B"
cat "$B/id_ed25519.pub" "$K/rsa.pub" "$K/rsa-enc.pub" "$K/rsa-pem.pub" \
    "$K/ecdsa.pub" >"$B/authorized_keys"

sshd_start s1 127.0.0.41 || skip_all "could not start sshd on 127.0.0.41"
P1=$SSHD_PORT
SSHD_EXTRA="PubkeyAcceptedAlgorithms ssh-ed25519,ssh-rsa"
sshd_start s2 127.0.0.42 || skip_all "could not start sshd on 127.0.0.42"
P2=$SSHD_PORT
SSHD_EXTRA="PubkeyAcceptedAlgorithms ssh-ed25519,ecdsa-sha2-nistp256"
sshd_start s3 127.0.0.43 || skip_all "could not start sshd on 127.0.0.43"
P3=$SSHD_PORT
SSHD_EXTRA=
U=$(sshd_user)

re() { printf '%s' "$1" | sed 's/[+.]/\\&/g'; }
fp() { ssh-keygen -lf "$1.pub" | awk '{print $2}'; }

plan_tests 24

# An agent, started by this test; the daemon inherits its socket from the
# first command (which starts it) and must not use it.
AG=$OPSICLE_HOME/agent.sock
ssh-agent -D -a "$AG" >/dev/null 2>&1 &
agent_pid=$!
track_pid $agent_pid
wait_for 10 test -S "$AG"
SSH_AUTH_SOCK=$AG ssh-add -q "$B/id_ed25519" 2>/dev/null
ok $? "an ssh-agent holds the sshd's client key"
# and a second one with only the RSA key
AG2=$OPSICLE_HOME/agent2.sock
ssh-agent -D -a "$AG2" >/dev/null 2>&1 &
track_pid $!
wait_for 10 test -S "$AG2"
SSH_AUTH_SOCK=$AG2 ssh-add -q "$K/rsa" 2>/dev/null
ok $? "a second ssh-agent holds the RSA key"

run env SSH_AUTH_SOCK="$AG" "$O" cred add ked --ssh-key "$B/id_ed25519" </dev/null
is "$rc" 0 "the daemon starts (with SSH_AUTH_SOCK in its environment)"
track_pid "$(cat "$OPSICLE_HOME/opsicled.lock")"
for k in rsa rsa-pem ecdsa stranger; do
	"$O" cred add "k$k" --ssh-key "$K/$k" </dev/null >/dev/null ||
		echo "# cred add k$k failed"
done
run sh -c "printf '%s\n' '$PASS' | '$O' cred add krsa-enc --ssh-key '$K/rsa-enc' --key-passphrase"
is "$rc/$out" "0/added credential krsa-enc (ssh-rsa $(fp "$K/rsa-enc"))" \
    "an encrypted RSA key in OpenSSH format is added with its passphrase"

for k in ed rsa rsa-enc rsa-pem ecdsa stranger; do
	"$O" target add "t-$k" --host 127.0.0.41 --port "$P1" --user "$U" \
	    --cred "k$k" >/dev/null || echo "# target add t-$k failed"
done
"$O" target add s2-rsa --host 127.0.0.42 --port "$P2" --user "$U" --cred krsa
"$O" target add s2-ed --host 127.0.0.42 --port "$P2" --user "$U" --cred ked
"$O" target add s3-rsa --host 127.0.0.43 --port "$P3" --user "$U" --cred krsa
"$O" target add s3-ec --host 127.0.0.43 --port "$P3" --user "$U" --cred kecdsa
"$O" target add nocred --host 127.0.0.41 --port "$P1" --user "$U"
"$O" target add t-agent --host 127.0.0.41 --port "$P1" --user "$U"
"$O" target add t-agent-rsa --host 127.0.0.41 --port "$P1" --user "$U"
"$O" target add s3-agent-rsa --host 127.0.0.43 --port "$P3" --user "$U"
run "$O" hostkey import "$B/known_hosts"
is "$rc" 0 "host keys imported"

# logs_in TARGET WHAT: a run on TARGET prints its line and exits 0
logs_in() {
	run "$O" run "$1" -- echo "via-$1"
	like "$rc/$out" "^0/$1: via-$1" "$2"
}
# refused TARGET PATTERN WHAT: the run fails (1) with an auth error
refused() {
	run "$O" run "$1" -- echo no
	if [ "$rc" = 1 ]; then
		like "$out$err" "^  $1: auth: $2" "$3"
	else
		ok 1 "$3"; diag "exit $rc, want 1"
	fi
}

# ---- keys on OpenSSH 9.2 (ssh-rsa refused by default) --------------------
logs_in t-rsa "an RSA-3072 key (OpenSSH format) logs in"
logs_in t-rsa-enc "an encrypted RSA-3072 key (OpenSSH format, bcrypt) logs in"
logs_in t-rsa-pem "an RSA-3072 key in PEM logs in"
logs_in t-ecdsa "an ECDSA key logs in"
logs_in t-ed "an Ed25519 key logs in"

# ---- what the server takes -------------------------------------------------
logs_in s2-rsa "a server that takes only ssh-rsa gets it (fallback)"
refused s3-rsa ".*; server refused RSA key $(re "$(fp "$K/rsa")") \(tried rsa-sha2-512, rsa-sha2-256, ssh-rsa/SHA-1\)$" \
    "a server that takes no RSA: the error names the key and the algorithms tried"
logs_in s3-ec "the same server takes the ECDSA key"
refused t-stranger ".*; server refused ED25519 key $(re "$(fp "$K/stranger")") \(ssh-ed25519\): is it in authorized_keys\?$" \
    "a key that is not authorized: the error names the key"

# ---- no credential: no login, although the daemon has SSH_AUTH_SOCK ---------
dpid=$(cat "$OPSICLE_HOME/opsicled.lock")
tr '\0' '\n' <"/proc/$dpid/environ" | grep -q "^SSH_AUTH_SOCK=$AG$"
ok $? "the daemon's environment holds the live agent's socket"
refused nocred "the target has no credential \(the daemon's own SSH_AUTH_SOCK is not used\): add one with opsicle cred add NAME --ssh-key FILE, --agent or --password, then opsicle target edit TARGET --cred NAME" \
    "a target without a credential does not log in, and the error says how to add one"

# ---- an agent credential ---------------------------------------------------
run env SSH_AUTH_SOCK="$AG" "$O" cred add kagent --agent
is "$rc/$out" "0/added credential kagent (agent)" "cred add --agent takes the client's SSH_AUTH_SOCK"
run env -u SSH_AUTH_SOCK "$O" cred add kagent2 --agent "$AG"
is "$rc" 0 "cred add --agent SOCKET"
run "$O" cred list
like "$out" "kagent +agent +- +$(re "$AG")" "cred list shows the agent's socket"
"$O" target edit t-agent --cred kagent
run env -u SSH_AUTH_SOCK "$O" run t-agent -- echo via-agent
is "$rc/$out/$err" "0/t-agent: via-agent/1 ok, 0 failed" \
    "a run with the agent credential logs in through the agent (summary on stderr)"
"$O" cred add kagent-rsa --agent "$AG2" >/dev/null
"$O" target edit t-agent-rsa --cred kagent-rsa
"$O" target edit s3-agent-rsa --cred kagent-rsa
logs_in t-agent-rsa "an agent's RSA key logs in (rsa-sha2, which the agent signs on request)"
refused s3-agent-rsa ".*the server refused every key of the ssh-agent at $(re "$AG2")$" \
    "a server that takes no RSA refuses the agent's only key, and says so"
kill "$agent_pid"
wait_for 10 sh -c "! kill -0 $agent_pid 2>/dev/null"
"$O" target edit t-agent --cred kagent2 >/dev/null
refused t-agent ".*no ssh-agent answers at $(re "$AG")" \
    "with the agent gone the run fails and says no agent answers at its socket"
unlike "$out$err$(cat "$OPSICLE_HOME"/logs/* 2>/dev/null)" "$PASS" "no passphrase in any output or log"
tap_finish

#!/bin/sh
# test-cli-creds.sh: cred add with the secret on stdin (password, key file
# and key passphrase), cred list and rm; the secret markers never show up
# in any output, --json, the daemon's debug log or the database files,
# and argv never holds them. Keys that can never work (a wrong or missing
# passphrase, a passphrase for a plain key, a .pub file, garbage) are
# refused at cred add with the reason and nothing is stored; an agent
# credential needs a socket of the user's.
. "${OPS_SRCDIR:-$(dirname "$0")/../..}/tests/lib/tap.sh"
. "${OPS_SRCDIR:-$(dirname "$0")/../..}/tests/lib/common.sh"

O="$OPS_BUILDDIR/tui/opsicle"
D="$OPS_BUILDDIR/daemon/opsicled"
plan_tests 37

# A debug-logging daemon, so the secret check covers every request logged.
"$D" -d >"$OPSICLE_HOME/daemon.log" 2>&1 &
pid=$!
track_pid $pid
wait_for 20 grep -q 'ready: store' "$OPSICLE_HOME/daemon.log"
ok $? "opsicled -d is ready"

PW=pw-Marker-7f3a91
PP=pp-Marker-88e2b0
# A real key (the daemon parses it now), encrypted with $PP; its marker is
# a line of its base64 body. (ssh-keygen's argv holds $PP while it runs;
# it has exited long before the argv check at the end.)
ssh-keygen -q -t ed25519 -N "$PP" -C test -f "$OPSICLE_HOME/id_test"
KEYM=$(sed -n 3p "$OPSICLE_HOME/id_test")
ssh-keygen -q -t ed25519 -N '' -C test -f "$OPSICLE_HOME/id_test_plain"

all=""
out=$(printf '%s\n' "$PW" | "$O" --no-start cred add pw1 --password --user deploy 2>&1); rc=$?
all="$all$out"
is "$rc" 0 "cred add --password reads the password from stdin"
out=$(printf '%s\n' "$PP" | "$O" --no-start cred add key1 --ssh-key "$OPSICLE_HOME/id_test" --key-passphrase 2>&1); rc=$?
all="$all$out"
is "$rc" 0 "cred add --ssh-key FILE --key-passphrase"
out=$(printf '%s\n' "$PW" | "$O" --no-start cred add pw1 --password 2>&1); rc=$?
all="$all$out"
is "$rc" 1 "a duplicate credential is refused"
out=$("$O" --no-start cred add pw2 --password --ssh-key x </dev/null 2>&1); rc=$?
is "$rc" 2 "--password with --ssh-key is a usage error"
out=$(: | "$O" --no-start cred add pw3 --password 2>&1); rc=$?
is "$rc" 1 "an empty secret is refused"
run "$O" --no-start cred add pw4 --ssh-key "$OPSICLE_HOME/missing"
like "$err" "missing" "a missing key file is named"

# Keys that can never work are refused, with the reason, and not stored.
out=$(printf '%s\n' "wrong-$PP" | "$O" --no-start cred add bad1 --ssh-key "$OPSICLE_HOME/id_test" --key-passphrase 2>&1); rc=$?
all="$all$out"
ok $([ $rc = 1 ] && echo 0 || echo 1) "a wrong key passphrase is refused (exit 1)"
like "$out" "add credential bad1: the key cannot be used: the passphrase does not decrypt the key" \
    "and the message says so"
run "$O" --no-start cred add bad2 --ssh-key "$OPSICLE_HOME/id_test" </dev/null
all="$all$out$err"
ok $([ $rc = 1 ] && echo 0 || echo 1) "an encrypted key without --key-passphrase is refused"
like "$err" "the key is encrypted: give its passphrase \(--key-passphrase\)" "and the message says so"
run "$O" --no-start cred add bad3 --ssh-key "$OPSICLE_HOME/id_test.pub" </dev/null
ok $([ $rc = 1 ] && echo 0 || echo 1) "a .pub file is refused"
# fingerprints as regular expressions ('+' is base64)
re() { printf '%s' "$1" | sed 's/[+.]/\\&/g'; }
fp=$(ssh-keygen -lf "$OPSICLE_HOME/id_test.pub" | awk '{print $2}')
like "$err" "this is a public key \(ssh-ed25519 $(re "$fp")\), not a private key: give the private key file" \
    "and the message names the public key"
printf 'not a key at all\n' >"$OPSICLE_HOME/garbage"
run "$O" --no-start cred add bad4 --ssh-key "$OPSICLE_HOME/garbage" </dev/null
ok $([ $rc = 1 ] && echo 0 || echo 1) "a file that is no key is refused"
like "$err" "not a private key file" "and the message says so"
out=$(printf 'x\n' | "$O" --no-start cred add bad5 --ssh-key "$OPSICLE_HOME/id_test_plain" --key-passphrase 2>&1); rc=$?
ok $([ $rc = 1 ] && echo 0 || echo 1) "a passphrase for an unencrypted key is refused"
like "$out" "the key is not encrypted: add it without --key-passphrase" "and the message says so"
run "$O" --no-start cred list
unlike "$out" "bad[0-9]" "no refused credential was stored"
run "$O" --no-start cred add plain1 --ssh-key "$OPSICLE_HOME/id_test_plain" </dev/null
pfp=$(ssh-keygen -lf "$OPSICLE_HOME/id_test_plain.pub" | awk '{print $2}')
is "$out" "added credential plain1 (ssh-ed25519 $pfp)" "cred add prints the key's type and fingerprint"

# --agent: a socket the user owns, by path or from SSH_AUTH_SOCK
run env -u SSH_AUTH_SOCK "$O" --no-start cred add ag1 --agent
is "$rc" 2 "--agent without SOCKET and without SSH_AUTH_SOCK is a usage error"
like "$err" "SSH_AUTH_SOCK, which is not set" "and says why"
run "$O" --no-start cred add ag1 --agent "$OPSICLE_HOME/garbage"
like "$rc/$err" "^1/.*is not a socket" "--agent on a file that is not a socket is refused"
run "$O" --no-start cred add ag1 --agent "$OPSICLE_HOME/no-such-sock"
like "$rc/$err" "^1/.*agent socket $OPSICLE_HOME/no-such-sock: No such file" "a missing agent socket is refused"
run "$O" --no-start cred add ag1 --password x </dev/null
is "$rc" 2 "SOCKET without --agent is a usage error"
python3 -c 'import socket,sys; s=socket.socket(socket.AF_UNIX); s.bind(sys.argv[1])' "$OPSICLE_HOME/fake.sock"
run env SSH_AUTH_SOCK="$OPSICLE_HOME/fake.sock" "$O" --no-start cred add ag1 --agent
is "$rc/$out" "0/added credential ag1 (agent)" "cred add --agent takes SSH_AUTH_SOCK"

run "$O" --no-start cred list
all="$all$out$err"
like "$out" "plain1 +ssh-key +- +ssh-ed25519 $(re "$pfp")" "cred list shows a key's type and fingerprint"
like "$out" "ag1 +agent +- +$OPSICLE_HOME/fake.sock" "and an agent's socket"
like "$out" "^NAME +KIND +USER" "cred list has a header"
like "$out" "pw1 +password +deploy" "and a password credential row"
run "$O" --no-start cred list --json
all="$all$out$err"
like "$out" '\{"name":"key1","kind":"ssh-key-passphrase","user":null,"has_secret":true,"has_passphrase":true,' \
    "cred list --json: documented fields, no secret"
run "$O" --no-start target add t1 --host h --cred pw1
run "$O" --no-start cred rm pw1
is "$rc" 1 "a credential in use cannot be removed"
run "$O" --no-start target rm t1
run "$O" --no-start cred rm pw1
is "$rc" 0 "cred rm"
run "$O" --no-start audit list --json
all="$all$out"
like "$out" '"action":"cred.add","object":"key1","result":"ok"' "cred add is audited"

unlike "$all" "Marker" "no output or --json carries a secret"
grep -q "cred-add id=.*not logged" "$OPSICLE_HOME/daemon.log"
ok $? "the debug log shows cred-add without its body"
hits=$(grep -rl -a -e "$PW" -e "$KEYM" -e "$PP" "$OPSICLE_HOME" 2>/dev/null | grep -v id_test)
is "$hits" "" "no secret in the daemon log or any database file"
# argv: the CLI is never given a secret by design; check the command
# lines of every process of this test anyway.
# (bracketed patterns, so grep's own argv does not match itself)
grep -a -l -e 'pw-Marker-7f3a9[1]' -e 'pp-Marker-88e2b[0]' /proc/[0-9]*/cmdline \
    >"$OPSICLE_HOME/.argv" 2>/dev/null
is "$(cat "$OPSICLE_HOME/.argv")" "" "no process holds a secret in argv"
kill -TERM $pid
tap_finish

#!/bin/sh
# test-cli-creds.sh: cred add with the secret on stdin (password, key file
# and key passphrase), cred list and rm; the secret markers never show up
# in any output, --json, the daemon's debug log or the database files,
# and argv never holds them.
. "${OPS_SRCDIR:-$(dirname "$0")/../..}/tests/lib/tap.sh"
. "${OPS_SRCDIR:-$(dirname "$0")/../..}/tests/lib/common.sh"

O="$OPS_BUILDDIR/tui/opsicle"
D="$OPS_BUILDDIR/daemon/opsicled"
plan_tests 17

# A debug-logging daemon, so the secret check covers every request logged.
"$D" -d >"$OPSICLE_HOME/daemon.log" 2>&1 &
pid=$!
track_pid $pid
wait_for 20 grep -q 'ready: store' "$OPSICLE_HOME/daemon.log"
ok $? "opsicled -d is ready"

PW=pw-Marker-7f3a91
KEYM=KEY-Marker-c41d07
PP=pp-Marker-88e2b0
printf -- '-----BEGIN OPENSSH PRIVATE KEY-----\n%s\n-----END OPENSSH PRIVATE KEY-----\n' \
    "$KEYM" >"$OPSICLE_HOME/id_test"

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

run "$O" --no-start cred list
all="$all$out$err"
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

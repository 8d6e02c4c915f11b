#!/bin/sh
# test-cli-lock.sh: passphrase-protected stores end to end. init
# --passphrase-file creates one; the daemon starts locked and refuses
# work with a clear message; a wrong passphrase changes nothing; unlock,
# lock and unlock again keep the data; passwd moves to a new passphrase
# (old refused, new works, data intact) and back to a key file (restart
# unattended); every step is audited and no passphrase reaches the log,
# the audit trail or ps. Argon2id runs at kdf-cost min (opsicle.conf).
. "${OPS_SRCDIR:-$(dirname "$0")/../..}/tests/lib/tap.sh"
. "${OPS_SRCDIR:-$(dirname "$0")/../..}/tests/lib/common.sh"

O="$OPS_BUILDDIR/tui/opsicle"
OPSICLE_DAEMON="$OPS_BUILDDIR/daemon/opsicled"
export OPSICLE_DAEMON
H=$OPSICLE_HOME
plan_tests 50

printf 'kdf-cost = min   # tests only\n' >"$H/opsicle.conf"
P1=first-Pass-7391
P2=second-Pass-5820
printf '%s\n' "$P1" >"$H/p1"
printf '%s\n' "$P2" >"$H/p2"
printf 'not-it\n' >"$H/bad"

daemon_pid() { cat "$H/opsicled.lock"; }
stop_daemon() {
	_p=$(daemon_pid)
	"$O" --no-start daemon stop >/dev/null 2>&1
	wait_for 10 sh -c "! kill -0 $_p"
}

run "$O" init --passphrase-file "$H/p1"
is "$rc" 0 "init --passphrase-file creates a store"
like "$out" "passphrase-protected" "and says it is passphrase-protected"
ok $([ -f "$H/store.key" ] && [ -f "$H/store.db" ]; echo $?) \
    "the envelope and the database exist"
ok $([ ! -e "$H/store.keyfile" ]; echo $?) "and there is no key file"
run "$O" init
is "$rc" 1 "a second init is refused"
like "$err" "already exists" "because a store exists"

run "$O" daemon status --json
is "$rc" 0 "the daemon starts with a locked store"
track_pid "$(daemon_pid)"
like "$out" '"locked":true' "daemon status says locked"
like "$out" '"key":"passphrase"' "and that a passphrase protects it"
run "$O" target list
is "$rc" 1 "target list is refused while locked"
is "$err" "opsicle target list: store is locked; run opsicle unlock" \
    "with the clear message"
run "$O" target add web1 --host 10.0.0.1
is "$rc" 1 "target add is refused while locked"
run "$O" passwd --passphrase-file "$H/p2" --old-passphrase-file "$H/p1"
is "$rc" 1 "passwd is refused while locked"

run "$O" unlock --passphrase-file "$H/bad"
is "$rc" 1 "unlock with a wrong passphrase exits 1"
like "$err" "wrong passphrase" "and says so"
run "$O" daemon status --json
like "$out" '"locked":true' "the store is still locked"
out=$(printf '%s\n' "$P1" | "$O" unlock 2>&1); rc=$?
is "$rc" 0 "unlock with the passphrase on stdin"
run "$O" daemon status --json
like "$out" '"locked":false' "daemon status says unlocked"
run "$O" target add web1 --host 10.0.0.1 --tag web
is "$rc" 0 "target add works once unlocked"
run "$O" unlock --passphrase-file "$H/bad"
is "$rc" 0 "unlock of an unlocked store is a no-op"
like "$out" "not locked" "and says so"

run "$O" lock
is "$rc" 0 "lock"
run "$O" target list
is "$rc" 1 "target list is refused again after lock"
like "$err" "store is locked; run opsicle unlock" "with the same message"
run "$O" unlock --passphrase-file "$H/p1"
is "$rc" 0 "unlock again"
run "$O" target list
like "$out" "web1 +10.0.0.1" "the data survived lock and unlock"

cp "$H/store.key" "$H/key.before"
run "$O" passwd --passphrase-file "$H/p2" </dev/null
is "$rc" 1 "passwd without the current passphrase is refused"
like "$err" "current passphrase is needed" "saying it is needed"
run "$O" passwd --passphrase-file "$H/p2" --old-passphrase-file "$H/bad"
is "$rc" 1 "passwd with a wrong current passphrase is refused"
like "$err" "the current passphrase is wrong" "saying so"
cmp -s "$H/store.key" "$H/key.before"; ok $? "and the envelope is unchanged"
# The wrong guess counts like a failed unlock: wait out its delay.
pw() { "$O" passwd --passphrase-file "$H/p2" --old-passphrase-file "$H/p1"; }
wait_for 30 pw
ok $? "passwd to a new passphrase, with the current one"
ok $(cmp -s "$H/store.key" "$H/key.before"; [ $? -ne 0 ]; echo $?) \
    "the envelope changed"
stop_daemon; ok $? "the daemon stops"
dbsum=$(cksum <"$H/store.db")
run "$O" daemon status --json
track_pid "$(daemon_pid)"
like "$out" '"locked":true' "restarted: locked again"
is "$(cksum <"$H/store.db")" "$dbsum" "starting locked leaves store.db untouched"
run "$O" unlock --passphrase-file "$H/p1"
is "$rc" 1 "the old passphrase is refused"
run "$O" unlock --passphrase-file "$H/p2"
is "$rc" 0 "the new passphrase unlocks"
run "$O" target show web1 --json
like "$out" '"name":"web1","host":"10.0.0.1"' "and the data is intact"

run "$O" passwd --to-keyfile --old-passphrase-file "$H/p2"
is "$rc" 0 "passwd --to-keyfile"
is "$(stat -c %a "$H/store.keyfile" 2>/dev/null)" 600 "a 0600 key file appears"
run "$O" lock
is "$rc" 1 "lock is refused for a key-file store"
like "$err" "key file" "saying why"
stop_daemon
run "$O" target list
is "$rc" 0 "the restarted daemon opens the store unattended"
track_pid "$(daemon_pid)"
like "$out" "web1" "with the data"
run "$O" daemon status --json
like "$out" '"locked":false,"key":"keyfile"' "status: unlocked, key file"

run "$O" audit list --json
like "$out" '"action":"unlock","object":"","result":"1 failed attempts before"' \
    "failed unlocks are audited once the store opens"
like "$out" '"action":"lock","object":"","result":"ok"' "lock is audited"
n=$(printf '%s' "$out" | grep -o '"action":"passwd","object":"[a-z]*","result":"ok"' | wc -l | tr -d ' ')
is "$n" 2 "both passwd changes are audited"
secrets=$(cat "$H/logs/opsicled.log"; printf '%s' "$out"; ps -eo args)
unlike "$secrets" "$P1|$P2" "no passphrase in the log, the audit trail or ps"
stop_daemon
tap_finish

#!/bin/sh
# test-daemon-start.sh: opsicled creates its store on first use, holds one
# instance per state dir, stops on SIGTERM, reopens its store, and refuses
# an unsafe key file without touching anything.
. "${OPS_SRCDIR:-$(dirname "$0")/../..}/tests/lib/tap.sh"
. "${OPS_SRCDIR:-$(dirname "$0")/../..}/tests/lib/common.sh"

D="$OPS_BUILDDIR/daemon/opsicled"
plan_tests 17

start_fg() {
	"$D" -f >"$OPSICLE_HOME/fg.log" 2>&1 &
	pid=$!
	track_pid $pid
}
ready() { grep -q 'ready: store' "$OPSICLE_HOME/fg.log"; }

start_fg
wait_for 20 ready; ok $? "first start creates a store and reports ready"
[ -s "$OPSICLE_HOME/store.db" ]; ok $? "store.db exists"
is "$(stat -c %a "$OPSICLE_HOME/store.keyfile")" 600 "key file is mode 0600"
is "$(stat -c %a "$OPSICLE_HOME/store.key")" 600 "key envelope is mode 0600"
! grep -q 'SQLite format 3' "$OPSICLE_HOME/store.db"
ok $? "store.db carries no SQLite plaintext header"

run "$D" -f
is "$rc" 1 "a second daemon for the same state dir exits 1"
like "$err" "already running" "and says another daemon holds the lock"

kill -TERM $pid
wait_for 10 sh -c "! kill -0 $pid"; ok $? "SIGTERM stops the daemon"
wait $pid; is $? 0 "clean stop exits 0"

sum_before=$(cat "$OPSICLE_HOME/store.key" "$OPSICLE_HOME/store.keyfile" | cksum)
: >"$OPSICLE_HOME/fg.log"
start_fg
wait_for 20 ready; ok $? "restart reopens the existing store"
kill -TERM $pid; wait $pid
is "$(cat "$OPSICLE_HOME/store.key" "$OPSICLE_HOME/store.keyfile" | cksum)" \
    "$sum_before" "reopening leaves the keys as they were"

chmod 644 "$OPSICLE_HOME/store.keyfile"
db_before=$(cksum <"$OPSICLE_HOME/store.db")
run "$D" -f
is "$rc" 1 "a group/world-readable key file is refused"
like "$err" "store.keyfile.*(readable|mode)" "the error names the key file and its mode"
is "$(cksum <"$OPSICLE_HOME/store.db")" "$db_before" "the refused start left the store untouched"
chmod 600 "$OPSICLE_HOME/store.keyfile"

run "$D" -x
is "$rc" 2 "an unknown option is a usage error (exit 2)"

# Detached mode: the parent returns once the store is open.
run "$D"
is "$rc" 0 "detached start returns 0 once ready"
lockpid=$(cat "$OPSICLE_HOME/opsicled.lock" 2>/dev/null)
track_pid "$lockpid"
kill -0 "$lockpid" 2>/dev/null; ok $? "the detached daemon runs with its pid in the lock file"
kill -TERM "$lockpid"
wait_for 10 sh -c "! kill -0 $lockpid"
tap_finish

#!/bin/sh
# test-daemon-tamper.sh: what opsicled refuses to start on (issue 9, the
# WAL and the store's state): a flipped byte in a committed WAL frame
# after a crash, an older store.db put back after a clean stop, a WAL put
# back after a clean stop, a missing store.db beside its key envelope, a
# missing state file (until -R); and audit verify printing the chain head.
. "${OPS_SRCDIR:-$(dirname "$0")/../..}/tests/lib/tap.sh"
. "${OPS_SRCDIR:-$(dirname "$0")/../..}/tests/lib/common.sh"

D="$OPS_BUILDDIR/daemon/opsicled"
O="$OPS_BUILDDIR/tui/opsicle"
H="$OPSICLE_HOME"
plan_tests 25

start_fg() {
	: >"$H/fg.log"
	"$D" -f "$@" >"$H/fg.log" 2>&1 &
	pid=$!
	track_pid $pid
	wait_for 20 ready
}
ready() { grep -q 'ready: store' "$H/fg.log"; }
gone() { ! kill -0 $pid 2>/dev/null; }
# try_start: a start expected to fail; rc and err as run sets them. A
# daemon that starts anyway is stopped and reported as rc 0.
try_start() {
	: >"$H/fg.log"
	"$D" -f >"$H/fg.log" 2>&1 &
	pid=$!
	track_pid $pid
	wait_for 20 sh -c "grep -q 'ready: store' '$H/fg.log' || \
	    ! kill -0 $pid"
	if ready; then
		stop
		rc=0
	else
		wait $pid
		rc=$?
	fi
	err=$(cat "$H/fg.log")
}
stop() { kill -TERM $pid; wait $pid; }
add() {
	for _n in "$@"; do
		"$O" --no-start target add "$_n" --host 127.0.0.1 >/dev/null ||
		    return 1
	done
}
ntargets() { "$O" --no-start target list --json | grep -o '"name"' | wc -l; }
# flip_byte FILE OFFSET: flip bit 0 of one byte in place.
flip_byte() {
	/usr/bin/python3 -c 'import sys
f = open(sys.argv[1], "r+b"); f.seek(int(sys.argv[2])); b = f.read(1)
f.seek(int(sys.argv[2])); f.write(bytes([b[0] ^ 1])); f.close()' "$1" "$2"
}

# audit verify prints the head.
start_fg; ok $? "the daemon starts on a new store"
add t1 t2; ok $? "two targets added (two audit records)"
run "$O" --no-start audit verify
is "$rc" 0 "audit verify succeeds"
like "$out" "^audit chain ok" "and says the chain is ok"
like "$out" "head [0-9]+ [0-9a-f]{64}" "and prints the head: id and hash"
run "$O" --no-start audit verify --json
like "$out" '"head_id":[1-9][0-9]*,"head_hash":"[0-9a-f]{64}"' \
    "--json carries head_id and head_hash"
stop; is $? 0 "clean stop"
[ ! -e "$H/store.db-wal" ] && [ -s "$H/store.db-state" ]
ok $? "a clean stop leaves no WAL and a state file"

# An older store.db put back after a clean stop.
cp "$H/store.db" "$H/old.db"
start_fg && add t3 t4 t5; ok $? "restart, three more targets"
stop
cp "$H/store.db" "$H/new.db"
cp "$H/old.db" "$H/store.db"
try_start
is "$rc" 1 "an older store.db put back: start refused"
like "$err" "does not match its last clean close" "the error says why"
cp "$H/new.db" "$H/store.db"

# A flipped byte in a committed WAL frame, after a crash.
start_fg && add w1 w2 w3 w4 w5; ok $? "five more targets, then kill -9"
kill -9 $pid; wait $pid 2>/dev/null
[ -s "$H/store.db-wal" ]; ok $? "the WAL holds the commits"
cp "$H/store.db-wal" "$H/crash.wal"
flip_byte "$H/store.db-wal" 156
try_start
is "$rc" 1 "a flipped byte in WAL frame 1: start refused"
like "$err" "store.db-wal frame 1 failed authentication: the store is damaged" \
    "the error names the frame"
cp "$H/crash.wal" "$H/store.db-wal"
start_fg; ok $? "the untouched WAL: the daemon starts"
is "$(ntargets)" 10 "with every commit (10 targets)"
stop

# The crash's WAL put back beside the cleanly stopped store.
cp "$H/crash.wal" "$H/store.db-wal"
try_start
is "$rc" 1 "a WAL put back after a clean stop: start refused"
like "$err" "closed cleanly with an empty log" "the error says why"
rm -f "$H/store.db-wal" "$H/store.db-shm"

# store.db gone, its key envelope left.
mv "$H/store.db" "$H/keep.db"
try_start
is "$rc" 1 "store.db removed, envelope left: start refused"
like "$err" "store.db is missing but its key envelope .*store.key exists" \
    "the error names both"
[ ! -e "$H/store.db" ]; ok $? "and no empty store was made"
mv "$H/keep.db" "$H/store.db"

# The state file gone: refused until -R takes the store as it is.
mv "$H/store.db-state" "$H/state.keep"
try_start
is "$rc" 1 "state file removed: start refused"
like "$err" "store.db-state is missing" "the error names the file"
start_fg -R && stop && start_fg; ok $? "-R records a new one; then a plain start works"
stop

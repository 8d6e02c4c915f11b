#!/bin/sh
# test-cli-run-input.sh: "run --stdin" with a real daemon and two real
# sshd: our standard input reaches every target's command whole (text,
# binary, several MiB, exactly the cap), then EOF; past the cap it is a
# usage error and nothing runs; without --stdin the command gets EOF at
# once; a rerun does not replay it; it never reaches the daemon's logs.
. "${OPS_SRCDIR:-$(dirname "$0")/../..}/tests/lib/tap.sh"
. "${OPS_SRCDIR:-$(dirname "$0")/../..}/tests/lib/common.sh"
. "$OPS_SRCDIR/tests/lib/sshd.sh"

O="$OPS_BUILDDIR/tui/opsicle"
OPSICLE_DAEMON="$OPS_BUILDDIR/daemon/opsicled"
export OPSICLE_DAEMON
sshd_require
sshd_start_each 127.0.0.5 127.0.0.6
U=$(sshd_user)
B=$SSHD_BASE
T=$OPSICLE_HOME/data
mkdir -p "$T"

njobs() {
	"$O" job list --limit 0 --json | grep -o '"id":' | wc -l
}

plan_tests 16

run "$O" cred add k --ssh-key "$B/id_ed25519" </dev/null
track_pid "$(cat "$OPSICLE_HOME/opsicled.lock")"
run "$O" target add t1 --host 127.0.0.5 --port "$P1" --user "$U" --cred k
run "$O" target add t2 --host 127.0.0.6 --port "$P2" --user "$U" --cred k
run "$O" hostkey import "$B/known_hosts"
is "$rc" 0 "two targets with their host keys"

# ---- --stdin reaches every target ----------------------------------------
out=$(printf 'stdin-marker-q7v\n' | "$O" run --stdin t1 t2 -- 'wc -c' 2>&1); rc=$?
is "$rc" 0 "run --stdin t1 t2 -- 'wc -c'"
like "$out" "^t1: 17$" "t1's command read the 17 bytes"
like "$out" "^t2: 17$" "t2's command too"

head -c 3000000 /dev/urandom >"$T/bin"
want=$(sha256sum <"$T/bin" | cut -d' ' -f1)
run sh -c "\"$O\" run --stdin t1 t2 -- sha256sum <\"$T/bin\""
is "$rc" 0 "3 MB of binary stdin"
is "$(printf '%s\n' "$out" | grep -c "^t[12]: $want  -$")" 2 \
    "reaches both targets byte for byte (NUL bytes and all)"

head -c 8388608 /dev/zero >"$T/cap"
run sh -c "\"$O\" run --stdin t1 -- 'wc -c' <\"$T/cap\""
like "$out" "^t1: 8388608$" "exactly the cap (8 MiB) goes through"

before=$(njobs)
head -c 8388609 /dev/zero >"$T/over"
run sh -c "\"$O\" run --stdin t1 -- 'wc -c' <\"$T/over\""
is "$rc" 2 "a byte past the cap is a usage error"
like "$err" "larger than 8 MiB" "that names the cap"
is "$(njobs)" "$before" "and nothing ran"

run sh -c "printf 'x\n' | \"$O\" run t1 -- 'cat; echo end'"
like "$out" "^t1: end$" "without --stdin the command gets EOF at once"
unlike "$out" "t1: x" "and none of our stdin"

run sh -c "printf '' | \"$O\" run --stdin t1 -- 'wc -c'"
like "$out" "^t1: 0$" "an empty stdin is an empty stdin"

job=$(printf 'again\n' | "$O" run --stdin --json t1 -- 'wc -c' |
    sed -n 's/^{"id":\([0-9]*\).*/\1/p')
run "$O" job rerun "$job" --json
rerun=$(printf '%s\n' "$out" | sed -n 's/.*"job":\([0-9]*\).*/\1/p')
wait_for 20 sh -c "\"$O\" job show $rerun | grep -q 'targets 1 (1 ok'"
run "$O" job logs "$rerun"
like "$out" "^t1: 0$" "a rerun does not replay the stdin (the command reads nothing)"

run "$O" job show "$job" --json
unlike "$out" "again" "the stdin is not stored with the job"
unlike "$(cat "$OPSICLE_HOME"/logs/* 2>/dev/null)" "stdin-marker-q7v" \
    "nor written to the daemon's logs"

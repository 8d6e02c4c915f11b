#!/bin/sh
# test-cli-unlock-throttle.sh: Argon2id runs off the event loop, so a
# daemon-status sent after an unlock on the same connection is answered
# first; each wrong
# passphrase of a uid doubles the wait before its answer and its next
# try (1, 2, 4 s), and a try during the wait is refused at once; the
# count is kept in unlock-failures (0600) across a restart and audited
# at the next unlock.
. "${OPS_SRCDIR:-$(dirname "$0")/../..}/tests/lib/tap.sh"
. "${OPS_SRCDIR:-$(dirname "$0")/../..}/tests/lib/common.sh"

O="$OPS_BUILDDIR/tui/opsicle"
OPSICLE_DAEMON="$OPS_BUILDDIR/daemon/opsicled"
export OPSICLE_DAEMON
H=$OPSICLE_HOME
PY=/usr/bin/python3
PIPE="$OPS_SRCDIR/tests/cli/unlock-pipe.py"
[ -x "$PY" ] || skip_all "/usr/bin/python3 not installed"
plan_tests 14

printf 'kdf-cost = min\n' >"$H/opsicle.conf"
printf 'right-Pass-4410\n' >"$H/good"
printf 'wrong-Pass-0000\n' >"$H/bad"
daemon_pid() { cat "$H/opsicled.lock"; }
stop_daemon() {
	_p=$(daemon_pid)
	"$O" --no-start daemon stop >/dev/null 2>&1
	wait_for 10 sh -c "! kill -0 $_p"
}

run "$O" init --passphrase-file "$H/good"
is "$rc" 0 "a passphrase store"
run "$O" daemon status
track_pid "$(daemon_pid)"

# 1st wrong try, pipelined with a status request on one connection.
out=$("$PY" "$PIPE" "$H/opsicled.sock" "$H/bad" 2>&1)
is "$(printf '%s\n' "$out" | sed -n 2p | cut -d' ' -f1,2)" "3 ok" \
    "the status request after a pending unlock is answered first"
like "$(printf '%s\n' "$out" | sed -n 3p)" "^2 error wrong passphrase .*1 failed attempts; the next one may start in 1 s" \
    "then the unlock fails, saying the next try waits 1 s"

# 2nd wrong try: while it is pending, another try is refused at once.
"$O" unlock --passphrase-file "$H/bad" >"$H/u2.out" 2>&1 &
u2=$!
track_pid $u2
wait_for 30 grep -q "unlock by .* refused: wrong passphrase (2 failed" "$H/logs/opsicled.log"
run "$O" unlock --passphrase-file "$H/good"
is "$rc" 1 "a try during the delay is refused"
like "$err" "too many failed unlock attempts: retry in [12] s" "saying when to retry"
wait "$u2"
like "$(cat "$H/u2.out")" "2 failed attempts; the next one may start in 2 s" \
    "the 2nd failure doubles the delay"
run "$O" unlock --passphrase-file "$H/bad"
like "$err" "3 failed attempts; the next one may start in 4 s" "the 3rd doubles it again"
is "$(stat -c %a "$H/unlock-failures" 2>/dev/null)" 600 "the count is kept in a 0600 file"
like "$(cat "$H/unlock-failures")" "^$(id -u) 3 [0-9]+$" "for this uid: 3 failures"
run "$O" daemon status --json
like "$out" '"locked":true' "still locked"

stop_daemon; ok $? "the daemon stops"
run "$O" daemon status
track_pid "$(daemon_pid)"
# The wait may still run after the restart: retry until it is over.
try_good() { "$O" unlock --passphrase-file "$H/good"; }
wait_for 60 try_good; ok $? "after a restart the right passphrase unlocks"
like "$("$O" audit list --json)" '"action":"unlock","object":"","result":"3 failed attempts before"' \
    "the failures before the restart are audited"
ok $([ ! -e "$H/unlock-failures" ]; echo $?) "and the count is cleared"
stop_daemon
tap_finish

#!/bin/sh
# test-daemon-limits.sh: a socket-group member cannot lock the admin out
# or exhaust the daemon's memory (issue 9, item 4). As uid nobody, with
# tests/lib/sock-hold.py: with no role, 300 sockets trickling a hello are
# all refused at once, with the reason; as a viewer, 300 get 64 slots
# (the rest refused), and those are closed on message-timeout although
# they trickle, before and after hello; 24 half-sent 16 MiB frames and 30
# subscribers that never read leave the daemon's RSS bounded (read from
# /proc/PID/status) while the readers are dropped; and the admin's
# "daemon status" is served throughout.
. "${OPS_SRCDIR:-$(dirname "$0")/../..}/tests/lib/tap.sh"
. "${OPS_SRCDIR:-$(dirname "$0")/../..}/tests/lib/common.sh"
. "$OPS_SRCDIR/tests/lib/sshd.sh"

O="$OPS_BUILDDIR/tui/opsicle"
D="$OPS_BUILDDIR/daemon/opsicled"
HOLD="$OPS_SRCDIR/tests/lib/sock-hold.py"
PY=/usr/bin/python3
H="$OPSICLE_HOME"
S="$H/opsicled.sock"
C="$H/opsicle.conf"
G=daemon

[ "$(id -u)" -eq 0 ] || skip_all "not root: cannot connect as another uid"
command -v setpriv >/dev/null 2>&1 && id nobody >/dev/null 2>&1 &&
    getent group "$G" >/dev/null 2>&1 ||
    skip_all "setpriv, user nobody or group $G missing"
[ -x "$PY" ] || skip_all "$PY missing"
plan_tests 31

# Under ASan, freed blocks wait in a 256 MiB quarantine and count in RSS;
# a small one keeps the RSS checks about our buffers (ignored otherwise).
ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}quarantine_size_mb=8"
export ASAN_OPTIONS

alive() { "$O" --no-start daemon status >/dev/null 2>&1; }
# served_thrice: the admin's daemon status succeeds three times running
served_thrice() { alive && alive && alive; }
reloaded() { grep -q 'SIGHUP: reloaded' "$H/fg.log"; }
reload() {
	: >"$H/fg.log"
	kill -HUP "$pid"
	wait_for 30 reloaded
}
# rss_kb: the daemon's resident memory now
rss_kb() { sed -n 's/^VmRSS:[[:space:]]*\([0-9]*\) kB$/\1/p' "/proc/$pid/status"; }

# hold OUT MODE COUNT SECONDS: sock-hold.py as nobody (in group $G), in
# the background (pid in $hpid), its status lines in OUT.
hold() {
	_out=$1; shift
	setpriv --reuid=nobody --regid="$G" --clear-groups \
	    "$PY" "$HOLD" "$S" "$@" >"$_out" 2>&1 &
	hpid=$!
	track_pid $hpid
}
unhold() { kill "$hpid" 2>/dev/null; wait "$hpid" 2>/dev/null; }
# field OUT NAME: NAME=<n> from the last status line
field() { tail -n 1 "$1" | sed -n "s/.*$2=\([0-9]*\).*/\1/p"; }
has_lines() { [ -n "$(field "$1" admitted)" ]; }
# count_is OUT NAME N
count_is() { [ "$(field "$1" "$2")" = "$3" ]; }
# all_held_closed OUT: some were admitted, and the daemon closed each
all_held_closed() {
	_a=$(field "$1" admitted); _c=$(field "$1" closed)
	[ -n "$_a" ] && [ "$_a" -gt 0 ] && [ "$_a" = "$_c" ]
}
some_closed() { _c=$(field "$1" closed); [ -n "$_c" ] && [ "$_c" -gt 0 ]; }

# output-cap (live output per run and stream) is read at start only.
conf() {
	printf 'socket-group = %s\nclient-timeout = 600\nmessage-timeout = 3\noutput-cap = 16m\n%s' \
	    "$G" "$1" >"$C"
}
conf ""
"$D" -f >"$H/fg.log" 2>&1 &
pid=$!
track_pid $pid
wait_for 30 alive
ok $? "opsicled serves (socket-group $G, message-timeout = 3)"

# ---- no role: refused at accept, holding nothing ---------------------------
hold "$H/norole.out" slowhello 300 20
wait_for 60 has_lines "$H/norole.out"
served_thrice
ok $? "the admin is served while a no-role user opens 300 sockets"
wait_for 30 count_is "$H/norole.out" refused 300
ok $? "all 300 are refused at once ($(tail -n 1 "$H/norole.out" | cut -c1-40))"
like "$(tail -n 1 "$H/norole.out")" "permission denied: nobody\(65534\) is not authorised" \
    "each with the reason, before it sent a whole hello"
unhold
out=$(setpriv --reuid=nobody --regid="$G" --clear-groups \
    env OPSICLE_HOME="$H" "$O" --no-start target list 2>&1); rc=$?
is "$rc" 1 "opsicle as a no-role user exits 1"
like "$out" "permission denied: nobody\(65534\) is not authorised" \
    "and prints the daemon's refusal"

# ---- viewer: 64 slots, each closed on message-timeout -------------------
conf 'role.viewer = nobody
'
reload
ok $? "role.viewer = nobody (SIGHUP)"
hold "$H/viewer.out" slowhello 300 60
wait_for 60 has_lines "$H/viewer.out"
served_thrice
ok $? "the admin is served while a viewer trickles hellos into 300 sockets"
wait_for 30 count_is "$H/viewer.out" refused 236
ok $? "236 of them are refused ($(tail -n 1 "$H/viewer.out" | cut -c1-40))"
like "$(tail -n 1 "$H/viewer.out")" "too many connections from nobody\(65534\): 64 open" \
    "with the per-uid cap as the reason"
wait_for 60 all_held_closed "$H/viewer.out"
ok $? "the 64 held ones are closed although they trickle a byte every 0.5 s"
like "$(tail -n 1 "$H/viewer.out")" "sent no whole hello within 3 s \(message-timeout\)" \
    "they are told why"
like "$(cat "$H/fg.log")" "closing nobody\(65534\): sent no whole hello within 3 s" \
    "and the log says so"
unhold

hold "$H/trickle.out" trickle 20 60
wait_for 60 has_lines "$H/trickle.out"
is "$(field "$H/trickle.out" admitted)" 20 "20 viewer connections say hello"
wait_for 60 all_held_closed "$H/trickle.out"
ok $? "a frame trickled after hello is cut off on message-timeout"
like "$(tail -n 1 "$H/trickle.out")" "did not finish a message within 3 s" \
    "with the reason"
unhold
served_thrice
ok $? "the admin is served after the trickles"

# ---- memory: 24 half-sent 16 MiB frames ------------------------------------
r0=$(rss_kb)
hold "$H/big.out" big 24 60
wait_for 120 has_lines "$H/big.out"
ok $? "24 viewer connections sent 15 MiB of a 16 MiB frame each"
r1=$(rss_kb)
grow=$(((r1 - r0) / 1024))
ok $((grow >= 120)) "the daemon's RSS grew by $grow MiB (${r0} kB -> ${r1} kB), under 120 MiB"
wait_for 30 some_closed "$H/big.out"
like "$(cat "$H/big.out")" "unfinished requests of nobody\(65534\) hold [0-9]* bytes, limit 33554432" \
    "the readers past the per-uid budget are dropped, and told why"
served_thrice
ok $? "the admin is served meanwhile"
wait_for 30 all_held_closed "$H/big.out"
ok $? "the rest are closed on message-timeout"
unhold

# ---- memory: 30 subscribers that never read --------------------------------
if ! command -v ssh-keygen >/dev/null 2>&1 || ! command -v ss >/dev/null 2>&1 ||
    ! sshd_start s1 127.0.0.2; then
	skip 7 "no sshd fixture"
else
	run "$O" --no-start cred add k --ssh-key "$SSHD_BASE/id_ed25519" </dev/null
	run "$O" --no-start target add t1 --host 127.0.0.2 --port "$SSHD_PORT" \
	    --user "$(sshd_user)" --cred k
	run "$O" --no-start hostkey import "$SSHD_BASE/known_hosts"
	is "$rc" 0 "a target on a test sshd"
	hold "$H/sub.out" sub 30 120
	wait_for 60 has_lines "$H/sub.out"
	is "$(field "$H/sub.out" admitted)" 30 "30 viewer subscriptions to job-output"
	r0=$(rss_kb)
	run "$O" --no-start run t1 -- "head -c 12000000 /dev/zero | tr '\\000' x"
	is "$rc" 0 "a job writes 12 MB of output"
	r1=$(rss_kb)
	grow=$(((r1 - r0) / 1024))
	ok $((grow >= 150)) "the daemon's RSS grew by $grow MiB (${r0} kB -> ${r1} kB), under 150 MiB"
	wait_for 30 some_closed "$H/sub.out"
	ok $? "subscribers that do not read are dropped ($(tail -n 1 "$H/sub.out" | cut -c1-40))"
	like "$(cat "$H/fg.log")" "nobody\(65534\).*it does not read, and the budget of its uid for output queues" \
	    "on the budget of their uid, as the log says"
	served_thrice
	ok $? "the admin is served"
	unhold
fi

kill -0 "$pid"
ok $? "the daemon survived all of it"
kill -TERM "$pid"
wait_for 30 sh -c "! kill -0 $pid"
ok $? "and stops on SIGTERM"
tap_finish

#!/bin/sh
# test-daemon-conf.sh: what opsicle.conf and the daemon's options decide
# about logging, the socket and roles. log-level filters the log (-v and
# -d raise it; SIGHUP applies a new level); -s and "log = syslog" log to
# syslog and leave stderr and logs/opsicled.log alone; socket-group makes
# the socket 0660 and its directory 0710 for that group, and closes them
# again once the key is gone; role.* lists give a second uid its role
# (refused without one, read-only as viewer, changes as operator);
# a connection silent for client-timeout (or stalled mid-frame) is
# closed while a subscriber and other clients carry on; OPSICLE_SYSTEM
# selects /run/opsicle; the systemd unit verifies.
. "${OPS_SRCDIR:-$(dirname "$0")/../..}/tests/lib/tap.sh"
. "${OPS_SRCDIR:-$(dirname "$0")/../..}/tests/lib/common.sh"

O="$OPS_BUILDDIR/tui/opsicle"
D="$OPS_BUILDDIR/daemon/opsicled"
H="$OPSICLE_HOME"
S="$H/opsicled.sock"
C="$H/opsicle.conf"
plan_tests 43

alive() { "$O" --no-start daemon status >/dev/null 2>&1; }
gone() { ! kill -0 "$1" 2>/dev/null; }
start_fg() {
	"$D" -f "$@" >"$H/fg.log" 2>&1 &
	pid=$!
	track_pid $pid
	wait_for 30 alive
}
stop_fg() {
	kill -TERM "$pid"
	wait_for 30 gone "$pid"
}
ndebug() { grep -c ' debug: ' "$H/fg.log"; }

# ---- levels -------------------------------------------------------------
printf 'log-level = warn\n' >"$C"
start_fg; ok $? "opsicled -f with log-level = warn serves"
alive
stop_fg; ok $? "and stops"
is "$(grep -c ' info: \| debug: ' "$H/fg.log")" 0 \
    "log-level = warn: no info or debug lines"

start_fg -v; ok $? "opsicled -f -v serves"
alive
stop_fg
like "$(cat "$H/fg.log")" " debug: connection from " \
    "-v logs debug lines although the file says warn"

printf 'log-level = debug\n' >"$C"
start_fg; ok $? "log-level = debug"
alive
like "$(cat "$H/fg.log")" " debug: connection from " "logs debug lines"
printf 'log-level = info\n' >"$C"
kill -HUP "$pid"
wait_for 30 grep -q 'SIGHUP: reloaded' "$H/fg.log"
ok $? "SIGHUP reloads the file (logged at info)"
n=$(ndebug)
alive
alive
is "$(ndebug)" "$n" "after SIGHUP to log-level = info, no more debug lines"
stop_fg

printf 'log-level = loud\n' >"$C"
run "$D" -f
is "$rc" 1 "a bad log-level is refused at start"
like "$err" "opsicle.conf:1: log-level must be one of warn, info, debug" \
    "with FILE:LINE and the choices"

# ---- syslog ----------------------------------------------------------------
: >"$C"
start_fg -s; ok $? "opsicled -f -s serves"
alive
stop_fg
is "$(cat "$H/fg.log")" "" "-s: nothing on stderr (the lines went to syslog)"
printf 'log = syslog\n' >"$C"
rm -f "$H/logs/opsicled.log"
run "$D"
is "$rc" 0 "detached with log = syslog: starts"
pid=$(cat "$H/opsicled.lock")
track_pid "$pid"
alive; ok $? "and serves"
stop_fg
[ ! -e "$H/logs/opsicled.log" ]; ok $? "and writes no logs/opsicled.log"
printf 'log = journal\n' >"$C"
run "$D" -f
like "$err" "opsicle.conf:1: log must be one of auto, syslog" \
    "an unknown log destination is refused"
: >"$C"

# ---- socket-group and roles (a second uid) -------------------------------
G=daemon
if [ "$(id -u)" -ne 0 ]; then
	skip 15 "not root: cannot give the socket to a group or run as another uid"
elif ! command -v setpriv >/dev/null 2>&1 || ! id nobody >/dev/null 2>&1 ||
    ! getent group "$G" >/dev/null 2>&1 || ! getent group nogroup >/dev/null 2>&1; then
	skip 15 "setpriv, user nobody or group $G/nogroup missing"
else
	# $H is the run directory; /tmp above it lets everyone through.
	as_nobody() {
		_g=$1; shift
		setpriv --reuid=nobody --regid="$_g" --clear-groups \
		    env OPSICLE_HOME="$H" "$O" --no-start "$@"
	}
	printf 'socket-group = %s\n' "$G" >"$C"
	start_fg; ok $? "opsicled with socket-group = $G serves"
	is "$(stat -c '%a %G' "$S")" "660 $G" "the socket is 0660, group $G"
	is "$(stat -c '%a %G' "$H")" "710 $G" "its directory is 0710, group $G"
	"$O" --no-start target add t0 --host h0 >/dev/null 2>&1

	out=$(as_nobody nogroup target list 2>&1); rc=$?
	ok $((rc == 0)) "nobody outside the group cannot connect (exit $rc)"
	like "$out" "opsicled.sock.*ermission denied" "with a permission error naming the socket"
	out=$(as_nobody "$G" target list 2>&1); rc=$?
	is "$rc" 1 "nobody in the group reaches the daemon, which refuses it (no role)"
	like "$out" "nobody\(65534\) is not authorised" "the refusal names the uid"

	printf 'socket-group = %s\nrole.viewer = @%s\n' "$G" "$G" >"$C"
	: >"$H/fg.log"
	kill -HUP "$pid"
	wait_for 30 grep -q 'SIGHUP: reloaded' "$H/fg.log"
	out=$(as_nobody "$G" target list 2>&1); rc=$?
	is "$rc" 0 "role.viewer = @$G: nobody may list targets"
	like "$out" "^t0 " "and sees them"
	out=$(as_nobody "$G" target add t1 --host h1 2>&1); rc=$?
	is "$rc" 1 "but a viewer may not add one"
	like "$out" "role operator; nobody\(65534\) has role viewer" \
	    "the refusal names the role needed and the one held"

	printf 'socket-group = %s\nrole.operator = nobody\nrole.viewer = @%s\n' \
	    "$G" "$G" >"$C"
	: >"$H/fg.log"
	kill -HUP "$pid"
	wait_for 30 grep -q 'SIGHUP: reloaded' "$H/fg.log"
	out=$(as_nobody "$G" target add t1 --host h1 2>&1); rc=$?
	is "$rc" 0 "role.operator = nobody (the first list naming it wins): target add"
	like "$("$O" --no-start audit list --json)" \
	    '"actor":"nobody\(65534\)","action":"target.add","object":"t1","result":"ok"' \
	    "audited under nobody's name"
	stop_fg

	: >"$C"
	start_fg; ok $? "restart without socket-group"
	is "$(stat -c %a "$S") $(stat -c %a "$H")" "600 700" \
	    "the socket is 0600 and the directory 0700 again"
	stop_fg
fi

# ---- idle connections -----------------------------------------------------
P="$OPS_BUILDDIR/tests/cli/sock-poke"
printf 'client-timeout = 1\n' >"$C"
start_fg -v; ok $? "opsicled with client-timeout = 1 serves"
"$O" --no-start events >"$H/events.out" 2>&1 &
evpid=$!
track_pid $evpid
wait_for 30 grep -q "<- .*: subscribe" "$H/fg.log"
"$P" "$S" idle >"$H/idle.out" 2>&1 &
track_pid $!
"$P" "$S" stall >"$H/stall.out" 2>&1 &
track_pid $!
alive; ok $? "other clients are served while two connections sit silent"
wait_for 60 grep -q closed "$H/idle.out"; ok $? "a connection that sends nothing is closed"
wait_for 60 grep -q closed "$H/stall.out"; ok $? "one stalled in the middle of a frame is closed"
like "$(cat "$H/fg.log")" "silent for 1 s in the middle of a message" "the log says why"
kill -0 "$evpid" 2>/dev/null; ok $? "a subscribed client (opsicle events) stays connected"
alive; ok $? "and the daemon still serves"
kill "$evpid" 2>/dev/null
stop_fg
: >"$C"

# ---- system-wide paths and the systemd unit --------------------------------
if [ -e /run/opsicle/opsicled.sock ]; then
	skip 2 "a system-wide opsicled runs on this host"
else
	out=$(env -u OPSICLE_HOME OPSICLE_SYSTEM=1 "$O" --no-start daemon status 2>&1); rc=$?
	is "$rc" 3 "OPSICLE_SYSTEM=1 with no system daemon: exit 3"
	like "$out" "/run/opsicle/opsicled.sock" "and the socket tried is /run/opsicle/opsicled.sock"
fi
U="$OPS_SRCDIR/share/opsicled.service.in"
like "$(grep '^ExecStart=\|^RuntimeDirectory=\|^StateDirectory=\|^LimitCORE=\|^NoNewPrivileges=' "$U" | tr '\n' ' ')" \
    'ExecStart=@bindir@/opsicled -f -S StateDirectory=opsicle RuntimeDirectory=opsicle LimitCORE=0 NoNewPrivileges=yes' \
    "the unit runs opsicled -f -S with its state, runtime and hardening lines"
if command -v systemd-analyze >/dev/null 2>&1; then
	sed "s|@bindir@|$OPS_BUILDDIR/daemon|" "$U" >"$H/opsicled.service"
	run systemd-analyze verify --man=no "$H/opsicled.service"
	is "$rc" 0 "systemd-analyze verify accepts the unit"
else
	skip 1 "systemd-analyze not installed"
fi
tap_finish

#!/bin/sh
# tui.sh [N]  -- benchmark (not a test): the console's keypress-to-redraw
# latency (j, k, PgDn, PgUp, filter typing) and idle CPU with N targets
# (default 10000) in a fresh store, through tests/bench/bench-tui, which
# drives "opsicle tui" under a pty. Targets come from a generated
# ssh_config through "opsicle target import".
#
# Environment: OPS_BUILDDIR (default .), KEYS (keypresses per scenario,
#   default 200), IDLE (seconds of idle measured, default 10), COLS, ROWS
#   (default 120x40), SCENARIOS (default all).
# With STREAM=M, M more targets (aliases of one loopback sshd started with
# tests/lib/sshd.sh) run a job printing a line every 0.2 s for 300 s
# while the keys are measured again on the Targets screen and on the Job
# screen (j/k pick a target, PgUp/PgDn scroll its streaming output).
# Build first: make bench.
set -u
N=${1:-10000}
BUILD=${OPS_BUILDDIR:-$(pwd)}
SRC=${OPS_SRCDIR:-$(cd "$(dirname "$0")/../.." && pwd)}
O=$BUILD/tui/opsicle
DRIVER=$BUILD/tests/bench/bench-tui
[ -x "$DRIVER" ] || { echo "tui.sh: build $DRIVER first (make bench)" >&2; exit 1; }
OPSICLE_HOME=$(mktemp -d "${TMPDIR:-/tmp}/opsicle-bench-tui.XXXXXX")
OPSICLE_DAEMON=$BUILD/daemon/opsicled
export OPSICLE_HOME OPSICLE_DAEMON
PIDS=""
track_pid() { PIDS="$PIDS $1"; }
cleanup() {
	"$O" --no-start daemon stop >/dev/null 2>&1
	for p in $PIDS; do kill "$p" 2>/dev/null; done
	rm -rf "$OPSICLE_HOME"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

i=1
while [ $i -le "$N" ]; do
	printf 'Host t%05d\n  HostName 10.%d.%d.%d\n  User deploy\n\n' $i \
	    $((i / 65536)) $((i / 256 % 256)) $((i % 256))
	i=$((i + 1))
done >"$OPSICLE_HOME/ssh_config"
"$O" target import --ssh-config "$OPSICLE_HOME/ssh_config" >/dev/null ||
	{ echo "tui.sh: import failed" >&2; exit 1; }
echo "# $N targets; load: $(cut -d' ' -f1-3 /proc/loadavg); $(nproc) cpus"
DRV="$DRIVER -k ${KEYS:-200} -i ${IDLE:-10} -x ${COLS:-120} -y ${ROWS:-40}"
if [ -n "${STREAM:-}" ]; then
	. "$SRC/tests/lib/sshd.sh" || exit 1
	sshd_start s1 127.0.0.1 >/dev/null || { echo "tui.sh: no sshd" >&2; exit 1; }
	"$O" cred add key1 --ssh-key "$SSHD_BASE/id_ed25519" \
	    --user "$(sshd_user)" </dev/null >/dev/null || exit 1
	i=1
	while [ $i -le "$STREAM" ]; do
		"$O" target add "s$(printf %04d $i)" --host 127.0.0.1 \
		    --port "$SSHD_PORT" --cred key1 --tag stream >/dev/null ||
		    exit 1
		i=$((i + 1))
	done
	"$O" hostkey import "$SSHD_BASE/known_hosts" >/dev/null || exit 1
	T=$((N + STREAM))
	# perl, not a shell loop with sleep(1): 500 targets forking sleep five
	# times a second would load the box with fork/exec and measure that.
	"$O" run --forks "$STREAM" tag:stream -- 'perl -e '"'"'$|=1; for (1..1500) { print "line $_ of a streaming job\n"; select(undef, undef, undef, 0.2) }'"'"'' \
	    >/dev/null 2>&1 &
	track_pid $!
	# Measure the steady stream, not the 500 handshakes: wait until every
	# target has sent output.
	w=0
	while [ $w -lt 120 ]; do
		n=$("$O" job show 1 --json 2>/dev/null |
		    grep -o '"stdout_bytes":[1-9]' | wc -l)
		[ "$n" -ge "$STREAM" ] && break
		sleep 1
		w=$((w + 1))
	done
	echo "# + $n of $STREAM targets streaming a line every 0.2 s each (after ${w} s); load: $(cut -d' ' -f1-3 /proc/loadavg)"
	echo "# Targets screen"
	$DRV -s "${SCENARIOS:-all}" -r "of $T targets" -- "$O" tui
	echo "# Job screen (j/k: another target's output; pgdn/pgup: scroll it)"
	$DRV -i 0 -s scroll-j,scroll-k,pgup,pgdn -p 3 -r "of $T targets" -- "$O" tui
	exit 0
fi

"$DRIVER" -k "${KEYS:-200}" -i "${IDLE:-10}" -x "${COLS:-120}" \
    -y "${ROWS:-40}" -s "${SCENARIOS:-all}" -r "of $N targets" -- "$O" tui

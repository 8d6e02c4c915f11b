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
cleanup() {
	"$O" --no-start daemon stop >/dev/null 2>&1
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

"$DRIVER" -k "${KEYS:-200}" -i "${IDLE:-10}" -x "${COLS:-120}" \
    -y "${ROWS:-40}" -s "${SCENARIOS:-all}" -r "of $N targets" -- "$O" tui

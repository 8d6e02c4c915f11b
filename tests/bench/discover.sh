#!/bin/sh
# discover.sh [N]  -- benchmark (not a test): `opsicle discover` over
# 127.0.0.0/24 with N (20) real sshds on 127.0.0.10.. (each on its own
# random port; every address is probed on all N ports), against
# `nmap -n -Pn -sT -p PORTS --open` over the same range and ports. Prints
# wall time, probes per second and the servers each found. nmap is
# skipped (said so, exit 0) when it is not installed.
#
# Environment: OPS_BUILDDIR (default .), RATE (probes/s for opsicle,
#   default 100000), TIMEOUT (ms, default 1000). Build first: make.
set -u
N=${1:-20}
BUILD=${OPS_BUILDDIR:-$(pwd)}
H=$(cd "$(dirname "$0")/../.." && pwd)
O=$BUILD/tui/opsicle
RATE=${RATE:-100000}
TIMEOUT=${TIMEOUT:-1000}
[ -x "$O" ] || { echo "discover: build $O first (make)" >&2; exit 1; }

OPSICLE_HOME=$(mktemp -d /tmp/ops-discover-bench.XXXXXX)
OPSICLE_DAEMON=$BUILD/daemon/opsicled
export OPSICLE_HOME OPSICLE_DAEMON
_ops_pids=
track_pid() { _ops_pids="$_ops_pids $1"; }
skip_all() { echo "discover: skipped: $*"; exit 0; }
cleanup() {
	"$O" daemon stop >/dev/null 2>&1
	for p in $_ops_pids; do kill "$p" 2>/dev/null; done
	rm -rf "$OPSICLE_HOME"
}
trap cleanup EXIT
. "$H/tests/lib/sshd.sh"
sshd_require

PORTS= ; i=0
while [ $i -lt "$N" ]; do
	sshd_start "s$i" "127.0.0.$((10 + i))" >/dev/null ||
		skip_all "could not start sshd $i"
	PORTS="$PORTS${PORTS:+,}$SSHD_PORT"
	i=$((i + 1))
done
PROBES=$((256 * N))
OPTS=$(printf '%s' "$PORTS" | tr ',' '\n' | sed 's/^/--port /' | tr '\n' ' ')
now() { date +%s.%N; }
rate() { awk -v p="$PROBES" -v a="$1" -v b="$2" \
    'BEGIN { printf "%8.2f s %10.0f probes/s", b - a, p / (b - a) }'; }

"$O" daemon status >/dev/null 2>&1 || true
t0=$(now)
# shellcheck disable=SC2086
found=$("$O" discover 127.0.0.0/24 $OPTS --rate "$RATE" --timeout "$TIMEOUT" |
    grep -c ' port [0-9]*: ')
t1=$(now)
printf 'opsicle discover: %s, %d SSH servers (banner + host key)\n' \
    "$(rate "$t0" "$t1")" "$found"

if command -v nmap >/dev/null; then
	t0=$(now)
	nfound=$(nmap -n -Pn -sT -T5 -p "$PORTS" --open -oG - 127.0.0.0/24 \
	    2>/dev/null | grep -o '[0-9]*/open' | wc -l)
	t1=$(now)
	printf 'nmap -sT --open:   %s, %d open ports (TCP connect only)\n' \
	    "$(rate "$t0" "$t1")" "$nfound"
else
	echo "nmap: skipped (not installed)"
fi

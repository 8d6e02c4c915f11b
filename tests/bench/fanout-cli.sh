#!/bin/bash
# fanout-cli.sh [N ...]  -- benchmark (not a test): the user-visible path,
# `opsicle run all -- true` through the CLI and the daemon, on N loopback
# targets, cold (a freshly started daemon: no pooled sessions) and warm
# (the daemon's pooled sessions), and in the same run the peer tools
# (pdsh, clush, parallel-ssh, xargs+ssh, ansible) through peers.sh next
# to this script, every peer's ssh pinned to KEX curve25519-sha256; a
# peer that is not installed is skipped.
#
# Client CPU for opsicle is the CLI's own user+system time plus the growth
# of the daemon's (it runs the SSH sessions), read from /proc/PID/stat.
# sshd_cpu is the server's CPU per run (bench-lib.sh's sshd, its
# per-connection processes and the shells they start): on one box the
# client and the server share the cores, so the warm wall time cannot drop
# below sshd_cpu / cores, whatever the client does.
#
# Environment: OPS_BUILDDIR (where opsicle and opsicled were built; default
#   .), BENCH_HARNESS (the peer harness; default this script's
#   directory), SSHD_DIR (default
#   /tmp/ops-fanout-cli-sshd), RUNS (3), FORKS (64), TOOLS (peers; default
#   xargs-ssh pdsh-f64 pssh-p64 clush-f64 ansible-raw), NOPEERS=1 to skip
#   the peers. Build first: make.
set -u
NS=${*:-200 500}
BUILD=${OPS_BUILDDIR:-$(pwd)}
H=${BENCH_HARNESS:-$(cd "$(dirname "$0")" && pwd)}
D=${SSHD_DIR:-/tmp/ops-fanout-cli-sshd}
RUNS=${RUNS:-3}
FORKS=${FORKS:-64}
KEX=curve25519-sha256
TOOLS=${TOOLS:-"xargs-ssh pdsh-f64 pssh-p64 clush-f64 ansible-raw"}
OPSICLE=$BUILD/tui/opsicle
HZ=$(getconf CLK_TCK)

[ -x "$OPSICLE" ] || { echo "fanout-cli: build $OPSICLE first (make)" >&2; exit 1; }
[ -x "$BUILD/daemon/opsicled" ] || { echo "fanout-cli: build opsicled first" >&2; exit 1; }
[ -r "$H/bench-lib.sh" ] || { echo "fanout-cli: harness $H not found" >&2; exit 1; }
. "$H/bench-lib.sh"
export PATH="$BUILD/daemon:$PATH"	# the CLI autostarts opsicled from here

OPSICLE_HOME=$(mktemp -d /tmp/ops-fanout-cli.XXXXXX)
export OPSICLE_HOME
bench_sshd_up "$D" >&2 || { rm -rf "$OPSICLE_HOME"; exit 1; }
PORT=$BENCH_PORT
cleanup() {
	"$OPSICLE" daemon stop >/dev/null 2>&1
	bench_sshd_down "$D"
	rm -rf "$OPSICLE_HOME"
}
trap cleanup EXIT
bench_nofile

. "$H/bench-ops.sh"

# timed_run: one `opsicle run all -- true`; prints "wall cpu ok sshd"
timed_run() {
	local out
	out=$(mktemp)
	ops_timed "$out" "$OPSICLE" run --forks "$FORKS" all -- true
	rm -f "$out"
}

for N in $NS; do
	out=$(mktemp)
	echo "# fanout-cli N=$N RUNS=$RUNS FORKS=$FORKS KEX=$KEX ($(date -u +%FT%TZ), $(nproc) cpus)"
	printf '%-26s %5s %9s %9s %9s %9s %10s %10s\n' tool N wall_med wall_min wall_max ok/run client_cpu sshd_cpu
	ops_setup "$N" || { echo "fanout-cli: setup failed for N=$N" >&2; exit 1; }
	cold=$(mktemp); warm=$(mktemp)
	for r in $(seq 1 "$RUNS"); do
		ops daemon stop >/dev/null 2>&1
		ops daemon status >/dev/null || exit 1	# autostart, untimed
		timed_run >>"$cold"
		timed_run >>"$warm"
	done
	ops_summarise opsicle-cli-cold "$cold" | tee "$out"
	ops_summarise opsicle-cli-warm "$warm" | tee -a "$out"
	rm -f "$cold" "$warm"
	if [ -z "${NOPEERS:-}" ]; then
		SSHD_DIR=$D KEX=$KEX RUNS=$RUNS WARMUP=1 TOOLS="$TOOLS" \
		    "$H/peers.sh" "$N" true | tee -a "$out"
	fi
	bench_ratios "$N" "$out"
	rm -f "$out"
done

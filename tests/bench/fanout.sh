#!/bin/bash
# fanout.sh [N ...]  -- benchmark (not a test): run `true` on N loopback
# targets with opsicle's engine (tests/bench/bench-fanout), cold and warm,
# and in the same run with the peer tools (pdsh, clush, parallel-ssh,
# xargs+ssh, ansible) through peers.sh next to this script, every peer's
# ssh pinned to KEX curve25519-sha256 (what libssh2 negotiates); a peer
# that is not installed is skipped. Prints wall time and client CPU per
# target, and the ratios to opsicle.
#
# Environment: OPS_BUILDDIR (where bench-fanout was built; default .),
#   BENCH_HARNESS (the peer harness; default this script's directory),
#   SSHD_DIR (default /tmp/ops-fanout-sshd), RUNS (3), WARMUP (1), PAR (64),
#   TOOLS (peers; default: xargs-ssh pdsh-f64 pssh-p64 clush-f64 ansible-raw),
#   NOPEERS=1 to skip the peers.
# Build first: make tests/bench/bench-fanout (or make bench).
set -u
NS=${*:-200 500}
BUILD=${OPS_BUILDDIR:-$(pwd)}
H=${BENCH_HARNESS:-$(cd "$(dirname "$0")" && pwd)}
D=${SSHD_DIR:-/tmp/ops-fanout-sshd}
RUNS=${RUNS:-3}
WARMUP=${WARMUP:-1}
PAR=${PAR:-64}
KEX=curve25519-sha256
TOOLS=${TOOLS:-"xargs-ssh pdsh-f64 pssh-p64 clush-f64 ansible-raw"}
DRIVER=$BUILD/tests/bench/bench-fanout

[ -x "$DRIVER" ] || { echo "fanout: build $DRIVER first (make bench)" >&2; exit 1; }
[ -r "$H/bench-lib.sh" ] || { echo "fanout: harness $H not found" >&2; exit 1; }
. "$H/bench-lib.sh"
bench_sshd_up "$D" >&2 || exit 1
trap 'bench_sshd_down "$D"' EXIT
bench_nofile

peers_ok=1
[ -z "${NOPEERS:-}" ] || peers_ok=0

for N in $NS; do
	out=$(mktemp)
	echo "# fanout N=$N RUNS=$RUNS PAR=$PAR KEX=$KEX ($(date -u +%FT%TZ), $(nproc) cpus)"
	printf '%-26s %5s %9s %9s %9s %9s %10s\n' tool N wall_med wall_min wall_max ok/run client_cpu
	"$DRIVER" "$N" 127.0.0.1 "$BENCH_PORT" "$BENCH_HOSTPUB" "$BENCH_KEY" \
	    "$BENCH_USER" "$RUNS" "$PAR" | tee "$out"
	if [ $peers_ok = 1 ]; then
		SSHD_DIR=$D KEX=$KEX RUNS=$RUNS WARMUP=$WARMUP TOOLS="$TOOLS" \
		    "$H/peers.sh" "$N" true | tee -a "$out"
	fi
	bench_ratios "$N" "$out"
	rm -f "$out"
done

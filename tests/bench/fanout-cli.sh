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

ops() { "$OPSICLE" "$@"; }

# daemon_ticks: utime+stime of the running daemon, in clock ticks
daemon_ticks() {
	local pid
	pid=$(ops daemon status --json 2>/dev/null | sed -n 's/.*"pid": *\([0-9]*\).*/\1/p')
	[ -n "$pid" ] && awk '{print $14 + $15}' "/proc/$pid/stat"
}

# sshd_ticks: CPU of the benchmark sshd and everything under it (its
# per-connection processes and the users' shells), in clock ticks: the
# server's share, which on one box bounds how fast any client can go.
sshd_ticks() {
	bench_tree_ticks "$BENCH_SSHD_PID"
}

# setup N: targets t1..tN on the benchmark sshd, one key credential, the
# sshd's host key imported from its known_hosts (strict checking).
setup() {
	local n=$1 i cfg=$OPSICLE_HOME/targets.conf
	ops daemon stop >/dev/null 2>&1
	rm -rf "${OPSICLE_HOME:?}"/*
	: >"$cfg"
	for i in $(seq 1 "$n"); do
		printf 'Host t%d\n  HostName 127.0.0.1\n  Port %d\n  User %s\n' \
		    "$i" "$PORT" "$BENCH_USER" >>"$cfg"
	done
	ops target import --ssh-config "$cfg" >/dev/null || return 1
	ops cred add key --ssh-key "$BENCH_KEY" </dev/null >/dev/null || return 1
	for i in $(seq 1 "$n"); do ops target edit "t$i" --cred key || return 1; done
	ops hostkey import "$BENCH_KNOWN_HOSTS" >/dev/null || return 1
}

# timed_run: one `opsicle run all -- true`; prints "wall cpu ok"
timed_run() {
	local t0 t1 d0 d1 c rc out
	out=$(mktemp)
	d0=$(daemon_ticks)
	s0=$(sshd_ticks)
	t0=$(date +%s.%N)
	# bash's times: children's user+sys after the run
	( "$OPSICLE" run --forks "$FORKS" all -- true >"$out" 2>&1; echo $? >"$out.rc"; times >"$out.times" )
	t1=$(date +%s.%N)
	d1=$(daemon_ticks)
	s1=$(sshd_ticks)
	rc=$(cat "$out.rc")
	c=$(awk 'NR == 2 { split($1, u, "m"); split($2, s, "m");
		sub("s", "", u[2]); sub("s", "", s[2]);
		print u[1] * 60 + u[2] + s[1] * 60 + s[2] }' "$out.times")
	if [ "$rc" = 0 ]; then ok=$N; else ok=$(grep -c ': ok' "$out" || true); fi
	awk -v a="$t0" -v b="$t1" -v c="$c" -v d="$((d1 - d0))" -v hz="$HZ" -v ok="$ok" \
	    -v s="$((s1 - s0))" \
	    'BEGIN { printf "%.3f %.3f %d %.3f\n", b - a, c + d / hz, ok, s / hz }'
	rm -f "$out" "$out.rc" "$out.times"
}

# summarise NAME FILE: one line in fanout.sh's format from "wall cpu ok" lines
summarise() {
	sort -n "$2" | awk -v name="$1" -v n="$N" '
	{ w[NR] = $1; c += $2; ok += $3; sv += $4 }
	END { printf "%-26s %5d %9.3f %9.3f %9.3f %9.1f %10.2f %10.2f\n", name, n,
	    w[int((NR + 1) / 2)], w[1], w[NR], ok / NR, c / NR, sv / NR }'
}

for N in $NS; do
	out=$(mktemp)
	echo "# fanout-cli N=$N RUNS=$RUNS FORKS=$FORKS KEX=$KEX ($(date -u +%FT%TZ), $(nproc) cpus)"
	printf '%-26s %5s %9s %9s %9s %9s %10s %10s\n' tool N wall_med wall_min wall_max ok/run client_cpu sshd_cpu
	setup "$N" || { echo "fanout-cli: setup failed for N=$N" >&2; exit 1; }
	cold=$(mktemp); warm=$(mktemp)
	for r in $(seq 1 "$RUNS"); do
		ops daemon stop >/dev/null 2>&1
		ops daemon status >/dev/null || exit 1	# autostart, untimed
		timed_run >>"$cold"
		timed_run >>"$warm"
	done
	summarise opsicle-cli-cold "$cold" | tee "$out"
	summarise opsicle-cli-warm "$warm" | tee -a "$out"
	rm -f "$cold" "$warm"
	if [ -z "${NOPEERS:-}" ]; then
		SSHD_DIR=$D KEX=$KEX RUNS=$RUNS WARMUP=1 TOOLS="$TOOLS" \
		    "$H/peers.sh" "$N" true | tee -a "$out"
	fi
	bench_ratios "$N" "$out"
	rm -f "$out"
done

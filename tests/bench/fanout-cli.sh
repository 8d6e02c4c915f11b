#!/bin/bash
# fanout-cli.sh [N ...]  -- benchmark (not a test): the user-visible path,
# `opsicle run all -- true` through the CLI and the daemon, on N loopback
# targets, cold (a freshly started daemon: no pooled sessions) and warm
# (the daemon's pooled sessions), and in the same run the peer tools
# (pdsh, clush, parallel-ssh, xargs+ssh, ansible) through the shared
# harness's peers.sh, every peer's ssh pinned to KEX curve25519-sha256.
#
# Client CPU for opsicle is the CLI's own user+system time plus the growth
# of the daemon's (it runs the SSH sessions), read from /proc/PID/stat.
# sshd_cpu is the server's CPU per run (the harness's sshd, its
# per-connection processes and the shells they start): on one box the
# client and the server share the cores, so the warm wall time cannot drop
# below sshd_cpu / cores, whatever the client does.
#
# Environment: OPS_BUILDDIR (where opsicle and opsicled were built; default
#   .), BENCH_HARNESS (default /work/shared/bench), SSHD_DIR (default
#   /tmp/ops-fanout-cli-sshd), RUNS (3), FORKS (64), TOOLS (peers; default
#   xargs-ssh pdsh-f64 pssh-p64 clush-f64 ansible-raw), NOPEERS=1 to skip
#   the peers. Build first: make.
set -u
NS=${*:-200 500}
BUILD=${OPS_BUILDDIR:-$(pwd)}
H=${BENCH_HARNESS:-/work/shared/bench}
D=${SSHD_DIR:-/tmp/ops-fanout-cli-sshd}
RUNS=${RUNS:-3}
FORKS=${FORKS:-64}
KEX=curve25519-sha256
TOOLS=${TOOLS:-"xargs-ssh pdsh-f64 pssh-p64 clush-f64 ansible-raw"}
OPSICLE=$BUILD/tui/opsicle
HZ=$(getconf CLK_TCK)

[ -x "$OPSICLE" ] || { echo "fanout-cli: build $OPSICLE first (make)" >&2; exit 1; }
[ -x "$BUILD/daemon/opsicled" ] || { echo "fanout-cli: build opsicled first" >&2; exit 1; }
[ -x "$H/sshd-up.sh" ] || { echo "fanout-cli: harness $H not found" >&2; exit 1; }
export PATH="$BUILD/daemon:$PATH"	# the CLI autostarts opsicled from here

if [ -z "${PORT:-}" ]; then
	while :; do
		PORT=$((20000 + RANDOM % 40000))
		ss -ltnH | awk '{print $4}' | grep -qx "127.0.0.1:$PORT" || break
	done
fi
export PORT
OPSICLE_HOME=$(mktemp -d /tmp/ops-fanout-cli.XXXXXX)
export OPSICLE_HOME
SSHD_LOGLEVEL=${SSHD_LOGLEVEL:-INFO} "$H/sshd-up.sh" "$D" >&2 || exit 1
cleanup() {
	"$OPSICLE" daemon stop >/dev/null 2>&1
	"$H/sshd-down.sh" "$D" >/dev/null 2>&1
	rm -rf "$OPSICLE_HOME"
}
trap cleanup EXIT

hard=$(ulimit -Hn)
if [ "$hard" = unlimited ] || [ "$hard" -ge 65536 ]; then ulimit -n 65536; else ulimit -n "$hard"; fi

ops() { "$OPSICLE" "$@"; }

# daemon_ticks: utime+stime of the running daemon, in clock ticks
daemon_ticks() {
	local pid
	pid=$(ops daemon status --json 2>/dev/null | sed -n 's/.*"pid": *\([0-9]*\).*/\1/p')
	[ -n "$pid" ] && awk '{print $14 + $15}' "/proc/$pid/stat"
}

# sshd_ticks: CPU of the harness's sshd and everything under it (its
# per-connection processes and the users' shells), in clock ticks: the
# server's share, which on one box bounds how fast any client can go.
sshd_ticks() {
	local root
	root=$(cat "$D/sshd.pid" 2>/dev/null) || { echo 0; return; }
	awk -v root="$root" '
	FNR == 1 {
		line = $0; sub(/^[0-9]+ \(.*\) /, "", line); split(line, f, " ")
		pid = FILENAME; sub("/proc/", "", pid); sub("/stat", "", pid)
		parent[pid] = f[2]; t[pid] = f[12] + f[13] + f[14] + f[15]
	}
	END {
		for (p in t) {
			q = p
			while (q != "" && q != root && q != 0 && q != 1) q = parent[q]
			if (q == root) s += t[p]
		}
		print s + 0
	}' /proc/[0-9]*/stat 2>/dev/null
}

# setup N: targets t1..tN on the harness's sshd, one key credential, the
# sshd's host key imported from its known_hosts (strict checking).
setup() {
	local n=$1 i cfg=$OPSICLE_HOME/targets.conf
	ops daemon stop >/dev/null 2>&1
	rm -rf "${OPSICLE_HOME:?}"/*
	: >"$cfg"
	for i in $(seq 1 "$n"); do
		printf 'Host t%d\n  HostName 127.0.0.1\n  Port %d\n  User root\n' "$i" "$PORT" >>"$cfg"
	done
	ops target import --ssh-config "$cfg" >/dev/null || return 1
	ops cred add key --ssh-key "$D/id_ed25519" </dev/null >/dev/null || return 1
	for i in $(seq 1 "$n"); do ops target edit "t$i" --cred key || return 1; done
	ops hostkey import "$D/known_hosts" >/dev/null || return 1
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
		SSHD_DIR=$D KEX=$KEX RUNS=$RUNS WARMUP=1 TOOLS="$TOOLS" WORK=/tmp/ops-fanout-work \
		    "$H/peers.sh" "$N" true | tee -a "$out"
	fi
	awk -v n="$N" -v ncpu="$(nproc)" '
	$1 == "opsicle-cli-cold" { cw = $3; cc = $7; cs = $8 }
	$1 == "opsicle-cli-warm" { ww = $3; wc = $7; ws = $8 }
	$1 !~ /^(#|tool|opsicle)/ && NF >= 7 && $3 + 0 > 0 {
		if (pw == "" || $3 + 0 < pw) { pw = $3 + 0; pwt = $1 }
		if (pc == "" || $7 + 0 < pc) { pc = $7 + 0; pct = $1 }
	}
	END {
		printf "# opsicle cli cold: wall %.3f s, client CPU %.2f ms/target\n", cw, cc * 1000 / n
		printf "# opsicle cli warm: wall %.3f s, client CPU %.2f ms/target\n", ww, wc * 1000 / n
		printf "# sshd (server) CPU per target: cold %.2f ms, warm %.2f ms; on %d cpus the warm wall cannot drop below %.3f s\n", cs * 1000 / n, ws * 1000 / n, ncpu, ws / ncpu
		if (pw != "") {
			printf "# fastest peer wall: %s %.3f s -> cold %.2fx, warm %.1fx faster\n", pwt, pw, pw / cw, pw / ww
			printf "# least peer CPU: %s %.2f ms/target -> opsicle cold uses 1/%.1f\n", pct, pc * 1000 / n, pc / cc
		}
	}' "$out"
	rm -f "$out"
done

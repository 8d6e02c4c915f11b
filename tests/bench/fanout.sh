#!/bin/bash
# fanout.sh [N ...]  -- benchmark (not a test): run `true` on N loopback
# targets with opsicle's engine (tests/bench/bench-fanout), cold and warm,
# and in the same run with the peer tools (pdsh, clush, parallel-ssh,
# xargs+ssh, ansible) through the shared harness's peers.sh, every peer's
# ssh pinned to KEX curve25519-sha256 (what libssh2 negotiates). Prints
# wall time and client CPU per target, and the ratios to opsicle.
#
# Environment: OPS_BUILDDIR (where bench-fanout was built; default .),
#   BENCH_HARNESS (default /work/shared/bench), SSHD_DIR (default
#   /tmp/ops-fanout-sshd), RUNS (3), WARMUP (1), PAR (64),
#   TOOLS (peers; default: xargs-ssh pdsh-f64 pssh-p64 clush-f64 ansible-raw),
#   NOPEERS=1 to skip the peers.
# Build first: make tests/bench/bench-fanout (or make bench).
set -u
NS=${*:-200 500}
BUILD=${OPS_BUILDDIR:-$(pwd)}
H=${BENCH_HARNESS:-/work/shared/bench}
D=${SSHD_DIR:-/tmp/ops-fanout-sshd}
RUNS=${RUNS:-3}
WARMUP=${WARMUP:-1}
PAR=${PAR:-64}
KEX=curve25519-sha256
TOOLS=${TOOLS:-"xargs-ssh pdsh-f64 pssh-p64 clush-f64 ansible-raw"}
DRIVER=$BUILD/tests/bench/bench-fanout

[ -x "$DRIVER" ] || { echo "fanout: build $DRIVER first (make bench)" >&2; exit 1; }
[ -x "$H/sshd-up.sh" ] || { echo "fanout: harness $H not found" >&2; exit 1; }

# a free port on 127.0.0.1
if [ -z "${PORT:-}" ]; then
	while :; do
		PORT=$((20000 + RANDOM % 40000))
		ss -ltnH | awk '{print $4}' | grep -qx "127.0.0.1:$PORT" || break
	done
fi
export PORT
SSHD_LOGLEVEL=${SSHD_LOGLEVEL:-INFO} "$H/sshd-up.sh" "$D" >&2 || exit 1
trap '"$H/sshd-down.sh" "$D" >/dev/null 2>&1' EXIT

hard=$(ulimit -Hn)
if [ "$hard" = unlimited ] || [ "$hard" -ge 65536 ]; then ulimit -n 65536; else ulimit -n "$hard"; fi

peers_ok=1
if [ -n "${NOPEERS:-}" ]; then
	peers_ok=0
else
	miss=
	for t in pdsh parallel-ssh clush ansible hyperfine; do
		command -v $t >/dev/null || miss="$miss $t"
	done
	if [ -n "$miss" ] && [ "$(id -u)" != 0 ]; then
		echo "fanout: peers missing ($miss) and not root to install them: skipping peers" >&2
		peers_ok=0
	fi	# as root, peers.sh installs what is missing
fi

for N in $NS; do
	out=$(mktemp)
	echo "# fanout N=$N RUNS=$RUNS PAR=$PAR KEX=$KEX ($(date -u +%FT%TZ), $(nproc) cpus)"
	printf '%-26s %5s %9s %9s %9s %9s %10s\n' tool N wall_med wall_min wall_max ok/run client_cpu
	"$DRIVER" "$N" 127.0.0.1 "$PORT" "$D/ssh_host_ed25519_key.pub" "$D/id_ed25519" root "$RUNS" "$PAR" | tee "$out"
	if [ $peers_ok = 1 ]; then
		SSHD_DIR=$D KEX=$KEX RUNS=$RUNS WARMUP=$WARMUP TOOLS="$TOOLS" WORK=/tmp/ops-fanout-work \
		    "$H/peers.sh" "$N" true | tee -a "$out"
	fi
	# ratios: fastest peer vs opsicle (wall, and client CPU per target)
	awk -v n="$N" '
	$1 == "opsicle-cold" { cw = $3; cc = $7 }
	$1 == "opsicle-warm" { ww = $3; wc = $7 }
	$1 !~ /^(#|tool|opsicle)/ && NF >= 7 && $3 + 0 > 0 {
		if (pw == "" || $3 + 0 < pw) { pw = $3 + 0; pwt = $1 }
		if (pc == "" || $7 + 0 < pc) { pc = $7 + 0; pct = $1 }
	}
	END {
		printf "# opsicle cold: wall %.3f s, client CPU %.2f ms/target\n", cw, cc * 1000 / n
		printf "# opsicle warm: wall %.3f s, client CPU %.2f ms/target\n", ww, wc * 1000 / n
		if (pw != "") {
			printf "# fastest peer wall: %s %.3f s -> cold %.2fx, warm %.1fx faster\n", pwt, pw, pw / cw, pw / ww
			printf "# least peer CPU: %s %.2f ms/target -> opsicle cold uses 1/%.1f\n", pct, pc * 1000 / n, pc / cc
		}
	}' "$out"
	rm -f "$out"
done

#!/bin/bash
# peers.sh N [CMD]: run CMD (default true) on t1..tN with each peer tool
# that is installed (xargs+ssh, pdsh, parallel-ssh, clush, ansible) and
# print one row per tool, in the columns fanout.sh and fanout-cli.sh use:
#     tool N wall_med wall_min wall_max ok/run client_cpu sshd_cpu notes
# Every target is an alias of the sshd sshd-up.sh started (bench-lib.sh),
# and every tool runs the same OpenSSH client with the same ssh_config:
# the same key, known_hosts and strict host key checking. A tool that is
# not installed is skipped with a "#" line; nothing is installed.
#
# The remote command is "{ CMD; } && echo __OK__", and the __OK__ lines
# are counted, so ok/run says how many targets really ran it. Wall time
# is per run (WARMUP untimed runs first); client_cpu is the user+system
# time of the tool and everything it waited for; sshd_cpu is the growth
# of the CPU of the sshd and all its descendants (the remote commands
# too), both in seconds per run.
#
#   peers.sh --list    which peers are installed (never fails)
#
# Environment: SSHD_DIR (sshd-up.sh's DIR; default /tmp/ops-bench-sshd),
#   WORK (scratch; default a fresh temporary directory), RUNS (5),
#   WARMUP (1), TOOLS (a subset of: xargs-ssh pdsh-f64 pdsh-f256 pssh-p64
#   clush-f64 ansible-raw ansible-shell ansible-shell-pipelining;
#   default all but the last), KEX (pin every client's KexAlgorithms,
#   e.g. curve25519-sha256, what libssh2 negotiates).
set -u
HERE=$(cd "$(dirname "$0")" && pwd)
. "$HERE/bench-lib.sh"
ALL="xargs-ssh pdsh-f64 pdsh-f256 pssh-p64 clush-f64 ansible-raw ansible-shell ansible-shell-pipelining"
TOOLS=${TOOLS:-"xargs-ssh pdsh-f64 pdsh-f256 pssh-p64 clush-f64 ansible-raw ansible-shell"}

# tool_bin TOOL: the program a peer needs
tool_bin() {
	case $1 in
	xargs-ssh)	echo ssh ;;
	pdsh-*)		echo pdsh ;;
	pssh-*)		echo parallel-ssh ;;
	clush-*)	echo clush ;;
	ansible-*)	echo ansible ;;
	*)		return 1 ;;
	esac
}

if [ "${1:-}" = --list ]; then
	for t in $ALL; do
		b=$(tool_bin "$t")
		if command -v "$b" >/dev/null; then
			echo "# peer $t: $(command -v "$b")"
		else
			echo "# peer $t: $b not installed, skipped"
		fi
	done
	exit 0
fi

N=${1:?usage: peers.sh N [CMD] | peers.sh --list}
CMD=${2:-true}
D=${SSHD_DIR:-/tmp/ops-bench-sshd}
RUNS=${RUNS:-5}
WARMUP=${WARMUP:-1}
KEX=${KEX:-}
bench_sshd_load "$D" || {
	echo "peers: no sshd running from $D; run sshd-up.sh $D first" >&2
	exit 1
}
if [ -n "${WORK:-}" ]; then
	W=$WORK
	mkdir -p "$W"
else
	W=$(mktemp -d "${TMPDIR:-/tmp}/ops-peers.XXXXXX")
	trap 'rm -rf "$W"' EXIT
fi
bench_nofile
HZ=$(getconf CLK_TCK)

CFG=$D/ssh_config
if [ -n "$KEX" ]; then
	CFG=$W/ssh_config
	sed "/^Host t\*/a\\	KexAlgorithms $KEX" "$D/ssh_config" >"$CFG"
fi
HOSTS=$W/hosts
seq -f 't%g' 1 "$N" >"$HOSTS"
REMOTE="{ $CMD; } && echo __OK__"

# ansible: a range inventory, a fixed interpreter (no discovery round
# trip per host) and no ControlMaster (ControlPersist would turn later
# runs into multiplexed ones).
mkdir -p "$W/ansible/tmp"
printf '[targets]\nt[1:%d]\n\n[all:vars]\nansible_python_interpreter=/usr/bin/python3\n' \
    "$N" >"$W/ansible/inventory"
cat >"$W/ansible/ansible.cfg" <<EOF
[defaults]
host_key_checking = True
forks = 64
local_tmp = $W/ansible/tmp
remote_tmp = $W/ansible/remote-tmp
retry_files_enabled = False
[ssh_connection]
ssh_args = -F $CFG -o ControlMaster=no
pipelining = False
EOF
export ANSIBLE_CONFIG=$W/ansible/ansible.cfg ANSIBLE_NOCOLOR=1
# pdsh's ssh module appends these to its own arguments
export PDSH_SSH_ARGS_APPEND="-F $CFG" PDSH_RCMD_TYPE=ssh

# run_tool TOOL: one run, output to stdout
run_tool() {
	INV=$W/ansible/inventory
	case $1 in
	xargs-ssh)	xargs -a "$HOSTS" -P 64 -I{} ssh -F "$CFG" {} "$REMOTE" ;;
	pdsh-f64)	pdsh -R ssh -f 64 -w "t[1-$N]" "$REMOTE" ;;
	pdsh-f256)	pdsh -R ssh -f 256 -w "t[1-$N]" "$REMOTE" ;;
	pssh-p64)	parallel-ssh -p 64 -t 0 -h "$HOSTS" -x "-F $CFG" -i "$REMOTE" ;;
	clush-f64)	clush --nostdin -f 64 -w "t[1-$N]" -o "-F $CFG" "$REMOTE" ;;
	ansible-raw)	ansible all -i "$INV" -f 64 -m raw -a "$REMOTE" ;;
	ansible-shell)	ansible all -i "$INV" -f 64 -m shell -a "$REMOTE" ;;
	ansible-shell-pipelining)
		ANSIBLE_PIPELINING=True ansible all -i "$INV" -f 64 -m shell -a "$REMOTE" ;;
	esac
}

# timed_run TOOL: "wall client_cpu ok sshd_cpu rc" for one run
timed_run() {
	local out=$W/run.out t0 t1 s0 s1 rc cpu
	s0=$(bench_tree_ticks "$BENCH_SSHD_PID")
	t0=$(date +%s.%N)
	# the subshell's "times": its children's user and system time
	( run_tool "$1" >"$out" 2>&1; echo $? >"$out.rc"; times >"$out.times" )
	t1=$(date +%s.%N)
	s1=$(bench_tree_ticks "$BENCH_SSHD_PID")
	rc=$(cat "$out.rc")
	cpu=$(awk 'NR == 2 { split($1, u, "m"); split($2, s, "m");
		sub("s", "", u[2]); sub("s", "", s[2]);
		print u[1] * 60 + u[2] + s[1] * 60 + s[2] }' "$out.times")
	awk -v a="$t0" -v b="$t1" -v c="$cpu" -v ok="$(grep -c __OK__ "$out")" \
	    -v s="$((s1 - s0))" -v hz="$HZ" -v rc="$rc" \
	    'BEGIN { printf "%.3f %.3f %d %.3f %d\n", b - a, c, ok, s / hz, rc }'
}

echo "# peers N=$N CMD='$CMD' RUNS=$RUNS WARMUP=$WARMUP KEX=${KEX:-default}" \
    "($(date -u +%FT%TZ), $(nproc) cpus)"
for t in $TOOLS; do
	b=$(tool_bin "$t") || { echo "# peer $t: unknown, skipped"; continue; }
	command -v "$b" >/dev/null ||
		{ echo "# peer $t: $b not installed, skipped"; continue; }
	for _ in $(seq 1 "$WARMUP"); do run_tool "$t" >/dev/null 2>&1; done
	: >"$W/rows"
	for _ in $(seq 1 "$RUNS"); do timed_run "$t" >>"$W/rows"; done
	sort -n "$W/rows" | awk -v name="$t" -v n="$N" '
	{ w[NR] = $1; c += $2; ok += $3; sv += $4; if ($5 != 0) bad++ }
	END {
		notes = "ok"
		if (ok != n * NR) notes = sprintf("OK-lines %d/%d", ok, n * NR)
		if (bad) notes = notes sprintf("; %d runs exited non-zero", bad)
		printf "%-26s %5d %9.3f %9.3f %9.3f %9.1f %10.2f %10.2f %s\n",
		    name, n, w[int((NR + 1) / 2)], w[1], w[NR], ok / NR,
		    c / NR, sv / NR, notes
	}'
done

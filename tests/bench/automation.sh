#!/bin/bash
# automation.sh [N ...]  -- benchmark (not a test): a 3-step automation
# (a command, an upload of a 1 KiB file, a command) on N loopback targets
# with `opsicle automation run`, against the same three tasks as one
# ansible-playbook run (shell, copy, shell; strict host keys, KEX pinned,
# forks 64) and as three pdsh calls (pdsh, pdcp, pdsh), in one run; and a
# single `opsicle run` of the first command on the same targets, which
# the automation should cost at most 1.5x of (one handshake per target
# for all three steps). opsicle runs warm (pooled sessions), after one
# untimed run; every peer gets one untimed warm-up run too.
#
# Prints the table of fanout-cli.sh (wall, client CPU, sshd CPU) and the
# ratios. A peer that is not installed is skipped.
#
# Environment: OPS_BUILDDIR (default .), SSHD_DIR (default
#   /tmp/ops-automation-sshd), RUNS (3), FORKS (64). Build first: make.
set -u
NS=${*:-200 500}
BUILD=${OPS_BUILDDIR:-$(pwd)}
H=$(cd "$(dirname "$0")" && pwd)
D=${SSHD_DIR:-/tmp/ops-automation-sshd}
RUNS=${RUNS:-3}
FORKS=${FORKS:-64}
KEX=curve25519-sha256
OPSICLE=$BUILD/tui/opsicle

[ -x "$OPSICLE" ] || { echo "automation: build $OPSICLE first (make)" >&2; exit 1; }
. "$H/bench-lib.sh"
export PATH="$BUILD/daemon:$PATH"

OPSICLE_HOME=$(mktemp -d /tmp/ops-automation.XXXXXX)
export OPSICLE_HOME
W=$(mktemp -d /tmp/ops-automation-work.XXXXXX)
bench_sshd_up "$D" >&2 || { rm -rf "$OPSICLE_HOME" "$W"; exit 1; }
cleanup() {
	"$OPSICLE" daemon stop >/dev/null 2>&1
	bench_sshd_down "$D"
	rm -rf "$OPSICLE_HOME" "$W"
}
trap cleanup EXIT
bench_nofile
. "$H/bench-ops.sh"

# The three tasks; all targets are one sshd, so the upload goes to one
# path (every tool replaces it atomically or rewrites it whole).
head -c 1024 /dev/urandom >"$W/payload.bin"
REMOTE_FILE=$W/remote-payload.bin
CMD1="uname -n"
CMD2="cat $REMOTE_FILE >/dev/null"

cat >"$W/bench3.yml" <<YML
name: bench3
description: benchmark, three steps
steps:
  - name: first
    command: $CMD1
  - name: upload
    upload: {src: payload.bin, dest: $REMOTE_FILE, mode: "0644"}
  - name: third
    command: $CMD2
rollout: {forks: $FORKS}
YML

# ansible-playbook: the same inventory and ssh settings as peers.sh
CFG=$W/ssh_config
sed "/^Host t\*/a\\	KexAlgorithms $KEX" "$D/ssh_config" >"$CFG"
mkdir -p "$W/ansible/tmp"
cat >"$W/ansible/ansible.cfg" <<CFGEOF
[defaults]
host_key_checking = True
forks = $FORKS
local_tmp = $W/ansible/tmp
remote_tmp = $W/ansible/remote-tmp
retry_files_enabled = False
gathering = explicit
[ssh_connection]
ssh_args = -F $CFG -o ControlMaster=no
pipelining = False
CFGEOF
cat >"$W/ansible/play.yml" <<PLAY
- hosts: targets
  gather_facts: false
  tasks:
    - shell: $CMD1
    - copy: {src: $W/payload.bin, dest: $REMOTE_FILE, mode: "0644"}
    - shell: $CMD2
PLAY
export ANSIBLE_CONFIG=$W/ansible/ansible.cfg ANSIBLE_NOCOLOR=1
export PDSH_SSH_ARGS_APPEND="-F $CFG" PDSH_RCMD_TYPE=ssh

run_ansible() { ansible-playbook -i "$W/ansible/inventory" "$W/ansible/play.yml"; }
run_pdsh3() {
	pdsh -R ssh -f "$FORKS" -w "t[1-$N]" "$CMD1" &&
	pdcp -R ssh -f "$FORKS" -w "t[1-$N]" "$W/payload.bin" "$REMOTE_FILE" &&
	pdsh -R ssh -f "$FORKS" -w "t[1-$N]" "$CMD2"
}

# peer NAME FUNC: RUNS timed runs of FUNC after one warm-up, one row
peer() {
	local rows=$W/rows.$1 out=$W/out.$1 i
	: >"$rows"
	"$2" >/dev/null 2>&1
	for i in $(seq 1 "$RUNS"); do
		s0=$(bench_tree_ticks "$BENCH_SSHD_PID"); t0=$(date +%s.%N)
		( "$2" >"$out" 2>&1; echo $? >"$out.rc"; times >"$out.times" )
		t1=$(date +%s.%N); s1=$(bench_tree_ticks "$BENCH_SSHD_PID")
		ok=$N; [ "$(cat "$out.rc")" = 0 ] || ok=0
		awk -v a="$t0" -v b="$t1" -v c="$(ops_cpu_of "$out.times")" \
		    -v ok="$ok" -v s="$((s1 - s0))" -v hz="$HZ" \
		    'BEGIN { printf "%.3f %.3f %d %.3f\n", b - a, c, ok, s / hz }' >>"$rows"
	done
	ops_summarise "$1" "$rows"
}

for N in $NS; do
	res=$W/result
	echo "# automation N=$N RUNS=$RUNS FORKS=$FORKS KEX=$KEX ($(date -u +%FT%TZ), $(nproc) cpus)"
	printf '%-26s %5s %9s %9s %9s %9s %10s %10s\n' tool N wall_med wall_min wall_max ok/run client_cpu sshd_cpu
	ops_setup "$N" || { echo "automation: setup failed for N=$N" >&2; exit 1; }
	(cd "$W" && ops automation apply bench3.yml >/dev/null) ||
		{ echo "automation: apply failed" >&2; exit 1; }
	printf '[targets]\nt[1:%d]\n\n[all:vars]\nansible_python_interpreter=/usr/bin/python3\n' \
	    "$N" >"$W/ansible/inventory"
	one=$W/one; three=$W/three; : >"$one"; : >"$three"
	ops run --forks "$FORKS" all -- "$CMD1" >/dev/null 2>&1	# warm the pool
	for r in $(seq 1 "$RUNS"); do
		ops_timed "$W/o" "$OPSICLE" run --forks "$FORKS" all -- "$CMD1" >>"$one"
		ops_timed "$W/o" "$OPSICLE" automation run bench3 all >>"$three"
	done
	ops_summarise opsicle-run-1step "$one" | tee "$res"
	ops_summarise opsicle-automation-3step "$three" | tee -a "$res"
	command -v ansible-playbook >/dev/null && peer ansible-playbook-3task run_ansible | tee -a "$res"
	command -v pdsh >/dev/null && command -v pdcp >/dev/null &&
		peer pdsh-3calls run_pdsh3 | tee -a "$res"
	awk -v n="$N" '
	$1 == "opsicle-run-1step" { r1 = $3 }
	$1 == "opsicle-automation-3step" { a = $3; ac = $7 }
	$1 == "ansible-playbook-3task" { an = $3 }
	$1 == "pdsh-3calls" { pd = $3 }
	END {
		printf "# automation: wall %.3f s, client CPU %.2f ms/target; %.2fx a single run (goal <= 1.5x)\n", a, ac * 1000 / n, a / r1
		if (an) printf "# ansible-playbook: %.3f s -> opsicle %.1fx faster (goal >= 10x)\n", an, an / a
		if (pd) printf "# three pdsh calls: %.3f s -> opsicle %.1fx faster (goal >= 2x)\n", pd, pd / a
	}' "$res"
done

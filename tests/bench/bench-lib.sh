# bench-lib.sh: what the benchmark scripts share. Source it; it finds
# tests/lib/sshd.sh next to itself, so a clone is all it needs.
#
#   bench_sshd_up DIR     a throw-away sshd on 127.0.0.1 and a free port
#                         (tests/lib/sshd.sh), plus DIR/ssh_config
#                         ("Host t*" -> that sshd, strict host keys) for
#                         the OpenSSH-based peers. Sets BENCH_PORT,
#                         BENCH_USER, BENCH_KEY, BENCH_HOSTPUB (a file),
#                         BENCH_KNOWN_HOSTS, BENCH_SSHD_PID.
#   bench_sshd_load DIR   the same variables for an sshd already up
#   bench_sshd_down DIR   stop it (by its pid file only)
#   bench_tree_ticks PID  CPU ticks of PID and all its descendants
#   bench_nofile          raise ulimit -n (65536 or the hard limit)
#   bench_ratios N FILE   the "# ..." comparison lines for a result table
#
# The sshd is a background child of the shell that called bench_sshd_up:
# wait for your own pids ("wait $pid"), never a bare "wait". Only
# loopback is ever used; nothing is installed.
BENCH_LIB_DIR=$(cd "$(dirname "${BASH_SOURCE:-$0}")" && pwd)

bench_nofile() {
	_hard=$(ulimit -Hn)
	if [ "$_hard" = unlimited ] || [ "$_hard" -ge 65536 ]; then
		ulimit -n 65536
	else
		ulimit -n "$_hard"
	fi
}

bench_sshd_load() {
	[ -s "$1/sshd.pid" ] && [ -s "$1/port" ] || return 1
	BENCH_SSHD_PID=$(cat "$1/sshd.pid")
	kill -0 "$BENCH_SSHD_PID" 2>/dev/null || return 1
	BENCH_PORT=$(cat "$1/port")
	BENCH_USER=$(id -un)
	BENCH_KEY=$1/id_ed25519
	BENCH_HOSTPUB=$1/bench/host_ed25519.pub
	BENCH_KNOWN_HOSTS=$1/known_hosts
}

bench_sshd_up() {
	_d=$1
	if bench_sshd_load "$_d"; then
		echo "bench: an sshd from $_d is running already" \
		    "(pid $BENCH_SSHD_PID); stop it with sshd-down.sh" >&2
		return 1
	fi
	command -v ssh >/dev/null && command -v ssh-keygen >/dev/null &&
	    [ -x /usr/sbin/sshd ] || {
		echo "bench: OpenSSH (ssh, ssh-keygen, /usr/sbin/sshd) is" \
		    "not installed" >&2
		return 1
	}
	mkdir -p "$_d"
	rm -f "$_d/known_hosts"
	SSHD_BASE=$_d
	track_pid() { :; }	# the pid file is the record
	. "$BENCH_LIB_DIR/../lib/sshd.sh"
	# The sshd must not hold the caller's stdout (a pipe, in make).
	sshd_start bench 127.0.0.1 >>"$_d/up.log" 2>&1 </dev/null || {
		echo "bench: sshd did not start; see $_d/up.log" >&2
		return 1
	}
	echo "$SSHD_PID" >"$_d/sshd.pid"
	echo "$SSHD_PORT" >"$_d/port"
	cat >"$_d/ssh_config" <<EOS
# bench-lib.sh: use with ssh -F $_d/ssh_config t17 true
Host t*
	HostName 127.0.0.1
	Port $SSHD_PORT
	User $(id -un)
	IdentityFile $_d/id_ed25519
	IdentitiesOnly yes
	UserKnownHostsFile $_d/known_hosts
	GlobalKnownHostsFile /dev/null
	StrictHostKeyChecking yes
	BatchMode yes
	LogLevel ERROR
	ConnectTimeout 30
EOS
	bench_sshd_load "$_d" || return 1
	ssh -F "$_d/ssh_config" t1 true || {
		echo "bench: sshd is up but \"ssh t1 true\" failed; see" \
		    "$_d/bench/sshd.log" >&2
		bench_sshd_down "$_d"
		return 1
	}
}

bench_sshd_down() {
	_d=$1
	[ -s "$_d/sshd.pid" ] || return 0
	_p=$(cat "$_d/sshd.pid")
	# A stale pid file must not make us kill a stranger.
	if grep -q "$_d/bench/sshd_config" "/proc/$_p/cmdline" 2>/dev/null
	then
		SSHD_BASE=$_d
		track_pid() { :; }
		. "$BENCH_LIB_DIR/../lib/sshd.sh"
		echo "$_p" >"$_d/bench/pid"
		sshd_stop "$_d/bench"
	fi
	rm -f "$_d/sshd.pid" "$_d/port"
}

bench_tree_ticks() {
	# cat, not awk on the glob: a process that exits between the glob
	# and the read is skipped, where mawk would give up on all of them.
	cat /proc/[0-9]*/stat 2>/dev/null | awk -v root="$1" '
	{
		pid = $1; line = $0; sub(/^.*\) /, "", line); split(line, f, " ")
		parent[pid] = f[2]; t[pid] = f[12] + f[13] + f[14] + f[15]
	}
	END {
		for (p in t) {
			q = p
			while (q != "" && q != root && q != 0 && q != 1) q = parent[q]
			if (q == root) s += t[p]
		}
		print s + 0
	}'
}

# bench_ratios N FILE: opsicle's rows end in -cold and -warm; every
# other row that is not a comment is a peer.
bench_ratios() {
	awk -v n="$1" -v ncpu="$(nproc)" '
	$1 ~ /^opsicle.*-cold$/ { cn = $1; cw = $3; cc = $7; cs = $8 }
	$1 ~ /^opsicle.*-warm$/ { wn = $1; ww = $3; wc = $7; ws = $8 }
	$1 !~ /^(#|tool|opsicle)/ && NF >= 7 && $3 + 0 > 0 {
		if (pw == "" || $3 + 0 < pw) { pw = $3 + 0; pwt = $1 }
		if (pc == "" || $7 + 0 < pc) { pc = $7 + 0; pct = $1 }
	}
	END {
		if (cn == "") exit
		printf "# %s: wall %.3f s, client CPU %.2f ms/target\n", cn, cw, cc * 1000 / n
		printf "# %s: wall %.3f s, client CPU %.2f ms/target\n", wn, ww, wc * 1000 / n
		if (cs != "")
			printf "# sshd (server) CPU per target: cold %.2f ms, warm %.2f ms; on %d cpus the warm wall cannot drop below %.3f s\n", cs * 1000 / n, ws * 1000 / n, ncpu, ws / ncpu
		if (pw != "") {
			printf "# fastest peer wall: %s %.3f s -> cold %.2fx, warm %.1fx faster\n", pwt, pw, pw / cw, pw / ww
			printf "# least peer CPU: %s %.2f ms/target -> opsicle cold uses 1/%.1f\n", pct, pc * 1000 / n, pc / cc
		} else
			print "# no peer ran: nothing to compare with"
	}' "$2"
}

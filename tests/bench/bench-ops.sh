# bench-ops.sh: what the opsicle benchmarks (fanout-cli.sh, automation.sh)
# share on top of bench-lib.sh. Source it after bench-lib.sh and
# bench_sshd_up, with OPSICLE (the CLI) and OPSICLE_HOME set.
#
#   ops_setup N         targets t1..tN on the benchmark sshd, one key
#                       credential, its host key imported (strict)
#   ops_daemon_ticks    utime+stime of the running daemon, clock ticks
#   ops_timed OUT CMD...  run CMD; print "wall client_cpu ok sshd_cpu"
#                       (client CPU: CMD's user+system and the daemon's
#                       growth; ok: N on exit 0, else the ": ok" lines)
#   ops_summarise NAME FILE  one result row from ops_timed lines
HZ=${HZ:-$(getconf CLK_TCK)}

ops() { "$OPSICLE" "$@"; }

ops_daemon_ticks() {
	local pid
	pid=$(ops daemon status --json 2>/dev/null | sed -n 's/.*"pid": *\([0-9]*\).*/\1/p')
	if [ -n "$pid" ]; then awk '{print $14 + $15}' "/proc/$pid/stat"; else echo 0; fi
}

ops_setup() {
	local n=$1 i cfg=$OPSICLE_HOME/targets.conf
	ops daemon stop >/dev/null 2>&1
	rm -rf "${OPSICLE_HOME:?}"/*
	: >"$cfg"
	for i in $(seq 1 "$n"); do
		printf 'Host t%d\n  HostName 127.0.0.1\n  Port %d\n  User %s\n' \
		    "$i" "$BENCH_PORT" "$BENCH_USER" >>"$cfg"
	done
	ops target import --ssh-config "$cfg" >/dev/null || return 1
	ops cred add key --ssh-key "$BENCH_KEY" </dev/null >/dev/null || return 1
	ops target edit all --set-cred key >/dev/null || return 1
	ops hostkey import "$BENCH_KNOWN_HOSTS" >/dev/null || return 1
}

# ops_cpu_of TIMES: user+sys seconds of the children in a "times" file
ops_cpu_of() {
	awk 'NR == 2 { split($1, u, "m"); split($2, s, "m");
		sub("s", "", u[2]); sub("s", "", s[2]);
		print u[1] * 60 + u[2] + s[1] * 60 + s[2] }' "$1"
}

ops_timed() {
	local out=$1 t0 t1 d0 d1 s0 s1 rc c ok
	shift
	d0=$(ops_daemon_ticks)
	s0=$(bench_tree_ticks "$BENCH_SSHD_PID")
	t0=$(date +%s.%N)
	( "$@" >"$out" 2>&1; echo $? >"$out.rc"; times >"$out.times" )
	t1=$(date +%s.%N)
	d1=$(ops_daemon_ticks)
	s1=$(bench_tree_ticks "$BENCH_SSHD_PID")
	rc=$(cat "$out.rc")
	c=$(ops_cpu_of "$out.times")
	if [ "$rc" = 0 ]; then ok=$N; else ok=$(grep -c ': ok' "$out" || true); fi
	awk -v a="$t0" -v b="$t1" -v c="$c" -v d="$((d1 - d0))" -v hz="$HZ" \
	    -v ok="$ok" -v s="$((s1 - s0))" \
	    'BEGIN { printf "%.3f %.3f %d %.3f\n", b - a, c + d / hz, ok, s / hz }'
	rm -f "$out.rc" "$out.times"
}

ops_summarise() {
	sort -n "$2" | awk -v name="$1" -v n="$N" '
	{ w[NR] = $1; c += $2; ok += $3; sv += $4 }
	END { printf "%-26s %5d %9.3f %9.3f %9.3f %9.1f %10.2f %10.2f\n", name, n,
	    w[int((NR + 1) / 2)], w[1], w[NR], ok / NR, c / NR, sv / NR }'
}

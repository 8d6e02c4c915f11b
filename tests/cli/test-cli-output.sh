#!/bin/sh
# test-cli-output.sh: what "opsicle run" says and how it exits, end to end
# with a real daemon and two real sshd: the output cap said where it cuts
# (10 MB from a real sshd), in the summary and in job show, and raised per
# run with --output-cap; the summary on stderr, --quiet, --no-prefix and
# -S/--max-exit; job logs -f and job wait exiting as run does; --group
# blocks for targets that never ran and stderr headers when piped; and
# --connect-timeout against a silent TCP listener.
. "${OPS_SRCDIR:-$(dirname "$0")/../..}/tests/lib/tap.sh"
. "${OPS_SRCDIR:-$(dirname "$0")/../..}/tests/lib/common.sh"
. "$OPS_SRCDIR/tests/lib/sshd.sh"

O="$OPS_BUILDDIR/tui/opsicle"
OPSICLE_DAEMON="$OPS_BUILDDIR/daemon/opsicled"
export OPSICLE_DAEMON
[ -x "$SSHD" ] || skip_all "OpenSSH sshd not installed"
command -v ssh-keygen >/dev/null || skip_all "ssh-keygen not installed"
command -v ss >/dev/null || skip_all "ss (iproute2) not installed"
command -v python3 >/dev/null || skip_all "python3 not installed"

sshd_start s1 127.0.0.2 || skip_all "could not start sshd on 127.0.0.2"
P1=$SSHD_PORT
sshd_start s2 127.0.0.3 || skip_all "could not start sshd on 127.0.0.3"
P2=$SSHD_PORT
U=$(sshd_user)
B=$SSHD_BASE
H=$OPSICLE_HOME

newest_job() {
	"$O" job list --limit 1 --json | sed -n 's/^\[{"id":\([0-9]*\).*/\1/p'
}
# bg_job TARGET COMMAND: run it in the background; $bgjob gets its job
bg_job() {
	"$O" run "$1" -- "$2" >/dev/null 2>&1 &
	track_pid $!
	wait_for 30 sh -c "'$O' job list --limit 1 --json | grep -qF '$2'"
	bgjob=$(newest_job)
}
job_running() {
	"$O" job show "$1" --json 2>/dev/null |
	    grep -q '^{"id":[0-9]*,"state":"running".*"runs":\[{"target":"[^"]*","state":"running"'
}

# A TCP listener that never accepts and never speaks (the kernel still
# completes the TCP handshake): only the SSH handshake can time out.
python3 -c '
import socket, sys, time
s = socket.socket()
s.bind(("127.0.0.4", 0))
s.listen(8)
with open(sys.argv[1], "w") as f:
    f.write("%d\n" % s.getsockname()[1])
time.sleep(600)
' "$H/silent.port" &
track_pid $!
wait_for 10 test -s "$H/silent.port" || skip_all "no silent listener"
PS=$(cat "$H/silent.port")

plan_tests 66

"$O" cred add k --ssh-key "$B/id_ed25519" </dev/null
track_pid "$(cat "$OPSICLE_HOME/opsicled.lock")"
"$O" target add t1 --host 127.0.0.2 --port "$P1" --user "$U" --cred k
"$O" target add t2 --host 127.0.0.3 --port "$P2" --user "$U" --cred k
"$O" target add dead --host 127.0.0.2 --port 1 --user "$U" --cred k
run "$O" target add silent --host 127.0.0.4 --port "$PS" --user "$U" --cred k
is "$rc" 0 "targets: two sshd, a closed port and a silent listener"
run "$O" hostkey import "$B/known_hosts"
is "$rc" 0 "the sshd host keys imported"

# ---- item 2: the output cap, said where it cuts ---------------------------
BIG='yes 0123456789abcdefghijklmnopqrstuvwxyz | head -c 10485760'
yes 0123456789abcdefghijklmnopqrstuvwxyz | head -c 10485760 >"$H/want.txt"
"$O" run --no-prefix t1 -- "$BIG" >"$H/big.out" 2>"$H/big.err"; rc=$?
err=$(cat "$H/big.err")
is "$rc" 0 "10 MB of output past the 1 MiB cap: still exit 0"
like "$err" '^t1: \[stdout truncated here: the output cap is reached; the rest is neither shown nor kept\]$' \
    "stderr says where the cap cut the stream"
like "$err" '^t1: \[stdout truncated at 1 MiB: kept 1048576 of 10485760 bytes; raise the cap with run --output-cap SIZE or output-cap in opsicle.conf\]$' \
    "and the summary gives the remote bytes kept and sent and how to raise it"
is "$(wc -c <"$H/big.out" | tr -d ' ')" 1048577 \
    "stdout has the 1 MiB kept (the cut line ended by a newline)"
cmp -s -n 1048576 "$H/big.out" "$H/want.txt"; ok $? "byte for byte the remote's first 1 MiB"
job_big=$(newest_job)
run "$O" job show "$job_big"
like "$out" '^t1: \[stdout truncated at 1 MiB: kept 1048576 of 10485760 bytes' \
    "job show says the stream was cut, with the counts"
like "$out" '^limits +timeout none, connect-timeout the daemon.s, output-cap 1 MiB$' \
    "and the job's limits"
run "$O" job show "$job_big" --json
like "$out" '"output_cap":1048576,' "job show --json: the job's output_cap"
like "$out" '"stdout_bytes":10485760,.*"stdout_truncated":true,.*"stdout_kept":1048576' \
    "and the run's bytes sent and kept"
run "$O" job logs "$job_big" --target t1
like "$err" '^t1: \[stdout truncated here' "job logs says where the stored stream was cut"

"$O" run --no-prefix --output-cap 20m t1 -- "$BIG" >"$H/big2.out" 2>"$H/big2.err"; rc=$?
is "$rc" 0 "run --output-cap 20m"
cmp -s -n 10485760 "$H/big2.out" "$H/want.txt"; ok $? "all 10 MB came through, byte for byte"
unlike "$(cat "$H/big2.err")" "truncated" "and nothing says truncated"
job_big2=$(newest_job)
run "$O" job rerun "$job_big2" --json
job_re=$(printf '%s' "$out" | sed -n 's/^{"job":\([0-9]*\).*/\1/p')
run "$O" job wait "$job_re" --quiet
run "$O" job show "$job_re" --json
like "$out" '"output_cap":20971520,.*"stdout_kept":10485760' "job rerun keeps the job's output cap"

run "$O" run --output-cap 12q t1 -- true
is "$rc" 2 "--output-cap 12q is a usage error"
like "$err" 'output-cap needs a size from 1k to 1g.*"12q"' "naming the bad value"
run "$O" run --output-cap 100 t1 -- true
is "$rc" 2 "--output-cap below 1k is a usage error"
run "$O" run --output-cap 1g t1 -- true
is "$rc" 1 "--output-cap above the daemon's maximum is refused"
like "$err" 'output cap must be from 1024 to 67108864 bytes \(output-cap-max' \
    "with the daemon's bounds"
run "$O" run --output-cap 2k --quiet t1 -- "$BIG"
like "$err" "stdout truncated at 2 KiB: kept 2048 of 10485760" "--quiet still says a stream was cut"

# ---- item 8: summary on stderr, --quiet, --no-prefix, -S ------------------
run "$O" run t1 t2 -- 'echo out; exit 3'
is "$rc" 1 "a failing command exits 1"
is "$out" "$(printf 't1: out\nt2: out')" "stdout holds only the remote output"
like "$err" '^0 ok, 2 failed$' "the summary is on stderr"
like "$err" '^  t2: exit: .*status 3' "with each failed target"
job_fail=$(newest_job)
run "$O" run --quiet t1 t2 -- 'echo out; exit 3'
is "$rc" 1 "--quiet: still exit 1"
unlike "$err" "failed" "and no summary"
run "$O" run --no-prefix t1 -- 'echo hi; echo oops >&2'
is "$out" "hi" "--no-prefix: the bare remote line"
like "$err" '^oops$' "and bare stderr lines"
run "$O" run -S t1 t2 -- 'case "$SSH_CONNECTION" in *" 127.0.0.2 "*) exit 3 ;; *) exit 5 ;; esac'
is "$rc" 5 "-S: the largest remote exit status"
run "$O" run --max-exit t1 t2 -- true
is "$rc" 0 "--max-exit: 0 when all are ok"
run "$O" run -S t1 -- 'kill -TERM $$'
is "$rc" 143 "-S: 128 + the signal for a run killed by one"
run "$O" run -S t1 dead -- true
is "$rc" 255 "-S: 255 for a target that never ran"
run "$O" run --no-prefix --group all -- true
is "$rc" 2 "--no-prefix with --group is a usage error"

# ---- job logs -f and job wait exit as run does ------------------------
run "$O" job logs "$job_fail" -f
is "$rc" 1 "job logs -f of a failed job exits 1"
like "$out" "t1: out" "after replaying its output"
like "$err" '^0 ok, 2 failed$' "and prints the summary on stderr"
run "$O" job logs "$job_fail" -f -S
is "$rc" 3 "job logs -f -S exits with the remote status"
run "$O" job wait "$job_fail"
is "$rc" 1 "job wait on an ended failed job exits 1"
like "$err" '^  t1: exit: .*status 3' "with the summary"

bg_job t1 'sleep 2; exit 4'
run "$O" job wait "$bgjob" -S
is "$rc" 4 "job wait waits for a running job and exits with its status (-S)"
like "$err" '^0 ok, 1 failed$' "and says how it ended"

bg_job t2 'sleep 60'
job_long=$bgjob
wait_for 30 job_running "$job_long"
run "$O" job wait "$job_long" --timeout 1
is "$rc" 124 "job wait --timeout gives up with 124"
like "$err" "job $job_long has not ended after 1 s" "and says so"
run "$O" job cancel "$job_long"
run "$O" job wait "$job_long"
is "$rc" 1 "job wait on a cancelled job exits 1"
like "$err" '^  t2: cancelled: remote process group [0-9]+ terminated$' \
    "and names the cancelled target once, with what became of its remote processes"
run "$O" job wait "$job_long" --json
is "$rc" 1 "job wait --json on a cancelled job exits 1"
like "$out" "^\\{\"id\":$job_long,\"state\":\"cancelled\"" "and prints the job"
run "$O" job wait 0
is "$rc" 2 "job wait 0 is a usage error"
run "$O" job wait 999999
is "$rc" 1 "job wait on an unknown job is refused"

# ---- item 9: --group ---------------------------------------------------
"$O" run --group t1 t2 dead -- 'echo same; echo err-line >&2' \
    >"$H/g.out" 2>"$H/g.err"; rc=$?
gout=$(cat "$H/g.out"); gerr=$(cat "$H/g.err")
is "$rc" 1 "--group with an unreachable target exits 1"
like "$gout" '^t\[1-2\] \(2\)$' "the two that ran fold into one block"
like "$gout" '^dead \(1\)$' "the unreachable target has a block of its own"
like "$gout" '^\(error\) connection-refused: connect to dead .*Connection refused' \
    "showing its error, not an empty output"
is "$(printf '%s\n' "$gerr" | grep -B2 -m1 '^err-line$' | head -1)" "t[1-2] (2)" \
    "piped stderr lines come under their block's header"

# ---- item 10: --connect-timeout ----------------------------------------
"$O" run --connect-timeout 2 --timeout 3 silent -- true \
    >"$H/ct.out" 2>"$H/ct.err" &
ctpid=$!
track_pid $ctpid
wait_for 12 sh -c "! kill -0 $ctpid"; ok $? "a silent port fails well before the daemon's 15 s"
wait $ctpid; rc=$?
is "$rc" 1 "the run fails"
like "$(cat "$H/ct.err")" '^  silent: connect-timeout: connect to silent .*: no SSH handshake within 2000 ms' \
    "as connect-timeout, within the run's own connect timeout"
run "$O" job show "$(newest_job)" --json
like "$out" '"timeout":3,"forks":null,"output_cap":1048576,"connect_timeout":2,' \
    "job show --json: the job's timeouts"
run "$O" run --connect-timeout 0 silent -- true
is "$rc" 2 "--connect-timeout 0 is a usage error"
run "$O" run --connect-timeout 601 silent -- true
is "$rc" 2 "--connect-timeout above 600 is a usage error"
like "$err" "connect-timeout needs a number from 1 to 600" "naming the bounds"
run "$O" run --help
like "$out" '--connect-timeout SEC +a new session: TCP connect, SSH handshake and' \
    "run --help says what --connect-timeout covers"
like "$out" '--timeout SEC +the command: from the start of its channel to its exit' \
    "and what --timeout covers"

run "$O" daemon stop
is "$rc" 0 "daemon stop"
tap_finish

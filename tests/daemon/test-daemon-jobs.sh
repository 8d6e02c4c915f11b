#!/bin/sh
# test-daemon-jobs.sh: the job queue survives the daemon. SIGKILL in the
# middle of a job, restart (the next command autostarts opsicled): the
# runs in flight are interrupted, never left running, and the history is
# whole; a job still queued at the crash runs after the restart. SIGTERM
# lets a short job finish and interrupts a long one after the grace
# period. Real daemon, real sshd.
. "${OPS_SRCDIR:-$(dirname "$0")/../..}/tests/lib/tap.sh"
. "${OPS_SRCDIR:-$(dirname "$0")/../..}/tests/lib/common.sh"
. "$OPS_SRCDIR/tests/lib/sshd.sh"

O="$OPS_BUILDDIR/tui/opsicle"
OPSICLE_DAEMON="$OPS_BUILDDIR/daemon/opsicled"
export OPSICLE_DAEMON
[ -x "$SSHD" ] || skip_all "OpenSSH sshd not installed"
command -v ssh-keygen >/dev/null || skip_all "ssh-keygen not installed"
command -v ss >/dev/null || skip_all "ss (iproute2) not installed"

sshd_start s1 127.0.0.2 || skip_all "could not start sshd on 127.0.0.2"
P1=$SSHD_PORT
sshd_start s2 127.0.0.3 || skip_all "could not start sshd on 127.0.0.3"
P2=$SSHD_PORT
U=$(sshd_user)
B=$SSHD_BASE

job_json() { "$O" job show "$1" --json 2>/dev/null; }
job_state() {
	job_json "$1" | sed -n 's/^{"id":[0-9]*,"state":"\([a-z]*\)".*/\1/p'
}
job_is() { [ "$(job_state "$1")" = "$2" ]; }
job_running() {
	job_json "$1" | grep -q '^{"id":[0-9]*,"state":"running".*"runs":\[{"target":"[^"]*","state":"running"'
}
newest_job() {
	"$O" job list --limit 1 --json | sed -n 's/^\[{"id":\([0-9]*\).*/\1/p'
}
daemon_pid() { cat "$OPSICLE_HOME/opsicled.lock"; }
gone() { ! kill -0 "$1" 2>/dev/null; }

plan_tests 30

# One job max at once, so that a second job waits in the queue (a testing
# knob of opsicled, read when it starts).
OPSICLE_JOBS_MAX=1 "$O" cred add k --ssh-key "$B/id_ed25519" </dev/null
dpid=$(daemon_pid)
track_pid "$dpid"
"$O" target add t1 --host 127.0.0.2 --port "$P1" --user "$U" --cred k
"$O" target add t2 --host 127.0.0.3 --port "$P2" --user "$U" --cred k
run "$O" hostkey import "$B/known_hosts"
is "$rc" 0 "targets, a key credential and their host keys"

run "$O" run all -- echo before-crash
is "$rc" 0 "a first job runs"
job_before=$(newest_job)

# ---- SIGKILL mid-job, with a second job queued behind it -------------
# Its output is held back and stored within JOBS_FLUSH_MS (100 ms)
# even when no request asks for it: the file is watched, not the daemon.
"$O" run all -- 'sleep 3; echo started-output; sleep 30' \
    >"$OPSICLE_HOME/long.out" 2>&1 &
track_pid $!
wait_for 30 sh -c "'$O' job list --limit 1 --json | grep -q 'sleep 30'"
job_long=$(newest_job)
wait_for 30 job_running "$job_long"; ok $? "a sleep 30 job runs"
"$O" run t2 -- echo queued-ran >/dev/null 2>&1 &
track_pid $!
wait_for 30 sh -c "'$O' job list --limit 1 --json | grep -q queued-ran"
job_queued=$(newest_job)
is "$(job_state "$job_queued")" queued "a second job waits in the queue"

wait_for 30 sh -c "grep -q 't2: started-output' '$OPSICLE_HOME/long.out'"
ok $? "its first line reaches the attached client"
# The kill must come after the line is stored, not just streamed.
wait_for 30 sh -c "'$O' job logs '$job_long' 2>/dev/null | grep -q started-output"
ok $? "and is stored before the daemon is killed"
kill -9 "$dpid"
wait_for 10 gone "$dpid"; ok $? "opsicled is killed with SIGKILL mid-job"

# The next command starts a new daemon (without the knob).
run "$O" job show "$job_long" --json
is "$rc" 0 "the next command autostarts opsicled"
dpid=$(daemon_pid)
track_pid "$dpid"
like "$out" '^\{"id":[0-9]+,"state":"interrupted"' "the job in flight is interrupted"
unlike "$out" '"state":"(running|queued)"' "no run is left running or queued"
like "$out" '"runs":\[\{"target":"t1","state":"interrupted".*\{"target":"t2","state":"interrupted"' \
    "every run of it is interrupted"
run "$O" job logs "$job_long"
like "$out" "t2: started-output" "output printed before the SIGKILL was stored"
wait_for 60 job_is "$job_queued" done; ok $? "the queued job ran after the restart"
run "$O" job logs "$job_queued"
like "$out" "t2: queued-ran" "and its output is stored"
run "$O" job logs "$job_before"
like "$out" "t1: before-crash" "history before the crash is whole"
run "$O" job list --json
n=$(printf '%s' "$out" | grep -o '"id":' | wc -l)
is "$n" 3 "job list has all three jobs"
unlike "$out" '"state":"running"' "and none shows as running"

# ---- SIGTERM: a short job finishes --------------------------------------
"$O" run t1 -- 'sleep 2; echo finished' >"$OPSICLE_HOME/short.out" 2>&1 &
runpid=$!
track_pid $runpid
wait_for 30 sh -c "'$O' job list --limit 1 --json | grep -q finished"
job_short=$(newest_job)
wait_for 30 job_running "$job_short"
kill -TERM "$dpid"
wait "$runpid"; rrc=$?
is "$rrc" 0 "on SIGTERM the running job finishes and run exits 0"
like "$(cat "$OPSICLE_HOME/short.out")" "t1: finished" "with its output"
wait_for 30 gone "$dpid"; ok $? "then opsicled exits"
run "$O" job show "$job_short" --json
dpid=$(daemon_pid)
track_pid "$dpid"
like "$out" '^\{"id":[0-9]+,"state":"done"' "the job is recorded done"

# ---- SIGTERM: a long job is interrupted after the grace period ---------
"$O" run t2 -- sleep 60 >/dev/null 2>&1 &
track_pid $!
wait_for 30 sh -c "'$O' job list --limit 1 --json | grep -q 'sleep 60'"
job_grace=$(newest_job)
wait_for 30 job_running "$job_grace"; ok $? "a sleep 60 job runs"
kill -TERM "$dpid"
wait_for 60 gone "$dpid"; ok $? "after SIGTERM opsicled exits once the grace period is over"
run "$O" job show "$job_grace" --json
dpid=$(daemon_pid)
track_pid "$dpid"
like "$out" '^\{"id":[0-9]+,"state":"interrupted".*"state":"interrupted","exit":null' \
    "the long job and its run are interrupted"
like "$(cat "$OPSICLE_HOME"/logs/opsicled.log)" "grace period over: interrupting 1" \
    "the log says why"

# ---- daemon stop --grace ------------------------------------------------
run "$O" daemon stop --grace soon
is "$rc" 2 "daemon stop --grace with a non-number is a usage error"
"$O" run t2 -- sleep 60 >/dev/null 2>&1 &
track_pid $!
wait_for 30 sh -c "'$O' job list --limit 1 --json | grep -q 'sleep 60'"
job_grace=$(newest_job)
wait_for 30 job_running "$job_grace"; ok $? "another sleep 60 job runs"
run "$O" daemon stop --grace 1
wait_for 60 gone "$dpid"; ok $? "daemon stop --grace 1 exits without waiting for the job"
run "$O" job show "$job_grace" --json
dpid=$(daemon_pid)
track_pid "$dpid"
like "$out" '^\{"id":[0-9]+,"state":"interrupted"' "and the job is interrupted"

run "$O" daemon stop
is "$rc" 0 "daemon stop"
tap_finish

#!/bin/sh
# test-cli-kill.sh: a run that times out or is cancelled leaves no
# process on the target and no later part of its command line runs: the
# remote process group gets TERM, and KILL after the grace when it
# ignores TERM; the run's error says which. For a command, a --script
# (its temp file removed too), job cancel of a running job, and daemon
# stop with a running job (interrupted after the grace). Real daemon,
# real sshd; the remote processes are looked for with pgrep (the sshd
# runs as this user, on this host). Under sudo: test-cli-kill-become.sh.
. "${OPS_SRCDIR:-$(dirname "$0")/../..}/tests/lib/tap.sh"
. "${OPS_SRCDIR:-$(dirname "$0")/../..}/tests/lib/common.sh"
. "$OPS_SRCDIR/tests/lib/sshd.sh"

O="$OPS_BUILDDIR/tui/opsicle"
OPSICLE_DAEMON="$OPS_BUILDDIR/daemon/opsicled"
export OPSICLE_DAEMON
[ -x "$SSHD" ] || skip_all "OpenSSH sshd not installed"
command -v ssh-keygen >/dev/null || skip_all "ssh-keygen not installed"
command -v pgrep >/dev/null || skip_all "pgrep (procps) not installed"

sshd_start s1 127.0.0.2 || skip_all "could not start sshd on 127.0.0.2"
P1=$SSHD_PORT
U=$(sshd_user)
B=$SSHD_BASE
H=$OPSICLE_HOME

plan_tests 42

"$O" cred add k --ssh-key "$B/id_ed25519" </dev/null
track_pid "$(cat "$OPSICLE_HOME/opsicled.lock")"
"$O" target add t1 --host 127.0.0.2 --port "$P1" --user "$U" --cred k
run "$O" hostkey import "$B/known_hosts"
is "$rc" 0 "a target on a real sshd"

# gone PATTERN: no process whose command line matches (none of ours)
gone() { ! pgrep -f "$1" >/dev/null; }

# ---- the check sees a remote process while it runs (a control) -------------
"$O" run t1 -- 'sleep 4.4' >/dev/null 2>&1 &
track_pid $!
wait_for 10 pgrep -f 'sleep 4[.]4' >/dev/null; ok $? "pgrep sees a run's remote process while it runs"

# ---- TERM ends the group ---------------------------------------------------
run "$O" run --timeout 1 t1 -- "sleep 31.7; echo late > '$H/late1'"
is "$rc" 1 "a timed-out run exits 1"
like "$err" 't1: .*timed out after 1000 ms; remote process group [0-9]+ terminated' \
    "its error says the remote process group was terminated"
unlike "$err" 'channel closed' "and not that the channel was merely closed"
wait_for 5 gone 'sleep 31[.]7'; ok $? "no sleep of that run is left on the target"
sleep 1
test ! -e "$H/late1"; ok $? "and the rest of its command line never ran"

# ---- a command that ignores TERM is killed after the grace ----------------
run "$O" run --timeout 1 t1 -- "trap '' TERM; sleep 32.3; echo late > '$H/late2'"
is "$rc" 1 "a run that ignores TERM: exit 1"
like "$err" 'remote process group [0-9]+ killed after 2 s grace' \
    "its error says it was killed after the grace"
wait_for 5 gone 'sleep 32[.]3'; ok $? "nothing of it is left on the target"
test ! -e "$H/late2"; ok $? "and its later part never ran"

# ---- background children are in the group too ------------------------------
run "$O" run --timeout 1 t1 -- "sleep 33.1 & sleep 33.2; wait"
like "$err" 'remote process group [0-9]+ terminated' "a run with a background child"
wait_for 5 gone 'sleep 33[.][12]'; ok $? "the background child is gone as well"

# ---- the report is not output ------------------------------------------------
run "$O" run --quiet --no-prefix t1 -- 'printf "e1\n" >&2; printf "o1\n"'
is "$err" "e1" "stderr is the command's own, byte for byte (no group report)"

# ---- --script: the interpreter and its children, and the temp file ----------
# (each script says where it was uploaded: other tests upload too)
printf 'echo "at $0"\nsleep 34.4 &\nsleep 34.5\necho late > "%s/late3"\n' "$H" >"$H/s1.sh"
run "$O" run --timeout 1 --no-prefix --script "$H/s1.sh" t1
is "$rc" 1 "a timed-out --script run exits 1"
like "$err" 't1: .*timed out after 1000 ms; remote process group [0-9]+ terminated' \
    "its error says the script's process group was terminated"
wait_for 5 gone 'sleep 34[.][45]'; ok $? "no process of the script is left (its background child included)"
up=$(printf '%s\n' "$out" | sed -n 's/^at \(\/tmp\/\.opsicle-[0-9a-f]*\)$/\1/p')
like "$up" '^/tmp/\.opsicle-[0-9a-f]{32}$' "the script ran from its uploaded temp file"
test ! -e "$up"; ok $? "and that file is removed"
sleep 1
test ! -e "$H/late3"; ok $? "and the rest of the script never ran"

# job id of the newest job
last_job() { "$O" job list --limit 1 --json | sed -n 's/^\[{"id":\([0-9]*\).*/\1/p'; }
job_state() {
	"$O" job show "$1" --json 2>/dev/null |
	    sed -n 's/^{"id":[0-9]*,"state":"\([a-z]*\)".*/\1/p'
}

# ---- job cancel of a running command ---------------------------------------
# (s''leep: the CLI's own argv must not match the pattern)
"$O" run t1 -- "s''leep 35.1; echo late > '$H/late4'" >"$H/c1.out" 2>&1 &
cpid=$!
track_pid $cpid
wait_for 10 pgrep -f 'sleep 35[.]1' >/dev/null; ok $? "a running job's remote process is there"
jc=$(last_job)
run "$O" job cancel "$jc"
is "$rc" 0 "job cancel of the running job"
gone 'sleep 35[.]1'; ok $? "job cancel returns once the remote process is gone"
is "$(job_state "$jc")" cancelled "and with the job's record final"
wait "$cpid"; is $? 1 "the followed run ends with exit 1"
run "$O" job show "$jc" --json
like "$out" '"state":"cancelled"' "the run is recorded cancelled"
like "$out" '"state":"cancelled",[^}]*"error":"remote process group [0-9]+ terminated"' \
    "and says its remote process group was terminated"
sleep 1
test ! -e "$H/late4"; ok $? "the cancelled command line never went on"

# ---- job cancel of a running script ----------------------------------------
printf 'echo "at $0"\ntrap "" TERM\nsleep 36.6\necho late > "%s/late5"\n' "$H" >"$H/s2.sh"
"$O" run --no-prefix --script "$H/s2.sh" t1 >"$H/s2.out" 2>&1 &
track_pid $!
wait_for 10 pgrep -f 'sleep 36[.]6' >/dev/null; ok $? "a running script's process is there"
js=$(last_job)
run "$O" job cancel "$js"
wait_for 15 gone 'sleep 36[.]6'; ok $? "the cancelled script (it ignores TERM) is gone: killed"
wait_for 10 sh -c "\"$O\" job show $js --json | grep -q 'remote process group'"
run "$O" job show "$js" --json
like "$out" 'remote process group [0-9]+ killed after 2 s grace' "its run says it was killed after the grace"
up=$(sed -n 's/^at \(\/tmp\/\.opsicle-[0-9a-f]*\)$/\1/p' "$H/s2.out")
test -n "$up" && test ! -e "$up"; ok $? "and its temp file is removed"

# ---- a target that stops answering: the cancel is bounded --------------------
# sshd_tree PID: the sshd processes under listener PID (not the shells)
sshd_tree() {
	for _c in $(sshd_children "$1"); do
		case $(cat /proc/$_c/comm 2>/dev/null) in sshd*) echo "$_c"; sshd_tree "$_c" ;; esac
	done
}
"$O" run t1 -- "s''leep 39.9" >/dev/null 2>&1 &
track_pid $!
wait_for 10 pgrep -f 'sleep 39[.]9' >/dev/null
jh=$(last_job)
hung=$(sshd_tree "$SSHD_PID")
for p in $hung; do kill -STOP "$p"; done
t0=$(date +%s)
run "$O" job cancel "$jh"
t1=$(date +%s)
for p in $hung; do kill -CONT "$p"; done
is "$rc" 0 "job cancel of a job whose target stopped answering"
ok "$([ $((t1 - t0)) -le 12 ]; echo $?)" "returns within the kill's bound ($((t1 - t0)) s)"
run "$O" job show "$jh" --json
like "$out" '"state":"cancelled",[^}]*remote process group [0-9]+ did not answer the kill in time; it may still run' \
    "and the run says the group may still run"
for p in $(pgrep -f 'sleep 39[.]9'); do kill "$p"; done

# ---- daemon stop with a running job: interrupted after the grace ------------
"$O" run t1 -- "s''leep 37.7; echo late > '$H/late6'" >/dev/null 2>&1 &
track_pid $!
wait_for 10 pgrep -f 'sleep 37[.]7' >/dev/null; ok $? "a job runs when the daemon is told to stop"
jd=$(last_job)
dpid=$(cat "$H/opsicled.lock")
run "$O" daemon stop --grace 1
is "$rc" 0 "daemon stop --grace 1"
wait_for 20 sh -c "! kill -0 $dpid"; ok $? "the daemon exits"
gone 'sleep 37[.]7'; ok $? "its running job's remote process did not outlive it"
# the next command starts a daemon again; the run's record says why it ended
run "$O" job show "$jd" --json
track_pid "$(cat "$H/opsicled.lock")"
like "$out" '"state":"interrupted"' "the job is interrupted"
like "$out" 'opsicled stopped on t1; remote process group [0-9]+ terminated' \
    "its run says the remote process group was terminated"
sleep 1
test ! -e "$H/late6"; ok $? "the interrupted command line never went on"

tap_finish

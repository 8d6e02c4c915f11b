#!/bin/sh
# test-cli-run.sh: "opsicle run" and the job commands end to end, with a
# real daemon and three real sshd: live prefixed output with stderr kept
# apart, the summary (on stderr) and exit codes, selectors (names, globs, tags, all)
# and their refusals, --json, --group, --script, --timeout, --forks, job
# list/show/logs (-f, --target, --json), cancel, rerun, events, an
# unknown host key (hostkey-unknown, kept pending), and secrets kept out
# of ps, the logs and --json.
. "${OPS_SRCDIR:-$(dirname "$0")/../..}/tests/lib/tap.sh"
. "${OPS_SRCDIR:-$(dirname "$0")/../..}/tests/lib/common.sh"
. "$OPS_SRCDIR/tests/lib/sshd.sh"

O="$OPS_BUILDDIR/tui/opsicle"
OPSICLE_DAEMON="$OPS_BUILDDIR/daemon/opsicled"
export OPSICLE_DAEMON
[ -x "$SSHD" ] || skip_all "OpenSSH sshd not installed"
command -v ssh-keygen >/dev/null || skip_all "ssh-keygen not installed"
command -v ss >/dev/null || skip_all "ss (iproute2) not installed"

i=1
for addr in 127.0.0.2 127.0.0.3 127.0.0.4; do
	sshd_start "s$i" "$addr" || skip_all "could not start sshd on $addr"
	eval "P$i=$SSHD_PORT"
	i=$((i + 1))
done
U=$(sshd_user)
B=$SSHD_BASE

# A JSON checker: jq, else python3, else none (then the test says so).
json_ok() {
	if command -v jq >/dev/null; then
		printf '%s\n' "$1" | jq -e "$2" >/dev/null 2>&1
	elif command -v python3 >/dev/null; then
		printf '%s\n' "$1" | python3 -c "import json,sys; d=json.load(sys.stdin); sys.exit(0 if eval(sys.argv[1]) else 1)" "$3"
	else
		return 2
	fi
}

# job_state JOB: the job's state, from job show --json
job_state() {
	"$O" job show "$1" --json 2>/dev/null |
	    sed -n 's/^{"id":[0-9]*,"state":"\([a-z]*\)".*/\1/p'
}
# job_running JOB: the job runs and its first run too
job_running() {
	"$O" job show "$1" --json 2>/dev/null |
	    grep -q '^{"id":[0-9]*,"state":"running".*"runs":\[{"target":"[^"]*","state":"running"'
}
newest_job() {
	"$O" job list --limit 1 --json | sed -n 's/^\[{"id":\([0-9]*\).*/\1/p'
}
job_ended() {
	case $(job_state "$1") in done|failed|cancelled|interrupted) return 0 ;; esac
	return 1
}

plan_tests 74

run "$O" cred add k --ssh-key "$B/id_ed25519" </dev/null
is "$rc" 0 "cred add with the sshd's client key"
track_pid "$(cat "$OPSICLE_HOME/opsicled.lock")"
run "$O" target add t1 --host 127.0.0.2 --port "$P1" --user "$U" --cred k --tag web
run "$O" target add t2 --host 127.0.0.3 --port "$P2" --user "$U" --cred k --tag web
run "$O" target add t3 --host 127.0.0.4 --port "$P3" --user "$U" --cred k --tag db
is "$rc" 0 "three targets added"
run "$O" hostkey import "$B/known_hosts"
is "$rc" 0 "their host keys imported from the fixture's known_hosts"

# ---- run: output, stderr, summary, exit codes --------------------------
run "$O" run all -- uname -s
is "$rc" 0 "run all -- uname -s exits 0"
like "$out" "^t1: Linux$" "t1's line is prefixed with its name"
like "$out" "^t2: Linux$" "t2's line too"
like "$out" "^t3: Linux$" "t3's line too"
like "$err" "3 ok, 0 failed" "the summary counts three ok (on stderr)"
job_uname=$("$O" job list --limit 1 --json | sed -n 's/^\[{"id":\([0-9]*\).*/\1/p')
ok "$([ -n "$job_uname" ]; echo $?)" "job list --json gives the newest job's id"
run "$O" audit list
like "$out" "run +job $job_uname +ok" "the audit names the job a run created"

run "$O" run tag:web -- 'echo to-out; echo to-err >&2'
is "$rc" 0 "a command writing to both streams"
like "$out" "t1: to-out" "stdout lines go to stdout"
unlike "$out" "to-err" "stderr lines stay out of stdout"
like "$err" "t2: to-err" "stderr lines go to stderr, prefixed"
unlike "$out" "t3:" "tag:web leaves t3 out"

run "$O" run 't[12]' t3 -- 'test $(hostname) && exit 3'
is "$rc" 1 "a failing command exits 1"
like "$err" "0 ok, 3 failed" "the summary counts the failures"
like "$err" "  t1: exit: .*status 3" "and names each failed target with class and message"

run "$O" run nosuch 'zz*' t1 -- true
is "$rc" 1 "unknown selectors are refused"
like "$err" "nosuch.*zz\*|zz\*.*nosuch" "the refusal lists every unknown selector"
run "$O" run all
is "$rc" 2 "no command is a usage error"
run "$O" run all --script /dev/null -- true
is "$rc" 2 "a command and a script is a usage error"
run "$O" run --timeout abc all -- true
is "$rc" 2 "a bad --timeout is a usage error"

# ---- --json, --group, --script, --timeout, --forks -------------------
run "$O" run --json all -- 'uname -s; echo e >&2'
is "$rc" 0 "run --json"
like "$out" '^\{"id":[0-9]+,"state":"done",.*"total":3,"ok":3,"failed":0,"runs":\[\{"target":"t1","state":"ok","exit":0,' \
    "run --json has the job fields and per-run states"
like "$out" '"stdout":"Linux\\n","stdout_encoding":"utf8","stderr":"e\\n"' \
    "and each run's output"
json_ok "$out" '.runs | length == 3' 'len(d["runs"]) == 3'
case $? in
0) ok 0 "run --json parses as JSON with three runs" ;;
2) skip 1 "neither jq nor python3 to parse JSON" ;;
*) ok 1 "run --json parses as JSON with three runs" ;;
esac

run "$O" run --group all -- uname -s
like "$out" "t\[1-3\] \(3\)" "--group folds the three identical outputs"
is "$(printf '%s\n' "$out" | grep -c '^Linux$')" 1 "and prints the output once"

printf '#!/bin/sh\necho "from-script $((40 + 2))"\n' >"$OPSICLE_HOME/s.sh"
run "$O" run --script "$OPSICLE_HOME/s.sh" t2
is "$rc" 0 "run --script"
like "$out" "t2: from-script 42" "the script ran on the target"

run "$O" run --timeout 1 t1 -- sleep 30
is "$rc" 1 "a command past --timeout fails"
like "$err" "t1: timeout" "with class timeout"

run "$O" run --forks 1 --json all -- 'echo $$'
is "$rc" 0 "--forks 1 runs every target"
like "$out" '"forks":1' "and the job records its forks"

# ---- job list / show / logs -------------------------------------------
run "$O" job list
like "$out" "^ID +STATE +TARGETS" "job list shows a header"
like "$out" "failed +3 +0 +3 " "and a failed job with its counts"
run "$O" job list --state failed --json
unlike "$out" '"state":"done"' "--state filters"
run "$O" job show "$job_uname" --json
like "$out" '"command":"uname -s","requested_by":"[^"]*\([0-9]+\)",' "job show --json: command and requester"
like "$out" '"duration_ms":[0-9]+' "and per-run durations"
run "$O" job show "$job_uname"
like "$out" "t2 +ok +0 " "job show: a row per target"
run "$O" job logs "$job_uname"
like "$out" "t3: Linux" "job logs prints the stored output"
run "$O" job logs "$job_uname" --target t2
is "$out" "Linux" "--target prints one target's bare output"
run "$O" job logs "$job_uname" --json
like "$out" '"runs":\[\{"target":"t1","state":"ok","stdout":"Linux\\n"' "job logs --json"
run "$O" job logs "$job_uname" -f
is "$rc" 0 "job logs -f of an ended job returns"
like "$out" "t1: Linux" "after replaying its output"
run "$O" job show 999999
is "$rc" 1 "an unknown job is refused"

# ---- cancel, rerun, follow, events ------------------------------------
"$O" run t1 t2 -- sleep 60 >"$OPSICLE_HOME/cancel.out" 2>&1 &
runpid=$!
track_pid $runpid
wait_for 30 sh -c "'$O' job list --limit 1 --json | grep -q '\"command\":\"sleep 60\"'"
job_sleep=$("$O" job list --limit 1 --json | sed -n 's/^\[{"id":\([0-9]*\).*/\1/p')
wait_for 30 job_running "$job_sleep"; ok $? "the sleep job runs"
"$O" job logs "$job_sleep" -f >"$OPSICLE_HOME/follow.out" 2>&1 &
followpid=$!
track_pid $followpid
run "$O" job cancel "$job_sleep"
is "$rc" 0 "job cancel"
is "$(job_state "$job_sleep")" cancelled "the job is cancelled at once"
wait "$runpid"; rrc=$?
is "$rrc" 1 "the attached run ends (exit 1)"
like "$(cat "$OPSICLE_HOME/cancel.out")" "t1: cancelled" "and reports the cancelled targets"
wait "$followpid"; is $? 1 "job logs -f ends when the job does, and exits 1 as run does for the cancelled job"
run "$O" job show "$job_sleep" --json
like "$out" '"runs":\[\{"target":"t1","state":"cancelled",.*\{"target":"t2","state":"cancelled"' \
    "every run is cancelled"
run "$O" job cancel "$job_sleep"
is "$rc" 1 "cancelling an ended job is refused"

run "$O" job rerun "$job_uname" --json
like "$out" "^\{\"job\":[0-9]+,\"rerun_of\":$job_uname\}" "job rerun queues a new job"
job_re=$(printf '%s' "$out" | sed -n 's/^{"job":\([0-9]*\).*/\1/p')
run "$O" events --job "$job_re" --json
is "$rc" 0 "events --job ends with the job"
wait_for 30 job_ended "$job_re"
is "$(job_state "$job_re")" done "the rerun is done"
run "$O" job logs "$job_re"
like "$out" "t2: Linux" "with the same output"

# ---- Ctrl-C cancels; a second Ctrl-C detaches -------------------------------
"$O" run t3 -- "s''leep 13.3; echo late" >"$OPSICLE_HOME/cancel.out" 2>&1 &
runpid=$!
track_pid $runpid
wait_for 30 sh -c "'$O' job list --limit 1 --json | grep -q 'echo late'"
job_late=$(newest_job)
wait_for 30 job_running "$job_late"
wait_for 10 pgrep -f 'sleep 13[.]3' >/dev/null
kill -INT "$runpid"
wait "$runpid"; rrc=$?
is "$rrc" 130 "Ctrl-C ends run with 130"
like "$(cat "$OPSICLE_HOME/cancel.out")" "cancelling job $job_late" \
    "and says it cancels the job"
is "$(job_state "$job_late")" cancelled "the job was cancelled before run returned"
! pgrep -f 'sleep 13[.]3' >/dev/null; ok $? "no remote process of it is left"

# a command that ignores TERM keeps the job running for the kill's grace
"$O" run t3 -- "trap '' TERM; s''leep 14.4; echo late" >"$OPSICLE_HOME/detach.out" 2>&1 &
runpid=$!
track_pid $runpid
wait_for 30 sh -c "'$O' job list --limit 1 --json | grep -q 'leep 14.4'"
job_det=$(newest_job)
wait_for 30 job_running "$job_det"
wait_for 10 pgrep -f 'sleep 14[.]4' >/dev/null
kill -INT "$runpid"
wait_for 10 grep -q "cancelling job $job_det" "$OPSICLE_HOME/detach.out"
kill -INT "$runpid"
wait "$runpid"; rrc=$?
is "$rrc" 130 "a second Ctrl-C ends run with 130"
like "$(cat "$OPSICLE_HOME/detach.out")" "detached; job $job_det keeps running" \
    "and detaches at once"
wait_for 60 job_ended "$job_det"
is "$(job_state "$job_det")" cancelled "the detached job still ends cancelled"
run "$O" job logs "$job_det"
unlike "$out" "late" "and the rest of its command never ran"

# ---- unknown host key ---------------------------------------------------
run "$O" target add t4 --host 127.0.0.2 --port "$P1" --user "$U" --cred k
run "$O" run t4 -- true
is "$rc" 1 "a target without an accepted host key fails"
like "$err" "t4: hostkey-unknown: .*SHA256:" "as hostkey-unknown with the presented fingerprint"
run "$O" hostkey list t4 --json
like "$out" '"pending":\[\{"type":"ssh-ed25519","fingerprint":"SHA256:' \
    "the presented key is kept pending"

# ---- secrets ------------------------------------------------------------
keyline=$(sed -n 2p "$B/id_ed25519")
run "$O" run --json all -- true
unlike "$out" "$keyline" "the private key is not in --json"
unlike "$(ps -eo args)" "$keyline|BEGIN OPENSSH" "nor in ps output"
unlike "$(cat "$OPSICLE_HOME"/logs/* 2>/dev/null)" "$keyline" "nor in the logs"

run "$O" daemon stop
is "$rc" 0 "daemon stop"
tap_finish

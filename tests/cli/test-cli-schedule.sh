#!/bin/sh
# test-cli-schedule.sh: "opsicle schedule" end to end with a real daemon,
# a real store and a real sshd: bad input is a usage error that stores
# nothing; --every 2s fires jobs requested by schedule:NAME (secret
# values sealed, shown ***); pause and resume; overlap skip with a slow
# step (recorded); a daemon stopped across three fire times runs exactly
# one catch-up job with --missed run-once and none with skip (both
# recorded); a one-shot --at runs once (the test clock knob makes the
# daemon "later") and never again after a restart; schedule next in
# Europe/Berlin across the spring DST change; a schedule of an automation
# that needs approval makes jobs awaiting approval its creator cannot
# approve; audit records.
. "${OPS_SRCDIR:-$(dirname "$0")/../..}/tests/lib/tap.sh"
. "${OPS_SRCDIR:-$(dirname "$0")/../..}/tests/lib/common.sh"
. "$OPS_SRCDIR/tests/lib/sshd.sh"

O="$OPS_BUILDDIR/tui/opsicle"
SQL=$OPS_BUILDDIR/tests/cli/store-sql
OPSICLE_DAEMON="$OPS_BUILDDIR/daemon/opsicled"
export OPSICLE_DAEMON
sshd_require
sshd_start_each 127.0.0.2
U=$(sshd_user)
B=$SSHD_BASE
W=$OPSICLE_HOME/work
mkdir -p "$W"

apply() {
	cat >"$W/$1.yaml"
	"$O" automation apply "$W/$1.yaml" >/dev/null 2>&1
}
# jobs NAME: how many jobs schedule NAME has made (daemon running)
jobs_of() {
	"$O" job list --limit 1000 --json | grep -o "\"requested_by\":\"schedule:$1\"" |
	    wc -l | tr -d ' '
}
# events NAME WHAT: how many WHAT events schedule NAME's history has
events_of() {
	"$O" schedule show "$1" --json | grep -o "\"what\":\"$2\"" | wc -l |
	    tr -d ' '
}
at_least() { [ "$(jobs_of "$1")" -ge "$2" ]; }
has_event() { [ "$(events_of "$1" "$2")" -ge 1 ]; }
dpid() { cat "$OPSICLE_HOME/opsicled.lock"; }
stop_daemon() {
	_p=$(dpid)
	"$O" daemon stop >/dev/null 2>&1
	wait_for 20 sh -c "! kill -0 $_p"
}
# sql Q: against the stopped store
sql() { "$SQL" "$1"; }

plan_tests 55

run "$O" cred add k --ssh-key "$B/id_ed25519" </dev/null
track_pid "$(dpid)"
run "$O" target add t1 --host 127.0.0.2 --port "$P1" --user "$U" --cred k
run "$O" hostkey import "$B/known_hosts"
is "$rc" 0 "a target on a real sshd, its host key imported"

apply hello <<'EOF'
name: hello
parameters:
  - name: who
    type: string
    required: true
  - name: tok
    type: secret
targets: [t1]
steps:
  - command: echo "hi $OPSICLE_PARAM_WHO"
EOF
ok $? "automation hello applied"
apply slow <<'EOF'
name: slow
targets: [t1]
steps:
  - command: sleep 5
EOF
ok $? "automation slow applied"

# ---- bad input: a usage error, nothing stored ---------------------------
bad() {	# bad PATTERN DESCRIPTION ARGS...
	_pat=$1 _d=$2; shift 2
	run "$O" schedule add bad --automation hello -p who=x "$@"
	is "$rc" 2 "$_d: exit 2"
	like "$err" "$_pat" "$_d: says why"
}
bad "exactly one of --cron, --every and --at" "two of --cron/--every" \
    --cron '* * * * *' --every 2s
bad "exactly one of" "none of them" --tz UTC
bad "--cron: .*expected 5 fields" "a bad cron" --cron 'x y'
bad "--tz: .*Mars/Olympus" "an unknown zone" --cron '@daily' --tz Mars/Olympus
bad "--every 500ms: a duration of at least 1s" "every below 1 s" --every 500ms
bad "is in the past" "--at in the past" --at '2020-01-01 10:00' --tz UTC
run "$O" schedule add bad --automation nosuch --cron '@daily'
is "$rc" 2 "an unknown automation: exit 2"
like "$err" "no automation nosuch" "an unknown automation: says so"
run "$O" schedule add bad --automation hello --cron '@daily' -p nosuch=1
is "$rc" 2 "an unknown parameter: exit 2"
like "$err" "parameter 'nosuch': unknown" "an unknown parameter: says so"
run "$O" schedule list --json
is "$out" "[]" "nothing was stored"

# ---- --every 2s fires, named with the schedule ---------------------------
SECRET=s3cr3t-zq9
run "$O" schedule add tick --automation hello -p who=sched -p "tok=$SECRET" \
    --every 2s
is "$rc" 0 "schedule add tick --every 2s"
wait_for 15 at_least tick 2; ok $? "tick fired at least twice (jobs requested by schedule:tick)"
run "$O" schedule show tick
like "$out" "fired +job [0-9]+" "schedule show: fired with the job"
like "$out" "tok = \\*\\*\\*" "the secret value is masked"
unlike "$out$("$O" schedule show tick --json)" "$SECRET" "and never shown"
run "$O" job list --limit 1 --json
like "$out" '"requested_by":"schedule:tick"' "job list names the schedule"

# ---- pause and resume ---------------------------------------------------
run "$O" schedule pause tick
is "$rc" 0 "pause"
sleep 1
n=$(jobs_of tick)
sleep 4.5
is "$(jobs_of tick)" "$n" "paused: no job in 4.5 s"
run "$O" schedule resume tick
like "$out" "resumed; next run" "resume"
wait_for 10 at_least tick $((n + 1)); ok $? "resumed: it fires again"
run "$O" schedule rm tick
is "$rc" 0 "rm tick"

# ---- overlap skip ------------------------------------------------------
run "$O" schedule add ov --automation slow --every 2s
wait_for 15 has_event ov skipped-overlap
ok $? "a slow job makes the next fire time skipped-overlap"
like "$("$O" schedule show ov)" "skipped-overlap +job [0-9]+ +job [0-9]+ still runs" \
    "recorded with the job that still runs"
"$O" schedule rm ov >/dev/null 2>&1
for j in $("$O" job list --json | grep -o '"id":[0-9]*,"state":"\(running\|queued\)' |
    cut -d: -f2 | cut -d, -f1); do
	"$O" job cancel "$j" >/dev/null 2>&1
done

# ---- a schedule of an automation that needs approval -------------------
apply gated <<'EOF'
name: gated
targets: [t1]
approval: {approvers: [root], expires: 1h}
steps:
  - command: echo gated
EOF
ok $? "automation gated applied (needs one approver)"
"$O" schedule add g --automation gated --every 2s >/dev/null 2>&1
wait_for 15 at_least g 1; ok $? "g fired"
gj=$("$O" job list --limit 50 --json | grep -o '"id":[0-9]*,"state":"awaiting-approval"' |
    head -1 | cut -d: -f2 | cut -d, -f1)
ok "$([ -n "$gj" ]; echo $?)" "its job awaits approval, as a person's run would"
run "$O" approve "$gj"
ok "$([ "$rc" -ne 0 ]; echo $?)" "the schedule's creator may not approve the job it made"
like "$err" "requested job $gj and can never approve it" "saying four eyes"
"$O" schedule rm g >/dev/null 2>&1
"$O" job cancel "$gj" >/dev/null 2>&1

# ---- missed fire times across a stopped daemon -------------------------
run "$O" schedule add ro --automation hello -p who=ro --every 2s
run "$O" schedule add sk --automation hello -p who=sk --every 2s --missed skip
wait_for 15 at_least ro 1 && wait_for 15 at_least sk 1
ok $? "ro and sk both fired"
stop_daemon; ok $? "daemon stopped"
ro0=$(sql "SELECT count(*) FROM jobs WHERE requested_by = 'schedule:ro'")
sk0=$(sql "SELECT count(*) FROM jobs WHERE requested_by = 'schedule:sk'")
sleep 7	# three fire times of each pass
"$O" schedule list >/dev/null 2>&1	# starts it
track_pid "$(dpid)"
wait_for 10 has_event ro missed && wait_for 10 has_event sk skipped-missed
ok $? "at start: ro recorded missed, sk skipped-missed"
stop_daemon
# the jobs made before the first 2 s fire time after the start (the
# catch-up happens in the start's first second)
t0=$(sql "SELECT min(time) FROM schedule_events WHERE what IN ('missed',
    'skipped-missed')")
in_window() {
	sql "SELECT count(*) FROM jobs WHERE requested_by = 'schedule:$1'
	    AND created < ($t0 + 2) * 1000"
}
is "$(( $(in_window ro) - ro0 ))" 1 "run-once: exactly one catch-up job at restart"
is "$(( $(in_window sk) - sk0 ))" 0 "skip: none"
run sql "SELECT what FROM schedule_events WHERE schedule_id = (SELECT id
    FROM schedules WHERE name = 'ro') AND time >= $t0 ORDER BY id LIMIT 2"
is "$(printf '%s' "$out" | tr '\n' ' ')" "missed fired" "ro: recorded missed, then fired"
run sql "SELECT detail FROM schedule_events WHERE what = 'missed'"
like "$out" "^[3-9] fire times missed while the daemon was down" "the missed record counts the fire times"
"$O" schedule list >/dev/null 2>&1
track_pid "$(dpid)"
like "$("$O" schedule show sk)" "skipped-missed +[3-9] fire times missed" \
    "sk: recorded skipped-missed in schedule show"
track_pid "$(dpid)"
"$O" schedule rm ro >/dev/null 2>&1
"$O" schedule rm sk >/dev/null 2>&1

# ---- one-shot --at: once, never again after a restart ------------------
at=$(date -u -d '+3 minutes' '+%Y-%m-%d %H:%M')
run "$O" schedule add once --automation hello -p who=once --at "$at" --tz UTC
is "$rc" 0 "schedule add once --at '$at' (UTC)"
run "$O" schedule next once --count 3 --json
is "$(printf '%s' "$out" | grep -o '"times":\[[0-9]*\]' | grep -c .)" 1 "one fire time only"
stop_daemon
OPSICLE_SCHEDULE_CLOCK_OFFSET=600
export OPSICLE_SCHEDULE_CLOCK_OFFSET
"$O" schedule list >/dev/null 2>&1	# starts it ten minutes "later"
track_pid "$(dpid)"
wait_for 10 at_least once 1; ok $? "the daemon started after the time runs it"
is "$(jobs_of once)" 1 "once"
like "$("$O" schedule list)" "once .* ended" "and the schedule has ended"
stop_daemon
"$O" schedule list >/dev/null 2>&1
track_pid "$(dpid)"
sleep 2
is "$(jobs_of once)" 1 "never again after a restart"
unset OPSICLE_SCHEDULE_CLOCK_OFFSET
stop_daemon
"$O" schedule list >/dev/null 2>&1
track_pid "$(dpid)"

# ---- next across the spring DST change in Berlin -----------------------
if [ "$(date -u +%Y%m%d)" -lt 20270314 ]; then
	run "$O" schedule add dst --automation hello -p who=x --tz Europe/Berlin \
	    --cron '30 2 14,21,28 3 *'
	run "$O" schedule next dst --count 3
	is "$out" "2027-03-14 02:30:00 CET  2027-03-14 01:30:00 UTC
2027-03-21 02:30:00 CET  2027-03-21 01:30:00 UTC
2027-03-28 03:00:00 CEST  2027-03-28 01:00:00 UTC" \
	    "next 3: 02:30 CET twice, then the gap's first minute 03:00 CEST (01:00 UTC)"
else
	skip 1 "the expected times are for March 2027"
fi

# ---- audit --------------------------------------------------------------
stop_daemon
run sql "SELECT action || ' ' || object FROM audit WHERE action LIKE 'schedule.%'
    AND result = 'ok' GROUP BY action, object ORDER BY min(id)"
like "$(printf '%s' "$out" | tr '\n' ',')" \
    "^schedule.add tick,schedule.fire tick,schedule.pause tick,schedule.resume tick,schedule.rm tick," \
    "add, fire, pause, resume and rm are audited"
run sql "SELECT actor FROM audit WHERE action = 'schedule.fire' LIMIT 1"
is "$out" "schedule:tick" "a fire's actor is the schedule"

#!/bin/sh
# test-tui-run.sh: the console shows which targets "r" and ":run" run on,
# and asks first. Marks outlive the filter: with web1 and web2 marked and
# the list filtered to tui1, r lists both marked "(hidden)" with their
# count; Enter asks y/n; Esc and n cancel and nothing runs (the CLI sees
# no job); y runs on exactly those two. One target on screen runs without
# a question; ":run CMD" asks like r. The targets point at a closed
# loopback port: runs fail, which is all a job on them needs here.
. "${OPS_SRCDIR:-$(dirname "$0")/../..}/tests/lib/tap.sh"
. "${OPS_SRCDIR:-$(dirname "$0")/../..}/tests/lib/common.sh"
. "${OPS_SRCDIR:-$(dirname "$0")/../..}/tests/lib/tmux.sh"

command -v tmux >/dev/null 2>&1 || skip_all "tmux is not installed"
O="$OPS_BUILDDIR/tui/opsicle"
OPSICLE_DAEMON="$OPS_BUILDDIR/daemon/opsicled"
export OPSICLE_DAEMON
H=$OPSICLE_HOME
plan_tests 18

run "$O" daemon status
track_pid "$(cat "$H/opsicled.lock")"
for n in tui1 web1 web2; do
	"$O" target add "$n" --host 127.0.0.1 --port 9 >/dev/null
done
njobs() { "$O" job list --json | grep -o '"id":' | wc -l; }
# ask_run: r, "true", Enter, up to the y/n question
ask_run() {
	tm send-keys -t a r
	wait_for_screen "run on 2 targets, 2 hidden:" a
	tm send-keys -t a -l "true"
	tm send-keys -t a Enter
	wait_for_screen "\(y/n\)" a
}

tui_start a
wait_for_screen "3 of 3 targets" a; ok $? "the console lists three targets"

# Mark web1 and web2 (rows in name order: tui1, web1, web2), then filter.
tm send-keys -t a g j ' ' ' '
wait_for_screen "marked: 2" a; ok $? "two targets marked"
tm send-keys -t a / t u i 1 Enter
wait_for_screen "1 of 3 targets, filter: tui1, marked: 2" a
ok $? "the filter shows only tui1; the marks stay"

tm send-keys -t a r
wait_for_screen "run on 2 targets, 2 hidden:" a
ok $? "r: the prompt counts the targets and the hidden ones"
wait_for_screen "Run on 2 targets, 2 of them not shown in the target list \(the filter hides them\):" a
ok $? "a panel says how many the list does not show"
wait_for_screen "web1 \(hidden\)  web2 \(hidden\)" a
ok $? "and names them, each marked hidden"
screen a | grep "web1 (hidden)" | grep -q tui1
ok $((1 - $?)) "tui1, on screen but not marked, is not in the run"

tm send-keys -t a -l "true"
tm send-keys -t a Enter
wait_for_screen "Run on 2 targets, 2 of them hidden: true \? \(y/n\)" a
ok $? "Enter asks y/n, naming the count and the hidden ones"
screen a | grep -q "web1 (hidden)  web2 (hidden)"
ok $? "the names stay listed during the question"
tm send-keys -t a Escape
wait_for_screen "run cancelled: nothing ran" a; ok $? "Esc cancels"
is "$(njobs)" 0 "and no job was made"

tm send-keys -t a r
wait_for_screen "run on 2 targets, 2 hidden:" a
tm send-keys -t a Escape
wait_gone "web1 \(hidden\)" a; ok $? "Esc at the prompt closes the list too"

ask_run
tm send-keys -t a n
wait_for_screen "run cancelled: nothing ran" a
is "$(njobs)" 0 "n cancels too: still no job"

ask_run
tm send-keys -t a y
wait_for_screen "job 1 started on 2 targets" a; ok $? "y runs"
run "$O" job show 1 --json
printf '%s' "$out" | grep -o '"target":"[a-z0-9]*"' | tr '\n' ' ' >"$H/t"
is "$(cat "$H/t")" '"target":"web1" "target":"web2" ' "on exactly the two marked targets"

# ":run CMD" asks the same way (back on the Targets screen: a run opens
# its job).
tm send-keys -t a 1
wait_for_screen "1 of 3 targets, filter: tui1, marked: 2" a
tm send-keys -t a : r u n ' ' t r u e Enter
wait_for_screen "Run on 2 targets, 2 of them hidden: true \? \(y/n\)" a
ok $? ":run CMD lists and asks too"
tm send-keys -t a Escape
wait_for_screen "run cancelled: nothing ran" a
is "$(njobs)" 1 "and Esc leaves it at one job"

# One target on screen, nothing marked: no question.
tm send-keys -t a / C-u Enter
wait_for_screen "3 of 3 targets, marked: 2" a
tm send-keys -t a g j ' ' ' ' g
wait_gone "marked:" a
tm send-keys -t a r
wait_for_screen "run on 1 target:" a
tm send-keys -t a -l "true"
tm send-keys -t a Enter
wait_for_screen "job 2 started on 1 target" a
ok $? "one target on screen runs without a question" || diag "$(screen a)"
tap_finish

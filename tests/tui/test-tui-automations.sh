#!/bin/sh
# test-tui-automations.sh: the console's Automations screen (read-only)
# in a private tmux server against a real daemon: the list with the
# latest version and count, Enter for an automation's versions, Enter on
# a version for its file as applied (YAML escapes shown as written),
# scrolling it, and Esc back up each level.
. "${OPS_SRCDIR:-$(dirname "$0")/../..}/tests/lib/tap.sh"
. "${OPS_SRCDIR:-$(dirname "$0")/../..}/tests/lib/common.sh"
. "${OPS_SRCDIR:-$(dirname "$0")/../..}/tests/lib/tmux.sh"

command -v tmux >/dev/null 2>&1 || skip_all "tmux is not installed"
O="$OPS_BUILDDIR/tui/opsicle"
OPSICLE_DAEMON="$OPS_BUILDDIR/daemon/opsicled"
export OPSICLE_DAEMON
plan_tests 13

F=$OPSICLE_HOME/web.yaml
printf 'name: web\ndescription: roll the web tier\nsteps:\n  - command: uptime\n' >"$F"
run "$O" automation apply "$F"
is "$rc" 0 "version 1 applied"
pid=$(cat "$OPSICLE_HOME/opsicled.lock"); track_pid "$pid"
{
	printf 'name: web\ndescription: roll the web tier\nsteps:\n'
	printf '  - command: "printf \\e[31mred\\e[0m"\n'
	i=1
	while [ $i -le 40 ]; do printf '# filler line %d\n' $i; i=$((i + 1)); done
	printf '  - command: uptime\n  - command: echo last-step\n'
} >"$F"
run "$O" automation apply "$F"
is "$out" "web: version 2" "version 2 applied"

tui_start a
wait_for_screen "7 Automations" a; ok $? "the tab bar has the Automations screen"
tm send-keys -t a 7
wait_for_screen "^ *web +2 +2 .*roll the web tier" a
ok $? "7 opens it: web, latest version 2 of 2, its description"
tm send-keys -t a Enter
wait_for_screen "web: 2 versions" a; ok $? "Enter lists web's versions"
wait_for_screen "^ *1 +[0-9-]+ [0-9:]+ +root\\(0\\) +yaml" a
ok $? "version 1 with when, who and the format"
tm send-keys -t a G Enter
wait_for_screen "web version 1 \\(Esc" a; ok $? "Enter on the last row opens version 1's file"
wait_for_screen "^ *- command: uptime" a; ok $? "showing its text"
tm send-keys -t a Escape k Enter
wait_for_screen "web version 2 \\(Esc" a; ok $? "Esc, then version 2"
wait_for_screen 'command: "printf \\e\[31mred\\e\[0m"' a
ok $? "its text as written"
tm send-keys -t a G
wait_for_screen "echo last-step" a; ok $? "G scrolls to the end of the file"
tm send-keys -t a Escape Escape
wait_for_screen "1 automations" a; ok $? "Esc twice: back to the list"
tm send-keys -t a q
wait_for_screen "tui-exit=0" a; ok $? "q quits"
tap_finish

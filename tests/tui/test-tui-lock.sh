#!/bin/sh
# test-tui-lock.sh: the console against a passphrase-protected store. It
# opens on the unlock dialog; what is typed is never shown; a wrong
# passphrase shows the daemon's refusal and unlocks nothing; Esc leaves
# it locked and u opens the dialog again; the right passphrase unlocks
# (the CLI agrees) and the lists load; a later lock reopens the dialog
# on the next refresh. Argon2id runs at kdf-cost min (opsicle.conf).
. "${OPS_SRCDIR:-$(dirname "$0")/../..}/tests/lib/tap.sh"
. "${OPS_SRCDIR:-$(dirname "$0")/../..}/tests/lib/common.sh"
. "${OPS_SRCDIR:-$(dirname "$0")/../..}/tests/lib/tmux.sh"

command -v tmux >/dev/null 2>&1 || skip_all "tmux is not installed"
O="$OPS_BUILDDIR/tui/opsicle"
OPSICLE_DAEMON="$OPS_BUILDDIR/daemon/opsicled"
export OPSICLE_DAEMON
H=$OPSICLE_HOME
plan_tests 17

printf 'kdf-cost = min   # tests only\n' >"$H/opsicle.conf"
P1=Tui-Pass-4417
printf '%s\n' "$P1" >"$H/p1"
"$O" init --passphrase-file "$H/p1" >/dev/null
run "$O" daemon status --json
track_pid "$(cat "$H/opsicled.lock")"
like "$out" '"locked":true' "the daemon starts locked"

tui_start a

# history: everything the pane ever showed
hist() { tm capture-pane -p -S - -t a; }

wait_for_screen "Unlock the store" a; ok $? "a locked daemon opens the unlock dialog"
wait_for_screen "LOCKED \(u unlocks\)" a; ok $? "and the status line says LOCKED"
tm send-keys -t a n o t - i t Enter
wait_for_screen "not unlocked: .*wrong passphrase" a
ok $? "a wrong passphrase shows the daemon's refusal"
unlike "$(hist)" "not-it" "and what was typed never showed"
run "$O" daemon status --json
like "$out" '"locked":true' "the store is still locked"
tm send-keys -t a Escape
wait_for_screen "still locked; u unlocks" a && ! screen a | grep -q "Unlock the store"
ok $? "Esc closes the dialog and leaves the store locked"
tm send-keys -t a u
wait_for_screen "Unlock the store" a; ok $? "u opens it again"
tm send-keys -t a x BSpace
tm send-keys -t a -l "$P1"
tm send-keys -t a Enter
wait_for_screen "unlocked$|\| unlocked" a && wait_gone "Unlock the store" a
ok $? "the right passphrase unlocks and closes the dialog"
wait_for_screen "opsicled .* pid [0-9]+, unlocked" a; ok $? "the status line says unlocked"
wait_for_screen "none yet" a; ok $? "and the target list loads"
run "$O" daemon status --json
like "$out" '"locked":false' "the CLI sees the store unlocked"
unlike "$(hist)" "$P1" "the passphrase never reached the screen"
run "$O" target add web1 --host 10.0.0.1
is "$rc" 0 "the store takes changes again"

"$O" lock >/dev/null
tm send-keys -t a C-r
wait_for_screen "Unlock the store" a; ok $? "after opsicle lock, a refresh opens the dialog again"
tm send-keys -t a Escape q
wait_for_screen "tui-exit=0" a; ok $? "q quits"
unlike "$(hist)" "$P1" "the passphrase was never shown"
tap_finish

#!/bin/sh
# test-tui.sh: the ncurses console in a private tmux server against a real
# daemon: the Targets screen at start, adding a target from the form (and
# seeing it with the CLI), form validation and daemon refusals that save
# nothing, filter by substring and tag, details, edit, remove with y/n,
# the Credentials, Audit and Help screens, the ":" command line, resizing,
# a lost daemon (message, then reconnect), quitting with q and on SIGTERM
# with the terminal restored, and monochrome under NO_COLOR.
. "${OPS_SRCDIR:-$(dirname "$0")/../..}/tests/lib/tap.sh"
. "${OPS_SRCDIR:-$(dirname "$0")/../..}/tests/lib/common.sh"
. "${OPS_SRCDIR:-$(dirname "$0")/../..}/tests/lib/tmux.sh"

command -v tmux >/dev/null 2>&1 || skip_all "tmux is not installed"
O="$OPS_BUILDDIR/tui/opsicle"
OPSICLE_DAEMON="$OPS_BUILDDIR/daemon/opsicled"
export OPSICLE_DAEMON
plan_tests 45

run "$O" tui </dev/null
is "$rc" 2 "opsicle tui without a terminal is a usage error"
like "$err" "needs a terminal" "and says so"

run "$O" daemon status
pid=$(cat "$OPSICLE_HOME/opsicled.lock")
track_pid "$pid"

# A wrapper so the pane outlives the console and shows how it ended.
cat >"$OPSICLE_HOME/tui.sh" <<EOS
#!/bin/sh
echo \$\$ >"\$1"
shift
env "\$@" TERM=screen-256color LANG=C.UTF-8 OPSICLE_HOME="$OPSICLE_HOME" \
    OPSICLE_DAEMON="$OPSICLE_DAEMON" "$O" tui
echo "tui-exit=\$?"
stty -a | tr ' ;' '\n\n' | grep -Ex -- '-?(icanon|echo)' | tr '\n' ' '
echo
exec sleep 600
EOS
chmod +x "$OPSICLE_HOME/tui.sh"
tm new-session -d -s a -n a -x 100 -y 30 "$OPSICLE_HOME/tui.sh $OPSICLE_HOME/a.pid X=1"

wait_for_screen "1 Targets +2 Jobs +3 Job +4 Host keys +5 Credentials +6 Audit" a; ok $? "the console starts on the Targets screen"
wait_for_screen "opsicled .* pid $pid, unlocked" a
ok $? "the status line shows the daemon's pid and lock state"
wait_for_screen "none yet" a; ok $? "an empty target list says so"

# The add form: validation messages, daemon refusals, nothing saved.
tm send-keys -t a a
wait_for_screen "Add target" a; ok $? "a opens the add form"
tm send-keys -t a Enter
wait_for_screen "Name is required" a; ok $? "an empty name is refused in the form"
tm send-keys -t a w e b 1 Tab 1 0 . 0 . 0 . 1 Tab 7 0 0 0 0 Enter
wait_for_screen "port must be a number from 1 to 65535" a
ok $? "port 70000 is refused in the form"
tm send-keys -t a C-u 2 2 2 2 Tab Tab n o p e Enter
wait_for_screen "not saved: .*nope" a; ok $? "an unknown credential: the daemon's refusal shows in the form"
run "$O" target list --json
is "$out" "[]" "none of the bad forms saved anything"
tm send-keys -t a C-u Tab w e b ' ' p r o d Tab r a c k ' ' 4 Enter
wait_for_screen "web1 +10\.0\.0\.1:2222 +- +- +prod,web" a
ok $? "a good form saves and the target is listed"
wait_for_screen "target web1 added" a; ok $? "with a message in the status line"
run "$O" target list
like "$out" "web1 +10\.0\.0\.1 +2222 .*prod,web" "the CLI sees the target added in the console"

# Filter, details, edit, remove.
"$O" target add db1 --host db.lan --tag db >/dev/null
"$O" target add db2 --host db2.lan --tag db >/dev/null
tm send-keys -t a C-r
wait_for_screen "3 of 3 targets" a; ok $? "C-r asks the daemon again"
tm send-keys -t a / d b 2 Enter
wait_for_screen "1 of 3 targets, filter: db2" a && ! screen a | grep -q "^  web1 "
ok $? "/ filters by substring"
tm send-keys -t a / C-u t a g : w e b Enter
wait_for_screen "1 of 3 targets, filter: tag:web" a && screen a | grep -q "^  web1 " &&
    ! screen a | grep -q "^  db1 "
ok $? "/tag:NAME filters by tag"
tm send-keys -t a / C-u Enter
wait_for_screen "3 of 3 targets" a; ok $? "an empty filter shows all again"
tm send-keys -t a G Enter
wait_for_screen "Target details" a && screen a | grep -q "notes .*rack 4"
ok $? "G goes to the last row and Enter shows its details"
tm send-keys -t a Escape e
wait_for_screen "Edit target" a; ok $? "Esc goes back and e opens the edit form"
tm send-keys -t a Tab Tab C-u 2 2 Enter
wait_for_screen "target web1 saved" a; ok $? "the edit is saved"
run "$O" target show web1 --json
like "$out" '"port":22,' "and the CLI sees the new port"
tm send-keys -t a g d
wait_for_screen "Remove target db1\? \(y/n\)" a; ok $? "d asks before removing"
tm send-keys -t a n
wait_gone "Remove target" a; run "$O" target list
like "$out" "db1" "n keeps the target"
tm send-keys -t a ' ' ' ' d
wait_for_screen "Remove 2 marked targets\? \(y/n\)" a; ok $? "Space marks; d offers to remove the marked ones"
tm send-keys -t a y
wait_for_screen "1 of 1 targets" a; run "$O" target list
unlike "$out" "db1|db2" "y removes the marked targets"

# The other screens.
printf 'sekrit-pw\n' | "$O" cred add pw1 --password --user deploy >/dev/null 2>&1
tm send-keys -t a 5
wait_for_screen "pw1 +password +deploy" a; ok $? "5 shows credentials: name, kind, user"
unlike "$(screen a)" "sekrit" "and never a secret"
tm send-keys -t a Tab
wait_for_screen "chain: intact" a; ok $? "Tab goes to Audit with the chain status"
wait_for_screen "target\.add +web1 +ok" a; ok $? "the audit screen shows the target-add record"
tm send-keys -t a '?'
wait_for_screen "filter by substring" a && screen a | grep -q "mark or unmark"
ok $? "? shows the help generated from the key table"
tm send-keys -t a Escape : s c r e e n ' ' c r e d Enter
wait_for_screen "pw1 +password" a; ok $? ":screen NAME switches screens"
tm send-keys -t a : t a r g e t ' ' a d d Enter
wait_for_screen "Add target" a; ok $? ":target add opens the form"
tm send-keys -t a Escape
wait_for_screen "cancelled, nothing saved" a; ok $? "Esc cancels the form"

# Resize at any moment.
tm resize-window -t a -x 60 -y 20
wait_for_line 19 "opsicled .* pid" a
s=$(screen a)
n=$(printf '%s\n' "$s" | wc -l)
long=$(printf '%s\n' "$s" | awk 'length > 60' | wc -l)
st=$(printf '%s\n' "$s" | sed -n 19p)
[ "$n" -le 20 ] && [ "$long" -eq 0 ] && printf '%s' "$st" | grep -q "opsicled .* pid"
ok $? "after resizing to 60x20 the frame is redrawn to fit (status on row 19)"
tm resize-window -t a -x 100 -y 30
wait_for_line 29 "opsicled .* pid" a
ok $? "and back to 100x30"

# Lose the daemon: a message, never a hang; r reconnects.
"$O" daemon stop >/dev/null
wait_for 10 sh -c "! kill -0 $pid"
wait_for_screen "Lost the connection to opsicled" a; ok $? "a stopped daemon shows a lost-daemon message"
tm send-keys -t a r
wait_for_screen "reconnected to opsicled" a 20; ok $? "r reconnects (starting the daemon again)"
pid=$(cat "$OPSICLE_HOME/opsicled.lock"); track_pid "$pid"
wait_for_screen "web1" a; ok $? "and the lists come back"

# Colours (and their absence under NO_COLOR).
like "$(tm capture-pane -p -e -t a)" "$(printf '\033')\[[0-9;]*(3[0-7]|4[0-7])[;m]" "colours are used when the terminal has them"
tm new-session -d -s b -n b -x 100 -y 30 "$OPSICLE_HOME/tui.sh $OPSICLE_HOME/b.pid NO_COLOR=1"
wait_for_screen "web1" b
unlike "$(tm capture-pane -p -e -t b)" "$(printf '\033')\[[0-9;]*(3[0-7]|4[0-7])[;m]" "NO_COLOR gives a monochrome screen"

# q quits and restores the terminal; so does SIGTERM.
tm send-keys -t a q
wait_for_screen "tui-exit=0" a; ok $? "q quits with status 0"
wait_for_screen "^icanon echo" a; ok $? "and the terminal is back in cooked mode with echo"
unlike "$(screen a)" "Targets|opsicled .* pid" "and the console's screen is gone"
tuib=$(pgrep -P "$(cat "$OPSICLE_HOME/b.pid")" -x opsicle)
[ -n "$tuib" ] && kill -TERM "$tuib"
wait_for_screen "tui-exit=0" b; ok $? "SIGTERM ends the console cleanly"
wait_for_screen "^icanon echo" b; ok $? "and restores the terminal"
tap_finish

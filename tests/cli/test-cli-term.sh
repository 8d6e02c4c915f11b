#!/bin/sh
# test-cli-term.sh: what a hostile target sends never drives the admin's
# terminal (issue 9, items 2 and 3). A paramiko server
# (tests/lib/evil-output.py) sends OSC titles, CSI, SGR, C1 raw and
# encoded, BEL, NUL, invalid UTF-8 and a UTF-8 sequence split across two
# packets, an exit-signal name with control characters and an exit
# status of 1000. On a terminal (script(1) gives the CLI a pty) run, run
# --group, job logs [-f] and events show them as \xNN; a pipe and --raw
# keep the bytes; summaries, job show and error texts are escaped
# always; the signal and the exit status 1000 still finish their runs;
# an import refused for a name holding ESC is still audited; the
# console shows the rest of a line after a NUL.
. "${OPS_SRCDIR:-$(dirname "$0")/../..}/tests/lib/tap.sh"
. "${OPS_SRCDIR:-$(dirname "$0")/../..}/tests/lib/common.sh"
. "${OPS_SRCDIR:-$(dirname "$0")/../..}/tests/lib/tmux.sh"

O="$OPS_BUILDDIR/tui/opsicle"
OPSICLE_DAEMON="$OPS_BUILDDIR/daemon/opsicled"
export OPSICLE_DAEMON
H=$OPSICLE_HOME
PY=/usr/bin/python3
[ -x "$PY" ] && "$PY" -c 'import paramiko' 2>/dev/null ||
	skip_all "/usr/bin/python3 with paramiko is not installed"
command -v script >/dev/null || skip_all "script(1) is not installed"
command -v ssh-keygen >/dev/null || skip_all "ssh-keygen is not installed"

# nbytes FILE HEX: how many bytes of value HEX (two lower-case digits)
nbytes() { od -An -v -tx1 "$1" | tr -s ' ' '\n' | grep -c "^$2\$"; }
# has FILE TEXT: FILE holds TEXT (fixed bytes)
has() { LC_ALL=C grep -qF -- "$2" "$1"; }
# on_tty FILE CMD...: run CMD on a pseudo-terminal; what it wrote (stdout
# and stderr) goes to FILE, its exit status to $rc
on_tty() {
	_f=$1; shift
	script -qfec "$*" /dev/null </dev/null >"$_f" 2>&1; rc=$?
}
newest_job() {
	"$O" job list --limit 1 --json | sed -n 's/^\[{"id":\([0-9]*\).*/\1/p'
}
# json_has JSON PYEXPR: the expression holds for the parsed JSON d
json_has() {
	printf '%s\n' "$1" | "$PY" -c 'import json,sys
d = json.load(sys.stdin)
sys.exit(0 if eval(sys.argv[1]) else 1)' "$2"
}
EURO=$(printf '\342\202\254')

plan_tests 42

# ---- the hostile target ----------------------------------------------
mkdir -p "$H/evil"
ssh-keygen -q -t ed25519 -N '' -C evil-host -f "$H/evil/host"
ssh-keygen -q -t ed25519 -N '' -C evil-client -f "$H/evil/client"
"$PY" "$OPS_SRCDIR/tests/lib/evil-output.py" 127.0.0.7 "$H/evil/host" \
    "$H/evil/port" 2>"$H/evil/log" &
track_pid $!
wait_for 20 test -s "$H/evil/port" || skip_all "the hostile server did not start"
P=$(cat "$H/evil/port")
echo "[127.0.0.7]:$P $(cut -d' ' -f1,2 "$H/evil/host.pub")" >"$H/evil/known_hosts"

run "$O" cred add k --ssh-key "$H/evil/client" </dev/null
is "$rc" 0 "cred add"
track_pid "$(cat "$H/opsicled.lock")"
run "$O" target add ev1 --host 127.0.0.7 --port "$P" --user u --cred k
is "$rc" 0 "target ev1 on the hostile server"
run "$O" hostkey import "$H/evil/known_hosts"
is "$rc" 0 "its host key imported"

# ---- run on a terminal: filtered --------------------------------------
T=$H/tty.out
on_tty "$T" "$O" run ev1 -- evil
is "$rc" 0 "run on a terminal exits 0"
is "$(nbytes "$T" 1b)" 0 "no ESC byte reaches the terminal"
is "$(nbytes "$T" 07)$(nbytes "$T" 00)" 00 "nor BEL nor NUL"
is "$(nbytes "$T" 9b)$(nbytes "$T" ff)$(nbytes "$T" fe)" 000 \
    "nor C1 CSI (raw or encoded) nor invalid UTF-8"
has "$T" 'ev1: A\x1b]0;pwned-title\x07B\x1b[2J\x1b[31mred\x1b[0m'
ok $? "the OSC title, CSI and SGR show as \\xNN"
has "$T" 'C1:\xc2\x9b31m raw9b:\x9b bel:\x07 nul:\x00 end'
ok $? "C1 raw and encoded, BEL and NUL show, and the line goes on after the NUL"
has "$T" 'invalid utf8: \xff\xfe\xc0\xaf done'
ok $? "invalid and overlong UTF-8 show as \\xNN"
has "$T" "split:$EURO euro"
ok $? "a character split across two packets shows whole"
has "$T" 'ev1: stderr \x1b]2;pwned-err\x07 \x1b[41mbg\x1b[0m'
ok $? "standard error is filtered too"
J=$(newest_job)

# ---- pipe and --raw keep the bytes -------------------------------------
"$O" run ev1 -- evil >"$H/pipe.out" 2>"$H/pipe.err"; rc=$?
is "$rc" 0 "run to a pipe exits 0"
is "$(nbytes "$H/pipe.out" 1b):$(nbytes "$H/pipe.out" 00):$(nbytes "$H/pipe.out" 9b)" \
    4:1:2 "a pipe gets the bytes as sent (4 ESC, NUL, 2 x 0x9b), as pdsh does"
! has "$H/pipe.out" '\x1b' && has "$H/pipe.out" "split:$EURO euro"
ok $? "unescaped, the split character whole"
is "$(nbytes "$H/pipe.err" 1b)" 3 "standard error to a pipe keeps its 3 ESC"
on_tty "$T" "$O" run --raw ev1 -- evil
is "$rc:$(nbytes "$T" 1b)" 0:7 "--raw keeps the 7 ESC bytes even on a terminal"

# ---- job logs, -f, --target, --group ------------------------------------
on_tty "$T" "$O" job logs "$J"
is "$(nbytes "$T" 1b)$(nbytes "$T" 00)" 00 "job logs on a terminal: no ESC, no NUL"
has "$T" 'ev1: A\x1b]0;pwned-title\x07B' && has "$T" 'nul:\x00 end'
ok $? "job logs shows them escaped"
on_tty "$T" "$O" job logs -f "$J"
is "$(nbytes "$T" 1b)" 0 "job logs -f on a terminal: no ESC"
has "$T" 'ev1: A\x1b]0;pwned-title\x07B'
ok $? "job logs -f shows them escaped"
on_tty "$T" "$O" job logs --target ev1 "$J"
has "$T" 'A\x1b]0;pwned-title' && ! has "$T" 'ev1: A'
ok $? "job logs --target: escaped, unprefixed"
on_tty "$T" "$O" job logs --raw "$J"
is "$(nbytes "$T" 1b)" 7 "job logs --raw keeps the bytes on a terminal"
"$O" job logs "$J" >"$H/pipe.out" 2>/dev/null
is "$(nbytes "$H/pipe.out" 1b)" 4 "job logs to a pipe keeps the bytes"
on_tty "$T" "$O" run --group ev1 -- evil
is "$(nbytes "$T" 1b)" 0 "run --group on a terminal: no ESC"
has "$T" 'A\x1b]0;pwned-title' && has "$T" 'ev1 (1)'
ok $? "run --group shows the block escaped under its header"

# ---- --json on a terminal -------------------------------------------------
on_tty "$T" "$O" run --json ev1 -- evil
is "$(nbytes "$T" 1b)$(nbytes "$T" c2)" 00 "run --json on a terminal: no ESC, no C1"
has "$T" '\u001B]2;pwned-err\u0007'
ok $? "the JSON escapes them instead"

# ---- events on a terminal -----------------------------------------------
# Subscribed before the job? Unknown: run until its output shows (bounded).
script -qfec "$O events" /dev/null </dev/null >"$H/ev.out" 2>&1 &
track_pid $!
i=0
while [ $i -lt 5 ] && ! has "$H/ev.out" 'pwned-title'; do
	"$O" run ev1 -- evil >/dev/null 2>&1
	wait_for 10 has "$H/ev.out" 'pwned-title'
	i=$((i + 1))
done
has "$H/ev.out" 'ev1: A\x1b]0;pwned-title\x07B'
ok $? "events on a terminal shows output escaped"

# ---- a hostile signal name, exit status 1000 (item 3) ------------------
"$O" run ev1 -- sig >"$H/sig.out" 2>&1; rc=$?
is "$rc" 1 "a run killed by a signal exits 1"
is "$(nbytes "$H/sig.out" 1b)" 0 "the summary has no ESC byte, even to a pipe"
has "$H/sig.out" 'killed by signal \x1b]0;pwned-sig\x07\x1b[2JTERM'
ok $? "it shows the signal name escaped"
JS=$(newest_job)
out=$("$O" job show "$JS" --json)
json_has "$out" 'd["state"] == "failed" and d["runs"][0]["state"] == "failed" and "pwned-sig" in d["runs"][0]["error"]'
ok $? "job show: the run is finished (failed), not running, its error kept"
"$O" job show "$JS" >"$H/show.out" 2>&1
is "$(nbytes "$H/show.out" 1b)" 0 "job show prints no ESC byte"
wait_for 10 has "$H/ev.out" 'signal \x1b]0;pwned-sig'
ok $? "events shows the run's error escaped"
"$O" run ev1 -- exit1000 >/dev/null 2>&1; rc=$?
out=$("$O" job show "$(newest_job)" --json)
json_has "$out" 'd["runs"][0]["state"] == "error" and "exit status 1000" in d["runs"][0]["error"]'
ok $? "exit status 1000 finishes the run as an error (rc $rc)"

# ---- a refusal whose error holds ESC is audited ------------------------
printf 'Host esc\033]0;pwn\007\n  HostName 127.0.0.9\n' >"$H/evil.sshcfg"
"$O" target import --ssh-config "$H/evil.sshcfg" >"$H/imp.out" 2>&1; rc=$?
is "$rc:$(nbytes "$H/imp.out" 1b)" 1:0 "the import is refused, its message without ESC"
has "$H/imp.out" 'esc\x1b]0;pwn\x07'
ok $? "the message shows the name escaped"
"$O" audit list >"$H/audit.out" 2>&1
grep -F 'target.import' "$H/audit.out" | LC_ALL=C grep -qF 'esc\x1b]0;pwn\x07'
ok $? "the refusal is in audit list, escaped"
"$O" audit verify >/dev/null 2>&1
ok $? "the audit chain verifies"

# ---- the console: a NUL does not end the line --------------------------
if command -v tmux >/dev/null 2>&1; then
	tm new-session -d -s a -n a -x 150 -y 40 "env TERM=screen-256color LANG=C.UTF-8 OPSICLE_HOME='$H' OPSICLE_DAEMON='$OPSICLE_DAEMON' '$O' tui; sleep 600"
	wait_for_screen "1 Targets +2 Jobs" a
	tm send-keys -t a 1
	wait_for_screen "ev1" a
	tm send-keys -t a r
	wait_for_screen "run on 1 target:" a
	tm send-keys -t a -l evil
	tm send-keys -t a Enter
	wait_for_screen 'nul:\\x00 end' a 30
	ok $? "the console shows the rest of the line after a NUL, escaped"
	[ "$(tm display -p -t a '#{pane_title}')" != pwned-title ]
	ok $? "and the pane title is not the target's"
else
	skip 2 "tmux is not installed"
fi

#!/bin/sh
# test-cli-targets.sh: the first command autostarts opsicled; target add,
# list, show, edit and rm through the CLI, human and --json output,
# refusals (exit 1, nothing saved), usage errors (exit 2), the audit
# trail of every change, help from the command table, and daemon stop.
. "${OPS_SRCDIR:-$(dirname "$0")/../..}/tests/lib/tap.sh"
. "${OPS_SRCDIR:-$(dirname "$0")/../..}/tests/lib/common.sh"

O="$OPS_BUILDDIR/tui/opsicle"
OPSICLE_DAEMON="$OPS_BUILDDIR/daemon/opsicled"
export OPSICLE_DAEMON
plan_tests 52

run "$O" --no-start daemon status
is "$rc" 3 "--no-start with no daemon exits 3"
like "$err" "opsicled.sock" "and the error names the socket path"

run "$O" daemon status --json
is "$rc" 0 "the first daemon status starts the daemon"
pid=$(printf '%s' "$out" | sed -n 's/.*"pid":\([0-9]*\).*/\1/p')
[ -n "$pid" ] && track_pid "$pid"
is "$pid" "$(cat "$OPSICLE_HOME/opsicled.lock")" "status pid is the lock file's pid"
like "$out" '"version":"[^"]+".*"uptime":[0-9]+.*"store":"[^"]*store.db".*"locked":false' \
    "status --json has version, uptime, store and locked"
is "$(stat -c %a "$OPSICLE_HOME/opsicled.sock")" 600 "the socket is mode 0600"
run "$O" daemon status
like "$out" "^opsicled .*pid $pid" "human status names the pid"

run "$O" target add web1 --host 10.0.0.1 --tag web --tag prod --note "rack 4"
is "$rc" 0 "target add"
run "$O" target add db1 --host=db.example --port 2222 --user root
is "$rc" 0 "target add with --opt=value and a port"
run "$O" target add web1 --host 10.9.9.9
is "$rc" 1 "a duplicate is refused with exit 1"
like "$err" "web1.*exists" "with the daemon's message"
run "$O" target add bad1 --host h --port 70000
is "$rc" 1 "an invalid port is refused with exit 1"
like "$err" "port.*70000|70000.*port" "and the message names the port"
run "$O" target add 'bad name' --host h
is "$rc" 1 "an invalid name is refused"
run "$O" target add nohost
is "$rc" 2 "a missing --host is a usage error"
run "$O" target add x --host h --bogus
is "$rc" 2 "an unknown option is a usage error"
like "$err" "unknown option --bogus" "and says which"
run "$O" target add x --host h --port abc
is "$rc" 2 "a non-numeric port is a usage error"

run "$O" target list
is "$(printf '%s\n' "$out" | wc -l)" 3 "list shows a header and two targets"
like "$(printf '%s\n' "$out" | sed -n 3p)" "^web1 +10.0.0.1 +22 .* unknown +- +prod,web" \
    "a human row: name, host, port, reach, last run, tags"
unlike "$out" "bad1|bad name|10.9.9.9" "refused adds saved nothing"
run "$O" target list --json
like "$out" '^\[\{"name":"db1","host":"db.example","port":2222,"user":"root","cred":null,"tags":\[\],"notes":null,"created":[0-9]+,"updated":[0-9]+,"reachability":"unknown","reach_class":null,"last_run":null\},\{"name":"web1"' \
    "list --json has the documented fields in order"
run "$O" target list --tag web --json
like "$out" '^\[\{"name":"web1".*"tags":\["prod","web"\].*"notes":"rack 4"' "--tag filters"
unlike "$out" "db1" "--tag leaves others out"
run "$O" target ls 'd*'
like "$out" "db1" "a glob selects by name (alias ls)"
unlike "$out" "web1" "and leaves others out"

run "$O" target edit web1 --rename web2 --port 2200 --tag edge
is "$rc" 0 "target edit"
run "$O" target show web2 --json
like "$out" '"name":"web2","host":"10.0.0.1","port":2200,.*"tags":\["edge"\]' \
    "show --json reflects the edit"
run "$O" target show web1
is "$rc" 1 "the old name is gone"
like "$err" "web1" "and the error names it"
run "$O" target edit web2 --port 0
is "$rc" 1 "edit with port 0 is refused"
run "$O" target rm web2
is "$rc" 0 "target rm"
run "$O" target rm web2
is "$rc" 1 "removing it again is refused"

run "$O" audit list --json
n=$(printf '%s' "$out" | grep -o '"action":"target\.[a-z]*"' | wc -l)
is "$n" 9 "audit has a record for each of the 9 mutating requests sent"
like "$out" '"actor":"[^"]*\([0-9]+\)","action":"target.add","object":"web1","result":"ok"' \
    "the record names actor, action, object and result"
like "$out" '"action":"target.add","object":"web1","result":"[^"]*exists' \
    "a refusal is audited with its reason"
run "$O" audit verify
is "$rc" 0 "audit verify passes"

run "$O" list-commands
like "$out" "target add" "list-commands comes from the table"
run "$O" target add --help
like "$out" "^usage: opsicle target add NAME --host HOST" "--help prints the usage line"
run "$O" help target
is "$rc" 0 "help target exits 0"
like "$out" "^  target import " "help target lists the group's commands"
run "$O" target --help
like "$out" "^  target rm " "target --help lists them too"
run "$O" target
is "$rc" 2 "a group without its command is a usage error"
like "$err" "target needs a command" "and says what is missing"
run "$O" target frob
like "$err" "unknown command: target frob" "an unknown command in a group is named"

run "$O" daemon stop
is "$rc" 0 "daemon stop"
flock -n "$OPSICLE_HOME/opsicled.lock" true
ok $? "daemon stop returns once the daemon has let go of its lock"
wait_for 10 sh -c "! kill -0 $pid"; ok $? "the daemon exits"

# Five clients race to autostart: the client lock lets exactly one start it.
pids=""
for i in 1 2 3 4 5; do
	"$O" target list >"$OPSICLE_HOME/race$i.out" 2>&1 &
	pids="$pids $!"
done
fails=0
for p in $pids; do wait "$p" || fails=$((fails + 1)); done
is "$fails" 0 "five racing clients all succeed"
pid=$(cat "$OPSICLE_HOME/opsicled.lock")
track_pid "$pid"
like "$(cat "$OPSICLE_HOME"/race*.out)" "db1" "and see the stored targets"
n=$(grep -c "ready: store" "$OPSICLE_HOME/logs/opsicled.log")
is "$n" 2 "one daemon was started for the race (two starts in all)"
run "$O" daemon stop
wait_for 10 sh -c "! kill -0 $pid"; ok $? "and it stops"
tap_finish

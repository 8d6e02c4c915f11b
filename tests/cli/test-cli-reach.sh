#!/bin/sh
# test-cli-reach.sh: a target's reachability and last run result, from
# target list/show (--json and human) against a real daemon and a real
# sshd: unknown before any run, reachable with "ok" after a good run,
# still reachable with the exit status after a failing command,
# unreachable with the class for a port nothing listens on and for an
# unknown host key; a cancelled run leaves the last result alone; the
# runner's target-status events.
. "${OPS_SRCDIR:-$(dirname "$0")/../..}/tests/lib/tap.sh"
. "${OPS_SRCDIR:-$(dirname "$0")/../..}/tests/lib/common.sh"
. "$OPS_SRCDIR/tests/lib/sshd.sh"

O="$OPS_BUILDDIR/tui/opsicle"
OPSICLE_DAEMON="$OPS_BUILDDIR/daemon/opsicled"
export OPSICLE_DAEMON
[ -x "$SSHD" ] || skip_all "OpenSSH sshd not installed"
plan_tests 32

sshd_start r1 127.0.0.31 || skip_all "could not start sshd on 127.0.0.31"
U=$(sshd_user)
dead=$((SSHD_PORT == 65000 ? 65001 : 65000))
while ! sshd_port_free 127.0.0.32 "$dead"; do dead=$((dead - 1)); done

# tj NAME: target show NAME --json
tj() { "$O" target show "$1" --json 2>/dev/null; }

run "$O" cred add k --ssh-key "$SSHD_BASE/id_ed25519" --user "$U" </dev/null
is "$rc" 0 "cred add with the sshd's client key"
track_pid "$(cat "$OPSICLE_HOME/opsicled.lock")"
run "$O" target add good --host 127.0.0.31 --port "$SSHD_PORT" --cred k \
    --accept-new-hostkey
is "$rc" 0 "a target whose host key is known"
run "$O" target add dead --host 127.0.0.32 --port "$dead" --cred k
run "$O" target add unk --host 127.0.0.31 --port "$SSHD_PORT" --cred k
is "$rc" 0 "a target on a dead port and one with an unknown host key"

"$O" events --stream target-status --stream run-state --json \
    >"$OPSICLE_HOME/events.out" 2>&1 &
epid=$!
track_pid "$epid"

# ---- never tried -----------------------------------------------------------
run "$O" target list --json
like "$out" '"name":"good",[^}]*"reachability":"unknown","reach_class":null,"last_run":null\}' \
    "before any run: reachability unknown, last_run null"
run "$O" target list
like "$out" "^NAME +HOST +PORT +USER +CRED +REACH +LAST +TAGS$" "the human list has REACH and LAST"
like "$out" "^good +127.0.0.31 +$SSHD_PORT +- +k +unknown +- +-$" "never tried: unknown, -"

# ---- a good run ------------------------------------------------------------
run "$O" run good -- true
is "$rc" 0 "run good -- true"
job_ok=$("$O" job list --limit 1 --json | sed -n 's/^\[{"id":\([0-9]*\).*/\1/p')
run tj good
like "$out" "\"reachability\":\"reachable\",\"reach_class\":null,\"last_run\":\{\"job\":$job_ok,\"state\":\"ok\",\"exit\":0,\"signal\":null,\"class\":null,\"error\":null,\"finished\":[0-9]+\}\}$" \
    "after a good run: reachable, last_run ok with exit 0 and its job"
run "$O" target list good
like "$out" "^good .* reachable +ok [0-9]+[smhd] ago +-$" "the human list says ok and how long ago"
run "$O" target show good
like "$out" "^reach +reachable$" "target show: reach"
like "$out" "^last run ok [0-9]+[smhd] ago \(job $job_ok\)$" "target show: the last run and its job"

# ---- a failing command -----------------------------------------------------
run "$O" run good -- 'exit 3'
is "$rc" 1 "run good -- exit 3 fails"
run tj good
like "$out" '"reachability":"reachable","reach_class":null,"last_run":\{"job":[0-9]+,"state":"failed","exit":3,"signal":null,"class":"exit","error":"exit: [^"]*"' \
    "a failing command: still reachable, last_run failed with exit 3 and class exit"
run "$O" target list good
like "$out" "^good .* reachable +failed \(exit 3\) +-$" "the human list says failed (exit 3)"

# ---- a port nothing listens on ---------------------------------------------
run "$O" run dead -- true
is "$rc" 1 "run on a dead port fails"
run tj dead
like "$out" '"reachability":"unreachable","reach_class":"connection-refused","last_run":\{"job":[0-9]+,"state":"error","exit":null,"signal":null,"class":"connection-refused","error":"connection-refused: [^"]*"' \
    "a refused connection: unreachable, class connection-refused"
run "$O" target list dead
like "$out" "^dead .* unreachable +connection-refused +-$" "the human list names the class"

# ---- an unknown host key ---------------------------------------------------
run "$O" run unk -- true
is "$rc" 1 "run with an unknown host key fails"
run tj unk
like "$out" '"reachability":"unreachable","reach_class":"hostkey-unknown","last_run":\{"job":[0-9]+,"state":"error",.*"class":"hostkey-unknown"' \
    "an unknown host key: unreachable, class hostkey-unknown"
run "$O" target list
like "$out" "^unk .* unreachable +hostkey-unknown +-$" "the human list says hostkey-unknown"
like "$out" "^good .* reachable +failed \(exit 3\) +-$" "the other targets keep their own results"
run "$O" target list --tag nosuch --json
is "$out" "[]" "a tag filter still works with the last run join"

# ---- a cancelled run is not a result ----------------------------------------
"$O" run good -- 'sleep 600' >/dev/null 2>&1 &
rpid=$!
track_pid "$rpid"
job_s=""
wait_for 30 sh -c "\"$O\" job show \$(\"$O\" job list --limit 1 --json | sed -n 's/^\[{\"id\":\([0-9]*\).*/\1/p') --json | grep -q '\"runs\":\[{\"target\":\"good\",\"state\":\"running\"'"
ok $? "a long run on good is running"
job_s=$("$O" job list --limit 1 --json | sed -n 's/^\[{"id":\([0-9]*\).*/\1/p')
run "$O" job cancel "$job_s"
is "$rc" 0 "and is cancelled"
wait_for 30 sh -c "\"$O\" job show $job_s --json | grep -q '^{\"id\":$job_s,\"state\":\"cancelled\"'"
run tj good
like "$out" '"reachability":"reachable",.*"last_run":\{"job":[0-9]+,"state":"failed","exit":3' \
    "the cancelled run leaves the last result (failed, exit 3) alone"

# ---- events --------------------------------------------------------------
wait_for 30 grep -q '"target":"unk"' "$OPSICLE_HOME/events.out"
ev=$(cat "$OPSICLE_HOME/events.out")
like "$ev" '"type":"target-status".*"target":"good","status":"reachable"' \
    "target-status: good reachable"
like "$ev" '"type":"target-status".*"target":"dead","status":"unreachable","message":"connection-refused: ' \
    "target-status: dead unreachable, with the error"
like "$ev" '"type":"target-status".*"target":"unk","status":"unreachable","message":"hostkey-unknown: ' \
    "target-status: unk unreachable, hostkey-unknown"
is "$(printf '%s\n' "$ev" | grep -c '"type":"target-status"')" 4 \
    "one target-status per run with a result (none for the cancelled run)"
is "$(printf '%s\n' "$ev" | grep '"type":"target-status"' | grep -c '"target":"good"')" 2 \
    "two for good (ok, then failed)"

# ---- rename keeps the history; rm forgets it -------------------------------
run "$O" target edit good --rename good2
run tj good2
like "$out" '"name":"good2".*"reachability":"reachable".*"last_run":\{"job":[0-9]+,"state":"failed"' \
    "a renamed target keeps its last run"
run "$O" target rm good2
run "$O" target add good2 --host 127.0.0.31 --port "$SSHD_PORT" --cred k
run tj good2
like "$out" '"reachability":"unknown","reach_class":null,"last_run":null\}$' \
    "a target added again under that name starts with no last run"

kill "$rpid" 2>/dev/null
"$O" daemon stop >/dev/null 2>&1
tap_finish

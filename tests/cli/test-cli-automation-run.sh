#!/bin/sh
# test-cli-automation-run.sh: "opsicle automation run" end to end, with a
# real daemon, real store and two real sshd (LogLevel INFO, so each login
# is counted on the sshd side): parameters reach the remote as
# environment variables (quotes, $(...), backticks, newlines); a secret
# value is masked where the remote echoes it and appears in no CLI output
# and no file under $OPSICLE_HOME; job show lists values (secret ***),
# batches and each step's state; three steps on 50 targets take 50
# sessions; on_failure stop and continue; batches with max_failures skip
# the later batches (counted, recorded skipped); version pinning; dry run
# opens no connection; rerun --failed; upload then a command that reads
# it; download per target; a bad value is a usage error.
. "${OPS_SRCDIR:-$(dirname "$0")/../..}/tests/lib/tap.sh"
. "${OPS_SRCDIR:-$(dirname "$0")/../..}/tests/lib/common.sh"
. "$OPS_SRCDIR/tests/lib/sshd.sh"

O="$OPS_BUILDDIR/tui/opsicle"
OPSICLE_DAEMON="$OPS_BUILDDIR/daemon/opsicled"
export OPSICLE_DAEMON
sshd_require
# one job at a time: a second one waits in the queue (version pinning)
OPSICLE_JOBS_MAX=1
export OPSICLE_JOBS_MAX
SSHD_LOGLEVEL=INFO
sshd_start_each 127.0.0.2 127.0.0.3
U=$(sshd_user)
B=$SSHD_BASE
W=$OPSICLE_HOME/work
mkdir -p "$W"
R=$(mktemp -d "${TMPDIR:-/tmp}/opsicle-remote.XXXXXX")	# the "remote" side
trap 'rm -rf "$R"; _ops_cleanup' EXIT

# logins: sessions both sshd accepted so far
logins() {
	cat "$B"/s1/sshd.log "$B"/s2/sshd.log 2>/dev/null |
	    grep -c 'Accepted publickey'
}
newest_job() {
	"$O" job list --limit 1 --json | sed -n 's/^\[{"id":\([0-9]*\).*/\1/p'
}
# apply NAME: the document on stdin becomes $W/NAME.yaml, applied
apply() {
	cat >"$W/$1.yaml"
	"$O" automation apply "$W/$1.yaml" >/dev/null 2>&1
}

plan_tests 89

run "$O" cred add k --ssh-key "$B/id_ed25519" </dev/null
is "$rc" 0 "cred add"
track_pid "$(cat "$OPSICLE_HOME/opsicled.lock")"
i=1
while [ $i -le 50 ]; do
	n=$(printf 't%02d' $i)
	"$O" target add "$n" --host 127.0.0.2 --port "$P1" --user "$U" \
	    --cred k --tag many >/dev/null 2>&1
	i=$((i + 1))
done
run "$O" target add b1 --host 127.0.0.3 --port "$P2" --user "$U" --cred k \
    --tag bad
run "$O" target add f1 --host 127.0.0.2 --port "$P1" --user "$U" --cred k \
    --tag pair
run "$O" target add f2 --host 127.0.0.3 --port "$P2" --user "$U" --cred k \
    --tag pair
run "$O" hostkey import "$B/known_hosts"
is "$rc" 0 "53 targets on two sshd, host keys imported"

# ---- one session per target for three steps ---------------------------
apply three <<'EOF'
name: three
targets: ["tag:many"]
rollout:
  forks: 50
steps:
  - command: echo one
  - command: echo two
  - command: echo three
EOF
before=$(logins)
run "$O" automation run three
is "$rc" 0 "three steps on 50 targets (none pooled yet)"
like "$err" "50 ok, 0 failed" "all 50 ok"
is "$(printf '%s\n' "$out" | grep -c ': three$')" 50 "each ran step 3"
is "$(( $(logins) - before ))" 50 "50 sessions on the sshd side (one per target)"

# ---- parameters and secrets -------------------------------------------
SECRET='hunter2-z9q'
apply env <<'EOF'
name: env
parameters:
  - name: q
    type: string
  - name: nl
    type: text
  - name: tok
    type: secret
    required: true
  - name: n
    type: int
    min: 1
    max: 5
    default: 2
  - name: psout
    type: string
    default: /dev/null
targets: [t01]
steps:
  - name: show
    command: printf '<%s>\n' "$OPSICLE_PARAM_Q" "$OPSICLE_PARAM_NL" "$OPSICLE_PARAM_N"; echo "tok=$OPSICLE_PARAM_TOK"; ps -eo args= > "$OPSICLE_PARAM_PSOUT" 
  - name: script
    script: |
      echo "script sees n=$OPSICLE_PARAM_N"
EOF
ok $? "automation apply env"
Q='it'"'"'s "x" $(echo no) `echo no` $HOME'
NL='line1
line2'
run_env() {
	printf '%s\n' "$SECRET" | "$O" automation run env -p "q=$Q" \
	    -p "nl=$NL" -p tok -p "psout=$R/ps.txt"
}
run run_env
is "$rc" 0 "automation run exits 0"
like "$out" "^t01: <it's \"x\" \\\$\\(echo no\\) \`echo no\` \\\$HOME>$" \
    "a value with quotes, \$(...), backticks arrives as it was"
like "$out" "^t01: <line1$" "a value with a newline: its first line"
like "$out" "^t01: line2>$" "... and its second, in the same variable"
like "$out" "^t01: <2>$" "a default value arrives too"
like "$out" "^t01: tok=\\*\\*\\*$" "the secret echoed back is masked"
like "$out" "^t01: script sees n=2$" "a script step sees the parameters"
like "$err" "1 ok, 0 failed" "the summary is run's"
ok "$([ -s "$R/ps.txt" ] && ! grep -qF "$SECRET" "$R/ps.txt"; echo $?)" \
    "the secret is in no command line on the target (its ps)"
unlike "$out$err" "$SECRET" "the secret is in no output of the CLI"
job_env=$(newest_job)
run "$O" job show "$job_env"
like "$out" "automation env version 1" "job show names automation and version"
like "$out" "param +tok = \\*\\*\\*" "job show lists the secret as ***"
like "$out" "param +q = it's" "and a plain value as it is"
like "$out" "t01 +1 +1\\. show +ok +0" "job show: step 1's state per target"
like "$out" "t01 +1 +2\\. script +ok" "job show: step 2's state"
run "$O" job show "$job_env" --json
unlike "$out" "$SECRET" "the secret is not in job show --json"
run "$O" job logs "$job_env"
unlike "$out" "$SECRET" "nor in the stored output"
run "$O" audit list
unlike "$out" "$SECRET" "nor in the audit"
hits=$(grep -rlaF "$SECRET" "$OPSICLE_HOME" 2>/dev/null | grep -v "^$B" | wc -l)
is "$hits" 0 "no file under \$OPSICLE_HOME (store, logs) holds the secret"
run sh -c "printf '%s\n' '$SECRET' | '$O' automation run env -p n=9 -p tok"
is "$rc" 2 "a bad value is a usage error (exit 2)"
like "$err" "parameter 'n'" "naming the parameter"
is "$(newest_job)" "$job_env" "and no job exists for it"

run "$O" automation run three t01 t02 --group
is "$rc" 0 "--group"
like "$out" "^t01,t02 \\(2\\)$" "folds the two targets' identical output"
run "$O" automation run three t01 --json
like "$out" '"automation":"three"' "--json: the job as job show gives it"
like "$out" '"stdout":"one\\ntwo\\nthree\\n"' "with each run's output"

# ---- dry run ------------------------------------------------------------
before=$(logins)
run sh -c "printf 'sec\n' | '$O' automation run env t01 t02 -p tok --dry-run"
is "$rc" 0 "dry run exits 0"
like "$out" "^targets \\(2\\): t01 t02$" "it lists the targets"
like "$out" "tok = \\*\\*\\*" "and the values, the secret masked"
like "$out" "1\\. show \\(command" "and the steps"
is "$(( $(logins) - before ))" 0 "a dry run opens no connection"

# ---- on_failure ---------------------------------------------------------
apply stop <<'EOF'
name: stop
targets: [f1]
steps:
  - command: echo first; exit 3
  - command: echo second
EOF
run "$O" automation run stop
is "$rc" 1 "a failing step fails the target"
unlike "$out" "second" "on_failure stop: the next step does not run"
run "$O" job show "$(newest_job)"
like "$out" "f1 +1 +2\\. step-2 +skipped" "and it is recorded skipped"
apply cont <<'EOF'
name: cont
targets: ["tag:pair"]
steps:
  - command: case "$SSH_CONNECTION" in *127.0.0.3*) exit 4;; esac
    on_failure: continue
  - command: echo second
EOF
run "$O" automation run cont
is "$rc" 1 "on_failure continue: the target still fails"
like "$out" "^f2: second$" "but its next step runs"
like "$err" "1 ok, 1 failed" "f1 ok, f2 failed"
job_cont=$(newest_job)
run "$O" job rerun --failed "$job_cont"
is "$rc" 0 "job rerun --failed"
like "$out" "on f2$" "only the failed target"
rer=$(printf '%s\n' "$out" | sed -n 's/^job \([0-9]*\).*/\1/p')
"$O" job wait "$rer" >/dev/null 2>&1
run "$O" job show "$rer"
like "$out" "automation cont version 1" "the rerun runs the same version"
unlike "$out" "^f1 " "and not f1"

# ---- batches and max_failures -------------------------------------------
apply roll <<'EOF'
name: roll
targets: [b1, t01, t02, t03]
rollout:
  batch: 1
  max_failures: 0
steps:
  - command: case "$SSH_CONNECTION" in *127.0.0.3*) exit 1;; esac; echo ran
EOF
run "$O" automation run roll
is "$rc" 1 "a rollout with a failure"
unlike "$out" "ran" "batch 1 (b1) failed: batches 2-4 never start"
like "$err" "0 ok, 4 failed" "the skipped targets are counted"
run "$O" job show "$(newest_job)"
like "$out" "t03 +skipped" "and recorded skipped"
like "$out" "4 batches" "job show gives the batches"

# ---- upload, then a command reads it; download --------------------------
apply files <<EOF
name: files
targets: [t01, t02]
steps:
  - upload:
      content: "hello upload\n"
      dest: $R/up.txt
      mode: 0640
  - command: cat $R/up.txt; stat -c %a $R/up.txt
  - download:
      src: $R/up.txt
      dest: $OPSICLE_HOME/dl
EOF
run "$O" automation run files --forks 1
is "$rc" 0 "upload, command, download"
like "$out" "^t01: hello upload$" "the command reads the uploaded file"
like "$out" "^t01: 640$" "with the mode asked for"
ok "$([ -f "$OPSICLE_HOME/dl/t01/up.txt" ] && [ -f "$OPSICLE_HOME/dl/t02/up.txt" ]; echo $?)" \
    "download: one file per target, DEST/TARGET/NAME"

# ---- version pinning ----------------------------------------------------
apply pin <<'EOF'
name: pin
targets: [t01]
steps:
  - command: sleep 2; echo v1
EOF
"$O" automation run pin --detach >/dev/null 2>&1
ja=$(newest_job)
"$O" automation run pin t02 --detach >/dev/null 2>&1
jb=$(newest_job)
apply pin <<'EOF'
name: pin
targets: [t01]
steps:
  - command: echo v2
EOF
"$O" job wait "$jb" --timeout 30 >/dev/null 2>&1
run "$O" job logs "$jb"
like "$out" "v1" "a job queued or running before v2 was applied runs v1"
"$O" job wait "$ja" --timeout 30 >/dev/null 2>&1
run "$O" automation run pin
like "$out" "^t01: v2$" "a new job runs v2"

# ---- rollout order by tag rank ------------------------------------------
"$O" target edit t03 --add-tag canary >/dev/null 2>&1
apply ordered <<'EOF2'
name: ordered
targets: [t01, t02, t03]
rollout:
  batch: 1
  order: [tag:canary]
steps:
  - command: "true"
EOF2
run "$O" automation run ordered --dry-run
like "$out" "^batch 1: t03$" "order: the canary's batch comes first"
like "$out" "^batch 3: t02$" "then the others by name"

# ---- retries: connection-class failures only ----------------------------
"$O" target add down --host 127.0.0.2 --port 1 --user "$U" --cred k \
    >/dev/null 2>&1
apply retry <<'EOF2'
name: retry
targets: [down]
steps:
  - command: "true"
    retries: 2
    retry_delay: 300ms
EOF2
run "$O" automation run retry
is "$rc" 1 "a target that refuses connections fails"
like "$err" "connection-refused" "with the connection's class"
like "$(cat "$OPSICLE_HOME/logs/opsicled.log")" "retry 2 of 2" \
    "after the step's two retries"
apply noretry <<'EOF2'
name: noretry
targets: [t01]
steps:
  - command: exit 5
    retries: 2
EOF2
n0=$(grep -c '; retry ' "$OPSICLE_HOME/logs/opsicled.log")
run "$O" automation run noretry
is "$rc" 1 "a non-zero exit fails the target"
is "$(grep -c '; retry ' "$OPSICLE_HOME/logs/opsicled.log")" "$n0" \
    "and is never retried"

# ---- a script stored with the version; a rerun re-uses the sealed secret -
mkdir -p "$W/s"
printf 'printf %%s "$OPSICLE_PARAM_TOK" | sha256sum | cut -c1-16\n' \
    >"$W/s/hash.sh"
apply shash <<'EOF2'
name: shash
parameters:
  - name: tok
    type: secret
    required: true
targets: [t01]
steps:
  - script:
      file: s/hash.sh
EOF2
want=$(printf %s "$SECRET" | sha256sum | cut -c1-16)
run sh -c "printf '%s' '$SECRET' | '$O' automation run shash -p tok"
is "$rc" 0 "a script from a file stored with the version"
like "$out" "^t01: $want$" "it got the secret's value"
rm -f "$W/s/hash.sh"
run "$O" job rerun "$(newest_job)"
rer=$(printf '%s\n' "$out" | sed -n 's/^job \([0-9]*\).*/\1/p')
"$O" job wait "$rer" >/dev/null 2>&1
run "$O" job logs "$rer"
like "$out" "^t01: $want$" \
    "a rerun runs the stored script with the secret from the store"

# ---- cancel -------------------------------------------------------------
apply slow <<'EOF2'
name: slow
targets: [t01]
steps:
  - name: nap
    command: sleep 37.5
  - name: after
    command: echo after
EOF2
"$O" automation run slow --detach >/dev/null 2>&1
js=$(newest_job)
step_running() { "$O" job show "$js" | grep -q '1\. nap  *running'; }
wait_for 10 step_running
run "$O" job cancel "$js"
is "$rc" 0 "job cancel of a running automation job"
nap_gone() { ! pgrep -f 'sleep 37[.]5' >/dev/null; }
wait_for 5 nap_gone
ok $? "the cancelled step's remote process is gone"
run "$O" job show "$js"
like "$out" "state +cancelled" "the job is cancelled"
like "$out" "t01 +1 +1\\. nap +failed .*cancelled" "its running step says so"
like "$out" "t01 +1 +2\\. after +skipped" "the next one is skipped"

# ---- per target pipeline; a step's own timeout --------------------------
apply pipe <<'EOF2'
name: pipe
targets: ["tag:pair"]
steps:
  - name: first
    command: case "$SSH_CONNECTION" in *127.0.0.3*) sleep 3;; esac; echo first
  - name: second
    command: echo second
EOF2
run "$O" automation run pipe
is "$rc" 0 "two targets, one slow in its first step"
run "$O" job show "$(newest_job)" --json
# f1's second step ends before f2's first one does: no lockstep
fin() { printf '%s\n' "$out" | jq -r ".runs[] | select(.target == \"$1\") | .steps[$2].finished"; }
ok "$([ -n "$(fin f1 1)" ] && [ "$(fin f1 1)" -lt "$(fin f2 0)" ]; echo $?)" \
    "a target goes to its next step when its own step ends"
apply tmo <<'EOF2'
name: tmo
targets: [t01]
timeout: 60s
steps:
  - command: sleep 21.5; echo late
    timeout: 1s
EOF2
run "$O" automation run tmo
is "$rc" 1 "a step over its own timeout fails"
like "$err" "timeout" "as a timeout"
unlike "$out" "late" "and never finishes"
tmo_gone() { ! pgrep -f 'sleep 21[.]5' >/dev/null; }
wait_for 5 tmo_gone
ok $? "its remote process is gone"

# ---- step-state events ---------------------------------------------------
"$O" events --json >"$W/ev.out" 2>&1 &
evp=$!
track_pid "$evp"
# subscribed once a job's events reach it
primed() { "$O" run t02 -- true >/dev/null 2>&1; grep -q '"job-state"' "$W/ev.out"; }
wait_for 10 primed
run "$O" automation run three t01 --quiet
wait_for 5 grep -q '"type":"step-state".*"step":3.*"state":"ok"' "$W/ev.out"
kill "$evp" 2>/dev/null
like "$(cat "$W/ev.out")" '"type":"step-state".*"target":"t01","step":1,"name":"step-1","state":"running"' \
    "events: a step-state event when a step starts"
like "$(cat "$W/ev.out")" '"type":"step-state".*"step":3,"name":"step-3","state":"ok","exit":0' \
    "and when it ends"

# ---- become per step (sudo); values and secrets reach it too ------------
if command -v sudo >/dev/null && [ "$(id -u)" = 0 ]; then
	apply bec <<'EOF2'
name: bec
parameters:
  - name: x
    type: string
  - name: tok
    type: secret
targets: [t01]
steps:
  - command: echo "as $(id -un) x=$OPSICLE_PARAM_X"; printf %s "$OPSICLE_PARAM_TOK" | sha256sum | cut -c1-16
    become: root
EOF2
	run sh -c "printf '%s' '$SECRET' | '$O' automation run bec -p x=1 -p tok"
	is "$rc" 0 "a step with become runs under sudo"
	like "$out" "^t01: as root x=1$" "with the parameters"
	like "$out" "^t01: $want$" "and the secret, fed after sudo is done"
else
	skip 3 "needs sudo and root"
fi

# ---- the daemon stops under a running automation job --------------------
"$O" automation run slow --detach >/dev/null 2>&1
js=$(newest_job)
wait_for 10 step_running
"$O" daemon stop --grace 0 >/dev/null 2>&1
gone() { ! kill -0 "$dpid" 2>/dev/null; }
dpid=$(cat "$OPSICLE_HOME/opsicled.lock" 2>/dev/null)
wait_for 20 gone
run "$O" job show "$js"
track_pid "$(cat "$OPSICLE_HOME/opsicled.lock")"
like "$out" "state +interrupted" "the job is interrupted"
like "$out" "t01 +1 +1\\. nap +failed" "its running step is failed"
like "$out" "t01 +1 +2\\. after +skipped" "and the next one skipped"

# ---- batches of P% -------------------------------------------------------
apply pct <<'EOF2'
name: pct
targets: [t01, t02, t03, t04, t05]
rollout:
  batch: 40%
steps:
  - command: "true"
EOF2
run "$O" automation run pct --dry-run --json
is "$(printf '%s\n' "$out" | jq -c .batches)" \
    '[["t01","t02"],["t03","t04"],["t05"]]' "batch 40% of 5: batches of 2"

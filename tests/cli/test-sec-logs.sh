#!/bin/sh
# test-sec-logs.sh: a job whose stored output is larger than a frame
# (13 targets of one real sshd, each 1.5 MB of text on stdout and 300 kB
# of 0xff on stderr: base64) prints whole through "job logs" (text,
# --target, --json, -f), "run --json" and "run --group"; the byte counts
# match what the targets wrote.
. "${OPS_SRCDIR:-$(dirname "$0")/../..}/tests/lib/tap.sh"
. "${OPS_SRCDIR:-$(dirname "$0")/../..}/tests/lib/common.sh"
. "$OPS_SRCDIR/tests/lib/sshd.sh"

O="$OPS_BUILDDIR/tui/opsicle"
OPSICLE_DAEMON="$OPS_BUILDDIR/daemon/opsicled"
export OPSICLE_DAEMON
PY=/usr/bin/python3
[ -x "$SSHD" ] || skip_all "OpenSSH sshd not installed"
command -v ssh-keygen >/dev/null || skip_all "ssh-keygen not installed"
command -v ss >/dev/null || skip_all "ss (iproute2) not installed"
[ -x "$PY" ] || skip_all "$PY not installed"

sshd_start s1 127.0.0.2 || skip_all "could not start sshd on 127.0.0.2"
U=$(sshd_user)
B=$SSHD_BASE
N=13
OUT=1500000		# stdout bytes per target: 15000 lines of 100
ERR=300000		# stderr bytes per target
# Each target: 15000 lines of 99 "x", then 300 kB of 0xff on stderr.
CMD="yes xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx | head -c $OUT; head -c $ERR /dev/zero | tr '\\000' '\\377' >&2"

plan_tests 19

printf 'output-cap = 4m\n' >"$OPSICLE_HOME/opsicle.conf"
chmod 600 "$OPSICLE_HOME/opsicle.conf"
run "$O" cred add k --ssh-key "$B/id_ed25519" </dev/null
track_pid "$(cat "$OPSICLE_HOME/opsicled.lock" 2>/dev/null)"
i=1
while [ $i -le $N ]; do
	"$O" target add "t$i" --host 127.0.0.2 --port "$SSHD_PORT" --user "$U" \
	    --cred k >/dev/null || break
	i=$((i + 1))
done
run "$O" hostkey import "$B/known_hosts"
is "$rc" 0 "$N targets on one sshd, host key imported"

# ---- the job: more output than one frame holds ----------------------------
"$O" run all -- "$CMD" >"$OPSICLE_HOME/run.out" 2>"$OPSICLE_HOME/run.err"
is "$?" 0 "run on $N targets exits 0"
like "$(tail -n 1 "$OPSICLE_HOME/run.err")" "^$N ok, 0 failed" "all $N ok (the summary on stderr)"
job=$("$O" job list --limit 1 --json | sed -n 's/^\[{"id":\([0-9]*\).*/\1/p')

# Text: every line, prefixed; stderr's one long line per target.
"$O" job logs "$job" >"$OPSICLE_HOME/logs.out" 2>"$OPSICLE_HOME/logs.err"
is "$?" 0 "job logs of a job larger than a frame exits 0"
is "$(wc -l <"$OPSICLE_HOME/logs.out" | tr -d ' ')" $((N * 15000)) \
    "job logs prints every stdout line"
is "$(grep -c '^t7: x\{99\}$' "$OPSICLE_HOME/logs.out")" 15000 \
    "t7's lines whole, in order, prefixed"
want=0
i=1
while [ $i -le $N ]; do
	want=$((want + ${#i} + 3 + ERR + 1))	# "tN: " + bytes + newline
	i=$((i + 1))
done
is "$(wc -c <"$OPSICLE_HOME/logs.err" | tr -d ' ')" "$want" \
    "job logs prints every stderr byte (base64 pieces)"

run "$O" job logs "$job" --target t5
is "$rc" 0 "job logs --target exits 0"
is "$(printf '%s\n' "$out" | wc -c | tr -d ' ')" "$OUT" \
    "job logs --target prints the bare $OUT bytes"

# --json: one object, every run's whole output.
check_json() {	# FILE WHAT: N runs, each stream whole
	"$PY" - "$1" "$2" "$N" "$OUT" "$ERR" <<'EOF'
import base64, json, sys
path, what, n, out, err = sys.argv[1], sys.argv[2], *map(int, sys.argv[3:])
d = json.load(open(path))
runs = d["runs"]
assert len(runs) == n, len(runs)
for r in runs:
    assert r["stdout_encoding"] == "utf8", r["stdout_encoding"]
    assert len(r["stdout"]) == out, (r["target"], len(r["stdout"]))
    assert r["stdout"] == ("x" * 99 + "\n") * (out // 100)
    assert r["stderr_encoding"] == "base64"
    assert base64.b64decode(r["stderr"]) == b"\xff" * err
if what == "logs":
    assert d["job"] > 0 and d["state"] == "done", d["state"]
    assert all(r["state"] == "ok" and not r["stdout_truncated"] for r in runs)
else:
    assert d["ok"] == n and d["state"] == "done"
    assert all(r["exit"] == 0 for r in runs)
EOF
}
"$O" job logs "$job" --json >"$OPSICLE_HOME/logs.json" 2>"$OPSICLE_HOME/e"
is "$?" 0 "job logs --json exits 0"
check_json "$OPSICLE_HOME/logs.json" logs 2>"$OPSICLE_HOME/e"
st=$?
ok $st "job logs --json: $N runs, every byte of both streams"
[ $st = 0 ] || diag "$(tail -n 3 "$OPSICLE_HOME/e")"

"$O" run all --json -- "$CMD" >"$OPSICLE_HOME/run.json" 2>"$OPSICLE_HOME/e"
is "$?" 0 "run --json on $N targets exits 0"
check_json "$OPSICLE_HOME/run.json" run 2>"$OPSICLE_HOME/e"
st=$?
ok $st "run --json: the job with every run's whole output"
[ $st = 0 ] || diag "$(tail -n 3 "$OPSICLE_HOME/e")"

run "$O" run all --group -- "$CMD"
is "$rc" 0 "run --group exits 0"
like "$out" "\($N\)" "run --group folds the $N identical outputs into one"
is "$(printf '%s\n' "$out" | grep -c '^x\{99\}$')" 15000 \
    "and prints the group's output once, whole"

# -f: the stored output replayed in pieces, then the end.
"$O" job logs "$job" -f >"$OPSICLE_HOME/f.out" 2>/dev/null
is "$?" 0 "job logs -f of the ended job exits 0"
is "$(wc -l <"$OPSICLE_HOME/f.out" | tr -d ' ')" $((N * 15000)) \
    "job logs -f prints every stdout line"
unlike "$(cat "$OPSICLE_HOME/logs/opsicled.log")" "frame limit|not reading" \
    "the daemon never built an oversized frame nor dropped a reader"
tap_finish

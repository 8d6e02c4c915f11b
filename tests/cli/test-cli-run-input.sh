#!/bin/sh
# test-cli-run-input.sh: "run --stdin" and "run --host" with a real
# daemon and three real sshd. --stdin: our standard input reaches every
# target's command whole (text, binary, several MiB, exactly the cap),
# then EOF; past the cap it is a usage error and nothing runs; without
# --stdin the command gets EOF at once; a rerun does not replay it; it
# never reaches the daemon's logs. --host: an unregistered host runs when
# its key is known (from a target at the same address, or from
# $OPSICLE_HOME/known_hosts), is refused with its fingerprint when not,
# runs with --accept-new-hostkey for that run only (audited), never
# becomes a target, takes --stdin too, and hostile host strings are
# usage errors.
. "${OPS_SRCDIR:-$(dirname "$0")/../..}/tests/lib/tap.sh"
. "${OPS_SRCDIR:-$(dirname "$0")/../..}/tests/lib/common.sh"
. "$OPS_SRCDIR/tests/lib/sshd.sh"

O="$OPS_BUILDDIR/tui/opsicle"
OPSICLE_DAEMON="$OPS_BUILDDIR/daemon/opsicled"
export OPSICLE_DAEMON
sshd_require
sshd_start_each 127.0.0.5 127.0.0.6 127.0.0.7
H3PUB=$SSHD_HOSTPUB
H3FP=$(printf '%s\n' "$SSHD_HOSTPUB" | ssh-keygen -lf - | cut -d' ' -f2)
U=$(sshd_user)
B=$SSHD_BASE
T=$OPSICLE_HOME/data
mkdir -p "$T"

# has OUT TEXT NAME: TEXT (no pattern) is in OUT
has() {
	printf '%s\n' "$1" | grep -qF -- "$2"
	ok $? "$3"
}
newest_job() {
	"$O" job list --limit 1 --json | sed -n 's/^\[{"id":\([0-9]*\).*/\1/p'
}
njobs() {
	"$O" job list --limit 0 --json | grep -o '"id":' | wc -l
}

plan_tests 44

run "$O" cred add k --ssh-key "$B/id_ed25519" </dev/null
track_pid "$(cat "$OPSICLE_HOME/opsicled.lock")"
run "$O" target add t1 --host 127.0.0.5 --port "$P1" --user "$U" --cred k
run "$O" target add t2 --host 127.0.0.6 --port "$P2" --user "$U" --cred k
grep -v "127.0.0.7" "$B/known_hosts" >"$T/kh"
run "$O" hostkey import "$T/kh"
is "$rc" 0 "two targets with their host keys"

# ---- --stdin reaches every target ----------------------------------------
out=$(printf 'stdin-marker-q7v\n' | "$O" run --stdin t1 t2 -- 'wc -c' 2>&1); rc=$?
is "$rc" 0 "run --stdin t1 t2 -- 'wc -c'"
like "$out" "^t1: 17$" "t1's command read the 17 bytes"
like "$out" "^t2: 17$" "t2's command too"

head -c 3000000 /dev/urandom >"$T/bin"
want=$(sha256sum <"$T/bin" | cut -d' ' -f1)
run sh -c "\"$O\" run --stdin t1 t2 -- sha256sum <\"$T/bin\""
is "$rc" 0 "3 MB of binary stdin"
is "$(printf '%s\n' "$out" | grep -c "^t[12]: $want  -$")" 2 \
    "reaches both targets byte for byte (NUL bytes and all)"

head -c 8388608 /dev/zero >"$T/cap"
run sh -c "\"$O\" run --stdin t1 -- 'wc -c' <\"$T/cap\""
like "$out" "^t1: 8388608$" "exactly the cap (8 MiB) goes through"

before=$(njobs)
head -c 8388609 /dev/zero >"$T/over"
run sh -c "\"$O\" run --stdin t1 -- 'wc -c' <\"$T/over\""
is "$rc" 2 "a byte past the cap is a usage error"
like "$err" "larger than 8 MiB" "that names the cap"
is "$(njobs)" "$before" "and nothing ran"

run sh -c "printf 'x\n' | \"$O\" run t1 -- 'cat; echo end'"
like "$out" "^t1: end$" "without --stdin the command gets EOF at once"
unlike "$out" "t1: x" "and none of our stdin"

run sh -c "printf '' | \"$O\" run --stdin t1 -- 'wc -c'"
like "$out" "^t1: 0$" "an empty stdin is an empty stdin"

job=$(printf 'again\n' | "$O" run --stdin --json t1 -- 'wc -c' |
    sed -n 's/^{"id":\([0-9]*\).*/\1/p')
run "$O" job rerun "$job" --json
rerun=$(printf '%s\n' "$out" | sed -n 's/.*"job":\([0-9]*\).*/\1/p')
wait_for 20 sh -c "\"$O\" job show $rerun | grep -q 'targets 1 (1 ok'"
run "$O" job logs "$rerun"
like "$out" "^t1: 0$" "a rerun does not replay the stdin (the command reads nothing)"

run "$O" job show "$job" --json
unlike "$out" "again" "the stdin is not stored with the job"
unlike "$(cat "$OPSICLE_HOME"/logs/* 2>/dev/null)" "stdin-marker-q7v" \
    "nor written to the daemon's logs"

# ---- --host: ad-hoc hosts ------------------------------------------------
A1="$U@127.0.0.5:$P1"
A3="$U@127.0.0.7:$P3"
run "$O" run --host "$A1" --cred k -- echo adhoc
is "$rc" 0 "run --host on a host whose key a target has"
like "$out" "^$A1: adhoc$" "the output is prefixed with the host"
run "$O" target list
is "$(printf '%s\n' "$out" | awk 'NR > 1' | wc -l | tr -d ' ')" 2 "no target was created"

run "$O" run --host "$A3" --cred k -- echo no
is "$rc" 1 "an unknown host key is refused"
has "$err" "$A3: hostkey-unknown: $A3 presented ssh-ed25519 $H3FP" \
    "with the key's fingerprint (in the summary, on stderr)"
like "$err" "--accept-new-hostkey" "and how to trust it"
unlike "$out" "$A3: no" "and nothing ran"
run "$O" hostkey list
unlike "$out" "127.0.0.7" "no pending key is kept for it"

run "$O" run --host "$A3" --cred k --accept-new-hostkey -- echo tofu
is "$rc" 0 "--accept-new-hostkey trusts it on first use"
like "$out" "^$A3: tofu$" "and the command ran"
run "$O" audit list
like "$out" "run.accept-new-hostkey +$A3" "the audit records the trusted host"
has "$(cat "$OPSICLE_HOME"/logs/*)" "trusted the new host key $H3FP of $A3" \
    "the daemon's log names the key"
run "$O" run --host "$A3" --cred k -- true
is "$rc" 1 "the trust was for that run only"

printf '[127.0.0.7]:%s %s\n' "$P3" "$H3PUB" >"$OPSICLE_HOME/known_hosts"
run "$O" run --host "$A3" --cred k -- echo kh
is "$rc" 0 "a key in OPSICLE_HOME/known_hosts is known"
like "$out" "^$A3: kh$" "and the command ran"

out=$(printf 'both\n' | "$O" run --stdin --host "$A3" --cred k t2 -- 'wc -c' 2>&1); rc=$?
is "$rc" 0 "--stdin with a target and an ad-hoc host"
like "$out" "^$A3: 5$" "the ad-hoc host read it"
like "$out" "^t2: 5$" "the target too"

job=$(newest_job)
run "$O" job rerun "$job"
is "$rc" 1 "a job on ad-hoc hosts is not rerun"
like "$err" "ad-hoc host $A3" "naming the host"

run "$O" run --host "$A1" --cred nosuch -- true
is "$rc" 1 "an unknown --cred is refused"
like "$err" "nosuch" "naming it"
run "$O" run --cred k t1 -- true
is "$rc" 2 "--cred without --host is a usage error"
run "$O" run --host 'a b' -- true
is "$rc" 2 "a host with a space is a usage error"
run "$O" run --host '::1' -- true
like "$err" "brackets" "a bare IPv6 address is refused: it needs brackets"
run "$O" run --host '127.0.0.7:70000' -- true
like "$err" "\"127.0.0.7:70000\" has a port that is not a number from 1 to 65535" \
    "a port out of range is refused, quoting the host"
run "$O" run --host 'r;oot@127.0.0.7' -- true
is "$rc" 2 "a user with a bad character is a usage error"
run "$O" run --host "$(printf 'h\033]0;x\007')" -- true
unlike "$err" "$(printf '\033')" "the message never quotes an escape byte"

#!/bin/sh
# test-cli-select.sh: selector expressions end to end, with a real daemon
# and three real sshd (opsicle(1) SELECTORS): comma lists, '&'
# intersection, '!' exclusion, -x/--exclude, the refusals (a term that
# matches no target, a set that selects none, a malformed selector,
# quoted), and "target list" reading the same expressions.
. "${OPS_SRCDIR:-$(dirname "$0")/../..}/tests/lib/tap.sh"
. "${OPS_SRCDIR:-$(dirname "$0")/../..}/tests/lib/common.sh"
. "$OPS_SRCDIR/tests/lib/sshd.sh"

O="$OPS_BUILDDIR/tui/opsicle"
OPSICLE_DAEMON="$OPS_BUILDDIR/daemon/opsicled"
export OPSICLE_DAEMON
sshd_require
sshd_start_each 127.0.0.2 127.0.0.3 127.0.0.4
U=$(sshd_user)
B=$SSHD_BASE

# names OUT: the targets that printed "NAME: x", sorted, on one line
names() {
	printf '%s\n' "$1" | sed -n 's/^\([a-z0-9]*\): x$/\1/p' | sort | tr '\n' ' ' |
	    sed 's/ $//'
}
njobs() {
	"$O" job list --limit 0 --json | grep -o '"id":' | wc -l
}

plan_tests 30

run "$O" cred add k --ssh-key "$B/id_ed25519" </dev/null
track_pid "$(cat "$OPSICLE_HOME/opsicled.lock")"
run "$O" target add web1 --host 127.0.0.2 --port "$P1" --user "$U" --cred k --tag web --tag eu
run "$O" target add web2 --host 127.0.0.3 --port "$P2" --user "$U" --cred k --tag web --tag us
run "$O" target add web3 --host 127.0.0.4 --port "$P3" --user "$U" --cred k --tag web --tag eu
run "$O" target add db1 --host 127.0.0.2 --port "$P1" --user "$U" --cred k --tag db --tag eu
is "$rc" 0 "four targets on three sshds"
run "$O" hostkey import "$B/known_hosts"
is "$rc" 0 "their host keys imported"

# ---- what each form selects ---------------------------------------------
run "$O" run web1,web2,tag:db -- echo x
is "$rc" 0 "a comma list runs"
is "$(names "$out")" "db1 web1 web2" "a comma list is a union"
run "$O" run 'web*,&tag:eu' -- echo x
is "$(names "$out")" "web1 web3" "web*,&tag:eu: an intersection"
run "$O" run 'web* & tag:eu' -- echo x
is "$(names "$out")" "web1 web3" "'web* & tag:eu' with blanks"
run "$O" run 'web*' '&tag:eu' '!web3' -- echo x
is "$(names "$out")" "web1" "separate arguments combine: union, intersection, exclusion"
like "$err" "1 ok, 0 failed" "and the summary counts one (on stderr)"
run "$O" run '!tag:db' -- echo x
is "$(names "$out")" "web1 web2 web3" "'!tag:db' alone: every target but the db ones"
run "$O" run -x web1 tag:web -- echo x
is "$(names "$out")" "web2 web3" "-x removes a target (pdsh's -x)"
run "$O" run --exclude web1,tag:db -x web3 all -- echo x
is "$(names "$out")" "web2" "--exclude takes a list and -x repeats"
run "$O" run --json 'web1 web2' -- echo x
like "$out" '"total":2' "a blank-separated list in one argument"

# ---- refusals ---------------------------------------------------------
before=$(njobs)
run "$O" run 'web*,!wbe3' -- echo x
is "$rc" 1 "a mistyped exclusion is refused"
like "$err" "matches no target: !wbe3" "naming the term that matches nothing"
run "$O" run nosuch '&tag:zz' web1 -- true
like "$err" "these selectors match no target: nosuch, &tag:zz" "every such term is listed"
run "$O" run 'tag:eu,&tag:us' -- true
is "$rc" 1 "terms that select nothing together are refused"
like "$err" "together these selectors match no target.*tag:eu, &tag:us" "and say so"
is "$(njobs)" "$before" "no job was created by a refused run"
run "$O" run 'web*,&' -- true
is "$rc" 2 "a dangling '&' is a usage error"
like "$err" "\"web\\*,&\": '&' needs a term" "that quotes the selector"
run "$O" run 'web1,,web2' -- true
is "$rc" 2 "an empty term is a usage error"
run "$O" run -x '!web1' all -- true
is "$rc" 2 "-x with '!' is a usage error"
like "$err" "-x takes plain terms" "that says -x takes plain terms"
run "$O" run 'web[' -- true
like "$err" "web\\[: the glob has an unclosed" "a bad glob in a list names the term"

# ---- target list reads the same expressions ----------------------------
run "$O" target list 'web*,!web2'
is "$rc" 0 "target list with an expression"
is "$(printf '%s\n' "$out" | awk 'NR > 1 {print $1}' | tr '\n' ' ')" "web1 web3 " \
    "lists what the expression selects"
run "$O" target list 'tag:eu,&tag:web'
is "$(printf '%s\n' "$out" | awk 'NR > 1 {print $1}' | tr '\n' ' ')" "web1 web3 " \
    "an intersection of tags"
run "$O" target list --tag eu '!db1'
is "$(printf '%s\n' "$out" | awk 'NR > 1 {print $1}' | tr '\n' ' ')" "web1 web3 " \
    "--tag with an exclusion"
run "$O" target list 'a,'
is "$rc" 1 "target list refuses a malformed expression"
like "$err" "\"a,\" ends with ','" "quoting it"

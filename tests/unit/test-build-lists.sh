#!/bin/sh
# test-build-lists.sh: every test file under tests/<dir>/ is listed in
# Makefile.am's TESTS, and so runs in "make check" and in the generated
# "make check-<dir>"; a test written but never listed fails here.
. "${OPS_SRCDIR:-$(dirname "$0")/../..}/tests/lib/tap.sh"

M="$OPS_SRCDIR/Makefile.am"
[ -r "$M" ] || skip_all "no Makefile.am at $M"

# The test names: tests/<dir>/test-*.c (a program) and test-*.sh (a script).
list=$(cd "$OPS_SRCDIR" && ls tests/*/test-*.c tests/*/test-*.sh 2>/dev/null |
    grep -v '^tests/bench/' | sed 's/\.c$//')
n=$(printf '%s\n' "$list" | grep -c .)
plan_tests $((n + 1))
ok $((n < 20)) "$n test files found under tests/"
for t in $list; do
	# a whole word in Makefile.am: "tests/x/test-y" or "tests/x/test-y.sh"
	grep -Eq "(^|[[:space:]=])$t([[:space:]\\\\]|\$)" "$M"
	ok $? "$t is listed in Makefile.am"
done
tap_finish

#!/bin/sh
# test-ssh-callgraph.sh: the SSH engine's files call and include one
# another without a cycle (tests/lib/callgraph.sh over the built objects
# and the sources), sessions and tasks never reach the engine, and
# ssh-util is a leaf. The script itself must find a planted cycle.
. "$OPS_SRCDIR/tests/lib/tap.sh"
. "$OPS_SRCDIR/tests/lib/common.sh"

CG=$OPS_SRCDIR/tests/lib/callgraph.sh
command -v nm >/dev/null || skip_all "nm not installed"
command -v tsort >/dev/null || skip_all "tsort not installed"
objs=
for o in "$OPS_BUILDDIR"/core/ssh-*.o "$OPS_BUILDDIR"/core/*_a-ssh-*.o; do
	# only objects of sources that exist: a build dir may keep stale ones
	b=$(basename "$o" .o); b=${b#*_a-}
	[ -f "$o" ] && [ -f "$OPS_SRCDIR/core/$b.c" ] && objs="$objs $o"
done
[ -n "$objs" ] || skip_all "core/ssh-*.o not built"

plan_tests 8

# shellcheck disable=SC2086
run sh "$CG" $objs
is "$rc" 0 "call graph of core/ssh-*.o has no cycle"
printf '%s\n' "$out" | sed 's/^/# /'
like "$out" '^ssh-util -> \(leaf\)$' "ssh-util calls no other ssh file"
unlike "$out" '^ssh-(session|pool|task-[a-z]+|util|keyscan) -> .*ssh-engine' \
    "sessions, pool, tasks, util and keyscan never reach ssh-engine"
like "$out" '^ssh-session -> ssh-util$' "sessions call only ssh-util"
like "$out" '^ssh-engine -> .*ssh-task-kill.*ssh-task-pull.*ssh-task-push.*ssh-task-script' \
    "the engine reaches every task kind"
unlike "$out" '^ssh-task-[a-z]+ -> .*ssh-(session|pool)' \
    "tasks never call sessions or the pool: they return outcomes"

run sh "$CG" -i "$OPS_SRCDIR"/core/ssh*.c "$OPS_SRCDIR"/core/ssh*.h
is "$rc" 0 "include graph of core/ssh*.[ch] has no cycle"

# a planted cycle: a.o calls b.o, b.o calls a.o
CC=${CC:-cc}
d=$OPSICLE_HOME/cycle
mkdir -p "$d"
printf 'void cg_b(void);\nvoid cg_a(void) { cg_b(); }\n' >"$d/ssh-a.c"
printf 'void cg_a(void);\nvoid cg_b(void) { cg_a(); }\n' >"$d/ssh-b.c"
if $CC -c -o "$d/ssh-a.o" "$d/ssh-a.c" 2>/dev/null &&
    $CC -c -o "$d/ssh-b.o" "$d/ssh-b.c" 2>/dev/null; then
	run sh "$CG" "$d/ssh-a.o" "$d/ssh-b.o"
	if [ "$rc" = 1 ] && printf '%s\n' "$out" | grep -q '^CYCLE:.*ssh-a'; then
		ok 0 "a planted cycle is reported (exit 1)"
	else
		ok 1 "a planted cycle is reported (exit 1)"
		diag "rc=$rc out=$out"
	fi
else
	skip 1 "no C compiler to plant a cycle"
fi

tap_finish

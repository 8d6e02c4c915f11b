#!/bin/sh
# test-daemon-callgraph.sh: the daemon's file-level call graph (from the
# built objects, tests/lib/callgraph.sh) keeps its layers: handlers are
# leaves that never call one another; only the operation table reaches
# them; the runner, the event bus and the services (hostkeys, audit) call
# no handler; the bus calls nothing. Files that are one module split in
# two (jobs/jobs-run, server/server-client/server-limits) may call each
# other, so the graph as a whole is not required to be acyclic.
. "${OPS_SRCDIR:-$(dirname "$0")/../..}/tests/lib/tap.sh"
. "${OPS_SRCDIR:-$(dirname "$0")/../..}/tests/lib/common.sh"

CG="$OPS_SRCDIR/tests/lib/callgraph.sh"
command -v nm >/dev/null || skip_all "nm not installed"
command -v tsort >/dev/null || skip_all "tsort not installed"
objs=
for c in "$OPS_SRCDIR"/daemon/*.c; do
	b=$(basename "$c" .c)
	[ "$b" = main ] && continue
	o="$OPS_BUILDDIR/daemon/$b.o"
	[ -f "$o" ] || o="$OPS_BUILDDIR/daemon/daemon_opsicled-$b.o"
	[ -f "$o" ] && objs="$objs $o"
done
[ -n "$objs" ] || skip_all "daemon objects not built"

plan_tests 7

# shellcheck disable=SC2086
out=$(sh "$CG" $objs 2>&1)
printf '%s\n' "$out" | sed 's/^/# /'
like "$out" '^handlers-targets -> ' "the graph lists the handler files"
like "$out" '^dispatch -> .*handlers-jobs' "and the operation table reaches them"
unlike "$out" '^handlers-[a-z]+ -> .*handlers-' \
    "no handler file calls another handler file"
unlike "$out" '^(acl|audit|boot|events|events-client|hostkeys|hostkeys-reply|jobs|jobs-run|logs-stream|server|server-client|server-limits|unlock-kdf|unlock-throttle) -> .*handlers-' \
    "only the operation table (dispatch) reaches the handlers"
unlike "$out" '^(jobs|jobs-run) -> .*(server|dispatch|events-client)' \
    "the runner calls neither the server, the dispatcher nor the client sink"
like "$out" '^events -> \(leaf\)$' "the event bus calls no other daemon file"
unlike "$out" '^(hostkeys|audit) -> .*(server|dispatch|jobs)' \
    "the host key and audit services call no server, dispatcher or runner"
tap_finish

#!/bin/sh
# test-record-fields.sh: the fields of the shared records (a target, a
# job, a run, a host key) are named in core/model-json.[ch] only. The
# daemon encodes and the CLI and the console decode through those codecs,
# so no file under daemon/ or tui/ passes one of these names to a JSON
# call; a display label ("{ "reachability", TARGET_F_REACH }") is fine.
. "${OPS_SRCDIR:-$(dirname "$0")/../..}/tests/lib/tap.sh"

cd "$OPS_SRCDIR" || exit 1
[ -r core/model-json.h ] || skip_all "no core/model-json.h"

# Names that only the records carry (not the names of request fields).
names="reachability reach_class last_run duration_ms requested_by
stdout_bytes stderr_bytes first_seen last_seen"
plan_tests $(($(echo $names | wc -w) + 1))

grep -q 'TARGET_F_REACH' tui/screen-targets.c
ok $? "the console's target columns use the codec's field names"
for n in $names; do
	# a name as an argument: after "(", "," or leading blanks, before "," or ")"
	hits=$(grep -nE "(^|[(,])[[:space:]]*\"$n\"[[:space:]]*[,)]" daemon/*.c tui/*.c)
	[ -z "$hits" ]
	ok $? "\"$n\" is named by the codec only${hits:+: $hits}"
done
tap_finish

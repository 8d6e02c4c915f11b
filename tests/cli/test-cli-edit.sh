#!/bin/sh
# test-cli-edit.sh: target edit on selectors with a real daemon: names,
# globs, tags and all pick targets; --set-cred, --add-tag, --rm-tag,
# --user and --port change every one; the count is printed; --dry-run
# lists and changes nothing; a selector that matches nothing, a missing
# credential, a rename of many or a refusal on one target changes none
# (one transaction); usage errors exit 2; one plain name keeps the old
# single-target edit.
. "${OPS_SRCDIR:-$(dirname "$0")/../..}/tests/lib/tap.sh"
. "${OPS_SRCDIR:-$(dirname "$0")/../..}/tests/lib/common.sh"

O="$OPS_BUILDDIR/tui/opsicle"
OPSICLE_DAEMON="$OPS_BUILDDIR/daemon/opsicled"
export OPSICLE_DAEMON
command -v python3 >/dev/null || skip_all "python3 not installed"

# state: every target as "name:port:user:cred:tag,tag" (sorted by name).
state() {
	"$O" target list --json | python3 -c '
import json, sys
for t in sorted(json.load(sys.stdin), key=lambda t: t["name"]):
    print("%s:%d:%s:%s:%s" % (t["name"], t["port"], t["user"] or "-",
        t["cred"] or "-", ",".join(t["tags"])))'
}

plan_tests 26

run "$O" target add web1 --host 10.0.0.1 --tag web
track_pid "$(cat "$OPSICLE_HOME/opsicled.lock")"
"$O" target add web2 --host 10.0.0.2 --tag web --tag old
"$O" target add web3 --host 10.0.0.3 --tag web
"$O" target add db1 --host 10.0.1.1 --tag db
"$O" target add db2 --host 10.0.1.2 --tag db
printf 'key\n' | "$O" cred add k1 --password >/dev/null
is "$(state | wc -l)" 5 "five targets"
before=$(state)

run "$O" target edit 'web*' tag:db --add-tag eu --dry-run
is "$rc" 0 "a dry run"
like "$out" "^would change db1$" "lists the targets it would change"
like "$out" "5 targets to change \(dry run: nothing changed\)" "and counts them"
is "$(state)" "$before" "and changes nothing"

run "$O" target edit 'web*' --set-cred k1 --add-tag eu --rm-tag old --user deploy --port 2222
is "$rc" 0 "a glob with --set-cred, --add-tag, --rm-tag, --user, --port"
like "$out" "^changed web2$" "names each target changed"
like "$out" "^3 targets changed$" "and prints the count"
is "$(state)" "db1:22:-:-:db
db2:22:-:-:db
web1:2222:deploy:k1:eu,web
web2:2222:deploy:k1:eu,web
web3:2222:deploy:k1:eu,web" "every web target changed, the db ones did not"

run "$O" target edit web1 tag:db --add-tag eu
is "$rc" 0 "a name and a tag together"
like "$out" "^2 targets changed, 1 already as asked$" \
    "a target already as asked is counted apart"

before=$(state)
run "$O" target edit 'web*' nosuch --user x
is "$rc" 1 "a selector that matches nothing refuses the edit"
like "$err" '"nosuch" matches no target; nothing changed' "and names it"
run "$O" target edit all --set-cred nosuch
is "$rc" 1 "a missing credential refuses the edit"
like "$err" "nosuch.*nothing changed" "and says nothing changed"
run "$O" target edit 'db*' --rename x
is "$rc" 1 "a rename of two targets is refused"
like "$err" "for one target, and the selectors match 2" "with the count"
is "$(state)" "$before" "none of those changed anything"

# db2 holds 32 tags, the most a target may have: adding one to db1 and
# db2 passes db1 first, then fails on db2, and db1 is rolled back.
i=1
while [ $i -le 31 ]; do set -- "$@" --tag "t$i"; i=$((i + 1)); done
"$O" target edit db2 --tag db "$@"
before=$(state)
run "$O" target edit db1 db2 --add-tag more
is "$rc" 1 "a change refused on one target"
is "$(state)" "$before" "changes none (db1 neither): one transaction"

run "$O" target edit 'web*' --tag a --add-tag b
is "$rc" 2 "--tag with --add-tag is a usage error"
run "$O" target edit 'web*' --cred k1 --set-cred k1
is "$rc" 2 "--cred with --set-cred is a usage error"
run "$O" target edit 'web*'
is "$rc" 2 "nothing to change is a usage error"

run "$O" target edit web3 --rename web9
is "$rc" 0 "one plain name still renames"
run "$O" target edit nosuch --port 2
like "$rc:$err" "^1:.*nosuch" "and a missing single name is still refused by name"

run "$O" audit list --json
like "$out" '"action":"target\.edit"' "bulk edits are audited"

"$O" daemon stop >/dev/null 2>&1
tap_finish

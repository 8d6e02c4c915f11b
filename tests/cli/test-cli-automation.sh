#!/bin/sh
# test-cli-automation.sh: automation apply, list, show, history, diff,
# export and rm through the CLI and a real daemon. Apply creates version
# 1, the same file again is unchanged, an edit is version 2 and a change
# of only the script file a step names is version 3; export gives each
# version back byte for byte (cmp) for YAML and JSON, with an upload's
# src stored too; diff is a unified diff of the documents and the files;
# history, list and show --json carry the versions, sha256, actor,
# parameters, steps and rollout (checked with python3). An invalid document is exit 2 with its line
# and column and changes nothing, also when sent to the daemon past the
# CLI; files not named, or missing, are refused; the audit trail has
# apply (version, sha256, unchanged) and rm. rm removes the automation.
# A uid with only the viewer role lists but may not apply or rm.
. "${OPS_SRCDIR:-$(dirname "$0")/../..}/tests/lib/tap.sh"
. "${OPS_SRCDIR:-$(dirname "$0")/../..}/tests/lib/common.sh"

O="$OPS_BUILDDIR/tui/opsicle"
OPSICLE_DAEMON="$OPS_BUILDDIR/daemon/opsicled"
export OPSICLE_DAEMON
command -v python3 >/dev/null || skip_all "python3 not installed"
plan_tests 75

H=$OPSICLE_HOME
W=$H/pub
mkdir -p "$W/scripts" "$W/files"
chmod 755 "$W" "$W/scripts" "$W/files"
G=daemon
as_viewer=0
if [ "$(id -u)" -eq 0 ] && command -v setpriv >/dev/null 2>&1 &&
    id nobody >/dev/null 2>&1 && getent group "$G" >/dev/null 2>&1; then
	printf 'socket-group = %s\nrole.viewer = nobody\n' "$G" >"$H/opsicle.conf"
	as_viewer=1
fi
# py 'EXPR' JSON: python3 evaluates EXPR with j the parsed JSON; rc 0 if true.
py() { printf '%s' "$2" | python3 -c "import json,sys; j=json.load(sys.stdin); sys.exit(0 if ($1) else 1)"; }

cat >"$W/web.yaml" <<'EOF'
# the web tier
name: web
description: roll the web tier
parameters:
  - name: version
    type: string
    required: true
    pattern: '[0-9.]+'
  - name: count
    type: int
    default: 3
    min: 1
    max: 9
  - name: token
    type: secret
targets: ["web*", "tag:eu"]
steps:
  - name: stop
    command: systemctl stop app
    on_failure: continue
  - name: migrate
    script:
      file: scripts/migrate.sh
rollout:
  batch: 25%
  max_failures: 1
timeout: 5m
EOF
printf '#!/bin/sh\necho migrate one\n' >"$W/scripts/migrate.sh"

run "$O" automation apply "$W/web.yaml"
is "$rc" 0 "apply a new YAML automation"
is "$out" "created web version 1" "it says created, version 1"
pid=$(cat "$H/opsicled.lock")
[ -n "$pid" ] && track_pid "$pid"
cp "$W/web.yaml" "$H/web.v1"
run "$O" automation apply "$W/web.yaml"
is "$out" "web: unchanged (version 1)" "the same file again is unchanged"
printf '# edited\n' >>"$W/web.yaml"
run "$O" automation apply "$W/web.yaml"
is "$out" "web: version 2" "an edited file is version 2"
cp "$W/web.yaml" "$H/web.v2"
printf '#!/bin/sh\necho migrate two\n' >"$W/scripts/migrate.sh"
(cd "$W/files" && "$O" automation apply ../web.yaml >"$H/cd.out" 2>&1)
is "$(cat "$H/cd.out")" "web: version 3" \
    "only the script changed: version 3 (files relative to FILE, not the cwd)"

run "$O" automation export web
is "$rc" 0 "export the latest"
"$O" automation export web | cmp -s - "$W/web.yaml"
ok $? "export is the file byte for byte"
"$O" automation export web --version 1 | cmp -s - "$H/web.v1"
ok $? "export --version 1 is version 1 byte for byte"
run "$O" automation export web --version 2 -o "$H/out.v2"
is "$rc" 0 "export -o FILE"
cmp -s "$H/out.v2" "$H/web.v2"
ok $? "writes version 2 byte for byte"
run "$O" automation export web --version 9
is "$rc" 1 "an unknown version is refused with exit 1"
like "$err" "web version 9 not found" "naming it"
run "$O" automation export web --version x
is "$rc" 2 "a bad version number is a usage error"

# JSON, CRLF and no final newline; an upload's src is stored with it.
printf '{"name": "conf",\r\n "steps": [{"upload": {"src": "files/app.conf", "dest": "/etc/app.conf", "mode": "0640"}},\r\n  {"command": "true"}]}' >"$W/conf.json"
printf 'key=1\n' >"$W/files/app.conf"
run "$O" automation apply "$W/conf.json"
is "$out" "created conf version 1" "apply a JSON automation"
"$O" automation export conf | cmp -s - "$W/conf.json"
ok $? "its export is byte for byte (CR LF, no final newline)"
run "$O" automation show conf --json
py 'j["format"] == "json" and j["files"] == [{"path": "files/app.conf", "size": 6}] and j["steps"][0]["kind"] == "upload" and j["steps"][0]["mode"] == 0o640' "$out"
ok $? "show --json: format json, the upload's file stored, mode 0640"
printf 'key=2\n' >"$W/files/app.conf"
run "$O" automation apply "$W/conf.json"
is "$out" "conf: version 2" "a changed upload src is a new version"

run "$O" automation diff web 1 2
is "$rc" 0 "diff"
like "$(printf '%s\n' "$out" | sed -n 1,2p | tr '\n' ' ')" "^--- web version 1 \\+\\+\\+ web version 2 $" \
    "diff labels the two versions"
if command -v diff >/dev/null 2>&1; then
	is "$(printf '%s\n' "$out" | tail -n +3)" \
	    "$(diff -u "$H/web.v1" "$H/web.v2" | tail -n +3)" \
	    "and its hunks are diff -u's"
else
	skip 1 "no diff(1) to compare with"
fi
run "$O" automation diff web 2 3
is "$out" "--- web version 2: scripts/migrate.sh
+++ web version 3: scripts/migrate.sh
@@ -1,2 +1,2 @@
 #!/bin/sh
-echo migrate one
+echo migrate two" "the same document, another script: the script's diff"
run "$O" automation diff web 3 3 --json
is "$out" '{"name":"web","from":3,"to":3,"diff":""}' "a version with itself: no diff (--json)"
run "$O" automation diff web 1 7
is "$rc" 1 "diff with an unknown version is refused"

run "$O" automation history web
is "$(printf '%s\n' "$out" | wc -l)" 4 "history: a header and three versions"
like "$(printf '%s\n' "$out" | sed -n 4p)" "^3 +[0-9-]+ [0-9:]+ +root\\(0\\) +yaml +[0-9]+ bytes \\+ 1 file +[0-9a-f]{12}$" \
    "a row: version, when, who, format, size and files, sha256"
run "$O" automation history web --json
py '[v["version"] for v in j] == [1, 2, 3] and len(set(v["sha256"] for v in j)) == 3 and all(len(v["sha256"]) == 64 and v["actor"] == "root(0)" and v["files"] == 1 for v in j)' "$out"
ok $? "history --json: versions 1-3, distinct sha256, actor, files"

run "$O" automation list
like "$(printf '%s\n' "$out" | sed -n 3p)" "^web +3 +3 +[0-9-]+ [0-9:]+ +root\\(0\\) +roll the web tier$" \
    "list: name, latest, versions, applied, by, description"
run "$O" automation list --json
py '[a["name"] for a in j] == ["conf", "web"] and j[1]["latest"] == 3 and j[1]["versions"] == 3 and j[1]["applied_by"] == "root(0)" and j[1]["applied"] >= j[1]["created"] > 0' "$out"
ok $? "list --json: both, with latest, versions, applied and by whom"
before=$out

run "$O" automation show web
like "$out" "version +3 \\(latest 3, 3 versions\\)" "show: the version"
like "$out" "migrate +script +file scripts/migrate.sh" "show: the steps"
like "$out" "token +secret +no +- " "show: the parameters"
run "$O" automation show web --version 1 --json
py 'j["version"] == 1 and j["latest"] == 3 and [p["type"] for p in j["params"]] == ["string", "int", "secret"] and j["params"][1]["default"] == "3" and j["params"][1]["min"] == 1 and "default" not in j["params"][2] and j["params"][2]["has_default"] is False and j["targets"] == ["web*", "tag:eu"] and j["rollout"]["batch"] == {"n": 25, "percent": True} and j["rollout"]["max_failures"]["n"] == 1 and j["timeout"] == 300000 and [s["kind"] for s in j["steps"]] == ["command", "script"] and j["steps"][0]["on_failure"] == "continue" and j["description"] == "roll the web tier"' "$out"
ok $? "show --version 1 --json: params, targets, rollout, timeout, steps"
run "$O" automation show nosuch
is "$rc" 1 "show of an unknown automation is refused"

# ---- refusals: nothing changes ------------------------------------------
printf 'name: web\nsteps:\n  - command: true\n    colour: blue\n' >"$W/bad.yaml"
run "$O" automation apply "$W/bad.yaml"
is "$rc" 2 "an unknown key is a usage error (exit 2)"
like "$err" "bad.yaml: line 4, column 5: .*colour" "with the line, the column and the key"
printf '{"name": "web", "steps": [{"command": "true", "colour": 1}]}' >"$W/bad.json"
run "$O" automation apply "$W/bad.json"
is "$rc" 2 "an unknown key in JSON is exit 2 too"
like "$err" "bad.json: .*colour" "naming the key"
python3 "$OPS_SRCDIR/tests/cli/auto-apply.py" "$H/opsicled.sock" yaml \
    "$W/bad.yaml" >"$H/direct.out" 2>&1
like "$(cat "$H/direct.out")" "^error -1 .*line 4, column 5: .*colour" \
    "the daemon parses it again and refuses it the same way"
python3 "$OPS_SRCDIR/tests/cli/auto-apply.py" "$H/opsicled.sock" yaml \
    "$W/web.yaml" >"$H/direct.out" 2>&1
like "$(cat "$H/direct.out")" "^error -1 .*scripts/migrate.sh.*not sent" \
    "the daemon refuses a document without the files it names"
python3 "$OPS_SRCDIR/tests/cli/auto-apply.py" "$H/opsicled.sock" yaml \
    "$W/web.yaml" scripts/migrate.sh="$W/scripts/migrate.sh" \
    extra=/etc/hostname >"$H/direct.out" 2>&1
like "$(cat "$H/direct.out")" "^error -1 .*extra was sent but no step names it" \
    "and one with a file it does not name"
AP="python3 $OPS_SRCDIR/tests/cli/auto-apply.py $H/opsicled.sock --raw"
like "$($AP '{"format": "yaml", "doc": "!!not base64!!"}' 2>&1)" \
    "^error -1 the document is not base64" "a document that is not base64 is refused"
like "$($AP '{"format": "toml", "doc": "bmFtZTogeAo="}' 2>&1)" \
    '^error -1 apply: format "toml" is not yaml or json' "so is an unknown format"
like "$($AP '{"format": "yaml", "doc": "bmFtZTogeAo=", "files": ["x"]}' 2>&1)" \
    "^error -19 apply: files\\[0\\] is not \\{path, data\\}" "and a malformed file list"
run "$O" daemon status
is "$rc" 0 "the daemon carries on after them"
sed 's/migrate.sh/missing.sh/' "$W/web.yaml" >"$W/missing.yaml"
run "$O" automation apply "$W/missing.yaml"
is "$rc" 1 "a named file that is missing is refused"
like "$err" "missing.sh" "naming it"
head -c 1048577 /dev/zero | tr '\0' '#' >"$W/big.yaml"
run "$O" automation apply "$W/big.yaml"
is "$rc" 2 "a document over 1 MiB is a usage error"
like "$err" "larger than 1048576 bytes \\(1 MiB\\)" "saying the limit"
head -c 9000000 /dev/zero >"$W/files/big.bin"
printf 'name: big\nsteps:\n  - upload: {src: files/big.bin, dest: /tmp/b}\n' >"$W/bigfile.yaml"
run "$O" automation apply "$W/bigfile.yaml"
is "$rc" 2 "document and files over 8 MiB are a usage error"
like "$err" "more than 8388608 bytes \\(8 MiB\\)" "saying the limit"
printf 'name: web\ndescription: "\\e[31mred"\nsteps:\n  - command: "true"\n' >"$W/esc.yaml"
run "$O" automation apply "$W/esc.yaml"
is "$rc" 2 "a description with a control character is refused (exit 2)"
like "$err" "automation web: automation description holds control character 0x1b" \
    "naming the automation and the character"
run "$O" automation list --json
is "$out" "$before" "no refused apply changed anything"

# ---- audit (details are read from the store at the end) ----------------
run "$O" audit list --json
like "$out" '"action":"automation.apply","object":"-".*"result":"[^"]*colour' \
    "a refused apply is audited with why"

# ---- roles ------------------------------------------------------------------
if [ "$as_viewer" -eq 1 ]; then
	chmod 644 "$W"/*.yaml "$W/scripts/migrate.sh"
	viewer() {
		setpriv --reuid=nobody --regid="$G" --clear-groups \
		    env OPSICLE_HOME="$H" "$O" --no-start "$@"
	}
	out=$(viewer automation list 2>&1); rc=$?
	is "$rc" 0 "a viewer lists automations"
	out=$(viewer automation apply "$W/web.yaml" 2>&1); rc=$?
	is "$rc" 1 "a viewer may not apply"
	like "$out" "permission denied: automation apply needs role operator" \
	    "saying which role it needs"
	out=$(viewer automation rm web 2>&1); rc=$?
	is "$rc" 1 "nor rm"
else
	skip 4 "not root, or setpriv, nobody or group $G missing"
fi

# ---- rm: a job of the automation stays --------------------------------------
SQL=$OPS_BUILDDIR/tests/cli/store-sql
"$O" daemon stop >/dev/null 2>&1
wait_for 10 sh -c "! kill -0 $pid"
# No command makes an automation job yet (automation run): make its row.
run "$SQL" "INSERT INTO jobs (automation_id, automation_name,
    automation_version, command, requested_by, state, created)
    SELECT id, name, 3, 'automation web', 'root(0)', 'done', 1
    FROM automations WHERE name = 'web'; SELECT max(id) FROM jobs"
job=$out
is "$rc" 0 "a job of web version 3 in the stopped store (job $job)"
run "$O" automation rm web
is "$rc" 0 "rm (the daemon starts again)"
pid=$(cat "$H/opsicled.lock")
[ -n "$pid" ] && track_pid "$pid"
run "$O" automation show web
is "$rc" 1 "it is gone"
run "$O" automation rm web
is "$rc" 1 "rm again is refused"
like "$err" "web not found" "naming it"
run "$O" automation list --json
py '[a["name"] for a in j] == ["conf"]' "$out"
ok $? "the other automation stays"
run "$O" job show "$job" --json
like "$out" '"id":'"$job"',' "the job stays in the history"
run "$O" automation apply "$W/web.yaml"
is "$out" "created web version 1" "applied again after rm it starts at version 1"
run "$O" automation --help
like "$out" "automation apply" "automation --help lists the commands"
complete_words() {
	bash -c '. "$0"/share/completions/opsicle && COMP_WORDS=("$@") &&
	    COMP_CWORD=$((${#COMP_WORDS[@]} - 1)) && _opsicle "$1" && echo " ${COMPREPLY[*]} "' \
	    "$OPS_SRCDIR" "$O" "$@"
}
like "$(complete_words automation run "")" " conf web | web conf " \
    "bash completes automation names from the running daemon"
like "$(complete_words automation run w)" "^ web $" "matching what is typed"

run "$O" daemon stop
is "$rc" 0 "daemon stop"
wait_for 10 sh -c "! kill -0 $pid"; ok $? "the daemon exits"
run "$SQL" "SELECT coalesce(automation_id, 'NULL'), automation_name,
    automation_version FROM jobs WHERE id = $job"
is "$out" "NULL|web|3" "the job keeps the automation's name and version"
run "$SQL" "SELECT action, object, detail FROM audit
    WHERE action LIKE 'automation.%' AND result = 'ok' ORDER BY id"
like "$(printf '%s\n' "$out" | sed -n 1p)" "^automation.apply\\|web\\|version 1 sha256 [0-9a-f]{64}$" \
    "apply is audited with the version and sha256"
like "$(printf '%s\n' "$out" | sed -n 2p)" "^automation.apply\\|web\\|unchanged version 1 sha256 [0-9a-f]{64}$" \
    "an unchanged apply says so"
like "$out" "automation.rm\\|web\\|" "rm is audited"
tap_finish

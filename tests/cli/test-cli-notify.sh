#!/bin/sh
# test-cli-notify.sh: notifications end to end with a real daemon, a real
# sshd and Python receivers on 127.0.0.1 (tests/lib/fakes.sh): channels
# added, listed, refused (non-http URLs, a Slack URL in argv, unknown
# events); webhooks signed per Standard Webhooks and verified by the
# receiver in Python, the same webhook-id on every retry; 500 then 200
# retried with backoff; 429's Retry-After honoured; a receiver down
# across a SIGKILL of the daemon gets the notification after the
# restart; give-up marks a notification failed in notify log; the Slack
# body; email over SMTP with STARTTLS and AUTH; job started / succeeded /
# failed from real runs; and no secret in any file under $OPSICLE_HOME
# (the store, the debug log) nor in list --json.
. "${OPS_SRCDIR:-$(dirname "$0")/../..}/tests/lib/tap.sh"
. "${OPS_SRCDIR:-$(dirname "$0")/../..}/tests/lib/common.sh"
. "$OPS_SRCDIR/tests/lib/sshd.sh"
. "$OPS_SRCDIR/tests/lib/fakes.sh"

O="$OPS_BUILDDIR/tui/opsicle"
OPSICLE_DAEMON="$OPS_BUILDDIR/daemon/opsicled"
export OPSICLE_DAEMON
H="$OPSICLE_HOME"
F="$FAKE_DIR"
[ -x "$SSHD" ] || skip_all "OpenSSH sshd not installed"
command -v ssh-keygen >/dev/null || skip_all "ssh-keygen not installed"
command -v ss >/dev/null || skip_all "ss (iproute2) not installed"
sshd_start s1 127.0.0.2 || skip_all "could not start sshd on 127.0.0.2"
U=$(sshd_user)
B=$SSHD_BASE
plan_tests 71

conf() {	# extra lines for opsicle.conf
	{
		printf 'log-level = debug\nnotify.retry-base = 1\n'
		printf 'notify.retry-max = 2\nnotify.timeout = 5\n'
		printf '%s\n' "$@"
	} >"$H/opsicle.conf"
}
daemon_pid() { cat "$H/opsicled.lock"; }
hup() { kill -HUP "$(daemon_pid)"; sleep 0.3; }
# nlog CHANNEL: the newest notify log row of CHANNEL as JSON
nlog() {
	"$O" notify log --json --limit 100 | python3 -c '
import json, sys
rows = [r for r in json.load(sys.stdin) if r["channel"] == sys.argv[1]]
print(json.dumps(rows[0]) if rows else "")' "$1"
}
nstate() { nlog "$1" | sed -n 's/.*"state": "\([a-z]*\)".*/\1/p'; }
# is_state CHANNEL STATE: its newest notification is in STATE
is_state() { [ "$(nstate "$1")" = "$2" ]; }
lines() { [ -f "$1" ] && wc -l <"$1" || echo 0; }
# py FILE EXPR: evaluate EXPR over the JSON lines of FILE (list "r")
py() {
	python3 -c '
import json, sys
r = [json.loads(l) for l in open(sys.argv[1])]
print(eval(sys.argv[2]))' "$1" "$2"
}

conf
WHSEC="whsec_$(python3 -c 'import base64,os; print(base64.b64encode(os.urandom(32)).decode())')"
run "$O" cred add k --ssh-key "$B/id_ed25519" </dev/null
is "$rc" 0 "cred add starts the daemon"
track_pid "$(daemon_pid)"

# ---- refusals -------------------------------------------------------------
run "$O" notify add bad --webhook ftp://127.0.0.1/x
ok "$([ "$rc" -ne 0 ]; echo $?)" "an ftp:// webhook is refused"
like "$err" "only http:// and https://" "... saying why"
run "$O" notify add bad --slack https://hooks.example/T/B/SECRETINARGV
ok "$([ "$rc" -ne 0 ]; echo $?)" "a Slack URL in argv is refused"
run "$O" notify add bad --webhook http://127.0.0.1:1/x --on job-started,nope
like "$err" 'no event "nope"' "an unknown event is refused"

# ---- a signed webhook ---------------------------------------------------------
fake_webhook hook --secret "$WHSEC"
HOOK_PID=$FAKE_PID
HOOK_URL="http://127.0.0.1:$FAKE_PORT/hook?token=QTOKEN42"
run sh -c "printf '%s\n' '$WHSEC' | '$O' notify add hook --webhook '$HOOK_URL' \
    --on job-started,job-succeeded,job-failed --secret-stdin"
is "$rc" 0 "notify add hook --secret-stdin"
unlike "$out" "whsec_" "a secret given on stdin is not printed"
run "$O" notify add gen --webhook "http://127.0.0.1:9/gen"
like "$out" "signing secret \(shown once; give it to the receiver\): whsec_" \
    "a generated signing secret is shown once"
GEN=$(printf '%s\n' "$out" | sed -n 's/.*receiver): //p')
run "$O" notify rm gen
is "$rc" 0 "notify rm"
run "$O" notify list --json
like "$out" '"name":"hook".*"target":"http://127.0.0.1:[0-9]+/hook\?\*\*\*"' \
    "notify list shows the webhook without its query"
unlike "$out" "whsec_|QTOKEN42" "no secret or query in notify list --json"
run "$O" notify test hook
is "$rc" 0 "notify test hook: delivered"
like "$out" "^delivered to hook \(notification [0-9]+, webhook-id msg_" "... says so"
is "$(py "$F/hook.log" 'r[-1]["verified"]')" True \
    "the receiver verifies the signature (Python hmac)"
is "$(py "$F/hook.log" 'json.loads(r[-1]["body"])["type"]')" test \
    "the body is the JSON payload"
is "$(py "$F/hook.log" 'r[-1]["path"]')" "/hook?token=QTOKEN42" \
    "the URL with its query is used as given"

# ---- 500, then 200: retried with backoff, the same webhook-id --------------
fake_webhook flaky --codes 500,200 --secret "$WHSEC"
printf '%s\n' "$WHSEC" | "$O" notify add flaky --secret-stdin \
    --webhook "http://127.0.0.1:$FAKE_PORT/f" >/dev/null
run "$O" notify test flaky
is "$rc" 1 "notify test flaky: the first attempt fails (exit 1)"
like "$out" "not delivered to flaky: HTTP 500 .*will be retried" "... HTTP 500, retried"
wait_for 20 is_state flaky delivered
ok $? "it is delivered on a retry"
is "$(py "$F/flaky.log" '[x["status"] for x in r]')" "[500, 200]" "two attempts: 500 then 200"
is "$(py "$F/flaky.log" 'len(set(x["headers"]["webhook-id"] for x in r))')" 1 \
    "the same webhook-id on both"
is "$(py "$F/flaky.log" 'all(x["verified"] for x in r)')" True "both signed"
is "$(py "$F/flaky.log" 'r[1]["time"] - r[0]["time"] >= 0.7')" True \
    "the retry waited (backoff from 1 s, jitter 75-125%)"
is "$(nlog flaky | python3 -c 'import json,sys; print(json.load(sys.stdin)["attempts"])')" 2 \
    "notify log counts 2 attempts"

# ---- 429 + Retry-After: honoured over the backoff ---------------------------
fake_webhook slow --codes 429,200 --retry-after 4 --secret "$WHSEC"
printf '%s\n' "$WHSEC" | "$O" notify add slow --secret-stdin \
    --webhook "http://127.0.0.1:$FAKE_PORT/s" >/dev/null
run "$O" notify test slow
like "$out" "HTTP 429" "429 first"
wait_for 20 sh -c "[ \"\$(wc -l <'$F/slow.log')\" -ge 2 ]"
ok $? "then a retry"
is "$(py "$F/slow.log" 'r[1]["time"] - r[0]["time"] >= 3.8')" True \
    "the retry came after Retry-After: 4 (retry-max is 2 s)"
wait_for 10 is_state slow delivered
is "$(nstate slow)" delivered "and was delivered"

# ---- a receiver down across a SIGKILL of the daemon ------------------------
fake_webhook later --secret "$WHSEC"
LPORT=$FAKE_PORT
fake_stop "$FAKE_PID"
printf '%s\n' "$WHSEC" | "$O" notify add later --secret-stdin \
    --webhook "http://127.0.0.1:$LPORT/l" >/dev/null
run "$O" notify test later
is "$rc" 1 "notify test later: the receiver is down"
WID=$(nlog later | sed -n 's/.*"webhook_id": "\([^"]*\)".*/\1/p')
is "$(nstate later)" pending "it stays pending"
dpid=$(daemon_pid)
kill -9 "$dpid"
wait_for 10 sh -c "! kill -0 $dpid 2>/dev/null"
ok $? "opsicled is SIGKILLed with the notification undelivered"
fake_webhook later --port "$LPORT" --secret "$WHSEC"
run "$O" notify list
is "$rc" 0 "the next command restarts opsicled"
track_pid "$(daemon_pid)"
wait_for 20 sh -c "[ -s '$F/later.log' ]"
ok $? "the notification arrives after the restart"
is "$(py "$F/later.log" 'r[0]["headers"]["webhook-id"]')" "$WID" \
    "with the webhook-id it had before"
is "$(py "$F/later.log" 'r[0]["verified"]')" True "signed"
wait_for 10 is_state later delivered
ok $? "notify log shows it delivered"

# ---- give-up -------------------------------------------------------------
conf "notify.give-up = 3"
hup
"$O" notify add dead --webhook "http://127.0.0.1:$LPORT/nobody" >/dev/null
fake_stop "$FAKE_PID"
run "$O" notify test dead
is "$rc" 1 "notify test dead: nobody listens"
wait_for 20 is_state dead failed
ok $? "after notify.give-up it is failed"
run "$O" notify log
like "$out" "dead +test +failed +[0-9]+ +.*(onnect|refused)" "notify log shows it failed, with the error"
run "$O" notify list
like "$out" "dead +webhook .* 0/1" "notify list counts it failed"
conf
hup

# ---- Slack ----------------------------------------------------------------
fake_webhook slack
SLACK_URL="http://127.0.0.1:$FAKE_PORT/services/T000/B000/SLACKTOKEN77"
run sh -c "printf '%s\n' '$SLACK_URL' | '$O' notify add sl --slack -"
is "$rc" 0 "notify add --slack - (the URL on stdin)"
run "$O" notify list --json
like "$out" '"name":"sl".*"target":"http://127.0.0.1:[0-9]+/\*\*\*"' "the Slack URL is listed masked"
unlike "$out" "SLACKTOKEN77|/services/" "no part of its path"
run "$O" notify test sl
is "$rc" 0 "notify test sl: delivered"
is "$(py "$F/slack.log" 'r[-1]["path"]')" "/services/T000/B000/SLACKTOKEN77" "to the sealed URL"
is "$(py "$F/slack.log" 'sorted(json.loads(r[-1]["body"]).keys())')" "['blocks', 'text']" \
    "the body has text and blocks"
is "$(py "$F/slack.log" 'json.loads(r[-1]["body"])["blocks"][0]["type"] + " " + json.loads(r[-1]["body"])["blocks"][0]["text"]["type"]')" \
    "section mrkdwn" "a section block in mrkdwn"
like "$(py "$F/slack.log" 'json.loads(r[-1]["body"])["text"]')" "test notification" "with the text"

# ---- email ----------------------------------------------------------------
SMTPPW=Smtp-Pw-3141x
if [ -z "$FAKE_SMTP_PY" ] || ! command -v openssl >/dev/null; then
	skip 7 "python3-aiosmtpd or openssl not installed"
else
	fake_cert
	printf '%s\n' "$SMTPPW" >"$F/smtp.pw"
	fake_smtp mailer "$F/smtp.pw"
	conf "smtp.url = smtp://127.0.0.1:$FAKE_PORT" "smtp.from = ops@example.test" \
	    "smtp.user = mailer" "smtp.ca-file = $FAKE_CERT"
	hup
	run sh -c "printf '%s\n' '$SMTPPW' | '$O' notify smtp-password"
	is "$rc" 0 "notify smtp-password from stdin"
	"$O" notify add mail --email you@example.test >/dev/null
	run "$O" notify test mail
	is "$rc" 0 "notify test mail: delivered (250)"
	m=$(tail -n 1 "$F/smtp.log")
	like "$m" '"tls": true, "auth": "mailer"' "under STARTTLS, authenticated"
	like "$m" '"rcpt_tos": \["you@example.test"\]' "to the channel's address"
	like "$m" 'Content-Type: text/plain' "a plain-text mail"
	like "$m" 'a test notification' "with the text"
	# curl's copies (password, AUTH PLAIN, the Slack URL) were wiped
	hits=$(python3 "$OPS_SRCDIR/tests/lib/memscan.py" "$(daemon_pid)" \
	    "$SMTPPW" "SLACKTOKEN77" "$(printf '\0mailer\0%s' "$SMTPPW" | base64)" 2>&1)
	if [ $? -eq 2 ]; then
		skip 1 "the daemon's memory is not readable here ($hits)"
	else
		is "$(echo $hits)" "0 0 0" \
		    "no SMTP password, AUTH PLAIN or Slack token left in the daemon's memory"
	fi
fi

# ---- job events from real runs -----------------------------------------------
run "$O" target add t1 --host 127.0.0.2 --port "$SSHD_PORT" --user "$U" --cred k
run "$O" hostkey import "$B/known_hosts"
is "$rc" 0 "a target on the real sshd"
n0=$(lines "$F/hook.log")
run "$O" run t1 -- true
is "$rc" 0 "run t1 -- true"
run "$O" run t1 -- false
ok "$([ "$rc" -ne 0 ]; echo $?)" "run t1 -- false fails"
wait_for 20 sh -c "[ \"\$(wc -l <'$F/hook.log')\" -ge $((n0 + 4)) ]"
ok $? "four job notifications arrive"
is "$(py "$F/hook.log" '" ".join(json.loads(x["body"])["type"] for x in r['"$n0"':])')" \
    "job-started job-succeeded job-started job-failed" \
    "started, succeeded, started, failed, in order"
is "$(py "$F/hook.log" 'all(x["verified"] for x in r)')" True "all signed"
like "$(py "$F/hook.log" 'json.loads(r[-1]["body"])["text"]')" \
    "job [0-9]+ failed: 0 of 1 targets ok, 1 failed" "the failure's text"

# ---- approvals: requested (with approval_describe's text), expired -------
fake_webhook apr --secret "$WHSEC"
printf '%s\n' "$WHSEC" | "$O" notify add apr --secret-stdin \
    --on approval-requested,approval-decided,approval-expired \
    --webhook "http://127.0.0.1:$FAKE_PORT/a" >/dev/null
conf "approval.adhoc-selector = tag:prod" "approval.adhoc-expires = 2"
hup
run "$O" target add p1 --host 127.0.0.2 --port "$SSHD_PORT" --user "$U" \
    --cred k --tag prod
run "$O" run p1 --detach -- true
like "$out$err" "awaiting approval" "a run on tag:prod awaits approval"
wait_for 30 sh -c "[ \"\$(wc -l <'$F/apr.log')\" -ge 2 ]"
ok $? "two approval notifications arrive"
is "$(py "$F/apr.log" '" ".join(json.loads(x["body"])["type"] for x in r)')" \
    "approval-requested approval-expired" "requested, then expired"
is "$(py "$F/apr.log" '"awaits approval" in json.loads(r[0]["body"])["text"] and "approve: opsicle approve " in json.loads(r[0]["body"])["text"]')" \
    True "the request carries approval_describe's text: the command to approve"
conf
hup

# ---- no secret in any file under $OPSICLE_HOME, nor in the log -----------
"$O" daemon stop >/dev/null 2>&1
for s in "$WHSEC" "$GEN" SLACKTOKEN77 "$SMTPPW"; do
	[ -n "$s" ] || continue
	if grep -rqF -- "$s" "$H"; then
		ok 1 "a secret (${s%"${s#??????}"}...) is in a file under OPSICLE_HOME"
	else
		ok 0 "secret ${s%"${s#??????}"}... is in no file under OPSICLE_HOME"
	fi
done
like "$(cat "$H/logs/opsicled.log")" "notify: [0-9]+ delivered to hook" "the debug log has deliveries"
tap_finish

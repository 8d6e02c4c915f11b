#!/bin/sh
# test-daemon-http.sh: daemon/http.c (libcurl multi on the event loop)
# through tests/daemon/http-driver against Python fakes on 127.0.0.1: a
# GET and a signed-style POST arrive as sent, the loop keeps ticking
# while calls run, 429's Retry-After is read, an over-long body ends the
# call, a refused connection and a non-HTTP scheme are errors, parallel
# calls all finish and cancelled ones never call back, and SMTP delivers
# a plain mail under STARTTLS with AUTH (password from stdin, never in
# the driver's debug log).
. "${OPS_SRCDIR:-$(dirname "$0")/../..}/tests/lib/tap.sh"
. "${OPS_SRCDIR:-$(dirname "$0")/../..}/tests/lib/common.sh"
. "$OPS_SRCDIR/tests/lib/fakes.sh"

D="$OPS_BUILDDIR/tests/daemon/http-driver"
H="$OPSICLE_HOME"
plan_tests 22

fake_webhook w1 --codes 200,200,429,200 --retry-after 7
is "$?" 0 "the fake receiver listens"
U="http://127.0.0.1:$FAKE_PORT"
run "$D" -o "$FAKE_DIR/body" "$U/get/path?token=SECRETQ"
like "$out" "^status 200 retry_after -1 len 3 error -" "GET: 200 and its body"
is "$(cat "$FAKE_DIR/body")" "ok" "the body is the receiver's"
unlike "$err" "SECRETQ|/get/path" "the debug log has no URL path or query"
like "$err" "http: GET http://127.0.0.1: 200" "... but the host and status"
run "$D" -X POST -H "Content-Type: application/json" -H "webhook-id: msg_X1" \
    -d '{"a":1}' "$U/hook"
like "$out" "^status 200" "POST: 200"
last=$(tail -n 1 "$FAKE_DIR/w1.log")
like "$last" '"method": "POST".*"webhook-id": "msg_X1".*"body": "\{\\"a\\": ?1\}"' \
    "the receiver got the method, header and body"
unlike "$last" '"expect"' "no Expect: 100-continue"
run "$D" -X POST -d x "$U/limited"
like "$out" "^status 429 retry_after 7 " "429 with Retry-After: 7"
fake_stop "$FAKE_PID"

fake_webhook w2 --big 300000
run "$D" -m 100000 "http://127.0.0.1:$FAKE_PORT/big"
like "$out" "error response body over 100000 bytes" "an over-long body ends the call"
run "$D" "http://127.0.0.1:$FAKE_PORT/big"
like "$out" "^status 200 retry_after -1 len 300000 " "within the default cap it is read whole"
run "$D" -n 4 "http://127.0.0.1:$FAKE_PORT/par"
is "$(printf '%s\n' "$out" | grep -c '^status 200')" 4 "4 parallel calls finish"
fake_stop "$FAKE_PID"
fake_webhook w3 --delay 0.5
run "$D" "http://127.0.0.1:$FAKE_PORT/slow"
like "$out" "pending 0 ticks some" "the loop ticked while a slow call ran"
run "$D" -n 4 -k "http://127.0.0.1:$FAKE_PORT/cancel"
is "$(printf '%s\n' "$out" | grep -c '^status')" 1 "3 cancelled calls never call back"
like "$out" "pending 0" "... and nothing is left pending"
port=$FAKE_PORT
fake_stop "$FAKE_PID"
run "$D" -t 3000 "http://127.0.0.1:$port/down"
like "$out" "^status 0 retry_after -1 len 0 error .*(onnect|refused)" "a refused connection is an error"
run "$D" "file:///etc/passwd"
like "$out" "start error http: only http, https, smtp and smtps" "file:// is refused"

if [ -z "$FAKE_SMTP_PY" ] || ! command -v openssl >/dev/null; then
	skip 5 "python3-aiosmtpd or openssl not installed"
else
	fake_cert
	printf 'Pw-Smtp-77x\n' >"$FAKE_DIR/smtp.pw"
	fake_smtp mailer "$FAKE_DIR/smtp.pw"
	is "$?" 0 "the fake SMTP server listens"
	msg=$(printf 'From: ops@example.test\r\nTo: you@example.test\r\nSubject: hi\r\n\r\nplain body MARK-m1\r\n')
	run sh -c "printf 'Pw-Smtp-77x\n' | '$D' -c '$FAKE_CERT' -f ops@example.test \
	    -r you@example.test -u mailer -p -d '$msg' smtp://127.0.0.1:$FAKE_PORT"
	like "$out" "^status 250 " "SMTP: 250"
	m=$(tail -n 1 "$FAKE_DIR/smtp.log")
	like "$m" '"tls": true, "auth": "mailer"' "under STARTTLS, authenticated"
	like "$m" 'plain body MARK-m1' "the plain body arrived"
	unlike "$err" "Pw-Smtp-77x" "the password is not in the debug log"
fi
tap_finish

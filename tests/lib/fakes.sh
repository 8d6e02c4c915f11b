# fakes.sh: start the Python receivers of tests/lib on 127.0.0.1, each on
# a free high port, tracked by pid (common.sh stops them). Source after
# common.sh.
#
# Their files (ports, logs, certificates) go in $FAKE_DIR: a directory of
# its own (removed on exit), so that a grep of $OPSICLE_HOME for secrets
# does not find the receivers' copies.
#
# fake_webhook NAME [ARGS...]: fake-webhook.py logging to $FAKE_DIR/NAME.log;
#   sets FAKE_PORT and FAKE_PID. Pass --port P to reuse a port.
# fake_stop PID: stop one fake now (and wait for it).
# fake_cert: a throwaway self-signed cert for 127.0.0.1 in $FAKE_DIR/tls
#   (FAKE_CERT, FAKE_KEY).
# fake_smtp USER PASSWORD_FILE: fake-smtp.py (STARTTLS + AUTH) logging to
#   $FAKE_DIR/smtp.log; FAKE_PORT, FAKE_PID.
# FAKE_SMTP_PY: a python3 with aiosmtpd, or empty.

FAKE_DIR=$(mktemp -d "${TMPDIR:-/tmp}/opsicle-fakes.XXXXXX")
trap '_ops_cleanup; rm -rf "$FAKE_DIR"' EXIT
FAKE_SMTP_PY=""
for _py in /usr/bin/python3 python3; do
	if "$_py" -c 'import aiosmtpd' 2>/dev/null; then
		FAKE_SMTP_PY=$_py; break
	fi
done

_fake_wait_port() {	# PORTFILE PID
	_i=0
	while [ ! -s "$1" ]; do
		kill -0 "$2" 2>/dev/null || return 1
		_i=$((_i + 1)); [ $_i -ge 100 ] && return 1; sleep 0.1
	done
	FAKE_PORT=$(cat "$1")
}

fake_webhook() {
	_n=$1; shift
	rm -f "$FAKE_DIR/$_n.port"
	python3 "$OPS_SRCDIR/tests/lib/fake-webhook.py" \
	    --port-file "$FAKE_DIR/$_n.port" --log "$FAKE_DIR/$_n.log" \
	    "$@" &
	FAKE_PID=$!
	track_pid "$FAKE_PID"
	_fake_wait_port "$FAKE_DIR/$_n.port" "$FAKE_PID"
}

fake_stop() {
	kill "$1" 2>/dev/null
	_i=0
	while kill -0 "$1" 2>/dev/null && [ $_i -lt 50 ]; do
		sleep 0.1; _i=$((_i + 1))
	done
	kill -9 "$1" 2>/dev/null
	wait "$1" 2>/dev/null
	return 0
}

fake_cert() {
	mkdir -p "$FAKE_DIR/tls"
	FAKE_CERT="$FAKE_DIR/tls/cert.pem"
	FAKE_KEY="$FAKE_DIR/tls/key.pem"
	openssl req -x509 -newkey rsa:2048 -nodes -days 1 \
	    -subj "/CN=127.0.0.1" -addext "subjectAltName=IP:127.0.0.1" \
	    -keyout "$FAKE_KEY" -out "$FAKE_CERT" >/dev/null 2>&1
}

fake_smtp() {
	rm -f "$FAKE_DIR/smtp.port"
	"$FAKE_SMTP_PY" "$OPS_SRCDIR/tests/lib/fake-smtp.py" \
	    --port-file "$FAKE_DIR/smtp.port" --log "$FAKE_DIR/smtp.log" \
	    --cert "$FAKE_CERT" --key "$FAKE_KEY" --user "$1" \
	    --password-file "$2" &
	FAKE_PID=$!
	track_pid "$FAKE_PID"
	_fake_wait_port "$FAKE_DIR/smtp.port" "$FAKE_PID"
}

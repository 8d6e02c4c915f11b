#!/bin/sh
# test-daemon-perm.sh: files that grant rights or hold secrets are
# trusted only when nobody else could have written (or read) them, as
# OpenSSH does for its own. A group- or world-writable opsicle.conf, one
# owned by another user or in a directory others can write, is refused
# at start with a message naming the file and the fix; on SIGHUP the
# daemon keeps its old configuration (and roles) and says so in a
# warning. A key envelope (store.key) or a -P passphrase file readable by
# group or others, or owned by another user, is refused too.
. "${OPS_SRCDIR:-$(dirname "$0")/../..}/tests/lib/tap.sh"
. "${OPS_SRCDIR:-$(dirname "$0")/../..}/tests/lib/common.sh"

O="$OPS_BUILDDIR/tui/opsicle"
D="$OPS_BUILDDIR/daemon/opsicled"
H="$OPSICLE_HOME"
C="$H/opsicle.conf"
plan_tests 25

alive() { "$O" --no-start daemon status >/dev/null 2>&1; }
gone() { ! kill -0 "$1" 2>/dev/null; }
start_fg() {
	"$D" -f "$@" >"$H/fg.log" 2>&1 &
	pid=$!
	track_pid $pid
	wait_for 30 alive
}
stop_fg() {
	kill -TERM "$pid"
	wait_for 30 gone "$pid"
}
is_root() { [ "$(id -u)" -eq 0 ]; }
# refused ARGS...: opsicled -f that should exit at once (a daemon that
# serves instead is stopped after 10 s, so a regression cannot hang).
refused() { run timeout 10 "$D" -f "$@"; }

# ---- opsicle.conf at start ----------------------------------------------
printf 'log-level = info\n' >"$C"
for m in 666 664 602; do
	chmod "$m" "$C"
	refused
	is "$rc" 1 "a config of mode 0$m is refused at start"
	like "$err" "config $C is writable by group or others \\(mode 0$m\\).*chmod go-w" \
	    "naming the file, its mode and the fix"
done
chmod 644 "$C"
start_fg; ok $? "a config of mode 0644 owned by us is accepted"
stop_fg

chmod 770 "$H"
refused
is "$rc" 1 "a config in a group-writable directory is refused"
like "$err" "directory $H above config $C is writable by group or others" \
    "naming the directory"
chmod 700 "$H"

if is_root && id nobody >/dev/null 2>&1; then
	chown nobody "$C"
	refused
	is "$rc" 1 "a config owned by another user is refused"
	like "$err" "config $C is owned by uid $(id -u nobody), not by uid 0" \
	    "naming the owner"
	chown 0 "$C"
else
	skip 2 "not root: cannot give the config to another user"
fi

# ---- SIGHUP: a rewritten world-writable config keeps the old roles -------
G=daemon
if is_root && command -v setpriv >/dev/null 2>&1 && id nobody >/dev/null 2>&1 &&
    getent group "$G" >/dev/null 2>&1; then
	as_nobody() {
		setpriv --reuid=nobody --regid="$G" --clear-groups \
		    env OPSICLE_HOME="$H" "$O" --no-start "$@"
	}
	printf 'socket-group = %s\n' "$G" >"$C"
	start_fg; ok $? "opsicled with socket-group = $G serves"
	out=$(as_nobody target list 2>&1); rc=$?
	like "$out" "nobody\\(65534\\) is not authorised" "nobody has no role"
	chmod 666 "$C"
	as_nobody sh -c : 2>/dev/null
	printf 'socket-group = %s\nrole.admin = nobody\n' "$G" >"$C"
	kill -HUP "$pid"
	wait_for 30 grep -q 'SIGHUP: refused' "$H/fg.log"
	ok $? "SIGHUP with a world-writable config is refused"
	like "$(cat "$H/fg.log")" "warning: SIGHUP: refused $C, keeping the old configuration: config $C is writable by group or others" \
	    "with a warning naming the file and why"
	out=$(as_nobody target list 2>&1); rc=$?
	is "$rc" 1 "nobody still has no role after the SIGHUP"
	like "$out" "nobody\\(65534\\) is not authorised" "the old roles stay"
	chmod 644 "$C"
	kill -HUP "$pid"
	wait_for 30 grep -q 'SIGHUP: reloaded' "$H/fg.log"
	ok $? "once fixed, the same file reloads"
	stop_fg
else
	skip 7 "not root, or setpriv, nobody or group $G missing"
fi
: >"$C"

# ---- the key envelope ---------------------------------------------------
start_fg; ok $? "a key-file store is created"
stop_fg
chmod 644 "$H/store.key"
refused
is "$rc" 1 "a key envelope of mode 0644 is refused"
like "$err" "key envelope $H/store.key is readable by group or others \\(mode 0644\\); run chmod 600" \
    "naming the file, its mode and the fix"
chmod 600 "$H/store.key"

# ---- -P passphrase file -------------------------------------------------
# A second home with a passphrase store (Argon2id at its cheapest).
H2="$H/pp"
mkdir -m 700 "$H2"
printf 'kdf-cost = min\n' >"$H2/opsicle.conf"
printf 'a-Pass-phrase-31\n' >"$H2/pass"
chmod 600 "$H2/pass"
OPSICLE_HOME="$H2" "$O" init --passphrase-file "$H2/pass" >/dev/null 2>&1
ok $? "a passphrase store is created"
chmod 644 "$H2/pass"
out=$(OPSICLE_HOME="$H2" timeout 10 "$D" -f -P "$H2/pass" 2>&1); rc=$?
is "$rc" 1 "a -P passphrase file of mode 0644 is refused"
like "$out" "passphrase file $H2/pass is readable by group or others \\(mode 0644\\)" \
    "naming the file and its mode"
chmod 600 "$H2/pass"
OPSICLE_HOME="$H2" "$D" -f -P "$H2/pass" >"$H/fg2.log" 2>&1 &
pid=$!
track_pid $pid
wait_for 30 env OPSICLE_HOME="$H2" "$O" --no-start daemon status
like "$(OPSICLE_HOME="$H2" "$O" --no-start daemon status --json 2>&1)" '"locked":false' \
    "a 0600 -P file unlocks the store at start"
stop_fg
tap_finish

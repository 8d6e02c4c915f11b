#!/bin/sh
# test-cli-push-pull.sh: "opsicle push" and "opsicle pull" end to end with
# a real daemon and real sshd: a round trip on several targets (mode set,
# SHA-256 on every target's line equal to the file's), a missing local
# file is a usage error (exit 2) and makes no job, a remote path missing
# on one target fails that target only (its relative path resolves in
# the login user's home: root's holds it, a throwaway user's, "/", does
# not; tests/lib/become.sh, root only), pull refuses to write through a
# symlink in LOCALDIR, a transfer job cannot be rerun, and a pull asked
# by another uid (an operator) is refused and writes nothing.
. "${OPS_SRCDIR:-$(dirname "$0")/../..}/tests/lib/tap.sh"
. "${OPS_SRCDIR:-$(dirname "$0")/../..}/tests/lib/common.sh"
SSHD_BASE=$(mktemp -d "${TMPDIR:-/tmp}/opsicle-sshd.XXXXXX")
. "$OPS_SRCDIR/tests/lib/sshd.sh"
. "$OPS_SRCDIR/tests/lib/become.sh"

O="$OPS_BUILDDIR/tui/opsicle"
OPSICLE_DAEMON="$OPS_BUILDDIR/daemon/opsicled"
export OPSICLE_DAEMON
H=$OPSICLE_HOME
B=$SSHD_BASE
R=$(mktemp -d "${TMPDIR:-/tmp}/opsicle-remote.XXXXXX")
REL=
cleanup() {
	become_cleanup
	rm -rf "$R"
	[ -n "$REL" ] && rm -f "$HOME/$REL"
}
trap cleanup EXIT

[ -x "$SSHD" ] || skip_all "OpenSSH sshd not installed"
command -v sha256sum >/dev/null || skip_all "sha256sum not installed"
sshd_client_key "$B"
sshd_start s1 127.0.0.7 || skip_all "could not start sshd"
plan_tests 42
U=$(sshd_user)

"$O" cred add k --ssh-key "$B/id_ed25519" </dev/null >/dev/null 2>&1
track_pid "$(cat "$H/opsicled.lock")"
for t in t1 t2 t3; do
	"$O" target add $t --host 127.0.0.7 --port "$SSHD_PORT" --user "$U" --cred k
done
run "$O" hostkey import "$B/known_hosts"
is "$rc" 0 "three targets on a real sshd"
njobs() { "$O" job list --json | grep -o '"id":' | wc -l; }

# ---- push: several targets, mode, sha256 -----------------------------------
head -c 150000 /dev/urandom >"$H/payload"
SUM=$(sha256sum "$H/payload" | cut -d' ' -f1)
run "$O" push --mode 0640 t1 t2 t3 "$H/payload" "$R/payload.bin"
is "$rc" 0 "push to three targets exits 0"
for t in t1 t2 t3; do
	like "$out" "^$t: sha256 $SUM  150000 bytes  mode 0640  $R/payload.bin$" \
	    "$t's line: the file's SHA-256, size and mode"
done
cmp -s "$H/payload" "$R/payload.bin"; ok $? "the remote copy is the file, byte for byte"
is "$(stat -c %a "$R/payload.bin")" 640 "with the mode asked for"
ls -a "$R" | grep -q opsicle; is $? 1 "no temp file is left next to it"
run "$O" job show "$("$O" job list --limit 1 --json | sed -n 's/^\[{"id":\([0-9]*\).*/\1/p')" --json
like "$out" '"state":"done","kind":"push"' "the push is a job of kind push, done"
mkdir "$H/sub"
(cd "$H/sub" && "$O" pull t1 "$R/payload.bin" . >/dev/null 2>&1); is $? 0 "pull into a relative LOCALDIR"
cmp -s "$H/payload" "$H/sub/t1/payload.bin"; ok $? "lands in the client's directory"

# relative names: only the client resolves them (the daemon runs elsewhere
# and gets the open descriptor, never the path)
(cd "$H" && "$O" push t1 payload "$R/rel.bin" >/dev/null 2>&1); is $? 0 "push of a relative LOCAL"
cmp -s "$H/payload" "$R/rel.bin"; ok $? "the file the client opened is the one sent"

# ---- pull: round trip -------------------------------------------------------
mkdir "$H/got"
run "$O" pull t1 t2 t3 "$R/payload.bin" "$H/got"
is "$rc" 0 "pull from three targets exits 0"
for t in t1 t2 t3; do
	cmp -s "$H/payload" "$H/got/$t/payload.bin"; ok $? "$t's copy is in LOCALDIR/$t/, byte for byte"
done
like "$out" "^t2: sha256 $SUM  150000 bytes  mode 0600  $H/got/t2/payload.bin$" \
    "pull's line has the same SHA-256"
is "$(stat -c %a "$H/got/t1/payload.bin")" 600 "the local copy is private (0600)"

# ---- a missing local file: usage error, no job ------------------------------
before=$(njobs)
run "$O" push t1 "$H/no-such-file" "$R/x"
is "$rc" 2 "push of a missing local file exits 2"
like "$err" "local file $H/no-such-file: No such file or directory" "and says why"
run "$O" push t1 "$H" "$R/x"
is "$rc" 2 "push of a directory exits 2"
run "$O" pull t1 "$R/payload.bin" "$H/no-such-dir"
is "$rc" 2 "pull into a missing LOCALDIR exits 2"
is "$(njobs)" "$before" "none of them made a job"
test ! -e "$R/x"; ok $? "and nothing was written remotely"

# ---- pull never writes through a symlink -------------------------------------
mkdir "$H/got2" "$H/elsewhere"
ln -s "$H/elsewhere" "$H/got2/t1"
run "$O" pull t1 t2 "$R/payload.bin" "$H/got2"
is "$rc" 1 "a pull where LOCALDIR/t1 is a symlink exits 1"
like "$err" "t1: .*local directory $H/got2/t1" "t1 fails, naming its directory"
is "$(ls -A "$H/elsewhere")" "" "nothing was written where the symlink points"
cmp -s "$H/payload" "$H/got2/t2/payload.bin"; ok $? "t2 got its copy all the same"

# a symlink at the file's own name is replaced, never written through
mkdir "$H/elsewhere2"
rm -f "$H/got2/t2/payload.bin"
ln -s "$H/elsewhere2/victim" "$H/got2/t2/payload.bin"
run "$O" pull t2 "$R/payload.bin" "$H/got2"
is "$rc" 0 "a pull over a symlink at LOCALDIR/t2/payload.bin exits 0"
test ! -e "$H/elsewhere2/victim" && test ! -L "$H/got2/t2/payload.bin" &&
    cmp -s "$H/payload" "$H/got2/t2/payload.bin"
ok $? "the symlink was replaced by the copy, its target never created"
like "$("$O" job list --limit 1 --json)" '"kind":"pull"' "a pull job is of kind pull"

# ---- usage ---------------------------------------------------------------------
run "$O" push --mode 0999 t1 "$H/payload" "$R/y"
is "$rc" 2 "push --mode with a bad mode exits 2"
run "$O" push --help
like "$out" "push \[--mode MODE\].*SELECTOR\.\.\. LOCAL REMOTE" "push --help shows the usage"

# ---- rerun refused -----------------------------------------------------------
jp=$("$O" job list --limit 1 --json | sed -n 's/^\[{"id":\([0-9]*\).*/\1/p')
run "$O" job rerun "$jp"
is "$rc" 1 "a transfer job cannot be rerun"
like "$err" "it was a transfer" "saying why"

# ---- a remote path missing on one target fails that target only -------------
if [ "$(id -u)" = 0 ] && [ -d "$HOME" ] && become_user; then
	"$O" target add u1 --host 127.0.0.7 --port "$SSHD_PORT" --user "$BECOME_USER" --cred k
	"$O" hostkey import "$B/known_hosts" >/dev/null 2>&1
	REL=opsicle-pp-$$.txt
	printf 'in root home\n' >"$HOME/$REL"
	mkdir "$H/got3"
	run "$O" pull t1 u1 "$REL" "$H/got3"
	is "$rc" 1 "a pull where one target lacks the file exits 1"
	like "$err" "u1: .*$REL" "u1 fails, naming the remote path"
	is "$(cat "$H/got3/t1/$REL")" "in root home" "t1 got its copy"
else
	skip 3 "needs root, a home directory and a throwaway user (a second home)"
fi

# ---- a pull for another uid is refused: the daemon would write with its
# own rights, not the client's
if [ -n "$BECOME_USER" ] && command -v setpriv >/dev/null 2>&1 &&
    getent group daemon >/dev/null 2>&1; then
	_p=$(cat "$H/opsicled.lock")
	"$O" daemon stop >/dev/null 2>&1
	wait_for 20 sh -c "! kill -0 $_p"
	printf 'socket-group = daemon\nrole.operator = %s\n' "$BECOME_USER" \
	    >"$H/opsicle.conf"
	"$O" target list >/dev/null 2>&1	# starts it with the roles
	track_pid "$(cat "$H/opsicled.lock")"
	chmod 711 "$H"
	mkdir "$H/got4" && chown "$BECOME_USER" "$H/got4"
	out=$(setpriv --reuid="$BECOME_USER" --regid=daemon --clear-groups \
	    env OPSICLE_HOME="$H" HOME=/ "$O" --no-start pull t1 \
	    "$R/payload.bin" "$H/got4" 2>"$H/.pp-err"); rc=$?
	err=$(cat "$H/.pp-err")
	is "$rc" 1 "an operator of another uid: pull refused"
	like "$err" "would write $H/got4 with its own rights, not yours \\(uid [0-9]+\\)" \
	    "saying why"
	is "$(ls -A "$H/got4")" "" "and nothing was written"
else
	skip 3 "needs root, setpriv, group daemon and a throwaway user"
fi
tap_finish

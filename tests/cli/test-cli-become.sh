#!/bin/sh
# test-cli-become.sh: "opsicle run --become" end to end with a real daemon,
# real sshd and the real sudo of this machine. Without root: the option
# checks only (refusals, nothing queued). As root: sudo as root (never
# asks), then a throwaway user (removed on exit) with a random password
# and a sudoers.d rule of its own (checked with visudo, removed on exit):
# root needs that user's password, nobody needs none. sudo that asks with
# no password configured fails with class sudo and says how to give one;
# --become-cred gives it; a wrong one is refused; the target's own
# password credential is used when it has one; --script and rerun run
# under sudo too; the password is in no output, job record, log or argv.
. "${OPS_SRCDIR:-$(dirname "$0")/../..}/tests/lib/tap.sh"
. "${OPS_SRCDIR:-$(dirname "$0")/../..}/tests/lib/common.sh"
SSHD_BASE=$(mktemp -d "${TMPDIR:-/tmp}/opsicle-sshd.XXXXXX")
. "$OPS_SRCDIR/tests/lib/sshd.sh"

O="$OPS_BUILDDIR/tui/opsicle"
OPSICLE_DAEMON="$OPS_BUILDDIR/daemon/opsicled"
export OPSICLE_DAEMON
H=$OPSICLE_HOME
B=$SSHD_BASE

. "$OPS_SRCDIR/tests/lib/become.sh"
trap become_cleanup EXIT

plan_tests 42

# A debug log: it must still hold no password.
printf 'log-level = debug\n' >"$H/opsicle.conf"
sshd_client_key "$B"
run "$O" cred add k --ssh-key "$B/id_ed25519" </dev/null
is "$rc" 0 "a key credential"
track_pid "$(cat "$H/opsicled.lock")"
run "$O" target add bogus --host 127.0.0.1 --port 9 --cred k
njobs() { "$O" job list --json | grep -o '"id":' | wc -l; }

# ---- option checks (need no sshd) -------------------------------------
run "$O" run --help
like "$out$err" "--become\\] \\[--become-user USER\\] \\[--become-cred CRED\\]" \
    "run --help shows the become options"
run "$O" run --become-user -x bogus -- id
is "$rc" 2 "--become-user -x (an option-like name) is a usage error"
run "$O" run --become-user 'a b' bogus -- id
is "$rc" 2 "--become-user with a space is a usage error"
like "$err" "--become-user needs a login name" "and says what a user may be"
run "$O" run --become-cred k bogus -- id
is "$rc" 1 "--become-cred naming a key credential is refused"
like "$err" "become credential k is a ssh-key credential; sudo needs a password one" \
    "and says sudo needs a password credential"
run "$O" run --become-cred nope bogus -- id
like "$err" "become credential nope not found" "an unknown become credential is refused"
is "$(njobs)" 0 "no job was queued by a refused become"

if [ "$(id -u)" != 0 ]; then
	skip 33 "sudo to root and a sudoers rule with a password need root (a throwaway user and /etc/sudoers.d)"
	tap_finish
	exit
fi
if ! command -v sudo >/dev/null || ! command -v visudo >/dev/null; then
	skip 33 "sudo is not installed (build-aux/setup.sh installs it)"
	tap_finish
	exit
fi
[ -x "$SSHD" ] || { skip 33 "OpenSSH sshd not installed"; tap_finish; exit; }

sshd_start sk 127.0.0.5 no || { skip 33 "could not start sshd"; tap_finish; exit; }
PK=$SSHD_PORT
sshd_start sp 127.0.0.5 yes || { skip 33 "could not start sshd"; tap_finish; exit; }
PP=$SSHD_PORT

# ---- as root: sudo never asks ------------------------------------------
run "$O" target add r1 --host 127.0.0.5 --port "$PK" --user root --cred k
run "$O" hostkey import "$B/known_hosts"
run "$O" run --become r1 -- 'id -u; echo "$SUDO_USER"'
is "$rc" 0 "run --become as root exits 0"
like "$out" "^r1: 0$" "the command ran as uid 0"
like "$out" "^r1: root$" "under sudo (SUDO_USER is set)"
unlike "$out$err" "opsicle-sudo|OPSICLE-SUDO" "no prompt or marker in the output"

# ---- a throwaway user with a sudoers rule --------------------------------
if ! become_user; then
	skip 29 "could not create a throwaway user"
	tap_finish
	exit
fi
UB=$BECOME_USER PW=$BECOME_PW
# root with the user's password, nobody without; never a cached ticket
if ! become_rule 'Defaults:USER timestamp_timeout=0, !lecture' \
    'USER ALL=(root) ALL' 'USER ALL=(nobody) NOPASSWD: ALL'; then
	skip 29 "could not install a sudoers rule"
	tap_finish
	exit
fi

printf '%s\n' "$PW" | "$O" cred add sp --password >/dev/null 2>&1
printf 'wrong-%s\n' "$PW" | "$O" cred add bad --password >/dev/null 2>&1
printf '%s\n' "$PW" | "$O" cred add upw --password --user "$UB" >/dev/null 2>&1
run "$O" cred list
like "$out" "sp +password" "a password credential for sudo"
run "$O" target add u1 --host 127.0.0.5 --port "$PK" --user "$UB" --cred k
run "$O" target add u2 --host 127.0.0.5 --port "$PP" --user "$UB" --cred upw
run "$O" hostkey import "$B/known_hosts"
run "$O" run u1 u2 -- id -un
like "$out" "^u1: $UB$" "the user logs in with the key"
like "$out" "^u2: $UB$" "and with its password"

# sudo asks, and no password is configured: class sudo, and how to give
# one (the summary is on stderr)
run "$O" run --become u1 -- id -u
is "$rc" 1 "sudo that asks with no password fails the run"
like "$err" "u1: sudo: sudo on u1 asks for a password and none was given" \
    "class sudo, saying so"
like "$err" "run --become-cred NAME" "and how to give one"
job_nopw=$("$O" job list --limit 1 --json | sed -n 's/^\[{"id":\([0-9]*\).*/\1/p')
run "$O" job show "$job_nopw" --json
like "$out" '"class":"sudo"' "job show records class sudo"

# --become-cred: the password from a credential
run "$O" run --become --become-cred sp u1 -- 'id -u; id -un; echo "$SUDO_USER"'
is "$rc" 0 "run --become --become-cred exits 0"
like "$out" "^u1: 0$" "the command ran as root"
like "$out" "^u1: $UB$" "sudo'd from the login user"
unlike "$out$err" "$PW|password|opsicle-sudo|OPSICLE-SUDO" \
    "neither the password nor sudo's prompt or marker in the output"
job_pw=$("$O" job list --limit 1 --json | sed -n 's/^\[{"id":\([0-9]*\).*/\1/p')
run "$O" job show "$job_pw" --json
like "$out" '"become":"root","become_cred":"sp"' "job show names the become user and credential"
unlike "$out" "$PW" "and holds no password"
run "$O" job show "$job_pw"
like "$out" "^become +root, sudo password from credential sp$" "job show's text says it too"
run "$O" job logs "$job_pw"
unlike "$out$err" "$PW|opsicle-sudo" "job logs hold no password or prompt"

# argv on the target while sudo runs: sudo's, without the password
run "$O" run --become-cred sp u1 -- 'ps -eo args'
like "$out" "sudo -S -p" "--become-cred alone implies --become (ps shows sudo)"
unlike "$out" "$PW" "the password is in no process's argv"

# stdin is the command's, after sudo: the password does not leak into it
run "$O" run --become-cred sp u1 -- 'cat; echo end'
like "$out" "^u1: end$" "the command's stdin ends"
unlike "$out" "$PW" "and never held the password"

# a NOPASSWD rule: no password needed, none sent
run "$O" run --become-user nobody u1 -- id -un
is "$rc" 0 "--become-user nobody (NOPASSWD) exits 0"
like "$out" "^u1: nobody$" "the command ran as nobody"

# a wrong password is refused, class sudo
run "$O" run --become --become-cred bad u1 -- id -u
is "$rc" 1 "a wrong sudo password fails the run"
like "$err" "u1: sudo: sudo on u1 refused the password for $UB" "class sudo, refused"
unlike "$out$err" "wrong-$PW" "the wrong password is not shown either"

# the target's own password credential is sudo's password
run "$O" run --become u2 -- id -u
is "$rc" 0 "run --become on a target with a password credential exits 0"
like "$out" "^u2: 0$" "its password served sudo too"

# --script under sudo
printf 'id -u\nid -un\n' >"$H/s.sh"
run "$O" run --become --become-cred sp --script "$H/s.sh" u1
like "$out" "^u1: root$" "--script runs under sudo"

# rerun keeps the become
run "$O" job rerun "$job_pw"
rerun=$(printf '%s\n' "$out" | grep -o '[0-9][0-9]*' | head -1)
wait_for 30 sh -c "\"$O\" job show $rerun --json | grep -q '\"state\":\"done\"'"
run "$O" job logs "$rerun"
like "$out" "^u1: 0$" "job rerun runs under sudo again"

# nowhere in the daemon's files but the sealed store
found=$(grep -rl -- "$PW" "$H" 2>/dev/null | grep -v '/store\.db' || true)
is "$found" "" "the password is in no file of OPSICLE_HOME (debug log included)"
tap_finish

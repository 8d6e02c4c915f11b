#!/bin/sh
# test-cli-kill-become.sh: under sudo, a run that times out or is
# cancelled leaves no process on the target either: the process group is
# reported from inside sudo and the kill runs under sudo as the become
# user (root's processes cannot be signalled by the login user), with
# sudo's password fed again on sudo's prompt (timestamp_timeout=0: sudo
# asks every time). And --script with a non-root become user (the login
# user's 0700 upload is not readable by that user): the script comes on
# stdin and runs from the become user's own unlinked file. A throwaway
# login user (tests/lib/become.sh) as root only.
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
# where the become users may write (the late-part checks)
L=$(mktemp -d "${TMPDIR:-/tmp}/opsicle-late.XXXXXX")
chmod 1777 "$L"
cleanup() { become_cleanup; rm -rf "$L"; }
trap cleanup EXIT

[ "$(id -u)" = 0 ] || skip_all "sudo to root and a sudoers rule need root"
command -v sudo >/dev/null && command -v visudo >/dev/null ||
    skip_all "sudo is not installed (build-aux/setup.sh installs it)"
[ -x "$SSHD" ] || skip_all "OpenSSH sshd not installed"
command -v pgrep >/dev/null || skip_all "pgrep (procps) not installed"
sshd_client_key "$B"
sshd_start sk 127.0.0.6 no || skip_all "could not start sshd"
become_user || skip_all "could not create a throwaway user"
become_rule 'Defaults:USER timestamp_timeout=0, !lecture' \
    'USER ALL=(root) ALL' 'USER ALL=(nobody) NOPASSWD: ALL' ||
    skip_all "could not install a sudoers rule"
UB=$BECOME_USER
plan_tests 30

printf '%s\n' "$BECOME_PW" | "$O" cred add sp --password >/dev/null 2>&1
track_pid "$(cat "$H/opsicled.lock")"
"$O" cred add k --ssh-key "$B/id_ed25519" </dev/null >/dev/null 2>&1
"$O" target add u1 --host 127.0.0.6 --port "$SSHD_PORT" --user "$UB" --cred k
run "$O" hostkey import "$B/known_hosts"
run "$O" run --become --become-cred sp u1 -- id -un
is "$out" "u1: root" "the login user becomes root with its password"

gone() { ! pgrep -f "$1" >/dev/null; }
owner() { ps -o user= -p "$(pgrep -f "$1" | head -1)" 2>/dev/null | tr -d ' '; }
last_job() { "$O" job list --limit 1 --json | sed -n 's/^\[{"id":\([0-9]*\).*/\1/p'; }

# ---- sudo to root (password asked again for the kill) ----------------------
# (s''leep: the CLI's own argv must not match the pattern)
"$O" run --timeout 3 --become-cred sp u1 -- "s''leep 41.1; echo late > '$L/l1'" \
    >"$H/r1.out" 2>"$H/r1.err" &
p1=$!
track_pid $p1
wait_for 10 pgrep -f 'sleep 41[.]1' >/dev/null
is "$(owner 'sleep 41[.]1')" root "the command runs as root, not as the login user"
wait $p1; is $? 1 "the timed-out run under sudo exits 1"
like "$(cat "$H/r1.err")" 'u1: .*timed out after 3000 ms; remote process group [0-9]+ terminated' \
    "its error says the group was terminated"
wait_for 5 gone 'sleep 41[.]1'; ok $? "no root process of the run is left"
sleep 1
test ! -e "$L/l1"; ok $? "and its later part never ran"
unlike "$(cat "$H/r1.out" "$H/r1.err")" "$BECOME_PW|opsicle-pgid|OPSICLE-SUDO" \
    "no password, group report or sudo marker in the output"

# a root command that ignores TERM: KILL, as root
run "$O" run --timeout 1 --become-cred sp u1 -- "trap '' TERM; s''leep 41.2; echo late > '$L/l2'"
like "$err" 'remote process group [0-9]+ killed after 2 s grace' \
    "a root command that ignores TERM is killed after the grace"
wait_for 5 gone 'sleep 41[.]2'; ok $? "nothing of it is left"

# ---- sudo to another user (NOPASSWD), job cancel ---------------------------
"$O" run --become-user nobody u1 -- "s''leep 41.3; echo late > '$L/l3'" >/dev/null 2>&1 &
track_pid $!
wait_for 10 pgrep -f 'sleep 41[.]3' >/dev/null
is "$(owner 'sleep 41[.]3')" nobody "the command runs as nobody"
jc=$(last_job)
run "$O" job cancel "$jc"
wait_for 10 gone 'sleep 41[.]3'; ok $? "job cancel ends nobody's processes"
wait_for 10 sh -c "\"$O\" job show $jc --json | grep -q 'remote process group'"
run "$O" job show "$jc" --json
like "$out" '"state":"cancelled",[^}]*"error":"remote process group [0-9]+ terminated"' \
    "the run is cancelled and says the group was terminated"

# ---- --script under sudo to root: timeout ----------------------------------
# (each script says where it runs from: other tests upload too)
printf 'echo "at $0"\nsleep 41.4 &\nsleep 41.5\necho late > "%s/l4"\n' "$L" >"$H/s1.sh"
run "$O" run --timeout 2 --no-prefix --become-cred sp --script "$H/s1.sh" u1
like "$err" 'remote process group [0-9]+ terminated' "a --script under sudo that times out: group terminated"
wait_for 5 gone 'sleep 41[.][45]'; ok $? "none of its processes is left"
up=$(printf '%s\n' "$out" | sed -n 's/^at \(\/tmp\/\.opsicle-[0-9a-f]*\)$/\1/p')
test -n "$up" && test ! -e "$up"; ok $? "its temp file is removed"

# ---- --script with a non-root become user ----------------------------------
printf '#!/bin/sh\nid -un\necho "args=$#"\ntest -r "$0" && echo readable\necho "fd3 $(readlink /proc/$$/fd/3)"\n' >"$H/s2.sh"
run "$O" run --become-user nobody --script "$H/s2.sh" u1
is "$rc" 0 "--script with --become-user nobody exits 0"
like "$out" "^u1: nobody$" "the script ran as nobody"
like "$out" "^u1: readable$" "from its own file (on fd 3, already unlinked)"
like "$out" "^u1: fd3 /tmp/\.opsicle-[A-Za-z0-9]+ \(deleted\)$" \
    "a file already removed when the script runs (nothing is left)"
printf '#!/usr/bin/env python3\nprint("py", 6 * 7)\n' >"$H/s3.py"
run "$O" run --become-user nobody --script "$H/s3.py" u1
if command -v python3 >/dev/null; then
	like "$out" "^u1: py 42$" "its #! line is honoured (python3)"
else
	skip 1 "python3 not installed"
fi
printf 'in\n' | { run "$O" run --stdin --become-user nobody --script "$H/s2.sh" u1; \
    printf '%s\n%s\n' "$rc" "$err" >"$H/stdin.res"; }
like "$(cat "$H/stdin.res")" "cannot have stdin data of its own" \
    "with --stdin it is refused, saying why"

# a non-root script that is cancelled
printf 'sleep 41.6\necho late > "%s/l6"\n' "$L" >"$H/s4.sh"
"$O" run --become-user nobody --script "$H/s4.sh" u1 >/dev/null 2>&1 &
track_pid $!
wait_for 10 pgrep -f 'sleep 41[.]6' >/dev/null; ok $? "a non-root script runs"
js=$(last_job)
run "$O" job cancel "$js"
wait_for 10 gone 'sleep 41[.]6'; ok $? "job cancel ends it"
sleep 1
test ! -e "$L/l6"; ok $? "and its later part never ran"

# ---- an automation's upload with become writes as that user ---------------
N=$L/nob; mkdir "$N"; chown nobody "$N"; chmod 755 "$N"
printf 'payload\n' >"$H/payload.txt"
cat >"$H/up.yml" <<EOF2
name: up
targets: [u1]
steps:
  - upload: {src: payload.txt, dest: $N/f1, mode: "0640"}
    become: nobody
  - command: stat -c '%U %a' $N/f1
EOF2
cat >"$H/upno.yml" <<EOF2
name: upno
targets: [u1]
steps:
  - upload: {src: payload.txt, dest: $N/f2}
EOF2
(cd "$H" && "$O" automation apply up.yml && "$O" automation apply upno.yml) >/dev/null
run "$O" automation run up
is "$rc" 0 "an upload with become nobody succeeds in nobody's directory"
like "$out" "u1: nobody 640" "the file is nobody's, with the mode asked for"
cmp -s "$H/payload.txt" "$N/f1"; ok $? "and holds the bytes uploaded"
run "$O" automation run upno
[ "$rc" != 0 ]; ok $? "without become the login user cannot write there"
ls "$N" | grep -q opsicle-up; is $? 1 "no temp file is left behind"
printf 'name: dn\ntargets: [u1]\nsteps:\n  - download: {src: /etc/hostname, dest: /tmp}\n    become: nobody\n' >"$H/dn.yml"
run sh -c "cd '$H' && '$O' automation apply dn.yml"
like "$err" "steps\\[0\\]\\.become.*not supported for a download step" \
    "a download with become is refused, naming the field"

tap_finish

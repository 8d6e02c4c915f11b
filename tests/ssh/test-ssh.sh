#!/bin/sh
# test-ssh.sh: start four real sshd processes on 127.0.0.2-5 and run the
# engine tests (tests/ssh/ssh-driver) against them.
. "$OPS_SRCDIR/tests/lib/tap.sh"
. "$OPS_SRCDIR/tests/lib/common.sh"
. "$OPS_SRCDIR/tests/lib/sshd.sh"

DRIVER=$OPS_BUILDDIR/tests/ssh/ssh-driver
[ -x "$DRIVER" ] || skip_all "ssh-driver not built"
[ -x "$SSHD" ] || skip_all "OpenSSH sshd not installed"
command -v ssh-keygen >/dev/null || skip_all "ssh-keygen not installed"

PWUSER=
cleanup() {
	[ -n "$PWUSER" ] && userdel "$PWUSER" 2>/dev/null
	_ops_cleanup
}
trap cleanup EXIT

# A throwaway user with a password, only when we may create one.
if [ "$(id -u)" = 0 ] && command -v useradd >/dev/null && command -v chpasswd >/dev/null; then
	PWUSER=opst$$
	PWPASS=pw-$(od -An -N6 -tx1 /dev/urandom | tr -d ' \n')
	if useradd -M -d / -s /bin/sh "$PWUSER" 2>/dev/null &&
	    echo "$PWUSER:$PWPASS" | chpasswd 2>/dev/null; then
		export OPS_SSH_PWUSER=$PWUSER OPS_SSH_PWPASS=$PWPASS
	else
		PWUSER=
		export OPS_SSH_PWSKIP="could not create a throwaway user"
	fi
else
	export OPS_SSH_PWSKIP="password auth needs root to create a throwaway user"
fi

i=1
for addr in 127.0.0.2 127.0.0.3 127.0.0.4 127.0.0.5; do
	pw=no
	[ $i = 1 ] && [ -n "$PWUSER" ] && pw=yes
	sshd_start "s$i" "$addr" "$pw" || skip_all "could not start sshd on $addr"
	eval "export OPS_SSHD_${i}_ADDR=$addr OPS_SSHD_${i}_PORT=$SSHD_PORT"
	eval "export OPS_SSHD_${i}_PID=$SSHD_PID"
	eval "export OPS_SSHD_${i}_HOSTPUB=\"\$SSHD_HOSTPUB\""
	i=$((i + 1))
done
export OPS_SSHD_COUNT=4

B=$SSHD_BASE
export OPS_SSH_USER="$(sshd_user)"
export OPS_SSH_KEY=$B/id_ed25519
sshd_client_key "$B" id_wrong
export OPS_SSH_WRONGKEY=$B/id_wrong
export OPS_SSH_PPASS="pass phrase 42"
ssh-keygen -q -t ed25519 -N "$OPS_SSH_PPASS" -C ops-pp -f "$B/id_pp"
cat "$B/id_pp.pub" >>"$B/authorized_keys"
export OPS_SSH_PPKEY=$B/id_pp

# known_hosts: sshd 2 hashed (ssh-keygen -H), sshd 1 plain
grep "^\[127.0.0.3\]" "$B/known_hosts" >"$B/kh"
ssh-keygen -q -H -f "$B/kh" >/dev/null 2>&1
rm -f "$B/kh.old"
grep "^\[127.0.0.2\]" "$B/known_hosts" >>"$B/kh"
grep -q '^|1|' "$B/kh" || diag "ssh-keygen -H did not hash the entry"
export OPS_SSH_KNOWN_HOSTS=$B/kh

# a port where nothing listens
while :; do
	p=$((20000 + ($(od -An -N2 -tu2 /dev/urandom) % 40000)))
	sshd_port_free 127.0.0.2 "$p" && break
done
export OPS_SSH_CLOSED_PORT=$p
# (the driver uses 127.0.0.2 for it)

if command -v ssh-agent >/dev/null && command -v ssh-add >/dev/null; then
	ssh-agent -D -a "$B/agent.sock" >/dev/null 2>&1 &
	track_pid $!
	wait_for 5 test -S "$B/agent.sock" &&
	    SSH_AUTH_SOCK=$B/agent.sock ssh-add -q "$B/id_ed25519" 2>/dev/null &&
	    export OPS_SSH_AGENT_SOCK=$B/agent.sock
fi
command -v sudo >/dev/null && export OPS_SSH_SUDO=1

ulimit -n 4096 2>/dev/null
${OPS_WRAP:-} "$DRIVER"

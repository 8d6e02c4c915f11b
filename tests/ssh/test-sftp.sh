#!/bin/sh
# test-sftp.sh: SFTP upload-and-run, push/pull, sudo and
# keyboard-interactive against real sshd processes on 127.0.0.6-9
# (tests/ssh/sftp-driver). As root it also creates a throwaway user with a
# random password (removed on exit) for the per-target failure, sudo
# prompt and keyboard-interactive (PAM) cases; otherwise those skip.
. "$OPS_SRCDIR/tests/lib/tap.sh"
. "$OPS_SRCDIR/tests/lib/common.sh"
. "$OPS_SRCDIR/tests/lib/sshd.sh"

DRIVER=$OPS_BUILDDIR/tests/ssh/sftp-driver
[ -x "$DRIVER" ] || skip_all "sftp-driver not built"
[ -x "$SSHD" ] || skip_all "OpenSSH sshd not installed"
command -v ssh-keygen >/dev/null || skip_all "ssh-keygen not installed"

U2=
cleanup() {
	[ -n "$U2" ] && userdel "$U2" 2>/dev/null
	_ops_cleanup
}
trap cleanup EXIT

if [ "$(id -u)" = 0 ] && command -v useradd >/dev/null &&
    command -v chpasswd >/dev/null; then
	U2=opsf$$
	P2=pw-$(od -An -N8 -tx1 /dev/urandom | tr -d ' \n')
	if useradd -M -d / -s /bin/sh "$U2" 2>/dev/null &&
	    echo "$U2:$P2" | chpasswd 2>/dev/null; then
		export OPS_SFTP_USER2=$U2 OPS_SFTP_PASS2=$P2
	else
		userdel "$U2" 2>/dev/null
		U2=
	fi
fi

i=1
for addr in 127.0.0.6 127.0.0.7 127.0.0.8; do
	sshd_start "s$i" "$addr" no || skip_all "could not start sshd on $addr"
	eval "export OPS_SSHD_${i}_ADDR=$addr OPS_SSHD_${i}_PORT=$SSHD_PORT"
	eval "export OPS_SSHD_${i}_HOSTPUB=\"\$SSHD_HOSTPUB\""
	i=$((i + 1))
done
export OPS_SSHD_COUNT=3

# sshd_restart_edit SED-ARGS...: restart the sshd last started by
# sshd_start (same port and host key) with its config edited; sets
# SSHD_PID; fails when it does not listen again on $_addr:$SSHD_PORT
sshd_restart_edit() {
	sshd_stop "$SSHD_DIR"
	sed -i "$@" "$SSHD_DIR/sshd_config"
	"$SSHD" -D -E "$SSHD_DIR/sshd.log" -f "$SSHD_DIR/sshd_config" &
	SSHD_PID=$!
	track_pid "$SSHD_PID"
	wait_for 10 sshd_listening "$_addr" "$SSHD_PORT"
}

# sshd on 127.0.0.1 (and ::1 when there is one) for names from
# /etc/hosts: "localhost" goes through the resolver thread
if sshd_start slh 127.0.0.1 no &&
    sshd_restart_edit -e 's/^AddressFamily inet/AddressFamily any/' \
	-e 's/^ListenAddress 127.0.0.1/ListenAddress 127.0.0.1\nListenAddress ::1/'; then
	export OPS_SSHD_LH_PORT=$SSHD_PORT OPS_SSHD_LH_HOSTPUB="$SSHD_HOSTPUB"
fi

# sshd 4: keyboard-interactive through PAM (needs root and the user)
if [ -n "$U2" ]; then
	if sshd_start s4 127.0.0.9 no; then
		if sshd_restart_edit -e 's/^UsePAM no/UsePAM yes/' \
		    -e 's/^KbdInteractiveAuthentication no/KbdInteractiveAuthentication yes/' \
		    -e 's/^PubkeyAuthentication yes/PubkeyAuthentication no/'; then
			export OPS_SSHD_4_ADDR=127.0.0.9 OPS_SSHD_4_PORT=$SSHD_PORT
			export OPS_SSHD_4_HOSTPUB="$SSHD_HOSTPUB"
			export OPS_SSHD_COUNT=4
		else
			export OPS_SFTP_KBDSKIP="sshd with UsePAM yes did not start"
		fi
	else
		export OPS_SFTP_KBDSKIP="could not start the PAM sshd"
	fi
else
	export OPS_SFTP_KBDSKIP="keyboard-interactive needs root (PAM sshd and a throwaway user)"
fi

B=$SSHD_BASE
export OPS_SSH_USER="$(sshd_user)"
export OPS_SSH_KEY=$B/id_ed25519
command -v sudo >/dev/null && export OPS_SSH_SUDO=1

# files: two 5 MiB random sources (0640, 0755), a remote dir, a victim
D=$OPSICLE_HOME/sftp
mkdir -p "$D/remote" "$D/pull" "$D/rootonly"
chmod 755 "$D" "$D/rootonly"
if [ -n "$U2" ]; then
	# the throwaway user logs in with the shared test key too
	chmod 755 "$OPSICLE_HOME"
	chmod 711 "$B"
	chmod 644 "$B/authorized_keys"
fi
head -c 5242880 /dev/urandom >"$D/src640"
head -c 5242880 /dev/urandom >"$D/src755"
chmod 640 "$D/src640"
chmod 755 "$D/src755"
echo victim >"$D/victim"
export OPS_SFTP_DIR=$D

${OPS_WRAP:-} "$DRIVER"

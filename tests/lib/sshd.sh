# sshd.sh: a real OpenSSH sshd on loopback for tests. Source after
# common.sh (needs $OPSICLE_HOME and track_pid).
#
#   sshd_client_key DIR [NAME]   make DIR/NAME (ed25519, no passphrase)
#   sshd_start NAME ADDR [PASSWORD_AUTH]
#                                start an sshd on ADDR (127.0.0.x) and a free
#                                high port; sets SSHD_DIR SSHD_PORT SSHD_PID
#                                SSHD_HOSTPUB (host key "type base64")
#                                and appends to $SSHD_BASE/known_hosts;
#                                lines in $SSHD_EXTRA (if set) end its
#                                sshd_config
#   (SSHD_LOGLEVEL: sshd's LogLevel, ERROR by default; INFO logs each
#   accepted login, which tests count sessions by)
#   sshd_stop DIR                stop the sshd started in DIR, by its pid
#   sshd_user                    the login user (root, or the current user)
#   sshd_require                 skip_all unless sshd, ssh-keygen and ss exist
#   sshd_start_each ADDR...      sshd_start s1 ADDR1, s2 ADDR2, ... (skip_all
#                                when one fails); sets P1, P2, ... the ports
#
# $SSHD_BASE (default $OPSICLE_HOME/sshd) holds one directory per sshd plus
# the shared client key id_ed25519 and authorized_keys. Only 127.0.0.0/8 is
# ever used.
: "${SSHD_BASE:=$OPSICLE_HOME/sshd}"
: "${SSHD:=/usr/sbin/sshd}"
[ -x "$SSHD" ] || SSHD=/usr/sbin/sshd

sshd_user() {
	id -un
}

sshd_require() {
	[ -x "$SSHD" ] || skip_all "OpenSSH sshd not installed"
	command -v ssh-keygen >/dev/null || skip_all "ssh-keygen not installed"
	command -v ss >/dev/null || skip_all "ss (iproute2) not installed"
}

sshd_start_each() {
	_si=1
	for _a in "$@"; do
		sshd_start "s$_si" "$_a" || skip_all "could not start sshd on $_a"
		eval "P$_si=$SSHD_PORT"
		_si=$((_si + 1))
	done
}

sshd_client_key() {
	_d=$1; _n=${2:-id_ed25519}
	mkdir -p "$_d"
	[ -f "$_d/$_n" ] || ssh-keygen -q -t ed25519 -N '' -C ops-test -f "$_d/$_n"
}

# sshd_port_free ADDR PORT: nothing listens there
sshd_port_free() {
	! ss -ltnH 2>/dev/null | awk '{print $4}' | grep -qx "$1:$2"
}

sshd_listening() {
	ss -ltnH 2>/dev/null | awk '{print $4}' | grep -qx "$1:$2"
}

sshd_start() {
	_name=$1; _addr=$2; _pw=${3:-no}
	case $_addr in
	127.*) ;;
	*) echo "sshd_start: refusing non-loopback address $_addr" >&2; return 1 ;;
	esac
	command -v ssh-keygen >/dev/null && [ -x "$SSHD" ] || {
		echo "sshd_start: OpenSSH server not installed" >&2; return 1; }
	SSHD_DIR=$SSHD_BASE/$_name
	mkdir -p "$SSHD_DIR"
	chmod 700 "$SSHD_BASE" "$SSHD_DIR"
	if [ "$(id -u)" = 0 ]; then mkdir -p /run/sshd; chmod 755 /run/sshd; fi
	sshd_client_key "$SSHD_BASE"
	[ -f "$SSHD_BASE/authorized_keys" ] ||
		cp "$SSHD_BASE/id_ed25519.pub" "$SSHD_BASE/authorized_keys"
	chmod 600 "$SSHD_BASE/authorized_keys"
	[ -f "$SSHD_DIR/host_ed25519" ] ||
		ssh-keygen -q -t ed25519 -N '' -C "ops-test-$_name" -f "$SSHD_DIR/host_ed25519"
	SSHD_HOSTPUB=$(cut -d' ' -f1,2 "$SSHD_DIR/host_ed25519.pub")
	_sftp=/usr/lib/openssh/sftp-server
	[ -x "$_sftp" ] || _sftp=internal-sftp
	_try=0
	while [ $_try -lt 20 ]; do
		_try=$((_try + 1))
		SSHD_PORT=$((20000 + ($(od -An -N2 -tu2 /dev/urandom) % 40000)))
		sshd_port_free "$_addr" "$SSHD_PORT" || continue
		cat >"$SSHD_DIR/sshd_config" <<EOF
ListenAddress $_addr
Port $SSHD_PORT
AddressFamily inet
HostKey $SSHD_DIR/host_ed25519
PidFile $SSHD_DIR/sshd.pid
AuthorizedKeysFile $SSHD_BASE/authorized_keys
StrictModes no
UsePAM no
UseDNS no
PermitRootLogin yes
PubkeyAuthentication yes
PasswordAuthentication $_pw
KbdInteractiveAuthentication no
MaxStartups 1000:30:1000
MaxSessions 100
MaxAuthTries 10
PrintMotd no
PrintLastLog no
AcceptEnv OPS_*
Subsystem sftp $_sftp
LogLevel ${SSHD_LOGLEVEL:-ERROR}
SetEnv SHLVL=1
${SSHD_EXTRA:-}
EOF
		"$SSHD" -D -E "$SSHD_DIR/sshd.log" -f "$SSHD_DIR/sshd_config" &
		SSHD_PID=$!
		track_pid "$SSHD_PID"
		echo "$SSHD_PID" >"$SSHD_DIR/pid"
		_i=0
		while [ $_i -lt 100 ]; do
			sshd_listening "$_addr" "$SSHD_PORT" && break
			kill -0 "$SSHD_PID" 2>/dev/null || break
			sleep 0.05; _i=$((_i + 1))
		done
		if sshd_listening "$_addr" "$SSHD_PORT" && kill -0 "$SSHD_PID" 2>/dev/null; then
			echo "[$_addr]:$SSHD_PORT $SSHD_HOSTPUB" >>"$SSHD_BASE/known_hosts"
			return 0
		fi
		kill "$SSHD_PID" 2>/dev/null	# lost a race for the port
	done
	echo "sshd_start: could not start sshd on $_addr; see $SSHD_DIR/sshd.log" >&2
	return 1
}

# sshd_children PID: the per-connection sshd processes of listener PID
sshd_children() {
	for _s in /proc/[0-9]*/stat; do
		_pp=$(awk '{print $4}' "$_s" 2>/dev/null) || continue
		[ "$_pp" = "$1" ] && { _c=${_s#/proc/}; echo "${_c%/stat}"; }
	done
	return 0
}

sshd_stop() {
	[ -f "$1/pid" ] || return 0
	_p=$(cat "$1/pid")
	for _c in $(sshd_children "$_p"); do kill "$_c" 2>/dev/null; done
	kill "$_p" 2>/dev/null
	_i=0
	while kill -0 "$_p" 2>/dev/null && [ $_i -lt 50 ]; do
		sleep 0.1; _i=$((_i + 1))
	done
	rm -f "$1/pid"
}

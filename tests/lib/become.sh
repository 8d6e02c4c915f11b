# become.sh: a throwaway login user with a random password and a
# sudoers.d rule of its own (checked with visudo), for the sudo tests;
# needs root, sudo and visudo. Source after common.sh and sshd.sh (with
# SSHD_BASE set). The test's EXIT trap calls become_cleanup, which stops
# the test's processes first (pooled sessions keep the user's processes
# alive, and userdel refuses a user with processes), then removes the
# rule, the user and SSHD_BASE.
BECOME_USER= BECOME_PW= _become_sudoers=

become_cleanup() {
	[ -n "$_become_sudoers" ] && rm -f "$_become_sudoers"
	_ops_cleanup
	[ -n "$BECOME_USER" ] && become_userdel "$BECOME_USER"
	rm -rf "$SSHD_BASE"
}

# become_userdel USER: once USER has no process left (5 s at most),
# userdel it (also for other tests' throwaway users).
become_userdel() {
	_n=0
	while [ -n "$(ps -u "$1" -o pid= 2>/dev/null)" ] && [ $_n -lt 50 ]; do
		sleep 0.1; _n=$((_n + 1))
	done
	userdel "$1" 2>/dev/null || echo "# could not remove user $1" >&2
}

# become_user: make the user (BECOME_USER, password BECOME_PW), after
# sshd_start; 1 when it cannot be made.
become_user() {
	BECOME_USER=opsb$$
	BECOME_PW=pw-$(od -An -N12 -tx1 /dev/urandom | tr -d ' \n')
	if ! useradd -M -d / -s /bin/sh "$BECOME_USER" 2>/dev/null ||
	    ! echo "$BECOME_USER:$BECOME_PW" | chpasswd 2>/dev/null; then
		userdel "$BECOME_USER" 2>/dev/null; BECOME_USER=
		return 1
	fi
	# the user reads the shared client key's authorized_keys
	chmod 711 "$SSHD_BASE"
	chmod 644 "$SSHD_BASE/authorized_keys"
}

# become_rule LINE...: install the sudoers lines (USER stands for the
# user's name); 1 when visudo refuses them.
become_rule() {
	_rule=$(mktemp "${TMPDIR:-/tmp}/opsicle-sudoers.XXXXXX")
	printf '%s\n' "$@" | sed "s/USER/$BECOME_USER/g" >"$_rule"
	if visudo -cqf "$_rule" >/dev/null 2>&1; then
		_become_sudoers=/etc/sudoers.d/opsicle-test-$$
		install -m 0440 "$_rule" "$_become_sudoers"
	fi
	rm -f "$_rule"
	if [ -z "$_become_sudoers" ] || ! visudo -cq >/dev/null 2>&1; then
		[ -n "$_become_sudoers" ] && rm -f "$_become_sudoers"
		_become_sudoers=
		return 1
	fi
}

# tap.sh: TAP helpers for shell tests (source it; see tap.h for meaning).
_tap_n=0
_tap_failed=0
_tap_plan=0

plan_tests() { _tap_plan=$1; echo "1..$1"; }
skip_all() { echo "1..0 # SKIP $*"; exit 0; }
diag() { printf '# %s\n' "$*" >&2; }
ok() {	# ok STATUS DESCRIPTION
	_tap_n=$((_tap_n + 1))
	if [ "$1" -eq 0 ]; then
		echo "ok $_tap_n - $2"
	else
		echo "not ok $_tap_n - $2"
		_tap_failed=$((_tap_failed + 1))
	fi
	return "$1"
}
is() {	# is GOT WANT DESCRIPTION
	if [ "$1" = "$2" ]; then ok 0 "$3"; else
		ok 1 "$3"; diag "got '$1', want '$2'"; return 1; fi
}
like() {	# like TEXT PATTERN(grep -E) DESCRIPTION
	if printf '%s\n' "$1" | grep -Eq -- "$2"; then ok 0 "$3"; else
		ok 1 "$3"; diag "'$1' does not match /$2/"; return 1; fi
}
unlike() {
	if printf '%s\n' "$1" | grep -Eq -- "$2"; then
		ok 1 "$3"; diag "'$1' matches /$2/"; return 1; else ok 0 "$3"; fi
}
skip() {	# skip COUNT REASON
	_n=$1; shift
	while [ "$_n" -gt 0 ]; do
		_tap_n=$((_tap_n + 1)); echo "ok $_tap_n # SKIP $*"; _n=$((_n - 1))
	done
}
tap_finish() {
	if [ "$_tap_plan" -ne "$_tap_n" ]; then
		diag "planned $_tap_plan tests but ran $_tap_n"; exit 1
	fi
	[ "$_tap_failed" -eq 0 ]
}

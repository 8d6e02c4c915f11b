# common.sh: shared set-up for shell tests. Source after tap.sh.
# Gives each test a fresh $OPSICLE_HOME, records started pids and kills
# them (and removes the home) on exit.
: "${OPS_SRCDIR:=$(cd "$(dirname "$0")/../.." && pwd)}"
: "${OPS_BUILDDIR:=$(pwd)}"
export OPS_SRCDIR OPS_BUILDDIR

OPSICLE_HOME=$(mktemp -d "${TMPDIR:-/tmp}/opsicle-test.XXXXXX")
export OPSICLE_HOME
_ops_pids=""

track_pid() { _ops_pids="$_ops_pids $1"; }
_ops_cleanup() {
	for _p in $_ops_pids; do kill "$_p" 2>/dev/null; done
	for _p in $_ops_pids; do
		_i=0
		while kill -0 "$_p" 2>/dev/null && [ $_i -lt 50 ]; do
			sleep 0.1; _i=$((_i + 1))
		done
		kill -9 "$_p" 2>/dev/null
	done
	[ -n "${OPS_KEEP_HOME:-}" ] || rm -rf "$OPSICLE_HOME"
}
trap _ops_cleanup EXIT
trap 'exit 130' INT TERM

# wait_for SECONDS COMMAND...: poll COMMAND every 0.1 s until it succeeds.
wait_for() {
	_deadline=$(($1 * 10)); shift; _i=0
	while ! "$@" >/dev/null 2>&1; do
		_i=$((_i + 1)); [ $_i -ge $_deadline ] && return 1; sleep 0.1
	done
	return 0
}

# run CMD...: run with stdout/stderr captured in $out/$err, status in $rc.
run() {
	out=$("$@" 2>"$OPSICLE_HOME/.stderr"); rc=$?
	err=$(cat "$OPSICLE_HOME/.stderr")
}

#!/bin/sh
# sshd-down.sh [DIR]: stop the sshd sshd-up.sh started in DIR (default
# /tmp/ops-bench-sshd), by its pid file only.
D=${1:-/tmp/ops-bench-sshd}
. "$(dirname "$0")/bench-lib.sh" || exit 1
bench_sshd_down "$D"

#!/bin/sh
# sshd-up.sh [DIR]: start the benchmarks' throw-away sshd (bench-lib.sh)
# on 127.0.0.1 and a free port, with its keys, known_hosts and an
# ssh_config under DIR (default /tmp/ops-bench-sshd). Then:
#     ssh -F DIR/ssh_config t17 true
# Stop it with sshd-down.sh [DIR].
D=${1:-/tmp/ops-bench-sshd}
. "$(dirname "$0")/bench-lib.sh" || exit 1
bench_sshd_up "$D" || exit 1
echo "sshd up: pid $BENCH_SSHD_PID, 127.0.0.1:$BENCH_PORT, dir $D"

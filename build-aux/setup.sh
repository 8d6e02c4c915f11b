#!/bin/sh
# setup.sh: the README's two commands.
#   build-aux/setup.sh start   install what is missing, build, start opsicled
#                              in the foreground on its default state directory
#   build-aux/setup.sh test    install what is missing, build, run every test
# BUILDDIR (default: build) and CONFIGURE_FLAGS may be set by the caller.
set -eu

top=$(cd "$(dirname "$0")/.." && pwd)
builddir=${BUILDDIR:-$top/build}
mode=${1:-}

case $mode in
start|test) ;;
*) echo "usage: build-aux/setup.sh start|test" >&2; exit 2 ;;
esac

# Debian packages needed to build and test; installed only when missing.
pkgs="build-essential autoconf automake pkg-config libsqlite3-dev
libsodium-dev libssh2-1-dev libssl-dev libcurl4-openssl-dev libjansson-dev
libncurses-dev libyaml-dev libqrencode-dev openssh-server openssh-client tmux procps iproute2 xz-utils sudo
python3 python3-paramiko"

missing=""
for p in $pkgs; do
	dpkg-query -W -f='${Status}\n' "$p" 2>/dev/null |
	    grep -q '^install ok installed' || missing="$missing $p"
done
if [ -n "$missing" ]; then
	echo "setup: installing:$missing"
	sudo=""
	[ "$(id -u)" -eq 0 ] || sudo=sudo
	$sudo env DEBIAN_FRONTEND=noninteractive apt-get update -qq
	# policy-rc.d keeps the package from starting a system sshd on port 22
	# in containers; tests start their own sshd on loopback high ports.
	# shellcheck disable=SC2086
	$sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq \
	    --no-install-recommends $missing
fi

cd "$top"
[ -x configure ] && [ configure -nt configure.ac ] && [ Makefile.in -nt Makefile.am ] ||
	autoreconf -fi
mkdir -p "$builddir"
cd "$builddir"
[ -f Makefile ] || "$top/configure" ${CONFIGURE_FLAGS:-}
make -j"$(nproc)"

case $mode in
start)
	echo "setup: starting opsicled in the foreground (Ctrl-C stops it)"
	exec ./daemon/opsicled -d
	;;
test)
	exec make -j"$(nproc)" check
	;;
esac

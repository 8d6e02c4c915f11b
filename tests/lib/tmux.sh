# tmux.sh: drive a full-screen program in a private tmux server (STYLE.md
# 19). Source after tap.sh and common.sh. The server lives at
# $OPSICLE_HOME/tmux.sock with no config file, and is killed on exit
# together with the daemon whose pid is in $OPSICLE_HOME/opsicled.lock.
TMUX_SOCK="$OPSICLE_HOME/tmux.sock"

tm() { tmux -S "$TMUX_SOCK" -f /dev/null "$@"; }

# screen [TARGET]: the visible text of a pane.
screen() { tm capture-pane -p ${1:+-t "$1"} 2>/dev/null; }

# wait_for_screen ERE [TARGET] [SECONDS]: poll the pane every 0.1 s until
# a line matches, up to a deadline (10 s unless given). Never a fixed
# sleep: the status only depends on what the screen shows.
wait_for_screen() {
	_w_deadline=$(( ${3:-10} * 10 )); _w_i=0
	while ! screen "${2:-}" | grep -Eq -- "$1"; do
		_w_i=$((_w_i + 1))
		[ $_w_i -ge $_w_deadline ] && return 1
		sleep 0.1
	done
	return 0
}

# wait_gone ERE [TARGET] [SECONDS]: the opposite.
wait_gone() {
	_w_deadline=$(( ${3:-10} * 10 )); _w_i=0
	while screen "${2:-}" | grep -Eq -- "$1"; do
		_w_i=$((_w_i + 1))
		[ $_w_i -ge $_w_deadline ] && return 1
		sleep 0.1
	done
	return 0
}

_tm_cleanup() {
	tm kill-server >/dev/null 2>&1
	if [ -f "$OPSICLE_HOME/opsicled.lock" ]; then
		_p=$(cat "$OPSICLE_HOME/opsicled.lock" 2>/dev/null)
		case $_p in *[!0-9]*|'') ;; *) track_pid "$_p" ;; esac
	fi
	_ops_cleanup
}
trap _tm_cleanup EXIT

# wait_for_line N ERE [TARGET] [SECONDS]: poll until line N matches.
wait_for_line() {
	_w_deadline=$(( ${4:-10} * 10 )); _w_i=0
	while ! screen "${3:-}" | sed -n "$1p" | grep -Eq -- "$2"; do
		_w_i=$((_w_i + 1))
		[ $_w_i -ge $_w_deadline ] && return 1
		sleep 0.1
	done
	return 0
}

# tui_start SESSION: "$O tui" (O: the opsicle binary) in a new 100x30
# session, under a wrapper that prints "tui-exit=STATUS" when it ends
# and keeps the pane open.
tui_start() {
	cat >"$OPSICLE_HOME/tui.sh" <<EOS
#!/bin/sh
env TERM=screen-256color LANG=C.UTF-8 OPSICLE_HOME="$OPSICLE_HOME" \
    OPSICLE_DAEMON="$OPSICLE_DAEMON" "$O" tui
echo "tui-exit=\$?"
exec sleep 600
EOS
	chmod +x "$OPSICLE_HOME/tui.sh"
	# -n: the window is named as its session; an automatic name such as
	# "bash" would be found first by the prefix "b" of "-t b" (tmux looks
	# a bare target up as a window of the current session, then a session).
	tm new-session -d -s "$1" -n "$1" -x 100 -y 30 "$OPSICLE_HOME/tui.sh"
}

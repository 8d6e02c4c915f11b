#!/usr/bin/python3
# evil-output.py: a hostile SSH server for the terminal-injection tests
# (paramiko). Any key or password logs in; the exec'd command picks what
# the "target" sends back:
#
#   evil      stdout: OSC 0 title, CSI 2J, SGR, C1 CSI encoded (U+009B) and
#             raw (0x9b), BEL, NUL, invalid UTF-8 (0xff 0xfe, overlong
#             0xc0 0xaf), a euro sign split across two channel packets;
#             stderr: OSC 2 title and SGR. Exit status 0.
#   sig       "out" on stdout, then exit-signal named
#             "ESC]0;pwned-sig BEL ESC[2J TERM" (control characters in it).
#   exit1000  exit status 1000 (outside 0-255).
#   anything else: exit status 127.
#
# Usage: evil-output.py ADDR HOSTKEY PORTFILE
# Listens on ADDR (127.0.0.0/8 only) at a free port it writes to PORTFILE.
import shlex
import socket
import sys
import threading
import time

import paramiko
from paramiko.common import cMSG_CHANNEL_REQUEST
from paramiko.message import Message

EVIL_OUT = [
    b"A\x1b]0;pwned-title\x07B\x1b[2J\x1b[31mred\x1b[0m C1:\xc2\x9b" b"31m"
    b" raw9b:\x9b bel:\x07 nul:\x00 end\n",
    b"invalid utf8: \xff\xfe\xc0\xaf done\n",
    b"split:\xe2\x82",
    b"\xac euro\n",
]
EVIL_ERR = b"stderr \x1b]2;pwned-err\x07 \x1b[41mbg\x1b[0m\n"
SIG_NAME = b"\x1b]0;pwned-sig\x07\x1b[2JTERM"


class Server(paramiko.ServerInterface):
    def __init__(self):
        self.commands = {}
        self.ready = threading.Condition()

    def check_auth_publickey(self, username, key):
        return paramiko.AUTH_SUCCESSFUL

    def check_auth_password(self, username, password):
        return paramiko.AUTH_SUCCESSFUL

    def get_allowed_auths(self, username):
        return "publickey,password"

    def check_channel_request(self, kind, chanid):
        if kind == "session":
            return paramiko.OPEN_SUCCEEDED
        return paramiko.OPEN_FAILED_ADMINISTRATIVELY_PROHIBITED

    def check_channel_env_request(self, channel, name, value):
        return True

    def check_channel_exec_request(self, channel, command):
        with self.ready:
            self.commands[channel.get_id()] = command
            self.ready.notify_all()
        return True


def exit_signal(chan, name):
    m = Message()
    m.add_byte(cMSG_CHANNEL_REQUEST)
    m.add_int(chan.remote_chanid)
    m.add_string("exit-signal")
    m.add_boolean(False)
    m.add_string(name)
    m.add_boolean(False)
    m.add_string("")
    m.add_string("")
    chan.transport._send_user_message(m)


def unwrap(cmd):
    # opsicle wraps each command so the shell reports its process group
    # first: exec /bin/sh -c '...' sh 'COMMAND'. This server has no shell:
    # it answers the command inside.
    try:
        words = shlex.split(cmd)
    except ValueError:
        return cmd
    if len(words) == 6 and words[:3] == ["exec", "/bin/sh", "-c"] and \
            words[4] == "sh":
        return words[5].strip()
    return cmd


def serve_channel(server, chan):
    with server.ready:
        server.ready.wait_for(lambda: chan.get_id() in server.commands,
                              timeout=10)
        cmd = server.commands.get(chan.get_id(), b"")
    if isinstance(cmd, bytes):
        cmd = cmd.decode("utf-8", "replace")
    cmd = unwrap(cmd.strip())
    try:
        if cmd == "evil":
            for chunk in EVIL_OUT:
                chan.sendall(chunk)
                # separate packets, so the client sees the cut sequence
                time.sleep(0.2)
            chan.sendall_stderr(EVIL_ERR)
            chan.send_exit_status(0)
        elif cmd == "sig":
            chan.sendall(b"out\n")
            exit_signal(chan, SIG_NAME)
        elif cmd == "exit1000":
            chan.send_exit_status(1000)
        else:
            chan.send_exit_status(127)
        time.sleep(0.1)
    finally:
        chan.close()


def serve_conn(sock, hostkey):
    t = paramiko.Transport(sock)
    t.add_server_key(hostkey)
    server = Server()
    try:
        t.start_server(server=server)
    except Exception:
        return
    while t.is_active():
        chan = t.accept(1)
        if chan is not None:
            threading.Thread(target=serve_channel, args=(server, chan),
                             daemon=True).start()


def main():
    addr, keyfile, portfile = sys.argv[1], sys.argv[2], sys.argv[3]
    if not addr.startswith("127."):
        sys.exit("evil-output.py: refusing non-loopback address " + addr)
    hostkey = paramiko.Ed25519Key.from_private_key_file(keyfile)
    ls = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    ls.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    ls.bind((addr, 0))
    ls.listen(64)
    with open(portfile + ".tmp", "w") as f:
        f.write("%d\n" % ls.getsockname()[1])
    import os
    os.rename(portfile + ".tmp", portfile)
    while True:
        sock, _ = ls.accept()
        threading.Thread(target=serve_conn, args=(sock, hostkey),
                         daemon=True).start()


if __name__ == "__main__":
    main()

#!/usr/bin/python3
"""evil-auth.py: a hostile SSH server for tests. It logs every password
and keyboard-interactive answer it receives ("CAPTURED ...") and never
lets anyone in.

usage: evil-auth.py ADDR HOSTKEY PORTFILE LOG

Listens on ADDR (127.0.0.0/8 only) and a free port, written to PORTFILE
once listening. HOSTKEY is an OpenSSH ed25519 private key file. What the
server asks depends on the user name:
  otp    keyboard-interactive only: one hidden "Verification code: " prompt
  two    keyboard-interactive only: two hidden prompts in one round
         ("Password: ", "Password again: ")
  pw     keyboard-interactive only: one hidden "Password: " prompt
  other  password and keyboard-interactive ("Password: ")
"""
import os
import socket
import sys
import threading

import paramiko

KBD = {
    "otp": [("Verification code: ", False)],
    "two": [("Password: ", False), ("Password again: ", False)],
    "pw": [("Password: ", False)],
}


class Evil(paramiko.ServerInterface):
    def __init__(self, log):
        self.log = log
        self.user = ""

    def note(self, line):
        with open(self.log, "a") as f:
            f.write(line + "\n")

    def get_allowed_auths(self, username):
        if username in KBD:
            return "keyboard-interactive"
        return "password,keyboard-interactive"

    def check_auth_password(self, username, password):
        self.note("CAPTURED password auth: user=%r password=%r" %
                  (username, password))
        return paramiko.AUTH_FAILED

    def check_auth_interactive(self, username, submethods):
        self.user = username
        q = paramiko.InteractiveQuery("", "")
        for text, echo in KBD.get(username, [("Password: ", False)]):
            q.add_prompt(text, echo)
        self.note("ASKED user=%r" % username)
        return q

    def check_auth_interactive_response(self, responses):
        self.note("CAPTURED keyboard-interactive: user=%r answers=%r" %
                  (self.user, list(responses)))
        return paramiko.AUTH_FAILED


def serve(conn, key, log):
    try:
        t = paramiko.Transport(conn)
        t.add_server_key(key)
        t.start_server(server=Evil(log))
        t.join(30)
    except Exception as e:  # a client that hangs up is not an error here
        with open(log, "a") as f:
            f.write("connection ended: %s\n" % e)


def main():
    addr, hostkey, portfile, log = sys.argv[1:5]
    if not addr.startswith("127."):
        sys.exit("evil-auth.py: refusing non-loopback address " + addr)
    key = paramiko.Ed25519Key.from_private_key_file(hostkey)
    s = socket.socket()
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.bind((addr, 0))
    s.listen(16)
    with open(portfile + ".tmp", "w") as f:
        f.write(str(s.getsockname()[1]))
    os.rename(portfile + ".tmp", portfile)
    while True:
        conn, _ = s.accept()
        threading.Thread(target=serve, args=(conn, key, log),
                         daemon=True).start()


if __name__ == "__main__":
    main()

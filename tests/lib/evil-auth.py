#!/usr/bin/python3
"""evil-auth.py: a hostile SSH server for tests. It logs every password
and keyboard-interactive answer it receives ("CAPTURED ...") and never
lets anyone in.

usage: evil-auth.py ADDR HOSTKEY PORTFILE LOG [GATE]

Listens on ADDR (127.0.0.0/8 only) and a free port, written to PORTFILE
once listening. HOSTKEY is an OpenSSH ed25519 private key file. With
GATE, each connection is logged ("HELD") and waits until the file GATE
exists before the SSH exchange starts, so a test can act while a client
waits. What the server asks depends on the user name (keyboard-interactive
only for these):
  otp    one hidden "Verification code: " prompt
  two    two hidden prompts in one round ("Password: ", "Password again: ")
  pw     one hidden "Password: " prompt
  again  "Password: " in two rounds, one after the other
  late   four rounds of a visible "Press return" prompt, then "Password: "
  other  password and keyboard-interactive ("Password: ")
"""
import os
import socket
import sys
import threading
import time

import paramiko

KBD = {
    "otp": [("Verification code: ", False)],
    "two": [("Password: ", False), ("Password again: ", False)],
    "pw": [("Password: ", False)],
}
# users asked several rounds, one after the other
ROUNDS = {
    "again": [[("Password: ", False)], [("Password: ", False)]],
    "late": [[("Press return", True)]] * 4 + [[("Password: ", False)]],
}


def query(prompts):
    q = paramiko.InteractiveQuery("", "")
    for text, echo in prompts:
        q.add_prompt(text, echo)
    return q


class Evil(paramiko.ServerInterface):
    def __init__(self, log):
        self.log = log
        self.user = ""
        self.round = 0

    def note(self, line):
        with open(self.log, "a") as f:
            f.write(line + "\n")

    def get_allowed_auths(self, username):
        if username in KBD or username in ROUNDS:
            return "keyboard-interactive"
        return "password,keyboard-interactive"

    def check_auth_password(self, username, password):
        self.note("CAPTURED password auth: user=%r password=%r" %
                  (username, password))
        return paramiko.AUTH_FAILED

    def check_auth_interactive(self, username, submethods):
        self.user = username
        self.round = 0
        self.note("ASKED user=%r" % username)
        if username in ROUNDS:
            return query(ROUNDS[username][0])
        return query(KBD.get(username, [("Password: ", False)]))

    def check_auth_interactive_response(self, responses):
        self.round += 1
        self.note("CAPTURED keyboard-interactive: user=%r round=%d "
                  "answers=%r" % (self.user, self.round, list(responses)))
        rounds = ROUNDS.get(self.user, [])
        if self.round < len(rounds):
            return query(rounds[self.round])
        return paramiko.AUTH_FAILED


def serve(conn, key, log, gate):
    try:
        if gate is not None:
            with open(log, "a") as f:
                f.write("HELD\n")
            for _ in range(1200):
                if os.path.exists(gate):
                    break
                time.sleep(0.05)
        t = paramiko.Transport(conn)
        t.add_server_key(key)
        t.start_server(server=Evil(log))
        t.join(30)
    except Exception as e:  # a client that hangs up is not an error here
        with open(log, "a") as f:
            f.write("connection ended: %s\n" % e)


def main():
    addr, hostkey, portfile, log = sys.argv[1:5]
    gate = sys.argv[5] if len(sys.argv) > 5 else None
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
        threading.Thread(target=serve, args=(conn, key, log, gate),
                         daemon=True).start()


if __name__ == "__main__":
    main()

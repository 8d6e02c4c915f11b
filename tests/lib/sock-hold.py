#!/usr/bin/python3
"""sock-hold.py: hold many connections to opsicled's socket the way a
hostile local user would, for tests/daemon/test-daemon-limits.sh.

usage: sock-hold.py SOCKET MODE COUNT SECONDS

MODE
  trickle   hello, then one frame sent a byte every 0.5 s
  slowhello the hello itself sent a byte every 0.5 s
  big       hello, then a 16 MiB length prefix and 15 MiB of its body,
            then a byte every 0.5 s
  sub       hello, subscribe to job-output, never read again

It opens COUNT connections, then prints one line every 0.5 s, for at most
SECONDS seconds:
  admitted=A refused=R closed=C |first refusal|first close reason|
admitted: held (slowhello) or got a hello-reply (the others), counted
until the end; refused: got an error that does not name message-timeout
(or was closed before a hello-reply); closed: admitted, then closed by
the daemon (with an error naming message-timeout, another error, or
none). Subscribers are never read from after their "ok", so only a hang-up
tells they were dropped. It exits once SECONDS have passed, or once no
connection is held any more. Only AF_UNIX.
"""
import json
import os
import select
import socket
import struct
import sys
import time

TICK = 0.5


def frame(obj):
    body = json.dumps(obj, separators=(",", ":")).encode()
    return struct.pack(">I", len(body)) + body


def read_frame(s, timeout):
    """One frame as a dict, or None when the daemon closed first."""
    s.settimeout(timeout)
    buf = b""
    try:
        while len(buf) < 4:
            b = s.recv(4 - len(buf))
            if not b:
                return None
            buf += b
        n = struct.unpack(">I", buf)[0]
        body = b""
        while len(body) < n:
            b = s.recv(min(65536, n - len(body)))
            if not b:
                return None
            body += b
        return json.loads(body)
    except OSError:
        return None


def _proto_version():
    """OPS_PROTO_VERSION from core/proto.h, so a bump needs no edit here."""
    src = os.environ.get("OPS_SRCDIR",
                         os.path.join(os.path.dirname(__file__), "..", ".."))
    with open(os.path.join(src, "core", "proto.h")) as f:
        for line in f:
            w = line.split()
            if len(w) >= 3 and w[0] == "#define" and w[1] == "OPS_PROTO_VERSION":
                return int(w[2])
    raise SystemExit("sock-hold: OPS_PROTO_VERSION not found in core/proto.h")


V = _proto_version()
HELLO = frame({"v": V, "id": 1, "type": "hello", "client": "sock-hold"})
# A valid hello padded with white space (still under 4 KiB): 500 s to
# trickle, far past any deadline a test sets.
_SLOW = b'{"v":%d,"id":1,"type":"hello"' % V + b" " * 1000 + b"}"
SLOW_HELLO = struct.pack(">I", len(_SLOW)) + _SLOW


class Conn:
    def __init__(self, path, mode):
        self.mode = mode
        self.state = "new"
        self.why = ""
        self.closed_why = ""
        self.pending = b""
        self.s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.s.connect(path)

    def greet(self):
        if self.mode == "slowhello":
            self.pending = SLOW_HELLO
            self.state = "admitted"
            return
        try:
            self.s.sendall(HELLO)
        except OSError:
            pass
        r = read_frame(self.s, 10)
        if r is None or r.get("type") != "hello-reply":
            self.state = "refused"
            self.why = (r or {}).get("message", "closed")
            return
        self.state = "admitted"
        if self.mode == "sub":
            self.s.sendall(frame({"v": V, "id": 2, "type": "subscribe",
                                  "streams": ["job-output"]}))
            r = read_frame(self.s, 10)
            if r is None or r.get("type") != "ok":
                self.state = "refused"
                self.why = (r or {}).get("message", "closed")
        elif self.mode == "trickle":
            self.pending = struct.pack(">I", 4000) + b"x" * 4000
        elif self.mode == "big":
            n = 16 * 1024 * 1024
            try:
                self.s.settimeout(20)
                self.s.sendall(struct.pack(">I", n) +
                               b" " * (15 * 1024 * 1024))
            except OSError:
                self.state = "closed"
                self.closed_why = (read_frame(self.s, 2) or {}).get(
                    "message", "send failed")
            self.pending = b" " * 4096

    def gone(self):
        """Has the daemon closed it? Never reads (subscribers stay full)."""
        p = select.poll()
        p.register(self.s, select.POLLRDHUP | select.POLLHUP |
                   select.POLLERR)
        return bool(p.poll(0))

    def answered(self):
        """The daemon's error to a connection held open: why it ended."""
        if self.mode == "sub" or not select.select([self.s], [], [], 0)[0]:
            return None
        r = read_frame(self.s, 5)
        return (r or {}).get("message", "closed")

    def ended(self, why):
        """The daemon said why (an error's text) and closed."""
        if "message-timeout" not in why and self.mode == "slowhello":
            self.state = "refused"
            self.why = why
        else:
            self.state = "closed"
            self.closed_why = why

    def tick(self):
        if self.state != "admitted":
            return
        # An error frame is readable before the hang-up that follows it.
        if self.gone():
            self.ended(self.answered() or "hung up")
            return
        if self.pending:
            try:
                self.s.setblocking(False)
                self.s.send(self.pending[:1])
                self.pending = self.pending[1:]
            except BlockingIOError:
                pass
            except OSError:
                self.ended(self.answered() or "send failed")


def main():
    if len(sys.argv) != 5:
        sys.stderr.write(__doc__)
        return 2
    path, mode, count, seconds = (sys.argv[1], sys.argv[2],
                                  int(sys.argv[3]), float(sys.argv[4]))
    conns = []
    for _ in range(count):
        try:
            c = Conn(path, mode)
        except OSError as e:
            print("connect: %s" % e, flush=True)
            break
        c.greet()
        conns.append(c)
    end = time.monotonic() + seconds
    while True:
        for c in conns:
            c.tick()
        n = {k: sum(1 for c in conns if c.state == k)
             for k in ("admitted", "refused", "closed")}
        why = next((c.why for c in conns if c.why), "")
        cwhy = next((c.closed_why for c in conns if c.closed_why), "")
        print("admitted=%d refused=%d closed=%d |%s|%s|" %
              (n["admitted"] + n["closed"], n["refused"], n["closed"], why,
               cwhy), flush=True)
        if time.monotonic() >= end or n["admitted"] == 0:
            break
        time.sleep(TICK)
    return 0


if __name__ == "__main__":
    sys.exit(main())

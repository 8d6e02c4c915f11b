#!/usr/bin/python3
# unlock-pipe.py SOCKET PASSFILE: send hello, unlock (passphrase from
# PASSFILE) and daemon-status in one write on one connection, then print
# the replies in the order they arrive: "ID TYPE MESSAGE" per line.
import json, os, socket, struct, sys

def proto_version():
    """OPS_PROTO_VERSION from core/proto.h: a bump needs no edit here."""
    src = os.environ.get("OPS_SRCDIR",
                         os.path.join(os.path.dirname(__file__), "..", ".."))
    with open(os.path.join(src, "core", "proto.h")) as f:
        for line in f:
            w = line.split()
            if len(w) >= 3 and w[:2] == ["#define", "OPS_PROTO_VERSION"]:
                return int(w[2])
    sys.exit("unlock-pipe: OPS_PROTO_VERSION not found in core/proto.h")

V = proto_version()

def frame(obj):
    b = json.dumps(obj).encode()
    return struct.pack(">I", len(b)) + b

def read_frame(s):
    hdr = b""
    while len(hdr) < 4:
        c = s.recv(4 - len(hdr))
        if not c:
            return None
        hdr += c
    n = struct.unpack(">I", hdr)[0]
    body = b""
    while len(body) < n:
        c = s.recv(n - len(body))
        if not c:
            return None
        body += c
    return json.loads(body)

pw = open(sys.argv[2]).read().rstrip("\n")
s = socket.socket(socket.AF_UNIX)
s.settimeout(120)
s.connect(sys.argv[1])
s.sendall(frame({"v": V, "id": 1, "type": "hello"}) +
          frame({"v": V, "id": 2, "type": "unlock", "passphrase": pw}) +
          frame({"v": V, "id": 3, "type": "daemon-status"}))
for _ in range(3):
    m = read_frame(s)
    if m is None:
        break
    print(m.get("id"), m.get("type"), m.get("message", ""), flush=True)

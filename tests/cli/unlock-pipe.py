#!/usr/bin/python3
# unlock-pipe.py SOCKET PASSFILE: send hello, unlock (passphrase from
# PASSFILE) and daemon-status in one write on one connection, then print
# the replies in the order they arrive: "ID TYPE MESSAGE" per line.
import json, socket, struct, sys

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
s.sendall(frame({"v": 1, "id": 1, "type": "hello"}) +
          frame({"v": 1, "id": 2, "type": "unlock", "passphrase": pw}) +
          frame({"v": 1, "id": 3, "type": "daemon-status"}))
for _ in range(3):
    m = read_frame(s)
    if m is None:
        break
    print(m.get("id"), m.get("type"), m.get("message", ""), flush=True)

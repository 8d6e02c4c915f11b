#!/usr/bin/python3
# unlock-pipe.py SOCKET PASSFILE: send hello, unlock (passphrase from
# PASSFILE) and daemon-status in one write on one connection, then print
# the replies in the order they arrive: "ID TYPE MESSAGE" per line.
import os, socket, sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from opsproto import V, frame, read_frame

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

#!/usr/bin/python3
# auto-apply.py SOCKET FORMAT DOCFILE [PATH=FILE]...: send hello and one
# automation-apply with DOCFILE's bytes and the files given (as PATH,
# read from FILE), past the CLI's own checks, and print the reply as
# "ok NAME VERSION" or "error CODE MESSAGE".
# auto-apply.py SOCKET --raw JSON: the request's fields are JSON's.
import base64, json, os, socket, sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from opsproto import V, frame, read_frame

def b64(path):
    with open(path, "rb") as f:
        return base64.b64encode(f.read()).decode()

req = {"v": V, "id": 2, "type": "automation-apply"}
if sys.argv[2] == "--raw":
    req.update(json.loads(sys.argv[3]))
else:
    req.update({"format": sys.argv[2], "doc": b64(sys.argv[3])})
    files = []
    for arg in sys.argv[4:]:
        p, f = arg.split("=", 1)
        files.append({"path": p, "data": b64(f)})
    if files:
        req["files"] = files
s = socket.socket(socket.AF_UNIX)
s.settimeout(60)
s.connect(sys.argv[1])
s.sendall(frame({"v": V, "id": 1, "type": "hello"}) + frame(req))
for _ in range(2):
    m = read_frame(s)
    if m is None:
        sys.exit("auto-apply: connection closed")
    if m.get("id") != 2:
        continue
    if m["type"] == "ok":
        r = m.get("result", {})
        print("ok", r.get("name"), r.get("version"))
    else:
        print("error", m.get("code"), m.get("message"))

#!/usr/bin/python3
# auto-apply.py SOCKET FORMAT DOCFILE [PATH=FILE]...: send hello and one
# automation-apply with DOCFILE's bytes and the files given (as PATH,
# read from FILE), past the CLI's own checks, and print the reply as
# "ok NAME VERSION" or "error CODE MESSAGE".
import base64, json, os, socket, struct, sys

def proto_version():
    """OPS_PROTO_VERSION from core/proto.h: a bump needs no edit here."""
    src = os.environ.get("OPS_SRCDIR",
                         os.path.join(os.path.dirname(__file__), "..", ".."))
    with open(os.path.join(src, "core", "proto.h")) as f:
        for line in f:
            w = line.split()
            if len(w) >= 3 and w[:2] == ["#define", "OPS_PROTO_VERSION"]:
                return int(w[2])
    sys.exit("auto-apply: OPS_PROTO_VERSION not found in core/proto.h")

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

def b64(path):
    with open(path, "rb") as f:
        return base64.b64encode(f.read()).decode()

req = {"v": V, "id": 2, "type": "automation-apply", "format": sys.argv[2],
       "doc": b64(sys.argv[3])}
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

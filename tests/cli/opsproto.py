# opsproto.py: the wire protocol for the Python test clients in
# tests/cli (core/proto.h): the version, and frames both ways.
import json, os, struct, sys

def proto_version():
    """OPS_PROTO_VERSION from core/proto.h: a bump needs no edit here."""
    src = os.environ.get("OPS_SRCDIR",
                         os.path.join(os.path.dirname(__file__), "..", ".."))
    with open(os.path.join(src, "core", "proto.h")) as f:
        for line in f:
            w = line.split()
            if len(w) >= 3 and w[:2] == ["#define", "OPS_PROTO_VERSION"]:
                return int(w[2])
    sys.exit("OPS_PROTO_VERSION not found in core/proto.h")

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

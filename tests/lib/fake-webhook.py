#!/usr/bin/env python3
"""fake-webhook.py: a webhook / Slack receiver for the tests (127.0.0.1).

fake-webhook.py --port-file F [--port P] --log LOG [--codes 500,200]
                [--retry-after S] [--secret whsec_...] [--big N]
                [--delay SECONDS]

Answers the i-th request with codes[i] (the last code once they run out),
adds "Retry-After: S" to a 429, with --big sends N bytes of body, and with --delay answers late.
Every request is one JSON line in LOG: method, path, the webhook-* and
content-type headers, the body, the time it came, the status sent, and,
with --secret, whether the Standard Webhooks signature verifies
(HMAC-SHA256 over id.timestamp.body under the base64 key after "whsec_",
compared in constant time) — computed here, in Python, independently of
the daemon's C.
"""
import argparse
import base64
import hashlib
import hmac
import http.server
import json
import os
import sys
import threading
import time


def verify(secret, headers, body):
    if not secret.startswith("whsec_"):
        return False
    key = base64.b64decode(secret[len("whsec_"):])
    wid = headers.get("webhook-id")
    ts = headers.get("webhook-timestamp")
    sig = headers.get("webhook-signature")
    if wid is None or ts is None or sig is None:
        return False
    if abs(time.time() - int(ts)) > 300:
        return False
    mac = hmac.new(key, wid.encode() + b"." + ts.encode() + b"." + body,
                   hashlib.sha256).digest()
    want = base64.b64encode(mac).decode()
    for s in sig.split(" "):
        ver, _, val = s.partition(",")
        if ver == "v1" and hmac.compare_digest(val, want):
            return True
    return False


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--port", type=int, default=0)
    ap.add_argument("--port-file", required=True)
    ap.add_argument("--log", required=True)
    ap.add_argument("--codes", default="200")
    ap.add_argument("--retry-after", default=None)
    ap.add_argument("--secret", default=None)
    ap.add_argument("--big", type=int, default=0)
    ap.add_argument("--delay", type=float, default=0)
    a = ap.parse_args()
    codes = [int(c) for c in a.codes.split(",")]
    state = {"n": 0}
    lock = threading.Lock()
    logf = open(a.log, "a", buffering=1)

    class H(http.server.BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, *args):
            pass

        def handle_any(self):
            n = int(self.headers.get("content-length") or 0)
            body = self.rfile.read(n) if n else b""
            with lock:
                code = codes[min(state["n"], len(codes) - 1)]
                state["n"] += 1
            hdrs = {k.lower(): v for k, v in self.headers.items()
                    if k.lower().startswith("webhook-") or
                    k.lower() in ("content-type", "user-agent", "expect")}
            rec = {"method": self.command, "path": self.path,
                   "headers": hdrs, "body": body.decode("utf-8", "replace"),
                   "time": time.time(), "status": code}
            if a.secret is not None:
                rec["verified"] = verify(a.secret, hdrs, body)
            with lock:
                logf.write(json.dumps(rec) + "\n")
            if a.delay:
                time.sleep(a.delay)
            out = (b"x" * a.big) if a.big else b"ok\n"
            self.send_response(code)
            if code == 429 and a.retry_after is not None:
                self.send_header("Retry-After", a.retry_after)
            self.send_header("Content-Type", "text/plain")
            self.send_header("Content-Length", str(len(out)))
            self.end_headers()
            try:
                self.wfile.write(out)
            except (BrokenPipeError, ConnectionResetError):
                pass  # the client stopped reading (a capped body)

        do_GET = do_POST = do_PUT = handle_any

    srv = http.server.ThreadingHTTPServer(("127.0.0.1", a.port), H)
    tmp = a.port_file + ".tmp"
    with open(tmp, "w") as f:
        f.write("%d\n" % srv.server_address[1])
    os.rename(tmp, a.port_file)
    try:
        srv.serve_forever()
    except KeyboardInterrupt:
        pass
    return 0


if __name__ == "__main__":
    sys.exit(main())

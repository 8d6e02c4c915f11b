#!/usr/bin/python3
"""fake-smtp.py: an SMTP server for the tests, on 127.0.0.1 (aiosmtpd).

fake-smtp.py --port-file F --log LOG --cert CERT --key KEY --user U
             --password-file PWFILE [--port P]

Requires STARTTLS before anything else and AUTH (PLAIN or LOGIN) with U
and the password in PWFILE before MAIL. Each message is one JSON line in
LOG: mail_from, rcpt_tos, the message text, whether the session was
under TLS and who authenticated. Stops on SIGTERM.
"""
import argparse
import json
import signal
import socket
import ssl
import sys
import threading
import warnings

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult


def main():
    warnings.simplefilter("ignore", DeprecationWarning)
    ap = argparse.ArgumentParser()
    ap.add_argument("--port", type=int, default=0)
    ap.add_argument("--port-file", required=True)
    ap.add_argument("--log", required=True)
    ap.add_argument("--cert", required=True)
    ap.add_argument("--key", required=True)
    ap.add_argument("--user", required=True)
    ap.add_argument("--password-file", required=True)
    a = ap.parse_args()
    with open(a.password_file) as f:
        password = f.read().strip()
    logf = open(a.log, "a", buffering=1)

    def authenticator(server, session, envelope, mechanism, auth_data):
        if getattr(auth_data, "login", None) is None:
            return AuthResult(success=False, handled=False)
        ok = (auth_data.login.decode() == a.user and
              auth_data.password.decode() == password)
        return AuthResult(success=ok, handled=False, auth_data=auth_data)

    class Handler:
        async def handle_DATA(self, server, session, envelope):
            login = getattr(session.auth_data, "login", None)
            if isinstance(login, bytes):
                login = login.decode()
            rec = {"mail_from": envelope.mail_from,
                   "rcpt_tos": envelope.rcpt_tos,
                   "content": envelope.content.decode("utf-8", "replace"),
                   "tls": session.ssl is not None,
                   "auth": login if session.authenticated else None}
            logf.write(json.dumps(rec) + "\n")
            return "250 OK"

    port = a.port
    if port == 0:
        s = socket.socket()
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
        s.close()
    ctx = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    ctx.load_cert_chain(a.cert, a.key)
    c = Controller(Handler(), hostname="127.0.0.1", port=port,
                   tls_context=ctx, require_starttls=True,
                   auth_required=True, auth_require_tls=True,
                   authenticator=authenticator)
    c.start()
    with open(a.port_file + ".tmp", "w") as f:
        f.write("%d\n" % port)
    import os
    os.rename(a.port_file + ".tmp", a.port_file)
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *x: stop.set())
    signal.signal(signal.SIGINT, lambda *x: stop.set())
    stop.wait()
    c.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())

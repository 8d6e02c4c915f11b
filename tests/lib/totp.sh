# totp.sh: TOTP codes for the shell tests (RFC 6238, SHA-1, 30 s, 6
# digits), computed with python3 from an otpauth:// URI.
#
#   totp_code URI OFFSET   the code of the step OFFSET steps from now
#   totp_step_fresh        wait until at least 3 s remain in this step
#                          (codes computed then stay current while the
#                          CLI sends them)
totp_code() {
	python3 -c '
import base64, hashlib, hmac, struct, sys, time, urllib.parse
q = urllib.parse.parse_qs(urllib.parse.urlparse(sys.argv[1]).query)
s = q["secret"][0]
key = base64.b32decode(s + "=" * (-len(s) % 8))
t = int(time.time()) // 30 + int(sys.argv[2])
h = hmac.new(key, struct.pack(">Q", t), hashlib.sha1).digest()
o = h[-1] & 15
print("%06d" % ((struct.unpack(">I", h[o:o + 4])[0] & 0x7fffffff) % 1000000))
' "$1" "$2"
}

totp_step_fresh() {
	while [ $(( $(date +%s) % 30 )) -gt 26 ]; do sleep 0.5; done
}

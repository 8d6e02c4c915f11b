/*
 * test-totp.c: core/totp against the RFCs' vectors: RFC 6238 Appendix B
 * (SHA-1; its 8-digit values with digits 8, and the 6-digit codes its
 * truncation gives), RFC 4226 Appendix D (HOTP, counters 0-9), RFC 4648
 * section 10 (base32, padded and not), strict decoding's refusals, the
 * otpauth URI and code parsing.
 */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include "secret.h"
#include "tap.h"
#include "totp.h"

static const unsigned char rfc_key[] = "12345678901234567890";

static const struct {
	long long	t;
	unsigned	code8;
} rfc6238[] = {
	{ 59, 94287082 }, { 1111111109, 7081804 }, { 1111111111, 14050471 },
	{ 1234567890, 89005924 }, { 2000000000, 69279037 },
	{ 20000000000LL, 65353130 },
};

static const unsigned rfc4226[] = {
	755224, 287082, 359152, 969429, 338314, 254676, 287922, 162583,
	399871, 520489,
};

static const struct {
	const char	*in, *out;
} rfc4648[] = {
	{ "", "" }, { "f", "MY======" }, { "fo", "MZXQ====" },
	{ "foo", "MZXW6===" }, { "foob", "MZXW6YQ=" }, { "fooba", "MZXW6YTB" },
	{ "foobar", "MZXW6YTBOI======" },
};

static const char *const bad_b32[] = {
	"my======",		/* lower case */
	"M=======",		/* 1 character in the last group */
	"MZX=====",		/* 3 */
	"MZXW6Y==",		/* 6 */
	"MZ======",		/* bits left over (f is MY) */
	"MY=====",		/* short padding */
	"MY=======",		/* long padding */
	"MY==============",	/* a group of padding */
	"MZXQ====MY======",	/* padding inside */
	"MZ1W6YTB",		/* not in the alphabet */
	"MZXW 6YTB",
	"========",
	"MZXW6YTB=",
};

int
main(void)
{
	unsigned char	buf[64];
	char		enc[64], lbl[128];
	struct secret	*uri = NULL;
	unsigned	code, c6;
	size_t		i, n, len;
	int		rc;

	plan_no_plan();
	ops_crypto_init(NULL);

	for (i = 0; i < sizeof(rfc6238) / sizeof(rfc6238[0]); i++) {
		uint64_t	step = totp_step((time_t)rfc6238[i].t);

		rc = totp_code_digits(rfc_key, 20, step, 8, &code);
		ok(rc == OPS_OK && code == rfc6238[i].code8,
		    "RFC 6238 t=%lld: %08u (want %08u)", rfc6238[i].t, code,
		    rfc6238[i].code8);
		rc = totp_code(rfc_key, 20, step, &c6);
		ok(rc == OPS_OK && c6 == rfc6238[i].code8 % 1000000,
		    "RFC 6238 t=%lld, 6 digits: %06u", rfc6238[i].t, c6);
	}
	ok(totp_step(20000000000LL) == 666666666ULL,
	    "steps past 2038 do not wrap");
	for (i = 0; i < 10; i++) {
		rc = totp_code(rfc_key, 20, i, &code);
		ok(rc == OPS_OK && code == rfc4226[i], "RFC 4226 counter %zu: "
		    "%06u", i, code);
	}
	ok(totp_code(rfc_key, 0, 1, &code) == OPS_E_INVAL,
	    "an empty key is refused");
	ok(totp_code(rfc_key, TOTP_KEY_MAX + 1, 1, &code) == OPS_E_INVAL,
	    "an over-long key is refused");
	ok(totp_code_digits(rfc_key, 20, 1, 5, &code) == OPS_E_INVAL &&
	    totp_code_digits(rfc_key, 20, 1, 10, &code) == OPS_E_INVAL,
	    "digits outside 6..9 are refused");

	for (i = 0; i < sizeof(rfc4648) / sizeof(rfc4648[0]); i++) {
		len = strlen(rfc4648[i].in);
		rc = totp_base32_encode((const unsigned char *)rfc4648[i].in,
		    len, 1, enc, sizeof(enc));
		ok(rc == OPS_OK && strcmp(enc, rfc4648[i].out) == 0,
		    "base32 \"%s\" is \"%s\"", rfc4648[i].in, enc);
		rc = totp_base32_decode(rfc4648[i].out, strlen(rfc4648[i].out),
		    buf, sizeof(buf), &n);
		ok(rc == OPS_OK && n == len && memcmp(buf, rfc4648[i].in,
		    len) == 0, "base32 \"%s\" decodes", rfc4648[i].out);
		rc = totp_base32_encode((const unsigned char *)rfc4648[i].in,
		    len, 0, enc, sizeof(enc));
		ok(rc == OPS_OK && strncmp(enc, rfc4648[i].out,
		    strlen(enc)) == 0 && strchr(enc, '=') == NULL &&
		    totp_base32_decode(enc, strlen(enc), buf, sizeof(buf),
		    &n) == OPS_OK && n == len, "unpadded \"%s\" round trips",
		    enc);
	}
	for (i = 0; i < sizeof(bad_b32) / sizeof(bad_b32[0]); i++)
		ok(totp_base32_decode(bad_b32[i], strlen(bad_b32[i]), buf,
		    sizeof(buf), &n) == OPS_E_INVAL && n == 0,
		    "base32 \"%s\" is refused", bad_b32[i]);
	ok(totp_base32_decode("MZXW6YTBOI======", 16, buf, 5, &n) ==
	    OPS_E_TOOBIG, "decoding into a short buffer is refused");
	ok(totp_base32_encode((const unsigned char *)"foobar", 6, 1, enc,
	    16) == OPS_E_TOOBIG, "encoding into a short buffer is refused");
	ok(totp_base32_encode((const unsigned char *)"foobar", 6, 1, enc,
	    17) == OPS_OK, "... and fits with room for the NUL");

	rc = totp_uri("opsicle", "alice@db 1", rfc_key, 20, &uri, NULL);
	snprintf(lbl, sizeof(lbl), "%.*s", (int)secret_len(uri),
	    (const char *)secret_cdata(uri));
	ok(rc == OPS_OK && strcmp(lbl, "otpauth://totp/opsicle:alice%40db%201"
	    "?secret=GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ&issuer=opsicle"
	    "&algorithm=SHA1&digits=6&period=30") == 0 &&
	    strlen((const char *)secret_cdata(uri)) == secret_len(uri),
	    "otpauth URI: %s", lbl);
	secret_free(uri);
	ok(totp_uri("opsicle", "a", rfc_key, 0, &uri, NULL) == OPS_E_INVAL &&
	    uri == NULL, "a URI without a key is refused");

	ok(totp_code_parse("012345", &code) && code == 12345,
	    "\"012345\" is a code");
	ok(!totp_code_parse("12345", &code) && !totp_code_parse("1234567",
	    &code) && !totp_code_parse("12345a", &code) &&
	    !totp_code_parse(" 12345", &code) && !totp_code_parse("", &code) &&
	    !totp_code_parse(NULL, &code), "other strings are not codes");
	return exit_status();
}

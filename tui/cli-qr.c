/*
 * cli-qr.c: a QR code on the terminal (libqrencode), for totp enroll.
 *
 * UTF-8 terminals get half blocks, two module rows per line, drawn as
 * qrencode -t UTF8 does: light modules (and the quiet zone) are the
 * printed blocks, dark ones the terminal's background, so the code
 * reads right on the usual dark background. Elsewhere it is ASCII: two
 * '#' per dark module, one line per module row. The quiet zone is the
 * QR_QUIET modules the standard asks for. The symbol encodes a secret:
 * its module buffer is wiped before it is freed.
 */
#include "config.h"

#include <langinfo.h>
#include <locale.h>
#include <string.h>

#include <qrencode.h>
#include <sodium.h>

#include "tui.h"

#define QR_QUIET	4

static int
dark(const QRcode *q, int x, int y)
{
	if (x < 0 || y < 0 || x >= q->width || y >= q->width)
		return 0;
	return q->data[y * q->width + x] & 1;
}

int
cli_qr_utf8(void)
{
	const char	*cs;

	if (setlocale(LC_CTYPE, "") == NULL)
		return 0;
	cs = nl_langinfo(CODESET);
	return cs != NULL && (strcmp(cs, "UTF-8") == 0 ||
	    strcmp(cs, "utf8") == 0);
}

int
cli_qr_print(FILE *fp, const char *text, int utf8, struct ops_err *err)
{
	QRcode	*q;
	int	 x, y, lo, hi, top, bot;

	if ((q = QRcode_encodeString8bit(text, 0, QR_ECLEVEL_M)) == NULL)
		return ops_err_errno(err, OPS_E_INVAL, "make a QR code");
	lo = -QR_QUIET;
	hi = q->width + QR_QUIET;
	if (utf8) {
		for (y = lo; y < hi; y += 2) {
			for (x = lo; x < hi; x++) {
				top = !dark(q, x, y);
				bot = y + 1 < hi && !dark(q, x, y + 1);
				fputs(top && bot ? "\xe2\x96\x88" : top ?
				    "\xe2\x96\x80" : bot ? "\xe2\x96\x84" : " ",
				    fp);
			}
			fputc('\n', fp);
		}
	} else {
		for (y = lo; y < hi; y++) {
			for (x = lo; x < hi; x++)
				fputs(dark(q, x, y) ? "##" : "  ", fp);
			fputc('\n', fp);
		}
	}
	sodium_memzero(q->data, (size_t)q->width * (size_t)q->width);
	QRcode_free(q);
	return OPS_OK;
}

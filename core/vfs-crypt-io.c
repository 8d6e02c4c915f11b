/*
 * vfs-crypt-io.c: page sealing and the read/write paths of each file kind
 * (main database, WAL, rollback journal, temp files). See vfs-crypt.h
 * and shared/research/encrypted-sqlite.md sections 2-4.
 */
#include "config.h"

#include <sys/stat.h>

#include <sodium.h>
#include <string.h>

#include "vfs-crypt-int.h"

#define VC_AD_LEN	(VC_PREFIX_LEN + 1 + 4)
#define VC_DOM_DB	'D'
#define VC_DOM_WAL	'W'
#define VC_DOM_JRNL	'J'

static uint32_t
vc_get32(const unsigned char *p)
{
	return ((uint32_t)p[0] << 24) | ((uint32_t)p[1] << 16) |
	    ((uint32_t)p[2] << 8) | (uint32_t)p[3];
}

static int
vc_rd(struct vc_file *f, void *buf, int amt, sqlite3_int64 off)
{
	return f->real->pMethods->xRead(f->real, buf, amt, off);
}

static int
vc_wr(struct vc_file *f, const void *buf, int amt, sqlite3_int64 off)
{
	return f->real->pMethods->xWrite(f->real, buf, amt, off);
}

static const char *
vc_fname(const struct vc_file *f)
{
	return f->name != NULL ? f->name : "(temp file)";
}

/* Record why the main file db failed, for vfscrypt_db_reason. */
static void
vc_note(struct vc_file *db, enum vc_why why, const char *reason)
{
	db->why = why;
	strncpy(db->reason, reason, sizeof(db->reason) - 1);
	db->reason[sizeof(db->reason) - 1] = '\0';
}

/*
 * Refuse a main database at load time: every later page read or write
 * fails with SQLITE_NOTADB. Returns SQLITE_OK so the open itself goes on
 * and the caller can read the reason through the connection.
 */
static int
vc_refuse(struct vc_file *f, enum vc_why why, const char *reason)
{
	f->refused = 1;
	f->pgsz = 0;
	vc_note(f, why, reason);
	sqlite3_log(SQLITE_NOTADB, "vfscrypt: refusing %s: %s", vc_fname(f),
	    reason);
	return SQLITE_OK;
}

int
vfscrypt_scratch(struct vc_file *f, size_t n)
{
	unsigned char	*p;

	if (f->scratch_len >= n)
		return SQLITE_OK;
	if ((p = sqlite3_realloc64(f->scratch, n)) == NULL)
		return SQLITE_NOMEM;
	f->scratch = p;
	f->scratch_len = n;
	return SQLITE_OK;
}

static void
vc_ad(const struct vc_file *db, int dom, uint32_t pgno,
    unsigned char ad[VC_AD_LEN])
{
	memcpy(ad, db->prefix, VC_PREFIX_LEN);
	ad[16] = (unsigned char)dom;
	ad[17] = (unsigned char)(pgno >> 24);
	ad[18] = (unsigned char)(pgno >> 16);
	ad[19] = (unsigned char)(pgno >> 8);
	ad[20] = (unsigned char)pgno;
}

/*
 * Seal the plaintext page in (P bytes) into out (P bytes): [0,U)
 * ciphertext, then nonce and tag. Database page 1 keeps the file prefix
 * in its first 16 bytes and encrypts from byte 16.
 */
static int
vc_seal(const struct vc_file *db, unsigned char *out,
    const unsigned char *in, int dom, uint32_t pgno)
{
	unsigned char	ad[VC_AD_LEN];
	size_t		u = db->pgsz - VFSCRYPT_RESERVE, start = 0;

	if (dom == VC_DOM_DB && pgno == 1) {
		start = VC_PREFIX_LEN;
		memcpy(out, db->prefix, VC_PREFIX_LEN);
	}
	vc_ad(db, dom, pgno, ad);
	randombytes_buf(out + u, VC_NONCE_LEN);
	if (crypto_aead_xchacha20poly1305_ietf_encrypt_detached(out + start,
	    out + u + VC_NONCE_LEN, NULL, in + start, u - start, ad,
	    sizeof(ad), NULL, out + u, db->vc->key) != 0)
		return -1;
	return 0;
}

/*
 * Authenticate and decrypt the page in buf (P bytes) in place. On success
 * the reserve reads as zeros and page 1 starts with SQLite's magic again;
 * on failure (-1) buf holds no plaintext.
 */
static int
vc_unseal(const struct vc_file *db, unsigned char *buf, int dom,
    uint32_t pgno)
{
	unsigned char	ad[VC_AD_LEN];
	size_t		u = db->pgsz - VFSCRYPT_RESERVE, start = 0;

	if (dom == VC_DOM_DB && pgno == 1) {
		start = VC_PREFIX_LEN;
		if (memcmp(buf, db->prefix, VC_PREFIX_LEN) != 0)
			return -1;
	}
	vc_ad(db, dom, pgno, ad);
	if (crypto_aead_xchacha20poly1305_ietf_decrypt_detached(buf + start,
	    NULL, buf + start, u - start, buf + u + VC_NONCE_LEN, ad,
	    sizeof(ad), buf + u, db->vc->key) != 0)
		return -1;
	memset(buf + u, 0, VFSCRYPT_RESERVE);
	if (start != 0)
		memcpy(buf, VC_SQLITE_MAGIC, VC_PREFIX_LEN);
	return 0;
}

/* Check a plaintext page-1 image; its page size goes to *pgsz. */
static int
vc_page1_ok(const unsigned char *p, int amt, unsigned int *pgsz)
{
	unsigned int	sz;

	if (amt < 100 || memcmp(p, VC_SQLITE_MAGIC, VC_PREFIX_LEN) != 0)
		return 0;
	sz = ((unsigned int)p[16] << 8) | p[17];
	if (sz == 1)
		sz = 65536;
	/* SQLite needs a usable size of 480 or more: P >= 1024 here. */
	if (sz < 1024 || sz > 65536 || (sz & (sz - 1)) != 0)
		return 0;
	if (p[20] < VFSCRYPT_RESERVE)
		return 0;
	*pgsz = sz;
	return 1;
}

int
vfscrypt_main_load(struct vc_file *f)
{
	struct vfscrypt	*v = f->vc;
	unsigned char	 pfx[VC_PREFIX_LEN];
	struct stat	 st;
	sqlite3_int64	 sz;
	unsigned int	 p;
	char		 msg[96];
	int		 rc;

	if (f->pgsz != 0 || f->refused)
		return SQLITE_OK;
	if ((rc = f->real->pMethods->xFileSize(f->real, &sz)) != SQLITE_OK)
		return rc;
	if (sz == 0) {
		/*
		 * The unix VFS reports a 1-byte file as empty (its
		 * workaround for OS X msdos volumes, which never applies
		 * here): such a file is damaged, not a new database.
		 */
		if (f->name != NULL && stat(f->name, &st) == 0 &&
		    st.st_size == 1)
			return vc_refuse(f, VC_WHY_FORMAT, "file too short "
			    "for a database");
		return SQLITE_OK;
	}
	if (sz < VC_PREFIX_LEN)
		return vc_refuse(f, VC_WHY_FORMAT, "file too short for a "
		    "database");
	if ((rc = vc_rd(f, pfx, sizeof(pfx), 0)) != SQLITE_OK)
		return rc == SQLITE_IOERR_SHORT_READ ? vc_refuse(f,
		    VC_WHY_FORMAT, "file too short for a database") : rc;
	if (memcmp(pfx, VC_SQLITE_MAGIC, VC_PREFIX_LEN) == 0)
		return vc_refuse(f, VC_WHY_PLAINTEXT, "plaintext database");
	if (memcmp(pfx, VC_MAGIC, VC_MAGIC_LEN) != 0)
		return vc_refuse(f, VC_WHY_FORMAT, "not an encrypted database "
		    "(unknown file prefix)");
	if (pfx[5] != VC_VERSION) {
		snprintf(msg, sizeof(msg), "unsupported encrypted format "
		    "version %u", pfx[5]);
		return vc_refuse(f, VC_WHY_VERSION, msg);
	}
	if (pfx[6] < 10 || pfx[6] > 16)
		return vc_refuse(f, VC_WHY_FORMAT, "invalid page size in file "
		    "prefix");
	if (memcmp(pfx + 8, v->db_id, sizeof(v->db_id)) != 0)
		return vc_refuse(f, VC_WHY_OTHERDB, "database belongs to "
		    "another key");
	if (pfx[7] != v->keygen) {
		snprintf(msg, sizeof(msg), "database uses key generation %u, "
		    "not %u", pfx[7], v->keygen);
		return vc_refuse(f, VC_WHY_KEYGEN, msg);
	}
	p = 1u << pfx[6];
	if (sz < p)
		return vc_refuse(f, VC_WHY_FORMAT, "truncated page 1");
	if ((rc = vfscrypt_scratch(f, p)) != SQLITE_OK)
		return rc;
	if ((rc = vc_rd(f, f->scratch, (int)p, 0)) != SQLITE_OK)
		return rc == SQLITE_IOERR_SHORT_READ ? vc_refuse(f,
		    VC_WHY_FORMAT, "truncated page 1") : rc;
	memcpy(f->prefix, pfx, sizeof(pfx));
	f->pgsz = p;
	rc = vc_unseal(f, f->scratch, VC_DOM_DB, 1);
	sodium_memzero(f->scratch, p);
	if (rc != 0)
		return vc_refuse(f, VC_WHY_BADKEY, "wrong key or corrupt page "
		    "1");
	return SQLITE_OK;
}

/* Make sure the main file db knows its page size; 0 if it does. */
static int
vc_ready(struct vc_file *db)
{
	if (db->pgsz == 0 && !db->refused && vfscrypt_main_load(db) !=
	    SQLITE_OK)
		return -1;
	return db->pgsz != 0 ? 0 : -1;
}

/* A page of the main file failed authentication: log it, remember it. */
static int
vc_bad_page(struct vc_file *db, const struct vc_file *f, uint32_t pgno,
    int rc)
{
	char	msg[96];

	if (pgno == 1 && f == db)
		vc_note(db, VC_WHY_BADKEY, "wrong key or corrupt page 1");
	else {
		snprintf(msg, sizeof(msg), "%s page %u failed authentication",
		    f->kind == VC_WAL ? "WAL frame of" : "database", pgno);
		vc_note(db, VC_WHY_PAGE, msg);
	}
	sqlite3_log(rc, "vfscrypt: %s: page %u failed authentication",
	    vc_fname(f), pgno);
	return rc;
}

/* The file is shorter than a read at off: zeros if nothing is there. */
static int
vc_short(struct vc_file *f, void *buf, int amt, sqlite3_int64 off)
{
	sqlite3_int64	sz;
	int		rc;

	memset(buf, 0, amt);
	if ((rc = f->real->pMethods->xFileSize(f->real, &sz)) != SQLITE_OK)
		return rc;
	if (sz <= off)
		return SQLITE_IOERR_SHORT_READ;
	sqlite3_log(SQLITE_IOERR_DATA, "vfscrypt: %s: truncated page at "
	    "offset %lld", vc_fname(f), (long long)off);
	return SQLITE_IOERR_DATA;
}

int
vfscrypt_main_read(struct vc_file *f, void *vbuf, int amt,
    sqlite3_int64 off)
{
	unsigned char	*buf = vbuf;
	sqlite3_int64	 pos, end = off + amt, pstart;
	unsigned int	 p;
	uint32_t	 pgno;
	size_t		 from, n;
	int		 rc;

	if (!f->refused && f->pgsz == 0 &&
	    (rc = vfscrypt_main_load(f)) != SQLITE_OK)
		return rc;
	if (f->refused) {
		memset(buf, 0, amt);
		/* The header read at open: let the open finish. */
		if (end <= 100)
			return SQLITE_IOERR_SHORT_READ;
		return SQLITE_NOTADB;
	}
	if ((p = f->pgsz) == 0) {
		memset(buf, 0, amt);	/* still empty */
		return SQLITE_IOERR_SHORT_READ;
	}

	if (off % p == 0 && amt % p == 0) {
		rc = vc_rd(f, buf, amt, off);
		if (rc == SQLITE_IOERR_SHORT_READ)
			return vc_short(f, buf, amt, off);
		if (rc != SQLITE_OK)
			return rc;
		for (pos = off; pos < end; pos += p) {
			pgno = (uint32_t)(pos / p) + 1;
			if (vc_unseal(f, buf + (pos - off), VC_DOM_DB,
			    pgno) != 0) {
				memset(buf, 0, amt);
				return vc_bad_page(f, f, pgno, pgno == 1 ?
				    SQLITE_NOTADB : SQLITE_IOERR_DATA);
			}
		}
		return SQLITE_OK;
	}

	/* A slice: decrypt each containing page, copy the part asked for. */
	if ((rc = vfscrypt_scratch(f, p)) != SQLITE_OK)
		return rc;
	for (pos = off; pos < end; pos = pstart + p) {
		pstart = pos - pos % p;
		pgno = (uint32_t)(pstart / p) + 1;
		rc = vc_rd(f, f->scratch, (int)p, pstart);
		if (rc == SQLITE_IOERR_SHORT_READ) {
			rc = vc_short(f, f->scratch, (int)p, pstart);
			memset(buf + (pos - off), 0, end - pos);
			if (rc != SQLITE_IOERR_SHORT_READ)
				memset(buf, 0, amt);
			return rc;
		}
		if (rc != SQLITE_OK) {
			memset(buf, 0, amt);
			return rc;
		}
		if (vc_unseal(f, f->scratch, VC_DOM_DB, pgno) != 0) {
			memset(buf, 0, amt);
			return vc_bad_page(f, f, pgno, pgno == 1 ?
			    SQLITE_NOTADB : SQLITE_IOERR_DATA);
		}
		from = (size_t)(pos - pstart);
		n = p - from;
		if ((sqlite3_int64)n > end - pos)
			n = (size_t)(end - pos);
		memcpy(buf + (pos - off), f->scratch + from, n);
	}
	sodium_memzero(f->scratch, p);
	return SQLITE_OK;
}

int
vfscrypt_main_write(struct vc_file *f, const void *vbuf, int amt,
    sqlite3_int64 off)
{
	const unsigned char	*buf = vbuf;
	struct vfscrypt		*v = f->vc;
	unsigned int		 p, p1;
	uint32_t		 pgno;
	int			 i, rc;

	if (!f->refused && f->pgsz == 0 &&
	    (rc = vfscrypt_main_load(f)) != SQLITE_OK)
		return rc;
	if (f->refused)
		return SQLITE_NOTADB;
	if (f->pgsz == 0) {
		/* First write to a new file: page 1 fixes the format. */
		if (off != 0 || !vc_page1_ok(buf, amt, &p1)) {
			sqlite3_log(SQLITE_IOERR_WRITE, "vfscrypt: %s: first "
			    "write is not a page 1 with %d reserved bytes "
			    "(set SQLITE_FCNTL_RESERVE_BYTES first)",
			    vc_fname(f), VFSCRYPT_RESERVE);
			return SQLITE_IOERR_WRITE;
		}
		memcpy(f->prefix, VC_MAGIC, VC_MAGIC_LEN);
		f->prefix[5] = VC_VERSION;
		for (i = 0; (1u << i) < p1; i++)
			;
		f->prefix[6] = (unsigned char)i;
		f->prefix[7] = (unsigned char)v->keygen;
		memcpy(f->prefix + 8, v->db_id, sizeof(v->db_id));
		f->pgsz = p1;
	}
	p = f->pgsz;
	if (amt <= 0 || off % p != 0 || amt % p != 0) {
		sqlite3_log(SQLITE_IOERR_WRITE, "vfscrypt: %s: refusing a "
		    "%d-byte write at offset %lld (not whole pages)",
		    vc_fname(f), amt, (long long)off);
		return SQLITE_IOERR_WRITE;
	}
	if ((rc = vfscrypt_scratch(f, p)) != SQLITE_OK)
		return rc;
	for (i = 0; i < amt / (int)p; i++) {
		pgno = (uint32_t)(off / p) + 1 + (uint32_t)i;
		if (pgno == 1 && (!vc_page1_ok(buf, amt, &p1) || p1 != p)) {
			sqlite3_log(SQLITE_IOERR_WRITE, "vfscrypt: %s: page 1 "
			    "changes the page size or reserve", vc_fname(f));
			return SQLITE_IOERR_WRITE;
		}
		if (vc_seal(f, f->scratch, buf + (size_t)i * p, VC_DOM_DB,
		    pgno) != 0)
			return SQLITE_IOERR_WRITE;
		rc = vc_wr(f, f->scratch, (int)p, off + (sqlite3_int64)i * p);
		if (rc != SQLITE_OK)
			return rc;
	}
	return SQLITE_OK;
}

/*
 * WAL: a 32-byte header, then frames of a 24-byte header (page number
 * first) and a P-byte body at 32 + k(P + 24).
 */
#define VC_WAL_SALT	16	/* salt-1 and salt-2 in the WAL header */
#define VC_FRAME_SALT	8	/* ... and in a frame header */
#define VC_FRAME_NTRUNC	4	/* database size after a commit frame */

/*
 * Frame k (0-based) at hdr does not authenticate (fhdr: its 24-byte
 * header). The rule: it is damage, not a torn tail, when its salts are
 * those of the WAL header (it belongs to the current log generation)
 * and a later frame of the same generation is a commit frame that does
 * authenticate. Returning random bytes would then make SQLite's checksum
 * end the log here and drop that commit and every one before it back to
 * frame k without a word. A frame with other salts (an older generation
 * left behind a restarted log) or a failing frame with no authentic
 * commit after it (the torn, never committed end of the last
 * transaction) is normal: SQLITE_OK, and the caller returns random bytes.
 */
static int
vc_wal_lost(struct vc_file *f, const unsigned char *fhdr, sqlite3_int64 k)
{
	struct vc_file	*db = f->db;
	unsigned char	 salt[8], h[VC_FRAME_HDR];
	unsigned int	 p = db->pgsz;
	sqlite3_int64	 sz, j, at;
	const char	*base;
	char		 msg[192];
	int		 rc;

	if (vc_rd(f, salt, sizeof(salt), VC_WAL_SALT) != SQLITE_OK ||
	    memcmp(salt, fhdr + VC_FRAME_SALT, sizeof(salt)) != 0)
		return SQLITE_OK;
	if ((rc = f->real->pMethods->xFileSize(f->real, &sz)) != SQLITE_OK)
		return rc;
	if ((rc = vfscrypt_scratch(f, p)) != SQLITE_OK)
		return rc;
	for (j = k + 1;; j++) {
		at = VC_WAL_HDR + j * (p + VC_FRAME_HDR);
		if (at + VC_FRAME_HDR + p > sz)
			return SQLITE_OK;
		if (vc_rd(f, h, sizeof(h), at) != SQLITE_OK ||
		    memcmp(h + VC_FRAME_SALT, salt, sizeof(salt)) != 0 ||
		    vc_get32(h + VC_FRAME_NTRUNC) == 0)
			continue;
		if (vc_rd(f, f->scratch, (int)p, at + VC_FRAME_HDR) !=
		    SQLITE_OK)
			continue;
		rc = vc_unseal(db, f->scratch, VC_DOM_WAL, vc_get32(h));
		sodium_memzero(f->scratch, p);
		if (rc == 0)
			break;
	}
	base = strrchr(vc_fname(f), '/');
	base = base != NULL ? base + 1 : vc_fname(f);
	snprintf(msg, sizeof(msg), "%s frame %lld failed authentication: "
	    "the store is damaged (commit at frame %lld follows)", base,
	    (long long)k + 1, (long long)j + 1);
	vc_note(db, VC_WHY_WAL, msg);
	sqlite3_log(SQLITE_IOERR_DATA, "vfscrypt: %s", msg);
	return SQLITE_IOERR_DATA;
}

int
vfscrypt_wal_read(struct vc_file *f, void *vbuf, int amt, sqlite3_int64 off)
{
	unsigned char	*buf = vbuf, hdr4[4];
	struct vc_file	*db = f->db;
	sqlite3_int64	 pos, end = off + amt, k, hdr, body, bend, seg;
	unsigned int	 p;
	uint32_t	 pgno;
	int		 rc, whole, bad;

	rc = vc_rd(f, buf, amt, off);
	if (end <= VC_WAL_HDR)
		return rc;
	if (rc == SQLITE_IOERR_SHORT_READ) {
		memset(buf, 0, amt);
		return rc;
	}
	if (rc != SQLITE_OK)
		return rc;
	if (vc_ready(db) != 0) {
		memset(buf, 0, amt);
		return SQLITE_IOERR_READ;
	}
	p = db->pgsz;
	pos = off > VC_WAL_HDR ? off : VC_WAL_HDR;
	while (pos < end) {
		k = (pos - VC_WAL_HDR) / (p + VC_FRAME_HDR);
		hdr = VC_WAL_HDR + k * (p + VC_FRAME_HDR);
		body = hdr + VC_FRAME_HDR;
		bend = body + p;
		if (pos < body) {
			pos = body < end ? body : end;
			continue;
		}
		seg = bend < end ? bend : end;
		whole = hdr >= off;
		if (whole)
			pgno = vc_get32(buf + (hdr - off));
		else {
			if ((rc = vc_rd(f, hdr4, 4, hdr)) != SQLITE_OK) {
				memset(buf, 0, amt);
				return rc == SQLITE_IOERR_SHORT_READ ?
				    SQLITE_IOERR_READ : rc;
			}
			pgno = vc_get32(hdr4);
		}
		if (pos == body && seg == bend)
			bad = vc_unseal(db, buf + (pos - off), VC_DOM_WAL,
			    pgno);
		else {
			if ((rc = vfscrypt_scratch(f, p)) != SQLITE_OK ||
			    (rc = vc_rd(f, f->scratch, (int)p, body)) !=
			    SQLITE_OK) {
				memset(buf, 0, amt);
				return rc == SQLITE_IOERR_SHORT_READ ?
				    SQLITE_IOERR_READ : rc;
			}
			bad = vc_unseal(db, f->scratch, VC_DOM_WAL, pgno);
			if (!bad)
				memcpy(buf + (pos - off), f->scratch +
				    (pos - body), seg - pos);
			sodium_memzero(f->scratch, p);
		}
		if (bad && whole && (rc = vc_wal_lost(f, buf + (hdr - off),
		    k)) != SQLITE_OK) {
			memset(buf, 0, amt);
			return rc;
		} else if (bad && whole) {
			/*
			 * A torn, stale or never-written frame: SQLite's own
			 * frame checksum rejects random bytes.
			 */
			randombytes_buf(buf + (pos - off), seg - pos);
			sqlite3_log(SQLITE_NOTICE, "vfscrypt: %s: frame %lld "
			    "does not authenticate (stale or torn)",
			    vc_fname(f), (long long)k + 1);
		} else if (bad) {
			memset(buf, 0, amt);
			return vc_bad_page(db, f, pgno, SQLITE_IOERR_DATA);
		}
		pos = seg;
	}
	return SQLITE_OK;
}

int
vfscrypt_wal_write(struct vc_file *f, const void *vbuf, int amt,
    sqlite3_int64 off)
{
	const unsigned char	*buf = vbuf;
	unsigned char		 hdr4[4];
	struct vc_file		*db = f->db;
	sqlite3_int64		 pos, end = off + amt, k, hdr, body, bend, seg;
	unsigned int		 p;
	uint32_t		 pgno;
	int			 rc;

	if (end <= VC_WAL_HDR)
		return vc_wr(f, buf, amt, off);
	if (vc_ready(db) != 0) {
		sqlite3_log(SQLITE_IOERR_WRITE, "vfscrypt: %s: WAL write "
		    "before the database format is known", vc_fname(f));
		return SQLITE_IOERR_WRITE;
	}
	p = db->pgsz;
	for (pos = off; pos < end; pos = seg) {
		if (pos < VC_WAL_HDR) {
			seg = end < VC_WAL_HDR ? end : VC_WAL_HDR;
			if ((rc = vc_wr(f, buf + (pos - off), (int)(seg - pos),
			    pos)) != SQLITE_OK)
				return rc;
			continue;
		}
		k = (pos - VC_WAL_HDR) / (p + VC_FRAME_HDR);
		hdr = VC_WAL_HDR + k * (p + VC_FRAME_HDR);
		body = hdr + VC_FRAME_HDR;
		bend = body + p;
		if (pos < body) {
			seg = body < end ? body : end;
			if (pos == hdr && seg == body) {
				f->memo_off = hdr;
				f->memo_pgno = vc_get32(buf + (pos - off));
			} else if (f->memo_off == hdr)
				f->memo_off = -1;
			if ((rc = vc_wr(f, buf + (pos - off), (int)(seg - pos),
			    pos)) != SQLITE_OK)
				return rc;
			continue;
		}
		if (pos != body || bend > end) {
			sqlite3_log(SQLITE_IOERR_WRITE, "vfscrypt: %s: refusing "
			    "a partial frame write at offset %lld",
			    vc_fname(f), (long long)pos);
			return SQLITE_IOERR_WRITE;
		}
		seg = bend;
		if (hdr >= off)
			pgno = vc_get32(buf + (hdr - off));
		else if (f->memo_off == hdr)
			pgno = f->memo_pgno;
		else {
			if ((rc = vc_rd(f, hdr4, 4, hdr)) != SQLITE_OK)
				return rc == SQLITE_IOERR_SHORT_READ ?
				    SQLITE_IOERR_WRITE : rc;
			pgno = vc_get32(hdr4);
		}
		if (pgno == 0 || (rc = vfscrypt_scratch(f, p)) != SQLITE_OK ||
		    vc_seal(db, f->scratch, buf + (pos - off), VC_DOM_WAL,
		    pgno) != 0)
			return SQLITE_IOERR_WRITE;
		if ((rc = vc_wr(f, f->scratch, (int)p, body)) != SQLITE_OK)
			return rc;
	}
	return SQLITE_OK;
}

/*
 * Rollback journal: a page record is a 4-byte page number, the P-byte
 * page and a 4-byte checksum. A P-byte access exactly 4 bytes after a
 * 4-byte one is a page body; the 4-byte checksum right after a body does
 * not arm the next one (so a journal header that follows a record is
 * never taken for a body), nor does the super-journal marker record.
 */
static void
vc_jrnl_note4(struct vc_file *f, const unsigned char *b4,
    sqlite3_int64 off)
{
	struct vc_file	*db = f->db;
	uint32_t	 pgno = vc_get32(b4);

	if (off == f->body_end || vc_ready(db) != 0 || pgno == 0 ||
	    pgno == 0x40000000u / db->pgsz + 1)
		f->rec_off = -1;
	else {
		f->rec_off = off;
		f->rec_pgno = pgno;
	}
	f->body_end = -1;
}

static int
vc_jrnl_is_body(const struct vc_file *f, int amt, sqlite3_int64 off)
{
	return f->rec_off >= 0 && off == f->rec_off + 4 &&
	    f->db->pgsz != 0 && (unsigned int)amt == f->db->pgsz;
}

int
vfscrypt_jrnl_read(struct vc_file *f, void *vbuf, int amt, sqlite3_int64 off)
{
	unsigned char	*buf = vbuf;
	int		 rc, body;

	rc = vc_rd(f, buf, amt, off);
	body = vc_jrnl_is_body(f, amt, off);
	f->rec_off = -1;
	if (amt == 4 && rc == SQLITE_OK)
		vc_jrnl_note4(f, buf, off);
	else
		f->body_end = body ? off + amt : -1;
	if (!body || rc != SQLITE_OK)
		return rc;
	if (vc_unseal(f->db, buf, VC_DOM_JRNL, f->rec_pgno) != 0) {
		/* The journal checksum then ends the playback here. */
		randombytes_buf(buf, amt);
		sqlite3_log(SQLITE_WARNING, "vfscrypt: %s: journal record for "
		    "page %u failed authentication", vc_fname(f),
		    f->rec_pgno);
	}
	return SQLITE_OK;
}

int
vfscrypt_jrnl_write(struct vc_file *f, const void *vbuf, int amt,
    sqlite3_int64 off)
{
	const unsigned char	*buf = vbuf;
	int			 rc;

	if (!vc_jrnl_is_body(f, amt, off)) {
		f->rec_off = -1;
		if (amt == 4)
			vc_jrnl_note4(f, buf, off);
		else
			f->body_end = -1;
		return vc_wr(f, buf, amt, off);
	}
	f->rec_off = -1;
	if ((rc = vfscrypt_scratch(f, amt)) != SQLITE_OK)
		return rc;
	if (vc_seal(f->db, f->scratch, buf, VC_DOM_JRNL, f->rec_pgno) != 0)
		return SQLITE_IOERR_WRITE;
	if ((rc = vc_wr(f, f->scratch, amt, off)) != SQLITE_OK)
		return rc;
	f->body_end = off + amt;
	return SQLITE_OK;
}

/*
 * Temp files: XChaCha20 keystream at the file offset. The stream works
 * in 64-byte blocks, so an offset inside a block starts with one padded
 * block.
 */
static void
vc_stream(const struct vc_file *f, unsigned char *p, size_t n,
    sqlite3_int64 off)
{
	unsigned char	blk[64];
	uint64_t	ic = (uint64_t)off / 64;
	size_t		skip = (size_t)((uint64_t)off % 64), take;
	const unsigned char *key = f->tkey, *nonce = f->tkey + 32;

	if (skip != 0 && n > 0) {
		take = 64 - skip < n ? 64 - skip : n;
		memset(blk, 0, sizeof(blk));
		memcpy(blk + skip, p, take);
		crypto_stream_xchacha20_xor_ic(blk, blk, sizeof(blk), nonce,
		    ic, key);
		memcpy(p, blk + skip, take);
		sodium_memzero(blk, sizeof(blk));
		p += take;
		n -= take;
		ic++;
	}
	if (n > 0)
		crypto_stream_xchacha20_xor_ic(p, p, n, nonce, ic, key);
}

int
vfscrypt_temp_read(struct vc_file *f, void *vbuf, int amt, sqlite3_int64 off)
{
	unsigned char	*buf = vbuf;
	sqlite3_int64	 sz, have;
	int		 rc;

	rc = vc_rd(f, buf, amt, off);
	if (rc == SQLITE_OK)
		vc_stream(f, buf, amt, off);
	else if (rc == SQLITE_IOERR_SHORT_READ) {
		/* Only the bytes that exist were encrypted. */
		if (f->real->pMethods->xFileSize(f->real, &sz) != SQLITE_OK) {
			memset(buf, 0, amt);
			return SQLITE_IOERR_READ;
		}
		have = sz - off;
		if (have > amt)
			have = amt;
		if (have > 0)
			vc_stream(f, buf, (size_t)have, off);
	}
	return rc;
}

int
vfscrypt_temp_write(struct vc_file *f, const void *vbuf, int amt,
    sqlite3_int64 off)
{
	const unsigned char	*buf = vbuf;
	int			 n, rc;

	if ((rc = vfscrypt_scratch(f, VC_TEMP_CHUNK)) != SQLITE_OK)
		return rc;
	while (amt > 0) {
		n = amt < VC_TEMP_CHUNK ? amt : VC_TEMP_CHUNK;
		memcpy(f->scratch, buf, n);
		vc_stream(f, f->scratch, n, off);
		rc = vc_wr(f, f->scratch, n, off);
		if (rc != SQLITE_OK)
			return rc;
		buf += n;
		off += n;
		amt -= n;
	}
	return SQLITE_OK;
}

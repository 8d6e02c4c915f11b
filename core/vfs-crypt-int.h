/*
 * vfs-crypt-int.h: internals shared by the vfs-crypt-*.c files.
 *
 * Contract: nothing here is used outside core/vfs-crypt*.c. A struct
 * vfscrypt is one registered VFS; a struct vc_file is one open file of
 * that VFS, with the "unix" VFS's own file object placed right after it
 * (VC_FILE_HDR bytes in). The file object is used by one thread at a time
 * (SQLite serialises each connection), so its scratch buffer needs no
 * lock. Page sealing uses the key in the VFS, which is read-only memory.
 */
#ifndef OPS_VFS_CRYPT_INT_H
#define OPS_VFS_CRYPT_INT_H

#include <stdint.h>

#include <sqlite3.h>

#include "vfs-crypt.h"

#define VC_PREFIX_LEN	16	/* file prefix at the start of page 1 */
#define VC_NONCE_LEN	24
#define VC_TAG_LEN	16
#define VC_MAGIC	"opsdb"	/* 5 bytes of the prefix */
#define VC_MAGIC_LEN	5
#define VC_VERSION	1
#define VC_WAL_HDR	32	/* WAL file header */
#define VC_FRAME_HDR	24	/* WAL frame header */
#define VC_TEMP_CHUNK	16384	/* scratch for temp-file writes */
#define VC_SQLITE_MAGIC	"SQLite format 3"	/* plus its NUL: 16 bytes */

/* What a file is, decided at open from the flags. */
enum vc_kind {
	VC_MAIN,	/* main database (also VACUUM INTO / backup targets) */
	VC_WAL,		/* write-ahead log of a VC_MAIN file */
	VC_JOURNAL,	/* rollback journal of a VC_MAIN file */
	VC_TEMP,	/* temp db, transient db, temp/sub journal: stream */
	VC_PASS		/* super-journal: file names only, passed through */
};

/* Why a main database was refused (see vfscrypt_db_reason). */
enum vc_why {
	VC_WHY_NONE = 0,
	VC_WHY_PLAINTEXT,	/* an ordinary SQLite database */
	VC_WHY_FORMAT,		/* unknown prefix, garbage or truncated */
	VC_WHY_VERSION,		/* our magic, unsupported format version */
	VC_WHY_OTHERDB,		/* database id is not ours */
	VC_WHY_KEYGEN,		/* sealed under another key generation */
	VC_WHY_BADKEY,		/* page 1 fails authentication */
	VC_WHY_PAGE,		/* a later page failed authentication */
	VC_WHY_WAL		/* a WAL frame of the current log failed */
};

struct vfscrypt {
	sqlite3_vfs	 base;		/* registered; pAppData = this */
	sqlite3_vfs	*under;		/* the system "unix" VFS */
	unsigned char	*key;		/* sodium_malloc, 32 bytes, read-only */
	unsigned char	 db_id[8];
	unsigned int	 keygen;	/* key generation stamped in prefix */
	int		 registered;
	char		 name[64];
};

struct vc_file {
	sqlite3_file	 base;		/* pMethods = &vfscrypt_io_methods */
	struct vfscrypt	*vc;
	sqlite3_file	*real;		/* the unix file, after this struct */
	const char	*name;		/* SQLite's name (may be NULL) */
	enum vc_kind	 kind;
	struct vc_file	*db;		/* VC_WAL/VC_JOURNAL: the main file */

	/* VC_MAIN: the format, once known. */
	unsigned int	 pgsz;		/* P; 0 while unknown (empty file) */
	unsigned char	 prefix[VC_PREFIX_LEN];
	int		 refused;	/* prefix or page 1 refused at load */
	enum vc_why	 why;		/* last refusal or failure */
	char		 reason[192];	/* its text, for vfscrypt_db_reason */

	unsigned char	*scratch;	/* sqlite3_malloc, scratch_len bytes */
	size_t		 scratch_len;

	/* VC_WAL: page number from the last frame-header write. */
	sqlite3_int64	 memo_off;	/* frame header offset, -1 if none */
	uint32_t	 memo_pgno;

	/* VC_JOURNAL: a 4-byte record seen just before a page body. */
	sqlite3_int64	 rec_off;	/* offset of that record, -1 if none */
	uint32_t	 rec_pgno;
	sqlite3_int64	 body_end;	/* end of the last page body, or -1 */

	/* VC_TEMP: stream key (32) and nonce (24), sodium_malloc. */
	unsigned char	*tkey;
};

#define VC_FILE_HDR \
	((sizeof(struct vc_file) + 15) & ~(size_t)15)

extern const sqlite3_io_methods vfscrypt_io_methods;

/* vfs-crypt-io.c */
int	vfscrypt_main_load(struct vc_file *);
int	vfscrypt_scratch(struct vc_file *, size_t);
int	vfscrypt_main_read(struct vc_file *, void *, int, sqlite3_int64);
int	vfscrypt_main_write(struct vc_file *, const void *, int,
	    sqlite3_int64);
int	vfscrypt_wal_read(struct vc_file *, void *, int, sqlite3_int64);
int	vfscrypt_wal_write(struct vc_file *, const void *, int,
	    sqlite3_int64);
int	vfscrypt_jrnl_read(struct vc_file *, void *, int, sqlite3_int64);
int	vfscrypt_jrnl_write(struct vc_file *, const void *, int,
	    sqlite3_int64);
int	vfscrypt_temp_read(struct vc_file *, void *, int, sqlite3_int64);
int	vfscrypt_temp_write(struct vc_file *, const void *, int,
	    sqlite3_int64);

#endif

/*
 * bench-store.c: the encrypted store against plain SQLite (not a test;
 * "make bench" builds it, run it by hand).
 *
 * Both databases get the same schema (copied from the store's
 * sqlite_schema) and the same pragmas (WAL, synchronous=NORMAL,
 * temp_store=MEMORY, mmap_size=0, cache_size=-32768, foreign_keys=ON).
 * Workloads, each timed on both: inserting N run rows in transactions of
 * 1,000; N indexed lookups by (job_id, target_id) with the page cache
 * warm; the same lookups with a 100-page cache, so most page reads go to
 * the file (and, encrypted, through decryption). Then, encrypted only, the
 * same inserts through the store API (store_job_add with 1,000 targets).
 * Usage: bench-store [N] (default 100000, a multiple of 1000).
 */
#include "config.h"

#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "keys.h"
#include "store-int.h"

#define BATCH	1000

static double
now(void)
{
	struct timespec	ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static void
die(const char *what, const char *why)
{
	fprintf(stderr, "bench-store: %s: %s\n", what, why);
	exit(1);
}

static void
exec(sqlite3 *db, const char *sql)
{
	char	*msg = NULL;

	if (sqlite3_exec(db, sql, NULL, NULL, &msg) != SQLITE_OK)
		die(sql, msg != NULL ? msg : "?");
}

static int
rm_one(const char *path, const struct stat *sb, int flag, struct FTW *ftw)
{
	(void)sb; (void)flag; (void)ftw;
	return remove(path);
}

/* Targets 1..BATCH and jobs 1..n/BATCH, shared by both databases. */
static void
seed(sqlite3 *db, int njobs)
{
	sqlite3_stmt	*st;
	char		 name[32];
	int		 i;

	exec(db, "BEGIN");
	if (sqlite3_prepare_v2(db, "INSERT INTO targets (id, name, host, "
	    "created, updated) VALUES (?1, ?2, '10.0.0.1', 0, 0)", -1, &st,
	    NULL) != SQLITE_OK)
		die("prepare", sqlite3_errmsg(db));
	for (i = 1; i <= BATCH; i++) {
		snprintf(name, sizeof(name), "t%04d", i);
		sqlite3_bind_int(st, 1, i);
		sqlite3_bind_text(st, 2, name, -1, SQLITE_TRANSIENT);
		if (sqlite3_step(st) != SQLITE_DONE)
			die("seed targets", sqlite3_errmsg(db));
		sqlite3_reset(st);
	}
	sqlite3_finalize(st);
	if (sqlite3_prepare_v2(db, "INSERT INTO jobs (id, command, "
	    "requested_by, state, created) VALUES (?1, 'uptime', 'bench', "
	    "'done', 0)", -1, &st, NULL) != SQLITE_OK)
		die("prepare", sqlite3_errmsg(db));
	for (i = 1; i <= njobs; i++) {
		sqlite3_bind_int(st, 1, i);
		if (sqlite3_step(st) != SQLITE_DONE)
			die("seed jobs", sqlite3_errmsg(db));
		sqlite3_reset(st);
	}
	sqlite3_finalize(st);
	exec(db, "COMMIT");
}

static double
bench_insert(sqlite3 *db, int n)
{
	sqlite3_stmt	*st;
	char		 name[32];
	double		 t0 = now();
	int		 i;

	if (sqlite3_prepare_v2(db, "INSERT INTO runs (job_id, target_id, "
	    "target_name, state, exit_status, started, finished) "
	    "VALUES (?1, ?2, ?3, 'ok', 0, ?4, ?4)", -1, &st, NULL) !=
	    SQLITE_OK)
		die("prepare", sqlite3_errmsg(db));
	for (i = 0; i < n; i++) {
		if (i % BATCH == 0)
			exec(db, "BEGIN");
		snprintf(name, sizeof(name), "t%04d", i % BATCH + 1);
		sqlite3_bind_int(st, 1, i / BATCH + 1);
		sqlite3_bind_int(st, 2, i % BATCH + 1);
		sqlite3_bind_text(st, 3, name, -1, SQLITE_TRANSIENT);
		sqlite3_bind_int64(st, 4, 1700000000000LL + i);
		if (sqlite3_step(st) != SQLITE_DONE)
			die("insert run", sqlite3_errmsg(db));
		sqlite3_reset(st);
		if (i % BATCH == BATCH - 1)
			exec(db, "COMMIT");
	}
	sqlite3_finalize(st);
	return now() - t0;
}

static double
bench_lookup(sqlite3 *db, int n, unsigned seedv)
{
	sqlite3_stmt	*st;
	double		 t0;
	uint64_t	 x = seedv;
	long long	 sum = 0;
	int		 i, found = 0;

	if (sqlite3_prepare_v2(db, "SELECT id, state, target_name FROM runs "
	    "WHERE job_id = ?1 AND target_id = ?2", -1, &st, NULL) !=
	    SQLITE_OK)
		die("prepare", sqlite3_errmsg(db));
	t0 = now();
	for (i = 0; i < n; i++) {
		x ^= x << 13;
		x ^= x >> 7;
		x ^= x << 17;
		sqlite3_bind_int(st, 1, (int)(x % (uint64_t)(n / BATCH)) + 1);
		sqlite3_bind_int(st, 2, (int)((x >> 20) % BATCH) + 1);
		if (sqlite3_step(st) == SQLITE_ROW) {
			sum += sqlite3_column_int64(st, 0);
			found++;
		}
		sqlite3_reset(st);
	}
	t0 = now() - t0;
	sqlite3_finalize(st);
	if (found != n)
		die("lookup", "a run was not found");
	return sum >= 0 ? t0 : 0;
}

static void
row(const char *what, double enc, double plain, int n)
{
	printf("%-34s %9.3f s %9.3f s %7.2fx  (%.1f / %.1f us per op)\n",
	    what, enc, plain, plain > 0 ? enc / plain : 0, enc * 1e6 / n,
	    plain * 1e6 / n);
}

int
main(int argc, char **argv)
{
	struct keyring		*kr = NULL;
	struct store		*st = NULL;
	struct store_job_spec	 js = { 0 };
	struct ops_err		 err;
	sqlite3			*enc, *plain, *src;
	sqlite3_stmt		*q;
	const char		*base = getenv("TMPDIR");
	char			 dir[256], path[300], p2[300], p3[300];
	char			 pp[300], **names;
	double			 ie, ip, le, lp, ce, cp, api;
	int			 n = argc > 1 ? atoi(argv[1]) : 100000, i;
	int64_t			 job;

	if (n < BATCH || n % BATCH != 0 || n / BATCH > BATCH)
		die("usage", "bench-store [N], N a multiple of 1000, "
		    "at most 1000000");
	snprintf(dir, sizeof(dir), "%s/opsicle-bench-XXXXXX",
	    base != NULL && *base != '\0' ? base : "/tmp");
	if (mkdtemp(dir) == NULL)
		die("mkdtemp", "failed");
	snprintf(path, sizeof(path), "%s/store.db", dir);
	snprintf(p2, sizeof(p2), "%s/store.key", dir);
	snprintf(p3, sizeof(p3), "%s/store.kf", dir);
	snprintf(pp, sizeof(pp), "%s/plain.db", dir);
	if (keys_create_keyfile(p2, p3, &kr, &err) != OPS_OK ||
	    store_open(path, kr, &st, &err) != OPS_OK)
		die("open store", err.msg);
	enc = store_sqlite_handle(st);
	if (sqlite3_open(pp, &plain) != SQLITE_OK)
		die("open plain", sqlite3_errmsg(plain));
	exec(plain, "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;"
	    "PRAGMA temp_store=MEMORY; PRAGMA mmap_size=0;"
	    "PRAGMA cache_size=-32768; PRAGMA foreign_keys=ON");
	/* Same schema: replay the store's own CREATE statements. */
	src = enc;
	if (sqlite3_prepare_v2(src, "SELECT sql FROM sqlite_schema WHERE sql "
	    "IS NOT NULL ORDER BY rowid", -1, &q, NULL) != SQLITE_OK)
		die("read schema", sqlite3_errmsg(src));
	exec(plain, "BEGIN");
	while (sqlite3_step(q) == SQLITE_ROW)
		exec(plain, (const char *)sqlite3_column_text(q, 0));
	exec(plain, "COMMIT");
	sqlite3_finalize(q);

	printf("opsicle store benchmark: %d rows, transactions of %d, "
	    "SQLite %s\n", n, BATCH, sqlite3_libversion());
	printf("%-34s %11s %11s %8s\n", "workload", "encrypted", "plain",
	    "ratio");
	seed(enc, n / BATCH);
	seed(plain, n / BATCH);
	ie = bench_insert(enc, n);
	ip = bench_insert(plain, n);
	row("insert runs (tx of 1000)", ie, ip, n);
	exec(enc, "PRAGMA wal_checkpoint(TRUNCATE)");
	exec(plain, "PRAGMA wal_checkpoint(TRUNCATE)");
	le = bench_lookup(enc, n, 12345);
	lp = bench_lookup(plain, n, 12345);
	row("indexed lookups, warm 32 MiB cache", le, lp, n);
	exec(enc, "PRAGMA cache_size=100");
	exec(plain, "PRAGMA cache_size=100");
	ce = bench_lookup(enc, n, 777);
	cp = bench_lookup(plain, n, 777);
	row("indexed lookups, 100-page cache", ce, cp, n);
	exec(enc, "PRAGMA cache_size=-32768");

	/* The API path: one store_job_add per 1,000 runs. */
	if ((names = calloc(BATCH, sizeof(*names))) == NULL)
		die("calloc", "out of memory");
	for (i = 0; i < BATCH; i++) {
		if ((names[i] = malloc(16)) == NULL)
			die("malloc", "out of memory");
		snprintf(names[i], 16, "t%04d", i + 1);
	}
	js.command = "uptime";
	js.requested_by = "bench";
	js.targets = (const char *const *)names;
	js.ntargets = BATCH;
	api = now();
	for (i = 0; i < n / BATCH; i++)
		if (store_job_add(st, &js, &job, &err) != OPS_OK)
			die("store_job_add", err.msg);
	api = now() - api;
	printf("%-34s %9.3f s %11s %8s  (%.1f us per run row)\n",
	    "store_job_add, 1000 runs per call", api, "-", "-",
	    api * 1e6 / n);
	for (i = 0; i < BATCH; i++)
		free(names[i]);
	free(names);

	sqlite3_close(plain);
	store_close(st);
	keyring_free(kr);
	nftw(dir, rm_one, 16, FTW_DEPTH | FTW_PHYS);
	return 0;
}

/*
 * test-store-random.c: 10,000 random transactions (targets with tags,
 * jobs, runs with output, audit records; some refused by validation, some
 * rolled back on purpose) checked against an in-memory model, then
 * integrity_check, the audit chain, and the same comparison after reopen.
 * OPS_TEST_SCALE=N divides the count (for slow sanitizer builds);
 * OPS_TEST_SEED picks the seed.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "store-int.h"
#include "store-test.h"
#include "tap.h"

#define NAMES		300
#define NTAGS		6
#define MAXRUNS		4000
#define CAP		512

struct m_target {
	int	used;
	char	host[32];
	int	port;
	int	tags;		/* bit i: tag "tag<i>" */
};

struct m_run {
	int64_t		id;
	int		target;	/* name index */
	int		state;	/* 0 queued, 1 running, 2 done */
	unsigned char	out[CAP];
	size_t		out_len;
	int64_t		out_bytes;
	int		truncated;
};

struct model {
	struct m_target	t[NAMES];
	struct m_run	*runs;
	size_t		nruns;
	int64_t		naudit;
};

static uint64_t	rng_state;

static uint32_t
rnd(uint32_t n)
{
	rng_state ^= rng_state << 13;
	rng_state ^= rng_state >> 7;
	rng_state ^= rng_state << 17;
	return (uint32_t)(rng_state % n);
}

static const char *
tname(int i)
{
	static char	buf[4][16];
	static int	next;
	char		*p = buf[next++ % 4];

	snprintf(p, sizeof(buf[0]), "t%03d", i);
	return p;
}

static const char *const tagnames[NTAGS] = {
	"tag0", "tag1", "tag2", "tag3", "tag4", "tag5"
};

static size_t
tags_of(int mask, const char **v)
{
	size_t	n = 0;
	int	i;

	for (i = 0; i < NTAGS; i++)
		if (mask & (1 << i))
			v[n++] = tagnames[i];
	return n;
}

/* One random operation; returns 0 if the store disagreed with the
 * expected outcome. *mutated is set when the model changed. */
static int
op_target(struct store *st, struct model *m, int *mutated)
{
	struct store_target_spec	 s = { 0 };
	struct store_target_update	 u = { 0 };
	const char			*tags[NTAGS];
	struct m_target			*t;
	struct ops_err			 err;
	char				 host[32];
	int				 i = (int)rnd(NAMES), kind = (int)rnd(3);
	int				 port, mask, rc, want;

	t = &m->t[i];
	port = rnd(20) == 0 ? 65536 + (int)rnd(5000) : 1 + (int)rnd(65535);
	mask = (int)rnd(1 << NTAGS);
	snprintf(host, sizeof(host), "h%u.example", rnd(100000));
	*mutated = 0;
	switch (kind) {
	case 0:
		s.name = tname(i);
		s.host = host;
		s.port = port;
		s.tags = tags;
		s.ntags = tags_of(mask, tags);
		rc = store_target_add(st, &s, NULL, &err);
		want = port > 65535 ? OPS_E_INVAL :
		    t->used ? OPS_E_EXISTS : OPS_OK;
		if (rc == OPS_OK) {
			t->used = 1;
			strcpy(t->host, host);
			t->port = port;
			t->tags = mask;
			*mutated = 1;
		}
		break;
	case 1:
		u.port = rnd(2) ? port : 0;
		u.host = rnd(2) ? host : NULL;
		u.set_tags = (int)rnd(2);
		u.tags = tags;
		u.ntags = tags_of(mask, tags);
		rc = store_target_update(st, tname(i), &u, &err);
		want = u.port > 65535 ? OPS_E_INVAL :
		    !t->used ? OPS_E_NOTFOUND : OPS_OK;
		if (rc == OPS_OK) {
			if (u.port != 0)
				t->port = u.port;
			if (u.host != NULL)
				strcpy(t->host, host);
			if (u.set_tags)
				t->tags = mask;
			*mutated = 1;
		}
		break;
	default:
		rc = store_target_delete(st, tname(i), &err);
		want = t->used ? OPS_OK : OPS_E_NOTFOUND;
		if (rc == OPS_OK) {
			t->used = 0;
			*mutated = 1;
		}
		break;
	}
	if (rc != want)
		diag("target op %d on %s: got %d want %d (%s)", kind, tname(i),
		    rc, want, ops_err_msg(&err));
	return rc == want;
}

static int
op_job(struct store *st, struct model *m, int *mutated)
{
	struct store_job_spec	 js = { 0 };
	struct store_run_list	 rl = { 0 };
	struct ops_err		 err;
	const char		*names[3];
	int			 idx[3], n = 0, i, j, rc, want = OPS_OK;
	int64_t			 job;
	size_t			 k;

	*mutated = 0;
	if (m->nruns + 3 > MAXRUNS)
		return 1;
	for (i = 0; i < 3; i++) {
		idx[n] = (int)rnd(NAMES);
		for (j = 0; j < n && idx[j] != idx[n]; j++)
			;
		if (j < n)
			continue;
		if (!m->t[idx[n]].used)
			want = OPS_E_NOTFOUND;
		names[n] = tname(idx[n]);
		n++;
	}
	js.command = "uptime";
	js.requested_by = "uid:1000";
	js.targets = names;
	js.ntargets = n;
	rc = store_job_add(st, &js, &job, &err);
	if (rc != want) {
		diag("job add: got %d want %d (%s)", rc, want, err.msg);
		return 0;
	}
	if (rc != OPS_OK)
		return 1;
	if (store_run_list(st, job, 0, &rl, &err) != OPS_OK ||
	    rl.n != (size_t)n) {
		store_run_list_free(&rl);
		return 0;
	}
	for (k = 0; k < rl.n; k++) {
		memset(&m->runs[m->nruns], 0, sizeof(m->runs[0]));
		m->runs[m->nruns].id = rl.v[k].id;
		m->runs[m->nruns].target = idx[k];
		m->nruns++;
	}
	store_run_list_free(&rl);
	*mutated = 1;
	return 1;
}

static int
op_run(struct store *st, struct model *m, int *mutated)
{
	struct ops_err	 err;
	struct m_run	*r;
	unsigned char	 buf[200];
	size_t		 len, take, i;
	int		 rc, want;

	*mutated = 0;
	if (m->nruns == 0)
		return 1;
	r = &m->runs[rnd((uint32_t)m->nruns)];
	if (rnd(4) == 0) {
		rc = store_run_finish(st, r->id, STORE_RUN_OK, 0, 0, NULL,
		    &err);
		want = r->state == 2 ? OPS_E_INVAL : OPS_OK;
		if (rc == OPS_OK) {
			r->state = 2;
			*mutated = 1;
		}
		return rc == want;
	}
	len = rnd(sizeof(buf));
	for (i = 0; i < len; i++)
		buf[i] = (unsigned char)rnd(256);
	rc = store_run_append_output(st, r->id, STORE_STDOUT, buf, len, &err);
	if (rc != OPS_OK) {
		diag("append: %s", err.msg);
		return 0;
	}
	take = CAP - r->out_len < len ? CAP - r->out_len : len;
	memcpy(r->out + r->out_len, buf, take);
	r->out_len += take;
	r->out_bytes += (int64_t)len;
	r->truncated |= take < len;
	*mutated = 1;
	return 1;
}

static int
cmp_str(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* Compare the whole store with the model; 1 when equal. */
static int
compare(struct store *st, const struct model *m)
{
	struct store_target_list	 l = { 0 };
	struct store_target_filter	 f = { 0 };
	struct store_run		*r = NULL;
	struct store_audit_list		 al = { 0 };
	struct ops_err			 err;
	const char			*tags[NTAGS];
	size_t				 k, j, n = 0, nt;
	int				 i, same = 1;

	if (store_target_list(st, NULL, &l, &err) != OPS_OK)
		return 0;
	for (i = 0; i < NAMES && same; i++) {
		if (!m->t[i].used)
			continue;
		if (n >= l.n || strcmp(l.v[n].name, tname(i)) != 0 ||
		    strcmp(l.v[n].host, m->t[i].host) != 0 ||
		    l.v[n].port != m->t[i].port) {
			diag("target %s differs", tname(i));
			same = 0;
			break;
		}
		nt = tags_of(m->t[i].tags, tags);
		qsort(tags, nt, sizeof(tags[0]), cmp_str);
		if (nt != l.v[n].ntags)
			same = 0;
		for (j = 0; same && j < nt; j++)
			same = strcmp(tags[j], l.v[n].tags[j]) == 0;
		if (!same)
			diag("tags of %s differ", tname(i));
		n++;
	}
	same &= n == l.n;
	store_target_list_free(&l);
	/* Tag index agrees with the tags. */
	for (i = 0; i < NTAGS && same; i++) {
		f.tag = tagnames[i];
		if (store_target_list(st, &f, &l, &err) != OPS_OK)
			return 0;
		for (j = 0, n = 0; j < NAMES; j++)
			n += m->t[j].used && (m->t[j].tags & (1 << i));
		same &= n == l.n;
		store_target_list_free(&l);
	}
	for (k = 0; k < m->nruns && same; k++) {
		const struct m_run *mr = &m->runs[k];

		if (store_run_get(st, mr->id, &r, &err) != OPS_OK)
			return 0;
		same = r->out_len == mr->out_len &&
		    memcmp(r->out, mr->out, mr->out_len) == 0 &&
		    r->out_bytes == mr->out_bytes &&
		    r->out_truncated == mr->truncated &&
		    (r->state == STORE_RUN_OK) == (mr->state == 2) &&
		    strcmp(r->target, tname(mr->target)) == 0;
		if (!same)
			diag("run %lld differs", (long long)mr->id);
		store_run_free(r);
	}
	if (store_audit_list(st, NULL, &al, &err) != OPS_OK)
		return 0;
	if ((int64_t)al.n != m->naudit) {
		diag("audit has %zu records, model %lld", al.n,
		    (long long)m->naudit);
		same = 0;
	}
	store_audit_list_free(&al);
	return same;
}

int
main(void)
{
	struct keyring		*kr;
	struct store		*st = NULL;
	struct store_audit_entry ae = { .actor = "uid:1000", .result = "ok" };
	struct model		*m, *saved;
	struct ops_err		 err;
	const char		*seed = getenv("OPS_TEST_SEED");
	int			 nops = 10000 / st_scale(), i, okops = 1;
	int			 mutated, in_tx, good, nfail = 0, nrolled = 0;
	int64_t			 bad;
	char			 detail[64];

	plan_no_plan();
	rng_state = seed != NULL ? strtoull(seed, NULL, 0) : 0x5eed0fa11ULL;
	if (rng_state == 0)
		rng_state = 1;
	diag("seed 0x%llx, %d operations", (unsigned long long)rng_state,
	    nops);
	st_tmpdir();
	kr = st_keyring("main");
	m = calloc(1, sizeof(*m));
	saved = calloc(1, sizeof(*saved));
	if (m == NULL || saved == NULL ||
	    (m->runs = calloc(MAXRUNS, sizeof(*m->runs))) == NULL ||
	    (saved->runs = calloc(MAXRUNS, sizeof(*m->runs))) == NULL)
		return 99;
	if (store_open(st_path("store.db"), kr, &st, &err) != OPS_OK) {
		diag("%s", err.msg);
		ok(0, "store opens");
		return exit_status();
	}
	store_set_output_cap(st, CAP);

	for (i = 0; i < nops && okops; i++) {
		/* One in ten: a transaction around the op and its audit
		 * record, rolled back half the time. */
		in_tx = rnd(10) == 0;
		if (in_tx) {
			struct m_run *keep = saved->runs;

			memcpy(saved, m, sizeof(*m));
			saved->runs = keep;
			memcpy(saved->runs, m->runs,
			    m->nruns * sizeof(*m->runs));
			if (store_tx_begin(st, &err) != OPS_OK) {
				okops = 0;
				break;
			}
		}
		switch (rnd(4)) {
		case 0:
		case 1:
			good = op_target(st, m, &mutated);
			ae.action = "target";
			break;
		case 2:
			good = op_job(st, m, &mutated);
			ae.action = "job";
			break;
		default:
			good = op_run(st, m, &mutated);
			ae.action = "run";
			break;
		}
		if (!good) {
			diag("operation %d disagreed with the model", i);
			okops = 0;
		}
		nfail += !mutated;
		if (mutated) {
			snprintf(detail, sizeof(detail), "op %d", i);
			ae.detail = detail;
			if (store_audit_append(st, &ae, NULL, &err) != OPS_OK) {
				diag("audit: %s", err.msg);
				okops = 0;
			}
			m->naudit++;
		}
		if (in_tx) {
			if (rnd(2) == 0) {
				struct m_run *keep = m->runs;

				store_tx_rollback(st);
				memcpy(m, saved, sizeof(*m));
				m->runs = keep;
				memcpy(m->runs, saved->runs,
				    saved->nruns * sizeof(*m->runs));
				nrolled++;
			} else if (store_tx_commit(st, &err) != OPS_OK)
				okops = 0;
		}
		if (i % 2500 == 2499 && !compare(st, m)) {
			diag("model differs after operation %d", i);
			okops = 0;
		}
	}
	ok(okops, "%d random operations agree with the model "
	    "(%d refused or no-op, %d rolled back)", i, nfail, nrolled);
	ok(compare(st, m), "store equals the model");
	ops_err_clear(&err);
	ok(store_integrity_check(st, &err) == OPS_OK, "integrity check: %s",
	    ops_err_msg(&err));
	ok(store_audit_verify(st, &bad, NULL, &err) == OPS_OK,
	    "audit chain of %lld records verifies", (long long)m->naudit);
	store_close(st);
	st = NULL;

	ok(store_open(st_path("store.db"), kr, &st, &err) == OPS_OK,
	    "reopen");
	if (st != NULL) {
		ok(compare(st, m), "store equals the model after reopen");
		ok(store_integrity_check(st, &err) == OPS_OK &&
		    store_audit_verify(st, &bad, NULL, &err) == OPS_OK,
		    "integrity and audit chain after reopen");
		store_close(st);
	} else
		skip(2, "reopen failed");
	free(m->runs);
	free(saved->runs);
	free(m);
	free(saved);
	keyring_free(kr);
	st_cleanup();
	return exit_status();
}

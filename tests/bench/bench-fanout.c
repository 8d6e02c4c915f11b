/*
 * bench-fanout.c: run a command on N targets (all aliases of one sshd)
 * with the engine, cold (fresh engine: one new session per target) and
 * warm (pooled sessions), and print wall time and this process's CPU.
 *
 * usage: bench-fanout N HOST PORT HOSTKEY_PUB_FILE CLIENT_KEY USER
 *            [RUNS] [PARALLEL] [CMD]
 * Prints one line per mode:
 *   opsicle-cold N wall_med wall_min wall_max ok/run cpu_per_run
 */
#include <sys/resource.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "evloop.h"
#include "hostkey.h"
#include "secret.h"
#include "ssh.h"

static double
cpu_now(void)
{
	struct rusage ru;

	getrusage(RUSAGE_SELF, &ru);
	return ru.ru_utime.tv_sec + ru.ru_utime.tv_usec / 1e6 +
	    ru.ru_stime.tv_sec + ru.ru_stime.tv_usec / 1e6;
}

static int
cmp_d(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

/* One batch; returns the number of targets that printed __OK__. */
static size_t
one_run(struct ssh_engine *eng, struct ssh_target *ts, size_t n,
    const struct ssh_exec *x, double *wall, double *cpu)
{
	struct ssh_batch *b = NULL;
	struct ops_err err;
	long long t0;
	double c0;
	size_t i, good = 0;

	c0 = cpu_now();
	t0 = evloop_now_ms();
	if (ssh_engine_run(eng, ts, n, x, &b, &err) != 0) {
		fprintf(stderr, "run: %s\n", err.msg);
		return 0;
	}
	*wall = (evloop_now_ms() - t0) / 1000.0;
	*cpu = cpu_now() - c0;
	for (i = 0; i < n; i++) {
		const struct ssh_result *r = ssh_batch_result(b, i);

		if (r->ok && r->out.len >= 6 && memcmp(r->out.data, "__OK__",
		    6) == 0)
			good++;
		else if (i < 3 || good == 0)
			fprintf(stderr, "%s: %s: %s\n", r->target,
			    ssh_class_name(r->cls), r->msg);
	}
	ssh_batch_free(b);
	return good;
}

static void
report(const char *mode, size_t n, double *walls, double *cpus, size_t *oks,
    int runs)
{
	double cpu = 0;
	size_t okmin = oks[0];
	int i;

	for (i = 0; i < runs; i++) {
		cpu += cpus[i];
		if (oks[i] < okmin)
			okmin = oks[i];
	}
	qsort(walls, (size_t)runs, sizeof(double), cmp_d);
	printf("%-26s %5zu %9.3f %9.3f %9.3f %9zu %10.3f\n", mode, n,
	    walls[runs / 2], walls[0], walls[runs - 1], okmin, cpu / runs);
}

int
main(int argc, char **argv)
{
	struct evloop *loop = NULL;
	struct ssh_engine *eng = NULL;
	struct ssh_engine_config cfg;
	struct ssh_auth auth;
	struct ssh_target *ts;
	struct ssh_exec x;
	struct hostkey hk;
	struct ops_err err;
	char (*names)[24], line[4096], *sp, keybuf[16384], cmd[512];
	double walls[32], cpus[32];
	size_t oks[32], n, i, kl;
	int runs, par, r;
	FILE *fp;

	if (argc < 7) {
		fprintf(stderr, "usage: bench-fanout N HOST PORT HOSTKEY_PUB "
		    "CLIENT_KEY USER [RUNS] [PARALLEL] [CMD]\n");
		return 2;
	}
	n = (size_t)atoi(argv[1]);
	runs = argc > 7 ? atoi(argv[7]) : 3;
	par = argc > 8 ? atoi(argv[8]) : 64;
	snprintf(cmd, sizeof(cmd), "{ %s; } && echo __OK__",
	    argc > 9 ? argv[9] : "true");
	if (runs < 1 || runs > 32 || n == 0)
		return 2;
	ops_crypto_init(NULL);
	if ((fp = fopen(argv[4], "r")) == NULL ||
	    fgets(line, sizeof(line), fp) == NULL ||
	    (sp = strchr(line, ' ')) == NULL) {
		fprintf(stderr, "read host key %s\n", argv[4]);
		return 1;
	}
	fclose(fp);
	sp++;
	sp[strcspn(sp, " \n")] = '\0';
	if (hostkey_from_base64(sp, &hk, &err) != 0) {
		fprintf(stderr, "%s\n", err.msg);
		return 1;
	}
	memset(&auth, 0, sizeof(auth));
	auth.user = argv[6];
	if ((fp = fopen(argv[5], "r")) == NULL)
		return 1;
	kl = fread(keybuf, 1, sizeof(keybuf), fp);
	fclose(fp);
	if (secret_from(keybuf, kl, &auth.key, &err) != 0)
		return 1;
	memset(keybuf, 0, sizeof(keybuf));

	ts = calloc(n, sizeof(*ts));
	names = calloc(n, sizeof(*names));
	if (ts == NULL || names == NULL)
		return 1;
	for (i = 0; i < n; i++) {
		snprintf(names[i], sizeof(names[i]), "t%zu", i + 1);
		ts[i].name = names[i];
		ts[i].host = argv[2];
		ts[i].port = (unsigned)atoi(argv[3]);
		ts[i].auth = &auth;
		ts[i].known = &hk;
		ts[i].nknown = 1;
	}
	memset(&x, 0, sizeof(x));
	x.command = cmd;
	ssh_engine_config_init(&cfg);
	cfg.max_parallel = par;
	if (evloop_new(&loop, &err) != 0)
		return 1;

	/* cold: a fresh engine per run, so every target makes a session */
	for (r = 0; r < runs; r++) {
		ssh_engine_free(eng);
		eng = NULL;
		if (ssh_engine_new(loop, &cfg, &eng, &err) != 0)
			return 1;
		oks[r] = one_run(eng, ts, n, &x, &walls[r], &cpus[r]);
	}
	report("opsicle-cold", n, walls, cpus, oks, runs);
	/* warm: the last cold run left every session in the pool */
	for (r = 0; r < runs; r++)
		oks[r] = one_run(eng, ts, n, &x, &walls[r], &cpus[r]);
	report("opsicle-warm", n, walls, cpus, oks, runs);
	{
		struct ssh_stats st;

		ssh_engine_stats(eng, &st);
		fprintf(stderr, "# engine: handshakes %lu, reuses %lu, "
		    "reconnects %lu\n", st.handshakes, st.reuses,
		    st.reconnects);
	}
	ssh_engine_free(eng);
	evloop_free(loop);
	secret_free(auth.key);
	free(ts);
	free(names);
	return 0;
}

/*
 * http-driver.c: drive daemon/http.c on a real event loop for
 * test-daemon-http.sh. http-driver [-X METHOD] [-d BODY] [-H HEADER]...
 * [-m MAX] [-t MS] [-c CAFILE] [-f FROM -r RCPT [-u USER] [-p]]
 * [-n N] [-k] [-o FILE] URL
 * starts N (default 1) identical calls, with -k cancels all but the
 * first, runs the loop until the rest are done and prints per call
 * "status S retry_after R len L error E"; -p reads the SMTP password from
 * stdin; -o writes the first call's body to FILE. While the calls run a
 * 10 ms loop timer ticks: "ticks T" shows the loop never blocked.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "daemon.h"
#include "http.h"
#include "secret.h"

struct drv {
	struct ops_ctx	*ctx;
	int		 left;
	long long	 ticks;
	const char	*outfile;
	int		 first;
};

static void
done(struct ops_ctx *ctx, const struct http_response *r, void *arg)
{
	struct drv	*d = arg;
	FILE		*f;

	printf("status %ld retry_after %ld len %zu error %s\n", r->status,
	    r->retry_after_s, r->len, r->error != NULL ? r->error : "-");
	if (d->outfile != NULL && d->first++ == 0 &&
	    (f = fopen(d->outfile, "wb")) != NULL) {
		fwrite(r->body, 1, r->len, f);
		fclose(f);
	}
	if (--d->left == 0)
		evloop_stop(ctx->loop);
}

static long long
tick(struct evloop *loop, long long id, void *arg)
{
	struct drv	*d = arg;

	(void)loop;
	(void)id;
	d->ticks++;
	return 10;
}

int
main(int argc, char **argv)
{
	struct ops_ctx		 ctx;
	struct ops_err		 err;
	struct http_request	 rq;
	struct http_call	*calls[16];
	struct drv		 d;
	struct secret		*pw = NULL;
	const char		*hdrs[16];
	char			 line[256];
	int			 ch, n = 1, cancel = 0, i;

	memset(&ctx, 0, sizeof(ctx));
	memset(&rq, 0, sizeof(rq));
	memset(&d, 0, sizeof(d));
	rq.headers = hdrs;
	while ((ch = getopt(argc, argv, "X:d:H:m:t:c:f:r:u:pn:ko:P")) != -1) {
		switch (ch) {
		case 'X': rq.method = optarg; break;
		case 'd':
			rq.body = (const unsigned char *)optarg;
			rq.body_len = strlen(optarg);
			break;
		case 'H':
			if (rq.nheaders < 16)
				hdrs[rq.nheaders++] = optarg;
			break;
		case 'm': rq.max_response = strtoul(optarg, NULL, 10); break;
		case 't': rq.timeout_ms = strtol(optarg, NULL, 10); break;
		case 'c': rq.ca_file = optarg; break;
		case 'f': rq.mail_from = optarg; break;
		case 'r': rq.mail_rcpt = optarg; break;
		case 'u': rq.user = optarg; break;
		case 'P': rq.smtp_plaintext = 1; break;
		case 'p':
			if (fgets(line, sizeof(line), stdin) == NULL)
				return 2;
			line[strcspn(line, "\n")] = '\0';
			if (ops_crypto_init(&err) != OPS_OK ||
			    secret_from(line, strlen(line), &pw, &err) !=
			    OPS_OK)
				return 2;
			memset(line, 0, sizeof(line));
			rq.password = pw;
			break;
		case 'n': n = atoi(optarg); break;
		case 'k': cancel = 1; break;
		case 'o': d.outfile = optarg; break;
		default: return 2;
		}
	}
	if (optind + 1 != argc || n < 1 || n > 16)
		return 2;
	rq.url = argv[optind];
	log_init(&ctx.log, "http-driver", LOG_LEVEL_DEBUG);
	d.ctx = &ctx;
	if (evloop_new(&ctx.loop, &err) != OPS_OK ||
	    http_init(&ctx, &err) != OPS_OK ||
	    evloop_timer_add(ctx.loop, 10, tick, &d, NULL, &err) != OPS_OK) {
		fprintf(stderr, "http-driver: %s\n", ops_err_msg(&err));
		return 1;
	}
	for (i = 0; i < n; i++)
		if (http_start(&ctx, &rq, done, &d, &calls[i], &err) !=
		    OPS_OK) {
			printf("start error %s\n", ops_err_msg(&err));
			secret_free(pw);
			http_done(&ctx);
			evloop_free(ctx.loop);
			log_close(&ctx.log);
			return 1;
		}
	/* the request was copied: nothing of it is needed now */
	secret_free(pw);
	rq.password = NULL;
	d.left = n;
	if (cancel) {
		for (i = 1; i < n; i++)
			http_cancel(&ctx, calls[i]);
		d.left = 1;
	}
	if (evloop_run(ctx.loop, &err) < 0)
		fprintf(stderr, "http-driver: %s\n", ops_err_msg(&err));
	printf("pending %zu ticks %s\n", http_pending(&ctx),
	    d.ticks > 0 ? "some" : "none");
	http_done(&ctx);
	evloop_free(ctx.loop);
	log_close(&ctx.log);
	return 0;
}

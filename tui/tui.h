/*
 * tui.h: the opsicle client's internal index: the scriptable CLI and the
 * ncurses console (tui-*.c, screen-*.c; their own index is tui-screen.h).
 * Every command line comes from the table in cli-table.c, each entry with
 * the function that runs it; main.c parses argv against it, client.c
 * talks to (and if need be starts) opsicled, and the cli-*.c files build
 * one request per command and print its answer as a table or --json.
 *
 * Exit codes (documented in opsicle(1)): 0 success, 1 the daemon refused
 * or the operation failed, 2 usage error, 3 no daemon could be reached
 * or started.
 */
#ifndef OPS_TUI_H
#define OPS_TUI_H

#include <stdio.h>

#include <jansson.h>

#include "cli-table.h"
#include "error.h"
#include "model-json.h"
#include "paths.h"
#include "proto.h"

#define EXIT_REFUSED	1
#define EXIT_USAGE	2
#define EXIT_NODAEMON	3
/* run, automation run, job wait, job logs -f: the job needed approval
 * and never ran (opsicle(1), EXIT STATUS) */
#define EXIT_REJECTED	4
#define EXIT_EXPIRED	5

#define CLI_MAX_OPTS	64

/* A command line parsed against its table entry. */
struct cli_args {
	const struct cmd_entry	*e;
	char *const		*pos;		/* positionals, borrowed */
	int			 npos;
	struct {
		const char	*name;		/* without "--" */
		size_t		 len;
		const char	*value;		/* NULL for a switch */
	}			 opts[CLI_MAX_OPTS];
	int			 nopts;
	int			 json;
	int			 no_start;
	int			 dashdash;	/* npos + 1 when "--" was seen */
};

/* A connection to opsicled. */
struct cli_conn {
	int			 fd;
	struct ops_paths	 paths;
	struct proto_reader	 rd;
	struct proto_writer	 wr;
	long long		 next_id;
	int			 refused;	/* last error came from the daemon */
	char			 server[64];
	char			 role[16];
};

/* cli-args.c */
/* Parse argv (after the command words; a->e set) into a: 0, or
 * EXIT_USAGE with the reason on stderr; *help set for --help/-h. */
int		 cli_parse(struct cli_args *a, int argc, char **argv,
		    int *help);
const char	*cli_opt(const struct cli_args *a, const char *name);
int		 cli_flag(const struct cli_args *a, const char *name);
/* All values of a repeatable option; *out (caller frees) NULL-ended. */
size_t		 cli_opt_all(const struct cli_args *a, const char *name,
		    const char ***out);

/* cli-local.c: usage lines and the commands the CLI runs alone */
void		 cli_usage(FILE *fp, const struct cmd_entry *e);
/* --help of one command: usage, help line and details. */
void		 cli_help_entry(FILE *fp, const struct cmd_entry *e);
/* Every command with its help line. */
void		 cli_usage_all(FILE *fp);
/* The commands of a group ("target") with their help lines; returns how
 * many there are (0: word is no group). With fp NULL it only counts. */
size_t		 cli_group_usage(FILE *fp, const char *word);

/* client.c */
int	client_open(struct cli_conn *c, int may_start, struct ops_err *err);
/* The same, saying it is client name in the hello ("opsicle-console":
 * the daemon can tell the console's decisions from the CLI's). */
int	client_open_as(struct cli_conn *c, int may_start, const char *name,
	    struct ops_err *err);
void	client_close(struct cli_conn *c);
/*
 * Send msg (its id is set here) and wait for its reply: OPS_OK with
 * *result (caller frees; NULL when the reply had none), or the daemon's
 * error code and message (c->refused set), or a transport error.
 */
int	client_request(struct cli_conn *c, json_t *msg, json_t **result,
	    struct ops_err *err);

/* client.c: for streams. Send msg without waiting (its id is set; *id,
 * may be NULL, gets it); receive the next message of any kind. */
/* The same, with fd (>= 0; borrowed) passed along (SCM_RIGHTS). */
int	client_send_msg_fd(struct cli_conn *c, json_t *msg, int fd,
	    long long *id, struct ops_err *err);
int	client_send_msg(struct cli_conn *c, json_t *msg, long long *id,
	    struct ops_err *err);
int	client_recv(struct cli_conn *c, json_t **msg, enum proto_type *type,
	    struct ops_err *err);

/* cli-out.c */
/* Compact JSON; on a terminal ASCII only (C1 and DEL as \uXXXX). */
void	cli_print_json(const json_t *v);
/* Whether target output to fp goes through the filter: fp is a terminal
 * and there was no --raw. */
int	cli_out_filtered(FILE *fp, int raw);
/* Write target output p[0..len) to fp, filtered when filter is set. */
void	cli_out_write(FILE *fp, int filter, const void *p, size_t len);
/* Write a string that came from a target (an error text, a name) to fp,
 * always filtered; NULL as "-". */
void	cli_safe_puts(FILE *fp, const char *s);
/* "opsicle[ CMD]: MSG" on stderr, MSG filtered (it may quote a target). */
void	cli_errmsg(const char *cmd, const char *msg);
/* A JSON value to stdout, escaped for a terminal (no newline; quotes 0:
 * a string without its quotes). */
void	cli_put_json(const json_t *v, int quotes);
/* A string field of o, or "-" when absent or null. */
const char *cli_str(const json_t *o, const char *key);
long long cli_int(const json_t *o, const char *key);
/* A decoded record's text, or "-" when NULL or empty (as cli_str). */
const char *cli_dash(const char *s);
/* A decoded target's tags joined with commas into buf; "-" when none. */
const char *cli_tags_join(const struct target_rec *t, char *buf,
	    size_t len);
/* Print rows of cells as columns; ncols cells per row. */
void	cli_table(char **cells, size_t nrows, size_t ncols);
/* Format ms since the epoch as local "YYYY-MM-DD HH:MM:SS". */
void	cli_time(long long ms, char *buf, size_t len);
/* A target's last_run (target-list, opsicle(1)) in a few words: "ok 2m
 * ago", "failed (exit 3)", "hostkey-unknown", "-" when none; now in ms. */
void	cli_last_run(const json_t *lr, long long now, char *buf, size_t len);
/* The same for a decoded run (NULL: none). */
void	cli_run_words(const struct run_rec *r, long long now, char *buf,
	    size_t len);
/* A new request of the command's type (exits when out of memory). */
json_t	*cli_msg(const struct cli_args *a);
/* Run one request for a command and hand the result to show (may be NULL).
 * Returns the exit code. */
int	cli_send(const struct cli_args *a, json_t *msg,
	    void (*show)(const struct cli_args *, const json_t *));

/* cli-qr.c: text as a QR code on fp, half blocks when utf8, else ASCII
 * "##"; OPS_E_INVAL when it cannot be encoded. */
int	cli_qr_print(FILE *fp, const char *text, int utf8, struct ops_err *err);
/* Whether the locale's character set is UTF-8 (sets LC_CTYPE from it). */
int	cli_qr_utf8(void);
/* tui-main.c: the ncurses console; returns the exit code. */
int	tui_main(int no_start);

/* cli-run.c */
/* Print one job-output event as "target: line" lines (stderr to
 * stderr); partial lines wait in a per-target buffer. */
struct cli_lines;
/* raw: --raw was given (output is filtered only on a terminal anyway). */
struct cli_lines *cli_lines_new(int prefix, int raw);
void	cli_lines_feed(struct cli_lines *l, const json_t *ev);
void	cli_lines_flush(struct cli_lines *l);
void	cli_lines_free(struct cli_lines *l);

/* --connect-timeout and --output-cap into m; 0 or EXIT_USAGE. */
int	cli_run_limits(const struct cli_args *a, json_t *m);

/* cli-automation-run.c */
int	cli_automation_run(const struct cli_args *a);
/* job show of an automation job (job show's object o): its automation,
 * version, parameters (secrets come as ***) and batches; then each
 * target's steps. Nothing for an ad hoc job. */
void	cli_job_auto_head(const json_t *o);
void	cli_job_auto_steps(const json_t *o);

/* cli-run-targets.c: run's SELECTOR... (the first nsel positionals),
 * -x and --stdin into m; 0 or an exit code (the reason printed).
 * cli_run_wipe wipes what m holds of our stdin. */
/* cli-run.c: a positive number option; -1 when absent, 0 on a usage
 * error (said on stderr). */
long	cli_num_opt(const struct cli_args *a, const char *name, long max);
/* cli-run.c: send the run-like request m (with fd when >= 0, e.g.
 * push's file), then follow its job as run does (live output, summary,
 * exit code; Ctrl-C detaches). who names the command in errors. */
int	cli_run_submit(struct cli_conn *c, const struct cli_args *a,
	    json_t *m, int fd, const char *who, int group);
int	cli_run_targets(const struct cli_args *a, char *const *sel,
	    int nsel, json_t *m);
void	cli_run_wipe(json_t *m);

/* cli-run-become.c: run's --become, --become-user and --become-cred into
 * the run request m; 0, or EXIT_USAGE (message printed). */
int	cli_run_become(const struct cli_args *a, json_t *m);

/* cli-logs.c: a job's stored output as the daemon's sequence of pieces */
struct cli_logs_cb {
	void	(*run)(void *arg, const json_t *hdr);	/* a logs-run */
	void	(*data)(void *arg, const json_t *piece); /* a logs-data */
};
/*
 * Send the job-logs request m (without follow) on c and hand each
 * logs-run and logs-data reply to cb, skipping events, until the final
 * reply: 0 with *result (caller frees; may be NULL) the ok's result,
 * EXIT_REFUSED or EXIT_NODAEMON with the message printed ("opsicle who:").
 */
int	cli_logs_read(struct cli_conn *c, json_t *m, const char *who,
	    const struct cli_logs_cb *cb, void *arg, json_t **result);
/* The --json object, written piece by piece: with show (a job-show
 * result, borrowed) "run --json"'s job with each run's output, else "job
 * logs --json"'s {job, runs, state}. Use run and data as the callbacks. */
struct cli_logs_json {
	const json_t	*show;
	long long	 job;
	int		 opened;	/* "{" and the fields before runs out */
	json_t		*hdr;		/* the current run's logs-run */
	size_t		 nruns;
	int		 stream;	/* 0 none, 1 in stdout, 2 in stderr */
};
void	cli_logs_json_begin(struct cli_logs_json *j, const json_t *show,
	    long long job);
void	cli_logs_json_run(void *arg, const json_t *hdr);
void	cli_logs_json_data(void *arg, const json_t *piece);
/* result: the final ok's result (its "state"), may be NULL. */
void	cli_logs_json_end(struct cli_logs_json *j, const json_t *result);

/* cli-approval.c: job show's "approval" line (ap: its object; nothing
 * when NULL) */
void	cli_job_approval(const json_t *ap);

/* cli-jobs.c */
/* Parse a job id argument; 0 on a usage error (printed). */
long long cli_job_id(const struct cli_args *a, const char *s);
/* A new request of a's type with "job" from the first positional; NULL
 * on a usage error (printed). */
json_t	*cli_job_msg(const struct cli_args *a);
/* cli_send of that request; the exit code. */
int	cli_job_send(const struct cli_args *a,
	    void (*show)(const struct cli_args *, const json_t *));

/* cli-outcome.c: how a job ended, as run, job logs -f and job wait say */
#define CLI_OUTCOME_QUIET	0x1	/* --quiet: no summary */
#define CLI_OUTCOME_MAX_EXIT	0x2	/* -S: the largest remote status */
/* The flags of a's --quiet and --max-exit. */
int	cli_outcome_flags(const struct cli_args *a);
/*
 * Say on stderr how the runs (as job-show gives them, or final run-state
 * events, decoded by core/model-json.h) ended, and return the exit
 * status (opsicle(1)).
 */
int	cli_outcome(const struct run_rec *runs, size_t n, int flags);
/* A job that needed approval and never ran (state rejected or
 * expired): say so on stderr and give EXIT_REJECTED or EXIT_EXPIRED;
 * -1 for any other state. */
int	cli_unapproved(long long id, const char *state);
/* When a run or automation run result holds "approval": "job N
 * awaiting approval by ..." on stderr. */
void	cli_awaiting(const json_t *result);
/* An approval-state event as a line on stderr (run follows a job). */
void	cli_approval_event(const json_t *ev);
/* The same for a job-show result (its "runs"). */
int	cli_outcome_show(const json_t *show, int flags);
/* A job-show of job id on c: its result (caller frees), or NULL with
 * the message printed ("opsicle who:"). */
json_t	*cli_job_show_on(struct cli_conn *c, const char *who, long long id);
/* The same from a job-show of job id on c (who: for messages). */
int	cli_outcome_job(struct cli_conn *c, const char *who, long long id,
	    int flags);
/* To fp, a line for each stream of runs that the output cap cut. */
void	cli_cut_lines(FILE *fp, const struct run_rec *runs, size_t n);
/* job show's "limits" line: timeout, connect-timeout, output-cap. */
void	cli_job_limits(const struct job_rec *j);
/* On stderr, where the output cap cut target's stream ("stdout"). */
void	cli_cut_notice(const char *target, const char *stream);
/* n bytes as "1 MiB", "64 KiB" or "1000 bytes". */
void	cli_size(long long n, char *buf, size_t len);
/* cli-targets-edit.c: target edit on selectors (more than one argument,
 * a glob, a tag, all, or an option only that form takes). */
int	cli_target_edit_is_many(const struct cli_args *a);
int	cli_target_edit_many(const struct cli_args *a);

/* cli-hostkeys.c */
/* Send target add/import with accept_new_hostkey set; print with show
 * (may be NULL) plus the host keys stored and the scans that failed.
 * Exit code 1 also when a scan failed (the targets stay added). */
int	cli_send_accept_new(const struct cli_args *a, json_t *msg,
	    void (*show)(const struct cli_args *, const json_t *));

#endif

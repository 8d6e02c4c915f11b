/*
 * jobs-int.h: internals shared by jobs.c (queue and lifecycle) and
 * jobs-run.c (one run: SSH target, credentials, output, result).
 *
 * A running job is a struct job with one slot per run (target). At most
 * job->forks slots are in flight; each in-flight slot owns a one-target
 * ssh_batch on the daemon's engine, so a job's concurrency is its own
 * while the engine bounds the total. Engine callbacks only record the
 * result and kick the runner; batches are freed and new slots started
 * from the runner's own timer, never from inside the engine.
 *
 * Credentials: a struct jobs_auth is one (credential, version, user)
 * and stays at one address for the daemon's life, so the engine's
 * session pool (which matches on the auth pointer) reuses sessions of the
 * same credential only. Its secrets are unsealed when the first run that
 * needs them starts and wiped when the last such run's batch is freed.
 */
#ifndef OPS_JOBS_INT_H
#define OPS_JOBS_INT_H

#include <stdint.h>

#include "daemon.h"
#include "ssh.h"

struct jobs_auth {
	struct ssh_auth		 auth;
	struct sshkey		*key;		/* parsed: auth.sshkey */
	char			*agent_socket;	/* agent cred: auth.agent_path */
	int64_t			 cred_id;	/* 0: no credential */
	int64_t			 cred_updated;
	char			*user;
	unsigned		 refs;		/* runs holding the secrets */
	struct jobs_auth	*next;
};

enum slot_state {
	SLOT_WAIT = 0,		/* not started */
	SLOT_RUNNING,		/* batch in flight */
	SLOT_STEP,		/* automation: a step ended, the next one
				 * (or a retry) starts from the runner */
	SLOT_DONE,		/* result recorded; batch still to free */
	SLOT_OVER,		/* nothing held */
};

struct job;

/* What a job holds only in memory (jobs-input.c). */
struct job_input {
	int64_t			 job;
	struct secret		*stdin_data;	/* run --stdin, or NULL */
	/* run --host (jobs-adhoc.c) */
	int			 adhoc;		/* the job has ad-hoc hosts */
	char			*cred;		/* their credential, or NULL */
	int			 accept_new;	/* trust a new key, this run */
	char			*actor;		/* who asked, for the audit */
	/* push and pull (jobs-xfer.c): as struct job_spec's */
	int			 xfer_dir;
	char			*xfer_local;
	char			*xfer_remote;
	unsigned		 xfer_mode;
	unsigned char		*xfer_data;
	size_t			 xfer_len;
	int			 xfer_dirfd;	/* -1: none */
	struct job_input	*next;		/* parked, not yet started */
};

struct job_slot {
	struct job		*job;
	int64_t			 run_id;
	char			*target;	/* run's target name */
	enum slot_state		 state;
	struct ssh_batch	*b;
	struct ssh_target	 t;
	struct ssh_exec		 x;
	struct ssh_xfer		 xf;		/* push and pull */
	struct jobs_auth	*auth;		/* a reference while held */
	struct secret		*sudo_pw;	/* become_cred's, owned */
	char			*host;
	struct hostkey		*known;
	size_t			 nknown;
	size_t			 sent[3];	/* event bytes per stream */
	size_t			 seen[3];	/* bytes the target sent */
	int			 cut[3];	/* the cap was reached */
	long long		 seq;
	struct slot_auto	*au;		/* automation jobs, else NULL */
	struct slot_pending {		/* output not yet stored */
		unsigned char	*p;
		size_t		 len, cap;
	}			 pend[2];	/* stdout, stderr */
};

struct job {
	struct jobs		*js;
	int64_t			 id;
	char			*command;
	int			 script;
	int			 timeout_ms;
	int			 connect_timeout_ms;	/* 0: the engine's */
	size_t			 output_cap;	/* per stream, live and kept */
	int			 forks;
	char			*become_user;	/* NULL: no sudo */
	char			*become_cred;	/* NULL: the target's */
	struct job_slot		*slots;
	size_t			 n;
	size_t			 next;		/* next slot to start */
	size_t			 active;	/* slots RUNNING */
	size_t			 ndone, nok;
	int			 ending;	/* cancel or interrupt */
	/* while ending: what running slots end as, once their batches
	 * (ssh_batch_cancel) have ended the remote processes */
	enum store_run_state	 end_rstate;
	enum store_job_state	 end_jstate;
	/* told when the job has ended ("job cancel" answers then) */
	struct job_waiter {
		void		(*ended)(void *);
		void		*arg;
	}			*waiters;
	size_t			 nwaiters;
	struct job_input	*input;		/* owned; NULL when none */
	struct job_auto		*au;		/* an automation, else NULL */
	struct job		*next_job;
};

struct jobs {
	struct ops_ctx		*ctx;
	struct job		*running;
	size_t			 nrunning;
	struct jobs_auth	*auths;
	struct job_input	*inputs;	/* parked until their job starts */
	const struct store	*recovered;	/* store last recovered */
	long long		 kick_timer;
	long long		 tick_timer;
	long long		 grace_timer;
	long long		 flush_timer;	/* wakes before_sleep */
	long long		 linger_timer;	/* then drained */
	int			 held;		/* some run holds output */
	long long		 held_ms;	/* since then */
	long long		 retention_ms;	/* last prune */
	size_t			 max_running;	/* JOBS_MAX_RUNNING */
	int			 stopping;
	int			 locked_end;	/* said so once */
	int			 shut;		/* drained is on its way */
	void			(*drained)(struct ops_ctx *);	/* main.c */
};

/* jobs-run.c */
/* Output of s's command (stored held back and sent as events). */
void	jobs_slot_output(struct job_slot *s, enum ssh_stream stream,
	    const unsigned char *buf, size_t len);
/* Store r as s's result and send its final run-state. */
void	jobs_slot_record(struct job_slot *s, const struct ssh_result *r);
/* s has its result: SLOT_DONE, counted, the runner kicked. */
void	jobs_slot_finished(struct job_slot *s, int ok);
/* s's batch was cancelled (job_end): the job's end state, with what
 * became of the remote processes; SLOT_DONE. */
void	jobs_slot_cancelled(struct job_slot *s, const struct ssh_result *r);
/* Start slot s: on failure the run is recorded as an error and the slot
 * is over (the caller just moves on). */
void	jobs_slot_start(struct job_slot *s);
/* Free what a finished or aborted slot holds (aborts its batch). */
void	jobs_slot_release(struct job_slot *s);
/* Arm the flush timer (jobs.c). */
void	jobs_flush_soon(struct jobs *js);
/* Store what output s holds back (one transaction of its own, or the
 * caller's). */
void	jobs_slot_flush(struct job_slot *s);
/* Record a final state for a slot that never got a result. */
void	jobs_slot_end(struct job_slot *s, enum store_run_state state,
	    enum run_class cls, const char *error);
void	jobs_auth_free_all(struct jobs *js);

/*
 * jobs-automation.c: a job that runs an automation's pinned version. At
 * job start jobs_auto_load reads the version's document from the store,
 * parses it, opens the job's parameter values and reads each run's
 * batch (nothing to do for an ad hoc job: j->au stays NULL). The runner
 * then calls jobs_auto_fill instead of starting slots in order: it moves
 * each target to its next step when its own step ends (targets never
 * wait for each other within a batch), starts a batch only when the one
 * before ended, and skips the later batches once more targets failed
 * than max_failures allows.
 */
struct job_auto;
struct slot_auto;
struct store_job;
int	jobs_auto_load(struct job *j, const struct store_job *sj,
	    struct ops_err *err);
void	jobs_auto_free(struct job *j);
/* From jobs_slot_start once s->t and s->auth are set: step 1. */
int	jobs_auto_begin(struct job_slot *s, const struct store_cred *cr,
	    struct ops_err *err);
/* job_fill's part for an automation job (j->au set). */
void	jobs_auto_fill(struct job *j);
/* The job ends under s (cancel, interrupt): its step states say so. */
void	jobs_auto_slot_abort(struct job_slot *s, const char *why);
void	jobs_auto_slot_release(struct job_slot *s);
/* runner_submit's part: the pin, values and steps of job id. */
int	jobs_auto_submit(struct ops_ctx *ctx, int64_t id,
	    const struct job_spec *spec, struct ops_err *err);

/* jobs-input.c */
struct job_input *jobs_input_new(void);
void	jobs_input_free(struct job_input *in);
/* Keep in for job (taken) until its job starts or is cancelled. */
void	jobs_input_park(struct jobs *js, int64_t job, struct job_input *in);
/* The input parked for job, unparked (caller owns), or NULL. */
struct job_input *jobs_input_take(struct jobs *js, int64_t job);
/* A job with a parked input (0: none). */
int64_t	jobs_input_next(const struct jobs *js);
void	jobs_input_free_all(struct jobs *js);

/* jobs-adhoc.c */
struct adhoc_host;
/* Slot s runs on an ad-hoc host: parse it into *h, get its credential
 * (*cr, caller frees; NULL for none) and the host keys the daemon knows
 * for it (into s->known). */
int	jobs_adhoc_prepare(struct job_slot *s, struct adhoc_host *h,
	    struct store_cred **cr, struct ops_err *err);
/* 1 when s may trust a new host key (--accept-new-hostkey). */
int	jobs_adhoc_accept_new(const struct job_slot *s);
/* After r: audit a key trusted on first use; rewrite msg (len bytes)
 * for an unknown key to say how to trust it. */
void	jobs_adhoc_result(struct job_slot *s, const struct ssh_result *r,
	    char *msg, size_t len);

/* jobs-run.c: the engine's callbacks of a slot (arg is the slot) */
void	jobs_run_output(void *arg, size_t idx, const char *target,
	    enum ssh_stream stream, const unsigned char *buf, size_t len);
void	jobs_run_done(void *arg, size_t idx, const struct ssh_result *r);

/* jobs-xfer.c */
/* Start s's transfer batch (after s->t is set); OPS_OK, or a failure
 * with err set and *cls the run's class. */
int	jobs_xfer_start(struct job_slot *s, enum run_class *cls,
	    struct ops_err *err);

/* jobs-become.c */
struct store_cred;
/* After s->x and s->auth are set: sudo when the job has a become user,
 * with the become credential's password (unsealed into s->sudo_pw) or the
 * target's own (target_cred, borrowed from s->auth). */
int	jobs_become_setup(struct job_slot *s,
	    const struct store_cred *target_cred, struct ops_err *err);
/* Wipe what setup unsealed (from jobs_slot_release). */
void	jobs_become_release(struct job_slot *s);
/* sudo asked and had no password: append how to give one to msg. */
void	jobs_become_hint(const struct job_slot *s,
	    const struct ssh_result *r, char *msg, size_t len);

/* jobs.c */
/* run-state; error is the message alone, its class cls. */
void	jobs_emit_run_state(struct ops_ctx *ctx, int64_t job,
	    const char *target, enum store_run_state state,
	    enum run_class cls, int exit_status, int signal,
	    const char *error);
/* target-status (reachable, unreachable or unknown, from state and cls;
 * message: the error, "class: message") when a run ends with a result
 * (ok, failed, timeout, error). */
void	jobs_emit_target_status(struct ops_ctx *ctx, int64_t job,
	    const char *target, enum store_run_state state,
	    enum run_class cls, const char *error);

#endif

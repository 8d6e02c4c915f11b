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
	SLOT_DONE,		/* result recorded; batch still to free */
	SLOT_OVER,		/* nothing held */
};

struct job;

struct job_slot {
	struct job		*job;
	int64_t			 run_id;
	char			*target;	/* run's target name */
	enum slot_state		 state;
	struct ssh_batch	*b;
	struct ssh_target	 t;
	struct ssh_exec		 x;
	struct jobs_auth	*auth;		/* a reference while held */
	char			*host;
	struct hostkey		*known;
	size_t			 nknown;
	size_t			 sent[3];	/* event bytes per stream */
	long long		 seq;
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
	int			 forks;
	struct job_slot		*slots;
	size_t			 n;
	size_t			 next;		/* next slot to start */
	size_t			 active;	/* slots RUNNING */
	size_t			 ndone, nok;
	int			 ending;	/* cancel or interrupt */
	struct job		*next_job;
};

struct jobs {
	struct ops_ctx		*ctx;
	struct job		*running;
	size_t			 nrunning;
	struct jobs_auth	*auths;
	const struct store	*recovered;	/* store last recovered */
	long long		 kick_timer;
	long long		 tick_timer;
	long long		 grace_timer;
	long long		 flush_timer;	/* wakes before_sleep */
	long long		 linger_timer;	/* then drained */
	int			 held;		/* some run holds output */
	long long		 held_ms;	/* since then */
	long long		 retention_ms;	/* last prune */
	size_t			 output_cap;
	size_t			 max_running;	/* JOBS_MAX_RUNNING */
	int			 stopping;
	int			 shut;		/* drained is on its way */
	void			(*drained)(struct ops_ctx *);	/* main.c */
};

/* jobs-run.c */
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

/* jobs.c */
void	jobs_emit_run_state(struct ops_ctx *ctx, int64_t job,
	    const char *target, enum store_run_state state, int exit_status,
	    int signal, const char *error);
/* target-status (reachable, unreachable or unknown, from state and cls;
 * message: the error, "class: message") when a run ends with a result
 * (ok, failed, timeout, error). */
void	jobs_emit_target_status(struct ops_ctx *ctx, int64_t job,
	    const char *target, enum store_run_state state,
	    enum run_class cls, const char *error);

#endif

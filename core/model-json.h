/*
 * model-json.h: the JSON codecs of the shared records: a run, a target,
 * a job, a host key and an audit record. The daemon encodes its replies
 * and events with them, the CLI and the console decode with them, and
 * later the controller speaks them too: a field name or type lives here
 * and nowhere else. The shapes are the stable JSON of opsicle(1), "JSON
 * OUTPUT"; keys come out in the order that page lists them.
 *
 * Records hold borrowed strings: an encoder borrows from its caller's
 * structs, a decoder from the json_t it reads (valid while that lives).
 * Decoders that fill an array (target tags, job runs) allocate it, and
 * the record's *_done frees it; *_done accepts a zeroed record.
 *
 * Encoders return a new reference, NULL when out of memory. Decoders
 * return OPS_OK, or OPS_E_PROTO with a message naming the record and
 * the field when a field is missing, of the wrong type or out of range;
 * a field this build does not know is ignored (a newer daemon may add
 * some). Times are as the store keeps them, in milliseconds since the
 * epoch; 0 is "not yet" (sent as null where the shape allows it).
 */
#ifndef OPS_MODEL_JSON_H
#define OPS_MODEL_JSON_H

#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "error.h"
#include "model.h"

/* ---- a run ------------------------------------------------------------ */

/*
 * Three shapes of one record. RUN_REC_LAST: a target's last run with a
 * result ("job", "state", "exit", "signal", "class", "error" joined as
 * "class: message", "finished"). RUN_REC_FULL: a run in a job ("target",
 * "state", "exit", "signal", "class", "error" the message alone,
 * "started", "finished", "duration_ms", the byte counts and truncation
 * flags, the kept counts); its "class" names a cancelled or interrupted
 * run's state. RUN_REC_EVENT: the body of a run-state event ("job",
 * "target", "state", then "exit", "signal", "class" and "error" joined,
 * each only when there is one, and when counted "stdout_bytes",
 * "stdout_kept", "stderr_bytes", "stderr_kept").
 */
enum run_rec_shape {
	RUN_REC_LAST = 1,
	RUN_REC_FULL,
	RUN_REC_EVENT,
};

struct run_rec {
	int64_t		 job;		/* LAST and EVENT */
	const char	*target;	/* FULL and EVENT */
	enum run_state	 state;
	enum run_class	 cls;		/* RUN_CLASS_NONE: no class */
	int		 exit_status;	/* -1: none */
	int		 signal;	/* 0: none */
	const char	*error;		/* the message alone; NULL: none */
	int64_t		 started;	/* FULL */
	int64_t		 finished;
	int64_t		 out_bytes;	/* FULL: bytes seen, kept or not */
	int64_t		 err_bytes;
	int64_t		 out_kept;	/* FULL: bytes stored */
	int64_t		 err_kept;
	int		 out_truncated;
	int		 err_truncated;
	int		 counted;	/* the kept counts are set (a FULL
					 * run, a final state's EVENT) */
};

json_t	*run_rec_encode(const struct run_rec *r, enum run_rec_shape shape);
/* The word a job's run reports as its class: the class, a cancelled or
 * interrupted run's state, or NULL. */
const char *run_rec_class(const struct run_rec *r);
/* Add the EVENT shape's fields to an existing message object. */
int	 run_rec_encode_into(json_t *m, const struct run_rec *r);
int	 run_rec_decode(const json_t *o, enum run_rec_shape shape,
	    struct run_rec *r, struct ops_err *err);

/* ---- a target --------------------------------------------------------- */

/* Its field names, for views that show a target's JSON as it came (the
 * console's lists): the codec below writes and reads these. */
#define TARGET_F_NAME		"name"
#define TARGET_F_HOST		"host"
#define TARGET_F_PORT		"port"
#define TARGET_F_USER		"user"
#define TARGET_F_CRED		"cred"
#define TARGET_F_TAGS		"tags"
#define TARGET_F_NOTES		"notes"
#define TARGET_F_CREATED	"created"
#define TARGET_F_UPDATED	"updated"
#define TARGET_F_REACH		"reachability"
#define TARGET_F_REACH_CLASS	"reach_class"
#define TARGET_F_LAST_RUN	"last_run"

struct target_rec {
	const char		 *name;
	const char		 *host;
	int			  port;
	const char		 *user;		/* NULL: none */
	const char		 *cred;		/* NULL: none */
	const char *const	 *tags;
	size_t			  ntags;
	const char		 *notes;	/* NULL: none */
	int64_t			  created;
	int64_t			  updated;
	int			  has_last_run;
	struct run_rec		  last_run;	/* RUN_REC_LAST */
	/* Decoded from the wire; the encoder derives both from last_run. */
	enum reach		  reach;
	enum run_class		  reach_class;	/* when unreachable */
	const char		**tags_owned;	/* decoder's array */
};

/* What a target's last run says: its reach and, unreachable, the class. */
enum reach	 target_rec_reach(const struct target_rec *t,
		    enum run_class *cls);
json_t		*target_rec_encode(const struct target_rec *t);
int		 target_rec_decode(const json_t *o, struct target_rec *t,
		    struct ops_err *err);
void		 target_rec_done(struct target_rec *t);

/* ---- a job ------------------------------------------------------------ */

struct job_rec {
	int64_t			 id;
	enum job_state		 state;
	int			 script;	/* "kind": script, else see below */
	const char		*command;
	const char		*requested_by;
	int			 timeout_s;	/* per run; 0: none */
	int			 forks;		/* 0: the default */
	int64_t			 output_cap;	/* per stream; 0: default */
	int			 connect_timeout_s; /* 0: the default */
	/* run --become: "become" and "become_cred", left out when NULL */
	const char		*become_user;
	const char		*become_cred;
	int64_t			 created;
	int64_t			 started;
	int64_t			 finished;
	/* Counts: the encoder derives them from runs, the decoder reads
	 * them (a job list carries them without the runs). */
	size_t			 total, ok, failed;
	const struct run_rec	*runs;		/* RUN_REC_FULL */
	size_t			 nruns;
	int			 has_runs;	/* encode or decoded "runs" */
	struct run_rec		*runs_owned;	/* decoder's array */
};

/*
 * A transfer job's command is a shell comment that describes it, never
 * run: "#opsicle-push ..." or "#opsicle-pull ...". Its kind is "push" or
 * "pull"; any other is "script" or "command".
 */
#define JOB_XFER_TAG	"#opsicle-"
const char	*job_rec_kind(const struct job_rec *j);

json_t	*job_rec_encode(const struct job_rec *j);
int	 job_rec_decode(const json_t *o, struct job_rec *j,
	    struct ops_err *err);
void	 job_rec_done(struct job_rec *j);

/* ---- a host key ------------------------------------------------------- */

/* Every field but the fingerprint is optional (NULL or 0: left out). */
struct hostkey_rec {
	const char	*target;
	const char	*type;
	const char	*fingerprint;
	const char	*status;	/* ok, new, changed, rejected, ... */
	int64_t		 added;		/* a known key: when trusted */
	int64_t		 first_seen;	/* a pending key */
	int64_t		 last_seen;
};

json_t	*hostkey_rec_encode(const struct hostkey_rec *k);
int	 hostkey_rec_decode(const json_t *o, struct hostkey_rec *k,
	    struct ops_err *err);

/* ---- an audit record -------------------------------------------------- */

struct audit_rec {
	int64_t		 id;
	int64_t		 ts;
	const char	*actor;
	const char	*action;
	const char	*object;	/* "" when none */
	const char	*result;	/* "" when none */
};

json_t	*audit_rec_encode(const struct audit_rec *a);
int	 audit_rec_decode(const json_t *o, struct audit_rec *a,
	    struct ops_err *err);

#endif

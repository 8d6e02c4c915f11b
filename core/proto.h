/*
 * proto.h: the wire protocol between opsicle clients and opsicled.
 *
 * Contract.
 *
 * Frames. Every message on the socket is one frame: a 4-byte big-endian
 * length of the body, then the body, a UTF-8 JSON object of exactly that
 * many bytes. The length is 1..OPS_PROTO_MAX_FRAME; 0 is a protocol error
 * (OPS_E_PROTO) and anything larger is refused as soon as the 4 header bytes
 * arrive (OPS_E_TOOBIG), before any body byte is read or any memory for it
 * is allocated. This framing and the integer "v" key are the two things
 * that never change between versions, so peers of different versions can
 * always tell each other so.
 *
 * Header. The header fields live in the object: {"v":1,"id":N,"type":"<name>",
 * ...body fields}. "v" is OPS_PROTO_VERSION. "id" is a non-negative integer:
 * a request carries an id chosen by the client, the reply ("ok", "error" or
 * "hello-reply") echoes it, and events carry id 0.
 *
 * Handshake. The client's first message is "hello"; the daemon answers
 * "hello-reply" (or "error" and closes). A peer whose "v" differs makes the
 * reader fail with OPS_E_VERSION and a message naming both versions; the
 * daemon then sends an "error" frame (with its own "v") and closes.
 *
 * Types. The message types sit in numbered blocks (100s hello and auth,
 * 200s commands, 300s replies, 400s events). One list, PROTO_TYPES below,
 * gives each type its number, name, direction (request, reply or event),
 * a "sensitive" bit for bodies that hold secrets and are never logged, its
 * body fields and, for requests, the shape of its "ok" reply's result.
 * Fields are a space-separated list of "key:kind", with a trailing "?" for
 * optional keys. Kinds: s short string (<= OPS_PROTO_MAX_NAME bytes), t
 * text (<= OPS_PROTO_MAX_FRAME bytes), i integer, b boolean, a array of
 * short strings (<= OPS_PROTO_MAX_ITEMS), l array of any values, o
 * object, j any JSON value. No string may hold a NUL byte. Keys not in
 * the list are refused (like mproc's m_end refusing leftover bytes).
 * Adding a type is one entry of the list.
 *
 * Replies. An "ok" reply's result is declared next to its request in the
 * same syntax: its top-level keys and their kinds (nested values are o, l
 * or j; their shapes are the model codecs'). There "?" means the key may
 * be missing or null, "" means no result (an absent result counts as an
 * empty object), and "[o]" an array of objects. proto_reply_check holds a
 * result to its declaration; the daemon checks every ok it sends.
 *
 * Logs. "job-logs" without follow answers with a sequence that echoes the
 * request id: for each run a logs-run, then its stdout, then its stderr as
 * logs-data pieces of at most OPS_PROTO_LOGS_PIECE source bytes, then "ok"
 * {job, state}, or "error" to stop early. A stream's pieces all have its
 * run's encoding; cut at UTF-8 characters, or at 3-byte multiples in
 * base64, they join into the stream's whole string. With follow, stored
 * output comes as job-output events of the same size, then live ones,
 * then "ok".
 *
 * Output cap. A run keeps, and streams live, at most its job's output cap
 * per stream (run's output_cap, else the daemon's output-cap). The
 * job-output event that reaches the cap says "truncated": nothing of
 * that stream follows (so does the last stored piece, logs-data or a
 * replayed job-output, of a stream that was cut). A run's final run-state gives the bytes the
 * target sent (stdout_bytes, stderr_bytes) and those kept (*_kept).
 *
 * Validation. proto_reader_next refuses, and the connection must then be
 * dropped after at most one "error" reply: bad lengths, invalid JSON or
 * UTF-8, duplicate keys, nesting deeper than OPS_PROTO_MAX_DEPTH, a
 * non-object, a wrong "v", a bad "id", an unknown "type", a type of the
 * wrong direction, a missing or mistyped field, a leftover key, an
 * over-long string. The typed getters then apply the handler's own bounds.
 *
 * Secrets. The bodies of sensitive types (unlock, passwd, cred-add, and
 * target-import, run, job-output and automation-apply, which carry
 * inventory passwords, command lines, job output and whole automation
 * documents) never reach a log: proto_describe prints only their type,
 * id and size. Replies to job-list, job-show, job-logs, job-rerun, run,
 * target-import, automation-show and automation-export are left out the
 * same way
 * (PROTO_F_SENSITIVE_REPLY, proto_describe_reply). Handlers move
 * secret strings out with proto_take_secret, which wipes the JSON copy.
 * The reader and writer wipe frame bytes once they are consumed or sent.
 *
 * Bump OPS_PROTO_VERSION when anything here or in the type table changes
 * (a new type, a new or renamed field, a changed kind or meaning).
 */
#ifndef OPS_PROTO_H
#define OPS_PROTO_H

#include <stddef.h>

#include <jansson.h>

#include "error.h"

struct secret;

/* Bump when anything in this file or the proto.c type table changes. */
#define OPS_PROTO_VERSION	15

#define OPS_PROTO_HEADER	4			/* length prefix bytes */
#define OPS_PROTO_MAX_FRAME	(16 * 1024 * 1024)	/* body bytes */
#define OPS_PROTO_MAX_DEPTH	32	/* nested objects and arrays */
#define OPS_PROTO_MAX_NAME	255	/* bytes in an "s" field */
#define OPS_PROTO_MAX_ITEMS	4096	/* strings in an "a" field */
/* A daemon takes no frame larger than this before it has greeted a peer. */
#define OPS_PROTO_MAX_HELLO	4096
/* Most bytes of stored output in one logs-data or replayed job-output:
 * encoded (base64, or JSON escapes of control bytes) it stays far below
 * a frame. */
#define OPS_PROTO_LOGS_PIECE	(256 * 1024)
/* Most bytes "run --stdin" forwards: base64 in the run request, they
 * and a command of STORE_BODY_MAX fit a frame. */
#define OPS_RUN_STDIN_MAX	(8 * 1024 * 1024)
/* Descriptors a reader holds for handlers at most (proto_reader_take_fd). */
#define OPS_PROTO_MAX_FDS	4
/* Default cap on bytes queued for one peer before it counts as stuck. */
#define OPS_PROTO_WRITER_CAP	(2 * (OPS_PROTO_MAX_FRAME + OPS_PROTO_HEADER))

/* Type flags. */
#define PROTO_F_REQUEST		0x1	/* client to daemon */
#define PROTO_F_REPLY		0x2	/* daemon to client, echoes an id */
#define PROTO_F_EVENT		0x4	/* daemon to client, id 0 */
#define PROTO_F_SENSITIVE	0x8	/* body holds secrets: never logged */
/* Requests only: replies to this type carry job output, commands or
 * inventories, so their bodies are never logged either. */
#define PROTO_F_SENSITIVE_REPLY	0x10

/* What a reader accepts: a daemon reads requests, a client the rest. */
#define PROTO_ACCEPT_DAEMON	PROTO_F_REQUEST
#define PROTO_ACCEPT_CLIENT	(PROTO_F_REPLY | PROTO_F_EVENT)
#define PROTO_ACCEPT_ANY	(PROTO_F_REQUEST | PROTO_F_REPLY | PROTO_F_EVENT)

/* Shorthands for the list below (its users expand them). */
#define PROTO_REQ	PROTO_F_REQUEST
#define PROTO_SECRET	PROTO_F_SENSITIVE
#define PROTO_SECRET_REPLY PROTO_F_SENSITIVE_REPLY

/*
 * Every message type, once: X(ENUM, number, "name", flags, "body fields",
 * "ok result"). The enum below and the table in proto.c are expanded from
 * it, so a new type is one entry here. Body fields and the ok result use
 * the "key:kind[?]" syntax of the contract above; the result is "" for an
 * ok without one, "[o]" for an array of objects, and NULL for types that
 * are not requests answered by "ok". The numbers are fixed: list order is
 * the table's (and the logs'), not the numbering.
 */
#define PROTO_TYPES(X)							\
	/* 100s: hello and authentication */				\
	/* hello is answered by hello-reply */				\
	X(PROTO_HELLO, 100, "hello", PROTO_REQ,				\
	    "client:s? pid:i?", NULL)					\
	X(PROTO_HELLO_REPLY, 101, "hello-reply", PROTO_F_REPLY,		\
	    "server:s pid:i locked:b role:s? uid:i?", NULL)		\
	X(PROTO_UNLOCK, 102, "unlock", PROTO_REQ | PROTO_SECRET,	\
	    "passphrase:t", "already:b?")				\
	X(PROTO_LOCK, 103, "lock", PROTO_REQ, "", "already:b?")		\
	/* mode "passphrase" or "keyfile" */				\
	X(PROTO_PASSWD, 104, "passwd", PROTO_REQ | PROTO_SECRET,	\
	    "mode:s old:t? new:t?", "")					\
									\
	/* 200s: commands */						\
	X(PROTO_TARGET_ADD, 200, "target-add", PROTO_REQ,		\
	    "name:s host:s port:i? user:s? cred:s? tags:a? notes:t? "	\
	    "accept_new_hostkey:b?",					\
	    "name:s? hostkeys:l? hostkey_errors:l?")			\
	X(PROTO_TARGET_LIST, 201, "target-list", PROTO_REQ,		\
	    "selectors:a?", "[o]")					\
	X(PROTO_TARGET_SHOW, 202, "target-show", PROTO_REQ, "name:s",	\
	    "name:s host:s port:i user:s? cred:s? tags:a notes:t? "	\
	    "created:i updated:i reachability:s reach_class:s? "	\
	    "last_run:o?")						\
	/* name, or selectors for many targets (with add_tags,		\
	 * rm_tags and dry_run, which only they take) */		\
	X(PROTO_TARGET_EDIT, 203, "target-edit", PROTO_REQ,		\
	    "name:s? selectors:a? new_name:s? host:s? port:i? user:s? "	\
	    "cred:s? tags:a? add_tags:a? rm_tags:a? notes:t? "		\
	    "clear_cred:b? dry_run:b?",					\
	    "changed:l? unchanged:l? dry_run:b?")			\
	X(PROTO_TARGET_RM, 204, "target-rm", PROTO_REQ, "name:s", "")	\
	/* format "ssh-config", "ansible-ini" or "ansible-yaml"; the	\
	 * client reads the file and sends its text, and with		\
	 * create_creds the key files it names as keys [{path, key}] */	\
	X(PROTO_TARGET_IMPORT, 205, "target-import",			\
	    PROTO_REQ | PROTO_SECRET | PROTO_SECRET_REPLY,		\
	    "format:s text:t source:s? accept_new_hostkey:b? dry_run:b? " \
	    "tags:a? cred:s? create_creds:b? keys:l?",			\
	    "added:l skipped:l warnings:l dry_run:b keys:l? "		\
	    "hostkeys:l? hostkey_errors:l?")				\
	/* kind "password", "ssh-key" (the key is checked) or "agent"	\
	 * (agent_socket, no secret) */				\
	X(PROTO_CRED_ADD, 206, "cred-add", PROTO_REQ | PROTO_SECRET,	\
	    "name:s kind:s secret:t? user:s? key_passphrase:t? "	\
	    "agent_socket:s?", "kind:s key_type:s? fingerprint:s?")	\
	X(PROTO_CRED_LIST, 207, "cred-list", PROTO_REQ, "", "[o]")	\
	X(PROTO_CRED_RM, 208, "cred-rm", PROTO_REQ, "name:s", "")	\
	X(PROTO_HOSTKEY_LIST, 209, "hostkey-list", PROTO_REQ,		\
	    "target:s?", "[o]")						\
	X(PROTO_HOSTKEY_ACCEPT, 210, "hostkey-accept", PROTO_REQ,	\
	    "target:s fingerprint:s?",					\
	    "target:s type:s? fingerprint:s status:s")			\
	/* known_hosts text */						\
	X(PROTO_HOSTKEY_IMPORT, 211, "hostkey-import", PROTO_REQ,	\
	    "text:t source:s?",						\
	    "source:s added:i already_known:i targets_matched:i "	\
	    "targets:l revoked:l cert_authority_skipped:i")		\
	/* forget a pending key (numbered after unsubscribe) */		\
	X(PROTO_HOSTKEY_REJECT, 224, "hostkey-reject", PROTO_REQ,	\
	    "target:s fingerprint:s",					\
	    "target:s type:s fingerprint:s status:s")			\
	/* become: run under sudo as that user; become_cred names the	\
	 * password credential holding sudo's password (else the	\
	 * target's own password credential is used, if it has one):	\
	 * no password ever travels in a run */			\
	X(PROTO_RUN, 212, "run",					\
	    PROTO_REQ | PROTO_SECRET | PROTO_SECRET_REPLY,		\
	    "selectors:a exclude:a? command:t? script:t? timeout:i? "	\
	    "forks:i? group:b? follow:b? stdin:t? hosts:a? cred:s? "	\
	    "accept_new_hostkey:b? output_cap:i? connect_timeout:i? "	\
	    "become:s? become_cred:s?",					\
	    "job:i targets:l approval:o?")				\
	X(PROTO_JOB_LIST, 213, "job-list", PROTO_REQ | PROTO_SECRET_REPLY, \
	    "limit:i? state:s?", "[o]")					\
	X(PROTO_JOB_SHOW, 214, "job-show", PROTO_REQ | PROTO_SECRET_REPLY, \
	    "job:i",							\
	    "id:i state:s kind:s command:t requested_by:s timeout:i? "	\
	    "forks:i? created:i started:i? finished:i? total:i ok:i "	\
	    "failed:i runs:l output_cap:i? connect_timeout:i? "	\
	    "become:s? become_cred:s? automation:s? version:i? "	\
	    "params:l? batches:i? approval:o?")				\
	/* see "Logs" above */						\
	X(PROTO_JOB_LOGS, 215, "job-logs", PROTO_REQ | PROTO_SECRET_REPLY, \
	    "job:i follow:b? target:s?", "job:i state:s")		\
	X(PROTO_JOB_CANCEL, 216, "job-cancel", PROTO_REQ, "job:i", "")	\
	X(PROTO_JOB_RERUN, 217, "job-rerun",				\
	    PROTO_REQ | PROTO_SECRET_REPLY, "job:i failed:b?",		\
	    "job:i rerun_of:i targets:l?")				\
	X(PROTO_DAEMON_STATUS, 218, "daemon-status", PROTO_REQ, "",	\
	    "pid:i version:s started:i uptime:i store:t socket:t "	\
	    "locked:b key:s")						\
	X(PROTO_DAEMON_STOP, 219, "daemon-stop", PROTO_REQ, "grace:i?",	\
	    "warning:t?")						\
	X(PROTO_AUDIT_LIST, 220, "audit-list", PROTO_REQ,		\
	    "limit:i? since:i?", "[o]")					\
	X(PROTO_AUDIT_VERIFY, 221, "audit-verify", PROTO_REQ, "",	\
	    "ok:b head_id:i head_hash:s")				\
	/* streams: "job-output", "job-state", "run-state",		\
	 * "target-status" */						\
	X(PROTO_SUBSCRIBE, 222, "subscribe", PROTO_REQ,			\
	    "streams:a job:i?", "")					\
	X(PROTO_UNSUBSCRIBE, 223, "unsubscribe", PROTO_REQ,		\
	    "streams:a?", "")						\
	/* automations: apply sends the document and the files its	\
	 * steps name, each base64 (data) with the path the document	\
	 * gives; the daemon parses it (the name is the document's)	\
	 * and adds a version when anything changed. show, history	\
	 * and export take version 0 or none for the latest; export's	\
	 * doc is base64 of the file as applied, and with files the	\
	 * version's files come too, [{path, data}] as in apply. */	\
	X(PROTO_AUTOMATION_APPLY, 225, "automation-apply",		\
	    PROTO_REQ | PROTO_SECRET,					\
	    "format:s doc:t files:l? source:s?",			\
	    "name:s version:i changed:b created:b sha256:s")		\
	X(PROTO_AUTOMATION_LIST, 226, "automation-list", PROTO_REQ, "",	\
	    "[o]")							\
	X(PROTO_AUTOMATION_SHOW, 227, "automation-show",		\
	    PROTO_REQ | PROTO_SECRET_REPLY, "name:s version:i?",	\
	    "name:s version:i latest:i versions:i format:s sha256:s "	\
	    "actor:s? created:i size:i description:t? files:l "	\
	    "params:l steps:l targets:l rollout:o timeout:i")		\
	X(PROTO_AUTOMATION_HISTORY, 228, "automation-history",		\
	    PROTO_REQ, "name:s", "[o]")					\
	X(PROTO_AUTOMATION_EXPORT, 229, "automation-export",		\
	    PROTO_REQ | PROTO_SECRET_REPLY, "name:s version:i? files:b?", \
	    "name:s version:i format:s doc:t sha256:s files:l?")	\
	X(PROTO_AUTOMATION_RM, 230, "automation-rm", PROTO_REQ,	\
	    "name:s", "")						\
	/* automation run (232-239): the latest version of name on the	\
	 * selectors (default: its targets); params are "NAME=VALUE"	\
	 * strings (secrets among them: the body is never logged);	\
	 * dry_run answers with the plan and starts nothing; a job that	\
	 * needs approval answers with approval {required, approvers,	\
	 * expires, totp} (run too; job show while it is awaited) */		\
	X(PROTO_AUTOMATION_RUN, 232, "automation-run",			\
	    PROTO_REQ | PROTO_SECRET | PROTO_SECRET_REPLY,		\
	    "name:s selectors:a? exclude:a? params:l? dry_run:b? "	\
	    "forks:i? follow:b? group:b? timeout:i? output_cap:i? "	\
	    "connect_timeout:i?",					\
	    "job:i? targets:l automation:s version:i dry_run:b? "	\
	    "batches:l? steps:l? params:l? approval:o?")		\
	/* push and pull: the client opens local (push: the file, pull:	\
	 * the directory) and passes it with the frame (SCM_RIGHTS); the	\
	 * string is only its name for messages */			\
	X(PROTO_PUSH, 240, "push", PROTO_REQ,				\
	    "selectors:a exclude:a? local:t remote:t mode:i? timeout:i? " \
	    "forks:i? follow:b?", "job:i targets:l")			\
	X(PROTO_PULL, 241, "pull", PROTO_REQ,				\
	    "selectors:a exclude:a? local:t remote:t timeout:i? "	\
	    "forks:i? follow:b?", "job:i targets:l")			\
	/* approvals (250-257): jobs awaiting approval (state		\
	 * "pending", the default, or "all" or a decided state), one	\
	 * with its parameters (secrets "***") and targets, and the	\
	 * decisions; approve's code is a TOTP code (never logged);	\
	 * channel "cli" (the default) or "console" names the socket	\
	 * client the decision came through, for the audit */		\
	X(PROTO_APPROVAL_LIST, 250, "approval-list", PROTO_REQ,		\
	    "state:s?", "[o]")						\
	X(PROTO_APPROVAL_SHOW, 251, "approval-show",			\
	    PROTO_REQ | PROTO_SECRET_REPLY, "job:i",			\
	    "job:i automation:s? version:i? command:t requester:s "	\
	    "created:i expires:i required:i approvals:i approvers:l "	\
	    "totp:b reason_required:b state:s decisions:l params:l "	\
	    "targets:l")						\
	X(PROTO_APPROVE, 252, "approve", PROTO_REQ | PROTO_SECRET,	\
	    "job:i code:t? reason:t? override:b? channel:s?",		\
	    "job:i state:s approvals:i required:i")			\
	X(PROTO_REJECT, 253, "reject", PROTO_REQ,			\
	    "job:i reason:t channel:s?", "job:i state:s")		\
	/* TOTP step-up (258-263): enroll answers with the otpauth URI	\
	 * (it holds the secret: the reply is never logged, and it is	\
	 * the only time the secret leaves the daemon); confirm		\
	 * activates it with a code; disable needs a current code, or	\
	 * admin for another user; state "none", "pending", "active" */	\
	X(PROTO_TOTP_ENROLL, 258, "totp-enroll",			\
	    PROTO_REQ | PROTO_SECRET_REPLY, "",				\
	    "uri:t account:s state:s")					\
	X(PROTO_TOTP_CONFIRM, 259, "totp-confirm",			\
	    PROTO_REQ | PROTO_SECRET, "code:t", "state:s")		\
	X(PROTO_TOTP_STATUS, 260, "totp-status", PROTO_REQ, "user:s?",	\
	    "user:s uid:i state:s created:i? last_used:i? "		\
	    "failures:i? retry_in:i?")					\
	X(PROTO_TOTP_DISABLE, 261, "totp-disable", PROTO_REQ | PROTO_SECRET, \
	    "code:t? user:s?", "user:s")				\
	/* approver links: a one-time code (10 min) the user sends to	\
	 * the service's bot; the links; unlink (278: after the	\
	 * numbers issue 13 gave out) */				\
	X(PROTO_APPROVER_LINK, 262, "approver-link",			\
	    PROTO_REQ | PROTO_SECRET_REPLY, "service:s",		\
	    "service:s code:s expires:i")				\
	X(PROTO_APPROVER_LINKS, 263, "approver-links", PROTO_REQ, "",	\
	    "[o]")							\
	X(PROTO_APPROVER_UNLINK, 278, "approver-unlink", PROTO_REQ,	\
	    "service:s account:s", "service:s account:s")		\
	/* notifications (i13-notify): kind webhook|slack|telegram|email; \
	 * target the URL, chat or address (a Slack URL is secret);	\
	 * events the names subscribed (none: all); secret a webhook	\
	 * signing key "whsec_..." (none: generated, returned once) */	\
	X(PROTO_NOTIFY_ADD, 264, "notify-add",				\
	    PROTO_REQ | PROTO_SECRET | PROTO_SECRET_REPLY,		\
	    "name:s kind:s target:t events:a? secret:t?",		\
	    "name:s kind:s shown:t events:a secret:t?")		\
	X(PROTO_NOTIFY_LIST, 265, "notify-list", PROTO_REQ, "", "[o]")	\
	X(PROTO_NOTIFY_RM, 266, "notify-rm", PROTO_REQ, "name:s", "")	\
	/* answered after the test notification's first attempt */	\
	X(PROTO_NOTIFY_TEST, 267, "notify-test", PROTO_REQ, "name:s",	\
	    "id:i webhook_id:s state:s attempts:i status:i? error:t?")	\
	X(PROTO_NOTIFY_LOG, 268, "notify-log", PROTO_REQ, "limit:i?",	\
	    "[o]")							\
	X(PROTO_NOTIFY_SMTP_PASSWORD, 269, "notify-smtp-password",	\
	    PROTO_REQ | PROTO_SECRET, "password:t", "")		\
	/* schedules (280-287, issue 14): add takes exactly one of	\
	 * cron, every (ms, >= 1000) and at ("YYYY-MM-DD HH:MM" in tz);	\
	 * params as automation run's (secrets sealed in the store,	\
	 * never shown); until is "YYYY-MM-DD[ HH:MM]" in tz. next	\
	 * answers the next count fire times (unix s). show adds the	\
	 * history, oldest first: {time, what, job?, detail?} */	\
	X(PROTO_SCHEDULE_ADD, 280, "schedule-add", PROTO_REQ | PROTO_SECRET, \
	    "name:s automation:s params:l? selectors:a? cron:s? every:i? " \
	    "at:s? tz:s? missed:s? overlap:s? jitter:i? until:s? "	\
	    "max_runs:i?", "name:s next_fire:i")			\
	X(PROTO_SCHEDULE_LIST, 281, "schedule-list", PROTO_REQ, "", "[o]") \
	X(PROTO_SCHEDULE_SHOW, 282, "schedule-show", PROTO_REQ,	\
	    "name:s limit:i?",						\
	    "name:s automation:s selectors:l kind:s spec:s tz:s missed:s " \
	    "overlap:s jitter:i until:i max_runs:i runs:i paused:b "	\
	    "last_fire:i next_fire:i last_job:i created:i actor:s "	\
	    "params:l events:l")					\
	X(PROTO_SCHEDULE_PAUSE, 283, "schedule-pause", PROTO_REQ,	\
	    "name:s", "")						\
	X(PROTO_SCHEDULE_RESUME, 284, "schedule-resume", PROTO_REQ,	\
	    "name:s", "next_fire:i")					\
	X(PROTO_SCHEDULE_RM, 285, "schedule-rm", PROTO_REQ, "name:s", "") \
	X(PROTO_SCHEDULE_NEXT, 286, "schedule-next", PROTO_REQ,	\
	    "name:s count:i?", "name:s tz:s times:l")			\
	/* discovery (293-299, issue 14): scan ranges ("10.0.0.0/24",	\
	 * "fd00::/120"; more than a /16 in all needs force) on ports	\
	 * (ints, default [22]) for SSH servers; each one found is a	\
	 * discover-found event to the requester as it is found, then	\
	 * ok with the counts. add makes targets of the new ones (tags,	\
	 * user, cred) with the key presented pending, never trusted.	\
	 * timeout (ms per probe), rate (probes started per second)	\
	 * and concurrency default to discover.* (opsicle.conf(5)) */	\
	X(PROTO_DISCOVER, 293, "discover", PROTO_REQ,			\
	    "ranges:a ports:l? timeout:i? rate:i? concurrency:i? "	\
	    "force:b? add:b? tags:a? user:s? cred:s?",			\
	    "ranges:l ports:l probes:i open:i found:i known:i differs:i " \
	    "added:l add_errors:l elapsed_ms:i")			\
									\
	/* 300s: replies (code is a negative OPS_E_*) */		\
	X(PROTO_OK, 300, "ok", PROTO_F_REPLY, "result:j?", NULL)	\
	X(PROTO_ERROR, 301, "error", PROTO_F_REPLY, "code:i message:t",	\
	    NULL)							\
	X(PROTO_LOGS_RUN, 302, "logs-run", PROTO_F_REPLY,		\
	    "job:i target:s state:s stdout_encoding:s stdout_truncated:b " \
	    "stderr_encoding:s stderr_truncated:b", NULL)		\
	X(PROTO_LOGS_DATA, 303, "logs-data", PROTO_F_REPLY | PROTO_SECRET, \
	    "job:i target:s stream:s data:t encoding:s? truncated:b?",	\
	    NULL)							\
									\
	/* 400s: events (id 0), sent only to subscribers; stream	\
	 * "stdout" or "stderr", encoding "utf8" (the default) or	\
	 * "base64" for bytes that are not UTF-8 */			\
	X(PROTO_JOB_OUTPUT, 400, "job-output", PROTO_F_EVENT | PROTO_SECRET, \
	    "job:i target:s stream:s data:t encoding:s? seq:i? "	\
	    "truncated:b?", NULL)					\
	X(PROTO_JOB_STATE, 401, "job-state", PROTO_F_EVENT,		\
	    "job:i state:s ok:i? failed:i? total:i?", NULL)		\
	X(PROTO_RUN_STATE, 402, "run-state", PROTO_F_EVENT,		\
	    "job:i target:s state:s exit:i? signal:i? class:s? "	\
	    "error:t? stdout_bytes:i? stdout_kept:i? stderr_bytes:i? "	\
	    "stderr_kept:i?", NULL)					\
	X(PROTO_TARGET_STATUS, 403, "target-status", PROTO_F_EVENT,	\
	    "target:s status:s message:t?", NULL)				\
	/* an automation job's step (step from 1) started or ended on	\
	 * a target: queued running ok failed skipped */		\
	X(PROTO_STEP_STATE, 404, "step-state", PROTO_F_EVENT,		\
	    "job:i target:s step:i name:s state:s exit:i? error:t?", NULL) \
	/* a job's approval: requested, approved (a decision, more	\
	 * needed), granted (released to the queue), rejected,	\
	 * expired or overridden; channel cli console telegram ... */	\
	X(PROTO_APPROVAL_STATE, 405, "approval-state", PROTO_F_EVENT,	\
	    "job:i state:s approvals:i? required:i? actor:s? "		\
	    "channel:s? reason:t?", NULL)				\
	/* discover: an SSH server found (to the scan's requester	\
	 * only). banner printable ASCII; target the known target at	\
	 * that address and port; key "new" (no target), "known" (one	\
	 * of its known keys), "pending", "differs" (a known key of	\
	 * the same type has another fingerprint) or "unverified" (it	\
	 * is known by keys of other types); added the new target */	\
	X(PROTO_DISCOVER_FOUND, 407, "discover-found", PROTO_F_EVENT,	\
	    "address:s port:i banner:s? key_type:s fingerprint:s "	\
	    "target:s? key:s differs:b added:s? add_error:t?", NULL)

#define PROTO_ENUM_VALUE(e, n, name, flags, fields, reply)	e = n,
enum proto_type {
	PROTO_NONE = 0,
	PROTO_TYPES(PROTO_ENUM_VALUE)
};
#undef PROTO_ENUM_VALUE

struct proto_type_info {
	enum proto_type	 type;
	const char	*name;
	int		 flags;		/* PROTO_F_* */
	const char	*fields;	/* "key:kind[?] ..." */
	const char	*reply;		/* ok's result; NULL: none */
};

/* The table entry for type, or NULL for an unknown type. Borrowed. */
const struct proto_type_info *proto_type_info(enum proto_type type);
/* The type's name, or "unknown". Borrowed, static. */
const char	*proto_type_name(enum proto_type type);
/* The type with that name, or PROTO_NONE. */
enum proto_type	 proto_type_from_name(const char *name);
/* PROTO_F_* of type, 0 when unknown. */
int		 proto_type_flags(enum proto_type type);
/* Call cb for every table entry in order (for the daemon's handler test). */
void		 proto_type_foreach(void (*cb)(const struct proto_type_info *,
		     void *), void *arg);

/*
 * Check a whole message: header (v, id, type), a type whose direction is
 * in accept (PROTO_ACCEPT_*), required fields present with their kind,
 * every string NUL-free and within its bound, no leftover keys. *type
 * (may be NULL) gets the type. OPS_E_VERSION for a wrong "v", else
 * OPS_E_PROTO.
 */
int		 proto_msg_check(const json_t *msg, int accept,
		     enum proto_type *type, struct ops_err *err);
/*
 * Check the result of an "ok" answering a request of type request against
 * the request's declared reply shape (see "Replies"): a wrong container,
 * an undeclared key, a required key missing, a wrong kind. result may be
 * NULL (no result). OPS_E_PROTO naming the type and the key, or
 * OPS_E_INVAL when request declares no ok reply.
 */
int		 proto_reply_check(enum proto_type request,
		     const json_t *result, struct ops_err *err);
/* The message's type and id without checking anything else. */
enum proto_type	 proto_msg_type(const json_t *msg);
long long	 proto_msg_id(const json_t *msg);

/* Builders. NULL only when out of memory or type is unknown. Caller owns. */
json_t		*proto_msg_new(enum proto_type type, long long id);
json_t		*proto_error_new(long long id, int code, const char *message);

/* Typed setters; they refuse keys the type does not list (OPS_E_INVAL). */
int		 proto_add_str(json_t *msg, const char *key, const char *value,
		     struct ops_err *err);
int		 proto_add_strn(json_t *msg, const char *key, const char *value,
		     size_t len, struct ops_err *err);
int		 proto_add_int(json_t *msg, const char *key, long long value,
		     struct ops_err *err);
int		 proto_add_bool(json_t *msg, const char *key, int value,
		     struct ops_err *err);
int		 proto_add_str_array(json_t *msg, const char *key,
		     const char *const *values, size_t n, struct ops_err *err);
/* Set key to value, stealing the reference even on failure. */
int		 proto_add_json(json_t *msg, const char *key, json_t *value,
		     struct ops_err *err);

/* Non-zero when msg has key. */
int		 proto_has(const json_t *msg, const char *key);

/*
 * Typed getters: a missing key, a wrong JSON type or a value outside the
 * bounds is OPS_E_PROTO with a message naming the key. Returned strings
 * are borrowed from msg. Test optional keys with proto_has first.
 */
int		 proto_get_str(const json_t *msg, const char *key,
		     const char **out, size_t maxlen, struct ops_err *err);
/* Like proto_get_str, also giving the length. */
int		 proto_get_strn(const json_t *msg, const char *key,
		     const char **out, size_t *len, size_t maxlen,
		     struct ops_err *err);
int		 proto_get_int(const json_t *msg, const char *key,
		     long long min, long long max, long long *out,
		     struct ops_err *err);
int		 proto_get_bool(const json_t *msg, const char *key, int *out,
		     struct ops_err *err);
/*
 * An array of at most maxcount strings of at most maxlen bytes each.
 * *out is a NULL-terminated array the caller frees with free(); the
 * strings in it are borrowed from msg.
 */
int		 proto_get_str_array(const json_t *msg, const char *key,
		     size_t maxcount, size_t maxlen, const char ***out,
		     size_t *count, struct ops_err *err);
/*
 * Move a secret string out of msg into a new struct secret (caller
 * frees), wipe the JSON copy and delete the key. OPS_E_PROTO when missing,
 * not a string or longer than maxlen.
 */
int		 proto_take_secret(json_t *msg, const char *key, size_t maxlen,
		     struct secret **out, struct ops_err *err);
/* Wipe in place the string at key of msg, or every string of the array
 * there (values that may hold secrets, before msg is freed). */
void		 proto_wipe_strings(json_t *msg, const char *key);

/*
 * A one-line description for logs: "type id=N {body}" with the body
 * compact and truncated to fit; for sensitive types only
 * "type id=N (SIZE bytes, body not logged)", SIZE being the compact
 * JSON. Always NUL-terminates; returns buf.
 */
char		*proto_describe(const json_t *msg, char *buf, size_t len);
/* The same for a reply (ok, error) to a request of type request: its
 * body is left out when request has PROTO_F_SENSITIVE_REPLY. */
char		*proto_describe_reply(const json_t *msg, enum proto_type request,
		    char *buf, size_t len);

/*
 * Encode msg (which must pass proto_msg_check with PROTO_ACCEPT_ANY) as
 * one frame: *out (caller frees) gets the 4-byte length and the compact
 * body, *outlen its size. OPS_E_TOOBIG over OPS_PROTO_MAX_FRAME.
 */
int		 proto_frame_encode(const json_t *msg, unsigned char **out,
		     size_t *outlen, struct ops_err *err);

/*
 * Incremental reader for a non-blocking socket. Feed bytes (or fill from
 * an fd), then call proto_reader_next until it yields no message. The
 * buffer only ever grows by bytes that arrived. After an error the reader
 * stays failed and every later call returns the same code.
 */
struct proto_reader {
	unsigned char	*buf;
	size_t		 size;		/* allocated */
	size_t		 off;		/* first unconsumed byte */
	size_t		 len;		/* end of data */
	int		 accept;	/* PROTO_ACCEPT_* */
	int		 failed;	/* sticky error code, 0 when fine */
	long long	 bad_id;	/* id of a refused message, when known */
	long long	 peer_version;	/* "v" of the last message seen, or 0 */
	size_t		 max_frame;	/* body bytes taken; 0: MAX_FRAME */
	/* descriptors the peer passed (SCM_RIGHTS), oldest first */
	int		 fds[OPS_PROTO_MAX_FDS];
	size_t		 nfds;
};

void		 proto_reader_init(struct proto_reader *r, int accept);
void		 proto_reader_done(struct proto_reader *r);
/*
 * Take frames of at most max body bytes (0: OPS_PROTO_MAX_FRAME) from now
 * on; a larger length prefix fails the reader (OPS_E_TOOBIG) as soon as
 * it arrives, and at most about two such frames are ever held unread.
 */
void		 proto_reader_set_max(struct proto_reader *r, size_t max);
/* Append len bytes. OPS_E_TOOBIG when far more than a frame is unread. */
int		 proto_reader_feed(struct proto_reader *r, const void *buf,
		     size_t len, struct ops_err *err);
/*
 * One read(2) from a non-blocking fd into the buffer. OPS_OK also when
 * it would block (EAGAIN) or was interrupted; *eof (may be NULL) is set
 * to 1 when the peer closed. OPS_E_IO on a read error.
 */
int		 proto_reader_fill(struct proto_reader *r, int fd, int *eof,
		     struct ops_err *err);
/*
 * The next whole, valid message. OPS_OK with *msg set (caller owns it,
 * *type gets its type; type may be NULL), OPS_OK with *msg NULL when more
 * bytes are needed, or a negative code: then reply "error" if possible
 * and drop the connection.
 */
int		 proto_reader_next(struct proto_reader *r, json_t **msg,
		     enum proto_type *type, struct ops_err *err);
/* Bytes received but not yet returned as a message (a partial frame). */
size_t		 proto_reader_pending(const struct proto_reader *r);
/*
 * Descriptor passing (push and pull: the client opens its own files, so
 * the daemon never opens a client's path with its own privileges). The
 * sender attaches a descriptor to a frame (proto_writer_attach_fd); it
 * travels with the frame's first byte, and proto_reader_fill keeps it
 * (O_CLOEXEC; more than OPS_PROTO_MAX_FDS held are closed at once). The
 * handler of that frame takes it: the oldest one held, the caller owns
 * it; -1 when none came. Descriptors nobody took are closed once the
 * reader holds no partial frame (proto_reader_next), and by done.
 */
int		 proto_reader_take_fd(struct proto_reader *r);

/*
 * Output queue for a non-blocking socket, bounded by cap bytes (0 means
 * OPS_PROTO_WRITER_CAP). Queueing past the cap is OPS_E_TOOBIG: the peer
 * is not reading and should be dropped.
 */
struct proto_writer {
	unsigned char	*buf;
	size_t		 size;
	size_t		 off;		/* first unsent byte */
	size_t		 len;		/* end of data */
	size_t		 cap;
	int		 pass_fd;	/* goes with the next byte sent */
	int		 pass_set;
};

void		 proto_writer_init(struct proto_writer *w, size_t cap);
/* Send fd (borrowed: close it after the flush) with the first byte the
 * next flush writes, i.e. with the frame queued last when nothing else
 * was pending (see proto_reader_take_fd). */
void		 proto_writer_attach_fd(struct proto_writer *w, int fd);
void		 proto_writer_done(struct proto_writer *w);
/* Encode msg and queue the frame. */
int		 proto_writer_queue(struct proto_writer *w, const json_t *msg,
		     struct ops_err *err);
/* Queue an already encoded frame (e.g. one event for many peers). */
int		 proto_writer_queue_frame(struct proto_writer *w,
		     const unsigned char *frame, size_t len,
		     struct ops_err *err);
/*
 * Write what the socket takes now. OPS_OK also on EAGAIN (check
 * proto_writer_pending to know whether to wait for POLLOUT); OPS_E_IO
 * when the write fails (EPIPE is reported, never raised as SIGPIPE on
 * a socket).
 */
int		 proto_writer_flush(struct proto_writer *w, int fd,
		     struct ops_err *err);
size_t		 proto_writer_pending(const struct proto_writer *w);

#endif

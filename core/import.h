/*
 * import.h: read target lists from other tools.
 *
 * Contract. Both parsers take the whole text of a file (len bytes; the
 * daemon gets it from the client in a target-import message) and the
 * name to use in messages, and fill an import_list: hosts in the order
 * first seen, each with a name, an address (the name when none is
 * given), a port (0 when none, meaning 22), a user (NULL when none) and
 * tags; plus warnings for what was skipped, each "SOURCE:LINE: text".
 * They never open files or resolve names, and they do not validate
 * names against the store's rules (the importer does, so that one bad
 * entry names its line and fails the whole import).
 *
 * Every parser also gives each host the first private key file named
 * for it (ssh_config IdentityFile, Ansible ansible_ssh_private_key_file,
 * as written: "~" and "%d" are the importing user's and are left for the
 * client; NULL when none) and, when the host is reached through another
 * one (ProxyJump, ProxyCommand, or -J/ProxyJump/ProxyCommand in
 * ansible_ssh_common_args), a description of that in proxy (NULL when
 * direct). The engine cannot jump hosts: the importer skips such hosts.
 *
 * ssh_config(5): "Host" blocks (keywords case-insensitive, "Key value"
 * or "Key=value", values optionally double-quoted). Every Host pattern
 * without a wildcard or negation (*, ?, !) becomes a host. Its settings
 * are ssh's: every block whose pattern list matches the alias (a
 * pattern with * and ?, case-insensitive; a "!pattern" that matches
 * excludes the block), in file order, plus the lines before the first
 * Host, the first value of each keyword winning. HostName (%h and %n
 * become the alias, %% a %), Port, User, IdentityFile (the first one;
 * "none" means none), ProxyJump and ProxyCommand ("none" means direct)
 * are read; "Match" blocks are skipped with a warning and apply to
 * nothing; "Include" is not followed (a warning); keywords that change
 * how a host is reached but that opsicle does not use (CertificateFile,
 * HostKeyAlias, BindAddress, ...) give one warning each; the rest are
 * ignored.
 *
 * Ansible INI inventory: "[group]" sections make tags (the names "all"
 * and "ungrouped" do not); hosts before any section have no tags. A
 * host may be written "name:port" (in YAML too).
 * "host key=value..." lines, "[group:vars]" and "[all:vars]" sections
 * ("key=value" lines) take ansible_host, ansible_port, ansible_user,
 * ansible_ssh_private_key_file and ansible_ssh_common_args (and the old
 * ansible_ssh_* names); ansible_password and the become variables give
 * a warning (use a credential); other variables are ignored. As in
 * Ansible, a host's own value wins over its groups', a child group's
 * over its parents', a group's over all's (groups at the same depth: the
 * name later in byte order wins). "[group:children]" lists child groups:
 * their hosts get the parent's tag too (through any depth; cycles are
 * cut). A host name may hold ranges, "web[01:20]" (zero-padded as
 * written), "db[a:c]", "[1:9:2]" with a step; one name expands to at most
 * IMPORT_RANGE_MAX hosts, or the file is refused.
 *
 * Ansible YAML inventory (import-yaml.c, libyaml): a mapping of groups
 * (usually just "all"), each a mapping with optional "hosts" (a mapping
 * of host names, ranges allowed, to their variables or null), "vars" and
 * "children" (a mapping of groups, recursively); the same variables,
 * tags and precedence as the INI form. At most IMPORT_YAML_DEPTH levels
 * of groups, and a bounded amount of work for aliases; anything that is
 * not this shape is refused with the line.
 *
 * Malformed input is OPS_E_INVAL with "SOURCE:LINE: message": a bad or
 * out-of-range port, an unterminated quote or section header, a NUL
 * byte, a line over IMPORT_LINE_MAX bytes, more than IMPORT_HOSTS_MAX
 * hosts, a bad or too large range, or a key without a value. On error
 * the list is left empty.
 */
#ifndef OPS_IMPORT_H
#define OPS_IMPORT_H

#include <stddef.h>

#include "error.h"

#define IMPORT_LINE_MAX		4096
#define IMPORT_HOSTS_MAX	10000
#define IMPORT_TAGS_MAX		32
#define IMPORT_RANGE_MAX	4096	/* hosts from one ranged name */
#define IMPORT_YAML_DEPTH	16	/* nested children */

struct import_host {
	char	*name;
	char	*host;
	int	 port;		/* 0: default */
	char	*user;		/* NULL: none */
	char	**tags;
	size_t	 ntags;
	char	*identity;	/* first private key file; NULL: none */
	char	*proxy;		/* "ProxyJump bastion"...; NULL: direct */
	unsigned line;		/* where it was first seen */
};

struct import_list {
	struct import_host	*v;
	size_t			 n;
	char			**warnings;
	size_t			 nwarnings;
};

int	import_sshconfig_parse(const char *text, size_t len,
	    const char *source, struct import_list *out, struct ops_err *err);
int	import_ansible_parse(const char *text, size_t len, const char *source,
	    struct import_list *out, struct ops_err *err);
int	import_yaml_parse(const char *text, size_t len, const char *source,
	    struct import_list *out, struct ops_err *err);
/* Release everything and reset the list; accepts an empty list. */
void	import_list_free(struct import_list *l);

/* For the parsers (import-common.c). */
struct import_host *import_host_get(struct import_list *l, const char *name,
	    unsigned line, struct ops_err *err, const char *source);
int	import_host_tag(struct import_host *h, const char *tag,
	    const char *source, struct ops_err *err);
int	import_warn(struct import_list *l, const char *source, unsigned line,
	    const char *fmt, ...) __attribute__((format(printf, 4, 5)));
/* Next line of text at *off into buf (NUL-terminated, "\r\n" trimmed). */
int	import_next_line(const char *text, size_t len, size_t *off,
	    char *buf, size_t buflen, const char *source, unsigned lineno,
	    struct ops_err *err);
int	import_port(const char *value, const char *source, unsigned line,
	    int *port, struct ops_err *err);

/*
 * What a key file (IdentityFile) holds, from its text alone: an
 * unencrypted private key (PEM or openssh-key-v1), an encrypted one
 * (which needs a passphrase: opsicle cred add --key-passphrase), a
 * public key, or something else.
 */
enum import_key_kind {
	IMPORT_KEY_PRIVATE = 1,
	IMPORT_KEY_ENCRYPTED,
	IMPORT_KEY_PUBLIC,
	IMPORT_KEY_UNKNOWN,
};
enum import_key_kind import_key_kind(const unsigned char *buf, size_t len);

/* import-range.c: name with its ranges expanded into *out (n names, each
 * and the array caller-freed); a name without one gives itself. */
int	import_range_expand(const char *name, const char *source,
	    unsigned line, char ***out, size_t *n, struct ops_err *err);

/*
 * import-inv.c: the Ansible inventory both Ansible parsers fill: groups
 * with their variables and children, hosts with theirs. import_inv_done
 * applies the precedence (import.h, above) and moves the hosts to out.
 */
struct import_vars {
	char		*host;
	char		*user;
	char		*identity;
	char		*proxy;
	int		 port;
};

struct import_group;
struct import_edge;

struct import_inv {
	struct import_list	 l;
	struct import_vars	*hv;		/* per host of l, same index */
	struct import_group	*g;
	size_t			 ng;
	struct import_edge	*e;
	size_t			 ne;
	const char		*source;
	unsigned		 warned;	/* bit per warned variable */
};

void	import_inv_init(struct import_inv *inv, const char *source);
void	import_inv_free(struct import_inv *inv);
/* The variables of group name (created when new). */
int	import_inv_group(struct import_inv *inv, const char *name,
	    unsigned line, struct import_vars **vars, struct ops_err *err);
int	import_inv_child(struct import_inv *inv, const char *parent,
	    const char *child, unsigned line, struct ops_err *err);
/* Hosts of a (possibly ranged) name in group (NULL or "" for none);
 * *idx (caller frees, also on error) gets their *n indices in inv->l and
 * inv->hv. */
int	import_inv_hosts(struct import_inv *inv, const char *name,
	    const char *group, unsigned line, size_t **idx, size_t *n,
	    struct ops_err *err);
/* Set variable key of v (a later value replaces an earlier one). */
int	import_inv_var(struct import_inv *inv, struct import_vars *v,
	    const char *key, const char *value, unsigned line,
	    struct ops_err *err);
int	import_inv_done(struct import_inv *inv, struct import_list *out,
	    struct ops_err *err);

#endif

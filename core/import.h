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
 * ssh_config(5): "Host" blocks (keywords case-insensitive, "Key value"
 * or "Key=value", values optionally double-quoted). Every Host pattern
 * without a wildcard or negation (*, ?, !) becomes a host; HostName
 * (with %h replaced by the alias), Port and User apply to the block's
 * hosts, the first value winning as in ssh. Host patterns with
 * wildcards and "Match" blocks are skipped with a warning; "Include" is
 * not followed (a warning); other keywords are ignored.
 *
 * Ansible INI inventory: "[group]" sections make tags (the names "all"
 * and "ungrouped" do not); hosts before any section have no tags.
 * "host key=value..." lines take ansible_host, ansible_port and
 * ansible_user (and their old ansible_ssh_* names); other variables are
 * ignored. "[group:children]" lists child groups: their hosts get the
 * parent's tag too (through any depth; cycles are cut). "[group:vars]"
 * sections are skipped with a warning, and so are host ranges
 * ("web[01:20]").
 *
 * Malformed input is OPS_E_INVAL with "SOURCE:LINE: message": a bad or
 * out-of-range port, an unterminated quote or section header, a NUL
 * byte, a line over IMPORT_LINE_MAX bytes, more than IMPORT_HOSTS_MAX
 * hosts or a key without a value. On error the list is left empty.
 */
#ifndef OPS_IMPORT_H
#define OPS_IMPORT_H

#include <stddef.h>

#include "error.h"

#define IMPORT_LINE_MAX		4096
#define IMPORT_HOSTS_MAX	10000
#define IMPORT_TAGS_MAX		32

struct import_host {
	char	*name;
	char	*host;
	int	 port;		/* 0: default */
	char	*user;		/* NULL: none */
	char	**tags;
	size_t	 ntags;
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

#endif

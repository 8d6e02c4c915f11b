/*
 * discover-range.h: the address ranges "opsicle discover" scans.
 *
 * Contract: discover_range_parse reads one range, an IPv4 or IPv6
 * address alone (a /32 or /128) or in CIDR form "ADDR/LEN" (LEN 0-32 or
 * 0-128, decimal without sign or leading zeros, at most 3 digits), and
 * nothing else: no names, no spaces, no brackets, at most
 * DISCOVER_RANGE_TEXT_MAX bytes. Host bits set under the prefix are
 * cleared ("10.1.2.3/24" is 10.1.2.0/24), as nmap does. A refusal is
 * OPS_E_INVAL with a one-line printable message that quotes the input
 * (escaped) and says what is wrong.
 *
 * Size. A range holds 2^(bits - LEN) addresses; discover_range_count
 * gives it, saturated at UINT64_MAX. discover_ranges_check refuses a
 * scan over more than DISCOVER_LIMIT addresses in all (65,536: an IPv4
 * /16, or an IPv6 /112, the same number of probes) unless force, and
 * over DISCOVER_LIMIT_FORCE (an IPv4 /8, an IPv6 /104) even then: the
 * IPv6 address space is not scanned by counting.
 *
 * discover_range_addr writes the i-th address (0 <= i < count) of a range
 * in numeric form (inet_ntop). Pure functions: no allocation, no state.
 */
#ifndef OPS_DISCOVER_RANGE_H
#define OPS_DISCOVER_RANGE_H

#include <stddef.h>
#include <stdint.h>

#include "error.h"

#define DISCOVER_RANGE_TEXT_MAX	64
#define DISCOVER_ADDR_MAX	46		/* INET6_ADDRSTRLEN */
#define DISCOVER_LIMIT		(1ULL << 16)
#define DISCOVER_LIMIT_FORCE	(1ULL << 24)

struct discover_range {
	int		 family;	/* AF_INET or AF_INET6 */
	unsigned char	 base[16];	/* the network, network order */
	unsigned	 prefix;	/* 0-32 or 0-128 */
};

int		discover_range_parse(const char *text,
		    struct discover_range *r, struct ops_err *err);
uint64_t	discover_range_count(const struct discover_range *r);
/* OPS_E_INVAL past i; buf gets at least DISCOVER_ADDR_MAX bytes. */
int		discover_range_addr(const struct discover_range *r,
		    uint64_t i, char *buf, size_t len);
/* "10.0.0.0/24", "fd00::/120" into buf. */
void		discover_range_format(const struct discover_range *r,
		    char *buf, size_t len);
/* Refuse n ranges that together are too large (see above); *total gets
 * their addresses (saturated). */
int		discover_ranges_check(const struct discover_range *r,
		    size_t n, int force, uint64_t *total, struct ops_err *err);

#endif

/* SPDX-License-Identifier: BSD-2-Clause */
/* The filter language of `kansoku flow query` (and of any flow scan): a
 * small tcpdump-like syntax, compiled once into a flat program that a match
 * runs straight through, with no recursion and no allocation.
 *
 *   expr      = term { ("or" | "||") term }
 *   term      = factor { ("and" | "&&") factor }
 *   factor    = ("not" | "!") factor | "(" expr ")" | primitive
 *   primitive = "host" A | "src" [host|net] A | "dst" [host|net] A | "net" A
 *             | "port" N | "sport" N | "dport" N | "src port" N | "dst port" N
 *             | "proto" P | "tcp" | "udp" | "icmp" | "icmp6"
 *             | "after" T | "before" T
 *
 * A is an IPv4 or IPv6 address or CIDR prefix (host bits zero); host and
 * net match either end, src and dst one end. N is 0..65535 (for ICMP, dport
 * holds type<<8|code, flow.h). P is tcp, udp, icmp, icmp6, sctp, gre, esp or
 * 0..255. T is a time as ks_time.h reads it (2026-11-22, 2026-11-22T04:19:00Z,
 * @EPOCH, or an age such as 7d); "after T" keeps flows starting at or after T,
 * "before T" flows starting before T. Precedence: not, then and, then or
 * (tcpdump gives and/or equal precedence; here they nest as in C). Keywords
 * are lower case. Parentheses and "not" nest at most 64 deep; an expression
 * is at most 64 KiB. */
#ifndef KS_FLOW_FILTER_H
#define KS_FLOW_FILTER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "flow.h"

struct ks_flow_filter;

/* Compiles expr (NUL-terminated). 0 with *out (caller frees with
 * ks_flow_filter_free), or KS_EINVAL with "filter: column C: expected ..."
 * in err (columns count bytes from 1), or KS_ENOMEM. Relative times ("7d")
 * are taken against the clock at parse time. */
int ks_flow_filter_parse(const char *expr, struct ks_flow_filter **out, char *err, size_t errlen);
/* True when fl matches. Reads f only: a filter may be shared between threads. */
bool ks_flow_filter_match(const struct ks_flow_filter *f, const struct ks_flow *fl);
/* Time bounds implied by the filter (for partition pruning): every matching
 * flow has since_ms <= first_ms < until_ms; 0 = unbounded. */
void ks_flow_filter_span(const struct ks_flow_filter *f, int64_t *since_ms, int64_t *until_ms);
/* NULL is a no-op. */
void ks_flow_filter_free(struct ks_flow_filter *f);

#endif

/* SPDX-License-Identifier: BSD-2-Clause */
/* Survey scope: which addresses an active survey may send packets to.
 *
 * A scope is built from a scope file and, optionally, an exclusion file
 * (opt-outs of owners who asked not to be scanned). Both are line files:
 *
 *   # comment (also after a value, when preceded by a space or tab)
 *   CIDR [ORG] [allow-reserved]
 *
 * CIDR is an IPv4 or IPv6 prefix or a bare address (ks_prefix_parse()); ORG
 * an optional organisation id (1-64 of A-Z a-z 0-9 . _ -, as in the
 * organisations file); allow-reserved a flag. Exclusion lines take the same
 * syntax; their ORG and flag are accepted and ignored.
 *
 * Safety rules, applied when the scope is built:
 *  - Special-purpose ranges (RFC 6890 and its successors, ks_scope_reserved)
 *    are refused: a scope line that overlaps one, even partly, is refused as
 *    a whole and the refusal names the line and the range. A line carrying
 *    allow-reserved is accepted only if it lies entirely inside
 *    special-purpose space (it "names that range", e.g. the test lab's
 *    198.18.0.0/15); a line mixing public and special-purpose space is
 *    refused even with the flag.
 *  - IPv6 scope lines must be explicit small prefixes, /112 or longer (at
 *    most 65,536 addresses): IPv6 space cannot be swept, only listed.
 *    Shorter ones are refused. Exclusions may have any length.
 *  - Exclusions win: an address covered by any exclusion line is never a
 *    target, whatever the scope says.
 * Refused lines are not errors: they are kept (ks_scope.refused) so that a
 * plan can show them, and contribute nothing. Syntax errors are errors: the
 * whole file is rejected with one message "FILE:LINE:COL: what; expected
 * what" and nothing from it is applied.
 *
 * THE GATE: every sender (SYN, connect(), UDP probes, credential checks)
 * must call ks_scope_contains() on the destination immediately before it
 * sends any packet, and send nothing when it returns false. The target
 * enumeration (ks_scope_target()) yields only contained addresses, but the
 * gate is checked again at the send site so that no other code path (a
 * redirect followed by a probe, a resumed state, a bug in the permutation)
 * can reach an address outside the scope.
 *
 * Targets are enumerated by index 0 .. ntargets-1 over disjoint ranges in
 * address order; the survey visits those indices in a pseudo-random order
 * (scan_perm.h), never sequentially.
 *
 * Ownership: a struct ks_scope is caller-allocated; ks_scope_init() cannot
 * fail; everything inside is owned by it and freed by ks_scope_release().
 * After ks_scope_build() the scope is read-only and may be shared between
 * threads. Control plane: out-of-memory exits (ks_alloc.h). */
#ifndef KS_SCAN_SCOPE_H
#define KS_SCAN_SCOPE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ks_addr.h"
#include "ks_prefix.h"

#define KS_SCOPE_V6_MIN_LEN 112   /* shortest IPv6 scope prefix accepted */
#define KS_SCOPE_MAX_LINES 1000000 /* lines per file, scope or exclusion */
#define KS_SCOPE_LINE_MAX 1024     /* bytes per line */
#define KS_SCOPE_ORG_MAX 64

/* One special-purpose range (RFC 6890 registries and later RFCs). */
struct ks_scope_special {
	const char *cidr; /* "10.0.0.0/8" */
	const char *what; /* "private-use (RFC 1918)" */
};
extern const struct ks_scope_special ks_scope_reserved[];
extern const size_t ks_scope_nreserved;

/* An accepted scope line. */
struct ks_scope_line {
	struct ks_prefix pfx;
	char org[KS_SCOPE_ORG_MAX + 1]; /* "" when the line has none */
	unsigned line;
	bool allow_reserved;
};

/* A refused scope line and why ("overlaps 10.0.0.0/8, private-use (RFC 1918);
 * add allow-reserved to a line inside that range to survey it"). */
struct ks_scope_refusal {
	struct ks_prefix pfx;
	unsigned line;
	char why[160];
};

/* A run of targets: addresses hi96:lo .. hi96:lo+n-1 (all targets share the
 * top 96 bits of a range: IPv4 lives in ::ffff:0:0/96 and IPv6 scope
 * prefixes are /112 or longer). */
struct ks_scope_run {
	uint8_t hi[12];
	uint32_t lo;
	uint64_t n;     /* 1 .. 2^32 */
	uint64_t first; /* index of the run's first target */
};

struct ks_scope {
	const char *scope_name, *excl_name; /* borrowed, for messages */
	struct ks_scope_line *lines;
	size_t nlines, caplines;
	struct ks_scope_refusal *refused;
	size_t nrefused, caprefused;
	struct ks_prefix *excl;
	size_t nexcl, capexcl;
	struct ks_pset in, out; /* accepted lines (value: index into lines), exclusions */
	struct ks_scope_run *runs;
	size_t nruns;
	uint64_t in_scope; /* distinct addresses on accepted lines */
	uint64_t ntargets; /* in_scope minus exclusions */
	bool built;
};

void ks_scope_init(struct ks_scope *s);
void ks_scope_release(struct ks_scope *s);

/* Parses a scope file held in buf[0..len) and named name (for messages;
 * borrowed, must outlive s). Appends accepted and refused lines to s. Only
 * before ks_scope_build(); may be called once per file. On a syntax error
 * returns KS_EINVAL with "name:line:col: ...; expected ..." in err and adds
 * nothing; KS_ELIMIT for more than KS_SCOPE_MAX_LINES lines. */
int ks_scope_parse(struct ks_scope *s, const char *buf, size_t len, const char *name, char *err,
		   size_t errlen);
/* Same for an exclusion file. */
int ks_scope_parse_exclude(struct ks_scope *s, const char *buf, size_t len, const char *name,
			   char *err, size_t errlen);
/* Freezes the scope: builds the lookup sets and the target runs. Call once. */
void ks_scope_build(struct ks_scope *s);

/* THE GATE (see above): true if a may receive packets, i.e. it lies on an
 * accepted scope line and on no exclusion line. False before build. Reads
 * only; no allocation; thread-safe on a built scope. */
bool ks_scope_contains(const struct ks_scope *s, const struct ks_addr *a);
/* Organisation id of the most specific accepted line covering a ("" if that
 * line has none), or NULL when a is not contained. Borrowed from s. */
const char *ks_scope_org(const struct ks_scope *s, const struct ks_addr *a);
/* The i-th target (0 <= i < ntargets) in address order. 0, or KS_EINVAL
 * when i is out of range. */
int ks_scope_target(const struct ks_scope *s, uint64_t i, struct ks_addr *out);

/* True if p overlaps a special-purpose range; *which (may be NULL) names the
 * first one. The first call parses the range table: make it from the control
 * plane (parsing does) before threads share the scope. */
bool ks_scope_is_special(const struct ks_prefix *p, const struct ks_scope_special **which);

#endif

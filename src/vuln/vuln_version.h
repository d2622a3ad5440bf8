/* SPDX-License-Identifier: BSD-2-Clause */
/* Version strings as firmware and software print them, their total order,
 * and range expressions over them. Part of the checks stage (src/vuln/):
 * the survey identifies a product and version; vuln_db entries name the
 * versions a CVE affects with a range; this module decides.
 *
 * A version is split into segments: runs of digits (numbers) and runs of
 * letters (words). Separators '.', '-', '_', '+', '~', '(', ')' and space
 * only end a segment; a change between digit and letter does too. A leading
 * 'v' or 'V' right before a digit is dropped. So
 *
 *   1.2.3       -> 1 2 3          1.2.3p4      -> 1 2 3 p 4
 *   2.0rc1      -> 2 0 rc 1       V1.0.5       -> 1 0 5
 *   1.0.0-beta  -> 1 0 0 beta     7.2_build5   -> 7 2 build 5
 *   V5.21(ABUH.1) -> 5 21 abuh 1  8.2R12.1     -> 8 2 r 12 1
 *
 * Order: segments are compared left to right; the first difference decides.
 * Each segment has a rank, lowest first:
 *
 *   pre-release word  dev < alpha < beta < pre = preview < rc   ("2.0rc1 < 2.0")
 *   end of version    (the shorter version ran out)
 *   other word        p, patch, build, r, sp, a, b, ... ("1.2.3p4 > 1.2.3")
 *   number
 *
 * Equal ranks compare within: numbers by value (any length, leading zeros
 * ignored), pre-release words by the order above, other words by their
 * lower-case bytes. Zeros that end a run of numbers do not count, so
 * "2" == "2.0" == "2.0.0" and "1.0.0-beta" == "1.0beta" < "1.0". Letters compare case-insensitively ("1.0RC1" ==
 * "1.0rc1"), and the separators themselves do not matter ("1.0-1" ==
 * "1.0.1"). Under this order, single letters after a release are
 * post-releases, as OpenSSL and many firmwares use them (1.0.2k > 1.0.2);
 * spell pre-releases out (alpha, beta, rc).
 *
 * Range expressions (docs/vulns.md):
 *
 *   range  = "*" | clause *( "||" clause )
 *   clause = cmp *( SP cmp )          all must hold
 *   cmp    = [ "<" | "<=" | ">" | ">=" | "=" ] version    (no operator: "=")
 *
 * e.g. ">=5.4.6 <=5.4.12 || >=6.0.0 <=6.0.4", "<1.5.1", "=0.94.14rc21".
 * Inside a range a version cannot hold spaces, '|', '<', '>' or '='. */
#ifndef KS_VULN_VERSION_H
#define KS_VULN_VERSION_H

#include <stddef.h>

#define KS_VER_MAX 64      /* bytes of a version string, without NUL */
#define KS_VER_SEG_MAX 24  /* segments of a version */
#define KS_RANGE_MAX 512   /* bytes of a range expression */
#define KS_RANGE_CMP_MAX 32 /* comparisons in a range, over all clauses */

/* Checks that s[0..n) is a version: 1..KS_VER_MAX bytes of letters,
 * digits and separators, at most KS_VER_SEG_MAX segments and at least one
 * segment. Returns 0 or KS_EINVAL; if why != NULL, *why is static text
 * saying what was wrong. */
int ks_ver_check(const char *s, size_t n, const char **why);

/* Compares two versions (each checked as by ks_ver_check). *out is <0, 0 or
 * >0 as a sorts before, equal to or after b. Returns 0 or KS_EINVAL (either
 * is not a version; *out untouched). Pure; thread-safe. */
int ks_ver_cmp(const char *a, const char *b, int *out);

enum ks_range_op { KS_RANGE_LT, KS_RANGE_LE, KS_RANGE_GT, KS_RANGE_GE, KS_RANGE_EQ };

struct ks_range_cmp {
	enum ks_range_op op;
	char ver[KS_VER_MAX + 1];
	unsigned clause; /* clause index; comparisons of a clause are adjacent */
};

/* A parsed range. n == 0 means "*" (every version). */
struct ks_range {
	struct ks_range_cmp cmp[KS_RANGE_CMP_MAX];
	unsigned n;
};

/* Parses s[0..n). Returns 0, KS_EINVAL or KS_ELIMIT (too many
 * comparisons, too long). On failure *col is the 0-based byte offset in s
 * of the fault and *why static text "what; expected what". Caller-owned
 * out; no allocation. */
int ks_range_parse(const char *s, size_t n, struct ks_range *out, size_t *col, const char **why);

/* True (1) when version v lies in r; 0 when it does not or v is not a
 * version. An empty range ("*") holds every version, even an unknown one
 * (v NULL or ""); other ranges never hold an unknown version. */
int ks_range_has(const struct ks_range *r, const char *v);

/* Writes r back as text (canonical spacing) into buf[0..n), NUL-terminated,
 * truncated if need be. Returns buf. */
char *ks_range_format(const struct ks_range *r, char *buf, size_t n);

#endif

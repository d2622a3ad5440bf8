/* SPDX-License-Identifier: BSD-2-Clause */
/* Fuzz target for the survey scope parser (scan_scope). The input is split
 * at its first NUL byte into a scope file and an exclusion file. Either
 * parse fails with a message naming the file, or the scope is built and
 * its safety properties are checked:
 *  - every accepted line either avoids special-purpose space or carries
 *    allow-reserved and lies inside such a range; IPv6 lines are /112+;
 *  - targets never exceed the addresses in scope;
 *  - every enumerated target passes the gate (ks_scope_contains), is not
 *    covered by any exclusion and is in address order;
 *  - the first and last address of every exclusion fail the gate.
 * Any violation aborts, so libFuzzer keeps the input. */
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "ks_err.h"
#include "scan_scope.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define MAX_INPUT 8192

static void check(bool ok)
{
	if (!ok)
		abort();
}

static void last_addr(const struct ks_prefix *p, struct ks_addr *a)
{
	*a = p->addr;
	for (unsigned bit = p->len; bit < 128; bit++)
		a->b[bit / 8] |= (uint8_t)(0x80u >> (bit % 8));
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size > MAX_INPUT)
		return 0;
	const uint8_t *nul = memchr(data, 0, size);
	size_t ns = nul ? (size_t)(nul - data) : size;
	const char *ex = nul ? (const char *)nul + 1 : NULL;
	size_t nx = nul ? size - ns - 1 : 0;

	struct ks_scope s;
	char err[512];
	ks_scope_init(&s);
	err[0] = '\0';
	int r = ks_scope_parse(&s, (const char *)data, ns, "scope", err, sizeof err);
	if (r != 0) {
		check(r == KS_EINVAL || r == KS_ELIMIT);
		check(strncmp(err, "scope:", 6) == 0 && s.nlines == 0 && s.nrefused == 0);
		ks_scope_release(&s);
		return 0;
	}
	if (ex) {
		r = ks_scope_parse_exclude(&s, ex, nx, "excl", err, sizeof err);
		if (r != 0) {
			check(strncmp(err, "excl:", 5) == 0 && s.nexcl == 0);
			ks_scope_release(&s);
			return 0;
		}
	}
	ks_scope_build(&s);

	for (size_t i = 0; i < s.nlines; i++) {
		const struct ks_scope_line *l = &s.lines[i];
		check(ks_prefix_is_v4(&l->pfx) || l->pfx.len >= KS_SCOPE_V6_MIN_LEN);
		if (ks_scope_is_special(&l->pfx, NULL))
			check(l->allow_reserved);
		check(strlen(l->org) <= KS_SCOPE_ORG_MAX);
	}
	check(s.ntargets <= s.in_scope);

	/* Up to 512 targets spread over the index range, plus both ends. */
	uint64_t step = s.ntargets / 512 + 1;
	struct ks_addr prev;
	bool have_prev = false;
	for (uint64_t i = 0; i < s.ntargets; i += step) {
		uint64_t idx[2] = {i, i + step - 1 < s.ntargets ? i + step - 1 : s.ntargets - 1};
		for (int k = 0; k < 2; k++) {
			struct ks_addr a;
			check(ks_scope_target(&s, idx[k], &a) == 0);
			check(ks_scope_contains(&s, &a));
			check(ks_scope_org(&s, &a) != NULL);
			for (size_t e = 0; e < s.nexcl; e++)
				check(!ks_prefix_contains(&s.excl[e], &a));
			if (have_prev)
				check(ks_addr_cmp(&prev, &a) <= 0);
			prev = a;
			have_prev = true;
		}
	}
	struct ks_addr a;
	check(ks_scope_target(&s, s.ntargets, &a) == KS_EINVAL);
	for (size_t e = 0; e < s.nexcl && e < 256; e++) {
		check(!ks_scope_contains(&s, &s.excl[e].addr));
		last_addr(&s.excl[e], &a);
		check(!ks_scope_contains(&s, &a));
	}
	ks_scope_release(&s);
	return 0;
}

/* SPDX-License-Identifier: BSD-2-Clause */
/* Fuzz target for CIDR parsing and prefix sets. The whole input is parsed
 * as one prefix, which must format and parse back to itself. Then it is
 * read as a list: every token that parses alone goes into a set with a
 * distinct value per prefix, and the same text goes through
 * ks_pset_parse_list(), which must accept exactly when every token is valid.
 * Lookups at each prefix's edges and at addresses made of the input bytes
 * are checked against a brute-force longest-prefix match, ks_pset_has_v4()
 * against ks_pset_lookup(), and the IPv4 count of the two sets against each
 * other. Any disagreement aborts, so libFuzzer keeps the input. */
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "ks_err.h"
#include "ks_prefix.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define MAX_INPUT 4096 /* keeps the brute-force checks fast */

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

static bool brute(const struct ks_pset *s, const struct ks_addr *a, int64_t *v)
{
	bool found = false;
	unsigned best = 0;
	for (size_t i = 0; i < s->n; i++) {
		if (!ks_prefix_contains(&s->pfx[i], a))
			continue;
		if (!found || s->pfx[i].len >= best) {
			found = true;
			best = s->pfx[i].len;
			*v = s->val[i];
		}
	}
	return found;
}

static void probe(const struct ks_pset *s, const struct ks_addr *a)
{
	int64_t want = 0, got = 0;
	bool w = brute(s, a, &want);
	bool g = ks_pset_lookup(s, a, &got);
	check(w == g && (!w || want == got));
	if (ks_addr_is_v4(a))
		check(ks_pset_has_v4(s, ks_addr_v4(a)) == g);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct ks_prefix p, q;
	char buf[KS_ADDR_STRLEN + 4];

	if (size > MAX_INPUT)
		return 0;
	if (ks_prefix_parse((const char *)data, size, &p) == 0) {
		check(p.len <= 128);
		check(ks_prefix_contains(&p, &p.addr));
		ks_prefix_format(&p, buf);
		check(strlen(buf) < sizeof buf);
		check(ks_prefix_parse(buf, strlen(buf), &q) == 0);
		check(memcmp(&p.addr, &q.addr, sizeof p.addr) == 0 && p.len == q.len);
	}

	char *text = malloc(size + 1);
	if (text == NULL)
		return 0;
	memcpy(text, data, size);
	text[size] = '\0'; /* a NUL inside the data simply ends the list early */

	/* d: every token that parses on its own, each with a distinct value,
	 * so sets get built from most inputs, not only all-valid lists. */
	struct ks_pset s, d;
	char bad[64];
	size_t ntok = 0;
	ks_pset_init(&d);
	for (const char *t = text; *t != '\0';) {
		size_t n = strcspn(t, ", \t\r\n");
		if (n > 0) {
			ntok++;
			if (ks_prefix_parse(t, n, &p) == 0)
				ks_pset_add(&d, &p, (int64_t)d.n);
		}
		t += n;
		if (*t != '\0')
			t++;
	}
	ks_pset_build(&d);

	/* s: the list parser, all or nothing, over the same text. */
	ks_pset_init(&s);
	if (ks_pset_parse_list(&s, text, 1, bad, sizeof bad) == 0) {
		check(ntok > 0 && s.n == ntok && d.n == ntok);
	} else {
		check(s.n == 0);
		check(ntok == 0 || d.n < ntok);
	}
	ks_pset_build(&s);
	if (s.n > 0)
		check(ks_pset_v4_count(&s) == ks_pset_v4_count(&d));

	check(ks_pset_v4_count(&d) <= (1ull << 32));
	/* Edges of the first prefixes only: the brute force is linear, and
	 * a long list of tiny tokens would otherwise cost O(n^2) per input. */
	for (size_t i = 0; i < d.n && i < 256; i++) {
		struct ks_addr a;
		probe(&d, &d.pfx[i].addr);
		last_addr(&d.pfx[i], &a);
		probe(&d, &a);
		for (int j = 15; j >= 0; j--) { /* one past the end */
			a.b[j] = (uint8_t)(a.b[j] + 1);
			if (a.b[j] != 0)
				break;
		}
		probe(&d, &a);
	}
	/* Addresses made of the input bytes themselves, as IPv6 and IPv4. */
	for (size_t off = 0; off + 16 <= size; off += 16) {
		struct ks_addr a;
		memcpy(a.b, data + off, 16);
		probe(&d, &a);
		uint32_t v4 = (uint32_t)data[off] << 24 | (uint32_t)data[off + 1] << 16 |
			      (uint32_t)data[off + 2] << 8 | data[off + 3];
		ks_addr_from_v4(&a, v4);
		probe(&d, &a);
		if (s.n > 0)
			check(ks_pset_has_v4(&s, v4) == ks_pset_has_v4(&d, v4));
	}
	ks_pset_release(&d);
	ks_pset_release(&s);
	free(text);
	return 0;
}

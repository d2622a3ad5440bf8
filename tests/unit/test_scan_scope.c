/* SPDX-License-Identifier: BSD-2-Clause */
/* Unit tests for the survey scope (scan_scope): file syntax and its error
 * positions, special-purpose refusal (whole, partial, allow-reserved),
 * exclusions winning, the send gate, and the target runs, checked against
 * a brute-force walk of a small address space. */
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "ks_err.h"
#include "ks_test.h"
#include "scan_scope.h"

static struct ks_addr A(const char *s)
{
	struct ks_addr a;
	if (ks_addr_parse(s, &a) != 0) {
		fprintf(stderr, "  bad test address %s\n", s);
		ks_test_failures++;
		memset(&a, 0, sizeof a);
	}
	return a;
}

/* Builds a scope from text; excl may be NULL. Returns the parse result of
 * the first failing file, or 0 (the scope is then built). */
static int mk(struct ks_scope *s, const char *scope, const char *excl, char *err, size_t errlen)
{
	ks_scope_init(s);
	int r = ks_scope_parse(s, scope, strlen(scope), "scope.txt", err, errlen);
	if (r == 0 && excl)
		r = ks_scope_parse_exclude(s, excl, strlen(excl), "ex.txt", err, errlen);
	if (r == 0)
		ks_scope_build(s);
	return r;
}

static bool in(const struct ks_scope *s, const char *a)
{
	struct ks_addr x = A(a);
	return ks_scope_contains(s, &x);
}

KS_TEST(scope_basic_lines_orgs_and_gate)
{
	struct ks_scope s;
	char err[256] = "";
	int r = mk(&s,
		   "# lab networks\n"
		   "\n"
		   "198.18.0.0/24 lab-a allow-reserved\n"
		   "  198.18.0.128/25\tlab-b   allow-reserved # nested, more specific\r\n"
		   "8.8.8.0/30\n"
		   "9.9.9.9 quad9\n"
		   "2001:db8::/120 allow-reserved",
		   NULL, err, sizeof err);
	CHECK(r == 0);
	CHECK_EQ_U64(s.nlines, 5);
	CHECK_EQ_U64(s.nrefused, 0);
	CHECK_EQ_U64(s.in_scope, 256 + 4 + 1 + 256);
	CHECK_EQ_U64(s.ntargets, s.in_scope);
	CHECK(in(&s, "198.18.0.0") && in(&s, "198.18.0.255") && !in(&s, "198.18.1.0"));
	CHECK(in(&s, "8.8.8.3") && !in(&s, "8.8.8.4") && in(&s, "9.9.9.9") && !in(&s, "9.9.9.8"));
	CHECK(in(&s, "2001:db8::ff") && !in(&s, "2001:db8::100"));
	struct ks_addr a = A("198.18.0.200");
	CHECK(strcmp(ks_scope_org(&s, &a), "lab-b") == 0);
	a = A("198.18.0.1");
	CHECK(strcmp(ks_scope_org(&s, &a), "lab-a") == 0);
	a = A("8.8.8.1");
	CHECK(strcmp(ks_scope_org(&s, &a), "") == 0);
	a = A("1.1.1.1");
	CHECK(ks_scope_org(&s, &a) == NULL);
	CHECK(s.lines[1].line == 4 && s.lines[1].allow_reserved);
	ks_scope_release(&s);
}

KS_TEST(scope_gate_closed_before_build)
{
	struct ks_scope s;
	ks_scope_init(&s);
	CHECK(ks_scope_parse(&s, "8.8.8.0/24\n", 11, "x", NULL, 0) == 0);
	struct ks_addr a = A("8.8.8.8");
	CHECK(!ks_scope_contains(&s, &a));
	ks_scope_build(&s);
	CHECK(ks_scope_contains(&s, &a));
	ks_scope_release(&s);
	ks_scope_init(&s);
	ks_scope_build(&s); /* empty scope: nothing is contained */
	CHECK(!ks_scope_contains(&s, &a) && s.ntargets == 0);
	CHECK(ks_scope_target(&s, 0, &a) == KS_EINVAL);
	ks_scope_release(&s);
}

/* Every range the brief and RFC 6890 name is refused, as a whole line and
 * as a sub-range of it; the refusal names the line and the range. */
KS_TEST(scope_special_purpose_refused)
{
	static const char *const v[] = {
		"0.0.0.0/8", "10.0.0.0/8", "100.64.0.0/10", "127.0.0.0/8", "169.254.0.0/16",
		"172.16.0.0/12", "192.0.0.0/24", "192.0.2.0/24", "192.88.99.0/24", "192.168.0.0/16",
		"198.18.0.0/15", "198.51.100.0/24", "203.0.113.0/24", "224.0.0.0/4", "240.0.0.0/4",
		"255.255.255.255", "10.1.2.3", "172.31.255.0/24", "::1", "fe80::/112", "ff02::1",
		"fc00::/112", "2001:db8::/112", "64:ff9b::/112", "100::/112", "2002::/112"};
	for (size_t i = 0; i < sizeof v / sizeof v[0]; i++) {
		char text[80], err[128];
		struct ks_scope s;
		snprintf(text, sizeof text, "# c\n%s org-x\n", v[i]);
		CHECK(mk(&s, text, NULL, err, sizeof err) == 0);
		CHECK_EQ_U64(s.nlines, 0);
		CHECK_EQ_U64(s.nrefused, 1);
		CHECK_EQ_U64(s.ntargets, 0);
		if (s.nrefused == 1) {
			CHECK_EQ_U64(s.refused[0].line, 2);
			if (strstr(s.refused[0].why, "special-purpose") == NULL) {
				fprintf(stderr, "  %s: %s\n", v[i], s.refused[0].why);
				ks_test_failures++;
			}
		}
		ks_scope_release(&s);
	}
	/* The table itself is parseable and non-empty. */
	CHECK(ks_scope_nreserved >= 16);
}

KS_TEST(scope_partial_overlap_and_allow_reserved)
{
	struct ks_scope s;
	char err[128];
	CHECK(mk(&s,
		 "198.0.0.0/8\n"                      /* contains 198.18/15: refused */
		 "198.0.0.0/8 allow-reserved\n"       /* mixed public and reserved: refused */
		 "172.0.0.0/12\n"                     /* ends just before 172.16/12: accepted */
		 "172.0.0.0/11\n"                     /* covers it: refused */
		 "198.18.7.0/24 allow-reserved\n"     /* inside the lab range: accepted */
		 "203.0.113.0/25 allow-reserved\n"    /* inside TEST-NET-3: accepted */
		 "192.0.2.0/23 allow-reserved\n",     /* 192.0.2/24 plus public 192.0.3/24: refused */
		 NULL, err, sizeof err) == 0);
	CHECK_EQ_U64(s.nlines, 3);
	CHECK_EQ_U64(s.nrefused, 4);
	if (s.nrefused == 4) {
		CHECK(s.refused[0].line == 1 && strstr(s.refused[0].why, "198.18.0.0/15") != NULL);
		CHECK(s.refused[1].line == 2 && strstr(s.refused[1].why, "mixes") != NULL);
		CHECK(s.refused[2].line == 4 && strstr(s.refused[2].why, "172.16.0.0/12") != NULL);
		CHECK(s.refused[3].line == 7 && strstr(s.refused[3].why, "192.0.2.0/24") != NULL);
	}
	CHECK(in(&s, "172.15.255.255") && !in(&s, "172.16.0.0"));
	CHECK(in(&s, "198.18.7.9") && !in(&s, "198.18.8.9") && !in(&s, "198.1.1.1"));
	CHECK_EQ_U64(s.ntargets, (1u << 20) + 256 + 128);
	ks_scope_release(&s);
}

KS_TEST(scope_ipv6_needs_small_prefixes)
{
	struct ks_scope s;
	char err[128];
	CHECK(mk(&s, "2400:4000::/112\n2400:4000:1::/111\n2400:4000:2::7\n::/0\n", NULL, err,
		 sizeof err) == 0);
	CHECK_EQ_U64(s.nlines, 2);
	CHECK_EQ_U64(s.nrefused, 2);
	CHECK_EQ_U64(s.ntargets, 65536 + 1);
	CHECK(in(&s, "2400:4000::ffff") && in(&s, "2400:4000:2::7") && !in(&s, "2400:4000:1::1"));
	ks_scope_release(&s);
}

KS_TEST(scope_exclusions_win)
{
	struct ks_scope s;
	char err[128];
	CHECK(mk(&s, "8.8.0.0/16 isp-a\n2400:4000::/112\n",
		 "# opt-outs\n8.8.8.0/24 owner-asked\n8.8.0.0\n8.8.255.255/32\n8.8.9.0/24 x allow-reserved\n"
		 "2400:4000::/113\n",
		 err, sizeof err) == 0);
	CHECK_EQ_U64(s.nexcl, 5);
	CHECK_EQ_U64(s.in_scope, 65536 + 65536);
	CHECK_EQ_U64(s.ntargets, 65536 - 512 - 2 + 32768);
	CHECK(!in(&s, "8.8.8.8") && !in(&s, "8.8.0.0") && in(&s, "8.8.0.1") && !in(&s, "8.8.9.1"));
	CHECK(in(&s, "8.8.10.0") && !in(&s, "8.8.255.255") && in(&s, "8.8.255.254"));
	CHECK(!in(&s, "2400:4000::1") && in(&s, "2400:4000::8000"));
	struct ks_addr a = A("8.8.8.8");
	CHECK(ks_scope_org(&s, &a) == NULL);
	ks_scope_release(&s);

	/* An exclusion shorter than /96 removes whole runs, IPv4 included. */
	CHECK(mk(&s, "8.8.0.0/16\n2400:4000::/112\n", "::/0\n", err, sizeof err) == 0);
	CHECK_EQ_U64(s.ntargets, 0);
	CHECK(!in(&s, "8.8.1.1") && !in(&s, "2400:4000::1"));
	ks_scope_release(&s);
	CHECK(mk(&s, "8.8.0.0/16\n2400:4000::/112\n", "2400::/12\n", err, sizeof err) == 0);
	CHECK_EQ_U64(s.ntargets, 65536);
	ks_scope_release(&s);
}

static bool err_is(const char *scope, int want_r, const char *want)
{
	struct ks_scope s;
	char err[256] = "";
	int r = mk(&s, scope, NULL, err, sizeof err);
	bool ok = r == want_r && strstr(err, want) != NULL && s.nlines == 0 && s.nrefused == 0;
	if (!ok)
		fprintf(stderr, "  r=%d err=\"%s\", expected %d \"%s\"\n", r, err, want_r, want);
	ks_scope_release(&s);
	return ok;
}

/* Syntax errors name file:line:column and what was expected; nothing of
 * the file is applied, not even the good lines before the bad one. */
KS_TEST(scope_syntax_errors_named)
{
	CHECK(err_is("8.8.8.0/24\n1.2.3.4/24\n", KS_EINVAL, "scope.txt:2:1: bad prefix '1.2.3.4/24'"));
	CHECK(err_is("8.8.8.0/24\n  garbage here\n", KS_EINVAL, "scope.txt:2:3: bad prefix 'garbage'"));
	CHECK(err_is("8.8.8.0/33\n", KS_EINVAL, "expected CIDR like 192.0.2.0/24"));
	CHECK(err_is("8.8.8.0/24 org!x\n", KS_EINVAL, "scope.txt:1:12: bad organisation id 'org!x'"));
	CHECK(err_is("8.8.8.0/24 a b\n", KS_EINVAL,
		     "scope.txt:1:14: unexpected 'b'; expected allow-reserved or end of line"));
	CHECK(err_is("8.8.8.0/24 allow-reserved allow-reserved\n", KS_EINVAL,
		     "1:27: allow-reserved given twice"));
	CHECK(err_is("8.8.8.0/24 a allow-reserved x y\n", KS_EINVAL, "1:29: unexpected 'x'; expected end of line"));
	CHECK(err_is("8.8.8.0/24\n8.8.\x01.0\n", KS_EINVAL, "scope.txt:2:5: unexpected byte 0x01"));
	CHECK(err_is("8.8.8.0/24 \xe6\x97\xa5\n", KS_EINVAL, "1:12: unexpected byte 0xe6"));
	/* Comments may hold any text, UTF-8 included. */
	struct ks_scope s;
	char err[256] = "";
	CHECK(mk(&s, "8.8.8.0/24 # \xe6\x97\xa5\xe6\x9c\xac \x01\n", NULL, err, sizeof err) == 0);
	CHECK_EQ_U64(s.ntargets, 256);
	ks_scope_release(&s);
	char *big = malloc(KS_SCOPE_LINE_MAX + 40);
	memset(big, ' ', KS_SCOPE_LINE_MAX + 20);
	memcpy(big, "8.8.8.8", 7);
	memcpy(big + KS_SCOPE_LINE_MAX + 20, "\n", 2);
	CHECK(err_is(big, KS_EINVAL, "scope.txt:1:1025: line longer than 1024 bytes"));
	free(big);
	/* Exclusion files are named too. */
	CHECK(mk(&s, "8.8.8.0/24\n", "# x\nnope\n", err, sizeof err) == KS_EINVAL);
	CHECK(strstr(err, "ex.txt:2:1: bad prefix 'nope'") != NULL);
	ks_scope_release(&s);
}

/* Enumerating the targets by index gives exactly the addresses the gate
 * admits, each once, in address order: random scopes and exclusions in
 * 198.18.0.0/20 (allow-reserved) compared with a walk of the whole /20. */
KS_TEST(scope_targets_match_gate)
{
	uint64_t seed = 12345;
	for (int round = 0; round < 40; round++) {
		char sc[4096], ex[4096];
		size_t ns = 0, ne = 0;
		for (int i = 0; i < 1 + round % 7; i++) {
			seed = seed * 6364136223846793005ull + 1442695040888963407ull;
			unsigned len = 20 + (unsigned)(seed >> 60) % 13, host = (unsigned)(seed >> 20) & 0xfff;
			host &= ~((1u << (32 - len)) - 1) & 0xfff;
			ns += (size_t)snprintf(sc + ns, sizeof sc - ns, "198.18.%u.%u/%u allow-reserved\n",
					       host >> 8, host & 0xff, len);
		}
		for (int i = 0; i < round % 5; i++) {
			seed = seed * 6364136223846793005ull + 1442695040888963407ull;
			unsigned len = 22 + (unsigned)(seed >> 60) % 11, host = (unsigned)(seed >> 20) & 0xfff;
			host &= ~((1u << (32 - len)) - 1) & 0xfff;
			ne += (size_t)snprintf(ex + ne, sizeof ex - ne, "198.18.%u.%u/%u\n", host >> 8,
					       host & 0xff, len);
		}
		sc[ns] = ex[ne] = '\0';
		struct ks_scope s;
		char err[256];
		CHECK(mk(&s, sc, ex, err, sizeof err) == 0);
		uint64_t want = 0, k = 0;
		int bad = 0;
		for (uint32_t v = 0xc6120000; v < 0xc6121000; v++) {
			struct ks_addr a, t;
			ks_addr_from_v4(&a, v);
			if (!ks_scope_contains(&s, &a))
				continue;
			want++;
			if (ks_scope_target(&s, k++, &t) != 0 || memcmp(&a, &t, sizeof a) != 0)
				bad++;
		}
		CHECK_EQ_U64(s.ntargets, want);
		CHECK_EQ_U64(bad, 0);
		ks_scope_release(&s);
	}
}

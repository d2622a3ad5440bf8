/* SPDX-License-Identifier: BSD-2-Clause */
/* Unit tests for survey port lists (scan_ports): syntax, the default list,
 * merging, UDP probes, and errors with their column. */
#include <string.h>

#include "ks_err.h"
#include "ks_test.h"
#include "scan_ports.h"

static int n_udp(const struct ks_ports *p)
{
	int n = 0;
	for (size_t i = 0; i < p->n; i++)
		n += p->v[i].proto == KS_PROTO_UDP;
	return n;
}

KS_TEST(ports_syntax_and_default)
{
	struct ks_ports p;
	char err[200];
	ks_ports_init(&p);
	CHECK(ks_ports_parse(&p, "default", err, sizeof err) == 0);
	CHECK_EQ_U64(p.n, 20);
	CHECK_EQ_U64(n_udp(&p), 4);
	static const unsigned want_tcp[] = {21, 22, 23, 80, 81, 443, 554, 1883, 2323, 5555, 7547,
					    8000, 8080, 8081, 8443, 37777};
	for (size_t i = 0; i < 16 && i < p.n; i++)
		CHECK(p.v[i].port == want_tcp[i] && p.v[i].proto == KS_PROTO_TCP);
	CHECK(p.v[16].port == 53 && p.v[19].port == 5683 && p.v[19].proto == KS_PROTO_UDP);
	CHECK(ks_ports_parse(&p, "22, 80,8000-8100,t:22,U:53,u:123", err, sizeof err) == 0);
	CHECK_EQ_U64(p.n, 2 + 101 + 2);
	CHECK(p.v[0].port == 22 && p.v[2].port == 8000 && p.v[102].port == 8100);
	char b[16];
	CHECK(strcmp(ks_port_format(&p.v[103], b, sizeof b), "53/udp") == 0);
	CHECK(strcmp(ks_port_module(&p.v[103]), "udp-dns") == 0);
	CHECK(strcmp(ks_port_module(&p.v[0]), "tcp-syn") == 0);
	CHECK(ks_ports_parse(&p, "default,22,1-65535", err, sizeof err) == 0);
	CHECK_EQ_U64(p.n, 65535 + 4);
	ks_ports_release(&p);
}

static int bad(const char *text, const char *want)
{
	struct ks_ports p;
	char err[200] = "";
	ks_ports_init(&p);
	int r = ks_ports_parse(&p, text, err, sizeof err);
	int ok = r == KS_EINVAL && p.n == 0 && strstr(err, want) != NULL;
	if (!ok)
		fprintf(stderr, "  '%s': r=%d err=\"%s\", expected \"%s\"\n", text, r, err, want);
	ks_ports_release(&p);
	return ok;
}

KS_TEST(ports_errors)
{
	CHECK(bad("", "column 1: bad port"));
	CHECK(bad("22,", "column 4: bad port"));
	CHECK(bad("0", "column 1: bad port"));
	CHECK(bad("65536", "column 1: bad port"));
	CHECK(bad("80-22", "column 4: bad end of range"));
	CHECK(bad("22;80", "column 3: unexpected ';'"));
	CHECK(bad("U:54", "no UDP probe for port 54"));
	CHECK(bad("U:50-60", "no UDP probe for port 50"));
	CHECK(bad("defaults", "column 1: bad port"));
	CHECK(bad("x:22", "column 1: bad port"));
}

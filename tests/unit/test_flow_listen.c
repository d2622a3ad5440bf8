/* SPDX-License-Identifier: BSD-2-Clause */
/* Unit tests for the collector's UDP socket (flow_listen.h): address
 * parsing, binding a free loopback port, batched receive with the sender's
 * address, and the drop counter staying 0 when nothing overflows. Traffic
 * goes to 127.0.0.1 only. */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "flow_listen.h"
#include "ks_err.h"
#include "ks_test.h"

KS_TEST(flow_listen_parse_forms)
{
	struct ks_addr a;
	int any = -1;
	uint16_t port = 0;
	char err[256];
	CHECK_EQ_U64(ks_flow_listen_parse("127.0.0.1:2055", &a, &any, &port, err, sizeof err), 0);
	CHECK_EQ_U64(port, 2055);
	CHECK_EQ_U64(any, 0);
	CHECK(ks_addr_is_v4(&a) && ks_addr_v4(&a) == 0x7f000001);
	CHECK_EQ_U64(ks_flow_listen_parse("[::1]:4739", &a, &any, &port, err, sizeof err), 0);
	CHECK_EQ_U64(port, 4739);
	CHECK(!ks_addr_is_v4(&a) && a.b[15] == 1);
	CHECK_EQ_U64(ks_flow_listen_parse(":9995", &a, &any, &port, err, sizeof err), 0);
	CHECK_EQ_U64(any, 1);
	CHECK_EQ_U64(port, 9995);
	static const char *const badv[] = {"127.0.0.1", "127.0.0.1:", "127.0.0.1:65536", "::1:2055",
					   "host:2055", "1.2.3.4:2x", "[::1:2055", ""};
	for (size_t i = 0; i < sizeof badv / sizeof badv[0]; i++) {
		err[0] = 0;
		CHECK_EQ_U64(ks_flow_listen_parse(badv[i], &a, &any, &port, err, sizeof err),
			     (uint64_t)(int64_t)KS_EINVAL);
		CHECK(strstr(err, "listen address") != NULL);
	}
}

struct got {
	int n;
	size_t bytes;
	uint16_t port;
	struct ks_addr from;
};
static int on_dgram(void *ctx, const struct ks_addr *from, uint16_t port, const uint8_t *p, size_t n)
{
	struct got *g = ctx;
	g->n++;
	g->bytes += n;
	g->port = port;
	g->from = *from;
	if (n && p[0] != (uint8_t)n)
		return KS_EINVAL; /* payload not what was sent */
	return 0;
}

KS_TEST(flow_listen_receives_batches_on_loopback)
{
	struct ks_flow_listen *l = NULL;
	char err[256] = "";
	int r = ks_flow_listen_open("127.0.0.1:0", 1 << 20, &l, err, sizeof err);
	CHECK_EQ_U64(r, 0);
	if (!l) {
		fprintf(stderr, "  %s\n", err);
		return;
	}
	const char *name = ks_flow_listen_name(l);
	CHECK(strncmp(name, "127.0.0.1:", 10) == 0);
	unsigned port = (unsigned)strtoul(name + 10, NULL, 10);
	CHECK(port > 0);
	CHECK(ks_flow_listen_rcvbuf(l) > 0);

	int s = socket(AF_INET, SOCK_DGRAM, 0);
	struct sockaddr_in me = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(0x7f000001)};
	struct sockaddr_in to = me;
	to.sin_port = htons((uint16_t)port);
	CHECK(bind(s, (struct sockaddr *)&me, sizeof me) == 0);
	socklen_t ml = sizeof me;
	CHECK(getsockname(s, (struct sockaddr *)&me, &ml) == 0);
	uint8_t buf[200];
	size_t sent = 0;
	for (int i = 1; i <= 100; i++) {
		memset(buf, i, (size_t)i);
		CHECK(sendto(s, buf, (size_t)i, 0, (struct sockaddr *)&to, sizeof to) == i);
		sent += (size_t)i;
	}
	close(s);
	/* loopback delivery is complete when sendto returns */
	struct got g = {0};
	while (g.n < 100) {
		int n = ks_flow_listen_recv(l, 0, on_dgram, &g);
		CHECK(n >= 0);
		if (n <= 0)
			break;
		CHECK(n <= 64);
	}
	CHECK_EQ_U64(g.n, 100);
	CHECK_EQ_U64(g.bytes, sent);
	CHECK_EQ_U64(g.port, ntohs(me.sin_port));
	CHECK(ks_addr_is_v4(&g.from) && ks_addr_v4(&g.from) == 0x7f000001);
	CHECK_EQ_U64(ks_flow_listen_recv(l, 0, on_dgram, &g), 0); /* nothing left */
	CHECK_EQ_U64(ks_flow_listen_drops(l), 0);
	ks_flow_listen_close(l);

	/* a port in use is an error naming the address */
	struct ks_flow_listen *a = NULL, *b = NULL;
	CHECK_EQ_U64(ks_flow_listen_open("127.0.0.1:0", 0, &a, err, sizeof err), 0);
	if (a) {
		char spec[64];
		snprintf(spec, sizeof spec, "%s", ks_flow_listen_name(a));
		CHECK_EQ_U64(ks_flow_listen_open(spec, 0, &b, err, sizeof err), (uint64_t)(int64_t)KS_ESYS);
		CHECK(b == NULL);
		CHECK(strstr(err, spec) != NULL);
		ks_flow_listen_close(a);
	}
}

/* SPDX-License-Identifier: BSD-2-Clause */
/* nf_encode: structure of the datagrams (lengths, counts, sequence numbers,
 * template placement, times). The round trip through the decoder is tested
 * with the decoder. */
#include <string.h>

#include "ks_err.h"
#include "ks_rd.h"
#include "ks_test.h"
#include "nf_encode.h"

#define BOOT_MS 1793577600000LL /* 2026-11-02T00:00:00Z */

static void make_flows(struct ks_flow *f, size_t n)
{
	memset(f, 0, n * sizeof(*f));
	for (size_t i = 0; i < n; i++) {
		ks_addr_from_v4(&f[i].src, 0xc6336400u + (uint32_t)(i % 200)); /* 198.51.100.x */
		ks_addr_from_v4(&f[i].dst, 0xc6130000u + (uint32_t)i);         /* 198.19.x.y */
		f[i].first_ms = BOOT_MS + 60000 + (int64_t)i * 10;
		f[i].last_ms = f[i].first_ms + 500;
		f[i].packets = i + 1;
		f[i].bytes = 100 * (i + 1);
		f[i].sport = (uint16_t)(40000 + i);
		f[i].dport = 443;
		f[i].proto = 6;
		f[i].tcp_flags = 0x1b;
		f[i].sampling = 1;
	}
}

/* Encodes all n flows; returns the number of datagrams and checks each. */
static size_t encode_all(int version, const struct ks_flow *f, size_t n, uint32_t every)
{
	struct ks_nf_enc e;
	CHECK_EQ_U64(ks_nf_enc_init(&e, version, 7, BOOT_MS), 0);
	e.template_every = every;
	uint8_t buf[2048];
	size_t done = 0, dg = 0;
	uint64_t seq_expect = 0;
	while (done < n) {
		int tmpl = ks_nf_enc_next_has_template(&e);
		size_t used = 0, len = 0;
		int64_t exp = f[done].last_ms + 15000;
		int r = ks_nf_enc_datagram(&e, f + done, n - done, exp, buf, sizeof(buf), &used, &len);
		CHECK_EQ_U64(r, 0);
		if (r != 0)
			break;
		CHECK(used >= 1);
		struct ks_rd rd = ks_rd_make(buf, len);
		CHECK_EQ_U64(ks_rd_be16(&rd), (uint64_t)version);
		if (version == 5) {
			CHECK(used <= KS_NF_V5_MAX_FLOWS);
			CHECK_EQ_U64(len, KS_NF_V5_HDR + used * KS_NF_V5_REC);
			CHECK_EQ_U64(ks_rd_be16(&rd), used);
			CHECK_EQ_U64(ks_rd_be32(&rd), (uint64_t)(exp - BOOT_MS)); /* sysUpTime */
			CHECK_EQ_U64(ks_rd_be32(&rd), (uint64_t)(exp / 1000));
			ks_rd_skip(&rd, 4);
			CHECK_EQ_U64(ks_rd_be32(&rd), seq_expect); /* flows before */
			seq_expect += used;
			ks_rd_skip(&rd, 4);
			/* first record: addresses, counts, First/Last relative to boot */
			CHECK_EQ_U64(ks_rd_be32(&rd), ks_addr_v4(&f[done].src));
			CHECK_EQ_U64(ks_rd_be32(&rd), ks_addr_v4(&f[done].dst));
			ks_rd_skip(&rd, 8);
			CHECK_EQ_U64(ks_rd_be32(&rd), f[done].packets);
			CHECK_EQ_U64(ks_rd_be32(&rd), f[done].bytes);
			CHECK_EQ_U64(ks_rd_be32(&rd), (uint64_t)(f[done].first_ms - BOOT_MS));
			CHECK_EQ_U64(ks_rd_be32(&rd), (uint64_t)(f[done].last_ms - BOOT_MS));
		} else {
			size_t rec = version == 9 ? KS_NF_V9_REC : KS_NF_IPFIX_REC;
			uint16_t count_or_len = ks_rd_be16(&rd);
			if (version == 9) {
				CHECK_EQ_U64(count_or_len, used + (tmpl ? 1 : 0));
				CHECK_EQ_U64(ks_rd_be32(&rd), (uint64_t)(exp - BOOT_MS));
				CHECK_EQ_U64(ks_rd_be32(&rd), (uint64_t)(exp / 1000));
				CHECK_EQ_U64(ks_rd_be32(&rd), dg); /* packets before */
			} else {
				CHECK_EQ_U64(count_or_len, len);
				CHECK_EQ_U64(ks_rd_be32(&rd), (uint64_t)(exp / 1000));
				CHECK_EQ_U64(ks_rd_be32(&rd), seq_expect); /* data records before */
				seq_expect += used;
			}
			CHECK_EQ_U64(ks_rd_be32(&rd), 7); /* source id / observation domain */
			CHECK(len <= KS_NF_MTU_DEFAULT);
			CHECK_EQ_U64(tmpl, dg % every == 0);
			if (tmpl) {
				CHECK_EQ_U64(ks_rd_be16(&rd), version == 9 ? 0 : 2);
				uint16_t sl = ks_rd_be16(&rd);
				CHECK_EQ_U64(sl, 48);
				CHECK_EQ_U64(ks_rd_be16(&rd), KS_NF_TEMPLATE_ID);
				CHECK_EQ_U64(ks_rd_be16(&rd), 10);
				size_t sum = 0;
				for (int i = 0; i < 10; i++) {
					ks_rd_skip(&rd, 2);
					sum += ks_rd_be16(&rd);
				}
				CHECK_EQ_U64(sum, rec);
			}
			CHECK_EQ_U64(ks_rd_be16(&rd), KS_NF_TEMPLATE_ID);
			uint16_t sl = ks_rd_be16(&rd);
			size_t data = 4 + used * rec;
			CHECK_EQ_U64(sl, version == 9 ? (data + 3) / 4 * 4 : data);
			CHECK_EQ_U64(ks_rd_off(&rd) - 4 + sl, len); /* the data set ends the datagram */
			CHECK_EQ_U64(ks_rd_be32(&rd), ks_addr_v4(&f[done].src));
			CHECK_EQ_U64(ks_rd_be32(&rd), ks_addr_v4(&f[done].dst));
			CHECK_EQ_U64(ks_rd_be16(&rd), f[done].sport);
			CHECK_EQ_U64(ks_rd_be16(&rd), f[done].dport);
			CHECK_EQ_U64(ks_rd_u8(&rd), 6);
			CHECK_EQ_U64(ks_rd_u8(&rd), 0x1b);
			if (version == 9) {
				CHECK_EQ_U64(ks_rd_be32(&rd), f[done].packets);
				CHECK_EQ_U64(ks_rd_be32(&rd), f[done].bytes);
				CHECK_EQ_U64(ks_rd_be32(&rd), (uint64_t)(f[done].first_ms - BOOT_MS));
				CHECK_EQ_U64(ks_rd_be32(&rd), (uint64_t)(f[done].last_ms - BOOT_MS));
			} else {
				CHECK_EQ_U64(ks_rd_be64(&rd), f[done].packets);
				CHECK_EQ_U64(ks_rd_be64(&rd), f[done].bytes);
				CHECK_EQ_U64(ks_rd_be64(&rd), (uint64_t)f[done].first_ms);
				CHECK_EQ_U64(ks_rd_be64(&rd), (uint64_t)f[done].last_ms);
			}
		}
		CHECK_EQ_U64(ks_rd_err(&rd), 0);
		done += used;
		dg++;
	}
	CHECK_EQ_U64(e.flows, n);
	CHECK_EQ_U64(e.datagrams, dg);
	return dg;
}

KS_TEST(nf_encode_v5_counts_and_sequence)
{
	static struct ks_flow f[100];
	make_flows(f, 100);
	CHECK_EQ_U64(encode_all(5, f, 100, 1), 4); /* 30 + 30 + 30 + 10 */
}

KS_TEST(nf_encode_v9_templates_and_sequence)
{
	static struct ks_flow f[1000];
	make_flows(f, 1000);
	/* 45 records per datagram (1400-byte limit), 44 with the template. */
	size_t dg = encode_all(9, f, 1000, 5);
	CHECK(dg >= 1000 / 45 && dg <= 1000 / 44 + 1);
	encode_all(9, f, 7, 1);
}

KS_TEST(nf_encode_ipfix_templates_and_sequence)
{
	static struct ks_flow f[1000];
	make_flows(f, 1000);
	size_t dg = encode_all(10, f, 1000, 3);
	CHECK(dg >= 1000 / 29 && dg <= 1000 / 28 + 1);
}

KS_TEST(nf_encode_rejects)
{
	struct ks_nf_enc e;
	CHECK_EQ_U64(ks_nf_enc_init(&e, 8, 0, 0), (uint64_t)KS_EINVAL);
	struct ks_flow f[2];
	make_flows(f, 2);
	uint8_t buf[2048];
	size_t used = 99, len = 99;
	CHECK_EQ_U64(ks_nf_enc_init(&e, 9, 1, BOOT_MS), 0);
	CHECK_EQ_U64(ks_nf_enc_datagram(&e, f, 0, BOOT_MS, buf, sizeof(buf), &used, &len),
		     (uint64_t)KS_EINVAL);
	/* a flow before the exporter's boot cannot be expressed in sysUpTime */
	f[1].first_ms = BOOT_MS - 1;
	CHECK_EQ_U64(ks_nf_enc_datagram(&e, f, 2, BOOT_MS + 1000, buf, sizeof(buf), &used, &len),
		     (uint64_t)KS_EINVAL);
	make_flows(f, 2);
	f[0].bytes = 1ULL << 32; /* does not fit IN_BYTES/4 */
	CHECK_EQ_U64(ks_nf_enc_datagram(&e, f, 2, BOOT_MS + 1000, buf, sizeof(buf), &used, &len),
		     (uint64_t)KS_EINVAL);
	struct ks_addr a6;
	CHECK_EQ_U64(ks_addr_parse("2001:db8::1", &a6), 0);
	make_flows(f, 2);
	f[0].src = a6;
	CHECK_EQ_U64(ks_nf_enc_datagram(&e, f, 2, BOOT_MS + 1000, buf, sizeof(buf), &used, &len),
		     (uint64_t)KS_EINVAL);
	make_flows(f, 2);
	CHECK_EQ_U64(ks_nf_enc_datagram(&e, f, 2, BOOT_MS + 1000, buf, 40, &used, &len),
		     (uint64_t)KS_ELIMIT);
	CHECK_EQ_U64(e.datagrams, 0);
	CHECK_EQ_U64(e.seq, 0);
	/* ok: 2 flows; IPFIX allows 64-bit counts */
	CHECK_EQ_U64(ks_nf_enc_init(&e, 10, 1, BOOT_MS), 0);
	f[0].bytes = 1ULL << 40;
	CHECK_EQ_U64(ks_nf_enc_datagram(&e, f, 2, BOOT_MS + 1000, buf, sizeof(buf), &used, &len), 0);
	CHECK_EQ_U64(used, 2);
	CHECK_EQ_U64(e.seq, 2);
}

KS_TEST(nf_encode_patch)
{
	static const int versions[3] = {5, 9, 10};
	struct ks_flow f[3];
	make_flows(f, 3);
	for (int v = 0; v < 3; v++) {
		struct ks_nf_enc e;
		uint8_t buf[2048];
		size_t used, len;
		CHECK_EQ_U64(ks_nf_enc_init(&e, versions[v], 1, BOOT_MS), 0);
		CHECK_EQ_U64(ks_nf_enc_datagram(&e, f, 3, BOOT_MS + 90000, buf, sizeof(buf), &used, &len), 0);
		CHECK_EQ_U64(ks_nf_enc_patch(buf, len, 12345, BOOT_MS + 500250), 0);
		struct ks_rd rd = ks_rd_make(buf, len);
		ks_rd_skip(&rd, 4);
		if (versions[v] != 10)
			ks_rd_skip(&rd, 4);
		CHECK_EQ_U64(ks_rd_be32(&rd), (uint64_t)((BOOT_MS + 500250) / 1000));
		if (versions[v] == 5)
			CHECK_EQ_U64(ks_rd_be32(&rd), 250000000u);
		CHECK_EQ_U64(ks_rd_be32(&rd), 12345);
	}
	uint8_t junk[24] = {0, 7};
	CHECK_EQ_U64(ks_nf_enc_patch(junk, sizeof(junk), 1, 0), (uint64_t)KS_EINVAL);
}

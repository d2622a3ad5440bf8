/* SPDX-License-Identifier: BSD-2-Clause */
/* Fuzz target for the flow segment reader (flow_seg_codec.c), a parser of
 * untrusted bytes. Each input is read three ways:
 *
 *   1. as a segment file, as is;
 *   2. as a segment file whose header and block checksums are first made
 *      right, so mutations get past the checksums into the block parser;
 *   3. as the raw columns of one block of n flows (n from the first two
 *      bytes), compressed and wrapped in a valid file here, so the column
 *      decoder sees arbitrary bytes without the fuzzer having to produce
 *      zstd frames.
 *
 * Whatever decodes is encoded again and must decode to the same flows, and
 * no more flows may come out than the header declares. Any disagreement
 * aborts, so libFuzzer keeps the input. */
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <xxhash.h>
#include <zstd.h>

#include "flow_seg_int.h"
#include "ks_err.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define SEG_MAX_INPUT (1 << 20)
#define KEEP 4096

static void check(bool ok)
{
	if (!ok)
		abort();
}

static void put_le(uint8_t *p, uint64_t v, unsigned w)
{
	for (unsigned i = 0; i < w; i++)
		p[i] = (uint8_t)(v >> (8 * i));
}

static uint64_t get_le(const uint8_t *p, unsigned w)
{
	uint64_t v = 0;
	for (unsigned i = 0; i < w; i++)
		v |= (uint64_t)p[i] << (8 * i);
	return v;
}

struct got {
	struct ks_flow v[KEEP];
	size_t n, total;
};

static int keep_fn(void *ctx, const struct ks_flow *f)
{
	struct got *g = ctx;
	check(f->pad[0] == 0 && f->pad[1] == 0);
	if (g->n < KEEP)
		g->v[g->n++] = *f;
	g->total++;
	return 0;
}

static struct got g1, g2;

/* Reads buf; when it decodes, re-encodes what came out and compares. */
static void read_and_round_trip(const uint8_t *buf, size_t len)
{
	char err[256];
	struct ks_seg_info info;
	memset(&info, 0, sizeof info);
	g1.n = g1.total = 0;
	int rc = ks_seg_read_mem(buf, len, 0, 0, NULL, keep_fn, &g1, &info, err, sizeof err);
	check(rc == 0 || rc == KS_EINVAL || rc == KS_ETRUNC || rc == KS_ENOMEM);
	if (rc != 0) {
		check(strncmp(err, "offset ", 7) == 0 || rc == KS_ENOMEM);
		return;
	}
	check(g1.total == info.flows);
	if (g1.n == 0 || g1.n != g1.total)
		return;
	struct ks_seg_enc e;
	if (ks_seg_enc_init(&e) != 0)
		return;
	if (ks_seg_encode(&e, g1.v, g1.n, 100, 1) == 0) {
		g2.n = g2.total = 0;
		rc = ks_seg_read_mem(e.out, e.outlen, 0, 0, NULL, keep_fn, &g2, NULL, err, sizeof err);
		check(rc == 0 && g2.n == g1.n);
		check(memcmp(g1.v, g2.v, g1.n * sizeof(g1.v[0])) == 0);
	}
	ks_seg_enc_release(&e);
}

/* Mode 2: recomputes the checksums of a copy wherever lengths allow. */
static void fix_checksums(uint8_t *b, size_t len)
{
	if (len < KS_SEG_HDR_LEN)
		return;
	memcpy(b, KS_SEG_MAGIC, 8);
	put_le(b + 56, XXH3_64bits(b, 56), 8);
	size_t off = KS_SEG_HDR_LEN;
	while (len - off >= KS_SEG_BLK_HDR_LEN) {
		uint8_t *h = b + off;
		uint64_t clen = get_le(h + 8, 4);
		size_t avail = len - off - KS_SEG_BLK_HDR_LEN;
		if (clen > avail)
			clen = avail;
		put_le(h + 16, XXH3_64bits(h + KS_SEG_BLK_HDR_LEN, clen), 8);
		put_le(h + 24, XXH3_64bits(h, 24), 8);
		off += KS_SEG_BLK_HDR_LEN + clen;
	}
}

/* Mode 3: raw columns of n flows wrapped in a valid one-block file. */
static void wrap_raw(const uint8_t *data, size_t size)
{
	if (size < 2)
		return;
	uint32_t n = (uint32_t)(get_le(data, 2) % 600) + 1;
	const uint8_t *raw = data + 2;
	size_t rawlen = size - 2;
	size_t cap = ZSTD_compressBound(rawlen);
	uint8_t *f = malloc(KS_SEG_HDR_LEN + KS_SEG_BLK_HDR_LEN + cap);
	if (!f)
		return;
	uint8_t *h = f + KS_SEG_HDR_LEN, *comp = h + KS_SEG_BLK_HDR_LEN;
	size_t clen = ZSTD_compress(comp, cap, raw, rawlen, 1);
	if (ZSTD_isError(clen)) {
		free(f);
		return;
	}
	memset(f, 0, KS_SEG_HDR_LEN);
	memcpy(f, KS_SEG_MAGIC, 8);
	put_le(f + 8, KS_SEG_VERSION, 2);
	put_le(f + 10, KS_SEG_HDR_LEN, 2);
	put_le(f + 12, 1, 4);
	put_le(f + 16, n, 8);
	put_le(f + 56, XXH3_64bits(f, 56), 8);
	put_le(h, n, 4);
	put_le(h + 4, rawlen, 4);
	put_le(h + 8, clen, 4);
	put_le(h + 12, 0, 4);
	put_le(h + 16, XXH3_64bits(comp, clen), 8);
	put_le(h + 24, XXH3_64bits(h, 24), 8);
	read_and_round_trip(f, KS_SEG_HDR_LEN + KS_SEG_BLK_HDR_LEN + clen);
	free(f);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size > SEG_MAX_INPUT)
		return 0;
	read_and_round_trip(data, size);
	uint8_t *copy = malloc(size ? size : 1);
	if (!copy)
		return 0;
	memcpy(copy, data, size);
	fix_checksums(copy, size);
	read_and_round_trip(copy, size);
	free(copy);
	wrap_raw(data, size);
	return 0;
}

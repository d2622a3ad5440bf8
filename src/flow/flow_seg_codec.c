/* SPDX-License-Identifier: BSD-2-Clause */
/* The byte format of one flow segment file (docs/formats.md, "Flow
 * segments"): encoding a run of flows into a file image, and parsing an
 * image back (untrusted bytes: every read goes through ks_rd).
 *
 *   file   = header(64) block*
 *   header = "KSFLOWSG" version(2) hdrlen(2) blocks(4) flows(8)
 *            min_first(8) max_first(8) max_last(8) reserved(8) xxh3(8)
 *   block  = nflows(4) rawlen(4) complen(4) reserved(4) xxh3(comp)(8)
 *            xxh3(block header 0..24)(8) comp[complen]      (one zstd frame)
 *   raw    = column{12}, column = enc(1) width(1) base(8) value{nflows}
 *            (enc 3: kind(1){nflows} then each address in 4 or 16 bytes)
 *
 * All integers little-endian. A column holds n values of `width` bytes
 * (0, 1, 2, 4 or 8; 4 or 16 for addresses): base + value (enc 0), running
 * sum of zigzag deltas starting at base (enc 1), IPv4-mapped addresses as
 * their last four bytes (enc 2), or mixed addresses (enc 3): a kind byte
 * per address, 4 (IPv4-mapped, last four bytes) or 16, then the addresses.
 * Blocks are rebuilt KS_SEG_CHUNK flows at a time, so the flows being
 * built and the column values in flight stay in the first-level cache. The writer picks,
 * per block and column, whichever of enc 0 and 1 is narrower, so constant
 * columns (sampling, exporter) cost nothing and timestamps cost their gaps. */
#include "flow_seg_int.h"

#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <xxhash.h>
#include <zstd.h>

#include "flow_filter.h"
#include "ks_err.h"
#include "ks_rd.h"

enum { ENC_BASE = 0, ENC_DELTA = 1, ENC_V4 = 2, ENC_MIXED = 3 };

/* Columns in file order, and the widest width each accepts. */
enum { C_FIRST, C_DUR, C_PKTS, C_BYTES, C_EXPORTER, C_SAMPLING, C_SPORT, C_DPORT, C_PROTO,
       C_FLAGS, C_SRC, C_DST };
static const unsigned col_max_width[KS_SEG_NCOLS] = {8, 8, 8, 8, 4, 4, 2, 2, 1, 1, 16, 16};
static const char *const col_name[KS_SEG_NCOLS] = {
	"first_ms", "duration", "packets", "bytes", "exporter", "sampling",
	"sport", "dport", "proto", "tcp_flags", "src", "dst"};

static inline void put_le(uint8_t *p, uint64_t v, unsigned w)
{
	for (unsigned i = 0; i < w; i++)
		p[i] = (uint8_t)(v >> (8 * i));
}

static inline uint64_t rd_le64(struct ks_rd *r)
{
	uint64_t lo = ks_rd_le32(r);
	return lo | (uint64_t)ks_rd_le32(r) << 32;
}

static inline uint64_t zigzag(int64_t v) { return ((uint64_t)v << 1) ^ (uint64_t)(v >> 63); }
static inline int64_t unzigzag(uint64_t v) { return (int64_t)(v >> 1) ^ -(int64_t)(v & 1); }

static unsigned width_of(uint64_t max)
{
	return max == 0 ? 0 : max <= 0xff ? 1 : max <= 0xffff ? 2 : max <= 0xffffffffu ? 4 : 8;
}

static int grow(void **p, size_t *cap, size_t need, size_t elem)
{
	if (need <= *cap)
		return 0;
	size_t nc = *cap ? *cap : 4096;
	while (nc < need)
		nc *= 2;
	void *q = reallocarray(*p, nc, elem);
	if (!q)
		return KS_ENOMEM;
	*p = q;
	*cap = nc;
	return 0;
}

/* ------------------------------------------------------------------------ */
/* Encoding                                                                  */

int ks_seg_enc_init(struct ks_seg_enc *e)
{
	memset(e, 0, sizeof(*e));
	e->zc = ZSTD_createCCtx();
	return e->zc ? 0 : KS_ENOMEM;
}

void ks_seg_enc_release(struct ks_seg_enc *e)
{
	ZSTD_freeCCtx(e->zc);
	free(e->tmp);
	free(e->raw);
	free(e->addr);
	free(e->out);
	memset(e, 0, sizeof(*e));
}

/* Stores the low w bytes of x little-endian (w a constant after inlining). */
static inline void st_le(uint8_t *q, uint64_t x, unsigned w)
{
#if __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
	memcpy(q, &x, w);
#else
	put_le(q, x, w);
#endif
}

#define PUT_LOOP(W)                                                                      \
	for (size_t i = 0; i < n; i++) {                                                 \
		uint64_t x = delta ? zigzag((int64_t)(v[i] - prev)) : v[i] - base;       \
		prev = v[i];                                                             \
		st_le(q, x, W);                                                          \
		q += W;                                                                  \
	}

/* Writes the numeric column v[0..n) at p; returns the bytes written. */
static size_t put_num(uint8_t *p, const uint64_t *v, size_t n)
{
	uint64_t min = v[0], max = v[0], dmax = 0, prev = v[0];
	for (size_t i = 0; i < n; i++) {
		uint64_t d = zigzag((int64_t)(v[i] - prev));
		prev = v[i];
		min = v[i] < min ? v[i] : min;
		max = v[i] > max ? v[i] : max;
		dmax = d > dmax ? d : dmax;
	}
	unsigned wb = width_of(max - min), wd = width_of(dmax);
	bool delta = wd < wb;
	unsigned w = delta ? wd : wb;
	uint64_t base = delta ? v[0] : min;
	p[0] = delta ? ENC_DELTA : ENC_BASE;
	p[1] = (uint8_t)w;
	put_le(p + 2, base, 8);
	uint8_t *q = p + KS_SEG_COL_HDR_LEN;
	prev = base;
	switch (w) {
	case 0:
		break;
	case 1:
		PUT_LOOP(1);
		break;
	case 2:
		PUT_LOOP(2);
		break;
	case 4:
		PUT_LOOP(4);
		break;
	default:
		PUT_LOOP(8);
		break;
	}
	return (size_t)(q - p);
}

/* Writes the address column a[0..n): all IPv4-mapped (4 bytes each), or a
 * kind byte per address (4 or 16) and then each address in that width. */
static size_t put_addr(uint8_t *p, const struct ks_addr *a, size_t n, size_t nv4)
{
	uint8_t *q = p + KS_SEG_COL_HDR_LEN;
	memset(p, 0, KS_SEG_COL_HDR_LEN);
	if (nv4 == n) {
		p[0] = ENC_V4;
		p[1] = 4;
		for (size_t i = 0; i < n; i++, q += 4)
			memcpy(q, a[i].b + 12, 4);
		return (size_t)(q - p);
	}
	p[0] = ENC_MIXED;
	p[1] = 16;
	for (size_t i = 0; i < n; i++)
		*q++ = ks_addr_is_v4(&a[i]) ? 4 : 16;
	for (size_t i = 0; i < n; i++) {
		unsigned w = p[KS_SEG_COL_HDR_LEN + i];
		memcpy(q, a[i].b + 16 - w, w);
		q += w;
	}
	return (size_t)(q - p);
}

/* Builds the raw columns of f[0..n) in e->raw; returns their length. One
 * pass over the flows turns them into column arrays (the flows are large
 * and far apart; the columns are small and sequential). */
static size_t encode_block(struct ks_seg_enc *e, const struct ks_flow *f, size_t n)
{
	uint64_t *c[C_SRC];
	for (int k = 0; k < C_SRC; k++)
		c[k] = e->tmp + (size_t)k * n;
	struct ks_addr *src = e->addr, *dst = e->addr + n;
	size_t v4s = 0, v4d = 0;
	for (size_t i = 0; i < n; i++) {
		const struct ks_flow *x = &f[i];
		c[C_FIRST][i] = (uint64_t)x->first_ms;
		c[C_DUR][i] = (uint64_t)x->last_ms - (uint64_t)x->first_ms;
		c[C_PKTS][i] = x->packets;
		c[C_BYTES][i] = x->bytes;
		c[C_EXPORTER][i] = x->exporter;
		c[C_SAMPLING][i] = x->sampling;
		c[C_SPORT][i] = x->sport;
		c[C_DPORT][i] = x->dport;
		c[C_PROTO][i] = x->proto;
		c[C_FLAGS][i] = x->tcp_flags;
		src[i] = x->src;
		dst[i] = x->dst;
		v4s += ks_addr_is_v4(&x->src);
		v4d += ks_addr_is_v4(&x->dst);
	}
	uint8_t *p = e->raw;
	for (int k = 0; k < C_SRC; k++)
		p += put_num(p, c[k], n);
	p += put_addr(p, src, n, v4s);
	p += put_addr(p, dst, n, v4d);
	return (size_t)(p - e->raw);
}

int ks_seg_encode(struct ks_seg_enc *e, const struct ks_flow *f, size_t n, uint32_t block_flows,
		  int level)
{
	if (n == 0 || block_flows == 0 || block_flows > KS_SEG_MAX_BLOCK)
		return KS_EINVAL;
	size_t bn = n < block_flows ? n : block_flows;
	size_t rawmax = KS_SEG_NCOLS * KS_SEG_COL_HDR_LEN + bn * KS_SEG_MAX_FLOW_RAW;
	size_t nblocks = (n + block_flows - 1) / block_flows;
	size_t compmax = ZSTD_compressBound(rawmax);
	if (grow((void **)&e->tmp, &e->tmpcap, bn * C_SRC, sizeof(uint64_t)) ||
	    grow((void **)&e->addr, &e->addrcap, bn * 2, sizeof(struct ks_addr)) ||
	    grow((void **)&e->raw, &e->rawcap, rawmax, 1) ||
	    grow((void **)&e->out, &e->outcap, KS_SEG_HDR_LEN + KS_SEG_BLK_HDR_LEN + compmax, 1))
		return KS_ENOMEM;
	if (nblocks > KS_SEG_MAX_BLOCKS)
		return KS_ELIMIT;

	int64_t min_first = f[0].first_ms, max_first = f[0].first_ms, max_last = f[0].last_ms;
	for (size_t i = 1; i < n; i++) {
		min_first = f[i].first_ms < min_first ? f[i].first_ms : min_first;
		max_first = f[i].first_ms > max_first ? f[i].first_ms : max_first;
		max_last = f[i].last_ms > max_last ? f[i].last_ms : max_last;
	}
	size_t off = KS_SEG_HDR_LEN;
	for (size_t b = 0; b < nblocks; b++) {
		size_t first = b * block_flows, cnt = n - first < block_flows ? n - first : block_flows;
		size_t rawlen = encode_block(e, f + first, cnt);
		if (grow((void **)&e->out, &e->outcap, off + KS_SEG_BLK_HDR_LEN + compmax, 1))
			return KS_ENOMEM;
		uint8_t *h = e->out + off, *comp = h + KS_SEG_BLK_HDR_LEN;
		size_t clen = ZSTD_compressCCtx(e->zc, comp, compmax, e->raw, rawlen, level);
		if (ZSTD_isError(clen))
			return KS_EIO;
		put_le(h, cnt, 4);
		put_le(h + 4, rawlen, 4);
		put_le(h + 8, clen, 4);
		put_le(h + 12, 0, 4);
		put_le(h + 16, XXH3_64bits(comp, clen), 8);
		put_le(h + 24, XXH3_64bits(h, 24), 8);
		off += KS_SEG_BLK_HDR_LEN + clen;
	}
	uint8_t *h = e->out;
	memcpy(h, KS_SEG_MAGIC, 8);
	put_le(h + 8, KS_SEG_VERSION, 2);
	put_le(h + 10, KS_SEG_HDR_LEN, 2);
	put_le(h + 12, nblocks, 4);
	put_le(h + 16, n, 8);
	put_le(h + 24, (uint64_t)min_first, 8);
	put_le(h + 32, (uint64_t)max_first, 8);
	put_le(h + 40, (uint64_t)max_last, 8);
	put_le(h + 48, 0, 8);
	put_le(h + 56, XXH3_64bits(h, 56), 8);
	e->outlen = off;
	return 0;
}

/* ------------------------------------------------------------------------ */
/* Decoding                                                                  */

int ks_seg_dec_init(struct ks_seg_dec *d)
{
	memset(d, 0, sizeof(*d));
	d->zd = ZSTD_createDCtx();
	d->fl = malloc(KS_SEG_CHUNK * sizeof(*d->fl));
	if (d->zd && d->fl)
		return 0;
	ks_seg_dec_release(d);
	return KS_ENOMEM;
}

void ks_seg_dec_release(struct ks_seg_dec *d)
{
	ZSTD_freeDCtx(d->zd);
	free(d->raw);
	free(d->fl);
	memset(d, 0, sizeof(*d));
}

__attribute__((format(printf, 4, 5))) static int fail(char *err, size_t errlen, int code,
						       const char *fmt, ...)
{
	if (err && errlen) {
		va_list ap;
		va_start(ap, fmt);
		vsnprintf(err, errlen, fmt, ap);
		va_end(ap);
	}
	return code;
}

/* One column of a block being decoded. */
struct dcol {
	uint8_t enc, w;
	uint64_t base;        /* enc 0: added; enc 1: running value */
	const uint8_t *p;     /* next value */
	const uint8_t *kinds; /* ENC_MIXED: next kind byte */
};

/* Checks the column headers and lengths of a raw block of n flows and
 * points each column at its values. 0, or KS_ETRUNC / KS_EINVAL with *col
 * the column at fault (KS_SEG_NCOLS: bytes after the last column). */
static int parse_cols(const uint8_t *raw, size_t rawlen, size_t n, struct dcol *dc, int *col)
{
	struct ks_rd r = ks_rd_make(raw, rawlen);
	for (int c = 0; c < KS_SEG_NCOLS; c++) {
		struct dcol *d = &dc[c];
		*col = c;
		d->enc = ks_rd_u8(&r);
		d->w = ks_rd_u8(&r);
		d->base = rd_le64(&r);
		d->kinds = NULL;
		if (ks_rd_err(&r))
			return KS_ETRUNC;
		size_t size;
		if (c < C_SRC) {
			if ((d->enc != ENC_BASE && d->enc != ENC_DELTA) ||
			    (d->w != 0 && d->w != 1 && d->w != 2 && d->w != 4 && d->w != 8) ||
			    d->w > col_max_width[c])
				return KS_EINVAL;
			size = n * d->w; /* n <= KS_SEG_MAX_BLOCK: no overflow */
		} else if (d->enc == ENC_V4 && d->w == 4) {
			size = n * 4;
		} else if (d->enc == ENC_MIXED && d->w == 16) {
			d->kinds = ks_rd_bytes(&r, n);
			if (!d->kinds)
				return KS_ETRUNC;
			size = 0;
			for (size_t i = 0; i < n; i++) {
				if (d->kinds[i] != 4 && d->kinds[i] != 16)
					return KS_EINVAL;
				size += d->kinds[i];
			}
		} else {
			return KS_EINVAL;
		}
		d->p = ks_rd_bytes(&r, size);
		if (!d->p)
			return KS_ETRUNC;
	}
	*col = KS_SEG_NCOLS;
	return ks_rd_left(&r) == 0 ? 0 : KS_EINVAL;
}

static inline uint64_t ld_le(const uint8_t *p, unsigned w)
{
#if __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
	uint64_t x = 0;
	memcpy(&x, p, w);
	return x;
#else
	uint64_t x = 0;
	for (unsigned i = 0; i < w; i++)
		x |= (uint64_t)p[i] << (8 * i);
	return x;
#endif
}

/* Decodes the next k values x of column d, running SET (which stores x into
 * fl[i]) for each: fused, so every value is touched once. Values wrap
 * modulo 2^64, and modulo the field's width when stored. */
#define DEC_W(W, SET)                                                                    \
	do {                                                                             \
		if (d->enc == ENC_BASE) {                                                \
			for (size_t i = 0; i < k; i++, p += W) {                         \
				uint64_t x = d->base + ld_le(p, W);                      \
				SET;                                                     \
			}                                                                \
		} else {                                                                 \
			uint64_t x = d->base;                                            \
			for (size_t i = 0; i < k; i++, p += W) {                         \
				x += (uint64_t)unzigzag(ld_le(p, W));                    \
				SET;                                                     \
			}                                                                \
			d->base = x;                                                     \
		}                                                                        \
	} while (0)
#define DEC(D, SET)                                                                      \
	do {                                                                             \
		struct dcol *d = (D);                                                    \
		const uint8_t *p = d->p;                                                 \
		switch (d->w) {                                                          \
		case 0:                                                                  \
			for (size_t i = 0; i < k; i++) {                                 \
				uint64_t x = d->base;                                    \
				SET;                                                     \
			}                                                                \
			break;                                                           \
		case 1:                                                                  \
			DEC_W(1, SET);                                                   \
			break;                                                           \
		case 2:                                                                  \
			DEC_W(2, SET);                                                   \
			break;                                                           \
		case 4:                                                                  \
			DEC_W(4, SET);                                                   \
			break;                                                           \
		default:                                                                 \
			DEC_W(8, SET);                                                   \
			break;                                                           \
		}                                                                        \
		d->p = p;                                                                \
	} while (0)

static void get_addr(struct dcol *d, struct ks_flow *fl, size_t k, bool dst)
{
	const uint8_t *p = d->p;
	for (size_t i = 0; i < k; i++) {
		struct ks_addr *a = dst ? &fl[i].dst : &fl[i].src;
		unsigned w = d->kinds ? *d->kinds++ : 4;
		if (w == 4) {
			static const uint8_t mapped[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};
			memcpy(a->b, mapped, 12);
			memcpy(a->b + 12, p, 4);
		} else {
			memcpy(a->b, p, 16);
		}
		p += w;
	}
	d->p = p;
}

/* Rebuilds the next k (<= KS_SEG_CHUNK) flows of a block into d->fl. */
static void decode_chunk(struct ks_seg_dec *d0, struct dcol *dc, size_t k)
{
	struct ks_flow *fl = d0->fl;
	DEC(&dc[C_FIRST], fl[i].first_ms = (int64_t)x);
	DEC(&dc[C_DUR], fl[i].last_ms = (int64_t)((uint64_t)fl[i].first_ms + x));
	DEC(&dc[C_PKTS], fl[i].packets = x);
	DEC(&dc[C_BYTES], fl[i].bytes = x);
	DEC(&dc[C_EXPORTER], fl[i].exporter = (uint32_t)x);
	DEC(&dc[C_SAMPLING], fl[i].sampling = (uint32_t)x);
	DEC(&dc[C_SPORT], fl[i].sport = (uint16_t)x);
	DEC(&dc[C_DPORT], fl[i].dport = (uint16_t)x);
	DEC(&dc[C_PROTO], fl[i].proto = (uint8_t)x; fl[i].pad[0] = fl[i].pad[1] = 0);
	DEC(&dc[C_FLAGS], fl[i].tcp_flags = (uint8_t)x);
	get_addr(&dc[C_SRC], fl, k, false);
	get_addr(&dc[C_DST], fl, k, true);
}

struct blk {
	size_t off;         /* of the block header in the file */
	uint32_t n, rawlen;
	const uint8_t *comp;
	uint32_t clen;
};

int ks_seg_decode(struct ks_seg_dec *d, const void *buf, size_t len, int64_t since_ms,
		  int64_t until_ms, const struct ks_flow_filter *flt, ks_flow_fn fn, void *ctx,
		  struct ks_seg_info *info, char *err, size_t errlen)
{
	struct ks_rd r = ks_rd_make(buf, len);
	const uint8_t *h = ks_rd_bytes(&r, KS_SEG_HDR_LEN);
	if (!h)
		return fail(err, errlen, KS_ETRUNC, "offset 0: truncated header (%zu of %d bytes)", len,
			    KS_SEG_HDR_LEN);
	if (memcmp(h, KS_SEG_MAGIC, 8) != 0)
		return fail(err, errlen, KS_EINVAL, "offset 0: not a flow segment (bad magic)");
	struct ks_rd hr = ks_rd_make(h + 8, KS_SEG_HDR_LEN - 8);
	uint16_t version = ks_rd_le16(&hr), hlen = ks_rd_le16(&hr);
	uint32_t nblocks = ks_rd_le32(&hr);
	struct ks_seg_info si;
	si.blocks = nblocks;
	si.flows = rd_le64(&hr);
	si.min_first_ms = (int64_t)rd_le64(&hr);
	si.max_first_ms = (int64_t)rd_le64(&hr);
	si.max_last_ms = (int64_t)rd_le64(&hr);
	ks_rd_skip(&hr, 8);
	uint64_t sum = rd_le64(&hr);
	if (sum != XXH3_64bits(h, 56))
		return fail(err, errlen, KS_EINVAL, "offset 0: header checksum mismatch");
	if (version != KS_SEG_VERSION)
		return fail(err, errlen, KS_EINVAL, "offset 8: unsupported version %u (expected %d)",
			    version, KS_SEG_VERSION);
	if (hlen != KS_SEG_HDR_LEN)
		return fail(err, errlen, KS_EINVAL, "offset 10: header length %u (expected %d)", hlen,
			    KS_SEG_HDR_LEN);
	if (nblocks > KS_SEG_MAX_BLOCKS || si.flows > (uint64_t)nblocks * KS_SEG_MAX_BLOCK)
		return fail(err, errlen, KS_EINVAL, "offset 12: %u blocks, %llu flows: impossible",
			    nblocks, (unsigned long long)si.flows);
	if (info)
		*info = si;

	/* Pass 1: structure and checksums of every block, before any flow is
	 * handed out, so a damaged file contributes nothing. */
	struct blk *bl = nblocks ? calloc(nblocks, sizeof(*bl)) : NULL;
	if (nblocks && !bl)
		return KS_ENOMEM;
	int rc = 0;
	uint64_t total = 0;
	size_t maxraw = 0;
	for (uint32_t b = 0; b < nblocks; b++) {
		struct blk *k = &bl[b];
		k->off = ks_rd_off(&r);
		const uint8_t *bh = ks_rd_bytes(&r, KS_SEG_BLK_HDR_LEN);
		if (!bh) {
			rc = fail(err, errlen, KS_ETRUNC, "offset %zu: block %u: truncated block header",
				  k->off, b);
			goto out;
		}
		struct ks_rd br = ks_rd_make(bh, KS_SEG_BLK_HDR_LEN);
		k->n = ks_rd_le32(&br);
		k->rawlen = ks_rd_le32(&br);
		k->clen = ks_rd_le32(&br);
		ks_rd_skip(&br, 4);
		uint64_t csum = rd_le64(&br), hsum = rd_le64(&br);
		if (hsum != XXH3_64bits(bh, 24)) {
			rc = fail(err, errlen, KS_EINVAL, "offset %zu: block %u: header checksum mismatch",
				  k->off, b);
			goto out;
		}
		if (k->n == 0 || k->n > KS_SEG_MAX_BLOCK ||
		    k->rawlen > KS_SEG_NCOLS * KS_SEG_COL_HDR_LEN + (size_t)k->n * KS_SEG_MAX_FLOW_RAW) {
			rc = fail(err, errlen, KS_EINVAL,
				  "offset %zu: block %u: %u flows in %u bytes: impossible", k->off, b,
				  k->n, k->rawlen);
			goto out;
		}
		k->comp = ks_rd_bytes(&r, k->clen);
		if (!k->comp) {
			rc = fail(err, errlen, KS_ETRUNC,
				  "offset %zu: block %u: truncated (%u compressed bytes declared, %zu left)",
				  k->off + KS_SEG_BLK_HDR_LEN, b, k->clen,
				  len - k->off - KS_SEG_BLK_HDR_LEN);
			goto out;
		}
		if (csum != XXH3_64bits(k->comp, k->clen)) {
			rc = fail(err, errlen, KS_EINVAL, "offset %zu: block %u: data checksum mismatch",
				  k->off + KS_SEG_BLK_HDR_LEN, b);
			goto out;
		}
		total += k->n;
		maxraw = k->rawlen > maxraw ? k->rawlen : maxraw;
	}
	if (ks_rd_left(&r) != 0) {
		rc = fail(err, errlen, KS_EINVAL, "offset %zu: %zu bytes after the last block",
			  ks_rd_off(&r), ks_rd_left(&r));
		goto out;
	}
	if (total != si.flows) {
		rc = fail(err, errlen, KS_EINVAL, "offset 16: header says %llu flows, blocks hold %llu",
			  (unsigned long long)si.flows, (unsigned long long)total);
		goto out;
	}
	/* The whole file lies outside the range asked for. */
	if (si.flows == 0 || (since_ms && si.max_first_ms < since_ms) ||
	    (until_ms && si.min_first_ms >= until_ms))
		goto out;
	rc = grow((void **)&d->raw, &d->rawcap, maxraw ? maxraw : 1, 1);
	if (rc != 0)
		goto out;

	/* Pass 2: decompress, rebuild, select, hand out. */
	for (uint32_t b = 0; b < nblocks; b++) {
		struct blk *k = &bl[b];
		unsigned long long fcs = ZSTD_getFrameContentSize(k->comp, k->clen);
		if (fcs != k->rawlen) {
			rc = fail(err, errlen, KS_EINVAL,
				  "offset %zu: block %u: zstd frame size does not match %u raw bytes",
				  k->off + KS_SEG_BLK_HDR_LEN, b, k->rawlen);
			goto out;
		}
		size_t got = ZSTD_decompressDCtx(d->zd, d->raw, k->rawlen, k->comp, k->clen);
		if (ZSTD_isError(got) || got != k->rawlen) {
			rc = fail(err, errlen, KS_EINVAL, "offset %zu: block %u: zstd: %s",
				  k->off + KS_SEG_BLK_HDR_LEN, b,
				  ZSTD_isError(got) ? ZSTD_getErrorName(got) : "short frame");
			goto out;
		}
		struct dcol dc[KS_SEG_NCOLS];
		int col = 0;
		rc = parse_cols(d->raw, k->rawlen, k->n, dc, &col);
		if (rc != 0) {
			rc = fail(err, errlen, KS_EINVAL, "offset %zu: block %u: %s%s%s",
				  k->off + KS_SEG_BLK_HDR_LEN, b,
				  col < KS_SEG_NCOLS ? "column " : "bytes after the last column",
				  col < KS_SEG_NCOLS ? col_name[col] : "",
				  col == KS_SEG_NCOLS ? "" :
				  rc == KS_ETRUNC ? ": truncated" : ": bad encoding or width");
			goto out;
		}
		for (size_t at = 0; at < k->n; at += KS_SEG_CHUNK) {
			size_t cnt = k->n - at < KS_SEG_CHUNK ? k->n - at : KS_SEG_CHUNK;
			decode_chunk(d, dc, cnt);
			for (size_t i = 0; i < cnt; i++) {
				const struct ks_flow *f = &d->fl[i];
				if ((since_ms && f->first_ms < since_ms) ||
				    (until_ms && f->first_ms >= until_ms))
					continue;
				if (flt && !ks_flow_filter_match(flt, f))
					continue;
				rc = fn(ctx, f);
				if (rc != 0)
					goto out;
			}
		}
	}
out:
	free(bl);
	return rc;
}

int ks_seg_read_mem(const void *buf, size_t len, int64_t since_ms, int64_t until_ms,
		    const struct ks_flow_filter *flt, ks_flow_fn fn, void *ctx, struct ks_seg_info *info,
		    char *err, size_t errlen)
{
	struct ks_seg_dec d;
	int rc = ks_seg_dec_init(&d);
	if (rc == 0)
		rc = ks_seg_decode(&d, buf, len, since_ms, until_ms, flt, fn, ctx, info, err, errlen);
	ks_seg_dec_release(&d);
	return rc;
}

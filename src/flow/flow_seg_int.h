/* SPDX-License-Identifier: BSD-2-Clause */
/* Internals shared by flow_seg.c (files and directories) and
 * flow_seg_codec.c (the byte format of one segment: docs/formats.md,
 * "Flow segments"). Not for use outside src/flow/flow_seg*.c. */
#ifndef KS_FLOW_SEG_INT_H
#define KS_FLOW_SEG_INT_H

#include <stddef.h>
#include <stdint.h>

#include "flow_seg.h"

#define KS_SEG_MAGIC "KSFLOWSG"
#define KS_SEG_VERSION 1
#define KS_SEG_HDR_LEN 64
#define KS_SEG_BLK_HDR_LEN 32
#define KS_SEG_NCOLS 12
#define KS_SEG_COL_HDR_LEN 10
#define KS_SEG_MAX_FLOW_RAW 80 /* widest encoding of one flow, all columns */
#define KS_SEG_CHUNK 512       /* flows rebuilt at a time when decoding */

/* Encoder state, reused across files (buffers grow to the largest file). */
struct ks_seg_enc {
	void *zc;           /* ZSTD_CCtx */
	uint64_t *tmp;        /* the numeric columns of a block */
	struct ks_addr *addr; /* its source and destination columns */
	uint8_t *raw;         /* one uncompressed block */
	size_t tmpcap, addrcap, rawcap;
	uint8_t *out;       /* the whole file */
	size_t outlen, outcap;
};

/* 0 or KS_ENOMEM. */
int ks_seg_enc_init(struct ks_seg_enc *e);
void ks_seg_enc_release(struct ks_seg_enc *e);
/* Encodes f[0..n) (n > 0) as one segment file into e->out[0..e->outlen).
 * 0, KS_ENOMEM or KS_EIO (zstd failed). */
int ks_seg_encode(struct ks_seg_enc *e, const struct ks_flow *f, size_t n, uint32_t block_flows,
		  int level);

/* Decoder state, reused across files. */
struct ks_seg_dec {
	void *zd;            /* ZSTD_DCtx */
	uint8_t *raw;
	size_t rawcap;
	struct ks_flow *fl; /* [KS_SEG_CHUNK] */
};
int ks_seg_dec_init(struct ks_seg_dec *d);
void ks_seg_dec_release(struct ks_seg_dec *d);
/* ks_seg_read_mem() with caller-kept state. */
int ks_seg_decode(struct ks_seg_dec *d, const void *buf, size_t len, int64_t since_ms,
		  int64_t until_ms, const struct ks_flow_filter *flt, ks_flow_fn fn, void *ctx,
		  struct ks_seg_info *info, char *err, size_t errlen);

#endif

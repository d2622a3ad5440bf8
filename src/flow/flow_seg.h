/* SPDX-License-Identifier: BSD-2-Clause */
/* Raw flow storage: time-partitioned, compressed, columnar segment files of
 * struct ks_flow (flow.h). The collector and `flow ingest` append flows and
 * flush them; `flow query`, `flow top` and C&C detection scan them back.
 * Byte layout: docs/formats.md, "Flow segments".
 *
 *   DIR/2026-11-22T04/00000001.kfs     one partition per UTC hour of first_ms,
 *   DIR/2026-11-22T04/00000002.kfs     segment files numbered per partition
 *   DIR/2026-11-22T05/00000001.kfs
 *
 * A segment is a header (counts, time range, checksum) followed by blocks of
 * up to block_flows flows; a block holds one column per field (delta- or
 * base-relative, fixed width per block), compressed with zstd, with XXH3
 * checksums of its header and of its compressed bytes.
 *
 * Durability: ks_seg_flush() writes each partition's flows to NNNNNNNN.kfs.tmp,
 * fsyncs it, renames it to NNNNNNNN.kfs and fsyncs the directory, so a file
 * either is complete or does not exist under its final name. Readers ignore
 * every name that is not eight digits and ".kfs"; a new writer removes
 * leftover *.tmp files. One writer per DIR at a time (the sequence numbers
 * are chosen by the writer); any number of readers.
 *
 * Corruption policy: a segment whose header, block headers or checksums do
 * not hold is rejected as a whole before any of its flows is passed on, and
 * the scan stops there with KS_EINVAL and "FILE: offset N: what" in err:
 * analysis over silently incomplete data is worse than an error, and the
 * message names the file to move away (`ks_segtool verify DIR` lists all).
 * Files are written once and renamed into place, so a crash cannot make
 * one; only disk faults or outside hands can.
 *
 * Threads: a writer belongs to one thread; scans share nothing. */
#ifndef KS_FLOW_SEG_H
#define KS_FLOW_SEG_H

#include <stddef.h>
#include <stdint.h>

#include "flow.h"

struct ks_flow_filter; /* flow_filter.h */
struct ks_seg_writer;

#define KS_SEG_DEFAULT_BLOCK 65536
#define KS_SEG_MAX_BLOCK (1u << 20) /* flows per block, writer and reader */
#define KS_SEG_MAX_BLOCKS (1u << 20) /* blocks per file, reader */

struct ks_seg_opts {
	uint32_t block_flows; /* flows per block, default 65536 (0 = default), at most KS_SEG_MAX_BLOCK */
	int zstd_level;       /* default 1 (0 = default) */
};

/* Creates dir (and its parents) if needed and removes leftover *.tmp files
 * of an interrupted writer. o == NULL takes the defaults. Returns the writer,
 * or NULL with a message in err (bad options, unusable directory). */
struct ks_seg_writer *ks_seg_writer_open(const char *dir, const struct ks_seg_opts *o, char *err,
					 size_t errlen);
/* Buffers a copy of f in memory (pad is written as zero). 0, KS_EINVAL
 * (first_ms before 1970 or after 9999, where no partition name exists) or
 * KS_ENOMEM (nothing buffered). */
int ks_seg_append(struct ks_seg_writer *w, const struct ks_flow *f);
/* Writes every buffered flow to new segment files, one per partition
 * touched, durably and atomically (tmp file, fsync, rename, fsync dir).
 * After 0 is returned, everything appended so far survives SIGKILL/power
 * loss; a crash during flush leaves at most a *.tmp that readers ignore and
 * the next writer removes. On failure (KS_ESYS, KS_EIO, KS_ENOMEM;
 * ks_seg_writer_error() says why) the flows of partitions not yet written
 * stay buffered, so a later flush may retry. */
int ks_seg_flush(struct ks_seg_writer *w);
/* Flows appended and not yet flushed. */
uint64_t ks_seg_buffered(const struct ks_seg_writer *w);
/* Message of the last failure ("" if none); valid until the next call. */
const char *ks_seg_writer_error(const struct ks_seg_writer *w);
/* Flushes, then frees. Returns the flush's result; NULL is a no-op (0). */
int ks_seg_writer_close(struct ks_seg_writer *w);

/* Reads every segment under dir whose partition overlaps [since_ms, until_ms)
 * (0 = unbounded), oldest partition first, files in sequence order, and
 * calls fn for each flow whose first_ms lies in that range and that matches
 * flt (NULL = all). A missing dir holds no flows (0). A corrupt or truncated
 * segment stops the scan: KS_EINVAL with "FILE: offset N: what" in err (see
 * the corruption policy above). Other returns: KS_ESYS/KS_ENOMEM with a
 * message, or fn's non-zero value. */
int ks_seg_scan(const char *dir, int64_t since_ms, int64_t until_ms, const struct ks_flow_filter *flt,
		ks_flow_fn fn, void *ctx, char *err, size_t errlen);

/* What a segment's header says (ks_seg_read_mem). */
struct ks_seg_info {
	uint64_t flows;
	uint32_t blocks;
	int64_t min_first_ms, max_first_ms, max_last_ms;
};
/* Parses one segment held in buf[0..len) (untrusted bytes) and calls fn for
 * each flow in [since_ms, until_ms) (0 = unbounded) matching flt. The whole
 * structure and every checksum are checked before the first call. Returns 0,
 * KS_EINVAL / KS_ETRUNC with "offset N: what" in err, KS_ENOMEM, or fn's
 * non-zero value. info (may be NULL) is filled once the header is read. */
int ks_seg_read_mem(const void *buf, size_t len, int64_t since_ms, int64_t until_ms,
		    const struct ks_flow_filter *flt, ks_flow_fn fn, void *ctx, struct ks_seg_info *info,
		    char *err, size_t errlen);

/* Retention: removes partitions whose hour ends at or before before_ms;
 * *removed = files removed (may be NULL). Returns 0 or KS_ESYS. */
int ks_seg_expire(const char *dir, int64_t before_ms, uint64_t *removed);
/* Removes dir and everything under it (used by ingest --force). A missing
 * dir is not an error. Returns 0 or KS_ESYS. */
int ks_seg_remove_all(const char *dir);

#endif

/* SPDX-License-Identifier: BSD-2-Clause */
/* The darknet pipeline for one packet source:
 *   capture -> decode -> darknet filter -> classify -> aggregate.
 * The aggregator's sink decides where the results go (the store). */
#ifndef KS_DARKNET_RUN_H
#define KS_DARKNET_RUN_H

#include <signal.h>
#include <stdint.h>

#include "capture.h"
#include "darknet_agg.h"
#include "decode.h"
#include "ks_prefix.h"

struct ks_dn_run_opts {
	const struct ks_pset *darknet; /* built; packets to other addresses do not count */
	int progress;                  /* redraw a progress line on stderr every second */
	volatile sig_atomic_t *stop;   /* non-zero: stop after the current packet (may be NULL) */
	int64_t interval_us;           /* call on_interval this often (wall clock); 0 = never */
	int (*on_interval)(void *ctx); /* e.g. flush and commit; non-zero return stops the run */
	void *ctx;
	/* Non-zero (and no interval): capture, decoding and classifying run in
	 * a second thread, counting in the calling one. Same results. */
	int reader_thread;
};

struct ks_dn_run_stats {
	uint64_t frames, darknet, malformed, outside, non_ip;
	uint64_t cls[KS_DN__NCLASS];
	int64_t first_us, last_us; /* over all frames; 0 if none */
	struct ks_decode_stats dec;
};

/* Reads cap to its end (or until *stop), counting into agg and st (which
 * the caller zeroes; with a reader thread, st is complete on return). Returns 0; KS_EIO on a capture error (message in
 * ks_capture_error()); KS_EINVAL if the link type is unsupported (message in
 * err); or the sink's error. Counted packets are in agg either way. */
int ks_dn_run(struct ks_capture *cap, struct ks_dn_agg *agg, const struct ks_dn_run_opts *o,
	      struct ks_dn_run_stats *st, char *err, size_t errlen);

#endif

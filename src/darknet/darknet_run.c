/* SPDX-License-Identifier: BSD-2-Clause */
/* Hot loop of darknet ingest and capture; see darknet_run.h. */
#include "darknet_run.h"

#include <stdio.h>
#include <time.h>
#include <unistd.h>

#include "ks_err.h"

static int64_t mono_us(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

static void progress(const struct ks_dn_run_stats *st, const struct ks_dn_agg *agg, int64_t t0,
		     int64_t now)
{
	struct ks_dn_agg_stats as;
	ks_dn_agg_stats(agg, &as);
	double secs = (double)(now - t0) / 1e6;
	fprintf(stderr, "\r  %llu packets  %.2f Mpps  %llu darknet  %llu malformed  %llu source-hours   ",
		(unsigned long long)st->frames, secs > 0 ? (double)st->frames / secs / 1e6 : 0.0,
		(unsigned long long)st->darknet, (unsigned long long)st->malformed,
		(unsigned long long)as.sources_held);
}

int ks_dn_run(struct ks_capture *cap, struct ks_dn_agg *agg, const struct ks_dn_run_opts *o,
	      struct ks_dn_run_stats *st, char *err, size_t errlen)
{
	const int lt = ks_capture_linktype(cap);
	const struct ks_pset *dn = o->darknet;
	int64_t t0 = mono_us(), next_progress = t0 + 1000000;
	int64_t next_interval = o->interval_us ? t0 + o->interval_us : INT64_MAX;
	struct ks_frame f;
	struct ks_pkt pkt;
	int r = 0, rc;
	int tty = o->progress && isatty(STDERR_FILENO);

	int draining = 0;
	struct ks_dn_item batch[KS_DN_BATCH];
	size_t nb = 0;
	for (;;) {
		/* Stopping a live capture first reads what the kernel already
		 * holds, so that every packet it delivered is counted. */
		if (o->stop && *o->stop && !draining) {
			if (!o->interval_us)
				break;
			draining = 1;
		}
		rc = ks_capture_next(cap, &f);
		if (draining && rc != 1)
			break;
		if (rc == 1) {
			st->frames++;
			if (st->frames == 1 || f.ts_us < st->first_us)
				st->first_us = f.ts_us;
			if (f.ts_us > st->last_us)
				st->last_us = f.ts_us;
			enum ks_decode_result d = ks_decode(lt, f.data, f.caplen, f.wirelen, &pkt, &st->dec);
			if (d == KS_DECODE_OK) {
				int in = pkt.ipver == 4 ? ks_pset_has_v4(dn, ks_addr_v4(&pkt.dst))
							: ks_pset_lookup(dn, &pkt.dst, NULL);
				if (!in) {
					st->outside++;
					ks_dn_agg_count(agg, KS_DNC_OUTSIDE, f.ts_us);
				} else {
					unsigned tags;
					enum ks_dn_class c = ks_dn_classify(&pkt, &tags);
					st->darknet++;
					st->cls[c]++;
					batch[nb] = (struct ks_dn_item){pkt, f.ts_us, (uint8_t)c, (uint8_t)tags};
					if (++nb == KS_DN_BATCH) {
						r = ks_dn_agg_add_batch(agg, batch, nb);
						nb = 0;
						if (r != 0)
							break;
					}
				}
			} else if (d == KS_DECODE_MALFORMED) {
				st->malformed++;
				ks_dn_agg_count(agg, KS_DNC_MALFORMED, f.ts_us);
			} else if (d == KS_DECODE_NOT_IP) {
				st->non_ip++;
				ks_dn_agg_count(agg, KS_DNC_NON_IP, f.ts_us);
			} else {
				snprintf(err, errlen, "%s: link type %d (%s) is not supported; expected Ethernet, "
						      "Linux SLL/SLL2, raw IP or BSD NULL/LOOP",
					 ks_capture_name(cap), lt, ks_capture_linktype_name(cap));
				r = KS_EINVAL;
				break;
			}
			if ((st->frames & 0xffff) != 0)
				continue;
		} else if (rc == KS_ENOENT) {
			break;
		} else if (rc < 0) {
			r = KS_EIO;
			break;
		}
		/* every 65536 frames, and on every live read timeout */
		int64_t now = mono_us();
		if (tty && now >= next_progress) {
			progress(st, agg, t0, now);
			next_progress = now + 1000000;
		}
		if (now >= next_interval) {
			r = ks_dn_agg_add_batch(agg, batch, nb);
			nb = 0;
			if (r == 0)
				r = o->on_interval(o->ctx);
			if (r != 0)
				break;
			next_interval = now + o->interval_us;
		}
	}
	/* Pending packets are counted on every way out, errors included, so
	 * that what the caller commits holds every packet read. */
	if (nb) {
		int r2 = ks_dn_agg_add_batch(agg, batch, nb);
		if (r == 0)
			r = r2;
	}
	if (tty && mono_us() - t0 >= 1000000) {
		progress(st, agg, t0, mono_us());
		fputc('\n', stderr);
	}
	return r;
}

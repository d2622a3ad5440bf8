/* SPDX-License-Identifier: BSD-2-Clause */
/* kansoku darknet ingest | capture | report | sources */
#include <errno.h>
#include <inttypes.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "capture.h"
#include "cmd.h"
#include "darknet_report.h"
#include "darknet_run.h"
#include "ks_alloc.h"
#include "ks_err.h"
#include "ks_geo.h"
#include "ks_log.h"
#include "ks_opt.h"
#include "ks_time.h"


static volatile sig_atomic_t stop_flag;

static void on_signal(int sig)
{
	(void)sig;
	stop_flag = 1;
}

static void catch_signals(void)
{
	struct sigaction sa;
	memset(&sa, 0, sizeof sa);
	sa.sa_handler = on_signal;
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
}

/* Options shared by ingest and capture */
struct dn_opts {
	const char *darknet, *sensor, *geoip, *asn;
	uint32_t threshold, max_sources, max_dests;
	int force;
};

#define DN_COMMON_OPTS(o)                                                                          \
	{"darknet", KS_OPT_STR, &(o).darknet, "CIDR[,CIDR...]", "darknet prefixes, IPv4 and IPv6 (required)", 0, 0}, \
	{"sensor", KS_OPT_STR, &(o).sensor, "NAME", "sensor name recorded with the data", 0, 0},           \
	{"scan-threshold", KS_OPT_U32, &(o).threshold, "N",                                              \
	 "distinct darknet addresses that make a source a scanner (default 10)", 1, 1u << 31},             \
	{"geoip-db", KS_OPT_STR, &(o).geoip, "FILE", "MaxMind Country/City database for countries", 0, 0}, \
	{"asn-db", KS_OPT_STR, &(o).asn, "FILE", "MaxMind ASN database for AS numbers", 0, 0},             \
	{"max-sources", KS_OPT_COUNT, &(o).max_sources, "N",                                             \
	 "source-hours held in memory before a flush to the store (default 2m)", 1000, 100000000},       \
	{"max-dests-per-source", KS_OPT_COUNT, &(o).max_dests, "N",                                      \
	 "distinct destinations stored per source-hour (default 65536)", 16, 16777216}

/* The aggregation sink: writes into the store under the current ingest. */
struct sink_ctx {
	struct ks_store *st;
	int64_t ingest;
	struct ks_geo *geo;
};

static int sink_source(void *ctx, const struct ks_dn_src *s)
{
	struct sink_ctx *c = ctx;
	char org[256];
	struct ks_geo_info g = {"", 0, NULL};
	if (c->geo) {
		ks_geo_lookup(c->geo, &s->addr, g.country, &g.asn, org, sizeof org);
		g.as_org = org[0] ? org : NULL;
	}
	return ks_store_dn_source(c->st, c->ingest, s, &g);
}

static int sink_port_hour(void *ctx, uint32_t hour, uint8_t proto, uint16_t port, uint64_t n)
{
	struct sink_ctx *c = ctx;
	return ks_store_dn_port_hour(c->st, c->ingest, hour, proto, port, n);
}

static int sink_dest(void *ctx, const struct ks_addr *a, const uint64_t cls[KS_DN__NCLASS])
{
	struct sink_ctx *c = ctx;
	return ks_store_dn_dest(c->st, c->ingest, a, cls);
}

static int sink_counter(void *ctx, uint32_t hour, int counter, uint64_t v)
{
	struct sink_ctx *c = ctx;
	return ks_store_dn_counter(c->st, c->ingest, hour, counter, v);
}

static int setup(struct dn_opts *o, struct ks_pset *dn, struct ks_store **st, struct ks_geo **geo)
{
	char bad[128], err[512];
	if (!o->darknet) {
		ks_err("--darknet is required: the prefixes of the unused address blocks, e.g. "
		       "--darknet 198.18.0.0/16,2001:db8::/32");
		return KS_EXIT_USAGE;
	}
	ks_pset_init(dn);
	if (ks_pset_parse_list(dn, o->darknet, 1, bad, sizeof bad) != 0) {
		ks_err("--darknet: '%s' is not a CIDR prefix; expected e.g. 198.18.0.0/16 or 2001:db8::/32", bad);
		return KS_EXIT_USAGE;
	}
	ks_pset_build(dn);
	if (ks_geo_open(o->geoip, o->asn, geo, err, sizeof err) != 0) {
		ks_err("%s", err);
		return KS_EXIT_DATA;
	}
	return ks_cmd_store(st);
}

static void save_counters(struct ks_store *st, int64_t id, const struct ks_dn_run_stats *rs)
{
	for (int i = 0; i < KS_DEC__MAX; i++)
		if (rs->dec.c[i])
			ks_store_ingest_counter(st, id, ks_decode_counter_name(i), rs->dec.c[i]);
}

static void fill_ingest(struct ks_ingest *in, const struct ks_dn_run_stats *rs)
{
	in->first_us = rs->first_us;
	in->last_us = rs->last_us;
	in->frames = rs->frames;
	in->darknet_packets = rs->darknet;
	in->malformed = rs->malformed;
	in->outside = rs->outside;
	in->non_ip = rs->non_ip;
}

static void print_summary(const char *name, const struct ks_dn_run_stats *rs, double secs)
{
	ks_info("%s: %" PRIu64 " packets: %" PRIu64 " to the darknet, %" PRIu64 " malformed, %" PRIu64
		" outside the darknet, %" PRIu64 " not IP (%.2f s, %.2f Mpps)",
		name, rs->frames, rs->darknet, rs->malformed, rs->outside, rs->non_ip, secs,
		secs > 0 ? (double)rs->frames / secs / 1e6 : 0.0);
}

/* CPUs this process may run on (taskset, cgroups' cpusets); 1 if unknown. */
static int usable_cpus(void)
{
	cpu_set_t set;
	CPU_ZERO(&set);
	if (sched_getaffinity(0, sizeof set, &set) != 0)
		return 1;
	return CPU_COUNT(&set);
}

/* Ingests one file inside one transaction. Returns an exit code. */
static int ingest_one(const char *path, const struct dn_opts *o, const struct ks_pset *dn,
		      struct ks_store *st, struct ks_geo *geo)
{
	char err[600];
	struct ks_capture *cap;
	int64_t old = 0, id = 0;
	int has_old = 0, r;
	struct ks_ingest in;
	memset(&in, 0, sizeof in);
	r = ks_capture_open_file(path, &cap, err, sizeof err);
	if (r != 0) {
		ks_err("%s", err);
		return r == KS_EINVAL ? KS_EXIT_DATA : KS_EXIT_FAIL;
	}
	int known = ks_capture_hash(cap, in.hash) == 0;
	if (known) {
		r = ks_store_ingest_find(st, in.hash, &old);
		if (r == 0 && !o->force) {
			ks_info("%s: already ingested (ingest #%" PRId64 ", content hash %s); skipped. "
				"Use --force to replace it.", path, old, in.hash);
			ks_capture_close(cap);
			return KS_EXIT_OK;
		}
		has_old = r == 0;
	} else {
		snprintf(in.hash, sizeof in.hash, "pending:%d:%" PRId64, (int)getpid(), ks_time_now_us());
	}
	in.name = path;
	in.sensor = o->sensor;
	in.darknet = o->darknet;
	in.scan_threshold = o->threshold;
	if (ks_store_begin(st) != 0)
		goto store_fail;
	if (has_old && ks_store_ingest_delete(st, old) != 0)
		goto store_fail_rb;
	if (ks_store_ingest_create(st, &in, &id) != 0)
		goto store_fail_rb;

	struct sink_ctx sc = {st, id, geo};
	struct ks_dn_sink sink = {sink_source, sink_port_hour, sink_dest, sink_counter, &sc};
	struct ks_dn_limits lim = KS_DN_LIMITS_DEFAULT;
	lim.max_sources = o->max_sources;
	lim.max_dests_per_source = o->max_dests;
	struct ks_dn_agg *agg = ks_dn_agg_new(&lim, &sink);
	if (!agg) {
		ks_err("%s: cannot allocate aggregation tables for %u sources; lower --max-sources",
		       path, lim.max_sources);
		ks_store_rollback(st);
		ks_capture_close(cap);
		return KS_EXIT_FAIL;
	}
	/* The largest IPv4 range of the darknet, if not too large, is
	 * counted per address without hashing. */
	size_t big = dn->nv4;
	for (size_t i = 0; i < dn->nv4; i++) {
		uint64_t w = (uint64_t)dn->v4hi[i] - dn->v4lo[i] + 1;
		if (w <= KS_DN_DIRECT_MAX && (big == dn->nv4 || w > (uint64_t)dn->v4hi[big] - dn->v4lo[big] + 1))
			big = i;
	}
	if (big < dn->nv4)
		ks_dn_agg_direct_v4(agg, dn->v4lo[big], dn->v4hi[big] - dn->v4lo[big] + 1);
	/* With more than one CPU to run on, source tables are stored by a
	 * second thread while counting goes on, and a third reads and decodes;
	 * without them (one CPU, or no memory for a second table) everything
	 * works the same, in turns. */
	int threads = usable_cpus() > 1;
	if (threads && ks_dn_agg_start_writer(agg) != 0)
		ks_debug("%s: no writer thread; storing and counting take turns", path);
	struct ks_dn_run_stats rs;
	memset(&rs, 0, sizeof rs);
	struct ks_dn_run_opts ro = {dn, ks_log_level >= 0, &stop_flag, 0, NULL, NULL, threads};
	int64_t t0 = ks_time_now_us();
	int run = ks_dn_run(cap, agg, &ro, &rs, err, sizeof err);
	int exit_code = KS_EXIT_OK;
	if (run == KS_EINVAL) { /* unsupported link type: nothing of this file is kept */
		ks_err("%s", err);
		ks_dn_agg_free(agg);
		ks_store_rollback(st);
		ks_capture_close(cap);
		return KS_EXIT_DATA;
	}
	if (stop_flag) {
		ks_err("%s: interrupted after %" PRIu64 " packets; nothing of this file was stored",
		       path, rs.frames);
		ks_dn_agg_free(agg);
		ks_store_rollback(st);
		ks_capture_close(cap);
		return KS_EXIT_SIGNAL;
	}
	if (run == KS_EIO) {
		/* A damaged file (typically cut short): keep every packet read
		 * before the damage, so that a re-run gives the same totals. */
		ks_err("%s; the %" PRIu64 " packets before it are stored", ks_capture_error(cap), rs.frames);
		exit_code = KS_EXIT_DATA;
	} else if (run != 0) {
		ks_dn_agg_free(agg);
		goto store_fail_rb;
	}
	int64_t tf = ks_time_now_us();
	if (ks_dn_agg_flush(agg) != 0) {
		ks_dn_agg_free(agg);
		goto store_fail_rb;
	}
	ks_debug("%s: aggregates written to the store in %.2f s", path, (double)(ks_time_now_us() - tf) / 1e6);
	ks_dn_agg_free(agg);
	if (!known) {
		if (ks_capture_hash(cap, in.hash) != 0) {
			/* the stream broke before its end: identify it by what was read */
			snprintf(in.hash, sizeof in.hash, "partial:%d:%" PRId64, (int)getpid(), t0);
		} else {
			r = ks_store_ingest_find(st, in.hash, &old);
			if (r == 0 && !o->force) {
				ks_store_rollback(st);
				ks_info("%s: already ingested (ingest #%" PRId64 ", content hash %s); skipped. "
					"Use --force to replace it.", path, old, in.hash);
				ks_capture_close(cap);
				return KS_EXIT_OK;
			}
			if (r == 0 && ks_store_ingest_delete(st, old) != 0)
				goto store_fail_rb;
		}
		if (ks_store_ingest_set_hash(st, id, in.hash) != 0)
			goto store_fail_rb;
	}
	fill_ingest(&in, &rs);
	save_counters(st, id, &rs);
	tf = ks_time_now_us();
	if (ks_store_ingest_finish(st, id, &in) != 0 || ks_store_commit(st) != 0)
		goto store_fail_rb;
	ks_debug("%s: committed in %.2f s", path, (double)(ks_time_now_us() - tf) / 1e6);
	print_summary(path, &rs, (double)(ks_time_now_us() - t0) / 1e6);
	if (has_old)
		ks_info("%s: replaced ingest #%" PRId64, path, old);
	ks_capture_close(cap);
	return exit_code;

store_fail_rb:
	ks_err("%s: store %s: %s; nothing of this file was stored", path, ks_g.db, ks_store_errmsg(st));
	ks_store_rollback(st);
	ks_capture_close(cap);
	return KS_EXIT_FAIL;
store_fail:
	ks_err("%s: store %s: %s", path, ks_g.db, ks_store_errmsg(st));
	ks_capture_close(cap);
	return KS_EXIT_FAIL;
}

int cmd_darknet_ingest(int argc, char **argv)
{
	struct dn_opts o = {.threshold = KS_DEFAULT_SCAN_THRESHOLD, .max_sources = 2000000, .max_dests = 65536};
	const struct ks_opt opts[] = {
		DN_COMMON_OPTS(o),
		{"force", KS_OPT_FLAG, &o.force, NULL, "replace the earlier contribution of a file already ingested", 0, 0},
		{0},
	};
	const struct ks_cmd_help h = {
		"kansoku darknet ingest --darknet CIDR[,CIDR...] [options] FILE...",
		"Reads pcap or pcapng files ('-' = standard input) of traffic sent to the darknet, classifies\n"
		"every packet (tcp_scan, backscatter, icmp_scan, udp, other; malformed), tags scanning tools\n"
		"(mirai, zmap, masscan) and adds per-source, per-port-hour and per-address aggregates to the store.",
		"Each file is stored in one transaction: an interrupted ingest leaves nothing behind, and a\n"
		"file already ingested (same content) is skipped. A file that ends in the middle of a packet\n"
		"keeps the packets before the damage and exits with status 3.\n\n"
		"example:\n  kansoku darknet ingest --darknet 198.18.0.0/16 --geoip-db GeoLite2-Country.mmdb cap-*.pcap",
		1, 1u << 20};
	char **args = ks_xcalloc((size_t)argc + 1, sizeof *args);
	int nargs, r = ks_cmd_parse(opts, &h, argc, argv, args, &nargs);
	if (r >= 0) {
		free(args);
		return r;
	}
	r = 0;
	struct ks_pset dn;
	struct ks_store *st = NULL;
	struct ks_geo *geo = NULL;
	r = setup(&o, &dn, &st, &geo);
	if (r != 0)
		goto out;
	catch_signals();
	for (int i = 0; i < nargs && !stop_flag; i++) {
		int e = ingest_one(args[i], &o, &dn, st, geo);
		if (e > r)
			r = e;
		if (e == KS_EXIT_FAIL || e == KS_EXIT_SIGNAL)
			break;
	}
out:
	ks_store_close(st);
	ks_geo_close(geo);
	ks_pset_release(&dn);
	free(args);
	return r;
}

/* ---- live capture ---- */

struct live_ctx {
	struct ks_store *st;
	struct ks_dn_agg *agg;
	struct sink_ctx *sc;
	struct ks_dn_run_stats *rs, done; /* rs: running; done: already committed */
	const struct dn_opts *o;
	const char *ifname;
	int64_t start_us;
	unsigned seq;
};

/* Starts a new capture segment: a transaction with its own ingest row. */
static int live_begin(struct live_ctx *c)
{
	struct ks_ingest in;
	memset(&in, 0, sizeof in);
	char name[300];
	snprintf(in.hash, sizeof in.hash, "live:%" PRId64 ":%u", c->start_us, ++c->seq);
	snprintf(name, sizeof name, "live:%s", c->ifname);
	in.name = name;
	in.sensor = c->o->sensor;
	in.darknet = c->o->darknet;
	in.scan_threshold = c->o->threshold;
	if (ks_store_begin(c->st) != 0)
		return KS_EIO;
	return ks_store_ingest_create(c->st, &in, &c->sc->ingest);
}

/* Flushes the aggregates and commits the segment; counts since the last
 * commit are the difference between the running and committed stats. */
static int live_commit(struct live_ctx *c)
{
	struct ks_ingest in;
	struct ks_dn_run_stats d = *c->rs;
	memset(&in, 0, sizeof in);
	d.frames -= c->done.frames;
	d.darknet -= c->done.darknet;
	d.malformed -= c->done.malformed;
	d.outside -= c->done.outside;
	d.non_ip -= c->done.non_ip;
	for (int i = 0; i < KS_DEC__MAX; i++)
		d.dec.c[i] -= c->done.dec.c[i];
	fill_ingest(&in, &d);
	if (ks_dn_agg_flush(c->agg) != 0)
		return KS_EIO;
	save_counters(c->st, c->sc->ingest, &d);
	if (ks_store_ingest_finish(c->st, c->sc->ingest, &in) != 0 || ks_store_commit(c->st) != 0)
		return KS_EIO;
	c->done = *c->rs;
	ks_debug("capture: committed segment %u (%" PRIu64 " packets)", c->seq, d.frames);
	return 0;
}

static int live_interval(void *ctx)
{
	struct live_ctx *c = ctx;
	int r = live_commit(c);
	return r ? r : live_begin(c);
}

int cmd_darknet_capture(int argc, char **argv)
{
	struct dn_opts o = {.threshold = KS_DEFAULT_SCAN_THRESHOLD, .max_sources = 2000000, .max_dests = 65536};
	const char *ifname = NULL, *user = NULL;
	uint32_t interval = 60;
	const struct ks_opt opts[] = {
		{"interface", KS_OPT_STR, &ifname, "IF", "network interface to capture on (required)", 0, 0},
		{"user", KS_OPT_STR, &user, "USER", "drop root privileges to USER once the device is open", 0, 0},
		{"flush-interval", KS_OPT_U32, &interval, "SECONDS", "commit aggregates this often (default 60)", 1, 60},
		DN_COMMON_OPTS(o),
		{0},
	};
	const struct ks_cmd_help h = {
		"kansoku darknet capture --interface IF --darknet CIDR[,CIDR...] [--user USER] [options]",
		"Captures darknet traffic live and stores aggregates every --flush-interval seconds (at most 60)\n"
		"and when stopped with SIGINT or SIGTERM. Each interval is one committed segment: a crash\n"
		"loses at most the current interval, never a committed one.",
		"Opening a device needs root or CAP_NET_RAW; with --user the privileges are dropped before\n"
		"the first packet is read (the store is opened first, so it must be writable by USER too).\n\n"
		"example:\n  kansoku darknet capture --interface eth1 --darknet 198.18.0.0/16 --user kansoku",
		0, 0};
	int r = ks_cmd_parse(opts, &h, argc, argv, NULL, NULL);
	if (r >= 0)
		return r;
	if (!ifname) {
		ks_err("--interface is required");
		return KS_EXIT_USAGE;
	}
	struct ks_pset dn;
	struct ks_store *st = NULL;
	struct ks_geo *geo = NULL;
	struct ks_capture *cap = NULL;
	struct ks_dn_agg *agg = NULL;
	char err[600];
	r = setup(&o, &dn, &st, &geo);
	if (r != 0)
		goto out;
	if (ks_capture_open_live(ifname, &cap, err, sizeof err) != 0) {
		ks_err("%s", err);
		r = KS_EXIT_FAIL;
		goto out;
	}
	if (user && ks_cmd_drop_privileges(user) != 0) {
		r = KS_EXIT_FAIL;
		goto out;
	}
	catch_signals();
	struct sink_ctx sc = {st, 0, geo};
	struct ks_dn_sink sink = {sink_source, sink_port_hour, sink_dest, sink_counter, &sc};
	struct ks_dn_limits lim = KS_DN_LIMITS_DEFAULT;
	lim.max_sources = o.max_sources;
	lim.max_dests_per_source = o.max_dests;
	agg = ks_dn_agg_new(&lim, &sink);
	if (!agg) {
		ks_err("cannot allocate aggregation tables; lower --max-sources");
		r = KS_EXIT_FAIL;
		goto out;
	}
	struct ks_dn_run_stats rs;
	memset(&rs, 0, sizeof rs);
	struct live_ctx lc = {st, agg, &sc, &rs, {0}, &o, ifname, ks_time_now_us(), 0};
	struct ks_dn_run_opts ro = {&dn, ks_log_level >= 0, &stop_flag, (int64_t)interval * 1000000,
				    live_interval, &lc, 0};
	if (live_begin(&lc) != 0) {
		ks_err("store %s: %s", ks_g.db, ks_store_errmsg(st));
		r = KS_EXIT_FAIL;
		goto out;
	}
	ks_info("listening on %s (link type %d), darknet %s", ifname, ks_capture_linktype(cap), o.darknet);
	int run = ks_dn_run(cap, agg, &ro, &rs, err, sizeof err);
	if (run == KS_EINVAL)
		ks_err("%s", err);
	else if (run == KS_EIO)
		ks_err("%s", ks_capture_error(cap));
	/* Whatever ended the run, what was counted is committed. */
	if (live_commit(&lc) != 0) {
		ks_err("store %s: %s; the last %u s of counts were lost", ks_g.db, ks_store_errmsg(st), interval);
		ks_store_rollback(st);
		r = KS_EXIT_FAIL;
		goto out;
	}
	uint64_t recv = 0, drop = 0;
	ks_capture_stats(cap, &recv, &drop);
	print_summary(ifname, &rs, (double)(ks_time_now_us() - lc.start_us) / 1e6);
	if (drop)
		ks_warn("%s: the kernel dropped %" PRIu64 " packets", ifname, drop);
	r = run == 0 ? KS_EXIT_OK : run == KS_EINVAL ? KS_EXIT_DATA : KS_EXIT_FAIL;
out:
	ks_dn_agg_free(agg);
	ks_capture_close(cap);
	ks_store_close(st);
	ks_geo_close(geo);
	ks_pset_release(&dn);
	return r;
}

/* ---- report ---- */

static int add_darknet(void *ctx, const char *list)
{
	char bad[128];
	ks_pset_parse_list(ctx, list, 1, bad, sizeof bad); /* stored lists were validated on ingest */
	return 0;
}

int cmd_darknet_report(int argc, char **argv)
{
	const char *since = NULL, *until = NULL;
	uint32_t threshold = 0;
	const struct ks_opt opts[] = {
		{"since", KS_OPT_STR, &since, "TIME", "only data from this time on (hour granularity)", 0, 0},
		{"until", KS_OPT_STR, &until, "TIME", "only data before this time", 0, 0},
		{"scan-threshold", KS_OPT_U32, &threshold, "N",
		 "scanner threshold (default: that of the latest ingest)", 1, 1u << 31},
		{0},
	};
	const struct ks_cmd_help h = {
		"kansoku darknet report [--since TIME] [--until TIME] [--format text|json|csv]",
		"Summarises the darknet data in the store: period, darknet size, packets and packets per\n"
		"darknet address per year, classes, sources, scanners, DDoS victims, tool tags, top ports,\n"
		"countries and ASNs. The JSON form is documented in docs/formats.md.",
		"TIME: 2026-11-22, 2026-11-22T04:00:00Z, @EPOCH, or an age such as 36h or 7d.", 0, 0};
	int r = ks_cmd_parse(opts, &h, argc, argv, NULL, NULL);
	if (r >= 0)
		return r;
	struct ks_span sp;
	if (ks_cmd_span(since, until, &sp) != 0)
		return KS_EXIT_USAGE;
	struct ks_store *st;
	if (ks_cmd_store(&st) != 0)
		return KS_EXIT_FAIL;
	struct ks_pset dn;
	ks_pset_init(&dn);
	struct ks_dn_report rep;
	uint64_t ningest;
	uint32_t th;
	r = ks_store_dn_ingests(st, &sp, add_darknet, &dn, &ningest, &th);
	ks_pset_build(&dn);
	ks_dn_report_init(&rep, ks_cmd_threshold(st, &sp, threshold));
	rep.ingests = ningest;
	rep.darknet_addresses = ks_pset_v4_count(&dn);
	if (r == 0)
		r = ks_store_dn_counters(st, &sp, rep.counters);
	if (r == 0)
		r = ks_store_dn_ports(st, &sp, ks_dn_report_port, &rep);
	if (r == 0)
		r = ks_store_dn_sources(st, &sp, ks_dn_report_source, &rep);
	if (r == 0)
		r = ks_store_dn_dests(st, &sp, KS_DN_TOP, ks_dn_report_dest, &rep, &rep.addresses_hit);
	if (r != 0) {
		ks_err("store %s: %s", ks_g.db, ks_store_errmsg(st));
		r = KS_EXIT_FAIL;
	} else if (ks_g.format == KS_FMT_JSON) {
		ks_cmd_json(ks_dn_report_json(&rep));
	} else if (ks_g.format == KS_FMT_CSV) {
		ks_dn_report_csv(stdout, &rep);
	} else {
		ks_dn_report_text(stdout, &rep);
	}
	ks_dn_report_release(&rep);
	ks_pset_release(&dn);
	ks_store_close(st);
	return r;
}

/* ---- sources ---- */

struct src_filter {
	unsigned tag;
	int cls;
	const char *country;
	int scanners, victims;
	uint32_t threshold;
};

static int src_match(const struct src_filter *f, const struct ks_dn_source *s)
{
	if (f->tag && !(s->tags & f->tag))
		return 0;
	if (f->cls >= 0 && s->cls[f->cls] == 0)
		return 0;
	if (f->country && strcasecmp(f->country, s->country[0] ? s->country : "--") != 0)
		return 0;
	if (f->scanners && !ks_dn_is_scanner(s, f->threshold))
		return 0;
	if (f->victims && !ks_dn_is_victim(s))
		return 0;
	return 1;
}

/* The top N matching sources, kept in a min-heap ordered by (packets,
 * address reversed): its root is the weakest, replaced when a better one
 * comes. Rows are rendered only for sources that enter the heap. */
struct cand {
	uint64_t packets;
	struct ks_addr addr;
	char *row;
};

struct src_pass {
	const struct src_filter *f;
	struct cand *heap;
	size_t n, top;
};

/* a ranks below b: fewer packets, or as many and a later address */
static int weaker(const struct cand *a, const struct cand *b)
{
	if (a->packets != b->packets)
		return a->packets < b->packets;
	return ks_addr_cmp(&a->addr, &b->addr) > 0;
}

static void sift_down(struct cand *h, size_t n, size_t i)
{
	for (;;) {
		size_t l = 2 * i + 1, r = l + 1, m = i;
		if (l < n && weaker(&h[l], &h[m]))
			m = l;
		if (r < n && weaker(&h[r], &h[m]))
			m = r;
		if (m == i)
			return;
		struct cand t = h[i];
		h[i] = h[m];
		h[m] = t;
		i = m;
	}
}

static void sift_up(struct cand *h, size_t i)
{
	while (i > 0 && weaker(&h[i], &h[(i - 1) / 2])) {
		struct cand t = h[i];
		h[i] = h[(i - 1) / 2];
		h[(i - 1) / 2] = t;
		i = (i - 1) / 2;
	}
}

static char *render_source(const struct ks_dn_source *s, uint32_t threshold)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	if (!f)
		return NULL;
	if (ks_g.format == KS_FMT_JSON) {
		json_t *j = ks_dn_source_json(s, threshold);
		json_dumpf(j, f, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
		json_decref(j);
	} else if (ks_g.format == KS_FMT_CSV) {
		ks_dn_source_csv_row(f, s, threshold, NULL, 0);
	} else {
		ks_dn_source_text_row(f, s, threshold);
	}
	fclose(f);
	return buf;
}

static int consider(void *ctx, const struct ks_dn_source *s)
{
	struct src_pass *p = ctx;
	struct cand c = {s->packets, s->addr, NULL};
	if (!src_match(p->f, s) || (p->n == p->top && !weaker(&p->heap[0], &c)))
		return 0;
	if (!(c.row = render_source(s, p->f->threshold)))
		return KS_ENOMEM;
	if (p->n < p->top) {
		p->heap[p->n] = c;
		sift_up(p->heap, p->n++);
	} else {
		free(p->heap[0].row);
		p->heap[0] = c;
		sift_down(p->heap, p->n, 0);
	}
	return 0;
}

static int by_rank(const void *a, const void *b)
{
	return weaker(b, a) ? -1 : weaker(a, b) ? 1 : 0;
}

int cmd_darknet_sources(int argc, char **argv)
{
	const char *tag = NULL, *cls = NULL, *country = NULL, *since = NULL, *until = NULL;
	uint32_t top = 50, threshold = 0;
	struct src_filter f = {0, -1, NULL, 0, 0, 0};
	const struct ks_opt opts[] = {
		{"tag", KS_OPT_STR, &tag, "TAG", "only sources with this tag (mirai, zmap, masscan)", 0, 0},
		{"class", KS_OPT_STR, &cls, "CLASS", "only sources with packets of this class", 0, 0},
		{"country", KS_OPT_STR, &country, "CC", "only sources in this country (-- = unknown)", 0, 0},
		{"scanners", KS_OPT_FLAG, &f.scanners, NULL, "only scanners", 0, 0},
		{"victims", KS_OPT_FLAG, &f.victims, NULL, "only DDoS victims (sources of backscatter)", 0, 0},
		{"top", KS_OPT_COUNT, &top, "N", "at most N sources, most packets first (default 50)", 1, 10000000},
		{"since", KS_OPT_STR, &since, "TIME", "only data from this time on", 0, 0},
		{"until", KS_OPT_STR, &until, "TIME", "only data before this time", 0, 0},
		{"scan-threshold", KS_OPT_U32, &threshold, "N", "scanner threshold (default: latest ingest's)", 1, 1u << 31},
		{0},
	};
	const struct ks_cmd_help h = {
		"kansoku darknet sources [--tag T] [--class C] [--country CC] [--top N] [--format text|json|csv]",
		"Lists darknet sources with their aggregates: first/last seen, packets per class, distinct\n"
		"darknet addresses, ports, tags, country and AS.",
		"example:\n  kansoku darknet sources --tag mirai --top 20 --format csv", 0, 0};
	int r = ks_cmd_parse(opts, &h, argc, argv, NULL, NULL);
	if (r >= 0)
		return r;
	if (tag && !(f.tag = (unsigned)ks_dn_tag_parse(tag))) {
		ks_err("--tag '%s': expected mirai, zmap or masscan", tag);
		return KS_EXIT_USAGE;
	}
	if (cls && (f.cls = ks_dn_class_parse(cls)) < 0) {
		ks_err("--class '%s': expected tcp_scan, backscatter, icmp_scan, udp or other", cls);
		return KS_EXIT_USAGE;
	}
	f.country = country;
	struct ks_span sp;
	if (ks_cmd_span(since, until, &sp) != 0)
		return KS_EXIT_USAGE;
	struct ks_store *st;
	if (ks_cmd_store(&st) != 0)
		return KS_EXIT_FAIL;
	f.threshold = ks_cmd_threshold(st, &sp, threshold);
	struct src_pass p = {&f, ks_xcalloc(top + 1, sizeof *p.heap), 0, top};
	r = ks_store_dn_sources(st, &sp, consider, &p);
	if (r != 0) {
		ks_err("store %s: %s", ks_g.db, ks_store_errmsg(st));
		r = KS_EXIT_FAIL;
	} else {
		qsort(p.heap, p.n, sizeof *p.heap, by_rank);
		if (ks_g.format == KS_FMT_CSV)
			ks_dn_source_csv_header(stdout, NULL, 0);
		else if (ks_g.format == KS_FMT_TEXT)
			ks_dn_source_text_header(stdout);
		if (ks_g.format == KS_FMT_JSON)
			fputs("[", stdout);
		for (size_t i = 0; i < p.n; i++) {
			if (ks_g.format == KS_FMT_JSON)
				fputs(i ? ",\n" : "\n", stdout);
			fputs(p.heap[i].row, stdout);
		}
		if (ks_g.format == KS_FMT_JSON)
			fputs(p.n ? "\n]\n" : "]\n", stdout);
	}
	for (size_t i = 0; i < p.n; i++)
		free(p.heap[i].row);
	free(p.heap);
	ks_store_close(st);
	return r;
}

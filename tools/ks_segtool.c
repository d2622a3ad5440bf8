/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * ks_segtool: writes, counts and checks flow segment directories
 * (src/flow/flow_seg.h) for tests/integration/t_flow_seg_kill.sh and
 * bench/flow_seg.sh.
 *
 *   ks_segtool write DIR N [--flush-every K] [--start S] [--block B] [--level L]
 *       appends the deterministic flows S .. S+N-1 and flushes after every K
 *       (and at the end); after each flush prints "flushed M" (M = flows
 *       flushed so far by this run), line-buffered, so a test can SIGKILL
 *       the writer knowing what is durable.
 *   ks_segtool count DIR      prints "N HASH": the flows read and an
 *                             order-independent hash of their contents
 *   ks_segtool expect S N     prints the same for flows S .. S+N-1 as written
 *   ks_segtool verify DIR     checks every segment file on its own (printing
 *                             "bad FILE: offset N: what" for each bad one),
 *                             that every flow is one the writer makes, none
 *                             twice; prints "ok N flows, first gap at G"
 *                             (flows 0..G-1 all present), or exits 1
 *   ks_segtool bench DIR N [--block B] [--level L]
 *                             writes N flows (flushing every 1M, generation
 *                             not timed), scans them, prints rates and size
 *
 * Flow i: first_ms = 2026-11-22T00:00Z + i*7 ms plus jitter, so 100k flows
 * span about 12 minutes and a million about two hours; every 7th flow IPv6
 * (2001:db8::/32 documentation prefix), the rest between 198.18.0.0/15 and
 * 203.0.113.0/24 / 198.51.100.0/24; packets = i + 1 identifies the flow.
 */
#include <dirent.h>
#include <errno.h>
#include <ftw.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <xxhash.h>

#include "flow_seg.h"
#include "ks_err.h"

#define T0_MS 1795305600000LL /* 2026-11-22T00:00:00Z */

__attribute__((format(printf, 1, 2))) static _Noreturn void die(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	fprintf(stderr, "ks_segtool: ");
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
	va_end(ap);
	exit(2);
}

static uint64_t mix(uint64_t x)
{
	x += 0x9e3779b97f4a7c15ull;
	x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ull;
	x = (x ^ (x >> 27)) * 0x94d049bb133111ebull;
	return x ^ (x >> 31);
}

static const uint16_t dports[] = {443, 80, 53, 123, 22, 8080, 23, 6667, 1883, 25};

static void gen(uint64_t i, struct ks_flow *f)
{
	uint64_t r = mix(i), s = mix(r);
	memset(f, 0, sizeof(*f));
	f->first_ms = T0_MS + (int64_t)(i * 7) + (int64_t)(r % 50);
	f->last_ms = f->first_ms + (int64_t)((r >> 8) % 4) * (int64_t)((r >> 12) % 30000);
	f->packets = i + 1;
	f->bytes = (1 + (r >> 20) % 20) * (40 + (s % 1460));
	f->exporter = (uint32_t)((r >> 28) % 3);
	f->sampling = 1;
	f->proto = (r >> 32) % 10 < 7 ? 6 : (r >> 32) % 10 < 9 ? 17 : 1;
	f->sport = f->proto == 1 ? 0 : (uint16_t)(32768 + (s >> 16) % 28000);
	f->dport = f->proto == 1 ? 0x0800 : dports[(s >> 32) % 10];
	f->tcp_flags = f->proto == 6 ? (uint8_t)(0x02 | ((s >> 40) & 0x1d)) : 0;
	if (i % 7 == 6) {
		uint8_t a[16] = {0x20, 0x01, 0x0d, 0xb8};
		memcpy(f->src.b, a, 16);
		memcpy(f->dst.b, a, 16);
		f->src.b[15] = (uint8_t)(r >> 40);
		f->src.b[14] = (uint8_t)(r >> 48);
		f->dst.b[7] = 1;
		f->dst.b[15] = (uint8_t)(s >> 48);
	} else {
		ks_addr_from_v4(&f->src, 0xc6120000u | (uint32_t)((r >> 40) % 65536)); /* 198.18/16 */
		ks_addr_from_v4(&f->dst, ((s >> 50) & 1 ? 0xcb007100u : 0xc6336400u) |
						 (uint32_t)((s >> 52) % 256));
	}
}

static uint64_t flow_hash(const struct ks_flow *f)
{
	struct ks_flow c = *f;
	c.pad[0] = c.pad[1] = 0;
	return XXH3_64bits(&c, sizeof c);
}

static uint64_t num(const char *s)
{
	char *end;
	errno = 0;
	unsigned long long v = strtoull(s, &end, 10);
	if (errno || end == s || *end || s[0] == '-')
		die("bad number '%s'", s);
	return v;
}

struct opts {
	uint64_t flush_every, start;
	struct ks_seg_opts so;
};

static void parse_opts(int argc, char **argv, int first, struct opts *o)
{
	memset(o, 0, sizeof(*o));
	for (int i = first; i < argc; i++) {
		if (i + 1 >= argc)
			die("option %s needs a value", argv[i]);
		if (strcmp(argv[i], "--flush-every") == 0)
			o->flush_every = num(argv[++i]);
		else if (strcmp(argv[i], "--start") == 0)
			o->start = num(argv[++i]);
		else if (strcmp(argv[i], "--block") == 0)
			o->so.block_flows = (uint32_t)num(argv[++i]);
		else if (strcmp(argv[i], "--level") == 0 && argv[i + 1][0] == '-')
			o->so.zstd_level = -(int)num(argv[++i] + 1); /* zstd's fast levels */
		else if (strcmp(argv[i], "--level") == 0)
			o->so.zstd_level = (int)num(argv[++i]);
		else
			die("unknown option %s", argv[i]);
	}
}

static struct ks_seg_writer *open_writer(const char *dir, const struct opts *o)
{
	char err[512];
	struct ks_seg_writer *w = ks_seg_writer_open(dir, &o->so, err, sizeof err);
	if (!w)
		die("%s", err);
	return w;
}

static void flush_or_die(struct ks_seg_writer *w)
{
	if (ks_seg_flush(w) != 0)
		die("flush: %s", ks_seg_writer_error(w));
}

static int cmd_write(int argc, char **argv)
{
	if (argc < 4)
		die("%s", "usage: ks_segtool write DIR N [--flush-every K] [--start S]");
	struct opts o;
	parse_opts(argc, argv, 4, &o);
	uint64_t n = num(argv[3]), flushed = 0;
	setvbuf(stdout, NULL, _IOLBF, 0);
	struct ks_seg_writer *w = open_writer(argv[2], &o);
	for (uint64_t i = 0; i < n; i++) {
		struct ks_flow f;
		gen(o.start + i, &f);
		if (ks_seg_append(w, &f) != 0)
			die("%s", "append failed");
		if (o.flush_every && ks_seg_buffered(w) >= o.flush_every) {
			flush_or_die(w);
			flushed = i + 1;
			printf("flushed %" PRIu64 "\n", flushed);
		}
	}
	if (ks_seg_buffered(w) > 0) {
		flush_or_die(w);
		printf("flushed %" PRIu64 "\n", n);
	}
	if (ks_seg_writer_close(w) != 0)
		die("%s", "close failed");
	return 0;
}

struct tally {
	uint64_t n, hash;
	uint8_t *seen; /* verify: bitmap of packets - 1 */
	uint64_t seencap, dups, wrong, min_idx;
};

static int count_fn(void *ctx, const struct ks_flow *f)
{
	struct tally *t = ctx;
	t->n++;
	t->hash += flow_hash(f);
	if (!t->seen)
		return 0;
	uint64_t idx = f->packets - 1;
	struct ks_flow want;
	gen(idx, &want);
	if (f->packets == 0 || memcmp(&want, f, sizeof want) != 0) {
		t->wrong++;
		return 0;
	}
	if (idx >= t->seencap * 8) {
		uint64_t nc = t->seencap * 2;
		while (idx >= nc * 8)
			nc *= 2;
		uint8_t *s = realloc(t->seen, nc);
		if (!s)
			die("%s", "out of memory");
		memset(s + t->seencap, 0, nc - t->seencap);
		t->seen = s;
		t->seencap = nc;
	}
	if (t->seen[idx / 8] & (1u << (idx % 8)))
		t->dups++;
	t->seen[idx / 8] |= (uint8_t)(1u << (idx % 8));
	return 0;
}

/* What a fast consumer does: touch a field or two of every flow. */
static int light_fn(void *ctx, const struct ks_flow *f)
{
	struct tally *t = ctx;
	t->n++;
	t->hash += f->bytes ^ (uint64_t)f->first_ms;
	return 0;
}

static void scan_or_die(const char *dir, struct tally *t)
{
	char err[512];
	int rc = ks_seg_scan(dir, 0, 0, NULL, count_fn, t, err, sizeof err);
	if (rc != 0) {
		printf("error: %s\n", err);
		exit(1);
	}
}

static int cmd_count(int argc, char **argv)
{
	if (argc != 3)
		die("%s", "usage: ks_segtool count DIR");
	struct tally t = {0};
	scan_or_die(argv[2], &t);
	printf("%" PRIu64 " %016" PRIx64 "\n", t.n, t.hash);
	return 0;
}

static int cmd_expect(int argc, char **argv)
{
	if (argc != 4)
		die("%s", "usage: ks_segtool expect START N");
	uint64_t s = num(argv[2]), n = num(argv[3]), h = 0;
	for (uint64_t i = 0; i < n; i++) {
		struct ks_flow f;
		gen(s + i, &f);
		h += flow_hash(&f);
	}
	printf("%" PRIu64 " %016" PRIx64 "\n", n, h);
	return 0;
}

/* Reads one whole file into memory; caller frees. */
static uint8_t *slurp(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	if (!f)
		return NULL;
	size_t cap = 1 << 16, n = 0, k;
	uint8_t *buf = malloc(cap);
	while (buf && (k = fread(buf + n, 1, cap - n, f)) > 0) {
		n += k;
		if (n == cap) {
			uint8_t *nb = realloc(buf, cap *= 2);
			if (!nb) {
				free(buf);
				buf = NULL;
			}
			buf = nb;
		}
	}
	fclose(f);
	*len = n;
	return buf;
}

static int name_cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Sorted names of the entries of dir (not . and ..); caller frees. */
static char **names(const char *dir, size_t *n)
{
	DIR *d = opendir(dir);
	char **v = NULL;
	size_t cnt = 0;
	struct dirent *e;
	*n = 0;
	if (!d)
		return NULL;
	while ((e = readdir(d)) != NULL) {
		if (e->d_name[0] == '.')
			continue;
		char **nv = realloc(v, (cnt + 1) * sizeof(*v));
		if (!nv || (nv[cnt] = strdup(e->d_name)) == NULL)
			die("%s", "out of memory");
		v = nv;
		cnt++;
	}
	closedir(d);
	if (cnt)
		qsort(v, cnt, sizeof(*v), name_cmp);
	*n = cnt;
	return v;
}

/* Checks every segment file on its own (ks_seg_read_mem), so that every
 * bad file is listed, not only the first a scan meets. */
static int cmd_verify(int argc, char **argv)
{
	if (argc != 3)
		die("%s", "usage: ks_segtool verify DIR");
	struct tally t = {0};
	t.seencap = 1 << 16;
	t.seen = calloc(t.seencap, 1);
	if (!t.seen)
		die("%s", "out of memory");
	size_t np, nbad = 0, nfiles = 0;
	char **parts = names(argv[2], &np);
	for (size_t i = 0; i < np; i++) {
		char pd[4096];
		snprintf(pd, sizeof pd, "%s/%s", argv[2], parts[i]);
		size_t nf;
		char **files = names(pd, &nf);
		for (size_t j = 0; j < nf; j++) {
			size_t l = strlen(files[j]);
			if (l != 12 || strcmp(files[j] + 8, ".kfs") != 0) { /* what readers skip: *.tmp */
				free(files[j]);
				continue;
			}
			char path[4400], err[256];
			snprintf(path, sizeof path, "%s/%s", pd, files[j]);
			size_t len = 0;
			uint8_t *buf = slurp(path, &len);
			nfiles++;
			if (!buf) {
				printf("bad %s: %s\n", path, strerror(errno));
				nbad++;
				free(files[j]);
				continue;
			}
			if (ks_seg_read_mem(buf, len, 0, 0, NULL, count_fn, &t, NULL, err, sizeof err) != 0) {
				printf("bad %s: %s\n", path, err);
				nbad++;
			}
			free(buf);
			free(files[j]);
		}
		free(files);
		free(parts[i]);
	}
	free(parts);
	uint64_t gap = 0;
	while (gap < t.seencap * 8 && (t.seen[gap / 8] & (1u << (gap % 8))))
		gap++;
	free(t.seen);
	if (nbad) {
		printf("error: %zu of %zu files bad\n", nbad, nfiles);
		return 1;
	}
	if (t.wrong || t.dups) {
		printf("error: %" PRIu64 " flows not as written, %" PRIu64 " duplicates\n", t.wrong,
		       t.dups);
		return 1;
	}
	printf("ok %" PRIu64 " flows, first gap at %" PRIu64 "\n", t.n, gap);
	return 0;
}

static double now_s(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static double cpu_s(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static uint64_t du_bytes;
static int du_one(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)path;
	(void)ftw;
	if (flag == FTW_F)
		du_bytes += (uint64_t)st->st_size;
	return 0;
}

static int cmd_bench(int argc, char **argv)
{
	if (argc < 4)
		die("%s", "usage: ks_segtool bench DIR N [--block B] [--level L]");
	struct opts o;
	parse_opts(argc, argv, 4, &o);
	const char *dir = argv[2];
	uint64_t n = num(argv[3]), chunk = 1000000;
	if (ks_seg_remove_all(dir) != 0)
		die("cannot remove %s", dir);
	struct ks_flow *v = malloc(chunk * sizeof(*v));
	if (!v)
		die("%s", "out of memory");
	struct ks_seg_writer *w = open_writer(dir, &o);
	double tw = 0, cw = 0;
	for (uint64_t at = 0; at < n; at += chunk) {
		uint64_t k = n - at < chunk ? n - at : chunk;
		for (uint64_t i = 0; i < k; i++)
			gen(at + i, &v[i]);
		double t0 = now_s(), c0 = cpu_s();
		for (uint64_t i = 0; i < k; i++)
			if (ks_seg_append(w, &v[i]) != 0)
				die("%s", "append failed");
		flush_or_die(w);
		tw += now_s() - t0;
		cw += cpu_s() - c0;
	}
	ks_seg_writer_close(w);
	free(v);
	struct tally t = {0};
	char err[512];
	double t0 = now_s(), c0 = cpu_s();
	if (ks_seg_scan(dir, 0, 0, NULL, light_fn, &t, err, sizeof err) != 0)
		die("%s", err);
	double tr = now_s() - t0, cr = cpu_s() - c0;
	if (t.n != n)
		die("%s", "read back a different number of flows");
	du_bytes = 0;
	nftw(dir, du_one, 16, FTW_PHYS);
	printf("flows %" PRIu64 "\n", n);
	printf("write %.0f flows/s wall, %.0f flows/s CPU (%.3f s wall, %.3f s CPU; append + flush "
	       "with fsync)\n",
	       (double)n / tw, (double)n / cw, tw, cw);
	printf("read %.0f flows/s wall, %.0f flows/s CPU (%.3f s wall, %.3f s CPU; cold scan of "
	       "every flow)\n",
	       (double)n / tr, (double)n / cr, tr, cr);
	printf("disk %" PRIu64 " bytes, %.2f bytes/flow (struct ks_flow is %zu)\n", du_bytes,
	       (double)du_bytes / (double)n, sizeof(struct ks_flow));
	return 0;
}

/* Scans DIR R times; prints the best wall and CPU rates. */
static int cmd_read(int argc, char **argv)
{
	if (argc < 3 || argc > 4)
		die("%s", "usage: ks_segtool read DIR [R]");
	uint64_t reps = argc == 4 ? num(argv[3]) : 3;
	double best = 0, bestcpu = 0;
	uint64_t n = 0;
	for (uint64_t i = 0; i < reps; i++) {
		struct tally t = {0};
		char err[512];
		double t0 = now_s(), c0 = cpu_s();
		if (ks_seg_scan(argv[2], 0, 0, NULL, light_fn, &t, err, sizeof err) != 0)
			die("%s", err);
		double w = now_s() - t0, c = cpu_s() - c0;
		n = t.n;
		best = i == 0 || w < best ? w : best;
		bestcpu = i == 0 || c < bestcpu ? c : bestcpu;
	}
	printf("read %" PRIu64 " flows: %.0f flows/s wall, %.0f flows/s CPU (best of %" PRIu64 ")\n",
	       n, (double)n / best, (double)n / bestcpu, reps);
	return 0;
}

int main(int argc, char **argv)
{
	if (argc < 2)
		die("%s", "usage: ks_segtool write|count|expect|verify|bench ...");
	if (strcmp(argv[1], "write") == 0)
		return cmd_write(argc, argv);
	if (strcmp(argv[1], "count") == 0)
		return cmd_count(argc, argv);
	if (strcmp(argv[1], "expect") == 0)
		return cmd_expect(argc, argv);
	if (strcmp(argv[1], "verify") == 0)
		return cmd_verify(argc, argv);
	if (strcmp(argv[1], "read") == 0)
		return cmd_read(argc, argv);
	if (strcmp(argv[1], "bench") == 0)
		return cmd_bench(argc, argv);
	die("unknown command %s", argv[1]);
}

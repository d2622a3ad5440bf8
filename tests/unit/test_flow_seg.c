/* SPDX-License-Identifier: BSD-2-Clause */
#include <dirent.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "flow_filter.h"
#include "flow_seg.h"
#include "ks_err.h"
#include "ks_test.h"

#define H 3600000LL
#define T0 1795305600000LL /* 2026-11-22T00:00:00Z */

static uint64_t rng = 0x2545f4914f6cdd1dull;
static uint64_t rnd(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return rng;
}

static void rand_flow(struct ks_flow *f, int64_t first)
{
	memset(f, 0, sizeof(*f));
	f->first_ms = first;
	switch (rnd() % 4) {
	case 0:
		f->last_ms = first;
		break;
	case 1:
		f->last_ms = first + (int64_t)(rnd() % 1000);
		break;
	default:
		f->last_ms = first + (int64_t)(rnd() % (7 * 86400000ull));
	}
	int big = rnd() % 5 == 0; /* full 64-bit counters now and then */
	f->packets = big ? rnd() : rnd() % 100;
	f->bytes = big ? rnd() : rnd() % 150000;
	f->exporter = rnd() % 3 == 0 ? (uint32_t)rnd() : 2;
	f->sampling = rnd() % 10 == 0 ? (uint32_t)rnd() : 1;
	f->sport = (uint16_t)rnd();
	f->dport = (uint16_t)rnd();
	f->proto = (uint8_t)rnd();
	f->tcp_flags = (uint8_t)rnd();
	if (rnd() % 3 == 0) {
		for (int i = 0; i < 16; i++) {
			f->src.b[i] = (uint8_t)rnd();
			f->dst.b[i] = (uint8_t)rnd();
		}
		f->src.b[0] = 0x20; /* not IPv4-mapped */
	} else {
		ks_addr_from_v4(&f->src, 0xc6120000u | (uint32_t)(rnd() & 0x1ffff));
		ks_addr_from_v4(&f->dst, (uint32_t)rnd());
	}
}

static char *tmpdir(void)
{
	char t[] = "/tmp/ks-test-seg.XXXXXX";
	char *d = mkdtemp(t);
	return d ? strdup(d) : NULL;
}

struct collect {
	struct ks_flow *v;
	size_t n, cap;
};

static int collect_fn(void *ctx, const struct ks_flow *f)
{
	struct collect *c = ctx;
	if (c->n == c->cap) {
		c->cap = c->cap ? c->cap * 2 : 1024;
		c->v = realloc(c->v, c->cap * sizeof(*c->v));
		if (!c->v)
			abort();
	}
	c->v[c->n++] = *f;
	return 0;
}

static int scan_all(const char *dir, int64_t since, int64_t until, const struct ks_flow_filter *flt,
		    struct collect *c, char *err, size_t errlen)
{
	c->n = 0;
	return ks_seg_scan(dir, since, until, flt, collect_fn, c, err, errlen);
}

static size_t count_files(const char *dir, const char *suffix)
{
	size_t n = 0;
	DIR *d = opendir(dir);
	struct dirent *e;
	while (d && (e = readdir(d)) != NULL) {
		if (e->d_name[0] == '.')
			continue;
		char p[512];
		snprintf(p, sizeof p, "%s/%s", dir, e->d_name);
		struct stat st;
		if (stat(p, &st) == 0 && S_ISDIR(st.st_mode)) {
			n += count_files(p, suffix);
		} else {
			size_t l = strlen(e->d_name), s = strlen(suffix);
			n += l >= s && strcmp(e->d_name + l - s, suffix) == 0;
		}
	}
	if (d)
		closedir(d);
	return n;
}

KS_TEST(seg_round_trip_random_across_hours)
{
	char *dir = tmpdir(), err[512];
	struct ks_seg_opts o = {100, 3}; /* small blocks: many, of varied make-up */
	struct ks_seg_writer *w = ks_seg_writer_open(dir, &o, err, sizeof err);
	CHECK(w != NULL);
	enum { N = 5000 };
	static struct ks_flow in[N];
	for (size_t i = 0; i < N; i++) {
		/* Five hours, out of order within and across hours. */
		rand_flow(&in[i], T0 + (int64_t)(rnd() % (5 * H)));
		if (i < 300) { /* an all-IPv4 stretch for the 4-byte encoding */
			ks_addr_from_v4(&in[i].src, (uint32_t)i);
			ks_addr_from_v4(&in[i].dst, (uint32_t)~i);
		}
		if (i == 7)
			in[i].pad[0] = 9; /* written as zero */
		CHECK_EQ_U64(ks_seg_append(w, &in[i]), 0);
	}
	CHECK_EQ_U64(ks_seg_buffered(w), N);
	CHECK_EQ_U64(ks_seg_flush(w), 0);
	CHECK_EQ_U64(ks_seg_buffered(w), 0);
	CHECK_EQ_U64(ks_seg_writer_close(w), 0);
	CHECK_EQ_U64(count_files(dir, ".kfs"), 5);

	struct collect c = {0};
	CHECK_EQ_U64(scan_all(dir, 0, 0, NULL, &c, err, sizeof err), 0);
	CHECK_EQ_U64(c.n, N);
	/* Expected order: hour by hour, append order within an hour. */
	size_t k = 0;
	in[7].pad[0] = 0;
	for (int64_t h = 0; h < 5; h++)
		for (size_t i = 0; i < N; i++)
			if ((in[i].first_ms - T0) / H == h) {
				if (k < c.n && memcmp(&in[i], &c.v[k], sizeof in[i]) != 0) {
					fprintf(stderr, "  flow %zu (in %zu) differs\n", k, i);
					ks_test_failures++;
				}
				k++;
			}
	CHECK_EQ_U64(k, N);

	/* Time bounds: partitions pruned, flows cut at first_ms. */
	CHECK_EQ_U64(scan_all(dir, T0 + H + 1234, T0 + 3 * H, NULL, &c, err, sizeof err), 0);
	size_t want = 0;
	for (size_t i = 0; i < N; i++)
		want += in[i].first_ms >= T0 + H + 1234 && in[i].first_ms < T0 + 3 * H;
	CHECK_EQ_U64(c.n, want);
	for (size_t i = 0; i < c.n; i++)
		CHECK(c.v[i].first_ms >= T0 + H + 1234 && c.v[i].first_ms < T0 + 3 * H);

	/* A filter inside the scan. */
	struct ks_flow_filter *flt;
	CHECK_EQ_U64(ks_flow_filter_parse("src net 198.18.0.0/15 and not proto 6", &flt, err, sizeof err), 0);
	CHECK_EQ_U64(scan_all(dir, 0, 0, flt, &c, err, sizeof err), 0);
	want = 0;
	for (size_t i = 0; i < N; i++)
		want += ks_flow_filter_match(flt, &in[i]);
	CHECK(want > 100);
	CHECK_EQ_U64(c.n, want);
	ks_flow_filter_free(flt);

	free(c.v);
	CHECK_EQ_U64(ks_seg_remove_all(dir), 0);
	CHECK(access(dir, F_OK) != 0);
	CHECK_EQ_U64(ks_seg_remove_all(dir), 0); /* missing: fine */
	free(dir);
}

static void flows_in_hour(struct ks_seg_writer *w, int64_t hour_ms, size_t n, uint64_t tag)
{
	for (size_t i = 0; i < n; i++) {
		struct ks_flow f;
		rand_flow(&f, hour_ms + (int64_t)(i * 1000));
		f.packets = tag + i;
		CHECK_EQ_U64(ks_seg_append(w, &f), 0);
	}
}

KS_TEST(seg_flush_twice_two_files_and_tmp_ignored)
{
	char *dir = tmpdir(), err[512], p[512];
	struct ks_seg_writer *w = ks_seg_writer_open(dir, NULL, err, sizeof err);
	CHECK(w != NULL);
	CHECK_EQ_U64(ks_seg_flush(w), 0); /* nothing buffered: no file */
	flows_in_hour(w, T0, 10, 1000);
	CHECK_EQ_U64(ks_seg_flush(w), 0);
	flows_in_hour(w, T0, 20, 2000);
	CHECK_EQ_U64(ks_seg_flush(w), 0);
	CHECK_EQ_U64(ks_seg_writer_close(w), 0);
	snprintf(p, sizeof p, "%s/2026-11-22T00/00000001.kfs", dir);
	CHECK(access(p, F_OK) == 0);
	snprintf(p, sizeof p, "%s/2026-11-22T00/00000002.kfs", dir);
	CHECK(access(p, F_OK) == 0);

	struct collect c = {0};
	CHECK_EQ_U64(scan_all(dir, 0, 0, NULL, &c, err, sizeof err), 0);
	CHECK_EQ_U64(c.n, 30);
	CHECK_EQ_U64(c.v[0].packets, 1000);
	CHECK_EQ_U64(c.v[10].packets, 2000);

	/* Leftovers of a crash, and foreign names: readers ignore them. */
	snprintf(p, sizeof p, "%s/2026-11-22T00/00000003.kfs.tmp", dir);
	FILE *f = fopen(p, "w");
	CHECK(f != NULL);
	if (f) {
		fputs("half a segment", f);
		fclose(f);
	}
	snprintf(p, sizeof p, "%s/2026-11-22T00/notes.txt", dir);
	f = fopen(p, "w");
	if (f)
		fclose(f);
	snprintf(p, sizeof p, "%s/2026-13-01T00", dir); /* not a real hour */
	mkdir(p, 0755);
	CHECK_EQ_U64(scan_all(dir, 0, 0, NULL, &c, err, sizeof err), 0);
	CHECK_EQ_U64(c.n, 30);

	/* The next writer removes the tmp file and continues the numbering. */
	w = ks_seg_writer_open(dir, NULL, err, sizeof err);
	CHECK(w != NULL);
	CHECK_EQ_U64(count_files(dir, ".tmp"), 0);
	flows_in_hour(w, T0 + 10, 5, 3000);
	CHECK_EQ_U64(ks_seg_writer_close(w), 0); /* close flushes */
	snprintf(p, sizeof p, "%s/2026-11-22T00/00000003.kfs", dir);
	CHECK(access(p, F_OK) == 0);
	CHECK_EQ_U64(scan_all(dir, 0, 0, NULL, &c, err, sizeof err), 0);
	CHECK_EQ_U64(c.n, 35);
	CHECK_EQ_U64(c.v[30].packets, 3000);

	/* A missing directory holds no flows. */
	snprintf(p, sizeof p, "%s/none", dir);
	CHECK_EQ_U64(scan_all(p, 0, 0, NULL, &c, err, sizeof err), 0);
	CHECK_EQ_U64(c.n, 0);
	free(c.v);
	ks_seg_remove_all(dir);
	free(dir);
}

static int count_fn(void *ctx, const struct ks_flow *f)
{
	(void)f;
	(*(size_t *)ctx)++;
	return 0;
}

static int stop_fn(void *ctx, const struct ks_flow *f)
{
	(void)f;
	return ++*(size_t *)ctx == 3 ? 42 : 0;
}

static long file_size(const char *p)
{
	struct stat st;
	return stat(p, &st) == 0 ? (long)st.st_size : -1;
}

static void patch(const char *p, long off, uint8_t xor)
{
	int fd = open(p, O_RDWR);
	uint8_t b = 0;
	if (fd < 0 || pread(fd, &b, 1, off) != 1) {
		ks_test_failures++;
	} else {
		b ^= xor;
		if (pwrite(fd, &b, 1, off) != 1)
			ks_test_failures++;
	}
	if (fd >= 0)
		close(fd);
}

KS_TEST(seg_corruption_named)
{
	char *dir = tmpdir(), err[512], p[512];
	struct ks_seg_opts o = {64, 1};
	struct ks_seg_writer *w = ks_seg_writer_open(dir, &o, err, sizeof err);
	flows_in_hour(w, T0, 1000, 0);
	CHECK_EQ_U64(ks_seg_writer_close(w), 0);
	snprintf(p, sizeof p, "%s/2026-11-22T00/00000001.kfs", dir);
	long size = file_size(p);
	CHECK(size > 1000);

	size_t n = 0;
	CHECK_EQ_U64(ks_seg_scan(dir, 0, 0, NULL, stop_fn, &n, err, sizeof err), 42);
	CHECK_EQ_U64(n, 3);

	/* One byte flipped in the middle: a data checksum fails, and no flow
	 * of the file is handed out. */
	patch(p, size / 2, 0x10);
	n = 0;
	err[0] = '\0';
	CHECK_EQ_U64((uint64_t)-ks_seg_scan(dir, 0, 0, NULL, count_fn, &n, err, sizeof err), -KS_EINVAL);
	CHECK_EQ_U64(n, 0);
	CHECK(strstr(err, p) == err);
	CHECK(strstr(err, "offset ") != NULL);
	CHECK(strstr(err, "checksum mismatch") != NULL);
	fprintf(stderr, "  (expected) %s\n", err);
	patch(p, size / 2, 0x10); /* restored */
	CHECK_EQ_U64(ks_seg_scan(dir, 0, 0, NULL, count_fn, &n, err, sizeof err), 0);
	CHECK_EQ_U64(n, 1000);

	/* The header's checksum covers the counts. */
	patch(p, 17, 1);
	CHECK_EQ_U64((uint64_t)-ks_seg_scan(dir, 0, 0, NULL, count_fn, &n, err, sizeof err), -KS_EINVAL);
	CHECK(strstr(err, "offset 0: header checksum mismatch") != NULL);
	patch(p, 17, 1);

	/* Truncated: named, with the offset where bytes ran out. */
	CHECK_EQ_U64(truncate(p, size - 5), 0);
	n = 0;
	CHECK_EQ_U64((uint64_t)-ks_seg_scan(dir, 0, 0, NULL, count_fn, &n, err, sizeof err), -KS_EINVAL);
	CHECK_EQ_U64(n, 0);
	CHECK(strstr(err, p) == err);
	CHECK(strstr(err, "truncated") != NULL);
	fprintf(stderr, "  (expected) %s\n", err);
	CHECK_EQ_U64(truncate(p, 10), 0);
	CHECK_EQ_U64((uint64_t)-ks_seg_scan(dir, 0, 0, NULL, count_fn, &n, err, sizeof err), -KS_EINVAL);
	CHECK(strstr(err, "truncated header") != NULL);
	CHECK_EQ_U64(truncate(p, 0), 0);
	CHECK_EQ_U64((uint64_t)-ks_seg_scan(dir, 0, 0, NULL, count_fn, &n, err, sizeof err), -KS_EINVAL);
	CHECK(strstr(err, "truncated header") != NULL);
	ks_seg_remove_all(dir);
	free(dir);
}

KS_TEST(seg_expire_removes_old_hours)
{
	char *dir = tmpdir(), err[512];
	struct ks_seg_writer *w = ks_seg_writer_open(dir, NULL, err, sizeof err);
	for (int64_t h = 0; h < 4; h++) {
		flows_in_hour(w, T0 + h * H, 10, 0);
		CHECK_EQ_U64(ks_seg_flush(w), 0);
		flows_in_hour(w, T0 + h * H + 5, 10, 0);
		CHECK_EQ_U64(ks_seg_flush(w), 0);
	}
	CHECK_EQ_U64(ks_seg_writer_close(w), 0);
	uint64_t removed = 99;
	CHECK_EQ_U64(ks_seg_expire(dir, T0, &removed), 0); /* hour 0 ends after T0 */
	CHECK_EQ_U64(removed, 0);
	CHECK_EQ_U64(ks_seg_expire(dir, T0 + 2 * H - 1, &removed), 0);
	CHECK_EQ_U64(removed, 2); /* hour 0 only: hour 1 ends at T0 + 2H */
	CHECK_EQ_U64(ks_seg_expire(dir, T0 + 2 * H, &removed), 0);
	CHECK_EQ_U64(removed, 2);
	size_t n = 0;
	CHECK_EQ_U64(ks_seg_scan(dir, 0, 0, NULL, count_fn, &n, err, sizeof err), 0);
	CHECK_EQ_U64(n, 40);
	char p[512];
	snprintf(p, sizeof p, "%s/2026-11-22T01", dir);
	CHECK(access(p, F_OK) != 0);
	snprintf(p, sizeof p, "%s/2026-11-22T02", dir);
	CHECK(access(p, F_OK) == 0);
	CHECK_EQ_U64(ks_seg_expire(dir, INT64_MAX / 2, NULL), 0);
	n = 0;
	CHECK_EQ_U64(ks_seg_scan(dir, 0, 0, NULL, count_fn, &n, err, sizeof err), 0);
	CHECK_EQ_U64(n, 0);
	ks_seg_remove_all(dir);
	free(dir);
}

KS_TEST(seg_append_and_open_limits)
{
	char *dir = tmpdir(), err[512], p[512];
	struct ks_seg_writer *w = ks_seg_writer_open(dir, NULL, err, sizeof err);
	struct ks_flow f;
	rand_flow(&f, -1);
	CHECK_EQ_U64((uint64_t)-ks_seg_append(w, &f), -KS_EINVAL);
	rand_flow(&f, 253402300800000LL); /* year 10000 */
	CHECK_EQ_U64((uint64_t)-ks_seg_append(w, &f), -KS_EINVAL);
	rand_flow(&f, 0);
	CHECK_EQ_U64(ks_seg_append(w, &f), 0);
	CHECK_EQ_U64(ks_seg_writer_close(w), 0);
	snprintf(p, sizeof p, "%s/1970-01-01T00/00000001.kfs", dir);
	CHECK(access(p, F_OK) == 0);
	CHECK(ks_seg_writer_close(NULL) == 0);

	struct ks_seg_opts o = {KS_SEG_MAX_BLOCK + 1, 1};
	CHECK(ks_seg_writer_open(dir, &o, err, sizeof err) == NULL);
	CHECK(strstr(err, "block_flows") != NULL);
	snprintf(p, sizeof p, "%s/1970-01-01T00/00000001.kfs/x", dir); /* under a file */
	CHECK(ks_seg_writer_open(p, NULL, err, sizeof err) == NULL);
	CHECK(strstr(err, p) == err);
	ks_seg_remove_all(dir);
	free(dir);
}

KS_TEST(seg_read_mem_rejects_garbage)
{
	char err[256];
	size_t n = 0;
	static const uint8_t junk[80] = "KSFLOWSG";
	CHECK_EQ_U64((uint64_t)-ks_seg_read_mem(junk, sizeof junk, 0, 0, NULL, count_fn, &n, NULL, err,
						  sizeof err),
		     -KS_EINVAL);
	CHECK(strstr(err, "header checksum") != NULL);
	CHECK_EQ_U64((uint64_t)-ks_seg_read_mem(junk, 3, 0, 0, NULL, count_fn, &n, NULL, err, sizeof err),
		     -KS_ETRUNC);
	CHECK_EQ_U64(n, 0);
}

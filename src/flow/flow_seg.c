/* SPDX-License-Identifier: BSD-2-Clause */
/* Flow segment files and directories (flow_seg.h): the writer's buffer,
 * partitioning by hour, the durable tmp-fsync-rename-fsync write, scans in
 * time order, retention and removal. The byte format is flow_seg_codec.c. */
#include "flow_seg.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "flow_seg_int.h"
#include "ks_err.h"

#define HOUR_MS 3600000LL
#define MAX_HOUR 2777777LL /* 9999-12-31T23: last hour with a four-digit year */
#define PART_LEN 13        /* "YYYY-MM-DDTHH" */
#define FILE_LEN 12        /* "NNNNNNNN.kfs" */
#define MAX_SEQ 99999999u

struct part_seq {
	int64_t hour;
	uint32_t next; /* next sequence number to use */
};

struct ks_seg_writer {
	char *dir;
	struct ks_seg_opts o;
	struct ks_flow *buf; /* buffered flows, append order */
	size_t n, cap;
	struct ks_flow *sorted; /* flush scratch, grouped by hour */
	size_t sortedcap;
	struct part_seq *seq; /* partitions seen by this writer */
	size_t nseq, seqcap;
	struct ks_seg_enc enc;
	char msg[512];
};

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

static int64_t hour_of(int64_t ms) { return ms / HOUR_MS; } /* ms >= 0 (ks_seg_append) */

static void part_name(int64_t hour, char out[32])
{
	time_t t = (time_t)(hour * 3600);
	struct tm tm;
	gmtime_r(&t, &tm);
	snprintf(out, 32, "%04d-%02d-%02dT%02d", tm.tm_year + 1900, tm.tm_mon + 1,
		 tm.tm_mday, tm.tm_hour);
}

/* Hour number of a partition directory name, or -1 if name is not one. */
static int64_t part_parse(const char *name)
{
	static const char shape[] = "dddd-dd-ddTdd";
	if (strlen(name) != PART_LEN)
		return -1;
	for (int i = 0; i < PART_LEN; i++)
		if (shape[i] == 'd' ? (name[i] < '0' || name[i] > '9') : name[i] != shape[i])
			return -1;
	struct tm tm;
	memset(&tm, 0, sizeof tm);
	tm.tm_year = (name[0] - '0') * 1000 + (name[1] - '0') * 100 + (name[2] - '0') * 10 +
		     (name[3] - '0') - 1900;
	tm.tm_mon = (name[5] - '0') * 10 + (name[6] - '0') - 1;
	tm.tm_mday = (name[8] - '0') * 10 + (name[9] - '0');
	tm.tm_hour = (name[11] - '0') * 10 + (name[12] - '0');
	time_t t = timegm(&tm);
	if (t < 0 || t % 3600 != 0)
		return -1;
	int64_t hour = (int64_t)t / 3600;
	char back[32];
	part_name(hour, back);
	return strcmp(back, name) == 0 ? hour : -1; /* rejects 2026-02-30T00, hour 24 */
}

/* Sequence number of "NNNNNNNN.kfs", or 0 if name is not a segment file. */
static uint32_t file_seq(const char *name)
{
	if (strlen(name) != FILE_LEN || strcmp(name + 8, ".kfs") != 0)
		return 0;
	uint32_t v = 0;
	for (int i = 0; i < 8; i++) {
		if (name[i] < '0' || name[i] > '9')
			return 0;
		v = v * 10 + (uint32_t)(name[i] - '0');
	}
	return v;
}

static bool is_tmp(const char *name)
{
	size_t n = strlen(name);
	return n > 4 && strcmp(name + n - 4, ".tmp") == 0;
}

static int fsync_dir(const char *path)
{
	int fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return KS_ESYS;
	int rc = fsync(fd) == 0 ? 0 : KS_ESYS;
	int e = errno;
	close(fd);
	errno = e;
	return rc;
}

/* mkdir -p; a directory made is made durable by an fsync of its parent. */
static int mkdirs(const char *dir)
{
	char p[4096];
	size_t n = strlen(dir);
	if (n == 0 || n >= sizeof p) {
		errno = ENAMETOOLONG;
		return KS_ESYS;
	}
	memcpy(p, dir, n + 1);
	for (size_t i = 1; i <= n; i++) {
		if (p[i] != '/' && p[i] != '\0')
			continue;
		char c = p[i];
		p[i] = '\0';
		if (mkdir(p, 0755) == 0) {
			char *slash = strrchr(p, '/');
			if (slash && slash != p) {
				*slash = '\0';
				if (fsync_dir(p) != 0)
					return KS_ESYS;
				*slash = '/';
			} else if (fsync_dir(slash ? "/" : ".") != 0) {
				return KS_ESYS;
			}
		} else if (errno != EEXIST) {
			return KS_ESYS;
		}
		p[i] = c;
	}
	struct stat st;
	if (stat(dir, &st) != 0)
		return KS_ESYS;
	if (!S_ISDIR(st.st_mode)) {
		errno = ENOTDIR;
		return KS_ESYS;
	}
	return 0;
}

/* Sorted names in dir for which keep(name) holds; caller frees each and *out. */
static int list_dir(const char *dir, bool (*keep)(const char *), char ***out, size_t *n)
{
	*out = NULL;
	*n = 0;
	DIR *d = opendir(dir);
	if (!d)
		return KS_ESYS;
	char **v = NULL;
	size_t cnt = 0, cap = 0;
	struct dirent *e;
	int rc = 0;
	while ((e = readdir(d)) != NULL) {
		if (!keep(e->d_name))
			continue;
		if (cnt == cap) {
			size_t nc = cap ? cap * 2 : 16;
			char **nv = reallocarray(v, nc, sizeof(*nv));
			if (!nv) {
				rc = KS_ENOMEM;
				break;
			}
			v = nv;
			cap = nc;
		}
		if ((v[cnt] = strdup(e->d_name)) == NULL) {
			rc = KS_ENOMEM;
			break;
		}
		cnt++;
	}
	closedir(d);
	if (rc != 0) {
		for (size_t i = 0; i < cnt; i++)
			free(v[i]);
		free(v);
		return rc;
	}
	for (size_t i = 1; i < cnt; i++) /* insertion sort: directories are small */
		for (size_t j = i; j > 0 && strcmp(v[j - 1], v[j]) > 0; j--) {
			char *t = v[j];
			v[j] = v[j - 1];
			v[j - 1] = t;
		}
	*out = v;
	*n = cnt;
	return 0;
}

static void free_list(char **v, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(v[i]);
	free(v);
}

static bool keep_part(const char *name) { return part_parse(name) >= 0; }
static bool keep_seg(const char *name) { return file_seq(name) != 0; }
static bool keep_tmp(const char *name) { return is_tmp(name); }
static bool keep_any(const char *name) { return strcmp(name, ".") != 0 && strcmp(name, "..") != 0; }

/* ------------------------------------------------------------------------ */
/* Writer                                                                    */

struct ks_seg_writer *ks_seg_writer_open(const char *dir, const struct ks_seg_opts *o, char *err,
					 size_t errlen)
{
	struct ks_seg_opts opts = {KS_SEG_DEFAULT_BLOCK, 1};
	if (o) {
		opts = *o;
		if (opts.block_flows == 0)
			opts.block_flows = KS_SEG_DEFAULT_BLOCK;
		if (opts.zstd_level == 0)
			opts.zstd_level = 1;
	}
	if (opts.block_flows > KS_SEG_MAX_BLOCK) {
		fail(err, errlen, KS_EINVAL, "%s: block_flows %u above the maximum %u", dir,
		     opts.block_flows, KS_SEG_MAX_BLOCK);
		return NULL;
	}
	if (mkdirs(dir) != 0) {
		fail(err, errlen, KS_ESYS, "%s: %s", dir, strerror(errno));
		return NULL;
	}
	/* Leftovers of a writer that died during a flush. */
	char **parts, **tmps;
	size_t np, nt;
	if (list_dir(dir, keep_part, &parts, &np) != 0) {
		fail(err, errlen, KS_ESYS, "%s: %s", dir, strerror(errno));
		return NULL;
	}
	for (size_t i = 0; i < np; i++) {
		char pd[4096], f[4200];
		snprintf(pd, sizeof pd, "%s/%s", dir, parts[i]);
		if (list_dir(pd, keep_tmp, &tmps, &nt) != 0)
			continue;
		for (size_t j = 0; j < nt; j++) {
			snprintf(f, sizeof f, "%s/%s", pd, tmps[j]);
			unlink(f);
		}
		free_list(tmps, nt);
	}
	free_list(parts, np);

	struct ks_seg_writer *w = calloc(1, sizeof(*w));
	if (!w || (w->dir = strdup(dir)) == NULL || ks_seg_enc_init(&w->enc) != 0) {
		if (w) {
			free(w->dir);
			ks_seg_enc_release(&w->enc);
			free(w);
		}
		fail(err, errlen, KS_ENOMEM, "%s: out of memory", dir);
		return NULL;
	}
	w->o = opts;
	return w;
}

int ks_seg_append(struct ks_seg_writer *w, const struct ks_flow *f)
{
	if (f->first_ms < 0 || hour_of(f->first_ms) > MAX_HOUR)
		return KS_EINVAL;
	if (w->n == w->cap) {
		size_t nc = w->cap ? w->cap * 2 : 65536;
		struct ks_flow *nb = reallocarray(w->buf, nc, sizeof(*nb));
		if (!nb)
			return KS_ENOMEM;
		w->buf = nb;
		w->cap = nc;
	}
	struct ks_flow *d = &w->buf[w->n++];
	*d = *f;
	d->pad[0] = d->pad[1] = 0;
	return 0;
}

uint64_t ks_seg_buffered(const struct ks_seg_writer *w) { return w->n; }

const char *ks_seg_writer_error(const struct ks_seg_writer *w) { return w->msg; }

/* Next sequence number for hour's partition: one past the highest file. */
static int next_seq(struct ks_seg_writer *w, int64_t hour, const char *pd, uint32_t *seq)
{
	for (size_t i = 0; i < w->nseq; i++)
		if (w->seq[i].hour == hour) {
			*seq = w->seq[i].next;
			return 0;
		}
	char **v;
	size_t n;
	int rc = list_dir(pd, keep_seg, &v, &n);
	if (rc != 0)
		return rc;
	uint32_t max = 0;
	for (size_t i = 0; i < n; i++) {
		uint32_t s = file_seq(v[i]);
		max = s > max ? s : max;
	}
	free_list(v, n);
	if (w->nseq == w->seqcap) {
		size_t nc = w->seqcap ? w->seqcap * 2 : 16;
		struct part_seq *ns = reallocarray(w->seq, nc, sizeof(*ns));
		if (!ns)
			return KS_ENOMEM;
		w->seq = ns;
		w->seqcap = nc;
	}
	w->seq[w->nseq].hour = hour;
	w->seq[w->nseq].next = max + 1;
	w->nseq++;
	*seq = max + 1;
	return 0;
}

static void seq_used(struct ks_seg_writer *w, int64_t hour)
{
	for (size_t i = 0; i < w->nseq; i++)
		if (w->seq[i].hour == hour)
			w->seq[i].next++;
}

static int write_all(int fd, const uint8_t *p, size_t n)
{
	while (n > 0) {
		ssize_t k = write(fd, p, n);
		if (k < 0) {
			if (errno == EINTR)
				continue;
			return KS_ESYS;
		}
		p += k;
		n -= (size_t)k;
	}
	return 0;
}

/* Writes f[0..n), all in one hour, as the partition's next segment. */
static int write_part(struct ks_seg_writer *w, int64_t hour, const struct ks_flow *f, size_t n)
{
	char name[32], pd[4096], tmp[4224], fin[4200];
	part_name(hour, name);
	snprintf(pd, sizeof pd, "%s/%s", w->dir, name);
	int rc = mkdirs(pd);
	if (rc != 0)
		return fail(w->msg, sizeof w->msg, rc, "%s: %s", pd, strerror(errno));
	uint32_t seq;
	rc = next_seq(w, hour, pd, &seq);
	if (rc != 0)
		return fail(w->msg, sizeof w->msg, rc, "%s: %s", pd,
			    rc == KS_ENOMEM ? "out of memory" : strerror(errno));
	if (seq > MAX_SEQ)
		return fail(w->msg, sizeof w->msg, KS_ELIMIT, "%s: more than %u segment files", pd,
			    MAX_SEQ);
	rc = ks_seg_encode(&w->enc, f, n, w->o.block_flows, w->o.zstd_level);
	if (rc != 0)
		return fail(w->msg, sizeof w->msg, rc, "%s: encoding %zu flows: %s", pd, n,
			    ks_strerror(rc));
	snprintf(fin, sizeof fin, "%s/%08u.kfs", pd, seq);
	snprintf(tmp, sizeof tmp, "%s.tmp", fin);
	int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd < 0)
		return fail(w->msg, sizeof w->msg, KS_ESYS, "%s: %s", tmp, strerror(errno));
	rc = write_all(fd, w->enc.out, w->enc.outlen);
	if (rc == 0 && fsync(fd) != 0)
		rc = KS_ESYS;
	int e = errno;
	if (close(fd) != 0 && rc == 0) {
		rc = KS_ESYS;
		e = errno;
	}
	if (rc == 0 && rename(tmp, fin) != 0) {
		rc = KS_ESYS;
		e = errno;
	}
	if (rc != 0) {
		unlink(tmp);
		return fail(w->msg, sizeof w->msg, rc, "%s: %s", tmp, strerror(e));
	}
	seq_used(w, hour);
	if (fsync_dir(pd) != 0)
		return fail(w->msg, sizeof w->msg, KS_ESYS, "%s: fsync: %s", pd, strerror(errno));
	return 0;
}

static int cmp_i64(const void *a, const void *b)
{
	int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
	return x < y ? -1 : x > y;
}

struct hgroup {
	int64_t hour;
	size_t cnt, at;
};

int ks_seg_flush(struct ks_seg_writer *w)
{
	w->msg[0] = '\0';
	if (w->n == 0)
		return 0;
	/* Distinct hours (usually one or two), in order. */
	int64_t *hours = NULL;
	struct hgroup *g = NULL;
	size_t nh = 0, hcap = 0;
	int rc = 0;
	int64_t last = -1;
	for (size_t i = 0; i < w->n; i++) {
		int64_t h = hour_of(w->buf[i].first_ms);
		if (h == last)
			continue;
		last = h;
		size_t j;
		for (j = 0; j < nh && hours[j] != h; j++)
			;
		if (j < nh)
			continue;
		if (nh == hcap) {
			size_t nc = hcap ? hcap * 2 : 16;
			int64_t *nv = reallocarray(hours, nc, sizeof(*nv));
			if (!nv) {
				rc = KS_ENOMEM;
				goto out;
			}
			hours = nv;
			hcap = nc;
		}
		hours[nh++] = h;
	}
	qsort(hours, nh, sizeof(*hours), cmp_i64);
	g = calloc(nh, sizeof(*g));
	if (!g) {
		rc = KS_ENOMEM;
		goto out;
	}
	const struct ks_flow *src = w->buf;
	if (nh > 1) {
		/* Group by hour, keeping append order within each hour. */
		if (w->sortedcap < w->n) {
			struct ks_flow *ns = reallocarray(w->sorted, w->cap, sizeof(*ns));
			if (!ns) {
				rc = KS_ENOMEM;
				goto out;
			}
			w->sorted = ns;
			w->sortedcap = w->cap;
		}
		size_t k = 0;
		for (size_t i = 0; i < nh; i++)
			g[i].hour = hours[i];
		for (size_t i = 0; i < w->n; i++) {
			int64_t h = hour_of(w->buf[i].first_ms);
			if (g[k].hour != h) {
				size_t lo = 0, hi = nh;
				while (lo < hi) {
					size_t mid = (lo + hi) / 2;
					if (g[mid].hour < h)
						lo = mid + 1;
					else
						hi = mid;
				}
				k = lo;
			}
			g[k].cnt++;
		}
		for (size_t i = 1; i < nh; i++)
			g[i].at = g[i - 1].at + g[i - 1].cnt;
		size_t *fill = calloc(nh, sizeof(*fill));
		if (!fill) {
			rc = KS_ENOMEM;
			goto out;
		}
		k = 0;
		for (size_t i = 0; i < w->n; i++) {
			int64_t h = hour_of(w->buf[i].first_ms);
			if (g[k].hour != h) {
				size_t lo = 0, hi = nh;
				while (lo < hi) {
					size_t mid = (lo + hi) / 2;
					if (g[mid].hour < h)
						lo = mid + 1;
					else
						hi = mid;
				}
				k = lo;
			}
			w->sorted[g[k].at + fill[k]++] = w->buf[i];
		}
		free(fill);
		src = w->sorted;
	} else {
		g[0].hour = hours[0];
		g[0].cnt = w->n;
	}
	size_t done = 0;
	for (done = 0; done < nh; done++) {
		rc = write_part(w, g[done].hour, src + g[done].at, g[done].cnt);
		if (rc != 0)
			break;
	}
	if (rc == 0) {
		w->n = 0;
	} else if (done > 0) {
		/* Keep what is not yet written (grouped order) for a retry. */
		size_t from = g[done].at, left = w->n - from;
		memmove(w->buf, src + from, left * sizeof(*w->buf));
		w->n = left;
	}
out:
	if (rc == KS_ENOMEM && !w->msg[0])
		fail(w->msg, sizeof w->msg, rc, "%s: out of memory", w->dir);
	free(hours);
	free(g);
	return rc;
}

int ks_seg_writer_close(struct ks_seg_writer *w)
{
	if (!w)
		return 0;
	int rc = ks_seg_flush(w);
	free(w->dir);
	free(w->buf);
	free(w->sorted);
	free(w->seq);
	ks_seg_enc_release(&w->enc);
	free(w);
	return rc;
}

/* ------------------------------------------------------------------------ */
/* Reading                                                                   */

static int scan_file(struct ks_seg_dec *d, const char *path, int64_t since_ms, int64_t until_ms,
		     const struct ks_flow_filter *flt, ks_flow_fn fn, void *ctx, char *err,
		     size_t errlen)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return fail(err, errlen, KS_ESYS, "%s: %s", path, strerror(errno));
	struct stat st;
	if (fstat(fd, &st) != 0) {
		int e = errno;
		close(fd);
		return fail(err, errlen, KS_ESYS, "%s: %s", path, strerror(e));
	}
	size_t len = (size_t)st.st_size;
	void *m = NULL;
	if (len > 0) {
		m = mmap(NULL, len, PROT_READ, MAP_PRIVATE, fd, 0);
		if (m == MAP_FAILED) {
			int e = errno;
			close(fd);
			return fail(err, errlen, KS_ESYS, "%s: mmap: %s", path, strerror(e));
		}
		madvise(m, len, MADV_SEQUENTIAL);
	}
	close(fd);
	char msg[256] = "";
	int rc = ks_seg_decode(d, m, len, since_ms, until_ms, flt, fn, ctx, NULL, msg, sizeof msg);
	if (m)
		munmap(m, len);
	if (rc == KS_ETRUNC || rc == KS_EINVAL)
		return fail(err, errlen, KS_EINVAL, "%s: %s", path, msg);
	if (rc == KS_ENOMEM)
		return fail(err, errlen, rc, "%s: out of memory", path);
	return rc;
}

int ks_seg_scan(const char *dir, int64_t since_ms, int64_t until_ms, const struct ks_flow_filter *flt,
		ks_flow_fn fn, void *ctx, char *err, size_t errlen)
{
	char **parts;
	size_t np;
	int rc = list_dir(dir, keep_part, &parts, &np);
	if (rc != 0) {
		if (rc == KS_ESYS && errno == ENOENT)
			return 0;
		return fail(err, errlen, rc, "%s: %s", dir,
			    rc == KS_ENOMEM ? "out of memory" : strerror(errno));
	}
	struct ks_seg_dec d;
	rc = ks_seg_dec_init(&d);
	if (rc != 0) {
		free_list(parts, np);
		return fail(err, errlen, rc, "%s: out of memory", dir);
	}
	for (size_t i = 0; i < np && rc == 0; i++) {
		int64_t h = part_parse(parts[i]) * HOUR_MS;
		if ((since_ms && h + HOUR_MS <= since_ms) || (until_ms && h >= until_ms))
			continue;
		char pd[4096];
		snprintf(pd, sizeof pd, "%s/%s", dir, parts[i]);
		char **files;
		size_t nf;
		rc = list_dir(pd, keep_seg, &files, &nf);
		if (rc != 0) {
			if (rc == KS_ESYS && errno == ENOENT) { /* expired meanwhile */
				rc = 0;
				continue;
			}
			rc = fail(err, errlen, rc, "%s: %s", pd,
				  rc == KS_ENOMEM ? "out of memory" : strerror(errno));
			break;
		}
		for (size_t j = 0; j < nf && rc == 0; j++) {
			char path[4200];
			snprintf(path, sizeof path, "%s/%s", pd, files[j]);
			rc = scan_file(&d, path, since_ms, until_ms, flt, fn, ctx, err, errlen);
		}
		free_list(files, nf);
	}
	ks_seg_dec_release(&d);
	free_list(parts, np);
	return rc;
}

/* ------------------------------------------------------------------------ */
/* Retention and removal                                                     */

int ks_seg_expire(const char *dir, int64_t before_ms, uint64_t *removed)
{
	uint64_t cnt = 0;
	char **parts;
	size_t np;
	int rc = list_dir(dir, keep_part, &parts, &np);
	if (rc != 0) {
		if (removed)
			*removed = 0;
		return rc == KS_ESYS && errno == ENOENT ? 0 : rc;
	}
	for (size_t i = 0; i < np && rc == 0; i++) {
		int64_t h = part_parse(parts[i]);
		if ((h + 1) * HOUR_MS > before_ms)
			continue;
		char pd[4096], f[4200];
		snprintf(pd, sizeof pd, "%s/%s", dir, parts[i]);
		char **files;
		size_t nf;
		rc = list_dir(pd, keep_any, &files, &nf);
		if (rc != 0)
			break;
		for (size_t j = 0; j < nf; j++) {
			snprintf(f, sizeof f, "%s/%s", pd, files[j]);
			if (unlink(f) == 0)
				cnt++;
			else if (errno != ENOENT)
				rc = KS_ESYS;
		}
		free_list(files, nf);
		if (rc == 0 && rmdir(pd) != 0 && errno != ENOENT)
			rc = KS_ESYS;
	}
	free_list(parts, np);
	if (rc == 0 && fsync_dir(dir) != 0)
		rc = KS_ESYS;
	if (removed)
		*removed = cnt;
	return rc;
}

static int rm_one(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st;
	(void)flag;
	(void)ftw;
	return remove(path) == 0 || errno == ENOENT ? 0 : -1;
}

int ks_seg_remove_all(const char *dir)
{
	struct stat st;
	if (lstat(dir, &st) != 0)
		return errno == ENOENT ? 0 : KS_ESYS;
	return nftw(dir, rm_one, 16, FTW_DEPTH | FTW_PHYS) == 0 ? 0 : KS_ESYS;
}

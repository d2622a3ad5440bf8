/* SPDX-License-Identifier: BSD-2-Clause */
/* libpcap packet source; see capture.h. libpcap reads both pcap and pcapng
 * (pcap_fopen_offline), converting timestamps to microseconds. Streams are
 * read through a fopencookie() wrapper that hashes every byte libpcap
 * consumes, so standard input needs no temporary copy.
 *
 * Regular files in the classic pcap format (version 2.4, micro- or
 * nanosecond timestamps, either byte order) take a faster path: libpcap
 * still reads and checks the file header (link type, snapshot length), but
 * the file is mapped and its records are read from the mapping through
 * ks_rd, with libpcap's rules (caplen above 262144 is an error, above the
 * snapshot length it is cut to it): no stdio copies, and the content hash
 * is taken from the same mapping. */
#include "capture.h"

#include <errno.h>
#include <pcap/pcap.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>
#include <xxhash.h>

#include "ks_alloc.h"
#include "ks_err.h"
#include "ks_rd.h"

/* libpcap's MAXIMUM_SNAPLEN: a larger record length means a damaged file */
#define PCAP_MAX_CAPLEN 262144u
/* Pages of the mapping already read are dropped from the process in steps
 * of this size (they stay in the page cache), so that reading a large file
 * does not count it all in the resident set. */
#define MAP_STEP ((size_t)8 << 20)

struct ks_capture {
	pcap_t *p;
	char *name;
	int live;
	int fd; /* live: pollable descriptor */
	uint64_t count;
	XXH3_state_t *hs; /* stream hashing state; NULL once done or for files */
	FILE *stream;     /* cookie stream (stdin) */
	FILE *raw;        /* underlying FILE for the cookie */
	int eof;
	char hash[33];
	int have_hash;
	/* mapped classic pcap file (map != NULL): records are read from rd */
	const uint8_t *map;
	size_t map_len;
	size_t map_done; /* pages below this offset have been dropped */
	struct ks_rd rd;
	int swapped, nsec;
	uint32_t snap;
	char err[512];
};

static void hex128(XXH128_hash_t h, char out[33])
{
	snprintf(out, 33, "%016llx%016llx", (unsigned long long)h.high64, (unsigned long long)h.low64);
}

static int hash_file(const char *path, char out[33], char *err, size_t errlen)
{
	FILE *f = fopen(path, "rb");
	if (!f) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		return KS_EIO;
	}
	XXH3_state_t *st = XXH3_createState();
	XXH3_128bits_reset(st);
	static uint8_t buf[1 << 20];
	size_t n;
	while ((n = fread(buf, 1, sizeof buf, f)) > 0)
		XXH3_128bits_update(st, buf, n);
	int bad = ferror(f);
	fclose(f);
	if (bad) {
		XXH3_freeState(st);
		snprintf(err, errlen, "%s: read error while hashing", path);
		return KS_EIO;
	}
	hex128(XXH3_128bits_digest(st), out);
	XXH3_freeState(st);
	return 0;
}

/* Drops the pages of the mapping below off (rounded down to a page) from
 * the process. */
static void drop_below(struct ks_capture *c, size_t off)
{
	size_t pg = (size_t)sysconf(_SC_PAGESIZE), end = off / pg * pg;
	if (end > c->map_done) {
		madvise((void *)(uintptr_t)(c->map + c->map_done), end - c->map_done, MADV_DONTNEED);
		c->map_done = end;
	}
}

/* Content hash of the mapped file, a step at a time. */
static void hash_map(struct ks_capture *c)
{
	XXH3_state_t *st = XXH3_createState();
	if (!st) {
		hex128(XXH3_128bits(c->map, c->map_len), c->hash);
		return;
	}
	XXH3_128bits_reset(st);
	for (size_t off = 0; off < c->map_len; off += MAP_STEP) {
		size_t n = c->map_len - off < MAP_STEP ? c->map_len - off : MAP_STEP;
		XXH3_128bits_update(st, c->map + off, n);
		drop_below(c, off + n);
	}
	hex128(XXH3_128bits_digest(st), c->hash);
	XXH3_freeState(st);
	c->map_done = 0;
}

static ssize_t cookie_read(void *cookie, char *buf, size_t size)
{
	struct ks_capture *c = cookie;
	size_t n = fread(buf, 1, size, c->raw);
	if (n > 0)
		XXH3_128bits_update(c->hs, buf, n);
	if (n == 0 && ferror(c->raw))
		return -1;
	return (ssize_t)n;
}

static int cookie_close(void *cookie)
{
	(void)cookie;
	return 0;
}

/* Classic pcap magic numbers as read little-endian: micro- and nanosecond
 * timestamps, in the writer's byte order or swapped. */
static int classic_magic(const uint8_t *b, int *swapped, int *nsec)
{
	uint32_t m = (uint32_t)b[0] | (uint32_t)b[1] << 8 | (uint32_t)b[2] << 16 | (uint32_t)b[3] << 24;
	*swapped = m == 0xd4c3b2a1u || m == 0x4d3cb2a1u;
	*nsec = m == 0xa1b23c4du || m == 0x4d3cb2a1u;
	return m == 0xa1b2c3d4u || m == 0xa1b23c4du || *swapped;
}

/* Maps path if it is a classic pcap 2.4 file of at least its header, for
 * ks_capture_next's fast path; anything else (pcapng, other versions, a
 * failed mmap) is left to libpcap's reader. */
static void try_map(struct ks_capture *c, const char *path, off_t size)
{
	if (size < 24 || (uint64_t)size > SIZE_MAX)
		return;
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return;
	void *m = mmap(NULL, (size_t)size, PROT_READ, MAP_PRIVATE, fd, 0);
	close(fd);
	if (m == MAP_FAILED)
		return;
	const uint8_t *b = m;
	uint16_t major = (uint16_t)(b[4] | b[5] << 8), minor = (uint16_t)(b[6] | b[7] << 8);
	if (!classic_magic(b, &c->swapped, &c->nsec) ||
	    (c->swapped ? __builtin_bswap16(major) : major) != 2 ||
	    (c->swapped ? __builtin_bswap16(minor) : minor) != 4) {
		munmap(m, (size_t)size);
		return;
	}
	madvise(m, (size_t)size, MADV_SEQUENTIAL);
	c->map = b;
	c->map_len = (size_t)size;
	c->rd = ks_rd_make(b, c->map_len);
	ks_rd_skip(&c->rd, 24);
}

int ks_capture_open_file(const char *path, struct ks_capture **out, char *err, size_t errlen)
{
	char perr[PCAP_ERRBUF_SIZE] = "";
	struct ks_capture *c = ks_xcalloc(1, sizeof *c);
	int is_stdin = strcmp(path, "-") == 0;
	c->name = ks_xstrdup(is_stdin ? "(stdin)" : path);
	*out = NULL;
	FILE *f;
	if (is_stdin) {
		c->raw = stdin;
		c->hs = XXH3_createState();
		XXH3_128bits_reset(c->hs);
		cookie_io_functions_t io = {.read = cookie_read, .close = cookie_close};
		c->stream = fopencookie(c, "r", io);
		if (!c->stream) {
			snprintf(err, errlen, "(stdin): %s", strerror(errno));
			goto fail;
		}
		f = c->stream;
	} else {
		struct stat st;
		if (stat(path, &st) != 0) {
			snprintf(err, errlen, "%s: %s", path, strerror(errno));
			goto fail;
		}
		if (S_ISDIR(st.st_mode)) {
			snprintf(err, errlen, "%s: is a directory; expected a pcap or pcapng file", path);
			ks_capture_close(c);
			return KS_EINVAL;
		}
		if (S_ISREG(st.st_mode))
			try_map(c, path, st.st_size);
		if (c->map) {
			hash_map(c);
		} else if (hash_file(path, c->hash, err, errlen) != 0) {
			goto fail;
		}
		c->have_hash = 1;
		f = fopen(path, "rb");
		if (!f) {
			snprintf(err, errlen, "%s: %s", path, strerror(errno));
			goto fail;
		}
		/* libpcap reads record by record through stdio; a large buffer
		 * turns 4 KiB reads into 1 MiB ones. With the file mapped it
		 * only reads the file header. */
		if (!c->map)
			setvbuf(f, NULL, _IOFBF, 1 << 20);
	}
	c->p = pcap_fopen_offline_with_tstamp_precision(f, PCAP_TSTAMP_PRECISION_MICRO, perr);
	if (!c->p) {
		if (!is_stdin)
			fclose(f);
		snprintf(err, errlen, "%s: not a readable pcap or pcapng file: %s", c->name, perr);
		ks_capture_close(c);
		return KS_EINVAL;
	}
	if (c->map) {
		/* Link types whose records may exceed 262144 bytes (D-Bus, USB
		 * and others kansoku does not decode) stay with libpcap, which
		 * has read only the file header so far. */
		switch (pcap_datalink(c->p)) {
		case DLT_NULL:
		case DLT_EN10MB:
		case DLT_RAW:
		case DLT_LOOP:
		case DLT_LINUX_SLL:
		case DLT_LINUX_SLL2:
		case DLT_IPV4:
		case DLT_IPV6:
			c->snap = (uint32_t)pcap_snapshot(c->p);
			break;
		default:
			munmap((void *)(uintptr_t)c->map, c->map_len);
			c->map = NULL;
		}
	}
	*out = c;
	return 0;
fail:
	ks_capture_close(c);
	return KS_EIO;
}

int ks_capture_open_live(const char *ifname, struct ks_capture **out, char *err, size_t errlen)
{
	char perr[PCAP_ERRBUF_SIZE] = "";
	struct ks_capture *c = ks_xcalloc(1, sizeof *c);
	c->name = ks_xstrdup(ifname);
	c->live = 1;
	*out = NULL;
	c->p = pcap_create(ifname, perr);
	if (!c->p) {
		snprintf(err, errlen, "%s: %s", ifname, perr);
		goto fail;
	}
	/* A darknet sensor needs every header but no payload beyond the
	 * transport header; 256 bytes covers stacked VLANs, IPv6 extension
	 * headers and TCP options. */
	pcap_set_snaplen(c->p, 256);
	pcap_set_promisc(c->p, 1);
	pcap_set_timeout(c->p, 250);
	pcap_set_buffer_size(c->p, 64 << 20);
	int rc = pcap_activate(c->p);
	if (rc < 0) {
		snprintf(err, errlen, "%s: cannot start capture: %s", ifname, pcap_geterr(c->p));
		goto fail;
	}
	/* libpcap's read timeout does not make a read return when no packet
	 * arrives (pcap_set_timeout(3PCAP)), so live reads are non-blocking and
	 * ks_capture_next() waits in poll() itself: callers get control back at
	 * least every 250 ms to flush and to notice signals. */
	if (pcap_setnonblock(c->p, 1, perr) != 0 || (c->fd = pcap_get_selectable_fd(c->p)) < 0) {
		snprintf(err, errlen, "%s: cannot poll this capture device", ifname);
		goto fail;
	}
	*out = c;
	return 0;
fail:
	ks_capture_close(c);
	return KS_EIO;
}

void ks_capture_close(struct ks_capture *c)
{
	if (!c)
		return;
	if (c->p)
		pcap_close(c->p); /* closes the FILE it read from, cookie included */
	if (c->hs)
		XXH3_freeState(c->hs);
	if (c->map)
		munmap((void *)(uintptr_t)c->map, c->map_len);
	free(c->name);
	free(c);
}

int ks_capture_linktype(const struct ks_capture *c)
{
	return pcap_datalink(c->p);
}

const char *ks_capture_linktype_name(const struct ks_capture *c)
{
	const char *n = pcap_datalink_val_to_name(pcap_datalink(c->p));
	return n ? n : "unknown";
}

const char *ks_capture_name(const struct ks_capture *c)
{
	return c->name;
}

const char *ks_capture_error(const struct ks_capture *c)
{
	return c->err;
}

uint64_t ks_capture_count(const struct ks_capture *c)
{
	return c->count;
}

/* ks_capture_next() on a mapped classic pcap file. */
static int next_mapped(struct ks_capture *c, struct ks_frame *f)
{
	struct ks_rd *rd = &c->rd;
	size_t at = ks_rd_off(rd), left = ks_rd_left(rd);
	if (left == 0)
		return KS_ENOENT;
	const uint8_t *h = ks_rd_take(rd, 16);
	if (!h) {
		snprintf(c->err, sizeof c->err,
			 "%s: packet %llu (byte offset %zu): truncated dump file; tried to read 16 header "
			 "bytes, only got %zu", c->name, (unsigned long long)c->count + 1, at, left);
		return KS_EIO;
	}
	uint32_t v[4];
	memcpy(v, h, 16);
	if (c->swapped)
		for (int i = 0; i < 4; i++)
			v[i] = __builtin_bswap32(v[i]);
	uint32_t caplen = v[2];
	if (caplen > PCAP_MAX_CAPLEN) {
		snprintf(c->err, sizeof c->err,
			 "%s: packet %llu (byte offset %zu): invalid packet capture length %u, bigger than "
			 "snaplen of %u", c->name, (unsigned long long)c->count + 1, at, caplen, c->snap);
		return KS_EIO;
	}
	left = ks_rd_left(rd);
	const uint8_t *d = ks_rd_take(rd, caplen);
	if (!d) {
		snprintf(c->err, sizeof c->err,
			 "%s: packet %llu (byte offset %zu): truncated dump file; tried to read %u captured "
			 "bytes, only got %zu", c->name, (unsigned long long)c->count + 1, at, caplen, left);
		return KS_EIO;
	}
	c->count++;
	if (at >= c->map_done + 2 * MAP_STEP)
		drop_below(c, at - MAP_STEP); /* well behind any frame still in use */
	f->data = d;
	f->caplen = caplen > c->snap ? c->snap : caplen; /* libpcap cuts to the snapshot length */
	f->wirelen = v[3];
	f->ts_us = (int64_t)v[0] * 1000000 + (c->nsec ? v[1] / 1000 : v[1]);
	return 1;
}

int ks_capture_next(struct ks_capture *c, struct ks_frame *f)
{
	if (c->map)
		return next_mapped(c, f);
	struct pcap_pkthdr *h;
	const u_char *d;
	int rc = pcap_next_ex(c->p, &h, &d);
	if (rc == 1) {
		c->count++;
		f->data = d;
		f->caplen = h->caplen;
		f->wirelen = h->len;
		f->ts_us = (int64_t)h->ts.tv_sec * 1000000 + h->ts.tv_usec;
		return 1;
	}
	if (rc == 0) {
		if (c->live) {
			struct pollfd pfd = {.fd = c->fd, .events = POLLIN};
			poll(&pfd, 1, 250); /* EINTR (a signal) just returns early */
		}
		return 0;
	}
	if (rc == PCAP_ERROR_BREAK) {
		if (c->hs && !c->have_hash) {
			/* libpcap stops at EOF; drain what it did not read
			 * (nothing, normally) so the hash covers the stream. */
			char tmp[4096];
			while (cookie_read(c, tmp, sizeof tmp) > 0)
				;
			hex128(XXH3_128bits_digest(c->hs), c->hash);
			c->have_hash = 1;
		}
		return KS_ENOENT;
	}
	long off = -1;
	if (!c->live && !c->stream && pcap_file(c->p))
		off = ftell(pcap_file(c->p));
	if (off >= 0)
		snprintf(c->err, sizeof c->err, "%s: packet %llu (byte offset %ld): %s", c->name,
			 (unsigned long long)c->count + 1, off, pcap_geterr(c->p));
	else
		snprintf(c->err, sizeof c->err, "%s: packet %llu: %s", c->name,
			 (unsigned long long)c->count + 1, pcap_geterr(c->p));
	return KS_EIO;
}

int ks_capture_hash(const struct ks_capture *c, char out[33])
{
	if (c->live)
		return KS_EDECLINED;
	if (!c->have_hash)
		return KS_EAGAIN;
	memcpy(out, c->hash, 33);
	return 0;
}

int ks_capture_stats(struct ks_capture *c, uint64_t *received, uint64_t *dropped)
{
	struct pcap_stat st;
	if (!c->live || pcap_stats(c->p, &st) != 0)
		return KS_EDECLINED;
	*received = st.ps_recv;
	*dropped = (uint64_t)st.ps_drop + st.ps_ifdrop;
	return 0;
}

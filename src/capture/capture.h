/* SPDX-License-Identifier: BSD-2-Clause */
/* Packet sources through libpcap: pcap and pcapng files, standard input,
 * and live interfaces. Also the content hash that makes ingest idempotent:
 * XXH3-128 over the exact bytes of the file or stream. */
#ifndef KS_CAPTURE_H
#define KS_CAPTURE_H

#include <stddef.h>
#include <stdint.h>

struct ks_frame {
	const uint8_t *data; /* borrowed: valid until the next ks_capture_next() */
	uint32_t caplen, wirelen;
	int64_t ts_us;
};

struct ks_capture;

/* Opens a pcap or pcapng file; "-" reads standard input. For a regular file
 * the content hash is computed first (one extra sequential read, usually
 * from the page cache); for a stream it is computed while reading. On error
 * returns KS_EIO / KS_EINVAL with "PATH: what" in err. */
int ks_capture_open_file(const char *path, struct ks_capture **out, char *err, size_t errlen);
/* Opens interface ifname for live capture (needs CAP_NET_RAW): snaplen
 * bytes per packet, promiscuous, 250 ms read timeout, 64 MiB buffer. */
int ks_capture_open_live(const char *ifname, struct ks_capture **out, char *err, size_t errlen);
void ks_capture_close(struct ks_capture *c);

int ks_capture_linktype(const struct ks_capture *c);
/* libpcap's name of the link type ("EN10MB", "IEEE802_11_RADIO"), or "unknown". */
const char *ks_capture_linktype_name(const struct ks_capture *c);
const char *ks_capture_name(const struct ks_capture *c);

/* Next frame: 1 with *f filled; 0 on a live read timeout (no packet);
 * KS_ENOENT at end of file; KS_EIO on an error, with ks_capture_error()
 * naming the input, the packet number and the byte offset when known. */
int ks_capture_next(struct ks_capture *c, struct ks_frame *f);
const char *ks_capture_error(const struct ks_capture *c);
/* Frames returned so far. */
uint64_t ks_capture_count(const struct ks_capture *c);

/* Writes the 32-hex-digit content hash into out[33]: 0, or KS_EAGAIN while
 * a stream has not been read to its end yet. Live captures: KS_EDECLINED. */
int ks_capture_hash(const struct ks_capture *c, char out[33]);

/* Kernel drop counters of a live capture (pcap_stats). */
int ks_capture_stats(struct ks_capture *c, uint64_t *received, uint64_t *dropped);

#endif

/* SPDX-License-Identifier: BSD-2-Clause */
/* Exchange formats for C&C lists between operators, and the merge of lists
 * from several operators. Pure functions over memory and stdio streams;
 * storing entries is the caller's business.
 *
 * Three formats, all written deterministically (same entries, same bytes)
 * and read all-or-nothing (any bad record: an error naming the record, and
 * no entry returned). Columns, keys and the STIX mapping are in docs/cc.md.
 *
 *   csv   RFC 4180, header line
 *         address,port,proto,score,first_seen,last_seen,reported_by,reported_at,infected_hosts,note
 *   json  an array of objects with those ten keys
 *   stix  a STIX 2.1 bundle: one identity per reporter, one indicator per
 *         entry with pattern
 *         [network-traffic:dst_ref.type = 'ipv4-addr' AND
 *          network-traffic:dst_ref.value = '198.51.100.7' AND
 *          network-traffic:dst_port = 443 AND network-traffic:protocols[*] = 'tcp']
 *         (specification: STIX Version 2.1, OASIS Standard, 10 June 2021).
 *         Object ids are UUIDs of version 4 form whose bits come from an
 *         XXH3-128 hash of the object's identifying content, so re-exporting
 *         the same entry gives the same id (a new version of it carries a
 *         new `modified`).
 *
 * Times are whole seconds since the Unix epoch (UTC), written as
 * 2026-11-22T04:19:00Z (STIX: 2026-11-22T04:19:00.000Z); fractions are
 * accepted on input and dropped. */
#ifndef KS_CC_SHARE_H
#define KS_CC_SHARE_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "ks_addr.h"

#define KS_CC_NAME_MAX 64  /* reported_by: 1..63 bytes of text */
#define KS_CC_NOTE_MAX 256 /* note: 0..255 bytes of text */
/* Text fields are UTF-8 without control characters. */

struct ks_cc_entry {
	struct ks_addr addr;
	uint16_t port;
	uint8_t proto;                   /* IP protocol number */
	double score;                    /* 0..1 */
	int64_t first_seen, last_seen;   /* Unix seconds, first <= last */
	char reported_by[KS_CC_NAME_MAX]; /* operator name; "" = unknown */
	int64_t reported_at;             /* Unix seconds; 0 = unknown */
	uint32_t infected_hosts;
	char note[KS_CC_NOTE_MAX];
};

/* Checks an entry's values (what the readers guarantee and the writers
 * need). 0 or KS_EINVAL; if what != NULL, *what names the bad field. */
int ks_cc_entry_check(const struct ks_cc_entry *e, const char **what);

enum ks_cc_fmt {
	KS_CC_FMT_AUTO, /* readers only: '{' -> stix, '[' -> json, else csv */
	KS_CC_FMT_CSV,
	KS_CC_FMT_JSON,
	KS_CC_FMT_STIX,
};
/* "csv", "json", "stix" (and "auto" if allow_auto). 0 or KS_EINVAL. */
int ks_cc_fmt_parse(const char *s, int allow_auto, enum ks_cc_fmt *out);

/* Writes v[0..n) to f. Returns 0, KS_EINVAL (an entry fails
 * ks_cc_entry_check; nothing is written) or KS_EIO (write error). */
int ks_cc_write(FILE *f, enum ks_cc_fmt fmt, const struct ks_cc_entry *v, size_t n);

struct ks_cc_list {
	struct ks_cc_entry *v; /* malloc'ed, caller releases with ks_cc_list_release */
	size_t n;
};
void ks_cc_list_release(struct ks_cc_list *l);

struct ks_cc_read_opts {
	size_t max_bytes;   /* larger input: KS_ELIMIT. 0 = 16 MiB */
	size_t max_entries; /* more entries: KS_ELIMIT. 0 = 1,000,000 */
	const char *from;   /* reporter for entries without one; may be NULL */
	int64_t now;        /* reported_at for entries without one */
};

/* Parses data[0..len) (need not be NUL-terminated). name is the input's
 * name for messages. On success returns 0 and fills *out. On failure
 * returns KS_EINVAL (bad content) or KS_ELIMIT (a cap), *out is empty, and
 * err[0..errlen) holds one line starting with "name:" that names the place
 * (CSV "name:LINE:", JSON "name: entry [N]:" or "name:LINE:COL:" for a syntax
 * error, STIX "name: objects[N]:") and what was expected. KS_ENOMEM too. */
int ks_cc_read(const char *data, size_t len, enum ks_cc_fmt fmt, const char *name,
	       const struct ks_cc_read_opts *o, struct ks_cc_list *out, char *err, size_t errlen);

/* ---- merging lists from several operators -------------------------------- */

struct ks_cc_report {
	char reported_by[KS_CC_NAME_MAX];
	int64_t reported_at;
	double score;
	int64_t first_seen, last_seen;
	uint32_t infected_hosts;
	char note[KS_CC_NOTE_MAX];
};

struct ks_cc_merged {
	struct ks_addr addr;
	uint16_t port;
	uint8_t proto;
	double combined;              /* 1 - prod(1 - score) over reporters */
	int64_t first_seen, last_seen; /* min / max over reports */
	uint32_t infected_hosts;      /* max over reports */
	struct ks_cc_report *rep;     /* one per reporter, by name */
	size_t nrep;
};

/* Groups v[0..n) by (address, port, proto). Per reporter (reported_by,
 * byte-wise; "" is one reporter) only the latest report is kept (latest
 * reported_at; ties: higher score, then later last_seen). The result is
 * ranked by combined score descending, then more reporters, then address,
 * port, proto. Because combined = 1 - prod(1 - s_r), an endpoint reported
 * by several operators ranks above each of their single reports.
 * Returns 0 or KS_ENOMEM; caller frees with ks_cc_merged_free(). */
int ks_cc_merge(const struct ks_cc_entry *v, size_t n, struct ks_cc_merged **out, size_t *nout);
void ks_cc_merged_free(struct ks_cc_merged *m, size_t n);

/* Helpers shared with the command line. */
/* Protocol name written in files ("tcp", "udp", "icmp", "ipv6-icmp",
 * "sctp", "gre") or NULL for others (written as a decimal number). */
const char *ks_cc_proto_name(uint8_t proto);
/* ks_cc_proto_name(), or the decimal number written into buf. */
const char *ks_cc_proto_text(uint8_t proto, char *buf, size_t n);
/* "2026-11-22T04:19:00Z" into buf (at least 21 bytes); with ms != 0
 * "2026-11-22T04:19:00.000Z" (at least 25 bytes). */
const char *ks_cc_time_format(int64_t t, int ms, char *buf, size_t n);
/* Parses YYYY-MM-DDTHH:MM:SS[.fraction]Z exactly (s[0..n)). 0 or KS_EINVAL. */
int ks_cc_time_parse(const char *s, size_t n, int64_t *out);
/* Writes the deterministic STIX id "<type>--<uuid>" of content[0..len) into
 * buf (at least strlen(type) + 39 bytes). */
const char *ks_cc_stix_id(const char *type, const void *content, size_t len, char *buf,
			  size_t n);

#endif

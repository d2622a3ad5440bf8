/* SPDX-License-Identifier: BSD-2-Clause */
/* Darknet packet classes and tool fingerprints (rules in docs/formats.md,
 * sources and false-positive risks in docs/fingerprints.md). Pure functions
 * of one decoded packet: no state, safe from any thread. */
#ifndef KS_DARKNET_CLASSIFY_H
#define KS_DARKNET_CLASSIFY_H

#include "decode.h"

enum ks_dn_class {
	KS_DN_TCP_SCAN = 0,
	KS_DN_BACKSCATTER,
	KS_DN_ICMP_SCAN,
	KS_DN_UDP,
	KS_DN_OTHER,
	KS_DN__NCLASS
};

/* Tag bits; a source's tags are the OR over its packets. */
#define KS_TAG_MIRAI 0x01u
#define KS_TAG_ZMAP 0x02u
#define KS_TAG_MASSCAN 0x04u
#define KS_TAG__N 3
/* Tags that mark an infected host (alerted below the scan threshold). */
#define KS_TAG_BOTS KS_TAG_MIRAI

const char *ks_dn_class_name(int cls);
/* Class index for a name, or -1. */
int ks_dn_class_parse(const char *name);
/* Name of tag number i (0..KS_TAG__N-1); bit is 1u << i. */
const char *ks_dn_tag_name(int i);
int ks_dn_tag_parse(const char *name); /* bit, or 0 */

/* Classifies a packet that ks_decode() returned OK for. *tags gets the
 * fingerprint bits this packet carries. */
enum ks_dn_class ks_dn_classify(const struct ks_pkt *p, unsigned *tags);

/* True for classes whose packets are probes (count towards dests and ports). */
static inline int ks_dn_is_probe(int cls)
{
	return cls == KS_DN_TCP_SCAN || cls == KS_DN_ICMP_SCAN || cls == KS_DN_UDP;
}

#endif

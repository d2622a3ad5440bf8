/* SPDX-License-Identifier: BSD-2-Clause */
/* Darknet classification: which of five classes a packet is in, and which
 * scanning tools left their fingerprint on it. See docs/formats.md for the
 * table and docs/fingerprints.md for where each fingerprint comes from. */
#include "darknet_classify.h"

#include <string.h>

static const char *const class_names[KS_DN__NCLASS] = {
	"tcp_scan", "backscatter", "icmp_scan", "udp", "other",
};
static const char *const tag_names[KS_TAG__N] = {"mirai", "zmap", "masscan"};

const char *ks_dn_class_name(int cls)
{
	return cls >= 0 && cls < KS_DN__NCLASS ? class_names[cls] : "?";
}

int ks_dn_class_parse(const char *name)
{
	for (int i = 0; i < KS_DN__NCLASS; i++)
		if (strcmp(name, class_names[i]) == 0)
			return i;
	return -1;
}

const char *ks_dn_tag_name(int i)
{
	return i >= 0 && i < KS_TAG__N ? tag_names[i] : "?";
}

int ks_dn_tag_parse(const char *name)
{
	for (int i = 0; i < KS_TAG__N; i++)
		if (strcmp(name, tag_names[i]) == 0)
			return 1 << i;
	return 0;
}

/* ICMP types that only a host answering (spoofed) traffic sends. */
static int icmp4_backscatter(uint8_t t)
{
	return t == 0 || t == 3 || t == 4 || t == 5 || t == 11 || t == 12;
}

static int icmp6_backscatter(uint8_t t)
{
	return t == 1 || t == 2 || t == 3 || t == 4 || t == 129 || t == 137;
}

static enum ks_dn_class classify_tcp(uint8_t f)
{
	if (f & KS_TH_RST)
		return KS_DN_BACKSCATTER;
	if (f & KS_TH_SYN)
		return (f & KS_TH_ACK) ? KS_DN_BACKSCATTER : KS_DN_TCP_SCAN;
	if (f & KS_TH_ACK)
		return KS_DN_BACKSCATTER;
	return KS_DN_OTHER; /* FIN, NULL, Xmas probes */
}

enum ks_dn_class ks_dn_classify(const struct ks_pkt *p, unsigned *tags)
{
	enum ks_dn_class c = KS_DN_OTHER;
	*tags = 0;
	if (p->frag == KS_FRAG_LATER || !p->l4_ok)
		return KS_DN_OTHER;
	switch (p->proto) {
	case 6:
		c = classify_tcp(p->tcp_flags);
		break;
	case 17:
		c = KS_DN_UDP;
		break;
	case 1:
		if (p->ipver == 4)
			c = p->icmp_type == 8 ? KS_DN_ICMP_SCAN
			    : icmp4_backscatter(p->icmp_type) ? KS_DN_BACKSCATTER
							      : KS_DN_OTHER;
		break;
	case 58:
		if (p->ipver == 6)
			c = p->icmp_type == 128 ? KS_DN_ICMP_SCAN
			    : icmp6_backscatter(p->icmp_type) ? KS_DN_BACKSCATTER
							      : KS_DN_OTHER;
		break;
	default:
		break;
	}
	if (p->ipver == 4 && ks_dn_is_probe(c)) {
		uint32_t dst = ks_addr_v4(&p->dst);
		if (p->ip_id == 54321)
			*tags |= KS_TAG_ZMAP;
		if (c == KS_DN_TCP_SCAN) {
			if (p->seq == dst)
				*tags |= KS_TAG_MIRAI;
			if (p->ip_id == ((dst ^ p->dport ^ p->seq) & 0xffffu))
				*tags |= KS_TAG_MASSCAN;
		}
	}
	return c;
}

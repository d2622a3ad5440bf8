/* SPDX-License-Identifier: BSD-2-Clause */
/* Fuzz target for the packet decoder (src/decode/decode.h).
 *
 * Input: one octet choosing a link type from the supported ones, then the
 * frame. The frame is decoded twice: as captured whole (caplen == wirelen)
 * and as if snapped (wirelen larger by an amount taken from the frame's
 * first octet), which reaches both the length-mismatch and the snap-length
 * paths. Besides "never crash, never read past caplen" (ASan), the target
 * checks the bookkeeping promised in decode.h and traps if it is broken:
 * every call counts one packet, a malformed result moves exactly one
 * malformed counter, a NOT_IP result moves only decode.non_ip, an OK result
 * has an IP version and no L4 fields on a later fragment. */
#include <stddef.h>
#include <stdint.h>

#include "decode.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const int linktypes[] = {
	1,   /* Ethernet */
	113, /* Linux SLL */
	276, /* Linux SLL2 */
	0,   /* BSD NULL */
	108, /* OpenBSD LOOP */
	101, /* raw IP */
	12,  /* DLT_RAW */
	14,  /* DLT_RAW (OpenBSD) */
	228, /* IPv4 */
	229, /* IPv6 */
};
#define NLINKTYPES (sizeof linktypes / sizeof linktypes[0])

static void check(enum ks_decode_result res, const struct ks_pkt *p,
		  const struct ks_decode_stats *st)
{
	uint64_t bad = 0;
	for (int i = 0; i < KS_DEC__MAX; i++)
		if (i != KS_DEC_PACKETS && i != KS_DEC_NON_IP && i != KS_DEC_FRAGMENTS)
			bad += st->c[i];
	if (st->c[KS_DEC_PACKETS] != 1 || st->c[KS_DEC_FRAGMENTS] > 1 || p->nvlan > 4)
		__builtin_trap();
	switch (res) {
	case KS_DECODE_OK:
		if (bad != 0 || st->c[KS_DEC_NON_IP] != 0 || (p->ipver != 4 && p->ipver != 6))
			__builtin_trap();
		if (p->frag > KS_FRAG_LATER || (p->frag == KS_FRAG_LATER && p->l4_ok))
			__builtin_trap();
		if ((p->frag != KS_FRAG_NONE) != (st->c[KS_DEC_FRAGMENTS] == 1))
			__builtin_trap();
		if (p->ipver == 6 && p->ip_id != 0)
			__builtin_trap();
		break;
	case KS_DECODE_NOT_IP:
		if (bad != 0 || st->c[KS_DEC_NON_IP] != 1 || p->ipver != 0)
			__builtin_trap();
		break;
	case KS_DECODE_MALFORMED:
		if (bad != 1 || st->c[KS_DEC_NON_IP] != 0 || p->l4_ok)
			__builtin_trap();
		break;
	case KS_DECODE_BAD_LINK: /* every link type in the table is supported */
	default:
		__builtin_trap();
	}
}

static void run(int lt, const uint8_t *frame, uint32_t caplen, uint32_t wirelen)
{
	struct ks_pkt p;
	struct ks_decode_stats st = {{0}};
	enum ks_decode_result res = ks_decode(lt, frame, caplen, wirelen, &p, &st);
	check(res, &p, &st);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 1 || size - 1 > UINT16_MAX * 4u)
		return 0;
	int lt = linktypes[data[0] % NLINKTYPES];
	const uint8_t *frame = data + 1;
	uint32_t n = (uint32_t)(size - 1);

	run(lt, frame, n, n);
	/* Snapped: the wire had up to 64 KiB more than was captured. */
	uint32_t extra = n ? (uint32_t)frame[0] * 257u + 1 : 1;
	run(lt, frame, n, n + extra);
	return 0;
}

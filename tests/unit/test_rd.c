/* SPDX-License-Identifier: BSD-2-Clause */
/* Unit tests for the bounded byte reader (src/lib/ks_rd.h): byte order,
 * sticky failure, child readers, and bounds checks that must not wrap when
 * given sizes near SIZE_MAX. */
#include <stdint.h>
#include <string.h>

#include "ks_rd.h"
#include "ks_test.h"

static const uint8_t seq8[] = {0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07, 0x08, 0x09, 0x0a};

KS_TEST(rd_big_endian)
{
	struct ks_rd r = ks_rd_make(seq8, sizeof seq8);
	CHECK_EQ_U64(ks_rd_u8(&r), 0x01);
	CHECK_EQ_U64(ks_rd_be16(&r), 0x0203);
	CHECK_EQ_U64(ks_rd_be32(&r), 0x04050607);
	CHECK_EQ_U64(ks_rd_off(&r), 7);
	CHECK_EQ_U64(ks_rd_left(&r), 3);
	CHECK_EQ_U64(ks_rd_err(&r), 0);

	r = ks_rd_make(seq8, 8);
	CHECK_EQ_U64(ks_rd_be64(&r), 0x0102030405060708ull);
	CHECK_EQ_U64(ks_rd_left(&r), 0);
	CHECK_EQ_U64(ks_rd_err(&r), 0);
}

KS_TEST(rd_little_endian)
{
	struct ks_rd r = ks_rd_make(seq8, sizeof seq8);
	CHECK_EQ_U64(ks_rd_le16(&r), 0x0201);
	CHECK_EQ_U64(ks_rd_le32(&r), 0x06050403);
	CHECK_EQ_U64(ks_rd_off(&r), 6);
	CHECK_EQ_U64(ks_rd_err(&r), 0);

	/* Values with the top bit set must not sign-extend. */
	static const uint8_t hi[] = {0xff, 0xfe, 0xfd, 0xfc};
	r = ks_rd_make(hi, sizeof hi);
	CHECK_EQ_U64(ks_rd_le32(&r), 0xfcfdfeffu);
	r = ks_rd_make(hi, sizeof hi);
	CHECK_EQ_U64(ks_rd_be32(&r), 0xfffefdfcu);
	r = ks_rd_make(hi, sizeof hi);
	CHECK_EQ_U64(ks_rd_be16(&r), 0xfffe);
	CHECK_EQ_U64(ks_rd_le16(&r), 0xfcfd);
}

KS_TEST(rd_sticky_error)
{
	struct ks_rd r = ks_rd_make(seq8, 3);
	CHECK_EQ_U64(ks_rd_be16(&r), 0x0102);
	/* Two bytes wanted, one left: fails without consuming the one. */
	CHECK_EQ_U64(ks_rd_be16(&r), 0);
	CHECK_EQ_U64(ks_rd_err(&r), (uint64_t)(int64_t)KS_ETRUNC);
	CHECK_EQ_U64(ks_rd_off(&r), 2);
	/* Sticky: a read that would fit now fails too, and returns 0. */
	CHECK_EQ_U64(ks_rd_u8(&r), 0);
	CHECK_EQ_U64(ks_rd_off(&r), 2);
	CHECK_EQ_U64(ks_rd_left(&r), 0);
	CHECK(!ks_rd_has(&r, 0));
	CHECK(ks_rd_bytes(&r, 0) == NULL);

	/* The first error wins. */
	ks_rd_fail(&r, KS_EINVAL);
	CHECK_EQ_U64(ks_rd_err(&r), (uint64_t)(int64_t)KS_ETRUNC);

	r = ks_rd_make(seq8, sizeof seq8);
	ks_rd_fail(&r, KS_EINVAL);
	CHECK_EQ_U64(ks_rd_err(&r), (uint64_t)(int64_t)KS_EINVAL);
	CHECK_EQ_U64(ks_rd_u8(&r), 0);
	CHECK_EQ_U64(ks_rd_off(&r), 0);
}

KS_TEST(rd_every_width_fails_cleanly)
{
	/* Each width, one byte short: 0 and no advance. */
	struct ks_rd r = ks_rd_make(seq8, 1);
	CHECK_EQ_U64(ks_rd_be16(&r), 0);
	CHECK_EQ_U64(ks_rd_off(&r), 0);
	r = ks_rd_make(seq8, 3);
	CHECK_EQ_U64(ks_rd_be32(&r), 0);
	CHECK_EQ_U64(ks_rd_off(&r), 0);
	r = ks_rd_make(seq8, 3);
	CHECK_EQ_U64(ks_rd_le32(&r), 0);
	r = ks_rd_make(seq8, 1);
	CHECK_EQ_U64(ks_rd_le16(&r), 0);
	r = ks_rd_make(seq8, 0);
	CHECK_EQ_U64(ks_rd_u8(&r), 0);
	CHECK(ks_rd_err(&r) != 0);
	/* Empty reader over NULL is valid and fails on any read. */
	r = ks_rd_make(NULL, 0);
	CHECK(ks_rd_has(&r, 0));
	CHECK(!ks_rd_has(&r, 1));
	CHECK_EQ_U64(ks_rd_be32(&r), 0);
	CHECK(ks_rd_err(&r) != 0);
}

/* A 64-bit read one byte short must behave like every other failed read:
 * return 0 and leave the offset alone, not hand back the high half it
 * managed to read. */
KS_TEST(rd_be64_short_fails_whole)
{
	struct ks_rd r = ks_rd_make(seq8, 7);
	CHECK_EQ_U64(ks_rd_be64(&r), 0);
	CHECK(ks_rd_err(&r) != 0);
	CHECK_EQ_U64(ks_rd_off(&r), 0);
}

KS_TEST(rd_overflow_safe_bounds)
{
	struct ks_rd r = ks_rd_make(seq8, sizeof seq8);
	ks_rd_skip(&r, 4);
	/* off + n would wrap for these; the check must still refuse them. */
	CHECK(!ks_rd_has(&r, SIZE_MAX));
	CHECK(!ks_rd_has(&r, SIZE_MAX - 3));
	CHECK(!ks_rd_has(&r, SIZE_MAX - 5));
	CHECK(ks_rd_has(&r, 6));
	CHECK(!ks_rd_has(&r, 7));
	CHECK(ks_rd_bytes(&r, SIZE_MAX - 3) == NULL);
	CHECK_EQ_U64(ks_rd_off(&r), 4);
	CHECK(ks_rd_err(&r) != 0);

	r = ks_rd_make(seq8, sizeof seq8);
	ks_rd_skip(&r, 4);
	struct ks_rd c = ks_rd_sub(&r, SIZE_MAX);
	CHECK(ks_rd_err(&c) != 0);
	CHECK(ks_rd_err(&r) != 0);
	CHECK_EQ_U64(ks_rd_left(&c), 0);
	CHECK_EQ_U64(ks_rd_u8(&c), 0);
}

KS_TEST(rd_bytes_copy_skip)
{
	struct ks_rd r = ks_rd_make(seq8, sizeof seq8);
	const uint8_t *p = ks_rd_bytes(&r, 3);
	CHECK(p == seq8);
	ks_rd_skip(&r, 2);
	p = ks_rd_bytes(&r, 0); /* zero bytes at a valid position: a view, not an error */
	CHECK(p == seq8 + 5);
	CHECK_EQ_U64(ks_rd_err(&r), 0);

	uint8_t dst[4] = {0xaa, 0xaa, 0xaa, 0xaa};
	ks_rd_copy(&r, dst, 4);
	CHECK(memcmp(dst, seq8 + 5, 4) == 0);
	CHECK_EQ_U64(ks_rd_left(&r), 1);
	/* Copy failure zeroes the destination. */
	memset(dst, 0xaa, sizeof dst);
	ks_rd_copy(&r, dst, 4);
	CHECK(dst[0] == 0 && dst[1] == 0 && dst[2] == 0 && dst[3] == 0);
	CHECK(ks_rd_err(&r) != 0);
}

KS_TEST(rd_sub_reader)
{
	struct ks_rd r = ks_rd_make(seq8, sizeof seq8);
	ks_rd_skip(&r, 2);
	struct ks_rd c = ks_rd_sub(&r, 4);
	CHECK_EQ_U64(ks_rd_err(&c), 0);
	CHECK_EQ_U64(ks_rd_left(&c), 4);
	CHECK_EQ_U64(ks_rd_off(&r), 6); /* parent moved past the child's bytes */
	CHECK_EQ_U64(ks_rd_be32(&c), 0x03040506);
	/* The child is bounded by its own length, not the parent's. */
	CHECK_EQ_U64(ks_rd_u8(&c), 0);
	CHECK(ks_rd_err(&c) != 0);
	/* and its failure does not touch the parent. */
	CHECK_EQ_U64(ks_rd_err(&r), 0);
	CHECK_EQ_U64(ks_rd_u8(&r), 0x07);

	/* A child larger than what is left: both fail, parent does not move. */
	struct ks_rd big = ks_rd_sub(&r, 4);
	CHECK(ks_rd_err(&big) != 0);
	CHECK(ks_rd_err(&r) != 0);
	CHECK_EQ_U64(ks_rd_off(&r), 7);
	CHECK_EQ_U64(ks_rd_u8(&big), 0);

	/* A child of exactly what is left, and an empty child. */
	r = ks_rd_make(seq8, sizeof seq8);
	struct ks_rd all = ks_rd_sub(&r, sizeof seq8);
	CHECK_EQ_U64(ks_rd_left(&all), sizeof seq8);
	CHECK_EQ_U64(ks_rd_left(&r), 0);
	struct ks_rd none = ks_rd_sub(&r, 0);
	CHECK_EQ_U64(ks_rd_err(&none), 0);
	CHECK_EQ_U64(ks_rd_left(&none), 0);
	CHECK_EQ_U64(ks_rd_err(&r), 0);

	/* Sub of a failed parent is failed. */
	ks_rd_fail(&r, KS_EINVAL);
	struct ks_rd dead = ks_rd_sub(&r, 0);
	CHECK(ks_rd_err(&dead) != 0);
}

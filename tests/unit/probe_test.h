/* SPDX-License-Identifier: BSD-2-Clause */
/* Helpers for the probe parser tests (test_probe_*.c). */
#ifndef KS_PROBE_TEST_H
#define KS_PROBE_TEST_H

#include <stdlib.h>
#include <string.h>

#include "ks_err.h"
#include "ks_test.h"

/* Feeds every proper prefix of a complete reply [p, p+n) to the stream
 * parser fn, each prefix copied into its own heap block of exactly that
 * size so that AddressSanitizer catches any read past it. Without eof every
 * prefix must ask for more (KS_EAGAIN); with eof it must be KS_ETRUNC, or
 * eof_ok for prefixes at or beyond eof_ok_from (replies that may end at the
 * close, like an HTTP body without a length). The whole reply must parse. */
#define CHECK_STREAM_PREFIXES(fn, type, p, n, eof_ok_from)                               \
	do {                                                                             \
		type *o_ = malloc(sizeof(type));                                         \
		for (size_t i_ = 0; i_ < (n) && o_; i_++) {                             \
			uint8_t *b_ = malloc(i_ ? i_ : 1);                               \
			memcpy(b_, (p), i_);                                             \
			int more_ = fn(b_, i_, false, o_);                               \
			int eof_ = fn(b_, i_, true, o_);                                 \
			free(b_);                                                        \
			int want_eof_ = i_ >= (size_t)(eof_ok_from) ? 0 : KS_ETRUNC;     \
			if (more_ != KS_EAGAIN || eof_ != want_eof_) {                   \
				fprintf(stderr, "  prefix %zu of %zu: %d/%d\n", i_,      \
					(size_t)(n), more_, eof_);                       \
				CHECK(more_ == KS_EAGAIN && eof_ == want_eof_);          \
				break;                                                   \
			}                                                                \
		}                                                                        \
		if (o_)                                                                  \
			CHECK_EQ_U64(fn((p), (n), true, o_), 0);                         \
		free(o_);                                                                \
	} while (0)

/* Datagram parsers: every proper prefix must fail with KS_ETRUNC or
 * KS_EINVAL (never succeed, never crash); the whole must parse. */
#define CHECK_DGRAM_PREFIXES(fn, type, p, n)                                             \
	do {                                                                             \
		type *o_ = malloc(sizeof(type));                                         \
		for (size_t i_ = 0; i_ < (n) && o_; i_++) {                             \
			uint8_t *b_ = malloc(i_ ? i_ : 1);                               \
			memcpy(b_, (p), i_);                                             \
			int rc_ = fn(b_, i_, o_);                                        \
			free(b_);                                                        \
			if (rc_ != KS_ETRUNC && rc_ != KS_EINVAL) {                      \
				fprintf(stderr, "  prefix %zu of %zu: %d\n", i_,         \
					(size_t)(n), rc_);                               \
				CHECK(rc_ == KS_ETRUNC || rc_ == KS_EINVAL);             \
				break;                                                   \
			}                                                                \
		}                                                                        \
		if (o_)                                                                  \
			CHECK_EQ_U64(fn((p), (n), o_), 0);                               \
		free(o_);                                                                \
	} while (0)

#define CHECK_STR(a, b)                                                                  \
	do {                                                                             \
		const char *a_ = (a), *b_ = (b);                                         \
		if (strcmp(a_, b_) != 0) {                                               \
			fprintf(stderr, "  %s:%d: %s == \"%s\", expected \"%s\"\n",        \
				__FILE__, __LINE__, #a, a_, b_);                         \
			ks_test_failures++;                                              \
		}                                                                        \
	} while (0)

#define S(lit) ((const uint8_t *)(lit)), (sizeof(lit) - 1)

#endif

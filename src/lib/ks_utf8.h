/* SPDX-License-Identifier: BSD-2-Clause */
/* UTF-8 (RFC 3629), for every parser that checks text from outside. */
#ifndef KS_UTF8_H
#define KS_UTF8_H

#include <stddef.h>
#include <stdint.h>

/* Length (1..4) of the well-formed UTF-8 sequence at s[0..n), n > 0, with
 * its code point in *cp; 0 if it is malformed: overlong forms, surrogates,
 * values above U+10FFFF, a cut sequence. */
size_t ks_utf8_seq(const unsigned char *s, size_t n, uint32_t *cp);

#endif

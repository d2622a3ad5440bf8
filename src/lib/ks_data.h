/* SPDX-License-Identifier: BSD-2-Clause */
/* Where kansoku's shipped data lives (fingerprints, vulnerability data,
 * credential lists), relative to the running executable:
 *
 *   <prefix>/data/REL            the source tree: bin/kansoku, and build
 *                                trees one or two levels deeper
 *                                (build/san/bin/kansoku, build/tests/unit/unit)
 *   <prefix>/share/kansoku/REL   an installation in <prefix>/bin
 *
 * for <prefix> = the executable's directory's parent, grandparent and
 * great-grandparent, in that order; the first that exists wins. */
#ifndef KS_DATA_H
#define KS_DATA_H

#include <stddef.h>

/* Writes the path of REL (a file or directory) into buf. 0 when it exists;
 * KS_ENOENT otherwise, with the places tried, comma-separated, in buf. */
int ks_data_path(const char *rel, char *buf, size_t n);

#endif

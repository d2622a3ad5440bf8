/* SPDX-License-Identifier: BSD-2-Clause */
/* Country and AS lookups in MaxMind-format databases (libmaxminddb):
 * GeoIP2/GeoLite2 Country or City for the country, GeoLite2 ASN for the AS. */
#ifndef KS_GEO_H
#define KS_GEO_H

#include <stddef.h>
#include <stdint.h>

#include "ks_addr.h"

struct ks_geo;

/* Opens either database (NULL path = not used). KS_EIO with a message
 * naming the file in err on failure. *out is NULL when both paths are NULL. */
int ks_geo_open(const char *country_db, const char *asn_db, struct ks_geo **out, char *err,
		size_t errlen);
void ks_geo_close(struct ks_geo *g);

/* Looks a up. country gets the ISO 3166-1 code or "" (country, else
 * registered_country); *asn 0 when unknown; as_org (size n) "" when unknown. */
void ks_geo_lookup(struct ks_geo *g, const struct ks_addr *a, char country[3], uint32_t *asn,
		   char *as_org, size_t n);

#endif

/* SPDX-License-Identifier: BSD-2-Clause */
/* libmaxminddb wrapper; see ks_geo.h. Databases are memory-mapped
 * (MMDB_MODE_MMAP), so opening is cheap and lookups share the page cache. */
#include "ks_geo.h"

#include <arpa/inet.h>
#include <maxminddb.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ks_alloc.h"
#include "ks_err.h"

struct ks_geo {
	MMDB_s country, asn;
	int has_country, has_asn;
};

static int open_one(const char *path, MMDB_s *db, char *err, size_t errlen)
{
	int rc = MMDB_open(path, MMDB_MODE_MMAP, db);
	if (rc != MMDB_SUCCESS) {
		snprintf(err, errlen, "%s: cannot open MaxMind database: %s", path, MMDB_strerror(rc));
		return KS_EIO;
	}
	return 0;
}

int ks_geo_open(const char *country_db, const char *asn_db, struct ks_geo **out, char *err,
		size_t errlen)
{
	*out = NULL;
	if (!country_db && !asn_db)
		return 0;
	struct ks_geo *g = ks_xcalloc(1, sizeof *g);
	if (country_db) {
		if (open_one(country_db, &g->country, err, errlen) != 0)
			goto fail;
		g->has_country = 1;
	}
	if (asn_db) {
		if (open_one(asn_db, &g->asn, err, errlen) != 0)
			goto fail;
		g->has_asn = 1;
	}
	*out = g;
	return 0;
fail:
	ks_geo_close(g);
	return KS_EIO;
}

void ks_geo_close(struct ks_geo *g)
{
	if (!g)
		return;
	if (g->has_country)
		MMDB_close(&g->country);
	if (g->has_asn)
		MMDB_close(&g->asn);
	free(g);
}

static MMDB_lookup_result_s lookup(MMDB_s *db, const struct ks_addr *a)
{
	int gai = 0, mmdb = 0;
	MMDB_lookup_result_s r;
	if (ks_addr_is_v4(a)) {
		struct sockaddr_in sin = {.sin_family = AF_INET};
		memcpy(&sin.sin_addr, a->b + 12, 4);
		r = MMDB_lookup_sockaddr(db, (const struct sockaddr *)&sin, &mmdb);
	} else {
		struct sockaddr_in6 sin6 = {.sin6_family = AF_INET6};
		memcpy(&sin6.sin6_addr, a->b, 16);
		r = MMDB_lookup_sockaddr(db, (const struct sockaddr *)&sin6, &mmdb);
	}
	(void)gai;
	if (mmdb != MMDB_SUCCESS)
		r.found_entry = false;
	return r;
}

static int get_string(MMDB_entry_s *e, char *out, size_t n, const char *const *path)
{
	MMDB_entry_data_s d;
	if (MMDB_aget_value(e, &d, path) != MMDB_SUCCESS || !d.has_data ||
	    d.type != MMDB_DATA_TYPE_UTF8_STRING)
		return -1;
	size_t len = d.data_size < n - 1 ? d.data_size : n - 1;
	memcpy(out, d.utf8_string, len);
	out[len] = '\0';
	return 0;
}

void ks_geo_lookup(struct ks_geo *g, const struct ks_addr *a, char country[3], uint32_t *asn,
		   char *as_org, size_t n)
{
	country[0] = '\0';
	*asn = 0;
	if (n)
		as_org[0] = '\0';
	if (!g)
		return;
	if (g->has_country) {
		MMDB_lookup_result_s r = lookup(&g->country, a);
		static const char *const p1[] = {"country", "iso_code", NULL};
		static const char *const p2[] = {"registered_country", "iso_code", NULL};
		char cc[8];
		if (r.found_entry &&
		    (get_string(&r.entry, cc, sizeof cc, p1) == 0 || get_string(&r.entry, cc, sizeof cc, p2) == 0) &&
		    strlen(cc) == 2)
			memcpy(country, cc, 3);
	}
	if (g->has_asn) {
		MMDB_lookup_result_s r = lookup(&g->asn, a);
		static const char *const pn[] = {"autonomous_system_number", NULL};
		static const char *const po[] = {"autonomous_system_organization", NULL};
		MMDB_entry_data_s d;
		if (r.found_entry) {
			if (MMDB_aget_value(&r.entry, &d, pn) == MMDB_SUCCESS && d.has_data &&
			    d.type == MMDB_DATA_TYPE_UINT32)
				*asn = d.uint32;
			if (n)
				get_string(&r.entry, as_org, n, po);
		}
	}
}

/* SPDX-License-Identifier: BSD-2-Clause */
/* Organisations (network owners that receive alerts) and their CSV format.
 *
 * File format (docs/formats.md): header line exactly "id,name,kind,contact,prefixes";
 * one organisation per line; prefixes separated by spaces (IPv4 and IPv6 CIDR).
 * id: 1-64 chars of [A-Za-z0-9._-]; kind: non-empty [a-z0-9_]+ (isp, local_gov,
 * critical_infra, university ...); contact: non-empty; at least one prefix.
 * name and contact must be UTF-8 without control characters (CR or LF in a
 * contact could split a notification's header lines). Spaces and tabs
 * around every field are trimmed; a leading UTF-8 BOM and blank lines are
 * ignored; a header with no rows is a valid, empty file.
 * A file is all-or-nothing: the first bad line fails the whole parse. */
#ifndef KS_ORG_H
#define KS_ORG_H

#include <stddef.h>

#include "ks_prefix.h"

struct ks_org {
	char *id, *name, *kind, *contact;
	struct ks_prefix *pfx;
	size_t npfx;
	unsigned line; /* line in the source file */
};

struct ks_org_list {
	struct ks_org *v;
	size_t n, cap;
};

void ks_org_list_init(struct ks_org_list *l);
void ks_org_list_release(struct ks_org_list *l);

/* Parses data[0..len) (the whole file). On success fills out (caller
 * releases) and returns 0. On failure returns KS_EINVAL, leaves out empty and
 * writes "NAME:LINE: what was wrong, what was expected" into err. A duplicate
 * id within the file is an error. Control plane: exits on out-of-memory.
 * out need not be initialised: it is overwritten, and anything it held is
 * not released. err may be NULL; LINE is the first line of the bad record. */
int ks_org_parse_csv(const char *data, size_t len, const char *name, struct ks_org_list *out,
		     char *err, size_t errlen);

#endif

/* SPDX-License-Identifier: BSD-2-Clause */
#include "ks_addr.h"

#include <arpa/inet.h>
#include <string.h>

#include "ks_err.h"

static const uint8_t v4_mapped_prefix[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};

bool ks_addr_is_v4(const struct ks_addr *a)
{
	return memcmp(a->b, v4_mapped_prefix, 12) == 0;
}

int ks_addr_parse(const char *s, struct ks_addr *out)
{
	struct in_addr v4;
	if (strchr(s, ':') == NULL) {
		if (inet_pton(AF_INET, s, &v4) != 1)
			return KS_EINVAL;
		ks_addr_from_v4(out, ntohl(v4.s_addr));
		return 0;
	}
	if (inet_pton(AF_INET6, s, out->b) != 1)
		return KS_EINVAL;
	return 0;
}

const char *ks_addr_format(const struct ks_addr *a, char *buf)
{
	if (ks_addr_is_v4(a))
		inet_ntop(AF_INET, a->b + 12, buf, KS_ADDR_STRLEN);
	else
		inet_ntop(AF_INET6, a->b, buf, KS_ADDR_STRLEN);
	return buf;
}

int ks_addr_cmp(const struct ks_addr *a, const struct ks_addr *b)
{
	return memcmp(a->b, b->b, 16);
}

/* SPDX-License-Identifier: BSD-2-Clause */
/* Helpers over the survey records (survey.h). */
#include <stdio.h>
#include <string.h>

#include "survey.h"

const char *ks_svc_fact(const struct ks_svc *s, const char *key, char *buf, size_t n)
{
	size_t kl = strlen(key);
	buf[0] = '\0';
	for (const char *p = s->facts; *p;) {
		if (strncmp(p, key, kl) == 0 && p[kl] == '=') {
			const char *v = p + kl + 1, *e = strstr(v, "; ");
			size_t l = e ? (size_t)(e - v) : strlen(v);
			snprintf(buf, n, "%.*s", (int)(l < n ? l : n - 1), v);
			break;
		}
		p = strstr(p, "; ");
		if (!p)
			break;
		p += 2;
	}
	return buf;
}

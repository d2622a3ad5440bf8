/* SPDX-License-Identifier: BSD-2-Clause */
#include "ks_data.h"

#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "ks_err.h"

int ks_data_path(const char *rel, char *buf, size_t n)
{
	char exe[PATH_MAX], tried[3 * PATH_MAX] = "";
	ssize_t k = readlink("/proc/self/exe", exe, sizeof exe - 1);
	if (k <= 0) {
		snprintf(buf, n, "(no /proc/self/exe)");
		return KS_ENOENT;
	}
	exe[k] = '\0';
	for (int up = 1; up <= 4; up++) {
		char *slash = strrchr(exe, '/');
		if (!slash)
			break;
		*slash = '\0';
		if (up < 2) /* exe's own directory (bin/) is no prefix */
			continue;
		const char *sub[] = {"/data/", "/share/kansoku/"};
		for (size_t i = 0; i < (up == 2 ? 2u : 1u); i++) {
			char p[PATH_MAX + 64];
			snprintf(p, sizeof p, "%s%s%s", exe, sub[i], rel);
			if (access(p, R_OK) == 0) {
				snprintf(buf, n, "%s", p);
				return 0;
			}
			size_t tl = strlen(tried);
			snprintf(tried + tl, sizeof tried - tl, "%s%s", tl ? ", " : "", p);
		}
	}
	snprintf(buf, n, "%s", tried);
	return KS_ENOENT;
}

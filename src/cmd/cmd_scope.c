/* SPDX-License-Identifier: BSD-2-Clause */
/* The scope and exclusion files of the survey commands (cmd.h). */
#include <stdlib.h>
#include <xxhash.h>

#include "cmd.h"
#include "ks_log.h"
#include "scan_scope.h"

#define SCOPE_FILE_MAX (64u << 20)

int ks_cmd_scope_load(struct ks_scope *s, const char *scope_path, const char *excl_path,
		      bool warn_refused, uint64_t *hash)
{
	const char *paths[2] = {scope_path, excl_path};
	XXH3_state_t *h = XXH3_createState();
	XXH3_64bits_reset(h);
	int rc = 0;
	for (int i = 0; i < 2 && rc == 0 && paths[i]; i++) {
		char err[600], *buf;
		size_t len;
		if (ks_cmd_read_file(paths[i], SCOPE_FILE_MAX, &buf, &len, err, sizeof err) != 0) {
			ks_err("%s", err);
			rc = KS_EXIT_FAIL;
			break;
		}
		XXH3_64bits_update(h, buf, len + 1); /* with the NUL: the files are delimited */
		int r = i ? ks_scope_parse_exclude(s, buf, len, paths[i], err, sizeof err)
			  : ks_scope_parse(s, buf, len, paths[i], err, sizeof err);
		free(buf);
		if (r != 0) {
			ks_err("%s; nothing was sent", err);
			rc = KS_EXIT_DATA;
		}
	}
	if (hash)
		*hash = XXH3_64bits_digest(h);
	XXH3_freeState(h);
	if (rc != 0)
		return rc;
	ks_scope_build(s);
	for (size_t i = 0; warn_refused && i < s->nrefused; i++) {
		char b[KS_ADDR_STRLEN + 8];
		ks_warn("%s:%u: refused %s: %s", scope_path, s->refused[i].line,
			ks_prefix_format(&s->refused[i].pfx, b), s->refused[i].why);
	}
	return 0;
}

/* SPDX-License-Identifier: BSD-2-Clause */
/* Credential list parser and the default list's location (contract in
 * cred_list.h).
 *
 * The file is read line by line through a bounded reader (ks_rd.h) into a
 * scratch array; the pairs are appended to the list only when every line is
 * well formed, so an error applies nothing. Duplicates are found by a linear
 * scan of the pairs kept so far: lists are a few hundred pairs (NOTICE
 * tries about 600), and KS_CRED_MAX_PAIRS bounds the worst case. */
#include "cred_list.h"
#include "ks_data.h"

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "ks_alloc.h"
#include "ks_err.h"
#include "ks_rd.h"

void ks_cred_list_init(struct ks_cred_list *l)
{
	memset(l, 0, sizeof *l);
}

void ks_cred_list_release(struct ks_cred_list *l)
{
	if (l->v) {
		explicit_bzero(l->v, l->cap * sizeof *l->v);
		free(l->v);
	}
	memset(l, 0, sizeof *l);
}

static int fail(char *err, size_t errlen, const char *name, unsigned line, size_t col,
		const char *what)
{
	snprintf(err, errlen, "%s:%u:%zu: %s", name, line, col, what);
	return KS_EINVAL;
}

/* Checks value bytes [p, p+n): no control bytes. Returns the 0-based offset
 * of the first bad byte, or n. */
static size_t bad_byte(const uint8_t *p, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (p[i] < 0x20 || p[i] == 0x7f)
			return i;
	return n;
}

static int is_dup(const struct ks_cred_pair *v, size_t n, const struct ks_cred_pair *p)
{
	for (size_t i = 0; i < n; i++)
		if (strcmp(v[i].user, p->user) == 0 && strcmp(v[i].pass, p->pass) == 0)
			return 1;
	return 0;
}

int ks_cred_list_parse(struct ks_cred_list *l, const char *buf, size_t len, const char *name,
		       char *err, size_t errlen)
{
	struct ks_rd r = ks_rd_make(buf, len);
	struct ks_cred_pair *tmp = NULL;
	size_t n = 0, cap = 0, dups = 0;
	unsigned line = 0;
	int rc = 0;
	if (err && errlen)
		err[0] = '\0';
	while (ks_rd_left(&r) > 0) {
		line++;
		const uint8_t *p = r.base + r.off;
		size_t left = ks_rd_left(&r);
		const uint8_t *nl = memchr(p, '\n', left);
		size_t ll = nl ? (size_t)(nl - p) : left;
		ks_rd_skip(&r, nl ? ll + 1 : ll);
		if (ll && p[ll - 1] == '\r')
			ll--;
		if (ll == 0 || p[0] == '#')
			continue;
		const uint8_t *tab = memchr(p, '\t', ll);
		if (!tab) {
			size_t b = bad_byte(p, ll);
			rc = fail(err, errlen, name, line, b + 1,
				  b < ll ? "control byte in the user name; expected USER TAB PASSWORD"
					 : "no TAB; expected USER TAB PASSWORD (an empty password "
					   "is an empty field after the TAB)");
			goto out;
		}
		size_t ul = (size_t)(tab - p), pl = ll - ul - 1;
		const uint8_t *pw = tab + 1;
		if (ul == 0) {
			rc = fail(err, errlen, name, line, 1, "empty user name; expected USER TAB PASSWORD");
			goto out;
		}
		size_t b = bad_byte(p, ul);
		if (b < ul) {
			rc = fail(err, errlen, name, line, b + 1,
				  "control byte in the user name; expected printable text");
			goto out;
		}
		if (ul > KS_CRED_USER_MAX) {
			rc = fail(err, errlen, name, line, KS_CRED_USER_MAX + 1,
				  "user name longer than 64 bytes; expected a shorter one");
			goto out;
		}
		b = bad_byte(pw, pl);
		if (b < pl) {
			rc = fail(err, errlen, name, line, ul + 2 + b,
				  pw[b] == '\t' ? "second TAB; expected USER TAB PASSWORD and nothing after"
						: "control byte in the password; expected printable text");
			goto out;
		}
		if (pl > KS_CRED_PASS_MAX) {
			rc = fail(err, errlen, name, line, ul + 2 + KS_CRED_PASS_MAX,
				  "password longer than 64 bytes; expected a shorter one");
			goto out;
		}
		struct ks_cred_pair pair;
		memset(&pair, 0, sizeof pair);
		memcpy(pair.user, p, ul);
		memcpy(pair.pass, pw, pl);
		pair.line = line;
		if (is_dup(l->v, l->n, &pair) || is_dup(tmp, n, &pair)) {
			dups++;
			explicit_bzero(&pair, sizeof pair);
			continue;
		}
		if (l->n + n >= KS_CRED_MAX_PAIRS) {
			snprintf(err, errlen, "%s:%u:1: more than %u pairs; expected a shorter list", name,
				 line, (unsigned)KS_CRED_MAX_PAIRS);
			explicit_bzero(&pair, sizeof pair);
			rc = KS_ELIMIT;
			goto out;
		}
		if (n == cap) {
			size_t ncap = cap ? cap * 2 : 64;
			struct ks_cred_pair *nt = ks_xreallocarray(NULL, ncap, sizeof *nt);
			if (tmp) {
				memcpy(nt, tmp, n * sizeof *tmp);
				explicit_bzero(tmp, cap * sizeof *tmp);
				free(tmp);
			}
			tmp = nt;
			cap = ncap;
		}
		tmp[n++] = pair;
		explicit_bzero(&pair, sizeof pair);
	}
	/* Append: grow the list by copying (no realloc, so no unwiped copy is
	 * left behind). */
	if (n) {
		if (l->n + n > l->cap) {
			size_t ncap = l->n + n;
			struct ks_cred_pair *nv = ks_xreallocarray(NULL, ncap, sizeof *nv);
			if (l->v) {
				memcpy(nv, l->v, l->n * sizeof *nv);
				explicit_bzero(l->v, l->cap * sizeof *l->v);
				free(l->v);
			}
			l->v = nv;
			l->cap = ncap;
		}
		memcpy(l->v + l->n, tmp, n * sizeof *tmp);
		l->n += n;
	}
	l->dups += dups;
	if (!l->name)
		l->name = name;
out:
	if (tmp) {
		explicit_bzero(tmp, cap * sizeof *tmp);
		free(tmp);
	}
	return rc;
}

int ks_cred_list_load(struct ks_cred_list *l, const char *path, char *err, size_t errlen)
{
	FILE *f = fopen(path, "rb");
	if (!f) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		return KS_ESYS;
	}
	size_t cap = 4096, n = 0, k;
	char *b = ks_xmalloc(cap);
	int rc = 0;
	while ((k = fread(b + n, 1, cap - n, f)) > 0) {
		n += k;
		if (n < cap)
			continue;
		if (cap >= KS_CRED_FILE_MAX) {
			snprintf(err, errlen, "%s: larger than %u bytes", path, (unsigned)KS_CRED_FILE_MAX);
			rc = KS_ELIMIT;
			goto out;
		}
		char *nb = ks_xmalloc(cap * 2);
		memcpy(nb, b, n);
		explicit_bzero(b, cap);
		free(b);
		b = nb;
		cap *= 2;
	}
	if (ferror(f)) {
		snprintf(err, errlen, "%s: read error", path);
		rc = KS_ESYS;
		goto out;
	}
	rc = ks_cred_list_parse(l, b, n, path, err, errlen);
out:
	fclose(f);
	explicit_bzero(b, cap);
	free(b);
	return rc;
}

static int exists(const char *p)
{
	struct stat st;
	return stat(p, &st) == 0 && S_ISREG(st.st_mode);
}

int ks_cred_default_path(char *buf, size_t n)
{
	const char *env = getenv("KANSOKU_CREDENTIALS");
	if (env && *env) {
		snprintf(buf, n, "%s", env);
		return exists(env) ? 0 : KS_ENOENT;
	}
	return ks_data_path("credentials/" KS_CRED_DEFAULT_FILE, buf, n);
}

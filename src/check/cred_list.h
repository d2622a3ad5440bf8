/* SPDX-License-Identifier: BSD-2-Clause */
/* Credential lists for the weak-credential checks (src/check/).
 *
 * A list is a line file, the format of data/credentials/mirai-telnet.tsv:
 *
 *   # comment: a line whose first byte is '#'
 *   USER TAB PASSWORD        (PASSWORD may be empty: "root<TAB>")
 *
 * Empty lines are skipped; a CR before the LF is allowed. USER is 1 to
 * KS_CRED_USER_MAX bytes, PASSWORD 0 to KS_CRED_PASS_MAX bytes; neither may
 * hold a control byte (0x00-0x1f, 0x7f), so the second TAB of a line is an
 * error, and a '#' inside a value is data, not a comment. Pairs are kept in
 * file order (the order the checks try them); a pair that repeats an
 * earlier one is dropped and counted in dups (Mirai's table lists
 * guest/12345 twice: 62 lines, 61 pairs).
 *
 * Errors name the position: "FILE:LINE:COL: what; expected what", and a
 * list with an error adds nothing (the whole file is rejected).
 *
 * The default list is the Mirai table, installed with kansoku as
 * data/credentials/mirai-telnet.tsv (source tree) or
 * <prefix>/share/kansoku/credentials/mirai-telnet.tsv (installation);
 * ks_cred_default_path() finds it. Its source is in its header and in
 * data/credentials/README.md.
 *
 * Ownership: struct ks_cred_list is caller-allocated; init cannot fail; the
 * pairs are owned by the list and wiped (explicit_bzero) by release, as
 * secrets under test are (CONVENTIONS.md 4). Control plane: out of memory
 * exits (ks_alloc.h). Read-only after loading; may be shared by threads. */
#ifndef KS_CRED_LIST_H
#define KS_CRED_LIST_H

#include <stddef.h>

#define KS_CRED_USER_MAX 64
#define KS_CRED_PASS_MAX 64
#define KS_CRED_MAX_PAIRS 10000         /* pairs per list (NOTICE uses ~600) */
#define KS_CRED_FILE_MAX (16u << 20)    /* bytes per list file */
#define KS_CRED_DEFAULT_FILE "mirai-telnet.tsv"

struct ks_cred_pair {
	char user[KS_CRED_USER_MAX + 1];
	char pass[KS_CRED_PASS_MAX + 1]; /* "" = empty password */
	unsigned line;                   /* line in the file, for messages */
};

struct ks_cred_list {
	const char *name; /* file name for messages (borrowed) */
	struct ks_cred_pair *v;
	size_t n, cap;
	size_t dups; /* repeated pairs dropped */
};

void ks_cred_list_init(struct ks_cred_list *l);
/* Wipes and frees the pairs; l may be reused after ks_cred_list_init(). */
void ks_cred_list_release(struct ks_cred_list *l);

/* Parses buf[0..len) (name: for messages; borrowed, must outlive l) and
 * appends its pairs to l. 0; KS_EINVAL with "name:line:col: ..." in err on a
 * syntax error, KS_ELIMIT beyond KS_CRED_MAX_PAIRS pairs; on error nothing
 * of this file is added. */
int ks_cred_list_parse(struct ks_cred_list *l, const char *buf, size_t len, const char *name,
		       char *err, size_t errlen);

/* Reads the file at path (at most KS_CRED_FILE_MAX bytes) and parses it as
 * above. KS_ESYS / KS_ELIMIT with the reason in err when it cannot be read. */
int ks_cred_list_load(struct ks_cred_list *l, const char *path, char *err, size_t errlen);

/* Writes the path of the default list into buf[n]: the first of
 * $KANSOKU_CREDENTIALS, <exe prefix>/data/credentials/mirai-telnet.tsv,
 * <exe prefix>/share/kansoku/credentials/mirai-telnet.tsv that exists.
 * 0, or KS_ENOENT (nothing found; buf holds the paths tried). */
int ks_cred_default_path(char *buf, size_t n);

#endif

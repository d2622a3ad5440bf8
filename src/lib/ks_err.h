/* SPDX-License-Identifier: BSD-2-Clause */
/* Error codes shared by every module. Functions that can fail return 0 or a
 * negative KS_E* code; results go out through pointer parameters. */
#ifndef KS_ERR_H
#define KS_ERR_H

enum {
	KS_OK = 0,
	KS_EAGAIN = -1,    /* need more bytes (stream parsers) */
	KS_ETRUNC = -2,    /* input ended early; no more will come */
	KS_EINVAL = -3,    /* malformed or impossible values */
	KS_ELIMIT = -4,    /* a configured cap was hit */
	KS_EDECLINED = -5, /* not applicable / disabled: not an error */
	KS_ENOMEM = -6,
	KS_EIO = -7,       /* I/O or library failure (store, pcap) */
	KS_ESYS = -8,      /* system call failed; errno kept */
	KS_ENOENT = -9,    /* no such item */
};

/* Static string naming code; never NULL. */
const char *ks_strerror(int code);

/* Internal invariant violated: print location and abort. Never for input-reachable states. */
#define KS_BUG_ON(cond)                                                                  \
	do {                                                                             \
		if (cond)                                                                \
			ks_bug(__FILE__, __LINE__, #cond);                               \
	} while (0)
_Noreturn void ks_bug(const char *file, int line, const char *what);

#endif

/* SPDX-License-Identifier: BSD-2-Clause */
/* SSH probe parser: the server's identification string and its KEXINIT.
 * specification: RFC 4253 section 4.2 (identification), 6 (binary packet),
 * 7.1 (SSH_MSG_KEXINIT); RFC 4251 section 5 (name-list); deprecations from
 * RFC 8758 (arcfour), RFC 9142 (key exchange), RFC 8332 (ssh-rsa, SHA-1).
 *
 * The server speaks first: optional text lines, then
 *   SSH-protoversion-softwareversion SP comments CR LF   (<= 255 bytes)
 * then, unencrypted, a binary packet:
 *   uint32 packet_length, byte padding_length, payload, padding
 * whose payload is
 *   byte 20 (SSH_MSG_KEXINIT), byte[16] cookie,
 *   name-list kex, host key, enc c2s, enc s2c, mac c2s, mac s2c,
 *             comp c2s, comp s2c, lang c2s, lang s2c,
 *   boolean first_kex_packet_follows, uint32 reserved
 * A name-list is uint32 length + comma-separated ASCII names.
 *
 * ks_ssh_parse() follows probe.h: 0 when both the identification and the
 * KEXINIT were read; KS_EAGAIN/KS_ETRUNC when the stream stops earlier, with
 * the identification filled if it was complete (have_ident). */
#ifndef KS_PROBE_SSH_H
#define KS_PROBE_SSH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "probe.h"

#define KS_SSH_IDENT_MAX 255      /* RFC 4253: whole line including CR LF */
#define KS_SSH_PRE_LINES_MAX 32   /* text lines allowed before the identification */
#define KS_SSH_PACKET_MAX 35000   /* RFC 4253 section 6.1 */
#define KS_SSH_LIST_MAX 1024      /* bytes kept per name-list */

enum ks_ssh_list {
	KS_SSH_KEX = 0,
	KS_SSH_HOSTKEY,
	KS_SSH_ENC_C2S,
	KS_SSH_ENC_S2C,
	KS_SSH_MAC_C2S,
	KS_SSH_MAC_S2C,
	KS_SSH_COMP_C2S,
	KS_SSH_COMP_S2C,
	KS_SSH_LANG_C2S,
	KS_SSH_LANG_S2C,
	KS_SSH__LISTS
};

/* Bits of struct ks_ssh.flags. */
#define KS_SSH_F_DEPRECATED_KEX 0x01u    /* group1, group14-sha1, gex-sha1, rsa1024 */
#define KS_SSH_F_DEPRECATED_HOSTKEY 0x02u /* ssh-dss, ssh-rsa (SHA-1 signatures) */
#define KS_SSH_F_DEPRECATED_CIPHER 0x04u /* CBC modes, arcfour, 3des, blowfish, none */
#define KS_SSH_F_DEPRECATED_MAC 0x08u    /* hmac-md5, 96-bit tags, none */
#define KS_SSH_F_PQ_KEX 0x10u            /* a post-quantum hybrid key exchange */
#define KS_SSH_F_STRICT_KEX 0x20u        /* kex-strict-s-v00@openssh.com (Terrapin fix) */
#define KS_SSH_F_PROTO1 0x40u            /* protoversion 1.x other than 1.99 */

struct ks_ssh {
	bool have_ident, have_kexinit, truncated;
	unsigned pre_lines;        /* lines before the identification */
	char proto[16];            /* "2.0", "1.99" */
	char software[KS_SSH_IDENT_MAX + 1]; /* "OpenSSH_9.6p1" */
	char comments[KS_SSH_IDENT_MAX + 1]; /* "Ubuntu-3ubuntu13", may be empty */
	char lists[KS_SSH__LISTS][KS_SSH_LIST_MAX]; /* name-lists as sent (sanitised) */
	bool first_kex_follows;
	uint32_t flags;            /* KS_SSH_F_* */
	char flagged[512];         /* comma-separated names that set a deprecated flag */
	struct ks_probe_fail fail;
};

/* Parses the first n bytes the server sent (eof: the peer closed or the
 * engine gave up). See probe.h for return codes. out is fully rewritten. */
int ks_ssh_parse(const uint8_t *p, size_t n, bool eof, struct ks_ssh *out);

/* Stable name of a name-list: "kex", "hostkey", "enc_c2s" ... */
const char *ks_ssh_list_name(enum ks_ssh_list l);

/* Classifies one algorithm name for list l: returns a KS_SSH_F_* bit (0 for
 * an unremarkable name) and sets *note (may be NULL) to a static reason. */
uint32_t ks_ssh_classify(enum ks_ssh_list l, const char *name, size_t n, const char **note);

#endif

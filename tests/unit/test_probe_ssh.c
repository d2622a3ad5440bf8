/* SPDX-License-Identifier: BSD-2-Clause */
/* Unit tests for the SSH probe parser (src/probe/probe_ssh.h): OpenSSH 9.6
 * and an old Dropbear opening (identification + KEXINIT with the lists
 * those servers send by default), pre-identification lines, flags for
 * deprecated and post-quantum algorithms, malformed packets, truncation at
 * every length. */
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "probe.h"
#include "probe_ssh.h"
#include "probe_test.h"

static const char *const openssh96[KS_SSH__LISTS] = {
	"sntrup761x25519-sha512@openssh.com,curve25519-sha256,curve25519-sha256@libssh.org,"
	"ecdh-sha2-nistp256,ecdh-sha2-nistp384,ecdh-sha2-nistp521,"
	"diffie-hellman-group-exchange-sha256,diffie-hellman-group16-sha512,"
	"diffie-hellman-group18-sha512,diffie-hellman-group14-sha256,ext-info-s,"
	"kex-strict-s-v00@openssh.com",
	"rsa-sha2-512,rsa-sha2-256,ecdsa-sha2-nistp256,ssh-ed25519",
	"chacha20-poly1305@openssh.com,aes128-ctr,aes192-ctr,aes256-ctr,"
	"aes128-gcm@openssh.com,aes256-gcm@openssh.com",
	"chacha20-poly1305@openssh.com,aes128-ctr,aes192-ctr,aes256-ctr,"
	"aes128-gcm@openssh.com,aes256-gcm@openssh.com",
	"umac-64-etm@openssh.com,umac-128-etm@openssh.com,hmac-sha2-256-etm@openssh.com,"
	"hmac-sha2-512-etm@openssh.com,hmac-sha1-etm@openssh.com,umac-64@openssh.com,"
	"umac-128@openssh.com,hmac-sha2-256,hmac-sha2-512,hmac-sha1",
	"umac-64-etm@openssh.com,umac-128-etm@openssh.com,hmac-sha2-256-etm@openssh.com,"
	"hmac-sha2-512-etm@openssh.com,hmac-sha1-etm@openssh.com,umac-64@openssh.com,"
	"umac-128@openssh.com,hmac-sha2-256,hmac-sha2-512,hmac-sha1",
	"none,zlib@openssh.com",
	"none,zlib@openssh.com",
	"",
	"",
};

/* Dropbear 2014.63 as found on old cameras and routers. */
static const char *const dropbear2014[KS_SSH__LISTS] = {
	"curve25519-sha256@libssh.org,ecdh-sha2-nistp521,ecdh-sha2-nistp384,"
	"ecdh-sha2-nistp256,diffie-hellman-group14-sha1,diffie-hellman-group1-sha1,"
	"kexguess2@matt.ucc.asn.au",
	"ssh-rsa,ssh-dss",
	"aes128-ctr,aes256-ctr,aes128-cbc,aes256-cbc,twofish256-cbc,twofish-cbc,"
	"twofish128-cbc,3des-ctr,3des-cbc",
	"aes128-ctr,aes256-ctr,aes128-cbc,aes256-cbc,twofish256-cbc,twofish-cbc,"
	"twofish128-cbc,3des-ctr,3des-cbc",
	"hmac-sha1-96,hmac-sha1,hmac-sha2-256,hmac-sha2-512,hmac-md5",
	"hmac-sha1-96,hmac-sha1,hmac-sha2-256,hmac-sha2-512,hmac-md5",
	"zlib@openssh.com,zlib,none",
	"zlib@openssh.com,zlib,none",
	"",
	"",
};

static void put32(uint8_t *b, size_t *o, uint32_t v)
{
	b[(*o)++] = (uint8_t)(v >> 24);
	b[(*o)++] = (uint8_t)(v >> 16);
	b[(*o)++] = (uint8_t)(v >> 8);
	b[(*o)++] = (uint8_t)v;
}

/* Writes ident + a KEXINIT binary packet (padding to 8 bytes, >= 4) to b. */
static size_t opening(uint8_t *b, const char *ident, const char *const lists[KS_SSH__LISTS])
{
	size_t o = strlen(ident);
	memcpy(b, ident, o);
	uint8_t payload[4096];
	size_t pl = 0;
	payload[pl++] = 20;
	for (int i = 0; i < 16; i++)
		payload[pl++] = (uint8_t)(0xa0 + i);
	for (int l = 0; l < KS_SSH__LISTS; l++) {
		size_t n = strlen(lists[l]);
		put32(payload, &pl, (uint32_t)n);
		memcpy(payload + pl, lists[l], n);
		pl += n;
	}
	payload[pl++] = 0;
	put32(payload, &pl, 0);
	size_t pad = 8 - (5 + pl) % 8;
	if (pad < 4)
		pad += 8;
	put32(b, &o, (uint32_t)(1 + pl + pad));
	b[o++] = (uint8_t)pad;
	memcpy(b + o, payload, pl);
	o += pl;
	memset(b + o, 0, pad);
	return o + pad;
}

KS_TEST(ssh_openssh96)
{
	static uint8_t b[8192];
	static struct ks_ssh s;
	size_t n = opening(b, "SSH-2.0-OpenSSH_9.6p1 Ubuntu-3ubuntu13\r\n", openssh96);
	CHECK_EQ_U64(ks_ssh_parse(b, n, false, &s), 0);
	CHECK(s.have_ident && s.have_kexinit && !s.truncated);
	CHECK_STR(s.proto, "2.0");
	CHECK_STR(s.software, "OpenSSH_9.6p1");
	CHECK_STR(s.comments, "Ubuntu-3ubuntu13");
	CHECK_EQ_U64(s.pre_lines, 0);
	for (int l = 0; l < KS_SSH__LISTS; l++)
		CHECK_STR(s.lists[l], openssh96[l]);
	CHECK_EQ_U64(s.flags, KS_SSH_F_PQ_KEX | KS_SSH_F_STRICT_KEX);
	CHECK_STR(s.flagged, "");
	CHECK(s.fail.what == NULL);
	CHECK_STR(ks_ssh_list_name(KS_SSH_MAC_S2C), "mac_s2c");
	CHECK_STREAM_PREFIXES(ks_ssh_parse, struct ks_ssh, b, n, n);
}

KS_TEST(ssh_dropbear_deprecated)
{
	static uint8_t b[8192];
	static struct ks_ssh s;
	/* A line before the identification is allowed (RFC 4253 4.2); LF only too. */
	size_t n = opening(b, "Welcome to IPCAM\r\n\nSSH-2.0-dropbear_2014.63\n", dropbear2014);
	CHECK_EQ_U64(ks_ssh_parse(b, n, true, &s), 0);
	CHECK_EQ_U64(s.pre_lines, 2);
	CHECK_STR(s.software, "dropbear_2014.63");
	CHECK_STR(s.comments, "");
	CHECK_EQ_U64(s.flags, KS_SSH_F_DEPRECATED_KEX | KS_SSH_F_DEPRECATED_HOSTKEY |
				      KS_SSH_F_DEPRECATED_CIPHER | KS_SSH_F_DEPRECATED_MAC);
	CHECK_STR(s.flagged, "diffie-hellman-group14-sha1,diffie-hellman-group1-sha1,ssh-rsa,"
			     "ssh-dss,aes128-cbc,aes256-cbc,twofish256-cbc,twofish-cbc,"
			     "twofish128-cbc,3des-cbc,hmac-sha1-96,hmac-md5");
	CHECK_STREAM_PREFIXES(ks_ssh_parse, struct ks_ssh, b, n, n);
}

KS_TEST(ssh_classify)
{
	const char *note;
	CHECK_EQ_U64(ks_ssh_classify(KS_SSH_KEX, "mlkem768x25519-sha256", 21, &note), KS_SSH_F_PQ_KEX);
	CHECK(note != NULL);
	CHECK_EQ_U64(ks_ssh_classify(KS_SSH_ENC_S2C, "arcfour256", 10, &note),
		     KS_SSH_F_DEPRECATED_CIPHER);
	CHECK_EQ_U64(ks_ssh_classify(KS_SSH_ENC_S2C, "aes128-ctr", 10, &note), 0);
	CHECK(note == NULL);
	CHECK_EQ_U64(ks_ssh_classify(KS_SSH_MAC_S2C, "hmac-md5-96", 11, NULL), KS_SSH_F_DEPRECATED_MAC);
	/* "-cbc" alone, and a list type it does not belong to, do not match. */
	CHECK_EQ_U64(ks_ssh_classify(KS_SSH_ENC_C2S, "-cbc", 4, NULL), 0);
	CHECK_EQ_U64(ks_ssh_classify(KS_SSH_KEX, "ssh-rsa", 7, NULL), 0);
	CHECK_EQ_U64(ks_ssh_classify(KS_SSH_HOSTKEY, "ssh-rsa", 7, NULL), KS_SSH_F_DEPRECATED_HOSTKEY);
}

KS_TEST(ssh_ident_only_and_errors)
{
	static struct ks_ssh s;
	/* Identification complete, KEXINIT not sent yet. */
	CHECK_EQ_U64(ks_ssh_parse(S("SSH-1.99-Cisco-1.25\r\n"), false, &s), KS_EAGAIN);
	CHECK(s.have_ident && !s.have_kexinit);
	CHECK_STR(s.proto, "1.99");
	CHECK_STR(s.software, "Cisco-1.25");
	CHECK_EQ_U64(s.flags & KS_SSH_F_PROTO1, 0);
	CHECK_EQ_U64(ks_ssh_parse(S("SSH-1.99-Cisco-1.25\r\n"), true, &s), KS_ETRUNC);
	CHECK(s.have_ident);
	CHECK_EQ_U64(s.fail.off, 21);
	CHECK_EQ_U64(ks_ssh_parse(S("SSH-1.5-OldSSH\r\n"), true, &s), KS_ETRUNC);
	CHECK(s.flags & KS_SSH_F_PROTO1);

	CHECK_EQ_U64(ks_ssh_parse(S("SSH-2.0\r\n"), true, &s), KS_EINVAL);
	CHECK_EQ_U64(s.fail.off, 4);
	CHECK_EQ_U64(ks_ssh_parse(S("SSH-2.0- x\r\n"), true, &s), KS_EINVAL);
	CHECK_EQ_U64(ks_ssh_parse(S("HTTP/1.0 400 Bad Request\r\n"), true, &s), KS_ETRUNC);

	/* 256-byte line: over the limit. */
	uint8_t line[300];
	memset(line, 'a', sizeof line);
	memcpy(line, "SSH-2.0-", 8);
	line[299] = '\n';
	CHECK_EQ_U64(ks_ssh_parse(line, sizeof line, false, &s), KS_EINVAL);
	CHECK_EQ_U64(ks_ssh_parse(line, 280, false, &s), KS_EINVAL);

	/* Too many lines before the identification. */
	static uint8_t many[200];
	for (size_t i = 0; i < sizeof many; i += 2)
		many[i] = 'x', many[i + 1] = '\n';
	CHECK_EQ_U64(ks_ssh_parse(many, sizeof many, false, &s), KS_ELIMIT);

	/* Packet length out of range, padding too short, wrong message. */
	static const uint8_t big[] = "SSH-2.0-x\r\n\x00\x01\x00\x00\x04";
	CHECK_EQ_U64(ks_ssh_parse(big, sizeof big - 1, false, &s), KS_EINVAL);
	CHECK_EQ_U64(s.fail.off, 11);
	static const uint8_t pad[] = "SSH-2.0-x\r\n\x00\x00\x00\x10\x02";
	CHECK_EQ_U64(ks_ssh_parse(pad, sizeof pad - 1, false, &s), KS_EINVAL);
	static const uint8_t msg[] = "SSH-2.0-x\r\n\x00\x00\x00\x0c\x0a\x15\0\0\0\0\0\0\0\0\0\0";
	CHECK_EQ_U64(ks_ssh_parse(msg, sizeof msg - 1, false, &s), KS_EINVAL);
	CHECK_EQ_U64(s.fail.off, 16);
}

KS_TEST(ssh_name_list_overrun)
{
	static uint8_t b[8192];
	static struct ks_ssh s;
	size_t n = opening(b, "SSH-2.0-x\r\n", openssh96);
	/* The first name-list claims more bytes than the payload holds. */
	size_t lo = 11 + 5 + 1 + 16;
	b[lo] = 0x7f;
	CHECK_EQ_U64(ks_ssh_parse(b, n, true, &s), KS_EINVAL);
	CHECK_EQ_U64(s.fail.off, lo);
	CHECK(s.have_ident && !s.have_kexinit);
}

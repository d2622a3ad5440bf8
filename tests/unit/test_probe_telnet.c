/* SPDX-License-Identifier: BSD-2-Clause */
/* Unit tests for the telnet probe parser (src/probe/probe_telnet.h): a
 * BusyBox telnetd opening, replies of the polite client, IAC escapes,
 * subnegotiation, loop caps, and prompt detection. */
#include <stdint.h>
#include <string.h>

#include "probe.h"
#include "probe_telnet.h"
#include "probe_test.h"

/* BusyBox telnetd (1.3x) sends DO ECHO, DO NAWS, WILL ECHO, WILL SGA,
 * then /bin/login prints its prompt. */
static const uint8_t busybox[] = {
	0xff, 0xfd, 0x01, 0xff, 0xfd, 0x1f, 0xff, 0xfb, 0x01, 0xff, 0xfb, 0x03,
	'\r', '\n', 'O', 'p', 'e', 'n', 'W', 'r', 't', ' ', 'l', 'o', 'g', 'i', 'n', ':', ' '};

static const uint8_t busybox_reply[] = {
	0xff, 0xfc, 0x01, /* WONT ECHO: we do not echo */
	0xff, 0xfc, 0x1f, /* WONT NAWS */
	0xff, 0xfd, 0x01, /* DO ECHO: the server echoes */
	0xff, 0xfd, 0x03, /* DO SGA */
};

KS_TEST(telnet_busybox_negotiation)
{
	static struct ks_telnet t;
	ks_telnet_init(&t);
	ks_telnet_feed(&t, busybox, sizeof busybox);
	CHECK_EQ_U64(t.out_len, sizeof busybox_reply);
	CHECK(memcmp(t.out, busybox_reply, sizeof busybox_reply) == 0);
	CHECK_EQ_U64(t.data_len, 17);
	CHECK(memcmp(t.data, "\r\nOpenWrt login: ", 17) == 0);
	CHECK_EQ_U64(ks_telnet_prompt(&t), KS_TELNET_PROMPT_LOGIN);
	CHECK_STR(ks_telnet_prompt_name(ks_telnet_prompt(&t)), "login");
	CHECK(ks_telnet_server_did(&t, KS_TELNET_DO, KS_TELNET_OPT_NAWS));
	CHECK(ks_telnet_server_did(&t, KS_TELNET_WILL, KS_TELNET_OPT_SGA));
	CHECK(!ks_telnet_server_did(&t, KS_TELNET_DO, KS_TELNET_OPT_TTYPE));
	CHECK_EQ_U64(t.commands, 4);

	/* The same bytes one at a time: sequences split across reads. */
	static struct ks_telnet u;
	ks_telnet_init(&u);
	for (size_t i = 0; i < sizeof busybox; i++)
		ks_telnet_feed(&u, busybox + i, 1);
	CHECK_EQ_U64(u.out_len, t.out_len);
	CHECK(memcmp(u.out, t.out, t.out_len) == 0);
	CHECK_EQ_U64(u.data_len, t.data_len);
	CHECK(memcmp(u.data, t.data, t.data_len) == 0);

	/* The server repeats its WILL ECHO: already on, no acknowledgement. */
	t.out_len = 0;
	ks_telnet_feed(&t, (const uint8_t *)"\xff\xfb\x01", 3);
	CHECK_EQ_U64(t.out_len, 0);
	/* It turns ECHO off: we agree once; a second WONT gets nothing. */
	ks_telnet_feed(&t, (const uint8_t *)"\xff\xfc\x01\xff\xfc\x01", 6);
	CHECK_EQ_U64(t.out_len, 3);
	CHECK(memcmp(t.out, "\xff\xfe\x01", 3) == 0);
}

/* inetutils telnetd asks for TTYPE and sends a subnegotiation anyway. */
KS_TEST(telnet_refusals_and_subnegotiation)
{
	static struct ks_telnet t;
	static const uint8_t in[] = {
		0xff, 0xfd, 0x18,             /* DO TTYPE */
		0xff, 0xfd, 0x20,             /* DO TSPEED */
		0xff, 0xfa, 0x18, 0x01, 0xff, 0xf0, /* SB TTYPE SEND SE */
		0xff, 0xfa, 0x05, 'a', 0xff, 0xff, 'b', 0xff, 0xf0, /* SB with escaped 255 */
		0xff, 0xf1,                   /* NOP */
		'x', 0xff, 0xff, 'y',         /* data 255 */
		'\r', 0x00, '\r', '\n',       /* CR NUL, CR LF */
		0xff, 0xfe, 0x07,             /* DONT 7 for an option never on */
		0xff, 0xfb, 0x05,             /* WILL STATUS */
	};
	ks_telnet_init(&t);
	ks_telnet_feed(&t, in, sizeof in);
	static const uint8_t want[] = {0xff, 0xfc, 0x18, 0xff, 0xfc, 0x20, 0xff, 0xfe, 0x05};
	CHECK_EQ_U64(t.out_len, sizeof want);
	CHECK(memcmp(t.out, want, sizeof want) == 0);
	static const uint8_t data[] = {'x', 0xff, 'y', '\r', '\r', '\n'};
	CHECK_EQ_U64(t.data_len, sizeof data);
	CHECK(memcmp(t.data, data, sizeof data) == 0);
	CHECK_EQ_U64(ks_telnet_prompt(&t), KS_TELNET_PROMPT_NONE);
}

KS_TEST(telnet_answer_cap_and_data_cap)
{
	static struct ks_telnet t;
	ks_telnet_init(&t);
	for (int i = 0; i < 100; i++)
		ks_telnet_feed(&t, (const uint8_t *)"\xff\xfd\x18", 3);
	CHECK_EQ_U64(t.out_len, 3 * KS_TELNET_MAX_ANSWERS);
	CHECK_EQ_U64(t.commands, 100);

	/* 256 options x 2 directions x cap replies do not fit: dropped, counted. */
	ks_telnet_init(&t);
	for (int o = 0; o < 256; o++) {
		uint8_t cmd[3] = {0xff, 0xfd, (uint8_t)o};
		ks_telnet_feed(&t, cmd, 3);
	}
	CHECK(t.out_len <= KS_TELNET_OUT_MAX);
	CHECK(t.out_dropped > 0);
	CHECK_EQ_U64(t.out_len + 3 * t.out_dropped, 3 * 256);

	ks_telnet_init(&t);
	uint8_t big[KS_TELNET_DATA_MAX + 100];
	memset(big, 'A', sizeof big);
	ks_telnet_feed(&t, big, sizeof big);
	CHECK_EQ_U64(t.data_len, KS_TELNET_DATA_MAX);
	CHECK_EQ_U64(t.dropped, 100);
}

static enum ks_telnet_prompt prompt_of(const char *s)
{
	static struct ks_telnet t;
	ks_telnet_init(&t);
	ks_telnet_feed(&t, (const uint8_t *)s, strlen(s));
	return ks_telnet_prompt(&t);
}

KS_TEST(telnet_prompts)
{
	CHECK_EQ_U64(prompt_of("\r\nLogin: "), KS_TELNET_PROMPT_LOGIN);
	CHECK_EQ_U64(prompt_of("Welcome\r\nUsername:"), KS_TELNET_PROMPT_LOGIN);
	CHECK_EQ_U64(prompt_of("\r\nUser Name: "), KS_TELNET_PROMPT_LOGIN);
	CHECK_EQ_U64(prompt_of("HG8045Q\r\nLogin>"), KS_TELNET_PROMPT_LOGIN);
	CHECK_EQ_U64(prompt_of("\r\nPassword: "), KS_TELNET_PROMPT_PASSWORD);
	CHECK_EQ_U64(prompt_of("PASSWORD:"), KS_TELNET_PROMPT_PASSWORD);
	CHECK_EQ_U64(prompt_of("\r\n\r\nBusyBox v1.22.1 built-in shell (ash)\r\n# "),
		     KS_TELNET_PROMPT_SHELL);
	CHECK_EQ_U64(prompt_of("[root@ipcam ~]$ "), KS_TELNET_PROMPT_SHELL);
	CHECK_EQ_U64(prompt_of("DVR> "), KS_TELNET_PROMPT_SHELL);
	CHECK_EQ_U64(prompt_of("~ # \0"), KS_TELNET_PROMPT_SHELL);
	/* Not prompts: a '#' with no space after, text, nothing. */
	CHECK_EQ_U64(prompt_of("Issue #"), KS_TELNET_PROMPT_NONE);
	CHECK_EQ_U64(prompt_of("Connection refused\r\n"), KS_TELNET_PROMPT_NONE);
	CHECK_EQ_U64(prompt_of(""), KS_TELNET_PROMPT_NONE);
	CHECK_EQ_U64(prompt_of("   "), KS_TELNET_PROMPT_NONE);
}

/* Every split of the BusyBox opening into two reads gives the same result. */
KS_TEST(telnet_every_split)
{
	static struct ks_telnet a, b;
	ks_telnet_init(&a);
	ks_telnet_feed(&a, busybox, sizeof busybox);
	for (size_t i = 0; i <= sizeof busybox; i++) {
		ks_telnet_init(&b);
		ks_telnet_feed(&b, busybox, i);
		ks_telnet_feed(&b, busybox + i, sizeof busybox - i);
		CHECK(b.out_len == a.out_len && memcmp(b.out, a.out, a.out_len) == 0);
		CHECK(b.data_len == a.data_len && memcmp(b.data, a.data, a.data_len) == 0);
	}
}

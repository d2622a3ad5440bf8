/* SPDX-License-Identifier: BSD-2-Clause */
/* Telnet probe parser: option negotiation, banner, prompt detection.
 * specification: RFC 854 (protocol), RFC 855 (option negotiation), RFC 1143
 * (loop avoidance, simplified as below).
 *
 * Unlike the other probe parsers (probe.h) this one is incremental: the
 * survey engine feeds each read's bytes as they arrive, sends the reply bytes
 * the parser produced, and looks at the prompt to decide whether the device
 * waits for a login. Command sequences split across reads are handled.
 *
 *   IAC (255) WILL (251) | WONT (252) | DO (253) | DONT (254) <option>
 *   IAC SB (250) <option> <parameters, IAC doubled> IAC SE (240)
 *   IAC IAC      a data byte 255
 *   IAC <other>  NOP, DM, BRK, IP, AO, AYT, EC, EL, GA: ignored
 *
 * Negotiation policy (a polite, minimal client): we accept the server's
 * WILL ECHO and WILL SUPPRESS-GO-AHEAD (DO), since that is the character-at-
 * a-time mode every IoT telnetd (BusyBox, inetutils) wants before it prints
 * its prompt, and our own SUPPRESS-GO-AHEAD (WILL) when asked. Everything
 * else is refused: DO x -> WONT x, WILL x -> DONT x. TTYPE and NAWS are
 * refused too: BusyBox and inetutils telnetd print the login prompt without
 * them, and answering would put a terminal identity of ours into the
 * device's logs for nothing. Like RFC 1143 we never acknowledge a state we
 * are already in (DONT x / WONT x for an option that is off gets no reply),
 * and we answer each option at most KS_TELNET_MAX_ANSWERS times, so a
 * server that keeps asking cannot make us loop. Subnegotiations are
 * skipped (they cannot be about an option we accepted). */
#ifndef KS_PROBE_TELNET_H
#define KS_PROBE_TELNET_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define KS_TELNET_DATA_MAX 4096 /* banner bytes kept; more are counted in dropped */
#define KS_TELNET_OUT_MAX 512   /* reply bytes pending for the engine to send */
#define KS_TELNET_MAX_ANSWERS 3 /* replies per option and direction */

#define KS_TELNET_IAC 255
#define KS_TELNET_DONT 254
#define KS_TELNET_DO 253
#define KS_TELNET_WONT 252
#define KS_TELNET_WILL 251
#define KS_TELNET_SB 250
#define KS_TELNET_SE 240
#define KS_TELNET_OPT_ECHO 1
#define KS_TELNET_OPT_SGA 3
#define KS_TELNET_OPT_TTYPE 24
#define KS_TELNET_OPT_NAWS 31

enum ks_telnet_prompt {
	KS_TELNET_PROMPT_NONE = 0, /* nothing recognisable (yet) */
	KS_TELNET_PROMPT_LOGIN,    /* "login:", "Username:", "User:" ... */
	KS_TELNET_PROMPT_PASSWORD, /* "Password:" (no user name asked) */
	KS_TELNET_PROMPT_SHELL,    /* ends in "# ", "$ " or "> ": no login at all */
};

struct ks_telnet {
	/* parser state (private) */
	uint8_t state, cmd, sb_opt;
	uint8_t answers[2][256]; /* replies sent per option: [0] to DO/DONT, [1] to WILL/WONT */
	uint8_t us[256], him[256]; /* option on (1) for our side / the server's side */
	/* results */
	uint8_t data[KS_TELNET_DATA_MAX]; /* banner: data bytes with IAC sequences removed */
	size_t data_len;
	uint64_t dropped;   /* data bytes beyond KS_TELNET_DATA_MAX */
	uint64_t commands;  /* IAC commands seen (WILL/WONT/DO/DONT/SB) */
	uint8_t server_do[32], server_will[32]; /* bit sets: options the server asked about */
	/* reply bytes the engine must send: out[0..out_len); it sets out_len = 0
	 * after sending. Replies that do not fit are dropped and counted. */
	uint8_t out[KS_TELNET_OUT_MAX];
	size_t out_len;
	uint64_t out_dropped;
};

/* Resets t to the start of a connection. Cannot fail. */
void ks_telnet_init(struct ks_telnet *t);

/* Consumes n bytes received from the server: strips and answers option
 * negotiation (appending to t->out), appends data to t->data. Never fails:
 * every byte sequence is a valid telnet stream; bytes beyond the caps are
 * counted, not kept. */
void ks_telnet_feed(struct ks_telnet *t, const uint8_t *p, size_t n);

/* Classifies the end of the banner received so far: the last line, with
 * trailing spaces removed. Case-insensitive. */
enum ks_telnet_prompt ks_telnet_prompt(const struct ks_telnet *t);

/* Stable names: "none", "login", "password", "shell". */
const char *ks_telnet_prompt_name(enum ks_telnet_prompt p);

/* True if the server sent DO opt (resp. WILL opt) at least once. */
bool ks_telnet_server_did(const struct ks_telnet *t, uint8_t cmd, uint8_t opt);

#endif

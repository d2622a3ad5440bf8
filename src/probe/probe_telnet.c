/* SPDX-License-Identifier: BSD-2-Clause */
/* Telnet option negotiation and prompt detection (see probe_telnet.h).
 *
 *            IAC              WILL/WONT/DO/DONT        option
 *   DATA ----------> IAC ---------------------> OPT ---------> DATA
 *    ^  \           |  \ IAC (data 255)                          ^
 *    |   CR -> CR   |   \ SB -> SB_OPT -> SB_DATA <-> SB_IAC ----+ (SE)
 *    |  (drop NUL)  +-- other command ---------------------------+
 *
 * CR NUL and CR LF are the network forms of a bare CR and a newline
 * (RFC 854); the NUL after a CR is not data. */
#include "probe_telnet.h"

#include <string.h>

#include "probe.h"

enum { S_DATA, S_CR, S_IAC, S_OPT, S_SB_OPT, S_SB_DATA, S_SB_IAC };

void ks_telnet_init(struct ks_telnet *t)
{
	memset(t, 0, sizeof *t);
	t->state = S_DATA;
}

static void put_data(struct ks_telnet *t, uint8_t c)
{
	if (t->data_len < sizeof t->data)
		t->data[t->data_len++] = c;
	else
		t->dropped++;
}

static void reply(struct ks_telnet *t, uint8_t cmd, uint8_t opt)
{
	if (t->out_len + 3 > sizeof t->out) {
		t->out_dropped++;
		return;
	}
	t->out[t->out_len++] = KS_TELNET_IAC;
	t->out[t->out_len++] = cmd;
	t->out[t->out_len++] = opt;
}

/* Options we agree to: the server's ECHO and SGA, our own SGA. */
static bool accept_him(uint8_t opt)
{
	return opt == KS_TELNET_OPT_ECHO || opt == KS_TELNET_OPT_SGA;
}
static bool accept_us(uint8_t opt)
{
	return opt == KS_TELNET_OPT_SGA;
}

static void negotiate(struct ks_telnet *t, uint8_t cmd, uint8_t opt)
{
	bool on = cmd == KS_TELNET_WILL || cmd == KS_TELNET_DO;
	bool ours = cmd == KS_TELNET_DO || cmd == KS_TELNET_DONT; /* about our side */
	uint8_t *state = ours ? t->us : t->him;
	uint8_t *count = t->answers[ours ? 0 : 1];
	uint8_t yes = ours ? KS_TELNET_WILL : KS_TELNET_DO;
	uint8_t no = ours ? KS_TELNET_WONT : KS_TELNET_DONT;
	bool accept = ours ? accept_us(opt) : accept_him(opt);

	t->commands++;
	if (on)
		(ours ? t->server_do : t->server_will)[opt / 8] |= (uint8_t)(1u << (opt % 8));
	if (count[opt] >= KS_TELNET_MAX_ANSWERS)
		return;
	if (on && accept) {
		if (state[opt])
			return; /* already on: no acknowledgement (RFC 854) */
		state[opt] = 1;
		count[opt]++;
		reply(t, yes, opt);
	} else if (on) {
		count[opt]++; /* refuse; state stays off */
		reply(t, no, opt);
	} else if (state[opt]) {
		state[opt] = 0; /* the server turns it off: agree once */
		count[opt]++;
		reply(t, no, opt);
	}
	/* off request for an option already off: no reply */
}

void ks_telnet_feed(struct ks_telnet *t, const uint8_t *p, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		uint8_t c = p[i];
		switch (t->state) {
		case S_CR:
			t->state = S_DATA;
			if (c == 0)
				break; /* CR NUL: the NUL is padding */
			/* fall through */
		case S_DATA:
			if (c == KS_TELNET_IAC) {
				t->state = S_IAC;
			} else {
				put_data(t, c);
				if (c == '\r')
					t->state = S_CR;
			}
			break;
		case S_IAC:
			if (c == KS_TELNET_IAC) {
				put_data(t, c);
				t->state = S_DATA;
			} else if (c >= KS_TELNET_WILL) {
				t->cmd = c;
				t->state = S_OPT;
			} else if (c == KS_TELNET_SB) {
				t->state = S_SB_OPT;
			} else {
				t->state = S_DATA; /* NOP, GA, AYT ...: nothing to do */
			}
			break;
		case S_OPT:
			negotiate(t, t->cmd, c);
			t->state = S_DATA;
			break;
		case S_SB_OPT:
			t->sb_opt = c;
			t->commands++;
			t->state = S_SB_DATA;
			break;
		case S_SB_DATA:
			if (c == KS_TELNET_IAC)
				t->state = S_SB_IAC;
			break;
		case S_SB_IAC:
			/* IAC SE ends it; IAC IAC is a data byte inside; anything
			 * else is a protocol error that we end the SB on too, as
			 * BSD telnet does, so a broken server cannot hide data. */
			if (c == KS_TELNET_IAC)
				t->state = S_SB_DATA;
			else
				t->state = S_DATA;
			break;
		default:
			t->state = S_DATA;
			break;
		}
	}
}

bool ks_telnet_server_did(const struct ks_telnet *t, uint8_t cmd, uint8_t opt)
{
	const uint8_t *set = cmd == KS_TELNET_DO ? t->server_do : t->server_will;
	return (set[opt / 8] >> (opt % 8)) & 1;
}

static bool ends_with(const uint8_t *p, size_t n, const char *s)
{
	size_t k = strlen(s);
	return n >= k && ks_probe_ieq(p + n - k, k, s);
}

enum ks_telnet_prompt ks_telnet_prompt(const struct ks_telnet *t)
{
	const uint8_t *p = t->data;
	size_t n = t->data_len;
	/* Trailing blanks and NULs, then the last line. */
	while (n > 0 && (p[n - 1] == ' ' || p[n - 1] == '\t' || p[n - 1] == 0))
		n--;
	size_t start = n;
	while (start > 0 && p[start - 1] != '\n' && p[start - 1] != '\r')
		start--;
	const uint8_t *line = p + start;
	size_t len = n - start;
	if (len == 0)
		return KS_TELNET_PROMPT_NONE;

	static const char *const login[] = {"login:", "username:", "user name:", "user:",
					    "login>", "username>", "user id:", "userid:"};
	static const char *const pass[] = {"password:", "passwd:", "password>", "pass:"};
	for (size_t i = 0; i < sizeof login / sizeof login[0]; i++)
		if (ends_with(line, len, login[i]))
			return KS_TELNET_PROMPT_LOGIN;
	for (size_t i = 0; i < sizeof pass / sizeof pass[0]; i++)
		if (ends_with(line, len, pass[i]))
			return KS_TELNET_PROMPT_PASSWORD;
	/* A shell prompt ends in one of # $ > and, in the IoT forms seen
	 * ("# ", "~ # ", "[root@cam]$ ", "DVR> "), the server printed a space
	 * after it; a bare '>' or '#' at the end of a text line is not enough. */
	uint8_t last = line[len - 1];
	if ((last == '#' || last == '$' || last == '>') && n < t->data_len && t->data[n] == ' ')
		return KS_TELNET_PROMPT_SHELL;
	return KS_TELNET_PROMPT_NONE;
}

const char *ks_telnet_prompt_name(enum ks_telnet_prompt p)
{
	switch (p) {
	case KS_TELNET_PROMPT_LOGIN:
		return "login";
	case KS_TELNET_PROMPT_PASSWORD:
		return "password";
	case KS_TELNET_PROMPT_SHELL:
		return "shell";
	case KS_TELNET_PROMPT_NONE:
		break;
	}
	return "none";
}

/* SPDX-License-Identifier: BSD-2-Clause */
/* Flow filter expressions (grammar in flow_filter.h). A recursive-descent
 * parser emits code while it parses, so nothing is built but the program:
 *
 *   a and b   ->  code(a)  JF end  code(b)  end:
 *   a or b    ->  code(a)  JT end  code(b)  end:
 *   not a     ->  code(a)  NOT
 *
 * Every test sets one boolean register; JF/JT jump forward when it is
 * false/true, which is short-circuit evaluation with the register already
 * holding the answer at the jump target. The match is a single forward
 * loop over the program. The parser's recursion is bounded by MAX_DEPTH
 * (parentheses and "not"); and/or chains are loops, not recursion. */
#include "flow_filter.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ks_err.h"
#include "ks_prefix.h"
#include "ks_time.h"

#define MAX_DEPTH 64
#define MAX_EXPR 65536

enum op { OP_ADDR, OP_PORT, OP_PROTO, OP_AFTER, OP_BEFORE, OP_NOT, OP_JF, OP_JT };
enum { END_SRC = 1, END_DST = 2, END_ANY = 3 };

struct insn {
	uint8_t op;
	uint8_t ends;    /* OP_ADDR, OP_PORT: END_* */
	uint16_t port;   /* OP_PORT; OP_PROTO: protocol */
	uint32_t target; /* OP_JF, OP_JT: index to jump to */
	int64_t t;       /* OP_AFTER, OP_BEFORE: ms */
	uint64_t net[2], mask[2]; /* OP_ADDR: prefix and mask as two 64-bit words */
};

struct ks_flow_filter {
	struct insn *code;
	size_t n, cap;
	int64_t since, until;
};

/* Time interval [lo, hi) of first_ms a sub-expression can match. */
struct span {
	int64_t lo, hi;
};
static const struct span ALL = {INT64_MIN, INT64_MAX};

struct parser {
	const char *s;
	size_t len, pos;
	/* current token */
	size_t tpos, tlen; /* tlen 0 = end of input */
	struct ks_flow_filter *f;
	int depth;
	int rc;
	char *err;
	size_t errlen;
	int64_t now_us;
};

__attribute__((format(printf, 3, 4))) static int perr(struct parser *p, size_t col, const char *fmt,
						      ...)
{
	if (p->rc)
		return p->rc;
	p->rc = KS_EINVAL;
	if (p->err && p->errlen) {
		char msg[256];
		va_list ap;
		va_start(ap, fmt);
		vsnprintf(msg, sizeof msg, fmt, ap);
		va_end(ap);
		snprintf(p->err, p->errlen, "filter: column %zu: %s", col + 1, msg);
	}
	return p->rc;
}

static bool is_space(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; }

static void next(struct parser *p)
{
	while (p->pos < p->len && is_space(p->s[p->pos]))
		p->pos++;
	p->tpos = p->pos;
	if (p->pos == p->len) {
		p->tlen = 0;
		return;
	}
	char c = p->s[p->pos];
	if (c == '(' || c == ')' || (c == '!' && (p->pos + 1 == p->len || p->s[p->pos + 1] != '='))) {
		p->pos++;
	} else {
		while (p->pos < p->len && !is_space(p->s[p->pos]) && p->s[p->pos] != '(' &&
		       p->s[p->pos] != ')')
			p->pos++;
	}
	p->tlen = p->pos - p->tpos;
}

static bool is(const struct parser *p, const char *word)
{
	size_t n = strlen(word);
	return p->tlen == n && memcmp(p->s + p->tpos, word, n) == 0;
}

/* The current token, quoted for a message ("end of filter" at the end). */
static const char *found(const struct parser *p, char *buf, size_t n)
{
	if (p->tlen == 0)
		return "end of filter";
	int k = p->tlen > 40 ? 40 : (int)p->tlen;
	snprintf(buf, n, "'%.*s%s'", k, p->s + p->tpos, p->tlen > 40 ? "..." : "");
	return buf;
}

static struct insn *emit(struct parser *p, enum op op)
{
	struct ks_flow_filter *f = p->f;
	if (f->n == f->cap) {
		size_t nc = f->cap ? f->cap * 2 : 16;
		struct insn *c = reallocarray(f->code, nc, sizeof(*c));
		if (!c) {
			p->rc = p->rc ? p->rc : KS_ENOMEM;
			return NULL;
		}
		f->code = c;
		f->cap = nc;
	}
	struct insn *i = &f->code[f->n++];
	memset(i, 0, sizeof(*i));
	i->op = (uint8_t)op;
	return i;
}

/* The current token as a NUL-terminated copy in buf (false if too long). */
static bool tok(const struct parser *p, char *buf, size_t n)
{
	if (p->tlen == 0 || p->tlen >= n)
		return false;
	memcpy(buf, p->s + p->tpos, p->tlen);
	buf[p->tlen] = '\0';
	return true;
}

static int addr_arg(struct parser *p, const char *kw, uint8_t ends)
{
	char b[64];
	struct ks_prefix pf;
	if (p->tlen == 0 || ks_prefix_parse(p->s + p->tpos, p->tlen, &pf) != 0)
		return perr(p, p->tpos, "expected an address or prefix after '%s' but found %s", kw,
			    found(p, b, sizeof b));
	struct insn *i = emit(p, OP_ADDR);
	if (!i)
		return p->rc;
	i->ends = ends;
	uint8_t mask[16] = {0};
	for (unsigned bit = 0; bit < pf.len; bit++)
		mask[bit / 8] |= (uint8_t)(0x80u >> (bit % 8));
	memcpy(i->mask, mask, 16);
	memcpy(i->net, pf.addr.b, 16);
	next(p);
	return 0;
}

static int port_arg(struct parser *p, const char *kw, uint8_t ends)
{
	char b[64];
	uint32_t v = 0;
	bool ok = p->tlen > 0 && p->tlen <= 5;
	for (size_t k = 0; ok && k < p->tlen; k++) {
		char c = p->s[p->tpos + k];
		ok = c >= '0' && c <= '9';
		v = v * 10 + (uint32_t)(c - '0');
	}
	if (!ok || v > 65535)
		return perr(p, p->tpos, "expected a port number 0-65535 after '%s' but found %s", kw,
			    found(p, b, sizeof b));
	struct insn *i = emit(p, OP_PORT);
	if (!i)
		return p->rc;
	i->ends = ends;
	i->port = (uint16_t)v;
	next(p);
	return 0;
}

static const struct {
	const char *name;
	uint8_t num;
} protos[] = {{"icmp", 1}, {"tcp", 6}, {"udp", 17}, {"gre", 47}, {"esp", 50}, {"icmp6", 58},
	      {"sctp", 132}};

static int proto_num(const struct parser *p)
{
	for (size_t k = 0; k < sizeof protos / sizeof protos[0]; k++)
		if (is(p, protos[k].name))
			return protos[k].num;
	uint32_t v = 0;
	if (p->tlen == 0 || p->tlen > 3)
		return -1;
	for (size_t k = 0; k < p->tlen; k++) {
		char c = p->s[p->tpos + k];
		if (c < '0' || c > '9')
			return -1;
		v = v * 10 + (uint32_t)(c - '0');
	}
	return v <= 255 ? (int)v : -1;
}

static int emit_proto(struct parser *p, int num)
{
	struct insn *i = emit(p, OP_PROTO);
	if (!i)
		return p->rc;
	i->port = (uint16_t)num;
	next(p);
	return 0;
}

static int time_arg(struct parser *p, const char *kw, struct span *sp)
{
	char b[64], t[64];
	int64_t us;
	if (!tok(p, t, sizeof t) || ks_time_parse(t, p->now_us, &us) != 0)
		return perr(p, p->tpos,
			    "expected a time (2026-11-22, 2026-11-22T04:19:00Z, @EPOCH or an age "
			    "such as 7d) after '%s' but found %s",
			    kw, found(p, b, sizeof b));
	/* Milliseconds, rounded down (towards earlier times). */
	int64_t ms = us >= 0 ? us / 1000 : -((-us + 999) / 1000);
	bool after = kw[0] == 'a';
	struct insn *i = emit(p, after ? OP_AFTER : OP_BEFORE);
	if (!i)
		return p->rc;
	i->t = ms;
	*sp = after ? (struct span){ms, INT64_MAX} : (struct span){INT64_MIN, ms};
	next(p);
	return 0;
}

static int expr(struct parser *p, struct span *sp);

static int primitive(struct parser *p, struct span *sp)
{
	char b[64];
	*sp = ALL;
	if (is(p, "host") || is(p, "net")) {
		const char *kw = is(p, "host") ? "host" : "net";
		next(p);
		return addr_arg(p, kw, END_ANY);
	}
	if (is(p, "src") || is(p, "dst")) {
		uint8_t ends = is(p, "src") ? END_SRC : END_DST;
		const char *kw = ends == END_SRC ? "src" : "dst";
		next(p);
		if (is(p, "port")) {
			next(p);
			return port_arg(p, ends == END_SRC ? "src port" : "dst port", ends);
		}
		if (is(p, "host") || is(p, "net")) {
			kw = ends == END_SRC ? (is(p, "host") ? "src host" : "src net") :
					       (is(p, "host") ? "dst host" : "dst net");
			next(p);
		}
		return addr_arg(p, kw, ends);
	}
	if (is(p, "port") || is(p, "sport") || is(p, "dport")) {
		uint8_t ends = is(p, "port") ? END_ANY : is(p, "sport") ? END_SRC : END_DST;
		const char *kw = ends == END_ANY ? "port" : ends == END_SRC ? "sport" : "dport";
		next(p);
		return port_arg(p, kw, ends);
	}
	if (is(p, "proto")) {
		next(p);
		int num = proto_num(p);
		if (num < 0)
			return perr(p, p->tpos,
				    "expected a protocol (tcp, udp, icmp, icmp6, sctp, gre, esp or "
				    "0-255) after 'proto' but found %s",
				    found(p, b, sizeof b));
		return emit_proto(p, num);
	}
	if (is(p, "tcp") || is(p, "udp") || is(p, "icmp") || is(p, "icmp6"))
		return emit_proto(p, proto_num(p));
	if (is(p, "after") || is(p, "before")) {
		const char *kw = is(p, "after") ? "after" : "before";
		next(p);
		return time_arg(p, kw, sp);
	}
	return perr(p, p->tpos,
		    "expected a primitive (host, src, dst, net, port, sport, dport, proto, tcp, "
		    "udp, icmp, after, before), 'not' or '(' but found %s",
		    found(p, b, sizeof b));
}

static int factor(struct parser *p, struct span *sp)
{
	char b[64];
	if (is(p, "not") || is(p, "!") || is(p, "(")) {
		if (++p->depth > MAX_DEPTH)
			return perr(p, p->tpos, "expressions nest more than %d deep", MAX_DEPTH);
		if (is(p, "(")) {
			size_t open = p->tpos;
			next(p);
			if (expr(p, sp) != 0)
				return p->rc;
			if (!is(p, ")"))
				return perr(p, p->tpos,
					    "expected ')' to close '(' at column %zu but found %s",
					    open + 1, found(p, b, sizeof b));
			next(p);
		} else {
			next(p);
			if (factor(p, sp) != 0)
				return p->rc;
			if (!emit(p, OP_NOT))
				return p->rc;
			*sp = ALL; /* sound, if loose */
		}
		p->depth--;
		return 0;
	}
	return primitive(p, sp);
}

/* Parses a chain of sub-expressions joined by the given operator words,
 * with a jump after each but the last to the end of the chain. */
static int chain(struct parser *p, struct span *sp, bool is_or)
{
	size_t first_patch = SIZE_MAX;
	struct span acc;
	for (;;) {
		struct span s;
		if ((is_or ? chain(p, &s, false) : factor(p, &s)) != 0)
			return p->rc;
		if (first_patch == SIZE_MAX) {
			acc = s;
		} else if (is_or) {
			acc.lo = s.lo < acc.lo ? s.lo : acc.lo;
			acc.hi = s.hi > acc.hi ? s.hi : acc.hi;
		} else {
			acc.lo = s.lo > acc.lo ? s.lo : acc.lo;
			acc.hi = s.hi < acc.hi ? s.hi : acc.hi;
		}
		bool more = is_or ? (is(p, "or") || is(p, "||")) : (is(p, "and") || is(p, "&&"));
		if (!more)
			break;
		struct insn *j = emit(p, is_or ? OP_JT : OP_JF);
		if (!j)
			return p->rc;
		/* Pending jumps are linked through their target fields. */
		j->target = first_patch == SIZE_MAX ? UINT32_MAX : (uint32_t)first_patch;
		first_patch = p->f->n - 1;
		next(p);
	}
	uint32_t end = (uint32_t)p->f->n;
	while (first_patch != SIZE_MAX) {
		struct insn *j = &p->f->code[first_patch];
		size_t prev = j->target == UINT32_MAX ? SIZE_MAX : j->target;
		j->target = end;
		first_patch = prev;
	}
	*sp = acc;
	return 0;
}

static int expr(struct parser *p, struct span *sp) { return chain(p, sp, true); }

int ks_flow_filter_parse(const char *s, struct ks_flow_filter **out, char *err, size_t errlen)
{
	*out = NULL;
	struct parser p;
	memset(&p, 0, sizeof p);
	p.s = s;
	p.len = strlen(s);
	p.err = err;
	p.errlen = errlen;
	p.now_us = ks_time_now_us();
	if (p.len > MAX_EXPR)
		return perr(&p, MAX_EXPR, "expression longer than %d bytes", MAX_EXPR);
	p.f = calloc(1, sizeof(*p.f));
	if (!p.f)
		return KS_ENOMEM;
	next(&p);
	struct span sp = ALL;
	if (expr(&p, &sp) == 0 && p.tlen != 0) {
		char b[64];
		if (is(&p, ")"))
			perr(&p, p.tpos, "')' without a matching '('");
		else
			perr(&p, p.tpos, "expected 'and', 'or' or the end but found %s",
			     found(&p, b, sizeof b));
	}
	if (p.rc != 0) {
		ks_flow_filter_free(p.f);
		return p.rc;
	}
	p.f->since = sp.lo == INT64_MIN ? 0 : sp.lo;
	p.f->until = sp.hi == INT64_MAX ? 0 : sp.hi;
	*out = p.f;
	return 0;
}

static inline bool addr_in(const struct insn *i, const struct ks_addr *a)
{
	uint64_t w[2];
	memcpy(w, a->b, 16);
	return (w[0] & i->mask[0]) == i->net[0] && (w[1] & i->mask[1]) == i->net[1];
}

bool ks_flow_filter_match(const struct ks_flow_filter *f, const struct ks_flow *fl)
{
	bool acc = true;
	for (size_t pc = 0; pc < f->n;) {
		const struct insn *i = &f->code[pc++];
		switch (i->op) {
		case OP_ADDR:
			acc = ((i->ends & END_SRC) && addr_in(i, &fl->src)) ||
			      ((i->ends & END_DST) && addr_in(i, &fl->dst));
			break;
		case OP_PORT:
			acc = ((i->ends & END_SRC) && fl->sport == i->port) ||
			      ((i->ends & END_DST) && fl->dport == i->port);
			break;
		case OP_PROTO:
			acc = fl->proto == i->port;
			break;
		case OP_AFTER:
			acc = fl->first_ms >= i->t;
			break;
		case OP_BEFORE:
			acc = fl->first_ms < i->t;
			break;
		case OP_NOT:
			acc = !acc;
			break;
		case OP_JF:
			if (!acc)
				pc = i->target;
			break;
		default: /* OP_JT */
			if (acc)
				pc = i->target;
			break;
		}
	}
	return acc;
}

void ks_flow_filter_span(const struct ks_flow_filter *f, int64_t *since_ms, int64_t *until_ms)
{
	*since_ms = f->since;
	*until_ms = f->until;
}

void ks_flow_filter_free(struct ks_flow_filter *f)
{
	if (!f)
		return;
	free(f->code);
	free(f);
}

/* SPDX-License-Identifier: BSD-2-Clause */
/* TCP discovery: which (address, port) pairs of a scope are open.
 *
 * The first stage of `survey run` and the whole of `survey discover`
 * (docs/survey.md, "Discovery"). ks_disc_run() walks the pseudo-random
 * permutation (scan_perm.h) of targets x TCP ports, paced by a token bucket
 * (scan_rate.h), and probes each pair once with one of two engines:
 *
 *   syn      scan_syn.h: raw-socket SYNs carrying a keyed-hash cookie
 *            (scan_cookie.h), replies captured by a receiver thread.
 *            Stateless; needs CAP_NET_RAW; IPv4 targets only (IPv6 targets
 *            of the scope are counted as skipped).
 *   connect  scan_connect.h: non-blocking connect() with epoll, bounded
 *            global and per-host concurrency and a timeout. Unprivileged;
 *            IPv4 and IPv6.
 *   auto     syn if the raw socket can be opened, else (EPERM/EACCES)
 *            connect.
 *
 * Every probe ends with one outcome per (target, port):
 *   open      SYN-ACK (syn) / connection established (connect)
 *   closed    RST (syn) / ECONNREFUSED (connect)
 *   no-reply  nothing valid within the cooldown (syn) or the timeout
 *             (connect), or an ICMP error / unreachable network
 *
 * Element order: permutation element e (0 .. total-1) is target t = e /
 * nports, port e % nports (the TCP ports of the list in list order). Target
 * t is the scope's target (a * t + b) mod ntargets (ks_scope_target()),
 * where a = 1, b = 0 when the whole scope is surveyed and, with
 * max_targets < ntargets, a (coprime to ntargets) and b come from perm_key:
 * the max_targets addresses surveyed are then spread over the whole scope,
 * not the first ones of one network.
 *
 * Resume: the state of a run is (perm_key, index). Run with the same scope,
 * ports, max_targets and perm_key, and start_index = a saved
 * stats.resume_index, and the run continues where the earlier one stopped:
 * every probe before resume_index has had its outcome reported (replies
 * waited for), none after it was reported. A probe between resume_index and
 * index at an interruption may be sent twice; none is skipped.
 *
 * Audit (struct ks_survey_sink, audit callback only): ONE record per
 * (target, port), its outcome, not one per packet: module "tcp-syn" or
 * "tcp-connect", outcome "open", "closed" or "no-reply", proto 6. The
 * syn engine reports open/closed when the reply arrives and each no-reply
 * when the resume point passes its probe, i.e. a cooldown after it was sent
 * (t_ns is then the time of that pass), the last ones after the final
 * cooldown; connect reports each when it completes. So every outcome before
 * resume_index has been reported, also for a run that is killed.
 * Duplicate replies are reported once.
 *
 * Threads: all callbacks (on_open, progress, the audit sink) are called
 * from the thread that called ks_disc_run(), one at a time; the syn
 * receiver thread only hands validated replies over through a ring.
 *
 * Memory: the run holds one bit per probe (total / 8 bytes: a /16 with 20
 * ports is 160 KiB) to report each (target, port) once; total is capped
 * at KS_DISC_MAX_PROBES. Control plane allocation (exits on out of
 * memory), done before the first probe; nothing allocates per probe. */
#ifndef KS_SCAN_DISC_H
#define KS_SCAN_DISC_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ks_addr.h"
#include "scan_perm.h"
#include "scan_ports.h"
#include "scan_scope.h"
#include "survey.h"

#define KS_DISC_MAX_PROBES ((uint64_t)1 << 32) /* per run: split bigger scopes */
#define KS_DISC_DEFAULT_COOLDOWN_MS 2000u      /* syn: wait for late replies */
#define KS_DISC_DEFAULT_TIMEOUT_MS 3000u       /* connect: give up on one probe */
#define KS_DISC_DEFAULT_CONCURRENCY 1024u      /* connect: connections at once */
#define KS_DISC_MAX_CONCURRENCY 65536u

enum ks_disc_method {
	KS_DISC_AUTO = 0,
	KS_DISC_SYN,
	KS_DISC_CONNECT,
};
/* "auto", "syn", "connect"; the audit module of a method is "tcp-syn" or
 * "tcp-connect" (ks_disc_module()). */
const char *ks_disc_method_name(enum ks_disc_method m);
const char *ks_disc_module(enum ks_disc_method m);
/* Parses "auto|syn|connect". 0 or KS_EINVAL. */
int ks_disc_method_parse(const char *s, enum ks_disc_method *out);

enum ks_disc_outcome {
	KS_DISC_OPEN = 0,
	KS_DISC_CLOSED,
	KS_DISC_SILENT,
};
/* "open", "closed", "no-reply" (the audit outcomes). */
const char *ks_disc_outcome_name(enum ks_disc_outcome o);

/* Counters of a run; also handed to the progress callback while it runs. */
struct ks_disc_stats {
	enum ks_disc_method method; /* the engine used (never AUTO) */
	uint64_t total;           /* probes in the whole run: targets x TCP ports */
	uint64_t index;           /* permutation position after the last probe started */
	uint64_t resume_index;    /* position before which every outcome was reported: save
				   * this (with perm_key) for --resume */
	bool done;                /* the permutation was walked to its end */
	uint64_t sent;            /* probes sent by this run */
	uint64_t open, closed, silent;
	uint64_t skipped;         /* targets the engine cannot probe (IPv6 under syn) */
	uint64_t refused;         /* stopped by the send gate (ks_scope_contains()); 0
				   * unless there is a bug elsewhere */
	uint64_t send_errors;     /* probes that could not be sent */
	uint64_t replies;         /* packets the syn receiver inspected */
	uint64_t replies_invalid; /* syn: cookie mismatch (not ours, forged, stale) */
	uint64_t replies_dup;     /* second reply for one (target, port) */
	uint64_t recv_dropped;    /* syn: packets the capture dropped (libpcap ps_drop) */
	int64_t elapsed_ns;       /* since the first probe */
	int64_t send_ns;          /* from the first probe to the last one sent */
	bool link_mode;           /* syn: probes went out as Ethernet frames (scan_syn.h) */
};

/* Called once per open (target, port), in the order the outcomes arrive. */
typedef void (*ks_disc_open_fn)(void *ctx, const struct ks_addr *addr, uint16_t port);
/* Called about every progress_ms while probing and waiting, and once at the end. */
typedef void (*ks_disc_progress_fn)(void *ctx, const struct ks_disc_stats *st);

struct ks_disc_opts {
	const struct ks_scope *scope; /* built (ks_scope_build()); borrowed, read-only */
	const struct ks_ports *ports; /* TCP entries are probed; UDP entries are ignored */
	enum ks_disc_method method;
	uint32_t pps;            /* probes (SYNs / connect()s) per second, 1 .. KS_RATE_MAX_PPS */
	uint64_t max_targets;    /* 0: every target of the scope */
	uint64_t perm_key;       /* order; keep it to resume */
	uint64_t start_index;    /* 0, or a saved resume_index */
	const char *interface;   /* syn: capture on it and send in link mode (scan_syn.h);
				  * NULL: capture on "any", send through the raw IP socket */
	bool has_source;         /* syn: use source, else the address of the route to the
				  * first target */
	struct ks_addr source;
	uint16_t source_port;    /* syn: 0 = random in 61000..65535 (outside Linux's
				  * ephemeral range, so no local socket answers) */
	uint32_t cooldown_ms;    /* syn */
	uint32_t timeout_ms;     /* connect */
	uint32_t concurrency;    /* connect: 1 .. KS_DISC_MAX_CONCURRENCY */
	uint32_t host_conns;     /* connect: at once to one address (ks_scan_limits) */
	const atomic_int *stop;  /* may be NULL; when it becomes non-zero no further probe
				  * is started; outcomes of sent ones are still collected
				  * (syn: cooldown, connect: timeout) */
	ks_disc_open_fn on_open;
	/* Called once, in the calling thread, after the sockets (and the syn
	 * capture) are open and before the receiver reads a packet or the first
	 * probe leaves: the place to drop privileges. Non-zero aborts the run
	 * (KS_EDECLINED, nothing sent). May be NULL. */
	int (*opened)(void *ctx, enum ks_disc_method m);
	ks_disc_progress_fn progress;
	uint32_t progress_ms;    /* default 250 */
	void *ctx;               /* for on_open and progress */
};

/* Defaults: AUTO, KS_RATE_DEFAULT_PPS, the cooldown/timeout/concurrency
 * above, KS_HOST_DEFAULT_CONNS, a random perm_key; scope and ports NULL. */
void ks_disc_opts_default(struct ks_disc_opts *o);

/* Runs discovery. Returns 0 when the walk ended or *stop was raised (see
 * st->done, st->resume_index); st is filled in either case and may be NULL.
 * Errors, with a message in err: KS_EINVAL (bad options, start_index beyond
 * the permutation), KS_ELIMIT (more than KS_DISC_MAX_PROBES probes),
 * KS_ESYS (a socket could not be opened: with method SYN and errno EPERM or
 * EACCES when CAP_NET_RAW is missing; no source address), KS_EIO (the
 * capture could not be opened), KS_EDECLINED (opened() refused, or method
 * SYN and the scope has no IPv4 target). No probe is sent on error. */
int ks_disc_run(const struct ks_disc_opts *o, const struct ks_survey_sink *audit,
		struct ks_disc_stats *st, char *err, size_t errlen);

/* --- The target space, shared by the engines (and exposed for tests) --- */

struct ks_disc_space {
	const struct ks_scope *scope;
	uint16_t *port;         /* TCP ports, list order (owned) */
	uint32_t nports;
	int32_t *port_index;    /* [65536]: index into port, -1 if absent (owned) */
	uint64_t ntargets;      /* targets surveyed: min(scope ntargets, max_targets) */
	uint64_t a, ainv, b;    /* target t -> scope target (a * t + b) mod scope ntargets */
	uint64_t total;         /* ntargets * nports */
};
/* Sets up the space; KS_EINVAL when there is no TCP port, KS_ELIMIT when
 * total > KS_DISC_MAX_PROBES (message in err). */
int ks_disc_space_init(struct ks_disc_space *sp, const struct ks_scope *scope,
		       const struct ks_ports *ports, uint64_t max_targets, uint64_t key, char *err,
		       size_t errlen);
void ks_disc_space_release(struct ks_disc_space *sp);
/* Element e (< total) -> address and port. */
void ks_disc_space_get(const struct ks_disc_space *sp, uint64_t e, struct ks_addr *addr,
		       uint16_t *port);
/* Address and port -> element; 0, or KS_ENOENT when the pair is not in the
 * space (not a target of the scope, beyond max_targets, not a listed port). */
int ks_disc_space_find(const struct ks_disc_space *sp, const struct ks_addr *addr, uint16_t port,
		       uint64_t *e);

#endif

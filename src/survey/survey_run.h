/* SPDX-License-Identifier: BSD-2-Clause */
/* One survey round, end to end: the engine behind `kansoku survey run`
 * (docs/survey.md, "Running a survey").
 *
 *   1. discovery  (scan_disc.h)  the permutation of targets x TCP ports;
 *                                every open pair goes straight to
 *   2. identification (grab.h)   which runs interleaved with discovery on the
 *                                same thread (stepped from discovery's progress
 *                                callback) and is drained after it;
 *   3. UDP probes (grab.h)       every target x UDP port of the list, in a
 *                                pseudo-random order of their own;
 *   4. credential checks         only when o->creds is set: every identified
 *      (cred.h)                  telnet, SSH, FTP service and every HTTP(S)
 *                                service that answered 401, by a small pool
 *                                of threads, one service per thread at a time.
 * Every record (audit, service, finding) goes to o->sink, serialised: the
 * sink is called from one thread at a time.
 *
 * Resume. The state saved is the discovery position (perm_key, index):
 * o->save(key, index) is called about once a second during discovery and
 * once when discovery is done; every outcome before index has then been
 * delivered to the sink (scan_disc.h). To resume, run again with the same
 * scope, ports and max_targets, the saved key and index, and the open pairs
 * already found (o->resume_open: what the audit trail of the interrupted round
 * says was open). Those are identified again (stage 2 is cheap and its
 * records are idempotent: findings are kept per address, port and type), so
 * no service found before the interruption misses stages 2 to 4.
 *
 * Stop: when *o->stop becomes non-zero (SIGINT / SIGTERM), no new probe,
 * connection or login attempt starts; the run returns with complete false.
 *
 * Ownership: everything in the options is borrowed. Not re-entrant per sink. */
#ifndef KS_SURVEY_RUN_H
#define KS_SURVEY_RUN_H

#include <signal.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "cred.h"
#include "grab.h"
#include "scan_disc.h"
#include "survey.h"

#define KS_SURVEY_CRED_THREADS 8u /* credential checks at once (distinct services) */

/* An (address, TCP port) found open earlier in the round. */
struct ks_survey_open {
	struct ks_addr addr;
	uint16_t port;
};

struct ks_survey_run_stats {
	struct ks_disc_stats disc;
	struct ks_grab_stats grab;
	uint64_t udp_probes;      /* (target, UDP port) jobs submitted */
	uint64_t cred_services;   /* services whose credentials were checked */
	uint64_t cred_attempts;   /* login attempts */
	uint64_t cred_accepted;   /* services that accepted a pair (or no password) */
	uint64_t services, findings; /* records delivered */
	bool complete;            /* every target x port of the scope was surveyed */
};

typedef void (*ks_survey_save_fn)(void *ctx, uint64_t key, uint64_t index);
typedef void (*ks_survey_progress_fn)(void *ctx, const char *stage,
				      const struct ks_survey_run_stats *st);

struct ks_survey_run_opts {
	const struct ks_scope *scope;        /* built; the gate of every stage */
	const struct ks_ports *ports;
	struct ks_disc_opts disc;            /* method, pps, max_targets, perm_key, start_index,
					      * interface, source ...: scope, ports, stop,
					      * callbacks are set by ks_survey_run() */
	struct ks_grab_opts grab;            /* recog, vulns, limits ...: scope, sink, stop are
					      * set by ks_survey_run() */
	const struct ks_cred_list *creds;    /* NULL: no credential checks */
	struct ks_cred_limits cred_limits;
	const struct ks_survey_open *resume_open; /* opens found before a resume */
	size_t nresume_open;
	const struct ks_survey_sink *sink;
	ks_survey_save_fn save;              /* may be NULL */
	ks_survey_progress_fn progress;      /* may be NULL; about 4 times a second */
	void *ctx;                           /* for save and progress */
	atomic_int *stop;                    /* may be NULL */
};

/* Sets o to defaults: ks_disc_opts_default, ks_grab_opts_default,
 * ks_cred_limits_default, no credentials. */
void ks_survey_run_opts_default(struct ks_survey_run_opts *o);

/* Runs the round. 0 when it ran (st->complete says whether all of it did:
 * false after a stop or with max_targets below the scope's targets), or the
 * error of a stage that could not start (KS_EINVAL, KS_ELIMIT, KS_ESYS,
 * KS_EIO; message in err); records delivered before an error stay
 * delivered. st may be NULL. */
int ks_survey_run(const struct ks_survey_run_opts *o, struct ks_survey_run_stats *st, char *err,
		  size_t errlen);

#endif

/* SPDX-License-Identifier: BSD-2-Clause */
/* Shared by the flow commands (cmd_flow.c writes flows, cmd_flow_read.c
 * reads them). Raw flows live in segment files under "<db>.flows/s<stream>"
 * (flow_seg.h), the rest in the store (store_flow.h). */
#ifndef KS_CMD_FLOW_H
#define KS_CMD_FLOW_H

#include <stddef.h>
#include <stdint.h>

#include "flow.h"
#include "store.h"

/* "<db>.flows/s<id>" into buf; the flow directory is "<db>.flows". */
void ks_cmd_flow_dir(int64_t stream, char *buf, size_t n);

/* Calls fn for every stored flow of every readable stream whose start lies
 * in [since_ms, until_ms) (0 = open) and that matches flt (NULL = all).
 * Prints errors (naming the segment file). 0, fn's non-zero value, or an
 * exit code. */
struct ks_flow_filter;
int ks_cmd_flow_scan(struct ks_store *st, int64_t since_ms, int64_t until_ms,
		     const struct ks_flow_filter *flt, ks_flow_fn fn, void *ctx);

#endif

/* SPDX-License-Identifier: BSD-2-Clause */
/* Table-driven command-line options. One table per command defines every
 * option: name, type, destination, bounds and help; the parser and the
 * --help text both come from it, so they cannot disagree.
 *
 * Syntax: --name value, --name=value, flags as --name; "--" ends options;
 * "-" alone is an argument (standard input). Options and arguments may be
 * interleaved. Numbers accept unit suffixes k, m, g (x1000) where the option
 * says so (KS_OPT_COUNT), and are range-checked. */
#ifndef KS_OPT_H
#define KS_OPT_H

#include <stdint.h>
#include <stdio.h>

enum ks_opt_type {
	KS_OPT_FLAG,  /* int *dest = 1 */
	KS_OPT_STR,   /* const char **dest (points into argv) */
	KS_OPT_U32,   /* uint32_t *dest, within [min, max] */
	KS_OPT_COUNT, /* uint32_t *dest, with k/m suffixes, within [min, max] */
};

struct ks_opt {
	const char *name; /* long name, without "--" */
	enum ks_opt_type type;
	void *dest;
	const char *arg;  /* placeholder in help ("CIDR[,CIDR...]") */
	const char *help; /* one line; the default is stated in it */
	uint32_t min, max;
};

struct ks_cmd_help {
	const char *usage;   /* "kansoku darknet ingest --darknet CIDR[,...] [options] FILE..." */
	const char *summary; /* one line */
	const char *details; /* paragraphs after the options, or NULL */
	unsigned min_args, max_args; /* positional arguments allowed */
};

/* Parses argv[0..argc) (argv[0] is not skipped: pass the words after the
 * command). Positional arguments are collected in order into args (room for
 * argc) and counted in *nargs. Returns 0; 1 if --help/-h was given (help
 * printed to stdout); or KS_EINVAL after printing an error naming the
 * option and what was expected to stderr. */
int ks_opt_parse(const struct ks_opt *opts, const struct ks_cmd_help *h, int argc, char **argv,
		 char **args, int *nargs);
void ks_opt_print_help(FILE *f, const struct ks_opt *opts, const struct ks_cmd_help *h);

/* Parses an unsigned decimal number of the whole string s within [min, max];
 * with suffixes if units. 0 or KS_EINVAL. */
int ks_parse_u64(const char *s, uint64_t min, uint64_t max, int units, uint64_t *out);

#endif

/* SPDX-License-Identifier: BSD-2-Clause */
#include "ks_opt.h"

#include <string.h>

#include "ks_err.h"

int ks_parse_u64(const char *s, uint64_t min, uint64_t max, int units, uint64_t *out)
{
	uint64_t v = 0;
	const char *p = s;
	if (*p < '0' || *p > '9')
		return KS_EINVAL;
	for (; *p >= '0' && *p <= '9'; p++) {
		uint64_t d = (uint64_t)(*p - '0');
		if (v > (UINT64_MAX - d) / 10)
			return KS_EINVAL;
		v = v * 10 + d;
	}
	if (units && *p) {
		uint64_t m = *p == 'k' || *p == 'K' ? 1000 : *p == 'm' || *p == 'M' ? 1000000
			   : *p == 'g' || *p == 'G' ? 1000000000 : 0;
		if (!m || p[1] || __builtin_mul_overflow(v, m, &v))
			return KS_EINVAL;
		p++;
	}
	if (*p || v < min || v > max)
		return KS_EINVAL;
	*out = v;
	return 0;
}

static const struct ks_opt *find(const struct ks_opt *opts, const char *name, size_t n)
{
	for (const struct ks_opt *o = opts; o && o->name; o++)
		if (strlen(o->name) == n && memcmp(o->name, name, n) == 0)
			return o;
	return NULL;
}

static int set_value(const struct ks_opt *o, const char *v)
{
	uint64_t x;
	switch (o->type) {
	case KS_OPT_STR:
		*(const char **)o->dest = v;
		return 0;
	case KS_OPT_U32:
	case KS_OPT_COUNT:
		if (ks_parse_u64(v, o->min, o->max, o->type == KS_OPT_COUNT, &x) != 0) {
			fprintf(stderr, "kansoku: error: --%s: '%s' is not a number from %u to %u%s\n",
				o->name, v, o->min, o->max,
				o->type == KS_OPT_COUNT ? " (suffixes k, m, g allowed)" : "");
			return KS_EINVAL;
		}
		*(uint32_t *)o->dest = (uint32_t)x;
		return 0;
	case KS_OPT_FLAG:
		break;
	}
	return KS_EINVAL;
}

int ks_opt_parse(const struct ks_opt *opts, const struct ks_cmd_help *h, int argc, char **argv,
		 char **args, int *nargs)
{
	int only_args = 0;
	*nargs = 0;
	for (int i = 0; i < argc; i++) {
		const char *a = argv[i];
		if (only_args || a[0] != '-' || strcmp(a, "-") == 0) {
			args[(*nargs)++] = argv[i];
			continue;
		}
		if (strcmp(a, "--") == 0) {
			only_args = 1;
			continue;
		}
		if (strcmp(a, "-h") == 0 || strcmp(a, "--help") == 0) {
			ks_opt_print_help(stdout, opts, h);
			return 1;
		}
		if (a[1] != '-') {
			fprintf(stderr, "kansoku: error: unknown option '%s'; see --help\n", a);
			return KS_EINVAL;
		}
		const char *name = a + 2, *eq = strchr(name, '=');
		size_t n = eq ? (size_t)(eq - name) : strlen(name);
		const struct ks_opt *o = find(opts, name, n);
		if (!o) {
			fprintf(stderr, "kansoku: error: unknown option '--%.*s'; see --help\n", (int)n, name);
			return KS_EINVAL;
		}
		if (o->type == KS_OPT_FLAG) {
			if (eq) {
				fprintf(stderr, "kansoku: error: --%s takes no value\n", o->name);
				return KS_EINVAL;
			}
			*(int *)o->dest = 1;
			continue;
		}
		const char *v = eq ? eq + 1 : NULL;
		if (!v) {
			if (i + 1 >= argc) {
				fprintf(stderr, "kansoku: error: --%s needs a value (%s)\n", o->name,
					o->arg ? o->arg : "VALUE");
				return KS_EINVAL;
			}
			v = argv[++i];
		}
		if (set_value(o, v) != 0)
			return KS_EINVAL;
	}
	if ((unsigned)*nargs < h->min_args || (unsigned)*nargs > h->max_args) {
		if (h->max_args == 0)
			fprintf(stderr, "kansoku: error: unexpected argument '%s'\nusage: %s\n", args[0], h->usage);
		else
			fprintf(stderr, "kansoku: error: %s\nusage: %s\n",
				*nargs < (int)h->min_args ? "missing argument" : "too many arguments", h->usage);
		return KS_EINVAL;
	}
	return 0;
}

void ks_opt_print_help(FILE *f, const struct ks_opt *opts, const struct ks_cmd_help *h)
{
	fprintf(f, "usage: %s\n\n%s\n", h->usage, h->summary);
	if (opts && opts->name) {
		fprintf(f, "\noptions:\n");
		for (const struct ks_opt *o = opts; o->name; o++) {
			char left[64];
			if (o->type == KS_OPT_FLAG)
				snprintf(left, sizeof left, "--%s", o->name);
			else
				snprintf(left, sizeof left, "--%s %s", o->name, o->arg ? o->arg : "VALUE");
			if (strlen(left) > 26)
				fprintf(f, "  %s\n  %-26s %s\n", left, "", o->help);
			else
				fprintf(f, "  %-26s %s\n", left, o->help);
		}
	}
	fprintf(f, "\nglobal options (before or after the command words):\n"
		   "  --db PATH                  store (default $KANSOKU_DB, else ./kansoku.db)\n"
		   "  --format text|json|csv     output format of commands that print data\n"
		   "  -q, --quiet                errors only\n"
		   "  -v, --verbose              more detail\n"
		   "  -h, --help                 this help\n");
	if (h->details)
		fprintf(f, "\n%s\n", h->details);
}

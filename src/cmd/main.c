/* SPDX-License-Identifier: BSD-2-Clause */
/* kansoku entry point: global options, then the command table.
 * Global options may stand before or after the command words. */
#include <errno.h>
#include <grp.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cmd.h"
#include "ks_alloc.h"
#include "ks_err.h"
#include "ks_log.h"
#include "ks_opt.h"
#include "ks_time.h"

#ifndef KS_VERSION
#define KS_VERSION "0.1.0"
#endif

struct ks_globals ks_g;

struct cmd {
	const char *group, *name; /* name NULL: the group is the command */
	int (*fn)(int argc, char **argv);
	const char *summary;
};

static const struct cmd cmds[] = {
	{"darknet", "ingest", cmd_darknet_ingest, "read pcap/pcapng files of darknet traffic into the store"},
	{"darknet", "capture", cmd_darknet_capture, "capture darknet traffic live from an interface"},
	{"darknet", "report", cmd_darknet_report, "trends: packets, classes, sources, scanners, ports, countries"},
	{"darknet", "sources", cmd_darknet_sources, "list sources with their aggregates"},
	{"org", "import", cmd_org_import, "load or update organisations from a CSV file"},
	{"org", "list", cmd_org_list, "list organisations and their prefixes"},
	{"org", "risk", cmd_org_risk, "risk score and grade per organisation from open survey findings"},
	{"alerts", NULL, cmd_alerts, "infected hosts (scanners, bots) per organisation"},
	{"flow", "collect", cmd_flow_collect, "receive NetFlow v5/v9 and IPFIX over UDP into the store"},
	{"flow", "ingest", cmd_flow_ingest, "read NetFlow/IPFIX export packets from pcap files into the store"},
	{"flow", "stats", cmd_flow_stats, "per exporter: datagrams, flows, loss, templates, sampling"},
	{"flow", "top", cmd_flow_top, "top sources, destinations, ports or pairs by flows, packets, bytes"},
	{"flow", "query", cmd_flow_query, "print stored flows matching a filter"},
	{"flow", "detect-cc", cmd_flow_detect_cc, "rank external endpoints as C&C server candidates"},
	{"flow", "decode", cmd_flow_decode, "print the records of NetFlow v5/v9/IPFIX export datagrams"},
	{"cc", "list", cmd_cc_list, "C&C candidates merged over the operators that reported them"},
	{"cc", "export", cmd_cc_export, "write the C&C list as CSV, JSON or STIX 2.1 for other operators"},
	{"cc", "import", cmd_cc_import, "merge another operator's C&C list into the store"},
	{"survey", "run", cmd_survey_run, "survey authorised networks: discovery, identification, checks, findings (one round)"},
	{"survey", "fingerprint", cmd_survey_fingerprint, "identify a banner with Recog fingerprint databases"},
	{"survey", "grab", cmd_survey_grab, "identify services (banners, TLS, UDP probes) and report exposures"},
	{"survey", "vulns", cmd_survey_vulns, "check vulnerability data; show the CVEs a product/version matches"},
	{"survey", "discover", cmd_survey_discover, "find open TCP ports of a scope (raw SYN or connect())"},
	{"survey", "login", cmd_survey_login, "try weak ID/passwords on telnet, SSH, HTTP, FTP services"},
	{"survey", "import", cmd_survey_import, "import one survey round (JSON lines) into the store"},
	{"survey", "services", cmd_survey_services, "services of a round with their TLS/SSH algorithms (post-quantum inventory)"},
	{"survey", "findings", cmd_survey_findings, "list survey findings (open, resolved) per organisation"},
	{"survey", "stats", cmd_survey_stats, "NOTICE-style figures per survey round and their trend"},
	{"notify", NULL, cmd_notify, "write notification packages (CSV + HTML) per organisation"},
};
#define NCMDS (sizeof cmds / sizeof cmds[0])

static void usage(FILE *f, const char *group)
{
	fprintf(f, "usage: kansoku [--db PATH] [--format text|json|csv] [-q|-v] <command> [<subcommand>] [options]\n\n");
	if (!group)
		fprintf(f, "kansoku observes cyber threats: a darknet observatory that classifies unsolicited\n"
			   "traffic, aggregates it per source, port and time, and alerts network owners; a\n"
			   "NetFlow/IPFIX collector that finds botnet C&C servers and shares C&C lists.\n\n");
	fprintf(f, "commands:\n");
	for (size_t i = 0; i < NCMDS; i++) {
		if (group && strcmp(group, cmds[i].group) != 0)
			continue;
		char words[48];
		snprintf(words, sizeof words, "%s%s%s", cmds[i].group, cmds[i].name ? " " : "",
			 cmds[i].name ? cmds[i].name : "");
		fprintf(f, "  %-20s %s\n", words, cmds[i].summary);
	}
	fprintf(f, "\nglobal options:\n"
		   "  --db PATH            store (default $KANSOKU_DB, else ./kansoku.db)\n"
		   "  --format FMT         text, json or csv, for commands that print data\n"
		   "  -q, --quiet          errors only     -v, --verbose    more detail\n"
		   "  -h, --help           help (also after any command)\n"
		   "  --version            print the version\n"
		   "\nexit codes: 0 success, 1 runtime failure (store, I/O, device), 2 bad command line,\n"
		   "3 bad input data (named with its position), 130 interrupted (nothing half-written).\n"
		   "\n'kansoku <command> [<subcommand>] --help' describes each command.\n");
}

/* Removes global options from argv wherever they are. Returns 0, or
 * KS_EXIT_USAGE after an error, or -1 for --version. */
static int take_globals(int *argc, char **argv)
{
	int out = 1;
	const char *env = getenv("KANSOKU_DB");
	ks_g.db = env && *env ? env : "kansoku.db";
	for (int i = 1; i < *argc; i++) {
		char *a = argv[i];
		const char *val = NULL;
		if (strcmp(a, "--") == 0) {
			while (i < *argc)
				argv[out++] = argv[i++];
			break;
		}
		/* Only as the first word: commands may have a --version of their own
		 * (survey vulns --version V is a product's version). */
		if (i == 1 && strcmp(a, "--version") == 0)
			return -1;
		if (strcmp(a, "-q") == 0 || strcmp(a, "--quiet") == 0) {
			ks_log_level = -1;
			continue;
		}
		if (strcmp(a, "-v") == 0 || strcmp(a, "--verbose") == 0) {
			ks_log_level = 1;
			continue;
		}
		int is_db = strncmp(a, "--db", 4) == 0 && (a[4] == '\0' || a[4] == '=');
		int is_fmt = strncmp(a, "--format", 8) == 0 && (a[8] == '\0' || a[8] == '=');
		if (!is_db && !is_fmt) {
			argv[out++] = a;
			continue;
		}
		const char *eq = strchr(a, '=');
		if (eq) {
			val = eq + 1;
		} else if (i + 1 < *argc) {
			val = argv[++i];
		} else {
			fprintf(stderr, "kansoku: error: %s needs a value\n", a);
			return KS_EXIT_USAGE;
		}
		if (is_db) {
			if (!*val) {
				fprintf(stderr, "kansoku: error: --db needs a path\n");
				return KS_EXIT_USAGE;
			}
			ks_g.db = val;
		} else if (strcmp(val, "text") == 0) {
			ks_g.format = KS_FMT_TEXT, ks_g.format_given = 1;
		} else if (strcmp(val, "json") == 0) {
			ks_g.format = KS_FMT_JSON, ks_g.format_given = 1;
		} else if (strcmp(val, "csv") == 0) {
			ks_g.format = KS_FMT_CSV, ks_g.format_given = 1;
		} else if (strcmp(val, "stix") == 0) {
			ks_g.format = KS_FMT_STIX, ks_g.format_given = 1;
		} else {
			fprintf(stderr, "kansoku: error: --format '%s': expected text, json or csv\n", val);
			return KS_EXIT_USAGE;
		}
	}
	*argc = out;
	argv[out] = NULL;
	return 0;
}

int main(int argc, char **argv)
{
	int r = take_globals(&argc, argv);
	if (r == -1) {
		printf("kansoku %s\n", KS_VERSION);
		return 0;
	}
	if (r != 0)
		return r;
	if (argc < 2) {
		usage(stderr, NULL);
		return KS_EXIT_USAGE;
	}
	const char *w1 = argv[1];
	if (strcmp(w1, "-h") == 0 || strcmp(w1, "--help") == 0 || strcmp(w1, "help") == 0) {
		usage(stdout, NULL);
		return 0;
	}
	int group_known = 0;
	for (size_t i = 0; i < NCMDS; i++) {
		if (strcmp(w1, cmds[i].group) != 0)
			continue;
		group_known = 1;
		int skip = !cmds[i].name ? 2 : argc >= 3 && strcmp(argv[2], cmds[i].name) == 0 ? 3 : 0;
		if (!skip)
			continue;
		if (ks_g.format == KS_FMT_STIX && cmds[i].fn != cmd_cc_export) {
			fprintf(stderr, "kansoku: error: --format stix: only 'cc export' writes STIX; "
					"expected text, json or csv\n");
			return KS_EXIT_USAGE;
		}
		return cmds[i].fn(argc - skip, argv + skip);
	}
	if (!group_known) {
		fprintf(stderr, "kansoku: error: unknown command '%s'\n\n", w1);
		usage(stderr, NULL);
		return KS_EXIT_USAGE;
	}
	if (argc >= 3 && strcmp(argv[2], "-h") != 0 && strcmp(argv[2], "--help") != 0) {
		fprintf(stderr, "kansoku: error: unknown subcommand '%s %s'\n\n", w1, argv[2]);
		usage(stderr, w1);
		return KS_EXIT_USAGE;
	}
	int help = argc >= 3;
	usage(help ? stdout : stderr, w1);
	return help ? 0 : KS_EXIT_USAGE;
}

int ks_cmd_store(struct ks_store **out)
{
	char err[512];
	if (ks_store_open(ks_g.db, out, err, sizeof err) != 0) {
		ks_err("%s", err);
		return KS_EXIT_FAIL;
	}
	return 0;
}

int ks_cmd_parse(const struct ks_opt *opts, const struct ks_cmd_help *h, int argc, char **argv,
		 char **args, int *nargs)
{
	char **tmp = args ? args : ks_xcalloc((size_t)argc + 1, sizeof *tmp);
	int n, r = ks_opt_parse(opts, h, argc, argv, tmp, &n);
	if (nargs)
		*nargs = n;
	if (!args)
		free(tmp);
	return r == 0 ? -1 : r == 1 ? KS_EXIT_OK : KS_EXIT_USAGE;
}

uint32_t ks_cmd_threshold(struct ks_store *st, const struct ks_span *sp, uint32_t given)
{
	uint64_t n;
	uint32_t latest = 0;
	if (given)
		return given;
	if (ks_store_dn_ingests(st, sp, NULL, NULL, &n, &latest) != 0 || latest == 0)
		return KS_DEFAULT_SCAN_THRESHOLD;
	return latest;
}

int ks_cmd_store_orgs(struct ks_store **st, struct ks_org_list *l)
{
	if (ks_cmd_store(st) != 0)
		return KS_EXIT_FAIL;
	if (ks_store_org_load(*st, l) != 0) {
		ks_err("store %s: %s", ks_g.db, ks_store_errmsg(*st));
		ks_store_close(*st);
		*st = NULL;
		return KS_EXIT_FAIL;
	}
	return 0;
}

void ks_cmd_json(json_t *j)
{
	json_dumpf(j, stdout, JSON_INDENT(2) | JSON_PRESERVE_ORDER | JSON_REAL_PRECISION(12));
	fputc('\n', stdout);
	json_decref(j);
}

int ks_cmd_span(const char *since, const char *until, struct ks_span *sp)
{
	int64_t now = ks_time_now_us();
	sp->since_us = INT64_MIN;
	sp->until_us = INT64_MAX;
	if (since && ks_time_parse(since, now, &sp->since_us) != 0) {
		ks_err("--since '%s': expected a date (2026-11-22), a time (2026-11-22T04:00:00Z), "
		       "@EPOCH or an age (36h, 7d)", since);
		return KS_EINVAL;
	}
	if (until && ks_time_parse(until, now, &sp->until_us) != 0) {
		ks_err("--until '%s': expected a date (2026-11-22), a time (2026-11-22T04:00:00Z), "
		       "@EPOCH or an age (36h, 7d)", until);
		return KS_EINVAL;
	}
	return 0;
}

int ks_cmd_read_file(const char *path, size_t max, char **buf, size_t *len, char *err, size_t errlen)
{
	FILE *f = strcmp(path, "-") == 0 ? stdin : fopen(path, "rb");
	if (!f) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		return KS_EIO;
	}
	size_t cap = 1 << 16, n = 0, k;
	char *b = ks_xmalloc(cap + 1);
	while ((k = fread(b + n, 1, cap - n, f)) > 0) {
		n += k;
		if (n == cap) {
			if (cap >= max) {
				snprintf(err, errlen, "%s: larger than %zu bytes", path, max);
				free(b);
				if (f != stdin)
					fclose(f);
				return KS_ELIMIT;
			}
			cap *= 2;
			b = ks_xreallocarray(b, cap + 1, 1);
		}
	}
	int bad = ferror(f);
	if (f != stdin)
		fclose(f);
	if (bad) {
		snprintf(err, errlen, "%s: read error", path);
		free(b);
		return KS_EIO;
	}
	b[n] = '\0';
	*buf = b;
	*len = n;
	return 0;
}

int ks_cmd_drop_privileges(const char *user)
{
	errno = 0;
	struct passwd *pw = getpwnam(user);
	if (!pw) {
		ks_err("--user %s: no such user", user);
		return -1;
	}
	if (setgroups(0, NULL) != 0 || setgid(pw->pw_gid) != 0 || setuid(pw->pw_uid) != 0) {
		ks_err("--user %s: cannot drop privileges: %s", user, strerror(errno));
		return -1;
	}
	if (pw->pw_uid != 0 && (setuid(0) == 0 || seteuid(0) == 0)) {
		ks_err("--user %s: privileges could be regained after dropping them; refusing to run", user);
		return -1;
	}
	ks_info("running as %s (uid %u)", user, (unsigned)pw->pw_uid);
	return 0;
}

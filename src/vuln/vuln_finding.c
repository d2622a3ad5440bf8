/* SPDX-License-Identifier: BSD-2-Clause */
/* Finding-type and severity names (vuln_finding.h). */
#include "vuln_finding.h"

#include <string.h>

#include "ks_err.h"

static const char *const sev_names[KS_SEV_COUNT] = {"info", "low", "medium", "high", "critical"};
static const char *const find_names[KS_FIND_COUNT] = {
	"weak_credentials", "known_vulnerability", "telnet_exposed",	"open_resolver",
	"upnp_exposed",	    "mqtt_no_auth",	   "cleartext_admin",	"bad_certificate",
	"deprecated_crypto", "infected",
};

const char *ks_sev_name(enum ks_sev s)
{
	return (unsigned)s < KS_SEV_COUNT ? sev_names[s] : "?";
}

const char *ks_finding_name(enum ks_finding_type t)
{
	return (unsigned)t < KS_FIND_COUNT ? find_names[t] : "?";
}

int ks_sev_parse(const char *s, enum ks_sev *out)
{
	for (unsigned i = 0; s && i < KS_SEV_COUNT; i++)
		if (strcmp(s, sev_names[i]) == 0) {
			*out = (enum ks_sev)i;
			return 0;
		}
	return KS_EINVAL;
}

int ks_finding_parse(const char *s, enum ks_finding_type *out)
{
	for (unsigned i = 0; s && i < KS_FIND_COUNT; i++)
		if (strcmp(s, find_names[i]) == 0) {
			*out = (enum ks_finding_type)i;
			return 0;
		}
	return KS_EINVAL;
}

enum ks_sev ks_sev_from_cvss(double score)
{
	/* Scores carry one decimal; compare in tenths so 8.95 cannot slip. */
	if (!(score >= 0 && score <= 10))
		return KS_SEV_INFO;
	long t = (long)(score * 10 + 0.5);
	return t >= 90 ? KS_SEV_CRITICAL : t >= 70 ? KS_SEV_HIGH : t >= 40 ? KS_SEV_MEDIUM
	       : t > 0 ? KS_SEV_LOW : KS_SEV_INFO;
}
